// A real headless Chromium clicks the ProConnect button on the example's home page, logs in on
// the emulator's page and lands logged in.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { exampleEnv, freePort, launchChromium, startEmulator, startExample } from './harness.mjs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

let emulator;
let app;
before(async () => {
  emulator = await startEmulator();
  const port = await freePort();
  app = await startExample(exampleEnv(emulator.base, 'proconnect', port));
});
after(async () => {
  await app?.stop();
  await emulator?.stop();
});

test('click "S’identifier avec ProConnect", pick a user, come back logged in', async () => {
  const { context: browser, close } = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(app.base + '/');
    await page.getByRole('button', { name: /S’identifier avec\s*ProConnect/ }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.base));
    await page.locator('button[name="user"][value="agent"]').click();
    await page.waitForURL(app.base + '/');
    assert.match(await page.textContent('body'), /Connecté : Alice Martin/);
    const me = await page.goto(app.base + '/me');
    assert.equal(me.status(), 200);
    assert.equal((await me.json()).proconnect.siret, '11000101300017');
  } finally {
    await close();
  }
});
