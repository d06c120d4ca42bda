//! Compact JWE decryption for FranceConnect+ (docs/franceconnect.md): its id_token and userinfo
//! arrive encrypted to one of the client's public keys, wrapping the signed JWS that `jose`
//! then verifies as usual. This module only removes the encryption layer.
//!
//! Accepted, and nothing else: `alg` RSA-OAEP, RSA-OAEP-256 (RSA key), ECDH-ES, ECDH-ES+A256KW
//! (P-256 key); `enc` A256GCM. FranceConnect+ documents "RSA-OAEP + AES256-GCM" and
//! "ECDH-ES + AES256-GCM"; RSA-OAEP-256 and the key-wrapped ECDH variant are the same primitives
//! with another hash or a wrapped key, accepted so that a registration choosing them still works.
//!
//! The primitives are RustCrypto's (`rsa`, `p256`, `aes-gcm`, `aes-kw`, `concat-kdf`): `ring`,
//! which verifies the signatures, has no RSA-OAEP decryption, no static-key ECDH and no AES key
//! unwrapping. Nothing here is a hand-written primitive; this file only follows RFC 7516/7518's
//! framing (which bytes go where).
//!
//! Error codes (no code of its own, so that the bindings' error lists stay as they are):
//! a malformed token is `malformed_response`, an oversized one `response_too_large`, an `alg`,
//! `enc`, `zip` or `crit` this module does not accept `unsupported_algorithm`, a `kid` the
//! client holds no key for `invalid_config` (the keys registered at the provider and the keys
//! configured here differ), and a token that does not decrypt — altered, or encrypted to another
//! key — `invalid_signature`: the AES-GCM tag is the JWE's integrity check, as the signature is
//! the JWS's.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, RsaPrivateKey};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{printable, Error, ErrorCode, Result};
use crate::limits;

/// An encrypted token: the JWS inside is at most `MAX_TOKEN_BYTES` and userinfo at most
/// `MAX_USERINFO_BYTES`; base64url and the JWE framing add a third.
const MAX_JWE_BYTES: usize = limits::MAX_USERINFO_BYTES * 4 / 3 + 4096;
/// Keys read from one configured JWKS (rotation needs two or three).
const MAX_KEYS: usize = limits::MAX_JWKS_KEYS;
/// The smallest RSA modulus accepted for a decryption key (ANSSI's RGS minimum).
const MIN_RSA_BITS: usize = 2048;
/// The largest: a private operation grows with the cube of the size, and no federation needs
/// more.
const MAX_RSA_BITS: usize = 8192;
/// A256GCM: 256-bit key, 96-bit IV, 128-bit tag (RFC 7518 §5.3).
const CEK_LEN: usize = 32;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// A 256-bit key wrapped with AES-KW: one more 64-bit block (RFC 3394).
const WRAPPED_CEK_LEN: usize = CEK_LEN + 8;

/// The key-management algorithms accepted (RFC 7518 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyAlg {
    RsaOaep,
    RsaOaep256,
    EcdhEs,
    EcdhEsA256kw,
}

impl KeyAlg {
    fn parse(alg: &str) -> Option<KeyAlg> {
        match alg {
            "RSA-OAEP" => Some(KeyAlg::RsaOaep),
            "RSA-OAEP-256" => Some(KeyAlg::RsaOaep256),
            "ECDH-ES" => Some(KeyAlg::EcdhEs),
            "ECDH-ES+A256KW" => Some(KeyAlg::EcdhEsA256kw),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            KeyAlg::RsaOaep => "RSA-OAEP",
            KeyAlg::RsaOaep256 => "RSA-OAEP-256",
            KeyAlg::EcdhEs => "ECDH-ES",
            KeyAlg::EcdhEsA256kw => "ECDH-ES+A256KW",
        }
    }

    fn is_rsa(self) -> bool {
        matches!(self, KeyAlg::RsaOaep | KeyAlg::RsaOaep256)
    }
}

enum Material {
    Rsa(Box<RsaPrivateKey>),
    P256(p256::SecretKey),
}

struct PrivateKey {
    kid: String,
    /// The JWK's `alg`, when the configuration pins one: the key then serves that one only.
    alg: Option<KeyAlg>,
    material: Material,
}

impl PrivateKey {
    fn fits(&self, alg: KeyAlg) -> bool {
        let kind = match self.material {
            Material::Rsa(_) => alg.is_rsa(),
            Material::P256(_) => !alg.is_rsa(),
        };
        kind && self.alg.is_none_or(|pinned| pinned == alg)
    }

    /// The public half as a JWK, with its `kid` and `use: enc`.
    fn public_jwk(&self) -> Value {
        let mut jwk = public_members(&self.material);
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("enc");
        if let Some(alg) = self.alg {
            jwk["alg"] = json!(alg.as_str());
        }
        jwk
    }
}

/// The members of the public JWK that RFC 7638 hashes, in its order.
fn public_members(material: &Material) -> Value {
    match material {
        Material::Rsa(key) => json!({
            "e": b64url(&key.e().to_bytes_be()),
            "kty": "RSA",
            "n": b64url(&key.n().to_bytes_be()),
        }),
        Material::P256(key) => {
            use p256::elliptic_curve::sec1::ToEncodedPoint;
            let point = key.public_key().to_encoded_point(false);
            // An uncompressed point always has both coordinates.
            let x = point.x().map(|x| b64url(x)).unwrap_or_default();
            let y = point.y().map(|y| b64url(y)).unwrap_or_default();
            json!({"crv": "P-256", "kty": "EC", "x": x, "y": y})
        }
    }
}

