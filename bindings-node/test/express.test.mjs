// gouvconnect/express configuration: the routes auth() mounts (every provider reachable, whatever
// `routes` says, or a configuration error at startup), where requiresAuth() and loginButton()
// point, and the startup checks. In process, on Express 4 and 5; no provider is contacted.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Browser, freePort } from './harness.mjs';

const require = createRequire(import.meta.url);
const { auth, requiresAuth, loginButton } = require('../express');
const session = require('express-session');

const credentials = (name) => ({
  environment: name === 'proconnect' ? 'integration' : 'sandbox', client_id: `${name}-id`, client_secret: `${name}-secret`,
});
const TWO = { proconnect: credentials('proconnect'), prosanteconnect: credentials('prosanteconnect') };

function recorder() {
  const lines = [];
  const log = (level) => (message, fields) => lines.push({ level, message, fields });
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

/** An app with auth(options(base)) mounted and protected pages, listening on loopback. */
async function serve(express, options) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const middleware = auth(options(base));
  const app = express();
  app.use(session({ secret: 'test-secret', resave: false, saveUninitialized: false }));
  app.use(middleware);
  app.get('/private', requiresAuth(), (req, res) => res.send('private'));
  app.get('/psc-only', requiresAuth({ provider: 'prosanteconnect' }), (req, res) => res.send('psc'));
  const server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { base, middleware, close: () => new Promise((r) => server.close(r)) };
}

const get = (url) => fetch(url, { redirect: 'manual' });

test('two providers: any `routes` key keeps a login and a callback per provider', () => {
  for (const routes of [undefined, {}, { afterLogin: '/home' }, { logout: '/sortie' }, { logoutCallback: '/sortie/retour' }]) {
    const { routes: mounted } = auth({ baseURL: 'https://app.example', providers: TWO, routes });
    const { proconnect, prosanteconnect } = mounted.providers;
    assert.equal(proconnect.login, '/auth/proconnect/login', JSON.stringify(routes));
    assert.equal(prosanteconnect.login, '/auth/prosanteconnect/login', JSON.stringify(routes));
    assert.equal(proconnect.callback, '/auth/proconnect/callback');
    assert.equal(prosanteconnect.callback, '/auth/prosanteconnect/callback');
    assert.equal(mounted.entry, '/auth/login', 'requiresAuth() goes to the choice between providers');
  }
  const custom = auth({
    baseURL: 'https://app.example', providers: TWO,
    routes: { login: '/connexion/:provider', callback: '/retour/:provider', choose: '/connexion' },
  }).routes;
  assert.deepEqual(custom.providers, {
    proconnect: { login: '/connexion/proconnect', callback: '/retour/proconnect' },
    prosanteconnect: { login: '/connexion/prosanteconnect', callback: '/retour/prosanteconnect' },
  });
  assert.equal(custom.entry, '/connexion');
});

test('routes that would collide are refused at auth(), naming the fix', () => {
  const attempt = (routes, providers = TWO) => () => auth({ baseURL: 'https://app.example', providers, routes });
  assert.throws(attempt({ login: '/connexion' }), (e) => e.code === 'invalid_config'
    && /routes\.login of proconnect and routes\.login of prosanteconnect are the same path \/connexion/.test(e.message)
    && /:provider/.test(e.message));
  assert.throws(attempt({ callback: '/retour' }), { code: 'invalid_config', message: /routes\.callback.*:provider/ });
  assert.throws(attempt({ login: '/auth/callback' }, { proconnect: credentials('proconnect') }),
    { code: 'invalid_config', message: /routes\.login of proconnect and routes\.callback of proconnect are the same path/ });
  assert.throws(attempt({ choose: '/auth/proconnect/login' }), { code: 'invalid_config', message: /routes\.choose/ });
  assert.throws(attempt({ loginPath: '/x' }), { code: 'invalid_config', message: /unknown route `routes\.loginPath`/ });
  assert.throws(attempt({ login: 'auth/login' }), { code: 'invalid_config', message: /local path/ });
  assert.throws(attempt({ logout: '/auth/:provider/logout' }), { code: 'invalid_config', message: /cannot contain :provider/ });
  for (const baseURL of ['localhost:3000', '/app', 'ftp://app.example']) {
    assert.throws(() => auth({ baseURL, providers: TWO }), { code: 'invalid_config', message: /baseURL must be an absolute http\(s\) URL/ }, baseURL);
  }
});

