//! The user's own operations: sign-up, passwords, profile, MFA settings, devices, sign-out.
//! Each takes an access token or only the client id, never AWS credentials.

use crate::{CognitoAuth, Error};
use cognito_wire::*;
use cognito_wire::{AttributeType, SensitiveString, op};
use std::collections::BTreeMap;

fn attributes(map: &BTreeMap<String, String>) -> Vec<AttributeType> {
    map.iter()
        .map(|(name, value)| {
            let mut a = AttributeType::new(name.clone());
            a.value = Some(SensitiveString::from(value.as_str()));
            a
        })
        .collect()
}

/// One MFA method's setting: enabled or not, preferred or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MfaSetting {
    /// The method is enabled.
    pub enabled: bool,
    /// The method is the preferred one.
    pub preferred: bool,
}

impl MfaSetting {
    /// Enabled, and preferred or not.
    pub fn enabled(preferred: bool) -> Self {
        MfaSetting {
            enabled: true,
            preferred,
        }
    }

    /// Disabled.
    pub fn disabled() -> Self {
        MfaSetting::default()
    }
}

/// Which MFA methods to enable and prefer (`SetUserMFAPreference`, and cognito-admin's
/// `AdminSetUserMFAPreference`); `None` leaves a method as it is.
///
/// ```
/// use cognito_auth::{MfaPreference, MfaSetting};
/// let totp_only = MfaPreference {
///     totp: Some(MfaSetting::enabled(true)),
///     sms: Some(MfaSetting::disabled()),
///     ..MfaPreference::default()
/// };
/// assert!(totp_only.email.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MfaPreference {
    /// SMS.
    pub sms: Option<MfaSetting>,
    /// Software token (TOTP).
    pub totp: Option<MfaSetting>,
    /// Email OTP.
    pub email: Option<MfaSetting>,
}

impl MfaPreference {
    /// The three `*MfaSettingsType` members of a (Admin)SetUserMFAPreference request.
    pub fn settings(
        &self,
    ) -> (
        Option<SMSMfaSettingsType>,
        Option<SoftwareTokenMfaSettingsType>,
        Option<EmailMfaSettingsType>,
    ) {
        (
            self.sms.map(|s| SMSMfaSettingsType {
                enabled: Some(s.enabled),
                preferred_mfa: Some(s.preferred),
            }),
            self.totp.map(|s| SoftwareTokenMfaSettingsType {
                enabled: Some(s.enabled),
                preferred_mfa: Some(s.preferred),
            }),
            self.email.map(|s| EmailMfaSettingsType {
                enabled: Some(s.enabled),
                preferred_mfa: Some(s.preferred),
            }),
        )
    }
}

