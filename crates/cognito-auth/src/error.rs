//! Errors of the sign-in state machine.

use cognito_wire::ChallengeNameType;
use cognito_wire::challenge::ChallengeError;
use srp_core::SrpError;

/// Why a sign-in cannot go on. Cloneable: a failed [`SignIn`](crate::SignIn) keeps its error and
/// returns it from every later call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The SRP math refused the server's values (or the configured identity).
    #[error("SRP: {0}")]
    Srp(#[from] SrpError),
    /// A challenge came with missing or malformed parameters.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
    /// The server sent a challenge this sign-in cannot answer at this point.
    #[error("unexpected challenge {got}: expected {expected}")]
    UnexpectedChallenge {
        /// What the state machine could accept here.
        expected: &'static str,
        /// What came.
        got: ChallengeNameType,
    },
    /// A response to another operation than the one the state machine sent.
    #[error("unexpected {got} response: waiting for {expected}")]
    UnexpectedResponse {
        /// The operation whose response was awaited.
        expected: &'static str,
        /// The operation whose response came.
        got: &'static str,
    },
    /// A response with neither tokens nor a challenge.
    #[error("{operation} returned neither tokens nor a challenge")]
    EmptyResponse {
        /// The operation.
        operation: &'static str,
    },
    /// The server's authentication result lacks a token.
    #[error("the authentication result has no {0}")]
    MissingToken(&'static str),
    /// An answer that does not fit the pending question.
    #[error("answer {got} does not fit question {question}")]
    UnexpectedAnswer {
        /// The pending question.
        question: &'static str,
        /// The answer given.
        got: &'static str,
    },
    /// An input was called in a state that does not take it (e.g. `answer` while a response is
    /// awaited).
    #[error("{call} called while {state}")]
    WrongState {
        /// The method called.
        call: &'static str,
        /// What the state machine was doing.
        state: &'static str,
    },
    /// The flow needs a password and none was configured.
    #[error("this sign-in flow needs a password")]
    PasswordRequired,
    /// `VerifySoftwareToken` did not succeed.
    #[error("the TOTP code was not accepted while setting up MFA")]
    SoftwareTokenNotVerified,
    /// A request shape lacked a required member (a bug of this crate: report it).
    #[error(transparent)]
    Shape(#[from] cognito_wire::MissingField),
    /// The configuration is inconsistent.
    #[error("invalid sign-in configuration: {0}")]
    Config(&'static str),
}
