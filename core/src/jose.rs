//! Compact JWS parsing, JWKS parsing and signature verification (the hot path).
//!
//! Keys are decoded once, when the JWKS is loaded; a verification is then one `ring` call.
//! Keys are only ever taken from the provider's JWKS (or the client secret for HS256): the
//! `jwk`, `jku`, `x5u` and `x5c` header parameters are ignored by construction.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{self, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::limits;

/// A JWS algorithm the core knows. `none` is not representable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// HMAC SHA-256 keyed with the client secret.
    HS256,
}

impl Algorithm {
    /// Parses a JWS `alg` value.
    pub fn parse(alg: &str) -> Option<Algorithm> {
        match alg {
            "ES256" => Some(Algorithm::ES256),
            "RS256" => Some(Algorithm::RS256),
            "PS256" => Some(Algorithm::PS256),
            "HS256" => Some(Algorithm::HS256),
            _ => None,
        }
    }

    /// The JWS name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::ES256 => "ES256",
            Algorithm::RS256 => "RS256",
            Algorithm::PS256 => "PS256",
            Algorithm::HS256 => "HS256",
        }
    }
}

/// A compact JWS split into its parts, signature not yet checked.
#[derive(Debug)]
pub struct Jws<'a> {
    /// The decoded algorithm.
    pub alg: Algorithm,
    /// The `kid` header, if any.
    pub kid: Option<String>,
    /// `header.payload`, the signed bytes.
    pub signing_input: &'a str,
    /// Decoded payload bytes (JSON claims).
    pub payload: Vec<u8>,
    /// Decoded signature.
    pub signature: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

/// Whether a body looks like a compact JWS (three base64url parts).
pub fn looks_like_jws(body: &str) -> bool {
    let body = body.trim();
    body.split('.').count() == 3
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Splits and decodes a compact JWS. Refuses oversize input, JWE (5 parts), `alg: none`,
/// unknown algorithms and `crit` headers.
pub fn parse_jws(token: &str) -> Result<Jws<'_>> {
    if token.len() > limits::MAX_TOKEN_BYTES {
        return Err(Error::new(ErrorCode::ResponseTooLarge, "token too large"));
    }
    let token = token.trim();
    let mut parts = token.splitn(4, '.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::new(
            ErrorCode::MalformedResponse,
            "token is not a compact JWS (expected three parts)",
        ));
    };
    let header_bytes = b64(h, "header")?;
    let header: Header = serde_json::from_slice(&header_bytes).map_err(|_| {
        Error::new(
            ErrorCode::MalformedResponse,
            "token header is not a JSON object",
        )
    })?;
    if header.crit.is_some() {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            "token uses critical header extensions",
        ));
    }
    let alg = Algorithm::parse(&header.alg).ok_or_else(|| {
        let shown = crate::error::printable(&header.alg, 16);
        Error::new(
            ErrorCode::UnsupportedAlgorithm,
            format!("token algorithm `{shown}` is not accepted"),
        )
    })?;
    Ok(Jws {
        alg,
        kid: header.kid,
        signing_input: &token[..h.len() + 1 + p.len()],
        payload: b64(p, "payload")?,
        signature: b64(s, "signature")?,
    })
}

fn b64(part: &str, what: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part).map_err(|_| {
        Error::new(
            ErrorCode::MalformedResponse,
            format!("token {what} is not base64url"),
        )
    })
}

/// A public key of the provider, decoded once.
#[derive(Clone, Debug)]
struct PublicKey {
    kid: Option<String>,
    alg: Option<Algorithm>,
    material: KeyMaterial,
}

#[derive(Clone, Debug)]
enum KeyMaterial {
    /// RSA modulus and exponent (big-endian).
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// Uncompressed P-256 point (0x04 || x || y).
    P256(Vec<u8>),
}

/// The provider's signing keys, parsed from its JWKS.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

