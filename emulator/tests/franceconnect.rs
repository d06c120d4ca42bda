//! FranceConnect and FranceConnect+ over real HTTP: discovery, the authorize rules (nonce,
//! acr_values per federation), and whole logins driven by the gouvconnect core's sans-IO
//! `Client` as a host runs it (authorize URL, callback, token and userinfo requests, then
//! `finish_login`): the citizens' identité pivot, FranceConnect+ tokens encrypted to the
//! client's registered key (inline or fetched from its jwks_uri, the core's `public_jwks`), its
//! levels, the fault modes acting on the signed JWT inside, and logout.
//!
//! The emulator encrypts with ring and the rsa crate; the core decrypts with RustCrypto, so each
//! side checks the other's reading of RFC 7516.

use std::sync::LazyLock;

use gouvconnect::{
    looks_like_jwe, parse_token_response, unix_now, Client, ClientConfig, ErrorCode, Login,
    LoginOptions, ProviderKind, Secret, UserinfoResponse,
};
use serde_json::{json, Value};

mod common;

use common::{http, param, send, start, start_with, submit_login, Emulator, CB};

const STATE: &str = "state-state-state-state-state-state-0001";
const NONCE: &str = "nonce-nonce-nonce-nonce-nonce-nonce-0001";
const LOGGED_OUT: &str = "http://127.0.0.1:9/logged-out";

/// The fixture's (tests/fixture.json) FranceConnect clients: (id, secret).
static FC: LazyLock<(&str, &str)> = LazyLock::new(|| client("franceconnect"));
static FCP: LazyLock<(&str, &str)> = LazyLock::new(|| client("franceconnect_plus"));
static FCP_ECDH: LazyLock<(&str, &str)> = LazyLock::new(|| client("franceconnect_plus_ecdh"));

fn client(name: &str) -> (&'static str, &'static str) {
    let (id, secret, _) = common::fixture_client(name);
    (id, secret)
}

/// The private keys both FranceConnect+ clients are encrypted to (test-only, public).
const DEMO_KEYS: &str = include_str!("../keys/demo-fcp-client-enc.jwks.json");

fn prefix(plus: bool) -> &'static str {
    if plus {
        "/franceconnect-plus/api/v2"
    } else {
        "/franceconnect/api/v2"
    }
}

fn authorize_url(emu: &Emulator, plus: bool, client: &str, extra: &str) -> String {
    format!(
        "{}{}/authorize?response_type=code&client_id={client}&redirect_uri={CB}&scope=openid%20identite_pivot%20email&state={STATE}{extra}",
        emu.base,
        prefix(plus)
    )
}

/// A host's configuration of `client` at the emulator's FranceConnect (`plus`: FranceConnect+,
/// with the demo decryption keys).
fn config(emu: &Emulator, plus: bool, client: (&str, &str)) -> ClientConfig {
    let kind = if plus {
        ProviderKind::FranceConnectPlus
    } else {
        ProviderKind::FranceConnect
    };
    let mut c = ClientConfig::new(kind, client.0, client.1, CB);
    c.issuer = Some(format!("{}{}", emu.base, prefix(plus)));
    c.post_logout_redirect_uri = Some(LOGGED_OUT.into());
    if plus {
        c.decryption_keys = Some(Secret::new(DEMO_KEYS.to_string()));
    }
    c
}

/// What a login left: the token response and userinfo body as the emulator sent them (JWE for
/// FranceConnect+), and the core's verdict.
struct Outcome {
    tokens: Value,
    userinfo: String,
    login: gouvconnect::Result<Login>,
}

