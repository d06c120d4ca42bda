'use strict';
// gouvconnect for Node.js: a thin wrapper over the native core. Errors from the core become
// GouvConnectError with a stable `.code`.

// The addon: the prebuilt package of this platform, or a from-source build (native-loader.js).
const native = require('./native-loader.js').loadNative();

const CODE_TABLE = native.errorCodes();
const STATUS = new Map(CODE_TABLE.map((c) => [c.code, c.status]));

/** Every stable error code, e.g. `ErrorCode.STATE_MISMATCH === 'state_mismatch'`. */
const ErrorCode = Object.freeze(
  Object.fromEntries(CODE_TABLE.map((c) => [c.code.toUpperCase(), c.code])),
);

class GouvConnectError extends Error {
  constructor(code, message, providerError = undefined) {
    super(message);
    this.name = 'GouvConnectError';
    /** Stable code (see ErrorCode). */
    this.code = code;
    /** HTTP status a host answers with. */
    this.status = STATUS.get(code) ?? 500;
    /** What the provider said (`{ error, description }`), when it answered with an OAuth error. */
    if (providerError) this.providerError = providerError;
  }
}

// napi statuses of a JS value of the wrong type given to the native layer.
const ARGUMENT_STATUSES = new Set(['InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected',
  'FunctionExpected', 'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected']);

/** The error the native layer sent as data (`{"gouvconnect_error": {...}}`), or null. */
function nativeError(message) {
  if (!message.startsWith('{"gouvconnect_error":')) return null;
  try {
    const data = JSON.parse(message).gouvconnect_error;
    return data && STATUS.has(data.code) ? data : null;
  } catch {
    return null;
  }
}

/** Turns a native error into a GouvConnectError. */
function wrapError(error) {
  if (!error || typeof error.message !== 'string') return error;
  const data = nativeError(error.message);
  if (data) return new GouvConnectError(data.code, data.message, data.provider_error);
  if (ARGUMENT_STATUSES.has(error.code)) return new GouvConnectError('invalid_request', error.message);
  // Anything else from the native layer is a caught Rust panic: its payload may quote input, so
  // it is not passed on.
  if (error.code === 'GenericFailure') {
    return new GouvConnectError('internal_error', 'unexpected failure inside the native module');
  }
  return error;
}

function call(fn) {
  try {
    return fn();
  } catch (error) {
    throw wrapError(error);
  }
}

/** A relying party for one provider (ProConnect, Pro Santé Connect, FranceConnect, FranceConnect+). */
class Client {
  #native;

  /** @private use Client.connect() or Client.offline() */
  constructor(nativeClient) {
    this.#native = nativeClient;
  }

  /** A client doing its own network I/O (a custom issuer's discovery is fetched first). */
  static async connect(config) {
    try {
      return new Client(await native.connect(config));
    } catch (error) {
      throw wrapError(error);
    }
  }

  /** A sans-IO client: no discovery, no network. */
  static offline(config) {
    return new Client(call(() => native.NativeClient.offline(config)));
  }

  /** `proconnect`, `prosanteconnect`, `franceconnect` or `franceconnect_plus`. */
  get provider() {
    return this.#native.provider;
  }

