// The login lifecycle under a real Keycloak (issue 12), against the emulator, one Keycloak start
// for the whole file: the Pro Santé Connect practice chooser of the post-login flow (shown in
// headless Chromium for the emulator's doctor with two exercices, accessible, the choice in the
// client's tokens through Keycloak's own mappers, skipped with one practice, switched later with
// kc_action), and Pro Santé Connect's card level asked by a realm client (acr_values=eidas2) and
// in a step-up of a signed-in doctor.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Browser, CLIENTS, launchChromium, startEmulator } from '../../../../bindings-node/test/harness.mjs';
import { chromium, claimsOf, demoApp, startDemoApp, startKeycloak } from './harness.mjs';

const PSC = CLIENTS.prosanteconnect;
const FLOW = 'gouvconnect practice';
const DOCTOR_RPPS = '99700218896';
let emulator;
let keycloak;
let kc;
// demo-app's redirect URI, served by a stub on loopback (harness.mjs, startDemoApp).
let APP_REDIRECT;
let app;

const admin = () => keycloak.admin();
/** demo-app's authorization request (PKCE S256) and the tokens for its code (harness.mjs). */
const authorize = (params) => demoApp(kc, APP_REDIRECT).authorize(params);
const tokens = (location, verifier) => demoApp(kc, APP_REDIRECT).tokens(location, verifier);

/**
 * What the README tells an administrator to do, through the admin REST API: a flow holding the
 * practice chooser, set as the Pro Santé Connect provider's post-login flow; the switch action
 * enabled; demo-app's mappers (user-session notes and a user attribute) for the choice.
 */
async function configure() {
  const api = await admin();
  await api('POST', '/authentication/flows', { alias: FLOW, description: 'Pro Santé Connect: choose the practice',
    providerId: 'basic-flow', topLevel: true, builtIn: false });
  const flow = encodeURIComponent(FLOW);
  await api('POST', `/authentication/flows/${flow}/executions/execution`, { provider: 'gouvconnect-practice-chooser' });
  const [execution] = await api('GET', `/authentication/flows/${flow}/executions`);
  await api('PUT', `/authentication/flows/${flow}/executions`, { ...execution, requirement: 'REQUIRED' });

  const idp = await api('GET', '/identity-provider/instances/prosanteconnect');
  const mapping = JSON.parse(idp.config.gouvconnectMapping);
  // A mapping rule reading the chosen practice: applied again when the practice changes.
  mapping.fields.practice_name = 'practice.name';
  await api('PUT', '/identity-provider/instances/prosanteconnect', { ...idp, postBrokerLoginFlowAlias: FLOW,
    config: { ...idp.config, clientSecret: PSC.secret, gouvconnectMapping: JSON.stringify(mapping) } });

  const registered = await api('GET', '/authentication/required-actions');
  if (!registered.some((a) => a.alias === 'gouvconnect-practice')) {
    const unregistered = await api('GET', '/authentication/unregistered-required-actions');
    assert.ok(unregistered.some((a) => a.providerId === 'gouvconnect-practice'), JSON.stringify(unregistered));
    await api('POST', '/authentication/register-required-action', { providerId: 'gouvconnect-practice',
      name: 'gouvconnect: switch Pro Santé Connect practice' });
  }
  const action = await api('GET', '/authentication/required-actions/gouvconnect-practice');
  await api('PUT', '/authentication/required-actions/gouvconnect-practice', { ...action, enabled: true });

  const [client] = await api('GET', '/clients?clientId=demo-app');
  const note = (name, note, claim, jsonType = 'String') => ({ name, protocol: 'openid-connect',
    protocolMapper: 'oidc-usersessionmodel-note-mapper', config: { 'user.session.note': note, 'claim.name': claim,
      'jsonType.label': jsonType, 'id.token.claim': 'true', 'access.token.claim': 'true' } });
  for (const mapper of [
    note('practice id', 'gouvconnect.practice.id', 'practice_id'),
    note('practice profession', 'gouvconnect.practice.profession_label', 'practice_profession'),
    note('practice', 'gouvconnect.practice', 'practice', 'JSON'),
    { name: 'practice structure (attribute)', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
      config: { 'user.attribute': 'gouvconnect.practice.name', 'claim.name': 'practice_structure',
        'jsonType.label': 'String', 'id.token.claim': 'true', 'access.token.claim': 'true' } },
  ]) {
    await api('POST', `/clients/${client.id}/protocol-mappers/models`, mapper);
  }
}

