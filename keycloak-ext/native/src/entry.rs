//! The native methods of `fr.gouvconnect.keycloak.NativeCore`.

use std::sync::Arc;

use gouvconnect::{
    Client, ClientConfig, ErrorCode, LoginOptions, Mapping, PendingLogin, Provider, ProviderKind,
    UserinfoResponse,
};
use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jint, jlong};
use jni::EnvUnowned;
use serde_json::{json, Value};

use gouvconnect_ffi::ErrorData;

use crate::convert::{
    invalid, json_text, new_string, new_utf8, opt_bytes, opt_string, parse, string, utf8, Outcome,
    ThrowGouvConnect,
};

/// The client behind a handle, with a strong reference of its own for the call's duration.
///
/// A handle is `Arc::into_raw` of the client (made by `clientCreate`); `clientClose` gives that
/// reference back. NativeClient (Java) never closes while a call is between reading its handle
/// and this increment, and a call in flight keeps the client alive past a close.
pub(crate) fn client(handle: jlong) -> Outcome<Arc<Client>> {
    if handle == 0 {
        return Err(ErrorData::new(ErrorCode::InvalidConfig, "the client is closed").into());
    }
    let ptr = handle as *const Client;
    // SAFETY: `ptr` comes from `Arc::into_raw` in `clientCreate` and its reference has not been
    // given back (see above), so the allocation is live.
    unsafe {
        Arc::increment_strong_count(ptr);
        Ok(Arc::from_raw(ptr))
    }
}

