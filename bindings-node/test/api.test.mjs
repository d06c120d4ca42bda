import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const g = require('..');

const config = {
  provider: 'proconnect', environment: 'integration', client_id: 'cid', client_secret: 'secret',
  redirect_uri: 'https://app.example/auth/callback', post_logout_redirect_uri: 'https://app.example/auth/logout/callback',
};

test('begin login: ProConnect request with claims, PKCE and long state', () => {
  const client = g.Client.offline({ ...config, policy: { acr: 'eidas2' } });
  const { url, pending } = client.beginLogin({ next: '/dossiers' });
  const u = new URL(url);
  assert.equal(u.origin + u.pathname, 'https://fca.integ01.dev-agentconnect.fr/api/v2/authorize');
  assert.ok(u.searchParams.get('state').length >= 32);
  assert.ok(u.searchParams.get('nonce').length >= 32);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.deepEqual(JSON.parse(u.searchParams.get('claims')).id_token.acr, { essential: true, values: ['eidas2', 'eidas3'] });
  assert.equal(typeof pending, 'string');
});

test('errors carry stable codes and statuses', () => {
  const client = g.Client.offline(config);
  assert.throws(() => client.beginLogin({ prompt: 'select_account' }), (e) => e instanceof g.GouvConnectError && e.code === 'invalid_request' && e.status === 400);
  assert.throws(() => client.beginLogin({ next: '//evil.example' }), { code: g.ErrorCode.INVALID_REQUEST });
  assert.throws(() => g.Client.offline({ ...config, token_auth_method: 'client_secret_basic' }), { code: 'invalid_config' });
  assert.throws(() => g.Client.offline({ ...config, clientid: 'typo' }), { code: 'invalid_config' });
  assert.throws(() => client.finishLogin('{not json', '{}'), { code: 'no_pending_login' });
  assert.equal(Object.keys(g.ErrorCode).length, 31);
  // The provider refused the client, the user cancelled, the browser lost the session.
  assert.equal(new g.GouvConnectError(g.ErrorCode.INVALID_CLIENT).status, 502);
  assert.equal(new g.GouvConnectError(g.ErrorCode.PROVIDER_ACCESS_DENIED).status, 403);
  assert.equal(new g.GouvConnectError(g.ErrorCode.SESSION_LOST).status, 400);
  // A JS value of the wrong type reaching the native layer is a bad request, not a crash.
  assert.throws(() => client.finishLogin(42, '{}'), { code: 'invalid_request' });
});

test('an offline client never calls the provider', async () => {
  const client = g.Client.offline(config);
  const { pending } = client.beginLogin();
  await assert.rejects(client.completeLogin(pending, 'code=c&state=s'), { code: 'invalid_config' });
});

test('logout request and state check', () => {
  const client = g.Client.offline(config);
  const { url, pending } = client.logoutRequest('an.id.token');
  const u = new URL(url);
  assert.equal(u.searchParams.get('id_token_hint'), 'an.id.token');
  client.verifyLogoutCallback(pending, `state=${u.searchParams.get('state')}`);
  assert.throws(() => client.verifyLogoutCallback(pending, 'state=forged'), { code: 'logout_state_mismatch' });
});

test('helpers: next paths, buttons, acr rules, mapping', () => {
  assert.equal(g.safeNextPath('/a?b=c'), '/a?b=c');
  assert.equal(g.loginOriginRedirect('http://localhost:3000/auth/callback', 'http://127.0.0.1:3000/auth/login?next=%2Fme'),
    'http://localhost:3000/auth/login?next=%2Fme&gouvconnect_origin=1');
  assert.equal(g.loginOriginRedirect('http://localhost:3000/auth/callback', 'http://localhost:3000/auth/login'), null);
  for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', '%2F%2Fevil.example']) {
    assert.equal(g.safeNextPath(bad), null, bad);
  }
  assert.match(g.buttonHtml('proconnect', '/auth/login'), /S’identifier avec/);
  assert.match(g.errorPageHtml('nonce_mismatch'), /nonce_mismatch/);
  assert.equal(g.acrSatisfies('proconnect', 'eidas3', 'eidas2'), true);
  assert.equal(g.acrSatisfies('proconnect', 'eidas1', 'eidas2'), false);
  assert.equal(g.acrSatisfies('proconnect', 'eidas1', null, true), false);
  assert.equal(g.acrSatisfies('prosanteconnect', null, 'eidas1'), true);
  assert.throws(() => new g.Mapping({ groups: [{ group: 'g', field: 'a..b' }] }), { code: 'invalid_config' });
});

test('host rules from the core: page views, step-up detection, support links', () => {
  const page = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' };
  assert.equal(g.isPageView('GET', page), true);
  assert.equal(g.isPageView('POST', page), false);
  assert.equal(g.isPageView('GET', { ...page, 'sec-fetch-dest': 'empty' }), false);
  assert.equal(g.isPageView('GET', { ...page, 'x-requested-with': 'XMLHttpRequest' }), false);
  assert.equal(g.isPageView('GET', { ...page, 'sec-purpose': 'prefetch' }), false);
  assert.equal(g.isPageView('GET', { accept: '*/*' }), false);
  assert.equal(g.isPageView('GET', {}), true);
  const identity = (sub, acr) => ({
    provider: 'proconnect', sub, email: null, email_verified: null, given_name: null, family_name: null,
    acr, amr: [], proconnect: null, prosanteconnect: null, raw: { id_token: {}, userinfo: {} },
  });
  assert.equal(g.isStepUp(identity('s', 'eidas1'), identity('s', 'eidas2')), true);
  assert.equal(g.isStepUp(identity('s', 'eidas1'), identity('t', 'eidas2')), false);
  assert.equal(g.isStepUp(identity('s', 'eidas2'), identity('s', 'eidas1')), false);
  assert.throws(() => g.isStepUp({}, identity('s', 'eidas2')), (e) => e instanceof g.GouvConnectError && e.code === 'invalid_request');
  assert.equal(g.isSupportLink('mailto:aide@example.gouv.fr'), true);
  assert.equal(g.isSupportLink('javascript:alert(1)'), false);
});

test('concurrent use from many promises does not crash', async () => {
  const client = g.Client.offline(config);
  const results = await Promise.all(Array.from({ length: 200 }, async () => client.beginLogin().pending));
  assert.equal(new Set(results).size, 200);
});
