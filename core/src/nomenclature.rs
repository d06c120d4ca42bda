//! French labels of the codes Pro Santé Connect sends, from ANS's public NOS nomenclatures.
//!
//! The table is `core/data/nos-labels.tsv` (its header names each CodeSystem, its version, date
//! and the file it was copied from), compiled into the crate and indexed once on first use. A
//! lookup is a binary search over a sorted slice of `&'static str` borrowed from that text: no
//! allocation. A code the table does not hold has no label (`None`); the identity keeps the code.

use std::sync::OnceLock;

/// The data file, as shipped.
pub const DATA: &str = include_str!("../data/nos-labels.tsv");

/// One nomenclature of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    /// TRE_G15-ProfessionSante (`codeProfession`: `10` Médecin, `21` Pharmacien…).
    Profession,
    /// TRE_R09-CategorieProfessionnelle (`codeCategorieProfessionnelle`: `C` Civil…).
    Category,
    /// TRE_R04-TypeSavoirFaire (`codeTypeSavoirFaire`: `S` Spécialité ordinale…).
    SavoirFaireType,
    /// TRE_R38-SpecialiteOrdinale (`codeSavoirFaire` when the type is `S`: `SM54`…).
    Specialty,
    /// TRE_R23-ModeExercice (`codeModeExercice`: `L`, `S`, `B`).
    Mode,
    /// TRE_R02-SecteurActivite (`codeSecteurDactivite`: `SA07` Cabinet individuel…).
    Sector,
    /// TRE_R22-GenreActivite (`codeGenreActivite`: `GENR01`…).
    Genre,
}

impl Table {
    fn from_name(name: &str) -> Option<Table> {
        Some(match name {
            "profession" => Table::Profession,
            "category" => Table::Category,
            "savoir_faire_type" => Table::SavoirFaireType,
            "specialty" => Table::Specialty,
            "mode" => Table::Mode,
            "sector" => Table::Sector,
            "genre" => Table::Genre,
            _ => return None,
        })
    }
}

type Entry = (Table, &'static str, &'static str);

fn entries() -> &'static [Entry] {
    static INDEX: OnceLock<Vec<Entry>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut v: Vec<Entry> = DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut parts = l.splitn(3, '\t');
                let table = Table::from_name(parts.next()?)?;
                Some((table, parts.next()?, parts.next()?.trim_end()))
            })
            .collect();
        v.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        v
    })
}

/// The label of `code` in `table`, if the table holds it. Codes are matched exactly, then
/// ignoring ASCII case (the NOS code systems are case-insensitive).
pub fn label(table: Table, code: &str) -> Option<&'static str> {
    let all = entries();
    let find = |code: &str| {
        all.binary_search_by(|e| (e.0, e.1).cmp(&(table, code)))
            .ok()
            .map(|i| all[i].2)
    };
    find(code).or_else(|| {
        if code.bytes().any(|b| b.is_ascii_lowercase()) {
            find(&code.to_ascii_uppercase())
        } else {
            None
        }
    })
}

/// The label of a savoir-faire: a specialty (TRE_R38) when the type is `S`; other types'
/// code systems are not shipped, so their codes have no label.
pub fn savoir_faire_label(savoir_faire_type: Option<&str>, code: &str) -> Option<&'static str> {
    match savoir_faire_type {
        Some(t) if t.eq_ignore_ascii_case("S") => label(Table::Specialty, code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes() {
        assert_eq!(label(Table::Profession, "10"), Some("Médecin"));
        assert_eq!(label(Table::Profession, "21"), Some("Pharmacien"));
        assert_eq!(label(Table::Profession, "60"), Some("Infirmier"));
        assert_eq!(label(Table::Category, "C"), Some("Civil"));
        assert_eq!(
            label(Table::Specialty, "SM54"),
            Some("Médecine générale (SM)")
        );
        assert_eq!(
            label(Table::Specialty, "sm54"),
            Some("Médecine générale (SM)")
        );
        assert_eq!(label(Table::Sector, "SA07"), Some("Cabinet individuel"));
        assert_eq!(
            label(Table::Mode, "L"),
            Some("Libéral, indépendant, artisan, commerçant")
        );
        assert_eq!(
            label(Table::Genre, "GENR01"),
            Some("Activité de soin et de pharmacie")
        );
        assert_eq!(
            label(Table::SavoirFaireType, "S"),
            Some("Spécialité ordinale")
        );
        assert_eq!(
            savoir_faire_label(Some("S"), "SM54"),
            Some("Médecine générale (SM)")
        );
        assert_eq!(savoir_faire_label(Some("C"), "SM54"), None);
    }

    #[test]
    fn unknown_codes_have_no_label() {
        assert_eq!(label(Table::Profession, "999"), None);
        assert_eq!(label(Table::Profession, ""), None);
        assert_eq!(label(Table::Sector, "10"), None);
    }

    #[test]
    fn every_line_is_well_formed_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        let mut count = 0;
        for line in DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let parts: Vec<&str> = line.split('\t').collect();
            assert_eq!(parts.len(), 3, "{line}");
            assert!(Table::from_name(parts[0]).is_some(), "{line}");
            assert!(!parts[2].trim().is_empty(), "{line}");
            assert!(seen.insert((parts[0], parts[1])), "duplicate {line}");
            count += 1;
        }
        assert_eq!(entries().len(), count);
        // Every table named in the header has lines, and the other way round.
        for header in DATA.lines().filter(|l| l.starts_with("# @table ")) {
            let name = header.split_whitespace().nth(2).unwrap();
            let table = Table::from_name(name).unwrap();
            assert!(entries().iter().any(|e| e.0 == table), "{name}");
            assert!(
                header.contains(" date 20") && header.contains(" source "),
                "{header}"
            );
        }
    }
}
