//! # gouvconnect
//!
//! ProConnect and Pro Santé Connect for relying parties: one core that knows the federations'
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

pub mod audit;
pub mod branding;
pub mod claims;
pub mod client;
pub mod config;
pub mod doctor;
pub mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod jose;
pub mod limits;
pub mod logout;
pub mod mapping;
pub mod nomenclature;
pub mod policy;
pub mod provider;
pub mod request;
pub mod verify;

pub use claims::Identity;
pub use client::{unix_now, Client, HttpRequest, Login, UserinfoResponse};
pub use config::{ClientConfig, Secret};
pub use error::{Error, ErrorCode, Result};
pub use jose::{Algorithm, KeySet};
pub use logout::{LogoutRequest, PendingLogout};
pub use mapping::{GroupRule, MappedUser, Mapping};
pub use policy::Policy;
pub use provider::{Environment, Provider, ProviderKind};
pub use request::{
    login_origin_redirect, safe_next_path, AuthorizationRequest, LoginOptions, PendingLogin,
};
pub use verify::TokenResponse;
