// Test harness: the emulator and example apps as real processes on loopback, and a tiny
// browser-like HTTP client (cookie jar, manual redirects).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function emulatorBin() {
  return process.env.GOUVCONNECT_EMULATOR_BIN
    || path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'release', 'gouvconnect-emulator');
}

/** Starts a process and resolves when a stdout line matches `ready`. */
async function startProcess(command, args, { env, ready, timeoutMs = 20000 }) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  child.stderr.on('data', (d) => logs.push(String(d)));
  const match = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${command} not ready: ${logs.join('')}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      buffer += String(d);
      const m = ready.exec(buffer);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${command} exited ${code}: ${logs.join('')}`)); });
  });
  return { child, match, logs, stop: () => stop(child) };
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Starts the emulator on a free port. With `--tls-port` among `extraArgs`, also waits for its
 * mutual-TLS listener (`tlsBase`).
 */
export async function startEmulator(extraArgs = []) {
  const tls = extraArgs.includes('--tls-port');
  const p = await startProcess(emulatorBin(), ['--port', '0', ...extraArgs], {
    ready: tls
      ? /gouvconnect-emulator listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*tls listening on (https:\/\/127\.0\.0\.1:\d+)/
      : /gouvconnect-emulator listening on (http:\/\/127\.0\.0\.1:\d+)/,
  });
  return { ...p, base: p.match[1], tlsBase: tls ? p.match[2] : undefined };
}

export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * The shared test fixture (tests/fixture.json): the emulator's clients, secrets and users, as
 * every language's harness reads them (core/tests/emulator_login.rs checks it against the emulator).
 */
export const FIXTURE = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixture.json'), 'utf8'));
/** The test users by provider, then by login name: `USERS.proconnect.agent.email`. */
export const USERS = FIXTURE.users;

/**
 * The fixture's client `name` (`proconnect_es256`…): its `id`, `secret` (empty for mutual TLS),
 * `provider`, `id_token_alg`, `userinfo_alg`, and `issuer(emulatorBase)`.
 */
export function client(name) {
  const c = FIXTURE.clients[name];
  if (!c) throw new Error(`no client ${name} in tests/fixture.json`);
  return { ...c, issuer: (base) => `${base}${FIXTURE.issuer_paths[c.provider]}` };
}

/** The example's default client for each provider. */
export const CLIENTS = {
  proconnect: client('proconnect'),
  prosanteconnect: client('prosanteconnect'),
  franceconnect: client('franceconnect'),
  franceconnect_plus: client('franceconnect_plus'),
};

export function exampleEnv(emulatorBase, provider, port, extra = {}) {
  const c = CLIENTS[provider];
  return {
    GOUVCONNECT_PROVIDER: provider,
    GOUVCONNECT_ISSUER: c.issuer(emulatorBase),
    GOUVCONNECT_CLIENT_ID: c.id,
    GOUVCONNECT_CLIENT_SECRET: c.secret,
    GOUVCONNECT_BASE_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    // FranceConnect+: the demo client's private keys (the example contract's variable).
    ...(c.decryption_keys_file ? { GOUVCONNECT_DECRYPTION_KEYS_FILE: path.join(ROOT, c.decryption_keys_file) } : {}),
    ...extra,
  };
}

/** Starts the Express example (the one-command example of the contract) as a process. */
export async function startExample(env) {
  const p = await startProcess(process.execPath, [path.join(ROOT, 'examples/express/app.js')], {
    env,
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  });
  return { ...p, base: p.match[1] };
}

/** A browser-like client: cookies per host:port, redirects not followed. */
export class Browser {
  constructor() { this.jar = new Map(); }

  async request(url, init = {}) {
    const u = new URL(url);
    const cookies = this.jar.get(u.host);
    const headers = { ...(init.headers || {}) };
    if (cookies && cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      if (!this.jar.has(u.host)) this.jar.set(u.host, new Map());
      this.jar.get(u.host).set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    return res;
  }

  get(url, init) { return this.request(url, init); }

  post(url, form) {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form ? new URLSearchParams(form).toString() : '',
    });
  }

  /**
   * Follows the login through the emulator's page as `user` (`form`: other fields of the page,
   * e.g. `{ means: 'card' }` at Pro Santé Connect); returns the app's callback URL.
   */
  async loginAt(authorizeUrl, emulatorBase, user, form = {}) {
    const page = await this.get(authorizeUrl);
    if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${await page.text()}`);
    const html = await page.text();
    const action = /action="([^"]+)"/.exec(html)[1].replace(/&amp;/g, '&');
    const back = await this.post(new URL(action, emulatorBase).href, { ...form, user });
    if (back.status < 300 || back.status >= 400) throw new Error(`login answered ${back.status}`);
    return back.headers.get('location');
  }
}

/** A full login through an app: /auth/login → emulator → /auth/callback. */
export async function fullLogin(browser, appBase, emulatorBase, user, loginPath = '/auth/login') {
  const start = await browser.get(appBase + loginPath);
  if (start.status !== 302) throw new Error(`login route answered ${start.status}`);
  const callbackUrl = await browser.loginAt(start.headers.get('location'), emulatorBase, user);
  return browser.get(callbackUrl);
}

/**
 * Debian's Chromium, headless, with a fresh profile and the flags this closed network needs.
 * Returns `{ context, close }`; `close()` also removes the profile.
 */
export async function launchChromium(chromium) {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    headless: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
