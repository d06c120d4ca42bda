//! What ProConnect accepts as hints: `login_hint` must be an email address (ProConnect shows its
//! email page otherwise), `siret_hint` 14 digits.

/// Whether `s` has the shape of an email address (ProConnect's `login_hint`).
pub(crate) fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Whether `s` is a SIRET: 14 ASCII digits.
pub(crate) fn is_siret(s: &str) -> bool {
    s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit())
}
