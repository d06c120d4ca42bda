//! Client configuration: which provider, the credentials, and how strict to be.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, ErrorCode, Result};
use crate::jose::Algorithm;
use crate::policy::Policy;
use crate::provider::{Environment, Provider, ProviderKind, TokenAuthMethod};

/// A secret string: never printed by `Debug`/`Display`, never serialised back.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

fn default_leeway() -> u64 {
    30
}

fn default_timeout() -> u64 {
    10
}

/// Everything a host configures for one provider. Deserialisable from the same JSON/dict in
/// every binding.
///
/// ```
/// let cfg: gouvconnect::ClientConfig = serde_json::from_str(r#"{
///   "provider": "proconnect", "environment": "integration",
///   "client_id": "id", "client_secret": "secret",
///   "redirect_uri": "https://app.example/auth/callback",
///   "policy": {"acr": "eidas1"}
/// }"#).unwrap();
/// assert!(gouvconnect::Client::new(cfg).is_ok());
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// `proconnect` or `prosanteconnect`.
    pub provider: ProviderKind,
    /// Preset environment (ignored when `issuer` is set).
    #[serde(default)]
    pub environment: Option<Environment>,
    /// Custom issuer (emulator, tests): wins over `environment`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Client id.
    pub client_id: String,
    /// Client secret; may be left out with mutual TLS (`token_auth_method: tls_client_auth`).
    #[serde(default)]
    pub client_secret: Secret,
    /// Registered redirect URI of the callback.
    pub redirect_uri: String,
    /// Registered post-logout redirect URI.
    #[serde(default)]
    pub post_logout_redirect_uri: Option<String>,
    /// Scopes; the provider's defaults when absent (`openid` is always added).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// The id_token algorithm registered for this client; by default any asymmetric algorithm
    /// of the provider. HS256 is only ever accepted when registered here.
    #[serde(default)]
    pub id_token_alg: Option<Algorithm>,
    /// The userinfo algorithm registered for this client (same rule).
    #[serde(default)]
    pub userinfo_alg: Option<Algorithm>,
    /// Require a signed userinfo. Defaults to the provider's format (ProConnect: yes; PSC: no).
    #[serde(default)]
    pub userinfo_signed: Option<bool>,
    /// Token endpoint authentication; the provider's default when absent.
    #[serde(default)]
    pub token_auth_method: Option<TokenAuthMethod>,
    /// Send PKCE (S256) where the provider accepts it. Default: yes.
    #[serde(default)]
    pub use_pkce: Option<bool>,
    /// Clock leeway for `exp`/`iat`, in seconds.
    #[serde(default = "default_leeway")]
    pub leeway_secs: u64,
    /// Network timeout, in seconds (`http` feature).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// PEM file of the client certificate for mutual TLS (PSC, `http` feature).
    #[serde(default)]
    pub tls_client_cert: Option<String>,
    /// PEM file of the client certificate's private key.
    #[serde(default)]
    pub tls_client_key: Option<String>,
    /// PEM file of extra CA certificates to trust (private PKI, emulator with TLS).
    #[serde(default)]
    pub tls_ca_cert: Option<String>,
    /// Access policy.
    #[serde(default)]
    pub policy: Policy,
    /// The longest a host session may live after the login, in seconds (default 12 h, the
    /// length of ProConnect's own session and refresh token). The host ends the session then;
    /// with silent login on, it first tries `prompt=none`.
    #[serde(default = "default_session_max_age")]
    pub session_max_age_secs: u64,
    /// How long a started login may wait for its callback, in seconds (default 30 minutes: the
    /// user may linger on the provider's pages). A callback later than that is `no_pending_login`.
    #[serde(default = "default_pending_login_max_age")]
    pub pending_login_max_age_secs: u64,
    /// FranceConnect+ only: the client's private decryption keys, as the text of a JWKS of
    /// private JWKs or of PEM blocks (several keys during a rotation). The public halves are
    /// what the host publishes for FranceConnect+ ([`crate::Client::public_jwks`]).
    #[serde(default)]
    pub decryption_keys: Option<Secret>,
}

fn default_session_max_age() -> u64 {
    12 * 3600
}

fn default_pending_login_max_age() -> u64 {
    crate::login::PENDING_LOGIN_TTL_SECS
}

impl ClientConfig {
    /// A minimal configuration; adjust fields before building the client.
    pub fn new(
        provider: ProviderKind,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        ClientConfig {
            provider,
            environment: None,
            issuer: None,
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
            redirect_uri: redirect_uri.into(),
            post_logout_redirect_uri: None,
            scopes: None,
            id_token_alg: None,
            userinfo_alg: None,
            userinfo_signed: None,
            token_auth_method: None,
            use_pkce: None,
            leeway_secs: default_leeway(),
            timeout_secs: default_timeout(),
            tls_client_cert: None,
            tls_client_key: None,
            tls_ca_cert: None,
            policy: Policy::default(),
            session_max_age_secs: default_session_max_age(),
            pending_login_max_age_secs: default_pending_login_max_age(),
            decryption_keys: None,
        }
    }

