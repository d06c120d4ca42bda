// FranceConnect and FranceConnect+ under a real Keycloak (issue 16), against the emulator, one
// Keycloak start for the whole file. An administrator adds both providers through the admin REST
// API; a citizen clicks the official buttons on Keycloak's login page in headless Chromium and
// the realm client gets tokens with their names. FranceConnect+ is registered at the emulator
// with a jwks_uri pointing at the realm's public-keys route, so every FranceConnect+ login makes
// the emulator fetch that route to encrypt the id_token and userinfo (docs/franceconnect.md).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, ROOT, client, freePort, launchChromium, startEmulator } from '../../../../bindings-node/test/harness.mjs';
import { REALM, chromium, claimsOf, demoApp, startDemoApp, startKeycloak } from './harness.mjs';

const PC = client('proconnect');
// The emulator's built-in FranceConnect client (emulator/README.md, "Default clients").
const FC = { id: 'demo-franceconnect', secret: 'demo-franceconnect-secret-0123456789abcdef' };
// A FranceConnect+ client registered for this test only, with the realm's public-keys URL.
const FCP = { id: 'kc-franceconnect-plus-jwks-uri', secret: 'kc-franceconnect-plus-jwks-uri-secret-0123456789' };
// The emulator's demo FranceConnect+ client keys: a PRIVATE JWKS (test-only, public).
const DEMO_KEYS = fs.readFileSync(path.join(ROOT, 'emulator/keys/demo-fcp-client-enc.jwks.json'), 'utf8');
const ANGELA = { email: 'angela.dubois@exemple.fr', given_name: 'Angela Claire Louise', family_name: 'DUBOIS',
  birthdate: '1962-08-24' };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

let emulator;
let keycloak;
let kc;
let APP_REDIRECT;
let app;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-kc-fc-'));
const jwksUrl = (alias) => `${kc}/realms/${REALM}/gouvconnect/${alias}/jwks`;

const admin = () => keycloak.admin();
/** demo-app's authorization request (PKCE S256) and the tokens for its code (harness.mjs). */
const authorize = (params) => demoApp(kc, APP_REDIRECT).authorize(params);
const tokens = (location, verifier) => demoApp(kc, APP_REDIRECT).tokens(location, verifier);

/**
 * An administrator's save of the provider `alias`: enables the example realm's (disabled)
 * instance with these settings, or adds it (admin REST API).
 */
async function save(api, alias, providerId, config) {
  const existing = await api('GET', `/identity-provider/instances/${alias}`).catch((e) => {
    if (e.status === 404) return null;
    throw e;
  });
  if (existing) {
    await api('PUT', `/identity-provider/instances/${alias}`, { ...existing, enabled: true,
      config: { ...existing.config, ...config } });
  } else {
    await api('POST', '/identity-provider/instances', { alias, providerId, enabled: true, config });
  }
}

/** What the README tells an administrator to do: both providers, and a claim mapper. */
async function configure() {
  const api = await admin();
  await save(api, 'franceconnect', 'franceconnect', { clientId: FC.id, clientSecret: FC.secret,
    gouvconnectIssuer: `${emulator.base}/franceconnect/api/v2` });
  await save(api, 'franceconnect-plus', 'franceconnect-plus', { clientId: FCP.id, clientSecret: FCP.secret,
    gouvconnectIssuer: `${emulator.base}/franceconnect-plus/api/v2`, gouvconnectDecryptionKeys: DEMO_KEYS });
  // The identité pivot reaches user attributes through the claim mapper.
  await api('POST', '/identity-provider/instances/franceconnect/mappers', { name: 'birthdate',
    identityProviderAlias: 'franceconnect', identityProviderMapper: 'gouvconnect-claim-attribute-mapper',
    config: { syncMode: 'FORCE', gouvconnectClaim: 'franceconnect.birthdate', gouvconnectUserAttribute: 'birthdate' } });
}

before(async () => {
  app = await startDemoApp();
  APP_REDIRECT = app.redirect;
  const port = await freePort();
  kc = `http://127.0.0.1:${port}`;
  // FranceConnect+ fetches the client's public keys from the URL it registered: the realm's route.
  const config = path.join(tmp, 'emulator.json');
  fs.writeFileSync(config, JSON.stringify({ clients: [{ id: FCP.id, secret: FCP.secret, persona: 'franceconnect_plus',
    id_token_alg: 'ES256', userinfo_alg: 'ES256', encryption_alg: 'ECDH-ES', jwks_uri: jwksUrl('franceconnect-plus') }] }));
  emulator = await startEmulator(['--config', config]);
  keycloak = await startKeycloak({ port, timeoutMs: 600000, env: {
    GOUVCONNECT_PROVIDER: 'proconnect',
    GOUVCONNECT_ISSUER: PC.issuer(emulator.base),
    GOUVCONNECT_CLIENT_ID: PC.id,
    GOUVCONNECT_CLIENT_SECRET: PC.secret,
  } });
  await configure();
});