before(async () => {
  emulator = await startEmulator();
  app = await startDemoApp();
  APP_REDIRECT = app.redirect;
  keycloak = await startKeycloak({ timeoutMs: 600000, env: {
    GOUVCONNECT_PROVIDER: 'prosanteconnect',
    GOUVCONNECT_ISSUER: PSC.issuer(emulator.base),
    GOUVCONNECT_CLIENT_ID: PSC.id,
    GOUVCONNECT_CLIENT_SECRET: PSC.secret,
  } });
  kc = keycloak.base;
  await configure();
});

after(async () => {
  await keycloak?.stop();
  await emulator?.stop();
  app?.close();
});

/**
 * Over plain HTTP: demo-app's request with `params`, through the emulator as `user` (`form`: the
 * emulator page's other fields, e.g. the card), following Keycloak's redirects. Ends at demo-app
 * (`location`) or at a page (`response`, `body`: the chooser, an error page).
 */
async function login(browser, user, { params = {}, form = {}, seen = {} } = {}) {
  const { url, verifier } = authorize({ kc_idp_hint: 'prosanteconnect', ...params });
  const res = await browser.get(url);
  return follow(browser, res, verifier, user, form, seen);
}

async function follow(browser, first, verifier, user, form = {}, seen = {}) {
  let res = first;
  for (let i = 0; i < 12 && res.status >= 300 && res.status < 400; i++) {
    const location = new URL(res.headers.get('location'), kc).href;
    if (location.startsWith(APP_REDIRECT)) return { location, verifier };
    if (location.startsWith(emulator.base) && new URL(location).searchParams.get('response_type') === 'code') {
      seen.authorize = new URL(location).searchParams;
      res = await browser.get(await browser.loginAt(location, emulator.base, user, form));
    } else {
      res = await browser.get(location);
    }
  }
  return { response: res, body: await res.text(), verifier };
}

/** What a Keycloak page says, for a failure's message: its title and its feedback text. */
function summary(html = '') {
  const title = /<title>([^<]*)/.exec(html)?.[1]?.trim();
  const feedback = /class="[^"]*(?:kc-feedback-text|pf-v5-c-alert__title|instruction)[^"]*"[^>]*>([\s\S]*?)</.exec(html)?.[1]?.trim();
  return `${title ?? '(no title)'}: ${feedback ?? html.slice(0, 200)}`;
}

/** The chooser page's form (action and radio values), from its HTML. */
function chooser(html) {
  const action = /<form id="gouvconnect-practice-form"[^>]*action="([^"]+)"/.exec(html);
  assert.ok(action, `not the practice chooser: ${summary(html)}`);
  const ids = [...html.matchAll(/name="practice" id="practice-\d+" value="([^"]+)"/g)].map((m) => m[1]);
  return { action: action[1].replace(/&amp;/g, '&'), ids };
}

async function userByRpps(api, rpps) {
  const [user] = await api('GET', `/users?q=rpps:${rpps}&briefRepresentation=false`);
  return user;
}

/** A headless Chromium page (demo-app's redirect URI answers: the redirect is the result). */
async function chromiumPage() {
  const browser = await launchChromium(chromium);
  const page = await browser.context.newPage();
  page.setDefaultTimeout(60000);
  return { page, close: browser.close };
}

const backAtApp = (page) => page.waitForURL((u) => u.href.startsWith(APP_REDIRECT), { timeout: 60000 });

