//! User pool ids: `<region>_<id>` (`us-east-1_AbCdEf123`), parsed once into a [`PoolId`] that
//! knows its region, its partition (from the compiled-in partitions model, see
//! [`endpoint::partitions`](crate::endpoint::partitions)), the token issuer in both of Cognito's
//! formats and the JWKS URL.
//!
//! ```
//! use cognito_wire::PoolId;
//! let pool: PoolId = "cn-north-1_AbCdEf123".parse()?;
//! assert_eq!(pool.region(), "cn-north-1");
//! assert_eq!(pool.partition().id, "aws-cn");
//! assert_eq!(pool.issuer(), "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbCdEf123");
//! # Ok::<(), cognito_wire::PoolIdError>(())
//! ```

use crate::endpoint::{self, Partition};
use std::fmt;
use std::str::FromStr;

/// Longest pool id the API accepts (`UserPoolIdType`: length 1 to 55).
pub const MAX_POOL_ID_LEN: usize = 55;

/// A valid user pool id, `<region>_<id>`.
///
/// The rules are the API model's (`UserPoolIdType`: pattern `[\w-]+_[0-9a-zA-Z]+`, 1 to 55
/// characters), with the part before the first `_` held to what a region name is: lowercase
/// ASCII letters, digits and `-`, starting with a letter, ending with a letter or digit, with
/// at least one `-` (`us-east-1`, `cn-north-1`, `us-gov-west-1`, `eusc-de-east-1`). The part
/// after it, the id (what SRP calls the pool name), is ASCII letters and digits.
///
/// ```
/// use cognito_wire::PoolId;
/// let pool = PoolId::parse("us-gov-west-1_AbCdEf123")?;
/// assert_eq!(pool.region(), "us-gov-west-1");
/// assert_eq!(pool.name(), "AbCdEf123");
/// assert_eq!(pool.partition().id, "aws-us-gov");
/// assert_eq!(pool.to_string(), "us-gov-west-1_AbCdEf123");
/// assert!(PoolId::parse("us-gov-west-1").is_err());
/// # Ok::<(), cognito_wire::PoolIdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoolId(String);

/// Why a string is not a [`PoolId`]; its message names the expected form.
///
/// ```
/// use cognito_wire::{PoolId, PoolIdErrorKind};
/// let err = PoolId::parse("AbCdEf123").unwrap_err();
/// assert_eq!(err.kind(), PoolIdErrorKind::MissingUnderscore);
/// assert_eq!(err.input(), "AbCdEf123");
/// assert!(err.to_string().contains("expected <region>_<id>, e.g. us-east-1_AbCdEf123"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid user pool id {input:?}: {kind}; expected <region>_<id>, e.g. us-east-1_AbCdEf123")]
pub struct PoolIdError {
    /// The rejected text (its first 80 characters).
    input: String,
    kind: PoolIdErrorKind,
}

impl PoolIdError {
    /// What is wrong with it.
    ///
    /// ```
    /// use cognito_wire::{PoolId, PoolIdErrorKind};
    /// assert_eq!(PoolId::parse("us-east-1_").unwrap_err().kind(), PoolIdErrorKind::EmptyId);
    /// ```
    pub fn kind(&self) -> PoolIdErrorKind {
        self.kind
    }

    /// The rejected text (cut to its first 80 characters).
    ///
    /// ```
    /// let err = cognito_wire::PoolId::parse(&"x".repeat(100)).unwrap_err();
    /// assert_eq!(err.input().len(), 80);
    /// ```
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// The ways a pool id can be malformed.
///
/// ```
/// use cognito_wire::{PoolId, PoolIdErrorKind as K};
/// let kind = |s: &str| PoolId::parse(s).unwrap_err().kind();
/// assert_eq!(kind(""), K::Empty);
/// assert_eq!(kind(&format!("us-east-1_{}", "a".repeat(50))), K::TooLong { len: 60 });
/// assert_eq!(kind("us-east-1"), K::MissingUnderscore);
/// assert_eq!(kind("_AbC"), K::EmptyRegion);
/// assert_eq!(kind("us-east-1_"), K::EmptyId);
/// assert_eq!(kind("US-EAST-1_AbC"), K::InvalidRegion);
/// assert_eq!(kind("us-east-1_Ab-C"), K::InvalidId);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PoolIdErrorKind {
    /// The empty string.
    Empty,
    /// More than [`MAX_POOL_ID_LEN`] characters.
    TooLong {
        /// Its length in characters.
        len: usize,
    },
    /// No `_` separates region and id.
    MissingUnderscore,
    /// Nothing before the `_`.
    EmptyRegion,
    /// Nothing after the `_`.
    EmptyId,
    /// The part before the `_` is not a region name.
    InvalidRegion,
    /// The part after the `_` is not ASCII letters and digits.
    InvalidId,
}

