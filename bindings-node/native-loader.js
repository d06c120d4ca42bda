'use strict';
// Finds the native addon of this platform (napi-rs convention): first a `gouvconnect.<platform>.node`
// beside this file (built from source: `napi build` in a clone, or install.js when no prebuilt
// package fits), then the prebuilt package `gouvconnect-<platform>` that npm installed as an
// optional dependency. Fails with a message that names the platform.

const fs = require('node:fs');
const path = require('node:path');

/** Platforms the release workflow builds a package for (.github/workflows/release.yml). */
const PREBUILT = [
  'linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl',
  'darwin-arm64', 'darwin-x64', 'win32-x64-msvc',
];

function isMusl() {
  if (process.platform !== 'linux') return false;
  try {
    // glibc's Node reports the glibc it runs on; musl's does not.
    return !process.report.getReport().header.glibcVersionRuntime;
  } catch {
    try {
      return fs.readdirSync('/lib').some((f) => f.startsWith('ld-musl-'));
    } catch {
      return false;
    }
  }
}

/** `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, `win32-x64-msvc`… (napi-rs names). */
function platformName() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function missingMessage(name, errors) {
  const tried = errors.map((e) => `  - ${e}`).join('\n');
  const prebuilt = PREBUILT.includes(name)
    ? `the prebuilt package gouvconnect-${name} is missing: reinstall gouvconnect without `
      + '--omit=optional / --no-optional, and with the same package manager as the lock file'
    : `no prebuilt package exists for ${name} (prebuilt: ${PREBUILT.join(', ')})`;
  return `gouvconnect: no native addon for this platform (${name}): ${prebuilt}; `
    + 'or install a Rust toolchain (cargo) and reinstall gouvconnect to build it from source.\n'
    + `Tried:\n${tried}`;
}

/** Loads the addon; throws an Error with code `ERR_GOUVCONNECT_NATIVE` naming the platform. */
function loadNative() {
  const name = platformName();
  const errors = [];
  const local = path.join(__dirname, `gouvconnect.${name}.node`);
  if (fs.existsSync(local)) {
    try {
      return require(local);
    } catch (e) {
      errors.push(`${local}: ${e.message}`);
    }
  } else {
    errors.push(`${local}: not built`);
  }
  try {
    return require(`gouvconnect-${name}`);
  } catch (e) {
    errors.push(`gouvconnect-${name}: ${e.code === 'MODULE_NOT_FOUND' ? 'not installed' : e.message}`);
  }
  const error = new Error(missingMessage(name, errors));
  error.code = 'ERR_GOUVCONNECT_NATIVE';
  throw error;
}

module.exports = { loadNative, platformName, PREBUILT };
