//! The two federations' OpenID Connect endpoints. ProConnect and Pro Santé Connect share the
//! flow; their differences (paths, strictness, client authentication, userinfo format, claims)
//! are spelled out where they apply.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::config::{Client, Persona, Registry, Strictness, User};
use crate::faults::{Fault, FaultSet, Faults};
use crate::issued::Issued;
use crate::keys::{random, Alg, Forgery, Keys};
use crate::mtls::PeerCertificate;
use crate::pages;
use crate::store::{Access, Grant, Interaction, Store};

pub struct App {
    pub base: String,
    pub registry: Registry,
    pub keys: Keys,
    pub store: Store,
    pub faults: Faults,
    pub issued: Issued,
    /// Turns true when the process is asked to stop (releases `token_hang` requests).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Prebuilt login-page buttons, per persona.
    pub buttons: [String; 4],
    /// The TLS listener's base URL (`--tls-port`), where PSC's token endpoint takes client
    /// certificates.
    pub mtls_base: Option<String>,
    /// The ProConnect persona's strictness for clients that do not set their own.
    pub strictness: Strictness,
}

pub type Shared = Arc<App>;

const ACR_VALUES: [&str; 7] = [
    "eidas0",
    "eidas0-mfa",
    "eidas1",
    "eidas1-mfa",
    "eidas2",
    "eidas3",
    "https://proconnect.gouv.fr/assurance/certification-dirigeant",
];

const PROCONNECT_PARAMS: [&str; 15] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "claims",
    "acr_values",
    "prompt",
    "idp_hint",
    "login_hint",
    "siret_hint",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
];

/// ProConnect scope → userinfo claims.
const PROCONNECT_SCOPES: [(&str, &[&str]); 15] = [
    ("given_name", &["given_name"]),
    ("usual_name", &["usual_name"]),
    ("email", &["email"]),
    ("uid", &["uid"]),
    ("siret", &["siret"]),
    ("siren", &["siren"]),
    ("phone", &["phone_number"]),
    ("organizational_unit", &["organizational_unit"]),
    ("belonging_population", &["belonging_population"]),
    ("chorusdt", &["chorusdt:matricule", "chorusdt:societe"]),
    ("idp_id", &["idp_id"]),
    ("idp_acr", &["idp_acr"]),
    ("roles", &["roles"]),
    ("organization_label", &["organization_label"]),
    ("custom", &["custom"]),
];

/// FranceConnect / FranceConnect+ scope → userinfo claims (the `identite_pivot` scope and the
/// `profile` and `birth` groups of the partner documentation).
const FRANCECONNECT_SCOPES: [(&str, &[&str]); 11] = [
    ("given_name", &["given_name"]),
    ("family_name", &["family_name"]),
    ("birthdate", &["birthdate"]),
    ("gender", &["gender"]),
    ("birthplace", &["birthplace"]),
    ("birthcountry", &["birthcountry"]),
    ("email", &["email"]),
    ("preferred_username", &["preferred_username"]),
    (
        "identite_pivot",
        &[
            "given_name",
            "family_name",
            "birthdate",
            "gender",
            "birthplace",
            "birthcountry",
        ],
    ),
    (
        "profile",
        &[
            "family_name",
            "given_name",
            "preferred_username",
            "gender",
            "birthdate",
        ],
    ),
    ("birth", &["birthplace", "birthcountry"]),
];

const SESSION_COOKIE: &str = "gouvconnect_emulator_session";

impl Persona {
    pub fn issuer(self, base: &str) -> String {
        match self {
            Persona::ProConnect => format!("{base}/api/v2"),
            Persona::ProSanteConnect => format!("{base}/auth/realms/esante-wallet"),
            Persona::FranceConnect => format!("{base}/franceconnect/api/v2"),
            Persona::FranceConnectPlus => format!("{base}/franceconnect-plus/api/v2"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Persona::ProConnect => "ProConnect (émulé)",
            Persona::ProSanteConnect => "Pro Santé Connect (émulé)",
            Persona::FranceConnect => "FranceConnect (émulé)",
            Persona::FranceConnectPlus => "FranceConnect+ (émulé)",
        }
    }

    fn interaction_path(self, uid: &str) -> String {
        match self {
            Persona::ProConnect => format!("/api/v2/interaction/{uid}/login"),
            Persona::ProSanteConnect => format!("/wallet/interaction/{uid}/login"),
            Persona::FranceConnect => format!("/franceconnect/api/v2/interaction/{uid}/login"),
            Persona::FranceConnectPlus => {
                format!("/franceconnect-plus/api/v2/interaction/{uid}/login")
            }
        }
    }
}

/// Padding that makes a response body exceed 2 MiB (the `*_oversized` faults).
static PADDING: LazyLock<String> = LazyLock::new(|| "x".repeat(2 * 1024 * 1024 + 1024));

/// An issuer no client is configured for (`id_token_wrong_iss`).
const OTHER_ISSUER: &str = "https://issuer.invalid/api/v2";
/// An audience that is not the client (`id_token_wrong_aud`, `id_token_extra_aud`).
const OTHER_AUDIENCE: &str = "some-other-client";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn page_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Html(pages::error(code, message))).into_response()
}

fn json_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// `uri` with parameters appended to its query.
fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params.iter().copied());
            url.into()
        }
        Err(_) => uri.to_string(),
    }
}

fn is_loopback_uri(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => match u.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

fn allowed(list: &Option<Vec<String>>, uri: &str) -> bool {
    match list {
        Some(uris) => uris.iter().any(|u| u == uri),
        None => is_loopback_uri(uri),
    }
}

fn parse_pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{name}="))
                .map(str::to_string)
        })
}

// ---------------------------------------------------------------------------------------------
// Discovery and keys

