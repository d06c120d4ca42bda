//! The relying party of one provider: configuration, cached keys, and the sans-IO steps of a
//! login and a logout.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::claim_set::{TokenClaims, C};
use crate::claims::{self, Identity};
use crate::config::ClientConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::jose::KeySet;
use crate::login::{self, AuthorizationRequest, LoginOptions, PendingLogin};
use crate::logout::{self, LogoutRequest, PendingLogout};
use crate::policy::AcrRequirement;
use crate::provider::{Provider, TokenAuthMethod};
use crate::verify::{self, TokenResponse};

/// An HTTP request the host (or the `http` feature) sends for the core.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Headers (name, value).
    pub headers: Vec<(String, String)>,
    /// Form-encoded body, for `POST`.
    pub body: Option<String>,
}

impl HttpRequest {
    /// A `GET` of a JSON document (discovery, JWKS).
    pub fn get_json(url: &str) -> HttpRequest {
        HttpRequest {
            method: "GET",
            url: url.to_string(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: None,
        }
    }
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bodies and headers carry codes, secrets and tokens.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The userinfo response as received.
#[derive(Clone, Copy, Debug)]
pub struct UserinfoResponse<'a> {
    /// `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// Body bytes.
    pub body: &'a [u8],
}

/// A completed login.
#[derive(Clone, Serialize)]
pub struct Login {
    /// The normalised identity.
    pub identity: Identity,
    /// The id_token (keep it for `id_token_hint` at logout).
    pub id_token: String,
    /// The access token.
    pub access_token: String,
    /// The refresh token, when issued.
    pub refresh_token: Option<String>,
    /// Access token lifetime, seconds.
    pub expires_in: Option<u64>,
    /// Where the host should send the user (a checked local path).
    pub next: Option<String>,
    /// Unix time after which the host session must end (login time + the configured
    /// `session_max_age_secs`).
    pub session_expires_at: u64,
}

impl Login {
    /// The login of a verified `identity` and the tokens it came with.
    fn new(
        identity: Identity,
        tokens: &TokenResponse,
        next: Option<String>,
        session_expires_at: u64,
    ) -> Login {
        Login {
            identity,
            id_token: tokens.id_token.clone(),
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
            expires_in: tokens.expires_in,
            next,
            session_expires_at,
        }
    }
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("provider", &self.identity.provider)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// Current Unix time in seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A relying party for one provider. Cheap to share across threads (`Arc<Client>`); the JWKS
/// cache is swapped atomically, so verifications never wait on a lock.
#[derive(Debug)]
pub struct Client {
    provider: Provider,
    config: ClientConfig,
    keys: ArcSwap<KeySet>,
    /// FranceConnect+: the client's private keys for its encrypted tokens.
    #[cfg(feature = "franceconnect")]
    decryption: Option<crate::jwe::DecryptionKeys>,
}

impl Client {
    /// A client for the provider its configuration designates (preset, or custom issuer with
    /// endpoints derived by convention; see [`Client::with_provider`] after a discovery).
    pub fn new(config: ClientConfig) -> Result<Client> {
        let provider = config.resolve_provider()?;
        Client::with_provider(provider, config)
    }

    /// A client for an explicit provider (e.g. one updated from its discovery document).
    pub fn with_provider(provider: Provider, config: ClientConfig) -> Result<Client> {
        config.validate(&provider)?;
        #[cfg(feature = "franceconnect")]
        let decryption = crate::jwe::DecryptionKeys::from_config(config.decryption_keys.as_ref())?;
        #[cfg(not(feature = "franceconnect"))]
        if config.decryption_keys.is_some() {
            return Err(Error::new(
                ErrorCode::InvalidConfig,
                "this build of gouvconnect has no FranceConnect+ decryption (cargo feature `franceconnect`)",
            ));
        }
        Ok(Client {
            provider,
            config,
            keys: ArcSwap::from_pointee(KeySet::default()),
            #[cfg(feature = "franceconnect")]
            decryption,
        })
    }

    /// FranceConnect+: the public JWKS of the client's decryption keys, the document the host
    /// serves at the URL registered with FranceConnect+ (never a private member); `None` for
    /// the other federations.
    pub fn public_jwks(&self) -> Option<String> {
        #[cfg(feature = "franceconnect")]
        {
            self.decryption.as_ref().map(|k| k.public_jwks())
        }
        #[cfg(not(feature = "franceconnect"))]
        None
    }

