//! Pool ids come from users, files and token `iss` claims: parsing never panics; what parses is
//! `{region}_{name}` again, and its issuers, JWKS URLs and partition are built without panicking.
//! (srp-core's pool-name rules agree with these; a proptest in cognito-auth checks that.)
#![no_main]

use cognito_wire::PoolId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = PoolId::parse(text) {
        assert_eq!(id.as_str(), text);
        assert_eq!(format!("{}_{}", id.region(), id.name()), text);
        assert!(id.issuer().ends_with(text));
        assert!(id.issuer_multi_region().ends_with(text));
        assert!(id.jwks_url().starts_with(&id.issuer()));
        let _ = id.partition();
    }
});
