//! Conversions: core errors → `gouvconnect.errors` exceptions, JSON values → Python objects
//! (built directly, no JSON text round trip on the callback path).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;

/// Raises the `gouvconnect.errors` class of a code.
pub fn raise(py: Python<'_>, code: &str, message: &str) -> PyErr {
    raise_with(py, code, message, None)
}

fn raise_with(
    py: Python<'_>,
    code: &str,
    message: &str,
    provider_error: Option<(&str, Option<&str>)>,
) -> PyErr {
    let built = (|| -> PyResult<PyErr> {
        let module = py.import("gouvconnect.errors")?;
        let exception = module
            .getattr("error_for")?
            .call1((code, message, provider_error))?;
        Ok(PyErr::from_value(exception))
    })();
    built.unwrap_or_else(|e| e)
}

/// A core error as a Python exception (with what the provider said, when it said something).
pub fn error(py: Python<'_>, e: gouvconnect::Error) -> PyErr {
    let detail = e
        .provider_error()
        .map(|p| (p.error.as_str(), p.description.as_deref()));
    raise_with(py, e.code().as_str(), e.message(), detail)
}

/// Runs `body`; a panic becomes an exception instead of crossing into Python.
pub fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            // The payload may quote input, and dropping it may panic again: never shown, never
            // dropped.
            std::mem::forget(payload);
            Err(raise(
                py,
                gouvconnect::ErrorCode::InternalError.as_str(),
                "unexpected failure in the native core",
            ))
        }
    }
}

/// A JSON value as Python objects.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(0.0).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serialisable value as Python objects.
pub fn serialize<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let json =
        serde_json::to_value(value).map_err(|e| raise(py, "invalid_request", &e.to_string()))?;
    to_py(py, &json)
}