pub async fn discovery_proconnect(State(app): State<Shared>) -> Response {
    let issuer = Persona::ProConnect.issuer(&app.base);
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "end_session_endpoint": format!("{issuer}/session/end"),
        "jwks_uri": format!("{issuer}/jwks"),
        "acr_values_supported": ACR_VALUES,
        "scopes_supported": ["openid", "given_name", "usual_name", "email", "uid", "siren", "siret",
            "organizational_unit", "belonging_population", "phone", "chorusdt", "idp_id", "idp_acr",
            "roles", "organization_label", "custom", "amr"],
        "claims_supported": ["sub", "amr", "uid", "given_name", "email", "phone_number",
            "organizational_unit", "siren", "siret", "usual_name", "belonging_population",
            "chorusdt:matricule", "chorusdt:societe", "idp_id", "idp_acr", "acr", "sid", "auth_time", "iss"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256", "ES256", "RS256"],
        "userinfo_signing_alg_values_supported": ["HS256", "ES256", "RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_parameter_supported": true,
        "x_emulator": "gouvconnect-emulator — NOT a real provider",
    });
    skewed(&app, cached_json(doc))
}

pub async fn discovery_franceconnect(State(app): State<Shared>) -> Response {
    discovery_fc(&app, Persona::FranceConnect)
}

pub async fn discovery_franceconnect_plus(State(app): State<Shared>) -> Response {
    discovery_fc(&app, Persona::FranceConnectPlus)
}

/// FranceConnect v2 and FranceConnect+: everything under `/api/v2`, logout at `/session/end`,
/// ES256 or RS256 signatures (FranceConnect+ ES256), FranceConnect+'s JWE algorithms.
fn discovery_fc(app: &App, persona: Persona) -> Response {
    let issuer = persona.issuer(&app.base);
    let plus = persona == Persona::FranceConnectPlus;
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "end_session_endpoint": format!("{issuer}/session/end"),
        "jwks_uri": format!("{issuer}/jwks"),
        "acr_values_supported": if plus { json!(["eidas2", "eidas3"]) } else { json!(["eidas1"]) },
        "scopes_supported": ["openid", "given_name", "family_name", "birthdate", "gender",
            "birthplace", "birthcountry", "email", "preferred_username", "identite_pivot",
            "profile", "birth"],
        "claims_supported": ["sub", "given_name", "family_name", "birthdate", "gender",
            "birthplace", "birthcountry", "email", "preferred_username", "amr", "acr", "sid",
            "auth_time", "iss"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": if plus { json!(["ES256"]) } else { json!(["ES256", "RS256"]) },
        "userinfo_signing_alg_values_supported": if plus { json!(["ES256"]) } else { json!(["ES256", "RS256"]) },
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "x_emulator": "gouvconnect-emulator — NOT a real provider",
    });
    if plus {
        for what in ["id_token", "userinfo"] {
            doc[format!("{what}_encryption_alg_values_supported")] = json!(crate::jwe::ALGS);
            doc[format!("{what}_encryption_enc_values_supported")] = json!(["A256GCM"]);
        }
    }
    skewed(app, cached_json(doc))
}

/// The `clock_skew` fault: the provider's clock runs 10 minutes ahead (its `Date` header).
fn skewed(app: &App, mut response: Response) -> Response {
    if app.faults.anywhere(Fault::ClockSkew).is_some() {
        let ahead = std::time::SystemTime::now() + std::time::Duration::from_secs(600);
        if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(ahead)) {
            response.headers_mut().insert(header::DATE, value);
        }
    }
    response
}

pub async fn discovery_psc(State(app): State<Shared>) -> Response {
    let issuer = Persona::ProSanteConnect.issuer(&app.base);
    let oidc = format!("{issuer}/protocol/openid-connect");
    let doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{}/wallet/auth", app.base),
        "token_endpoint": format!("{oidc}/token"),
        "userinfo_endpoint": format!("{oidc}/userinfo"),
        "end_session_endpoint": format!("{oidc}/logout"),
        "jwks_uri": format!("{oidc}/certs"),
        "introspection_endpoint": format!("{oidc}/token/introspect"),
        "acr_values_supported": ["eidas1"],
        "scopes_supported": ["openid", "scope_all", "profile", "email", "eidas1"],
        "claims_supported": ["aud", "sub", "iss", "auth_time", "name", "given_name", "family_name",
            "preferred_username", "email", "acr"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
        "userinfo_signing_alg_values_supported": ["RS256", "ES256", "HS256", "none"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "tls_client_auth"],
        "tls_client_certificate_bound_access_tokens": true,
        "code_challenge_methods_supported": ["plain", "S256"],
        "authorization_response_iss_parameter_supported": true,
        "x_emulator": "gouvconnect-emulator — NOT a real provider",
    });
    let mut doc = doc;
    if let Some(mtls) = &app.mtls_base {
        // RFC 8705 §5: where a client authenticating with its certificate sends its requests.
        let path = format!("{mtls}/auth/realms/esante-wallet/protocol/openid-connect");
        doc["mtls_endpoint_aliases"] = json!({
            "token_endpoint": format!("{path}/token"),
            "userinfo_endpoint": format!("{path}/userinfo"),
        });
    }
    skewed(&app, cached_json(doc))
}

fn cached_json(doc: Value) -> Response {
    let mut response = axum::Json(doc).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    response
}

pub async fn jwks(State(app): State<Shared>) -> Response {
    let set = app.keys.current();
    let body = if app.faults.any() {
        if app.faults.anywhere(Fault::JwksDown).is_some() {
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "emulated fault jwks_down",
            );
        }
        jwks_with_faults(&app, set.public_jwks())
    } else {
        set.jwks().to_string()
    };
    (
        [
            (header::CONTENT_TYPE, "application/jwk-set+json"),
            (header::CACHE_CONTROL, "public, max-age=600"),
        ],
        body,
    )
        .into_response()
}

