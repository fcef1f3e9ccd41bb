//! The emulator's request handling never panics and never answers 500, whatever the method,
//! path, `X-Amz-Target`, headers (SigV4 `Authorization` included) and JSON body, alone or in
//! a sequence of up to eight requests.
//!
//! Input: requests separated by `\n=====\n`, each `METHOD PATH\n`, header lines, an empty line
//! and the body, dispatched without sockets by `cognito_emulator::fuzzing::Harness` against a
//! fresh copy of an in-memory emulator (seeded RNG, manual clock) that holds pool
//! `us-east-1_FuzzPool1`, clients, users with and without MFA and tokens. Placeholders
//! (`$POOL`, `$CLIENT`, `$ACCESS`, `$SESSION`, `$TOTP`, ...) and a `x-fuzz-sign` header (a
//! valid SigV4 signature) let fuzzed bodies reach deep into the operations; see
//! `Harness::run`. Seeds: `seeds/emulator_request/`.
#![no_main]

use std::sync::OnceLock;

use cognito_emulator::fuzzing::Harness;
use libfuzzer_sys::fuzz_target;

static HARNESS: OnceLock<Harness> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let harness = HARNESS.get_or_init(|| match Harness::new() {
        Ok(h) => h,
        Err(e) => panic!("harness set-up failed: {e:?}"),
    });
    for outcome in harness.run(data) {
        assert!(
            outcome.status < 500,
            "status {} {:?}: {}",
            outcome.status,
            outcome.error_type,
            String::from_utf8_lossy(&outcome.body)
        );
    }
});
