//! FranceConnect's *identité pivot*: the citizen's civil-status claims, read into the
//! `franceconnect` section of the identity (docs/franceconnect.md "Scopes and the identité pivot").

use serde::{Deserialize, Serialize};

use crate::claim_set::C;

/// INSEE's country code for France (COG): a birth place is only given for people born there.
const FRANCE_COG: &str = "99100";

/// The identité pivot of a FranceConnect or FranceConnect+ login. Absent claims (a scope the
/// service did not ask for) are `null`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FranceConnectIdentity {
    /// Every given name, space-separated, as in the civil status (`given_name`).
    pub given_names: Option<String>,
    /// The birth name (`family_name`), in capitals.
    pub birth_name: Option<String>,
    /// The usage name (`preferred_username`, a scope of its own since v2), when set.
    pub usual_name: Option<String>,
    /// `YYYY-MM-DD`. An unknown day is sent as `01`, an unknown month and day as `01-01`: a
    /// date ending in `-01` may be presumed, not a real first of the month.
    pub birthdate: Option<String>,
    /// `male` or `female`.
    pub gender: Option<String>,
    /// INSEE code (COG) of the commune of birth; `null` for people born abroad (FranceConnect
    /// sends an empty string then).
    pub birthplace: Option<String>,
    /// INSEE code (COG) of the country of birth, `99100` for France.
    pub birthcountry: Option<String>,
    /// Whether the person was born in France (`birthcountry` is `99100`); `null` without
    /// `birthcountry`.
    pub born_in_france: Option<bool>,
}

/// Reads the identité pivot through `get` (userinfo first, then the id_token; empty strings
/// are absent; each claim is taken once). `given_name` is taken by the identity before this.
pub(crate) fn from_claims(
    get: &mut impl FnMut(C) -> Option<String>,
    given_names: Option<String>,
) -> FranceConnectIdentity {
    let birthcountry = get(C::Birthcountry);
    let born_in_france = birthcountry.as_deref().map(|c| c == FRANCE_COG);
    FranceConnectIdentity {
        given_names,
        birth_name: get(C::FamilyName),
        usual_name: get(C::PreferredUsername),
        birthdate: get(C::Birthdate),
        gender: get(C::Gender),
        // A birth place abroad would be meaningless: FranceConnect leaves it empty.
        birthplace: get(C::Birthplace).filter(|_| born_in_france != Some(false)),
        birthcountry,
        born_in_france,
    }
}

#[cfg(test)]
mod tests {
    use crate::claims::normalise;
    use crate::provider::ProviderKind;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> crate::claims::Claims {
        match v {
            serde_json::Value::Object(m) => m,
            _ => unreachable!("test claims are objects"),
        }
    }

    #[test]
    fn a_citizen_born_in_france() {
        let id = claims(json!({"sub": "a".repeat(64) + "v1", "acr": "eidas1"}));
        let ui = claims(json!({
            "sub": "a".repeat(64) + "v1", "given_name": "Angela Claire Louise",
            "family_name": "DUBOIS", "preferred_username": "", "birthdate": "1962-08-24",
            "gender": "female", "birthplace": "75107", "birthcountry": "99100",
            "email": "wossewodda-3728@yopmail.com"
        }));
        let i = normalise(ProviderKind::FranceConnect, id, ui).unwrap();
        assert_eq!(i.family_name.as_deref(), Some("DUBOIS"));
        assert_eq!(i.given_name.as_deref(), Some("Angela Claire Louise"));
        assert!(!i.mfa);
        assert!(!i.email_trusted());
        let fc = i.franceconnect.unwrap();
        assert_eq!(fc.usual_name, None);
        assert_eq!(fc.birthplace.as_deref(), Some("75107"));
        assert_eq!(fc.born_in_france, Some(true));
        assert!(i.proconnect.is_none() && i.prosanteconnect.is_none());
    }

    #[test]
    fn born_abroad_with_a_usage_name_at_the_substantial_level() {
        let id = claims(json!({"sub": "b", "acr": "eidas2"}));
        let ui = claims(json!({
            "sub": "b", "given_name": "Pierre", "family_name": "MERCIER",
            "preferred_username": "DUPONT", "birthdate": "1990-01-01", "gender": "male",
            "birthplace": "", "birthcountry": "99217"
        }));
        let i = normalise(ProviderKind::FranceConnectPlus, id, ui).unwrap();
        assert_eq!(i.family_name.as_deref(), Some("DUPONT"));
        assert!(i.mfa);
        let fc = i.franceconnect.clone().unwrap();
        assert_eq!(fc.birth_name.as_deref(), Some("MERCIER"));
        assert_eq!(fc.birthplace, None);
        assert_eq!(fc.born_in_france, Some(false));
        // The section is in the identity's JSON; the other federations' identities omit it.
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["franceconnect"]["birthcountry"], "99217");
        assert_eq!(v["provider"], "franceconnect_plus");
    }
}
