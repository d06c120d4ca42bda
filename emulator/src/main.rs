//! gouvconnect-emulator: a local stand-in for ProConnect and Pro Santé Connect, for demos and
//! tests. It is NOT a real identity provider: it says so on every page and in every response.

mod config;
mod control;
mod faults;
mod issued;
mod jwe;
mod keys;
mod mtls;
mod oidc;
mod pages;
mod store;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
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
    quiet: bool,
    tls_port: Option<u16>,
    tls_cert_out: Option<String>,
    strictness: config::Strictness,
}

const USAGE: &str =
    "usage: gouvconnect-emulator [--host 127.0.0.1] [--port 4000] [--config FILE.json] \
[--public-url URL] [--allow-non-loopback] [--quiet] [--tls-port N --tls-cert-out FILE.pem]
       [--strictness docs-strict|as-deployed]
       gouvconnect-emulator gen-client-cert --cn NAME --out-cert FILE --out-key FILE";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        host: IpAddr::from([127, 0, 0, 1]),
        port: 4000,
        config: None,
        public_url: None,
        allow_non_loopback: false,
        quiet: false,
        tls_port: None,
        tls_cert_out: None,
        strictness: config::Strictness::DocsStrict,
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
            "--quiet" => options.quiet = true,
            "--tls-port" => {
                options.tls_port = Some(
                    value("--tls-port")?
                        .parse()
                        .map_err(|_| "--tls-port must be a number".to_string())?,
                )
            }
            "--tls-cert-out" => options.tls_cert_out = Some(value("--tls-cert-out")?),
            "--strictness" => {
                options.strictness = config::Strictness::parse(&value("--strictness")?)
                    .ok_or_else(|| "--strictness is docs-strict or as-deployed".to_string())?
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if options.tls_cert_out.is_some() && options.tls_port.is_none() {
        return Err("--tls-cert-out needs --tls-port".into());
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
    registry.validate()?;
    Ok(registry)
}

/// `--quiet`: no line per request (load tests; a stderr pipe nobody reads cannot stall us).
static QUIET: AtomicBool = AtomicBool::new(false);

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
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("{method} {path} {}", response.status().as_u16());
    }
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
        // FranceConnect and FranceConnect+: the same /api/v2 layout under their own prefixes.
        .route(
            "/franceconnect/api/v2/.well-known/openid-configuration",
            get(oidc::discovery_franceconnect),
        )
        .route(
            "/franceconnect/api/v2/authorize",
            get(oidc::authorize_franceconnect),
        )
        .route(
            "/franceconnect/api/v2/interaction/{uid}/login",
            post(oidc::login_franceconnect),
        )
        .route(
            "/franceconnect/api/v2/token",
            post(oidc::token_franceconnect),
        )
        .route(
            "/franceconnect/api/v2/userinfo",
            get(oidc::userinfo_franceconnect).post(oidc::userinfo_franceconnect),
        )
        .route("/franceconnect/api/v2/jwks", get(oidc::jwks))
        .route(
            "/franceconnect/api/v2/session/end",
            get(oidc::end_session_franceconnect),
        )
        .route(
            "/franceconnect-plus/api/v2/.well-known/openid-configuration",
            get(oidc::discovery_franceconnect_plus),
        )
        .route(
            "/franceconnect-plus/api/v2/authorize",
            get(oidc::authorize_franceconnect_plus),
        )
        .route(
            "/franceconnect-plus/api/v2/interaction/{uid}/login",
            post(oidc::login_franceconnect_plus),
        )
        .route(
            "/franceconnect-plus/api/v2/token",
            post(oidc::token_franceconnect_plus),
        )
        .route(
            "/franceconnect-plus/api/v2/userinfo",
            get(oidc::userinfo_franceconnect_plus).post(oidc::userinfo_franceconnect_plus),
        )
        .route("/franceconnect-plus/api/v2/jwks", get(oidc::jwks))
        .route(
            "/franceconnect-plus/api/v2/session/end",
            get(oidc::end_session_franceconnect_plus),
        )
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
        .route("/_emulator/attacker/jwks.json", get(oidc::attacker_jwks))
        .route("/_emulator/attacker/rsa.pem", get(oidc::attacker_rsa_cert))
        .route("/_emulator/attacker/ec.pem", get(oidc::attacker_ec_cert))
        .merge(control_router())
        .layer(middleware::from_fn(mark_and_log))
        .with_state(app)
}

