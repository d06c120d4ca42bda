//! The open-redirect guard (`safe_next_path`).
//!
//! Property: whatever the input, an accepted path is returned unchanged, starts with a single
//! `/` and never with `//` or `/\`, contains no backslash and no control character, and the
//! same holds for its percent-decoded form (a browser or framework may decode it once).
#![no_main]

use gouvconnect::safe_next_path;
use libfuzzer_sys::fuzz_target;

fn local(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

fuzz_target!(|data: &[u8]| {
    let Ok(next) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(accepted) = safe_next_path(next) {
        assert_eq!(accepted, next, "the path is returned unchanged");
        assert!(local(&accepted), "accepted a non-local path: {accepted:?}");
        let decoded = url::form_urlencoded::parse(format!("x={accepted}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        assert!(
            local(&decoded),
            "accepted a path that decodes to {decoded:?}"
        );
        // What a browser resolves it to against the site stays on the site.
        let base = url::Url::parse("https://app.example/").unwrap();
        if let Ok(resolved) = base.join(&accepted) {
            assert_eq!(
                resolved.host_str(),
                Some("app.example"),
                "{accepted:?} leaves the site"
            );
            assert_eq!(resolved.scheme(), "https");
        }
    }
});
