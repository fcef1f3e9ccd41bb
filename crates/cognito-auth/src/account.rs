//! The user's own operations: sign-up, passwords, profile, MFA settings, devices, sign-out.
//! Each takes an access token or only the client id, never AWS credentials.

use crate::{CognitoAuth, DeviceCredentials, Error, Session};
use cognito_wire::*;
use cognito_wire::{AttributeType, SensitiveString, op};
use srp_core::Password;
use std::collections::BTreeMap;

fn attributes(map: &BTreeMap<String, String>) -> Result<Vec<AttributeType>, Error> {
    map.iter()
        .map(|(name, value)| {
            Ok(AttributeType::builder()
                .name(name.clone())
                .value(value.as_str())
                .build()?)
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
/// let totp_only = MfaPreference::default()
///     .totp(MfaSetting::enabled(true))
///     .sms(MfaSetting::disabled());
/// assert!(totp_only.email.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MfaPreference {
    /// SMS.
    pub sms: Option<MfaSetting>,
    /// Software token (TOTP).
    pub totp: Option<MfaSetting>,
    /// Email OTP.
    pub email: Option<MfaSetting>,
}

impl MfaPreference {
    /// Sets SMS.
    pub fn sms(mut self, setting: MfaSetting) -> Self {
        self.sms = Some(setting);
        self
    }

    /// Sets the software token (TOTP).
    pub fn totp(mut self, setting: MfaSetting) -> Self {
        self.totp = Some(setting);
        self
    }

    /// Sets email OTP.
    pub fn email(mut self, setting: MfaSetting) -> Self {
        self.email = Some(setting);
        self
    }

    /// The three `*MfaSettingsType` members of a (Admin)SetUserMFAPreference request.
    pub fn settings(
        &self,
    ) -> (
        Option<SMSMfaSettingsType>,
        Option<SoftwareTokenMfaSettingsType>,
        Option<EmailMfaSettingsType>,
    ) {
        (
            self.sms.map(|s| {
                SMSMfaSettingsType::builder()
                    .enabled(s.enabled)
                    .preferred_mfa(s.preferred)
                    .build()
            }),
            self.totp.map(|s| {
                SoftwareTokenMfaSettingsType::builder()
                    .enabled(s.enabled)
                    .preferred_mfa(s.preferred)
                    .build()
            }),
            self.email.map(|s| {
                EmailMfaSettingsType::builder()
                    .enabled(s.enabled)
                    .preferred_mfa(s.preferred)
                    .build()
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
        let mut req = SignUpRequest::builder()
            .client_id(self.client_id())
            .username(username)
            .build()?;
        req.password = Some(password.into());
        req.secret_hash = self.secret_hash(username);
        req.user_attributes = Some(attributes(attrs)?);
        Ok(self.wire().call::<op::SignUp>(&req).await?)
    }

    /// `ConfirmSignUp` with the code that was sent.
    pub async fn confirm_sign_up(
        &self,
        username: &str,
        code: &str,
    ) -> Result<ConfirmSignUpResponse, Error> {
        let mut req = ConfirmSignUpRequest::builder()
            .client_id(self.client_id())
            .confirmation_code(code)
            .username(username)
            .build()?;
        req.secret_hash = self.secret_hash(username);
        Ok(self.wire().call::<op::ConfirmSignUp>(&req).await?)
    }

    /// `ResendConfirmationCode`.
    pub async fn resend_confirmation_code(
        &self,
        username: &str,
    ) -> Result<ResendConfirmationCodeResponse, Error> {
        let mut req = ResendConfirmationCodeRequest::builder()
            .client_id(self.client_id())
            .username(username)
            .build()?;
        req.secret_hash = self.secret_hash(username);
        Ok(self.wire().call::<op::ResendConfirmationCode>(&req).await?)
    }

    /// `ForgotPassword`: sends a reset code.
    pub async fn forgot_password(&self, username: &str) -> Result<ForgotPasswordResponse, Error> {
        let mut req = ForgotPasswordRequest::builder()
            .client_id(self.client_id())
            .username(username)
            .build()?;
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
        let mut req = ConfirmForgotPasswordRequest::builder()
            .client_id(self.client_id())
            .confirmation_code(code)
            .password(new_password)
            .username(username)
            .build()?;
        req.secret_hash = self.secret_hash(username);
        self.wire().call::<op::ConfirmForgotPassword>(&req).await?;
        Ok(())
    }
}

/// The user's own operations, each sent with a valid access token of the session (refreshed
/// first when it is about to expire).
impl Session {
    /// `ChangePassword`.
    pub async fn change_password(
        &self,
        previous: impl Into<Password>,
        proposed: impl Into<Password>,
    ) -> Result<(), Error> {
        let (previous, proposed) = (previous.into(), proposed.into());
        let mut req = ChangePasswordRequest::builder()
            .access_token(self.access_token().await?)
            .proposed_password(proposed.expose())
            .build()?;
        req.previous_password = Some(previous.expose().into());
        self.auth().wire().call::<op::ChangePassword>(&req).await?;
        Ok(())
    }

    /// `GetUser`: the user's name, attributes and MFA settings.
    pub async fn get_user(&self) -> Result<GetUserResponse, Error> {
        let req = GetUserRequest::builder()
            .access_token(self.access_token().await?)
            .build()?;
        Ok(self.auth().wire().call::<op::GetUser>(&req).await?)
    }

    /// `UpdateUserAttributes` (a changed email or phone number gets a verification code).
    pub async fn update_user_attributes(
        &self,
        attrs: &BTreeMap<String, String>,
    ) -> Result<UpdateUserAttributesResponse, Error> {
        let req = UpdateUserAttributesRequest::builder()
            .access_token(self.access_token().await?)
            .user_attributes(attributes(attrs)?)
            .build()?;
        Ok(self
            .auth()
            .wire()
            .call::<op::UpdateUserAttributes>(&req)
            .await?)
    }

    /// `DeleteUserAttributes`.
    pub async fn delete_user_attributes(&self, names: &[&str]) -> Result<(), Error> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let req = DeleteUserAttributesRequest::builder()
            .access_token(self.access_token().await?)
            .user_attribute_names(names)
            .build()?;
        self.auth()
            .wire()
            .call::<op::DeleteUserAttributes>(&req)
            .await?;
        Ok(())
    }

    /// `GetUserAttributeVerificationCode`: sends a code to verify `email` or `phone_number`.
    pub async fn get_user_attribute_verification_code(
        &self,
        attribute: &str,
    ) -> Result<GetUserAttributeVerificationCodeResponse, Error> {
        let req = GetUserAttributeVerificationCodeRequest::builder()
            .access_token(self.access_token().await?)
            .attribute_name(attribute)
            .build()?;
        Ok(self
            .auth()
            .wire()
            .call::<op::GetUserAttributeVerificationCode>(&req)
            .await?)
    }

    /// `VerifyUserAttribute` with the code that was sent.
    pub async fn verify_user_attribute(&self, attribute: &str, code: &str) -> Result<(), Error> {
        let req = VerifyUserAttributeRequest::builder()
            .access_token(self.access_token().await?)
            .attribute_name(attribute)
            .code(code)
            .build()?;
        self.auth()
            .wire()
            .call::<op::VerifyUserAttribute>(&req)
            .await?;
        Ok(())
    }

    /// `DeleteUser`: deletes the user; the session is forgotten in the store.
    pub async fn delete_user(&self) -> Result<(), Error> {
        let req = DeleteUserRequest::builder()
            .access_token(self.access_token().await?)
            .build()?;
        self.auth().wire().call::<op::DeleteUser>(&req).await?;
        if let Some(store) = &self.auth().inner.session_store {
            store.clear()?;
        }
        Ok(())
    }

    /// `AssociateSoftwareToken`: the TOTP secret to add to an authenticator app (confirm it with
    /// [`verify_software_token`](Self::verify_software_token)).
    pub async fn associate_software_token(&self) -> Result<SensitiveString, Error> {
        let req = AssociateSoftwareTokenRequest::builder()
            .access_token(self.access_token().await?)
            .build();
        let resp = self
            .auth()
            .wire()
            .call::<op::AssociateSoftwareToken>(&req)
            .await?;
        resp.secret_code
            .ok_or(Error::Auth(crate::AuthError::MissingToken("SecretCode")))
    }

    /// `VerifySoftwareToken`: the first code of the new authenticator entry. A wrong code is
    /// an error with [`NextAction::FixInput`](crate::NextAction::FixInput): ask again, the secret
    /// stays the same.
    pub async fn verify_software_token(
        &self,
        code: &SensitiveString,
        friendly_name: Option<&str>,
    ) -> Result<(), Error> {
        let mut req = VerifySoftwareTokenRequest::builder()
            .user_code(code.clone())
            .build()?;
        req.access_token = Some(self.access_token().await?);
        req.friendly_device_name = friendly_name.map(str::to_owned);
        let resp = self
            .auth()
            .wire()
            .call::<op::VerifySoftwareToken>(&req)
            .await?;
        if resp.status == Some(VerifySoftwareTokenResponseType::Success) {
            Ok(())
        } else {
            Err(Error::Auth(crate::AuthError::SoftwareTokenNotVerified))
        }
    }

    /// `SetUserMFAPreference` (SMS, TOTP, email).
    pub async fn set_mfa_preference(&self, pref: MfaPreference) -> Result<(), Error> {
        let mut req = SetUserMFAPreferenceRequest::builder()
            .access_token(self.access_token().await?)
            .build()?;
        (
            req.sms_mfa_settings,
            req.software_token_mfa_settings,
            req.email_mfa_settings,
        ) = pref.settings();
        self.auth()
            .wire()
            .call::<op::SetUserMFAPreference>(&req)
            .await?;
        Ok(())
    }

    /// `ListDevices`, every page.
    pub async fn list_devices(&self) -> Result<Vec<DeviceType>, Error> {
        let access_token = self.access_token().await?;
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let mut req = ListDevicesRequest::builder()
                .access_token(access_token.clone())
                .build()?;
            req.pagination_token = token;
            let resp = self.auth().wire().call::<op::ListDevices>(&req).await?;
            out.extend(resp.devices.unwrap_or_default());
            match resp.pagination_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    /// `GetDevice`.
    pub async fn get_device(&self, device_key: &str) -> Result<DeviceType, Error> {
        let mut req = GetDeviceRequest::builder().device_key(device_key).build()?;
        req.access_token = Some(self.access_token().await?);
        Ok(self.auth().wire().call::<op::GetDevice>(&req).await?.device)
    }

    /// `ForgetDevice`; also drops it from the device store, and from this session, when it is
    /// this user's device there.
    pub async fn forget_device(&self, device_key: &str) -> Result<(), Error> {
        let mut req = ForgetDeviceRequest::builder()
            .device_key(device_key)
            .build()?;
        req.access_token = Some(self.access_token().await?);
        self.auth().wire().call::<op::ForgetDevice>(&req).await?;
        let auth = self.auth();
        let key = auth.device_ref(&self.sign_in_name());
        if auth
            .inner
            .devices
            .get(&key)?
            .is_some_and(|d| d.device_key == device_key)
        {
            auth.inner.devices.remove(&key)?;
        }
        self.update(|state| {
            if state.device_key() == Some(device_key) {
                state.device = None;
                state.new_device = None;
            }
        })?;
        Ok(())
    }

    /// Confirms the device Cognito offered at this sign-in (`ConfirmDevice` with a fresh device
    /// secret; for [`DevicePolicy::Never`](crate::DevicePolicy::Never), where the driver leaves it
    /// to the caller), keeps it in the device store and the session, and marks it remembered or
    /// not. Returns its credentials.
    pub async fn confirm_new_device(&self, remembered: bool) -> Result<DeviceCredentials, Error> {
        let new = self
            .new_device()
            .ok_or_else(|| Error::Config("Cognito offered no device at this sign-in".to_owned()))?;
        let token = self.access_token().await?;
        let device = self.auth().confirm_device(&token, &new).await?;
        let auth = self.auth();
        auth.inner
            .devices
            .put(&auth.device_ref(&self.sign_in_name()), &device)?;
        self.update(|state| state.device = Some(device.clone()))?;
        auth.set_device_remembered(&token, &new.device_key, remembered)
            .await?;
        if remembered {
            self.update(|state| state.new_device = None)?;
        }
        Ok(device)
    }

    /// Marks any device of the user remembered or not (`UpdateDeviceStatus`).
    pub async fn update_device_status(
        &self,
        device_key: &str,
        remembered: bool,
    ) -> Result<(), Error> {
        let token = self.access_token().await?;
        self.auth()
            .set_device_remembered(&token, device_key, remembered)
            .await
    }

    /// Marks this session's device remembered or not (`UpdateDeviceStatus`). With
    /// [`DevicePolicy::Ask`](crate::DevicePolicy::Ask) the device was confirmed and stored at
    /// sign-in and waits for this answer.
    pub async fn set_device_remembered(&self, remembered: bool) -> Result<(), Error> {
        let key = self
            .state()
            .device_key()
            .map(str::to_owned)
            .ok_or_else(|| Error::Config("this session has no device".to_owned()))?;
        let token = self.access_token().await?;
        self.auth()
            .set_device_remembered(&token, &key, remembered)
            .await?;
        if remembered {
            self.update(|state| {
                if state.device.is_some() {
                    state.new_device = None;
                }
            })?;
        }
        Ok(())
    }
}

impl CognitoAuth {
    /// `GlobalSignOut`: invalidates every refresh token of the user.
    pub(crate) async fn global_sign_out(
        &self,
        access_token: &SensitiveString,
    ) -> Result<(), Error> {
        self.wire()
            .call::<op::GlobalSignOut>(
                &GlobalSignOutRequest::builder()
                    .access_token(access_token.clone())
                    .build()?,
            )
            .await?;
        Ok(())
    }

    /// `RevokeToken`: revokes a refresh token and the tokens issued from it.
    pub(crate) async fn revoke_token(&self, refresh_token: &SensitiveString) -> Result<(), Error> {
        let mut req = RevokeTokenRequest::builder()
            .client_id(self.client_id())
            .token(refresh_token.clone())
            .build()?;
        req.client_secret = self.inner.client_secret.clone();
        self.wire().call::<op::RevokeToken>(&req).await?;
        Ok(())
    }
}
