//! Pro Santé Connect practices: the choices of a professional with several exercices or
//! activities, and the identity acting for one of them (the core's `Identity::practices`,
//! `Identity::with_practice`).

use gouvconnect::Identity;
use napi_derive::napi;
use serde_json::Value;

use crate::errors::{parse_value, to_js, to_napi};

fn identity(value: Value) -> napi::Result<Identity> {
    parse_value(value, "an identity")
}

/// Every practice of `identity` (one per exercice × activity, with stable ids and labels);
/// empty for ProConnect.
#[napi(catch_unwind)]
pub fn practices(identity_json: Value) -> napi::Result<Value> {
    to_js(&identity(identity_json)?.practices())
}

/// `identity` acting for the practice `id` (`identity.practice` set); `invalid_request` for an
/// id the identity does not have.
#[napi(catch_unwind)]
pub fn with_practice(identity_json: Value, id: String) -> napi::Result<Value> {
    let chosen = identity(identity_json)?
        .with_practice(&id)
        .map_err(to_napi)?;
    to_js(&chosen)
}
