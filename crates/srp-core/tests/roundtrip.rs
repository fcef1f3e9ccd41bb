//! Client <-> server round trips (users and devices) and the refusal of bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use ring::rand::SystemRandom;
use srp_core::*;

const POOL: &str = "eu-central-1_RoundTrip";
const TS: &str = "Sat Nov 21 09:05:03 UTC 2026";

/// A full user exchange; returns whether the server accepted the client's claim.
fn user_exchange(verifier: &Verifier, username: &str, password: &str) -> bool {
    let rng = SystemRandom::new();
    let client = ClientEphemeral::generate(&rng).unwrap();
    let server = ServerEphemeral::generate(verifier, &rng).unwrap();
    let block = SecretBlock::from_bytes(vec![0x5a; 64]);
    let challenge = VerifierChallenge::parse(
        &verifier.salt().to_hex(),
        &server.public().to_hex(),
        block.as_base64(),
    )
    .unwrap();
    let claim = client
        .password_claim(POOL, username, &Password::new(password), &challenge, TS)
        .unwrap();
    let a = PublicValue::client_a(&client.public().to_hex()).unwrap();
    server
        .verify_password_claim(
            &a,
            POOL,
            username,
            &block,
            &claim.timestamp,
            &claim.signature,
        )
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn user_round_trip_and_wrong_password(
        username in "\\PC{1,40}",
        password in "\\PC{1,64}",
        other in "\\PC{1,64}",
        salt in proptest::collection::vec(any::<u8>(), 1..32),
    ) {
        let salt = Salt::from_integer_bytes(&salt).unwrap();
        let verifier = Verifier::for_user(POOL, &username, &Password::new(password.clone()), salt).unwrap();
        prop_assert!(user_exchange(&verifier, &username, &password));
        if other != password {
            prop_assert!(!user_exchange(&verifier, &username, &other));
        }
    }

    #[test]
    fn both_sides_derive_the_same_key(
        a in proptest::collection::vec(any::<u8>(), 1..=128),
        b in proptest::collection::vec(any::<u8>(), 1..=32),
        password in "\\PC{1,32}",
    ) {
        prop_assume!(a.iter().any(|x| *x != 0) && b.iter().any(|x| *x != 0));
        let verifier = Verifier::for_user(POOL, "u", &Password::new(password.clone()), Salt::from_hex("0a1b2c").unwrap()).unwrap();
        let client = ClientEphemeral::from_private_bytes(&a).unwrap();
        let server = ServerEphemeral::from_private_bytes(&verifier, &b).unwrap();
        let x = PasswordExponent::for_user(POOL, "u", &Password::new(password), verifier.salt()).unwrap();
        let ck = client.derive_key(&x, server.public()).unwrap();
        let sk = server.derive_key(client.public()).unwrap();
        prop_assert_eq!(ck.u_hex(), sk.u_hex());
        prop_assert_eq!(ck.premaster().expose_hex(), sk.premaster().expose_hex());
        prop_assert!(ck.session_key() == sk.session_key());
    }

    #[test]
    fn parsers_never_panic(text in "\\PC{0,1200}", bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Salt::from_hex(&text);
        let _ = PublicValue::server_b(&text);
        let _ = PublicValue::client_a(&text);
        let _ = SecretBlock::from_base64(&text);
        let _ = VerifierChallenge::parse(&text, &text, &text);
        let _ = parse_timestamp(&text);
        let _ = pool_name(&text);
        let _ = Salt::from_integer_bytes(&bytes);
        let _ = Verifier::from_parts(&bytes, &bytes);
        let _ = ClientEphemeral::from_private_bytes(&bytes);
    }
}

#[test]
fn device_round_trip() {
    let rng = SystemRandom::new();
    let (group, device) = (
        "-koe9IfjlX",
        "us-east-1_9da40d25-7ff4-371a-995a-8ec005ad9e23",
    );
    let secret = generate_device_secret(group, device, &rng).unwrap();
    let verifier = Verifier::from_device_config(&secret.config).unwrap();
    for (password, accepted) in [
        (secret.password.clone(), true),
        (DevicePassword::new("not it"), false),
    ] {
        let client = ClientEphemeral::generate(&rng).unwrap();
        let server = ServerEphemeral::generate(&verifier, &rng).unwrap();
        let block = SecretBlock::from_bytes(b"device block".to_vec());
        let challenge = VerifierChallenge::parse(
            &verifier.salt().to_hex(),
            &server.public().to_hex(),
            block.as_base64(),
        )
        .unwrap();
        let claim = client
            .device_claim(group, device, &password, &challenge, TS)
            .unwrap();
        let a = PublicValue::client_a(&client.public().to_hex()).unwrap();
        let ok = server
            .verify_device_claim(&a, group, device, &block, TS, &claim.signature)
            .unwrap();
        assert_eq!(ok, accepted);
    }
}

