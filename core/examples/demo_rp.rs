//! A minimal relying party for `make demo`: ProConnect and Pro Santé Connect login against the
//! emulator (or any issuer), using the core's `http` feature.
//!
//! `cargo run -p gouvconnect --features http --example demo_rp -- EMULATOR_URL PORT`
//!
//! Sessions live in memory: this is a demonstration, not a template for production.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use gouvconnect::http::HttpClient;
use gouvconnect::{button_html, error_page_html, escape_html as escape, BUTTON_CSS};
use gouvconnect::{ClientConfig, Error, LoginOptions, PendingLogin, PendingLogout, ProviderKind};

#[derive(Default)]
struct Session {
    pending: Option<(ProviderKind, PendingLogin)>,
    login: Option<(ProviderKind, gouvconnect::Login)>,
    logout: Option<(ProviderKind, PendingLogout)>,
}

struct App {
    clients: HashMap<ProviderKind, HttpClient>,
    sessions: Mutex<HashMap<String, Session>>,
}

type Shared = Arc<App>;

const COOKIE: &str = "gouvconnect_demo";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let emulator = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:4000".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8000);
    let base = format!("http://127.0.0.1:{port}");
    let mut clients = HashMap::new();
    for (kind, issuer, id, secret) in [
        (
            ProviderKind::ProConnect,
            format!("{emulator}/api/v2"),
            "demo-proconnect",
            "demo-proconnect-secret-0123456789abcdef",
        ),
        (
            ProviderKind::ProSanteConnect,
            format!("{emulator}/auth/realms/esante-wallet"),
            "demo-psc",
            "demo-psc-secret-0123456789abcdef",
        ),
        (
            ProviderKind::FranceConnect,
            format!("{emulator}/franceconnect/api/v2"),
            "demo-franceconnect",
            "demo-franceconnect-secret-0123456789abcdef",
        ),
        (
            ProviderKind::FranceConnectPlus,
            format!("{emulator}/franceconnect-plus/api/v2"),
            "demo-franceconnect-plus",
            "demo-franceconnect-plus-secret-0123456789ab",
        ),
    ] {
        let mut config = ClientConfig::new(
            kind,
            id,
            secret,
            format!("{base}/auth/{}/callback", kind.as_str()),
        );
        config.issuer = Some(issuer);
        if kind == ProviderKind::FranceConnectPlus {
            // The emulator encrypts this client's tokens to the checked-in demo keys.
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../emulator/keys/demo-fcp-client-enc.jwks.json"
            );
            match std::fs::read_to_string(path) {
                Ok(keys) => config.decryption_keys = Some(gouvconnect::Secret::new(keys)),
                Err(e) => {
                    eprintln!("cannot read the demo FranceConnect+ keys {path}: {e}");
                    std::process::exit(1);
                }
            }
        }
        config.post_logout_redirect_uri = Some(format!("{base}/auth/logout/callback"));
        match HttpClient::connect(config).await {
            Ok(client) => {
                clients.insert(kind, client);
            }
            Err(e) => {
                eprintln!("cannot set up {}: {e}", kind.display_name());
                std::process::exit(1);
            }
        }
    }
    let app = Arc::new(App {
        clients,
        sessions: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/", get(home))
        .route("/me", get(me))
        .route("/auth/{provider}/login", get(login))
        .route("/auth/{provider}/callback", get(callback))
        .route("/auth/logout", post(logout))
        .route("/auth/logout/callback", get(logout_callback))
        .with_state(app);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    println!("demo relying party listening on {base}");
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("server error: {e}");
    }
}

fn provider(name: &str) -> Option<ProviderKind> {
    ProviderKind::parse(name).ok()
}

/// The session id from the cookie, or a new one.
fn session_id(headers: &HeaderMap) -> (String, bool) {
    let existing = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
        .next();
    match existing {
        Some(id) => (id, false),
        None => (gouvconnect::random_token(32).unwrap_or_default(), true),
    }
}

fn with_cookie(mut response: Response, id: &str, new: bool) -> Response {
    if new {
        if let Ok(v) = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax").parse() {
            response.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    response
}

fn error_page(e: &Error) -> Response {
    eprintln!("login failed: {}", e.code());
    let status = StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Html(error_page_html(e.code(), "/"))).into_response()
}

