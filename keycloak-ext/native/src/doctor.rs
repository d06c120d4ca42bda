//! The native methods of `fr.gouvconnect.keycloak.NativeCore` for the core's doctor: a handle on
//! a sans-IO [`Doctor`] whose probes Keycloak's HTTP client sends (`NativeDoctor`, Java).

use std::sync::Mutex;

use gouvconnect::ClientConfig;
use gouvconnect::{Doctor, DoctorOptions, ProbeAnswer, ProbeKind};
use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jboolean, jint, jlong};
use jni::EnvUnowned;
use serde_json::json;

use crate::convert::{
    invalid, new_string, opt_bytes, opt_string, parse, string, Outcome, ThrowGouvConnect,
};

/// A doctor behind a handle (`Box::into_raw`); `NativeDoctor` (Java) uses it from one thread
/// and frees it once with `doctorClose`.
type Handle = Mutex<Option<Doctor>>;

fn with_doctor<T>(handle: jlong, f: impl FnOnce(&mut Doctor) -> Outcome<T>) -> Outcome<T> {
    if handle == 0 {
        return Err(invalid("the doctor is closed"));
    }
    // SAFETY: `handle` comes from `Box::into_raw` in `doctorCreate` and is freed only by
    // `doctorClose`, which NativeDoctor calls once, after its last call.
    let cell = unsafe { &*(handle as *const Handle) };
    let mut guard = cell.lock().map_err(|_| invalid("the doctor is poisoned"))?;
    match guard.as_mut() {
        Some(doctor) => f(doctor),
        None => Err(invalid("the doctor has finished")),
    }
}

fn kind_name(kind: ProbeKind) -> &'static str {
    match kind {
        ProbeKind::Discovery => "discovery",
        ProbeKind::Jwks => "jwks",
        ProbeKind::Credentials => "credentials",
    }
}

fn parse_kind(name: &str) -> Outcome<ProbeKind> {
    match name {
        "discovery" => Ok(ProbeKind::Discovery),
        "jwks" => Ok(ProbeKind::Jwks),
        "credentials" => Ok(ProbeKind::Credentials),
        other => Err(invalid(format!("unknown probe `{other}`"))),
    }
}

/// `long doctorCreate(String configJson, String optionsJson, long now)`: never fails on a bad
/// configuration (that is a failed check); fails only on unreadable JSON.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_doctorCreate<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    config: JString<'local>,
    options: JString<'local>,
    now: jlong,
) -> jlong {
    env.with_env(|env| -> Outcome<jlong> {
        let config = ClientConfig::from_json(&string(env, &config, "config")?)?;
        let options: DoctorOptions = match opt_string(env, &options)? {
            Some(text) => parse(&text, "doctor options")?,
            None => DoctorOptions::default(),
        };
        let now = if now <= 0 {
            gouvconnect::unix_now()
        } else {
            now as u64
        };
        let doctor: Box<Handle> = Box::new(Mutex::new(Some(Doctor::new(config, &options, now))));
        Ok(Box::into_raw(doctor) as jlong)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String doctorNextProbe(long handle)`: `{"kind", "method", "url", "headers": [[name,
/// value]], "body"}` or null when every probe was answered. The credentials probe's body
/// carries the client secret: never log it.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_doctorNextProbe<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        match with_doctor(handle, |d| Ok(d.next_probe()))? {
            Some(probe) => {
                let r = &probe.request;
                let text = json!({
                    "kind": kind_name(probe.kind),
                    "method": r.method,
                    "url": r.url,
                    "headers": r.headers,
                    "body": r.body,
                })
                .to_string();
                new_string(env, &text)
            }
            None => Ok(JString::default()),
        }
    })
    .resolve::<ThrowGouvConnect>()
}

/// `void doctorFeed(long handle, String kind, int status, String date, byte[] body, String
/// transportError)`: with a transport error, the status, date and body are ignored.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_doctorFeed<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    kind: JString<'local>,
    status: jint,
    date: JString<'local>,
    body: JByteArray<'local>,
    transport_error: JString<'local>,
) {
    env.with_env(|env| -> Outcome<()> {
        let kind = parse_kind(&string(env, &kind, "kind")?)?;
        let error = opt_string(env, &transport_error)?;
        let date = opt_string(env, &date)?;
        let body = opt_bytes(env, &body)?.unwrap_or_default();
        let status = u16::try_from(status).map_err(|_| invalid("HTTP status out of range"))?;
        with_doctor(handle, |d| {
            match &error {
                Some(e) => d.feed(kind, Err(e)),
                None => d.feed(
                    kind,
                    Ok(ProbeAnswer {
                        status,
                        date: date.as_deref(),
                        body: &body,
                    }),
                ),
            }
            Ok(())
        })
    })
    .resolve::<ThrowGouvConnect>()
}

/// `boolean doctorUsesMutualTls(long handle)`.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_doctorUsesMutualTls<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jboolean {
    env.with_env(|_| -> Outcome<jboolean> { with_doctor(handle, |d| Ok(d.uses_mutual_tls())) })
        .resolve::<ThrowGouvConnect>()
}

/// `void doctorCheckCertificate(long handle, byte[] certPem, byte[] keyPem, String problem)`:
/// with a problem (the host could not read the files), that is the check's failure.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_doctorCheckCertificate<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    cert: JByteArray<'local>,
    key: JByteArray<'local>,
    problem: JString<'local>,
) {
    env.with_env(|env| -> Outcome<()> {
        let problem = opt_string(env, &problem)?;
        let cert = opt_bytes(env, &cert)?.unwrap_or_default();
        let key = opt_bytes(env, &key)?.unwrap_or_default();
        with_doctor(handle, |d| {
            match &problem {
                Some(p) => d.client_certificate_unreadable(p),
                None => d.check_client_certificate(&cert, &key),
            }
            Ok(())
        })
    })
    .resolve::<ThrowGouvConnect>()
}

/// `String doctorFinish(long handle)`: `{"report": {...}, "text": "..."}`; the doctor is spent.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_doctorFinish<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        if handle == 0 {
            return Err(invalid("the doctor is closed"));
        }
        // SAFETY: see `with_doctor`.
        let cell = unsafe { &*(handle as *const Handle) };
        let doctor = cell
            .lock()
            .map_err(|_| invalid("the doctor is poisoned"))?
            .take()
            .ok_or_else(|| invalid("the doctor has finished"))?;
        let report = doctor.finish();
        let value: serde_json::Value =
            serde_json::from_str(&report.to_json()).map_err(|e| invalid(e.to_string()))?;
        let text = json!({ "report": value, "text": report.to_text() }).to_string();
        new_string(env, &text)
    })
    .resolve::<ThrowGouvConnect>()
}

/// `void doctorClose(long handle)`: frees the handle (once).
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_doctorClose<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    env.with_env(|_| -> Outcome<()> {
        if handle != 0 {
            // SAFETY: see `with_doctor`; NativeDoctor zeroes its handle before calling this once.
            drop(unsafe { Box::from_raw(handle as *mut Handle) });
        }
        Ok(())
    })
    .resolve::<ThrowGouvConnect>()
}
