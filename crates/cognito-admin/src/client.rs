//! [`AdminClient`]: a SigV4-signing `cognito-wire` client bound to a user pool.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use cognito_wire::{Operation, RetryPolicy, Transport};

use crate::credentials::EnvCredentials;
use crate::error::AdminError;
use crate::signer::{ClockFn, DEFAULT_REFRESH_BUFFER, SigV4Signer};

/// The Cognito administrative API for one user pool: one async method per operation, typed
/// inputs and outputs, every call signed with SigV4. Cheap to clone;
/// [`with_pool_id`](Self::with_pool_id) makes a client for another pool sharing the same
/// connection pool and signer.
///
/// ```no_run
/// # async fn demo() -> Result<(), cognito_admin::AdminError> {
/// use cognito_admin::{AdminClient, Filter, NewUser, UserQuery};
/// use futures_util::TryStreamExt as _;
///
/// let admin = AdminClient::builder()
///     .pool_id("us-east-1_AbCdEf")
///     .credentials(cognito_admin::static_credentials("AKID", "secret", None))
///     .build()?;
/// admin
///     .create_user(NewUser::new("alice").attribute("email", "alice@example.com").suppress_message())
///     .await?;
/// let mut users = admin.list_users_stream(UserQuery::new().filter(Filter::starts_with("email", "alice")));
/// while let Some(user) = users.try_next().await? {
///     println!("{:?}", user.username);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AdminClient {
    wire: cognito_wire::Client,
    pool_id: String,
    clock: SharedClock,
}

/// A `Debug`-able clock handle.
#[derive(Clone)]
pub(crate) struct SharedClock(pub(crate) ClockFn);

impl std::fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// The admin client's clock is the sign-in driver's clock too (SRP timestamps, token expiry).
impl cognito_auth::Clock for SharedClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from((self.0)())
    }
}

impl AdminClient {
    /// A builder.
    pub fn builder() -> AdminClientBuilder {
        AdminClientBuilder::default()
    }

    /// Wraps a `cognito-wire` client that has a [`Signer`](cognito_wire::Signer) (calls fail
    /// with `MissingSigner` otherwise).
    pub fn from_wire(wire: cognito_wire::Client, pool_id: impl Into<String>) -> Self {
        AdminClient {
            wire,
            pool_id: pool_id.into(),
            clock: SharedClock(Arc::new(SystemTime::now)),
        }
    }

    /// The same client for another user pool.
    pub fn with_pool_id(&self, pool_id: impl Into<String>) -> Self {
        AdminClient {
            pool_id: pool_id.into(),
            ..self.clone()
        }
    }

    /// The user pool id.
    pub fn pool_id(&self) -> &str {
        &self.pool_id
    }

    /// The underlying wire client.
    pub fn wire(&self) -> &cognito_wire::Client {
        &self.wire
    }

    /// A sign-in client for an app client of this pool, on this client's signing wire client:
    /// admin sign-in (`ADMIN_USER_PASSWORD_AUTH`, SRP through `AdminInitiateAuth`) runs through
    /// `cognito-auth`'s one driver, and its [`Session`](cognito_auth::Session) refreshes and
    /// persists like any other. Set the flow on the sign-in configuration.
    ///
    /// ```no_run
    /// # async fn run(admin: cognito_admin::AdminClient) -> Result<(), cognito_auth::Error> {
    /// use cognito_admin::{Flow, SignInOutcome};
    /// let auth = admin.auth("app-client-id").build()?;
    /// let config = auth.config("alice").password("Passw0rd!").flow(Flow::AdminUserPassword);
    /// if let SignInOutcome::SignedIn(session) = auth.sign_in_with(config).await? {
    ///     println!("valid until {}", session.expires_at());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn auth(&self, client_id: impl Into<String>) -> cognito_auth::CognitoAuthBuilder {
        cognito_auth::CognitoAuth::builder(self.pool_id.clone(), client_id)
            .wire_client(self.wire.clone())
            .clock(Arc::new(self.clock.clone()))
    }

    /// Calls any operation with a full typed input: the escape hatch for options the typed
    /// methods do not take.
    pub async fn call<O: Operation>(&self, input: &O::Input) -> Result<O::Output, AdminError> {
        Ok(self.wire.call::<O>(input).await?)
    }
}

/// Where the builder takes credentials from.
enum CredentialSource {
    Environment,
    Provider(SharedCredentialsProvider),
}

