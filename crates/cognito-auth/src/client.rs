//! [`CognitoAuth`]: the async driver. It moves the state machine's requests over
//! `cognito-wire`, confirms and remembers devices, refreshes tokens and performs the user's own
//! operations. No AWS credentials are ever needed: every call here is a public operation.

use crate::clock::{Clock, SystemClock};
use crate::device_store::{DeviceKeyRef, DeviceStore, DeviceStoreError, MemoryDeviceStore};
use crate::session_store::{SessionStore, SessionStoreError};
use crate::{Answer, AuthError, DeviceCredentials, NewDevice, NextAction, Question, Rejection};
use crate::{Request, Response, Session, SessionState, SignIn, SignInConfig, Step, TokenSet};
use cognito_wire::vocab::{Key, Params};
use cognito_wire::{Client as WireClient, SensitiveString, ServiceErrorKind, op};
use srp_core::{Password, RandomSource};
use std::sync::Arc;

/// Why an operation failed, with the next action to take.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sign-in state machine stopped (bad server values, unexpected challenge, ...).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The call to Cognito failed (network, timeout, or a Cognito exception).
    #[error(transparent)]
    Wire(#[from] cognito_wire::Error),
    /// The device store failed.
    #[error(transparent)]
    DeviceStore(#[from] DeviceStoreError),
    /// The session store failed.
    #[error(transparent)]
    SessionStore(#[from] SessionStoreError),
    /// The configuration cannot work.
    #[error("configuration: {0}")]
    Config(String),
    /// A refresh was asked for tokens without a refresh token.
    #[error("no refresh token to refresh with")]
    NoRefreshToken,
    /// The SRP math refused an input.
    #[error(transparent)]
    Srp(#[from] srp_core::SrpError),
    /// A request shape lacked a required member (a bug of this crate: report it).
    #[error(transparent)]
    Shape(#[from] cognito_wire::MissingField),
    /// The WebAuthn authenticator could not produce an assertion.
    #[error("the passkey authenticator failed: {0}")]
    WebAuthn(String),
    /// An OAuth 2.0 endpoint (a pool's domain) refused or failed.
    #[error(transparent)]
    OAuth(#[from] crate::oauth::OAuthError),
}

impl Error {
    /// The Cognito exception, when the failure is one.
    pub fn service_error(&self) -> Option<&ServiceErrorKind> {
        match self {
            Error::Wire(e) => e.service_error(),
            _ => None,
        }
    }

    /// The Cognito exception's code (`"NotAuthorizedException"`, ...), when the failure is one.
    pub fn service_code(&self) -> Option<&str> {
        self.service_error().map(ServiceErrorKind::code)
    }

    /// What to do about it, classified from the error code (never the message).
    pub fn next_action(&self) -> NextAction {
        match self {
            Error::Wire(e) => NextAction::for_wire_error(e),
            Error::Auth(AuthError::PasswordRequired) => NextAction::FixInput,
            Error::Auth(AuthError::Config(_)) | Error::Config(_) => NextAction::FixConfiguration,
            Error::Auth(_) | Error::Srp(_) => NextAction::Report,
            // A kept session that cannot be read is replaced by signing in again.
            Error::SessionStore(SessionStoreError::Unreadable { .. }) => NextAction::SignInAgain,
            Error::DeviceStore(_) | Error::SessionStore(_) => NextAction::FixConfiguration,
            Error::NoRefreshToken => NextAction::SignInAgain,
            Error::WebAuthn(_) => NextAction::FixInput,
            Error::Shape(_) => NextAction::Report,
            Error::OAuth(e) => e.next_action(),
        }
    }
}

/// A passkey authenticator the caller supplies: it answers `WEB_AUTHN` challenges during
/// sign-in (the driver hands it the `CREDENTIAL_REQUEST_OPTIONS` and sends back its assertion).
pub trait WebAuthnAuthenticator: Send + Sync + std::fmt::Debug {
    /// A `PublicKeyCredential` (assertion) JSON for these request options.
    fn get_assertion<'a>(
        &'a self,
        credential_request_options: &'a serde_json::Value,
    ) -> cognito_wire::BoxFuture<'a, Result<serde_json::Value, String>>;

    /// A new credential (`RegistrationResponseJSON`) for `StartWebAuthnRegistration`'s
    /// `CredentialCreationOptions`, for [`Session::register_passkey`](crate::Session::register_passkey).
    /// An authenticator that only signs in keeps the default, which refuses.
    fn create_credential<'a>(
        &'a self,
        credential_creation_options: &'a serde_json::Value,
    ) -> cognito_wire::BoxFuture<'a, Result<serde_json::Value, String>> {
        let _ = credential_creation_options;
        Box::pin(async { Err("this authenticator cannot register passkeys".to_owned()) })
    }
}

/// What to do with a device Cognito offers to remember after a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DevicePolicy {
    /// Confirm it, mark it remembered and keep it in the device store.
    Remember,
    /// Confirm it and keep it, but leave "remembered" to the caller
    /// ([`CognitoAuth::set_device_remembered`]); the session reports it in `new_device`.
    Ask,
    /// Do not confirm new devices (the default).
    #[default]
    Never,
}

/// Which operation refreshes tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RefreshMode {
    /// `InitiateAuth(REFRESH_TOKEN_AUTH)`: the refresh token stays the same.
    #[default]
    RefreshTokenAuth,
    /// `GetTokensFromRefreshToken`: for app clients with refresh-token rotation; the refresh token
    /// is replaced by the one Cognito returns.
    Rotation,
}

