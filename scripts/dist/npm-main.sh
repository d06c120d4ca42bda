#!/usr/bin/env bash
# Packs the npm package `gouvconnect` into DIST (called by scripts/dist/build.sh, and by the release
# workflow with every platform it built): npm-main.sh STAGE_DIR DIST_DIR "linux-x64-gnu darwin-arm64 …"
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
main=$1 dist=$2
version=$(tr -d ' \n' < VERSION)
rm -rf "$main"

# The published package: the JS API, its typings, install.js and the Rust sources of the addon
# (a standalone three-crate workspace under native/, for platforms without a prebuilt package).
# Its manifest is the repository's without the development build (napi CLI, dev dependencies,
# scripts) and with the prebuilt packages as optional dependencies (what `napi prepublish` does).
mkdir -p "$main/native/core" "$main/native/bindings-ffi" "$main/native/bindings-node"
(cd bindings-node && cp -r index.js index.d.ts native-loader.js install.js README.md express "$main/")
# core/data: tables the core compiles in (include_str!), e.g. the PSC code labels.
cp -r core/Cargo.toml core/src core/data core/examples "$main/native/core/"
cp -r bindings-ffi/Cargo.toml bindings-ffi/src "$main/native/bindings-ffi/"
cp -r bindings-node/Cargo.toml bindings-node/build.rs bindings-node/src "$main/native/bindings-node/"
cp Cargo.lock "$main/native/"
python3 - Cargo.toml "$main/native/Cargo.toml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"members = \[[^\]]*\]", 'members = ["core", "bindings-ffi", "bindings-node"]', text, count=1)
open(sys.argv[2], "w", encoding="utf-8").write(text)
PY
NPM_PLATFORMS=$3 node - bindings-node/package.json "$main/package.json" "$version" <<'JS'
const fs = require('node:fs');
const [src, dst, version] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(src, 'utf8'));
const { PREBUILT } = require(require('node:path').resolve('bindings-node/native-loader.js'));
delete pkg.devDependencies;
delete pkg.dependencies;
pkg.version = version;
pkg.scripts = { install: 'node install.js' };
pkg.files = ['index.js', 'index.d.ts', 'native-loader.js', 'install.js', 'express/', 'native/',
  '!native/target'];
const platforms = process.env.NPM_PLATFORMS.trim().split(/\s+/);
for (const p of platforms) if (!PREBUILT.includes(p)) throw new Error(`${p} is not in native-loader.js's PREBUILT`);
pkg.optionalDependencies = Object.fromEntries(platforms.map((p) => [`gouvconnect-${p}`, version]));
fs.writeFileSync(dst, JSON.stringify(pkg, null, 2) + '\n');
JS
(cd "$main" && npm pack --silent --pack-destination "$dist" >/dev/null)

