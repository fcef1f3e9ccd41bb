//! Admin operations on user pools, app clients and identity providers.

use crate::error::{ApiError, invalid, not_found};
use crate::inner::{create_client, create_pool};
use crate::spec::{ClientSpec, DeviceTracking, MfaConfig, PoolSpec};
use crate::state::{Client, Pool, client_not_found};
use crate::txn::{Ctx, State};
use base64::Engine;
use cognito_wire::*;
use std::collections::BTreeMap;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn mfa_of(m: &Option<UserPoolMfaType>) -> MfaConfig {
    match m {
        Some(UserPoolMfaType::On) => MfaConfig::On,
        Some(UserPoolMfaType::Optional) => MfaConfig::Optional,
        _ => MfaConfig::Off,
    }
}

fn tracking_of(d: &Option<DeviceConfigurationType>) -> DeviceTracking {
    match d {
        None => DeviceTracking::Off,
        Some(c) if c.device_only_remembered_on_user_prompt == Some(true) => {
            DeviceTracking::UserOptIn
        }
        Some(_) => DeviceTracking::Always,
    }
}

fn apply_policy(spec: &mut PoolSpec, p: &Option<UserPoolPolicyType>) {
    if let Some(pp) = p.as_ref().and_then(|p| p.password_policy.as_ref()) {
        if let Some(l) = pp.minimum_length {
            spec.password_min_length = usize::try_from(l).unwrap_or(8);
        }
        spec.password_require_lowercase = pp.require_lowercase.unwrap_or(false);
        spec.password_require_uppercase = pp.require_uppercase.unwrap_or(false);
        spec.password_require_numbers = pp.require_numbers.unwrap_or(false);
        spec.password_require_symbols = pp.require_symbols.unwrap_or(false);
    }
}

fn strs<T: AsRef<str>>(v: &[T]) -> Vec<String> {
    v.iter().map(|x| x.as_ref().to_owned()).collect()
}

pub(crate) fn pool_type(inner: &Ctx, st: &State, pool: &Pool) -> UserPoolType {
    let s = &pool.spec;
    let mut t: UserPoolType = serde_json::from_value(pool.extra.clone()).unwrap_or_default();
    t.id = Some(pool.id.clone());
    t.name = Some(s.name.clone());
    t.arn = Some(crate::coverage::pool_arn(pool));
    (t.domain, t.custom_domain) = crate::oauth_config::pool_domains(pool);
    t.schema_attributes = Some(crate::schema::schema_attributes(pool));
    crate::triggers::describe(pool, &mut t.lambda_config);
    t.creation_date = Some(EpochSeconds::from_secs(pool.created));
    t.last_modified_date = Some(EpochSeconds::from_secs(pool.modified));
    t.estimated_number_of_users = Some(
        st.user_count(&pool.id)
            .ok()
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(i32::MAX),
    );
    t.mfa_configuration = Some(mfa_type(s.mfa));
    t.username_attributes = (!s.username_attributes.is_empty()).then(|| {
        s.username_attributes
            .iter()
            .map(|a| UsernameAttributeType::from(a.as_str()))
            .collect()
    });
    t.alias_attributes = (!s.alias_attributes.is_empty()).then(|| {
        s.alias_attributes
            .iter()
            .map(|a| AliasAttributeType::from(a.as_str()))
            .collect()
    });
    t.auto_verified_attributes = Some(
        s.auto_verified_attributes
            .iter()
            .map(|a| VerifiedAttributeType::from(a.as_str()))
            .collect(),
    );
    t.device_configuration = match s.device_tracking {
        DeviceTracking::Off => None,
        DeviceTracking::Always => Some(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(false)
                .device_only_remembered_on_user_prompt(false)
                .build(),
        ),
        DeviceTracking::UserOptIn => Some(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(false)
                .device_only_remembered_on_user_prompt(true)
                .build(),
        ),
    };
    t.policies = Some(
        UserPoolPolicyType::builder()
            .password_policy(
                PasswordPolicyType::builder()
                    .set_minimum_length(i32::try_from(s.password_min_length).ok())
                    .require_lowercase(s.password_require_lowercase)
                    .require_uppercase(s.password_require_uppercase)
                    .require_numbers(s.password_require_numbers)
                    .require_symbols(s.password_require_symbols)
                    .build(),
            )
            .build(),
    );
    t.admin_create_user_config = Some(
        AdminCreateUserConfigType::builder()
            .allow_admin_create_user_only(s.admin_create_user_only)
            .build(),
    );
    t.status = Some(StatusType::from("Enabled"));
    let _ = inner;
    t
}

