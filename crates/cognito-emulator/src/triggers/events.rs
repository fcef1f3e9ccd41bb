//! The events of each trigger, as Cognito sends them, and what their answers may change.

use super::{
    Base, TokenVersion, Trigger, call, object, opt_bool, opt_str, opt_string_list, opt_string_map,
    response_of, token_version, unrecognizable,
};
use crate::error::ApiError;
use crate::state::{Pool, User};
use crate::txn::Ctx;
use cognito_wire::vocab::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A user's attributes as triggers see them: the attributes, `sub` and `cognito:user_status`.
fn user_attributes(user: &User) -> Value {
    let mut m: Map<String, Value> = user
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    m.insert("sub".into(), Value::String(user.sub.clone()));
    m.insert(
        "cognito:user_status".into(),
        Value::String(user.status.to_string()),
    );
    Value::Object(m)
}

/// The request's `clientMetadata` (when it brought any) added to `request`.
fn with_metadata(ctx: &Ctx, mut request: Map<String, Value>) -> Map<String, Value> {
    if let Some(m) = ctx.triggers().client_metadata() {
        request.insert("clientMetadata".into(), object(&m));
    }
    request
}

fn with_validation(ctx: &Ctx, mut request: Map<String, Value>) -> Map<String, Value> {
    if let Some(m) = ctx.triggers().validation_data() {
        request.insert("validationData".into(), object(&m));
    }
    request
}

/// What a pre sign-up function decided.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SignUpDecision {
    pub auto_confirm: bool,
    pub auto_verify_email: bool,
    pub auto_verify_phone: bool,
}

