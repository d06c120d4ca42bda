'use strict';
// gouvconnect/express: ProConnect, Pro Santé Connect, FranceConnect and FranceConnect+ login
// for Express 4 and 5.
// Works with express-session and any of its stores. It does not import express itself, so the
// application's own Express version is the one in use.

const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const {
  Client, Mapping, GouvConnectError, safeNextPath, buttonHtml, errorPageHtml, acrSatisfies, BUTTON_CSS,
  loginOriginRedirect, auditEvent, doctor: checkClient, stepUpOptions, isPageView, isStepUp, isSupportLink,
} = require('..');
const { createPracticePicker, requiresPractice } = require('./practice');

// Each stable code's French message for the user (the core's table, as on the error page).
const USER_MESSAGES = new Map(require('../native-loader.js').loadNative().errorCodes()
  .map((c) => [c.code, c.userMessage]));
// On `res`: whether auth() hands errors to the application's error handler (errorPage: false).
const PASS_ERRORS = Symbol('gouvconnect.passErrors');

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
// FranceConnect+ only: the public encryption keys, the URL registered with FranceConnect+.
const FRANCECONNECT_PLUS = 'franceconnect_plus';
const JWKS_ROUTE = '/auth/jwks';
const ROUTE_KEYS = new Set([...Object.keys(DEFAULT_ROUTES), 'choose', 'jwks']);
// How long FranceConnect+ (or a proxy) may keep the public keys: short, so that a new key is
// picked up soon after it is published (docs/franceconnect.md, the client's keys).
const JWKS_MAX_AGE_SECS = 300;
// Marker the core adds to a login request it moved to the redirect URI's origin.
const ORIGIN_MARKER = 'gouvconnect_origin';
// The browser-session cookie (no Max-Age) set when a silent login is tried: once per browser
// session, whatever happens to the application's session (logout, expiry, a new session id).
const SILENT_COOKIE = 'gouvconnect_silent';
// The core's default `session_max_age_secs` (12 h, ProConnect's own session length).
const DEFAULT_SESSION_MAX_AGE_SECS = 43200;

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
function computeRoutes(names, given, { jwks = false } = {}) {
  const several = names.length > 1;
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    throw configError('`routes` must be an object of paths');
  }
  const template = { ...DEFAULT_ROUTES, ...(several ? SEVERAL_DEFAULTS : {}), ...(jwks ? { jwks: JWKS_ROUTE } : {}) };
  for (const [key, value] of Object.entries(given || {})) {
    if (value === undefined) continue;
    if (!ROUTE_KEYS.has(key)) {
      throw configError(`unknown route \`routes.${key}\` (known: ${[...ROUTE_KEYS].join(', ')})`);
    }
    if (key === 'jwks' && !jwks) continue; // only mounted with FranceConnect+
    if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) {
      throw configError(`\`routes.${key}\` must be a local path starting with "/", not ${JSON.stringify(value)}`);
    }
    template[key] = value;
  }
  for (const key of ['logout', 'logoutCallback', 'choose', 'jwks', 'afterLogin', 'afterLogout']) {
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
  if (jwks) mounted.push({ method: 'GET', path: template.jwks, key: 'jwks' });
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
  const jwks = names.includes(FRANCECONNECT_PLUS);
  const { template, mounted, public: publicRoutes } = computeRoutes(names, options.routes, { jwks });
  const providers = names.map((name) => {
    // The keys as the core takes them (text), whichever way they were given.
    const { decryption_keys: inlineKeys, decryption_keys_file: keysFile, ...given } = options.providers[name] || {};
    const keys = decryptionKeys(name, inlineKeys, keysFile, jwks ? base + template.jwks : null);
    return {
      name,
      given,
      config: {
        ...given,
        ...(keys === undefined ? {} : { decryption_keys: keys }),
        provider: name,
        redirect_uri: base + publicRoutes.providers[name].callback,
        post_logout_redirect_uri: base + template.logoutCallback,
      },
    };
  });
  return { names, baseOrigin, template, mounted, publicRoutes, providers };
}

