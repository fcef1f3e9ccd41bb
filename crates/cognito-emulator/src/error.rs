//! Errors: AWS errors on the wire ([`ApiError`]) and errors of the embedded API ([`EmulatorError`]).

use http::StatusCode;

/// An AWS error as the emulator answers it: `{"__type": code, "message": message}`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// Exception name, e.g. `NotAuthorizedException`.
    pub code: String,
    /// Message.
    pub message: String,
    /// HTTP status.
    pub status: u16,
}

impl ApiError {
    /// A 400 error.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: code.to_owned(),
            message: message.into(),
            status: 400,
        }
    }

    /// With another HTTP status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status.as_u16();
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"__type": self.code, "message": self.message}))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

pub(crate) fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterException", msg)
}
pub(crate) fn not_authorized(msg: impl Into<String>) -> ApiError {
    ApiError::new("NotAuthorizedException", msg)
}
pub(crate) fn bad_credentials() -> ApiError {
    not_authorized("Incorrect username or password.")
}
pub(crate) fn missing(param: &str) -> ApiError {
    invalid(format!("Missing required parameter {param}"))
}
pub(crate) fn user_not_found() -> ApiError {
    ApiError::new("UserNotFoundException", "User does not exist.")
}
pub(crate) fn not_found(msg: impl Into<String>) -> ApiError {
    ApiError::new("ResourceNotFoundException", msg)
}
pub(crate) fn internal(msg: impl std::fmt::Display) -> ApiError {
    ApiError::new("InternalErrorException", format!("internal error: {msg}"))
        .with_status(StatusCode::INTERNAL_SERVER_ERROR)
}
pub(crate) fn invalid_session() -> ApiError {
    not_authorized("Invalid session for the user.")
}
pub(crate) fn expired_session() -> ApiError {
    not_authorized("Invalid session for the user, session is expired.")
}
pub(crate) fn code_mismatch() -> ApiError {
    ApiError::new(
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
}
pub(crate) fn expired_code() -> ApiError {
    ApiError::new(
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )
}

/// An error of the embedded API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// Binding or serving failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The state file or seed file could not be read.
    #[error("state: {0}")]
    State(String),
    /// A provisioning call was refused (same reasons as the corresponding Cognito operation).
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The configuration is invalid (e.g. fault rates out of range).
    #[error("configuration: {0}")]
    Config(String),
}

/// A response shape the emulator built without a required member: its own bug, answered as
/// Cognito answers a fault.
impl From<cognito_wire::MissingField> for ApiError {
    fn from(e: cognito_wire::MissingField) -> Self {
        ApiError::new("InternalErrorException", e.to_string())
    }
}
