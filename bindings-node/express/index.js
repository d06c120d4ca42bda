'use strict';
// gouvconnect/express: ProConnect and Pro Santé Connect login for Express 4 and 5.
// Works with express-session and any of its stores. It does not import express itself, so the
// application's own Express version is the one in use.

const { EventEmitter } = require('node:events');
const {
  Client, Mapping, GouvConnectError, safeNextPath, buttonHtml, errorPageHtml, acrSatisfies, BUTTON_CSS,
  loginOriginRedirect, auditEvent, doctor: checkClient,
} = require('..');

const DEFAULT_ROUTES = {
  login: '/auth/login',
  callback: '/auth/callback',
  logout: '/auth/logout',
  logoutCallback: '/auth/logout/callback',
  afterLogout: '/',
  afterLogin: '/',
};
// With several providers: each provider's own login and callback, and a page offering both
// buttons where a single provider would have its login route.
const SEVERAL_DEFAULTS = {
  login: '/auth/:provider/login',
  callback: '/auth/:provider/callback',
  choose: '/auth/login',
};
const ROUTE_KEYS = new Set([...Object.keys(DEFAULT_ROUTES), 'choose']);
// Marker the core adds to a login request it moved to the redirect URI's origin.
const ORIGIN_MARKER = 'gouvconnect_origin';

const consoleLogger = {
  info: (msg, fields) => console.info(msg, fields ?? ''),
  warn: (msg, fields) => console.warn(msg, fields ?? ''),
  error: (msg, fields) => console.error(msg, fields ?? ''),
};

// The routes of the latest auth(), for the helpers used without a request (loginButton).
let latestRoutes = null;

const configError = (message) => new GouvConnectError('invalid_config', `gouvconnect/express: ${message}`);

/**
 * The mounted paths: `routes` given (any subset) over the defaults. Every provider gets its own
 * login and callback path; paths that would collide are a configuration error, never a silently
 * unreachable provider.
 */
function computeRoutes(names, given) {
  const several = names.length > 1;
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    throw configError('`routes` must be an object of paths');
  }
  const template = { ...DEFAULT_ROUTES, ...(several ? SEVERAL_DEFAULTS : {}) };
  for (const [key, value] of Object.entries(given || {})) {
    if (value === undefined) continue;
    if (!ROUTE_KEYS.has(key)) {
      throw configError(`unknown route \`routes.${key}\` (known: ${[...ROUTE_KEYS].join(', ')})`);
    }
    if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) {
      throw configError(`\`routes.${key}\` must be a local path starting with "/", not ${JSON.stringify(value)}`);
    }
    template[key] = value;
  }
  for (const key of ['logout', 'logoutCallback', 'choose', 'afterLogin', 'afterLogout']) {
    if (template[key] && template[key].includes(':provider')) {
      throw configError(`\`routes.${key}\` is shared by every provider and cannot contain :provider`);
    }
  }
  const pathFor = (key, name) => template[key].split(':provider').join(name);
  const providers = Object.fromEntries(names.map((name) => [name, {
    login: pathFor('login', name), callback: pathFor('callback', name),
  }]));

  // Every GET route (and the POST one) must be its own path.
  const mounted = [];
  for (const name of names) {
    mounted.push({ method: 'GET', path: providers[name].login, key: 'login', provider: name });
    mounted.push({ method: 'GET', path: providers[name].callback, key: 'callback', provider: name });
  }
  mounted.push({ method: 'POST', path: template.logout, key: 'logout' });
  mounted.push({ method: 'GET', path: template.logoutCallback, key: 'logoutCallback' });
  if (several) mounted.push({ method: 'GET', path: template.choose, key: 'choose' });
  const seen = new Map();
  for (const route of mounted) {
    const id = `${route.method} ${route.path}`;
    const other = seen.get(id);
    if (other) {
      const hint = other.key === route.key && other.provider !== route.provider
        ? `: with several providers, put :provider in it (e.g. "${template[route.key].replace(/\/?$/, '/:provider')}")`
        : '';
      const describe = (r) => `routes.${r.key}${r.provider ? ` of ${r.provider}` : ''}`;
      throw configError(`${describe(other)} and ${describe(route)} are the same path ${route.path}${hint}`);
    }
    seen.set(id, route);
  }
  return {
    template,
    mounted,
    // Public shape (middleware.routes, req.gouvconnect.routes).
    public: {
      ...template,
      // Where requiresAuth() sends a visitor: the login route, or the choice between providers.
      entry: several ? template.choose : providers[names[0]].login,
      providers,
    },
  };
}

/**
 * What auth(options) mounts and configures, without mounting anything (auth() and doctor() share
 * it): the routes, and each provider's client configuration with its redirect URIs.
 */
