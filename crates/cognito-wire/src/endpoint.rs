//! Endpoint resolution, following `endpoint-rule-set-1.json` and `partitions.json` of the
//! cognito-idp model. The partitions are read from the compiled-in `partitions.json`
//! ([`partitions`]); the few branches of the rule set are code, not a rules interpreter.
//!
//! Precedence: an explicit endpoint URL, then `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, then
//! `AWS_ENDPOINT_URL` (both ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), then the
//! region's standard, FIPS or dual-stack host. The environment lookup is injectable.
//!
//! ```
//! use cognito_wire::endpoint::{EndpointParams, region_from_pool_id, resolve};
//! let region = region_from_pool_id("eu-west-1_AbCdEf").unwrap();
//! let ep = resolve(&EndpointParams::for_region(region), |_| None).unwrap();
//! assert_eq!(ep.url.to_string(), "https://cognito-idp.eu-west-1.amazonaws.com/");
//! ```

use http::Uri;

/// Environment variable with a service-specific endpoint override.
pub const ENV_ENDPOINT_URL_SERVICE: &str = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER";
/// Environment variable with a global endpoint override.
pub const ENV_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// Environment variable that disables both overrides when `true`.
pub const ENV_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";
/// SigV4 signing name of the service.
pub const SIGNING_NAME: &str = "cognito-idp";

/// One AWS partition, as `model/partitions.json` (botocore's partitions model) describes it.
///
/// The model is compiled into the crate and parsed once, on first use; see [`partitions`] and
/// [`partition_for_region`].
///
/// ```
/// let cn = cognito_wire::endpoint::partition_for_region("cn-north-1");
/// assert_eq!(cn.id, "aws-cn");
/// assert_eq!(cn.dns_suffix, "amazonaws.com.cn");
/// assert!(cn.regions.contains(&"cn-northwest-1"));
/// ```
#[derive(Clone, Debug)]
pub struct Partition {
    /// Partition id (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-eusc`, ...).
    pub id: &'static str,
    /// Regions listed explicitly (`regions` of the model).
    pub regions: Vec<&'static str>,
    /// The model's `regionRegex` (e.g. `^cn\-\w+\-\d+$`): regions of the partition that are not
    /// listed yet.
    pub region_regex: String,
    /// DNS suffix of standard endpoints (`amazonaws.com`, `amazonaws.com.cn`, ...).
    pub dns_suffix: &'static str,
    /// DNS suffix of dual-stack endpoints.
    pub dual_stack_dns_suffix: &'static str,
    /// FIPS endpoints exist.
    pub supports_fips: bool,
    /// Dual-stack endpoints exist.
    pub supports_dual_stack: bool,
    /// `region_regex` compiled (`None` if it does not compile: then it matches nothing).
    pub(crate) pattern: Option<regex_lite::Regex>,
}

impl Partition {
    /// Is `region` in this partition: listed in its `regions`, or matching its `regionRegex`?
    ///
    /// ```
    /// let gov = cognito_wire::endpoint::partition_for_region("us-gov-west-1");
    /// assert!(gov.contains_region("us-gov-west-1")); // listed
    /// assert!(gov.contains_region("us-gov-north-7")); // by the pattern
    /// assert!(!gov.contains_region("us-east-1"));
    /// ```
    pub fn contains_region(&self, region: &str) -> bool {
        self.regions.contains(&region) || self.matches_pattern(region)
    }

    fn matches_pattern(&self, region: &str) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.is_match(region))
    }
}

/// The model compiled into the crate (botocore's `partitions.json`, refreshed with the service
/// model by `cargo xtask update-model`).
const PARTITIONS_JSON: &str = include_str!("../model/partitions.json");

/// What `aws` looks like if the compiled-in model could not be read (never the case: the tests
/// parse it), so that resolution still has a partition.
static AWS_FALLBACK: Partition = Partition {
    id: "aws",
    regions: Vec::new(),
    region_regex: String::new(),
    dns_suffix: "amazonaws.com",
    dual_stack_dns_suffix: "api.aws",
    supports_fips: true,
    supports_dual_stack: true,
    pattern: None,
};

