//! The loopback-only control API under `/_emulator/`: fault modes, key rotation, reset, and the
//! list of issued secrets. A test drives the emulator through it; nothing else should.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::oidc::Shared;

/// Longest `delay_secs` accepted (an hour: beyond that, use `token_hang`).
const MAX_DELAY_SECS: u64 = 3600;

fn error(status: StatusCode, code: &str, description: String, extra: Option<Value>) -> Response {
    let mut body = json!({ "error": code, "error_description": description });
    if let Some(Value::Object(extra)) = extra {
        if let Some(map) = body.as_object_mut() {
            map.extend(extra);
        }
    }
    (status, Json(body)).into_response()
}

/// Refuses every peer that is not on the loopback interface (403), whatever `--host` says.
pub async fn loopback_only(request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    match peer {
        Some(ip) if ip.is_loopback() => next.run(request).await,
        _ => error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the control API answers loopback peers only".into(),
            None,
        ),
    }
}

/// `GET /_emulator/faults`: the faults in force, as a JSON list of
/// `{"fault", "client_id" (null: every client), "delay_secs" (token_slow only)}`.
pub async fn list_faults(State(app): State<Shared>) -> Response {
    Json(app.faults.list()).into_response()
}

/// `POST /_emulator/faults` with `{"fault", "client_id"?, "delay_secs"?}` → 204.
pub async fn add_fault(State(app): State<Shared>, body: Bytes) -> Response {
    let bad =
        |code: &str, description: String| error(StatusCode::BAD_REQUEST, code, description, None);
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return bad(
            "invalid_request",
            "expected a JSON object {\"fault\", \"client_id\"?, \"delay_secs\"?}".into(),
        );
    };
    if let Some(unknown) = request
        .keys()
        .find(|k| !matches!(k.as_str(), "fault" | "client_id" | "delay_secs"))
    {
        return bad("invalid_request", format!("unknown field `{unknown}`"));
    }
    let Some(name) = request.get("fault").and_then(Value::as_str) else {
        return bad("invalid_request", "`fault` (a string) is required".into());
    };
    let Some(fault) = Fault::parse(name) else {
        return error(
            StatusCode::BAD_REQUEST,
            "unknown_fault",
            format!("unknown fault `{name}`"),
            Some(json!({ "valid_faults": Fault::names() })),
        );
    };
    let client_id = match request.get("client_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if app.registry.client(id).is_some() => Some(id.as_str()),
        Some(Value::String(id)) => {
            return bad("unknown_client", format!("no registered client `{id}`"))
        }
        Some(_) => return bad("invalid_request", "`client_id` must be a string".into()),
    };
    let delay_secs = match request.get("delay_secs") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().filter(|d| *d <= MAX_DELAY_SECS) {
            Some(d) => Some(d),
            None => {
                return bad(
                    "invalid_request",
                    format!("`delay_secs` must be an integer from 0 to {MAX_DELAY_SECS}"),
                )
            }
        },
    };
    app.faults.add(fault, client_id, delay_secs);
    StatusCode::NO_CONTENT.into_response()
}

/// `DELETE /_emulator/faults`: clears every fault (the config file's too). Keys stay rotated.
pub async fn clear_faults(State(app): State<Shared>) -> Response {
    app.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_emulator/rotate-keys` → `{"kids": [rsa, ec]}`: the JWKS then lists only these.
pub async fn rotate_keys(State(app): State<Shared>) -> Response {
    match app.keys.rotate() {
        Ok((rsa, ec)) => Json(json!({ "kids": [rsa, ec] })).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", e, None),
    }
}

/// `POST /_emulator/reset`: the state of the start — first keys, the config file's faults,
/// no pending login, code, token or session, an empty issued list.
pub async fn reset(State(app): State<Shared>) -> Response {
    app.keys.reset();
    app.faults.reset();
    app.store.clear();
    app.issued.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_emulator/issued` → `{"secrets": [...]}`: client secrets, then every code, token,
/// userinfo JWT, state, nonce, PKCE value and client secret issued or received (the last
/// 20,000).
pub async fn issued(State(app): State<Shared>) -> Response {
    Json(json!({ "secrets": app.issued.list() })).into_response()
}
