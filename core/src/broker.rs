//! Steps for a host that keeps its own login flow and its own HTTP client — Keycloak's broker
//! above all, and any binding that sends the requests itself.
//!
//! Such a host would otherwise re-implement rules that belong here: how each HTTP answer of a
//! login is judged and when the keys are fetched again, which of a relying party's request
//! parameters reach the provider (level, `login_hint`, `prompt`, step-up), where a custom
//! issuer's discovery document lives, the account name of a brokered user, and a logout `state`
//! the host can find its own session by. The host only moves bytes between these steps.

use serde::{Deserialize, Serialize};

use crate::claims::Identity;
use crate::client::{Client, HttpRequest, Login, UserinfoResponse};
use crate::config::ClientConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::limits;
use crate::login::{looks_like_email, AuthorizationRequest, LoginOptions, PendingLogin};
use crate::logout::PendingLogout;
use crate::policy::AcrRequirement;
use crate::provider::{Provider, ProviderKind};
use crate::secure::random_token;
use crate::verify::parse_token_response;

/// An HTTP answer as the host received it.
#[derive(Clone, Copy)]
pub struct HttpAnswer<'a> {
    /// Status code.
    pub status: u16,
    /// `Content-Type` header, when present.
    pub content_type: Option<&'a str>,
    /// Body bytes.
    pub body: &'a [u8],
}

impl std::fmt::Debug for HttpAnswer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bodies carry tokens.
        f.debug_struct("HttpAnswer")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// Which answer a [`LoginExchange`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stage {
    Token,
    Userinfo,
    Keys,
}

/// A login between the callback and the verified identity: the requests still to send and what
/// their answers were. Serialisable, so that a host calling through a language boundary can
/// hold it between its own sends; it holds the tokens, so it never goes into a session or a
/// log.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginExchange {
    pending: PendingLogin,
    stage: Stage,
    /// The token endpoint's answer (JSON), verified with the userinfo.
    tokens: Option<String>,
    /// The userinfo answer's `Content-Type` and body.
    userinfo_type: Option<String>,
    userinfo: Option<String>,
    /// Whether this login already fetched the keys (at most once).
    keys_fetched: bool,
}

impl std::fmt::Debug for LoginExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginExchange")
            .field("stage", &self.stage)
            .field("keys_fetched", &self.keys_fetched)
            .finish_non_exhaustive()
    }
}

/// What the host does after an answer.
#[derive(Debug)]
pub enum ExchangeStep {
    /// Send this request and hand its answer to [`Client::advance_login`] with the exchange.
    Send(Box<LoginExchange>, HttpRequest),
    /// The login is verified.
    Done(Box<Login>),
}

impl LoginExchange {
    /// Serialises, to hold across the host's send (never into a session: it carries tokens).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads back what [`LoginExchange::to_json`] wrote.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|_| Error::new(ErrorCode::InvalidRequest, "login exchange is unreadable"))
    }
}

impl Client {
    /// Starts the exchange that follows a checked callback: the token request for `code`, and
    /// the exchange that judges its answer.
    pub fn start_exchange(
        &self,
        pending: PendingLogin,
        code: &str,
    ) -> (LoginExchange, HttpRequest) {
        let request = self.token_request(&pending, code);
        (LoginExchange::waiting_for_tokens(pending), request)
    }

    /// An exchange for a host that built and sent the token request itself (Keycloak's broker):
    /// its next answer is the token endpoint's.
    pub fn exchange_after_own_token_request(&self, pending: PendingLogin) -> LoginExchange {
        LoginExchange::waiting_for_tokens(pending)
    }

