//! Conversions: core errors → `gouvconnect.errors` exceptions, results → Python objects (through
//! JSON text and `json.loads`, see [`serialize`]).

use gouvconnect_ffi::ErrorData;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
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

/// An error as its `gouvconnect.errors` exception (with what the provider said, when it said
/// something).
pub fn exception(py: Python<'_>, data: ErrorData) -> PyErr {
    let detail = data
        .provider_error
        .as_ref()
        .map(|p| (p.error.as_str(), p.description.as_deref()));
    raise_with(py, data.code.as_str(), &data.message, detail)
}

/// A core error as a Python exception.
pub fn error(py: Python<'_>, e: gouvconnect::Error) -> PyErr {
    exception(py, ErrorData::from(e))
}

/// Runs `body`; a panic becomes an `InternalError` instead of crossing into Python.
pub fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    gouvconnect_ffi::guard(body, |data| exception(py, data))
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

/// A serialisable value as Python objects: its JSON text decoded by CPython's `json.loads` (C
/// decoder). Cheaper than a `serde_json::Value` converted object by object, and a login's raw
/// claims, kept as JSON text by the core, are parsed once, here, instead of twice.
pub fn serialize<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    // ASCII-only: CPython builds the str with a plain copy (see to_ascii_text).
    let text = gouvconnect_ffi::to_ascii_text(value).map_err(|data| exception(py, data))?;
    let loads = LOADS.get_or_try_init(py, || {
        py.import("json")?.getattr("loads").map(Bound::unbind)
    })?;
    loads.bind(py).call1((text,))
}

/// Reads `what` (e.g. "an identity") from JSON text given by Python; `InvalidRequest` when it
/// is not one.
pub fn parse<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    text: &str,
    what: &str,
) -> PyResult<T> {
    gouvconnect_ffi::parse(text, what).map_err(|data| exception(py, data))
}
