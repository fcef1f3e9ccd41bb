//! Errors of JWT verification, JWKS fetching and verifier construction.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::claims::TokenUse;

/// A part of a compact JWS (`header.payload.signature`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segment {
    /// The first segment, the JOSE header.
    Header,
    /// The second segment, the claims.
    Payload,
    /// The third segment, the signature.
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a token was rejected. One variant per failure, so callers (and tests) can tell them
/// apart. Messages never contain the token; the only token-derived text is a truncated `alg`.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is longer than the verifier's limit (checked before any decoding).
    #[error("token is {len} bytes, more than the {max} accepted")]
    TooLarge {
        /// Length of the token.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The token does not have exactly three dot-separated segments.
    #[error("token has {found} dot-separated segments, expected 3")]
    SegmentCount {
        /// Number of segments found.
        found: usize,
    },
    /// A segment is empty.
    #[error("token {0} segment is empty")]
    EmptySegment(Segment),
    /// A segment is not canonical, unpadded base64url.
    #[error("token {0} segment is not valid unpadded base64url")]
    Base64(Segment),
    /// The decoded header is larger than the verifier accepts (1 KiB).
    #[error("token header is too large")]
    HeaderTooLarge,
    /// A segment is not a JSON object.
    #[error("token {0} segment is not a JSON object")]
    NotJsonObject(Segment),
    /// A segment is a JSON object, but not valid JSON or not of the expected shape (a claim of
    /// the wrong type, a duplicated member, ...).
    #[error("token {0} segment is malformed JSON or has members of the wrong type")]
    Json(Segment),
    /// The header has no `alg`.
    #[error("token header has no alg")]
    MissingAlg,
    /// The header's `alg` is not `RS256` (the only algorithm Cognito uses and this verifier
    /// accepts): `none`, `HS256`, `RS512`, ...
    #[error("unsupported alg {alg:?}: only RS256 is accepted")]
    UnsupportedAlg {
        /// The `alg` of the token, truncated to 16 bytes.
        alg: String,
    },
    /// The header has a `crit` member; no critical extension is supported.
    #[error("token header lists critical extensions (crit); none are supported")]
    UnsupportedCritical,
    /// The header has no `kid`.
    #[error("token header has no kid")]
    MissingKid,
    /// The JWKS has no key with the token's `kid` (after a refetch, or without one while the
    /// penalty box is closed, or from [`verify_sync`](crate::CognitoJwtVerifier::verify_sync)).
    #[error("no key with the token's kid in the JWKS")]
    KidNotFound,
    /// [`verify_sync`](crate::CognitoJwtVerifier::verify_sync) was called before the JWKS was
    /// loaded ([`hydrate`](crate::CognitoJwtVerifier::hydrate) or
    /// [`add_jwks`](crate::CognitoJwtVerifier::add_jwks)).
    #[error("the JWKS is not loaded yet (hydrate, add_jwks, or use the async verify)")]
    JwksNotLoaded,
    /// [`verify_sync`](crate::CognitoJwtVerifier::verify_sync) found the cached JWKS older than
    /// the configured TTL.
    #[error("the cached JWKS is older than its TTL")]
    JwksExpired,
    /// The JWK with the token's `kid` cannot verify RS256 signatures.
    #[error("the JWK for the token's kid is unusable: {reason}")]
    JwkInvalid {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The JWKS document is not a JSON object with a `keys` array of JWKs.
    #[error("the JWKS document is invalid: {reason}")]
    JwksInvalid {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The JWKS could not be fetched.
    #[error("fetching the JWKS failed: {0}")]
    JwksFetch(#[source] JwksFetchError),
    /// The RS256 signature does not verify with the JWK.
    #[error("the token's signature does not verify")]
    InvalidSignature,
    /// `iss` is not one of the accepted issuers.
    #[error("the token's iss is not an accepted issuer")]
    IssuerMismatch,
    /// A required claim is absent.
    #[error("the token has no {claim} claim")]
    MissingClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// A claim has a value out of range (a timestamp beyond what can be represented).
    #[error("the token's {claim} claim is out of range")]
    InvalidClaim {
        /// The claim's name.
        claim: &'static str,
    },
    /// `token_use` is not the expected one (or neither `id` nor `access`).
    #[error("the token's token_use is not {expected}")]
    TokenUseMismatch {
        /// What the verifier accepts.
        expected: TokenUse,
    },
    /// The id token's `aud` is none of the accepted client ids.
    #[error("the id token's aud is not an accepted client id")]
    AudienceMismatch,
    /// The access token's `client_id` is none of the accepted client ids.
    #[error("the access token's client_id is not an accepted client id")]
    ClientIdMismatch,
    /// The token expired (`now >= exp + leeway`).
    #[error("the token expired at {exp}")]
    Expired {
        /// The token's `exp`.
        exp: OffsetDateTime,
    },
    /// The token is not valid yet (`now + leeway < nbf`).
    #[error("the token is not valid before {nbf}")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: OffsetDateTime,
    },
    /// The token was issued in the future (`iat > now + leeway + iat tolerance`).
    #[error("the token claims to be issued at {iat}, in the future")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: OffsetDateTime,
    },
    /// None of the token's `cognito:groups` is an allowed group.
    #[error("the token is in none of the allowed groups")]
    GroupNotAllowed,
    /// The token's `scope` has none of the required scopes.
    #[error("the token has none of the required scopes")]
    ScopeMissing,
    /// The custom check ([`check`](crate::CognitoJwtVerifierBuilder::check)) refused the claims.
    #[error("the token failed the custom check: {reason}")]
    CheckFailed {
        /// The check's message.
        reason: String,
    },
    /// The claims do not fit the caller's type
    /// ([`Claims::deserialize_into`](crate::Claims::deserialize_into)): a claim is missing or
    /// of another JSON type.
    #[error("the token's claims do not fit the expected type: {message}")]
    ClaimsType {
        /// serde's message (names the claim).
        message: String,
    },
    /// [`add_jwks_for_pool`](crate::CognitoJwtVerifier::add_jwks_for_pool) named a pool the
    /// verifier does not have.
    #[error("the verifier has no pool with this id")]
    UnknownPool,
    /// The JWKS file could not be read.
    #[error("cannot read the JWKS file {}: {error}", path.display())]
    JwksFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        error: Arc<std::io::Error>,
    },
}

