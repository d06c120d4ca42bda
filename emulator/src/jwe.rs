//! FranceConnect+'s encryption of the id_token and userinfo: the signed JWT is wrapped in a
//! compact JWE for one of the client's registered public keys (RFC 7516). FranceConnect+
//! documents RSA-OAEP and ECDH-ES, each with A256GCM; a client may register RSA-OAEP-256 or
//! ECDH-ES+A256KW too.
//!
//! Written apart from the core (which decrypts with RustCrypto): AES-GCM and the ephemeral
//! ECDH here are `ring`'s, RSA-OAEP is the `rsa` crate's (ring has no RSA encryption), the
//! Concat KDF and AES key wrapping come from the `concat-kdf` and `aes-kw` crates.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, ECDH_P256};
use ring::rand::{SecureRandom, SystemRandom};
use rsa::{BigUint, Oaep, RsaPublicKey};
use serde_json::{json, Value};

use crate::keys::b64;

/// The key-management algorithms the emulator can encrypt with.
pub const ALGS: [&str; 4] = ["RSA-OAEP", "RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A256KW"];

fn is_rsa(alg: &str) -> bool {
    alg.starts_with("RSA-")
}

fn decode(value: Option<&Value>, what: &str) -> Result<Vec<u8>, String> {
    let text = value
        .and_then(Value::as_str)
        .ok_or_else(|| format!("client key: `{what}` missing"))?;
    base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, text)
        .map_err(|_| format!("client key: `{what}` is not base64url"))
}

/// The first key of the client's JWKS that serves `alg`: the right type, `use` absent or `enc`,
/// `alg` absent or equal.
pub fn pick<'a>(jwks: &'a Value, alg: &str) -> Option<&'a Value> {
    jwks.get("keys")?.as_array()?.iter().find(|k| {
        let field = |n: &str| k.get(n).and_then(Value::as_str);
        let kind = if is_rsa(alg) {
            field("kty") == Some("RSA")
        } else {
            field("kty") == Some("EC") && field("crv") == Some("P-256")
        };
        kind && field("use").is_none_or(|u| u == "enc") && field("alg").is_none_or(|a| a == alg)
    })
}

/// Encrypts `jws` (a signed JWT) with `alg` + A256GCM for `key` (a public JWK of the client).
pub fn encrypt(jws: &str, alg: &str, key: &Value) -> Result<String, String> {
    let rng = SystemRandom::new();
    let mut header = json!({"alg": alg, "enc": "A256GCM", "cty": "JWT"});
    if let Some(kid) = key.get("kid").and_then(Value::as_str) {
        header["kid"] = json!(kid);
    }
    let mut cek = [0u8; 32];
    rng.fill(&mut cek).map_err(|_| "rng")?;
    let encrypted_key = match alg {
        "RSA-OAEP" | "RSA-OAEP-256" => {
            let n = BigUint::from_bytes_be(&decode(key.get("n"), "n")?);
            let e = BigUint::from_bytes_be(&decode(key.get("e"), "e")?);
            let public = RsaPublicKey::new(n, e).map_err(|e| format!("client RSA key: {e}"))?;
            let padding = if alg == "RSA-OAEP" {
                Oaep::new::<sha1::Sha1>()
            } else {
                Oaep::new::<sha2::Sha256>()
            };
            public
                .encrypt(&mut rand_core::OsRng, padding, &cek)
                .map_err(|e| format!("RSA-OAEP: {e}"))?
        }
        "ECDH-ES" | "ECDH-ES+A256KW" => {
            let mut point = vec![0x04];
            point.extend(decode(key.get("x"), "x")?);
            point.extend(decode(key.get("y"), "y")?);
            let ephemeral = EphemeralPrivateKey::generate(&ECDH_P256, &rng).map_err(|_| "ecdh")?;
            let public = ephemeral.compute_public_key().map_err(|_| "ecdh")?;
            let epk = public.as_ref();
            header["epk"] = json!({"kty": "EC", "crv": "P-256",
                "x": b64(&epk[1..33]), "y": b64(&epk[33..65])});
            // AlgorithmID: `enc` for direct agreement, `alg` with key wrapping (RFC 7518 §4.6.2);
            // no apu/apv; 256-bit output.
            let id: &[u8] = if alg == "ECDH-ES" {
                b"A256GCM"
            } else {
                alg.as_bytes()
            };
            let mut info = Vec::new();
            info.extend_from_slice(&(id.len() as u32).to_be_bytes());
            info.extend_from_slice(id);
            info.extend_from_slice(&[0u8; 8]);
            info.extend_from_slice(&256u32.to_be_bytes());
            let derived = agreement::agree_ephemeral(
                ephemeral,
                &UnparsedPublicKey::new(&ECDH_P256, &point),
                |z| {
                    let mut out = [0u8; 32];
                    concat_kdf::derive_key_into::<sha2::Sha256>(z, &info, &mut out)
                        .map(|()| out)
                        .map_err(|_| "kdf")
                },
            )
            .map_err(|_| "client EC key is not a P-256 point".to_string())??;
            if alg == "ECDH-ES" {
                cek = derived;
                Vec::new()
            } else {
                let mut wrapped = vec![0u8; 40];
                aes_kw::KekAes256::from(derived)
                    .wrap(&cek, &mut wrapped)
                    .map_err(|_| "AES-KW")?;
                wrapped
            }
        }
        other => return Err(format!("unsupported encryption alg {other}")),
    };
    let protected = b64(header.to_string().as_bytes());
    let mut iv = [0u8; 12];
    rng.fill(&mut iv).map_err(|_| "rng")?;
    let sealing = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &cek).map_err(|_| "aes")?);
    let mut buffer = jws.as_bytes().to_vec();
    let tag = sealing
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(protected.as_bytes()),
            &mut buffer,
        )
        .map_err(|_| "aes-gcm")?;
    Ok(format!(
        "{protected}.{}.{}.{}.{}",
        b64(&encrypted_key),
        b64(&iv),
        b64(&buffer),
        b64(tag.as_ref())
    ))
}
