// What every end-to-end file of the Keycloak extension sets up the same way: a real Keycloak
// started by examples/keycloak/run.sh (its own process group, free ports, its log kept), the
// admin REST API as admin, headless Chromium's driver, and demo-app, the example realm's public
// client (PKCE), with its redirect URI served on loopback. Not a test file (`node --test` runs
// the *.test.mjs files only). The generic helpers (emulator, ports, fixture, browser-like client,
// Chromium launcher) stay in bindings-node/test/harness.mjs, shared with the other suites.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, freePort } from '../../../../bindings-node/test/harness.mjs';

/** The example realm that run.sh imports (examples/keycloak/). */
export const REALM = 'gouvconnect';

/** playwright-core's Chromium driver, from the Node package's dev dependencies. */
export const { chromium } = createRequire(path.join(ROOT, 'bindings-node', 'package.json'))('playwright-core');

/** The claims of a JWT (its payload, not verified). */
export const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

/**
 * Starts Keycloak with the extension through examples/keycloak/run.sh, in a process group of its
 * own (run.sh starts Java below bash), and resolves once `/realms/gouvconnect` answers 200.
 *
 * - `port`: Keycloak's HTTP port, when the caller needs the URL before the start (e.g. in the
 *   emulator's configuration); a free one otherwise. The management port is always a free one.
 * - `env`: run.sh's settings on top of this process's environment, PORT and
 *   KEYCLOAK_MANAGEMENT_PORT (GOUVCONNECT_PROVIDER, GOUVCONNECT_ISSUER, KEYCLOAK_VERSION…).
 * - `timeoutMs`: how long to wait for the realm (run.sh may first rebuild the jar: cargo and
 *   Maven on a shared machine); polled every 2 s. A Keycloak whose run.sh exits before is
 *   reported at once.
 *
 * Returns `{ base, log, admin, stop }`: `log()` is what Keycloak wrote on stdout (its console
 * log; the newest chunks kept, for the tests that check what the extension logs), `admin(realm)`
 * an admin REST API client (`adminApi`), `stop()` writes the log to `$GC_KC_LOG` when set, then
 * sends SIGTERM to the process group. When the start fails, Keycloak is stopped before the error.
 */
export async function startKeycloak({ port, env = {}, timeoutMs }) {
  const httpPort = port ?? await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  const child = spawn('bash', [path.join(ROOT, 'examples/keycloak/run.sh')], {
    env: {
      ...process.env,
      PORT: String(httpPort),
      KEYCLOAK_MANAGEMENT_PORT: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const chunks = [];
  child.stdout.on('data', (d) => {
    chunks.push(String(d));
    if (chunks.length > 5000) chunks.splice(0, 1000);
  });
  const log = () => chunks.join('');
  const stop = async () => {
    if (process.env.GC_KC_LOG) fs.writeFileSync(process.env.GC_KC_LOG, log());
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  };
  const url = `${base}/realms/${REALM}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      const why = child.exitCode !== null ? `run.sh exited ${child.exitCode}` : `not ready after ${timeoutMs} ms`;
      throw new Error(`Keycloak at ${url}: ${why}\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  return { base, log, stop, admin: (realm) => adminApi(base, realm) };
}

/** An access token of Keycloak's admin (master realm, admin-cli: it lives one minute). */
export async function adminToken(base) {
  const res = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' }),
  });
  return (await res.json()).access_token;
}

/**
 * The admin REST API of `realm` as admin, with a fresh token: `api(method, path, body)` under
 * /admin/realms/{realm} answers the JSON (null when empty), or throws an Error carrying the
 * answer's `status` and `body`.
 */
export async function adminApi(base, realm = REALM) {
  const token = await adminToken(base);
  return async (method, p, body) => {
    const r = await fetch(`${base}/admin/realms/${realm}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw Object.assign(new Error(`${method} ${p}: ${r.status} ${text}`), { status: r.status, body: text });
    return text ? JSON.parse(text) : null;
  };
}

/**
 * demo-app with its redirect URI served by a stub on loopback (200 "demo-app"), for Chromium's
 * sake: a redirect's target cannot be intercepted, and Chromium refuses "unsafe" ports such as 9.
 * Returns `{ redirect, close }`.
 */
export async function startDemoApp() {
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('demo-app'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { redirect: `http://127.0.0.1:${server.address().port}/cb`, close: () => server.close() };
}

/** A PKCE pair (S256): `{ verifier, challenge }`. */
export function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * demo-app's tokens at the Keycloak `base` (realm gouvconnect) for `code`, sent back to
 * `redirect` with the PKCE `verifier` (asserts a 200 from the token endpoint).
 */
export async function codeTokens(base, redirect, code, verifier) {
  const res = await fetch(`${base}/realms/${REALM}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'demo-app', code,
      redirect_uri: redirect, code_verifier: verifier }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

/**
 * demo-app's side of the code flow at the Keycloak `base`, realm gouvconnect, back to `redirect`:
 * `authorize(params)` is its authorization request (PKCE S256, `params` added) and verifier;
 * `tokens(location, verifier)` the tokens for the code on a redirect back to demo-app (asserts a
 * code, and a 200 from the token endpoint).
 */
export function demoApp(base, redirect) {
  return {
    authorize(params = {}) {
      const { verifier, challenge } = pkce();
      const url = `${base}/realms/${REALM}/protocol/openid-connect/auth?` + new URLSearchParams({
        client_id: 'demo-app', redirect_uri: redirect, response_type: 'code', scope: 'openid',
        code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state', ...params,
      });
      return { url, verifier };
    },
    async tokens(location, verifier) {
      const code = new URL(location).searchParams.get('code');
      assert.ok(code, `no code on ${location}`);
      return codeTokens(base, redirect, code, verifier);
    },
  };
}
