//! Authentication-level (acr) rules and the access policy applied after a login.

use serde::{Deserialize, Serialize};

use crate::claims::Identity;
use crate::error::{Error, ErrorCode, Result};
use crate::provider::ProviderKind;

/// ProConnect's certification-dirigeant assurance URI.
pub const CERTIFICATION_DIRIGEANT: &str =
    "https://proconnect.gouv.fr/assurance/certification-dirigeant";

/// ProConnect's acr values (since 2026-06-18), weakest first.
pub const PROCONNECT_ACR_VALUES: [&str; 7] = [
    "eidas0",
    "eidas0-mfa",
    "eidas1",
    "eidas1-mfa",
    "eidas2",
    "eidas3",
    CERTIFICATION_DIRIGEANT,
];

/// The ProConnect values that prove a multi-factor authentication.
pub const PROCONNECT_MFA_VALUES: [&str; 4] = ["eidas0-mfa", "eidas1-mfa", "eidas2", "eidas3"];

/// An eIDAS-style level: identity assurance (0–3) and whether MFA was performed. ProConnect's
/// levels are only partially ordered (`eidas0-mfa` is neither above nor below `eidas1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Level {
    identity: u8,
    mfa: bool,
}

fn proconnect_level(acr: &str) -> Option<Level> {
    let (identity, mfa) = match acr {
        "eidas0" => (0, false),
        "eidas0-mfa" => (0, true),
        "eidas1" => (1, false),
        "eidas1-mfa" => (1, true),
        "eidas2" => (2, true),
        "eidas3" => (3, true),
        _ => return None,
    };
    Some(Level { identity, mfa })
}

/// Whether `acr` is a value ProConnect defines.
pub fn is_known_proconnect_acr(acr: &str) -> bool {
    PROCONNECT_ACR_VALUES.contains(&acr)
}

/// The set of ProConnect acr values that satisfy a minimum `min` (and MFA when `mfa`).
/// Certification dirigeant is a role proof, not an eIDAS level: it satisfies only itself.
pub fn proconnect_accepted_values(min: Option<&str>, mfa: bool) -> Result<Vec<String>> {
    if min == Some(CERTIFICATION_DIRIGEANT) {
        return Ok(vec![CERTIFICATION_DIRIGEANT.to_string()]);
    }
    let floor = match min {
        None => Level {
            identity: 0,
            mfa: false,
        },
        Some(m) => proconnect_level(m).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidConfig,
                format!("`{m}` is not a ProConnect acr value"),
            )
        })?,
    };
    let mut values: Vec<String> = PROCONNECT_ACR_VALUES
        .iter()
        .filter_map(|v| proconnect_level(v).map(|l| (v, l)))
        .filter(|(_, l)| l.identity >= floor.identity && (l.mfa || !(floor.mfa || mfa)))
        .map(|(v, _)| v.to_string())
        .collect();
    if min.is_none() && !mfa {
        values.push(CERTIFICATION_DIRIGEANT.to_string());
    }
    Ok(values)
}

/// How much multi-factor authentication a service asks of ProConnect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaMode {
    /// No MFA request; `identity.mfa` still tells whether it happened.
    #[default]
    Off,
    /// Ask for the MFA levels as voluntary claims (`"essential": false`): an identity provider
    /// that can do MFA does it, and a login without MFA is still let in. ProConnect does not
    /// enrol the user in a second factor for a voluntary request.
    Prefer,
    /// Essential MFA levels: ProConnect makes the user pass (or enrol in) a second factor, and a
    /// login without one is refused with `mfa_required`.
    Require,
}

/// What a login must satisfy, fixed when it starts and kept in the pending login.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcrRequirement {
    /// The acr values accepted on return; `None` means any known value.
    pub accepted: Option<Vec<String>>,
    /// Whether MFA is required.
    pub mfa: bool,
    /// Whether MFA is asked for without being required (ProConnect, `mfa: prefer`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prefer_mfa: bool,
}

/// Pro Santé Connect's levels: `eidas1` for every login, `eidas2` for a CPS card (or e-CPS)
/// login since 2026-09 (ansforge/keycloak-prosanteconnect #43).
const PSC_LEVELS: [&str; 3] = ["eidas1", "eidas2", "eidas3"];

/// FranceConnect+'s levels, substantial and high (docs/franceconnect.md "eIDAS levels").
const FRANCECONNECT_PLUS_LEVELS: [&str; 2] = ["eidas2", "eidas3"];

