//! Pro Santé Connect practices: the choices of a professional with several exercices or
//! activities, and the identity acting for one of them (the core's `Identity::practices`,
//! `Identity::with_practice`).

use gouvconnect::Identity;
use pyo3::prelude::*;

use crate::convert::{error, guard, parse, serialize};

fn identity(py: Python<'_>, json: &str) -> PyResult<Identity> {
    parse(py, json, "an identity")
}

/// Every practice of the identity (one per exercice × activity, stable ids, labels).
#[pyfunction]
pub fn practices<'py>(py: Python<'py>, identity_json: &str) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        serialize(py, &identity(py, identity_json)?.practices())
    })
}

/// The identity acting for the practice `id`; `invalid_request` for an unknown id.
#[pyfunction]
pub fn with_practice<'py>(
    py: Python<'py>,
    identity_json: &str,
    id: &str,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let chosen = identity(py, identity_json)?
            .with_practice(id)
            .map_err(|e| error(py, e))?;
        serialize(py, &chosen)
    })
}
