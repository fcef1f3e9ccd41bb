//! [`Client`]: endpoint + transport + optional signer + retry policy, and typed calls.

use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::Arc;

use bytes::Bytes;
use tracing::Instrument as _;

use crate::endpoint::{self, Endpoint, EndpointError, EndpointParams};
use crate::error::{BoxError, ConstructionError, Error};
#[cfg(feature = "hyper-transport")]
use crate::hyper_transport::HyperTransport;
use crate::operation::Operation;
use crate::protocol;
use crate::retry::{FailedAttempt, RetryDecision, RetryPolicy, RetryQuota, StopReason};
use crate::transport::{Signer, SigningContext, Sleep, TokioSleep, Transport};

/// A source of jitter in `[0, 1]`.
pub type JitterFn = Arc<dyn Fn() -> f64 + Send + Sync>;

/// An environment-variable lookup.
pub type EnvFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Per-call options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Allow replaying this call after it may have reached the server even though the operation
    /// is one-shot (the caller knows a repeat is harmless).
    pub replay_one_shot: bool,
}

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No endpoint could be resolved.
    #[error("cannot resolve the endpoint: {0}")]
    Endpoint(#[from] EndpointError),
    /// The default transport could not be created.
    #[error("cannot create the default transport: {0}")]
    Transport(#[source] BoxError),
}

/// Calls Cognito operations: serializes the typed input, signs when the operation needs SigV4,
/// sends through the [`Transport`], retries per the [`RetryPolicy`] and decodes the typed output
/// or error. Cheap to clone.
///
/// ```
/// use bytes::Bytes;
/// use cognito_wire::transport::{BoxFuture, Transport};
/// use cognito_wire::{Client, GetUserRequest, TransportError, op};
///
/// struct Canned;
/// impl Transport for Canned {
///     fn send(&self, req: http::Request<Bytes>)
///         -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
///         assert_eq!(req.headers()["x-amz-target"], "AWSCognitoIdentityProviderService.GetUser");
///         Box::pin(async {
///             Ok(http::Response::new(Bytes::from_static(
///                 br#"{"Username":"alice","UserAttributes":[]}"#,
///             )))
///         })
///     }
/// }
///
/// let client = Client::builder()
///     .endpoint_url("http://127.0.0.1:9229")
///     .env(|_| None)
///     .transport(Canned)
///     .build()
///     .unwrap();
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let request = GetUserRequest::builder().access_token("token").build().unwrap();
/// let out = rt.block_on(client.call::<op::GetUser>(&request)).unwrap();
/// assert_eq!(out.username.expose(), "alice");
/// ```
#[derive(Clone)]
pub struct Client {
    endpoint: Endpoint,
    transport: Arc<dyn Transport>,
    signer: Option<Arc<dyn Signer>>,
    retry: RetryPolicy,
    quota: Arc<RetryQuota>,
    jitter: JitterFn,
    sleep: Arc<dyn Sleep>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("signer", &self.signer.is_some())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    params: EndpointParams,
    pool_id: Option<String>,
    endpoint: Option<Endpoint>,
    env: EnvFn,
    transport: Option<Arc<dyn Transport>>,
    signer: Option<Arc<dyn Signer>>,
    retry: RetryPolicy,
    jitter: JitterFn,
    sleep: Arc<dyn Sleep>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("params", &self.params)
            .field("pool_id", &self.pool_id)
            .field("endpoint", &self.endpoint)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Default jitter: a fresh `RandomState` hash (randomly keyed per process, different per call).
fn default_jitter() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x9e37_79b9_7f4a_7c15);
    // 53 random bits -> [0, 1).
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            params: EndpointParams::default(),
            pool_id: None,
            endpoint: None,
            env: Arc::new(endpoint::process_env),
            transport: None,
            signer: None,
            retry: RetryPolicy::standard(),
            jitter: Arc::new(default_jitter),
            sleep: Arc::new(TokioSleep),
        }
    }
}

