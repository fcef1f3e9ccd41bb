//! Tokens: per-pool RSA-2048 keys, RS256 JWTs shaped like Cognito's, JWKS and OpenID
//! configuration, access-token verification, refresh tokens.

use crate::error::{ApiError, internal, not_authorized};
use crate::inner::B64;
use crate::state::{Pool, PoolKey, RefreshRecord};
use crate::txn::Ctx;
use crate::txn::State;
use base64::Engine;
use cognito_wire::{AuthenticationResultType, NewDeviceMetadataType, SensitiveString};
use rand_core::SeedableRng;
use ring::signature::{self, RsaKeyPair};
use serde_json::{Map, Value, json};
use std::sync::Arc;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The pool's signing key, generated on first use (RSA-2048) and kept in the state.
pub(crate) fn key_pair(inner: &Ctx, pool: &mut Pool) -> Result<Arc<RsaKeyPair>, ApiError> {
    if pool.key.is_none() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(inner.rng.seed32());
        let key = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(internal)?;
        let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&key).map_err(internal)?;
        use rsa::traits::PublicKeyParts;
        let n = key.n().to_bytes_be();
        let e = key.e().to_bytes_be();
        let digest = ring::digest::digest(&ring::digest::SHA256, &n);
        pool.key = Some(PoolKey {
            kid: B64.encode(digest.as_ref()),
            pkcs8: B64.encode(der.as_bytes()),
            n: B64URL.encode(n),
            e: B64URL.encode(e),
            pair: None,
        });
    }
    let key = pool.key.as_mut().ok_or_else(|| internal("no key"))?;
    if let Some(p) = &key.pair {
        return Ok(p.clone());
    }
    // Parsed once per process (a request's pools are copies of the snapshot's, which do not
    // keep the parsed key): parsing checks the RSA key, a cost worth sparing every sign-in.
    if let Some(p) = inner.store.key_pair(&key.kid) {
        key.pair = Some(p.clone());
        return Ok(p);
    }
    let der = B64.decode(&key.pkcs8).map_err(internal)?;
    let pair = Arc::new(RsaKeyPair::from_pkcs8(&der).map_err(internal)?);
    inner.store.remember_key_pair(&key.kid, pair.clone());
    key.pair = Some(pair.clone());
    Ok(pair)
}

/// `{"keys": [...]}` for a pool.
pub(crate) fn jwks(inner: &Ctx, pool: &mut Pool) -> Result<Value, ApiError> {
    key_pair(inner, pool)?;
    let key = pool.key.as_ref().ok_or_else(|| internal("no key"))?;
    Ok(jwks_of(key))
}

/// `{"keys": [...]}` for a pool's key (its public half, as stored: no RSA math).
pub(crate) fn jwks_of(key: &PoolKey) -> Value {
    json!({"keys": [{
        "alg": "RS256", "e": key.e, "kid": key.kid, "kty": "RSA", "n": key.n, "use": "sig"
    }]})
}

/// The pool's OpenID discovery document: the issuer, the JWKS and, once the pool has a domain,
/// the endpoints of that domain on the emulator's port (`/_domain/<domain>/...`,
/// [`crate::oauth_token`], [`crate::hosted`]) with what they serve.
pub(crate) fn openid_configuration(inner: &crate::inner::Inner, pool: &Pool) -> Value {
    let iss = inner.issuer(pool);
    let base = inner.base_url();
    let mut doc = json!({
        "issuer": iss,
        "jwks_uri": format!("{base}/{}/.well-known/jwks.json", pool.id),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"]
    });
    let domain = pool.domains.keys().next();
    if let (Some(domain), Some(map)) = (domain, doc.as_object_mut()) {
        let prefix = crate::oauth_token::DOMAIN_PATH_PREFIX;
        let at = format!("{base}{prefix}{domain}");
        for (k, path) in [
            ("authorization_endpoint", "/oauth2/authorize"),
            ("token_endpoint", "/oauth2/token"),
            ("userinfo_endpoint", "/oauth2/userInfo"),
            ("revocation_endpoint", "/oauth2/revoke"),
            ("end_session_endpoint", "/logout"),
        ] {
            map.insert(k.into(), json!(format!("{at}{path}")));
        }
        map.insert("response_types_supported".into(), json!(["code"]));
        map.insert(
            "grant_types_supported".into(),
            json!(["authorization_code", "refresh_token", "client_credentials"]),
        );
        map.insert("code_challenge_methods_supported".into(), json!(["S256"]));
        map.insert(
            "token_endpoint_auth_methods_supported".into(),
            json!(["client_secret_basic", "client_secret_post"]),
        );
        let mut scopes: Vec<String> = crate::oauth_config::STANDARD_SCOPES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for (id, rs) in &pool.resource_servers {
            for s in rs.scopes.iter().flatten() {
                scopes.push(format!("{id}/{}", s.scope_name));
            }
        }
        map.insert("scopes_supported".into(), json!(scopes));
    }
    doc
}