pub(crate) fn create_user_pool(
    inner: &Ctx,
    r: CreateUserPoolRequest,
) -> Result<CreateUserPoolResponse, ApiError> {
    let mut st = inner.lock();
    let mut spec = PoolSpec::named(r.pool_name.clone());
    spec.mfa = mfa_of(&r.mfa_configuration);
    spec.username_attributes = strs(
        &r.username_attributes
            .iter()
            .flatten()
            .map(|a| a.as_str().to_owned())
            .collect::<Vec<_>>(),
    );
    spec.alias_attributes = r
        .alias_attributes
        .iter()
        .flatten()
        .map(|a| a.as_str().to_owned())
        .collect();
    spec.auto_verified_attributes = r
        .auto_verified_attributes
        .iter()
        .flatten()
        .map(|a| a.as_str().to_owned())
        .collect();
    spec.device_tracking = tracking_of(&r.device_configuration);
    spec.required_attributes = r
        .schema
        .iter()
        .flatten()
        .filter(|a| a.required == Some(true))
        .filter_map(|a| a.name.clone())
        .collect();
    if r.policies.is_some() {
        apply_policy(&mut spec, &r.policies);
    }
    if let Some(c) = &r.admin_create_user_config {
        spec.admin_create_user_only = c.allow_admin_create_user_only.unwrap_or(false);
    }
    let mut extra = serde_json::to_value(&r).unwrap_or_default();
    if let Some(o) = extra.as_object_mut() {
        o.remove("PoolName");
        o.remove("Schema");
    }
    if let Some(t) = &r.user_pool_tags {
        crate::coverage::check_tags(t)?;
    }
    let id = create_pool(inner, &mut st, spec, extra)?;
    // Custom attributes of the Schema (standard ones set `required_attributes` above); the pool
    // checks custom attributes from now on.
    if let Err(e) =
        crate::schema::from_create(st.pool_mut(&id)?, r.schema.as_deref().unwrap_or_default())
    {
        st.pools.remove(&id);
        return Err(e);
    }
    let pool = st.pool(&id)?;
    Ok(CreateUserPoolResponse::builder()
        .user_pool(pool_type(inner, &st, pool))
        .build())
}

pub(crate) fn describe_user_pool(
    inner: &Ctx,
    r: DescribeUserPoolRequest,
) -> Result<DescribeUserPoolResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    Ok(DescribeUserPoolResponse::builder()
        .user_pool(pool_type(inner, &st, pool))
        .build())
}

pub(crate) fn update_user_pool(
    inner: &Ctx,
    r: UpdateUserPoolRequest,
) -> Result<UpdateUserPoolResponse, ApiError> {
    if let Some(t) = &r.user_pool_tags {
        crate::coverage::check_tags(t)?;
    }
    let mut st = inner.lock();
    let now = inner.now();
    let pool = st.pool_mut(&r.user_pool_id)?;
    let s = &mut pool.spec;
    s.mfa = mfa_of(&r.mfa_configuration);
    if let Some(n) = &r.pool_name {
        s.name = n.clone();
    }
    if let Some(a) = &r.auto_verified_attributes {
        s.auto_verified_attributes = a.iter().map(|x| x.as_str().to_owned()).collect();
    }
    s.device_tracking = tracking_of(&r.device_configuration);
    if r.policies.is_some() {
        apply_policy(s, &r.policies);
    }
    if let Some(c) = &r.admin_create_user_config {
        s.admin_create_user_only = c.allow_admin_create_user_only.unwrap_or(false);
    }
    if let (Some(o), Ok(serde_json::Value::Object(new))) =
        (pool.extra.as_object_mut(), serde_json::to_value(&r))
    {
        for (k, v) in new {
            if k != "UserPoolId" && k != "PoolName" {
                o.insert(k, v);
            }
        }
    }
    pool.modified = now;
    Ok(UpdateUserPoolResponse::default())
}

