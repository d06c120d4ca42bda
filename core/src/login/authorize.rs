//! The authorization request: the URL with every parameter the provider expects, and the
//! pending login that goes with it.

use super::hints::{is_siret, looks_like_email};
use super::redirect::safe_next_path;
use super::{LoginOptions, PendingLogin};
use crate::config::ClientConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::jose::b64url;
use crate::policy::{AcrRequirement, MfaMode, PROCONNECT_MFA_VALUES};
use crate::provider::{AcrRequestStyle, Provider, ProviderKind};
use crate::secure::random_token;

/// The URL to send the browser to, and what to keep until the callback.
#[derive(Clone, Debug)]
pub struct AuthorizationRequest {
    /// The provider's authorization URL with every parameter.
    pub url: String,
    /// To store in the session.
    pub pending: PendingLogin,
}

/// The `acr_values` of a federation that takes them: Pro Santé Connect and FranceConnect are
/// always asked for `eidas1` (PSC's higher levels are checked on return only); FranceConnect+
/// for the lowest level the login accepts (`eidas2` unless `eidas3` is required), since it
/// refuses `eidas1` and answers at least what it was asked.
fn acr_values(provider: &Provider, acr: &AcrRequirement) -> String {
    match provider.kind {
        ProviderKind::FranceConnectPlus => acr
            .accepted
            .as_ref()
            .and_then(|levels| levels.first())
            .map_or_else(|| "eidas2".to_string(), String::clone),
        _ => "eidas1".to_string(),
    }
}

/// Builds the authorization request.
pub fn authorization_request(
    provider: &Provider,
    config: &ClientConfig,
    options: &LoginOptions,
    now: u64,
) -> Result<AuthorizationRequest> {
    let state = random_token(32)?;
    let nonce = random_token(32)?;
    authorization_request_with_state(provider, config, options, state, nonce, now)
}

/// Like [`authorization_request`], with a `state` and `nonce` chosen by the host (Keycloak's
/// broker owns them). Both must be at least the provider's minimum length and URL-safe.
pub fn authorization_request_with_state(
    provider: &Provider,
    config: &ClientConfig,
    options: &LoginOptions,
    state: String,
    nonce: String,
    now: u64,
) -> Result<AuthorizationRequest> {
    let refuse = |m: String| Err(Error::new(ErrorCode::InvalidRequest, m));
    for (name, value) in [("state", &state), ("nonce", &nonce)] {
        if value.len() < provider.min_state_len || value.len() > 512 {
            return refuse(format!(
                "{name} must be {} to 512 characters long",
                provider.min_state_len
            ));
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return refuse(format!(
                "{name} must not contain spaces or control characters"
            ));
        }
    }
    let min_acr = options.acr.as_deref().or(config.policy.acr.as_deref());
    let mode = match options.require_mfa {
        Some(true) => MfaMode::Require,
        Some(false) => MfaMode::Off,
        None => config.policy.mfa_mode(),
    };
    let acr = AcrRequirement::with_mode(provider.kind, min_acr, mode)?;

    let mut params: Vec<(&str, String)> = vec![
        ("response_type", "code".into()),
        ("client_id", config.client_id.clone()),
        ("redirect_uri", config.redirect_uri.clone()),
        ("scope", config.scopes(provider).join(" ")),
        ("state", state.clone()),
        ("nonce", nonce.clone()),
    ];
    match provider.acr_request {
        AcrRequestStyle::ClaimsParameter => params.push(("claims", claims_parameter(&acr))),
        AcrRequestStyle::AcrValues => params.push(("acr_values", acr_values(provider, &acr))),
    }
    let code_verifier = if provider.supports_pkce && config.use_pkce.unwrap_or(true) {
        let verifier = random_token(32)?;
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        params.push(("code_challenge", b64url(digest.as_ref())));
        params.push(("code_challenge_method", "S256".into()));
        Some(verifier)
    } else {
        None
    };
    if let Some(prompt) = &options.prompt {
        let values: Vec<&str> = prompt.split_whitespace().collect();
        let known = values
            .iter()
            .all(|v| matches!(*v, "login" | "consent" | "none"));
        if values.is_empty() || !known || (values.contains(&"none") && values.len() > 1) {
            return refuse(format!("unsupported prompt `{prompt}`"));
        }
        params.push(("prompt", values.join(" ")));
    }
    if let Some(hint) = &options.login_hint {
        if provider.kind == ProviderKind::ProConnect && !looks_like_email(hint) {
            return refuse("login_hint must be an email address for ProConnect".into());
        }
        params.push(("login_hint", hint.clone()));
    }
    if let Some(hint) = &options.idp_hint {
        params.push(("idp_hint", hint.clone()));
    }
    if let Some(hint) = &options.siret_hint {
        if !is_siret(hint) {
            return refuse("siret_hint must be 14 digits".into());
        }
        params.push(("siret_hint", hint.clone()));
    }
    for (name, value) in &options.extra_params {
        if params.iter().any(|(n, _)| n == name) {
            return refuse(format!("parameter `{name}` is set by the library"));
        }
        params.push((name.as_str(), value.clone()));
    }
    for (name, _) in &params {
        if !provider.allowed_authorize_params.iter().any(|a| a == name) {
            return refuse(format!(
                "{} does not accept the authorization parameter `{name}`",
                provider.kind.display_name()
            ));
        }
    }
    let mut url = url::Url::parse(&provider.endpoints.authorization).map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("invalid authorization endpoint: {e}"),
        )
    })?;
    url.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    let next =
        match &options.next {
            Some(n) => Some(safe_next_path(n).ok_or_else(|| {
                Error::new(ErrorCode::InvalidRequest, "`next` must be a local path")
            })?),
            None => None,
        };
    Ok(AuthorizationRequest {
        url: url.into(),
        pending: PendingLogin {
            provider: provider.kind,
            client_id: config.client_id.clone(),
            state,
            nonce,
            code_verifier,
            redirect_uri: config.redirect_uri.clone(),
            acr,
            created_at: now,
            next,
            expected_sub: options.step_up_sub.clone(),
        },
    })
}

