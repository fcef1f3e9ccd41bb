//! User and device operations.

use std::collections::BTreeMap;

use cognito_wire::{
    AdminConfirmSignUpRequest, AdminCreateUserRequest, AdminDeleteUserAttributesRequest,
    AdminDeleteUserRequest, AdminDisableUserRequest, AdminEnableUserRequest,
    AdminForgetDeviceRequest, AdminGetDeviceRequest, AdminGetUserRequest, AdminGetUserResponse,
    AdminListDevicesRequest, AdminListDevicesResponse, AdminResetUserPasswordRequest,
    AdminSetUserMFAPreferenceRequest, AdminSetUserPasswordRequest, AdminUpdateDeviceStatusRequest,
    AdminUpdateUserAttributesRequest, AdminUserGlobalSignOutRequest, AttributeType,
    DeliveryMediumType, DeviceRememberedStatusType, DeviceType, ListUsersRequest,
    ListUsersResponse, MessageActionType, SensitiveString, UserType, op,
};

use cognito_auth::MfaPreference;

use crate::attributes::attribute;
use crate::client::AdminClient;
use crate::error::AdminError;
use crate::filter::Filter;
use crate::paginate::{self, ItemStream};

/// A user to create with `AdminCreateUser` (pycognito's `admin_create_user`).
///
/// ```
/// use cognito_admin::NewUser;
/// use cognito_wire::{DeliveryMediumType, MessageActionType};
/// let req = NewUser::new("alice")
///     .temporary_password("Tmp-Passw0rd!")
///     .attribute("email", "alice@example.com")
///     .attribute("email_verified", "true")
///     .delivery_mediums([DeliveryMediumType::Email])
///     .message_action(MessageActionType::Suppress)
///     .into_request("us-east-1_Pool");
/// assert_eq!(req.username.expose(), "alice");
/// assert_eq!(req.user_attributes.as_ref().unwrap().len(), 2);
/// assert_eq!(req.message_action, Some(MessageActionType::Suppress));
/// ```
#[derive(Clone, Debug)]
pub struct NewUser {
    username: SensitiveString,
    temporary_password: Option<SensitiveString>,
    attributes: Vec<AttributeType>,
    validation_data: Vec<AttributeType>,
    message_action: Option<MessageActionType>,
    delivery_mediums: Option<Vec<DeliveryMediumType>>,
    force_alias_creation: Option<bool>,
    client_metadata: Option<BTreeMap<String, String>>,
}

impl NewUser {
    /// A user with this username and nothing else set (Cognito generates a temporary password
    /// and sends the invitation by SMS).
    pub fn new(username: impl Into<SensitiveString>) -> Self {
        NewUser {
            username: username.into(),
            temporary_password: None,
            attributes: Vec::new(),
            validation_data: Vec::new(),
            message_action: None,
            delivery_mediums: None,
            force_alias_creation: None,
            client_metadata: None,
        }
    }

    /// The temporary password (must meet the pool's policy).
    pub fn temporary_password(mut self, password: impl Into<SensitiveString>) -> Self {
        self.temporary_password = Some(password.into());
        self
    }

    /// Adds an attribute, by its Cognito name.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push(attribute(name, value));
        self
    }

    /// Adds attributes (see [`map_to_attributes`](crate::map_to_attributes) to convert a map).
    pub fn attributes(mut self, attributes: impl IntoIterator<Item = AttributeType>) -> Self {
        self.attributes.extend(attributes);
        self
    }

    /// `ValidationData` for a pre sign-up trigger.
    pub fn validation_data(mut self, data: impl IntoIterator<Item = AttributeType>) -> Self {
        self.validation_data.extend(data);
        self
    }

    /// `MessageAction`: `RESEND` or `SUPPRESS`.
    pub fn message_action(mut self, action: MessageActionType) -> Self {
        self.message_action = Some(action);
        self
    }

    /// `MessageAction = SUPPRESS`: no invitation message.
    pub fn suppress_message(self) -> Self {
        self.message_action(MessageActionType::Suppress)
    }

    /// `DesiredDeliveryMediums`.
    pub fn delivery_mediums(
        mut self,
        mediums: impl IntoIterator<Item = DeliveryMediumType>,
    ) -> Self {
        self.delivery_mediums = Some(mediums.into_iter().collect());
        self
    }

    /// `ForceAliasCreation`.
    pub fn force_alias_creation(mut self, on: bool) -> Self {
        self.force_alias_creation = Some(on);
        self
    }

    /// `ClientMetadata` for Lambda triggers.
    pub fn client_metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.client_metadata = Some(metadata);
        self
    }

    /// The `AdminCreateUser` request for pool `pool_id`.
    #[allow(
        clippy::field_reassign_with_default,
        reason = "generated shapes are built with builders or Default, not struct literals (they become #[non_exhaustive])"
    )]
    pub fn into_request(self, pool_id: impl Into<String>) -> AdminCreateUserRequest {
        let mut req = AdminCreateUserRequest::default();
        req.user_pool_id = pool_id.into();
        req.username = self.username;
        req.temporary_password = self.temporary_password;
        req.user_attributes = (!self.attributes.is_empty()).then_some(self.attributes);
        req.validation_data = (!self.validation_data.is_empty()).then_some(self.validation_data);
        req.message_action = self.message_action;
        req.desired_delivery_mediums = self.delivery_mediums;
        req.force_alias_creation = self.force_alias_creation;
        req.client_metadata = self.client_metadata;
        req
    }
}

