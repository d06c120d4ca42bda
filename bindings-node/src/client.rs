//! `Client`: one provider's relying party. `Client.connect` does discovery and network I/O
//! through the core's `http` feature; `Client.offline` is the pure, sans-IO form.

use std::sync::Arc;

use gouvconnect::http::{Connection, HttpClient};
use gouvconnect::{
    unix_now, ClientConfig, ErrorCode, LoginOptions, PendingLogin, PendingLogout, UserinfoResponse,
};
use gouvconnect::{AuditEvent, EventKind};
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;
use serde_json::{json, Value};

use crate::errors::{invalid, parse_value, to_js, to_napi, to_napi_data};

pub(crate) fn config(value: Value) -> napi::Result<ClientConfig> {
    serde_json::from_value(value).map_err(|e| {
        invalid(
            ErrorCode::InvalidConfig,
            format!("invalid configuration: {e}"),
        )
    })
}

/// A JSON document given either as text or as an already parsed object.
fn json_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::String(text) => text.into_bytes(),
        other => other.to_string().into_bytes(),
    }
}

fn to_json_text<T: serde::Serialize>(value: &T) -> napi::Result<String> {
    // ASCII-only: V8 builds the string with a plain copy (see to_ascii_text).
    gouvconnect_ffi::to_ascii_text(value).map_err(to_napi_data)
}

/// A relying party for one provider.
#[napi(js_name = "NativeClient")]
pub struct JsClient {
    inner: Arc<Connection>,
}

/// Builds a client that does its own I/O (a custom issuer's discovery is fetched first).
#[napi(catch_unwind)]
pub async fn connect(config_value: Value) -> napi::Result<JsClient> {
    let config = config(config_value)?;
    let http = HttpClient::connect(config).await.map_err(to_napi)?;
    Ok(JsClient {
        inner: Arc::new(Connection::Online(http)),
    })
}

#[napi]
impl JsClient {
    /// A sans-IO client: no discovery, no network (custom issuer endpoints by convention).
    #[napi(factory, catch_unwind)]
    pub fn offline(config_value: Value) -> napi::Result<Self> {
        let client = gouvconnect::Client::new(config(config_value)?).map_err(to_napi)?;
        Ok(JsClient {
            inner: Arc::new(Connection::Offline(Box::new(client))),
        })
    }

    /// `proconnect`, `prosanteconnect`, `franceconnect` or `franceconnect_plus`.
    #[napi(getter)]
    pub fn provider(&self) -> String {
        self.inner.core().provider().kind.as_str().to_string()
    }

    /// The provider's endpoints and quirks, as resolved (preset or discovery).
    #[napi(getter, catch_unwind)]
    pub fn provider_metadata(&self) -> napi::Result<Value> {
        to_js(self.inner.core().provider())
    }

    /// FranceConnect+: the public JWKS (JSON text, `use: enc`, no private member) of the
    /// configured `decryption_keys`, to serve at the URL registered with FranceConnect+; `null`
    /// for the other providers.
    #[napi(catch_unwind)]
    pub fn public_jwks(&self) -> Option<String> {
        self.inner.core().public_jwks()
    }

    /// Replaces the cached JWKS (sans-IO use).
    #[napi(catch_unwind)]
    pub fn set_jwks(&self, jwks: Value) -> napi::Result<()> {
        self.inner
            .core()
            .set_jwks(&json_bytes(jwks))
            .map_err(to_napi)
    }

    /// Starts a login: `{url, pending}`; keep `pending` in the session.
    #[napi(catch_unwind)]
    pub fn begin_login(&self, options: Option<Value>) -> napi::Result<Value> {
        let options: LoginOptions = match options {
            None | Some(Value::Null) => LoginOptions::default(),
            Some(v) => parse_value(v, "login options")?,
        };
        let request = self.inner.core().begin_login(&options).map_err(to_napi)?;
        Ok(json!({ "url": request.url, "pending": request.pending.to_json() }))
    }

