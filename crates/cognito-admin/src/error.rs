//! [`AdminError`]: every error an [`AdminClient`](crate::AdminClient) call can return.

use cognito_wire::{ErrorClass, ServiceErrorKind};

/// Why an admin call failed.
///
/// The wire error keeps its split by *when* it happened (construction, including signing and
/// credentials; dispatch; timeout; response; service exception): use [`AdminError::wire`] or
/// [`AdminError::service_error`] to look inside.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The call failed on the wire: building or signing the request (missing or invalid
    /// credentials end up here), sending it, decoding the answer, or a Cognito exception.
    #[error(transparent)]
    Wire(#[from] cognito_wire::Error),
    /// The wire client could not be built (no region, bad endpoint URL, no transport).
    #[error("cannot build the client: {0}")]
    Build(#[from] cognito_wire::BuildError),
    /// Credentials could not be loaded while building the client.
    #[error("cannot load credentials: {0}")]
    Credentials(#[source] aws_credential_types::provider::error::CredentialsError),
    /// A response lacks a member this crate needs to go on.
    #[error("{operation}: the response has no {member}")]
    MissingMember {
        /// Operation name.
        operation: &'static str,
        /// The missing member.
        member: &'static str,
    },
    /// A request could not be built: a required member was not set (a bug of this crate; the
    /// message names the shape and the member).
    #[error("cannot build the request: {0}")]
    Request(#[from] cognito_wire::MissingField),
    /// A paginated operation handed back the page token it was just given: following it would
    /// loop forever.
    #[error("{operation}: the service returned the same page token twice; stopping")]
    PaginationLoop {
        /// Operation name.
        operation: &'static str,
    },
}

impl AdminError {
    /// What to do about it, classified from the error code (never the message).
    pub fn next_action(&self) -> cognito_auth::NextAction {
        use cognito_auth::NextAction;
        match self {
            Self::Wire(e) => NextAction::for_wire_error(e),
            Self::Build(_) | Self::Credentials(_) => NextAction::FixConfiguration,
            _ => NextAction::Report,
        }
    }

    /// The wire error, if this is one.
    pub fn wire(&self) -> Option<&cognito_wire::Error> {
        match self {
            Self::Wire(e) => Some(e),
            _ => None,
        }
    }

    /// The typed Cognito exception, when Cognito answered with one.
    ///
    /// ```
    /// # fn check(err: &cognito_admin::AdminError) {
    /// use cognito_wire::ServiceErrorKind;
    /// if let Some(ServiceErrorKind::UserNotFoundException(_)) = err.service_error() {
    ///     // ...
    /// }
    /// # }
    /// ```
    pub fn service_error(&self) -> Option<&ServiceErrorKind> {
        self.wire().and_then(cognito_wire::Error::service_error)
    }

    /// The Cognito error code (`"UserNotFoundException"`), when Cognito answered with one.
    pub fn service_code(&self) -> Option<&str> {
        self.service_error().map(ServiceErrorKind::code)
    }

    /// Classification for retry decisions: wire errors as classified by `cognito-wire`; every
    /// other error is [`ErrorClass::Client`] (retrying will not help).
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Wire(e) => e.class(),
            _ => ErrorClass::Client,
        }
    }
}
