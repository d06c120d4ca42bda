// `make test-dist`: the artifacts of dist/ installed the way a new user would, on a machine
// without a Rust toolchain (cargo, rustc, maturin and rustup are taken off PATH), each used as
// its README says and logged in against the emulator over real HTTP:
//   - the wheel in a fresh venv of every CPython 3.10–3.13 found (pyenv), then a brand-new
//     Django project (`django-admin startproject`) set up with bindings-python/README.md's snippet;
//   - the npm tarballs in a brand-new Express app (`npm init -y`) running bindings-node/README.md's
//     app.js; and the main tarball alone (no prebuilt package, no cargo) failing with a message
//     that names the platform;
//   - the jar in a clean Keycloak's providers/ (its own copy, ports and data), one ProConnect login.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, CLIENTS, ROOT, freePort, fullLogin, startEmulator } from '../../bindings-node/test/harness.mjs';

const BUILD = process.env.BUILD || path.join(ROOT, '.build');
const DIST = path.join(ROOT, 'dist');
const WORK = path.join(BUILD, 'dist-test');
const USER = 'agent';
const PC = CLIENTS.proconnect;

// ---------------------------------------------------------------------------------------------
// A PATH without the Rust toolchain.
const RUST_TOOLS = ['cargo', 'rustc', 'maturin', 'rustup'];
const PATH_NO_RUST = (process.env.PATH || '').split(':')
  .filter((dir) => dir && !RUST_TOOLS.some((tool) => fs.existsSync(path.join(dir, tool))))
  .join(':');
const ENV = { ...process.env, PATH: PATH_NO_RUST };
for (const name of ['CARGO', 'RUSTC', 'RUSTUP_HOME', 'CARGO_HOME', 'VIRTUAL_ENV', 'PYTHONPATH']) delete ENV[name];
ENV.PIP_CACHE_DIR = path.join(BUILD, 'pip-cache');
ENV.PIP_DISABLE_PIP_VERSION_CHECK = '1';
ENV.npm_config_cache = path.join(BUILD, 'npm-cache');

const started = Date.now();
const timings = [];
function timed(label, since) {
  timings.push(`${label}: ${((Date.now() - since) / 1000).toFixed(1)}s`);
}

/** Runs a command to completion (no Rust on PATH); returns stdout, throws with the output on failure. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: ENV, maxBuffer: 64 << 20, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return options.allowFailure ? result : result.stdout;
}

/** A server process (its own group, so that its children stop with it); logs kept for failures. */
function startServer(command, args, options) {
  const child = spawn(command, args, { env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  const logs = [];
  child.stdout.on('data', (d) => logs.push(String(d)));
  child.stderr.on('data', (d) => logs.push(String(d)));
  return {
    child,
    logs: () => logs.join('').slice(-4000),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
      const deadline = Date.now() + 20000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    },
  };
}

async function waitForHttp(url, server, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited ${server.child.exitCode}:\n${server.logs()}`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms:\n${server.logs()}`);
}

function artifact(pattern) {
  const found = fs.readdirSync(DIST).filter((f) => pattern.test(f));
  assert.equal(found.length, 1, `one ${pattern} in dist/ (found: ${found.join(', ') || 'none'}); run make dist`);
  return path.join(DIST, found[0]);
}

/** The fenced code blocks of `lang` in the section of a README whose heading matches `heading`. */
function readmeBlocks(file, heading, lang) {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const start = text.search(heading);
  assert.ok(start >= 0, `${file}: no section ${heading}`);
  const next = text.slice(start + 1).search(/^## /m);
  const section = next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
  const blocks = [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
  assert.ok(blocks.length, `${file}: no \`\`\`${lang} block under ${heading}`);
  return blocks;
}

/** Replaces `from` (which must be there: the README changed otherwise) in a snippet. */
function patch(snippet, from, to, what) {
  assert.ok(snippet.includes(from), `the README's ${what} no longer contains ${JSON.stringify(from)}`);
  return snippet.replace(from, to);
}

let emulator;
before(async () => {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  const which = spawnSync('sh', ['-c', `command -v ${RUST_TOOLS.join(' ')}`], { env: ENV, encoding: 'utf8' });
  assert.equal(which.stdout.trim(), '', `Rust tools still on PATH: ${which.stdout}`);
  console.log(`# test-dist: PATH without ${RUST_TOOLS.join(', ')}: ${PATH_NO_RUST}`);
  emulator = await startEmulator();
});

after(async () => {
  await emulator?.stop();
  console.log(`# test-dist timings: ${timings.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)}s`);
});

test('dist/ passes its checks (glibc ≤ 2.28 symbol versions, stripped, manylinux, contents)', () => {
  const since = Date.now();
  const out = run('bash', [path.join(ROOT, 'scripts/dist/check.sh'), DIST], { env: { ...ENV, BUILD } });
  console.log(out.trimEnd().split('\n').map((l) => `# ${l}`).join('\n'));
  const sums = run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: DIST });
  assert.match(sums, /OK/);
  timed('checks', since);
});

