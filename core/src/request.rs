//! The authorization request, the pending login a host keeps in its session, and the callback.

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::claims::Identity;
use crate::config::ClientConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::jose::b64url;
use crate::limits;
use crate::policy::{AcrRequirement, MfaMode, PROCONNECT_MFA_VALUES};
use crate::provider::{AcrRequestStyle, Provider, ProviderKind};

/// How long a started login stays valid (the user may linger on the provider's pages).
pub const PENDING_LOGIN_TTL_SECS: u64 = 30 * 60;

/// Per-login choices of the host.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginOptions {
    /// `prompt` (`login`, `consent`, `none`).
    pub prompt: Option<String>,
    /// ProConnect: the user's email, to skip the email page.
    pub login_hint: Option<String>,
    /// ProConnect: an `idp_id` to go straight to that identity provider.
    pub idp_hint: Option<String>,
    /// ProConnect: a 14-digit SIRET forwarded to the identity provider.
    pub siret_hint: Option<String>,
    /// Minimum acr for this login (overrides the policy's).
    pub acr: Option<String>,
    /// Require MFA for this login (overrides the policy's).
    pub require_mfa: Option<bool>,
    /// Local path to return to after the login (checked with [`safe_next_path`]).
    pub next: Option<String>,
    /// Step-up re-authentication: the `sub` of the signed-in user, who must be the one coming
    /// back (else `step_up_user_mismatch`). See [`LoginOptions::step_up`].
    pub step_up_sub: Option<String>,
    /// Other parameters; refused unless the provider accepts them.
    pub extra_params: Vec<(String, String)>,
}

impl LoginOptions {
    /// The login that re-authenticates the signed-in `identity` at `acr` (a ProConnect level
    /// such as `eidas2` or certification dirigeant; Pro Santé Connect `eidas2`, a card login):
    /// the level as the login's minimum, ProConnect's `login_hint` set to the user's email so
    /// the email page is skipped, a fresh authentication at Pro Santé Connect (`prompt=login`:
    /// its session would otherwise answer with the same means), and the same person required
    /// on return.
    pub fn step_up(identity: &Identity, acr: &str) -> LoginOptions {
        let proconnect = identity.provider == ProviderKind::ProConnect;
        LoginOptions {
            acr: Some(acr.to_string()),
            login_hint: identity
                .email
                .clone()
                .filter(|e| proconnect && looks_like_email(e)),
            prompt: (!proconnect).then(|| "login".to_string()),
            step_up_sub: Some(identity.sub.clone()),
            ..LoginOptions::default()
        }
    }
}

/// What the host keeps in its session between the redirect and the callback. Serialisable;
/// opaque to the host.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingLogin {
    /// Provider of this login.
    pub provider: ProviderKind,
    /// Client id this login was started for.
    pub client_id: String,
    /// `state` sent.
    pub state: String,
    /// `nonce` sent.
    pub nonce: String,
    /// PKCE verifier, when PKCE was used.
    pub code_verifier: Option<String>,
    /// Redirect URI sent (the token request must repeat it).
    pub redirect_uri: String,
    /// What the returned acr must satisfy.
    pub acr: AcrRequirement,
    /// Unix time the login started.
    pub created_at: u64,
    /// Local path to go to afterwards.
    pub next: Option<String>,
    /// Step-up: the `sub` that must come back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_sub: Option<String>,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // state, nonce and verifier are secrets of this login: never in logs.
        f.debug_struct("PendingLogin")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("created_at", &self.created_at)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Serialises for the host's session.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads back what [`PendingLogin::to_json`] wrote.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > limits::MAX_PENDING_BYTES {
            return Err(Error::new(
                ErrorCode::NoPendingLogin,
                "pending login too large",
            ));
        }
        serde_json::from_str(json)
            .map_err(|_| Error::new(ErrorCode::NoPendingLogin, "pending login is unreadable"))
    }
}

