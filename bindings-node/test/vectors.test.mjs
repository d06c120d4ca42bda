// Every shared test vector through the Node API, with the same outcome as the core.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './harness.mjs';

const require = createRequire(import.meta.url);
const { Client, GouvConnectError } = require('..');

const dir = path.join(ROOT, 'tests/vectors');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

test('the vector set is present', () => {
  assert.ok(files.length >= 40, `expected at least 40 vectors in ${dir}, found ${files.length}`);
});

for (const file of files) {
  const vector = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  test(`vector ${vector.name}`, () => {
    const run = () => {
      const client = Client.offline(vector.config);
      client.setJwks(vector.jwks);
      return client.finishLogin(
        JSON.stringify(vector.pending),
        vector.token_response,
        vector.userinfo ? vector.userinfo.content_type : null,
        vector.userinfo ? vector.userinfo.body : null,
        vector.now,
      );
    };
    if (vector.expected.error) {
      assert.throws(run, (e) => {
        assert.ok(e instanceof GouvConnectError, `not a GouvConnectError: ${e}`);
        assert.equal(e.code, vector.expected.error);
        return true;
      });
    } else {
      assert.deepEqual(run().identity, vector.expected.identity);
    }
  });
}
