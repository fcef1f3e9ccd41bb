//! The `aws-config` feature: the full AWS default credential chain (environment, profiles, SSO,
//! web identity, ECS, IMDS). The `aws-profile` feature: credentials and region from a profile of
//! the shared config and credentials files only.

#[cfg(feature = "aws-config")]
use aws_config::BehaviorVersion;
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::{ProfileFileCredentialsProvider, ProfileFileRegionProvider};
use aws_config::provider_config::ProviderConfig;
#[cfg(feature = "aws-config")]
use aws_credential_types::provider::error::CredentialsError;

use crate::client::{AdminClient, AdminClientBuilder};
#[cfg(feature = "aws-config")]
use crate::error::AdminError;

impl AdminClientBuilder {
    /// Credentials from a profile of the shared credentials and config files
    /// (`aws_config::profile::ProfileFileCredentialsProvider`): `profile`, or `AWS_PROFILE`, or
    /// `default`; the files from `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`, by default
    /// `~/.aws/credentials` and `~/.aws/config`. The files are read at the first request.
    ///
    /// With only the `aws-profile` feature, profiles that need an HTTP client or a process
    /// (`role_arn`, SSO, `credential_process`) fail; the `aws-config` feature supports them.
    pub fn profile_credentials(self, profile: Option<&str>) -> Self {
        let mut builder = ProfileFileCredentialsProvider::builder().configure(&provider_config());
        if let Some(name) = profile {
            builder = builder.profile_name(name);
        }
        self.credentials_provider(builder.build())
    }
}

/// What the profile provider runs with: with the `aws-config` feature, its default HTTP client;
/// without it, a client that refuses every request (`aws-config` builds the IMDS and STS
/// providers of a profile eagerly and panics without any client).
fn provider_config() -> ProviderConfig {
    let config = ProviderConfig::without_region();
    if cfg!(feature = "aws-config") {
        config
    } else {
        config.with_http_client(no_http::client())
    }
}

mod no_http {
    use aws_smithy_runtime_api::client::http::{
        HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector, http_client_fn,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    #[derive(Debug)]
    struct Refuse;

    impl HttpConnector for Refuse {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            HttpConnectorFuture::ready(Err(ConnectorError::other(
                "this AWS profile needs an HTTP client (assume role, IMDS): \
                 build cognito-admin with the `aws-config` feature"
                    .into(),
                None,
            )))
        }
    }

    pub(super) fn client() -> SharedHttpClient {
        http_client_fn(|_, _| SharedHttpConnector::new(Refuse))
    }
}

impl AdminClient {
    /// The `region` of a profile of the shared config and credentials files (`profile`, or
    /// `AWS_PROFILE`, or `default`; following `source_profile`), if it has one.
    pub async fn profile_region(profile: Option<&str>) -> Option<String> {
        let mut builder = ProfileFileRegionProvider::builder();
        if let Some(name) = profile {
            builder = builder.profile_name(name);
        }
        builder
            .build()
            .region()
            .await
            .map(|region| region.as_ref().to_owned())
    }
}

#[cfg(feature = "aws-config")]
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