/// The JWKS as the faults in force (on any client: the JWKS does not know who asks) shape it.
fn jwks_with_faults(app: &App, public: [&Value; 2]) -> String {
    let mut keys: Vec<Value> = public.into_iter().cloned().collect();
    if let Some(clients) = app.faults.anywhere(Fault::KidAbsentOneKey) {
        // Only the keys the affected clients' tokens are signed with.
        let affected = |c: &&Client| clients.as_ref().is_none_or(|ids| ids.contains(&c.id));
        let algs: Vec<&str> = app
            .registry
            .clients
            .iter()
            .filter(affected)
            .flat_map(|c| [Some(c.id_token_alg), c.userinfo_alg])
            .flatten()
            .map(|a| match a {
                Alg::RS256 => "RS256",
                Alg::ES256 => "ES256",
                Alg::HS256 => "HS256",
            })
            .collect();
        keys.retain(|k| k["alg"].as_str().is_some_and(|a| algs.contains(&a)));
    }
    if app.faults.anywhere(Fault::KidAbsentSeveralKeys).is_some() {
        // Decoys first: a verifier that takes the first key of the right type fails.
        let mut all: Vec<Value> = app.keys.decoy_jwks().into();
        all.extend(keys);
        keys = all;
    }
    let mut doc = json!({ "keys": keys });
    if app.faults.anywhere(Fault::JwksOversized).is_some() {
        doc["x_padding"] = json!(PADDING.as_str());
    }
    doc.to_string()
}

/// The attacker's JWKS, where the `jku` of `id_token_jku_header` points.
pub async fn attacker_jwks(State(app): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/jwk-set+json")],
        app.keys.attacker_jwks().to_string(),
    )
        .into_response()
}

/// The attacker's certificates, where the `x5u` of `id_token_x5u_header` points.
pub async fn attacker_rsa_cert(State(app): State<Shared>) -> Response {
    pem_response(app.keys.attacker_cert_pem(Alg::RS256))
}

pub async fn attacker_ec_cert(State(app): State<Shared>) -> Response {
    pem_response(app.keys.attacker_cert_pem(Alg::ES256))
}

fn pem_response(pem: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        pem.to_string(),
    )
        .into_response()
}

