//! Group operations.

use cognito_wire::{
    AdminAddUserToGroupRequest, AdminListGroupsForUserRequest, AdminRemoveUserFromGroupRequest,
    CreateGroupRequest, DeleteGroupRequest, GetGroupRequest, GroupType, ListGroupsRequest,
    ListGroupsResponse, ListUsersInGroupRequest, SensitiveString, UpdateGroupRequest, UserType, op,
};

use crate::client::AdminClient;
use crate::error::AdminError;
use crate::paginate::{self, ItemStream};

/// A group's settings for `CreateGroup` / `UpdateGroup`. Unset members are not sent (on update,
/// Cognito keeps them as they are).
///
/// ```
/// use cognito_admin::GroupSpec;
/// let req = GroupSpec::new("admins").description("Administrators").precedence(1)
///     .into_create_request("us-east-1_Pool");
/// assert_eq!(req.group_name, "admins");
/// assert_eq!(req.precedence, Some(1));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupSpec {
    name: String,
    description: Option<String>,
    precedence: Option<i32>,
    role_arn: Option<String>,
}

impl GroupSpec {
    /// A group with this name.
    pub fn new(name: impl Into<String>) -> Self {
        GroupSpec {
            name: name.into(),
            ..GroupSpec::default()
        }
    }

    /// `Description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `Precedence` (lower wins for the token's `cognito:preferred_role`).
    pub fn precedence(mut self, precedence: i32) -> Self {
        self.precedence = Some(precedence);
        self
    }

    /// `RoleArn`.
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = Some(arn.into());
        self
    }

    /// The `CreateGroup` request.
    #[allow(
        clippy::field_reassign_with_default,
        reason = "generated shapes are built with builders or Default, not struct literals (they become #[non_exhaustive])"
    )]
    pub fn into_create_request(self, pool_id: impl Into<String>) -> CreateGroupRequest {
        let mut req = CreateGroupRequest::default();
        req.group_name = self.name;
        req.user_pool_id = pool_id.into();
        req.description = self.description;
        req.precedence = self.precedence;
        req.role_arn = self.role_arn;
        req
    }

    /// The `UpdateGroup` request.
    #[allow(
        clippy::field_reassign_with_default,
        reason = "generated shapes are built with builders or Default, not struct literals (they become #[non_exhaustive])"
    )]
    pub fn into_update_request(self, pool_id: impl Into<String>) -> UpdateGroupRequest {
        let mut req = UpdateGroupRequest::default();
        req.group_name = self.name;
        req.user_pool_id = pool_id.into();
        req.description = self.description;
        req.precedence = self.precedence;
        req.role_arn = self.role_arn;
        req
    }
}

fn group_or_missing(
    group: Option<GroupType>,
    operation: &'static str,
) -> Result<GroupType, AdminError> {
    group.ok_or(AdminError::MissingMember {
        operation,
        member: "Group",
    })
}

impl AdminClient {
    /// `CreateGroup`: the created group.
    pub async fn create_group(&self, group: GroupSpec) -> Result<GroupType, AdminError> {
        let out = self
            .call::<op::CreateGroup>(&group.into_create_request(self.pool_id()))
            .await?;
        group_or_missing(out.group, "CreateGroup")
    }

    /// `GetGroup`.
    pub async fn get_group(&self, name: impl Into<String>) -> Result<GroupType, AdminError> {
        let out = self
            .call::<op::GetGroup>(
                &GetGroupRequest::builder()
                    .group_name(name)
                    .user_pool_id(self.pool_id())
                    .build()?,
            )
            .await?;
        group_or_missing(out.group, "GetGroup")
    }

    /// `UpdateGroup`: the updated group.
    pub async fn update_group(&self, group: GroupSpec) -> Result<GroupType, AdminError> {
        let out = self
            .call::<op::UpdateGroup>(&group.into_update_request(self.pool_id()))
            .await?;
        group_or_missing(out.group, "UpdateGroup")
    }