/// Where a sign-in stands.
#[derive(Debug)]
#[non_exhaustive]
pub enum SignInOutcome {
    /// Signed in: the session handle.
    SignedIn(Session),
    /// The server asks a question; answer with [`PendingSignIn::answer`].
    NeedsInput(Box<PendingSignIn>),
}

impl SignInOutcome {
    /// The session, if signed in.
    pub fn session(self) -> Option<Session> {
        match self {
            SignInOutcome::SignedIn(s) => Some(s),
            SignInOutcome::NeedsInput(_) => None,
        }
    }
}

/// A sign-in waiting for the caller's answer.
#[derive(Debug)]
pub struct PendingSignIn {
    auth: CognitoAuth,
    machine: SignIn,
    question: Question,
    rejected: Option<Error>,
}

impl PendingSignIn {
    /// The question to answer.
    pub fn question(&self) -> &Question {
        &self.question
    }

    /// Why this question is asked again, when Cognito refused the previous answer but lets the
    /// user retry (a wrong or already used code, a new password the policy refuses, a wrong
    /// TOTP set-up code). `None` for a question asked for the first time.
    pub fn rejection(&self) -> Option<&Rejection> {
        self.machine.rejection()
    }

    /// Cognito's error behind [`rejection`](Self::rejection), for logs and messages.
    pub fn rejected(&self) -> Option<&Error> {
        self.rejected.as_ref()
    }

    /// Answers it and goes on.
    pub async fn answer(mut self: Box<Self>, answer: Answer) -> Result<SignInOutcome, Error> {
        let step = self.machine.answer(answer, self.auth.inner.rng.as_ref())?;
        self.auth.drive(self.machine, step).await
    }
}

