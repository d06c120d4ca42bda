//! A login up to the authorization code: the host's options, the authorization request, the
//! pending login kept in the session, the callback, and the guards on where the browser goes.
//! (The tokens are judged by `verify`.)

mod authorize;
mod callback;
mod hints;
mod options;
mod pending;
mod redirect;

pub use authorize::{
    authorization_request, authorization_request_with_state, AuthorizationRequest,
};
pub use callback::{parse_callback, parse_callback_within};
pub(crate) use hints::looks_like_email;
pub use options::LoginOptions;
pub use pending::{PendingLogin, PENDING_LOGIN_TTL_SECS};
pub use redirect::{login_origin_redirect, safe_next_path};

#[cfg(test)]
pub(crate) mod test_support {
    use crate::config::ClientConfig;
    use crate::provider::{Environment, Provider, ProviderKind};

    pub fn setup(kind: ProviderKind, env: Environment) -> (Provider, ClientConfig) {
        let p = Provider::preset(kind, env).unwrap();
        let c = ClientConfig::new(kind, "cid", "secret", "https://app.example/auth/callback");
        (p, c)
    }

    pub fn params(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }
}
