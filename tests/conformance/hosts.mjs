// The three hosts under test, started the way their own end-to-end tests start them and driven
// over real HTTP like a browser: the Express example (examples/express/app.js), the Django
// example (examples/django/serve.py) and the Keycloak realm (examples/keycloak/run.sh).
// Every stdout/stderr line of every host is kept for the log-hygiene check.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, CLIENTS, ROOT, exampleEnv, freePort } from '../../bindings-node/test/harness.mjs';

/** The provider timeout given to every host, so that `token_hang` ends quickly. */
export const TIMEOUT_SECS = 3;
const BUILD = process.env.BUILD || path.join(ROOT, '.build');

/** The host configurations a row can ask for (scenarios.mjs `provider`). */
export const PROVIDERS = {
  pc: { provider: 'proconnect', acr: null },
  psc: { provider: 'prosanteconnect', acr: null },
  pc2: { provider: 'proconnect', acr: 'eidas2' },
  fc: { provider: 'franceconnect', acr: null },
  fcp: { provider: 'franceconnect_plus', acr: null },
  fcp3: { provider: 'franceconnect_plus', acr: 'eidas3' },
};

/** Starts a process, keeps every output line, resolves when a line matches `ready`. */
async function startLogged(name, command, args, { env, cwd, ready, timeoutMs = 60000, detached = false, sink }) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached,
  });
  const lines = sink;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (d) => {
      const parts = (rest + String(d)).split('\n');
      rest = parts.pop();
      lines.push(...parts);
    });
    stream.on('end', () => { if (rest) lines.push(rest); });
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const kill = (signal) => {
      try { if (detached) process.kill(-child.pid, signal); else child.kill(signal); } catch { /* gone */ }
    };
    kill('SIGTERM');
    await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 10000))]);
    if (child.exitCode === null && child.signalCode === null) kill('SIGKILL');
  };
  const deadline = Date.now() + timeoutMs;
  while (ready && !lines.some((l) => ready.test(l))) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${lines.slice(-20).join('\n')}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} not ready after ${timeoutMs} ms: ${lines.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, stop };
}

/** The stable code an error page names (the core's page, or Keycloak's "… (code)"). */
export function shownCode(html) {
  return /id="gouvconnect-error-code">([a-z_]+)</.exec(html)?.[1]
    ?? /\(([a-z]+(?:_[a-z]+)+)\)/.exec(html)?.[1]
    ?? null;
}