  /** The resolved endpoints and quirks of the provider. */
  get providerMetadata() {
    return call(() => this.#native.providerMetadata);
  }

  /** Starts a login: `{url, pending}`; keep `pending` in the session. */
  beginLogin(options = {}) {
    return call(() => this.#native.beginLogin(toSnake(options)));
  }

  /**
   * Completes a login from the callback query string (network). The audit event of the outcome
   * rides along, non-enumerable: `login.event` (`login_succeeded`), or `error.event`
   * (`login_refused`, with the stable code) on the GouvConnectError thrown.
   */
  async completeLogin(pending, query) {
    let outcome;
    try {
      outcome = JSON.parse(await this.#native.completeLogin(pending, query));
    } catch (error) {
      throw wrapError(error);
    }
    if (outcome.error) {
      const { code, message, provider_error: providerError } = outcome.error;
      throw withEvent(new GouvConnectError(code, message, providerError ?? undefined), outcome.event);
    }
    return withEvent(outcome.login, outcome.event);
  }

  /**
   * Renews a session with its refresh token (network): the same person's login with the
   * provider's current data, new tokens (keep the rotated `refresh_token` server-side) and
   * `session_expires_at` unchanged. Throws `login_required` when the provider's session ended
   * (`invalid_grant`) or the session reached its end, `refresh_user_mismatch` when another
   * `sub` comes back, the policy's refusals as at login.
   */
  async refresh(identity, refreshToken, sessionExpiresAt) {
    try {
      return JSON.parse(await this.#native.refresh(identity, refreshToken, sessionExpiresAt));
    } catch (error) {
      throw wrapError(error);
    }
  }

  /** Sans-IO completion with the token response and userinfo fetched by the caller. */
  finishLogin(pending, tokenResponse, userinfoContentType, userinfoBody, now) {
    const tokens = typeof tokenResponse === 'string' ? tokenResponse : JSON.stringify(tokenResponse);
    return JSON.parse(call(() =>
      this.#native.finishLogin(pending, tokens, userinfoContentType ?? null, userinfoBody ?? null, now ?? null),
    ));
  }

  /**
   * FranceConnect+: the public JWKS (JSON text, `use: enc`, no private member) of the configured
   * `decryption_keys`, to serve at the URL registered with FranceConnect+; null for the other
   * providers.
   */
  publicJwks() {
    return call(() => this.#native.publicJwks()) ?? null;
  }

  /** Replaces the cached JWKS (object or JSON text). */
  setJwks(jwks) {
    return call(() => this.#native.setJwks(jwks));
  }

  /** The end-session redirect `{url, pending}`, or null when the provider has none. */
  logoutRequest(idTokenHint) {
    return call(() => this.#native.logoutRequest(idTokenHint ?? null));
  }

  /** Checks the state returned to the post-logout redirect URI. */
  verifyLogoutCallback(pending, query) {
    return call(() => this.#native.verifyLogoutCallback(pending, query));
  }
}

/** Declarative mapping of the identity to user fields and groups. */
class Mapping {
  #native;
  constructor(mapping) {
    this.#native = call(() => new native.Mapping(mapping ?? null));
  }
  apply(identity) {
    return call(() => this.#native.apply(identity));
  }
}

/** Attaches an audit event to a login or an error, out of its JSON form. */
function withEvent(target, event) {
  Object.defineProperty(target, 'event', { value: event, enumerable: false, configurable: true });
  return target;
}

/**
 * The core's audit event `kind` (`login_succeeded`, `login_refused`, `logout`, `step_up`,
 * `account_linked`) for `identity`, or for a refusal with the stable `code`. Never holds a token,
 * secret, code, state or nonce.
 */
function auditEvent(kind, { provider, clientId, identity, code } = {}) {
  return call(() => native.auditEvent(String(kind), String(provider ?? identity?.provider ?? ''),
    String(clientId ?? ''), identity ?? null, code ?? null));
}

/**
 * Runs the going-live checks of a client configuration against the live provider. Resolves
 * with the report (`ok`, `checks[]` each with a stable `id`, a `verdict`, a `message` and a
 * `fix`); `report.toText()` is the report for a person. Rejects only for a configuration of the
 * wrong shape (`invalid_config`); every other problem is a failed check.
 */
async function doctor(config, options = {}) {
  let output;
  try {
    output = await native.doctor(config, toSnake(options));
  } catch (error) {
    throw wrapError(error);
  }
  const report = JSON.parse(output.json);
  Object.defineProperty(report, 'toText', { value: () => output.text, enumerable: false });
  return report;
}

// Login options are snake_case in the core; accept camelCase too.
function toSnake(options) {
  const out = {};
  for (const [key, value] of Object.entries(options || {})) {
    if (value === undefined) continue;
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return out;
}

const PAGE_VIEW_HEADERS = native.pageViewHeaders();

module.exports = {
  Client,
  Mapping,
  GouvConnectError,
  ErrorCode,
  BUTTON_CSS: native.buttonCss(),
  safeNextPath: (next) => native.safeNextPath(String(next)),
  loginOriginRedirect: (redirectUri, requestUrl) =>
    native.loginOriginRedirect(String(redirectUri), String(requestUrl)),
  buttonHtml: (provider, action, next) => call(() => native.buttonHtml(provider, action, next ?? null)),
  errorPageHtml: (code, home = '/') => call(() => native.errorPageHtml(code, home)),
  acrSatisfies: (provider, acr, minimum, mfa = false) =>
    call(() => native.acrSatisfies(provider, acr ?? null, minimum ?? null, mfa)),
  /**
   * The login options (snake_case, for `beginLogin`) that re-authenticate the signed-in
   * `identity` at `acr`: the core's step-up rule (the level as the minimum, ProConnect's
   * `login_hint` = the user's email, Pro Santé Connect `prompt=login`, and `step_up_sub`: the
   * same person must come back, else `step_up_user_mismatch`).
   */
  stepUpOptions: (identity, acr) => call(() => native.stepUpOptions(identity, String(acr))),
  /**
   * Whether a request is a person's browser asking to display a page (what a redirect to the
   * provider may answer: silent login, session renewal), by the core's rule. `headers`: Node's
   * lower-cased `req.headers`.
   */
  isPageView: (method, headers) => native.isPageView(String(method),
    PAGE_VIEW_HEADERS.map((name) => {
      const value = headers && headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : String(value);
    })),
  /** Whether `identity`, just logged in, is a step-up of the session's `previous` identity. */
  isStepUp: (previous, identity) => call(() => native.isStepUp(previous, identity)),
  /** Whether `link` may be the error pages' support link (http(s), mailto: or a local path). */
  isSupportLink: (link) => native.isSupportLink(String(link)),
  /** Pro Santé Connect: every practice of `identity` (exercice × activity, stable ids, labels). */
  practices: (identity) => call(() => native.practices(identity)),
  /** `identity` acting for the practice `id` (`identity.practice`); unknown id: `invalid_request`. */
  withPractice: (identity, id) => call(() => native.withPractice(identity, String(id))),
  wrapError,
  doctor,
  auditEvent,
};
