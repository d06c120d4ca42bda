//! Normalisation of ProConnect and Pro Santé Connect claims into one [`Identity`] (docs/architecture.md §4).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::claim_set::{
    self, ActivityClaims, Claim, ClaimSet, ExerciceClaims, TokenClaims, A, C, E,
};
use crate::error::{Error, ErrorCode, Result};
pub use crate::identite_pivot::FranceConnectIdentity;
use crate::nomenclature::{self, Table};
use crate::policy::PROCONNECT_MFA_VALUES;
use crate::provider::ProviderKind;

/// Claims as a JSON object.
pub type Claims = Map<String, Value>;

/// The normalised identity, the same JSON shape in every language. Absent values are `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// `proconnect` or `prosanteconnect`.
    pub provider: ProviderKind,
    /// The provider's subject.
    pub sub: String,
    /// Email, when the provider sends one (PSC usually does not).
    pub email: Option<String>,
    /// `true`/`false` when the provider says so; `null` when it does not (ProConnect).
    pub email_verified: Option<bool>,
    /// Given name(s).
    pub given_name: Option<String>,
    /// Family name (ProConnect: `usual_name`).
    pub family_name: Option<String>,
    /// The acr returned in the id_token.
    pub acr: Option<String>,
    /// Authentication methods, as returned.
    pub amr: Vec<String>,
    /// Whether the login is known to have used multi-factor authentication: an MFA acr
    /// (ProConnect `eidas0-mfa`, `eidas1-mfa`, `eidas2`, `eidas3`; Pro Santé Connect `eidas2`
    /// and above, a card login) or `mfa` in `amr`.
    #[serde(default)]
    pub mfa: bool,
    /// ProConnect-specific data.
    pub proconnect: Option<ProConnectIdentity>,
    /// Pro Santé Connect-specific data.
    pub prosanteconnect: Option<PscIdentity>,
    /// FranceConnect and FranceConnect+ data: the identité pivot. Absent from the JSON of
    /// the other federations' identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub franceconnect: Option<FranceConnectIdentity>,
    /// The practice the session acts for, once the user chose one of [`Identity::practices`]
    /// (or the only one): absent from the JSON until then. Mapping paths reach it as
    /// `practice.profession_code`, `practice.siret`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice: Option<Practice>,
    /// Every claim received, untouched: `{"id_token": {...}, "userinfo": {...}}`.
    pub raw: RawClaims,
}

/// The claims as received: each set is its JSON object text, verbatim (it crosses to Node and
/// Java as that text; [`RawClaims::id_token_claims`] and [`RawClaims::userinfo_claims`] read it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RawClaims {
    /// id_token claims (a JSON object).
    pub id_token: Box<RawValue>,
    /// userinfo claims (a JSON object; `{}` without a userinfo).
    pub userinfo: Box<RawValue>,
}

impl RawClaims {
    /// The id_token claims as a map.
    pub fn id_token_claims(&self) -> Result<Claims> {
        object_of(&self.id_token)
    }

    /// The userinfo claims as a map.
    pub fn userinfo_claims(&self) -> Result<Claims> {
        object_of(&self.userinfo)
    }
}

fn object_of(raw: &RawValue) -> Result<Claims> {
    serde_json::from_str(raw.get()).map_err(|_| {
        Error::new(
            ErrorCode::InvalidRequest,
            "raw claims are not a JSON object",
        )
    })
}

impl Default for RawClaims {
    fn default() -> Self {
        RawClaims {
            id_token: claim_set::empty_object(),
            userinfo: claim_set::empty_object(),
        }
    }
}

/// Equal claims, whatever the spacing or order of the texts.
impl PartialEq for RawClaims {
    fn eq(&self, other: &Self) -> bool {
        let value = |raw: &RawValue| serde_json::from_str::<Value>(raw.get()).ok();
        value(&self.id_token) == value(&other.id_token)
            && value(&self.userinfo) == value(&other.userinfo)
    }
}