/// What `ListUsers` returns: an optional [`Filter`], an attribute projection and a page size.
///
/// ```
/// use cognito_admin::{Filter, UserQuery};
/// let req = UserQuery::new()
///     .filter(Filter::eq("email", "a@b"))
///     .attributes(["email", "name"])
///     .page_size(10)
///     .into_request("us-east-1_Pool");
/// assert_eq!(req.filter.as_deref(), Some(r#"email = "a@b""#));
/// assert_eq!(req.attributes_to_get.unwrap(), ["email", "name"]);
/// assert_eq!(req.limit, Some(10));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserQuery {
    filter: Option<Filter>,
    attributes: Option<Vec<String>>,
    page_size: Option<i32>,
}

impl UserQuery {
    /// Every user, every attribute, the service's page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only users matching `filter`.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Only these attributes in the results (`AttributesToGet`; an empty list returns none).
    pub fn attributes<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.attributes = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Users per page (`Limit`, at most 60).
    pub fn page_size(mut self, size: i32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The first-page `ListUsers` request for pool `pool_id`.
    #[allow(
        clippy::field_reassign_with_default,
        reason = "generated shapes are built with builders or Default, not struct literals (they become #[non_exhaustive])"
    )]
    pub fn into_request(self, pool_id: impl Into<String>) -> ListUsersRequest {
        let mut req = ListUsersRequest::default();
        req.user_pool_id = pool_id.into();
        req.filter = self.filter.map(|f| f.to_string());
        req.attributes_to_get = self.attributes;
        req.limit = self.page_size;
        req
    }
}

impl AdminClient {
    /// `AdminCreateUser`: the created user.
    pub async fn create_user(&self, user: NewUser) -> Result<UserType, AdminError> {
        let out = self
            .call::<op::AdminCreateUser>(&user.into_request(self.pool_id()))
            .await?;
        out.user.ok_or(AdminError::MissingMember {
            operation: "AdminCreateUser",
            member: "User",
        })
    }

