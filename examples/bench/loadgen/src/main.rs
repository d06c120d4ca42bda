//! Load driver for the end-to-end benchmarks: each virtual user is a tiny browser (its own
//! cookie jar, redirects followed by hand) that performs complete logins in a loop for a fixed
//! duration after a warm-up, and the driver prints logins/s and per-login latency percentiles
//! as one JSON line (the shell script assembles the tables).
//!
//! Modes:
//! * `browser --start URL --user ID [--done-prefix P] [--expect S]`: GET URL, follow every
//!   redirect; a 200 page holding the emulator's login form (`action="…"`, `name="user"`) is
//!   answered by POSTing `user=ID` to the action; the login ends at the first redirect whose
//!   Location starts with P (Keycloak's loopback client redirect URI, nothing listens there) or
//!   at a final 200 whose body contains S (an app's /me).
//! * `emulator --issuer URL --client-id ID --client-secret S --user ID`: the emulator alone —
//!   authorize, login form, token (client_secret_post), userinfo.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Method, StatusCode, Url};

type Res<T> = Result<T, String>;

#[derive(Clone)]
struct Args {
    mode: String,
    start: String,
    user: String,
    done_prefix: Option<String>,
    expect: Option<String>,
    issuer: String,
    client_id: String,
    client_secret: String,
    concurrency: usize,
    duration: f64,
    warmup: f64,
    label: String,
}

fn parse_args() -> Res<Args> {
    let mut a = Args {
        mode: String::new(),
        start: String::new(),
        user: "agent".into(),
        done_prefix: None,
        expect: None,
        issuer: String::new(),
        client_id: String::new(),
        client_secret: String::new(),
        concurrency: 16,
        duration: 10.0,
        warmup: 3.0,
        label: String::new(),
    };
    let mut it = std::env::args().skip(1);
    a.mode = it.next().ok_or("usage: loadgen browser|emulator [options]")?;
    while let Some(k) = it.next() {
        let v = it.next().ok_or(format!("{k} needs a value"))?;
        match k.as_str() {
            "--start" => a.start = v,
            "--user" => a.user = v,
            "--done-prefix" => a.done_prefix = Some(v),
            "--expect" => a.expect = Some(v),
            "--issuer" => a.issuer = v,
            "--client-id" => a.client_id = v,
            "--client-secret" => a.client_secret = v,
            "--concurrency" => a.concurrency = v.parse().map_err(|_| "bad --concurrency")?,
            "--duration" => a.duration = v.parse().map_err(|_| "bad --duration")?,
            "--warmup" => a.warmup = v.parse().map_err(|_| "bad --warmup")?,
            "--label" => a.label = v,
            _ => return Err(format!("unknown option {k}")),
        }
    }
    Ok(a)
}

/// One virtual user's cookies. All servers of a run are on 127.0.0.1 and browsers do not
/// isolate cookies by port, so one name → value map per user is what a browser would send
/// (paths are ignored: sending a cookie to a wider path is harmless here).
#[derive(Default)]
struct Jar(HashMap<String, String>);