    /// Parses a JSON configuration.
    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorCode::InvalidConfig,
                format!("invalid configuration: {e}"),
            )
        })
    }

    /// The provider this configuration designates (preset or custom issuer).
    pub fn resolve_provider(&self) -> Result<Provider> {
        match (&self.issuer, self.environment) {
            (Some(issuer), _) if !issuer.trim().is_empty() => {
                Provider::custom(self.provider, issuer)
            }
            (_, Some(env)) => Provider::preset(self.provider, env),
            _ => Err(Error::new(
                ErrorCode::InvalidConfig,
                "set either `environment` or `issuer`",
            )),
        }
    }

    /// Checks the configuration against a provider.
    pub fn validate(&self, provider: &Provider) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorCode::InvalidConfig, m));
        if self.client_id.trim().is_empty() {
            return bad("`client_id` is empty".into());
        }
        if self.client_secret.expose().is_empty()
            && self.token_auth_method != Some(TokenAuthMethod::TlsClientAuth)
        {
            return bad("`client_secret` is empty".into());
        }
        check_redirect("redirect_uri", &self.redirect_uri, provider)?;
        if let Some(uri) = &self.post_logout_redirect_uri {
            check_redirect("post_logout_redirect_uri", uri, provider)?;
        }
        let method = self.token_auth_method();
        if !provider.token_auth_methods.contains(&method) {
            return bad(format!(
                "{} does not accept the token endpoint method {method:?}",
                provider.kind.display_name()
            ));
        }
        if method == TokenAuthMethod::TlsClientAuth
            && (self.tls_client_cert.is_none() || self.tls_client_key.is_none())
        {
            return bad("mutual TLS needs `tls_client_cert` and `tls_client_key`".into());
        }
        for alg in [self.id_token_alg, self.userinfo_alg].into_iter().flatten() {
            if !provider.signing_algs.contains(&alg) {
                return bad(format!(
                    "{} does not sign with {}",
                    provider.kind.display_name(),
                    alg.as_str()
                ));
            }
        }
        if self.leeway_secs > 300 {
            return bad("`leeway_secs` must be at most 300".into());
        }
        if !(300..=30 * 86_400).contains(&self.session_max_age_secs) {
            return bad(
                "`session_max_age_secs` must be between 300 (5 minutes) and 2592000 (30 days)"
                    .into(),
            );
        }
        if !(30..=3600).contains(&self.pending_login_max_age_secs) {
            return bad("`pending_login_max_age_secs` must be between 30 and 3600 (1 hour)".into());
        }
        if self.timeout_secs == 0 || self.timeout_secs > 120 {
            return bad("`timeout_secs` must be between 1 and 120".into());
        }
        match (provider.encrypted_tokens, &self.decryption_keys) {
            (true, None) => {
                return bad(format!(
                    "{} encrypts its tokens: set `decryption_keys` (the private keys whose public halves are registered with it)",
                    provider.kind.display_name()
                ))
            }
            (false, Some(_)) => {
                return bad(format!(
                    "`decryption_keys` is for FranceConnect+ only: {} does not encrypt its tokens",
                    provider.kind.display_name()
                ))
            }
            _ => {}
        }
        self.policy.validate(provider.kind)
    }

    /// The token endpoint authentication method in use.
    pub fn token_auth_method(&self) -> TokenAuthMethod {
        self.token_auth_method
            .unwrap_or(TokenAuthMethod::ClientSecretPost)
    }

    /// The scopes to request, `openid` first: the configured ones (else the provider's
    /// defaults), plus whatever the policy needs to see — a rule whose claim was never asked
    /// for would pass silently (e.g. the email rule without ProConnect's `custom` scope).
    pub fn scopes(&self, provider: &Provider) -> Vec<String> {
        let mut scopes = vec!["openid".to_string()];
        let wanted = self.scopes.as_ref().unwrap_or(&provider.default_scopes);
        let needed = self.policy.required_scopes(provider.kind);
        for s in wanted.iter().map(String::as_str).chain(needed) {
            if !scopes.iter().any(|have| have == s) {
                scopes.push(s.to_string());
            }
        }
        scopes
    }

    /// Algorithms accepted for the id_token.
    pub fn id_token_algs(&self, provider: &Provider) -> Vec<Algorithm> {
        accepted_algs(self.id_token_alg, provider)
    }

    /// Algorithms accepted for a signed userinfo.
    pub fn userinfo_algs(&self, provider: &Provider) -> Vec<Algorithm> {
        accepted_algs(self.userinfo_alg.or(self.id_token_alg), provider)
    }
}

fn accepted_algs(registered: Option<Algorithm>, provider: &Provider) -> Vec<Algorithm> {
    match registered {
        Some(alg) => vec![alg],
        None => provider
            .signing_algs
            .iter()
            .copied()
            .filter(|a| *a != Algorithm::HS256)
            .collect(),
    }
}