fn sign_jwt(pair: &RsaKeyPair, kid: &str, claims: &Value) -> Result<String, ApiError> {
    let header = json!({"kid": kid, "alg": "RS256"});
    let h = B64URL.encode(serde_json::to_vec(&header).map_err(internal)?);
    let p = B64URL.encode(serde_json::to_vec(claims).map_err(internal)?);
    let input = format!("{h}.{p}");
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(internal)?;
    Ok(format!("{input}.{}", B64URL.encode(sig)))
}

/// What a sign-in (or refresh) yields.
#[derive(Debug, Default)]
pub(crate) struct Issue {
    pub pool_id: String,
    pub client_id: String,
    pub username: String,
    pub device_key: Option<String>,
    pub auth_time: i64,
    /// Refresh: keep this origin and do not mint a refresh token unless rotating.
    pub origin_jti: Option<String>,
    pub new_refresh: bool,
    pub new_device: Option<NewDeviceMetadataType>,
    /// Tokens of the OAuth 2.0 side (the code flow and its refreshes): the granted scopes
    /// instead of `aws.cognito.signin.user.admin`, the id token's `nonce` and `at_hash`.
    pub grant: Option<OAuthGrant>,
}

/// What an authorization (the managed login's code) granted, kept with its refresh token.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct OAuthGrant {
    pub scopes: Vec<String>,
    /// The `nonce` of the authorize request (the id token of the code exchange only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The RFC 8707 `resource` of the authorize request: the access token's `aud`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// `at_hash` (OpenID Connect Core 3.1.3.6): base64url of the left half of SHA-256 of the
/// access token's ASCII octets.
pub(crate) fn at_hash(access_token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes());
    B64URL.encode(digest.as_ref().get(..16).unwrap_or_default())
}

