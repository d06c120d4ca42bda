//! Network I/O for hosts that let the core talk to the provider (feature `http`): discovery,
//! JWKS, token exchange, userinfo. Timeouts on every call, redirects never followed, bodies
//! read up to a size limit.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use once_cell::sync::Lazy;
use tokio::sync::Mutex;

use crate::audit::{AuditEvent, EventKind};
use crate::claims::Identity;
use crate::client::{unix_now, Client, HttpRequest, Login, UserinfoResponse};
use crate::config::ClientConfig;
use crate::doctor::{Doctor, DoctorOptions, ProbeAnswer, ProbeKind, Report};
use crate::error::{Error, ErrorCode, Result};
use crate::limits;
use crate::login::PendingLogin;
use crate::provider::TokenAuthMethod;
use crate::verify;
use crate::verify::TokenResponse;

/// Process-wide runtime for hosts without one (Python, blocking callers).
static RUNTIME: Lazy<std::result::Result<tokio::runtime::Runtime, String>> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gouvconnect-io")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
});

/// Runs a future to completion on the process-wide runtime (for hosts without async).
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    match &*RUNTIME {
        Ok(rt) => Ok(rt.block_on(future)),
        Err(e) => Err(Error::new(
            ErrorCode::InvalidConfig,
            format!("cannot start the I/O runtime: {e}"),
        )),
    }
}

/// What a binding holds: a sans-IO [`Client`] (tests, benchmarks, hosts with their own HTTP
/// stack) or an [`HttpClient`] that does the network itself. One place for the rule that an
/// offline client never touches the network.
#[derive(Debug)]
pub enum Connection {
    /// No network: custom issuer endpoints by convention, JWKS set by the caller.
    Offline(Box<Client>),
    /// Discovery, token, userinfo and JWKS over HTTP.
    Online(HttpClient),
}

impl Connection {
    /// The sans-IO client underneath.
    pub fn core(&self) -> &Client {
        match self {
            Connection::Offline(c) => c,
            Connection::Online(h) => h.client(),
        }
    }

    /// The networked client, or `invalid_config` for an offline one.
    pub fn online(&self) -> Result<&HttpClient> {
        match self {
            Connection::Online(h) => Ok(h),
            Connection::Offline(_) => Err(Error::new(
                ErrorCode::InvalidConfig,
                "this client was built without network I/O (offline): it cannot call the provider",
            )),
        }
    }

    /// Whether this client does network I/O.
    pub fn is_online(&self) -> bool {
        matches!(self, Connection::Online(_))
    }
}

/// A [`Client`] that does its own network I/O.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: Arc<Client>,
    http: reqwest::Client,
    /// Serialises JWKS refetches so a burst of unknown `kid`s triggers one fetch.
    jwks_refresh: Arc<Mutex<u64>>,
}

impl HttpClient {
    /// Builds the client; for a custom issuer, fetches the discovery document first (PSC's
    /// authorization endpoint is only known from it). Preset endpoints are used as they are.
    pub async fn connect(config: ClientConfig) -> Result<HttpClient> {
        let mut provider = config.resolve_provider()?;
        let http = build_http(&config)?;
        if provider.environment.is_none() {
            let body = fetch(
                &http,
                &HttpRequest::get_json(&provider.endpoints.discovery),
                limits::MAX_DISCOVERY_BYTES,
            )
            .await
            .and_then(expect_ok)?;
            provider.apply_discovery(&body.1)?;
        }
        let client = Client::with_provider(provider, config)?;
        Ok(HttpClient {
            client: Arc::new(client),
            http,
            jwks_refresh: Arc::new(Mutex::new(0)),
        })
    }

    /// The sans-IO client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Fetches the provider's discovery document and checks it against the configuration
    /// (issuer, endpoints reachable). Returns the document.
    pub async fn fetch_discovery(&self) -> Result<serde_json::Value> {
        let url = &self.client.provider().endpoints.discovery;
        let (_, body) = fetch(
            &self.http,
            &HttpRequest::get_json(url),
            limits::MAX_DISCOVERY_BYTES,
        )
        .await
        .and_then(expect_ok)?;
        let mut provider = self.client.provider().clone();
        provider.apply_discovery(&body)?;
        serde_json::from_slice(&body).map_err(|_| {
            Error::new(
                ErrorCode::ProviderUnavailable,
                "discovery document is not JSON",
            )
        })
    }

    /// Fetches the JWKS and replaces the cached keys.
    pub async fn refresh_jwks(&self) -> Result<()> {
        let url = &self.client.provider().endpoints.jwks;
        let (_, body) = fetch(
            &self.http,
            &HttpRequest::get_json(url),
            limits::MAX_JWKS_BYTES,
        )
        .await
        .and_then(expect_ok)?;
        self.client.set_jwks(&body)
    }