/// The levels a minimum can be chosen from for a federation, weakest first (an admin
/// console's list): ProConnect's values; Pro Santé Connect `eidas1` and `eidas2` (a card
/// login, checked on return while `eidas1` is still asked); FranceConnect `eidas1`;
/// FranceConnect+ `eidas2` and `eidas3`.
pub fn acr_levels(kind: ProviderKind) -> &'static [&'static str] {
    match kind {
        ProviderKind::ProConnect => &PROCONNECT_ACR_VALUES,
        ProviderKind::ProSanteConnect => &PSC_LEVELS[..2],
        ProviderKind::FranceConnect => &PSC_LEVELS[..1],
        ProviderKind::FranceConnectPlus => &FRANCECONNECT_PLUS_LEVELS,
    }
}

impl AcrRequirement {
    /// The requirement for a provider given a minimum level and the MFA switch.
    pub fn for_provider(kind: ProviderKind, min: Option<&str>, mfa: bool) -> Result<Self> {
        let mode = if mfa { MfaMode::Require } else { MfaMode::Off };
        AcrRequirement::with_mode(kind, min, mode)
    }

    /// The requirement for a provider given a minimum level and an MFA mode.
    pub fn with_mode(kind: ProviderKind, min: Option<&str>, mode: MfaMode) -> Result<Self> {
        let mfa = mode == MfaMode::Require;
        match kind {
            ProviderKind::ProConnect => {
                let accepted = if min.is_none() && !mfa {
                    None
                } else {
                    Some(proconnect_accepted_values(min, mfa)?)
                };
                Ok(AcrRequirement {
                    accepted,
                    mfa,
                    prefer_mfa: mode == MfaMode::Prefer,
                })
            }
            // PSC is always asked for `eidas1`; a higher minimum ("card required") is checked
            // on return only.
            ProviderKind::ProSanteConnect => match min {
                None | Some("eidas1") => Ok(AcrRequirement {
                    accepted: None,
                    mfa,
                    prefer_mfa: false,
                }),
                Some(level @ ("eidas2" | "eidas3")) => Ok(AcrRequirement {
                    accepted: Some(
                        PSC_LEVELS
                            .iter()
                            .skip_while(|l| **l != level)
                            .map(|l| l.to_string())
                            .collect(),
                    ),
                    mfa,
                    prefer_mfa: false,
                }),
                Some(other) => Err(Error::new(
                    ErrorCode::InvalidConfig,
                    format!(
                        "Pro Santé Connect levels are `eidas1` and `eidas2` (card), not `{}`",
                        shorten(other)
                    ),
                )),
            },
            // FranceConnect is the low level only: no minimum above it, no second factor.
            ProviderKind::FranceConnect => match min {
                _ if mfa => Err(Error::new(
                    ErrorCode::InvalidConfig,
                    "FranceConnect (eidas1) has no multi-factor level: use FranceConnect+",
                )),
                None | Some("eidas1") => Ok(AcrRequirement {
                    accepted: Some(vec!["eidas1".into()]),
                    mfa: false,
                    prefer_mfa: false,
                }),
                Some(other) => Err(Error::new(
                    ErrorCode::InvalidConfig,
                    format!(
                        "FranceConnect's level is `eidas1` (`{}` needs FranceConnect+)",
                        shorten(other)
                    ),
                )),
            },
            // Both FranceConnect+ levels are multi-factor: MFA is always met.
            ProviderKind::FranceConnectPlus => match min {
                None | Some("eidas2") => Ok(AcrRequirement {
                    accepted: Some(FRANCECONNECT_PLUS_LEVELS.map(String::from).to_vec()),
                    mfa,
                    prefer_mfa: false,
                }),
                Some("eidas3") => Ok(AcrRequirement {
                    accepted: Some(vec!["eidas3".into()]),
                    mfa,
                    prefer_mfa: false,
                }),
                Some(other) => Err(Error::new(
                    ErrorCode::InvalidConfig,
                    format!(
                        "FranceConnect+ levels are `eidas2` and `eidas3`, not `{}`",
                        shorten(other)
                    ),
                )),
            },
        }
    }