mod model {
    //! The parts of `partitions.json` endpoint resolution reads, borrowed from the
    //! compiled-in text.
    use serde::Deserialize;
    use serde::de::IgnoredAny;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    pub(super) struct Model<'a> {
        #[serde(borrow)]
        pub(super) partitions: Vec<RawPartition<'a>>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct RawPartition<'a> {
        pub(super) id: &'a str,
        #[serde(borrow)]
        pub(super) outputs: Outputs<'a>,
        pub(super) region_regex: String,
        #[serde(borrow)]
        pub(super) regions: BTreeMap<&'a str, IgnoredAny>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Outputs<'a> {
        pub(super) dns_suffix: &'a str,
        pub(super) dual_stack_dns_suffix: &'a str,
        #[serde(rename = "supportsFIPS")]
        pub(super) supports_fips: bool,
        pub(super) supports_dual_stack: bool,
    }
}

fn load_partitions() -> Result<Vec<Partition>, serde_json::Error> {
    let model: model::Model<'static> = serde_json::from_str(PARTITIONS_JSON)?;
    Ok(model
        .partitions
        .into_iter()
        .map(|p| Partition {
            id: p.id,
            regions: p.regions.into_keys().collect(),
            pattern: regex_lite::Regex::new(&p.region_regex).ok(),
            region_regex: p.region_regex,
            dns_suffix: p.outputs.dns_suffix,
            dual_stack_dns_suffix: p.outputs.dual_stack_dns_suffix,
            supports_fips: p.outputs.supports_fips,
            supports_dual_stack: p.outputs.supports_dual_stack,
        })
        .collect())
}

/// Every partition of the compiled-in model, in file order (parsed once, on first use).
///
/// ```
/// let ids: Vec<_> = cognito_wire::endpoint::partitions().iter().map(|p| p.id).collect();
/// assert_eq!(ids.first(), Some(&"aws"));
/// assert!(ids.contains(&"aws-cn") && ids.contains(&"aws-us-gov") && ids.contains(&"aws-iso"));
/// ```
pub fn partitions() -> &'static [Partition] {
    static PARTITIONS: std::sync::OnceLock<Vec<Partition>> = std::sync::OnceLock::new();
    PARTITIONS.get_or_init(|| load_partitions().unwrap_or_default())
}

/// The `aws.partition` function of the rule set: the partition listing `region`, else the
/// first whose `regionRegex` matches, else `aws`.
///
/// ```
/// use cognito_wire::endpoint::partition_for_region;
/// assert_eq!(partition_for_region("eu-west-1").id, "aws");
/// assert_eq!(partition_for_region("cn-north-1").dns_suffix, "amazonaws.com.cn");
/// assert_eq!(partition_for_region("us-isob-west-7").id, "aws-iso-b"); // not listed: by pattern
/// assert_eq!(partition_for_region("mars-north-1").id, "aws"); // unknown: the fallback
/// ```
pub fn partition_for_region(region: &str) -> &'static Partition {
    let all = partitions();
    let explicit = || all.iter().find(|p| p.regions.contains(&region));
    let by_pattern = || all.iter().find(|p| p.matches_pattern(region));
    let aws = || all.iter().find(|p| p.id == "aws");
    explicit()
        .or_else(by_pattern)
        .or_else(aws)
        .unwrap_or(&AWS_FALLBACK)
}

/// The region part of a user pool id: `us-east-1_AbC` -> `us-east-1`; `None` unless the whole
/// id is valid (see [`PoolId`](crate::PoolId), which also gives the partition and issuers).
///
/// ```
/// assert_eq!(cognito_wire::endpoint::region_from_pool_id("us-east-1_AbC"), Some("us-east-1"));
/// assert_eq!(cognito_wire::endpoint::region_from_pool_id("nope"), None);
/// ```
pub fn region_from_pool_id(pool_id: &str) -> Option<&str> {
    crate::pool_id::split(pool_id)
        .ok()
        .map(|(region, _)| region)
}

/// Regions whose FIPS + dual-stack endpoint is the plain FIPS host (a rule-set special case).
const FIPS_DUAL_STACK_ON_FIPS_HOST: &[&str] = &["us-east-1", "us-east-2", "us-west-1", "us-west-2"];

/// A region must be a valid host label: ASCII letters, digits and `-`, not starting or ending
/// with `-`, at most 63 characters.
pub fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 63
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// Inputs of endpoint resolution (the rule set's parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointParams {
    /// `AWS::Region`.
    pub region: Option<String>,
    /// `AWS::UseFIPS`.
    pub use_fips: bool,
    /// `AWS::UseDualStack`.
    pub use_dual_stack: bool,
    /// `SDK::Endpoint`: an explicit URL (wins over the environment).
    pub endpoint_url: Option<String>,
}

impl EndpointParams {
    /// Standard endpoint of `region`.
    pub fn for_region(region: impl Into<String>) -> Self {
        Self {
            region: Some(region.into()),
            ..Self::default()
        }
    }

    /// Region taken from a user pool id (see [`PoolId`](crate::PoolId) for the rules).
    ///
    /// ```
    /// use cognito_wire::EndpointParams;
    /// let params = EndpointParams::for_pool_id("cn-north-1_AbC")?;
    /// assert_eq!(params.region.as_deref(), Some("cn-north-1"));
    /// assert!(EndpointParams::for_pool_id("cn-north-1").is_err());
    /// # Ok::<(), cognito_wire::EndpointError>(())
    /// ```
    pub fn for_pool_id(pool_id: &str) -> Result<Self, EndpointError> {
        let region = region_from_pool_id(pool_id)
            .ok_or_else(|| EndpointError::InvalidPoolId(pool_id.to_string()))?;
        Ok(Self::for_region(region))
    }

