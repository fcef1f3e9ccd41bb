//! `X-Amz-Target` → operation handler. Dispatch is typed per operation: each entry names an
//! operation of [`cognito_wire::op`], and its handler takes that operation's `Input` and returns
//! its `Output` (the compiler checks the pairing; the names come from the model).

use crate::admin;
use crate::coverage;
use crate::error::ApiError;
use crate::events;
use crate::oauth_config;
use crate::oauth_token;
use crate::ops;
use crate::pools;
use crate::schema;
use crate::secrets;
use crate::token_exchange;
use crate::txn::Ctx;
use crate::webauthn;
use cognito_wire::{Operation, op};
use serde::de::DeserializeOwned;

fn parse<I: DeserializeOwned>(body: &[u8]) -> Result<I, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    let invalid = |e: serde_json::Error| {
        ApiError::new(
            "InvalidParameterException",
            format!("1 validation error detected: {e}"),
        )
    };
    match serde_json::from_slice(body) {
        Ok(input) => Ok(input),
        Err(e) if e.is_syntax() || e.is_eof() => Err(ApiError::new(
            "SerializationException",
            format!("Malformed request body: {e}"),
        )),
        Err(e) => {
            // JSON `null` stands for "absent", as Cognito reads it: amazon-cognito-identity-js
            // sends `"DEVICE_KEY": null` in the AuthParameters of every refresh by a user
            // without a device, and Cognito accepts it. Retry with the nulls dropped (only on
            // failure, so the usual request pays nothing).
            let mut value: serde_json::Value = serde_json::from_slice(body).map_err(invalid)?;
            if !drop_nulls(&mut value) {
                return Err(invalid(e));
            }
            serde_json::from_value(value).map_err(invalid)
        }
    }
}

/// Removes object members and map entries whose value is `null`, at any depth; whether any was.
fn drop_nulls(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => {
            let before = map.len();
            map.retain(|_, v| !v.is_null());
            let mut dropped = map.len() != before;
            for v in map.values_mut() {
                dropped |= drop_nulls(v);
            }
            dropped
        }
        serde_json::Value::Array(items) => {
            let mut dropped = false;
            for v in items {
                dropped |= drop_nulls(v);
            }
            dropped
        }
        _ => false,
    }
}

/// Runs one operation's handler: the body read as the operation's input, its output written.
fn run<O: Operation>(
    inner: &Ctx,
    body: &[u8],
    f: fn(&Ctx, O::Input) -> Result<O::Output, ApiError>,
) -> Result<Vec<u8>, ApiError> {
    let input = parse::<O::Input>(body)?;
    let out = f(inner, input)?;
    serde_json::to_vec(&out).map_err(crate::error::internal)
}

/// The error for a Cognito operation the emulator does not implement.
pub(crate) fn not_implemented(op: &str) -> ApiError {
    ApiError::new(
        "UnsupportedOperationException",
        format!("Operation {op} is not implemented by the emulator"),
    )
}

macro_rules! ops_table {
    ($($op:ident => $f:path),* $(,)?) => {
        /// Names of the operations the emulator implements.
        pub const IMPLEMENTED: &[&str] = &[$(<op::$op as Operation>::NAME),*];

        pub(crate) fn call(inner: &Ctx, name: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
            $(
                if name == <op::$op as Operation>::NAME {
                    return run::<op::$op>(inner, body, $f);
                }
            )*
            Err(not_implemented(name))
        }
    };
}

