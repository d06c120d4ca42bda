#!/usr/bin/env bash
# Checks the artifacts of dist/ (run by `make dist`, and again by `make test-dist`):
#  - every native library (the wheel's, the npm addon's, the jar's) needs no glibc symbol
#    version above 2.28 (read from its dynamic symbol table with objdump -T) and is stripped
#    (no .symtab, no .debug_* section: readelf -S);
#  - the wheel is abi3 (cp310) and auditwheel finds it consistent with its manylinux tag;
#  - the sdist carries the core's sources and the lock file; the npm package carries install.js,
#    the Rust sources and its prebuilt packages as optional dependencies.
set -euo pipefail
dist=${1:?usage: check.sh DIST_DIR}
max_glibc=2.28
tools=${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/.build}/venv-dist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() { echo "dist check FAILED: $*" >&2; status=1; }

check_library() { # label file
  local label=$1 file=$2 newest
  newest=$(objdump -T "$file" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
  if [ -z "$newest" ]; then fail "$label: no GLIBC symbol version found (not a glibc library?)"; return; fi
  if [ "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
    fail "$label needs GLIBC_$newest (> $max_glibc)"
  fi
  if readelf -S -W "$file" | grep -qE '\.symtab|\.debug_'; then
    fail "$label is not stripped ($(readelf -S -W "$file" | grep -oE '\.symtab|\.debug_[a-z_]+' | tr '\n' ' '))"
  fi
  printf '   %-48s %6s KiB  newest glibc symbol GLIBC_%s, stripped\n' "$label" $(( $(stat -c %s "$file") / 1024 )) "$newest"
}

shopt -s nullglob
wheels=("$dist"/gouvconnect-*-cp310-abi3-manylinux*_x86_64.whl)
[ ${#wheels[@]} -eq 1 ] || fail "expected one abi3 (cp310) manylinux x86_64 wheel in $dist, found: ${wheels[*]:-none}"
for whl in "${wheels[@]}"; do
  mkdir -p "$work/wheel" && unzip -q -o "$whl" -d "$work/wheel"
  for so in "$work"/wheel/gouvconnect/*.so; do check_library "wheel: gouvconnect/${so##*/}" "$so"; done
  if [ -x "$tools/bin/auditwheel" ]; then
    tag=$("$tools/bin/auditwheel" show "$whl" | tr '\n' ' ' | grep -o 'consistent with the following platform tag: "[^"]*"' | cut -d'"' -f2)
    case "$whl" in
      *"$tag"*) echo "   auditwheel: consistent with $tag (the wheel's tag)" ;;
      *) fail "auditwheel: $whl is consistent with ${tag:-no manylinux tag}, not its own tag" ;;
    esac
  fi
done

sdists=("$dist"/gouvconnect-*.tar.gz)
[ ${#sdists[@]} -eq 1 ] || fail "expected one sdist in $dist"
for sdist in "${sdists[@]}"; do
  listing=$(tar -tzf "$sdist")
  for needed in Cargo.lock core/src/lib.rs bindings-ffi/src/lib.rs bindings-python/src/lib.rs pyproject.toml python/gouvconnect/__init__.py; do
    grep -q "/$needed\$" <<<"$listing" || grep -q "$needed\$" <<<"$listing" || fail "sdist lacks $needed"
  done
done

for tgz in "$dist"/gouvconnect-linux-x64-gnu-*.tgz; do
  mkdir -p "$work/npm-platform" && tar -xzf "$tgz" -C "$work/npm-platform"
  check_library "npm: gouvconnect.linux-x64-gnu.node" "$work/npm-platform/package/gouvconnect.linux-x64-gnu.node"
done
mains=("$dist"/gouvconnect-[0-9]*.tgz)
[ ${#mains[@]} -eq 1 ] || fail "expected one main npm tarball in $dist"
for tgz in "${mains[@]}"; do
  listing=$(tar -tzf "$tgz")
  for needed in package/install.js package/native-loader.js package/index.js package/express/index.js \
    package/native/Cargo.lock package/native/core/src/lib.rs package/native/bindings-ffi/src/lib.rs \
    package/native/bindings-node/src/lib.rs; do
    grep -qx "$needed" <<<"$listing" || fail "npm package lacks $needed"
  done
  ! grep -q '\.node$' <<<"$listing" || fail "the main npm package carries a native addon"
  tar -xzOf "$tgz" package/package.json | node -e '
    const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const want = `gouvconnect-linux-x64-gnu`;
    if (p.optionalDependencies?.[want] !== p.version) { console.error(`no ${want}@${p.version} optional dependency`); process.exit(1); }
    if (p.dependencies && Object.keys(p.dependencies).length) { console.error("runtime dependencies: " + Object.keys(p.dependencies)); process.exit(1); }
  ' || fail "npm package manifest"
done

for jar in "$dist"/gouvconnect-keycloak-*.jar; do
  mkdir -p "$work/jar" && unzip -q -o "$jar" 'native/*' -d "$work/jar"
  found=0
  for so in "$work"/jar/native/*/*; do check_library "jar: ${so#"$work"/jar/}" "$so"; found=1; done
  [ $found = 1 ] || fail "the jar has no native library"
  [ -f "$work/jar/native/linux-x86_64/libgouvconnect_jni.so" ] || fail "the jar lacks native/linux-x86_64/libgouvconnect_jni.so"
done

[ $status = 0 ] && echo "   dist check: every native library needs glibc <= $max_glibc and is stripped"
exit $status