    /// Completes a login from the callback query: checks it, exchanges the code, fetches the
    /// userinfo, verifies everything (refetching the JWKS once on an unknown `kid`) and applies
    /// the policy.
    ///
    /// Emits the audit event of the outcome through `tracing` ([`crate::AuditEvent`]).
    pub async fn complete_login(
        &self,
        pending: &PendingLogin,
        callback_query: &str,
    ) -> Result<Login> {
        let result = self.complete_login_unaudited(pending, callback_query).await;
        let client_id = &self.client.config().client_id;
        match &result {
            Ok(login) => {
                AuditEvent::for_identity(EventKind::LoginSucceeded, &login.identity, client_id)
                    .emit()
            }
            Err(e) => AuditEvent::refusal(pending.provider, client_id, e).emit(),
        }
        result
    }

    async fn complete_login_unaudited(
        &self,
        pending: &PendingLogin,
        callback_query: &str,
    ) -> Result<Login> {
        let now = unix_now();
        let code = self.client.parse_callback(pending, callback_query, now)?;
        let request = self.client.token_request(pending, &code);
        let (status, body) = fetch(&self.http, &request, limits::MAX_TOKEN_RESPONSE_BYTES).await?;
        let tokens = verify::parse_token_response(status, &body)?;
        self.with_userinfo(&tokens, |userinfo| {
            self.client
                .finish_login(pending, &tokens, Some(userinfo), now)
        })
        .await
    }

    /// Fetches the userinfo with `tokens`' access token, judges the answer as for a host that
    /// sends it itself, then runs `finish` on it — again once after refetching the JWKS when it
    /// meets an unknown key (keys rotate; the code or refresh token is already spent, the
    /// verification itself is pure).
    async fn with_userinfo(
        &self,
        tokens: &TokenResponse,
        finish: impl Fn(UserinfoResponse<'_>) -> Result<Login>,
    ) -> Result<Login> {
        let userinfo_request = self.client.userinfo_request(&tokens.access_token);
        let (status, content_type, userinfo_body) =
            fetch_with_type(&self.http, &userinfo_request, limits::MAX_USERINFO_BYTES).await?;
        crate::broker::userinfo_answer(crate::broker::HttpAnswer {
            status,
            content_type: content_type.as_deref(),
            body: &userinfo_body,
        })?;
        if !self.client.has_keys() {
            self.refresh_jwks_once(0).await?;
        }
        let userinfo = UserinfoResponse {
            content_type: content_type.as_deref(),
            body: &userinfo_body,
        };
        match finish(userinfo) {
            Err(e) if e.code() == ErrorCode::UnknownKey => {
                let generation = *self.jwks_refresh.lock().await;
                self.refresh_jwks_once(generation).await?;
                finish(userinfo)
            }
            other => other,
        }
    }

    /// Renews a session with its refresh token: the refresh request, the userinfo with the new
    /// access token, then [`Client::finish_refresh`] (refetching the JWKS once on an unknown
    /// `kid`). `login_required` when the provider refuses the refresh token (its session
    /// ended), `refresh_user_mismatch` when another `sub` comes back; the policy's refusals as
    /// at login. When the provider rotates no refresh token, the one used is returned again.
    ///
    /// Emits no audit event: a renewal is not a login; the host emits `logout` when a failure
    /// ends the session.
    pub async fn refresh(
        &self,
        previous: &Identity,
        refresh_token: &str,
        session_expires_at: u64,
    ) -> Result<Login> {
        let now = unix_now();
        if now >= session_expires_at {
            // Not even one request past the session's end.
            return Err(Error::new(
                ErrorCode::LoginRequired,
                "the session has reached its maximum length",
            ));
        }
        let request = self.client.refresh_request(refresh_token);
        let (status, body) = fetch(&self.http, &request, limits::MAX_TOKEN_RESPONSE_BYTES).await?;
        let tokens = verify::parse_refresh_response(status, &body)?;
        let mut login = self
            .with_userinfo(&tokens, |userinfo| {
                self.client.finish_refresh(
                    previous,
                    session_expires_at,
                    &tokens,
                    Some(userinfo),
                    now,
                )
            })
            .await?;
        if login.refresh_token.is_none() {
            login.refresh_token = Some(refresh_token.to_string());
        }
        Ok(login)
    }

    async fn refresh_jwks_once(&self, seen_generation: u64) -> Result<()> {
        let mut generation = self.jwks_refresh.lock().await;
        if *generation != seen_generation && self.client.has_keys() {
            return Ok(()); // another task refreshed meanwhile
        }
        self.refresh_jwks().await?;
        *generation += 1;
        Ok(())
    }
}

fn build_http(config: &ClientConfig) -> Result<reqwest::Client> {
    let timeout = Duration::from_secs(config.timeout_secs);
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("gouvconnect/", env!("CARGO_PKG_VERSION")))
        .use_rustls_tls();
    let read = |path: &str| {
        std::fs::read(path).map_err(|e| {
            Error::new(
                ErrorCode::InvalidConfig,
                format!("cannot read `{path}`: {e}"),
            )
        })
    };
    if let Some(ca) = &config.tls_ca_cert {
        let cert = reqwest::Certificate::from_pem(&read(ca)?).map_err(|e| {
            Error::new(
                ErrorCode::InvalidConfig,
                format!("invalid CA certificate: {e}"),
            )
        })?;
        builder = builder.add_root_certificate(cert);
    }
    if config.token_auth_method() == TokenAuthMethod::TlsClientAuth {
        if let (Some(cert), Some(key)) = (&config.tls_client_cert, &config.tls_client_key) {
            let mut pem = read(cert)?;
            pem.push(b'\n');
            pem.extend(read(key)?);
            let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                Error::new(
                    ErrorCode::InvalidConfig,
                    format!("invalid client certificate: {e}"),
                )
            })?;
            builder = builder.identity(identity);
        }
    }
    builder
        .build()
        .map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("HTTP client: {e}")))
}

