//! FranceConnect and FranceConnect+ over real HTTP: discovery, the authorize rules (nonce,
//! acr_values per federation), citizens' identité pivot, FranceConnect+ tokens encrypted to the
//! client's registered key (inline or fetched from its jwks_uri), the fault modes acting on the
//! signed JWT inside, and logout with an encrypted id_token_hint.
//!
//! The emulator encrypts with ring and the rsa crate; these tests open its tokens with the
//! gouvconnect core (RustCrypto), so each side checks the other's reading of RFC 7516.

use gouvconnect::internals::{parse_jws, verify_signature};
use gouvconnect::{looks_like_jwe, Algorithm, DecryptionKeys, ErrorCode, KeySet};
use serde_json::{json, Value};

mod common;

use common::{http, param, start, start_with, submit_login, Emulator};

const CB: &str = "http://127.0.0.1:9/cb";
const STATE: &str = "state-state-state-state-state-state-0001";
const NONCE: &str = "nonce-nonce-nonce-nonce-nonce-nonce-0001";
const FC: (&str, &str) = (
    "demo-franceconnect",
    "demo-franceconnect-secret-0123456789abcdef",
);
const FCP: (&str, &str) = (
    "demo-franceconnect-plus",
    "demo-franceconnect-plus-secret-0123456789ab",
);
const FCP_ECDH: (&str, &str) = (
    "demo-franceconnect-plus-ecdh",
    "demo-franceconnect-plus-ecdh-secret-0123456789",
);
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

/// Logs `user` in, exchanges the code; returns the token response and the userinfo body.
async fn login(
    emu: &Emulator,
    plus: bool,
    client: (&str, &str),
    user: &str,
    acr: &str,
) -> (Value, String) {
    let url = authorize_url(
        emu,
        plus,
        client.0,
        &format!("&nonce={NONCE}&acr_values={acr}"),
    );
    let back = submit_login(&emu.base, &url, &[("user", user)]).await;
    assert_eq!(back.status(), 302);
    let location = back.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert_eq!(param(&location, "state").as_deref(), Some(STATE));
    let code = param(&location, "code").unwrap_or_else(|| panic!("no code: {location}"));
    let tokens: Value = http()
        .post(format!("{}{}/token", emu.base, prefix(plus)))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("client_id", client.0),
            ("client_secret", client.1),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {tokens}"));
    let userinfo = http()
        .get(format!("{}{}/userinfo", emu.base, prefix(plus)))
        .bearer_auth(access)
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 200);
    assert!(userinfo.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("application/jwt"));
    (tokens, userinfo.text().await.expect("body"))
}

async fn keys(emu: &Emulator, plus: bool) -> KeySet {
    let body = http()
        .get(format!("{}{}/jwks", emu.base, prefix(plus)))
        .send()
        .await
        .expect("jwks")
        .bytes()
        .await
        .expect("jwks body");
    KeySet::from_jwks(&body).expect("JWKS")
}

/// Decrypts (FranceConnect+) and verifies a token with the core; the claims or the core's code.
fn open(token: &str, keys: &KeySet, plus: bool) -> Result<Value, ErrorCode> {
    let jws = if plus {
        DecryptionKeys::from_jwks(DEMO_KEYS.as_bytes())
            .expect("demo keys")
            .decrypt(token)
            .map_err(|e| e.code())?
    } else {
        token.to_string()
    };
    let parsed = parse_jws(&jws).map_err(|e| e.code())?;
    let allowed: &[Algorithm] = if plus {
        &[Algorithm::ES256]
    } else {
        &[Algorithm::ES256, Algorithm::RS256]
    };
    verify_signature(&parsed, allowed, keys, None).map_err(|e| e.code())?;
    Ok(serde_json::from_slice(&parsed.payload).expect("claims"))
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

    let (tokens, userinfo) = login(&emu, false, FC, "citizen", "eidas1").await;
    let id_token = tokens["id_token"].as_str().expect("id_token");
    assert!(!looks_like_jwe(id_token), "FranceConnect does not encrypt");
    let keys = keys(&emu, false).await;
    let claims = open(id_token, &keys, false).expect("id_token verifies");
    assert_eq!(claims["iss"], json!(issuer));
    assert_eq!(claims["acr"], "eidas1");
    assert_eq!(claims["nonce"], NONCE);
    assert_eq!(claims["aud"], FC.0);
    let sub = claims["sub"].as_str().expect("sub");
    assert!(sub.len() == 66 && sub.ends_with("v1"), "sub {sub}");
    let info = open(&userinfo, &keys, false).expect("userinfo verifies");
    assert_eq!(info["sub"], json!(sub));
    assert_eq!(info["given_name"], "Angela Claire Louise");
    assert_eq!(info["family_name"], "DUBOIS");
    assert_eq!(info["birthdate"], "1962-08-24");
    assert_eq!(info["gender"], "female");
    assert_eq!(info["birthplace"], "75107");
    assert_eq!(info["birthcountry"], "99100");
    assert_eq!(info["email"], "angela.dubois@exemple.fr");
    // identite_pivot does not carry preferred_username (removed in v2); it was not asked for.
    assert!(info.get("preferred_username").is_none());

    // Born abroad: no birthplace code, the country's.
    let (_, userinfo) = login(&emu, false, FC, "citizen-abroad", "eidas1").await;
    let info = open(&userinfo, &keys, false).expect("userinfo verifies");
    assert_eq!(info["birthplace"], "");
    assert_eq!(info["birthcountry"], "99134");
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
    let keys = keys(&emu, true).await;
    for (client, alg, kid, user, acr) in [
        (FCP, "RSA-OAEP", "demo-fcp-enc-rsa", "citizen", "eidas2"),
        (
            FCP_ECDH,
            "ECDH-ES",
            "demo-fcp-enc-ec",
            "citizen-high",
            "eidas3",
        ),
    ] {
        let (tokens, userinfo) = login(&emu, true, client, user, acr).await;
        let id_token = tokens["id_token"].as_str().expect("id_token");
        assert!(
            looks_like_jwe(id_token) && looks_like_jwe(&userinfo),
            "{alg}: encrypted"
        );
        let header = jwe_header(id_token);
        assert_eq!(header["alg"], alg);
        assert_eq!(header["enc"], "A256GCM");
        assert_eq!(header["kid"], kid);
        assert_eq!(jwe_header(&userinfo)["alg"], alg);
        let claims = open(id_token, &keys, true).expect("decrypts and verifies");
        assert_eq!(claims["acr"], acr);
        assert_eq!(
            claims["iss"],
            json!(format!("{}/franceconnect-plus/api/v2", emu.base))
        );
        let info = open(&userinfo, &keys, true).expect("userinfo decrypts and verifies");
        assert_eq!(info["sub"], claims["sub"]);
        assert!(info["birthcountry"].is_string() && info["family_name"].is_string());
    }

    // Logout with the encrypted id_token as hint: back to the registered URI with the state.
    let (tokens, _) = login(&emu, true, FCP, "citizen", "eidas2").await;
    let hint = tokens["id_token"].as_str().expect("id_token");
    let back = http()
        .get(format!(
            "{}/franceconnect-plus/api/v2/session/end",
            emu.base
        ))
        .query(&[
            ("id_token_hint", hint),
            ("state", "logout-state-logout-state-logout-01"),
            ("post_logout_redirect_uri", "http://127.0.0.1:9/logged-out"),
        ])
        .send()
        .await
        .expect("logout");
    assert!(back.status().is_redirection(), "{}", back.status());
    let location = back.headers()["location"].to_str().expect("location");
    assert!(location.starts_with("http://127.0.0.1:9/logged-out"));
    assert_eq!(
        param(location, "state").as_deref(),
        Some("logout-state-logout-state-logout-01")
    );
}

