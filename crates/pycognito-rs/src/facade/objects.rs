//! [`User`] and [`Group`]: pycognito's `UserObj` and `GroupObj`.

use super::Cognito;
use crate::PycognitoError;
use cognito_admin::AttributeMap;
use cognito_wire::{AttributeType, EpochSeconds, GroupType, UserType};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// What Cognito says about a user besides attributes (pycognito's `UserObj` metadata).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserMetadata {
    /// The username Cognito returned.
    pub username: Option<String>,
    /// Enabled (admin and list calls).
    pub enabled: Option<bool>,
    /// `CONFIRMED`, `UNCONFIRMED`, `FORCE_CHANGE_PASSWORD`, ... (admin and list calls).
    pub user_status: Option<String>,
    /// The preferred MFA method (`GetUser`).
    pub preferred_mfa_setting: Option<String>,
    /// The enabled MFA methods (`GetUser`).
    pub user_mfa_setting_list: Vec<String>,
}

/// A user: username, attributes (names renamed by the attribute map, as in pycognito) and
/// metadata. pycognito's `UserObj`; `sub`, `email_verified` and `phone_number_verified` are
/// fields, every other attribute is in [`attributes`](Self::attributes).
///
/// ```
/// use cognito_admin::AttributeMap;
/// use cognito_wire::{AttributeType, SensitiveString};
/// let attr = |n: &str, v: &str| {
///     AttributeType::builder()
///         .name(n)
///         .value(SensitiveString::from(v))
///         .build()
///         .expect("the name is set")
/// };
/// let map = AttributeMap::new().map("given_name", "first_name");
/// let user = pycognito::User::new(
///     "alice",
///     &[attr("sub", "1234"), attr("email_verified", "true"), attr("given_name", "Alice")],
///     map,
/// );
/// assert_eq!(user.sub.as_deref(), Some("1234"));
/// assert_eq!(user.email_verified, Some(true));
/// assert_eq!(user.get("first_name"), Some("Alice"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The username.
    pub username: String,
    /// `sub`.
    pub sub: Option<String>,
    /// `email_verified`.
    pub email_verified: Option<bool>,
    /// `phone_number_verified`.
    pub phone_number_verified: Option<bool>,
    /// The other attributes, by their mapped names.
    pub attributes: BTreeMap<String, String>,
    /// Metadata.
    pub metadata: UserMetadata,
    attr_map: AttributeMap,
}

fn parse_bool(v: Option<String>) -> Option<bool> {
    v.map(|v| v.eq_ignore_ascii_case("true"))
}

impl User {
    /// A user from Cognito's attribute list, renamed by `attr_map`.
    pub fn new(username: &str, attributes: &[AttributeType], attr_map: AttributeMap) -> Self {
        let mut attrs = attr_map.to_map(attributes);
        User {
            username: username.to_owned(),
            sub: attrs.remove(attr_map.local_name("sub")),
            email_verified: parse_bool(attrs.remove(attr_map.local_name("email_verified"))),
            phone_number_verified: parse_bool(
                attrs.remove(attr_map.local_name("phone_number_verified")),
            ),
            attributes: attrs,
            metadata: UserMetadata::default(),
            attr_map,
        }
    }

    pub(crate) fn from_user_type(user: &UserType, attr_map: AttributeMap) -> Self {
        let username = user
            .username
            .as_ref()
            .map(|u| u.expose().to_owned())
            .unwrap_or_default();
        let mut out = User::new(
            &username,
            user.attributes.as_deref().unwrap_or_default(),
            attr_map,
        );
        out.metadata.username = Some(username);
        out.metadata.enabled = user.enabled;
        out.metadata.user_status = user.user_status.as_ref().map(|s| s.as_str().to_owned());
        out
    }

    /// An attribute by its (mapped) name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    /// Sets an attribute (saved by [`save`](Self::save)).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.attributes.insert(name.into(), value.into());
    }

    /// The attribute map the names went through.
    pub fn attr_map(&self) -> &AttributeMap {
        &self.attr_map
    }

    /// Saves the attributes: `UpdateUserAttributes` with the signed-in user's token, or
    /// `AdminUpdateUserAttributes` for `cognito`'s username with `admin` (pycognito's
    /// `UserObj.save`).
    pub async fn save(&self, cognito: &Cognito, admin: bool) -> Result<(), PycognitoError> {
        if admin {
            cognito
                .admin_update_profile(&self.attributes, Some(&self.attr_map))
                .await
        } else {
            cognito
                .update_profile(&self.attributes, Some(&self.attr_map))
                .await
        }
    }

    /// Deletes the user: `DeleteUser` (signed in) or `AdminDeleteUser` of `cognito`'s username
    /// (pycognito's `UserObj.delete`).
    pub async fn delete(&self, cognito: &mut Cognito, admin: bool) -> Result<(), PycognitoError> {
        if admin {
            cognito.admin_delete_user().await
        } else {
            cognito.delete_user().await
        }
    }
}

impl std::fmt::Display for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.username)
    }
}

/// A group (pycognito's `GroupObj`).
///
/// ```
/// let mut g = cognito_wire::GroupType::default();
/// g.group_name = Some("admins".into());
/// g.precedence = Some(1);
/// let group = pycognito::Group::from(g);
/// assert_eq!(group.group_name, "admins");
/// assert_eq!(group.to_string(), "admins");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Group {
    /// `GroupName`.
    pub group_name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `CreationDate`.
    pub creation_date: Option<OffsetDateTime>,
    /// `LastModifiedDate`.
    pub last_modified_date: Option<OffsetDateTime>,
    /// `RoleArn`.
    pub role_arn: Option<String>,
    /// `Precedence`.
    pub precedence: Option<i32>,
}

fn date(d: Option<EpochSeconds>) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(d?.0 as i64).ok()
}

impl From<GroupType> for Group {
    fn from(g: GroupType) -> Self {
        Group {
            group_name: g.group_name.unwrap_or_default(),
            description: g.description,
            creation_date: date(g.creation_date),
            last_modified_date: date(g.last_modified_date),
            role_arn: g.role_arn,
            precedence: g.precedence,
        }
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.group_name)
    }
}
