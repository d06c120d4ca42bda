//! Node.js binding of the gouvconnect core. Each function maps one core concept; errors cross
//! as `"<code>: <message>"` and become `GouvConnectError` (with `.code`) in `index.js`.

// napi-derive registers exports only outside `cfg(test)`; unit-test builds see them unused.
#![cfg_attr(test, allow(dead_code))]

mod audit;
mod client;
mod doctor;
mod errors;
mod helpers;
mod practice;
