//! The callback: the provider's answer on the redirect URI, checked against the pending login.

use super::{PendingLogin, PENDING_LOGIN_TTL_SECS};
use crate::error::{Error, ErrorCode, Result};
use crate::limits;
use crate::provider::Provider;
use crate::secure::constant_time_eq;

/// Parses the callback query and returns the authorization code.
///
/// Checks, in order: a provider `error` (with a matching state) → `provider_error`; the
/// `state` → `state_mismatch`; the login's age → `no_pending_login`; RFC 9207 `iss` (present
/// and equal to the issuer, required when the provider advertises it) → `issuer_mismatch`; a
/// `code` → `invalid_request`. The login may wait [`PENDING_LOGIN_TTL_SECS`]; see
/// [`parse_callback_within`] for another lifetime.
pub fn parse_callback(
    provider: &Provider,
    pending: &PendingLogin,
    query: &str,
    now: u64,
) -> Result<String> {
    parse_callback_within(provider, pending, query, now, PENDING_LOGIN_TTL_SECS)
}

/// [`parse_callback`] for a login that may wait `max_age` seconds for its callback (the
/// client's `pending_login_max_age_secs`).
pub fn parse_callback_within(
    provider: &Provider,
    pending: &PendingLogin,
    query: &str,
    now: u64,
    max_age: u64,
) -> Result<String> {
    if query.len() > limits::MAX_CALLBACK_QUERY_BYTES {
        return Err(Error::new(
            ErrorCode::InvalidRequest,
            "callback query too long",
        ));
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut code = None;
    let mut state = None;
    let mut iss = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match k.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "iss" => &mut iss,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_some() {
            return Err(Error::new(
                ErrorCode::InvalidRequest,
                format!("callback parameter `{k}` is repeated"),
            ));
        }
        *slot = Some(v.into_owned());
    }
    let state_ok = state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), pending.state.as_bytes()));
    if let Some(error) = error {
        if state.is_some() && !state_ok {
            return Err(Error::new(
                ErrorCode::StateMismatch,
                "callback state does not match the pending login",
            ));
        }
        let refused = Error::from_provider(&error, description.as_deref());
        if refused.code() == ErrorCode::AcrInsufficient && pending.acr.mfa {
            // The provider could not meet the essential MFA levels this login required.
            return Err(refused.with_code(ErrorCode::MfaRequired));
        }
        return Err(refused);
    }
    if !state_ok {
        return Err(Error::new(
            ErrorCode::StateMismatch,
            "callback state does not match the pending login",
        ));
    }
    if pending.provider != provider.kind {
        return Err(Error::new(
            ErrorCode::NoPendingLogin,
            "the pending login belongs to another provider",
        ));
    }
    if now.saturating_sub(pending.created_at) > max_age {
        return Err(Error::new(
            ErrorCode::NoPendingLogin,
            "the login attempt has expired",
        ));
    }
    match iss {
        Some(iss) if iss != provider.endpoints.issuer => {
            return Err(Error::new(
                ErrorCode::IssuerMismatch,
                "callback `iss` is not the provider's issuer",
            ))
        }
        // RFC 9207 §2.4: a provider that advertises `iss` always sends it; an answer without
        // it may come from another provider (mix-up).
        None if provider.authorization_response_iss_parameter_supported => {
            return Err(Error::new(
                ErrorCode::IssuerMismatch,
                "callback has no `iss` although the provider advertises it (RFC 9207)",
            ))
        }
        _ => {}
    }
    match code {
        Some(c) if !c.is_empty() => Ok(c),
        _ => Err(Error::new(
            ErrorCode::InvalidRequest,
            "callback has no `code`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::authorization_request;
    use super::*;
    use crate::error::ErrorCode;
    use crate::login::test_support::*;
    use crate::provider::{Environment, ProviderKind};
    use crate::LoginOptions;

    #[test]
    fn callback_checks() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 1000).unwrap();
        let s = &r.pending.state;
        let ok = format!("code=abc&state={s}");
        assert_eq!(parse_callback(&p, &r.pending, &ok, 1001).unwrap(), "abc");
        let err = |q: &str, now| parse_callback(&p, &r.pending, q, now).unwrap_err().code();
        assert_eq!(err("code=abc&state=zzz", 1001), ErrorCode::StateMismatch);
        assert_eq!(err("code=abc", 1001), ErrorCode::StateMismatch);
        assert_eq!(
            err(&format!("error=access_denied&state={s}"), 1001),
            ErrorCode::ProviderAccessDenied
        );
        assert_eq!(
            err(&format!("error=server_error&state={s}"), 1001),
            ErrorCode::ProviderError
        );
        assert_eq!(
            err("error=access_denied&state=other", 1001),
            ErrorCode::StateMismatch
        );
        assert_eq!(
            err(&ok, 1000 + PENDING_LOGIN_TTL_SECS + 1),
            ErrorCode::NoPendingLogin
        );
        // A client's shorter lifetime.
        assert_eq!(
            parse_callback_within(&p, &r.pending, &ok, 1000 + 61, 60)
                .unwrap_err()
                .code(),
            ErrorCode::NoPendingLogin
        );
        assert_eq!(
            parse_callback_within(&p, &r.pending, &ok, 1000 + 60, 60).unwrap(),
            "abc"
        );
        assert_eq!(err(&format!("state={s}"), 1001), ErrorCode::InvalidRequest);
        assert_eq!(
            err(&format!("code=a&code=b&state={s}"), 1001),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            err(&format!("code=a&state={s}&iss=https://evil"), 1001),
            ErrorCode::IssuerMismatch
        );
    }
}
