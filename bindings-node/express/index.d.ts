import type { EventEmitter } from 'node:events';
import type { AuditEvent, AuditEventKind, ClientConfig, DoctorReport, GouvConnectError, Identity, ProviderName } from '..';

export interface ProviderOptions extends Omit<ClientConfig, 'provider' | 'redirect_uri' | 'post_logout_redirect_uri' | 'decryption_keys'> {
  /**
   * The redirect URI registered with the provider, if you want it checked: auth() always uses
   * baseURL + routes (and warns when this differs); doctor() fails when it is not that route.
   */
  redirect_uri?: string;
  /** Likewise for the post-logout redirect URI (baseURL + routes.logoutCallback). */
  post_logout_redirect_uri?: string;
  /**
   * FranceConnect+ (one of the two is required there; refused for the other providers): the
   * service's PRIVATE decryption keys — the text of a JWKS of private keys or of PEM private
   * keys, or a parsed JWKS. Their public halves are served at `routes.jwks`.
   */
  decryption_keys?: string | { keys: Array<Record<string, unknown>> } | null;
  /** FranceConnect+: the path of a JWKS or PEM file of the private decryption keys, read at startup. */
  decryption_keys_file?: string | null;
}

/**
 * Route paths (any subset). `:provider` in `login` and `callback` stands for the provider's name;
 * with two providers their defaults are `/auth/:provider/login` and `/auth/:provider/callback`,
 * and `choose` (default `/auth/login`) offers both buttons. Colliding paths make auth() throw
 * `invalid_config`.
 */
export interface Routes {
  login?: string;
  callback?: string;
  logout?: string;
  logoutCallback?: string;
  afterLogin?: string;
  afterLogout?: string;
  choose?: string;
  /**
   * FranceConnect+ only (default `/auth/jwks`): the public encryption keys (JSON, no private
   * member). Register baseURL + this path with FranceConnect+, which fetches it to encrypt the
   * tokens it sends.
   */
  jwks?: string;
}

