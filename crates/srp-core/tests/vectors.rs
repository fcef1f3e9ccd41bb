//! Every case of `tests/data/srp-vectors.json` (computed with pycognito 2024.5.1), asserting each
//! intermediate value the vectors give.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use srp_core::*;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/srp-vectors.json")).unwrap()
}

fn cases(kind: &str) -> Vec<Value> {
    let all = vectors()["cases"].as_array().unwrap().clone();
    all.into_iter().filter(|c| c["kind"] == kind).collect()
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} in {case}"))
}

fn name(case: &Value) -> String {
    format!(
        "{} edge={} conditions={}",
        case["kind"], case["edge"], case["conditions"]
    )
}

#[test]
fn group_constants_match() {
    let v = vectors();
    assert_eq!(n_hex(), v["N_hex"].as_str().unwrap());
    assert_eq!(k_hex(), v["k_hex"].as_str().unwrap());
    assert_eq!(v["g_hex"], "2");
}

#[test]
fn there_are_42_cases() {
    assert_eq!(vectors()["cases"].as_array().unwrap().len(), 42);
}

/// Runs one verifier exchange and checks A, u, x, S, the key and the signature.
fn check_exchange(case: &Value, device: bool) {
    let n = name(case);
    let a = hex::decode(format!("{:0>256}", s(case, "a_hex"))).unwrap();
    let eph = ClientEphemeral::from_private_bytes(&a).unwrap();
    assert_eq!(eph.public().to_hex(), s(case, "SRP_A"), "A of {n}");

    let challenge =
        VerifierChallenge::parse(s(case, "SALT"), s(case, "SRP_B"), s(case, "SECRET_BLOCK"))
            .unwrap();
    let x = if device {
        let pw = DevicePassword::new(s(case, "device_password"));
        PasswordExponent::for_device(
            s(case, "device_group_key"),
            s(case, "device_key"),
            &pw,
            &challenge.salt,
        )
        .unwrap()
    } else {
        let pw = Password::new(s(case, "password"));
        PasswordExponent::for_user(
            s(case, "pool_id"),
            s(case, "USER_ID_FOR_SRP"),
            &pw,
            &challenge.salt,
        )
        .unwrap()
    };
    let expected = &case["expected"];
    assert_eq!(x.expose_hex(), s(expected, "x_hex"), "x of {n}");

    let keys = eph.derive_key(&x, &challenge.server_b).unwrap();
    assert_eq!(keys.u_hex(), s(expected, "u_hex"), "u of {n}");
    assert_eq!(
        keys.premaster().expose_hex(),
        s(expected, "S_hex"),
        "S of {n}"
    );
    assert_eq!(
        hex::encode(keys.session_key().expose()),
        s(expected, "hkdf_key_hex"),
        "key of {n}"
    );

    let claim = if device {
        let pw = DevicePassword::new(s(case, "device_password"));
        eph.device_claim(
            s(case, "device_group_key"),
            s(case, "device_key"),
            &pw,
            &challenge,
            s(case, "TIMESTAMP"),
        )
    } else {
        let pw = Password::new(s(case, "password"));
        eph.password_claim(
            s(case, "pool_id"),
            s(case, "USER_ID_FOR_SRP"),
            &pw,
            &challenge,
            s(case, "TIMESTAMP"),
        )
    }
    .unwrap();
    assert_eq!(
        claim.signature,
        s(expected, "PASSWORD_CLAIM_SIGNATURE"),
        "signature of {n}"
    );
    assert_eq!(claim.secret_block, s(case, "SECRET_BLOCK"));
    assert_eq!(claim.timestamp, s(case, "TIMESTAMP"));
}

#[test]
fn password_verifier_cases() {
    let cases = cases("password_verifier");
    assert_eq!(cases.len(), 16);
    for case in &cases {
        check_exchange(case, false);
    }
}

#[test]
fn device_password_verifier_cases() {
    let cases = cases("device_password_verifier");
    assert_eq!(cases.len(), 8);
    for case in &cases {
        check_exchange(case, true);
    }
}

#[test]
fn the_vectors_cover_every_edge_condition() {
    let mut seen = std::collections::BTreeSet::new();
    for case in vectors()["cases"].as_array().unwrap() {
        for c in case["conditions"].as_array().into_iter().flatten() {
            seen.insert(c.as_str().unwrap().to_owned());
        }
    }
    for want in [
        "B_high_bit",
        "B_odd_hex_len",
        "u_leading_zero_nibble",
        "S_high_bit",
        "S_odd_hex_len",
        "salt_high_bit",
        "salt_odd_hex_len",
    ] {
        assert!(seen.contains(want), "{want}");
    }
}

#[test]
fn device_secret_verifier_config_cases() {
    let cases = cases("device_secret_verifier_config");
    assert_eq!(cases.len(), 8);
    for case in &cases {
        let salt =
            Salt::from_integer_bytes(&hex::decode(s(case, "salt_padded_hex")).unwrap()).unwrap();
        let pw = DevicePassword::new(s(case, "device_password"));
        let cfg = device_verifier_config(
            s(case, "device_group_key"),
            s(case, "device_key"),
            &pw,
            &salt,
        )
        .unwrap();
        assert_eq!(
            cfg.password_verifier,
            s(&case["expected"], "PasswordVerifier"),
            "{}",
            name(case)
        );
        assert_eq!(cfg.salt, s(&case["expected"], "Salt"), "{}", name(case));
    }
}

#[test]
fn secret_hash_cases() {
    let cases = cases("secret_hash");
    assert_eq!(cases.len(), 6);
    for case in &cases {
        let h = secret_hash(
            s(case, "username"),
            s(case, "client_id"),
            s(case, "client_secret"),
        );
        assert_eq!(h.expose(), s(case, "expected"));
    }
}

#[test]
fn timestamp_cases() {
    let cases = cases("timestamp");
    assert_eq!(cases.len(), 4);
    for case in &cases {
        let at = time::OffsetDateTime::parse(
            s(case, "utc"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(format_timestamp(at).unwrap(), s(case, "expected"));
        assert_eq!(parse_timestamp(s(case, "expected")).unwrap(), at);
    }
}
