//! srp-core cannot depend on cognito-wire, so `srp_core::pool_name` carries its own copy of
//! `cognito_wire::PoolId`'s rules; this crate sees both and checks that they agree.

use cognito_wire::PoolId;
use proptest::prelude::*;

fn agree(id: &str) -> Result<(), TestCaseError> {
    let wire = PoolId::parse(id).ok();
    prop_assert_eq!(
        srp_core::pool_name(id).ok(),
        wire.as_ref().map(PoolId::name),
        "{:?}",
        id
    );
    Ok(())
}

#[test]
fn known_shapes_agree() {
    let too_long = format!("us-east-1_{}", "A".repeat(46));
    let longest = format!("us-east-1_{}", "A".repeat(45));
    for id in [
        "us-east-1_AbCdEf123",
        "cn-north-1_x",
        "us-gov-west-1_AbC",
        "eusc-de-east-1_AbC",
        "",
        "_",
        "_AbC",
        "us-east-1_",
        "EU_x",
        "useast1_x",
        "us-east-1_a/b",
        "us-east-1_a_b",
        "us-east-1_Äb",
        too_long.as_str(),
        longest.as_str(),
    ] {
        agree(id).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_agree(s in any::<String>()) {
        agree(&s)?;
    }

    #[test]
    fn pool_like_strings_agree(s in "[a-zA-Z0-9_/ -]{0,60}") {
        agree(&s)?;
    }

    #[test]
    fn near_valid_ids_agree(
        region in "[a-zA-Z0-9-]{0,16}",
        name in "[a-zA-Z0-9_-]{0,45}",
    ) {
        agree(&format!("{region}_{name}"))?;
    }
}
