//! JWKS parsing (into ring public-key components, once per fetch) and the per-URI key cache
//! with single-flight fetching, an optional TTL and the penalty box.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::claims::Str;
use crate::error::JwtError;
use crate::fetch::JwksFetcher;

/// base64url for JWK members: padding tolerated (some producers add it), trailing bits not.
const JWK_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A key of the JWKS: usable for RS256, or the reason it is not (kept so that a token naming
/// it fails with [`JwtError::JwkInvalid`] rather than [`JwtError::KidNotFound`]).
#[derive(Debug)]
pub(crate) enum KeyEntry {
    Rsa(RsaPublicKeyComponents<Box<[u8]>>),
    Invalid(&'static str),
}

impl KeyEntry {
    /// Verifies an RS256 (PKCS#1 v1.5, SHA-256) signature over `message`.
    #[inline]
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), JwtError> {
        match self {
            Self::Rsa(key) => key
                .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                .map_err(|_| JwtError::InvalidSignature),
            Self::Invalid(reason) => Err(JwtError::JwkInvalid { reason }),
        }
    }
}

/// One immutable generation of a key set; replaced wholesale by a fetch or `add_jwks`.
#[derive(Debug)]
pub(crate) struct KeySnapshot {
    /// `(kid, key)`; JWKS are tiny (Cognito publishes two keys), a scan beats hashing.
    keys: Vec<(Box<str>, KeyEntry)>,
    loaded: bool,
    /// When it was fetched; `None` for keys added with `add_jwks` (they never go stale).
    fetched_at: Option<OffsetDateTime>,
}

impl KeySnapshot {
    #[inline]
    pub(crate) fn find(&self, kid: &str) -> Option<&KeyEntry> {
        self.keys
            .iter()
            .find(|(k, _)| **k == *kid)
            .map(|(_, entry)| entry)
    }

    fn fresh(&self, now: OffsetDateTime, ttl: Option<time::Duration>) -> bool {
        match (self.fetched_at, ttl) {
            (Some(at), Some(ttl)) => at.checked_add(ttl).is_none_or(|until| now < until),
            _ => true,
        }
    }
}

/// Parsed JWKS: `(kid, key)` pairs in document order, first of a duplicated `kid` kept.
pub(crate) type ParsedJwks = Vec<(Box<str>, KeyEntry)>;

#[derive(Deserialize)]
struct JwksDoc<'a> {
    #[serde(borrow)]
    keys: Vec<JwkDoc<'a>>,
}

#[derive(Deserialize)]
struct JwkDoc<'a> {
    #[serde(borrow)]
    kty: Option<Str<'a>>,
    #[serde(borrow)]
    kid: Option<Str<'a>>,
    #[serde(borrow, rename = "use")]
    use_: Option<Str<'a>>,
    #[serde(borrow)]
    alg: Option<Str<'a>>,
    #[serde(borrow)]
    n: Option<Str<'a>>,
    #[serde(borrow)]
    e: Option<Str<'a>>,
}

/// Parses a JWKS document. Fails only when the document itself is malformed; unusable keys
/// are kept as [`KeyEntry::Invalid`].
pub(crate) fn parse_jwks(bytes: &[u8]) -> Result<ParsedJwks, JwtError> {
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(JwtError::JwksInvalid {
            reason: "not a JSON object",
        });
    }
    let doc: JwksDoc<'_> = serde_json::from_slice(bytes).map_err(|_| JwtError::JwksInvalid {
        reason: "malformed JSON, no keys array, or a JWK member of the wrong type",
    })?;
    let mut out: ParsedJwks = Vec::with_capacity(doc.keys.len());
    for jwk in doc.keys {
        let Some(kid) = jwk.kid.as_ref() else {
            continue;
        };
        if out.iter().any(|(k, _)| **k == *kid.as_str()) {
            continue;
        }
        let kid: Box<str> = kid.as_str().into();
        out.push((kid, key_entry(&jwk)));
    }
    Ok(out)
}

fn key_entry(jwk: &JwkDoc<'_>) -> KeyEntry {
    match rsa_components(jwk) {
        Ok(key) => KeyEntry::Rsa(key),
        Err(reason) => KeyEntry::Invalid(reason),
    }
}

