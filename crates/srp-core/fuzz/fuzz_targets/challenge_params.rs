//! Parsing a verifier challenge's parameters, and answering it, never panics.
//!
//! The input is split on `\n` into SALT, SRP_B, SECRET_BLOCK, TIMESTAMP and USER_ID_FOR_SRP
//! (missing parts are empty, bytes that are not UTF-8 are replaced). Every parser sees its part;
//! when the challenge parses, the password and device claims are computed with a fixed a.
#![no_main]

use libfuzzer_sys::fuzz_target;
use srp_core::{
    ClientEphemeral, DevicePassword, Password, PublicValue, Salt, VerifierChallenge,
    parse_timestamp,
};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(5, |b| *b == b'\n').map(String::from_utf8_lossy);
    let mut next = || parts.next().unwrap_or_default();
    let (salt, srp_b, secret_block, timestamp, user_id) = (next(), next(), next(), next(), next());

    let _ = Salt::from_hex(&salt);
    let _ = PublicValue::server_b(&srp_b);
    let _ = PublicValue::client_a(&srp_b);
    let _ = parse_timestamp(&timestamp);
    let _ = srp_core::pool_name(&user_id);

    let Ok(challenge) = VerifierChallenge::parse(&salt, &srp_b, &secret_block) else {
        return;
    };
    let Ok(client) = ClientEphemeral::from_private_bytes(&[7; 128]) else {
        return;
    };
    let _ = client.password_claim(
        "us-east-1_Zz9Yy8",
        &user_id,
        &Password::new("Passw0rd!"),
        &challenge,
        &timestamp,
    );
    let _ = client.device_claim(
        "-koe9IfjlX",
        &user_id,
        &DevicePassword::new("DE54TT7sbfZZF6ZI4Sap7HUFe2KUnBtcuAUA3kbE"),
        &challenge,
        &timestamp,
    );
});
