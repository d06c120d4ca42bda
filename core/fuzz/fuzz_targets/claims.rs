//! Claims normalisation (`claims::normalise`): ProConnect and PSC id_token + userinfo claims
//! into an `Identity`, including the nested `SubjectRefPro`; then the policy and a mapping.
//!
//! Input: see `two_claims` (raw JSON pairs seeded from the vectors, or structured claims).
//! Properties: no panic; `sub` present ⇔ success; the identity invariants of
//! `check_identity` (RPPS/ADELI decoding, blanks are `None`, bounded lists, JSON round trip).
#![no_main]

use std::sync::OnceLock;

use gouvconnect::internals as claims;
use gouvconnect::{Mapping, Policy};
use gouvconnect_fuzz as fx;
use libfuzzer_sys::fuzz_target;

fn strict_policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        serde_json::from_str(
            r#"{"allowed_sirets":["11000101300017"],"allowed_email_domains":["@interieur.gouv.fr"],
            "allowed_roles":["agent_public"],"allowed_profession_codes":["10"]}"#,
        )
        .unwrap()
    })
}

fn mapping() -> &'static Mapping {
    static M: OnceLock<Mapping> = OnceLock::new();
    M.get_or_init(|| {
        serde_json::from_str(
            r#"{"fields":{"email":"email","last":"family_name","siret":"proconnect.siret",
            "rpps":"prosanteconnect.rpps","prof":"prosanteconnect.exercices[].profession_code",
            "raw":"raw.userinfo.SubjectRefPro.exercices"},
            "groups":[{"group":"agents","field":"proconnect.roles","equals":"agent_public"},
            {"group":"docs","field":"prosanteconnect.exercices[].profession_code","in":["10","21"]},
            {"group":"gouv","field":"email","prefix":"a"}]}"#,
        )
        .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, id_token, userinfo)) = fx::two_claims(data) else {
        return;
    };
    let kind = fx::kind_of(selector);
    let has_sub = matches!(id_token.get("sub"), Some(serde_json::Value::String(s)) if !s.trim().is_empty())
        || matches!(id_token.get("sub"), Some(serde_json::Value::Number(_)));
    match claims::normalise(kind, id_token.clone(), userinfo.clone()) {
        Ok(identity) => {
            assert!(has_sub, "normalised without a sub");
            assert_eq!(
                identity.raw.id_token_claims().ok(),
                Some(id_token),
                "raw id_token claims are kept"
            );
            assert_eq!(
                identity.raw.userinfo_claims().ok(),
                Some(userinfo),
                "raw userinfo claims are kept"
            );
            fx::check_identity(&identity, kind);
            for policy in [&Policy::default(), strict_policy()] {
                match policy.check_identity(&identity) {
                    Ok(()) => {
                        if identity.email.is_some() && identity.email_verified == Some(false) {
                            panic!("an unverified email passed the default policy");
                        }
                    }
                    Err(e) => fx::check_error(&e),
                }
            }
            let mapped = mapping().apply(&identity);
            let _ = serde_json::to_string(&mapped).expect("mapped user serialises");
        }
        Err(e) => {
            assert!(!has_sub, "refused although sub is present: {e}");
            fx::check_error(&e);
        }
    }
});
