//! Sign-in: InitiateAuth / AdminInitiateAuth, RespondToAuthChallenge /
//! AdminRespondToAuthChallenge, refresh, sessions, and the next-challenge logic.
//!
//! Sessions are single use: any answer consumes them, except a wrong MFA / OTP code, which may be
//! retried up to three times within the session's lifetime (as Cognito allows).

use crate::error::{
    ApiError, bad_credentials, expired_session, internal, invalid, invalid_session, missing,
    not_authorized,
};
use crate::inner::{load_verifier, mask, password_matches};
use crate::lockout;
use crate::spec::{DeviceTracking, Medium, MfaConfig, OutboxKind};
use crate::state::{Choice, Client, Device, Flow, MfaKind, Pool, Session, SrpPending};
use crate::tokens::{self, Issue};
use crate::txn::Ctx;
use crate::txn::State;
use cognito_wire::vocab::{ChallengeParams as _, Key, USER_ATTRIBUTE_PREFIX};
use cognito_wire::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, NewDeviceMetadataType,
    SensitiveString, UserStatusType,
};
use srp_core::{PublicValue, SecretBlock, ServerEphemeral, Verifier};
use std::collections::BTreeMap;

pub(crate) type Params = BTreeMap<String, SensitiveString>;

/// What a sign-in step yields.
#[derive(Debug)]
pub(crate) enum Outcome {
    Challenge {
        name: ChallengeNameType,
        params: BTreeMap<String, String>,
        session: Option<String>,
        available: Option<Vec<ChallengeNameType>>,
    },
    Tokens(AuthenticationResultType),
    /// A managed-login sign-in ([`Flow::hosted`]) is done: the pages hand out an authorization
    /// code; tokens come from the token endpoint ([`crate::hosted`]).
    SignedIn {
        username: String,
        auth_time: i64,
    },
}

pub(crate) fn p(params: &Params, key: Key) -> Option<&str> {
    params
        .get(key.as_str())
        .map(SensitiveString::expose)
        .filter(|s| !s.is_empty())
}

fn req(params: &Params, key: Key) -> Result<&str, ApiError> {
    p(params, key).ok_or_else(|| missing(key.as_str()))
}

/// Checks `SECRET_HASH` for a client with a secret against any of the accepted usernames.
pub(crate) fn check_secret_hash(
    client: &Client,
    given: Option<&str>,
    names: &[&str],
) -> Result<(), ApiError> {
    if client.secret.is_none() {
        return Ok(());
    }
    let Some(given) = given else {
        return Err(not_authorized(format!(
            "Client {} is configured with secret but SECRET_HASH was not received",
            client.id
        )));
    };
    let given = srp_core::SecretHash::new(given);
    if names
        .iter()
        // Any active secret (rotation keeps two, [`crate::secrets`]).
        .any(|n| {
            crate::secrets::active(client).any(|s| srp_core::secret_hash(n, &client.id, s) == given)
        })
    {
        Ok(())
    } else {
        Err(not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        )))
    }
}

fn check_timestamp(inner: &Ctx, ts: &str) -> Result<(), ApiError> {
    match srp_core::parse_timestamp(ts) {
        Ok(t) => {
            let skew = (t.unix_timestamp() - inner.now()).unsigned_abs();
            if skew > inner.config.timestamp_window.as_secs() {
                Err(bad_credentials())
            } else {
                Ok(())
            }
        }
        // A date Cognito's lenient parser reads (zero-padded day, wrong weekday) still fails the
        // proof; anything else is a format error.
        Err(_) if ts.split_whitespace().count() == 6 && ts.len() < 64 => Err(bad_credentials()),
        Err(_) => Err(invalid(
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.",
        )),
    }
}

fn user_missing(client: &Client) -> ApiError {
    if client.spec.prevent_user_existence_errors {
        bad_credentials()
    } else {
        crate::error::user_not_found()
    }
}

/// The user a sign-in name designates: the username, the `sub`, an email / phone number used as
/// username, or an alias (`alias_attributes`) — an email / phone alias only once verified, as
/// Cognito signs in by alias only then.
pub(crate) fn sign_in_user(st: &State, pool: &Pool, name: &str) -> Option<String> {
    let username = st.lookup_user(&pool.id, name)?;
    let user = st.get_user(&pool.id, &username)?;
    let by_alias_only = !user.username.eq_ignore_ascii_case(name)
        && user.sub != name
        && !pool
            .spec
            .username_attributes
            .iter()
            .any(|a| user.attr(a).is_some_and(|v| v.eq_ignore_ascii_case(name)));
    if !by_alias_only {
        return Some(username);
    }
    let verified_alias = pool.spec.alias_attributes.iter().any(|a| {
        user.attr(a).is_some_and(|v| v.eq_ignore_ascii_case(name))
            && (a == "preferred_username" || user.attr(&format!("{a}_verified")) == Some("true"))
    });
    verified_alias.then_some(username)
}

/// The lockout key of a sign-in: the user, or the name of a simulated sign-in.
fn lock_key(flow: &Flow, username: &str) -> String {
    match &flow.simulated {
        Some(name) => lockout::name_key(name),
        None => lockout::user_key(username),
    }
}

fn require_flow(client: &Client, flow: &AuthFlowType) -> Result<(), ApiError> {
    if client.allows(flow) {
        Ok(())
    } else {
        Err(invalid(format!("{flow} flow not enabled for this client")))
    }
}

/// Status checks once the password is proven.
fn check_status(st: &State, pool: &Pool, username: &str) -> Result<(), ApiError> {
    let user = st
        .get_user(&pool.id, username)
        .ok_or_else(crate::error::user_not_found)?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    match user.status {
        UserStatusType::Unconfirmed => Err(ApiError::new(
            "UserNotConfirmedException",
            "User is not confirmed.",
        )),
        UserStatusType::ResetRequired => Err(ApiError::new(
            "PasswordResetRequiredException",
            "Password reset required for the user",
        )),
        _ => Ok(()),
    }
}

/// A new challenge session, stored under a new random id (the `Session` value clients get);
/// returns the id. Expired sessions are pruned with the other expired rows ([`crate::txn`]).
fn new_session(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    challenge: ChallengeNameType,
    flow: Flow,
) -> Result<String, ApiError> {
    new_session_with(
        inner,
        st,
        pool_id,
        client_id,
        username,
        challenge,
        flow,
        |_| {},
    )
}

/// [`new_session`], with `f` completing the session before it is stored.
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_session_with(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    challenge: ChallengeNameType,
    flow: Flow,
    f: impl FnOnce(&mut Session),
) -> Result<String, ApiError> {
    let id = inner.rng.token(192);
    let mut sess = session_value(inner, pool_id, client_id, username, challenge, flow);
    f(&mut sess);
    st.put_session(&id, &sess)?;
    Ok(id)
}

