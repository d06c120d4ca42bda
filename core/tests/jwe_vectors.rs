//! Runs the FranceConnect / FranceConnect+ vectors of `tests/vectors/franceconnect/` (written
//! by `tests/vectors/generator/franceconnect.py`, whose encryption is Python `cryptography`'s,
//! not this crate's) through the core's decryption and signature verification.
//!
//! FranceConnect is not yet a provider of `Client`, so this runner stops where the vectors do:
//! FranceConnect+ tokens are decrypted with the client's keys (`DecryptionKeys`), every token's
//! JWS is verified against the federation's JWKS with the algorithms the federation signs with
//! (FranceConnect: ES256, RS256; FranceConnect+: ES256), and the verified claims are compared
//! with the ones the generator signed.

// The decryption is behind the core's `franceconnect` feature (`make test` enables it).
#![cfg(feature = "franceconnect")]

use std::path::PathBuf;

use gouvconnect::internals::{parse_jws, verify_signature};
use gouvconnect::{looks_like_jwe, Algorithm, DecryptionKeys, Error, KeySet};
use serde_json::{json, Value};

/// Decrypts (FranceConnect+) and verifies one token, returning its claims.
fn open(vector: &Value, token: &str) -> Result<Value, Error> {
    let plus = vector["provider"] == "franceconnect_plus";
    let jws = if plus {
        let document = vector["decryption_keys"].to_string();
        DecryptionKeys::from_jwks(document.as_bytes())?.decrypt(token)?
    } else {
        token.to_owned()
    };
    let keys = KeySet::from_jwks(vector["jwks"].to_string().as_bytes())?;
    let allowed: &[Algorithm] = if plus {
        &[Algorithm::ES256]
    } else {
        &[Algorithm::ES256, Algorithm::RS256]
    };
    let parsed = parse_jws(&jws)?;
    verify_signature(&parsed, allowed, &keys, None)?;
    Ok(serde_json::from_slice(&parsed.payload).unwrap_or(Value::Null))
}

/// The outcome in the vectors' terms: the claims of both tokens, or the first error and where.
fn run(vector: &Value) -> Value {
    let id_token = vector["id_token"].as_str().unwrap_or_default();
    let id_claims = match open(vector, id_token) {
        Ok(claims) => claims,
        Err(e) => return json!({"error": e.code().as_str(), "at": "id_token"}),
    };
    let userinfo = match vector["userinfo"]["body"].as_str() {
        None => return json!({"id_token": id_claims}),
        Some(body) => body,
    };
    match open(vector, userinfo) {
        Ok(claims) => json!({"id_token": id_claims, "userinfo": claims}),
        Err(e) => json!({"error": e.code().as_str(), "at": "userinfo"}),
    }
}

#[test]
fn every_franceconnect_vector_has_its_documented_outcome() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/franceconnect"
    ));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/vectors/franceconnect")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    // A runner that finds (almost) nothing must not pass.
    assert!(
        files.len() >= 20,
        "expected at least 20 vectors, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let (mut plus, mut errors) = (0, 0);
    for file in &files {
        let vector: Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("JSON");
        let name = vector["name"].as_str().unwrap_or("?");
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if name != stem {
            failures.push(format!("{stem}: the vector's name is `{name}`"));
            continue;
        }
        if vector["provider"] == "franceconnect_plus" {
            plus += 1;
            // Every FranceConnect+ token that reaches verification went through decryption:
            // the vectors' tokens are JWE unless the vector is about a bare JWS.
            if name != "fcp_not_encrypted" {
                assert!(
                    looks_like_jwe(vector["id_token"].as_str().unwrap_or_default()),
                    "{name}"
                );
            }
        }
        let outcome = run(&vector);
        if outcome.get("error").is_some() {
            errors += 1;
        }
        if outcome != vector["expected"] {
            failures.push(format!(
                "{name}: expected {}, got {outcome}",
                vector["expected"]
            ));
        }
    }
    assert!(
        plus >= 10 && errors >= 10,
        "too few FranceConnect+ or failure vectors"
    );
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn the_client_publishes_public_halves_and_rotation_works() {
    // What the host serves for FranceConnect+ to fetch: the public halves of the three keys, no
    // private member; and the rotated key decrypts a token that names no kid.
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/franceconnect/fcp_rotation_no_kid.json"
    );
    let vector: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("JSON");
    let keys =
        DecryptionKeys::from_jwks(vector["decryption_keys"].to_string().as_bytes()).expect("keys");
    let published: Value = serde_json::from_str(&keys.public_jwks()).expect("public JWKS");
    assert_eq!(published["keys"].as_array().map(Vec::len), Some(3));
    for jwk in published["keys"].as_array().into_iter().flatten() {
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(jwk.get(private).is_none(), "{private} published");
        }
    }
    let jws = keys
        .decrypt(vector["id_token"].as_str().unwrap_or_default())
        .expect("rotated key, no kid");
    assert_eq!(jws.split('.').count(), 3);
}
