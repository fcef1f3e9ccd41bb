//! Verification of Cognito JWTs (id and access tokens), after the design of
//! [aws-jwt-verify](https://github.com/awslabs/aws-jwt-verify):
//!
//! - RS256 only, verified with ring; every other `alg` (`none`, `HS256`, `RS512`, ...) is
//!   rejected before any key is looked at;
//! - the JWKS is fetched once, parsed once into ring public-key components and shared by all
//!   clones of a [`CognitoJwtVerifier`]; an unknown `kid` triggers a refetch (key rotation
//!   without restart), at most one per penalty-box window, one at a time;
//! - [`CognitoJwtVerifier::verify_sync`] after [`CognitoJwtVerifier::hydrate`] or
//!   [`CognitoJwtVerifier::add_jwks`] for verification without IO;
//! - both Cognito issuer forms (`https://cognito-idp.<region>.amazonaws.com/<pool>` and
//!   `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`, each with its own JWKS) or a
//!   configured issuer;
//! - `token_use`, the client id (`aud` for id tokens, `client_id` for access tokens),
//!   `exp`/`nbf`/`iat` with leeway, optional groups and scopes;
//! - one [`JwtError`] variant per failure.
//!
//! Time is always an argument.

mod claims;
mod error;
mod fetch;
mod jwks;
mod verifier;

pub use claims::{Claims, TokenUse};
pub use error::{BuildError, JwksFetchError, JwtError, Segment};
pub use fetch::{HttpJwksFetcher, JwksFetcher};
pub use verifier::{CognitoJwtVerifier, CognitoJwtVerifierBuilder};