// ---------------------------------------------------------------------------------------------
// Python: the wheel on every CPython 3.10–3.13 the machine has, each with a new Django project.
const PYENV = path.join(process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv'), 'versions');

function findPython(minor) {
  const versions = fs.existsSync(PYENV)
    ? fs.readdirSync(PYENV).filter((v) => new RegExp(`^3\\.${minor}\\.\\d+$`).test(v))
      .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
    : [];
  if (versions.length) return path.join(PYENV, versions.at(-1), 'bin', 'python');
  const onPath = spawnSync('sh', ['-c', `command -v python3.${minor}`], { env: ENV, encoding: 'utf8' }).stdout.trim();
  return onPath || null;
}

/**
 * `(file, mode, code)` of every quick-start block of a README, the convention of
 * bindings-python/tests/test_quickstart.py: `<!-- quickstart file="…" mode="append|replace" -->`
 * followed by a fenced block.
 */
function quickstartBlocks(readme) {
  const text = fs.readFileSync(path.join(ROOT, readme), 'utf8');
  const re = /<!-- quickstart file="([^"]+)" mode="(append|replace)" -->\s*```[a-z]*\n([\s\S]*?)```/g;
  const blocks = [...text.matchAll(re)].map((m) => ({ file: m[1], mode: m[2], code: m[3] }));
  assert.ok(blocks.length, `${readme}: no quick-start block`);
  return blocks;
}

