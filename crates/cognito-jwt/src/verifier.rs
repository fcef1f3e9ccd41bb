//! [`CognitoJwtVerifier`], its builder and [`PoolConfig`]: decoding, key lookup, RS256
//! verification and the Cognito claim checks, for one or several pools.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::DecodeSliceError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::IgnoredAny;
use time::OffsetDateTime;

use crate::claims::{CheckedClaims, Claims, RawClaims, Str, TokenUse};
use crate::error::{BuildError, JwtError, Segment};
#[cfg(feature = "fetch")]
use crate::fetch::HttpJwksFetcher;
use crate::fetch::JwksFetcher;
use crate::jwks::{CachePolicy, KeyEntry, KeySet, KeySnapshot, parse_jwks};
use cognito_wire::PoolId;

/// Largest decoded header accepted (Cognito's is about 80 bytes).
const HEADER_MAX: usize = 1024;
/// Largest signature: an RSA-8192 one.
const SIGNATURE_MAX: usize = 1024;

/// Verifies Cognito id and access tokens: RS256 signatures against the user pool's JWKS
/// (fetched once, shared by clones, refetched for an unknown `kid` outside the penalty box),
/// then `iss`, `token_use`, the client id (`aud` of id tokens, `client_id` of access tokens),
/// `exp`/`nbf`/`iat` with leeway, and optionally groups and scopes.
///
/// Time is an argument: the verifier never reads the clock. Cloning is cheap and clones share
/// the key cache.
///
/// ```
/// use cognito_jwt::{CognitoJwtVerifier, JwtError, TokenUse};
///
/// let verifier = CognitoJwtVerifier::builder("eu-west-1_AbCdEf123")
///     .client_id("4o7dqc1n5kq1t6ph2a2m4bl3s")
///     .token_use(TokenUse::Access)
///     .build()?;
/// assert_eq!(
///     verifier.issuers().collect::<Vec<_>>(),
///     [
///         "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
///         "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
///     ]
/// );
///
/// // Pre-load the JWKS (as served at <issuer>/.well-known/jwks.json) instead of fetching it.
/// let jwks = r#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","e":"AQAB",
///   "n":"rM6_S-vlGt5TgAQpgfn8N3O1PLGNHIYu2rE22dRo-m8LDqmkB2L8GgDUArevOHpMwsExBc3VCkYYRllT_062NC000uG7rjK6OxT2Mputkcyjg9MgSb0v-ZUYAp2aWqqWNPXJEAASDGwMOSNumL2SxpKJI9u51ilqX22vuo5tFtFuGH97tRDcRKAmehoPkhCYjn4hrqAntd6z1OglUEgHyUTeYi3_ERlUw6hCC4DKoTShPHDnrymSrfiJfHS4b-pJnV8jm9C1zv3ZKXLIGgiOZqW_U2BqnhgRaMc0mPU7G53iP7hSuiRHb6UAIrzVmjKaSjmECziFNUcx8nt0IFaaBQ"}]}"#;
/// assert_eq!(verifier.add_jwks(jwks.as_bytes())?, 1);
///
/// // Verification without IO: malformed tokens fail before any key is needed.
/// let now = time::OffsetDateTime::UNIX_EPOCH;
/// assert!(matches!(verifier.verify_sync("not-a-jwt", now), Err(JwtError::SegmentCount { found: 1 })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CognitoJwtVerifier {
    inner: Arc<Inner>,
}

/// A custom check run on the claims after every built-in check passed.
type CheckFn = Arc<dyn Fn(&Claims) -> Result<(), String> + Send + Sync>;

/// What one pool accepts.
#[derive(Debug)]
struct PoolRule {
    pool_id: Box<str>,
    client_ids: Option<Vec<Box<str>>>,
    audiences: Option<Vec<Box<str>>>,
    token_use: TokenUse,
    groups: Option<Vec<Box<str>>>,
    scopes: Option<Vec<Box<str>>>,
}

/// An accepted `iss`: its key set and its pool.
#[derive(Debug)]
struct IssuerEntry {
    iss: Box<str>,
    key_set: usize,
    pool: usize,
}

struct Inner {
    issuers: Vec<IssuerEntry>,
    key_sets: Vec<KeySet>,
    pools: Vec<PoolRule>,
    leeway_ns: i128,
    iat_tolerance_ns: i128,
    policy: CachePolicy,
    fetcher: Arc<dyn JwksFetcher>,
    max_token_len: usize,
    check: Option<CheckFn>,
}