#[tokio::test]
async fn fault_modes_act_on_the_signed_jwt_inside() {
    let emu = start();
    let keys = keys(&emu, true).await;
    for (fault, expected) in [
        ("id_token_bad_signature", ErrorCode::InvalidSignature),
        ("id_token_alg_none", ErrorCode::UnsupportedAlgorithm),
    ] {
        let set = http()
            .post(format!("{}/_emulator/faults", emu.base))
            .json(&json!({"fault": fault, "client_id": FCP.0}))
            .send()
            .await
            .expect("fault");
        assert_eq!(set.status(), 204);
        let (tokens, _) = login(&emu, true, FCP, "citizen", "eidas2").await;
        let id_token = tokens["id_token"].as_str().expect("id_token");
        assert!(looks_like_jwe(id_token), "{fault}: still encrypted");
        assert_eq!(open(id_token, &keys, true).err(), Some(expected), "{fault}");
        http()
            .delete(format!("{}/_emulator/faults", emu.base))
            .send()
            .await
            .expect("clear");
    }
    // userinfo_bad_signature: the userinfo decrypts, its signature fails.
    http()
        .post(format!("{}/_emulator/faults", emu.base))
        .json(&json!({"fault": "userinfo_bad_signature", "client_id": FCP_ECDH.0}))
        .send()
        .await
        .expect("fault");
    let (_, userinfo) = login(&emu, true, FCP_ECDH, "citizen", "eidas2").await;
    assert_eq!(
        open(&userinfo, &keys, true).err(),
        Some(ErrorCode::InvalidSignature)
    );
}

#[tokio::test]
async fn franceconnect_plus_fetches_the_clients_jwks_uri() {
    // The client's published keys, as a host serves them (the core's public_jwks).
    let published = DecryptionKeys::from_jwks(DEMO_KEYS.as_bytes())
        .expect("demo keys")
        .public_jwks();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let body = published.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = std::env::temp_dir().join(format!("gc-emulator-fcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("config.json");
    std::fs::write(
        &config,
        json!({"clients": [{"id": "fcp-uri", "secret": "fcp-uri-secret-0123456789abcdef0123",
            "persona": "franceconnect_plus", "id_token_alg": "ES256", "userinfo_alg": "ES256",
            "jwks_uri": format!("http://127.0.0.1:{port}/jwks"),
            "encryption_alg": "ECDH-ES"}]})
        .to_string(),
    )
    .expect("write config");
    let emu = start_with(&["--config", config.to_str().expect("path")]);
    let keys = keys(&emu, true).await;
    let (tokens, userinfo) = login(
        &emu,
        true,
        ("fcp-uri", "fcp-uri-secret-0123456789abcdef0123"),
        "citizen",
        "eidas2",
    )
    .await;
    let id_token = tokens["id_token"].as_str().expect("id_token");
    assert_eq!(jwe_header(id_token)["alg"], "ECDH-ES");
    assert_eq!(jwe_header(id_token)["kid"], "demo-fcp-enc-ec");
    assert_eq!(open(id_token, &keys, true).expect("opens")["acr"], "eidas2");
    assert!(open(&userinfo, &keys, true).is_ok());
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