    /// Checks the `acr` an id_token returned.
    pub fn check(&self, kind: ProviderKind, acr: Option<&str>) -> Result<()> {
        match kind {
            ProviderKind::ProConnect => {
                let acr = acr.ok_or_else(|| {
                    Error::new(ErrorCode::AcrInsufficient, "the id_token carries no acr")
                })?;
                if !is_known_proconnect_acr(acr) {
                    return Err(Error::new(
                        ErrorCode::UnknownAcr,
                        format!("acr `{}` is not a ProConnect value", shorten(acr)),
                    ));
                }
                if let Some(accepted) = &self.accepted {
                    if !accepted.iter().any(|a| a == acr) {
                        let code = if self.mfa && !PROCONNECT_MFA_VALUES.contains(&acr) {
                            ErrorCode::MfaRequired
                        } else {
                            ErrorCode::AcrInsufficient
                        };
                        return Err(Error::new(
                            code,
                            format!("acr `{acr}` does not meet the required level"),
                        ));
                    }
                }
                Ok(())
            }
            // PSC: a missing acr counts as eidas1; CPS and e-CPS are both two-factor means.
            ProviderKind::ProSanteConnect => {
                let acr = acr.unwrap_or("eidas1");
                if !PSC_LEVELS.contains(&acr) {
                    return Err(Error::new(
                        ErrorCode::UnknownAcr,
                        format!("acr `{}` is not a Pro Santé Connect value", shorten(acr)),
                    ));
                }
                match &self.accepted {
                    Some(accepted) if !accepted.iter().any(|a| a == acr) => Err(Error::new(
                        ErrorCode::AcrInsufficient,
                        format!("acr `{acr}` is below the required level (a CPS card login)"),
                    )),
                    _ => Ok(()),
                }
            }
            // FranceConnect(+): the id_token must carry an eIDAS level the login accepts; a
            // level FranceConnect does not define is refused as unknown.
            ProviderKind::FranceConnect | ProviderKind::FranceConnectPlus => {
                let acr = acr.ok_or_else(|| {
                    Error::new(ErrorCode::AcrInsufficient, "the id_token carries no acr")
                })?;
                if !PSC_LEVELS.contains(&acr) {
                    return Err(Error::new(
                        ErrorCode::UnknownAcr,
                        format!("acr `{}` is not an eIDAS level", shorten(acr)),
                    ));
                }
                match &self.accepted {
                    Some(accepted) if !accepted.iter().any(|a| a == acr) => Err(Error::new(
                        ErrorCode::AcrInsufficient,
                        format!(
                            "acr `{acr}` is not a level this login accepts ({})",
                            accepted.join(", ")
                        ),
                    )),
                    _ => Ok(()),
                }
            }
        }
    }
}

fn shorten(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(80).collect()
}

/// The access policy of a client: switches and optional allow-lists, applied to the identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Minimum acr (ProConnect: `eidas1`, `eidas2`, … or certification dirigeant; PSC: `eidas1`).
    pub acr: Option<String>,
    /// Multi-factor authentication: `off`, `prefer` or `require` (see [`MfaMode`]).
    pub mfa: Option<MfaMode>,
    /// The former switch, kept working: `true` is `mfa: "require"`.
    pub require_mfa: bool,
    /// Accept an email the provider explicitly marked unverified (off by default).
    pub accept_unverified_email: bool,
    /// When non-empty, only these SIRET numbers (ProConnect) are let in.
    pub allowed_sirets: Vec<String>,
    /// When non-empty, only emails of these domains are let in.
    pub allowed_email_domains: Vec<String>,
    /// When non-empty, the user must hold one of these ProConnect `roles`.
    pub allowed_roles: Vec<String>,
    /// When non-empty, the user must have an exercice with one of these PSC profession codes.
    pub allowed_profession_codes: Vec<String>,
}

impl Policy {
    /// Validates the policy for a provider.
    pub fn validate(&self, kind: ProviderKind) -> Result<()> {
        if self.require_mfa && self.mfa.is_some_and(|m| m != MfaMode::Require) {
            return Err(Error::new(
                ErrorCode::InvalidConfig,
                "`require_mfa` is the former name of `mfa: \"require\"`: set `mfa` alone",
            ));
        }
        if kind.is_franceconnect() {
            // A citizen has none of these: the list would refuse everyone.
            for (name, list) in [
                ("allowed_sirets", &self.allowed_sirets),
                ("allowed_roles", &self.allowed_roles),
                ("allowed_profession_codes", &self.allowed_profession_codes),
            ] {
                if !list.is_empty() {
                    return Err(Error::new(
                        ErrorCode::InvalidConfig,
                        format!(
                            "`{name}` does not apply to {}: citizens have none",
                            kind.display_name()
                        ),
                    ));
                }
            }
        }
        AcrRequirement::with_mode(kind, self.acr.as_deref(), self.mfa_mode()).map(|_| ())
    }

    /// The MFA mode in force (`require_mfa: true` counts as `require`).
    pub fn mfa_mode(&self) -> MfaMode {
        match self.mfa {
            Some(mode) => mode,
            None if self.require_mfa => MfaMode::Require,
            None => MfaMode::Off,
        }
    }