fn rsa_components(jwk: &JwkDoc<'_>) -> Result<RsaPublicKeyComponents<Box<[u8]>>, &'static str> {
    if jwk.kty.as_ref().map(Str::as_str) != Some("RSA") {
        return Err("kty is not RSA");
    }
    if jwk.use_.as_ref().is_some_and(|u| u.as_str() != "sig") {
        return Err("use is not sig");
    }
    if jwk.alg.as_ref().is_some_and(|a| a.as_str() != "RS256") {
        return Err("alg is not RS256");
    }
    let n = jwk.n.as_ref().ok_or("no modulus (n)")?;
    let e = jwk.e.as_ref().ok_or("no exponent (e)")?;
    let n = JWK_B64
        .decode(n.as_str())
        .map_err(|_| "modulus (n) is not base64url")?;
    let e = JWK_B64
        .decode(e.as_str())
        .map_err(|_| "exponent (e) is not base64url")?;
    let n = strip_leading_zeros(&n);
    let e = strip_leading_zeros(&e);
    let bits = match n.first() {
        Some(&top) => n.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    };
    if !(2048..=8192).contains(&bits) {
        return Err("modulus is not 2048 to 8192 bits");
    }
    if n.last().is_none_or(|b| b & 1 == 0) {
        return Err("modulus is even");
    }
    let e_value = match e.len() {
        1..=4 => e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        _ => 0,
    };
    if e_value < 3 || e_value & 1 == 0 {
        return Err("exponent is not an odd number from 3 to 2^32-1");
    }
    Ok(RsaPublicKeyComponents {
        n: n.into(),
        e: e.into(),
    })
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

/// Cache settings shared by the key sets of a verifier.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CachePolicy {
    /// Fetched keys older than this are refetched (`None`: kept until a refetch).
    pub(crate) ttl: Option<time::Duration>,
    /// No refetch within this window after a fetch.
    pub(crate) penalty: time::Duration,
}

#[derive(Debug, Default)]
struct FetchState {
    last_fetch: Option<OffsetDateTime>,
    last_error: Option<JwtError>,
}

/// The keys of one JWKS URI.
#[derive(Debug)]
pub(crate) struct KeySet {
    pub(crate) uri: Box<str>,
    snapshot: RwLock<Arc<KeySnapshot>>,
    /// Held across a fetch: concurrent misses wait for it instead of fetching too.
    fetch: tokio::sync::Mutex<FetchState>,
    /// Bumped after every fetch attempt, so waiters can tell a fetch happened while they
    /// waited.
    generation: AtomicU64,
}

impl KeySet {
    pub(crate) fn new(uri: Box<str>) -> Self {
        Self {
            uri,
            snapshot: RwLock::new(Arc::new(KeySnapshot {
                keys: Vec::new(),
                loaded: false,
                fetched_at: None,
            })),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            generation: AtomicU64::new(0),
        }
    }

    #[inline]
    pub(crate) fn snapshot(&self) -> Arc<KeySnapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn install(&self, keys: ParsedJwks, fetched_at: Option<OffsetDateTime>) {
        let snap = Arc::new(KeySnapshot {
            keys,
            loaded: true,
            fetched_at,
        });
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = snap;
    }

    /// The cached keys, when they hold `kid` and are fresh; never fetches.
    #[inline]
    pub(crate) fn cached(
        &self,
        kid: &str,
        now: OffsetDateTime,
        policy: &CachePolicy,
    ) -> Result<Arc<KeySnapshot>, JwtError> {
        let snap = self.snapshot();
        if !snap.loaded {
            return Err(JwtError::JwksNotLoaded);
        }
        if !snap.fresh(now, policy.ttl) {
            return Err(JwtError::JwksExpired);
        }
        if snap.find(kid).is_none() {
            return Err(JwtError::KidNotFound);
        }
        Ok(snap)
    }

    /// The keys holding `kid`, fetching the JWKS when it is not loaded, stale, or lacks `kid`
    /// (unless the penalty box is closed). One fetch at a time per key set.
    pub(crate) async fn key_for(
        &self,
        kid: &str,
        now: OffsetDateTime,
        policy: &CachePolicy,
        fetcher: &dyn JwksFetcher,
    ) -> Result<Arc<KeySnapshot>, JwtError> {
        let snap = self.snapshot();
        if snap.loaded && snap.fresh(now, policy.ttl) && snap.find(kid).is_some() {
            return Ok(snap);
        }
        let seen = self.generation.load(Ordering::Acquire);
        let mut state = self.fetch.lock().await;
        let snap = self.snapshot();
        let fresh = snap.loaded && snap.fresh(now, policy.ttl);
        if fresh && snap.find(kid).is_some() {
            return Ok(snap);
        }
        if self.generation.load(Ordering::Acquire) != seen {
            // Somebody fetched while this task waited: share their outcome (single flight).
            if let Some(err) = &state.last_error {
                return Err(err.clone());
            }
            return if snap.find(kid).is_some() {
                Ok(snap)
            } else {
                Err(JwtError::KidNotFound)
            };
        }
        if let Some(last) = state.last_fetch
            && (now - last).abs() < policy.penalty
        {
            if let Some(err) = &state.last_error {
                return Err(err.clone());
            }
            if fresh {
                return Err(JwtError::KidNotFound);
            }
        }
        self.fetch_locked(&mut state, now, fetcher).await?;
        let snap = self.snapshot();
        if snap.find(kid).is_some() {
            Ok(snap)
        } else {
            Err(JwtError::KidNotFound)
        }
    }

    /// Fetches now (ignoring the penalty box), still one fetch at a time.
    pub(crate) async fn refresh(
        &self,
        now: OffsetDateTime,
        fetcher: &dyn JwksFetcher,
    ) -> Result<(), JwtError> {
        let mut state = self.fetch.lock().await;
        self.fetch_locked(&mut state, now, fetcher).await
    }

    async fn fetch_locked(
        &self,
        state: &mut FetchState,
        now: OffsetDateTime,
        fetcher: &dyn JwksFetcher,
    ) -> Result<(), JwtError> {
        tracing::debug!(uri = %self.uri, "fetching JWKS");
        let result = match fetcher.fetch(&self.uri).await {
            Ok(bytes) => parse_jwks(&bytes),
            Err(e) => Err(JwtError::JwksFetch(e)),
        };
        state.last_fetch = Some(now);
        let out = match result {
            Ok(keys) => {
                self.install(keys, Some(now));
                state.last_error = None;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(uri = %self.uri, error = %e, "JWKS fetch failed");
                state.last_error = Some(e.clone());
                Err(e)
            }
        };
        self.generation.fetch_add(1, Ordering::AcqRel);
        out
    }
}
