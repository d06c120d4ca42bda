//! FranceConnect+ JWE decryption (`DecryptionKeys::decrypt`) and the loading of decryption keys
//! (`DecryptionKeys::from_jwks`, `from_pem`).
//!
//! Properties: no panic on any input; an opened token is a compact JWS (three base64url parts),
//! never anything else; every refusal carries a stable code and a printable message.
//! The keys are fixtures/jwe-keys.json (an RSA-2048 and a P-256 private key); the seeds in
//! corpus/jwe are tokens encrypted to them (RSA-OAEP, RSA-OAEP-256, ECDH-ES, ECDH-ES+A256KW).
#![no_main]

use std::sync::OnceLock;

use gouvconnect::internals as jose;
use gouvconnect::DecryptionKeys;
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;

const KEYS: &[u8] = include_bytes!("../fixtures/jwe-keys.json");

fn keys() -> &'static DecryptionKeys {
    static K: OnceLock<DecryptionKeys> = OnceLock::new();
    K.get_or_init(|| DecryptionKeys::from_jwks(KEYS).expect("fixture keys load"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match keys().decrypt(text) {
            Ok(jws) => assert!(
                jws.split('.').count() == 3 && jose::looks_like_jws(&jws),
                "decrypt returned something else than a compact JWS"
            ),
            Err(e) => fx::check_error(&e),
        }
        if let Err(e) = DecryptionKeys::from_pem(text) {
            fx::check_error(&e);
        }
    }
    match DecryptionKeys::from_jwks(data) {
        // A loaded set publishes public halves only.
        Ok(loaded) => assert!(!loaded.public_jwks().contains("\"d\"")),
        Err(e) => fx::check_error(&e),
    }
});
