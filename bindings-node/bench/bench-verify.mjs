// `make bench-micro` (Node part): one callback verification through the gouvconnect addon, side
// by side with `jose` doing the same work, and the floor (the two raw signature checks with
// node:crypto and KeyObjects created beforehand).
//
// The same work for every contender, on the shared vectors (fixed keys, tokens and `now`): parse
// the pending login and the token response; verify the id_token (signature with the JWKS key named
// by `kid`, iss, aud, azp, exp, iat with 30 s leeway, nonce); verify the signed userinfo JWT
// (signature, iss, aud) and that its `sub` equals the id_token's; build the identity (docs/architecture.md §4).
// Each peer's identity is checked once against the vector's expected identity.
//
// Rounds are interleaved (rotating order) so a shared machine's noise hits every contender alike;
// medians over the rounds are reported with the spread (min–max).
//
// Usage: node bench-verify.mjs <dir holding node_modules/jose> [core medians file]
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
// ProConnect's acr values that mean a multi-factor login (docs/architecture.md §4).
const MFA_ACR = new Set(['eidas0-mfa', 'eidas1-mfa', 'eidas2', 'eidas3']);
const require = createRequire(import.meta.url);
const gouvconnect = require('..');
const peersDir = process.argv[2];
const josePkg = path.join(peersDir, 'node_modules/jose');
const jose = await import(pathToFileURL(path.join(josePkg, 'dist/webapi/index.js')));
const joseVersion = JSON.parse(fs.readFileSync(path.join(josePkg, 'package.json'), 'utf8')).version;

const ROUNDS = 9;
const ROUND_MS = 120;
const LEEWAY = 30;
const VECTORS = { ES256: 'pc_es256', RS256: 'pc_rs256_full_claims' };

const load = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/vectors', `${name}.json`), 'utf8'));

// The identity as the core builds it for ProConnect (core/src/claims.rs `normalise`).
function normalise(idClaims, userinfo) {
  const text = (claims, name) => (typeof claims[name] === 'string' && claims[name].trim() ? claims[name] : null);
  const get = (name) => text(userinfo, name) ?? text(idClaims, name);
  const boolLike = (v) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null);
  const custom = userinfo.custom && typeof userinfo.custom === 'object' ? { ...userinfo.custom } : {};
  let emailVerified = boolLike(userinfo.email_verified ?? idClaims.email_verified);
  if (emailVerified === null) emailVerified = boolLike(custom.email_verified);
  const siret = get('siret');
  const matricule = get('chorusdt:matricule');
  const societe = get('chorusdt:societe');
  const roles = userinfo.roles ?? idClaims.roles ?? [];
  const amr = (idClaims.amr ?? []).filter((a) => typeof a === 'string');
  return {
    provider: 'proconnect',
    sub: idClaims.sub,
    email: get('email'),
    email_verified: emailVerified,
    given_name: get('given_name'),
    family_name: get('usual_name') ?? get('family_name'),
    acr: text(idClaims, 'acr'),
    amr,
    // Whether this login used MFA (docs/architecture.md §4): ProConnect's MFA levels or `mfa`.
    mfa: MFA_ACR.has(text(idClaims, 'acr')) || amr.includes('mfa'),
    proconnect: {
      uid: get('uid'),
      siret: siret ? siret.replace(/\s/g, '') : null,
      siren: get('siren'),
      organizational_unit: get('organizational_unit'),
      organization_label: get('organization_label'),
      belonging_population: get('belonging_population'),
      phone_number: get('phone_number'),
      roles: roles.filter((r) => typeof r === 'string'),
      chorusdt: matricule || societe ? { matricule, societe } : null,
      idp_id: get('idp_id'),
      idp_acr: get('idp_acr'),
      custom,
    },
    prosanteconnect: null,
    raw: { id_token: idClaims, userinfo },
  };
}

function b64(s) {
  return Buffer.from(s, 'base64url');
}

