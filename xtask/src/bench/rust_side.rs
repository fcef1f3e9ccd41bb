//! The srp-core side of `bench-srp`: the same operations as the criterion bench, timed in-process
//! with the same "best of samples" loop the Python script uses.
// serde_json::Value's `[]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

use super::Timings;
use serde_json::Value;
use srp_core::ring::rand::SystemRandom;
use srp_core::{
    ClientEphemeral, DevicePassword, Password, PublicValue, SecretBlock, ServerEphemeral, Verifier,
    VerifierChallenge, format_timestamp, generate_device_secret,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Fastest per-call time of `f` over `samples` samples of about `sample` each.
pub(crate) fn best_of<T>(samples: u32, sample: Duration, mut f: impl FnMut() -> T) -> f64 {
    black_box(f()); // warm up (lazy tables, caches)
    let mut n: u32 = 1;
    let mut elapsed;
    loop {
        let t0 = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        elapsed = t0.elapsed();
        if elapsed >= sample || n >= 1 << 20 {
            break;
        }
        n *= 2;
    }
    let mut best = elapsed.as_secs_f64() / f64::from(n);
    for _ in 1..samples {
        let t0 = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        best = best.min(t0.elapsed().as_secs_f64() / f64::from(n));
    }
    best
}

fn case<'a>(vectors: &'a Value, kind: &str) -> Result<&'a Value, String> {
    vectors["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["kind"] == kind))
        .ok_or_else(|| format!("no {kind} case in the vectors"))
}

fn field<'a>(case: &'a Value, key: &str) -> Result<&'a str, String> {
    case[key]
        .as_str()
        .ok_or_else(|| format!("vector field {key} missing"))
}

fn private_a(case: &Value) -> Result<Vec<u8>, String> {
    let a_hex = field(case, "a_hex")?;
    let padded = format!("{a_hex:0>256}");
    (0..padded.len())
        .step_by(2)
        .map(|i| {
            padded
                .get(i..i + 2)
                .and_then(|byte| u8::from_str_radix(byte, 16).ok())
                .ok_or_else(|| "a_hex is not hex".to_owned())
        })
        .collect()
}

