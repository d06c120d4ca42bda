// The conformance table: one row per scenario, run unchanged against every host (Django,
// Express, Keycloak) over real HTTP against the emulator.
//
// Expected outcomes come from the federations' documentation (../shared/reference, via the
// test vectors' expectations) and docs/architecture.md §5, never from what a host does:
//   { ok: true }                      the user is logged in
//   { code }                          refused with this stable code; the HTTP status is the
//                                     code's status (STATUS below, = ErrorCode::http_status)
//   { safe: true }                    (open redirects) the browser never leaves the site
// `keycloak` on a row says why Keycloak's answer is its own (Keycloak checks its broker state
// and redirect URIs itself): the cell must then be a refusal, whatever Keycloak's wording, or
// what `keycloakExpect` says Keycloak's documented rule gives.
//
// Fields: id, group, provider ('pc' = ProConnect demo-proconnect, 'psc' = Pro Santé Connect
// demo-psc, 'pc2' = ProConnect with GOUVCONNECT_ACR=eidas2, 'fc' = FranceConnect
// demo-franceconnect, 'fcp' = FranceConnect+ demo-franceconnect-plus (tokens encrypted to the demo
// keys), 'fcp3' = FranceConnect+ with GOUVCONNECT_ACR=eidas3), user, fault (set for the host's
// client just before the login), delay (token_slow), warm (a normal login first, so that the
// host has the JWKS cached), rotate (rotate the emulator's keys just before), flow (a scenario
// with its own steps, see run.test.mjs), next (open redirects).

/** ErrorCode::http_status() (core/src/error.rs, docs/architecture.md §5). */
export const STATUS = {
  state_mismatch: 400, nonce_mismatch: 400, invalid_signature: 400, unsupported_algorithm: 400,
  issuer_mismatch: 400, audience_mismatch: 400, token_expired: 400, token_not_yet_valid: 400,
  userinfo_subject_mismatch: 400, userinfo_not_signed: 400, unknown_key: 400,
  acr_insufficient: 403, unknown_acr: 403, mfa_required: 403, email_not_verified: 403, access_denied: 403,
  provider_error: 400, provider_access_denied: 403, invalid_client: 502, session_lost: 400,
  provider_unavailable: 503, response_too_large: 502, malformed_response: 502,
  invalid_config: 500, internal_error: 500, invalid_request: 400, no_pending_login: 400,
  logout_state_mismatch: 400,
};

const KC_STATE = 'Keycloak checks the state of its broker callback itself';

