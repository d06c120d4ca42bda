//! The emulator's signing keys (test-only: RSA embedded, P-256 drawn at start) and JWS signing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use serde_json::{json, Value};

/// A signature algorithm a client can register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub enum Alg {
    RS256,
    ES256,
    HS256,
}

pub const RSA_KID: &str = "emulator-rsa-1";
pub const EC_KID: &str = "emulator-ec-1";

/// Parsed once at startup.
pub struct Keys {
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
    rng: SystemRandom,
    jwks: String,
}

impl Keys {
    pub fn load() -> Result<Keys, String> {
        let rng = SystemRandom::new();
        let rsa = RsaKeyPair::from_der(include_bytes!("../keys/rsa-2048.pkcs1.der"))
            .map_err(|e| format!("RSA key: {e}"))?;
        // P-256 keys are drawn at each start (instant); clients fetch the JWKS anyway.
        let ec_pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(|e| format!("EC key generation: {e}"))?;
        let ec = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            ec_pkcs8.as_ref(),
            &rng,
        )
        .map_err(|e| format!("EC key: {e}"))?;
        let components: signature::RsaPublicKeyComponents<Vec<u8>> = rsa.public().into();
        let point = ec.public_key().as_ref();
        let jwks = json!({ "keys": [
            { "kty": "RSA", "use": "sig", "alg": "RS256", "kid": RSA_KID,
              "n": b64(&components.n), "e": b64(&components.e) },
            { "kty": "EC", "use": "sig", "alg": "ES256", "kid": EC_KID, "crv": "P-256",
              "x": b64(&point[1..33]), "y": b64(&point[33..65]) },
        ]})
        .to_string();
        Ok(Keys { rsa, ec, rng, jwks })
    }

    /// The public JWKS document.
    pub fn jwks(&self) -> &str {
        &self.jwks
    }

    /// A compact JWS of `claims` with `alg` (HS256 keyed with `secret`).
    pub fn sign(&self, alg: Alg, claims: &Value, secret: &str) -> Result<String, String> {
        let header = match alg {
            Alg::RS256 => json!({ "alg": "RS256", "typ": "JWT", "kid": RSA_KID }),
            Alg::ES256 => json!({ "alg": "ES256", "typ": "JWT", "kid": EC_KID }),
            Alg::HS256 => json!({ "alg": "HS256", "typ": "JWT" }),
        };
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = match alg {
            Alg::RS256 => {
                let mut sig = vec![0u8; self.rsa.public().modulus_len()];
                self.rsa
                    .sign(
                        &signature::RSA_PKCS1_SHA256,
                        &self.rng,
                        input.as_bytes(),
                        &mut sig,
                    )
                    .map_err(|e| format!("RSA signing: {e}"))?;
                sig
            }
            Alg::ES256 => self
                .ec
                .sign(&self.rng, input.as_bytes())
                .map_err(|e| format!("ECDSA signing: {e}"))?
                .as_ref()
                .to_vec(),
            Alg::HS256 => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
                ring::hmac::sign(&key, input.as_bytes()).as_ref().to_vec()
            }
        };
        Ok(format!("{input}.{}", b64(&sig)))
    }
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A random URL-safe token of `n` bytes.
pub fn random(n: usize) -> String {
    use ring::rand::SecureRandom;
    let mut buf = vec![0u8; n];
    // SystemRandom only fails when the OS has no entropy source; fall back to a time-based
    // value rather than panic (the emulator is never a real provider).
    if SystemRandom::new().fill(&mut buf).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        buf.iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = (t >> (i % 16)) as u8);
    }
    b64(&buf)
}
