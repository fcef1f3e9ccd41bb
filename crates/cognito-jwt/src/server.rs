//! Guarding an HTTP service: the bearer token of a request ([`bearer_token`]), the answer to a
//! request that has none or a bad one ([`AuthRejection`], RFC 6750), and with the `tower`
//! feature a layer ([`CognitoJwtLayer`]) that verifies every request before the service sees it
//! and puts the verified [`Claims`] in the request's extensions. With the `axum` feature, the
//! [`Verified`](crate::Verified) extractor.

use std::fmt;

use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::error::JwtError;

/// Why a request was not let through: no bearer token, or a token that did not verify.
///
/// Its answer ([`status`](Self::status), [`www_authenticate`](Self::www_authenticate),
/// [`to_response`](Self::to_response)) follows RFC 6750:
///
/// - no `Authorization: Bearer` header: 401 with `WWW-Authenticate: Bearer` (no error code);
/// - a token that is malformed, forged, expired, of another pool, client or `token_use`: 401
///   with `WWW-Authenticate: Bearer error="invalid_token", error_description="..."`;
/// - a valid token lacking a required scope or group, or refused by the custom check: 403 with
///   `WWW-Authenticate: Bearer error="insufficient_scope"`;
/// - the keys could not be had (JWKS fetch failed, not loaded): 503, the token was not judged.
///
/// ```
/// use cognito_jwt::{AuthRejection, JwtError};
/// use http::StatusCode;
///
/// let r = AuthRejection::from(JwtError::ScopeMissing);
/// assert_eq!(r.status(), StatusCode::FORBIDDEN);
/// assert_eq!(r.www_authenticate().unwrap(), r#"Bearer error="insufficient_scope", error_description="the token has none of the required scopes""#);
/// assert_eq!(AuthRejection::MissingToken.status(), StatusCode::UNAUTHORIZED);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AuthRejection {
    /// The request has no `Authorization: Bearer <token>` header.
    MissingToken,
    /// The token did not verify.
    Invalid(JwtError),
}

impl From<JwtError> for AuthRejection {
    fn from(e: JwtError) -> Self {
        Self::Invalid(e)
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingToken => f.write_str("no bearer token in the Authorization header"),
            Self::Invalid(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::MissingToken => None,
            Self::Invalid(e) => Some(e),
        }
    }
}

/// Whether the error is about the keys rather than the token.
fn unavailable(e: &JwtError) -> bool {
    matches!(
        e,
        JwtError::JwksFetch(_)
            | JwtError::JwksNotLoaded
            | JwtError::JwksExpired
            | JwtError::JwksInvalid { .. }
            | JwtError::JwksFile { .. }
    )
}

/// Whether the token is valid but not allowed in.
fn forbidden(e: &JwtError) -> bool {
    matches!(
        e,
        JwtError::ScopeMissing | JwtError::GroupNotAllowed | JwtError::CheckFailed { .. }
    )
}

/// An RFC 6750 `error_description`: printable ASCII without `"` and `\`.
fn description(e: &JwtError) -> String {
    e.to_string()
        .chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .take(200)
        .collect()
}

impl AuthRejection {
    /// 401, 403 or 503 (see the type's documentation).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingToken => StatusCode::UNAUTHORIZED,
            Self::Invalid(e) if unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Invalid(e) if forbidden(e) => StatusCode::FORBIDDEN,
            Self::Invalid(_) => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `WWW-Authenticate` challenge (none for 503).
    pub fn www_authenticate(&self) -> Option<HeaderValue> {
        let value = match self {
            Self::MissingToken => "Bearer".to_owned(),
            Self::Invalid(e) if unavailable(e) => return None,
            Self::Invalid(e) if forbidden(e) => format!(
                "Bearer error=\"insufficient_scope\", error_description=\"{}\"",
                description(e)
            ),
            Self::Invalid(e) => format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                description(e)
            ),
        };
        HeaderValue::from_str(&value).ok()
    }

    /// The response: [`status`](Self::status), the challenge, an empty body.
    pub fn to_response<B: Default>(&self) -> Response<B> {
        let mut response = Response::new(B::default());
        *response.status_mut() = self.status();
        if let Some(challenge) = self.www_authenticate() {
            response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
/// [`AuthRejection::MissingToken`] when there is no such header, another scheme, no token, or
/// more than one `Authorization` header.
///
/// ```
/// use http::HeaderMap;
/// let mut headers = HeaderMap::new();
/// assert!(cognito_jwt::bearer_token(&headers).is_err());
/// headers.insert("authorization", "Bearer eyJ.x.y".parse().unwrap());
/// assert_eq!(cognito_jwt::bearer_token(&headers).unwrap(), "eyJ.x.y");
/// ```
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthRejection> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(AuthRejection::MissingToken);
    };
    let value = value.to_str().map_err(|_| AuthRejection::MissingToken)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthRejection::MissingToken)?;
    let token = token.trim_matches(' ');
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthRejection::MissingToken);
    }
    Ok(token)
}

#[cfg(feature = "tower")]
pub use layer::{CognitoJwtLayer, CognitoJwtService};

#[cfg(feature = "tower")]
mod layer {
    use std::fmt;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    use http::{Extensions, Request, Response};
    use serde::de::DeserializeOwned;
    use time::OffsetDateTime;

    use super::{AuthRejection, bearer_token};
    use crate::claims::Claims;
    use crate::error::JwtError;
    use crate::verifier::CognitoJwtVerifier;

    type InsertFn = fn(&Claims, &mut Extensions) -> Result<(), JwtError>;
    type ClockFn = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