#[test]
fn device_password_is_40_random_bytes_in_base64() {
    let rng = SystemRandom::new();
    let one = generate_device_secret("-g", "d", &rng).unwrap();
    let two = generate_device_secret("-g", "d", &rng).unwrap();
    assert_eq!(one.password.expose().len(), 56);
    assert!(one.password != two.password);
    assert_ne!(one.config.salt, two.config.salt);
}

#[test]
fn verifier_survives_storage() {
    let rng = SystemRandom::new();
    let v = Verifier::generate_for_user(POOL, "bob", &Password::new("pw"), &rng).unwrap();
    let back = Verifier::from_parts(v.salt().padded_bytes(), &v.verifier_bytes()).unwrap();
    assert_eq!(v, back);
    assert!(user_exchange(&back, "bob", "pw"));
}

#[test]
fn tampered_claims_are_refused() {
    let rng = SystemRandom::new();
    let verifier = Verifier::generate_for_user(POOL, "carol", &Password::new("pw"), &rng).unwrap();
    let client = ClientEphemeral::generate(&rng).unwrap();
    let server = ServerEphemeral::generate(&verifier, &rng).unwrap();
    let block = SecretBlock::from_bytes(vec![1, 2, 3]);
    let challenge = VerifierChallenge::parse(
        &verifier.salt().to_hex(),
        &server.public().to_hex(),
        block.as_base64(),
    )
    .unwrap();
    let claim = client
        .password_claim(POOL, "carol", &Password::new("pw"), &challenge, TS)
        .unwrap();
    let a = PublicValue::client_a(&client.public().to_hex()).unwrap();
    let verify = |user: &str, block: &SecretBlock, ts: &str, sig: &str| {
        server
            .verify_password_claim(&a, POOL, user, block, ts, sig)
            .unwrap()
    };
    assert!(verify("carol", &block, TS, &claim.signature));
    assert!(
        !verify("carol2", &block, TS, &claim.signature),
        "other user"
    );
    assert!(
        !verify(
            "carol",
            &SecretBlock::from_bytes(vec![9]),
            TS,
            &claim.signature
        ),
        "other block"
    );
    assert!(
        !verify(
            "carol",
            &block,
            "Sun Nov 22 09:05:03 UTC 2026",
            &claim.signature
        ),
        "other time"
    );
    assert!(
        !verify("carol", &block, TS, "not base64!"),
        "garbage signature"
    );
    assert!(!verify("carol", &block, TS, "AAAA"), "short signature");
    // A claim computed against another A does not verify.
    let other = ClientEphemeral::generate(&rng).unwrap();
    let other_a = PublicValue::client_a(&other.public().to_hex()).unwrap();
    assert!(
        !server
            .verify_password_claim(&other_a, POOL, "carol", &block, TS, &claim.signature)
            .unwrap()
    );
}

#[test]
fn bad_public_values_are_typed_errors() {
    let n = n_hex();
    assert_eq!(
        PublicValue::server_b("0").unwrap_err(),
        SrpError::ZeroModN { field: "SRP_B" }
    );
    assert_eq!(
        PublicValue::server_b("000").unwrap_err(),
        SrpError::ZeroModN { field: "SRP_B" }
    );
    assert_eq!(
        PublicValue::server_b(n).unwrap_err(),
        SrpError::ZeroModN { field: "SRP_B" }
    );
    assert_eq!(
        PublicValue::client_a(n).unwrap_err(),
        SrpError::ZeroModN { field: "SRP_A" }
    );
    assert_eq!(
        PublicValue::client_a("0").unwrap_err(),
        SrpError::ZeroModN { field: "SRP_A" }
    );
    // N + 1 reduces to 1: accepted, as Python's pow would.
    assert!(PublicValue::server_b(&format!("{}0", &n[..n.len() - 1])).is_ok());
    assert_eq!(
        PublicValue::server_b("").unwrap_err(),
        SrpError::Empty { field: "SRP_B" }
    );
    assert_eq!(
        PublicValue::server_b("12g4").unwrap_err(),
        SrpError::InvalidHex { field: "SRP_B" }
    );
    assert!(matches!(
        PublicValue::server_b(&"f".repeat(770)).unwrap_err(),
        SrpError::TooLong { .. }
    ));
    assert!(matches!(
        PublicValue::server_b(&"f".repeat(100_000)).unwrap_err(),
        SrpError::TooLong { .. }
    ));
    // Leading zeros are fine.
    assert!(PublicValue::server_b(&format!("0000{}", "1".repeat(700))).is_ok());
    assert_eq!(
        SecretBlock::from_base64("@@@").unwrap_err(),
        SrpError::InvalidBase64 {
            field: "SECRET_BLOCK"
        }
    );
    assert_eq!(
        SecretBlock::from_base64("").unwrap_err(),
        SrpError::Empty {
            field: "SECRET_BLOCK"
        }
    );
    assert_eq!(
        Salt::from_hex("").unwrap_err(),
        SrpError::Empty { field: "SALT" }
    );
    assert!(matches!(pool_name("_x"), Err(SrpError::InvalidPoolId(_))));
    assert!(matches!(
        pool_name("us-east-1_"),
        Err(SrpError::InvalidPoolId(_))
    ));
    // The rules of cognito_wire::PoolId (cognito-auth's tests check that the two agree).
    let too_long = format!("us-east-1_{}", "A".repeat(46));
    for bad in [
        "",
        "nounderscore",
        "EU_x",
        "useast1_x",
        "us-east-_x",
        "us-east-1_a/b",
        "us-east-1_a_b",
        too_long.as_str(),
    ] {
        assert!(
            matches!(pool_name(bad), Err(SrpError::InvalidPoolId(_))),
            "{bad}"
        );
    }
    let longest = format!("us-east-1_{}", "A".repeat(45));
    assert_eq!(pool_name(&longest).unwrap(), "A".repeat(45));
    assert_eq!(pool_name("eusc-de-east-1_Ab9").unwrap(), "Ab9");
}