/// `long clientCreate(String configJson, String discoveryJson)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientCreate<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    config: JString<'local>,
    discovery: JString<'local>,
) -> jlong {
    env.with_env(|env| -> Outcome<jlong> {
        let config = ClientConfig::from_json(&string(env, &config, "config")?)?;
        let mut provider: Provider = config.resolve_provider()?;
        if let Some(doc) = opt_string(env, &discovery)? {
            provider.apply_discovery(doc.as_bytes())?;
        }
        let client = Client::with_provider(provider, config)?;
        Ok(Arc::into_raw(Arc::new(client)) as jlong)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `void clientClose(long handle)`: gives back the handle's reference (once).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientClose<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    env.with_env(|_| -> Outcome<()> {
        if handle != 0 {
            // SAFETY: see `client`; NativeClient zeroes its handle before calling this once.
            drop(unsafe { Arc::from_raw(handle as *const Client) });
        }
        Ok(())
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String clientProvider(long handle)`: the resolved provider (endpoints, quirks) as JSON.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientProvider<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let text = json_text(client(handle)?.provider())?;
        new_string(env, &text)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `void clientSetJwks(long handle, byte[] jwks)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientSetJwks<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    jwks: JByteArray<'local>,
) {
    env.with_env(|env| -> Outcome<()> {
        let bytes = opt_bytes(env, &jwks)?.ok_or_else(|| invalid("jwks is null"))?;
        Ok(client(handle)?.set_jwks(&bytes)?)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String clientBeginLogin(long handle, String optionsJson, String state, String nonce)`:
/// `{"url", "pending"}`. With a state and a nonce (Keycloak's own), those are sent.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientBeginLogin<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    options: JString<'local>,
    state: JString<'local>,
    nonce: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let client = client(handle)?;
        let options: LoginOptions = match opt_string(env, &options)? {
            Some(text) => parse(&text, "login options")?,
            None => LoginOptions::default(),
        };
        let request = match (opt_string(env, &state)?, opt_string(env, &nonce)?) {
            (Some(state), Some(nonce)) => {
                client.begin_login_with_state(&options, state, nonce, gouvconnect::unix_now())?
            }
            (None, None) => client.begin_login(&options)?,
            _ => return Err(invalid("state and nonce go together")),
        };
        let text = json!({ "url": request.url, "pending": request.pending.to_json() }).to_string();
        new_string(env, &text)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String clientParseCallback(long handle, String pendingJson, String query, long now)`: the
/// authorization code, after the state, provider-error and issuer checks.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientParseCallback<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pending: JString<'local>,
    query: JString<'local>,
    now: jlong,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let pending = PendingLogin::from_json(&string(env, &pending, "pending")?)?;
        let query = string(env, &query, "query")?;
        let code = client(handle)?.parse_callback(&pending, &query, unix(now))?;
        new_string(env, &code)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `byte[] clientFinishLogin(long handle, byte[] pendingJson, byte[] tokenResponseJson,
/// String userinfoContentType, byte[] userinfoBody, long now, String mappingJson)`: the login
/// (identity, tokens) plus the mapped user (`"mapped": {"fields", "groups"}`), whether the
/// email may be marked verified (`"email_trusted"`), the login event (`"audit"`) and the
/// username, as JSON (`broker::verified_login_text`, as at the end of the exchange). The large
/// texts cross as UTF-8 `byte[]` (NativeClient converts).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientFinishLogin<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pending: JByteArray<'local>,
    token_response: JByteArray<'local>,
    content_type: JString<'local>,
    userinfo: JByteArray<'local>,
    now: jlong,
    mapping: JString<'local>,
) -> JByteArray<'local> {
    env.with_env(|env| -> Outcome<JByteArray<'local>> {
        let client = client(handle)?;
        let pending = PendingLogin::from_json(&utf8(env, &pending, "pending")?)?;
        let token_bytes =
            opt_bytes(env, &token_response)?.ok_or_else(|| invalid("token response is null"))?;
        let tokens = gouvconnect::parse_token_response(200, &token_bytes)?;
        let content_type = opt_string(env, &content_type)?;
        let body = opt_bytes(env, &userinfo)?;
        let userinfo = body.as_deref().map(|body| UserinfoResponse {
            content_type: content_type.as_deref(),
            body,
        });
        let login = client.finish_login(&pending, &tokens, userinfo, unix(now))?;
        let text = crate::broker::verified_login_text(&client, &login, opt_string(env, &mapping)?)?;
        new_utf8(env, &text)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String acrLevels(String provider)`: the acr values a minimum can be chosen from, weakest
/// first, as a JSON array (the admin console's list).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_acrLevels<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    provider: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let levels =
            gouvconnect::acr_levels(ProviderKind::parse(&string(env, &provider, "provider")?)?);
        new_string(env, &json!(levels).to_string())
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String acceptedAcr(String provider, String minimum, boolean mfa)`: the acr values a login
/// must come back with for that minimum (JSON array), or JSON `null` when any known value does.
/// Refuses a minimum the provider does not define (`invalid_config`).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_acceptedAcr<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    provider: JString<'local>,
    minimum: JString<'local>,
    mfa: jni::sys::jboolean,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let kind = ProviderKind::parse(&string(env, &provider, "provider")?)?;
        let minimum = opt_string(env, &minimum)?.filter(|m| !m.is_empty());
        let requirement = gouvconnect::AcrRequirement::for_provider(kind, minimum.as_deref(), mfa)?;
        new_string(env, &json!(requirement.accepted).to_string())
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String buttonHtml(String provider, String action, String next)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_buttonHtml<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    provider: JString<'local>,
    action: JString<'local>,
    next: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let kind = ProviderKind::parse(&string(env, &provider, "provider")?)?;
        let action = string(env, &action, "action")?;
        let next = opt_string(env, &next)?;
        let html = gouvconnect::button_html(kind, &action, next.as_deref());
        new_string(env, &html)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String buttonCss()`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_buttonCss<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> { new_string(env, gouvconnect::BUTTON_CSS) })
        .resolve::<ThrowGouvConnect>()
}

/// `void checkTokenResponse(int status, byte[] body)`: the core's rule for a token endpoint's
/// answer (size, 5xx, OAuth error, JSON with the tokens); throws with the code when it fails.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_checkTokenResponse<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    status: jint,
    body: JByteArray<'local>,
) {
    env.with_env(|env| -> Outcome<()> {
        let body = opt_bytes(env, &body)?.unwrap_or_default();
        let status = u16::try_from(status).map_err(|_| invalid("HTTP status out of range"))?;
        gouvconnect::parse_token_response(status, &body)?;
        Ok(())
    })
    .resolve::<ThrowGouvConnect>()
}

/// `void checkMapping(String mappingJson)`: the core's parse and checks of a mapping (what a
/// login would refuse later as `invalid_config`), for Keycloak to refuse it when it is saved.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_checkMapping<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    mapping: JString<'local>,
) {
    env.with_env(|env| -> Outcome<()> {
        Mapping::from_json(&string(env, &mapping, "mapping")?)?;
        Ok(())
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String errorCodes()`: `[{"code", "status", "message"}]` (message: the core's text for the
/// user, in French) for the Java enum.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_errorCodes<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let codes: Vec<Value> = ErrorCode::ALL
            .iter()
            .map(|c| {
                json!({ "code": c.as_str(), "status": c.http_status(), "message": c.user_message() })
            })
            .collect();
        new_string(env, &Value::Array(codes).to_string())
    })
    .resolve::<ThrowGouvConnect>()
}

pub(crate) fn unix(now: jlong) -> u64 {
    if now <= 0 {
        gouvconnect::unix_now()
    } else {
        now as u64
    }
}

/// The identity a host kept (JSON of the core's `Identity`), for the practice functions below.
fn identity_from(text: &str) -> Outcome<gouvconnect::Identity> {
    parse(text, "an identity")
}

/// `String practices(String identityJson)`: Pro Santé Connect's practices of an identity
/// (`Identity::practices`: one per exercice × activity, stable ids, codes with their French
/// labels), JSON array; empty for ProConnect. The Keycloak practice chooser shows these.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_practices<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    identity: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let identity = identity_from(&string(env, &identity, "identity")?)?;
        new_string(env, &json_text(&identity.practices())?)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String withPractice(String identityJson, String id, String mappingJson)`: the identity
/// acting for the practice `id` (`Identity::with_practice`; `invalid_request` for an id it does
/// not hold) and the mapping applied to it again (rules may read `practice.…`), as
/// `{"identity", "mapped": {"fields", "groups"}}`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_withPractice<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    identity: JString<'local>,
    id: JString<'local>,
    mapping: JString<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        let identity = identity_from(&string(env, &identity, "identity")?)?;
        let chosen = identity.with_practice(&string(env, &id, "practice id")?)?;
        let mapping = match opt_string(env, &mapping)? {
            Some(text) => gouvconnect::Mapping::from_json(&text)?,
            None => gouvconnect::Mapping::default(),
        };
        let mapped = mapping.apply(&chosen);
        new_string(
            env,
            &json!({ "identity": chosen, "mapped": mapped }).to_string(),
        )
    })
    .resolve::<ThrowGouvConnect>()
}
