//! A pool's OAuth 2.0 configuration: its domains (`*UserPoolDomain`), its resource servers with
//! their custom scopes (`*ResourceServer*`), and the checks of an app client's OAuth settings
//! (`AllowedOAuthFlows`, `AllowedOAuthScopes`, `CallbackURLs`, `LogoutURLs`,
//! `DefaultRedirectURI`, `SupportedIdentityProviders`) on `CreateUserPoolClient` and
//! `UpdateUserPoolClient`, as Cognito's API reference describes them.

use crate::error::{ApiError, invalid};
use crate::state::Pool;
use crate::txn::Ctx;
use cognito_wire::*;

/// The scopes every pool knows (OpenID Connect's and Cognito's own).
pub(crate) const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// The identity provider name of the pool's own users.
const COGNITO_PROVIDER: &str = "COGNITO";

/// Words Cognito refuses in a prefix domain.
const RESERVED_IN_PREFIX: &[&str] = &["aws", "amazon", "cognito"];

fn domain_error(msg: impl Into<String>) -> ApiError {
    invalid(msg)
}

/// Whether `domain` is a custom (fully qualified) domain rather than a prefix.
fn is_custom(d: &DomainDescriptionType) -> bool {
    d.custom_domain_config.is_some()
}

/// Checks a prefix domain: lower-case letters, digits and hyphens, 1 to 63 characters, not
/// starting or ending with a hyphen, no reserved word.
fn check_prefix(domain: &str) -> Result<(), ApiError> {
    let shape_ok = !domain.is_empty()
        && domain.len() <= 63
        && domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !domain.starts_with('-')
        && !domain.ends_with('-');
    if !shape_ok {
        return Err(domain_error(format!(
            "1 validation error detected: Value '{domain}' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9](?:[a-z0-9\\-]{{0,61}}[a-z0-9])?$"
        )));
    }
    if let Some(word) = RESERVED_IN_PREFIX.iter().find(|w| domain.contains(*w)) {
        return Err(domain_error(format!(
            "Domain {domain} contains the reserved word {word}: choose a prefix without aws, amazon or cognito."
        )));
    }
    Ok(())
}

/// Checks a custom domain: a host name with at least two labels, and a certificate ARN.
fn check_custom(domain: &str, config: &CustomDomainConfigType) -> Result<(), ApiError> {
    let labels_ok = domain.len() <= 253
        && domain.split('.').count() >= 2
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if !labels_ok {
        return Err(domain_error(format!(
            "Domain {domain} is not a valid custom domain name: give a fully qualified host name such as auth.example.com."
        )));
    }
    if !config.certificate_arn.starts_with("arn:") {
        return Err(domain_error(format!(
            "CustomDomainConfig.CertificateArn '{}' is not an ARN: give the ACM certificate's ARN.",
            config.certificate_arn
        )));
    }
    Ok(())
}

fn check_version(v: Option<i32>) -> Result<i32, ApiError> {
    match v.unwrap_or(1) {
        v @ (1 | 2) => Ok(v),
        v => Err(invalid(format!(
            "ManagedLoginVersion {v} is not supported: use 1 (classic hosted UI) or 2 (managed login)."
        ))),
    }
}

/// The CloudFront host a custom domain points at (stable for a domain name).
fn cloudfront_for(domain: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, domain.as_bytes());
    let id: String = hex::encode(digest.as_ref()).chars().take(13).collect();
    format!("d{id}.cloudfront.net")
}

/// The pool holding `domain`, if any.
pub(crate) fn owner<'a>(pools: impl Iterator<Item = &'a Pool>, domain: &str) -> Option<&'a Pool> {
    let mut pools = pools;
    pools.find(|p| p.domains.contains_key(domain))
}

