//! Core errors → napi errors. The stable code leads the message so the JS wrapper can rebuild
//! a typed `GouvConnectError`; the message itself never holds a token or secret.

use gouvconnect::{Error, ErrorCode};

/// A core error as a napi error.
pub fn to_napi(e: Error) -> napi::Error {
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{}: {}", e.code().as_str(), e.message()),
    )
}

/// An error built here (bad argument types and the like).
pub fn invalid(code: ErrorCode, message: impl std::fmt::Display) -> napi::Error {
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{}: {message}", code.as_str()),
    )
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