/// RFC 7638 thumbprint: the `kid` of a key configured without one (a PEM), so that the public
/// JWKS the host serves and the tokens encrypted to it name the same key.
fn thumbprint(material: &Material) -> String {
    thumbprint_of(&public_members(material))
}

fn thumbprint_of(members: &Value) -> String {
    // serde_json writes an object's members sorted (no preserve_order feature), which is the
    // lexicographic order RFC 7638 requires, without whitespace.
    b64url(&Sha256::digest(members.to_string().as_bytes()))
}

/// The client's private keys for FranceConnect+'s encrypted tokens, parsed once. Several keys
/// serve a rotation: a token naming a `kid` is tried with that key only, one without a `kid`
/// with every key of the right type.
pub struct DecryptionKeys {
    keys: Vec<PrivateKey>,
}

impl std::fmt::Debug for DecryptionKeys {
    // Private keys never reach a log: only their ids.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptionKeys")
            .field("kids", &self.kids())
            .finish()
    }
}

fn config_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidConfig, message)
}

impl DecryptionKeys {
    /// Parses a JWKS of private keys (`{"keys": [...]}`): RSA keys with `n`, `e`, `d`, `p`, `q`
    /// and P-256 keys with `x`, `y`, `d`. A public key, a signing key (`use: sig`), another
    /// curve or type, an RSA key under 2048 bits or a pinned `alg` this module does not accept is
    /// refused (`invalid_config`): a configuration mistake must show at start, not at login.
    pub fn from_jwks(document: &[u8]) -> Result<DecryptionKeys> {
        #[derive(Deserialize)]
        struct Doc {
            keys: Vec<Value>,
        }
        if document.len() > limits::MAX_JWKS_BYTES {
            return Err(config_error("decryption keys: JWKS document too large"));
        }
        let doc: Doc = serde_json::from_slice(document).map_err(|_| {
            config_error("decryption keys: not a JWKS document ({\"keys\": [...]})")
        })?;
        if doc.keys.is_empty() || doc.keys.len() > MAX_KEYS {
            return Err(config_error(format!(
                "decryption keys: the JWKS must hold 1 to {MAX_KEYS} keys"
            )));
        }
        let keys = doc
            .keys
            .iter()
            .enumerate()
            .map(|(i, jwk)| {
                private_jwk(jwk)
                    .map_err(|e| config_error(format!("decryption key #{i}: {}", e.message())))
            })
            .collect::<Result<Vec<_>>>()?;
        DecryptionKeys::checked(keys)
    }

    /// Parses one or more PEM private keys (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`,
    /// SEC1 `EC PRIVATE KEY`), concatenated. Each key's `kid` is its RFC 7638 thumbprint.
    pub fn from_pem(pem: &str) -> Result<DecryptionKeys> {
        if pem.len() > limits::MAX_JWKS_BYTES {
            return Err(config_error("decryption keys: PEM text too large"));
        }
        let blocks = pem_blocks(pem)?;
        if blocks.is_empty() || blocks.len() > MAX_KEYS {
            return Err(config_error(format!(
                "decryption keys: expected 1 to {MAX_KEYS} PEM private keys"
            )));
        }
        let keys = blocks
            .into_iter()
            .map(|(label, block)| {
                let material = pem_key(&label, &block)?;
                check_material(&material)?;
                Ok(PrivateKey {
                    kid: thumbprint(&material),
                    alg: None,
                    material,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        DecryptionKeys::checked(keys)
    }

    /// The keys of a client configuration's `decryption_keys` (a JWKS when the text is a JSON
    /// object, PEM otherwise); `None` without any.
    pub(crate) fn from_config(text: Option<&crate::config::Secret>) -> Result<Option<Self>> {
        let Some(text) = text.map(|t| t.expose().trim()) else {
            return Ok(None);
        };
        if text.starts_with('{') {
            DecryptionKeys::from_jwks(text.as_bytes()).map(Some)
        } else {
            DecryptionKeys::from_pem(text).map(Some)
        }
    }

    fn checked(keys: Vec<PrivateKey>) -> Result<DecryptionKeys> {
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|other| other.kid == key.kid) {
                return Err(config_error(format!(
                    "decryption keys: kid `{}` appears twice",
                    printable(&key.kid, 64)
                )));
            }
        }
        Ok(DecryptionKeys { keys })
    }

    /// The key-management algorithms these keys can open (`RSA-OAEP`, `ECDH-ES`, …), each once:
    /// what the provider must pick from when it encrypts to this client.
    pub fn algorithms(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for alg in [
            KeyAlg::RsaOaep,
            KeyAlg::RsaOaep256,
            KeyAlg::EcdhEs,
            KeyAlg::EcdhEsA256kw,
        ] {
            if self.keys.iter().any(|k| k.fits(alg)) {
                out.push(alg.as_str());
            }
        }
        out
    }

    /// The keys' ids, in configuration order.
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.kid.as_str()).collect()
    }