function prepare(alg, vector) {
  const { config, now } = vector;
  const pending = JSON.stringify(vector.pending);
  const tokenResponse = JSON.stringify(vector.token_response);
  const contentType = vector.userinfo.content_type;
  const body = vector.userinfo.body;
  const sigKeys = vector.jwks.keys.filter((k) => (k.use ?? 'sig') === 'sig');

  const client = gouvconnect.Client.offline(config);
  client.setJwks(vector.jwks);
  const ours = () => client.finishLogin(pending, tokenResponse, contentType, body, now).identity;

  // jose: the idiomatic local key set (kid selection, imported keys cached inside).
  const keySet = jose.createLocalJWKSet({ keys: sigKeys });
  const currentDate = new Date(now * 1000);
  const opts = { issuer: config.issuer, audience: config.client_id, algorithms: [alg], currentDate, clockTolerance: LEEWAY };
  const peer = async () => {
    const { nonce } = JSON.parse(pending);
    const tokens = JSON.parse(tokenResponse);
    const { payload: claims } = await jose.jwtVerify(tokens.id_token, keySet, { ...opts, requiredClaims: ['exp', 'iat', 'sub', 'nonce'] });
    if (claims.azp !== undefined && claims.azp !== config.client_id) throw new Error('azp');
    if (claims.nonce !== nonce) throw new Error('nonce');
    if (contentType.split(';')[0].trim() !== 'application/jwt') throw new Error('userinfo content type');
    const { payload: info } = await jose.jwtVerify(body, keySet, opts);
    if (info.sub !== claims.sub) throw new Error('sub');
    return normalise(claims, info);
  };

  // The floor: KeyObject and signatures decoded beforehand; only the two verifications timed.
  const kid = JSON.parse(b64(vector.token_response.id_token.split('.')[0]).toString()).kid;
  const keyObject = crypto.createPublicKey({ key: sigKeys.find((k) => k.kid === kid), format: 'jwk' });
  const inputs = [vector.token_response.id_token, body].map((t) => {
    const i = t.lastIndexOf('.');
    return [Buffer.from(t.slice(0, i)), b64(t.slice(i + 1))];
  });
  const key = alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject;
  const floor = () => {
    for (const [data, sig] of inputs) {
      if (!crypto.verify('sha256', data, key, sig)) throw new Error('floor signature');
    }
  };
  return { ours, peer, floor, expected: vector.expected.identity };
}

// The process's CPU time (µs): other builds on the shared machine do not inflate it, and work a
// contender hands to other threads (WebCrypto runs on libuv's pool) is still counted.
const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

// CPU µs per call over at least `ms` of CPU time (awaits when the contender is async).
async function measure(fn, ms, isAsync) {
  const start = cpuUs();
  let count = 0;
  for (;;) {
    if (isAsync) for (let i = 0; i < 20; i++) await fn();
    else for (let i = 0; i < 20; i++) fn();
    count += 20;
    const t = cpuUs();
    if (t - start >= ms * 1e3) return (t - start) / count;
  }
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function coreMedians(file) {
  if (!file || !fs.existsSync(file)) return {};
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [alg, core, floor] = line.trim().split(/\s+/);
    if (alg) out[alg] = [Number(core), Number(floor)];
  }
  return out;
}

const core = coreMedians(process.argv[3]);
console.log(`Node ${process.version} (OpenSSL ${process.versions.openssl}): gouvconnect addon, jose ${joseVersion}`);
console.log(`${ROUNDS} interleaved rounds of ${ROUND_MS}ms CPU per contender; medians (min–max) of process CPU µs/op`);
for (const [alg, name] of Object.entries(VECTORS)) {
  const c = prepare(alg, load(name));
  assert.deepStrictEqual(c.ours(), c.expected, `gouvconnect identity on ${name}`);
  assert.deepStrictEqual(await c.peer(), c.expected, `jose identity on ${name}`);
  const contenders = [
    ['gouvconnect (addon)', c.ours, false],
    [`jose ${joseVersion}`, c.peer, true],
    ['floor: 2 sig checks (node:crypto)', c.floor, false],
  ];
  for (const [, fn, a] of contenders) await measure(fn, ROUND_MS / 2, a);
  const samples = contenders.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      samples[i].push(await measure(contenders[i][1], ROUND_MS, contenders[i][2]));
    }
  }
  const med = samples.map(median);
  console.log(`\n${alg} (${name}): id_token + signed userinfo + claims + identity`);
  console.log(`${'contender'.padEnd(36)} ${'µs/op'.padStart(9)} ${'spread µs'.padStart(17)} ${'ops/s'.padStart(9)} ${'ours ×faster'.padStart(13)}`);
  contenders.forEach(([label], i) => {
    const spread = `${Math.min(...samples[i]).toFixed(1)}–${Math.max(...samples[i]).toFixed(1)}`;
    const ratio = i === 0 ? '' : `${(med[i] / med[0]).toFixed(2)}×`;
    console.log(`${label.padEnd(36)} ${med[i].toFixed(1).padStart(9)} ${spread.padStart(17)} ${(1e6 / med[i]).toFixed(0).padStart(9)} ${ratio.padStart(13)}`);
  });
  const vsJose = med[1] / med[0];
  console.log(`target ours ≥ 2× jose: ${vsJose.toFixed(2)}× ${vsJose >= 2 ? 'MET' : 'MISSED'}; addon/floor ${(med[0] / med[2]).toFixed(2)}`);
  if (core[alg]) {
    const within = med[0] / core[alg][0];
    console.log(`binding vs native core (${core[alg][0].toFixed(1)} µs/op, measured just before): ${within.toFixed(2)}× (target ≤ 1.2×: ${within <= 1.2 ? 'MET' : 'MISSED'})`);
  }
  console.log(`BENCH node ${alg} ours_us=${med[0].toFixed(2)} jose_us=${med[1].toFixed(2)} floor_us=${med[2].toFixed(2)}`);
}