    /// `DeleteGroup`.
    pub async fn delete_group(&self, name: impl Into<String>) -> Result<(), AdminError> {
        self.call::<op::DeleteGroup>(
            &DeleteGroupRequest::builder()
                .group_name(name)
                .user_pool_id(self.pool_id())
                .build()?,
        )
        .await?;
        Ok(())
    }

    /// One page of `ListGroups`.
    pub async fn list_groups_page(
        &self,
        request: &ListGroupsRequest,
    ) -> Result<ListGroupsResponse, AdminError> {
        self.call::<op::ListGroups>(request).await
    }

    /// Every group of the pool, over all pages.
    pub fn list_groups_stream(&self) -> ItemStream<GroupType> {
        paginate::boxed_items::<op::ListGroups>(
            self.wire().clone(),
            ListGroupsRequest::builder()
                .user_pool_id(self.pool_id())
                .build(),
        )
    }

    /// Every group of the pool, collected.
    pub async fn list_groups_all(&self) -> Result<Vec<GroupType>, AdminError> {
        paginate::all::<op::ListGroups>(
            self.wire().clone(),
            ListGroupsRequest::builder()
                .user_pool_id(self.pool_id())
                .build()?,
        )
        .await
    }

    /// `AdminAddUserToGroup`.
    pub async fn add_user_to_group(
        &self,
        username: impl Into<SensitiveString>,
        group: impl Into<String>,
    ) -> Result<(), AdminError> {
        let req = AdminAddUserToGroupRequest::builder()
            .group_name(group)
            .user_pool_id(self.pool_id())
            .username(username)
            .build()?;
        self.call::<op::AdminAddUserToGroup>(&req).await?;
        Ok(())
    }

    /// `AdminRemoveUserFromGroup`.
    pub async fn remove_user_from_group(
        &self,
        username: impl Into<SensitiveString>,
        group: impl Into<String>,
    ) -> Result<(), AdminError> {
        let req = AdminRemoveUserFromGroupRequest::builder()
            .group_name(group)
            .user_pool_id(self.pool_id())
            .username(username)
            .build()?;
        self.call::<op::AdminRemoveUserFromGroup>(&req).await?;
        Ok(())
    }

    /// Every group of a user (`AdminListGroupsForUser`), over all pages.
    pub fn list_groups_for_user_stream(
        &self,
        username: impl Into<SensitiveString>,
    ) -> ItemStream<GroupType> {
        paginate::boxed_items::<op::AdminListGroupsForUser>(
            self.wire().clone(),
            AdminListGroupsForUserRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build(),
        )
    }

    /// Every group of a user, collected.
    pub async fn list_groups_for_user_all(
        &self,
        username: impl Into<SensitiveString>,
    ) -> Result<Vec<GroupType>, AdminError> {
        paginate::all::<op::AdminListGroupsForUser>(
            self.wire().clone(),
            AdminListGroupsForUserRequest::builder()
                .user_pool_id(self.pool_id())
                .username(username)
                .build()?,
        )
        .await
    }

    /// Every user of a group (`ListUsersInGroup`), over all pages.
    pub fn list_users_in_group_stream(&self, group: impl Into<String>) -> ItemStream<UserType> {
        paginate::boxed_items::<op::ListUsersInGroup>(
            self.wire().clone(),
            ListUsersInGroupRequest::builder()
                .group_name(group)
                .user_pool_id(self.pool_id())
                .build(),
        )
    }

    /// Every user of a group, collected.
    pub async fn list_users_in_group_all(
        &self,
        group: impl Into<String>,
    ) -> Result<Vec<UserType>, AdminError> {
        paginate::all::<op::ListUsersInGroup>(
            self.wire().clone(),
            ListUsersInGroupRequest::builder()
                .group_name(group)
                .user_pool_id(self.pool_id())
                .build()?,
        )
        .await
    }
}