fn mfa_type(m: MfaConfig) -> UserPoolMfaType {
    match m {
        MfaConfig::Off => UserPoolMfaType::Off,
        MfaConfig::Optional => UserPoolMfaType::Optional,
        MfaConfig::On => UserPoolMfaType::On,
    }
}

/// The pool's MFA configuration as GetUserPoolMfaConfig / SetUserPoolMfaConfig return it: the
/// enabled methods from the spec, their message settings from what SetUserPoolMfaConfig stored.
fn mfa_config_of(
    pool: &Pool,
) -> (
    UserPoolMfaType,
    Option<SmsMfaConfigType>,
    Option<SoftwareTokenMfaConfigType>,
    Option<EmailMfaConfigType>,
) {
    let s = &pool.spec;
    let field = |k: &str| pool.extra.get(k).cloned();
    let sms = s.sms_mfa.then(|| {
        SmsMfaConfigType::builder()
            .set_sms_authentication_message(
                field("SmsAuthenticationMessage").and_then(|v| v.as_str().map(str::to_owned)),
            )
            .set_sms_configuration(
                field("SmsConfiguration").and_then(|v| serde_json::from_value(v).ok()),
            )
            .build()
    });
    let email = s.email_mfa.then(|| {
        field("EmailMfaConfiguration")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    });
    let totp = Some(
        SoftwareTokenMfaConfigType::builder()
            .enabled(s.software_token_mfa)
            .build(),
    );
    (mfa_type(s.mfa), sms, totp, email)
}

pub(crate) fn get_user_pool_mfa_config(
    inner: &Ctx,
    r: GetUserPoolMfaConfigRequest,
) -> Result<GetUserPoolMfaConfigResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let (mfa, sms, totp, email) = mfa_config_of(pool);
    let webauthn = crate::webauthn::configuration(pool);
    Ok(GetUserPoolMfaConfigResponse::builder()
        .mfa_configuration(mfa)
        .set_sms_mfa_configuration(sms)
        .set_software_token_mfa_configuration(totp)
        .set_email_mfa_configuration(email)
        .set_web_authn_configuration(webauthn)
        .build())
}

