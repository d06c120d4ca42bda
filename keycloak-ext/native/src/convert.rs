//! Java ⇄ Rust conversions and the one place errors become Java exceptions.

use jni::objects::{JByteArray, JString, JValue};
use jni::sys::jstring;
use jni::JNIEnv;

/// An error to raise in Java: a stable code and a message (never a token or secret).
pub struct Failure {
    pub code: &'static str,
    pub message: String,
}

impl From<gouvconnect::Error> for Failure {
    fn from(e: gouvconnect::Error) -> Self {
        Failure {
            code: e.code().as_str(),
            message: e.message().to_string(),
        }
    }
}

impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Self {
        Failure {
            code: "invalid_request",
            message: format!("JNI: {e}"),
        }
    }
}

pub fn invalid(message: impl Into<String>) -> Failure {
    Failure {
        code: "invalid_request",
        message: message.into(),
    }
}

pub type Outcome<T> = Result<T, Failure>;

const EXCEPTION: &str = "fr/gouvconnect/keycloak/GouvConnectException";

/// Raises `GouvConnectException(code, message)`; falls back to a RuntimeException if the class
/// cannot be built (it always can once the jar is on the class path).
pub fn throw(env: &mut JNIEnv<'_>, failure: &Failure) {
    if env.exception_check().unwrap_or(false) {
        return;
    }
    let raised = (|| -> jni::errors::Result<()> {
        let code = env.new_string(failure.code)?;
        let message = env.new_string(&failure.message)?;
        let exception = env.new_object(
            EXCEPTION,
            "(Ljava/lang/String;Ljava/lang/String;)V",
            &[JValue::Object(&code), JValue::Object(&message)],
        )?;
        env.throw(jni::objects::JThrowable::from(exception))
    })();
    if raised.is_err() {
        let _ = env.exception_clear();
        let _ = env.throw_new(
            "java/lang/RuntimeException",
            format!("{}: {}", failure.code, failure.message),
        );
    }
}

/// A required Java string.
pub fn string(env: &mut JNIEnv<'_>, s: &JString<'_>, what: &str) -> Outcome<String> {
    if s.is_null() {
        return Err(invalid(format!("{what} is null")));
    }
    Ok(env.get_string(s)?.into())
}

/// An optional Java string (`null` → `None`).
pub fn opt_string(env: &mut JNIEnv<'_>, s: &JString<'_>) -> Outcome<Option<String>> {
    if s.is_null() {
        return Ok(None);
    }
    Ok(Some(env.get_string(s)?.into()))
}

/// An optional byte array.
pub fn opt_bytes(env: &JNIEnv<'_>, b: &JByteArray<'_>) -> Outcome<Option<Vec<u8>>> {
    if b.is_null() {
        return Ok(None);
    }
    Ok(Some(env.convert_byte_array(b)?))
}

/// A new Java string.
pub fn new_string(env: &mut JNIEnv<'_>, s: &str) -> Outcome<jstring> {
    Ok(env.new_string(s)?.into_raw())
}
