//! [`OAuthError`]: what the token endpoint (RFC 6749 section 5.2, RFC 8707) or the way to it
//! refused.

use crate::NextAction;
use std::sync::Arc;

/// An OAuth 2.0 error code (RFC 6749 sections 4.1.2.1 and 5.2, RFC 6750, RFC 7009, RFC 8707
/// section 2).
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
    /// `unsupported_token_type` (RFC 7009): the revocation endpoint does not revoke this kind of
    /// token (Cognito revokes refresh tokens).
    UnsupportedTokenType,
    /// `invalid_token` (RFC 6750): the access token sent as `Bearer` is invalid, expired or
    /// revoked, or lacks the scope (`userInfo` needs `openid`).
    InvalidToken,
    /// `access_denied`: the user or the authorization server refused the authorization.
    AccessDenied,
    /// `unsupported_response_type`: the app client may not use the code flow.
    UnsupportedResponseType,
    /// `server_error`: the authorization server failed; try later.
    ServerError,
    /// `temporarily_unavailable`: the authorization server is overloaded; try later.
    TemporarilyUnavailable,
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
            "unsupported_token_type" => Self::UnsupportedTokenType,
            "invalid_token" => Self::InvalidToken,
            "access_denied" => Self::AccessDenied,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
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
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InvalidToken => "invalid_token",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
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
    #[error("the OAuth endpoint answered {status} {code}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The error code.
        code: OAuthErrorCode,
        /// `error_description`, when given.
        description: Option<String>,
        /// The HTTP status.
        status: u16,
    },
    /// The endpoint could not be reached, or the connection failed.
    #[error("the OAuth endpoint could not be reached: {0}")]
    Transport(Arc<cognito_wire::TransportError>),
    /// The answer is not a token response nor an OAuth error.
    #[error(
        "the OAuth endpoint answered {status} with something this client cannot read: {detail}"
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
    /// A redirect's `state` is not the one the [`AuthorizeRequest`](super::AuthorizeRequest)
    /// sent (a forged or stale redirect: its code is not used).
    #[error("the redirect's state is not this sign-in's: the code is not used")]
    StateMismatch,
    /// The id token of a code exchange does not belong to this sign-in: its `nonce`, `at_hash`
    /// or `aud` is not what the request and the access token say. The tokens are not used.
    #[error("the id token's {0} does not match this sign-in: the tokens are not used")]
    IdTokenMismatch(IdTokenClaim),
}

/// The id token claim a code exchange checks (OpenID Connect Core 3.1.3.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdTokenClaim {
    /// `nonce`: absent, or not the one the authorize request sent.
    Nonce,
    /// `at_hash`: not base64url of the left half of SHA-256 of the access token.
    AtHash,
    /// `aud`: not the app client.
    Audience,
}

impl std::fmt::Display for IdTokenClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdTokenClaim::Nonce => "nonce",
            IdTokenClaim::AtHash => "at_hash",
            IdTokenClaim::Audience => "aud",
        })
    }
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
                | OAuthErrorCode::InvalidTarget
                | OAuthErrorCode::UnsupportedTokenType
                | OAuthErrorCode::UnsupportedResponseType => NextAction::FixConfiguration,
                OAuthErrorCode::InvalidGrant
                | OAuthErrorCode::InvalidToken
                | OAuthErrorCode::AccessDenied => NextAction::SignInAgain,
                OAuthErrorCode::ServerError | OAuthErrorCode::TemporarilyUnavailable => {
                    NextAction::RetryLater
                }
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
            // Someone else's redirect or tokens: start a new sign-in (a new state and nonce).
            OAuthError::StateMismatch | OAuthError::IdTokenMismatch(_) => NextAction::SignInAgain,
        }
    }
}
