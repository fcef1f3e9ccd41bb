//! The [`Operation`] trait and the per-operation table entry [`OperationInfo`].

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// What the client (and its retry policy) needs to know about an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OperationInfo {
    /// Operation name, e.g. `"InitiateAuth"`.
    pub name: &'static str,
    /// `X-Amz-Target` value, e.g. `"AWSCognitoIdentityProviderService.InitiateAuth"`.
    pub target: &'static str,
    /// Needs SigV4 (the model does not mark it `authtype: none`).
    pub signed: bool,
    /// Read-only (`Get*`/`List*`/`Describe*` style, minus the `Get*` calls that issue tokens or
    /// send codes): replaying it after it may have reached the server is harmless.
    pub replay_safe: bool,
    /// Name of the input shape.
    pub input_shape: &'static str,
    /// Name of the output shape (`None`: the operation returns nothing, see
    /// [`Empty`](crate::Empty)).
    pub output_shape: Option<&'static str>,
    /// Error codes the model lists for the operation.
    pub errors: &'static [&'static str],
}

/// One Cognito operation: a zero-sized type in [`op`](crate::op) ties the name, the table entry
/// and the input/output types together.
///
/// ```
/// use cognito_wire::{Operation, op};
/// assert_eq!(op::InitiateAuth::NAME, "InitiateAuth");
/// assert!(!op::InitiateAuth::INFO.signed);
/// assert!(op::AdminGetUser::INFO.signed && op::AdminGetUser::INFO.replay_safe);
/// ```
pub trait Operation: Copy + Default + Debug + Send + Sync + 'static {
    /// Operation name, e.g. `"InitiateAuth"`.
    const NAME: &'static str;
    /// The table entry.
    const INFO: OperationInfo;
    /// Request type.
    type Input: Serialize + DeserializeOwned + Clone + Debug + PartialEq + Send + Sync + 'static;
    /// Response type.
    type Output: Serialize + DeserializeOwned + Clone + Debug + PartialEq + Send + Sync + 'static;
}

/// Looks an operation up by name (`"InitiateAuth"`) or by `X-Amz-Target`
/// (`"AWSCognitoIdentityProviderService.InitiateAuth"`).
///
/// ```
/// let info = cognito_wire::operation_info("AWSCognitoIdentityProviderService.GetUser").unwrap();
/// assert_eq!(info.name, "GetUser");
/// assert!(cognito_wire::operation_info("Nope").is_none());
/// ```
pub fn operation_info(name_or_target: &str) -> Option<&'static OperationInfo> {
    let name = name_or_target
        .strip_prefix(crate::TARGET_PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or(name_or_target);
    let ops = crate::model::operations::OPERATIONS;
    ops.binary_search_by(|o| o.name.cmp(name))
        .ok()
        .and_then(|i| ops.get(i))
}
