//! In-memory state: pending interactions, authorization codes, access tokens, browser sessions.
//! Every entry expires; each map has its own short-held lock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::Persona;

/// An authorization request waiting for the user on the login page.
#[derive(Clone, Debug)]
pub struct Interaction {
    pub persona: Persona,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: Option<String>,
    pub scopes: Vec<String>,
    pub claims: Option<Value>,
    pub code_challenge: Option<(String, String)>,
}

/// What an authorization code stands for.
#[derive(Clone, Debug)]
pub struct Grant {
    pub interaction: Interaction,
    pub user_id: String,
    pub auth_time: u64,
    /// Pro Santé Connect: the login was made with a CPS card (acr `eidas2`, `authMode: CARD`).
    pub card: bool,
}

/// What an access token stands for.
#[derive(Clone, Debug)]
pub struct Access {
    pub persona: Persona,
    pub client_id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
}

struct Expiring<T> {
    value: T,
    until: Instant,
}

/// How many entries one generation of a table holds before it is retired.
const GENERATION: usize = 50_000;

/// Two generations of entries: inserts go to the young one; when it is full it becomes the old
/// one and the previous old one is dropped whole. Under load this bounds memory without ever
/// scanning a map on the request path.
struct Generations<T> {
    young: HashMap<String, Expiring<T>>,
    old: HashMap<String, Expiring<T>>,
}

/// A map whose entries expire.
pub struct Table<T> {
    ttl: Duration,
    inner: Mutex<Generations<T>>,
}

impl<T: Clone> Table<T> {
    pub fn new(ttl: Duration) -> Self {
        Table {
            ttl,
            inner: Mutex::new(Generations {
                young: HashMap::new(),
                old: HashMap::new(),
            }),
        }
    }

    pub fn insert(&self, key: String, value: T) {
        let until = Instant::now() + self.ttl;
        if let Ok(mut map) = self.inner.lock() {
            if map.young.len() >= GENERATION {
                let young = std::mem::take(&mut map.young);
                // The retired generation is freed after the lock is released.
                let retired = std::mem::replace(&mut map.old, young);
                map.young.insert(key, Expiring { value, until });
                drop(map);
                drop(retired);
                return;
            }
            map.young.insert(key, Expiring { value, until });
        }
    }

    /// Removes and returns a live entry (single use).
    pub fn take(&self, key: &str) -> Option<T> {
        let entry = {
            let mut map = self.inner.lock().ok()?;
            match map.young.remove(key) {
                Some(e) => e,
                None => map.old.remove(key)?,
            }
        };
        (entry.until > Instant::now()).then_some(entry.value)
    }

    /// Returns a live entry, keeping it.
    pub fn get(&self, key: &str) -> Option<T> {
        let map = self.inner.lock().ok()?;
        let entry = map.young.get(key).or_else(|| map.old.get(key))?;
        (entry.until > Instant::now()).then(|| entry.value.clone())
    }

    pub fn remove(&self, key: &str) {
        if let Ok(mut map) = self.inner.lock() {
            map.young.remove(key);
            map.old.remove(key);
        }
    }

    /// Forgets everything.
    pub fn clear(&self) {
        if let Ok(mut map) = self.inner.lock() {
            map.young.clear();
            map.old.clear();
        }
    }
}

/// All the emulator's state.
pub struct Store {
    pub interactions: Table<Interaction>,
    pub codes: Table<Grant>,
    pub tokens: Table<Access>,
    /// Browser session cookie → (persona, user id), for `prompt=none`.
    pub sessions: Table<(Persona, String)>,
    /// FranceConnect+ id_token (a JWE the emulator cannot read back) → client id, for the
    /// `id_token_hint` of a logout.
    pub hints: Table<String>,
    /// Refresh token → the login it continues and its Unix expiry (each federation has its own
    /// lifetime, so the table's TTL is only the longest one).
    pub refresh_tokens: Table<(Grant, u64)>,
}

impl Store {
    pub fn new() -> Self {
        Store {
            interactions: Table::new(Duration::from_secs(600)),
            codes: Table::new(Duration::from_secs(60)),
            tokens: Table::new(Duration::from_secs(3600)),
            sessions: Table::new(Duration::from_secs(12 * 3600)),
            hints: Table::new(Duration::from_secs(12 * 3600)),
            refresh_tokens: Table::new(Duration::from_secs(12 * 3600)),
        }
    }

    /// Forgets every interaction, code, token and session.
    pub fn clear(&self) {
        self.interactions.clear();
        self.codes.clear();
        self.tokens.clear();
        self.sessions.clear();
        self.hints.clear();
        self.refresh_tokens.clear();
    }
}
