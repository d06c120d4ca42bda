//! One pass over a token's claims: the names the checks and the identity read, typed, and the
//! JSON text itself kept verbatim as the raw claims. No map of every claim is built (callgrind,
//! RS256 login: the claim maps and their conversions were ~9 % of the instructions).
//!
//! What is accepted is exactly what `serde_json::Value` accepts: every value, read or not, is
//! walked with `deserialize_any` (numbers range-checked, escapes and surrogates checked, nesting
//! limited), not `deserialize_ignored_any`, which is laxer. A repeated name counts by its last
//! value, as in a `Map`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Number, Value};

use crate::error::{Error, ErrorCode, Result};

/// A claim's value, in the shapes the checks and the identity read.
#[derive(Clone, Debug)]
pub enum Claim {
    /// A string.
    Str(String),
    /// A number.
    Num(Number),
    /// A boolean.
    Bool(bool),
    /// An array: its string items, in order (other items are dropped).
    Strs(Vec<String>),
    /// `null` or an object.
    Other,
}

impl Claim {
    /// `Value::as_str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Claim::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `Value::as_f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Claim::Num(n) => n.as_f64(),
            _ => None,
        }
    }
}

/// Defines the names an object is read for: an enum of slots and `of(name)`.
macro_rules! names {
    ($(#[$doc:meta])* $name:ident { $($slot:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        #[allow(missing_docs)]
        pub enum $name { $($slot,)* }

        impl $name {
            const COUNT: usize = 0 $(+ { let _ = $text; 1 })*;

            fn of(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$slot),)*
                    _ => None,
                }
            }
        }
    };
}

names! {
    /// Top-level claims of an id_token or a userinfo that the checks or the identity read.
    C {
        Iss = "iss", Aud = "aud", Azp = "azp", Exp = "exp", Iat = "iat", Nbf = "nbf",
        Nonce = "nonce", Sub = "sub", Acr = "acr", Amr = "amr", EmailVerified = "email_verified",
        Email = "email", GivenName = "given_name", UsualName = "usual_name",
        FamilyName = "family_name", Matricule = "chorusdt:matricule",
        Societe = "chorusdt:societe", Uid = "uid", Siret = "siret", Siren = "siren",
        OrganizationalUnit = "organizational_unit", OrganizationLabel = "organization_label",
        BelongingPopulation = "belonging_population", PhoneNumber = "phone_number",
        IdpId = "idp_id", IdpAcr = "idp_acr", Roles = "roles",
        PreferredUsername = "preferred_username", AuthMode = "authMode",
        SubjectNameId = "SubjectNameID", CodeCivilite = "codeCivilite",
        SubjectOrganization = "SubjectOrganization", Birthdate = "birthdate",
        Gender = "gender", Birthplace = "birthplace", Birthcountry = "birthcountry",
    }
}

names! {
    /// Claims of a Pro Santé Connect `SubjectRefPro.exercices[]` item.
    E {
        Profession = "codeProfession", Category = "codeCategorieProfessionnelle",
        SavoirFaireType = "codeTypeSavoirFaire", SavoirFaire = "codeSavoirFaire",
        Civility = "codeCiviliteDexercice", LastName = "nomDexercice",
        FirstName = "prenomDexercice",
    }
}

names! {
    /// Claims of a Pro Santé Connect `exercices[].activities[]` item.
    A {
        Mode = "codeModeExercice", Sector = "codeSecteurDactivite",
        PharmacistSection = "codeSectionPharmacien", Role = "codeRole",
        Genre = "codeGenreActivite", Siret = "numeroSiretSite", Siren = "numeroSirenSite",
        Finess = "numeroFinessSite", FinessLegal = "numeroFinessetablissementJuridique",
        StructureId = "identifiantTechniqueDeLaStructure",
        FormerStructureId = "ancienIdentifiantDeLaStructure",
        RegistrationAuthority = "autoriteDenregistrement", Name = "raisonSocialeSite",
        CommercialName = "enseigneCommercialeSite", StreetNumber = "numeroVoie",
        StreetType = "codeTypeDeVoie", StreetName = "libelleVoie", PostalCode = "codePostal",
        CityCode = "codeCommune", DepartmentCode = "codeDepartement", CountryCode = "codePays",
        Phone = "telephone", Email = "adresseEMail",
    }
}