/// A challenge session (not stored).
fn session_value(
    inner: &Ctx,
    pool_id: &str,
    client_id: &str,
    username: &str,
    challenge: ChallengeNameType,
    flow: Flow,
) -> Session {
    let ttl = i64::try_from(inner.config.session_ttl.as_secs()).unwrap_or(180);
    Session {
        pool_id: pool_id.to_owned(),
        client_id: client_id.to_owned(),
        username: username.to_owned(),
        challenge,
        expires: inner.now().saturating_add(ttl),
        flow,
        srp: None,
        code: None,
        attempts: 0,
        pending_totp: None,
        totp_verified: false,
        choices: Vec::new(),
        custom: None,
        webauthn_challenge: None,
    }
}

/// A server ephemeral for a verifier, with the private `b` it was made from (stored with the
/// session, so the exchange survives a restart).
fn server_ephemeral(inner: &Ctx, v: &Verifier) -> Result<(ServerEphemeral, Vec<u8>), ApiError> {
    for _ in 0..8 {
        let b = inner.rng.bytes(srp_core::SERVER_PRIVATE_BYTES);
        if let Ok(e) = ServerEphemeral::from_private_bytes(v, &b) {
            return Ok((e, b));
        }
    }
    Err(internal("could not draw b"))
}

/// Starts `PASSWORD_VERIFIER` for a user (USER_SRP_AUTH, PASSWORD_SRP, CUSTOM_AUTH with SRP_A).
pub(crate) fn start_password_verifier(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    username: &str,
    srp_a: &str,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let (a, v, user_id) = srp_inputs(inner, st, pool_id, client, username, srp_a, &flow)?;
    let server = server_ephemeral(inner, &v)?;
    finish_password_verifier(inner, st, pool_id, client, &user_id, a, &v, server, flow)
}

/// What the server's SRP step needs: the client's A, the user's verifier (cloned, so the
/// exponentiation can run without the state lock) and the user id for SRP (the username, or the
/// simulated id of a simulated sign-in). Refused during a lockout.
fn srp_inputs(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    username: &str,
    srp_a: &str,
    flow: &Flow,
) -> Result<(PublicValue, Verifier, String), ApiError> {
    let a = PublicValue::client_a(srp_a).map_err(|_| invalid("SRP_A is invalid"))?;
    lockout::check(
        &st.signin_failures,
        pool_id,
        &lock_key(flow, username),
        inner.now(),
    )?;
    if let Some(name) = &flow.simulated {
        let secret = crate::simulate::secret(inner, st);
        let (id, v) = crate::simulate::verifier(&secret, pool_id, name)?;
        return Ok((a, v, id));
    }
    let user = st
        .get_user(pool_id, username)
        .ok_or_else(|| user_missing(client))?;
    let stored = user.verifier.clone().ok_or_else(bad_credentials)?;
    Ok((a, load_verifier(&stored)?, username.to_owned()))
}

/// Opens the PASSWORD_VERIFIER session for a computed server ephemeral.
#[allow(clippy::too_many_arguments)]
fn finish_password_verifier(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    username: &str,
    a: PublicValue,
    v: &Verifier,
    (server, b): (ServerEphemeral, Vec<u8>),
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let block = SecretBlock::from_bytes(inner.rng.bytes(64));
    let key = block.as_base64().to_owned();
    let mut params = BTreeMap::new();
    params.insert(Key::Salt.to_string(), v.salt().to_hex());
    params.insert(Key::SecretBlock.to_string(), key.clone());
    params.insert(Key::SrpB.to_string(), server.public().to_hex());
    params.insert(Key::Username.to_string(), username.to_owned());
    params.insert(Key::UserIdForSrp.to_string(), username.to_owned());
    // The secret block is the session of PASSWORD_VERIFIER (Cognito returns no Session here).
    let mut sess = session_value(
        inner,
        pool_id,
        &client.id,
        username,
        ChallengeNameType::PasswordVerifier,
        flow,
    );
    sess.srp = Some(SrpPending {
        server,
        a,
        secret_block: block,
        device_key: None,
        b,
        verifier: v.clone(),
    });
    st.put_session(&key, &sess)?;
    Ok(Outcome::Challenge {
        name: ChallengeNameType::PasswordVerifier,
        params,
        session: None,
        available: None,
    })
}

fn enabled_mfa(st: &State, pool: &Pool, username: &str) -> Vec<MfaKind> {
    let Some(u) = st.get_user(&pool.id, username) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if pool.spec.sms_mfa && u.mfa.sms && u.attr("phone_number").is_some() {
        out.push(MfaKind::Sms);
    }
    if pool.spec.software_token_mfa && u.mfa.totp && u.mfa.totp_secret.is_some() {
        out.push(MfaKind::SoftwareToken);
    }
    if pool.spec.email_mfa && u.mfa.email && u.attr("email").is_some() {
        out.push(MfaKind::Email);
    }
    out
}

/// Sends a code for an MFA or OTP challenge and opens its session.
#[allow(clippy::too_many_arguments)]
fn code_challenge(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    challenge: ChallengeNameType,
    kind: OutboxKind,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let mut params = BTreeMap::new();
    params.insert(Key::UserIdForSrp.to_string(), username.to_owned());
    params.insert(Key::Username.to_string(), username.to_owned());
    let mut code = None;
    if challenge != ChallengeNameType::SoftwareTokenMfa {
        let sms = matches!(
            challenge,
            ChallengeNameType::SmsMfa | ChallengeNameType::SmsOtp
        );
        let (attr, medium, medium_name) = if sms {
            ("phone_number", Medium::Sms, "SMS")
        } else {
            ("email", Medium::Email, "EMAIL")
        };
        let user = st
            .get_user(pool_id, username)
            .ok_or_else(crate::error::user_not_found)?;
        let dest = user
            .attr(attr)
            .ok_or_else(|| invalid(format!("User has no {attr}")))?
            .to_owned();
        let c = inner.rng.digits(
            if challenge == ChallengeNameType::EmailOtp || kind == OutboxKind::Otp {
                8
            } else {
                6
            },
        );
        inner.send(st, pool_id, username, &dest, medium, kind, &c)?;
        params.insert(
            Key::CodeDeliveryDeliveryMedium.to_string(),
            medium_name.to_owned(),
        );
        params.insert(Key::CodeDeliveryDestination.to_string(), mask(&dest));
        code = Some(c);
    }
    let id = new_session_with(
        inner,
        st,
        pool_id,
        client_id,
        username,
        challenge.clone(),
        flow,
        |s| {
            s.code = code;
        },
    )?;
    Ok(Outcome::Challenge {
        name: challenge,
        params,
        session: Some(id),
        available: None,
    })
}

