//! [`SigV4Signer`]: SigV4 through the official `aws-sigv4` crate, plugged into `cognito-wire`'s
//! [`Signer`] hook, with credentials from any `aws-credential-types` provider.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use cognito_wire::{BoxError, BoxFuture, Signer, SigningContext};

/// How long before their expiry cached temporary credentials are fetched again.
pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(5 * 60);

/// The headers a signature owns: removed before signing so a re-signed request never carries
/// stale values.
const SIGNATURE_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// A source of time for signatures and for the credential cache.
pub type ClockFn = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Why a request could not be signed. Reaches callers as
/// `cognito_wire::Error::Construction { source: ConstructionError::Signing(..) }`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The credentials provider failed.
    #[error("cannot load AWS credentials: {0}")]
    Credentials(#[source] CredentialsError),
    /// The provider handed out credentials that had already expired.
    #[error("the AWS credentials from the provider expired at {expired_at:?}")]
    Expired {
        /// When they expired.
        expired_at: SystemTime,
    },
    /// Neither the client nor the signer knows the signing region.
    #[error("no signing region: set one on the client or on the signer")]
    MissingRegion,
    /// A header value is not visible ASCII, so it cannot be part of a canonical request.
    #[error("header {0} has a value that cannot be signed")]
    InvalidHeader(String),
    /// `aws-sigv4` refused the request or the parameters.
    #[error("SigV4: {0}")]
    Sigv4(String),
}

/// Signs Cognito admin requests with SigV4 (`AWS4-HMAC-SHA256`) using the `aws-sigv4` crate.
///
/// - the signed headers are every header of the request except `user-agent` (which proxies may
///   change): for `cognito-wire` requests `content-type`, `host`, `x-amz-target`, plus the
///   `x-amz-date` and, for temporary credentials, `x-amz-security-token` that signing adds;
/// - the signing name comes from the [`SigningContext`] (`cognito-idp`), the region from the
///   context (the client's region) or else from [`SigV4SignerBuilder::region`];
/// - credentials come from a [`SharedCredentialsProvider`] and are cached; credentials with an
///   expiry are fetched again [`DEFAULT_REFRESH_BUFFER`] before it;
/// - the clock is injectable for deterministic signatures;
/// - `Debug` never shows credentials.
///
/// ```
/// use cognito_admin::{SigV4Signer, static_credentials};
/// let signer = SigV4Signer::builder(static_credentials("AKID", "secret", None))
///     .region("us-east-1")
///     .build();
/// assert!(!format!("{signer:?}").contains("secret"));
/// ```
pub struct SigV4Signer {
    provider: SharedCredentialsProvider,
    region: Option<String>,
    clock: ClockFn,
    refresh_buffer: Duration,
    cache: tokio::sync::Mutex<Option<Credentials>>,
}

impl std::fmt::Debug for SigV4Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigV4Signer")
            .field("region", &self.region)
            .field("refresh_buffer", &self.refresh_buffer)
            .field("credentials", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Builds a [`SigV4Signer`].
pub struct SigV4SignerBuilder {
    provider: SharedCredentialsProvider,
    region: Option<String>,
    clock: ClockFn,
    refresh_buffer: Duration,
}

impl std::fmt::Debug for SigV4SignerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigV4SignerBuilder")
            .field("region", &self.region)
            .field("refresh_buffer", &self.refresh_buffer)
            .finish_non_exhaustive()
    }
}

impl SigV4SignerBuilder {
    /// The region used when the [`SigningContext`] has none.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The clock (default: `SystemTime::now`).
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// A fixed signing time (tests and known-answer checks).
    pub fn fixed_time(self, at: SystemTime) -> Self {
        self.clock(move || at)
    }

    /// How long before expiry cached credentials are refreshed (default
    /// [`DEFAULT_REFRESH_BUFFER`]).
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.refresh_buffer = buffer;
        self
    }

    /// The signer.
    pub fn build(self) -> SigV4Signer {
        SigV4Signer {
            provider: self.provider,
            region: self.region,
            clock: self.clock,
            refresh_buffer: self.refresh_buffer,
            cache: tokio::sync::Mutex::new(None),
        }
    }
}