after(async () => {
  await keycloak?.stop();
  await emulator?.stop();
  app?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Removes the realm's users of `email`: each test's citizen arrives as a new user. */
async function forget(email) {
  const api = await admin();
  for (const user of await api('GET', `/users?email=${encodeURIComponent(email)}&exact=true`)) {
    await api('DELETE', `/users/${user.id}`);
  }
}

/**
 * In headless Chromium: demo-app's login, Keycloak's login page, the official button `name`
 * clicked, the emulator's page as `user`; the tokens demo-app gets, and the page's buttons.
 */
async function clickLogin(name, user) {
  const { context, close } = await launchChromium(chromium);
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(60000);
    const start = authorize();
    await page.goto(start.url);
    const button = page.getByRole('link', { name, exact: true });
    await button.waitFor();
    const seen = await page.evaluate(() => [...document.querySelectorAll('.gouvconnect-group')].map((g) => ({
      button: g.querySelector('.gouvconnect-button')?.textContent.replace(/\s+/g, ' ').trim(),
      intro: g.querySelector('.gouvconnect-intro')?.textContent.trim() ?? null,
      info: g.querySelector('.gouvconnect-info a')?.textContent.trim(),
      href: g.querySelector('.gouvconnect-info a')?.getAttribute('href'),
      target: g.querySelector('.gouvconnect-info a')?.getAttribute('target'),
      background: window.getComputedStyle(g.querySelector('.gouvconnect-button')).backgroundColor,
    })));
    await button.click();
    await page.waitForURL((u) => u.href.startsWith(emulator.base));
    await page.locator(`button[name="user"][value="${user}"]`).click();
    await page.waitForURL((u) => u.href.startsWith(APP_REDIRECT) || u.href.startsWith(kc), { timeout: 60000 });
    if (!page.url().startsWith(APP_REDIRECT)) {
      await page.waitForURL((u) => u.href.startsWith(APP_REDIRECT), { timeout: 30000 }).catch(async () => {
        throw new Error(`stopped at ${page.url()}: ${(await page.textContent('body')).replace(/\s+/g, ' ').slice(0, 300)}`);
      });
    }
    return { tokens: await tokens(page.url(), start.verifier), seen };
  } finally {
    await close();
  }
}

test('login page: the official FranceConnect and FranceConnect+ buttons, FranceConnect+ with its sentence above, each with its "Qu’est-ce que … ?" link', async () => {
  await forget(ANGELA.email);
  const { seen } = await clickLogin('S’identifier avec FranceConnect', 'citizen');
  const fc = seen.find((g) => g.button === 'S’identifier avec FranceConnect');
  const fcp = seen.find((g) => g.button === 'S’identifier avec FranceConnect+');
  assert.ok(fc && fcp, JSON.stringify(seen));
  assert.equal(fc.intro, null);
  assert.equal(fc.info, 'Qu’est-ce que FranceConnect ?');
  assert.equal(fc.href, 'https://franceconnect.gouv.fr/');
  assert.equal(fc.target, '_blank');
  assert.equal(fcp.intro, 'FranceConnect+ est la solution proposée par l’État pour sécuriser davantage l’accès aux services en ligne les plus sensibles.');
  assert.equal(fcp.info, 'Qu’est-ce que FranceConnect+ ?');
  assert.equal(fcp.href, 'https://franceconnect.gouv.fr/france-connect-plus');
  // The core's CSS reached the theme: the DSFR blue.
  assert.equal(fc.background, 'rgb(0, 0, 145)');
  assert.equal(fcp.background, 'rgb(0, 0, 145)');
});

test('FranceConnect: a citizen signs in; the client\'s tokens carry the identité pivot\'s names; the user is named by the email, which is not marked verified; the birthdate reaches an attribute', async () => {
  await forget(ANGELA.email);
  const { tokens: t } = await clickLogin('S’identifier avec FranceConnect', 'citizen');
  const claims = claimsOf(t.id_token);
  assert.equal(claims.given_name, ANGELA.given_name);
  assert.equal(claims.family_name, ANGELA.family_name);
  assert.equal(claims.email, ANGELA.email);
  assert.equal(claims.email_verified, false);
  assert.equal(claims.gouvconnect_acr, 'eidas1');

  const api = await admin();
  const [user] = await api('GET', `/users?username=${encodeURIComponent(ANGELA.email)}&exact=true&briefRepresentation=false`);
  assert.ok(user, 'no user named by the email');
  assert.equal(user.emailVerified, false);
  assert.equal(user.firstName, ANGELA.given_name);
  assert.equal(user.lastName, ANGELA.family_name);
  const [link] = await api('GET', `/users/${user.id}/federated-identity`);
  assert.equal(link.identityProvider, 'franceconnect');
  assert.match(link.userId, /^[0-9a-f]{64}v1$/);
  // The identité pivot through the claim mapper (path `franceconnect.birthdate`).
  assert.deepEqual(user.attributes?.birthdate, [ANGELA.birthdate]);
});

test('FranceConnect+: the emulator fetches the realm\'s public keys, encrypts to them, Keycloak decrypts; the citizen gets tokens at eidas2', async () => {
  await forget(ANGELA.email);
  const { tokens: t } = await clickLogin('S’identifier avec FranceConnect+', 'citizen');
  const claims = claimsOf(t.id_token);
  assert.equal(claims.given_name, ANGELA.given_name);
  assert.equal(claims.family_name, ANGELA.family_name);
  assert.equal(claims.gouvconnect_acr, 'eidas2');
  const api = await admin();
  const [user] = await api('GET', `/users?username=${encodeURIComponent(ANGELA.email)}&exact=true`);
  const [link] = await api('GET', `/users/${user.id}/federated-identity`);
  assert.equal(link.identityProvider, 'franceconnect-plus');
});

test('FranceConnect+ at eidas3: a citizen at eidas2 is refused (acr_insufficient), the one at eidas3 signs in', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/franceconnect-plus');
  const put = (acr) => api('PUT', '/identity-provider/instances/franceconnect-plus', { ...idp,
    config: { ...idp.config, clientSecret: FCP.secret, gouvconnectDecryptionKeys: DEMO_KEYS, gouvconnectAcr: acr } });
  await put('eidas3');
  try {
    const browser = new Browser();
    const refused = await loginOverHttp(browser, 'citizen');
    assert.equal(refused.location, undefined);
    assert.match(refused.body, /acr_insufficient/);
    const high = await loginOverHttp(new Browser(), 'citizen-high');
    assert.ok(high.location, high.body?.slice(0, 300));
    assert.equal(claimsOf((await tokens(high.location, high.verifier)).id_token).gouvconnect_acr, 'eidas3');
  } finally {
    await put('');
  }
});

