//! Fault modes and the control API over real HTTP: each fault makes the provider send what the
//! README says, checked by decoding (and verifying, where it applies) what comes back.

use std::process::Command;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::signature;
use serde_json::{json, Value};

mod common;

use common::{exchange_code, http, param, start, start_with, Emulator, CB};

/// A registered client, as the tests use it.
#[derive(Clone, Copy)]
struct Cli {
    id: &'static str,
    secret: &'static str,
    psc: bool,
}

/// The fixture's client `name` (tests/fixture.json).
fn cli(name: &str) -> Cli {
    let (id, secret, provider) = common::fixture_client(name);
    Cli {
        id,
        secret,
        psc: provider == "prosanteconnect",
    }
}

static RS: LazyLock<Cli> = LazyLock::new(|| cli("proconnect"));
static ES: LazyLock<Cli> = LazyLock::new(|| cli("proconnect_es256"));
static PSC: LazyLock<Cli> = LazyLock::new(|| cli("prosanteconnect"));

const STATE: &str = "state-state-state-state-state-state-0042";
const NONCE: &str = "nonce-nonce-nonce-nonce-nonce-nonce-0042";
const ESSENTIAL_EIDAS2: &str = "%7B%22id_token%22%3A%7B%22acr%22%3A%7B%22essential%22%3Atrue%2C%22value%22%3A%22eidas2%22%7D%2C%22amr%22%3Anull%7D%7D";

impl Emulator {
    async fn fault(&self, fault: &str, client: Option<Cli>) {
        let mut body = json!({ "fault": fault });
        if let Some(c) = client {
            body["client_id"] = json!(c.id);
        }
        let r = http()
            .post(format!("{}/_emulator/faults", self.base))
            .json(&body)
            .send()
            .await
            .expect("post fault");
        assert_eq!(r.status(), 204, "{fault}");
    }

    async fn control(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        http()
            .request(method, format!("{}/_emulator/{path}", self.base))
            .send()
            .await
            .expect("control")
    }

    async fn get_json(&self, url: &str) -> Value {
        http()
            .get(url)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    async fn jwks(&self) -> Value {
        self.get_json(&format!("{}/api/v2/jwks", self.base)).await
    }

    fn authorize_url(&self, c: Cli, claims: Option<&str>) -> String {
        if c.psc {
            format!("{}/wallet/auth?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20scope_all&acr_values=eidas1&state={STATE}&nonce={NONCE}", self.base, c.id)
        } else {
            let claims = claims.map(|c| format!("&claims={c}")).unwrap_or_default();
            format!("{}/api/v2/authorize?response_type=code&client_id={}&redirect_uri={CB}&scope=openid%20email%20given_name%20usual_name%20siret&state={STATE}&nonce={NONCE}{claims}", self.base, c.id)
        }
    }

    /// Authorize and log `user` in: the redirect back to the client.
    async fn login(&self, c: Cli, user: &str, claims: Option<&str>) -> String {
        let url = self.authorize_url(c, claims);
        let back = common::submit_login(&self.base, &url, &[("user", user)]).await;
        assert_eq!(back.status(), 302);
        back.headers()["location"]
            .to_str()
            .expect("location")
            .to_string()
    }

    async fn token_request(&self, c: Cli, code: &str) -> reqwest::Response {
        let path = if c.psc {
            "/auth/realms/esante-wallet/protocol/openid-connect/token"
        } else {
            "/api/v2/token"
        };
        exchange_code(&format!("{}{path}", self.base), (c.id, c.secret), code, &[]).await
    }

    /// A full login up to the token response.
    async fn tokens(&self, c: Cli, user: &str, claims: Option<&str>) -> Value {
        let location = self.login(c, user, claims).await;
        let code = param(&location, "code").expect("code");
        let r = self.token_request(c, &code).await;
        assert_eq!(r.status(), 200);
        r.json().await.expect("tokens")
    }

    async fn userinfo(&self, c: Cli, access_token: &str) -> reqwest::Response {
        let path = if c.psc {
            "/auth/realms/esante-wallet/protocol/openid-connect/userinfo"
        } else {
            "/api/v2/userinfo"
        };
        http()
            .get(format!("{}{path}", self.base))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userinfo")
    }

    async fn id_token(&self, c: Cli, user: &str) -> String {
        self.tokens(c, user, None).await["id_token"]
            .as_str()
            .expect("id_token")
            .to_string()
    }
}

fn b64d(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).expect("base64url")
}