/// The URL to send the browser to, and what to keep until the callback.
#[derive(Clone, Debug)]
pub struct AuthorizationRequest {
    /// The provider's authorization URL with every parameter.
    pub url: String,
    /// To store in the session.
    pub pending: PendingLogin,
}

/// A random URL-safe string of `bytes` bytes of CSPRNG output (43 chars for 32 bytes).
pub fn random_token(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::new(ErrorCode::InvalidConfig, "system random generator failed"))?;
    Ok(b64url(&buf))
}

/// Builds the authorization request.
pub fn authorization_request(
    provider: &Provider,
    config: &ClientConfig,
    options: &LoginOptions,
    now: u64,
) -> Result<AuthorizationRequest> {
    let state = random_token(32)?;
    let nonce = random_token(32)?;
    authorization_request_with_state(provider, config, options, state, nonce, now)
}

/// Like [`authorization_request`], with a `state` and `nonce` chosen by the host (Keycloak's
/// broker owns them). Both must be at least the provider's minimum length and URL-safe.
pub fn authorization_request_with_state(
    provider: &Provider,
    config: &ClientConfig,
    options: &LoginOptions,
    state: String,
    nonce: String,
    now: u64,
) -> Result<AuthorizationRequest> {
    let refuse = |m: String| Err(Error::new(ErrorCode::InvalidRequest, m));
    for (name, value) in [("state", &state), ("nonce", &nonce)] {
        if value.len() < provider.min_state_len || value.len() > 512 {
            return refuse(format!(
                "{name} must be {} to 512 characters long",
                provider.min_state_len
            ));
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return refuse(format!(
                "{name} must not contain spaces or control characters"
            ));
        }
    }
    let min_acr = options.acr.as_deref().or(config.policy.acr.as_deref());
    let mode = match options.require_mfa {
        Some(true) => MfaMode::Require,
        Some(false) => MfaMode::Off,
        None => config.policy.mfa_mode(),
    };
    let acr = AcrRequirement::with_mode(provider.kind, min_acr, mode)?;

    let mut params: Vec<(&str, String)> = vec![
        ("response_type", "code".into()),
        ("client_id", config.client_id.clone()),
        ("redirect_uri", config.redirect_uri.clone()),
        ("scope", config.scopes(provider).join(" ")),
        ("state", state.clone()),
        ("nonce", nonce.clone()),
    ];
    match provider.acr_request {
        AcrRequestStyle::ClaimsParameter => params.push(("claims", claims_parameter(&acr))),
        AcrRequestStyle::AcrValues => params.push(("acr_values", "eidas1".into())),
    }
    let code_verifier = if provider.supports_pkce && config.use_pkce.unwrap_or(true) {
        let verifier = random_token(32)?;
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        params.push(("code_challenge", b64url(digest.as_ref())));
        params.push(("code_challenge_method", "S256".into()));
        Some(verifier)
    } else {
        None
    };
    if let Some(prompt) = &options.prompt {
        let values: Vec<&str> = prompt.split_whitespace().collect();
        let known = values
            .iter()
            .all(|v| matches!(*v, "login" | "consent" | "none"));
        if values.is_empty() || !known || (values.contains(&"none") && values.len() > 1) {
            return refuse(format!("unsupported prompt `{prompt}`"));
        }
        params.push(("prompt", values.join(" ")));
    }
    if let Some(hint) = &options.login_hint {
        if provider.kind == ProviderKind::ProConnect && !looks_like_email(hint) {
            return refuse("login_hint must be an email address for ProConnect".into());
        }
        params.push(("login_hint", hint.clone()));
    }
    if let Some(hint) = &options.idp_hint {
        params.push(("idp_hint", hint.clone()));
    }
    if let Some(hint) = &options.siret_hint {
        if hint.len() != 14 || !hint.bytes().all(|b| b.is_ascii_digit()) {
            return refuse("siret_hint must be 14 digits".into());
        }
        params.push(("siret_hint", hint.clone()));
    }
    for (name, value) in &options.extra_params {
        if params.iter().any(|(n, _)| n == name) {
            return refuse(format!("parameter `{name}` is set by the library"));
        }
        params.push((name.as_str(), value.clone()));
    }
    for (name, _) in &params {
        if !provider.allowed_authorize_params.iter().any(|a| a == name) {
            return refuse(format!(
                "{} does not accept the authorization parameter `{name}`",
                provider.kind.display_name()
            ));
        }
    }
    let mut url = url::Url::parse(&provider.endpoints.authorization).map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("invalid authorization endpoint: {e}"),
        )
    })?;
    url.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    let next =
        match &options.next {
            Some(n) => Some(safe_next_path(n).ok_or_else(|| {
                Error::new(ErrorCode::InvalidRequest, "`next` must be a local path")
            })?),
            None => None,
        };
    Ok(AuthorizationRequest {
        url: url.into(),
        pending: PendingLogin {
            provider: provider.kind,
            client_id: config.client_id.clone(),
            state,
            nonce,
            code_verifier,
            redirect_uri: config.redirect_uri.clone(),
            acr,
            created_at: now,
            next,
            expected_sub: options.step_up_sub.clone(),
        },
    })
}

