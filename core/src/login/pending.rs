//! The pending login: what the host keeps in its session between the redirect and the callback.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::limits;
use crate::policy::AcrRequirement;
use crate::provider::ProviderKind;

/// How long a started login stays valid (the user may linger on the provider's pages).
pub const PENDING_LOGIN_TTL_SECS: u64 = 30 * 60;

/// What the host keeps in its session between the redirect and the callback. Serialisable;
/// opaque to the host.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingLogin {
    /// Provider of this login.
    pub provider: ProviderKind,
    /// Client id this login was started for.
    pub client_id: String,
    /// `state` sent.
    pub state: String,
    /// `nonce` sent.
    pub nonce: String,
    /// PKCE verifier, when PKCE was used.
    pub code_verifier: Option<String>,
    /// Redirect URI sent (the token request must repeat it).
    pub redirect_uri: String,
    /// What the returned acr must satisfy.
    pub acr: AcrRequirement,
    /// Unix time the login started.
    pub created_at: u64,
    /// Local path to go to afterwards.
    pub next: Option<String>,
    /// Step-up: the `sub` that must come back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_sub: Option<String>,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // state, nonce and verifier are secrets of this login: never in logs.
        f.debug_struct("PendingLogin")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("created_at", &self.created_at)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Serialises for the host's session.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads back what [`PendingLogin::to_json`] wrote.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > limits::MAX_PENDING_BYTES {
            return Err(Error::new(
                ErrorCode::NoPendingLogin,
                "pending login too large",
            ));
        }
        serde_json::from_str(json)
            .map_err(|_| Error::new(ErrorCode::NoPendingLogin, "pending login is unreadable"))
    }
}
