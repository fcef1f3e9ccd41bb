//! The shared core: state behind a mutex, clock, RNG, configuration; provisioning helpers used by
//! both the embedded API and the operations.

use crate::config::{Clock, EmulatorConfig, IssuerMode, SystemClock};
use crate::error::{ApiError, internal, invalid};
use crate::rng::Rng;
use crate::spec::{ClientSpec, Medium, OutboxKind, OutboxMessage, PoolSpec, UserSpec};
use crate::state::{Client, Group, MfaKind, Pool, StoredVerifier, User, UserMfa, check_pool_id};
use crate::txn::State;
use base64::Engine;
use cognito_wire::UserStatusType;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use subtle::ConstantTimeEq;

pub(crate) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug)]
pub(crate) struct Inner {
    /// The database ([`crate::store`]); requests work on it through [`crate::txn::transact`].
    pub store: Arc<crate::store::Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Rng,
    pub config: EmulatorConfig,
    pub base_url: Mutex<String>,
    pub faults: crate::faults::FaultState,
    /// Local handlers of Lambda functions ([`crate::triggers`]).
    pub trigger_handlers: crate::triggers::Registry,
}

impl Inner {
    pub fn new(config: EmulatorConfig, store: crate::store::Store) -> Self {
        Inner {
            store: Arc::new(store),
            clock: config
                .clock
                .clone()
                .unwrap_or_else(|| Arc::new(SystemClock)),
            rng: Rng::new(config.rng_seed),
            faults: crate::faults::FaultState::new(config.faults.clone(), config.rng_seed),
            trigger_handlers: crate::triggers::Registry::new(config.triggers.clone()),
            config,
            base_url: Mutex::new(String::new()),
        }
    }

    pub fn now_system(&self) -> SystemTime {
        self.clock.now()
    }

    /// Unix seconds, emulator clock.
    pub fn now(&self) -> i64 {
        match self.clock.now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }

