//! Prints the resolved openidconnect version in the report: read from this crate's Cargo.lock,
//! the one pinned build (the Cargo.toml requirement alone would not say which release ran).
fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"openidconnect\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=OPENIDCONNECT_VERSION={version}");
}
