//! Admin (SigV4-signed) operations on users, groups and devices.

use crate::auth;
use crate::error::{ApiError, invalid, not_authorized, not_found, user_not_found};
use crate::ops::{self, attr_map, attributes_of, outcome_response};
use crate::spec::{OutboxKind, UserSpec};
use crate::state::{Group, Pool, User};
use crate::txn::Ctx;
use crate::txn::{State, UserMut};
use base64::Engine;
use cognito_wire::*;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn admin_initiate_auth(
    inner: &Ctx,
    r: AdminInitiateAuthRequest,
) -> Result<AdminInitiateAuthResponse, ApiError> {
    inner.lock().pool(&r.user_pool_id)?;
    let client_id = r.client_id.expose();
    inner
        .triggers()
        .initiate(client_id, r.client_metadata.as_ref());
    let params = r.auth_parameters.unwrap_or_default();
    let out = auth::initiate(
        inner,
        Some(&r.user_pool_id),
        client_id,
        &r.auth_flow,
        &params,
    );
    crate::events::record_sign_in(
        inner,
        Some(&r.user_pool_id),
        client_id,
        crate::events::Step::Initiate(&r.auth_flow),
        &params,
        r.context_data.as_ref().map(|c| c.ip_address.as_str()),
        &out,
    );
    let out = out?;
    Ok(outcome_response!(AdminInitiateAuthResponse, out))
}

pub(crate) fn admin_respond_to_auth_challenge(
    inner: &Ctx,
    r: AdminRespondToAuthChallengeRequest,
) -> Result<AdminRespondToAuthChallengeResponse, ApiError> {
    inner.lock().pool(&r.user_pool_id)?;
    let client_id = r.client_id.expose();
    inner
        .triggers()
        .respond(client_id, r.client_metadata.as_ref(), &r.challenge_name);
    let responses = r.challenge_responses.unwrap_or_default();
    let out = auth::respond(
        inner,
        Some(&r.user_pool_id),
        client_id,
        &r.challenge_name,
        &responses,
        r.session.as_ref().map(SensitiveString::expose),
    );
    crate::events::record_sign_in(
        inner,
        Some(&r.user_pool_id),
        client_id,
        crate::events::Step::Respond(&r.challenge_name),
        &responses,
        r.context_data.as_ref().map(|c| c.ip_address.as_str()),
        &out,
    );
    let out = out?;
    Ok(outcome_response!(AdminRespondToAuthChallengeResponse, out))
}

pub(crate) fn user_type(u: &User) -> UserType {
    let mfa_options = u.mfa.sms.then(|| {
        vec![
            MFAOptionType::builder()
                .attribute_name("phone_number".to_owned())
                .delivery_medium(DeliveryMediumType::Sms)
                .build(),
        ]
    });
    UserType::builder()
        .attributes(attributes_of(u))
        .enabled(u.enabled)
        .set_mfa_options(mfa_options)
        .user_create_date(EpochSeconds::from_secs(u.created))
        .user_last_modified_date(EpochSeconds::from_secs(u.modified))
        .user_status(u.status.clone())
        .username(u.username.clone())
        .build()
}

fn user_of<'a>(
    st: &'a State,
    pool_id: &str,
    name: &SensitiveString,
) -> Result<UserMut<'a>, ApiError> {
    st.pool(pool_id)?;
    st.user_mut(pool_id, name.expose())?
        .ok_or_else(user_not_found)
}

fn temporary_password(inner: &Ctx) -> String {
    format!("Tmp{}a1!", inner.rng.alnum(8))
}