function plan(options) {
  if (!options || !options.baseURL || !options.providers) {
    throw new GouvConnectError('invalid_config', 'auth() needs baseURL and providers');
  }
  const names = Object.keys(options.providers);
  if (names.length === 0) throw new GouvConnectError('invalid_config', 'auth() needs at least one provider');
  const base = String(options.baseURL).replace(/\/+$/, '');
  const baseOrigin = originOf(base);
  if (!/^https?:\/\/[^/]/.test(base) || !baseOrigin || baseOrigin === 'null') {
    throw configError(`baseURL must be an absolute http(s) URL such as "https://app.example", not ${JSON.stringify(String(options.baseURL))}`);
  }
  const { template, mounted, public: publicRoutes } = computeRoutes(names, options.routes);
  const providers = names.map((name) => {
    const given = options.providers[name] || {};
    return {
      name,
      given,
      config: {
        ...given,
        provider: name,
        redirect_uri: base + publicRoutes.providers[name].callback,
        post_logout_redirect_uri: base + template.logoutCallback,
      },
    };
  });
  return { names, baseOrigin, template, mounted, publicRoutes, providers };
}

/**
 * Mounts login, callback, logout and logout-callback routes for each configured provider.
 *
 * options.baseURL       the app's public base URL (redirect URI = baseURL + callback route)
 * options.providers     { proconnect?: ClientConfig-without-redirect, prosanteconnect?: … }
 * options.routes        route paths (any subset); `:provider` in login and callback stands for
 *                       the provider's name (default with several providers:
 *                       /auth/<provider>/login and /auth/<provider>/callback, and a page offering
 *                       both buttons at routes.choose, /auth/login)
 * options.mapping       core Mapping spec: fields and groups computed at login
 * options.logger        { info, warn, error } (never receives a token)
 * options.onEvent       (event, req) => void: every login event (the same as
 *                       `auth(…).on('event', …)`)
 *
 * The returned middleware is an EventEmitter (as Express's own `app` is): `'event'` with every
 * login event, and each event under its own name (`'login_succeeded'`, `'login_refused'`,
 * `'logout'`, `'step_up'`), listeners called as `(event, req)`.
 */