    /// The public JWKS to register at FranceConnect+ (its documentation asks for a URL serving
    /// the client's public encryption keys as JWK): public members, `kid`, `use: enc`, and `alg`
    /// when the configuration pins one. Never a private member.
    pub fn public_jwks(&self) -> String {
        let keys: Vec<Value> = self.keys.iter().map(PrivateKey::public_jwk).collect();
        json!({ "keys": keys }).to_string()
    }

    /// Decrypts a compact JWE (five parts) and returns the compact JWS it carries, still to be
    /// verified. See the module documentation for what is accepted and the error codes.
    pub fn decrypt(&self, token: &str) -> Result<String> {
        if token.len() > MAX_JWE_BYTES {
            return Err(Error::new(
                ErrorCode::ResponseTooLarge,
                "encrypted token too large",
            ));
        }
        let jwe = parse(token.trim())?;
        let mut candidates = self
            .keys
            .iter()
            .filter(|k| k.fits(jwe.alg))
            .filter(|k| jwe.kid.as_deref().is_none_or(|kid| kid == k.kid))
            .peekable();
        if candidates.peek().is_none() {
            return Err(match &jwe.kid {
                Some(kid) => config_error(format!(
                    "no decryption key of the client has kid `{}` for {}: the keys registered at the provider and the configured ones differ",
                    printable(kid, 64),
                    jwe.alg.as_str()
                )),
                None => config_error(format!(
                    "the client has no decryption key for {}",
                    jwe.alg.as_str()
                )),
            });
        }
        for key in candidates {
            if let Some(plaintext) = jwe.open(key) {
                return nested_jws(plaintext);
            }
        }
        Err(Error::new(
            ErrorCode::InvalidSignature,
            "encrypted token does not decrypt with the client's keys (altered, or encrypted to another key)",
        ))
    }
}

/// Whether a body looks like a compact JWE (five base64url parts; the encrypted-key part is
/// empty for ECDH-ES).
pub fn looks_like_jwe(body: &str) -> bool {
    let body = body.trim();
    body.split('.').count() == 5
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A split, decoded JWE whose header passed the checks; nothing decrypted yet.
struct Jwe<'a> {
    alg: KeyAlg,
    kid: Option<String>,
    /// The protected header as sent: the AAD of A256GCM (RFC 7516 §5.2 step 14).
    aad: &'a str,
    encrypted_key: Vec<u8>,
    epk: Option<p256::PublicKey>,
    apu: Vec<u8>,
    apv: Vec<u8>,
    iv: [u8; IV_LEN],
    ciphertext: Vec<u8>,
    tag: [u8; TAG_LEN],
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    enc: String,
    kid: Option<String>,
    epk: Option<Value>,
    apu: Option<String>,
    apv: Option<String>,
    cty: Option<String>,
    zip: Option<Value>,
    crit: Option<Value>,
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedResponse, message)
}

fn b64(part: &str, what: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| malformed(format!("encrypted token {what} is not base64url")))
}

fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn parse(token: &str) -> Result<Jwe<'_>> {
    let parts: Vec<&str> = token.splitn(6, '.').collect();
    let [h, k, iv, ct, tag] = parts[..] else {
        return Err(malformed(
            "token is not a compact JWE (expected five parts)",
        ));
    };
    let header: Header = serde_json::from_slice(&b64(h, "header")?)
        .map_err(|_| malformed("encrypted token header is not a JSON object with alg and enc"))?;
    // crit: no extension is understood here, so every critical one must be refused (RFC 7516
    // §4.1.13). zip: decompressing before the signature is checked invites decompression bombs,
    // and FranceConnect+ does not compress.
    if header.crit.is_some() {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            "encrypted token uses critical header extensions",
        ));
    }
    if header.zip.is_some() {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            "compressed (zip) encrypted tokens are not accepted",
        ));
    }
    let alg = KeyAlg::parse(&header.alg).ok_or_else(|| {
        Error::new(
            ErrorCode::UnsupportedAlgorithm,
            format!(
                "encryption algorithm `{}` is not accepted",
                printable(&header.alg, 24)
            ),
        )
    })?;
    if header.enc != "A256GCM" {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            format!(
                "content encryption `{}` is not accepted (A256GCM only)",
                printable(&header.enc, 24)
            ),
        ));
    }
    if let Some(cty) = &header.cty {
        if !cty.eq_ignore_ascii_case("JWT") {
            return Err(malformed("encrypted token content type is not JWT"));
        }
    }
    let encrypted_key = b64(k, "encrypted key")?;
    match alg {
        // Direct key agreement: the CEK is derived, an encrypted key must be empty (RFC 7518 §4.6).
        KeyAlg::EcdhEs if !encrypted_key.is_empty() => {
            return Err(malformed("ECDH-ES token carries an encrypted key"));
        }
        KeyAlg::EcdhEsA256kw if encrypted_key.len() != WRAPPED_CEK_LEN => {
            return Err(malformed("wrapped content key has the wrong size"));
        }
        // RSA: the size must equal the key's modulus, checked per key in `open`.
        KeyAlg::RsaOaep | KeyAlg::RsaOaep256 if encrypted_key.is_empty() => {
            return Err(malformed("RSA-OAEP token has no encrypted key"));
        }
        _ => {}
    }
    let epk = if alg.is_rsa() {
        None
    } else {
        let epk = header
            .epk
            .as_ref()
            .ok_or_else(|| malformed("ECDH-ES token has no epk"))?;
        Some(ephemeral_key(epk)?)
    };
    let apu = header
        .apu
        .as_deref()
        .map_or(Ok(Vec::new()), |v| b64(v, "apu"))?;
    let apv = header
        .apv
        .as_deref()
        .map_or(Ok(Vec::new()), |v| b64(v, "apv"))?;
    let iv: [u8; IV_LEN] = b64(iv, "IV")?
        .try_into()
        .map_err(|_| malformed("encrypted token IV is not 96 bits"))?;
    let tag: [u8; TAG_LEN] = b64(tag, "tag")?
        .try_into()
        .map_err(|_| malformed("encrypted token tag is not 128 bits"))?;
    Ok(Jwe {
        alg,
        kid: header.kid,
        aad: h,
        encrypted_key,
        epk,
        apu,
        apv,
        iv,
        ciphertext: b64(ct, "ciphertext")?,
        tag,
    })
}

