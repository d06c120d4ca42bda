//! Registered clients and test users: built-in defaults, optionally extended by a JSON file.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::faults::Fault;
use crate::keys::Alg;

/// The federation a client or user belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Persona {
    #[serde(alias = "pro_connect")]
    ProConnect,
    #[serde(alias = "psc")]
    ProSanteConnect,
    /// FranceConnect v2 (citizens, eidas1): signed, not encrypted.
    #[serde(alias = "fc")]
    FranceConnect,
    /// FranceConnect+ (citizens, eidas2/eidas3): signed, then encrypted to the client's key.
    #[serde(rename = "franceconnect_plus", alias = "fcp")]
    FranceConnectPlus,
}

impl Persona {
    /// Every persona, in the order of `App::buttons`.
    pub const ALL: [Persona; 4] = [
        Persona::ProConnect,
        Persona::ProSanteConnect,
        Persona::FranceConnect,
        Persona::FranceConnectPlus,
    ];

    /// FranceConnect or FranceConnect+.
    pub fn is_franceconnect(self) -> bool {
        matches!(self, Persona::FranceConnect | Persona::FranceConnectPlus)
    }
}

/// How closely the ProConnect persona follows the partner documentation.
///
/// The federation's deployed code is laxer than its documentation: `nonce` is optional (any
/// length from 1), `state` has no minimum length, and unknown authorize parameters are ignored
/// since 2025-10. A statement about the real ProConnect is only made in `AsDeployed`; our own
/// hosts must pass in both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strictness {
    /// What the documentation asks: state and nonce ≥ 32 characters, any extra parameter
    /// refused with `Y000400`.
    #[default]
    DocsStrict,
    /// What the federation's code does.
    AsDeployed,
}

impl Strictness {
    pub fn parse(text: &str) -> Option<Strictness> {
        match text {
            "docs-strict" => Some(Strictness::DocsStrict),
            "as-deployed" => Some(Strictness::AsDeployed),
            _ => None,
        }
    }
}

/// A registered client.
#[derive(Clone, Debug, Deserialize)]
pub struct Client {
    pub id: String,
    /// Empty: the client cannot authenticate with a secret (a `tls_client_auth` client).
    #[serde(default)]
    pub secret: String,
    pub persona: Persona,
    #[serde(default = "default_alg")]
    pub id_token_alg: Alg,
    /// `None`: plain JSON userinfo.
    #[serde(default)]
    pub userinfo_alg: Option<Alg>,
    /// `None`: any loopback URI is accepted.
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// This client's strictness; the emulator's (`--strictness`) when absent.
    #[serde(default)]
    pub strictness: Option<Strictness>,
    /// Faults in force for this client from the start (see `faults.rs`).
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// PSC mutual TLS: the client certificate that authenticates this client at the token
    /// endpoint of the TLS listener.
    #[serde(default)]
    pub tls_client_auth: Option<TlsClientAuth>,
    /// FranceConnect+: the client's public encryption keys (a JWKS), registered inline…
    #[serde(default)]
    pub encryption_jwks: Option<Value>,
    /// …or the URL serving them, fetched at each token and userinfo answer (FranceConnect+
    /// asks its service providers for such a URL).
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// FranceConnect+: the key-management algorithm of the id_token and userinfo JWE
    /// (`RSA-OAEP` by default; also `RSA-OAEP-256`, `ECDH-ES`, `ECDH-ES+A256KW`).
    #[serde(default)]
    pub encryption_alg: Option<String>,
}

/// How a `tls_client_auth` client's certificate is recognised: by its subject CN, or by the
/// whole certificate (PEM).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsClientAuth {
    #[serde(default)]
    pub subject_cn: Option<String>,
    #[serde(default)]
    pub certificate_pem: Option<String>,
}

fn default_alg() -> Alg {
    Alg::RS256
}

