// The conformance table (scenarios.mjs) against every host (hosts.mjs) over real HTTP, with the
// emulator as the provider. One test per row (all hosts must do what the row expects), the
// scenario × host report (printed and written to $BUILD/conformance/report.md), then the
// log-hygiene check: no value the emulator issued or received appears in any host's output.
//
// CONFORMANCE_HOSTS=Express,Django (comma-separated) runs a subset of hosts, e.g. without Keycloak.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browser, CLIENTS, ROOT, startEmulator } from '../../bindings-node/test/harness.mjs';
import { DjangoHost, ExpressHost, KeycloakHost, PROVIDERS, TIMEOUT_SECS } from './hosts.mjs';
import { SCENARIOS, STATUS } from './scenarios.mjs';

const HOST_NAMES = (process.env.CONFORMANCE_HOSTS || 'Django,Express,Keycloak').split(',').map((s) => s.trim());
const FACTORIES = { Django: () => new DjangoHost(), Express: () => new ExpressHost(), Keycloak: () => new KeycloakHost() };
// CONFORMANCE_ONLY=regex runs only the matching rows (while working on a host).
const ONLY = process.env.CONFORMANCE_ONLY ? new RegExp(process.env.CONFORMANCE_ONLY) : null;
const REPORT = path.join(process.env.BUILD || path.join(ROOT, '.build'), 'conformance', 'report.md');

let emulator;
const hosts = [];
const results = new Map(); // row id → host name → { result, pass }
const started = Date.now();

async function control(method, route, body) {
  const res = await fetch(`${emulator.base}/_emulator/${route}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status >= 300) throw new Error(`emulator ${method} ${route}: ${res.status} ${await res.text()}`);
  return res.status === 200 ? res.json() : null;
}

before(async () => {
  emulator = await startEmulator();
  // Keycloak first: it is by far the slowest to start; the apps start meanwhile.
  const ordered = [...HOST_NAMES].sort((a, b) => (b === 'Keycloak') - (a === 'Keycloak'));
  for (const name of ordered) hosts.push(FACTORIES[name]());
  const failures = (await Promise.allSettled(hosts.map((h) => h.start(emulator)))).filter((r) => r.status === 'rejected');
  if (failures.length) throw failures[0].reason;
  hosts.sort((a, b) => HOST_NAMES.indexOf(a.name) - HOST_NAMES.indexOf(b.name));
});

after(async () => {
  // Each host's output, for a look after a failure (.build is never committed).
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  for (const host of hosts) fs.writeFileSync(path.join(path.dirname(REPORT), `${host.name}.log`), host.lines.join('\n'));
  // Everything stops, even after a failure.
  await Promise.allSettled(hosts.map((h) => h.stop()));
  await emulator?.stop();
});

const clientOf = (row) => CLIENTS[PROVIDERS[row.provider].provider];

/** The emulator's side of a login: its page as `user`, or its immediate redirect back. */
async function atProvider(browser, authorizeUrl, user) {
  const page = await browser.get(authorizeUrl);
  if (page.status >= 300 && page.status < 400) return page.headers.get('location');
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}`);
  const action = /action="([^"]+)"/.exec(await page.text())[1].replace(/&amp;/g, '&');
  const back = await browser.post(new URL(action, emulator.base).href, { user });
  if (back.status < 300 || back.status >= 400) throw new Error(`emulator login answered ${back.status}`);
  return back.headers.get('location');
}

async function login(host, row, browser = new Browser(), next = undefined) {
  const authorize = await host.begin(browser, row.provider, next);
  const callback = await atProvider(browser, authorize, row.user);
  return { callback, result: await host.finish(browser, row.provider, callback), browser };
}

const withState = (url, state) => {
  const u = new URL(url);
  u.searchParams.set('state', state);
  return u.href;
};

/** Logout through the provider's end-session; `forge` replaces the state coming back. */
async function logout(host, row, browser, loginResult, forge) {
  const endSession = await host.logoutBegin(browser, row.provider, loginResult);
  const back = await browser.get(endSession);
  if (back.status < 300 || back.status >= 400) throw new Error(`end-session answered ${back.status}`);
  const returnUrl = back.headers.get('location');
  return host.logoutFinish(browser, row.provider, forge ? withState(returnUrl, 'forged') : returnUrl);
}

