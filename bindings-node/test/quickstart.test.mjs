// The READMEs' Express quick starts, pasted into a brand-new app: `npm init -y`, the packages
// the README names installed with npm, the snippet saved as a file and run as its own process
// against the emulator over real HTTP, then a full login as a browser would do it (home page,
// official button, provider, callback, /me, logout). On Express 5 (what `npm install express`
// gives) and Express 4. So the README cannot drift from what works.
//
// Needs the npm registry (or an npm cache holding express and express-session).
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, CLIENTS, ROOT, freePort, startEmulator } from './harness.mjs';

const PACKAGE_DIR = path.join(ROOT, 'bindings-node');

/**
 * Installs gouvconnect into the app at `dir`, as the README's `npm install … gouvconnect` would.
 * For now the package built in this repository, linked (its addon is already compiled); swap
 * this for `npm install <tarball>` once the package is published as one.
 */
function installGouvconnect(dir) {
  fs.symlinkSync(PACKAGE_DIR, path.join(dir, 'node_modules', 'gouvconnect'), 'dir');
}

/** The text of `## heading`'s section of a README (up to the next `## `). */
function section(readme, heading) {
  const text = fs.readFileSync(path.join(ROOT, readme), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `${readme}: no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

function codeBlocks(text, lang) {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** The packages of the README's `npm install …` (in a code block or in the text). */
function readmePackages(text) {
  const m = /npm install ((?:[a-z@][\w@./-]*\s?)+)/.exec(text);
  assert.ok(m, 'the section says what to npm install');
  return m[1].trim().split(/\s+/);
}

/** Replaces `from` by `to`, which must appear exactly `count` times (the README changed otherwise). */
function replaceExactly(source, from, to, count = 1) {
  const found = source.split(from).length - 1;
  assert.equal(found, count, `the snippet should contain ${JSON.stringify(from)} ${count} time(s)`);
  return source.split(from).join(to);
}

const SNIPPETS = {
  // bindings-node/README.md: the full quick start (config from the environment).
  package: () => {
    const text = section('bindings-node/README.md', 'Express quick start');
    const [js] = codeBlocks(text, 'js');
    return { packages: readmePackages(text), source: js };
  },
  // README.md: the short one (port 3000 in the text).
  root: () => {
    const text = section('README.md', 'Express (Node)');
    const [js] = codeBlocks(text, 'js');
    return { packages: readmePackages(text), source: js };
  },
};

let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator.stop(); });

const npm = (dir, args) => execFileSync('npm', args, {
  cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' },
});

/** A brand-new app in a temporary directory with the README's packages (Express `major`). */
function newApp(packages, major) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gouvconnect-quickstart-express${major}-`));
  npm(dir, ['init', '-y']);
  const fromRegistry = packages.filter((p) => p !== 'gouvconnect')
    .map((p) => (p === 'express' ? `express@${major}` : p));
  assert.ok(packages.includes('gouvconnect'), 'the README installs gouvconnect');
  npm(dir, ['install', '--prefer-offline', '--loglevel=error', ...fromRegistry]);
  installGouvconnect(dir);
  return dir;
}

