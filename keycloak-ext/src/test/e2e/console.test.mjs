// The admin console as a French (and an English) administrator sees it, in a real Keycloak with
// the gouvconnect extension, driven by headless Chromium: labels and help texts from the
// extension's message bundles in the console's language, an allow-list and a claim → attribute
// mapper set through the console's own forms, values the core refuses refused on save with its
// message, then logins through Keycloak and the emulator that apply what was set. One Keycloak
// start for the file (the example realm `gouvconnect`, ProConnect against the emulator).
//
// GC_DOCS_SCREENSHOTS=1 also writes the README's screenshots to keycloak-ext/docs/.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, USERS, client, freePort, launchChromium, startEmulator } from '../../../../bindings-node/test/harness.mjs';
import { chromium, startKeycloak } from './harness.mjs';
// The shared test fixture (tests/fixture.json): the emulator's clients and users.
const PC = client('proconnect');
const PSC = client('prosanteconnect');
const AGENT = USERS.proconnect.agent;

const AGENT_SIRET = AGENT.siret;
const DOCS = path.join(ROOT, 'keycloak-ext', 'docs');
const screenshots = Boolean(process.env.GC_DOCS_SCREENSHOTS);
let emulator;
let keycloak;
let kc;

/** The admin REST API of `realm`, as admin (a fresh token each time: admin-cli's live a minute). */
const admin = (realm) => keycloak.admin(realm);

/** The console's language for admin: their locale attribute, which Keycloak's "who am I" answers. */
async function adminLocale(locale) {
  const master = await admin('master');
  const [user] = await master('GET', '/users?username=admin&exact=true');
  await master('PUT', `/users/${user.id}`, { ...user, attributes: { ...(user.attributes ?? {}), locale: [locale] } });
}

before(async () => {
  emulator = await startEmulator();
  const port = await freePort();
  keycloak = await startKeycloak({ port, timeoutMs: 900000, env: {
    // A dev database of its own: another Keycloak started from the same home (another test
    // file run by hand at the same time) would otherwise hold its lock.
    KC_DB_URL_DATABASE: `keycloakdb-console-${port}`,
    GOUVCONNECT_PROVIDER: 'proconnect',
    GOUVCONNECT_ISSUER: `${emulator.base}/api/v2`,
    GOUVCONNECT_CLIENT_ID: PC.id,
    GOUVCONNECT_CLIENT_SECRET: PC.secret,
  } });
  kc = keycloak.base;
  // An administrator who chose French: the master realm offers en and fr, admin's locale is fr.
  const master = await admin('master');
  await master('PUT', '', { realm: 'master', internationalizationEnabled: true, supportedLocales: ['en', 'fr'], defaultLocale: 'en' });
  await adminLocale('fr');
  // ProConnect set again through the admin API: the import file is shared by every Keycloak
  // started from this home, and another run may have written its own emulator there.
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  await api('PUT', '/identity-provider/instances/proconnect', { ...idp, enabled: true, config: { ...idp.config,
    clientId: PC.id, clientSecret: PC.secret, gouvconnectIssuer: `${emulator.base}/api/v2` } });
  // The users' realm in both languages too, for the login theme.
  await api('PUT', '', { realm: 'gouvconnect', internationalizationEnabled: true, supportedLocales: ['en', 'fr'], defaultLocale: 'fr' });
});

after(async () => {
  await keycloak?.stop();
  await emulator?.stop();
});

/** A Chromium page signed in to the admin console (the master realm's login form). */
async function consolePage(browser, route) {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${kc}/admin/master/console/#/${route}`);
  await page.fill('#username', 'admin');
  await page.fill('#password', 'admin');
  await page.click('#kc-login');
  return page;
}

/** The text of the help popover next to the field labelled `label`. */
async function helpOf(page, label) {
  await page.locator('.pf-v5-c-form__group')
    .filter({ has: page.locator('.pf-v5-c-form__label-text', { hasText: new RegExp(`^${label.replace(/[()]/g, '\\$&')}$`) }) })
    .locator('button.pf-v5-c-form__group-label-help').first().click();
  const popover = page.locator('.pf-v5-c-popover__body').last();
  await popover.waitFor();
  const text = (await popover.innerText()).trim();
  await page.keyboard.press('Escape');
  await popover.waitFor({ state: 'hidden' }).catch(() => {});
  return text;
}

/** The message of the alert the console shows after a save. */
async function alertText(page) {
  const alert = page.locator('.pf-v5-c-alert').last();
  await alert.waitFor({ timeout: 30000 });
  return (await alert.innerText()).replace(/\s+/g, ' ').trim();
}

