//! Where the browser may be sent: the open-redirect guard for `next`, and the host-name rule for
//! starting a login on the redirect URI's origin.

/// Returns `next` when it is a path on this site, `None` otherwise. Refuses absolute and
/// scheme-relative URLs (`//evil`, `/\evil`, `https:…`), control characters, and their
/// percent-encoded forms.
pub fn safe_next_path(next: &str) -> Option<String> {
    if next.len() > 2048 {
        return None;
    }
    let decoded: String = url::form_urlencoded::parse(format!("x={next}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    for candidate in [next, decoded.as_str()] {
        let bytes = candidate.as_bytes();
        if bytes.first() != Some(&b'/') {
            return None;
        }
        if matches!(bytes.get(1), Some(b'/') | Some(b'\\')) {
            return None;
        }
        if candidate.chars().any(|c| c.is_control() || c == '\\') {
            return None;
        }
    }
    Some(next.to_string())
}

/// Query parameter marking a login request already sent once to the redirect URI's origin.
const ORIGIN_MARKER: &str = "gouvconnect_origin";

/// Where a login request should go first so that the provider comes back to the host name that
/// holds the session: `request_url` (the full URL of the login request, as the host sees it)
/// moved to `redirect_uri`'s origin when the two differ, else `None`.
///
/// A session cookie set on `127.0.0.1` is not sent to `localhost` (nor between `www.` and the
/// bare domain), so a login started on the wrong name would come back sessionless. Only a
/// difference of host or port with the same scheme moves the request (a TLS-terminating proxy
/// shows the host `http` where the redirect URI says `https`), and at most once: the moved URL
/// carries a marker, so a proxy that rewrites the `Host` header cannot make it loop.
///
/// ```
/// use gouvconnect::login_origin_redirect;
/// assert_eq!(
///     login_origin_redirect("http://localhost:8000/auth/callback", "http://127.0.0.1:8000/auth/login?next=/me").as_deref(),
///     Some("http://localhost:8000/auth/login?next=/me&gouvconnect_origin=1"),
/// );
/// assert_eq!(login_origin_redirect("http://localhost:8000/auth/callback", "http://localhost:8000/auth/login"), None);
/// ```
pub fn login_origin_redirect(redirect_uri: &str, request_url: &str) -> Option<String> {
    let target = url::Url::parse(redirect_uri).ok()?;
    let request = url::Url::parse(request_url).ok()?;
    if target.scheme() != request.scheme()
        || !matches!(target.scheme(), "http" | "https")
        || target.origin() == request.origin()
        || request.query_pairs().any(|(k, _)| k == ORIGIN_MARKER)
    {
        return None;
    }
    let mut moved = target;
    moved.set_path(request.path());
    moved.set_query(request.query());
    moved.set_fragment(None);
    moved.query_pairs_mut().append_pair(ORIGIN_MARKER, "1");
    Some(moved.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths() {
        for ok in ["/", "/a/b?c=d", "/%20x"] {
            assert_eq!(safe_next_path(ok).as_deref(), Some(ok));
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "%2F%2Fevil.example",
            "/%2Fevil.example",
            "/%5Cevil.example",
            "evil",
            "",
            "/\nx",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn login_origin_moves_once_to_the_redirect_host() {
        let redirect = "http://localhost:8000/auth/callback";
        let moved = login_origin_redirect(redirect, "http://127.0.0.1:8000/auth/login?next=%2Fme")
            .expect("moved");
        assert_eq!(
            moved,
            "http://localhost:8000/auth/login?next=%2Fme&gouvconnect_origin=1"
        );
        // Never twice (a proxy rewriting Host would otherwise loop).
        assert_eq!(
            login_origin_redirect(redirect, &moved.replace("localhost", "127.0.0.1")),
            None
        );
        // Same origin, a TLS-terminating proxy, a port difference, garbage.
        assert_eq!(
            login_origin_redirect(redirect, "http://localhost:8000/auth/login"),
            None
        );
        assert_eq!(
            login_origin_redirect(
                "https://app.example/auth/callback",
                "http://10.0.0.5:8000/auth/login"
            ),
            None
        );
        assert!(login_origin_redirect(redirect, "http://localhost:9000/auth/login").is_some());
        assert_eq!(login_origin_redirect("not a url", "http://x/"), None);
    }
}