    /// Renews a session with its refresh token (network): the JSON text of the renewed login of
    /// the same person (`session_expires_at` unchanged). Rejects with the core's error:
    /// `login_required` when the provider's session ended, `refresh_user_mismatch`, the
    /// policy's refusals.
    #[napi(catch_unwind)]
    pub async fn refresh(
        &self,
        identity: Value,
        refresh_token: String,
        session_expires_at: i64,
    ) -> napi::Result<String> {
        let previous: gouvconnect::Identity = parse_value(identity, "identity")?;
        let http = self.inner.online().map_err(to_napi)?.clone();
        let ends = u64::try_from(session_expires_at).unwrap_or(0);
        let login = http
            .refresh(&previous, &refresh_token, ends)
            .await
            .map_err(to_napi)?;
        to_json_text(&login)
    }

    /// Completes a login from the callback query string (network). Resolves, whatever the
    /// outcome, with JSON text: `{"login": …, "event": …}` or `{"error": {"code", "message", "provider_error"},
    /// "event": …}`, the event being the core's audit event of the outcome (`login_succeeded` or
    /// `login_refused` with the stable code and the provider's OAuth error). One `JSON.parse` in
    /// JS is several times cheaper than building the object property by property across the
    /// boundary.
    #[napi(catch_unwind)]
    pub async fn complete_login(&self, pending: String, query: String) -> napi::Result<String> {
        let inner = Arc::clone(&self.inner);
        let client_id = inner.core().config().client_id.clone();
        let provider = inner.core().provider().kind;
        let result = match (PendingLogin::from_json(&pending), inner.online()) {
            (Ok(pending), Ok(http)) => http.complete_login(&pending, &query).await,
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        match result {
            Ok(login) => {
                let event = AuditEvent::for_identity(
                    EventKind::LoginSucceeded,
                    &login.identity,
                    &client_id,
                );
                Ok(format!(
                    r#"{{"login":{},"event":{}}}"#,
                    to_json_text(&login)?,
                    event.to_json()
                ))
            }
            Err(e) => {
                let event = AuditEvent::refusal(provider, &client_id, &e);
                let provider_error = e
                    .provider_error()
                    .map(|p| json!({ "error": p.error, "description": p.description }));
                let error = json!({
                    "code": e.code().as_str(),
                    "message": e.message(),
                    "provider_error": provider_error,
                });
                Ok(format!(
                    r#"{{"error":{error},"event":{}}}"#,
                    event.to_json()
                ))
            }
        }
    }

    /// Sans-IO completion: verifies the token response (JSON text) and userinfo the host fetched
    /// itself; the login as JSON text.
    #[napi(catch_unwind)]
    pub fn finish_login(
        &self,
        pending: String,
        token_response: String,
        userinfo_content_type: Option<String>,
        userinfo_body: Option<Either<String, Buffer>>,
        now: Option<i64>,
    ) -> napi::Result<String> {
        let pending = PendingLogin::from_json(&pending).map_err(to_napi)?;
        let tokens =
            gouvconnect::parse_token_response(200, token_response.as_bytes()).map_err(to_napi)?;
        let body: Option<Vec<u8>> = userinfo_body.map(|b| match b {
            Either::A(s) => s.into_bytes(),
            Either::B(buf) => buf.to_vec(),
        });
        let userinfo = body.as_deref().map(|body| UserinfoResponse {
            content_type: userinfo_content_type.as_deref(),
            body,
        });
        let now = now.map_or_else(unix_now, |n| u64::try_from(n).unwrap_or(0));
        let login = self
            .inner
            .core()
            .finish_login(&pending, &tokens, userinfo, now)
            .map_err(to_napi)?;
        to_json_text(&login)
    }

    /// The end-session redirect `{url, pending}`, or `null` without an end-session endpoint.
    #[napi(catch_unwind)]
    pub fn logout_request(&self, id_token_hint: Option<String>) -> napi::Result<Option<Value>> {
        let request = self
            .inner
            .core()
            .logout_request(id_token_hint.as_deref())
            .map_err(to_napi)?;
        Ok(request.map(|r| json!({ "url": r.url, "pending": r.pending.to_json() })))
    }

    /// Checks the `state` returned to the post-logout redirect URI.
    #[napi(catch_unwind)]
    pub fn verify_logout_callback(&self, pending: String, query: String) -> napi::Result<()> {
        let pending = PendingLogout::from_json(&pending).map_err(to_napi)?;
        self.inner
            .core()
            .verify_logout_callback(&pending, &query)
            .map_err(to_napi)
    }
}