pub(crate) fn create_user_pool_domain(
    inner: &Ctx,
    r: CreateUserPoolDomainRequest,
) -> Result<CreateUserPoolDomainResponse, ApiError> {
    let mut st = inner.lock();
    st.pool(&r.user_pool_id)?;
    match &r.custom_domain_config {
        Some(config) => check_custom(&r.domain, config)?,
        None => check_prefix(&r.domain)?,
    }
    let version = check_version(r.managed_login_version)?;
    if owner(st.pools.values(), &r.domain).is_some() {
        return Err(domain_error(format!(
            "Domain {} is already associated with a user pool.",
            r.domain
        )));
    }
    let custom = r.custom_domain_config.is_some();
    let pool = st.pool_mut(&r.user_pool_id)?;
    if pool.domains.values().any(|d| is_custom(d) == custom) {
        return Err(domain_error(format!(
            "User pool {} already has a {} domain; delete it first.",
            r.user_pool_id,
            if custom { "custom" } else { "prefix" }
        )));
    }
    let cloudfront = cloudfront_for(&r.domain);
    let description = DomainDescriptionType::builder()
        .aws_account_id(crate::coverage::ACCOUNT_ID)
        .cloud_front_distribution(cloudfront.clone())
        .set_custom_domain_config(r.custom_domain_config.clone())
        .domain(r.domain.clone())
        .managed_login_version(version)
        .status(DomainStatusType::Active)
        .user_pool_id(r.user_pool_id.clone())
        .version("20260101000000")
        .build();
    pool.domains.insert(r.domain.clone(), description);
    Ok(CreateUserPoolDomainResponse::builder()
        .set_cloud_front_domain(custom.then_some(cloudfront))
        .managed_login_version(version)
        .build())
}

pub(crate) fn describe_user_pool_domain(
    inner: &Ctx,
    r: DescribeUserPoolDomainRequest,
) -> Result<DescribeUserPoolDomainResponse, ApiError> {
    let st = inner.lock();
    // An unknown domain is described as empty, as Cognito answers (it is how callers check that
    // a prefix is free).
    let description = owner(st.pools.values(), &r.domain)
        .and_then(|p| p.domains.get(&r.domain))
        .cloned()
        .unwrap_or_default();
    Ok(DescribeUserPoolDomainResponse::builder()
        .domain_description(description)
        .build())
}

fn pool_domain<'a>(
    pool: &'a mut Pool,
    domain: &str,
) -> Result<&'a mut DomainDescriptionType, ApiError> {
    let id = pool.id.clone();
    pool.domains.get_mut(domain).ok_or_else(|| {
        invalid(format!(
            "Domain {domain} does not belong to user pool {id}: no such domain or user pool exists."
        ))
    })
}

pub(crate) fn update_user_pool_domain(
    inner: &Ctx,
    r: UpdateUserPoolDomainRequest,
) -> Result<UpdateUserPoolDomainResponse, ApiError> {
    let mut st = inner.lock();
    let version = r.managed_login_version.map(Some).map(check_version);
    let pool = st.pool_mut(&r.user_pool_id)?;
    let d = pool_domain(pool, &r.domain)?;
    if let Some(config) = &r.custom_domain_config {
        if !is_custom(d) {
            return Err(invalid(format!(
                "Domain {} is a prefix domain: it has no certificate to update.",
                r.domain
            )));
        }
        check_custom(&r.domain, config)?;
        d.custom_domain_config = Some(config.clone());
    }
    if let Some(v) = version {
        d.managed_login_version = Some(v?);
    }
    let custom = is_custom(d);
    Ok(UpdateUserPoolDomainResponse::builder()
        .set_cloud_front_domain(custom.then(|| cloudfront_for(&r.domain)))
        .set_managed_login_version(d.managed_login_version)
        .build())
}

pub(crate) fn delete_user_pool_domain(
    inner: &Ctx,
    r: DeleteUserPoolDomainRequest,
) -> Result<DeleteUserPoolDomainResponse, ApiError> {
    let mut st = inner.lock();
    let pool = st.pool_mut(&r.user_pool_id)?;
    pool_domain(pool, &r.domain)?;
    pool.domains.remove(&r.domain);
    Ok(DeleteUserPoolDomainResponse::default())
}