pub async fn index(State(app): State<Shared>) -> Response {
    Html(pages::index(&app.base)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Authorization

pub async fn authorize_proconnect(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(
        app,
        Persona::ProConnect,
        &headers,
        query.unwrap_or_default(),
    )
}

pub async fn authorize_psc(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(
        app,
        Persona::ProSanteConnect,
        &headers,
        query.unwrap_or_default(),
    )
}

pub async fn authorize_franceconnect(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(
        app,
        Persona::FranceConnect,
        &headers,
        query.unwrap_or_default(),
    )
}

pub async fn authorize_franceconnect_plus(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(
        app,
        Persona::FranceConnectPlus,
        &headers,
        query.unwrap_or_default(),
    )
}

fn authorize(app: Shared, persona: Persona, headers: &HeaderMap, query: String) -> Response {
    let pairs = parse_pairs(query.as_bytes());
    // The strictness is the client's: look it up before judging the other parameters.
    let strictness = pairs
        .iter()
        .find(|(k, _)| k == "client_id")
        .and_then(|(_, id)| app.registry.client(id))
        .and_then(|c| c.strictness)
        .unwrap_or(app.strictness);
    let strict = persona == Persona::ProConnect && strictness == Strictness::DocsStrict;
    let mut params: HashMap<&str, &str> = HashMap::new();
    for (k, v) in &pairs {
        if persona == Persona::ProConnect && !PROCONNECT_PARAMS.contains(&k.as_str()) {
            if !strict {
                // As deployed since 2025-10: unknown parameters are ignored.
                continue;
            }
            return page_error(
                StatusCode::BAD_REQUEST,
                "Y000400",
                &format!("paramètre non autorisé : {k}"),
            );
        }
        if params.insert(k.as_str(), v.as_str()).is_some() {
            return page_error(
                StatusCode::BAD_REQUEST,
                "Y000400",
                &format!("paramètre répété : {k}"),
            );
        }
    }
    let get = |k: &str| params.get(k).copied().filter(|v| !v.is_empty());
    let Some(client) = get("client_id")
        .and_then(|id| app.registry.client(id))
        .filter(|c| c.persona == persona)
    else {
        return page_error(StatusCode::BAD_REQUEST, "invalid_client", "client inconnu");
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return page_error(StatusCode::BAD_REQUEST, "Y000400", "redirect_uri manquant");
    };
    if !allowed(&client.redirect_uris, redirect_uri) {
        return page_error(
            StatusCode::BAD_REQUEST,
            "Y030031",
            "redirect_uri did not match any of the client's registered redirect_uris",
        );
    }
    let state = get("state").unwrap_or_default();
    app.issued.record(
        [get("state"), get("nonce"), get("code_challenge")]
            .into_iter()
            .flatten()
            .map(str::to_string),
    );
    let fail = |error: &str, description: &str| {
        redirect(&with_params(
            redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", state),
            ],
        ))
    };
    let faults = app.faults.for_client(&client.id);
    if faults.has(Fault::AccessDenied) {
        return fail(
            "access_denied",
            "the user refused to share their identity (emulated fault access_denied)",
        );
    }
    if strict {
        for name in ["state", "nonce"] {
            if get(name).map_or(0, str::len) < 32 {
                return page_error(
                    StatusCode::BAD_REQUEST,
                    "Y000400",
                    &format!("{name} manquant ou trop court (32 caractères minimum)"),
                );
            }
        }
    } else if persona == Persona::ProConnect {
        // As deployed: `state` required (no length), `nonce` optional, 1–512 ASCII characters.
        if state.is_empty() {
            return page_error(StatusCode::BAD_REQUEST, "Y000400", "state manquant");
        }
        if let Some(nonce) = params.get("nonce") {
            if nonce.is_empty() || nonce.len() > 512 || !nonce.is_ascii() {
                return page_error(StatusCode::BAD_REQUEST, "Y000400", "nonce invalide");
            }
        }
    } else if state.is_empty() {
        return fail("invalid_request", "missing state");
    }
    if get("response_type") != Some("code") {
        return fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let scopes: Vec<String> = get("scope")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        return fail("invalid_request", "openid scope must be requested");
    }
    let claims = match get("claims") {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(v) if v.is_object() => Some(v),
            _ => return fail("invalid_request", "claims parameter must be a JSON object"),
        },
        None => None,
    };
    if let Some(prompt) = get("prompt") {
        let values: Vec<&str> = prompt.split_whitespace().collect();
        if !values
            .iter()
            .all(|v| matches!(*v, "login" | "consent" | "none"))
        {
            return fail("invalid_request", "unsupported prompt value requested");
        }
        if values.contains(&"none") && values.len() > 1 {
            return fail("invalid_request", "prompt none must only be used alone");
        }
    }
    if persona == Persona::ProConnect {
        if let Some(hint) = get("login_hint") {
            if !hint.contains('@') {
                return page_error(
                    StatusCode::BAD_REQUEST,
                    "Y000400",
                    "Le login_hint doit être une adresse email valide",
                );
            }
        }
        if let Some(hint) = get("siret_hint") {
            if hint.len() != 14 {
                return page_error(
                    StatusCode::BAD_REQUEST,
                    "Y000400",
                    "siret_hint doit faire 14 caractères",
                );
            }
        }
        if let Some(hint) = get("idp_hint") {
            let known = app
                .registry
                .users
                .iter()
                .any(|u| u.claims.get("idp_id").and_then(Value::as_str) == Some(hint));
            if !known {
                return fail("idp_hint_not_found", "provided idp_hint could not be found");
            }
        }
    } else if persona.is_franceconnect() {
        // FranceConnect v2 requires nonce and acr_values: eidas1 for FranceConnect, eidas2 or
        // eidas3 for FranceConnect+.
        if get("nonce").is_none() {
            return fail("invalid_request", "nonce is mandatory");
        }
        let asked: Vec<&str> = get("acr_values")
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let refused = if persona == Persona::FranceConnect {
            // Our reading of v2's mandatory parameters: acr_values, eidas1 only.
            asked.is_empty() || !asked.iter().all(|a| *a == "eidas1")
        } else {
            // FranceConnect+'s documentation: optional (absent: the highest level), eidas1 is an
            // error, any other unknown value is ignored.
            asked.contains(&"eidas1")
        };
        if refused {
            return fail("invalid_request", "acr_values missing or not supported");
        }
    } else if let Some(acr) = get("acr_values") {
        if acr != "eidas1" {
            return fail("invalid_request", "unsupported acr_values");
        }
    }
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) => None,
        (Some(challenge), method) => {
            let method = method.unwrap_or("plain");
            let method_ok =
                method == "S256" || (persona == Persona::ProSanteConnect && method == "plain");
            if !method_ok || challenge.len() < 43 {
                return fail(
                    "invalid_request",
                    "code_challenge_method must be S256 and the challenge at least 43 characters",
                );
            }
            Some((challenge.to_string(), method.to_string()))
        }
        (None, Some(_)) => return fail("invalid_request", "code_challenge missing"),
    };
    let interaction = Interaction {
        persona,
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_string(),
        state: state.to_string(),
        nonce: get("nonce").map(str::to_string),
        scopes,
        claims,
        code_challenge,
    };
    let session = cookie(headers, SESSION_COOKIE).and_then(|c| app.store.sessions.get(&c));
    if get("prompt") == Some("none") {
        return match session {
            Some((p, user_id)) if p == persona => issue_code(&app, interaction, &user_id),
            _ => fail("login_required", "End-User authentication is required"),
        };
    }
    // ProConnect carries MFA over between services (federation #1450): a session whose level
    // meets the essential acr needs no new login, unless only eidas2/eidas3 would do (those
    // always force a fresh authentication).
    if persona == Persona::ProConnect && get("prompt") != Some("login") {
        if let (Some((p, user_id)), Some(wanted)) = (&session, essential_acr(&interaction.claims)) {
            let fresh_only = wanted.iter().all(|v| v == "eidas2" || v == "eidas3");
            let level = app
                .registry
                .user(user_id, persona)
                .and_then(|u| u.acr.clone());
            if *p == persona && !fresh_only && level.is_some_and(|a| wanted.contains(&a)) {
                let user_id = user_id.clone();
                return issue_code(&app, interaction, &user_id);
            }
        }
    }
    let uid = random(24);
    let action = persona.interaction_path(&uid);
    app.store.interactions.insert(uid, interaction);
    let buttons = &app.buttons[persona as usize];
    Html(pages::login(persona.name(), &client.id, &action, buttons)).into_response()
}

/// The essential acr values asked for in the `claims` parameter, if any.
fn essential_acr(claims: &Option<Value>) -> Option<Vec<String>> {
    let acr = claims.as_ref()?.get("id_token")?.get("acr")?;
    if acr.get("essential").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    if let Some(v) = acr.get("value").and_then(Value::as_str) {
        return Some(vec![v.to_string()]);
    }
    let values = acr.get("values")?.as_array()?;
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    )
}

pub async fn login_proconnect(state: State<Shared>, uid: Path<String>, body: Bytes) -> Response {
    login(state, uid, body, Persona::ProConnect)
}

pub async fn login_psc(state: State<Shared>, uid: Path<String>, body: Bytes) -> Response {
    login(state, uid, body, Persona::ProSanteConnect)
}

pub async fn login_franceconnect(state: State<Shared>, uid: Path<String>, body: Bytes) -> Response {
    login(state, uid, body, Persona::FranceConnect)
}

pub async fn login_franceconnect_plus(
    state: State<Shared>,
    uid: Path<String>,
    body: Bytes,
) -> Response {
    login(state, uid, body, Persona::FranceConnectPlus)
}

