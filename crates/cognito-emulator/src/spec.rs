//! Provisioning specs: pools, app clients, users and groups (the embedded API and the seed file).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn default_region() -> String {
    "us-east-1".to_owned()
}
fn default_hour() -> u64 {
    3600
}
fn default_refresh() -> u64 {
    30 * 24 * 3600
}
fn default_min_length() -> usize {
    8
}

/// Whether a pool asks for multi-factor authentication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum MfaConfig {
    /// No MFA (`OFF`).
    #[default]
    Off,
    /// MFA for users who enabled a method (`OPTIONAL`).
    Optional,
    /// MFA for everybody; users without a method must set one up (`ON`).
    On,
}

/// Device tracking of a pool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeviceTracking {
    /// No device tracking.
    #[default]
    Off,
    /// Every confirmed device is remembered.
    Always,
    /// Devices are tracked; the user chooses to remember them (`UpdateDeviceStatus`).
    UserOptIn,
}

/// A user pool.
///
/// ```
/// let spec: cognito_emulator::PoolSpec = serde_json::from_str(r#"{"name": "demo", "mfa": "OPTIONAL"}"#).unwrap();
/// assert_eq!(spec.region, "us-east-1");
/// assert_eq!(spec.mfa, cognito_emulator::MfaConfig::Optional);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PoolSpec {
    /// Pool name.
    pub name: String,
    /// Region (the prefix of the pool id).
    pub region: String,
    /// A fixed pool id (`<region>_<name>`), for seeds; random when `None`.
    pub id: Option<String>,
    /// MFA configuration.
    pub mfa: MfaConfig,
    /// Whether SMS MFA is offered (when MFA is not off).
    pub sms_mfa: bool,
    /// Whether software-token (TOTP) MFA is offered.
    pub software_token_mfa: bool,
    /// Whether email OTP MFA is offered.
    pub email_mfa: bool,
    /// `UsernameAttributes`: `email` and/or `phone_number` sign in instead of a username.
    pub username_attributes: Vec<String>,
    /// `AliasAttributes`: `email`, `phone_number`, `preferred_username` as sign-in aliases.
    pub alias_attributes: Vec<String>,
    /// `AutoVerifiedAttributes`: `email` and/or `phone_number` (default: `email`).
    pub auto_verified_attributes: Vec<String>,
    /// Device tracking.
    pub device_tracking: DeviceTracking,
    /// Attributes every user must have (`email`, `name`, ...).
    pub required_attributes: Vec<String>,
    /// Password policy: minimum length.
    pub password_min_length: usize,
    /// Password policy: needs an uppercase letter.
    pub password_require_uppercase: bool,
    /// Password policy: needs a lowercase letter.
    pub password_require_lowercase: bool,
    /// Password policy: needs a digit.
    pub password_require_numbers: bool,
    /// Password policy: needs a symbol.
    pub password_require_symbols: bool,
    /// Default access token validity, seconds (clients may override).
    pub access_token_validity_secs: u64,
    /// Default id token validity, seconds.
    pub id_token_validity_secs: u64,
    /// Default refresh token validity, seconds.
    pub refresh_token_validity_secs: u64,
    /// Validity of codes (sign-up, forgot password, verification), seconds.
    pub code_validity_secs: u64,
    /// `AllowAdminCreateUserOnly`: self sign-up refused.
    pub admin_create_user_only: bool,
    /// Lambda triggers: `LambdaConfig` member (`PreSignUp`, `PreTokenGeneration`, ...) to
    /// function ARN (see [`PoolSpec::lambda_trigger`]). A `LambdaConfig` given to
    /// `CreateUserPool` / `UpdateUserPool` is used for the triggers not set here.
    pub lambda_config: BTreeMap<String, String>,
    /// The pre token generation event version: `V1_0` (default), `V2_0` or `V3_0`
    /// (`PreTokenGenerationConfig.LambdaVersion`).
    pub pre_token_generation_version: Option<String>,
}

impl Default for PoolSpec {
    fn default() -> Self {
        PoolSpec {
            name: "pool".to_owned(),
            region: default_region(),
            id: None,
            mfa: MfaConfig::Off,
            sms_mfa: true,
            software_token_mfa: true,
            email_mfa: true,
            username_attributes: Vec::new(),
            alias_attributes: Vec::new(),
            auto_verified_attributes: vec!["email".to_owned()],
            device_tracking: DeviceTracking::Off,
            required_attributes: Vec::new(),
            password_min_length: default_min_length(),
            password_require_uppercase: true,
            password_require_lowercase: true,
            password_require_numbers: true,
            password_require_symbols: true,
            access_token_validity_secs: default_hour(),
            id_token_validity_secs: default_hour(),
            refresh_token_validity_secs: default_refresh(),
            code_validity_secs: 24 * 3600,
            admin_create_user_only: false,
            lambda_config: BTreeMap::new(),
            pre_token_generation_version: None,
        }
    }
}

