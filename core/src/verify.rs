//! Verification of the token response, the id_token and the userinfo.

use serde::Deserialize;

use crate::claim_set::{Claim, ClaimSet, TokenClaims, C};
use crate::config::ClientConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::jose::{self, KeySet};
use crate::limits;
use crate::provider::{Provider, UserinfoFormat};
use crate::secure::constant_time_eq;

/// What the token endpoint returned.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    /// Access token (for userinfo).
    pub access_token: String,
    /// The id_token (compact JWS).
    pub id_token: String,
    /// Refresh token, when issued.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Access token lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// Granted scopes.
    #[serde(default)]
    pub scope: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

/// Parses the token endpoint's answer: 200 → tokens; a JSON OAuth error → `provider_error`;
/// 5xx or anything unparsable → `provider_unavailable`.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenResponse> {
    if body.len() > limits::MAX_TOKEN_RESPONSE_BYTES {
        return Err(Error::new(
            ErrorCode::ResponseTooLarge,
            "token response too large",
        ));
    }
    if status >= 500 {
        return Err(Error::new(
            ErrorCode::ProviderUnavailable,
            format!("token endpoint answered HTTP {status}"),
        ));
    }
    if status != 200 {
        return match serde_json::from_slice::<OAuthError>(body) {
            Ok(e) => Err(Error::from_provider(
                &e.error,
                e.error_description.as_deref(),
            )),
            Err(_) => Err(Error::new(
                ErrorCode::ProviderUnavailable,
                format!("token endpoint answered HTTP {status}"),
            )),
        };
    }
    let response: TokenResponse = serde_json::from_slice(body).map_err(|_| {
        Error::new(
            ErrorCode::ProviderUnavailable,
            "token response is not JSON with access_token and id_token",
        )
    })?;
    Ok(response)
}

/// Parses the token endpoint's answer to a refresh ([`parse_token_response`]'s rules), with
/// one more: `invalid_grant` means the refresh token is spent, expired or revoked — the
/// provider's session ended (a logout there, its maximum length) — so it is
/// [`ErrorCode::LoginRequired`], which hosts treat as "signed out", not a provider fault.
pub fn parse_refresh_response(status: u16, body: &[u8]) -> Result<TokenResponse> {
    parse_token_response(status, body).map_err(|e| match e.provider_error() {
        Some(p) if p.error == "invalid_grant" => Error::new(
            ErrorCode::LoginRequired,
            "the provider refused the refresh token (invalid_grant): its session has ended",
        ),
        _ => e,
    })
}

/// Verifies an id_token: signature (algorithm allow-list, JWKS or client secret), `iss`,
/// `aud`/`azp`, `exp`, `iat`, `nbf`, `nonce` and `sub`. Returns its claims. `nonce: None` skips
/// the nonce: an id_token from a refresh answers no authorization request (OpenID Connect Core
/// §12.2: oidc-provider omits it, Keycloak repeats the login's), so only its signature, issuer,
/// audience, times and `sub` count.
pub fn verify_id_token(
    provider: &Provider,
    config: &ClientConfig,
    keys: &KeySet,
    token: &str,
    nonce: Option<&str>,
    now: u64,
) -> Result<TokenClaims> {
    let jws = jose::parse_jws(token)?;
    jose::verify_signature(
        &jws,
        &config.id_token_algs(provider),
        keys,
        Some(config.client_secret.expose().as_bytes()),
    )?;
    let claims = TokenClaims::parse(&jws.payload, "id_token")?;
    check_issuer(&claims.set, provider, true)?;
    check_audience(&claims.set, &config.client_id, true)?;
    check_times(&claims.set, config.leeway_secs, now, true)?;
    match (claims.set.str(C::Nonce), nonce) {
        (_, None) => {}
        (Some(n), Some(nonce)) if constant_time_eq(n.as_bytes(), nonce.as_bytes()) => {}
        (Some(_), Some(_)) => {
            return Err(Error::new(
                ErrorCode::NonceMismatch,
                "id_token nonce does not match the pending login",
            ))
        }
        (None, Some(_)) => {
            return Err(Error::new(
                ErrorCode::NonceMismatch,
                "id_token has no nonce",
            ))
        }
    }
    match claims.set.str(C::Sub) {
        Some(s) if !s.is_empty() && s.len() <= 256 => Ok(claims),
        _ => Err(Error::new(
            ErrorCode::MalformedResponse,
            "id_token has no valid `sub`",
        )),
    }
}