/**
 * A user logging in with ProConnect on Keycloak's account page (a fresh browser): `user` at the
 * emulator. Returns 'ok' back at the account page, else the text of Keycloak's error page.
 */
async function loginAs(user, realm = 'gouvconnect', brand = 'ProConnect') {
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${kc}/realms/${realm}/account`);
    await page.getByRole('link', { name: new RegExp(`S’identifier avec\\s*${brand}`) }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator(`button[name="user"][value="${user}"]`).click();
    await page.waitForURL((url) => url.href.startsWith(kc), { waitUntil: 'commit' });
    const outcome = await Promise.race([
      page.waitForURL((url) => url.href.startsWith(`${kc}/realms/${realm}/account`) && !url.href.includes('/login-actions/'),
        { timeout: 60000, waitUntil: 'commit' }).then(() => 'ok'),
      page.locator('#kc-error-message, .pf-v5-c-alert, .kc-feedback-text').first().waitFor({ timeout: 60000 })
        .then(async () => (await page.locator('body').innerText()).replace(/\s+/g, ' ')),
    ]);
    return outcome;
  } finally {
    await close();
  }
}

async function userByEmail(api, email) {
  const users = await api('GET', `/users?email=${encodeURIComponent(email)}&exact=true&briefRepresentation=false`);
  return users[0];
}

async function deleteUser(api, email) {
  const user = await userByEmail(api, email);
  if (user) await api('DELETE', `/users/${user.id}`);
}

test('French console: the ProConnect settings page in French, labels and help texts from the bundles', async () => {
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await consolePage(browser, 'gouvconnect/identity-providers/proconnect/proconnect/settings');
    // The console's own texts are French (the admin's locale) ...
    await page.getByText('Paramètres généraux', { exact: false }).first().waitFor({ timeout: 60000 });
    // ... and so are the extension's: every label of ours, none left as a key.
    for (const label of ['Environnement', 'Émetteur personnalisé', 'Niveau acr minimal', 'Double authentification (MFA)',
      'Accepter une adresse électronique non vérifiée', 'Numéros SIRET autorisés', 'Domaines de messagerie autorisés',
      'Rôles ProConnect autorisés', 'Correspondance (JSON), avancé', 'URI de redirection après déconnexion', 'État de la connexion']) {
      await page.getByText(label, { exact: true }).first().waitFor({ timeout: 10000 });
    }
    const body = await page.locator('body').innerText();
    assert.doesNotMatch(body, /gouvconnect[A-Z][A-Za-z]+/, 'a message key shown as is');
    // PSC's list is not ProConnect's.
    assert.ok(!body.includes('Codes profession autorisés'));
    assert.match(await helpOf(page, 'Numéros SIRET autorisés'), /Seules les personnes dont le SIRET ProConnect/);
    assert.match(await helpOf(page, 'Émetteur personnalisé'), /les émetteurs ProConnect se terminent par \/api\/v2/);
    assert.match(await helpOf(page, 'Double authentification (MFA)'), /eidas0-mfa, eidas1-mfa, eidas2 ou eidas3/);
  } finally {
    await close();
  }
});

test('French console: an allow-list set in the console is stored as a list and applied at login', async () => {
  const api = await admin();
  await deleteUser(api, AGENT.email);
  await deleteUser(api, 'bruno.durand@exemple-entreprise.fr');
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await consolePage(browser, 'gouvconnect/identity-providers/proconnect/proconnect/settings');
    const field = page.locator('[data-testid="config.gouvconnectAllowedSirets0"]');
    await field.waitFor({ timeout: 60000 });
    await field.fill(AGENT_SIRET);
    // A second line, left empty: not a value.
    const add = page.locator('[data-testid="config.gouvconnectAllowedSirets-addValue"]');
    assert.match(await add.innerText(), /Ajouter numéros siret autorisés/);
    await add.click();
    await page.locator('[data-testid="config.gouvconnectAllowedSirets1"]').waitFor();
    if (screenshots) {
      await page.getByText('Niveau acr minimal', { exact: true }).first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(DOCS, 'admin-proconnect-settings-fr.png') });
    }
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT'
      && r.url().endsWith('/admin/realms/gouvconnect/identity-provider/instances/proconnect'));
    await page.click('[data-testid="idp-details-save"]');
    const response = await saved;
    assert.equal(response.status(), 204, await response.text().catch(() => ''));
  } finally {
    await close();
  }
  const idp = await api('GET', '/identity-provider/instances/proconnect');
  assert.equal(idp.config.gouvconnectAllowedSirets, `${AGENT_SIRET}##`);
  try {
    // Bruno's establishment is not in the list: refused by the core's policy, no user created.
    const refused = await loginAs('employee');
    assert.match(refused, /\(access_denied\)/, refused.slice(0, 500));
    assert.equal(await userByEmail(api, 'bruno.durand@exemple-entreprise.fr'), undefined);
    // Alice's is.
    assert.equal(await loginAs('agent'), 'ok');
    assert.ok(await userByEmail(api, AGENT.email));
  } finally {
    const now = await api('GET', '/identity-provider/instances/proconnect');
    delete now.config.gouvconnectAllowedSirets;
    await api('PUT', '/identity-provider/instances/proconnect', { ...now, config: { ...now.config, clientSecret: PC.secret } });
  }
  assert.equal(await loginAs('employee'), 'ok');
});

