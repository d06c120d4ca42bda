// A real Keycloak with the gouvconnect extension, against the emulator, over real HTTP:
// full logins Keycloak → emulator → Keycloak for ProConnect and Pro Santé Connect, users and
// mapped attributes and groups checked through the admin REST API, a token the core rejects,
// the logout round trip, and a headless Chromium clicking ProConnect on Keycloak's login page.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, USERS, client, emulatorBin, launchChromium, startEmulator } from '../../../../bindings-node/test/harness.mjs';
import { adminToken, chromium, codeTokens, pkce, startKeycloak } from './harness.mjs';
// The shared test fixture (tests/fixture.json): the emulator's clients and users.
const PC = client('proconnect');
const PSC = client('prosanteconnect');
const HS256 = client('proconnect_hs256');
const AGENT = USERS.proconnect.agent;

const APP_REDIRECT = 'http://127.0.0.1:9/cb';
const AGENT_SUB = AGENT.sub;
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

/** The admin REST API of `realm` (harness.mjs, adminApi). */
const admin = (realm) => keycloak.admin(realm);

before(async () => {
  // agent-mfa: Alice Martin (agent's sub) coming back at eidas2, for the step-up.
  fs.writeFileSync(tlsFile('emulator.json'), JSON.stringify({
    users: [{
      id: 'agent-mfa', persona: 'proconnect', label: 'Alice Martin (eidas2)', sub: AGENT_SUB, acr: 'eidas2',
      amr: ['pwd', 'otp', 'mfa'],
      claims: { given_name: 'Alice', usual_name: 'Martin', email: AGENT.email, siret: AGENT.siret,
        roles: ['agent_public'], idp_id: '71144ab3-ee1a-4401-b7b3-79b44f7daeeb', custom: {} },
    }],
  }));
  emulator = await startEmulator(['--tls-port', '0', '--tls-cert-out', tlsFile('server.pem'), '--config', tlsFile('emulator.json')]);
  keycloak = await startKeycloak({ timeoutMs: 300000, env: {
    GOUVCONNECT_PROVIDER: 'proconnect',
    GOUVCONNECT_ISSUER: `${emulator.base}/api/v2`,
    GOUVCONNECT_CLIENT_ID: PC.id,
    GOUVCONNECT_CLIENT_SECRET: PC.secret,
    KC_TRUSTSTORE_PATHS: tlsFile('server.pem'),
  } });
  kc = keycloak.base;
  // ProConnect set through the admin API as well: Keycloak's home (and its realm import file) is
  // shared by every Keycloak started from this tree, so the imported values may be another run's.
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, enabled: true, config: { ...idp.config,
    clientId: PC.id, clientSecret: PC.secret, gouvconnectIssuer: `${emulator.base}/api/v2`, gouvconnectAcr: '' } });
});

after(async () => {
  await keycloak?.stop();
  await emulator?.stop();
  fs.rmSync(tlsDir, { recursive: true, force: true });
});

/** At the emulator's login page: a user's button, or "Annuler et revenir au service" for CANCEL. */
const CANCEL = Symbol('cancel');
async function atEmulator(browser, location, user, form = {}) {
  if (user !== CANCEL) return browser.get(await browser.loginAt(location, emulator.base, user, form));
  const page = await browser.get(location);
  assert.equal(page.status, 200);
  const action = /action="([^"]+)"/.exec(await page.text())[1].replace(/&amp;/g, '&');
  const back = await browser.post(new URL(action, emulator.base).href, { cancel: '1' });
  assert.ok(back.status >= 300 && back.status < 400, `cancel answered ${back.status}`);
  return browser.get(back.headers.get('location'));
}

/**
 * Logs in through Keycloak (realm `realm`, client demo-app) with `idp` as `user`; returns the
 * final response and the PKCE verifier. With `profile`, fills Keycloak's review-profile form if
 * it shows; without, the form is an answer like any other page (`body`).
 */
async function login(browser, idp, user, profile = null, realm = 'gouvconnect', { params = {}, form = {}, seen = {} } = {}) {
  const { verifier, challenge } = pkce();
  const auth = `${kc}/realms/${realm}/protocol/openid-connect/auth?` + new URLSearchParams({
    client_id: 'demo-app', redirect_uri: APP_REDIRECT, response_type: 'code', scope: 'openid',
    kc_idp_hint: idp, code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state', ...params,
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
        seen.authorize = authorize;
      }
      res = await atEmulator(browser, location, user, form);
    } else {
      res = await browser.get(location);
    }
    if (res.status === 200 && profile) {
      // Keycloak's own first-broker-login asks for what the provider did not send.
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

/** The text of Keycloak's error message on a page (entities decoded). */
function errorMessage(html) {
  const m = /id="kc-error-message"[\s\S]*?<p[^>]*>([\s\S]*?)<\/p>/.exec(html)
    ?? /class="[^"]*(?:kc-feedback-text|pf-v5-c-alert__title|instruction)[^"]*"[^>]*>([\s\S]*?)</.exec(html);
  const text = m ? m[1] : html;
  return text.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&rsquo;/g, '’').replace(/&eacute;/g, 'é').replace(/&egrave;/g, 'è').replace(/&agrave;/g, 'à')
    .replace(/&ecirc;/g, 'ê').replace(/&ccedil;/g, 'ç').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ').trim();
}

/** demo-app's tokens for `code` (harness.mjs). */
const tokens = (code, verifier) => codeTokens(kc, APP_REDIRECT, code, verifier);

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
  const user = await userByEmail(api, AGENT.email);
  assert.ok(user, 'user created');
  assert.equal(user.firstName, 'Alice');
  assert.equal(user.lastName, 'Martin');
  assert.deepEqual(user.attributes.siret, ['11000101300017']);
  assert.deepEqual(user.attributes.acr, ['eidas1']);
  assert.equal(user.emailVerified, true);
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
  const broken = { ...idp, config: { ...idp.config, clientId: HS256.id,
    clientSecret: HS256.secret } };
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
      clientSecret: PC.secret } });
  }
});