#[derive(Deserialize)]
struct JwksDoc {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

impl KeySet {
    /// Parses a JWKS document. Keys that are not signature keys of a supported type are
    /// skipped (providers publish encryption keys too); a document without any usable key is
    /// an error.
    pub fn from_jwks(document: &[u8]) -> Result<KeySet> {
        if document.len() > limits::MAX_JWKS_BYTES {
            return Err(Error::new(ErrorCode::ResponseTooLarge, "JWKS too large"));
        }
        let doc: JwksDoc = serde_json::from_slice(document).map_err(|_| {
            Error::new(
                ErrorCode::ProviderUnavailable,
                "JWKS is not a JSON object with a `keys` array",
            )
        })?;
        let keys: Vec<PublicKey> = doc
            .keys
            .into_iter()
            .take(limits::MAX_JWKS_KEYS)
            .filter_map(|v| serde_json::from_value::<Jwk>(v).ok())
            .filter_map(decode_jwk)
            .collect();
        if keys.is_empty() {
            return Err(Error::new(
                ErrorCode::ProviderUnavailable,
                "JWKS contains no usable signature key",
            ));
        }
        Ok(KeySet { keys })
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether some key can verify `alg` signatures.
    pub fn supports(&self, alg: Algorithm) -> bool {
        self.keys.iter().any(|k| k.fits(alg))
    }

    /// Whether a key with this `kid` exists.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }
}

fn decode_jwk(jwk: Jwk) -> Option<PublicKey> {
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    let alg = match jwk.alg.as_deref() {
        None => None,
        Some(a) => Some(Algorithm::parse(a)?),
    };
    let material = match jwk.kty.as_str() {
        "RSA" => {
            let n = URL_SAFE_NO_PAD.decode(jwk.n?).ok()?;
            let e = URL_SAFE_NO_PAD.decode(jwk.e?).ok()?;
            // ring refuses moduli under 2048 bits at verification; refuse them here already.
            if n.len() < 256 || n.len() > 1024 {
                return None;
            }
            KeyMaterial::Rsa { n, e }
        }
        "EC" if jwk.crv.as_deref() == Some("P-256") => {
            let x = URL_SAFE_NO_PAD.decode(jwk.x?).ok()?;
            let y = URL_SAFE_NO_PAD.decode(jwk.y?).ok()?;
            if x.len() != 32 || y.len() != 32 {
                return None;
            }
            let mut point = Vec::with_capacity(65);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            KeyMaterial::P256(point)
        }
        _ => return None,
    };
    Some(PublicKey {
        kid: jwk.kid,
        alg,
        material,
    })
}

impl PublicKey {
    fn fits(&self, alg: Algorithm) -> bool {
        let type_ok = matches!(
            (&self.material, alg),
            (KeyMaterial::Rsa { .. }, Algorithm::RS256 | Algorithm::PS256)
                | (KeyMaterial::P256(_), Algorithm::ES256)
        );
        type_ok && self.alg.is_none_or(|a| a == alg)
    }

    fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> bool {
        match &self.material {
            KeyMaterial::Rsa { n, e } => {
                let params = match alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    _ => return false,
                };
                signature::RsaPublicKeyComponents { n, e }
                    .verify(params, message, sig)
                    .is_ok()
            }
            KeyMaterial::P256(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, sig)
                    .is_ok()
            }
        }
    }
}

