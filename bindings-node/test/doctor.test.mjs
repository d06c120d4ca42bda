// `doctor` (the core's going-live checks) from Node: the API, and `npx gouvconnect doctor` run
// as a process on the options of auth() against the emulator, once per seeded fault: wrong
// secret, wrong issuer, wrong algorithm, skewed clock, expired PSC client certificate, a
// registered redirect URI that is not the mounted route; and the healthy case, exit status 0.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CLIENTS, ROOT, client, emulatorBin, startEmulator } from './harness.mjs';

// The mutual-TLS client: no secret, its certificate's CN is its id.
const MTLS = client('prosanteconnect_mtls');

const require = createRequire(import.meta.url);
const { doctor } = require('..');
const express = require('../express');

const BIN = path.join(ROOT, 'bindings-node/bin/gouvconnect.js');
const BASE_URL = 'http://127.0.0.1:3999';

let emulator;
let dir;
let serverCert;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-doctor-'));
  serverCert = path.join(dir, 'server.pem');
  emulator = await startEmulator(['--tls-port', '0', '--tls-cert-out', serverCert]);
});
after(async () => {
  await emulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function provider(name, overrides = {}) {
  const c = CLIENTS[name];
  return { issuer: c.issuer(emulator.base), client_id: c.id, client_secret: c.secret, ...overrides };
}

/** A client certificate from the emulator's generator, valid for `days` (negative: expired). */
function clientCert(name, days, cn = MTLS.id) {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  execFileSync(emulatorBin(), ['gen-client-cert', '--cn', cn, '--out-cert', cert, '--out-key', key,
    '--valid-days', String(days)]);
  return { cert, key };
}

function mtls({ cert, key }) {
  return provider('prosanteconnect', {
    client_id: MTLS.id, client_secret: MTLS.secret, token_auth_method: 'tls_client_auth',
    tls_client_cert: cert, tls_client_key: key, tls_ca_cert: serverCert,
  });
}

let configs = 0;
/** Writes the auth() options as a JSON file (or a CommonJS module) and returns its path. */
function writeConfig(options, { module = false } = {}) {
  configs += 1;
  const file = path.join(dir, `config-${configs}.${module ? 'js' : 'json'}`);
  const text = JSON.stringify(options, null, 2);
  fs.writeFileSync(file, module ? `module.exports = ${text};\n` : text);
  return file;
}

/** Runs `gouvconnect <args>`; resolves with the exit status and both outputs. */
function run(args, { cwd } = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: cwd || dir, timeout: 60000 }, (error, stdout, stderr) => {
      resolve({ status: error ? error.code : 0, stdout, stderr });
    });
  });
}

/** `gouvconnect doctor --json` on `options`: the exit status and the parsed result. */
async function runJson(options) {
  const { status, stdout, stderr } = await run(['doctor', '--config', writeConfig(options), '--json']);
  assert.ok(stdout, `no output: ${stderr}`);
  return { status, result: JSON.parse(stdout) };
}

const check = (report, id) => {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no \`${id}\` check in ${JSON.stringify(report, null, 2)}`);
  return found;
};

function assertNoSecret(text, extra = []) {
  for (const secret of [CLIENTS.proconnect.secret, CLIENTS.prosanteconnect.secret, ...extra]) {
    assert.ok(!text.includes(secret), 'a client secret reached the output');
  }
}