test('Pro Santé Connect: the allowed profession codes (a multivalued field) let only those professions in', async () => {
  const api = await admin();
  const idp = await api('GET', '/identity-provider/instances/prosanteconnect');
  const save = (codes) => api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, enabled: true, config: { ...idp.config,
    clientId: PSC.id, clientSecret: PSC.secret,
    gouvconnectIssuer: `${emulator.base}/auth/realms/esante-wallet`, gouvconnectAllowedProfessionCodes: codes } });
  try {
    // The emulator's doctor practises profession 10: pharmacists only, refused.
    await save('21');
    const refused = await loginAs('doctor', 'gouvconnect', 'Pro Santé Connect');
    assert.match(refused, /\(access_denied\)/, refused.slice(0, 500));
    await save('10##21');
    assert.equal(await loginAs('doctor', 'gouvconnect', 'Pro Santé Connect'), 'ok');
  } finally {
    await api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, config: { ...idp.config, clientSecret: PSC.secret } });
  }
});

test('French console: a claim → attribute mapper added in the console, its labels in French, applied at login', async () => {
  const api = await admin();
  await deleteUser(api, AGENT.email);
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await consolePage(browser, 'gouvconnect/identity-providers/proconnect/proconnect/mappers/create');
    await page.locator('[data-testid="idp-mapper-select"], #identityProviderMapper').first().waitFor({ timeout: 60000 });
    await page.fill('#name', 'etablissement');
    // The mapper type's name is written by the server in the admin's language.
    await page.locator('#identityProviderMapper').click();
    await page.getByRole('option', { name: 'gouvconnect claim vers attribut utilisateur' }).click();
    await page.getByText('Chemin de la claim', { exact: true }).waitFor();
    await page.getByText('Attribut utilisateur', { exact: true }).waitFor();
    assert.match(await helpOf(page, 'Chemin de la claim'), /Un chemin dans l’identité normalisée/);
    assert.match(await helpOf(page, 'Type de mappeur'), /Copie une valeur de l’identité normalisée/);
    await page.fill('[data-testid="gouvconnectClaim"]', 'proconnect.siret');
    await page.fill('[data-testid="gouvconnectUserAttribute"]', 'etablissement');
    if (screenshots) await page.screenshot({ path: path.join(DOCS, 'admin-proconnect-mapper-fr.png') });
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/mappers'));
    await page.click('[data-testid="new-mapper-save-button"]');
    assert.equal((await created).status(), 201);
    // The mappers tab lists it by its French type name.
    await page.goto(`${kc}/admin/master/console/#/gouvconnect/identity-providers/proconnect/proconnect/mappers`);
    await page.locator('table td', { hasText: 'gouvconnect claim vers attribut utilisateur' }).first().waitFor({ timeout: 30000 });
    if (screenshots) await page.screenshot({ path: path.join(DOCS, 'admin-proconnect-mappers-fr.png') });
  } finally {
    await close();
  }
  assert.equal(await loginAs('agent'), 'ok');
  const user = await userByEmail(api, AGENT.email);
  assert.deepEqual(user.attributes.etablissement, [AGENT_SIRET]);
  // The advanced mapping's own fields are still applied by "gouvconnect attributes" (siret),
  // and its mapper did not copy the claim mapper's result under another name.
  assert.deepEqual(user.attributes.siret, [AGENT_SIRET]);
  assert.ok(!Object.keys(user.attributes).some((k) => k.startsWith('gouvconnect-mapper/')), JSON.stringify(user.attributes));
});

