//! [`Cognito`]: pycognito's `Cognito` class in async Rust. One value holds the pool, the app
//! client, the username and the tokens; every pycognito method is a method here.
//!
//! - `auth.rs`: sign-in ([`Cognito::authenticate`], [`Cognito::admin_authenticate`]), the
//!   challenge responders, refresh, [`Cognito::check_token`], [`Cognito::verify_tokens`],
//!   [`Cognito::logout`];
//! - `account.rs`: the user's own operations (no AWS credentials): sign-up, passwords,
//!   profile, verification, MFA settings, devices;
//! - `admin.rs`: the `admin_*` methods, groups, identity providers and app clients (SigV4);
//! - `objects.rs`: [`User`] and [`Group`] (pycognito's `UserObj` and `GroupObj`).

mod account;
mod admin;
mod auth;
mod objects;

pub use account::MfaMethod;
pub use auth::AuthStep;
pub use objects::{Group, User, UserMetadata};

use crate::PycognitoError;
use cognito_admin::AdminClient;
use cognito_auth::jwt::{Claims, CognitoJwtVerifier};
use cognito_auth::{
    Clock, CognitoAuth, DevicePolicy, DeviceStore, RefreshMode, Session, SessionState,
    SessionStore, SystemClock, TokenSet,
};
use cognito_wire::{PoolId, SensitiveString};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// pycognito's `Cognito`: a user of a user pool and app client, with their tokens.
///
/// This is the pycognito-compatibility layer: pycognito's method names, delegating to
/// `cognito-auth`'s one driver and its [`Session`] handle (which refreshes, persists and holds the
/// device). Rust programs that do not port pycognito code use [`CognitoAuth`] and [`Session`]
/// directly.
///
/// User methods (authenticate, register, change_password, get_user, ...) never need AWS
/// credentials; `admin_*` methods, [`get_users`](Self::get_users) and the group, identity
/// provider and app client methods are SigV4-signed with the credentials given to the builder
/// (or `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`).
///
/// Challenges are not exceptions: [`authenticate`](Self::authenticate) returns an [`AuthStep`]
/// saying whether the user is signed in or what Cognito asks for next, and the matching
/// responder (`respond_to_software_token_mfa_challenge`, ...) continues the sign-in.
///
/// ```no_run
/// # async fn run() -> Result<(), pycognito::PycognitoError> {
/// use pycognito::{AuthStep, Cognito};
/// let mut cognito = Cognito::builder("us-east-1_AbC", "client-id").username("alice").build()?;
/// match cognito.authenticate("Passw0rd!").await? {
///     AuthStep::Done => println!("signed in"),
///     AuthStep::NeedsMfa { .. } => {
///         cognito.respond_to_software_token_mfa_challenge("123456").await?;
///     }
///     other => println!("Cognito asks for {other:?}"),
/// }
/// let user = cognito.get_user(None).await?;
/// println!("{} <{:?}>", user.username, user.get("email"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Cognito {
    auth: CognitoAuth,
    /// The same driver on the admin client's signing wire client (admin flows).
    admin_auth: CognitoAuth,
    admin: AdminClient,
    user_pool_id: String,
    /// `user_pool_id` parsed (`None` when it is not a valid pool id, which only an explicit
    /// endpoint URL lets through).
    pool: Option<PoolId>,
    client_id: String,
    endpoint_url: Option<String>,
    issuer: Option<String>,
    username: Option<String>,
    session: Option<Session>,
    pending: Option<Box<cognito_auth::PendingSignIn>>,
    verifiers: Option<(CognitoJwtVerifier, CognitoJwtVerifier)>,
    id_claims: Option<Claims>,
    access_claims: Option<Claims>,
    base_attributes: BTreeMap<String, String>,
    custom_attributes: BTreeMap<String, String>,
    clock: Arc<dyn Clock>,
}

