//! `grant_type=refresh_token` at both federations' token endpoints: rotation, single use, the
//! refreshed id_token's claims, and the refusals (`invalid_grant`, `invalid_client`).

use std::sync::LazyLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

mod common;

use common::{exchange_code, http, param, start, submit_login, Emulator, CB};

static PC: LazyLock<(&str, &str)> = LazyLock::new(|| client("proconnect"));
static PC_OTHER: LazyLock<(&str, &str)> = LazyLock::new(|| client("proconnect_es256"));
static PSC: LazyLock<(&str, &str)> = LazyLock::new(|| client("prosanteconnect"));

fn client(name: &str) -> (&'static str, &'static str) {
    let (id, secret, _) = common::fixture_client(name);
    (id, secret)
}
const STATE: &str = "state-state-state-state-state-state-0001";
const NONCE: &str = "nonce-nonce-nonce-nonce-nonce-nonce-0001";

fn pc_token(emu: &Emulator) -> String {
    format!("{}/api/v2/token", emu.base)
}

fn psc_token(emu: &Emulator) -> String {
    format!(
        "{}/auth/realms/esante-wallet/protocol/openid-connect/token",
        emu.base
    )
}

fn payload(jwt: &str) -> Value {
    jwt.split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .expect("JWT payload")
}

async fn post(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = http().post(url).form(form).send().await.expect("token");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json"))
}

/// Logs `user` in at `authorize` and exchanges the code at `token` with `client`.
async fn login(
    emu: &Emulator,
    authorize: &str,
    form: &[(&str, &str)],
    token: &str,
    client: (&str, &str),
) -> Value {
    let back = submit_login(&emu.base, authorize, form).await;
    let location = back.headers()["location"].to_str().expect("location");
    let code = param(location, "code").expect("code");
    let answer = exchange_code(token, client, &code, &[]).await;
    let status = answer.status();
    let tokens: Value = answer.json().await.expect("json");
    assert_eq!(status, 200, "{tokens}");
    tokens
}

async fn refresh(token_url: &str, client: (&str, &str), refresh_token: &str) -> (u16, Value) {
    post(
        token_url,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", client.0),
            ("client_secret", client.1),
        ],
    )
    .await
}