/// A test user.
#[derive(Clone, Debug, Deserialize)]
pub struct User {
    pub id: String,
    pub persona: Persona,
    /// Shown on the login page.
    pub label: String,
    pub sub: String,
    /// `None`: the id_token carries no acr.
    #[serde(default)]
    pub acr: Option<String>,
    #[serde(default)]
    pub amr: Vec<String>,
    /// Identity claims (ProConnect: filtered by scope; PSC: the whole userinfo).
    #[serde(default)]
    pub claims: Map<String, Value>,
}

/// Everything the emulator serves.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Registry {
    #[serde(default)]
    pub clients: Vec<Client>,
    #[serde(default)]
    pub users: Vec<User>,
}

impl Registry {
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    pub fn user(&self, id: &str, persona: Persona) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.id == id && u.persona == persona)
    }

    /// Refuses a config that cannot work: a `tls_client_auth` without a subject or certificate,
    /// a client with no way to authenticate.
    pub fn validate(&self) -> Result<(), String> {
        for c in &self.clients {
            if c.persona == Persona::FranceConnectPlus {
                if c.encryption_jwks.is_none() && c.jwks_uri.is_none() {
                    return Err(format!(
                        "client `{}`: FranceConnect+ needs encryption_jwks or jwks_uri",
                        c.id
                    ));
                }
                let alg = c.encryption_alg.as_deref().unwrap_or("RSA-OAEP");
                if !crate::jwe::ALGS.contains(&alg) {
                    return Err(format!(
                        "client `{}`: encryption_alg must be one of {:?}",
                        c.id,
                        crate::jwe::ALGS
                    ));
                }
                if let Some(jwks) = &c.encryption_jwks {
                    if crate::jwe::pick(jwks, alg).is_none() {
                        return Err(format!(
                            "client `{}`: no key of encryption_jwks serves {alg}",
                            c.id
                        ));
                    }
                }
            }
            match &c.tls_client_auth {
                Some(tls) if tls.subject_cn.is_none() && tls.certificate_pem.is_none() => {
                    return Err(format!(
                        "client `{}`: tls_client_auth needs subject_cn or certificate_pem",
                        c.id
                    ))
                }
                None if c.secret.is_empty() => {
                    return Err(format!(
                        "client `{}` needs a secret or tls_client_auth",
                        c.id
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Adds (or replaces, by id) the clients and users of a config file.
    pub fn extend(&mut self, other: Registry) {
        for c in other.clients {
            self.clients.retain(|x| x.id != c.id);
            self.clients.push(c);
        }
        for u in other.users {
            self.users
                .retain(|x| !(x.id == u.id && x.persona == u.persona));
            self.users.push(u);
        }
    }

    /// The built-in clients and users.
    pub fn defaults() -> Registry {
        let client = |id: &str, secret: &str, persona, id_alg, ui_alg| Client {
            id: id.into(),
            secret: secret.into(),
            persona,
            id_token_alg: id_alg,
            userinfo_alg: ui_alg,
            redirect_uris: None,
            post_logout_redirect_uris: None,
            strictness: None,
            faults: Vec::new(),
            tls_client_auth: None,
            encryption_jwks: None,
            jwks_uri: None,
            encryption_alg: None,
        };
        let clients = vec![
            client(
                "demo-proconnect",
                "demo-proconnect-secret-0123456789abcdef",
                Persona::ProConnect,
                Alg::RS256,
                Some(Alg::RS256),
            ),
            client(
                "demo-proconnect-es256",
                "demo-proconnect-es256-secret-0123456789ab",
                Persona::ProConnect,
                Alg::ES256,
                Some(Alg::ES256),
            ),
            client(
                "demo-proconnect-hs256",
                "demo-proconnect-hs256-secret-0123456789abcdef",
                Persona::ProConnect,
                Alg::HS256,
                Some(Alg::HS256),
            ),
            // Always as deployed, whatever `--strictness` says: for peers that send a short
            // nonce or extra parameters (Keycloak's built-in broker, generic libraries).
            Client {
                strictness: Some(Strictness::AsDeployed),
                ..client(
                    "demo-proconnect-deployed",
                    "demo-proconnect-deployed-secret-0123456789ab",
                    Persona::ProConnect,
                    Alg::RS256,
                    Some(Alg::RS256),
                )
            },
            client(
                "demo-psc",
                "demo-psc-secret-0123456789abcdef",
                Persona::ProSanteConnect,
                Alg::RS256,
                None,
            ),
            // Mutual TLS only (no secret): a certificate made with
            // `gen-client-cert --cn demo-psc-mtls`, on the `--tls-port` listener.
            Client {
                tls_client_auth: Some(TlsClientAuth {
                    subject_cn: Some("demo-psc-mtls".into()),
                    certificate_pem: None,
                }),
                ..client(
                    "demo-psc-mtls",
                    "",
                    Persona::ProSanteConnect,
                    Alg::RS256,
                    None,
                )
            },
            client(
                "demo-franceconnect",
                "demo-franceconnect-secret-0123456789abcdef",
                Persona::FranceConnect,
                Alg::ES256,
                Some(Alg::ES256),
            ),
            // Encrypted to the checked-in demo key (keys/demo-fcp-client-enc.jwks.json, whose
            // private half the demo hosts configure): RSA-OAEP, and ECDH-ES for the second.
            Client {
                encryption_jwks: Some(demo_fcp_public_jwks()),
                encryption_alg: Some("RSA-OAEP".into()),
                ..client(
                    "demo-franceconnect-plus",
                    "demo-franceconnect-plus-secret-0123456789ab",
                    Persona::FranceConnectPlus,
                    Alg::ES256,
                    Some(Alg::ES256),
                )
            },
            Client {
                encryption_jwks: Some(demo_fcp_public_jwks()),
                encryption_alg: Some("ECDH-ES".into()),
                ..client(
                    "demo-franceconnect-plus-ecdh",
                    "demo-franceconnect-plus-ecdh-secret-0123456789",
                    Persona::FranceConnectPlus,
                    Alg::ES256,
                    Some(Alg::ES256),
                )
            },
        ];
        let mut users = proconnect_users();
        users.extend(psc_users());
        users.extend(citizen_users());
        Registry { clients, users }
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn proconnect_users() -> Vec<User> {
    let pc = |id: &str, label: &str, sub: &str, acr: &str, amr: &[&str], claims: Value| User {
        id: id.into(),
        persona: Persona::ProConnect,
        label: label.into(),
        sub: sub.into(),
        acr: Some(acr.into()),
        amr: amr.iter().map(|s| s.to_string()).collect(),
        claims: obj(claims),
    };
    let agent = json!({
        "given_name": "Alice", "usual_name": "Martin", "email": "alice.martin@interieur.gouv.fr",
        "uid": "amartin", "siret": "11000101300017", "siren": "110001013",
        "organizational_unit": "Direction du numérique", "belonging_population": "agent",
        "roles": ["agent_public", "agent_public_etat"], "organization_label": "Ministère de l'Intérieur",
        "idp_id": "71144ab3-ee1a-4401-b7b3-79b44f7daeeb", "idp_acr": "eidas1",
        "phone_number": "+33 1 23 45 67 89", "chorusdt:matricule": "0000123456", "chorusdt:societe": "1100",
        "custom": {}
    });
    let mut mfa = agent.clone();
    mfa["given_name"] = json!("Mathilde");
    mfa["usual_name"] = json!("Fontaine");
    mfa["email"] = json!("mathilde.fontaine@finances.gouv.fr");
    mfa["idp_acr"] = json!("eidas2");
    vec![
        pc(
            "agent",
            "Alice Martin (agent public, eidas1)",
            "2d3f5b1c-6a0e-4c8f-9b7d-1e2f3a4b5c6d",
            "eidas1",
            &["pwd"],
            agent.clone(),
        ),
        pc(
            "employee",
            "Bruno Durand (salarié du privé, eidas1)",
            "5e8a7c2d-3b4f-4a1e-8d9c-0f1e2d3c4b5a",
            "eidas1",
            &["pwd"],
            json!({
                "given_name": "Bruno", "usual_name": "Durand", "email": "bruno.durand@exemple-entreprise.fr",
                "uid": "bdurand", "siret": "73282932000074", "siren": "732829320", "roles": [],
                "organization_label": "Exemple Entreprise SA", "idp_id": "9c4e1b2a-7d3f-4e5a-b6c7-d8e9f0a1b2c3",
                "idp_acr": "eidas1", "custom": {}
            }),
        ),
        pc(
            "mfa",
            "Mathilde Fontaine (agent public, double authentification, eidas2)",
            "8b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e",
            "eidas2",
            &["pwd", "otp", "mfa"],
            mfa,
        ),
        pc(
            "dirigeant",
            "Denis Leroy (dirigeant certifié)",
            "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
            "https://proconnect.gouv.fr/assurance/certification-dirigeant",
            &["pwd", "mfa"],
            json!({
                "given_name": "Denis", "usual_name": "Leroy", "email": "denis.leroy@exemple-pme.fr",
                "uid": "dleroy", "siret": "73282932000074", "siren": "732829320", "roles": ["dirigeant"],
                "organization_label": "Exemple PME", "idp_id": "9c4e1b2a-7d3f-4e5a-b6c7-d8e9f0a1b2c3",
                "idp_acr": "eidas1", "custom": {}
            }),
        ),
        pc(
            "unverified",
            "Ursule Petit (courriel non vérifié par son fournisseur)",
            "6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c",
            "eidas1",
            &["pwd"],
            json!({
                "given_name": "Ursule", "usual_name": "Petit", "email": "ursule.petit@exemple-asso.fr",
                "uid": "upetit", "siret": "73282932000074", "roles": [], "idp_id": "9c4e1b2a-7d3f-4e5a-b6c7-d8e9f0a1b2c3",
                "idp_acr": "eidas1", "custom": { "email_verified": false }
            }),
        ),
        pc(
            "eidas0",
            "Éric Moreau (identité déclarative, eidas0)",
            "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
            "eidas0",
            &["pwd"],
            json!({
                "given_name": "Éric", "usual_name": "Moreau", "email": "eric.moreau@exemple.fr",
                "uid": "emoreau", "siret": "73282932000074", "roles": [], "idp_id": "00000000-0000-4000-8000-000000000001",
                "idp_acr": "eidas0", "custom": {}
            }),
        ),
    ]
}

/// An activity with every PSC field, empty unless given.
fn activity(fields: Value) -> Value {
    const NAMES: [&str; 34] = [
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
        "raisonSocialeSite",
        "enseigneCommercialeSite",
        "complementDestinataire",
        "complementPointGeographique",
        "numeroVoie",
        "indiceRepetitionVoie",
        "codeTypeDeVoie",
        "libelleVoie",
        "mentionDistribution",
        "bureauCedex",
        "codePostal",
        "codeCommune",
        "codePays",
        "codeDepartement",
        "telephone",
        "telephone2",
        "telecopie",
        "adresseEMail",
        "ancienIdentifiantDeLaStructure",
        "autoriteDenregistrement",
        "codeCivilite",
        "libelleCommune",
        "libellePays",
        "libelleDepartement",
    ];
    let mut out: Map<String, Value> = NAMES.iter().map(|n| (n.to_string(), json!(""))).collect();
    for n in [
        "codeCivilite",
        "libelleCommune",
        "libellePays",
        "libelleDepartement",
    ] {
        out.remove(n);
    }
    out.extend(obj(fields));
    Value::Object(out)
}

fn psc_user(
    id: &str,
    label: &str,
    national_id: &str,
    acr: Option<&str>,
    given: &str,
    family: &str,
    refpro: Value,
) -> User {
    let sub = format!("f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:{national_id}");
    let profession = refpro["exercices"][0]["codeProfession"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let claims = json!({
        "SubjectNameID": national_id, "preferred_username": national_id,
        "given_name": given, "family_name": family, "email_verified": false,
        "SubjectOrganization": refpro["exercices"][0]["activities"][0]["raisonSocialeSite"].clone(),
        "SubjectOrganizationID": "", "SubjectRole": [format!("{profession}^1.2.250.1.213.1.1.5.5")],
        "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4",
        "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
        "Mode_Acces_Raison": "", "Acces_Regulation_Medicale": "FAUX", "UITVersion": "1.0",
        "PSI_Locale": "1.2.250.1.213.1.3.1.1",
        "otherIds": [{ "identifiant": national_id, "origine": "RPPS", "qualite": 1 }],
        "SubjectRefPro": refpro,
    });
    User {
        id: id.into(),
        persona: Persona::ProSanteConnect,
        label: label.into(),
        sub,
        acr: acr.map(str::to_string),
        amr: Vec::new(),
        claims: obj(claims),
    }
}

fn psc_users() -> Vec<User> {
    let doctor = json!({ "codeCivilite": "M", "exercices": [
        { "codeProfession": "10", "codeCategorieProfessionnelle": "C", "codeCiviliteDexercice": "DR",
          "nomDexercice": "BERNARD", "prenomDexercice": "Paul", "codeTypeSavoirFaire": "S",
          "codeSavoirFaire": "SM54", "activities": [
            activity(json!({ "codeModeExercice": "L", "codeSecteurDactivite": "SA07", "codeGenreActivite": "GENR01",
              "raisonSocialeSite": "CABINET DU DR BERNARD", "numeroVoie": "12", "codeTypeDeVoie": "R",
              "libelleVoie": "DES LILAS", "codePostal": "75019", "codeCommune": "75119", "codeDepartement": "75" })),
            activity(json!({ "codeModeExercice": "S", "codeSecteurDactivite": "SA01", "codeGenreActivite": "GENR01",
              "numeroFinessSite": "750000001", "numeroFinessetablissementJuridique": "750000019",
              "identifiantTechniqueDeLaStructure": "R10000000000001", "raisonSocialeSite": "HOPITAL EXEMPLE",
              "numeroVoie": "20", "libelleVoie": "DE PARIS", "codePostal": "75020", "codeCommune": "75120",
              "codeDepartement": "75" })),
          ] },
        { "codeProfession": "10", "codeCategorieProfessionnelle": "C", "codeCiviliteDexercice": "DR",
          "nomDexercice": "BERNARD", "prenomDexercice": "Paul", "codeTypeSavoirFaire": "CEX",
          "codeSavoirFaire": "CEX12", "activities": [
            activity(json!({ "codeModeExercice": "S", "codeSecteurDactivite": "SA05", "numeroSiretSite": "26750045200015",
              "numeroSirenSite": "267500452", "raisonSocialeSite": "CENTRE DE SANTE EXEMPLE",
              "codePostal": "75013", "codeCommune": "75113", "codeDepartement": "75" })),
          ] },
    ]});
    let pharmacist = json!({ "codeCivilite": "MME", "exercices": [
        { "codeProfession": "21", "codeCategorieProfessionnelle": "C", "codeCiviliteDexercice": "MME",
          "nomDexercice": "LAMBERT", "prenomDexercice": "Claire", "codeTypeSavoirFaire": "",
          "codeSavoirFaire": "", "activities": [
            activity(json!({ "codeModeExercice": "L", "codeSecteurDactivite": "SA33", "codeSectionPharmacien": "A",
              "numeroSiretSite": "85249357100017", "numeroSirenSite": "852493571",
              "raisonSocialeSite": "PHARMACIE DU MARCHE", "codePostal": "69002", "codeCommune": "69382",
              "codeDepartement": "69" })),
          ] },
    ]});
    let nurse = json!({ "codeCivilite": "M", "exercices": [
        { "codeProfession": "60", "codeCategorieProfessionnelle": "C", "codeCiviliteDexercice": "M",
          "nomDexercice": "GIRARD", "prenomDexercice": "Noé", "codeTypeSavoirFaire": "",
          "codeSavoirFaire": "", "activities": [
            activity(json!({ "codeModeExercice": "L", "raisonSocialeSite": "CABINET INFIRMIER GIRARD",
              "codePostal": "33000", "codeCommune": "33063", "codeDepartement": "33" })),
          ] },
    ]});
    vec![
        psc_user(
            "doctor",
            "Dr Paul Bernard (médecin, 2 exercices, RPPS)",
            "899700218896",
            Some("eidas1"),
            "Paul",
            "BERNARD",
            doctor,
        ),
        psc_user(
            "pharmacist",
            "Claire Lambert (pharmacienne, identifiant ADELI)",
            "0691234567",
            Some("eidas1"),
            "Claire",
            "LAMBERT",
            pharmacist,
        ),
        psc_user(
            "nurse-noacr",
            "Noé Girard (infirmier, id_token sans acr)",
            "899700300012",
            None,
            "Noé",
            "GIRARD",
            nurse,
        ),
    ]
}

/// The demo FranceConnect+ client's encryption keys (test-only, public in this repository).
pub const DEMO_FCP_CLIENT_KEYS: &str = include_str!("../keys/demo-fcp-client-enc.jwks.json");

/// The public halves of `DEMO_FCP_CLIENT_KEYS`: what the client registers.
fn demo_fcp_public_jwks() -> Value {
    const PRIVATE: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];
    let mut doc: Value = serde_json::from_str(DEMO_FCP_CLIENT_KEYS).unwrap_or(Value::Null);
    if let Some(keys) = doc.get_mut("keys").and_then(Value::as_array_mut) {
        for key in keys.iter_mut().filter_map(Value::as_object_mut) {
            key.retain(|name, _| !PRIVATE.contains(&name.as_str()));
        }
    }
    doc
}

/// Citizens of FranceConnect (eidas1) and FranceConnect+ (eidas2, eidas3), with the identité
/// pivot: given names separated by spaces, birth family name, birthdate YYYY-MM-DD (presumed
/// parts as -01), gender male/female, birthplace the 5-character INSEE COG code of the commune
/// (empty when born abroad), birthcountry the COG code of the country (99100 for France).
fn citizen_users() -> Vec<User> {
    let angela = json!({
        "given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24",
        "gender": "female", "birthplace": "75107", "birthcountry": "99100",
        "email": "angela.dubois@exemple.fr", "preferred_username": "MARTIN",
    });
    let pedro = json!({
        "given_name": "Pedro", "family_name": "GARCIA LOPEZ", "birthdate": "1985-01-01",
        "gender": "male", "birthplace": "", "birthcountry": "99134",
        "email": "pedro.garcia@exemple.fr",
    });
    let corse = json!({
        "given_name": "Marie-Ange", "family_name": "SANTONI", "birthdate": "1990-03-01",
        "gender": "female", "birthplace": "2A004", "birthcountry": "99100",
        "email": "marie-ange.santoni@exemple.fr",
    });
    let user = |id: &str, persona, label: &str, sub: &str, acr: &str, claims: &Value| User {
        id: id.into(),
        persona,
        label: label.into(),
        sub: sub.into(),
        acr: Some(acr.into()),
        amr: vec!["pwd".into()],
        claims: obj(claims.clone()),
    };
    // FranceConnect's sub: 64 hexadecimal characters and a version suffix, one per service.
    let sub = |n: u8| format!("{}v1", format!("{n:02x}").repeat(32));
    vec![
        user(
            "citizen",
            Persona::FranceConnect,
            "Angela Dubois (née à Paris 7e, eidas1)",
            &sub(1),
            "eidas1",
            &angela,
        ),
        user(
            "citizen-abroad",
            Persona::FranceConnect,
            "Pedro Garcia Lopez (né en Espagne, eidas1)",
            &sub(2),
            "eidas1",
            &pedro,
        ),
        user(
            "citizen-corse",
            Persona::FranceConnect,
            "Marie-Ange Santoni (née à Ajaccio, eidas1)",
            &sub(3),
            "eidas1",
            &corse,
        ),
        user(
            "citizen",
            Persona::FranceConnectPlus,
            "Angela Dubois (eidas2, substantiel)",
            &sub(1),
            "eidas2",
            &angela,
        ),
        user(
            "citizen-high",
            Persona::FranceConnectPlus,
            "Pedro Garcia Lopez (eidas3, élevé)",
            &sub(2),
            "eidas3",
            &pedro,
        ),
    ]
}
