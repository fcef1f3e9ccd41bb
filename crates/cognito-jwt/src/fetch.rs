//! The [`JwksFetcher`] seam and its HTTP implementation over a `cognito-wire` transport.

use std::sync::Arc;
#[cfg(feature = "fetch")]
use std::time::Duration;

use bytes::Bytes;
pub use cognito_wire::BoxFuture;
#[cfg(feature = "fetch")]
use cognito_wire::error::BoxError;
#[cfg(feature = "fetch")]
use cognito_wire::{HyperConfig, HyperTransport};
use cognito_wire::{Transport, TransportError};

use crate::error::JwksFetchError;

/// Fetches a JWKS document. Dyn-compatible (boxed future) so verifiers hold an
/// `Arc<dyn JwksFetcher>`; tests plug in a canned one.
///
/// ```
/// use bytes::Bytes;
/// use cognito_jwt::{JwksFetchError, JwksFetcher};
/// use cognito_jwt::BoxFuture;
///
/// /// Serves the same document for every URI.
/// struct Fixed(Bytes);
/// impl JwksFetcher for Fixed {
///     fn fetch<'a>(&'a self, _uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>> {
///         Box::pin(async move { Ok(self.0.clone()) })
///     }
/// }
/// let _f: std::sync::Arc<dyn JwksFetcher> = std::sync::Arc::new(Fixed(Bytes::from_static(b"{\"keys\":[]}")));
/// ```
pub trait JwksFetcher: Send + Sync {
    /// GETs `uri` and resolves to the body of a successful response.
    fn fetch<'a>(&'a self, uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>>;
}

impl<T: JwksFetcher + ?Sized> JwksFetcher for Arc<T> {
    fn fetch<'a>(&'a self, uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>> {
        (**self).fetch(uri)
    }
}

/// The default [`JwksFetcher`]: an HTTP GET through a `cognito-wire` [`Transport`]
/// (`HyperTransport` with the `fetch` feature, unless given another), with a body size cap.
/// Non-2xx answers are [`JwksFetchError::Status`].
#[cfg(feature = "fetch")]
#[derive(Clone, Debug)]
pub struct HttpJwksFetcher<T = HyperTransport> {
    transport: T,
    max_bytes: usize,
}

/// The default [`JwksFetcher`]: an HTTP GET through a `cognito-wire` [`Transport`]
/// (`HyperTransport` with the `fetch` feature, unless given another), with a body size cap.
/// Non-2xx answers are [`JwksFetchError::Status`].
#[cfg(not(feature = "fetch"))]
#[derive(Clone, Debug)]
pub struct HttpJwksFetcher<T> {
    transport: T,
    max_bytes: usize,
}

#[cfg(feature = "fetch")]
impl HttpJwksFetcher<HyperTransport> {
    /// Largest JWKS accepted by default (Cognito's is about 1 KiB).
    pub const DEFAULT_MAX_BYTES: usize = 64 * 1024;

    /// Over a new [`HyperTransport`] (http and https, webpki roots) with a 10 s request
    /// timeout and a [`DEFAULT_MAX_BYTES`](Self::DEFAULT_MAX_BYTES) body cap.
    pub fn new() -> Result<Self, BoxError> {
        let mut config = HyperConfig::default();
        config.request_timeout = Duration::from_secs(10);
        config.max_body_bytes = Self::DEFAULT_MAX_BYTES;
        config.pool_max_idle_per_host = 2;
        Ok(Self {
            transport: HyperTransport::with_config(config)?,
            max_bytes: Self::DEFAULT_MAX_BYTES,
        })
    }
}

impl<T: Transport> HttpJwksFetcher<T> {
    /// Over `transport`, accepting bodies up to `max_bytes`.
    pub fn with_transport(transport: T, max_bytes: usize) -> Self {
        Self {
            transport,
            max_bytes,
        }
    }
}

impl<T: Transport> JwksFetcher for HttpJwksFetcher<T> {
    fn fetch<'a>(&'a self, uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>> {
        Box::pin(async move {
            let request = http::Request::get(uri)
                .header(http::header::ACCEPT, "application/json")
                .body(Bytes::new())
                .map_err(|_| JwksFetchError::InvalidUri)?;
            let response = self.transport.send(request).await.map_err(|e| match e {
                TransportError::BodyTooLarge { limit, .. } => JwksFetchError::TooLarge { limit },
                TransportError::InvalidRequest(_) => JwksFetchError::InvalidUri,
                other => JwksFetchError::Transport(Arc::new(other)),
            })?;
            let status = response.status();
            if !status.is_success() {
                return Err(JwksFetchError::Status {
                    status: status.as_u16(),
                });
            }
            let body = response.into_body();
            if body.len() > self.max_bytes {
                return Err(JwksFetchError::TooLarge {
                    limit: self.max_bytes,
                });
            }
            Ok(body)
        })
    }
}

/// The fetcher of a build without the `fetch` feature: every fetch fails with
/// [`JwksFetchError::NoFetcher`], so keys come from `add_jwks` / `add_jwks_file`.
#[cfg(not(feature = "fetch"))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct NoFetcher;

#[cfg(not(feature = "fetch"))]
impl JwksFetcher for NoFetcher {
    fn fetch<'a>(&'a self, _uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>> {
        Box::pin(async { Err(JwksFetchError::NoFetcher) })
    }
}