/** Whether a redirect target stays on `base`'s site. */
export function staysOnSite(location, base) {
  if (!location) return true;
  try {
    return new URL(location, base).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

/** An app host of the example contract (docs/architecture.md §6): Express or Django. */
class ContractHost {
  constructor(name) {
    this.name = name;
    this.apps = {};
    this.lines = [];
    this.processes = [];
    this.controlsStatus = true;
  }

  async start(emulator) {
    this.emulator = emulator;
    await Promise.all(Object.entries(PROVIDERS).map(async ([key, { provider, acr }]) => {
      const port = await freePort();
      const env = exampleEnv(emulator.base, provider, port, {
        GOUVCONNECT_TIMEOUT_SECS: String(TIMEOUT_SECS),
        ...(acr ? { GOUVCONNECT_ACR: acr } : {}),
      });
      delete env.GOUVCONNECT_ENVIRONMENT;
      const p = await this.spawn(env, port);
      this.processes.push(p);
      this.apps[key] = `http://127.0.0.1:${port}`;
    }));
  }

  async stop() { await Promise.all(this.processes.map((p) => p.stop())); }

  /** GET /auth/login?next → the provider's authorize URL. */
  async begin(browser, key, next) {
    const query = next === undefined ? '' : `?next=${encodeURIComponent(next)}`;
    const res = await browser.get(`${this.apps[key]}/auth/login${query}`);
    if (res.status !== 302) throw new Error(`${this.name} /auth/login answered ${res.status}`);
    return res.headers.get('location');
  }

  /** The provider's redirect back (callback URL, or none) → the outcome. */
  async finish(browser, key, callbackUrl) {
    const res = await browser.get(callbackUrl);
    return this.outcome(browser, key, res);
  }

  async outcome(browser, key, res) {
    if (res.status === 302) {
      const location = res.headers.get('location');
      const me = await browser.get(`${this.apps[key]}/me`);
      return { ok: me.status === 200, status: res.status, location, note: me.status === 200 ? undefined : `/me ${me.status}` };
    }
    const body = await res.text();
    return { ok: false, status: res.status, code: shownCode(body) };
  }

  callbackBase(key) { return `${this.apps[key]}/auth/callback`; }

  /** POST /auth/logout → the end-session URL. */
  async logout(browser, key) {
    const res = await browser.post(`${this.apps[key]}/auth/logout`, this.logoutForm ? await this.logoutForm(browser, key) : undefined);
    if (res.status !== 302) throw new Error(`${this.name} /auth/logout answered ${res.status}`);
    return res.headers.get('location');
  }

  logoutBegin(browser, key) { return this.logout(browser, key); }

  /** The provider's redirect back to /auth/logout/callback → logged out (ok) or the error page. */
  async logoutFinish(browser, key, url) {
    const res = await browser.get(url);
    if (res.status === 302) {
      const location = res.headers.get('location');
      const me = await browser.get(`${this.apps[key]}/me`);
      return { ok: me.status === 401, status: 302, location, note: `/me ${me.status}` };
    }
    return { ok: false, status: res.status, code: shownCode(await res.text()) };
  }

  /** A login with `next` = row.next must end on the site. */
  async openRedirect(browser, row, login) {
    const { result } = await login(browser, row.next);
    const base = this.apps[row.provider];
    return { ...result, safe: result.ok && staysOnSite(result.location, base), shown: `${result.status} → ${result.location ?? result.code}` };
  }

  async home(key) { return fetch(`${this.apps[key]}/`); }
}

export class ExpressHost extends ContractHost {
  constructor() { super('Express'); }

  spawn(env, port) {
    // As bindings-node/test/harness.mjs startExample: `node examples/express/app.js`.
    return startLogged(`Express :${port}`, process.execPath, [path.join(ROOT, 'examples/express/app.js')], {
      env, ready: /listening on http:\/\/127\.0\.0\.1:\d+/, sink: this.lines,
    });
  }
}

export class DjangoHost extends ContractHost {
  constructor() {
    super('Django');
    this.dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-conformance-django-'));
  }

  spawn(env, port) {
    // As bindings-python/tests/harness.py example(): serve.py of the Django 5.2 venv, its own
    // SQLite database.
    const python = process.env.CONFORMANCE_PYTHON || path.join(BUILD, 'venv-django52', 'bin', 'python');
    return startLogged(`Django :${port}`, python, [path.join(ROOT, 'examples/django/serve.py')], {
      cwd: path.join(ROOT, 'examples/django'),
      env: {
        ...env,
        DJANGO_SETTINGS_MODULE: 'example.settings',
        GOUVCONNECT_EXAMPLE_DB: path.join(this.dbDir, `example-${port}.sqlite3`),
        PYTHONUNBUFFERED: '1',
      },
      ready: /listening on http:\/\/127\.0\.0\.1:\d+/,
      sink: this.lines,
    });
  }

  /** Django's logout is a POST form protected by its CSRF token. */
  async logoutForm(browser, key) {
    const home = await browser.get(`${this.apps[key]}/`);
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await home.text());
    if (!token) throw new Error('Django: no logout form on the home page');
    return { csrfmiddlewaretoken: token[1] };
  }

  async stop() {
    await super.stop();
    fs.rmSync(this.dbDir, { recursive: true, force: true });
  }
}

/** The Keycloak realm `gouvconnect` of examples/keycloak, with its public client `demo-app`. */
export class KeycloakHost {
  constructor() {
    this.name = 'Keycloak';
    this.lines = [];
    this.controlsStatus = false; // Keycloak's broker picks its error statuses itself.
    this.appRedirect = 'http://127.0.0.1:9/cb';
    this.appLogout = 'http://127.0.0.1:9/out';
    this.aliases = {
      pc: 'proconnect', psc: 'prosanteconnect', pc2: 'proconnect',
      fc: 'franceconnect', fcp: 'franceconnect-plus', fcp3: 'franceconnect-plus',
    };
  }

  async start(emulator) {
    this.emulator = emulator;
    const port = await freePort();
    const management = await freePort();
    this.kc = `http://127.0.0.1:${port}`;
    // As keycloak-ext/src/test/e2e/keycloak.test.mjs: examples/keycloak/run.sh in its own
    // process group; Keycloak's outgoing HTTP timeout shortened like the other hosts'.
    this.process = await startLogged('Keycloak', 'bash', [path.join(ROOT, 'examples/keycloak/run.sh')], {
      env: {
        PORT: String(port),
        KEYCLOAK_MANAGEMENT_PORT: String(management),
        GOUVCONNECT_PROVIDER: 'proconnect',
        GOUVCONNECT_ISSUER: CLIENTS.proconnect.issuer(emulator.base),
        GOUVCONNECT_CLIENT_ID: CLIENTS.proconnect.id,
        GOUVCONNECT_CLIENT_SECRET: CLIENTS.proconnect.secret,
        KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__SOCKET_TIMEOUT_MILLIS: String(TIMEOUT_SECS * 1000),
        KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__ESTABLISH_CONNECTION_TIMEOUT_MILLIS: String(TIMEOUT_SECS * 1000),
      },
      detached: true,
      sink: this.lines,
      ready: null,
    });
    await this.waitFor(`${this.kc}/realms/gouvconnect`, 300000);
    const api = await this.admin();
    // Both providers set through the admin API as well: Keycloak's home (and its realm import
    // file) is shared by every Keycloak started from this tree, so the imported values may be
    // another run's.
    this.clients = {
      proconnect: CLIENTS.proconnect, prosanteconnect: CLIENTS.prosanteconnect,
      franceconnect: CLIENTS.franceconnect, 'franceconnect-plus': CLIENTS.franceconnect_plus,
    };
    for (const [alias, client] of Object.entries(this.clients)) {
      const idp = await api('GET', `/identity-provider/instances/${alias}`);
      const keys = client.decryption_keys_file
        ? { gouvconnectDecryptionKeys: fs.readFileSync(path.join(ROOT, client.decryption_keys_file), 'utf8') } : {};
      await api('PUT', `/identity-provider/instances/${alias}`, { ...idp, enabled: true, config: { ...idp.config,
        clientId: client.id, clientSecret: client.secret, gouvconnectIssuer: client.issuer(emulator.base), gouvconnectAcr: '', ...keys } });
    }
    this.acrs = {};
  }

  /**
   * A realm allows one enabled instance per federation: rows that need a minimum acr (`pc2`,
   * `fcp3`) set it on that instance, the others clear it.
   */
  async prepare(key) {
    const alias = this.aliases[key];
    const acr = PROVIDERS[key].acr ?? '';
    if (!['proconnect', 'franceconnect-plus'].includes(alias) || acr === (this.acrs[alias] ?? '')) return;
    const api = await this.admin();
    const idp = await api('GET', `/identity-provider/instances/${alias}`);
    // The admin API masks secrets in what it returns: the secret is sent again.
    await api('PUT', `/identity-provider/instances/${alias}`, { ...idp, config: { ...idp.config,
      clientSecret: this.clients[alias].secret, gouvconnectAcr: acr } });
    this.acrs[alias] = acr;
  }

  async stop() { await this.process?.stop(); }

  async waitFor(url, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.child.exitCode !== null) throw new Error(`Keycloak exited: ${this.lines.slice(-20).join('\n')}`);
      try {
        if ((await fetch(url)).ok) return;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`${url} not ready after ${timeoutMs} ms`);
  }

  async admin() {
    const res = await fetch(`${this.kc}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' }),
    });
    const token = (await res.json()).access_token;
    return async (method, p, body) => {
      const r = await fetch(`${this.kc}/admin/realms/gouvconnect${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
      return r.status === 204 || r.status === 201 ? null : r.json();
    };
  }

  authUrl(key, redirectUri = this.appRedirect) {
    this.verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(this.verifier).digest('base64url');
    return `${this.kc}/realms/gouvconnect/protocol/openid-connect/auth?` + new URLSearchParams({
      client_id: 'demo-app', redirect_uri: redirectUri, response_type: 'code', scope: 'openid',
      kc_idp_hint: this.aliases[key], code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state',
    });
  }

  /** demo-app's authorization request → the provider's authorize URL (Keycloak's redirects followed). */
  async begin(browser, key) {
    let res = await browser.get(this.authUrl(key));
    for (let i = 0; i < 8 && res.status >= 300 && res.status < 400; i++) {
      const location = new URL(res.headers.get('location'), this.kc).href;
      if (location.startsWith(this.emulator.base)) return location;
      res = await browser.get(location);
    }
    throw new Error(`Keycloak did not send the browser to the provider (${res.status})`);
  }

  /** Follows Keycloak from the broker callback to demo-app (logged in) or to an error page. */
  async finish(browser, key, callbackUrl) {
    let res = await browser.get(callbackUrl);
    const first = res.status;
    for (let i = 0; i < 12; i++) {
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location'), this.kc).href;
        if (location.startsWith(this.appRedirect)) {
          const params = new URL(location).searchParams;
          if (params.get('code')) return { ok: true, status: first, location };
          return { ok: false, status: first, code: `kc:${params.get('error')}` };
        }
        if (!location.startsWith(this.kc)) return { ok: false, status: res.status, location, code: 'kc:left-site' };
        res = await browser.get(location);
        continue;
      }
      const html = await res.text();
      if (res.status === 200 && html.includes('login-idp-review-user-profile')) {
        // Keycloak's first-broker-login asks for what the provider did not send (PSC: email).
        res = await this.reviewProfile(browser, html);
        continue;
      }
      const code = shownCode(html);
      const message = /<span class="kc-feedback-text">([^<]*)</.exec(html)?.[1]
        ?? /id="kc-error-message"[\s\S]*?<p[^>]*>([^<]*)</.exec(html)?.[1];
      return { ok: false, status: res.status, code: code ?? `kc:${(message ?? 'page').trim().slice(0, 60)}` };
    }
    return { ok: false, status: res.status, code: 'kc:too-many-redirects' };
  }

  async reviewProfile(browser, html) {
    const action = /<form[^>]*id="kc-idp-review-profile-form"[^>]*action="([^"]+)"/.exec(html)
      ?? /<form[^>]*action="([^"]+)"/.exec(html);
    const form = {};
    for (const name of ['username', 'email', 'firstName', 'lastName']) {
      form[name] = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? '';
    }
    if (!form.email) form.email = `${form.username || 'user'}@exemple-sante.fr`.replace(/[^a-zA-Z0-9@._-]/g, '');
    return browser.post(action[1].replace(/&amp;/g, '&'), form);
  }

  callbackBase(key) { return `${this.kc}/realms/gouvconnect/broker/${this.aliases[key]}/endpoint`; }

  /** The id_token of a finished login (demo-app's code exchanged), for Keycloak's logout. */
  async idToken(location) {
    const res = await fetch(`${this.kc}/realms/gouvconnect/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'demo-app',
        code: new URL(location).searchParams.get('code'), redirect_uri: this.appRedirect, code_verifier: this.verifier }),
    });
    if (res.status !== 200) throw new Error(`Keycloak token endpoint answered ${res.status}`);
    return (await res.json()).id_token;
  }

  async home() { return fetch(`${this.kc}/realms/gouvconnect`, { redirect: 'manual' }); }

  /** Keycloak's logout of demo-app's session → the provider's end-session URL. */
  async logoutBegin(browser, key, loginResult) {
    const idToken = await this.idToken(loginResult.location);
    let res = await browser.get(`${this.kc}/realms/gouvconnect/protocol/openid-connect/logout?` + new URLSearchParams({
      id_token_hint: idToken, post_logout_redirect_uri: this.appLogout, client_id: 'demo-app' }));
    for (let i = 0; i < 8 && res.status >= 300 && res.status < 400; i++) {
      const location = new URL(res.headers.get('location'), this.kc).href;
      if (location.startsWith(this.emulator.base)) return location;
      res = await browser.get(location);
    }
    throw new Error(`Keycloak did not send the browser to end-session (${res.status})`);
  }

  /** The provider's redirect back to Keycloak's logout_response → demo-app's post-logout URI, or an error page. */
  async logoutFinish(browser, key, url) {
    let res = await browser.get(url);
    for (let i = 0; i < 8 && res.status >= 300 && res.status < 400; i++) {
      const location = new URL(res.headers.get('location'), this.kc).href;
      if (location.startsWith(this.appLogout)) return { ok: true, status: res.status, location };
      res = await browser.get(location);
    }
    const html = await res.text();
    const message = /<span class="kc-feedback-text">([^<]*)</.exec(html)?.[1]
      ?? /id="kc-error-message"[\s\S]*?<p[^>]*>([^<]*)</.exec(html)?.[1];
    return { ok: false, status: res.status, code: shownCode(html) ?? `kc:${(message ?? 'page').trim().slice(0, 60)}` };
  }

  /** demo-app's redirect_uri = row.next: Keycloak must refuse it rather than redirect anywhere. */
  async openRedirect(browser, row) {
    const res = await browser.get(this.authUrl(row.provider, row.next));
    const redirected = res.status >= 300 && res.status < 400;
    const html = redirected ? '' : await res.text();
    const message = /<span class="kc-feedback-text">([^<]*)</.exec(html)?.[1] ?? /<p[^>]*instruction[^>]*>([^<]*)</.exec(html)?.[1];
    return { ok: false, status: res.status, safe: !redirected && res.status >= 400,
      shown: redirected ? `${res.status} → ${res.headers.get('location')}` : `${res.status} ${(message ?? '').trim().slice(0, 50)}` };
  }
}

export { Browser };