/// Pre sign-up (`PreSignUp_SignUp`, `PreSignUp_AdminCreateUser`).
pub(crate) fn pre_sign_up(
    ctx: &Ctx,
    pool: &Pool,
    source: &str,
    client_id: Option<&str>,
    username: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<SignUpDecision, ApiError> {
    let request = with_metadata(
        ctx,
        with_validation(
            ctx,
            Map::from_iter([(Key::UserAttributes.as_str().into(), object(attributes))]),
        ),
    );
    let base = Base {
        pool,
        trigger: Trigger::PreSignUp,
        source,
        username,
        client_id,
        version: "1",
    };
    let response =
        json!({"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false});
    let Some(answer) = call(ctx, base, request, response)? else {
        return Ok(SignUpDecision::default());
    };
    let r = response_of(&answer)?;
    let d = SignUpDecision {
        auto_confirm: opt_bool(&r, "autoConfirmUser")?.unwrap_or(false),
        auto_verify_email: opt_bool(&r, "autoVerifyEmail")?.unwrap_or(false),
        auto_verify_phone: opt_bool(&r, "autoVerifyPhone")?.unwrap_or(false),
    };
    if d.auto_verify_email && !attributes.contains_key("email") {
        return Err(ApiError::new(
            "InvalidParameterException",
            "Email is required to autoVerify email.",
        ));
    }
    if d.auto_verify_phone && !attributes.contains_key("phone_number") {
        return Err(ApiError::new(
            "InvalidParameterException",
            "Phone number is required to autoVerify phone number.",
        ));
    }
    Ok(d)
}

/// Post confirmation (`PostConfirmation_ConfirmSignUp`, `PostConfirmation_ConfirmForgotPassword`).
pub(crate) fn post_confirmation(
    ctx: &Ctx,
    pool: &Pool,
    source: &str,
    client_id: Option<&str>,
    user: &User,
) -> Result<(), ApiError> {
    let request = with_metadata(
        ctx,
        Map::from_iter([(Key::UserAttributes.as_str().into(), user_attributes(user))]),
    );
    let base = Base {
        pool,
        trigger: Trigger::PostConfirmation,
        source,
        username: &user.username,
        client_id,
        version: "1",
    };
    call(ctx, base, request, json!({}))?;
    Ok(())
}

/// Pre authentication (`PreAuthentication_Authentication`); `user` is `None` for a name that
/// designates no user (invoked only when the client prevents user existence errors).
pub(crate) fn pre_authentication(
    ctx: &Ctx,
    pool: &Pool,
    client_id: &str,
    username: &str,
    user: Option<&User>,
) -> Result<(), ApiError> {
    let mut request = Map::new();
    request.insert(
        Key::UserAttributes.as_str().into(),
        user.map_or_else(|| json!({}), user_attributes),
    );
    if user.is_none() {
        request.insert("userNotFound".into(), Value::Bool(true));
    }
    let request = with_validation(ctx, request);
    let base = Base {
        pool,
        trigger: Trigger::PreAuthentication,
        source: "PreAuthentication_Authentication",
        username: user.map_or(username, |u| u.username.as_str()),
        client_id: Some(client_id),
        version: "1",
    };
    call(ctx, base, request, json!({}))?;
    Ok(())
}

/// Post authentication (`PostAuthentication_Authentication`).
pub(crate) fn post_authentication(
    ctx: &Ctx,
    pool: &Pool,
    client_id: &str,
    user: &User,
    new_device_used: bool,
) -> Result<(), ApiError> {
    let request = with_metadata(
        ctx,
        Map::from_iter([
            (Key::UserAttributes.as_str().into(), user_attributes(user)),
            ("newDeviceUsed".into(), Value::Bool(new_device_used)),
        ]),
    );
    let base = Base {
        pool,
        trigger: Trigger::PostAuthentication,
        source: "PostAuthentication_Authentication",
        username: &user.username,
        client_id: Some(client_id),
        version: "1",
    };
    call(ctx, base, request, json!({}))?;
    Ok(())
}

/// One step of a custom authentication, as the define and create functions see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChallengeStep {
    pub name: String,
    pub result: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
}

/// A custom authentication driven by the pool's functions, kept with its challenge session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CustomAuth {
    pub history: Vec<ChallengeStep>,
    /// The current custom challenge's private parameters (for the verify function).
    #[serde(default)]
    pub private: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
}

fn session_value(history: &[ChallengeStep]) -> Value {
    Value::Array(
        history
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("challengeName".into(), Value::String(s.name.clone()));
                m.insert("challengeResult".into(), Value::Bool(s.result));
                if let Some(md) = &s.metadata {
                    m.insert("challengeMetadata".into(), Value::String(md.clone()));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// Who a custom authentication is for: a user, or a name that designates none (with user
/// existence errors prevented, the functions are asked with `userNotFound: true`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Who<'a> {
    User(&'a User),
    NotFound(&'a str),
}

impl Who<'_> {
    pub fn name(&self) -> &str {
        match self {
            Who::User(u) => &u.username,
            Who::NotFound(n) => n,
        }
    }

    fn attributes(&self) -> Value {
        match self {
            Who::User(u) => user_attributes(u),
            Who::NotFound(_) => json!({}),
        }
    }

    fn not_found(&self) -> Value {
        Value::Bool(matches!(self, Who::NotFound(_)))
    }
}

/// Whether the pool drives `CUSTOM_AUTH` with its own functions.
pub(crate) fn custom_auth_enabled(pool: &Pool) -> bool {
    super::arn_of(pool, Trigger::DefineAuthChallenge).is_some()
}

/// What the define function decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    Fail,
    Tokens,
    /// A challenge by name (`CUSTOM_CHALLENGE`, `PASSWORD_VERIFIER`, ...).
    Challenge(String),
}

/// Define auth challenge (`DefineAuthChallenge_Authentication`).
pub(crate) fn define_auth_challenge(
    ctx: &Ctx,
    pool: &Pool,
    client_id: &str,
    who: Who<'_>,
    history: &[ChallengeStep],
) -> Result<Next, ApiError> {
    let request = with_metadata(
        ctx,
        Map::from_iter([
            (Key::UserAttributes.as_str().into(), who.attributes()),
            ("session".into(), session_value(history)),
            ("userNotFound".into(), who.not_found()),
        ]),
    );
    let base = Base {
        pool,
        trigger: Trigger::DefineAuthChallenge,
        source: "DefineAuthChallenge_Authentication",
        username: who.name(),
        client_id: Some(client_id),
        version: "1",
    };
    let response =
        json!({"challengeName": null, "issueTokens": false, "failAuthentication": false});
    let answer = call(ctx, base, request, response)?.ok_or_else(unrecognizable)?;
    let r = response_of(&answer)?;
    if opt_bool(&r, "failAuthentication")?.unwrap_or(false) {
        return Ok(Next::Fail);
    }
    if opt_bool(&r, "issueTokens")?.unwrap_or(false) {
        return Ok(Next::Tokens);
    }
    match opt_str(&r, "challengeName")? {
        Some(name) if !name.is_empty() => Ok(Next::Challenge(name)),
        _ => Err(unrecognizable()),
    }
}

/// What the create function made: the challenge's public and private parameters.
#[derive(Debug, Default)]
pub(crate) struct Created {
    pub public: BTreeMap<String, String>,
    pub private: BTreeMap<String, String>,
    pub metadata: Option<String>,
}

/// Create auth challenge (`CreateAuthChallenge_Authentication`).
pub(crate) fn create_auth_challenge(
    ctx: &Ctx,
    pool: &Pool,
    client_id: &str,
    who: Who<'_>,
    challenge: &str,
    history: &[ChallengeStep],
) -> Result<Created, ApiError> {
    let request = with_metadata(
        ctx,
        Map::from_iter([
            (Key::UserAttributes.as_str().into(), who.attributes()),
            ("challengeName".into(), Value::String(challenge.to_owned())),
            ("session".into(), session_value(history)),
            ("userNotFound".into(), who.not_found()),
        ]),
    );
    let base = Base {
        pool,
        trigger: Trigger::CreateAuthChallenge,
        source: "CreateAuthChallenge_Authentication",
        username: who.name(),
        client_id: Some(client_id),
        version: "1",
    };
    let response = json!({"publicChallengeParameters": null, "privateChallengeParameters": null, "challengeMetadata": null});
    let Some(answer) = call(ctx, base, request, response)? else {
        // Cognito needs the create function for a custom challenge.
        return Err(ApiError::new(
            "UnexpectedLambdaException",
            "CreateAuthChallenge invocation failed due to error ResourceNotFoundException.",
        ));
    };
    let r = response_of(&answer)?;
    Ok(Created {
        public: opt_string_map(&r, "publicChallengeParameters")?.unwrap_or_default(),
        private: opt_string_map(&r, "privateChallengeParameters")?.unwrap_or_default(),
        metadata: opt_str(&r, "challengeMetadata")?,
    })
}

/// Verify auth challenge response (`VerifyAuthChallengeResponse_Authentication`): whether the
/// answer is correct.
pub(crate) fn verify_auth_challenge(
    ctx: &Ctx,
    pool: &Pool,
    client_id: &str,
    who: Who<'_>,
    custom: &CustomAuth,
    answer: &str,
) -> Result<bool, ApiError> {
    let request = with_metadata(
        ctx,
        Map::from_iter([
            (Key::UserAttributes.as_str().into(), who.attributes()),
            ("privateChallengeParameters".into(), object(&custom.private)),
            ("challengeAnswer".into(), Value::String(answer.to_owned())),
            ("userNotFound".into(), who.not_found()),
        ]),
    );
    let base = Base {
        pool,
        trigger: Trigger::VerifyAuthChallengeResponse,
        source: "VerifyAuthChallengeResponse_Authentication",
        username: who.name(),
        client_id: Some(client_id),
        version: "1",
    };
    let Some(answer) = call(ctx, base, request, json!({"answerCorrect": false}))? else {
        return Err(ApiError::new(
            "UnexpectedLambdaException",
            "VerifyAuthChallengeResponse invocation failed due to error ResourceNotFoundException.",
        ));
    };
    let r = response_of(&answer)?;
    Ok(opt_bool(&r, "answerCorrect")?.unwrap_or(false))
}

/// Claims a pre token generation function may not add, change or suppress (ignored).
const RESERVED_CLAIMS: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "auth_time",
    "azp",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "at_hash",
    "event_id",
    "client_id",
    "username",
    "cognito:username",
    "scope",
    "device_key",
    "version",
    "cognito:groups",
    "cognito:roles",
    "cognito:preferred_role",
];

fn apply_claims(
    token: &mut Map<String, Value>,
    d: &Map<String, Value>,
    any_json: bool,
) -> Result<(), ApiError> {
    match d.get("claimsToAddOrOverride") {
        None | Some(Value::Null) => {}
        Some(Value::Object(add)) => {
            for (k, v) in add {
                let ok = any_json || !matches!(v, Value::Array(_) | Value::Object(_));
                if !ok {
                    return Err(unrecognizable());
                }
                if RESERVED_CLAIMS.contains(&k.as_str()) || v.is_null() {
                    continue;
                }
                token.insert(k.clone(), v.clone());
            }
        }
        Some(_) => return Err(unrecognizable()),
    }
    for k in opt_string_list(d, "claimsToSuppress")?.unwrap_or_default() {
        if !RESERVED_CLAIMS.contains(&k.as_str()) {
            token.remove(&k);
        }
    }
    Ok(())
}

fn apply_groups(
    access: &mut Map<String, Value>,
    id: &mut Map<String, Value>,
    outer: &Map<String, Value>,
) -> Result<(), ApiError> {
    let g = match outer.get("groupOverrideDetails") {
        None => return Ok(()),
        Some(Value::Null) => Map::new(),
        Some(Value::Object(g)) => g.clone(),
        Some(_) => return Err(unrecognizable()),
    };
    match opt_string_list(&g, "groupsToOverride")? {
        Some(groups) if !groups.is_empty() => {
            access.insert("cognito:groups".into(), json!(groups));
            id.insert("cognito:groups".into(), json!(groups));
        }
        _ => {
            access.remove("cognito:groups");
            id.remove("cognito:groups");
        }
    }
    match opt_string_list(&g, "iamRolesToOverride")? {
        Some(roles) if !roles.is_empty() => {
            id.insert("cognito:roles".into(), json!(roles));
        }
        _ => {
            id.remove("cognito:roles");
        }
    }
    match opt_str(&g, "preferredRole")? {
        Some(r) => {
            id.insert("cognito:preferred_role".into(), json!(r));
        }
        None => {
            id.remove("cognito:preferred_role");
        }
    }
    Ok(())
}

fn scopes_of(access: &Map<String, Value>) -> Vec<String> {
    access
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Pre token generation, for a user's tokens: `refresh` picks `TokenGeneration_RefreshTokens`
/// over `source`. Changes the claims of `access` and `id` as the function says (V1: the id
/// token and groups; V2 / V3: both tokens, with scopes).
#[allow(clippy::too_many_arguments)]
pub(crate) fn pre_token_generation(
    ctx: &Ctx,
    pool: &Pool,
    source: &str,
    client_id: &str,
    user: &User,
    roles: &[String],
    access: &mut Map<String, Value>,
    id: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    if super::arn_of(pool, Trigger::PreTokenGeneration).is_none() {
        return Ok(());
    }
    let version = token_version(pool);
    let groups: Vec<String> = access
        .get("cognito:groups")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut request = Map::from_iter([
        (Key::UserAttributes.as_str().into(), user_attributes(user)),
        (
            "groupConfiguration".into(),
            json!({"groupsToOverride": groups, "iamRolesToOverride": roles, "preferredRole": null}),
        ),
    ]);
    if version != TokenVersion::V1 {
        request.insert("scopes".into(), json!(scopes_of(access)));
    }
    let request = with_metadata(ctx, request);
    let (v, response) = match version {
        TokenVersion::V1 => ("1", json!({"claimsOverrideDetails": null})),
        TokenVersion::V2 => ("2", json!({"claimsAndScopeOverrideDetails": null})),
        TokenVersion::V3 => ("3", json!({"claimsAndScopeOverrideDetails": null})),
    };
    let base = Base {
        pool,
        trigger: Trigger::PreTokenGeneration,
        source,
        username: &user.username,
        client_id: Some(client_id),
        version: v,
    };
    let Some(answer) = call(ctx, base, request, response)? else {
        return Ok(());
    };
    let r = response_of(&answer)?;
    if version == TokenVersion::V1 {
        let d = match r.get("claimsOverrideDetails") {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Object(d)) => d.clone(),
            Some(_) => return Err(unrecognizable()),
        };
        apply_claims(id, &d, false)?;
        return apply_groups(access, id, &d);
    }
    let d = match r.get("claimsAndScopeOverrideDetails") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(d)) => d.clone(),
        Some(_) => return Err(unrecognizable()),
    };
    let part = |key: &str| -> Result<Map<String, Value>, ApiError> {
        match d.get(key) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(_) => Err(unrecognizable()),
        }
    };
    let id_part = part("idTokenGeneration")?;
    let access_part = part("accessTokenGeneration")?;
    apply_claims(id, &id_part, true)?;
    apply_claims(access, &access_part, true)?;
    let mut scopes = scopes_of(access);
    for s in opt_string_list(&access_part, "scopesToAdd")?.unwrap_or_default() {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    let suppress = opt_string_list(&access_part, "scopesToSuppress")?.unwrap_or_default();
    scopes.retain(|s| !suppress.contains(s));
    if scopes.is_empty() {
        access.remove("scope");
    } else {
        access.insert("scope".into(), json!(scopes.join(" ")));
    }
    apply_groups(access, id, &d)
}