pub(crate) fn challenge_with_session(
    name: ChallengeNameType,
    params: BTreeMap<String, String>,
    session: String,
) -> Outcome {
    Outcome::Challenge {
        name,
        params,
        session: Some(session),
        available: None,
    }
}

/// The next step once a factor is done: new password, device SRP, MFA, or tokens.
pub(crate) fn next_step(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    mut flow: Flow,
) -> Result<Outcome, ApiError> {
    if flow.simulated.is_some() {
        return Err(bad_credentials());
    }
    let pool = st.pool(pool_id)?;
    let user = st
        .get_user(&pool.id, username)
        .ok_or_else(crate::error::user_not_found)?;
    let mut base = BTreeMap::new();
    base.insert(Key::UserIdForSrp.to_string(), username.to_owned());

    if user.status == UserStatusType::ForceChangePassword {
        let required: Vec<String> = pool
            .spec
            .required_attributes
            .iter()
            .filter(|a| !user.attributes.contains_key(*a))
            .map(|a| format!("{USER_ATTRIBUTE_PREFIX}{a}"))
            .collect();
        let attrs: BTreeMap<&String, &String> = user
            .attributes
            .iter()
            .filter(|(k, _)| k.as_str() != "sub")
            .collect();
        let mut params = base;
        params.insert(
            Key::RequiredAttributes.to_string(),
            serde_json::to_string(&required).unwrap_or_else(|_| "[]".into()),
        );
        params.insert(
            Key::UserAttributes.to_string(),
            serde_json::to_string(&attrs).unwrap_or_else(|_| "{}".into()),
        );
        let id = new_session(
            inner,
            st,
            pool_id,
            client_id,
            username,
            ChallengeNameType::NewPasswordRequired,
            flow,
        )?;
        return Ok(challenge_with_session(
            ChallengeNameType::NewPasswordRequired,
            params,
            id,
        ));
    }

    if let Some(dk) = flow.device_key.clone()
        && !flow.device_verified
    {
        let Some(device) = user.devices.get(&dk) else {
            // Cognito refuses a device key it does not know (a forgotten device): the client
            // must drop it and sign in again without it.
            return Err(device_not_found());
        };
        let known = device.verifier.is_some();
        if known && pool.spec.device_tracking != DeviceTracking::Off {
            let mut params = base;
            params.insert(Key::Username.to_string(), username.to_owned());
            let id = new_session(
                inner,
                st,
                pool_id,
                client_id,
                username,
                ChallengeNameType::DeviceSrpAuth,
                flow,
            )?;
            return Ok(challenge_with_session(
                ChallengeNameType::DeviceSrpAuth,
                params,
                id,
            ));
        }
        // A device that was never confirmed is ignored; the sign-in goes on as from a new device.
        flow.device_key = None;
    }

    let methods = enabled_mfa(st, pool, username);
    let needed = match pool.spec.mfa {
        MfaConfig::Off => false,
        MfaConfig::Optional => !methods.is_empty(),
        MfaConfig::On => true,
    };
    if needed && !flow.mfa_done && !flow.device_remembered {
        if methods.is_empty() {
            let mut can = Vec::new();
            if pool.spec.software_token_mfa {
                can.push(MfaKind::SoftwareToken);
            }
            let mut params = base;
            params.insert(
                Key::MfasCanSetup.to_string(),
                serde_json::to_string(&can).unwrap_or_else(|_| "[]".into()),
            );
            let id = new_session(
                inner,
                st,
                pool_id,
                client_id,
                username,
                ChallengeNameType::MfaSetup,
                flow,
            )?;
            return Ok(challenge_with_session(
                ChallengeNameType::MfaSetup,
                params,
                id,
            ));
        }
        let choice = match user.mfa.preferred {
            Some(p) if methods.contains(&p) => Some(p),
            _ if methods.len() == 1 => methods.first().copied(),
            _ => None,
        };
        return match choice {
            Some(m) => code_challenge(
                inner,
                st,
                pool_id,
                client_id,
                username,
                m.challenge(),
                OutboxKind::Mfa,
                flow,
            ),
            None => {
                let mut params = base;
                params.insert(
                    Key::MfasCanChoose.to_string(),
                    serde_json::to_string(&methods).unwrap_or_else(|_| "[]".into()),
                );
                let id = new_session_with(
                    inner,
                    st,
                    pool_id,
                    client_id,
                    username,
                    ChallengeNameType::SelectMfaType,
                    flow,
                    |s| {
                        s.choices = methods
                            .iter()
                            .map(|m| Choice::Challenge(m.challenge()))
                            .collect();
                    },
                )?;
                Ok(challenge_with_session(
                    ChallengeNameType::SelectMfaType,
                    params,
                    id,
                ))
            }
        };
    }

    // Tokens.
    let now = inner.now();
    crate::triggers::after_sign_in(inner, st, pool_id, client_id, username, &flow)?;
    if flow.hosted {
        return Ok(Outcome::SignedIn {
            username: username.to_owned(),
            auth_time: if flow.auth_time > 0 {
                flow.auth_time
            } else {
                now
            },
        });
    }
    let tracking = pool.spec.device_tracking;
    let mut new_device = None;
    let device_key = if flow.device_verified {
        let dk = flow.device_key.clone();
        if let Some(dk) = &dk
            && let Some(mut u) = st.user_exact_mut(pool_id, username)?
            && let Some(d) = u.devices.get_mut(dk)
        {
            d.last_auth = now;
        }
        dk
    } else if tracking != DeviceTracking::Off {
        let region = st.pool(pool_id)?.spec.region.clone();
        let mut user = st
            .user_exact_mut(pool_id, username)?
            .ok_or_else(crate::error::user_not_found)?;
        let key = format!("{region}_{}", inner.rng.uuid());
        let group_key = user.device_group_key.clone();
        user.devices.insert(
            key.clone(),
            Device {
                key: key.clone(),
                group_key,
                name: None,
                verifier: None,
                remembered: false,
                created: now,
                modified: now,
                last_auth: now,
            },
        );
        new_device = Some(
            NewDeviceMetadataType::builder()
                .device_group_key(user.device_group_key.clone())
                .device_key(key.clone())
                .build(),
        );
        Some(key)
    } else {
        None
    };
    let result = tokens::issue(
        inner,
        st,
        Issue {
            pool_id: pool_id.to_owned(),
            client_id: client_id.to_owned(),
            username: username.to_owned(),
            device_key,
            auth_time: if flow.auth_time > 0 {
                flow.auth_time
            } else {
                now
            },
            origin_jti: None,
            new_refresh: true,
            new_device,
            grant: None,
        },
    )?;
    Ok(Outcome::Tokens(result))
}