/** The paths auth() mounted. */
export interface MountedRoutes {
  login: string;
  callback: string;
  logout: string;
  logoutCallback: string;
  afterLogin: string;
  afterLogout: string;
  /** Only with several providers: the page offering every provider's button. */
  choose?: string;
  /** Only with FranceConnect+: the public encryption keys, the URL to register with it. */
  jwks?: string;
  /** Where requiresAuth() sends a visitor: the provider's login, or `choose`. */
  entry: string;
  /** The Pro Santé Connect practice picker (absent with `practice: false`). */
  practice?: string;
  providers: Partial<Record<ProviderName, { login: string; callback: string }>>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface AuthOptions {
  baseURL: string;
  providers: Partial<Record<ProviderName, ProviderOptions>>;
  routes?: Routes;
  mapping?: import('..').MappingSpec;
  logger?: Logger;
  /**
   * Called with every login event and the request (the same as `auth(…).on('event', …)`).
   * Never receives a token, secret, code, state or nonce; what it throws is logged, never shown.
   */
  onEvent?: (event: AuditEvent, req: import('express').Request) => void | Promise<void>;
  /**
   * Silent login (`prompt=none`), opt-in: an anonymous visitor's page view (GET, HTML, top-level)
   * first asks the provider, once per browser session (cookie `gouvconnect_silent`), whether the
   * user is already signed in there; if not (`login_required`), the visitor is back on the page,
   * anonymous, with no error page. Also renews a session that reached `session_max_age_secs`.
   * `provider` is required with several providers; `when(req)` limits the pages that try.
   */
  silentLogin?: boolean | { provider?: ProviderName; when?: (req: import('express').Request) => boolean };
  /**
   * Pro Santé Connect practice picker: after a login with several practices (exercices ×
   * activities) the user chooses the one the session acts for (`identity.practice`, usable in
   * `mapping` as `practice.…`), and can switch later at `path` (default `/auth/practice`). With one
   * practice it is chosen without asking. `false` turns it off.
   */
  practice?: boolean | { path?: string };
  /** A support page or `mailto:` link shown on the error pages (with the way back of a refused step-up). */
  supportURL?: string;
  /**
   * `true` (default): a failure of gouvconnect's routes (and of requiresAcr/requiresGroup) goes
   * to the provided `errorHandler({ supportURL })`, which renders the error page. `false`: it goes
   * to the application's own `(err, req, res, next)` handlers as `next(err)`, a
   * `GouvConnectExpressError`; mount `errorHandler()` there to keep the page for some.
   */
  errorPage?: boolean;
}

/** What gouvconnect hands to `next(err)`: a GouvConnectError with the user's message. */
export interface GouvConnectExpressError extends GouvConnectError {
  /** The short French sentence for the user, as on the error page. */
  readonly userMessage: string;
  /** For `internal_error`: the original failure (a session store error, a bug). */
  readonly cause?: unknown;
}

export type ErrorHandler = (err: unknown, req: any, res: any, next: (err?: unknown) => void) => void;

export interface GouvConnectContext {
  readonly identity: Identity | null;
  readonly provider: ProviderName | null;
  readonly groups: string[];
  readonly fields: Record<string, string | null>;
  /** The paths auth() mounted (e.g. for loginButton's `routes`). */
  readonly routes: MountedRoutes;
  /** Unix time (seconds) at which the signed-in session ends (the provider's `session_max_age_secs`), or null. */
  readonly sessionExpiresAt: number | null;
  isAuthenticated(): boolean;
}

/** Actions on the response, for a route's own code. */
export interface GouvConnectResponse {
  /**
   * Sends the signed-in user through a step-up login at `level` (what `requiresAcr` does for a
   * GET), back to `next` (default: this request's URL); `mfa` also requires MFA. Failures are
   * answered with the error page, or given to `onError` (a route's `next`) with `errorPage: false`.
   */
  stepUp(level: string, options?: { next?: string; mfa?: boolean }, onError?: (err: unknown) => void): Promise<void>;
}

type Handler = (req: any, res: any, next: (err?: unknown) => void) => void;

declare global {
  namespace Express {
    interface Request {
      gouvconnect: GouvConnectContext;
    }
    interface Response {
      gouvconnect: GouvConnectResponse;
    }
  }
}

export type EventListener = (event: AuditEvent, req: import('express').Request) => void | Promise<void>;

/** The middleware auth() returns: also an EventEmitter of the login events. */
export interface GouvConnectMiddleware extends EventEmitter {
  (req: any, res: any, next: (err?: unknown) => void): void;
  readonly routes: MountedRoutes;
  /** This configuration's going-live checks (see doctor()). */
  doctor(): Promise<DoctorResult>;
  on(event: 'event' | AuditEventKind, listener: EventListener): this;
  once(event: 'event' | AuditEventKind, listener: EventListener): this;
  off(event: 'event' | AuditEventKind, listener: EventListener): this;
}

export interface DoctorResult {
  /** No provider's report has a failed check. */
  ok: boolean;
  /** One report per configured provider, in the order of `providers`. */
  reports: DoctorReport[];
}

export declare function auth(options: AuthOptions): GouvConnectMiddleware;
/**
 * The provided error handler: renders the error page of a GouvConnectError (its code, the user's
 * message, `err.status`, `supportURL`'s link) and passes anything else (or an error after the
 * headers were sent) to `next(err)`. `app.use(errorHandler())` after the routes, with
 * `auth({ errorPage: false })`.
 */
export declare function errorHandler(options?: { supportURL?: string }): ErrorHandler;
/**
 * The going-live checks of auth(options) against the live providers (what `npx gouvconnect
 * doctor` runs): redirect URIs derived as auth() derives them; a `redirect_uri` given in a
 * provider (the one registered with it) is checked against the route auth() mounts.
 */
export declare function doctor(options: AuthOptions): Promise<DoctorResult>;
/** GET: to the mounted login route (`provider`'s, or the choice between providers); else 401. */
export declare function requiresAuth(options?: { provider?: ProviderName; loginPath?: string }): Handler;
/**
 * Requires an acr at least `level` (the core's order; Pro Santé Connect `eidas2` = CPS card).
 * A signed-in user below it opening the page (GET) goes through a step-up login and comes back;
 * another account coming back is refused (`step_up_user_mismatch`, the session kept as it was).
 * Other methods, or `stepUp: false`: 403 `acr_insufficient`. Not signed in: as requiresAuth().
 */
export declare function requiresAcr(level: string, options?: {
  mfa?: boolean; stepUp?: boolean; provider?: ProviderName; loginPath?: string;
}): Handler;
export declare function requiresGroup(name: string): Handler;
/** Sends a Pro Santé Connect user with several practices and none chosen to the picker first. */
export declare function requiresPractice(): Handler;
/** The official button, submitting to `provider`'s login route (of `routes`, else of the latest auth()). */
export declare function loginButton(provider: ProviderName, options?: { action?: string; next?: string; routes?: MountedRoutes }): string;
export declare const BUTTON_CSS: string;