/// ProConnect data of an identity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProConnectIdentity {
    /// Identifier at the identity provider.
    pub uid: Option<String>,
    /// Establishment SIRET (14 digits).
    pub siret: Option<String>,
    /// Company SIREN.
    pub siren: Option<String>,
    /// Organisational unit.
    pub organizational_unit: Option<String>,
    /// Organisation display name.
    pub organization_label: Option<String>,
    /// `agent`, `prestataire`, …
    pub belonging_population: Option<String>,
    /// Phone number (`phone` scope).
    pub phone_number: Option<String>,
    /// `agent_public`, `agent_public_etat`, …
    pub roles: Vec<String>,
    /// Chorus DT data.
    pub chorusdt: Option<ChorusDt>,
    /// Identity provider used (UUID).
    pub idp_id: Option<String>,
    /// The identity provider's raw acr.
    pub idp_acr: Option<String>,
    /// Non-canonical properties of the identity provider.
    pub custom: Claims,
}

/// Chorus DT claims.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChorusDt {
    /// `chorusdt:matricule`.
    pub matricule: Option<String>,
    /// `chorusdt:societe`.
    pub societe: Option<String>,
}

/// Kind of PSC national identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdKind {
    /// `8` + RPPS number.
    Rpps,
    /// `0` + ADELI number.
    Adeli,
    /// Anything else (structure ids, test identities).
    Other,
}

/// Pro Santé Connect data of an identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PscIdentity {
    /// `SubjectNameID` (idNat_PS).
    pub national_id: Option<String>,
    /// What `national_id` is.
    pub id_kind: IdKind,
    /// RPPS number, prefix removed.
    pub rpps: Option<String>,
    /// ADELI number, prefix removed.
    pub adeli: Option<String>,
    /// Civility code.
    pub civility: Option<String>,
    /// Organisation name (`SubjectOrganization`).
    pub organization: Option<String>,
    /// Every professional practice.
    pub exercices: Vec<Exercice>,
    /// How the professional authenticated, as the id_token's non-standard `authMode` says
    /// (`CARD` for a CPS card), when present.
    #[serde(default)]
    pub auth_mode: Option<String>,
}

/// One professional practice (`SubjectRefPro.exercices[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exercice {
    /// Profession code (TRE_G15: `10` médecin, `21` pharmacien…).
    pub profession_code: Option<String>,
    /// French label of the profession (TRE_G15-ProfessionSante), `null` for a code the
    /// shipped table does not hold (`core/data/nos-labels.tsv`, with its source and date).
    #[serde(default)]
    pub profession_label: Option<String>,
    /// Professional category code.
    pub category_code: Option<String>,
    /// Label of the category (TRE_R09-CategorieProfessionnelle: `C` Civil…).
    #[serde(default)]
    pub category_label: Option<String>,
    /// Civility of practice.
    pub civility: Option<String>,
    /// Name of practice.
    pub last_name: Option<String>,
    /// First name of practice.
    pub first_name: Option<String>,
    /// Type of expertise (`S` = specialty).
    pub savoir_faire_type: Option<String>,
    /// Label of the type (TRE_R04-TypeSavoirFaire: `S` Spécialité ordinale…).
    #[serde(default)]
    pub savoir_faire_type_label: Option<String>,
    /// Expertise code (e.g. `SM54`).
    pub savoir_faire_code: Option<String>,
    /// Label of the expertise: the specialty (TRE_R38-SpecialiteOrdinale) when the type is `S`;
    /// `null` for the other types, whose tables are not shipped.
    #[serde(default)]
    pub savoir_faire_label: Option<String>,
    /// Every situation of practice.
    pub activities: Vec<Activity>,
}

/// One situation of practice (`exercices[].activities[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// `L` libéral, `S` salarié…
    pub mode: Option<String>,
    /// Label of the mode (TRE_R23-ModeExercice).
    #[serde(default)]
    pub mode_label: Option<String>,
    /// Activity sector code.
    pub sector_code: Option<String>,
    /// Label of the sector (TRE_R02-SecteurActivite: `SA07` Cabinet individuel…).
    #[serde(default)]
    pub sector_label: Option<String>,
    /// Pharmacist section.
    pub pharmacist_section: Option<String>,
    /// Role code.
    pub role_code: Option<String>,
    /// Activity genre code.
    pub genre_code: Option<String>,
    /// Label of the genre (TRE_R22-GenreActivite).
    #[serde(default)]
    pub genre_label: Option<String>,
    /// Site SIRET.
    pub siret: Option<String>,
    /// Site SIREN.
    pub siren: Option<String>,
    /// Site FINESS.
    pub finess: Option<String>,
    /// Legal-entity FINESS.
    pub finess_legal: Option<String>,
    /// Technical structure identifier.
    pub structure_id: Option<String>,
    /// Former structure identifier.
    pub former_structure_id: Option<String>,
    /// Registration authority.
    pub registration_authority: Option<String>,
    /// Site name (`raisonSocialeSite`).
    pub name: Option<String>,
    /// Trade name (`enseigneCommercialeSite`).
    pub commercial_name: Option<String>,
    /// Street number.
    pub street_number: Option<String>,
    /// Street type code.
    pub street_type: Option<String>,
    /// Street name.
    pub street_name: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// INSEE commune code.
    pub city_code: Option<String>,
    /// Department code.
    pub department_code: Option<String>,
    /// Country code.
    pub country_code: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// One practice a health professional can act for: an exercice (profession, category,
