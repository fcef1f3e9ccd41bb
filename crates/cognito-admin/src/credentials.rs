//! Where AWS credentials come from: explicit keys, the standard environment variables, or any
//! `aws-credential-types` provider (and, with the `aws-config` feature, the full default chain).
//!
//! Every source ends up as an
//! [`SharedCredentialsProvider`](aws_credential_types::provider::SharedCredentialsProvider) in
//! the [`SigV4Signer`](crate::SigV4Signer), which caches what it gets and asks again shortly
//! before temporary credentials expire.

use std::sync::Arc;

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};

/// Environment variable with the access key id.
pub const ENV_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// Environment variable with the secret access key.
pub const ENV_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Environment variable with the session token of temporary credentials.
pub const ENV_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";

/// The `provider_name` of credentials made by [`static_credentials`].
pub const STATIC_PROVIDER_NAME: &str = "cognito-admin-static";
/// The `provider_name` of credentials loaded by [`EnvCredentials`].
pub const ENV_PROVIDER_NAME: &str = "cognito-admin-environment";

/// Credentials from explicit keys (and a session token for temporary credentials). They never
/// expire as far as the signer is concerned.
///
/// ```
/// let creds = cognito_admin::static_credentials("AKIDEXAMPLE", "secret", None);
/// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
/// assert!(!format!("{creds:?}").contains("secret\""));
/// ```
pub fn static_credentials(
    access_key_id: impl Into<String>,
    secret_access_key: impl Into<String>,
    session_token: Option<String>,
) -> Credentials {
    Credentials::new(
        access_key_id,
        secret_access_key,
        session_token,
        None,
        STATIC_PROVIDER_NAME,
    )
}

/// An environment-variable lookup.
type EnvFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and (optionally) `AWS_SESSION_TOKEN`
/// whenever credentials are asked for. Empty values count as unset. The lookup is injectable for
/// tests.
///
/// Credentials from the environment carry no expiry, so a [`SigV4Signer`](crate::SigV4Signer)
/// loads them once and keeps them; use a provider that sets an expiry to have them re-read.
///
/// ```
/// use cognito_admin::EnvCredentials;
/// let env = EnvCredentials::with_env(|k| match k {
///     "AWS_ACCESS_KEY_ID" => Some("AKID".into()),
///     "AWS_SECRET_ACCESS_KEY" => Some("shh".into()),
///     _ => None,
/// });
/// let creds = env.load().unwrap();
/// assert_eq!(creds.access_key_id(), "AKID");
/// assert_eq!(creds.session_token(), None);
/// assert!(EnvCredentials::with_env(|_| None).load().is_err());
/// ```
#[derive(Clone)]
pub struct EnvCredentials {
    env: EnvFn,
}

impl std::fmt::Debug for EnvCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvCredentials").finish_non_exhaustive()
    }
}

impl Default for EnvCredentials {
    fn default() -> Self {
        Self::new()
    }
}

impl EnvCredentials {
    /// Reads the process environment.
    pub fn new() -> Self {
        Self::with_env(|k| std::env::var(k).ok())
    }

    /// Reads through `env` instead of the process environment.
    pub fn with_env(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self { env: Arc::new(env) }
    }

    /// Loads the credentials now.
    pub fn load(&self) -> Result<Credentials, CredentialsError> {
        let get = |k: &str| (self.env)(k).filter(|v| !v.trim().is_empty());
        let access_key_id = get(ENV_ACCESS_KEY_ID).ok_or_else(|| {
            CredentialsError::not_loaded(format!("{ENV_ACCESS_KEY_ID} is not set"))
        })?;
        let secret = get(ENV_SECRET_ACCESS_KEY).ok_or_else(|| {
            CredentialsError::not_loaded(format!("{ENV_SECRET_ACCESS_KEY} is not set"))
        })?;
        Ok(Credentials::new(
            access_key_id.trim(),
            secret.trim(),
            get(ENV_SESSION_TOKEN).map(|t| t.trim().to_owned()),
            None,
            ENV_PROVIDER_NAME,
        ))
    }
}

impl ProvideCredentials for EnvCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(self.load())
    }
}
