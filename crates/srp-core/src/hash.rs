//! SHA-256, HMAC-SHA256 and Cognito's HKDF, all from `ring`.

use ring::{digest, hkdf, hmac};

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// SHA-256 over the concatenation of `parts`.
pub(crate) fn sha256_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// The info string of Cognito's key derivation.
const HKDF_INFO: &[u8] = b"Caldera Derived Key";

struct Len16;

impl hkdf::KeyType for Len16 {
    fn len(&self) -> usize {
        16
    }
}

/// HKDF-SHA256(ikm, salt, "Caldera Derived Key"), first 16 bytes: Cognito's session key.
pub(crate) fn cognito_hkdf(ikm: &[u8], salt: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    // Expanding 16 bytes from SHA-256 cannot exceed HKDF's 255-block limit, so `fill` never fails;
    // the all-zero fallback is unreachable.
    if let Ok(okm) = prk.expand(&[HKDF_INFO], Len16) {
        let _ = okm.fill(&mut out);
    }
    out
}
