//! Fixtures and invariants shared by the fuzz targets.
//!
//! The fixtures are those of the shared test vectors (`tests/vectors`): same issuers, client,
//! secret, pending login and clock, and the JWKS their tokens are signed with
//! (`fixtures/jwks.json`, written by `scripts/seed.py`), so the seed tokens verify and the
//! fuzzer starts from accepted logins instead of signature failures.

pub mod structured;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gouvconnect::IdKind;
use gouvconnect::{Client, ClientConfig, Error, Identity, PendingLogin, ProviderKind};

/// ProConnect issuer of the vectors.
pub const PC_ISSUER: &str = "http://127.0.0.1:4000/api/v2";
/// Pro Santé Connect issuer of the vectors.
pub const PSC_ISSUER: &str = "http://127.0.0.1:4000/auth/realms/esante-wallet";
/// FranceConnect issuer of the vectors.
pub const FC_ISSUER: &str = "http://127.0.0.1:4000/franceconnect/api/v2";
/// FranceConnect+ issuer of the vectors.
pub const FCP_ISSUER: &str = "http://127.0.0.1:4000/franceconnect-plus/api/v2";
/// Client id of the vectors.
pub const CLIENT_ID: &str = "vector-client";
/// Client secret of the vectors (the HS256 key).
pub const CLIENT_SECRET: &str = "vector-client-secret-0123456789abcdef";
/// `state` of the vectors' pending login.
pub const STATE: &str = "ssssssssssssssssssss-state-of-the-vector-login";
/// `nonce` of the vectors' pending login.
pub const NONCE: &str = "nnnnnnnnnnnnnnnnnnnn-nonce-of-the-vector-login";
/// When the vectors' login started.
pub const CREATED_AT: u64 = 1_794_999_970;
/// The vectors' clock.
pub const NOW: u64 = 1_795_000_000;
/// The JWKS every vector token is signed with (rsa-1, rsa-2, ec-1 and an encryption key).
pub const JWKS: &[u8] = include_bytes!("../fixtures/jwks.json");

/// The issuer of a provider kind.
pub fn issuer(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::ProConnect => PC_ISSUER,
        ProviderKind::ProSanteConnect => PSC_ISSUER,
        ProviderKind::FranceConnect => FC_ISSUER,
        ProviderKind::FranceConnectPlus => FCP_ISSUER,
    }
}

/// ProConnect, Pro Santé Connect or FranceConnect by the selector (FranceConnect+ needs
/// decryption keys: the `jwe` target covers its decryption).
pub fn kind_of(selector: u8) -> ProviderKind {
    match selector % 3 {
        0 => ProviderKind::ProConnect,
        1 => ProviderKind::ProSanteConnect,
        _ => ProviderKind::FranceConnect,
    }
}

/// The vectors' client configuration; with `hs256`, id_token and userinfo are registered as
/// HS256 (keyed with the client secret), so a harness can sign claims of its choosing.
pub fn config(kind: ProviderKind, hs256: bool) -> ClientConfig {
    let provider = kind.as_str();
    let algs = if hs256 {
        r#","id_token_alg":"HS256","userinfo_alg":"HS256""#
    } else {
        ""
    };
    let json = format!(
        r#"{{"provider":"{provider}","issuer":"{}","client_id":"{CLIENT_ID}",
        "client_secret":"{CLIENT_SECRET}","redirect_uri":"http://127.0.0.1:8000/auth/callback",
        "post_logout_redirect_uri":"http://127.0.0.1:8000/auth/logout/callback"{algs}}}"#,
        issuer(kind)
    );
    ClientConfig::from_json(&json).expect("fixture configuration is valid")
}

/// A sans-IO client of the vectors with the fixture JWKS loaded.
pub fn client(kind: ProviderKind, hs256: bool) -> Client {
    let client = Client::new(config(kind, hs256)).expect("fixture client builds");
    client.set_jwks(JWKS).expect("fixture JWKS loads");
    client
}

/// The vectors' pending login (nothing required beyond a known acr).
pub fn pending(kind: ProviderKind) -> PendingLogin {
    let provider = kind.as_str();
    PendingLogin::from_json(&format!(
        r#"{{"provider":"{provider}","client_id":"{CLIENT_ID}","state":"{STATE}","nonce":"{NONCE}",
        "code_verifier":null,"redirect_uri":"http://127.0.0.1:8000/auth/callback",
        "acr":{{"accepted":null,"mfa":false}},"created_at":{CREATED_AT},"next":"/after"}}"#
    ))
    .expect("fixture pending login is valid")
}

/// Splits `selector byte || first || 0xFF || second`. 0xFF never occurs in UTF-8, so two JSON
/// documents travel in one input without escaping. Missing parts are empty.
pub fn split_two(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&selector, rest) = data.split_first()?;
    Some(match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (selector, &rest[..i], &rest[i + 1..]),
        None => (selector, rest, &[][..]),
    })
}

/// base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact HS256 JWS of `payload`, keyed with the fixture client secret.
pub fn hs256_token(payload: &[u8]) -> String {
    let signing_input = format!(
        "{}.{}",
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(payload)
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, CLIENT_SECRET.as_bytes());
    let tag = ring::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(tag.as_ref()))
}

/// Messages allowed to echo provider text unfiltered, by prefix (see regressions/KNOWN). Empty:
/// the three sites the fuzzers found now go through the core's `printable` filter.
pub const KNOWN_UNSANITISED: &[&str] = &[];

