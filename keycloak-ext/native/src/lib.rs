//! JNI binding of the gouvconnect core for the Keycloak extension.
//!
//! A small surface of pure functions over strings and byte arrays (JSON in, JSON out). Every
//! entry point catches panics; every error becomes a `fr.gouvconnect.keycloak.GouvConnectException`
//! carrying the core's stable code. Clients live behind opaque `long` handles owned by
//! `NativeClient` (Java), which serialises `close()` against calls.

mod broker;
mod convert;
mod doctor;
mod entry;
mod franceconnect;