/**
 * A provider's private decryption keys as the core takes them (text: a JWKS of private keys or
 * PEM), from `decryption_keys` (that text, or a parsed JWKS) or `decryption_keys_file` (its
 * path, read now). FranceConnect+ without any is refused here, with what to do; another
 * provider given some is refused by the core. `jwksUrl`: where auth() publishes the public
 * halves. Never puts the keys in a message.
 */
function decryptionKeys(name, given, file, jwksUrl) {
  const where = `providers.${name}`;
  // An empty value (an unset environment variable) is no value.
  const inline = typeof given === 'string' && given.trim() === '' ? undefined : given;
  if (inline !== undefined && inline !== null && file !== undefined && file !== null) {
    throw configError(`${where}: give \`decryption_keys\` or \`decryption_keys_file\`, not both`);
  }
  if (file !== undefined && file !== null) {
    if (typeof file !== 'string' || file === '') {
      throw configError(`${where}.decryption_keys_file must be the path of a JWKS or PEM file of private keys`);
    }
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw configError(`${where}.decryption_keys_file: cannot read ${JSON.stringify(file)} (${error.code || error.message})`);
    }
  }
  if (inline !== undefined && inline !== null) {
    if (typeof inline === 'string') {
      const text = inline.trim();
      if (!text.startsWith('{') && !text.startsWith('-----BEGIN') && !text.includes('\n')) {
        // Most likely a file name given as text: say so instead of the core's parse error.
        throw configError(`${where}.decryption_keys is neither a JWKS nor PEM text: for a file, use \`decryption_keys_file\``);
      }
      return inline;
    }
    if (typeof inline === 'object' && !Array.isArray(inline)) return JSON.stringify(inline);
    throw configError(`${where}.decryption_keys must be the text of a JWKS or of PEM private keys, or a parsed JWKS`);
  }
  if (name === FRANCECONNECT_PLUS) {
    throw configError(`${where} needs the service's private decryption keys: FranceConnect+ encrypts every token `
      + 'to the public keys registered with it. Set `decryption_keys_file` (the path of a JWKS or PEM file of private keys) '
      + `or \`decryption_keys\` (that text); auth() publishes their public halves at ${jwksUrl}, the URL to register with FranceConnect+`);
  }
  return undefined;
}

