//! The native methods of `fr.gouvconnect.keycloak.NativeCore` for Keycloak's broker flow: the
//! core's steps for a host that keeps its own flow and HTTP client (`gouvconnect`'s broker
//! steps). Java moves the bytes; every decision is taken here by the core.

use gouvconnect::{
    account_username, discovery_answer, discovery_url, forwarded_login_options, logout_binding,
    Client, ExchangeStep, ForwardedRequest, HttpAnswer, HttpRequest, Login, LoginExchange, Mapping,
    PendingLogin, PendingLogout, ProviderKind,
};
use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jint, jlong};
use jni::EnvUnowned;
use serde_json::json;

use crate::convert::{
    ascii_json, invalid, new_string, new_utf8, opt_bytes, opt_string, parse, string, utf8, Failure,
    Outcome, ThrowGouvConnect,
};
use crate::entry::{client, unix};

/// `String clientBeginForwardedLogin(long handle, String forwardedJson, String state)`: a login
/// forwarded from a realm client's request (the core's `forwarded_login_options`: level,
/// `login_hint`, `prompt`, step-up), with Keycloak's `state` and a nonce the core draws, as
/// `{"url", "pending", "code_verifier"}` (the PKCE verifier for Keycloak's token request).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientBeginForwardedLogin<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    forwarded: JString<'local>,
    state: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let client = client(handle)?;
        let request: ForwardedRequest = match opt_string(env, &forwarded)? {
            Some(text) => parse(&text, "a forwarded request")?,
            None => ForwardedRequest::default(),
        };
        let options = forwarded_login_options(client.config(), &request);
        let state = string(env, &state, "state")?;
        let login = client.begin_login_for_state(&options, state, gouvconnect::unix_now())?;
        let text = json!({
            "url": login.url,
            "code_verifier": login.pending.pkce_verifier(),
            "pending": login.pending.to_json(),
        })
        .to_string();
        new_string(env, &text)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `byte[] clientExchangeStart(long handle, byte[] pendingJson)`: the exchange that follows
/// Keycloak's own token request (its answer is the next one to judge), as JSON. The login path's
/// texts cross as UTF-8 `byte[]` (NativeClient converts).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientExchangeStart<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pending: JByteArray<'local>,
) -> JByteArray<'local> {
    env.with_env(|env| -> Outcome<JByteArray<'local>> {
        let pending = PendingLogin::from_json(&utf8(env, &pending, "pending")?)?;
        let exchange = client(handle)?.exchange_after_own_token_request(pending);
        new_utf8(env, exchange.to_json().as_bytes())
    })
    .resolve::<ThrowGouvConnect>()
}

/// `byte[] clientExchangeAdvance(long handle, byte[] exchangeJson, int status, String
/// contentType, byte[] body, long now, String mappingJson)`: the core's judgement of the answer
/// to the last request: `{"exchange", "send": {"method", "url", "headers": [[name, value]]}}`
/// for the next request, or `{"login": {…login, "mapped", "email_trusted", "audit",
/// "username"}}` once verified (UTF-8 JSON).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientExchangeAdvance<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    exchange: JByteArray<'local>,
    status: jint,
    content_type: JString<'local>,
    body: JByteArray<'local>,
    now: jlong,
    mapping: JString<'local>,
) -> JByteArray<'local> {
    env.with_env(|env| -> Outcome<JByteArray<'local>> {
        let client = client(handle)?;
        let exchange = LoginExchange::from_json(&utf8(env, &exchange, "exchange")?)?;
        let status = u16::try_from(status).map_err(|_| invalid("HTTP status out of range"))?;
        let content_type = opt_string(env, &content_type)?;
        let body = opt_bytes(env, &body)?.unwrap_or_default();
        let answer = HttpAnswer {
            status,
            content_type: content_type.as_deref(),
            body: &body,
        };
        let text = match client.advance_login(exchange, answer, unix(now))? {
            ExchangeStep::Send(exchange, request) => json!({
                "exchange": exchange.to_json(),
                "send": request_json(&request),
            })
            .to_string()
            .into_bytes(),
            ExchangeStep::Done(login) => {
                let done = verified_login_text(&client, &login, opt_string(env, &mapping)?)?;
                [&b"{\"login\":"[..], &done, b"}"].concat()
            }
        };
        new_utf8(env, &text)
    })
    .resolve::<ThrowGouvConnect>()
}

/// A verified login as Keycloak takes it: the login's fields and what the core derived.
#[derive(serde::Serialize)]
struct VerifiedLogin<'a> {
    #[serde(flatten)]
    login: &'a gouvconnect::Login,
    mapped: &'a gouvconnect::MappedUser,
    /// `Identity::email_trusted`: whether the account's email may be marked verified.
    email_trusted: bool,
    /// The login event's fields (no token, secret, code, state or nonce).
    audit: &'a gouvconnect::AuditEvent,
    /// The Keycloak username (`account_username`).
    username: String,
}