/** Runs `file` in `dir` until a request to `url` answers. */
async function run(dir, file, env, url) {
  const child = spawn(process.execPath, [file], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stdout.on('data', (d) => output.push(String(d)));
  child.stderr.on('data', (d) => output.push(String(d)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  };
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${file} exited ${child.exitCode}: ${output.join('')}`);
    try {
      await fetch(url, { redirect: 'manual' });
      break;
    } catch {
      if (Date.now() > deadline) { await stop(); throw new Error(`${file} did not answer: ${output.join('')}`); }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { output, stop };
}

/** Home page → its ProConnect button → the emulator as `agent` → callback; returns the app's answer. */
async function loginThroughButton(browser, home) {
  const page = await browser.get(home);
  assert.equal(page.status, 200);
  const html = await page.text();
  const action = /<form method="get" action="([^"]+)"><button[^>]*gouvconnect-button--proconnect/.exec(html);
  assert.ok(action, 'the home page shows the ProConnect button');
  let res = await browser.get(new URL(action[1], home).href);
  // Possibly first moved to baseURL's host, then to the provider.
  while (res.status === 302 && !res.headers.get('location').startsWith(emulator.base)) {
    res = await browser.get(new URL(res.headers.get('location'), home).href);
  }
  assert.equal(res.status, 302, 'the button leads to the provider');
  const callbackUrl = await browser.loginAt(res.headers.get('location'), emulator.base, 'agent');
  return { callbackUrl, back: await browser.get(callbackUrl) };
}

for (const major of [5, 4]) {
  describe(`Express ${major}, brand-new app`, () => {
    let dir;
    before(() => {
      const packages = new Set([...SNIPPETS.package().packages, ...SNIPPETS.root().packages]);
      dir = newApp([...packages], major);
      const installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/express/package.json'), 'utf8'));
      assert.equal(Number(installed.version.split('.')[0]), major);
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    test('bindings-node/README.md quick start: login, /me, logout', async () => {
      const { source } = SNIPPETS.package();
      // The one change the README tells to try it locally: the emulator instead of the preset.
      const app = replaceExactly(source, "environment: 'integration'", `issuer: ${JSON.stringify(CLIENTS.proconnect.issuer(emulator.base))}`);
      fs.writeFileSync(path.join(dir, 'app.js'), app);
      const port = await freePort();
      const server = await run(dir, 'app.js', {
        PORT: String(port),
        SESSION_SECRET: 'quickstart-session-secret-0123456789',
        PROCONNECT_CLIENT_ID: CLIENTS.proconnect.id,
        PROCONNECT_CLIENT_SECRET: CLIENTS.proconnect.secret,
        BASE_URL: '',
      }, `http://localhost:${port}/`);
      try {
        assert.match(server.output.join(''), new RegExp(`http://localhost:${port}`), 'it says where to go');
        const browser = new Browser();
        const home = `http://localhost:${port}/`;
        assert.equal((await browser.get(`http://localhost:${port}/me`)).status, 302, '/me asks for a login');
        const { back } = await loginThroughButton(browser, home);
        assert.equal(back.status, 302);
        const me = await browser.get(`http://localhost:${port}/me`);
        assert.equal(me.status, 200);
        const identity = await me.json();
        assert.equal(identity.provider, 'proconnect');
        assert.equal(identity.family_name, 'Martin');

        // Logged in, the home page offers the logout form; submit it.
        const page = await (await browser.get(home)).text();
        const logoutAction = /<form method="post" action="([^"]+)"/.exec(page);
        assert.ok(logoutAction, 'a logout form');
        const logout = await browser.post(new URL(logoutAction[1], home).href);
        assert.equal(logout.status, 302);
        const endSession = await browser.get(logout.headers.get('location'));
        assert.ok(endSession.status >= 300 && endSession.status < 400);
        const done = await browser.get(endSession.headers.get('location'));
        assert.equal(done.status, 302);
        assert.equal((await browser.get(`http://localhost:${port}/me`)).status, 302, 'logged out');

        // Started on 127.0.0.1 (the other loopback name), the login still completes on localhost.
        const other = new Browser();
        const { callbackUrl, back: back2 } = await loginThroughButton(other, `http://127.0.0.1:${port}/`);
        assert.ok(callbackUrl.startsWith(`http://localhost:${port}/`));
        assert.equal(back2.status, 302);
        assert.equal((await other.get(`http://localhost:${port}/me`)).status, 200);
      } finally {
        await server.stop();
      }
    });

    test('README.md Express section: login and /me', async () => {
      const { source } = SNIPPETS.root();
      const port = await freePort();
      let app = replaceExactly(source, "environment: 'integration'", `issuer: ${JSON.stringify(CLIENTS.proconnect.issuer(emulator.base))}`);
      app = replaceExactly(app, '3000', String(port), 3);
      fs.writeFileSync(path.join(dir, 'root.js'), app);
      const server = await run(dir, 'root.js', {
        SESSION_SECRET: 'quickstart-session-secret-0123456789',
        PROCONNECT_CLIENT_ID: CLIENTS.proconnect.id,
        PROCONNECT_CLIENT_SECRET: CLIENTS.proconnect.secret,
      }, `http://localhost:${port}/`);
      try {
        const browser = new Browser();
        const { back } = await loginThroughButton(browser, `http://localhost:${port}/`);
        assert.equal(back.status, 302);
        const me = await browser.get(`http://localhost:${port}/me`);
        assert.equal(me.status, 200);
        assert.equal((await me.json()).proconnect.siret, '11000101300017');
      } finally {
        await server.stop();
      }
    });
  });
}