pub(crate) fn admin_create_user(
    inner: &Ctx,
    r: AdminCreateUserRequest,
) -> Result<AdminCreateUserResponse, ApiError> {
    let mut st = inner.lock();
    let pool_id = r.user_pool_id.clone();
    let resend = matches!(r.message_action, Some(MessageActionType::Resend));
    let suppress = matches!(r.message_action, Some(MessageActionType::Suppress));
    let temp = r
        .temporary_password
        .as_ref()
        .map(|p| p.expose().to_owned())
        .unwrap_or_else(|| temporary_password(inner));
    let username = if resend {
        let pool = st.pool(&pool_id)?;
        let name = st
            .lookup_user(&pool.id, r.username.expose())
            .ok_or_else(user_not_found)?;
        if st
            .get_user(&pool.id, &name)
            .is_some_and(|u| u.status != UserStatusType::ForceChangePassword)
        {
            return Err(ApiError::new(
                "UnsupportedUserStateException",
                "Resend not possible. User status is not FORCE_CHANGE_PASSWORD",
            ));
        }
        let v = inner.make_verifier(&pool_id, &name, &temp)?;
        if let Some(mut u) = st.user_exact_mut(&pool_id, &name)? {
            u.verifier = Some(v);
        }
        name
    } else {
        let pool = st.pool(&pool_id)?;
        pool.check_policy(&temp)?;
        let attributes = attr_map(r.user_attributes.as_deref().unwrap_or_default());
        let mut spec = UserSpec {
            username: r.username.expose().to_owned(),
            temporary_password: Some(temp.clone()),
            attributes,
            ..UserSpec::default()
        };
        crate::triggers::admin_sign_up(
            inner,
            &st,
            &pool_id,
            (r.validation_data.as_deref(), r.client_metadata.as_ref()),
            &mut spec,
        )?;
        crate::inner::create_user(inner, &mut st, &pool_id, &spec, true)?
    };
    if !suppress {
        let user = st
            .get_user(&pool_id, &username)
            .ok_or_else(user_not_found)?;
        let wants_sms = r
            .desired_delivery_mediums
            .as_ref()
            .is_some_and(|m| m.contains(&DeliveryMediumType::Sms));
        let wants_email = r
            .desired_delivery_mediums
            .as_ref()
            .is_none_or(|m| m.contains(&DeliveryMediumType::Email));
        if wants_email && let Some(e) = user.attr("email") {
            inner.send(
                &mut st,
                &pool_id,
                &username,
                e,
                crate::spec::Medium::Email,
                OutboxKind::Invite,
                &temp,
            )?;
        }
        if wants_sms && let Some(p) = user.attr("phone_number") {
            inner.send(
                &mut st,
                &pool_id,
                &username,
                p,
                crate::spec::Medium::Sms,
                OutboxKind::Invite,
                &temp,
            )?;
        }
    }
    let user = st
        .get_user(&pool_id, &username)
        .ok_or_else(user_not_found)?;
    Ok(AdminCreateUserResponse::builder()
        .user(user_type(&user))
        .build())
}

pub(crate) fn admin_get_user(
    inner: &Ctx,
    r: AdminGetUserRequest,
) -> Result<AdminGetUserResponse, ApiError> {
    let st = inner.lock();
    let u = user_of(&st, &r.user_pool_id, &r.username)?;
    let t = user_type(&u);
    let (list, preferred) = ops::mfa_settings(&u);
    Ok(AdminGetUserResponse::builder()
        .set_enabled(t.enabled)
        .set_mfa_options(t.mfa_options)
        .set_preferred_mfa_setting(preferred)
        .set_user_attributes(t.attributes)
        .set_user_create_date(t.user_create_date)
        .set_user_last_modified_date(t.user_last_modified_date)
        .set_user_mfa_setting_list(list)
        .set_user_status(t.user_status)
        .username(u.username.clone())
        .build()?)
}

pub(crate) fn admin_delete_user(inner: &Ctx, r: AdminDeleteUserRequest) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    let name = user_of(&st, &r.user_pool_id, &r.username)?.username.clone();
    ops::delete_user_everywhere(&mut st, &r.user_pool_id, &name, inner.now())?;
    Ok(Empty {})
}