impl fmt::Debug for CognitoJwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("CognitoJwtVerifier")
            .field("pools", &i.pools)
            .field("issuers", &self.issuers().collect::<Vec<_>>())
            .field("jwks_uris", &self.jwks_uris().collect::<Vec<_>>())
            .field("policy", &i.policy)
            .field("max_token_len", &i.max_token_len)
            .field("custom_check", &i.check.is_some())
            .finish_non_exhaustive()
    }
}

/// The parts of a token that outlive decoding: borrowed from the token and the stack buffers.
struct Decoded<'t, 'b> {
    kid: Str<'b>,
    signing_input: &'t [u8],
    signature: &'b [u8],
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Option<Str<'a>>,
    #[serde(borrow)]
    kid: Option<Str<'a>>,
    crit: Option<IgnoredAny>,
}

fn starts_object(json: &[u8]) -> bool {
    json.trim_ascii_start().first() == Some(&b'{')
}

fn truncated(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_owned()
}

/// Splits and decodes a compact JWS; checks everything that needs no key and no claim.
fn decode<'t, 'b>(
    token: &'t str,
    max_len: usize,
    header_buf: &'b mut [u8; HEADER_MAX],
    signature_buf: &'b mut [u8; SIGNATURE_MAX],
    payload: &mut Vec<u8>,
) -> Result<Decoded<'t, 'b>, JwtError> {
    if token.len() > max_len {
        return Err(JwtError::TooLarge {
            len: token.len(),
            max: max_len,
        });
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::SegmentCount {
            found: token.split('.').count(),
        });
    };
    if h.is_empty() {
        return Err(JwtError::EmptySegment(Segment::Header));
    }
    if h.len() > HEADER_MAX / 3 * 4 {
        return Err(JwtError::HeaderTooLarge);
    }
    let n = URL_SAFE_NO_PAD
        .decode_slice(h, header_buf)
        .map_err(|e| match e {
            DecodeSliceError::OutputSliceTooSmall => JwtError::HeaderTooLarge,
            DecodeSliceError::DecodeError(_) => JwtError::Base64(Segment::Header),
        })?;
    let header_buf: &'b [u8; HEADER_MAX] = header_buf;
    let header_json = header_buf.get(..n).unwrap_or_default();
    if !starts_object(header_json) {
        return Err(JwtError::NotJsonObject(Segment::Header));
    }
    let header: Header<'b> =
        serde_json::from_slice(header_json).map_err(|_| JwtError::Json(Segment::Header))?;
    match header.alg.as_ref().map(Str::as_str) {
        Some("RS256") => {}
        Some(alg) => {
            return Err(JwtError::UnsupportedAlg {
                alg: truncated(alg, 16),
            });
        }
        None => return Err(JwtError::MissingAlg),
    }
    if header.crit.is_some() {
        return Err(JwtError::UnsupportedCritical);
    }
    let kid = header.kid.ok_or(JwtError::MissingKid)?;

    if p.is_empty() {
        return Err(JwtError::EmptySegment(Segment::Payload));
    }
    URL_SAFE_NO_PAD
        .decode_vec(p, payload)
        .map_err(|_| JwtError::Base64(Segment::Payload))?;

    if s.is_empty() {
        return Err(JwtError::EmptySegment(Segment::Signature));
    }
    let sig_len = if s.len() > SIGNATURE_MAX / 3 * 4 + 4 {
        // Longer than any RSA-8192 signature: cannot verify, whatever it decodes to.
        return Err(JwtError::InvalidSignature);
    } else {
        URL_SAFE_NO_PAD
            .decode_slice(s, signature_buf)
            .map_err(|e| match e {
                DecodeSliceError::OutputSliceTooSmall => JwtError::InvalidSignature,
                DecodeSliceError::DecodeError(_) => JwtError::Base64(Segment::Signature),
            })?
    };
    let signature_buf: &'b [u8; SIGNATURE_MAX] = signature_buf;
    let signing_input = token
        .as_bytes()
        .get(..h.len() + 1 + p.len())
        .unwrap_or_default();
    Ok(Decoded {
        kid,
        signing_input,
        signature: signature_buf.get(..sig_len).unwrap_or_default(),
    })
}

fn parse_payload(payload: &[u8]) -> Result<RawClaims<'_>, JwtError> {
    if !starts_object(payload) {
        return Err(JwtError::NotJsonObject(Segment::Payload));
    }
    serde_json::from_slice(payload).map_err(|_| JwtError::Json(Segment::Payload))
}

