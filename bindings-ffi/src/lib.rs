//! What the three bindings (pyo3, napi-rs, JNI) share on their side of the boundary, so that
//! an error, a panic or a bad argument reads the same in Python, Node and Java
//! (docs/architecture.md §5):
//!
//! - [`ErrorData`]: a core error as data — code, message, the provider's own error — which each
//!   binding turns into its language's exception in one function;
//! - [`guard`]: a panic becomes `internal_error`, its payload (which may quote input) dropped
//!   unseen;
//! - [`parse`], [`parse_value`], [`to_text`], [`to_value`]: the JSON codec of arguments and
//!   results, with one wording for a value that is not what it should be.

use gouvconnect::{Error, ErrorCode, ProviderErrorDetail};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A core error as it crosses to another language: data, never a sentence to parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorData {
    /// The stable code.
    pub code: ErrorCode,
    /// For developers; never a token, secret, code or state.
    pub message: String,
    /// What the provider said, when it answered with an OAuth error.
    pub provider_error: Option<ProviderErrorDetail>,
}

impl ErrorData {
    /// An error of the binding itself (`code`, `message`), with no provider words.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorData {
            code,
            message: message.into(),
            provider_error: None,
        }
    }

    /// A bad argument from the host language: `invalid_request`.
    pub fn invalid(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::InvalidRequest, message.to_string())
    }

    /// What a panic becomes: `internal_error`, with a fixed message.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalError,
            "unexpected failure in the native core",
        )
    }

    /// The HTTP status a host answers with.
    pub fn status(&self) -> u16 {
        self.code.http_status()
    }

    /// The error as one JSON object, `{"gouvconnect_error": {"code", "message",
    /// "provider_error"?: {"error", "description"}}}`, for a boundary that carries text only
    /// (napi's error message).
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Payload<'a> {
            gouvconnect_error: Fields<'a>,
        }
        #[derive(Serialize)]
        struct Fields<'a> {
            code: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            provider_error: Option<&'a ProviderErrorDetail>,
        }
        let payload = Payload {
            gouvconnect_error: Fields {
                code: self.code.as_str(),
                message: &self.message,
                provider_error: self.provider_error.as_ref(),
            },
        };
        // Plain strings always serialise; the fallback still names the code.
        serde_json::to_string(&payload).unwrap_or_else(|_| {
            format!(
                r#"{{"gouvconnect_error":{{"code":"{}","message":""}}}}"#,
                self.code.as_str()
            )
        })
    }
}

impl From<Error> for ErrorData {
    fn from(e: Error) -> Self {
        ErrorData {
            code: e.code(),
            message: e.message().to_string(),
            provider_error: e.provider_error().cloned(),
        }
    }
}

/// Runs `body`; a panic becomes `on_panic(ErrorData::internal())` instead of unwinding into
/// the host language. The panic's payload is forgotten, not shown or dropped: it may quote
/// input, and dropping it may panic again.
pub fn guard<T, E>(
    body: impl FnOnce() -> Result<T, E>,
    on_panic: impl FnOnce(ErrorData) -> E,
) -> Result<T, E> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            std::mem::forget(payload);
            Err(on_panic(ErrorData::internal()))
        }
    }
}

/// Reads `what` (e.g. "an identity") from JSON text; `invalid_request` when it is not one.
pub fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, ErrorData> {
    serde_json::from_str(text).map_err(|e| ErrorData::invalid(format!("not {what}: {e}")))
}

/// Reads `what` from a JSON value (a JS object through napi); `invalid_request` when it is
/// not one.
pub fn parse_value<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, ErrorData> {
    serde_json::from_value(value).map_err(|e| ErrorData::invalid(format!("not {what}: {e}")))
}

/// A result as JSON text (one parse on the other side is cheaper than building the object
/// field by field across the boundary).
pub fn to_text<T: Serialize>(value: &T) -> Result<String, ErrorData> {
    serde_json::to_string(value)
        .map_err(|e| ErrorData::new(ErrorCode::InternalError, e.to_string()))
}

/// A result as a JSON value (for napi's serde conversion).
pub fn to_value<T: Serialize>(value: &T) -> Result<Value, ErrorData> {
    serde_json::to_value(value).map_err(|e| ErrorData::new(ErrorCode::InternalError, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_as_data() {
        let e = Error::from_provider("access_denied", Some("user cancelled"));
        let data = ErrorData::from(e);
        assert_eq!(data.code, ErrorCode::ProviderAccessDenied);
        assert_eq!(data.status(), 403);
        let json: Value = serde_json::from_str(&data.to_json()).unwrap();
        assert_eq!(json["gouvconnect_error"]["code"], "provider_access_denied");
        assert_eq!(
            json["gouvconnect_error"]["provider_error"]["error"],
            "access_denied"
        );
        let plain: Value = serde_json::from_str(&ErrorData::invalid("bad").to_json()).unwrap();
        assert!(plain["gouvconnect_error"].get("provider_error").is_none());
    }

    #[test]
    fn a_panic_becomes_internal_error() {
        let out: Result<(), ErrorData> = guard(|| panic!("secret input"), |data| data);
        assert_eq!(out.unwrap_err(), ErrorData::internal());
        let fine: Result<u8, ErrorData> = guard(|| Ok(1), |data| data);
        assert_eq!(fine.unwrap(), 1);
    }

    #[test]
    fn the_codec_names_what_was_expected() {
        let err = parse::<gouvconnect::Identity>("{}", "an identity").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
        assert!(err.message.starts_with("not an identity: "));
        assert_eq!(to_text(&[1, 2]).unwrap(), "[1,2]");
    }
}
