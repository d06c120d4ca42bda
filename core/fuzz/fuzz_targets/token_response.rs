//! The token endpoint's answer (`verify::parse_token_response`).
//!
//! Input: the first byte picks the HTTP status, the rest is the body.
//! Properties: tokens only for HTTP 200; every error is a provider-reported code
//! (`provider_error`, `provider_access_denied`, `invalid_client`, `login_required`,
//! `acr_insufficient`, with a sanitised provider text), `provider_unavailable` or
//! `response_too_large`; the `Debug` form never shows the access, id or refresh token.
#![no_main]

use gouvconnect::parse_token_response;
use gouvconnect::ErrorCode;
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 16] = [
    200, 200, 200, 200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 502, 503, 0,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = match selector {
        0xF0..=0xFF => u16::from(selector) * 257, // out-of-range statuses too
        s => STATUSES[usize::from(s) % STATUSES.len()],
    };
    match parse_token_response(status, body) {
        Ok(tokens) => {
            assert_eq!(status, 200, "tokens accepted from HTTP {status}");
            let shown = format!("{tokens:?}");
            let scope = tokens.scope.as_deref().unwrap_or_default();
            let mut secrets = vec![tokens.access_token.as_str(), tokens.id_token.as_str()];
            secrets.extend(tokens.refresh_token.as_deref());
            for secret in secrets {
                // Short or coincidental values (part of the scope or of the field names) prove
                // nothing; a real token is long.
                if secret.len() >= 12 && !scope.contains(secret) {
                    assert!(!shown.contains(secret), "a token appears in Debug output");
                }
            }
        }
        Err(e) => {
            fx::check_error(&e);
            assert!(
                matches!(
                    e.code(),
                    ErrorCode::ProviderError
                        | ErrorCode::ProviderAccessDenied
                        | ErrorCode::InvalidClient
                        | ErrorCode::LoginRequired
                        | ErrorCode::AcrInsufficient
                        | ErrorCode::ProviderUnavailable
                        | ErrorCode::ResponseTooLarge
                ),
                "unexpected code {}",
                e.code()
            );
        }
    }
});