test('French console: values the core refuses are refused on save with its message', async () => {
  const api = await admin();
  const { context: browser, close } = await launchChromium(chromium);
  try {
    // The advanced mapping, misspelt, typed in the settings page.
    const page = await consolePage(browser, 'gouvconnect/identity-providers/proconnect/proconnect/settings');
    const mapping = page.locator('[data-testid="gouvconnectMapping"]');
    await mapping.waitFor({ timeout: 60000 });
    await mapping.fill('{"fields": {"siret": "proconect.siret"}}');
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT'
      && r.url().endsWith('/identity-provider/instances/proconnect'));
    await page.click('[data-testid="idp-details-save"]');
    const response = await saved;
    assert.equal(response.status(), 400);
    const message = JSON.parse(await response.text()).errorMessage;
    // The console shows the core's message, in a French sentence.
    assert.match(message, /^Correspondance \(JSON\) : mapping of `siret`: .*proconect.*\(invalid_config\)$/);
    const shown = await alertText(page);
    assert.ok(shown.includes('proconect'), shown);
    if (screenshots) await page.screenshot({ path: path.join(DOCS, 'admin-proconnect-refused-fr.png') });
  } finally {
    await close();
  }
  assert.equal((await api('GET', '/identity-provider/instances/proconnect')).config.gouvconnectMapping.includes('proconect'), false);

  // A claim mapper with a misspelt path: Keycloak stores an identity-provider mapper without
  // asking the extension (no save hook in Keycloak 26.7), so the provider's next save names it
  // with the core's message, and logins go on without it.
  await api('POST', '/identity-provider/instances/proconnect/mappers', {
    name: 'faute de frappe', identityProviderAlias: 'proconnect', identityProviderMapper: 'gouvconnect-claim-attribute-mapper',
    config: { syncMode: 'FORCE', gouvconnectClaim: 'proconect.siret', gouvconnectUserAttribute: 'faute' },
  });
  const mappers = await api('GET', '/identity-provider/instances/proconnect/mappers');
  const bad = mappers.find((m) => m.name === 'faute de frappe');
  try {
    const idp = await api('GET', '/identity-provider/instances/proconnect');
    await assert.rejects(api('PUT', '/identity-provider/instances/proconnect', { ...idp, config: { ...idp.config, clientSecret: PC.secret } }),
      (e) => {
        assert.equal(e.status, 400, e.message);
        assert.match(JSON.parse(e.body).errorMessage, /^Mapper « faute de frappe » : mapping of `faute`: .*proconect.*\(invalid_config\)$/);
        return true;
      });
    assert.equal(await loginAs('agent'), 'ok');
    assert.ok(keycloak.log().includes('gouvconnect mapper "faute de frappe" of proconnect left out of the login'));
  } finally {
    await api('DELETE', `/identity-provider/instances/proconnect/mappers/${bad.id}`);
  }
});

test('a second enabled ProConnect instance is refused with a message that says why, in the admin\'s language', async () => {
  const api = await admin();
  const create = () => api('POST', '/identity-provider/instances', { alias: 'proconnect-bis', providerId: 'proconnect', enabled: true,
    config: { clientId: 'x', clientSecret: 'y', gouvconnectIssuer: `${emulator.base}/api/v2` } });
  await assert.rejects(create(), (e) => {
    assert.equal(e.status, 400, e.message);
    const { errorMessage } = JSON.parse(e.body);
    assert.match(errorMessage, /^Un seul fournisseur d’identité ProConnect activé par realm, et « proconnect » l’est déjà/);
    assert.match(errorMessage, /deux boutons officiels « S’identifier avec ProConnect »/);
    return true;
  });
  await adminLocale('en');
  try {
    await assert.rejects(create(), (e) => {
      assert.match(JSON.parse(e.body).errorMessage,
        /^Only one enabled ProConnect identity provider per realm, and “proconnect” is already enabled: the login page would show two identical/);
      return true;
    });
  } finally {
    await adminLocale('fr');
  }
});