pub(crate) fn admin_enable_user(
    inner: &Ctx,
    r: AdminEnableUserRequest,
) -> Result<AdminEnableUserResponse, ApiError> {
    let st = inner.lock();
    let now = inner.now();
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    u.enabled = true;
    u.modified = now;
    Ok(AdminEnableUserResponse::default())
}

pub(crate) fn admin_disable_user(
    inner: &Ctx,
    r: AdminDisableUserRequest,
) -> Result<AdminDisableUserResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    u.enabled = false;
    u.modified = now;
    let name = u.username.clone();
    drop(u);
    ops::sign_out_everywhere(&mut st, &r.user_pool_id, &name, inner.now())?;
    Ok(AdminDisableUserResponse::default())
}

pub(crate) fn admin_set_user_password(
    inner: &Ctx,
    r: AdminSetUserPasswordRequest,
) -> Result<AdminSetUserPasswordResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    pool.check_policy(r.password.expose())?;
    let name = st
        .lookup_user(&pool.id, r.username.expose())
        .ok_or_else(user_not_found)?;
    let v = inner.make_verifier(&r.user_pool_id, &name, r.password.expose())?;
    let now = inner.now();
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    u.verifier = Some(v);
    u.status = if r.permanent == Some(true) {
        UserStatusType::Confirmed
    } else {
        UserStatusType::ForceChangePassword
    };
    u.modified = now;
    Ok(AdminSetUserPasswordResponse::default())
}

pub(crate) fn admin_reset_user_password(
    inner: &Ctx,
    r: AdminResetUserPasswordRequest,
) -> Result<AdminResetUserPasswordResponse, ApiError> {
    let mut st = inner.lock();
    let name = user_of(&st, &r.user_pool_id, &r.username)?.username.clone();
    ops::send_code(
        inner,
        &mut st,
        &r.user_pool_id,
        &name,
        "forgot",
        None,
        OutboxKind::ForgotPassword,
        true,
    )?;
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    u.status = UserStatusType::ResetRequired;
    Ok(AdminResetUserPasswordResponse::default())
}

pub(crate) fn admin_confirm_sign_up(
    inner: &Ctx,
    r: AdminConfirmSignUpRequest,
) -> Result<AdminConfirmSignUpResponse, ApiError> {
    let st = inner.lock();
    let now = inner.now();
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    if u.status != UserStatusType::Unconfirmed {
        return Err(not_authorized(format!(
            "User cannot be confirmed. Current status is {}",
            u.status
        )));
    }
    u.status = UserStatusType::Confirmed;
    u.codes.remove("signup");
    u.modified = now;
    inner
        .triggers()
        .request_metadata(r.client_metadata.as_ref());
    crate::triggers::after_confirmation(inner, &st, &r.user_pool_id, None, &u, false)?;
    Ok(AdminConfirmSignUpResponse::default())
}

pub(crate) fn admin_update_user_attributes(
    inner: &Ctx,
    r: AdminUpdateUserAttributesRequest,
) -> Result<AdminUpdateUserAttributesResponse, ApiError> {
    let mut st = inner.lock();
    let name = user_of(&st, &r.user_pool_id, &r.username)?.username.clone();
    ops::apply_attributes(
        inner,
        &mut st,
        &r.user_pool_id,
        &name,
        attr_map(&r.user_attributes),
        true,
    )?;
    Ok(AdminUpdateUserAttributesResponse::default())
}

pub(crate) fn admin_delete_user_attributes(
    inner: &Ctx,
    r: AdminDeleteUserAttributesRequest,
) -> Result<AdminDeleteUserAttributesResponse, ApiError> {
    let mut st = inner.lock();
    let name = user_of(&st, &r.user_pool_id, &r.username)?.username.clone();
    ops::remove_attributes(&mut st, &r.user_pool_id, &name, &r.user_attribute_names)?;
    Ok(AdminDeleteUserAttributesResponse::default())
}

