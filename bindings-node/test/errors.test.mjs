// The error contract across the boundary: codes, statuses and the provider's own words arrive
// as data on GouvConnectError, from a real provider (the emulator) answering with an error.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { client, startEmulator } from './harness.mjs';

const require = createRequire(import.meta.url);
const g = require('..');

let emulator;
before(async () => { emulator = await startEmulator(); });
after(() => emulator && emulator.stop());

test('a provider error reaches JS as data: code, status, message and providerError', async () => {
  const c = client('proconnect');
  const rp = await g.Client.connect({
    provider: 'proconnect', issuer: c.issuer(emulator.base), client_id: c.id, client_secret: c.secret,
    redirect_uri: 'http://127.0.0.1:9/auth/callback',
  });
  const { pending, url } = rp.beginLogin();
  const state = new URL(url).searchParams.get('state');
  const query = `error=access_denied&error_description=${encodeURIComponent('user cancelled')}&state=${state}`;
  const error = await rp.completeLogin(pending, query).then(() => null, (e) => e);
  assert.ok(error instanceof g.GouvConnectError);
  assert.equal(error.code, 'provider_access_denied');
  assert.equal(error.status, 403);
  assert.deepEqual(error.providerError, { error: 'access_denied', description: 'user cancelled' });
  assert.equal(error.event.code, 'provider_access_denied');
  // A synchronous refusal built in the binding: the same shape, no provider words.
  const sync = (() => { try { rp.beginLogin({ next: '//evil.example' }); } catch (e) { return e; } })();
  assert.equal(sync.code, 'invalid_request');
  assert.equal(sync.providerError, undefined);
  assert.doesNotMatch(sync.message, /gouvconnect_error|[{}]/);
});
