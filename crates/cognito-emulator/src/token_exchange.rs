//! `GetDerivedToken`: RFC 8693 token exchange through the API. An app client presents a user's
//! token (the subject, a Cognito access or id token of the pool) and gets an access token for a
//! downstream service: its scopes narrowed to what the subject had, the client may have and
//! the request asks for; its `aud` the requested audiences or resource servers; with an actor
//! token, an `act` claim naming the intermediary (delegation).
//!
//! The client authenticates with its id and secret (no AWS credentials needed); it must have
//! `ALLOW_TOKEN_EXCHANGE_IMPERSONATION` (no actor) or `ALLOW_TOKEN_EXCHANGE_DELEGATION` (an
//! actor) among its explicit auth flows.

use crate::error::{ApiError, invalid, not_authorized};
use crate::txn::Ctx;
use cognito_wire::{
    GetDerivedTokenRequest, GetDerivedTokenResponse, IssuedTokenTypeIdentifierType,
    OAuthTokenTypeType, TokenTypeIdentifierType,
};
use serde_json::{Map, Value, json};

/// The explicit auth flow for an exchange without an actor token.
pub(crate) const IMPERSONATION_FLOW: &str = "ALLOW_TOKEN_EXCHANGE_IMPERSONATION";
/// The explicit auth flow for an exchange with an actor token.
pub(crate) const DELEGATION_FLOW: &str = "ALLOW_TOKEN_EXCHANGE_DELEGATION";

fn kind(t: &TokenTypeIdentifierType) -> Result<&'static str, ApiError> {
    match t {
        TokenTypeIdentifierType::AccessToken => Ok("access"),
        TokenTypeIdentifierType::IdToken => Ok("id"),
        other => Err(invalid(format!(
            "The emulator exchanges Amazon Cognito tokens of the user pool (ACCESS_TOKEN or ID_TOKEN), not {}",
            other.as_str()
        ))),
    }
}

pub(crate) fn get_derived_token(
    ctx: &Ctx,
    r: GetDerivedTokenRequest,
) -> Result<GetDerivedTokenResponse, ApiError> {
    let mut st = ctx.lock();
    let (pool_id, client) = crate::ops::client_of(&st, r.client_id.expose())?;
    if client.secret.is_some() {
        let ok = r
            .client_secret
            .as_ref()
            .is_some_and(|s| crate::secrets::matches(&client, s.expose()));
        if !ok {
            return Err(not_authorized(format!(
                "Unable to verify the secret of client {}",
                client.id
            )));
        }
    }
    let flow = if r.actor_token.is_some() {
        DELEGATION_FLOW
    } else {
        IMPERSONATION_FLOW
    };
    if !client.spec.explicit_auth_flows.iter().any(|f| f == flow) {
        return Err(ApiError::new(
            "OperationNotEnabledException",
            format!(
                "{flow} is not enabled for client {}: add it to its ExplicitAuthFlows",
                client.id
            ),
        ));
    }
    if r.subject_token_provider_name.is_some() || r.actor_token_provider_name.is_some() {
        return Err(invalid(
            "The emulator exchanges Amazon Cognito tokens only: leave the provider names out",
        ));
    }
    if r.audiences.is_some() && r.resources.is_some() {
        return Err(invalid(
            "Audiences and Resources cannot both be given: choose one",
        ));
    }
    match &r.requested_token_type {
        None | Some(IssuedTokenTypeIdentifierType::AccessToken) => {}
        Some(other) => {
            return Err(invalid(format!(
                "The emulator issues ACCESS_TOKEN from a token exchange, not {}",
                other.as_str()
            )));
        }
    }
    let subject = crate::tokens::verify_user_token(
        ctx,
        &mut st,
        r.subject_token.expose(),
        kind(&r.subject_token_type)?,
        None,
    )?;
    if subject.pool_id != pool_id {
        return Err(not_authorized("The subject token is not of this user pool"));
    }
    let actor = match (&r.actor_token, &r.actor_token_type) {
        (Some(token), Some(t)) => {
            let a = crate::tokens::verify_user_token(ctx, &mut st, token.expose(), kind(t)?, None)?;
            Some(a.claims.get("sub").cloned().unwrap_or(Value::Null))
        }
        (Some(_), None) => return Err(invalid("ActorTokenType is required with an ActorToken")),
        _ => None,
    };
    let pool = st.pool(&pool_id)?;
    if let Some(bad) = r
        .resources
        .iter()
        .flatten()
        .find(|res| !pool.resource_servers.contains_key(*res))
    {
        return Err(invalid(format!(
            "{bad} is not a resource server of the user pool"
        )));
    }
    // The subject's scopes (an id token has none: the client's), those the client may have,
    // and those asked for (none asked: the subject's).
    let allowed = crate::oauth_token::settings(&client)
        .allowed_o_auth_scopes
        .unwrap_or_default();
    let had: Vec<String> = match subject.claims.get("scope").and_then(Value::as_str) {
        Some(s) => s.split(' ').map(str::to_owned).collect(),
        None => allowed.clone(),
    };
    let mut scopes: Vec<String> = had
        .into_iter()
        .filter(|s| allowed.contains(s) || *s == "aws.cognito.signin.user.admin")
        .collect();
    if let Some(asked) = &r.scopes {
        scopes.retain(|s| asked.contains(s));
    }
    let audiences: Vec<String> = r
        .audiences
        .clone()
        .or_else(|| r.resources.clone())
        .unwrap_or_default();
    let ttl = client
        .spec
        .access_token_validity_secs
        .unwrap_or(pool.spec.access_token_validity_secs);
    let now = ctx.now();
    let iss = ctx.issuer(pool);
    let get = |k: &str| subject.claims.get(k).cloned().unwrap_or(Value::Null);
    let mut claims = Map::new();
    claims.insert("sub".into(), get("sub"));
    if !audiences.is_empty() {
        claims.insert("aud".into(), json!(audiences));
    }
    if let Some(a) = actor {
        claims.insert("act".into(), json!({"sub": a}));
    }
    claims.insert("iss".into(), json!(iss));
    claims.insert("client_id".into(), json!(client.id));
    claims.insert("origin_jti".into(), get("origin_jti"));
    claims.insert("token_use".into(), json!("access"));
    claims.insert("scope".into(), json!(scopes.join(" ")));
    claims.insert("auth_time".into(), get("auth_time"));
    claims.insert(
        "exp".into(),
        json!(now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX))),
    );
    claims.insert("iat".into(), json!(now));
    claims.insert("jti".into(), json!(ctx.rng.uuid()));
    claims.insert("username".into(), json!(subject.username));
    claims.insert("version".into(), json!(2));
    let pool = st.pool_mut(&pool_id)?;
    let token = crate::tokens::sign(ctx, pool, claims)?;
    Ok(GetDerivedTokenResponse::builder()
        .issued_token(token)
        .issued_token_type(IssuedTokenTypeIdentifierType::AccessToken)
        .token_type(OAuthTokenTypeType::Bearer)
        .expires_in(i32::try_from(ttl).unwrap_or(i32::MAX))
        .scopes(scopes)
        .build()?)
}
