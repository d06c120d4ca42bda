#!/usr/bin/env bash
# `make dist`: every release artifact of this platform (Linux x86_64, glibc) into dist/:
#   gouvconnect-V-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl   + gouvconnect-V.tar.gz (sdist)
#   gouvconnect-V.tgz (npm, loads gouvconnect-linux-x64-gnu, else builds from source, else fails)
#   gouvconnect-linux-x64-gnu-V.tgz (npm, the prebuilt addon)
#   gouvconnect-keycloak-V.jar (the JNI library under native/linux-x86_64/)
#   SHA256SUMS
#
# Native code is linked against glibc 2.17 with zig (the `ziglang` wheel from PyPI, driven by
# maturin's --zig for the wheel and by cargo-zigbuild for the Node addon and the JNI library), so
# the artifacts load on any glibc ≥ 2.17 whatever glibc the build machine has. maturin and
# cargo-zigbuild each get a target directory of their own under target/dist/: their zig wrappers
# differ, and sharing one directory rebuilds every crate at each switch (measured: 104–155 crates
# recompiled, ~3 min each way on 2 cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${BUILD:-$root/.build}
dist=$root/dist
tools=$build/venv-dist
stage=$build/dist-stage
target_root=${CARGO_TARGET_DIR:-$root/target}/dist
glibc=2.17
triple=x86_64-unknown-linux-gnu
# The prebuilt npm packages the main package lists as optional dependencies: the ones built here
# (the release workflow passes every platform it built).
npm_platforms=${DIST_NPM_PLATFORMS:-linux-x64-gnu}
version=$(tr -d ' \n' < VERSION)
export PIP_CACHE_DIR=$build/pip-cache PIP_DISABLE_PIP_VERSION_CHECK=1

t0=$SECONDS
step_start=$SECONDS
step() {
  local now=$SECONDS
  [ -n "${step_name:-}" ] && printf '== dist: %-44s %4ss\n' "$step_name" $((now - step_start))
  step_name=$1
  step_start=$now
}

step "version check"
bash scripts/dist/version.sh check

step "tools (maturin, ziglang, cargo-zigbuild, auditwheel)"
# Pinned together: maturin 1.16.0 embeds cargo-zigbuild 0.24.0.
if [ ! -f "$tools/.v1" ]; then
  rm -rf "$tools"
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q 'maturin==1.16.0' 'ziglang==0.17.1' 'cargo-zigbuild==0.24.0' 'auditwheel==6.8.2'
  touch "$tools/.v1"
fi
export PATH=$tools/bin:$PATH

rm -rf "$dist" "$stage"
mkdir -p "$dist" "$stage"

step "wheel (maturin --zig, manylinux2014)"
# --compatibility makes maturin run its auditwheel-style check: it refuses a library that needs
# a newer glibc symbol or an external library than the tag allows.
(cd bindings-python && CARGO_TARGET_DIR=$target_root/maturin maturin build --release --strip --zig \
  --target $triple --compatibility manylinux2014 --quiet -o "$dist")

step "sdist"
(cd bindings-python && maturin sdist -o "$dist" >/dev/null)

step "Node addon + JNI library (cargo-zigbuild)"
CARGO_TARGET_DIR=$target_root/zigbuild cargo-zigbuild build --release --quiet \
  --target $triple.$glibc -p gouvconnect-node -p gouvconnect-jni
libs=$target_root/zigbuild/$triple/release
mkdir -p "$stage/native"
strip --strip-all -o "$stage/native/gouvconnect.linux-x64-gnu.node" "$libs/libgouvconnect_node.so"
strip --strip-all -o "$stage/native/libgouvconnect_jni.so" "$libs/libgouvconnect_jni.so"

step "npm: gouvconnect-linux-x64-gnu"
mkdir -p "$stage/npm-linux-x64-gnu"
cp bindings-node/npm/linux-x64-gnu/package.json bindings-node/npm/linux-x64-gnu/README.md "$stage/npm-linux-x64-gnu/"
cp "$stage/native/gouvconnect.linux-x64-gnu.node" "$stage/npm-linux-x64-gnu/"
(cd "$stage/npm-linux-x64-gnu" && npm pack --silent --pack-destination "$dist" >/dev/null)

step "npm: gouvconnect"
bash scripts/dist/npm-main.sh "$stage/npm-gouvconnect" "$dist" "$npm_platforms"

step "Keycloak jar (Maven, prebuilt library)"
# Its own Maven build directory: keycloak-ext/target belongs to the other suites.
mkdir -p "$stage/jni"
cp "$stage/native/libgouvconnect_jni.so" "$stage/jni/"
(cd keycloak-ext && mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$build/m2" -DskipTests -Dcargo.skip=true \
  -Dnative.dir="$stage/jni" -Dnative.platform=linux-x86_64 -Dgouvconnect.build.dir="$stage/keycloak-target" package)
cp "$stage/keycloak-target/gouvconnect-keycloak-$version.jar" "$dist/"

step "checks (glibc symbol versions, stripped, manylinux)"
bash scripts/dist/check.sh "$dist"

step "checksums"
(cd "$dist" && sha256sum -- * > SHA256SUMS)
step ""
echo "== dist: total $((SECONDS - t0))s, version $version"
(cd "$dist" && ls -l --block-size=K -- * | awk '{printf "   %8s  %s\n", $5, $9}')
