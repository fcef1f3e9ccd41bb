//! A blocking [`Cognito`]: the async [`crate::Cognito`] driven by its own current-thread tokio
//! runtime, for programs without one (scripts, CLIs, synchronous servers).
//!
//! **Do not call it from within an async runtime** (inside `#[tokio::main]`, a tokio task,
//! ...): it would block a runtime thread. It detects that with
//! `tokio::runtime::Handle::try_current()` and returns [`PycognitoError::InsideAsyncRuntime`]
//! instead of panicking. Use the async [`crate::Cognito`] there.
//!
//! ```no_run
//! use pycognito::blocking::Cognito;
//! let mut cognito = Cognito::new(
//!     pycognito::Cognito::builder("us-east-1_AbC", "client-id").username("alice"),
//! )?;
//! if cognito.authenticate("Passw0rd!")?.is_done() {
//!     println!("{}", cognito.get_user(None)?.username);
//! }
//! # Ok::<(), pycognito::PycognitoError>(())
//! ```

use crate::{AuthStep, CognitoBuilder, Group, MfaMethod, PycognitoError, User};
use cognito_admin::AttributeMap;
use cognito_auth::DeviceCredentials;
use cognito_wire::{DeviceType, SensitiveString, SignUpResponse};
use std::collections::BTreeMap;

/// pycognito's `Cognito`, blocking. Every method is the async [`crate::Cognito`]'s, run to
/// completion on an internal current-thread runtime.
#[derive(Debug)]
pub struct Cognito {
    inner: crate::Cognito,
    rt: Option<tokio::runtime::Runtime>,
}

fn outside_runtime() -> Result<(), PycognitoError> {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => Err(PycognitoError::InsideAsyncRuntime),
        Err(_) => Ok(()),
    }
}

impl Cognito {
    /// Builds the async `Cognito` and a runtime for it.
    pub fn new(builder: CognitoBuilder) -> Result<Self, PycognitoError> {
        outside_runtime()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(PycognitoError::Runtime)?;
        // The default transport may spawn onto the current runtime: build inside it.
        let inner = {
            let _guard = rt.enter();
            builder.build()?
        };
        Ok(Cognito {
            inner,
            rt: Some(rt),
        })
    }

    /// The async `Cognito` inside (its getters: tokens, username, claims, ...).
    pub fn get_ref(&self) -> &crate::Cognito {
        &self.inner
    }

    /// The async `Cognito` inside, mutable (e.g. [`set_username`](crate::Cognito::set_username)).
    pub fn get_mut(&mut self) -> &mut crate::Cognito {
        &mut self.inner
    }
}