/// Verifies the signature of a parsed JWS.
///
/// * `allowed`: the algorithms accepted for this token (provider ∩ client registration).
/// * `keys`: the provider's JWKS; with a `kid`, only that key is tried (unknown → `unknown_key`,
///   so the caller can refetch the JWKS once); without one, every key of the right type is tried.
/// * `hmac_secret`: the client secret, used only when HS256 is in `allowed`.
pub fn verify_signature(
    jws: &Jws<'_>,
    allowed: &[Algorithm],
    keys: &KeySet,
    hmac_secret: Option<&[u8]>,
) -> Result<()> {
    if !allowed.contains(&jws.alg) {
        return Err(Error::new(
            ErrorCode::UnsupportedAlgorithm,
            format!("token algorithm {} is not allowed here", jws.alg.as_str()),
        ));
    }
    let message = jws.signing_input.as_bytes();
    if jws.alg == Algorithm::HS256 {
        let secret = hmac_secret.ok_or_else(|| {
            Error::new(
                ErrorCode::UnsupportedAlgorithm,
                "HS256 requires a client secret",
            )
        })?;
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        return ring::hmac::verify(&key, message, &jws.signature)
            .map_err(|_| Error::new(ErrorCode::InvalidSignature, "HS256 signature is invalid"));
    }
    let verified = match &jws.kid {
        Some(kid) => {
            let key = keys
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid.as_str()) && k.fits(jws.alg))
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::UnknownKey,
                        "no key of the provider's JWKS matches the token's kid",
                    )
                })?;
            key.verify(jws.alg, message, &jws.signature)
        }
        None => {
            let mut candidates = keys.keys.iter().filter(|k| k.fits(jws.alg)).peekable();
            if candidates.peek().is_none() {
                return Err(Error::new(
                    ErrorCode::UnknownKey,
                    format!("the provider's JWKS has no {} key", jws.alg.as_str()),
                ));
            }
            candidates.any(|k| k.verify(jws.alg, message, &jws.signature))
        }
    };
    if verified {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::InvalidSignature,
            "token signature is invalid",
        ))
    }
}

/// Decodes base64url without padding (shared helper for PKCE and tests).
pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hs256(secret: &[u8], payload: &str) -> String {
        let h = b64url(br#"{"alg":"HS256"}"#);
        let p = b64url(payload.as_bytes());
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let s = ring::hmac::sign(&key, format!("{h}.{p}").as_bytes());
        format!("{h}.{p}.{}", b64url(s.as_ref()))
    }

    #[test]
    fn hs256_round_trip_and_tamper() {
        let tok = hs256(b"secret", r#"{"a":1}"#);
        let jws = parse_jws(&tok).unwrap();
        verify_signature(
            &jws,
            &[Algorithm::HS256],
            &KeySet::default(),
            Some(b"secret"),
        )
        .unwrap();
        let err = verify_signature(
            &jws,
            &[Algorithm::HS256],
            &KeySet::default(),
            Some(b"other"),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidSignature);
        let err = verify_signature(
            &jws,
            &[Algorithm::RS256],
            &KeySet::default(),
            Some(b"secret"),
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnsupportedAlgorithm);
    }

    #[test]
    fn alg_none_and_garbage_are_refused() {
        let none = format!("{}.{}.", b64url(br#"{"alg":"none"}"#), b64url(b"{}"));
        assert_eq!(
            parse_jws(&none).unwrap_err().code(),
            ErrorCode::UnsupportedAlgorithm
        );
        assert_eq!(
            parse_jws("a.b").unwrap_err().code(),
            ErrorCode::MalformedResponse
        );
        assert_eq!(
            parse_jws("a.b.c.d.e").unwrap_err().code(),
            ErrorCode::MalformedResponse
        );
        assert_eq!(
            parse_jws("!!.b.c").unwrap_err().code(),
            ErrorCode::MalformedResponse
        );
        let big = "a".repeat(limits::MAX_TOKEN_BYTES + 1);
        assert_eq!(
            parse_jws(&big).unwrap_err().code(),
            ErrorCode::ResponseTooLarge
        );
    }

    #[test]
    fn jwks_skips_unusable_keys() {
        let doc = br#"{"keys":[{"kty":"oct","k":"AA"},{"kty":"EC","crv":"P-384","x":"AA","y":"AA"},{"kty":"EC","crv":"P-256","use":"enc","x":"AA","y":"AA"}]}"#;
        assert_eq!(
            KeySet::from_jwks(doc).unwrap_err().code(),
            ErrorCode::ProviderUnavailable
        );
        assert_eq!(
            KeySet::from_jwks(b"[]").unwrap_err().code(),
            ErrorCode::ProviderUnavailable
        );
    }
}