test('an unverified email is refused by the core policy: error page with its code, no user', async () => {
  const api = await admin();
  // ProConnect sends the identity provider's word on the email (`custom.email_verified`) only
  // with the `custom` scope, which the core asks for whenever unverified emails are refused.
  const result = await login(new Browser(), 'proconnect', 'unverified');
  assert.equal(result.location, undefined, 'no redirect back to the app');
  assert.match(result.body, /\(email_not_verified\)/);
  assert.match(errorMessage(result.body), /n’est pas vérifiée/);
  assert.equal(await userByEmail(api, 'ursule.petit@exemple-asso.fr'), undefined);
});

test('Pro Santé Connect: doctor with RPPS and profession groups', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/prosanteconnect');
  await api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, enabled: true, config: { ...idp.config,
    clientId: PSC.id, clientSecret: PSC.secret,
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

    // The doctor through Keycloak: the certificate's days left, the credentials over mutual TLS.
    const doctor = () => api('GET', '/gouvconnect/doctor/prosanteconnect');
    const check = (report, id) => report.checks.find((c) => c.id === id) ?? {};
    const healthy = await doctor();
    assert.equal(check(healthy, 'client_certificate').verdict, 'pass', JSON.stringify(healthy.checks));
    assert.match(check(healthy, 'client_certificate').message, /day\(s\) left/);
    assert.equal(check(healthy, 'credentials').verdict, 'pass', JSON.stringify(healthy.checks));
    // An expired certificate: found, whether Keycloak refuses it on save or the doctor reports it.
    execFileSync(emulatorBin(), ['gen-client-cert', '--cn', 'demo-psc-mtls', '--out-cert', tlsFile('expired.pem'),
      '--out-key', tlsFile('expired.key'), '--valid-days', '-3']);
    let found;
    try {
      await mtls({ cert: tlsFile('expired.pem'), key: tlsFile('expired.key') });
      found = check(await doctor(), 'client_certificate');
      assert.equal(found.verdict, 'fail', JSON.stringify(found));
      found = found.message;
    } catch (e) {
      if (e.status !== 400) throw e;
      found = e.body;
    }
    assert.match(found, /expired/);

    // Another certificate: the token request is refused, Keycloak shows its error page.
    await mtls(clientCertificate('someone-else'));
    const refused = await login(new Browser(), 'prosanteconnect', 'nurse-noacr');
    assert.equal(refused.location, undefined);
    assert.ok(refused.response.status >= 400, `status ${refused.response.status}`);
  } finally {
    await api('PUT', '/identity-provider/instances/prosanteconnect', idp);
  }
});

test('a logout return with a state Keycloak did not send is refused by the core (logout_state_mismatch)', async () => {
  for (const state of ['forged', '', crypto.randomUUID(), `${crypto.randomUUID()}.${'x'.repeat(43)}`]) {
    const res = await fetch(`${kc}/realms/gouvconnect/broker/proconnect/endpoint/logout_response?` +
      new URLSearchParams(state ? { state } : {}), { redirect: 'manual' });
    assert.equal(res.status, 400, `state ${JSON.stringify(state)}: ${res.status}`);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /\(logout_state_mismatch\)/, `state ${JSON.stringify(state)}`);
  }
});

/** Follows Keycloak's redirects from `url` until the app's redirect URI, another site, or a page. */
async function followKeycloak(browser, url) {
  let res = await browser.get(url);
  for (let i = 0; i < 12 && res.status >= 300 && res.status < 400; i++) {
    const location = new URL(res.headers.get('location'), kc).href;
    if (!location.startsWith(kc)) return { location, status: res.status };
    res = await browser.get(location);
  }
  return { status: res.status, body: await res.text() };
}