/// The async Cognito client for one app client: sign-in, refresh, devices and the user's own
/// operations, all unsigned (no AWS credentials).
///
/// ```no_run
/// # async fn run() -> Result<(), cognito_auth::Error> {
/// use cognito_auth::{CognitoAuth, SignInOutcome};
/// let auth = CognitoAuth::builder("us-east-1_AbC", "client-id").build()?;
/// match auth.sign_in("alice", "Passw0rd!").await? {
///     SignInOutcome::SignedIn(session) => println!("expires at {}", session.expires_at()),
///     SignInOutcome::NeedsInput(pending) => println!("Cognito asks: {:?}", pending.question()),
///     other => println!("an outcome this program does not know: {other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CognitoAuth {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) wire: WireClient,
    pub(crate) pool_id: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<SensitiveString>,
    pub(crate) rng: Box<dyn RandomSource + Send + Sync>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) devices: Arc<dyn DeviceStore>,
    pub(crate) device_policy: DevicePolicy,
    pub(crate) device_name: Option<String>,
    pub(crate) refresh_mode: RefreshMode,
    pub(crate) refresh_margin: time::Duration,
    pub(crate) session_store: Option<Arc<dyn SessionStore>>,
    pub(crate) authenticator: Option<Arc<dyn WebAuthnAuthenticator>>,
    /// The HTTP client of the pool domain's endpoints (OAuth 2.0), made on first use unless
    /// given.
    pub(crate) http: std::sync::OnceLock<Arc<dyn cognito_wire::Transport>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoAuth")
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("device_policy", &self.device_policy)
            .field("refresh_mode", &self.refresh_mode)
            .finish_non_exhaustive()
    }
}

/// Builds a [`CognitoAuth`].
#[derive(Debug)]
pub struct CognitoAuthBuilder {
    pool_id: String,
    client_id: String,
    client_secret: Option<SensitiveString>,
    endpoint_url: Option<String>,
    region: Option<String>,
    wire: Option<WireClient>,
    clock: Arc<dyn Clock>,
    devices: Arc<dyn DeviceStore>,
    device_policy: DevicePolicy,
    device_name: Option<String>,
    refresh_mode: RefreshMode,
    refresh_margin: time::Duration,
    session_store: Option<Arc<dyn SessionStore>>,
    authenticator: Option<Arc<dyn WebAuthnAuthenticator>>,
    http: Option<InjectedTransport>,
    rng: InjectedRng,
}

/// The builder's HTTP transport for the domain's endpoints; `Debug` names it.
struct InjectedTransport(Arc<dyn cognito_wire::Transport>);

impl std::fmt::Debug for InjectedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}

/// The builder's random source; `Debug` names it without printing state.
struct InjectedRng(Box<dyn RandomSource + Send + Sync>);

impl std::fmt::Debug for InjectedRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RandomSource")
    }
}

impl CognitoAuthBuilder {
    /// Where the driver draws randomness (SRP ephemerals, device secrets), as the clock is
    /// injected with [`clock`](Self::clock). The default is `ring`'s system RNG; a deterministic
    /// source is for tests and reproducible runs only.
    ///
    /// ```
    /// use cognito_auth::CognitoAuth;
    /// let auth = CognitoAuth::builder("us-east-1_AbC", "client")
    ///     .rng(ring::rand::SystemRandom::new())
    ///     .build()?;
    /// # Ok::<(), cognito_auth::Error>(())
    /// ```
    pub fn rng(mut self, rng: impl RandomSource + Send + Sync + 'static) -> Self {
        self.rng = InjectedRng(Box::new(rng));
        self
    }