/// Builds an [`AdminClient`].
///
/// Defaults: credentials from the environment ([`EnvCredentials`]), region from the pool id,
/// the default hyper/rustls transport, the standard retry policy, the system clock.
pub struct AdminClientBuilder {
    wire: cognito_wire::ClientBuilder,
    pool_id: Option<String>,
    region: Option<String>,
    credentials: CredentialSource,
    clock: Option<ClockFn>,
    refresh_buffer: Duration,
}

impl std::fmt::Debug for AdminClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClientBuilder")
            .field("wire", &self.wire)
            .field("pool_id", &self.pool_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Default for AdminClientBuilder {
    fn default() -> Self {
        AdminClientBuilder {
            wire: cognito_wire::Client::builder(),
            pool_id: None,
            region: None,
            credentials: CredentialSource::Environment,
            clock: None,
            refresh_buffer: DEFAULT_REFRESH_BUFFER,
        }
    }
}

impl AdminClientBuilder {
    /// The user pool (its id also gives the region unless [`region`](Self::region) is set).
    pub fn pool_id(mut self, pool_id: impl Into<String>) -> Self {
        let id = pool_id.into();
        self.wire = self.wire.pool_id(id.clone());
        self.pool_id = Some(id);
        self
    }

    /// The region (endpoint and signature).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        let region = region.into();
        self.wire = self.wire.region(region.clone());
        self.region = Some(region);
        self
    }

    /// An explicit endpoint URL, e.g. a local emulator.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.wire = self.wire.endpoint_url(url);
        self
    }

    /// Explicit credentials.
    pub fn credentials(self, credentials: Credentials) -> Self {
        self.credentials_provider(credentials)
    }

    /// Credentials from any `aws-credential-types` provider (refreshed through it when they
    /// expire).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = CredentialSource::Provider(SharedCredentialsProvider::new(provider));
        self
    }

    /// Credentials from a shared provider.
    pub fn shared_credentials_provider(mut self, provider: SharedCredentialsProvider) -> Self {
        self.credentials = CredentialSource::Provider(provider);
        self
    }

    /// Credentials from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` (the
    /// default).
    pub fn env_credentials(mut self) -> Self {
        self.credentials = CredentialSource::Environment;
        self
    }

    /// The clock used for signatures and sign-in timestamps (default `SystemTime::now`).
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// How long before their expiry temporary credentials are fetched again (default
    /// [`DEFAULT_REFRESH_BUFFER`]).
    pub fn credentials_refresh_buffer(mut self, buffer: Duration) -> Self {
        self.refresh_buffer = buffer;
        self
    }

    /// The transport (default: hyper + rustls).
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.wire = self.wire.transport(transport);
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.wire = self.wire.retry_policy(policy);
        self
    }

    /// Any other `cognito-wire` setting (FIPS, dual-stack, environment lookup, sleep, jitter).
    /// The signer is always this crate's.
    pub fn configure_wire(
        mut self,
        f: impl FnOnce(cognito_wire::ClientBuilder) -> cognito_wire::ClientBuilder,
    ) -> Self {
        self.wire = f(self.wire);
        self
    }

    /// Builds the client. A client without a pool id can only run pool-independent operations
    /// (`CreateUserPool`) until [`AdminClient::with_pool_id`] gives it one.
    pub fn build(self) -> Result<AdminClient, AdminError> {
        let provider = match self.credentials {
            CredentialSource::Environment => SharedCredentialsProvider::new(EnvCredentials::new()),
            CredentialSource::Provider(p) => p,
        };
        let clock: ClockFn = self.clock.unwrap_or_else(|| Arc::new(SystemTime::now));
        let region = self.region.or_else(|| {
            self.pool_id
                .as_deref()
                .and_then(cognito_wire::endpoint::region_from_pool_id)
                .map(str::to_owned)
        });
        let mut signer = SigV4Signer::builder_shared(provider);
        if let Some(region) = region {
            signer = signer.region(region);
        }
        let signer_clock = clock.clone();
        let signer = signer
            .clock(move || signer_clock())
            .refresh_buffer(self.refresh_buffer)
            .build();
        let wire = self.wire.signer(signer).build()?;
        Ok(AdminClient {
            wire,
            pool_id: self.pool_id.unwrap_or_default(),
            clock: SharedClock(clock),
        })
    }
}
