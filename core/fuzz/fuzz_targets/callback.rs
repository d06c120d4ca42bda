//! The authorization callback (`Client::parse_callback`) and the logout callback
//! (`Client::verify_logout_callback`).
//!
//! Input: selector byte 0 = the rest is the raw query; otherwise the query is built with
//! `arbitrary` from the callback's parameter names and the pending login's real state and the
//! issuer (a constant-time comparison gives the fuzzer no hint towards them).
//! Properties: a code is returned only when the query has exactly one `state` equal to the
//! pending one, no `error`, a non-empty `code`, no foreign `iss`, and the login is not expired;
//! a logout is accepted only with exactly one matching `state`; no error message repeats the
//! code or the state.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use gouvconnect::{Client, ErrorCode, PendingLogout, ProviderKind};
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Key {
    Code,
    State,
    Iss,
    Error,
    ErrorDescription,
    Other(String),
}

/// A recognisable authorization code (also in the seed queries).
const CODE_CANARY: &str = "code-canary-5e1f0c9a7d3b";

#[derive(Arbitrary, Debug)]
enum Val {
    PendingState,
    CodeCanary,
    Issuer,
    OtherIssuer,
    Empty,
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Query {
    question_mark: bool,
    percent_encode_all: bool,
    pairs: Vec<(Key, Val)>,
}

fn enc(s: &str, all: bool) -> String {
    if all {
        s.bytes().map(|b| format!("%{b:02X}")).collect()
    } else {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }
}

fn build(q: &Query) -> String {
    let pairs: Vec<String> = q
        .pairs
        .iter()
        .map(|(k, v)| {
            let k = match k {
                Key::Code => "code",
                Key::State => "state",
                Key::Iss => "iss",
                Key::Error => "error",
                Key::ErrorDescription => "error_description",
                Key::Other(s) => s.as_str(),
            };
            let v = match v {
                Val::PendingState => fx::STATE,
                Val::CodeCanary => CODE_CANARY,
                Val::Issuer => fx::PC_ISSUER,
                Val::OtherIssuer => fx::PSC_ISSUER,
                Val::Empty => "",
                Val::Text(s) => s.as_str(),
            };
            format!(
                "{}={}",
                enc(k, q.percent_encode_all),
                enc(v, q.percent_encode_all)
            )
        })
        .collect();
    format!(
        "{}{}",
        if q.question_mark { "?" } else { "" },
        pairs.join("&")
    )
}

fn clients() -> &'static (Client, Client) {
    static C: OnceLock<(Client, Client)> = OnceLock::new();
    C.get_or_init(|| {
        (
            fx::client(ProviderKind::ProConnect, false),
            fx::client(ProviderKind::ProSanteConnect, false),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let query = match data.split_first() {
        Some((0, raw)) => match std::str::from_utf8(raw) {
            Ok(s) => s.to_string(),
            Err(_) => return,
        },
        Some((_, rest)) => match Query::arbitrary_take_rest(Unstructured::new(rest)) {
            Ok(q) => build(&q),
            Err(_) => return,
        },
        None => return,
    };
    let q = query.strip_prefix('?').unwrap_or(&query);
    let params: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let values = |name: &str| -> Vec<&str> {
        params
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let (pc, psc) = clients();
    let pending = fx::pending(ProviderKind::ProConnect);

    match pc.parse_callback(&pending, &query, fx::NOW) {
        Ok(code) => {
            assert_eq!(
                values("state"),
                [fx::STATE],
                "code returned without the state"
            );
            assert!(values("error").is_empty(), "code returned despite an error");
            assert_eq!(values("code"), [code.as_str()]);
            assert!(!code.is_empty());
            assert!(
                values("iss").iter().all(|i| *i == fx::PC_ISSUER),
                "foreign iss accepted"
            );
        }
        Err(e) => {
            fx::check_error(&e);
            // The code and the state are secrets of the login: never in a message (unless the
            // same text also came as a parameter name or as the provider's error text). Checked
            // on planted values (the pending state, a canary code): a short fuzzed value may
            // well occur in a message's fixed wording.
            // (Compared as the message shows them: without control characters.)
            let echoed: Vec<String> = params
                .iter()
                .filter(|(k, _)| k == "error" || k == "error_description")
                .map(|(_, v)| v.as_str())
                .chain(params.iter().map(|(k, _)| k.as_str()))
                .map(|t| t.chars().filter(|c| !c.is_control()).collect())
                .collect();
            for secret in [fx::STATE, CODE_CANARY] {
                if !echoed.iter().any(|t| t.contains(secret)) {
                    assert!(!e.message().contains(secret), "a code or state in: {e}");
                }
            }
            if e.provider_error().is_some() {
                assert_eq!(values("error").len(), 1);
            }
        }
    }
    // Too late, or for another provider: never a code.
    let late = fx::CREATED_AT + 30 * 60 + 1;
    assert!(
        pc.parse_callback(&pending, &query, late).is_err(),
        "expired login accepted"
    );
    assert!(
        psc.parse_callback(&pending, &query, fx::NOW).is_err(),
        "foreign pending accepted"
    );

    let logout = PendingLogout {
        state: fx::STATE.to_string(),
        created_at: fx::CREATED_AT,
    };
    match pc.verify_logout_callback(&logout, &query) {
        Ok(()) => assert_eq!(values("state"), [fx::STATE], "logout without its state"),
        Err(e) => {
            fx::check_error(&e);
            assert_eq!(e.code(), ErrorCode::LogoutStateMismatch);
        }
    }
});
