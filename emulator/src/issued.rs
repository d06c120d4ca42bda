//! Every sensitive value the emulator issued or received, so that a test can scan a host's logs
//! for leaks (`GET /_emulator/issued`). Bounded: the most recent values are kept.

use std::collections::VecDeque;
use std::sync::Mutex;

/// How many recent values are kept.
pub const CAPACITY: usize = 20_000;

pub struct Issued {
    recent: Mutex<VecDeque<String>>,
    /// The registered clients' secrets: always listed, never evicted.
    secrets: Vec<String>,
}

impl Issued {
    pub fn new(client_secrets: Vec<String>) -> Issued {
        Issued {
            recent: Mutex::new(VecDeque::with_capacity(1024)),
            secrets: client_secrets,
        }
    }

    /// Records values (one lock for the lot; empty values are skipped).
    pub fn record<I: IntoIterator<Item = String>>(&self, values: I) {
        if let Ok(mut recent) = self.recent.lock() {
            for value in values.into_iter().filter(|v| !v.is_empty()) {
                if recent.len() >= CAPACITY {
                    recent.pop_front();
                }
                recent.push_back(value);
            }
        }
    }

    pub fn clear(&self) {
        if let Ok(mut recent) = self.recent.lock() {
            recent.clear();
        }
    }

    /// The client secrets, then the recorded values, oldest first, without repeats.
    pub fn list(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let recent = self.recent.lock().map(|r| r.clone()).unwrap_or_default();
        self.secrets
            .iter()
            .cloned()
            .chain(recent)
            .filter(|v| seen.insert(v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_values_and_the_secrets() {
        let issued = Issued::new(vec!["secret".into()]);
        issued.record((0..CAPACITY + 5).map(|i| format!("v{i}")));
        let list = issued.list();
        assert_eq!(list.len(), CAPACITY + 1);
        assert_eq!(list[0], "secret");
        assert_eq!(list[1], "v5");
        issued.clear();
        assert_eq!(issued.list(), vec!["secret".to_string()]);
    }
}
