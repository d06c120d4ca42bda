//! Login events for audit (the core's `AuditEvent`, one shape in every host). The events of a
//! completed or refused login come with `completeLogin`; this builds the others (a logout, a
//! refusal decided by the host before the core was reached).

use gouvconnect::{AuditEvent, EventKind};
use gouvconnect::{Error, ErrorCode, Identity, ProviderKind};
use napi_derive::napi;
use serde_json::Value;

use crate::errors::{invalid, parse_value, to_js, to_napi};

fn kind(name: &str) -> napi::Result<EventKind> {
    Ok(match name {
        "login_succeeded" => EventKind::LoginSucceeded,
        "login_refused" => EventKind::LoginRefused,
        "logout" => EventKind::Logout,
        "step_up" => EventKind::StepUp,
        "account_linked" => EventKind::AccountLinked,
        other => {
            return Err(invalid(
                ErrorCode::InvalidRequest,
                format!("unknown audit event `{}`", other.escape_debug()),
            ))
        }
    })
}

/// The audit event `kind` of `identity` (a normalised identity), or, for `login_refused`, of
/// the stable error `code` at `provider`. Never holds a token, code, state or nonce.
#[napi(catch_unwind)]
pub fn audit_event(
    kind_name: String,
    provider: String,
    client_id: String,
    identity: Option<Value>,
    code: Option<String>,
) -> napi::Result<Value> {
    let kind = kind(&kind_name)?;
    let event = if kind == EventKind::LoginRefused {
        let code = code.as_deref().and_then(ErrorCode::parse).ok_or_else(|| {
            invalid(
                ErrorCode::InvalidRequest,
                "a refusal needs a known error code",
            )
        })?;
        let provider = ProviderKind::parse(&provider).map_err(to_napi)?;
        AuditEvent::refusal(provider, &client_id, &Error::new(code, ""))
    } else {
        let identity: Identity = identity
            .map(|v| parse_value(v, "an identity"))
            .transpose()?
            .ok_or_else(|| invalid(ErrorCode::InvalidRequest, "this event needs the identity"))?;
        AuditEvent::for_identity(kind, &identity, &client_id)
    };
    to_js(&event)
}