    /// The signed token inside an encrypted one (FranceConnect+), or the token itself for a
    /// provider that only signs. A provider that encrypts never has a bare JWS accepted: a
    /// signed-only token there would skip the encryption the client registered for.
    fn opened<'t>(&self, token: &'t str, what: &str) -> Result<Cow<'t, str>> {
        if !self.provider.encrypted_tokens {
            return Ok(Cow::Borrowed(token));
        }
        #[cfg(feature = "franceconnect")]
        if let Some(keys) = &self.decryption {
            if !crate::jwe::looks_like_jwe(token) {
                return Err(Error::new(
                    ErrorCode::MalformedResponse,
                    format!(
                        "the {what} is not encrypted, and {} encrypts every token",
                        self.provider.kind.display_name()
                    ),
                ));
            }
            return keys.decrypt(token).map(Cow::Owned);
        }
        Err(Error::new(
            ErrorCode::InvalidConfig,
            format!("no decryption keys to open the {what}"),
        ))
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Replaces the cached JWKS with a freshly fetched document.
    pub fn set_jwks(&self, document: &[u8]) -> Result<()> {
        let keys = KeySet::from_jwks(document)?;
        self.keys.store(Arc::new(keys));
        Ok(())
    }

    /// Whether a JWKS has been loaded.
    pub fn has_keys(&self) -> bool {
        !self.keys.load().is_empty()
    }

    /// Starts a login: the authorization URL and the pending login to keep in the session.
    pub fn begin_login(&self, options: &LoginOptions) -> Result<AuthorizationRequest> {
        self.begin_login_at(options, unix_now())
    }

    /// [`Client::begin_login`] at a given time.
    pub fn begin_login_at(&self, options: &LoginOptions, now: u64) -> Result<AuthorizationRequest> {
        login::authorization_request(&self.provider, &self.config, options, now)
    }

    /// [`Client::begin_login`] with a host-chosen `state` and `nonce` (Keycloak's broker owns
    /// them); both must be at least the provider's minimum length.
    pub fn begin_login_with_state(
        &self,
        options: &LoginOptions,
        state: String,
        nonce: String,
        now: u64,
    ) -> Result<AuthorizationRequest> {
        login::authorization_request_with_state(
            &self.provider,
            &self.config,
            options,
            state,
            nonce,
            now,
        )
    }

    /// Checks the callback query (state, provider error, issuer) and returns the code.
    pub fn parse_callback(&self, pending: &PendingLogin, query: &str, now: u64) -> Result<String> {
        self.check_pending_owner(pending)?;
        login::parse_callback_within(
            &self.provider,
            pending,
            query,
            now,
            self.config.pending_login_max_age_secs,
        )
    }

    /// A pending login started for another provider or client id must not complete here: a host
    /// with several clients could otherwise mix up whose nonce and acr requirement apply.
    fn check_pending_owner(&self, pending: &PendingLogin) -> Result<()> {
        if pending.provider != self.provider.kind || pending.client_id != self.config.client_id {
            return Err(Error::new(
                ErrorCode::NoPendingLogin,
                "the pending login belongs to another provider or client",
            ));
        }
        Ok(())
    }

    /// The token request for an authorization code.
    pub fn token_request(&self, pending: &PendingLogin, code: &str) -> HttpRequest {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &pending.redirect_uri);
        if let Some(verifier) = &pending.code_verifier {
            form.append_pair("code_verifier", verifier);
        }
        self.token_endpoint_request(form)
    }

