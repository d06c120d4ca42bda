//! The native methods of `fr.gouvconnect.keycloak.NativeCore`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use gouvconnect::{
    Client, ClientConfig, ErrorCode, LoginOptions, Mapping, PendingLogin, PendingLogout, Provider,
    ProviderKind, UserinfoResponse,
};
use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jlong, jstring};
use jni::JNIEnv;
use serde_json::{json, Value};

use crate::convert::{invalid, new_string, opt_bytes, opt_string, string, throw, Failure, Outcome};

/// Runs an entry point: panics and errors become a Java exception, and `fallback` is returned.
fn guard<'a, T>(
    env: &mut JNIEnv<'a>,
    fallback: T,
    body: impl FnOnce(&mut JNIEnv<'a>) -> Outcome<T>,
) -> T {
    match catch_unwind(AssertUnwindSafe(|| body(env))) {
        Ok(Ok(value)) => value,
        Ok(Err(failure)) => {
            throw(env, &failure);
            fallback
        }
        Err(_) => {
            throw(
                env,
                &Failure {
                    code: "internal_error",
                    message: "unexpected failure in the native core".into(),
                },
            );
            fallback
        }
    }
}

fn client<'h>(handle: jlong) -> Outcome<&'h Client> {
    if handle == 0 {
        return Err(Failure {
            code: ErrorCode::InvalidConfig.as_str(),
            message: "the client is closed".into(),
        });
    }
    // SAFETY: handles are only made by `clientCreate` (Box::into_raw) and freed by
    // `clientClose`, which NativeClient never runs while a call is in flight.
    Ok(unsafe { &*(handle as *const Client) })
}

fn json_text<T: serde::Serialize>(value: &T) -> Outcome<String> {
    serde_json::to_string(value).map_err(|e| invalid(e.to_string()))
}

/// `long clientCreate(String configJson, String discoveryJson)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientCreate<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    config: JString<'a>,
    discovery: JString<'a>,
) -> jlong {
    guard(&mut env, 0, |env| {
        let config = ClientConfig::from_json(&string(env, &config, "config")?)?;
        let mut provider: Provider = config.resolve_provider()?;
        if let Some(doc) = opt_string(env, &discovery)? {
            provider.apply_discovery(doc.as_bytes())?;
        }
        let client = Client::with_provider(provider, config)?;
        Ok(Box::into_raw(Box::new(client)) as jlong)
    })
}

/// `void clientClose(long handle)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientClose<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
) {
    guard(&mut env, (), |_| {
        if handle != 0 {
            // SAFETY: see `client`; NativeClient zeroes its handle before calling this once.
            drop(unsafe { Box::from_raw(handle as *mut Client) });
        }
        Ok(())
    })
}

/// `String clientProvider(long handle)`: the resolved provider (endpoints, quirks) as JSON.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientProvider<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        let text = json_text(client(handle)?.provider())?;
        new_string(env, &text)
    })
}

/// `void clientSetJwks(long handle, byte[] jwks)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientSetJwks<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
    jwks: JByteArray<'a>,
) {
    guard(&mut env, (), |env| {
        let bytes = opt_bytes(env, &jwks)?.ok_or_else(|| invalid("jwks is null"))?;
        Ok(client(handle)?.set_jwks(&bytes)?)
    })
}

/// `String clientBeginLogin(long handle, String optionsJson, String state, String nonce)`:
/// `{"url", "pending"}`. With a state and nonce (Keycloak's), those are used.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientBeginLogin<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
    options: JString<'a>,
    state: JString<'a>,
    nonce: JString<'a>,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        let client = client(handle)?;
        let options: LoginOptions = match opt_string(env, &options)? {
            Some(text) => serde_json::from_str(&text).map_err(|e| Failure {
                code: ErrorCode::InvalidRequest.as_str(),
                message: format!("invalid login options: {e}"),
            })?,
            None => LoginOptions::default(),
        };
        let request = match (opt_string(env, &state)?, opt_string(env, &nonce)?) {
            (Some(state), Some(nonce)) => {
                client.begin_login_with_state(&options, state, nonce, gouvconnect::unix_now())?
            }
            _ => client.begin_login(&options)?,
        };
        let text = json!({ "url": request.url, "pending": request.pending.to_json() }).to_string();
        new_string(env, &text)
    })
}