fn login(
    State(app): State<Shared>,
    Path(uid): Path<String>,
    body: Bytes,
    persona: Persona,
) -> Response {
    let Some(interaction) = app
        .store
        .interactions
        .take(&uid)
        .filter(|i| i.persona == persona)
    else {
        return page_error(
            StatusCode::BAD_REQUEST,
            "Y190001",
            "session introuvable ou expirée : recommencez depuis le service",
        );
    };
    let form: HashMap<String, String> = parse_pairs(&body).into_iter().collect();
    let fail = |error: &str, description: &str| {
        let mut params = vec![
            ("error", error),
            ("error_description", description),
            ("state", interaction.state.as_str()),
        ];
        let iss = response_iss(&app, interaction.persona);
        if let Some(iss) = &iss {
            params.push(("iss", iss));
        }
        redirect(&with_params(&interaction.redirect_uri, &params))
    };
    if form.contains_key("cancel") {
        return fail("access_denied", "authentication aborted by the user");
    }
    let Some(user) = form
        .get("user")
        .and_then(|id| app.registry.user(id, persona))
    else {
        return page_error(StatusCode::BAD_REQUEST, "Y000400", "utilisateur inconnu");
    };
    let lower_acr = app
        .faults
        .for_client(&interaction.client_id)
        .has(Fault::AcrLower);
    if persona == Persona::ProConnect && !lower_acr {
        if let Some(wanted) = essential_acr(&interaction.claims) {
            if !user.acr.as_ref().is_some_and(|a| wanted.contains(a)) {
                return fail("access_denied", "requested ACRs could not be satisfied");
            }
        }
    }
    let user_id = user.id.clone();
    let session = random(24);
    app.store
        .sessions
        .insert(session.clone(), (persona, user_id.clone()));
    let card = persona == Persona::ProSanteConnect
        && form.get("means").map(String::as_str) == Some("card");
    let mut response = issue_code_with(&app, interaction, &user_id, card);
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// RFC 9207's `iss` in the authorization response: Pro Santé Connect's discovery advertises
/// `authorization_response_iss_parameter_supported` (its Keycloak sends it); ProConnect's does
/// not.
fn response_iss(app: &App, persona: Persona) -> Option<String> {
    (persona == Persona::ProSanteConnect).then(|| persona.issuer(&app.base))
}

fn issue_code(app: &App, interaction: Interaction, user_id: &str) -> Response {
    issue_code_with(app, interaction, user_id, false)
}

fn issue_code_with(app: &App, interaction: Interaction, user_id: &str, card: bool) -> Response {
    let code = random(32);
    app.issued.record([code.clone()]);
    let mut params = vec![
        ("code", code.as_str()),
        ("state", interaction.state.as_str()),
    ];
    let iss = response_iss(app, interaction.persona);
    if let Some(iss) = &iss {
        params.push(("iss", iss));
    }
    let location = with_params(&interaction.redirect_uri, &params);
    app.store.codes.insert(
        code,
        Grant {
            interaction,
            user_id: user_id.to_string(),
            auth_time: now(),
            card,
        },
    );
    redirect(&location)
}

// ---------------------------------------------------------------------------------------------
// Token

pub async fn token_proconnect(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(app, headers, body, Persona::ProConnect, None).await
}

pub async fn token_psc(
    State(app): State<Shared>,
    certificate: Option<Extension<PeerCertificate>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let certificate = certificate.and_then(|Extension(PeerCertificate(c))| c);
    token(app, headers, body, Persona::ProSanteConnect, certificate).await
}

pub async fn token_franceconnect(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(app, headers, body, Persona::FranceConnect, None).await
}

pub async fn token_franceconnect_plus(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(app, headers, body, Persona::FranceConnectPlus, None).await
}

/// FranceConnect+: the client's public key for `encryption_alg`, from its registration or
/// fetched from its `jwks_uri` (every time: the client may have rotated its keys). `None` for
/// the other federations.
async fn encryption_key(client: &Client) -> Result<Option<(String, Value)>, String> {
    if client.persona != Persona::FranceConnectPlus {
        return Ok(None);
    }
    let alg = client
        .encryption_alg
        .clone()
        .unwrap_or_else(|| "RSA-OAEP".into());
    let jwks = match (&client.encryption_jwks, &client.jwks_uri) {
        (Some(jwks), _) => jwks.clone(),
        (None, Some(url)) => fetch_jwks(url).await?,
        (None, None) => return Err("the client registered no encryption key".into()),
    };
    let key = crate::jwe::pick(&jwks, &alg)
        .cloned()
        .ok_or_else(|| format!("no key of the client's JWKS serves {alg}"))?;
    Ok(Some((alg, key)))
}

async fn fetch_jwks(url: &str) -> Result<Value, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("client jwks_uri: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("client jwks_uri answered {}", response.status()));
    }
    response
        .json::<Value>()
        .await
        .map_err(|e| format!("client jwks_uri: {e}"))
}

/// Wraps a signed JWT for FranceConnect+ (a no-op for the other federations).
fn seal(jws: String, key: &Option<(String, Value)>) -> Result<String, String> {
    match key {
        None => Ok(jws),
        Some((alg, key)) => crate::jwe::encrypt(&jws, alg, key),
    }
}

