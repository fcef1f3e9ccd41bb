#![doc = include_str!("../README.md")]
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
