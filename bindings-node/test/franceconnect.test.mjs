// FranceConnect and FranceConnect+ through gouvconnect/express, against the emulator over real
// HTTP: a real headless Chromium logs a citizen in on the Express example (official buttons,
// identité pivot on the page, logout); the public-keys route FranceConnect+ fetches; the startup
// error of FranceConnect+ without its private keys; and, on Express 4 and 5, an FC+ client
// registered at the emulator with `jwks_uri` = the app's own route, which the emulator fetches
// to encrypt the tokens (so the route is exercised by the provider, not only by the test).
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Browser, ROOT, freePort, fullLogin, launchChromium, startEmulator, startExample } from './harness.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const { auth } = require('../express');
const { Client } = require('..');
const session = require('express-session');

// The emulator's built-in citizen clients (emulator/README.md, "FranceConnect and FranceConnect+").
const FC = { id: 'demo-franceconnect', secret: 'demo-franceconnect-secret-0123456789abcdef', issuerPath: '/franceconnect/api/v2' };
const FCP = { id: 'demo-franceconnect-plus', secret: 'demo-franceconnect-plus-secret-0123456789ab', issuerPath: '/franceconnect-plus/api/v2' };
// The demo host's private keys, whose public halves the emulator's FC+ clients are registered with.
const DEMO_KEYS = path.join(ROOT, 'emulator/keys/demo-fcp-client-enc.jwks.json');
// FranceConnect+ clients registered, for this test, with the host's route as their `jwks_uri`:
// one per Express major (each app on its own port), one per key type.
const FCP_JWKS_URI = {
  5: { id: 'host-fcp-jwks-uri-5', secret: 'host-fcp-jwks-uri-5-secret-0123456789abcdef', encryption_alg: 'ECDH-ES' },
  4: { id: 'host-fcp-jwks-uri-4', secret: 'host-fcp-jwks-uri-4-secret-0123456789abcdef', encryption_alg: 'RSA-OAEP' },
};
// Private members of a JWK (RFC 7518 §6.2.2, §6.3.2): none may be published.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