impl CognitoJwtVerifier {
    /// Starts a builder for the user pool `pool_id` (`<region>_<id>`). Both
    /// [`client_id`](CognitoJwtVerifierBuilder::client_id) (or
    /// [`any_client_id`](CognitoJwtVerifierBuilder::any_client_id)) and
    /// [`token_use`](CognitoJwtVerifierBuilder::token_use) must be chosen. More pools are
    /// added with [`pool`](CognitoJwtVerifierBuilder::pool).
    pub fn builder(pool_id: impl Into<String>) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::new(PoolConfig::new(pool_id))
    }

    /// Starts a builder from a whole [`PoolConfig`] (more with
    /// [`pool`](CognitoJwtVerifierBuilder::pool)).
    pub fn builder_for(pool: PoolConfig) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::new(pool)
    }

    /// The id of the first pool (the one given to [`builder`](Self::builder)).
    pub fn pool_id(&self) -> &str {
        self.inner.pools.first().map_or("", |p| &*p.pool_id)
    }

    /// The ids of every pool, in the order they were added.
    pub fn pool_ids(&self) -> impl Iterator<Item = &str> {
        self.inner.pools.iter().map(|p| &*p.pool_id)
    }

    /// The accepted issuers (`iss`), every pool's.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.inner.issuers.iter().map(|i| &*i.iss)
    }

    /// The JWKS URIs, one per key set (one per issuer unless a pool has a configured JWKS URI).
    pub fn jwks_uris(&self) -> impl Iterator<Item = &str> {
        self.inner.key_sets.iter().map(|k| &*k.uri)
    }

    /// Verifies `token` at `now`, fetching the issuer's JWKS on first use, when the TTL
    /// elapsed, or when the token's `kid` is unknown and the penalty box is open (one fetch at
    /// a time per JWKS; concurrent callers wait for it and share the outcome).
    ///
    /// Checks, in order: size, structure, header (`alg` = RS256, no `crit`, `kid`), payload
    /// shape, `iss` (which picks the pool and its key set), the key, the signature, then the
    /// pool's `token_use`, client id, `aud` of access tokens (when audiences are configured),
    /// `exp`, `nbf`, `iat`, groups and scopes, and last the custom check. Claims are only
    /// judged after the signature verified.
    pub async fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, JwtError> {
        let inner = &*self.inner;
        let mut header_buf = [0u8; HEADER_MAX];
        let mut signature_buf = [0u8; SIGNATURE_MAX];
        let mut payload = Vec::new();
        let decoded = decode(
            token,
            inner.max_token_len,
            &mut header_buf,
            &mut signature_buf,
            &mut payload,
        )?;
        let raw = parse_payload(&payload)?;
        let (set, pool) = inner.route(&raw)?;
        let snapshot = set
            .key_for(decoded.kid.as_str(), now, &inner.policy, &*inner.fetcher)
            .await?;
        let checked = inner.finish(&snapshot, &decoded, pool, raw, now)?;
        inner.custom_check(checked.with_payload(payload))
    }

    /// Verifies `token` at `now` with the cached keys only, never fetching:
    /// [`JwtError::JwksNotLoaded`] before [`hydrate`](Self::hydrate) or
    /// [`add_jwks`](Self::add_jwks), [`JwtError::KidNotFound`] for a `kid` not cached,
    /// [`JwtError::JwksExpired`] when the TTL elapsed. Otherwise as [`verify`](Self::verify).
    pub fn verify_sync(&self, token: &str, now: OffsetDateTime) -> Result<Claims, JwtError> {
        let inner = &*self.inner;
        let mut header_buf = [0u8; HEADER_MAX];
        let mut signature_buf = [0u8; SIGNATURE_MAX];
        let mut payload = Vec::new();
        let decoded = decode(
            token,
            inner.max_token_len,
            &mut header_buf,
            &mut signature_buf,
            &mut payload,
        )?;
        let raw = parse_payload(&payload)?;
        let (set, pool) = inner.route(&raw)?;
        let snapshot = set.cached(decoded.kid.as_str(), now, &inner.policy)?;
        let checked = inner.finish(&snapshot, &decoded, pool, raw, now)?;
        inner.custom_check(checked.with_payload(payload))
    }

    /// Fetches every JWKS now (ignoring the penalty box), so that
    /// [`verify_sync`](Self::verify_sync) can be used and the first `verify` does no IO.
    ///
    /// Succeeds when at least one JWKS of every pool loaded (by default there is one per
    /// issuer format, and a pool may serve only one of them); the others are retried on demand
    /// by `verify`. Fails with the first error of a pool none of whose key sets loaded.
    pub async fn hydrate(&self, now: OffsetDateTime) -> Result<(), JwtError> {
        let inner = &*self.inner;
        let mut loaded = vec![false; inner.pools.len()];
        let mut first_error = vec![None; inner.pools.len()];
        for (index, set) in inner.key_sets.iter().enumerate() {
            let result = set.refresh(now, &*inner.fetcher).await;
            for entry in inner.issuers.iter().filter(|i| i.key_set == index) {
                match (
                    &result,
                    loaded.get_mut(entry.pool),
                    first_error.get_mut(entry.pool),
                ) {
                    (Ok(()), Some(l), _) => *l = true,
                    (Err(e), _, Some(slot)) => {
                        slot.get_or_insert_with(|| e.clone());
                    }
                    _ => {}
                }
            }
        }
        for (ok, err) in loaded.into_iter().zip(first_error) {
            if let (false, Some(e)) = (ok, err) {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Loads a JWKS document (as served at the JWKS URI) into every key set of every pool,
    /// replacing what was cached: the way to verify offline, with a single pool (with several,
    /// give each its own keys with [`add_jwks_for_pool`](Self::add_jwks_for_pool)). Keys added
    /// this way do not expire with the TTL; a refetch (unknown `kid`, with a fetcher) replaces
    /// them. Returns how many keys are usable for RS256.
    pub fn add_jwks(&self, jwks: &[u8]) -> Result<usize, JwtError> {
        self.install(jwks, |_| true)
    }

    /// Loads a JWKS document into the key sets of the pool `pool_id` only (see
    /// [`add_jwks`](Self::add_jwks)); [`JwtError::UnknownPool`] when the verifier has no such
    /// pool.
    pub fn add_jwks_for_pool(&self, pool_id: &str, jwks: &[u8]) -> Result<usize, JwtError> {
        let inner = &*self.inner;
        let pool = inner
            .pools
            .iter()
            .position(|p| *p.pool_id == *pool_id)
            .ok_or(JwtError::UnknownPool)?;
        self.install(jwks, |set| {
            inner
                .issuers
                .iter()
                .any(|i| i.key_set == set && i.pool == pool)
        })
    }

    /// Reads a JWKS document from a file (a copy of `<issuer>/.well-known/jwks.json`) and loads
    /// it like [`add_jwks`](Self::add_jwks).
    pub fn add_jwks_file(&self, path: impl AsRef<Path>) -> Result<usize, JwtError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| JwtError::JwksFile {
            path: path.to_owned(),
            error: Arc::new(e),
        })?;
        self.add_jwks(&bytes)
    }

    fn install(&self, jwks: &[u8], wanted: impl Fn(usize) -> bool) -> Result<usize, JwtError> {
        let keys = parse_jwks(jwks)?;
        let usable = keys
            .iter()
            .filter(|(_, k)| matches!(k, KeyEntry::Rsa(_)))
            .count();
        for (index, set) in self.inner.key_sets.iter().enumerate() {
            if wanted(index) {
                set.install(parse_jwks(jwks)?, None);
            }
        }
        Ok(usable)
    }
}