    pub fn base_url(&self) -> String {
        self.base_url.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn issuer(&self, pool: &Pool) -> String {
        match self.config.issuer {
            IssuerMode::EmulatorUrl => format!("{}/{}", self.base_url(), pool.id),
            // Cognito's issuer, with the partition's DNS suffix; a pool whose id is not a pool
            // id (a spec with an odd region) gets the `aws` form.
            IssuerMode::Aws => match cognito_wire::PoolId::parse(&pool.id) {
                Ok(id) => id.issuer(),
                Err(_) => format!(
                    "https://cognito-idp.{}.amazonaws.com/{}",
                    pool.region(),
                    pool.id
                ),
            },
        }
    }

    /// Puts a message in the outbox (and the outbox log): `custom` (a custom message
    /// function's text, [`crate::txn::Ctx::send`]) or the default text.
    #[allow(clippy::too_many_arguments)]
    pub fn send_message(
        &self,
        st: &mut State,
        pool_id: &str,
        username: &str,
        destination: &str,
        medium: Medium,
        kind: OutboxKind,
        code: &str,
        custom: Option<String>,
    ) {
        let what = match kind {
            OutboxKind::SignUp => "Your confirmation code is",
            OutboxKind::ForgotPassword => "Your password reset code is",
            OutboxKind::Mfa => "Your authentication code is",
            OutboxKind::Otp => "Your one-time code is",
            OutboxKind::Verify => "Your verification code is",
            OutboxKind::Invite => "Your username is {username} and temporary password is",
        };
        let message =
            custom.unwrap_or_else(|| format!("{} {}", what.replace("{username}", username), code));
        let msg = OutboxMessage {
            pool_id: pool_id.to_owned(),
            username: username.to_owned(),
            destination: destination.to_owned(),
            medium,
            kind,
            code: code.to_owned(),
            message,
            at: self.now(),
        };
        tracing::debug!(pool_id, username, ?medium, ?kind, "outbox message");
        // A failed write is recorded in the state: the request is rolled back and answered
        // with an error.
        let _ = st.push_outbox(msg);
    }

    pub fn make_verifier(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
    ) -> Result<StoredVerifier, ApiError> {
        let salt_raw = self.rng.bytes(srp_core::SALT_BYTES);
        let salt = srp_core::Salt::from_integer_bytes(&salt_raw).map_err(internal)?;
        let v = srp_core::Verifier::for_user(
            pool_id,
            username,
            &srp_core::Password::new(password),
            salt,
        )
        .map_err(|e| invalid(e.to_string()))?;
        Ok(StoredVerifier {
            salt: B64.encode(v.salt().padded_bytes()),
            verifier: B64.encode(v.verifier_bytes()),
        })
    }
}

pub(crate) fn load_verifier(stored: &StoredVerifier) -> Result<srp_core::Verifier, ApiError> {
    let salt = B64.decode(&stored.salt).map_err(internal)?;
    let v = B64.decode(&stored.verifier).map_err(internal)?;
    srp_core::Verifier::from_parts(&salt, &v).map_err(internal)
}

/// Checks a password against a stored verifier (recomputes v; constant-time comparison).
pub(crate) fn password_matches(
    pool_id: &str,
    username: &str,
    stored: Option<&StoredVerifier>,
    password: &str,
) -> bool {
    let Some(stored) = stored else { return false };
    let Ok(v) = load_verifier(stored) else {
        return false;
    };
    let Ok(candidate) = srp_core::Verifier::for_user(
        pool_id,
        username,
        &srp_core::Password::new(password),
        v.salt().clone(),
    ) else {
        return false;
    };
    bool::from(candidate.verifier_bytes().ct_eq(&v.verifier_bytes()))
}

/// Creates a pool; returns its id.
pub(crate) fn create_pool(
    inner: &Inner,
    st: &mut State,
    spec: PoolSpec,
    extra: serde_json::Value,
) -> Result<String, ApiError> {
    if spec.name.is_empty() || spec.name.len() > 128 {
        return Err(invalid("Pool name must be 1 to 128 characters"));
    }
    let id = match &spec.id {
        Some(id) => {
            check_pool_id(id)?;
            if st.pools.contains_key(id) {
                return Err(invalid(format!("User pool {id} already exists.")));
            }
            id.clone()
        }
        None => loop {
            let id = format!("{}_{}", spec.region, inner.rng.alnum(9));
            if !st.pools.contains_key(&id) {
                break id;
            }
        },
    };
    let now = inner.now();
    st.pools.insert(
        id.clone(),
        Pool {
            id: id.clone(),
            spec: PoolSpec {
                id: Some(id.clone()),
                ..spec
            },
            created: now,
            modified: now,
            key: None,
            clients: BTreeMap::new(),
            groups: BTreeMap::new(),
            identity_providers: BTreeMap::new(),
            domains: BTreeMap::new(),
            resource_servers: BTreeMap::new(),
            extra,
        },
    );
    Ok(id)
}

/// Creates an app client.
pub(crate) fn create_client(
    inner: &Inner,
    st: &mut State,
    pool_id: &str,
    spec: ClientSpec,
    extra: serde_json::Value,
) -> Result<Client, ApiError> {
    let exists = |st: &State, id: &str| st.pools.values().any(|p| p.clients.contains_key(id));
    let id = match &spec.client_id {
        Some(id) => {
            if id.is_empty()
                || id.len() > 128
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(invalid(format!("Invalid client id {id}")));
            }
            if exists(st, id) {
                return Err(invalid(format!("Client {id} already exists.")));
            }
            id.clone()
        }
        None => loop {
            let id = inner.rng.lower_alnum(26);
            if !exists(st, &id) {
                break id;
            }
        },
    };
    let secret = match (&spec.client_secret, spec.generate_secret) {
        (Some(s), _) => Some(s.clone()),
        (None, true) => Some(inner.rng.lower_alnum(51)),
        (None, false) => None,
    };
    let now = inner.now();
    let pool = st.pool_mut(pool_id)?;
    let client = Client {
        id: id.clone(),
        secret,
        spec: ClientSpec {
            client_id: Some(id.clone()),
            ..spec
        },
        created: now,
        modified: now,
        extra,
        secrets: Vec::new(),
    };
    pool.clients.insert(id, client.clone());
    Ok(client)
}

/// Whether a name has an email address's shape (`local@domain`, neither part empty).
pub(crate) fn is_email_format(name: &str) -> bool {
    name.split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
}