impl Jar {
    fn store(&mut self, headers: &HeaderMap) {
        for h in headers.get_all(SET_COOKIE) {
            let Ok(s) = h.to_str() else { continue };
            let mut parts = s.split(';');
            let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else { continue };
            let expired = parts.any(|p| {
                let p = p.trim().to_ascii_lowercase();
                p == "max-age=0" || p.starts_with("max-age=-") || p.contains("expires=thu, 01 jan 1970") || p.contains("expires=thu, 01-jan-1970")
            });
            if expired || value.is_empty() {
                self.0.remove(name.trim());
            } else {
                self.0.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
    }
    fn header(&self) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        Some(self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }
}

struct Page {
    status: StatusCode,
    url: Url,
    location: Option<Url>,
    body: String,
}

async fn send(client: &Client, jar: &mut Jar, method: Method, url: Url, form: Option<String>) -> Res<Page> {
    let mut req = client.request(method, url.clone());
    if let Some(c) = jar.header() {
        req = req.header(COOKIE, c);
    }
    if let Some(f) = form {
        req = req.header("content-type", "application/x-www-form-urlencoded").body(f);
    }
    let resp = req.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status();
    jar.store(resp.headers());
    let location = match resp.headers().get(LOCATION) {
        Some(l) => Some(url.join(l.to_str().map_err(|_| "bad Location")?).map_err(|e| e.to_string())?),
        None => None,
    };
    let body = resp.text().await.map_err(|e| e.to_string())?;
    Ok(Page { status, url, location, body })
}

/// The emulator's login form: the `action` of the page's form (HTML-unescaped, resolved).
fn form_action(page: &Page) -> Option<Url> {
    if !page.body.contains("name=\"user\"") {
        return None;
    }
    let start = page.body.find("action=\"")? + "action=\"".len();
    let end = start + page.body[start..].find('"')?;
    let action = page.body[start..end].replace("&amp;", "&");
    page.url.join(&action).ok()
}

fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One complete browser login from `a.start`, with a fresh cookie jar.
async fn browser_login(client: &Client, a: &Args) -> Res<()> {
    let mut jar = Jar::default();
    let mut page = send(client, &mut jar, Method::GET, Url::parse(&a.start).map_err(|e| e.to_string())?, None).await?;
    for _ in 0..20 {
        if page.status.is_redirection() {
            let next = page.location.take().ok_or("redirect without Location")?;
            if let Some(p) = &a.done_prefix {
                if next.as_str().starts_with(p.as_str()) {
                    return if next.query_pairs().any(|(k, _)| k == "code") {
                        Ok(())
                    } else {
                        let err: Vec<String> = next
                            .query_pairs()
                            .filter(|(k, _)| k == "error" || k == "error_description")
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect();
                        Err(format!("final redirect without a code: {} {}", next.path(), err.join(" ")))
                    };
                }
            }
            page = send(client, &mut jar, Method::GET, next, None).await?;
        } else if page.status == StatusCode::OK {
            if let Some(action) = form_action(&page) {
                let form = format!("user={}", form_encode(&a.user));
                page = send(client, &mut jar, Method::POST, action, Some(form)).await?;
                continue;
            }
            return match &a.expect {
                Some(s) if page.body.contains(s.as_str()) => Ok(()),
                Some(_) => Err(format!("final page {} lacks the expected text", page.url.path())),
                None => Err(format!("unexpected page {}", page.url.path())),
            };
        } else {
            // The end of the page's text (the emulator names the error last), tags removed.
            let mut text = String::new();
            let mut in_tag = false;
            for c in page.body.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            let words: Vec<&str> = text.split_whitespace().collect();
            let snippet = words[words.len().saturating_sub(25)..].join(" ");
            return Err(format!("{} at {}: {snippet}", page.status, page.url.path()));
        }
    }
    Err("too many redirects".into())
}

struct Endpoints {
    authorize: Url,
    token: Url,
    userinfo: Url,
}

fn random_hex(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut s = String::new();
    while s.len() < n {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(s.len());
        s.push_str(&format!("{:016x}", h.finish()));
    }
    s.truncate(n);
    s
}

/// The emulator alone: authorize (login page), login form, token, userinfo.
async fn emulator_login(client: &Client, a: &Args, ep: &Endpoints) -> Res<()> {
    let mut jar = Jar::default();
    let redirect = "http://127.0.0.1:9/callback";
    let (state, nonce) = (random_hex(32), random_hex(32));
    let mut url = ep.authorize.clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &a.client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "openid email given_name usual_name siret uid")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("acr_values", "eidas1");
    let page = send(client, &mut jar, Method::GET, url, None).await?;
    let action = form_action(&page).ok_or_else(|| format!("no login form ({})", page.status))?;
    let page = send(client, &mut jar, Method::POST, action, Some(format!("user={}", form_encode(&a.user)))).await?;
    let back = page.location.ok_or_else(|| format!("login answered {}", page.status))?;
    let code = back.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).ok_or("no code")?;
    let form = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&client_secret={}",
        form_encode(&code),
        form_encode(redirect),
        form_encode(&a.client_id),
        form_encode(&a.client_secret)
    );
    let resp = client
        .post(ep.token.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("token endpoint answered {}", resp.status()));
    }
    let tokens: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
    let access = tokens["access_token"].as_str().ok_or("no access_token")?;
    let resp = client.get(ep.userinfo.clone()).bearer_auth(access).send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("userinfo answered {}", resp.status()));
    }
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if body.is_empty() {
        return Err("empty userinfo".into());
    }
    Ok(())
}

