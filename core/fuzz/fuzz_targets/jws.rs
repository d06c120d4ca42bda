//! Compact JWS parsing and signature verification against the fixture JWKS, then the whole
//! id_token and userinfo verification of `finish_login` with the input as the token.
//!
//! Properties: no panic; every error has a stable code; a token that verifies stops verifying
//! when one bit of its signature or of its payload is flipped.
#![no_main]

use std::sync::OnceLock;

use gouvconnect::internals as jose;
use gouvconnect::{Algorithm, KeySet};
use gouvconnect::{Client, ProviderKind, TokenResponse};
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;

const ALL: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::ES256,
    Algorithm::PS256,
    Algorithm::HS256,
];

struct Fixtures {
    keys: KeySet,
    pc: Client,
    psc: Client,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| Fixtures {
        keys: KeySet::from_jwks(fx::JWKS).expect("fixture JWKS"),
        pc: fx::client(ProviderKind::ProConnect, false),
        psc: fx::client(ProviderKind::ProSanteConnect, false),
    })
}

fn verifies(token: &str, keys: &KeySet) -> bool {
    match jose::parse_jws(token) {
        Ok(jws) => {
            jose::verify_signature(&jws, &ALL, keys, Some(fx::CLIENT_SECRET.as_bytes())).is_ok()
        }
        Err(_) => false,
    }
}

/// Changes the first character of a part (all 6 of its bits are significant, so the decoded
/// bytes change): the token must no longer verify.
fn flip(token: &str, part: usize) -> Option<String> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let target = parts.get(part)?;
    let mut bytes = target.as_bytes().to_vec();
    let first = bytes.first_mut()?;
    *first = match *first {
        b'A' => b'B',
        b'B' => b'A',
        other if other.is_ascii_lowercase() => other.to_ascii_uppercase(),
        other if other.is_ascii_uppercase() => other.to_ascii_lowercase(),
        b'0' => b'1',
        _ => b'0',
    };
    let mut out = parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    out[part] = String::from_utf8(bytes).ok()?;
    Some(out.join("."))
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixtures();
    match jose::parse_jws(token) {
        Ok(jws) => {
            assert!(jws.signing_input.len() < token.len());
            match jose::verify_signature(&jws, &ALL, &f.keys, Some(fx::CLIENT_SECRET.as_bytes())) {
                Ok(()) => {
                    for part in [1, 2] {
                        if let Some(tampered) = flip(token, part) {
                            assert!(
                                !verifies(&tampered, &f.keys),
                                "a token with part {part} altered still verifies"
                            );
                        }
                    }
                }
                Err(e) => fx::check_error(&e),
            }
        }
        Err(e) => fx::check_error(&e),
    }

    // The same input through finish_login, as id_token and as a signed userinfo.
    for (kind, client) in [
        (ProviderKind::ProConnect, &f.pc),
        (ProviderKind::ProSanteConnect, &f.psc),
    ] {
        let pending = fx::pending(kind);
        let tokens = TokenResponse {
            access_token: "access".into(),
            id_token: token.to_string(),
            refresh_token: None,
            expires_in: None,
            scope: None,
        };
        match client.finish_login(&pending, &tokens, None, fx::NOW) {
            Ok(login) => fx::check_identity(&login.identity, kind),
            Err(e) => fx::check_error(&e),
        }
    }
});