/// InitiateAuth and AdminInitiateAuth.
pub(crate) fn initiate(
    inner: &Ctx,
    admin_pool: Option<&str>,
    client_id: &str,
    flow_name: &AuthFlowType,
    params: &Params,
) -> Result<Outcome, ApiError> {
    use AuthFlowType as F;
    let mut guard = inner.lock();
    let st = &mut *guard;
    let pool_id = st.pool_of_client(client_id)?;
    if let Some(p) = admin_pool
        && p != pool_id
    {
        return Err(crate::state::client_not_found(client_id));
    }
    let admin = admin_pool.is_some();
    let client = st
        .pool(&pool_id)?
        .clients
        .get(client_id)
        .cloned()
        .ok_or_else(|| crate::state::client_not_found(client_id))?;
    let now = inner.now();
    let flow = Flow {
        admin,
        device_key: p(params, Key::DeviceKey).map(str::to_owned),
        auth_time: now,
        ..Flow::default()
    };
    match flow_name {
        F::RefreshTokenAuth | F::RefreshToken => {
            require_flow(&client, &F::RefreshTokenAuth)?;
            let token = req(params, Key::RefreshToken)?;
            let result = refresh(
                inner,
                st,
                &pool_id,
                &client,
                token,
                p(params, Key::DeviceKey),
                p(params, Key::SecretHash),
                p(params, Key::Username),
            )?;
            return Ok(Outcome::Tokens(result));
        }
        F::UserSrpAuth
        | F::UserPasswordAuth
        | F::AdminUserPasswordAuth
        | F::AdminNoSrpAuth
        | F::CustomAuth
        | F::UserAuth => {}
        other => {
            let other = other.as_str();
            return Err(invalid(format!(
                "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
            )));
        }
    }
    let given = req(params, Key::Username)?;
    // ADMIN_NO_SRP_AUTH is the older name of ADMIN_USER_PASSWORD_AUTH.
    let flow_key = match flow_name {
        F::AdminNoSrpAuth => &F::AdminUserPasswordAuth,
        other => other,
    };
    let admin_only = *flow_key == F::AdminUserPasswordAuth;
    if admin_only != admin && (admin_only || *flow_key == F::UserPasswordAuth) {
        return Err(invalid("Initiate Auth method not supported."));
    }
    require_flow(&client, flow_key)?;
    check_secret_hash(&client, p(params, Key::SecretHash), &[given])?;
    let found = match sign_in_user(st, st.pool(&pool_id)?, given) {
        Some(u) => Some(u),
        None => crate::triggers::migrate_on_sign_in(
            inner, st, &pool_id, &client, flow_key, given, params,
        )?,
    };
    let (username, flow) = match found {
        Some(u) => (u, flow),
        // With PreventUserExistenceErrors, an unknown name goes through the motions and fails
        // like a wrong password.
        None if client.spec.prevent_user_existence_errors => (
            given.to_owned(),
            Flow {
                simulated: Some(given.to_owned()),
                ..flow
            },
        ),
        None => return Err(crate::error::user_not_found()),
    };
    crate::triggers::before_sign_in(
        inner,
        st,
        &pool_id,
        &client,
        &username,
        flow.simulated.is_some(),
    )?;

    match flow_key {
        F::UserSrpAuth => {
            let srp_a = req(params, Key::SrpA)?;
            let (a, v, user_id) =
                srp_inputs(inner, st, &pool_id, &client, &username, srp_a, &flow)?;
            // B = kv + g^b: the exponentiation runs without the state lock.
            drop(guard);
            let server = server_ephemeral(inner, &v)?;
            let mut guard = inner.lock();
            finish_password_verifier(
                inner, &mut guard, &pool_id, &client, &user_id, a, &v, server, flow,
            )
        }
        F::UserPasswordAuth | F::AdminUserPasswordAuth => {
            let password = req(params, Key::Password)?;
            password_step(inner, st, &pool_id, &client, &username, password, flow)
        }
        F::CustomAuth => {
            if crate::triggers::custom_auth(st, &pool_id) {
                return crate::triggers::custom_auth_start(
                    inner, st, &pool_id, &client, &username, params, flow,
                );
            }
            if let (Some(name), Some(srp_a)) = (p(params, Key::ChallengeName), p(params, Key::SrpA))
                && name == Key::SrpA.as_str()
            {
                let mut flow = flow;
                flow.mfa_done = true;
                let out =
                    start_password_verifier(inner, st, &pool_id, &client, &username, srp_a, flow)?;
                mark_custom(st, &out)?;
                return Ok(out);
            }
            custom_challenge(inner, st, &pool_id, &client.id, &username, flow)
        }
        _ => user_auth(inner, st, &pool_id, &client, &username, params, flow),
    }
}

/// The managed login's sign-in with a password ([`crate::hosted`]): the app client's explicit
/// auth flows do not apply (the pages are Cognito's own, not an API client); it ends in a
/// challenge or [`Outcome::SignedIn`], never in tokens.
pub(crate) fn hosted_sign_in(
    inner: &Ctx,
    pool_id: &str,
    client_id: &str,
    name: &str,
    password: &str,
) -> Result<Outcome, ApiError> {
    let mut guard = inner.lock();
    let st = &mut *guard;
    let client = st
        .pool(pool_id)?
        .clients
        .get(client_id)
        .cloned()
        .ok_or_else(|| crate::state::client_not_found(client_id))?;
    let flow = Flow {
        auth_time: inner.now(),
        hosted: true,
        ..Flow::default()
    };
    let (username, flow) = match sign_in_user(st, st.pool(pool_id)?, name) {
        Some(u) => (u, flow),
        None if client.spec.prevent_user_existence_errors => (
            name.to_owned(),
            Flow {
                simulated: Some(name.to_owned()),
                ..flow
            },
        ),
        None => return Err(crate::error::user_not_found()),
    };
    crate::triggers::before_sign_in(
        inner,
        st,
        pool_id,
        &client,
        &username,
        flow.simulated.is_some(),
    )?;
    password_step(inner, st, pool_id, &client, &username, password, flow)
}

