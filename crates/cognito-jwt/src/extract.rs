//! The axum extractor [`Verified`] (feature `axum`).

use axum_core::extract::{FromRef, FromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::{DeserializeOwned, IgnoredAny};
use time::OffsetDateTime;

use crate::claims::Claims;
use crate::server::{AuthRejection, bearer_token};
use crate::verifier::CognitoJwtVerifier;

/// An axum extractor for a request with a valid Cognito bearer token: the verified [`Claims`]
/// and the claims read into `T` (a type of one's own for custom claims; by default nothing is
/// read).
///
/// When a [`CognitoJwtLayer`](crate::CognitoJwtLayer) in front already verified the request,
/// its claims are taken from the extensions; otherwise the token of the `Authorization: Bearer`
/// header is verified here with the state's [`CognitoJwtVerifier`] (`FromRef`) at the system
/// clock's time. Rejections answer as [`AuthRejection`] does (401 / 403 / 503 with an RFC 6750
/// challenge).
///
/// ```
/// use axum::{Router, routing::get};
/// use cognito_jwt::{CognitoJwtVerifier, TokenUse, Verified};
///
/// #[derive(serde::Deserialize)]
/// struct Custom {
///     #[serde(rename = "custom:tenant")]
///     tenant: String,
/// }
///
/// async fn me(Verified { claims, custom, .. }: Verified<Custom>) -> String {
///     format!("{} of {}", claims.sub, custom.tenant)
/// }
///
/// let verifier = CognitoJwtVerifier::builder("eu-west-1_AbCdEf123")
///     .client_id("4o7dqc1n5kq1t6ph2a2m4bl3s")
///     .token_use(TokenUse::Id)
///     .build()?;
/// let app: Router = Router::new().route("/me", get(me)).with_state(verifier);
/// # let _ = app;
/// # Ok::<(), cognito_jwt::BuildError>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Verified<T = IgnoredAny> {
    /// The verified claims.
    pub claims: Claims,
    /// The claims read into `T`.
    pub custom: T,
}

impl<S, T> FromRequestParts<S> for Verified<T>
where
    S: Send + Sync,
    CognitoJwtVerifier: FromRef<S>,
    T: DeserializeOwned + Send,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let claims = match parts.extensions.get::<Claims>() {
            Some(claims) => claims.clone(),
            None => {
                let verifier = CognitoJwtVerifier::from_ref(state);
                let token = bearer_token(&parts.headers)?;
                verifier.verify(token, OffsetDateTime::now_utc()).await?
            }
        };
        let custom = claims.deserialize_into::<T>()?;
        Ok(Self { claims, custom })
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        self.to_response()
    }
}
