//! `doctor`: the core's going-live checks against the live provider, as a Promise.

use gouvconnect::DoctorOptions;
use napi_derive::napi;
use serde_json::Value;

use crate::client::config;
use crate::errors::parse_value;

/// The report in both of the core's forms: JSON (for the object and `--json`) and the text for a
/// person. Never holds a secret.
#[napi(object)]
pub struct DoctorOutput {
    /// `Report::to_json`.
    pub json: String,
    /// `Report::to_text`.
    pub text: String,
}

/// Runs the going-live checks of one client configuration (network). `options`:
/// `{mounted_redirect_uris, mounted_post_logout_redirect_uris}`. Only a configuration that is
/// not even a configuration (wrong types, unknown keys) rejects; every other problem is a failed
/// check in the report.
#[napi(catch_unwind)]
pub async fn doctor(config_value: Value, options: Option<Value>) -> napi::Result<DoctorOutput> {
    let config = config(config_value)?;
    let options: DoctorOptions = match options {
        None | Some(Value::Null) => DoctorOptions::default(),
        Some(v) => parse_value(v, "doctor options")?,
    };
    let report = gouvconnect::http::doctor(config, &options).await;
    Ok(DoctorOutput {
        json: report.to_json(),
        text: report.to_text(),
    })
}