    /// The app client secret (SECRET_HASH goes on every call that takes one).
    pub fn client_secret(mut self, secret: impl Into<SensitiveString>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// An explicit endpoint (e.g. the local emulator's URL). Otherwise the region of the pool id
    /// and the `AWS_ENDPOINT_URL*` variables decide.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The region, when it is not the one the pool id starts with (a pool id like
    /// `us-east-1_AbCdEf` already names it). An [`endpoint_url`](Self::endpoint_url) or an
    /// `AWS_ENDPOINT_URL*` variable still wins.
    ///
    /// ```
    /// let auth = cognito_auth::CognitoAuth::builder("eu-west-1_AbCdEf", "client")
    ///     .region("eu-central-1")
    ///     .build()?;
    /// # if std::env::var_os("AWS_ENDPOINT_URL").is_none()
    /// #     && std::env::var_os("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER").is_none() {
    /// assert_eq!(
    ///     auth.wire().endpoint().url.to_string(),
    ///     "https://cognito-idp.eu-central-1.amazonaws.com/"
    /// );
    /// # }
    /// # Ok::<(), cognito_auth::Error>(())
    /// ```
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A ready wire client (custom transport, retry policy, ...).
    pub fn wire_client(mut self, client: WireClient) -> Self {
        self.wire = Some(client);
        self
    }

    /// The clock (tests use a manual one).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where remembered devices are kept (default: in memory).
    pub fn device_store(mut self, store: Arc<dyn DeviceStore>) -> Self {
        self.devices = store;
        self
    }

    /// What to do with new devices (default: [`DevicePolicy::Never`]).
    pub fn device_policy(mut self, policy: DevicePolicy) -> Self {
        self.device_policy = policy;
        self
    }

    /// The `DeviceName` sent with `ConfirmDevice`.
    pub fn device_name(mut self, name: impl Into<String>) -> Self {
        self.device_name = Some(name.into());
        self
    }

    /// How tokens are refreshed (default: `REFRESH_TOKEN_AUTH`).
    pub fn refresh_mode(mut self, mode: RefreshMode) -> Self {
        self.refresh_mode = mode;
        self
    }

    /// How long before expiry a [`Session`] refreshes its tokens (default: 5 minutes).
    pub fn refresh_margin(mut self, margin: time::Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Where sessions are kept between runs (default: nowhere). Every sign-in and refresh
    /// saves the session there; sign-out and revocation clear it; [`CognitoAuth::restore`]
    /// reads it back.
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.session_store = Some(store);
        self
    }

    /// A passkey authenticator that answers `WEB_AUTHN` challenges without returning them to the
    /// caller.
    pub fn webauthn_authenticator(mut self, authenticator: Arc<dyn WebAuthnAuthenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// The HTTP transport for the pool domain's OAuth 2.0 endpoints (the code exchange, its
    /// refreshes, `userInfo`, revocation). Default: a `HyperTransport` made on first use.
    pub fn http_transport(mut self, transport: Arc<dyn cognito_wire::Transport>) -> Self {
        self.http = Some(InjectedTransport(transport));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<CognitoAuth, Error> {
        let wire = match self.wire {
            Some(w) => w,
            None => {
                let mut b = WireClient::builder().pool_id(self.pool_id.clone());
                if let Some(url) = &self.endpoint_url {
                    b = b.endpoint_url(url.clone());
                }
                if let Some(region) = &self.region {
                    b = b.region(region.clone());
                }
                b.build().map_err(|e| Error::Config(e.to_string()))?
            }
        };
        Ok(CognitoAuth {
            inner: Arc::new(Inner {
                wire,
                pool_id: self.pool_id,
                client_id: self.client_id,
                client_secret: self.client_secret,
                rng: self.rng.0,
                clock: self.clock,
                devices: self.devices,
                device_policy: self.device_policy,
                device_name: self.device_name,
                refresh_mode: self.refresh_mode,
                refresh_margin: self.refresh_margin,
                session_store: self.session_store,
                authenticator: self.authenticator,
                http: match self.http {
                    Some(t) => std::sync::OnceLock::from(t.0),
                    None => std::sync::OnceLock::new(),
                },
            }),
        })
    }
}

impl CognitoAuth {
    /// Starts building a client for a pool and an app client.
    pub fn builder(pool_id: impl Into<String>, client_id: impl Into<String>) -> CognitoAuthBuilder {
        CognitoAuthBuilder {
            pool_id: pool_id.into(),
            client_id: client_id.into(),
            client_secret: None,
            endpoint_url: None,
            region: None,
            wire: None,
            clock: Arc::new(SystemClock),
            devices: Arc::new(MemoryDeviceStore::default()),
            device_policy: DevicePolicy::Never,
            device_name: None,
            refresh_mode: RefreshMode::RefreshTokenAuth,
            refresh_margin: time::Duration::minutes(5),
            session_store: None,
            authenticator: None,
            http: None,
            rng: InjectedRng(Box::new(ring::rand::SystemRandom::new())),
        }
    }

    /// The user pool id.
    pub fn pool_id(&self) -> &str {
        &self.inner.pool_id
    }

    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The wire client (for operations this crate does not wrap).
    pub fn wire(&self) -> &WireClient {
        &self.inner.wire
    }

    /// The clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// The HTTP transport of the domain's endpoints (made on first use).
    pub(crate) fn http_transport(&self) -> Result<Arc<dyn cognito_wire::Transport>, Error> {
        if let Some(t) = self.inner.http.get() {
            return Ok(t.clone());
        }
        let made: Arc<dyn cognito_wire::Transport> = Arc::new(
            cognito_wire::HyperTransport::new()
                .map_err(|e| Error::Config(format!("the HTTP client could not be set up: {e}")))?,
        );
        // Another caller may have made one meanwhile: use whichever was kept.
        Ok(self.inner.http.get_or_init(|| made).clone())
    }

    /// A sign-in configuration for this client, with its secret.
    pub fn config(&self, username: &str) -> SignInConfig {
        let mut cfg = SignInConfig::new(&self.inner.pool_id, &self.inner.client_id, username);
        cfg.client_secret = self.inner.client_secret.clone();
        cfg
    }

    /// `SECRET_HASH` for a username, when the client has a secret.
    pub fn secret_hash(&self, username: &str) -> Option<SensitiveString> {
        self.inner.client_secret.as_ref().map(|secret| {
            SensitiveString::from(
                srp_core::secret_hash(username, &self.inner.client_id, secret.expose()).expose(),
            )
        })
    }

    /// `GetClientToken`: a machine-to-machine access token of this app client (the secret given
    /// to the builder; the client needs `ALLOW_CLIENT_TOKEN_AUTH`), with these scopes of its
    /// `AllowedOAuthScopes` (empty: all of them). The API's counterpart of the token endpoint's
    /// `client_credentials` grant ([`crate::oauth::ClientCredentials`], which also caches).
    pub async fn get_client_token(
        &self,
        scopes: &[String],
    ) -> Result<crate::oauth::ClientToken, Error> {
        let secret = self.inner.client_secret.clone().ok_or_else(|| {
            Error::Config("GetClientToken needs the app client's secret (client_secret)".into())
        })?;
        let mut req = cognito_wire::GetClientTokenRequest::builder()
            .client_id(self.inner.client_id.clone())
            .secret(secret);
        if !scopes.is_empty() {
            req = req.scopes(scopes.to_vec());
        }
        let asked = self.inner.clock.now();
        let out = self
            .inner
            .wire
            .call::<cognito_wire::op::GetClientToken>(&req.build()?)
            .await?;
        let result = out
            .client_authentication_result
            .ok_or(AuthError::MissingToken("ClientAuthenticationResult"))?;
        let token = result
            .access_token
            .ok_or(AuthError::MissingToken("AccessToken"))?;
        let expires_in = result.expires_in.unwrap_or(0);
        Ok(crate::oauth::ClientToken::new(
            token,
            asked + time::Duration::seconds(i64::from(expires_in)),
            scopes.to_vec(),
        ))
    }

    pub(crate) fn device_ref(&self, sign_in_name: &str) -> DeviceKeyRef {
        DeviceKeyRef {
            pool_id: self.inner.pool_id.clone(),
            client_id: self.inner.client_id.clone(),
            username: sign_in_name.to_owned(),
        }
    }

    /// Signs in with `USER_SRP_AUTH`, using a remembered device when the store has one.
    pub async fn sign_in(
        &self,
        username: &str,
        password: impl Into<Password>,
    ) -> Result<SignInOutcome, Error> {
        self.sign_in_with(self.config(username).password(password))
            .await
    }

    /// Signs in with any configuration (flow, device, client metadata). When the configuration
    /// names no device, the device store's is used.
    ///
    /// Admin flows ([`Flow::AdminUserPassword`](crate::Flow::AdminUserPassword),
    /// [`Flow::AdminUserSrp`](crate::Flow::AdminUserSrp)) go through this same driver; their
    /// requests must be SigV4-signed, so the client must be built on a signing wire client
    /// (`cognito_admin::AdminClient::auth`).
    pub async fn sign_in_with(&self, mut config: SignInConfig) -> Result<SignInOutcome, Error> {
        if config.device.is_none() {
            config.device = self.inner.devices.get(&self.device_ref(&config.username))?;
        }
        let mut machine = SignIn::new(config);
        let step = machine.start(self.inner.rng.as_ref())?;
        self.drive(machine, step).await
    }

    /// The session kept in the session store, if any, as a live handle (its tokens are
    /// refreshed on first use when they expired meanwhile). A session of another pool or app
    /// client is refused.
    pub async fn restore(&self) -> Result<Option<Session>, Error> {
        let Some(store) = &self.inner.session_store else {
            return Ok(None);
        };
        let Some(state) = store.load()? else {
            return Ok(None);
        };
        if state.pool_id != self.inner.pool_id || state.client_id != self.inner.client_id {
            return Err(Error::Config(format!(
                "the kept session is for pool {} and app client {}, not {} and {}: sign in again",
                state.pool_id, state.client_id, self.inner.pool_id, self.inner.client_id
            )));
        }
        Ok(Some(Session::new(self.clone(), state)))
    }

    /// A session handle for a state obtained elsewhere (tokens from another program, or a
    /// state read by the caller). It is saved to the session store.
    pub fn session(&self, state: SessionState) -> Session {
        let session = Session::new(self.clone(), state);
        // The sign-in succeeded: a store that cannot keep it is logged (by save) and the caller
        // still gets the session; later refreshes report a failing store as an error.
        let _ = session.save();
        session
    }

    /// Runs the machine until it needs the caller or finishes. Cognito's errors go to the state
    /// machine first: the ones that let the user retry come back as the same question, a
    /// vanished remembered device is purged from the store and the sign-in restarted without it.
    async fn drive(&self, mut machine: SignIn, mut step: Step) -> Result<SignInOutcome, Error> {
        let mut rejected = None;
        loop {
            step = match step {
                Step::Send(request) => match self.send(request).await {
                    Ok(response) => {
                        rejected = None;
                        machine.handle_response(
                            response,
                            self.inner.clock.now(),
                            self.inner.rng.as_ref(),
                        )?
                    }
                    Err(e) => {
                        let next = match e.service_error() {
                            Some(kind) => machine.handle_error(kind, self.inner.rng.as_ref()),
                            None => None,
                        };
                        let Some(next) = next else {
                            return Err(e);
                        };
                        if let Some(gone) = machine.take_forgotten_device() {
                            tracing::info!(
                                device_key = %gone.device_key,
                                "the remembered device no longer exists; purged, signing in without it"
                            );
                            self.inner
                                .devices
                                .remove(&self.device_ref(&machine.config().username))?;
                        } else {
                            rejected = Some(e);
                        }
                        next
                    }
                },
                Step::NeedsInput(Question::WebAuthn {
                    credential_request_options,
                }) if self.inner.authenticator.is_some() => {
                    let authenticator = self
                        .inner
                        .authenticator
                        .clone()
                        .ok_or_else(|| Error::Config("no passkey authenticator".into()))?;
                    let assertion = authenticator
                        .get_assertion(&credential_request_options)
                        .await
                        .map_err(Error::WebAuthn)?;
                    machine.answer(
                        Answer::WebAuthnCredential(assertion),
                        self.inner.rng.as_ref(),
                    )?
                }
                Step::NeedsInput(question) => {
                    return Ok(SignInOutcome::NeedsInput(Box::new(PendingSignIn {
                        auth: self.clone(),
                        machine,
                        question,
                        rejected,
                    })));
                }
                Step::Done(done) => {
                    let sign_in_name = machine.config().username.clone();
                    let session = self.finish(*done, sign_in_name).await?;
                    return Ok(SignInOutcome::SignedIn(session));
                }
            };
        }
    }

    /// Sends one request of the state machine.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let wire = &self.inner.wire;
        Ok(match request {
            Request::InitiateAuth(r) => {
                Response::InitiateAuth(wire.call::<op::InitiateAuth>(&r).await?)
            }
            Request::RespondToAuthChallenge(r) => {
                Response::RespondToAuthChallenge(wire.call::<op::RespondToAuthChallenge>(&r).await?)
            }
            Request::AdminInitiateAuth(r) => {
                Response::AdminInitiateAuth(wire.call::<op::AdminInitiateAuth>(&r).await?)
            }
            Request::AdminRespondToAuthChallenge(r) => Response::AdminRespondToAuthChallenge(
                wire.call::<op::AdminRespondToAuthChallenge>(&r).await?,
            ),
            Request::AssociateSoftwareToken(r) => {
                Response::AssociateSoftwareToken(wire.call::<op::AssociateSoftwareToken>(&r).await?)
            }
            Request::VerifySoftwareToken(r) => {
                Response::VerifySoftwareToken(wire.call::<op::VerifySoftwareToken>(&r).await?)
            }
        })
    }

    /// After tokens: confirm a new device per the policy.
    ///
    /// The tokens are never given up for the device: when `ConfirmDevice` fails (network,
    /// throttling beyond the retry budget, 5xx, a lost answer) the sign-in still succeeds, with the
    /// device left unconfirmed in `new_device` (as under [`DevicePolicy::Never`]) and the device
    /// store untouched; `ConfirmDevice` is one-shot, so it is not resent. When marking a
    /// confirmed device remembered fails, the device is kept (stored, in `device`) and also
    /// reported in `new_device`, as under [`DevicePolicy::Ask`]. When the device store cannot
    /// keep a confirmed device, it is in `device` (for the caller to keep) and `new_device`, not
    /// marked remembered.
    async fn finish(&self, done: crate::SignedIn, sign_in_name: String) -> Result<Session, Error> {
        let mut state = SessionState::new(
            self.inner.pool_id.clone(),
            self.inner.client_id.clone(),
            sign_in_name,
            done.tokens,
        );
        state.username = done.username;
        state.device = done.device_used;
        if self.inner.device_policy == DevicePolicy::Never {
            state.new_device = done.new_device;
        } else if let Some(new) = done.new_device {
            self.adopt_device(&mut state, new).await;
        }
        Ok(self.session(state))
    }

    /// Confirms a device Cognito offered and keeps it per the policy (see [`finish`]).
    async fn adopt_device(&self, state: &mut SessionState, new: NewDevice) {
        let device = match self.confirm_device(&state.tokens.access_token, &new).await {
            Ok(device) => device,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "signed in, but the new device could not be confirmed; it is not remembered"
                );
                state.new_device = Some(new);
                return;
            }
        };
        let stored = self
            .inner
            .devices
            .put(&self.device_ref(&state.sign_in_name), &device);
        state.device = Some(device);
        if let Err(e) = stored {
            // Confirmed, but the store cannot keep it: hand it to the caller (to keep
            // elsewhere) instead of failing the sign-in, and do not mark it remembered.
            tracing::warn!(
                error = %e,
                "the device is confirmed, but the device store could not keep it"
            );
            state.new_device = Some(new);
        } else if self.inner.device_policy == DevicePolicy::Remember {
            if let Err(e) = self
                .set_device_remembered(&state.tokens.access_token, &new.device_key, true)
                .await
            {
                tracing::warn!(
                    error = %e,
                    "the device is confirmed and stored, but marking it remembered failed"
                );
                state.new_device = Some(new);
            }
        } else {
            state.new_device = Some(new);
        }
    }

