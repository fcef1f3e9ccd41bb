//! The SigV4-signed administrative API of Amazon Cognito User Pools: what pycognito's admin
//! methods do, complete, paginated and typed.
//!
//! - [`SigV4Signer`]: SigV4 from the official `aws-sigv4` crate, plugged into `cognito-wire`'s
//!   [`Signer`](cognito_wire::Signer) hook; credentials from explicit keys
//!   ([`static_credentials`]), the environment ([`EnvCredentials`]), any `aws-credential-types`
//!   provider, or (feature `aws-config`) the full AWS default chain; temporary credentials are
//!   fetched again through their provider before they expire.
//! - [`AdminClient`]: one async method per operation for users, devices, groups, user pools,
//!   app clients, MFA configuration and identity providers; [`AdminClient::call`] for any other
//!   operation or option.
//! - [`paginate`]: every list operation as a stream over all pages (`*_stream`) and collected
//!   (`*_all`); never only the first page.
//! - [`Filter`] and [`UserQuery`]: `ListUsers` filter expressions, quoted and escaped, and
//!   attribute projection.
//! - [`attributes`]: Cognito's `[{Name, Value}]` to maps and back, with pycognito's `attr_map`
//!   and `custom:` prefixing, never modifying the caller's data.
//! - Admin sign-in ([`AdminClient::admin_sign_in`]) drives `cognito-auth`'s sign-in state
//!   machine over the signed client.
//!
//! ```
//! use cognito_admin::{AttributeMap, Filter, UserQuery, map_to_attributes};
//! use std::collections::BTreeMap;
//!
//! // Filters render as Cognito expects them, with quotes escaped.
//! let query = UserQuery::new()
//!     .filter(Filter::starts_with("email", "jo\"e"))
//!     .attributes(["email"]);
//! let req = query.into_request("us-east-1_Pool");
//! assert_eq!(req.filter.as_deref(), Some(r#"email ^= "jo\"e""#));
//!
//! // Attribute maps: non-standard names go under `custom:`.
//! let profile = BTreeMap::from([
//!     ("email".to_string(), "joe@example.com".to_string()),
//!     ("team".to_string(), "blue".to_string()),
//! ]);
//! let attrs = map_to_attributes(&profile);
//! assert_eq!(attrs[0].name, "custom:team");
//! assert_eq!(attrs[1].name, "email");
//!
//! // pycognito's attr_map, both ways.
//! let mapping = AttributeMap::new().map("given_name", "first_name");
//! let attrs = mapping.to_attributes(&BTreeMap::from([("first_name".to_string(), "Joe".to_string())]));
//! assert_eq!(attrs[0].name, "given_name");
//! assert_eq!(mapping.to_map(&attrs)["first_name"], "Joe");
//! ```

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
mod signin;
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
pub use signin::{AdminSignInOutcome, PendingSignIn};
pub use users::{NewUser, UserQuery};

/// Re-exported so callers can name credentials and providers without another dependency.
pub use aws_credential_types::Credentials;
pub use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
/// Re-exported from `cognito-auth` for admin sign-in.
pub use cognito_auth::{Answer, Flow, Question, SignInConfig, SignedIn};
