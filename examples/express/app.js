'use strict';
// Example Express app: ProConnect or Pro Santé Connect login, configured by the environment of
// the example contract (GOUVCONNECT_PROVIDER, GOUVCONNECT_ENVIRONMENT or GOUVCONNECT_ISSUER,
// GOUVCONNECT_CLIENT_ID, GOUVCONNECT_CLIENT_SECRET, GOUVCONNECT_BASE_URL, GOUVCONNECT_ACR, PORT;
// optionally GOUVCONNECT_SCOPES).

const crypto = require('node:crypto');
const session = require('express-session');
const { auth, requiresAuth, loginButton, BUTTON_CSS } = require('gouvconnect/express');

function configFromEnv(env) {
  const provider = env.GOUVCONNECT_PROVIDER || 'proconnect';
  const settings = {
    client_id: env.GOUVCONNECT_CLIENT_ID,
    client_secret: env.GOUVCONNECT_CLIENT_SECRET,
    policy: env.GOUVCONNECT_ACR ? { acr: env.GOUVCONNECT_ACR } : {},
  };
  // Optional, beyond the example contract: space-separated scopes (e.g. to add `custom`).
  if (env.GOUVCONNECT_SCOPES) settings.scopes = env.GOUVCONNECT_SCOPES.split(/\s+/).filter(Boolean);
  if (env.GOUVCONNECT_ISSUER) settings.issuer = env.GOUVCONNECT_ISSUER;
  else settings.environment = env.GOUVCONNECT_ENVIRONMENT || (provider === 'proconnect' ? 'integration' : 'sandbox');
  return {
    baseURL: env.GOUVCONNECT_BASE_URL || `http://127.0.0.1:${env.PORT || 3000}`,
    providers: { [provider]: settings },
  };
}

/** Builds the app with the given Express (the tests run it on Express 4 and 5). */
function createApp(express, env = process.env) {
  const options = configFromEnv(env);
  const provider = Object.keys(options.providers)[0];
  const app = express();
  app.disable('x-powered-by');
  app.use(session({
    secret: env.SESSION_SECRET || crypto.randomBytes(32).toString('hex'),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.baseURL.startsWith('https:') },
  }));
  app.use(auth(options));

  app.get('/', (req, res) => {
    const who = req.gouvconnect.isAuthenticated()
      ? `<p>Connecté : ${escape(req.gouvconnect.identity.given_name || '')} ${escape(req.gouvconnect.identity.family_name || '')}</p>
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
  return app;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

module.exports = { createApp, configFromEnv };

if (require.main === module) {
  const port = Number(process.env.PORT || 3000);
  createApp(require('express')).listen(port, '127.0.0.1', () => {
    console.log(`gouvconnect Express example listening on http://127.0.0.1:${port}`);
  });
}
