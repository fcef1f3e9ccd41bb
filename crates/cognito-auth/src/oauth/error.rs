//! [`OAuthError`]: what the token endpoint (RFC 6749 section 5.2, RFC 8707) or the way to it
//! refused.

use crate::NextAction;
use std::sync::Arc;

/// An OAuth 2.0 error code (RFC 6749 section 5.2, RFC 8707 section 2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`: a malformed request.
    InvalidRequest,
    /// `invalid_client`: the client id or secret is wrong.
    InvalidClient,
    /// `invalid_grant`: the code or refresh token is invalid, expired or used.
    InvalidGrant,
    /// `unauthorized_client`: the app client may not use this grant.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`: a scope the client may not have.
    InvalidScope,
    /// `invalid_target` (RFC 8707): the resource is unknown.
    InvalidTarget,
    /// Any other code, as sent.
    Other(String),
}

impl OAuthErrorCode {
    /// Reads a code.
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "invalid_target" => Self::InvalidTarget,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::Other(c) => c,
        }
    }
}

impl std::fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong with an OAuth 2.0 call. [`next_action`](Self::next_action) says what to do.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// The endpoint answered with an OAuth error.
    #[error("the token endpoint answered {status} {code}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The error code.
        code: OAuthErrorCode,
        /// `error_description`, when given.
        description: Option<String>,
        /// The HTTP status.
        status: u16,
    },
    /// The endpoint could not be reached, or the connection failed.
    #[error("the token endpoint could not be reached: {0}")]
    Transport(Arc<cognito_wire::TransportError>),
    /// The answer is not a token response nor an OAuth error.
    #[error(
        "the token endpoint answered {status} with something that is not a token response: {detail}"
    )]
    BadResponse {
        /// The HTTP status.
        status: u16,
        /// What was wrong with it.
        detail: String,
    },
    /// A setting is wrong (a domain, a scope, a missing secret).
    #[error("OAuth configuration: {0}")]
    Config(String),
}

impl OAuthError {
    /// What to do about it.
    ///
    /// ```
    /// use cognito_auth::NextAction;
    /// use cognito_auth::oauth::{OAuthError, OAuthErrorCode};
    /// let e = OAuthError::Refused { code: OAuthErrorCode::InvalidClient, description: None, status: 401 };
    /// assert_eq!(e.next_action(), NextAction::FixConfiguration);
    /// ```
    pub fn next_action(&self) -> NextAction {
        match self {
            OAuthError::Refused { code, status, .. } => match code {
                OAuthErrorCode::InvalidClient
                | OAuthErrorCode::UnauthorizedClient
                | OAuthErrorCode::UnsupportedGrantType
                | OAuthErrorCode::InvalidScope
                | OAuthErrorCode::InvalidTarget => NextAction::FixConfiguration,
                OAuthErrorCode::InvalidGrant => NextAction::SignInAgain,
                OAuthErrorCode::InvalidRequest => NextAction::Report,
                OAuthErrorCode::Other(_) if *status >= 500 || *status == 429 => {
                    NextAction::RetryLater
                }
                OAuthErrorCode::Other(_) => NextAction::Report,
            },
            OAuthError::Transport(_) => NextAction::RetryLater,
            OAuthError::BadResponse { status, .. } if *status >= 500 || *status == 429 => {
                NextAction::RetryLater
            }
            OAuthError::BadResponse { .. } => NextAction::Report,
            OAuthError::Config(_) => NextAction::FixConfiguration,
        }
    }
}
