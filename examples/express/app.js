'use strict';
// Example Express app: ProConnect, Pro Santé Connect, FranceConnect or FranceConnect+ login,
// configured by the environment of the example contract (GOUVCONNECT_PROVIDER,
// GOUVCONNECT_ENVIRONMENT or GOUVCONNECT_ISSUER, GOUVCONNECT_CLIENT_ID, GOUVCONNECT_CLIENT_SECRET,
// GOUVCONNECT_BASE_URL, GOUVCONNECT_ACR, PORT; optionally GOUVCONNECT_SCOPES and
// GOUVCONNECT_TIMEOUT_SECS).
//
// FranceConnect+ also needs GOUVCONNECT_DECRYPTION_KEYS_FILE (or GOUVCONNECT_DECRYPTION_KEYS, the
// text): the service's private decryption keys (JWKS or PEM; against the emulator,
// emulator/keys/demo-fcp-client-enc.jwks.json). Their public halves are served at /auth/jwks,
// the URL to register with FranceConnect+.
//
// The login lifecycle, optional too: GOUVCONNECT_MFA (off, prefer, require), GOUVCONNECT_STEP_UP_ACR
// (the level of GET /sensible, a step-up; default eidas2, for Pro Santé Connect the CPS card),
// GOUVCONNECT_SILENT_LOGIN=1 (prompt=none once per browser session), GOUVCONNECT_SESSION_MAX_AGE_SECS.
//
// Optional extension of the contract, for running several instances behind one public URL:
// GOUVCONNECT_REDIS_URL (e.g. redis://127.0.0.1:6379/0) keeps the sessions in Redis
// (connect-redis with the `redis` client) instead of express-session's in-process MemoryStore.
// Every instance then needs the same SESSION_SECRET (the cookie signing key) and the same
// GOUVCONNECT_BASE_URL. Unset, nothing changes.

const crypto = require('node:crypto');
const session = require('express-session');
const { auth, requiresAuth, requiresAcr, loginButton, BUTTON_CSS } = require('gouvconnect/express');

function configFromEnv(env) {
  const provider = env.GOUVCONNECT_PROVIDER || 'proconnect';
  const settings = {
    client_id: env.GOUVCONNECT_CLIENT_ID,
    client_secret: env.GOUVCONNECT_CLIENT_SECRET,
    policy: {
      ...(env.GOUVCONNECT_ACR ? { acr: env.GOUVCONNECT_ACR } : {}),
      ...(env.GOUVCONNECT_MFA ? { mfa: env.GOUVCONNECT_MFA } : {}),
    },
  };
  if (env.GOUVCONNECT_SESSION_MAX_AGE_SECS) settings.session_max_age_secs = Number(env.GOUVCONNECT_SESSION_MAX_AGE_SECS);
  // Optional, beyond the example contract: space-separated scopes (e.g. to add `custom`).
  if (env.GOUVCONNECT_SCOPES) settings.scopes = env.GOUVCONNECT_SCOPES.split(/\s+/).filter(Boolean);
  // Optional: the provider timeout in seconds (the core's default is 10).
  if (env.GOUVCONNECT_TIMEOUT_SECS) settings.timeout_secs = Number(env.GOUVCONNECT_TIMEOUT_SECS);
  if (env.GOUVCONNECT_DECRYPTION_KEYS_FILE) settings.decryption_keys_file = env.GOUVCONNECT_DECRYPTION_KEYS_FILE;
  else if (env.GOUVCONNECT_DECRYPTION_KEYS) settings.decryption_keys = env.GOUVCONNECT_DECRYPTION_KEYS;
  if (env.GOUVCONNECT_ISSUER) settings.issuer = env.GOUVCONNECT_ISSUER;
  else settings.environment = env.GOUVCONNECT_ENVIRONMENT || (provider === 'proconnect' ? 'integration' : 'sandbox');
  return {
    baseURL: env.GOUVCONNECT_BASE_URL || `http://127.0.0.1:${env.PORT || 3000}`,
    providers: { [provider]: settings },
    ...(env.GOUVCONNECT_SILENT_LOGIN === '1' ? { silentLogin: true } : {}),
  };
}

