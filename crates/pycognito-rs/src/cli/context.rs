//! Building clients from the global options, and the kept session.
//!
//! The session lives in a [`FileSessionStore`] at the session path, handed to the
//! [`CognitoAuth`] builder: signing in saves it there, [`Session`] refreshes save it again (a
//! rotated refresh token is never lost), sign-out and revocation clear it, and
//! [`CognitoAuth::restore`] reads it back. No code of the CLI refreshes tokens or writes the
//! session file itself.

use super::{CliError, Global};
use cognito_auth::{
    CognitoAuth, DevicePolicy, FileDeviceStore, FileSessionStore, NextAction, RefreshMode, Session,
    SessionState, SessionStore,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the session is kept: `--session-file`, else `$XDG_CONFIG_HOME/pycognito/session.json`,
/// else `~/.config/pycognito/session.json`.
pub fn session_path(g: &Global) -> PathBuf {
    if let Some(p) = &g.session_file {
        return p.clone();
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("pycognito").join("session.json")
}

/// The session store at the session path.
pub fn session_store(g: &Global) -> FileSessionStore {
    FileSessionStore::new(session_path(g))
}

/// The error of a command that needs a session when none is kept.
fn no_session(g: &Global) -> CliError {
    CliError::said(
        NextAction::SignInAgain,
        format!(
            "no session at {}: run `pycognito login` first",
            session_path(g).display()
        ),
    )
}

/// The kept session's stored form, read only (for `verify`, which checks the kept token as it
/// is, and for the pool and client ids a command falls back to). An unreadable or old-format
/// file is an error that says to sign in again.
pub fn kept_state(g: &Global) -> Result<Option<SessionState>, CliError> {
    Ok(session_store(g).load()?)
}

/// The signed-in user: the kept session as a live handle, on a client with the session store
/// (and the device store, when given) so that refreshes and device changes are saved. Its
/// tokens are refreshed by the [`Session`] when they expire within the client's margin.
pub async fn signed_in(g: &Global, device_store: Option<&Path>) -> Result<Session, CliError> {
    let kept = kept_state(g)?.ok_or_else(|| no_session(g))?;
    let auth = client(g, Some(&kept), device_store, DevicePolicy::Never)?;
    auth.restore().await?.ok_or_else(|| no_session(g))
}

/// The pool id: `--pool-id`, else the kept session's.
pub fn pool_id(g: &Global, kept: Option<&SessionState>) -> Result<String, CliError> {
    g.pool_id
        .clone()
        .or_else(|| kept.map(|s| s.pool_id.clone()))
        .ok_or_else(|| CliError::usage("missing --pool-id (or PYCOGNITO_POOL_ID)"))
}

/// The app client id: `--client-id`, else the kept session's.
pub fn client_id(g: &Global, kept: Option<&SessionState>) -> Result<String, CliError> {
    g.client_id
        .clone()
        .or_else(|| kept.map(|s| s.client_id.clone()))
        .ok_or_else(|| CliError::usage("missing --client-id (or PYCOGNITO_CLIENT_ID)"))
}

/// The user-side client (no AWS credentials), with the session store at the session path, a
/// device store when given, and a device policy.
pub fn client(
    g: &Global,
    kept: Option<&SessionState>,
    device_store: Option<&Path>,
    policy: DevicePolicy,
) -> Result<CognitoAuth, CliError> {
    client_with(g, kept, device_store, policy, None)
}

/// [`client`], with a passkey authenticator that answers `WEB_AUTHN`.
pub fn client_with(
    g: &Global,
    kept: Option<&SessionState>,
    device_store: Option<&Path>,
    policy: DevicePolicy,
    authenticator: Option<Arc<dyn cognito_auth::WebAuthnAuthenticator>>,
) -> Result<CognitoAuth, CliError> {
    let mut b = CognitoAuth::builder(pool_id(g, kept)?, client_id(g, kept)?)
        .device_policy(policy)
        .device_name("pycognito-cli")
        .session_store(Arc::new(session_store(g)));
    if let Some(secret) = &g.client_secret {
        b = b.client_secret(secret.clone());
    }
    if let Some(url) = &g.endpoint_url {
        b = b.endpoint_url(url.clone());
    }
    if let Some(path) = device_store {
        b = b.device_store(Arc::new(FileDeviceStore::new(path)));
    }
    if g.token_rotation {
        b = b.refresh_mode(RefreshMode::Rotation);
    }
    if let Some(a) = authenticator {
        b = b.webauthn_authenticator(a);
    }
    Ok(b.build()?)
}

/// The user-side client for commands without a session (sign-up, confirmation, password reset).
pub fn auth(g: &Global) -> Result<CognitoAuth, CliError> {
    client(g, None, None, DevicePolicy::Never)
}

/// The admin client, signed (SigV4) with the standard AWS environment variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) or, when
/// `AWS_ACCESS_KEY_ID` is not set, with the profile `AWS_PROFILE` (default `default`) of the
/// shared credentials and config files (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`). The
/// region: `--region` / `AWS_REGION`, else the profile's (profile mode), else the pool id's.
pub async fn admin(g: &Global) -> Result<cognito_admin::AdminClient, CliError> {
    let mut b = cognito_admin::AdminClient::builder().pool_id(pool_id(g, None)?);
    let mut region = g.region.clone();
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty()) {
        b = b.env_credentials();
    } else {
        b = b.profile_credentials(None);
        if region.is_none() {
            region = cognito_admin::AdminClient::profile_region(None).await;
        }
    }
    if let Some(region) = region {
        b = b.region(region);
    }
    if let Some(url) = &g.endpoint_url {
        b = b.endpoint_url(url.clone());
    }
    Ok(b.build()?)
}
