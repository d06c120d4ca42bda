//! One error type with stable string codes, shared by every binding (docs/architecture.md §5).

use std::fmt;

/// A stable error code. The string form (see [`ErrorCode::as_str`]) is part of the public
/// contract: Python, Node and Java expose exactly these names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The `state` returned to the callback is not the one this login sent.
    StateMismatch,
    /// The id_token `nonce` is not the one this login sent.
    NonceMismatch,
    /// A JWS signature does not verify with the provider's keys.
    InvalidSignature,
    /// The token is signed with an algorithm this provider/client does not allow (or `none`).
    UnsupportedAlgorithm,
    /// `iss` (or the callback's `iss` parameter) is not the provider's issuer.
    IssuerMismatch,
    /// `aud`/`azp` do not designate this client.
    AudienceMismatch,
    /// `exp` is in the past (beyond the leeway).
    TokenExpired,
    /// `iat`/`nbf` is in the future (beyond the leeway).
    TokenNotYetValid,
    /// The userinfo `sub` differs from the id_token `sub`.
    UserinfoSubjectMismatch,
    /// A plain JSON userinfo arrived where a signed JWT is required.
    UserinfoNotSigned,
    /// No key of the JWKS matches the token's `kid` (even after one refetch).
    UnknownKey,
    /// The returned `acr` is below what was required.
    AcrInsufficient,
    /// The returned `acr` is not a value this provider defines.
    UnknownAcr,
    /// Multi-factor authentication was required and not performed.
    MfaRequired,
    /// The provider explicitly marked the email as not verified.
    EmailNotVerified,
    /// The user is authenticated but excluded by an allow-list of the policy.
    AccessDenied,
    /// The provider redirected back with `error=` (other than `access_denied`).
    ProviderError,
    /// The provider redirected back with `error=access_denied`: the user cancelled, or the
    /// provider (or the user's identity provider) refused the login.
    ProviderAccessDenied,
    /// The token endpoint refused the client's credentials (`invalid_client`): the client id,
    /// secret, certificate or environment does not match the provider's registration.
    InvalidClient,
    /// Timeout, connection failure, 5xx or unparsable answer from the provider.
    ProviderUnavailable,
    /// A response or token exceeds the size limits.
    ResponseTooLarge,
    /// The configuration is invalid.
    InvalidConfig,
    /// The request asks for something the provider refuses (unknown parameter, bad hint).
    InvalidRequest,
    /// A token or response is malformed (bad JWS, missing required claim, bad JSON).
    MalformedResponse,
    /// The callback has no pending login (replay, expired or already used).
    NoPendingLogin,
    /// The callback arrived without the browser's session: its cookie was not sent back (the
    /// login started on another host name than the redirect URI's, or cookies are blocked).
    /// Raised by the hosts, which alone see whether the browser sent its session cookie (a
    /// cookie naming a session the server no longer holds is `no_pending_login`).
    SessionLost,
    /// A step-up re-authentication came back with another account than the signed-in user's.
    StepUpUserMismatch,
    /// A silent login (`prompt=none`) found no session at the provider (`login_required`,
    /// `consent_required`, `interaction_required`): the user is simply not signed in.
    LoginRequired,
    /// The `state` returned to the logout callback is not the one this logout sent.
    LogoutStateMismatch,
    /// A renewal with the refresh token came back with another `sub` than the session's
    /// identity: the session is not this person's any more and ends.
    RefreshUserMismatch,
    /// A failure inside gouvconnect itself (a binding caught a panic): a bug to report, never
    /// the user's or the provider's doing. Every binding maps its caught panics to this code.
    InternalError,
}

impl ErrorCode {
    /// Every code, in declaration order (for bindings that build typed enums).
    pub const ALL: [ErrorCode; 31] = [
        ErrorCode::StateMismatch,
        ErrorCode::NonceMismatch,
        ErrorCode::InvalidSignature,
        ErrorCode::UnsupportedAlgorithm,
        ErrorCode::IssuerMismatch,
        ErrorCode::AudienceMismatch,
        ErrorCode::TokenExpired,
        ErrorCode::TokenNotYetValid,
        ErrorCode::UserinfoSubjectMismatch,
        ErrorCode::UserinfoNotSigned,
        ErrorCode::UnknownKey,
        ErrorCode::AcrInsufficient,
        ErrorCode::UnknownAcr,
        ErrorCode::MfaRequired,
        ErrorCode::EmailNotVerified,
        ErrorCode::AccessDenied,
        ErrorCode::ProviderError,
        ErrorCode::ProviderAccessDenied,
        ErrorCode::InvalidClient,
        ErrorCode::ProviderUnavailable,
        ErrorCode::ResponseTooLarge,
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidRequest,
        ErrorCode::MalformedResponse,
        ErrorCode::NoPendingLogin,
        ErrorCode::SessionLost,
        ErrorCode::StepUpUserMismatch,
        ErrorCode::LoginRequired,
        ErrorCode::LogoutStateMismatch,
        ErrorCode::RefreshUserMismatch,
        ErrorCode::InternalError,
    ];

