//! End-to-end logins through the core's `http` layer against the running emulator (a second,
//! independent reading of the federations' documentation): authorize URL → login form POST →
//! callback → token → userinfo → identity, then logout.
#![cfg(feature = "http")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use gouvconnect::http::HttpClient;
use gouvconnect::{ClientConfig, ErrorCode, LoginOptions, ProviderKind};

mod common;
use common::TestClient;

struct Emulator {
    child: Child,
    base: String,
    /// The mutual-TLS listener, when started with `--tls-port`.
    tls_base: Option<String>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator_bin() -> String {
    if let Ok(bin) = std::env::var("GOUVCONNECT_EMULATOR_BIN") {
        return bin;
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{root}/target"));
    for profile in ["release", "debug"] {
        let path = format!("{target}/{profile}/gouvconnect-emulator");
        if std::path::Path::new(&path).exists() {
            return path;
        }
    }
    panic!("emulator binary not found: run `make emulator` or set GOUVCONNECT_EMULATOR_BIN");
}

fn start_emulator() -> Emulator {
    start_emulator_with(&[])
}

/// Starts the emulator with extra arguments; with `--tls-port`, waits for the TLS listener too.
fn start_emulator_with(extra: &[&str]) -> Emulator {
    let wants_tls = extra.contains(&"--tls-port");
    let mut child = Command::new(emulator_bin())
        .args(["--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start emulator");
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("emulator has no stdout");
    };
    let mut emulator = Emulator {
        child,
        base: String::new(),
        tls_base: None,
    };
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    loop {
        line.clear();
        if reader.read_line(&mut line).expect("read emulator stdout") == 0 {
            panic!("emulator exited before listening");
        }
        // `emulator` is killed and waited for on drop, also when this loop panics.
        let line = line.trim();
        if let Some(url) = line.strip_prefix("gouvconnect-emulator listening on ") {
            emulator.base = url.to_string();
        } else if let Some(url) = line.strip_prefix("gouvconnect-emulator tls listening on ") {
            emulator.tls_base = Some(url.to_string());
        }
        if !emulator.base.is_empty() && (!wants_tls || emulator.tls_base.is_some()) {
            // Keep draining stdout so the emulator never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return emulator;
        }
    }
}

fn config(emu: &Emulator, kind: ProviderKind, id: &str, secret: &str) -> ClientConfig {
    let issuer = format!("{}{}", emu.base, common::issuer_path(kind));
    let mut c = ClientConfig::new(kind, id, secret, "http://127.0.0.1:9/auth/callback");
    c.issuer = Some(issuer);
    c.post_logout_redirect_uri = Some("http://127.0.0.1:9/auth/logout/callback".into());
    c
}

/// The configuration of a client of the shared fixture.
fn config_of(emu: &Emulator, client: &TestClient) -> ClientConfig {
    let mut c = config(emu, client.kind, &client.id, &client.secret);
    c.decryption_keys = client.decryption_keys.clone();
    c
}

fn proconnect(emu: &Emulator) -> ClientConfig {
    config_of(emu, &common::client("proconnect"))
}

fn psc(emu: &Emulator) -> ClientConfig {
    config_of(emu, &common::client("prosanteconnect"))
}

/// The mutual-TLS client's id (it has no secret).
fn psc_mtls_id() -> String {
    common::client("prosanteconnect_mtls").id
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Plays the user on the emulator's login page; returns the callback query string.
async fn authorize(emu: &Emulator, url: &str, user: &str) -> String {
    authorize_form(emu, url, &[("user", user)]).await
}

/// Like [`authorize`], with every field of the login form given (e.g. PSC's `means`).
async fn authorize_form(emu: &Emulator, url: &str, form: &[(&str, &str)]) -> String {
    let http = browser();
    let page = http.get(url).send().await.expect("authorize");
    assert_eq!(page.status(), 200, "authorize page");
    let html = page.text().await.expect("page");
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("login form action")
        .replace("&amp;", "&");
    let action = if action.starts_with("http") {
        action
    } else {
        format!("{}{}", emu.base, action)
    };
    let back = http.post(action).form(form).send().await.expect("login");
    assert!(
        back.status().is_redirection(),
        "login answered {}",
        back.status()
    );
    let location = back.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        location.starts_with("http://127.0.0.1:9/auth/callback?"),
        "{location}"
    );
    location
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default()
}

async fn login(
    emu: &Emulator,
    config: ClientConfig,
    user: &str,
    options: LoginOptions,
) -> (HttpClient, gouvconnect::Result<gouvconnect::Login>) {
    let client = HttpClient::connect(config).await.expect("connect");
    let request = client.client().begin_login(&options).expect("begin");
    let query = authorize(emu, &request.url, user).await;
    let result = client.complete_login(&request.pending, &query).await;
    (client, result)
}

#[tokio::test]
async fn proconnect_agent_logs_in_and_out() {
    let emu = start_emulator();
    let (client, result) = login(&emu, proconnect(&emu), "agent", LoginOptions::default()).await;
    let login = result.expect("login");
    let id = &login.identity;
    let agent = common::user("proconnect", "agent");
    assert_eq!(id.provider, ProviderKind::ProConnect);
    assert_eq!(id.email, agent.email);
    assert_eq!(id.family_name.as_deref(), Some(agent.family_name.as_str()));
    assert_eq!(id.email_verified, None);
    assert_eq!(id.acr, agent.acr);
    let pc = id.proconnect.as_ref().expect("proconnect data");
    assert_eq!(pc.siret, agent.siret);
    assert!(pc.roles.iter().any(|r| r == "agent_public"));

    let logout = client
        .client()
        .logout_request(Some(&login.id_token))
        .expect("logout")
        .expect("end-session endpoint");
    let back = browser()
        .get(&logout.url)
        .send()
        .await
        .expect("end session");
    assert!(back.status().is_redirection());
    let location = back.headers()["location"].to_str().expect("location");
    let (target, query) = location.split_once('?').expect("query");
    assert_eq!(target, "http://127.0.0.1:9/auth/logout/callback");
    client
        .client()
        .verify_logout_callback(&logout.pending, query)
        .expect("logout state");
    let forged = client
        .client()
        .verify_logout_callback(&logout.pending, "state=forged")
        .unwrap_err();
    assert_eq!(forged.code(), ErrorCode::LogoutStateMismatch);
}

#[tokio::test]
async fn proconnect_es256_and_hs256_clients() {
    let emu = start_emulator();
    let es = config_of(&emu, &common::client("proconnect_es256"));
    let (_, r) = login(&emu, es, "employee", LoginOptions::default()).await;
    assert_eq!(
        r.expect("es256").identity.given_name,
        Some(common::user("proconnect", "employee").given_name)
    );
    let mut hs = config_of(&emu, &common::client("proconnect_hs256"));
    // HS256 is only accepted when registered.
    let (_, r) = login(&emu, hs.clone(), "agent", LoginOptions::default()).await;
    assert_eq!(r.unwrap_err().code(), ErrorCode::UnsupportedAlgorithm);
    hs.id_token_alg = Some(gouvconnect::Algorithm::HS256);
    let (_, r) = login(&emu, hs, "agent", LoginOptions::default()).await;
    assert!(r.is_ok(), "{:?}", r.err());
}

#[tokio::test]
async fn proconnect_acr_and_mfa_rules() {
    let emu = start_emulator();
    // Required eidas2: the emulator refuses the eidas1 agent before any token is issued.
    let options = LoginOptions {
        acr: Some("eidas2".into()),
        ..Default::default()
    };
    let (_, r) = login(&emu, proconnect(&emu), "agent", options.clone()).await;
    let err = r.unwrap_err();
    // "requested ACRs could not be satisfied": a level problem, not a cancellation.
    assert_eq!(err.code(), ErrorCode::AcrInsufficient);
    assert_eq!(
        err.provider_error().map(|p| p.error.as_str()),
        Some("access_denied")
    );
    let (_, r) = login(&emu, proconnect(&emu), "mfa", options).await;
    assert_eq!(r.expect("mfa user").identity.acr.as_deref(), Some("eidas2"));
    let mut mfa = proconnect(&emu);
    mfa.policy.require_mfa = true;
    let (_, r) = login(&emu, mfa.clone(), "mfa", LoginOptions::default()).await;
    assert!(r.expect("mfa").identity.amr.iter().any(|a| a == "mfa"));
    // A user without MFA: ProConnect (the emulator) refuses the essential MFA levels itself.
    let (_, r) = login(&emu, mfa, "agent", LoginOptions::default()).await;
    assert_eq!(r.unwrap_err().code(), ErrorCode::MfaRequired);
}

#[tokio::test]
async fn proconnect_unverified_email_is_refused_by_default() {
    let emu = start_emulator();
    // The identity provider's `email_verified` reaches the service inside `custom`: the default
    // scopes ask for it, and so does a configuration that lists its own scopes without it (the
    // email rule needs it).
    let (_, r) = login(
        &emu,
        proconnect(&emu),
        "unverified",
        LoginOptions::default(),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), ErrorCode::EmailNotVerified);
    let mut own_scopes = proconnect(&emu);
    own_scopes.scopes = Some(["email", "given_name"].map(String::from).to_vec());
    let (_, r) = login(
        &emu,
        own_scopes.clone(),
        "unverified",
        LoginOptions::default(),
    )
    .await;
    assert_eq!(r.unwrap_err().code(), ErrorCode::EmailNotVerified);
    let mut lenient = proconnect(&emu);
    lenient.policy.accept_unverified_email = true;
    let (_, r) = login(&emu, lenient, "unverified", LoginOptions::default()).await;
    assert_eq!(r.expect("accepted").identity.email_verified, Some(false));
}

#[tokio::test]
async fn proconnect_callback_replay_and_tampering_are_refused() {
    let emu = start_emulator();
    let client = HttpClient::connect(proconnect(&emu))
        .await
        .expect("connect");
    let request = client
        .client()
        .begin_login(&LoginOptions::default())
        .expect("begin");
    let query = authorize(&emu, &request.url, "agent").await;
    let tampered = query.replace("state=", "state=x");
    let err = client
        .complete_login(&request.pending, &tampered)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::StateMismatch);
    client
        .complete_login(&request.pending, &query)
        .await
        .expect("first use");
    // The provider refuses a code used twice.
    let err = client
        .complete_login(&request.pending, &query)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError);
}

