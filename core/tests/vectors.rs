//! Runs every shared vector of `tests/vectors/` through the core, exactly as the Python, Node
//! and Java runners do: sans-IO client from `config`, JWKS set, `finish_login` at `now`.

use std::path::PathBuf;

use gouvconnect::{parse_token_response, Client, ClientConfig, PendingLogin, UserinfoResponse};
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

#[test]
fn every_vector_has_its_documented_outcome() {
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
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read vector");
        let vector: Value = serde_json::from_str(&text).expect("vector JSON");
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
        match run(&vector) {
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