    /// `ConfirmDevice` with a fresh device secret; returns the credentials to keep.
    pub(crate) async fn confirm_device(
        &self,
        access_token: &SensitiveString,
        device: &NewDevice,
    ) -> Result<DeviceCredentials, Error> {
        let secret = srp_core::generate_device_secret(
            &device.device_group_key,
            &device.device_key,
            self.inner.rng.as_ref(),
        )?;
        let mut req = cognito_wire::ConfirmDeviceRequest::builder()
            .access_token(access_token.clone())
            .device_key(device.device_key.clone())
            .build()?;
        req.device_name = self.inner.device_name.clone();
        req.device_secret_verifier_config = Some(
            cognito_wire::DeviceSecretVerifierConfigType::builder()
                .password_verifier(secret.config.password_verifier.clone())
                .salt(secret.config.salt.clone())
                .build(),
        );
        self.inner.wire.call::<op::ConfirmDevice>(&req).await?;
        Ok(DeviceCredentials {
            device_key: device.device_key.clone(),
            device_group_key: device.device_group_key.clone(),
            device_password: secret.password,
        })
    }

    /// `UpdateDeviceStatus`: remembered or not.
    pub(crate) async fn set_device_remembered(
        &self,
        access_token: &SensitiveString,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), Error> {
        let mut req = cognito_wire::UpdateDeviceStatusRequest::builder()
            .access_token(access_token.clone())
            .device_key(device_key.to_owned())
            .build()?;
        req.device_remembered_status = Some(if remembered {
            cognito_wire::DeviceRememberedStatusType::Remembered
        } else {
            cognito_wire::DeviceRememberedStatusType::NotRemembered
        });
        self.inner.wire.call::<op::UpdateDeviceStatus>(&req).await?;
        Ok(())
    }

