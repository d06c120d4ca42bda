// The login lifecycle of gouvconnect/express, on Express 4 and 5 against the emulator over real
// HTTP: MFA prefer and require, step-up (success, another account coming back, Pro Santé
// Connect's card), silent login (prompt=none, once per browser session) and the session's
// maximum length.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Browser, CLIENTS, USERS, freePort, fullLogin, startEmulator } from './harness.mjs';

const require = createRequire(import.meta.url);
const { auth, requiresAuth, requiresAcr } = require('../express');
const session = require('express-session');

// The emulator's `agent`, and the same person (same sub) once more at eidas2.
const AGENT = USERS.proconnect.agent;
const AGENT_SUB = AGENT.sub;
// What a browser sends when it opens a page (a silent login is only tried for those).
const PAGE = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' };

let emulator;
let dir;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-lifecycle-'));
  const config = path.join(dir, 'emulator.json');
  fs.writeFileSync(config, JSON.stringify({
    users: [{
      id: 'agent-mfa', persona: 'proconnect', label: 'Alice Martin (eidas2)', sub: AGENT_SUB, acr: 'eidas2',
      amr: ['pwd', 'otp', 'mfa'],
      claims: { given_name: AGENT.given_name, usual_name: AGENT.family_name, email: AGENT.email, siret: AGENT.siret },
    }],
  }));
  emulator = await startEmulator(['--config', config]);
});
after(async () => {
  await emulator?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function provider(name, overrides = {}) {
  const c = CLIENTS[name];
  return { issuer: c.issuer(emulator.base), client_id: c.id, client_secret: c.secret, ...overrides };
}

async function control(method, urlPath, body) {
  const res = await fetch(emulator.base + urlPath, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${urlPath}: ${res.status}`);
}

/** An app with auth(options), a MemoryStore the test can read and edit, and the events. */
async function startApp(express, options) {
  const port = await freePort();
  const events = [];
  const store = new session.MemoryStore();
  const middleware = auth({
    baseURL: `http://127.0.0.1:${port}`,
    logger: { info() {}, warn() {}, error() {} },
    onEvent: (event) => events.push(event),
    ...options,
  });
  const app = express();
  app.use(session({ store, secret: 'lifecycle-test-secret', resave: false, saveUninitialized: false }));
  app.use(middleware);
  app.get('/', (req, res) => res.json({ signedIn: req.gouvconnect.isAuthenticated(), sub: req.gouvconnect.identity?.sub ?? null }));
  app.get('/page', (req, res) => res.json({ signedIn: req.gouvconnect.isAuthenticated(), sub: req.gouvconnect.identity?.sub ?? null }));
  app.get('/me', requiresAuth(), (req, res) => res.json({ ...req.gouvconnect.identity, expiresAt: req.gouvconnect.sessionExpiresAt }));
  app.get('/sensible', requiresAcr('eidas2'), (req, res) => res.json({ acr: req.gouvconnect.identity.acr }));
  app.get('/eidas1', requiresAcr('eidas1'), (req, res) => res.json({ acr: req.gouvconnect.identity.acr }));
  app.post('/sensible', requiresAcr('eidas2'), (req, res) => res.json({ acr: req.gouvconnect.identity.acr }));
  const server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${port}`,
    events,
    kinds: () => events.map((e) => e.event),
    /** Rewrites every stored session's login (as if time had passed). */
    editLogins(edit) {
      for (const [sid, text] of Object.entries(store.sessions)) {
        const data = JSON.parse(text);
        if (data.gouvconnect?.login) {
          edit(data.gouvconnect.login);
          store.sessions[sid] = JSON.stringify(data);
        }
      }
    },
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

const me = async (browser, app) => {
  const res = await browser.get(`${app.base}/me`);
  return res.status === 200 ? res.json() : null;
};

/** The step-up: /sensible sends the signed-in user to the provider; returns that redirect. */
async function startStepUp(browser, app) {
  const res = await browser.get(`${app.base}/sensible`);
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location'));
}

for (const [flavour, express] of [['Express 5', require('express')], ['Express 4', require('express4')]]) {
  describe(flavour, () => {
    test('mfa: "prefer" asks for MFA without requiring it; identity.mfa tells', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect', { policy: { mfa: 'prefer' } }) } });
      try {
        const browser = new Browser();
        const start = await browser.get(`${app.base}/auth/login`);
        const claims = JSON.parse(new URL(start.headers.get('location')).searchParams.get('claims'));
        assert.equal(claims.id_token.acr.essential, false, 'voluntary MFA levels');
        assert.ok(claims.id_token.acr.values.includes('eidas1-mfa'));
        assert.equal((await browser.get(await browser.loginAt(start.headers.get('location'), emulator.base, 'agent'))).status, 302);
        const agent = await me(browser, app);
        assert.equal(agent.acr, 'eidas1');
        assert.equal(agent.mfa, false);

        const other = new Browser();
        assert.equal((await fullLogin(other, app.base, emulator.base, 'mfa')).status, 302);
        const mfa = await me(other, app);
        assert.equal(mfa.acr, 'eidas2');
        assert.equal(mfa.mfa, true);
      } finally {
        await app.stop();
      }
    });

    test('mfa: "require" refuses a login without MFA', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect', { policy: { mfa: 'require' } }) } });
      try {
        // The provider hands back a level without MFA (emulator fault acr_lower): mfa_required.
        await control('POST', '/_emulator/faults', { fault: 'acr_lower', client_id: CLIENTS.proconnect.id });
        try {
          const refused = await fullLogin(new Browser(), app.base, emulator.base, 'agent');
          assert.equal(refused.status, 403);
          assert.match(await refused.text(), /mfa_required/);
        } finally {
          await control('DELETE', '/_emulator/faults');
        }
        // The provider itself refuses the essential MFA levels: a level refusal too.
        const denied = await fullLogin(new Browser(), app.base, emulator.base, 'agent');
        assert.equal(denied.status, 403);
        assert.match(await denied.text(), /acr_insufficient|mfa_required/);
        const browser = new Browser();
        assert.equal((await fullLogin(browser, app.base, emulator.base, 'mfa')).status, 302);
        assert.equal((await me(browser, app)).mfa, true);
        assert.deepEqual(app.events.map((e) => e.code ?? e.event), ['mfa_required', app.events[1].code, 'login_succeeded']);
      } finally {
        await app.stop();
      }
    });

    test('step-up: requiresAcr sends the user to sign in again at the level, back where they were', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect') } });
      try {
        const browser = new Browser();
        assert.equal((await fullLogin(browser, app.base, emulator.base, 'agent')).status, 302);
        const authorize = await startStepUp(browser, app);
        // The core's step-up request: the level as essential acr values, the user's email.
        assert.equal(authorize.searchParams.get('login_hint'), AGENT.email);
        const acr = JSON.parse(authorize.searchParams.get('claims')).id_token.acr;
        assert.equal(acr.essential, true);
        assert.deepEqual(acr.values, ['eidas2', 'eidas3']);
        // Meanwhile the user is still signed in, at the former level.
        assert.equal((await me(browser, app)).acr, 'eidas1');
        const back = await browser.get(await browser.loginAt(authorize.href, emulator.base, 'agent-mfa'));
        assert.equal(back.status, 302);
        assert.equal(back.headers.get('location'), '/sensible');
        const sensible = await browser.get(`${app.base}/sensible`);
        assert.equal(sensible.status, 200);
        assert.equal((await sensible.json()).acr, 'eidas2');
        assert.deepEqual(app.kinds(), ['login_succeeded', 'step_up']);
        assert.equal(app.events[1].sub, AGENT_SUB);
        assert.equal(app.events[1].acr, 'eidas2');
        // A form posted below the level is refused, not redirected.
        const low = new Browser();
        await fullLogin(low, app.base, emulator.base, 'agent');
        const posted = await low.post(`${app.base}/sensible`);
        assert.equal(posted.status, 403);
        assert.match(await posted.text(), /acr_insufficient/);
      } finally {
        await app.stop();
      }
    });

    test('step-up: another account coming back is refused, the session stays the first user\'s', async () => {
      const app = await startApp(express, {
        providers: { proconnect: provider('proconnect') }, supportURL: 'mailto:support@exemple.gouv.fr',
      });
      try {
        const browser = new Browser();
        assert.equal((await fullLogin(browser, app.base, emulator.base, 'agent')).status, 302);
        const authorize = await startStepUp(browser, app);
        const refused = await browser.get(await browser.loginAt(authorize.href, emulator.base, 'mfa'));
        assert.equal(refused.status, 403);
        const page = await refused.text();
        assert.match(page, /id="gouvconnect-error-code">step_up_user_mismatch</);
        // The way on: back, another try, the support.
        assert.match(page, /id="gouvconnect-back" href="\/"/);
        assert.match(page, /id="gouvconnect-retry" href="\/sensible"/);
        assert.match(page, /id="gouvconnect-support" href="mailto:support@exemple.gouv.fr"/);
        const still = await me(browser, app);
        assert.equal(still.sub, AGENT_SUB);
        assert.equal(still.acr, 'eidas1');
        assert.deepEqual(app.kinds(), ['login_succeeded', 'login_refused']);
        assert.equal(app.events[1].code, 'step_up_user_mismatch');
        assert.equal(app.events[1].sub, undefined);

        // eidas0 → eidas1, and `employee` comes back: the same refusal at any level.
        const low = new Browser();
        assert.equal((await fullLogin(low, app.base, emulator.base, 'eidas0')).status, 302);
        const eric = await me(low, app);
        const start = await low.get(`${app.base}/eidas1`);
        assert.equal(start.status, 302);
        const wrong = await low.get(await low.loginAt(start.headers.get('location'), emulator.base, 'employee'));
        assert.equal(wrong.status, 403);
        assert.match(await wrong.text(), /step_up_user_mismatch/);
        const kept = await me(low, app);
        assert.equal(kept.sub, eric.sub);
        assert.equal(kept.acr, 'eidas0');
      } finally {
        await app.stop();
      }
    });

    test('Pro Santé Connect: requiresAcr("eidas2") is the CPS card — card passes, e-CPS refused', async () => {
      const app = await startApp(express, { providers: { prosanteconnect: provider('prosanteconnect') } });
      try {
        const browser = new Browser();
        assert.equal((await fullLogin(browser, app.base, emulator.base, 'doctor')).status, 302);
        const first = await me(browser, app);
        assert.equal(first.acr, 'eidas1');

        // e-CPS again: still eidas1, refused on return; the session is unchanged.
        let authorize = await startStepUp(browser, app);
        assert.equal(authorize.searchParams.get('prompt'), 'login');
        assert.equal(authorize.searchParams.get('acr_values'), 'eidas1', 'PSC is always asked for eidas1');
        const ecps = await browser.get(await browser.loginAt(authorize.href, emulator.base, 'doctor', { means: 'ecps' }));
        assert.equal(ecps.status, 403);
        assert.match(await ecps.text(), /acr_insufficient/);
        assert.equal((await me(browser, app)).acr, 'eidas1');

        // The card: eidas2, authMode CARD.
        authorize = await startStepUp(browser, app);
        const card = await browser.get(await browser.loginAt(authorize.href, emulator.base, 'doctor', { means: 'card' }));
        assert.equal(card.status, 302);
        assert.equal(card.headers.get('location'), '/sensible');
        assert.equal((await (await browser.get(`${app.base}/sensible`)).json()).acr, 'eidas2');
        const after = await me(browser, app);
        assert.equal(after.prosanteconnect.auth_mode, 'CARD');
        assert.equal(after.sub, first.sub);
        assert.deepEqual(app.kinds(), ['login_succeeded', 'login_refused', 'step_up']);
      } finally {
        await app.stop();
      }
    });

    test('Pro Santé Connect: policy acr "eidas2" requires the card at every login', async () => {
      const app = await startApp(express, { providers: { prosanteconnect: provider('prosanteconnect', { policy: { acr: 'eidas2' } }) } });
      try {
        const refused = new Browser();
        const start = await refused.get(`${app.base}/auth/login`);
        assert.equal(new URL(start.headers.get('location')).searchParams.get('acr_values'), 'eidas1');
        const back = await refused.get(await refused.loginAt(start.headers.get('location'), emulator.base, 'doctor'));
        assert.equal(back.status, 403);
        assert.match(await back.text(), /acr_insufficient/);
        const browser = new Browser();
        const s = await browser.get(`${app.base}/auth/login`);
        assert.equal((await browser.get(await browser.loginAt(s.headers.get('location'), emulator.base, 'doctor', { means: 'card' }))).status, 302);
        assert.equal((await me(browser, app)).acr, 'eidas2');
      } finally {
        await app.stop();
      }
    });

    test('silent login: not signed in at the provider → anonymous, back on the page, tried once', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect') }, silentLogin: true });
      try {
        const browser = new Browser();
        const first = await browser.get(`${app.base}/page?x=1`, { headers: PAGE });
        assert.equal(first.status, 302);
        const authorize = new URL(first.headers.get('location'));
        assert.equal(authorize.searchParams.get('prompt'), 'none');
        const answer = await browser.get(authorize.href);
        assert.equal(answer.status, 302);
        assert.match(answer.headers.get('location'), /error=login_required/);
        const back = await browser.get(answer.headers.get('location'));
        assert.equal(back.status, 302, 'no error page');
        assert.equal(back.headers.get('location'), '/page?x=1');
        const page = await browser.get(`${app.base}/page?x=1`, { headers: PAGE });
        assert.equal(page.status, 200, 'tried once per browser session: no loop');
        assert.deepEqual(await page.json(), { signedIn: false, sub: null });
        assert.equal((await browser.get(`${app.base}/`, { headers: PAGE })).status, 200);
        // Nothing to count: "not signed in" is no refusal.
        assert.deepEqual(app.events, []);
        // API calls and assets never trigger it.
        const api = new Browser();
        assert.equal((await api.get(`${app.base}/page`)).status, 200);
        assert.equal((await api.get(`${app.base}/page`, { headers: { ...PAGE, 'sec-fetch-dest': 'empty' } })).status, 200);
      } finally {
        await app.stop();
      }
    });

    test('silent login: signed in at the provider → signed in here without a click', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect') }, silentLogin: true });
      const other = await startApp(express, { providers: { proconnect: provider('proconnect') } });
      try {
        const browser = new Browser();
        // A login at another service gives the browser the provider's session.
        assert.equal((await fullLogin(browser, other.base, emulator.base, 'agent')).status, 302);
        const first = await browser.get(`${app.base}/page`, { headers: PAGE });
        assert.equal(first.status, 302);
        const answer = await browser.get(first.headers.get('location'));
        assert.match(answer.headers.get('location'), /[?&]code=/);
        const back = await browser.get(answer.headers.get('location'));
        assert.equal(back.status, 302);
        assert.equal(back.headers.get('location'), '/page');
        assert.deepEqual(await (await browser.get(`${app.base}/page`, { headers: PAGE })).json(), { signedIn: true, sub: AGENT_SUB });
        assert.deepEqual(app.kinds(), ['login_succeeded']);
      } finally {
        await app.stop();
        await other.stop();
      }
    });

    test('session length: the session ends at session_expires_at (logout event); silentLogin renews it first', async () => {
      const app = await startApp(express, { providers: { proconnect: provider('proconnect', { session_max_age_secs: 300 }) } });
      try {
        const browser = new Browser();
        const before = Math.floor(Date.now() / 1000);
        await fullLogin(browser, app.base, emulator.base, 'agent');
        const signedIn = await me(browser, app);
        assert.ok(signedIn.expiresAt >= before + 300 && signedIn.expiresAt <= before + 302, `expires at ${signedIn.expiresAt}`);
        // Five minutes later (the stored expiry moved into the past).
        app.editLogins((login) => { login.expiresAt = Math.floor(Date.now() / 1000) - 1; });
        const ended = await browser.get(`${app.base}/me`);
        assert.equal(ended.status, 302, 'requiresAuth: not signed in any more');
        assert.equal(ended.headers.get('location'), '/auth/login?next=%2Fme');
        assert.deepEqual(app.kinds(), ['login_succeeded', 'logout']);
        assert.equal(app.events[1].sub, AGENT_SUB);
        assert.equal((await browser.get(`${app.base}/me`)).status, 302);
        assert.equal(app.events.length, 2, 'one logout');
      } finally {
        await app.stop();
      }

      const renewing = await startApp(express, {
        providers: { proconnect: provider('proconnect', { session_max_age_secs: 300 }) }, silentLogin: true,
      });
      try {
        const browser = new Browser();
        await fullLogin(browser, renewing.base, emulator.base, 'agent');
        renewing.editLogins((login) => { login.expiresAt = Math.floor(Date.now() / 1000) - 1; });
        // Still signed in at the provider: a silent login renews the session.
        const first = await browser.get(`${renewing.base}/page`, { headers: PAGE });
        assert.equal(first.status, 302);
        assert.equal(new URL(first.headers.get('location')).searchParams.get('prompt'), 'none');
        const back = await browser.get((await browser.get(first.headers.get('location'))).headers.get('location'));
        assert.equal(back.headers.get('location'), '/page');
        const renewed = await me(browser, renewing);
        assert.equal(renewed.sub, AGENT_SUB);
        assert.ok(renewed.expiresAt > Math.floor(Date.now() / 1000));
        assert.deepEqual(renewing.kinds(), ['login_succeeded', 'login_succeeded']);

        // Expired again, and the provider's session is gone: the session ends cleanly.
        renewing.editLogins((login) => { login.expiresAt = Math.floor(Date.now() / 1000) - 1; });
        browser.jar.delete(new URL(emulator.base).host);
        const again = await browser.get(`${renewing.base}/page`, { headers: PAGE });
        const answer = await browser.get(again.headers.get('location'));
        assert.match(answer.headers.get('location'), /error=login_required/);
        const home = await browser.get(answer.headers.get('location'));
        assert.equal(home.headers.get('location'), '/page');
        assert.deepEqual(await (await browser.get(`${renewing.base}/page`, { headers: PAGE })).json(), { signedIn: false, sub: null });
        assert.deepEqual(renewing.kinds(), ['login_succeeded', 'login_succeeded', 'logout']);
      } finally {
        await renewing.stop();
      }
    });

    test('renewal: renewEvery renews the identity with the refresh token on a page view; a refused renewal ends the session', async () => {
      const logs = [];
      const logger = { info: (...a) => logs.push(a), warn: (...a) => logs.push(a), error: (...a) => logs.push(a) };
      const app = await startApp(express, { providers: { proconnect: provider('proconnect') }, renewEvery: 60, logger });
      try {
        const browser = new Browser();
        await fullLogin(browser, app.base, emulator.base, 'agent');
        const first = stored(app);
        assert.ok(first.refreshToken, 'kept in the server-side session');
        const cookies = JSON.stringify([...browser.jar.values()].map((m) => [...m.values()]));
        assert.ok(!cookies.includes(first.refreshToken), 'never in a cookie');

        // Not due yet; and when due, a fetch/XHR call does not renew (page views only).
        await browser.get(`${app.base}/page`, { headers: PAGE });
        assert.equal(stored(app).refreshToken, first.refreshToken);
        app.editLogins((login) => { login.renewedAt -= 61; });
        await browser.get(`${app.base}/page`);
        assert.equal(stored(app).refreshToken, first.refreshToken);

        // Due, on a page view: renewed — same person, new tokens, the same end of the session.
        const before = Math.floor(Date.now() / 1000);
        const page = await browser.get(`${app.base}/page`, { headers: PAGE });
        assert.deepEqual(await page.json(), { signedIn: true, sub: AGENT_SUB });
        const renewed = stored(app);
        assert.notEqual(renewed.refreshToken, first.refreshToken, JSON.stringify(logs));
        assert.notEqual(renewed.idToken, first.idToken);
        assert.equal(renewed.expiresAt, first.expiresAt);
        assert.ok(renewed.renewedAt >= before);
        assert.equal(renewed.identity.sub, AGENT_SUB);
        assert.equal(renewed.identity.family_name, AGENT.family_name);
        assert.deepEqual(app.kinds(), ['login_succeeded'], 'a renewal is not a login: no event');

        // The refresh token no longer works (the provider's session ended): the session ends.
        await spend(renewed.refreshToken);
        app.editLogins((login) => { login.renewedAt -= 61; });
        const ended = await browser.get(`${app.base}/page`, { headers: PAGE });
        assert.deepEqual(await ended.json(), { signedIn: false, sub: null });
        assert.deepEqual(app.kinds(), ['login_succeeded', 'logout']);
        assert.equal(app.events[1].sub, AGENT_SUB);
        assert.ok(logs.some(([message, data]) => message === 'gouvconnect renewal refused' && data.code === 'login_required'));
        const logged = JSON.stringify(logs);
        for (const token of [first.refreshToken, renewed.refreshToken, renewed.idToken]) assert.ok(!logged.includes(token), 'no token in the logs');
      } finally {
        await app.stop();
      }

      // With silentLogin on, a refused renewal tries a silent login of the person first.
      const silentApp = await startApp(express, { providers: { proconnect: provider('proconnect') }, renewEvery: 60, silentLogin: true });
      try {
        const browser = new Browser();
        await fullLogin(browser, silentApp.base, emulator.base, 'agent');
        await spend(stored(silentApp).refreshToken);
        silentApp.editLogins((login) => { login.renewedAt -= 61; });
        const first = await browser.get(`${silentApp.base}/page`, { headers: PAGE });
        assert.equal(first.status, 302);
        assert.equal(new URL(first.headers.get('location')).searchParams.get('prompt'), 'none');
        const back = await browser.get((await browser.get(first.headers.get('location'))).headers.get('location'));
        assert.equal(back.headers.get('location'), '/page');
        assert.deepEqual(await (await browser.get(`${silentApp.base}/page`, { headers: PAGE })).json(), { signedIn: true, sub: AGENT_SUB });
        assert.ok(stored(silentApp).refreshToken);
      } finally {
        await silentApp.stop();
      }
    });
  });
}

/** The signed-in login kept in the app's session store (the only session). */
function stored(app) {
  let found;
  app.editLogins((login) => { found = { ...login }; });
  assert.ok(found, 'a signed-in session');
  return found;
}

/** Spends a refresh token at the emulator (single use), as if the provider's session ended. */
async function spend(refreshToken) {
  const c = CLIENTS.proconnect;
  const res = await fetch(`${c.issuer(emulator.base)}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: c.id, client_secret: c.secret }).toString(),
  });
  assert.equal(res.status, 200);
}