/// The sender's ephemeral P-256 key; `from_sec1_bytes` refuses a point off the curve (the
/// invalid-curve attack on ECDH-ES).
fn ephemeral_key(epk: &Value) -> Result<p256::PublicKey> {
    let field = |name: &str| epk.get(name).and_then(Value::as_str);
    if field("kty") != Some("EC") || field("crv") != Some("P-256") {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            "ECDH-ES ephemeral key is not an EC P-256 key",
        ));
    }
    let coordinate = |name: &str| -> Result<Vec<u8>> {
        let bytes = b64(field(name).unwrap_or_default(), "epk coordinate")?;
        if bytes.len() != 32 {
            return Err(malformed(
                "ECDH-ES ephemeral key coordinate is not 32 bytes",
            ));
        }
        Ok(bytes)
    };
    let mut point = vec![0x04];
    point.extend(coordinate("x")?);
    point.extend(coordinate("y")?);
    p256::PublicKey::from_sec1_bytes(&point)
        .map_err(|_| malformed("ECDH-ES ephemeral key is not a point of P-256"))
}

impl Jwe<'_> {
    /// The plaintext if this key opens the token, `None` otherwise (the reasons are not told
    /// apart: a padding-versus-tag distinction is the oracle of RFC 7516 §11.5).
    fn open(&self, key: &PrivateKey) -> Option<Vec<u8>> {
        let cek = match &key.material {
            Material::Rsa(rsa_key) => self.rsa_cek(rsa_key),
            Material::P256(secret) => self.ecdh_cek(secret)?,
        };
        let cipher = Aes256Gcm::new(&cek.into());
        let mut buffer = self.ciphertext.clone();
        cipher
            .decrypt_in_place_detached(
                &Nonce::from(self.iv),
                self.aad.as_bytes(),
                &mut buffer,
                &Tag::from(self.tag),
            )
            .ok()
            .map(|()| buffer)
    }

    /// RSA-OAEP unwrapping. On any failure a random CEK goes on to the tag check, which then
    /// fails the same way as a wrong key would: no early exit an attacker could time.
    fn rsa_cek(&self, key: &RsaPrivateKey) -> [u8; CEK_LEN] {
        let mut random = [0u8; CEK_LEN];
        OsRng.fill_bytes(&mut random);
        if self.encrypted_key.len() != key.size() {
            return random;
        }
        let padding = match self.alg {
            KeyAlg::RsaOaep => Oaep::new::<sha1::Sha1>(),
            _ => Oaep::new::<Sha256>(),
        };
        // Blinded: the rsa crate's mitigation of timing side channels on the private key.
        match key.decrypt_blinded(&mut OsRng, padding, &self.encrypted_key) {
            Ok(cek) => cek.try_into().unwrap_or(random),
            Err(_) => random,
        }
    }

    /// ECDH-ES key agreement and Concat KDF (RFC 7518 §4.6.2), then AES key unwrapping for
    /// ECDH-ES+A256KW.
    fn ecdh_cek(&self, secret: &p256::SecretKey) -> Option<[u8; CEK_LEN]> {
        let epk = self.epk.as_ref()?;
        let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), epk.as_affine());
        // AlgorithmID is `enc` for direct agreement and `alg` with key wrapping; the key length
        // is 256 bits in both cases here (A256GCM, A256KW).
        let algorithm_id: &[u8] = match self.alg {
            KeyAlg::EcdhEs => b"A256GCM",
            _ => b"ECDH-ES+A256KW",
        };
        let mut other_info = Vec::with_capacity(64);
        for part in [algorithm_id, &self.apu, &self.apv] {
            let len = u32::try_from(part.len()).ok()?;
            other_info.extend_from_slice(&len.to_be_bytes());
            other_info.extend_from_slice(part);
        }
        other_info.extend_from_slice(&256u32.to_be_bytes());
        let mut derived = [0u8; CEK_LEN];
        concat_kdf::derive_key_into::<Sha256>(shared.raw_secret_bytes(), &other_info, &mut derived)
            .ok()?;
        if self.alg == KeyAlg::EcdhEs {
            return Some(derived);
        }
        let kek = aes_kw::KekAes256::from(derived);
        let mut cek = [0u8; CEK_LEN];
        kek.unwrap(&self.encrypted_key, &mut cek).ok()?;
        Some(cek)
    }
}