impl Inner {
    /// The key set and the pool of the token's `iss`.
    #[inline]
    fn route(&self, raw: &RawClaims<'_>) -> Result<(&KeySet, &PoolRule), JwtError> {
        let iss = raw
            .iss
            .as_ref()
            .ok_or(JwtError::MissingClaim { claim: "iss" })?;
        self.issuers
            .iter()
            .find(|entry| *entry.iss == *iss.as_str())
            .and_then(|entry| {
                Some((
                    self.key_sets.get(entry.key_set)?,
                    self.pools.get(entry.pool)?,
                ))
            })
            .ok_or(JwtError::IssuerMismatch)
    }

    #[inline]
    fn finish(
        &self,
        snapshot: &KeySnapshot,
        decoded: &Decoded<'_, '_>,
        pool: &PoolRule,
        raw: RawClaims<'_>,
        now: OffsetDateTime,
    ) -> Result<CheckedClaims, JwtError> {
        let key = snapshot
            .find(decoded.kid.as_str())
            .ok_or(JwtError::KidNotFound)?;
        key.verify(decoded.signing_input, decoded.signature)?;
        self.check_claims(pool, raw, now)
    }

    #[inline]
    fn custom_check(&self, claims: Claims) -> Result<Claims, JwtError> {
        match &self.check {
            Some(check) => match check(&claims) {
                Ok(()) => Ok(claims),
                Err(reason) => Err(JwtError::CheckFailed { reason }),
            },
            None => Ok(claims),
        }
    }

