//! RP-initiated logout: the end-session URL and the check of the returned state.

use serde::{Deserialize, Serialize};

use crate::config::ClientConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::limits;
use crate::provider::Provider;
use crate::secure::{constant_time_eq, random_token};

/// What the host keeps in its session until the logout callback.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogout {
    /// `state` sent to the end-session endpoint.
    pub state: String,
    /// Unix time the logout started.
    pub created_at: u64,
}

impl std::fmt::Debug for PendingLogout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogout")
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl PendingLogout {
    /// Serialises for the host's session.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads back what [`PendingLogout::to_json`] wrote.
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > limits::MAX_PENDING_BYTES {
            return Err(Error::new(
                ErrorCode::LogoutStateMismatch,
                "pending logout too large",
            ));
        }
        serde_json::from_str(json).map_err(|_| {
            Error::new(
                ErrorCode::LogoutStateMismatch,
                "pending logout is unreadable",
            )
        })
    }
}

/// The end-session redirect.
#[derive(Clone, Debug)]
pub struct LogoutRequest {
    /// Where to send the browser.
    pub url: String,
    /// To keep until the logout callback.
    pub pending: PendingLogout,
}

/// Builds the end-session URL (`id_token_hint`, `state`, `post_logout_redirect_uri`), or
/// `None` when the provider has no end-session endpoint (the host then logs out locally).
pub fn logout_request(
    provider: &Provider,
    config: &ClientConfig,
    id_token_hint: Option<&str>,
    now: u64,
) -> Result<Option<LogoutRequest>> {
    let Some(endpoint) = &provider.endpoints.end_session else {
        return Ok(None);
    };
    let mut url = url::Url::parse(endpoint).map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("invalid end-session endpoint: {e}"),
        )
    })?;
    let state = random_token(32)?;
    {
        let mut q = url.query_pairs_mut();
        match id_token_hint {
            Some(hint) => q.append_pair("id_token_hint", hint),
            // Without a hint the provider needs the client id to find the registered URIs.
            None => q.append_pair("client_id", &config.client_id),
        };
        q.append_pair("state", &state);
        if let Some(uri) = &config.post_logout_redirect_uri {
            q.append_pair("post_logout_redirect_uri", uri);
        }
    }
    Ok(Some(LogoutRequest {
        url: url.into(),
        pending: PendingLogout {
            state,
            created_at: now,
        },
    }))
}

/// Checks the `state` the provider returned to the post-logout redirect URI.
pub fn verify_logout_callback(pending: &PendingLogout, query: &str) -> Result<()> {
    if query.len() > limits::MAX_CALLBACK_QUERY_BYTES {
        return Err(Error::new(
            ErrorCode::LogoutStateMismatch,
            "logout callback query too long",
        ));
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let states: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .collect();
    match states.as_slice() {
        [s] if constant_time_eq(s.as_bytes(), pending.state.as_bytes()) => Ok(()),
        _ => Err(Error::new(
            ErrorCode::LogoutStateMismatch,
            "logout state does not match the pending logout",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Environment, ProviderKind};

    #[test]
    fn logout_round_trip() {
        let p = Provider::preset(ProviderKind::ProConnect, Environment::Integration).unwrap();
        let mut c = ClientConfig::new(ProviderKind::ProConnect, "cid", "s", "https://a.example/cb");
        c.post_logout_redirect_uri = Some("https://a.example/auth/logout/callback".into());
        let r = logout_request(&p, &c, Some("tok"), 0).unwrap().unwrap();
        assert!(r.url.starts_with(
            "https://fca.integ01.dev-agentconnect.fr/api/v2/session/end?id_token_hint=tok&state="
        ));
        assert!(r.url.contains(
            "post_logout_redirect_uri=https%3A%2F%2Fa.example%2Fauth%2Flogout%2Fcallback"
        ));
        let back = PendingLogout::from_json(&r.pending.to_json()).unwrap();
        verify_logout_callback(&back, &format!("state={}", r.pending.state)).unwrap();
        for bad in [
            "state=forged".to_string(),
            String::new(),
            format!("state={0}&state={0}", r.pending.state),
        ] {
            assert_eq!(
                verify_logout_callback(&back, &bad).unwrap_err().code(),
                ErrorCode::LogoutStateMismatch
            );
        }
        let no_hint = logout_request(&p, &c, None, 0).unwrap().unwrap();
        assert!(no_hint.url.contains("client_id=cid"));
    }
}
