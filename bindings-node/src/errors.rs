//! Core errors → napi errors. A napi error carries a status and a text only, so the error
//! crosses as data in that text: a JSON object `{"gouvconnect_error": {code, message,
//! provider_error}}` that the JS wrapper reads back into a typed `GouvConnectError` (never a
//! pattern matched on a sentence). The message never holds a token or secret.

use gouvconnect::{Error, ErrorCode};
use serde::Serialize;

#[derive(Serialize)]
struct Payload<'a> {
    gouvconnect_error: Fields<'a>,
}

#[derive(Serialize)]
struct Fields<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_error: Option<ProviderError<'a>>,
}

#[derive(Serialize)]
struct ProviderError<'a> {
    error: &'a str,
    description: Option<&'a str>,
}

fn encoded(
    code: ErrorCode,
    message: &str,
    provider_error: Option<ProviderError<'_>>,
) -> napi::Error {
    let payload = Payload {
        gouvconnect_error: Fields {
            code: code.as_str(),
            message,
            provider_error,
        },
    };
    // Serialising plain strings cannot fail; the fallback still names the code.
    let text = serde_json::to_string(&payload).unwrap_or_else(|_| {
        format!(
            r#"{{"gouvconnect_error":{{"code":"{}","message":""}}}}"#,
            code.as_str()
        )
    });
    napi::Error::new(napi::Status::GenericFailure, text)
}

/// A core error as a napi error (with what the provider said, when it said something).
pub fn to_napi(e: Error) -> napi::Error {
    let provider_error = e.provider_error().map(|p| ProviderError {
        error: &p.error,
        description: p.description.as_deref(),
    });
    encoded(e.code(), e.message(), provider_error)
}

/// An error built here (bad argument types and the like).
pub fn invalid(code: ErrorCode, message: impl std::fmt::Display) -> napi::Error {
    encoded(code, &message.to_string(), None)
}

/// Every code with its HTTP status, for the JS `ErrorCode` table.
#[napi_derive::napi(object)]
pub struct ErrorCodeInfo {
    /// Stable code.
    pub code: String,
    /// HTTP status a host answers with.
    pub status: u32,
    /// French message for the user.
    pub user_message: String,
}

/// The table of stable error codes.
#[napi_derive::napi]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    ErrorCode::ALL
        .iter()
        .map(|c| ErrorCodeInfo {
            code: c.as_str().to_string(),
            status: u32::from(c.http_status()),
            user_message: c.user_message().to_string(),
        })
        .collect()
}
