//! The two primitives the login's secrets need: CSPRNG values (state, nonce, PKCE verifier,
//! logout state) and a comparison that does not leak where two secrets differ.

use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, ErrorCode, Result};
use crate::jose::b64url;

/// A random URL-safe string of `bytes` bytes of CSPRNG output (43 chars for 32 bytes).
pub fn random_token(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::new(ErrorCode::InvalidConfig, "system random generator failed"))?;
    Ok(b64url(&buf))
}

/// Compares two secrets without an early exit.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
