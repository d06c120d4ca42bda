//! Claim objects built from fuzzer bytes with `arbitrary`: the keys come from the federations'
//! claim names (so the normaliser's branches are reached at once), the values are any JSON,
//! with `SubjectRefPro.exercices[].activities[]` nested as PSC sends it.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Number, Value};

/// Top-level claim names of ProConnect and PSC (id_token and userinfo).
pub const TOP_KEYS: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "azp",
    "exp",
    "iat",
    "nbf",
    "nonce",
    "acr",
    "amr",
    "email",
    "email_verified",
    "given_name",
    "usual_name",
    "family_name",
    "uid",
    "siret",
    "siren",
    "organizational_unit",
    "organization_label",
    "belonging_population",
    "phone_number",
    "roles",
    "chorusdt:matricule",
    "chorusdt:societe",
    "idp_id",
    "idp_acr",
    "custom",
    "SubjectNameID",
    "preferred_username",
    "SubjectOrganization",
    "codeCivilite",
    "SubjectRefPro",
];

/// Keys of one `exercices[]` item.
pub const EXERCICE_KEYS: &[&str] = &[
    "codeProfession",
    "codeCategorieProfessionnelle",
    "codeCiviliteDexercice",
    "nomDexercice",
    "prenomDexercice",
    "codeTypeSavoirFaire",
    "codeSavoirFaire",
    "activities",
];

/// Keys of one `activities[]` item.
pub const ACTIVITY_KEYS: &[&str] = &[
    "codeModeExercice",
    "codeSecteurDactivite",
    "codeSectionPharmacien",
    "codeRole",
    "codeGenreActivite",
    "numeroSiretSite",
    "numeroSirenSite",
    "numeroFinessSite",
    "numeroFinessetablissementJuridique",
    "identifiantTechniqueDeLaStructure",
    "ancienIdentifiantDeLaStructure",
    "autoriteDenregistrement",
    "raisonSocialeSite",
    "enseigneCommercialeSite",
    "numeroVoie",
    "codeTypeDeVoie",
    "libelleVoie",
    "codePostal",
    "codeCommune",
    "codeDepartement",
    "codePays",
    "telephone",
    "adresseEMail",
];

/// Interesting strings: identifiers of the right shapes, the fixture issuer and nonce, acr
/// values, booleans written as text, blanks.
const STRINGS: &[&str] = &[
    "",
    " ",
    "\t",
    "899700218896",
    "0123456789",
    "8123",
    "8",
    "0",
    "ANS20210107161422",
    "810001234567890123",
    "11000101300017",
    "110 001 013 00017",
    "eidas1",
    "eidas2",
    "eidas3",
    "eidas0-mfa",
    "https://proconnect.gouv.fr/assurance/certification-dirigeant",
    "true",
    "false",
    "VRAI",
    "faux",
    "10",
    "21",
    "agent_public",
    "a@b.fr",
    crate::PC_ISSUER,
    crate::PSC_ISSUER,
    crate::CLIENT_ID,
    crate::NONCE,
    "pwd otp mfa",
    "\u{0}",
    "é",
];

/// A claims object: named claims (and a few others) with arbitrary values.
pub fn claims(u: &mut Unstructured<'_>) -> Result<Map<String, Value>> {
    object(u, TOP_KEYS, 3)
}

fn object(u: &mut Unstructured<'_>, keys: &[&str], depth: u32) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    let n = u.int_in_range(0..=keys.len() + 2)?;
    for _ in 0..n {
        let key = if u.ratio(1, 8)? {
            String::arbitrary_take(u)?
        } else {
            u.choose(keys)?.to_string()
        };
        let value = match key.as_str() {
            "SubjectRefPro" if depth > 0 => {
                let mut r = object(u, &["codeCivilite", "exercices"], depth - 1)?;
                r.insert("exercices".into(), list(u, EXERCICE_KEYS, depth - 1)?);
                Value::Object(r)
            }
            "activities" if depth > 0 => list(u, ACTIVITY_KEYS, depth - 1)?,
            "custom" if depth > 0 => Value::Object(object(u, &["email_verified", "x"], depth - 1)?),
            _ => value(u, depth)?,
        };
        map.insert(key, value);
    }
    Ok(map)
}

fn list(u: &mut Unstructured<'_>, keys: &[&str], depth: u32) -> Result<Value> {
    let n = u.int_in_range(0..=4)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        items.push(if u.ratio(1, 6)? {
            value(u, depth)?
        } else {
            Value::Object(object(u, keys, depth)?)
        });
    }
    Ok(Value::Array(items))
}

fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    Ok(match u.int_in_range(0..=8)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(Number::from(u.arbitrary::<i64>()?)),
        3 => Value::Number(Number::from(u.arbitrary::<u64>()?)),
        4 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        5 => Value::String(String::arbitrary_take(u)?),
        6 if depth > 0 => {
            let n = u.int_in_range(0..=3)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(u, depth - 1)?);
            }
            Value::Array(items)
        }
        7 if depth > 0 => Value::Object(object(u, &["x", "y"], depth - 1)?),
        _ => Value::String(u.choose(STRINGS)?.to_string()),
    })
}

trait TakeString {
    fn arbitrary_take(u: &mut Unstructured<'_>) -> Result<String>;
}

impl TakeString for String {
    /// A short arbitrary string (bounded so that one input yields many claims).
    fn arbitrary_take(u: &mut Unstructured<'_>) -> Result<String> {
        let len = u.int_in_range(0..=24)?;
        let mut s = String::new();
        for _ in 0..len {
            s.push(u.arbitrary::<char>()?);
        }
        Ok(s)
    }
}