/// Like Cognito, the call states the whole configuration: a method whose block is absent (SMS,
/// email) or not `Enabled` (software token) is turned off. `MfaConfiguration` absent keeps the
/// current value; `ON` / `OPTIONAL` with no method enabled is refused.
pub(crate) fn set_user_pool_mfa_config(
    inner: &Ctx,
    r: SetUserPoolMfaConfigRequest,
) -> Result<SetUserPoolMfaConfigResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let pool = st.pool_mut(&r.user_pool_id)?;
    let mfa = match &r.mfa_configuration {
        Some(_) => mfa_of(&r.mfa_configuration),
        None => pool.spec.mfa,
    };
    let sms = r.sms_mfa_configuration.is_some();
    let totp = r
        .software_token_mfa_configuration
        .as_ref()
        .and_then(|c| c.enabled)
        .unwrap_or(false);
    let email = r.email_mfa_configuration.is_some();
    if mfa != MfaConfig::Off && !(sms || totp || email) {
        return Err(invalid(
            "Invalid MFA configuration given, can't turn on MFA and have no enabled MFA method.",
        ));
    }
    let s = &mut pool.spec;
    s.mfa = mfa;
    s.sms_mfa = sms;
    s.software_token_mfa = totp;
    s.email_mfa = email;
    if !pool.extra.is_object() {
        pool.extra = serde_json::Value::Object(serde_json::Map::new());
    }
    if let Some(o) = pool.extra.as_object_mut() {
        let mut put = |k: &str, v: Option<serde_json::Value>| match v {
            Some(v) if !v.is_null() => {
                o.insert(k.to_owned(), v);
            }
            _ => {
                o.remove(k);
            }
        };
        let sms_cfg = r.sms_mfa_configuration.as_ref();
        put(
            "SmsAuthenticationMessage",
            sms_cfg
                .and_then(|c| c.sms_authentication_message.clone())
                .map(serde_json::Value::from),
        );
        if let Some(c) = sms_cfg.and_then(|c| c.sms_configuration.as_ref()) {
            put("SmsConfiguration", serde_json::to_value(c).ok());
        }
        put(
            "EmailMfaConfiguration",
            r.email_mfa_configuration
                .as_ref()
                .and_then(|c| serde_json::to_value(c).ok()),
        );
    }
    crate::webauthn::set_configuration(pool, r.web_authn_configuration.as_ref())?;
    pool.modified = now;
    let (mfa, sms, totp, email) = mfa_config_of(pool);
    let webauthn = crate::webauthn::configuration(pool);
    Ok(SetUserPoolMfaConfigResponse::builder()
        .mfa_configuration(mfa)
        .set_sms_mfa_configuration(sms)
        .set_software_token_mfa_configuration(totp)
        .set_email_mfa_configuration(email)
        .set_web_authn_configuration(webauthn)
        .build())
}

pub(crate) fn delete_user_pool(inner: &Ctx, r: DeleteUserPoolRequest) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    crate::oauth_config::check_no_domain(st.pool(&r.user_pool_id)?)?;
    st.pools.remove(&r.user_pool_id);
    st.extras.forget_pool(&r.user_pool_id);
    // Its users, tokens, sessions and events go with it when the request commits.
    Ok(Empty {})
}

pub(crate) fn decode_next(t: Option<&str>) -> Option<String> {
    t.and_then(|t| B64URL.decode(t).ok())
        .and_then(|b| String::from_utf8(b).ok())
}

pub(crate) fn paginate<'a, T>(
    items: impl Iterator<Item = (&'a String, T)>,
    after: Option<String>,
    max: Option<i32>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = max.unwrap_or(60);
    if !(1..=60).contains(&max) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60"
        )));
    }
    let max = usize::try_from(max).unwrap_or(60);
    let mut out = Vec::new();
    let mut last = None;
    let mut more = false;
    for (k, v) in items {
        if after.as_deref().is_some_and(|a| k.as_str() <= a) {
            continue;
        }
        if out.len() == max {
            more = true;
            break;
        }
        last = Some(k.clone());
        out.push(v);
    }
    Ok((
        out,
        if more {
            last.map(|l| B64URL.encode(l))
        } else {
            None
        },
    ))
}

pub(crate) fn list_user_pools(
    inner: &Ctx,
    r: ListUserPoolsRequest,
) -> Result<ListUserPoolsResponse, ApiError> {
    let st = inner.lock();
    let (pools, next) = paginate(
        st.pools.iter(),
        decode_next(r.next_token.as_deref()),
        Some(r.max_results),
    )?;
    Ok(ListUserPoolsResponse::builder()
        .set_next_token(next)
        .set_user_pools(Some(
            pools
                .into_iter()
                .map(|p| {
                    UserPoolDescriptionType::builder()
                        .creation_date(EpochSeconds::from_secs(p.created))
                        .id(p.id.clone())
                        .last_modified_date(EpochSeconds::from_secs(p.modified))
                        .name(p.spec.name.clone())
                        .status(StatusType::from("Enabled"))
                        .build()
                })
                .collect(),
        ))
        .build())
}

