// Step-up in a real headless Chromium, on the Express example: signed in at eidas1, the user opens
// the sensitive page, signs in again on the emulator at eidas2 and lands back on it; another
// account coming back is refused with a page that offers the way back, the session unchanged.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { USERS, exampleEnv, freePort, launchChromium, startEmulator, startExample } from './harness.mjs';

// The emulator's `agent` (the fixture's values: the `agent-mfa` below is the same person).
const AGENT = USERS.proconnect.agent;

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

let emulator;
let app;
let dir;
before(async () => {
  // `agent-mfa`: the emulator's `agent` (same sub) at eidas2.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-stepup-'));
  const config = path.join(dir, 'emulator.json');
  fs.writeFileSync(config, JSON.stringify({
    users: [{
      id: 'agent-mfa', persona: 'proconnect', label: 'Alice Martin (eidas2)', sub: AGENT.sub,
      acr: 'eidas2', amr: ['pwd', 'otp', 'mfa'],
      claims: { given_name: AGENT.given_name, usual_name: AGENT.family_name, email: AGENT.email, siret: AGENT.siret },
    }],
  }));
  emulator = await startEmulator(['--config', config]);
  const port = await freePort();
  app = await startExample(exampleEnv(emulator.base, 'proconnect', port, { GOUVCONNECT_STEP_UP_ACR: 'eidas2' }));
});
after(async () => {
  await app?.stop();
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function signIn(page, user) {
  await page.goto(app.base + '/');
  await page.getByRole('button', { name: /S’identifier avec\s*ProConnect/ }).click();
  await page.waitForURL((url) => url.href.startsWith(emulator.base));
  await page.locator(`button[name="user"][value="${user}"]`).click();
  await page.waitForURL(app.base + '/');
}

test('step-up to eidas2: the same person signs in again and lands on the sensitive page', async () => {
  const { context, close } = await launchChromium(chromium);
  try {
    const page = await context.newPage();
    await signIn(page, 'agent');
    await page.goto(app.base + '/sensible');
    // At the provider again (eidas2 always asks for a fresh login).
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="agent-mfa"]').click();
    await page.waitForURL(app.base + '/sensible');
    assert.match(await page.textContent('#level'), /Niveau : eidas2 \(double authentification\)/);
    const me = await (await page.goto(app.base + '/me')).json();
    assert.equal(me.acr, 'eidas2');
    assert.equal(me.mfa, true);
  } finally {
    await close();
  }
});

test('step-up with another account: refused, the way back, still the first user at eidas1', async () => {
  const { context, close } = await launchChromium(chromium);
  try {
    const page = await context.newPage();
    await signIn(page, 'agent');
    await page.goto(app.base + '/sensible');
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="mfa"]').click();
    await page.waitForURL((url) => url.href.startsWith(app.base + '/auth/callback'));
    assert.equal(await page.textContent('#gouvconnect-error-code'), 'step_up_user_mismatch');
    await page.locator('#gouvconnect-back').click();
    await page.waitForURL(app.base + '/');
    assert.match(await page.textContent('body'), /Connecté : Alice Martin/);
    const me = await (await page.goto(app.base + '/me')).json();
    assert.equal(me.acr, 'eidas1');
    assert.equal(me.email, AGENT.email);
  } finally {
    await close();
  }
});