/// Verifies the userinfo response. A JWT (`application/jwt`, or a body that is a compact JWS)
/// is verified like a token (signature, `iss`/`aud` when present, `exp` when present); plain
/// JSON is refused where the provider or client requires a signed userinfo. `sub` must be the
/// id_token's.
pub fn verify_userinfo(
    provider: &Provider,
    config: &ClientConfig,
    keys: &KeySet,
    content_type: Option<&str>,
    body: &[u8],
    expected_sub: &str,
    now: u64,
) -> Result<TokenClaims> {
    if body.len() > limits::MAX_USERINFO_BYTES {
        return Err(Error::new(
            ErrorCode::ResponseTooLarge,
            "userinfo response too large",
        ));
    }
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::new(ErrorCode::MalformedResponse, "userinfo is not UTF-8"))?;
    let is_jwt = media.as_deref() == Some("application/jwt")
        || (media.as_deref() != Some("application/json") && jose::looks_like_jws(text));
    let must_sign = config
        .userinfo_signed
        .unwrap_or(provider.userinfo_format == UserinfoFormat::SignedJwt);
    let claims = if is_jwt {
        let jws = jose::parse_jws(text.trim())?;
        jose::verify_signature(
            &jws,
            &config.userinfo_algs(provider),
            keys,
            Some(config.client_secret.expose().as_bytes()),
        )?;
        let claims = TokenClaims::parse(&jws.payload, "userinfo")?;
        check_issuer(&claims.set, provider, false)?;
        check_audience(&claims.set, &config.client_id, false)?;
        check_times(&claims.set, config.leeway_secs, now, false)?;
        claims
    } else if must_sign {
        return Err(Error::new(
            ErrorCode::UserinfoNotSigned,
            "userinfo is plain JSON where a signed JWT is required",
        ));
    } else {
        TokenClaims::parse(body, "userinfo")?
    };
    match claims.set.str(C::Sub) {
        Some(s) if constant_time_eq(s.as_bytes(), expected_sub.as_bytes()) => Ok(claims),
        _ => Err(Error::new(
            ErrorCode::UserinfoSubjectMismatch,
            "userinfo `sub` differs from the id_token `sub`",
        )),
    }
}

fn check_issuer(claims: &ClaimSet, provider: &Provider, required: bool) -> Result<()> {
    match claims.get(C::Iss) {
        Some(Claim::Str(iss)) if *iss == provider.endpoints.issuer => Ok(()),
        None if !required => Ok(()),
        _ => Err(Error::new(
            ErrorCode::IssuerMismatch,
            "token `iss` is not the provider's issuer",
        )),
    }
}

fn check_audience(claims: &ClaimSet, client_id: &str, required: bool) -> Result<()> {
    let mismatch = |m: &str| Err(Error::new(ErrorCode::AudienceMismatch, m.to_string()));
    // The string audiences: how many, and whether this client is one.
    let (count, ours) = match claims.get(C::Aud) {
        Some(Claim::Str(a)) => (1, a == client_id),
        Some(Claim::Strs(list)) => (list.len(), list.iter().any(|a| a == client_id)),
        None if !required => return Ok(()),
        _ => return mismatch("token has no audience"),
    };
    if !ours {
        return mismatch("token audience does not include this client");
    }
    match claims.get(C::Azp) {
        Some(Claim::Str(azp)) if azp != client_id => mismatch("token `azp` is another client"),
        None if count > 1 => mismatch("token has several audiences and no `azp`"),
        _ => Ok(()),
    }
}

