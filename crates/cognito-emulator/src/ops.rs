//! Public (token- or client-authorized) operations: sign-in wrappers, sign-up, passwords,
//! attributes, MFA, devices, sign-out and revocation.

use crate::auth::{self, check_secret_hash};
use crate::error::{
    ApiError, bad_credentials, code_mismatch, expired_code, invalid, missing, not_authorized,
    not_found,
};
use crate::inner::{mask, password_matches};
use crate::spec::{Medium, OutboxKind};
use crate::state::{Client, Device, MfaKind, PendingCode, Pool, User};
use crate::tokens::{Caller, verify_access};
use crate::txn::Ctx;
use crate::txn::{State, UserMut};
use cognito_wire::*;
use std::collections::BTreeMap;

macro_rules! outcome_response {
    ($ty:ident, $out:expr) => {{
        match $out {
            $crate::auth::Outcome::Tokens(t) => {
                let mut r = $ty::default();
                r.authentication_result = Some(t);
                r
            }
            $crate::auth::Outcome::Challenge {
                name,
                params,
                session,
                available,
            } => {
                let mut r = $ty::default();
                r.challenge_name = Some(name);
                r.challenge_parameters = Some(params);
                r.session = session.map(SensitiveString::from);
                r.available_challenges = available;
                r
            }
            // A session of the managed login pages answered through the API.
            $crate::auth::Outcome::SignedIn { .. } => return Err($crate::error::invalid_session()),
        }
    }};
}
pub(crate) use outcome_response;

pub(crate) fn initiate_auth(
    inner: &Ctx,
    r: InitiateAuthRequest,
) -> Result<InitiateAuthResponse, ApiError> {
    let client_id = r.client_id.expose();
    inner
        .triggers()
        .initiate(client_id, r.client_metadata.as_ref());
    let params = r.auth_parameters.unwrap_or_default();
    let out = auth::initiate(inner, None, client_id, &r.auth_flow, &params);
    crate::events::record_sign_in(
        inner,
        None,
        client_id,
        crate::events::Step::Initiate(&r.auth_flow),
        &params,
        r.user_context_data
            .as_ref()
            .and_then(|c| c.ip_address.as_deref()),
        &out,
    );
    let out = out?;
    Ok(outcome_response!(InitiateAuthResponse, out))
}

pub(crate) fn respond_to_auth_challenge(
    inner: &Ctx,
    r: RespondToAuthChallengeRequest,
) -> Result<RespondToAuthChallengeResponse, ApiError> {
    let client_id = r.client_id.expose();
    inner
        .triggers()
        .respond(client_id, r.client_metadata.as_ref(), &r.challenge_name);
    let responses = r.challenge_responses.unwrap_or_default();
    let out = auth::respond(
        inner,
        None,
        client_id,
        &r.challenge_name,
        &responses,
        r.session.as_ref().map(SensitiveString::expose),
    );
    crate::events::record_sign_in(
        inner,
        None,
        client_id,
        crate::events::Step::Respond(&r.challenge_name),
        &responses,
        r.user_context_data
            .as_ref()
            .and_then(|c| c.ip_address.as_deref()),
        &out,
    );
    let out = out?;
    Ok(outcome_response!(RespondToAuthChallengeResponse, out))
}

pub(crate) fn client_of(st: &State, client_id: &str) -> Result<(String, Client), ApiError> {
    let pool_id = st.pool_of_client(client_id)?;
    let client = st
        .pool(&pool_id)?
        .clients
        .get(client_id)
        .cloned()
        .ok_or_else(|| crate::state::client_not_found(client_id))?;
    Ok((pool_id, client))
}

pub(crate) fn attributes_of(u: &User) -> Vec<AttributeType> {
    u.attributes
        .iter()
        .map(|(k, v)| crate::inner::attribute(k.clone(), v.clone()))
        .collect()
}