/// The values of an object's read names, by slot.
#[derive(Clone, Debug)]
pub struct Values<const N: usize>([Option<Claim>; N]);

impl<const N: usize> Default for Values<N> {
    fn default() -> Self {
        Values(std::array::from_fn(|_| None))
    }
}

impl<const N: usize> Values<N> {
    fn at(&self, slot: usize) -> Option<&Claim> {
        self.0.get(slot).and_then(Option::as_ref)
    }

    fn take_at(&mut self, slot: usize) -> Option<Claim> {
        self.0.get_mut(slot).and_then(Option::take)
    }

    /// A string claim, moved out; empty (or blank) strings count as absent, numbers are read as
    /// strings.
    fn take_text_at(&mut self, slot: usize) -> Option<String> {
        let value = self.0.get_mut(slot)?;
        match value {
            Some(Claim::Str(s)) if !s.trim().is_empty() => Some(std::mem::take(s)),
            Some(Claim::Num(n)) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// The claims of an id_token or a userinfo, as read in one pass.
#[derive(Clone, Debug, Default)]
pub struct ClaimSet {
    values: Values<{ C::COUNT }>,
    /// ProConnect's `custom` (any JSON, as received).
    pub custom: Option<Value>,
    /// Pro Santé Connect's `SubjectRefPro`, when it is an object.
    pub refpro: Option<RefPro>,
}

impl ClaimSet {
    /// The claim `c`, when present (`null` included).
    pub fn get(&self, c: C) -> Option<&Claim> {
        self.values.at(c as usize)
    }

    /// The claim `c` as a string (`Value::as_str`).
    pub fn str(&self, c: C) -> Option<&str> {
        self.get(c).and_then(Claim::as_str)
    }

    /// The claim `c`, moved out.
    pub fn take(&mut self, c: C) -> Option<Claim> {
        self.values.take_at(c as usize)
    }

    /// The claim `c` as text, moved out (see [`Values`]: blank is absent, numbers are text).
    pub fn take_text(&mut self, c: C) -> Option<String> {
        self.values.take_text_at(c as usize)
    }
}

/// `SubjectRefPro`.
#[derive(Clone, Debug, Default)]
pub struct RefPro {
    /// `codeCivilite`.
    pub civility: Option<Claim>,
    /// The first 64 objects of `exercices` (empty when it is not an array).
    pub exercices: Vec<ExerciceClaims>,
}

/// One `exercices[]` object.
#[derive(Clone, Debug, Default)]
pub struct ExerciceClaims {
    values: Values<{ E::COUNT }>,
    /// The first 256 objects of `activities` (empty when it is not an array).
    pub activities: Vec<ActivityClaims>,
}

impl ExerciceClaims {
    /// See [`ClaimSet::take_text`].
    pub fn take_text(&mut self, e: E) -> Option<String> {
        self.values.take_text_at(e as usize)
    }
}

/// One `activities[]` object.
#[derive(Clone, Debug, Default)]
pub struct ActivityClaims(Values<{ A::COUNT }>);

impl ActivityClaims {
    /// See [`ClaimSet::take_text`].
    pub fn take_text(&mut self, a: A) -> Option<String> {
        self.0.take_text_at(a as usize)
    }
}

/// A token's claims: the JSON object text, verbatim, and what is read of it.
#[derive(Debug)]
pub struct TokenClaims {
    /// The claims as received (one JSON object).
    pub raw: Box<RawValue>,
    /// The read claims.
    pub set: ClaimSet,
}

impl TokenClaims {
    /// Reads a JSON object of claims; `malformed_response` ("{what} claims are not a JSON
    /// object") otherwise.
    pub fn parse(bytes: &[u8], what: &str) -> Result<TokenClaims> {
        let not_object = || {
            Error::new(
                ErrorCode::MalformedResponse,
                format!("{what} claims are not a JSON object"),
            )
        };
        // The text is copied once, then read from the copy (the read borrows nothing).
        let raw: Box<RawValue> = serde_json::from_slice(bytes).map_err(|_| not_object())?;
        let Object(set) =
            serde_json::from_str::<Object<ClaimSet>>(raw.get()).map_err(|_| not_object())?;
        Ok(TokenClaims {
            raw,
            set: set.ok_or_else(not_object)?,
        })
    }

    /// No claims (`{}`): the userinfo of a login without one.
    pub fn empty() -> TokenClaims {
        TokenClaims {
            raw: empty_object(),
            set: ClaimSet::default(),
        }
    }
}

/// `{}` as raw JSON.
pub fn empty_object() -> Box<RawValue> {
    // A constant that is valid JSON: this cannot fail.
    RawValue::from_string("{}".to_string()).unwrap_or_else(|_| unreachable!())
}

// --- serde plumbing -------------------------------------------------------------------------

/// An object of which some names are read.
trait Fields: Default {
    /// The slot of `name`, `None` for a name not read.
    fn slot(name: &str) -> Option<u8>;
    /// Reads the value of the name in `slot` (the last value of a repeated name wins).
    fn read<'de, M: MapAccess<'de>>(&mut self, slot: u8, map: &mut M) -> Result<(), M::Error>;
}

/// Slots past the named claims: the claims read in their own shape.
const CUSTOM: u8 = u8::MAX;
const REFPRO: u8 = u8::MAX - 1;
const EXERCICES: u8 = u8::MAX;
const ACTIVITIES: u8 = u8::MAX;

impl Fields for ClaimSet {
    fn slot(name: &str) -> Option<u8> {
        match C::of(name) {
            Some(c) => Some(c as u8),
            None => match name {
                "custom" => Some(CUSTOM),
                "SubjectRefPro" => Some(REFPRO),
                _ => None,
            },
        }
    }

    fn read<'de, M: MapAccess<'de>>(&mut self, slot: u8, map: &mut M) -> Result<(), M::Error> {
        match slot {
            CUSTOM => self.custom = Some(map.next_value()?),
            REFPRO => self.refpro = map.next_value::<Object<RefPro>>()?.0,
            s => self.values.0[usize::from(s)] = Some(map.next_value()?),
        }
        Ok(())
    }
}

impl Fields for RefPro {
    fn slot(name: &str) -> Option<u8> {
        match name {
            "codeCivilite" => Some(0),
            "exercices" => Some(EXERCICES),
            _ => None,
        }
    }

    fn read<'de, M: MapAccess<'de>>(&mut self, slot: u8, map: &mut M) -> Result<(), M::Error> {
        match slot {
            EXERCICES => self.exercices = map.next_value::<List<ExerciceClaims, 64>>()?.0,
            _ => self.civility = Some(map.next_value()?),
        }
        Ok(())
    }
}

impl Fields for ExerciceClaims {
    fn slot(name: &str) -> Option<u8> {
        match name {
            "activities" => Some(ACTIVITIES),
            _ => E::of(name).map(|e| e as u8),
        }
    }

    fn read<'de, M: MapAccess<'de>>(&mut self, slot: u8, map: &mut M) -> Result<(), M::Error> {
        match slot {
            ACTIVITIES => self.activities = map.next_value::<List<ActivityClaims, 256>>()?.0,
            s => self.values.0[usize::from(s)] = Some(map.next_value()?),
        }
        Ok(())
    }
}

impl Fields for ActivityClaims {
    fn slot(name: &str) -> Option<u8> {
        A::of(name).map(|a| a as u8)
    }

    fn read<'de, M: MapAccess<'de>>(&mut self, slot: u8, map: &mut M) -> Result<(), M::Error> {
        self.0 .0[usize::from(slot)] = Some(map.next_value()?);
        Ok(())
    }
}

/// Any JSON value, walked and dropped.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Skip, S::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Skip, M::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

impl<'de> Deserialize<'de> for Claim {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Claim, D::Error> {
        d.deserialize_any(ClaimVisitor)
    }
}

struct ClaimVisitor;

impl<'de> Visitor<'de> for ClaimVisitor {
    type Value = Claim;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Claim, E> {
        Ok(Claim::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Claim, E> {
        Ok(Claim::Num(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Claim, E> {
        Ok(Claim::Num(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Claim, E> {
        // As `Value`: a float without a JSON number (never from JSON text) is null.
        Ok(Number::from_f64(n).map_or(Claim::Other, Claim::Num))
    }
    fn visit_str<E>(self, s: &str) -> Result<Claim, E> {
        Ok(Claim::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Claim, E> {
        Ok(Claim::Str(s))
    }
    fn visit_unit<E>(self) -> Result<Claim, E> {
        Ok(Claim::Other)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Claim, S::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Claim>()? {
            if let Claim::Str(s) = item {
                items.push(s);
            }
        }
        Ok(Claim::Strs(items))
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Claim, M::Error> {
        SkipVisitor.visit_map(map).map(|_| Claim::Other)
    }
}

/// The slot of a name of `F`, without allocating the name.
struct Key<F>(PhantomData<F>);

impl<'de, F: Fields> DeserializeSeed<'de> for Key<F> {
    type Value = Option<u8>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<u8>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, F: Fields> Visitor<'de> for Key<F> {
    type Value = Option<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a claim name")
    }
    fn visit_str<E>(self, name: &str) -> Result<Option<u8>, E> {
        Ok(F::slot(name))
    }
}

/// `F` when the value is an object, `None` for any other value.
struct Object<F>(Option<F>);

impl<'de, F: Fields> Deserialize<'de> for Object<F> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjectVisitor(PhantomData))
    }
}

struct ObjectVisitor<F>(PhantomData<F>);

impl<'de, F: Fields> Visitor<'de> for ObjectVisitor<F> {
    type Value = Object<F>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Self::Value, S::Error> {
        SkipVisitor.visit_seq(seq).map(|_| Object(None))
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut fields = F::default();
        while let Some(slot) = map.next_key_seed(Key::<F>(PhantomData))? {
            match slot {
                Some(slot) => fields.read(slot, &mut map)?,
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(Object(Some(fields)))
    }
}

/// The first `MAX` objects of an array (other items are dropped); empty for any other value.
struct List<F, const MAX: usize>(Vec<F>);

impl<'de, F: Fields, const MAX: usize> Deserialize<'de> for List<F, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

struct ListVisitor<F, const MAX: usize>(PhantomData<F>);

impl<'de, F: Fields, const MAX: usize> Visitor<'de> for ListVisitor<F, MAX> {
    type Value = List<F, MAX>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(List(Vec::new()))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(List(Vec::new()))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(List(Vec::new()))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(List(Vec::new()))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(List(Vec::new()))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(List(Vec::new()))
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let mut items = Vec::new();
        loop {
            // Past MAX the items are still walked (the JSON must be valid), not kept.
            if items.len() < MAX {
                match seq.next_element::<Object<F>>()? {
                    Some(Object(Some(item))) => items.push(item),
                    Some(Object(None)) => {}
                    None => break,
                }
            } else if seq.next_element::<Skip>()?.is_none() {
                break;
            }
        }
        Ok(List(items))
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Self::Value, M::Error> {
        SkipVisitor.visit_map(map).map(|_| List(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TokenClaims> {
        TokenClaims::parse(text.as_bytes(), "t")
    }

    #[test]
    fn accepts_what_value_accepts() {
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        for text in [
            r#"{"x":1e400}"#,
            r#"{"x":"\ud800"}"#,
            r#"{"x":["\udc00"]}"#,
            r#"{"x":{"y":-1e999}}"#,
            deep.as_str(),
            r#"{"a":1,}"#,
            r#"[{"sub":"s"}]"#,
            r#""{}""#,
            r#"{"a":1} x"#,
            r#"{"sub":"s","n":1.5e3,"u":"\u00e9\ud83d\ude00","z":[[1,{"a":null}]]}"#,
            "  {\"a\" : [ true , false , null ] }  ",
        ] {
            let value = serde_json::from_str::<Value>(text);
            let ours = parse(text);
            assert_eq!(
                value.as_ref().is_ok_and(Value::is_object),
                ours.is_ok(),
                "{text}"
            );
            if let (Ok(v), Ok(c)) = (value, ours) {
                assert_eq!(serde_json::from_str::<Value>(c.raw.get()).unwrap(), v);
            }
        }
    }

    #[test]
    fn last_value_of_a_repeated_name_wins() {
        let mut c = parse(r#"{"sub":"a","email":"x@y","email":7,"sub":"b"}"#).unwrap();
        assert_eq!(c.set.str(C::Sub), Some("b"));
        assert_eq!(c.set.take_text(C::Email).as_deref(), Some("7"));
        let c = parse(r#"{"aud":["a",1,["b"],"c"],"SubjectRefPro":{"exercices":[1,{}]}}"#).unwrap();
        assert!(matches!(c.set.get(C::Aud), Some(Claim::Strs(v)) if v == &["a", "c"]));
        assert_eq!(c.set.refpro.unwrap().exercices.len(), 1);
    }
}
