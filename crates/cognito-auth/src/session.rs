//! [`Session`]: the one handle on a signed-in user. It owns the tokens, refreshes them before
//! they expire (one refresh in flight however many callers), keeps the device, saves every
//! change to its [`SessionStore`](crate::SessionStore), and performs the user's own operations
//! with a valid access token.

use crate::{CognitoAuth, DeviceCredentials, Error, NewDevice, SignInOutcome, TokenSet};
use cognito_wire::{BoxFuture, SensitiveString, ServiceErrorKind};
use srp_core::Password;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The version of [`SessionState`]'s stored form written by this release.
pub const SESSION_STATE_VERSION: u32 = 1;

/// Everything a signed-in user is: the stored form of a [`Session`] (versioned serde; see
/// [`to_json`](Self::to_json)). Secrets in it are [`SensitiveString`]s or secret types.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SessionState {
    /// The stored form's version ([`SESSION_STATE_VERSION`]).
    pub version: u32,
    /// The user pool.
    pub pool_id: String,
    /// The app client.
    pub client_id: String,
    /// The user's name as Cognito knows it (the access token's `username`; `SECRET_HASH` of
    /// refreshes uses it).
    pub username: String,
    /// The name the user signed in with (the key of the device store).
    pub sign_in_name: String,
    /// The tokens.
    pub tokens: TokenSet,
    /// The remembered device in use (used to sign in, or confirmed at this sign-in).
    pub device: Option<DeviceCredentials>,
    /// The device Cognito assigned at this sign-in when it is not (yet) remembered: confirmed but
    /// not marked remembered, or not confirmed (then `device` is `None`). With device tracking
    /// on, refresh tokens are bound to it, so refreshes send its key.
    pub new_device: Option<NewDevice>,
    /// The base URL of the pool domain this session came from (the authorization code flow,
    /// [`CognitoAuth::sign_in_with_code`]): it refreshes through that domain's token endpoint
    /// and revokes at its revocation endpoint. `None` (and absent from the stored form) for
    /// sessions from the API's sign-in; stored forms written before it existed read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_domain: Option<String>,
}

impl SessionState {
    /// A state for tokens obtained elsewhere (e.g. kept by an older program, or from the OAuth
    /// token endpoint), for this pool and app client.
    pub fn new(
        pool_id: impl Into<String>,
        client_id: impl Into<String>,
        sign_in_name: impl Into<String>,
        tokens: TokenSet,
    ) -> Self {
        let sign_in_name = sign_in_name.into();
        SessionState {
            version: SESSION_STATE_VERSION,
            pool_id: pool_id.into(),
            client_id: client_id.into(),
            username: tokens.username().unwrap_or_else(|| sign_in_name.clone()),
            sign_in_name,
            tokens,
            device: None,
            new_device: None,
            oauth_domain: None,
        }
    }

    /// The stored form: pretty JSON with `"version": 1`.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of strings, numbers and options always serializes.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Reads the stored form; the error says what is wrong (another version, not a session).
    pub fn from_json(bytes: &[u8]) -> Result<SessionState, String> {
        #[derive(serde::Deserialize)]
        struct Version {
            version: Option<u32>,
        }
        let version: Version =
            serde_json::from_slice(bytes).map_err(|e| format!("not a session: {e}"))?;
        match version.version {
            Some(SESSION_STATE_VERSION) => {
                serde_json::from_slice(bytes).map_err(|e| format!("not a session: {e}"))
            }
            Some(other) => Err(format!(
                "stored form version {other}; this release reads version {SESSION_STATE_VERSION}"
            )),
            None => Err("written by an older release (no version)".to_owned()),
        }
    }

    /// The key of the device Cognito binds refresh tokens to, if any.
    pub fn device_key(&self) -> Option<&str> {
        self.device
            .as_ref()
            .map(|d| d.device_key.as_str())
            .or_else(|| self.new_device.as_ref().map(|d| d.device_key.as_str()))
    }
}

/// Gives the password again when the refresh token no longer works (`None`: give up).
pub type PasswordSource = Arc<dyn Fn() -> BoxFuture<'static, Option<Password>> + Send + Sync>;

