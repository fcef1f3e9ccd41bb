//! [`Claims`] of a verified token, [`TokenUse`], and the borrowed view the verifier parses.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::error::JwtError;

/// Which kind of Cognito token a verifier accepts (`token_use`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenUse {
    /// Id tokens only (`token_use` = `id`; the client id is checked in `aud`).
    Id,
    /// Access tokens only (`token_use` = `access`; the client id is checked in `client_id`).
    Access,
    /// Both kinds (`token_use` must still be `id` or `access`).
    Any,
}

impl TokenUse {
    /// `id`, `access` or `any`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Access => "access",
            Self::Any => "any",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims of a verified Cognito token: the standard ones typed, every claim (custom
/// attributes, `version`, `email_verified`, ...) through [`Claims::raw`] and [`Claims::get`].
///
/// Timestamps are `OffsetDateTime`s in UTC.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Claims {
    /// `sub`: the user's (or, for client-credentials tokens, the client's) stable id.
    pub sub: String,
    /// `iss`: the issuer.
    pub iss: String,
    /// `token_use`: [`TokenUse::Id`] or [`TokenUse::Access`].
    pub token_use: TokenUse,
    /// `exp`: expiry.
    pub exp: OffsetDateTime,
    /// `iat`: issue time.
    pub iat: OffsetDateTime,
    /// `nbf`: not before (Cognito does not set it).
    pub nbf: Option<OffsetDateTime>,
    /// `auth_time`: when the user authenticated.
    pub auth_time: Option<OffsetDateTime>,
    /// `client_id` (access tokens).
    pub client_id: Option<String>,
    /// `aud` (id tokens: the client id). A string `aud` becomes a one-element vector.
    pub aud: Vec<String>,
    /// `username` (access tokens).
    pub username: Option<String>,
    /// `cognito:username` (id tokens).
    pub cognito_username: Option<String>,
    /// `cognito:groups` (empty when absent).
    pub groups: Vec<String>,
    /// `scope`: space-separated scopes (access tokens); see [`Claims::scopes`].
    pub scope: Option<String>,
    /// `jti`.
    pub jti: Option<String>,
    /// `origin_jti`: the id shared by all tokens of one authentication (revocation).
    pub origin_jti: Option<String>,
    /// `event_id`.
    pub event_id: Option<String>,
    /// `device_key` (access tokens of remembered devices).
    pub device_key: Option<String>,
    /// `email` (id tokens).
    pub email: Option<String>,
    payload: Vec<u8>,
    raw: OnceLock<Map<String, Value>>,
}

impl Claims {
    /// The user name: `username` (access tokens) or `cognito:username` (id tokens).
    pub fn user_name(&self) -> Option<&str> {
        self.username
            .as_deref()
            .or(self.cognito_username.as_deref())
    }

    /// The scopes of `scope`, split on spaces.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope
            .as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
    }

    /// Whether `cognito:groups` contains `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Every claim, as JSON (parsed on first use, then cached).
    pub fn raw(&self) -> &Map<String, Value> {
        self.raw
            .get_or_init(|| serde_json::from_slice(&self.payload).unwrap_or_default())
    }

    /// One claim by name (`custom:tenant`, `email_verified`, `version`, ...).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.raw().get(name)
    }

    /// Reads the claims into a type of one's own: custom attributes, and what a pre token
    /// generation trigger (V2/V3) adds (arrays, numbers, objects). Unknown claims are ignored
    /// unless `T` denies them; a missing or mistyped claim is [`JwtError::ClaimsType`].
    ///
    /// ```no_run
    /// # fn f(claims: &cognito_jwt::Claims) -> Result<(), cognito_jwt::JwtError> {
    /// #[derive(serde::Deserialize)]
    /// struct Mine {
    ///     #[serde(rename = "custom:tenant")]
    ///     tenant: String,
    ///     #[serde(default)]
    ///     entitlements: Vec<String>,
    /// }
    /// let mine: Mine = claims.deserialize_into()?;
    /// # Ok(()) }
    /// ```
    pub fn deserialize_into<T: DeserializeOwned>(&self) -> Result<T, JwtError> {
        serde_json::from_slice(&self.payload).map_err(|e| JwtError::ClaimsType {
            message: e.to_string(),
        })
    }

    /// The decoded payload: the claims as the JSON text that was signed.
    pub fn payload_json(&self) -> &[u8] {
        &self.payload
    }
}

/// A string that borrows from the input when it has no escapes.
#[derive(Debug)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl Str<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor).map(Str)
    }
}

