//! The token endpoint of a pool's domain, `POST /oauth2/token` (RFC 6749 section 3.2), for the
//! `client_credentials` grant (section 4.4): machine-to-machine access tokens with custom scopes
//! (and `aud` for an RFC 8707 `resource`), as Cognito issues them.
//!
//! A domain is reached on the emulator's port in two ways: by the `Host` header (the domain
//! itself, or `<prefix>.auth.<region>.amazoncognito.com` for a prefix domain), or by the path
//! prefix `/_domain/<domain>` (`http://127.0.0.1:PORT/_domain/my-app/oauth2/token`).
//!
//! Errors are RFC 6749's: `invalid_request`, `invalid_client` (401, with `WWW-Authenticate:
//! Basic` when the client authenticated with the header), `unauthorized_client`,
//! `unsupported_grant_type`, `invalid_scope`, and RFC 8707's `invalid_target`.

use crate::error::ApiError;
use crate::inner::Inner;
use crate::state::Client;
use crate::txn::Ctx;
use base64::Engine;
use cognito_wire::OAuthFlowType;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The path prefix that addresses a domain by name.
pub(crate) const DOMAIN_PATH_PREFIX: &str = "/_domain/";

/// An OAuth 2.0 error answer.
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
    /// Answer with `WWW-Authenticate: Basic` (the client authenticated with the header).
    pub basic_challenge: bool,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: 400,
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

/// The domain a request addresses and the path within it, if it addresses one: by the path
/// prefix `/_domain/<domain>`; else by a `Host` of a prefix domain
/// (`<prefix>.auth.<region>.amazoncognito.com`); else, for the OAuth 2.0 paths (`/oauth2/...`,
/// which the API never uses), by any other non-loopback `Host` (a custom domain). API calls
/// through a proxy or a container name keep working: their `Host` is not looked at.
pub(crate) fn domain_target(parts: &http::request::Parts) -> Option<(String, &str)> {
    let path = parts.uri.path();
    if let Some(rest) = path.strip_prefix(DOMAIN_PATH_PREFIX) {
        let domain = rest.split('/').next().unwrap_or_default();
        let sub = &rest[domain.len()..];
        return (!domain.is_empty()).then(|| (domain.to_ascii_lowercase(), sub));
    }
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.host())?;
    let name = host
        .rsplit_once(':')
        .map_or(host, |(n, _)| n)
        .to_ascii_lowercase();
    if let Some((prefix, rest)) = name.split_once(".auth.")
        && rest.ends_with(".amazoncognito.com")
    {
        return Some((prefix.to_owned(), path));
    }
    let loopback =
        name == "localhost" || name.parse::<std::net::IpAddr>().is_ok() || name.starts_with('[');
    (!loopback && path.starts_with("/oauth2/")).then_some((name, path))
}

/// Reads an `application/x-www-form-urlencoded` body; a parameter given twice is an error
/// (RFC 6749 section 3.2).
fn form(body: &[u8]) -> Result<Map<String, Value>, OAuthError> {
    let mut out = Map::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if out.insert(k.to_string(), json!(v)).is_some() {
            return Err(OAuthError::new(
                "invalid_request",
                format!("the parameter {k} is given more than once"),
            ));
        }
    }
    Ok(out)
}

/// The client's credentials: HTTP Basic (RFC 6749 section 2.3.1, form-encoded id and secret)
/// or `client_id` / `client_secret` in the body, not both.
fn credentials(
    headers: &http::HeaderMap,
    params: &Map<String, Value>,
) -> Result<(String, Option<String>, bool), OAuthError> {
    let param = |k: &str| params.get(k).and_then(Value::as_str).map(str::to_owned);
    let basic = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
        });
    match basic {
        Some(encoded) => {
            if params.contains_key("client_secret") {
                return Err(OAuthError::new(
                    "invalid_request",
                    "the client authenticated twice (Authorization header and client_secret): use one",
                ));
            }
            let bad = || OAuthError {
                status: 401,
                error: "invalid_client",
                description:
                    "the Authorization header is not Basic base64(client_id:client_secret)".into(),
                basic_challenge: true,
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| bad())?;
            let raw = String::from_utf8(raw).map_err(|_| bad())?;
            let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
            let decode = |s: &str| -> Result<String, OAuthError> {
                let plus = s.replace('+', " ");
                percent_decode(&plus).ok_or_else(bad)
            };
            let id = decode(id)?;
            if param("client_id").is_some_and(|p| p != id) {
                return Err(OAuthError::new(
                    "invalid_request",
                    "client_id in the body differs from the Authorization header's",
                ));
            }
            Ok((id, Some(decode(secret)?), true))
        }
        None => {
            let id = param("client_id").ok_or_else(|| OAuthError {
                status: 401,
                error: "invalid_client",
                description: "no client credentials: send Authorization: Basic or client_id".into(),
                basic_challenge: true,
            })?;
            Ok((id, param("client_secret"), false))
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|v| v.into_owned())
}