/// A signed-in user: the one place tokens live.
///
/// Cloning a `Session` gives another handle on the same user (share it between tasks, hand it
/// to the bearer middleware): a refresh done through one handle is seen by all. Tokens are
/// refreshed when they expire within the client's refresh margin (default 5 minutes,
/// [`CognitoAuthBuilder::refresh_margin`](crate::CognitoAuthBuilder::refresh_margin)); callers
/// that ask at the same time wait for the one refresh in flight and share its result. With
/// refresh-token rotation ([`RefreshMode::Rotation`](crate::RefreshMode::Rotation)) the new
/// refresh token replaces the old one at once, in memory and in the store. Refreshes send the
/// device key when the session has one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use cognito_auth::{CognitoAuth, MemorySessionStore, SignInOutcome};
/// use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec, UserSpec};
/// use std::sync::Arc;
///
/// let emulator = Emulator::start(EmulatorConfig::default()).await?;
/// let pool_id = emulator.create_pool(PoolSpec::named("example"))?;
/// let app = emulator.create_client(&pool_id, ClientSpec::public("app"))?;
/// emulator.create_user(&pool_id, UserSpec::new("alice", "Passw0rd!"))?;
///
/// let store = Arc::new(MemorySessionStore::default());
/// let auth = CognitoAuth::builder(&pool_id, &app.client_id)
///     .endpoint_url(emulator.url())
///     .session_store(store.clone())
///     .build()?;
/// let SignInOutcome::SignedIn(session) = auth.sign_in("alice", "Passw0rd!").await? else {
///     return Err("alice has no MFA: no question expected".into());
/// };
/// assert_eq!(session.get_user().await?.username.expose(), "alice");
/// let token = session.access_token().await?; // refreshed first when about to expire
/// assert!(!token.expose().is_empty());
/// // The next run starts from the store instead of the password.
/// let again = auth.restore().await?.ok_or("the store keeps the session")?;
/// assert_eq!(again.username(), "alice");
/// session.sign_out().await?; // GlobalSignOut, and the store forgets it
/// assert!(auth.restore().await?.is_none());
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    auth: CognitoAuth,
    /// The state; held only for short reads and writes, never across IO.
    state: Mutex<SessionState>,
    /// Held across a refresh: the single flight.
    refreshing: tokio::sync::Mutex<()>,
    password: Mutex<Option<PasswordSource>>,
    refreshes: AtomicU64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("Session")
            .field("pool_id", &state.pool_id)
            .field("client_id", &state.client_id)
            .field("username", &state.username)
            .field("expires_at", &state.tokens.expires_at)
            .field("device", &state.device_key())
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(auth: CognitoAuth, state: SessionState) -> Self {
        Session {
            inner: Arc::new(SessionInner {
                auth,
                state: Mutex::new(state),
                refreshing: tokio::sync::Mutex::new(()),
                password: Mutex::new(None),
                refreshes: AtomicU64::new(0),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SessionState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The client this session belongs to.
    pub fn auth(&self) -> &CognitoAuth {
        &self.inner.auth
    }

    /// A copy of the whole state (the stored form).
    pub fn state(&self) -> SessionState {
        self.lock().clone()
    }

    /// The tokens as they are now (possibly about to expire: use
    /// [`access_token`](Self::access_token) / [`fresh_tokens`](Self::fresh_tokens) to send them).
    pub fn tokens(&self) -> TokenSet {
        self.lock().tokens.clone()
    }

    /// The user's name as Cognito knows it.
    pub fn username(&self) -> String {
        self.lock().username.clone()
    }

    /// The name the user signed in with.
    pub fn sign_in_name(&self) -> String {
        self.lock().sign_in_name.clone()
    }

    /// The remembered device in use.
    pub fn device(&self) -> Option<DeviceCredentials> {
        self.lock().device.clone()
    }

    /// The device Cognito assigned at this sign-in when it is not (yet) remembered.
    pub fn new_device(&self) -> Option<NewDevice> {
        self.lock().new_device.clone()
    }

    /// When the access and id tokens expire.
    pub fn expires_at(&self) -> time::OffsetDateTime {
        self.lock().tokens.expires_at
    }

    /// How many refreshes (or re-sign-ins) this session performed.
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.load(Ordering::Relaxed)
    }

    /// How to get the password again when the refresh token no longer works (revoked, expired,
    /// or already rotated away): the session then signs in again with it, without prompts (a
    /// sign-in that asks a question fails with [`Error::Config`]).
    pub fn reauthenticate_with(&self, source: PasswordSource) {
        *self
            .inner
            .password
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(source);
    }

    /// A valid access token (refreshed first when it expires within the margin).
    pub async fn access_token(&self) -> Result<SensitiveString, Error> {
        Ok(self.fresh_tokens().await?.access_token)
    }

    /// A valid id token (refreshed first when it expires within the margin).
    pub async fn id_token(&self) -> Result<SensitiveString, Error> {
        Ok(self.fresh_tokens().await?.id_token)
    }

    /// Tokens valid for at least the refresh margin.
    pub async fn fresh_tokens(&self) -> Result<TokenSet, Error> {
        let margin = self.inner.auth.inner.refresh_margin;
        if !self.tokens().expires_within(self.inner.auth.now(), margin) {
            return Ok(self.tokens());
        }
        let _flight = self.inner.refreshing.lock().await;
        // Another caller may have refreshed while this one waited.
        let current = self.tokens();
        if !current.expires_within(self.inner.auth.now(), margin) {
            return Ok(current);
        }
        self.renew().await?;
        Ok(self.tokens())
    }

    /// Refreshes now, whatever the expiry; returns the new tokens.
    pub async fn refresh(&self) -> Result<TokenSet, Error> {
        let _flight = self.inner.refreshing.lock().await;
        self.renew().await?;
        Ok(self.tokens())
    }

    /// Refresh (the flight lock is held by the caller), or sign in again when the refresh token
    /// no longer works and a password source was given.
    async fn renew(&self) -> Result<(), Error> {
        let state = self.state();
        match self.inner.auth.refresh_tokens(&state).await {
            Ok(refreshed) => {
                let mut state = self.lock();
                state.tokens.merge_refresh(refreshed);
            }
            Err(e) if refresh_is_impossible(&e) => {
                let source = self
                    .inner
                    .password
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let Some(source) = source else {
                    return Err(e);
                };
                let password = source().await.ok_or(e)?;
                let config = self
                    .inner
                    .auth
                    .config(&state.sign_in_name)
                    .password(password);
                match self.inner.auth.sign_in_with(config).await? {
                    SignInOutcome::SignedIn(new) => {
                        let fresh = new.state();
                        *self.lock() = fresh;
                    }
                    SignInOutcome::NeedsInput(p) => {
                        return Err(Error::Config(format!(
                            "signing in again needs an answer ({}); a session cannot prompt",
                            p.question().label()
                        )));
                    }
                }
            }
            Err(e) => return Err(e),
        }
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
        // A rotated refresh token that cannot be kept must not be lost silently: the caller
        // hears of it (the session in memory holds the new tokens and keeps working).
        self.save()
    }

    /// Saves the state to the client's session store. On failure the session in memory stays
    /// valid and the error says the store could not keep it.
    pub(crate) fn save(&self) -> Result<(), Error> {
        if let Some(store) = &self.inner.auth.inner.session_store {
            let state = self.state();
            if let Err(e) = store.save(&state) {
                tracing::warn!(error = %e, "the session could not be saved; it stays valid in memory");
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// Changes the device state (after confirming or remembering a device).
    pub(crate) fn update(&self, change: impl FnOnce(&mut SessionState)) -> Result<(), Error> {
        change(&mut self.lock());
        self.save()
    }

    /// Forgets the session in the store (after sign-out or revocation).
    fn forget(&self) -> Result<(), Error> {
        if let Some(store) = &self.inner.auth.inner.session_store {
            store.clear()?;
        }
        Ok(())
    }

    /// Signs the user out of every device (`GlobalSignOut`: every refresh token of the user is
    /// revoked) and forgets the session in the store. A session from the code flow needs the
    /// `aws.cognito.signin.user.admin` scope for it (as for every user operation of the API);
    /// [`revoke`](Self::revoke) needs no scope.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let token = self.access_token().await?;
        self.inner.auth.global_sign_out(&token).await?;
        self.forget()
    }

    /// Revokes this session's refresh token (the tokens it issued stop working) and forgets the
    /// session in the store: at the domain's revocation endpoint (RFC 7009) for a session from
    /// the code flow, else with the API's `RevokeToken`.
    pub async fn revoke(&self) -> Result<(), Error> {
        let token = self.tokens().refresh_token.ok_or(Error::NoRefreshToken)?;
        match self.oauth_domain() {
            Some(domain) => self.inner.auth.revoke_at(&domain, &token).await?,
            None => self.inner.auth.revoke_token(&token).await?,
        }
        self.forget()
    }
}

fn refresh_is_impossible(e: &Error) -> bool {
    matches!(e, Error::NoRefreshToken)
        || matches!(
            e,
            Error::OAuth(crate::oauth::OAuthError::Refused {
                code: crate::oauth::OAuthErrorCode::InvalidGrant,
                ..
            })
        )
        || matches!(
            e.service_error(),
            Some(ServiceErrorKind::NotAuthorizedException(_))
                | Some(ServiceErrorKind::RefreshTokenReuseException(_))
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_is_kept_and_old_stored_forms_still_read() {
        let tokens = TokenSet::builder()
            .access_token("a.b.c")
            .id_token("d.e.f")
            .expires_at(time::OffsetDateTime::UNIX_EPOCH)
            .build()
            .unwrap();
        let mut state = SessionState::new("us-east-1_A", "cid", "alice", tokens);
        let srp = state.to_json();
        // A session from the API's sign-in is stored as before: no new member.
        assert!(!String::from_utf8_lossy(&srp).contains("oauth_domain"));
        assert_eq!(SessionState::from_json(&srp).unwrap().oauth_domain, None);
        state.oauth_domain = Some("https://my-app.auth.us-east-1.amazoncognito.com".into());
        let back = SessionState::from_json(&state.to_json()).unwrap();
        assert_eq!(back, state);
        // Written by the release before the code flow (no `oauth_domain`).
        let old = br#"{"version":1,"pool_id":"us-east-1_A","client_id":"cid","username":"alice",
            "sign_in_name":"alice","tokens":{"access_token":"a.b.c","id_token":"d.e.f",
            "refresh_token":null,"token_type":"Bearer","expires_at":0},"device":null,
            "new_device":null}"#;
        assert_eq!(SessionState::from_json(old).unwrap().oauth_domain, None);
    }
}
