//! [`HyperTransport`]: the default [`Transport`]: hyper 1, hyper-util's pooled legacy client
//! (HTTP/1.1 keep-alive, connection reuse) and hyper-rustls (https) or plain http.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::{BoxError, TransportError};
use crate::transport::{BoxFuture, Transport};

/// Which root certificates to trust for https.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RootCerts {
    /// Mozilla's roots compiled in (`webpki-roots`).
    #[default]
    WebPki,
    /// The operating system's store (`rustls-native-certs`).
    Native,
}

/// Settings of [`HyperTransport`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HyperConfig {
    /// Timeout for establishing a TCP connection.
    pub connect_timeout: Duration,
    /// Timeout for the whole exchange (connect, send, complete response body).
    pub request_timeout: Duration,
    /// Largest response body accepted.
    pub max_body_bytes: usize,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// Trusted roots.
    pub roots: RootCerts,
    /// At most this many requests in flight at once through this transport (`None`: no limit).
    /// The pool opens a connection for every concurrent request; a limit makes a burst of
    /// concurrent calls queue on the client and reuse keep-alive connections instead of opening
    /// hundreds of them. Waiting for a slot does not count against `request_timeout` (nothing
    /// has been sent yet).
    pub max_in_flight: Option<usize>,
}

impl Default for HyperConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(3100),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 4 * 1024 * 1024,
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 16,
            roots: RootCerts::WebPki,
            max_in_flight: None,
        }
    }
}

/// The default transport. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct HyperTransport {
    client: LegacyClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    config: HyperConfig,
    in_flight: Option<std::sync::Arc<tokio::sync::Semaphore>>,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// With [`HyperConfig::default`].
    pub fn new() -> Result<Self, BoxError> {
        Self::with_config(HyperConfig::default())
    }

    /// With explicit settings. Fails when the native root store cannot be loaded.
    pub fn with_config(config: HyperConfig) -> Result<Self, BoxError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match config.roots {
            RootCerts::WebPki => builder.with_provider_and_webpki_roots(provider)?,
            RootCerts::Native => builder.with_provider_and_native_roots(provider)?,
        };
        let https = builder.https_or_http().enable_http1().wrap_connector(http);
        let client = LegacyClient::builder(TokioExecutor::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .build(https);
        let in_flight = config
            .max_in_flight
            .map(|n| std::sync::Arc::new(tokio::sync::Semaphore::new(n.max(1))));
        Ok(Self {
            client,
            config,
            in_flight,
        })
    }

    /// The settings.
    pub fn config(&self) -> &HyperConfig {
        &self.config
    }

    fn classify(&self, e: hyper_util::client::legacy::Error) -> TransportError {
        if e.is_connect() {
            if has_timed_out(&e) {
                return TransportError::ConnectTimeout(self.config.connect_timeout);
            }
            return TransportError::Connect(Box::new(e));
        }
        TransportError::Io(Box::new(e))
    }

    async fn exchange(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let response = self
            .client
            .request(req.map(Full::new))
            .await
            .map_err(|e| self.classify(e))?;
        let (parts, body) = response.into_parts();
        let limit = self.config.max_body_bytes;
        let too_large = TransportError::BodyTooLarge {
            limit,
            status: parts.status,
        };
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large);
        }
        let collected = Limited::new(body, limit).collect().await.map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                TransportError::BodyTooLarge {
                    limit,
                    status: parts.status,
                }
            } else {
                TransportError::Io(e)
            }
        })?;
        Ok(http::Response::from_parts(parts, collected.to_bytes()))
    }
}

fn has_timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        cur = err.source();
    }
    false
}

impl Transport for HyperTransport {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let timeout = self.config.request_timeout;
        Box::pin(async move {
            let _slot = match &self.in_flight {
                Some(limit) => Some(limit.clone().acquire_owned().await.map_err(|e| {
                    TransportError::InvalidRequest(format!("transport closed: {e}"))
                })?),
                None => None,
            };
            match tokio::time::timeout(timeout, self.exchange(req)).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::RequestTimeout(timeout)),
            }
        })
    }
}