impl Drop for Cognito {
    fn drop(&mut self) {
        // Dropping a runtime inside another runtime panics; shutting it down in the background
        // does not.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

macro_rules! blocking {
    ($( $(#[$meta:meta])* fn $name:ident(&mut self $(, $arg:ident : $ty:ty)* ) -> $ret:ty; )*) => {
        impl Cognito {
            $(
                $(#[$meta])*
                pub fn $name(&mut self $(, $arg: $ty)*) -> Result<$ret, PycognitoError> {
                    outside_runtime()?;
                    let rt = self.rt.as_ref().ok_or(PycognitoError::Config("the runtime was shut down".to_owned()))?;
                    rt.block_on(self.inner.$name($($arg),*))
                }
            )*
        }
    };
}

blocking! {
    /// [`crate::Cognito::authenticate`].
    fn authenticate(&mut self, password: &str) -> AuthStep;
    /// [`crate::Cognito::authenticate_user_password`].
    fn authenticate_user_password(&mut self, password: &str) -> AuthStep;
    /// [`crate::Cognito::admin_authenticate`].
    fn admin_authenticate(&mut self, password: &str) -> AuthStep;
    /// [`crate::Cognito::new_password_challenge`].
    fn new_password_challenge(&mut self, password: &str, new_password: &str) -> AuthStep;
    /// [`crate::Cognito::respond_to_software_token_mfa_challenge`].
    fn respond_to_software_token_mfa_challenge(&mut self, code: &str) -> AuthStep;
    /// [`crate::Cognito::respond_to_sms_mfa_challenge`].
    fn respond_to_sms_mfa_challenge(&mut self, code: &str) -> AuthStep;
    /// [`crate::Cognito::respond_to_email_otp_challenge`].
    fn respond_to_email_otp_challenge(&mut self, code: &str) -> AuthStep;
    /// [`crate::Cognito::respond_to_new_password_challenge`].
    fn respond_to_new_password_challenge(&mut self, new_password: &str, attributes: BTreeMap<String, String>) -> AuthStep;
    /// [`crate::Cognito::respond_to_mfa_setup`].
    fn respond_to_mfa_setup(&mut self, email: Option<&str>) -> AuthStep;
    /// [`crate::Cognito::select_mfa_type`].
    fn select_mfa_type(&mut self, choice: cognito_wire::ChallengeNameType) -> AuthStep;
    /// [`crate::Cognito::answer_challenge`].
    fn answer_challenge(&mut self, answer: cognito_auth::Answer) -> AuthStep;
    /// [`crate::Cognito::check_token`].
    fn check_token(&mut self, renew: bool) -> bool;
    /// [`crate::Cognito::renew_access_token`].
    fn renew_access_token(&mut self) -> ();
    /// [`crate::Cognito::verify_tokens`].
    fn verify_tokens(&mut self) -> ();
    /// [`crate::Cognito::logout`].
    fn logout(&mut self) -> ();
    /// [`crate::Cognito::revoke_token`].
    fn revoke_token(&mut self) -> ();
    /// [`crate::Cognito::register`].
    fn register(&mut self, username: &str, password: &str, attr_map: Option<&AttributeMap>) -> SignUpResponse;
    /// [`crate::Cognito::confirm_sign_up`].
    fn confirm_sign_up(&mut self, confirmation_code: &str, username: Option<&str>) -> ();
    /// [`crate::Cognito::resend_confirmation_code`].
    fn resend_confirmation_code(&mut self, username: &str) -> ();
    /// [`crate::Cognito::initiate_forgot_password`].
    fn initiate_forgot_password(&mut self) -> ();
    /// [`crate::Cognito::confirm_forgot_password`].
    fn confirm_forgot_password(&mut self, confirmation_code: &str, password: &str) -> ();
    /// [`crate::Cognito::change_password`].
    fn change_password(&mut self, previous_password: &str, proposed_password: &str) -> ();
    /// [`crate::Cognito::get_user`].
    fn get_user(&mut self, attr_map: Option<&AttributeMap>) -> User;
    /// [`crate::Cognito::update_profile`].
    fn update_profile(&mut self, attrs: &BTreeMap<String, String>, attr_map: Option<&AttributeMap>) -> ();
    /// [`crate::Cognito::delete_user_attributes`].
    fn delete_user_attributes(&mut self, names: &[&str]) -> ();
    /// [`crate::Cognito::send_verification`].
    fn send_verification(&mut self, attribute: &str) -> ();
    /// [`crate::Cognito::validate_verification`].
    fn validate_verification(&mut self, confirmation_code: &str, attribute: &str) -> ();
    /// [`crate::Cognito::delete_user`].
    fn delete_user(&mut self) -> ();
    /// [`crate::Cognito::associate_software_token`].
    fn associate_software_token(&mut self) -> SensitiveString;
    /// [`crate::Cognito::verify_software_token`].
    fn verify_software_token(&mut self, code: &str, device_name: Option<&str>) -> bool;
    /// [`crate::Cognito::set_user_mfa_preference`].
    fn set_user_mfa_preference(&mut self, sms_mfa: bool, software_token_mfa: bool, preferred: Option<MfaMethod>) -> ();
    /// [`crate::Cognito::set_mfa_preference`].
    fn set_mfa_preference(&mut self, pref: cognito_auth::MfaPreference) -> ();
    /// [`crate::Cognito::confirm_device`].
    fn confirm_device(&mut self, remembered: bool) -> DeviceCredentials;
    /// [`crate::Cognito::update_device_status`].
    fn update_device_status(&mut self, device_key: &str, remembered: bool) -> ();
    /// [`crate::Cognito::forget_device`].
    fn forget_device(&mut self, device_key: &str) -> ();
    /// [`crate::Cognito::list_devices`].
    fn list_devices(&mut self) -> Vec<DeviceType>;
    /// [`crate::Cognito::get_device`].
    fn get_device(&mut self, device_key: &str) -> DeviceType;
    /// [`crate::Cognito::admin_confirm_sign_up`].
    fn admin_confirm_sign_up(&mut self, username: Option<&str>) -> ();
    /// [`crate::Cognito::admin_reset_password`].
    fn admin_reset_password(&mut self, username: &str, client_metadata: Option<BTreeMap<String, String>>) -> ();
    /// [`crate::Cognito::admin_get_user`].
    fn admin_get_user(&mut self, attr_map: Option<&AttributeMap>) -> User;
    /// [`crate::Cognito::get_users`].
    fn get_users(&mut self, attr_map: Option<&AttributeMap>) -> Vec<User>;
    /// [`crate::Cognito::admin_create_user`].
    fn admin_create_user(&mut self, username: &str, temporary_password: Option<&str>, attributes: &BTreeMap<String, String>, attr_map: Option<&AttributeMap>) -> User;
    /// [`crate::Cognito::admin_update_profile`].
    fn admin_update_profile(&mut self, attrs: &BTreeMap<String, String>, attr_map: Option<&AttributeMap>) -> ();
    /// [`crate::Cognito::admin_delete_user`].
    fn admin_delete_user(&mut self) -> ();
    /// [`crate::Cognito::admin_enable_user`].
    fn admin_enable_user(&mut self, username: &str) -> ();
    /// [`crate::Cognito::admin_disable_user`].
    fn admin_disable_user(&mut self, username: &str) -> ();
    /// [`crate::Cognito::get_group`].
    fn get_group(&mut self, group_name: &str) -> Group;
    /// [`crate::Cognito::get_groups`].
    fn get_groups(&mut self) -> Vec<Group>;
    /// [`crate::Cognito::admin_add_user_to_group`].
    fn admin_add_user_to_group(&mut self, username: &str, group_name: &str) -> ();
    /// [`crate::Cognito::admin_remove_user_from_group`].
    fn admin_remove_user_from_group(&mut self, username: &str, group_name: &str) -> ();
    /// [`crate::Cognito::admin_list_groups_for_user`].
    fn admin_list_groups_for_user(&mut self, username: &str) -> Vec<String>;
    /// [`crate::Cognito::admin_create_identity_provider`].
    fn admin_create_identity_provider(&mut self, provider_name: &str, provider_type: cognito_wire::IdentityProviderTypeType, provider_details: BTreeMap<String, String>) -> cognito_wire::IdentityProviderType;
    /// [`crate::Cognito::admin_describe_identity_provider`].
    fn admin_describe_identity_provider(&mut self, provider_name: &str) -> cognito_wire::IdentityProviderType;
    /// [`crate::Cognito::admin_update_identity_provider`].
    fn admin_update_identity_provider(&mut self, request: &cognito_wire::UpdateIdentityProviderRequest) -> cognito_wire::IdentityProviderType;
    /// [`crate::Cognito::describe_user_pool_client`].
    fn describe_user_pool_client(&mut self, client_id: &str) -> cognito_wire::UserPoolClientType;
    /// [`crate::Cognito::admin_update_user_pool_client`].
    fn admin_update_user_pool_client(&mut self, request: &cognito_wire::UpdateUserPoolClientRequest) -> cognito_wire::UserPoolClientType;
}