/** Runs one row on one host; returns what the host did. */
async function run(host, row) {
  const flow = row.flow || 'login';
  await host.prepare?.(row.provider);
  if (flow === 'no_pending') {
    return host.finish(new Browser(), row.provider, `${host.callbackBase(row.provider)}?code=not-a-code&state=not-a-state-0123456789abcdef`);
  }
  if (flow === 'open_redirect') return host.openRedirect(new Browser(), row, (b, n) => login(host, row, b, n));
  if (row.warm) {
    const warm = await login(host, row);
    if (!warm.result.ok) throw new Error(`warm-up login failed: ${JSON.stringify(warm.result)}`);
  }
  if (row.rotate) await control('POST', 'rotate-keys');
  if (row.fault) {
    await control('POST', 'faults', { fault: row.fault, client_id: clientOf(row).id, ...(row.delay ? { delay_secs: row.delay } : {}) });
  }
  try {
    if (flow === 'login') return (await login(host, row, new Browser(), row.next)).result;
    if (flow === 'hang') return await hang(host, row);
    const browser = new Browser();
    if (flow === 'forged_iss' || flow === 'drop_iss') {
      // The provider's genuine answer with an `iss` naming another issuer (RFC 9207 mix-up), or
      // without the `iss` the provider advertises.
      const authorize = await host.begin(browser, row.provider);
      const callback = new URL(await atProvider(browser, authorize, row.user));
      if (flow === 'forged_iss') callback.searchParams.set('iss', 'https://evil.example/api/v2');
      else callback.searchParams.delete('iss');
      return host.finish(browser, row.provider, callback.href);
    }
    if (flow === 'tampered_state' || flow === 'state_single_use') {
      const authorize = await host.begin(browser, row.provider);
      const callback = await atProvider(browser, authorize, row.user);
      const tampered = await host.finish(browser, row.provider, withState(callback, 'forged-state-0123456789abcdef0123456789'));
      if (flow === 'tampered_state') return tampered;
      return host.finish(browser, row.provider, callback);
    }
    const first = await login(host, row, browser);
    if (!first.result.ok) throw new Error(`login failed: ${JSON.stringify(first.result)}`);
    if (flow === 'replay') return host.finish(browser, row.provider, first.callback);
    if (flow === 'logout') return logout(host, row, browser, first.result, false);
    if (flow === 'logout_forged') return logout(host, row, browser, first.result, true);
    throw new Error(`unknown flow ${flow}`);
  } finally {
    if (row.fault) await control('DELETE', 'faults');
  }
}

/**
 * token_hang: the login fails within the configured timeout with the outage page, the host
 * answers another request meanwhile, and logs in again by itself once the fault is cleared.
 */
async function hang(host, row) {
  const browser = new Browser();
  const authorize = await host.begin(browser, row.provider);
  const callback = await atProvider(browser, authorize, row.user);
  const t0 = Date.now();
  const pending = host.finish(browser, row.provider, callback);
  await new Promise((r) => setTimeout(r, 500));
  const p0 = Date.now();
  const probe = await host.home(row.provider);
  const probeMs = Date.now() - p0;
  const result = await pending;
  result.elapsed = Date.now() - t0;
  result.probe = { status: probe.status, ms: probeMs };
  await control('DELETE', 'faults');
  result.recovered = (await login(host, row)).result.ok;
  result.extra = `${(result.elapsed / 1000).toFixed(1)} s; other request ${probe.status} in ${probeMs} ms; recovered ${result.recovered ? 'yes' : 'NO'}`;
  const bounded = result.elapsed <= (TIMEOUT_SECS + 3) * 1000;
  result.checks = bounded && probe.status < 500 && probeMs < 2000 && result.recovered;
  return result;
}

/** Whether `result` is what `row` expects on `host`. */
function conforms(row, host, result) {
  if (result.error) return false;
  if (host.name === 'Keycloak' && row.keycloakExpect) row = { ...row, expect: row.keycloakExpect, keycloak: undefined };
  if (result.checks === false) return false;
  if (row.expect.safe) return result.safe === true;
  if (row.expect.ok) {
    // Keycloak's own redirect is demo-app's redirect_uri: `next` is an app-host notion.
    return result.ok === true && (!row.expect.location || host.name === 'Keycloak' || result.location === row.expect.location);
  }
  if (result.ok) return false;
  if (host.name === 'Keycloak' && row.keycloak) return true; // refused by Keycloak's own rule
  if (result.code !== row.expect.code) return false;
  return !host.controlsStatus || result.status === STATUS[row.expect.code];
}

