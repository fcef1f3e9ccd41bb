//! Cognito's OAuth 2.0 side: a pool's domain ([`OAuthDomain`]), its errors ([`OAuthError`]) and
//! machine-to-machine tokens ([`ClientCredentials`]: the `client_credentials` grant with a token
//! cache that renews before expiry, one fetch in flight), and the browser side of the
//! authorization code flow ([`AuthorizeRequest`] with [`Pkce`], `state` and `nonce`;
//! [`logout_url`]).

mod authorize;
mod client_credentials;
mod domain;
mod error;
mod loopback;

pub use authorize::{AuthorizeRequest, Pkce, logout_url};
pub use client_credentials::{ClientCredentials, ClientCredentialsBuilder, ClientToken};
pub use domain::OAuthDomain;
pub use error::{OAuthError, OAuthErrorCode};
pub use loopback::{AuthorizationCode, LoopbackReceiver};