async fn discover(client: &Client, issuer: &str) -> Res<Endpoints> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let d: serde_json::Value = client.get(&url).send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
    let get = |k: &str| -> Res<Url> { Url::parse(d[k].as_str().ok_or(format!("discovery lacks {k}"))?).map_err(|e| e.to_string()) };
    Ok(Endpoints { authorize: get("authorization_endpoint")?, token: get("token_endpoint")?, userinfo: get("userinfo_endpoint")? })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(a.concurrency * 2)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let endpoints = if a.mode == "emulator" {
        match discover(&client, &a.issuer).await {
            Ok(e) => Some(Arc::new(e)),
            Err(e) => {
                eprintln!("loadgen: discovery: {e}");
                std::process::exit(1);
            }
        }
    } else if a.mode == "browser" {
        None
    } else {
        eprintln!("loadgen: unknown mode {}", a.mode);
        std::process::exit(2);
    };
    let a = Arc::new(a);
    // One serial login first: fails fast with the reason when the flow is broken, and lets a
    // broker create its user before concurrent logins start.
    let one = |c: Client, a: Arc<Args>, ep: Option<Arc<Endpoints>>| async move {
        match &ep {
            Some(ep) => emulator_login(&c, &a, ep).await,
            None => browser_login(&c, &a).await,
        }
    };
    if let Err(e) = one(client.clone(), a.clone(), endpoints.clone()).await {
        eprintln!("loadgen {}: first login failed: {e}", a.label);
        std::process::exit(1);
    }
    let started = Instant::now();
    let measure_from = started + Duration::from_secs_f64(a.warmup);
    let stop_at = measure_from + Duration::from_secs_f64(a.duration);
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (c, a, ep, stop) = (client.clone(), a.clone(), endpoints.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut first_error) = (Vec::new(), 0u64, None::<String>);
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let r = one(c.clone(), a.clone(), ep.clone()).await;
                let t1 = Instant::now();
                if t0 >= measure_from && t1 <= stop_at {
                    match r {
                        Ok(()) => lat.push((t1 - t0).as_secs_f64() * 1000.0),
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                if t1 >= stop_at {
                    break;
                }
            }
            (lat, errors, first_error)
        }));
    }
    tokio::time::sleep_until(stop_at.into()).await;
    stop.store(true, Ordering::Relaxed);
    let (mut all, mut errors, mut first_error) = (Vec::new(), 0u64, None);
    for t in tasks {
        let (lat, e, fe) = t.await.expect("virtual user");
        all.extend(lat);
        errors += e;
        if first_error.is_none() {
            first_error = fe;
        }
    }
    all.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let out = serde_json::json!({
        "label": a.label,
        "logins": all.len(),
        "errors": errors,
        "first_error": first_error,
        "concurrency": a.concurrency,
        "seconds": a.duration,
        "logins_per_s": all.len() as f64 / a.duration,
        "p50_ms": percentile(&all, 50.0),
        "p99_ms": percentile(&all, 99.0),
    });
    println!("{out}");
}
