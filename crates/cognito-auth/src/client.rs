//! [`CognitoAuth`]: the async driver. It moves the state machine's requests over
//! `cognito-wire`, confirms and remembers devices, refreshes tokens and performs the user's own
//! operations. No AWS credentials are ever needed: every call here is a public operation.

use crate::clock::{Clock, SystemClock};
use crate::device_store::{DeviceKeyRef, DeviceStore, DeviceStoreError, MemoryDeviceStore};
use crate::{Answer, AuthError, DeviceCredentials, NewDevice, Question, Request, Response, SignIn};
use crate::{SignInConfig, Step, TokenSet};
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
    /// The configuration cannot work.
    #[error("configuration: {0}")]
    Config(String),
    /// A refresh was asked for tokens without a refresh token.
    #[error("no refresh token to refresh with")]
    NoRefreshToken,
    /// The SRP math refused an input.
    #[error(transparent)]
    Srp(#[from] srp_core::SrpError),
    /// The WebAuthn authenticator could not produce an assertion.
    #[error("the passkey authenticator failed: {0}")]
    WebAuthn(String),
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
}

/// A passkey authenticator the caller supplies: it answers `WEB_AUTHN` challenges during
/// sign-in (the driver hands it the `CREDENTIAL_REQUEST_OPTIONS` and sends back its assertion).
pub trait WebAuthnAuthenticator: Send + Sync + std::fmt::Debug {
    /// A `PublicKeyCredential` (assertion) JSON for these request options.
    fn get_assertion<'a>(
        &'a self,
        credential_request_options: &'a serde_json::Value,
    ) -> cognito_wire::BoxFuture<'a, Result<serde_json::Value, String>>;
}

/// What to do with a device Cognito offers to remember after a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
pub enum RefreshMode {
    /// `InitiateAuth(REFRESH_TOKEN_AUTH)`: the refresh token stays the same.
    #[default]
    RefreshTokenAuth,
    /// `GetTokensFromRefreshToken`: for app clients with refresh-token rotation; the refresh token
    /// is replaced by the one Cognito returns.
    Rotation,
}

/// A signed-in user: tokens, the name Cognito knows them by, and their device.
#[derive(Debug, Clone)]
pub struct Session {
    /// The tokens.
    pub tokens: TokenSet,
    /// The user's name as Cognito knows it (for `SECRET_HASH` on refresh).
    pub username: String,
    /// The name the user signed in with (key of the device store).
    pub sign_in_name: String,
    /// The remembered device in use (used to sign in, or confirmed just now).
    pub device: Option<DeviceCredentials>,
    /// The device Cognito assigned at this sign-in when it is not (yet) remembered: confirmed but
    /// not marked remembered ([`DevicePolicy::Ask`], or a failed `UpdateDeviceStatus`), or not
    /// confirmed ([`DevicePolicy::Never`], or a failed `ConfirmDevice`: then `device` is `None`).
    /// With device tracking on, refresh tokens are bound to it, so refreshes send its key.
    pub new_device: Option<NewDevice>,
}

/// Where a sign-in stands.
#[derive(Debug)]
pub enum SignInOutcome {
    /// Signed in.
    SignedIn(Box<Session>),
    /// The server asks a question; answer with [`PendingSignIn::answer`].
    NeedsInput(Box<PendingSignIn>),
}