fn part(jwt: &str, i: usize) -> Value {
    serde_json::from_slice(&b64d(jwt.split('.').nth(i).expect("part"))).expect("json part")
}

fn header(jwt: &str) -> Value {
    part(jwt, 0)
}

fn claims(jwt: &str) -> Value {
    part(jwt, 1)
}

fn signing_input(jwt: &str) -> String {
    let mut it = jwt.split('.');
    format!("{}.{}", it.next().expect("h"), it.next().expect("p"))
}

/// Whether `jwk` (RSA or EC) verifies the JWS.
fn verifies_with(jwt: &str, jwk: &Value) -> bool {
    let sig = b64d(jwt.split('.').nth(2).expect("sig"));
    let input = signing_input(jwt);
    match jwk["kty"].as_str() {
        Some("RSA") => {
            let n = b64d(jwk["n"].as_str().expect("n"));
            let e = b64d(jwk["e"].as_str().expect("e"));
            signature::RsaPublicKeyComponents { n: &n, e: &e }
                .verify(
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    input.as_bytes(),
                    &sig,
                )
                .is_ok()
        }
        Some("EC") => {
            let mut point = vec![4u8];
            point.extend(b64d(jwk["x"].as_str().expect("x")));
            point.extend(b64d(jwk["y"].as_str().expect("y")));
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }
        _ => false,
    }
}

/// Whether any key of the JWKS verifies the JWS.
fn verifies(jwt: &str, jwks: &Value) -> bool {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .any(|k| verifies_with(jwt, k))
}

fn hs256_verifies(jwt: &str, key: &[u8]) -> bool {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::verify(
        &key,
        signing_input(jwt).as_bytes(),
        &b64d(jwt.split('.').nth(2).expect("sig")),
    )
    .is_ok()
}

