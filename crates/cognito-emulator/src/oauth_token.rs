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
/// (`<prefix>.auth.<region>.amazoncognito.com`); else, for the OAuth 2.0 paths (`/oauth2/...`)
/// and the managed login pages (`/login`, `/logout`, ...), which the API never uses, by any
/// other non-loopback `Host` (a custom domain). API calls
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
    let page = path.starts_with("/oauth2/")
        || matches!(
            path,
            "/login"
                | "/signup"
                | "/confirm"
                | "/forgotPassword"
                | "/confirmForgotPassword"
                | "/logout"
        );
    (!loopback && page).then_some((name, path))
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
pub(crate) fn settings(client: &Client) -> cognito_wire::UserPoolClientType {
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
        Some("authorization_code") => {
            let code = param("code")
                .ok_or_else(|| OAuthError::new("invalid_request", "code is required"))?;
            code_grant(ctx, &mut st, &pool_id, &client, code, params)
        }
        Some("refresh_token") => {
            let token = param("refresh_token")
                .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is required"))?;
            // The client authenticated with its secret: that stands in for SECRET_HASH.
            let mut unsecret = client.clone();
            unsecret.secret = None;
            unsecret.secrets.clear();
            let result =
                crate::auth::refresh(ctx, &mut st, &pool_id, &unsecret, token, None, None, None)
                    .map_err(|e| match e.code.as_str() {
                        "NotAuthorizedException" | "RefreshTokenReuseException" => {
                            OAuthError::new("invalid_grant", e.message)
                        }
                        _ => issue_error(e),
                    })?;
            Ok(token_answer(result, true))
        }
        Some(other) => Err(OAuthError::new(
            "unsupported_grant_type",
            format!("{other} is not a grant type of Cognito's token endpoint"),
        )),
    }
}

fn server_error(e: ApiError) -> OAuthError {
    OAuthError {
        status: 500,
        error: "server_error",
        description: e.message,
        basic_challenge: false,
    }
}

/// The token endpoint's answer for a user's tokens: the id token only with `openid` (when the
/// access token carries OAuth scopes).
fn token_answer(r: cognito_wire::AuthenticationResultType, refresh: bool) -> Value {
    let access = r.access_token.as_ref().map(|t| t.expose().to_owned());
    let openid = access
        .as_deref()
        .and_then(cognito_auth_scope)
        .is_none_or(|scopes| scopes.split(' ').any(|s| s == "openid"));
    let mut out = Map::new();
    if let Some(a) = access {
        out.insert("access_token".into(), json!(a));
    }
    if openid && let Some(id) = &r.id_token {
        out.insert("id_token".into(), json!(id.expose()));
    }
    if refresh && let Some(rt) = &r.refresh_token {
        out.insert("refresh_token".into(), json!(rt.expose()));
    }
    out.insert("token_type".into(), json!("Bearer"));
    out.insert("expires_in".into(), json!(r.expires_in.unwrap_or(3600)));
    Value::Object(out)
}

/// The `scope` claim of a token this emulator signed (read without checking: it was just made).
fn cognito_auth_scope(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    claims.get("scope")?.as_str().map(str::to_owned)
}

/// The `authorization_code` grant: the code is used up whatever the answer; the redirect URI
/// must be the authorize request's; the PKCE verifier must hash to its challenge (S256).
fn code_grant(
    ctx: &Ctx,
    st: &mut crate::txn::State,
    pool_id: &str,
    client: &Client,
    code: &str,
    params: &Map<String, Value>,
) -> Result<Value, OAuthError> {
    use crate::hosted::Grant;
    let param = |k: &str| params.get(k).and_then(Value::as_str);
    let bad = |why: &str| OAuthError::new("invalid_grant", why.to_owned());
    let grant: Option<Grant> = st.grant(code, ctx.now()).map_err(server_error)?;
    let Some(Grant::Code(g)) = grant else {
        return Err(bad("the code is unknown, used or expired"));
    };
    let checked = (|| {
        if g.client_id != client.id || g.pool_id != pool_id {
            return Err(bad("the code was issued to another app client"));
        }
        if param("redirect_uri") != Some(g.redirect_uri.as_str()) {
            return Err(bad(
                "redirect_uri must be the one of the authorize request, exactly",
            ));
        }
        match (&g.code_challenge, param("code_verifier")) {
            (Some(challenge), Some(verifier)) => {
                let shaped = (43..=128).contains(&verifier.len())
                    && verifier
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
                let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
                let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                if !shaped || !crate::inner::ct_eq(computed.as_bytes(), challenge.as_bytes()) {
                    return Err(bad(
                        "the code_verifier does not match the code_challenge (PKCE, S256)",
                    ));
                }
            }
            (Some(_), None) => {
                return Err(OAuthError::new(
                    "invalid_request",
                    "code_verifier is required: the authorize request had a code_challenge",
                ));
            }
            (None, _) => {}
        }
        if !st.get_user(pool_id, &g.username).is_some_and(|u| u.enabled) {
            return Err(bad("the user is disabled or gone"));
        }
        Ok(())
    })();
    // The tokens are made (the pre token generation trigger runs) before the request's first
    // write; the code is used up afterwards, whatever the answer.
    let out = checked.and_then(|()| {
        crate::tokens::issue(
            ctx,
            st,
            crate::tokens::Issue {
                pool_id: pool_id.to_owned(),
                client_id: client.id.clone(),
                username: g.username.clone(),
                auth_time: g.auth_time,
                new_refresh: true,
                grant: Some(crate::tokens::OAuthGrant {
                    scopes: g.scopes.clone(),
                    nonce: g.nonce.clone(),
                    resource: g.resource.clone(),
                }),
                ..Default::default()
            },
        )
        .map_err(issue_error)
    });
    st.delete_grant(code).map_err(server_error)?;
    Ok(token_answer(out?, true))
}

