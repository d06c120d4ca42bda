// gouvconnect/express configuration: the routes auth() mounts (every provider reachable, whatever
// `routes` says, or a configuration error at startup), where requiresAuth() and loginButton()
// point, and the startup checks. In process, on Express 4 and 5; no provider is contacted.
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Browser, freePort } from './harness.mjs';

const require = createRequire(import.meta.url);
const { auth, requiresAuth, requiresGroup, loginButton, errorHandler } = require('../express');
const { GouvConnectError } = require('..');
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

test('errorPage must be a boolean', () => {
  assert.throws(() => auth({ baseURL: 'https://app.example', providers: TWO, errorPage: 'yes' }),
    { code: 'invalid_config', message: /`errorPage` must be true/ });
});

test('errorHandler() renders a GouvConnectError and passes anything else on', () => {
  const handler = errorHandler({ supportURL: 'mailto:support@app.example' });
  assert.equal(handler.length, 4, 'an Express error handler (err, req, res, next)');
  const sent = {};
  const res = {
    headersSent: false,
    status(code) { sent.status = code; return this; },
    type(type) { sent.type = type; return this; },
    send(body) { sent.body = body; return this; },
  };
  let passed = null;
  handler(new GouvConnectError('provider_access_denied', 'cancelled'), {}, res, (e) => { passed = e; });
  assert.equal(passed, null);
  assert.equal(sent.status, 403);
  assert.equal(sent.type, 'html');
  assert.match(sent.body, /provider_access_denied/);
  assert.match(sent.body, /id="gouvconnect-support" href="mailto:support@app.example"/);
  const other = new Error('not ours');
  handler(other, {}, res, (e) => { passed = e; });
  assert.equal(passed, other, "another error goes to the app's next handler");
  passed = null;
  const late = new GouvConnectError('state_mismatch', 'x');
  handler(late, {}, { ...res, headersSent: true }, (e) => { passed = e; });
  assert.equal(passed, late, 'after the headers were sent, Express’s own handler closes the response');
  assert.throws(() => errorHandler({ supportURL: 'javascript:alert(1)' }), { code: 'invalid_config' });
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

    test("errorPage: false hands the routes' errors to the app's error handler with next(err)", async () => {
      const { lines, logger } = recorder();
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const app = express();
      app.use(session({ secret: 'test-secret', resave: false, saveUninitialized: false }));
      app.use(auth({ baseURL: base, providers: { proconnect: credentials('proconnect') }, logger, errorPage: false }));
      app.get('/admin', requiresGroup('admins'), (req, res) => res.send('admin'));
      app.post('/login-as', (req, res, next) => {
        // A signed-in session without the group (the way a login leaves it).
        req.session.gouvconnect = { login: { provider: 'proconnect', identity: { sub: 's', acr: 'eidas1' }, groups: [], fields: {}, expiresAt: Math.floor(Date.now() / 1000) + 600 } };
        req.session.save((e) => (e ? next(e) : res.send('ok')));
      });
      const seen = [];
      // eslint-disable-next-line no-unused-vars
      app.use((err, req, res, next) => {
        seen.push(err);
        res.status(err.status || 500).json({ code: err.code, message: err.userMessage });
      });
      const server = app.listen(port, '127.0.0.1');
      await once(server, 'listening');
      try {
        const lost = await get(`${base}/auth/callback?code=c&state=s`);
        assert.equal(lost.status, 400);
        const body = await lost.json();
        assert.equal(body.code, 'session_lost');
        assert.match(body.message, /session de connexion/);
        assert.ok(seen.at(-1) instanceof GouvConnectError);
        assert.ok(seen.at(-1) instanceof Error);
        assert.equal(lines.at(-1).fields.code, 'session_lost', 'still logged by gouvconnect');

        const logout = await get(`${base}/auth/logout/callback?state=x`);
        assert.equal(logout.status, 400);
        assert.equal((await logout.json()).code, 'logout_state_mismatch');

        // requiresGroup's refusal goes the same way.
        const browser = new Browser();
        await browser.post(`${base}/login-as`, '');
        const denied = await browser.get(`${base}/admin`);
        assert.equal(denied.status, 403);
        assert.equal((await denied.json()).code, 'access_denied');
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    test('by default, the provided error page ends auth(): the app\'s error handler never sees its errors', async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const app = express();
      app.use(session({ secret: 'test-secret', resave: false, saveUninitialized: false }));
      app.use(auth({ baseURL: base, providers: { proconnect: credentials('proconnect') }, logger: recorder().logger, supportURL: '/aide' }));
      const seen = [];
      // eslint-disable-next-line no-unused-vars
      app.use((err, req, res, next) => { seen.push(err); res.status(599).send('app'); });
      const server = app.listen(port, '127.0.0.1');
      await once(server, 'listening');
      try {
        const logout = await get(`${base}/auth/logout/callback?state=x`);
        assert.equal(logout.status, 400);
        const html = await logout.text();
        assert.match(html, /logout_state_mismatch/);
        assert.match(html, /id="gouvconnect-support" href="\/aide"/);
        assert.equal(seen.length, 0);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  });
}
