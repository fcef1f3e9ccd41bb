//! The `aws-config` feature: the full AWS default credential chain (environment, profiles, SSO,
//! web identity, ECS, IMDS).

use aws_config::BehaviorVersion;
use aws_credential_types::provider::error::CredentialsError;

use crate::client::{AdminClient, AdminClientBuilder};
use crate::error::AdminError;

impl AdminClient {
    /// A client for `pool_id` with credentials from the AWS default chain
    /// (`aws_config::load_defaults(BehaviorVersion::latest())`). The region comes from the pool
    /// id, as the pool lives there whatever the profile says.
    pub async fn from_env(pool_id: impl Into<String>) -> Result<AdminClient, AdminError> {
        Self::builder_from_env(pool_id).await?.build()
    }

    /// A builder like [`from_env`](Self::from_env) to adjust before building.
    pub async fn builder_from_env(
        pool_id: impl Into<String>,
    ) -> Result<AdminClientBuilder, AdminError> {
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        let provider = config.credentials_provider().ok_or_else(|| {
            AdminError::Credentials(CredentialsError::not_loaded(
                "the AWS default chain has no credentials provider",
            ))
        })?;
        Ok(AdminClient::builder()
            .pool_id(pool_id)
            .shared_credentials_provider(provider))
    }
}
