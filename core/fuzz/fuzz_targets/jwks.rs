//! JWKS parsing (`KeySet::from_jwks`, `Client::set_jwks`).
//!
//! Properties: no panic; an accepted set holds 1 to 32 keys; a vector token signed by `rsa-1`
//! (resp. `ec-1`) verifies under a fuzzed set only if that set really contains the same public
//! key (the key is never taken from anything but the JWKS).
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gouvconnect::internals as jose;
use gouvconnect::ProviderKind;
use gouvconnect::{Algorithm, KeySet};
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Seed tokens of the fixture keys, written by scripts/seed.py.
const RS256_TOKEN: &str = include_str!("../fixtures/rs256.jwt");
const ES256_TOKEN: &str = include_str!("../fixtures/es256.jwt");

fn fixture_key(kid: &str) -> Value {
    let doc: Value = serde_json::from_slice(fx::JWKS).unwrap();
    doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .cloned()
        .unwrap()
}

fn decoded(v: &Value) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(v.as_str()?).ok()?;
    // The same integer may be written with leading zero bytes.
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    Some(bytes[start..].to_vec())
}

/// Whether the JSON document lists a key with the same material as `expected`.
fn document_has(document: &[u8], expected: &Value) -> bool {
    let Ok(doc) = serde_json::from_slice::<Value>(document) else {
        return false;
    };
    let fields: &[&str] = if expected["kty"] == "RSA" {
        &["n", "e"]
    } else {
        &["x", "y"]
    };
    doc.get("keys")
        .and_then(Value::as_array)
        .is_some_and(|keys| {
            keys.iter().any(|k| {
                fields
                    .iter()
                    .all(|f| decoded(&k[*f]).is_some() && decoded(&k[*f]) == decoded(&expected[*f]))
            })
        })
}

fuzz_target!(|data: &[u8]| {
    match KeySet::from_jwks(data) {
        Ok(keys) => {
            assert!(!keys.is_empty() && keys.len() <= 32, "1 to 32 keys");
            for (token, kid, alg) in [
                (RS256_TOKEN, "rsa-1", Algorithm::RS256),
                (ES256_TOKEN, "ec-1", Algorithm::ES256),
            ] {
                let jws = jose::parse_jws(token.trim()).expect("fixture token parses");
                if jose::verify_signature(&jws, &[alg], &keys, None).is_ok() {
                    assert!(
                        document_has(data, &fixture_key(kid)),
                        "{kid} token verified by a set that does not hold {kid}'s key"
                    );
                }
            }
        }
        Err(e) => fx::check_error(&e),
    }
    let client = gouvconnect::Client::new(fx::config(ProviderKind::ProConnect, false)).unwrap();
    match client.set_jwks(data) {
        Ok(()) => assert!(client.has_keys()),
        Err(e) => {
            fx::check_error(&e);
            assert!(
                !client.has_keys(),
                "a refused JWKS leaves the cache as it was"
            );
        }
    }
});
