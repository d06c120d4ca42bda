// Typings of the gouvconnect Node API (index.js). The native layer's own typings are generated
// into binding.d.ts by `napi build`.

export type ProviderName = 'proconnect' | 'prosanteconnect';

export type ErrorCodeName =
  | 'state_mismatch' | 'nonce_mismatch' | 'invalid_signature' | 'unsupported_algorithm'
  | 'issuer_mismatch' | 'audience_mismatch' | 'token_expired' | 'token_not_yet_valid'
  | 'userinfo_subject_mismatch' | 'userinfo_not_signed' | 'unknown_key' | 'acr_insufficient'
  | 'unknown_acr' | 'mfa_required' | 'email_not_verified' | 'access_denied' | 'provider_error'
  | 'provider_access_denied' | 'invalid_client'
  | 'provider_unavailable' | 'response_too_large' | 'invalid_config' | 'invalid_request'
  | 'malformed_response' | 'no_pending_login' | 'session_lost' | 'step_up_user_mismatch'
  | 'login_required' | 'logout_state_mismatch'
  | 'internal_error';

/** Every stable code: `ErrorCode.STATE_MISMATCH === 'state_mismatch'`. */
export declare const ErrorCode: Readonly<Record<Uppercase<ErrorCodeName>, ErrorCodeName>>;

/** An error of the core, with its stable code and the HTTP status a host answers with. */
export declare class GouvConnectError extends Error {
  readonly code: ErrorCodeName;
  readonly status: number;
  /** Set on the errors of `Client.completeLogin`: the `login_refused` audit event. */
  readonly event?: AuditEvent;
}

export type AuditEventKind = 'login_succeeded' | 'login_refused' | 'logout' | 'step_up' | 'account_linked';

/**
 * A login event for audit, the same shape in every gouvconnect host. Names who and how, never
 * with what: no token, secret, authorization code, state or nonce. Absent fields are left out.
 */
export interface AuditEvent {
  event: AuditEventKind;
  provider: ProviderName;
  client_id: string;
  /** The provider's subject, when known. */
  sub?: string;
  /** The level reached. */
  acr?: string;
  /** ProConnect: the identity provider used. */
  idp_id?: string;
  /** ProConnect: the organisation's SIRET. */
  siret?: string;
  /** For `login_refused`: the stable error code. */
  code?: ErrorCodeName;
  /** For a refusal the provider reported: its OAuth error (e.g. `access_denied`). */
  provider_error?: string;
}

export interface Policy {
  acr?: string | null;
  require_mfa?: boolean;
  accept_unverified_email?: boolean;
  allowed_sirets?: string[];
  allowed_email_domains?: string[];
  allowed_roles?: string[];
  allowed_profession_codes?: string[];
}

/** Client configuration (the core's ClientConfig; snake_case keys). */
export interface ClientConfig {
  provider: ProviderName;
  environment?: 'integration' | 'production' | 'rie-integration' | 'rie-production' | 'sandbox' | null;
  issuer?: string | null;
  client_id: string;
  client_secret: string;
  redirect_uri: string;
  post_logout_redirect_uri?: string | null;
  scopes?: string[] | null;
  id_token_alg?: 'ES256' | 'RS256' | 'PS256' | 'HS256' | null;
  userinfo_alg?: 'ES256' | 'RS256' | 'PS256' | 'HS256' | null;
  userinfo_signed?: boolean | null;
  token_auth_method?: 'client_secret_post' | 'client_secret_basic' | 'tls_client_auth' | null;
  use_pkce?: boolean | null;
  leeway_secs?: number;
  timeout_secs?: number;
  tls_client_cert?: string | null;
  tls_client_key?: string | null;
  tls_ca_cert?: string | null;
  policy?: Policy;
}

export interface LoginOptions {
  prompt?: string;
  loginHint?: string;
  idpHint?: string;
  siretHint?: string;
  acr?: string;
  requireMfa?: boolean;
  next?: string;
  extraParams?: Array<[string, string]>;
}

export interface Activity {
  mode: string | null; sector_code: string | null; pharmacist_section: string | null;
  role_code: string | null; genre_code: string | null; siret: string | null; siren: string | null;
  finess: string | null; finess_legal: string | null; structure_id: string | null;
  former_structure_id: string | null; registration_authority: string | null; name: string | null;
  commercial_name: string | null; street_number: string | null; street_type: string | null;
  street_name: string | null; postal_code: string | null; city_code: string | null;
  department_code: string | null; country_code: string | null; phone: string | null; email: string | null;
}

export interface Exercice {
  profession_code: string | null; category_code: string | null; civility: string | null;
  last_name: string | null; first_name: string | null; savoir_faire_type: string | null;
  savoir_faire_code: string | null; activities: Activity[];
}