/// Builds a [`Cognito`].
///
/// ```
/// let cognito = pycognito::Cognito::builder("us-east-1_AbC", "client-id")
///     .username("alice")
///     .client_secret("s3cret")
///     .admin_credentials("AKID", "SECRET")
///     .build()?;
/// assert_eq!(cognito.username(), Some("alice"));
/// assert_eq!(cognito.user_pool_region(), "us-east-1");
/// assert!(!format!("{cognito:?}").contains("s3cret"));
/// # Ok::<(), pycognito::PycognitoError>(())
/// ```
#[derive(Debug)]
pub struct CognitoBuilder {
    pool_id: String,
    client_id: String,
    client_secret: Option<SensitiveString>,
    username: Option<String>,
    endpoint_url: Option<String>,
    issuer: Option<String>,
    tokens: Option<(SensitiveString, SensitiveString, Option<SensitiveString>)>,
    admin: Option<AdminClient>,
    admin_credentials: Option<cognito_admin::Credentials>,
    device_store: Option<Arc<dyn DeviceStore>>,
    device_policy: DevicePolicy,
    refresh_mode: RefreshMode,
    refresh_margin: Option<time::Duration>,
    session_store: Option<Arc<dyn SessionStore>>,
    clock: Arc<dyn Clock>,
}

impl CognitoBuilder {
    /// The app client secret (pycognito's `client_secret`).
    pub fn client_secret(mut self, secret: impl Into<SensitiveString>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// The user (pycognito's `username`).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// An explicit Cognito endpoint (a local emulator: `http://127.0.0.1:PORT`). Tokens are then
    /// expected from the issuer `<endpoint>/<pool id>` (the emulator's default) unless
    /// [`issuer`](Self::issuer) says otherwise.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The token issuer [`Cognito::verify_tokens`] accepts (default: Cognito's, or
    /// `<endpoint>/<pool id>` with an endpoint URL).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Tokens kept from an earlier sign-in (pycognito's `id_token`, `access_token`,
    /// `refresh_token`). Their expiry is read from the access token's `exp` claim.
    pub fn tokens(
        mut self,
        id_token: impl Into<SensitiveString>,
        access_token: impl Into<SensitiveString>,
        refresh_token: Option<SensitiveString>,
    ) -> Self {
        self.tokens = Some((id_token.into(), access_token.into(), refresh_token));
        self
    }

    /// Where the session is kept between runs (see [`SessionStore`]): every sign-in and refresh
    /// saves it there, and [`Cognito::restore_session`] reads it back.
    pub fn session_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.session_store = Some(store);
        self
    }

