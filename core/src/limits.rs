//! Size limits on everything the core parses: a hostile or broken provider must not make a host
//! allocate without bound.

/// A compact JWS (id_token, userinfo JWT).
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// A JWKS document.
pub const MAX_JWKS_BYTES: usize = 128 * 1024;
/// Keys read from one JWKS.
pub const MAX_JWKS_KEYS: usize = 32;
/// A discovery document.
pub const MAX_DISCOVERY_BYTES: usize = 128 * 1024;
/// A token endpoint response.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 128 * 1024;
/// A userinfo response (PSC sends every exercice and activity: allow room).
pub const MAX_USERINFO_BYTES: usize = 512 * 1024;
/// A callback or logout-callback query string.
pub const MAX_CALLBACK_QUERY_BYTES: usize = 8 * 1024;
/// A serialised pending login or logout.
pub const MAX_PENDING_BYTES: usize = 8 * 1024;
