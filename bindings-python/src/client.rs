//! `NativeClient`: one provider's relying party. With `discover=True` it does its own I/O
//! through the core's `http` feature (GIL released while waiting); otherwise it is sans-IO.

use std::sync::Arc;

use gouvconnect::http::{block_on, Connection, HttpClient};
use gouvconnect::{
    unix_now, ClientConfig, LoginOptions, PendingLogin, PendingLogout, UserinfoResponse,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert::{error, guard, parse, raise, serialize, to_py};

/// Bytes from a `bytes` or `str` argument.
pub fn bytes_of(py: Python<'_>, value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    Err(raise(
        py,
        "invalid_request",
        &format!("{what} must be bytes or str"),
    ))
}

/// A relying party for ProConnect, Pro Santé Connect, FranceConnect or FranceConnect+.
#[pyclass(frozen, name = "NativeClient", module = "gouvconnect._native")]
pub struct Client {
    inner: Arc<Connection>,
}

impl Client {
    fn online(&self, py: Python<'_>) -> PyResult<HttpClient> {
        self.inner.online().cloned().map_err(|e| error(py, e))
    }
}

#[pymethods]
impl Client {
    /// `config_json`: the core's client configuration. `discover`: fetch a custom issuer's
    /// discovery document and do network I/O (token, userinfo, JWKS).
    #[new]
    #[pyo3(signature = (config_json, discover = true))]
    fn new(py: Python<'_>, config_json: &str, discover: bool) -> PyResult<Self> {
        guard(py, || {
            let config = ClientConfig::from_json(config_json).map_err(|e| error(py, e))?;
            let inner = if discover {
                let http = py
                    .detach(|| block_on(HttpClient::connect(config)))
                    .and_then(|r| r)
                    .map_err(|e| error(py, e))?;
                Connection::Online(http)
            } else {
                let client = gouvconnect::Client::new(config).map_err(|e| error(py, e))?;
                Connection::Offline(Box::new(client))
            };
            Ok(Client {
                inner: Arc::new(inner),
            })
        })
    }

