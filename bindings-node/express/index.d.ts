import type { ClientConfig, Identity, ProviderName } from '..';

export interface ProviderOptions extends Omit<ClientConfig, 'provider' | 'redirect_uri' | 'post_logout_redirect_uri'> {}

export interface Routes {
  login?: string;
  callback?: string;
  logout?: string;
  logoutCallback?: string;
  afterLogin?: string;
  afterLogout?: string;
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

export declare function auth(options: AuthOptions): Handler & { routes: Record<string, unknown> };
export declare function requiresAuth(options?: { loginPath?: string }): Handler;
export declare function requiresAcr(level: string, options?: { mfa?: boolean }): Handler;
export declare function requiresGroup(name: string): Handler;
export declare function loginButton(provider: ProviderName, options?: { action?: string; next?: string }): string;
export declare const BUTTON_CSS: string;
