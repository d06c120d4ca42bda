// End to end over real HTTP, on Express 4 and 5: what a new user meets in the first hour, and
// the message the user sees for each (issue 17): a wrong client secret, a login cancelled at the
// provider, a login started on another host name than the redirect URI's, a callback that comes
// back without the session, two providers with custom routes. The provider's own error text is
// logged (filtered), never a token, a secret, a code or a state.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Browser, CLIENTS, client as fixtureClient, freePort, startEmulator } from './harness.mjs';

const require = createRequire(import.meta.url);
const { auth, requiresAuth, loginButton, BUTTON_CSS } = require('../express');
const session = require('express-session');

let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator.stop(); });

function provider(name, overrides = {}) {
  const c = CLIENTS[name];
  return { issuer: c.issuer(emulator.base), client_id: c.id, client_secret: c.secret, ...overrides };
}

/** An app with `options` (plus a recording logger) on 127.0.0.1, on the given Express. */
async function startApp(express, options, port) {
  const lines = [];
  const log = (level) => (message, fields) => lines.push({ level, message, fields });
  const app = express();
  app.use(session({ secret: 'first-hour-test-secret', resave: false, saveUninitialized: false }));
  const middleware = auth({ ...options, logger: { info: log('info'), warn: log('warn'), error: log('error') } });
  app.use(middleware);
  app.get('/', (req, res) => res.send(`<style>${BUTTON_CSS}</style>${Object.keys(options.providers)
    .map((name) => loginButton(name, { routes: req.gouvconnect.routes })).join('')}`));
  app.get('/me', (req, res) => (req.gouvconnect.isAuthenticated()
    ? res.json(req.gouvconnect.identity) : res.status(401).json({ error: 'not_authenticated' })));
  app.get('/private', requiresAuth(), (req, res) => res.json({ provider: req.gouvconnect.provider }));
  const server = app.listen(port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    lines,
    routes: middleware.routes,
    stop: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

async function emulatorControl(method, path, body) {
  const res = await fetch(emulator.base + path, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  return res.status === 204 ? null : res.json();
}

/** No log line holds anything the emulator issued or received as a secret, nor `extra`. */
async function assertNoSecretLogged(lines, extra = []) {
  const { secrets } = await emulatorControl('GET', '/_emulator/issued');
  const text = JSON.stringify(lines);
  for (const secret of [...secrets, ...extra]) assert.ok(!text.includes(secret), 'a secret or token reached the log');
}

const errorLine = (lines) => lines.filter((l) => l.level === 'error').at(-1);

// The user messages of the core, as the error page shows them (HTML-escaped).
const MESSAGES = {
  invalid_client: /Son administrateur doit vérifier l&#39;identifiant et le secret client/,
  provider_access_denied: /La connexion a été annulée ou refusée auprès du fournisseur d&#39;identité/,
  session_lost: /Votre navigateur n&#39;a pas renvoyé la session de connexion/,
};

for (const [flavour, express] of [['Express 5', require('express')], ['Express 4', require('express4')]]) {
  describe(flavour, () => {
    test('wrong client secret: invalid_client, its message, the provider\'s answer logged', async () => {
      const wrong = 'not-the-registered-secret-0123456789abcdef';
      const port = await freePort();
      const real = await startApp(express, {
        baseURL: `http://127.0.0.1:${port}`,
        providers: { proconnect: provider('proconnect', { client_secret: wrong }) },
      }, port);
      try {
        const browser = new Browser();
        const start = await browser.get(`${real.base}/auth/login`);
        assert.equal(start.status, 302);
        const callbackUrl = await browser.loginAt(start.headers.get('location'), emulator.base, 'agent');
        const page = await browser.get(callbackUrl);
        assert.equal(page.status, 502);
        const html = await page.text();
        assert.match(html, /invalid_client/);
        assert.match(html, MESSAGES.invalid_client);
        const logged = errorLine(real.lines);
        assert.equal(logged.fields.code, 'invalid_client');
        assert.match(logged.fields.detail, /invalid_client/, 'the provider\'s error is logged');
        await assertNoSecretLogged(real.lines, [wrong]);
      } finally {
        await real.stop();
      }
    });

    test('cancelled at the provider: provider_access_denied and its message', async () => {
      const { id: client, secret } = fixtureClient('proconnect_es256');
      const port = await freePort();
      const app = await startApp(express, {
        baseURL: `http://127.0.0.1:${port}`,
        providers: { proconnect: provider('proconnect', { client_id: client, client_secret: secret, id_token_alg: 'ES256', userinfo_alg: 'ES256' }) },
      }, port);
      await emulatorControl('POST', '/_emulator/faults', { fault: 'access_denied', client_id: client });
      try {
        const browser = new Browser();
        const start = await browser.get(`${app.base}/auth/login`);
        assert.equal(start.status, 302);
        // The provider sends the browser back at once with error=access_denied.
        const refused = await browser.get(start.headers.get('location'));
        assert.ok(refused.status >= 300 && refused.status < 400, `authorize answered ${refused.status}`);
        const callbackUrl = refused.headers.get('location');
        assert.match(callbackUrl, /error=access_denied/);
        const page = await browser.get(callbackUrl);
        assert.equal(page.status, 403);
        const html = await page.text();
        assert.match(html, /provider_access_denied/);
        assert.match(html, MESSAGES.provider_access_denied);
        const logged = errorLine(app.lines);
        assert.equal(logged.fields.code, 'provider_access_denied');
        assert.match(logged.fields.detail, /access_denied.*refused to share their identity/);
        await assertNoSecretLogged(app.lines);
        assert.equal((await browser.get(`${app.base}/me`)).status, 401);
      } finally {
        await emulatorControl('DELETE', '/_emulator/faults');
        await app.stop();
      }
    });

    test('login started on 127.0.0.1, baseURL on localhost: bounced to localhost, the login completes', async () => {
      const port = await freePort();
      const app = await startApp(express, {
        baseURL: `http://localhost:${port}`, providers: { proconnect: provider('proconnect') },
      }, port);
      try {
        const browser = new Browser();
        const start = await browser.get(`http://127.0.0.1:${port}/auth/login?next=/me`);
        assert.equal(start.status, 302);
        const moved = new URL(start.headers.get('location'));
        assert.equal(moved.origin, `http://localhost:${port}`);
        assert.equal(moved.pathname, '/auth/login');
        assert.equal(moved.searchParams.get('next'), '/me');
        assert.equal(start.headers.getSetCookie().length, 0, 'no session on the wrong host');
        const login = await browser.get(moved.href);
        assert.equal(login.status, 302);
        assert.ok(login.headers.get('location').startsWith(emulator.base));
        const callbackUrl = await browser.loginAt(login.headers.get('location'), emulator.base, 'agent');
        assert.ok(callbackUrl.startsWith(`http://localhost:${port}/auth/callback?`));
        const back = await browser.get(callbackUrl);
        assert.equal(back.status, 302);
        assert.equal(back.headers.get('location'), '/me');
        const me = await browser.get(`http://localhost:${port}/me`);
        assert.equal(me.status, 200);
        assert.equal((await me.json()).family_name, 'Martin');
        const warning = app.lines.find((l) => l.level === 'warn');
        assert.match(warning.message, new RegExp(`login requested on http://127\\.0\\.0\\.1:${port}, redirected to baseURL's origin http://localhost:${port}`));
        await assertNoSecretLogged(app.lines);
      } finally {
        await app.stop();
      }
    });

    test('callback arriving on another host name than the login\'s: session_lost and its message', async () => {
      const port = await freePort();
      const app = await startApp(express, {
        baseURL: `http://localhost:${port}`, providers: { proconnect: provider('proconnect') },
      }, port);
      try {
        const browser = new Browser();
        const start = await browser.get(`http://localhost:${port}/auth/login`);
        const callbackUrl = await browser.loginAt(start.headers.get('location'), emulator.base, 'agent');
        // As when the redirect URI registered names 127.0.0.1 while the login ran on localhost:
        // the browser has no cookie for that host.
        const elsewhere = callbackUrl.replace(`http://localhost:${port}`, `http://127.0.0.1:${port}`);
        const page = await browser.get(elsewhere);
        assert.equal(page.status, 400);
        const html = await page.text();
        assert.match(html, /session_lost/);
        assert.match(html, MESSAGES.session_lost);
        assert.equal(errorLine(app.lines).fields.code, 'session_lost');
        // On the right host the same callback still completes: nothing was consumed.
        const back = await browser.get(callbackUrl);
        assert.equal(back.status, 302);
        assert.equal((await browser.get(`http://localhost:${port}/me`)).status, 200);
        await assertNoSecretLogged(app.lines);
      } finally {
        await app.stop();
      }
    });

    test('two providers with custom routes: both reachable, requiresAuth() leads to a mounted route', async () => {
      const port = await freePort();
      const app = await startApp(express, {
        baseURL: `http://127.0.0.1:${port}`,
        providers: { proconnect: provider('proconnect'), prosanteconnect: provider('prosanteconnect') },
        routes: { callback: '/retour/:provider', afterLogout: '/' },
        // The emulator's doctor has several practices: no picker here, this test is about routes.
        practice: false,
      }, port);
      try {
        for (const [name, user] of [['prosanteconnect', 'doctor'], ['proconnect', 'agent']]) {
          const browser = new Browser();
          const gate = await browser.get(`${app.base}/private`);
          assert.equal(gate.status, 302);
          const choice = await browser.get(new URL(gate.headers.get('location'), app.base).href);
          assert.equal(choice.status, 200, 'requiresAuth() points at a mounted route');
          const html = await choice.text();
          // Submit the provider's button as a browser would (GET form with its hidden next).
          const form = new RegExp(`<form method="get" action="([^"]+)"><input type="hidden" name="next" value="([^"]+)"><button[^>]*gouvconnect-button--${name}`).exec(html);
          assert.ok(form, `${name} button on the page`);
          const login = await browser.get(`${app.base}${form[1]}?next=${encodeURIComponent(form[2])}`);
          assert.equal(login.status, 302, `${name} login route`);
          const callbackUrl = await browser.loginAt(login.headers.get('location'), emulator.base, user);
          assert.ok(callbackUrl.startsWith(`${app.base}/retour/${name}?`), callbackUrl);
          const back = await browser.get(callbackUrl);
          assert.equal(back.status, 302);
          assert.equal(back.headers.get('location'), '/private');
          const page = await browser.get(`${app.base}/private`);
          assert.equal(page.status, 200);
          assert.equal((await page.json()).provider, name);
        }
      } finally {
        await app.stop();
      }
    });
  });
}