/// Why the JWKS could not be fetched.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksFetchError {
    /// The JWKS URI is not a valid request URI.
    #[error("the JWKS URI is invalid")]
    InvalidUri,
    /// The endpoint answered with a non-2xx status.
    #[error("the JWKS endpoint answered HTTP {status}")]
    Status {
        /// The HTTP status code.
        status: u16,
    },
    /// The response body is larger than the limit.
    #[error("the JWKS response is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The crate was built without its `fetch` feature and no [`JwksFetcher`](crate::JwksFetcher)
    /// was given: keys must be loaded with `add_jwks` or `add_jwks_file`.
    #[error(
        "no JWKS fetcher (cognito-jwt built without its fetch feature): load the keys with \
         add_jwks or add_jwks_file, or give a JwksFetcher"
    )]
    NoFetcher,
    /// The request failed (connect, IO, timeout, ...).
    #[error("the JWKS request failed: {0}")]
    Transport(#[source] Arc<dyn std::error::Error + Send + Sync + 'static>),
}

/// Why [`CognitoJwtVerifierBuilder::build`](crate::CognitoJwtVerifierBuilder::build) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A user pool id is not `<region>_<id>` (the message says what is wrong with it).
    #[error(transparent)]
    InvalidPoolId(cognito_wire::PoolIdError),
    /// A replica region is not a region name.
    #[error("invalid replica region {region:?}: expected a region name like eu-central-1")]
    InvalidRegion {
        /// The rejected region (its first 40 characters).
        region: String,
    },
    /// Two pools (or a pool twice) accept the same issuer: each issuer belongs to one pool.
    #[error("the issuer {issuer} is configured twice: give each pool its own issuers")]
    DuplicateIssuer {
        /// The issuer.
        issuer: String,
    },
    /// `token_use` was not set (use `TokenUse::Any` to accept both kinds explicitly).
    #[error("token_use must be set (TokenUse::Any accepts both id and access tokens)")]
    MissingTokenUse,
    /// No client id was set and the check was not explicitly skipped with `any_client_id`.
    #[error("client_id must be set (or any_client_id called to skip the check explicitly)")]
    MissingClientId,
    /// An issuer (or the JWKS URI) is empty.
    #[error("an issuer or the JWKS URI is empty")]
    EmptyIssuer,
    /// The default HTTP fetcher could not be created.
    #[error("cannot create the default JWKS fetcher: {0}")]
    Fetcher(#[source] cognito_wire::error::BoxError),
}