impl fmt::Display for PoolIdErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong { len } => {
                write!(f, "{len} characters, at most {MAX_POOL_ID_LEN} are allowed")
            }
            Self::MissingUnderscore => f.write_str("no `_` between the region and the id"),
            Self::EmptyRegion => f.write_str("the region before `_` is empty"),
            Self::EmptyId => f.write_str("the id after `_` is empty"),
            Self::InvalidRegion => f.write_str(
                "the region before `_` must be lowercase letters, digits and `-`, like us-east-1",
            ),
            Self::InvalidId => f.write_str("the id after `_` must be ASCII letters and digits"),
        }
    }
}

/// Is `region` a region name: `[a-z][a-z0-9-]*[a-z0-9]` with at least one `-`?
fn is_region_name(region: &str) -> bool {
    let bytes = region.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.contains(&b'-')
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// Checks `id` and splits it into region and id (the rules of [`PoolId`]).
pub(crate) fn split(id: &str) -> Result<(&str, &str), PoolIdErrorKind> {
    if id.is_empty() {
        return Err(PoolIdErrorKind::Empty);
    }
    let len = id.chars().count();
    if len > MAX_POOL_ID_LEN {
        return Err(PoolIdErrorKind::TooLong { len });
    }
    let (region, name) = id
        .split_once('_')
        .ok_or(PoolIdErrorKind::MissingUnderscore)?;
    if region.is_empty() {
        return Err(PoolIdErrorKind::EmptyRegion);
    }
    if name.is_empty() {
        return Err(PoolIdErrorKind::EmptyId);
    }
    if !is_region_name(region) {
        return Err(PoolIdErrorKind::InvalidRegion);
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(PoolIdErrorKind::InvalidId);
    }
    Ok((region, name))
}

impl PoolId {
    /// Parses a pool id (see [`PoolId`] for the rules). Never panics.
    ///
    /// ```
    /// use cognito_wire::PoolId;
    /// assert!(PoolId::parse("eu-west-1_AbCdEf123").is_ok());
    /// assert!(PoolId::parse("eu-west-1_AbC_dEf").is_err());
    /// ```
    pub fn parse(id: &str) -> Result<Self, PoolIdError> {
        Self::try_from(id.to_owned())
    }

    /// The pool id as given.
    ///
    /// ```
    /// let pool = cognito_wire::PoolId::parse("us-east-1_AbC")?;
    /// assert_eq!(pool.as_str(), "us-east-1_AbC");
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region, the part before `_` (for a replicated pool: its primary region).
    ///
    /// ```
    /// let pool = cognito_wire::PoolId::parse("ap-southeast-2_AbC")?;
    /// assert_eq!(pool.region(), "ap-southeast-2");
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn region(&self) -> &str {
        self.0.split_once('_').map_or("", |(region, _)| region)
    }

    /// The id after `_`, what SRP calls the pool name.
    ///
    /// ```
    /// let pool = cognito_wire::PoolId::parse("eu-west-2_Q1w2E3r4")?;
    /// assert_eq!(pool.name(), "Q1w2E3r4");
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn name(&self) -> &str {
        self.0.split_once('_').map_or("", |(_, name)| name)
    }

    /// The region's partition: the one listing it or whose `regionRegex` matches it, else `aws`.
    ///
    /// ```
    /// use cognito_wire::PoolId;
    /// let partition = PoolId::parse("us-iso-east-1_AbC")?.partition();
    /// assert_eq!((partition.id, partition.dns_suffix), ("aws-iso", "c2s.ic.gov"));
    /// assert_eq!(PoolId::parse("xx-moon-1_AbC")?.partition().id, "aws");
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn partition(&self) -> &'static Partition {
        endpoint::partition_for_region(self.region())
    }

    /// The issuer (`iss`) of the pool's tokens in Cognito's original format,
    /// `https://cognito-idp.{region}.{dns suffix}/{pool id}`.
    ///
    /// ```
    /// let pool = cognito_wire::PoolId::parse("us-east-1_AbC")?;
    /// assert_eq!(pool.issuer(), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC");
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn issuer(&self) -> String {
        self.issuer_with("cognito-idp")
    }

    /// The issuer in Cognito's updated format, the one multi-region (replicated) pools use:
    /// `https://issuer-cognito-idp.{region}.{dns suffix}/{pool id}`, with the pool's primary
    /// region.
    ///
    /// ```
    /// let pool = cognito_wire::PoolId::parse("us-east-1_AbC")?;
    /// assert_eq!(
    ///     pool.issuer_multi_region(),
    ///     "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC"
    /// );
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn issuer_multi_region(&self) -> String {
        self.issuer_with("issuer-cognito-idp")
    }

    /// The pool's key set for the original issuer: [`issuer`](Self::issuer) +
    /// `/.well-known/jwks.json`.
    ///
    /// ```
    /// let pool = cognito_wire::PoolId::parse("cn-north-1_AbC")?;
    /// assert_eq!(
    ///     pool.jwks_url(),
    ///     "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC/.well-known/jwks.json"
    /// );
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer())
    }

    /// The key set for the multi-region issuer: [`issuer_multi_region`](Self::issuer_multi_region)
    /// + `/.well-known/jwks.json`.
    ///
    /// ```
    /// let pool = cognito_wire::PoolId::parse("us-east-1_AbC")?;
    /// assert_eq!(
    ///     pool.jwks_url_multi_region(),
    ///     "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/.well-known/jwks.json"
    /// );
    /// # Ok::<(), cognito_wire::PoolIdError>(())
    /// ```
    pub fn jwks_url_multi_region(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer_multi_region())
    }

    fn issuer_with(&self, host_prefix: &str) -> String {
        format!(
            "https://{host_prefix}.{}.{}/{}",
            self.region(),
            self.partition().dns_suffix,
            self.0
        )
    }
}

