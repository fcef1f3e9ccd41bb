//! Sign-in to Amazon Cognito User Pools, correct where other clients are not.
//!
//! - [`SignIn`]: the sans-IO sign-in state machine (`USER_SRP_AUTH`, `USER_PASSWORD_AUTH`,
//!   `CUSTOM_AUTH`, `USER_AUTH`, the `Admin*` forms, every challenge including device SRP), fed
//!   with responses and the current time, returning [`Step`]s;
//! - [`CognitoAuth`]: the async driver over `cognito-wire`: sign-in, device confirmation and
//!   remembered devices ([`DeviceStore`]), refresh, and the user's own operations;
//! - [`TokenSet`]: tokens with their expiry.
//!
//! The state machine never does IO and never reads the clock: a caller (or [`CognitoAuth`])
//! moves the bytes.
#![forbid(unsafe_code)]

mod account;
mod client;
mod clock;
mod device_store;
mod error;
pub mod jwt;
mod private_file;
mod provider;
mod signin;
mod tokens;

pub use account::{MfaPreference, MfaSetting};
pub use client::{
    CognitoAuth, CognitoAuthBuilder, DevicePolicy, Error, PendingSignIn, RefreshMode, Session,
    SignInOutcome, WebAuthnAuthenticator,
};
pub use clock::{Clock, SystemClock};
pub use device_store::{
    DeviceKeyRef, DeviceStore, DeviceStoreError, FileDeviceStore, MemoryDeviceStore,
};
pub use error::AuthError;
pub use private_file::write_private_file;
pub use provider::{PasswordSource, PersistHook, TokenProvider};
pub use signin::{
    Answer, CodeKind, DeviceCredentials, FirstFactor, Flow, NewDevice, Question, Request, Response,
    SignIn, SignInConfig, SignedIn, Step,
};
pub use tokens::{TokenSet, unverified_claims};
