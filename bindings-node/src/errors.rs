//! Core errors → napi errors. A napi error carries a status and a text only, so the error
//! crosses as data in that text: the JSON of the shared `ErrorData` (`{"gouvconnect_error":
//! {code, message, provider_error}}`), which the JS wrapper reads back into a typed
//! `GouvConnectError` (never a pattern matched on a sentence). Never a token or secret.

use gouvconnect::{Error, ErrorCode};
use gouvconnect_ffi::ErrorData;

/// An error as a napi error whose text is the error's JSON (`ErrorData::to_json`).
pub fn to_napi_data(data: ErrorData) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, data.to_json())
}

/// A core error as a napi error (with what the provider said, when it said something).
pub fn to_napi(e: Error) -> napi::Error {
    to_napi_data(ErrorData::from(e))
}

/// An error built here (bad argument types and the like).
pub fn invalid(code: ErrorCode, message: impl std::fmt::Display) -> napi::Error {
    to_napi_data(ErrorData::new(code, message.to_string()))
}

/// Reads `what` (e.g. "an identity") from a JS value; `invalid_request` when it is not one.
pub fn parse_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
    what: &str,
) -> napi::Result<T> {
    gouvconnect_ffi::parse_value(value, what).map_err(to_napi_data)
}

/// A result as a JS value.
pub fn to_js<T: serde::Serialize>(value: &T) -> napi::Result<serde_json::Value> {
    gouvconnect_ffi::to_value(value).map_err(to_napi_data)
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
