//! Property tests: every parser of the core answers arbitrary input with a value or a coded
//! error, never a panic; the open-redirect guard never lets an off-site target through.

use gouvconnect::internals::{normalise, parse_callback, parse_jws, Claims};
use gouvconnect::{
    safe_next_path, Client, ClientConfig, KeySet, LoginOptions, PendingLogin, PendingLogout,
    Provider, ProviderKind,
};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("SubjectRefPro".to_string()),
                    Just("exercices".to_string()),
                    Just("activities".to_string()),
                    Just("codeProfession".to_string()),
                    Just("sub".to_string()),
                    Just("roles".to_string()),
                    Just("custom".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object(v: Value) -> Claims {
    match v {
        Value::Object(m) => m,
        other => {
            let mut m = Claims::new();
            m.insert("sub".into(), Value::String("s".into()));
            m.insert("x".into(), other);
            m
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn jws_parser_never_panics(s in ".{0,300}") {
        let _ = parse_jws(&s);
    }

    #[test]
    fn jws_parser_on_dotted_base64(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,80}", c in "[A-Za-z0-9_-]{0,80}") {
        let _ = parse_jws(&format!("{a}.{b}.{c}"));
    }

    #[test]
    fn jwks_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), v in json_value()) {
        let _ = KeySet::from_jwks(&bytes);
        let _ = KeySet::from_jwks(serde_json::json!({"keys": [v]}).to_string().as_bytes());
    }

    #[test]
    fn claims_normalisation_never_panics(id in json_value(), ui in json_value(), psc in any::<bool>()) {
        let kind = if psc { ProviderKind::ProSanteConnect } else { ProviderKind::ProConnect };
        if let Ok(identity) = normalise(kind, object(id), object(ui)) {
            // The identity always serialises (it crosses every binding as JSON).
            prop_assert!(serde_json::to_string(&identity).is_ok());
        }
    }

    #[test]
    fn callback_parser_never_panics(q in ".{0,300}") {
        let provider = Provider::custom(ProviderKind::ProConnect, "http://127.0.0.1:4000/api/v2").unwrap();
        let mut config = ClientConfig::new(ProviderKind::ProConnect, "c", "s", "http://127.0.0.1:9/cb");
        config.issuer = Some("http://127.0.0.1:4000/api/v2".into());
        let client = Client::new(config).unwrap();
        let pending = client.begin_login_at(&LoginOptions::default(), 10).unwrap().pending;
        let _ = parse_callback(&provider, &pending, &q, 11);
        let _ = PendingLogin::from_json(&q);
        let _ = PendingLogout::from_json(&q);
    }

    #[test]
    fn next_paths_stay_on_site(s in ".{0,64}") {
        if let Some(next) = safe_next_path(&s) {
            prop_assert!(next.starts_with('/'));
            prop_assert!(!next.starts_with("//"));
            prop_assert!(!next.contains('\\'));
            let parsed = url::Url::parse("https://site.example/").unwrap().join(&next).unwrap();
            prop_assert_eq!(parsed.host_str(), Some("site.example"));
        }
    }
}
