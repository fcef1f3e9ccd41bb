#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod claims;
mod error;
mod fetch;
mod jwks;
mod verifier;

pub use claims::{Claims, TokenUse};
pub use error::{BuildError, JwksFetchError, JwtError, Segment};
pub use fetch::{BoxFuture, HttpJwksFetcher, JwksFetcher};
pub use verifier::{CognitoJwtVerifier, CognitoJwtVerifierBuilder};