pub(crate) fn attr_map(list: &[AttributeType]) -> BTreeMap<String, String> {
    list.iter()
        .map(|a| {
            (
                a.name.clone(),
                a.value
                    .as_ref()
                    .map(|v| v.expose().to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// A user's enabled MFA methods (`UserMFASettingList`) and preferred one (`PreferredMfaSetting`,
/// only if enabled).
pub(crate) fn mfa_settings(u: &User) -> (Option<Vec<String>>, Option<String>) {
    let list: Vec<MfaKind> = MfaKind::ALL
        .into_iter()
        .filter(|k| u.mfa.enabled(*k))
        .collect();
    let preferred = u.mfa.preferred.filter(|p| list.contains(p));
    (
        (!list.is_empty()).then(|| list.into_iter().map(MfaKind::name).collect()),
        preferred.map(MfaKind::name),
    )
}

/// Sends a code for `purpose` to the user's email or phone (preferring `attr` when given).
#[allow(clippy::too_many_arguments)]
pub(crate) fn send_code(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    username: &str,
    purpose: &str,
    attr: Option<&str>,
    kind: OutboxKind,
    require_verified: bool,
) -> Result<CodeDeliveryDetailsType, ApiError> {
    let pool = st.pool(pool_id)?;
    let mut ttl = i64::try_from(pool.spec.code_validity_secs).unwrap_or(86_400);
    if kind == OutboxKind::ForgotPassword {
        // Cognito: "The password reset code is valid for one hour." (sign-up confirmation and
        // attribute verification codes: 24 hours, the pool's default `code_validity_secs`).
        ttl = ttl.min(FORGOT_PASSWORD_CODE_TTL);
    }
    let user = st
        .get_user(&pool.id, username)
        .ok_or_else(crate::error::user_not_found)?;
    let candidates: Vec<&str> = match attr {
        Some(a) => vec![a],
        None => {
            let mut c = Vec::new();
            for a in ["email", "phone_number"] {
                if kind != OutboxKind::SignUp
                    || pool.spec.auto_verified_attributes.iter().any(|x| x == a)
                {
                    c.push(a);
                }
            }
            c
        }
    };
    let chosen = candidates.into_iter().find(|a| {
        user.attr(a).is_some()
            && (!require_verified || user.attr(&format!("{a}_verified")) == Some("true"))
    });
    let Some(a) = chosen else {
        return Err(invalid(
            "Cannot reset password for the user as there is no registered/verified email or phone_number",
        ));
    };
    // A change waiting for verification is verified at its new address.
    let pending_value = user.codes.get(purpose).and_then(|p| p.value.clone());
    let dest = pending_value
        .clone()
        .unwrap_or_else(|| user.attr(a).unwrap_or_default().to_owned());
    let (medium, wire) = if a == "phone_number" {
        (Medium::Sms, DeliveryMediumType::Sms)
    } else {
        (Medium::Email, DeliveryMediumType::Email)
    };
    let code = inner.rng.digits(6);
    let now = inner.now();
    inner.send(st, pool_id, username, &dest, medium, kind, &code)?;
    if let Some(mut u) = st.user_exact_mut(pool_id, username)? {
        u.codes.insert(
            purpose.to_owned(),
            PendingCode {
                code,
                expires: now.saturating_add(ttl),
                failures: 0,
                value: pending_value,
            },
        );
    }
    Ok(CodeDeliveryDetailsType::builder()
        .attribute_name(a.to_owned())
        .delivery_medium(wire)
        .destination(mask(&dest))
        .build())
}

/// How long a forgot-password code lives, seconds (Cognito: one hour).
pub(crate) const FORGOT_PASSWORD_CODE_TTL: i64 = 3600;

/// `LimitExceededException` for a code that took too many wrong tries.
pub(crate) fn attempt_limit() -> ApiError {
    ApiError::new(
        "LimitExceededException",
        "Attempt limit exceeded, please try after some time.",
    )
}

/// Checks and consumes a code; returns the value it confirms, if any ([`PendingCode::value`]).
/// A wrong code counts against it: after [`CODE_ATTEMPTS`](crate::state::CODE_ATTEMPTS) wrong
/// tries the code is dead (every later try, even with the right code, is
/// `LimitExceededException`) until a new one is requested.
pub(crate) fn take_code(
    inner: &Ctx,
    user: &mut User,
    purpose: &str,
    code: &str,
) -> Result<Option<String>, ApiError> {
    let Some(pending) = user.codes.get_mut(purpose) else {
        return Err(code_mismatch());
    };
    if pending.failures >= crate::state::CODE_ATTEMPTS {
        return Err(attempt_limit());
    }
    if !crate::inner::ct_eq(pending.code.as_bytes(), code.as_bytes()) {
        pending.failures = pending.failures.saturating_add(1);
        return Err(code_mismatch());
    }
    if pending.expires <= inner.now() {
        user.codes.remove(purpose);
        return Err(expired_code());
    }
    Ok(user.codes.remove(purpose).and_then(|p| p.value))
}

/// `NotAuthorizedException` for an attribute the app client may not write.
fn unauthorized_attribute() -> ApiError {
    not_authorized("A client attempted to write unauthorized attribute")
}

/// Refuses what an app client may not write: `email_verified` / `phone_number_verified` (only a
/// code or an admin call verifies an address) and, when the client has `WriteAttributes`,
/// every attribute it does not list.
pub(crate) fn check_writable(
    client: Option<&Client>,
    attributes: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    for k in attributes.keys() {
        if k == "email_verified" || k == "phone_number_verified" {
            return Err(unauthorized_attribute());
        }
        if let Some(w) = client.and_then(|c| c.spec.write_attributes.as_ref())
            && !w.iter().any(|a| a == k)
        {
            return Err(unauthorized_attribute());
        }
    }
    Ok(())
}

/// Whether an app client may read an attribute (`ReadAttributes`; `sub` always).
fn readable(client: Option<&Client>, name: &str) -> bool {
    name == "sub"
        || client
            .and_then(|c| c.spec.read_attributes.as_ref())
            .is_none_or(|r| r.iter().any(|a| a == name))
}

/// The app client an access token was issued to.
fn client_of_caller(st: &State, c: &Caller) -> Option<Client> {
    let id = c.claims.get("client_id").and_then(|v| v.as_str())?;
    st.pool(&c.pool_id).ok()?.clients.get(id).cloned()
}

/// A small stable hash (FNV-1a) of a name, for simulated destinations.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What `ForgotPassword` / `ResendConfirmationCode` answer for a user who does not exist (or
/// cannot get a code) when the client prevents user existence errors: a delivery to a simulated
/// destination, shaped by the name given (an email address, a phone number, else the pool's
/// auto-verified medium) and stable for a name. Nothing is sent.
fn simulated_delivery(pool: &Pool, name: &str) -> CodeDeliveryDetailsType {
    let sms = crate::inner::is_phone_format(name)
        || (!crate::inner::is_email_format(name)
            && !pool.spec.auto_verified_attributes.is_empty()
            && !pool
                .spec
                .auto_verified_attributes
                .iter()
                .any(|a| a == "email"));
    if sms {
        let digits = if crate::inner::is_phone_format(name) {
            name.to_owned()
        } else {
            format!("+1555{:07}", name_hash(name) % 10_000_000)
        };
        CodeDeliveryDetailsType::builder()
            .attribute_name("phone_number".to_owned())
            .delivery_medium(DeliveryMediumType::Sms)
            .destination(mask(&digits))
            .build()
    } else {
        let address = if crate::inner::is_email_format(name) {
            name.to_owned()
        } else {
            const DOMAINS: [&str; 4] = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com"];
            let d = usize::try_from(name_hash(name) % 4).unwrap_or(0);
            format!("{name}@{}", DOMAINS.get(d).unwrap_or(&"gmail.com"))
        };
        CodeDeliveryDetailsType::builder()
            .attribute_name("email".to_owned())
            .delivery_medium(DeliveryMediumType::Email)
            .destination(mask(&address))
            .build()
    }
}

fn hash_of(h: &Option<SensitiveString>) -> Option<&str> {
    h.as_ref().map(SensitiveString::expose)
}

pub(crate) fn sign_up(inner: &Ctx, r: SignUpRequest) -> Result<SignUpResponse, ApiError> {
    let mut st = inner.lock();
    let (pool_id, client) = client_of(&st, r.client_id.expose())?;
    check_secret_hash(&client, hash_of(&r.secret_hash), &[r.username.expose()])?;
    inner
        .triggers()
        .request(&client.id, r.client_metadata.as_ref());
    inner
        .triggers()
        .set_validation_data(r.validation_data.as_deref().map(attr_map));
    let pool = st.pool(&pool_id)?;
    if pool.spec.admin_create_user_only {
        return Err(not_authorized("SignUp is not permitted for this user pool"));
    }
    let password = r.password.as_ref().ok_or_else(|| missing("Password"))?;
    pool.check_policy(password.expose())?;
    let attributes = attr_map(r.user_attributes.as_deref().unwrap_or_default());
    check_writable(Some(&client), &attributes)?;
    let mut all = attributes.clone();
    if !pool.spec.username_attributes.is_empty() {
        let a = if r.username.expose().contains('@') {
            "email"
        } else {
            "phone_number"
        };
        all.insert(a.to_owned(), r.username.expose().to_owned());
    }
    crate::inner::check_required(pool, &all)?;
    let decision = crate::triggers::sign_up_decision(
        inner,
        &st,
        &pool_id,
        &client.id,
        r.username.expose(),
        &all,
    )?;
    let mut spec = crate::spec::UserSpec {
        username: r.username.expose().to_owned(),
        password: Some(password.expose().to_owned()),
        status: Some(UserStatusType::Unconfirmed.to_string()),
        attributes,
        ..Default::default()
    };
    crate::triggers::apply_sign_up(decision, &mut spec);
    let username = crate::inner::create_user(inner, &mut st, &pool_id, &spec, true)?;
    let sub = st
        .get_user(&pool_id, &username)
        .map(|u| u.sub.clone())
        .unwrap_or_default();
    let confirmed = spec.status.as_deref() == Some(UserStatusType::Confirmed.as_str());
    let delivery = if confirmed {
        None
    } else {
        send_code(
            inner,
            &mut st,
            &pool_id,
            &username,
            "signup",
            None,
            OutboxKind::SignUp,
            false,
        )
        .ok()
    };
    Ok(SignUpResponse::builder()
        .set_code_delivery_details(delivery)
        .user_confirmed(confirmed)
        .user_sub(sub)
        .build()?)
}

pub(crate) fn confirm_sign_up(
    inner: &Ctx,
    r: ConfirmSignUpRequest,
) -> Result<ConfirmSignUpResponse, ApiError> {
    let st = inner.lock();
    let (pool_id, client) = client_of(&st, r.client_id.expose())?;
    check_secret_hash(&client, hash_of(&r.secret_hash), &[r.username.expose()])?;
    let pool = st.pool(&pool_id)?;
    let username = match st.lookup_user(&pool.id, r.username.expose()) {
        Some(u) => u,
        // Prevented user existence errors: an unknown user's code is simply wrong.
        None if client.spec.prevent_user_existence_errors => return Err(code_mismatch()),
        None => return Err(crate::error::user_not_found()),
    };
    let mut user = st
        .user_exact_mut(&pool.id, &username)?
        .ok_or_else(crate::error::user_not_found)?;
    if user.status != UserStatusType::Unconfirmed {
        return Err(not_authorized(format!(
            "User cannot be confirmed. Current status is {}",
            user.status
        )));
    }
    // A wrong code counts against the code, whatever the answer.
    st.keep();
    take_code(inner, &mut user, "signup", &r.confirmation_code)?;
    user.status = UserStatusType::Confirmed;
    if user.attr("email").is_some() {
        user.attributes
            .insert("email_verified".to_owned(), "true".to_owned());
    } else if user.attr("phone_number").is_some() {
        user.attributes
            .insert("phone_number_verified".to_owned(), "true".to_owned());
    }
    user.modified = inner.now();
    inner
        .triggers()
        .request(&client.id, r.client_metadata.as_ref());
    crate::triggers::after_confirmation(inner, &st, &pool_id, Some(&client.id), &user, false)?;
    Ok(ConfirmSignUpResponse::default())
}

pub(crate) fn resend_confirmation_code(
    inner: &Ctx,
    r: ResendConfirmationCodeRequest,
) -> Result<ResendConfirmationCodeResponse, ApiError> {
    let mut st = inner.lock();
    let (pool_id, client) = client_of(&st, r.client_id.expose())?;
    check_secret_hash(&client, hash_of(&r.secret_hash), &[r.username.expose()])?;
    let prevent = client.spec.prevent_user_existence_errors;
    inner.triggers().messages(
        "CustomMessage_ResendCode",
        Some(&client.id),
        r.client_metadata.as_ref(),
    );
    let pool = st.pool(&pool_id)?;
    let found = st
        .lookup_user(&pool.id, r.username.expose())
        .filter(|u| !prevent || st.get_user(&pool.id, u).is_some_and(|u| u.enabled));
    let Some(username) = found else {
        if prevent {
            return Ok(ResendConfirmationCodeResponse::builder()
                .code_delivery_details(simulated_delivery(pool, r.username.expose()))
                .build());
        }
        return Err(crate::error::user_not_found());
    };
    let unconfirmed = st
        .get_user(&pool_id, &username)
        .is_some_and(|u| u.status == UserStatusType::Unconfirmed);
    if !unconfirmed {
        return Err(invalid("User is already confirmed."));
    }
    let d = send_code(
        inner,
        &mut st,
        &pool_id,
        &username,
        "signup",
        None,
        OutboxKind::SignUp,
        false,
    )?;
    Ok(ResendConfirmationCodeResponse::builder()
        .code_delivery_details(d)
        .build())
}

pub(crate) fn forgot_password(
    inner: &Ctx,
    r: ForgotPasswordRequest,
) -> Result<ForgotPasswordResponse, ApiError> {
    let mut st = inner.lock();
    let (pool_id, client) = client_of(&st, r.client_id.expose())?;
    check_secret_hash(&client, hash_of(&r.secret_hash), &[r.username.expose()])?;
    // Cognito, PreventUserExistenceErrors ENABLED: "When a user isn't found, is deactivated, or
    // doesn't have a verified delivery mechanism to recover their password, Amazon Cognito
    // returns CodeDeliveryDetails with a simulated delivery medium for a user." Nothing is sent.
    let prevent = client.spec.prevent_user_existence_errors;
    inner
        .triggers()
        .request(&client.id, r.client_metadata.as_ref());
    let simulated = simulated_delivery(st.pool(&pool_id)?, r.username.expose());
    let found = match st.lookup_user(&pool_id, r.username.expose()) {
        Some(u) => Some(u),
        None => crate::triggers::migrate_on_forgot_password(
            inner,
            &mut st,
            &pool_id,
            &client,
            r.username.expose(),
        )?,
    };
    let pool = st.pool(&pool_id)?;
    let Some(username) = found else {
        if prevent {
            return Ok(ForgotPasswordResponse::builder()
                .code_delivery_details(simulated)
                .build());
        }
        return Err(crate::error::user_not_found());
    };
    let enabled = st.get_user(&pool.id, &username).is_some_and(|u| u.enabled);
    if !enabled {
        if prevent {
            return Ok(ForgotPasswordResponse::builder()
                .code_delivery_details(simulated)
                .build());
        }
        return Err(not_authorized("User is disabled."));
    }
    let d = match send_code(
        inner,
        &mut st,
        &pool_id,
        &username,
        "forgot",
        None,
        OutboxKind::ForgotPassword,
        true,
    ) {
        Ok(d) => d,
        Err(e) if prevent && e.code == "InvalidParameterException" => simulated,
        Err(e) => return Err(e),
    };
    Ok(ForgotPasswordResponse::builder()
        .code_delivery_details(d)
        .build())
}

pub(crate) fn confirm_forgot_password(
    inner: &Ctx,
    r: ConfirmForgotPasswordRequest,
) -> Result<ConfirmForgotPasswordResponse, ApiError> {
    let st = inner.lock();
    let (pool_id, client) = client_of(&st, r.client_id.expose())?;
    check_secret_hash(&client, hash_of(&r.secret_hash), &[r.username.expose()])?;
    let pool = st.pool(&pool_id)?;
    let prevent = client.spec.prevent_user_existence_errors;
    let username = match st.lookup_user(&pool.id, r.username.expose()) {
        // Cognito, PreventUserExistenceErrors ENABLED: ConfirmForgotPassword "returns the
        // CodeMismatchException error for users that don't exist or are disabled".
        Some(u) if prevent && !st.get_user(&pool.id, &u).is_some_and(|u| u.enabled) => {
            return Err(code_mismatch());
        }
        Some(u) => u,
        None if prevent => return Err(code_mismatch()),
        None => return Err(crate::error::user_not_found()),
    };
    pool.check_policy(r.password.expose())?;
    let verifier = inner.make_verifier(&pool_id, &username, r.password.expose())?;
    let mut user = st
        .user_exact_mut(&pool_id, &username)?
        .ok_or_else(crate::error::user_not_found)?;
    st.keep();
    take_code(inner, &mut user, "forgot", &r.confirmation_code)?;
    user.verifier = Some(verifier);
    if matches!(
        user.status,
        UserStatusType::ResetRequired | UserStatusType::ForceChangePassword
    ) {
        user.status = UserStatusType::Confirmed;
    }
    user.modified = inner.now();
    inner
        .triggers()
        .request(&client.id, r.client_metadata.as_ref());
    crate::triggers::after_confirmation(inner, &st, &pool_id, Some(&client.id), &user, true)?;
    Ok(ConfirmForgotPasswordResponse::default())
}

/// Locks the state and authenticates an access token.
pub(crate) fn caller(
    inner: &Ctx,
    st: &mut State,
    token: &SensitiveString,
) -> Result<Caller, ApiError> {
    verify_access(inner, st, token.expose())
}

fn user_mut<'a>(st: &'a State, c: &Caller) -> Result<UserMut<'a>, ApiError> {
    st.user_exact_mut(&c.pool_id, &c.username)?
        .ok_or_else(crate::error::user_not_found)
}

pub(crate) fn change_password(
    inner: &Ctx,
    r: ChangePasswordRequest,
) -> Result<ChangePasswordResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let pool = st.pool(&c.pool_id)?;
    let user = st
        .get_user(&pool.id, &c.username)
        .ok_or_else(crate::error::user_not_found)?;
    let previous = r
        .previous_password
        .as_ref()
        .ok_or_else(|| missing("PreviousPassword"))?;
    if !password_matches(
        &c.pool_id,
        &c.username,
        user.verifier.as_ref(),
        previous.expose(),
    ) {
        return Err(bad_credentials());
    }
    pool.check_policy(r.proposed_password.expose())?;
    let v = inner.make_verifier(&c.pool_id, &c.username, r.proposed_password.expose())?;
    let now = inner.now();
    let mut user = user_mut(&st, &c)?;
    user.verifier = Some(v);
    user.modified = now;
    Ok(ChangePasswordResponse::default())
}

pub(crate) fn get_user(inner: &Ctx, r: GetUserRequest) -> Result<GetUserResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let client = client_of_caller(&st, &c);
    let user = user_mut(&st, &c)?;
    let (list, preferred) = mfa_settings(&user);
    // Only what the app client may read (`ReadAttributes`).
    let attributes = attributes_of(&user)
        .into_iter()
        .filter(|a| readable(client.as_ref(), &a.name))
        .collect::<Vec<_>>();
    Ok(GetUserResponse::builder()
        .set_preferred_mfa_setting(preferred)
        .user_attributes(attributes)
        .set_user_mfa_setting_list(list)
        .username(user.username.clone())
        .build()?)
}

pub(crate) fn delete_user_everywhere(
    st: &mut State,
    pool_id: &str,
    username: &str,
    now: i64,
) -> Result<(), ApiError> {
    if st.user(pool_id, username)?.is_none() {
        return Err(crate::error::user_not_found());
    }
    // A deleted user's tokens die with it, exactly as at a global sign-out.
    sign_out_everywhere(st, pool_id, username, now)?;
    st.delete_user(pool_id, username)
}

pub(crate) fn delete_user(inner: &Ctx, r: DeleteUserRequest) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    delete_user_everywhere(&mut st, &c.pool_id, &c.username, inner.now())?;
    Ok(Empty {})
}