fn expect_ok((status, body): (u16, Vec<u8>)) -> Result<(u16, Vec<u8>)> {
    if status == 200 {
        Ok((status, body))
    } else {
        Err(Error::new(
            ErrorCode::ProviderUnavailable,
            format!("provider answered HTTP {status}"),
        ))
    }
}

async fn fetch(
    http: &reqwest::Client,
    request: &HttpRequest,
    limit: usize,
) -> Result<(u16, Vec<u8>)> {
    let fetched = fetch_full(http, request, limit).await?;
    Ok((fetched.status, fetched.body))
}

async fn fetch_with_type(
    http: &reqwest::Client,
    request: &HttpRequest,
    limit: usize,
) -> Result<(u16, Option<String>, Vec<u8>)> {
    let fetched = fetch_full(http, request, limit).await?;
    Ok((fetched.status, fetched.content_type, fetched.body))
}

/// A provider's answer: status, the two headers the core reads, the bounded body.
struct Fetched {
    status: u16,
    content_type: Option<String>,
    date: Option<String>,
    body: Vec<u8>,
}

async fn fetch_full(
    http: &reqwest::Client,
    request: &HttpRequest,
    limit: usize,
) -> Result<Fetched> {
    let unavailable = |e: reqwest::Error| {
        let kind = if e.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        Error::new(
            ErrorCode::ProviderUnavailable,
            format!("request to the provider {kind}: {}", e.without_url()),
        )
    };
    let mut builder = match request.method {
        "POST" => http.post(&request.url),
        _ => http.get(&request.url),
    };
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let mut response = builder.send().await.map_err(unavailable)?;
    let status = response.status().as_u16();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let date = header(reqwest::header::DATE);
    if response.content_length().is_some_and(|l| l > limit as u64) {
        return Err(Error::new(
            ErrorCode::ResponseTooLarge,
            "provider response too large",
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        if body.len() + chunk.len() > limit {
            return Err(Error::new(
                ErrorCode::ResponseTooLarge,
                "provider response too large",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        status,
        content_type,
        date,
        body,
    })
}

/// Runs the going-live checks of [`crate::Doctor`] against the live provider with the core's
/// HTTP client (timeouts, no redirects, bounded bodies; the client certificate for mutual TLS).
pub async fn doctor(config: ClientConfig, options: &DoctorOptions) -> Report {
    let mut doctor = Doctor::new(config, options, unix_now());
    let config = doctor.config().clone();
    if doctor.uses_mutual_tls() {
        let read = |path: &Option<String>, what: &str| match path {
            Some(p) => std::fs::read(p).map_err(|e| format!("cannot read the {what} `{p}`: {e}")),
            None => Err(format!("no {what} configured")),
        };
        match (
            read(&config.tls_client_cert, "client certificate"),
            read(&config.tls_client_key, "client key"),
        ) {
            (Ok(cert), Ok(key)) => doctor.check_client_certificate(&cert, &key),
            (Err(e), _) | (_, Err(e)) => doctor.client_certificate_unreadable(&e),
        }
    }
    let http = match build_http(&config) {
        Ok(http) => http,
        Err(e) => {
            // No client to send with: every probe is reported as not reached.
            while let Some(probe) = doctor.next_probe() {
                doctor.feed(probe.kind, Err(e.message()));
            }
            return doctor.finish();
        }
    };
    while let Some(probe) = doctor.next_probe() {
        let limit = match probe.kind {
            ProbeKind::Discovery => limits::MAX_DISCOVERY_BYTES,
            ProbeKind::Jwks => limits::MAX_JWKS_BYTES,
            ProbeKind::Credentials => limits::MAX_TOKEN_RESPONSE_BYTES,
        };
        match fetch_full(&http, &probe.request, limit).await {
            Ok(f) => doctor.feed(
                probe.kind,
                Ok(ProbeAnswer {
                    status: f.status,
                    date: f.date.as_deref(),
                    body: &f.body,
                }),
            ),
            Err(e) => doctor.feed(probe.kind, Err(e.message())),
        }
    }
    doctor.finish()
}