fn seconds(v: Option<i32>, unit: Option<&TimeUnitsType>, default_unit: &str) -> Option<u64> {
    let v = u64::try_from(v?).ok()?;
    let unit = unit
        .map(|u| u.as_str().to_owned())
        .unwrap_or_else(|| default_unit.to_owned());
    Some(match unit.as_str() {
        "seconds" => v,
        "minutes" => v * 60,
        "hours" => v * 3600,
        _ => v * 86_400,
    })
}

fn flows_of(f: &Option<Vec<ExplicitAuthFlowsType>>) -> Option<Vec<String>> {
    f.as_ref().map(|v| {
        v.iter()
            .map(|x| {
                // The legacy names, as their ALLOW_ spelling.
                match x {
                    ExplicitAuthFlowsType::AdminNoSrpAuth => {
                        ExplicitAuthFlowsType::AllowAdminUserPasswordAuth
                    }
                    ExplicitAuthFlowsType::CustomAuthFlowOnly => {
                        ExplicitAuthFlowsType::AllowCustomAuth
                    }
                    ExplicitAuthFlowsType::UserPasswordAuth => {
                        ExplicitAuthFlowsType::AllowUserPasswordAuth
                    }
                    other => other.clone(),
                }
                .to_string()
            })
            .collect()
    })
}

pub(crate) fn client_type(pool: &Pool, c: &Client) -> UserPoolClientType {
    let mut t: UserPoolClientType = serde_json::from_value(c.extra.clone()).unwrap_or_default();
    t.client_id = Some(c.id.clone().into());
    t.client_name = Some(c.spec.name.clone());
    t.client_secret = c.secret.clone().map(Into::into);
    t.user_pool_id = Some(pool.id.clone());
    t.creation_date = Some(EpochSeconds::from_secs(c.created));
    t.last_modified_date = Some(EpochSeconds::from_secs(c.modified));
    t.explicit_auth_flows = Some(
        c.spec
            .explicit_auth_flows
            .iter()
            .map(|f| ExplicitAuthFlowsType::from(f.as_str()))
            .collect(),
    );
    t.enable_token_revocation = Some(c.spec.enable_token_revocation);
    t.read_attributes = c.spec.read_attributes.clone();
    t.write_attributes = c.spec.write_attributes.clone();
    t.prevent_user_existence_errors = Some(PreventUserExistenceErrorTypes::from(
        if c.spec.prevent_user_existence_errors {
            "ENABLED"
        } else {
            "LEGACY"
        },
    ));
    let secs = |v: Option<u64>, default: u64| i32::try_from(v.unwrap_or(default)).ok();
    t.access_token_validity = secs(
        c.spec.access_token_validity_secs,
        pool.spec.access_token_validity_secs,
    );
    t.id_token_validity = secs(
        c.spec.id_token_validity_secs,
        pool.spec.id_token_validity_secs,
    );
    t.refresh_token_validity = secs(
        c.spec.refresh_token_validity_secs,
        pool.spec.refresh_token_validity_secs,
    );
    t.token_validity_units = Some(
        TokenValidityUnitsType::builder()
            .access_token(TimeUnitsType::from("seconds"))
            .id_token(TimeUnitsType::from("seconds"))
            .refresh_token(TimeUnitsType::from("seconds"))
            .build(),
    );
    t.refresh_token_rotation = c.spec.refresh_token_rotation.and_then(|g| {
        RefreshTokenRotationType::builder()
            .feature(FeatureType::from("ENABLED"))
            .set_retry_grace_period_seconds(i32::try_from(g).ok())
            .build()
            .ok()
    });
    t
}

fn rotation_of(r: &Option<RefreshTokenRotationType>) -> Option<Option<u64>> {
    r.as_ref().map(|r| {
        (r.feature.as_str() == "ENABLED").then(|| {
            r.retry_grace_period_seconds
                .and_then(|g| u64::try_from(g).ok())
                .unwrap_or(0)
        })
    })
}

