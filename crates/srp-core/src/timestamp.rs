//! Cognito's SRP timestamp: `"Sat Nov 21 09:05:03 UTC 2026"` (English names, day of month not
//! zero-padded, always UTC).

use crate::SrpError;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const FORMAT: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short] [month repr:short] [day padding:none] [hour]:[minute]:[second] UTC [year]"
);

/// Formats an instant as the `TIMESTAMP` Cognito expects (converted to UTC first).
///
/// ```
/// use time::macros::datetime;
/// assert_eq!(srp_core::format_timestamp(datetime!(2026-03-03 04:05:06 UTC))?, "Tue Mar 3 04:05:06 UTC 2026");
/// # Ok::<(), srp_core::SrpError>(())
/// ```
pub fn format_timestamp(at: OffsetDateTime) -> Result<String, SrpError> {
    at.to_offset(UtcOffset::UTC)
        .format(FORMAT)
        .map_err(|_| SrpError::InvalidTimestamp(at.to_string()))
}

/// Parses a `TIMESTAMP` (as a server does to check its freshness). The weekday must match.
///
/// ```
/// let t = srp_core::parse_timestamp("Sat Nov 21 09:05:03 UTC 2026")?;
/// assert_eq!(t.unix_timestamp(), 1795251903);
/// assert!(srp_core::parse_timestamp("Mon Nov 21 09:05:03 UTC 2026").is_err()); // wrong weekday
/// # Ok::<(), srp_core::SrpError>(())
/// ```
pub fn parse_timestamp(text: &str) -> Result<OffsetDateTime, SrpError> {
    let invalid = || SrpError::InvalidTimestamp(text.chars().take(64).collect());
    if text.len() > 64 {
        return Err(invalid());
    }
    let parsed = PrimitiveDateTime::parse(text, FORMAT)
        .map_err(|_| invalid())?
        .assume_utc();
    // Reject a zero-padded day ("Nov 01"): Cognito's format never pads.
    if format_timestamp(parsed)? != text {
        return Err(invalid());
    }
    Ok(parsed)
}