/// Checks the client's secret (any active one) in constant time.
fn authenticate(client: &Client, secret: Option<&str>, basic: bool) -> Result<(), OAuthError> {
    let ok = match (client.secret.is_some(), secret) {
        (false, _) => true,
        (true, Some(given)) => crate::secrets::matches(client, given),
        (true, None) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(OAuthError {
            status: 401,
            error: "invalid_client",
            description: "client authentication failed".into(),
            basic_challenge: basic,
        })
    }
}

/// The scopes a machine-to-machine token gets: the ones asked for, each among the client's
/// `AllowedOAuthScopes` (else the first one that is not), or all of those when none is asked.
fn granted_scopes(client: &Client, asked: Option<Vec<String>>) -> Result<Vec<String>, String> {
    let allowed = settings(client).allowed_o_auth_scopes.unwrap_or_default();
    match asked {
        Some(asked) if !asked.is_empty() => match asked.iter().find(|a| !allowed.contains(a)) {
            Some(bad) => Err(bad.clone()),
            None => Ok(asked),
        },
        _ => Ok(allowed),
    }
}

/// The OAuth settings of an app client (as `CreateUserPoolClient` stored them).
fn settings(client: &Client) -> cognito_wire::UserPoolClientType {
    serde_json::from_value(client.extra.clone()).unwrap_or_default()
}

/// `POST /oauth2/token` on `domain`.
pub(crate) fn token(
    inner: &Arc<Inner>,
    domain: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Result<Value, OAuthError>, ApiError> {
    let is_form = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Ok(Err(OAuthError::new(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        )));
    }
    let params = match form(body) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    crate::txn::transact(inner, |ctx| Ok(grant(ctx, domain, headers, &params)))
}