#[tokio::test]
async fn psc_doctor_and_pharmacist() {
    let emu = start_emulator();
    let (client, r) = login(&emu, psc(&emu), "doctor", LoginOptions::default()).await;
    let login = r.expect("doctor");
    let p = login.identity.prosanteconnect.as_ref().expect("psc data");
    assert_eq!(
        p.national_id,
        common::user("prosanteconnect", "doctor").national_id
    );
    assert_eq!(p.rpps.as_deref(), Some("99700218896"));
    assert!(p.exercices.len() >= 2);
    assert!(p
        .exercices
        .iter()
        .any(|e| e.profession_code.as_deref() == Some("10")));
    assert!(
        p.exercices
            .iter()
            .map(|e| e.activities.len())
            .sum::<usize>()
            >= 2
    );
    assert_eq!(login.identity.acr.as_deref(), Some("eidas1"));
    assert!(client
        .client()
        .logout_request(Some(&login.id_token))
        .expect("logout")
        .is_some());

    let (_, r) = login_psc(&emu, "pharmacist").await;
    let p = r
        .expect("pharmacist")
        .identity
        .prosanteconnect
        .expect("psc");
    assert_eq!(p.id_kind, gouvconnect::IdKind::Adeli);
    assert!(p
        .exercices
        .iter()
        .any(|e| e.profession_code.as_deref() == Some("21")));

    // PSC may omit acr: it counts as eidas1.
    let (_, r) = login_psc(&emu, "nurse-noacr").await;
    assert_eq!(r.expect("nurse").identity.acr, None);
}