/// The pool's `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate` (given to
/// `CreateUserPool` / `UpdateUserPool`).
fn verify_before_update(pool: &Pool) -> Vec<String> {
    pool.extra
        .get("UserAttributeUpdateSettings")
        .and_then(|s| s.get("AttributesRequireVerificationBeforeUpdate"))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Applies attribute updates; returns the attributes that need verification.
pub(crate) fn apply_attributes(
    inner: &Ctx,
    st: &mut State,
    pool_id: &str,
    username: &str,
    updates: BTreeMap<String, String>,
    admin: bool,
) -> Result<Vec<String>, ApiError> {
    let pool = st.pool(pool_id)?;
    crate::inner::check_attributes(pool, &updates)?;
    crate::schema::check(pool, &updates, crate::schema::Write::Update)?;
    for attr in pool
        .spec
        .username_attributes
        .iter()
        .chain(pool.spec.alias_attributes.iter())
    {
        if let Some(v) = updates.get(attr)
            && st
                .user_with_attr(pool_id, attr, v, Some(username))?
                .is_some()
        {
            return Err(ApiError::new(
                "AliasExistsException",
                format!("An account with the given {attr} already exists."),
            ));
        }
    }
    let auto = pool.spec.auto_verified_attributes.clone();
    let deferred = verify_before_update(pool);
    let now = inner.now();
    let mut user = st
        .user_exact_mut(pool_id, username)?
        .ok_or_else(crate::error::user_not_found)?;
    let mut to_verify = Vec::new();
    for (k, v) in updates {
        let changed = user.attr(&k) != Some(v.as_str());
        if (k == "email" || k == "phone_number") && changed {
            let flag = format!("{k}_verified");
            if !admin && auto.contains(&k) && deferred.contains(&k) {
                // AttributesRequireVerificationBeforeUpdate: the old value (and its verified
                // flag) stays until the code sent to the new one comes back.
                user.codes.insert(
                    format!("verify:{k}"),
                    PendingCode {
                        code: String::new(),
                        expires: 0,
                        failures: 0,
                        value: Some(v),
                    },
                );
                to_verify.push(k.clone());
                continue;
            }
            if !admin {
                // The new address is not verified, whatever the old one was; a code goes to
                // it when the pool auto-verifies this attribute.
                user.attributes.insert(flag, "false".to_owned());
                if auto.contains(&k) {
                    to_verify.push(k.clone());
                }
                // A code still out for the old address must not verify the new one.
                user.codes.remove(&format!("verify:{k}"));
            } else {
                user.attributes
                    .entry(flag)
                    .or_insert_with(|| "false".to_owned());
            }
        }
        user.attributes.insert(k, v);
    }
    user.modified = now;
    Ok(to_verify)
}

pub(crate) fn update_user_attributes(
    inner: &Ctx,
    r: UpdateUserAttributesRequest,
) -> Result<UpdateUserAttributesResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let updates = attr_map(&r.user_attributes);
    // A user cannot mark an address verified (only a code or an admin can), nor write what the
    // client's `WriteAttributes` leaves out.
    check_writable(client_of_caller(&st, &c).as_ref(), &updates)?;
    inner.triggers().messages(
        "CustomMessage_UpdateUserAttribute",
        c.claims.get("client_id").and_then(|v| v.as_str()),
        r.client_metadata.as_ref(),
    );
    let to_verify = apply_attributes(inner, &mut st, &c.pool_id, &c.username, updates, false)?;
    let mut list = Vec::new();
    for a in to_verify {
        list.push(send_code(
            inner,
            &mut st,
            &c.pool_id,
            &c.username,
            &format!("verify:{a}"),
            Some(&a),
            OutboxKind::Verify,
            false,
        )?);
    }
    Ok(UpdateUserAttributesResponse::builder()
        .set_code_delivery_details_list((!list.is_empty()).then_some(list))
        .build())
}

