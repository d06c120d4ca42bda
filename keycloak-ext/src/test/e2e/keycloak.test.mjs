// A real Keycloak with the gouvconnect extension, against the emulator, over real HTTP:
// full logins Keycloak → emulator → Keycloak for ProConnect and Pro Santé Connect, users and
// mapped attributes and groups checked through the admin REST API, a token the core rejects,
// the logout round trip, and a headless Chromium clicking ProConnect on Keycloak's login page.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Browser, ROOT, emulatorBin, freePort, launchChromium, startEmulator } from '../../../../bindings-node/test/harness.mjs';

const require = createRequire(path.join(ROOT, 'bindings-node', 'package.json'));
const { chromium } = require('playwright-core');

const APP_REDIRECT = 'http://127.0.0.1:9/cb';
let emulator;
let keycloak;
let kc;
// Pro Santé Connect's mutual TLS: the emulator's server certificate (trusted by Keycloak through
// its truststore option) and client certificates made by the emulator.
const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-kc-mtls-'));
const tlsFile = (name) => path.join(tlsDir, name);

function clientCertificate(cn) {
  execFileSync(emulatorBin(), ['gen-client-cert', '--cn', cn,
    '--out-cert', tlsFile(`${cn}.pem`), '--out-key', tlsFile(`${cn}.key`)]);
  return { cert: tlsFile(`${cn}.pem`), key: tlsFile(`${cn}.key`) };
}