test('practice chooser: the doctor with two exercices chooses in Chromium (labels, fieldset, keyboard); the choice is in the tokens; a switch with kc_action', async () => {
  const { page, close } = await chromiumPage();
  try {
    const first = authorize({ kc_idp_hint: 'prosanteconnect' });
    await page.goto(first.url);
    await page.waitForURL((u) => u.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="doctor"]').click();

    // The chooser: one group named by its legend, one radio a practice, labelled with the core's
    // French labels, described by the structure and its place.
    const group = page.getByRole('group', { name: 'Your practice' });
    await group.waitFor();
    assert.equal(await page.locator('fieldset > legend').count(), 1);
    const radios = group.getByRole('radio');
    assert.equal(await radios.count(), 3);
    const names = await radios.evaluateAll((inputs) => inputs.map((i) => i.labels[0].textContent.replace(/\s+/g, ' ').trim()));
    assert.deepEqual(names, ['Médecin — Médecine générale (SM)', 'Médecin — Médecine générale (SM)', 'Médecin']);
    const described = await radios.evaluateAll((inputs) => inputs.map((i) =>
      document.getElementById(i.getAttribute('aria-describedby')).textContent.replace(/\s+/g, ' ').trim()));
    assert.match(described[0], /^CABINET DU DR BERNARD, 75019/);
    assert.match(described[1], /^HOPITAL EXEMPLE, 75020/);
    assert.match(described[2], /^CENTRE DE SANTE EXEMPLE, 75013/);
    assert.ok(await radios.first().isChecked(), 'the first practice is selected');
    assert.ok(await page.getByRole('button', { name: 'Continue' }).isVisible());
    if (process.env.GC_PRACTICE_SCREENSHOT) await page.screenshot({ path: process.env.GC_PRACTICE_SCREENSHOT, fullPage: true });

    // Keyboard only: focus the choice, arrow down to the hospital, Enter submits.
    await radios.first().focus();
    await page.keyboard.press('ArrowDown');
    assert.ok(await radios.nth(1).isChecked(), 'ArrowDown selects the next practice');
    const hospital = await radios.nth(1).getAttribute('value');
    await page.keyboard.press('Enter');
    await backAtApp(page);
    const claims = claimsOf((await tokens(page.url(), first.verifier)).id_token);
    assert.equal(claims.practice_id, hospital);
    assert.equal(claims.practice_profession, 'Médecin');
    assert.equal(claims.practice.name, 'HOPITAL EXEMPLE');
    assert.equal(claims.practice.finess, '750000001');
    assert.equal(claims.practice.savoir_faire_label, 'Médecine générale (SM)');
    assert.equal(claims.practice_structure, 'HOPITAL EXEMPLE');

    const api = await admin();
    let user = await userByRpps(api, DOCTOR_RPPS);
    assert.deepEqual(user.attributes['gouvconnect.practice.id'], [hospital]);
    assert.deepEqual(user.attributes['gouvconnect.practice.finess'], ['750000001']);
    // The provider's mapping ran again with the practice (practice.name → practice_name).
    assert.deepEqual(user.attributes.practice_name, ['HOPITAL EXEMPLE']);

    // Later, the application sends the user to switch: the same page, the current one selected.
    const again = authorize({ kc_action: 'gouvconnect-practice' });
    await page.goto(again.url);
    await group.waitFor();
    assert.ok(await radios.nth(1).isChecked(), 'the current practice is selected');
    assert.ok(await page.getByRole('button', { name: 'Cancel' }).isVisible());
    await radios.nth(2).check();
    const centre = await radios.nth(2).getAttribute('value');
    await page.getByRole('button', { name: 'Continue' }).click();
    await backAtApp(page);
    assert.equal(new URL(page.url()).searchParams.get('kc_action_status'), 'success');
    const switched = claimsOf((await tokens(page.url(), again.verifier)).id_token);
    assert.equal(switched.practice_id, centre);
    assert.equal(switched.practice.name, 'CENTRE DE SANTE EXEMPLE');
    assert.equal(switched.practice.siret, '26750045200015');
    assert.equal(switched.practice.finess, null);
    assert.equal(switched.practice_structure, 'CENTRE DE SANTE EXEMPLE');
    user = await userByRpps(api, DOCTOR_RPPS);
    assert.deepEqual(user.attributes['gouvconnect.practice.id'], [centre]);
    // The hospital's FINESS went with it: nothing of the former practice lingers.
    assert.equal(user.attributes['gouvconnect.practice.finess'], undefined);
    assert.deepEqual(user.attributes.practice_name, ['CENTRE DE SANTE EXEMPLE']);
  } finally {
    await close();
  }
});

test('practice chooser: skipped with one practice (the pharmacist), the practice still in the tokens', async () => {
  const result = await login(new Browser(), 'pharmacist');
  assert.ok(result.location, `the pharmacist was stopped: ${result.response?.status} ${summary(result.body)}`);
  const claims = claimsOf((await tokens(result.location, result.verifier)).id_token);
  assert.match(claims.practice_id, /^p[0-9a-f]{16}$/);
  assert.equal(claims.practice_profession, 'Pharmacien');
  assert.equal(claims.practice.name, 'PHARMACIE DU MARCHE');
});

