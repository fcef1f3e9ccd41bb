//! The emulator's records: pools with their clients and groups, users with their devices,
//! refresh tokens, challenge sessions. They live in the database ([`crate::store`]); a request
//! works on them through its [`crate::txn::State`].

use crate::error::{ApiError, invalid};
use crate::spec::{ClientSpec, PoolSpec};
use cognito_wire::{AuthFlowType, ChallengeNameType, UserStatusType};
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
    /// Its domains by name: at most one prefix domain and one custom domain
    /// ([`crate::oauth_config`]).
    #[serde(default)]
    pub domains: BTreeMap<String, cognito_wire::DomainDescriptionType>,
    /// Its resource servers by identifier, with their custom scopes.
    #[serde(default)]
    pub resource_servers: BTreeMap<String, cognito_wire::ResourceServerType>,
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
    pub fn allows(&self, flow: &AuthFlowType) -> bool {
        let flow = flow.as_str();
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
    /// A stored name that is no MFA kind reads as none (it never designated a method).
    #[serde(default, deserialize_with = "MfaKind::deserialize_lenient")]
    pub preferred: Option<MfaKind>,
    pub totp_secret: Option<String>,
    /// Associated but not yet verified.
    pub pending_totp_secret: Option<String>,
    /// The last TOTP time step accepted (a code is not reusable).
    pub last_totp_step: Option<i64>,
}

impl UserMfa {
    /// Whether this kind of MFA is on for the user.
    pub fn enabled(&self, kind: MfaKind) -> bool {
        match kind {
            MfaKind::Sms => self.sms,
            MfaKind::SoftwareToken => self.totp,
            MfaKind::Email => self.email,
        }
    }

    /// The flag that turns this kind of MFA on for the user.
    pub fn enabled_mut(&mut self, kind: MfaKind) -> &mut bool {
        match kind {
            MfaKind::Sms => &mut self.sms,
            MfaKind::SoftwareToken => &mut self.totp,
            MfaKind::Email => &mut self.email,
        }
    }
}

/// An MFA method a user may have and prefer, stored (and offered in `MFAS_CAN_CHOOSE`,
/// `MFAS_CAN_SETUP`) as the challenge that asks for its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ChallengeNameType", try_from = "ChallengeNameType")]
pub(crate) enum MfaKind {
    /// `SMS_MFA`.
    Sms,
    /// `SOFTWARE_TOKEN_MFA`.
    SoftwareToken,
    /// `EMAIL_OTP`.
    Email,
}

impl MfaKind {
    /// Every kind, in the order Cognito lists them.
    pub const ALL: [MfaKind; 3] = [MfaKind::Sms, MfaKind::SoftwareToken, MfaKind::Email];

    /// The challenge that asks for this kind's code.
    pub fn challenge(self) -> ChallengeNameType {
        match self {
            MfaKind::Sms => ChallengeNameType::SmsMfa,
            MfaKind::SoftwareToken => ChallengeNameType::SoftwareTokenMfa,
            MfaKind::Email => ChallengeNameType::EmailOtp,
        }
    }

    /// The kind a challenge asks for, if it is an MFA challenge.
    pub fn of(challenge: &ChallengeNameType) -> Option<MfaKind> {
        MfaKind::ALL
            .into_iter()
            .find(|k| k.challenge() == *challenge)
    }

    /// The kind Cognito names `name` (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
    pub fn parse(name: &str) -> Option<MfaKind> {
        MfaKind::of(&ChallengeNameType::from(name))
    }

    /// The name Cognito gives this kind (`UserMFASettingList`, `PreferredMfaSetting`).
    pub fn name(self) -> String {
        self.challenge().to_string()
    }

    /// A stored preference: a name that is no MFA kind reads as none.
    fn deserialize_lenient<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<MfaKind>, D::Error> {
        Ok(Option::<ChallengeNameType>::deserialize(d)?.and_then(|c| MfaKind::of(&c)))
    }
}

impl From<MfaKind> for ChallengeNameType {
    fn from(k: MfaKind) -> Self {
        k.challenge()
    }
}

impl TryFrom<ChallengeNameType> for MfaKind {
    type Error = String;
    fn try_from(c: ChallengeNameType) -> Result<Self, Self::Error> {
        MfaKind::of(&c).ok_or_else(|| format!("{c} is not an MFA kind"))
    }
}

/// One entry of a session's [`Session::choices`]: a challenge the client may pick, or the
/// emulator's own mark that a custom challenge follows the password (stored as `CUSTOM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Choice {
    /// An MFA kind (`SELECT_MFA_TYPE`) or a first factor (`SELECT_CHALLENGE`).
    Challenge(ChallengeNameType),
    /// `CUSTOM_AUTH` began with SRP: once the password is proven, the custom challenge.
    CustomAfterPassword,
}

impl Choice {
    const CUSTOM: &'static str = "CUSTOM";

    fn as_str(&self) -> &str {
        match self {
            Choice::Challenge(c) => c.as_str(),
            Choice::CustomAfterPassword => Choice::CUSTOM,
        }
    }
}

