//! [`CognitoJwtVerifier`] and its builder: decoding, key lookup, RS256 verification and the
//! Cognito claim checks.

use std::fmt;
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
use crate::jwks::{CachePolicy, KeySet, KeySnapshot, parse_jwks};

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

struct Inner {
    pool_id: Box<str>,
    /// `(iss, index into key_sets)`.
    issuers: Vec<(Box<str>, usize)>,
    key_sets: Vec<KeySet>,
    client_ids: Option<Vec<Box<str>>>,
    token_use: TokenUse,
    groups: Option<Vec<Box<str>>>,
    scopes: Option<Vec<Box<str>>>,
    leeway_ns: i128,
    iat_tolerance_ns: i128,
    policy: CachePolicy,
    fetcher: Arc<dyn JwksFetcher>,
    max_token_len: usize,
}

impl fmt::Debug for CognitoJwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("CognitoJwtVerifier")
            .field("pool_id", &i.pool_id)
            .field("issuers", &self.issuers().collect::<Vec<_>>())
            .field("jwks_uris", &self.jwks_uris().collect::<Vec<_>>())
            .field("client_ids", &i.client_ids)
            .field("token_use", &i.token_use)
            .field("groups", &i.groups)
            .field("scopes", &i.scopes)
            .field("policy", &i.policy)
            .field("max_token_len", &i.max_token_len)
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
    /// [`token_use`](CognitoJwtVerifierBuilder::token_use) must be chosen.
    pub fn builder(pool_id: impl Into<String>) -> CognitoJwtVerifierBuilder {
        CognitoJwtVerifierBuilder::new(pool_id.into())
    }

    /// The user pool id.
    pub fn pool_id(&self) -> &str {
        &self.inner.pool_id
    }

    /// The accepted issuers (`iss`).
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.inner.issuers.iter().map(|(iss, _)| &**iss)
    }

    /// The JWKS URIs, one per key set (one per issuer unless a JWKS URI was configured).
    pub fn jwks_uris(&self) -> impl Iterator<Item = &str> {
        self.inner.key_sets.iter().map(|k| &*k.uri)
    }

    /// Verifies `token` at `now`, fetching the JWKS on first use, when the TTL elapsed, or when
    /// the token's `kid` is unknown and the penalty box is open (one fetch at a time per JWKS;
    /// concurrent callers wait for it and share the outcome).
    ///
    /// Checks, in order: size, structure, header (`alg` = RS256, no `crit`, `kid`), payload
    /// shape, `iss`, the key, the signature, then `token_use`, client id, `exp`, `nbf`, `iat`,
    /// groups and scopes. Claims are only judged after the signature verified.
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
        let set = inner.key_set(&raw)?;
        let snapshot = set
            .key_for(decoded.kid.as_str(), now, &inner.policy, &*inner.fetcher)
            .await?;
        let checked = inner.finish(&snapshot, &decoded, raw, now)?;
        Ok(checked.with_payload(payload))
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
        let set = inner.key_set(&raw)?;
        let snapshot = set.cached(decoded.kid.as_str(), now, &inner.policy)?;
        let checked = inner.finish(&snapshot, &decoded, raw, now)?;
        Ok(checked.with_payload(payload))
    }

    /// Fetches every JWKS now (ignoring the penalty box), so that
    /// [`verify_sync`](Self::verify_sync) can be used and the first `verify` does no IO.
    ///
    /// Succeeds when at least one JWKS loaded (by default there is one per issuer format, and
    /// a pool may serve only one of them); the others are retried on demand by `verify`.
    /// Fails with the first error when none loaded.
    pub async fn hydrate(&self, now: OffsetDateTime) -> Result<(), JwtError> {
        let inner = &*self.inner;
        let mut first_error = None;
        let mut loaded = false;
        for set in &inner.key_sets {
            match set.refresh(now, &*inner.fetcher).await {
                Ok(()) => loaded = true,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (loaded, first_error) {
            (false, Some(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// Loads a JWKS document (as served at the JWKS URI) into every key set, replacing what
    /// was cached. Keys added this way do not expire with the TTL; a refetch (unknown `kid`)
    /// replaces them. Returns how many keys are usable for RS256.
    pub fn add_jwks(&self, jwks: &[u8]) -> Result<usize, JwtError> {
        let mut usable = 0;
        for set in &self.inner.key_sets {
            let keys = parse_jwks(jwks)?;
            usable = keys
                .iter()
                .filter(|(_, k)| matches!(k, crate::jwks::KeyEntry::Rsa(_)))
                .count();
            set.install(keys, None);
        }
        Ok(usable)
    }
}

impl Inner {
    #[inline]
    fn key_set(&self, raw: &RawClaims<'_>) -> Result<&KeySet, JwtError> {
        let iss = raw
            .iss
            .as_ref()
            .ok_or(JwtError::MissingClaim { claim: "iss" })?;
        self.issuers
            .iter()
            .find(|(accepted, _)| **accepted == *iss.as_str())
            .and_then(|(_, index)| self.key_sets.get(*index))
            .ok_or(JwtError::IssuerMismatch)
    }

    #[inline]
    fn finish(
        &self,
        snapshot: &KeySnapshot,
        decoded: &Decoded<'_, '_>,
        raw: RawClaims<'_>,
        now: OffsetDateTime,
    ) -> Result<CheckedClaims, JwtError> {
        let key = snapshot
            .find(decoded.kid.as_str())
            .ok_or(JwtError::KidNotFound)?;
        key.verify(decoded.signing_input, decoded.signature)?;
        self.check_claims(raw, now)
    }

    fn check_claims(
        &self,
        mut raw: RawClaims<'_>,
        now: OffsetDateTime,
    ) -> Result<CheckedClaims, JwtError> {
        let token_use = match raw.token_use.as_ref().map(Str::as_str) {
            Some("id") => TokenUse::Id,
            Some("access") => TokenUse::Access,
            Some(_) => {
                return Err(JwtError::TokenUseMismatch {
                    expected: self.token_use,
                });
            }
            None => return Err(JwtError::MissingClaim { claim: "token_use" }),
        };
        if self.token_use != TokenUse::Any && self.token_use != token_use {
            return Err(JwtError::TokenUseMismatch {
                expected: self.token_use,
            });
        }
        if let Some(accepted) = &self.client_ids {
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
        if let Some(allowed) = &self.groups {
            let member = raw.groups.as_ref().is_some_and(|groups| {
                groups
                    .iter()
                    .any(|g| allowed.iter().any(|a| **a == *g.as_str()))
            });
            if !member {
                return Err(JwtError::GroupNotAllowed);
            }
        }
        if let Some(required) = &self.scopes {
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

/// Builds a [`CognitoJwtVerifier`]; see [`CognitoJwtVerifier::builder`].
#[must_use]
pub struct CognitoJwtVerifierBuilder {
    pool_id: String,
    client_ids: Vec<String>,
    any_client_id: bool,
    token_use: Option<TokenUse>,
    issuers: Option<Vec<String>>,
    jwks_uri: Option<String>,
    leeway: Duration,
    iat_tolerance: Duration,
    groups: Option<Vec<String>>,
    scopes: Option<Vec<String>>,
    jwks_ttl: Option<Duration>,
    penalty_box: Duration,
    fetcher: Option<Arc<dyn JwksFetcher>>,
    max_token_len: usize,
}

impl fmt::Debug for CognitoJwtVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoJwtVerifierBuilder")
            .field("pool_id", &self.pool_id)
            .field("client_ids", &self.client_ids)
            .field("any_client_id", &self.any_client_id)
            .field("token_use", &self.token_use)
            .field("issuers", &self.issuers)
            .field("jwks_uri", &self.jwks_uri)
            .field("leeway", &self.leeway)
            .field("iat_tolerance", &self.iat_tolerance)
            .field("groups", &self.groups)
            .field("scopes", &self.scopes)
            .field("jwks_ttl", &self.jwks_ttl)
            .field("penalty_box", &self.penalty_box)
            .field("custom_fetcher", &self.fetcher.is_some())
            .field("max_token_len", &self.max_token_len)
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

    fn new(pool_id: String) -> Self {
        Self {
            pool_id,
            client_ids: Vec::new(),
            any_client_id: false,
            token_use: None,
            issuers: None,
            jwks_uri: None,
            leeway: Duration::ZERO,
            iat_tolerance: Self::DEFAULT_IAT_TOLERANCE,
            groups: None,
            scopes: None,
            jwks_ttl: None,
            penalty_box: Self::DEFAULT_PENALTY_BOX,
            fetcher: None,
            max_token_len: Self::DEFAULT_MAX_TOKEN_LEN,
        }
    }

    /// Accepts tokens of this app client (adds to the accepted client ids).
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

    /// Accepts exactly this issuer instead of the two Cognito forms (a local emulator's
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

    /// Fetches the keys of every accepted issuer from this URI (one shared key set).
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
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

    /// Fetches JWKS with this fetcher instead of an [`HttpJwksFetcher`] over hyper.
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
        let pool =
            cognito_wire::PoolId::parse(&self.pool_id).map_err(|_| BuildError::InvalidPoolId)?;
        let token_use = self.token_use.ok_or(BuildError::MissingTokenUse)?;
        let client_ids = if self.any_client_id {
            None
        } else if self.client_ids.is_empty() {
            return Err(BuildError::MissingClientId);
        } else {
            Some(self.client_ids.into_iter().map(Into::into).collect())
        };
        let issuers: Vec<String> = match self.issuers {
            Some(list) => list
                .into_iter()
                .map(|i| i.trim_end_matches('/').to_owned())
                .collect(),
            // Cognito's two issuer formats, with the partition's DNS suffix.
            None => vec![pool.issuer(), pool.issuer_multi_region()],
        };
        if issuers.is_empty()
            || issuers.iter().any(String::is_empty)
            || self.jwks_uri.as_deref().is_some_and(str::is_empty)
        {
            return Err(BuildError::EmptyIssuer);
        }
        let (key_sets, issuers) = match self.jwks_uri {
            Some(uri) => (
                vec![KeySet::new(uri.into())],
                issuers.into_iter().map(|i| (i.into(), 0)).collect(),
            ),
            None => {
                let sets = issuers
                    .iter()
                    .map(|i| KeySet::new(format!("{i}/.well-known/jwks.json").into()))
                    .collect();
                let issuers = issuers
                    .into_iter()
                    .enumerate()
                    .map(|(index, i)| (i.into(), index))
                    .collect();
                (sets, issuers)
            }
        };
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
                pool_id: self.pool_id.into(),
                issuers,
                key_sets,
                client_ids,
                token_use,
                groups: self.groups.map(|g| g.into_iter().map(Into::into).collect()),
                scopes: self.scopes.map(|s| s.into_iter().map(Into::into).collect()),
                leeway_ns: to_ns(self.leeway),
                iat_tolerance_ns: to_ns(self.iat_tolerance),
                policy: CachePolicy {
                    ttl: self.jwks_ttl.map(to_time),
                    penalty: to_time(self.penalty_box),
                },
                fetcher,
                max_token_len: self.max_token_len,
            }),
        })
    }
}
