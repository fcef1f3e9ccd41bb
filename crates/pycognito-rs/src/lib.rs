#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blocking;
mod error;
mod facade;
mod middleware;

pub use error::{NextAction, PycognitoError, Stage};
pub use facade::{AuthStep, Cognito, CognitoBuilder, Group, MfaMethod, User, UserMetadata};
pub use middleware::{BearerAuth, BearerAuthError, BearerAuthLayer, TokenKind};

/// Re-exported so callers need no other dependency for the common types.
pub use cognito_admin::AttributeMap;
pub use cognito_auth::{
    Answer, CodeKind, CognitoAuth, DeviceCredentials, DevicePolicy, FileSessionStore,
    MemorySessionStore, MfaPreference, MfaSetting, NewDevice, Question, RefreshMode, Rejection,
    Session, SessionState, SessionStore, TokenSet,
};
pub use cognito_wire::SensitiveString;
