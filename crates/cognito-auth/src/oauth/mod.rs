//! Cognito's OAuth 2.0 side: a pool's domain ([`OAuthDomain`]), its errors ([`OAuthError`]) and
//! machine-to-machine tokens ([`ClientCredentials`]: the `client_credentials` grant with a token
//! cache that renews before expiry, one fetch in flight).

mod client_credentials;
mod domain;
mod error;

pub use client_credentials::{ClientCredentials, ClientCredentialsBuilder, ClientToken};
pub use domain::OAuthDomain;
pub use error::{OAuthError, OAuthErrorCode};