#[tokio::test]
async fn proconnect_refresh_rotates_and_is_single_use() {
    let emu = start();
    let authorize = format!(
        "{}/api/v2/authorize?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20email%20given_name%20usual_name&state={STATE}&nonce={NONCE}&claims=%7B%22id_token%22%3A%7B%22amr%22%3Anull%7D%7D",
        emu.base, PC.0
    );
    let first = login(&emu, &authorize, &[("user", "agent")], &pc_token(&emu), *PC).await;
    let first_id = payload(first["id_token"].as_str().expect("id_token"));
    let first_refresh = first["refresh_token"].as_str().expect("refresh_token");

    // An unauthenticated client is refused before the token is looked at (it stays usable).
    let (status, refused) = refresh(&pc_token(&emu), ("unknown", "x"), first_refresh).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // Tokens issued in the same second would compare equal on `iat`.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, renewed) = refresh(&pc_token(&emu), *PC, first_refresh).await;
    assert_eq!(status, 200, "{renewed}");
    for field in ["access_token", "refresh_token", "id_token", "scope"] {
        assert!(renewed[field].is_string(), "{field} in {renewed}");
    }
    assert_eq!(renewed["expires_in"], 3600);
    assert_eq!(renewed["token_type"], "Bearer");
    assert_ne!(renewed["refresh_token"], first["refresh_token"]);
    assert_ne!(renewed["access_token"], first["access_token"]);
    let id = payload(renewed["id_token"].as_str().expect("id_token"));
    assert_eq!(id["sub"], first_id["sub"]);
    assert_eq!(id["aud"], PC.0);
    assert_eq!(id["acr"], first_id["acr"]);
    assert_eq!(id["amr"], first_id["amr"]);
    assert_eq!(id["auth_time"], first_id["auth_time"]);
    assert!(
        id.get("nonce").is_none(),
        "oidc-provider: no nonce on refresh"
    );
    assert!(id["iat"].as_u64() > first_id["iat"].as_u64());
    assert!(id["exp"].as_u64() > id["iat"].as_u64());

    // The new access token reads the userinfo.
    let userinfo = http()
        .get(format!("{}/api/v2/userinfo", emu.base))
        .bearer_auth(renewed["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 200);
    let claims = payload(&userinfo.text().await.expect("body"));
    assert_eq!(claims["sub"], id["sub"]);
    assert_eq!(claims["usual_name"], "Martin");

    // Single use: the first refresh token is spent; the rotated one works once.
    let (status, spent) = refresh(&pc_token(&emu), *PC, first_refresh).await;
    assert_eq!(
        (status, spent["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let second = renewed["refresh_token"].as_str().expect("rt");
    let (status, _) = refresh(&pc_token(&emu), *PC, second).await;
    assert_eq!(status, 200);
    let (status, _) = refresh(&pc_token(&emu), *PC, second).await;
    assert_eq!(status, 400);

    // Unknown token; another registered client; a token from before a reset.
    let (status, unknown) = refresh(&pc_token(&emu), *PC, "not-a-refresh-token").await;
    assert_eq!(
        (status, unknown["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let other = login(&emu, &authorize, &[("user", "agent")], &pc_token(&emu), *PC).await;
    let other_rt = other["refresh_token"].as_str().expect("rt");
    let (status, stolen) = refresh(&pc_token(&emu), *PC_OTHER, other_rt).await;
    assert_eq!(
        (status, stolen["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let third = login(&emu, &authorize, &[("user", "agent")], &pc_token(&emu), *PC).await;
    let reset = http()
        .post(format!("{}/_emulator/reset", emu.base))
        .send()
        .await
        .expect("reset");
    assert!(reset.status().is_success());
    let (status, ended) = refresh(
        &pc_token(&emu),
        *PC,
        third["refresh_token"].as_str().expect("rt"),
    )
    .await;
    assert_eq!(
        (status, ended["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // A grant type the token endpoint does not know.
    let (status, unsupported) = post(
        &pc_token(&emu),
        &[
            ("grant_type", "password"),
            ("client_id", PC.0),
            ("client_secret", PC.1),
        ],
    )
    .await;
    assert_eq!(
        (status, unsupported["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn psc_refresh_keeps_the_card_level() {
    let emu = start();
    let authorize = format!(
        "{}/wallet/auth?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20scope_all&state={STATE}&nonce={NONCE}&acr_values=eidas1",
        emu.base, PSC.0
    );
    let first = login(
        &emu,
        &authorize,
        &[("user", "doctor"), ("means", "card")],
        &psc_token(&emu),
        *PSC,
    )
    .await;
    let expires = first["refresh_expires_in"]
        .as_u64()
        .expect("refresh_expires_in");
    assert!((1790..=1800).contains(&expires), "{expires}");
    let first_id = payload(first["id_token"].as_str().expect("id_token"));
    let (status, renewed) = refresh(
        &psc_token(&emu),
        *PSC,
        first["refresh_token"].as_str().expect("rt"),
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["expires_in"], 120);
    assert!(renewed["refresh_expires_in"]
        .as_u64()
        .is_some_and(|s| s <= 1800));
    let id = payload(renewed["id_token"].as_str().expect("id_token"));
    assert_eq!(id["sub"], first_id["sub"]);
    assert_eq!(id["acr"], "eidas2", "the original login's level");
    assert_eq!(id["authMode"], "CARD");
    assert_eq!(id["azp"], PSC.0);
    let userinfo: Value = http()
        .get(format!(
            "{}/auth/realms/esante-wallet/protocol/openid-connect/userinfo",
            emu.base
        ))
        .bearer_auth(renewed["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(userinfo["SubjectNameID"], "899700218896");
    // A ProConnect endpoint does not take a PSC refresh token (nor PSC's client).
    let (status, _) = refresh(
        &pc_token(&emu),
        *PSC,
        renewed["refresh_token"].as_str().expect("rt"),
    )
    .await;
    assert_eq!(status, 401);
}