/// The settings `CreateUserPoolClient` and `UpdateUserPoolClient` share (their requests spell
/// them alike), applied to the `ClientSpec` `$spec` — what `$r` leaves out is the default — and
/// checked with the OAuth settings against the pool: `?` on the first rule broken.
macro_rules! client_settings {
    ($spec:ident, $r:ident, $pool:expr, $has_secret:expr) => {
        let units = $r.token_validity_units.as_ref();
        if let Some(f) = flows_of(&$r.explicit_auth_flows) {
            $spec.explicit_auth_flows = f;
        }
        $spec.access_token_validity_secs = seconds(
            $r.access_token_validity,
            units.and_then(|u| u.access_token.as_ref()),
            "hours",
        );
        $spec.id_token_validity_secs = seconds(
            $r.id_token_validity,
            units.and_then(|u| u.id_token.as_ref()),
            "hours",
        );
        $spec.refresh_token_validity_secs = seconds(
            $r.refresh_token_validity,
            units.and_then(|u| u.refresh_token.as_ref()),
            "days",
        );
        $spec.prevent_user_existence_errors = $r
            .prevent_user_existence_errors
            .as_ref()
            .is_none_or(|p| p.as_str() == "ENABLED");
        $spec.enable_token_revocation = $r.enable_token_revocation.unwrap_or(true);
        // An empty list, like an absent one, means "all".
        $spec.read_attributes = $r.read_attributes.clone().filter(|v| !v.is_empty());
        $spec.write_attributes = $r.write_attributes.clone().filter(|v| !v.is_empty());
        $spec.refresh_token_rotation = rotation_of(&$r.refresh_token_rotation).flatten();
        crate::oauth_config::check_client_token_flow(&$spec.explicit_auth_flows, $has_secret)?;
        crate::oauth_config::check_client(
            $pool,
            &crate::oauth_config::ClientOAuth {
                flows: $r.allowed_o_auth_flows.as_deref().unwrap_or_default(),
                flows_enabled: $r.allowed_o_auth_flows_user_pool_client.unwrap_or(false),
                scopes: $r.allowed_o_auth_scopes.as_deref().unwrap_or_default(),
                callback_urls: $r.callback_ur_ls.as_deref().unwrap_or_default(),
                logout_urls: $r.logout_ur_ls.as_deref().unwrap_or_default(),
                default_redirect_uri: $r.default_redirect_uri.as_deref(),
                identity_providers: $r
                    .supported_identity_providers
                    .as_deref()
                    .unwrap_or_default(),
                has_secret: $has_secret,
            },
        )?;
    };
}

pub(crate) fn create_user_pool_client(
    inner: &Ctx,
    r: CreateUserPoolClientRequest,
) -> Result<CreateUserPoolClientResponse, ApiError> {
    let mut st = inner.lock();
    st.pool(&r.user_pool_id)?;
    let mut spec = ClientSpec::public(r.client_name.clone());
    spec.generate_secret = r.generate_secret.unwrap_or(false);
    spec.client_secret = r.client_secret.as_ref().map(|s| s.expose().to_owned());
    let has_secret = spec.generate_secret || spec.client_secret.is_some();
    client_settings!(spec, r, st.pool(&r.user_pool_id)?, has_secret);
    let mut extra = serde_json::to_value(&r).unwrap_or_default();
    if let Some(o) = extra.as_object_mut() {
        for k in [
            "ClientSecret",
            "UserPoolId",
            "GenerateSecret",
            "TokenValidityUnits",
        ] {
            o.remove(k);
        }
    }
    let client = create_client(inner, &mut st, &r.user_pool_id, spec, extra)?;
    let pool = st.pool(&r.user_pool_id)?;
    Ok(CreateUserPoolClientResponse::builder()
        .user_pool_client(client_type(pool, &client))
        .build())
}

fn client_in<'a>(pool: &'a Pool, id: &str) -> Result<&'a Client, ApiError> {
    pool.clients.get(id).ok_or_else(|| client_not_found(id))
}

