//! Setters for the emulator's specs and configuration: one per field, named as the field, taking
//! its type. The specs are `#[non_exhaustive]` (they grow with Cognito), so code outside this crate
//! starts from a constructor or `Default` and sets what it needs:
//!
//! ```
//! use cognito_emulator::{MfaConfig, PoolSpec};
//! let spec = PoolSpec::named("example").mfa(MfaConfig::On).software_token_mfa(true);
//! assert_eq!(spec.mfa, MfaConfig::On);
//! ```

use crate::{
    ClientSpec, Clock, DeviceTracking, GroupSpec, IssuerMode, MfaConfig, PoolSpec, SeedPool,
    UserMfaSpec, UserSpec,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

macro_rules! setters {
    ($ty:ident { $( $field:ident : $t:ty ),* $(,)? }) => {
        impl crate::$ty {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                #[must_use]
                pub fn $field(mut self, value: $t) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

setters!(PoolSpec {
    name: String,
    region: String,
    id: Option<String>,
    mfa: MfaConfig,
    sms_mfa: bool,
    software_token_mfa: bool,
    email_mfa: bool,
    username_attributes: Vec<String>,
    alias_attributes: Vec<String>,
    auto_verified_attributes: Vec<String>,
    device_tracking: DeviceTracking,
    required_attributes: Vec<String>,
    password_min_length: usize,
    password_require_uppercase: bool,
    password_require_lowercase: bool,
    password_require_numbers: bool,
    password_require_symbols: bool,
    access_token_validity_secs: u64,
    id_token_validity_secs: u64,
    refresh_token_validity_secs: u64,
    code_validity_secs: u64,
    admin_create_user_only: bool,
    lambda_config: BTreeMap<String, String>,
    pre_token_generation_version: Option<String>,
});

impl PoolSpec {
    /// Sets the function ARN of one trigger (`trigger` is a `LambdaConfig` member:
    /// `PreSignUp`, `PostConfirmation`, `PreAuthentication`, `PostAuthentication`,
    /// `DefineAuthChallenge`, `CreateAuthChallenge`, `VerifyAuthChallengeResponse`,
    /// `PreTokenGeneration`, `CustomMessage`, `UserMigration`).
    #[must_use]
    pub fn lambda_trigger(mut self, trigger: impl Into<String>, arn: impl Into<String>) -> Self {
        self.lambda_config.insert(trigger.into(), arn.into());
        self
    }
}

setters!(ClientSpec {
    name: String,
    client_id: Option<String>,
    generate_secret: bool,
    client_secret: Option<String>,
    explicit_auth_flows: Vec<String>,
    refresh_token_rotation: Option<u64>,
    access_token_validity_secs: Option<u64>,
    id_token_validity_secs: Option<u64>,
    refresh_token_validity_secs: Option<u64>,
    prevent_user_existence_errors: bool,
    enable_token_revocation: bool,
    read_attributes: Option<Vec<String>>,
    write_attributes: Option<Vec<String>>,
});

setters!(UserMfaSpec {
    sms: bool,
    totp_secret: Option<String>,
    email: bool,
    preferred: Option<String>,
});

setters!(UserSpec {
    username: String,
    password: Option<String>,
    temporary_password: Option<String>,
    status: Option<String>,
    attributes: BTreeMap<String, String>,
    mfa: UserMfaSpec,
    groups: Vec<String>,
    enabled: bool,
});

setters!(GroupSpec {
    name: String,
    description: Option<String>,
    precedence: Option<i32>,
});

setters!(SeedPool {
    pool: PoolSpec,
    clients: Vec<ClientSpec>,
    users: Vec<UserSpec>,
    groups: Vec<GroupSpec>,
});

setters!(Seed {
    pools: Vec<SeedPool>,
});

setters!(EmulatorConfig {
    port: u16,
    state_file: Option<PathBuf>,
    credentials: Vec<(String, String)>,
    issuer: IssuerMode,
    session_ttl: Duration,
    timestamp_window: Duration,
    sigv4_window: Duration,
    clock: Option<Arc<dyn Clock>>,
    rng_seed: Option<u64>,
    outbox_log: Option<PathBuf>,
    require_sigv4: bool,
    faults: crate::Faults,
    header_read_timeout: Duration,
    max_connections: usize,
    triggers: BTreeMap<String, crate::TriggerHandler>,
    trigger_timeout: Duration,
});

impl crate::EmulatorConfig {
    /// Maps `key` to a local handler of Lambda functions: `key` is a function ARN, a pool id
    /// (every function of that pool) or `*` (every function). See [`crate::TriggerHandler`].
    #[must_use]
    pub fn trigger(mut self, key: impl Into<String>, handler: crate::TriggerHandler) -> Self {
        self.triggers.insert(key.into(), handler);
        self
    }
}

setters!(StandaloneOptions {
    port: u16,
    state_file: Option<PathBuf>,
    seed_file: Option<PathBuf>,
    outbox_log: Option<PathBuf>,
    faults: crate::Faults,
    triggers: BTreeMap<String, crate::TriggerHandler>,
});