/// The PEM text of an RSA JWK's SubjectPublicKeyInfo, built here independently of the
/// emulator (what an alg-confusion attacker feeds an HMAC).
fn rsa_public_pem(jwk: &Value) -> String {
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 128 {
            out.push(len as u8);
        } else if len < 256 {
            out.extend([0x81, len as u8]);
        } else {
            out.extend([0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(content);
        out
    }
    let int = |bytes: Vec<u8>| {
        let mut v = bytes;
        if v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        der(0x02, &v)
    };
    let mut rsa = int(b64d(jwk["n"].as_str().expect("n")));
    rsa.extend(int(b64d(jwk["e"].as_str().expect("e"))));
    let rsa = der(0x30, &rsa);
    let mut bits = vec![0u8];
    bits.extend(rsa);
    let mut spki = vec![
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    spki.extend(der(0x03, &bits));
    let body = STANDARD.encode(der(0x30, &spki));
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64
}

#[tokio::test]
async fn control_api_validates_lists_and_clears() {
    let emu = start();
    let r = http()
        .post(format!("{}/_emulator/faults", emu.base))
        .json(&json!({ "fault": "no_such_fault" }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["error"], "unknown_fault");
    let valid = body["valid_faults"].as_array().expect("list");
    assert_eq!(valid.len(), 32);
    assert!(valid.contains(&json!("id_token_hs256_public_key")));
    for bad in [
        json!({ "fault": "token_500", "client_id": "nobody" }),
        json!({ "fault": "token_slow", "delay_secs": -1 }),
        json!({ "fault": "token_500", "extra": 1 }),
        json!(["token_500"]),
    ] {
        let r = http()
            .post(format!("{}/_emulator/faults", emu.base))
            .json(&bad)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 400, "{bad}");
    }
    emu.fault("token_500", Some(*RS)).await;
    let r = http()
        .post(format!("{}/_emulator/faults", emu.base))
        .json(&json!({ "fault": "token_slow", "delay_secs": 5 }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 204);
    let list: Value = emu
        .control(reqwest::Method::GET, "faults")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        list,
        json!([
            { "fault": "token_slow", "client_id": null, "delay_secs": 5 },
            { "fault": "token_500", "client_id": RS.id },
        ])
    );
    let r = emu.control(reqwest::Method::DELETE, "faults").await;
    assert_eq!(r.status(), 204);
    let list: Value = emu
        .control(reqwest::Method::GET, "faults")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn forged_id_token_signatures() {
    let emu = start();
    let jwks = emu.jwks().await;
    let honest = emu.id_token(*RS, "agent").await;
    assert!(
        verifies(&honest, &jwks),
        "control: an honest token verifies"
    );

    emu.fault("id_token_bad_signature", Some(*RS)).await;
    let t = emu.id_token(*RS, "agent").await;
    assert_eq!(header(&t)["alg"], "RS256");
    assert_eq!(header(&t)["kid"], header(&honest)["kid"]);
    assert_eq!(claims(&t)["nonce"], NONCE);
    assert!(!verifies(&t, &jwks));
    // Faults of one client leave the others alone.
    assert!(verifies(&emu.id_token(*ES, "agent").await, &jwks));
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("id_token_alg_none", None).await;
    let t = emu.id_token(*RS, "agent").await;
    assert_eq!(header(&t)["alg"], "none");
    assert!(t.ends_with('.'));
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("id_token_hs256_public_key", None).await;
    let t = emu.id_token(*RS, "agent").await;
    assert_eq!(header(&t)["alg"], "HS256");
    let rsa = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kty"] == "RSA")
        .expect("rsa")
        .clone();
    assert_eq!(header(&t)["kid"], rsa["kid"]);
    assert!(hs256_verifies(&t, rsa_public_pem(&rsa).as_bytes()));
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("id_token_hs256_wrong_secret", None).await;
    let t = emu.id_token(*RS, "agent").await;
    assert_eq!(header(&t)["alg"], "HS256");
    assert!(!hs256_verifies(&t, RS.secret.as_bytes()));
    assert!(!hs256_verifies(&t, rsa_public_pem(&rsa).as_bytes()));
    emu.control(reqwest::Method::DELETE, "faults").await;

    for client in [*RS, *ES, *PSC] {
        emu.fault("id_token_jwk_header", Some(client)).await;
        let t = emu
            .id_token(client, if client.psc { "doctor" } else { "agent" })
            .await;
        let embedded = header(&t)["jwk"].clone();
        assert!(verifies_with(&t, &embedded), "signed with the embedded key");
        assert!(
            !verifies(&t, &jwks),
            "by a key the provider never published"
        );
    }
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("id_token_jku_header", Some(*ES)).await;
    let t = emu.id_token(*ES, "agent").await;
    assert_eq!(header(&t)["alg"], "ES256");
    let jku = header(&t)["jku"].as_str().expect("jku").to_string();
    assert!(jku.starts_with(&emu.base));
    let attacker = emu.get_json(&jku).await;
    assert!(verifies(&t, &attacker));
    assert!(!verifies(&t, &jwks));

    emu.fault("id_token_x5u_header", Some(*RS)).await;
    let t = emu.id_token(*RS, "agent").await;
    let x5u = header(&t)["x5u"].as_str().expect("x5u").to_string();
    let cert = http()
        .get(&x5u)
        .send()
        .await
        .expect("x5u")
        .text()
        .await
        .expect("pem");
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(verifies(&t, &attacker), "signed by the attacker's key");
    assert!(!verifies(&t, &jwks));
}

#[tokio::test]
async fn id_token_claim_faults() {
    let emu = start();
    let jwks = emu.jwks().await;
    type Check = fn(&Value, &str) -> bool;
    let cases: &[(&str, Check)] = &[
        ("id_token_wrong_iss", |c, base| {
            c["iss"] != format!("{base}/api/v2") && c["iss"].is_string()
        }),
        ("id_token_wrong_aud", |c, _| {
            c["aud"].is_string() && c["aud"] != RS.id
        }),
        ("id_token_extra_aud", |c, _| {
            c["aud"]
                .as_array()
                .is_some_and(|a| a.len() == 2 && a.contains(&json!(RS.id)))
                && c.get("azp").is_none()
        }),
        ("id_token_expired", |c, _| {
            c["exp"].as_i64().expect("exp") < now() - 600
        }),
        ("id_token_iat_future", |c, _| {
            c["iat"].as_i64().expect("iat") > now() + 1800
        }),
        ("id_token_wrong_nonce", |c, _| {
            c["nonce"].is_string() && c["nonce"] != NONCE
        }),
        ("id_token_no_nonce", |c, _| c.get("nonce").is_none()),
        ("id_token_no_sub", |c, _| c.get("sub").is_none()),
    ];
    for (fault, check) in cases {
        emu.fault(fault, Some(*RS)).await;
        let t = emu.id_token(*RS, "agent").await;
        assert!(verifies(&t, &jwks), "{fault}: signed by the provider");
        assert!(check(&claims(&t), &emu.base), "{fault}: {}", claims(&t));
        emu.control(reqwest::Method::DELETE, "faults").await;
    }
    // PSC: the extra audience comes without azp (PSC otherwise sets azp).
    let honest = claims(&emu.id_token(*PSC, "doctor").await);
    assert_eq!(honest["azp"], PSC.id);
    emu.fault("id_token_extra_aud", Some(*PSC)).await;
    emu.fault("id_token_expired", Some(*PSC)).await;
    let c = claims(&emu.id_token(*PSC, "doctor").await);
    assert_eq!(c["aud"], json!([PSC.id, "some-other-client"]));
    assert!(c.get("azp").is_none());
    assert!(c["exp"].as_i64().expect("exp") < now());
}

#[tokio::test]
async fn userinfo_faults() {
    let emu = start();
    let jwks = emu.jwks().await;
    let run = |fault: Option<&'static str>, client: Cli| {
        let emu = &emu;
        async move {
            if let Some(f) = fault {
                emu.fault(f, Some(client)).await;
            }
            let user = if client.psc { "doctor" } else { "agent" };
            let tokens = emu.tokens(client, user, None).await;
            let r = emu
                .userinfo(client, tokens["access_token"].as_str().expect("at"))
                .await;
            assert_eq!(r.status(), 200);
            let ct = r.headers()["content-type"]
                .to_str()
                .expect("ct")
                .to_string();
            let body = r.text().await.expect("body");
            emu.control(reqwest::Method::DELETE, "faults").await;
            (claims(tokens["id_token"].as_str().expect("id")), ct, body)
        }
    };
    let (id, ct, body) = run(None, *RS).await;
    assert!(ct.starts_with("application/jwt"));
    assert!(verifies(&body, &jwks));
    assert_eq!(claims(&body)["sub"], id["sub"]);

    let (_, ct, body) = run(Some("userinfo_bad_signature"), *RS).await;
    assert!(ct.starts_with("application/jwt"));
    assert!(!verifies(&body, &jwks));

    let (id, _, body) = run(Some("userinfo_other_sub"), *ES).await;
    assert!(verifies(&body, &jwks));
    assert!(claims(&body)["sub"].is_string());
    assert_ne!(claims(&body)["sub"], id["sub"]);

    let (_, ct, body) = run(Some("userinfo_unsigned"), *RS).await;
    assert!(ct.starts_with("application/json"));
    let plain: Value = serde_json::from_str(&body).expect("plain JSON");
    assert_eq!(plain["usual_name"], "Martin");

    let (_, _, body) = run(Some("userinfo_oversized"), *RS).await;
    assert!(body.len() >= 2 * 1024 * 1024);

    // ProConnect: custom.email_verified false although `custom` was not asked for.
    let (_, _, body) = run(None, *RS).await;
    assert!(claims(&body).get("custom").is_none());
    let (_, _, body) = run(Some("email_unverified"), *RS).await;
    assert_eq!(claims(&body)["custom"]["email_verified"], false);
    assert!(claims(&body)["email"].is_string());

    // PSC: an email with email_verified false; other_sub too.
    let (id, ct, body) = run(Some("email_unverified"), *PSC).await;
    assert!(ct.starts_with("application/json"));
    let plain: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(plain["email_verified"], false);
    assert!(plain["email"].as_str().is_some_and(|e| e.contains('@')));
    assert_eq!(plain["sub"], id["sub"]);
    let (id, _, body) = run(Some("userinfo_other_sub"), *PSC).await;
    let plain: Value = serde_json::from_str(&body).expect("json");
    assert_ne!(plain["sub"], id["sub"]);
}

#[tokio::test]
async fn kid_faults_shape_the_jwks() {
    let emu = start();
    emu.fault("kid_absent_one_key", Some(*ES)).await;
    let t = emu.id_token(*ES, "agent").await;
    assert!(header(&t).get("kid").is_none());
    let jwks = emu.jwks().await;
    let keys = jwks["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{jwks}");
    assert_eq!(keys[0]["alg"], "ES256");
    assert!(verifies(&t, &jwks));
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("kid_absent_several_keys", Some(*RS)).await;
    let t = emu.id_token(*RS, "agent").await;
    assert!(header(&t).get("kid").is_none());
    let jwks = emu.jwks().await;
    let rsa: Vec<&Value> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter(|k| k["kty"] == "RSA" && k["alg"] == "RS256")
        .collect();
    assert!(rsa.len() >= 2, "{jwks}");
    assert!(!verifies_with(&t, rsa[0]), "the first RSA key is a decoy");
    assert!(verifies(&t, &jwks));
    // The userinfo JWT has no kid either.
    let tokens = emu.tokens(*RS, "agent", None).await;
    let ui = emu
        .userinfo(*RS, tokens["access_token"].as_str().expect("at"))
        .await
        .text()
        .await
        .expect("body");
    assert!(header(&ui).get("kid").is_none());
}

#[tokio::test]
async fn endpoint_faults() {
    let emu = start();
    emu.fault("token_500", Some(*RS)).await;
    let code = param(&emu.login(*RS, "agent", None).await, "code").expect("code");
    let r = emu.token_request(*RS, &code).await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"],
        "server_error"
    );
    emu.control(reqwest::Method::DELETE, "faults").await;

    let r = http()
        .post(format!("{}/_emulator/faults", emu.base))
        .json(&json!({ "fault": "token_slow", "client_id": RS.id, "delay_secs": 1 }))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 204);
    let code = param(&emu.login(*RS, "agent", None).await, "code").expect("code");
    let started = Instant::now();
    let r = emu.token_request(*RS, &code).await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(1));
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("token_hang", Some(*RS)).await;
    let code = param(&emu.login(*RS, "agent", None).await, "code").expect("code");
    let hung = tokio::time::timeout(Duration::from_secs(2), emu.token_request(*RS, &code)).await;
    assert!(hung.is_err(), "the token endpoint never answers");
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("token_oversized", Some(*RS)).await;
    let code = param(&emu.login(*RS, "agent", None).await, "code").expect("code");
    let body = emu.token_request(*RS, &code).await.text().await.expect("b");
    assert!(body.len() >= 2 * 1024 * 1024);
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("jwks_down", Some(*PSC)).await;
    let r = http()
        .get(format!(
            "{}/auth/realms/esante-wallet/protocol/openid-connect/certs",
            emu.base
        ))
        .send()
        .await
        .expect("certs");
    assert_eq!(r.status(), 503);
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("jwks_oversized", None).await;
    let r = http()
        .get(format!("{}/api/v2/jwks", emu.base))
        .send()
        .await
        .expect("jwks");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("b").len() >= 2 * 1024 * 1024);
    emu.control(reqwest::Method::DELETE, "faults").await;

    emu.fault("access_denied", Some(*PSC)).await;
    let r = http()
        .get(emu.authorize_url(*PSC, None))
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().expect("loc").to_string();
    assert!(location.starts_with(CB));
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    assert!(param(&location, "error_description").is_some());
    assert_eq!(param(&location, "state").as_deref(), Some(STATE));
}