impl CognitoAuth {
    /// `SignUp` (with `SECRET_HASH` for the username).
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attrs: &BTreeMap<String, String>,
    ) -> Result<SignUpResponse, Error> {
        let mut req = SignUpRequest::new(self.client_id(), username);
        req.password = Some(password.into());
        req.secret_hash = self.secret_hash(username);
        req.user_attributes = Some(attributes(attrs));
        Ok(self.wire().call::<op::SignUp>(&req).await?)
    }

    /// `ConfirmSignUp` with the code that was sent.
    pub async fn confirm_sign_up(
        &self,
        username: &str,
        code: &str,
    ) -> Result<ConfirmSignUpResponse, Error> {
        let mut req = ConfirmSignUpRequest::new(self.client_id(), code, username);
        req.secret_hash = self.secret_hash(username);
        Ok(self.wire().call::<op::ConfirmSignUp>(&req).await?)
    }

    /// `ResendConfirmationCode`.
    pub async fn resend_confirmation_code(
        &self,
        username: &str,
    ) -> Result<ResendConfirmationCodeResponse, Error> {
        let mut req = ResendConfirmationCodeRequest::new(self.client_id(), username);
        req.secret_hash = self.secret_hash(username);
        Ok(self.wire().call::<op::ResendConfirmationCode>(&req).await?)
    }

    /// `ForgotPassword`: sends a reset code.
    pub async fn forgot_password(&self, username: &str) -> Result<ForgotPasswordResponse, Error> {
        let mut req = ForgotPasswordRequest::new(self.client_id(), username);
        req.secret_hash = self.secret_hash(username);
        Ok(self.wire().call::<op::ForgotPassword>(&req).await?)
    }

    /// `ConfirmForgotPassword`: sets the new password with the code.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), Error> {
        let mut req =
            ConfirmForgotPasswordRequest::new(self.client_id(), code, new_password, username);
        req.secret_hash = self.secret_hash(username);
        self.wire().call::<op::ConfirmForgotPassword>(&req).await?;
        Ok(())
    }

    /// `ChangePassword`.
    pub async fn change_password(
        &self,
        access_token: &SensitiveString,
        previous: &str,
        proposed: &str,
    ) -> Result<(), Error> {
        let mut req = ChangePasswordRequest::new(access_token.clone(), proposed);
        req.previous_password = Some(previous.into());
        self.wire().call::<op::ChangePassword>(&req).await?;
        Ok(())
    }

    /// `GetUser`.
    pub async fn get_user(&self, access_token: &SensitiveString) -> Result<GetUserResponse, Error> {
        Ok(self
            .wire()
            .call::<op::GetUser>(&GetUserRequest::new(access_token.clone()))
            .await?)
    }

    /// `UpdateUserAttributes`.
    pub async fn update_user_attributes(
        &self,
        access_token: &SensitiveString,
        attrs: &BTreeMap<String, String>,
    ) -> Result<UpdateUserAttributesResponse, Error> {
        let req = UpdateUserAttributesRequest::new(access_token.clone(), attributes(attrs));
        Ok(self.wire().call::<op::UpdateUserAttributes>(&req).await?)
    }

    /// `DeleteUserAttributes`.
    pub async fn delete_user_attributes(
        &self,
        access_token: &SensitiveString,
        names: &[&str],
    ) -> Result<(), Error> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        self.wire()
            .call::<op::DeleteUserAttributes>(&DeleteUserAttributesRequest::new(
                access_token.clone(),
                names,
            ))
            .await?;
        Ok(())
    }

    /// `GetUserAttributeVerificationCode`.
    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &SensitiveString,
        attribute: &str,
    ) -> Result<GetUserAttributeVerificationCodeResponse, Error> {
        let req = GetUserAttributeVerificationCodeRequest::new(access_token.clone(), attribute);
        Ok(self
            .wire()
            .call::<op::GetUserAttributeVerificationCode>(&req)
            .await?)
    }

    /// `VerifyUserAttribute`.
    pub async fn verify_user_attribute(
        &self,
        access_token: &SensitiveString,
        attribute: &str,
        code: &str,
    ) -> Result<(), Error> {
        let req = VerifyUserAttributeRequest::new(access_token.clone(), attribute, code);
        self.wire().call::<op::VerifyUserAttribute>(&req).await?;
        Ok(())
    }

    /// `DeleteUser`.
    pub async fn delete_user(&self, access_token: &SensitiveString) -> Result<(), Error> {
        self.wire()
            .call::<op::DeleteUser>(&DeleteUserRequest::new(access_token.clone()))
            .await?;
        Ok(())
    }

    /// `GlobalSignOut`: invalidates every refresh token of the user.
    pub async fn global_sign_out(&self, access_token: &SensitiveString) -> Result<(), Error> {
        self.wire()
            .call::<op::GlobalSignOut>(&GlobalSignOutRequest::new(access_token.clone()))
            .await?;
        Ok(())
    }

    /// `RevokeToken`: revokes a refresh token and the tokens issued from it.
    pub async fn revoke_token(&self, refresh_token: &SensitiveString) -> Result<(), Error> {
        let mut req = RevokeTokenRequest::new(self.client_id(), refresh_token.clone());
        req.client_secret = self.inner.client_secret.clone();
        self.wire().call::<op::RevokeToken>(&req).await?;
        Ok(())
    }

    /// `AssociateSoftwareToken` for a signed-in user: the TOTP secret to add to an app.
    pub async fn associate_software_token(
        &self,
        access_token: &SensitiveString,
    ) -> Result<SensitiveString, Error> {
        let req = AssociateSoftwareTokenRequest {
            access_token: Some(access_token.clone()),
            ..Default::default()
        };
        let resp = self.wire().call::<op::AssociateSoftwareToken>(&req).await?;
        resp.secret_code
            .ok_or(Error::Auth(crate::AuthError::MissingToken("SecretCode")))
    }

    /// `VerifySoftwareToken` for a signed-in user.
    pub async fn verify_software_token(
        &self,
        access_token: &SensitiveString,
        code: &str,
        friendly_name: Option<&str>,
    ) -> Result<bool, Error> {
        let mut req = VerifySoftwareTokenRequest::new(code);
        req.access_token = Some(access_token.clone());
        req.friendly_device_name = friendly_name.map(str::to_owned);
        let resp = self.wire().call::<op::VerifySoftwareToken>(&req).await?;
        Ok(resp.status == Some(VerifySoftwareTokenResponseType::Success))
    }

    /// `SetUserMFAPreference` (SMS, TOTP, email).
    pub async fn set_mfa_preference(
        &self,
        access_token: &SensitiveString,
        pref: MfaPreference,
    ) -> Result<(), Error> {
        let mut req = SetUserMFAPreferenceRequest::new(access_token.clone());
        (
            req.sms_mfa_settings,
            req.software_token_mfa_settings,
            req.email_mfa_settings,
        ) = pref.settings();
        self.wire().call::<op::SetUserMFAPreference>(&req).await?;
        Ok(())
    }

    /// `ListDevices`, every page.
    pub async fn list_devices(
        &self,
        access_token: &SensitiveString,
    ) -> Result<Vec<DeviceType>, Error> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let mut req = ListDevicesRequest::new(access_token.clone());
            req.pagination_token = token;
            let resp = self.wire().call::<op::ListDevices>(&req).await?;
            out.extend(resp.devices.unwrap_or_default());
            match resp.pagination_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    /// `GetDevice`.
    pub async fn get_device(
        &self,
        access_token: &SensitiveString,
        device_key: &str,
    ) -> Result<DeviceType, Error> {
        let mut req = GetDeviceRequest::new(device_key);
        req.access_token = Some(access_token.clone());
        Ok(self.wire().call::<op::GetDevice>(&req).await?.device)
    }

    /// `ForgetDevice`; also drops it from the device store when it is the stored one.
    pub async fn forget_device(
        &self,
        access_token: &SensitiveString,
        device_key: &str,
        sign_in_name: Option<&str>,
    ) -> Result<(), Error> {
        let mut req = ForgetDeviceRequest::new(device_key);
        req.access_token = Some(access_token.clone());
        self.wire().call::<op::ForgetDevice>(&req).await?;
        if let Some(name) = sign_in_name {
            let key = self.device_ref(name);
            if self
                .inner
                .devices
                .get(&key)?
                .is_some_and(|d| d.device_key == device_key)
            {
                self.inner.devices.remove(&key)?;
            }
        }
        Ok(())
    }
}
