//! One error for the command line: a single clear line on stderr.

/// A failure to report as one line (no secrets: built from error displays that never carry them).
#[derive(Debug)]
pub struct CliError(pub String);

impl CliError {
    /// From anything displayable.
    pub fn from_display(e: impl std::fmt::Display) -> Self {
        CliError(e.to_string())
    }

    /// A usage or input problem.
    pub fn usage(msg: impl Into<String>) -> Self {
        CliError(msg.into())
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

macro_rules! from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                CliError::from_display(e)
            }
        }
    )*};
}

from_display!(
    cognito_auth::Error,
    cognito_auth::AuthError,
    cognito_auth::DeviceStoreError,
    cognito_admin::AdminError,
    cognito_auth::jwt::JwtError,
    std::io::Error,
    serde_json::Error
);