async fn login_psc(
    emu: &Emulator,
    user: &str,
) -> (HttpClient, gouvconnect::Result<gouvconnect::Login>) {
    login(emu, psc(emu), user, LoginOptions::default()).await
}

#[tokio::test]
async fn unreachable_provider_is_provider_unavailable() {
    // Bind then drop a port so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let mut c = ClientConfig::new(
        ProviderKind::ProConnect,
        "x",
        "y",
        "http://127.0.0.1:9/auth/callback",
    );
    c.issuer = Some(format!("http://127.0.0.1:{port}/api/v2"));
    c.timeout_secs = 2;
    let err = HttpClient::connect(c).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderUnavailable);
}

/// Pro Santé Connect's mutual-TLS token endpoint (RFC 8705 `tls_client_auth`): the client
/// certificate alone authenticates the client, through the discovery's `mtls_endpoint_aliases`.
#[tokio::test]
async fn psc_token_request_over_mutual_tls() {
    let dir = std::env::temp_dir().join(format!("gouvconnect-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (server_cert, cert, key) = (path("server.pem"), path("client.pem"), path("client.key"));
    let status = Command::new(emulator_bin())
        .args([
            "gen-client-cert",
            "--cn",
            &psc_mtls_id(),
            "--out-cert",
            &cert,
        ])
        .args(["--out-key", &key])
        .status()
        .expect("gen-client-cert");
    assert!(status.success());
    let emu = start_emulator_with(&["--tls-port", "0", "--tls-cert-out", &server_cert]);
    assert!(emu.tls_base.is_some());

    let mut c = config(&emu, ProviderKind::ProSanteConnect, &psc_mtls_id(), "");
    c.token_auth_method = Some(gouvconnect::TokenAuthMethod::TlsClientAuth);
    c.tls_client_cert = Some(cert.clone());
    c.tls_client_key = Some(key.clone());
    c.tls_ca_cert = Some(server_cert.clone());
    let (_, result) = login(&emu, c.clone(), "doctor", LoginOptions::default()).await;
    let done = result.expect("login over mutual TLS");
    let psc = done.identity.prosanteconnect.as_ref().expect("psc data");
    assert_eq!(psc.rpps.as_deref(), Some("99700218896"));

    // Without the client certificate the emulator refuses the client: provider error, no login.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("dir");
    let (other_cert, other_key) = (
        other.join("c.pem").to_string_lossy().into_owned(),
        other.join("c.key").to_string_lossy().into_owned(),
    );
    let status = Command::new(emulator_bin())
        .args([
            "gen-client-cert",
            "--cn",
            "someone-else",
            "--out-cert",
            &other_cert,
        ])
        .args(["--out-key", &other_key])
        .status()
        .expect("gen-client-cert");
    assert!(status.success());
    c.tls_client_cert = Some(other_cert);
    c.tls_client_key = Some(other_key);
    let (_, result) = login(&emu, c, "doctor", LoginOptions::default()).await;
    let refused = result.expect_err("a foreign certificate must not authenticate the client");
    assert_eq!(refused.code(), ErrorCode::InvalidClient, "{refused:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let emu = start_emulator();
    let mut wrong = proconnect(&emu);
    wrong.client_secret = gouvconnect::Secret::new("not-the-registered-secret-0123456789");
    let (_, r) = login(&emu, wrong, "agent", LoginOptions::default()).await;
    let err = r.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient);
    assert_eq!(err.code().http_status(), 502);
    assert_eq!(
        err.provider_error().map(|p| p.error.as_str()),
        Some("invalid_client")
    );
    assert!(!err.message().contains("not-the-registered-secret"));
}

/// Our requests pass the emulator as deployed as well as docs-strict (the default elsewhere).
#[tokio::test]
async fn proconnect_login_against_the_federation_as_deployed() {
    let emu = start_emulator_with(&["--strictness", "as-deployed"]);
    let (_, r) = login(&emu, proconnect(&emu), "agent", LoginOptions::default()).await;
    assert_eq!(r.expect("agent").identity.provider.as_str(), "proconnect");
}

mod doctor {
    use super::*;
    use gouvconnect::http::doctor;
    use gouvconnect::{DoctorOptions, Report, Verdict};

    fn verdict(report: &Report, id: &str) -> Verdict {
        report
            .checks
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no `{id}` check in {}", report.to_text()))
            .verdict
    }

    fn gen_cert(dir: &std::path::Path, name: &str, cn: &str, days: &str) -> (String, String) {
        let cert = dir
            .join(format!("{name}.pem"))
            .to_string_lossy()
            .into_owned();
        let key = dir
            .join(format!("{name}.key"))
            .to_string_lossy()
            .into_owned();
        let status = Command::new(emulator_bin())
            .args(["gen-client-cert", "--cn", cn, "--out-cert", &cert])
            .args(["--out-key", &key, "--valid-days", days])
            .status()
            .expect("gen-client-cert");
        assert!(status.success());
        (cert, key)
    }

    #[tokio::test]
    async fn a_healthy_configuration_is_ready() {
        let emu = start_emulator();
        for config in [proconnect(&emu), psc(&emu)] {
            let report = doctor(config, &DoctorOptions::default()).await;
            assert!(report.ok, "{}", report.to_text());
            for id in [
                "discovery",
                "issuer",
                "clock",
                "algorithms",
                "jwks",
                "credentials",
            ] {
                assert_eq!(verdict(&report, id), Verdict::Pass, "{}", report.to_text());
            }
            assert!(report.to_text().contains("verdict: ready"));
            // Never the secret, in either form.
            assert!(!report.to_text().contains("secret-0123456789"));
            assert!(!report.to_json().contains("secret-0123456789"));
        }
    }

    #[tokio::test]
    async fn each_seeded_fault_is_found_with_a_fix() {
        let emu = start_emulator();
        // Wrong secret: invalid_client at the token endpoint.
        let mut wrong_secret = proconnect(&emu);
        wrong_secret.client_secret = gouvconnect::Secret::new("wrong-secret-0123456789abcdef");
        let report = doctor(wrong_secret, &DoctorOptions::default()).await;
        assert!(!report.ok);
        assert_eq!(verdict(&report, "credentials"), Verdict::Fail);
        assert!(
            report.to_text().contains("invalid_client"),
            "{}",
            report.to_text()
        );

        // Wrong issuer: discovery 404, the URL named, the path convention as the fix.
        let mut wrong_issuer = proconnect(&emu);
        wrong_issuer.issuer = Some(emu.base.clone());
        let report = doctor(wrong_issuer, &DoctorOptions::default()).await;
        assert_eq!(verdict(&report, "discovery"), Verdict::Fail);
        let text = report.to_text();
        assert!(
            text.contains("HTTP 404") && text.contains("/api/v2"),
            "{text}"
        );

        // An algorithm ProConnect does not sign with.
        let mut wrong_alg = proconnect(&emu);
        wrong_alg.id_token_alg = Some(gouvconnect::Algorithm::PS256);
        let report = doctor(wrong_alg, &DoctorOptions::default()).await;
        assert_eq!(verdict(&report, "configuration"), Verdict::Fail);
        assert_eq!(verdict(&report, "algorithms"), Verdict::Fail);

        // The provider's clock 10 minutes ahead.
        let skewed = start_emulator();
        reqwest::Client::new()
            .post(format!("{}/_emulator/faults", skewed.base))
            .header("content-type", "application/json")
            .body(r#"{"fault": "clock_skew"}"#)
            .send()
            .await
            .expect("fault");
        let report = doctor(proconnect(&skewed), &DoctorOptions::default()).await;
        assert_eq!(
            verdict(&report, "clock"),
            Verdict::Fail,
            "{}",
            report.to_text()
        );

        // A redirect URI the host does not serve, and http outside loopback.
        let options = DoctorOptions {
            mounted_redirect_uris: vec!["http://127.0.0.1:9/oidc/callback".into()],
            ..Default::default()
        };
        let report = doctor(proconnect(&emu), &options).await;
        assert_eq!(verdict(&report, "redirect_uri"), Verdict::Fail);
        let mut plain = proconnect(&emu);
        plain.redirect_uri = "http://app.example/auth/callback".into();
        let report = doctor(plain, &DoctorOptions::default()).await;
        assert_eq!(verdict(&report, "redirect_uri"), Verdict::Fail);
    }

    #[tokio::test]
    async fn psc_mutual_tls_certificate_checks() {
        let dir = std::env::temp_dir().join(format!("gouvconnect-doctor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let server_cert = dir.join("server.pem").to_string_lossy().into_owned();
        let emu = start_emulator_with(&["--tls-port", "0", "--tls-cert-out", &server_cert]);
        let mtls = |(cert, key): (String, String)| {
            let mut c = config(&emu, ProviderKind::ProSanteConnect, &psc_mtls_id(), "");
            c.token_auth_method = Some(gouvconnect::TokenAuthMethod::TlsClientAuth);
            c.tls_client_cert = Some(cert);
            c.tls_client_key = Some(key);
            c.tls_ca_cert = Some(server_cert.clone());
            c
        };
        // Valid: days left printed, credentials accepted over mutual TLS.
        let good = gen_cert(&dir, "good", &psc_mtls_id(), "365");
        let report = doctor(mtls(good.clone()), &DoctorOptions::default()).await;
        assert!(report.ok, "{}", report.to_text());
        assert!(report.to_text().contains("day(s) left"));
        assert_eq!(verdict(&report, "credentials"), Verdict::Pass);
        // Expiring soon: a warning.
        let soon = gen_cert(&dir, "soon", &psc_mtls_id(), "10");
        let report = doctor(mtls(soon), &DoctorOptions::default()).await;
        assert_eq!(verdict(&report, "client_certificate"), Verdict::Warn);
        // Expired.
        let expired = gen_cert(&dir, "expired", &psc_mtls_id(), "-3");
        let report = doctor(mtls(expired), &DoctorOptions::default()).await;
        assert_eq!(verdict(&report, "client_certificate"), Verdict::Fail);
        assert!(report.to_text().contains("expired"), "{}", report.to_text());
        // A key that is not the certificate's.
        let other = gen_cert(&dir, "other", &psc_mtls_id(), "365");
        let report = doctor(mtls((good.0.clone(), other.1)), &DoctorOptions::default()).await;
        assert_eq!(verdict(&report, "client_certificate"), Verdict::Fail);
        // A certificate the provider does not know: invalid_client over mutual TLS.
        let stranger = gen_cert(&dir, "stranger", "someone-else", "365");
        let report = doctor(mtls(stranger), &DoctorOptions::default()).await;
        assert_eq!(verdict(&report, "credentials"), Verdict::Fail);
        // Unreadable files.
        let report = doctor(
            mtls(("/nonexistent/c.pem".into(), "/nonexistent/c.key".into())),
            &DoctorOptions::default(),
        )
        .await;
        assert_eq!(verdict(&report, "client_certificate"), Verdict::Fail);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Step-up: the signed-in user re-authenticates at a higher level; another account coming back
/// is refused with `step_up_user_mismatch`.
#[tokio::test]
async fn step_up_requires_the_same_person() {
    let emu = start_emulator();
    let (client, first) = login(&emu, proconnect(&emu), "mfa", LoginOptions::default()).await;
    let identity = first.expect("first login").identity;
    let options = LoginOptions::step_up(&identity, "eidas2");
    let request = client.client().begin_login(&options).expect("step-up");
    assert!(request.url.contains("login_hint="));
    let query = authorize(&emu, &request.url, "mfa").await;
    let again = client.complete_login(&request.pending, &query).await;
    assert_eq!(again.expect("same person").identity.sub, identity.sub);
    // Another account answers the step-up (the level is met, the person is not).
    let (client, agent) = login(&emu, proconnect(&emu), "agent", LoginOptions::default()).await;
    let options = LoginOptions::step_up(&agent.expect("agent").identity, "eidas1");
    let request = client.client().begin_login(&options).expect("step-up");
    let query = authorize(&emu, &request.url, "employee").await;
    let err = client
        .complete_login(&request.pending, &query)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::StepUpUserMismatch, "{err}");
}

/// Pro Santé Connect "card required": eidas1 is still requested, a card login (eidas2,
/// authMode CARD) passes, an e-CPS login is refused `acr_insufficient`.
#[tokio::test]
async fn psc_card_required() {
    let emu = start_emulator();
    let mut card_only = psc(&emu);
    card_only.policy.acr = Some("eidas2".into());
    let client = HttpClient::connect(card_only).await.expect("connect");
    let request = client
        .client()
        .begin_login(&LoginOptions::default())
        .expect("begin");
    assert!(request.url.contains("acr_values=eidas1"), "{}", request.url);
    let query = authorize_form(&emu, &request.url, &[("user", "doctor"), ("means", "card")]).await;
    let login = client
        .complete_login(&request.pending, &query)
        .await
        .expect("card login");
    assert!(login.identity.mfa);
    let psc = login.identity.prosanteconnect.expect("psc");
    assert_eq!(psc.auth_mode.as_deref(), Some("CARD"));
    let request = client
        .client()
        .begin_login(&LoginOptions::default())
        .expect("begin");
    let query = authorize_form(&emu, &request.url, &[("user", "doctor"), ("means", "ecps")]).await;
    let err = client
        .complete_login(&request.pending, &query)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AcrInsufficient);
}

/// The shared fixture (tests/fixture.json) is what the emulator really registers: every client
/// with a secret logs in, and every user comes back with the fixture's sub, names, email, acr,
/// SIRET or national id. The other languages' harnesses rely on these values without checking.
#[tokio::test]
async fn the_shared_fixture_matches_the_emulator() {
    let emu = start_emulator();
    let with = |c: &TestClient| {
        let mut config = config_of(&emu, c);
        if c.id_token_alg == "HS256" {
            config.id_token_alg = Some(gouvconnect::Algorithm::HS256);
        }
        // The fixture's unverified user must come back too.
        config.policy.accept_unverified_email = true;
        config
    };
    let clients = common::clients();
    let first_user = |kind: ProviderKind| {
        common::users()
            .into_iter()
            .find(|u| u.kind == kind)
            .expect("a user of each provider")
    };
    // The mutual-TLS client has no secret: psc_token_request_over_mutual_tls logs it in.
    for c in clients.iter().filter(|c| !c.secret.is_empty()) {
        let u = first_user(c.kind);
        let (_, r) = login(&emu, with(c), &u.id, LoginOptions::default()).await;
        let login = r.unwrap_or_else(|e| panic!("client {} ({}): {e:?}", c.name, c.id));
        assert_eq!(login.identity.sub, u.sub, "client {}", c.name);
    }
    assert!(clients.iter().any(|c| c.secret.is_empty()));
    for u in common::users() {
        let c = clients
            .iter()
            .find(|c| c.kind == u.kind)
            .expect("a client of each provider");
        let (_, r) = login(&emu, with(c), &u.id, LoginOptions::default()).await;
        let id = r
            .unwrap_or_else(|e| panic!("user {}: {e:?}", u.id))
            .identity;
        assert_eq!(id.sub, u.sub, "user {}", u.id);
        assert_eq!(id.acr, u.acr, "user {}", u.id);
        assert_eq!(id.given_name.as_ref(), Some(&u.given_name), "user {}", u.id);
        assert_eq!(
            id.family_name.as_ref(),
            Some(&u.family_name),
            "user {}",
            u.id
        );
        match u.kind {
            ProviderKind::ProConnect => {
                assert_eq!(id.email, u.email, "user {}", u.id);
                let pc = id.proconnect.as_ref().expect("proconnect data");
                assert_eq!(pc.siret, u.siret, "user {}", u.id);
            }
            ProviderKind::ProSanteConnect => {
                let psc = id.prosanteconnect.as_ref().expect("psc data");
                assert_eq!(psc.national_id, u.national_id, "user {}", u.id);
            }
            ProviderKind::FranceConnect | ProviderKind::FranceConnectPlus => {
                assert_eq!(id.email, u.email, "user {}", u.id);
                let fc = id.franceconnect.as_ref().expect("identité pivot");
                assert_eq!(fc.birthdate, u.birthdate, "user {}", u.id);
                assert_eq!(fc.birthplace, u.birthplace, "user {}", u.id);
                assert_eq!(fc.birthcountry, u.birthcountry, "user {}", u.id);
            }
        }
    }
    // Every federation's clients and users are in the fixture (FranceConnect+ twice: RSA-OAEP
    // and ECDH-ES), and each client logged in above.
    for kind in [ProviderKind::FranceConnect, ProviderKind::FranceConnectPlus] {
        assert!(clients.iter().any(|c| c.kind == kind), "{kind:?} client");
        assert!(
            common::users().iter().any(|u| u.kind == kind),
            "{kind:?} user"
        );
    }
}

/// A session renewed with its refresh token: the same person, the current data, the session's
/// end unchanged, the rotated token; a spent token or a provider session that ended is
/// `login_required` (signed out).
#[tokio::test]
async fn refresh_renews_the_session_without_lengthening_it() {
    let emu = start_emulator();
    let (client, result) = login(&emu, proconnect(&emu), "agent", LoginOptions::default()).await;
    let first = result.expect("login");
    let first_refresh = first
        .refresh_token
        .clone()
        .expect("ProConnect issues a refresh token");
    let renewed = client
        .refresh(&first.identity, &first_refresh, first.session_expires_at)
        .await
        .expect("refresh");
    assert_eq!(renewed.identity.sub, first.identity.sub);
    assert_eq!(renewed.identity.email, first.identity.email);
    assert_eq!(renewed.identity.acr, first.identity.acr);
    assert_eq!(renewed.session_expires_at, first.session_expires_at);
    let second_refresh = renewed.refresh_token.clone().expect("rotated");
    assert_ne!(second_refresh, first_refresh);
    assert_ne!(renewed.access_token, first.access_token);

    // The first token is spent: the provider says invalid_grant, the host hears "signed out".
    let spent = client
        .refresh(&first.identity, &first_refresh, first.session_expires_at)
        .await
        .unwrap_err();
    assert_eq!(spent.code(), ErrorCode::LoginRequired, "{spent}");
    // Never past the session's end, whatever the provider would say.
    let late = client
        .refresh(&renewed.identity, &second_refresh, gouvconnect::unix_now())
        .await
        .unwrap_err();
    assert_eq!(late.code(), ErrorCode::LoginRequired, "{late}");
    // The provider's session ends (its state forgotten): the next renewal signs out.
    let reset = browser()
        .post(format!("{}/_emulator/reset", emu.base))
        .send()
        .await
        .expect("reset");
    assert!(reset.status().is_success());
    let ended = client
        .refresh(
            &renewed.identity,
            &second_refresh,
            renewed.session_expires_at,
        )
        .await
        .unwrap_err();
    assert_eq!(ended.code(), ErrorCode::LoginRequired, "{ended}");
}

/// Pro Santé Connect (Keycloak): a card login's level survives the renewal, and the practice
/// chosen for the session is kept.
#[tokio::test]
async fn psc_refresh_keeps_the_card_level_and_the_practice() {
    let emu = start_emulator();
    let client = HttpClient::connect(psc(&emu)).await.expect("connect");
    let request = client
        .client()
        .begin_login(&LoginOptions::default())
        .expect("begin");
    let query = authorize_form(&emu, &request.url, &[("user", "doctor"), ("means", "card")]).await;
    let first = client
        .complete_login(&request.pending, &query)
        .await
        .expect("login");
    let practice = first.identity.practices().pop().expect("a practice");
    let chosen = first.identity.with_practice(&practice.id).expect("choose");
    let renewed = client
        .refresh(
            &chosen,
            first
                .refresh_token
                .as_deref()
                .expect("PSC issues a refresh token"),
            first.session_expires_at,
        )
        .await
        .expect("refresh");
    assert_eq!(renewed.identity.acr.as_deref(), Some("eidas2"));
    assert!(renewed.identity.mfa);
    assert_eq!(
        renewed.identity.practice.as_ref().map(|p| p.id.as_str()),
        Some(practice.id.as_str())
    );
    assert_eq!(renewed.expires_in, Some(120));
}

/// FranceConnect and FranceConnect+ citizens through the core's I/O layer: the identité pivot,
/// FranceConnect+'s encrypted tokens opened with the demo keys, its levels, logout with the
/// signed id_token as the hint, and the going-live check of the encryption.
mod franceconnect {
    use super::*;
    use gouvconnect::http::doctor;
    use gouvconnect::{DoctorOptions, Secret, Verdict};

    fn demo_keys() -> Secret {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../emulator/keys/demo-fcp-client-enc.jwks.json"
        );
        Secret::new(std::fs::read_to_string(path).expect("demo FranceConnect+ keys"))
    }

    fn fc(emu: &Emulator) -> ClientConfig {
        let mut c = ClientConfig::new(
            ProviderKind::FranceConnect,
            "demo-franceconnect",
            "demo-franceconnect-secret-0123456789abcdef",
            "http://127.0.0.1:9/auth/callback",
        );
        c.issuer = Some(format!("{}/franceconnect/api/v2", emu.base));
        c.post_logout_redirect_uri = Some("http://127.0.0.1:9/auth/logout/callback".into());
        c
    }

    fn fc_plus(emu: &Emulator, id: &str, secret: &str) -> ClientConfig {
        let mut c = ClientConfig::new(
            ProviderKind::FranceConnectPlus,
            id,
            secret,
            "http://127.0.0.1:9/auth/callback",
        );
        c.issuer = Some(format!("{}/franceconnect-plus/api/v2", emu.base));
        c.post_logout_redirect_uri = Some("http://127.0.0.1:9/auth/logout/callback".into());
        c.decryption_keys = Some(demo_keys());
        c
    }

    fn rsa_client(emu: &Emulator) -> ClientConfig {
        fc_plus(
            emu,
            "demo-franceconnect-plus",
            "demo-franceconnect-plus-secret-0123456789ab",
        )
    }

    #[tokio::test]
    async fn a_citizen_logs_in_with_franceconnect() {
        let emu = start_emulator();
        let (client, r) = login(&emu, fc(&emu), "citizen", LoginOptions::default()).await;
        let signed_in = r.expect("FranceConnect login");
        let id = &signed_in.identity;
        assert_eq!(id.provider, ProviderKind::FranceConnect);
        assert_eq!(id.acr.as_deref(), Some("eidas1"));
        assert!(!id.mfa && !id.email_trusted());
        let pivot = id.franceconnect.as_ref().expect("identité pivot");
        assert_eq!(pivot.birth_name.as_deref(), Some("DUBOIS"));
        assert_eq!(pivot.birthdate.as_deref(), Some("1962-08-24"));
        assert_eq!(pivot.born_in_france, Some(true));
        // `preferred_username` is a scope of its own since v2, not asked by default.
        assert_eq!(
            (pivot.usual_name.as_deref(), id.family_name.as_deref()),
            (None, Some("DUBOIS"))
        );
        let logout = client
            .client()
            .logout_request(Some(&signed_in.id_token))
            .expect("logout")
            .expect("end-session endpoint");
        assert!(logout.url.contains("/franceconnect/api/v2/session/end?"));

        // Asked for, the usage name is the name the service shows.
        let mut with_usage_name = fc(&emu);
        with_usage_name.scopes = Some(vec!["identite_pivot".into(), "preferred_username".into()]);
        let usage = login_of(&emu, with_usage_name, "citizen").await.identity;
        assert_eq!(usage.family_name.as_deref(), Some("MARTIN"));

        let abroad = login_of(&emu, fc(&emu), "citizen-abroad").await;
        let pivot = abroad.identity.franceconnect.expect("identité pivot");
        assert_eq!(
            (pivot.born_in_france, pivot.birthplace),
            (Some(false), None)
        );
    }

    async fn login_of(emu: &Emulator, config: ClientConfig, user: &str) -> gouvconnect::Login {
        let (_, r) = login(emu, config, user, LoginOptions::default()).await;
        r.unwrap_or_else(|e| panic!("{user}: {e:?}"))
    }

    #[tokio::test]
    async fn franceconnect_plus_tokens_are_decrypted_and_levels_checked() {
        let emu = start_emulator();
        let citizen = login_of(&emu, rsa_client(&emu), "citizen").await;
        assert_eq!(citizen.identity.provider, ProviderKind::FranceConnectPlus);
        assert_eq!(citizen.identity.acr.as_deref(), Some("eidas2"));
        assert!(citizen.identity.mfa);
        // The id_token kept for id_token_hint is the signed one inside the JWE.
        assert_eq!(citizen.id_token.split('.').count(), 3);
        let ecdh = fc_plus(
            &emu,
            "demo-franceconnect-plus-ecdh",
            "demo-franceconnect-plus-ecdh-secret-0123456789",
        );
        let high = login_of(&emu, ecdh, "citizen-high").await;
        assert_eq!(high.identity.acr.as_deref(), Some("eidas3"));

        // eidas3 required: a substantial-level citizen is refused.
        let mut strict = rsa_client(&emu);
        strict.policy.acr = Some("eidas3".into());
        let (_, r) = login(&emu, strict, "citizen", LoginOptions::default()).await;
        assert_eq!(r.unwrap_err().code(), ErrorCode::AcrInsufficient);

        // Keys that are not the registered ones: the token cannot be opened.
        let mut stranger = rsa_client(&emu);
        let other = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"other","x":"UY1HvFilsjtnHJksr8rIQbcCRfULw2QreCoaoAsAhnI","y":"HNwIqOTGgzcisqa0k-WXqODehh56Zp3E_bBfXY_Y-Fw","d":"xs3HV8t4vIcbMJ5cDyO8pTwaoXk-ZqWLQTmsvgzj_Wg"}]}"#;
        stranger.decryption_keys = Some(Secret::new(other));
        let (_, r) = login(&emu, stranger, "citizen", LoginOptions::default()).await;
        assert_eq!(r.unwrap_err().code(), ErrorCode::InvalidConfig);
    }

    #[tokio::test]
    async fn franceconnect_plus_needs_its_keys_and_the_doctor_checks_them() {
        let emu = start_emulator();
        let mut none = rsa_client(&emu);
        none.decryption_keys = None;
        assert_eq!(
            gouvconnect::Client::new(none).unwrap_err().code(),
            ErrorCode::InvalidConfig
        );
        let mut misplaced = fc(&emu);
        misplaced.decryption_keys = Some(demo_keys());
        assert_eq!(
            gouvconnect::Client::new(misplaced).unwrap_err().code(),
            ErrorCode::InvalidConfig
        );
        let client = gouvconnect::Client::new(rsa_client(&emu)).expect("client");
        let published = client.public_jwks().expect("public keys");
        assert!(published.contains("\"use\":\"enc\"") && !published.contains("\"d\""));

        let report = doctor(rsa_client(&emu), &DoctorOptions::default()).await;
        assert!(report.ok, "{}", report.to_text());
        let encryption = report
            .checks
            .iter()
            .find(|c| c.id == "encryption")
            .expect("encryption check");
        assert_eq!(encryption.verdict, Verdict::Pass, "{}", report.to_text());
        assert!(!report.to_text().contains("secret-0123456789"));
    }
}
