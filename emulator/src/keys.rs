//! The emulator's signing keys and JWS signing, honest or tampered with on purpose.
//!
//! Test-only keys: two checked-in RSA keys that `rotate-keys` alternates, a P-256 key drawn at
//! each start and at each rotation, and an "attacker" pair (RSA checked in, P-256 drawn) that
//! signs the forged tokens of the header-injection faults. Keys are parsed once; signing only
//! formats and signs.

use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
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

/// The two RSA keys `rotate-keys` alternates between (PKCS#1 DER).
const RSA_KEYS: [&[u8]; 2] = [
    include_bytes!("../keys/rsa-2048.pkcs1.der"),
    include_bytes!("../keys/rsa-2048-b.pkcs1.der"),
];
/// The attacker's RSA key (PKCS#8 DER).
const ATTACKER_RSA: &[u8] = include_bytes!("../keys/rsa-2048-attacker.pkcs8.der");

/// How a JWS is produced: honestly, or with one of the forgeries a verifier must refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forgery {
    None,
    /// Signed, then one signature byte flipped.
    BadSignature,
    /// `alg: none`, empty signature.
    AlgNone,
    /// HS256 keyed with the PEM text of the public key the header's `kid` names.
    Hs256PublicKey,
    /// HS256 keyed with a secret that is not the client's.
    Hs256WrongSecret,
    /// Signed by the attacker, whose public key rides in the header `jwk`.
    JwkHeader,
    /// Signed by the attacker; header `jku` points to the attacker's JWKS on this emulator.
    JkuHeader,
    /// Signed by the attacker; header `x5u` points to the attacker's certificate on this emulator.
    X5uHeader,
}

/// One signing key with its public JWK.
struct Rsa {
    key: RsaKeyPair,
    kid: String,
    jwk: Value,
    spki_pem: String,
}

struct Ec {
    key: EcdsaKeyPair,
    kid: String,
    jwk: Value,
    spki_pem: String,
}

impl Rsa {
    fn new(key: RsaKeyPair, kid: String) -> Rsa {
        let components: signature::RsaPublicKeyComponents<Vec<u8>> = key.public().into();
        let jwk = json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": b64(&components.n), "e": b64(&components.e) });
        // SubjectPublicKeyInfo { rsaEncryption, NULL } around the PKCS#1 RSAPublicKey.
        let algorithm = hex("300d06092a864886f70d0101010500");
        let spki = spki(&algorithm, key.public().as_ref());
        Rsa {
            key,
            kid,
            jwk,
            spki_pem: pem("PUBLIC KEY", &spki),
        }
    }

    fn sign(&self, rng: &SystemRandom, input: &[u8]) -> Result<Vec<u8>, String> {
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&signature::RSA_PKCS1_SHA256, rng, input, &mut sig)
            .map_err(|e| format!("RSA signing: {e}"))?;
        Ok(sig)
    }
}

impl Ec {
    fn generate(rng: &SystemRandom, kid: String) -> Result<(Ec, Vec<u8>), String> {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, rng)
            .map_err(|e| format!("EC key generation: {e}"))?;
        let key = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8.as_ref(),
            rng,
        )
        .map_err(|e| format!("EC key: {e}"))?;
        let point = key.public_key().as_ref();
        let jwk = json!({ "kty": "EC", "use": "sig", "alg": "ES256", "kid": kid, "crv": "P-256",
            "x": b64(&point[1..33]), "y": b64(&point[33..65]) });
        // SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 } around the uncompressed point.
        let algorithm = hex("301306072a8648ce3d020106082a8648ce3d030107");
        let spki_pem = pem("PUBLIC KEY", &spki(&algorithm, point));
        Ok((
            Ec {
                key,
                kid,
                jwk,
                spki_pem,
            },
            pkcs8.as_ref().to_vec(),
        ))
    }

    fn sign(&self, rng: &SystemRandom, input: &[u8]) -> Result<Vec<u8>, String> {
        Ok(self
            .key
            .sign(rng, input)
            .map_err(|e| format!("ECDSA signing: {e}"))?
            .as_ref()
            .to_vec())
    }
}

/// The keys in force: the JWKS serves exactly these.
pub struct KeySet {
    generation: u32,
    rsa: Rsa,
    ec: Ec,
    jwks: String,
}

impl KeySet {
    fn new(generation: u32, rng: &SystemRandom) -> Result<KeySet, String> {
        let der = RSA_KEYS[(generation as usize + 1) % 2];
        let rsa = RsaKeyPair::from_der(der).map_err(|e| format!("RSA key: {e}"))?;
        let rsa = Rsa::new(rsa, format!("emulator-rsa-{generation}"));
        let (ec, _) = Ec::generate(rng, format!("emulator-ec-{generation}"))?;
        let jwks = json!({ "keys": [rsa.jwk, ec.jwk] }).to_string();
        Ok(KeySet {
            generation,
            rsa,
            ec,
            jwks,
        })
    }