pub(crate) fn admin_user_global_sign_out(
    inner: &Ctx,
    r: AdminUserGlobalSignOutRequest,
) -> Result<AdminUserGlobalSignOutResponse, ApiError> {
    let mut st = inner.lock();
    let name = user_of(&st, &r.user_pool_id, &r.username)?.username.clone();
    ops::sign_out_everywhere(&mut st, &r.user_pool_id, &name, inner.now())?;
    Ok(AdminUserGlobalSignOutResponse::default())
}

pub(crate) fn admin_set_user_mfa_preference(
    inner: &Ctx,
    r: AdminSetUserMFAPreferenceRequest,
) -> Result<AdminSetUserMFAPreferenceResponse, ApiError> {
    let st = inner.lock();
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    ops::set_mfa(
        &mut u,
        r.sms_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
        r.software_token_mfa_settings
            .map(|s| (s.enabled, s.preferred_mfa)),
        r.email_mfa_settings.map(|s| (s.enabled, s.preferred_mfa)),
    )?;
    Ok(AdminSetUserMFAPreferenceResponse::default())
}

// ---- ListUsers ----

/// A parsed `Filter`: `attribute = "value"` or `attribute ^= "value"`.
struct Filter {
    attr: String,
    prefix: bool,
    value: String,
}

const FILTERABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

/// Parses `attr = "value"` / `attr ^= "value"`. The attribute may be quoted; the value must be,
/// with `\"` and `\\` escapes (unescaped here). The operator is looked for before the value
/// only, so `=` or `^=` inside the quotes is text.
fn parse_filter(text: &str) -> Result<Option<Filter>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || invalid("Error while parsing filter.");
    // Attribute name: quoted, or up to whitespace / the operator.
    let (attr, rest) = if let Some(q) = text.strip_prefix('"') {
        let end = q.find('"').ok_or_else(bad)?;
        (q.get(..end).unwrap_or(""), q.get(end + 1..).unwrap_or(""))
    } else {
        let end = text
            .find(|c: char| c.is_whitespace() || c == '=' || c == '^' || c == '"')
            .unwrap_or(text.len());
        (text.get(..end).unwrap_or(""), text.get(end..).unwrap_or(""))
    };
    let rest = rest.trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(bad());
    };
    let quoted = rest.trim().strip_prefix('"').ok_or_else(bad)?;
    let mut value = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    let mut closed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('"' | '\\')) => value.push(e),
                Some(other) => {
                    value.push('\\');
                    value.push(other);
                }
                None => return Err(bad()),
            },
            '"' => {
                closed = true;
                break;
            }
            c => value.push(c),
        }
    }
    // Nothing may follow the closing quote.
    if !closed || chars.next().is_some() || attr.is_empty() {
        return Err(bad());
    }
    let attr = attr.to_owned();
    if !FILTERABLE.contains(&attr.as_str()) {
        return Err(invalid(format!("Invalid search attribute: {attr}")));
    }
    Ok(Some(Filter {
        attr,
        prefix,
        value,
    }))
}

fn matches(f: &Filter, u: &User) -> bool {
    let v: Option<String> = match f.attr.as_str() {
        "username" => Some(u.username.clone()),
        "cognito:user_status" => Some(u.status.to_string()),
        "status" => Some(if u.enabled { "Enabled" } else { "Disabled" }.to_owned()),
        a => u.attr(a).map(str::to_owned),
    };
    match v {
        Some(v) if f.prefix => v.to_lowercase().starts_with(&f.value.to_lowercase()),
        Some(v) => v.eq_ignore_ascii_case(&f.value),
        None => false,
    }
}

fn limit_of(limit: Option<i32>, max: i32) -> Result<usize, ApiError> {
    let l = limit.unwrap_or(max);
    if !(0..=max).contains(&l) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{l}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to {max}"
        )));
    }
    Ok(usize::try_from(if l == 0 { max } else { l }).unwrap_or(60))
}