let emulator;
let dir;
const jwksAppPorts = {};
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-franceconnect-'));
  // The apps of the jwks_uri tests listen on ports chosen now: the emulator's registrations name them.
  const clients = [];
  for (const [major, c] of Object.entries(FCP_JWKS_URI)) {
    jwksAppPorts[major] = await freePort();
    clients.push({
      id: c.id, secret: c.secret, persona: 'franceconnect_plus', id_token_alg: 'ES256', userinfo_alg: 'ES256',
      encryption_alg: c.encryption_alg, jwks_uri: `http://127.0.0.1:${jwksAppPorts[major]}/auth/jwks`,
    });
  }
  const config = path.join(dir, 'emulator.json');
  fs.writeFileSync(config, JSON.stringify({ clients }));
  emulator = await startEmulator(['--config', config]);
});
after(async () => {
  await emulator?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The Express example's environment for `client` (FranceConnect or FranceConnect+). */
async function exampleEnv(provider, client, extra = {}) {
  const port = await freePort();
  return {
    GOUVCONNECT_PROVIDER: provider,
    GOUVCONNECT_ISSUER: emulator.base + client.issuerPath,
    GOUVCONNECT_CLIENT_ID: client.id,
    GOUVCONNECT_CLIENT_SECRET: client.secret,
    GOUVCONNECT_BASE_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    ...extra,
  };
}

function assertPublicOnly(jwks) {
  assert.ok(Array.isArray(jwks.keys) && jwks.keys.length > 0, 'a JWKS with keys');
  for (const key of jwks.keys) {
    for (const member of PRIVATE_MEMBERS) assert.equal(key[member], undefined, `${key.kid}: no "${member}"`);
    assert.equal(key.use, 'enc');
  }
}

/**
 * Chromium on the example's home page: the official button (and its "Qu’est-ce que …" link),
 * the emulator's page as `user`, back on the home page signed in with the identité pivot shown;
 * then the logout button, through the provider's end of session, back anonymous.
 */
async function browserLogin(app, { brand, infoLink, user, usualName }) {
  const { context, close } = await launchChromium(chromium);
  try {
    const page = await context.newPage();
    await page.goto(app.base + '/');
    const info = page.getByRole('link', { name: infoLink.name });
    assert.equal(await info.getAttribute('href'), infoLink.href);
    await page.getByRole('button', { name: new RegExp(`^S’identifier avec\\s*${brand.replace('+', '\\+')}$`) }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator(`button[name="user"][value="${user}"]`).click();
    await page.waitForURL(app.base + '/');
    const pivot = await page.textContent('#identite-pivot');
    assert.match(pivot, /Nom de naissance\s*DUBOIS/);
    if (usualName) assert.match(pivot, new RegExp(`Nom d’usage\\s*${usualName}`));
    else assert.doesNotMatch(pivot, /Nom d’usage/);
    assert.match(pivot, /Date de naissance\s*1962-08-24/);
    assert.match(pivot, /Lieu de naissance \(COG\)\s*75107/);
    const identity = await (await page.goto(app.base + '/me')).json();

    await page.goto(app.base + '/');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(app.base + '/');
    assert.equal(await page.getByRole('button', { name: 'Se déconnecter' }).count(), 0, 'signed out');
    const me = await page.goto(app.base + '/me');
    assert.equal(me.status(), 401);
    return identity;
  } finally {
    await close();
  }
}

describe('the Express example in Chromium', () => {
  test('FranceConnect: button, citizen, identité pivot, logout', async () => {
    // The usage name is a scope of its own since FranceConnect v2: asked for here.
    const app = await startExample(await exampleEnv('franceconnect', FC,
      { GOUVCONNECT_SCOPES: 'openid identite_pivot email preferred_username' }));
    try {
      const jwks = await fetch(app.base + '/auth/jwks');
      assert.equal(jwks.status, 404, 'no public-keys route without FranceConnect+');
      const identity = await browserLogin(app, {
        brand: 'FranceConnect', user: 'citizen', usualName: 'MARTIN',
        infoLink: { name: 'Qu’est-ce que FranceConnect ?', href: 'https://franceconnect.gouv.fr/' },
      });
      assert.equal(identity.provider, 'franceconnect');
      assert.equal(identity.acr, 'eidas1');
      assert.equal(identity.franceconnect.given_names, 'Angela Claire Louise');
      assert.equal(identity.franceconnect.born_in_france, true);
      assert.equal(identity.family_name, 'MARTIN', 'the usage name');
    } finally {
      await app.stop();
    }
  });

  test('FranceConnect+ with the demo key file: encrypted tokens opened, logout; the keys route', async () => {
    const app = await startExample(await exampleEnv('franceconnect_plus', FCP, { GOUVCONNECT_DECRYPTION_KEYS_FILE: DEMO_KEYS }));
    try {
      const res = await fetch(app.base + '/auth/jwks');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^application\/json\b/);
      assert.match(res.headers.get('cache-control'), /max-age=\d+/);
      const jwks = await res.json();
      assertPublicOnly(jwks);
      const demo = JSON.parse(fs.readFileSync(DEMO_KEYS, 'utf8'));
      assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), demo.keys.map((k) => k.kid).sort());

      const identity = await browserLogin(app, {
        brand: 'FranceConnect+', user: 'citizen',
        infoLink: { name: 'Qu’est-ce que FranceConnect+ ?', href: 'https://franceconnect.gouv.fr/france-connect-plus' },
      });
      assert.equal(identity.provider, 'franceconnect_plus');
      assert.equal(identity.acr, 'eidas2');
      assert.equal(identity.mfa, true);
      assert.equal(identity.franceconnect.birthcountry, '99100');
      assert.equal(identity.family_name, 'DUBOIS', 'no usage name asked for: the birth name');
    } finally {
      await app.stop();
    }
  });

  test('FranceConnect+ without decryption keys: the example stops at startup, saying what to set', async () => {
    await assert.rejects(startExample(await exampleEnv('franceconnect_plus', FCP)),
      (error) => /exited 1/.test(error.message)
        && /providers\.franceconnect_plus needs the service's private decryption keys/.test(error.message)
        && /decryption_keys_file/.test(error.message)
        && /\/auth\/jwks, the URL to register with FranceConnect\+/.test(error.message));
  });
});

