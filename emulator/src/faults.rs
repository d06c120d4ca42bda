//! Fault modes: ways the emulated provider misbehaves on purpose, so that tests can prove a
//! relying party refuses what it must. Faults come from a client's entry in the config file or
//! from the loopback control API, and apply to every later request of that client until cleared.

use std::collections::HashMap;
use std::sync::RwLock;

use serde_json::{json, Value};

macro_rules! faults {
    ($($variant:ident = $name:literal,)*) => {
        /// One way to misbehave. The names are the control API's and the config file's.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Fault { $($variant,)* }

        impl Fault {
            /// Every fault, in documentation order.
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            /// The fault's stable name.
            pub fn name(self) -> &'static str {
                match self { $(Fault::$variant => $name,)* }
            }
        }
    };
}

faults! {
    IdTokenBadSignature = "id_token_bad_signature",
    IdTokenAlgNone = "id_token_alg_none",
    IdTokenHs256PublicKey = "id_token_hs256_public_key",
    IdTokenHs256WrongSecret = "id_token_hs256_wrong_secret",
    IdTokenJwkHeader = "id_token_jwk_header",
    IdTokenJkuHeader = "id_token_jku_header",
    IdTokenX5uHeader = "id_token_x5u_header",
    IdTokenWrongIss = "id_token_wrong_iss",
    IdTokenWrongAud = "id_token_wrong_aud",
    IdTokenExtraAud = "id_token_extra_aud",
    IdTokenExpired = "id_token_expired",
    IdTokenIatFuture = "id_token_iat_future",
    IdTokenWrongNonce = "id_token_wrong_nonce",
    IdTokenNoNonce = "id_token_no_nonce",
    IdTokenNoSub = "id_token_no_sub",
    UserinfoBadSignature = "userinfo_bad_signature",
    UserinfoOtherSub = "userinfo_other_sub",
    UserinfoUnsigned = "userinfo_unsigned",
    KidAbsentOneKey = "kid_absent_one_key",
    KidAbsentSeveralKeys = "kid_absent_several_keys",
    Token500 = "token_500",
    TokenSlow = "token_slow",
    TokenHang = "token_hang",
    JwksDown = "jwks_down",
    TokenOversized = "token_oversized",
    UserinfoOversized = "userinfo_oversized",
    JwksOversized = "jwks_oversized",
    AccessDenied = "access_denied",
    AcrLower = "acr_lower",
    AmrNoMfa = "amr_no_mfa",
    EmailUnverified = "email_unverified",
    ClockSkew = "clock_skew",
}

impl Fault {
    pub fn parse(name: &str) -> Option<Fault> {
        Fault::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The valid names, for error messages.
    pub fn names() -> Vec<&'static str> {
        Fault::ALL.iter().map(|f| f.name()).collect()
    }

    fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

impl TryFrom<String> for Fault {
    type Error = String;
    fn try_from(name: String) -> Result<Fault, String> {
        Fault::parse(&name).ok_or_else(|| {
            format!(
                "unknown fault `{name}` (valid: {})",
                Fault::names().join(", ")
            )
        })
    }
}

impl<'de> serde::Deserialize<'de> for Fault {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fault, D::Error> {
        Fault::try_from(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Seconds `token_slow` waits when no `delay_secs` was given.
pub const DEFAULT_DELAY_SECS: u64 = 3;

/// The faults in force for one request: a bit set (cheap to copy and test on every request).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultSet {
    mask: u64,
    delay_secs: Option<u64>,
}

impl FaultSet {
    pub fn has(self, fault: Fault) -> bool {
        self.mask & fault.bit() != 0
    }

    /// How long `token_slow` waits.
    pub fn delay_secs(self) -> u64 {
        self.delay_secs.unwrap_or(DEFAULT_DELAY_SECS)
    }

    fn add(&mut self, fault: Fault, delay_secs: Option<u64>) {
        self.mask |= fault.bit();
        if delay_secs.is_some() {
            self.delay_secs = delay_secs;
        }
    }

    fn union(self, other: FaultSet) -> FaultSet {
        FaultSet {
            mask: self.mask | other.mask,
            delay_secs: other.delay_secs.or(self.delay_secs),
        }
    }

