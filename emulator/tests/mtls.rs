//! The mutual-TLS listener: Pro Santé Connect's token endpoint authenticates a
//! `tls_client_auth` client by its certificate alone.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

mod common;

use common::http;

const BIN: &str = env!("CARGO_BIN_EXE_gouvconnect-emulator");
const CB: &str = "http://127.0.0.1:9/cb";
const STATE: &str = "state-state-state-state-state-state-0077";

struct Emulator {
    child: Child,
    base: String,
    tls: String,
    dir: PathBuf,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn gen_cert(dir: &Path, cn: &str) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{cn}.crt"));
    let key = dir.join(format!("{cn}.key"));
    let status = Command::new(BIN)
        .args(["gen-client-cert", "--cn", cn, "--out-cert"])
        .arg(&cert)
        .arg("--out-key")
        .arg(&key)
        .status()
        .expect("gen-client-cert");
    assert!(status.success());
    (cert, key)
}

/// Starts the emulator with a TLS listener and two `tls_client_auth` PSC clients: one known by
/// its subject CN, one by its whole certificate.
fn start(dir: PathBuf, pinned_cert: &Path) -> Emulator {
    let config = dir.join("config.json");
    let pem = std::fs::read_to_string(pinned_cert).expect("pem");
    std::fs::write(
        &config,
        json!({ "clients": [
            { "id": "psc-mtls", "persona": "psc", "tls_client_auth": { "subject_cn": "psc-mtls-client" } },
            { "id": "psc-pinned", "persona": "psc", "tls_client_auth": { "certificate_pem": pem } },
        ]})
        .to_string(),
    )
    .expect("config");
    let server_cert = dir.join("server.pem");
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--tls-port", "0", "--config"])
        .arg(&config)
        .arg("--tls-cert-out")
        .arg(&server_cert)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next = |prefix: &str| {
        lines
            .next()
            .expect("line")
            .expect("utf-8")
            .strip_prefix(prefix)
            .expect("announced")
            .to_string()
    };
    let base = next("gouvconnect-emulator listening on ");
    let tls = next("gouvconnect-emulator tls listening on ");
    Emulator {
        child,
        base,
        tls,
        dir,
    }
}

/// An HTTPS client trusting the emulator's certificate, presenting `identity` if any.
fn tls_client(emu: &Emulator, identity: Option<(&Path, &Path)>) -> reqwest::Client {
    let server = std::fs::read(emu.dir.join("server.pem")).expect("server cert");
    let mut builder = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&server).expect("cert"));
    if let Some((cert, key)) = identity {
        let mut pem = std::fs::read(cert).expect("cert");
        pem.extend(std::fs::read(key).expect("key"));
        builder = builder.identity(reqwest::Identity::from_pem(&pem).expect("identity"));
    }
    builder.build().expect("client")
}

async fn code_for(emu: &Emulator, client_id: &str) -> String {
    let url = format!(
        "{}/wallet/auth?response_type=code&client_id={client_id}&redirect_uri={CB}&scope=openid%20scope_all&acr_values=eidas1&state={STATE}",
        emu.base
    );
    let back = common::submit_login(&emu.base, &url, &[("user", "doctor")]).await;
    let location = back.headers()["location"]
        .to_str()
        .expect("loc")
        .to_string();
    url::Url::parse(&location)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code")
}

async fn exchange(
    emu: &Emulator,
    http: &reqwest::Client,
    client_id: &str,
    code: &str,
) -> reqwest::Response {
    http.post(format!(
        "{}/auth/realms/esante-wallet/protocol/openid-connect/token",
        emu.tls
    ))
    .form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CB),
        ("client_id", client_id),
    ])
    .send()
    .await
    .expect("token over TLS")
}

#[tokio::test]
async fn tls_client_auth_takes_the_right_certificate_only() {
    let dir = std::env::temp_dir().join(format!("emu-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let right = gen_cert(&dir, "psc-mtls-client");
    let wrong = gen_cert(&dir, "someone-else");
    let pinned = gen_cert(&dir, "pinned-client");
    let emu = start(dir, &pinned.0);
    assert!(emu.tls.starts_with("https://127.0.0.1:"));

    let discovery: Value = http()
        .get(format!(
            "{}/auth/realms/esante-wallet/.well-known/wallet-openid-configuration",
            emu.base
        ))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(
        discovery["mtls_endpoint_aliases"]["token_endpoint"],
        format!(
            "{}/auth/realms/esante-wallet/protocol/openid-connect/token",
            emu.tls
        )
    );

    let code = code_for(&emu, "psc-mtls").await;
    // No certificate, then a certificate with another subject: invalid_client, code kept.
    for client in [
        tls_client(&emu, None),
        tls_client(&emu, Some((&wrong.0, &wrong.1))),
        tls_client(&emu, Some((&pinned.0, &pinned.1))),
    ] {
        let r = exchange(&emu, &client, "psc-mtls", &code).await;
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.json::<Value>().await.expect("json")["error"],
            "invalid_client"
        );
    }
    // The same certificate on the plain listener proves nothing.
    let r = http()
        .post(format!(
            "{}/auth/realms/esante-wallet/protocol/openid-connect/token",
            emu.base
        ))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("client_id", "psc-mtls"),
        ])
        .send()
        .await
        .expect("plain token");
    assert_eq!(r.status(), 401);
    let client = tls_client(&emu, Some((&right.0, &right.1)));
    let r = exchange(&emu, &client, "psc-mtls", &code).await;
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.expect("tokens");
    assert!(tokens["id_token"].is_string());
    assert!(tokens["access_token"].is_string());

    // A client pinned to a whole certificate: that certificate only.
    let code = code_for(&emu, "psc-pinned").await;
    let r = exchange(&emu, &client, "psc-pinned", &code).await;
    assert_eq!(r.status(), 401);
    let pinned_client = tls_client(&emu, Some((&pinned.0, &pinned.1)));
    let r = exchange(&emu, &pinned_client, "psc-pinned", &code).await;
    assert_eq!(r.status(), 200);

    // The built-in mutual-TLS client (tests/fixture.json).
    let (mtls_id, _, _) = common::fixture_client("prosanteconnect_mtls");
    let demo = gen_cert(&emu.dir, mtls_id);
    let code = code_for(&emu, mtls_id).await;
    let r = exchange(&emu, &tls_client(&emu, None), mtls_id, &code).await;
    assert_eq!(r.status(), 401);
    let r = exchange(
        &emu,
        &tls_client(&emu, Some((&demo.0, &demo.1))),
        mtls_id,
        &code,
    )
    .await;
    assert_eq!(r.status(), 200);

    // Secret-based clients work over the TLS listener too.
    let (psc_id, psc_secret, _) = common::fixture_client("prosanteconnect");
    let code = code_for(&emu, psc_id).await;
    let r = tls_client(&emu, None)
        .post(format!(
            "{}/auth/realms/esante-wallet/protocol/openid-connect/token",
            emu.tls
        ))
        .basic_auth(psc_id, Some(psc_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
}

#[test]
fn gen_client_cert_requires_its_arguments() {
    let out = Command::new(BIN)
        .args(["gen-client-cert", "--cn", "x"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out-cert"));
}
