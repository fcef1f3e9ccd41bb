//! RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits) and RFC 4648 base32.

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 without padding.
pub(crate) fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            let idx = ((buffer >> (bits - 5)) & 31) as usize;
            out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            bits -= 5;
        }
    }
    if bits > 0 {
        let idx = ((buffer << (5 - bits)) & 31) as usize;
        out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
    }
    out
}

/// Decodes base32 (case-insensitive, `=` padding and spaces ignored); `None` if invalid.
pub(crate) fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in text.chars() {
        if c == '=' || c == ' ' {
            continue;
        }
        let up = c.to_ascii_uppercase() as u8;
        let v = ALPHABET.iter().position(|a| *a == up)? as u32;
        buffer = ((buffer << 5) | v) & 0xffff;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    if out.is_empty() { None } else { Some(out) }
}

/// The 6-digit code of a time step.
pub(crate) fn code_at(secret: &[u8], step: i64) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = ring::hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let word = mac
        .get(offset..offset + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map(|w| u32::from_be_bytes(w) & 0x7fff_ffff)
        .unwrap_or(0);
    format!("{:06}", word % 1_000_000)
}

/// The step of a Unix time.
pub(crate) fn step(unix: i64) -> i64 {
    unix.div_euclid(30)
}

/// Checks a code within ±1 step of `now`; returns the matching step.
pub(crate) fn verify(secret_b32: &str, code: &str, now: i64) -> Option<i64> {
    let secret = base32_decode(secret_b32)?;
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now_step = step(now);
    [now_step - 1, now_step, now_step + 1]
        .into_iter()
        .find(|s| {
            let expected = code_at(&secret, *s);
            crate::inner::ct_eq(expected.as_bytes(), code.as_bytes())
        })
}

/// The current code of an authenticator app: RFC 6238 (HMAC-SHA1, 30-second steps, 6 digits) for
/// a base32 secret at a Unix time. For tests, demos and scripted clients that play the user's
/// phone; `None` when the secret is not base32.
///
/// ```
/// // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (last 6 of the 8 digits).
/// let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/// assert_eq!(cognito_emulator::totp_code(secret, 59).as_deref(), Some("287082"));
/// assert_eq!(cognito_emulator::totp_code(secret, 1111111109).as_deref(), Some("081804"));
/// assert!(cognito_emulator::totp_code("not base32!", 59).is_none());
/// ```
pub fn totp_code(secret_b32: &str, unix: i64) -> Option<String> {
    Some(code_at(&base32_decode(secret_b32)?, step(unix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        // RFC 6238 appendix B (8 digits there; the low 6 digits here).
        assert_eq!(code_at(secret, step(59)), "287082");
        assert_eq!(code_at(secret, step(1_111_111_109)), "081804");
        assert_eq!(code_at(secret, step(1_234_567_890)), "005924");
    }

    #[test]
    fn base32_roundtrip() {
        let data = b"hello world, totp!!";
        let enc = base32_encode(data);
        assert_eq!(base32_decode(&enc).unwrap(), data);
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert!(base32_decode("1!").is_none());
    }
}