    /// Judges the answer to the request the exchange last asked for, and says what comes next:
    /// the userinfo request after the tokens, the JWKS when the keys are missing or do not know
    /// the token's `kid` (once per login: a second miss is `unknown_key`), or the verified
    /// login ([`Client::finish_login`]).
    pub fn advance_login(
        &self,
        mut exchange: LoginExchange,
        answer: HttpAnswer<'_>,
        now: u64,
    ) -> Result<ExchangeStep> {
        match exchange.stage {
            Stage::Token => {
                let tokens = parse_token_response(answer.status, answer.body)?;
                let request = self.userinfo_request(&tokens.access_token);
                // parse_token_response accepted it as JSON: UTF-8.
                exchange.tokens = Some(String::from_utf8_lossy(answer.body).into_owned());
                exchange.stage = Stage::Userinfo;
                Ok(ExchangeStep::Send(Box::new(exchange), request))
            }
            Stage::Userinfo => {
                let body = userinfo_answer(answer)?;
                exchange.userinfo_type = answer.content_type.map(str::to_string);
                exchange.userinfo = Some(body.to_string());
                self.verify_or_fetch_keys(exchange, now)
            }
            Stage::Keys => {
                if answer.status != 200 {
                    return Err(Error::new(
                        ErrorCode::ProviderUnavailable,
                        format!("JWKS endpoint answered HTTP {}", answer.status),
                    ));
                }
                self.set_jwks(answer.body)?;
                self.verify_or_fetch_keys(exchange, now)
            }
        }
    }

    fn verify_or_fetch_keys(&self, mut exchange: LoginExchange, now: u64) -> Result<ExchangeStep> {
        let token_text = exchange.tokens.as_deref().unwrap_or_default();
        let tokens = parse_token_response(200, token_text.as_bytes())?;
        let userinfo = exchange.userinfo.as_deref().map(|body| UserinfoResponse {
            content_type: exchange.userinfo_type.as_deref(),
            body: body.as_bytes(),
        });
        match self.finish_login(&exchange.pending, &tokens, userinfo, now) {
            Err(e) if e.code() == ErrorCode::UnknownKey && !exchange.keys_fetched => {
                // No keys yet, or the provider rotated them: fetch the JWKS once.
                exchange.keys_fetched = true;
                exchange.stage = Stage::Keys;
                let request = HttpRequest::get_json(&self.provider().endpoints.jwks);
                Ok(ExchangeStep::Send(Box::new(exchange), request))
            }
            Err(e) => Err(e),
            Ok(login) => Ok(ExchangeStep::Done(Box::new(login))),
        }
    }
}

impl LoginExchange {
    fn waiting_for_tokens(pending: PendingLogin) -> LoginExchange {
        LoginExchange {
            pending,
            stage: Stage::Token,
            tokens: None,
            userinfo_type: None,
            userinfo: None,
            keys_fetched: false,
        }
    }
}

/// Judges the userinfo endpoint's answer: a 5xx is `provider_unavailable`, another status
/// than 200 the provider refusing the access token (`provider_error`), a body over the limit
/// `response_too_large`; returns the body as text (verified later).
pub fn userinfo_answer<'a>(answer: HttpAnswer<'a>) -> Result<&'a str> {
    if answer.status >= 500 {
        return Err(Error::new(
            ErrorCode::ProviderUnavailable,
            format!("userinfo endpoint answered HTTP {}", answer.status),
        ));
    }
    if answer.status != 200 {
        return Err(Error::from_provider(
            "invalid_token",
            Some(&format!(
                "userinfo endpoint answered HTTP {}",
                answer.status
            )),
        ));
    }
    if answer.body.len() > limits::MAX_USERINFO_BYTES {
        return Err(Error::new(
            ErrorCode::ResponseTooLarge,
            "userinfo response too large",
        ));
    }
    std::str::from_utf8(answer.body)
        .map_err(|_| Error::new(ErrorCode::MalformedResponse, "userinfo is not UTF-8"))
}

/// Where the discovery document of a custom `issuer` lives for a federation (Pro Santé Connect
/// publishes its own under a non-standard name). Refuses an issuer the core would refuse
/// (`invalid_config`).
pub fn discovery_url(kind: ProviderKind, issuer: &str) -> Result<String> {
    Ok(Provider::custom(kind, issuer)?.endpoints.discovery)
}

/// Judges the answer to the discovery request of [`discovery_url`]: the document on 200, else
/// `provider_unavailable` naming the URL (configuration, not a secret) and, for a ProConnect
/// issuer that does not end with `/api/v2`, where it should.
pub fn discovery_answer<'a>(
    kind: ProviderKind,
    url: &str,
    answer: HttpAnswer<'a>,
) -> Result<&'a [u8]> {
    if answer.status == 200 {
        return Ok(answer.body);
    }
    let hint = if kind == ProviderKind::ProConnect && !url.contains("/api/v2/") {
        " (a ProConnect issuer ends with /api/v2)"
    } else {
        ""
    };
    Err(Error::new(
        ErrorCode::ProviderUnavailable,
        format!("discovery {url} answered HTTP {}{hint}", answer.status),
    ))
}

