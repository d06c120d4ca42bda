//! CPU cost of opening a FranceConnect+ token (docs/franceconnect.md, "Crate choice").
//!
//! `cargo run --release -p gouvconnect --features franceconnect --example bench_jwe`
//!
//! 1. `DecryptionKeys::decrypt` on the shared FranceConnect+ login vectors (tests/vectors/fcp_*), one line
//!    per key-management algorithm: what a login pays on top of the signature check.
//! 2. The candidates for each primitive, on the same inputs: AES-256-GCM opening with `ring`
//!    and with RustCrypto's `aes-gcm`; RSA-2048 OAEP decryption with the `rsa` crate, blinded
//!    (what jwe.rs does) and not; static-key P-256 ECDH with `p256` (`ring` has none: its
//!    agreement API takes ephemeral private keys only).
//!
//! CPU time of this thread, as `bench_micro` measures (the machine is shared), median of
//! alternating rounds.

mod bench_clock;

use std::hint::black_box;
use std::time::Duration;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gouvconnect::DecryptionKeys;
use rsa::{BigUint, Oaep, RsaPrivateKey};
use serde_json::Value;

const ROUNDS: usize = 7;
const ROUND: Duration = Duration::from_millis(150);

/// A FranceConnect+ login vector, as `{decryption_keys: <JWKS>, id_token: <JWE>}`.
fn load(name: &str) -> Value {
    let path = format!(
        "{}/../tests/vectors/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).expect("vector JSON");
    let keys = v["config"]["decryption_keys"]
        .as_str()
        .expect("decryption_keys");
    serde_json::json!({
        "decryption_keys": serde_json::from_str::<Value>(keys).expect("a JWKS"),
        "id_token": v["token_response"]["id_token"],
    })
}

/// Runs the contenders in alternating rounds; prints median and spread of each.
fn compare(title: &str, contenders: &mut [(&str, &mut dyn FnMut())]) {
    let mut samples = vec![Vec::new(); contenders.len()];
    for _ in 0..ROUNDS {
        for (i, (_, f)) in contenders.iter_mut().enumerate() {
            samples[i].push(bench_clock::measure(*f, ROUND, 5));
        }
    }
    println!("{title}");
    for (i, (name, _)) in contenders.iter().enumerate() {
        let mut s = samples[i].clone();
        s.sort_by(f64::total_cmp);
        println!(
            "  {name:<44} {:>9.1} µs  (min {:.1}, max {:.1})",
            s[s.len() / 2],
            s[0],
            s[s.len() - 1]
        );
    }
}

fn part(token: &str, i: usize) -> Vec<u8> {
    let p = token.split('.').nth(i).expect("part");
    URL_SAFE_NO_PAD.decode(p).expect("base64url")
}

fn number(jwk: &Value, name: &str) -> BigUint {
    BigUint::from_bytes_be(
        &URL_SAFE_NO_PAD
            .decode(jwk[name].as_str().expect(name))
            .expect(name),
    )
}

fn main() {
    // 1. The whole decryption, per algorithm.
    let names = [
        ("fcp_rsa_oaep", "RSA-OAEP + A256GCM"),
        ("fcp_rsa_oaep_256", "RSA-OAEP-256 + A256GCM"),
        ("fcp_ecdh_es", "ECDH-ES + A256GCM"),
        ("fcp_ecdh_es_a256kw", "ECDH-ES+A256KW + A256GCM"),
    ];
    let vectors: Vec<Value> = names.iter().map(|(n, _)| load(n)).collect();
    let keys: Vec<DecryptionKeys> = vectors
        .iter()
        .map(|v| {
            DecryptionKeys::from_jwks(v["decryption_keys"].to_string().as_bytes()).expect("keys")
        })
        .collect();
    let tokens: Vec<String> = vectors
        .iter()
        .map(|v| v["id_token"].as_str().expect("id_token").to_string())
        .collect();
    let mut closures: Vec<Box<dyn FnMut()>> = (0..names.len())
        .map(|i| {
            let keys = &keys[i];
            let token = tokens[i].clone();
            Box::new(move || {
                black_box(keys.decrypt(black_box(&token)).expect("decrypts"));
            }) as Box<dyn FnMut()>
        })
        .collect();
    let mut contenders: Vec<(&str, &mut dyn FnMut())> = names
        .iter()
        .zip(closures.iter_mut())
        .map(|((_, label), f)| (*label, f.as_mut() as &mut dyn FnMut()))
        .collect();
    compare(
        "DecryptionKeys::decrypt (id_token JWE → JWS), RustCrypto",
        &mut contenders,
    );

    // 2a. AES-256-GCM opening: ring vs aes-gcm, on a real ciphertext (the CEK is recovered
    // with the RSA key once, outside the measure).
    let v = &vectors[0];
    let token = &tokens[0];
    let jwk = &v["decryption_keys"]["keys"][0];
    let rsa_key = RsaPrivateKey::from_components(
        number(jwk, "n"),
        number(jwk, "e"),
        number(jwk, "d"),
        vec![number(jwk, "p"), number(jwk, "q")],
    )
    .expect("RSA key");
    let encrypted_key = part(token, 1);
    let cek = rsa_key
        .decrypt(Oaep::new::<sha1::Sha1>(), &encrypted_key)
        .expect("CEK");
    let aad = token.split('.').next().expect("header").as_bytes().to_vec();
    let iv: [u8; 12] = part(token, 2).try_into().expect("iv");
    let ciphertext = part(token, 3);
    let tag: [u8; 16] = part(token, 4).try_into().expect("tag");
    let mut sealed = ciphertext.clone();
    sealed.extend_from_slice(&tag);
    let ring_key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &cek).expect("ring key"),
    );
    let rc_key = aes_gcm::Aes256Gcm::new_from_slice(&cek).expect("aes-gcm key");
    println!("  (ciphertext: {} bytes)", ciphertext.len());
    compare(
        "AES-256-GCM open of the id_token's ciphertext (key set up once)",
        &mut [
            ("ring 0.17", &mut || {
                let mut buf = sealed.clone();
                let out = ring_key
                    .open_in_place(
                        ring::aead::Nonce::assume_unique_for_key(iv),
                        ring::aead::Aad::from(&aad),
                        &mut buf,
                    )
                    .expect("ring opens");
                black_box(out.len());
            }),
            ("aes-gcm 0.10 (RustCrypto)", &mut || {
                let mut buf = ciphertext.clone();
                rc_key
                    .decrypt_in_place_detached(&iv.into(), &aad, &mut buf, &tag.into())
                    .expect("aes-gcm opens");
                black_box(buf.len());
            }),
        ],
    );

    // 2b. RSA-2048 OAEP (SHA-1) decryption of the content key.
    compare(
        "RSA-2048 OAEP decryption of the 32-byte content key",
        &mut [
            ("rsa 0.9, blinded (jwe.rs)", &mut || {
                black_box(
                    rsa_key
                        .decrypt_blinded(
                            &mut rand_core::OsRng,
                            Oaep::new::<sha1::Sha1>(),
                            &encrypted_key,
                        )
                        .expect("decrypts"),
                );
            }),
            ("rsa 0.9, not blinded", &mut || {
                black_box(
                    rsa_key
                        .decrypt(Oaep::new::<sha1::Sha1>(), &encrypted_key)
                        .expect("decrypts"),
                );
            }),
        ],
    );

    // 2c. Static-key P-256 ECDH (the client's key with the token's epk).
    let ec_vector = &vectors[2];
    let ec_jwk = &ec_vector["decryption_keys"]["keys"][2];
    let d = URL_SAFE_NO_PAD
        .decode(ec_jwk["d"].as_str().expect("d"))
        .expect("d");
    let secret = p256::SecretKey::from_slice(&d).expect("P-256 key");
    let header: Value = serde_json::from_slice(&part(&tokens[2], 0)).expect("header");
    let mut point = vec![4u8];
    point.extend(part(header["epk"]["x"].as_str().expect("x"), 0));
    point.extend(part(header["epk"]["y"].as_str().expect("y"), 0));
    let epk = p256::PublicKey::from_sec1_bytes(&point).expect("epk");
    compare(
        "P-256 ECDH with the client's static key",
        &mut [("p256 0.13 (RustCrypto)", &mut || {
            let shared =
                p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), black_box(&epk).as_affine());
            black_box(shared.raw_secret_bytes().len());
        })],
    );
}