/// What every error of the core must be: a known stable code and a message.
pub fn check_error(err: &Error) {
    let code = err.code();
    assert_eq!(
        gouvconnect::ErrorCode::parse(code.as_str()),
        Some(code),
        "error code round-trips"
    );
    assert!(!err.message().is_empty(), "error has a message");
    // Messages reach log lines: provider-supplied text in them must be printable and short.
    let message = err.message();
    let known = KNOWN_UNSANITISED.iter().any(|p| message.starts_with(p));
    if !known {
        assert!(
            !message.chars().any(char::is_control),
            "control character in an error message: {message:?}"
        );
        assert!(
            message.len() <= 2048,
            "error message of {} bytes",
            message.len()
        );
    }
    if let Some(detail) = err.provider_error() {
        // What Error::from_provider maps an OAuth error to (access_denied about acr values:
        // acr_insufficient, or mfa_required when the login required MFA).
        assert!(
            matches!(
                code,
                gouvconnect::ErrorCode::ProviderError
                    | gouvconnect::ErrorCode::ProviderAccessDenied
                    | gouvconnect::ErrorCode::InvalidClient
                    | gouvconnect::ErrorCode::LoginRequired
                    | gouvconnect::ErrorCode::AcrInsufficient
                    | gouvconnect::ErrorCode::MfaRequired
            ),
            "provider detail on {code}"
        );
        assert!(
            detail.error.chars().count() <= 128,
            "provider error is truncated"
        );
        assert!(
            !detail.error.chars().any(char::is_control),
            "provider error is printable"
        );
    }
}

/// Invariants of a normalised identity, whatever the claims were.
pub fn check_identity(identity: &Identity, kind: ProviderKind) {
    assert_eq!(identity.provider, kind);
    assert!(!identity.sub.trim().is_empty(), "sub is never blank");
    assert!(identity.amr.iter().all(|a| !a.is_empty()), "no empty amr");
    for (name, value) in [
        ("email", &identity.email),
        ("given_name", &identity.given_name),
        ("family_name", &identity.family_name),
        ("acr", &identity.acr),
    ] {
        if let Some(v) = value {
            assert!(!v.trim().is_empty(), "{name} is None rather than blank");
        }
    }
    match kind {
        ProviderKind::ProConnect => {
            assert!(identity.prosanteconnect.is_none());
            let pc = identity.proconnect.as_ref().expect("ProConnect data");
            if let Some(siret) = &pc.siret {
                assert!(
                    !siret.chars().any(char::is_whitespace),
                    "SIRET is compacted"
                );
            }
            assert!(pc.roles.iter().all(|r| !r.is_empty()), "no empty role");
        }
        ProviderKind::ProSanteConnect => {
            assert!(identity.proconnect.is_none());
            let psc = identity.prosanteconnect.as_ref().expect("PSC data");
            let plausible =
                |n: &str| (8..=16).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit());
            let national = psc.national_id.as_deref();
            match psc.id_kind {
                IdKind::Rpps => {
                    let rpps = psc.rpps.as_deref().expect("rpps set for an RPPS id");
                    assert!(plausible(rpps));
                    assert_eq!(national, Some(format!("8{rpps}").as_str()));
                    assert!(psc.adeli.is_none());
                }
                IdKind::Adeli => {
                    let adeli = psc.adeli.as_deref().expect("adeli set for an ADELI id");
                    assert!(plausible(adeli));
                    assert_eq!(national, Some(format!("0{adeli}").as_str()));
                    assert!(psc.rpps.is_none());
                }
                IdKind::Other => assert!(psc.rpps.is_none() && psc.adeli.is_none()),
            }
            assert!(psc.exercices.len() <= 64, "exercices are bounded");
            assert!(
                psc.exercices.iter().all(|e| e.activities.len() <= 256),
                "activities are bounded"
            );
        }
        ProviderKind::FranceConnect | ProviderKind::FranceConnectPlus => {
            assert!(identity.proconnect.is_none() && identity.prosanteconnect.is_none());
            let pivot = identity.franceconnect.as_ref().expect("identité pivot");
            if pivot.born_in_france == Some(false) {
                assert!(pivot.birthplace.is_none(), "no birth place abroad");
            }
        }
    }
    // The identity crosses every FFI boundary as JSON: it must survive the trip unchanged.
    let json = serde_json::to_string(identity).expect("identity serialises");
    let back: Identity = serde_json::from_str(&json).expect("identity JSON reads back");
    // Exact, floats included (the core enables serde_json's float_roundtrip; the finding
    // regressions/claims/float-roundtrip-1ulp stays as a regression input).
    assert!(back == *identity, "identity JSON round-trips");
}

/// Decodes the input of the claims targets: `selector || id_token claims || 0xFF || userinfo
/// claims`, both JSON objects (an empty part is an empty object) when bit 1 of the selector is
/// clear, or two claim objects built by [`structured::claims`] from the rest when it is set.
pub fn two_claims(
    data: &[u8],
) -> Option<(
    u8,
    serde_json::Map<String, serde_json::Value>,
    serde_json::Map<String, serde_json::Value>,
)> {
    let (&selector, rest) = data.split_first()?;
    if selector & 2 != 0 {
        let mut u = arbitrary::Unstructured::new(rest);
        let id = structured::claims(&mut u).ok()?;
        let ui = structured::claims(&mut u).ok()?;
        return Some((selector, id, ui));
    }
    let (_, a, b) = split_two(data)?;
    let object = |bytes: &[u8]| -> Option<serde_json::Map<String, serde_json::Value>> {
        if bytes.is_empty() {
            return Some(Default::default());
        }
        match serde_json::from_slice(bytes).ok()? {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }
    };
    Some((selector, object(a)?, object(b)?))
}
