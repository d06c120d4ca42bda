// The Pro Santé Connect practice picker of gouvconnect/express, on the Express example against
// the emulator: the `doctor` (three practices over two exercices) chooses after login, over HTTP
// and in a real headless Chromium, and can switch later; the `pharmacist` (one practice) is not
// asked. The chosen practice is identity.practice, with labels.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Browser, exampleEnv, freePort, fullLogin, launchChromium, startEmulator, startExample } from './harness.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const { practices } = require('../index.js');

let emulator;
let app;
before(async () => {
  emulator = await startEmulator();
  app = await startExample(exampleEnv(emulator.base, 'prosanteconnect', await freePort()));
});
after(async () => {
  await app?.stop();
  await emulator?.stop();
});

const formOf = (html) => ({
  token: /name="token" value="([^"]+)"/.exec(html)[1],
  ids: [...html.matchAll(/name="practice" id="[^"]+" value="([^"]+)"/g)].map((m) => m[1]),
});

test('a doctor with several practices chooses one after login, then switches', async () => {
  const b = new Browser();
  const callback = await fullLogin(b, app.base, emulator.base, 'doctor');
  assert.equal(callback.status, 302);
  assert.equal(callback.headers.get('location'), '/auth/practice');
  // Signed in, no practice yet; labels next to the codes.
  const me = await (await b.get(app.base + '/me')).json();
  assert.equal(me.practice, undefined);
  assert.equal(me.prosanteconnect.exercices[0].profession_label, 'Médecin');
  assert.equal(me.prosanteconnect.exercices[0].savoir_faire_label, 'Médecine générale (SM)');
  assert.equal(me.prosanteconnect.exercices[0].activities[0].sector_label, 'Cabinet individuel');

  const page = await b.get(app.base + '/auth/practice');
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<legend>Votre exercice<\/legend>/);
  assert.match(html, /Médecin<\/strong> — Médecine générale \(SM\)/);
  assert.match(html, /HOPITAL EXEMPLE, 75020/);
  assert.match(html, /CENTRE DE SANTE EXEMPLE, 75013/);
  assert.doesNotMatch(html, />10</);
  const { token, ids } = formOf(html);
  assert.deepEqual(ids, practices(me).map((p) => p.id));
  assert.equal(ids.length, 3);

  // A forged form (no token) and an unknown practice are refused; nothing changes.
  assert.equal((await b.post(app.base + '/auth/practice', { practice: ids[1] })).status, 400);
  assert.equal((await b.post(app.base + '/auth/practice', { token, practice: 'p-none' })).status, 400);
  assert.equal((await (await b.get(app.base + '/me')).json()).practice, undefined);

  const chose = await b.post(app.base + '/auth/practice', { token, practice: ids[1], next: '/me' });
  assert.equal(chose.status, 303);
  assert.equal(chose.headers.get('location'), '/me');
  let identity = await (await b.get(app.base + '/me')).json();
  assert.equal(identity.practice.id, ids[1]);
  assert.equal(identity.practice.name, 'HOPITAL EXEMPLE');
  assert.equal(identity.practice.finess, '750000001');
  assert.equal(identity.practice.profession_label, 'Médecin');
  assert.equal(identity.practice.sector_label, 'Etablissement public de santé');

  // Switching later: the same page, the current one checked; an open redirect is not followed.
  const again = await (await b.get(app.base + '/auth/practice')).text();
  assert.match(again, new RegExp(`value="${ids[1]}" checked`));
  const switched = await b.post(app.base + '/auth/practice', { token: formOf(again).token, practice: ids[2], next: 'https://evil.example/' });
  assert.equal(switched.headers.get('location'), '/');
  identity = await (await b.get(app.base + '/me')).json();
  assert.equal(identity.practice.name, 'CENTRE DE SANTE EXEMPLE');
  assert.equal(identity.practice.savoir_faire_type_label, 'Compétence exclusive');
  assert.equal(identity.practice.savoir_faire_label, null);
});

test('a login with one practice is not asked: the practice is set', async () => {
  const b = new Browser();
  const callback = await fullLogin(b, app.base, emulator.base, 'pharmacist');
  assert.equal(callback.headers.get('location'), '/');
  const identity = await (await b.get(app.base + '/me')).json();
  assert.equal(identity.practice.profession_label, 'Pharmacien');
  assert.equal(identity.practice.name, 'PHARMACIE DU MARCHE');
  assert.equal(identity.practice.sector_label, "Pharmacie d'officine");
});

test('anonymous visitors of the picker go home', async () => {
  const res = await new Browser().get(app.base + '/auth/practice');
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/');
});

test('Chromium: the doctor picks a practice in the chooser (a labelled radio group)', async () => {
  const { context, close } = await launchChromium(chromium);
  try {
    const page = await context.newPage();
    await page.goto(app.base + '/');
    await page.getByRole('button', { name: /Pro Santé Connect/ }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="doctor"]').click();
    await page.waitForURL(app.base + '/auth/practice');
    await page.getByRole('heading', { name: 'Pour quel exercice vous connectez-vous ?' }).waitFor();
    const group = page.getByRole('group', { name: 'Votre exercice' });
    assert.equal(await group.getByRole('radio').count(), 3);
    await group.getByRole('radio', { name: /Médecin — Médecine générale/ }).nth(1).check();
    await page.getByRole('button', { name: 'Continuer' }).click();
    await page.waitForURL(app.base + '/');
    const identity = await (await page.goto(app.base + '/me')).json();
    assert.equal(identity.practice.name, 'HOPITAL EXEMPLE');
    assert.equal(identity.practice.postal_code, '75020');
  } finally {
    await close();
  }
});