/// ProConnect's `claims` parameter: acr as essential values when a level is required (the
/// returned acr is checked anyway), amr always asked for.
fn claims_parameter(acr: &AcrRequirement) -> String {
    let acr_claim = match &acr.accepted {
        // "Prefer MFA": the MFA levels as voluntary claims, so ProConnect never forces an
        // enrolment, and the returned acr tells whether MFA happened.
        None if acr.prefer_mfa => {
            serde_json::json!({ "essential": false, "values": PROCONNECT_MFA_VALUES })
        }
        None => serde_json::Value::Null,
        Some(values) if values.len() == 1 => {
            serde_json::json!({ "essential": true, "value": values[0] })
        }
        Some(values) => serde_json::json!({ "essential": true, "values": values }),
    };
    serde_json::json!({ "id_token": { "acr": acr_claim, "amr": null } }).to_string()
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Returns `next` when it is a path on this site, `None` otherwise. Refuses absolute and
/// scheme-relative URLs (`//evil`, `/\evil`, `https:…`), control characters, and their
/// percent-encoded forms.
pub fn safe_next_path(next: &str) -> Option<String> {
    if next.len() > 2048 {
        return None;
    }
    let decoded: String = url::form_urlencoded::parse(format!("x={next}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    for candidate in [next, decoded.as_str()] {
        let bytes = candidate.as_bytes();
        if bytes.first() != Some(&b'/') {
            return None;
        }
        if matches!(bytes.get(1), Some(b'/') | Some(b'\\')) {
            return None;
        }
        if candidate.chars().any(|c| c.is_control() || c == '\\') {
            return None;
        }
    }
    Some(next.to_string())
}

/// Query parameter marking a login request already sent once to the redirect URI's origin.
const ORIGIN_MARKER: &str = "gouvconnect_origin";

/// Where a login request should go first so that the provider comes back to the host name that
/// holds the session: `request_url` (the full URL of the login request, as the host sees it)
/// moved to `redirect_uri`'s origin when the two differ, else `None`.
///
/// A session cookie set on `127.0.0.1` is not sent to `localhost` (nor between `www.` and the
/// bare domain), so a login started on the wrong name would come back sessionless. Only a
/// difference of host or port with the same scheme moves the request (a TLS-terminating proxy
/// shows the host `http` where the redirect URI says `https`), and at most once: the moved URL
/// carries a marker, so a proxy that rewrites the `Host` header cannot make it loop.
///
/// ```
/// use gouvconnect::login_origin_redirect;
/// assert_eq!(
///     login_origin_redirect("http://localhost:8000/auth/callback", "http://127.0.0.1:8000/auth/login?next=/me").as_deref(),
///     Some("http://localhost:8000/auth/login?next=/me&gouvconnect_origin=1"),
/// );
/// assert_eq!(login_origin_redirect("http://localhost:8000/auth/callback", "http://localhost:8000/auth/login"), None);
/// ```
pub fn login_origin_redirect(redirect_uri: &str, request_url: &str) -> Option<String> {
    let target = url::Url::parse(redirect_uri).ok()?;
    let request = url::Url::parse(request_url).ok()?;
    if target.scheme() != request.scheme()
        || !matches!(target.scheme(), "http" | "https")
        || target.origin() == request.origin()
        || request.query_pairs().any(|(k, _)| k == ORIGIN_MARKER)
    {
        return None;
    }
    let mut moved = target;
    moved.set_path(request.path());
    moved.set_query(request.query());
    moved.set_fragment(None);
    moved.query_pairs_mut().append_pair(ORIGIN_MARKER, "1");
    Some(moved.into())
}

/// Parses the callback query and returns the authorization code.
///
/// Checks, in order: a provider `error` (with a matching state) → `provider_error`; the
/// `state` → `state_mismatch`; the login's age → `no_pending_login`; RFC 9207 `iss` when
/// present → `issuer_mismatch`; a `code` → `invalid_request`.
pub fn parse_callback(
    provider: &Provider,
    pending: &PendingLogin,
    query: &str,
    now: u64,
) -> Result<String> {
    if query.len() > limits::MAX_CALLBACK_QUERY_BYTES {
        return Err(Error::new(
            ErrorCode::InvalidRequest,
            "callback query too long",
        ));
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut code = None;
    let mut state = None;
    let mut iss = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match k.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "iss" => &mut iss,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_some() {
            return Err(Error::new(
                ErrorCode::InvalidRequest,
                format!("callback parameter `{k}` is repeated"),
            ));
        }
        *slot = Some(v.into_owned());
    }
    let state_ok = state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), pending.state.as_bytes()));
    if let Some(error) = error {
        if state.is_some() && !state_ok {
            return Err(Error::new(
                ErrorCode::StateMismatch,
                "callback state does not match the pending login",
            ));
        }
        let refused = Error::from_provider(&error, description.as_deref());
        if refused.code() == ErrorCode::AcrInsufficient && pending.acr.mfa {
            // The provider could not meet the essential MFA levels this login required.
            return Err(refused.with_code(ErrorCode::MfaRequired));
        }
        return Err(refused);
    }
    if !state_ok {
        return Err(Error::new(
            ErrorCode::StateMismatch,
            "callback state does not match the pending login",
        ));
    }
    if pending.provider != provider.kind {
        return Err(Error::new(
            ErrorCode::NoPendingLogin,
            "the pending login belongs to another provider",
        ));
    }
    if now.saturating_sub(pending.created_at) > PENDING_LOGIN_TTL_SECS {
        return Err(Error::new(
            ErrorCode::NoPendingLogin,
            "the login attempt has expired",
        ));
    }
    if let Some(iss) = iss {
        if iss != provider.endpoints.issuer {
            return Err(Error::new(
                ErrorCode::IssuerMismatch,
                "callback `iss` is not the provider's issuer",
            ));
        }
    }
    match code {
        Some(c) if !c.is_empty() => Ok(c),
        _ => Err(Error::new(
            ErrorCode::InvalidRequest,
            "callback has no `code`",
        )),
    }
}