/// savoir-faire) with one of its activities (structure), flattened into one object so that a
/// mapping path reads `practice.profession_code` or `practice.siret`. An exercice without any
/// activity is one practice whose activity fields are `null`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Practice {
    /// Stable identifier: derived from the codes and structure identifiers (never from labels
    /// or list positions), so the same practice has the same id at every login.
    pub id: String,
    /// See [`Exercice::profession_code`].
    pub profession_code: Option<String>,
    /// See [`Exercice::profession_label`].
    pub profession_label: Option<String>,
    /// See [`Exercice::category_code`].
    pub category_code: Option<String>,
    /// See [`Exercice::category_label`].
    pub category_label: Option<String>,
    /// See [`Exercice::civility`].
    pub civility: Option<String>,
    /// See [`Exercice::last_name`].
    pub last_name: Option<String>,
    /// See [`Exercice::first_name`].
    pub first_name: Option<String>,
    /// See [`Exercice::savoir_faire_type`].
    pub savoir_faire_type: Option<String>,
    /// See [`Exercice::savoir_faire_type_label`].
    pub savoir_faire_type_label: Option<String>,
    /// See [`Exercice::savoir_faire_code`].
    pub savoir_faire_code: Option<String>,
    /// See [`Exercice::savoir_faire_label`].
    pub savoir_faire_label: Option<String>,
    /// The activity (structure, mode, sector, address…).
    #[serde(flatten)]
    pub activity: Activity,
}

impl Practice {
    fn new(e: &Exercice, activity: Activity) -> Practice {
        Practice {
            id: String::new(),
            profession_code: e.profession_code.clone(),
            profession_label: e.profession_label.clone(),
            category_code: e.category_code.clone(),
            category_label: e.category_label.clone(),
            civility: e.civility.clone(),
            last_name: e.last_name.clone(),
            first_name: e.first_name.clone(),
            savoir_faire_type: e.savoir_faire_type.clone(),
            savoir_faire_type_label: e.savoir_faire_type_label.clone(),
            savoir_faire_code: e.savoir_faire_code.clone(),
            savoir_faire_label: e.savoir_faire_label.clone(),
            activity,
        }
    }

    /// The identifying codes, hashed: `p` and 16 hex digits of SHA-256.
    fn key(&self) -> String {
        let a = &self.activity;
        let parts = [
            &self.profession_code,
            &self.category_code,
            &self.savoir_faire_type,
            &self.savoir_faire_code,
            &a.mode,
            &a.sector_code,
            &a.siret,
            &a.siren,
            &a.finess,
            &a.finess_legal,
            &a.structure_id,
            &a.name,
            &a.postal_code,
        ];
        let mut text = String::new();
        for p in parts {
            text.push_str(p.as_deref().unwrap_or(""));
            text.push('\u{1f}');
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        let mut id = String::from("p");
        for b in &digest.as_ref()[..8] {
            id.push_str(&format!("{b:02x}"));
        }
        id
    }
}

impl Identity {
    /// Whether a host account may mark this email as verified: the provider said so, or —
    /// ProConnect, which sends no `email_verified` of its own — the identity provider did not
    /// mark it unverified in `custom` (the same rule as the policy's, which refuses only an
    /// explicit `false`). `false` without an email.
    pub fn email_trusted(&self) -> bool {
        self.email.is_some()
            && match self.email_verified {
                Some(verified) => verified,
                None => self.provider == ProviderKind::ProConnect,
            }
    }