/** Builds the app with the given Express (the tests run it on Express 4 and 5). */
function createApp(express, env = process.env) {
  const options = configFromEnv(env);
  const provider = Object.keys(options.providers)[0];
  const app = express();
  app.disable('x-powered-by');
  const shared = redisSessionStore(env);
  // Resolves once the session store can be used (at once without Redis); `serve` waits for it.
  app.locals.sessionStoreReady = shared ? shared.ready : Promise.resolve();
  app.use(session({
    ...(shared ? { store: shared.store } : {}),
    secret: env.SESSION_SECRET || crypto.randomBytes(32).toString('hex'),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.baseURL.startsWith('https:') },
  }));
  app.use(auth(options));

  app.get('/', (req, res) => {
    const { identity } = req.gouvconnect;
    const who = req.gouvconnect.isAuthenticated()
      ? `<p>Connecté : ${escape(identity.given_name || '')} ${escape(identity.family_name || '')}</p>${pivotHtml(identity.franceconnect)}
         <form method="post" action="/auth/logout"><button type="submit">Se déconnecter</button></form>`
      : loginButton(provider);
    res.type('html').send(`<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>gouvconnect — exemple Express</title><style>${BUTTON_CSS}</style></head>
<body><h1>Exemple Express</h1>${who}</body></html>`);
  });

  app.get('/me', (req, res) => {
    if (!req.gouvconnect.isAuthenticated()) return res.status(401).json({ error: 'not_authenticated' });
    res.json(req.gouvconnect.identity);
  });

  app.get('/private', requiresAuth(), (req, res) => res.json({ groups: req.gouvconnect.groups }));

  // A sensitive action: a user signed in below the level signs in again (step-up), then comes back.
  const stepUpLevel = env.GOUVCONNECT_STEP_UP_ACR || 'eidas2';
  app.get('/sensible', requiresAcr(stepUpLevel), (req, res) => {
    const { identity } = req.gouvconnect;
    res.type('html').send(`<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Action sensible</title></head><body><h1>Action sensible</h1>
<p id="level">Niveau : ${escape(identity.acr || '')}${identity.mfa ? ' (double authentification)' : ''}</p>
<p>${escape(identity.given_name || '')} ${escape(identity.family_name || '')}</p><p><a href="/">Accueil</a></p></body></html>`);
  });
  return app;
}

/**
 * The shared session store of GOUVCONNECT_REDIS_URL, or null when it is unset. The packages are
 * loaded only then, so the contract's plain configuration does not touch them.
 */
function redisSessionStore(env) {
  const url = env.GOUVCONNECT_REDIS_URL;
  if (!url) return null;
  if (!env.SESSION_SECRET) {
    // A random per-process secret would make every other instance reject this one's cookies.
    console.warn('gouvconnect example: GOUVCONNECT_REDIS_URL without SESSION_SECRET: sessions are not shared across instances');
  }
  const { createClient } = require('redis');
  const { RedisStore } = require('connect-redis');
  // The first connection must succeed (the example fails at startup rather than at the first
  // login); once connected, a lost connection is retried with a growing delay.
  let connected = false;
  const client = createClient({
    url,
    socket: { reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * (retries + 1), 3000) : cause) },
  });
  client.on('ready', () => { connected = true; });
  // Only the message: it names the host and port, never the URL (which may hold a password).
  client.on('error', (error) => console.error('gouvconnect example: redis:', error.message));
  // Commands issued while connecting wait in the client's queue.
  const ready = client.connect().then(() => undefined);
  // Awaited by `serve`; an app built by createApp alone still sees the failure through `error`.
  ready.catch(() => {});
  return { store: new RedisStore({ client, prefix: 'gouvconnect-example:sess:' }), ready };
}

/** Builds the app with the given Express and listens on 127.0.0.1:PORT once the session store is ready. */
async function serve(express, env = process.env) {
  const port = Number(env.PORT || 3000);
  const app = createApp(express, env);
  await app.locals.sessionStoreReady;
  await new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1');
    server.once('listening', resolve);
    server.once('error', reject);
  });
  console.log(`gouvconnect Express example listening on http://127.0.0.1:${port}`);
}

/** FranceConnect's identité pivot, as a definition list (nothing for the other providers). */
function pivotHtml(pivot) {
  if (!pivot) return '';
  const rows = [
    ['Prénoms', pivot.given_names], ['Nom de naissance', pivot.birth_name], ['Nom d’usage', pivot.usual_name],
    ['Date de naissance', pivot.birthdate], ['Sexe', pivot.gender], ['Lieu de naissance (COG)', pivot.birthplace],
    ['Pays de naissance (COG)', pivot.birthcountry],
  ];
  return `<dl id="identite-pivot">${rows.filter(([, value]) => value)
    .map(([label, value]) => `<dt>${label}</dt><dd>${escape(value)}</dd>`).join('')}</dl>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

module.exports = { createApp, configFromEnv, serve };

if (require.main === module) {
  serve(require('express')).catch((error) => {
    console.error(`gouvconnect Express example could not start: ${error.message}`);
    process.exit(1);
  });
}
