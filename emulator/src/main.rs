//! gouvconnect-emulator: a local stand-in for ProConnect and Pro Santé Connect, for demos and
//! tests. It is NOT a real identity provider: it says so on every page and in every response.

mod config;
mod keys;
mod oidc;
mod pages;
mod store;

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::config::Registry;
use crate::oidc::App;

struct Options {
    host: IpAddr,
    port: u16,
    config: Option<String>,
    public_url: Option<String>,
    allow_non_loopback: bool,
}

const USAGE: &str =
    "usage: gouvconnect-emulator [--host 127.0.0.1] [--port 4000] [--config FILE.json] \
[--public-url URL] [--allow-non-loopback]";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        host: IpAddr::from([127, 0, 0, 1]),
        port: 4000,
        config: None,
        public_url: None,
        allow_non_loopback: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--host" => {
                options.host = value("--host")?
                    .parse()
                    .map_err(|_| "--host must be an IP address".to_string())?
            }
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port must be a number".to_string())?
            }
            "--config" => options.config = Some(value("--config")?),
            "--public-url" => options.public_url = Some(value("--public-url")?),
            "--allow-non-loopback" => options.allow_non_loopback = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if !options.host.is_loopback() && !options.allow_non_loopback {
        return Err(
            "refusing to listen on a non-loopback address without --allow-non-loopback".into(),
        );
    }
    Ok(options)
}

fn load_registry(path: Option<&str>) -> Result<Registry, String> {
    let mut registry = Registry::defaults();
    if let Some(path) = path {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let extra: Registry =
            serde_json::from_str(&text).map_err(|e| format!("invalid config {path}: {e}"))?;
        registry.extend(extra);
    }
    Ok(registry)
}

/// Marks every response as the emulator's and logs one line per request (never a query
/// string: it carries codes and states).
async fn mark_and_log(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        "x-gouvconnect-emulator",
        HeaderValue::from_static("not-a-real-provider"),
    );
    eprintln!("{method} {path} {}", response.status().as_u16());
    response
}

fn router(app: Arc<App>) -> Router {
    let psc = "/auth/realms/esante-wallet";
    Router::new()
        .route("/", get(oidc::index))
        .route(
            "/api/v2/.well-known/openid-configuration",
            get(oidc::discovery_proconnect),
        )
        .route("/api/v2/authorize", get(oidc::authorize_proconnect))
        .route(
            "/api/v2/interaction/{uid}/login",
            post(oidc::login_proconnect),
        )
        .route("/api/v2/token", post(oidc::token_proconnect))
        .route(
            "/api/v2/userinfo",
            get(oidc::userinfo_proconnect).post(oidc::userinfo_proconnect),
        )
        .route("/api/v2/jwks", get(oidc::jwks))
        .route("/api/v2/session/end", get(oidc::end_session_proconnect))
        .route(
            &format!("{psc}/.well-known/wallet-openid-configuration"),
            get(oidc::discovery_psc),
        )
        .route("/wallet/auth", get(oidc::authorize_psc))
        .route("/wallet/interaction/{uid}/login", post(oidc::login_psc))
        .route(
            &format!("{psc}/protocol/openid-connect/token"),
            post(oidc::token_psc),
        )
        .route(
            &format!("{psc}/protocol/openid-connect/userinfo"),
            get(oidc::userinfo_psc).post(oidc::userinfo_psc),
        )
        .route(
            &format!("{psc}/protocol/openid-connect/certs"),
            get(oidc::jwks),
        )
        .route(
            &format!("{psc}/protocol/openid-connect/logout"),
            get(oidc::end_session_psc),
        )
        .layer(middleware::from_fn(mark_and_log))
        .with_state(app)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("gouvconnect-emulator: {e}");
        std::process::exit(2);
    }
}

async fn run() -> Result<(), String> {
    let options = parse_args()?;
    let registry = load_registry(options.config.as_deref())?;
    let keys = keys::Keys::load()?;
    let listener = tokio::net::TcpListener::bind((options.host, options.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", options.host, options.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let local = format!("http://{addr}");
    let base = options
        .public_url
        .unwrap_or_else(|| local.clone())
        .trim_end_matches('/')
        .to_string();
    let app = Arc::new(App {
        base,
        registry,
        keys,
        store: store::Store::new(),
    });
    println!("gouvconnect-emulator listening on {local}");
    eprintln!(
        "gouvconnect-emulator: NOT a real identity provider — for development and tests only"
    );
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
