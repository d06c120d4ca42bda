'use strict';
// Benchmark peer: the same routes as the Express example (GET /auth/login, /auth/callback, /me)
// with express-openid-connect (openid-client underneath) against the emulator's ProConnect issuer.
//
// What it verifies: the id_token (signature with the issuer's JWKS for ID_TOKEN_ALG, iss, aud,
// exp/iat, nonce), state, PKCE. What it does NOT: the signed userinfo JWT — express-openid-connect
// has no option for a signed userinfo; the userinfo response is fetched (as the app needs the
// claims) and its payload decoded without checking the signature, the issuer, the audience or
// that its sub matches the id_token's.
//
// Env: ISSUER, CLIENT_ID, CLIENT_SECRET, ID_TOKEN_ALG, PORT.

const crypto = require('node:crypto');
const express = require('express');
const { auth } = require('express-openid-connect');

const env = process.env;
const port = Number(env.PORT || 3001);
const app = express();

app.use(
  auth({
    issuerBaseURL: env.ISSUER,
    baseURL: `http://127.0.0.1:${port}`,
    clientID: env.CLIENT_ID,
    clientSecret: env.CLIENT_SECRET,
    secret: 'bench-peer-session-secret-0123456789abcdef',
    idpLogout: false,
    authRequired: false,
    idTokenSigningAlg: env.ID_TOKEN_ALG || 'RS256',
    clientAuthMethod: 'client_secret_post',
    authorizationParams: { response_type: 'code', scope: 'openid email given_name usual_name siret uid' },
    routes: { login: false, callback: '/auth/callback', logout: '/auth/logout' },
    // The library's state is only base64url({returnTo}); ProConnect's documentation asks for ≥ 32
    // characters, so a random value is added (express-openid-connect checks the state against its cookie).
    getLoginState: (req, options) => ({ returnTo: options.returnTo, r: crypto.randomBytes(24).toString('base64url') }),
    // The app needs the userinfo claims (ProConnect's id_token has none): fetched once at login.
    afterCallback: async (req, res, session) => {
      const resp = await fetch(userinfoEndpoint, { headers: { authorization: `Bearer ${session.access_token}` } });
      if (!resp.ok) throw new Error(`userinfo answered ${resp.status}`);
      const body = await resp.text();
      const claims = (resp.headers.get('content-type') || '').includes('application/jwt')
        ? JSON.parse(Buffer.from(body.split('.')[1], 'base64url').toString('utf8'))
        : JSON.parse(body);
      return { ...session, userinfo: claims };
    },
  }),
);

let userinfoEndpoint;

// Like the example's /auth/login?next=/path (only local paths).
app.get('/auth/login', (req, res) => {
  const next = typeof req.query.next === 'string' && /^\/[^/\\]/.test(req.query.next) ? req.query.next : '/';
  res.oidc.login({ returnTo: next });
});

app.get('/me', (req, res) => {
  if (!req.oidc.isAuthenticated()) return res.status(401).json({ error: 'not_logged_in' });
  res.json({ sub: req.oidc.user.sub, userinfo: req.appSession.userinfo });
});

fetch(`${env.ISSUER}/.well-known/openid-configuration`)
  .then((r) => r.json())
  .then((d) => {
    userinfoEndpoint = d.userinfo_endpoint;
    app.listen(port, '127.0.0.1', () => console.log(`peer-express-oidc listening on http://127.0.0.1:${port}`));
  });
