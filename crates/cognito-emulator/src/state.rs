//! The emulator's state: pools with their clients, users, groups, devices and refresh tokens; the
//! outbox; challenge sessions (in memory only).

use crate::error::{ApiError, invalid};
use crate::spec::{ClientSpec, OutboxMessage, PoolSpec};
use serde::{Deserialize, Serialize};
use srp_core::{PublicValue, SecretBlock, ServerEphemeral};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Everything the emulator knows. Serialized whole into the state file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    pub pools: BTreeMap<String, Pool>,
    pub outbox: Vec<OutboxMessage>,
    /// Challenge sessions: short-lived, never persisted.
    #[serde(skip)]
    pub sessions: HashMap<String, Session>,
    /// Failed sign-in attempts (the temporary lockout, [`crate::lockout`]).
    #[serde(default)]
    pub signin_failures: crate::lockout::FailureTable,
    /// Secret behind the simulated answers about unknown users (hex; drawn on first use).
    #[serde(default)]
    pub simulation_secret: String,
    /// Sign-in events and risk configurations ([`crate::coverage`]).
    #[serde(default)]
    pub extras: crate::coverage::Extras,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Pool {
    pub id: String,
    pub spec: PoolSpec,
    pub created: i64,
    pub modified: i64,
    pub key: Option<PoolKey>,
    pub clients: BTreeMap<String, Client>,
    pub users: BTreeMap<String, User>,
    pub groups: BTreeMap<String, Group>,
    pub refresh_tokens: BTreeMap<String, RefreshRecord>,
    /// `origin_jti`s whose access and id tokens were revoked.
    pub revoked_origins: BTreeSet<String>,
    pub identity_providers: BTreeMap<String, serde_json::Value>,
    /// The rest of a `UserPoolType` given at creation or update, echoed by `DescribeUserPool`.
    #[serde(default)]
    pub extra: serde_json::Value,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct PoolKey {
    pub kid: String,
    /// PKCS#8 DER, base64.
    pub pkcs8: String,
    /// Modulus, base64url.
    pub n: String,
    /// Exponent, base64url.
    pub e: String,
    #[serde(skip)]
    pub pair: Option<Arc<ring::signature::RsaKeyPair>>,
}

impl std::fmt::Debug for PoolKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Client {
    pub id: String,
    pub secret: Option<String>,
    pub spec: ClientSpec,
    pub created: i64,
    pub modified: i64,
    #[serde(default)]
    pub extra: serde_json::Value,
    /// The secrets once a rotation began (`AddUserPoolClientSecret`, [`crate::secrets`]);
    /// empty: `secret` alone.
    #[serde(default)]
    pub secrets: Vec<crate::secrets::ClientSecret>,
}

impl Client {
    /// Whether a flow (`USER_SRP_AUTH`) is enabled (either spelling in the spec).
    pub fn allows(&self, flow: &str) -> bool {
        let allow = format!("ALLOW_{flow}");
        self.spec
            .explicit_auth_flows
            .iter()
            .any(|f| f == flow || *f == allow)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredVerifier {
    /// Padded salt bytes, base64.
    pub salt: String,
    /// v, base64.
    pub verifier: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct UserMfa {
    pub sms: bool,
    pub totp: bool,
    pub email: bool,
    pub preferred: Option<String>,
    pub totp_secret: Option<String>,
    /// Associated but not yet verified.
    pub pending_totp_secret: Option<String>,
    /// The last TOTP time step accepted (a code is not reusable).
    pub last_totp_step: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingCode {
    pub code: String,
    pub expires: i64,
    /// Wrong codes submitted against this code; at [`CODE_ATTEMPTS`] the code is dead.
    #[serde(default)]
    pub failures: u32,
    /// For an attribute verification code: the new value the code confirms, applied when it
    /// comes back (`AttributesRequireVerificationBeforeUpdate`: the old value stays until then).
    #[serde(default)]
    pub value: Option<String>,
}

/// Wrong codes a sign-up / forgot-password / attribute verification code survives; the next try
/// (even with the right code) is `LimitExceededException` until a new code is requested.
pub(crate) const CODE_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Device {
    pub key: String,
    pub group_key: String,
    pub name: Option<String>,
    /// Set by ConfirmDevice.
    pub verifier: Option<StoredVerifier>,
    pub remembered: bool,
    pub created: i64,
    pub modified: i64,
    pub last_auth: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct User {
    pub username: String,
    pub sub: String,
    pub attributes: BTreeMap<String, String>,
    pub status: String,
    pub enabled: bool,
    pub created: i64,
    pub modified: i64,
    pub verifier: Option<StoredVerifier>,
    pub mfa: UserMfa,
    /// Codes by purpose: `signup`, `forgot`, `verify:<attribute>`.
    pub codes: BTreeMap<String, PendingCode>,
    pub devices: BTreeMap<String, Device>,
    pub device_group_key: String,
    pub groups: BTreeSet<String>,
    /// Tokens issued before this instant are invalid (GlobalSignOut).
    pub tokens_valid_after: i64,
}

impl User {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub name: String,
    pub description: Option<String>,
    pub precedence: Option<i32>,
    pub role_arn: Option<String>,
    pub created: i64,
    pub modified: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RefreshRecord {
    pub username: String,
    pub client_id: String,
    pub device_key: Option<String>,
    pub origin_jti: String,
    pub auth_time: i64,
    pub issued: i64,
    pub expires: i64,
    pub revoked: bool,
    /// When rotation replaced it (it stays valid for the grace period).
    pub rotated_at: Option<i64>,
}

/// Progress of one sign-in across challenges.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flow {
    #[allow(dead_code)]
    pub admin: bool,
    /// `DEVICE_KEY` sent with the initial request.
    pub device_key: Option<String>,
    pub device_verified: bool,
    pub device_remembered: bool,
    pub mfa_done: bool,
    pub auth_time: i64,
    /// The sign-in name of a simulated sign-in: a name that designates no user, answered as if
    /// it did (`PreventUserExistenceErrors`, [`crate::simulate`]); it can only fail.
    pub simulated: Option<String>,
}

#[derive(Debug)]
pub(crate) struct SrpPending {
    pub server: ServerEphemeral,
    pub a: PublicValue,
    pub secret_block: SecretBlock,
    pub device_key: Option<String>,
}

/// A challenge session: bound to a pool, client, user and expected challenge; single use.
#[derive(Debug)]
pub(crate) struct Session {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub challenge: String,
    pub expires: i64,
    pub flow: Flow,
    pub srp: Option<SrpPending>,
    pub code: Option<String>,
    pub attempts: u32,
    pub pending_totp: Option<String>,
    pub totp_verified: bool,
    pub choices: Vec<String>,
}

impl Pool {
    pub fn region(&self) -> &str {
        &self.spec.region
    }

    /// Finds a user's internal username from a sign-in name: the username (case-insensitive),
    /// an email / phone number used as username or alias, or the `sub`.
    pub fn find_user(&self, name: &str) -> Option<String> {
        if self.users.contains_key(name) {
            return Some(name.to_owned());
        }
        if let Some(u) = self
            .users
            .values()
            .find(|u| u.username.eq_ignore_ascii_case(name))
        {
            return Some(u.username.clone());
        }
        let attrs: Vec<&String> = self
            .spec
            .username_attributes
            .iter()
            .chain(self.spec.alias_attributes.iter())
            .collect();
        for attr in attrs {
            if let Some(u) = self
                .users
                .values()
                .find(|u| u.attr(attr).is_some_and(|v| v.eq_ignore_ascii_case(name)))
            {
                return Some(u.username.clone());
            }
        }
        self.users
            .values()
            .find(|u| u.sub == name)
            .map(|u| u.username.clone())
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.find_user(name).and_then(|n| self.users.get(&n))
    }

    pub fn user_mut(&mut self, name: &str) -> Option<&mut User> {
        let n = self.find_user(name)?;
        self.users.get_mut(&n)
    }

    /// Checks a password against the pool's policy.
    pub fn check_policy(&self, password: &str) -> Result<(), ApiError> {
        let s = &self.spec;
        let fail = |why: &str| {
            ApiError::new(
                "InvalidPasswordException",
                format!("Password did not conform with policy: {why}"),
            )
        };
        if password.chars().count() < s.password_min_length {
            return Err(fail("Password not long enough"));
        }
        if password.len() > 256 {
            return Err(fail("Password is too long"));
        }
        if s.password_require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
            return Err(fail("Password must have uppercase characters"));
        }
        if s.password_require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
            return Err(fail("Password must have lowercase characters"));
        }
        if s.password_require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return Err(fail("Password must have numeric characters"));
        }
        if s.password_require_symbols
            && !password
                .chars()
                .any(|c| c.is_ascii_punctuation() || c == ' ')
        {
            return Err(fail("Password must have symbol characters"));
        }
        Ok(())
    }
}

impl State {
    pub fn pool(&self, id: &str) -> Result<&Pool, ApiError> {
        self.pools.get(id).ok_or_else(|| pool_not_found(id))
    }

    pub fn pool_mut(&mut self, id: &str) -> Result<&mut Pool, ApiError> {
        self.pools.get_mut(id).ok_or_else(|| pool_not_found(id))
    }

    /// The pool of an app client.
    pub fn pool_of_client(&self, client_id: &str) -> Result<String, ApiError> {
        self.pools
            .values()
            .find(|p| p.clients.contains_key(client_id))
            .map(|p| p.id.clone())
            .ok_or_else(|| client_not_found(client_id))
    }
}

pub(crate) fn pool_not_found(id: &str) -> ApiError {
    crate::error::not_found(format!("User pool {id} does not exist."))
}

pub(crate) fn client_not_found(id: &str) -> ApiError {
    crate::error::not_found(format!("User pool client {id} does not exist."))
}

/// Validates a pool id's shape ([`cognito_wire::PoolId`]'s rules: the API's pattern and length,
/// with a region name before the `_`), answering with the API's validation message.
pub(crate) fn check_pool_id(id: &str) -> Result<(), ApiError> {
    match cognito_wire::PoolId::parse(id) {
        Ok(_) => Ok(()),
        Err(_) => Err(invalid(format!(
            "1 validation error detected: Value '{id}' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
        ))),
    }
}