pub(crate) fn remove_attributes(
    st: &mut State,
    pool_id: &str,
    username: &str,
    names: &[String],
) -> Result<(), ApiError> {
    let pool = st.pool(pool_id)?;
    let required = pool.spec.required_attributes.clone();
    let mut user = st
        .user_exact_mut(&pool.id, username)?
        .ok_or_else(crate::error::user_not_found)?;
    for n in names {
        if n == "sub" || required.contains(n) {
            return Err(invalid(format!("Cannot delete the required attribute {n}")));
        }
    }
    for n in names {
        user.attributes.remove(n);
    }
    Ok(())
}

pub(crate) fn delete_user_attributes(
    inner: &Ctx,
    r: DeleteUserAttributesRequest,
) -> Result<DeleteUserAttributesResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    remove_attributes(&mut st, &c.pool_id, &c.username, &r.user_attribute_names)?;
    Ok(DeleteUserAttributesResponse::default())
}

pub(crate) fn get_user_attribute_verification_code(
    inner: &Ctx,
    r: GetUserAttributeVerificationCodeRequest,
) -> Result<GetUserAttributeVerificationCodeResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    if r.attribute_name != "email" && r.attribute_name != "phone_number" {
        return Err(invalid("Invalid attribute name"));
    }
    let d = send_code(
        inner,
        &mut st,
        &c.pool_id,
        &c.username,
        &format!("verify:{}", r.attribute_name),
        Some(&r.attribute_name),
        OutboxKind::Verify,
        false,
    )?;
    Ok(GetUserAttributeVerificationCodeResponse::builder()
        .code_delivery_details(d)
        .build())
}