/// The client authenticated by the request: ProConnect takes `client_secret_post` only; PSC
/// also HTTP Basic, and on the TLS listener `tls_client_auth` (a `client_id` without secret,
/// the connection's client certificate matching the client's registration).
fn authenticate<'a>(
    app: &'a App,
    persona: Persona,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    certificate: Option<&[u8]>,
) -> Option<&'a Client> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    if persona == Persona::ProSanteConnect && basic.is_none() && !form.contains_key("client_secret")
    {
        let client = app.registry.client(form.get("client_id")?)?;
        let expected = client.tls_client_auth.as_ref()?;
        return (client.persona == persona && crate::mtls::matches(expected, certificate?))
            .then_some(client);
    }
    let (id, secret) = match (basic, persona) {
        (Some(b64), Persona::ProSanteConnect) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (id, secret) = text.split_once(':')?;
            let dec = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            (dec(id)?, dec(secret)?)
        }
        // ProConnect and FranceConnect: client_secret_post only.
        (Some(_), _) => return None,
        (None, _) => (
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ),
    };
    let client = app.registry.client(&id)?;
    (client.persona == persona
        && !client.secret.is_empty()
        && constant_eq(client.secret.as_bytes(), secret.as_bytes()))
    .then_some(client)
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn token(
    app: Shared,
    headers: HeaderMap,
    body: Bytes,
    persona: Persona,
    certificate: Option<Arc<Vec<u8>>>,
) -> Response {
    let form: HashMap<String, String> = parse_pairs(&body).into_iter().collect();
    app.issued.record(
        ["code", "client_secret", "code_verifier", "refresh_token"]
            .iter()
            .filter_map(|k| form.get(*k).cloned()),
    );
    let Some(client) = authenticate(
        &app,
        persona,
        &headers,
        &form,
        certificate.as_deref().map(Vec::as_slice),
    ) else {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    };
    let faults = app.faults.for_client(&client.id);
    if faults.has(Fault::TokenHang) {
        // Hold the connection until the process stops.
        let mut stopping = app.shutdown.clone();
        let _ = stopping.wait_for(|s| *s).await;
        return json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the emulator is stopping",
        );
    }
    if faults.has(Fault::Token500) {
        return json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "emulated fault token_500",
        );
    }
    if faults.has(Fault::TokenSlow) {
        tokio::time::sleep(Duration::from_secs(faults.delay_secs())).await;
    }
    let key = match encryption_key(client).await {
        Ok(key) => key,
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    issue_tokens(&app, client, &form, persona, faults, &key)
}

/// The forgery the faults ask for, for an id_token.
fn id_token_forgery(faults: FaultSet) -> Forgery {
    [
        (Fault::IdTokenBadSignature, Forgery::BadSignature),
        (Fault::IdTokenAlgNone, Forgery::AlgNone),
        (Fault::IdTokenHs256PublicKey, Forgery::Hs256PublicKey),
        (Fault::IdTokenHs256WrongSecret, Forgery::Hs256WrongSecret),
        (Fault::IdTokenJwkHeader, Forgery::JwkHeader),
        (Fault::IdTokenJkuHeader, Forgery::JkuHeader),
        (Fault::IdTokenX5uHeader, Forgery::X5uHeader),
    ]
    .into_iter()
    .find(|(f, _)| faults.has(*f))
    .map_or(Forgery::None, |(_, g)| g)
}

fn without_kid(faults: FaultSet) -> bool {
    faults.has(Fault::KidAbsentOneKey) || faults.has(Fault::KidAbsentSeveralKeys)
}

/// A refresh token's lifetime and the provider session's maximum, in seconds, for the
/// federations that issue usable refresh tokens.
///
/// ProConnect: 12 h, the code's RefreshToken TTL since FED be2d39339 (its docs still say 2 h),
/// bounded by the 12 h non-sliding session. Pro Santé Connect: Keycloak's `refresh_expires_in`
/// of 30 min (the IG's lifetimes), bounded by the 4 h SSO session. FranceConnect: none (its
/// discovery lists the code grant only).
fn refresh_lifetime(persona: Persona) -> Option<(u64, u64)> {
    match persona {
        Persona::ProConnect => Some((12 * 3600, 12 * 3600)),
        Persona::ProSanteConnect => Some((1800, 4 * 3600)),
        Persona::FranceConnect | Persona::FranceConnectPlus => None,
    }
}

/// The login a `grant_type=refresh_token` request continues, or `None` for an unknown, spent,
/// expired or another client's refresh token (all `invalid_grant`).
///
/// Single use and rotated: the reference says a refresh returns a new refresh token
/// (oidc-provider's rotation); whether PSC's realm revokes the old one (Keycloak's "Revoke
/// Refresh Token") is not published, so the stricter behaviour is emulated and a host that keeps
/// the old token fails here. The `scope` parameter (ProConnect's doc writes `scopes`) is
/// ignored: the grant keeps the login's scopes, as both servers do when it is absent.
fn refresh_grant(
    app: &App,
    client: &Client,
    form: &HashMap<String, String>,
    persona: Persona,
) -> Option<Grant> {
    let (grant, until) = app.store.refresh_tokens.take(form.get("refresh_token")?)?;
    (grant.interaction.client_id == client.id
        && grant.interaction.persona == persona
        && until > now())
    .then_some(grant)
}