async function djangoLogin(python, label) {
  const dir = path.join(WORK, `python-${label}`);
  const venv = path.join(dir, 'venv');
  const project = path.join(dir, 'project');
  const bin = (name) => path.join(venv, 'bin', name);
  let since = Date.now();
  run(python, ['-m', 'venv', venv]);
  // Binaries only: nothing may be compiled (and there is no compiler for gouvconnect anyway).
  run(bin('pip'), ['install', '-q', '--only-binary=:all:', artifact(/^gouvconnect-.*\.whl$/), 'Django>=5.2,<5.3']);
  const version = run(bin('python'), ['-c', [
    'import platform, gouvconnect, gouvconnect._native as n',
    'from importlib.metadata import version',
    'print(platform.python_version(), "gouvconnect", version("gouvconnect"), n.__file__.rsplit("/", 1)[-1])',
  ].join('\n')]).trim();
  console.log(`# CPython ${label}: ${version}`);
  timed(`CPython ${label} venv+install`, since);

  // bindings-python/README.md's quick start in `django-admin startproject mysite`, the emulator
  // as issuer (the one substitution the README tells).
  since = Date.now();
  fs.mkdirSync(project);
  run(bin('django-admin'), ['startproject', 'mysite', project]);
  for (const { file, mode, code } of quickstartBlocks('bindings-python/README.md')) {
    const target = path.join(project, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, mode === 'append' ? `${fs.readFileSync(target, 'utf8')}\n${code}` : code);
  }
  const settings = path.join(project, 'mysite', 'settings.py');
  fs.writeFileSync(settings, patch(fs.readFileSync(settings, 'utf8'), '"environment": "integration"',
    `"issuer": "${PC.issuer(emulator.base)}"`, 'Django quick start'));
  const env = { ...ENV, PROCONNECT_CLIENT_ID: PC.id, PROCONNECT_CLIENT_SECRET: PC.secret, DJANGO_SETTINGS_MODULE: 'mysite.settings' };
  const manage = path.join(project, 'manage.py');
  run(bin('python'), [manage, 'migrate', '--no-input', '-v', '0'], { env, cwd: project });
  run(bin('python'), [manage, 'check', '--fail-level', 'WARNING'], { env, cwd: project });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = startServer(bin('python'), [manage, 'runserver', '--noreload', `127.0.0.1:${port}`], { env, cwd: project });
  try {
    await waitForHttp(`${base}/`, server, 30000);
    const browser = new Browser();
    const home = await browser.get(`${base}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /gouvconnect-button--proconnect/, 'the README template shows the ProConnect button');
    // @login_required → LOGIN_URL (the gouvconnect login, next kept) → the emulator → back.
    const privatePage = await browser.get(`${base}/private/`);
    assert.equal(privatePage.status, 302);
    const callback = await fullLogin(browser, base, emulator.base, USER, privatePage.headers.get('location'));
    assert.equal(callback.status, 302, `callback: ${callback.status} ${await callback.text()}\n${server.logs()}`);
    assert.equal(callback.headers.get('location'), '/private/');
    const page = await browser.get(`${base}/private/`);
    assert.equal(page.status, 200, server.logs());
    const text = (await page.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    const signedIn = /Connecté : ([^<(]+\([^)]+\))/.exec(text);
    assert.ok(signedIn, `the signed-in user on /private/: ${text.slice(0, 300)}`);
    const django = run(bin('python'), ['-c', 'import django; print(django.get_version())']).trim();
    console.log(`# CPython ${label}: Django ${django}, ${signedIn[0].trim()}`);
  } finally {
    await server.stop();
  }
  timed(`CPython ${label} Django login`, since);
}

for (const minor of [10, 11, 12, 13]) {
  const python = findPython(minor);
  if (!python) {
    console.log(`# skip: CPython 3.${minor} is not installed here (pyenv or python3.${minor} on PATH)`);
    test(`wheel on CPython 3.${minor}`, { skip: `CPython 3.${minor} not installed` }, () => {});
    continue;
  }
  test(`wheel on CPython 3.${minor} (${python}): fresh venv, new Django project, ProConnect login`, () =>
    djangoLogin(python, `3.${minor}`));
}

// ---------------------------------------------------------------------------------------------
// Node: the two tarballs in a new Express app; the main tarball alone fails naming the platform.
test('npm tarballs in a new Express app (README app.js): ProConnect login', async () => {
  let since = Date.now();
  const dir = path.join(WORK, 'express-app');
  fs.mkdirSync(dir, { recursive: true });
  run('npm', ['init', '-y'], { cwd: dir });
  // The README's `npm install …` line, gouvconnect being the two tarballs.
  const readme = fs.readFileSync(path.join(ROOT, 'bindings-node/README.md'), 'utf8');
  // The install line of the quick start (the README's prose may name `npm install` earlier).
  const quickStart = readme.slice(readme.search(/^## Express quick start$/m));
  const packages = /npm install ((?:[a-z@][\w@./-]*[ \t]?)+)/.exec(quickStart)[1].trim().split(/\s+/);
  assert.ok(packages.includes('gouvconnect'), `the README installs ${packages}`);
  const tarballs = [artifact(/^gouvconnect-\d.*\.tgz$/), artifact(/^gouvconnect-linux-x64-gnu-.*\.tgz$/)];
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error',
    ...packages.flatMap((p) => (p === 'gouvconnect' ? tarballs : [p]))], { cwd: dir });
  // The addon is the prebuilt package's: nothing was built inside gouvconnect.
  const installed = path.join(dir, 'node_modules', 'gouvconnect');
  assert.deepEqual(fs.readdirSync(installed).filter((f) => f.endsWith('.node')), []);
  assert.ok(fs.existsSync(path.join(dir, 'node_modules', 'gouvconnect-linux-x64-gnu', 'gouvconnect.linux-x64-gnu.node')));
  timed('npm install', since);

  since = Date.now();
  let app = readmeBlocks('bindings-node/README.md', /^## Express quick start$/m, 'js')[0];
  app = patch(app, "environment: 'integration',", 'issuer: process.env.TEST_ISSUER,', 'Express quick start');
  fs.writeFileSync(path.join(dir, 'app.js'), app);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = startServer(process.execPath, ['app.js'], {
    cwd: dir,
    env: { ...ENV, PORT: String(port), BASE_URL: base, SESSION_SECRET: crypto.randomBytes(24).toString('hex'),
      PROCONNECT_CLIENT_ID: PC.id, PROCONNECT_CLIENT_SECRET: PC.secret, TEST_ISSUER: PC.issuer(emulator.base) },
  });
  try {
    await waitForHttp(`${base}/`, server, 20000);
    const browser = new Browser();
    assert.match(await (await browser.get(`${base}/`)).text(), /ProConnect/);
    const callback = await fullLogin(browser, base, emulator.base, USER);
    assert.equal(callback.status, 302, `callback: ${callback.status} ${await callback.text()}\n${server.logs()}`);
    const me = await browser.get(`${base}/me`);
    assert.equal(me.status, 200, server.logs());
    const identity = await me.json();
    assert.equal(identity.provider, 'proconnect');
    console.log(`# Express ${run(process.execPath, ['-p', 'require("express/package.json").version'], { cwd: dir }).trim()}, `
      + `Node ${process.version}: logged in ${identity.email} (sub ${identity.sub})`);
  } finally {
    await server.stop();
  }
  timed('Express login', since);
});

test('npm: the main tarball without its prebuilt package and without cargo fails, naming the platform', () => {
  const since = Date.now();
  const dir = path.join(WORK, 'express-no-prebuilt');
  fs.mkdirSync(dir, { recursive: true });
  run('npm', ['init', '-y'], { cwd: dir });
  const result = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=optional',
    '--foreground-scripts', artifact(/^gouvconnect-\d.*\.tgz$/)], { cwd: dir, allowFailure: true });
  const output = result.stdout + result.stderr;
  if (result.status === 0) {
    // A package manager that skipped the install script: the loader must say the same at require().
    const load = run(process.execPath, ['-e', 'require("gouvconnect")'], { cwd: dir, allowFailure: true });
    assert.notEqual(load.status, 0);
    assert.match(load.stderr, /no native addon for this platform \(linux-x64-gnu\)/);
  } else {
    assert.match(output, /cannot install on this platform \(linux-x64-gnu\)/, output);
    assert.match(output, /no Rust toolchain \(cargo\)/);
    console.log(`# npm install without the prebuilt package and without cargo: ${/cannot install[^\n]*/.exec(output)[0].slice(0, 160)}…`);
  }
  timed('npm without prebuilt', since);
});