    /// The token request that renews the tokens of a session (`grant_type=refresh_token`), with
    /// the same client authentication as the code exchange. Judge the answer with
    /// [`crate::parse_refresh_response`], then call [`Client::finish_refresh`].
    pub fn refresh_request(&self, refresh_token: &str) -> HttpRequest {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token);
        self.token_endpoint_request(form)
    }

    /// A POST to the token endpoint: the grant's form plus the client authentication.
    fn token_endpoint_request(
        &self,
        mut form: url::form_urlencoded::Serializer<'_, String>,
    ) -> HttpRequest {
        let method = self.config.token_auth_method();
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "application/x-www-form-urlencoded".to_string(),
            ),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        match method {
            TokenAuthMethod::ClientSecretPost => {
                form.append_pair("client_id", &self.config.client_id)
                    .append_pair("client_secret", self.config.client_secret.expose());
            }
            TokenAuthMethod::ClientSecretBasic => {
                use base64::Engine;
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let pair = format!(
                    "{}:{}",
                    enc(&self.config.client_id),
                    enc(self.config.client_secret.expose())
                );
                let basic = base64::engine::general_purpose::STANDARD.encode(pair);
                headers.push(("Authorization".to_string(), format!("Basic {basic}")));
            }
            TokenAuthMethod::TlsClientAuth => {
                form.append_pair("client_id", &self.config.client_id);
            }
        }
        HttpRequest {
            method: "POST",
            url: self.provider.token_endpoint(method).to_string(),
            headers,
            body: Some(form.finish()),
        }
    }

    /// The userinfo request.
    pub fn userinfo_request(&self, access_token: &str) -> HttpRequest {
        HttpRequest {
            method: "GET",
            url: self.provider.endpoints.userinfo.clone(),
            headers: vec![
                (
                    "Authorization".to_string(),
                    format!("Bearer {access_token}"),
                ),
                (
                    "Accept".to_string(),
                    "application/jwt, application/json".to_string(),
                ),
            ],
            body: None,
        }
    }

    /// Verifies the tokens and the userinfo, normalises the identity and applies the policy.
    ///
    /// Order of the checks (the first failure is reported): id_token (algorithm, key,
    /// signature, iss, aud/azp, exp, iat, nonce, sub), userinfo (signed when required,
    /// signature, iss/aud when present, sub), acr and MFA, email, allow-lists.
    pub fn finish_login(
        &self,
        pending: &PendingLogin,
        tokens: &TokenResponse,
        userinfo: Option<UserinfoResponse<'_>>,
        now: u64,
    ) -> Result<Login> {
        self.check_pending_owner(pending)?;
        let (tokens, id_claims, userinfo_claims) =
            self.verified_claims(tokens, Some(&pending.nonce), userinfo, now, |sub| {
                if pending.expected_sub.as_ref().is_some_and(|s| s != sub) {
                    // Another account came back from a step-up: the session stays the first user's.
                    return Err(Error::new(
                        ErrorCode::StepUpUserMismatch,
                        "the step-up login came back with another account than the signed-in user's",
                    ));
                }
                Ok(())
            })?;
        pending
            .acr
            .check(self.provider.kind, id_claims.set.str(C::Acr))?;
        let identity = claims::identity(self.provider.kind, id_claims, userinfo_claims)?;
        self.config.policy.check_identity(&identity)?;
        let session_expires_at = now.saturating_add(self.config.session_max_age_secs);
        Ok(Login::new(
            identity,
            &tokens,
            pending.next.clone(),
            session_expires_at,
        ))
    }

    /// Verifies the answer to a [`Client::refresh_request`] and returns the renewed login of the
    /// session whose identity is `previous` and whose end is `session_expires_at`.
    ///
    /// The id_token is verified as at login (signature, iss, aud/azp, exp, iat) except its
    /// nonce, which no refresh can be bound to; its `sub` must be `previous.sub`, else
    /// `refresh_user_mismatch`. The userinfo is verified against that `sub`, the identity
    /// normalised again (the provider's current data), the policy's acr, MFA, email and
    /// allow-list rules applied again. The practice chosen for the session is kept while the
    /// identity still has it. `session_expires_at` is returned unchanged: a renewal keeps the
    /// identity current, it never lengthens the host session; at or past that time the renewal
    /// is refused (`login_required`). `refresh_token` is the rotated token, or `None` when the
    /// provider sent none (the one used stays valid then).
    pub fn finish_refresh(
        &self,
        previous: &Identity,
        session_expires_at: u64,
        tokens: &TokenResponse,
        userinfo: Option<UserinfoResponse<'_>>,
        now: u64,
    ) -> Result<Login> {
        if previous.provider != self.provider.kind {
            return Err(Error::new(
                ErrorCode::InvalidRequest,
                "the session's identity belongs to another provider",
            ));
        }
        if now >= session_expires_at {
            return Err(Error::new(
                ErrorCode::LoginRequired,
                "the session has reached its maximum length",
            ));
        }
        let (tokens, id_claims, userinfo_claims) =
            self.verified_claims(tokens, None, userinfo, now, |sub| {
                if crate::secure::constant_time_eq(sub.as_bytes(), previous.sub.as_bytes()) {
                    Ok(())
                } else {
                    Err(Error::new(
                        ErrorCode::RefreshUserMismatch,
                        "the renewed id_token names another subject than the session's",
                    ))
                }
            })?;
        // The policy as configured now (a pending login's one-off step-up level is not kept:
        // the refreshed id_token repeats the login's acr, which satisfied it then).
        AcrRequirement::with_mode(
            self.provider.kind,
            self.config.policy.acr.as_deref(),
            self.config.policy.mfa_mode(),
        )?
        .check(self.provider.kind, id_claims.set.str(C::Acr))?;
        let mut identity = claims::identity(self.provider.kind, id_claims, userinfo_claims)?;
        if let Some(chosen) = &previous.practice {
            identity = identity
                .with_practice(&chosen.id)
                .unwrap_or_else(|_| identity.with_only_practice());
        }
        self.config.policy.check_identity(&identity)?;
        Ok(Login::new(identity, &tokens, None, session_expires_at))
    }

    /// The verified claims of a token response, shared by a login and a renewal: the id_token
    /// (its nonce when the login sent one), `check_sub` on its subject, then the userinfo
    /// against that subject. Encrypted tokens (FranceConnect+) are opened first; the tokens
    /// returned then hold the signed id_token, the one a logout's `id_token_hint` carries.
    fn verified_claims<'t>(
        &self,
        tokens: &'t TokenResponse,
        nonce: Option<&str>,
        userinfo: Option<UserinfoResponse<'_>>,
        now: u64,
        check_sub: impl FnOnce(&str) -> Result<()>,
    ) -> Result<(Cow<'t, TokenResponse>, TokenClaims, TokenClaims)> {
        let tokens = match self.opened(&tokens.id_token, "id_token")? {
            Cow::Borrowed(_) => Cow::Borrowed(tokens),
            Cow::Owned(signed) => Cow::Owned(TokenResponse {
                id_token: signed,
                ..tokens.clone()
            }),
        };
        let keys = self.keys.load();
        let id_claims = verify::verify_id_token(
            &self.provider,
            &self.config,
            &keys,
            &tokens.id_token,
            nonce,
            now,
        )?;
        // verify_id_token refused an id_token without a valid `sub`.
        let sub = id_claims.set.str(C::Sub).unwrap_or_default();
        check_sub(sub)?;
        let userinfo_claims = match userinfo {
            Some(u) if self.provider.encrypted_tokens => {
                let body = std::str::from_utf8(u.body).map_err(|_| {
                    Error::new(ErrorCode::MalformedResponse, "userinfo is not UTF-8")
                })?;
                let signed = self.opened(body.trim(), "userinfo")?;
                verify::verify_userinfo(
                    &self.provider,
                    &self.config,
                    &keys,
                    Some("application/jwt"),
                    signed.as_bytes(),
                    sub,
                    now,
                )?
            }
            Some(u) => verify::verify_userinfo(
                &self.provider,
                &self.config,
                &keys,
                u.content_type,
                u.body,
                sub,
                now,
            )?,
            None => TokenClaims::empty(),
        };
        Ok((tokens, id_claims, userinfo_claims))
    }

    /// The end-session redirect, or `None` when the provider has no end-session endpoint.
    pub fn logout_request(&self, id_token_hint: Option<&str>) -> Result<Option<LogoutRequest>> {
        logout::logout_request(&self.provider, &self.config, id_token_hint, unix_now())
    }

    /// Checks the state returned to the post-logout redirect URI.
    pub fn verify_logout_callback(&self, pending: &PendingLogout, query: &str) -> Result<()> {
        logout::verify_logout_callback(pending, query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::Algorithm;
    use crate::provider::Environment;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use serde_json::{json, Value};

    const SECRET: &str = "a-client-secret-long-enough-for-hs256";
    const NOW: u64 = 1_800_000_000;

    /// A Pro Santé Connect sandbox client that accepts HS256 id_tokens signed with its secret,
    /// so the tests can sign without a key pair.
    fn client(min_acr: Option<&str>) -> Client {
        let mut c = ClientConfig::new(
            crate::ProviderKind::ProSanteConnect,
            "cid",
            SECRET,
            "https://app.example/cb",
        );
        c.environment = Some(Environment::Sandbox);
        c.id_token_alg = Some(Algorithm::HS256);
        c.policy.acr = min_acr.map(str::to_string);
        Client::new(c).unwrap()
    }

    fn hs256(claims: &Value) -> String {
        let enc = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
        let input = format!(
            "{}.{}",
            enc(br#"{"alg":"HS256","typ":"JWT"}"#),
            enc(claims.to_string().as_bytes())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
        let tag = ring::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", enc(tag.as_ref()))
    }

    fn id_claims(c: &Client, sub: &str) -> Value {
        json!({
            "iss": c.provider().endpoints.issuer, "aud": "cid", "azp": "cid", "sub": sub,
            "iat": NOW, "exp": NOW + 60, "acr": "eidas1",
        })
    }

    fn tokens(id_token: String) -> TokenResponse {
        TokenResponse {
            access_token: "new-access".into(),
            id_token,
            refresh_token: Some("new-refresh".into()),
            expires_in: Some(120),
            scope: None,
        }
    }

    fn previous(c: &Client) -> Identity {
        let claims = match id_claims(c, "sub-1") {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let userinfo = match json!({"sub": "sub-1", "given_name": "Old"}) {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        claims::normalise(c.provider().kind, claims, userinfo).unwrap()
    }

    fn userinfo(body: &[u8]) -> Option<UserinfoResponse<'_>> {
        Some(UserinfoResponse {
            content_type: Some("application/json"),
            body,
        })
    }

    #[test]
    fn refresh_request_is_a_token_request_with_client_authentication() {
        let c = client(None);
        let r = c.refresh_request("rt-value");
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, c.provider().endpoints.token);
        let body = r.body.as_deref().unwrap();
        assert!(body.contains("grant_type=refresh_token"));
        assert!(body.contains("refresh_token=rt-value"));
        assert!(!body.contains("redirect_uri"));
        // PSC's default is client_secret_basic, as for the code exchange.
        let code = c.token_request(
            &c.begin_login_at(&LoginOptions::default(), NOW)
                .unwrap()
                .pending,
            "x",
        );
        assert_eq!(r.headers, code.headers);
        assert!(!format!("{r:?}").contains("rt-value"));
    }

    #[test]
    fn a_renewal_keeps_the_session_end_and_refreshes_the_identity() {
        let c = client(None);
        let prev = previous(&c);
        let ends = NOW + 3600;
        // No nonce in the refreshed id_token: nothing to bind it to.
        let t = tokens(hs256(&id_claims(&c, "sub-1")));
        let login = c
            .finish_refresh(
                &prev,
                ends,
                &t,
                userinfo(br#"{"sub":"sub-1","given_name":"New"}"#),
                NOW,
            )
            .unwrap();
        assert_eq!(login.session_expires_at, ends);
        assert_eq!(login.identity.sub, "sub-1");
        assert_eq!(login.identity.given_name.as_deref(), Some("New"));
        assert_eq!(login.refresh_token.as_deref(), Some("new-refresh"));
        assert_eq!(login.access_token, "new-access");
        assert_eq!(login.next, None);
        // A nonce, if the provider repeats the login's (Keycloak), is not judged either.
        let mut with_nonce = id_claims(&c, "sub-1");
        with_nonce["nonce"] = json!("whatever");
        assert!(c
            .finish_refresh(&prev, ends, &tokens(hs256(&with_nonce)), None, NOW)
            .is_ok());
    }

    #[test]
    fn a_renewal_is_refused_for_another_person_a_bad_token_or_a_spent_session() {
        let c = client(None);
        let prev = previous(&c);
        let ends = NOW + 3600;
        let code = |claims: &Value, now: u64, ends: u64| {
            c.finish_refresh(&prev, ends, &tokens(hs256(claims)), None, now)
                .unwrap_err()
                .code()
        };
        assert_eq!(
            code(&id_claims(&c, "sub-2"), NOW, ends),
            ErrorCode::RefreshUserMismatch
        );
        assert_eq!(
            code(&id_claims(&c, "sub-1"), ends, ends),
            ErrorCode::LoginRequired
        );
        let mut expired = id_claims(&c, "sub-1");
        expired["exp"] = json!(NOW - 3600);
        assert_eq!(code(&expired, NOW, ends), ErrorCode::TokenExpired);
        let mut other_aud = id_claims(&c, "sub-1");
        other_aud["aud"] = json!("another");
        assert_eq!(code(&other_aud, NOW, ends), ErrorCode::AudienceMismatch);
        let mut other_iss = id_claims(&c, "sub-1");
        other_iss["iss"] = json!("https://evil.example");
        assert_eq!(code(&other_iss, NOW, ends), ErrorCode::IssuerMismatch);
        let forged = hs256(&id_claims(&c, "sub-1")).replace('.', ".x");
        assert!(c
            .finish_refresh(&prev, ends, &tokens(forged), None, NOW)
            .is_err());
        // The userinfo must name the same person too.
        let err = c
            .finish_refresh(
                &prev,
                ends,
                &tokens(hs256(&id_claims(&c, "sub-1"))),
                userinfo(br#"{"sub":"sub-2"}"#),
                NOW,
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::UserinfoSubjectMismatch);
    }

    #[test]
    fn a_renewal_applies_the_policy_again() {
        // The card is required now; the refreshed id_token says eidas1.
        let strict = client(Some("eidas2"));
        let prev = previous(&strict);
        let err = strict
            .finish_refresh(
                &prev,
                NOW + 3600,
                &tokens(hs256(&id_claims(&strict, "sub-1"))),
                None,
                NOW,
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::AcrInsufficient);
    }
}
