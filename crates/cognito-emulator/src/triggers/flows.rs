//! Where the operations meet the triggers: one call per call site, each invoking the pool's
//! function (if it has one) before the request's writes and applying what it decided.

use super::events::{
    self, ChallengeStep, CustomAuth, Next, SignUpDecision, Who, custom_auth_enabled,
    define_auth_challenge,
};
use super::unrecognizable;
use crate::auth::{Outcome, Params, p};
use crate::error::{ApiError, bad_credentials, user_not_found};
use crate::state::{Choice, Client, Flow, User};
use crate::txn::{Ctx, State};
use cognito_wire::vocab::{ChallengeParams as _, Key};
use cognito_wire::{AuthFlowType, ChallengeNameType, UserStatusType};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

impl super::Scope {
    /// `InitiateAuth` / `AdminInitiateAuth`: the app client, and the `ClientMetadata` that pre
    /// authentication and user migration get as `validationData`.
    pub fn initiate(&self, client_id: &str, m: Option<&BTreeMap<String, String>>) {
        self.request(client_id, None);
        self.set_validation_data(m.cloned());
    }

    /// `RespondToAuthChallenge` / `AdminRespondToAuthChallenge`: the app client, the
    /// `ClientMetadata` and the challenge answered (which names the token generation source).
    pub fn respond(
        &self,
        client_id: &str,
        m: Option<&BTreeMap<String, String>>,
        challenge: &ChallengeNameType,
    ) {
        self.request(client_id, m);
        *self.token_source.borrow_mut() = match challenge {
            ChallengeNameType::NewPasswordRequired => Some("TokenGeneration_NewPasswordChallenge"),
            ChallengeNameType::DevicePasswordVerifier => Some("TokenGeneration_AuthenticateDevice"),
            _ => None,
        };
    }
}

/// Pre authentication, before a sign-in's first factor (`simulated`: a name that designates no
/// user, with user existence errors prevented).
pub(crate) fn before_sign_in(
    ctx: &Ctx,
    st: &State,
    pool_id: &str,
    client: &Client,
    username: &str,
    simulated: bool,
) -> Result<(), ApiError> {
    let pool = st.pool(pool_id)?;
    if super::arn_of(pool, super::Trigger::PreAuthentication).is_none() {
        return Ok(());
    }
    let user = if simulated {
        None
    } else {
        st.get_user(pool_id, username)
    };
    if user.is_none() && !simulated {
        return Ok(());
    }
    events::pre_authentication(ctx, pool, &client.id, username, user.as_ref())
}

/// User migration at sign-in: for a name that designates no user, with a password flow and a
/// migration function, the user it returns is created; returns the new user's name.
pub(crate) fn migrate_on_sign_in(
    ctx: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    flow: &AuthFlowType,
    given: &str,
    params: &Params,
) -> Result<Option<String>, ApiError> {
    let password_flow = matches!(
        flow,
        AuthFlowType::UserPasswordAuth | AuthFlowType::AdminUserPasswordAuth
    );
    let Some(password) = p(params, Key::Password).filter(|_| password_flow) else {
        return Ok(None);
    };
    let migrated =
        events::user_migration(ctx, st.pool(pool_id)?, &client.id, given, Some(password));
    let Some(m) = prevented(client, migrated)? else {
        return Ok(None);
    };
    create_migrated(
        ctx,
        st,
        pool_id,
        given,
        Some(password),
        m,
        UserStatusType::Confirmed,
    )
    .map(Some)
}

/// User migration at `ForgotPassword` for a name that designates no user.
pub(crate) fn migrate_on_forgot_password(
    ctx: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    given: &str,
) -> Result<Option<String>, ApiError> {
    let migrated = events::user_migration(ctx, st.pool(pool_id)?, &client.id, given, None);
    let Some(m) = prevented(client, migrated)? else {
        return Ok(None);
    };
    create_migrated(
        ctx,
        st,
        pool_id,
        given,
        None,
        m,
        UserStatusType::ResetRequired,
    )
    .map(Some)
}

