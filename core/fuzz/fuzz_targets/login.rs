//! The whole `finish_login` with claims of the fuzzer's choosing: the id_token (and the userinfo
//! when it is a JWT) is signed HS256 with the client secret, so every input gets past the
//! signature and exercises the claim checks (iss, aud/azp, exp/iat/nbf, nonce, sub, userinfo
//! sub), the acr requirement, the normalisation and the policy.
//!
//! Input: see `two_claims`; selector bit 0 = provider, bits 2–3 = userinfo form (none, HS256
//! JWT, JSON as application/json, JSON without a content type).
//! Properties: an accepted login really had the fixture issuer, audience, nonce and a live
//! `exp`; the userinfo `sub` equals the id_token's; the identity invariants hold.
#![no_main]

use std::sync::OnceLock;

use gouvconnect::{Client, ProviderKind, TokenResponse, UserinfoResponse};
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn clients() -> &'static [Client; 2] {
    static C: OnceLock<[Client; 2]> = OnceLock::new();
    C.get_or_init(|| {
        [
            fx::client(ProviderKind::ProConnect, true),
            fx::client(ProviderKind::ProSanteConnect, true),
        ]
    })
}

fn audience_ok(claims: &serde_json::Map<String, Value>) -> bool {
    match claims.get("aud") {
        Some(Value::String(a)) => a == fx::CLIENT_ID,
        Some(Value::Array(list)) => list.iter().any(|a| a == fx::CLIENT_ID),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, id_claims, ui_claims)) = fx::two_claims(data) else {
        return;
    };
    let kind = fx::kind_of(selector);
    let client = &clients()[(selector & 1) as usize];
    let id_payload = serde_json::to_vec(&id_claims).unwrap();
    let ui_payload = serde_json::to_vec(&ui_claims).unwrap();
    let tokens = TokenResponse {
        access_token: "access".into(),
        id_token: fx::hs256_token(&id_payload),
        refresh_token: None,
        expires_in: Some(60),
        scope: None,
    };
    let ui_jwt = fx::hs256_token(&ui_payload);
    let userinfo = match (selector >> 2) & 3 {
        0 => None,
        1 => Some(UserinfoResponse {
            content_type: Some("application/jwt"),
            body: ui_jwt.as_bytes(),
        }),
        2 => Some(UserinfoResponse {
            content_type: Some("application/json; charset=utf-8"),
            body: &ui_payload,
        }),
        _ => Some(UserinfoResponse {
            content_type: None,
            body: &ui_payload,
        }),
    };
    let had_userinfo = userinfo.is_some();
    match client.finish_login(&fx::pending(kind), &tokens, userinfo, fx::NOW) {
        Ok(login) => {
            assert_eq!(
                id_claims.get("iss").and_then(Value::as_str),
                Some(fx::issuer(kind))
            );
            assert!(audience_ok(&id_claims), "accepted with a foreign audience");
            assert_eq!(
                id_claims.get("nonce").and_then(Value::as_str),
                Some(fx::NONCE)
            );
            let exp = id_claims.get("exp").and_then(Value::as_f64).expect("exp");
            assert!(exp + 60.0 > fx::NOW as f64, "accepted an expired id_token");
            let sub = id_claims
                .get("sub")
                .and_then(Value::as_str)
                .expect("string sub");
            assert_eq!(login.identity.sub, sub);
            if had_userinfo {
                assert_eq!(ui_claims.get("sub").and_then(Value::as_str), Some(sub));
            }
            assert_eq!(login.next.as_deref(), Some("/after"));
            fx::check_identity(&login.identity, kind);
        }
        Err(e) => fx::check_error(&e),
    }
});