    /// The public JWKS document.
    pub fn jwks(&self) -> &str {
        &self.jwks
    }

    /// The public JWKs, RSA first.
    pub fn public_jwks(&self) -> [&Value; 2] {
        [&self.rsa.jwk, &self.ec.jwk]
    }
}

/// The attacker: keys no JWKS of this provider ever lists.
struct Attacker {
    rsa: Rsa,
    ec: Ec,
    jwks: String,
    rsa_cert_pem: String,
    ec_cert_pem: String,
}

impl Attacker {
    fn new(rng: &SystemRandom) -> Result<Attacker, String> {
        let rsa_key =
            RsaKeyPair::from_pkcs8(ATTACKER_RSA).map_err(|e| format!("attacker RSA key: {e}"))?;
        let rsa = Rsa::new(rsa_key, "attacker-rsa".into());
        let (ec, ec_pkcs8) = Ec::generate(rng, "attacker-ec".into())?;
        let jwks = json!({ "keys": [rsa.jwk, ec.jwk] }).to_string();
        let rsa_cert_pem = self_signed(ATTACKER_RSA, &rcgen::PKCS_RSA_SHA256)?;
        let ec_cert_pem = self_signed(&ec_pkcs8, &rcgen::PKCS_ECDSA_P256_SHA256)?;
        Ok(Attacker {
            rsa,
            ec,
            jwks,
            rsa_cert_pem,
            ec_cert_pem,
        })
    }
}

/// A self-signed certificate for the attacker's key (what an `x5u` URL serves).
fn self_signed(pkcs8: &[u8], alg: &'static rcgen::SignatureAlgorithm) -> Result<String, String> {
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8);
    let key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, alg)
        .map_err(|e| format!("attacker certificate key: {e}"))?;
    let mut params = rcgen::CertificateParams::new(vec!["attacker.invalid".to_string()])
        .map_err(|e| format!("attacker certificate: {e}"))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "attacker.invalid");
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("attacker certificate: {e}"))?;
    Ok(cert.pem())
}

/// Every key of the emulator; parsed once at startup.
pub struct Keys {
    rng: SystemRandom,
    current: RwLock<Arc<KeySet>>,
    initial: Arc<KeySet>,
    attacker: Attacker,
}

impl Keys {
    pub fn load() -> Result<Keys, String> {
        let rng = SystemRandom::new();
        let initial = Arc::new(KeySet::new(1, &rng)?);
        let attacker = Attacker::new(&rng)?;
        Ok(Keys {
            rng,
            current: RwLock::new(initial.clone()),
            initial,
            attacker,
        })
    }