/** The normalised identity (same JSON shape in every language). */
export interface Identity {
  provider: ProviderName;
  sub: string;
  email: string | null;
  email_verified: boolean | null;
  given_name: string | null;
  family_name: string | null;
  acr: string | null;
  amr: string[];
  proconnect: {
    uid: string | null; siret: string | null; siren: string | null;
    organizational_unit: string | null; organization_label: string | null;
    belonging_population: string | null; phone_number: string | null; roles: string[];
    chorusdt: { matricule: string | null; societe: string | null } | null;
    idp_id: string | null; idp_acr: string | null; custom: Record<string, unknown>;
  } | null;
  prosanteconnect: {
    national_id: string | null; id_kind: 'rpps' | 'adeli' | 'other';
    rpps: string | null; adeli: string | null; civility: string | null;
    organization: string | null; exercices: Exercice[];
  } | null;
  raw: { id_token: Record<string, unknown>; userinfo: Record<string, unknown> };
}

export interface Login {
  /**
   * Set by `completeLogin`: the `login_succeeded` audit event (non-enumerable: not part of the
   * login's JSON).
   */
  readonly event?: AuditEvent;
  identity: Identity;
  id_token: string;
  access_token: string;
  refresh_token: string | null;
  expires_in: number | null;
  next: string | null;
}

export interface Redirect {
  url: string;
  /** Opaque: keep it in the session until the callback. */
  pending: string;
}

export declare class Client {
  private constructor();
  static connect(config: ClientConfig): Promise<Client>;
  static offline(config: ClientConfig): Client;
  readonly provider: ProviderName;
  readonly providerMetadata: Record<string, unknown>;
  beginLogin(options?: LoginOptions): Redirect;
  completeLogin(pending: string, query: string): Promise<Login>;
  finishLogin(pending: string, tokenResponse: string | object, userinfoContentType?: string | null,
    userinfoBody?: string | Buffer | null, now?: number | null): Login;
  setJwks(jwks: string | object): void;
  logoutRequest(idTokenHint?: string | null): Redirect | null;
  verifyLogoutCallback(pending: string, query: string): void;
}

export interface GroupRule {
  group: string;
  field: string;
  equals?: string;
  in?: string[];
  prefix?: string;
}

export interface MappingSpec {
  fields?: Record<string, string>;
  groups?: GroupRule[];
}

export declare class Mapping {
  constructor(mapping?: MappingSpec | null);
  apply(identity: Identity): { fields: Record<string, string | null>; groups: string[] };
}

export declare const BUTTON_CSS: string;
export declare function safeNextPath(next: string): string | null;
/**
 * `requestUrl` moved to `redirectUri`'s origin when the two differ (127.0.0.1 vs localhost), else
 * `null`: a login started on another host name would come back without its session cookie.
 * Moves at most once and never between http and https.
 */
export declare function loginOriginRedirect(redirectUri: string, requestUrl: string): string | null;
export declare function buttonHtml(provider: ProviderName, action: string, next?: string | null): string;
export declare function errorPageHtml(code: ErrorCodeName, home?: string): string;
export declare function acrSatisfies(provider: ProviderName, acr: string | null | undefined,
  minimum?: string | null, mfa?: boolean): boolean;

/**
 * The audit event `kind` for `identity` (a logout, a step-up…), or for a refusal with its stable
 * `code` (`provider` then names the provider).
 */
export declare function auditEvent(kind: AuditEventKind, fields: {
  provider?: ProviderName; clientId: string; identity?: Identity | null; code?: ErrorCodeName | null;
}): AuditEvent;

export type DoctorCheckId =
  | 'configuration' | 'redirect_uri' | 'post_logout_redirect_uri' | 'discovery' | 'issuer'
  | 'endpoints' | 'clock' | 'algorithms' | 'token_auth_method' | 'scopes' | 'acr' | 'jwks'
  | 'credentials' | 'client_certificate';

/** One line of the doctor's report; `id` is stable (scripts key on it). */
export interface DoctorCheck {
  id: DoctorCheckId;
  verdict: 'pass' | 'warn' | 'fail' | 'skip';
  /** What was found. */
  message: string;
  /** What to do about it (warnings and failures). */
  fix?: string;
}

export interface DoctorReport {
  provider: ProviderName;
  /** The preset environment, or `null` for a custom issuer. */
  environment: string | null;
  issuer: string;
  /** No check failed. */
  ok: boolean;
  checks: DoctorCheck[];
  /** The report for a person (what `npx gouvconnect doctor` prints). */
  toText(): string;
}

export interface DoctorOptions {
  /** Absolute URLs at which the host serves its login callback: `redirect_uri` must be one. */
  mountedRedirectUris?: string[];
  /** Likewise for the logout callback. */
  mountedPostLogoutRedirectUris?: string[];
}

/**
 * Going-live checks of a client configuration against the live provider: discovery, issuer,
 * endpoint hosts, clock skew, algorithms, token authentication, scopes, acr, keys, the
 * credentials (a token request with a deliberately invalid code), the redirect URIs against the
 * mounted routes, PSC's client certificate. Rejects only for a configuration of the wrong shape.
 */
export declare function doctor(config: ClientConfig, options?: DoctorOptions): Promise<DoctorReport>;
