//! Java ⇄ Rust conversions, and the one place where errors and panics become Java exceptions.

use std::any::Any;

use jni::errors::ErrorPolicy;
use jni::objects::{JByteArray, JString, JThrowable, JValue};
use jni::refs::Reference;
use jni::{jni_sig, jni_str, Env};

/// An error to raise in Java: a stable code and a message (never a token or secret).
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    /// The provider's OAuth error word (filtered by the core), when it reported one.
    pub provider_error: Option<String>,
}

impl From<gouvconnect::Error> for Failure {
    fn from(e: gouvconnect::Error) -> Self {
        Failure {
            code: e.code().as_str(),
            message: e.message().to_string(),
            provider_error: e.provider_error().map(|p| p.error.clone()),
        }
    }
}

/// A JNI failure (a Java exception already pending, or an unusable argument). When Java
/// already has an exception pending, `ThrowGouvConnect` leaves it in place.
impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Self {
        Failure {
            code: "invalid_request",
            message: format!("JNI: {e}"),
            provider_error: None,
        }
    }
}

pub fn invalid(message: impl Into<String>) -> Failure {
    Failure {
        code: "invalid_request",
        message: message.into(),
        provider_error: None,
    }
}

pub type Outcome<T> = Result<T, Failure>;

/// The error policy of every entry point: an error becomes
/// `fr.gouvconnect.keycloak.GouvConnectException(code, message)`, a panic becomes the same
/// exception with the code `internal_error` (its payload is not shown: it could quote input),
/// and Java receives the default value (`null`, `0`).
pub struct ThrowGouvConnect;

impl<T: Default> ErrorPolicy<T, Failure> for ThrowGouvConnect {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut (),
        err: Failure,
    ) -> jni::errors::Result<T> {
        throw(env, &err);
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _cap: &mut (),
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        // Dropping a payload can itself panic: forget it rather than risk that here.
        std::mem::forget(payload);
        throw(
            env,
            &Failure {
                code: gouvconnect::ErrorCode::InternalError.as_str(),
                message: "unexpected failure in the native core".into(),
                provider_error: None,
            },
        );
        Ok(T::default())
    }
}

/// Raises `GouvConnectException(code, message)`, unless Java already has an exception pending
/// (e.g. an OutOfMemoryError while copying an argument), which then propagates unchanged. Falls
/// back to a RuntimeException if the class cannot be built (it always can once the jar loads).
fn throw(env: &mut Env<'_>, failure: &Failure) {
    if env.exception_check() {
        return;
    }
    let raised = (|| -> jni::errors::Result<()> {
        let code = env.new_string(failure.code)?;
        let message = env.new_string(&failure.message)?;
        let exception = env.new_object(
            jni_str!("fr/gouvconnect/keycloak/GouvConnectException"),
            jni_sig!("(Ljava/lang/String;Ljava/lang/String;)V"),
            &[JValue::Object(&code), JValue::Object(&message)],
        )?;
        if let Some(word) = &failure.provider_error {
            let word = env.new_string(word)?;
            env.call_method(
                &exception,
                jni_str!("setProviderError"),
                jni_sig!("(Ljava/lang/String;)V"),
                &[JValue::Object(&word)],
            )?;
        }
        let exception = env.cast_local::<JThrowable>(exception)?;
        env.throw(exception)
    })();
    // `throw` answers Err(JavaException) once the exception is pending: that is success here.
    if raised.is_err() && !env.exception_check() {
        let _ = env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            jni::strings::JNIString::from(format!("{}: {}", failure.code, failure.message)),
        );
    }
}

/// A required Java string.
pub fn string(env: &Env<'_>, s: &JString<'_>, what: &str) -> Outcome<String> {
    if s.is_null() {
        return Err(invalid(format!("{what} is null")));
    }
    Ok(s.try_to_string(env)?)
}

/// An optional Java string (`null` → `None`).
pub fn opt_string(env: &Env<'_>, s: &JString<'_>) -> Outcome<Option<String>> {
    if s.is_null() {
        return Ok(None);
    }
    Ok(Some(s.try_to_string(env)?))
}

/// An optional byte array (`null` → `None`).
pub fn opt_bytes(env: &Env<'_>, b: &JByteArray<'_>) -> Outcome<Option<Vec<u8>>> {
    if b.is_null() {
        return Ok(None);
    }
    Ok(Some(env.convert_byte_array(b)?))
}

/// A new Java string.
pub fn new_string<'local>(env: &mut Env<'local>, s: &str) -> Outcome<JString<'local>> {
    Ok(env.new_string(s)?)
}
