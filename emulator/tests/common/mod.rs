//! The emulator binary as the integration tests start it: on a free loopback port, killed when
//! dropped, and an HTTP client that shows redirects instead of following them.

// Each test file is its own crate and uses a part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running emulator.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the emulator with extra arguments and waits for its listening line.
pub fn start_with(args: &[&str]) -> Emulator {
    let child = Command::new(env!("CARGO_BIN_EXE_gouvconnect-emulator"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut emu = Emulator {
        child,
        base: String::new(),
    };
    let stdout = emu.child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("line");
    emu.base = line
        .trim()
        .strip_prefix("gouvconnect-emulator listening on ")
        .expect("listening line")
        .to_string();
    emu
}

/// Starts the emulator with its defaults.
pub fn start() -> Emulator {
    start_with(&[])
}

/// An HTTP client that does not follow redirects (the tests read them).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of query parameter `name` in a redirect `location`.
pub fn param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).ok()?;
    let found = url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned());
    found
}

/// Opens the login page at `authorize_url` (200 expected) and submits `form` (`user`, PSC's
/// `means`…) to its action, with the browser's `cookie` if any. Returns the answer (a redirect
/// back to the client, whose `set-cookie` is the emulator's session).
pub async fn submit_login(
    base: &str,
    authorize_url: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let page = http().get(authorize_url).send().await.expect("authorize");
    assert_eq!(page.status(), 200, "login page");
    // Never to be mistaken for a real provider.
    assert_eq!(
        page.headers()["x-gouvconnect-emulator"],
        "not-a-real-provider"
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("PAS un vrai"));
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("login form action")
        .to_string();
    http()
        .post(format!("{base}{action}"))
        .form(form)
        .send()
        .await
        .expect("login")
}

/// The shared test fixture, `tests/fixture.json`: the clients (and users) registered by default,
/// the same file every language's harness reads.
fn fixture() -> &'static serde_json::Value {
    static FIXTURE: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixture.json");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    })
}

/// A client of the fixture (`proconnect`, `proconnect_es256`, `prosanteconnect`…): its id,
/// secret (empty for mutual TLS) and provider (`proconnect` or `prosanteconnect`).
pub fn fixture_client(name: &str) -> (&'static str, &'static str, &'static str) {
    let c = &fixture()["clients"][name];
    let field = |f: &str| {
        c[f].as_str()
            .unwrap_or_else(|| panic!("tests/fixture.json: client `{name}` has no `{f}`"))
    };
    (field("id"), field("secret"), field("provider"))
}

/// The redirect URI every test registers (any loopback URI is accepted).
pub const CB: &str = "http://127.0.0.1:9/cb";

/// The authorization-code exchange at `token_url` for `client` (id, secret), as every persona
/// takes it: `client_secret_post`, redirect URI [`CB`], plus `extra` form fields (a PKCE
/// verifier…).
pub async fn exchange_code(
    token_url: &str,
    client: (&str, &str),
    code: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CB),
        ("client_id", client.0),
        ("client_secret", client.1),
    ];
    form.extend_from_slice(extra);
    http()
        .post(token_url)
        .form(&form)
        .send()
        .await
        .expect("token")
}

/// Sends a request the gouvconnect core built (sans-IO: token, userinfo, JWKS), as a host does.
pub async fn send(request: &gouvconnect::HttpRequest) -> reqwest::Response {
    let mut builder = match request.method {
        "POST" => http().post(&request.url),
        _ => http().get(&request.url),
    };
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    builder.send().await.expect("request")
}
