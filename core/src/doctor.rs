//! Going-live checks: a client's configuration against the live provider, with a verdict and
//! a fix for each line (see `docs/architecture.md`, "Going live").
//!
//! Sans-IO like the rest of the core: [`Doctor`] hands out [`Probe`]s (plain HTTP requests) and
//! judges the answers it is fed, so every host runs the same checks with its own HTTP client
//! (Keycloak's included, with its truststore and proxy). With the `http` feature,
//! `http::doctor` drives it with the core's client.
//!
//! The credentials are checked without a user: a token request with a deliberately invalid code
//! must be refused `invalid_grant` (the client was recognised), not `invalid_client`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Client, HttpRequest};
use crate::config::ClientConfig;
use crate::error::printable;
use crate::jose::{Algorithm, KeySet};
use crate::login::PendingLogin;
use crate::policy::AcrRequirement;
use crate::provider::{Environment, Provider, ProviderKind, TokenAuthMethod};

/// The code the credentials probe sends: never a real one.
const INVALID_CODE: &str = "gouvconnect-doctor-deliberately-invalid-code";
/// A client certificate closer than this to its end is a warning.
const CERT_WARN_DAYS: i64 = 30;
/// Clock skew under this is fine; up to the leeway a warning; beyond, a failure.
const SKEW_WARN_SECS: i64 = 10;

/// The verdict of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Fine.
    Pass,
    /// Works, but worth a look before going live.
    Warn,
    /// Will fail for users: fix before going live.
    Fail,
    /// Not run (an earlier check failed, or it does not apply).
    Skip,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "ok  ",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

/// One line of the report. `id` is stable (scripts key on it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable identifier: `configuration`, `redirect_uri`, `post_logout_redirect_uri`,
    /// `discovery`, `issuer`, `endpoints`, `clock`, `algorithms`, `token_auth_method`,
    /// `scopes`, `acr`, `jwks`, `credentials`, `client_certificate`.
    pub id: &'static str,
    /// The verdict.
    pub verdict: Verdict,
    /// What was found.
    pub message: String,
    /// What to do about it (for warnings and failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `proconnect` or `prosanteconnect`.
    pub provider: &'static str,
    /// The preset environment, or `None` for a custom issuer.
    pub environment: Option<&'static str>,
    /// The configured issuer.
    pub issuer: String,
    /// No check failed.
    pub ok: bool,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
}

impl Report {
    /// The report as JSON (for `--json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    /// The report for a person: one line a check, the fix below a warning or failure, and a
    /// closing verdict.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "gouvconnect doctor: {}{} at {}\n",
            display_name(self.provider),
            self.environment
                .map(|e| format!(" ({e})"))
                .unwrap_or_default(),
            self.issuer
        );
        for check in &self.checks {
            out.push_str(&format!(
                "  {}  {:<25} {}\n",
                check.verdict.label(),
                check.id,
                check.message
            ));
            if let Some(fix) = &check.fix {
                out.push_str(&format!("        {:<25} fix: {fix}\n", ""));
            }
        }
        let count = |v| self.checks.iter().filter(|c| c.verdict == v).count();
        // Not "N passed, N failed": CI reads that shape as a test runner's closing line.
        out.push_str(&format!(
            "verdict: {} ({} ok, {} warning(s), {} to fix, {} not run)\n",
            if self.ok { "ready" } else { "NOT READY" },
            count(Verdict::Pass),
            count(Verdict::Warn),
            count(Verdict::Fail),
            count(Verdict::Skip),
        ));
        out
    }
}

fn display_name(provider: &str) -> &'static str {
    ProviderKind::parse(provider).map_or("ProConnect", ProviderKind::display_name)
}

/// What the host knows that the configuration does not.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DoctorOptions {
    /// Absolute URLs at which the host really serves its login callback(s). When given, the
    /// configured `redirect_uri` must be one of them.
    pub mounted_redirect_uris: Vec<String>,
    /// Likewise for the logout callback.
    pub mounted_post_logout_redirect_uris: Vec<String>,
}

/// Which probe an answer belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    /// The discovery document.
    Discovery,
    /// The JWKS.
    Jwks,
    /// A token request with a deliberately invalid code.
    Credentials,
}