/// The prefix and custom domains of a pool (`UserPoolType`'s `Domain` and `CustomDomain`).
pub(crate) fn pool_domains(pool: &Pool) -> (Option<String>, Option<String>) {
    let pick = |custom: bool| {
        pool.domains
            .iter()
            .find(|(_, d)| is_custom(d) == custom)
            .map(|(name, _)| name.clone())
    };
    (pick(false), pick(true))
}

/// `DeleteUserPool` on a pool with a domain fails, as in Cognito.
pub(crate) fn check_no_domain(pool: &Pool) -> Result<(), ApiError> {
    match pool.domains.keys().next() {
        Some(d) => Err(invalid(format!(
            "User pool cannot be deleted. It has a domain configured that should be deleted first ({d}: DeleteUserPoolDomain)."
        ))),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Resource servers.

fn check_identifier(id: &str) -> Result<(), ApiError> {
    // The model's pattern: [\x21\x23-\x5B\x5D-\x7E]+ (printable ASCII but space, " and \).
    let ok = !id.is_empty()
        && id.len() <= 256
        && id
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "1 validation error detected: Value '{id}' at 'identifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x5B\\x5D-\\x7E]+"
        )))
    }
}

fn check_scopes(scopes: &[ResourceServerScopeType]) -> Result<(), ApiError> {
    if scopes.len() > 100 {
        return Err(invalid(
            "1 validation error detected: Value at 'scopes' failed to satisfy constraint: Member must have length less than or equal to 100",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in scopes {
        let name = &s.scope_name;
        // The model's pattern: [\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+ (no space, ", / or \).
        let ok = !name.is_empty()
            && name.len() <= 256
            && name
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && !matches!(b, b'"' | b'/' | b'\\'));
        if !ok {
            return Err(invalid(format!(
                "1 validation error detected: Value '{name}' at 'scopes.member.scopeName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+"
            )));
        }
        if s.scope_description.is_empty() || s.scope_description.len() > 256 {
            return Err(invalid(format!(
                "1 validation error detected: Value at 'scopes.member.scopeDescription' of scope {name} failed to satisfy constraint: Member must have length between 1 and 256"
            )));
        }
        if !seen.insert(name.as_str()) {
            return Err(invalid(format!(
                "Scope {name} is listed twice: give each scope once."
            )));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.is_empty() || name.len() > 256 {
        return Err(invalid(
            "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length between 1 and 256",
        ));
    }
    Ok(())
}

fn server_not_found(pool: &str, id: &str) -> ApiError {
    crate::error::not_found(format!(
        "Resource server {id} does not exist in user pool {pool}."
    ))
}

pub(crate) fn create_resource_server(
    inner: &Ctx,
    r: CreateResourceServerRequest,
) -> Result<CreateResourceServerResponse, ApiError> {
    let mut st = inner.lock();
    check_identifier(&r.identifier)?;
    check_name(&r.name)?;
    let scopes = r.scopes.unwrap_or_default();
    check_scopes(&scopes)?;
    let pool = st.pool_mut(&r.user_pool_id)?;
    if pool.resource_servers.contains_key(&r.identifier) {
        return Err(invalid(format!(
            "A resource server with identifier {} already exists in this user pool.",
            r.identifier
        )));
    }
    if pool.resource_servers.len() >= 25 {
        return Err(ApiError::new(
            "LimitExceededException",
            "A user pool has at most 25 resource servers: delete one first.",
        ));
    }
    let server = ResourceServerType::builder()
        .identifier(r.identifier.clone())
        .name(r.name)
        .scopes(scopes)
        .user_pool_id(r.user_pool_id.clone())
        .build();
    pool.resource_servers.insert(r.identifier, server.clone());
    Ok(CreateResourceServerResponse::builder()
        .resource_server(server)
        .build()?)
}

pub(crate) fn describe_resource_server(
    inner: &Ctx,
    r: DescribeResourceServerRequest,
) -> Result<DescribeResourceServerResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let server = pool
        .resource_servers
        .get(&r.identifier)
        .cloned()
        .ok_or_else(|| server_not_found(&r.user_pool_id, &r.identifier))?;
    Ok(DescribeResourceServerResponse::builder()
        .resource_server(server)
        .build()?)
}

pub(crate) fn update_resource_server(
    inner: &Ctx,
    r: UpdateResourceServerRequest,
) -> Result<UpdateResourceServerResponse, ApiError> {
    let mut st = inner.lock();
    check_name(&r.name)?;
    // As in Cognito, the update states the whole server: absent scopes mean none.
    let scopes = r.scopes.unwrap_or_default();
    check_scopes(&scopes)?;
    let pool = st.pool_mut(&r.user_pool_id)?;
    let server = pool
        .resource_servers
        .get_mut(&r.identifier)
        .ok_or_else(|| server_not_found(&r.user_pool_id, &r.identifier))?;
    server.name = Some(r.name);
    server.scopes = Some(scopes);
    let server = server.clone();
    Ok(UpdateResourceServerResponse::builder()
        .resource_server(server)
        .build()?)
}

pub(crate) fn delete_resource_server(
    inner: &Ctx,
    r: DeleteResourceServerRequest,
) -> Result<Empty, ApiError> {
    let mut st = inner.lock();
    let pool = st.pool_mut(&r.user_pool_id)?;
    pool.resource_servers
        .remove(&r.identifier)
        .ok_or_else(|| server_not_found(&r.user_pool_id, &r.identifier))?;
    Ok(Empty {})
}

pub(crate) fn list_resource_servers(
    inner: &Ctx,
    r: ListResourceServersRequest,
) -> Result<ListResourceServersResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let max = r.max_results.unwrap_or(50);
    if !(1..=50).contains(&max) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50"
        )));
    }
    let (items, next) = crate::pools::paginate(
        pool.resource_servers.iter(),
        crate::pools::decode_next(r.next_token.as_deref()),
        Some(max),
    )?;
    Ok(ListResourceServersResponse::builder()
        .set_next_token(next)
        .resource_servers(items.into_iter().cloned().collect::<Vec<_>>())
        .build()?)
}