async fn home(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let (id, _) = session_id(&headers);
    let who = app.sessions.lock().ok().and_then(|s| {
        s.get(&id).and_then(|s| s.login.as_ref()).map(|(_, l)| {
            (
                identity_card(&l.identity),
                serde_json::to_string_pretty(&l.identity).unwrap_or_default(),
            )
        })
    });
    let body = match who {
        Some((card, json)) => format!(
            "{card}<form method=\"post\" action=\"/auth/logout\"><button>Se déconnecter</button></form>\
             <h2>Identité normalisée (<a href=\"/me\">/me</a>)</h2><pre>{}</pre>",
            escape(&json)
        ),
        None => [
            ProviderKind::ProConnect,
            ProviderKind::ProSanteConnect,
            ProviderKind::FranceConnect,
            ProviderKind::FranceConnectPlus,
        ]
        .into_iter()
        .map(|kind| button_html(kind, &format!("/auth/{}/login", kind.as_str()), None))
        .collect::<String>(),
    };
    Html(format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>gouvconnect demo</title>\
         <style>{BUTTON_CSS}body{{font-family:Arial,sans-serif;max-width:50rem;margin:2rem auto}}{CARD_CSS}</style></head>\
         <body><h1>gouvconnect — démonstration</h1>{body}</body></html>"
    ))
    .into_response()
}

const CARD_CSS: &str = ".identity{border:1px solid #ddd;border-left:4px solid #000091;padding:1rem 1.5rem;margin:1rem 0}\
.identity h2{margin:0 0 .75rem}.identity dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}\
.identity dt{font-weight:bold}.identity dd{margin:0}.identity ul{margin:.3rem 0;padding-left:1.2rem}\
.identity li{margin:.3rem 0}.code{color:#666;font-size:.85em}\
pre{background:#f6f6f6;padding:1rem;overflow:auto;font-size:.8rem}";

/// `label (code)`, escaped: the French label when the core knows it, the raw code otherwise.
fn labelled(label: &Option<String>, code: &Option<String>) -> Option<String> {
    match (label, code) {
        (Some(l), Some(c)) => Some(format!(
            "{} <span class=\"code\">({})</span>",
            escape(l),
            escape(c)
        )),
        (Some(l), None) => Some(escape(l)),
        (None, Some(c)) => Some(format!("<span class=\"code\">{}</span>", escape(c))),
        (None, None) => None,
    }
}