fn decode_token(t: Option<&str>) -> Result<Option<String>, ApiError> {
    match t {
        None | Some("") => Ok(None),
        Some(t) => B64URL
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| invalid("Invalid pagination token")),
    }
}

/// One page of a sorted list keyed by name.
/// A page of a pool's users that `keep` accepts, by username, after `after`; and the next
/// page's token. Users are read from the database in batches (never all at once).
fn page_users(
    st: &State,
    pool_id: &str,
    after: Option<&str>,
    limit: usize,
    keep: impl Fn(&User) -> bool,
) -> Result<(Vec<User>, Option<String>), ApiError> {
    let mut out: Vec<User> = Vec::new();
    let mut cursor = after.map(str::to_owned);
    loop {
        let batch = st.users_after(pool_id, cursor.as_deref(), 500)?;
        let Some(last) = batch.last() else {
            return Ok((out, None));
        };
        cursor = Some(last.username.clone());
        for u in batch {
            if keep(&u) {
                if out.len() == limit {
                    let next = out.last().map(|l| B64URL.encode(l.username.as_bytes()));
                    return Ok((out, next));
                }
                out.push(u);
            }
        }
    }
}

fn page<'a, T: 'a>(
    items: impl Iterator<Item = (&'a String, T)>,
    after: Option<&str>,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    let mut out = Vec::new();
    let mut last: Option<&String> = None;
    let mut more = false;
    for (k, v) in items {
        if after.is_some_and(|a| k.as_str() <= a) {
            continue;
        }
        if out.len() == limit {
            more = true;
            break;
        }
        last = Some(k);
        out.push(v);
    }
    let next = if more {
        last.map(|k| B64URL.encode(k.as_bytes()))
    } else {
        None
    };
    (out, next)
}

fn project(mut t: UserType, attrs: &Option<Vec<String>>) -> UserType {
    if let Some(keep) = attrs {
        t.attributes = t.attributes.map(|list| {
            list.into_iter()
                .filter(|a| keep.contains(&a.name))
                .collect()
        });
    }
    t
}

pub(crate) fn list_users(inner: &Ctx, r: ListUsersRequest) -> Result<ListUsersResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let filter = parse_filter(r.filter.as_deref().unwrap_or(""))?;
    let limit = limit_of(r.limit, 60)?;
    let after = decode_token(r.pagination_token.as_deref())?;
    let (users, next) = page_users(&st, &pool.id, after.as_deref(), limit, |u| {
        filter.as_ref().is_none_or(|f| matches(f, u))
    })?;
    Ok(ListUsersResponse::builder()
        .set_pagination_token(next)
        .set_users(Some(
            users
                .iter()
                .map(|u| project(user_type(u), &r.attributes_to_get))
                .collect(),
        ))
        .build())
}

// ---- groups ----

fn group_type(pool_id: &str, g: &Group) -> GroupType {
    GroupType::builder()
        .creation_date(EpochSeconds::from_secs(g.created))
        .set_description(g.description.clone())
        .group_name(g.name.clone())
        .last_modified_date(EpochSeconds::from_secs(g.modified))
        .set_precedence(g.precedence)
        .set_role_arn(g.role_arn.clone())
        .user_pool_id(pool_id.to_owned())
        .build()
}

fn group_not_found() -> ApiError {
    not_found("Group not found.")
}

fn group<'a>(pool: &'a Pool, name: &str) -> Result<&'a Group, ApiError> {
    pool.groups.get(name).ok_or_else(group_not_found)
}

pub(crate) fn create_group(
    inner: &Ctx,
    r: CreateGroupRequest,
) -> Result<CreateGroupResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let pool = st.pool_mut(&r.user_pool_id)?;
    if r.group_name.is_empty() || r.group_name.len() > 128 {
        return Err(invalid("Group name must be 1 to 128 characters"));
    }
    if pool.groups.contains_key(&r.group_name) {
        return Err(ApiError::new(
            "GroupExistsException",
            format!("A group with the name {} already exists.", r.group_name),
        ));
    }
    let g = Group {
        name: r.group_name.clone(),
        description: r.description,
        precedence: r.precedence,
        role_arn: r.role_arn,
        created: now,
        modified: now,
    };
    let out = group_type(&r.user_pool_id, &g);
    pool.groups.insert(r.group_name, g);
    Ok(CreateGroupResponse::builder().group(out).build())
}

