//! Login events for audit: one shape in every host (a Django signal, an Express event,
//! Keycloak's event store, and the core's own `tracing` events for Rust users).
//!
//! An event names who and how, never with what: no token, secret, authorization code, state or
//! nonce ever goes in one (see `docs/architecture.md`, "Login events").

use serde::Serialize;

use crate::claims::Identity;
use crate::error::Error;
use crate::provider::ProviderKind;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A login completed and the user is signed in.
    LoginSucceeded,
    /// A login ended in an error (its stable code is in the event).
    LoginRefused,
    /// The user logged out (the local session ended).
    Logout,
    /// A signed-in user re-authenticated at a higher level.
    StepUp,
    /// A provider identity was linked to an existing local account.
    AccountLinked,
}

impl EventKind {
    /// The event's name, as hosts publish it.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::LoginSucceeded => "login_succeeded",
            EventKind::LoginRefused => "login_refused",
            EventKind::Logout => "logout",
            EventKind::StepUp => "step_up",
            EventKind::AccountLinked => "account_linked",
        }
    }
}

/// One login event. Absent fields are left out of the JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// What happened.
    pub event: EventKind,
    /// `proconnect` or `prosanteconnect`.
    pub provider: &'static str,
    /// The client (service) the login was for.
    pub client_id: String,
    /// The provider's subject, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The level reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// ProConnect: the identity provider used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_id: Option<String>,
    /// ProConnect: the organisation's SIRET.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub siret: Option<String>,
    /// For a refusal: the stable error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// For a refusal the provider reported: its OAuth error (filtered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_error: Option<String>,
}

impl AuditEvent {
    /// A successful login (or, with `kind`, a step-up or an account link) of `identity`.
    pub fn for_identity(kind: EventKind, identity: &Identity, client_id: &str) -> AuditEvent {
        let pc = identity.proconnect.as_ref();
        AuditEvent {
            event: kind,
            provider: identity.provider.as_str(),
            client_id: client_id.to_string(),
            sub: Some(identity.sub.clone()),
            acr: identity.acr.clone(),
            idp_id: pc.and_then(|p| p.idp_id.clone()),
            siret: pc.and_then(|p| p.siret.clone()),
            code: None,
            provider_error: None,
        }
    }

    /// A refused login.
    pub fn refusal(provider: ProviderKind, client_id: &str, error: &Error) -> AuditEvent {
        AuditEvent {
            event: EventKind::LoginRefused,
            provider: provider.as_str(),
            client_id: client_id.to_string(),
            sub: None,
            acr: None,
            idp_id: None,
            siret: None,
            code: Some(error.code().as_str()),
            provider_error: error.provider_error().map(|p| p.error.clone()),
        }
    }

    /// The event as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Emits the event through `tracing` (target `gouvconnect::audit`): refusals at `warn`,
    /// the rest at `info`, with the event's fields as structured fields.
    pub fn emit(&self) {
        let none = "";
        macro_rules! event {
            ($level:expr) => {
                tracing::event!(
                    target: "gouvconnect::audit",
                    $level,
                    event = self.event.as_str(),
                    provider = self.provider,
                    client_id = %self.client_id,
                    sub = self.sub.as_deref().unwrap_or(none),
                    acr = self.acr.as_deref().unwrap_or(none),
                    idp_id = self.idp_id.as_deref().unwrap_or(none),
                    siret = self.siret.as_deref().unwrap_or(none),
                    code = self.code.unwrap_or(none),
                    provider_error = self.provider_error.as_deref().unwrap_or(none),
                    "gouvconnect {}",
                    self.event.as_str()
                )
            };
        }
        if self.event == EventKind::LoginRefused {
            event!(tracing::Level::WARN);
        } else {
            event!(tracing::Level::INFO);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn a_refusal_carries_the_code_and_the_provider_error_only() {
        let error = Error::from_provider("access_denied", Some("user cancelled"));
        let event = AuditEvent::refusal(ProviderKind::ProConnect, "client-1", &error);
        assert_eq!(event.code, Some(ErrorCode::ProviderAccessDenied.as_str()));
        let json = event.to_json();
        assert_eq!(
            json,
            r#"{"event":"login_refused","provider":"proconnect","client_id":"client-1","code":"provider_access_denied","provider_error":"access_denied"}"#
        );
        event.emit();
    }
}