#[tokio::test]
async fn assurance_faults() {
    let emu = start();
    // Without the fault an unmet essential acr is refused...
    let location = emu.login(*RS, "agent", Some(ESSENTIAL_EIDAS2)).await;
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    // ...with it, the lower acr comes back.
    emu.fault("acr_lower", Some(*RS)).await;
    let tokens = emu.tokens(*RS, "agent", Some(ESSENTIAL_EIDAS2)).await;
    assert_eq!(
        claims(tokens["id_token"].as_str().expect("id"))["acr"],
        "eidas1"
    );
    emu.control(reqwest::Method::DELETE, "faults").await;

    let honest = emu.tokens(*RS, "mfa", Some(ESSENTIAL_EIDAS2)).await;
    assert_eq!(
        claims(honest["id_token"].as_str().expect("id"))["amr"],
        json!(["pwd", "otp", "mfa"])
    );
    emu.fault("amr_no_mfa", None).await;
    let tokens = emu.tokens(*RS, "mfa", Some(ESSENTIAL_EIDAS2)).await;
    let c = claims(tokens["id_token"].as_str().expect("id"));
    assert_eq!(c["acr"], "eidas2");
    assert_eq!(c["amr"], json!(["pwd"]));
    let psc = claims(&emu.id_token(*PSC, "doctor").await);
    assert_eq!(psc["amr"], json!(["pwd"]));
}