/// The managed login's sign-in with a passkey ([`crate::hosted`]): `USER_AUTH` with
/// `PREFERRED_CHALLENGE=WEB_AUTHN` on the same state machine, the app client's explicit auth
/// flows aside as in [`hosted_sign_in`]; it ends in the `WEB_AUTHN` challenge (its
/// `CREDENTIAL_REQUEST_OPTIONS` for the page's script), answered through [`respond`]. A user
/// without a passkey, or none at all under `PreventUserExistenceErrors`, is refused alike.
pub(crate) fn hosted_passkey_sign_in(
    inner: &Ctx,
    pool_id: &str,
    client_id: &str,
    name: &str,
) -> Result<Outcome, ApiError> {
    let mut guard = inner.lock();
    let st = &mut *guard;
    let client = st
        .pool(pool_id)?
        .clients
        .get(client_id)
        .cloned()
        .ok_or_else(|| crate::state::client_not_found(client_id))?;
    let flow = Flow {
        auth_time: inner.now(),
        hosted: true,
        ..Flow::default()
    };
    let unavailable =
        || crate::error::not_authorized("Passkey sign-in is not available for this user.");
    let (username, flow) = match sign_in_user(st, st.pool(pool_id)?, name) {
        Some(u) => (u, flow),
        None if client.spec.prevent_user_existence_errors => return Err(unavailable()),
        None => return Err(crate::error::user_not_found()),
    };
    crate::triggers::before_sign_in(inner, st, pool_id, &client, &username, false)?;
    let available = available_first_factors(st, st.pool(pool_id)?, &username, &flow);
    if !available.contains(&ChallengeNameType::WebAuthn) {
        return Err(unavailable());
    }
    first_factor(
        inner,
        st,
        pool_id,
        &client,
        &username,
        &ChallengeNameType::WebAuthn,
        &Params::new(),
        flow,
    )
}

fn mark_custom(st: &mut State, out: &Outcome) -> Result<(), ApiError> {
    if let Outcome::Challenge { params, .. } = out
        && let Some(block) = params.param(Key::SecretBlock)
    {
        st.update_session(block, |s| s.choices = vec![Choice::CustomAfterPassword])?;
    }
    Ok(())
}

/// The built-in custom challenge: a code sent to the user's email (or phone).
fn custom_challenge(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    mut flow: Flow,
) -> Result<Outcome, ApiError> {
    if flow.simulated.is_some() {
        return Err(bad_credentials());
    }
    flow.mfa_done = true;
    let user = st
        .get_user(pool_id, username)
        .ok_or_else(crate::error::user_not_found)?;
    let (dest, medium, name) = match (user.attr("email"), user.attr("phone_number")) {
        (Some(e), _) => (e.to_owned(), Medium::Email, "EMAIL"),
        (None, Some(ph)) => (ph.to_owned(), Medium::Sms, "SMS"),
        _ => (String::new(), Medium::Email, "EMAIL"),
    };
    let code = inner.rng.digits(6);
    if !dest.is_empty() {
        inner.send(st, pool_id, username, &dest, medium, OutboxKind::Otp, &code)?;
    }
    let mut params = BTreeMap::new();
    params.insert(Key::Username.to_string(), username.to_owned());
    params.insert(Key::CodeDeliveryDeliveryMedium.to_string(), name.to_owned());
    params.insert(Key::CodeDeliveryDestination.to_string(), mask(&dest));
    let id = new_session_with(
        inner,
        st,
        pool_id,
        client_id,
        username,
        ChallengeNameType::CustomChallenge,
        flow,
        |s| {
            s.code = Some(code);
        },
    )?;
    Ok(challenge_with_session(
        ChallengeNameType::CustomChallenge,
        params,
        id,
    ))
}

/// The first factors `USER_AUTH` offers. One-time passwords are passwordless sign-in, which
/// Cognito does not offer when the pool requires MFA; a simulated sign-in is offered what a user
/// with a password and an email (phone number, for a phone number) would be.
fn available_first_factors(
    st: &State,
    pool: &Pool,
    username: &str,
    flow: &Flow,
) -> Vec<ChallengeNameType> {
    let mut out = Vec::new();
    let passwordless = pool.spec.mfa != MfaConfig::On;
    if let Some(name) = &flow.simulated {
        out.push(ChallengeNameType::Password);
        out.push(ChallengeNameType::PasswordSrp);
        if passwordless {
            out.push(crate::simulate::otp_factor(name));
        }
        return out;
    }
    if let Some(u) = st.get_user(&pool.id, username) {
        if u.verifier.is_some() {
            out.push(ChallengeNameType::Password);
            out.push(ChallengeNameType::PasswordSrp);
        }
        if passwordless && u.attr("email").is_some() {
            out.push(ChallengeNameType::EmailOtp);
        }
        if passwordless && u.attr("phone_number").is_some() {
            out.push(ChallengeNameType::SmsOtp);
        }
        if crate::webauthn::offered(pool, &u, passwordless) {
            out.push(ChallengeNameType::WebAuthn);
        }
    }
    out
}

/// USER_AUTH: the preferred first factor, or SELECT_CHALLENGE.
fn user_auth(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    username: &str,
    params: &Params,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let available = available_first_factors(st, st.pool(pool_id)?, username, &flow);
    if let Some(pref) = p(params, Key::PreferredChallenge).map(ChallengeNameType::from)
        && available.contains(&pref)
    {
        return first_factor(inner, st, pool_id, client, username, &pref, params, flow);
    }
    let id = new_session_with(
        inner,
        st,
        pool_id,
        &client.id,
        username,
        ChallengeNameType::SelectChallenge,
        flow,
        |s| {
            s.choices = available.iter().cloned().map(Choice::Challenge).collect();
        },
    )?;
    Ok(Outcome::Challenge {
        name: ChallengeNameType::SelectChallenge,
        params: BTreeMap::new(),
        session: Some(id),
        available: Some(available),
    })
}

#[allow(clippy::too_many_arguments)]
fn first_factor(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    username: &str,
    factor: &ChallengeNameType,
    params: &Params,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    match factor {
        ChallengeNameType::Password => {
            let password = req(params, Key::Password)?;
            password_step(inner, st, pool_id, client, username, password, flow)
        }
        ChallengeNameType::PasswordSrp => {
            let srp_a = req(params, Key::SrpA)?;
            start_password_verifier(inner, st, pool_id, client, username, srp_a, flow)
        }
        ChallengeNameType::EmailOtp | ChallengeNameType::SmsOtp if flow.simulated.is_some() => {
            simulated_code_challenge(inner, st, pool_id, &client.id, username, factor, flow)
        }
        ChallengeNameType::EmailOtp | ChallengeNameType::SmsOtp => {
            let mut flow = flow;
            flow.mfa_done = true;
            code_challenge(
                inner,
                st,
                pool_id,
                &client.id,
                username,
                factor.clone(),
                OutboxKind::Otp,
                flow,
            )
        }
        ChallengeNameType::WebAuthn if flow.simulated.is_none() => {
            let pool = st.pool(pool_id)?;
            let user = st
                .get_user(pool_id, username)
                .ok_or_else(|| user_missing(client))?;
            let (challenge, options) = crate::webauthn::begin_sign_in(inner, pool, &user)?;
            let mut params = BTreeMap::new();
            params.insert(Key::CredentialRequestOptions.to_string(), options);
            params.insert(Key::Username.to_string(), username.to_owned());
            let id = new_session_with(
                inner,
                st,
                pool_id,
                &client.id,
                username,
                factor.clone(),
                flow,
                |s| s.webauthn_challenge = Some(challenge),
            )?;
            Ok(challenge_with_session(factor.clone(), params, id))
        }
        other => Err(invalid(format!("Unsupported challenge {other}"))),
    }
}

