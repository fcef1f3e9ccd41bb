//! Typed challenge parsing never panics on any parameter map.
#![no_main]

use std::collections::BTreeMap;

use cognito_wire::ChallengeNameType;
use cognito_wire::challenge::Challenge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(map) = serde_json::from_slice::<BTreeMap<String, String>>(data) else {
        return;
    };
    for name in ChallengeNameType::VALUES {
        let _ = Challenge::parse(&ChallengeNameType::from(*name), &map);
    }
});
