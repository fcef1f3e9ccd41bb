//! The narrow [`Transport`] trait (a request in, a response out), the [`Signer`] hook and the
//! [`Sleep`] hook. All three are dyn-compatible: methods return boxed futures.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::error::{BoxError, TransportError};

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one HTTP request and returns the complete response. Knows nothing about signing,
/// retries or Cognito. Implementations must classify failures (see [`TransportError`]):
/// connect failures (nothing sent) apart from failures after the request may have been sent.
///
/// ```
/// use bytes::Bytes;
/// use cognito_wire::transport::{BoxFuture, Transport};
/// use cognito_wire::TransportError;
///
/// /// Answers every request with `{}`.
/// struct Canned;
/// impl Transport for Canned {
///     fn send(&self, _req: http::Request<Bytes>)
///         -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
///         Box::pin(async { Ok(http::Response::new(Bytes::from_static(b"{}"))) })
///     }
/// }
/// let _t: Box<dyn Transport> = Box::new(Canned);
/// ```
pub trait Transport: Send + Sync {
    /// Sends `req`; resolves to the response with its whole body.
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        (**self).send(req)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        (**self).send(req)
    }
}

/// What a signer needs besides the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningContext {
    /// Operation name.
    pub operation: &'static str,
    /// SigV4 signing name (`cognito-idp`).
    pub signing_name: &'static str,
    /// Signing region, when known (from the endpoint resolution or the client's configuration).
    pub region: Option<String>,
}

/// Signs requests of operations that need SigV4 (`cognito-admin` plugs `aws-sigv4` in here).
/// Called once per attempt, after the request is built and before it is sent; never called for
/// public operations.
pub trait Signer: Send + Sync {
    /// Returns the signed request.
    fn sign<'a>(
        &'a self,
        req: http::Request<Bytes>,
        ctx: &'a SigningContext,
    ) -> BoxFuture<'a, Result<http::Request<Bytes>, BoxError>>;
}

impl<T: Signer + ?Sized> Signer for Arc<T> {
    fn sign<'a>(
        &'a self,
        req: http::Request<Bytes>,
        ctx: &'a SigningContext,
    ) -> BoxFuture<'a, Result<http::Request<Bytes>, BoxError>> {
        (**self).sign(req, ctx)
    }
}

/// Sleeps between retries (injectable so tests need not wait).
pub trait Sleep: Send + Sync {
    /// Resolves after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// [`Sleep`] with `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}