/// The JSON of a verified login for Java (clientExchangeAdvance, clientFinishLogin): the login,
/// the user mapped by `mapping` (the core's default when `None`), `email_trusted`, the login
/// event and the username — straight to ASCII-only JSON bytes (`ascii_json`), without an
/// intermediate JSON value.
pub(crate) fn verified_login_text(
    client: &Client,
    login: &Login,
    mapping: Option<String>,
) -> Outcome<Vec<u8>> {
    let mapping = match mapping {
        Some(text) => Mapping::from_json(&text)?,
        None => Mapping::default(),
    };
    let audit = gouvconnect::AuditEvent::for_identity(
        gouvconnect::EventKind::LoginSucceeded,
        &login.identity,
        &client.config().client_id,
    );
    ascii_json(&VerifiedLogin {
        login,
        mapped: &mapping.apply(&login.identity),
        email_trusted: login.identity.email_trusted(),
        audit: &audit,
        username: account_username(&login.identity),
    })
}

fn request_json(request: &HttpRequest) -> serde_json::Value {
    json!({ "method": request.method, "url": request.url, "headers": request.headers })
}

/// `String clientTokenEndpoint(long handle)`: the token endpoint for the configured
/// authentication (RFC 8705's mutual-TLS alias when the client authenticates with its
/// certificate and the provider names one).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientTokenEndpoint<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let client = client(handle)?;
        let method = client.config().token_auth_method();
        new_string(env, client.provider().token_endpoint(method))
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String discoveryUrl(String provider, String issuer)`: where a custom issuer's discovery
/// document lives (Pro Santé Connect's non-standard name included); `invalid_config` for an
/// issuer the core refuses.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_discoveryUrl<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    provider: JString<'local>,
    issuer: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let kind = ProviderKind::parse(&string(env, &provider, "provider")?)?;
        let url = discovery_url(kind, &string(env, &issuer, "issuer")?)?;
        new_string(env, &url)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `void checkDiscoveryAnswer(String provider, String url, int status)`: the core's judgement
/// of the discovery request's status (the document itself is read by `clientCreate`).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_checkDiscoveryAnswer<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    provider: JString<'local>,
    url: JString<'local>,
    status: jint,
) {
    env.with_env(|env| -> Outcome<()> {
        let kind = ProviderKind::parse(&string(env, &provider, "provider")?)?;
        let url = string(env, &url, "url")?;
        let status = u16::try_from(status).map_err(|_| invalid("HTTP status out of range"))?;
        let answer = HttpAnswer {
            status,
            content_type: None,
            body: &[],
        };
        discovery_answer(kind, &url, answer)?;
        Ok(())
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String clientLogoutRequestBound(long handle, String idTokenHint, String binding, String
/// postLogoutRedirectUri)`: the end-session redirect whose `state` starts with `binding`
/// (Keycloak's user session id), `{"url", "pending"}`, or null without an end-session endpoint.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientLogoutRequestBound<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    id_token_hint: JString<'local>,
    binding: JString<'local>,
    post_logout_redirect_uri: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let hint = opt_string(env, &id_token_hint)?;
        let binding = string(env, &binding, "binding")?;
        let redirect = opt_string(env, &post_logout_redirect_uri)?;
        match client(handle)?.logout_request_bound(
            hint.as_deref(),
            &binding,
            redirect.as_deref(),
        )? {
            Some(r) => {
                let text = json!({ "url": r.url, "pending": r.pending.to_json() }).to_string();
                new_string(env, &text)
            }
            None => Ok(JString::default()),
        }
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String logoutBinding(String query)`: the binding a logout callback's `state` carries, or
/// null.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_logoutBinding<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    query: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let query = opt_string(env, &query)?.unwrap_or_default();
        match logout_binding(&query) {
            Some(binding) => new_string(env, &binding),
            None => Ok(JString::default()),
        }
    })
    .resolve::<ThrowGouvConnect>()
}

/// `void clientVerifyLogoutReturn(long handle, String pendingJson, String query)`: the logout
/// callback against the pending logout Keycloak found for it (null: none found, refused).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientVerifyLogoutReturn<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pending: JString<'local>,
    query: JString<'local>,
) {
    env.with_env(|env| -> Outcome<()> {
        let pending = match opt_string(env, &pending)? {
            Some(text) => Some(PendingLogout::from_json(&text)?),
            None => None,
        };
        let query = opt_string(env, &query)?.unwrap_or_default();
        client(handle)?
            .verify_logout_return(pending.as_ref(), &query)
            .map_err(Failure::from)
    })
    .resolve::<ThrowGouvConnect>()
}
