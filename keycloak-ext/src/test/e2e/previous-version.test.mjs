// The extension on the previous Keycloak minor (26.5.x, from Maven Central, cached under .build/
// like the current one): one Keycloak start, the example realm, a ProConnect login through the
// official button in headless Chromium, and the user Keycloak made of it. The full suite runs on
// the current version (keycloak.test.mjs, console.test.mjs); this one only answers "does it
// still load and log people in there".
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { USERS, client, launchChromium, startEmulator } from '../../../../bindings-node/test/harness.mjs';
import { adminToken, chromium, startKeycloak } from './harness.mjs';
// The shared test fixture (tests/fixture.json): the emulator's clients and users.
const PC = client('proconnect');
const AGENT = USERS.proconnect.agent;

/** The previous minor's newest patch; `KEYCLOAK_PREVIOUS_VERSION` overrides it. */
const VERSION = process.env.KEYCLOAK_PREVIOUS_VERSION || '26.5.6';
let emulator;
let keycloak;
let kc;

before(async () => {
  emulator = await startEmulator();
  keycloak = await startKeycloak({ timeoutMs: 900000, env: {
    KEYCLOAK_VERSION: VERSION,
    GOUVCONNECT_PROVIDER: 'proconnect',
    GOUVCONNECT_ISSUER: `${emulator.base}/api/v2`,
    GOUVCONNECT_CLIENT_ID: PC.id,
    GOUVCONNECT_CLIENT_SECRET: PC.secret,
  } }).catch((e) => {
    throw new Error(`Keycloak ${VERSION} did not start: ${e.message}`);
  });
  kc = keycloak.base;
});

after(async () => {
  await keycloak?.stop();
  await emulator?.stop();
});

async function adminApi() {
  const token = await adminToken(kc);
  return async (p) => {
    const res = await fetch(`${kc}/admin${p}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `${p}: ${res.status}`);
    return res.json();
  };
}

test(`Keycloak ${VERSION}: a ProConnect login through the official button creates the mapped user`, async () => {
  const api = await adminApi();
  // The version under test is the one that answered.
  assert.equal((await api('/serverinfo')).systemInfo.version, VERSION);
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${kc}/realms/gouvconnect/account`);
    const button = page.getByRole('link', { name: /S’identifier avec\s*ProConnect/ });
    await button.waitFor({ timeout: 60000 });
    await button.click();
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="agent"]').click();
    await page.waitForURL((url) => url.href.startsWith(`${kc}/realms/gouvconnect/account`) && !url.href.includes('login-actions'),
      { timeout: 60000, waitUntil: 'commit' }).catch(async (e) => {
      throw new Error(`${e.message} — at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`);
    });
  } finally {
    await close();
  }
  const [user] = await api(`/realms/gouvconnect/users?email=${encodeURIComponent(AGENT.email)}&exact=true&briefRepresentation=false`);
  assert.ok(user, 'user created');
  assert.equal(user.emailVerified, true);
  // The example realm's mapping, through the extension's mappers.
  assert.deepEqual(user.attributes.siret, ['11000101300017']);
  const links = await api(`/realms/gouvconnect/users/${user.id}/federated-identity`);
  assert.equal(links[0].identityProvider, 'proconnect');
  assert.doesNotMatch(keycloak.log(), /gouvconnect login refused/);
});