    /// Every practice the professional can act for, in the provider's order: one per activity
    /// of each exercice (one for an exercice without activity). Empty for ProConnect. Ids are
    /// stable across logins; two identical practices get `-2`, `-3`… suffixes.
    pub fn practices(&self) -> Vec<Practice> {
        let Some(psc) = &self.prosanteconnect else {
            return Vec::new();
        };
        let mut out: Vec<Practice> = Vec::new();
        for e in &psc.exercices {
            if e.activities.is_empty() {
                out.push(Practice::new(e, Activity::default()));
            }
            for a in &e.activities {
                out.push(Practice::new(e, a.clone()));
            }
        }
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for p in &mut out {
            let key = p.key();
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            p.id = if *n == 1 { key } else { format!("{key}-{n}") };
        }
        out
    }

    /// This identity acting for the practice `id` (one of [`Identity::practices`]);
    /// `invalid_request` when the identity has no such practice.
    pub fn with_practice(&self, id: &str) -> Result<Identity> {
        let practice = self
            .practices()
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| Error::new(ErrorCode::InvalidRequest, "no such practice"))?;
        let mut identity = self.clone();
        identity.practice = Some(practice);
        Ok(identity)
    }

    /// This identity with its practice chosen when there is exactly one (nothing to ask);
    /// unchanged otherwise.
    pub fn with_only_practice(&self) -> Identity {
        let mut identity = self.clone();
        let mut all = self.practices();
        if all.len() == 1 {
            identity.practice = all.pop();
        }
        identity
    }
}

/// Builds the identity from id_token and userinfo claims given as maps (tests, fuzzing); a
/// login reads its claims in one pass instead ([`identity`]).
pub fn normalise(kind: ProviderKind, id_token: Claims, userinfo: Claims) -> Result<Identity> {
    let read = |claims: &Claims, what: &str| {
        let text = serde_json::to_vec(claims)
            .map_err(|_| Error::new(ErrorCode::MalformedResponse, "unserialisable claims"))?;
        TokenClaims::parse(&text, what)
    };
    identity(
        kind,
        read(&id_token, "id_token")?,
        read(&userinfo, "userinfo")?,
    )
}

/// Builds the identity from verified id_token and userinfo claims: the read values are moved
/// into it, the texts kept as its raw claims.
pub(crate) fn identity(
    kind: ProviderKind,
    id_token: TokenClaims,
    userinfo: TokenClaims,
) -> Result<Identity> {
    let (mut id, mut ui) = (id_token.set, userinfo.set);
    let sub = id
        .take_text(C::Sub)
        .ok_or_else(|| Error::new(ErrorCode::MalformedResponse, "the id_token has no `sub`"))?;
    // Identity claims come from userinfo; the id_token is a fallback (and the only source of
    // acr/amr). Each name is read once, so its value is moved, not copied.
    let mut get = |c: C| ui.take_text(c).or_else(|| id.take_text(c));
    let email = get(C::Email);
    let given_name = get(C::GivenName);
    let mut identity = Identity {
        provider: kind,
        sub,
        email,
        email_verified: None,
        given_name,
        family_name: None,
        acr: None,
        amr: Vec::new(),
        mfa: false,
        proconnect: None,
        prosanteconnect: None,
        franceconnect: None,
        practice: None,
        raw: RawClaims {
            id_token: id_token.raw,
            userinfo: userinfo.raw,
        },
    };
    match kind {
        ProviderKind::ProConnect => {
            identity.family_name = get(C::UsualName).or_else(|| get(C::FamilyName));
            let matricule = get(C::Matricule);
            let societe = get(C::Societe);
            let siret = get(C::Siret).map(|s| s.chars().filter(|c| !c.is_whitespace()).collect());
            let (uid, siren) = (get(C::Uid), get(C::Siren));
            let organizational_unit = get(C::OrganizationalUnit);
            let organization_label = get(C::OrganizationLabel);
            let belonging_population = get(C::BelongingPopulation);
            let phone_number = get(C::PhoneNumber);
            let (idp_id, idp_acr) = (get(C::IdpId), get(C::IdpAcr));
            let custom = match ui.custom.take() {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            };
            let roles = string_list(ui.take(C::Roles).or_else(|| id.take(C::Roles)));
            identity.proconnect = Some(ProConnectIdentity {
                uid,
                siret,
                siren,
                organizational_unit,
                organization_label,
                belonging_population,
                phone_number,
                roles,
                chorusdt: (matricule.is_some() || societe.is_some())
                    .then_some(ChorusDt { matricule, societe }),
                idp_id,
                idp_acr,
                custom,
            });
        }
        ProviderKind::ProSanteConnect => {
            identity.family_name = get(C::FamilyName);
            identity.prosanteconnect = Some(psc_identity(&mut ui, &mut id));
        }
        ProviderKind::FranceConnect | ProviderKind::FranceConnectPlus => {
            let pivot = crate::identite_pivot::from_claims(&mut get, identity.given_name.clone());
            // The name the person uses when they set one, else the birth name.
            identity.family_name = pivot.usual_name.clone().or(pivot.birth_name.clone());
            identity.franceconnect = Some(pivot);
        }
    }
    identity.acr = id.take_text(C::Acr);
    identity.amr = string_list(id.take(C::Amr));
    identity.email_verified = ui
        .get(C::EmailVerified)
        .or_else(|| id.get(C::EmailVerified))
        .and_then(claim_bool_like);
    if identity.email_verified.is_none() {
        // ProConnect moves unknown identity-provider claims into `custom`: an
        // `email_verified` there is the identity provider's explicit word on the email.
        if let Some(pc) = &identity.proconnect {
            identity.email_verified = pc.custom.get("email_verified").and_then(bool_like);
        }
    }
    identity.mfa = identity.amr.iter().any(|m| m == "mfa")
        || identity.acr.as_deref().is_some_and(|a| match kind {
            ProviderKind::ProConnect => PROCONNECT_MFA_VALUES.contains(&a),
            ProviderKind::ProSanteConnect | ProviderKind::FranceConnectPlus => {
                matches!(a, "eidas2" | "eidas3")
            }
            ProviderKind::FranceConnect => false,
        });
    Ok(identity)
}