/// `aud`: a string or an array of strings.
#[derive(Debug)]
pub(crate) enum Audience<'a> {
    One(Str<'a>),
    Many(Vec<Str<'a>>),
}

impl Audience<'_> {
    pub(crate) fn contains_any(&self, accepted: &[Box<str>]) -> bool {
        match self {
            Self::One(s) => accepted.iter().any(|a| **a == *s.as_str()),
            Self::Many(v) => v
                .iter()
                .any(|s| accepted.iter().any(|a| **a == *s.as_str())),
        }
    }

    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s.0.into_owned()],
            Self::Many(v) => v.into_iter().map(|s| s.0.into_owned()).collect(),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Audience<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Audience<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Audience::One(Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Audience::One(Str(Cow::Owned(v.to_owned()))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
                while let Some(s) = seq.next_element::<Str<'de>>()? {
                    out.push(s);
                }
                Ok(Audience::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JWT NumericDate: seconds since the epoch, integer or (truncated) fractional.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NumericDate(pub(crate) i64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NumericDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(NumericDate(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("NumericDate out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // ±2^62 keeps the cast exact in range; anything beyond is no date anyway.
                const LIMIT: f64 = 4_611_686_018_427_387_904.0;
                if v.is_finite() && v.abs() < LIMIT {
                    #[allow(clippy::cast_possible_truncation)]
                    Ok(NumericDate(v.trunc() as i64))
                } else {
                    Err(E::custom("NumericDate out of range"))
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl NumericDate {
    pub(crate) fn nanos(self) -> i128 {
        i128::from(self.0) * 1_000_000_000
    }

    pub(crate) fn to_datetime(self, claim: &'static str) -> Result<OffsetDateTime, JwtError> {
        OffsetDateTime::from_unix_timestamp(self.0).map_err(|_| JwtError::InvalidClaim { claim })
    }
}

/// The claims the verifier needs, borrowed from the decoded payload where possible. Every
/// other member is skipped without being materialized.
#[derive(Debug, Deserialize)]
pub(crate) struct RawClaims<'a> {
    #[serde(borrow)]
    pub(crate) sub: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) iss: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) token_use: Option<Str<'a>>,
    pub(crate) exp: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) auth_time: Option<NumericDate>,
    #[serde(borrow)]
    pub(crate) client_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) aud: Option<Audience<'a>>,
    #[serde(borrow)]
    pub(crate) username: Option<Str<'a>>,
    #[serde(borrow, rename = "cognito:username")]
    pub(crate) cognito_username: Option<Str<'a>>,
    #[serde(borrow, rename = "cognito:groups")]
    pub(crate) groups: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub(crate) scope: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) jti: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) origin_jti: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) event_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) device_key: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) email: Option<Str<'a>>,
}

fn owned(s: Option<Str<'_>>) -> Option<String> {
    s.map(|s| s.0.into_owned())
}

/// The owned claims, built after every check passed; the payload is attached afterwards.
#[derive(Debug)]
pub(crate) struct CheckedClaims {
    claims: Claims,
}

impl CheckedClaims {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        raw: RawClaims<'_>,
        sub: Str<'_>,
        iss: Str<'_>,
        token_use: TokenUse,
        exp: NumericDate,
        iat: NumericDate,
    ) -> Result<Self, JwtError> {
        let nbf = raw.nbf.map(|d| d.to_datetime("nbf")).transpose()?;
        let auth_time = raw
            .auth_time
            .map(|d| d.to_datetime("auth_time"))
            .transpose()?;
        Ok(Self {
            claims: Claims {
                sub: sub.0.into_owned(),
                iss: iss.0.into_owned(),
                token_use,
                exp: exp.to_datetime("exp")?,
                iat: iat.to_datetime("iat")?,
                nbf,
                auth_time,
                client_id: owned(raw.client_id),
                aud: raw.aud.map(Audience::into_vec).unwrap_or_default(),
                username: owned(raw.username),
                cognito_username: owned(raw.cognito_username),
                groups: raw
                    .groups
                    .map(|g| g.into_iter().map(|s| s.0.into_owned()).collect())
                    .unwrap_or_default(),
                scope: owned(raw.scope),
                jti: owned(raw.jti),
                origin_jti: owned(raw.origin_jti),
                event_id: owned(raw.event_id),
                device_key: owned(raw.device_key),
                email: owned(raw.email),
                payload: Vec::new(),
                raw: OnceLock::new(),
            },
        })
    }

    pub(crate) fn with_payload(self, payload: Vec<u8>) -> Claims {
        Claims {
            payload,
            ..self.claims
        }
    }
}
