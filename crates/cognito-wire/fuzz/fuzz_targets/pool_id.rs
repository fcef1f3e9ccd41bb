//! Pool ids come from users, files and token `iss` claims: parsing never panics, and what parses
//! round-trips, its issuers and JWKS URLs are built without panicking, and `srp_core`'s pool-name
//! rules are not needed here (a proptest in cognito-auth checks they agree).
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
