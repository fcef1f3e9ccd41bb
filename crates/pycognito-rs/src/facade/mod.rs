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
    Clock, CognitoAuth, DevicePolicy, DeviceStore, RefreshMode, Session, SystemClock, TokenSet,
};
use cognito_wire::{PoolId, SensitiveString};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// A sign-in waiting for an answer.
#[derive(Debug)]
enum Pending {
    User(Box<cognito_auth::PendingSignIn>),
    Admin(Box<cognito_admin::PendingSignIn>),
}

impl Pending {
    fn question(&self) -> &cognito_auth::Question {
        match self {
            Pending::User(p) => p.question(),
            Pending::Admin(p) => p.question(),
        }
    }
}

/// pycognito's `Cognito`: a user of a user pool and app client, with their tokens.
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
    pending: Option<Pending>,
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
    client_secret: Option<String>,
    username: Option<String>,
    endpoint_url: Option<String>,
    issuer: Option<String>,
    tokens: Option<(String, String, Option<String>)>,
    admin: Option<AdminClient>,
    admin_credentials: Option<cognito_admin::Credentials>,
    device_store: Option<Arc<dyn DeviceStore>>,
    device_policy: DevicePolicy,
    refresh_mode: RefreshMode,
    clock: Arc<dyn Clock>,
}

impl CognitoBuilder {
    /// The app client secret (pycognito's `client_secret`).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
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
        id_token: impl Into<String>,
        access_token: impl Into<String>,
        refresh_token: Option<String>,
    ) -> Self {
        self.tokens = Some((id_token.into(), access_token.into(), refresh_token));
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
        let mut auth = CognitoAuth::builder(self.pool_id.clone(), self.client_id.clone())
            .device_policy(self.device_policy)
            .refresh_mode(self.refresh_mode)
            .clock(self.clock.clone());
        if let Some(secret) = &self.client_secret {
            auth = auth.client_secret(secret.as_str());
        }
        if let Some(url) = &self.endpoint_url {
            auth = auth.endpoint_url(url.clone());
        }
        if let Some(store) = self.device_store {
            auth = auth.device_store(store);
        }
        let auth = auth.build().map_err(PycognitoError::sign_in)?;
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
        let now = self.clock.now();
        let session = self.tokens.map(|(id, access, refresh)| {
            let tokens = TokenSet {
                expires_at: expiry_of(&access).unwrap_or(now),
                access_token: SensitiveString::from(access.as_str()),
                id_token: SensitiveString::from(id.as_str()),
                refresh_token: refresh.map(|r| SensitiveString::from(r.as_str())),
                token_type: "Bearer".to_owned(),
            };
            let name = self.username.clone().unwrap_or_default();
            Session {
                username: tokens.username().unwrap_or_else(|| name.clone()),
                sign_in_name: name,
                tokens,
                device: None,
                new_device: None,
            }
        });
        Ok(Cognito {
            auth,
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

    /// The tokens, when signed in.
    pub fn tokens(&self) -> Option<&TokenSet> {
        self.session.as_ref().map(|s| &s.tokens)
    }

    /// The session (tokens, Cognito's username, device), when signed in.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The id token.
    pub fn id_token(&self) -> Option<&SensitiveString> {
        self.tokens().map(|t| &t.id_token)
    }

    /// The access token.
    pub fn access_token(&self) -> Option<&SensitiveString> {
        self.tokens().map(|t| &t.access_token)
    }

    /// The refresh token.
    pub fn refresh_token(&self) -> Option<&SensitiveString> {
        self.tokens().and_then(|t| t.refresh_token.as_ref())
    }

    /// The token type (`Bearer`).
    pub fn token_type(&self) -> Option<&str> {
        self.tokens().map(|t| t.token_type.as_str())
    }

    /// When the id and access tokens expire.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.tokens().map(|t| t.expires_at)
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

    /// A [`TokenProvider`](cognito_auth::TokenProvider) over the current session (for
    /// [`BearerAuthLayer`](crate::BearerAuthLayer)): refreshes before expiry, one refresh
    /// shared by concurrent callers.
    pub fn token_provider(&self) -> Result<cognito_auth::TokenProvider, PycognitoError> {
        let session = self.session.clone().ok_or(PycognitoError::NotSignedIn)?;
        Ok(cognito_auth::TokenProvider::new(self.auth.clone(), session))
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

    pub(crate) fn require_access_token(&self) -> Result<SensitiveString, PycognitoError> {
        Ok(self.require_session()?.tokens.access_token.clone())
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}