impl Serialize for Choice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(if s == Choice::CUSTOM {
            Choice::CustomAfterPassword
        } else {
            Choice::Challenge(ChallengeNameType::from(s))
        })
    }
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
    /// Stored as Cognito spells it; a status this model does not know is kept as `Unknown`.
    pub status: UserStatusType,
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
    /// Registered passkeys (WebAuthn credentials).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passkeys: Vec<crate::webauthn::StoredCredential>,
    /// The passkey registration StartWebAuthnRegistration began, until it completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_registration: Option<crate::webauthn::PendingRegistration>,
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
    /// The scopes of a token of the OAuth 2.0 side, kept by its refreshes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<crate::tokens::OAuthGrant>,
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
    /// A sign-in of the managed login pages: it ends in an authorization code, not tokens
    /// ([`crate::hosted`]).
    #[serde(default)]
    pub hosted: bool,
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
    /// The challenge the session answers.
    pub challenge: ChallengeNameType,
    pub expires: i64,
    pub flow: Flow,
    pub srp: Option<SrpPending>,
    pub code: Option<String>,
    pub attempts: u32,
    pub pending_totp: Option<String>,
    pub totp_verified: bool,
    /// What the session offers (`SELECT_MFA_TYPE`, `SELECT_CHALLENGE`), or
    /// [`Choice::CustomAfterPassword`] (a `CUSTOM_AUTH` that began with SRP).
    pub choices: Vec<Choice>,
    /// A `CUSTOM_AUTH` driven by the pool's Lambda triggers: its history so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<crate::triggers::CustomAuth>,
    /// The WebAuthn challenge of a `WEB_AUTHN` session (base64url), answered once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webauthn_challenge: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn user_doc(status: &str, preferred: Value) -> Value {
        json!({
            "username": "alice",
            "sub": "6c0a1c66-0000-4000-8000-000000000001",
            "attributes": {"email": "alice@example.com"},
            "status": status,
            "enabled": true,
            "created": 1, "modified": 2,
            "verifier": null,
            "mfa": {"sms": false, "totp": true, "email": true, "preferred": preferred,
                    "totp_secret": "JBSWY3DPEHPK3PXP", "pending_totp_secret": null,
                    "last_totp_step": null},
            "codes": {}, "devices": {}, "device_group_key": "-GK1",
            "groups": [], "tokens_valid_after": 0
        })
    }

    #[test]
    fn a_user_is_stored_as_before() -> Result<(), serde_json::Error> {
        let doc = user_doc("FORCE_CHANGE_PASSWORD", json!("EMAIL_OTP"));
        let user: User = serde_json::from_value(doc.clone())?;
        assert_eq!(user.status, UserStatusType::ForceChangePassword);
        assert_eq!(user.mfa.preferred, Some(MfaKind::Email));
        assert_eq!(serde_json::to_value(&user)?, doc);

        // A status this model does not know is kept as it was.
        let doc = user_doc("SOMETHING_NEW", Value::Null);
        let user: User = serde_json::from_value(doc.clone())?;
        assert_eq!(user.status, UserStatusType::Unknown("SOMETHING_NEW".into()));
        assert_eq!(user.mfa.preferred, None);
        assert_eq!(serde_json::to_value(&user)?, doc);
        Ok(())
    }

    #[test]
    fn mfa_kinds_are_stored_as_their_challenge_names() -> Result<(), serde_json::Error> {
        for (kind, name) in MfaKind::ALL
            .into_iter()
            .zip(MfaKind::ALL.map(MfaKind::name))
        {
            assert_eq!(serde_json::to_value(kind)?, json!(name));
            assert_eq!(serde_json::from_value::<MfaKind>(json!(name))?, kind);
            assert_eq!(MfaKind::parse(&name), Some(kind));
        }
        assert_eq!(MfaKind::Sms.name(), ChallengeNameType::SmsMfa.as_str());
        assert!(serde_json::from_value::<MfaKind>(json!("PASSWORD")).is_err());
        // A stored preference that names no MFA kind reads as none; a missing one too.
        let user: User = serde_json::from_value(user_doc("CONFIRMED", json!("sms_mfa")))?;
        assert_eq!(user.mfa.preferred, None);
        let mfa: UserMfa =
            serde_json::from_value(json!({"sms": true, "totp": false, "email": false,
            "totp_secret": null, "pending_totp_secret": null, "last_totp_step": null}))?;
        assert_eq!(mfa.preferred, None);
        Ok(())
    }

    #[test]
    fn a_session_is_stored_as_before() -> Result<(), serde_json::Error> {
        let doc = json!({
            "pool_id": "us-east-1_A", "client_id": "c", "username": "alice",
            "challenge": "PASSWORD_VERIFIER",
            "expires": 10,
            "flow": serde_json::to_value(Flow::default())?,
            "srp": null, "code": null, "attempts": 0, "pending_totp": null,
            "totp_verified": false,
            "choices": ["CUSTOM", "SMS_MFA", "PASSWORD_SRP", "SOMETHING_NEW"]
        });
        let sess: Session = serde_json::from_value(doc.clone())?;
        assert_eq!(sess.challenge, ChallengeNameType::PasswordVerifier);
        assert_eq!(
            sess.choices,
            vec![
                Choice::CustomAfterPassword,
                Choice::Challenge(ChallengeNameType::SmsMfa),
                Choice::Challenge(ChallengeNameType::PasswordSrp),
                Choice::Challenge(ChallengeNameType::Unknown("SOMETHING_NEW".into())),
            ]
        );
        assert_eq!(serde_json::to_value(&sess)?, doc);
        Ok(())
    }
}