    /// The stable string code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::StateMismatch => "state_mismatch",
            ErrorCode::NonceMismatch => "nonce_mismatch",
            ErrorCode::InvalidSignature => "invalid_signature",
            ErrorCode::UnsupportedAlgorithm => "unsupported_algorithm",
            ErrorCode::IssuerMismatch => "issuer_mismatch",
            ErrorCode::AudienceMismatch => "audience_mismatch",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenNotYetValid => "token_not_yet_valid",
            ErrorCode::UserinfoSubjectMismatch => "userinfo_subject_mismatch",
            ErrorCode::UserinfoNotSigned => "userinfo_not_signed",
            ErrorCode::UnknownKey => "unknown_key",
            ErrorCode::AcrInsufficient => "acr_insufficient",
            ErrorCode::UnknownAcr => "unknown_acr",
            ErrorCode::MfaRequired => "mfa_required",
            ErrorCode::EmailNotVerified => "email_not_verified",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ProviderError => "provider_error",
            ErrorCode::ProviderAccessDenied => "provider_access_denied",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::ResponseTooLarge => "response_too_large",
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::MalformedResponse => "malformed_response",
            ErrorCode::NoPendingLogin => "no_pending_login",
            ErrorCode::SessionLost => "session_lost",
            ErrorCode::StepUpUserMismatch => "step_up_user_mismatch",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::LogoutStateMismatch => "logout_state_mismatch",
            ErrorCode::RefreshUserMismatch => "refresh_user_mismatch",
            ErrorCode::InternalError => "internal_error",
        }
    }

    /// Parses a stable string code.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The HTTP status a host answers with when a login ends in this error: 4xx for a bad
    /// request or token, 403 for a policy refusal, 502/503 when the provider is at fault.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::AcrInsufficient
            | ErrorCode::UnknownAcr
            | ErrorCode::MfaRequired
            | ErrorCode::EmailNotVerified
            | ErrorCode::AccessDenied
            | ErrorCode::ProviderAccessDenied
            | ErrorCode::StepUpUserMismatch => 403,
            ErrorCode::LoginRequired | ErrorCode::RefreshUserMismatch => 401,
            ErrorCode::ProviderUnavailable => 503,
            // The provider refused our credentials: the service is at fault, not the user.
            ErrorCode::ResponseTooLarge
            | ErrorCode::MalformedResponse
            | ErrorCode::InvalidClient => 502,
            ErrorCode::InvalidConfig | ErrorCode::InternalError => 500,
            _ => 400,
        }
    }

    /// A short French sentence for the error page shown to the user.
    pub const fn user_message(self) -> &'static str {
        match self {
            ErrorCode::StateMismatch | ErrorCode::NoPendingLogin => {
                "La tentative de connexion a expiré ou a déjà été utilisée. Veuillez recommencer."
            }
            ErrorCode::AcrInsufficient | ErrorCode::UnknownAcr => {
                "Le niveau de garantie de votre authentification est insuffisant pour ce service."
            }
            ErrorCode::MfaRequired => {
                "Ce service exige une authentification à double facteur."
            }
            ErrorCode::EmailNotVerified => "Votre adresse électronique n'est pas vérifiée.",
            ErrorCode::AccessDenied => "Votre compte n'est pas autorisé à accéder à ce service.",
            ErrorCode::ProviderError => "Le fournisseur d'identité a interrompu la connexion.",
            ErrorCode::ProviderAccessDenied => {
                "La connexion a été annulée ou refusée auprès du fournisseur d'identité. Vous pouvez réessayer ; si le refus persiste, contactez le support du service."
            }
            ErrorCode::InvalidClient => {
                "Le service n'a pas pu s'identifier auprès du fournisseur d'identité. Son administrateur doit vérifier l'identifiant et le secret client."
            }
            ErrorCode::StepUpUserMismatch => {
                "Vous vous êtes reconnecté avec un autre compte que celui de votre session : l'action n'a pas été autorisée. Reconnectez-vous avec votre propre compte, ou demandez à la personne concernée de le faire."
            }
            ErrorCode::LoginRequired => "Vous n'êtes pas connecté.",
            ErrorCode::RefreshUserMismatch => {
                "Votre session a pris fin : le fournisseur d'identité désigne désormais un autre compte. Reconnectez-vous."
            }
            ErrorCode::SessionLost => {
                "Votre navigateur n'a pas renvoyé la session de connexion. Recommencez depuis l'adresse habituelle du service, avec les cookies autorisés."
            }
            ErrorCode::ProviderUnavailable => {
                "Le fournisseur d'identité est momentanément indisponible. Réessayez dans quelques instants."
            }
            ErrorCode::InvalidConfig => "Le service est mal configuré.",
            ErrorCode::LogoutStateMismatch => "La déconnexion n'a pas pu être vérifiée.",
            ErrorCode::InternalError => {
                "Une erreur interne est survenue. Veuillez réessayer dans quelques instants."
            }
            _ => "La réponse du fournisseur d'identité n'a pas pu être vérifiée.",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error of the core: a stable [`ErrorCode`], a developer-facing message (never containing a
/// token or secret) and, for [`ErrorCode::ProviderError`], what the provider said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    provider_error: Option<ProviderErrorDetail>,
}

/// The `error` and `error_description` a provider returned.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProviderErrorDetail {
    /// OAuth error code, e.g. `access_denied`.
    pub error: String,
    /// Optional human description.
    pub description: Option<String>,
}

