#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod attributes;
mod client;
pub mod credentials;
mod error;
pub mod filter;
mod groups;
pub mod paginate;
mod pools;
pub mod signer;
mod users;

#[cfg(feature = "aws-profile")]
mod aws_config_support;

pub use attributes::{AttributeMap, attributes_to_map, map_to_attributes};
pub use client::{AdminClient, AdminClientBuilder};
pub use cognito_auth::{MfaPreference, MfaSetting};
pub use credentials::{EnvCredentials, static_credentials};
pub use error::AdminError;
pub use filter::Filter;
pub use groups::GroupSpec;
pub use paginate::ItemStream;
pub use signer::{SigV4Signer, SigV4SignerBuilder, SignError};
pub use users::{NewUser, UserQuery};

/// Re-exported so callers can name credentials and providers without another dependency.
pub use aws_credential_types::Credentials;
pub use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
/// Re-exported from `cognito-auth` for admin sign-in ([`AdminClient::auth`]).
pub use cognito_auth::{Answer, Flow, Question, SignInConfig, SignInOutcome};