ops_table! {
    InitiateAuth => ops::initiate_auth,
    RespondToAuthChallenge => ops::respond_to_auth_challenge,
    SignUp => ops::sign_up,
    ConfirmSignUp => ops::confirm_sign_up,
    ResendConfirmationCode => ops::resend_confirmation_code,
    ForgotPassword => ops::forgot_password,
    ConfirmForgotPassword => ops::confirm_forgot_password,
    ChangePassword => ops::change_password,
    GetUser => ops::get_user,
    DeleteUser => ops::delete_user,
    UpdateUserAttributes => ops::update_user_attributes,
    DeleteUserAttributes => ops::delete_user_attributes,
    GetUserAttributeVerificationCode => ops::get_user_attribute_verification_code,
    VerifyUserAttribute => ops::verify_user_attribute,
    AssociateSoftwareToken => ops::associate_software_token,
    VerifySoftwareToken => ops::verify_software_token,
    SetUserMFAPreference => ops::set_user_mfa_preference,
    ConfirmDevice => ops::confirm_device,
    GetDevice => ops::get_device,
    ListDevices => ops::list_devices,
    UpdateDeviceStatus => ops::update_device_status,
    ForgetDevice => ops::forget_device,
    GlobalSignOut => ops::global_sign_out,
    RevokeToken => ops::revoke_token,
    GetTokensFromRefreshToken => ops::get_tokens_from_refresh_token,
    AdminInitiateAuth => admin::admin_initiate_auth,
    AdminRespondToAuthChallenge => admin::admin_respond_to_auth_challenge,
    AdminCreateUser => admin::admin_create_user,
    AdminGetUser => admin::admin_get_user,
    AdminDeleteUser => admin::admin_delete_user,
    AdminEnableUser => admin::admin_enable_user,
    AdminDisableUser => admin::admin_disable_user,
    AdminSetUserPassword => admin::admin_set_user_password,
    AdminResetUserPassword => admin::admin_reset_user_password,
    AdminConfirmSignUp => admin::admin_confirm_sign_up,
    AdminUpdateUserAttributes => admin::admin_update_user_attributes,
    AdminDeleteUserAttributes => admin::admin_delete_user_attributes,
    AdminUserGlobalSignOut => admin::admin_user_global_sign_out,
    AdminSetUserMFAPreference => admin::admin_set_user_mfa_preference,
    ListUsers => admin::list_users,
    CreateGroup => admin::create_group,
    GetGroup => admin::get_group,
    UpdateGroup => admin::update_group,
    DeleteGroup => admin::delete_group,
    ListGroups => admin::list_groups,
    AdminAddUserToGroup => admin::admin_add_user_to_group,
    AdminRemoveUserFromGroup => admin::admin_remove_user_from_group,
    AdminListGroupsForUser => admin::admin_list_groups_for_user,
    ListUsersInGroup => admin::list_users_in_group,
    AdminGetDevice => admin::admin_get_device,
    AdminListDevices => admin::admin_list_devices,
    AdminUpdateDeviceStatus => admin::admin_update_device_status,
    AdminForgetDevice => admin::admin_forget_device,
    CreateUserPool => pools::create_user_pool,
    DescribeUserPool => pools::describe_user_pool,
    UpdateUserPool => pools::update_user_pool,
    GetUserPoolMfaConfig => pools::get_user_pool_mfa_config,
    SetUserPoolMfaConfig => pools::set_user_pool_mfa_config,
    DeleteUserPool => pools::delete_user_pool,
    ListUserPools => pools::list_user_pools,
    CreateUserPoolClient => pools::create_user_pool_client,
    DescribeUserPoolClient => pools::describe_user_pool_client,
    UpdateUserPoolClient => pools::update_user_pool_client,
    DeleteUserPoolClient => pools::delete_user_pool_client,
    ListUserPoolClients => pools::list_user_pool_clients,
    CreateIdentityProvider => pools::create_identity_provider,
    DescribeIdentityProvider => pools::describe_identity_provider,
    UpdateIdentityProvider => pools::update_identity_provider,
    DeleteIdentityProvider => pools::delete_identity_provider,
    ListIdentityProviders => pools::list_identity_providers,
    GetSigningCertificate => pools::get_signing_certificate,
    CreateUserPoolDomain => oauth_config::create_user_pool_domain,
    DescribeUserPoolDomain => oauth_config::describe_user_pool_domain,
    UpdateUserPoolDomain => oauth_config::update_user_pool_domain,
    DeleteUserPoolDomain => oauth_config::delete_user_pool_domain,
    CreateResourceServer => oauth_config::create_resource_server,
    DescribeResourceServer => oauth_config::describe_resource_server,
    UpdateResourceServer => oauth_config::update_resource_server,
    DeleteResourceServer => oauth_config::delete_resource_server,
    ListResourceServers => oauth_config::list_resource_servers,
    GetClientToken => oauth_token::get_client_token,
    GetDerivedToken => token_exchange::get_derived_token,
    AddCustomAttributes => schema::add_custom_attributes,
    GetUserAuthFactors => coverage::get_user_auth_factors,
    AdminGetUserAuthFactors => coverage::admin_get_user_auth_factors,
    AdminListUserAuthEvents => events::admin_list_user_auth_events,
    AdminUpdateAuthEventFeedback => events::admin_update_auth_event_feedback,
    SetRiskConfiguration => coverage::set_risk_configuration,
    DescribeRiskConfiguration => coverage::describe_risk_configuration,
    TagResource => coverage::tag_resource,
    UntagResource => coverage::untag_resource,
    ListTagsForResource => coverage::list_tags_for_resource,
    AddUserPoolClientSecret => secrets::add_user_pool_client_secret,
    ListUserPoolClientSecrets => secrets::list_user_pool_client_secrets,
    DeleteUserPoolClientSecret => secrets::delete_user_pool_client_secret,
    StartWebAuthnRegistration => webauthn::start_web_authn_registration,
    CompleteWebAuthnRegistration => webauthn::complete_web_authn_registration,
    ListWebAuthnCredentials => webauthn::list_web_authn_credentials,
    DeleteWebAuthnCredential => webauthn::delete_web_authn_credential,
}