/// A request for the host to send, and which probe it is.
#[derive(Debug)]
pub struct Probe {
    /// What the answer will be judged as.
    pub kind: ProbeKind,
    /// The request (the credentials probe carries the client secret: never log its body).
    pub request: HttpRequest,
}

/// The provider's answer to a probe, as the host received it.
#[derive(Clone, Copy, Debug)]
pub struct ProbeAnswer<'a> {
    /// HTTP status.
    pub status: u16,
    /// The `Date` header, if any.
    pub date: Option<&'a str>,
    /// The body (already bounded by the host).
    pub body: &'a [u8],
}

/// The going-live check list, run as a sequence of probes.
#[derive(Debug)]
pub struct Doctor {
    config: ClientConfig,
    /// `None` when the configuration does not even name a provider.
    provider: Option<Provider>,
    /// The issuer as configured (for the report).
    issuer: String,
    client: Option<Client>,
    checks: Vec<Check>,
    queue: Vec<ProbeKind>,
    now: u64,
}

impl Doctor {
    /// Runs the checks that need no network and plans the probes. Never fails: a bad
    /// configuration is a failed check.
    pub fn new(config: ClientConfig, options: &DoctorOptions, now: u64) -> Doctor {
        let mut doctor = Doctor {
            issuer: config.issuer.clone().unwrap_or_default(),
            config,
            provider: None,
            client: None,
            checks: Vec::new(),
            queue: Vec::new(),
            now,
        };
        match doctor.config.resolve_provider() {
            Ok(provider) => {
                doctor.issuer = provider.endpoints.issuer.clone();
                match doctor.config.validate(&provider) {
                    Ok(()) => doctor.pass("configuration", "the settings are consistent"),
                    Err(e) => doctor.fail(
                        "configuration",
                        e.message().to_string(),
                        "correct the setting named above",
                    ),
                }
                doctor.provider = Some(provider);
                doctor.queue = vec![
                    ProbeKind::Discovery,
                    ProbeKind::Jwks,
                    ProbeKind::Credentials,
                ];
            }
            Err(e) => doctor.fail(
                "configuration",
                e.message().to_string(),
                "set `environment` to a preset, or `issuer` to the provider's exact issuer URL",
            ),
        }
        doctor.check_redirects(options);
        doctor
    }

    /// The next request to send, or `None` when every probe has been answered.
    pub fn next_probe(&mut self) -> Option<Probe> {
        let provider = self.provider.as_ref()?;
        let kind = *self.queue.first()?;
        let request = match kind {
            ProbeKind::Discovery => HttpRequest::get_json(&provider.endpoints.discovery),
            ProbeKind::Jwks => HttpRequest::get_json(&provider.endpoints.jwks),
            ProbeKind::Credentials => {
                let Some(client) = &self.client else {
                    // An invalid configuration or no discovery: nothing trustworthy to send.
                    self.queue.clear();
                    self.skip(
                        "credentials",
                        "not checked: the configuration or the discovery failed",
                    );
                    return None;
                };
                client.token_request(&doctor_pending(client), INVALID_CODE)
            }
        };
        Some(Probe { kind, request })
    }

    /// Judges the answer to a probe: `Err` carries a transport failure (timeout, refused
    /// connection, TLS), in words fit for a log.
    pub fn feed(&mut self, kind: ProbeKind, answer: Result<ProbeAnswer<'_>, &str>) {
        if self.queue.first() == Some(&kind) {
            self.queue.remove(0);
        }
        match kind {
            ProbeKind::Discovery => self.judge_discovery(answer),
            ProbeKind::Jwks => self.judge_jwks(answer),
            ProbeKind::Credentials => self.judge_credentials(answer),
        }
    }