#[test]
fn bad_identities_are_typed_errors() {
    let salt = Salt::from_hex("ab").unwrap();
    let err = PasswordExponent::for_user(POOL, "", &Password::new("pw"), &salt).unwrap_err();
    assert_eq!(
        err,
        SrpError::Empty {
            field: "USER_ID_FOR_SRP"
        }
    );
    let err = PasswordExponent::for_user(POOL, "u", &Password::new(""), &salt).unwrap_err();
    assert_eq!(err, SrpError::Empty { field: "password" });
    let err =
        PasswordExponent::for_user(POOL, "u", &Password::new("p".repeat(5000)), &salt).unwrap_err();
    assert!(matches!(
        err,
        SrpError::TooLong {
            field: "password",
            ..
        }
    ));
    let err = PasswordExponent::for_user("nopool", "u", &Password::new("pw"), &salt).unwrap_err();
    assert!(matches!(err, SrpError::InvalidPoolId(_)));
    let err = PasswordExponent::for_device("", "d", &DevicePassword::new("pw"), &salt).unwrap_err();
    assert_eq!(
        err,
        SrpError::Empty {
            field: "DEVICE_GROUP_KEY"
        }
    );
    assert_eq!(
        ClientEphemeral::from_private_bytes(&[0; 16]).unwrap_err(),
        SrpError::Empty { field: "a" }
    );
    assert!(matches!(
        ClientEphemeral::from_private_bytes(&[1; 129]).unwrap_err(),
        SrpError::TooLong { .. }
    ));
}

#[test]
fn timestamps_are_strict() {
    assert!(parse_timestamp("Sat Nov 21 09:05:03 UTC 2026").is_ok());
    assert!(parse_timestamp("Sat Nov 21 09:05:03 GMT 2026").is_err());
    assert!(
        parse_timestamp("Tue Mar 03 04:05:06 UTC 2026").is_err(),
        "zero-padded day"
    );
    assert!(parse_timestamp("Tue Mar 3 04:05:06 UTC 2026").is_ok());
    assert!(parse_timestamp("").is_err());
    let offset = time::macros::datetime!(2026-11-21 10:05:03 +01:00);
    assert_eq!(
        format_timestamp(offset).unwrap(),
        "Sat Nov 21 09:05:03 UTC 2026"
    );
}

#[test]
fn secrets_are_redacted_in_debug() {
    let rng = SystemRandom::new();
    let eph = ClientEphemeral::generate(&rng).unwrap();
    let dbg = format!("{eph:?}");
    assert!(dbg.contains("[redacted]") && !dbg.contains(&eph.public().to_hex()));
    let x = PasswordExponent::for_user(
        POOL,
        "u",
        &Password::new("hunter2"),
        &Salt::from_hex("01").unwrap(),
    )
    .unwrap();
    assert!(!format!("{x:?}").contains(&x.expose_hex()));
    let secret = generate_device_secret("-g", "d", &rng).unwrap();
    assert!(!format!("{secret:?}").contains(secret.password.expose()));
    let v = Verifier::generate_for_user(POOL, "u", &Password::new("hunter2"), &rng).unwrap();
    let server = ServerEphemeral::generate(&v, &rng).unwrap();
    let keys = server.derive_key(eph.public()).unwrap();
    let dbg = format!("{keys:?}");
    assert!(
        !dbg.contains(&keys.premaster().expose_hex())
            && !dbg.contains(&hex::encode(keys.session_key().expose()))
    );
    assert!(!format!("{server:?}").contains("hunter2"));
}

#[test]
fn a_broken_random_source_is_an_error_not_a_hang() {
    struct Zeros;
    impl RandomSource for Zeros {
        fn fill_random(&self, dest: &mut [u8]) -> Result<(), SrpError> {
            dest.fill(0);
            Ok(())
        }
    }
    let zeros = Zeros;
    assert_eq!(
        ClientEphemeral::generate(&zeros).unwrap_err(),
        SrpError::Rng
    );
    let v = Verifier::for_user(
        POOL,
        "u",
        &Password::new("pw"),
        Salt::from_hex("01").unwrap(),
    )
    .unwrap();
    assert_eq!(
        ServerEphemeral::generate(&v, &zeros).unwrap_err(),
        SrpError::Rng
    );
}