test('npm: the main tarball without its prebuilt package, WITH cargo, builds the addon from its sources', () => {
  const since = Date.now();
  const dir = path.join(WORK, 'express-from-source');
  fs.mkdirSync(dir, { recursive: true });
  run('npm', ['init', '-y'], { cwd: dir });
  // The one install that may see cargo; a target directory of its own (the shared one's
  // target/release/libgouvconnect_node.so is the repository's build).
  const targetDir = path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'dist', 'from-source');
  const env = { ...ENV, PATH: process.env.PATH, CARGO_TARGET_DIR: targetDir };
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=optional', '--loglevel=error',
    artifact(/^gouvconnect-\d.*\.tgz$/)], { cwd: dir, env });
  const installed = path.join(dir, 'node_modules', 'gouvconnect');
  assert.ok(fs.existsSync(path.join(installed, 'gouvconnect.linux-x64-gnu.node')), 'install.js built the addon');
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'gouvconnect-linux-x64-gnu')));
  const url = run(process.execPath, ['-e', `
    const { Client } = require('gouvconnect');
    const c = Client.offline({ provider: 'proconnect', environment: 'integration', client_id: 'x',
      client_secret: 'y', redirect_uri: 'https://app.example/auth/callback' });
    console.log(c.beginLogin().url);`], { cwd: dir, env: ENV }).trim();
  assert.match(url, /^https:\/\/[^/]+\/api\/v2\/authorize\?response_type=code&client_id=x&/);
  timed('npm from source', since);
});