    /// Checks the mutual-TLS client certificate and key (PEM contents, read by the host):
    /// readable, the key matches the certificate, not expired, days left.
    pub fn check_client_certificate(&mut self, cert_pem: &[u8], key_pem: &[u8]) {
        let now = i64::try_from(self.now).unwrap_or(i64::MAX);
        // Whole days, counted toward zero: a certificate 3 days and an hour past its end
        // "expired 3 day(s) ago"; one with 10 days and an hour left "expires in 10 day(s)".
        match inspect_certificate(cert_pem, key_pem, now) {
            Ok((secs_left, subject)) if secs_left < 0 => self.fail(
                "client_certificate",
                format!(
                    "the certificate of {subject} expired {} day(s) ago",
                    -secs_left / 86_400
                ),
                "ask the ANS for a new certificate and install it with its key",
            ),
            Ok((secs_left, subject)) if secs_left / 86_400 < CERT_WARN_DAYS => self.warn(
                "client_certificate",
                format!(
                    "the certificate of {subject} expires in {} day(s)",
                    secs_left / 86_400
                ),
                "renew it now: the token requests fail the day it expires",
            ),
            Ok((secs_left, subject)) => self.pass(
                "client_certificate",
                format!(
                    "certificate of {subject} and its key match; {} day(s) left",
                    secs_left / 86_400
                ),
            ),
            Err(problem) => self.fail("client_certificate", problem.0, problem.1),
        }
    }

    /// Records that the client certificate could not be read (the host's file error).
    pub fn client_certificate_unreadable(&mut self, problem: &str) {
        self.fail(
            "client_certificate",
            printable(problem, 300),
            "give readable PEM files: the certificate (chain) and its PKCS#8 private key",
        );
    }

    /// Whether the configuration uses mutual TLS at the token endpoint.
    pub fn uses_mutual_tls(&self) -> bool {
        self.config.token_auth_method() == TokenAuthMethod::TlsClientAuth
    }

    /// The configuration under test.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The report.
    pub fn finish(mut self) -> Report {
        for kind in std::mem::take(&mut self.queue) {
            let id = match kind {
                ProbeKind::Discovery => "discovery",
                ProbeKind::Jwks => "jwks",
                ProbeKind::Credentials => "credentials",
            };
            self.skip(id, "not run");
        }
        let ok = !self.checks.iter().any(|c| c.verdict == Verdict::Fail);
        let provider = self.config.provider;
        Report {
            provider: provider.as_str(),
            environment: self
                .provider
                .as_ref()
                .and_then(|p| p.environment)
                .map(Environment::as_str),
            issuer: self.issuer,
            ok,
            checks: self.checks,
        }
    }

    fn check_redirects(&mut self, options: &DoctorOptions) {
        let uris = [
            (
                "redirect_uri",
                Some(self.config.redirect_uri.clone()),
                &options.mounted_redirect_uris,
            ),
            (
                "post_logout_redirect_uri",
                self.config.post_logout_redirect_uri.clone(),
                &options.mounted_post_logout_redirect_uris,
            ),
        ];
        for (id, uri, mounted) in uris {
            let Some(uri) = uri else {
                self.warn(
                    id,
                    "not set: logout ends the local session only, the provider's stays open".into(),
                    "set post_logout_redirect_uri and register it with the provider",
                );
                continue;
            };
            let Ok(parsed) = url::Url::parse(&uri) else {
                self.fail(
                    id,
                    format!("`{uri}` is not an absolute URL"),
                    "give an absolute https URL",
                );
                continue;
            };
            let loopback = crate::provider::is_loopback(&parsed);
            if parsed.scheme() != "https" && !loopback {
                self.fail(
                    id,
                    format!("`{uri}` is not https"),
                    "the provider only sends users back to https URLs outside loopback",
                );
            } else if !mounted.is_empty() && !mounted.iter().any(|m| m == &uri) {
                self.fail(
                    id,
                    format!("`{uri}` is not a route this application serves ({})", mounted.join(", ")),
                    "make the configured URI and the mounted route the same (the base URL and the route prefix)",
                );
            } else {
                let production = self.provider.as_ref().is_some_and(|p| {
                    matches!(
                        p.environment,
                        Some(Environment::Production | Environment::RieProduction)
                    )
                });
                if production && loopback {
                    self.fail(
                        id,
                        format!("`{uri}` is a loopback address in production"),
                        "ProConnect refuses localhost and http in production (Y04A586): use the public https URL",
                    );
                } else {
                    self.pass(
                        id,
                        format!("`{uri}` — register exactly this value with the provider"),
                    );
                }
            }
        }
    }