impl ClientBuilder {
    /// The region (e.g. `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.params.region = Some(region.into());
        self
    }

    /// Takes the region from a user pool id (`us-east-1_AbC` -> `us-east-1`) unless a region
    /// is set explicitly.
    pub fn pool_id(mut self, pool_id: impl Into<String>) -> Self {
        self.pool_id = Some(pool_id.into());
        self
    }

    /// Use FIPS endpoints.
    pub fn fips(mut self, on: bool) -> Self {
        self.params.use_fips = on;
        self
    }

    /// Use dual-stack endpoints.
    pub fn dual_stack(mut self, on: bool) -> Self {
        self.params.use_dual_stack = on;
        self
    }

    /// An explicit endpoint URL (wins over the environment), e.g. a local emulator.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.params.endpoint_url = Some(url.into());
        self
    }

    /// A resolved endpoint, skipping resolution.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Environment lookup used by endpoint resolution (default: the process environment).
    pub fn env(mut self, env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// The transport (default: [`HyperTransport::new`]).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A shared transport.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The SigV4 signer for operations that need it.
    pub fn signer(mut self, signer: impl Signer + 'static) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// The retry policy (default: [`RetryPolicy::standard`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The jitter source, values in `[0, 1]` (default: random).
    pub fn jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// How to sleep between retries (default: [`TokioSleep`]).
    pub fn sleep(mut self, sleep: impl Sleep + 'static) -> Self {
        self.sleep = Arc::new(sleep);
        self
    }

    /// Resolves the endpoint and builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let endpoint = match self.endpoint {
            Some(e) => e,
            None => {
                let mut params = self.params;
                if params.region.is_none()
                    && let Some(pool) = &self.pool_id
                {
                    params.region = Some(
                        endpoint::region_from_pool_id(pool)
                            .ok_or_else(|| EndpointError::InvalidPoolId(pool.clone()))?
                            .to_string(),
                    );
                }
                let env = self.env;
                endpoint::resolve(&params, |k| env(k))?
            }
        };
        let transport = match self.transport {
            Some(t) => t,
            #[cfg(feature = "hyper-transport")]
            None => Arc::new(HyperTransport::new().map_err(BuildError::Transport)?),
            #[cfg(not(feature = "hyper-transport"))]
            None => {
                return Err(BuildError::Transport(
                    "no transport: cognito-wire was built without its hyper-transport feature; \
                     give one with ClientBuilder::transport"
                        .into(),
                ));
            }
        };
        Ok(Client {
            endpoint,
            transport,
            signer: self.signer,
            retry: self.retry,
            quota: Arc::new(RetryQuota::default()),
            jitter: self.jitter,
            sleep: self.sleep,
        })
    }
}

fn clone_request(req: &http::Request<Bytes>) -> http::Request<Bytes> {
    let mut out = http::Request::new(req.body().clone());
    *out.method_mut() = req.method().clone();
    *out.uri_mut() = req.uri().clone();
    *out.version_mut() = req.version();
    *out.headers_mut() = req.headers().clone();
    out
}

impl Client {
    /// A builder with defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The resolved endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Calls operation `O` with default options.
    pub async fn call<O: Operation>(&self, input: &O::Input) -> Result<O::Output, Error> {
        self.call_with::<O>(input, CallOptions::default()).await
    }

    /// Calls operation `O`.
    pub async fn call_with<O: Operation>(
        &self,
        input: &O::Input,
        options: CallOptions,
    ) -> Result<O::Output, Error> {
        let operation = O::NAME;
        let construction = |source| Error::Construction { operation, source };
        let signer = match (&self.signer, O::INFO.signed) {
            (Some(s), true) => Some(s),
            (None, true) => return Err(construction(ConstructionError::MissingSigner)),
            (_, false) => None,
        };
        let request =
            protocol::build_request::<O>(&self.endpoint.url, input).map_err(construction)?;
        let ctx = SigningContext {
            operation,
            signing_name: endpoint::SIGNING_NAME,
            region: self.endpoint.region.clone(),
        };
        let replay_safe = O::INFO.replay_safe || options.replay_one_shot;
        let mut spent = 0u32;
        let mut attempt = 1u32;
        loop {
            let span = tracing::debug_span!(
                "cognito_wire.call",
                operation,
                attempt,
                status = tracing::field::Empty
            );
            let result = async {
                let mut req = clone_request(&request);
                if let Some(signer) = signer {
                    req = signer
                        .sign(req, &ctx)
                        .await
                        .map_err(|e| construction(ConstructionError::Signing(e)))?;
                }
                let response = self.transport.send(req).await.map_err(|e| {
                    // Say where: a failure to send names the endpoint it tried.
                    let mut error = Error::from_transport(operation, e);
                    if let Error::Dispatch { url, .. } | Error::Timeout { url, .. } = &mut error {
                        *url = Some(self.endpoint.url.to_string());
                    }
                    error
                })?;
                tracing::Span::current().record("status", response.status().as_u16());
                protocol::decode_response::<O>(&response)
            }
            .instrument(span.clone())
            .await;
            let error = match result {
                Ok(output) => {
                    self.quota.release(if spent == 0 { 1 } else { spent });
                    return Ok(output);
                }
                Err(e) => e,
            };
            let failure = FailedAttempt::from_error(&error);
            let decision = self
                .retry
                .decide(attempt, &failure, replay_safe, (self.jitter)());
            let delay = match decision {
                RetryDecision::Retry { delay } => match self.quota.try_acquire(&failure) {
                    Some(cost) => {
                        spent = spent.saturating_add(cost);
                        delay
                    }
                    None => {
                        span.in_scope(|| {
                            tracing::debug!(reason = ?StopReason::QuotaExhausted, "not retrying")
                        });
                        return Err(error);
                    }
                },
                RetryDecision::Stop(reason) => {
                    span.in_scope(
                        || tracing::debug!(?reason, class = ?failure.class, "not retrying"),
                    );
                    return Err(error);
                }
            };
            span.in_scope(|| {
                tracing::debug!(class = ?failure.class, ?delay, "retrying after a failed attempt")
            });
            self.sleep.sleep(delay).await;
            attempt = attempt.saturating_add(1);
        }
    }
}
