//! The SigV4-signed methods: `admin_*`, users, groups, identity providers, app clients.

use super::account::to_cognito_map;
use super::{Cognito, Group, User};
use crate::PycognitoError;
use cognito_admin::{AttributeMap, NewUser, UserQuery};
use cognito_wire::{
    IdentityProviderType, IdentityProviderTypeType, UpdateIdentityProviderRequest,
    UpdateUserPoolClientRequest, UserPoolClientType,
};
use std::collections::BTreeMap;

impl Cognito {
    /// Confirms a sign-up without a code (`AdminConfirmSignUp`); `username` defaults to this
    /// value's.
    pub async fn admin_confirm_sign_up(
        &self,
        username: Option<&str>,
    ) -> Result<(), PycognitoError> {
        let username = match username {
            Some(u) => u,
            None => self.require_username()?,
        };
        Ok(self.admin.confirm_sign_up(username).await?)
    }

    /// Resets a user's password (`AdminResetUserPassword`): they must set a new one with a code.
    pub async fn admin_reset_password(
        &self,
        username: &str,
        client_metadata: Option<BTreeMap<String, String>>,
    ) -> Result<(), PycognitoError> {
        Ok(self
            .admin
            .reset_user_password(username, client_metadata)
            .await?)
    }

    /// This value's user (`AdminGetUser`), attributes renamed by `attr_map`.
    pub async fn admin_get_user(
        &self,
        attr_map: Option<&AttributeMap>,
    ) -> Result<User, PycognitoError> {
        let resp = self.admin.get_user(self.require_username()?).await?;
        let mut user = User::new(
            resp.username.expose(),
            resp.user_attributes.as_deref().unwrap_or_default(),
            attr_map.cloned().unwrap_or_default(),
        );
        user.metadata.username = Some(resp.username.expose().to_owned());
        user.metadata.enabled = resp.enabled;
        user.metadata.user_status = resp.user_status.as_ref().map(|s| s.as_str().to_owned());
        user.metadata.preferred_mfa_setting = resp.preferred_mfa_setting;
        user.metadata.user_mfa_setting_list = resp.user_mfa_setting_list.unwrap_or_default();
        Ok(user)
    }

    /// Every user of the pool (`ListUsers`, every page).
    pub async fn get_users(
        &self,
        attr_map: Option<&AttributeMap>,
    ) -> Result<Vec<User>, PycognitoError> {
        let users = self.admin.list_users_all(UserQuery::new()).await?;
        let map = attr_map.cloned().unwrap_or_default();
        Ok(users
            .iter()
            .map(|u| User::from_user_type(u, map.clone()))
            .collect())
    }

    /// Creates a user (`AdminCreateUser`): `temporary_password` `None` lets Cognito generate one;
    /// attributes go through `attr_map`. Use [`admin`](Self::admin) with a
    /// [`NewUser`] for every other option.
    pub async fn admin_create_user(
        &self,
        username: &str,
        temporary_password: Option<&str>,
        attributes: &BTreeMap<String, String>,
        attr_map: Option<&AttributeMap>,
    ) -> Result<User, PycognitoError> {
        let mut new = NewUser::new(username);
        if let Some(p) = temporary_password {
            new = new.temporary_password(p);
        }
        for (name, value) in to_cognito_map(attributes, attr_map) {
            new = new.attribute(name, value);
        }
        let created = self.admin.create_user(new).await?;
        Ok(User::from_user_type(
            &created,
            attr_map.cloned().unwrap_or_default(),
        ))
    }

    /// Updates this value's user's attributes (`AdminUpdateUserAttributes`).
    pub async fn admin_update_profile(
        &self,
        attrs: &BTreeMap<String, String>,
        attr_map: Option<&AttributeMap>,
    ) -> Result<(), PycognitoError> {
        let default = AttributeMap::new();
        let attributes = attr_map.unwrap_or(&default).to_attributes(attrs);
        Ok(self
            .admin
            .update_user_attributes(self.require_username()?, attributes)
            .await?)
    }