/// A failure to issue tokens: a Lambda trigger's refusal or failure is the request's fault
/// (`invalid_request` with Cognito's message); anything else is the server's.
fn issue_error(e: ApiError) -> OAuthError {
    if e.code.contains("Lambda") {
        OAuthError::new("invalid_request", format!("{}: {}", e.code, e.message))
    } else {
        server_error(e)
    }
}

/// The domain's pool and the client that authenticated on it (`/oauth2/revoke`).
fn client_on_domain(
    st: &crate::txn::State,
    domain: &str,
    headers: &http::HeaderMap,
    params: &Map<String, Value>,
) -> Result<(String, Client), OAuthError> {
    let (client_id, secret, basic) = credentials(headers, params)?;
    let pool = crate::oauth_config::owner(st.pools.values(), domain).ok_or_else(|| OAuthError {
        status: 404,
        error: "invalid_request",
        description: format!("no user pool has the domain {domain}"),
        basic_challenge: false,
    })?;
    let client = pool.clients.get(&client_id).cloned().ok_or(OAuthError {
        status: 401,
        error: "invalid_client",
        description: "client authentication failed".into(),
        basic_challenge: basic,
    })?;
    authenticate(&client, secret.as_deref(), basic)?;
    Ok((pool.id.clone(), client))
}

/// `POST /oauth2/revoke` (RFC 7009): revokes a refresh token and the tokens issued with it.
pub(crate) fn revoke(
    inner: &Arc<Inner>,
    domain: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Result<Value, OAuthError>, ApiError> {
    let params = match form(body) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    crate::txn::transact(inner, |ctx| {
        let (_, client) = {
            let st = ctx.lock();
            match client_on_domain(&st, domain, headers, &params) {
                Ok(c) => c,
                Err(e) => return Ok(Err(e)),
            }
        };
        let Some(token) = params.get("token").and_then(Value::as_str) else {
            return Ok(Err(OAuthError::new("invalid_request", "token is required")));
        };
        let secret = crate::secrets::active(&client).next().map(str::to_owned);
        let r = cognito_wire::RevokeTokenRequest::builder()
            .client_id(client.id.clone())
            .token(token.to_owned())
            .set_client_secret(secret.map(Into::into))
            .build()?;
        match crate::ops::revoke_token(ctx, r) {
            Ok(_) => Ok(Ok(json!({}))),
            Err(e) => Ok(Err(match e.code.as_str() {
                "UnsupportedTokenTypeException" => {
                    OAuthError::new("unsupported_token_type", e.message)
                }
                "UnsupportedOperationException" => OAuthError::new(
                    "unsupported_token_type",
                    "token revocation is not enabled for this app client (EnableTokenRevocation)",
                ),
                _ => OAuthError::new("invalid_request", e.message),
            })),
        }
    })
}

/// `GET|POST /oauth2/userInfo`: the user of a bearer access token with `openid`, as Cognito
/// answers: `sub`, `username` and the attributes the token's scopes cover (`email`: email and
/// `email_verified`; `phone`: phone number and `phone_number_verified`; `profile` or
/// `aws.cognito.signin.user.admin`: all the client may read), booleans as strings.
pub(crate) fn user_info(
    inner: &Arc<Inner>,
    domain: &str,
    headers: &http::HeaderMap,
) -> Result<Result<Value, OAuthError>, ApiError> {
    let invalid = |why: &str| OAuthError {
        status: 401,
        error: "invalid_token",
        description: why.to_owned(),
        basic_challenge: false,
    };
    let Some(token) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned())
    else {
        return Ok(Err(invalid(
            "send the access token as Authorization: Bearer <token>",
        )));
    };
    crate::txn::transact(inner, |ctx| {
        let mut st = ctx.lock();
        let caller = match crate::tokens::verify_bearer(ctx, &mut st, &token, "openid") {
            Ok(c) => c,
            Err(e) if e.message.contains("scopes") => {
                return Ok(Err(OAuthError {
                    status: 403,
                    error: "insufficient_scope",
                    description: "the access token does not have the openid scope".into(),
                    basic_challenge: false,
                }));
            }
            Err(e) => return Ok(Err(invalid(&e.message))),
        };
        let on_domain = crate::oauth_config::owner(st.pools.values(), domain)
            .is_some_and(|p| p.id == caller.pool_id);
        if !on_domain {
            return Ok(Err(invalid("the token is not of this domain's user pool")));
        }
        let scopes: Vec<&str> = caller
            .claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(' ')
            .collect();
        let client_id = caller
            .claims
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let readable = st
            .pool(&caller.pool_id)?
            .clients
            .get(client_id)
            .and_then(|c| c.spec.read_attributes.clone());
        let user = st
            .get_user(&caller.pool_id, &caller.username)
            .ok_or_else(crate::error::user_not_found)?;
        let all = scopes
            .iter()
            .any(|s| *s == "profile" || *s == "aws.cognito.signin.user.admin");
        let mut out = Map::new();
        out.insert("sub".into(), json!(user.sub));
        for (k, v) in &user.attributes {
            let covered = all
                || (scopes.contains(&"email") && matches!(k.as_str(), "email" | "email_verified"))
                || (scopes.contains(&"phone")
                    && matches!(k.as_str(), "phone_number" | "phone_number_verified"));
            let may_read = readable.as_ref().is_none_or(|r| r.iter().any(|a| a == k));
            if covered && may_read && k != "sub" {
                out.insert(k.clone(), json!(v));
            }
        }
        out.insert("username".into(), json!(user.username));
        Ok(Ok(Value::Object(out)))
    })
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