pub(crate) fn verify_user_attribute(
    inner: &Ctx,
    r: VerifyUserAttributeRequest,
) -> Result<VerifyUserAttributeResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let mut user = user_mut(&st, &c)?;
    st.keep();
    let confirmed = take_code(
        inner,
        &mut user,
        &format!("verify:{}", r.attribute_name),
        &r.code,
    )?;
    if let Some(v) = confirmed {
        // A change that waited for its verification takes effect now.
        user.attributes.insert(r.attribute_name.clone(), v);
    }
    user.attributes
        .insert(format!("{}_verified", r.attribute_name), "true".to_owned());
    Ok(VerifyUserAttributeResponse::default())
}

pub(crate) fn new_totp_secret(inner: &Ctx) -> String {
    crate::totp::base32_encode(&inner.rng.bytes(20))
}

pub(crate) fn associate_software_token(
    inner: &Ctx,
    r: AssociateSoftwareTokenRequest,
) -> Result<AssociateSoftwareTokenResponse, ApiError> {
    let mut st = inner.lock();
    let secret = new_totp_secret(inner);
    if let Some(token) = &r.access_token {
        let c = caller(inner, &mut st, token)?;
        user_mut(&st, &c)?.mfa.pending_totp_secret = Some(secret.clone());
        return Ok(AssociateSoftwareTokenResponse::builder()
            .secret_code(secret)
            .build());
    }
    let session = r.session.as_ref().ok_or_else(|| missing("AccessToken"))?;
    let mut sess = auth::take_setup_session(inner, &mut st, session.expose())?;
    sess.pending_totp = Some(secret.clone());
    let id = auth::reissue_session(inner, &mut st, sess)?;
    Ok(AssociateSoftwareTokenResponse::builder()
        .secret_code(secret)
        .session(id)
        .build())
}

