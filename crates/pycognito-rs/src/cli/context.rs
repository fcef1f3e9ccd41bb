//! Building clients from the global options, and the kept session file.

use super::{CliError, Global};
use cognito_auth::{CognitoAuth, DeviceCredentials, FileDeviceStore, Session, TokenSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `login` keeps for later commands (mode 0600, replaced atomically).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct StoredSession {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub sign_in_name: String,
    pub tokens: TokenSet,
    pub device: Option<DeviceCredentials>,
    /// A device Cognito assigned but that is not remembered: (key, group key). With device
    /// tracking on, refreshes must send its key.
    #[serde(default)]
    pub offered_device: Option<(String, String)>,
}

impl StoredSession {
    pub fn from_session(auth: &CognitoAuth, s: &Session) -> Self {
        StoredSession {
            pool_id: auth.pool_id().to_owned(),
            client_id: auth.client_id().to_owned(),
            username: s.username.clone(),
            sign_in_name: s.sign_in_name.clone(),
            tokens: s.tokens.clone(),
            device: s.device.clone(),
            offered_device: s
                .new_device
                .as_ref()
                .map(|d| (d.device_key.clone(), d.device_group_key.clone())),
        }
    }

    pub fn session(&self) -> Session {
        Session {
            tokens: self.tokens.clone(),
            username: self.username.clone(),
            sign_in_name: self.sign_in_name.clone(),
            device: self.device.clone(),
            new_device: self
                .offered_device
                .as_ref()
                .map(|(key, group)| cognito_auth::NewDevice {
                    device_key: key.clone(),
                    device_group_key: group.clone(),
                }),
        }
    }
}

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

pub fn load_session(g: &Global) -> Result<StoredSession, CliError> {
    let path = session_path(g);
    let bytes = std::fs::read(&path).map_err(|e| {
        CliError(format!(
            "no session at {} ({e}): run `pycognito login` first",
            path.display()
        ))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError(format!("session file {} is corrupt: {e}", path.display())))
}

/// How close to expiry the kept access token may be before a command refreshes it first.
const REFRESH_MARGIN: time::Duration = time::Duration::seconds(60);

/// The kept session and a client for it, with the tokens refreshed first (and the refreshed
/// session saved) when the access token expires within a minute and a refresh token is kept.
/// Commands that send the access token (`whoami`, `devices`, `mfa`, `change-password`,
/// `logout`) use this, so a session from yesterday still works.
pub async fn live_session(g: &Global) -> Result<(StoredSession, CognitoAuth), CliError> {
    let mut stored = load_session(g)?;
    let auth = auth(g, Some(&stored), None)?;
    let now = time::OffsetDateTime::now_utc();
    if stored.tokens.expires_within(now, REFRESH_MARGIN) && stored.tokens.refresh_token.is_some() {
        stored.tokens = auth.refresh(&stored.session()).await?;
        save_session(g, &stored)?;
        tracing::debug!("refreshed the kept session's tokens before use");
    }
    Ok((stored, auth))
}

pub fn save_session(g: &Global, s: &StoredSession) -> Result<(), CliError> {
    write_private(&session_path(g), &serde_json::to_vec_pretty(s)?)
}

pub fn forget_session(g: &Global) -> Result<(), CliError> {
    match std::fs::remove_file(session_path(g)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes a file readable only by its owner, atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    Ok(cognito_auth::write_private_file(path, bytes)?)
}

pub fn pool_id(g: &Global, stored: Option<&StoredSession>) -> Result<String, CliError> {
    g.pool_id
        .clone()
        .or_else(|| stored.map(|s| s.pool_id.clone()))
        .ok_or_else(|| CliError::usage("missing --pool-id (or PYCOGNITO_POOL_ID)"))
}

pub fn client_id(g: &Global, stored: Option<&StoredSession>) -> Result<String, CliError> {
    g.client_id
        .clone()
        .or_else(|| stored.map(|s| s.client_id.clone()))
        .ok_or_else(|| CliError::usage("missing --client-id (or PYCOGNITO_CLIENT_ID)"))
}

/// The user-side client (no AWS credentials).
pub fn auth(
    g: &Global,
    stored: Option<&StoredSession>,
    device_store: Option<&Path>,
) -> Result<CognitoAuth, CliError> {
    auth_with_policy(g, stored, device_store, cognito_auth::DevicePolicy::Never)
}

/// The user-side client with a device policy.
pub fn auth_with_policy(
    g: &Global,
    stored: Option<&StoredSession>,
    device_store: Option<&Path>,
    policy: cognito_auth::DevicePolicy,
) -> Result<CognitoAuth, CliError> {
    let mut b = CognitoAuth::builder(pool_id(g, stored)?, client_id(g, stored)?)
        .device_policy(policy)
        .device_name("pycognito-cli");
    if let Some(secret) = &g.client_secret {
        b = b.client_secret(secret.as_str());
    }
    if let Some(url) = &g.endpoint_url {
        b = b.endpoint_url(url.clone());
    }
    if let Some(path) = device_store {
        b = b.device_store(Arc::new(FileDeviceStore::new(path)));
    }
    Ok(b.build()?)
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
