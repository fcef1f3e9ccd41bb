//! What a sign-in needs to know before it starts.

use cognito_wire::ChallengeNameType;
use cognito_wire::SensitiveString;
use srp_core::{DevicePassword, Password};

/// Which `AuthFlow` to start with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Flow {
    /// `USER_SRP_AUTH`: the password never leaves the client (the default).
    #[default]
    UserSrp,
    /// `USER_PASSWORD_AUTH`: the password is sent over TLS.
    UserPassword,
    /// `CUSTOM_AUTH`; with `srp: true`, starts with `SRP_A` / `CHALLENGE_NAME=SRP_A` so that the
    /// define-challenge trigger can ask for `PASSWORD_VERIFIER` first.
    Custom {
        /// Start with SRP.
        srp: bool,
    },
    /// `USER_AUTH` (choice-based): optionally with a preferred first factor
    /// (`PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`).
    UserAuth {
        /// `PREFERRED_CHALLENGE`.
        preferred: Option<FirstFactor>,
    },
    /// `ADMIN_USER_PASSWORD_AUTH` through `AdminInitiateAuth` (needs SigV4: used by
    /// cognito-admin).
    AdminUserPassword,
    /// `USER_SRP_AUTH` through `AdminInitiateAuth`.
    AdminUserSrp,
}

impl Flow {
    /// Whether this flow goes through the `Admin*` operations.
    pub fn is_admin(&self) -> bool {
        matches!(self, Flow::AdminUserPassword | Flow::AdminUserSrp)
    }
}

/// A first factor of choice-based sign-in (`USER_AUTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirstFactor {
    /// `PASSWORD`.
    Password,
    /// `PASSWORD_SRP`.
    PasswordSrp,
    /// `EMAIL_OTP`.
    EmailOtp,
    /// `SMS_OTP`.
    SmsOtp,
    /// `WEB_AUTHN`.
    WebAuthn,
}

impl FirstFactor {
    /// The challenge Cognito names it with.
    pub fn challenge(self) -> ChallengeNameType {
        match self {
            FirstFactor::Password => ChallengeNameType::Password,
            FirstFactor::PasswordSrp => ChallengeNameType::PasswordSrp,
            FirstFactor::EmailOtp => ChallengeNameType::EmailOtp,
            FirstFactor::SmsOtp => ChallengeNameType::SmsOtp,
            FirstFactor::WebAuthn => ChallengeNameType::WebAuthn,
        }
    }

    /// The challenge name Cognito uses for it.
    pub fn as_str(self) -> &'static str {
        let name = self.challenge();
        ChallengeNameType::VALUES
            .iter()
            .copied()
            .find(|v| *v == name.as_str())
            .unwrap_or_default()
    }

    /// Parses a challenge name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match ChallengeNameType::from(name) {
            ChallengeNameType::Password => FirstFactor::Password,
            ChallengeNameType::PasswordSrp => FirstFactor::PasswordSrp,
            ChallengeNameType::EmailOtp => FirstFactor::EmailOtp,
            ChallengeNameType::SmsOtp => FirstFactor::SmsOtp,
            ChallengeNameType::WebAuthn => FirstFactor::WebAuthn,
            _ => return None,
        })
    }
}

/// A remembered device's credentials: what `ConfirmDevice` created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceCredentials {
    /// `DeviceKey` (`<region>_<uuid>`).
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
    /// The random device password (a secret).
    #[serde(with = "device_password_serde")]
    pub device_password: DevicePassword,
}

mod device_password_serde {
    use srp_core::DevicePassword;

    pub fn serialize<S: serde::Serializer>(p: &DevicePassword, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(p.expose())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DevicePassword, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        Ok(DevicePassword::new(text))
    }
}

/// Everything a sign-in needs: the pool, the app client, the user and what the client knows
/// (password, remembered device).
///
/// ```
/// use cognito_auth::{Flow, SignInConfig};
/// let cfg = SignInConfig::new("us-east-1_AbC", "client-id", "alice")
///     .password("Passw0rd!")
///     .client_secret("s3cret")
///     .flow(Flow::UserSrp);
/// assert!(!format!("{cfg:?}").contains("Passw0rd!"));
/// assert!(!format!("{cfg:?}").contains("s3cret"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignInConfig {
    /// The user pool id (`us-east-1_AbC`).
    pub pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The app client secret, when the client has one (SECRET_HASH goes on every step).
    pub client_secret: Option<SensitiveString>,
    /// The name the user signs in with (username, or an email / phone alias).
    pub username: String,
    /// The password (not needed for passwordless first factors).
    pub password: Option<Password>,
    /// The flow.
    pub flow: Flow,
    /// A remembered device of this user, if any.
    pub device: Option<DeviceCredentials>,
    /// `ClientMetadata` for Lambda triggers.
    pub client_metadata: Option<std::collections::BTreeMap<String, String>>,
}

impl SignInConfig {
    /// A configuration with the default flow (`USER_SRP_AUTH`) and nothing optional set.
    pub fn new(
        pool_id: impl Into<String>,
        client_id: impl Into<String>,
        username: impl Into<String>,
    ) -> Self {
        SignInConfig {
            pool_id: pool_id.into(),
            client_id: client_id.into(),
            client_secret: None,
            username: username.into(),
            password: None,
            flow: Flow::UserSrp,
            device: None,
            client_metadata: None,
        }
    }

    /// Sets the password.
    pub fn password(mut self, password: impl Into<Password>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Sets the app client secret.
    pub fn client_secret(mut self, secret: impl Into<SensitiveString>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Sets the flow.
    pub fn flow(mut self, flow: Flow) -> Self {
        self.flow = flow;
        self
    }

    /// Uses a remembered device.
    pub fn device(mut self, device: Option<DeviceCredentials>) -> Self {
        self.device = device;
        self
    }
}
