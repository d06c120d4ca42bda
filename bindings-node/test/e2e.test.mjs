// End to end over real HTTP: the emulator and the Express example (Express 5 as the
// one-command example process, Express 4 in this process), full logins, /me, logout, errors.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Browser, ROOT, exampleEnv, freePort, fullLogin, startEmulator, startExample } from './harness.mjs';

const require = createRequire(import.meta.url);

let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator.stop(); });

/** The example on Express 4, in this process, with the contract's environment. */
async function startExpress4(env) {
  const { createApp } = require(path.join(ROOT, 'examples/express/app.js'));
  const server = createApp(require('express4'), env).listen(Number(env.PORT), '127.0.0.1');
  await once(server, 'listening');
  return { base: `http://127.0.0.1:${env.PORT}`, stop: () => new Promise((r) => server.close(r)) };
}

for (const [flavour, start] of [['Express 5 (example process)', startExample], ['Express 4', startExpress4]]) {
  describe(flavour, () => {
    const apps = {};
    before(async () => {
      for (const provider of ['proconnect', 'prosanteconnect']) {
        const port = await freePort();
        apps[provider] = await start(exampleEnv(emulator.base, provider, port));
      }
      const port = await freePort();
      apps.eidas2 = await start(exampleEnv(emulator.base, 'proconnect', port, { GOUVCONNECT_ACR: 'eidas2' }));
      // ProConnect forwards the identity provider's email_verified inside `custom`.
      const customPort = await freePort();
      apps.custom = await start(exampleEnv(emulator.base, 'proconnect', customPort, {
        GOUVCONNECT_SCOPES: 'openid email given_name usual_name siret custom',
      }));
    });
    after(async () => { for (const app of Object.values(apps)) await app.stop(); });

    test('home page shows the official button; /me is 401 before login', async () => {
      const browser = new Browser();
      const home = await browser.get(apps.proconnect.base + '/');
      assert.equal(home.status, 200);
      assert.match(await home.text(), /gouvconnect-button--proconnect/);
      assert.equal((await browser.get(apps.proconnect.base + '/me')).status, 401);
    });

    test('ProConnect agent: login, /me, logout round trip', async () => {
      const browser = new Browser();
      const app = apps.proconnect.base;
      const back = await fullLogin(browser, app, emulator.base, 'agent', '/auth/login?next=/me');
      assert.equal(back.status, 302);
      assert.equal(back.headers.get('location'), '/me');
      const me = await browser.get(app + '/me');
      assert.equal(me.status, 200);
      const identity = await me.json();
      assert.equal(identity.provider, 'proconnect');
      assert.equal(identity.family_name, 'Martin');
      assert.equal(identity.proconnect.siret, '11000101300017');
      assert.equal(identity.email_verified, null);

      const logout = await browser.post(app + '/auth/logout');
      assert.equal(logout.status, 302);
      const endSession = new URL(logout.headers.get('location'));
      assert.equal(endSession.pathname, '/api/v2/session/end');
      const back2 = await browser.get(endSession.href);
      assert.ok(back2.status >= 300 && back2.status < 400);
      const callback = await browser.get(back2.headers.get('location'));
      assert.equal(callback.status, 302);
      assert.equal((await browser.get(app + '/me')).status, 401);
    });

    test('PSC doctor: RPPS and every exercice', async () => {
      const browser = new Browser();
      const app = apps.prosanteconnect.base;
      const back = await fullLogin(browser, app, emulator.base, 'doctor');
      assert.equal(back.status, 302);
      const identity = await (await browser.get(app + '/me')).json();
      assert.equal(identity.provider, 'prosanteconnect');
      assert.equal(identity.prosanteconnect.rpps, '99700218896');
      assert.ok(identity.prosanteconnect.exercices.length >= 2);
      assert.ok(identity.prosanteconnect.exercices.some((e) => e.profession_code === '10'));
    });

    test('error pages name the code', async () => {
      const browser = new Browser();
      const app = apps.proconnect.base;
      const refused = await fullLogin(browser, apps.custom.base, emulator.base, 'unverified');
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /email_not_verified/);
      assert.equal((await browser.get(apps.custom.base + '/me')).status, 401);

      // A callback whose state was tampered with.
      const start = await browser.get(app + '/auth/login');
      const callbackUrl = await browser.loginAt(start.headers.get('location'), emulator.base, 'agent');
      const tampered = callbackUrl.replace(/state=([^&]+)/, 'state=forged');
      const bad = await browser.get(tampered);
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /state_mismatch/);
      // The pending login was single use: the genuine callback is now refused too.
      const replay = await browser.get(callbackUrl);
      assert.equal(replay.status, 400);
      assert.match(await replay.text(), /no_pending_login/);

      // A callback from a browser without the session (no cookie): session_lost, not an
      // expired attempt (the replay above, with the session, stays no_pending_login).
      const fresh = new Browser();
      const none = await fresh.get(app + '/auth/callback?code=x&state=y');
      assert.equal(none.status, 400);
      assert.match(await none.text(), /session_lost/);

      // A forged logout state.
      await fullLogin(browser, app, emulator.base, 'agent');
      const logout = await browser.post(app + '/auth/logout');
      assert.equal(logout.status, 302);
      const forged = await browser.get(app + '/auth/logout/callback?state=forged');
      assert.equal(forged.status, 400);
      assert.match(await forged.text(), /logout_state_mismatch/);
    });

    test('required acr: the emulator refuses an eidas1 user, an eidas2 user gets in', async () => {
      const app = apps.eidas2.base;
      const denied = await fullLogin(new Browser(), app, emulator.base, 'agent');
      assert.equal(denied.status, 403);
      assert.match(await denied.text(), /acr_insufficient/);
      const browser = new Browser();
      const ok = await fullLogin(browser, app, emulator.base, 'mfa');
      assert.equal(ok.status, 302);
      assert.equal((await (await browser.get(app + '/me')).json()).acr, 'eidas2');
    });

    test('next never leaves the site', async () => {
      for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', '%2F%2Fevil.example']) {
        const browser = new Browser();
        const start = await browser.get(`${apps.proconnect.base}/auth/login?next=${encodeURIComponent(next)}`);
        assert.equal(start.status, 302);
        const callbackUrl = await browser.loginAt(start.headers.get('location'), emulator.base, 'agent');
        const back = await browser.get(callbackUrl);
        assert.equal(back.status, 302);
        assert.equal(back.headers.get('location'), '/', next);
      }
    });
  });
}