/// Compares two secrets without an early exit.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefer_mfa_asks_voluntarily_and_step_up_options() {
        let p = Provider::preset(ProviderKind::ProConnect, Environment::Integration).unwrap();
        let mut c = ClientConfig::new(
            ProviderKind::ProConnect,
            "id",
            "secret",
            "https://app.example/auth/callback",
        );
        c.policy.mfa = Some(MfaMode::Prefer);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 1000).unwrap();
        let claims: serde_json::Value = url::Url::parse(&r.url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "claims")
            .map(|(_, v)| serde_json::from_str(&v).unwrap())
            .unwrap();
        assert_eq!(claims["id_token"]["acr"]["essential"], false);
        assert_eq!(
            claims["id_token"]["acr"]["values"],
            serde_json::json!(PROCONNECT_MFA_VALUES)
        );
        // Step-up: the level, the email as login_hint, the same person expected back.
        let identity: Identity = serde_json::from_value(serde_json::json!({
            "provider": "proconnect", "sub": "s-1", "email": "a@b.gouv.fr", "email_verified": null,
            "given_name": null, "family_name": null, "acr": "eidas1", "amr": [],
            "proconnect": null, "prosanteconnect": null, "raw": {"id_token": {}, "userinfo": {}}
        }))
        .unwrap();
        let options = LoginOptions::step_up(&identity, "eidas2");
        assert_eq!(options.login_hint.as_deref(), Some("a@b.gouv.fr"));
        assert_eq!(options.prompt, None);
        let r = authorization_request(&p, &c, &options, 1000).unwrap();
        assert_eq!(r.pending.expected_sub.as_deref(), Some("s-1"));
        assert!(r.url.contains("login_hint=a%40b.gouv.fr"));
        let psc = Identity {
            provider: ProviderKind::ProSanteConnect,
            ..identity
        };
        let options = LoginOptions::step_up(&psc, "eidas2");
        assert_eq!(options.login_hint, None);
        assert_eq!(options.prompt.as_deref(), Some("login"));
    }

    #[test]
    fn login_origin_moves_once_to_the_redirect_host() {
        let redirect = "http://localhost:8000/auth/callback";
        let moved = login_origin_redirect(redirect, "http://127.0.0.1:8000/auth/login?next=%2Fme")
            .expect("moved");
        assert_eq!(
            moved,
            "http://localhost:8000/auth/login?next=%2Fme&gouvconnect_origin=1"
        );
        // Never twice (a proxy rewriting Host would otherwise loop).
        assert_eq!(
            login_origin_redirect(redirect, &moved.replace("localhost", "127.0.0.1")),
            None
        );
        // Same origin, a TLS-terminating proxy, a port difference, garbage.
        assert_eq!(
            login_origin_redirect(redirect, "http://localhost:8000/auth/login"),
            None
        );
        assert_eq!(
            login_origin_redirect(
                "https://app.example/auth/callback",
                "http://10.0.0.5:8000/auth/login"
            ),
            None
        );
        assert!(login_origin_redirect(redirect, "http://localhost:9000/auth/login").is_some());
        assert_eq!(login_origin_redirect("not a url", "http://x/"), None);
    }

    use super::*;
    use crate::provider::Environment;

    fn setup(kind: ProviderKind, env: Environment) -> (Provider, ClientConfig) {
        let p = Provider::preset(kind, env).unwrap();
        let c = ClientConfig::new(kind, "cid", "secret", "https://app.example/auth/callback");
        (p, c)
    }

    fn params(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }

    #[test]
    fn proconnect_request_has_claims_and_pkce_and_long_state() {
        let (p, mut c) = setup(ProviderKind::ProConnect, Environment::Integration);
        c.policy.acr = Some("eidas2".into());
        let r = authorization_request(&p, &c, &LoginOptions::default(), 100).unwrap();
        let q = params(&r.url);
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert!(get("state").unwrap().len() >= 32);
        assert!(get("nonce").unwrap().len() >= 32);
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert!(get("acr_values").is_none());
        let claims: serde_json::Value = serde_json::from_str(&get("claims").unwrap()).unwrap();
        assert_eq!(claims["id_token"]["acr"]["essential"], true);
        assert_eq!(
            claims["id_token"]["acr"]["values"],
            serde_json::json!(["eidas2", "eidas3"])
        );
        assert_eq!(get("scope").unwrap().split(' ').next(), Some("openid"));
        let again = authorization_request(&p, &c, &LoginOptions::default(), 100).unwrap();
        assert_ne!(again.pending.state, r.pending.state);
    }

    #[test]
    fn psc_request_sends_acr_values_and_scope_all() {
        let (p, c) = setup(ProviderKind::ProSanteConnect, Environment::Sandbox);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 0).unwrap();
        assert!(r
            .url
            .starts_with("https://wallet.bas.psc.esante.gouv.fr/auth?"));
        let q = params(&r.url);
        assert!(q.contains(&("acr_values".into(), "eidas1".into())));
        assert!(q.contains(&("scope".into(), "openid scope_all".into())));
    }

    #[test]
    fn refuses_parameters_the_provider_rejects() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let bad = |o: LoginOptions| authorization_request(&p, &c, &o, 0).unwrap_err().code();
        let mut o = LoginOptions::default();
        o.extra_params.push(("foo".into(), "bar".into()));
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            prompt: Some("select_account".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            prompt: Some("none login".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            login_hint: Some("not-an-email".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            siret_hint: Some("123".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let o = LoginOptions {
            next: Some("//evil.example".into()),
            ..Default::default()
        };
        assert_eq!(bad(o), ErrorCode::InvalidRequest);
        let (psc, pc) = setup(ProviderKind::ProSanteConnect, Environment::Sandbox);
        let o = LoginOptions {
            idp_hint: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            authorization_request(&psc, &pc, &o, 0).unwrap_err().code(),
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn host_chosen_state_must_be_long_enough() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let o = LoginOptions::default();
        let short = authorization_request_with_state(&p, &c, &o, "abc".into(), "x".repeat(40), 0);
        assert_eq!(short.unwrap_err().code(), ErrorCode::InvalidRequest);
        let ok = authorization_request_with_state(&p, &c, &o, "s".repeat(40), "n".repeat(40), 0)
            .unwrap();
        assert_eq!(ok.pending.state, "s".repeat(40));
    }

    #[test]
    fn next_paths() {
        for ok in ["/", "/a/b?c=d", "/%20x"] {
            assert_eq!(safe_next_path(ok).as_deref(), Some(ok));
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "%2F%2Fevil.example",
            "/%2Fevil.example",
            "/%5Cevil.example",
            "evil",
            "",
            "/\nx",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn callback_checks() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 1000).unwrap();
        let s = &r.pending.state;
        let ok = format!("code=abc&state={s}");
        assert_eq!(parse_callback(&p, &r.pending, &ok, 1001).unwrap(), "abc");
        let err = |q: &str, now| parse_callback(&p, &r.pending, q, now).unwrap_err().code();
        assert_eq!(err("code=abc&state=zzz", 1001), ErrorCode::StateMismatch);
        assert_eq!(err("code=abc", 1001), ErrorCode::StateMismatch);
        assert_eq!(
            err(&format!("error=access_denied&state={s}"), 1001),
            ErrorCode::ProviderAccessDenied
        );
        assert_eq!(
            err(&format!("error=server_error&state={s}"), 1001),
            ErrorCode::ProviderError
        );
        assert_eq!(
            err("error=access_denied&state=other", 1001),
            ErrorCode::StateMismatch
        );
        assert_eq!(
            err(&ok, 1000 + PENDING_LOGIN_TTL_SECS + 1),
            ErrorCode::NoPendingLogin
        );
        assert_eq!(err(&format!("state={s}"), 1001), ErrorCode::InvalidRequest);
        assert_eq!(
            err(&format!("code=a&code=b&state={s}"), 1001),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            err(&format!("code=a&state={s}&iss=https://evil"), 1001),
            ErrorCode::IssuerMismatch
        );
    }

    #[test]
    fn pending_round_trips_and_hides_secrets() {
        let (p, c) = setup(ProviderKind::ProConnect, Environment::Integration);
        let r = authorization_request(&p, &c, &LoginOptions::default(), 5).unwrap();
        let back = PendingLogin::from_json(&r.pending.to_json()).unwrap();
        assert_eq!(back, r.pending);
        assert!(!format!("{:?}", r.pending).contains(&r.pending.state));
        assert_eq!(
            PendingLogin::from_json("{").unwrap_err().code(),
            ErrorCode::NoPendingLogin
        );
    }
}
