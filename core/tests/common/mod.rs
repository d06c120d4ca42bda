//! The shared test fixture, `tests/fixture.json`: the emulator's registered clients (ids,
//! secrets) and test users, the same file the Python, Node and Java harnesses read.

use std::sync::OnceLock;

use gouvconnect::{ProviderKind, Secret};
use serde_json::Value;

fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixture.json");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    })
}

fn text(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("fixture: `{field}` missing in {v}"))
        .to_string()
}

fn kind(provider: &str) -> ProviderKind {
    ProviderKind::parse(provider).unwrap_or_else(|e| panic!("fixture: provider `{provider}`: {e}"))
}

/// A client registered at the emulator.
#[derive(Clone, Debug)]
pub struct TestClient {
    /// Its key in the fixture (`proconnect`, `proconnect_es256`, …).
    pub name: String,
    pub id: String,
    /// Empty for a `tls_client_auth` client.
    pub secret: String,
    pub kind: ProviderKind,
    pub id_token_alg: String,
    /// FranceConnect+: the private keys its tokens are encrypted to (`decryption_keys_file`).
    pub decryption_keys: Option<Secret>,
}

/// A test user of the emulator: the fields the identity must carry.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// The name typed on the emulator's login page.
    pub id: String,
    pub kind: ProviderKind,
    pub sub: String,
    /// `None`: the id_token carries no acr.
    pub acr: Option<String>,
    pub email: Option<String>,
    pub given_name: String,
    pub family_name: String,
    /// Pro Santé Connect only.
    pub national_id: Option<String>,
    /// ProConnect only.
    pub siret: Option<String>,
    /// FranceConnect(+) only: the identité pivot's birth data (`birthplace` null when born abroad).
    pub birthdate: Option<String>,
    pub birthplace: Option<String>,
    pub birthcountry: Option<String>,
}

/// The client registered under `name` in the fixture.
pub fn client(name: &str) -> TestClient {
    let c = &fixture()["clients"][name];
    assert!(c.is_object(), "fixture: no client `{name}`");
    TestClient {
        name: name.to_string(),
        id: text(c, "id"),
        secret: text(c, "secret"),
        kind: kind(&text(c, "provider")),
        id_token_alg: text(c, "id_token_alg"),
        decryption_keys: c["decryption_keys_file"].as_str().map(|file| {
            let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
            Secret::new(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        }),
    }
}

/// Every client of the fixture.
pub fn clients() -> Vec<TestClient> {
    let all = fixture()["clients"].as_object().expect("fixture: clients");
    all.keys().map(|name| client(name)).collect()
}

/// The issuer path of a provider on the emulator (`/api/v2`, …).
pub fn issuer_path(kind: ProviderKind) -> String {
    text(&fixture()["issuer_paths"], kind.as_str())
}

fn user_of(provider: &str, id: &str, u: &Value) -> TestUser {
    let opt = |field: &str| u[field].as_str().map(str::to_string);
    TestUser {
        id: id.to_string(),
        kind: kind(provider),
        sub: text(u, "sub"),
        acr: opt("acr"),
        email: opt("email"),
        given_name: text(u, "given_name"),
        family_name: text(u, "family_name"),
        national_id: opt("national_id"),
        siret: opt("siret"),
        birthdate: opt("birthdate"),
        birthplace: opt("birthplace"),
        birthcountry: opt("birthcountry"),
    }
}

/// The test user `id` of `provider` (`proconnect`, `prosanteconnect`, `franceconnect`,
/// `franceconnect_plus`).
pub fn user(provider: &str, id: &str) -> TestUser {
    let u = &fixture()["users"][provider][id];
    assert!(u.is_object(), "fixture: no {provider} user `{id}`");
    user_of(provider, id, u)
}

/// Every test user of the fixture.
pub fn users() -> Vec<TestUser> {
    let all = fixture()["users"].as_object().expect("fixture: users");
    all.iter()
        .flat_map(|(provider, users)| {
            users
                .as_object()
                .expect("fixture: users of a provider")
                .iter()
                .map(move |(id, u)| user_of(provider, id, u))
        })
        .collect()
}