/// Logs `user` in through the core, every request built by it and sent over HTTP.
async fn login(emu: &Emulator, client: &Client, user: &str) -> Outcome {
    let jwks = send(&gouvconnect::HttpRequest::get_json(
        &client.provider().endpoints.jwks,
    ))
    .await;
    client
        .set_jwks(&jwks.bytes().await.expect("JWKS"))
        .expect("the federation's JWKS");
    let request = client
        .begin_login(&LoginOptions::default())
        .expect("begin_login");
    let back = submit_login(&emu.base, &request.url, &[("user", user)]).await;
    assert_eq!(back.status(), 302);
    let location = back.headers()["location"].to_str().expect("location");
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let code = client
        .parse_callback(&request.pending, query, unix_now())
        .unwrap_or_else(|e| panic!("callback {location}: {e}"));
    let answer = send(&client.token_request(&request.pending, &code)).await;
    let status = answer.status().as_u16();
    let body = answer.bytes().await.expect("token body");
    let tokens = parse_token_response(status, &body).expect("token response");
    let answer = send(&client.userinfo_request(&tokens.access_token)).await;
    assert_eq!(answer.status(), 200);
    let content_type = answer.headers()["content-type"]
        .to_str()
        .expect("content type")
        .to_string();
    assert!(
        content_type.starts_with("application/jwt"),
        "{content_type}"
    );
    let userinfo = answer.text().await.expect("userinfo body");
    let login = client.finish_login(
        &request.pending,
        &tokens,
        Some(UserinfoResponse {
            content_type: Some(&content_type),
            body: userinfo.as_bytes(),
        }),
        unix_now(),
    );
    Outcome {
        tokens: serde_json::from_slice(&body).expect("token JSON"),
        userinfo,
        login,
    }
}

/// RP-initiated logout with the login's id_token as the hint: back to the registered URI with
/// the state the core checks.
async fn logout(client: &Client, login: &Login) {
    let request = client
        .logout_request(Some(&login.id_token))
        .expect("logout")
        .expect("an end-session endpoint");
    let back = http().get(&request.url).send().await.expect("end session");
    assert!(back.status().is_redirection(), "{}", back.status());
    let location = back.headers()["location"].to_str().expect("location");
    assert!(location.starts_with(LOGGED_OUT), "{location}");
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    client
        .verify_logout_callback(&request.pending, query)
        .expect("logout state");
}

fn jwe_header(token: &str) -> Value {
    use base64::Engine;
    let first = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(first)
        .expect("header b64");
    serde_json::from_slice(&bytes).expect("header JSON")
}