pub(crate) fn get_group(inner: &Ctx, r: GetGroupRequest) -> Result<GetGroupResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    Ok(GetGroupResponse::builder()
        .group(group_type(&r.user_pool_id, group(pool, &r.group_name)?))
        .build())
}

pub(crate) fn update_group(
    inner: &Ctx,
    r: UpdateGroupRequest,
) -> Result<UpdateGroupResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let pool = st.pool_mut(&r.user_pool_id)?;
    let g = pool
        .groups
        .get_mut(&r.group_name)
        .ok_or_else(group_not_found)?;
    if r.description.is_some() {
        g.description = r.description;
    }
    if r.precedence.is_some() {
        g.precedence = r.precedence;
    }
    if r.role_arn.is_some() {
        g.role_arn = r.role_arn;
    }
    g.modified = now;
    Ok(UpdateGroupResponse::builder()
        .group(group_type(&r.user_pool_id, g))
        .build())
}

pub(crate) fn delete_group(inner: &Ctx, r: DeleteGroupRequest) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    let pool = st.pool_mut(&r.user_pool_id)?;
    pool.groups
        .remove(&r.group_name)
        .ok_or_else(group_not_found)?;
    let mut members = Vec::new();
    st.for_each_user(&r.user_pool_id, |u| {
        if u.groups.contains(&r.group_name) {
            members.push(u.username.clone());
        }
        Ok(())
    })?;
    for name in members {
        if let Some(mut u) = st.user_exact_mut(&r.user_pool_id, &name)? {
            u.groups.remove(&r.group_name);
        }
    }
    Ok(Empty {})
}

pub(crate) fn list_groups(
    inner: &Ctx,
    r: ListGroupsRequest,
) -> Result<ListGroupsResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let limit = limit_of(r.limit, 60)?;
    let after = decode_token(r.next_token.as_deref())?;
    let (groups, next) = page(pool.groups.iter(), after.as_deref(), limit);
    Ok(ListGroupsResponse::builder()
        .set_groups(Some(
            groups
                .into_iter()
                .map(|g| group_type(&r.user_pool_id, g))
                .collect(),
        ))
        .set_next_token(next)
        .build())
}

pub(crate) fn admin_add_user_to_group(
    inner: &Ctx,
    r: AdminAddUserToGroupRequest,
) -> Result<Empty, ApiError> {
    let st = inner.lock();
    group(st.pool(&r.user_pool_id)?, &r.group_name)?;
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    u.groups.insert(r.group_name);
    Ok(Empty {})
}

pub(crate) fn admin_remove_user_from_group(
    inner: &Ctx,
    r: AdminRemoveUserFromGroupRequest,
) -> Result<Empty, ApiError> {
    let st = inner.lock();
    group(st.pool(&r.user_pool_id)?, &r.group_name)?;
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    u.groups.remove(&r.group_name);
    Ok(Empty {})
}

pub(crate) fn admin_list_groups_for_user(
    inner: &Ctx,
    r: AdminListGroupsForUserRequest,
) -> Result<AdminListGroupsForUserResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let u = st
        .find_user_record(&pool.id, r.username.expose())?
        .ok_or_else(user_not_found)?;
    let limit = limit_of(r.limit, 60)?;
    let after = decode_token(r.next_token.as_deref())?;
    let items = pool.groups.iter().filter(|(k, _)| u.groups.contains(*k));
    let (groups, next) = page(items, after.as_deref(), limit);
    Ok(AdminListGroupsForUserResponse::builder()
        .set_groups(Some(
            groups
                .into_iter()
                .map(|g| group_type(&r.user_pool_id, g))
                .collect(),
        ))
        .set_next_token(next)
        .build())
}