/**
 * Mounts login, callback, logout and logout-callback routes for each configured provider.
 *
 * options.baseURL       the app's public base URL (redirect URI = baseURL + callback route)
 * options.providers     { proconnect?: ClientConfig-without-redirect, prosanteconnect?: …,
 *                       franceconnect?: …, franceconnect_plus?: … }; FranceConnect+ needs its
 *                       private keys: `decryption_keys` (JWKS or PEM text, or a parsed JWKS) or
 *                       `decryption_keys_file` (a path, read at startup)
 * options.routes        route paths (any subset); `:provider` in login and callback stands for
 *                       the provider's name (default with several providers:
 *                       /auth/<provider>/login and /auth/<provider>/callback, and a page offering
 *                       every button at routes.choose, /auth/login); with FranceConnect+,
 *                       routes.jwks (default /auth/jwks) serves the public encryption keys: the
 *                       URL to register with FranceConnect+
 * options.mapping       core Mapping spec: fields and groups computed at login
 * options.logger        { info, warn, error } (never receives a token)
 * options.onEvent       (event, req) => void: every login event (the same as
 *                       `auth(…).on('event', …)`)
 * options.silentLogin   true, or { provider?, when?(req) }: an anonymous visitor's page view
 *                       first tries a silent login (`prompt=none`), once per browser session;
 *                       "not logged in" at the provider brings the visitor back, anonymous
 * options.renewEvery    seconds (at least 60; 0 or absent: off): the refresh token is kept in
 *                       the server-side session and, on the first page view that many seconds
 *                       after the login or the last renewal, the identity is renewed with it
 *                       (same person, current data, policy applied again; session_expires_at
 *                       unchanged). A failed renewal ends the session (logout event), after a
 *                       silent login when silentLogin is on
 * options.supportURL    a support page or `mailto:` link offered on the error pages (with the
 *                       way back after a refused step-up)
 * options.errorPage     true (default): a failure of gouvconnect's routes goes, as `next(err)`
 *                       would, to errorHandler({ supportURL }) at the end of auth()'s own chain,
 *                       which renders the error page; false: it goes to the application's own
 *                       `(err, req, res, next)` handlers with `next(err)`
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
  const silent = silentSettings(options.silentLogin, names);
  const renewEvery = renewSettings(options.renewEvery);
  const supportURL = supportLink(options.supportURL);
  if (options.errorPage !== undefined && typeof options.errorPage !== 'boolean') {
    throw configError('`errorPage` must be true (the provided error page) or false (errors go to next(err))');
  }
  const passErrors = options.errorPage === false;
  const errorPage = errorHandler({ supportURL });
  // Pro Santé Connect: the practice a professional with several acts for (express/practice.js).
  const picker = createPracticePicker(options.practice, { mapping, save, afterLogin: template.afterLogin });
  if (picker.enabled) publicRoutes.practice = picker.path;
  const secureCookie = baseOrigin.startsWith('https:');

  const providers = new Map();
  const publicKeys = [];
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
    const offline = Client.offline(config);
    const published = offline.publicJwks();
    if (published) publicKeys.push(...JSON.parse(published).keys);
    providers.set(name, { name, config, client: null, connecting: null });
  }
  // FranceConnect+'s public encryption keys, ready at startup: FranceConnect+ fetches them at
  // each login, whether or not the provider's discovery has been read yet.
  const publicJwks = JSON.stringify({ keys: publicKeys });

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
    jwks: (req, res) => {
      res.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECS}`);
      res.type('application/json').send(publicJwks);
    },
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
    await begin(req, res, name, {}, { next: localPath(next) });
  }

  /**
   * Starts a login at `name` with the core's login `options`: the pending login goes into the
   * session (next to the signed-in user's, which stays as it is until the callback succeeds).
   * `kind`: 'step_up' or 'silent' (how a failure is answered); `next`: where to go after;
   * `from`: the page to go back to when a step-up is refused.
   */
  async function begin(req, res, name, loginOptions, { kind, next, from } = {}) {
    const client = await clientFor(name);
    const { url, pending } = client.beginLogin({ ...loginOptions, next: next || undefined });
    const record = { provider: name, pending };
    if (kind) record.kind = kind;
    if (next) record.next = next;
    if (from) record.from = from;
    state(req).pending = record;
    await save(req);
    res.redirect(url);
  }

  /**
   * Step-up: a new login of the signed-in user at `level` (the core's step-up options: the level
   * as the minimum, ProConnect's login_hint, Pro Santé Connect's prompt=login, and the same sub
   * required on return), coming back to `next`. Failures are answered as the login route's are.
   */
  async function stepUp(req, res, level, { next, mfa } = {}) {
    const current = state(req).login;
    if (!current) throw new GouvConnectError('no_pending_login', 'a step-up needs a signed-in user');
    const loginOptions = stepUpOptions(current.identity, level);
    if (mfa) loginOptions.require_mfa = true;
    const target = localPath(next) || localPath(req.originalUrl);
    await begin(req, res, current.provider, loginOptions, {
      kind: 'step_up', next: target, from: refererPath(req) || template.afterLogin,
    });
  }

  /** A silent login (prompt=none) at `name`, marked in the browser so that it is tried once. */
  async function silentLogin(req, res, name, { expired } = {}) {
    res.append('Set-Cookie', `${SILENT_COOKIE}=1; Path=/; HttpOnly; SameSite=Lax${secureCookie ? '; Secure' : ''}`);
    if (expired) state(req).expired = expired;
    await begin(req, res, name, { prompt: 'none' }, { kind: 'silent', next: localPath(req.originalUrl) });
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
    let login;
    try {
      login = await client.completeLogin(pending.pending, queryString(req));
    } catch (error) {
      if (pending.kind === 'silent') return silentFailed(req, res, pending, error);
      // A refused step-up leaves the session as it was (the signed-in user, the former level);
      // its page offers the way back and another try.
      if (pending.kind === 'step_up') {
        Object.defineProperty(error, 'alternative', { value: { back: pending.from || template.afterLogin, retry: pending.next }, enumerable: false });
      }
      throw error;
    }
    const settled = picker.settle(login.identity, previous || session.expired, { ask: pending.kind !== 'step_up' });
    const mapped = mapping.apply(settled.identity);
    await regenerate(req); // a new session id at login (no fixation)
    state(req).login = {
      provider: name,
      identity: settled.identity,
      idToken: login.id_token,
      fields: mapped.fields,
      groups: mapped.groups,
      expiresAt: login.session_expires_at,
      // Server-side only (express-session keeps the data in its store, the cookie holds the id).
      ...(renewEvery && login.refresh_token ? { refreshToken: login.refresh_token, renewedAt: nowSecs() } : {}),
    };
    await save(req);
    logger.info('gouvconnect login', { provider: name, acr: login.identity.acr, ...(pending.kind ? { kind: pending.kind } : {}) });
    publish(req, stepUpOf(previous, login.identity) ? { ...login.event, event: 'step_up' } : login.event);
    res.redirect(settled.choose ? picker.url(login.next) : login.next || template.afterLogin);
  }

  /**
   * A silent login that did not sign the user in: back where the visitor was, anonymous, with no
   * error page (`login_required`: not signed in at the provider, the expected answer; anything
   * else is logged and counted as a refusal). A session that expired and could not be renewed
   * ends here (logout event).
   */
  async function silentFailed(req, res, pending, error) {
    const code = error instanceof GouvConnectError ? error.code : 'internal_error';
    const session = state(req);
    const expired = session.expired;
    delete session.expired;
    await save(req);
    if (code !== 'login_required') {
      publish(req, refusal(pending.provider, error));
      logger.warn('gouvconnect silent login failed', { provider: pending.provider, code, detail: error && error.message });
    }
    if (expired) publishLogout(req, expired);
    res.redirect(pending.next || template.afterLogin);
  }

  function publishLogout(req, login) {
    publish(req, auditEvent('logout', { clientId: providers.get(login.provider).config.client_id, identity: login.identity }));
  }

  /**
   * Before the application's routes: a session past its `session_expires_at` ends (a silent
   * re-login is tried first when silentLogin is on and this is a page view), and an anonymous
   * visitor's first page view tries a silent login. Resolves with true when it answered.
   */
  async function lifecycle(req, res) {
    const session = req.session.gouvconnect;
    const current = session && session.login;
    if (current) {
      if (!current.expiresAt) {
        // A session from before session_expires_at existed: its clock starts now.
        current.expiresAt = nowSecs() + (providers.get(current.provider)?.config.session_max_age_secs ?? DEFAULT_SESSION_MAX_AGE_SECS);
        await save(req);
        return false;
      }
      if (nowSecs() < current.expiresAt) return renewalDue(req, current) ? renew(req, res, session, current) : false;
      logger.info('gouvconnect session expired', { provider: current.provider });
      return endLogin(req, res, session, current);
    }
    if (!silent || !navigation(req) || cookieValue(req, SILENT_COOKIE) !== null) return false;
    if (session && (session.pending || session.expired)) return false;
    if (!silent.when(req)) return false;
    await silentLogin(req, res, silent.provider);
    return true;
  }

  /**
   * Whether the signed-in login is to be renewed now (renewEvery). Page views only: a refresh
   * token is single use, and parallel fetch/XHR calls would race to spend it (the loser would
   * sign the user out).
   */
  function renewalDue(req, current) {
    return Boolean(renewEvery && current.refreshToken && navigation(req)
      && nowSecs() >= (current.renewedAt || 0) + renewEvery);
  }

  /**
   * Renews the signed-in identity with the refresh token (renewEvery): the same person's current
   * data, mapped again as at login. The provider unreachable: kept as it is, tried again at a
   * later page view. Any other failure (login_required: the provider's session ended;
   * refresh_user_mismatch; a policy refusal) ends the login as its maximum age does.
   */
  async function renew(req, res, session, current) {
    let login;
    try {
      const client = await clientFor(current.provider);
      login = await client.refresh(current.identity, current.refreshToken, current.expiresAt);
    } catch (error) {
      const code = error instanceof GouvConnectError ? error.code : 'internal_error';
      if (code === 'provider_unavailable') {
        logger.warn('gouvconnect renewal postponed', { provider: current.provider, code });
        return false;
      }
      logger.info('gouvconnect renewal refused', { provider: current.provider, code });
      return endLogin(req, res, session, current);
    }
    const mapped = mapping.apply(login.identity);
    Object.assign(current, {
      identity: login.identity,
      idToken: login.id_token,
      fields: mapped.fields,
      groups: mapped.groups,
      refreshToken: login.refresh_token,
      renewedAt: nowSecs(),
    });
    await save(req);
    return false;
  }

  /**
   * Ends the signed-in login (logout event); with silentLogin on and a page view, a silent
   * login is tried first (its failure ends the session). Resolves with true when it answered.
   */
  async function endLogin(req, res, session, current) {
    delete session.login;
    const expired = { provider: current.provider, identity: current.identity };
    if (silent && navigation(req) && silent.when(req) && providers.has(current.provider)) {
      try {
        await silentLogin(req, res, current.provider, { expired });
        return true;
      } catch (error) {
        // Could not ask the provider (unreachable): the session ends here.
        delete session.expired;
        logger.warn('gouvconnect silent login not started', { provider: current.provider, code: error instanceof GouvConnectError ? error.code : 'internal_error' });
      }
    }
    await save(req);
    publishLogout(req, expired);
    return false;
  }

  async function logout(req, res) {
    const current = state(req).login;
    if (!current) return res.redirect(template.afterLogout);
    const client = await clientFor(current.provider);
    const request = client.logoutRequest(current.idToken);
    delete state(req).login;
    publishLogout(req, current);
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

  /**
   * A failure of gouvconnect's routes: logged here, then handed on as `next(err)` would — to the
   * provided error page (errorHandler) by default, or with errorPage: false to the application's
   * error handlers — as a GouvConnectError with `.code`, `.status` and `.userMessage` (anything
   * else, a session store failure or a bug, becomes `internal_error` with the original as `cause`).
   */
  function fail(req, res, next, error) {
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
    const handed = asGouvConnectError(error);
    if (passErrors && typeof next === 'function') return next(handed);
    errorPage(handed, req, res, next || (() => {}));
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
    res.gouvconnect = {
      /** Starts a step-up login of the signed-in user at `level` (see requiresAcr). */
      stepUp: (level, opts = {}, onError = undefined) => stepUp(req, res, level, opts).catch((error) => {
        const current = state(req).login;
        if (current) publish(req, refusal(current.provider, error));
        fail(req, res, onError, error);
      }),
    };
    Object.defineProperty(res.gouvconnect, PASS_ERRORS, { value: passErrors });
    if (picker.handles(req)) return picker.handle(req, res).catch((error) => fail(req, res, next, error));
    const route = mounted.find((r) => r.method === req.method && r.path === req.path);
    if (!route) {
      // The common case (a signed-in user within the session's lifetime and not due for a
      // renewal, no silent login to try) stays synchronous.
      const session = req.session.gouvconnect;
      const current = session && session.login;
      if (current ? (current.expiresAt && nowSecs() < current.expiresAt && !renewalDue(req, current)) : !silent) return next();
      return lifecycle(req, res).then((answered) => { if (!answered) next(); }, (error) => {
        if (!res.headersSent && silent) {
          // A silent login that could not start (the provider down): the visitor goes on, anonymous.
          logger.warn('gouvconnect silent login not started', { code: error instanceof GouvConnectError ? error.code : 'internal_error', detail: error && error.message });
          return next();
        }
        fail(req, res, next, error);
      });
    }
    Promise.resolve()
      .then(() => handlers[route.key](req, res, route))
      .catch((error) => {
        // A login that ended in an error, on its way to the provider or back.
        if (route.provider) publish(req, refusal(route.provider, error));
        fail(req, res, next, error);
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
/** A login of the session's user at a higher level (the core's rule), reported as `step_up`. */
function stepUpOf(previous, identity) {
  try {
    return Boolean(previous) && isStepUp(previous.identity, identity);
  } catch {
    return false; // a session written by an older version: a plain login
  }
}

/** The renewEvery option: seconds between renewals, or 0 when off. */
function renewSettings(given) {
  if (given === undefined || given === null || given === 0) return 0;
  if (!Number.isInteger(given) || given < 60) {
    throw configError('`renewEvery` must be whole seconds, at least 60 (or 0: off)');
  }
  return given;
}

/** The silentLogin option: null when off, else { provider, when }. */
function silentSettings(value, names) {
  if (value === undefined || value === null || value === false) return null;
  const given = value === true ? {} : value;
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw configError('`silentLogin` must be true or { provider?, when? }');
  }
  for (const key of Object.keys(given)) {
    if (key !== 'provider' && key !== 'when') throw configError(`unknown option \`silentLogin.${key}\` (known: provider, when)`);
  }
  const provider = given.provider ?? (names.length === 1 ? names[0] : null);
  if (!provider) throw configError('with several providers, `silentLogin.provider` names the one to ask silently');
  if (!names.includes(provider)) throw configError(`\`silentLogin.provider\` ${JSON.stringify(provider)} is not a configured provider`);
  if (given.when !== undefined && typeof given.when !== 'function') throw configError('`silentLogin.when` must be a function (req) => boolean');
  return { provider, when: given.when || (() => true) };
}

function supportLink(value) {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !isSupportLink(value)) {
    throw configError('`supportURL` must be an http(s) URL, a mailto: link or a local path');
  }
  return value;
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The core's error page with the alternative path of a refused step-up (back to where the user
 * was, another try) and the support link, inserted before the end of the body.
 */
function withAlternative(page, alternative, supportURL) {
  const parts = [];
  if (alternative) {
    const retry = alternative.retry
      ? ` ou <a id="gouvconnect-retry" href="${escapeHtml(alternative.retry)}">réessayer avec votre propre compte</a>` : '';
    parts.push(`<p>Vous restez connecté avec votre compte. Vous pouvez <a id="gouvconnect-back" href="${escapeHtml(alternative.back)}">revenir à la page précédente</a> et continuer sans cette action${retry}.</p>`);
  }
  if (supportURL) {
    parts.push(`<p>Besoin d’aide ? <a id="gouvconnect-support" href="${escapeHtml(supportURL)}">Contacter le support</a></p>`);
  }
  if (!parts.length) return page;
  const end = page.lastIndexOf('</body>');
  return end === -1 ? page + parts.join('') : page.slice(0, end) + parts.join('') + page.slice(end);
}

/** A page view by a browser (not an API call, an asset or a prefetch): the core's rule. */
function navigation(req) {
  return isPageView(req.method, req.headers);
}

const nowSecs = () => Math.floor(Date.now() / 1000);

/** `path` when it is a local path, else undefined. */
function localPath(path) {
  return typeof path === 'string' && safeNextPath(path) ? path : undefined;
}

/** The Referer's path when it is this site's (same host), for a way back. */
function refererPath(req) {
  const referer = req.headers.referer;
  if (!referer || !req.headers.host) return undefined;
  try {
    const url = new URL(referer);
    if (url.host !== req.headers.host) return undefined;
    return localPath(url.pathname + url.search);
  } catch {
    return undefined;
  }
}

function cookieValue(req, name) {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index !== -1 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
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
    /** Unix time (seconds) at which the signed-in session ends (`session_max_age_secs`). */
    get sessionExpiresAt() { return current() ? current().expiresAt ?? null : null; },
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

/** The error as gouvconnect hands it on: a GouvConnectError with its user message. */
function asGouvConnectError(error) {
  let handed = error;
  if (!(error instanceof GouvConnectError)) {
    handed = new GouvConnectError('internal_error', 'unexpected failure in gouvconnect/express');
    Object.defineProperty(handed, 'cause', { value: error, enumerable: false, configurable: true });
  }
  if (handed.userMessage === undefined) {
    Object.defineProperty(handed, 'userMessage', {
      value: USER_MESSAGES.get(handed.code) ?? USER_MESSAGES.get('internal_error'), enumerable: false, configurable: true,
    });
  }
  return handed;
}

/**
 * The provided error handler, `(err, req, res, next)`: renders the error page of a
 * GouvConnectError (the stable code, the user's message, `err.status`; the way back of a refused
 * step-up; `supportURL`'s link) and passes anything else, or an error after the headers were
 * sent, to `next(err)`. auth() ends its own chain with one; with `errorPage: false`, mount it
 * (or your own) after your routes: `app.use(errorHandler({ supportURL }))`.
 */
function errorHandler(options = {}) {
  const supportURL = supportLink(options && options.supportURL);
  return function gouvconnectErrorHandler(err, req, res, next) {
    if (!(err instanceof GouvConnectError) || res.headersSent) return next(err);
    const page = withAlternative(errorPageHtml(err.code, '/'), err.alternative, supportURL);
    res.status(err.status).type('html').send(page);
  };
}

/** A refusal by requiresAcr/requiresGroup: the error page in place, or next(err) with errorPage: false. */
function deny(res, next, code, message) {
  const error = asGouvConnectError(new GouvConnectError(code, message));
  if (res.gouvconnect && res.gouvconnect[PASS_ERRORS]) return next(error);
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

/**
 * Requires an acr at least `level` (the core's rules; ProConnect's levels are partially ordered;
 * Pro Santé Connect `eidas2` is a CPS card login). A signed-in user below it who opens the page
 * (GET) is sent through a step-up login at `level` and comes back here; the same person must
 * come back (else `step_up_user_mismatch`, the session left as it was). Other methods get 403
 * `acr_insufficient`; a visitor not signed in is sent to the login (GET) or gets 401.
 */
function requiresAcr(level, options = {}) {
  const mfa = Boolean(options.mfa);
  return (req, res, next) => {
    const ctx = req.gouvconnect;
    if (!ctx || !ctx.isAuthenticated()) return requiresAuth(options)(req, res, next);
    let satisfied;
    try {
      satisfied = acrSatisfies(ctx.provider, ctx.identity.acr, level, mfa);
    } catch (error) {
      return next(error);
    }
    if (satisfied) return next();
    if (req.method === 'GET' && res.gouvconnect && options.stepUp !== false) {
      return res.gouvconnect.stepUp(level, { next: req.originalUrl, mfa }, next);
    }
    return deny(res, next, 'acr_insufficient', `acr ${level} required`);
  };
}

/** Requires a group computed by the mapping at login. */
function requiresGroup(name) {
  return (req, res, next) => {
    const ctx = req.gouvconnect;
    if (!ctx || !ctx.isAuthenticated()) return res.status(401).json({ error: 'not_authenticated' });
    if (ctx.groups.includes(name)) return next();
    return deny(res, next, 'access_denied', `group ${name} required`);
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

module.exports = { auth, doctor, errorHandler, requiresAuth, requiresAcr, requiresGroup, requiresPractice, loginButton, BUTTON_CSS };