/// The account name of a brokered user: the email when there is one (ProConnect); for Pro
/// Santé Connect, which sends no email, the professional's identifier named after its register
/// (`rpps-10001234567`, `adeli-123456789`), else the national identifier (`psc-…`); else the
/// provider's `sub`.
pub fn account_username(identity: &Identity) -> String {
    if let Some(email) = identity.email.as_deref().filter(|e| !e.is_empty()) {
        return email.to_string();
    }
    if let Some(psc) = &identity.prosanteconnect {
        for (register, value) in [("rpps", &psc.rpps), ("adeli", &psc.adeli)] {
            if let Some(id) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                return format!("{register}-{id}");
            }
        }
        if let Some(id) = psc.national_id.as_deref().filter(|v| !v.is_empty()) {
            return format!("psc-{id}");
        }
    }
    identity.sub.clone()
}

/// What a relying party asked the host for, when the host forwards its login to the provider
/// (Keycloak: its client's authorization request), and who is already signed in there.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForwardedRequest {
    /// The relying party's `acr_values` (space-separated).
    pub acr_values: Option<String>,
    /// Its `claims` parameter (JSON text): the id_token's `acr` `value` or `values`.
    pub claims: Option<String>,
    /// Its `login_hint`.
    pub login_hint: Option<String>,
    /// Its `prompt`.
    pub prompt: Option<String>,
    /// The user this browser is signed in as at the host through this provider, if any.
    pub signed_in: Option<SignedIn>,
}

/// A user signed in at the host through this provider.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignedIn {
    /// The provider's `sub` the account is linked to.
    pub sub: String,
    /// The account's email.
    pub email: Option<String>,
    /// The level the provider returned at that login.
    pub acr: Option<String>,
}

/// The login options for a forwarded request: the level — the first value the relying party
/// asked for that the federation defines (other names, e.g. Keycloak's own levels, are
/// skipped) and that is at least the configured minimum (a client never lowers it); a
/// `login_hint` only to ProConnect and only an email address; `prompt` `none` (silent login) or
/// `login` only. A level above the one a signed-in user holds is a step-up
/// ([`LoginOptions::step_up`]'s rule: ProConnect's `login_hint` from the account's email,
/// `prompt=login` at Pro Santé Connect, the same `sub` required back).
pub fn forwarded_login_options(config: &ClientConfig, request: &ForwardedRequest) -> LoginOptions {
    let kind = config.provider;
    let proconnect = kind == ProviderKind::ProConnect;
    let acr = requested_acr(kind, config.policy.acr.as_deref(), request);
    let prompt = request
        .prompt
        .as_deref()
        .map(str::trim)
        .filter(|p| matches!(*p, "none" | "login"))
        .map(str::to_string);
    let mut options = LoginOptions {
        login_hint: request
            .login_hint
            .as_deref()
            .filter(|h| proconnect && looks_like_email(h))
            .map(str::to_string),
        prompt,
        acr: acr.clone(),
        ..LoginOptions::default()
    };
    let silent = options.prompt.as_deref() == Some("none");
    if let (Some(acr), Some(user), false) = (acr, &request.signed_in, silent) {
        let holds = accepted(kind, Some(&acr))
            .zip(user.acr.as_deref())
            .is_some_and(|(wanted, held)| wanted.iter().any(|w| w == held));
        if !user.sub.is_empty() && !holds {
            options.step_up_sub = Some(user.sub.clone());
            options.login_hint = user
                .email
                .clone()
                .filter(|e| proconnect && looks_like_email(e));
            options.prompt = (!proconnect).then(|| "login".to_string());
        }
    }
    options
}

/// The acr values a minimum accepts (`None`: any, or a value the federation does not define).
fn accepted(kind: ProviderKind, minimum: Option<&str>) -> Option<Vec<String>> {
    let minimum = minimum.map(str::trim).filter(|m| !m.is_empty())?;
    AcrRequirement::for_provider(kind, Some(minimum), false)
        .ok()?
        .accepted
}

