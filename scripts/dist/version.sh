#!/usr/bin/env bash
# The release version lives in VERSION. The manifests that must spell it out (Cargo's workspace —
# the crates and, through maturin, the wheel —, the npm packages, the Maven project) are stamped
# from it and checked against it:
#   scripts/dist/version.sh check      fail when a manifest disagrees with VERSION
#   scripts/dist/version.sh set 0.2.0  write 0.2.0 into VERSION and every manifest
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

manifests() {
  # file, then a Python regex whose group 1 is the version
  printf '%s\n' \
    'Cargo.toml|\[workspace\.package\][^\[]*?\nversion = "([^"]+)"' \
    'bindings-node/package.json|^\{\s*"name": "gouvconnect",\s*"version": "([^"]+)"' \
    'bindings-node/npm/linux-x64-gnu/package.json|"version": "([^"]+)"' \
    'keycloak-ext/pom.xml|<artifactId>gouvconnect-keycloak</artifactId>\s*<version>([^<]+)</version>'
}

run() {
  local mode=$1 version=$2
  manifests | python3 -c '
import re, sys
mode, version = sys.argv[1], sys.argv[2]
bad = 0
for line in sys.stdin.read().splitlines():
    path, pattern = line.split("|", 1)
    text = open(path, encoding="utf-8").read()
    m = re.search(pattern, text, re.S)
    if not m:
        sys.exit(f"version.sh: no version found in {path}")
    if mode == "set":
        text = text[: m.start(1)] + version + text[m.end(1):]
        open(path, "w", encoding="utf-8").write(text)
    elif m.group(1) != version:
        print(f"version.sh: {path} says {m.group(1)}, VERSION says {version}", file=sys.stderr)
        bad = 1
sys.exit(bad)
' "$mode" "$version"
}

case "${1:-check}" in
  check)
    version=$(tr -d ' \n' < VERSION)
    run check "$version"
    echo "version $version: VERSION, Cargo.toml, package.json (gouvconnect, gouvconnect-linux-x64-gnu), pom.xml agree"
    ;;
  set)
    version=${2:?usage: version.sh set X.Y.Z}
    [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || { echo "not a version: $version" >&2; exit 2; }
    echo "$version" > VERSION
    run set "$version"
    echo "version set to $version; also update CHANGELOG.md (and the jar name in scripts and docs that spell it)"
    ;;
  *) echo "usage: $0 check | set X.Y.Z" >&2; exit 2 ;;
esac