    fn check_claims(
        &self,
        pool: &PoolRule,
        mut raw: RawClaims<'_>,
        now: OffsetDateTime,
    ) -> Result<CheckedClaims, JwtError> {
        let token_use = match raw.token_use.as_ref().map(Str::as_str) {
            Some("id") => TokenUse::Id,
            Some("access") => TokenUse::Access,
            Some(_) => {
                return Err(JwtError::TokenUseMismatch {
                    expected: pool.token_use,
                });
            }
            None => return Err(JwtError::MissingClaim { claim: "token_use" }),
        };
        if pool.token_use != TokenUse::Any && pool.token_use != token_use {
            return Err(JwtError::TokenUseMismatch {
                expected: pool.token_use,
            });
        }
        if let Some(accepted) = &pool.client_ids {
            if token_use == TokenUse::Id {
                let aud = raw
                    .aud
                    .as_ref()
                    .ok_or(JwtError::MissingClaim { claim: "aud" })?;
                if !aud.contains_any(accepted) {
                    return Err(JwtError::AudienceMismatch);
                }
            } else {
                let client_id = raw
                    .client_id
                    .as_ref()
                    .ok_or(JwtError::MissingClaim { claim: "client_id" })?;
                if !accepted.iter().any(|a| **a == *client_id.as_str()) {
                    return Err(JwtError::ClientIdMismatch);
                }
            }
        }
        if token_use == TokenUse::Access
            && let Some(audiences) = &pool.audiences
        {
            let aud = raw
                .aud
                .as_ref()
                .ok_or(JwtError::MissingClaim { claim: "aud" })?;
            if !aud.contains_any(audiences) {
                return Err(JwtError::AudienceMismatch);
            }
        }
        let now_ns = now.unix_timestamp_nanos();
        let exp = raw.exp.ok_or(JwtError::MissingClaim { claim: "exp" })?;
        if now_ns >= exp.nanos() + self.leeway_ns {
            return Err(JwtError::Expired {
                exp: exp.to_datetime("exp")?,
            });
        }
        if let Some(nbf) = raw.nbf
            && now_ns + self.leeway_ns < nbf.nanos()
        {
            return Err(JwtError::NotYetValid {
                nbf: nbf.to_datetime("nbf")?,
            });
        }
        let iat = raw.iat.ok_or(JwtError::MissingClaim { claim: "iat" })?;
        if iat.nanos() > now_ns + self.leeway_ns + self.iat_tolerance_ns {
            return Err(JwtError::IssuedInFuture {
                iat: iat.to_datetime("iat")?,
            });
        }
        if let Some(allowed) = &pool.groups {
            let member = raw.groups.as_ref().is_some_and(|groups| {
                groups
                    .iter()
                    .any(|g| allowed.iter().any(|a| **a == *g.as_str()))
            });
            if !member {
                return Err(JwtError::GroupNotAllowed);
            }
        }
        if let Some(required) = &pool.scopes {
            let has = raw.scope.as_ref().is_some_and(|scope| {
                scope
                    .as_str()
                    .split(' ')
                    .any(|s| !s.is_empty() && required.iter().any(|r| **r == *s))
            });
            if !has {
                return Err(JwtError::ScopeMissing);
            }
        }
        let sub = raw
            .sub
            .take()
            .ok_or(JwtError::MissingClaim { claim: "sub" })?;
        let iss = raw
            .iss
            .take()
            .ok_or(JwtError::MissingClaim { claim: "iss" })?;
        CheckedClaims::build(raw, sub, iss, token_use, exp, iat)
    }
}

/// What the verifier accepts from one user pool: its app clients, `token_use`, issuers, and
/// optionally resource audiences, replica regions, groups and scopes. Added to a verifier with
/// [`CognitoJwtVerifierBuilder::pool`] (or started with [`CognitoJwtVerifier::builder_for`]).
///
/// ```
/// use cognito_jwt::{CognitoJwtVerifier, PoolConfig, TokenUse};
///
/// let verifier = CognitoJwtVerifier::builder("eu-west-1_AbCdEf123")
///     .client_ids(["web-client", "mobile-client"])
///     .token_use(TokenUse::Access)
///     .pool(
///         PoolConfig::new("us-east-1_ZyXw987")
///             .client_id("partner-client")
///             .token_use(TokenUse::Id)
///             .replica_region("eu-central-1"),
///     )
///     .build()?;
/// assert_eq!(verifier.pool_ids().collect::<Vec<_>>(), ["eu-west-1_AbCdEf123", "us-east-1_ZyXw987"]);
/// assert!(verifier.issuers().any(|i| i
///     == "https://issuer-cognito-idp.eu-central-1.amazonaws.com/us-east-1_ZyXw987"));
/// # Ok::<(), cognito_jwt::BuildError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct PoolConfig {
    pool_id: String,
    client_ids: Vec<String>,
    any_client_id: bool,
    token_use: Option<TokenUse>,
    issuers: Option<Vec<String>>,
    jwks_uri: Option<String>,
    replica_regions: Vec<String>,
    audiences: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    scopes: Option<Vec<String>>,
}