impl PoolSpec {
    /// A pool with this name and every other setting at its default.
    pub fn named(name: impl Into<String>) -> Self {
        PoolSpec {
            name: name.into(),
            ..PoolSpec::default()
        }
    }
}

/// The explicit auth flows a client gets by default: all of them.
pub const DEFAULT_AUTH_FLOWS: &[&str] = &[
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_AUTH",
];

fn default_flows() -> Vec<String> {
    DEFAULT_AUTH_FLOWS.iter().map(|s| (*s).to_owned()).collect()
}

/// An app client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ClientSpec {
    /// Client name.
    pub name: String,
    /// A fixed client id, for seeds; random (26 characters) when `None`.
    pub client_id: Option<String>,
    /// Generate a client secret.
    pub generate_secret: bool,
    /// A fixed client secret, for seeds (implies a secret).
    pub client_secret: Option<String>,
    /// `ExplicitAuthFlows` (`USER_SRP_AUTH` or `ALLOW_USER_SRP_AUTH` forms both accepted).
    pub explicit_auth_flows: Vec<String>,
    /// Refresh token rotation: `Some(grace seconds)` turns it on.
    pub refresh_token_rotation: Option<u64>,
    /// Access token validity override, seconds.
    pub access_token_validity_secs: Option<u64>,
    /// Id token validity override, seconds.
    pub id_token_validity_secs: Option<u64>,
    /// Refresh token validity override, seconds.
    pub refresh_token_validity_secs: Option<u64>,
    /// `PreventUserExistenceErrors` = `ENABLED` (unknown users get "Incorrect username or password.").
    pub prevent_user_existence_errors: bool,
    /// `EnableTokenRevocation`.
    pub enable_token_revocation: bool,
    /// `ReadAttributes`: the attributes this client may read (`GetUser`); all when `None`.
    pub read_attributes: Option<Vec<String>>,
    /// `WriteAttributes`: the attributes this client may write (`SignUp`,
    /// `UpdateUserAttributes`); every writable one when `None`. `email_verified` /
    /// `phone_number_verified` are never writable by a client.
    pub write_attributes: Option<Vec<String>>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        ClientSpec {
            name: "client".to_owned(),
            client_id: None,
            generate_secret: false,
            client_secret: None,
            explicit_auth_flows: default_flows(),
            refresh_token_rotation: None,
            access_token_validity_secs: None,
            id_token_validity_secs: None,
            refresh_token_validity_secs: None,
            prevent_user_existence_errors: true,
            enable_token_revocation: true,
            read_attributes: None,
            write_attributes: None,
        }
    }
}

impl ClientSpec {
    /// A public client (no secret) with this name.
    pub fn public(name: impl Into<String>) -> Self {
        ClientSpec {
            name: name.into(),
            ..ClientSpec::default()
        }
    }

    /// A confidential client (with a generated secret) with this name.
    pub fn confidential(name: impl Into<String>) -> Self {
        ClientSpec {
            name: name.into(),
            generate_secret: true,
            ..ClientSpec::default()
        }
    }
}

/// A created app client: its id and secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppClient {
    /// The client id.
    pub client_id: String,
    /// The client secret, for confidential clients.
    pub client_secret: Option<String>,
}

impl AppClient {
    /// An app client known by its id and, for a confidential client, its secret (what
    /// [`Emulator::create_client`](crate::Emulator::create_client) returns).
    pub fn new(client_id: impl Into<String>, client_secret: Option<String>) -> Self {
        AppClient {
            client_id: client_id.into(),
            client_secret,
        }
    }
}

impl std::fmt::Debug for AppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppClient")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// A user's MFA settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct UserMfaSpec {
    /// SMS MFA enabled (needs `phone_number`).
    pub sms: bool,
    /// A verified software token with this base32 secret.
    pub totp_secret: Option<String>,
    /// Email OTP MFA enabled (needs `email`).
    pub email: bool,
    /// Preferred method: `SMS_MFA`, `SOFTWARE_TOKEN_MFA` or `EMAIL_OTP` (another name is refused
    /// when the user is created).
    pub preferred: Option<String>,
}

