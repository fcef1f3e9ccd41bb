//! Endpoint resolution against the rule set's expected results.

use std::collections::HashMap;

use cognito_wire::endpoint::*;

fn url(region: &str, fips: bool, dual: bool) -> String {
    let p = {
        let mut v = EndpointParams::default();
        v.region = Some(region.into());
        v.use_fips = fips;
        v.use_dual_stack = dual;
        v.endpoint_url = None;
        v
    };
    resolve(&p, |_| None).unwrap().url.to_string()
}

#[test]
fn standard_fips_and_dual_stack_hosts() {
    let cases = [
        (
            "us-east-1",
            false,
            false,
            "https://cognito-idp.us-east-1.amazonaws.com/",
        ),
        (
            "us-east-1",
            true,
            false,
            "https://cognito-idp-fips.us-east-1.amazonaws.com/",
        ),
        (
            "us-east-1",
            false,
            true,
            "https://cognito-idp.us-east-1.amazonaws.com/",
        ),
        (
            "us-east-1",
            true,
            true,
            "https://cognito-idp-fips.us-east-1.amazonaws.com/",
        ),
        (
            "us-west-2",
            true,
            true,
            "https://cognito-idp-fips.us-west-2.amazonaws.com/",
        ),
        (
            "eu-west-1",
            true,
            true,
            "https://cognito-idp-fips.eu-west-1.api.aws/",
        ),
        (
            "eu-west-1",
            false,
            true,
            "https://cognito-idp.eu-west-1.amazonaws.com/",
        ),
        (
            "cn-north-1",
            false,
            false,
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/",
        ),
        (
            "cn-north-1",
            false,
            true,
            "https://cognito-idp.cn-north-1.api.amazonwebservices.com.cn/",
        ),
        (
            "cn-north-1",
            true,
            false,
            "https://cognito-idp-fips.cn-north-1.amazonaws.com.cn/",
        ),
        (
            "us-gov-west-1",
            false,
            false,
            "https://cognito-idp.us-gov-west-1.amazonaws.com/",
        ),
        (
            "us-gov-west-1",
            true,
            false,
            "https://cognito-idp-fips.us-gov-west-1.amazonaws.com/",
        ),
        (
            "us-gov-east-1",
            false,
            true,
            "https://cognito-idp.us-gov-east-1.api.aws/",
        ),
        (
            "us-iso-east-1",
            false,
            false,
            "https://cognito-idp.us-iso-east-1.c2s.ic.gov/",
        ),
        (
            "us-isob-east-1",
            true,
            false,
            "https://cognito-idp-fips.us-isob-east-1.sc2s.sgov.gov/",
        ),
        (
            "eu-isoe-west-1",
            false,
            false,
            "https://cognito-idp.eu-isoe-west-1.cloud.adc-e.uk/",
        ),
        (
            "us-isof-south-1",
            false,
            false,
            "https://cognito-idp.us-isof-south-1.csp.hci.ic.gov/",
        ),
        (
            "eusc-de-east-1",
            false,
            false,
            "https://cognito-idp.eusc-de-east-1.amazonaws.eu/",
        ),
        // Not listed, matched by pattern.
        (
            "us-iso-north-9",
            false,
            false,
            "https://cognito-idp.us-iso-north-9.c2s.ic.gov/",
        ),
        (
            "cn-south-7",
            false,
            false,
            "https://cognito-idp.cn-south-7.amazonaws.com.cn/",
        ),
        // Unknown region: the aws partition.
        (
            "xx-nowhere-1",
            false,
            false,
            "https://cognito-idp.xx-nowhere-1.amazonaws.com/",
        ),
    ];
    for (region, fips, dual, expected) in cases {
        assert_eq!(
            url(region, fips, dual),
            expected,
            "{region} fips={fips} dual={dual}"
        );
    }
    assert_eq!(partition_for_region("us-gov-west-1").id, "aws-us-gov");
    assert_eq!(partition_for_region("us-isob-west-7").id, "aws-iso-b");
}

#[test]
fn pool_id_region() {
    assert_eq!(region_from_pool_id("us-east-1_AbC"), Some("us-east-1"));
    assert_eq!(
        region_from_pool_id("ap-southeast-2_x1"),
        Some("ap-southeast-2")
    );
    assert_eq!(region_from_pool_id("us-east-1_"), None);
    assert_eq!(region_from_pool_id("bad region_x"), None);
    let p = EndpointParams::for_pool_id("eu-central-1_Pool").unwrap();
    assert_eq!(
        resolve(&p, |_| None).unwrap().region.as_deref(),
        Some("eu-central-1")
    );
    assert!(matches!(
        EndpointParams::for_pool_id("nope"),
        Err(EndpointError::InvalidPoolId(_))
    ));
}

#[test]
fn overrides_and_environment() {
    let env: HashMap<&str, &str> = HashMap::from([
        (
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
            "http://127.0.0.1:9229",
        ),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
    ]);
    let lookup = |k: &str| env.get(k).map(|v| v.to_string());
    let p = EndpointParams::for_region("us-east-1");
    let ep = resolve(&p, lookup).unwrap();
    assert_eq!(ep.url.to_string(), "http://127.0.0.1:9229/");
    assert_eq!(ep.region.as_deref(), Some("us-east-1"));

    let global_only =
        |k: &str| (k == ENV_ENDPOINT_URL).then(|| "http://localhost:4566".to_string());
    assert_eq!(
        resolve(&p, global_only).unwrap().url.to_string(),
        "http://localhost:4566/"
    );

    // Explicit URL wins over the environment.
    let explicit = {
        let mut v = p.clone();
        v.endpoint_url = Some("http://127.0.0.1:1/".into());
        v
    };
    assert_eq!(
        resolve(&explicit, lookup).unwrap().url.to_string(),
        "http://127.0.0.1:1/"
    );

    // Ignore flag, empty values.
    let ignored = |k: &str| match k {
        ENV_IGNORE_CONFIGURED_ENDPOINT_URLS => Some("true".to_string()),
        _ => Some("http://127.0.0.1:9".to_string()),
    };
    assert_eq!(
        resolve(&p, ignored).unwrap().url.to_string(),
        "https://cognito-idp.us-east-1.amazonaws.com/"
    );
    let empty = |_: &str| Some(String::new());
    assert_eq!(
        resolve(&p, empty).unwrap().url.to_string(),
        "https://cognito-idp.us-east-1.amazonaws.com/"
    );
}

#[test]
fn configuration_errors() {
    let fips = {
        let mut v = EndpointParams::for_url("http://127.0.0.1:1");
        v.use_fips = true;
        v
    };
    assert_eq!(
        resolve(&fips, |_| None),
        Err(EndpointError::FipsWithCustomEndpoint)
    );
    let dual = {
        let mut v = EndpointParams::for_url("http://127.0.0.1:1");
        v.use_dual_stack = true;
        v
    };
    assert_eq!(
        resolve(&dual, |_| None),
        Err(EndpointError::DualStackWithCustomEndpoint)
    );
    assert_eq!(
        resolve(&EndpointParams::default(), |_| None),
        Err(EndpointError::MissingRegion)
    );
    assert!(matches!(
        resolve(&EndpointParams::for_region("us east"), |_| None),
        Err(EndpointError::InvalidRegion(_))
    ));
    assert!(matches!(
        resolve(&EndpointParams::for_url("ftp://x"), |_| None),
        Err(EndpointError::InvalidUrl { .. })
    ));
}
