//! Provider presets as data: endpoints and quirks of ProConnect and Pro Santé Connect.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::jose::Algorithm;

/// Which federation a provider belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// ProConnect (ex-AgentConnect), DINUM.
    #[serde(alias = "pro_connect")]
    ProConnect,
    /// Pro Santé Connect, ANS.
    #[serde(alias = "psc", alias = "pro_sante_connect")]
    ProSanteConnect,
    /// FranceConnect (v2), citizens at the low eIDAS level (`eidas1`), DINUM.
    #[serde(alias = "fc")]
    FranceConnect,
    /// FranceConnect+, citizens at the substantial or high eIDAS level (`eidas2`, `eidas3`),
    /// whose tokens are signed then encrypted to the client's key.
    #[serde(
        rename = "franceconnect_plus",
        alias = "franceconnect-plus",
        alias = "fcplus"
    )]
    FranceConnectPlus,
}

impl ProviderKind {
    /// `proconnect` or `prosanteconnect`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderKind::ProConnect => "proconnect",
            ProviderKind::ProSanteConnect => "prosanteconnect",
            ProviderKind::FranceConnect => "franceconnect",
            ProviderKind::FranceConnectPlus => "franceconnect_plus",
        }
    }

    /// Parses `proconnect`, `prosanteconnect` (also `psc`), `franceconnect` (also `fc`) or
    /// `franceconnect_plus` (also `franceconnect-plus`, `fcplus`).
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "proconnect" | "pro_connect" => Ok(ProviderKind::ProConnect),
            "prosanteconnect" | "pro_sante_connect" | "psc" => Ok(ProviderKind::ProSanteConnect),
            "franceconnect" | "fc" => Ok(ProviderKind::FranceConnect),
            "franceconnect_plus" | "franceconnect-plus" | "fcplus" => {
                Ok(ProviderKind::FranceConnectPlus)
            }
            other => Err(Error::new(
                ErrorCode::InvalidConfig,
                format!(
                    "unknown provider `{}` (expected proconnect, prosanteconnect, franceconnect or franceconnect_plus)",
                    crate::error::printable(other, 64)
                ),
            )),
        }
    }

    /// FranceConnect or FranceConnect+ (citizens, the identité pivot).
    pub const fn is_franceconnect(self) -> bool {
        matches!(
            self,
            ProviderKind::FranceConnect | ProviderKind::FranceConnectPlus
        )
    }

    /// Human name, for pages and logs.
    pub const fn display_name(self) -> &'static str {
        match self {
            ProviderKind::ProConnect => "ProConnect",
            ProviderKind::ProSanteConnect => "Pro Santé Connect",
            ProviderKind::FranceConnect => "FranceConnect",
            ProviderKind::FranceConnectPlus => "FranceConnect+",
        }
    }
}

/// A preset environment of a federation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    /// ProConnect integration, internet.
    Integration,
    /// Production (ProConnect internet, PSC, FranceConnect, FranceConnect+).
    Production,
    /// ProConnect integration on the RIE network.
    RieIntegration,
    /// ProConnect production on the RIE network.
    RieProduction,
    /// Pro Santé Connect sandbox ("bac à sable", BAS); FranceConnect and FranceConnect+
    /// sandboxes (integration platforms).
    Sandbox,
}

impl Environment {
    /// Parses an environment name (`integration`, `production`, `rie-integration`,
    /// `rie-production`, `sandbox`; `bas` is accepted for `sandbox`).
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "integration" | "integ" => Ok(Environment::Integration),
            "production" | "prod" => Ok(Environment::Production),
            "rie-integration" => Ok(Environment::RieIntegration),
            "rie-production" => Ok(Environment::RieProduction),
            "sandbox" | "bas" => Ok(Environment::Sandbox),
            other => Err(Error::new(
                ErrorCode::InvalidConfig,
                format!("unknown environment `{other}`"),
            )),
        }
    }

    /// The canonical name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Environment::Integration => "integration",
            Environment::Production => "production",
            Environment::RieIntegration => "rie-integration",
            Environment::RieProduction => "rie-production",
            Environment::Sandbox => "sandbox",
        }
    }
}

/// How the provider returns userinfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserinfoFormat {
    /// Always a signed JWT (`application/jwt`); plain JSON is refused (ProConnect).
    SignedJwt,
    /// Plain JSON, or a signed JWT when the response says `application/jwt` (PSC).
    JsonOrJwt,
}