pub(crate) fn describe_user_pool_client(
    inner: &Ctx,
    r: DescribeUserPoolClientRequest,
) -> Result<DescribeUserPoolClientResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let c = client_in(pool, r.client_id.expose())?;
    Ok(DescribeUserPoolClientResponse::builder()
        .user_pool_client(client_type(pool, c))
        .build())
}

pub(crate) fn update_user_pool_client(
    inner: &Ctx,
    r: UpdateUserPoolClientRequest,
) -> Result<UpdateUserPoolClientResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let id = r.client_id.expose().to_owned();
    // Like Cognito, a setting the request leaves out goes back to its default (what
    // CreateUserPoolClient sets without it), not to the current value: callers start from
    // DescribeUserPoolClient. Only the name (when absent) and the secret stay.
    let (mut spec, has_secret) = {
        let pool = st.pool(&r.user_pool_id)?;
        let c = client_in(pool, &id)?;
        let mut spec =
            ClientSpec::public(r.client_name.clone().unwrap_or_else(|| c.spec.name.clone()));
        spec.client_id = c.spec.client_id.clone();
        spec.generate_secret = c.spec.generate_secret;
        spec.client_secret = c.spec.client_secret.clone();
        (spec, c.secret.is_some() || !c.secrets.is_empty())
    };
    client_settings!(spec, r, st.pool(&r.user_pool_id)?, has_secret);
    // The settings kept as given (OAuth, analytics, session validity, ...): the request's,
    // as CreateUserPoolClient keeps its own.
    let mut extra = serde_json::to_value(&r).unwrap_or_default();
    if let Some(o) = extra.as_object_mut() {
        for k in ["ClientId", "UserPoolId", "TokenValidityUnits"] {
            o.remove(k);
        }
    }
    let pool = st.pool_mut(&r.user_pool_id)?;
    let c = pool
        .clients
        .get_mut(&id)
        .ok_or_else(|| client_not_found(&id))?;
    c.spec = spec;
    c.extra = extra;
    c.modified = now;
    let c = c.clone();
    let pool = st.pool(&r.user_pool_id)?;
    Ok(UpdateUserPoolClientResponse::builder()
        .user_pool_client(client_type(pool, &c))
        .build())
}

pub(crate) fn delete_user_pool_client(
    inner: &Ctx,
    r: DeleteUserPoolClientRequest,
) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    let pool = st.pool_mut(&r.user_pool_id)?;
    pool.clients
        .remove(r.client_id.expose())
        .ok_or_else(|| client_not_found(r.client_id.expose()))?;
    Ok(Empty {})
}

pub(crate) fn list_user_pool_clients(
    inner: &Ctx,
    r: ListUserPoolClientsRequest,
) -> Result<ListUserPoolClientsResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let (clients, next) = paginate(
        pool.clients.iter(),
        decode_next(r.next_token.as_deref()),
        r.max_results,
    )?;
    Ok(ListUserPoolClientsResponse::builder()
        .set_next_token(next)
        .set_user_pool_clients(Some(
            clients
                .into_iter()
                .map(|c| {
                    UserPoolClientDescription::builder()
                        .client_id(c.id.clone())
                        .client_name(c.spec.name.clone())
                        .user_pool_id(pool.id.clone())
                        .build()
                })
                .collect(),
        ))
        .build())
}

// ---- identity providers ----

fn idp_not_found(name: &str) -> ApiError {
    not_found(format!("Identity provider {name} does not exist."))
}

