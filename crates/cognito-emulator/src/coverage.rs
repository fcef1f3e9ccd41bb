//! Operations test suites reach for beyond sign-in and users: tags on the pool ARN
//! (`TagResource`, `UntagResource`, `ListTagsForResource`), risk configuration
//! (`SetRiskConfiguration`, `DescribeRiskConfiguration`: stored and returned, not enforced) and
//! a user's sign-in factors (`GetUserAuthFactors`, `AdminGetUserAuthFactors`); the state they
//! keep beside the pools ([`Extras`]).

use crate::error::{ApiError, invalid, not_found, user_not_found};
use crate::spec::MfaConfig;
use crate::state::{Pool, User, client_not_found};
use crate::txn::Ctx;
use cognito_wire::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The AWS account the emulator's resources belong to (in ARNs and domain descriptions).
pub(crate) const ACCOUNT_ID: &str = "000000000000";

/// State kept beside the pools, by pool id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Extras {
    /// Risk configurations by pool id, then client id (`""`: the pool's own).
    #[serde(default)]
    pub risk: BTreeMap<String, BTreeMap<String, RiskConfigurationType>>,
}

impl Extras {
    /// Forgets what belongs to a deleted pool.
    pub(crate) fn forget_pool(&mut self, pool_id: &str) {
        self.risk.remove(pool_id);
    }
}

/// The pool's ARN, as `CreateUserPool` / `DescribeUserPool` give it.
pub(crate) fn pool_arn(pool: &Pool) -> String {
    format!(
        "arn:aws:cognito-idp:{}:{ACCOUNT_ID}:userpool/{}",
        pool.region(),
        pool.id
    )
}

// ---- tags ----

/// Tags a user pool may carry.
pub(crate) const MAX_TAGS: usize = 50;

/// The pool an ARN names.
fn pool_by_arn<'a>(st: &'a mut crate::txn::State, arn: &str) -> Result<&'a mut Pool, ApiError> {
    if !arn.starts_with("arn:") || arn.len() < 20 || arn.len() > 2048 {
        return Err(invalid(format!(
            "1 validation error detected: Value '{arn}' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?"
        )));
    }
    st.pools
        .values_mut()
        .find(|p| pool_arn(p) == arn)
        .ok_or_else(|| not_found(format!("Resource {arn} does not exist.")))
}

/// The pool's tags: `UserPoolTags` of its `UserPoolType` (so `DescribeUserPool` shows them).
pub(crate) fn tags(pool: &Pool) -> BTreeMap<String, String> {
    pool.extra
        .get("UserPoolTags")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn set_tags(pool: &mut Pool, tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if !pool.extra.is_object() {
        pool.extra = serde_json::Value::Object(serde_json::Map::new());
    }
    let v = serde_json::to_value(tags).map_err(crate::error::internal)?;
    if let Some(o) = pool.extra.as_object_mut() {
        o.insert("UserPoolTags".to_owned(), v);
    }
    Ok(())
}

/// Checks tags as Cognito (and every tagging AWS API) does: keys 1 to 128 characters, values up
/// to 256, no `aws:` keys, at most [`MAX_TAGS`].
pub(crate) fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(invalid(format!(
                "1 validation error detected: Value '{k}' at 'tags' failed to satisfy constraint: Map keys must have length between 1 and 128"
            )));
        }
        if v.chars().count() > 256 {
            return Err(invalid(format!(
                "1 validation error detected: Value at 'tags.{k}' failed to satisfy constraint: Map values must have length less than or equal to 256"
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid(format!(
                "Tag keys starting with 'aws:' are reserved for AWS use: {k}"
            )));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(invalid(format!(
            "A user pool can have at most {MAX_TAGS} tags; {} were given.",
            tags.len()
        )));
    }
    Ok(())
}

pub(crate) fn tag_resource(
    inner: &Ctx,
    r: TagResourceRequest,
) -> Result<TagResourceResponse, ApiError> {
    let mut st = inner.lock();
    let pool = pool_by_arn(&mut st, &r.resource_arn)?;
    let mut all = tags(pool);
    all.extend(r.tags);
    check_tags(&all)?;
    set_tags(pool, &all).map(|()| TagResourceResponse::default())
}

pub(crate) fn untag_resource(
    inner: &Ctx,
    r: UntagResourceRequest,
) -> Result<UntagResourceResponse, ApiError> {
    let mut st = inner.lock();
    let pool = pool_by_arn(&mut st, &r.resource_arn)?;
    let mut all = tags(pool);
    for k in &r.tag_keys {
        all.remove(k);
    }
    set_tags(pool, &all).map(|()| UntagResourceResponse::default())
}

pub(crate) fn list_tags_for_resource(
    inner: &Ctx,
    r: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let mut st = inner.lock();
    let pool = pool_by_arn(&mut st, &r.resource_arn)?;
    Ok(ListTagsForResourceResponse::builder()
        .tags(tags(pool))
        .build())
}

// ---- risk configuration ----

/// Checks that a client id names a client of the pool.
fn check_client(pool: &Pool, client_id: Option<&SensitiveString>) -> Result<String, ApiError> {
    match client_id {
        None => Ok(String::new()),
        Some(c) if pool.clients.contains_key(c.expose()) => Ok(c.expose().to_owned()),
        Some(c) => Err(client_not_found(c.expose())),
    }
}

pub(crate) fn set_risk_configuration(
    inner: &Ctx,
    r: SetRiskConfigurationRequest,
) -> Result<SetRiskConfigurationResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let client = check_client(st.pool(&r.user_pool_id)?, r.client_id.as_ref())?;
    if !client.is_empty() && r.risk_exception_configuration.is_some() {
        return Err(invalid(
            "RiskExceptionConfiguration can only be set for the user pool, not for an app client.",
        ));
    }
    let config = {
        let mut v = RiskConfigurationType::default();
        v.account_takeover_risk_configuration = r.account_takeover_risk_configuration;
        v.client_id = r.client_id;
        v.compromised_credentials_risk_configuration = r.compromised_credentials_risk_configuration;
        v.last_modified_date = Some(EpochSeconds::from_secs(now));
        v.risk_exception_configuration = r.risk_exception_configuration;
        v.user_pool_id = Some(r.user_pool_id.clone());
        v
    };
    st.extras
        .risk
        .entry(r.user_pool_id)
        .or_default()
        .insert(client, config.clone());
    Ok(SetRiskConfigurationResponse::builder()
        .risk_configuration(config)
        .build()?)
}