fn check_redirect(name: &str, uri: &str, provider: &Provider) -> Result<()> {
    let parsed = url::Url::parse(uri).map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("`{name}` is not a URL: {e}"),
        )
    })?;
    let loopback = crate::provider::is_loopback(&parsed);
    if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
        return Err(Error::new(
            ErrorCode::InvalidConfig,
            format!("`{name}` must use https (http only on loopback)"),
        ));
    }
    let production = matches!(
        provider.environment,
        Some(Environment::Production | Environment::RieProduction)
    );
    if production && loopback {
        // ProConnect production refuses localhost URIs (Y04A586); fail early with a clear message.
        return Err(Error::new(
            ErrorCode::InvalidConfig,
            format!("`{name}` cannot be a loopback address in production"),
        ));
    }
    if parsed.fragment().is_some() {
        return Err(Error::new(
            ErrorCode::InvalidConfig,
            format!("`{name}` must not have a fragment"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ClientConfig {
        let mut c = ClientConfig::new(
            ProviderKind::ProConnect,
            "id",
            "secret",
            "https://app.example/auth/callback",
        );
        c.environment = Some(Environment::Production);
        c
    }

    #[test]
    fn mutual_tls_needs_no_secret() {
        let c = ClientConfig::from_json(
            r#"{"provider": "prosanteconnect", "environment": "sandbox", "client_id": "c",
                "redirect_uri": "https://app.example/cb", "token_auth_method": "tls_client_auth",
                "tls_client_cert": "c.pem", "tls_client_key": "c.key"}"#,
        )
        .unwrap();
        c.validate(&c.resolve_provider().unwrap()).unwrap();
        let mut secretless = c.clone();
        secretless.token_auth_method = None;
        let err = secretless
            .validate(&secretless.resolve_provider().unwrap())
            .unwrap_err();
        assert!(err.message().contains("client_secret"), "{err}");
    }

    #[test]
    fn the_login_lifetime_is_bounded() {
        let mut c = cfg();
        let provider = c.resolve_provider().unwrap();
        assert_eq!(c.pending_login_max_age_secs, 30 * 60);
        for (secs, ok) in [(29, false), (30, true), (3600, true), (3601, false)] {
            c.pending_login_max_age_secs = secs;
            assert_eq!(c.validate(&provider).is_ok(), ok, "{secs}");
        }
    }

    #[test]
    fn scopes_follow_the_policy() {
        let c = cfg();
        let p = c.resolve_provider().unwrap();
        let defaults = c.scopes(&p);
        assert_eq!(defaults[0], "openid");
        assert!(defaults.iter().any(|s| s == "custom"), "{defaults:?}");
        let mut own = cfg();
        own.scopes = Some(vec!["given_name".into()]);
        own.policy.allowed_sirets = vec!["11000101300017".into()];
        own.policy.allowed_roles = vec!["agent".into()];
        assert_eq!(
            own.scopes(&p),
            ["openid", "given_name", "email", "custom", "siret", "roles"]
        );
        own.policy = Policy {
            accept_unverified_email: true,
            ..Policy::default()
        };
        assert_eq!(own.scopes(&p), ["openid", "given_name"]);
        let mut psc = cfg();
        psc.provider = ProviderKind::ProSanteConnect;
        psc.environment = Some(Environment::Sandbox);
        psc.scopes = Some(vec!["openid".into()]);
        let psc_provider = psc.resolve_provider().unwrap();
        assert_eq!(psc.scopes(&psc_provider), ["openid", "scope_all"]);
    }

    #[test]
    fn validates() {
        let c = cfg();
        let p = c.resolve_provider().unwrap();
        c.validate(&p).unwrap();
        let mut basic = cfg();
        basic.token_auth_method = Some(TokenAuthMethod::ClientSecretBasic);
        assert_eq!(
            basic.validate(&p).unwrap_err().code(),
            ErrorCode::InvalidConfig
        );
        let mut local = cfg();
        local.redirect_uri = "http://localhost:8000/cb".into();
        assert_eq!(
            local.validate(&p).unwrap_err().code(),
            ErrorCode::InvalidConfig
        );
        let mut acr = cfg();
        acr.policy.acr = Some("eidas7".into());
        assert_eq!(
            acr.validate(&p).unwrap_err().code(),
            ErrorCode::InvalidConfig
        );
    }

    #[test]
    fn secret_is_never_printed() {
        let c = cfg();
        assert!(!format!("{c:?}").contains("secret\""));
        assert!(!serde_json::to_string(&c).unwrap().contains("\"secret\""));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = ClientConfig::from_json(r#"{"provider":"proconnect","client_id":"a","client_secret":"b","redirect_uri":"https://x","clientid":"typo"}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
    }

    #[test]
    fn hs256_only_when_registered() {
        let c = cfg();
        let p = c.resolve_provider().unwrap();
        assert!(!c.id_token_algs(&p).contains(&Algorithm::HS256));
        let mut h = cfg();
        h.id_token_alg = Some(Algorithm::HS256);
        assert_eq!(h.id_token_algs(&p), vec![Algorithm::HS256]);
    }
}
