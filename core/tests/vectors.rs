//! Runs every shared vector of `tests/vectors/` through the core, exactly as the Python, Node
//! and Java runners do: sans-IO client from `config`, JWKS set, `finish_login` at `now`. The
//! FranceConnect+ vectors (`fcp_*`) carry the client's `decryption_keys`; their encryption is
//! Python `cryptography`'s (tests/vectors/generator/franceconnect.py), not this crate's.

use std::path::PathBuf;

use gouvconnect::{
    looks_like_jwe, parse_token_response, Client, ClientConfig, PendingLogin, UserinfoResponse,
};
use serde_json::Value;

fn run(vector: &Value) -> Result<Value, String> {
    let config: ClientConfig =
        serde_json::from_value(vector["config"].clone()).map_err(|e| format!("config: {e}"))?;
    let client = Client::new(config).map_err(|e| format!("client: {e}"))?;
    client
        .set_jwks(vector["jwks"].to_string().as_bytes())
        .map_err(|e| format!("jwks: {e}"))?;
    let pending = PendingLogin::from_json(&vector["pending"].to_string())
        .map_err(|e| format!("pending: {e}"))?;
    let tokens = parse_token_response(200, vector["token_response"].to_string().as_bytes())
        .map_err(|e| format!("token response: {e}"))?;
    let userinfo = &vector["userinfo"];
    let body = userinfo["body"].as_str().map(str::as_bytes);
    let response = body.map(|body| UserinfoResponse {
        content_type: userinfo["content_type"].as_str(),
        body,
    });
    let now = vector["now"].as_u64().ok_or("now")?;
    match client.finish_login(&pending, &tokens, response, now) {
        Ok(login) => Ok(serde_json::json!({ "identity": login.identity })),
        Err(e) => Ok(serde_json::json!({ "error": e.code().as_str() })),
    }
}

/// The JSON paths where `got` differs from `want`, each with both values (short, so one line
/// per failing vector stays readable).
fn diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            let mut keys: Vec<&String> = w.keys().chain(g.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let null = Value::Null;
                let (wv, gv) = (w.get(k), g.get(k));
                if wv.is_none() || gv.is_none() {
                    let show = |v: Option<&Value>| v.map_or("(absent)".to_string(), short);
                    out.push(format!(
                        "{path}/{k}: expected {}, got {}",
                        show(wv),
                        show(gv)
                    ));
                } else {
                    diff(
                        &format!("{path}/{k}"),
                        wv.unwrap_or(&null),
                        gv.unwrap_or(&null),
                        out,
                    );
                }
            }
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                diff(&format!("{path}/{i}"), wv, gv, out);
            }
        }
        _ if want != got => out.push(format!(
            "{}: expected {}, got {}",
            if path.is_empty() { "/" } else { path },
            short(want),
            short(got)
        )),
        _ => {}
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

/// Every vector file, sorted, with its parsed JSON.
fn vectors() -> Vec<(PathBuf, Value)> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "expected at least 40 vectors, found {}",
        files.len()
    );
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("read vector");
            let vector = serde_json::from_str(&text).expect("vector JSON");
            (file, vector)
        })
        .collect()
}

#[test]
fn every_vector_has_its_documented_outcome() {
    let files = vectors();
    let mut failures = Vec::new();
    for (file, vector) in &files {
        let name = vector["name"].as_str().unwrap_or("?").to_string();
        // The file name is how a runner in any language reports a vector: keep them equal.
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if name != stem {
            failures.push(format!("{stem}: the vector's name is `{name}`"));
            continue;
        }
        match run(vector) {
            Ok(outcome) if outcome == vector["expected"] => {}
            Ok(outcome) => {
                let mut diffs = Vec::new();
                diff("", &vector["expected"], &outcome, &mut diffs);
                failures.push(format!("{name}: {}", diffs.join("; ")));
            }
            Err(e) => failures.push(format!("{name}: could not run: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// FranceConnect+: the tokens of the vectors are encrypted (but for the ones about a bare JWS),
/// so the logins above went through decryption; and the client built from each vector's
/// configuration publishes the public halves of its decryption keys, the document a host serves
/// for FranceConnect+ to fetch: every key, `use: enc`, a `kid`, no private member. The other
/// federations' clients publish nothing.
#[test]
fn franceconnect_plus_clients_publish_their_public_keys_only() {
    let mut plus = 0;
    for (_, vector) in vectors() {
        let name = vector["name"].as_str().unwrap_or("?");
        let config: ClientConfig = serde_json::from_value(vector["config"].clone()).expect(name);
        let client = Client::new(config).expect(name);
        if vector["config"]["provider"] != "franceconnect_plus" {
            assert_eq!(client.public_jwks(), None, "{name}");
            continue;
        }
        plus += 1;
        let id_token = vector["token_response"]["id_token"].as_str().expect(name);
        assert_eq!(
            looks_like_jwe(id_token),
            name != "fcp_not_encrypted",
            "{name}: the id_token's form"
        );
        let published: Value =
            serde_json::from_str(&client.public_jwks().expect(name)).expect("public JWKS");
        let keys = published["keys"].as_array().expect("keys");
        // Three JWKs (two RSA keys of a rotation and an EC key), or two PEM blocks.
        let expected = if name == "fcp_pem_keys" { 2 } else { 3 };
        assert_eq!(keys.len(), expected, "{name}");
        for jwk in keys {
            assert_eq!(jwk["use"], "enc", "{name}");
            assert!(jwk["kid"].is_string(), "{name}");
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(jwk.get(private).is_none(), "{name}: `{private}` published");
            }
        }
    }
    assert!(plus >= 20, "only {plus} FranceConnect+ vectors");
}