test('auth(): FranceConnect+ keys are required, read from a file or given as text, never misplaced', () => {
  const base = { baseURL: 'https://app.example' };
  const fcp = (extra) => ({ ...base, providers: { franceconnect_plus: { environment: 'sandbox', client_id: 'a', client_secret: 'b', ...extra } } });
  assert.throws(() => auth(fcp({})), (e) => e.code === 'invalid_config'
    && e.message.includes('https://app.example/auth/jwks, the URL to register with FranceConnect+'));
  assert.throws(() => auth({ ...fcp({}), routes: { jwks: '/.well-known/jwks.json' } }),
    { code: 'invalid_config', message: /https:\/\/app\.example\/\.well-known\/jwks\.json/ });
  const missing = path.join(dir, 'nowhere.jwks.json');
  assert.throws(() => auth(fcp({ decryption_keys_file: missing })),
    { code: 'invalid_config', message: new RegExp(`cannot read "${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" \\(ENOENT\\)`) });
  assert.throws(() => auth(fcp({ decryption_keys_file: DEMO_KEYS, decryption_keys: '{}' })), { code: 'invalid_config', message: /not both/ });
  assert.throws(() => auth(fcp({ decryption_keys: DEMO_KEYS })), { code: 'invalid_config', message: /for a file, use `decryption_keys_file`/ });
  const text = fs.readFileSync(DEMO_KEYS, 'utf8');
  for (const keys of [{ decryption_keys_file: DEMO_KEYS }, { decryption_keys: text }, { decryption_keys: JSON.parse(text) }]) {
    assert.equal(auth(fcp(keys)).routes.jwks, '/auth/jwks');
  }
  // A private key given by mistake to FranceConnect: the core refuses it.
  assert.throws(() => auth({ ...base, providers: { franceconnect: { environment: 'sandbox', client_id: 'a', client_secret: 'b', decryption_keys: text } } }),
    { code: 'invalid_config', message: /FranceConnect\+ only/ });
  const fcOnly = auth({ ...base, providers: { franceconnect: { environment: 'sandbox', client_id: 'a', client_secret: 'b' } } });
  assert.equal(fcOnly.routes.jwks, undefined, 'no keys route without FranceConnect+');
  // The binding's own accessor: the public halves, or null for a provider that does not encrypt.
  const client = Client.offline({ provider: 'franceconnect_plus', environment: 'sandbox', client_id: 'a', client_secret: 'b', redirect_uri: 'https://app.example/cb', decryption_keys: text });
  assertPublicOnly(JSON.parse(client.publicJwks()));
  assert.equal(Client.offline({ provider: 'franceconnect', environment: 'sandbox', client_id: 'a', client_secret: 'b', redirect_uri: 'https://app.example/cb' }).publicJwks(), null);
});

/** The README's FranceConnect snippet (its first js block). */
function readmeSnippet() {
  const text = fs.readFileSync(path.join(ROOT, 'bindings-node/README.md'), 'utf8');
  const start = text.indexOf('\n## FranceConnect and FranceConnect+\n');
  assert.ok(start >= 0, 'the README has its FranceConnect section');
  return /```js\n([\s\S]*?)```/.exec(text.slice(start))[1];
}

test('bindings-node/README.md FranceConnect snippet, run as written against the emulator', async () => {
  const sandbox = "environment: 'sandbox'";
  const parts = readmeSnippet().split(sandbox);
  assert.equal(parts.length, 3, 'one environment per provider');
  // The one change the README tells to try it locally: each preset replaced by the emulator's issuer.
  const source = parts[0] + `issuer: ${JSON.stringify(emulator.base + FC.issuerPath)}`
    + parts[1] + `issuer: ${JSON.stringify(emulator.base + FCP.issuerPath)}` + parts[2];
  const file = path.join(dir, 'readme-franceconnect.js');
  fs.writeFileSync(file, source);
  const port = await freePort();
  // The packages the snippet requires, as installed for the Express example (gouvconnect linked).
  const child = spawn(process.execPath, [file], {
    env: {
      ...process.env, NODE_PATH: path.join(ROOT, 'examples/express/node_modules'), PORT: String(port),
      SESSION_SECRET: 'readme-franceconnect-secret', FC_CLIENT_ID: FC.id, FC_CLIENT_SECRET: FC.secret,
      FCP_CLIENT_ID: FCP.id, FCP_CLIENT_SECRET: FCP.secret, FCP_DECRYPTION_KEYS_FILE: DEMO_KEYS,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stderr.on('data', (d) => output.push(String(d)));
  try {
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => { output.push(String(d)); if (/Open http/.test(output.join(''))) resolve(); });
      child.on('exit', (code) => reject(new Error(`the snippet exited ${code}: ${output.join('')}`)));
    });
    const home = `http://localhost:${port}`;
    const browser = new Browser();
    const page = await (await browser.get(home + '/')).text();
    const action = /<form method="get" action="([^"]+)"><button[^>]*gouvconnect-button--franceconnect-plus"/.exec(page);
    assert.ok(action, 'the FranceConnect+ button');
    assert.match(page, /gouvconnect-button--franceconnect"/, 'and the FranceConnect one');
    const start = await browser.get(home + action[1]);
    assert.equal(start.status, 302);
    const back = await browser.get(await browser.loginAt(start.headers.get('location'), emulator.base, 'citizen'));
    assert.equal(back.status, 302);
    const pivot = await (await browser.get(home + '/me')).json();
    assert.equal(pivot.birth_name, 'DUBOIS');
    const keys = await (await browser.get(home + '/auth/jwks')).json();
    assertPublicOnly(keys);
  } finally {
    child.kill('SIGTERM');
  }
});