/// With user existence errors prevented, a migration that finds no user (the function failed or
/// returned no attributes) is an unknown name like any other (Cognito answers as for a wrong
/// password, or a simulated delivery).
fn prevented(
    client: &Client,
    migrated: Result<Option<events::Migrated>, ApiError>,
) -> Result<Option<events::Migrated>, ApiError> {
    match migrated {
        Err(e)
            if e.code == "UserNotFoundException" && client.spec.prevent_user_existence_errors =>
        {
            Ok(None)
        }
        other => other,
    }
}

fn create_migrated(
    ctx: &Ctx,
    st: &mut State,
    pool_id: &str,
    username: &str,
    password: Option<&str>,
    m: events::Migrated,
    default_status: UserStatusType,
) -> Result<String, ApiError> {
    let mut attributes = m.attributes;
    attributes.remove("sub");
    let status = m
        .status
        .map(|s| UserStatusType::from(s.as_str()))
        .unwrap_or(default_status);
    let spec = crate::spec::UserSpec {
        username: username.to_owned(),
        password: password.map(str::to_owned),
        status: Some(status.to_string()),
        attributes,
        ..Default::default()
    };
    crate::inner::create_user(ctx, st, pool_id, &spec, false)
}

/// Pre sign-up for `SignUp`: what the function decided (nothing without one).
pub(crate) fn sign_up_decision(
    ctx: &Ctx,
    st: &State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<SignUpDecision, ApiError> {
    events::pre_sign_up(
        ctx,
        st.pool(pool_id)?,
        "PreSignUp_SignUp",
        Some(client_id),
        username,
        attributes,
    )
}

/// Pre sign-up for `AdminCreateUser` (`PreSignUp_AdminCreateUser`, no app client): the user
/// stays `FORCE_CHANGE_PASSWORD` (an auto-confirmation is not applied); automatic verification
/// is.
pub(crate) fn admin_sign_up(
    ctx: &Ctx,
    st: &State,
    pool_id: &str,
    (validation, metadata): (
        Option<&[cognito_wire::AttributeType]>,
        Option<&BTreeMap<String, String>>,
    ),
    spec: &mut crate::spec::UserSpec,
) -> Result<(), ApiError> {
    let pool = st.pool(pool_id)?;
    if super::arn_of(pool, super::Trigger::PreSignUp).is_none() {
        return Ok(());
    }
    ctx.triggers().request_metadata(metadata);
    ctx.triggers()
        .set_validation_data(validation.map(crate::ops::attr_map));
    let d = events::pre_sign_up(
        ctx,
        pool,
        "PreSignUp_AdminCreateUser",
        None,
        &spec.username,
        &spec.attributes,
    )?;
    apply_sign_up(
        SignUpDecision {
            auto_confirm: false,
            ..d
        },
        spec,
    );
    Ok(())
}

/// Applies a pre sign-up decision to the user about to be created.
pub(crate) fn apply_sign_up(d: SignUpDecision, spec: &mut crate::spec::UserSpec) {
    if d.auto_confirm {
        spec.status = Some(UserStatusType::Confirmed.to_string());
    }
    if d.auto_verify_email {
        spec.attributes
            .insert("email_verified".to_owned(), "true".to_owned());
    }
    if d.auto_verify_phone {
        spec.attributes
            .insert("phone_number_verified".to_owned(), "true".to_owned());
    }
}

/// Post confirmation after a confirmation (`ConfirmSignUp`, `AdminConfirmSignUp`:
/// `forgot` false; `ConfirmForgotPassword`: true), with the user as confirmed. On failure the
/// confirmation is undone: the request answers the function's error and keeps nothing.
pub(crate) fn after_confirmation(
    ctx: &Ctx,
    st: &State,
    pool_id: &str,
    client_id: Option<&str>,
    user: &User,
    forgot: bool,
) -> Result<(), ApiError> {
    let source = if forgot {
        "PostConfirmation_ConfirmForgotPassword"
    } else {
        "PostConfirmation_ConfirmSignUp"
    };
    let out = events::post_confirmation(ctx, st.pool(pool_id)?, source, client_id, user);
    if out.is_err() {
        st.unkeep();
    }
    out
}

/// Post authentication, once a sign-in is done and before its tokens (or the managed login's
/// authorization code) are made.
pub(crate) fn after_sign_in(
    ctx: &Ctx,
    st: &State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    flow: &Flow,
) -> Result<(), ApiError> {
    let pool = st.pool(pool_id)?;
    if super::arn_of(pool, super::Trigger::PostAuthentication).is_none() {
        return Ok(());
    }
    // A device the emulator will remember for the first time (device tracking on, not signed
    // in by a known device's SRP).
    let new_device = pool.spec.device_tracking != crate::spec::DeviceTracking::Off
        && !flow.device_verified
        && !flow.hosted;
    let user = st.get_user(pool_id, username).ok_or_else(user_not_found)?;
    events::post_authentication(ctx, pool, client_id, &user, new_device)
}

/// Pre token generation for a user's tokens, claims changed in place: the source is a refresh
/// (`TokenGeneration_RefreshTokens`), the managed login's code (`TokenGeneration_HostedAuth`)
/// or a sign-in through the API (by the challenge answered last).
pub(crate) fn customize_tokens(
    ctx: &Ctx,
    st: &State,
    req: &crate::tokens::Issue,
    user: &User,
    access: &mut Map<String, Value>,
    id: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let (pool_id, client_id) = (req.pool_id.as_str(), req.client_id.as_str());
    let pool = st.pool(pool_id)?;
    let source = if req.origin_jti.is_some() {
        "TokenGeneration_RefreshTokens"
    } else if req.grant.is_some() {
        "TokenGeneration_HostedAuth"
    } else {
        ctx.triggers()
            .token_source
            .borrow()
            .unwrap_or("TokenGeneration_Authentication")
    };
    let roles: Vec<String> = access
        .get("cognito:groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|g| pool.groups.get(g).and_then(|g| g.role_arn.clone()))
        .collect();
    events::pre_token_generation(ctx, pool, source, client_id, user, &roles, access, id)
}

/// `CUSTOM_AUTH` in a pool with a define auth challenge function: the first step. A name that
/// designates no user (user existence errors prevented) goes through the functions with
/// `userNotFound: true` and can only fail.
pub(crate) fn custom_auth_start(
    ctx: &Ctx,
    st: &mut State,
    pool_id: &str,
    client: &Client,
    username: &str,
    params: &Params,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let user = match flow.simulated {
        Some(_) => None,
        None => Some(st.get_user(pool_id, username).ok_or_else(user_not_found)?),
    };
    let who = user.as_ref().map_or(Who::NotFound(username), Who::User);
    let srp_a = match (p(params, Key::ChallengeName), p(params, Key::SrpA)) {
        (Some(name), Some(a)) if name == Key::SrpA.as_str() => Some(a.to_owned()),
        _ => None,
    };
    let mut history = Vec::new();
    if srp_a.is_some() {
        history.push(ChallengeStep {
            name: Key::SrpA.as_str().to_owned(),
            result: true,
            metadata: None,
        });
    }
    let next = define_auth_challenge(ctx, st.pool(pool_id)?, &client.id, who, &history)?;
    if let (Some(srp_a), Next::Challenge(name)) = (&srp_a, &next)
        && ChallengeNameType::from(name.as_str()) == ChallengeNameType::PasswordVerifier
    {
        let mut flow = flow;
        flow.mfa_done = true;
        let out =
            crate::auth::start_password_verifier(ctx, st, pool_id, client, username, srp_a, flow)?;
        if let Outcome::Challenge { params, .. } = &out
            && let Some(block) = params.param(Key::SecretBlock)
        {
            st.update_session(block, |s| {
                s.choices = vec![Choice::CustomAfterPassword];
                s.custom = Some(CustomAuth {
                    history,
                    ..CustomAuth::default()
                });
            })?;
        }
        return Ok(out);
    }
    decide(ctx, st, pool_id, &client.id, who, history, next, flow)
}

/// `CUSTOM_AUTH` after the password was proven by SRP (`PASSWORD_VERIFIER`).
pub(crate) fn custom_auth_after_password(
    ctx: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    custom: CustomAuth,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let user = st.get_user(pool_id, username).ok_or_else(user_not_found)?;
    let mut history = custom.history;
    history.push(ChallengeStep {
        name: ChallengeNameType::PasswordVerifier.to_string(),
        result: true,
        metadata: None,
    });
    let next = define_auth_challenge(
        ctx,
        st.pool(pool_id)?,
        client_id,
        Who::User(&user),
        &history,
    )?;
    decide(
        ctx,
        st,
        pool_id,
        client_id,
        Who::User(&user),
        history,
        next,
        flow,
    )
}

/// `CUSTOM_AUTH`: an answer to a custom challenge, judged by the verify function.
#[allow(clippy::too_many_arguments)]
pub(crate) fn custom_auth_answer(
    ctx: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    username: &str,
    custom: CustomAuth,
    answer: &str,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let user = match flow.simulated {
        Some(_) => None,
        None => Some(st.get_user(pool_id, username).ok_or_else(user_not_found)?),
    };
    let who = user.as_ref().map_or(Who::NotFound(username), Who::User);
    let pool = st.pool(pool_id)?;
    let correct = events::verify_auth_challenge(ctx, pool, client_id, who, &custom, answer)?;
    let mut history = custom.history;
    history.push(ChallengeStep {
        name: ChallengeNameType::CustomChallenge.as_str().to_owned(),
        result: correct,
        metadata: custom.metadata,
    });
    let next = define_auth_challenge(ctx, pool, client_id, who, &history)?;
    decide(ctx, st, pool_id, client_id, who, history, next, flow)
}

/// What the define function decided, done: a failure, tokens (never for a name that designates
/// no user), or a new custom challenge.
#[allow(clippy::too_many_arguments)]
fn decide(
    ctx: &Ctx,
    st: &mut State,
    pool_id: &str,
    client_id: &str,
    who: Who<'_>,
    history: Vec<ChallengeStep>,
    next: Next,
    mut flow: Flow,
) -> Result<Outcome, ApiError> {
    flow.mfa_done = true;
    match (next, who) {
        (Next::Fail, _) | (Next::Tokens, Who::NotFound(_)) => Err(bad_credentials()),
        (Next::Tokens, Who::User(user)) => {
            crate::auth::next_step(ctx, st, pool_id, client_id, &user.username, flow)
        }
        (Next::Challenge(name), _) if name == ChallengeNameType::CustomChallenge.as_str() => {
            let created = events::create_auth_challenge(
                ctx,
                st.pool(pool_id)?,
                client_id,
                who,
                &name,
                &history,
            )?;
            let mut params = created.public;
            params.insert(Key::Username.to_string(), who.name().to_owned());
            let custom = CustomAuth {
                history,
                private: created.private,
                metadata: created.metadata,
            };
            let id = crate::auth::new_session_with(
                ctx,
                st,
                pool_id,
                client_id,
                who.name(),
                ChallengeNameType::CustomChallenge,
                flow,
                |s| s.custom = Some(custom),
            )?;
            Ok(crate::auth::challenge_with_session(
                ChallengeNameType::CustomChallenge,
                params,
                id,
            ))
        }
        (Next::Challenge(_), _) => Err(unrecognizable()),
    }
}

/// Whether `CUSTOM_AUTH` in this pool is driven by its functions (else the built-in challenge).
pub(crate) fn custom_auth(st: &State, pool_id: &str) -> bool {
    st.pool(pool_id).is_ok_and(custom_auth_enabled)
}
