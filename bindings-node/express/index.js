'use strict';
// gouvconnect/express: ProConnect and Pro Santé Connect login for Express 4 and 5.
// Works with express-session and any of its stores. It does not import express itself, so the
// application's own Express version is the one in use.

const {
  Client, Mapping, GouvConnectError, safeNextPath, buttonHtml, errorPageHtml, acrSatisfies, BUTTON_CSS,
} = require('..');

const DEFAULT_ROUTES = {
  login: '/auth/login',
  callback: '/auth/callback',
  logout: '/auth/logout',
  logoutCallback: '/auth/logout/callback',
  afterLogout: '/',
  afterLogin: '/',
};

const consoleLogger = {
  info: (msg, fields) => console.info(msg, fields ?? ''),
  warn: (msg, fields) => console.warn(msg, fields ?? ''),
  error: (msg, fields) => console.error(msg, fields ?? ''),
};

/**
 * Mounts login, callback, logout and logout-callback routes for each configured provider.
 *
 * options.baseURL       the app's public base URL (redirect URI = baseURL + callback route)
 * options.providers     { proconnect?: ClientConfig-without-redirect, prosanteconnect?: … }
 * options.routes        route paths; with several providers `:provider` may appear in them
 *                       (default: /auth/<provider>/login…)
 * options.mapping       core Mapping spec: fields and groups computed at login
 * options.logger        { info, warn, error } (never receives a token)
 */
function auth(options) {
  if (!options || !options.baseURL || !options.providers) {
    throw new GouvConnectError('invalid_config', 'auth() needs baseURL and providers');
  }
  const names = Object.keys(options.providers);
  if (names.length === 0) throw new GouvConnectError('invalid_config', 'auth() needs at least one provider');
  const several = names.length > 1;
  const base = String(options.baseURL).replace(/\/+$/, '');
  const logger = options.logger || consoleLogger;
  const mapping = new Mapping(options.mapping || null);
  const routeTemplate = { ...DEFAULT_ROUTES, ...(options.routes || {}) };
  if (several && !options.routes) {
    for (const key of ['login', 'callback']) routeTemplate[key] = `/auth/:provider/${key}`;
  }
  const pathFor = (key, name) => routeTemplate[key].replace(':provider', name);

  const providers = new Map();
  for (const name of names) {
    const config = {
      ...options.providers[name],
      provider: name,
      redirect_uri: base + pathFor('callback', name),
      post_logout_redirect_uri: base + routeTemplate.logoutCallback,
    };
    // Validate now (no network) so a wrong configuration fails at startup, not at login.
    Client.offline(config);
    providers.set(name, { name, config, client: null, connecting: null });
  }

  // Connect lazily; a failed discovery is retried on the next request, so the app recovers by
  // itself when the provider comes back.
  async function clientFor(name) {
    const entry = providers.get(name);
    if (entry.client) return entry.client;
    if (!entry.connecting) {
      entry.connecting = Client.connect(entry.config).then(
        (client) => { entry.client = client; return client; },
        (error) => { entry.connecting = null; throw error; },
      );
    }
    return entry.connecting;
  }

  const routes = [];
  for (const name of names) {
    routes.push(['GET', pathFor('login', name), (req, res) => login(req, res, name)]);
    routes.push(['GET', pathFor('callback', name), (req, res) => callback(req, res, name)]);
  }
  routes.push(['POST', routeTemplate.logout, logout]);
  routes.push(['GET', routeTemplate.logoutCallback, logoutCallback]);

  let warnedMemoryStore = false;

  async function login(req, res, name) {
    const next = req.query.next === undefined ? undefined : String(req.query.next);
    const client = await clientFor(name);
    const { url, pending } = client.beginLogin({ next: next && safeNextPath(next) ? next : undefined });
    state(req).pending = { provider: name, pending };
    await save(req);
    res.redirect(url);
  }

  async function callback(req, res, name) {
    const session = state(req);
    const pending = session.pending;
    // Single use: the pending login leaves the session before anything else happens.
    delete session.pending;
    await save(req);
    if (!pending || pending.provider !== name) {
      throw new GouvConnectError('no_pending_login', 'no login in progress for this browser');
    }
    const client = await clientFor(name);
    const login = await client.completeLogin(pending.pending, queryString(req));
    const mapped = mapping.apply(login.identity);
    await regenerate(req); // a new session id at login (no fixation)
    state(req).login = {
      provider: name,
      identity: login.identity,
      idToken: login.id_token,
      fields: mapped.fields,
      groups: mapped.groups,
    };
    await save(req);
    logger.info('gouvconnect login', { provider: name, acr: login.identity.acr });
    res.redirect(login.next || routeTemplate.afterLogin);
  }

  async function logout(req, res) {
    const current = state(req).login;
    if (!current) return res.redirect(routeTemplate.afterLogout);
    const client = await clientFor(current.provider);
    const request = client.logoutRequest(current.idToken);
    delete state(req).login;
    if (!request) {
      await destroy(req);
      return res.redirect(routeTemplate.afterLogout);
    }
    state(req).logout = { provider: current.provider, pending: request.pending };
    await save(req);
    res.redirect(request.url);
  }

  async function logoutCallback(req, res) {
    const pending = state(req).logout;
    if (!pending) throw new GouvConnectError('logout_state_mismatch', 'no logout in progress');
    const client = await clientFor(pending.provider);
    try {
      client.verifyLogoutCallback(pending.pending, queryString(req));
    } finally {
      delete state(req).logout;
      await save(req);
    }
    await destroy(req);
    res.redirect(routeTemplate.afterLogout);
  }

  function renderError(req, res, error) {
    const known = error instanceof GouvConnectError;
    const code = known ? error.code : 'internal_error';
    logger.error('gouvconnect error', { code, path: req.path });
    if (res.headersSent) return;
    if (known) {
      res.status(error.status).type('html').send(errorPageHtml(error.code, '/'));
    } else {
      res.status(500).type('html').send(
        '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur</title>'
        + '<h1>La connexion a échoué</h1><p>Code d’erreur : <code id="gouvconnect-error-code">internal_error</code></p>'
        + '<p><a href="/">Retour à l’accueil</a></p></html>',
      );
    }
  }

  const middleware = function gouvconnect(req, res, next) {
    if (!req.session) {
      return next(new GouvConnectError('invalid_config', 'gouvconnect/express needs express-session mounted before auth()'));
    }
    if (!warnedMemoryStore && process.env.NODE_ENV === 'production' && req.sessionStore
        && req.sessionStore.constructor && req.sessionStore.constructor.name === 'MemoryStore') {
      warnedMemoryStore = true;
      logger.warn('gouvconnect: express-session MemoryStore in production loses logins on restart and across instances; use a shared store');
    }
    req.gouvconnect = context(req);
    const route = routes.find(([method, path]) => method === req.method && path === req.path);
    if (!route) return next();
    Promise.resolve()
      .then(() => route[2](req, res))
      .catch((error) => renderError(req, res, error));
  };
  middleware.routes = { ...routeTemplate, providers: Object.fromEntries(names.map((n) => [n, {
    login: pathFor('login', n), callback: pathFor('callback', n),
  }])) };
  return middleware;
}