/// A user.
///
/// ```
/// let u: cognito_emulator::UserSpec =
///     serde_json::from_str(r#"{"username": "alice", "password": "Passw0rd!", "attributes": {"email": "a@example.com"}}"#).unwrap();
/// assert!(u.enabled);
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct UserSpec {
    /// The username (with `username_attributes`, the email or phone number to sign in with).
    pub username: String,
    /// A permanent password (status `CONFIRMED` unless `status` says otherwise).
    pub password: Option<String>,
    /// A temporary password (status `FORCE_CHANGE_PASSWORD`).
    pub temporary_password: Option<String>,
    /// `CONFIRMED`, `UNCONFIRMED`, `FORCE_CHANGE_PASSWORD` or `RESET_REQUIRED`; derived when `None`.
    pub status: Option<String>,
    /// Attributes (`email`, `phone_number`, `email_verified`, `custom:x`, ...).
    pub attributes: BTreeMap<String, String>,
    /// MFA settings.
    pub mfa: UserMfaSpec,
    /// Groups (created when missing).
    pub groups: Vec<String>,
    /// Enabled.
    pub enabled: bool,
}

impl Default for UserSpec {
    fn default() -> Self {
        UserSpec {
            username: String::new(),
            password: None,
            temporary_password: None,
            status: None,
            attributes: BTreeMap::new(),
            mfa: UserMfaSpec::default(),
            groups: Vec::new(),
            enabled: true,
        }
    }
}

impl UserSpec {
    /// A confirmed user with a permanent password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        UserSpec {
            username: username.into(),
            password: Some(password.into()),
            ..UserSpec::default()
        }
    }

    /// Adds an attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }
}

impl std::fmt::Debug for UserSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSpec")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field(
                "temporary_password",
                &self.temporary_password.as_ref().map(|_| "[redacted]"),
            )
            .field("status", &self.status)
            .field("attributes", &self.attributes)
            .field("groups", &self.groups)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// A group in a seed file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupSpec {
    /// Group name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Precedence.
    pub precedence: Option<i32>,
}

/// One pool of a seed file: the pool settings, its clients, users and groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SeedPool {
    /// Pool settings.
    #[serde(flatten)]
    pub pool: PoolSpec,
    /// App clients.
    #[serde(default)]
    pub clients: Vec<ClientSpec>,
    /// Users.
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
}

/// A seed file: `{"pools": [...]}`.
///
/// ```
/// let seed: cognito_emulator::Seed = serde_json::from_str(r#"{"pools": [{
///     "name": "demo", "id": "us-east-1_demo",
///     "clients": [{"name": "web", "client_id": "webclient"}],
///     "users": [{"username": "alice", "password": "Passw0rd!", "groups": ["admins"]}]
/// }]}"#).unwrap();
/// assert_eq!(seed.pools[0].users[0].username, "alice");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Seed {
    /// Pools.
    #[serde(default)]
    pub pools: Vec<SeedPool>,
    /// Local handlers of Lambda functions, by function ARN, pool id or `*` (as
    /// [`EmulatorConfig::triggers`](crate::EmulatorConfig::triggers)):
    /// `{"url": "http://127.0.0.1:9001"}` or `{"program": "python3", "args": ["handler.py"]}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, crate::TriggerHandler>,
}

/// How a code left the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Medium {
    /// A text message.
    Sms,
    /// An email.
    Email,
}

/// Why a code was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OutboxKind {
    /// Sign-up confirmation.
    SignUp,
    /// Forgot password.
    ForgotPassword,
    /// MFA code at sign-in (SMS_MFA, EMAIL_OTP as MFA).
    Mfa,
    /// Passwordless one-time password (USER_AUTH EMAIL_OTP / SMS_OTP, custom challenge).
    Otp,
    /// Attribute verification.
    Verify,
    /// Invitation with a temporary password (AdminCreateUser).
    Invite,
}

/// A message "sent" by SMS or email: what tests read instead of a phone or an inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboxMessage {
    /// Pool id.
    pub pool_id: String,
    /// The user's username (internal name).
    pub username: String,
    /// Phone number or email address.
    pub destination: String,
    /// SMS or email.
    pub medium: Medium,
    /// Why it was sent.
    pub kind: OutboxKind,
    /// The code (or temporary password for invitations).
    pub code: String,
    /// The message text.
    pub message: String,
    /// Unix time (seconds, emulator clock).
    pub at: i64,
}
