//! Endpoint resolution, following `endpoint-rule-set-1.json` and `partitions.json` of the
//! cognito-idp model. The rules are implemented as data ([`PARTITIONS`]) plus the few branches
//! of the rule set, not as a rules interpreter.
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

/// One AWS partition, as `partitions.json` describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Partition id (`aws`, `aws-cn`, ...).
    pub id: &'static str,
    /// Leading part of the partition's region pattern `^<prefix>-\w+-\d+$` (alternatives).
    pub region_prefixes: &'static [&'static str],
    /// Regions listed explicitly.
    pub regions: &'static [&'static str],
    /// DNS suffix of standard endpoints.
    pub dns_suffix: &'static str,
    /// DNS suffix of dual-stack endpoints.
    pub dual_stack_dns_suffix: &'static str,
    /// FIPS endpoints exist.
    pub supports_fips: bool,
    /// Dual-stack endpoints exist.
    pub supports_dual_stack: bool,
}

/// The `aws` partition (also the fallback for regions no pattern matches).
pub const AWS_PARTITION: Partition = Partition {
    id: "aws",
    region_prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
    regions: &[
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "aws-global",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "me-west-1",
        "mx-central-1",
        "sa-east-1",
        "sa-west-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    ],
    dns_suffix: "amazonaws.com",
    dual_stack_dns_suffix: "api.aws",
    supports_fips: true,
    supports_dual_stack: true,
};

/// The partitions of `partitions.json`, in file order (the first match wins).
pub const PARTITIONS: &[Partition] = &[
    AWS_PARTITION,
    Partition {
        id: "aws-cn",
        region_prefixes: &["cn"],
        regions: &["aws-cn-global", "cn-north-1", "cn-northwest-1"],
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-eusc",
        region_prefixes: &["eusc-de"],
        regions: &["eusc-de-east-1"],
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso",
        region_prefixes: &["us-iso"],
        regions: &["aws-iso-global", "us-iso-east-1", "us-iso-west-1"],
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso-b",
        region_prefixes: &["us-isob"],
        regions: &["aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"],
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso-e",
        region_prefixes: &["eu-isoe"],
        regions: &["aws-iso-e-global", "eu-isoe-west-1"],
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-iso-f",
        region_prefixes: &["us-isof"],
        regions: &["aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"],
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
        supports_fips: true,
        supports_dual_stack: true,
    },
    Partition {
        id: "aws-us-gov",
        region_prefixes: &["us-gov"],
        regions: &["aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
    },
];

/// Regions whose FIPS + dual-stack endpoint is the plain FIPS host (a rule-set special case).
const FIPS_DUAL_STACK_ON_FIPS_HOST: &[&str] = &["us-east-1", "us-east-2", "us-west-1", "us-west-2"];

impl Partition {
    /// Does `region` match `^<prefix>-\w+-\d+$` for one of the prefixes?
    fn matches_pattern(&self, region: &str) -> bool {
        self.region_prefixes.iter().any(|p| {
            let Some(rest) = region.strip_prefix(p).and_then(|r| r.strip_prefix('-')) else {
                return false;
            };
            let Some((word, digits)) = rest.split_once('-') else {
                return false;
            };
            !word.is_empty()
                && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !digits.is_empty()
                && digits.chars().all(|c| c.is_ascii_digit())
        })
    }
}

/// The `aws.partition` function: an explicitly listed region, else the first pattern match,
/// else the `aws` partition.
pub fn partition_for_region(region: &str) -> &'static Partition {
    let explicit = PARTITIONS.iter().find(|p| p.regions.contains(&region));
    let by_pattern = || PARTITIONS.iter().find(|p| p.matches_pattern(region));
    explicit.or_else(by_pattern).unwrap_or(&AWS_PARTITION)
}

/// The region part of a user pool id: `us-east-1_AbC` -> `us-east-1`.
///
/// ```
/// assert_eq!(cognito_wire::endpoint::region_from_pool_id("us-east-1_AbC"), Some("us-east-1"));
/// assert_eq!(cognito_wire::endpoint::region_from_pool_id("nope"), None);
/// ```
pub fn region_from_pool_id(pool_id: &str) -> Option<&str> {
    let (region, id) = pool_id.split_once('_')?;
    (is_valid_region(region) && !id.is_empty()).then_some(region)
}

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

    /// Region taken from a user pool id.
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