#[tokio::test]
async fn franceconnect_discovery_and_signed_identite_pivot() {
    let emu = start();
    let doc: Value = http()
        .get(format!(
            "{}/franceconnect/api/v2/.well-known/openid-configuration",
            emu.base
        ))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("JSON");
    let issuer = format!("{}/franceconnect/api/v2", emu.base);
    assert_eq!(doc["issuer"], json!(issuer));
    assert_eq!(
        doc["end_session_endpoint"],
        json!(format!("{issuer}/session/end"))
    );
    assert_eq!(doc["acr_values_supported"], json!(["eidas1"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["ES256", "RS256"])
    );
    assert!(doc
        .get("id_token_encryption_alg_values_supported")
        .is_none());

    let index = http()
        .get(&emu.base)
        .send()
        .await
        .expect("index")
        .text()
        .await
        .expect("html");
    assert!(
        index.contains("/franceconnect/api/v2") && index.contains("/franceconnect-plus/api/v2")
    );

    let client = Client::new(config(&emu, false, *FC)).expect("client");
    let out = login(&emu, &client, "citizen").await;
    assert!(
        !looks_like_jwe(out.tokens["id_token"].as_str().expect("id_token")),
        "FranceConnect does not encrypt"
    );
    let login = out.login.expect("FranceConnect login");
    let id = &login.identity;
    assert_eq!(id.provider, ProviderKind::FranceConnect);
    assert_eq!(id.acr.as_deref(), Some("eidas1"));
    assert!(!id.mfa, "eidas1 is a single factor");
    assert!(
        id.sub.len() == 66 && id.sub.ends_with("v1"),
        "sub {}",
        id.sub
    );
    assert_eq!(id.given_name.as_deref(), Some("Angela Claire Louise"));
    // The usage name comes with the preferred_username scope, not asked for by default.
    assert_eq!(id.family_name.as_deref(), Some("DUBOIS"));
    assert_eq!(id.email.as_deref(), Some("angela.dubois@exemple.fr"));
    assert_eq!(id.email_verified, None);
    let pivot = id.franceconnect.as_ref().expect("identité pivot");
    assert_eq!(pivot.birthdate.as_deref(), Some("1962-08-24"));
    assert_eq!(pivot.gender.as_deref(), Some("female"));
    assert_eq!(pivot.birthplace.as_deref(), Some("75107"));
    assert_eq!(pivot.born_in_france, Some(true));
    assert_eq!(pivot.usual_name, None);
    logout(&client, &login).await;

    // Born abroad: no birthplace, the country's code.
    let login = login_ok(&emu, &client, "citizen-abroad").await;
    let pivot = login.identity.franceconnect.expect("identité pivot");
    assert_eq!(pivot.birthplace, None);
    assert_eq!(pivot.birthcountry.as_deref(), Some("99134"));
    assert_eq!(pivot.born_in_france, Some(false));
}

async fn login_ok(emu: &Emulator, client: &Client, user: &str) -> Login {
    login(emu, client, user)
        .await
        .login
        .unwrap_or_else(|e| panic!("{user}: {e}"))
}

#[tokio::test]
async fn franceconnect_authorize_rules() {
    let emu = start();
    for (plus, client, extra, what) in [
        (false, FC.0, format!("&nonce={NONCE}"), "acr_values missing"),
        (
            false,
            FC.0,
            format!("&nonce={NONCE}&acr_values=eidas2"),
            "eidas2 is FranceConnect+'s",
        ),
        (
            false,
            FC.0,
            "&acr_values=eidas1".to_string(),
            "nonce missing",
        ),
        (
            true,
            FCP.0,
            format!("&nonce={NONCE}&acr_values=eidas1"),
            "eidas1 is FranceConnect's",
        ),
    ] {
        let answer = http()
            .get(authorize_url(&emu, plus, client, &extra))
            .send()
            .await
            .expect("authorize");
        assert_eq!(answer.status(), 302, "{what}");
        let location = answer.headers()["location"].to_str().expect("location");
        assert_eq!(
            param(location, "error").as_deref(),
            Some("invalid_request"),
            "{what}"
        );
        assert_eq!(param(location, "state").as_deref(), Some(STATE), "{what}");
    }
    // FranceConnect+: acr_values optional, an unknown value ignored (its documentation).
    for extra in [
        format!("&nonce={NONCE}"),
        format!("&nonce={NONCE}&acr_values=eidas2%20loa-x"),
    ] {
        let page = http()
            .get(authorize_url(&emu, true, FCP.0, &extra))
            .send()
            .await
            .expect("authorize");
        assert_eq!(page.status(), 200, "{extra}: the login page");
    }
    // A FranceConnect client is unknown to FranceConnect+ (separate registries).
    let answer = http()
        .get(authorize_url(
            &emu,
            true,
            FC.0,
            &format!("&nonce={NONCE}&acr_values=eidas2"),
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(answer.status(), 400);
    // client_secret_post only: HTTP Basic is refused.
    let answer = http()
        .post(format!("{}/franceconnect/api/v2/token", emu.base))
        .basic_auth(FC.0, Some(FC.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(answer.status(), 401);
}

#[tokio::test]
async fn franceconnect_plus_encrypts_to_the_registered_key() {
    let emu = start();
    let doc: Value = http()
        .get(format!(
            "{}/franceconnect-plus/api/v2/.well-known/openid-configuration",
            emu.base
        ))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("JSON");
    assert_eq!(doc["acr_values_supported"], json!(["eidas2", "eidas3"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert_eq!(
        doc["id_token_encryption_enc_values_supported"],
        json!(["A256GCM"])
    );
    for (client, alg, kid, user, acr) in [
        (*FCP, "RSA-OAEP", "demo-fcp-enc-rsa", "citizen", "eidas2"),
        (
            *FCP_ECDH,
            "ECDH-ES",
            "demo-fcp-enc-ec",
            "citizen-high",
            "eidas3",
        ),
    ] {
        let core = Client::new(config(&emu, true, client)).expect("client");
        let out = login(&emu, &core, user).await;
        let id_token = out.tokens["id_token"].as_str().expect("id_token");
        assert!(
            looks_like_jwe(id_token) && looks_like_jwe(&out.userinfo),
            "{alg}: encrypted"
        );
        let header = jwe_header(id_token);
        assert_eq!(header["alg"], alg);
        assert_eq!(header["enc"], "A256GCM");
        assert_eq!(header["kid"], kid);
        assert_eq!(jwe_header(&out.userinfo)["alg"], alg);
        let login = out.login.unwrap_or_else(|e| panic!("{alg}: {e}"));
        let id = &login.identity;
        assert_eq!(id.provider, ProviderKind::FranceConnectPlus);
        assert_eq!(id.acr.as_deref(), Some(acr));
        assert!(id.mfa, "{acr} is multi-factor");
        assert_eq!(
            id.raw.id_token_claims().expect("raw id_token claims")["iss"],
            json!(format!("{}/franceconnect-plus/api/v2", emu.base))
        );
        let pivot = id.franceconnect.as_ref().expect("identité pivot");
        assert!(pivot.birthcountry.is_some() && pivot.birth_name.is_some());
        // The Login keeps the signed id_token opened from the JWE (the logout's hint).
        assert!(!looks_like_jwe(&login.id_token));
        assert_eq!(login.id_token.split('.').count(), 3);
        logout(&core, &login).await;
    }

    // The service requires the high level: the substantial citizen is refused, the high one in.
    let mut high = config(&emu, true, *FCP);
    high.policy.acr = Some("eidas3".into());
    let core = Client::new(high).expect("client");
    let refused = login(&emu, &core, "citizen").await.login.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::AcrInsufficient);
    let login = login_ok(&emu, &core, "citizen-high").await;
    assert_eq!(login.identity.acr.as_deref(), Some("eidas3"));
}

#[tokio::test]
async fn fault_modes_act_on_the_signed_jwt_inside() {
    let emu = start();
    let core = Client::new(config(&emu, true, *FCP)).expect("client");
    for (fault, expected) in [
        ("id_token_bad_signature", ErrorCode::InvalidSignature),
        ("id_token_alg_none", ErrorCode::UnsupportedAlgorithm),
        ("userinfo_bad_signature", ErrorCode::InvalidSignature),
    ] {
        let set = http()
            .post(format!("{}/_emulator/faults", emu.base))
            .json(&json!({"fault": fault, "client_id": FCP.0}))
            .send()
            .await
            .expect("fault");
        assert_eq!(set.status(), 204);
        let out = login(&emu, &core, "citizen").await;
        let id_token = out.tokens["id_token"].as_str().expect("id_token");
        assert!(
            looks_like_jwe(id_token) && looks_like_jwe(&out.userinfo),
            "{fault}: still encrypted"
        );
        assert_eq!(out.login.err().map(|e| e.code()), Some(expected), "{fault}");
        http()
            .delete(format!("{}/_emulator/faults", emu.base))
            .send()
            .await
            .expect("clear");
    }
    // Faults cleared: the same client logs in again.
    login_ok(&emu, &core, "citizen").await;
}

#[tokio::test]
async fn franceconnect_plus_fetches_the_clients_jwks_uri() {
    // The host's public-keys route serves the core's public_jwks, as a host does for
    // FranceConnect+; the emulator fetches it at each token and userinfo answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (id, secret) = ("fcp-uri", "fcp-uri-secret-0123456789abcdef0123");
    let dir = std::env::temp_dir().join(format!("gc-emulator-fcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let registration = dir.join("config.json");
    std::fs::write(
        &registration,
        json!({"clients": [{"id": id, "secret": secret,
            "persona": "franceconnect_plus", "id_token_alg": "ES256", "userinfo_alg": "ES256",
            "jwks_uri": format!("http://127.0.0.1:{port}/jwks"),
            "encryption_alg": "ECDH-ES"}]})
        .to_string(),
    )
    .expect("write config");
    let emu = start_with(&["--config", registration.to_str().expect("path")]);
    let core = Client::new(config(&emu, true, (id, secret))).expect("client");
    let published = core
        .public_jwks()
        .expect("FranceConnect+ publishes its keys");
    let fetched = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = fetched.clone();
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let body = published.clone();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let out = login(&emu, &core, "citizen").await;
    let id_token = out.tokens["id_token"].as_str().expect("id_token");
    assert_eq!(jwe_header(id_token)["alg"], "ECDH-ES");
    assert_eq!(jwe_header(id_token)["kid"], "demo-fcp-enc-ec");
    let login = out.login.expect("login with the fetched keys");
    assert_eq!(login.identity.acr.as_deref(), Some("eidas2"));
    assert!(
        fetched.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the token and userinfo answers fetch the host's keys"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_franceconnect_plus_client_without_keys_stops_the_emulator() {
    let dir = std::env::temp_dir().join(format!("gc-emulator-fcp-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        json!({"clients": [{"id": "no-keys", "secret": "no-keys-secret-0123456789abcdef01",
            "persona": "franceconnect_plus"}]})
        .to_string(),
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gouvconnect-emulator"))
        .args(["--port", "0", "--config", config.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("encryption_jwks or jwks_uri"));
    let _ = std::fs::remove_dir_all(&dir);
}