/// FranceConnect+ encrypts a signed JWT: anything else inside is refused before it reaches the
/// signature check.
fn nested_jws(plaintext: Vec<u8>) -> Result<String> {
    let text = String::from_utf8(plaintext)
        .map_err(|_| malformed("encrypted token does not carry a JWS"))?;
    if text.split('.').count() != 3 || !crate::jose::looks_like_jws(&text) {
        return Err(malformed("encrypted token does not carry a JWS"));
    }
    Ok(text)
}

fn check_material(material: &Material) -> Result<()> {
    if let Material::Rsa(key) = material {
        let bits = key.size() * 8;
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(config_error(format!(
                "RSA decryption key of {bits} bits (accepted: {MIN_RSA_BITS} to {MAX_RSA_BITS})"
            )));
        }
    }
    Ok(())
}

fn private_jwk(jwk: &Value) -> Result<PrivateKey> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    if text("use").is_some_and(|u| u != "enc") {
        return Err(config_error("not an encryption key (use is not enc)"));
    }
    let alg = text("alg")
        .map(|a| {
            KeyAlg::parse(a)
                .ok_or_else(|| config_error(format!("alg `{}` is not accepted", printable(a, 24))))
        })
        .transpose()?;
    let number = |name: &str| -> Result<BigUint> {
        let value = text(name).ok_or_else(|| {
            config_error(format!(
                "RSA member `{name}` missing (a private key is needed)"
            ))
        })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(value)
            .map_err(|_| config_error(format!("RSA member `{name}` is not base64url")))?;
        Ok(BigUint::from_bytes_be(&bytes))
    };
    let material = match text("kty") {
        Some("RSA") => {
            let key = RsaPrivateKey::from_components(
                number("n")?,
                number("e")?,
                number("d")?,
                vec![number("p")?, number("q")?],
            )
            .map_err(|_| config_error("RSA private key is inconsistent"))?;
            Material::Rsa(Box::new(key))
        }
        Some("EC") => {
            if text("crv") != Some("P-256") {
                return Err(config_error("EC key is not on P-256"));
            }
            let d = text("d")
                .ok_or_else(|| config_error("EC member `d` missing (a private key is needed)"))?;
            let d = URL_SAFE_NO_PAD
                .decode(d)
                .map_err(|_| config_error("EC member `d` is not base64url"))?;
            let secret = p256::SecretKey::from_slice(&d)
                .map_err(|_| config_error("EC private key is not a P-256 scalar"))?;
            let material = Material::P256(secret);
            // The public members, when given, must belong to `d`: a pasted mismatch would make
            // the host publish a key it cannot decrypt for.
            if let (Some(x), Some(y)) = (text("x"), text("y")) {
                let public = public_members(&material);
                if public["x"] != x || public["y"] != y {
                    return Err(config_error("EC public members do not match d"));
                }
            }
            material
        }
        _ => return Err(config_error("kty must be RSA or EC")),
    };
    check_material(&material)?;
    let kid = match text("kid") {
        Some(kid) if !kid.is_empty() => kid.to_owned(),
        _ => thumbprint(&material),
    };
    Ok(PrivateKey { kid, alg, material })
}

/// Splits PEM text into `(label, whole block)` pairs.
fn pem_blocks(pem: &str) -> Result<Vec<(String, String)>> {
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after
            .find("-----")
            .ok_or_else(|| config_error("PEM: unterminated BEGIN line"))?;
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        let end = rest[start..].find(&end_marker).ok_or_else(|| {
            config_error(format!("PEM: no END line for {}", printable(label, 32)))
        })?;
        let stop = start + end + end_marker.len();
        blocks.push((label.to_owned(), rest[start..stop].to_owned()));
        rest = &rest[stop..];
    }
    Ok(blocks)
}

fn pem_key(label: &str, block: &str) -> Result<Material> {
    use p256::pkcs8::DecodePrivateKey as _;
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    let refused = || config_error(format!("PEM {label}: not an RSA or P-256 private key"));
    match label {
        "PRIVATE KEY" => {
            if let Ok(key) = RsaPrivateKey::from_pkcs8_pem(block) {
                return Ok(Material::Rsa(Box::new(key)));
            }
            p256::SecretKey::from_pkcs8_pem(block)
                .map(Material::P256)
                .map_err(|_| refused())
        }
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_pem(block)
            .map(|key| Material::Rsa(Box::new(key)))
            .map_err(|_| refused()),
        "EC PRIVATE KEY" => p256::SecretKey::from_sec1_pem(block)
            .map(Material::P256)
            .map_err(|_| refused()),
        _ => Err(config_error(format!(
            "PEM block `{}` is not a private key",
            printable(label, 32)
        ))),
    }
}

#[cfg(test)]
mod tests {
    //! The encrypting side below is the test's own (the emulator and the vectors' generator
    //! have theirs), built from the same crates' public operations.
    use super::*;
    use rsa::traits::PrivateKeyParts;
    use rsa::RsaPublicKey;
    use std::sync::OnceLock;

    struct Fixture {
        rsa: RsaPrivateKey,
        rsa2: RsaPrivateKey,
        ec: p256::SecretKey,
    }