describe('doctor() API', () => {
  test('a report with stable ids, toText() for a person, JSON without the method', async () => {
    const config = { ...provider('proconnect'), provider: 'proconnect', redirect_uri: `${BASE_URL}/auth/callback` };
    const report = await doctor(config, { mountedRedirectUris: [`${BASE_URL}/auth/callback`] });
    assert.equal(report.ok, true, report.toText());
    assert.equal(report.provider, 'proconnect');
    assert.equal(report.environment, null);
    assert.equal(check(report, 'credentials').verdict, 'pass');
    assert.equal(check(report, 'redirect_uri').verdict, 'pass');
    assert.match(report.toText(), /verdict: ready/);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(report))).sort(), ['checks', 'environment', 'issuer', 'ok', 'provider']);
    assertNoSecret(report.toText() + JSON.stringify(report));

    const moved = await doctor(config, { mountedRedirectUris: [`${BASE_URL}/oidc/callback`] });
    assert.equal(moved.ok, false);
    assert.equal(check(moved, 'redirect_uri').verdict, 'fail');
  });

  test('a configuration of the wrong shape rejects with invalid_config', async () => {
    await assert.rejects(doctor({ provider: 'nopeconnect', client_id: 'x', client_secret: 'y', redirect_uri: BASE_URL }),
      { name: 'GouvConnectError', code: 'invalid_config' });
  });

  test('auth(…).doctor() checks what that middleware mounts', async () => {
    const middleware = express.auth({ baseURL: BASE_URL, providers: { proconnect: provider('proconnect') }, logger: { info() {}, warn() {}, error() {} } });
    const { ok, reports } = await middleware.doctor();
    assert.equal(ok, true, reports.map((r) => r.toText()).join('\n'));
    assert.match(check(reports[0], 'redirect_uri').message, /http:\/\/127\.0\.0\.1:3999\/auth\/callback/);
  });
});

