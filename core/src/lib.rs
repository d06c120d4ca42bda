//! # gouvconnect
//!
//! ProConnect, Pro Santé Connect, FranceConnect and FranceConnect+ for relying parties: one core that knows the federations'
//! quirks, shared by the Django, Express and Keycloak integrations.
//!
//! The core is sans-IO: every protocol decision is a function of its inputs (the host sends
//! the HTTP requests it describes). The optional `http` feature adds the I/O.
//!
//! ```
//! use gouvconnect::{Client, ClientConfig, LoginOptions};
//! let config = ClientConfig::from_json(r#"{
//!   "provider": "proconnect", "environment": "integration",
//!   "client_id": "my-client", "client_secret": "my-secret",
//!   "redirect_uri": "https://app.example/auth/callback"
//! }"#).unwrap();
//! let client = Client::new(config).unwrap();
//! let login = client.begin_login(&LoginOptions::default()).unwrap();
//! // Redirect the browser to `login.url`; keep `login.pending.to_json()` in the session.
//! assert!(login.url.starts_with("https://fca.integ01.dev-agentconnect.fr/api/v2/authorize?"));
//! ```
#![deny(missing_docs)]

// Every module is private: the crate root below is the whole API the hosts use. Only the
// optional I/O layer keeps its own namespace (`gouvconnect::http`), as it is a separate layer.
mod audit;
mod branding;
mod broker;
mod claim_set;
mod claims;
mod client;
mod config;
mod doctor;
mod error;
mod host_rules;
#[cfg(feature = "http")]
pub mod http;
mod identite_pivot;
mod jose;
#[cfg(feature = "franceconnect")]
mod jwe;
mod limits;
mod login;
mod logout;
mod mapping;
mod nomenclature;
mod policy;
mod provider;
mod secure;
mod verify;

pub use audit::{AuditEvent, EventKind};
pub use branding::{button_html, error_page_html, escape as escape_html, BUTTON_CSS};
pub use broker::{
    account_username, discovery_answer, discovery_url, forwarded_login_options, logout_binding,
    userinfo_answer, ExchangeStep, ForwardedRequest, HttpAnswer, LoginExchange, SignedIn,
};
pub use claims::{
    Activity, ChorusDt, Exercice, FranceConnectIdentity, IdKind, Identity, Practice,
    ProConnectIdentity, PscIdentity, RawClaims,
};
pub use client::{unix_now, Client, HttpRequest, Login, UserinfoResponse};
pub use config::{ClientConfig, Secret};
pub use doctor::{Check, Doctor, DoctorOptions, Probe, ProbeAnswer, ProbeKind, Report, Verdict};
pub use error::{Error, ErrorCode, ProviderErrorDetail, Result};
pub use host_rules::{is_page_view, is_step_up, is_support_link, PAGE_VIEW_HEADERS};
pub use jose::{Algorithm, KeySet};
#[cfg(feature = "franceconnect")]
pub use jwe::{looks_like_jwe, DecryptionKeys};
pub use login::{
    login_origin_redirect, safe_next_path, AuthorizationRequest, LoginOptions, PendingLogin,
    PENDING_LOGIN_TTL_SECS,
};
pub use logout::{LogoutRequest, PendingLogout};
pub use mapping::{GroupRule, MappedUser, Mapping};
pub use policy::{
    acr_levels, AcrRequirement, MfaMode, Policy, CERTIFICATION_DIRIGEANT, PROCONNECT_ACR_VALUES,
    PROCONNECT_MFA_VALUES,
};
pub use provider::{
    AcrRequestStyle, Endpoints, Environment, Provider, ProviderKind, TokenAuthMethod,
    UserinfoFormat,
};
pub use secure::random_token;
pub use verify::{parse_refresh_response, parse_token_response, TokenResponse};

/// Internals the fuzz targets and property tests drive directly; not part of the API.
#[doc(hidden)]
pub mod internals {
    pub use crate::claims::{normalise, Claims};
    pub use crate::jose::{looks_like_jws, parse_jws, verify_signature, Jws};
    pub use crate::login::parse_callback;
}
