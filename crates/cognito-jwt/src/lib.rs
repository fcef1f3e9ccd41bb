#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod claims;
mod error;
#[cfg(feature = "axum")]
mod extract;
mod fetch;
mod jwks;
mod server;
mod verifier;

pub use claims::{Claims, TokenUse};
pub use error::{BuildError, JwksFetchError, JwtError, Segment};
#[cfg(feature = "axum")]
pub use extract::Verified;
pub use fetch::{BoxFuture, HttpJwksFetcher, JwksFetcher};
pub use server::{AuthRejection, bearer_token};
#[cfg(feature = "tower")]
pub use server::{CognitoJwtLayer, CognitoJwtService};
pub use verifier::{CognitoJwtVerifier, CognitoJwtVerifierBuilder, PoolConfig};
