//! Declarative mapping of the normalised identity to host user fields and groups.
//!
//! Paths address the identity's JSON shape (docs/architecture.md §4) with dots, and `[]` to visit every
//! element of an array: `email`, `proconnect.siret`,
//! `prosanteconnect.exercices[].profession_code`, `raw.userinfo.chorusdt:matricule`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use std::sync::OnceLock;

use crate::claims::{
    Activity, ChorusDt, Exercice, FranceConnectIdentity, Identity, Practice, ProConnectIdentity,
};
use crate::error::{Error, ErrorCode, Result};

/// Field and group mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mapping {
    /// Host user field → identity path.
    pub fields: BTreeMap<String, String>,
    /// Group rules; a user gets every group whose rule matches.
    pub groups: Vec<GroupRule>,
}

impl Default for Mapping {
    /// Email and names, the fields every host user model has.
    fn default() -> Self {
        let fields = [
            ("email", "email"),
            ("first_name", "given_name"),
            ("last_name", "family_name"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Mapping {
            fields,
            groups: Vec::new(),
        }
    }
}

/// A group granted when a condition on the identity holds.
///
/// With none of `equals`, `in`, `prefix`, the rule holds when the field has a value. `group`
/// may contain `{path}` placeholders, e.g. `"siret:{proconnect.siret}"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRule {
    /// Group name (template).
    pub group: String,
    /// Identity path tested.
    pub field: String,
    /// Holds when a value equals this.
    #[serde(default)]
    pub equals: Option<String>,
    /// Holds when a value is one of these.
    #[serde(default, rename = "in")]
    pub one_of: Option<Vec<String>>,
    /// Holds when a value starts with this.
    #[serde(default)]
    pub prefix: Option<String>,
}

/// The result of a mapping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedUser {
    /// Host user field → value (`None` when the identity has none).
    pub fields: BTreeMap<String, Option<String>>,
    /// Groups, sorted, without duplicates.
    pub groups: Vec<String>,
}

impl Mapping {
    /// Parses a JSON mapping.
    pub fn from_json(json: &str) -> Result<Mapping> {
        let m: Mapping = serde_json::from_str(json)
            .map_err(|e| Error::new(ErrorCode::InvalidConfig, format!("invalid mapping: {e}")))?;
        m.validate()?;
        Ok(m)
    }

    /// Checks paths and rules. A path must exist in the identity's shape (a misspelt
    /// `proconect.siret` would otherwise map nothing, silently); under `raw.` and
    /// `proconnect.custom.` any claim name is accepted.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorCode::InvalidConfig, m));
        for (field, path) in &self.fields {
            if field.is_empty() || !valid_path(path) {
                return bad(format!("mapping of `{field}`: invalid path `{path}`"));
            }
            known_path(path).map_err(|m| {
                Error::new(
                    ErrorCode::InvalidConfig,
                    format!("mapping of `{field}`: {m}"),
                )
            })?;
        }
        for rule in &self.groups {
            if rule.group.trim().is_empty() || !valid_path(&rule.field) {
                return bad(format!(
                    "group rule `{}`: invalid group or field",
                    rule.group
                ));
            }
            let placeholders = rule
                .group
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(path, _)| path));
            for path in std::iter::once(rule.field.as_str()).chain(placeholders) {
                known_path(path).map_err(|m| {
                    Error::new(
                        ErrorCode::InvalidConfig,
                        format!("group rule `{}`: {m}", rule.group),
                    )
                })?;
            }
            let set = [
                rule.equals.is_some(),
                rule.one_of.is_some(),
                rule.prefix.is_some(),
            ];
            if set.iter().filter(|s| **s).count() > 1 {
                return bad(format!(
                    "group rule `{}`: use one of equals, in, prefix",
                    rule.group
                ));
            }
        }
        Ok(())
    }

    /// The group names the rules grant as written (no `{path}` template): the groups a host
    /// that keeps memberships in sync may remove once their rule no longer holds. A templated
    /// group's name depends on the identity, so it is never removed on its behalf.
    pub fn fixed_groups(&self) -> Vec<&str> {
        self.groups
            .iter()
            .map(|rule| rule.group.as_str())
            .filter(|group| !group.contains('{'))
            .collect()
    }

    /// Applies the mapping to an identity.
    pub fn apply(&self, identity: &Identity) -> MappedUser {
        let json = serde_json::to_value(identity).unwrap_or(Value::Null);
        let fields = self
            .fields
            .iter()
            .map(|(field, path)| (field.clone(), resolve(&json, path).into_iter().next()))
            .collect();
        let mut groups: Vec<String> = self
            .groups
            .iter()
            .filter(|rule| rule.holds(&json))
            .filter_map(|rule| render(&rule.group, &json))
            .collect();
        groups.sort();
        groups.dedup();
        MappedUser { fields, groups }
    }
}