test('practice chooser: an id the login does not hold is refused on the page (400), then a real choice goes through; Cancel on the switch page changes nothing', async () => {
  const browser = new Browser();
  const page = await login(browser, 'doctor');
  assert.equal(page.response.status, 200);
  const { action, ids } = chooser(page.body);
  assert.equal(ids.length, 3);
  const wrong = await browser.post(new URL(action, kc).href, { practice: 'p0000000000000000' });
  assert.equal(wrong.status, 400);
  const html = await wrong.text();
  assert.match(html, /Choose one of the practices listed\./);
  const retry = chooser(html);
  const done = await follow(browser, await browser.post(new URL(retry.action, kc).href, { practice: ids[2] }), page.verifier);
  assert.ok(done.location, summary(done.body));
  assert.equal(claimsOf((await tokens(done.location, done.verifier)).id_token).practice_id, ids[2]);

  // The switch page's Cancel: back to the application, kc_action_status=cancelled, nothing changed.
  const again = authorize({ kc_action: 'gouvconnect-practice' });
  const shown = await follow(browser, await browser.get(again.url), again.verifier);
  assert.equal(shown.response?.status, 200, summary(shown.body));
  assert.match(shown.body, /name="cancel-aia"/);
  const cancelled = await follow(browser,
    await browser.post(new URL(chooser(shown.body).action, kc).href, { practice: ids[0], 'cancel-aia': 'true' }), again.verifier);
  assert.ok(cancelled.location, summary(cancelled.body));
  assert.equal(new URL(cancelled.location).searchParams.get('kc_action_status'), 'cancelled');
  const kept = await login(browser, 'doctor', { params: { prompt: 'none' } });
  assert.ok(kept.location, summary(kept.body));
  assert.equal(claimsOf((await tokens(kept.location, kept.verifier)).id_token).practice_id, ids[2]);
});

test('card level: a client asking acr_values=eidas2 gets the CPS card login at eidas2 on the session; e-CPS is refused (acr_insufficient)', async () => {
  // The pharmacist: one practice, so nothing stands between the provider and the client.
  const seen = {};
  const card = await login(new Browser(), 'pharmacist', { params: { acr_values: 'eidas2' }, form: { means: 'card' }, seen });
  assert.ok(card.location, summary(card.body));
  // Pro Santé Connect is still asked for eidas1; the level is checked on return.
  assert.equal(seen.authorize.get('acr_values'), 'eidas1');
  const claims = claimsOf((await tokens(card.location, card.verifier)).id_token);
  assert.equal(claims.gouvconnect_acr, 'eidas2');

  const ecps = await login(new Browser(), 'pharmacist', { params: { acr_values: 'eidas2' }, form: { means: 'ecps' } });
  assert.equal(ecps.location, undefined);
  assert.match(ecps.body.replace(/&#40;|&lpar;/g, '(').replace(/&#41;|&rpar;/g, ')'), /\(acr_insufficient\)/);
});

test('card step-up of a signed-in doctor: prompt=login at Pro Santé Connect, eidas2 on the session, the practice kept without asking', async () => {
  const browser = new Browser();
  const page = await login(browser, 'doctor');
  const { action, ids } = chooser(page.body);
  const first = await follow(browser, await browser.post(new URL(action, kc).href, { practice: ids[1] }), page.verifier);
  const before = claimsOf((await tokens(first.location, first.verifier)).id_token);
  assert.equal(before.gouvconnect_acr, 'eidas1');
  assert.equal(before.practice_id, ids[1]);

  // The application asks for the card on a sensitive action.
  const seen = {};
  const up = await login(browser, 'doctor', { params: { acr_values: 'eidas2', prompt: 'login' }, form: { means: 'card' }, seen });
  assert.ok(up.location, `the step-up stopped at a page: ${up.response?.status} ${summary(up.body)}`);
  assert.equal(seen.authorize.get('prompt'), 'login');
  const after = claimsOf((await tokens(up.location, up.verifier)).id_token);
  assert.equal(after.sub, before.sub);
  assert.equal(after.gouvconnect_acr, 'eidas2');
  assert.equal(after.practice_id, ids[1]);

  // Without the card, the step-up is refused and the session keeps its level.
  const refused = await login(browser, 'doctor', { params: { acr_values: 'eidas2', prompt: 'login' }, form: { means: 'ecps' } });
  assert.equal(refused.location, undefined);
  assert.match(refused.body, /acr_insufficient/);
});