/** demo-app's login through Keycloak up to the provider's redirect back (not followed). */
async function callbackFromProvider(browser, idp, user) {
  const { challenge } = pkce();
  const auth = `${kc}/realms/gouvconnect/protocol/openid-connect/auth?` + new URLSearchParams({
    client_id: 'demo-app', redirect_uri: APP_REDIRECT, response_type: 'code', scope: 'openid', kc_idp_hint: idp,
    code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state' });
  const toProvider = await followKeycloak(browser, auth);
  assert.ok(toProvider.location?.startsWith(emulator.base), `not sent to the provider: ${toProvider.status} ${toProvider.location}`);
  return browser.loginAt(toProvider.location, emulator.base, user);
}

test('the core checks the callback on Keycloak\'s broker endpoint: a forged iss (RFC 9207) is refused with the core\'s code before the code is exchanged', async () => {
  const browser = new Browser();
  const callback = new URL(await callbackFromProvider(browser, 'proconnect', 'agent'));
  const forged = new URL(callback);
  forged.searchParams.set('iss', 'https://evil.example/api/v2');
  const refused = await followKeycloak(browser, forged.href);
  assert.equal(refused.location, undefined, 'no redirect back to the app');
  assert.match(refused.body, /\(issuer_mismatch\)/);
  assert.ok(keycloak.log().includes('callback `iss` is not the provider'), 'the core\'s message in the log');
  // The right issuer passes the same check (RFC 9207 allows it even where not advertised).
  const browser2 = new Browser();
  const genuine = new URL(await callbackFromProvider(browser2, 'proconnect', 'agent'));
  genuine.searchParams.set('iss', `${emulator.base}/api/v2`);
  const accepted = await followKeycloak(browser2, genuine.href);
  assert.ok(accepted.location?.startsWith(APP_REDIRECT), `not logged in: ${accepted.status} ${errorMessage(accepted.body ?? '')}`);
});

test('the core checks the login\'s lifetime on Keycloak\'s broker endpoint: a callback later than the provider\'s "Login lifetime" is refused with no_pending_login, before the code is exchanged', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  // The shortest lifetime the core accepts; a value out of its bounds is refused on save.
  await assert.rejects(api('PUT', '/identity-provider/instances/proconnect',
    { ...idp, config: { ...idp.config, clientSecret: PC.secret, gouvconnectLoginLifetime: '5' } }), /pending_login_max_age_secs/);
  await api('PUT', '/identity-provider/instances/proconnect',
    { ...idp, config: { ...idp.config, clientSecret: PC.secret, gouvconnectLoginLifetime: '30' } });
  try {
    const browser = new Browser();
    const started = Date.now();
    const callback = await callbackFromProvider(browser, 'proconnect', 'agent');
    // The user lingered: the provider's code is still valid (60 s), the login is not.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 31_000 - (Date.now() - started))));
    const refused = await followKeycloak(browser, callback);
    assert.equal(refused.location, undefined, 'no redirect back to the app');
    assert.match(refused.body, /\(no_pending_login\)/);
    assert.ok(keycloak.log().includes('the login attempt has expired'), 'the core\'s message in the log');
  } finally {
    const now = await api('GET', '/identity-provider/instances/proconnect');
    const config = { ...now.config, clientSecret: PC.secret };
    delete config.gouvconnectLoginLifetime;
    await api('PUT', '/identity-provider/instances/proconnect', { ...now, config });
  }
  // Back to the default lifetime: the same flow logs in.
  const browser = new Browser();
  const accepted = await followKeycloak(browser, await callbackFromProvider(browser, 'proconnect', 'agent'));
  assert.ok(accepted.location?.startsWith(APP_REDIRECT), `not logged in: ${accepted.status} ${errorMessage(accepted.body ?? '')}`);
});

test('Pro Santé Connect advertises RFC 9207: a callback without iss is refused on Keycloak\'s broker endpoint (with it, the PSC logins above pass)', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/prosanteconnect');
  await api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, enabled: true, config: { ...idp.config,
    clientId: PSC.id, clientSecret: PSC.secret,
    gouvconnectIssuer: `${emulator.base}/auth/realms/esante-wallet` } });
  const browser = new Browser();
  const callback = new URL(await callbackFromProvider(browser, 'prosanteconnect', 'doctor'));
  // The emulator, like PSC, sends its issuer (and advertises it in its discovery).
  assert.equal(callback.searchParams.get('iss'), `${emulator.base}/auth/realms/esante-wallet`);
  const stripped = new URL(callback);
  stripped.searchParams.delete('iss');
  const refused = await followKeycloak(browser, stripped.href);
  assert.equal(refused.location, undefined, 'no redirect back to the app');
  assert.match(refused.body, /\(issuer_mismatch\)/);
  assert.ok(keycloak.log().includes('callback has no `iss` although the provider advertises it'));
});

test('logout: the state Keycloak sends is the core\'s, checked on return; a forged one (right session, wrong secret part) is refused, the genuine one ends the session', async () => {
  const browser = new Browser();
  const { location, verifier } = await login(browser, 'proconnect', 'agent');
  assert.ok(location, 'logged in');
  const { id_token: idToken } = await tokens(new URL(location).searchParams.get('code'), verifier);
  const out = await followKeycloak(browser, `${kc}/realms/gouvconnect/protocol/openid-connect/logout?` + new URLSearchParams({
    id_token_hint: idToken, post_logout_redirect_uri: 'http://127.0.0.1:9/out', client_id: 'demo-app' }));
  const endSession = new URL(out.location);
  assert.equal(endSession.pathname, '/api/v2/session/end');
  const state = endSession.searchParams.get('state');
  // The core's state: Keycloak's user session, then the core's random part (≥ 32 characters).
  const [session, secret] = [state.slice(0, state.lastIndexOf('.')), state.slice(state.lastIndexOf('.') + 1)];
  assert.ok(session.length > 0 && secret.length >= 32, state);
  assert.equal(endSession.searchParams.get('post_logout_redirect_uri'),
    `${kc}/realms/gouvconnect/broker/proconnect/endpoint/logout_response`);
  const back = await browser.get(endSession.href);
  const returned = new URL(back.headers.get('location'));
  assert.equal(returned.searchParams.get('state'), state);
  const forged = new URL(returned);
  forged.searchParams.set('state', `${session}.${'A'.repeat(secret.length)}`);
  const refused = await followKeycloak(browser, forged.href);
  assert.equal(refused.status, 400);
  assert.match(refused.body, /\(logout_state_mismatch\)/);
  const ended = await followKeycloak(browser, returned.href);
  assert.ok(ended.location?.startsWith('http://127.0.0.1:9/out'), `ended at ${ended.status} ${errorMessage(ended.body ?? '')}`);
});

test('at most one enabled ProConnect instance per realm', async () => {
  const token = await adminToken(kc);
  const res = await fetch(`${kc}/admin/realms/gouvconnect/identity-provider/instances`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ alias: 'proconnect-bis', providerId: 'proconnect', enabled: true,
      config: { clientId: 'x', clientSecret: 'y', gouvconnectEnvironment: 'integration' } }),
  });
  const body = await res.text();
  assert.equal(res.status, 400, body);
  assert.match(body, /Only one enabled ProConnect identity provider/);
});