/// Pre token generation V3 for a machine-to-machine token (`TokenGeneration_ClientCredentials`):
/// only pools that ask for V3 send it.
pub(crate) fn pre_token_generation_m2m(
    ctx: &Ctx,
    pool: &Pool,
    client_id: &str,
    access: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    if super::arn_of(pool, Trigger::PreTokenGeneration).is_none()
        || token_version(pool) != TokenVersion::V3
    {
        return Ok(());
    }
    let request = with_metadata(
        ctx,
        Map::from_iter([
            (Key::UserAttributes.as_str().into(), json!({})),
            (
                "groupConfiguration".into(),
                json!({"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null}),
            ),
            ("scopes".into(), json!(scopes_of(access))),
        ]),
    );
    let base = Base {
        pool,
        trigger: Trigger::PreTokenGeneration,
        source: "TokenGeneration_ClientCredentials",
        username: client_id,
        client_id: Some(client_id),
        version: "3",
    };
    let Some(answer) = call(
        ctx,
        base,
        request,
        json!({"claimsAndScopeOverrideDetails": null}),
    )?
    else {
        return Ok(());
    };
    let r = response_of(&answer)?;
    let d = match r.get("claimsAndScopeOverrideDetails") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(d)) => d.clone(),
        Some(_) => return Err(unrecognizable()),
    };
    let access_part = match d.get("accessTokenGeneration") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(unrecognizable()),
    };
    apply_claims(access, &access_part, true)?;
    let mut scopes = scopes_of(access);
    for s in opt_string_list(&access_part, "scopesToAdd")?.unwrap_or_default() {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    let suppress = opt_string_list(&access_part, "scopesToSuppress")?.unwrap_or_default();
    scopes.retain(|s| !suppress.contains(s));
    access.insert("scope".into(), json!(scopes.join(" ")));
    Ok(())
}