pub(crate) fn verify_software_token(
    inner: &Ctx,
    r: VerifySoftwareTokenRequest,
) -> Result<VerifySoftwareTokenResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let mismatch = || ApiError::new("EnableSoftwareTokenMFAException", "Code mismatch");
    if let Some(token) = &r.access_token {
        let c = caller(inner, &mut st, token)?;
        let mut user = user_mut(&st, &c)?;
        let secret = user
            .mfa
            .pending_totp_secret
            .clone()
            .ok_or_else(|| invalid("User has not associated a software token"))?;
        let step = crate::totp::verify(&secret, r.user_code.expose(), now).ok_or_else(mismatch)?;
        user.mfa.totp_secret = Some(secret);
        user.mfa.pending_totp_secret = None;
        user.mfa.last_totp_step = Some(step);
        return Ok(VerifySoftwareTokenResponse::builder()
            .status(VerifySoftwareTokenResponseType::Success)
            .build());
    }
    let session = r.session.as_ref().ok_or_else(|| missing("AccessToken"))?;
    let mut sess = auth::take_setup_session(inner, &mut st, session.expose())?;
    let secret = sess
        .pending_totp
        .clone()
        .ok_or_else(crate::error::invalid_session)?;
    let Some(step) = crate::totp::verify(&secret, r.user_code.expose(), now) else {
        // The set-up stays open: the user may enter the current code again (same secret, same
        // session).
        st.put_session(session.expose(), &sess)?;
        return Err(mismatch());
    };
    let mut user = st
        .user_exact_mut(&sess.pool_id, &sess.username)?
        .ok_or_else(crate::error::user_not_found)?;
    user.mfa.totp_secret = Some(secret);
    user.mfa.totp = true;
    user.mfa.preferred = Some(MfaKind::SoftwareToken);
    user.mfa.last_totp_step = Some(step);
    drop(user);
    sess.totp_verified = true;
    let id = auth::reissue_session(inner, &mut st, sess)?;
    Ok(VerifySoftwareTokenResponse::builder()
        .session(id)
        .status(VerifySoftwareTokenResponseType::Success)
        .build())
}