// ---------------------------------------------------------------------------------------------
// Going live (issue 11): the doctor through Keycloak's admin API and the "Connection status"
// field, and gouvconnect details on Keycloak's own events. Levels (issue 12): MFA off/prefer/
// require, a realm client's acr forwarded, PSC "card required", the returned acr on the session.

test('Test connection: the doctor\'s report at /admin/realms/{realm}/gouvconnect/doctor/{alias}, and the Connection status field', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  const report = await api('GET', '/gouvconnect/doctor/proconnect');
  assert.equal(report.ok, true, JSON.stringify(report.checks));
  assert.equal(report.provider, 'proconnect');
  assert.equal(report.checks.find((c) => c.id === 'credentials').verdict, 'pass');
  // The text report, for a person.
  const token = await adminToken(kc);
  const text = await fetch(`${kc}/admin/realms/gouvconnect/gouvconnect/doctor/proconnect?format=text`,
    { headers: { authorization: `Bearer ${token}` } });
  assert.equal(text.status, 200);
  assert.match(await text.text(), /^verdict: ready /m);
  // Without an admin token: refused by Keycloak's admin API.
  assert.equal((await fetch(`${kc}/admin/realms/gouvconnect/gouvconnect/doctor/proconnect`)).status, 401);
  await assert.rejects(api('GET', '/gouvconnect/doctor/nothing-here'), (e) => e.status === 404);

  // Saving fills the read-only "Connection status" with the verdict.
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret } });
  let status = (await api('GET', '/identity-provider/instances/proconnect')).config.gouvconnectConnectionStatus;
  assert.match(status, /^verdict: ready /);

  // A wrong secret: saved (the admin may fix it later), but the status and the report say why.
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: 'not-the-secret-0123456789abcdef' } });
  try {
    status = (await api('GET', '/identity-provider/instances/proconnect')).config.gouvconnectConnectionStatus;
    assert.match(status, /^verdict: NOT READY /);
    assert.match(status, /credentials: .*invalid_client/);
    assert.ok(!status.includes('not-the-secret'));
    const wrong = await api('GET', '/gouvconnect/doctor/proconnect');
    assert.equal(wrong.ok, false);
    const credentials = wrong.checks.find((c) => c.id === 'credentials');
    assert.equal(credentials.verdict, 'fail');
    assert.match(credentials.message, /invalid_client/);
    assert.ok(!JSON.stringify(wrong).includes('not-the-secret'));
  } finally {
    await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret } });
  }

  // The provider's clock 10 minutes ahead (emulator fault clock_skew): Keycloak's HTTP client
  // hands the Date header to the core, whose clock check fails beyond the leeway.
  const fault = (method, body) => fetch(`${emulator.base}/_emulator/faults`, {
    method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  assert.equal((await fault('POST', { fault: 'clock_skew' })).status, 204);
  try {
    const skewed = await api('GET', '/gouvconnect/doctor/proconnect');
    assert.equal(skewed.ok, false);
    const clock = skewed.checks.find((c) => c.id === 'clock');
    assert.equal(clock.verdict, 'fail', JSON.stringify(clock));
    assert.match(clock.fix, /NTP/);
  } finally {
    assert.equal((await fault('DELETE')).status, 204);
  }
});

/** The realm's events of `type` since `since` (ms), newest first. */
async function events(api, type, since) {
  const list = await api('GET', `/events?type=${type}&max=50`);
  return list.filter((e) => e.time >= since);
}

test('Keycloak\'s event store gets gouvconnect details on a login and on a refusal, never a token', async () => {
  const api = await admin();
  const config = await api('GET', '/events/config');
  await api('PUT', '/events/config', { ...config, eventsEnabled: true });
  const since = Date.now() - 1000;
  try {
    // A new user (first-broker-login): IDENTITY_PROVIDER_FIRST_LOGIN carries the details.
    assert.ok((await login(new Browser(), 'proconnect', 'dirigeant')).location);
    const first = (await events(api, 'IDENTITY_PROVIDER_FIRST_LOGIN', since))
      .filter((e) => e.details?.gouvconnect_sub === '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f');
    assert.equal(first.length, 1, JSON.stringify((await api('GET', '/events?max=20')).filter((e) => e.time >= since)
      .map((e) => [e.type, e.details])));
    assert.ok(first[0].userId, 'with the user');
    assert.equal(first[0].details.gouvconnect_acr, 'https://proconnect.gouv.fr/assurance/certification-dirigeant');
    // The same user again: Keycloak's LOGIN event carries them.
    assert.ok((await login(new Browser(), 'proconnect', 'dirigeant')).location);
    const logins = (await events(api, 'LOGIN', since)).filter((e) => e.details?.identity_provider === 'proconnect');
    assert.ok(logins.length >= 1, 'a LOGIN event');
    for (const details of [first[0].details, logins[0].details]) {
      assert.equal(details.gouvconnect_event, 'login_succeeded');
      assert.equal(details.gouvconnect_provider, 'proconnect');
      assert.equal(details.gouvconnect_siret, '73282932000074');
      assert.equal(details.gouvconnect_sub, '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f');
      assert.equal(details.gouvconnect_idp_id, '9c4e1b2a-7d3f-4e5a-b6c7-d8e9f0a1b2c3');
    }

    const refused = await login(new Browser(), 'proconnect', 'unverified');
    assert.equal(refused.location, undefined);
    const errors = await events(api, 'IDENTITY_PROVIDER_LOGIN_ERROR', since);
    const refusal = errors.find((e) => e.details?.gouvconnect_code === 'email_not_verified');
    assert.ok(refusal, JSON.stringify(errors.map((e) => e.details)));
    assert.equal(refusal.details.gouvconnect_event, 'login_refused');
    assert.equal(refusal.details.gouvconnect_provider, 'proconnect');
    assert.equal(refusal.details.gouvconnect_provider_error, undefined);
    // No token, code, state or nonce in any gouvconnect detail.
    for (const e of [...first, ...logins, ...errors]) {
      for (const [key, value] of Object.entries(e.details ?? {})) {
        if (!key.startsWith('gouvconnect_')) continue;
        assert.ok(!/^ey[A-Za-z0-9_-]+\./.test(value), `${key} looks like a JWT`);
        assert.ok(!/token|code_verifier|nonce|state/.test(key) || key === 'gouvconnect_code', key);
      }
    }
  } finally {
    await api('PUT', '/events/config', config);
  }
});