function auth(options) {
  const { names, baseOrigin, template, mounted, publicRoutes, providers: planned } = plan(options);
  const logger = options.logger || consoleLogger;
  const mapping = new Mapping(options.mapping || null);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw configError('`onEvent` must be a function (event, req) => void');
  }

  const providers = new Map();
  for (const { name, given, config } of planned) {
    // The redirect URI is always baseURL + routes.callback; one given here would be ignored, and
    // one on another host would lose the session at the callback.
    for (const key of ['redirect_uri', 'post_logout_redirect_uri']) {
      if (given[key] && given[key] !== config[key]) {
        logger.warn(`gouvconnect: providers.${name}.${key} is ignored; register ${config[key]} (baseURL + routes) with the provider`, {
          provider: name, given: given[key], used: config[key],
          ...(originOf(given[key]) !== baseOrigin ? { warning: `not on baseURL's origin ${baseOrigin}: the session cookie would not come back` } : {}),
        });
      }
    }
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

  const handlers = {
    login: (req, res, route) => login(req, res, route.provider),
    callback: (req, res, route) => callback(req, res, route.provider),
    logout: (req, res) => logout(req, res),
    logoutCallback: (req, res) => logoutCallback(req, res),
    choose: (req, res) => choose(req, res),
  };

  let warnedMemoryStore = false;
  let warnedOrigin = false;

  async function login(req, res, name) {
    const redirectUri = providers.get(name).config.redirect_uri;
    const requestUrl = fullUrl(req);
    // A login started on another host name than the redirect URI's (127.0.0.1 vs localhost,
    // www. vs the bare domain) would come back without the session cookie: move there first.
    const moved = requestUrl && loginOriginRedirect(redirectUri, requestUrl);
    if (moved) {
      if (!warnedOrigin) {
        warnedOrigin = true;
        logger.warn(`gouvconnect: login requested on ${originOf(requestUrl)}, redirected to baseURL's origin ${baseOrigin} so that the session cookie comes back with the callback; link to ${baseOrigin}`, { provider: name });
      }
      return res.redirect(moved);
    }
    if (requestUrl && !warnedOrigin && originOf(requestUrl) !== baseOrigin && req.query[ORIGIN_MARKER] !== undefined) {
      warnedOrigin = true;
      logger.warn(`gouvconnect: a login redirected to ${baseOrigin} arrived as ${originOf(requestUrl)}; behind a proxy, set app.set('trust proxy', …) and forward Host`, { provider: name });
    }
    const next = req.query.next === undefined ? undefined : String(req.query.next);
    const client = await clientFor(name);
    const { url, pending } = client.beginLogin({ next: next && safeNextPath(next) ? next : undefined });
    state(req).pending = { provider: name, pending };
    await save(req);
    res.redirect(url);
  }

  async function callback(req, res, name) {
    // Nothing of ours in the session and no session cookie sent: the browser did not bring the
    // session back (another host name than the login's, cookies blocked), which no retry on this
    // host fixes. Told apart from an expired or already used login. (Checked before the session
    // is touched, so that no empty session is stored for it.)
    if (!req.session.gouvconnect && !sessionCookieSent(req)) {
      throw new GouvConnectError('session_lost', `the callback on ${originOf(fullUrl(req)) || 'this host'} came without the session cookie (login started on another host name, or cookies blocked)`);
    }
    const session = state(req);
    const pending = session.pending;
    const previous = session.login;
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
    publish(req, isStepUp(previous, login.identity) ? { ...login.event, event: 'step_up' } : login.event);
    res.redirect(login.next || template.afterLogin);
  }

  async function logout(req, res) {
    const current = state(req).login;
    if (!current) return res.redirect(template.afterLogout);
    const client = await clientFor(current.provider);
    const request = client.logoutRequest(current.idToken);
    delete state(req).login;
    publish(req, auditEvent('logout', { clientId: providers.get(current.provider).config.client_id, identity: current.identity }));
    if (!request) {
      await destroy(req);
      return res.redirect(template.afterLogout);
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
    res.redirect(template.afterLogout);
  }

  // With several providers: the official button of each, keeping `next`.
  async function choose(req, res) {
    const next = req.query.next === undefined ? null : String(req.query.next);
    const safe = next && safeNextPath(next) ? next : null;
    const buttons = names.map((name) => buttonHtml(name, publicRoutes.providers[name].login, safe)).join('\n');
    res.type('html').send(
      '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
      + '<meta name="viewport" content="width=device-width, initial-scale=1">'
      + `<title>Connexion</title><style>${BUTTON_CSS}</style></head>`
      + '<body style="font-family:Marianne,Arial,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">'
      + `<h1>Connexion</h1>\n${buttons}\n</body></html>`,
    );
  }

  function renderError(req, res, error) {
    const known = error instanceof GouvConnectError;
    const code = known ? error.code : 'internal_error';
    // The core's message says what went wrong for the operator (the provider's own error text,
    // filtered, for provider errors); it never holds a token, a secret, a code or a state.
    const fields = { code, path: req.path };
    if (known) fields.detail = error.message;
    // Anything else (a session store failure, a bug): its name and message, cut short.
    else if (error) fields.detail = `${error.name || 'Error'}: ${String(error.message || '').slice(0, 300)}`;
    logger.error('gouvconnect error', fields);
    if (res.headersSent) return;
    if (known) {
      res.status(error.status).type('html').send(errorPageHtml(error.code, '/'));
    } else {
      res.status(500).type('html').send(errorPageHtml('internal_error', '/'));
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
    req.gouvconnect = context(req, publicRoutes);
    const route = mounted.find((r) => r.method === req.method && r.path === req.path);
    if (!route) return next();
    Promise.resolve()
      .then(() => handlers[route.key](req, res, route))
      .catch((error) => {
        // A login that ended in an error, on its way to the provider or back.
        if (route.provider) publish(req, refusal(route.provider, error));
        renderError(req, res, error);
      });
  };

  // The audit event of a failed login: the core's own (with the provider's OAuth error) when
  // completeLogin refused it, else one for the stable code found here.
  function refusal(name, error) {
    if (error instanceof GouvConnectError && error.event) return error.event;
    const code = error instanceof GouvConnectError ? error.code : 'internal_error';
    return auditEvent('login_refused', { provider: name, clientId: providers.get(name).config.client_id, code });
  }

  // Every listener runs, whatever the others do; one that throws (or rejects) is logged and
  // never changes the login's outcome.
  function publish(req, event) {
    const frozen = Object.freeze(event);
    for (const name of ['event', frozen.event]) {
      for (const listener of middleware.rawListeners(name)) {
        try {
          const result = listener.call(middleware, frozen, req);
          if (result && typeof result.then === 'function') result.then(undefined, (error) => listenerFailed(frozen, error));
        } catch (error) {
          listenerFailed(frozen, error);
        }
      }
    }
  }

  function listenerFailed(event, error) {
    logger.error('gouvconnect event listener failed', {
      event: event.event,
      detail: `${(error && error.name) || 'Error'}: ${String((error && error.message) || error).slice(0, 300)}`,
    });
  }

  // An EventEmitter, the way Express mixes one into its own `app`.
  for (const key of Object.getOwnPropertyNames(EventEmitter.prototype)) {
    if (key !== 'constructor') Object.defineProperty(middleware, key, Object.getOwnPropertyDescriptor(EventEmitter.prototype, key));
  }
  EventEmitter.call(middleware);
  if (options.onEvent) middleware.on('event', options.onEvent);
  middleware.routes = publicRoutes;
  /** This configuration's going-live checks (see doctor()). */
  middleware.doctor = () => doctor(options);
  latestRoutes = publicRoutes;
  return middleware;
}

/** A login by the user already signed in with this session, at another level it satisfies. */
function isStepUp(previous, identity) {
  if (!previous || previous.provider !== identity.provider || previous.identity.sub !== identity.sub) return false;
  const before = previous.identity.acr;
  if (!identity.acr || identity.acr === before) return false;
  try {
    return acrSatisfies(identity.provider, identity.acr, before);
  } catch {
    return false;
  }
}

/**
 * The going-live checks of auth(options), provider by provider, against the live providers:
 * the configuration auth() builds (redirect URIs = baseURL + the mounted routes), with the
 * redirect URIs given in a provider (those registered with it, which auth() itself ignores)
 * checked against the routes auth() mounts. Resolves with `{ ok, reports }`.
 */
async function doctor(options) {
  const { providers } = plan(options);
  const reports = await Promise.all(providers.map(({ given, config }) => {
    const mountedRedirectUris = [config.redirect_uri];
    const mountedPostLogoutRedirectUris = [config.post_logout_redirect_uri];
    const checked = { ...config };
    for (const key of ['redirect_uri', 'post_logout_redirect_uri']) {
      if (given[key]) checked[key] = given[key];
    }
    return checkClient(checked, { mountedRedirectUris, mountedPostLogoutRedirectUris });
  }));
  return { ok: reports.every((r) => r.ok), reports };
}

function context(req, routes) {
  const current = () => state(req).login;
  return {
    get identity() { return current() ? current().identity : null; },
    get provider() { return current() ? current().provider : null; },
    get groups() { return current() ? current().groups : []; },
    get fields() { return current() ? current().fields : {}; },
    routes,
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

/** The request's URL as the browser sent it (scheme and host through `trust proxy`), or null. */
function fullUrl(req) {
  let host = req.headers.host;
  const trust = req.app && typeof req.app.get === 'function' ? req.app.get('trust proxy fn') : null;
  const forwarded = req.headers['x-forwarded-host'];
  if (forwarded && typeof trust === 'function' && trust(req.socket && req.socket.remoteAddress, 0)) {
    host = String(forwarded).split(',')[0].trim();
  }
  if (!host) return null;
  const protocol = req.protocol || (req.socket && req.socket.encrypted ? 'https' : 'http');
  return `${protocol}://${host}${req.originalUrl || req.url}`;
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Whether the request carries a cookie that looks like express-session's (signed: `s:`). */
function sessionCookieSent(req) {
  const header = req.headers.cookie;
  if (!header) return false;
  return header.split(';').some((part) => {
    const value = part.slice(part.indexOf('=') + 1).trim();
    return value.startsWith('s%3A') || value.startsWith('s:');
  });
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

/** The login path auth() mounted for `provider` (or the entry route), without a request. */
function mountedLoginPath(routes, provider) {
  if (!routes) return DEFAULT_ROUTES.login;
  if (provider && routes.providers[provider]) return routes.providers[provider].login;
  return routes.entry;
}

/**
 * Lets only logged-in users through; others go to the login route auth() mounted (GET: the
 * provider's login, or the choice between providers when there are several) or get 401.
 * options.provider picks one provider's login; options.loginPath overrides.
 */
function requiresAuth(options = {}) {
  return (req, res, next) => {
    if (req.gouvconnect && req.gouvconnect.isAuthenticated()) return next();
    if (req.method === 'GET') {
      const routes = req.gouvconnect ? req.gouvconnect.routes : latestRoutes;
      const loginPath = options.loginPath || mountedLoginPath(routes, options.provider);
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

/**
 * The official button as HTML (embed BUTTON_CSS once in the page), submitting to the provider's
 * login route as mounted by auth() (the latest auth() of the process; options.action overrides).
 */
function loginButton(provider, options = {}) {
  const routes = options.routes || latestRoutes;
  const action = options.action
    || (routes && routes.providers[provider] ? routes.providers[provider].login : DEFAULT_ROUTES.login);
  return buttonHtml(provider, action, options.next ?? null);
}

module.exports = { auth, doctor, requiresAuth, requiresAcr, requiresGroup, loginButton, BUTTON_CSS };
