//! User pool, app client, MFA configuration and identity provider operations.
//!
//! These take the full request types of `cognito-wire` where Cognito's settings are many
//! (`CreateUserPool`, `CreateUserPoolClient`, `UpdateUserPoolClient`, `SetUserPoolMfaConfig`,
//! identity providers): build them with `XRequest::new(..)` and set what you need.

use std::collections::BTreeMap;

use cognito_wire::{
    CreateIdentityProviderRequest, CreateUserPoolClientRequest, CreateUserPoolRequest,
    DeleteIdentityProviderRequest, DeleteUserPoolClientRequest, DeleteUserPoolRequest,
    DescribeIdentityProviderRequest, DescribeUserPoolClientRequest, DescribeUserPoolRequest,
    GetUserPoolMfaConfigRequest, GetUserPoolMfaConfigResponse, IdentityProviderType,
    IdentityProviderTypeType, ListIdentityProvidersRequest, ListIdentityProvidersResponse,
    ListUserPoolClientsRequest, ListUserPoolClientsResponse, ProviderDescription, SensitiveString,
    SetUserPoolMfaConfigRequest, SetUserPoolMfaConfigResponse, UpdateIdentityProviderRequest,
    UpdateUserPoolClientRequest, UserPoolClientDescription, UserPoolClientType, UserPoolType, op,
};

use crate::client::AdminClient;
use crate::error::AdminError;
use crate::paginate::{self, ItemStream};

fn missing(operation: &'static str, member: &'static str) -> AdminError {
    AdminError::MissingMember { operation, member }
}

impl AdminClient {
    /// `CreateUserPool`: the created pool (use [`AdminClient::with_pool_id`] with its id to
    /// work in it). Needs no pool id on this client.
    pub async fn create_user_pool(
        &self,
        request: &CreateUserPoolRequest,
    ) -> Result<UserPoolType, AdminError> {
        let out = self.call::<op::CreateUserPool>(request).await?;
        out.user_pool
            .ok_or_else(|| missing("CreateUserPool", "UserPool"))
    }

    /// `DescribeUserPool` of this client's pool.
    pub async fn describe_user_pool(&self) -> Result<UserPoolType, AdminError> {
        let out = self
            .call::<op::DescribeUserPool>(
                &DescribeUserPoolRequest::builder()
                    .user_pool_id(self.pool_id())
                    .build()?,
            )
            .await?;
        out.user_pool
            .ok_or_else(|| missing("DescribeUserPool", "UserPool"))
    }

    /// `DeleteUserPool` of this client's pool.
    pub async fn delete_user_pool(&self) -> Result<(), AdminError> {
        self.call::<op::DeleteUserPool>(
            &DeleteUserPoolRequest::builder()
                .user_pool_id(self.pool_id())
                .build()?,
        )
        .await?;
        Ok(())
    }

    /// `CreateUserPoolClient`: the created app client (with its secret when one was generated).
    pub async fn create_user_pool_client(
        &self,
        request: &CreateUserPoolClientRequest,
    ) -> Result<UserPoolClientType, AdminError> {
        let out = self.call::<op::CreateUserPoolClient>(request).await?;
        out.user_pool_client
            .ok_or_else(|| missing("CreateUserPoolClient", "UserPoolClient"))
    }

    /// `DescribeUserPoolClient`.
    pub async fn describe_user_pool_client(
        &self,
        client_id: impl Into<SensitiveString>,
    ) -> Result<UserPoolClientType, AdminError> {
        let req = DescribeUserPoolClientRequest::builder()
            .client_id(client_id)
            .user_pool_id(self.pool_id())
            .build()?;
        let out = self.call::<op::DescribeUserPoolClient>(&req).await?;
        out.user_pool_client
            .ok_or_else(|| missing("DescribeUserPoolClient", "UserPoolClient"))
    }

    /// `UpdateUserPoolClient`: the updated app client. Cognito resets every setting the request
    /// leaves out to its default.
    pub async fn update_user_pool_client(
        &self,
        request: &UpdateUserPoolClientRequest,
    ) -> Result<UserPoolClientType, AdminError> {
        let out = self.call::<op::UpdateUserPoolClient>(request).await?;
        out.user_pool_client
            .ok_or_else(|| missing("UpdateUserPoolClient", "UserPoolClient"))
    }

    /// `DeleteUserPoolClient`.
    pub async fn delete_user_pool_client(
        &self,
        client_id: impl Into<SensitiveString>,
    ) -> Result<(), AdminError> {
        let req = DeleteUserPoolClientRequest::builder()
            .client_id(client_id)
            .user_pool_id(self.pool_id())
            .build()?;
        self.call::<op::DeleteUserPoolClient>(&req).await?;
        Ok(())
    }

    /// One page of `ListUserPoolClients`.
    pub async fn list_user_pool_clients_page(
        &self,
        request: &ListUserPoolClientsRequest,
    ) -> Result<ListUserPoolClientsResponse, AdminError> {
        self.call::<op::ListUserPoolClients>(request).await
    }