pub(crate) fn list_users_in_group(
    inner: &Ctx,
    r: ListUsersInGroupRequest,
) -> Result<ListUsersInGroupResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    group(pool, &r.group_name)?;
    let limit = limit_of(r.limit, 60)?;
    let after = decode_token(r.next_token.as_deref())?;
    let (users, next) = page_users(&st, &pool.id, after.as_deref(), limit, |u| {
        u.groups.contains(&r.group_name)
    })?;
    Ok(ListUsersInGroupResponse::builder()
        .set_next_token(next)
        .users(users.iter().map(user_type).collect::<Vec<_>>())
        .build())
}

// ---- devices ----

pub(crate) fn admin_get_device(
    inner: &Ctx,
    r: AdminGetDeviceRequest,
) -> Result<AdminGetDeviceResponse, ApiError> {
    let st = inner.lock();
    let u = user_of(&st, &r.user_pool_id, &r.username)?;
    let d = u
        .devices
        .get(&r.device_key)
        .filter(|d| d.verifier.is_some())
        .ok_or_else(|| not_found("Device does not exist."))?;
    Ok(AdminGetDeviceResponse::builder()
        .device(ops::device_type(d))
        .build()?)
}

pub(crate) fn admin_list_devices(
    inner: &Ctx,
    r: AdminListDevicesRequest,
) -> Result<AdminListDevicesResponse, ApiError> {
    let st = inner.lock();
    let u = user_of(&st, &r.user_pool_id, &r.username)?;
    let (devices, next) = ops::list_device_types(&u, r.limit, r.pagination_token.as_deref());
    Ok(AdminListDevicesResponse::builder()
        .devices(devices)
        .set_pagination_token(next)
        .build())
}

pub(crate) fn admin_update_device_status(
    inner: &Ctx,
    r: AdminUpdateDeviceStatusRequest,
) -> Result<AdminUpdateDeviceStatusResponse, ApiError> {
    let st = inner.lock();
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    ops::set_device_status(
        inner,
        &mut u,
        &r.device_key,
        r.device_remembered_status.as_ref(),
    )?;
    Ok(AdminUpdateDeviceStatusResponse::default())
}

pub(crate) fn admin_forget_device(
    inner: &Ctx,
    r: AdminForgetDeviceRequest,
) -> Result<Empty, ApiError> {
    let st = inner.lock();
    let mut u = user_of(&st, &r.user_pool_id, &r.username)?;
    u.devices
        .remove(&r.device_key)
        .ok_or_else(|| not_found("Device does not exist."))?;
    Ok(Empty {})
}

#[cfg(test)]
mod filter_tests {
    use super::parse_filter;

    fn parsed(s: &str) -> Option<(String, bool, String)> {
        parse_filter(s)
            .ok()
            .flatten()
            .map(|f| (f.attr, f.prefix, f.value))
    }

    #[test]
    fn values_are_unescaped_and_operators_in_quotes_are_text() {
        assert_eq!(
            parsed(r#"name = "Jo \"The Q\" \\ Smith""#),
            Some(("name".into(), false, r#"Jo "The Q" \ Smith"#.into()))
        );
        assert_eq!(
            parsed(r#"name ^= "a=b^=c""#),
            Some(("name".into(), true, "a=b^=c".into()))
        );
        assert_eq!(
            parsed(r#""email"="x@y""#),
            Some(("email".into(), false, "x@y".into()))
        );
        assert_eq!(
            parsed(r#"username = """#),
            Some(("username".into(), false, String::new()))
        );
        for bad in [
            r#"name = "open"#,
            r#"name = "a" x"#,
            r#"name "a""#,
            r#"name = a"#,
            r#"= "a""#,
            r#"name = "a\""#,
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
        assert!(parse_filter(r#"locale = "en""#).is_err());
    }
}
