//! Pro Santé Connect practices: the choices of a professional with several exercices or
//! activities, and the identity acting for one of them (the core's `Identity::practices`,
//! `Identity::with_practice`).

use gouvconnect::{ErrorCode, Identity};
use napi_derive::napi;
use serde_json::Value;

use crate::errors::{invalid, to_napi};

fn identity(value: Value) -> napi::Result<Identity> {
    serde_json::from_value(value)
        .map_err(|e| invalid(ErrorCode::InvalidRequest, format!("not an identity: {e}")))
}

/// Every practice of `identity` (one per exercice × activity, with stable ids and labels);
/// empty for ProConnect.
#[napi(catch_unwind)]
pub fn practices(identity_json: Value) -> napi::Result<Value> {
    serde_json::to_value(identity(identity_json)?.practices())
        .map_err(|e| invalid(ErrorCode::InternalError, e))
}

/// `identity` acting for the practice `id` (`identity.practice` set); `invalid_request` for an
/// id the identity does not have.
#[napi(catch_unwind)]
pub fn with_practice(identity_json: Value, id: String) -> napi::Result<Value> {
    let chosen = identity(identity_json)?
        .with_practice(&id)
        .map_err(to_napi)?;
    serde_json::to_value(chosen).map_err(|e| invalid(ErrorCode::InternalError, e))
}