fn psc_identity(userinfo: &mut ClaimSet, id_token: &mut ClaimSet) -> PscIdentity {
    let national_id = userinfo
        .take_text(C::SubjectNameId)
        .or_else(|| userinfo.take_text(C::PreferredUsername))
        .or_else(|| id_token.take_text(C::PreferredUsername));
    let (id_kind, rpps, adeli) = match national_id.as_deref() {
        Some(id) => decode_national_id(id),
        None => (IdKind::Other, None, None),
    };
    let refpro = userinfo.refpro.take().unwrap_or_default();
    let civility = refpro
        .civility
        .and_then(text)
        .or_else(|| userinfo.take_text(C::CodeCivilite));
    PscIdentity {
        national_id,
        id_kind,
        rpps,
        adeli,
        civility,
        organization: userinfo.take_text(C::SubjectOrganization),
        exercices: refpro.exercices.into_iter().map(exercice).collect(),
        auth_mode: id_token
            .take_text(C::AuthMode)
            .or_else(|| userinfo.take_text(C::AuthMode)),
    }
}

/// Decodes an idNat_PS: `8` + RPPS, `0` + ADELI, anything else `other`.
///
/// The prefix is stripped without assuming today's lengths (RPPS 11 digits, ADELI 9): the
/// registries have changed formats before. The number must still look like one (8–16 digits),
/// so short or mixed test identities (`ANS2021…`) stay `other`.
pub fn decode_national_id(id: &str) -> (IdKind, Option<String>, Option<String>) {
    let Some((&prefix, number)) = id.as_bytes().split_first() else {
        return (IdKind::Other, None, None);
    };
    let plausible = (8..=16).contains(&number.len()) && number.iter().all(u8::is_ascii_digit);
    match (prefix, plausible) {
        (b'8', true) => (IdKind::Rpps, Some(id[1..].to_string()), None),
        (b'0', true) => (IdKind::Adeli, None, Some(id[1..].to_string())),
        _ => (IdKind::Other, None, None),
    }
}

