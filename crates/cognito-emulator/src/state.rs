//! The emulator's records: pools with their clients and groups, users with their devices,
//! refresh tokens, challenge sessions. They live in the database ([`crate::store`]); a request
//! works on them through its [`crate::txn::State`].

use crate::error::{ApiError, invalid};
use crate::spec::{ClientSpec, PoolSpec};
use serde::{Deserialize, Serialize};
use srp_core::{PublicValue, SecretBlock, ServerEphemeral};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What the emulator keeps beside the pools (one JSON document, `meta.globals`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Globals {
    /// Failed sign-in attempts (the temporary lockout, [`crate::lockout`]).
    #[serde(default)]
    pub signin_failures: crate::lockout::FailureTable,
    /// Secret behind the simulated answers about unknown users (hex; drawn on first use).
    #[serde(default)]
    pub simulation_secret: String,
    /// Risk configurations ([`crate::coverage`]).
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
    pub groups: BTreeMap<String, Group>,
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
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

/// The server's half of an SRP exchange waiting for the client's proof. Stored with the session
/// as the private `b`, the verifier, `A` and the secret block; `B` is recomputed when the
/// session is read back.
#[derive(Debug)]
pub(crate) struct SrpPending {
    pub server: ServerEphemeral,
    pub a: PublicValue,
    pub secret_block: SecretBlock,
    pub device_key: Option<String>,
    /// The private `b` (big-endian) `server` was made from.
    pub b: Vec<u8>,
    /// The verifier `server` was made from.
    pub verifier: srp_core::Verifier,
}

/// [`SrpPending`] as stored.
#[derive(Serialize, Deserialize)]
struct SrpPendingDoc {
    b: String,
    verifier: StoredVerifier,
    a: String,
    secret_block: String,
    device_key: Option<String>,
}

impl Serialize for SrpPending {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        SrpPendingDoc {
            b: hex::encode(&self.b),
            verifier: StoredVerifier {
                salt: b64.encode(self.verifier.salt().padded_bytes()),
                verifier: b64.encode(self.verifier.verifier_bytes()),
            },
            a: self.a.to_hex(),
            secret_block: self.secret_block.as_base64().to_owned(),
            device_key: self.device_key.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SrpPending {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let doc = SrpPendingDoc::deserialize(d)?;
        let verifier =
            crate::inner::load_verifier(&doc.verifier).map_err(|e| D::Error::custom(e.message))?;
        let b = hex::decode(&doc.b).map_err(D::Error::custom)?;
        let server =
            ServerEphemeral::from_private_bytes(&verifier, &b).map_err(D::Error::custom)?;
        Ok(SrpPending {
            server,
            a: PublicValue::client_a(&doc.a).map_err(D::Error::custom)?,
            secret_block: SecretBlock::from_base64(&doc.secret_block).map_err(D::Error::custom)?,
            device_key: doc.device_key,
            b,
            verifier,
        })
    }
}

/// A challenge session: bound to a pool, client, user and expected challenge; single use.
#[derive(Debug, Serialize, Deserialize)]
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