test('silent login with the provider unreachable: the visitor gets the page, anonymous', async () => {
  const port = await freePort(); // nothing listens there
  const app = await startApp(require('express'), {
    providers: { proconnect: provider('proconnect', { issuer: `http://127.0.0.1:${port}/api/v2`, timeout_secs: 2 }) }, silentLogin: true,
  });
  try {
    const page = await new Browser().get(`${app.base}/page`, { headers: PAGE });
    assert.equal(page.status, 200);
    assert.deepEqual(await page.json(), { signedIn: false, sub: null });
  } finally {
    await app.stop();
  }
});

test('silentLogin and supportURL are checked at startup', () => {
  const providers = { proconnect: provider('proconnect'), prosanteconnect: provider('prosanteconnect') };
  assert.throws(() => auth({ baseURL: 'https://app.example', providers, silentLogin: true }),
    { code: 'invalid_config', message: /silentLogin\.provider/ });
  assert.ok(auth({ baseURL: 'https://app.example', providers, silentLogin: { provider: 'proconnect' } }));
  assert.throws(() => auth({ baseURL: 'https://app.example', providers, silentLogin: { provider: 'franceconnect' } }),
    { code: 'invalid_config' });
  assert.throws(() => auth({ baseURL: 'https://app.example', providers: { proconnect: provider('proconnect') }, supportURL: 'javascript:alert(1)' }),
    { code: 'invalid_config', message: /supportURL/ });
  assert.throws(() => auth({ baseURL: 'https://app.example', providers: { proconnect: provider('proconnect', { session_max_age_secs: 60 }) } }),
    { code: 'invalid_config', message: /session_max_age_secs/ });
  for (const renewEvery of [30, '900', 90.5, true]) {
    assert.throws(() => auth({ baseURL: 'https://app.example', providers: { proconnect: provider('proconnect') }, renewEvery }),
      { code: 'invalid_config', message: /renewEvery/ });
  }
  assert.ok(auth({ baseURL: 'https://app.example', providers: { proconnect: provider('proconnect') }, renewEvery: 900 }));
});
