//! What the three bindings (pyo3, napi-rs, JNI) share on their side of the boundary, so that
//! an error, a panic or a bad argument reads the same in Python, Node and Java
//! (docs/architecture.md §5):
//!
//! - [`ErrorData`]: a core error as data — code, message, the provider's own error — which each
//!   binding turns into its language's exception in one function;
//! - [`guard`]: a panic becomes `internal_error`, its payload (which may quote input) dropped
//!   unseen;
//! - [`parse`], [`parse_value`], [`to_text`], [`to_ascii_text`], [`to_value`]: the JSON codec of arguments and
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

/// A result as ASCII-only JSON text: every non-ASCII character written as `\uXXXX`, raw
/// claims included. Python, V8 and Java all build a string from ASCII bytes with a plain copy,
/// where a few accented letters in a 2–3 kB login send the whole text through a per-character
/// UTF-8 decoding loop; the JSON parse on the other side reads the escapes back.
pub fn to_ascii_text<T: Serialize>(value: &T) -> Result<String, ErrorData> {
    let mut out = Vec::with_capacity(4096);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| ErrorData::new(ErrorCode::InternalError, e.to_string()))?;
    // Only ASCII was written.
    String::from_utf8(out).map_err(|e| ErrorData::new(ErrorCode::InternalError, e.to_string()))
}

/// serde_json's compact format with non-ASCII characters escaped (UTF-16 code units). Raw
/// fragments (the raw claims, kept as their JSON text) are escaped the same way: outside
/// strings JSON text is ASCII, so only string contents change.
struct AsciiFormatter;

fn write_ascii<W: ?Sized + std::io::Write>(writer: &mut W, text: &str) -> std::io::Result<()> {
    if text.is_ascii() {
        return writer.write_all(text.as_bytes());
    }
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c.is_ascii() {
            continue;
        }
        writer.write_all(&text.as_bytes()[start..i])?;
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            write!(writer, "\\u{unit:04x}")?;
        }
        start = i + c.len_utf8();
    }
    writer.write_all(&text.as_bytes()[start..])
}

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        write_ascii(writer, fragment)
    }

    fn write_raw_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        write_ascii(writer, fragment)
    }
}

/// A result as a JSON value (for napi's serde conversion).
pub fn to_value<T: Serialize>(value: &T) -> Result<Value, ErrorData> {
    serde_json::to_value(value).map_err(|e| ErrorData::new(ErrorCode::InternalError, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_escapes_strings_and_raw_claims_and_reads_back_the_same() {
        let raw = serde_json::value::RawValue::from_string(
            r#"{"family_name":"Hélène","emoji":"😀"}"#.to_string(),
        )
        .unwrap();
        let value = serde_json::json!({"given_name": "Zoë", "n": 1});
        let text = to_ascii_text(&(&value, &raw)).unwrap();
        assert!(text.is_ascii(), "{text}");
        assert!(text.contains("\\ud83d\\ude00"));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back[0], value);
        assert_eq!(back[1]["family_name"], "Hélène");
        assert_eq!(back[1]["emoji"], "😀");
    }

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
