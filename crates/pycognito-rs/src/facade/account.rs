//! The user's own operations: no AWS credentials, only the client id or the access token.

use super::{Cognito, User};
use crate::PycognitoError;
use cognito_admin::AttributeMap;
use cognito_auth::{DeviceCredentials, MfaPreference, MfaSetting};
use cognito_wire::{DeviceType, SensitiveString, SignUpResponse};
use std::collections::BTreeMap;

/// Which MFA method pycognito's `set_user_mfa_preference` prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaMethod {
    /// `SMS`.
    Sms,
    /// `SOFTWARE_TOKEN` (TOTP).
    SoftwareToken,
    /// `EMAIL`.
    Email,
}

/// An attribute map as a name → value map with Cognito's names.
pub(crate) fn to_cognito_map(
    attrs: &BTreeMap<String, String>,
    attr_map: Option<&AttributeMap>,
) -> BTreeMap<String, String> {
    let default = AttributeMap::new();
    attr_map
        .unwrap_or(&default)
        .to_attributes(attrs)
        .into_iter()
        .map(|a| {
            let value = a.value.map(|v| v.expose().to_owned()).unwrap_or_default();
            (a.name, value)
        })
        .collect()
}

impl Cognito {
    /// Signs a new user up (`SignUp`) with the base and custom attributes set before
    /// ([`set_base_attributes`](Self::set_base_attributes),
    /// [`add_custom_attributes`](Self::add_custom_attributes)); becomes this value's username.
    /// pycognito's `register`.
    pub async fn register(
        &mut self,
        username: &str,
        password: &str,
        attr_map: Option<&AttributeMap>,
    ) -> Result<SignUpResponse, PycognitoError> {
        let mut attrs = self.base_attributes.clone();
        attrs.extend(self.custom_attributes.clone());
        let attrs = to_cognito_map(&attrs, attr_map);
        let resp = self
            .auth
            .sign_up(username, password, &attrs)
            .await
            .map_err(PycognitoError::account)?;
        self.username = Some(username.to_owned());
        Ok(resp)
    }

    /// Confirms a sign-up with the code sent to the user (`ConfirmSignUp`); `username` defaults
    /// to this value's.
    pub async fn confirm_sign_up(
        &self,
        confirmation_code: &str,
        username: Option<&str>,
    ) -> Result<(), PycognitoError> {
        let username = match username {
            Some(u) => u,
            None => self.require_username()?,
        };
        self.auth
            .confirm_sign_up(username, confirmation_code)
            .await
            .map_err(PycognitoError::account)?;
        Ok(())
    }

    /// Sends the sign-up code again (`ResendConfirmationCode`).
    pub async fn resend_confirmation_code(&self, username: &str) -> Result<(), PycognitoError> {
        self.auth
            .resend_confirmation_code(username)
            .await
            .map_err(PycognitoError::account)?;
        Ok(())
    }

    /// Sends a password reset code to the user (`ForgotPassword`).
    pub async fn initiate_forgot_password(&self) -> Result<(), PycognitoError> {
        self.auth
            .forgot_password(self.require_username()?)
            .await
            .map_err(PycognitoError::account)?;
        Ok(())
    }

    /// Sets a new password with the reset code (`ConfirmForgotPassword`).
    pub async fn confirm_forgot_password(
        &self,
        confirmation_code: &str,
        password: &str,
    ) -> Result<(), PycognitoError> {
        self.auth
            .confirm_forgot_password(self.require_username()?, confirmation_code, password)
            .await
            .map_err(PycognitoError::account)?;
        Ok(())
    }

    /// Changes the password of the signed-in user (`ChangePassword`), refreshing expired tokens
    /// first.
    pub async fn change_password(
        &mut self,
        previous_password: &str,
        proposed_password: &str,
    ) -> Result<(), PycognitoError> {
        self.require_session()?
            .change_password(previous_password, proposed_password)
            .await
            .map_err(PycognitoError::account)?;
        Ok(())
    }

    /// The signed-in user (`GetUser`), attributes renamed by `attr_map`.
    pub async fn get_user(&self, attr_map: Option<&AttributeMap>) -> Result<User, PycognitoError> {
        let resp = self
            .require_session()?
            .get_user()
            .await
            .map_err(PycognitoError::account)?;
        let mut user = User::new(
            resp.username.expose(),
            &resp.user_attributes,
            attr_map.cloned().unwrap_or_default(),
        );
        user.metadata.username = Some(resp.username.expose().to_owned());
        user.metadata.preferred_mfa_setting = resp.preferred_mfa_setting;
        user.metadata.user_mfa_setting_list = resp.user_mfa_setting_list.unwrap_or_default();
        Ok(user)
    }

    /// Updates the signed-in user's attributes (`UpdateUserAttributes`); names go through
    /// `attr_map` and non-standard names get `custom:`.
    pub async fn update_profile(
        &self,
        attrs: &BTreeMap<String, String>,
        attr_map: Option<&AttributeMap>,
    ) -> Result<(), PycognitoError> {
        self.require_session()?
            .update_user_attributes(&to_cognito_map(attrs, attr_map))
            .await
            .map_err(PycognitoError::account)?;
        Ok(())
    }

    /// Deletes attributes of the signed-in user (`DeleteUserAttributes`).
    pub async fn delete_user_attributes(&self, names: &[&str]) -> Result<(), PycognitoError> {
        self.require_session()?
            .delete_user_attributes(names)
            .await
            .map_err(PycognitoError::account)
    }