/** demo-app's tokens get the session note gouvconnect.acr as the claim gouvconnect_acr. */
async function ensureAcrMapper(api) {
  const [client] = await api('GET', '/clients?clientId=demo-app');
  const mappers = await api('GET', `/clients/${client.id}/protocol-mappers/models`);
  if (mappers.some((m) => m.name === 'gouvconnect acr')) return;
  await api('POST', `/clients/${client.id}/protocol-mappers/models`, { name: 'gouvconnect acr', protocol: 'openid-connect',
    protocolMapper: 'oidc-usersessionmodel-note-mapper', config: { 'user.session.note': 'gouvconnect.acr',
      'claim.name': 'gouvconnect_acr', 'jsonType.label': 'String', 'id.token.claim': 'true', 'access.token.claim': 'true' } });
}

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

test('levels: a realm client\'s acr_values is forwarded to ProConnect and the returned acr lands on the session', async () => {
  const api = await admin();
  await ensureAcrMapper(api);
  const seen = {};
  const ok = await login(new Browser(), 'proconnect', 'mfa', null, 'gouvconnect', { params: { acr_values: 'gold eidas2' }, seen });
  assert.ok(ok.location, `no redirect back: ${errorMessage(ok.body ?? '').slice(0, 300)}`);
  const asked = JSON.parse(seen.authorize.get('claims')).id_token.acr;
  assert.equal(asked.essential, true);
  assert.deepEqual([...asked.values].sort(), ['eidas2', 'eidas3']);
  const { id_token: idToken } = await tokens(new URL(ok.location).searchParams.get('code'), ok.verifier);
  assert.equal(claimsOf(idToken).gouvconnect_acr, 'eidas2');

  // The claims parameter works too; a user below the level is refused with the core's code.
  const low = await login(new Browser(), 'proconnect', 'agent', null, 'gouvconnect', {
    // Keycloak itself refuses an essential acr it cannot map to a level of authentication
    // (README): a voluntary one is forwarded as is.
    params: { claims: JSON.stringify({ id_token: { acr: { values: ['eidas2'] } } }) } });
  assert.equal(low.location, undefined);
  assert.match(errorMessage(low.body), /\((acr_insufficient|provider_access_denied|mfa_required)\)/);

  // A lower level than the configured minimum is never forwarded: the minimum stays.
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret,
    gouvconnectAcr: 'eidas2' } });
  try {
    const floor = {};
    const res = await login(new Browser(), 'proconnect', 'mfa', null, 'gouvconnect', { params: { acr_values: 'eidas1' }, seen: floor });
    assert.ok(res.location);
    assert.deepEqual([...JSON.parse(floor.authorize.get('claims')).id_token.acr.values].sort(), ['eidas2', 'eidas3']);
  } finally {
    await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret } });
  }
});

test('levels: MFA "prefer" asks without requiring, "require" refuses a login without MFA; the former switch still works', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  const save = (extra) => api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: PC.secret, ...extra } });
  try {
    await save({ gouvconnectMfa: 'prefer' });
    const seen = {};
    const ok = await login(new Browser(), 'proconnect', 'agent', null, 'gouvconnect', { seen });
    assert.ok(ok.location, errorMessage(ok.body ?? '').slice(0, 300));
    const asked = JSON.parse(seen.authorize.get('claims')).id_token.acr;
    assert.equal(asked.essential, false);
    await save({ gouvconnectMfa: 'require' });
    const refused = await login(new Browser(), 'proconnect', 'agent');
    assert.equal(refused.location, undefined);
    assert.match(errorMessage(refused.body), /\(mfa_required\)/);
    await save({ gouvconnectRequireMfa: 'true' });
    const old = await login(new Browser(), 'proconnect', 'agent');
    assert.match(errorMessage(old.body), /\(mfa_required\)/);
    assert.ok((await login(new Browser(), 'proconnect', 'mfa')).location);
  } finally {
    await save({});
  }
});

test('levels: Pro Santé Connect "card required" (eidas2): a card login passes with eidas2 on the session, e-CPS is refused', async () => {
  const api = await admin();
  await ensureAcrMapper(api);
  const idp = await api('GET', '/identity-provider/instances/prosanteconnect');
  await api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, enabled: true, config: { ...idp.config,
    clientId: PSC.id, clientSecret: PSC.secret,
    gouvconnectIssuer: `${emulator.base}/auth/realms/esante-wallet`, gouvconnectAcr: 'eidas2' } });
  try {
    const seen = {};
    const card = await login(new Browser(), 'prosanteconnect', 'doctor', { email: 'paul.bernard@exemple-sante.fr' }, 'gouvconnect',
      { form: { means: 'card' }, seen });
    assert.ok(card.location, errorMessage(card.body ?? '').slice(0, 300));
    // eidas1 is still what PSC is asked for.
    assert.equal(seen.authorize.get('acr_values'), 'eidas1');
    const { id_token: idToken } = await tokens(new URL(card.location).searchParams.get('code'), card.verifier);
    assert.equal(claimsOf(idToken).gouvconnect_acr, 'eidas2');
    const ecps = await login(new Browser(), 'prosanteconnect', 'doctor', null, 'gouvconnect', { form: { means: 'ecps' } });
    assert.equal(ecps.location, undefined);
    assert.match(errorMessage(ecps.body), /\((acr_insufficient)\)/);
  } finally {
    await api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, config: { ...idp.config,
      clientId: PSC.id, clientSecret: PSC.secret } });
  }
});