impl GroupRule {
    fn holds(&self, identity: &Value) -> bool {
        let values = resolve(identity, &self.field);
        if let Some(expected) = &self.equals {
            values.iter().any(|v| v == expected)
        } else if let Some(list) = &self.one_of {
            values.iter().any(|v| list.contains(v))
        } else if let Some(prefix) = &self.prefix {
            values.iter().any(|v| v.starts_with(prefix.as_str()))
        } else {
            !values.is_empty()
        }
    }
}

fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 256
        && path.split('.').all(|seg| {
            let name = seg.strip_suffix("[]").unwrap_or(seg);
            !name.is_empty() && !name.contains(['[', ']', '{', '}'])
        })
}

/// The identity's JSON shape with every optional part present (one exercice, one activity, a
/// chosen practice), built once: what a mapping path may name.
fn identity_shape() -> &'static Value {
    static SHAPE: OnceLock<Value> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let exercice = Exercice {
            activities: vec![Activity::default()],
            ..Exercice::default()
        };
        let template = serde_json::json!({
            "provider": "prosanteconnect", "sub": "", "email": null, "email_verified": null,
            "given_name": null, "family_name": null, "acr": null, "amr": [],
            "proconnect": null, "raw": {"id_token": {}, "userinfo": {}},
            "prosanteconnect": {
                "national_id": null, "id_kind": "other", "rpps": null, "adeli": null,
                "civility": null, "organization": null, "exercices": [exercice],
            },
        });
        let Ok(mut identity) = serde_json::from_value::<Identity>(template) else {
            return Value::Null;
        };
        identity.proconnect = Some(ProConnectIdentity {
            chorusdt: Some(ChorusDt::default()),
            ..ProConnectIdentity::default()
        });
        identity.practice = Some(Practice::default());
        identity.franceconnect = Some(FranceConnectIdentity::default());
        serde_json::to_value(identity).unwrap_or(Value::Null)
    })
}

/// `Ok` when `path` names a part of the identity; else what is wrong, with the names known at
/// the point where it goes astray.
fn known_path(path: &str) -> std::result::Result<(), String> {
    // Claims as received: any name.
    const FREE: [&str; 2] = ["raw", "proconnect.custom"];
    let mut node = identity_shape();
    let mut walked = String::new();
    for segment in path.split('.') {
        if FREE.contains(&walked.as_str()) {
            return Ok(());
        }
        let (name, each) = match segment.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (segment, false),
        };
        let Value::Object(fields) = node else {
            return Err(format!("`{path}`: `{walked}` has no fields"));
        };
        let Some(child) = fields.get(name) else {
            let mut known: Vec<&str> = fields.keys().map(String::as_str).collect();
            known.sort_unstable();
            let at = if walked.is_empty() {
                "the identity".to_string()
            } else {
                format!("`{walked}`")
            };
            return Err(format!(
                "`{path}`: {at} has no `{name}` (known: {})",
                known.join(", ")
            ));
        };
        node = match (child, each) {
            (Value::Array(items), true) => items.first().unwrap_or(&Value::Null),
            (_, true) => return Err(format!("`{path}`: `{name}` is not a list (drop the `[]`)")),
            _ => child,
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(name);
    }
    Ok(())
}

/// Every scalar value at `path` (strings, numbers and booleans as text).
pub fn resolve(root: &Value, path: &str) -> Vec<String> {
    let mut current = vec![root];
    for segment in path.split('.') {
        let (name, each) = match segment.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for v in current {
            match v.get(name) {
                Some(Value::Array(items)) if each => next.extend(items.iter()),
                Some(child) if !each => next.push(child),
                _ => {}
            }
        }
        current = next;
    }
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().filter_map(scalar).collect::<Vec<_>>(),
            other => scalar(other).into_iter().collect(),
        })
        .collect()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Fills `{path}` placeholders; `None` when one has no value.