    /// Sends a verification code for an attribute (`email`, `phone_number`) (pycognito's
    /// `send_verification`).
    pub async fn send_verification(&mut self, attribute: &str) -> Result<(), PycognitoError> {
        self.require_session()?
            .get_user_attribute_verification_code(attribute)
            .await
            .map_err(PycognitoError::account)?;
        Ok(())
    }

    /// Verifies an attribute with the code sent (pycognito's `validate_verification`).
    pub async fn validate_verification(
        &mut self,
        confirmation_code: &str,
        attribute: &str,
    ) -> Result<(), PycognitoError> {
        self.require_session()?
            .verify_user_attribute(attribute, confirmation_code)
            .await
            .map_err(PycognitoError::account)
    }

    /// Deletes the signed-in user (`DeleteUser`) and forgets the tokens.
    pub async fn delete_user(&mut self) -> Result<(), PycognitoError> {
        self.require_session()?
            .delete_user()
            .await
            .map_err(PycognitoError::account)?;
        self.session = None;
        Ok(())
    }

    /// Starts TOTP set-up for the signed-in user (`AssociateSoftwareToken`): the base32 secret.
    pub async fn associate_software_token(&self) -> Result<SensitiveString, PycognitoError> {
        self.require_session()?
            .associate_software_token()
            .await
            .map_err(PycognitoError::account)
    }

    /// Finishes TOTP set-up with a code from the app (`VerifySoftwareToken`): whether it
    /// succeeded.
    pub async fn verify_software_token(
        &self,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<bool, PycognitoError> {
        match self
            .require_session()?
            .verify_software_token(&SensitiveString::from(code), device_name)
            .await
        {
            Ok(()) => Ok(true),
            Err(cognito_auth::Error::Auth(cognito_auth::AuthError::SoftwareTokenNotVerified)) => {
                Ok(false)
            }
            Err(e) => Err(PycognitoError::account(e)),
        }
    }

    /// pycognito's `set_user_mfa_preference`: enables SMS and/or TOTP and prefers one.
    ///
    /// pycognito knows only SMS and TOTP; `preferred: Some(MfaMethod::Email)` also enables email
    /// MFA and makes it the preferred method (email stays unchanged otherwise). A preferred method
    /// that is not enabled by the flags is refused, where pycognito would send it silently.
    pub async fn set_user_mfa_preference(
        &self,
        sms_mfa: bool,
        software_token_mfa: bool,
        preferred: Option<MfaMethod>,
    ) -> Result<(), PycognitoError> {
        let prefer_disabled = match preferred {
            Some(MfaMethod::Sms) => !sms_mfa,
            Some(MfaMethod::SoftwareToken) => !software_token_mfa,
            Some(MfaMethod::Email) | None => false,
        };
        if prefer_disabled {
            return Err(PycognitoError::InvalidArgument(
                "the preferred MFA method must also be enabled".into(),
            ));
        }
        let mut choice = MfaPreference::default()
            .sms(MfaSetting {
                enabled: sms_mfa,
                preferred: preferred == Some(MfaMethod::Sms),
            })
            .totp(MfaSetting {
                enabled: software_token_mfa,
                preferred: preferred == Some(MfaMethod::SoftwareToken),
            });
        if preferred == Some(MfaMethod::Email) {
            choice = choice.email(MfaSetting::enabled(true));
        }
        self.set_mfa_preference(choice).await
    }

    /// `SetUserMFAPreference` with every method (SMS, TOTP, email).
    pub async fn set_mfa_preference(&self, pref: MfaPreference) -> Result<(), PycognitoError> {
        self.require_session()?
            .set_mfa_preference(pref)
            .await
            .map_err(PycognitoError::account)
    }

    /// Confirms the device Cognito offered at this sign-in (`ConfirmDevice`, pycognito's
    /// `AWSSRP.confirm_device`), keeps it (device store and session) and marks it remembered or
    /// not; returns the credentials.
    pub async fn confirm_device(
        &self,
        remembered: bool,
    ) -> Result<DeviceCredentials, PycognitoError> {
        self.require_session()?
            .confirm_new_device(remembered)
            .await
            .map_err(PycognitoError::account)
    }

    /// Marks a device remembered or not (`UpdateDeviceStatus`, pycognito's
    /// `AWSSRP.update_device_status`).
    pub async fn update_device_status(
        &self,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), PycognitoError> {
        self.require_session()?
            .update_device_status(device_key, remembered)
            .await
            .map_err(PycognitoError::account)
    }

    /// Forgets a device (`ForgetDevice`, pycognito's `AWSSRP.forget_device`), also from the
    /// device store.
    pub async fn forget_device(&self, device_key: &str) -> Result<(), PycognitoError> {
        self.require_session()?
            .forget_device(device_key)
            .await
            .map_err(PycognitoError::account)
    }

    /// The signed-in user's devices (`ListDevices`, every page).
    pub async fn list_devices(&self) -> Result<Vec<DeviceType>, PycognitoError> {
        self.require_session()?
            .list_devices()
            .await
            .map_err(PycognitoError::account)
    }

    /// One device of the signed-in user (`GetDevice`).
    pub async fn get_device(&self, device_key: &str) -> Result<DeviceType, PycognitoError> {
        self.require_session()?
            .get_device(device_key)
            .await
            .map_err(PycognitoError::account)
    }
}