fn grant(
    ctx: &Ctx,
    domain: &str,
    headers: &http::HeaderMap,
    params: &Map<String, Value>,
) -> Result<Value, OAuthError> {
    let param = |k: &str| params.get(k).and_then(Value::as_str);
    let (client_id, secret, basic) = credentials(headers, params)?;
    let mut st = ctx.lock();
    let Some(pool_id) = crate::oauth_config::owner(st.pools.values(), domain).map(|p| p.id.clone())
    else {
        return Err(OAuthError {
            status: 404,
            error: "invalid_request",
            description: format!("no user pool has the domain {domain}"),
            basic_challenge: false,
        });
    };
    let pool = st
        .pools
        .get(&pool_id)
        .ok_or_else(|| OAuthError::new("invalid_request", "the pool is gone"))?;
    let client = pool.clients.get(&client_id).cloned().ok_or(OAuthError {
        status: 401,
        error: "invalid_client",
        description: "client authentication failed".into(),
        basic_challenge: basic,
    })?;
    authenticate(&client, secret.as_deref(), basic)?;
    match param("grant_type") {
        None => Err(OAuthError::new("invalid_request", "grant_type is required")),
        Some("client_credentials") => {
            let s = settings(&client);
            let allowed_flow = s.allowed_o_auth_flows_user_pool_client == Some(true)
                && s.allowed_o_auth_flows
                    .iter()
                    .flatten()
                    .any(|f| *f == OAuthFlowType::ClientCredentials);
            if !allowed_flow || client.secret.is_none() {
                return Err(OAuthError::new(
                    "unauthorized_client",
                    "the app client may not use the client_credentials grant (AllowedOAuthFlows)",
                ));
            }
            let asked = param("scope").map(|a| {
                a.split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            });
            let scopes = granted_scopes(&client, asked).map_err(|bad| {
                OAuthError::new(
                    "invalid_scope",
                    format!("the scope {bad} is not allowed for this app client"),
                )
            })?;
            let resource = param("resource").map(str::to_owned);
            if let Some(r) = &resource
                && !pool.resource_servers.contains_key(r)
            {
                return Err(OAuthError::new(
                    "invalid_target",
                    format!("the resource {r} is not a resource server of this user pool"),
                ));
            }
            let ttl = client
                .spec
                .access_token_validity_secs
                .unwrap_or(pool.spec.access_token_validity_secs);
            let pool = st
                .pools
                .get_mut(&pool_id)
                .ok_or_else(|| OAuthError::new("invalid_request", "the pool is gone"))?;
            let token = crate::tokens::client_access_token(
                ctx,
                pool,
                &client.id,
                &scopes,
                resource.as_deref(),
                ttl,
            )
            .map_err(|e| OAuthError {
                status: 500,
                error: "server_error",
                description: e.message,
                basic_challenge: false,
            })?;
            Ok(json!({
                "access_token": token,
                "expires_in": ttl,
                "token_type": "Bearer",
            }))
        }
        Some(other @ ("authorization_code" | "refresh_token")) => Err(OAuthError::new(
            "unsupported_grant_type",
            format!("the emulator's token endpoint does not serve the {other} grant yet"),
        )),
        Some(other) => Err(OAuthError::new(
            "unsupported_grant_type",
            format!("{other} is not a grant type of Cognito's token endpoint"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// GetClientToken: the same machine-to-machine token through the API.

/// The explicit auth flow that enables `GetClientToken` (the only flow such a client may have).
pub(crate) const CLIENT_TOKEN_FLOW: &str = "ALLOW_CLIENT_TOKEN_AUTH";

/// `GetClientToken`: an access token of the app client (its id and secret), with scopes among
/// its `AllowedOAuthScopes` (none given: all of them); the client must have
/// `ALLOW_CLIENT_TOKEN_AUTH`.
pub(crate) fn get_client_token(
    ctx: &Ctx,
    r: cognito_wire::GetClientTokenRequest,
) -> Result<cognito_wire::GetClientTokenResponse, ApiError> {
    let mut st = ctx.lock();
    let (pool_id, client) = crate::ops::client_of(&st, r.client_id.expose())?;
    if !crate::secrets::matches(&client, r.secret.expose()) {
        return Err(crate::error::not_authorized(format!(
            "Unable to verify the secret of client {}",
            client.id
        )));
    }
    if !client
        .spec
        .explicit_auth_flows
        .iter()
        .any(|f| f == CLIENT_TOKEN_FLOW)
    {
        return Err(ApiError::new(
            "OperationNotEnabledException",
            format!(
                "{CLIENT_TOKEN_FLOW} is not enabled for client {}: add it to its ExplicitAuthFlows (as its only flow)",
                client.id
            ),
        ));
    }
    let scopes = granted_scopes(&client, r.scopes).map_err(|bad| {
        crate::error::invalid(format!(
            "Invalid scope requested: {bad} (not in the client's AllowedOAuthScopes)"
        ))
    })?;
    if scopes.is_empty() {
        return Err(crate::error::invalid(
            "The client has no AllowedOAuthScopes: give it custom scopes of a resource server",
        ));
    }
    let pool = st.pool_mut(&pool_id)?;
    let ttl = client
        .spec
        .access_token_validity_secs
        .unwrap_or(pool.spec.access_token_validity_secs);
    let token = crate::tokens::client_access_token(ctx, pool, &client.id, &scopes, None, ttl)?;
    Ok(cognito_wire::GetClientTokenResponse::builder()
        .client_authentication_result(
            cognito_wire::ClientAuthenticationResultType::builder()
                .access_token(token)
                .expires_in(i32::try_from(ttl).unwrap_or(i32::MAX))
                .token_type("Bearer")
                .build(),
        )
        .build())
}