    fn listing(self, client_id: Option<&str>, out: &mut Vec<Value>) {
        for fault in Fault::ALL.iter().filter(|f| self.has(**f)) {
            let mut entry = json!({ "fault": fault.name(), "client_id": client_id });
            if *fault == Fault::TokenSlow {
                entry["delay_secs"] = json!(self.delay_secs());
            }
            out.push(entry);
        }
    }
}

/// Faults in force: for every client, and per client.
#[derive(Clone, Debug, Default)]
struct Active {
    every_client: FaultSet,
    per_client: HashMap<String, FaultSet>,
    /// Union of everything above, so that the common case (no fault) costs one test.
    union: u64,
}

impl Active {
    fn recompute(&mut self) {
        self.union = self
            .per_client
            .values()
            .fold(self.every_client.mask, |m, s| m | s.mask);
    }
}

/// The fault table. Its lock is held for a lookup or an update, never across I/O.
pub struct Faults {
    active: RwLock<Active>,
    /// The config file's faults, which `reset` restores.
    initial: Active,
}

impl Faults {
    /// The table holding the config file's per-client faults.
    pub fn new<'a>(from_config: impl IntoIterator<Item = (&'a str, &'a [Fault])>) -> Faults {
        let mut initial = Active::default();
        for (client, faults) in from_config {
            for fault in faults {
                initial
                    .per_client
                    .entry(client.to_string())
                    .or_default()
                    .add(*fault, None);
            }
        }
        initial.recompute();
        Faults {
            active: RwLock::new(initial.clone()),
            initial,
        }
    }

    /// The faults applying to a request of `client_id`.
    pub fn for_client(&self, client_id: &str) -> FaultSet {
        let Ok(active) = self.active.read() else {
            return FaultSet::default();
        };
        if active.union == 0 {
            return FaultSet::default();
        }
        match active.per_client.get(client_id) {
            Some(own) => active.every_client.union(*own),
            None => active.every_client,
        }
    }

    /// Whether `fault` is in force for any client (for endpoints that do not know the client,
    /// like the JWKS), and for which clients (`None`: every client).
    pub fn anywhere(&self, fault: Fault) -> Option<Option<Vec<String>>> {
        let active = self.active.read().ok()?;
        if active.union & fault.bit() == 0 {
            return None;
        }
        if active.every_client.has(fault) {
            return Some(None);
        }
        Some(Some(
            active
                .per_client
                .iter()
                .filter(|(_, s)| s.has(fault))
                .map(|(c, _)| c.clone())
                .collect(),
        ))
    }

    /// Any fault in force at all (cheap).
    pub fn any(&self) -> bool {
        self.active.read().map(|a| a.union != 0).unwrap_or(false)
    }

    pub fn add(&self, fault: Fault, client_id: Option<&str>, delay_secs: Option<u64>) {
        if let Ok(mut active) = self.active.write() {
            match client_id {
                Some(c) => active
                    .per_client
                    .entry(c.to_string())
                    .or_default()
                    .add(fault, delay_secs),
                None => active.every_client.add(fault, delay_secs),
            }
            active.recompute();
        }
    }

    /// Clears every fault, the config file's included.
    pub fn clear(&self) {
        if let Ok(mut active) = self.active.write() {
            *active = Active::default();
        }
    }

    /// Back to the config file's faults.
    pub fn reset(&self) {
        if let Ok(mut active) = self.active.write() {
            *active = self.initial.clone();
        }
    }

    /// The faults in force, as the control API lists them.
    pub fn list(&self) -> Vec<Value> {
        let mut out = Vec::new();
        if let Ok(active) = self.active.read() {
            active.every_client.listing(None, &mut out);
            let mut clients: Vec<_> = active.per_client.iter().collect();
            clients.sort_by(|a, b| a.0.cmp(b.0));
            for (client, set) in clients {
                set.listing(Some(client), &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_the_mask() {
        assert!(Fault::ALL.len() <= 64);
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.name()), Some(*f));
        }
        assert!(Fault::parse("nope").is_none());
    }

    #[test]
    fn client_faults_add_to_global_ones_and_clear() {
        let faults = Faults::new([("a", &[Fault::Token500][..])]);
        assert!(faults.for_client("a").has(Fault::Token500));
        assert_eq!(faults.for_client("b"), FaultSet::default());
        faults.add(Fault::TokenSlow, None, Some(7));
        assert_eq!(faults.for_client("b").delay_secs(), 7);
        assert!(faults.for_client("a").has(Fault::TokenSlow));
        assert_eq!(
            faults.anywhere(Fault::Token500),
            Some(Some(vec!["a".into()]))
        );
        faults.clear();
        assert!(!faults.any());
        faults.reset();
        assert!(faults.for_client("a").has(Fault::Token500));
    }
}