/// A one-time-password challenge for a simulated sign-in: shaped like a user's, nothing sent, no
/// code to match.
fn simulated_code_challenge(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    name: &str,
    factor: &ChallengeNameType,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    // In pools where email / phone is the username, internal usernames are UUIDs.
    let uuid_usernames = st
        .pool(pool_id)
        .is_ok_and(|p| !p.spec.username_attributes.is_empty());
    let shown = if uuid_usernames {
        let secret = crate::simulate::secret(inner, st);
        crate::simulate::user_id(&secret, pool_id, name)
    } else {
        name.to_owned()
    };
    let medium = if *factor == ChallengeNameType::SmsOtp {
        "SMS"
    } else {
        "EMAIL"
    };
    let mut params = BTreeMap::new();
    params.insert(Key::UserIdForSrp.to_string(), shown.clone());
    params.insert(Key::Username.to_string(), shown.clone());
    params.insert(
        Key::CodeDeliveryDeliveryMedium.to_string(),
        medium.to_owned(),
    );
    params.insert(
        Key::CodeDeliveryDestination.to_string(),
        crate::simulate::otp_destination(name),
    );
    let id = new_session(inner, st, pool_id, client_id, &shown, factor.clone(), flow)?;
    Ok(challenge_with_session(factor.clone(), params, id))
}

fn password_step(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    username: &str,
    password: &str,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let now = inner.now();
    let key = lock_key(&flow, username);
    lockout::check(&st.signin_failures, pool_id, &key, now)?;
    let matches = match &flow.simulated {
        Some(name) => {
            // The same work as for a user, for nothing.
            let secret = crate::simulate::secret(inner, st);
            crate::simulate::verifier(&secret, pool_id, name)?;
            false
        }
        None => {
            let user = st
                .get_user(pool_id, username)
                .ok_or_else(|| user_missing(client))?;
            if !user.enabled {
                return Err(not_authorized("User is disabled."));
            }
            password_matches(pool_id, username, user.verifier.as_ref(), password)
        }
    };
    if !matches {
        lockout::fail(&mut st.signin_failures, pool_id, &key, now);
        st.keep();
        return Err(bad_credentials());
    }
    lockout::succeed(&mut st.signin_failures, pool_id, &key);
    check_status(st, st.pool(pool_id)?, username)?;
    next_step(inner, st, pool_id, &client.id, username, flow)
}

/// REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken.
#[allow(clippy::too_many_arguments)]
pub(crate) fn refresh(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    token: &str,
    device_key: Option<&str>,
    secret_hash: Option<&str>,
    username_param: Option<&str>,
) -> Result<AuthenticationResultType, ApiError> {
    let now = inner.now();
    let invalid_token = || not_authorized("Invalid Refresh Token");
    let rec = st
        .refresh_token(pool_id, token)?
        .ok_or_else(invalid_token)?;
    if rec.client_id != client.id {
        return Err(invalid_token());
    }
    let user = st
        .get_user(pool_id, &rec.username)
        .ok_or_else(invalid_token)?;
    let mut names: Vec<&str> = vec![rec.username.as_str()];
    if let Some(u) = username_param {
        names.push(u);
    }
    for a in ["email", "phone_number", "preferred_username"] {
        if let Some(v) = user.attr(a) {
            names.push(v);
        }
    }
    check_secret_hash(client, secret_hash, &names)?;
    if rec.revoked || st.origin_revoked(pool_id, &rec.origin_jti)? {
        return Err(not_authorized("Refresh Token has been revoked"));
    }
    if rec.expires <= now {
        return Err(not_authorized("Refresh Token has expired"));
    }
    if let (Some(grace), Some(at)) = (client.spec.refresh_token_rotation, rec.rotated_at)
        && now > at.saturating_add(i64::try_from(grace).unwrap_or(i64::MAX))
    {
        return Err(ApiError::new(
            "RefreshTokenReuseException",
            "Refresh token has already been used and the grace period has expired.",
        ));
    }
    if let Some(bound) = &rec.device_key
        && device_key != Some(bound.as_str())
    {
        return Err(invalid_token());
    }
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    let rotate = client.spec.refresh_token_rotation.is_some();
    let result = tokens::issue(
        inner,
        st,
        Issue {
            pool_id: pool_id.to_owned(),
            client_id: client.id.clone(),
            username: rec.username.clone(),
            device_key: rec.device_key.clone(),
            auth_time: rec.auth_time,
            origin_jti: Some(rec.origin_jti.clone()),
            new_refresh: rotate,
            new_device: None,
            grant: rec.grant.clone(),
        },
    )?;
    if rotate
        && let Some(mut r) = st.refresh_token(pool_id, token)?
        && r.rotated_at.is_none()
    {
        r.rotated_at = Some(now);
        st.put_refresh_token(pool_id, token, &r)?;
    }
    Ok(result)
}