fn requested_acr(
    kind: ProviderKind,
    configured: Option<&str>,
    request: &ForwardedRequest,
) -> Option<String> {
    let mut values: Vec<String> = request
        .acr_values
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if let Some(claims) = request.claims.as_deref() {
        // An unreadable claims parameter forwards nothing (the host refuses it on its own).
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(claims) {
            let acr = &value["id_token"]["acr"];
            if let Some(v) = acr["value"].as_str() {
                values.push(v.to_string());
            }
            if let Some(list) = acr["values"].as_array() {
                values.extend(list.iter().filter_map(|v| v.as_str()).map(str::to_string));
            }
        }
    }
    let floor = accepted(kind, configured);
    values
        .into_iter()
        .find(|value| match accepted(kind, Some(value)) {
            None => false,
            // Stronger or equal: every value it accepts, the configured minimum accepts too.
            Some(wanted) => floor
                .as_ref()
                .is_none_or(|floor| wanted.iter().all(|w| floor.contains(w))),
        })
}

impl Client {
    /// [`Client::begin_login`] with the host's `state` (Keycloak's broker owns it); the core
    /// draws the nonce, which only the core checks.
    pub fn begin_login_for_state(
        &self,
        options: &LoginOptions,
        state: String,
        now: u64,
    ) -> Result<AuthorizationRequest> {
        let nonce = random_token(32)?;
        self.begin_login_with_state(options, state, nonce, now)
    }
}

impl PendingLogin {
    /// The PKCE verifier of this login, for a host that sends the token request itself.
    pub fn pkce_verifier(&self) -> Option<&str> {
        self.code_verifier.as_deref()
    }
}

/// The separator between the host's session binding and the core's random part of a logout
/// `state` (the random part is base64url: no dot).
const BINDING_SEPARATOR: char = '.';