fn idp_of(v: &serde_json::Value) -> IdentityProviderType {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

pub(crate) fn create_identity_provider(
    inner: &Ctx,
    r: CreateIdentityProviderRequest,
) -> Result<CreateIdentityProviderResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let pool = st.pool_mut(&r.user_pool_id)?;
    if pool.identity_providers.contains_key(&r.provider_name) {
        return Err(ApiError::new(
            "DuplicateProviderException",
            "A provider with the name already exists in this user pool.",
        ));
    }
    let idp = IdentityProviderType::builder()
        .set_acr_mapping(r.acr_mapping)
        .set_attribute_mapping(r.attribute_mapping)
        .creation_date(EpochSeconds::from_secs(now))
        .set_idp_identifiers(r.idp_identifiers)
        .last_modified_date(EpochSeconds::from_secs(now))
        .provider_details(r.provider_details)
        .provider_name(r.provider_name.clone())
        .provider_type(r.provider_type)
        .user_pool_id(r.user_pool_id.clone())
        .build();
    pool.identity_providers.insert(
        r.provider_name,
        serde_json::to_value(&idp).map_err(crate::error::internal)?,
    );
    Ok(CreateIdentityProviderResponse::builder()
        .identity_provider(idp)
        .build()?)
}

pub(crate) fn describe_identity_provider(
    inner: &Ctx,
    r: DescribeIdentityProviderRequest,
) -> Result<DescribeIdentityProviderResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let v = pool
        .identity_providers
        .get(&r.provider_name)
        .ok_or_else(|| idp_not_found(&r.provider_name))?;
    Ok(DescribeIdentityProviderResponse::builder()
        .identity_provider(idp_of(v))
        .build()?)
}

pub(crate) fn update_identity_provider(
    inner: &Ctx,
    r: UpdateIdentityProviderRequest,
) -> Result<UpdateIdentityProviderResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let pool = st.pool_mut(&r.user_pool_id)?;
    let v = pool
        .identity_providers
        .get_mut(&r.provider_name)
        .ok_or_else(|| idp_not_found(&r.provider_name))?;
    let mut idp = idp_of(v);
    if r.attribute_mapping.is_some() {
        idp.attribute_mapping = r.attribute_mapping;
    }
    if r.provider_details.is_some() {
        idp.provider_details = r.provider_details;
    }
    if r.idp_identifiers.is_some() {
        idp.idp_identifiers = r.idp_identifiers;
    }
    idp.last_modified_date = Some(EpochSeconds::from_secs(now));
    *v = serde_json::to_value(&idp).map_err(crate::error::internal)?;
    Ok(UpdateIdentityProviderResponse::builder()
        .identity_provider(idp)
        .build()?)
}

pub(crate) fn delete_identity_provider(
    inner: &Ctx,
    r: DeleteIdentityProviderRequest,
) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    let pool = st.pool_mut(&r.user_pool_id)?;
    pool.identity_providers
        .remove(&r.provider_name)
        .ok_or_else(|| idp_not_found(&r.provider_name))?;
    Ok(Empty {})
}

pub(crate) fn list_identity_providers(
    inner: &Ctx,
    r: ListIdentityProvidersRequest,
) -> Result<ListIdentityProvidersResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let (items, next) = paginate(
        pool.identity_providers.iter(),
        decode_next(r.next_token.as_deref()),
        r.max_results,
    )?;
    Ok(ListIdentityProvidersResponse::builder()
        .set_next_token(next)
        .providers(
            items
                .into_iter()
                .map(|v| {
                    let i = idp_of(v);
                    ProviderDescription::builder()
                        .set_creation_date(i.creation_date)
                        .set_last_modified_date(i.last_modified_date)
                        .set_provider_name(i.provider_name)
                        .set_provider_type(i.provider_type)
                        .build()
                })
                .collect::<Vec<_>>(),
        )
        .build()?)
}

pub(crate) fn get_signing_certificate(
    inner: &Ctx,
    r: GetSigningCertificateRequest,
) -> Result<GetSigningCertificateResponse, ApiError> {
    let mut st = inner.lock();
    let pool = st.pool_mut(&r.user_pool_id)?;
    crate::tokens::key_pair(inner, pool)?;
    let key = pool.key.as_ref().ok_or_else(|| not_found("no key"))?;
    Ok(GetSigningCertificateResponse::builder()
        .certificate(key.n.clone())
        .build())
}

#[allow(dead_code)]
fn _unused(_: BTreeMap<String, String>) {}