function context(req) {
  const current = () => state(req).login;
  return {
    get identity() { return current() ? current().identity : null; },
    get provider() { return current() ? current().provider : null; },
    get groups() { return current() ? current().groups : []; },
    get fields() { return current() ? current().fields : {}; },
    isAuthenticated: () => Boolean(current()),
  };
}

function state(req) {
  if (!req.session.gouvconnect) req.session.gouvconnect = {};
  return req.session.gouvconnect;
}

function queryString(req) {
  const url = req.originalUrl || req.url;
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index + 1);
}

const promisify = (req, method) => new Promise((resolve, reject) => {
  req.session[method]((error) => (error ? reject(error) : resolve()));
});
const save = (req) => promisify(req, 'save');
const regenerate = (req) => promisify(req, 'regenerate');
const destroy = (req) => promisify(req, 'destroy');

function deny(res, code, message) {
  const error = new GouvConnectError(code, message);
  res.status(error.status).type('html').send(errorPageHtml(code, '/'));
}

/** Lets only logged-in users through; others go to the login route (GET) or get 401. */
function requiresAuth(options = {}) {
  const loginPath = options.loginPath || DEFAULT_ROUTES.login;
  return (req, res, next) => {
    if (req.gouvconnect && req.gouvconnect.isAuthenticated()) return next();
    if (req.method === 'GET') {
      const target = safeNextPath(req.originalUrl) ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(loginPath + target);
    }
    return res.status(401).json({ error: 'not_authenticated' });
  };
}

/** Requires an acr at least `level` (the core's rules; ProConnect's levels are partially ordered). */
function requiresAcr(level, options = {}) {
  return (req, res, next) => {
    const ctx = req.gouvconnect;
    if (!ctx || !ctx.isAuthenticated()) return res.status(401).json({ error: 'not_authenticated' });
    if (acrSatisfies(ctx.provider, ctx.identity.acr, level, Boolean(options.mfa))) return next();
    return deny(res, 'acr_insufficient', `acr ${level} required`);
  };
}

/** Requires a group computed by the mapping at login. */
function requiresGroup(name) {
  return (req, res, next) => {
    const ctx = req.gouvconnect;
    if (!ctx || !ctx.isAuthenticated()) return res.status(401).json({ error: 'not_authenticated' });
    if (ctx.groups.includes(name)) return next();
    return deny(res, 'access_denied', `group ${name} required`);
  };
}

/** The official button as HTML (embed BUTTON_CSS once in the page). */
function loginButton(provider, options = {}) {
  return buttonHtml(provider, options.action || DEFAULT_ROUTES.login, options.next ?? null);
}

module.exports = { auth, requiresAuth, requiresAcr, requiresGroup, loginButton, BUTTON_CSS };