fn exercice(mut e: ExerciceClaims) -> Exercice {
    let activities = std::mem::take(&mut e.activities)
        .into_iter()
        .map(activity)
        .collect();
    let profession_code = e.take_text(E::Profession);
    let category_code = e.take_text(E::Category);
    let savoir_faire_type = e.take_text(E::SavoirFaireType);
    let savoir_faire_code = e.take_text(E::SavoirFaire);
    Exercice {
        profession_label: labelled(Table::Profession, &profession_code),
        category_label: labelled(Table::Category, &category_code),
        savoir_faire_type_label: labelled(Table::SavoirFaireType, &savoir_faire_type),
        savoir_faire_label: savoir_faire_code.as_deref().and_then(|code| {
            nomenclature::savoir_faire_label(savoir_faire_type.as_deref(), code).map(str::to_string)
        }),
        profession_code,
        category_code,
        civility: e.take_text(E::Civility),
        last_name: e.take_text(E::LastName),
        first_name: e.take_text(E::FirstName),
        savoir_faire_type,
        savoir_faire_code,
        activities,
    }
}

fn activity(mut a: ActivityClaims) -> Activity {
    let mut s = |k: A| a.take_text(k);
    let mode = s(A::Mode);
    let sector_code = s(A::Sector);
    let genre_code = s(A::Genre);
    Activity {
        mode_label: labelled(Table::Mode, &mode),
        sector_label: labelled(Table::Sector, &sector_code),
        genre_label: labelled(Table::Genre, &genre_code),
        mode,
        sector_code,
        pharmacist_section: s(A::PharmacistSection),
        role_code: s(A::Role),
        genre_code,
        siret: s(A::Siret),
        siren: s(A::Siren),
        finess: s(A::Finess),
        finess_legal: s(A::FinessLegal),
        structure_id: s(A::StructureId),
        former_structure_id: s(A::FormerStructureId),
        registration_authority: s(A::RegistrationAuthority),
        name: s(A::Name),
        commercial_name: s(A::CommercialName),
        street_number: s(A::StreetNumber),
        street_type: s(A::StreetType),
        street_name: s(A::StreetName),
        postal_code: s(A::PostalCode),
        city_code: s(A::CityCode),
        department_code: s(A::DepartmentCode),
        country_code: s(A::CountryCode),
        phone: s(A::Phone),
        email: s(A::Email),
    }
}

/// The label of a code, when there is a code and the table holds it.
fn labelled(table: Table, code: &Option<String>) -> Option<String> {
    code.as_deref()
        .and_then(|c| nomenclature::label(table, c))
        .map(str::to_string)
}