#[tokio::test]
async fn key_rotation_survives_clearing_faults_and_reset_restores() {
    let emu = start();
    let before = emu.jwks().await;
    let kids = |jwks: &Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_string())
            .collect()
    };
    let old = emu.id_token(*RS, "agent").await;
    let r = emu.control(reqwest::Method::POST, "rotate-keys").await;
    assert_eq!(r.status(), 200);
    let new_kids: Value = r.json().await.expect("json");
    let after = emu.jwks().await;
    assert_eq!(json!(kids(&after)), new_kids["kids"]);
    assert!(kids(&after).iter().all(|k| !kids(&before).contains(k)));
    assert!(!verifies(&old, &after), "old keys are gone from the JWKS");
    for c in [*RS, *ES] {
        let t = emu.id_token(c, "agent").await;
        assert!(kids(&after).contains(&header(&t)["kid"].as_str().expect("kid").to_string()));
        assert!(verifies(&t, &after));
    }
    emu.control(reqwest::Method::DELETE, "faults").await;
    assert_eq!(kids(&emu.jwks().await), kids(&after));
    let r = emu.control(reqwest::Method::POST, "reset").await;
    assert_eq!(r.status(), 204);
    assert_eq!(emu.jwks().await, before);
    assert!(verifies(&emu.id_token(*RS, "agent").await, &before));
}