    fn insert_typed<T>(claims: &Claims, extensions: &mut Extensions) -> Result<(), JwtError>
    where
        T: DeserializeOwned + Clone + Send + Sync + 'static,
    {
        extensions.insert(claims.deserialize_into::<T>()?);
        Ok(())
    }

    struct Config {
        verifier: CognitoJwtVerifier,
        clock: ClockFn,
        typed: Vec<InsertFn>,
    }

    /// A tower [`Layer`](tower_layer::Layer) that lets through only requests with a valid
    /// Cognito bearer token: it verifies the token with a [`CognitoJwtVerifier`] (async, the
    /// JWKS fetched and cached as the verifier does), answers the others itself
    /// ([`AuthRejection`]: 401 / 403 / 503 with an empty body, the inner service is not
    /// called), and puts the verified [`Claims`] (and, with [`claims_as`](Self::claims_as),
    /// the claims read into a type of one's own) in the request's extensions.
    ///
    /// ```
    /// use cognito_jwt::{CognitoJwtLayer, CognitoJwtVerifier, TokenUse};
    ///
    /// #[derive(Clone, serde::Deserialize)]
    /// struct Tenant {
    ///     #[serde(rename = "custom:tenant")]
    ///     tenant: String,
    /// }
    ///
    /// let verifier = CognitoJwtVerifier::builder("eu-west-1_AbCdEf123")
    ///     .client_id("4o7dqc1n5kq1t6ph2a2m4bl3s")
    ///     .token_use(TokenUse::Access)
    ///     .build()?;
    /// let layer = CognitoJwtLayer::new(verifier).claims_as::<Tenant>();
    /// # let _ = layer;
    /// # Ok::<(), cognito_jwt::BuildError>(())
    /// ```
    #[derive(Clone)]
    pub struct CognitoJwtLayer {
        config: Arc<Config>,
    }

    impl fmt::Debug for CognitoJwtLayer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("CognitoJwtLayer")
                .field("verifier", &self.config.verifier)
                .field("typed_claims", &self.config.typed.len())
                .finish_non_exhaustive()
        }
    }

    impl CognitoJwtLayer {
        /// Verifies with `verifier` at the system clock's time.
        pub fn new(verifier: CognitoJwtVerifier) -> Self {
            Self {
                config: Arc::new(Config {
                    verifier,
                    clock: Arc::new(OffsetDateTime::now_utc),
                    typed: Vec::new(),
                }),
            }
        }

        fn edit(self, f: impl FnOnce(&mut Config)) -> Self {
            let mut config = match Arc::try_unwrap(self.config) {
                Ok(config) => config,
                Err(shared) => Config {
                    verifier: shared.verifier.clone(),
                    clock: Arc::clone(&shared.clock),
                    typed: shared.typed.clone(),
                },
            };
            f(&mut config);
            Self {
                config: Arc::new(config),
            }
        }

        /// Reads the time from `clock` instead of the system clock (tests, simulations).
        #[must_use]
        pub fn clock(self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
            self.edit(|c| c.clock = Arc::new(clock))
        }

        /// Also reads the claims into `T` ([`Claims::deserialize_into`]) and puts it in the
        /// extensions; a token whose claims do not fit `T` is refused (401, `invalid_token`).
        #[must_use]
        pub fn claims_as<T>(self) -> Self
        where
            T: DeserializeOwned + Clone + Send + Sync + 'static,
        {
            self.edit(|c| c.typed.push(insert_typed::<T>))
        }

        /// The verifier.
        pub fn verifier(&self) -> &CognitoJwtVerifier {
            &self.config.verifier
        }
    }

    impl<S> tower_layer::Layer<S> for CognitoJwtLayer {
        type Service = CognitoJwtService<S>;

        fn layer(&self, inner: S) -> Self::Service {
            CognitoJwtService {
                inner,
                config: Arc::clone(&self.config),
            }
        }
    }

    /// The service of [`CognitoJwtLayer`].
    #[derive(Clone)]
    pub struct CognitoJwtService<S> {
        inner: S,
        config: Arc<Config>,
    }

    impl<S: fmt::Debug> fmt::Debug for CognitoJwtService<S> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("CognitoJwtService")
                .field("inner", &self.inner)
                .finish_non_exhaustive()
        }
    }

    impl Config {
        async fn authenticate(
            &self,
            parts: &mut http::request::Parts,
        ) -> Result<(), AuthRejection> {
            let token = bearer_token(&parts.headers)?;
            let claims = self.verifier.verify(token, (self.clock)()).await?;
            for insert in &self.typed {
                insert(&claims, &mut parts.extensions)?;
            }
            parts.extensions.insert(claims);
            Ok(())
        }
    }

    impl<S, B, R> tower_service::Service<Request<B>> for CognitoJwtService<S>
    where
        S: tower_service::Service<Request<B>, Response = Response<R>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        B: Send + 'static,
        R: Default + Send + 'static,
    {
        type Response = Response<R>;
        type Error = S::Error;
        type Future = Pin<Box<dyn Future<Output = Result<Response<R>, S::Error>> + Send>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
            self.inner.poll_ready(cx)
        }

        fn call(&mut self, request: Request<B>) -> Self::Future {
            // The clone-and-swap pattern: the ready service goes into the future.
            let clone = self.inner.clone();
            let mut inner = std::mem::replace(&mut self.inner, clone);
            let config = Arc::clone(&self.config);
            Box::pin(async move {
                let (mut parts, body) = request.into_parts();
                match config.authenticate(&mut parts).await {
                    Ok(()) => inner.call(Request::from_parts(parts, body)).await,
                    Err(rejection) => {
                        tracing::debug!(error = %rejection, "request refused");
                        Ok(rejection.to_response())
                    }
                }
            })
        }
    }
}
