//! `make bench-micro` (Rust part): the core's callback verification (id_token + signed userinfo
//! JWT + claims checks + identity) against its floor, the two raw `ring` signature checks, on
//! the shared vectors with their fixed `now`. Core and floor are measured in alternating rounds
//! (the machine is shared and noisy); medians and spread are printed, and the medians are
//! written to the file named by the first argument (if any) so that each binding's benchmark
//! can report "binding vs native core" from the same `make bench-micro` run.

mod bench_clock;

use std::hint::black_box;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gouvconnect::{parse_token_response, Client, ClientConfig, PendingLogin, UserinfoResponse};
use ring::signature::{self, UnparsedPublicKey};
use serde_json::Value;

const ROUNDS: usize = 9;
const ROUND: Duration = Duration::from_millis(120);

fn load(name: &str) -> Value {
    let path = format!(
        "{}/../tests/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vector JSON")
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

fn b64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).expect("base64url")
}

/// The floor: both signatures of the vector verified with keys and signatures decoded beforehand.
fn floor(vector: &Value, alg: &str) -> Box<dyn FnMut()> {
    let jwks = vector["jwks"]["keys"].as_array().expect("keys").clone();
    let split = |t: &str| {
        let (input, sig) = t.rsplit_once('.').expect("jws");
        (input.as_bytes().to_vec(), b64(sig))
    };
    let inputs = [
        split(
            vector["token_response"]["id_token"]
                .as_str()
                .expect("id_token"),
        ),
        split(vector["userinfo"]["body"].as_str().expect("userinfo")),
    ];
    let key = |kty: &str| jwks.iter().find(|k| k["kty"] == kty).expect("key").clone();
    let text = |v: &Value| b64(v.as_str().expect("str"));
    if alg == "ES256" {
        let k = key("EC");
        let mut point = vec![4u8];
        point.extend(text(&k["x"]));
        point.extend(text(&k["y"]));
        Box::new(move || {
            let key = UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point);
            for (input, sig) in &inputs {
                assert!(key.verify(input, sig).is_ok());
            }
        })
    } else {
        let k = key("RSA");
        let (n, e) = (text(&k["n"]), text(&k["e"]));
        Box::new(move || {
            let key = signature::RsaPublicKeyComponents { n: &n, e: &e };
            for (input, sig) in &inputs {
                assert!(key
                    .verify(&signature::RSA_PKCS1_2048_8192_SHA256, input, sig)
                    .is_ok());
            }
        })
    }
}

fn main() {
    // `bench_micro [OUT] [--brief]`: --brief prints one line per algorithm (the re-measurement
    // taken right before each binding's benchmark, so that "binding vs core" compares neighbours
    // in time on a machine whose load changes by the minute).
    let out = std::env::args().nth(1);
    let brief = std::env::args().any(|a| a == "--brief");
    let mut lines = String::new();
    if brief {
        print!("native core re-measured just before:");
    } else {
        println!(
        "Rust core (ring), {ROUNDS} interleaved rounds of {}ms CPU time; medians (min–max) of CPU µs/op",
        ROUND.as_millis()
    );
        println!(
            "{:<6} {:<28} {:>9} {:>17} {:>9} {:>11}",
            "alg", "contender", "µs/op", "spread µs", "ops/s", "core/floor"
        );
    }
    for (alg, name) in [("ES256", "pc_es256"), ("RS256", "pc_rs256_full_claims")] {
        let vector = load(name);
        let config: ClientConfig =
            serde_json::from_value(vector["config"].clone()).expect("config");
        let client = Client::new(config).expect("client");
        client
            .set_jwks(vector["jwks"].to_string().as_bytes())
            .expect("jwks");
        // As a host does it: the pending login and token response arrive as JSON text.
        let pending_json = vector["pending"].to_string();
        let token_json = vector["token_response"].to_string();
        let body = vector["userinfo"]["body"]
            .as_str()
            .expect("body")
            .as_bytes()
            .to_vec();
        let content_type = vector["userinfo"]["content_type"]
            .as_str()
            .map(str::to_string);
        let now = vector["now"].as_u64().expect("now");
        let mut core = || {
            let pending = PendingLogin::from_json(&pending_json).expect("pending");
            let tokens = parse_token_response(200, token_json.as_bytes()).expect("tokens");
            let userinfo = UserinfoResponse {
                content_type: content_type.as_deref(),
                body: &body,
            };
            let login = client
                .finish_login(&pending, &tokens, Some(userinfo), now)
                .expect("login");
            // The identity as the hosts receive it: JSON text (Node and Java parse it, Python
            // json.loads it; the raw claims inside are copied verbatim).
            black_box(serde_json::to_string(&login.identity).expect("identity"));
        };
        let mut floor = floor(&vector, alg);
        bench_clock::measure(&mut core, ROUND / 2, 20);
        bench_clock::measure(&mut floor, ROUND / 2, 20);
        let (mut c, mut f) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                c.push(bench_clock::measure(&mut core, ROUND, 20));
                f.push(bench_clock::measure(&mut floor, ROUND, 20));
            } else {
                f.push(bench_clock::measure(&mut floor, ROUND, 20));
                c.push(bench_clock::measure(&mut core, ROUND, 20));
            }
        }
        let (cm, fm) = (median(&c), median(&f));
        let spread = |v: &[f64]| {
            let (lo, hi) = v
                .iter()
                .fold((f64::MAX, 0f64), |(l, h), x| (l.min(*x), h.max(*x)));
            format!("{lo:.1}–{hi:.1}")
        };
        lines.push_str(&format!("{alg} {cm:.3} {fm:.3}\n"));
        if brief {
            print!(" {alg} core {cm:.1} µs/op (floor {fm:.1});");
            continue;
        }
        println!(
            "{alg:<6} {:<28} {cm:>9.1} {:>17} {:>9.0} {:>10.2}×",
            "core finish_login",
            spread(&c),
            1e6 / cm,
            cm / fm
        );
        println!(
            "{alg:<6} {:<28} {fm:>9.1} {:>17} {:>9.0}",
            "floor: 2 sig checks (ring)",
            spread(&f),
            1e6 / fm
        );
        let verdict = if cm / fm <= 1.3 { "MET" } else { "MISSED" };
        println!("{alg:<6} target core within 1.3× of the floor: {verdict}");
    }
    if brief {
        println!();
    }
    if let Some(path) = out {
        std::fs::write(&path, lines).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}