    /// The scopes without which a rule of this policy could not see its claim.
    pub fn required_scopes(&self, kind: ProviderKind) -> Vec<&'static str> {
        let mut scopes = Vec::new();
        match kind {
            ProviderKind::ProConnect => {
                // ProConnect tells an unverified email only inside `custom`.
                if !self.accept_unverified_email {
                    scopes.extend(["email", "custom"]);
                }
                if !self.allowed_sirets.is_empty() {
                    scopes.push("siret");
                }
                if !self.allowed_email_domains.is_empty() {
                    scopes.push("email");
                }
                if !self.allowed_roles.is_empty() {
                    scopes.push("roles");
                }
            }
            // `scope_all` carries every PSC claim (SubjectRefPro included).
            ProviderKind::ProSanteConnect => scopes.push("scope_all"),
            // No allow-list applies to citizens (see `validate`).
            ProviderKind::FranceConnect | ProviderKind::FranceConnectPlus => {}
        }
        scopes
    }

    /// Applies the email rule and the allow-lists to a normalised identity (the acr was already
    /// checked against the login's requirement).
    pub fn check_identity(&self, identity: &Identity) -> Result<()> {
        if identity.email.is_some()
            && identity.email_verified == Some(false)
            && !self.accept_unverified_email
        {
            return Err(Error::new(
                ErrorCode::EmailNotVerified,
                "the provider marked the email as not verified",
            ));
        }
        if !self.allowed_sirets.is_empty() {
            let siret = identity
                .proconnect
                .as_ref()
                .and_then(|p| p.siret.as_deref());
            if !siret.is_some_and(|s| self.allowed_sirets.iter().any(|a| a == s)) {
                return Err(Error::new(ErrorCode::AccessDenied, "SIRET not allowed"));
            }
        }
        if !self.allowed_email_domains.is_empty() {
            let domain = identity
                .email
                .as_deref()
                .and_then(|e| e.rsplit_once('@'))
                .map(|(_, d)| d.to_ascii_lowercase());
            let ok = domain.is_some_and(|d| {
                self.allowed_email_domains
                    .iter()
                    .any(|a| a.trim_start_matches('@').eq_ignore_ascii_case(&d))
            });
            if !ok {
                return Err(Error::new(
                    ErrorCode::AccessDenied,
                    "email domain not allowed",
                ));
            }
        }
        if !self.allowed_roles.is_empty() {
            let ok = identity
                .proconnect
                .as_ref()
                .is_some_and(|p| p.roles.iter().any(|r| self.allowed_roles.contains(r)));
            if !ok {
                return Err(Error::new(ErrorCode::AccessDenied, "role not allowed"));
            }
        }
        if !self.allowed_profession_codes.is_empty() {
            let ok = identity.prosanteconnect.as_ref().is_some_and(|p| {
                p.exercices.iter().any(|e| {
                    e.profession_code
                        .as_ref()
                        .is_some_and(|c| self.allowed_profession_codes.contains(c))
                })
            });
            if !ok {
                return Err(Error::new(
                    ErrorCode::AccessDenied,
                    "profession not allowed",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn franceconnect_levels() {
        let fc = ProviderKind::FranceConnect;
        let r = AcrRequirement::for_provider(fc, None, false).unwrap();
        assert!(r.check(fc, Some("eidas1")).is_ok());
        assert_eq!(
            r.check(fc, None).unwrap_err().code(),
            ErrorCode::AcrInsufficient
        );
        assert_eq!(
            r.check(fc, Some("eidas9")).unwrap_err().code(),
            ErrorCode::UnknownAcr
        );
        assert!(AcrRequirement::for_provider(fc, Some("eidas2"), false).is_err());
        assert!(AcrRequirement::for_provider(fc, None, true).is_err());
        let plus = ProviderKind::FranceConnectPlus;
        let r = AcrRequirement::for_provider(plus, None, true).unwrap();
        assert!(r.check(plus, Some("eidas2")).is_ok() && r.check(plus, Some("eidas3")).is_ok());
        assert_eq!(
            r.check(plus, Some("eidas1")).unwrap_err().code(),
            ErrorCode::AcrInsufficient
        );
        let high = AcrRequirement::for_provider(plus, Some("eidas3"), false).unwrap();
        assert_eq!(
            high.check(plus, Some("eidas2")).unwrap_err().code(),
            ErrorCode::AcrInsufficient
        );
        assert!(AcrRequirement::for_provider(plus, Some("eidas1"), false).is_err());
        assert_eq!(acr_levels(plus), ["eidas2", "eidas3"]);
        let sirets = Policy {
            allowed_sirets: vec!["11000101300017".into()],
            ..Policy::default()
        };
        assert_eq!(
            sirets.validate(fc).unwrap_err().code(),
            ErrorCode::InvalidConfig
        );
    }

    #[test]
    fn accepted_sets_follow_the_partial_order() {
        assert_eq!(
            proconnect_accepted_values(Some("eidas1"), false).unwrap(),
            vec!["eidas1", "eidas1-mfa", "eidas2", "eidas3"]
        );
        assert_eq!(
            proconnect_accepted_values(None, true).unwrap(),
            PROCONNECT_MFA_VALUES.to_vec()
        );
        assert_eq!(
            proconnect_accepted_values(Some("eidas1"), true).unwrap(),
            vec!["eidas1-mfa", "eidas2", "eidas3"]
        );
        assert_eq!(
            proconnect_accepted_values(Some(CERTIFICATION_DIRIGEANT), false).unwrap(),
            vec![CERTIFICATION_DIRIGEANT]
        );
        assert!(proconnect_accepted_values(Some("eidas9"), false).is_err());
    }

    #[test]
    fn checks() {
        let pc = ProviderKind::ProConnect;
        let req = AcrRequirement::for_provider(pc, Some("eidas2"), false).unwrap();
        assert!(req.check(pc, Some("eidas3")).is_ok());
        assert_eq!(
            req.check(pc, Some("eidas1")).unwrap_err().code(),
            ErrorCode::AcrInsufficient
        );
        assert_eq!(
            req.check(pc, Some("weird")).unwrap_err().code(),
            ErrorCode::UnknownAcr
        );
        assert_eq!(
            req.check(pc, None).unwrap_err().code(),
            ErrorCode::AcrInsufficient
        );
        let mfa = AcrRequirement::for_provider(pc, None, true).unwrap();
        assert_eq!(
            mfa.check(pc, Some("eidas1")).unwrap_err().code(),
            ErrorCode::MfaRequired
        );
        assert!(mfa.check(pc, Some("eidas1-mfa")).is_ok());
        let any = AcrRequirement::for_provider(pc, None, false).unwrap();
        assert!(any.check(pc, Some("eidas0")).is_ok());
        let psc = ProviderKind::ProSanteConnect;
        let r = AcrRequirement::for_provider(psc, Some("eidas1"), false).unwrap();
        assert!(r.check(psc, None).is_ok());
        assert_eq!(
            r.check(psc, Some("x")).unwrap_err().code(),
            ErrorCode::UnknownAcr
        );
        // "Card required": eidas2 checked on return (a missing acr is eidas1).
        let card = AcrRequirement::for_provider(psc, Some("eidas2"), false).unwrap();
        assert!(card.check(psc, Some("eidas2")).is_ok());
        assert!(card.check(psc, Some("eidas3")).is_ok());
        for weaker in [Some("eidas1"), None] {
            assert_eq!(
                card.check(psc, weaker).unwrap_err().code(),
                ErrorCode::AcrInsufficient
            );
        }
        assert!(AcrRequirement::for_provider(psc, Some("eidas0"), false).is_err());
    }

    #[test]
    fn mfa_modes() {
        let pc = ProviderKind::ProConnect;
        let prefer = AcrRequirement::with_mode(pc, None, MfaMode::Prefer).unwrap();
        assert!(prefer.prefer_mfa && !prefer.mfa && prefer.accepted.is_none());
        assert!(
            prefer.check(pc, Some("eidas1")).is_ok(),
            "prefer never refuses"
        );
        let require = AcrRequirement::with_mode(pc, None, MfaMode::Require).unwrap();
        assert_eq!(
            require.check(pc, Some("eidas1")).unwrap_err().code(),
            ErrorCode::MfaRequired
        );
        // The former switch still works and means `require`; both together must agree.
        let legacy = Policy {
            require_mfa: true,
            ..Policy::default()
        };
        assert_eq!(legacy.mfa_mode(), MfaMode::Require);
        assert!(legacy.validate(pc).is_ok());
        let conflict = Policy {
            require_mfa: true,
            mfa: Some(MfaMode::Prefer),
            ..Policy::default()
        };
        assert_eq!(
            conflict.validate(pc).unwrap_err().code(),
            ErrorCode::InvalidConfig
        );
        let parsed: Policy = serde_json::from_str(r#"{"mfa": "prefer"}"#).unwrap();
        assert_eq!(parsed.mfa_mode(), MfaMode::Prefer);
    }
}