impl Client {
    /// The end-session redirect for a host that finds its session by the returned `state`
    /// (Keycloak: its user session id): the state is `binding` followed by the core's random
    /// part, checked whole on return ([`Client::verify_logout_return`]); the host's own
    /// `post_logout_redirect_uri` when given (a route of the host), else the configured one.
    /// `None` without an end-session endpoint.
    pub fn logout_request_bound(
        &self,
        id_token_hint: Option<&str>,
        binding: &str,
        post_logout_redirect_uri: Option<&str>,
    ) -> Result<Option<crate::LogoutRequest>> {
        if binding.is_empty()
            || binding.len() > 256
            || binding.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(Error::new(
                ErrorCode::InvalidRequest,
                "a logout binding is 1 to 256 printable characters",
            ));
        }
        let Some(mut request) = self.logout_request(id_token_hint)? else {
            return Ok(None);
        };
        let state = format!("{binding}{BINDING_SEPARATOR}{}", request.pending.state);
        let mut url = url::Url::parse(&request.url).map_err(|e| {
            Error::new(
                ErrorCode::InvalidConfig,
                format!("invalid end-session URL: {e}"),
            )
        })?;
        let mut pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| post_logout_redirect_uri.is_none() || k != "post_logout_redirect_uri")
            .map(|(k, v)| {
                let v = if k == "state" {
                    state.clone()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        if let Some(uri) = post_logout_redirect_uri {
            pairs.push(("post_logout_redirect_uri".into(), uri.to_string()));
        }
        url.query_pairs_mut().clear().extend_pairs(pairs);
        request.url = url.into();
        request.pending.state = state;
        Ok(Some(request))
    }
}

/// The host's session binding in a logout callback's `state` ([`Client::logout_request_bound`]),
/// for the host to find its pending logout; `None` when the state carries none.
pub fn logout_binding(query: &str) -> Option<String> {
    if query.len() > limits::MAX_CALLBACK_QUERY_BYTES {
        return None;
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let state = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())?;
    let (binding, _) = state.rsplit_once(BINDING_SEPARATOR)?;
    (!binding.is_empty()).then(|| binding.to_string())
}

impl Client {
    /// Checks a logout callback against the pending logout the host found for it; none found
    /// (an unknown or forged state) is `logout_state_mismatch` too.
    pub fn verify_logout_return(&self, pending: Option<&PendingLogout>, query: &str) -> Result<()> {
        match pending {
            Some(pending) => self.verify_logout_callback(pending, query),
            None => Err(Error::new(
                ErrorCode::LogoutStateMismatch,
                "no logout in progress for this state",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ClientConfig;
    use crate::Environment;

    /// A key set with one EC key (RFC 7515 A.3's) under another kid than the token's.
    const OTHER_KEY: &[u8] = br#"{"keys":[{"kty":"EC","crv":"P-256","kid":"other","alg":"ES256","use":"sig","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;

    fn answer(status: u16, body: &[u8]) -> HttpAnswer<'_> {
        HttpAnswer {
            status,
            content_type: None,
            body,
        }
    }

    fn client(kind: ProviderKind) -> Client {
        let mut c = ClientConfig::new(kind, "cid", "secret", "https://app.example/cb");
        c.environment = Some(match kind {
            ProviderKind::ProConnect => Environment::Integration,
            _ => Environment::Sandbox,
        });
        c.post_logout_redirect_uri = Some("https://app.example/out".into());
        Client::new(c).unwrap()
    }

    #[test]
    fn callback_iss_required_where_advertised_and_login_bound_to_its_client() {
        let c = client(ProviderKind::ProSanteConnect);
        assert!(c.provider().authorization_response_iss_parameter_supported);
        let r = c.begin_login_at(&LoginOptions::default(), 100).unwrap();
        let query = |iss: Option<&str>| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("code", "a")
                .append_pair("state", &r.pending.state);
            if let Some(iss) = iss {
                q.append_pair("iss", iss);
            }
            q.finish()
        };
        let issuer = c.provider().endpoints.issuer.clone();
        assert_eq!(
            c.parse_callback(&r.pending, &query(Some(&issuer)), 101)
                .unwrap(),
            "a"
        );
        for forged in [None, Some("https://evil.example")] {
            assert_eq!(
                c.parse_callback(&r.pending, &query(forged), 101)
                    .unwrap_err()
                    .code(),
                ErrorCode::IssuerMismatch
            );
        }
        // ProConnect does not advertise it: an absent iss passes, a wrong one does not.
        let pc = client(ProviderKind::ProConnect);
        let r = pc.begin_login_at(&LoginOptions::default(), 100).unwrap();
        let ok = format!("code=a&state={}", r.pending.state);
        assert_eq!(pc.parse_callback(&r.pending, &ok, 101).unwrap(), "a");
        // A login started for another client id never completes here.
        let mut other = r.pending.clone();
        other.client_id = "someone-else".into();
        assert_eq!(
            pc.parse_callback(&other, &ok, 101).unwrap_err().code(),
            ErrorCode::NoPendingLogin
        );
        // Nor one older than the pending login's lifetime.
        assert_eq!(
            pc.parse_callback(&r.pending, &ok, 100 + crate::PENDING_LOGIN_TTL_SECS + 1)
                .unwrap_err()
                .code(),
            ErrorCode::NoPendingLogin
        );
    }

    #[test]
    fn discovery_urls_and_answers() {
        assert_eq!(
            discovery_url(ProviderKind::ProSanteConnect, "http://127.0.0.1:4000/auth/realms/esante-wallet/").unwrap(),
            "http://127.0.0.1:4000/auth/realms/esante-wallet/.well-known/wallet-openid-configuration"
        );
        assert_eq!(
            discovery_url(ProviderKind::ProConnect, "https://fca.example/api/v2").unwrap(),
            "https://fca.example/api/v2/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url(ProviderKind::ProConnect, "ftp://x")
                .unwrap_err()
                .code(),
            ErrorCode::InvalidConfig
        );
        let answer = |status| HttpAnswer {
            status,
            content_type: None,
            body: b"{}",
        };
        let e = discovery_answer(
            ProviderKind::ProConnect,
            "https://x/.well-known/openid-configuration",
            answer(404),
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ProviderUnavailable);
        assert!(e.message().contains("ends with /api/v2"), "{}", e.message());
        assert_eq!(
            discovery_answer(ProviderKind::ProConnect, "u", answer(200)).unwrap(),
            b"{}"
        );
    }

    #[test]
    fn userinfo_statuses() {
        let answer = |status| HttpAnswer {
            status,
            content_type: None,
            body: b"x",
        };
        assert_eq!(
            userinfo_answer(answer(503)).unwrap_err().code(),
            ErrorCode::ProviderUnavailable
        );
        let refused = userinfo_answer(answer(401)).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::ProviderError);
        assert_eq!(userinfo_answer(answer(200)).unwrap(), "x");
        let big = vec![b'a'; limits::MAX_USERINFO_BYTES + 1];
        let big = HttpAnswer {
            status: 200,
            content_type: None,
            body: &big,
        };
        assert_eq!(
            userinfo_answer(big).unwrap_err().code(),
            ErrorCode::ResponseTooLarge
        );
    }

    #[test]
    fn exchange_asks_userinfo_then_keys_once() {
        let c = client(ProviderKind::ProConnect);
        let pending = c
            .begin_login_at(&LoginOptions::default(), 10)
            .unwrap()
            .pending;
        let (exchange, request) = c.start_exchange(pending, "the-code");
        assert_eq!(request.method, "POST");
        let exchange = LoginExchange::from_json(&exchange.to_json()).unwrap();
        let token = |status, body: &'static [u8]| HttpAnswer {
            status,
            content_type: None,
            body,
        };
        assert_eq!(
            c.advance_login(exchange.clone(), token(500, b""), 10)
                .unwrap_err()
                .code(),
            ErrorCode::ProviderUnavailable
        );
        let step = c
            .advance_login(
                exchange,
                token(200, br#"{"access_token":"at","id_token":"a.b.c"}"#),
                10,
            )
            .unwrap();
        let ExchangeStep::Send(exchange, userinfo) = step else {
            panic!("userinfo expected")
        };
        assert_eq!(userinfo.url, c.provider().endpoints.userinfo);
        assert!(!format!("{exchange:?}").contains("at"));
        // The id_token names a key this client does not have: the JWKS, once.
        let c = client(ProviderKind::ProConnect);
        let pending = c
            .begin_login_at(&LoginOptions::default(), 10)
            .unwrap()
            .pending;
        let b64 = |s: &str| crate::jose::b64url(s.as_bytes());
        let id_token = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256","kid":"k1"}"#),
            b64("{}"),
            b64("sig")
        );
        let tokens = format!(r#"{{"access_token":"at","id_token":"{id_token}"}}"#);
        let exchange = c.exchange_after_own_token_request(pending);
        let ExchangeStep::Send(exchange, _) = c
            .advance_login(exchange, answer(200, tokens.as_bytes()), 10)
            .unwrap()
        else {
            panic!("userinfo expected")
        };
        let ExchangeStep::Send(exchange, jwks) =
            c.advance_login(*exchange, answer(200, b"{}"), 10).unwrap()
        else {
            panic!("JWKS expected")
        };
        assert_eq!(jwks.url, c.provider().endpoints.jwks);
        assert_eq!(
            c.advance_login(*exchange.clone(), answer(404, b""), 10)
                .unwrap_err()
                .code(),
            ErrorCode::ProviderUnavailable
        );
        // The fetched keys do not know the kid either: refused, not fetched again.
        assert_eq!(
            c.advance_login(*exchange, answer(200, OTHER_KEY), 10)
                .unwrap_err()
                .code(),
            ErrorCode::UnknownKey
        );
    }

    fn forwarded(kind: ProviderKind, acr: Option<&str>, request: ForwardedRequest) -> LoginOptions {
        let mut c = ClientConfig::new(kind, "cid", "secret", "https://app.example/cb");
        c.policy.acr = acr.map(str::to_string);
        forwarded_login_options(&c, &request)
    }

    #[test]
    fn forwarded_levels_hints_and_prompts() {
        let pc = ProviderKind::ProConnect;
        let o = forwarded(
            pc,
            None,
            ForwardedRequest {
                acr_values: Some("gold eidas2".into()),
                login_hint: Some("not-an-email".into()),
                prompt: Some("select_account".into()),
                ..Default::default()
            },
        );
        assert_eq!(o.acr.as_deref(), Some("eidas2"));
        assert_eq!(o.login_hint, None);
        assert_eq!(o.prompt, None);
        // Never below the configured minimum.
        let o = forwarded(
            pc,
            Some("eidas2"),
            ForwardedRequest {
                acr_values: Some("eidas1".into()),
                claims: Some(r#"{"id_token":{"acr":{"values":["eidas3"]}}}"#.into()),
                login_hint: Some("a@b.gouv.fr".into()),
                prompt: Some("none".into()),
                ..Default::default()
            },
        );
        assert_eq!(o.acr.as_deref(), Some("eidas3"));
        assert_eq!(o.login_hint.as_deref(), Some("a@b.gouv.fr"));
        assert_eq!(o.prompt.as_deref(), Some("none"));
        // Pro Santé Connect takes no login_hint from here.
        let o = forwarded(
            ProviderKind::ProSanteConnect,
            None,
            ForwardedRequest {
                login_hint: Some("a@b.fr".into()),
                ..Default::default()
            },
        );
        assert_eq!(o.login_hint, None);
    }

    #[test]
    fn forwarded_step_up() {
        let user = |acr: &str| SignedIn {
            sub: "s-1".into(),
            email: Some("a@b.gouv.fr".into()),
            acr: Some(acr.into()),
        };
        let ask = |kind, held: &str, prompt: Option<&str>| {
            forwarded(
                kind,
                None,
                ForwardedRequest {
                    acr_values: Some("eidas2".into()),
                    prompt: prompt.map(str::to_string),
                    signed_in: Some(user(held)),
                    ..Default::default()
                },
            )
        };
        let o = ask(ProviderKind::ProConnect, "eidas1", Some("login"));
        assert_eq!(o.step_up_sub.as_deref(), Some("s-1"));
        assert_eq!(o.login_hint.as_deref(), Some("a@b.gouv.fr"));
        assert_eq!(o.prompt, None);
        let o = ask(ProviderKind::ProSanteConnect, "eidas1", None);
        assert_eq!(o.step_up_sub.as_deref(), Some("s-1"));
        assert_eq!(o.prompt.as_deref(), Some("login"));
        assert_eq!(o.login_hint, None);
        // Already at that level, or a silent login: no step-up.
        assert_eq!(
            ask(ProviderKind::ProConnect, "eidas2", None).step_up_sub,
            None
        );
        assert_eq!(
            ask(ProviderKind::ProConnect, "eidas1", Some("none")).step_up_sub,
            None
        );
    }

    #[test]
    fn usernames() {
        let mut identity: Identity = serde_json::from_value(serde_json::json!({
            "provider": "prosanteconnect", "sub": "s", "email": null, "email_verified": null,
            "given_name": null, "family_name": null, "acr": null, "amr": [],
            "proconnect": null, "prosanteconnect": {"national_id": "810100012345", "id_kind": "rpps",
              "rpps": "10001234567", "adeli": null, "civility": null, "organization": null, "exercices": []},
            "raw": {"id_token": {}, "userinfo": {}}
        }))
        .unwrap();
        assert_eq!(account_username(&identity), "rpps-10001234567");
        identity.prosanteconnect.as_mut().unwrap().rpps = None;
        assert_eq!(account_username(&identity), "psc-810100012345");
        identity.prosanteconnect = None;
        assert_eq!(account_username(&identity), "s");
        identity.email = Some("a@b.fr".into());
        assert_eq!(account_username(&identity), "a@b.fr");
    }

    #[test]
    fn bound_logout_state() {
        let c = client(ProviderKind::ProConnect);
        let r = c
            .logout_request_bound(Some("hint"), "session-1", Some("https://kc.example/out"))
            .unwrap()
            .unwrap();
        assert!(r.pending.state.starts_with("session-1."));
        let redirects: Vec<String> = url::Url::parse(&r.url)
            .unwrap()
            .query_pairs()
            .filter(|(k, _)| k == "post_logout_redirect_uri")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(redirects, ["https://kc.example/out"]);
        let state = url::Url::parse(&r.url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        assert_eq!(state, r.pending.state);
        let query = format!("state={state}");
        assert_eq!(logout_binding(&query).as_deref(), Some("session-1"));
        c.verify_logout_return(Some(&r.pending), &query).unwrap();
        let forged = "state=session-1.forged";
        assert_eq!(logout_binding(forged).as_deref(), Some("session-1"));
        for (pending, query) in [(Some(&r.pending), forged), (None, query.as_str())] {
            assert_eq!(
                c.verify_logout_return(pending, query).unwrap_err().code(),
                ErrorCode::LogoutStateMismatch
            );
        }
        assert_eq!(logout_binding("state=nodot"), None);
        assert_eq!(
            c.logout_request_bound(None, "a b", None)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidRequest
        );
    }
}
