//! Cognito's OAuth 2.0 side: a pool's domain ([`OAuthDomain`]), its errors ([`OAuthError`]) and
//! machine-to-machine tokens ([`ClientCredentials`]: the `client_credentials` grant with a token
//! cache that renews before expiry, one fetch in flight), and the browser side of the
//! authorization code flow ([`AuthorizeRequest`] with [`Pkce`], `state` and `nonce`;
//! [`logout_url`]), the loopback receiver of its redirect ([`LoopbackReceiver`]), and its
//! second half on the driver: [`CognitoAuth::sign_in_with_code`](crate::CognitoAuth::sign_in_with_code)
//! (the code into the one [`Session`](crate::Session), refreshed through the token endpoint),
//! `userInfo` ([`UserInfo`]), revocation, and the API's token exchange ([`TokenExchange`]).

mod authorize;
mod client_credentials;
mod code;
mod domain;
mod endpoint;
mod error;
mod loopback;

pub use authorize::{AuthorizeRequest, Pkce, logout_url};
pub use client_credentials::{ClientCredentials, ClientCredentialsBuilder, ClientToken};
pub use code::{DerivedToken, TokenExchange, UserInfo};
pub use domain::OAuthDomain;
pub use error::{IdTokenClaim, OAuthError, OAuthErrorCode};
pub use loopback::{AuthorizationCode, LoopbackReceiver};