describe('npx gouvconnect doctor', () => {
  test('healthy: both providers ready, exit 0; the options as a module found by its default name', async () => {
    const options = { baseURL: BASE_URL, providers: { proconnect: provider('proconnect'), prosanteconnect: provider('prosanteconnect') } };
    const cwd = fs.mkdtempSync(path.join(dir, 'app-'));
    fs.writeFileSync(path.join(cwd, 'gouvconnect.config.js'), `module.exports = ${JSON.stringify(options)};\n`);
    const { status, stdout, stderr } = await run(['doctor'], { cwd });
    assert.equal(status, 0, stdout + stderr);
    assert.match(stdout, /gouvconnect doctor: ProConnect at .*\/api\/v2/);
    assert.match(stdout, /gouvconnect doctor: Pro Santé Connect at .*\/auth\/realms\/esante-wallet/);
    assert.equal(stdout.match(/verdict: ready/g).length, 2, stdout);
    // The redirect URIs are derived as auth() derives them, one callback per provider.
    assert.match(stdout, /http:\/\/127\.0\.0\.1:3999\/auth\/proconnect\/callback/);
    assert.match(stdout, /http:\/\/127\.0\.0\.1:3999\/auth\/prosanteconnect\/callback/);
    assertNoSecret(stdout + stderr);

    const json = await runJson(options);
    assert.equal(json.status, 0);
    assert.equal(json.result.ok, true);
    assert.deepEqual(json.result.reports.map((r) => r.provider), ['proconnect', 'prosanteconnect']);
    for (const report of json.result.reports) {
      for (const id of ['discovery', 'issuer', 'clock', 'algorithms', 'jwks', 'credentials']) {
        assert.equal(check(report, id).verdict, 'pass', `${report.provider} ${id}`);
      }
    }
    // --provider keeps one.
    const one = await run(['doctor', '--config', writeConfig(options, { module: true }), '--provider', 'prosanteconnect']);
    assert.equal(one.status, 0, one.stdout + one.stderr);
    assert.doesNotMatch(one.stdout, /ProConnect at/);
  });

  test('wrong secret: credentials refused invalid_client, exit 1, the secret never printed', async () => {
    const wrong = 'not-the-registered-secret-0123456789abcdef';
    const options = { baseURL: BASE_URL, providers: { proconnect: provider('proconnect', { client_secret: wrong }) } };
    const { status, stdout } = await run(['doctor', '--config', writeConfig(options)]);
    assert.equal(status, 1, stdout);
    assert.match(stdout, /FAIL\s+credentials\s+.*invalid_client/);
    assert.match(stdout, /verdict: NOT READY/);
    assertNoSecret(stdout, [wrong]);
    const json = await runJson(options);
    assert.equal(json.status, 1);
    assert.equal(json.result.ok, false);
    assert.equal(check(json.result.reports[0], 'credentials').verdict, 'fail');
    assert.ok(check(json.result.reports[0], 'credentials').fix);
    assertNoSecret(JSON.stringify(json.result), [wrong]);
  });

  test('wrong issuer: the discovery fails, naming the URL', async () => {
    const options = { baseURL: BASE_URL, providers: { proconnect: provider('proconnect', { issuer: emulator.base }) } };
    const { status, stdout } = await run(['doctor', '--config', writeConfig(options)]);
    assert.equal(status, 1, stdout);
    assert.match(stdout, /FAIL\s+discovery\s+.*HTTP 404/);
    assert.match(stdout, /\/api\/v2/);
  });

  test('wrong algorithm: ProConnect with id_token_alg PS256', async () => {
    const { status, result } = await runJson({
      baseURL: BASE_URL, providers: { proconnect: provider('proconnect', { id_token_alg: 'PS256' }) },
    });
    assert.equal(status, 1);
    assert.equal(check(result.reports[0], 'configuration').verdict, 'fail');
    assert.equal(check(result.reports[0], 'algorithms').verdict, 'fail');
  });

  test('skewed clock: the provider\'s Date 10 minutes ahead', async () => {
    const fault = await fetch(`${emulator.base}/_emulator/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'clock_skew' }),
    });
    assert.equal(fault.status, 204);
    try {
      const options = { baseURL: BASE_URL, providers: { proconnect: provider('proconnect') } };
      const { status, stdout } = await run(['doctor', '--config', writeConfig(options)]);
      assert.equal(status, 1, stdout);
      assert.match(stdout, /FAIL\s+clock\s/);
    } finally {
      await fetch(`${emulator.base}/_emulator/faults`, { method: 'DELETE' });
    }
  });

  test('PSC mutual TLS: a valid certificate is ready with its days left; an expired one fails', async () => {
    const good = await run(['doctor', '--config', writeConfig({
      baseURL: BASE_URL, providers: { prosanteconnect: mtls(clientCert('good', 365)) },
    })]);
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /ok\s+client_certificate\s+.*day\(s\) left/);
    assert.match(good.stdout, /ok\s+credentials\s/);

    const expired = await run(['doctor', '--config', writeConfig({
      baseURL: BASE_URL, providers: { prosanteconnect: mtls(clientCert('expired', -3)) },
    })]);
    assert.equal(expired.status, 1, expired.stdout);
    // 3 days, or 4 once a second has passed since the certificate was made (the core rounds down).
    assert.match(expired.stdout, /FAIL\s+client_certificate\s+.*expired [34] day\(s\) ago/);
  });

  test('a registered redirect URI that is not the route auth() mounts', async () => {
    // The app moved its callback to /oidc/callback; the provider still has /auth/callback.
    const options = {
      baseURL: BASE_URL,
      routes: { callback: '/oidc/callback' },
      providers: { proconnect: provider('proconnect', { redirect_uri: `${BASE_URL}/auth/callback` }) },
    };
    const { status, stdout } = await run(['doctor', '--config', writeConfig(options)]);
    assert.equal(status, 1, stdout);
    assert.match(stdout, /FAIL\s+redirect_uri\s+.*\/auth\/callback.*not a route this application serves \(http:\/\/127\.0\.0\.1:3999\/oidc\/callback\)/);
    // Registered as mounted: ready.
    options.providers.proconnect.redirect_uri = `${BASE_URL}/oidc/callback`;
    const fixed = await run(['doctor', '--config', writeConfig(options)]);
    assert.equal(fixed.status, 0, fixed.stdout);
  });

  test('a configuration that cannot be read: exit 2, without quoting the file', async () => {
    const missing = await run(['doctor', '--config', path.join(dir, 'nope.json')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file/);
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, `{"baseURL": "${BASE_URL}", "providers": {"proconnect": {"client_secret": "s3cret-in-a-broken-file"`);
    const bad = await run(['doctor', '--config', broken]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /is not valid JSON/);
    assert.ok(!bad.stderr.includes('s3cret-in-a-broken-file'));
    const noBase = await run(['doctor', '--config', writeConfig({ providers: { proconnect: provider('proconnect') } })]);
    assert.equal(noBase.status, 2);
    assert.match(noBase.stderr, /invalid_config: auth\(\) needs baseURL and providers/);
    const unknown = await run(['lint']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command `lint`/);
  });
});