/// `String clientParseCallback(long handle, String pendingJson, String query, long now)`: the
/// authorization code, after the state, provider-error and issuer checks.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientParseCallback<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
    pending: JString<'a>,
    query: JString<'a>,
    now: jlong,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        let pending = PendingLogin::from_json(&string(env, &pending, "pending")?)?;
        let query = string(env, &query, "query")?;
        let code = client(handle)?.parse_callback(&pending, &query, unix(now))?;
        new_string(env, &code)
    })
}

/// `String clientFinishLogin(long handle, String pendingJson, String tokenResponseJson,
/// String userinfoContentType, byte[] userinfoBody, long now, String mappingJson)`: the login
/// (identity, tokens) plus the mapped user, as JSON.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientFinishLogin<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
    pending: JString<'a>,
    token_response: JString<'a>,
    content_type: JString<'a>,
    userinfo: JByteArray<'a>,
    now: jlong,
    mapping: JString<'a>,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        let client = client(handle)?;
        let pending = PendingLogin::from_json(&string(env, &pending, "pending")?)?;
        let token_text = string(env, &token_response, "token response")?;
        let tokens = gouvconnect::verify::parse_token_response(200, token_text.as_bytes())?;
        let content_type = opt_string(env, &content_type)?;
        let body = opt_bytes(env, &userinfo)?;
        let userinfo = body.as_deref().map(|body| UserinfoResponse {
            content_type: content_type.as_deref(),
            body,
        });
        let login = client.finish_login(&pending, &tokens, userinfo, unix(now))?;
        let mapping = match opt_string(env, &mapping)? {
            Some(text) => Mapping::from_json(&text)?,
            None => Mapping::default(),
        };
        let mapped = mapping.apply(&login.identity);
        let mut out = serde_json::to_value(&login).map_err(|e| invalid(e.to_string()))?;
        if let Value::Object(map) = &mut out {
            map.insert(
                "mapped".into(),
                serde_json::to_value(mapped).map_err(|e| invalid(e.to_string()))?,
            );
        }
        new_string(env, &out.to_string())
    })
}

/// `String clientLogoutRequest(long handle, String idTokenHint)`: `{"url","pending"}` or null.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientLogoutRequest<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
    id_token_hint: JString<'a>,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        let hint = opt_string(env, &id_token_hint)?;
        match client(handle)?.logout_request(hint.as_deref())? {
            Some(r) => {
                let text = json!({ "url": r.url, "pending": r.pending.to_json() }).to_string();
                new_string(env, &text)
            }
            None => Ok(std::ptr::null_mut()),
        }
    })
}

/// `void clientVerifyLogoutCallback(long handle, String pendingJson, String query)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientVerifyLogoutCallback<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    handle: jlong,
    pending: JString<'a>,
    query: JString<'a>,
) {
    guard(&mut env, (), |env| {
        let pending = PendingLogout::from_json(&string(env, &pending, "pending")?)?;
        let query = string(env, &query, "query")?;
        Ok(client(handle)?.verify_logout_callback(&pending, &query)?)
    })
}

/// `String buttonHtml(String provider, String action, String next)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_buttonHtml<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
    provider: JString<'a>,
    action: JString<'a>,
    next: JString<'a>,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        let kind = ProviderKind::parse(&string(env, &provider, "provider")?)?;
        let action = string(env, &action, "action")?;
        let next = opt_string(env, &next)?;
        let html = gouvconnect::branding::button_html(kind, &action, next.as_deref());
        new_string(env, &html)
    })
}

/// `String buttonCss()`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_buttonCss<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        new_string(env, gouvconnect::branding::BUTTON_CSS)
    })
}

/// `String errorCodes()`: `[{"code", "status"}]` for the Java enum's self-check.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_errorCodes<'a>(
    mut env: JNIEnv<'a>,
    _class: JClass<'a>,
) -> jstring {
    guard(&mut env, std::ptr::null_mut(), |env| {
        let codes: Vec<Value> = ErrorCode::ALL
            .iter()
            .map(|c| json!({ "code": c.as_str(), "status": c.http_status() }))
            .collect();
        new_string(env, &Value::Array(codes).to_string())
    })
}

fn unix(now: jlong) -> u64 {
    if now <= 0 {
        gouvconnect::unix_now()
    } else {
        now as u64
    }
}