/// Times every operation; checks first that the inputs reproduce the vectors' signatures.
pub(crate) fn measure(vectors: &Value, samples: u32, sample: Duration) -> Result<Timings, String> {
    let e = |err: srp_core::SrpError| err.to_string();
    let pw = case(vectors, "password_verifier")?;
    let dev = case(vectors, "device_password_verifier")?;
    let cfg = case(vectors, "device_secret_verifier_config")?;
    let rng = SystemRandom::new();

    let a = private_a(pw)?;
    let pool_id = field(pw, "pool_id")?;
    let user = field(pw, "USER_ID_FOR_SRP")?;
    let password = Password::new(field(pw, "password")?);
    let timestamp = field(pw, "TIMESTAMP")?;
    let (salt_hex, b_hex, block_b64) = (
        field(pw, "SALT")?,
        field(pw, "SRP_B")?,
        field(pw, "SECRET_BLOCK")?,
    );
    let challenge = VerifierChallenge::parse(salt_hex, b_hex, block_b64).map_err(e)?;
    let client = ClientEphemeral::from_private_bytes(&a).map_err(e)?;
    let claim = client
        .password_claim(pool_id, user, &password, &challenge, timestamp)
        .map_err(e)?;
    if claim.signature != field(&pw["expected"], "PASSWORD_CLAIM_SIGNATURE")? {
        return Err("srp-core's password claim does not match the vector".into());
    }

    let dev_client = ClientEphemeral::from_private_bytes(&private_a(dev)?).map_err(e)?;
    let dev_challenge = VerifierChallenge::parse(
        field(dev, "SALT")?,
        field(dev, "SRP_B")?,
        field(dev, "SECRET_BLOCK")?,
    )
    .map_err(e)?;
    let dev_password = DevicePassword::new(field(dev, "device_password")?);
    let (group_key, device_key, dev_ts) = (
        field(dev, "device_group_key")?,
        field(dev, "device_key")?,
        field(dev, "TIMESTAMP")?,
    );
    let dev_claim = dev_client
        .device_claim(group_key, device_key, &dev_password, &dev_challenge, dev_ts)
        .map_err(e)?;
    if dev_claim.signature != field(&dev["expected"], "PASSWORD_CLAIM_SIGNATURE")? {
        return Err("srp-core's device claim does not match the vector".into());
    }
    let (cfg_group, cfg_device) = (field(cfg, "device_group_key")?, field(cfg, "device_key")?);

    let verifier =
        Verifier::for_user(pool_id, user, &password, challenge.salt.clone()).map_err(e)?;
    let block = SecretBlock::from_base64(block_b64).map_err(e)?;
    let srp_a = PublicValue::client_a(&client.public().to_hex()).map_err(e)?;
    let server = ServerEphemeral::generate(&verifier, &rng).map_err(e)?;
    let server_challenge =
        VerifierChallenge::parse(salt_hex, &server.public().to_hex(), block_b64).map_err(e)?;
    let server_claim = client
        .password_claim(pool_id, user, &password, &server_challenge, timestamp)
        .map_err(e)?;
    let verified = server
        .verify_password_claim(
            &srp_a,
            pool_id,
            user,
            &block,
            timestamp,
            &server_claim.signature,
        )
        .map_err(e)?;
    if !verified {
        return Err("srp-core's server rejects its own client's claim".into());
    }

    let mut out = Timings::new();
    let mut time = |name: &str, secs: f64| {
        eprintln!("  {:<12} {name:<24} {:10.1} us", "srp-core", secs * 1e6);
        out.insert(name.to_owned(), secs);
    };
    time(
        "A/generate",
        best_of(samples, sample, || {
            ClientEphemeral::generate(&rng).map(|c| c.public().to_hex())
        }),
    );
    time(
        "A/from_private_bytes",
        best_of(samples, sample, || {
            ClientEphemeral::from_private_bytes(black_box(&a)).map(|c| c.public().to_hex())
        }),
    );
    time(
        "password_claim",
        best_of(samples, sample, || {
            client.password_claim(pool_id, user, &password, black_box(&challenge), timestamp)
        }),
    );
    time(
        "device_claim",
        best_of(samples, sample, || {
            dev_client.device_claim(
                group_key,
                device_key,
                &dev_password,
                black_box(&dev_challenge),
                dev_ts,
            )
        }),
    );
    time(
        "generate_device_secret",
        best_of(samples, sample, || {
            generate_device_secret(cfg_group, cfg_device, &rng)
        }),
    );
    time(
        "full_login",
        best_of(samples, sample, || -> Result<_, srp_core::SrpError> {
            // Everything a client computes for one USER_SRP_AUTH sign-in: a fresh a and A, the
            // SRP_A hex, the parse of PASSWORD_VERIFIER's parameters, the timestamp, the claim.
            let eph = ClientEphemeral::generate(&rng)?;
            let srp_a = eph.public().to_hex();
            let ch = VerifierChallenge::parse(
                black_box(salt_hex),
                black_box(b_hex),
                black_box(block_b64),
            )?;
            let ts = format_timestamp(srp_core::time::OffsetDateTime::now_utc())?;
            let claim = eph.password_claim(pool_id, user, &password, &ch, &ts)?;
            Ok((srp_a, claim))
        }),
    );
    time(
        "server/B+verify",
        best_of(samples, sample, || -> Result<_, srp_core::SrpError> {
            // One server-side exchange: B for the stored verifier, then the claim check (with a
            // fresh B the claim does not verify, but the work is the same).
            let eph = ServerEphemeral::generate(black_box(&verifier), &rng)?;
            let srp_b = eph.public().to_hex();
            let ok = eph.verify_password_claim(
                black_box(&srp_a),
                pool_id,
                user,
                &block,
                timestamp,
                &server_claim.signature,
            )?;
            Ok((srp_b, ok))
        }),
    );
    Ok(out)
}
