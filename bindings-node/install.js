'use strict';
// `npm install` hook of the published package: nothing to do when the prebuilt package of this
// platform (gouvconnect-<platform>, an optional dependency) is installed; otherwise build the
// addon from the Rust sources shipped in native/ when cargo is available; otherwise fail with a
// message that names the platform. (In a clone, `npm install` builds with `napi build` instead.)

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { platformName, PREBUILT } = require('./native-loader.js');

const name = platformName();
const local = path.join(__dirname, `gouvconnect.${name}.node`);

function prebuiltInstalled() {
  try {
    require.resolve(`gouvconnect-${name}/package.json`, { paths: [__dirname] });
    return true;
  } catch {
    return false;
  }
}

function fail(message) {
  process.stderr.write(`gouvconnect: ${message}\n`);
  process.exit(1);
}

if (process.env.GOUVCONNECT_BUILD_FROM_SOURCE !== '1' && (fs.existsSync(local) || prebuiltInstalled())) {
  process.exit(0);
}

const manifest = path.join(__dirname, 'native', 'bindings-node', 'Cargo.toml');
const cargo = process.env.CARGO || 'cargo';
const probe = spawnSync(cargo, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  const why = PREBUILT.includes(name)
    ? `the prebuilt package gouvconnect-${name} was not installed (optional dependencies omitted?)`
    : `no prebuilt package exists for ${name} (prebuilt: ${PREBUILT.join(', ')})`;
  fail(`cannot install on this platform (${name}): ${why}, and no Rust toolchain (cargo) was found `
    + 'to build the addon from source. Install Rust (https://rustup.rs) and reinstall, or install on a '
    + 'platform with a prebuilt package.');
}

process.stderr.write(`gouvconnect: no prebuilt addon for ${name}: building it from source with ${probe.stdout.trim()}\n`);
const targetDir = process.env.CARGO_TARGET_DIR || path.join(__dirname, 'native', 'target');
const build = spawnSync(cargo, ['build', '--release', '--manifest-path', manifest], {
  stdio: 'inherit',
  env: { ...process.env, CARGO_TARGET_DIR: targetDir },
});
if (build.status !== 0) fail(`the from-source build failed on ${name} (cargo exited ${build.status})`);

const built = { win32: 'gouvconnect_node.dll', darwin: 'libgouvconnect_node.dylib' }[process.platform]
  || 'libgouvconnect_node.so';
fs.copyFileSync(path.join(targetDir, 'release', built), local);
if (!process.env.CARGO_TARGET_DIR) fs.rmSync(path.join(__dirname, 'native', 'target'), { recursive: true, force: true });
process.stderr.write(`gouvconnect: built ${path.basename(local)}\n`);