/// Signs the access and id tokens (and mints a refresh token when asked).
pub(crate) fn issue(
    inner: &Ctx,
    st: &mut State,
    req: Issue,
) -> Result<AuthenticationResultType, ApiError> {
    let now = inner.now();
    let user = st
        .get_user(&req.pool_id, &req.username)
        .ok_or_else(crate::error::user_not_found)?;
    let pool = st.pool_mut(&req.pool_id)?;
    let iss = inner.issuer(pool);
    let pair = key_pair(inner, pool)?;
    let kid = pool.key.as_ref().map(|k| k.kid.clone()).unwrap_or_default();
    let client = pool
        .clients
        .get(&req.client_id)
        .ok_or_else(|| crate::state::client_not_found(&req.client_id))?
        .clone();
    let access_ttl = client
        .spec
        .access_token_validity_secs
        .unwrap_or(pool.spec.access_token_validity_secs);
    let id_ttl = client
        .spec
        .id_token_validity_secs
        .unwrap_or(pool.spec.id_token_validity_secs);
    let refresh_ttl = client
        .spec
        .refresh_token_validity_secs
        .unwrap_or(pool.spec.refresh_token_validity_secs);
    let origin = req.origin_jti.clone().unwrap_or_else(|| inner.rng.uuid());
    let event_id = inner.rng.uuid();
    let groups: Vec<&String> = {
        let mut g: Vec<(&Option<i32>, &String)> = user
            .groups
            .iter()
            .filter_map(|name| pool.groups.get(name).map(|gr| (&gr.precedence, name)))
            .collect();
        g.sort_by_key(|(p, n)| (p.unwrap_or(i32::MAX), (*n).clone()));
        g.into_iter().map(|(_, n)| n).collect()
    };

    let mut access = Map::new();
    access.insert("sub".into(), json!(user.sub));
    if let Some(r) = req.grant.as_ref().and_then(|g| g.resource.as_ref()) {
        access.insert("aud".into(), json!(r));
    }
    if !groups.is_empty() {
        access.insert("cognito:groups".into(), json!(groups));
    }
    if let Some(d) = &req.device_key {
        access.insert("device_key".into(), json!(d));
    }
    access.insert("iss".into(), json!(iss));
    access.insert("client_id".into(), json!(client.id));
    access.insert("origin_jti".into(), json!(origin));
    access.insert("event_id".into(), json!(event_id));
    access.insert("token_use".into(), json!("access"));
    let scope = match &req.grant {
        Some(g) => g.scopes.join(" "),
        None => "aws.cognito.signin.user.admin".to_owned(),
    };
    access.insert("scope".into(), json!(scope));
    access.insert("auth_time".into(), json!(req.auth_time));
    access.insert("exp".into(), json!(now.saturating_add(access_ttl as i64)));
    access.insert("iat".into(), json!(now));
    access.insert("jti".into(), json!(inner.rng.uuid()));
    access.insert("username".into(), json!(user.username));
    if req.grant.is_some() {
        access.insert("version".into(), json!(2));
    }

    let mut id = Map::new();
    id.insert("sub".into(), json!(user.sub));
    if !groups.is_empty() {
        id.insert("cognito:groups".into(), json!(groups));
    }
    for (k, v) in &user.attributes {
        if k == "sub" {
            continue;
        }
        // Only what the app client may read (`ReadAttributes`).
        if let Some(r) = &client.spec.read_attributes
            && !r.iter().any(|a| a == k)
        {
            continue;
        }
        let value = if k.ends_with("_verified") {
            json!(v == "true")
        } else {
            json!(v)
        };
        id.insert(k.clone(), value);
    }
    id.insert("iss".into(), json!(iss));
    id.insert("cognito:username".into(), json!(user.username));
    id.insert("origin_jti".into(), json!(origin));
    id.insert("aud".into(), json!(client.id));
    id.insert("event_id".into(), json!(event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(req.auth_time));
    id.insert("exp".into(), json!(now.saturating_add(id_ttl as i64)));
    id.insert("iat".into(), json!(now));
    id.insert("jti".into(), json!(inner.rng.uuid()));

    let access_token = sign_jwt(&pair, &kid, &Value::Object(access))?;
    if let Some(g) = &req.grant {
        id.insert("at_hash".into(), json!(at_hash(&access_token)));
        if let Some(n) = &g.nonce {
            id.insert("nonce".into(), json!(n));
        }
    }
    let id_token = sign_jwt(&pair, &kid, &Value::Object(id))?;
    let refresh_token = if req.new_refresh {
        let token = format!(
            "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.{}",
            inner.rng.token(96)
        );
        st.put_refresh_token(
            &req.pool_id,
            &token,
            &RefreshRecord {
                username: user.username.clone(),
                client_id: client.id.clone(),
                device_key: req.device_key.clone(),
                origin_jti: origin,
                auth_time: req.auth_time,
                issued: now,
                expires: now.saturating_add(refresh_ttl as i64),
                revoked: false,
                rotated_at: None,
                // A refresh keeps the scopes; the nonce belonged to the first id token.
                grant: req.grant.as_ref().map(|g| OAuthGrant {
                    nonce: None,
                    ..g.clone()
                }),
            },
        )?;
        Some(SensitiveString::from(token))
    } else {
        None
    };
    Ok(AuthenticationResultType::builder()
        .access_token(access_token)
        .expires_in(i32::try_from(access_ttl).unwrap_or(i32::MAX))
        .id_token(id_token)
        .set_new_device_metadata(req.new_device)
        .set_refresh_token(refresh_token)
        .token_type("Bearer".to_owned())
        .build())
}

/// The claims of a JWT after checking its signature against the pool key.
fn verified_claims(
    inner: &Ctx,
    st: &mut State,
    token: &str,
) -> Option<(String, Map<String, Value>)> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let claims: Map<String, Value> = serde_json::from_slice(&B64URL.decode(p).ok()?).ok()?;
    let iss = claims.get("iss")?.as_str()?;
    let pool_id = iss.rsplit('/').next()?.to_owned();
    let pool = st.pools.get_mut(&pool_id)?;
    let pair = key_pair(inner, pool).ok()?;
    let sig = B64URL.decode(s).ok()?;
    let public = signature::UnparsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        pair.public().as_ref().to_vec(),
    );
    public.verify(format!("{h}.{p}").as_bytes(), &sig).ok()?;
    Some((pool_id, claims))
}

