//! The login buttons as accessible HTML + CSS, and the error page every host can show.
//!
//! Drawn to the published guidelines (ProConnect: dark blue `#000091`, hover `#1212FF`, label
//! "S’identifier avec ProConnect" and the "Qu’est-ce que ProConnect ?" link opening a new
//! window; FranceConnect and FranceConnect+ as the État's design system draws them, with
//! FranceConnect+'s sentence above the button, docs/franceconnect.md "Buttons"). The markup is
//! not meant to be edited: hosts embed it as is.

use crate::error::ErrorCode;
use crate::provider::ProviderKind;

/// The CSS of the buttons (scoped under `.gouvconnect-*` classes).
pub const BUTTON_CSS: &str = r#".gouvconnect-group{display:inline-flex;flex-direction:column;align-items:flex-start;gap:.5rem;margin:1rem 0;font-family:Marianne,Arial,sans-serif}
.gouvconnect-group form{margin:0}
.gouvconnect-button{display:inline-flex;flex-direction:column;justify-content:center;min-width:13.375rem;min-height:3.5rem;padding:.5rem 1.5rem .5rem 4.375rem;border:0;border-radius:0;color:#fff;text-align:left;cursor:pointer;background-repeat:no-repeat;background-position:.625rem center;background-size:3rem 3rem;font:inherit;line-height:1.25}
.gouvconnect-button:focus-visible{outline:2px solid #0a76f6;outline-offset:2px}
.gouvconnect-button__login{font-size:1rem;font-weight:400}
.gouvconnect-button__brand{font-size:1.25rem;font-weight:700}
.gouvconnect-button--proconnect{background-color:#000091;background-image:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 48 48'%3E%3Cpath fill='%23fff' d='M24 4 41 14v20L24 44 7 34V14z'/%3E%3Cpath fill='%23000091' d='M18 15h8.5a7 7 0 0 1 0 14H22v5h-4zm4 4v6h4.5a3 3 0 0 0 0-6z'/%3E%3C/svg%3E")}
.gouvconnect-button--proconnect:hover{background-color:#1212ff}
.gouvconnect-button--prosanteconnect{background-color:#0b3e8a;background-image:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 48 48'%3E%3Cpath fill='%23fff' d='M24 4 41 14v20L24 44 7 34V14z'/%3E%3Crect x='16' y='22' width='16' height='12' rx='2' fill='%230b3e8a'/%3E%3Cpath d='M19 22v-4a5 5 0 0 1 10 0v4' fill='none' stroke='%230b3e8a' stroke-width='3'/%3E%3C/svg%3E")}
.gouvconnect-button--prosanteconnect:hover{background-color:#1557c0}
.gouvconnect-button--franceconnect,.gouvconnect-button--franceconnect-plus{background-color:#000091;background-image:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 48 48'%3E%3Cpath fill='%23fff' d='M24 4 41 14v20L24 44 7 34V14z'/%3E%3Cpath fill='%23000091' d='M17 16h6v16h-6z'/%3E%3Cpath fill='%23e1000f' d='M25 16h6v16h-6z'/%3E%3C/svg%3E")}
.gouvconnect-button--franceconnect:hover,.gouvconnect-button--franceconnect-plus:hover{background-color:#1212ff}
.gouvconnect-intro{margin:0;max-width:24rem;font-size:.875rem}
.gouvconnect-info{margin:0;font-size:.875rem}
.gouvconnect-info a{color:#000091}
"#;

/// The HTML of a provider's button: a form submitting to `action` (`GET`), with the optional
/// local `next` path, followed by the "what is it?" link.
///
/// ```
/// let html = gouvconnect::button_html(gouvconnect::ProviderKind::ProConnect, "/auth/login", None);
/// assert!(html.contains("S’identifier avec"));
/// ```
pub fn button_html(kind: ProviderKind, action: &str, next: Option<&str>) -> String {
    let (modifier, brand, info_url, info_label, intro) = match kind {
        ProviderKind::ProConnect => (
            "proconnect",
            "ProConnect",
            "https://www.proconnect.gouv.fr/",
            "Qu’est-ce que ProConnect ?",
            None,
        ),
        ProviderKind::ProSanteConnect => (
            "prosanteconnect",
            "Pro Santé Connect",
            "https://esante.gouv.fr/produits-services/pro-sante-connect",
            "Qu’est-ce que Pro Santé Connect ?",
            None,
        ),
        ProviderKind::FranceConnect => (
            "franceconnect",
            "FranceConnect",
            "https://franceconnect.gouv.fr/",
            "Qu’est-ce que FranceConnect ?",
            None,
        ),
        // FranceConnect+'s rules ask for its presentation sentence above the button.
        ProviderKind::FranceConnectPlus => (
            "franceconnect-plus",
            "FranceConnect+",
            "https://franceconnect.gouv.fr/france-connect-plus",
            "Qu’est-ce que FranceConnect+ ?",
            Some("FranceConnect+ est la solution proposée par l’État pour sécuriser davantage l’accès aux services en ligne les plus sensibles."),
        ),
    };
    let intro = intro
        .map(|text| format!(r#"<p class="gouvconnect-intro">{text}</p>"#))
        .unwrap_or_default();
    let hidden = next
        .map(|n| format!(r#"<input type="hidden" name="next" value="{}">"#, escape(n)))
        .unwrap_or_default();
    format!(
        concat!(
            r#"<div class="gouvconnect-group">{intro}"#,
            r#"<form method="get" action="{action}">{hidden}"#,
            r#"<button type="submit" class="gouvconnect-button gouvconnect-button--{modifier}">"#,
            r#"<span class="gouvconnect-button__login">S’identifier avec</span> "#,
            r#"<span class="gouvconnect-button__brand">{brand}</span></button></form>"#,
            r#"<p class="gouvconnect-info"><a href="{info_url}" target="_blank" rel="noopener noreferrer" "#,
            r#"title="{info_label} - nouvelle fenêtre">{info_label}</a></p></div>"#
        ),
        intro = intro,
        action = escape(action),
        hidden = hidden,
        modifier = modifier,
        brand = brand,
        info_url = info_url,
        info_label = info_label,
    )
}

/// A small, self-contained error page that names the stable code (never a token or a stack).
pub fn error_page_html(code: ErrorCode, home: &str) -> String {
    format!(
        concat!(
            "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>Erreur de connexion</title></head><body style=\"font-family:Marianne,Arial,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem\">",
            "<h1>La connexion a échoué</h1><p>{message}</p>",
            "<p>Code d’erreur : <code id=\"gouvconnect-error-code\">{code}</code></p>",
            "<p><a href=\"{home}\">Retour à l’accueil</a></p></body></html>"
        ),
        message = escape(code.user_message()),
        code = code.as_str(),
        home = escape(home),
    )
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_are_accessible_and_escaped() {
        let html = button_html(
            ProviderKind::ProConnect,
            "/auth/login?x=\"1\"",
            Some("/a<b"),
        );
        assert!(html.contains(r#"<button type="submit""#));
        assert!(html.contains("ProConnect</span>"));
        assert!(html.contains(r#"rel="noopener noreferrer""#));
        assert!(html.contains("nouvelle fenêtre"));
        assert!(html.contains("&quot;1&quot;"));
        assert!(html.contains("/a&lt;b"));
        let psc = button_html(ProviderKind::ProSanteConnect, "/auth/login", None);
        assert!(psc.contains("Pro Santé Connect"));
    }

    #[test]
    fn error_page_names_the_code() {
        let page = error_page_html(ErrorCode::NonceMismatch, "/");
        assert!(page.contains("nonce_mismatch"));
    }
}
