//! Stateless helpers: open-redirect guard, buttons, error page, acr rule, error table, mapping.

use gouvconnect::AcrRequirement;
use gouvconnect::{ErrorCode, Identity, LoginOptions, ProviderKind};
use pyo3::prelude::*;

use crate::convert::{error, guard, parse, raise, serialize};

/// `next` when it is a local path, else `None`.
#[pyfunction]
pub fn safe_next_path(next: &str) -> Option<String> {
    gouvconnect::safe_next_path(next)
}

/// The login request's URL moved to the redirect URI's origin when the two differ (at most once).
#[pyfunction]
pub fn login_origin_redirect(redirect_uri: &str, request_url: &str) -> Option<String> {
    gouvconnect::login_origin_redirect(redirect_uri, request_url)
}

/// The official button of a provider, as HTML.
#[pyfunction]
#[pyo3(signature = (provider, action, next = None))]
pub fn button_html(
    py: Python<'_>,
    provider: &str,
    action: &str,
    next: Option<&str>,
) -> PyResult<String> {
    let kind = ProviderKind::parse(provider).map_err(|e| error(py, e))?;
    Ok(gouvconnect::button_html(kind, action, next))
}

/// The canonical name of a provider (`fc` → `franceconnect`, `fcplus` → `franceconnect_plus`…);
/// `invalid_config` for an unknown one.
#[pyfunction]
pub fn provider_kind(py: Python<'_>, provider: &str) -> PyResult<&'static str> {
    Ok(ProviderKind::parse(provider)
        .map_err(|e| error(py, e))?
        .as_str())
}

/// An error page naming a stable code.
#[pyfunction]
#[pyo3(signature = (code, home = "/"))]
pub fn error_page_html(py: Python<'_>, code: &str, home: &str) -> PyResult<String> {
    let code =
        ErrorCode::parse(code).ok_or_else(|| raise(py, "invalid_request", "unknown error code"))?;
    Ok(gouvconnect::error_page_html(code, home))
}

/// `[(code, http_status, user_message)]` for every stable code.
#[pyfunction]
pub fn error_codes() -> Vec<(&'static str, u16, &'static str)> {
    ErrorCode::ALL
        .iter()
        .map(|c| (c.as_str(), c.http_status(), c.user_message()))
        .collect()
}

/// Whether `acr` satisfies `minimum` (and MFA) by the core's rules.
#[pyfunction]
#[pyo3(signature = (provider, acr, minimum = None, mfa = false))]
pub fn acr_satisfies(
    py: Python<'_>,
    provider: &str,
    acr: Option<&str>,
    minimum: Option<&str>,
    mfa: bool,
) -> PyResult<bool> {
    let kind = ProviderKind::parse(provider).map_err(|e| error(py, e))?;
    let requirement = AcrRequirement::for_provider(kind, minimum, mfa).map_err(|e| error(py, e))?;
    Ok(requirement.check(kind, acr).is_ok())
}

/// The login options that re-authenticate the signed-in `identity` (JSON) at `acr`, by the
/// core's step-up rule: the level as minimum, ProConnect's `login_hint` = the user's email, Pro
/// Santé Connect `prompt=login`, and the same `sub` required on return (`step_up_sub`).
#[pyfunction]
pub fn step_up_options<'py>(
    py: Python<'py>,
    identity_json: &str,
    acr: &str,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let identity: Identity = parse(py, identity_json, "an identity")?;
        serialize(py, &LoginOptions::step_up(&identity, acr))
    })
}

/// Whether a host account may mark the `identity`'s (JSON) email as verified, by the core's
/// rule: the provider said so, or ProConnect did not mark it unverified. FranceConnect's email
/// (`email_verified` absent) is not trusted.
#[pyfunction]
pub fn email_trusted(py: Python<'_>, identity_json: &str) -> PyResult<bool> {
    guard(py, || {
        let identity: Identity = parse(py, identity_json, "an identity")?;
        Ok(identity.email_trusted())
    })
}

/// Declarative mapping of the identity to user fields and groups.
#[pyclass(frozen, name = "NativeMapping", module = "gouvconnect._native")]
pub struct Mapping {
    inner: gouvconnect::Mapping,
}

#[pymethods]
impl Mapping {
    /// `mapping_json`: `{"fields": {...}, "groups": [...]}`; `None` for the defaults.
    #[new]
    #[pyo3(signature = (mapping_json = None))]
    fn new(py: Python<'_>, mapping_json: Option<&str>) -> PyResult<Self> {
        let inner = match mapping_json {
            Some(text) => gouvconnect::Mapping::from_json(text).map_err(|e| error(py, e))?,
            None => gouvconnect::Mapping::default(),
        };
        Ok(Mapping { inner })
    }

    /// The group names the rules grant as written (no template): those a user may lose when
    /// memberships are kept in sync.
    fn fixed_groups(&self) -> Vec<String> {
        self.inner
            .fixed_groups()
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// Applies the mapping to an identity given as JSON: `{"fields": {...}, "groups": [...]}`.
    fn apply<'py>(&self, py: Python<'py>, identity_json: &str) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let identity: Identity = parse(py, identity_json, "an identity")?;
            serialize(py, &self.inner.apply(&identity))
        })
    }
}

/// Whether a request is a browser's page view (the core's rule for silent login and session
/// renewal); `headers` are the values of `PAGE_VIEW_HEADERS`, in that order.
#[pyfunction]
pub fn is_page_view(method: &str, headers: [Option<String>; 6]) -> bool {
    let values = headers.each_ref().map(Option::as_deref);
    gouvconnect::is_page_view(method, &values)
}

/// Whether `identity` (JSON), just logged in, is a step-up of the session's `previous`
/// identity (JSON): same provider and `sub`, a different acr satisfying the previous one.
#[pyfunction]
pub fn is_step_up(py: Python<'_>, previous_json: &str, identity_json: &str) -> PyResult<bool> {
    guard(py, || {
        let read = |json: &str| parse::<Identity>(py, json, "an identity");
        Ok(gouvconnect::is_step_up(
            &read(previous_json)?,
            &read(identity_json)?,
        ))
    })
}

/// Whether `link` may be the error pages' support link (http(s), mailto: or a local path).
#[pyfunction]
pub fn is_support_link(link: &str) -> bool {
    gouvconnect::is_support_link(link)
}