fn issue_tokens(
    app: &App,
    client: &Client,
    form: &HashMap<String, String>,
    persona: Persona,
    faults: FaultSet,
    key: &Option<(String, Value)>,
) -> Response {
    let invalid_grant = || {
        json_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "grant request is invalid",
        )
    };
    let refreshing = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => false,
        // FranceConnect's discovery lists the code grant only.
        Some("refresh_token") if refresh_lifetime(persona).is_some() => true,
        _ => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "unsupported grant_type",
            )
        }
    };
    let grant = if refreshing {
        match refresh_grant(app, client, form, persona) {
            Some(g) => g,
            None => return invalid_grant(),
        }
    } else {
        let Some(grant) = form.get("code").and_then(|c| app.store.codes.take(c)) else {
            return invalid_grant();
        };
        let i = &grant.interaction;
        if i.client_id != client.id || form.get("redirect_uri") != Some(&i.redirect_uri) {
            return invalid_grant();
        }
        if let Some((challenge, method)) = &i.code_challenge {
            let Some(verifier) = form.get("code_verifier") else {
                return invalid_grant();
            };
            let computed = if method == "S256" {
                crate::keys::b64(
                    ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref(),
                )
            } else {
                verifier.clone()
            };
            if !constant_eq(computed.as_bytes(), challenge.as_bytes()) {
                return invalid_grant();
            }
        }
        grant
    };
    let i = &grant.interaction;
    // The registry is read again on a refresh: the tokens carry the user's current data.
    let Some(user) = app.registry.user(&grant.user_id, persona) else {
        return invalid_grant();
    };
    let issued = now();
    let (iat, exp) = if faults.has(Fault::IdTokenExpired) {
        (issued - 7200, issued - 3600)
    } else if faults.has(Fault::IdTokenIatFuture) {
        (issued + 3600, issued + 3660)
    } else {
        (issued, issued + 60)
    };
    let issuer = if faults.has(Fault::IdTokenWrongIss) {
        OTHER_ISSUER.to_string()
    } else {
        persona.issuer(&app.base)
    };
    let aud = if faults.has(Fault::IdTokenWrongAud) {
        json!(OTHER_AUDIENCE)
    } else if faults.has(Fault::IdTokenExtraAud) {
        json!([client.id, OTHER_AUDIENCE])
    } else {
        json!(client.id)
    };
    let mut claims = json!({
        "iss": issuer, "sub": user.sub, "aud": aud, "exp": exp, "iat": iat,
        "auth_time": grant.auth_time.min(iat), "sid": random(16),
    });
    if faults.has(Fault::IdTokenWrongNonce) {
        let wrong = random(32);
        app.issued.record([wrong.clone()]);
        claims["nonce"] = json!(wrong);
    } else if let Some(nonce) = i
        .nonce
        .as_ref()
        .filter(|_| !faults.has(Fault::IdTokenNoNonce))
        // oidc-provider (ProConnect) puts no nonce in a refreshed id_token; Keycloak (PSC)
        // copies the login's nonce from the client session into it.
        .filter(|_| !refreshing || persona == Persona::ProSanteConnect)
    {
        claims["nonce"] = json!(nonce);
    }
    if persona == Persona::ProSanteConnect && grant.card {
        // Our reading of PSC since 2026-09: a CPS card login returns eidas2 and the
        // non-standard authMode CARD (ansforge/keycloak-prosanteconnect #43).
        claims["acr"] = json!("eidas2");
        claims["authMode"] = json!("CARD");
    } else if let Some(acr) = &user.acr {
        claims["acr"] = json!(acr);
    }
    let amr_requested = i
        .claims
        .as_ref()
        .and_then(|c| c.get("id_token"))
        .is_some_and(|t| t.get("amr").is_some());
    if faults.has(Fault::AmrNoMfa) {
        claims["amr"] = json!(["pwd"]);
    } else if persona == Persona::ProConnect && amr_requested && !user.amr.is_empty() {
        claims["amr"] = json!(user.amr);
    }
    if persona == Persona::ProSanteConnect {
        if !faults.has(Fault::IdTokenExtraAud) {
            claims["azp"] = json!(client.id);
        }
        claims["typ"] = json!("ID");
        claims["session_state"] = json!(random(16));
        claims["preferred_username"] = user
            .claims
            .get("preferred_username")
            .cloned()
            .unwrap_or(Value::Null);
    }
    if faults.has(Fault::IdTokenNoSub) {
        if let Some(map) = claims.as_object_mut() {
            map.remove("sub");
        }
    }
    let id_token = match app.keys.sign(
        client.id_token_alg,
        &claims,
        &client.secret,
        id_token_forgery(faults),
        !without_kid(faults),
        &app.base,
    ) {
        Ok(t) => t,
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    // FranceConnect+: signed, then encrypted (the forgery faults act on the signed JWT inside).
    let id_token = match seal(id_token, key) {
        Ok(t) => t,
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    if key.is_some() {
        // The JWE hint of a later logout cannot be read: remember whose it is.
        app.store.hints.insert(id_token.clone(), client.id.clone());
    }
    let access_token = random(32);
    let refresh_token = random(32);
    let expires_in = match persona {
        Persona::ProConnect => 3600,
        Persona::ProSanteConnect => 120,
        Persona::FranceConnect | Persona::FranceConnectPlus => 60,
    };
    app.issued.record([
        id_token.clone(),
        access_token.clone(),
        refresh_token.clone(),
    ]);
    app.store.tokens.insert(
        access_token.clone(),
        Access {
            persona,
            client_id: client.id.clone(),
            user_id: user.id.clone(),
            scopes: i.scopes.clone(),
        },
    );
    let refresh_expires_at = refresh_lifetime(persona).map(|(ttl, session)| {
        // Neither federation lets a refresh outlive its own session: ProConnect's 12 h session
        // does not slide; PSC's (Keycloak) slides with use up to its maximum.
        let until = issued
            .saturating_add(ttl)
            .min(grant.auth_time.saturating_add(session));
        app.store
            .refresh_tokens
            .insert(refresh_token.clone(), (grant.clone(), until));
        until
    });
    let mut body = json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": expires_in,
        "id_token": id_token, "refresh_token": refresh_token, "scope": i.scopes.join(" "),
    });
    if persona == Persona::ProSanteConnect {
        body["refresh_expires_in"] = json!(refresh_expires_at.unwrap_or(issued) - issued);
        body["session_state"] = json!(random(16));
    }
    if faults.has(Fault::TokenOversized) {
        body["x_padding"] = json!(PADDING.as_str());
    }
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Userinfo

pub async fn userinfo_proconnect(state: State<Shared>, headers: HeaderMap) -> Response {
    userinfo(state, headers, Persona::ProConnect, &None)
}

pub async fn userinfo_psc(state: State<Shared>, headers: HeaderMap) -> Response {
    userinfo(state, headers, Persona::ProSanteConnect, &None)
}

pub async fn userinfo_franceconnect(state: State<Shared>, headers: HeaderMap) -> Response {
    userinfo(state, headers, Persona::FranceConnect, &None)
}

pub async fn userinfo_franceconnect_plus(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Response {
    let client = bearer(&app, &headers, Persona::FranceConnectPlus)
        .and_then(|a| app.registry.client(&a.client_id).cloned());
    let key = match &client {
        Some(client) => match encryption_key(client).await {
            Ok(key) => key,
            Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
        },
        // No valid token: `userinfo` answers 401.
        None => None,
    };
    userinfo(State(app), headers, Persona::FranceConnectPlus, &key)
}

fn bearer(app: &App, headers: &HeaderMap, persona: Persona) -> Option<Access> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| app.store.tokens.get(t.trim()))
        .filter(|a| a.persona == persona)
}

