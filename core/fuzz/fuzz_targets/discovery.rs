//! The discovery document (`Provider::apply_discovery`), then everything built from the
//! discovered endpoints: a client, the authorization URL, the token, userinfo and logout
//! requests.
//!
//! Input: selector byte (bit 0 = provider) then the document.
//! Properties: the issuer never changes; a document with another issuer is refused with
//! `issuer_mismatch`; an authorization URL, when built, carries the fixture state exactly once.
#![no_main]

use gouvconnect::{Client, ErrorCode, LoginOptions, Provider};
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, document)) = data.split_first() else {
        return;
    };
    let kind = fx::kind_of(selector);
    let mut provider = Provider::custom(kind, fx::issuer(kind)).unwrap();
    // Read like the core reads it: serde_json skips ignored fields without validating their
    // UTF-8, so a `Value` parse would refuse documents the core rightly accepts.
    #[derive(serde::Deserialize)]
    struct Declared {
        issuer: String,
    }
    let declared = serde_json::from_slice::<Declared>(document)
        .ok()
        .map(|d| d.issuer);
    match provider.apply_discovery(document) {
        Ok(()) => {
            assert_eq!(
                provider.endpoints.issuer,
                fx::issuer(kind),
                "issuer changed"
            );
            assert_eq!(declared.as_deref(), Some(fx::issuer(kind)));
        }
        Err(e) => {
            fx::check_error(&e);
            assert_eq!(provider.endpoints.issuer, fx::issuer(kind));
            if declared.as_deref().is_some_and(|d| d != fx::issuer(kind)) {
                assert!(
                    matches!(
                        e.code(),
                        ErrorCode::IssuerMismatch | ErrorCode::ProviderUnavailable
                    ),
                    "foreign issuer refused with {}",
                    e.code()
                );
            }
            return;
        }
    }
    let client = match Client::with_provider(provider, fx::config(kind, false)) {
        Ok(c) => c,
        Err(e) => return fx::check_error(&e),
    };
    let options = LoginOptions {
        next: Some("/after".into()),
        ..Default::default()
    };
    match client.begin_login_with_state(&options, fx::STATE.into(), fx::NONCE.into(), fx::NOW) {
        Ok(request) => {
            let url = url::Url::parse(&request.url).expect("authorization URL parses");
            let states: Vec<_> = url.query_pairs().filter(|(k, _)| k == "state").collect();
            assert_eq!(states.len(), 1, "state appears once");
            assert_eq!(states[0].1, fx::STATE);
            let token = client.token_request(&request.pending, "code");
            assert!(token.body.is_some());
        }
        Err(e) => fx::check_error(&e),
    }
    let _ = client.userinfo_request("access");
    match client.logout_request(Some("id-token")) {
        Ok(Some(logout)) => {
            let url = url::Url::parse(&logout.url).expect("logout URL parses");
            assert_eq!(url.query_pairs().filter(|(k, _)| k == "state").count(), 1);
        }
        Ok(None) => {}
        Err(e) => fx::check_error(&e),
    }
});