/** Over plain HTTP: demo-app's request straight to FranceConnect+ (kc_idp_hint), as `user`. */
async function loginOverHttp(browser, user) {
  const { url, verifier } = authorize({ kc_idp_hint: 'franceconnect-plus' });
  let res = await browser.get(url);
  for (let i = 0; i < 12 && res.status >= 300 && res.status < 400; i++) {
    const location = new URL(res.headers.get('location'), kc).href;
    if (location.startsWith(APP_REDIRECT)) return { location, verifier };
    res = location.startsWith(emulator.base)
      ? await browser.get(await browser.loginAt(location, emulator.base, user))
      : await browser.get(location);
  }
  return { body: await res.text(), verifier };
}

test('public-keys route: the FranceConnect+ instance\'s public JWKS (no private member), the URL shown in its settings; 404 for others', async () => {
  const res = await fetch(jwksUrl('franceconnect-plus'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const published = await res.json();
  const configured = JSON.parse(DEMO_KEYS).keys;
  assert.deepEqual(published.keys.map((k) => k.kid).sort(), configured.map((k) => k.kid).sort());
  for (const key of published.keys) {
    assert.equal(key.use, 'enc');
    for (const member of PRIVATE_MEMBERS) assert.equal(key[member], undefined, `private member ${member} published`);
  }
  // No private value of the configured keys anywhere in the document.
  const text = JSON.stringify(published);
  for (const key of configured) assert.ok(!text.includes(key.d), 'a private exponent was published');

  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/franceconnect-plus');
  assert.equal(idp.config.gouvconnectPublicKeysUrl, jwksUrl('franceconnect-plus'));
  for (const alias of ['franceconnect', 'proconnect', 'nobody']) {
    const other = await fetch(jwksUrl(alias));
    assert.equal(other.status, 404, alias);
    assert.equal((await other.json()).error, 'not_found');
  }
  // The private keys never reach Keycloak's log.
  const log = keycloak.log();
  for (const key of configured) assert.ok(!log.includes(key.d), 'a private key in Keycloak\'s log');
});

test('one FranceConnect per realm: a second enabled instance is refused with the reason; FranceConnect+ keys that are not private keys are refused on save', async () => {
  const api = await admin();
  await assert.rejects(api('POST', '/identity-provider/instances', { alias: 'franceconnect-bis', providerId: 'franceconnect',
    enabled: true, config: { clientId: FC.id, clientSecret: FC.secret, gouvconnectIssuer: `${emulator.base}/franceconnect/api/v2` } }),
  (e) => {
    assert.equal(e.status, 400, e.message);
    assert.match(JSON.parse(e.body).errorMessage, /FranceConnect.*“franceconnect”/);
    return true;
  });
  const publicOnly = JSON.stringify({ keys: JSON.parse(DEMO_KEYS).keys.map(({ kty, kid, crv, x, y, n, e }) => ({ kty, kid, crv, x, y, n, e })) });
  const idp = await api('GET', '/identity-provider/instances/franceconnect-plus');
  await assert.rejects(api('PUT', '/identity-provider/instances/franceconnect-plus', { ...idp,
    config: { ...idp.config, clientSecret: FCP.secret, gouvconnectDecryptionKeys: publicOnly } }),
  (e) => {
    assert.equal(e.status, 400, e.message);
    assert.match(JSON.parse(e.body).errorMessage, /^FranceConnect\+: .*\(invalid_config\)$/);
    return true;
  });
  // The instance kept its keys: the route still answers.
  assert.equal((await fetch(jwksUrl('franceconnect-plus'))).status, 200);
});