fn render(template: &str, identity: &Value) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let value = resolve(identity, &rest[start + 1..end])
            .into_iter()
            .next()?;
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::normalise;
    use crate::provider::ProviderKind;
    use serde_json::json;

    fn doctor() -> Identity {
        let id = json!({"sub":"f:x:899700218896"})
            .as_object()
            .cloned()
            .unwrap();
        let ui = json!({"sub":"f:x:899700218896","given_name":"Paul","family_name":"NOM",
          "SubjectNameID":"899700218896","SubjectRefPro":{"exercices":[
            {"codeProfession":"10","activities":[{"numeroFinessSite":"750000001"}]},
            {"codeProfession":"40","activities":[]}]}})
        .as_object()
        .cloned()
        .unwrap();
        normalise(ProviderKind::ProSanteConnect, id, ui).unwrap()
    }

    #[test]
    fn the_chosen_practice_is_a_path() {
        let who = doctor();
        let id = who.practices()[1].id.clone();
        let m = Mapping::from_json(r#"{
          "fields": {"profession": "practice.profession_label", "finess": "practice.finess"},
          "groups": [{"group": "acting-as-{practice.profession_code}", "field": "practice.profession_code"}]
        }"#)
        .unwrap();
        let before = m.apply(&who);
        assert_eq!(before.fields["profession"], None);
        assert!(before.groups.is_empty());
        let after = m.apply(&who.with_practice(&id).unwrap());
        assert_eq!(
            after.fields["profession"].as_deref(),
            Some("Chirurgien-Dentiste")
        );
        assert_eq!(after.fields["finess"], None);
        assert_eq!(after.groups, vec!["acting-as-40"]);
    }

    #[test]
    fn fields_and_groups() {
        let m = Mapping::from_json(r#"{
          "fields": {"last_name": "family_name", "rpps": "prosanteconnect.rpps", "email": "email"},
          "groups": [
            {"group": "medecins", "field": "prosanteconnect.exercices[].profession_code", "equals": "10"},
            {"group": "dentistes", "field": "prosanteconnect.exercices[].profession_code", "in": ["40"]},
            {"group": "pharmaciens", "field": "prosanteconnect.exercices[].profession_code", "equals": "21"},
            {"group": "finess:{prosanteconnect.exercices[].activities[].finess}", "field": "prosanteconnect.exercices[].activities[].finess"}
          ]}"#).unwrap();
        let out = m.apply(&doctor());
        assert_eq!(out.fields["last_name"].as_deref(), Some("NOM"));
        assert_eq!(out.fields["rpps"].as_deref(), Some("99700218896"));
        assert_eq!(out.fields["email"], None);
        assert_eq!(
            out.groups,
            vec!["dentistes", "finess:750000001", "medecins"]
        );
        // The templated finess group is not one a host may remove on its own.
        assert_eq!(
            m.fixed_groups(),
            vec!["medecins", "dentistes", "pharmaciens"]
        );
    }

    #[test]
    fn paths_must_exist_in_the_identity() {
        for good in [
            "proconnect.siret",
            "proconnect.chorusdt.matricule",
            "proconnect.custom.grade",
            "proconnect.roles",
            "raw.userinfo.chorusdt:matricule",
            "prosanteconnect.exercices[].activities[].finess",
            "practice.profession_code",
            "practice.siret",
            "franceconnect.birthdate",
            "franceconnect.born_in_france",
            "mfa",
        ] {
            let json = format!(r#"{{"fields": {{"x": "{good}"}}}}"#);
            assert!(Mapping::from_json(&json).is_ok(), "{good}");
        }
        for (bad, says) in [
            ("proconect.siret", "the identity has no `proconect`"),
            ("proconnect.sirett", "`proconnect` has no `sirett`"),
            (
                "prosanteconnect.exercices.profession_code",
                "`prosanteconnect.exercices` has no fields",
            ),
            ("email[]", "not a list"),
        ] {
            let json = format!(r#"{{"fields": {{"x": "{bad}"}}}}"#);
            let err = Mapping::from_json(&json).unwrap_err();
            assert!(err.message().contains(says), "{bad}: {err}");
        }
        let err = Mapping::from_json(
            r#"{"groups": [{"group": "siret:{proconnect.sirret}", "field": "proconnect.siret"}]}"#,
        )
        .unwrap_err();
        assert!(err.message().contains("sirret"), "{err}");
    }

    #[test]
    fn invalid_mappings_are_refused() {
        for bad in [
            r#"{"fields": {"a": ""}}"#,
            r#"{"groups": [{"group": "g", "field": "a..b"}]}"#,
            r#"{"groups": [{"group": "g", "field": "a", "equals": "x", "prefix": "y"}]}"#,
            r#"{"unknown": 1}"#,
        ] {
            assert_eq!(
                Mapping::from_json(bad).unwrap_err().code(),
                ErrorCode::InvalidConfig,
                "{bad}"
            );
        }
    }
}
