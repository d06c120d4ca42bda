//! Going live: the configuration doctor (network, GIL released) and the login events of the
//! core's `audit` module, built here so that every field name and rule is the core's.

use gouvconnect::http::block_on;
use gouvconnect::DoctorOptions;
use gouvconnect::{AuditEvent, EventKind};
use gouvconnect::{ClientConfig, ErrorCode, Identity, ProviderKind};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{error, guard, parse, raise, serialize};

/// Runs the going-live checks of `config_json` against the live provider: the report as a
/// dict (`provider`, `environment`, `issuer`, `ok`, `checks`) plus `text` (for a person) and
/// `json` (for scripts). `options_json`: the core's `DoctorOptions`
/// (`mounted_redirect_uris`, `mounted_post_logout_redirect_uris`).
#[pyfunction]
#[pyo3(signature = (config_json, options_json = None))]
pub fn doctor<'py>(
    py: Python<'py>,
    config_json: &str,
    options_json: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let config = ClientConfig::from_json(config_json).map_err(|e| error(py, e))?;
        let options: DoctorOptions = match options_json {
            Some(text) => parse(py, text, "doctor options")?,
            None => DoctorOptions::default(),
        };
        let report = py
            .detach(move || {
                block_on(async move { gouvconnect::http::doctor(config, &options).await })
            })
            .map_err(|e| error(py, e))?;
        let value = serialize(py, &report)?;
        let dict = value.cast::<PyDict>()?;
        dict.set_item("text", report.to_text())?;
        dict.set_item("json", report.to_json())?;
        Ok(value)
    })
}

const KINDS: [EventKind; 5] = [
    EventKind::LoginSucceeded,
    EventKind::LoginRefused,
    EventKind::Logout,
    EventKind::StepUp,
    EventKind::AccountLinked,
];

/// One login event (the core's `AuditEvent`) as a dict. `identity_json`: the normalised
/// identity, when known (who); `code`: the stable code of a refusal; `provider_error`: the
/// provider's OAuth error of a refusal it reported.
#[pyfunction]
#[pyo3(signature = (kind, provider, client_id, identity_json = None, code = None, provider_error = None))]
pub fn audit_event<'py>(
    py: Python<'py>,
    kind: &str,
    provider: &str,
    client_id: &str,
    identity_json: Option<&str>,
    code: Option<&str>,
    provider_error: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let kind = KINDS
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| raise(py, "invalid_request", "unknown login event kind"))?;
        let code = match code {
            Some(c) => Some(
                ErrorCode::parse(c)
                    .ok_or_else(|| raise(py, "invalid_request", "unknown error code"))?
                    .as_str(),
            ),
            None => None,
        };
        let mut event = match identity_json {
            Some(text) => {
                let identity: Identity = parse(py, text, "an identity")?;
                AuditEvent::for_identity(kind, &identity, client_id)
            }
            None => AuditEvent {
                event: kind,
                provider: ProviderKind::parse(provider)
                    .map_err(|e| error(py, e))?
                    .as_str(),
                client_id: client_id.to_string(),
                sub: None,
                acr: None,
                idp_id: None,
                siret: None,
                code: None,
                provider_error: None,
            },
        };
        if kind == EventKind::LoginRefused {
            event.code = Some(code.unwrap_or(ErrorCode::InternalError.as_str()));
            // Already filtered by the core when the error was raised; kept short and printable.
            event.provider_error =
                provider_error.map(|p| p.chars().filter(|c| !c.is_control()).take(128).collect());
        }
        serialize(py, &event)
    })
}