function expectation(row) {
  if (row.expect.safe) return 'stays on site';
  if (row.expect.ok) return row.expect.location ? `logged in → ${row.expect.location}` : 'logged in';
  return `${row.expect.code} ${STATUS[row.expect.code]}`;
}

function cell(host, row, entry) {
  if (!entry) return '—';
  const { result, pass } = entry;
  let text;
  if (result.error) text = `ERROR ${result.error}`;
  else if (row.expect.safe) text = result.safe ? `safe (${result.shown})` : `LEFT THE SITE (${result.shown})`;
  // Only a local path is shown: Keycloak's redirect to demo-app carries an authorization code.
  else if (result.ok) text = result.location?.startsWith('/') && row.expect.location ? `logged in → ${result.location}` : 'logged in';
  else text = `${result.code ?? 'no code shown'} ${result.status}`;
  if (result.extra) text += ` (${result.extra})`;
  return `${pass ? '✓' : '✗'} ${text}`.replace(/\|/g, '\\|');
}

for (const row of SCENARIOS) {
  test(row.id, { skip: ONLY && !ONLY.test(row.id) }, async () => {
    const byHost = new Map();
    results.set(row.id, byHost);
    for (const host of hosts) {
      let result;
      try {
        result = await run(host, row);
      } catch (error) {
        result = { error: String(error.message || error).split('\n')[0].slice(0, 120) };
        await control('DELETE', 'faults').catch(() => {});
      }
      byHost.set(host.name, { result, pass: conforms(row, host, result) });
    }
    const failed = [...byHost].filter(([, e]) => !e.pass).map(([h, e]) => `${h}: ${cell({ name: h }, row, e)}`);
    assert.deepEqual(failed, [], `expected ${expectation(row)}`);
  });
}

test('log hygiene: no issued secret in any host output', async () => {
  const { secrets } = await control('GET', 'issued');
  const values = [...new Set([...secrets, ...Object.values(CLIENTS).map((c) => c.secret)])].filter((s) => s.length >= 8);
  const leaks = [];
  let scanned = 0;
  for (const host of hosts) {
    for (const line of host.lines) {
      scanned++;
      const hit = values.find((v) => line.includes(v));
      if (hit) leaks.push(`${host.name}: …${line.slice(Math.max(0, line.indexOf(hit) - 80), line.indexOf(hit)).trim()} <${hit.length}-char secret>`);
    }
  }
  hygiene = { scanned, values: values.length, leaks, perHost: hosts.map((h) => `${h.name} ${h.lines.length}`) };
  assert.deepEqual(leaks, [], `${leaks.length} log lines carry a secret`);
});

let hygiene = null;

after(() => {
  const names = hosts.map((h) => h.name);
  const lines = [
    `| scenario | expected | ${names.join(' | ')} |`,
    `|---|---|${names.map(() => '---').join('|')}|`,
  ];
  let agreeing = 0;
  for (const row of SCENARIOS) {
    const byHost = results.get(row.id);
    if (!byHost) continue;
    const all = names.every((n) => byHost.get(n)?.pass);
    if (all) agreeing++;
    const note = row.keycloak ? ' ¹' : '';
    lines.push(`| ${row.id.replace(/\|/g, '\\|')}${note} | ${expectation(row)} | ${names.map((n) => cell({ name: n }, row, byHost.get(n))).join(' | ')} |`);
  }
  lines.push('');
  lines.push(`${agreeing}/${results.size} rows: every host as expected. ✓ = as expected (code, and status where the host chooses it: not Keycloak, whose broker answers its own statuses).`);
  lines.push('¹ Keycloak applies its own rule here (its broker state or redirect_uri checks): any refusal conforms; its message is shown.');
  if (hygiene) {
    lines.push(`Log hygiene: ${hygiene.scanned} lines scanned (${hygiene.perHost.join(', ')}) for ${hygiene.values} issued values: ${hygiene.leaks.length ? `${hygiene.leaks.length} LEAKS` : 'no leak'}.`);
    for (const leak of hygiene.leaks.slice(0, 20)) lines.push(`  - ${leak}`);
  }
  lines.push(`Run time: ${Math.round((Date.now() - started) / 1000)} s.`);
  const report = lines.join('\n') + '\n';
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, report);
  console.log(`\n${report}`);
});