/** Follows redirects from demo-app's authorize request without choosing anyone at the emulator. */
async function silent(browser, params = {}, seen = {}) {
  const { verifier, challenge } = pkce();
  let res = await browser.get(`${kc}/realms/gouvconnect/protocol/openid-connect/auth?` + new URLSearchParams({
    client_id: 'demo-app', redirect_uri: APP_REDIRECT, response_type: 'code', scope: 'openid',
    code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state', ...params }));
  for (let i = 0; i < 12 && res.status >= 300 && res.status < 400; i++) {
    const location = new URL(res.headers.get('location'), kc).href;
    if (location.startsWith(APP_REDIRECT)) return { location, verifier };
    if (location.startsWith(emulator.base) && new URL(location).searchParams.get('response_type') === 'code') {
      seen.authorize = new URL(location).searchParams;
    }
    res = await browser.get(location);
  }
  return { response: res, body: await res.text(), verifier };
}

test('step-up: a client asking a higher acr (prompt=login) sends the linked user back to ProConnect; another account is refused, the session kept', async () => {
  const api = await admin();
  await ensureAcrMapper(api);
  const browser = new Browser();
  const first = await login(browser, 'proconnect', 'agent');
  assert.ok(first.location, errorMessage(first.body ?? '').slice(0, 300));
  const before = claimsOf((await tokens(new URL(first.location).searchParams.get('code'), first.verifier)).id_token);
  assert.equal(before.gouvconnect_acr, 'eidas1');

  // Another account at the provider: the core's step_up_user_mismatch on Keycloak's error page.
  const stepUp = { acr_values: 'eidas2', prompt: 'login' };
  const seen = {};
  const other = await login(browser, 'proconnect', 'mfa', null, 'gouvconnect', { params: stepUp, seen });
  assert.equal(other.location, undefined);
  assert.match(errorMessage(other.body), /\(step_up_user_mismatch\)/);
  // LoginOptions::step_up: the essential level, the user's email as login_hint, no prompt.
  assert.equal(seen.authorize.get('login_hint'), AGENT.email);
  assert.equal(seen.authorize.get('prompt'), null);
  assert.deepEqual([...JSON.parse(seen.authorize.get('claims')).id_token.acr.values].sort(), ['eidas2', 'eidas3']);
  // The session is still Alice's, at eidas1: a silent request is answered from it.
  const kept = await silent(browser, { prompt: 'none' });
  assert.ok(kept.location && new URL(kept.location).searchParams.get('code'), kept.location ?? kept.body?.slice(0, 300));
  const still = claimsOf((await tokens(new URL(kept.location).searchParams.get('code'), kept.verifier)).id_token);
  assert.equal(still.sub, before.sub);
  assert.equal(still.gouvconnect_acr, 'eidas1');

  // The same person at eidas2: the session now holds eidas2.
  const up = await login(browser, 'proconnect', 'agent-mfa', null, 'gouvconnect', { params: stepUp });
  assert.ok(up.location, errorMessage(up.body ?? '').slice(0, 300));
  const after = claimsOf((await tokens(new URL(up.location).searchParams.get('code'), up.verifier)).id_token);
  assert.equal(after.sub, before.sub);
  assert.equal(after.gouvconnect_acr, 'eidas2');
});

test('silent login: prompt=none goes on to ProConnect; nobody signed in there → login_required to the client, no error page', async () => {
  const seen = {};
  const res = await silent(new Browser(), { prompt: 'none', kc_idp_hint: 'proconnect' }, seen);
  assert.ok(res.location, `no redirect back: ${res.body?.slice(0, 300)}`);
  const answer = new URL(res.location).searchParams;
  assert.equal(answer.get('error'), 'login_required');
  assert.equal(answer.get('state'), 'app-state');
  assert.equal(seen.authorize.get('prompt'), 'none');

  // Signed in at ProConnect but not at Keycloak: the silent login gets through.
  const browser = new Browser();
  assert.ok((await login(browser, 'proconnect', 'agent')).location);
  browser.jar.delete(new URL(kc).host);
  const seen2 = {};
  const ok = await silent(browser, { prompt: 'none', kc_idp_hint: 'proconnect' }, seen2);
  assert.ok(ok.location && new URL(ok.location).searchParams.get('code'), ok.location ?? ok.body?.slice(0, 300));
  assert.equal(seen2.authorize.get('prompt'), 'none');
  const claims = claimsOf((await tokens(new URL(ok.location).searchParams.get('code'), ok.verifier)).id_token);
  assert.equal(claims.sub, (await userByEmail(await admin(), AGENT.email)).id);
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
    assert.equal(await email.inputValue(), AGENT.email);
    assert.ok(page.url().startsWith(`${kc}/realms/gouvconnect/account`));
  } finally {
    await close();
  }
});

// ---------------------------------------------------------------------------------------------
// What an administrator does on a fresh realm: Keycloak's defaults (user profile with a required
// email, default first-broker-login flow), providers created with the admin console's *Add* form
// (only what an admin types), then users logging in. Realm `console`, created once.

const CONSOLE_REALM = 'console';
let consoleRealm;

/** Realm `console` with Keycloak's defaults, plus the public client demo-app of the tests. */
async function ensureConsoleRealm() {
  consoleRealm ??= (async () => {
    const token = await adminToken(kc);
    const res = await fetch(`${kc}/admin/realms`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ realm: CONSOLE_REALM, enabled: true, sslRequired: 'none' }),
    });
    assert.equal(res.status, 201, await res.text());
    const api = await admin(CONSOLE_REALM);
    await api('POST', '/clients', { clientId: 'demo-app', publicClient: true, standardFlowEnabled: true,
      redirectUris: ['http://127.0.0.1:*'], attributes: { 'pkce.code.challenge.method': 'S256' } });
  })();
  await consoleRealm;
  // A fresh admin token per test (admin-cli's tokens live one minute).
  return admin(CONSOLE_REALM);
}