impl PoolConfig {
    /// The pool `pool_id` (`<region>_<id>`). Both [`client_id`](Self::client_id) (or
    /// [`any_client_id`](Self::any_client_id)) and [`token_use`](Self::token_use) must be
    /// chosen.
    pub fn new(pool_id: impl Into<String>) -> Self {
        Self {
            pool_id: pool_id.into(),
            client_ids: Vec::new(),
            any_client_id: false,
            token_use: None,
            issuers: None,
            jwks_uri: None,
            replica_regions: Vec::new(),
            audiences: None,
            groups: None,
            scopes: None,
        }
    }

    /// Accepts tokens of this app client (adds to the accepted client ids): the `aud` of id
    /// tokens, the `client_id` of access tokens.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_ids.push(client_id.into());
        self
    }

    /// Accepts tokens of any of these app clients (replaces the accepted client ids).
    pub fn client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client_ids = client_ids.into_iter().map(Into::into).collect();
        self
    }

    /// Skips the client id check: tokens of every app client of the pool are accepted.
    pub fn any_client_id(mut self) -> Self {
        self.any_client_id = true;
        self
    }

    /// Which tokens to accept: [`TokenUse::Access`] (typical for APIs), [`TokenUse::Id`] or
    /// [`TokenUse::Any`].
    pub fn token_use(mut self, token_use: TokenUse) -> Self {
        self.token_use = Some(token_use);
        self
    }

    /// Accepts exactly this issuer instead of Cognito's (a local emulator's
    /// `http://127.0.0.1:PORT/<pool_id>`, a proxy, ...). Its JWKS is at
    /// `<issuer>/.well-known/jwks.json` unless [`jwks_uri`](Self::jwks_uri) says otherwise.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers = Some(vec![issuer.into()]);
        self
    }

    /// Accepts exactly these issuers, each with its JWKS at `<issuer>/.well-known/jwks.json`.
    pub fn issuers<I, S>(mut self, issuers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.issuers = Some(issuers.into_iter().map(Into::into).collect());
        self
    }

    /// Fetches the keys of every issuer of this pool from this URI (one shared key set).
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// A replica region of a multi-region pool: its issuers, in both of Cognito's formats
    /// (`https://cognito-idp.<region>.<dns suffix>/<pool id>` and
    /// `https://issuer-cognito-idp.<region>.<dns suffix>/<pool id>`), are accepted too, each
    /// with its own JWKS. Ignored when the issuers are configured.
    pub fn replica_region(mut self, region: impl Into<String>) -> Self {
        self.replica_regions.push(region.into());
        self
    }

    /// Several replica regions (adds to them); see [`replica_region`](Self::replica_region).
    pub fn replica_regions<I, S>(mut self, regions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.replica_regions
            .extend(regions.into_iter().map(Into::into));
        self
    }

    /// Requires access tokens to carry one of these audiences in `aud`: the resource server
    /// identifiers a client asks for with a resource indicator (`resource=`), which Cognito
    /// puts in the access token's `aud`. Id tokens are unaffected (their `aud` is the client).
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// Requires at least one of these groups in `cognito:groups`.
    pub fn groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups = Some(groups.into_iter().map(Into::into).collect());
        self
    }

    /// Requires at least one of these scopes in `scope`.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The issuers of this pool (configured, or Cognito's two formats per region).
    fn resolve_issuers(&self) -> Result<(PoolId, Vec<String>), BuildError> {
        let pool = PoolId::parse(&self.pool_id).map_err(BuildError::InvalidPoolId)?;
        let issuers: Vec<String> = match &self.issuers {
            Some(list) => list
                .iter()
                .map(|i| i.trim_end_matches('/').to_owned())
                .collect(),
            None => {
                let mut list = vec![pool.issuer(), pool.issuer_multi_region()];
                for region in &self.replica_regions {
                    // The region parsed as a pool id's: same rules, and its partition.
                    let replica =
                        PoolId::parse(&format!("{region}_{}", pool.name())).map_err(|_| {
                            BuildError::InvalidRegion {
                                region: region.chars().take(40).collect(),
                            }
                        })?;
                    let suffix = replica.partition().dns_suffix;
                    for host in ["cognito-idp", "issuer-cognito-idp"] {
                        let iss = format!("https://{host}.{region}.{suffix}/{pool}");
                        if !list.contains(&iss) {
                            list.push(iss);
                        }
                    }
                }
                list
            }
        };
        if issuers.is_empty()
            || issuers.iter().any(String::is_empty)
            || self.jwks_uri.as_deref().is_some_and(str::is_empty)
        {
            return Err(BuildError::EmptyIssuer);
        }
        Ok((pool, issuers))
    }
}