#[tokio::test]
async fn issued_lists_every_secret_until_reset() {
    let emu = start();
    let location = emu.login(*RS, "agent", None).await;
    let code = param(&location, "code").expect("code");
    let tokens: Value = emu
        .token_request(*RS, &code)
        .await
        .json()
        .await
        .expect("json");
    let at = tokens["access_token"].as_str().expect("at");
    let ui = emu.userinfo(*RS, at).await.text().await.expect("ui");
    let issued: Value = emu
        .control(reqwest::Method::GET, "issued")
        .await
        .json()
        .await
        .expect("json");
    let secrets: Vec<&str> = issued["secrets"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for wanted in [
        code.as_str(),
        at,
        tokens["refresh_token"].as_str().expect("rt"),
        tokens["id_token"].as_str().expect("id"),
        ui.as_str(),
        STATE,
        NONCE,
        RS.secret,
        PSC.secret,
    ] {
        assert!(secrets.contains(&wanted), "missing {wanted:.20}…");
    }
    emu.control(reqwest::Method::POST, "reset").await;
    let issued: Value = emu
        .control(reqwest::Method::GET, "issued")
        .await
        .json()
        .await
        .expect("json");
    let after = issued["secrets"].as_array().expect("list");
    assert!(!after.contains(&json!(code)));
    assert!(after.contains(&json!(RS.secret)));
    // Reset also forgets the tokens.
    assert_eq!(emu.userinfo(*RS, at).await.status(), 401);
}

#[tokio::test]
async fn config_file_faults_apply_from_the_start() {
    let dir = std::env::temp_dir().join(format!("emu-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        json!({ "clients": [{ "id": "faulty", "secret": "faulty-secret-0123456789abcdef0123",
            "persona": "proconnect", "faults": ["token_500", "id_token_no_sub"] }] })
        .to_string(),
    )
    .expect("write");
    let emu = start_with(&["--config", good.to_str().expect("path")]);
    let list: Value = emu
        .control(reqwest::Method::GET, "faults")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let faulty = Cli {
        id: "faulty",
        secret: "faulty-secret-0123456789abcdef0123",
        psc: false,
    };
    let code = param(&emu.login(faulty, "agent", None).await, "code").expect("code");
    assert_eq!(emu.token_request(faulty, &code).await.status(), 500);
    // Other clients are unaffected.
    assert!(claims(&emu.id_token(*RS, "agent").await)
        .get("sub")
        .is_some());

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        json!({ "clients": [{ "id": "x", "secret": "s", "persona": "proconnect",
            "faults": ["token_501"] }] })
        .to_string(),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_gouvconnect-emulator"))
        .args(["--port", "0", "--config", bad.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown fault `token_501`") && err.contains("token_500"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