/// Applies MFA preferences to a user.
pub(crate) fn set_mfa(
    user: &mut User,
    sms: Option<(Option<bool>, Option<bool>)>,
    totp: Option<(Option<bool>, Option<bool>)>,
    email: Option<(Option<bool>, Option<bool>)>,
) -> Result<(), ApiError> {
    let mut apply =
        |kind: MfaKind, setting: Option<(Option<bool>, Option<bool>)>| -> Result<(), ApiError> {
            let Some((enabled, preferred)) = setting else {
                return Ok(());
            };
            if let Some(e) = enabled {
                if e {
                    let delivery = match kind {
                        MfaKind::Sms => Some("phone_number"),
                        MfaKind::Email => Some("email"),
                        MfaKind::SoftwareToken => None,
                    };
                    match delivery {
                        Some(attr) if user.attr(attr).is_none() => {
                            return Err(invalid(format!(
                                "User does not have delivery config set to turn on {}",
                                kind.challenge()
                            )));
                        }
                        None if user.mfa.totp_secret.is_none() => {
                            return Err(invalid("User has not verified software token mfa"));
                        }
                        _ => {}
                    }
                }
                *user.mfa.enabled_mut(kind) = e;
                if !e && user.mfa.preferred == Some(kind) {
                    user.mfa.preferred = None;
                }
            }
            if preferred == Some(true) {
                user.mfa.preferred = Some(kind);
            } else if preferred == Some(false) && user.mfa.preferred == Some(kind) {
                user.mfa.preferred = None;
            }
            Ok(())
        };
    apply(MfaKind::Sms, sms)?;
    apply(MfaKind::SoftwareToken, totp)?;
    apply(MfaKind::Email, email)?;
    Ok(())
}

pub(crate) fn set_user_mfa_preference(
    inner: &Ctx,
    r: SetUserMFAPreferenceRequest,
) -> Result<SetUserMFAPreferenceResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let mut user = user_mut(&st, &c)?;
    set_mfa(
        &mut user,
        r.sms_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
        r.software_token_mfa_settings
            .map(|s| (s.enabled, s.preferred_mfa)),
        r.email_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
    )?;
    Ok(SetUserMFAPreferenceResponse::default())
}

// ---- devices ----

pub(crate) fn device_type(d: &Device) -> DeviceType {
    let status = if d.remembered {
        "remembered"
    } else {
        "not_remembered"
    };
    let mut attrs = vec![crate::inner::attribute("device_status", status)];
    if let Some(n) = &d.name {
        attrs.push(crate::inner::attribute("device_name", n.clone()));
    }
    attrs.push(crate::inner::attribute("last_ip_used", "127.0.0.1"));
    DeviceType::builder()
        .device_attributes(attrs)
        .device_create_date(EpochSeconds::from_secs(d.created))
        .device_key(d.key.clone())
        .device_last_authenticated_date(EpochSeconds::from_secs(d.last_auth))
        .device_last_modified_date(EpochSeconds::from_secs(d.modified))
        .build()
}

fn device_not_found() -> ApiError {
    not_found("Device does not exist.")
}

pub(crate) fn confirm_device(
    inner: &Ctx,
    r: ConfirmDeviceRequest,
) -> Result<ConfirmDeviceResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let tracking = st.pool(&c.pool_id)?.spec.device_tracking;
    if tracking == crate::spec::DeviceTracking::Off {
        return Err(invalid("Device tracking is not enabled for this user pool"));
    }
    let cfg = r
        .device_secret_verifier_config
        .as_ref()
        .ok_or_else(|| missing("DeviceSecretVerifierConfig"))?;
    let (Some(pv), Some(salt)) = (&cfg.password_verifier, &cfg.salt) else {
        return Err(invalid(
            "DeviceSecretVerifierConfig needs PasswordVerifier and Salt",
        ));
    };
    srp_core::Verifier::from_device_config(&srp_core::DeviceVerifierConfig {
        password_verifier: pv.clone(),
        salt: salt.clone(),
    })
    .map_err(|e| invalid(format!("Invalid DeviceSecretVerifierConfig: {e}")))?;
    let now = inner.now();
    let mut user = user_mut(&st, &c)?;
    let device = user
        .devices
        .get_mut(&r.device_key)
        .ok_or_else(device_not_found)?;
    if device.verifier.is_some() {
        return Err(ApiError::new(
            "DeviceKeyExistsException",
            "Device key already exists.",
        ));
    }
    device.verifier = Some(crate::state::StoredVerifier {
        salt: salt.clone(),
        verifier: pv.clone(),
    });
    device.name = r.device_name.clone();
    device.modified = now;
    let opt_in = tracking == crate::spec::DeviceTracking::UserOptIn;
    device.remembered = !opt_in;
    Ok(ConfirmDeviceResponse::builder()
        .user_confirmation_necessary(opt_in)
        .build())
}

fn token_of(t: &Option<SensitiveString>) -> Result<&SensitiveString, ApiError> {
    t.as_ref().ok_or_else(|| missing("AccessToken"))
}

pub(crate) fn get_device(inner: &Ctx, r: GetDeviceRequest) -> Result<GetDeviceResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, token_of(&r.access_token)?)?;
    let user = user_mut(&st, &c)?;
    let d = user
        .devices
        .get(&r.device_key)
        .filter(|d| d.verifier.is_some())
        .ok_or_else(device_not_found)?;
    Ok(GetDeviceResponse::builder()
        .device(device_type(d))
        .build()?)
}

pub(crate) fn list_device_types(
    user: &User,
    limit: Option<i32>,
    token: Option<&str>,
) -> (Vec<DeviceType>, Option<String>) {
    let limit = usize::try_from(limit.unwrap_or(60).clamp(1, 60)).unwrap_or(60);
    let mut out = Vec::new();
    let mut next = None;
    for d in user.devices.values().filter(|d| d.verifier.is_some()) {
        if token.is_some_and(|t| d.key.as_str() <= t) {
            continue;
        }
        if out.len() == limit {
            next = out.last().and_then(|l: &DeviceType| l.device_key.clone());
            break;
        }
        out.push(device_type(d));
    }
    (out, next)
}