/// Builds a [`CognitoJwtVerifier`]; see [`CognitoJwtVerifier::builder`]. The pool settings
/// (`client_id`, `token_use`, `issuer`, ...) configure the first pool; [`pool`](Self::pool)
/// adds more, each with its own [`PoolConfig`]. The rest (leeway, caching, the custom check)
/// applies to every pool.
#[must_use]
pub struct CognitoJwtVerifierBuilder {
    first: PoolConfig,
    more: Vec<PoolConfig>,
    leeway: Duration,
    iat_tolerance: Duration,
    jwks_ttl: Option<Duration>,
    penalty_box: Duration,
    fetcher: Option<Arc<dyn JwksFetcher>>,
    max_token_len: usize,
    check: Option<CheckFn>,
}

impl fmt::Debug for CognitoJwtVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoJwtVerifierBuilder")
            .field("first", &self.first)
            .field("more", &self.more)
            .field("leeway", &self.leeway)
            .field("iat_tolerance", &self.iat_tolerance)
            .field("jwks_ttl", &self.jwks_ttl)
            .field("penalty_box", &self.penalty_box)
            .field("custom_fetcher", &self.fetcher.is_some())
            .field("max_token_len", &self.max_token_len)
            .field("custom_check", &self.check.is_some())
            .finish()
    }
}

impl CognitoJwtVerifierBuilder {
    /// Default token size limit, checked before any decoding.
    pub const DEFAULT_MAX_TOKEN_LEN: usize = 16 * 1024;
    /// Default penalty box: no refetch within 10 s of the previous fetch.
    pub const DEFAULT_PENALTY_BOX: Duration = Duration::from_secs(10);
    /// Default tolerance for an `iat` in the future (on top of the leeway): clocks differ.
    pub const DEFAULT_IAT_TOLERANCE: Duration = Duration::from_secs(60);

    fn new(first: PoolConfig) -> Self {
        Self {
            first,
            more: Vec::new(),
            leeway: Duration::ZERO,
            iat_tolerance: Self::DEFAULT_IAT_TOLERANCE,
            jwks_ttl: None,
            penalty_box: Self::DEFAULT_PENALTY_BOX,
            fetcher: None,
            max_token_len: Self::DEFAULT_MAX_TOKEN_LEN,
            check: None,
        }
    }

    /// Accepts tokens of another pool too, with its own settings.
    pub fn pool(mut self, pool: PoolConfig) -> Self {
        self.more.push(pool);
        self
    }

