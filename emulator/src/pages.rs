//! HTML pages. Every page says, first, that this is an emulator and not a real provider.

use crate::config::User;

const STYLE: &str = "body{font-family:Arial,sans-serif;max-width:46rem;margin:0 auto;padding:0 1rem 2rem}\
.banner{background:#b34000;color:#fff;padding:1rem;margin:0 -1rem 1.5rem;font-weight:bold}\
button{display:block;width:100%;text-align:left;margin:.5rem 0;padding:.75rem 1rem;font-size:1rem;\
border:1px solid #000091;background:#f5f5fe;color:#000091;cursor:pointer}button:hover{background:#e3e3fd}\
button:focus-visible{outline:2px solid #0a76f6;outline-offset:2px}.cancel{border-color:#666;background:#fff;color:#333}";

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} — émulateur</title>\
<style>{STYLE}</style></head><body><p class=\"banner\" role=\"alert\">Émulateur gouvconnect — ce n'est PAS un vrai \
fournisseur d'identité (NOT a real identity provider). Pour le développement et les tests uniquement.</p>{body}</body></html>",
        title = escape(title)
    )
}

/// One login button per test user (built once at startup).
pub fn buttons<'a>(users: impl Iterator<Item = &'a User>) -> String {
    users
        .map(|u| {
            format!(
                "<button type=\"submit\" name=\"user\" value=\"{id}\">Se connecter en tant que {label}</button>",
                id = escape(&u.id),
                label = escape(&u.label)
            )
        })
        .collect()
}

/// The login page: one form, the users' buttons, and a cancel button; for Pro Santé Connect, the
/// authentication means (a CPS card login returns `eidas2`).
pub fn login(federation: &str, client_id: &str, action: &str, buttons: &str) -> String {
    let means = if federation.starts_with("Pro Santé Connect") {
        "<fieldset><legend>Moyen d'authentification</legend>\
<label><input type=\"radio\" name=\"means\" value=\"ecps\" checked> e-CPS (application mobile)</label> \
<label><input type=\"radio\" name=\"means\" value=\"card\"> Carte CPS et lecteur (eidas2)</label></fieldset>"
    } else {
        ""
    };
    page(
        federation,
        &format!(
            "<h1>{federation}</h1><p>Le service <code>{client}</code> demande votre identité. Choisissez un utilisateur de test :</p>\
<form method=\"post\" action=\"{action}\">{means}{buttons}\
<button type=\"submit\" class=\"cancel\" name=\"cancel\" value=\"1\">Annuler et revenir au service</button></form>",
            federation = escape(federation),
            client = escape(client_id),
            action = escape(action),
        ),
    )
}

/// An error page naming a ProConnect-style code.
pub fn error(code: &str, message: &str) -> String {
    page(
        "Erreur",
        &format!(
            "<h1>Erreur {code}</h1><p>{message}</p>",
            code = escape(code),
            message = escape(message)
        ),
    )
}

pub fn logged_out() -> String {
    page(
        "Déconnexion",
        "<h1>Vous êtes bien déconnecté</h1><p>Vous pouvez fermer votre navigateur.</p>",
    )
}

pub fn index(base: &str) -> String {
    page(
        "gouvconnect-emulator",
        &format!(
            "<h1>gouvconnect-emulator</h1><ul>\
<li>ProConnect : <a href=\"{b}/api/v2/.well-known/openid-configuration\">{b}/api/v2</a></li>\
<li>Pro Santé Connect : <a href=\"{b}/auth/realms/esante-wallet/.well-known/wallet-openid-configuration\">{b}/auth/realms/esante-wallet</a></li>\
<li>FranceConnect : <a href=\"{b}/franceconnect/api/v2/.well-known/openid-configuration\">{b}/franceconnect/api/v2</a></li>\
<li>FranceConnect+ : <a href=\"{b}/franceconnect-plus/api/v2/.well-known/openid-configuration\">{b}/franceconnect-plus/api/v2</a></li></ul>",
            b = escape(base)
        ),
    )
}
