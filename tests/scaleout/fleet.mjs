// The scale-out fleet: a Redis server, two instances of an example app and a router in front of
// them that plays the load balancer. Every process binds 127.0.0.1 on a free port and is stopped
// at the end, even when a test fails or the runner dies.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLIENTS, ROOT, freePort } from '../../bindings-node/test/harness.mjs';

const running = new Set();
// Last resort when the runner exits without its `after` hooks (an uncaught error, a signal).
function killAll() {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/** Starts a process and resolves when its stdout matches `ready` (its output is kept for errors). */
async function startProcess(name, command, args, { env = {}, cwd, ready, timeoutMs = 30000 }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const output = [];
  child.stderr.on('data', (d) => output.push(String(d)));
  let stdout = '';
  try {
    const match = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms`)), timeoutMs);
      child.stdout.on('data', (d) => {
        stdout += String(d);
        const m = ready.exec(stdout);
        if (m) { clearTimeout(timer); resolve(m); }
      });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited with ${code}`)); });
      child.on('error', (error) => { clearTimeout(timer); reject(error); });
    });
    return { name, child, match, output, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child);
    error.message += `\n--- ${name} ---\n${stdout}${output.join('')}`;
    throw error;
  }
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), new Promise((r) => { setTimeout(r, 5000, false); })]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Debian's redis-server on a free loopback port, nothing written to disk, no password. */
export async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gouvconnect-redis-'));
  const redis = await startProcess('redis-server', 'redis-server', [
    '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no',
    '--dir', dir, '--daemonize', 'no',
  ], { ready: /Ready to accept connections/, timeoutMs: 15000 }).catch((error) => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    /** Whether `key` exists (through redis-cli, which Debian's redis-server package depends on). */
    async exists(key) {
      const { stdout } = await promisify(execFile)('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--raw', 'EXISTS', key]);
      return stdout.trim() === '1';
    },
    async stop() {
      await redis.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The load balancer of the test: one public base URL, each request sent to the instance named
 * by `use(name)`. Explicit routing, not round-robin, so that every step says which instance
 * serves it; each answer carries `x-scaleout-instance` so the tests check that it did.
 */
export async function startRouter() {
  const instances = new Map();
  let current = null;
  const server = http.createServer((req, res) => {
    const name = current;
    const upstream = http.request({
      host: '127.0.0.1', port: instances.get(name), method: req.method, path: req.url, headers: req.headers,
    }, (answer) => {
      res.writeHead(answer.statusCode, { ...answer.headers, 'x-scaleout-instance': name });
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`router: instance ${name} unreachable: ${error.message}`);
    });
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    add(name, port) { instances.set(name, port); },
    use(name) {
      if (!instances.has(name)) throw new Error(`no instance ${name}`);
      current = name;
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The contract's environment for an instance behind `publicBase` (one redirect URI for all). */
function contractEnv(emulatorBase, publicBase, port) {
  const client = CLIENTS.proconnect;
  return {
    GOUVCONNECT_PROVIDER: 'proconnect',
    GOUVCONNECT_ISSUER: client.issuer(emulatorBase),
    GOUVCONNECT_CLIENT_ID: client.id,
    GOUVCONNECT_CLIENT_SECRET: client.secret,
    GOUVCONNECT_BASE_URL: publicBase,
    PORT: String(port),
  };
}

const EXPRESS_APP = path.join(ROOT, 'examples/express/app.js');
const EXPRESS_READY = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * One instance of the Express example. Express 5 is the example as users run it (`node app.js`);
 * Express 4 is the same app through its exported `serve` with the binding's `express4` package.
 */
export async function startExpress(name, { version, emulatorBase, publicBase, redisUrl, secret }) {
  const port = await freePort();
  const env = { ...contractEnv(emulatorBase, publicBase, port), SESSION_SECRET: secret };
  if (redisUrl) env.GOUVCONNECT_REDIS_URL = redisUrl;
  const args = version === 5
    ? [EXPRESS_APP]
    : ['-e', `require(${JSON.stringify(EXPRESS_APP)}).serve(require(${JSON.stringify(path.join(ROOT, 'bindings-node/node_modules/express4'))}))`
      + '.catch((e) => { console.error(e.message); process.exit(1); })'];
  const instance = await startProcess(`express${version} ${name}`, process.execPath, args, { env, ready: EXPRESS_READY });
  return { ...instance, port };
}

const DJANGO_DIR = path.join(ROOT, 'examples/django');

/** One instance of the Django example (serve.py: migrate, check, waitress). */
export async function startDjango(name, { emulatorBase, publicBase, redisUrl, secret, database }) {
  const port = await freePort();
  const env = {
    ...contractEnv(emulatorBase, publicBase, port),
    DJANGO_SECRET_KEY: secret,
    GOUVCONNECT_EXAMPLE_DB: database,
    DJANGO_SETTINGS_MODULE: 'example.settings',
  };
  if (redisUrl) env.GOUVCONNECT_REDIS_URL = redisUrl;
  const python = path.resolve(process.env.GOUVCONNECT_DJANGO_PYTHON || path.join(ROOT, '.build/venv-django52/bin/python'));
  const instance = await startProcess(`django ${name}`, python, [path.join(DJANGO_DIR, 'serve.py')], {
    env, cwd: DJANGO_DIR, ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/, timeoutMs: 60000,
  });
  return { ...instance, port };
}
