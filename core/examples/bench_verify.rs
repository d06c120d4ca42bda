//! `make bench`: the cost of a callback verification in the core (id_token + signed userinfo
//! JWT + claims checks + normalisation + policy) against its floor, the two raw signature
//! verifications with `ring`, measured in one run on the shared test vectors.

use std::hint::black_box;
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gouvconnect::{verify, Client, ClientConfig, PendingLogin, UserinfoResponse};
use ring::signature::{self, UnparsedPublicKey};
use serde_json::Value;

const ITERATIONS: u32 = 3000;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/../tests/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("vector JSON")
}

fn time(mut f: impl FnMut()) -> f64 {
    for _ in 0..ITERATIONS / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(ITERATIONS)
}

/// The floor: verifying both signatures of the vector with keys decoded beforehand.
fn floor(vector: &Value) -> impl FnMut() {
    let jwks = &vector["jwks"]["keys"];
    let id_token = vector["token_response"]["id_token"]
        .as_str()
        .expect("id_token")
        .to_string();
    let userinfo = vector["userinfo"]["body"]
        .as_str()
        .expect("userinfo")
        .to_string();
    let alg = {
        let header = id_token.split('.').next().expect("header");
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("b64")).expect("json");
        header["alg"].as_str().expect("alg").to_string()
    };
    let split = |t: &str| {
        let (input, sig) = t.rsplit_once('.').expect("jws");
        (input.to_string(), URL_SAFE_NO_PAD.decode(sig).expect("sig"))
    };
    let (id_input, id_sig) = split(&id_token);
    let (ui_input, ui_sig) = split(&userinfo);
    let key = |kty: &str| {
        jwks.as_array()
            .expect("keys")
            .iter()
            .find(|k| k["kty"] == kty)
            .expect("key")
            .clone()
    };
    let b = |v: &Value| {
        URL_SAFE_NO_PAD
            .decode(v.as_str().expect("str"))
            .expect("b64")
    };
    if alg == "ES256" {
        let k = key("EC");
        let mut point = vec![4u8];
        point.extend(b(&k["x"]));
        point.extend(b(&k["y"]));
        Box::new(move || {
            let key = UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point);
            assert!(key.verify(id_input.as_bytes(), &id_sig).is_ok());
            assert!(key.verify(ui_input.as_bytes(), &ui_sig).is_ok());
        }) as Box<dyn FnMut()>
    } else {
        let k = key("RSA");
        let (n, e) = (b(&k["n"]), b(&k["e"]));
        Box::new(move || {
            let key = signature::RsaPublicKeyComponents { n: &n, e: &e };
            assert!(key
                .verify(
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    id_input.as_bytes(),
                    &id_sig
                )
                .is_ok());
            assert!(key
                .verify(
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    ui_input.as_bytes(),
                    &ui_sig
                )
                .is_ok());
        })
    }
}

fn main() {
    println!("callback verification (id_token + signed userinfo + checks + identity), {ITERATIONS} iterations");
    println!(
        "{:<28} {:>12} {:>14} {:>8}",
        "vector", "core µs/op", "floor µs/op", "ratio"
    );
    for name in ["pc_es256", "pc_rs256_full_claims"] {
        let vector = load(name);
        let config: ClientConfig =
            serde_json::from_value(vector["config"].clone()).expect("config");
        let client = Client::new(config).expect("client");
        client
            .set_jwks(vector["jwks"].to_string().as_bytes())
            .expect("jwks");
        let pending = PendingLogin::from_json(&vector["pending"].to_string()).expect("pending");
        let tokens =
            verify::parse_token_response(200, vector["token_response"].to_string().as_bytes())
                .expect("tokens");
        let body = vector["userinfo"]["body"]
            .as_str()
            .expect("body")
            .as_bytes()
            .to_vec();
        let content_type = vector["userinfo"]["content_type"]
            .as_str()
            .map(str::to_string);
        let now = vector["now"].as_u64().expect("now");
        let core = time(|| {
            let userinfo = UserinfoResponse {
                content_type: content_type.as_deref(),
                body: &body,
            };
            black_box(
                client
                    .finish_login(&pending, &tokens, Some(userinfo), now)
                    .expect("login"),
            );
        });
        let floor = time(floor(&vector));
        println!(
            "{name:<28} {core:>12.1} {floor:>14.1} {:>7.2}x",
            core / floor
        );
    }
}