/// How the client authenticates at the token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuthMethod {
    /// `client_id` and `client_secret` in the form body (ProConnect's only method).
    ClientSecretPost,
    /// HTTP Basic.
    ClientSecretBasic,
    /// Mutual TLS with a client certificate (RFC 8705), PSC.
    TlsClientAuth,
}

impl TokenAuthMethod {
    /// The name used in discovery documents and configurations.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenAuthMethod::ClientSecretPost => "client_secret_post",
            TokenAuthMethod::ClientSecretBasic => "client_secret_basic",
            TokenAuthMethod::TlsClientAuth => "tls_client_auth",
        }
    }
}

/// How the required authentication level is requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcrRequestStyle {
    /// Essential `acr` values in the `claims` parameter (ProConnect; `acr_values` is legacy there).
    ClaimsParameter,
    /// `acr_values=eidas1` (PSC).
    AcrValues,
}

/// The endpoints of a provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// The exact `iss` value of its tokens.
    pub issuer: String,
    /// Where the discovery document lives (PSC's path is non-standard).
    pub discovery: String,
    /// Authorization endpoint (PSC: on the `wallet` host, not the issuer's).
    pub authorization: String,
    /// Token endpoint.
    pub token: String,
    /// Token endpoint for mutual TLS, when it differs.
    pub mtls_token: Option<String>,
    /// Userinfo endpoint.
    pub userinfo: String,
    /// End-session endpoint, when the provider has one.
    pub end_session: Option<String>,
    /// JWKS URI.
    pub jwks: String,
}

/// A provider: endpoints plus every quirk the core needs to talk to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// Federation.
    pub kind: ProviderKind,
    /// Preset environment, or `None` for a custom issuer.
    pub environment: Option<Environment>,
    /// Endpoints.
    pub endpoints: Endpoints,
    /// Scopes requested when the client configures none.
    pub default_scopes: Vec<String>,
    /// Authorization parameters this provider accepts; anything else is refused before sending.
    pub allowed_authorize_params: Vec<String>,
    /// Signature algorithms the provider may use for id_token and userinfo.
    pub signing_algs: Vec<Algorithm>,
    /// Userinfo format.
    pub userinfo_format: UserinfoFormat,
    /// Minimum length of `state` and `nonce`.
    pub min_state_len: usize,
    /// Token endpoint authentication methods, the first one being the default.
    pub token_auth_methods: Vec<TokenAuthMethod>,
    /// Whether PKCE (S256) is accepted.
    pub supports_pkce: bool,
    /// How the acr is requested.
    pub acr_request: AcrRequestStyle,
    /// Whether the provider advertises RFC 9207's `iss` in its authorization responses
    /// (`authorization_response_iss_parameter_supported`): a callback without it is then
    /// refused, as one from another provider could be (mix-up).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// Whether the id_token and the userinfo arrive encrypted (a JWE wrapping the signed JWT,
    /// FranceConnect+): a token that is not encrypted is then refused.
    #[serde(default)]
    pub encrypted_tokens: bool,
}

const PROCONNECT_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "claims",
    "prompt",
    "idp_hint",
    "login_hint",
    "siret_hint",
    "code_challenge",
    "code_challenge_method",
];

const PSC_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "acr_values",
    "prompt",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
    "max_age",
    "ui_locales",
];

const FRANCECONNECT_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "acr_values",
    "prompt",
    "code_challenge",
    "code_challenge_method",
];

/// The identité pivot (given names, birth name, birth date, gender, birth place and country)
/// and the contact email: what a service asks FranceConnect for (docs/franceconnect.md).
const FRANCECONNECT_DEFAULT_SCOPES: &[&str] = &["openid", "identite_pivot", "email"];

/// What ProConnect grants a self-service application (partner portal, 2026): `custom` carries
/// the identity provider's `email_verified`, without which the email rule cannot run.
const PROCONNECT_DEFAULT_SCOPES: &[&str] = &[
    "openid",
    "given_name",
    "usual_name",
    "email",
    "uid",
    "siret",
    "phone",
    "idp_id",
    "custom",
    "roles",
    "organization_label",
];