    /// Refreshes a session state's tokens (`REFRESH_TOKEN_AUTH` with `DEVICE_KEY`, or
    /// `GetTokensFromRefreshToken` in [`RefreshMode::Rotation`]; the token endpoint's
    /// `refresh_token` grant for a session from the code flow). `SECRET_HASH` uses the
    /// state's `username` (the token's), as Cognito requires. Only [`Session`] calls it.
    pub(crate) async fn refresh_tokens(&self, state: &SessionState) -> Result<TokenSet, Error> {
        // A session from the code flow refreshes where it came from: the domain's token
        // endpoint.
        if let Some(domain) = &state.oauth_domain {
            return self.refresh_at_domain(domain, state).await;
        }
        let refresh_token = state
            .tokens
            .refresh_token
            .clone()
            .ok_or(Error::NoRefreshToken)?;
        let device_key = state.device_key().map(str::to_owned);
        let now;
        let result = match self.inner.refresh_mode {
            RefreshMode::RefreshTokenAuth => {
                let mut params = Params::new();
                params.put_secret(Key::RefreshToken, refresh_token);
                if let Some(hash) = self.secret_hash(&state.username) {
                    params.put_secret(Key::SecretHash, hash);
                }
                if let Some(key) = &device_key {
                    params.put(Key::DeviceKey, key);
                }
                let mut req = cognito_wire::InitiateAuthRequest::builder()
                    .auth_flow(cognito_wire::AuthFlowType::RefreshTokenAuth)
                    .client_id(self.inner.client_id.as_str())
                    .build()?;
                req.auth_parameters = Some(params.into_map());
                let resp = self.inner.wire.call::<op::InitiateAuth>(&req).await?;
                now = self.inner.clock.now();
                resp.authentication_result
            }
            RefreshMode::Rotation => {
                let mut req = cognito_wire::GetTokensFromRefreshTokenRequest::builder()
                    .client_id(self.inner.client_id.as_str())
                    .refresh_token(refresh_token)
                    .build()?;
                req.client_secret = self.inner.client_secret.clone();
                req.device_key = device_key;
                let resp = self
                    .inner
                    .wire
                    .call::<op::GetTokensFromRefreshToken>(&req)
                    .await?;
                now = self.inner.clock.now();
                resp.authentication_result
            }
        };
        let result = result.ok_or(AuthError::EmptyResponse {
            operation: "refresh",
        })?;
        Ok(TokenSet::from_result(&result, now)?)
    }
}
