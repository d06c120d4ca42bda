//! The emulator over real HTTP: both personas' flows and the refusals ProConnect makes.

use std::process::Command;
use std::sync::LazyLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature;
use serde_json::Value;

mod common;

use common::{exchange_code, http, param, start, submit_login, Emulator, CB};

/// The fixture's (tests/fixture.json) default clients: (id, secret).
static PC: LazyLock<(&str, &str)> = LazyLock::new(|| client("proconnect"));
static PSC: LazyLock<(&str, &str)> = LazyLock::new(|| client("prosanteconnect"));

fn client(name: &str) -> (&'static str, &'static str) {
    let (id, secret, _) = common::fixture_client(name);
    (id, secret)
}
const STATE: &str = "state-state-state-state-state-state-0001";
const NONCE: &str = "nonce-nonce-nonce-nonce-nonce-nonce-0001";

fn authorize_url(emu: &Emulator, extra: &str) -> String {
    format!(
        "{}/api/v2/authorize?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20email%20given_name%20usual_name%20siret&state={STATE}&nonce={NONCE}{extra}",
        emu.base, PC.0
    )
}

/// Logs `user` in and returns the redirect location.
async fn login(emu: &Emulator, url: &str, user: &str) -> String {
    let back = submit_login(&emu.base, url, &[("user", user)]).await;
    assert_eq!(back.status(), 302);
    back.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}

async fn exchange(emu: &Emulator, code: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    exchange_code(&format!("{}/api/v2/token", emu.base), *PC, code, extra).await
}

fn verify_rs256(jwt: &str, jwks: &Value) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    let key = &jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kty"] == "RSA")
        .expect("rsa");
    let n = URL_SAFE_NO_PAD
        .decode(key["n"].as_str().expect("n"))
        .expect("n");
    let e = URL_SAFE_NO_PAD
        .decode(key["e"].as_str().expect("e"))
        .expect("e");
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("sig");
    signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &sig,
        )
        .expect("RS256 signature verifies against the JWKS");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("payload")).expect("claims")
}

#[tokio::test]
async fn proconnect_full_flow() {
    let emu = start();
    let discovery: Value = http()
        .get(format!(
            "{}/api/v2/.well-known/openid-configuration",
            emu.base
        ))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(discovery["issuer"], format!("{}/api/v2", emu.base));
    assert_eq!(
        discovery["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post"])
    );
    let location = login(
        &emu,
        &authorize_url(
            &emu,
            "&claims=%7B%22id_token%22%3A%7B%22amr%22%3Anull%7D%7D",
        ),
        "agent",
    )
    .await;
    assert!(location.starts_with(CB));
    assert_eq!(param(&location, "state").as_deref(), Some(STATE));
    let code = param(&location, "code").expect("code");
    let tokens: Value = exchange(&emu, &code, &[])
        .await
        .json()
        .await
        .expect("tokens");
    let jwks: Value = http()
        .get(format!("{}/api/v2/jwks", emu.base))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let id = verify_rs256(tokens["id_token"].as_str().expect("id_token"), &jwks);
    assert_eq!(id["nonce"], NONCE);
    assert_eq!(id["acr"], "eidas1");
    assert_eq!(id["amr"], serde_json::json!(["pwd"]));
    let userinfo = http()
        .get(format!("{}/api/v2/userinfo", emu.base))
        .bearer_auth(tokens["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo");
    assert!(userinfo.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("application/jwt"));
    let claims = verify_rs256(&userinfo.text().await.expect("body"), &jwks);
    assert_eq!(claims["sub"], id["sub"]);
    assert_eq!(claims["usual_name"], "Martin");
    assert!(claims.get("family_name").is_none());
    assert!(claims.get("uid").is_none(), "uid was not requested");
    // The code is single use.
    let again = exchange(&emu, &code, &[]).await;
    assert_eq!(again.status(), 400);
    // Logout returns the state to a loopback URI.
    let end = http()
        .get(format!("{}/api/v2/session/end?client_id={}&state=xyz&post_logout_redirect_uri=http://127.0.0.1:9/out", emu.base, PC.0))
        .send().await.expect("end");
    assert_eq!(end.status(), 302);
    assert_eq!(
        end.headers()["location"],
        "http://127.0.0.1:9/out?state=xyz"
    );
}

