//! Node.js binding of the gouvconnect core. Each function maps one core concept; errors cross
//! as `"<code>: <message>"` and become `GouvConnectError` (with `.code`) in `index.js`.

mod client;
mod errors;
mod helpers;