/// The client's configuration, else the pool's (Cognito falls back the same way), else an empty
/// one naming the pool (and client).
pub(crate) fn describe_risk_configuration(
    inner: &Ctx,
    r: DescribeRiskConfigurationRequest,
) -> Result<DescribeRiskConfigurationResponse, ApiError> {
    let st = inner.lock();
    let client = check_client(st.pool(&r.user_pool_id)?, r.client_id.as_ref())?;
    let stored = st.extras.risk.get(&r.user_pool_id);
    let config = stored
        .and_then(|m| m.get(&client))
        .or_else(|| stored.and_then(|m| m.get("")))
        .cloned()
        .unwrap_or_else(|| {
            RiskConfigurationType::builder()
                .set_client_id(r.client_id.clone())
                .user_pool_id(r.user_pool_id.clone())
                .build()
        });
    Ok(DescribeRiskConfigurationResponse::builder()
        .risk_configuration(config)
        .build()?)
}

// ---- auth factors ----

/// The pool's `Policies.SignInPolicy.AllowedFirstAuthFactors`, when it was given.
pub(crate) fn allowed_first_factors(pool: &Pool) -> Option<Vec<String>> {
    pool.extra
        .get("Policies")
        .and_then(|p| p.get("SignInPolicy"))
        .and_then(|p| p.get("AllowedFirstAuthFactors"))
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
}

/// What the user can sign in with through `USER_AUTH`, as `USER_AUTH` offers it: a password
/// when they have one, a one-time password to their email / phone number unless the pool
/// requires MFA, a passkey when they registered one, filtered by the pool's allowed
/// first factors.
fn configured_factors(pool: &Pool, u: &User) -> Vec<AuthFactorType> {
    let passwordless = pool.spec.mfa != MfaConfig::On;
    let mut out = Vec::new();
    if u.verifier.is_some() {
        out.push(AuthFactorType::Password);
    }
    if passwordless && u.attr("email").is_some() {
        out.push(AuthFactorType::EmailOtp);
    }
    if passwordless && u.attr("phone_number").is_some() {
        out.push(AuthFactorType::SmsOtp);
    }
    if !u.passkeys.is_empty() {
        out.push(AuthFactorType::WebAuthn);
    }
    if let Some(allowed) = allowed_first_factors(pool) {
        out.retain(|f| allowed.iter().any(|a| a == f.as_str()));
    }
    out
}

pub(crate) fn get_user_auth_factors(
    inner: &Ctx,
    r: GetUserAuthFactorsRequest,
) -> Result<GetUserAuthFactorsResponse, ApiError> {
    let mut st = inner.lock();
    let c = crate::tokens::verify_access(inner, &mut st, r.access_token.expose())?;
    let pool = st.pool(&c.pool_id)?;
    let u = st
        .get_user(&pool.id, &c.username)
        .ok_or_else(user_not_found)?;
    let (list, preferred) = crate::ops::mfa_settings(&u);
    Ok(GetUserAuthFactorsResponse::builder()
        .configured_user_auth_factors(configured_factors(pool, &u))
        .set_preferred_mfa_setting(preferred)
        .set_user_mfa_setting_list(list)
        .username(u.username.clone())
        .build()?)
}

pub(crate) fn admin_get_user_auth_factors(
    inner: &Ctx,
    r: AdminGetUserAuthFactorsRequest,
) -> Result<AdminGetUserAuthFactorsResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let u = st
        .find_user_record(&pool.id, r.username.expose())?
        .ok_or_else(user_not_found)?;
    let (list, preferred) = crate::ops::mfa_settings(&u);
    Ok(AdminGetUserAuthFactorsResponse::builder()
        .configured_user_auth_factors(configured_factors(pool, &u))
        .set_preferred_mfa_setting(preferred)
        .set_user_mfa_setting_list(list)
        .username(u.username.clone())
        .build()?)
}