    /// `AdminGetUser`.
    pub async fn get_user(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<AdminGetUserResponse, AdminError> {
        self.call::<op::AdminGetUser>(
            &AdminGetUserRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await
    }

    /// One page of `ListUsers` (the request's `PaginationToken` says which).
    pub async fn list_users_page(
        &self,
        request: &ListUsersRequest,
    ) -> Result<ListUsersResponse, AdminError> {
        self.call::<op::ListUsers>(request).await
    }

    /// Every user matching `query`, over all pages.
    pub fn list_users_stream(&self, query: UserQuery) -> ItemStream<UserType> {
        paginate::boxed_items::<op::ListUsers>(
            self.wire().clone(),
            Ok(query.into_request(self.pool_id())),
        )
    }

    /// Every user matching `query`, collected.
    pub async fn list_users_all(&self, query: UserQuery) -> Result<Vec<UserType>, AdminError> {
        paginate::all::<op::ListUsers>(self.wire().clone(), query.into_request(self.pool_id()))
            .await
    }

    /// `AdminUpdateUserAttributes` (see [`map_to_attributes`](crate::map_to_attributes)).
    pub async fn update_user_attributes(
        &self,
        username: impl Into<SensitiveString>,
        attributes: Vec<AttributeType>,
    ) -> Result<(), AdminError> {
        let req = AdminUpdateUserAttributesRequest::builder()
            .user_attributes(attributes)
            .user_pool_id(self.pool_id())
            .username(username)
            .build()?;
        self.call::<op::AdminUpdateUserAttributes>(&req).await?;
        Ok(())
    }

    /// `AdminDeleteUserAttributes`.
    pub async fn delete_user_attributes<S: Into<String>>(
        &self,
        username: impl Into<SensitiveString>,
        names: impl IntoIterator<Item = S>,
    ) -> Result<(), AdminError> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        let req = AdminDeleteUserAttributesRequest::builder()
            .user_attribute_names(names)
            .user_pool_id(self.pool_id())
            .username(username)
            .build()?;
        self.call::<op::AdminDeleteUserAttributes>(&req).await?;
        Ok(())
    }

    /// `AdminDeleteUser`.
    pub async fn delete_user(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<(), AdminError> {
        self.call::<op::AdminDeleteUser>(
            &AdminDeleteUserRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await?;
        Ok(())
    }

    /// `AdminEnableUser`.
    pub async fn enable_user(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<(), AdminError> {
        self.call::<op::AdminEnableUser>(
            &AdminEnableUserRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await?;
        Ok(())
    }

    /// `AdminDisableUser`.
    pub async fn disable_user(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<(), AdminError> {
        self.call::<op::AdminDisableUser>(
            &AdminDisableUserRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await?;
        Ok(())
    }

    /// `AdminResetUserPassword`.
    pub async fn reset_user_password(
        &self,
        username: impl Into<SensitiveString>,
        client_metadata: Option<BTreeMap<String, String>>,
    ) -> Result<(), AdminError> {
        let req = AdminResetUserPasswordRequest::builder()
            .user_pool_id(self.pool_id())
            .username(username)
            .set_client_metadata(client_metadata)
            .build()?;
        self.call::<op::AdminResetUserPassword>(&req).await?;
        Ok(())
    }

    /// `AdminSetUserPassword`: `permanent` confirms the user; otherwise the password is
    /// temporary (`FORCE_CHANGE_PASSWORD`).
    pub async fn set_user_password(
        &self,
        username: impl Into<SensitiveString>,
        password: impl Into<SensitiveString>,
        permanent: bool,
    ) -> Result<(), AdminError> {
        let req = AdminSetUserPasswordRequest::builder()
            .password(password)
            .user_pool_id(self.pool_id())
            .username(username)
            .permanent(permanent)
            .build()?;
        self.call::<op::AdminSetUserPassword>(&req).await?;
        Ok(())
    }

    /// `AdminConfirmSignUp`.
    pub async fn confirm_sign_up(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<(), AdminError> {
        self.call::<op::AdminConfirmSignUp>(
            &AdminConfirmSignUpRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await?;
        Ok(())
    }

    /// `AdminUserGlobalSignOut`: revokes the user's refresh tokens.
    pub async fn user_global_sign_out(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<(), AdminError> {
        self.call::<op::AdminUserGlobalSignOut>(
            &AdminUserGlobalSignOutRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await?;
        Ok(())
    }

    /// `AdminSetUserMFAPreference`.
    pub async fn set_user_mfa_preference(
        &self,
        username: impl Into<SensitiveString>,
        preference: MfaPreference,
    ) -> Result<(), AdminError> {
        let (sms, totp, email) = preference.settings();
        let req = AdminSetUserMFAPreferenceRequest::builder()
            .user_pool_id(self.pool_id())
            .username(username)
            .set_sms_mfa_settings(sms)
            .set_software_token_mfa_settings(totp)
            .set_email_mfa_settings(email)
            .build()?;
        self.call::<op::AdminSetUserMFAPreference>(&req).await?;
        Ok(())
    }

    /// One page of `AdminListDevices`.
    pub async fn list_devices_page(
        &self,
        request: &AdminListDevicesRequest,
    ) -> Result<AdminListDevicesResponse, AdminError> {
        self.call::<op::AdminListDevices>(request).await
    }

    /// Every device of a user, over all pages.
    pub fn list_devices_stream(
        &self,
        username: impl Into<SensitiveString>,
    ) -> ItemStream<DeviceType> {
        paginate::boxed_items::<op::AdminListDevices>(
            self.wire().clone(),
            AdminListDevicesRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build(),
        )
    }

    /// Every device of a user, collected.
    pub async fn list_devices_all(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<Vec<DeviceType>, AdminError> {
        paginate::all::<op::AdminListDevices>(
            self.wire().clone(),
            AdminListDevicesRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await
    }

    /// `AdminGetDevice`.
    pub async fn get_device(
        &self,
        username: impl Into<SensitiveString>,
        device_key: impl Into<String>,
    ) -> Result<DeviceType, AdminError> {
        let req = AdminGetDeviceRequest::builder()
            .device_key(device_key)
            .user_pool_id(self.pool_id())
            .username(username)
            .build()?;
        Ok(self.call::<op::AdminGetDevice>(&req).await?.device)
    }

    /// `AdminUpdateDeviceStatus`: remembered or not.
    pub async fn update_device_status(
        &self,
        username: impl Into<SensitiveString>,
        device_key: impl Into<String>,
        remembered: bool,
    ) -> Result<(), AdminError> {
        let status = if remembered {
            DeviceRememberedStatusType::Remembered
        } else {
            DeviceRememberedStatusType::NotRemembered
        };
        let req = AdminUpdateDeviceStatusRequest::builder()
            .device_key(device_key)
            .user_pool_id(self.pool_id())
            .username(username)
            .device_remembered_status(status)
            .build()?;
        self.call::<op::AdminUpdateDeviceStatus>(&req).await?;
        Ok(())
    }

    /// `AdminForgetDevice`.
    pub async fn forget_device(
        &self,
        username: impl Into<SensitiveString>,
        device_key: impl Into<String>,
    ) -> Result<(), AdminError> {
        let req = AdminForgetDeviceRequest::builder()
            .device_key(device_key)
            .user_pool_id(self.pool_id())
            .username(username)
            .build()?;
        self.call::<op::AdminForgetDevice>(&req).await?;
        Ok(())
    }
}