    fn judge_discovery(&mut self, answer: Result<ProbeAnswer<'_>, &str>) {
        let Some(provider) = self.provider.clone() else {
            return;
        };
        let url = provider.endpoints.discovery.clone();
        let answer = match answer {
            Ok(a) => a,
            Err(problem) => {
                let fix = if matches!(
                    provider.environment,
                    Some(Environment::RieIntegration | Environment::RieProduction)
                ) {
                    "RIE hosts answer only from the RIE network: run this from a server on the RIE, or choose the internet environment"
                } else {
                    "check the issuer URL, DNS, the outgoing proxy and the firewall of this server"
                };
                self.fail(
                    "discovery",
                    format!("{url} could not be reached: {}", printable(problem, 200)),
                    fix,
                );
                return;
            }
        };
        if answer.status != 200 {
            self.fail(
                "discovery",
                format!("{url} answered HTTP {}", answer.status),
                "check the issuer: ProConnect issuers end in /api/v2, Pro Santé Connect's in /auth/realms/esante-wallet",
            );
            return;
        }
        let doc: Value = match serde_json::from_slice(answer.body) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                self.fail(
                    "discovery",
                    format!("{url} did not answer a JSON discovery document"),
                    "check the issuer URL: this is not an OpenID provider",
                );
                return;
            }
        };
        self.pass("discovery", format!("discovery document read from {url}"));
        let mut discovered = provider.clone();
        match discovered.apply_discovery(answer.body) {
            Ok(()) => self.pass(
                "issuer",
                format!("the provider's issuer is `{}`", provider.endpoints.issuer),
            ),
            Err(e) => {
                self.fail(
                    "issuer",
                    e.message().to_string(),
                    "set the issuer exactly as the discovery document spells it (scheme, host, path, no trailing slash)",
                );
                self.queue.clear();
                return;
            }
        }
        self.check_endpoints(&provider, &discovered);
        self.check_clock(answer.date);
        self.check_offered(&doc, &discovered);
        #[cfg(feature = "franceconnect")]
        self.check_encryption(&doc, &discovered);
        // The probes that follow use what the provider publishes.
        self.client = Client::with_provider(discovered.clone(), self.config.clone()).ok();
        self.provider = Some(discovered);
    }

    fn check_endpoints(&mut self, configured: &Provider, discovered: &Provider) {
        if configured.environment.is_none() {
            self.pass(
                "endpoints",
                format!(
                    "custom issuer: authorize {}, token {}",
                    discovered.endpoints.authorization, discovered.endpoints.token
                ),
            );
            return;
        }
        let expected = &configured.endpoints;
        let found = &discovered.endpoints;
        let host = |u: &str| {
            url::Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
        };
        let pairs = [
            (
                "authorization",
                &expected.authorization,
                &found.authorization,
            ),
            ("token", &expected.token, &found.token),
            ("userinfo", &expected.userinfo, &found.userinfo),
            ("jwks", &expected.jwks, &found.jwks),
        ];
        let wrong: Vec<String> = pairs
            .iter()
            .filter(|(_, e, f)| host(e) != host(f))
            .map(|(name, e, f)| {
                format!(
                    "{name} on {} (expected {})",
                    host(f).unwrap_or_default(),
                    host(e).unwrap_or_default()
                )
            })
            .collect();
        if wrong.is_empty() {
            self.pass(
                "endpoints",
                "every endpoint is on the environment's expected host",
            );
        } else {
            self.warn(
                "endpoints",
                wrong.join("; "),
                "the provider moved an endpoint: report it to gouvconnect so the preset follows",
            );
        }
    }

    fn check_clock(&mut self, date: Option<&str>) {
        let Some(theirs) = date.and_then(|d| httpdate::parse_http_date(d).ok()) else {
            self.skip("clock", "the provider sent no Date header");
            return;
        };
        let theirs = theirs
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let skew = i64::try_from(theirs).unwrap_or(0) - i64::try_from(self.now).unwrap_or(0);
        let leeway = i64::try_from(self.config.leeway_secs).unwrap_or(30);
        let text = format!(
            "this server's clock is {} s {} the provider's",
            skew.abs(),
            if skew > 0 { "behind" } else { "ahead of" }
        );
        if skew.abs() <= SKEW_WARN_SECS {
            self.pass("clock", format!("{text} (within {SKEW_WARN_SECS} s)"));
        } else if skew.abs() <= leeway {
            self.warn(
                "clock",
                format!("{text}, within the {leeway} s leeway"),
                "synchronise the clock (NTP)",
            );
        } else {
            self.fail(
                "clock",
                format!("{text}: beyond the {leeway} s leeway, fresh tokens will be refused as expired or not yet valid"),
                "synchronise this server's clock with NTP",
            );
        }
    }

    fn check_offered(&mut self, doc: &Value, provider: &Provider) {
        let list = |name: &str| -> Option<Vec<String>> {
            doc.get(name)?.as_array().map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
        };
        // Signing algorithms: the registered ones, or at least one the core accepts.
        let mut problems = Vec::new();
        for (what, field, algs) in [
            (
                "id_token",
                "id_token_signing_alg_values_supported",
                self.config.id_token_algs(provider),
            ),
            (
                "userinfo",
                "userinfo_signing_alg_values_supported",
                self.config.userinfo_algs(provider),
            ),
        ] {
            if let Some(offered) = list(field) {
                if !algs.iter().any(|a| offered.iter().any(|o| o == a.as_str())) {
                    problems.push(format!(
                        "{what}: the provider offers {} but this client accepts {}",
                        offered.join(", "),
                        names(&algs)
                    ));
                }
            }
        }
        if problems.is_empty() {
            self.pass(
                "algorithms",
                format!("id_token {}", names(&self.config.id_token_algs(provider))),
            );
        } else {
            self.fail(
                "algorithms",
                problems.join("; "),
                "set id_token_alg/userinfo_alg to the algorithm registered with the provider",
            );
        }
        let method = self.config.token_auth_method();
        match list("token_endpoint_auth_methods_supported") {
            Some(methods) if !methods.iter().any(|m| m == method.as_str()) => self.fail(
                "token_auth_method",
                format!(
                    "the provider takes {} at its token endpoint, not {}",
                    methods.join(", "),
                    method.as_str()
                ),
                "choose one of the methods listed",
            ),
            _ => self.pass("token_auth_method", method.as_str().to_string()),
        }
        let scopes = self.config.scopes(provider);
        match list("scopes_supported") {
            Some(supported) => {
                let unknown: Vec<&String> =
                    scopes.iter().filter(|s| !supported.contains(s)).collect();
                if unknown.is_empty() {
                    self.pass("scopes", scopes.join(" "));
                } else {
                    self.warn(
                        "scopes",
                        format!(
                            "not listed by the provider: {}",
                            unknown
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        "ask the provider to grant these scopes, or remove them",
                    );
                }
            }
            None => self.pass("scopes", scopes.join(" ")),
        }
        let wanted: Vec<String> = match AcrRequirement::with_mode(
            provider.kind,
            self.config.policy.acr.as_deref(),
            self.config.policy.mfa_mode(),
        ) {
            Ok(req) => match (req.accepted, provider.kind) {
                (Some(values), _) => values,
                (None, ProviderKind::ProSanteConnect) => vec!["eidas1".to_string()],
                // FranceConnect(+) always has accepted levels; ProConnect may take any.
                (None, _) => Vec::new(),
            },
            Err(_) => Vec::new(),
        };
        match list("acr_values_supported") {
            Some(supported) if !wanted.is_empty() => {
                let missing: Vec<&String> =
                    wanted.iter().filter(|v| !supported.contains(v)).collect();
                if missing.is_empty() {
                    self.pass("acr", format!("requested {} — offered", wanted.join(", ")));
                } else {
                    self.fail(
                        "acr",
                        format!(
                            "not offered by the provider: {}",
                            missing
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        "lower the required level, or ask the provider which values it serves",
                    );
                }
            }
            _ => self.pass(
                "acr",
                if wanted.is_empty() {
                    "no level required".into()
                } else {
                    format!("requested {}", wanted.join(", "))
                },
            ),
        }
    }

    /// FranceConnect+: the provider must encrypt with an algorithm the client's keys open.
    #[cfg(feature = "franceconnect")]
    fn check_encryption(&mut self, doc: &Value, provider: &Provider) {
        if !provider.encrypted_tokens {
            return;
        }
        let Ok(Some(keys)) =
            crate::jwe::DecryptionKeys::from_config(self.config.decryption_keys.as_ref())
        else {
            // The configuration check already failed, naming the reason.
            return;
        };
        let ours = keys.algorithms();
        let mut problems = Vec::new();
        let mut unlisted = 0;
        for (what, field) in [
            ("id_token", "id_token_encryption_alg_values_supported"),
            ("userinfo", "userinfo_encryption_alg_values_supported"),
        ] {
            let Some(offered) = doc.get(field).and_then(Value::as_array) else {
                unlisted += 1;
                continue;
            };
            if !offered
                .iter()
                .filter_map(Value::as_str)
                .any(|o| ours.contains(&o))
            {
                problems.push(format!(
                    "{what}: the provider encrypts with {} but the client's keys open {}",
                    offered
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    ours.join(", ")
                ));
            }
        }
        if !problems.is_empty() {
            self.fail(
                "encryption",
                problems.join("; "),
                "configure a key of a type the provider encrypts with (RSA for RSA-OAEP, P-256 for ECDH-ES) and register its public half with the provider",
            );
        } else if unlisted == 2 {
            self.warn(
                "encryption",
                format!(
                    "the discovery document does not list its encryption algorithms; the client's keys open {}",
                    ours.join(", ")
                ),
                "check with the provider which algorithm it encrypts with for this client",
            );
        } else {
            self.pass(
                "encryption",
                format!(
                    "the client's keys ({}) open what the provider encrypts with",
                    keys.kids().join(", ")
                ),
            );
        }
    }

    fn judge_jwks(&mut self, answer: Result<ProbeAnswer<'_>, &str>) {
        let url = self
            .provider
            .as_ref()
            .map(|p| p.endpoints.jwks.clone())
            .unwrap_or_default();
        let answer = match answer {
            Ok(a) if a.status == 200 => a,
            Ok(a) => {
                return self.fail(
                    "jwks",
                    format!("{url} answered HTTP {}", a.status),
                    "check the provider's status page; retry later",
                )
            }
            Err(problem) => {
                return self.fail(
                    "jwks",
                    format!("{url} could not be reached: {}", printable(problem, 200)),
                    "check the outgoing proxy and the firewall",
                )
            }
        };
        let keys = match KeySet::from_jwks(answer.body) {
            Ok(k) => k,
            Err(e) => {
                return self.fail(
                    "jwks",
                    e.message().to_string(),
                    "check the provider's status page; retry later",
                )
            }
        };
        let Some(provider) = self.provider.clone() else {
            return;
        };
        let algs = self.config.id_token_algs(&provider);
        let asymmetric: Vec<Algorithm> = algs
            .iter()
            .copied()
            .filter(|a| *a != Algorithm::HS256)
            .collect();
        if !asymmetric.is_empty()
            && !asymmetric.iter().any(|a| keys.supports(*a))
            && !algs.contains(&Algorithm::HS256)
        {
            self.fail(
                "jwks",
                format!("{} key(s), none for {}", keys.len(), names(&asymmetric)),
                "set id_token_alg to the algorithm registered with the provider",
            );
        } else {
            self.pass("jwks", format!("{} signing key(s)", keys.len()));
        }
    }

    fn judge_credentials(&mut self, answer: Result<ProbeAnswer<'_>, &str>) {
        let answer = match answer {
            Ok(a) => a,
            Err(problem) => {
                let fix = if self.uses_mutual_tls() {
                    "check the client certificate and key, and that the provider trusts them"
                } else {
                    "check the outgoing proxy and the firewall"
                };
                return self.fail(
                    "credentials",
                    format!(
                        "the token endpoint could not be reached: {}",
                        printable(problem, 200)
                    ),
                    fix,
                );
            }
        };
        #[derive(Deserialize)]
        struct OAuthError {
            error: String,
        }
        let error = serde_json::from_slice::<OAuthError>(answer.body)
            .ok()
            .map(|e| printable(&e.error, 64));
        match (answer.status, error.as_deref()) {
            (400, Some("invalid_grant")) => self.pass(
                "credentials",
                "client recognised: the provider refused only the deliberately invalid code (invalid_grant)",
            ),
            (_, Some("invalid_client")) => self.fail(
                "credentials",
                "the provider refused the client's credentials (invalid_client)".into(),
                if self.uses_mutual_tls() {
                    "check the client id and that the certificate is the one registered with the ANS"
                } else {
                    "check the client id and secret, and that they belong to this environment (integration and production have different credentials)"
                },
            ),
            (status, _) if status >= 500 => self.fail(
                "credentials",
                format!("the token endpoint answered HTTP {status}"),
                "the provider is unavailable: retry later",
            ),
            (status, error) => self.warn(
                "credentials",
                format!("the token endpoint answered HTTP {status} {}", error.unwrap_or("without an OAuth error")),
                "expected invalid_grant for an invalid code: compare with the provider's documentation",
            ),
        }
    }

    fn pass(&mut self, id: &'static str, message: impl Into<String>) {
        self.push(id, Verdict::Pass, message.into(), None);
    }

    fn warn(&mut self, id: &'static str, message: String, fix: &str) {
        self.push(id, Verdict::Warn, message, Some(fix.to_string()));
    }

    fn fail(&mut self, id: &'static str, message: String, fix: &str) {
        self.push(id, Verdict::Fail, message, Some(fix.to_string()));
    }

    fn skip(&mut self, id: &'static str, message: &str) {
        self.push(id, Verdict::Skip, message.to_string(), None);
    }

    fn push(&mut self, id: &'static str, verdict: Verdict, message: String, fix: Option<String>) {
        self.checks.push(Check {
            id,
            verdict,
            message,
            fix,
        });
    }
}

fn names(algs: &[Algorithm]) -> String {
    algs.iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A pending login that never was: only what a token request repeats (no PKCE verifier, so
/// the provider judges the client and the code alone).
fn doctor_pending(client: &Client) -> PendingLogin {
    let config = client.config();
    PendingLogin {
        provider: config.provider,
        client_id: config.client_id.clone(),
        state: String::new(),
        nonce: String::new(),
        code_verifier: None,
        redirect_uri: config.redirect_uri.clone(),
        acr: AcrRequirement::default(),
        created_at: 0,
        next: None,
        expected_sub: None,
    }
}

/// (message, fix) of a certificate problem.
struct CertProblem(String, &'static str);

/// Seconds left and subject of the leaf certificate, after checking that the key matches it.
fn inspect_certificate(
    cert_pem: &[u8],
    key_pem: &[u8],
    now: i64,
) -> Result<(i64, String), CertProblem> {
    use x509_parser::pem::Pem;
    let unreadable = |what: &str| {
        CertProblem(
            format!("the {what} is not a PEM file"),
            "give PEM files: the certificate (chain) and its PKCS#8 private key",
        )
    };
    let leaf = Pem::iter_from_buffer(cert_pem)
        .filter_map(|p| p.ok())
        .find(|p| p.label == "CERTIFICATE")
        .ok_or_else(|| unreadable("certificate"))?;
    let cert = leaf.parse_x509().map_err(|_| unreadable("certificate"))?;
    let subject = printable(&cert.subject().to_string(), 200);
    let key = Pem::iter_from_buffer(key_pem)
        .filter_map(|p| p.ok())
        .next()
        .ok_or_else(|| unreadable("private key"))?;
    if key.label != "PRIVATE KEY" {
        return Err(CertProblem(
            format!(
                "the private key is `{}`, not PKCS#8",
                printable(&key.label, 40)
            ),
            "convert it: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem",
        ));
    }
    let public = public_key_of(&key.contents).ok_or_else(|| {
        CertProblem(
            "the private key is not an RSA or P-256 key that can be read".into(),
            "give the PKCS#8 private key of the certificate",
        )
    })?;
    if public != cert.public_key().subject_public_key.data.as_ref() {
        return Err(CertProblem(
            format!("the private key does not belong to the certificate of {subject}"),
            "pair the certificate with the key it was issued for",
        ));
    }
    let not_after = cert.validity().not_after.timestamp();
    let not_before = cert.validity().not_before.timestamp();
    if now < not_before {
        return Err(CertProblem(
            format!("the certificate of {subject} is not valid yet"),
            "check this server's clock, or wait for the certificate's start date",
        ));
    }
    Ok((not_after - now, subject))
}

/// The public key bytes as a certificate's SubjectPublicKeyInfo holds them.
fn public_key_of(pkcs8: &[u8]) -> Option<Vec<u8>> {
    use ring::signature::{self, KeyPair};
    if let Ok(rsa) = signature::RsaKeyPair::from_pkcs8(pkcs8) {
        return Some(rsa.public().as_ref().to_vec());
    }
    let rng = ring::rand::SystemRandom::new();
    signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
        .ok()
        .map(|ec| ec.public_key().as_ref().to_vec())
}
