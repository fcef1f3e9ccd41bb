//! [`BearerAuthLayer`]: the successor of pycognito's `RequestsSrpAuth`. A `tower` layer over
//! any HTTP client service that adds `Authorization: Bearer <token>` to every request, the token
//! coming from a [`Session`] (refreshed before expiry, one refresh shared by concurrent
//! requests, signed in again when the refresh token is dead if the session was given a password
//! source).

use crate::PycognitoError;
use cognito_auth::Session;
use futures_util::future::BoxFuture;
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use std::task::{Context, Poll};

/// Which token goes into the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenKind {
    /// The access token (APIs, API Gateway with scopes).
    #[default]
    Access,
    /// The id token (API Gateway Cognito authorizers without scopes).
    Id,
}

/// A `tower::Layer` adding a bearer token to requests.
///
/// ```no_run
/// # async fn run(session: cognito_auth::Session) -> Result<(), Box<dyn std::error::Error>> {
/// use http_body_util::Empty;
/// use bytes::Bytes;
/// use hyper_util::client::legacy::Client;
/// use hyper_util::rt::TokioExecutor;
/// use pycognito::{BearerAuthLayer, TokenKind};
/// use tower::{Layer, ServiceExt};
///
/// let http = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
/// let client = BearerAuthLayer::new(session)
///     .token(TokenKind::Id)
///     .layer(http);
/// let req = http::Request::get("http://127.0.0.1:8080/me").body(Empty::new())?;
/// let resp = client.oneshot(req).await?;
/// println!("{}", resp.status());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BearerAuthLayer {
    session: Session,
    kind: TokenKind,
    header: HeaderName,
    prefix: String,
}

impl BearerAuthLayer {
    /// `Authorization: Bearer <access token>`, from this session (a handle: the caller keeps its
    /// own clone and sees the refreshes).
    pub fn new(session: Session) -> Self {
        BearerAuthLayer {
            session,
            kind: TokenKind::Access,
            header: AUTHORIZATION,
            prefix: "Bearer ".to_owned(),
        }
    }

    /// Which token (default: access).
    pub fn token(mut self, kind: TokenKind) -> Self {
        self.kind = kind;
        self
    }

    /// The header (default `Authorization`).
    pub fn header(mut self, header: HeaderName) -> Self {
        self.header = header;
        self
    }

    /// The text before the token (default `"Bearer "`; `""` for the bare token).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
}

impl<S> tower::Layer<S> for BearerAuthLayer {
    type Service = BearerAuth<S>;

    fn layer(&self, inner: S) -> BearerAuth<S> {
        BearerAuth {
            inner,
            config: self.clone(),
        }
    }
}

/// The service made by [`BearerAuthLayer`].
#[derive(Debug, Clone)]
pub struct BearerAuth<S> {
    inner: S,
    config: BearerAuthLayer,
}

/// Why a request through [`BearerAuth`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BearerAuthError<E> {
    /// No token: the refresh (and re-sign-in, if configured) failed.
    #[error("cannot get a token: {0}")]
    Token(#[source] PycognitoError),
    /// The token cannot be put in a header.
    #[error("the token is not a valid header value")]
    InvalidHeader,
    /// The inner service failed.
    #[error("{0}")]
    Inner(#[source] E),
}

impl<S, B> tower::Service<http::Request<B>> for BearerAuth<S>
where
    S: tower::Service<http::Request<B>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = BearerAuthError<S::Error>;
    type Future = BoxFuture<'static, Result<S::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(BearerAuthError::Inner)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // The service that was polled ready goes into the future; a clone stays for later.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        Box::pin(async move {
            let token = match config.kind {
                TokenKind::Access => config.session.access_token().await,
                TokenKind::Id => config.session.id_token().await,
            }
            .map_err(|e| BearerAuthError::Token(PycognitoError::refresh(e)))?;
            let mut value = HeaderValue::try_from(format!("{}{}", config.prefix, token.expose()))
                .map_err(|_| BearerAuthError::InvalidHeader)?;
            value.set_sensitive(true);
            req.headers_mut().insert(config.header.clone(), value);
            inner.call(req).await.map_err(BearerAuthError::Inner)
        })
    }
}