test('English console: the same pages in English', async () => {
  await adminLocale('en');
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await consolePage(browser, 'gouvconnect/identity-providers/proconnect/proconnect/settings');
    await page.getByText('General settings', { exact: false }).first().waitFor({ timeout: 60000 });
    for (const label of ['Environment', 'Custom issuer', 'Minimum acr', 'Allowed SIRET numbers', 'Allowed email domains',
      'Allowed ProConnect roles', 'Mapping (JSON), advanced', 'Post-logout redirect URI']) {
      await page.getByText(label, { exact: true }).first().waitFor({ timeout: 10000 });
    }
    // The top of the page, before a help popover scrolls it.
    if (screenshots) await page.screenshot({ path: path.join(DOCS, 'admin-proconnect-settings.png') });
    assert.match(await helpOf(page, 'Allowed SIRET numbers'), /Only people whose ProConnect SIRET/);
    if (screenshots) {
      await page.getByText('Minimum acr', { exact: true }).first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(DOCS, 'admin-proconnect-settings-lists.png') });
    }
    await page.goto(`${kc}/admin/master/console/#/gouvconnect/identity-providers/proconnect/proconnect/mappers/create`);
    await page.locator('#identityProviderMapper').click();
    for (const name of ['gouvconnect claim to user attribute', 'gouvconnect group rule', 'gouvconnect attributes (advanced mapping)',
      'gouvconnect groups (advanced mapping)']) {
      await page.getByRole('option', { name }).waitFor({ timeout: 10000 });
    }
    await page.getByRole('option', { name: 'gouvconnect group rule' }).click();
    for (const label of ['Claim path', 'Condition', 'Value', 'Group']) {
      await page.getByText(label, { exact: true }).first().waitFor({ timeout: 10000 });
    }
    if (screenshots) {
      await page.goto(`${kc}/admin/master/console/#/gouvconnect/identity-providers/proconnect/proconnect/mappers`);
      await page.locator('table td', { hasText: 'gouvconnect attributes (advanced mapping)' }).first().waitFor({ timeout: 30000 });
      await page.screenshot({ path: path.join(DOCS, 'admin-proconnect-mappers.png') });
      await page.goto(`${kc}/admin/master/console/#/gouvconnect/identity-providers`);
      await page.locator('table td', { hasText: 'Pro Santé Connect' }).first().waitFor({ timeout: 30000 });
      await page.screenshot({ path: path.join(DOCS, 'admin-providers.png') });
      await page.goto(`${kc}/admin/master/console/#/gouvconnect/identity-providers/prosanteconnect/prosanteconnect/settings`);
      await page.getByText('Token endpoint authentication', { exact: true }).first().scrollIntoViewIfNeeded({ timeout: 30000 });
      await page.getByText('Allowed profession codes', { exact: true }).first().waitFor({ timeout: 10000 });
      await page.screenshot({ path: path.join(DOCS, 'admin-psc-settings.png') });
    }
  } finally {
    await adminLocale('fr');
    await close();
  }
});

test('a group rule mapper grants its group through the core\'s rule, and only its own', async () => {
  const api = await admin();
  await deleteUser(api, AGENT.email);
  await api('POST', '/identity-provider/instances/proconnect/mappers', {
    name: 'agents par siret', identityProviderAlias: 'proconnect', identityProviderMapper: 'gouvconnect-group-rule-mapper',
    config: { syncMode: 'FORCE', gouvconnectRuleField: 'proconnect.siret', gouvconnectRuleCondition: 'in',
      gouvconnectRuleValue: `${AGENT_SIRET}, 73282932000074`, gouvconnectRuleGroup: 'siret-{proconnect.siret}' },
  });
  assert.equal(await loginAs('agent'), 'ok');
  const user = await userByEmail(api, AGENT.email);
  const groups = (await api('GET', `/users/${user.id}/groups`)).map((g) => g.name).sort();
  // The advanced mapping's group (agents-publics) and this mapper's, under their own names.
  assert.deepEqual(groups, ['agents-publics', `siret-${AGENT_SIRET}`]);
});

test('login theme: the official button texts in French whatever the locale, the rest in the page\'s language', async () => {
  for (const [locale, hint] of [['en', 'new window'], ['fr', 'nouvelle fenêtre']]) {
    const { context: browser, close } = await launchChromium(chromium);
    try {
      const page = await browser.newPage();
      await page.setViewportSize({ width: 1280, height: 960 });
      await page.goto(`${kc}/realms/gouvconnect/protocol/openid-connect/auth?` + new URLSearchParams({
        client_id: 'demo-app', redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'openid',
        code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', ui_locales: locale }));
      const button = page.getByRole('link', { name: /S’identifier avec\s*ProConnect/ });
      await button.waitFor({ timeout: 60000 });
      const info = page.getByRole('link', { name: 'Qu’est-ce que ProConnect ?' });
      assert.equal(await info.getAttribute('title'), `Qu’est-ce que ProConnect ? - ${hint}`);
      // The page itself is in that language.
      assert.equal(await page.locator('html').getAttribute('lang'), locale);
      if (screenshots && locale === 'fr') await page.screenshot({ path: path.join(DOCS, 'login-page.png') });
    } finally {
      await close();
    }
  }
});