    /// The keys in force (a cheap handle; rotation does not disturb a request under way).
    pub fn current(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(k) => k.clone(),
            Err(_) => self.initial.clone(),
        }
    }

    /// Replaces both signing keys with new ones under new `kid`s; returns the new kids.
    pub fn rotate(&self) -> Result<(String, String), String> {
        let next = self.current().generation + 1;
        let set = Arc::new(KeySet::new(next, &self.rng)?);
        let kids = (set.rsa.kid.clone(), set.ec.kid.clone());
        if let Ok(mut current) = self.current.write() {
            *current = set;
        }
        Ok(kids)
    }

    /// Back to the keys of the start.
    pub fn reset(&self) {
        if let Ok(mut current) = self.current.write() {
            *current = self.initial.clone();
        }
    }

    /// Public keys listed beside the real ones by `kid_absent_several_keys`: same kty and alg,
    /// other kids (the attacker's, so that trying them never verifies).
    pub fn decoy_jwks(&self) -> [Value; 2] {
        let mut rsa = self.attacker.rsa.jwk.clone();
        rsa["kid"] = json!("emulator-decoy-rsa");
        let mut ec = self.attacker.ec.jwk.clone();
        ec["kid"] = json!("emulator-decoy-ec");
        [rsa, ec]
    }

    /// The attacker's JWKS (what a `jku` URL serves).
    pub fn attacker_jwks(&self) -> &str {
        &self.attacker.jwks
    }

    /// The attacker's certificate for `alg` (what an `x5u` URL serves).
    pub fn attacker_cert_pem(&self, alg: Alg) -> &str {
        match alg {
            Alg::ES256 => &self.attacker.ec_cert_pem,
            _ => &self.attacker.rsa_cert_pem,
        }
    }

    /// A compact JWS of `claims` with `alg` (HS256 keyed with `secret`), honest unless
    /// `forgery` says otherwise; `with_kid: false` leaves the `kid` out of the header.
    /// `base` is the emulator's public URL, for the `jku`/`x5u` forgeries.
    pub fn sign(
        &self,
        alg: Alg,
        claims: &Value,
        secret: &str,
        forgery: Forgery,
        with_kid: bool,
        base: &str,
    ) -> Result<String, String> {
        let set = self.current();
        let payload = b64(claims.to_string().as_bytes());
        let kid = |k: &str| {
            if with_kid {
                format!(",\"kid\":\"{k}\"")
            } else {
                String::new()
            }
        };
        match forgery {
            Forgery::None | Forgery::BadSignature => {
                let header = match alg {
                    Alg::RS256 => {
                        format!("{{\"alg\":\"RS256\",\"typ\":\"JWT\"{}}}", kid(&set.rsa.kid))
                    }
                    Alg::ES256 => {
                        format!("{{\"alg\":\"ES256\",\"typ\":\"JWT\"{}}}", kid(&set.ec.kid))
                    }
                    Alg::HS256 => "{\"alg\":\"HS256\",\"typ\":\"JWT\"}".to_string(),
                };
                let input = format!("{}.{payload}", b64(header.as_bytes()));
                let mut sig = match alg {
                    Alg::RS256 => set.rsa.sign(&self.rng, input.as_bytes())?,
                    Alg::ES256 => set.ec.sign(&self.rng, input.as_bytes())?,
                    Alg::HS256 => hmac(secret.as_bytes(), input.as_bytes()),
                };
                if forgery == Forgery::BadSignature {
                    let middle = sig.len() / 2;
                    sig[middle] ^= 0x01;
                }
                Ok(format!("{input}.{}", b64(&sig)))
            }
            Forgery::AlgNone => {
                let header = b64(b"{\"alg\":\"none\",\"typ\":\"JWT\"}");
                Ok(format!("{header}.{payload}."))
            }
            Forgery::Hs256PublicKey => {
                let (kid, pem) = match alg {
                    Alg::ES256 => (&set.ec.kid, &set.ec.spki_pem),
                    _ => (&set.rsa.kid, &set.rsa.spki_pem),
                };
                let header = json!({ "alg": "HS256", "typ": "JWT", "kid": kid }).to_string();
                let input = format!("{}.{payload}", b64(header.as_bytes()));
                Ok(format!(
                    "{input}.{}",
                    b64(&hmac(pem.as_bytes(), input.as_bytes()))
                ))
            }
            Forgery::Hs256WrongSecret => {
                let header = b64(b"{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
                let input = format!("{header}.{payload}");
                let wrong = b"not-the-client-secret-not-the-client-secret";
                Ok(format!("{input}.{}", b64(&hmac(wrong, input.as_bytes()))))
            }
            Forgery::JwkHeader | Forgery::JkuHeader | Forgery::X5uHeader => {
                let ec = alg == Alg::ES256;
                let (alg_name, jwk) = if ec {
                    ("ES256", &self.attacker.ec.jwk)
                } else {
                    ("RS256", &self.attacker.rsa.jwk)
                };
                let mut header = json!({ "alg": alg_name, "typ": "JWT", "kid": jwk["kid"] });
                match forgery {
                    Forgery::JwkHeader => header["jwk"] = jwk.clone(),
                    Forgery::JkuHeader => {
                        header["jku"] = json!(format!("{base}/_emulator/attacker/jwks.json"))
                    }
                    _ => {
                        let file = if ec { "ec" } else { "rsa" };
                        header["x5u"] = json!(format!("{base}/_emulator/attacker/{file}.pem"))
                    }
                }
                let input = format!("{}.{payload}", b64(header.to_string().as_bytes()));
                let sig = if ec {
                    self.attacker.ec.sign(&self.rng, input.as_bytes())?
                } else {
                    self.attacker.rsa.sign(&self.rng, input.as_bytes())?
                };
                Ok(format!("{input}.{}", b64(&sig)))
            }
        }
    }
}

fn hmac(key: &[u8], input: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::sign(&key, input).as_ref().to_vec()
}

/// DER: a tag, a definite length, the content.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn spki(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(key);
    let mut content = algorithm.to_vec();
    content.extend(der(0x03, &bits));
    der(0x30, &content)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A random URL-safe token of `n` bytes.
pub fn random(n: usize) -> String {
    use ring::rand::SecureRandom;
    let mut buf = [0u8; 64];
    let buf = &mut buf[..n.min(64)];
    // SystemRandom only fails when the OS has no entropy source; fall back to a time-based
    // value rather than panic (the emulator is never a real provider).
    if SystemRandom::new().fill(buf).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        buf.iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = (t >> (i % 16)) as u8);
    }
    b64(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spki_pem_parses_as_the_same_rsa_key() {
        let keys = Keys::load().expect("keys");
        let set = keys.current();
        let pem = &set.rsa.spki_pem;
        assert!(pem.starts_with(
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
        ));
        assert!(set
            .ec
            .spki_pem
            .starts_with("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"));
    }

    #[test]
    fn rotation_changes_kids_and_reset_restores_them() {
        let keys = Keys::load().expect("keys");
        let first = keys.current().jwks().to_string();
        let (rsa, ec) = keys.rotate().expect("rotate");
        assert_eq!(
            (rsa.as_str(), ec.as_str()),
            ("emulator-rsa-2", "emulator-ec-2")
        );
        assert!(!keys.current().jwks().contains("emulator-rsa-1"));
        keys.reset();
        assert_eq!(keys.current().jwks(), first);
    }
}