impl SignInOutcome {
    /// The session, if signed in.
    pub fn session(self) -> Option<Session> {
        match self {
            SignInOutcome::SignedIn(s) => Some(*s),
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
    retried_without_device: bool,
    rejected: Option<Error>,
}

impl PendingSignIn {
    /// The question to answer.
    pub fn question(&self) -> &Question {
        &self.question
    }

    /// Why Cognito refused the previous answer to this same question, when it is asked again:
    /// a wrong one-time code (`CodeMismatchException`) does not end the sign-in, Cognito keeps
    /// the challenge open for a few more tries (then the session expires and answering fails
    /// with `NotAuthorizedException`). `None` for a question asked for the first time.
    pub fn rejected(&self) -> Option<&Error> {
        self.rejected.as_ref()
    }

    /// Takes the rejection out (see [`rejected`](Self::rejected)), e.g. to report it while
    /// keeping the pending sign-in for the next try.
    pub fn take_rejected(&mut self) -> Option<Error> {
        self.rejected.take()
    }

    /// Answers it and goes on.
    pub async fn answer(mut self: Box<Self>, answer: Answer) -> Result<SignInOutcome, Error> {
        let step = self.machine.answer(answer, self.auth.inner.rng.as_ref())?;
        self.auth
            .drive(self.machine, step, self.retried_without_device)
            .await
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
///     SignInOutcome::SignedIn(session) => println!("expires at {}", session.tokens.expires_at),
///     SignInOutcome::NeedsInput(pending) => println!("Cognito asks: {:?}", pending.question()),
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
    pub(crate) authenticator: Option<Arc<dyn WebAuthnAuthenticator>>,
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
    authenticator: Option<Arc<dyn WebAuthnAuthenticator>>,
    rng: InjectedRng,
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

    /// A passkey authenticator that answers `WEB_AUTHN` challenges without returning them to the
    /// caller.
    pub fn webauthn_authenticator(mut self, authenticator: Arc<dyn WebAuthnAuthenticator>) -> Self {
        self.authenticator = Some(authenticator);
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
                authenticator: self.authenticator,
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
            authenticator: None,
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

    pub(crate) fn device_ref(&self, sign_in_name: &str) -> DeviceKeyRef {
        DeviceKeyRef {
            pool_id: self.inner.pool_id.clone(),
            client_id: self.inner.client_id.clone(),
            username: sign_in_name.to_owned(),
        }
    }

    /// Signs in with `USER_SRP_AUTH`, using a remembered device when the store has one.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignInOutcome, Error> {
        self.sign_in_with(self.config(username).password(Password::new(password)))
            .await
    }

    /// Signs in with any configuration (flow, device). When the configuration names no device,
    /// the device store's is used.
    pub async fn sign_in_with(&self, mut config: SignInConfig) -> Result<SignInOutcome, Error> {
        if config.device.is_none() && !config.flow.is_admin() {
            config.device = self.inner.devices.get(&self.device_ref(&config.username))?;
        }
        let mut machine = SignIn::new(config);
        let step = machine.start(self.inner.rng.as_ref())?;
        self.drive(machine, step, false).await
    }

    /// Runs the machine until it needs the caller or finishes. When Cognito says the remembered
    /// device no longer exists, the device is purged and the sign-in restarted once without it.
    async fn drive(
        &self,
        mut machine: SignIn,
        mut step: Step,
        retried: bool,
    ) -> Result<SignInOutcome, Error> {
        loop {
            step = match step {
                Step::Send(request) => match self.send(request).await {
                    Ok(response) => machine.handle_response(
                        response,
                        self.inner.clock.now(),
                        self.inner.rng.as_ref(),
                    )?,
                    Err(e)
                        if !retried && machine.config().device.is_some() && device_is_gone(&e) =>
                    {
                        tracing::info!(
                            "the remembered device no longer exists; purging it and signing in again"
                        );
                        let mut config = machine.config().clone();
                        self.inner
                            .devices
                            .remove(&self.device_ref(&config.username))?;
                        config.device = None;
                        machine = SignIn::new(config);
                        let first = machine.start(self.inner.rng.as_ref())?;
                        return Box::pin(self.drive(machine, first, true)).await;
                    }
                    Err(e) if is_code_mismatch(&e) => match machine.reask() {
                        Some(question) => {
                            return Ok(SignInOutcome::NeedsInput(Box::new(PendingSignIn {
                                auth: self.clone(),
                                machine,
                                question,
                                retried_without_device: retried,
                                rejected: Some(e),
                            })));
                        }
                        None => return Err(e),
                    },
                    Err(e) => return Err(e),
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
                        retried_without_device: retried,
                        rejected: None,
                    })));
                }
                Step::Done(done) => {
                    let sign_in_name = machine.config().username.clone();
                    let session = self.finish(*done, sign_in_name).await?;
                    return Ok(SignInOutcome::SignedIn(Box::new(session)));
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
        let mut session = Session {
            tokens: done.tokens,
            username: done.username,
            sign_in_name,
            device: done.device_used,
            new_device: None,
        };
        if self.inner.device_policy == DevicePolicy::Never {
            session.new_device = done.new_device;
        } else if let Some(new) = done.new_device {
            let device = match self
                .confirm_device(&session.tokens.access_token, &new)
                .await
            {
                Ok(device) => device,
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        "signed in, but the new device could not be confirmed; it is not remembered"
                    );
                    session.new_device = Some(new);
                    return Ok(session);
                }
            };
            let stored = self
                .inner
                .devices
                .put(&self.device_ref(&session.sign_in_name), &device);
            session.device = Some(device);
            if let Err(e) = stored {
                // Confirmed, but the store cannot keep it: hand it to the caller (to keep
                // elsewhere) instead of failing the sign-in, and do not mark it remembered.
                tracing::warn!(
                    error = %e,
                    "the device is confirmed, but the device store could not keep it"
                );
                session.new_device = Some(new);
            } else if self.inner.device_policy == DevicePolicy::Remember {
                if let Err(e) = self
                    .set_device_remembered(&session.tokens.access_token, &new.device_key, true)
                    .await
                {
                    tracing::warn!(
                        error = %e,
                        "the device is confirmed and stored, but marking it remembered failed"
                    );
                    session.new_device = Some(new);
                }
            } else {
                session.new_device = Some(new);
            }
        }
        Ok(session)
    }