// ---------------------------------------------------------------------------------------------
// Keycloak: a clean server from the cached distribution, the jar in providers/, one login.
test('Keycloak jar in a clean Keycloak providers/: ProConnect login', { timeout: 600000 }, async () => {
  let since = Date.now();
  const kcVersion = /<keycloak\.version>([^<]+)</.exec(fs.readFileSync(path.join(ROOT, 'keycloak-ext/pom.xml'), 'utf8'))[1];
  const zip = path.join(BUILD, 'keycloak', `keycloak-quarkus-dist-${kcVersion}.zip`);
  if (!fs.existsSync(zip)) {
    // The same cache as examples/keycloak/run.sh (Maven Central).
    run('mvn', ['-B', '-q', `-Dmaven.repo.local=${path.join(BUILD, 'm2')}`, 'dependency:copy',
      `-Dartifact=org.keycloak:keycloak-quarkus-dist:${kcVersion}:zip`, `-DoutputDirectory=${path.join(BUILD, 'keycloak')}`]);
  }
  const kcRoot = path.join(WORK, 'keycloak');
  fs.mkdirSync(kcRoot, { recursive: true });
  run('unzip', ['-q', zip, '-d', kcRoot]);
  const home = path.join(kcRoot, `keycloak-${kcVersion}`);
  const jar = artifact(/^gouvconnect-keycloak-.*\.jar$/);
  fs.copyFileSync(jar, path.join(home, 'providers', path.basename(jar)));

  // The example realm (examples/keycloak), its ProConnect provider pointing at the emulator.
  const values = {
    PROCONNECT: { ENABLED: 'true', CLIENT_ID: PC.id, CLIENT_SECRET: PC.secret, ENVIRONMENT: '', ISSUER: PC.issuer(emulator.base), ACR: '' },
    PSC: { ENABLED: 'false', CLIENT_ID: '', CLIENT_SECRET: '', ENVIRONMENT: '', ISSUER: '', ACR: '' },
    FC: { ENABLED: 'false', CLIENT_ID: '', CLIENT_SECRET: '', ENVIRONMENT: '', ISSUER: '', ACR: '' },
    FCP: { ENABLED: 'false', CLIENT_ID: '', CLIENT_SECRET: '', ENVIRONMENT: '', ISSUER: '', ACR: '', DECRYPTION_KEYS: '' },
  };
  let realm = fs.readFileSync(path.join(ROOT, 'examples/keycloak/realm.template.json'), 'utf8');
  for (const [prefix, entries] of Object.entries(values)) {
    for (const [key, value] of Object.entries(entries)) {
      realm = realm.replaceAll(`@${prefix}_${key}@`, key === 'ENABLED' ? value : JSON.stringify(value).slice(1, -1));
    }
  }
  JSON.parse(realm);
  fs.mkdirSync(path.join(home, 'data', 'import'), { recursive: true });
  fs.writeFileSync(path.join(home, 'data', 'import', 'gouvconnect-realm.json'), realm);

  const port = await freePort();
  const management = await freePort();
  const kc = `http://127.0.0.1:${port}`;
  const server = startServer(path.join(home, 'bin', 'kc.sh'), ['start-dev', '--http-host=127.0.0.1', `--http-port=${port}`,
    `--http-management-port=${management}`, '--import-realm'], {
    cwd: home,
    env: { ...ENV, KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: 'admin' },
  });
  try {
    await waitForHttp(`${kc}/realms/gouvconnect`, server, 300000);
    timed('Keycloak start', since);
    since = Date.now();
    const redirect = 'http://127.0.0.1:9/cb';
    const verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const browser = new Browser();
    let res = await browser.get(`${kc}/realms/gouvconnect/protocol/openid-connect/auth?${new URLSearchParams({
      client_id: 'demo-app', redirect_uri: redirect, response_type: 'code', scope: 'openid', kc_idp_hint: 'proconnect',
      code_challenge: challenge, code_challenge_method: 'S256', state: 'app-state' })}`);
    let code = null;
    for (let i = 0; i < 12 && res.status >= 300 && res.status < 400; i++) {
      const location = new URL(res.headers.get('location'), kc).href;
      if (location.startsWith(redirect)) {
        code = new URL(location).searchParams.get('code');
        break;
      }
      res = location.startsWith(emulator.base)
        ? await browser.get(await browser.loginAt(location, emulator.base, USER))
        : await browser.get(location);
    }
    assert.ok(code, `no code back from Keycloak (${res.status}): ${(await res.text()).slice(0, 500)}\n${server.logs()}`);
    const token = await fetch(`${kc}/realms/gouvconnect/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'demo-app', code,
        redirect_uri: redirect, code_verifier: verifier }),
    });
    assert.equal(token.status, 200, await token.clone().text());
    const claims = JSON.parse(Buffer.from((await token.json()).access_token.split('.')[1], 'base64url'));
    assert.ok(claims.email || claims.preferred_username, JSON.stringify(claims));
    console.log(`# Keycloak ${kcVersion} with ${path.basename(jar)}: logged in ${claims.email || claims.preferred_username}`);
    timed('Keycloak login', since);
  } finally {
    await server.stop();
  }
});