test('a redirect URI given in a provider is reported at startup (it is baseURL + routes.callback)', () => {
  const { lines, logger } = recorder();
  auth({
    baseURL: 'http://localhost:3000', logger,
    providers: { proconnect: { ...credentials('proconnect'), redirect_uri: 'http://127.0.0.1:3000/auth/callback' } },
  });
  const warning = lines.find((l) => l.level === 'warn');
  assert.ok(warning, 'a warning at startup');
  assert.match(warning.message, /redirect_uri is ignored; register http:\/\/localhost:3000\/auth\/callback/);
  assert.match(warning.fields.warning, /not on baseURL's origin http:\/\/localhost:3000/);
  assert.ok(!JSON.stringify(lines).includes('proconnect-secret'));
});

for (const [flavour, express] of [['Express 5', require('express')], ['Express 4', require('express4')]]) {
  describe(flavour, () => {
    test('two providers with custom routes: requiresAuth() and the buttons point at mounted routes', async () => {
      const app = await serve(express, (baseURL) => ({
        baseURL, providers: TWO, routes: { afterLogin: '/private', afterLogout: '/' },
      }));
      const { middleware } = app;
      try {
        const protectedPage = await get(`${app.base}/private`);
        assert.equal(protectedPage.status, 302);
        const entry = new URL(protectedPage.headers.get('location'), app.base);
        assert.equal(entry.pathname, '/auth/login');
        assert.equal(entry.searchParams.get('next'), '/private');
        // The entry is mounted: a page with both official buttons, each to its provider's login.
        const choice = await get(entry.href);
        assert.equal(choice.status, 200);
        const html = await choice.text();
        assert.match(html, /gouvconnect-button--proconnect/);
        assert.match(html, /gouvconnect-button--prosanteconnect/);
        assert.match(html, /action="\/auth\/proconnect\/login"/);
        assert.match(html, /action="\/auth\/prosanteconnect\/login"/);
        assert.match(html, /name="next" value="\/private"/);
        // requiresAuth({provider}) goes straight to that provider's login.
        const psc = await get(`${app.base}/psc-only`);
        assert.equal(new URL(psc.headers.get('location'), app.base).pathname, '/auth/prosanteconnect/login');
        // Without a request, loginButton() follows the latest auth().
        assert.match(loginButton('prosanteconnect'), /action="\/auth\/prosanteconnect\/login"/);
        assert.match(loginButton('proconnect', { routes: middleware.routes }), /action="\/auth\/proconnect\/login"/);
      } finally {
        await app.close();
      }
    });

    test('one provider with custom routes: requiresAuth() goes to the mounted login', async () => {
      const app = await serve(express, (baseURL) => ({
        baseURL, providers: { proconnect: credentials('proconnect') }, routes: { login: '/connexion' },
      }));
      try {
        const res = await get(`${app.base}/private`);
        assert.equal(res.headers.get('location'), '/connexion?next=%2Fprivate');
        assert.match(loginButton('proconnect'), /action="\/connexion"/);
      } finally {
        await app.close();
      }
    });

    test('a callback without the session cookie is session_lost; with the session, a used login is no_pending_login', async () => {
      const { lines, logger } = recorder();
      const app = await serve(express, (baseURL) => ({ baseURL, providers: { proconnect: credentials('proconnect') }, logger }));
      try {
        const lost = await get(`${app.base}/auth/callback?code=c&state=s`);
        assert.equal(lost.status, 400);
        const html = await lost.text();
        assert.match(html, /session_lost/);
        assert.match(html, /n&#39;a pas renvoyé la session de connexion/);
        assert.equal(lost.headers.getSetCookie().length, 0, 'no session is stored for it');
        assert.equal(lines.at(-1).fields.code, 'session_lost');

        // With the session: a used or expired login stays no_pending_login (the state is
        // checked before any network, so the preset provider is never contacted).
        const browser = new Browser();
        const start = await browser.get(`${app.base}/auth/login`);
        assert.equal(start.status, 302);
        const forged = await browser.get(`${app.base}/auth/callback?code=c&state=forged`);
        assert.equal(forged.status, 400);
        assert.match(await forged.text(), /state_mismatch/);
        const replay = await browser.get(`${app.base}/auth/callback?code=c&state=forged`);
        assert.equal(replay.status, 400);
        assert.match(await replay.text(), /no_pending_login/);
      } finally {
        await app.close();
      }
    });
  });
}