    /// First pool: see [`PoolConfig::client_id`].
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.first = self.first.client_id(client_id);
        self
    }

    /// First pool: see [`PoolConfig::client_ids`].
    pub fn client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.first = self.first.client_ids(client_ids);
        self
    }

    /// First pool: see [`PoolConfig::any_client_id`].
    pub fn any_client_id(mut self) -> Self {
        self.first = self.first.any_client_id();
        self
    }

    /// First pool: see [`PoolConfig::token_use`].
    pub fn token_use(mut self, token_use: TokenUse) -> Self {
        self.first = self.first.token_use(token_use);
        self
    }

    /// First pool: see [`PoolConfig::issuer`].
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.first = self.first.issuer(issuer);
        self
    }

    /// First pool: see [`PoolConfig::issuers`].
    pub fn issuers<I, S>(mut self, issuers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.first = self.first.issuers(issuers);
        self
    }

    /// First pool: see [`PoolConfig::jwks_uri`].
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.first = self.first.jwks_uri(uri);
        self
    }

    /// First pool: see [`PoolConfig::replica_region`].
    pub fn replica_region(mut self, region: impl Into<String>) -> Self {
        self.first = self.first.replica_region(region);
        self
    }

    /// First pool: see [`PoolConfig::audiences`].
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.first = self.first.audiences(audiences);
        self
    }

    /// First pool: see [`PoolConfig::groups`].
    pub fn groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.first = self.first.groups(groups);
        self
    }

    /// First pool: see [`PoolConfig::scopes`].
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.first = self.first.scopes(scopes);
        self
    }

    /// Clock skew allowed for `exp`, `nbf` and `iat` (default 0).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How far in the future `iat` may be, on top of the leeway (default 60 s).
    pub fn iat_tolerance(mut self, tolerance: Duration) -> Self {
        self.iat_tolerance = tolerance;
        self
    }

    /// A check of one's own, run on the claims of every token that passed all the others;
    /// an `Err` rejects the token with [`JwtError::CheckFailed`] carrying its message.
    ///
    /// ```
    /// use cognito_jwt::{CognitoJwtVerifier, TokenUse};
    ///
    /// let verifier = CognitoJwtVerifier::builder("eu-west-1_AbCdEf123")
    ///     .any_client_id()
    ///     .token_use(TokenUse::Id)
    ///     .check(|claims| match claims.get("custom:tenant").and_then(|t| t.as_str()) {
    ///         Some("acme") => Ok(()),
    ///         _ => Err("not a user of the acme tenant"),
    ///     })
    ///     .build()?;
    /// # let _ = verifier;
    /// # Ok::<(), cognito_jwt::BuildError>(())
    /// ```
    pub fn check<F, E>(mut self, check: F) -> Self
    where
        F: Fn(&Claims) -> Result<(), E> + Send + Sync + 'static,
        E: fmt::Display,
    {
        self.check = Some(Arc::new(move |claims| {
            check(claims).map_err(|e| e.to_string())
        }));
        self
    }

    /// Refetches fetched keys older than this (`None`, the default: keep them until an unknown
    /// `kid` triggers a refetch). Stale keys are not used: when the refetch fails, so does
    /// verification (and `verify_sync` answers [`JwtError::JwksExpired`]).
    pub fn jwks_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.jwks_ttl = ttl;
        self
    }

    /// After a fetch, an unknown `kid` within this window is rejected without fetching
    /// (default 10 s); a failed fetch is not retried within it either.
    pub fn penalty_box(mut self, window: Duration) -> Self {
        self.penalty_box = window;
        self
    }

    /// Fetches JWKS with this fetcher instead of the default (an [`HttpJwksFetcher`] over
    /// hyper with the `fetch` feature; without it, none: keys come from `add_jwks`).
    pub fn fetcher(mut self, fetcher: Arc<dyn JwksFetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// Longest token accepted (default 16 KiB).
    pub fn max_token_len(mut self, max: usize) -> Self {
        self.max_token_len = max;
        self
    }

    /// Builds the verifier.
    pub fn build(self) -> Result<CognitoJwtVerifier, BuildError> {
        let mut issuers: Vec<IssuerEntry> = Vec::new();
        let mut key_sets: Vec<KeySet> = Vec::new();
        let mut pools: Vec<PoolRule> = Vec::new();
        for config in std::iter::once(self.first).chain(self.more) {
            let (pool_id, pool_issuers) = config.resolve_issuers()?;
            let token_use = config.token_use.ok_or(BuildError::MissingTokenUse)?;
            let client_ids = if config.any_client_id {
                None
            } else if config.client_ids.is_empty() {
                return Err(BuildError::MissingClientId);
            } else {
                Some(config.client_ids.into_iter().map(Into::into).collect())
            };
            let pool_index = pools.len();
            let shared = config.jwks_uri.map(|uri| {
                key_sets.push(KeySet::new(uri.into()));
                key_sets.len() - 1
            });
            for iss in pool_issuers {
                if issuers.iter().any(|i| *i.iss == *iss) {
                    return Err(BuildError::DuplicateIssuer { issuer: iss });
                }
                let key_set = match shared {
                    Some(index) => index,
                    None => {
                        key_sets.push(KeySet::new(format!("{iss}/.well-known/jwks.json").into()));
                        key_sets.len() - 1
                    }
                };
                issuers.push(IssuerEntry {
                    iss: iss.into(),
                    key_set,
                    pool: pool_index,
                });
            }
            let boxed = |v: Option<Vec<String>>| v.map(|v| v.into_iter().map(Into::into).collect());
            pools.push(PoolRule {
                pool_id: pool_id.as_str().into(),
                client_ids,
                audiences: boxed(config.audiences),
                token_use,
                groups: boxed(config.groups),
                scopes: boxed(config.scopes),
            });
        }
        let fetcher: Arc<dyn JwksFetcher> = match self.fetcher {
            Some(f) => f,
            #[cfg(feature = "fetch")]
            None => Arc::new(HttpJwksFetcher::new().map_err(BuildError::Fetcher)?),
            #[cfg(not(feature = "fetch"))]
            None => Arc::new(crate::fetch::NoFetcher),
        };
        let to_time = |d: Duration| time::Duration::try_from(d).unwrap_or(time::Duration::MAX);
        let to_ns = |d: Duration| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX / 4);
        Ok(CognitoJwtVerifier {
            inner: Arc::new(Inner {
                issuers,
                key_sets,
                pools,
                leeway_ns: to_ns(self.leeway),
                iat_tolerance_ns: to_ns(self.iat_tolerance),
                policy: CachePolicy {
                    ttl: self.jwks_ttl.map(to_time),
                    penalty: to_time(self.penalty_box),
                },
                fetcher,
                max_token_len: self.max_token_len,
                check: self.check,
            }),
        })
    }
}
