#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod account;
mod client;
mod clock;
mod device_store;
mod error;
pub mod jwt;
mod next_action;
pub mod oauth;
mod passkey;
mod private_file;
mod session;
mod session_store;
mod signin;
#[cfg(feature = "software-authenticator")]
mod software_authenticator;
mod tokens;

pub use account::{MfaPreference, MfaSetting};
pub use client::{
    CognitoAuth, CognitoAuthBuilder, DevicePolicy, Error, PendingSignIn, RefreshMode,
    SignInOutcome, WebAuthnAuthenticator,
};
pub use clock::{Clock, SystemClock};
pub use device_store::{
    DeviceKeyRef, DeviceStore, DeviceStoreError, FileDeviceStore, MemoryDeviceStore,
};
pub use error::AuthError;
pub use next_action::NextAction;
pub use private_file::write_private_file;
pub use session::{PasswordSource, SESSION_STATE_VERSION, Session, SessionState};
pub use session_store::{FileSessionStore, MemorySessionStore, SessionStore, SessionStoreError};
pub use signin::{
    Answer, CodeKind, DeviceCredentials, FirstFactor, Flow, NewDevice, Question, Rejection,
    Request, Response, SignIn, SignInConfig, SignedIn, Step,
};
#[cfg(feature = "software-authenticator")]
pub use software_authenticator::{
    CredentialsFileError, SoftwareAuthenticator, SoftwareAuthenticatorBuilder,
};
pub use tokens::{TokenSet, TokenSetBuilder, unverified_claims};