/// The subject of another user of the same federation (`userinfo_other_sub`).
fn other_sub(registry: &Registry, user: &User) -> String {
    registry
        .users
        .iter()
        .find(|u| u.persona == user.persona && u.sub != user.sub)
        .map(|u| u.sub.clone())
        .unwrap_or_else(|| format!("{}-other", user.sub))
}

fn userinfo(
    State(app): State<Shared>,
    headers: HeaderMap,
    persona: Persona,
    key: &Option<(String, Value)>,
) -> Response {
    let access = bearer(&app, &headers, persona);
    let Some(access) = access else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
            axum::Json(json!({ "error": "invalid_token" })),
        )
            .into_response();
    };
    let (Some(client), Some(user)) = (
        app.registry.client(&access.client_id),
        app.registry.user(&access.user_id, persona),
    ) else {
        return json_error(StatusCode::UNAUTHORIZED, "invalid_token", "unknown token");
    };
    let faults = app.faults.for_client(&client.id);
    let mut claims: Map<String, Value> = match persona {
        Persona::ProConnect => PROCONNECT_SCOPES
            .iter()
            .filter(|(scope, _)| access.scopes.iter().any(|s| s == scope))
            .flat_map(|(_, names)| names.iter())
            .filter_map(|name| {
                user.claims
                    .get(*name)
                    .map(|v| (name.to_string(), v.clone()))
            })
            .collect(),
        Persona::ProSanteConnect => user.claims.clone(),
        Persona::FranceConnect | Persona::FranceConnectPlus => FRANCECONNECT_SCOPES
            .iter()
            .filter(|(scope, _)| access.scopes.iter().any(|s| s == scope))
            .flat_map(|(_, names)| names.iter())
            .filter_map(|name| {
                user.claims
                    .get(*name)
                    .map(|v| (name.to_string(), v.clone()))
            })
            .collect(),
    };
    let sub = if faults.has(Fault::UserinfoOtherSub) {
        other_sub(&app.registry, user)
    } else {
        user.sub.clone()
    };
    claims.insert("sub".into(), json!(sub));
    if faults.has(Fault::EmailUnverified) {
        match persona {
            // Whether or not the `custom` scope was asked for.
            Persona::ProConnect => {
                claims.insert("custom".into(), json!({ "email_verified": false }));
            }
            Persona::ProSanteConnect | Persona::FranceConnect | Persona::FranceConnectPlus => {
                let email = user
                    .claims
                    .get("email")
                    .cloned()
                    .unwrap_or_else(|| json!(format!("{}@exemple-sante.fr", user.id)));
                claims.insert("email".into(), email);
                claims.insert("email_verified".into(), json!(false));
            }
        }
    }
    if faults.has(Fault::UserinfoOversized) {
        claims.insert("x_padding".into(), json!(PADDING.as_str()));
    }
    let alg = client
        .userinfo_alg
        .filter(|_| !faults.has(Fault::UserinfoUnsigned));
    match alg {
        None => axum::Json(Value::Object(claims)).into_response(),
        Some(alg) => {
            let issued = now();
            claims.insert("iss".into(), json!(persona.issuer(&app.base)));
            claims.insert("aud".into(), json!(client.id));
            claims.insert("iat".into(), json!(issued));
            claims.insert("exp".into(), json!(issued + 60));
            let forgery = if faults.has(Fault::UserinfoBadSignature) {
                Forgery::BadSignature
            } else {
                Forgery::None
            };
            match app
                .keys
                .sign(
                    alg,
                    &Value::Object(claims),
                    &client.secret,
                    forgery,
                    !without_kid(faults),
                    &app.base,
                )
                .and_then(|jwt| seal(jwt, key))
            {
                Ok(jwt) => {
                    // A padded JWT (2 MiB) is no secret worth scanning logs for.
                    if !faults.has(Fault::UserinfoOversized) {
                        app.issued.record([jwt.clone()]);
                    }
                    (
                        [(header::CONTENT_TYPE, "application/jwt; charset=utf-8")],
                        jwt,
                    )
                        .into_response()
                }
                Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Logout

pub async fn end_session_proconnect(
    state: State<Shared>,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    end_session(state, headers, query, Persona::ProConnect)
}

pub async fn end_session_franceconnect(
    state: State<Shared>,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    end_session(state, headers, query, Persona::FranceConnect)
}

pub async fn end_session_franceconnect_plus(
    state: State<Shared>,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    end_session(state, headers, query, Persona::FranceConnectPlus)
}

pub async fn end_session_psc(
    state: State<Shared>,
    headers: HeaderMap,
    query: RawQuery,
) -> Response {
    end_session(state, headers, query, Persona::ProSanteConnect)
}

/// The audience of an id_token hint (the emulator's own token: read, not verified).
fn hint_audience(hint: &str) -> Option<String> {
    let payload = hint.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    match claims.get("aud")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(list) => list.first()?.as_str().map(str::to_string),
        _ => None,
    }
}

fn end_session(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    persona: Persona,
) -> Response {
    let params: HashMap<String, String> = parse_pairs(query.unwrap_or_default().as_bytes())
        .into_iter()
        .collect();
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        app.store.sessions.remove(&session);
    }
    let client_id = params
        .get("id_token_hint")
        .and_then(|h| hint_audience(h).or_else(|| app.store.hints.get(h)))
        .or_else(|| params.get("client_id").cloned());
    let client = client_id
        .and_then(|id| app.registry.client(&id))
        .filter(|c| c.persona == persona);
    let mut response = match params.get("post_logout_redirect_uri") {
        None => Html(pages::logged_out()).into_response(),
        Some(uri) => match client {
            Some(c) if allowed(&c.post_logout_redirect_uris, uri) => match params.get("state") {
                Some(state) => redirect(&with_params(uri, &[("state", state)])),
                None => redirect(uri),
            },
            _ => page_error(
                StatusCode::BAD_REQUEST,
                "Y030111",
                "post_logout_redirect_uri not registered",
            ),
        },
    };
    let expired = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
