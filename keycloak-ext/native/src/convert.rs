//! Java ⇄ Rust conversions, and the one place where errors and panics become Java exceptions.

use std::any::Any;

use gouvconnect_ffi::ErrorData;
use jni::errors::ErrorPolicy;
use jni::objects::{JByteArray, JString, JThrowable, JValue};
use jni::refs::Reference;
use jni::{jni_sig, jni_str, Env};

/// An error to raise in Java: the shared `ErrorData` (a stable code, a message that never holds
/// a token or secret, the provider's OAuth error word), wrapped so that JNI's own errors convert
/// into it with `?`.
pub struct Failure(pub ErrorData);

impl From<ErrorData> for Failure {
    fn from(data: ErrorData) -> Self {
        Failure(data)
    }
}

impl From<gouvconnect::Error> for Failure {
    fn from(e: gouvconnect::Error) -> Self {
        Failure(ErrorData::from(e))
    }
}

/// A JNI failure (a Java exception already pending, or an unusable argument). When Java
/// already has an exception pending, `ThrowGouvConnect` leaves it in place.
impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Self {
        Failure(ErrorData::invalid(format!("JNI: {e}")))
    }
}

/// A bad argument: `invalid_request`.
pub fn invalid(message: impl std::fmt::Display) -> Failure {
    Failure(ErrorData::invalid(message))
}

/// Reads `what` (e.g. "an identity") from JSON text given by Java; `invalid_request` when it is
/// not one.
pub fn parse<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Outcome<T> {
    Ok(gouvconnect_ffi::parse(text, what)?)
}

/// A result as JSON text for Java.
pub fn json_text<T: serde::Serialize>(value: &T) -> Outcome<String> {
    Ok(gouvconnect_ffi::to_text(value)?)
}

/// A result as ASCII-only JSON bytes (`gouvconnect_ffi::to_ascii_text`), for the login path's
/// `byte[]` results: Java turns ASCII bytes into a String with its intrinsic copy.
pub fn ascii_json<T: serde::Serialize>(value: &T) -> Outcome<Vec<u8>> {
    Ok(gouvconnect_ffi::to_ascii_text(value)?.into_bytes())
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
        throw(env, &Failure(ErrorData::internal()));
        Ok(T::default())
    }
}

/// Raises `GouvConnectException(code, message)`, unless Java already has an exception pending
/// (e.g. an OutOfMemoryError while copying an argument), which then propagates unchanged. Falls
/// back to a RuntimeException if the class cannot be built (it always can once the jar loads).
fn throw(env: &mut Env<'_>, Failure(failure): &Failure) {
    if env.exception_check() {
        return;
    }
    let raised = (|| -> jni::errors::Result<()> {
        let code = env.new_string(failure.code.as_str())?;
        let message = env.new_string(&failure.message)?;
        let exception = env.new_object(
            jni_str!("fr/gouvconnect/keycloak/GouvConnectException"),
            jni_sig!("(Ljava/lang/String;Ljava/lang/String;)V"),
            &[JValue::Object(&code), JValue::Object(&message)],
        )?;
        if let Some(detail) = &failure.provider_error {
            let word = env.new_string(&detail.error)?;
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
            jni::strings::JNIString::from(format!(
                "{}: {}",
                failure.code.as_str(),
                failure.message
            )),
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

/// Required UTF-8 text given by Java as a `byte[]` (what the hot entry points take instead of a
/// `String`: no `GetStringUTFChars` copy nor modified-UTF-8 decoding); `invalid_request` when it
/// is null or not UTF-8.
pub fn utf8(env: &Env<'_>, b: &JByteArray<'_>, what: &str) -> Outcome<String> {
    let bytes = opt_bytes(env, b)?.ok_or_else(|| invalid(format!("{what} is null")))?;
    String::from_utf8(bytes).map_err(|_| invalid(format!("{what} is not UTF-8")))
}

/// A new Java `byte[]` holding UTF-8 text (Java decodes it with `new String(bytes, UTF_8)`).
pub fn new_utf8<'local>(env: &mut Env<'local>, text: &[u8]) -> Outcome<JByteArray<'local>> {
    Ok(env.byte_array_from_slice(text)?)
}

/// A new Java string.
pub fn new_string<'local>(env: &mut Env<'local>, s: &str) -> Outcome<JString<'local>> {
    Ok(env.new_string(s)?)
}