/// ProConnect's `claims` parameter: acr as essential values when a level is required (the
/// returned acr is checked anyway), amr always asked for.
fn claims_parameter(acr: &AcrRequirement) -> String {
    let acr_claim = match &acr.accepted {
        // "Prefer MFA": the MFA levels as voluntary claims, so ProConnect never forces an
        // enrolment, and the returned acr tells whether MFA happened.
        None if acr.prefer_mfa => {
            serde_json::json!({ "essential": false, "values": PROCONNECT_MFA_VALUES })
        }
        None => serde_json::Value::Null,
        Some(values) if values.len() == 1 => {
            serde_json::json!({ "essential": true, "value": values[0] })
        }
        Some(values) => serde_json::json!({ "essential": true, "values": values }),
    };
    serde_json::json!({ "id_token": { "acr": acr_claim, "amr": null } }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Identity;
    use crate::login::test_support::*;
    use crate::provider::Environment;

    #[test]
    fn prefer_mfa_asks_voluntarily_and_step_up_options() {
        let p = Provider::preset(ProviderKind::ProConnect, Environment::Integration).unwrap();
        let mut c = ClientConfig::new(
            ProviderKind::ProConnect,
            "id",
            "secret",
            "https://app.example/auth/callback",
        );
        c.policy.mfa = Some(MfaMode::Prefer);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 1000).unwrap();
        let claims: serde_json::Value = url::Url::parse(&r.url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "claims")
            .map(|(_, v)| serde_json::from_str(&v).unwrap())
            .unwrap();
        assert_eq!(claims["id_token"]["acr"]["essential"], false);
        assert_eq!(
            claims["id_token"]["acr"]["values"],
            serde_json::json!(PROCONNECT_MFA_VALUES)
        );
        // Step-up: the level, the email as login_hint, the same person expected back.
        let identity: Identity = serde_json::from_value(serde_json::json!({
            "provider": "proconnect", "sub": "s-1", "email": "a@b.gouv.fr", "email_verified": null,
            "given_name": null, "family_name": null, "acr": "eidas1", "amr": [],
            "proconnect": null, "prosanteconnect": null, "raw": {"id_token": {}, "userinfo": {}}
        }))
        .unwrap();
        let options = LoginOptions::step_up(&identity, "eidas2");
        assert_eq!(options.login_hint.as_deref(), Some("a@b.gouv.fr"));
        assert_eq!(options.prompt, None);
        let r = authorization_request(&p, &c, &options, 1000).unwrap();
        assert_eq!(r.pending.expected_sub.as_deref(), Some("s-1"));
        assert!(r.url.contains("login_hint=a%40b.gouv.fr"));
        let psc = Identity {
            provider: ProviderKind::ProSanteConnect,
            ..identity
        };
        let options = LoginOptions::step_up(&psc, "eidas2");
        assert_eq!(options.login_hint, None);
        assert_eq!(options.prompt.as_deref(), Some("login"));
    }

    #[test]
    fn proconnect_request_has_claims_and_pkce_and_long_state() {
        let (p, mut c) = setup(ProviderKind::ProConnect, Environment::Integration);
        c.policy.acr = Some("eidas2".into());
        let r = authorization_request(&p, &c, &LoginOptions::default(), 100).unwrap();
        let q = params(&r.url);
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert!(get("state").unwrap().len() >= 32);
        assert!(get("nonce").unwrap().len() >= 32);
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert!(get("acr_values").is_none());
        let claims: serde_json::Value = serde_json::from_str(&get("claims").unwrap()).unwrap();
        assert_eq!(claims["id_token"]["acr"]["essential"], true);
        assert_eq!(
            claims["id_token"]["acr"]["values"],
            serde_json::json!(["eidas2", "eidas3"])
        );
        assert_eq!(get("scope").unwrap().split(' ').next(), Some("openid"));
        let again = authorization_request(&p, &c, &LoginOptions::default(), 100).unwrap();
        assert_ne!(again.pending.state, r.pending.state);
    }

    #[test]
    fn psc_request_sends_acr_values_and_scope_all() {
        let (p, c) = setup(ProviderKind::ProSanteConnect, Environment::Sandbox);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 0).unwrap();
        assert!(r
            .url
            .starts_with("https://wallet.bas.psc.esante.gouv.fr/auth?"));
        let q = params(&r.url);
        assert!(q.contains(&("acr_values".into(), "eidas1".into())));
        assert!(q.contains(&("scope".into(), "openid scope_all".into())));
    }

    #[test]
    fn refuses_parameters_the_provider_rejects() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let bad = |o: LoginOptions| authorization_request(&p, &c, &o, 0).unwrap_err().code();
        let mut o = LoginOptions::default();
        o.extra_params.push(("foo".into(), "bar".into()));
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            prompt: Some("select_account".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            prompt: Some("none login".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            login_hint: Some("not-an-email".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            siret_hint: Some("123".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            next: Some("//evil.example".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let (psc, pc) = setup(ProviderKind::ProSanteConnect, Environment::Sandbox);
        let o = LoginOptions {
            idp_hint: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            authorization_request(&psc, &pc, &o, 0).unwrap_err().code(),
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn host_chosen_state_must_be_long_enough() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let o = LoginOptions::default();
        let short = authorization_request_with_state(&p, &c, &o, "abc".into(), "x".repeat(40), 0);
        assert_eq!(short.unwrap_err().code(), ErrorCode::InvalidRequest);
        let ok = authorization_request_with_state(&p, &c, &o, "s".repeat(40), "n".repeat(40), 0)
            .unwrap();
        assert_eq!(ok.pending.state, "s".repeat(40));
    }

    #[test]
    fn pending_round_trips_and_hides_secrets() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 5).unwrap();
        let back = PendingLogin::from_json(&r.pending.to_json()).unwrap();
        assert_eq!(back, r.pending);
        assert!(!format!("{:?}", r.pending).contains(&r.pending.state));
        assert_eq!(
            PendingLogin::from_json("{").unwrap_err().code(),
            ErrorCode::NoPendingLogin
        );
    }
}
