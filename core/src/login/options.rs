//! The host's per-login choices, and the step-up login built from a signed-in identity.

use serde::{Deserialize, Serialize};

use super::hints::looks_like_email;
use crate::claims::Identity;
use crate::provider::ProviderKind;

/// Per-login choices of the host.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginOptions {
    /// `prompt` (`login`, `consent`, `none`).
    pub prompt: Option<String>,
    /// ProConnect: the user's email, to skip the email page.
    pub login_hint: Option<String>,
    /// ProConnect: an `idp_id` to go straight to that identity provider.
    pub idp_hint: Option<String>,
    /// ProConnect: a 14-digit SIRET forwarded to the identity provider.
    pub siret_hint: Option<String>,
    /// Minimum acr for this login (overrides the policy's).
    pub acr: Option<String>,
    /// Require MFA for this login (overrides the policy's).
    pub require_mfa: Option<bool>,
    /// Local path to return to after the login (checked with [`safe_next_path`](crate::safe_next_path)).
    pub next: Option<String>,
    /// Step-up re-authentication: the `sub` of the signed-in user, who must be the one coming
    /// back (else `step_up_user_mismatch`). See [`LoginOptions::step_up`].
    pub step_up_sub: Option<String>,
    /// Other parameters; refused unless the provider accepts them.
    pub extra_params: Vec<(String, String)>,
}

impl LoginOptions {
    /// The login that re-authenticates the signed-in `identity` at `acr` (a ProConnect level
    /// such as `eidas2` or certification dirigeant; Pro Santé Connect `eidas2`, a card login):
    /// the level as the login's minimum, ProConnect's `login_hint` set to the user's email so
    /// the email page is skipped, a fresh authentication at Pro Santé Connect (`prompt=login`:
    /// its session would otherwise answer with the same means), and the same person required
    /// on return.
    pub fn step_up(identity: &Identity, acr: &str) -> LoginOptions {
        let proconnect = identity.provider == ProviderKind::ProConnect;
        LoginOptions {
            acr: Some(acr.to_string()),
            login_hint: identity
                .email
                .clone()
                .filter(|e| proconnect && looks_like_email(e)),
            prompt: (!proconnect).then(|| "login".to_string()),
            step_up_sub: Some(identity.sub.clone()),
            ..LoginOptions::default()
        }
    }
}
