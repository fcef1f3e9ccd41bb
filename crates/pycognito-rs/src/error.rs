//! [`PycognitoError`]: the one error of this crate, and [`NextAction`]: what the caller should do
//! about it.

use cognito_auth::jwt::JwtError;
use cognito_wire::{ErrorClass, ServiceErrorKind};

/// What a caller should do after an error.
///
/// ```
/// use pycognito::{NextAction, PycognitoError};
/// assert_eq!(PycognitoError::NotSignedIn.next_action(), NextAction::SignInAgain);
/// assert_eq!(PycognitoError::NoPendingChallenge.next_action(), NextAction::SignInAgain);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NextAction {
    /// A passing failure (throttling, network, 5xx): try again, with a backoff.
    Retry,
    /// The user typed something wrong (password, code, new password not good enough): ask again.
    AskUser,
    /// The user has not confirmed the sign-up: ask for the code (`confirm_sign_up`) or send a new
    /// one (`resend_confirmation_code`).
    ConfirmSignUp,
    /// The password must be reset: `initiate_forgot_password`, then `confirm_forgot_password`.
    ResetPassword,
    /// The tokens (or the sign-in session) are no longer good: authenticate again.
    SignInAgain,
    /// Retrying will not help: a configuration or programming error, or a refusal.
    GiveUp,
}

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
/// assert_eq!(err.next_action(), NextAction::GiveUp);
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
        self.service_error().map(ServiceErrorKind::code)
    }

    /// Whether this is the Cognito exception `code`.
    pub fn is(&self, code: &str) -> bool {
        self.service_code() == Some(code)
    }

    /// What to do next. Cognito exceptions are mapped by code (and, for
    /// `NotAuthorizedException`, by stage and message); network failures and throttling are
    /// [`NextAction::Retry`].
    pub fn next_action(&self) -> NextAction {
        match self {
            Self::Cognito { stage, source } => match source.service_error() {
                Some(kind) => service_action(kind, Some(*stage)),
                None => match source {
                    cognito_auth::Error::Wire(w) => class_action(w.class()),
                    cognito_auth::Error::NoRefreshToken => NextAction::SignInAgain,
                    // The state machine refused a server value or an answer: the sign-in is over.
                    cognito_auth::Error::Auth(_) if *stage == Stage::SignIn => {
                        NextAction::SignInAgain
                    }
                    _ => NextAction::GiveUp,
                },
            },
            Self::Admin(e) => match e.service_error() {
                Some(kind) => service_action(kind, None),
                None => class_action(e.class()),
            },
            Self::Jwt(e) => match e {
                JwtError::JwksFetch(_) | JwtError::JwksExpired | JwtError::JwksNotLoaded => {
                    NextAction::Retry
                }
                JwtError::Expired { .. } => NextAction::SignInAgain,
                _ => NextAction::GiveUp,
            },
            Self::NotSignedIn | Self::NoRefreshToken | Self::NoPendingChallenge => {
                NextAction::SignInAgain
            }
            Self::WrongChallenge { .. } => NextAction::AskUser,
            Self::JwtBuild(_)
            | Self::NoUsername
            | Self::InsideAsyncRuntime
            | Self::Runtime(_)
            | Self::Config(_)
            | Self::InvalidArgument(_) => NextAction::GiveUp,
        }
    }
}

fn class_action(class: ErrorClass) -> NextAction {
    match class {
        ErrorClass::Throttling | ErrorClass::Transient => NextAction::Retry,
        ErrorClass::Client => NextAction::GiveUp,
    }
}

/// The next action for a Cognito exception; `stage` is `None` for admin calls.
pub(crate) fn service_action(kind: &ServiceErrorKind, stage: Option<Stage>) -> NextAction {
    let message = kind.message().unwrap_or_default().to_ascii_lowercase();
    match kind.code() {
        // A wrong code keeps the challenge open (the pending sign-in is kept: answer it again);
        // other refused answers consume the sign-in's session: ask again means sign in again.
        "CodeMismatchException" if stage == Some(Stage::SignIn) => NextAction::AskUser,
        "ExpiredCodeException"
        | "InvalidPasswordException"
        | "PasswordHistoryPolicyViolationException"
            if stage == Some(Stage::SignIn) =>
        {
            NextAction::SignInAgain
        }
        "UserNotConfirmedException" => NextAction::ConfirmSignUp,
        "PasswordResetRequiredException" => NextAction::ResetPassword,
        "CodeMismatchException"
        | "ExpiredCodeException"
        | "InvalidPasswordException"
        | "PasswordHistoryPolicyViolationException"
        | "UsernameExistsException"
        | "AliasExistsException"
        | "EnableSoftwareTokenMFAException" => NextAction::AskUser,
        "TooManyRequestsException"
        | "LimitExceededException"
        | "InternalErrorException"
        | "InternalServerException"
        | "ConcurrentModificationException"
        | "CodeDeliveryFailureException" => NextAction::Retry,
        "UserNotFoundException" => match stage {
            Some(Stage::SignIn) | Some(Stage::Account) => NextAction::AskUser,
            _ => NextAction::GiveUp,
        },
        "NotAuthorizedException" => {
            if message.contains("disabled") {
                NextAction::GiveUp
            } else if stage == Some(Stage::Refresh)
                || message.contains("session")
                || message.contains("token")
            {
                // A dead refresh token, an expired challenge session, an expired or revoked
                // access token.
                NextAction::SignInAgain
            } else if stage.is_some() {
                // "Incorrect username or password." (sign-in, change_password).
                NextAction::AskUser
            } else {
                NextAction::GiveUp
            }
        }
        "RefreshTokenReuseException" => NextAction::SignInAgain,
        _ => NextAction::GiveUp,
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
            assert_eq!(PycognitoError::Jwt(stale).next_action(), NextAction::Retry);
        }
        // "expired" in another error's text is not an expired token.
        let forged = PycognitoError::Jwt(JwtError::InvalidSignature);
        assert_eq!(forged.next_action(), NextAction::GiveUp);
        let issuer = PycognitoError::Jwt(JwtError::IssuerMismatch);
        assert_eq!(issuer.next_action(), NextAction::GiveUp);
    }
}