/// Whether a name has an E.164 phone number's shape (`+` and digits).
pub(crate) fn is_phone_format(name: &str) -> bool {
    name.strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// In a pool with email / phone number aliases, the username itself may not look like one
/// (Cognito: "Username cannot be of email format, since user pool is configured for email
/// alias."), or another user's alias could shadow it.
fn check_alias_username(pool: &Pool, given: &str) -> Result<(), ApiError> {
    let aliases = &pool.spec.alias_attributes;
    if aliases.iter().any(|a| a == "email") && is_email_format(given) {
        return Err(invalid(
            "Username cannot be of email format, since user pool is configured for email alias.",
        ));
    }
    if aliases.iter().any(|a| a == "phone_number") && is_phone_format(given) {
        return Err(invalid(
            "Username cannot be of phone number format, since user pool is configured for phone number alias.",
        ));
    }
    Ok(())
}

/// Validates and splits a new user's sign-in name: returns (internal username, attributes).
fn user_identity(
    inner: &Inner,
    st: &State,
    pool: &Pool,
    given: &str,
    mut attributes: BTreeMap<String, String>,
) -> Result<(String, BTreeMap<String, String>), ApiError> {
    if given.is_empty() || given.chars().count() > 128 {
        return Err(invalid("Username must be 1 to 128 characters"));
    }
    if given.chars().any(char::is_whitespace) {
        return Err(invalid("Username cannot contain whitespace"));
    }
    let ua = &pool.spec.username_attributes;
    let username = if ua.is_empty() {
        check_alias_username(pool, given)?;
        if st.find_user(&pool.id, given)?.is_some() {
            return Err(ApiError::new(
                "UsernameExistsException",
                "User already exists",
            ));
        }
        given.to_owned()
    } else {
        let attr = if given.contains('@') {
            "email"
        } else if given.starts_with('+') {
            "phone_number"
        } else {
            ""
        };
        if attr.is_empty() || !ua.iter().any(|a| a == attr) {
            return Err(invalid(
                "Username should be either an email or a phone number.",
            ));
        }
        attributes.insert(attr.to_owned(), given.to_owned());
        inner.rng.uuid()
    };
    // Uniqueness of email / phone used as username or alias.
    for attr in ua.iter().chain(pool.spec.alias_attributes.iter()) {
        if let Some(v) = attributes.get(attr)
            && st.user_with_attr(&pool.id, attr, v, None)?.is_some()
        {
            let what = if attr == "phone_number" {
                "phone_number"
            } else {
                attr.as_str()
            };
            return Err(if ua.is_empty() {
                ApiError::new(
                    "AliasExistsException",
                    format!("An account with the given {what} already exists."),
                )
            } else {
                ApiError::new(
                    "UsernameExistsException",
                    format!("An account with the given {what} already exists."),
                )
            });
        }
    }
    Ok((username, attributes))
}

pub(crate) fn check_attributes(
    pool: &Pool,
    attributes: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    for (k, v) in attributes {
        if k == "sub" {
            return Err(invalid("Cannot modify the non-mutable attribute sub"));
        }
        if k.is_empty() || k.len() > 32 + 7 || v.chars().count() > 2048 {
            return Err(invalid(format!("Invalid attribute {k}")));
        }
        if k == "email" && !v.contains('@') {
            return Err(invalid("Invalid email address format."));
        }
        if k == "phone_number" && !(v.starts_with('+') && v.len() > 4) {
            return Err(invalid("Invalid phone number format."));
        }
    }
    let _ = pool;
    Ok(())
}

pub(crate) fn check_required(
    pool: &Pool,
    attributes: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    for r in &pool.spec.required_attributes {
        if !attributes.contains_key(r) {
            return Err(invalid(format!(
                "Attributes did not conform to the schema: {r}: The attribute is required"
            )));
        }
    }
    Ok(())
}

/// Creates a user from a spec (embedded API, seeds, admin and sign-up share it). Returns the
/// internal username.
pub(crate) fn create_user(
    inner: &Inner,
    st: &mut State,
    pool_id: &str,
    spec: &UserSpec,
    enforce_policy: bool,
) -> Result<String, ApiError> {
    create_user_with(inner, st, pool_id, spec, enforce_policy, None)
}

/// [`create_user`] with the verifier of its password already computed (for the username the
/// spec gives: bulk provisioning computes them in parallel, outside the transaction).
pub(crate) fn create_user_with(
    inner: &Inner,
    st: &mut State,
    pool_id: &str,
    spec: &UserSpec,
    enforce_policy: bool,
    precomputed: Option<StoredVerifier>,
) -> Result<String, ApiError> {
    let pool = st.pool(pool_id)?;
    check_attributes(pool, &spec.attributes)?;
    crate::schema::check(pool, &spec.attributes, crate::schema::Write::Create)?;
    let (username, mut attributes) =
        user_identity(inner, st, pool, &spec.username, spec.attributes.clone())?;
    let password = spec
        .password
        .as_deref()
        .or(spec.temporary_password.as_deref());
    if enforce_policy && let Some(p) = password {
        pool.check_policy(p)?;
    }
    let verifier = match (password, precomputed) {
        (Some(_), Some(v)) if username == spec.username => Some(v),
        (Some(p), _) => Some(inner.make_verifier(pool_id, &username, p)?),
        (None, _) => None,
    };
    let status = match &spec.status {
        Some(s) => {
            let s = s.to_ascii_uppercase();
            let status = UserStatusType::from(s.as_str());
            if !matches!(
                status,
                UserStatusType::Confirmed
                    | UserStatusType::Unconfirmed
                    | UserStatusType::ForceChangePassword
                    | UserStatusType::ResetRequired
            ) {
                return Err(invalid(format!("Invalid user status {s}")));
            }
            status
        }
        None if spec.temporary_password.is_some() && spec.password.is_none() => {
            UserStatusType::ForceChangePassword
        }
        None => UserStatusType::Confirmed,
    };
    let preferred = match &spec.mfa.preferred {
        Some(p) => Some(MfaKind::parse(p).ok_or_else(|| {
            invalid(format!(
                "Invalid preferred MFA {p}: one of {}",
                MfaKind::ALL.map(MfaKind::name).join(", ")
            ))
        })?),
        None => None,
    };
    let sub = if pool.spec.username_attributes.is_empty() {
        inner.rng.uuid()
    } else {
        username.clone()
    };
    attributes.insert("sub".to_owned(), sub.clone());
    let now = inner.now();
    let mfa = UserMfa {
        sms: spec.mfa.sms,
        totp: spec.mfa.totp_secret.is_some(),
        email: spec.mfa.email,
        preferred,
        totp_secret: spec.mfa.totp_secret.clone(),
        pending_totp_secret: None,
        last_totp_step: None,
    };
    if let Some(secret) = &mfa.totp_secret
        && crate::totp::base32_decode(secret).is_none()
    {
        return Err(invalid("totp_secret is not base32"));
    }
    let user = User {
        username: username.clone(),
        sub,
        attributes,
        status,
        enabled: spec.enabled,
        created: now,
        modified: now,
        verifier,
        mfa,
        codes: BTreeMap::new(),
        devices: BTreeMap::new(),
        device_group_key: format!("-{}", inner.rng.alnum(9)),
        groups: BTreeSet::new(),
        tokens_valid_after: 0,
        passkeys: Vec::new(),
        passkey_registration: None,
    };
    st.put_user(pool_id, &user)?;
    for g in &spec.groups {
        add_to_group(inner, st, pool_id, &username, g, true)?;
    }
    Ok(username)
}

/// Adds a user to a group (creating the group when `create` is set).
pub(crate) fn add_to_group(
    inner: &Inner,
    st: &mut State,
    pool_id: &str,
    username: &str,
    group: &str,
    create: bool,
) -> Result<(), ApiError> {
    let now = inner.now();
    let pool = st.pool_mut(pool_id)?;
    if !pool.groups.contains_key(group) {
        if !create {
            return Err(crate::error::not_found("Group not found."));
        }
        pool.groups.insert(
            group.to_owned(),
            Group {
                name: group.to_owned(),
                description: None,
                precedence: None,
                role_arn: None,
                created: now,
                modified: now,
            },
        );
    }
    let mut user = st
        .find_user_record(pool_id, username)?
        .ok_or_else(crate::error::user_not_found)?;
    if user.groups.insert(group.to_owned()) {
        st.put_user(pool_id, &user)?;
    }
    Ok(())
}

/// Masks a destination like Cognito: `+*******1234`, `a***@e***`.
pub(crate) fn mask(destination: &str) -> String {
    if let Some((local, domain)) = destination.split_once('@') {
        let l: String = local.chars().take(1).collect();
        let d: String = domain.chars().take(1).collect();
        format!("{l}***@{d}***")
    } else {
        let n = destination.chars().count();
        let tail: String = destination.chars().skip(n.saturating_sub(4)).collect();
        format!("+*******{tail}")
    }
}

/// Constant-time equality (lengths may leak).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A user or device attribute (`Name`, `Value`).
pub(crate) fn attribute(
    name: impl Into<String>,
    value: impl Into<String>,
) -> cognito_wire::AttributeType {
    let mut a = cognito_wire::AttributeType::default();
    a.name = name.into();
    a.value = Some(cognito_wire::SensitiveString::from(value.into()));
    a
}