/// A string claim; empty (or blank) strings count as absent, numbers are read as strings.
fn text(claim: Claim) -> Option<String> {
    match claim {
        Claim::Str(s) if !s.trim().is_empty() => Some(s),
        Claim::Num(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string list claim: an array of strings, or a single space-separated string.
fn string_list(claim: Option<Claim>) -> Vec<String> {
    match claim {
        Some(Claim::Strs(mut items)) => {
            items.retain(|s| !s.is_empty());
            items
        }
        Some(Claim::Str(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// [`bool_like`] of a read claim.
fn claim_bool_like(claim: &Claim) -> Option<bool> {
    match claim {
        Claim::Bool(b) => Some(*b),
        Claim::Str(s) => str_bool_like(s),
        _ => None,
    }
}

fn str_bool_like(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "vrai" => Some(true),
        "false" | "faux" => Some(false),
        _ => None,
    }
}

/// A boolean claim, also as the strings `"true"`/`"false"` (and PSC's `VRAI`/`FAUX`).
fn bool_like(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => str_bool_like(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Claims {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn proconnect_usual_name_and_absent_email_verified() {
        let id = obj(json!({"sub":"u1","acr":"eidas1","amr":["pwd"]}));
        let ui = obj(
            json!({"sub":"u1","given_name":"Ana","usual_name":"Roy","email":"a@b.fr",
            "siret":"110 001 013 00017","roles":["agent_public"],"chorusdt:matricule":"M1","custom":{}}),
        );
        let i = normalise(ProviderKind::ProConnect, id, ui).unwrap();
        assert_eq!(i.family_name.as_deref(), Some("Roy"));
        assert_eq!(i.email_verified, None);
        assert!(i.email_trusted(), "ProConnect: not marked unverified");
        let mut unverified = i.clone();
        unverified.email_verified = Some(false);
        assert!(!unverified.email_trusted());
        let mut psc = i.clone();
        psc.provider = ProviderKind::ProSanteConnect;
        assert!(!psc.email_trusted(), "PSC: only when the provider says so");
        psc.email = None;
        psc.email_verified = Some(true);
        assert!(!psc.email_trusted(), "no email, nothing to trust");
        let pc = i.proconnect.unwrap();
        assert_eq!(pc.siret.as_deref(), Some("11000101300017"));
        assert_eq!(pc.roles, vec!["agent_public"]);
        assert_eq!(pc.chorusdt.unwrap().matricule.as_deref(), Some("M1"));
        assert!(i.prosanteconnect.is_none());
    }

    #[test]
    fn psc_nested_claims_and_empty_strings() {
        let id = obj(json!({"sub":"f:x:899700218896"}));
        let ui = obj(
            json!({"SubjectNameID":"899700218896","family_name":"NOM","given_name":"",
            "email_verified": false, "unknown": {"x": 1},
            "SubjectRefPro":{"codeCivilite":"M","exercices":[{"codeProfession":"10","codeSavoirFaire":"",
              "activities":[{"codeModeExercice":"L","numeroSiretSite":"","raisonSocialeSite":"CAB"},{"numeroFinessSite":"750000001"}]}]}}),
        );
        let i = normalise(ProviderKind::ProSanteConnect, id, ui).unwrap();
        assert_eq!(i.given_name, None);
        let p = i.prosanteconnect.unwrap();
        assert_eq!(p.id_kind, IdKind::Rpps);
        assert_eq!(p.rpps.as_deref(), Some("99700218896"));
        assert_eq!(p.exercices[0].profession_code.as_deref(), Some("10"));
        assert_eq!(p.exercices[0].savoir_faire_code, None);
        assert_eq!(p.exercices[0].activities.len(), 2);
        assert_eq!(p.exercices[0].activities[0].siret, None);
        assert_eq!(
            p.exercices[0].activities[1].finess.as_deref(),
            Some("750000001")
        );
    }

    fn two_exercices() -> Identity {
        let id = obj(json!({"sub":"f:x:899700218896"}));
        let ui = obj(
            json!({"SubjectNameID":"899700218896","SubjectRefPro":{"exercices":[
            {"codeProfession":"10","codeCategorieProfessionnelle":"C","codeTypeSavoirFaire":"S",
             "codeSavoirFaire":"SM54","activities":[
                {"codeModeExercice":"L","codeSecteurDactivite":"SA07","codeGenreActivite":"GENR01",
                 "raisonSocialeSite":"CABINET","codePostal":"75019"},
                {"codeModeExercice":"S","codeSecteurDactivite":"SA01","numeroFinessSite":"750000001",
                 "raisonSocialeSite":"HOPITAL","codePostal":"75020"}]},
            {"codeProfession":"999","codeCategorieProfessionnelle":"Z","codeTypeSavoirFaire":"C",
             "codeSavoirFaire":"SM54","activities":[]}]}}),
        );
        normalise(ProviderKind::ProSanteConnect, id, ui).unwrap()
    }

    #[test]
    fn psc_codes_get_their_labels_unknown_ones_null() {
        let i = two_exercices();
        let p = i.prosanteconnect.as_ref().unwrap();
        let e = &p.exercices[0];
        assert_eq!(e.profession_label.as_deref(), Some("Médecin"));
        assert_eq!(e.category_label.as_deref(), Some("Civil"));
        assert_eq!(
            e.savoir_faire_type_label.as_deref(),
            Some("Spécialité ordinale")
        );
        assert_eq!(
            e.savoir_faire_label.as_deref(),
            Some("Médecine générale (SM)")
        );
        let a = &e.activities[0];
        assert_eq!(
            a.mode_label.as_deref(),
            Some("Libéral, indépendant, artisan, commerçant")
        );
        assert_eq!(a.sector_label.as_deref(), Some("Cabinet individuel"));
        assert_eq!(
            a.genre_label.as_deref(),
            Some("Activité de soin et de pharmacie")
        );
        assert_eq!(
            e.activities[1].sector_label.as_deref(),
            Some("Etablissement public de santé")
        );
        assert_eq!(e.activities[1].genre_label, None);
        let unknown = &p.exercices[1];
        assert_eq!(unknown.profession_code.as_deref(), Some("999"));
        assert_eq!(unknown.profession_label, None);
        assert_eq!(unknown.category_label, None);
        assert_eq!(
            unknown.savoir_faire_type_label.as_deref(),
            Some("Compétence")
        );
        // SM54 is a specialty code, but this exercice says its type is a competence.
        assert_eq!(unknown.savoir_faire_label, None);
        // Labels are serialised next to the codes; an identity without them still reads.
        let json = serde_json::to_value(&i).unwrap();
        assert_eq!(
            json["prosanteconnect"]["exercices"][0]["profession_label"],
            "Médecin"
        );
        assert!(json.get("practice").is_none());
        let mut old = json.clone();
        old["prosanteconnect"]["exercices"][0]
            .as_object_mut()
            .unwrap()
            .remove("profession_label");
        let back: Identity = serde_json::from_value(old).unwrap();
        assert_eq!(
            back.prosanteconnect.unwrap().exercices[0].profession_label,
            None
        );
    }

    #[test]
    fn practices_have_stable_ids_and_one_can_be_chosen() {
        let i = two_exercices();
        let all = i.practices();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].activity.name.as_deref(), Some("CABINET"));
        assert_eq!(all[1].activity.name.as_deref(), Some("HOPITAL"));
        assert_eq!(all[2].profession_code.as_deref(), Some("999"));
        assert_eq!(all[2].activity, Activity::default());
        let ids: std::collections::BTreeSet<_> = all.iter().map(|p| p.id.clone()).collect();
        assert_eq!(ids.len(), 3);
        assert!(all
            .iter()
            .all(|p| p.id.len() == 17 && p.id.starts_with('p')));
        // The same practice, at another login with the exercices in another order: same id.
        let mut reordered = i.clone();
        reordered
            .prosanteconnect
            .as_mut()
            .unwrap()
            .exercices
            .reverse();
        assert_eq!(reordered.practices()[1].id, all[0].id);

        let chosen = i.with_practice(&all[1].id).unwrap();
        let p = chosen.practice.as_ref().unwrap();
        assert_eq!(p.profession_label.as_deref(), Some("Médecin"));
        assert_eq!(p.activity.finess.as_deref(), Some("750000001"));
        let json = serde_json::to_value(&chosen).unwrap();
        assert_eq!(json["practice"]["profession_code"], "10");
        assert_eq!(json["practice"]["finess"], "750000001");
        assert_eq!(json["practice"]["id"], all[1].id.as_str());
        let back: Identity = serde_json::from_value(json).unwrap();
        assert_eq!(back, chosen);
        assert_eq!(
            i.with_practice("p0000").unwrap_err().code(),
            ErrorCode::InvalidRequest
        );
        assert_eq!(i.with_only_practice().practice, None);
    }

    #[test]
    fn a_single_practice_is_chosen_without_asking() {
        let id = obj(json!({"sub":"s"}));
        let ui = obj(json!({"SubjectRefPro":{"exercices":[{"codeProfession":"60",
            "activities":[{"raisonSocialeSite":"CABINET"}]}]}}));
        let i = normalise(ProviderKind::ProSanteConnect, id, ui).unwrap();
        let one = i.with_only_practice();
        assert_eq!(
            one.practice.unwrap().profession_label.as_deref(),
            Some("Infirmier")
        );
        let pc = normalise(
            ProviderKind::ProConnect,
            obj(json!({"sub":"u"})),
            Map::new(),
        )
        .unwrap();
        assert!(pc.practices().is_empty());
        assert_eq!(pc.with_only_practice().practice, None);
    }

    #[test]
    fn national_ids() {
        assert_eq!(decode_national_id("0123456789").0, IdKind::Adeli);
        assert_eq!(
            decode_national_id("0123456789").2.as_deref(),
            Some("123456789")
        );
        assert_eq!(decode_national_id("ANS20210107161422").0, IdKind::Other);
        assert_eq!(decode_national_id("8123").0, IdKind::Other);
        assert_eq!(
            decode_national_id("81234567890").1.as_deref(),
            Some("1234567890")
        );
        assert_eq!(decode_national_id("8").0, IdKind::Other);
        assert_eq!(decode_national_id("").0, IdKind::Other);
    }

    #[test]
    fn missing_sub_is_an_error() {
        let err = normalise(ProviderKind::ProConnect, Map::new(), Map::new()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MalformedResponse);
    }
}