/// The loopback-only control API.
fn control_router() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/_emulator/faults",
            get(control::list_faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .route("/_emulator/rotate-keys", post(control::rotate_keys))
        .route("/_emulator/reset", post(control::reset))
        .route("/_emulator/issued", get(control::issued))
        .route_layer(middleware::from_fn(control::loopback_only))
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("gen-client-cert") {
        return mtls::gen_client_cert(&args[1..]);
    }
    let options = parse_args()?;
    QUIET.store(options.quiet, Ordering::Relaxed);
    let registry = load_registry(options.config.as_deref())?;
    let keys = keys::Keys::load()?;
    let listener = tokio::net::TcpListener::bind((options.host, options.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", options.host, options.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let local = format!("http://{addr}");
    let tls = match options.tls_port {
        None => None,
        Some(port) => {
            let listener = tokio::net::TcpListener::bind((options.host, port))
                .await
                .map_err(|e| format!("cannot listen on {}:{port}: {e}", options.host))?;
            let tls_addr = listener.local_addr().map_err(|e| e.to_string())?;
            let (acceptor, cert_pem) = mtls::acceptor()?;
            if let Some(path) = &options.tls_cert_out {
                std::fs::write(path, cert_pem).map_err(|e| format!("cannot write {path}: {e}"))?;
            }
            Some((listener, acceptor, format!("https://{tls_addr}")))
        }
    };
    let base = options
        .public_url
        .unwrap_or_else(|| local.clone())
        .trim_end_matches('/')
        .to_string();
    let faults = faults::Faults::new(
        registry
            .clients
            .iter()
            .map(|c| (c.id.as_str(), c.faults.as_slice())),
    );
    let issued = issued::Issued::new(
        registry
            .clients
            .iter()
            .map(|c| c.secret.clone())
            .filter(|s| !s.is_empty())
            .collect(),
    );
    let buttons = config::Persona::ALL
        .map(|p| pages::buttons(registry.users.iter().filter(|u| u.persona == p)));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let app = Arc::new(App {
        base,
        registry,
        keys,
        store: store::Store::new(),
        faults,
        issued,
        shutdown: stopping.clone(),
        buttons,
        mtls_base: tls.as_ref().map(|t| t.2.clone()),
        strictness: options.strictness,
    });
    println!("gouvconnect-emulator listening on {local}");
    if let Some((listener, acceptor, url)) = tls {
        println!("gouvconnect-emulator tls listening on {url}");
        tokio::spawn(mtls::serve(
            listener,
            acceptor,
            router(app.clone()),
            stopping,
        ));
    }
    eprintln!(
        "gouvconnect-emulator: NOT a real identity provider — for development and tests only"
    );
    let stop_signal = async move {
        shutdown_signal().await;
        // Releases the requests `token_hang` holds, so that the graceful shutdown ends.
        let _ = stop.send(true);
    };
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop_signal)
    .await
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::StatusCode;
    use tower::ServiceExt;

    fn app() -> Arc<App> {
        let registry = Registry::defaults();
        let (_, stopping) = tokio::sync::watch::channel(false);
        Arc::new(App {
            base: "http://127.0.0.1:1".into(),
            faults: faults::Faults::new([]),
            issued: issued::Issued::new(Vec::new()),
            buttons: Default::default(),
            registry,
            keys: keys::Keys::load().expect("keys"),
            store: store::Store::new(),
            shutdown: stopping,
            mtls_base: None,
            strictness: config::Strictness::DocsStrict,
        })
    }

    async fn status_from(peer: &str, method: &str, path: &str) -> StatusCode {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .expect("request");
        let addr: SocketAddr = peer.parse().expect("addr");
        request.extensions_mut().insert(ConnectInfo(addr));
        router(app())
            .oneshot(request)
            .await
            .expect("response")
            .status()
    }

    #[tokio::test]
    async fn control_api_refuses_non_loopback_peers() {
        for (method, path) in [
            ("GET", "/_emulator/faults"),
            ("DELETE", "/_emulator/faults"),
            ("POST", "/_emulator/rotate-keys"),
            ("POST", "/_emulator/reset"),
            ("GET", "/_emulator/issued"),
        ] {
            assert_eq!(
                status_from("192.0.2.7:5000", method, path).await,
                StatusCode::FORBIDDEN,
                "{method} {path}"
            );
            assert_eq!(
                status_from("[2001:db8::1]:5000", method, path).await,
                StatusCode::FORBIDDEN
            );
        }
        assert_eq!(
            status_from("127.0.0.1:5000", "GET", "/_emulator/faults").await,
            StatusCode::OK
        );
        assert_eq!(
            status_from("[::1]:5000", "GET", "/_emulator/issued").await,
            StatusCode::OK
        );
        // The provider endpoints stay open to everyone the listener accepts.
        assert_eq!(
            status_from("192.0.2.7:5000", "GET", "/api/v2/jwks").await,
            StatusCode::OK
        );
    }
}