impl Provider {
    /// The preset of a federation's environment.
    ///
    /// ```
    /// use gouvconnect::{Environment, Provider, ProviderKind};
    /// let p = Provider::preset(ProviderKind::ProConnect, Environment::Integration).unwrap();
    /// assert_eq!(p.endpoints.issuer, "https://fca.integ01.dev-agentconnect.fr/api/v2");
    /// ```
    pub fn preset(kind: ProviderKind, environment: Environment) -> Result<Provider> {
        let host_issuer = match (kind, environment) {
            (ProviderKind::ProConnect, Environment::Integration) => {
                "https://fca.integ01.dev-agentconnect.fr/api/v2"
            }
            (ProviderKind::ProConnect, Environment::Production) => {
                "https://auth.agentconnect.gouv.fr/api/v2"
            }
            (ProviderKind::ProConnect, Environment::RieIntegration) => {
                "https://fca.integ02.agentconnect.rie.gouv.fr/api/v2"
            }
            (ProviderKind::ProConnect, Environment::RieProduction) => {
                "https://auth.agentconnect.rie.gouv.fr/api/v2"
            }
            (ProviderKind::ProSanteConnect, Environment::Sandbox) => {
                "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet"
            }
            (ProviderKind::ProSanteConnect, Environment::Production) => {
                "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
            }
            // docs/franceconnect.md "Endpoints": the partner portal's sandbox since 2025-05.
            (ProviderKind::FranceConnect, Environment::Sandbox) => {
                "https://fcp-low.sbx.dev-franceconnect.fr/api/v2"
            }
            (ProviderKind::FranceConnect, Environment::Production) => {
                "https://oidc.franceconnect.gouv.fr/api/v2"
            }
            (ProviderKind::FranceConnectPlus, Environment::Sandbox) => {
                "https://auth.integ01.dev-franceconnect.fr/api/v2"
            }
            (ProviderKind::FranceConnectPlus, Environment::Production) => {
                "https://auth.franceconnect.gouv.fr/api/v2"
            }
            (kind, env) => {
                return Err(Error::new(
                    ErrorCode::InvalidConfig,
                    format!(
                        "{} has no `{}` environment",
                        kind.display_name(),
                        env.as_str()
                    ),
                ))
            }
        };
        let mut provider = Provider::custom(kind, host_issuer)?;
        provider.environment = Some(environment);
        if kind == ProviderKind::ProSanteConnect {
            // PSC's discovery advertises RFC 9207 (authorization_response_iss_parameter_supported).
            provider.authorization_response_iss_parameter_supported = true;
            // PSC's authorization endpoint lives on the separate "wallet" front end.
            provider.endpoints.authorization = match environment {
                Environment::Sandbox => "https://wallet.bas.psc.esante.gouv.fr/auth".into(),
                _ => "https://wallet.esw.esante.gouv.fr/auth".into(),
            };
        }
        Ok(provider)
    }

    /// A provider of the given federation at a custom issuer (emulator, tests). Endpoints are
    /// derived from the issuer by the federation's conventions; call
    /// [`Provider::apply_discovery`] to take them from the discovery document instead (needed for
    /// PSC, whose authorization endpoint is on another host).
    pub fn custom(kind: ProviderKind, issuer: &str) -> Result<Provider> {
        let issuer = issuer.trim();
        let parsed = url::Url::parse(issuer).map_err(|e| {
            Error::new(ErrorCode::InvalidConfig, format!("invalid issuer URL: {e}"))
        })?;
        if parsed.scheme() != "https" && !is_loopback(&parsed) {
            return Err(Error::new(
                ErrorCode::InvalidConfig,
                "issuer must use https (plain http is only allowed on loopback)",
            ));
        }
        let base = issuer.trim_end_matches('/');
        let provider = match kind {
            ProviderKind::ProConnect => Provider {
                kind,
                environment: None,
                endpoints: api_v2_endpoints(issuer),
                default_scopes: strings(PROCONNECT_DEFAULT_SCOPES),
                allowed_authorize_params: strings(PROCONNECT_PARAMS),
                signing_algs: vec![Algorithm::ES256, Algorithm::RS256, Algorithm::HS256],
                userinfo_format: UserinfoFormat::SignedJwt,
                min_state_len: 32,
                token_auth_methods: vec![TokenAuthMethod::ClientSecretPost],
                supports_pkce: true,
                acr_request: AcrRequestStyle::ClaimsParameter,
                authorization_response_iss_parameter_supported: false,
                encrypted_tokens: false,
            },
            ProviderKind::ProSanteConnect => Provider {
                kind,
                environment: None,
                endpoints: Endpoints {
                    issuer: issuer.to_string(),
                    discovery: format!("{base}/.well-known/wallet-openid-configuration"),
                    authorization: format!("{base}/protocol/openid-connect/auth"),
                    token: format!("{base}/protocol/openid-connect/token"),
                    mtls_token: None,
                    userinfo: format!("{base}/protocol/openid-connect/userinfo"),
                    end_session: Some(format!("{base}/protocol/openid-connect/logout")),
                    jwks: format!("{base}/protocol/openid-connect/certs"),
                },
                default_scopes: strings(&["openid", "scope_all"]),
                allowed_authorize_params: strings(PSC_PARAMS),
                signing_algs: vec![
                    Algorithm::RS256,
                    Algorithm::ES256,
                    Algorithm::PS256,
                    Algorithm::HS256,
                ],
                userinfo_format: UserinfoFormat::JsonOrJwt,
                min_state_len: 32,
                token_auth_methods: vec![
                    TokenAuthMethod::ClientSecretBasic,
                    TokenAuthMethod::ClientSecretPost,
                    TokenAuthMethod::TlsClientAuth,
                ],
                supports_pkce: true,
                acr_request: AcrRequestStyle::AcrValues,
                // Known from the discovery document (a custom issuer) or the preset.
                authorization_response_iss_parameter_supported: false,
                encrypted_tokens: false,
            },
            ProviderKind::FranceConnect | ProviderKind::FranceConnectPlus => {
                let plus = kind == ProviderKind::FranceConnectPlus;
                Provider {
                    kind,
                    environment: None,
                    endpoints: api_v2_endpoints(issuer),
                    default_scopes: strings(FRANCECONNECT_DEFAULT_SCOPES),
                    allowed_authorize_params: strings(FRANCECONNECT_PARAMS),
                    // v2: ES256 or RS256 (HS256 is gone); FranceConnect+ signs with ES256 only.
                    signing_algs: if plus {
                        vec![Algorithm::ES256]
                    } else {
                        vec![Algorithm::ES256, Algorithm::RS256]
                    },
                    userinfo_format: UserinfoFormat::SignedJwt,
                    min_state_len: 32,
                    token_auth_methods: vec![TokenAuthMethod::ClientSecretPost],
                    // Not documented for FranceConnect: sent only when discovery advertises it.
                    supports_pkce: false,
                    acr_request: AcrRequestStyle::AcrValues,
                    authorization_response_iss_parameter_supported: false,
                    encrypted_tokens: plus,
                }
            }
        };
        Ok(provider)
    }