    /// An explicit endpoint URL (e.g. a local emulator).
    pub fn for_url(url: impl Into<String>) -> Self {
        Self {
            endpoint_url: Some(url.into()),
            ..Self::default()
        }
    }
}

/// A resolved endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// The URL requests are POSTed to.
    pub url: Uri,
    /// The signing region, when known.
    pub region: Option<String>,
}

/// Why no endpoint could be resolved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// Neither a region nor an endpoint URL.
    #[error("Invalid Configuration: Missing Region")]
    MissingRegion,
    /// The region is not a valid host label.
    #[error("invalid region {0:?}")]
    InvalidRegion(String),
    /// The pool id does not start with `<region>_`.
    #[error("invalid user pool id {0:?}: expected <region>_<id>")]
    InvalidPoolId(String),
    /// The endpoint URL cannot be parsed or is not http(s).
    #[error("invalid endpoint URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// FIPS with an explicit endpoint.
    #[error("Invalid Configuration: FIPS and custom endpoint are not supported")]
    FipsWithCustomEndpoint,
    /// Dual-stack with an explicit endpoint.
    #[error("Invalid Configuration: Dualstack and custom endpoint are not supported")]
    DualStackWithCustomEndpoint,
    /// The partition lacks FIPS or dual-stack support.
    #[error("{0}")]
    Unsupported(&'static str),
}

/// The endpoint URL configured in the environment, as the AWS SDKs read it: the
/// service-specific variable, then the global one; none when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`. Empty values count as unset.
pub fn endpoint_url_from_env(env: impl Fn(&str) -> Option<String>) -> Option<String> {
    if env(ENV_IGNORE_CONFIGURED_ENDPOINT_URLS)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let get = |k: &str| {
        env(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    get(ENV_ENDPOINT_URL_SERVICE).or_else(|| get(ENV_ENDPOINT_URL))
}

/// Reads the process environment (the default for [`resolve`]'s `env`).
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

fn parse_url(url: &str) -> Result<Uri, EndpointError> {
    let invalid = |reason: &str| EndpointError::InvalidUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let uri: Uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(invalid("scheme must be http or https")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    Ok(uri)
}

/// Resolves the endpoint. `env` looks up environment variables (pass
/// [`process_env`] for the real environment, or a closure in tests).
pub fn resolve(
    params: &EndpointParams,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Endpoint, EndpointError> {
    let custom = params
        .endpoint_url
        .clone()
        .or_else(|| endpoint_url_from_env(env));
    if let Some(url) = custom {
        if params.use_fips {
            return Err(EndpointError::FipsWithCustomEndpoint);
        }
        if params.use_dual_stack {
            return Err(EndpointError::DualStackWithCustomEndpoint);
        }
        return Ok(Endpoint {
            url: parse_url(&url)?,
            region: params.region.clone(),
        });
    }
    let region = params
        .region
        .as_deref()
        .ok_or(EndpointError::MissingRegion)?;
    if !is_valid_region(region) {
        return Err(EndpointError::InvalidRegion(region.to_string()));
    }
    let p = partition_for_region(region);
    let host = match (params.use_fips, params.use_dual_stack) {
        (true, true) => {
            if !(p.supports_fips && p.supports_dual_stack) {
                return Err(EndpointError::Unsupported(
                    "FIPS and DualStack are enabled, but this partition does not support one or both",
                ));
            }
            if FIPS_DUAL_STACK_ON_FIPS_HOST.contains(&region) {
                format!("cognito-idp-fips.{region}.amazonaws.com")
            } else {
                format!("cognito-idp-fips.{region}.{}", p.dual_stack_dns_suffix)
            }
        }
        (true, false) => {
            if !p.supports_fips {
                return Err(EndpointError::Unsupported(
                    "FIPS is enabled but this partition does not support FIPS",
                ));
            }
            format!("cognito-idp-fips.{region}.{}", p.dns_suffix)
        }
        (false, true) => {
            if !p.supports_dual_stack {
                return Err(EndpointError::Unsupported(
                    "DualStack is enabled but this partition does not support DualStack",
                ));
            }
            if p.id == "aws" {
                format!("cognito-idp.{region}.amazonaws.com")
            } else {
                format!("cognito-idp.{region}.{}", p.dual_stack_dns_suffix)
            }
        }
        (false, false) => format!("cognito-idp.{region}.{}", p.dns_suffix),
    };
    Ok(Endpoint {
        url: parse_url(&format!("https://{host}/"))?,
        region: Some(region.to_string()),
    })
}