pub(crate) fn list_devices(
    inner: &Ctx,
    r: ListDevicesRequest,
) -> Result<ListDevicesResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let user = user_mut(&st, &c)?;
    let (devices, next) = list_device_types(&user, r.limit, r.pagination_token.as_deref());
    Ok(ListDevicesResponse::builder()
        .devices(devices)
        .set_pagination_token(next)
        .build())
}

pub(crate) fn set_device_status(
    inner: &Ctx,
    user: &mut User,
    key: &str,
    status: Option<&DeviceRememberedStatusType>,
) -> Result<(), ApiError> {
    let d = user
        .devices
        .get_mut(key)
        .filter(|d| d.verifier.is_some())
        .ok_or_else(device_not_found)?;
    d.remembered = matches!(status, Some(DeviceRememberedStatusType::Remembered));
    d.modified = inner.now();
    Ok(())
}

pub(crate) fn update_device_status(
    inner: &Ctx,
    r: UpdateDeviceStatusRequest,
) -> Result<UpdateDeviceStatusResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    let mut user = user_mut(&st, &c)?;
    set_device_status(
        inner,
        &mut user,
        &r.device_key,
        r.device_remembered_status.as_ref(),
    )?;
    Ok(UpdateDeviceStatusResponse::default())
}

pub(crate) fn forget_device(inner: &Ctx, r: ForgetDeviceRequest) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, token_of(&r.access_token)?)?;
    let mut user = user_mut(&st, &c)?;
    user.devices
        .remove(&r.device_key)
        .ok_or_else(device_not_found)?;
    Ok(Empty {})
}

// ---- sign-out, revocation, refresh ----

pub(crate) fn sign_out_everywhere(
    st: &mut State,
    pool_id: &str,
    username: &str,
    now: i64,
) -> Result<(), ApiError> {
    st.pool(pool_id)?;
    for (token, mut rec) in st.refresh_tokens_of(pool_id, username)? {
        if !rec.revoked {
            rec.revoked = true;
            st.put_refresh_token(pool_id, &token, &rec)?;
        }
        st.revoke_origin(pool_id, &rec.origin_jti, now)?;
    }
    Ok(())
}

pub(crate) fn global_sign_out(
    inner: &Ctx,
    r: GlobalSignOutRequest,
) -> Result<GlobalSignOutResponse, ApiError> {
    let mut st = inner.lock();
    let c = caller(inner, &mut st, &r.access_token)?;
    sign_out_everywhere(&mut st, &c.pool_id, &c.username, inner.now())?;
    Ok(GlobalSignOutResponse::default())
}

fn check_client_secret(client: &Client, given: Option<&SensitiveString>) -> Result<(), ApiError> {
    match (&client.secret, given) {
        (None, _) => Ok(()),
        // Any active secret (rotation keeps two, [`crate::secrets`]).
        (Some(_), Some(g)) if crate::secrets::matches(client, g.expose()) => Ok(()),
        (Some(_), _) => Err(not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.id
        ))),
    }
}

pub(crate) fn revoke_token(
    inner: &Ctx,
    r: RevokeTokenRequest,
) -> Result<RevokeTokenResponse, ApiError> {
    let st = inner.lock();
    let (pool_id, client) = client_of(&st, r.client_id.expose())?;
    check_client_secret(&client, r.client_secret.as_ref())?;
    if !client.spec.enable_token_revocation {
        return Err(ApiError::new(
            "UnsupportedOperationException",
            "Token revocation is not enabled for this client.",
        ));
    }
    if r.token.expose().starts_with("eyJraWQ") {
        return Err(ApiError::new(
            "UnsupportedTokenTypeException",
            "The token type is not supported: only refresh tokens can be revoked.",
        ));
    }
    let Some(rec) = st.refresh_token(&pool_id, r.token.expose())? else {
        return Ok(RevokeTokenResponse::default());
    };
    if rec.client_id != client.id {
        return Err(not_authorized("Invalid Refresh Token"));
    }
    for (token, mut other) in st.refresh_tokens_of(&pool_id, &rec.username)? {
        if other.origin_jti == rec.origin_jti && !other.revoked {
            other.revoked = true;
            st.put_refresh_token(&pool_id, &token, &other)?;
        }
    }
    st.revoke_origin(&pool_id, &rec.origin_jti, inner.now())?;
    Ok(RevokeTokenResponse::default())
}

pub(crate) fn get_tokens_from_refresh_token(
    inner: &Ctx,
    r: GetTokensFromRefreshTokenRequest,
) -> Result<GetTokensFromRefreshTokenResponse, ApiError> {
    let mut st = inner.lock();
    let (pool_id, client) = client_of(&st, r.client_id.expose())?;
    check_client_secret(&client, r.client_secret.as_ref())?;
    if !client.allows(&AuthFlowType::RefreshTokenAuth) {
        return Err(invalid(
            "REFRESH_TOKEN_AUTH flow not enabled for this client",
        ));
    }
    // The client secret stands in for SECRET_HASH here.
    let mut unsecret = client.clone();
    unsecret.secret = None;
    let result = auth::refresh(
        inner,
        &mut st,
        &pool_id,
        &unsecret,
        r.refresh_token.expose(),
        r.device_key.as_deref(),
        None,
        None,
    )?;
    Ok(GetTokensFromRefreshTokenResponse::builder()
        .authentication_result(result)
        .build())
}