    /// Every app client of the pool, over all pages.
    pub fn list_user_pool_clients_stream(&self) -> ItemStream<UserPoolClientDescription> {
        paginate::boxed_items::<op::ListUserPoolClients>(
            self.wire().clone(),
            ListUserPoolClientsRequest::builder()
                .user_pool_id(self.pool_id())
                .build(),
        )
    }

    /// Every app client of the pool, collected.
    pub async fn list_user_pool_clients_all(
        &self,
    ) -> Result<Vec<UserPoolClientDescription>, AdminError> {
        paginate::all::<op::ListUserPoolClients>(
            self.wire().clone(),
            ListUserPoolClientsRequest::builder()
                .user_pool_id(self.pool_id())
                .build()?,
        )
        .await
    }

    /// `GetUserPoolMfaConfig` of this client's pool.
    pub async fn get_user_pool_mfa_config(
        &self,
    ) -> Result<GetUserPoolMfaConfigResponse, AdminError> {
        self.call::<op::GetUserPoolMfaConfig>(
            &GetUserPoolMfaConfigRequest::builder()
                .user_pool_id(self.pool_id())
                .build()?,
        )
        .await
    }

    /// `SetUserPoolMfaConfig`.
    pub async fn set_user_pool_mfa_config(
        &self,
        request: &SetUserPoolMfaConfigRequest,
    ) -> Result<SetUserPoolMfaConfigResponse, AdminError> {
        self.call::<op::SetUserPoolMfaConfig>(request).await
    }

    /// `CreateIdentityProvider` in this client's pool (pycognito's
    /// `admin_create_identity_provider`); see
    /// [`create_identity_provider_with`](Self::create_identity_provider_with) for attribute
    /// mapping and identifiers.
    pub async fn create_identity_provider(
        &self,
        name: impl Into<String>,
        provider_type: IdentityProviderTypeType,
        details: BTreeMap<String, String>,
    ) -> Result<IdentityProviderType, AdminError> {
        let req = CreateIdentityProviderRequest::builder()
            .provider_details(details)
            .provider_name(name)
            .provider_type(provider_type)
            .user_pool_id(self.pool_id())
            .build()?;
        self.create_identity_provider_with(&req).await
    }

    /// `CreateIdentityProvider` with a full request.
    pub async fn create_identity_provider_with(
        &self,
        request: &CreateIdentityProviderRequest,
    ) -> Result<IdentityProviderType, AdminError> {
        Ok(self
            .call::<op::CreateIdentityProvider>(request)
            .await?
            .identity_provider)
    }

    /// `DescribeIdentityProvider`.
    pub async fn describe_identity_provider(
        &self,
        name: impl Into<String>,
    ) -> Result<IdentityProviderType, AdminError> {
        let req = DescribeIdentityProviderRequest::builder()
            .provider_name(name)
            .user_pool_id(self.pool_id())
            .build()?;
        Ok(self
            .call::<op::DescribeIdentityProvider>(&req)
            .await?
            .identity_provider)
    }

    /// `UpdateIdentityProvider`.
    pub async fn update_identity_provider(
        &self,
        request: &UpdateIdentityProviderRequest,
    ) -> Result<IdentityProviderType, AdminError> {
        Ok(self
            .call::<op::UpdateIdentityProvider>(request)
            .await?
            .identity_provider)
    }

    /// `DeleteIdentityProvider`.
    pub async fn delete_identity_provider(
        &self,
        name: impl Into<String>,
    ) -> Result<(), AdminError> {
        let req = DeleteIdentityProviderRequest::builder()
            .provider_name(name)
            .user_pool_id(self.pool_id())
            .build()?;
        self.call::<op::DeleteIdentityProvider>(&req).await?;
        Ok(())
    }

    /// One page of `ListIdentityProviders`.
    pub async fn list_identity_providers_page(
        &self,
        request: &ListIdentityProvidersRequest,
    ) -> Result<ListIdentityProvidersResponse, AdminError> {
        self.call::<op::ListIdentityProviders>(request).await
    }

    /// Every identity provider of the pool, over all pages.
    pub fn list_identity_providers_stream(&self) -> ItemStream<ProviderDescription> {
        paginate::boxed_items::<op::ListIdentityProviders>(
            self.wire().clone(),
            ListIdentityProvidersRequest::builder()
                .user_pool_id(self.pool_id())
                .build(),
        )
    }

    /// Every identity provider of the pool, collected.
    pub async fn list_identity_providers_all(
        &self,
    ) -> Result<Vec<ProviderDescription>, AdminError> {
        paginate::all::<op::ListIdentityProviders>(
            self.wire().clone(),
            ListIdentityProvidersRequest::builder()
                .user_pool_id(self.pool_id())
                .build()?,
        )
        .await
    }
}