/** Adds a provider with the console's *Add* form, typing only `fields` (data-testid → value). */
async function addWithConsole(providerId, fields) {
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${kc}/admin/master/console/#/${CONSOLE_REALM}/identity-providers/${providerId}/add`);
    await page.fill('#username', 'admin');
    await page.fill('#password', 'admin');
    await page.click('#kc-login');
    await page.locator('[data-testid="createProvider"]').waitFor({ timeout: 60000 });
    for (const [testid, value] of Object.entries(fields)) {
      await page.fill(`[data-testid="${testid}"]`, value);
    }
    const created = page.waitForResponse((r) => r.request().method() === 'POST'
      && r.url().endsWith(`/admin/realms/${CONSOLE_REALM}/identity-provider/instances`));
    await page.click('[data-testid="createProvider"]');
    const response = await created;
    if (response.status() !== 201) {
      assert.fail(`the console's create answered ${response.status()}: ${await response.text().catch(() => '')}`);
    }
    // The settings page the console opens next shows the post-logout redirect URI to register.
    const shown = { logoutRedirectUri: null, titles: [] };
    try {
      await page.waitForFunction(() => document.querySelector('[data-testid="gouvconnectLogoutRedirectUri"]')?.value,
        null, { timeout: 30000 });
      shown.logoutRedirectUri = await page.locator('[data-testid="gouvconnectLogoutRedirectUri"]').inputValue();
      await page.waitForFunction(() => document.querySelector('[data-testid="view-header"]')?.textContent.trim(),
        null, { timeout: 30000 });
      shown.titles = await page.locator('[data-testid="view-header"]').allInnerTexts();
    } catch { /* asserted by the caller, after the login */ }
    return shown;
  } finally {
    await close();
  }
}