    fn fixture() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(|| Fixture {
            rsa: RsaPrivateKey::new(&mut OsRng, 2048).expect("rsa key"),
            rsa2: RsaPrivateKey::new(&mut OsRng, 2048).expect("rsa key"),
            ec: p256::SecretKey::random(&mut OsRng),
        })
    }

    fn rsa_jwk(key: &RsaPrivateKey, kid: &str) -> Value {
        let primes = key.primes();
        json!({"kty": "RSA", "kid": kid, "use": "enc",
            "n": b64url(&key.n().to_bytes_be()), "e": b64url(&key.e().to_bytes_be()),
            "d": b64url(&key.d().to_bytes_be()),
            "p": b64url(&primes[0].to_bytes_be()), "q": b64url(&primes[1].to_bytes_be())})
    }

    fn ec_jwk(key: &p256::SecretKey, kid: &str) -> Value {
        let mut jwk = public_members(&Material::P256(key.clone()));
        jwk["kid"] = json!(kid);
        jwk["d"] = json!(b64url(&key.to_bytes()));
        jwk
    }

    fn keys() -> DecryptionKeys {
        let f = fixture();
        let doc = json!({"keys": [rsa_jwk(&f.rsa, "rsa-enc"), rsa_jwk(&f.rsa2, "rsa-enc-2"), ec_jwk(&f.ec, "ec-enc")]});
        DecryptionKeys::from_jwks(doc.to_string().as_bytes()).expect("keys")
    }

    const JWS: &str = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";

    enum To<'a> {
        Rsa(&'a RsaPrivateKey),
        Ec(&'a p256::SecretKey),
    }

    /// Encrypts `plaintext` with the given header members (alg, enc, kid…).
    fn encrypt(header: Value, plaintext: &str, to: To<'_>) -> String {
        let mut header = header;
        let alg = header["alg"].as_str().unwrap_or_default().to_owned();
        let mut cek = [0u8; CEK_LEN];
        OsRng.fill_bytes(&mut cek);
        let encrypted_key = match to {
            To::Rsa(key) => {
                let public = RsaPublicKey::from(key);
                let padding = if alg == "RSA-OAEP" {
                    Oaep::new::<sha1::Sha1>()
                } else {
                    Oaep::new::<Sha256>()
                };
                public.encrypt(&mut OsRng, padding, &cek).expect("encrypt")
            }
            To::Ec(key) => {
                let eph = p256::SecretKey::random(&mut OsRng);
                header["epk"] = public_members(&Material::P256(eph.clone()));
                let shared = p256::ecdh::diffie_hellman(
                    eph.to_nonzero_scalar(),
                    key.public_key().as_affine(),
                );
                let id: &[u8] = if alg == "ECDH-ES" {
                    b"A256GCM"
                } else {
                    alg.as_bytes()
                };
                let mut info = Vec::new();
                info.extend_from_slice(&(id.len() as u32).to_be_bytes());
                info.extend_from_slice(id);
                info.extend_from_slice(&[0; 8]);
                info.extend_from_slice(&256u32.to_be_bytes());
                let mut derived = [0u8; 32];
                concat_kdf::derive_key_into::<Sha256>(
                    shared.raw_secret_bytes(),
                    &info,
                    &mut derived,
                )
                .expect("kdf");
                if alg == "ECDH-ES" {
                    cek = derived;
                    Vec::new()
                } else {
                    {
                        let mut wrapped = vec![0u8; WRAPPED_CEK_LEN];
                        aes_kw::KekAes256::from(derived)
                            .wrap(&cek, &mut wrapped)
                            .expect("wrap");
                        wrapped
                    }
                }
            }
        };
        let h = b64url(header.to_string().as_bytes());
        let mut iv = [0u8; IV_LEN];
        OsRng.fill_bytes(&mut iv);
        let mut buffer = plaintext.as_bytes().to_vec();
        let tag = Aes256Gcm::new(&cek.into())
            .encrypt_in_place_detached(&Nonce::from(iv), h.as_bytes(), &mut buffer)
            .expect("gcm");
        format!(
            "{h}.{}.{}.{}.{}",
            b64url(&encrypted_key),
            b64url(&iv),
            b64url(&buffer),
            b64url(&tag)
        )
    }

    fn code(token: &str) -> ErrorCode {
        keys().decrypt(token).expect_err("must be refused").code()
    }

    #[test]
    fn every_accepted_algorithm_round_trips() {
        let f = fixture();
        for (alg, kid, to) in [
            ("RSA-OAEP", "rsa-enc", To::Rsa(&f.rsa)),
            ("RSA-OAEP-256", "rsa-enc-2", To::Rsa(&f.rsa2)),
            ("ECDH-ES", "ec-enc", To::Ec(&f.ec)),
            ("ECDH-ES+A256KW", "ec-enc", To::Ec(&f.ec)),
        ] {
            let token = encrypt(
                json!({"alg": alg, "enc": "A256GCM", "kid": kid, "cty": "JWT"}),
                JWS,
                to,
            );
            assert!(looks_like_jwe(&token));
            assert_eq!(keys().decrypt(&token).expect(alg), JWS, "{alg}");
        }
    }

    #[test]
    fn without_kid_every_key_of_the_type_is_tried() {
        let f = fixture();
        let token = encrypt(
            json!({"alg": "RSA-OAEP", "enc": "A256GCM"}),
            JWS,
            To::Rsa(&f.rsa2),
        );
        assert_eq!(keys().decrypt(&token).expect("second key"), JWS);
    }

    #[test]
    fn a_kid_selects_one_key_only() {
        let f = fixture();
        // Encrypted to rsa2 but naming rsa-enc: the named key alone is tried, and fails.
        let token = encrypt(
            json!({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "rsa-enc"}),
            JWS,
            To::Rsa(&f.rsa2),
        );
        assert_eq!(code(&token), ErrorCode::InvalidSignature);
        let token = encrypt(
            json!({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "gone"}),
            JWS,
            To::Rsa(&f.rsa),
        );
        assert_eq!(code(&token), ErrorCode::InvalidConfig);
    }

    #[test]
    fn another_key_fails_like_an_altered_token() {
        let other = p256::SecretKey::random(&mut OsRng);
        let token = encrypt(
            json!({"alg": "ECDH-ES", "enc": "A256GCM"}),
            JWS,
            To::Ec(&other),
        );
        assert_eq!(code(&token), ErrorCode::InvalidSignature);
    }

    #[test]
    fn tampered_parts_are_refused() {
        let f = fixture();
        for (alg, to) in [
            ("RSA-OAEP", To::Rsa(&f.rsa)),
            ("ECDH-ES+A256KW", To::Ec(&f.ec)),
            ("ECDH-ES", To::Ec(&f.ec)),
        ] {
            let token = encrypt(json!({"alg": alg, "enc": "A256GCM"}), JWS, to);
            let parts: Vec<&str> = token.split('.').collect();
            for i in 0..5 {
                let part = parts[i];
                if part.is_empty() {
                    continue;
                }
                // Flip one bit of the decoded part and re-encode: still valid base64url, so the
                // refusal comes from the cryptography, not the parser.
                let mut bytes = URL_SAFE_NO_PAD.decode(part).expect("b64");
                let at = bytes.len() / 2;
                bytes[at] ^= 0x01;
                let mut altered = parts.clone();
                let encoded = b64url(&bytes);
                altered[i] = &encoded;
                let result = keys().decrypt(&altered.join("."));
                assert!(result.is_err(), "{alg}: part {i} altered yet accepted");
            }
        }
    }

    #[test]
    fn strict_header() {
        let f = fixture();
        let enc = |header: Value| encrypt(header, JWS, To::Rsa(&f.rsa));
        assert_eq!(
            code(&enc(json!({"alg": "RSA1_5", "enc": "A256GCM"}))),
            ErrorCode::UnsupportedAlgorithm
        );
        assert_eq!(
            code(&enc(json!({"alg": "dir", "enc": "A256GCM"}))),
            ErrorCode::UnsupportedAlgorithm
        );
        assert_eq!(
            code(&enc(json!({"alg": "RSA-OAEP", "enc": "A128GCM"}))),
            ErrorCode::UnsupportedAlgorithm
        );
        assert_eq!(
            code(&enc(json!({"alg": "RSA-OAEP", "enc": "A256CBC-HS512"}))),
            ErrorCode::UnsupportedAlgorithm
        );
        assert_eq!(
            code(&enc(
                json!({"alg": "RSA-OAEP", "enc": "A256GCM", "zip": "DEF"})
            )),
            ErrorCode::UnsupportedAlgorithm
        );
        assert_eq!(
            code(&enc(
                json!({"alg": "RSA-OAEP", "enc": "A256GCM", "crit": ["exp"], "exp": 1})
            )),
            ErrorCode::UnsupportedAlgorithm
        );
        assert_eq!(
            code(&enc(
                json!({"alg": "RSA-OAEP", "enc": "A256GCM", "cty": "json"})
            )),
            ErrorCode::MalformedResponse
        );
        // A decrypted payload that is not a JWS (a bare JSON object) is refused.
        let token = encrypt(
            json!({"alg": "RSA-OAEP", "enc": "A256GCM"}),
            r#"{"sub":"x"}"#,
            To::Rsa(&f.rsa),
        );
        assert_eq!(code(&token), ErrorCode::MalformedResponse);
    }

    #[test]
    fn bad_sizes_and_shapes() {
        let f = fixture();
        let token = encrypt(
            json!({"alg": "ECDH-ES", "enc": "A256GCM"}),
            JWS,
            To::Ec(&f.ec),
        );
        let parts: Vec<&str> = token.split('.').collect();
        let with = |i: usize, value: &str| {
            let mut p = parts.clone();
            p[i] = value;
            p.join(".")
        };
        assert_eq!(code(&with(3, "")), ErrorCode::InvalidSignature); // empty ciphertext, tag fails
        assert_eq!(code(&with(2, "AAAA")), ErrorCode::MalformedResponse); // 3-byte IV
        assert_eq!(code(&with(4, "AAAA")), ErrorCode::MalformedResponse); // 3-byte tag
        assert_eq!(code(&with(1, "AAAA")), ErrorCode::MalformedResponse); // ECDH-ES with a key
        assert_eq!(code(&with(2, "!!")), ErrorCode::MalformedResponse);
        assert_eq!(code("a.b.c"), ErrorCode::MalformedResponse);
        assert_eq!(code("a.b.c.d.e.f"), ErrorCode::MalformedResponse);
        assert_eq!(code(""), ErrorCode::MalformedResponse);
        assert_eq!(
            code(&"A".repeat(MAX_JWE_BYTES + 1)),
            ErrorCode::ResponseTooLarge
        );
        // epk off the curve, and of another curve.
        let mut header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("h")).expect("json");
        header["epk"]["y"] = json!(header["epk"]["x"].clone());
        let h = b64url(header.to_string().as_bytes());
        assert_eq!(code(&with(0, &h)), ErrorCode::MalformedResponse);
        header["epk"]["crv"] = json!("P-384");
        let h = b64url(header.to_string().as_bytes());
        assert_eq!(code(&with(0, &h)), ErrorCode::UnsupportedAlgorithm);
        // RSA: an encrypted key of the wrong size goes through the random-CEK path.
        let token = encrypt(
            json!({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "rsa-enc"}),
            JWS,
            To::Rsa(&f.rsa),
        );
        let mut p: Vec<&str> = token.split('.').collect();
        p[1] = "AAAA";
        assert_eq!(code(&p.join(".")), ErrorCode::InvalidSignature);
    }

    #[test]
    fn configuration_is_checked() {
        let f = fixture();
        let bad = |doc: Value| {
            DecryptionKeys::from_jwks(doc.to_string().as_bytes())
                .expect_err("refused")
                .code()
        };
        let mut public = rsa_jwk(&f.rsa, "k");
        public.as_object_mut().expect("obj").remove("d");
        assert_eq!(bad(json!({"keys": [public]})), ErrorCode::InvalidConfig);
        let mut sig = rsa_jwk(&f.rsa, "k");
        sig["use"] = json!("sig");
        assert_eq!(bad(json!({"keys": [sig]})), ErrorCode::InvalidConfig);
        assert_eq!(bad(json!({"keys": []})), ErrorCode::InvalidConfig);
        assert_eq!(
            bad(json!({"keys": [rsa_jwk(&f.rsa, "k"), rsa_jwk(&f.rsa2, "k")]})),
            ErrorCode::InvalidConfig
        );
        let mut mismatch = ec_jwk(&f.ec, "e");
        mismatch["x"] = json!(b64url(&[7u8; 32]));
        assert_eq!(bad(json!({"keys": [mismatch]})), ErrorCode::InvalidConfig);
        let small = RsaPrivateKey::new(&mut OsRng, 1024).expect("rsa key");
        assert_eq!(
            bad(json!({"keys": [rsa_jwk(&small, "small")]})),
            ErrorCode::InvalidConfig
        );
        let huge = format!(
            "{{\"keys\": [], \"x\": \"{}\"}}",
            "a".repeat(limits::MAX_JWKS_BYTES)
        );
        assert_eq!(
            DecryptionKeys::from_jwks(huge.as_bytes())
                .expect_err("too large")
                .code(),
            ErrorCode::InvalidConfig
        );
        let mut pinned = ec_jwk(&f.ec, "e");
        pinned["alg"] = json!("ECDH-ES+A128KW");
        assert_eq!(bad(json!({"keys": [pinned]})), ErrorCode::InvalidConfig);
    }

    #[test]
    fn pinned_alg_restricts_the_key() {
        let f = fixture();
        let mut jwk = rsa_jwk(&f.rsa, "rsa-enc");
        jwk["alg"] = json!("RSA-OAEP-256");
        let keys =
            DecryptionKeys::from_jwks(json!({"keys": [jwk]}).to_string().as_bytes()).expect("keys");
        let token = encrypt(
            json!({"alg": "RSA-OAEP", "enc": "A256GCM"}),
            JWS,
            To::Rsa(&f.rsa),
        );
        assert_eq!(
            keys.decrypt(&token).expect_err("pinned").code(),
            ErrorCode::InvalidConfig
        );
        let token = encrypt(
            json!({"alg": "RSA-OAEP-256", "enc": "A256GCM"}),
            JWS,
            To::Rsa(&f.rsa),
        );
        assert_eq!(keys.decrypt(&token).expect("pinned alg"), JWS);
    }

    #[test]
    fn pem_keys_get_thumbprint_kids_and_publish_public_members_only() {
        use p256::pkcs8::EncodePrivateKey as _;
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        let f = fixture();
        let pem = format!(
            "{}\n{}",
            f.rsa
                .to_pkcs1_pem(Default::default())
                .expect("pem")
                .as_str(),
            f.ec.to_pkcs8_pem(Default::default()).expect("pem").as_str()
        );
        let keys = DecryptionKeys::from_pem(&pem).expect("pem keys");
        assert_eq!(keys.kids().len(), 2);
        let published: Value = serde_json::from_str(&keys.public_jwks()).expect("jwks");
        for jwk in published["keys"].as_array().expect("keys") {
            assert!(
                jwk.get("d").is_none() && jwk.get("p").is_none(),
                "private member published"
            );
            assert_eq!(jwk["use"], "enc");
        }
        let token = encrypt(
            json!({"alg": "ECDH-ES", "enc": "A256GCM", "kid": keys.kids()[1]}),
            JWS,
            To::Ec(&f.ec),
        );
        assert_eq!(keys.decrypt(&token).expect("thumbprint kid"), JWS);
        assert!(DecryptionKeys::from_pem(
            "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----"
        )
        .is_err());
        assert!(DecryptionKeys::from_pem("no pem here").is_err());
    }

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // RFC 7638 §3.1: the example RSA key and its thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint_of(&json!({"kty": "RSA", "n": n, "e": "AQAB"})),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn debug_shows_kids_only() {
        let shown = format!("{:?}", keys());
        assert!(shown.contains("rsa-enc") && !shown.contains("\"d\""));
    }
}