/// RespondToAuthChallenge and AdminRespondToAuthChallenge.
pub(crate) fn respond(
    inner: &Ctx,
    admin_pool: Option<&str>,
    client_id: &str,
    challenge: &ChallengeNameType,
    responses: &Params,
    session: Option<&str>,
) -> Result<Outcome, ApiError> {
    use ChallengeNameType as C;
    let mut guard = inner.lock();
    let st = &mut *guard;
    let pool_id = st.pool_of_client(client_id)?;
    if let Some(p) = admin_pool
        && p != pool_id
    {
        return Err(crate::state::client_not_found(client_id));
    }
    let client = st
        .pool(&pool_id)?
        .clients
        .get(client_id)
        .cloned()
        .ok_or_else(|| crate::state::client_not_found(client_id))?;
    let key = if *challenge == C::PasswordVerifier {
        req(responses, Key::PasswordClaimSecretBlock)?.to_owned()
    } else {
        session.ok_or_else(|| missing("Session"))?.to_owned()
    };
    let sess = st.take_session(&key)?.ok_or_else(invalid_session)?;
    let now = inner.now();
    if sess.expires <= now {
        return Err(expired_session());
    }
    if sess.client_id != client.id || sess.pool_id != pool_id {
        return Err(invalid_session());
    }
    // SELECT_CHALLENGE may be answered by naming the first factor as the challenge.
    let select_answer = sess.challenge == C::SelectChallenge
        && matches!(
            challenge,
            C::Password | C::PasswordSrp | C::EmailOtp | C::SmsOtp | C::WebAuthn
        );
    if sess.challenge != *challenge && !select_answer {
        return Err(invalid_session());
    }
    let given = req(responses, Key::Username)?;
    let same_user = if let Some(name) = &sess.flow.simulated {
        given.eq_ignore_ascii_case(&sess.username) || given.eq_ignore_ascii_case(name)
    } else {
        sign_in_user(st, st.pool(&pool_id)?, given).as_deref() == Some(sess.username.as_str())
    };
    if !same_user {
        return Err(bad_credentials());
    }
    check_secret_hash(&client, p(responses, Key::SecretHash), &[given])?;
    let username = sess.username.clone();
    let mut flow = sess.flow.clone();

    if select_answer {
        let answer = challenge.clone();
        return select_challenge(inner, st, &pool_id, &client, sess, answer, responses);
    }

    if *challenge == C::PasswordVerifier {
        let srp = sess.srp.as_ref().ok_or_else(invalid_session)?;
        let ts = req(responses, Key::Timestamp)?;
        let sig = req(responses, Key::PasswordClaimSignature)?;
        let lock = lock_key(&flow, &username);
        lockout::check(&st.signin_failures, &pool_id, &lock, now)?;
        check_timestamp(inner, ts)?;
        // The session is already out of the table (single use): S and the proof are checked
        // without the state lock.
        drop(guard);
        let ok = srp
            .server
            .verify_password_claim(&srp.a, &pool_id, &username, &srp.secret_block, ts, sig)
            .unwrap_or(false)
            && flow.simulated.is_none();
        let mut guard = inner.lock();
        let st = &mut *guard;
        if !ok {
            lockout::fail(&mut st.signin_failures, &pool_id, &lock, now);
            st.keep();
            return Err(bad_credentials());
        }
        lockout::succeed(&mut st.signin_failures, &pool_id, &lock);
        check_status(st, st.pool(&pool_id)?, &username)?;
        // A remembered device may be named here rather than in InitiateAuth (what
        // amazon-cognito-identity-js does: it reads its cached key once it knows the user).
        if let Some(dk) = p(responses, Key::DeviceKey).filter(|d| !d.is_empty()) {
            let exists = st
                .get_user(&pool_id, &username)
                .is_some_and(|u| u.devices.contains_key(dk));
            if !exists {
                // The challenge stays open, as Cognito's does: amazon-cognito-identity-js answers
                // it again without the forgotten device's key.
                st.put_session(&key, &sess)?;
                return Err(device_not_found());
            }
            flow.device_key = Some(dk.to_owned());
        }
        if let Some(custom) = sess.custom.clone() {
            return crate::triggers::custom_auth_after_password(
                inner, st, &pool_id, &client.id, &username, custom, flow,
            );
        }
        if sess.choices.first() == Some(&Choice::CustomAfterPassword) {
            return custom_challenge(inner, st, &pool_id, &client.id, &username, flow);
        }
        return next_step(inner, st, &pool_id, &client.id, &username, flow);
    }

    match challenge {
        C::DeviceSrpAuth => {
            let device_key = req(responses, Key::DeviceKey)?;
            let srp_a = req(responses, Key::SrpA)?;
            let a = PublicValue::client_a(srp_a).map_err(|_| invalid("SRP_A is invalid"))?;
            if flow.device_key.as_deref() != Some(device_key) {
                return Err(bad_credentials());
            }
            let device = st
                .get_user(&pool_id, &username)
                .and_then(|u| u.devices.get(device_key).cloned())
                .ok_or_else(device_not_found)?;
            let stored = device.verifier.clone().ok_or_else(bad_credentials)?;
            let v = load_verifier(&stored)?;
            let (server, b) = server_ephemeral(inner, &v)?;
            let block = SecretBlock::from_bytes(inner.rng.bytes(64));
            let mut params = BTreeMap::new();
            params.insert(Key::DeviceKey.to_string(), device_key.to_owned());
            params.insert(Key::Salt.to_string(), v.salt().to_hex());
            params.insert(Key::SecretBlock.to_string(), block.as_base64().to_owned());
            params.insert(Key::SrpB.to_string(), server.public().to_hex());
            params.insert(Key::Username.to_string(), username.clone());
            let id = new_session_with(
                inner,
                st,
                &pool_id,
                &client.id,
                &username,
                C::DevicePasswordVerifier,
                flow,
                |s| {
                    s.srp = Some(SrpPending {
                        server,
                        a,
                        secret_block: block,
                        device_key: Some(device_key.to_owned()),
                        b,
                        verifier: v.clone(),
                    });
                },
            )?;
            Ok(challenge_with_session(
                C::DevicePasswordVerifier,
                params,
                id,
            ))
        }
        C::DevicePasswordVerifier => {
            let srp = sess.srp.as_ref().ok_or_else(invalid_session)?;
            let device_key = req(responses, Key::DeviceKey)?;
            let ts = req(responses, Key::Timestamp)?;
            let sig = req(responses, Key::PasswordClaimSignature)?;
            let block = req(responses, Key::PasswordClaimSecretBlock)?;
            if srp.device_key.as_deref() != Some(device_key)
                || block != srp.secret_block.as_base64()
            {
                return Err(bad_credentials());
            }
            check_timestamp(inner, ts)?;
            let device = st
                .get_user(&pool_id, &username)
                .and_then(|u| u.devices.get(device_key).cloned())
                .ok_or_else(device_not_found)?;
            let ok = srp
                .server
                .verify_device_claim(
                    &srp.a,
                    &device.group_key,
                    device_key,
                    &srp.secret_block,
                    ts,
                    sig,
                )
                .unwrap_or(false);
            if !ok {
                return Err(bad_credentials());
            }
            flow.device_verified = true;
            flow.device_remembered = device.remembered;
            next_step(inner, st, &pool_id, &client.id, &username, flow)
        }
        C::NewPasswordRequired => {
            let new_password = req(responses, Key::NewPassword)?;
            let pool = st.pool(&pool_id)?;
            if let Err(refused) = pool.check_policy(new_password) {
                // Cognito keeps the challenge open: the user may choose another password on the
                // same session (until it expires).
                st.put_session(&key, &sess)?;
                return Err(refused);
            }
            let mut updates = BTreeMap::new();
            for (k, v) in responses {
                if let Some(attr) = k.strip_prefix(USER_ATTRIBUTE_PREFIX) {
                    updates.insert(attr.to_owned(), v.expose().to_owned());
                }
            }
            crate::inner::check_attributes(pool, &updates)?;
            let mut user = st
                .get_user(&pool_id, &username)
                .ok_or_else(crate::error::user_not_found)?;
            for r in &pool.spec.required_attributes {
                if !user.attributes.contains_key(r) && !updates.contains_key(r) {
                    return Err(invalid(format!("Invalid attributes given, {r} is missing")));
                }
            }
            let verifier = inner.make_verifier(&pool_id, &username, new_password)?;
            user.attributes.extend(updates);
            user.verifier = Some(verifier);
            user.status = UserStatusType::Confirmed;
            user.modified = now;
            st.put_user_later(&pool_id, &user);
            next_step(inner, st, &pool_id, &client.id, &username, flow)
        }
        C::SmsMfa | C::EmailOtp | C::SmsOtp | C::SoftwareTokenMfa => {
            let param = match challenge {
                C::SmsMfa => Key::SmsMfaCode,
                C::EmailOtp => Key::EmailOtpCode,
                C::SmsOtp => Key::SmsOtpCode,
                _ => Key::SoftwareTokenMfaCode,
            };
            let code = req(responses, param)?;
            let ok = if *challenge == C::SoftwareTokenMfa {
                let mut user = st
                    .get_user(&pool_id, &username)
                    .ok_or_else(crate::error::user_not_found)?;
                let secret = user.mfa.totp_secret.clone().unwrap_or_default();
                match crate::totp::verify(&secret, code, now) {
                    Some(step) if user.mfa.last_totp_step.is_some_and(|l| l >= step) => {
                        // Cognito keeps the challenge open (as for a wrong code): the user may
                        // send the authenticator's next code on the same session.
                        if sess.attempts < 2 {
                            let mut sess = sess;
                            sess.attempts += 1;
                            st.put_session(&key, &sess)?;
                        }
                        return Err(ApiError::new(
                            "ExpiredCodeException",
                            "Your software token has already been used once.",
                        ));
                    }
                    Some(step) => {
                        user.mfa.last_totp_step = Some(step);
                        st.put_user_later(&pool_id, &user);
                        true
                    }
                    None => false,
                }
            } else {
                sess.code
                    .as_deref()
                    .is_some_and(|c| crate::inner::ct_eq(c.as_bytes(), code.as_bytes()))
            };
            if !ok {
                if sess.attempts < 2 {
                    let mut sess = sess;
                    sess.attempts += 1;
                    st.put_session(&key, &sess)?;
                }
                return Err(ApiError::new(
                    "CodeMismatchException",
                    "Invalid code or auth state for the user.",
                ));
            }
            flow.mfa_done = true;
            next_step(inner, st, &pool_id, &client.id, &username, flow)
        }
        C::SelectMfaType => {
            let answer = C::from(req(responses, Key::Answer)?);
            if !sess.choices.contains(&Choice::Challenge(answer.clone())) {
                return Err(invalid(format!("Invalid ANSWER for {}", C::SelectMfaType)));
            }
            code_challenge(
                inner,
                st,
                &pool_id,
                &client.id,
                &username,
                answer,
                OutboxKind::Mfa,
                flow,
            )
        }
        C::MfaSetup => {
            if !sess.totp_verified {
                return Err(invalid_session());
            }
            flow.mfa_done = true;
            next_step(inner, st, &pool_id, &client.id, &username, flow)
        }
        C::CustomChallenge => {
            let answer = req(responses, Key::Answer)?;
            if let Some(custom) = sess.custom.clone() {
                return crate::triggers::custom_auth_answer(
                    inner, st, &pool_id, &client.id, &username, custom, answer, flow,
                );
            }
            let ok = sess
                .code
                .as_deref()
                .is_some_and(|c| crate::inner::ct_eq(c.as_bytes(), answer.as_bytes()));
            if !ok {
                return Err(bad_credentials());
            }
            flow.mfa_done = true;
            next_step(inner, st, &pool_id, &client.id, &username, flow)
        }
        C::WebAuthn => {
            let credential = req(responses, Key::Credential)?;
            // The session is used up whatever the answer (its challenge is single use).
            let checked = crate::webauthn::finish_sign_in(
                st,
                &pool_id,
                &username,
                sess.webauthn_challenge.as_deref(),
                credential,
            );
            if let Err(e) = checked {
                st.keep();
                return Err(e);
            }
            check_status(st, st.pool(&pool_id)?, &username)?;
            flow.mfa_done = true;
            next_step(inner, st, &pool_id, &client.id, &username, flow)
        }
        C::SelectChallenge => {
            let answer = C::from(req(responses, Key::Answer)?);
            select_challenge(inner, st, &pool_id, &client, sess, answer, responses)
        }
        other => Err(invalid(format!(
            "Challenge {other} is not supported by the emulator"
        ))),
    }
}