impl Error {
    /// Builds an error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            provider_error: None,
        }
    }

    /// An error the provider reported through `error=` on a redirect or a JSON error body:
    /// `login_required`/`consent_required`/`interaction_required` → [`ErrorCode::LoginRequired`],
    /// `access_denied` about acr values → [`ErrorCode::AcrInsufficient`], other `access_denied`
    /// → [`ErrorCode::ProviderAccessDenied`], `invalid_client` → [`ErrorCode::InvalidClient`],
    /// anything else → [`ErrorCode::ProviderError`]; the provider's words are kept (filtered) in
    /// [`Error::provider_error`].
    pub fn from_provider(error: &str, description: Option<&str>) -> Self {
        let error = printable(error, 128);
        let description = description.map(|d| printable(d, 512));
        // ProConnect refuses an essential acr its identity provider cannot give with
        // `access_denied` "requested ACRs could not be satisfied": a level problem to explain.
        let acr_refused = description
            .as_deref()
            .is_some_and(|d| d.to_ascii_lowercase().contains("acr"));
        let (code, hint) = match error.as_str() {
            "login_required" | "consent_required" | "interaction_required" => {
                (ErrorCode::LoginRequired, "")
            }
            "access_denied" if acr_refused => (ErrorCode::AcrInsufficient, ""),
            "access_denied" => (ErrorCode::ProviderAccessDenied, ""),
            "invalid_client" => (
                ErrorCode::InvalidClient,
                " (check the client id and secret, or certificate, registered for this environment)",
            ),
            _ => (ErrorCode::ProviderError, ""),
        };
        let message = match &description {
            Some(d) => format!("provider returned error `{error}`: {d}{hint}"),
            None => format!("provider returned error `{error}`{hint}"),
        };
        Error {
            code,
            message,
            provider_error: Some(ProviderErrorDetail { error, description }),
        }
    }

    /// The same error under another code (the caller knows more than the provider's words).
    pub(crate) fn with_code(mut self, code: ErrorCode) -> Self {
        self.code = code;
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The developer-facing message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What the provider said, for errors the provider reported ([`ErrorCode::ProviderError`],
    /// [`ErrorCode::ProviderAccessDenied`], [`ErrorCode::InvalidClient`]).
    pub fn provider_error(&self) -> Option<&ProviderErrorDetail> {
        self.provider_error.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Keeps provider-supplied text short and printable before it reaches a log or a page.
/// Provider-supplied text made safe to quote in a message or a log line: control characters
/// (a newline could forge a log line) removed, at most `max` characters.
pub(crate) fn printable(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()));
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }

    #[test]
    fn provider_errors_are_sanitised() {
        let e = Error::from_provider("server_error\n", Some("bad\r\nthing"));
        assert_eq!(e.code(), ErrorCode::ProviderError);
        assert_eq!(e.provider_error().unwrap().error, "server_error");
        assert!(!e.message().contains('\n'));
    }

    #[test]
    fn provider_errors_with_a_code_of_their_own() {
        let e = Error::from_provider("access_denied", Some("user cancelled"));
        assert_eq!(e.code(), ErrorCode::ProviderAccessDenied);
        assert_eq!(e.provider_error().unwrap().error, "access_denied");
        let e = Error::from_provider(
            "access_denied",
            Some("requested ACRs could not be satisfied"),
        );
        assert_eq!(e.code(), ErrorCode::AcrInsufficient);
        let e = Error::from_provider(
            "login_required",
            Some("End-User authentication is required"),
        );
        assert_eq!(e.code(), ErrorCode::LoginRequired);
        assert_eq!(e.code().http_status(), 401);
        let e = Error::from_provider("invalid_client", Some("client authentication failed"));
        assert_eq!(e.code(), ErrorCode::InvalidClient);
        assert!(e.message().contains("client id and secret"));
        assert_eq!(
            e.provider_error().unwrap().description.as_deref(),
            Some("client authentication failed")
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(ErrorCode::ProviderUnavailable.http_status(), 503);
        assert_eq!(ErrorCode::AcrInsufficient.http_status(), 403);
        assert_eq!(ErrorCode::StateMismatch.http_status(), 400);
    }
}