    /// `proconnect`, `prosanteconnect`, `franceconnect` or `franceconnect_plus`.
    #[getter]
    fn provider(&self) -> &'static str {
        self.inner.core().provider().kind.as_str()
    }

    /// The provider's issuer.
    #[getter]
    fn issuer(&self) -> String {
        self.inner.core().provider().endpoints.issuer.clone()
    }

    /// Whether this client does network I/O.
    #[getter]
    fn networked(&self) -> bool {
        self.inner.is_online()
    }

    /// The resolved endpoints and quirks of the provider.
    #[getter]
    fn provider_metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialize(py, self.inner.core().provider())
    }

    /// FranceConnect+: the public JWKS (JSON text, public members only) of the configured
    /// `decryption_keys`, for the host to serve at the URL registered with the provider;
    /// `None` for the other providers.
    fn public_jwks(&self) -> Option<String> {
        self.inner.core().public_jwks()
    }

    /// Replaces the cached JWKS.
    fn set_jwks(&self, py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let bytes = bytes_of(py, jwks, "jwks")?;
            self.inner.core().set_jwks(&bytes).map_err(|e| error(py, e))
        })
    }

    /// Starts a login: `(url, pending)`.
    #[pyo3(signature = (options_json = None))]
    fn begin_login(
        &self,
        py: Python<'_>,
        options_json: Option<&str>,
    ) -> PyResult<(String, String)> {
        guard(py, || {
            let options: LoginOptions = match options_json {
                Some(text) => parse(py, text, "login options")?,
                None => LoginOptions::default(),
            };
            let request = self
                .inner
                .core()
                .begin_login(&options)
                .map_err(|e| error(py, e))?;
            Ok((request.url, request.pending.to_json()))
        })
    }

    /// Checks the callback query (state, provider error, issuer) and returns the code.
    #[pyo3(signature = (pending, query, now = None))]
    fn parse_callback(
        &self,
        py: Python<'_>,
        pending: &str,
        query: &str,
        now: Option<u64>,
    ) -> PyResult<String> {
        guard(py, || {
            let pending = PendingLogin::from_json(pending).map_err(|e| error(py, e))?;
            self.inner
                .core()
                .parse_callback(&pending, query, now.unwrap_or_else(unix_now))
                .map_err(|e| error(py, e))
        })
    }

    /// Completes a login from the callback query string (network; the GIL is released).
    fn complete_login<'py>(
        &self,
        py: Python<'py>,
        pending: &str,
        query: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let http = self.online(py)?;
            let pending = PendingLogin::from_json(pending).map_err(|e| error(py, e))?;
            let query = query.to_string();
            let login = py
                .detach(move || {
                    block_on(async move { http.complete_login(&pending, &query).await })
                })
                .and_then(|r| r)
                .map_err(|e| error(py, e))?;
            serialize(py, &login)
        })
    }

    /// Renews a session with its refresh token (network; the GIL is released): the login of
    /// the same person with current data and `session_expires_at` unchanged.
    fn refresh<'py>(
        &self,
        py: Python<'py>,
        identity_json: &str,
        refresh_token: &str,
        session_expires_at: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let http = self.online(py)?;
            let previous: gouvconnect::Identity = parse(py, identity_json, "identity")?;
            let refresh_token = refresh_token.to_string();
            let login = py
                .detach(move || {
                    block_on(async move {
                        http.refresh(&previous, &refresh_token, session_expires_at)
                            .await
                    })
                })
                .and_then(|r| r)
                .map_err(|e| error(py, e))?;
            serialize(py, &login)
        })
    }

    /// Sans-IO completion with the token response and userinfo fetched by the caller.
    #[pyo3(signature = (pending, token_response, userinfo_content_type = None, userinfo_body = None, now = None))]
    fn finish_login<'py>(
        &self,
        py: Python<'py>,
        pending: &str,
        token_response: &Bound<'py, PyAny>,
        userinfo_content_type: Option<&str>,
        userinfo_body: Option<&Bound<'py, PyAny>>,
        now: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let pending = PendingLogin::from_json(pending).map_err(|e| error(py, e))?;
            let token_bytes = bytes_of(py, token_response, "token_response")?;
            let tokens =
                gouvconnect::parse_token_response(200, &token_bytes).map_err(|e| error(py, e))?;
            let body = match userinfo_body {
                Some(b) => Some(bytes_of(py, b, "userinfo_body")?),
                None => None,
            };
            let userinfo = body.as_deref().map(|body| UserinfoResponse {
                content_type: userinfo_content_type,
                body,
            });
            // Pure CPU (two signature checks, ~0.1 ms): other Python threads run meanwhile.
            let core = self.inner.core();
            let now = now.unwrap_or_else(unix_now);
            let login = py
                .detach(|| core.finish_login(&pending, &tokens, userinfo, now))
                .map_err(|e| error(py, e))?;
            serialize(py, &login)
        })
    }

    /// The end-session redirect `(url, pending)`, or `None` without an end-session endpoint.
    #[pyo3(signature = (id_token_hint = None))]
    fn logout_request(
        &self,
        py: Python<'_>,
        id_token_hint: Option<&str>,
    ) -> PyResult<Option<(String, String)>> {
        guard(py, || {
            let request = self
                .inner
                .core()
                .logout_request(id_token_hint)
                .map_err(|e| error(py, e))?;
            Ok(request.map(|r| (r.url, r.pending.to_json())))
        })
    }

    /// Checks the state returned to the post-logout redirect URI.
    fn verify_logout_callback(&self, py: Python<'_>, pending: &str, query: &str) -> PyResult<()> {
        guard(py, || {
            let pending = PendingLogout::from_json(pending).map_err(|e| error(py, e))?;
            self.inner
                .core()
                .verify_logout_callback(&pending, query)
                .map_err(|e| error(py, e))
        })
    }

    /// Fetches the discovery document and checks it against the configuration (network).
    fn fetch_discovery<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let http = self.online(py)?;
            let doc = py
                .detach(move || block_on(async move { http.fetch_discovery().await }))
                .and_then(|r| r)
                .map_err(|e| error(py, e))?;
            to_py(py, &doc)
        })
    }

    /// Refetches the JWKS (network).
    fn refresh_jwks(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            let http = self.online(py)?;
            py.detach(move || block_on(async move { http.refresh_jwks().await }))
                .and_then(|r| r)
                .map_err(|e| error(py, e))
        })
    }
}
