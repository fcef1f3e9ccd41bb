//! [`PycognitoError`]: the one error of this crate, with its [`NextAction`] (`cognito-auth`'s,
//! classified from Cognito's error code where the error arises).

use cognito_auth::jwt::JwtError;
use cognito_wire::ServiceErrorKind;

pub use cognito_auth::NextAction;

/// The stage a Cognito call failed at (the same exception can mean different things: a
/// `NotAuthorizedException` is a wrong password at sign-in and a dead refresh token at refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Sign-in and its challenges.
    SignIn,
    /// Refreshing tokens.
    Refresh,
    /// The user's own operations (sign-up, passwords, profile, MFA settings, devices).
    Account,
}

/// Every error of the `pycognito` facade. [`next_action`](Self::next_action) says what to do.
///
/// ```
/// use pycognito::{NextAction, PycognitoError};
/// let err = PycognitoError::NoUsername;
/// assert_eq!(err.next_action(), NextAction::FixInput);
/// assert_eq!(err.to_string(), "no username: set one with Cognito::set_username or the builder");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PycognitoError {
    /// A Cognito call of the user's side (no AWS credentials) failed.
    #[error("{stage:?}: {source}")]
    Cognito {
        /// When it failed.
        stage: Stage,
        /// The error.
        #[source]
        source: cognito_auth::Error,
    },
    /// Cognito refused an answer but lets the user retry: the same challenge is still waiting
    /// ([`Cognito::pending_challenge`](crate::Cognito::pending_challenge)); answer it again.
    #[error("{rejection}")]
    Rejected {
        /// Why the answer was refused.
        rejection: cognito_auth::Rejection,
        /// Cognito's error code (`CodeMismatchException`, ...).
        code: Option<String>,
    },
    /// An admin (SigV4-signed) call failed.
    #[error(transparent)]
    Admin(#[from] cognito_admin::AdminError),
    /// A token did not verify.
    #[error("token verification: {0}")]
    Jwt(#[from] JwtError),
    /// The JWT verifier could not be built.
    #[error("token verifier: {0}")]
    JwtBuild(#[from] cognito_auth::jwt::BuildError),
    /// The operation needs tokens and there are none (authenticate first).
    #[error("not signed in: authenticate first")]
    NotSignedIn,
    /// The operation needs a refresh token and there is none.
    #[error("no refresh token: authenticate again")]
    NoRefreshToken,
    /// The operation needs a username and none was given.
    #[error("no username: set one with Cognito::set_username or the builder")]
    NoUsername,
    /// A challenge responder was called without a challenge waiting.
    #[error("no challenge is waiting for an answer: authenticate first")]
    NoPendingChallenge,
    /// A challenge responder was called for another challenge than the one waiting.
    #[error("the waiting challenge is {waiting}, not {answered}")]
    WrongChallenge {
        /// The challenge waiting (`Code(SoftwareTokenMfa)`, `NewPassword`, ...).
        waiting: String,
        /// What the caller answered.
        answered: &'static str,
    },
    /// A blocking call was made from inside an async runtime.
    #[error(
        "pycognito::blocking was called from within an async runtime; use the async pycognito::Cognito there"
    )]
    InsideAsyncRuntime,
    /// The blocking API could not start its runtime.
    #[error("cannot start the blocking runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// A configuration that cannot work.
    #[error("configuration: {0}")]
    Config(String),
    /// An argument that cannot work, refused before any call.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl PycognitoError {
    pub(crate) fn sign_in(source: cognito_auth::Error) -> Self {
        Self::Cognito {
            stage: Stage::SignIn,
            source,
        }
    }

    pub(crate) fn refresh(source: cognito_auth::Error) -> Self {
        match source {
            cognito_auth::Error::NoRefreshToken => Self::NoRefreshToken,
            source => Self::Cognito {
                stage: Stage::Refresh,
                source,
            },
        }
    }

    pub(crate) fn account(source: cognito_auth::Error) -> Self {
        Self::Cognito {
            stage: Stage::Account,
            source,
        }
    }

    /// The Cognito exception, when the failure is one.
    pub fn service_error(&self) -> Option<&ServiceErrorKind> {
        match self {
            Self::Cognito { source, .. } => source.service_error(),
            Self::Admin(e) => e.service_error(),
            _ => None,
        }
    }

    /// The Cognito exception's code (`"UserNotConfirmedException"`, ...), when the failure is one.
    pub fn service_code(&self) -> Option<&str> {
        if let Self::Rejected { code, .. } = self {
            return code.as_deref();
        }
        self.service_error().map(ServiceErrorKind::code)
    }

    /// Whether this is the Cognito exception `code`.
    pub fn is(&self, code: &str) -> bool {
        self.service_code() == Some(code)
    }

    /// What to do about it: Cognito's errors by their code (see [`NextAction`]), this crate's
    /// own by their kind. Never from message text.
    pub fn next_action(&self) -> NextAction {
        match self {
            Self::Cognito { source, .. } => source.next_action(),
            Self::Rejected { .. } => NextAction::FixInput,
            Self::Admin(e) => e.next_action(),
            Self::Jwt(e) => match e {
                JwtError::JwksFetch(_) | JwtError::JwksExpired | JwtError::JwksNotLoaded => {
                    NextAction::RetryLater
                }
                JwtError::Expired { .. } => NextAction::SignInAgain,
                _ => NextAction::Report,
            },
            Self::NotSignedIn | Self::NoRefreshToken | Self::NoPendingChallenge => {
                NextAction::SignInAgain
            }
            Self::WrongChallenge { .. } | Self::NoUsername | Self::InvalidArgument(_) => {
                NextAction::FixInput
            }
            Self::JwtBuild(_) | Self::InsideAsyncRuntime | Self::Runtime(_) | Self::Config(_) => {
                NextAction::FixConfiguration
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_map_by_kind_not_by_message() {
        let expired = PycognitoError::Jwt(JwtError::Expired {
            exp: time::OffsetDateTime::UNIX_EPOCH,
        });
        assert_eq!(expired.next_action(), NextAction::SignInAgain);
        for stale in [JwtError::JwksExpired, JwtError::JwksNotLoaded] {
            assert_eq!(
                PycognitoError::Jwt(stale).next_action(),
                NextAction::RetryLater
            );
        }
        // "expired" in another error's text is not an expired token.
        let forged = PycognitoError::Jwt(JwtError::InvalidSignature);
        assert_eq!(forged.next_action(), NextAction::Report);
        let issuer = PycognitoError::Jwt(JwtError::IssuerMismatch);
        assert_eq!(issuer.next_action(), NextAction::Report);
    }
}
