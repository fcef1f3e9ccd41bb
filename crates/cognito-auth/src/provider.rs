//! [`TokenProvider`]: always-valid tokens, refreshed shortly before expiry, one refresh shared by
//! every concurrent caller.

use crate::{CognitoAuth, Error, Session, SignInOutcome};
use cognito_wire::{BoxFuture, SensitiveString, ServiceErrorKind};
use srp_core::Password;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::Duration;

/// Called with the session after every refresh or re-sign-in (to persist the new tokens).
pub type PersistHook = Arc<dyn Fn(&Session) + Send + Sync>;

/// Gives the password again when the refresh token no longer works (`None`: give up).
pub type PasswordSource = Arc<dyn Fn() -> BoxFuture<'static, Option<Password>> + Send + Sync>;

/// Hands out valid tokens for one signed-in user.
///
/// Tokens are refreshed when they expire within the margin (default 5 minutes). The session sits
/// behind an async mutex held across the refresh, so concurrent callers wait for the one refresh
/// in flight and then share its result (single flight). When the refresh token is rejected and a
/// [`PasswordSource`] was given, the user is signed in again (without prompts: a sign-in that
/// needs an answer fails).
pub struct TokenProvider {
    auth: CognitoAuth,
    session: tokio::sync::Mutex<Session>,
    margin: Duration,
    persist: Option<PersistHook>,
    password: Option<PasswordSource>,
    refreshes: AtomicU64,
}

impl std::fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenProvider")
            .field("auth", &self.auth)
            .field("margin", &self.margin)
            .field("refreshes", &self.refreshes.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider for a session.
    pub fn new(auth: CognitoAuth, session: Session) -> Self {
        TokenProvider {
            auth,
            session: tokio::sync::Mutex::new(session),
            margin: Duration::minutes(5),
            persist: None,
            password: None,
            refreshes: AtomicU64::new(0),
        }
    }

    /// Refresh when the tokens expire within this margin.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Called after every refresh or re-sign-in.
    pub fn on_refresh(mut self, hook: PersistHook) -> Self {
        self.persist = Some(hook);
        self
    }

    /// How to get the password again when refreshing is impossible.
    pub fn reauthenticate_with(mut self, source: PasswordSource) -> Self {
        self.password = Some(source);
        self
    }

    /// How many refreshes (or re-sign-ins) this provider has performed.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// A valid access token.
    pub async fn access_token(&self) -> Result<SensitiveString, Error> {
        Ok(self.session().await?.tokens.access_token)
    }

    /// A valid id token.
    pub async fn id_token(&self) -> Result<SensitiveString, Error> {
        Ok(self.session().await?.tokens.id_token)
    }

    /// The session, with tokens valid for at least the margin.
    pub async fn session(&self) -> Result<Session, Error> {
        let mut session = self.session.lock().await;
        if session.tokens.expires_within(self.auth.now(), self.margin) {
            self.renew(&mut session).await?;
        }
        Ok(session.clone())
    }

    /// Refreshes now, whatever the expiry.
    pub async fn force_refresh(&self) -> Result<Session, Error> {
        let mut session = self.session.lock().await;
        self.renew(&mut session).await?;
        Ok(session.clone())
    }

    async fn renew(&self, session: &mut Session) -> Result<(), Error> {
        match self.auth.refresh(session).await {
            Ok(tokens) => session.tokens = tokens,
            Err(e) if refresh_is_impossible(&e) && self.password.is_some() => {
                let source = self.password.as_ref().ok_or(Error::NoRefreshToken)?;
                let password = source().await.ok_or(e)?;
                let config = self.auth.config(&session.sign_in_name).password(password);
                match self.auth.sign_in_with(config).await? {
                    SignInOutcome::SignedIn(new) => *session = *new,
                    SignInOutcome::NeedsInput(p) => {
                        return Err(Error::Config(format!(
                            "re-sign-in needs an answer ({:?}); a token provider cannot prompt",
                            p.question()
                        )));
                    }
                }
            }
            Err(e) => return Err(e),
        }
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        if let Some(hook) = &self.persist {
            hook(session);
        }
        Ok(())
    }
}

fn refresh_is_impossible(e: &Error) -> bool {
    matches!(e, Error::NoRefreshToken)
        || matches!(
            e.service_error(),
            Some(ServiceErrorKind::NotAuthorizedException(_))
        )
        || matches!(
            e.service_error(),
            Some(ServiceErrorKind::RefreshTokenReuseException(_))
        )
}