// ---------------------------------------------------------------------------------------------
// An app client's OAuth settings.

/// An app client's OAuth settings, as they will be once the request is applied.
#[derive(Debug, Default)]
pub(crate) struct ClientOAuth<'a> {
    pub flows: &'a [OAuthFlowType],
    pub flows_enabled: bool,
    pub scopes: &'a [String],
    pub callback_urls: &'a [String],
    pub logout_urls: &'a [String],
    pub default_redirect_uri: Option<&'a str>,
    pub identity_providers: &'a [String],
    pub has_secret: bool,
}

fn oauth_flow_error(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidOAuthFlowException", msg)
}

/// Checks a redirect URL as Cognito does: absolute, no fragment, HTTPS unless it is
/// `http://localhost` (or a custom scheme of a native app).
fn check_url(what: &str, raw: &str) -> Result<(), ApiError> {
    let bad = |why: &str| invalid(format!("{what} {raw} is not allowed: {why}."));
    if raw.is_empty() || raw.len() > 1024 {
        return Err(bad("a URL has 1 to 1024 characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("not an absolute URL ({e})")))?;
    if url.fragment().is_some() {
        return Err(bad("a redirect URL may not have a fragment (#...)"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str() == Some("localhost") => Ok(()),
        "http" => Err(bad(
            "HTTPS is required, except for http://localhost (for testing)",
        )),
        "javascript" | "data" | "file" => Err(bad("this scheme cannot receive a redirect")),
        _ => Ok(()),
    }
}

/// Checks a client's OAuth settings against the pool: flows, scopes (standard, or
/// `identifier/scope` of one of the pool's resource servers), URLs and identity providers.
pub(crate) fn check_client(pool: &Pool, c: &ClientOAuth<'_>) -> Result<(), ApiError> {
    for f in c.flows {
        if let OAuthFlowType::Unknown(v) = f {
            return Err(oauth_flow_error(format!(
                "{v} is not an OAuth flow: use code, implicit or client_credentials."
            )));
        }
    }
    for s in c.scopes {
        let known = STANDARD_SCOPES.contains(&s.as_str())
            || s.rsplit_once('/').is_some_and(|(server, name)| {
                pool.resource_servers.get(server).is_some_and(|rs| {
                    rs.scopes
                        .iter()
                        .flatten()
                        .any(|scope| scope.scope_name == name)
                })
            });
        if !known {
            return Err(ApiError::new(
                "ScopeDoesNotExistException",
                format!("Invalid scope requested: {s}"),
            ));
        }
    }
    let has = |f: OAuthFlowType| c.flows.contains(&f);
    let credentials = has(OAuthFlowType::ClientCredentials);
    let browser = has(OAuthFlowType::Code) || has(OAuthFlowType::Implicit);
    if c.flows_enabled && (c.flows.is_empty() || c.scopes.is_empty()) {
        return Err(oauth_flow_error(
            "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
        ));
    }
    if credentials && browser {
        return Err(oauth_flow_error(
            "client_credentials flow can not be selected along with code flow or implicit flow.",
        ));
    }
    if credentials && !c.has_secret {
        return Err(oauth_flow_error(
            "client_credentials flow can not be selected if client does not have a client secret.",
        ));
    }
    if credentials
        && let Some(s) = c
            .scopes
            .iter()
            .find(|s| STANDARD_SCOPES.contains(&s.as_str()))
    {
        return Err(oauth_flow_error(format!(
            "client_credentials flow can only be used with custom scopes (identifier/scope of a resource server), not {s}."
        )));
    }
    if c.flows_enabled && browser && c.callback_urls.is_empty() {
        return Err(invalid(
            "CallbackURLs are required when the code or implicit flow is allowed: give the URLs the authorization server may redirect to.",
        ));
    }
    for u in c.callback_urls {
        check_url("Callback URL", u)?;
    }
    for u in c.logout_urls {
        check_url("Logout URL", u)?;
    }
    if let Some(d) = c.default_redirect_uri
        && !c.callback_urls.iter().any(|u| u == d)
    {
        return Err(invalid(format!(
            "DefaultRedirectURI {d} must be one of the CallbackURLs."
        )));
    }
    for p in c.identity_providers {
        if p != COGNITO_PROVIDER && !pool.identity_providers.contains_key(p) {
            return Err(invalid(format!(
                "The provider {p} does not exist for User Pool {}: create it (CreateIdentityProvider) or use COGNITO.",
                pool.id
            )));
        }
    }
    Ok(())
}

/// `ALLOW_CLIENT_TOKEN_AUTH` (`GetClientToken`) is the only flow of a client that has it, and
/// needs a client secret.
pub(crate) fn check_client_token_flow(flows: &[String], has_secret: bool) -> Result<(), ApiError> {
    let flow = crate::oauth_token::CLIENT_TOKEN_FLOW;
    if !flows.iter().any(|f| f == flow) {
        return Ok(());
    }
    if flows.len() > 1 {
        return Err(invalid(format!(
            "{flow} must be the only ExplicitAuthFlows entry of the app client (it is for machine-to-machine clients, not users)."
        )));
    }
    if !has_secret {
        return Err(invalid(format!(
            "{flow} needs an app client with a secret (GenerateSecret)."
        )));
    }
    Ok(())
}