/// The placeholder of the code in a custom message.
pub(crate) const CODE_PARAMETER: &str = "{####}";
/// The placeholder of the username in an invitation.
pub(crate) const USERNAME_PARAMETER: &str = "{username}";

/// Custom message: the text to send instead of the default one (`None`: the default), for an
/// email or a text message.
#[allow(clippy::too_many_arguments)]
pub(crate) fn custom_message(
    ctx: &Ctx,
    pool: &Pool,
    source: &str,
    user: &User,
    email: bool,
    code: &str,
) -> Result<Option<String>, ApiError> {
    if super::arn_of(pool, Trigger::CustomMessage).is_none() {
        return Ok(None);
    }
    let invite = source == "CustomMessage_AdminCreateUser";
    let request = with_metadata(
        ctx,
        Map::from_iter([
            (Key::UserAttributes.as_str().into(), user_attributes(user)),
            ("codeParameter".into(), json!(CODE_PARAMETER)),
            ("linkParameter".into(), json!("{##Click Here##}")),
            (
                "usernameParameter".into(),
                if invite {
                    json!(USERNAME_PARAMETER)
                } else {
                    Value::Null
                },
            ),
        ]),
    );
    let client_id = ctx.triggers().client_id.borrow().clone();
    let base = Base {
        pool,
        trigger: Trigger::CustomMessage,
        source,
        username: &user.username,
        client_id: client_id.as_deref(),
        version: "1",
    };
    let response = json!({"smsMessage": null, "emailMessage": null, "emailSubject": null});
    let Some(answer) = call(ctx, base, request, response)? else {
        return Ok(None);
    };
    let r = response_of(&answer)?;
    let text = if email {
        opt_str(&r, "emailMessage")?
    } else {
        opt_str(&r, "smsMessage")?
    };
    opt_str(&r, "emailSubject")?;
    // Cognito sends its default message when the custom one has no place for the code.
    Ok(text.filter(|t| t.contains(CODE_PARAMETER)).map(|t| {
        t.replace(CODE_PARAMETER, code)
            .replace(USERNAME_PARAMETER, &user.username)
    }))
}

