//! Rules about the host's own requests and session that every host must apply alike, so that
//! Django and Express cannot drift apart: which requests are page views a login redirect may
//! answer (silent login, session renewal), when a new login is a step-up of the session's, and
//! what a support link on the error pages may be.

use crate::claims::Identity;
use crate::policy::AcrRequirement;

/// The request headers [`is_page_view`] reads, lower-case, in the order it takes their values.
pub const PAGE_VIEW_HEADERS: [&str; 6] = [
    "accept",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "purpose",
    "sec-purpose",
    "x-requested-with",
];

/// Whether a request is a person's browser asking to display a page, the only kind of request
/// a redirect to the provider may answer (an API call, an asset, a frame or a prefetch must not
/// be sent away). `headers` are the values of [`PAGE_VIEW_HEADERS`], in that order.
///
/// A `GET` with no `X-Requested-With` and no prefetch marker; Fetch Metadata, when the browser
/// sends it, must say a document (`Sec-Fetch-Dest`, else `Sec-Fetch-Mode: navigate`); without
/// it, `Accept` must name `text/html` (`*/*` alone is what scripts send). No `Accept` at all
/// counts as a page (test clients and a few old browsers send none).
///
/// ```
/// use gouvconnect::is_page_view;
/// let page = [Some("text/html,application/xhtml+xml"), Some("navigate"), Some("document"), None, None, None];
/// assert!(is_page_view("GET", &page));
/// let fetch = [Some("*/*"), Some("cors"), Some("empty"), None, None, None];
/// assert!(!is_page_view("GET", &fetch));
/// ```
pub fn is_page_view(method: &str, headers: &[Option<&str>; 6]) -> bool {
    let [accept, mode, dest, purpose, sec_purpose, requested_with] = *headers;
    if method != "GET" || requested_with.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if purpose.is_some_and(|p| p.eq_ignore_ascii_case("prefetch")) || sec_purpose.is_some() {
        return false;
    }
    // Fetch Metadata: the destination says it best (a page `document`, a script's fetch
    // `empty`, a frame `iframe`); the mode alone when a browser sends no destination. Node's
    // fetch always says `cors`, whatever the destination it is given.
    match (dest, mode) {
        (Some(dest), _) => dest == "document",
        (None, Some(mode)) => mode == "navigate",
        (None, None) => accept.is_none_or(|a| a.trim().is_empty() || a.contains("text/html")),
    }
}

/// Whether `identity`, just logged in, is a step-up of the session's `previous` identity: the
/// same person (provider and `sub`) at a different acr that satisfies the previous one. A host
/// reports such a login as a `step_up` event rather than a new login.
pub fn is_step_up(previous: &Identity, identity: &Identity) -> bool {
    if previous.provider != identity.provider || previous.sub != identity.sub {
        return false;
    }
    let Some(acr) = identity.acr.as_deref() else {
        return false;
    };
    if previous.acr.as_deref() == Some(acr) {
        return false;
    }
    // An acr the core does not rank is no step-up.
    AcrRequirement::for_provider(identity.provider, previous.acr.as_deref(), false)
        .is_ok_and(|required| required.check(identity.provider, Some(acr)).is_ok())
}

/// Whether `link` may be offered as the support link of the error pages: an `http(s)` URL, a
/// `mailto:` link or a local path, without spaces or control characters (never `javascript:`
/// or a scheme-relative `//host`).
pub fn is_support_link(link: &str) -> bool {
    if link.is_empty() || link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = link.to_ascii_lowercase();
    let after = |prefix: &str| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty())
    };
    after("https://")
        || after("http://")
        || after("mailto:")
        || link == "/"
        || (link.starts_with('/') && !link.starts_with("//") && !link.starts_with("/\\"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ProviderKind;

    fn headers(accept: Option<&'static str>) -> [Option<&'static str>; 6] {
        [accept, None, None, None, None, None]
    }

    #[test]
    fn page_views() {
        assert!(is_page_view("GET", &headers(Some("text/html"))));
        assert!(is_page_view("GET", &headers(None)));
        assert!(!is_page_view("POST", &headers(Some("text/html"))));
        assert!(!is_page_view("GET", &headers(Some("*/*"))));
        assert!(!is_page_view("GET", &headers(Some("application/json"))));
        let mut h = headers(Some("text/html"));
        h[5] = Some("XMLHttpRequest");
        assert!(!is_page_view("GET", &h));
        let mut h = headers(Some("text/html"));
        h[3] = Some("prefetch");
        assert!(!is_page_view("GET", &h));
        let mut h = headers(Some("text/html"));
        h[4] = Some("prefetch;prerender");
        assert!(!is_page_view("GET", &h));
        for (mode, dest, page) in [
            (Some("navigate"), Some("document"), true),
            (Some("cors"), Some("document"), true),
            (Some("navigate"), Some("iframe"), false),
            (Some("cors"), Some("empty"), false),
            (Some("no-cors"), Some("image"), false),
            (Some("navigate"), None, true),
            (Some("cors"), None, false),
        ] {
            let h = [Some("*/*"), mode, dest, None, None, None];
            assert_eq!(is_page_view("GET", &h), page, "{mode:?} {dest:?}");
        }
    }

    fn identity(provider: ProviderKind, sub: &str, acr: Option<&str>) -> Identity {
        let mut id: Identity = serde_json::from_value(serde_json::json!({
            "provider": "proconnect", "sub": sub, "email": null, "email_verified": null,
            "given_name": null, "family_name": null, "acr": acr, "amr": [],
            "proconnect": null, "prosanteconnect": null, "raw": {"id_token": {}, "userinfo": {}}
        }))
        .unwrap();
        id.provider = provider;
        id
    }

    #[test]
    fn step_ups() {
        use ProviderKind::{ProConnect, ProSanteConnect};
        let before = identity(ProConnect, "s", Some("eidas1"));
        assert!(is_step_up(
            &before,
            &identity(ProConnect, "s", Some("eidas2"))
        ));
        assert!(!is_step_up(
            &before,
            &identity(ProConnect, "s", Some("eidas1"))
        ));
        assert!(!is_step_up(
            &before,
            &identity(ProConnect, "other", Some("eidas2"))
        ));
        assert!(!is_step_up(&before, &identity(ProConnect, "s", None)));
        assert!(!is_step_up(
            &before,
            &identity(ProConnect, "s", Some("unheard-of"))
        ));
        assert!(!is_step_up(
            &before,
            &identity(ProSanteConnect, "s", Some("eidas2"))
        ));
        let card = identity(ProSanteConnect, "s", Some("eidas2"));
        assert!(is_step_up(
            &identity(ProSanteConnect, "s", Some("eidas1")),
            &card
        ));
    }

    #[test]
    fn support_links() {
        for ok in [
            "https://aide.example/contact",
            "mailto:support@example.fr",
            "/aide",
            "/",
        ] {
            assert!(is_support_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "//evil.example",
            "/\\evil",
            "",
            "https://",
            "aide",
            "/a b",
        ] {
            assert!(!is_support_link(bad), "{bad}");
        }
    }
}