    /// `ConfirmDevice` with a fresh device secret; returns the credentials to keep.
    pub async fn confirm_device(
        &self,
        access_token: &SensitiveString,
        device: &NewDevice,
    ) -> Result<DeviceCredentials, Error> {
        let secret = srp_core::generate_device_secret(
            &device.device_group_key,
            &device.device_key,
            self.inner.rng.as_ref(),
        )?;
        let mut req = cognito_wire::ConfirmDeviceRequest::new(
            access_token.clone(),
            device.device_key.clone(),
        );
        req.device_name = self.inner.device_name.clone();
        req.device_secret_verifier_config = Some(cognito_wire::DeviceSecretVerifierConfigType {
            password_verifier: Some(secret.config.password_verifier.clone()),
            salt: Some(secret.config.salt.clone()),
        });
        self.inner.wire.call::<op::ConfirmDevice>(&req).await?;
        Ok(DeviceCredentials {
            device_key: device.device_key.clone(),
            device_group_key: device.device_group_key.clone(),
            device_password: secret.password,
        })
    }

    /// `UpdateDeviceStatus`: remembered or not.
    pub async fn set_device_remembered(
        &self,
        access_token: &SensitiveString,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), Error> {
        let mut req = cognito_wire::UpdateDeviceStatusRequest::new(
            access_token.clone(),
            device_key.to_owned(),
        );
        req.device_remembered_status = Some(if remembered {
            cognito_wire::DeviceRememberedStatusType::Remembered
        } else {
            cognito_wire::DeviceRememberedStatusType::NotRemembered
        });
        self.inner.wire.call::<op::UpdateDeviceStatus>(&req).await?;
        Ok(())
    }

    /// Refreshes a session's tokens (`REFRESH_TOKEN_AUTH` with `DEVICE_KEY`, or
    /// `GetTokensFromRefreshToken` in [`RefreshMode::Rotation`]). `SECRET_HASH` uses the
    /// session's `username` (the token's), as Cognito requires.
    pub async fn refresh(&self, session: &Session) -> Result<TokenSet, Error> {
        let refresh_token = session
            .tokens
            .refresh_token
            .clone()
            .ok_or(Error::NoRefreshToken)?;
        let device_key = session
            .device
            .as_ref()
            .map(|d| d.device_key.clone())
            .or_else(|| session.new_device.as_ref().map(|d| d.device_key.clone()));
        let now;
        let result = match self.inner.refresh_mode {
            RefreshMode::RefreshTokenAuth => {
                let mut params = std::collections::BTreeMap::new();
                params.insert("REFRESH_TOKEN".to_owned(), refresh_token);
                if let Some(hash) = self.secret_hash(&session.username) {
                    params.insert("SECRET_HASH".to_owned(), hash);
                }
                if let Some(key) = &device_key {
                    params.insert("DEVICE_KEY".to_owned(), SensitiveString::from(key.as_str()));
                }
                let mut req = cognito_wire::InitiateAuthRequest::new(
                    cognito_wire::AuthFlowType::RefreshTokenAuth,
                    self.inner.client_id.as_str(),
                );
                req.auth_parameters = Some(params);
                let resp = self.inner.wire.call::<op::InitiateAuth>(&req).await?;
                now = self.inner.clock.now();
                resp.authentication_result
            }
            RefreshMode::Rotation => {
                let mut req = cognito_wire::GetTokensFromRefreshTokenRequest::new(
                    self.inner.client_id.as_str(),
                    refresh_token,
                );
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
        let mut tokens = session.tokens.clone();
        tokens.merge_refresh(TokenSet::from_result(&result, now)?);
        Ok(tokens)
    }
}

/// Cognito's answer to a wrong one-time code.
fn is_code_mismatch(e: &Error) -> bool {
    matches!(
        e.service_error(),
        Some(ServiceErrorKind::CodeMismatchException(_))
    )
}

/// Cognito's answer for a remembered device it no longer knows: `ResourceNotFoundException`
/// "Device does not exist." (other resources, such as an unknown app client, must not purge a
/// good device).
fn device_is_gone(e: &Error) -> bool {
    matches!(
        e.service_error(),
        Some(kind @ ServiceErrorKind::ResourceNotFoundException(_))
            if kind.message().is_some_and(|m| m.to_ascii_lowercase().contains("device"))
    )
}
