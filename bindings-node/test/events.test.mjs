// Login events of gouvconnect/express, on Express 4 and 5 against the emulator: the `onEvent`
// option and the middleware as an EventEmitter receive every login success, refusal (with its
// stable code), logout and step-up; a listener that throws never changes a login; and no event
// holds anything the emulator issued or received as a secret (token, code, state, nonce, client
// secret).
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Browser, CLIENTS, client, freePort, fullLogin, startEmulator } from './harness.mjs';

const ES256 = client('proconnect_es256');

const require = createRequire(import.meta.url);
const { auth } = require('../express');
const session = require('express-session');

const FIELDS = new Set(['event', 'provider', 'client_id', 'sub', 'acr', 'idp_id', 'siret', 'code', 'provider_error']);
const STEP_UP_SUB = '5d0c2b8e-7b43-4a59-9a43-3f4a1c2b9e10';

let emulator;
let stepUpEmulator;
let dir;
before(async () => {
  emulator = await startEmulator();
  // The same person (one sub) once at eidas1, once at eidas2: a step-up.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-events-'));
  const config = path.join(dir, 'emulator.json');
  const claims = { given_name: 'Zoé', usual_name: 'Roux', email: 'zoe@exemple.fr', siret: '11000101300017' };
  fs.writeFileSync(config, JSON.stringify({
    users: [
      { id: 'zoe', persona: 'proconnect', label: 'Zoé (eidas1)', sub: STEP_UP_SUB, acr: 'eidas1', amr: ['pwd'], claims },
      { id: 'zoe-mfa', persona: 'proconnect', label: 'Zoé (eidas2)', sub: STEP_UP_SUB, acr: 'eidas2', amr: ['pwd', 'otp', 'mfa'], claims },
    ],
  }));
  stepUpEmulator = await startEmulator(['--config', config]);
});
after(async () => {
  await emulator.stop();
  await stepUpEmulator.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function provider(name, overrides = {}, emu = emulator) {
  const c = CLIENTS[name];
  return { issuer: c.issuer(emu.base), client_id: c.id, client_secret: c.secret, ...overrides };
}

/** An app with auth(options), recording the events (onEvent, and by name) and the log. */
async function startApp(express, options) {
  const port = await freePort();
  const events = [];
  const named = [];
  const lines = [];
  const log = (level) => (message, fields) => lines.push({ level, message, fields });
  const middleware = auth({
    baseURL: `http://127.0.0.1:${port}`,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    onEvent: (event, req) => events.push({ event, path: req.path, hasSession: Boolean(req.session) }),
    ...options,
  });
  for (const kind of ['login_succeeded', 'login_refused', 'logout', 'step_up']) {
    middleware.on(kind, (event) => named.push(event));
  }
  const app = express();
  app.use(session({ secret: 'events-test-secret', resave: false, saveUninitialized: false }));
  app.use(middleware);
  const server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${port}`,
    middleware,
    events,
    named,
    lines,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

async function control(emu, method, urlPath, body) {
  const res = await fetch(emu.base + urlPath, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${urlPath}: ${res.status}`);
  return res.status === 204 ? null : res.json();
}

/** Only the documented fields, and nothing the emulator issued or received as a secret. */
async function assertClean(events, emu = emulator, extra = []) {
  for (const event of events) {
    for (const key of Object.keys(event)) assert.ok(FIELDS.has(key), `unexpected event field ${key}`);
    assert.ok(Object.isFrozen(event), 'listeners share one frozen event');
  }
  const { secrets } = await control(emu, 'GET', '/_emulator/issued');
  assert.ok(secrets.length > 5, 'the emulator issued something');
  const text = JSON.stringify(events);
  for (const secret of [...secrets, ...extra]) assert.ok(!text.includes(secret), 'a secret or token reached an event');
}

for (const [flavour, express] of [['Express 5', require('express')], ['Express 4', require('express4')]]) {
  describe(flavour, () => {
    test('login, logout: login_succeeded then logout, with who and how, through onEvent and by name', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect') } });
      try {
        const browser = new Browser();
        const back = await fullLogin(browser, app.base, emulator.base, 'agent');
        assert.equal(back.status, 302);
        assert.equal(app.events.length, 1);
        const { event, path: where, hasSession } = app.events[0];
        assert.equal(where, '/auth/callback');
        assert.ok(hasSession);
        assert.equal(event.event, 'login_succeeded');
        assert.equal(event.provider, 'proconnect');
        assert.equal(event.client_id, CLIENTS.proconnect.id);
        assert.equal(event.acr, 'eidas1');
        assert.equal(event.siret, '11000101300017');
        assert.match(event.sub, /^[0-9a-f-]{36}$/);
        assert.equal(event.code, undefined);

        const logout = await browser.post(`${app.base}/auth/logout`);
        assert.equal(logout.status, 302);
        const back2 = await browser.get(logout.headers.get('location'));
        await browser.get(back2.headers.get('location'));
        assert.deepEqual(app.events.map((e) => e.event.event), ['login_succeeded', 'logout']);
        assert.equal(app.events[1].event.sub, event.sub);
        assert.equal(app.events[1].path, '/auth/logout');
        // The same objects by name as through onEvent.
        assert.deepEqual(app.named, app.events.map((e) => e.event));
        await assertClean(app.named);
      } finally {
        await app.stop();
      }
    });

    test('refusals carry the stable code (and the provider\'s error): counted per code', async () => {
      const wrong = 'not-the-registered-secret-0123456789abcdef';
      const es256 = { client_id: ES256.id, client_secret: ES256.secret, id_token_alg: ES256.id_token_alg, userinfo_alg: ES256.userinfo_alg };
      const apps = {
        plain: await startApp(express, { providers: { proconnect: provider('proconnect') } }),
        wrongSecret: await startApp(express, { providers: { proconnect: provider('proconnect', { client_secret: wrong }) } }),
        cancelled: await startApp(express, { providers: { proconnect: provider('proconnect', es256) } }),
        custom: await startApp(express, { providers: { proconnect: provider('proconnect', { scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret', 'custom'] }) } }),
      };
      // The README's example: refusals counted per code.
      const refusals = new Map();
      for (const app of Object.values(apps)) {
        app.middleware.on('login_refused', (event) => refusals.set(event.code, (refusals.get(event.code) ?? 0) + 1));
      }
      try {
        // A tampered state.
        const browser = new Browser();
        const start = await browser.get(`${apps.plain.base}/auth/login`);
        const callbackUrl = await browser.loginAt(start.headers.get('location'), emulator.base, 'agent');
        assert.equal((await browser.get(callbackUrl.replace(/state=([^&]+)/, 'state=forged'))).status, 400);
        // The genuine callback again: the pending login was single use.
        assert.equal((await browser.get(callbackUrl)).status, 400);
        // A callback without the session.
        assert.equal((await new Browser().get(`${apps.plain.base}/auth/callback?code=x&state=y`)).status, 400);
        // The provider refuses the client.
        assert.equal((await fullLogin(new Browser(), apps.wrongSecret.base, emulator.base, 'agent')).status, 502);
        // Cancelled at the provider.
        await control(emulator, 'POST', '/_emulator/faults', { fault: 'access_denied', client_id: es256.client_id });
        try {
          const b = new Browser();
          const s = await b.get(`${apps.cancelled.base}/auth/login`);
          const refused = await b.get(s.headers.get('location'));
          assert.equal((await b.get(refused.headers.get('location'))).status, 403);
        } finally {
          await control(emulator, 'DELETE', '/_emulator/faults');
        }
        // The policy refuses an unverified email.
        assert.equal((await fullLogin(new Browser(), apps.custom.base, emulator.base, 'unverified')).status, 403);

        assert.deepEqual(Object.fromEntries(refusals), {
          state_mismatch: 1, no_pending_login: 1, session_lost: 1, invalid_client: 1,
          provider_access_denied: 1, email_not_verified: 1,
        });
        const all = Object.values(apps).flatMap((app) => app.events.map((e) => e.event));
        assert.ok(all.every((e) => e.event === 'login_refused' && e.provider === 'proconnect' && e.client_id));
        assert.ok(all.every((e) => e.sub === undefined), 'a refusal names no user');
        const byCode = Object.fromEntries(all.map((e) => [e.code, e]));
        assert.equal(byCode.invalid_client.provider_error, 'invalid_client');
        assert.equal(byCode.invalid_client.client_id, CLIENTS.proconnect.id);
        assert.equal(byCode.provider_access_denied.provider_error, 'access_denied');
        assert.equal(byCode.provider_access_denied.client_id, ES256.id);
        assert.equal(byCode.state_mismatch.provider_error, undefined);
        assert.ok(apps.plain.events.every((e) => e.path === '/auth/callback'));
        await assertClean(all, emulator, [wrong, callbackUrl.match(/code=([^&]+)/)[1]]);
      } finally {
        for (const app of Object.values(apps)) await app.stop();
      }
    });

    test('a login that cannot start (provider unreachable) is a refusal too', async () => {
      const port = await freePort(); // nothing listens there
      const app = await startApp(express, {
        providers: { proconnect: provider('proconnect', { issuer: `http://127.0.0.1:${port}/api/v2`, timeout_secs: 2 }) },
      });
      try {
        const res = await new Browser().get(`${app.base}/auth/login`);
        assert.equal(res.status, 503);
        assert.equal(app.events.length, 1);
        assert.equal(app.events[0].event.code, 'provider_unavailable');
        assert.equal(app.events[0].path, '/auth/login');
      } finally {
        await app.stop();
      }
    });

    test('a listener that throws or rejects is logged; the login and the other listeners go on', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect') } });
      app.middleware.prependListener('event', () => { throw new Error('audit store down'); });
      app.middleware.on('login_succeeded', async () => { throw new Error('async audit store down'); });
      try {
        const browser = new Browser();
        const back = await fullLogin(browser, app.base, emulator.base, 'agent');
        assert.equal(back.status, 302);
        assert.equal(back.headers.get('location'), '/');
        assert.equal(app.events.length, 1, 'onEvent still called');
        assert.equal(app.named.length, 1);
        await new Promise((r) => setImmediate(r));
        const failures = app.lines.filter((l) => l.message === 'gouvconnect event listener failed');
        assert.deepEqual(failures.map((l) => l.fields.detail).sort(), ['Error: async audit store down', 'Error: audit store down']);
        assert.ok(failures.every((l) => l.fields.event === 'login_succeeded'));
      } finally {
        await app.stop();
      }
    });

    test('the same person signing in again at a higher level is a step_up', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect', {}, stepUpEmulator) } });
      try {
        const browser = new Browser();
        assert.equal((await fullLogin(browser, app.base, stepUpEmulator.base, 'zoe')).status, 302);
        assert.equal((await fullLogin(browser, app.base, stepUpEmulator.base, 'zoe-mfa')).status, 302);
        // Again at the same level, and someone else: plain logins.
        assert.equal((await fullLogin(browser, app.base, stepUpEmulator.base, 'zoe-mfa')).status, 302);
        assert.equal((await fullLogin(browser, app.base, stepUpEmulator.base, 'agent')).status, 302);
        const kinds = app.events.map((e) => [e.event.event, e.event.acr]);
        assert.deepEqual(kinds, [
          ['login_succeeded', 'eidas1'], ['step_up', 'eidas2'], ['login_succeeded', 'eidas2'], ['login_succeeded', 'eidas1'],
        ]);
        assert.equal(app.events[1].event.sub, STEP_UP_SUB);
        assert.deepEqual(app.named.map((e) => e.event), kinds.map(([k]) => k));
        await assertClean(app.named, stepUpEmulator);
      } finally {
        await app.stop();
      }
    });
  });
}

test('onEvent must be a function', () => {
  assert.throws(() => auth({ baseURL: 'https://app.example', providers: { proconnect: provider('proconnect') }, onEvent: 'log' }),
    { code: 'invalid_config', message: /onEvent/ });
});
