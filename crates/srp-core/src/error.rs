//! The one error type of this crate.

/// Why an SRP computation refused its input.
///
/// Every variant names the offending field the way Cognito names it (`SRP_B`, `SALT`, ...), so a
/// caller can report it without guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrpError {
    /// A value that must not be empty was empty.
    #[error("{field} is empty")]
    Empty {
        /// The field, as Cognito names it.
        field: &'static str,
    },
    /// A value was longer than any legitimate one.
    #[error("{field} is too long ({len} bytes; at most {max})")]
    TooLong {
        /// The field, as Cognito names it.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The largest length accepted.
        max: usize,
    },
    /// A value was not hexadecimal.
    #[error("{field} is not hexadecimal")]
    InvalidHex {
        /// The field, as Cognito names it.
        field: &'static str,
    },
    /// A value was not standard base64.
    #[error("{field} is not valid base64")]
    InvalidBase64 {
        /// The field, as Cognito names it.
        field: &'static str,
    },
    /// A public SRP value was a multiple of N (the protocol forbids it: it would fix the key).
    #[error("{field} is zero modulo N; the server (or client) is misbehaving")]
    ZeroModN {
        /// `SRP_A` or `SRP_B`.
        field: &'static str,
    },
    /// The scrambling parameter u = H(A | B) was zero.
    #[error("the SRP scrambling parameter u is zero")]
    ZeroScrambler,
    /// A user pool id was not of the form `<region>_<name>`.
    #[error("user pool id {0:?} is not of the form <region>_<name>")]
    InvalidPoolId(String),
    /// A Cognito SRP timestamp could not be parsed or formatted.
    #[error("timestamp {0:?} is not of the form \"Sat Nov 21 09:05:03 UTC 2026\"")]
    InvalidTimestamp(String),
    /// The random number generator failed.
    #[error("the random number generator failed")]
    Rng,
}