/// The user a migration function returned.
#[derive(Debug)]
pub(crate) struct Migrated {
    pub attributes: BTreeMap<String, String>,
    pub status: Option<String>,
}

/// User migration (`UserMigration_Authentication` with the password given,
/// `UserMigration_ForgotPassword` without): the user to create, or `None` when the pool has no
/// migration function.
pub(crate) fn user_migration(
    ctx: &Ctx,
    pool: &Pool,
    client_id: &str,
    username: &str,
    password: Option<&str>,
) -> Result<Option<Migrated>, ApiError> {
    if super::arn_of(pool, Trigger::UserMigration).is_none() {
        return Ok(None);
    }
    let mut request = Map::new();
    if let Some(p) = password {
        request.insert("password".into(), Value::String(p.to_owned()));
    }
    let request = with_metadata(ctx, with_validation(ctx, request));
    let source = if password.is_some() {
        "UserMigration_Authentication"
    } else {
        "UserMigration_ForgotPassword"
    };
    let base = Base {
        pool,
        trigger: Trigger::UserMigration,
        source,
        username,
        client_id: Some(client_id),
        version: "1",
    };
    let mut response = json!({
        "finalUserStatus": null,
        "messageAction": null,
        "desiredDeliveryMediums": null,
        "forceAliasCreation": null,
        "enableSMSMFA": null,
    });
    if let Some(o) = response.as_object_mut() {
        o.insert(Key::UserAttributes.as_str().into(), Value::Null);
    }
    let Some(answer) = call(ctx, base, request, response)? else {
        return Ok(None);
    };
    let r = response_of(&answer)?;
    let no_user = || {
        ApiError::new(
            "UserNotFoundException",
            format!("Exception migrating user in app client {client_id}"),
        )
    };
    let attributes = opt_string_map(&r, Key::UserAttributes.as_str())?.ok_or_else(no_user)?;
    let status = opt_str(&r, "finalUserStatus")?;
    if let Some(s) = &status
        && s != "CONFIRMED"
        && s != "RESET_REQUIRED"
    {
        return Err(unrecognizable());
    }
    opt_str(&r, "messageAction")?;
    opt_bool(&r, "forceAliasCreation")?;
    opt_bool(&r, "enableSMSMFA")?;
    Ok(Some(Migrated { attributes, status }))
}