async function waitFor(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

before(async () => {
  emulator = await startEmulator(['--tls-port', '0', '--tls-cert-out', tlsFile('server.pem')]);
  const port = await freePort();
  const management = await freePort();
  kc = `http://127.0.0.1:${port}`;
  keycloak = spawn('bash', [path.join(ROOT, 'examples/keycloak/run.sh')], {
    env: {
      ...process.env,
      PORT: String(port),
      KEYCLOAK_MANAGEMENT_PORT: String(management),
      GOUVCONNECT_PROVIDER: 'proconnect',
      GOUVCONNECT_ISSUER: `${emulator.base}/api/v2`,
      GOUVCONNECT_CLIENT_ID: 'demo-proconnect',
      GOUVCONNECT_CLIENT_SECRET: 'demo-proconnect-secret-0123456789abcdef',
      KC_TRUSTSTORE_PATHS: tlsFile('server.pem'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  await waitFor(`${kc}/realms/gouvconnect`, 300000);
});

after(async () => {
  if (keycloak) {
    try { process.kill(-keycloak.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  await emulator?.stop();
  fs.rmSync(tlsDir, { recursive: true, force: true });
});

async function admin() {
  const res = await fetch(`${kc}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' }),
  });
  const token = (await res.json()).access_token;
  const call = async (method, p, body) => {
    const r = await fetch(`${kc}/admin/realms/gouvconnect${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
    return r.status === 204 ? null : r.json();
  };
  return call;
}

/** Logs in through Keycloak with `idp` as `user`; returns the final response and the PKCE verifier. */
async function login(browser, idp, user, profile = null) {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const auth = `${kc}/realms/gouvconnect/protocol/openid-connect/auth?` + new URLSearchParams({
    client_id: 'demo-app', redirect_uri: APP_REDIRECT, response_type: 'code', scope: 'openid',
    kc_idp_hint: idp, code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state',
  });
  let res = await browser.get(auth);
  for (let i = 0; i < 12 && res.status >= 300 && res.status < 400; i++) {
    const location = new URL(res.headers.get('location'), kc).href;
    if (location.startsWith(APP_REDIRECT)) return { location, verifier };
    if (location.startsWith(emulator.base)) {
      const authorize = new URL(location).searchParams;
      if (authorize.get('response_type') === 'code') {
        // The core's PKCE (S256) rides on Keycloak's state; the emulator checks the verifier.
        assert.equal(authorize.get('code_challenge_method'), 'S256');
        assert.ok((authorize.get('code_challenge') ?? '').length >= 43);
        assert.ok((authorize.get('state') ?? '').length >= 32);
      }
      res = await browser.get(await browser.loginAt(location, emulator.base, user));
    } else {
      res = await browser.get(location);
    }
    if (res.status === 200 && profile) {
      // Keycloak's own first-broker-login asks for what the provider did not send (PSC: email).
      const html = await res.text();
      if (!html.includes('login-idp-review-user-profile')) return { response: res, body: html, verifier };
      const action = /<form[^>]*id="kc-idp-review-profile-form"[^>]*action="([^"]+)"/.exec(html)
        ?? /<form[^>]*action="([^"]+)"/.exec(html);
      const form = { ...profile };
      for (const name of ['username', 'firstName', 'lastName']) {
        const value = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];
        if (value && !form[name]) form[name] = value;
      }
      if (process.env.GC_DEBUG) (await import('node:fs')).writeFileSync('/tmp/review.html', html);
      res = await browser.post(action[1].replace(/&amp;/g, '&'), form);
    }
  }
  return { response: res, body: await res.text(), verifier };
}

async function tokens(code, verifier) {
  const res = await fetch(`${kc}/realms/gouvconnect/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'demo-app', code,
      redirect_uri: APP_REDIRECT, code_verifier: verifier }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

async function userByEmail(api, email) {
  const users = await api('GET', `/users?email=${encodeURIComponent(email)}&exact=true&briefRepresentation=false`);
  return users[0];
}

test('ProConnect: login through Keycloak creates the user with mapped attributes and groups, then logs out', async () => {
  const browser = new Browser();
  const { location, verifier } = await login(browser, 'proconnect', 'agent');
  assert.ok(location, 'Keycloak redirected back to the app');
  const code = new URL(location).searchParams.get('code');
  assert.ok(code);
  const api = await admin();
  const user = await userByEmail(api, 'alice.martin@interieur.gouv.fr');
  assert.ok(user, 'user created');
  assert.equal(user.firstName, 'Alice');
  assert.equal(user.lastName, 'Martin');
  assert.deepEqual(user.attributes.siret, ['11000101300017']);
  assert.deepEqual(user.attributes.acr, ['eidas1']);
  const groups = (await api('GET', `/users/${user.id}/groups`)).map((g) => g.name);
  assert.ok(groups.includes('agents-publics'), groups.join(','));
  const links = await api('GET', `/users/${user.id}/federated-identity`);
  assert.equal(links[0].identityProvider, 'proconnect');
  assert.equal(links[0].userId, '2d3f5b1c-6a0e-4c8f-9b7d-1e2f3a4b5c6d');

  // Logout: Keycloak sends the browser to ProConnect's end-session with id_token_hint and
  // state, ProConnect returns the state, Keycloak checks it and comes back to the app.
  const { id_token: idToken } = await tokens(code, verifier);
  let res = await browser.get(`${kc}/realms/gouvconnect/protocol/openid-connect/logout?` + new URLSearchParams({
    id_token_hint: idToken, post_logout_redirect_uri: 'http://127.0.0.1:9/out', client_id: 'demo-app' }));
  let sawEndSession = false;
  for (let i = 0; i < 8 && res.status >= 300 && res.status < 400; i++) {
    const next = new URL(res.headers.get('location'), kc);
    if (next.href.startsWith('http://127.0.0.1:9/out')) break;
    if (next.pathname === '/api/v2/session/end') {
      sawEndSession = true;
      assert.ok(next.searchParams.get('state'));
      assert.ok(next.searchParams.get('id_token_hint'));
    }
    res = await browser.get(next.href);
  }
  assert.ok(sawEndSession, 'went through the end-session endpoint');
  assert.ok(res.headers.get('location')?.startsWith('http://127.0.0.1:9/out'), `ended at ${res.status}`);
  const sessions = await api('GET', `/users/${user.id}/sessions`);
  assert.equal(sessions.length, 0);
});

test('a token the core rejects shows Keycloak\'s error page and creates no user', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  // The HS256 client signs with its secret; HS256 is not registered here, so the core refuses.
  const broken = { ...idp, config: { ...idp.config, clientId: 'demo-proconnect-hs256',
    clientSecret: 'demo-proconnect-hs256-secret-0123456789abcdef' } };
  await api('PUT', '/identity-provider/instances/proconnect', broken);
  try {
    const result = await login(new Browser(), 'proconnect', 'employee');
    assert.equal(result.location, undefined, 'no redirect back to the app');
    // Keycloak's own error page, naming the core's stable code.
    assert.ok(result.response.status >= 400, `status ${result.response.status}`);
    assert.match(result.body, /id="kc-error-message"|kc-error-message/);
    assert.match(result.body, /\(unsupported_algorithm\)/);
    assert.equal(await userByEmail(api, 'bruno.durand@exemple-entreprise.fr'), undefined);
  } finally {
    // The admin API masks secrets in what it returns: restore the secret explicitly.
    await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
      clientSecret: 'demo-proconnect-secret-0123456789abcdef' } });
  }
});

test('an unverified email is refused by the core policy: error page with its code, no user', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  // ProConnect sends the identity provider's word on the email (`custom.email_verified`) only
  // with the `custom` scope: ask for it, as a deployment that wants that check does.
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: 'demo-proconnect-secret-0123456789abcdef',
    defaultScope: 'openid email given_name usual_name uid siret idp_id roles organization_label custom' } });
  try {
    const result = await login(new Browser(), 'proconnect', 'unverified');
    assert.equal(result.location, undefined, 'no redirect back to the app');
    assert.match(result.body, /\(email_not_verified\)/);
    assert.match(result.body, /n’est pas vérifiée|n&rsquo;est pas v&eacute;rifi&eacute;e|n&#8217;est pas/);
    assert.equal(await userByEmail(api, 'ursule.petit@exemple-asso.fr'), undefined);
  } finally {
    await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
      clientSecret: 'demo-proconnect-secret-0123456789abcdef' } });
  }
});

test('Pro Santé Connect: doctor with RPPS and profession groups', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/prosanteconnect');
  await api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, enabled: true, config: { ...idp.config,
    clientId: 'demo-psc', clientSecret: 'demo-psc-secret-0123456789abcdef',
    gouvconnectIssuer: `${emulator.base}/auth/realms/esante-wallet` } });
  // A fresh instance has no mappers: the extension creates its defaults on first use.
  for (const mapper of await api('GET', '/identity-provider/instances/prosanteconnect/mappers')) {
    await api('DELETE', `/identity-provider/instances/prosanteconnect/mappers/${mapper.id}`);
  }
  const result = await login(new Browser(), 'prosanteconnect', 'doctor', { email: 'paul.bernard@exemple-sante.fr' });
  const mappers = (await api('GET', '/identity-provider/instances/prosanteconnect/mappers'))
    .map((m) => m.identityProviderMapper).sort();
  assert.deepEqual(mappers, ['gouvconnect-attribute-mapper', 'gouvconnect-group-mapper']);
  assert.ok(result.location, `no redirect back: ${result.response?.status} ${/data-page-id="[^"]+"/.exec(result.body ?? '')} ${/<span class="[^"]*(?:feedback|alert|message)[^"]*"[^>]*>([^<]*)/.exec(result.body ?? '')?.[1]} ${result.response?.url}`);
  const users = await api('GET', '/users?q=rpps:99700218896&briefRepresentation=false');
  assert.equal(users.length, 1);
  assert.equal(users[0].lastName, 'BERNARD');
  const groups = (await api('GET', `/users/${users[0].id}/groups`)).map((g) => g.name);
  assert.ok(groups.includes('medecins'), groups.join(','));
});

test('Pro Santé Connect over mutual TLS: the client certificate alone authenticates Keycloak', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/prosanteconnect');
  const mtls = (certificate) => api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, enabled: true,
    config: { ...idp.config, clientId: 'demo-psc-mtls', clientSecret: 'not-sent-with-mutual-tls',
      gouvconnectIssuer: `${emulator.base}/auth/realms/esante-wallet`, gouvconnectTokenAuth: 'tls_client_auth',
      gouvconnectTlsClientCert: certificate.cert, gouvconnectTlsClientKey: certificate.key } });
  try {
    // demo-psc-mtls has no secret: the emulator only accepts its certificate, on the TLS listener
    // that the discovery's mtls_endpoint_aliases name.
    await mtls(clientCertificate('demo-psc-mtls'));
    const result = await login(new Browser(), 'prosanteconnect', 'pharmacist', { email: 'claire.petit@exemple-sante.fr' });
    assert.ok(result.location, `no redirect back: ${result.response?.status}`);
    const users = await api('GET', '/users?q=adeli:691234567&briefRepresentation=false');
    assert.equal(users.length, 1);

    // Another certificate: the token request is refused, Keycloak shows its error page.
    await mtls(clientCertificate('someone-else'));
    const refused = await login(new Browser(), 'prosanteconnect', 'nurse-noacr');
    assert.equal(refused.location, undefined);
    assert.ok(refused.response.status >= 400, `status ${refused.response.status}`);
  } finally {
    await api('PUT', '/identity-provider/instances/prosanteconnect', idp);
  }
});

test('a logout return with a state Keycloak did not send is refused', async () => {
  for (const state of ['forged', '', crypto.randomUUID()]) {
    const res = await fetch(`${kc}/realms/gouvconnect/broker/proconnect/endpoint/logout_response?` +
      new URLSearchParams(state ? { state } : {}), { redirect: 'manual' });
    assert.ok(res.status >= 400 && res.status < 500, `state ${JSON.stringify(state)}: ${res.status}`);
    assert.equal(res.headers.get('location'), null);
  }
});

test('at most one enabled ProConnect instance per realm', async () => {
  const token = await (await fetch(`${kc}/realms/master/protocol/openid-connect/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' }),
  })).json();
  const res = await fetch(`${kc}/admin/realms/gouvconnect/identity-provider/instances`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ alias: 'proconnect-bis', providerId: 'proconnect', enabled: true,
      config: { clientId: 'x', clientSecret: 'y', gouvconnectEnvironment: 'integration' } }),
  });
  const body = await res.text();
  assert.equal(res.status, 400, body);
  assert.match(body, /Only one enabled ProConnect identity provider/);
});

test('click ProConnect on Keycloak\'s login page and come back logged in', async () => {
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${kc}/realms/gouvconnect/account`);
    // The gouvconnect login theme draws the official button.
    const button = page.getByRole('link', { name: /S’identifier avec\s*ProConnect/ });
    await button.waitFor();
    if (process.env.GC_LOGIN_SCREENSHOT) await page.screenshot({ path: process.env.GC_LOGIN_SCREENSHOT });
    assert.equal(await page.getByRole('link', { name: /Qu’est-ce que ProConnect/ }).getAttribute('target'), '_blank');
    await button.click();
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="agent"]').click();
    await page.waitForURL((url) => url.href.startsWith(`${kc}/realms/gouvconnect/account`),
      { timeout: 60000, waitUntil: 'commit' }).catch(async (e) => {
      if (process.env.GC_SCREENSHOT) await page.screenshot({ path: process.env.GC_SCREENSHOT });
      throw new Error(`${e.message} — at ${page.url()}`);
    });
    // The account console shows the brokered user's profile.
    const email = page.locator('input[name="email"]');
    await email.waitFor({ timeout: 60000 });
    if (process.env.GC_SCREENSHOT) await page.screenshot({ path: process.env.GC_SCREENSHOT });
    assert.equal(await email.inputValue(), 'alice.martin@interieur.gouv.fr');
    assert.ok(page.url().startsWith(`${kc}/realms/gouvconnect/account`));
  } finally {
    await close();
  }
});
