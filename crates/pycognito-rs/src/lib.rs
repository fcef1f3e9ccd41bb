//! pycognito-rs: the Rust successor of the Python library pycognito.
//!
//! - [`Cognito`]: pycognito's `Cognito` class, async: one value holds the pool, the app client,
//!   the username and the tokens, with a method for every pycognito method. Challenges come
//!   back as an [`AuthStep`], not as exceptions.
//! - [`PycognitoError`]: one error for everything, whose [`next_action`](PycognitoError::next_action)
//!   says what to do ([`NextAction`]: retry, ask the user, confirm the sign-up, reset the
//!   password, sign in again, give up).
//! - [`blocking`]: the same `Cognito` for code without an async runtime.
//! - [`BearerAuthLayer`]: a `tower` layer adding `Authorization: Bearer <token>` to any HTTP
//!   client's requests from a [`TokenProvider`](cognito_auth::TokenProvider) (pycognito's
//!   `RequestsSrpAuth`).
//! - The `pycognito` command-line tool (the binary of this package).
//!
//! User methods never need AWS credentials; `admin_*` methods are SigV4-signed.
//!
//! Against the embedded emulator (a real Cognito-compatible server on 127.0.0.1):
//!
//! ```
//! use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec, UserSpec};
//! use pycognito::{AuthStep, Cognito};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! rt.block_on(async {
//!     let emu = Emulator::start(EmulatorConfig::default()).await?;
//!     let pool = emu.create_pool(PoolSpec::named("docs"))?;
//!     let client = emu.create_client(&pool, ClientSpec::public("app"))?;
//!     emu.create_user(&pool, UserSpec::new("alice", "Passw0rd!").attribute("email", "alice@example.com"))?;
//!
//!     let mut cognito = Cognito::builder(&pool, &client.client_id)
//!         .endpoint_url(emu.url())
//!         .username("alice")
//!         .build()?;
//!     assert_eq!(cognito.authenticate("Passw0rd!").await?, AuthStep::Done);
//!     cognito.verify_tokens().await?;
//!     let user = cognito.get_user(None).await?;
//!     assert_eq!(user.get("email"), Some("alice@example.com"));
//!
//!     let err = cognito.authenticate("wrong").await.unwrap_err();
//!     assert_eq!(err.next_action(), pycognito::NextAction::AskUser);
//!     emu.shutdown().await;
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })
//! # }
//! ```
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
    Answer, CodeKind, DeviceCredentials, DevicePolicy, MfaPreference, MfaSetting, NewDevice,
    Question, RefreshMode, Session, TokenProvider, TokenSet,
};
pub use cognito_wire::SensitiveString;
