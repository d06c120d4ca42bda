//! Stateless helpers: open-redirect guard, buttons, error page, acr rule, mapping.

use gouvconnect::AcrRequirement;
use gouvconnect::{ErrorCode, Identity, LoginOptions, Mapping, ProviderKind};
use napi_derive::napi;
use serde_json::Value;

use crate::errors::{invalid, parse_value, to_js, to_napi};

fn kind(provider: &str) -> napi::Result<ProviderKind> {
    ProviderKind::parse(provider).map_err(to_napi)
}

/// `next` when it is a local path, `null` otherwise.
#[napi(catch_unwind)]
pub fn safe_next_path(next: String) -> Option<String> {
    gouvconnect::safe_next_path(&next)
}

/// The login request's URL moved to the redirect URI's origin when the two differ (at most
/// once), `null` otherwise.
#[napi(catch_unwind)]
pub fn login_origin_redirect(redirect_uri: String, request_url: String) -> Option<String> {
    gouvconnect::login_origin_redirect(&redirect_uri, &request_url)
}

/// The official button of a provider, as HTML.
#[napi(catch_unwind)]
pub fn button_html(provider: String, action: String, next: Option<String>) -> napi::Result<String> {
    Ok(gouvconnect::button_html(
        kind(&provider)?,
        &action,
        next.as_deref(),
    ))
}

/// The buttons' CSS.
#[napi]
pub fn button_css() -> String {
    gouvconnect::BUTTON_CSS.to_string()
}

/// The error page naming a code.
#[napi(catch_unwind)]
pub fn error_page_html(code: String, home: String) -> napi::Result<String> {
    let code = ErrorCode::parse(&code)
        .ok_or_else(|| invalid(ErrorCode::InvalidRequest, "unknown error code"))?;
    Ok(gouvconnect::error_page_html(code, &home))
}

/// Whether `acr` satisfies a minimum level (and MFA) for a provider, by the core's rules.
#[napi(catch_unwind)]
pub fn acr_satisfies(
    provider: String,
    acr: Option<String>,
    minimum: Option<String>,
    mfa: Option<bool>,
) -> napi::Result<bool> {
    let kind = kind(&provider)?;
    let requirement = AcrRequirement::for_provider(kind, minimum.as_deref(), mfa.unwrap_or(false))
        .map_err(to_napi)?;
    Ok(requirement.check(kind, acr.as_deref()).is_ok())
}

/// The login options that re-authenticate the signed-in `identity` at `acr` (the core's
/// step-up rule: the level as the login's minimum, ProConnect's `login_hint` = the user's email,
/// Pro Santé Connect `prompt=login`, and the same `sub` required on return).
#[napi(catch_unwind)]
pub fn step_up_options(identity: Value, acr: String) -> napi::Result<Value> {
    let identity: Identity = parse_value(identity, "an identity")?;
    // The level is checked now (an unknown level is a programming error, not a login failure).
    let kind = identity.provider;
    AcrRequirement::for_provider(kind, Some(&acr), false).map_err(to_napi)?;
    to_js(&LoginOptions::step_up(&identity, &acr))
}

/// A declarative mapping of the identity to user fields and groups.
#[napi(js_name = "Mapping")]
pub struct JsMapping {
    inner: Mapping,
}

#[napi]
impl JsMapping {
    /// Parses and validates a mapping (`{fields: {...}, groups: [...]}`); `null` → defaults.
    #[napi(constructor, catch_unwind)]
    pub fn new(mapping: Option<Value>) -> napi::Result<Self> {
        let inner = match mapping {
            None | Some(Value::Null) => Mapping::default(),
            Some(v) => Mapping::from_json(&v.to_string()).map_err(to_napi)?,
        };
        Ok(JsMapping { inner })
    }

    /// Applies the mapping to a normalised identity: `{fields, groups}`.
    #[napi(catch_unwind)]
    pub fn apply(&self, identity: Value) -> napi::Result<Value> {
        let identity: Identity = parse_value(identity, "an identity")?;
        to_js(&self.inner.apply(&identity))
    }
}

/// The request headers `isPageView` reads (lower-case), in the order it takes their values.
#[napi(catch_unwind)]
pub fn page_view_headers() -> Vec<&'static str> {
    gouvconnect::PAGE_VIEW_HEADERS.to_vec()
}

/// Whether a request is a browser's page view (the core's rule for silent login and session
/// renewal); `headers` are the values of `pageViewHeaders()`, in that order.
#[napi(catch_unwind)]
pub fn is_page_view(method: String, headers: Vec<Option<String>>) -> napi::Result<bool> {
    let values: [Option<&str>; 6] = std::array::from_fn(|i| headers.get(i)?.as_deref());
    Ok(gouvconnect::is_page_view(&method, &values))
}

/// Whether `identity`, just logged in, is a step-up of the session's `previous` identity: same
/// provider and `sub`, a different acr satisfying the previous one.
#[napi(catch_unwind)]
pub fn is_step_up(previous: Value, identity: Value) -> napi::Result<bool> {
    let read = |v: Value| parse_value::<Identity>(v, "an identity");
    Ok(gouvconnect::is_step_up(&read(previous)?, &read(identity)?))
}

/// Whether `link` may be the error pages' support link (http(s), mailto: or a local path).
#[napi(catch_unwind)]
pub fn is_support_link(link: String) -> bool {
    gouvconnect::is_support_link(&link)
}