fn select_challenge(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    sess: Session,
    answer: ChallengeNameType,
    responses: &Params,
) -> Result<Outcome, ApiError> {
    if !sess.choices.contains(&Choice::Challenge(answer.clone())) {
        return Err(invalid(format!("Invalid ANSWER {answer}")));
    }
    first_factor(
        inner,
        st,
        pool_id,
        client,
        &sess.username,
        &answer,
        responses,
        sess.flow,
    )
}

/// The session of an MFA_SETUP challenge, for AssociateSoftwareToken / VerifySoftwareToken:
/// consumed and replaced by a new one (returned).
pub(crate) fn take_setup_session(
    inner: &Ctx,
    st: &mut State,
    id: &str,
) -> Result<Session, ApiError> {
    let sess = st.take_session(id)?.ok_or_else(invalid_session)?;
    if sess.expires <= inner.now() {
        return Err(expired_session());
    }
    if sess.challenge != ChallengeNameType::MfaSetup {
        return Err(invalid_session());
    }
    Ok(sess)
}

/// Puts a setup session back under a fresh id (with a fresh expiry).
pub(crate) fn reissue_session(
    inner: &Ctx,
    st: &mut State,
    mut sess: Session,
) -> Result<String, ApiError> {
    let id = inner.rng.token(192);
    let ttl = i64::try_from(inner.config.session_ttl.as_secs()).unwrap_or(180);
    sess.expires = inner.now().saturating_add(ttl);
    st.put_session(&id, &sess)?;
    Ok(id)
}

/// Cognito's error for a device key it does not know.
fn device_not_found() -> ApiError {
    crate::error::not_found("Device does not exist.")
}
