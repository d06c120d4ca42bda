// Scale-out (tests/scaleout/README.md): two instances of each example share their sessions
// through Redis behind one public base URL; a login, a logout and the single use of a login's
// state hold across instances. Control: without the shared store the same steps fail.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Browser, USERS, startEmulator } from '../../bindings-node/test/harness.mjs';
import { startDjango, startExpress, startRedis, startRouter } from './fleet.mjs';

const AGENT_EMAIL = USERS.proconnect.agent.email;

let emulator;
let redis;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-scaleout-'));

before(async () => {
  emulator = await startEmulator();
  redis = await startRedis();
});

after(async () => {
  await Promise.allSettled([emulator?.stop(), redis?.stop()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const errorCode = (html) => /id="gouvconnect-error-code">([a-z_]+)</.exec(html)?.[1];

/** The Redis key of the browser's current session, per framework. */
const SESSION_KEYS = {
  // express-session's cookie is `s:<id>.<signature>`; connect-redis stores `<prefix><id>`.
  express: (browser, host) => {
    const cookie = browser.jar.get(host)?.get('connect.sid');
    if (!cookie) return null;
    const id = decodeURIComponent(cookie).slice(2).split('.')[0];
    return `gouvconnect-example:sess:${id}`;
  },
  // Django's cache session backend: `<KEY_PREFIX>:<version>:django.contrib.sessions.cache<key>`.
  django: (browser, host) => {
    const key = browser.jar.get(host)?.get('sessionid');
    return key ? `gouvconnect-example:1:django.contrib.sessions.cache${key}` : null;
  },
};

/** POST /auth/logout as the home page's form does (Django's form carries a CSRF token). */
async function postLogout(browser, base) {
  const home = await browser.get(`${base}/`);
  const html = await home.text();
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1];
  return browser.request(`${base}/auth/logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `${base}/` },
    body: token ? new URLSearchParams({ csrfmiddlewaretoken: token }).toString() : '',
  });
}

function copyOf(browser) {
  const copy = new Browser();
  for (const [host, cookies] of browser.jar) copy.jar.set(host, new Map(cookies));
  return copy;
}

/**
 * Starts a fleet (router + instances A and B made by `start(name, publicBase)`) for the tests of
 * a `describe`, stopped after them.
 */
function fleet(start) {
  const state = {};
  before(async () => {
    state.router = await startRouter();
    // One at a time: the Django instances migrate the same database at startup.
    for (const name of ['A', 'B']) {
      const instance = await start(name, state.router.base);
      state[name] = instance;
      state.router.add(name, instance.port);
    }
  });
  after(async () => {
    await Promise.allSettled([state.A?.stop(), state.B?.stop(), state.router?.stop()]);
  });
  return state;
}

/** GET through the router on `instance`, checking that this instance answered. */
async function getOn(state, browser, instance, pathOrUrl) {
  state.router.use(instance);
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : state.router.base + pathOrUrl;
  const res = await browser.get(url);
  assert.equal(res.headers.get('x-scaleout-instance'), instance);
  return res;
}

/** Login started on `startOn`; returns the callback URL the emulator sends the browser to. */
async function startLogin(state, browser, startOn, next = '/me') {
  const start = await getOn(state, browser, startOn, `/auth/login?next=${encodeURIComponent(next)}`);
  assert.equal(start.status, 302);
  const authorize = start.headers.get('location');
  assert.ok(authorize.startsWith(emulator.base), authorize);
  const callback = await browser.loginAt(authorize, emulator.base, 'agent');
  // One redirect URI for the whole fleet: the public base URL's.
  assert.ok(callback.startsWith(`${state.router.base}/auth/callback?`), callback);
  return callback;
}

async function meOn(state, browser, instance) {
  const res = await getOn(state, browser, instance, '/me');
  return { status: res.status, body: res.status === 200 ? await res.json() : await res.text() };
}

/** The four scale-out properties, for a fleet with a shared session store. */
function sharedSessionTests(state, framework) {
  const sessionKey = (browser) => SESSION_KEYS[framework](browser, new URL(state.router.base).host);
  const browser = new Browser();

  it('a login started on A completes on B; /me works on both', async () => {
    const callback = await startLogin(state, browser, 'A');
    assert.ok(await redis.exists(sessionKey(browser)), 'the pending login is in Redis');
    const done = await getOn(state, browser, 'B', callback);
    assert.equal(done.status, 302, await done.text());
    assert.equal(done.headers.get('location'), '/me', 'the `next` of the login started on A');
    assert.ok(await redis.exists(sessionKey(browser)), 'the signed-in session is in Redis');
    const onB = await meOn(state, browser, 'B');
    const onA = await meOn(state, browser, 'A');
    assert.equal(onB.status, 200);
    assert.equal(onA.status, 200);
    assert.equal(onB.body.email, AGENT_EMAIL);
    assert.deepEqual(onA.body, onB.body);
  });

  it('a logout on A is seen by B', async () => {
    const key = sessionKey(browser);
    assert.equal((await meOn(state, browser, 'B')).status, 200, 'signed in by the previous test');
    state.router.use('A');
    const out = await postLogout(browser, state.router.base);
    assert.equal(out.headers.get('x-scaleout-instance'), 'A');
    assert.equal(out.status, 302);
    const endSession = out.headers.get('location');
    assert.ok(endSession.startsWith(emulator.base), endSession);
    const back = await browser.get(endSession);
    assert.equal(back.status, 302);
    const logoutCallback = back.headers.get('location');
    assert.ok(logoutCallback.startsWith(`${state.router.base}/auth/logout/callback?`), logoutCallback);
    const ended = await getOn(state, browser, 'A', logoutCallback);
    assert.equal(ended.status, 302, await ended.text());
    assert.equal((await meOn(state, browser, 'B')).status, 401);
    assert.equal((await meOn(state, browser, 'A')).status, 401);
    assert.equal(await redis.exists(key), false, 'the signed-in session left Redis');
  });

  it('a callback replayed on B after its success on A is refused (single-use state)', async () => {
    const user = new Browser();
    const callback = await startLogin(state, user, 'A');
    // The cookie that carried the pending login, as an attacker who copied it would replay it.
    const before = copyOf(user);
    const done = await getOn(state, user, 'A', callback);
    assert.equal(done.status, 302, await done.text());
    for (const [who, replayer] of [['the same browser', user], ['the pre-login cookie', before]]) {
      const replay = await getOn(state, replayer, 'B', callback);
      const html = await replay.text();
      assert.equal(replay.status, 400, `${who}: ${html.slice(0, 300)}`);
      // The state's refusal, not the provider's refusal of a used code.
      assert.equal(errorCode(html), 'no_pending_login', who);
      assert.equal((await meOn(state, replayer, 'B')).status, replayer === user ? 200 : 401, who);
    }
  });
}

const SECRET = () => crypto.randomBytes(32).toString('hex');

for (const version of [5, 4]) {
  describe(`Express ${version}: two instances sharing Redis sessions`, () => {
    const secret = SECRET();
    const state = fleet((name, publicBase) => startExpress(name, {
      version, emulatorBase: emulator.base, publicBase, redisUrl: redis.url, secret,
    }));
    sharedSessionTests(state, 'express');
  });
}

describe('Django: two instances sharing Redis sessions (and the database)', () => {
  const secret = SECRET();
  const state = fleet((name, publicBase) => startDjango(name, {
    emulatorBase: emulator.base, publicBase, redisUrl: redis.url, secret, database: path.join(tmp, 'shared.sqlite3'),
  }));
  sharedSessionTests(state, 'django');
});

// The controls: the routing really splits the steps between two processes, so without a shared
// store the login started on A cannot complete on B (the tests above can fail).
describe('control: Express instances with their own in-memory sessions', () => {
  const secret = SECRET();
  const state = fleet((name, publicBase) => startExpress(name, {
    version: 5, emulatorBase: emulator.base, publicBase, redisUrl: null, secret,
  }));
  it('a login started on A does not complete on B', async () => {
    const browser = new Browser();
    const callback = await startLogin(state, browser, 'A');
    const res = await getOn(state, browser, 'B', callback);
    const html = await res.text();
    assert.equal(res.status, 400);
    assert.equal(errorCode(html), 'no_pending_login');
  });
});

describe('control: Django instances with their own sessions (no Redis, one database each)', () => {
  const secret = SECRET();
  const state = fleet((name, publicBase) => startDjango(name, {
    emulatorBase: emulator.base, publicBase, redisUrl: null, secret, database: path.join(tmp, `own-${name}.sqlite3`),
  }));
  it('a login started on A does not complete on B', async () => {
    const browser = new Browser();
    const callback = await startLogin(state, browser, 'A');
    const res = await getOn(state, browser, 'B', callback);
    const html = await res.text();
    assert.equal(res.status, 400);
    assert.equal(errorCode(html), 'no_pending_login');
  });
});