    /// Takes endpoints from a discovery document (JSON bytes). The document's `issuer` must be
    /// exactly this provider's issuer.
    pub fn apply_discovery(&mut self, document: &[u8]) -> Result<()> {
        if document.len() > crate::limits::MAX_DISCOVERY_BYTES {
            return Err(Error::new(
                ErrorCode::ResponseTooLarge,
                "discovery document too large",
            ));
        }
        let doc: DiscoveryDocument = serde_json::from_slice(document).map_err(|e| {
            Error::new(
                ErrorCode::ProviderUnavailable,
                // serde's own message quotes the offending value whole: its position only.
                format!(
                    "discovery document is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        if doc.issuer != self.endpoints.issuer {
            return Err(Error::new(
                ErrorCode::IssuerMismatch,
                format!(
                    "discovery issuer `{}` differs from the configured issuer `{}`",
                    crate::error::printable(&doc.issuer, 256),
                    self.endpoints.issuer
                ),
            ));
        }
        let e = &mut self.endpoints;
        e.authorization = doc.authorization_endpoint;
        e.token = doc.token_endpoint;
        if let Some(u) = doc.userinfo_endpoint {
            e.userinfo = u;
        }
        e.jwks = doc.jwks_uri;
        e.end_session = doc.end_session_endpoint;
        e.mtls_token = doc.mtls_endpoint_aliases.and_then(|a| a.token_endpoint);
        if let Some(methods) = doc.code_challenge_methods_supported {
            self.supports_pkce = methods.iter().any(|m| m == "S256");
        }
        self.authorization_response_iss_parameter_supported =
            doc.authorization_response_iss_parameter_supported == Some(true);
        Ok(())
    }

    /// The token endpoint to use with an authentication method.
    pub fn token_endpoint(&self, method: TokenAuthMethod) -> &str {
        match (method, &self.endpoints.mtls_token) {
            (TokenAuthMethod::TlsClientAuth, Some(mtls)) => mtls,
            _ => &self.endpoints.token,
        }
    }
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    end_session_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
    mtls_endpoint_aliases: Option<MtlsAliases>,
    authorization_response_iss_parameter_supported: Option<bool>,
}

#[derive(Deserialize)]
struct MtlsAliases {
    token_endpoint: Option<String>,
}

/// The DINUM's `/api/v2` layout, shared by ProConnect, FranceConnect and FranceConnect+: every
/// endpoint under the issuer.
fn api_v2_endpoints(issuer: &str) -> Endpoints {
    let base = issuer.trim_end_matches('/');
    Endpoints {
        issuer: issuer.to_string(),
        discovery: format!("{base}/.well-known/openid-configuration"),
        authorization: format!("{base}/authorize"),
        token: format!("{base}/token"),
        mtls_token: None,
        userinfo: format!("{base}/userinfo"),
        end_session: Some(format!("{base}/session/end")),
        jwks: format!("{base}/jwks"),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Whether a URL points at this machine (plain http is tolerated there, for the emulator).
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets() {
        let p = Provider::preset(ProviderKind::ProSanteConnect, Environment::Sandbox).unwrap();
        assert_eq!(
            p.endpoints.authorization,
            "https://wallet.bas.psc.esante.gouv.fr/auth"
        );
        assert!(p
            .endpoints
            .discovery
            .ends_with("/.well-known/wallet-openid-configuration"));
        let p = Provider::preset(ProviderKind::ProConnect, Environment::RieProduction).unwrap();
        assert_eq!(
            p.endpoints.jwks,
            "https://auth.agentconnect.rie.gouv.fr/api/v2/jwks"
        );
        assert_eq!(
            p.token_auth_methods,
            vec![TokenAuthMethod::ClientSecretPost]
        );
        let err = Provider::preset(ProviderKind::ProConnect, Environment::Sandbox).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
    }

    #[test]
    fn custom_requires_https_off_loopback() {
        assert!(Provider::custom(ProviderKind::ProConnect, "http://127.0.0.1:4000/api/v2").is_ok());
        let err =
            Provider::custom(ProviderKind::ProConnect, "http://example.org/api/v2").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
    }

    #[test]
    fn discovery_overrides_endpoints_and_checks_issuer() {
        let mut p = Provider::custom(
            ProviderKind::ProSanteConnect,
            "http://localhost:4000/auth/realms/esante-wallet",
        )
        .unwrap();
        let doc = br#"{"issuer":"http://localhost:4000/auth/realms/esante-wallet","authorization_endpoint":"http://localhost:4000/wallet/auth","token_endpoint":"http://localhost:4000/t","jwks_uri":"http://localhost:4000/k"}"#;
        p.apply_discovery(doc).unwrap();
        assert_eq!(
            p.endpoints.authorization,
            "http://localhost:4000/wallet/auth"
        );
        assert!(!p.authorization_response_iss_parameter_supported);
        let rfc9207 = br#"{"issuer":"http://localhost:4000/auth/realms/esante-wallet","authorization_endpoint":"a","token_endpoint":"t","jwks_uri":"k","authorization_response_iss_parameter_supported":true}"#;
        p.apply_discovery(rfc9207).unwrap();
        assert!(p.authorization_response_iss_parameter_supported);
        let bad = br#"{"issuer":"http://evil","authorization_endpoint":"a","token_endpoint":"t","jwks_uri":"k"}"#;
        assert_eq!(
            p.apply_discovery(bad).unwrap_err().code(),
            ErrorCode::IssuerMismatch
        );
    }

    #[test]
    fn franceconnect_presets() {
        let fc = Provider::preset(ProviderKind::FranceConnect, Environment::Production).unwrap();
        assert_eq!(
            fc.endpoints.end_session.as_deref(),
            Some("https://oidc.franceconnect.gouv.fr/api/v2/session/end")
        );
        assert!(!fc.encrypted_tokens);
        assert!(!fc.signing_algs.contains(&Algorithm::HS256));
        let plus = Provider::preset(ProviderKind::FranceConnectPlus, Environment::Sandbox).unwrap();
        assert_eq!(
            plus.endpoints.issuer,
            "https://auth.integ01.dev-franceconnect.fr/api/v2"
        );
        assert!(plus.encrypted_tokens);
        assert_eq!(plus.signing_algs, vec![Algorithm::ES256]);
        assert!(Provider::preset(ProviderKind::FranceConnect, Environment::Integration).is_err());
        assert_eq!(
            ProviderKind::parse("franceconnect-plus").unwrap(),
            ProviderKind::FranceConnectPlus
        );
        let kind: ProviderKind = serde_json::from_str("\"franceconnect_plus\"").unwrap();
        assert_eq!(kind.as_str(), "franceconnect_plus");
    }

    #[test]
    fn names_parse() {
        assert_eq!(
            ProviderKind::parse("PSC").unwrap(),
            ProviderKind::ProSanteConnect
        );
        assert_eq!(Environment::parse("bas").unwrap(), Environment::Sandbox);
    }
}