impl SigV4Signer {
    /// A builder taking credentials from `provider` (a `Credentials` value is a provider of
    /// itself).
    pub fn builder(provider: impl ProvideCredentials + 'static) -> SigV4SignerBuilder {
        Self::builder_shared(SharedCredentialsProvider::new(provider))
    }

    /// A builder taking credentials from a shared provider.
    pub fn builder_shared(provider: SharedCredentialsProvider) -> SigV4SignerBuilder {
        SigV4SignerBuilder {
            provider,
            region: None,
            clock: Arc::new(SystemTime::now),
            refresh_buffer: DEFAULT_REFRESH_BUFFER,
        }
    }

    /// A signer with the default clock and refresh buffer.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::builder(provider).build()
    }

    /// The credentials to sign with now: the cached ones while they are not within the refresh
    /// buffer of their expiry, else fresh ones from the provider. Concurrent callers wait for one
    /// refresh instead of each asking the provider.
    pub async fn credentials(&self) -> Result<Credentials, SignError> {
        let now = (self.clock)();
        let mut slot = self.cache.lock().await;
        if let Some(cached) = slot.as_ref()
            && self.usable_until_refresh(cached, now)
        {
            return Ok(cached.clone());
        }
        let fresh = self
            .provider
            .provide_credentials()
            .await
            .map_err(SignError::Credentials)?;
        if let Some(expired_at) = fresh.expiry()
            && expired_at <= now
        {
            return Err(SignError::Expired { expired_at });
        }
        tracing::debug!(
            expires = ?fresh.expiry(),
            "cognito_admin: loaded AWS credentials"
        );
        *slot = Some(fresh.clone());
        Ok(fresh)
    }

    fn usable_until_refresh(&self, creds: &Credentials, now: SystemTime) -> bool {
        match creds.expiry() {
            None => true,
            Some(expiry) => now
                .checked_add(self.refresh_buffer)
                .is_some_and(|t| t < expiry),
        }
    }

    /// Signs `req` for `ctx` with `credentials` at `time`. Pure: no provider, no clock.
    pub fn sign_with(
        &self,
        req: http::Request<Bytes>,
        ctx: &SigningContext,
        credentials: Credentials,
        time: SystemTime,
    ) -> Result<http::Request<Bytes>, SignError> {
        let region = ctx
            .region
            .as_deref()
            .or(self.region.as_deref())
            .ok_or(SignError::MissingRegion)?;
        sign_request(req, ctx.signing_name, region, credentials, time)
    }
}

/// Signs `req` with `aws-sigv4`: header signature, body hashed, `user-agent` excluded.
pub(crate) fn sign_request(
    mut req: http::Request<Bytes>,
    service: &str,
    region: &str,
    credentials: Credentials,
    time: SystemTime,
) -> Result<http::Request<Bytes>, SignError> {
    for name in SIGNATURE_HEADERS {
        req.headers_mut().remove(*name);
    }
    let identity: Identity = credentials.into();
    let settings = SigningSettings::default();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| SignError::Sigv4(e.to_string()))?
        .into();
    let instructions = {
        let mut headers = Vec::with_capacity(req.headers().len());
        for (name, value) in req.headers() {
            let value = value
                .to_str()
                .map_err(|_| SignError::InvalidHeader(name.as_str().to_owned()))?;
            headers.push((name.as_str(), value));
        }
        let uri = req.uri().to_string();
        let signable = SignableRequest::new(
            req.method().as_str(),
            Cow::Owned(uri),
            headers.into_iter(),
            SignableBody::Bytes(req.body()),
        )
        .map_err(|e| SignError::Sigv4(e.to_string()))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| SignError::Sigv4(e.to_string()))?
            .into_parts();
        instructions
    };
    instructions.apply_to_request_http1x(&mut req);
    Ok(req)
}

impl Signer for SigV4Signer {
    fn sign<'a>(
        &'a self,
        req: http::Request<Bytes>,
        ctx: &'a SigningContext,
    ) -> BoxFuture<'a, Result<http::Request<Bytes>, BoxError>> {
        Box::pin(async move {
            let credentials = self.credentials().await?;
            let time = (self.clock)();
            Ok(self.sign_with(req, ctx, credentials, time)?)
        })
    }
}
