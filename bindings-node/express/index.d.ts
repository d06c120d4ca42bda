import type { ClientConfig, Identity, ProviderName } from '..';

export interface ProviderOptions extends Omit<ClientConfig, 'provider' | 'redirect_uri' | 'post_logout_redirect_uri'> {}

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
  /** Where requiresAuth() sends a visitor: the provider's login, or `choose`. */
  entry: string;
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
}

export interface GouvConnectContext {
  readonly identity: Identity | null;
  readonly provider: ProviderName | null;
  readonly groups: string[];
  readonly fields: Record<string, string | null>;
  /** The paths auth() mounted (e.g. for loginButton's `routes`). */
  readonly routes: MountedRoutes;
  isAuthenticated(): boolean;
}

type Handler = (req: any, res: any, next: (err?: unknown) => void) => void;

declare global {
  namespace Express {
    interface Request {
      gouvconnect: GouvConnectContext;
    }
  }
}

export declare function auth(options: AuthOptions): Handler & { routes: MountedRoutes };
/** GET: to the mounted login route (`provider`'s, or the choice between providers); else 401. */
export declare function requiresAuth(options?: { provider?: ProviderName; loginPath?: string }): Handler;
export declare function requiresAcr(level: string, options?: { mfa?: boolean }): Handler;
export declare function requiresGroup(name: string): Handler;
/** The official button, submitting to `provider`'s login route (of `routes`, else of the latest auth()). */
export declare function loginButton(provider: ProviderName, options?: { action?: string; next?: string; routes?: MountedRoutes }): string;
export declare const BUTTON_CSS: string;