/// A readable summary of the identity, shown above the raw JSON. Every value is escaped.
fn identity_card(identity: &gouvconnect::Identity) -> String {
    let name = [&identity.given_name, &identity.family_name]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let name = if name.is_empty() {
        identity.sub.clone()
    } else {
        name
    };
    let mut rows: Vec<(&str, String)> =
        vec![("Fournisseur", escape(identity.provider.display_name()))];
    if let Some(email) = &identity.email {
        rows.push(("Courriel", escape(email)));
    }
    if let Some(pc) = &identity.proconnect {
        let org = match (&pc.organization_label, &pc.siret) {
            (Some(l), Some(s)) => format!("{} — SIRET {}", escape(l), escape(s)),
            (Some(l), None) => escape(l),
            (None, Some(s)) => format!("SIRET {}", escape(s)),
            (None, None) => "—".into(),
        };
        rows.push(("Organisation", org));
        if let Some(unit) = &pc.organizational_unit {
            rows.push(("Service", escape(unit)));
        }
    }
    if let Some(psc) = &identity.prosanteconnect {
        if let Some(national_id) = &psc.national_id {
            rows.push(("Identifiant national", escape(national_id)));
        }
    }
    if let Some(fc) = &identity.franceconnect {
        let born = [
            fc.birthdate.as_deref().map(escape),
            match (fc.born_in_france, &fc.birthplace) {
                (Some(true), Some(place)) => Some(format!("commune INSEE {}", escape(place))),
                (Some(false), _) => fc
                    .birthcountry
                    .as_deref()
                    .map(|c| format!("à l'étranger (pays INSEE {})", escape(c))),
                _ => None,
            },
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        if let Some(name) = &fc.birth_name {
            rows.push(("Nom de naissance", escape(name)));
        }
        rows.push(("Naissance", if born.is_empty() { "—".into() } else { born }));
    }
    rows.push((
        "Niveau (acr)",
        identity.acr.as_deref().map_or("—".into(), escape),
    ));
    rows.push((
        "Double authentification",
        (if identity.mfa { "oui" } else { "non" }).into(),
    ));
    if let Some(psc) = &identity.prosanteconnect {
        rows.push((
            "Mode d'authentification",
            match psc.auth_mode.as_deref() {
                Some("CARD") => "carte CPS <span class=\"code\">(CARD)</span>".into(),
                Some(mode) => escape(mode),
                None => "—".into(),
            },
        ));
    }
    let mut html = format!(
        "<section class=\"identity\" aria-label=\"Identité\"><h2>{}</h2><dl>",
        escape(&name)
    );
    for (term, value) in rows {
        html.push_str(&format!("<dt>{term}</dt><dd>{value}</dd>"));
    }
    html.push_str("</dl>");
    let practices = identity.practices();
    if !practices.is_empty() {
        html.push_str("<h3>Exercices</h3><ul class=\"practices\">");
        for p in &practices {
            let a = &p.activity;
            let mut parts: Vec<String> = Vec::new();
            parts.push(format!(
                "<strong>{}</strong>",
                labelled(&p.profession_label, &p.profession_code).unwrap_or("—".into())
            ));
            // The specialty's label; for the types whose tables are not shipped, the type's.
            let savoir_faire = p
                .savoir_faire_label
                .clone()
                .or_else(|| p.savoir_faire_type_label.clone());
            if let Some(sf) = labelled(&savoir_faire, &p.savoir_faire_code) {
                parts.push(sf);
            }
            let place = [&a.name, &a.postal_code]
                .into_iter()
                .flatten()
                .map(|s| escape(s))
                .collect::<Vec<_>>()
                .join(", ");
            if !place.is_empty() {
                parts.push(place);
            }
            let chosen = identity.practice.as_ref().is_some_and(|c| c.id == p.id);
            html.push_str(&format!(
                "<li>{}{}</li>",
                parts.join(" — "),
                if chosen { " (exercice choisi)" } else { "" }
            ));
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
    html
}

async fn me(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let (id, _) = session_id(&headers);
    let identity = app.sessions.lock().ok().and_then(|s| {
        s.get(&id)
            .and_then(|s| s.login.as_ref())
            .and_then(|(_, l)| serde_json::to_value(&l.identity).ok())
    });
    match identity {
        Some(v) => axum::Json(v).into_response(),
        None => (StatusCode::UNAUTHORIZED, "not logged in").into_response(),
    }
}

async fn login(
    State(app): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(kind) = provider(&name) else {
        return (StatusCode::NOT_FOUND, "unknown provider").into_response();
    };
    let Some(client) = app.clients.get(&kind) else {
        return (StatusCode::NOT_FOUND, "unknown provider").into_response();
    };
    let request = match client.client().begin_login(&LoginOptions::default()) {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let (id, new) = session_id(&headers);
    if let Ok(mut sessions) = app.sessions.lock() {
        sessions.entry(id.clone()).or_default().pending = Some((kind, request.pending));
    }
    with_cookie(Redirect::to(&request.url).into_response(), &id, new)
}

async fn callback(
    State(app): State<Shared>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (Some(kind), (id, _)) = (provider(&name), session_id(&headers)) else {
        return (StatusCode::NOT_FOUND, "unknown provider").into_response();
    };
    // The pending login is single use: taken out of the session before anything else.
    let pending = app
        .sessions
        .lock()
        .ok()
        .and_then(|mut s| s.get_mut(&id).and_then(|s| s.pending.take()));
    let (Some((pending_kind, pending)), Some(client)) = (pending, app.clients.get(&kind)) else {
        return error_page(&Error::new(
            gouvconnect::ErrorCode::NoPendingLogin,
            "no login in progress",
        ));
    };
    if pending_kind != kind {
        return error_page(&Error::new(
            gouvconnect::ErrorCode::NoPendingLogin,
            "login started with another provider",
        ));
    }
    match client
        .complete_login(&pending, query.as_deref().unwrap_or(""))
        .await
    {
        Ok(login) => {
            if let Ok(mut sessions) = app.sessions.lock() {
                sessions.entry(id).or_default().login = Some((kind, login));
            }
            Redirect::to("/").into_response()
        }
        Err(e) => error_page(&e),
    }
}

async fn logout(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let (id, _) = session_id(&headers);
    let login = app
        .sessions
        .lock()
        .ok()
        .and_then(|mut s| s.get_mut(&id).and_then(|s| s.login.take()));
    let Some((kind, login)) = login else {
        return Redirect::to("/").into_response();
    };
    let Some(client) = app.clients.get(&kind) else {
        return Redirect::to("/").into_response();
    };
    match client.client().logout_request(Some(&login.id_token)) {
        Ok(Some(request)) => {
            if let Ok(mut sessions) = app.sessions.lock() {
                sessions.entry(id).or_default().logout = Some((kind, request.pending));
            }
            Redirect::to(&request.url).into_response()
        }
        Ok(None) => Redirect::to("/").into_response(),
        Err(e) => error_page(&e),
    }
}

async fn logout_callback(
    State(app): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (id, _) = session_id(&headers);
    let pending = app
        .sessions
        .lock()
        .ok()
        .and_then(|mut s| s.get_mut(&id).and_then(|s| s.logout.take()));
    let Some((kind, pending)) = pending else {
        return error_page(&Error::new(
            gouvconnect::ErrorCode::LogoutStateMismatch,
            "no logout in progress",
        ));
    };
    let result = app.clients.get(&kind).map(|c| {
        c.client()
            .verify_logout_callback(&pending, query.as_deref().unwrap_or(""))
    });
    match result {
        Some(Ok(())) => {
            if let Ok(mut sessions) = app.sessions.lock() {
                sessions.remove(&id);
            }
            Redirect::to("/").into_response()
        }
        Some(Err(e)) => error_page(&e),
        None => Redirect::to("/").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::identity_card;
    use serde_json::json;

    fn identity(v: serde_json::Value) -> gouvconnect::Identity {
        let mut base = json!({
            "sub": "s", "email": null, "email_verified": null, "given_name": "Alice",
            "family_name": "Martin", "acr": "eidas1", "amr": [], "mfa": false,
            "proconnect": null, "prosanteconnect": null,
            "raw": {"id_token": {}, "userinfo": {}}
        });
        for (k, val) in v.as_object().unwrap() {
            base[k] = val.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn proconnect_card_names_the_organisation_escaped() {
        let card = identity_card(&identity(json!({
            "provider": "proconnect",
            "given_name": "<script>alert(1)</script>",
            "proconnect": {"siret": "11000101300017", "organization_label": "Ministère de l'Intérieur",
                           "roles": [], "custom": {}}
        })));
        assert!(card.contains("&lt;script&gt;alert(1)&lt;/script&gt; Martin"));
        assert!(!card.contains("<script>"));
        assert!(card.contains("Ministère de l&#39;Intérieur — SIRET 11000101300017"));
        assert!(card.contains("<dt>Niveau (acr)</dt><dd>eidas1</dd>"));
        assert!(card.contains("<dt>Double authentification</dt><dd>non</dd>"));
        assert!(!card.contains("Exercices"));
    }

    #[test]
    fn franceconnect_card_tells_the_birth() {
        let card = identity_card(&identity(json!({
            "provider": "franceconnect_plus", "acr": "eidas2", "mfa": true,
            "franceconnect": {"birth_name": "GARCIA LOPEZ", "birthdate": "1985-01-01",
                              "birthcountry": "99134", "born_in_france": false}
        })));
        assert!(card.contains("<dt>Fournisseur</dt><dd>FranceConnect+</dd>"));
        assert!(card.contains("<dt>Nom de naissance</dt><dd>GARCIA LOPEZ</dd>"));
        assert!(card.contains("1985-01-01, à l'étranger (pays INSEE 99134)"));
        assert!(card.contains("<dt>Double authentification</dt><dd>oui</dd>"));
    }

    #[test]
    fn psc_card_lists_the_practices_with_their_labels() {
        let doctor = identity(json!({
            "provider": "prosanteconnect", "acr": "eidas2", "mfa": true,
            "prosanteconnect": {"national_id": "899700218896", "id_kind": "rpps", "auth_mode": "CARD",
                "exercices": [{"profession_code": "10", "profession_label": "Médecin",
                    "savoir_faire_type": "S", "savoir_faire_code": "SM54",
                    "savoir_faire_label": "Médecine générale (SM)",
                    "activities": [{"name": "CABINET <B>", "postal_code": "75019"}]}]}
        }));
        let chosen = identity_card(&doctor.with_only_practice());
        let card = identity_card(&doctor);
        assert!(card.contains("<dt>Double authentification</dt><dd>oui</dd>"));
        assert!(card.contains("carte CPS"));
        assert!(card.contains("Médecin <span class=\"code\">(10)</span>"));
        assert!(card.contains("Médecine générale (SM) <span class=\"code\">(SM54)</span>"));
        assert!(card.contains("CABINET &lt;B&gt;, 75019"));
        assert!(!card.contains("exercice choisi"));
        assert!(chosen.contains("(exercice choisi)"));
    }
}