export const SCENARIOS = [
  // Logins that succeed.
  { id: 'pc_agent', group: 'login', provider: 'pc', user: 'agent', expect: { ok: true } },
  { id: 'psc_doctor', group: 'login', provider: 'psc', user: 'doctor', expect: { ok: true } },
  { id: 'pc_eidas2_required_mfa_user', group: 'login', provider: 'pc2', user: 'mfa', expect: { ok: true } },

  // id_token forgeries and bad claims (ProConnect, RS256 client).
  { id: 'id_token_bad_signature', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_bad_signature', expect: { code: 'invalid_signature' } },
  { id: 'id_token_alg_none', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_alg_none', expect: { code: 'unsupported_algorithm' } },
  // HS256 is not the client's registered alg: refused before any key is tried.
  { id: 'id_token_hs256_public_key', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_hs256_public_key', expect: { code: 'unsupported_algorithm' } },
  { id: 'id_token_hs256_wrong_secret', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_hs256_wrong_secret', expect: { code: 'unsupported_algorithm' } },
  // Keys named in the header (jwk, jku, x5u) are never trusted: the attacker's kid is unknown
  // to the provider's JWKS, even after one refetch.
  { id: 'id_token_jwk_header', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_jwk_header', expect: { code: 'unknown_key' } },
  { id: 'id_token_jku_header', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_jku_header', expect: { code: 'unknown_key' } },
  { id: 'id_token_x5u_header', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_x5u_header', expect: { code: 'unknown_key' } },
  { id: 'id_token_wrong_iss', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_wrong_iss', expect: { code: 'issuer_mismatch' } },
  { id: 'id_token_wrong_aud', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_wrong_aud', expect: { code: 'audience_mismatch' } },
  { id: 'id_token_extra_aud', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_extra_aud', expect: { code: 'audience_mismatch' } },
  { id: 'id_token_expired', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_expired', expect: { code: 'token_expired' } },
  { id: 'id_token_iat_future', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_iat_future', expect: { code: 'token_not_yet_valid' } },
  { id: 'id_token_wrong_nonce', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_wrong_nonce', expect: { code: 'nonce_mismatch' } },
  { id: 'id_token_no_nonce', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_no_nonce', expect: { code: 'nonce_mismatch' } },
  { id: 'id_token_no_sub', group: 'id_token', provider: 'pc', user: 'agent', fault: 'id_token_no_sub', expect: { code: 'malformed_response' } },
  { id: 'psc_id_token_bad_signature', group: 'id_token', provider: 'psc', user: 'doctor', fault: 'id_token_bad_signature', expect: { code: 'invalid_signature' } },
  { id: 'psc_id_token_wrong_iss', group: 'id_token', provider: 'psc', user: 'doctor', fault: 'id_token_wrong_iss', expect: { code: 'issuer_mismatch' } },

  // userinfo.
  { id: 'userinfo_bad_signature', group: 'userinfo', provider: 'pc', user: 'agent', fault: 'userinfo_bad_signature', expect: { code: 'invalid_signature' } },
  { id: 'userinfo_other_sub', group: 'userinfo', provider: 'pc', user: 'agent', fault: 'userinfo_other_sub', expect: { code: 'userinfo_subject_mismatch' } },
  { id: 'psc_userinfo_other_sub', group: 'userinfo', provider: 'psc', user: 'doctor', fault: 'userinfo_other_sub', expect: { code: 'userinfo_subject_mismatch' } },
  { id: 'userinfo_unsigned', group: 'userinfo', provider: 'pc', user: 'agent', fault: 'userinfo_unsigned', expect: { code: 'userinfo_not_signed' } },

  // Keys.
  { id: 'kid_absent_one_key', group: 'keys', provider: 'pc', user: 'agent', fault: 'kid_absent_one_key', expect: { ok: true } },
  { id: 'kid_absent_several_keys', group: 'keys', provider: 'pc', user: 'agent', fault: 'kid_absent_several_keys', expect: { ok: true } },
  { id: 'key_rotation_one_refetch', group: 'keys', provider: 'pc', user: 'agent', warm: true, rotate: true, expect: { ok: true } },
  { id: 'jwks_down_after_caching', group: 'keys', provider: 'pc', user: 'agent', warm: true, fault: 'jwks_down', expect: { ok: true } },
  // A rotation forces a JWKS fetch, which then answers over 2 MiB.
  { id: 'jwks_oversized_on_refetch', group: 'keys', provider: 'pc', user: 'agent', warm: true, rotate: true, fault: 'jwks_oversized', expect: { code: 'response_too_large' } },

  // Outages and sizes.
  { id: 'token_500', group: 'outage', provider: 'pc', user: 'agent', fault: 'token_500', expect: { code: 'provider_unavailable' } },
  { id: 'token_slow_within_timeout', group: 'outage', provider: 'pc', user: 'agent', fault: 'token_slow', delay: 1, expect: { ok: true } },
  { id: 'token_hang_bounded_concurrent_recovers', group: 'outage', provider: 'pc', user: 'agent', fault: 'token_hang', flow: 'hang', expect: { code: 'provider_unavailable' } },
  { id: 'token_oversized', group: 'outage', provider: 'pc', user: 'agent', fault: 'token_oversized', expect: { code: 'response_too_large' } },
  { id: 'userinfo_oversized', group: 'outage', provider: 'pc', user: 'agent', fault: 'userinfo_oversized', expect: { code: 'response_too_large' } },
  { id: 'psc_userinfo_oversized', group: 'outage', provider: 'psc', user: 'doctor', fault: 'userinfo_oversized', expect: { code: 'response_too_large' } },

  // Policy (docs/architecture.md §5; ProConnect carries MFA in acr, not amr).
  { id: 'access_denied', group: 'policy', provider: 'pc', user: 'agent', fault: 'access_denied', expect: { code: 'provider_access_denied' } },
  { id: 'acr_lower_than_required', group: 'policy', provider: 'pc2', user: 'agent', fault: 'acr_lower', expect: { code: 'acr_insufficient' } },
  { id: 'amr_without_mfa_acr_eidas2', group: 'policy', provider: 'pc2', user: 'mfa', fault: 'amr_no_mfa', expect: { ok: true } },
  { id: 'email_unverified', group: 'policy', provider: 'pc', user: 'agent', fault: 'email_unverified', expect: { code: 'email_not_verified' } },
  { id: 'psc_email_unverified', group: 'policy', provider: 'psc', user: 'doctor', fault: 'email_unverified', expect: { code: 'email_not_verified' } },

  // Replay and CSRF.
  { id: 'callback_replayed_after_success', group: 'csrf', provider: 'pc', user: 'agent', flow: 'replay', expect: { code: 'no_pending_login' }, keycloak: KC_STATE },
  { id: 'state_tampered', group: 'csrf', provider: 'pc', user: 'agent', flow: 'tampered_state', expect: { code: 'state_mismatch' }, keycloak: KC_STATE },
  // After a callback with a forged state, the genuine callback: the app hosts have dropped the
  // pending login at the first callback. Keycloak binds its state to the browser's
  // authentication session and refuses the forged one without ending that session, so the
  // genuine callback completes (still once only: see callback_replayed_after_success).
  { id: 'state_single_use', group: 'csrf', provider: 'pc', user: 'agent', flow: 'state_single_use', expect: { code: 'no_pending_login' },
    keycloak: KC_STATE, keycloakExpect: { ok: true } },
  // A browser that never started a login (no session cookie at all): the session was lost, not
  // expired (a replay in a live session, above, is no_pending_login).
  { id: 'callback_without_session', group: 'csrf', provider: 'pc', flow: 'no_pending', expect: { code: 'session_lost' }, keycloak: KC_STATE },
  // RFC 9207: an authorization response naming another issuer (a mix-up) is refused before its
  // code goes to any token endpoint — on Keycloak too, where the core checks the broker's
  // callback.
  { id: 'callback_forged_iss', group: 'csrf', provider: 'pc', user: 'agent', flow: 'forged_iss', expect: { code: 'issuer_mismatch' } },
  { id: 'psc_callback_forged_iss', group: 'csrf', provider: 'psc', user: 'doctor', flow: 'forged_iss', expect: { code: 'issuer_mismatch' } },
  // Pro Santé Connect advertises RFC 9207 (authorization_response_iss_parameter_supported): an
  // answer without `iss` is refused as well.
  { id: 'psc_callback_without_iss', group: 'csrf', provider: 'psc', user: 'doctor', flow: 'drop_iss', expect: { code: 'issuer_mismatch' } },
  // The logout state is the core's on every host (Keycloak: it carries Keycloak's session id and
  // the core's random part).
  { id: 'logout_forged_state', group: 'csrf', provider: 'pc', user: 'agent', flow: 'logout_forged', expect: { code: 'logout_state_mismatch' } },
  { id: 'logout_round_trip', group: 'csrf', provider: 'pc', user: 'agent', flow: 'logout', expect: { ok: true } },

  // FranceConnect and FranceConnect+ (docs/franceconnect.md): citizens, FranceConnect+'s tokens
  // signed then encrypted to the client's keys — the faults act on the signed JWT inside, so
  // each host must decrypt before it can refuse; the eIDAS level checked on return.
  { id: 'fc_citizen', group: 'franceconnect', provider: 'fc', user: 'citizen-corse', expect: { ok: true } },
  { id: 'fcp_citizen', group: 'franceconnect', provider: 'fcp', user: 'citizen', expect: { ok: true } },
  { id: 'fcp_id_token_bad_signature', group: 'franceconnect', provider: 'fcp', user: 'citizen', fault: 'id_token_bad_signature', expect: { code: 'invalid_signature' } },
  { id: 'fcp_id_token_alg_none', group: 'franceconnect', provider: 'fcp', user: 'citizen', fault: 'id_token_alg_none', expect: { code: 'unsupported_algorithm' } },
  { id: 'fcp_userinfo_bad_signature', group: 'franceconnect', provider: 'fcp', user: 'citizen', fault: 'userinfo_bad_signature', expect: { code: 'invalid_signature' } },
  { id: 'fcp_eidas3_required_substantial_citizen', group: 'franceconnect', provider: 'fcp3', user: 'citizen', expect: { code: 'acr_insufficient' } },
  { id: 'fcp_eidas3_required_high_citizen', group: 'franceconnect', provider: 'fcp3', user: 'citizen-high', expect: { ok: true } },
  { id: 'fcp_logout_round_trip', group: 'franceconnect', provider: 'fcp', user: 'citizen', flow: 'logout', expect: { ok: true } },

  // A local `next` is honoured (so that the open-redirect rows below can fail).
  { id: 'next_local_path', group: 'redirect', provider: 'pc', user: 'agent', next: '/me', expect: { ok: true, location: '/me' } },
  // Open redirects: `next` (Keycloak: the client's redirect_uri) never leaves the site.
  ...['//evil.example', 'https://evil.example', '/\\evil.example', '/%2F%2Fevil.example', '%2F%2Fevil.example',
    '/\t/evil.example', '/\\/evil.example', '///evil.example', 'http:evil.example', 'javascript:alert(1)',
    '/%5Cevil.example', ' //evil.example', '\\\\evil.example'].map((next) => ({
    id: `next ${JSON.stringify(next)}`, group: 'redirect', provider: 'pc', user: 'agent', flow: 'open_redirect', next,
    expect: { safe: true }, keycloak: 'Keycloak checks redirect_uri against the client\'s registered URIs',
  })),
];