test('console: a ProConnect provider added with the Add form (client id, secret, issuer) logs a user in', async () => {
  await ensureConsoleRealm();
  const shown = await addWithConsole('proconnect', {
    'config.clientId': PC.id,
    'config.clientSecret': PC.secret,
    gouvconnectIssuer: `${emulator.base}/api/v2`,
  });
  // The user's side: Keycloak's own login page (default theme), its "ProConnect" button.
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${kc}/realms/${CONSOLE_REALM}/account`);
    await page.getByRole('link', { name: 'ProConnect' }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="agent"]').click();
    await page.waitForURL((url) => url.href.startsWith(`${kc}/realms/${CONSOLE_REALM}/account`),
      { timeout: 60000, waitUntil: 'commit' }).catch(async (e) => {
      throw new Error(`${e.message} — at ${page.url()}: ${errorMessage(await page.content()).slice(0, 500)}`);
    });
  } finally {
    await close();
  }
  const user = await userByEmail(await admin(CONSOLE_REALM), AGENT.email);
  assert.ok(user, 'user created');
  assert.equal(user.firstName, 'Alice');
  // ProConnect sends no email_verified: an email it does not mark unverified is verified.
  assert.equal(user.emailVerified, true);
  assert.deepEqual(user.requiredActions, []);
  const links = await (await admin(CONSOLE_REALM))('GET', `/users/${user.id}/federated-identity`);
  assert.equal(links[0].identityProvider, 'proconnect');

  // What the admin saw after Add: the post-logout redirect URI to register, and the
  // federation's name as title (not the provider id, "Proconnect").
  assert.equal(shown.logoutRedirectUri, `${kc}/realms/${CONSOLE_REALM}/broker/proconnect/endpoint/logout_response`);
  assert.ok(shown.titles.map((t) => t.trim()).includes('ProConnect'), JSON.stringify(shown.titles));
  const idp = await (await admin(CONSOLE_REALM))('GET', '/identity-provider/instances/proconnect');
  assert.equal(idp.displayName, 'ProConnect');
});

test('console realm: the unverified email is refused with the default scopes, and with a Scopes field set', async () => {
  const api = await ensureConsoleRealm();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  const check = async () => {
    const result = await login(new Browser(), 'proconnect', 'unverified', null, CONSOLE_REALM);
    assert.equal(result.location, undefined, 'no redirect back to the app');
    assert.match(result.body, /\(email_not_verified\)/);
    assert.equal(await userByEmail(api, 'ursule.petit@exemple-asso.fr'), undefined);
  };
  await check();
  // An admin who narrows Keycloak's "Scopes" field does not switch the email rule off.
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: PC.secret, defaultScope: 'openid email given_name usual_name' } });
  try {
    await check();
  } finally {
    await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret } });
  }
});

test('console realm: a wrong client secret shows invalid_client, telling to check the client id and secret', async () => {
  const api = await ensureConsoleRealm();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: 'not-the-secret-0123456789abcdef' } });
  try {
    const result = await login(new Browser(), 'proconnect', 'employee', null, CONSOLE_REALM);
    assert.equal(result.location, undefined, 'no redirect back to the app');
    const message = errorMessage(result.body);
    assert.match(message, /\(invalid_client\)/, message);
    assert.match(message, /identifiant et le secret client/, message);
    assert.equal(await userByEmail(api, 'bruno.durand@exemple-entreprise.fr'), undefined);
    // The log names the code and what the provider said (filtered), never the secret.
    const log = keycloak.log();
    assert.match(log, /gouvconnect login refused: invalid_client: provider returned error `invalid_client`/);
    assert.ok(!log.includes('not-the-secret-0123456789abcdef'));
  } finally {
    await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret } });
  }
});

test('console realm: a user who cancels at the provider sees provider_access_denied', async () => {
  const api = await ensureConsoleRealm();
  const config = await api('GET', '/events/config');
  await api('PUT', '/events/config', { ...config, eventsEnabled: true });
  const since = Date.now() - 1000;
  try {
    const result = await login(new Browser(), 'proconnect', CANCEL, null, CONSOLE_REALM);
    assert.equal(result.location, undefined, 'no redirect back to the app');
    assert.equal(result.response.status, 403);
    const message = errorMessage(result.body);
    assert.match(message, /\(provider_access_denied\)/, message);
    assert.match(message, /annulée ou refusée/, message);
    // The event names the code and the provider's own error word.
    const refusal = (await events(api, 'IDENTITY_PROVIDER_LOGIN_ERROR', since))
      .find((e) => e.details?.gouvconnect_code === 'provider_access_denied');
    assert.ok(refusal, 'a refusal event');
    assert.equal(refusal.details.gouvconnect_provider_error, 'access_denied');
  } finally {
    await api('PUT', '/events/config', config);
  }
});

test('console realm: a mapping with broken JSON is refused on save with the core\'s message', async () => {
  const api = await ensureConsoleRealm();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  const save = (mapping) => api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: PC.secret, gouvconnectMapping: mapping } });
  await assert.rejects(save('{"fields": {"siret": "proconnect.siret"'), (e) => {
    assert.equal(e.status, 400, e.message);
    assert.match(e.body, /Mapping \(JSON\): invalid mapping: .*\(invalid_config\)/);
    return true;
  });
  await assert.rejects(save('{"fields": {"siret": "proconnect..siret"}}'), (e) => e.status === 400 && /invalid path/.test(e.body));
  // Nothing was stored: the provider still logs users in.
  assert.equal((await api('GET', '/identity-provider/instances/proconnect')).config.gouvconnectMapping, undefined);
  await save('{"fields": {"siret": "proconnect.siret"}}');
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret } });
});

test('console realm: a mapping path outside the identity is refused on save', async () => {
  const api = await ensureConsoleRealm();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  await assert.rejects(api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: PC.secret, gouvconnectMapping: '{"fields": {"siret": "proconect.siret"}}' } }), (e) => {
    assert.equal(e.status, 400, e.message);
    // The core's message names the misspelt part and what the identity has there.
    assert.match(JSON.parse(e.body).errorMessage, /proconect/);
    return true;
  });
});

test('console realm: a custom issuer without its discovery is refused on save, naming the URL tried', async () => {
  const api = await ensureConsoleRealm();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  // The emulator's base without /api/v2: its discovery answers 404.
  await assert.rejects(api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: PC.secret, gouvconnectIssuer: emulator.base } }), (e) => {
    assert.equal(e.status, 400, e.message);
    const { errorMessage: text } = JSON.parse(e.body);
    assert.ok(text.includes(`${emulator.base}/.well-known/openid-configuration`), text);
    assert.match(text, /HTTP 404/);
    assert.match(text, /provider_unavailable/);
    return true;
  });
  // Nothing listens there: refused too, within the save's time bound.
  const started = Date.now();
  await assert.rejects(api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config,
    clientSecret: PC.secret, gouvconnectIssuer: 'http://127.0.0.1:9/api/v2' } }), (e) => {
    assert.equal(e.status, 400, e.message);
    assert.ok(JSON.parse(e.body).errorMessage.includes('http://127.0.0.1:9/api/v2/.well-known/openid-configuration'), e.body);
    return true;
  });
  assert.ok(Date.now() - started < 15000, `${Date.now() - started} ms`);
  assert.equal((await api('GET', '/identity-provider/instances/proconnect')).config.gouvconnectIssuer, `${emulator.base}/api/v2`);
});

test('console realm: a Pro Santé Connect user logs in without the email form (README user-profile setting)', async () => {
  const api = await ensureConsoleRealm();
  // The one realm setting the README asks for: email not required in the user profile.
  const profile = await api('GET', '/users/profile');
  await api('PUT', '/users/profile', { ...profile, attributes: profile.attributes.map((a) => {
    if (a.name !== 'email') return a;
    const { required, ...rest } = a;
    return rest;
  }) });
  // What the console's Add form sends: client id, secret, issuer.
  await api('POST', '/identity-provider/instances', { alias: 'prosanteconnect', providerId: 'prosanteconnect',
    config: { clientId: PSC.id, clientSecret: PSC.secret,
      gouvconnectIssuer: `${emulator.base}/auth/realms/esante-wallet` } });
  const result = await login(new Browser(), 'prosanteconnect', 'doctor', null, CONSOLE_REALM);
  assert.ok(result.location, `no redirect back: ${result.response?.status} ${/login-[a-z-]+/.exec(result.body ?? '')} ${errorMessage(result.body ?? '').slice(0, 200)}`);
  const users = await api('GET', '/users?username=rpps-99700218896&exact=true&briefRepresentation=false');
  assert.equal(users.length, 1);
  assert.equal(users[0].lastName, 'BERNARD');
  assert.equal(users[0].email, undefined);
  assert.equal(users[0].emailVerified, false);
  assert.deepEqual(users[0].requiredActions, []);
});