for (const major of [5, 4]) {
  describe(`Express ${major}: FranceConnect and FranceConnect+ side by side, FC+ fetching the app's keys (${FCP_JWKS_URI[major].encryption_alg})`, () => {
    const express = require(major === 5 ? 'express' : 'express4');
    let server;
    let appBase;
    const jwksFetches = [];
    before(async () => {
      const app = express();
      // Who asks for the keys (the emulator, at each token and userinfo answer).
      app.use('/auth/jwks', (req, res, next) => { jwksFetches.push(req.headers['user-agent'] ?? ''); next(); });
      app.use(session({ secret: 'franceconnect-test-secret', resave: false, saveUninitialized: false }));
      appBase = `http://127.0.0.1:${jwksAppPorts[major]}`;
      app.use(auth({
        baseURL: appBase,
        logger: { info() {}, warn() {}, error() {} },
        providers: {
          franceconnect: { issuer: emulator.base + FC.issuerPath, client_id: FC.id, client_secret: FC.secret },
          franceconnect_plus: {
            issuer: emulator.base + FCP.issuerPath, client_id: FCP_JWKS_URI[major].id, client_secret: FCP_JWKS_URI[major].secret,
            decryption_keys: fs.readFileSync(DEMO_KEYS, 'utf8'),
          },
        },
      }));
      app.get('/me', (req, res) => (req.gouvconnect.isAuthenticated() ? res.json(req.gouvconnect.identity) : res.status(401).end()));
      server = app.listen(jwksAppPorts[major], '127.0.0.1');
      await once(server, 'listening');
    });
    after(() => new Promise((resolve) => {
      if (!server) return resolve();
      server.close(resolve);
      server.closeAllConnections(); // fetch's kept-alive sockets
    }));

    test('the choice page offers both official buttons', async () => {
      const html = await (await fetch(appBase + '/auth/login')).text();
      assert.match(html, /action="\/auth\/franceconnect\/login"><button[^>]*gouvconnect-button--franceconnect"/);
      assert.match(html, /action="\/auth\/franceconnect_plus\/login"><button[^>]*gouvconnect-button--franceconnect-plus"/);
      assert.match(html, /FranceConnect\+ est la solution proposée par l’État/);
    });

    test('FranceConnect+: the emulator encrypts to the keys it fetched from the app; login, logout', async () => {
      jwksFetches.length = 0;
      const browser = new Browser();
      const back = await fullLogin(browser, appBase, emulator.base, 'citizen-high', '/auth/franceconnect_plus/login');
      assert.equal(back.status, 302, await back.text());
      assert.ok(jwksFetches.length >= 1, 'the provider fetched the public keys from the app');
      const identity = await (await browser.get(appBase + '/me')).json();
      assert.equal(identity.provider, 'franceconnect_plus');
      assert.equal(identity.acr, 'eidas3');
      assert.equal(identity.franceconnect.birth_name, 'GARCIA LOPEZ');
      assert.equal(identity.franceconnect.born_in_france, false);
      assert.equal(identity.franceconnect.birthplace, null, 'born abroad: no commune');

      const logout = await browser.post(appBase + '/auth/logout');
      assert.equal(logout.status, 302);
      assert.ok(logout.headers.get('location').startsWith(emulator.base + FCP.issuerPath + '/session/end'));
      const endSession = await browser.get(logout.headers.get('location'));
      assert.equal(endSession.status, 302, await endSession.text());
      const done = await browser.get(endSession.headers.get('location'));
      assert.equal(done.status, 302);
      assert.equal((await browser.get(appBase + '/me')).status, 401, 'signed out');
    });

    test('FranceConnect next to it: a citizen, the identité pivot', async () => {
      const browser = new Browser();
      const back = await fullLogin(browser, appBase, emulator.base, 'citizen-corse', '/auth/franceconnect/login');
      assert.equal(back.status, 302, await back.text());
      const identity = await (await browser.get(appBase + '/me')).json();
      assert.equal(identity.provider, 'franceconnect');
      assert.equal(identity.franceconnect.birthplace, '2A004');
      assert.equal(identity.given_name, 'Marie-Ange');
    });
  });
}
