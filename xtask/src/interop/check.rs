//! Small helpers for writing flow checks without panicking: every failed check is an `Err` with
//! the reason, which becomes the report's `FAIL` note.

use std::fmt::Display;
use std::time::{SystemTime, UNIX_EPOCH};

/// The result of one flow.
pub(crate) type Check = Result<(), String>;

/// `Err(what)` unless `cond`.
pub(crate) fn ensure(cond: bool, what: impl Display) -> Check {
    if cond {
        Ok(())
    } else {
        Err(format!("check failed: {what}"))
    }
}

/// Context for a fallible step: `step: error`.
pub(crate) trait Ctx<T> {
    /// Maps the error (or `None`) to `"<what>: <error>"`.
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T, E: Display> Ctx<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

impl<T> Ctx<T> for Option<T> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.ok_or_else(|| format!("{what}: missing"))
    }
}

/// Unix seconds now.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or_default()
}

/// The RFC 6238 code of a base32 secret, `steps` 30-second steps from now.
pub(crate) fn totp(secret_b32: &str, steps: i64) -> Result<String, String> {
    cognito_emulator::totp_code(secret_b32, unix_now() + 30 * steps).ctx("TOTP code")
}