fn check_times(claims: &ClaimSet, leeway: u64, now: u64, required: bool) -> Result<()> {
    let time = |name: &str, c: C| -> Result<Option<u64>> {
        match claims.get(c) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|f| *f >= 0.0)
                .map(|f| Some(f as u64))
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::MalformedResponse,
                        format!("`{name}` is not a timestamp"),
                    )
                }),
        }
    };
    match time("exp", C::Exp)? {
        Some(exp) if exp.saturating_add(leeway) <= now => {
            return Err(Error::new(ErrorCode::TokenExpired, "token has expired"))
        }
        None if required => {
            return Err(Error::new(
                ErrorCode::MalformedResponse,
                "token has no `exp`",
            ))
        }
        _ => {}
    }
    match time("iat", C::Iat)? {
        Some(iat) if iat > now.saturating_add(leeway) => {
            return Err(Error::new(
                ErrorCode::TokenNotYetValid,
                "token is issued in the future",
            ))
        }
        None if required => {
            return Err(Error::new(
                ErrorCode::MalformedResponse,
                "token has no `iat`",
            ))
        }
        _ => {}
    }
    if let Some(nbf) = time("nbf", C::Nbf)? {
        if nbf > now.saturating_add(leeway) {
            return Err(Error::new(
                ErrorCode::TokenNotYetValid,
                "token is not valid yet",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn obj(v: Value) -> ClaimSet {
        TokenClaims::parse(v.to_string().as_bytes(), "test")
            .unwrap()
            .set
    }

    #[test]
    fn audience_rules() {
        assert!(check_audience(&obj(json!({"aud":"c"})), "c", true).is_ok());
        assert!(check_audience(&obj(json!({"aud":["c"]})), "c", true).is_ok());
        assert!(check_audience(&obj(json!({"aud":["c","d"],"azp":"c"})), "c", true).is_ok());
        for bad in [
            json!({"aud":"d"}),
            json!({"aud":["c","d"]}),
            json!({"aud":"c","azp":"d"}),
            json!({}),
        ] {
            assert_eq!(
                check_audience(&obj(bad), "c", true).unwrap_err().code(),
                ErrorCode::AudienceMismatch
            );
        }
    }

    #[test]
    fn time_rules() {
        let c = obj(json!({"exp": 100, "iat": 50}));
        assert!(check_times(&c, 10, 105, true).is_ok());
        assert_eq!(
            check_times(&c, 10, 110, true).unwrap_err().code(),
            ErrorCode::TokenExpired
        );
        assert_eq!(
            check_times(&c, 10, 30, true).unwrap_err().code(),
            ErrorCode::TokenNotYetValid
        );
        let no_exp = obj(json!({"iat": 50}));
        assert_eq!(
            check_times(&no_exp, 0, 60, true).unwrap_err().code(),
            ErrorCode::MalformedResponse
        );
        assert!(check_times(&no_exp, 0, 60, false).is_ok());
    }

    #[test]
    fn token_responses() {
        assert_eq!(
            parse_token_response(503, b"").unwrap_err().code(),
            ErrorCode::ProviderUnavailable
        );
        let e = parse_token_response(
            400,
            br#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ProviderError);
        assert_eq!(e.provider_error().unwrap().error, "invalid_grant");
        assert_eq!(
            parse_token_response(200, b"<html>").unwrap_err().code(),
            ErrorCode::ProviderUnavailable
        );
        let ok = parse_token_response(
            200,
            br#"{"access_token":"a","id_token":"b","token_type":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(ok.access_token, "a");
        // A refused refresh is the provider's session ending, not a provider fault.
        let ended = parse_refresh_response(
            400,
            br#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
        )
        .unwrap_err();
        assert_eq!(ended.code(), ErrorCode::LoginRequired);
        assert_eq!(
            parse_refresh_response(401, br#"{"error":"invalid_client"}"#)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidClient
        );
        assert_eq!(
            parse_refresh_response(503, b"").unwrap_err().code(),
            ErrorCode::ProviderUnavailable
        );
        assert!(!format!("{ok:?}").contains("\"a\""));
    }
}
