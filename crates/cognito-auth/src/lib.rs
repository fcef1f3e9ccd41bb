//! Sign-in to Amazon Cognito User Pools, correct where other clients are not.
//!
//! - [`SignIn`]: the sans-IO sign-in state machine (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`,
//!   `CUSTOM_AUTH`, `USER_AUTH`, the `Admin*` forms, every challenge including device SRP), fed
//!   with responses and the current time, returning [`Step`]s;
//! - [`TokenSet`]: tokens with their expiry.
//!
//! The state machine never does IO and never reads the clock: a caller (or this crate's async
//! driver) moves the bytes.
#![forbid(unsafe_code)]

mod error;
mod signin;
mod tokens;

pub use error::AuthError;
pub use signin::{
    Answer, CodeKind, DeviceCredentials, FirstFactor, Flow, NewDevice, Question, Request, Response,
    SignIn, SignInConfig, SignedIn, Step,
};
pub use tokens::{TokenSet, unverified_claims};