/// An authenticated caller: pool, internal username and the token's claims.
#[derive(Debug)]
pub(crate) struct Caller {
    pub pool_id: String,
    pub username: String,
    pub claims: Map<String, Value>,
}

/// Checks an access token like Cognito does for the token-authorized operations.
pub(crate) fn verify_access(inner: &Ctx, st: &mut State, token: &str) -> Result<Caller, ApiError> {
    verify_bearer(inner, st, token, "aws.cognito.signin.user.admin")
}

/// Checks a user's access token that must carry `scope` (`aws.cognito.signin.user.admin` for
/// the API, `openid` for `/oauth2/userInfo`).
pub(crate) fn verify_bearer(
    inner: &Ctx,
    st: &mut State,
    token: &str,
    required_scope: &str,
) -> Result<Caller, ApiError> {
    verify_user_token(inner, st, token, "access", Some(required_scope))
}

/// Checks a user's token of a kind (`access` or `id`): signature, kind, expiry, the scope an
/// access token must carry, revocation, and that its user still exists and is enabled.
pub(crate) fn verify_user_token(
    inner: &Ctx,
    st: &mut State,
    token: &str,
    kind: &str,
    required_scope: Option<&str>,
) -> Result<Caller, ApiError> {
    let noun = if kind == "id" { "Id" } else { "Access" };
    let invalid = || not_authorized(format!("Invalid {noun} Token"));
    let (pool_id, claims) = verified_claims(inner, st, token).ok_or_else(invalid)?;
    if claims.get("token_use").and_then(Value::as_str) != Some(kind) {
        return Err(invalid());
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp <= inner.now() {
        return Err(not_authorized(format!("{noun} Token has expired")));
    }
    // The user's own operations need Cognito's scope (a sign-in's tokens have it; an OAuth
    // token has it only when asked for; a client_credentials token never).
    if let Some(required) = required_scope {
        let scoped = claims
            .get("scope")
            .and_then(Value::as_str)
            .is_some_and(|s| s.split(' ').any(|s| s == required));
        if !scoped {
            return Err(not_authorized(format!(
                "{noun} Token does not have required scopes"
            )));
        }
    }
    let pool = st.pool(&pool_id)?;
    let origin = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if st.origin_revoked(&pool.id, origin)? {
        return Err(not_authorized(format!("{noun} Token has been revoked")));
    }
    let username = claims
        .get(if kind == "id" {
            "cognito:username"
        } else {
            "username"
        })
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let user = st
        .get_user(&pool.id, &username)
        .ok_or_else(crate::error::user_not_found)?;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if user.sub != sub {
        return Err(crate::error::user_not_found());
    }
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    Ok(Caller {
        pool_id,
        username,
        claims,
    })
}

/// A machine-to-machine access token (the `client_credentials` grant of the token endpoint,
/// [`crate::oauth_token`]): the app client is the subject; `scope` lists the granted scopes;
/// `aud` is the RFC 8707 resource when one was asked for.
pub(crate) fn client_access_token(
    inner: &Ctx,
    pool: &mut Pool,
    client_id: &str,
    scopes: &[String],
    resource: Option<&str>,
    ttl: u64,
) -> Result<String, ApiError> {
    let now = inner.now();
    let iss = inner.issuer(pool);
    let pair = key_pair(inner, pool)?;
    let kid = pool.key.as_ref().map(|k| k.kid.clone()).unwrap_or_default();
    let mut access = Map::new();
    access.insert("sub".into(), json!(client_id));
    if let Some(r) = resource {
        access.insert("aud".into(), json!(r));
    }
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!(scopes.join(" ")));
    access.insert("auth_time".into(), json!(now));
    access.insert("iss".into(), json!(iss));
    access.insert(
        "exp".into(),
        json!(now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX))),
    );
    access.insert("iat".into(), json!(now));
    access.insert("version".into(), json!(2));
    access.insert("jti".into(), json!(inner.rng.uuid()));
    access.insert("client_id".into(), json!(client_id));
    sign_jwt(&pair, &kid, &Value::Object(access))
}

/// Signs claims with the pool's key (RS256).
pub(crate) fn sign(
    inner: &Ctx,
    pool: &mut Pool,
    claims: Map<String, Value>,
) -> Result<String, ApiError> {
    let pair = key_pair(inner, pool)?;
    let kid = pool.key.as_ref().map(|k| k.kid.clone()).unwrap_or_default();
    sign_jwt(&pair, &kid, &Value::Object(claims))
}