impl TryFrom<String> for PoolId {
    type Error = PoolIdError;

    fn try_from(id: String) -> Result<Self, PoolIdError> {
        match split(&id) {
            Ok(_) => Ok(Self(id)),
            Err(kind) => Err(PoolIdError {
                input: id.chars().take(80).collect(),
                kind,
            }),
        }
    }
}

impl TryFrom<&str> for PoolId {
    type Error = PoolIdError;

    fn try_from(id: &str) -> Result<Self, PoolIdError> {
        Self::parse(id)
    }
}

impl FromStr for PoolId {
    type Err = PoolIdError;

    fn from_str(id: &str) -> Result<Self, PoolIdError> {
        Self::parse(id)
    }
}

impl fmt::Display for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PoolId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<PoolId> for String {
    fn from(id: PoolId) -> String {
        id.0
    }
}

/// Serialized as the id string.
impl serde::Serialize for PoolId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserialized from a string, with [`PoolId::parse`]'s checks.
impl<'de> serde::Deserialize<'de> for PoolId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        Self::try_from(id).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pool(id: &str) -> PoolId {
        PoolId::parse(id).unwrap()
    }

    #[test]
    fn aws() {
        let p = pool("us-east-1_AbCdEf123");
        assert_eq!((p.region(), p.name()), ("us-east-1", "AbCdEf123"));
        assert_eq!(p.partition().id, "aws");
        assert_eq!(
            p.issuer(),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
        );
        assert_eq!(
            p.issuer_multi_region(),
            "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
        );
        assert_eq!(
            p.jwks_url(),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123/.well-known/jwks.json"
        );
    }

    #[test]
    fn aws_cn() {
        let p = pool("cn-north-1_AbC");
        assert_eq!(p.partition().id, "aws-cn");
        assert_eq!(
            p.issuer(),
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC"
        );
        assert_eq!(
            p.issuer_multi_region(),
            "https://issuer-cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC"
        );
        assert_eq!(
            p.jwks_url_multi_region(),
            "https://issuer-cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC/.well-known/jwks.json"
        );
        // A Chinese region the model does not list yet: by the pattern.
        assert_eq!(pool("cn-south-9_AbC").partition().id, "aws-cn");
    }

    #[test]
    fn aws_us_gov() {
        let p = pool("us-gov-west-1_AbC");
        assert_eq!(p.partition().id, "aws-us-gov");
        assert_eq!(
            p.issuer(),
            "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_AbC"
        );
        assert_eq!(pool("us-gov-north-3_AbC").partition().id, "aws-us-gov");
    }

    #[test]
    fn iso_partitions() {
        let p = pool("us-iso-east-1_AbC");
        assert_eq!(p.partition().id, "aws-iso");
        assert_eq!(
            p.issuer(),
            "https://cognito-idp.us-iso-east-1.c2s.ic.gov/us-iso-east-1_AbC"
        );
        assert_eq!(
            p.jwks_url(),
            "https://cognito-idp.us-iso-east-1.c2s.ic.gov/us-iso-east-1_AbC/.well-known/jwks.json"
        );
        let b = pool("us-isob-east-1_AbC");
        assert_eq!(
            (b.partition().id, b.partition().dns_suffix),
            ("aws-iso-b", "sc2s.sgov.gov")
        );
        let f = pool("us-isof-south-1_AbC");
        assert_eq!(f.partition().id, "aws-iso-f");
        let e = pool("eu-isoe-west-1_AbC");
        assert_eq!(e.partition().id, "aws-iso-e");
        assert_eq!(
            e.issuer_multi_region(),
            "https://issuer-cognito-idp.eu-isoe-west-1.cloud.adc-e.uk/eu-isoe-west-1_AbC"
        );
    }

    #[test]
    fn eusc() {
        let p = pool("eusc-de-east-1_AbC");
        assert_eq!(p.partition().id, "aws-eusc");
        assert_eq!(
            p.issuer(),
            "https://cognito-idp.eusc-de-east-1.amazonaws.eu/eusc-de-east-1_AbC"
        );
        assert_eq!(pool("eusc-de-west-4_AbC").partition().id, "aws-eusc");
    }

    #[test]
    fn unknown_regions_fall_back_to_aws() {
        let p = pool("xx-moon-1_AbC");
        assert_eq!(p.partition().id, "aws");
        assert_eq!(
            p.issuer(),
            "https://cognito-idp.xx-moon-1.amazonaws.com/xx-moon-1_AbC"
        );
    }

    #[test]
    fn every_model_pattern_compiles_and_every_partition_is_read() {
        let all = endpoint::partitions();
        let ids: Vec<_> = all.iter().map(|p| p.id).collect();
        for id in [
            "aws",
            "aws-cn",
            "aws-us-gov",
            "aws-iso",
            "aws-iso-b",
            "aws-iso-e",
            "aws-iso-f",
            "aws-eusc",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        for p in all {
            assert!(p.pattern.is_some(), "{}: {}", p.id, p.region_regex);
            assert!(
                !p.dns_suffix.is_empty() && !p.regions.is_empty(),
                "{}",
                p.id
            );
            // Every listed region that is a region name resolves back to its partition.
            for r in p.regions.iter().filter(|r| !r.ends_with("-global")) {
                assert_eq!(endpoint::partition_for_region(r).id, p.id, "{r}");
                assert_eq!(pool(&format!("{r}_AbC")).partition().id, p.id, "{r}");
            }
        }
    }

    #[test]
    fn malformed_ids_are_typed_errors() {
        use PoolIdErrorKind as K;
        let too_long = format!("us-east-1_{}", "A".repeat(46));
        assert_eq!(too_long.len(), 56);
        let longest = format!("us-east-1_{}", "A".repeat(45));
        assert!(PoolId::parse(&longest).is_ok());
        for (id, kind) in [
            ("", K::Empty),
            ("AbCdEf123", K::MissingUnderscore),
            ("us-east-1", K::MissingUnderscore),
            ("_AbC", K::EmptyRegion),
            ("_", K::EmptyRegion),
            ("us-east-1_", K::EmptyId),
            (too_long.as_str(), K::TooLong { len: 56 }),
            ("EU_x", K::InvalidRegion),
            ("US-EAST-1_AbC", K::InvalidRegion),
            ("useast1_AbC", K::InvalidRegion),
            ("-us-east-1_AbC", K::InvalidRegion),
            ("us-east-_AbC", K::InvalidRegion),
            ("1us-east_AbC", K::InvalidRegion),
            ("us east-1_AbC", K::InvalidRegion),
            ("us-east-1_Ab/C", K::InvalidId),
            ("us-east-1_Ab_C", K::InvalidId),
            ("us-east-1_Ab-C", K::InvalidId),
            ("us-east-1_Äb", K::InvalidId),
            ("us-east-1_ AbC", K::InvalidId),
        ] {
            let err = PoolId::parse(id).unwrap_err();
            assert_eq!(err.kind(), kind, "{id:?}");
            let msg = err.to_string();
            assert!(
                msg.contains("expected <region>_<id>, e.g. us-east-1_AbCdEf123"),
                "{msg}"
            );
            assert!(msg.contains(&format!("{id:?}")), "{msg}");
        }
    }

    #[test]
    fn string_conversions_and_serde() {
        let p: PoolId = "eu-west-1_AbC".parse().unwrap();
        assert_eq!(p.to_string(), "eu-west-1_AbC");
        assert_eq!(p.as_ref(), "eu-west-1_AbC");
        assert_eq!(PoolId::try_from("eu-west-1_AbC").unwrap(), p);
        assert_eq!(String::from(p.clone()), "eu-west-1_AbC");
        assert_eq!(format!("{p:?}"), r#"PoolId("eu-west-1_AbC")"#);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#""eu-west-1_AbC""#);
        let back: PoolId = serde_json::from_str(r#""eu-west-1_AbC""#).unwrap();
        assert_eq!(back, p);
        let err = serde_json::from_str::<PoolId>(r#""eu-west-1""#).unwrap_err();
        assert!(err.to_string().contains("expected <region>_<id>"), "{err}");
        assert!(serde_json::from_str::<PoolId>("12").is_err());
    }

    #[test]
    fn region_from_pool_id_agrees() {
        assert_eq!(
            endpoint::region_from_pool_id("us-gov-west-1_AbC"),
            Some("us-gov-west-1")
        );
        assert_eq!(endpoint::region_from_pool_id("EU_x"), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            match PoolId::parse(&s) {
                Ok(p) => {
                    prop_assert_eq!(p.as_str(), s.as_str());
                    prop_assert_eq!(format!("{}_{}", p.region(), p.name()), s.clone());
                    let _ = (p.issuer(), p.jwks_url_multi_region());
                }
                Err(e) => prop_assert!(e.input().chars().count() <= 80),
            }
            let parsed = PoolId::parse(&s).ok();
            prop_assert_eq!(
                endpoint::region_from_pool_id(&s),
                parsed.as_ref().map(PoolId::region)
            );
        }

        #[test]
        fn parse_accepts_what_it_should(
            region in "[a-z]{2,4}(-[a-z]{2,8}){1,2}-[0-9]{1,2}",
            name in "[0-9a-zA-Z]{1,20}",
        ) {
            let id = format!("{region}_{name}");
            let p = PoolId::parse(&id).unwrap();
            prop_assert_eq!((p.region(), p.name()), (region.as_str(), name.as_str()));
        }

        #[test]
        fn pool_like_strings_never_panic(s in "[a-zA-Z0-9_/ -]{0,70}") {
            let _ = PoolId::parse(&s).map(|p| p.issuer());
        }
    }
}
