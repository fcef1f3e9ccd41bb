//! Criterion benchmarks of srp-core's client and server roles.
//!
//! Inputs are the first `password_verifier`, `device_password_verifier` and
//! `device_secret_verifier_config` cases of `tests/data/srp-vectors.json` (compiled in), so the
//! measured work is exactly the work of a real Cognito exchange.
//!
//! Run with `cargo bench -p srp-core --bench srp`. The side-by-side comparison with pycognito and
//! OpenSSL is `cargo run --release -p xtask -- bench-srp` (see docs/benchmarks.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::Value;
use srp_core::ring::rand::SystemRandom;
use srp_core::{
    ClientEphemeral, DevicePassword, Password, PublicValue, SecretBlock, ServerEphemeral, Verifier,
    VerifierChallenge, generate_device_secret,
};

fn vectors() -> Value {
    serde_json::from_str(include_str!("../tests/data/srp-vectors.json")).expect("valid JSON")
}

fn first_case(v: &Value, kind: &str) -> Value {
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} case"))
        .clone()
}

fn s<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap_or_else(|| panic!("field {key}"))
}

fn private_a(case: &Value) -> Vec<u8> {
    hex::decode(format!("{:0>256}", s(case, "a_hex"))).expect("a_hex")
}

fn benches(c: &mut Criterion) {
    let v = vectors();
    let pw_case = first_case(&v, "password_verifier");
    let dev_case = first_case(&v, "device_password_verifier");
    let cfg_case = first_case(&v, "device_secret_verifier_config");
    let rng = SystemRandom::new();

    let a = private_a(&pw_case);
    let pool_id = s(&pw_case, "pool_id");
    let user = s(&pw_case, "USER_ID_FOR_SRP");
    let password = Password::new(s(&pw_case, "password"));
    let timestamp = s(&pw_case, "TIMESTAMP");
    let (salt_hex, b_hex, block_b64) = (
        s(&pw_case, "SALT"),
        s(&pw_case, "SRP_B"),
        s(&pw_case, "SECRET_BLOCK"),
    );
    let challenge = VerifierChallenge::parse(salt_hex, b_hex, block_b64).unwrap();
    let client = ClientEphemeral::from_private_bytes(&a).unwrap();

    // Sanity: the benchmarked inputs reproduce the vector's signature.
    let claim = client
        .password_claim(pool_id, user, &password, &challenge, timestamp)
        .unwrap();
    assert_eq!(
        claim.signature,
        s(&pw_case["expected"], "PASSWORD_CLAIM_SIGNATURE")
    );

    let mut g = c.benchmark_group("client");
    g.bench_function("A/generate", |bch| {
        bch.iter(|| ClientEphemeral::generate(black_box(&rng)).unwrap())
    });
    g.bench_function("A/from_private_bytes", |bch| {
        bch.iter(|| ClientEphemeral::from_private_bytes(black_box(&a)).unwrap())
    });
    g.bench_function("parse_challenge", |bch| {
        bch.iter(|| {
            VerifierChallenge::parse(black_box(salt_hex), black_box(b_hex), black_box(block_b64))
                .unwrap()
        })
    });
    g.bench_function("password_claim", |bch| {
        bch.iter(|| {
            client
                .password_claim(pool_id, user, &password, black_box(&challenge), timestamp)
                .unwrap()
        })
    });

    let dev_client = ClientEphemeral::from_private_bytes(&private_a(&dev_case)).unwrap();
    let dev_challenge = VerifierChallenge::parse(
        s(&dev_case, "SALT"),
        s(&dev_case, "SRP_B"),
        s(&dev_case, "SECRET_BLOCK"),
    )
    .unwrap();
    let dev_password = DevicePassword::new(s(&dev_case, "device_password"));
    let (group_key, device_key, dev_ts) = (
        s(&dev_case, "device_group_key"),
        s(&dev_case, "device_key"),
        s(&dev_case, "TIMESTAMP"),
    );
    g.bench_function("device_claim", |bch| {
        bch.iter(|| {
            dev_client
                .device_claim(
                    group_key,
                    device_key,
                    &dev_password,
                    black_box(&dev_challenge),
                    dev_ts,
                )
                .unwrap()
        })
    });
    let (cfg_group, cfg_device) = (s(&cfg_case, "device_group_key"), s(&cfg_case, "device_key"));
    g.bench_function("generate_device_secret", |bch| {
        bch.iter(|| generate_device_secret(cfg_group, cfg_device, black_box(&rng)).unwrap())
    });
    g.bench_function("full_login", |bch| {
        // Everything a client computes for one USER_SRP_AUTH sign-in: A (fresh a), SRP_A hex,
        // the parse of PASSWORD_VERIFIER's parameters and the claim.
        bch.iter(|| {
            let eph = ClientEphemeral::generate(&rng).unwrap();
            let srp_a = eph.public().to_hex();
            let ch = VerifierChallenge::parse(
                black_box(salt_hex),
                black_box(b_hex),
                black_box(block_b64),
            )
            .unwrap();
            let claim = eph
                .password_claim(pool_id, user, &password, &ch, timestamp)
                .unwrap();
            (srp_a, claim)
        })
    });
    g.finish();

    // Server: a verifier for the same user and salt; B, then the check of a real claim.
    let verifier = Verifier::for_user(pool_id, user, &password, challenge.salt.clone()).unwrap();
    let server = ServerEphemeral::generate(&verifier, &rng).unwrap();
    let block = SecretBlock::from_base64(block_b64).unwrap();
    let server_challenge =
        VerifierChallenge::parse(salt_hex, &server.public().to_hex(), block_b64).unwrap();
    let server_claim = client
        .password_claim(pool_id, user, &password, &server_challenge, timestamp)
        .unwrap();
    let srp_a = PublicValue::client_a(&client.public().to_hex()).unwrap();
    assert!(
        server
            .verify_password_claim(
                &srp_a,
                pool_id,
                user,
                &block,
                timestamp,
                &server_claim.signature
            )
            .unwrap()
    );

    let mut g = c.benchmark_group("server");
    g.bench_function("B/generate", |bch| {
        bch.iter(|| ServerEphemeral::generate(black_box(&verifier), &rng).unwrap())
    });
    g.bench_function("verify_password_claim", |bch| {
        bch.iter(|| {
            server
                .verify_password_claim(
                    black_box(&srp_a),
                    pool_id,
                    user,
                    &block,
                    timestamp,
                    &server_claim.signature,
                )
                .unwrap()
        })
    });
    g.bench_function("B/generate+verify_password_claim", |bch| {
        // One server-side exchange: B for the stored verifier, then the claim check (with a
        // fresh B the claim does not verify, but the work is the same).
        bch.iter(|| {
            let eph = ServerEphemeral::generate(black_box(&verifier), &rng).unwrap();
            let ok = eph
                .verify_password_claim(
                    black_box(&srp_a),
                    pool_id,
                    user,
                    &block,
                    timestamp,
                    &server_claim.signature,
                )
                .unwrap();
            (eph, ok)
        })
    });
    g.finish();
}

criterion_group! {
    name = srp;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(srp);
