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
    cognito_auth::AuthError,
    cognito_auth::DeviceStoreError,
    cognito_auth::jwt::JwtError,
    std::io::Error,
    serde_json::Error
);

impl From<cognito_auth::Error> for CliError {
    fn from(e: cognito_auth::Error) -> Self {
        match &e {
            cognito_auth::Error::Wire(w) => CliError::from_wire(w),
            _ => CliError::from_display(e),
        }
    }
}

impl From<cognito_admin::AdminError> for CliError {
    fn from(e: cognito_admin::AdminError) -> Self {
        match &e {
            cognito_admin::AdminError::Wire(w) => CliError::from_wire(w),
            cognito_admin::AdminError::Credentials(c) => CliError(format!(
                "no AWS credentials ({}): {CREDENTIALS_HINT}",
                c.to_string().replace('\n', " ")
            )),
            _ => CliError::from_display(e),
        }
    }
}

/// What to do when the admin commands find no AWS credentials.
pub const CREDENTIALS_HINT: &str = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
     AWS_PROFILE to a profile of ~/.aws/credentials; the local emulator (`pycognito emulator`) \
     accepts AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test";

impl CliError {
    /// A wire error, with the endpoint named when the connection failed and what to set when
    /// no credentials could be loaded for signing.
    fn from_wire(e: &cognito_wire::Error) -> Self {
        use cognito_wire::{ConstructionError, Error, TransportError};
        match e {
            Error::Dispatch {
                operation,
                source: source @ TransportError::Connect(_),
                url,
            } => {
                let url = url.as_deref().unwrap_or("the endpoint");
                CliError(format!(
                    "cannot connect to {url} ({operation}): {}; is the endpoint right \
                     (--endpoint-url, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL)?",
                    root_cause(source)
                ))
            }
            Error::Timeout {
                operation,
                phase: cognito_wire::TimeoutPhase::Connect,
                after,
                url,
            } => CliError(format!(
                "cannot connect to {} within {after:?} ({operation}); is the endpoint right \
                 (--endpoint-url, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL)?",
                url.as_deref().unwrap_or("the endpoint")
            )),
            Error::Construction {
                operation,
                source: ConstructionError::Signing(s),
            } if is_missing_credentials(s.as_ref()) => CliError(format!(
                "{operation}: no AWS credentials ({}): {CREDENTIALS_HINT}",
                s.to_string().replace('\n', " ")
            )),
            _ => CliError::from_display(e),
        }
    }
}

/// Whether a signing failure is the credentials provider's (none found, unreadable profile).
fn is_missing_credentials(e: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        e.downcast_ref::<cognito_admin::SignError>(),
        Some(cognito_admin::SignError::Credentials(_))
    )
}

/// The innermost cause of an error (e.g. `Connection refused (os error 111)`), on one line.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string().replace('\n', " ")
}