    /// Deletes this value's user (`AdminDeleteUser`).
    pub async fn admin_delete_user(&mut self) -> Result<(), PycognitoError> {
        self.admin.delete_user(self.require_username()?).await?;
        self.session = None;
        Ok(())
    }

    /// Enables a user (`AdminEnableUser`).
    pub async fn admin_enable_user(&self, username: &str) -> Result<(), PycognitoError> {
        Ok(self.admin.enable_user(username).await?)
    }

    /// Disables a user (`AdminDisableUser`). (pycognito disables its own username whatever the
    /// argument; this disables `username`.)
    pub async fn admin_disable_user(&self, username: &str) -> Result<(), PycognitoError> {
        Ok(self.admin.disable_user(username).await?)
    }

    /// A group by name (`GetGroup`).
    pub async fn get_group(&self, group_name: &str) -> Result<Group, PycognitoError> {
        Ok(self.admin.get_group(group_name).await?.into())
    }

    /// Every group of the pool (`ListGroups`, every page: pycognito reads only the first).
    pub async fn get_groups(&self) -> Result<Vec<Group>, PycognitoError> {
        Ok(self
            .admin
            .list_groups_all()
            .await?
            .into_iter()
            .map(Group::from)
            .collect())
    }

    /// Adds a user to a group (`AdminAddUserToGroup`).
    pub async fn admin_add_user_to_group(
        &self,
        username: &str,
        group_name: &str,
    ) -> Result<(), PycognitoError> {
        Ok(self.admin.add_user_to_group(username, group_name).await?)
    }

    /// Removes a user from a group (`AdminRemoveUserFromGroup`).
    pub async fn admin_remove_user_from_group(
        &self,
        username: &str,
        group_name: &str,
    ) -> Result<(), PycognitoError> {
        Ok(self
            .admin
            .remove_user_from_group(username, group_name)
            .await?)
    }

    /// The names of a user's groups (`AdminListGroupsForUser`, every page).
    pub async fn admin_list_groups_for_user(
        &self,
        username: &str,
    ) -> Result<Vec<String>, PycognitoError> {
        Ok(self
            .admin
            .list_groups_for_user_all(username)
            .await?
            .into_iter()
            .filter_map(|g| g.group_name)
            .collect())
    }

    /// Creates an identity provider in this pool (`CreateIdentityProvider`).
    pub async fn admin_create_identity_provider(
        &self,
        provider_name: &str,
        provider_type: IdentityProviderTypeType,
        provider_details: BTreeMap<String, String>,
    ) -> Result<IdentityProviderType, PycognitoError> {
        Ok(self
            .admin
            .create_identity_provider(provider_name, provider_type, provider_details)
            .await?)
    }

    /// An identity provider of this pool (`DescribeIdentityProvider`).
    pub async fn admin_describe_identity_provider(
        &self,
        provider_name: &str,
    ) -> Result<IdentityProviderType, PycognitoError> {
        Ok(self.admin.describe_identity_provider(provider_name).await?)
    }

    /// Updates an identity provider (`UpdateIdentityProvider`).
    pub async fn admin_update_identity_provider(
        &self,
        request: &UpdateIdentityProviderRequest,
    ) -> Result<IdentityProviderType, PycognitoError> {
        Ok(self.admin.update_identity_provider(request).await?)
    }

    /// An app client of this pool (`DescribeUserPoolClient`).
    pub async fn describe_user_pool_client(
        &self,
        client_id: &str,
    ) -> Result<UserPoolClientType, PycognitoError> {
        Ok(self.admin.describe_user_pool_client(client_id).await?)
    }

    /// Updates an app client (`UpdateUserPoolClient`). Like Cognito, unset fields are reset to
    /// their defaults: start from [`describe_user_pool_client`](Self::describe_user_pool_client).
    pub async fn admin_update_user_pool_client(
        &self,
        request: &UpdateUserPoolClientRequest,
    ) -> Result<UserPoolClientType, PycognitoError> {
        Ok(self.admin.update_user_pool_client(request).await?)
    }
}