#[tokio::test]
async fn proconnect_refusals() {
    let emu = start();
    let short = format!(
        "{}/api/v2/authorize?response_type=code&client_id={}&redirect_uri={CB}&scope=openid&state=short&nonce={NONCE}",
        emu.base, PC.0
    );
    let r = http().get(short).send().await.expect("short");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("t").contains("Y000400"));
    let r = http()
        .get(authorize_url(&emu, "&foo=bar"))
        .send()
        .await
        .expect("unknown");
    assert_eq!(r.status(), 400);
    let r = http()
        .get(authorize_url(&emu, "").replace(CB, "https://evil.example/cb"))
        .send()
        .await
        .expect("redir");
    assert_eq!(r.status(), 400);
    // Essential acr not met.
    let claims = "&claims=%7B%22id_token%22%3A%7B%22acr%22%3A%7B%22essential%22%3Atrue%2C%22values%22%3A%5B%22eidas2%22%5D%7D%7D%7D";
    let location = login(&emu, &authorize_url(&emu, claims), "agent").await;
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    // client_secret_basic is refused.
    let location = login(&emu, &authorize_url(&emu, ""), "agent").await;
    let code = param(&location, "code").expect("code");
    let basic = http()
        .post(format!("{}/api/v2/token", emu.base))
        .basic_auth(PC.0, Some(PC.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .expect("basic");
    assert_eq!(basic.status(), 401);
    // PKCE: a wrong verifier is refused.
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let location = login(
        &emu,
        &authorize_url(
            &emu,
            &format!("&code_challenge={challenge}&code_challenge_method=S256"),
        ),
        "agent",
    )
    .await;
    let code = param(&location, "code").expect("code");
    let wrong = exchange(
        &emu,
        &code,
        &[(
            "code_verifier",
            "not-the-verifier-not-the-verifier-not-the-v",
        )],
    )
    .await;
    assert_eq!(wrong.status(), 400);
    // Unregistered post-logout URI.
    let end = http()
        .get(format!("{}/api/v2/session/end?client_id={}&state=x&post_logout_redirect_uri=https://evil.example/", emu.base, PC.0))
        .send().await.expect("end");
    assert_eq!(end.status(), 400);
}

#[tokio::test]
async fn psc_flow_with_split_paths_and_json_userinfo() {
    let emu = start();
    let issuer = format!("{}/auth/realms/esante-wallet", emu.base);
    let standard = http()
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .expect("std");
    assert_eq!(standard.status(), 404);
    let discovery: Value = http()
        .get(format!("{issuer}/.well-known/wallet-openid-configuration"))
        .send()
        .await
        .expect("d")
        .json()
        .await
        .expect("json");
    let authorize = discovery["authorization_endpoint"]
        .as_str()
        .expect("authz")
        .to_string();
    assert_eq!(authorize, format!("{}/wallet/auth", emu.base));
    let url = format!(
        "{authorize}?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20scope_all&acr_values=eidas1&state={STATE}&nonce={NONCE}",
        PSC.0
    );
    let location = login(&emu, &url, "doctor").await;
    let code = param(&location, "code").expect("code");
    let token: Value = http()
        .post(discovery["token_endpoint"].as_str().expect("t"))
        .basic_auth(PSC.0, Some(PSC.1))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let userinfo = http()
        .get(discovery["userinfo_endpoint"].as_str().expect("u"))
        .bearer_auth(token["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo");
    assert!(userinfo.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("application/json"));
    let claims: Value = userinfo.json().await.expect("json");
    assert_eq!(claims["SubjectNameID"], "899700218896");
    assert_eq!(
        claims["SubjectRefPro"]["exercices"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        claims["sub"],
        "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:899700218896"
    );
    let bad_acr = http()
        .get(url.replace("eidas1", "eidas3"))
        .send()
        .await
        .expect("acr");
    assert_eq!(bad_acr.status(), 302);
}

#[test]
fn refuses_a_non_loopback_host() {
    let out = Command::new(env!("CARGO_BIN_EXE_gouvconnect-emulator"))
        .args(["--host", "0.0.0.0", "--port", "0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("non-loopback"));
}

/// As deployed (`--strictness as-deployed`, or a client's own setting): a short state, no
/// nonce and unknown parameters pass, as in the federation's code; the id_token then has no
/// nonce. Docs-strict (the default) refuses the same request.
#[tokio::test]
async fn as_deployed_takes_what_the_federation_code_takes() {
    let lax = format!(
        "/api/v2/authorize?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20email&state=s1&foo=bar&response_mode=query",
        PC.0
    );
    let strict = start();
    let r = http()
        .get(format!("{}{lax}", strict.base))
        .send()
        .await
        .expect("strict");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("t").contains("Y000400"));

    let emu = common::start_with(&["--strictness", "as-deployed"]);
    let location = login(&emu, &format!("{}{lax}", emu.base), "agent").await;
    assert_eq!(param(&location, "state").as_deref(), Some("s1"));
    let code = param(&location, "code").expect("code");
    let tokens: Value = exchange(&emu, &code, &[])
        .await
        .json()
        .await
        .expect("tokens");
    let payload = tokens["id_token"]
        .as_str()
        .and_then(|t| t.split('.').nth(1))
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .expect("id_token payload");
    assert!(payload.get("nonce").is_none(), "{payload}");
    // Still refused as deployed: no state, an empty nonce.
    for bad in ["&state=s1&nonce=", ""] {
        let url = format!(
            "{}/api/v2/authorize?response_type=code&client_id={}&redirect_uri={CB}&scope=openid{bad}",
            emu.base, PC.0
        );
        let r = http().get(url).send().await.expect("bad");
        assert_eq!(r.status(), 400, "{bad}");
    }
    // A client registered as deployed is lax on a docs-strict emulator.
    let url = lax.replace(PC.0, client("proconnect_deployed").0);
    let page = http()
        .get(format!("{}{url}", strict.base))
        .send()
        .await
        .expect("deployed client");
    assert_eq!(page.status(), 200);
}

/// ProConnect's MFA carried over between services: with a session at eidas2, a second client
/// asking for essential MFA levels gets a code without a login page; one asking for eidas2/eidas3
/// only gets a fresh login. Pro Santé Connect: a CPS card login returns eidas2 and authMode CARD.
#[tokio::test]
async fn mfa_carries_over_and_psc_card_logins() {
    let emu = start();
    let mfa_claims = "&claims=%7B%22id_token%22%3A%7B%22acr%22%3A%7B%22essential%22%3Atrue%2C%22values%22%3A%5B%22eidas1-mfa%22%2C%22eidas2%22%2C%22eidas3%22%5D%7D%7D%7D";
    let first = authorize_url(&emu, mfa_claims);
    let back = submit_login(&emu.base, &first, &[("user", "mfa")]).await;
    let cookie = back.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie pair")
        .to_string();
    // Another client (the ES256 one) of the same browser session.
    let second = first.replace(
        &format!("client_id={}&", PC.0),
        &format!("client_id={}&", client("proconnect_es256").0),
    );
    let carried = http()
        .get(&second)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("carried over");
    assert_eq!(
        carried.status(),
        302,
        "no new login for an MFA level already met"
    );
    let location = carried.headers()["location"].to_str().expect("loc");
    assert!(param(location, "code").is_some(), "{location}");
    let eidas2_only = "&claims=%7B%22id_token%22%3A%7B%22acr%22%3A%7B%22essential%22%3Atrue%2C%22values%22%3A%5B%22eidas2%22%2C%22eidas3%22%5D%7D%7D%7D";
    let fresh = http()
        .get(authorize_url(&emu, eidas2_only))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("fresh");
    assert_eq!(fresh.status(), 200, "eidas2/eidas3 always force a login");

    // PSC: the card.
    let psc = format!(
        "{}/wallet/auth?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20scope_all&state={STATE}&nonce={NONCE}&acr_values=eidas1",
        emu.base, PSC.0
    );
    let html = http()
        .get(&psc)
        .send()
        .await
        .expect("psc")
        .text()
        .await
        .expect("html");
    assert!(html.contains("name=\"means\""));
    let back = submit_login(&emu.base, &psc, &[("user", "doctor"), ("means", "card")]).await;
    let code = param(back.headers()["location"].to_str().expect("loc"), "code").expect("code");
    let token_url = format!(
        "{}/auth/realms/esante-wallet/protocol/openid-connect/token",
        emu.base
    );
    let tokens: Value = exchange_code(&token_url, *PSC, &code, &[])
        .await
        .json()
        .await
        .expect("json");
    let payload = tokens["id_token"]
        .as_str()
        .and_then(|t| t.split('.').nth(1))
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .expect("payload");
    assert_eq!(payload["acr"], "eidas2");
    assert_eq!(payload["authMode"], "CARD");
}