    /// How long before expiry tokens are refreshed (default: 5 minutes; see [`Session`]).
    pub fn refresh_margin(mut self, margin: time::Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// AWS credentials for the admin methods (pycognito's `access_key` / `secret_key`). Without
    /// them (or [`admin_client`](Self::admin_client)), the admin methods use the environment's.
    pub fn admin_credentials(
        mut self,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.admin_credentials = Some(cognito_admin::static_credentials(
            access_key.into(),
            secret_key.into(),
            None,
        ));
        self
    }

    /// A ready admin client (any credentials provider, transport, ...).
    pub fn admin_client(mut self, admin: AdminClient) -> Self {
        self.admin = Some(admin);
        self
    }

    /// Where remembered devices are kept (default: in memory).
    pub fn device_store(mut self, store: Arc<dyn DeviceStore>) -> Self {
        self.device_store = Some(store);
        self
    }

    /// What to do with new devices after sign-in (default: [`DevicePolicy::Never`]).
    pub fn device_policy(mut self, policy: DevicePolicy) -> Self {
        self.device_policy = policy;
        self
    }

    /// How tokens are refreshed (default `REFRESH_TOKEN_AUTH`).
    pub fn refresh_mode(mut self, mode: RefreshMode) -> Self {
        self.refresh_mode = mode;
        self
    }

    /// The clock (token expiry, verification); tests use a manual one.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds it. No network access happens here.
    pub fn build(self) -> Result<Cognito, PycognitoError> {
        let admin = match self.admin {
            Some(a) => a,
            None => {
                let mut b = AdminClient::builder().pool_id(self.pool_id.clone());
                if let Some(url) = &self.endpoint_url {
                    b = b.endpoint_url(url.clone());
                }
                if let Some(creds) = self.admin_credentials {
                    b = b.credentials(creds);
                }
                b.build()?
            }
        };
        let configure = |mut auth: cognito_auth::CognitoAuthBuilder| {
            auth = auth
                .device_policy(self.device_policy)
                .refresh_mode(self.refresh_mode)
                .clock(self.clock.clone());
            if let Some(secret) = &self.client_secret {
                auth = auth.client_secret(secret.clone());
            }
            if let Some(store) = &self.device_store {
                auth = auth.device_store(store.clone());
            }
            if let Some(store) = &self.session_store {
                auth = auth.session_store(store.clone());
            }
            if let Some(margin) = self.refresh_margin {
                auth = auth.refresh_margin(margin);
            }
            auth
        };
        let mut user = CognitoAuth::builder(self.pool_id.clone(), self.client_id.clone());
        if let Some(url) = &self.endpoint_url {
            user = user.endpoint_url(url.clone());
        }
        let auth = configure(user).build().map_err(PycognitoError::sign_in)?;
        let admin_auth = configure(admin.auth(self.client_id.clone()))
            .clock(self.clock.clone())
            .build()
            .map_err(PycognitoError::sign_in)?;
        let now = self.clock.now();
        let session = match self.tokens {
            None => None,
            Some((id, access, refresh)) => {
                let tokens = TokenSet::builder()
                    .expires_at(expiry_of(access.expose()).unwrap_or(now))
                    .access_token(access)
                    .id_token(id)
                    .refresh_token(refresh)
                    .build()
                    .map_err(|e| PycognitoError::sign_in(e.into()))?;
                let name = self.username.clone().unwrap_or_default();
                Some(auth.session(SessionState::new(
                    self.pool_id.clone(),
                    self.client_id.clone(),
                    name,
                    tokens,
                )))
            }
        };
        Ok(Cognito {
            auth,
            admin_auth,
            admin,
            pool: PoolId::parse(&self.pool_id).ok(),
            user_pool_id: self.pool_id,
            client_id: self.client_id,
            endpoint_url: self.endpoint_url,
            issuer: self.issuer,
            username: self.username,
            session,
            pending: None,
            verifiers: None,
            id_claims: None,
            access_claims: None,
            base_attributes: BTreeMap::new(),
            custom_attributes: BTreeMap::new(),
            clock: self.clock,
        })
    }
}

/// The `exp` of a token, read without verification.
fn expiry_of(token: &str) -> Option<OffsetDateTime> {
    let exp = cognito_auth::unverified_claims(token)?
        .get("exp")?
        .as_i64()?;
    OffsetDateTime::from_unix_timestamp(exp).ok()
}

impl Cognito {
    /// Starts building a `Cognito` for a user pool and an app client.
    pub fn builder(
        user_pool_id: impl Into<String>,
        client_id: impl Into<String>,
    ) -> CognitoBuilder {
        CognitoBuilder {
            pool_id: user_pool_id.into(),
            client_id: client_id.into(),
            client_secret: None,
            username: None,
            endpoint_url: None,
            issuer: None,
            tokens: None,
            admin: None,
            admin_credentials: None,
            device_store: None,
            device_policy: DevicePolicy::Never,
            refresh_mode: RefreshMode::RefreshTokenAuth,
            refresh_margin: None,
            session_store: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// The user pool id.
    pub fn user_pool_id(&self) -> &str {
        &self.user_pool_id
    }

    /// The region of the user pool ([`PoolId::region`]; for an id that is not a valid pool id,
    /// which only an explicit endpoint URL lets through, the text before its first `_`).
    pub fn user_pool_region(&self) -> &str {
        match &self.pool {
            Some(pool) => pool.region(),
            None => self
                .user_pool_id
                .split_once('_')
                .map_or(self.user_pool_id.as_str(), |(r, _)| r),
        }
    }

    /// The issuer of the pool's tokens (pycognito's `user_pool_url`): the one set with
    /// [`CognitoBuilder::issuer`], else `<endpoint URL>/<pool id>` with an endpoint URL, else
    /// Cognito's `https://cognito-idp.<region>.<partition's DNS suffix>/<pool id>`
    /// ([`PoolId::issuer`]).
    ///
    /// ```
    /// let cognito = pycognito::Cognito::builder("cn-north-1_AbC", "client-id")
    ///     .admin_credentials("AKID", "SECRET")
    ///     .build()?;
    /// assert_eq!(cognito.user_pool_region(), "cn-north-1");
    /// assert_eq!(
    ///     cognito.user_pool_url(),
    ///     "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC"
    /// );
    /// # Ok::<(), pycognito::PycognitoError>(())
    /// ```
    pub fn user_pool_url(&self) -> String {
        if let Some(iss) = &self.issuer {
            return iss.clone();
        }
        match (&self.endpoint_url, &self.pool) {
            (Some(url), _) => format!("{url}/{}", self.user_pool_id),
            (None, Some(pool)) => pool.issuer(),
            // Without an endpoint URL, build() refuses an invalid pool id; pycognito's format.
            (None, None) => format!(
                "https://cognito-idp.{}.amazonaws.com/{}",
                self.user_pool_region(),
                self.user_pool_id
            ),
        }
    }

    /// The app client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The username.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// Sets the username (for the next authenticate, forgot password, ...).
    pub fn set_username(&mut self, username: impl Into<String>) {
        self.username = Some(username.into());
    }

    /// The tokens as they are now, when signed in (the session refreshes them when they are
    /// used; see [`Session`]).
    pub fn tokens(&self) -> Option<TokenSet> {
        self.session.as_ref().map(Session::tokens)
    }

    /// The session handle, when signed in: clone it to share the user with other tasks or the
    /// bearer middleware ([`BearerAuthLayer`](crate::BearerAuthLayer)); a refresh through any
    /// handle is seen by all.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Reads the session back from the [session store](CognitoBuilder::session_store) (the
    /// tokens of an earlier run); whether there was one.
    pub async fn restore_session(&mut self) -> Result<bool, PycognitoError> {
        let restored = self.auth.restore().await.map_err(PycognitoError::sign_in)?;
        if let Some(session) = restored {
            self.username = Some(session.sign_in_name());
            self.signed_in(session);
            return Ok(true);
        }
        Ok(false)
    }

    /// The id token.
    pub fn id_token(&self) -> Option<SensitiveString> {
        self.tokens().map(|t| t.id_token)
    }

    /// The access token.
    pub fn access_token(&self) -> Option<SensitiveString> {
        self.tokens().map(|t| t.access_token)
    }

    /// The refresh token.
    pub fn refresh_token(&self) -> Option<SensitiveString> {
        self.tokens().and_then(|t| t.refresh_token)
    }

    /// The token type (`Bearer`).
    pub fn token_type(&self) -> Option<String> {
        self.tokens().map(|t| t.token_type)
    }

    /// When the id and access tokens expire.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.session.as_ref().map(Session::expires_at)
    }

    /// The verified claims of the id token (after [`verify_tokens`](Self::verify_tokens)).
    pub fn id_claims(&self) -> Option<&Claims> {
        self.id_claims.as_ref()
    }

    /// The verified claims of the access token (after [`verify_tokens`](Self::verify_tokens)).
    pub fn access_claims(&self) -> Option<&Claims> {
        self.access_claims.as_ref()
    }

    /// The underlying user-side client (sign-in state machine driver, self-service operations).
    pub fn auth(&self) -> &CognitoAuth {
        &self.auth
    }

    /// The underlying admin client.
    pub fn admin(&self) -> &AdminClient {
        &self.admin
    }

    /// Attributes sent with [`register`](Self::register) (pycognito's `set_base_attributes`).
    pub fn set_base_attributes<K: Into<String>, V: Into<String>>(
        &mut self,
        attributes: impl IntoIterator<Item = (K, V)>,
    ) {
        self.base_attributes = attributes
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
    }

    /// Custom attributes sent with [`register`](Self::register), named without `custom:`
    /// (pycognito's `add_custom_attributes`).
    pub fn add_custom_attributes<K: Into<String>, V: Into<String>>(
        &mut self,
        attributes: impl IntoIterator<Item = (K, V)>,
    ) {
        self.custom_attributes = attributes
            .into_iter()
            .map(|(k, v)| (format!("custom:{}", k.into()), v.into()))
            .collect();
    }

    pub(crate) fn require_username(&self) -> Result<&str, PycognitoError> {
        self.username.as_deref().ok_or(PycognitoError::NoUsername)
    }

    pub(crate) fn require_session(&self) -> Result<&Session, PycognitoError> {
        self.session.as_ref().ok_or(PycognitoError::NotSignedIn)
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}
