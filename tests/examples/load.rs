//! Load: N concurrent SRP sign-ins (default 1,000) against the emulator on 127.0.0.1, through one
//! `CognitoAuth` (one pooled keep-alive HTTP client). Reports errors, p50/p99/max latency and
//! throughput. Run: `cargo run --release -p pycognito-tests --example load [N]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_auth::{CognitoAuth, SignInOutcome};
use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec, UserSpec};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: usize = 50;
const IN_FLIGHT: usize = 32;
const PW: &str = "Load-Passw0rd!";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let pool = emu.create_pool(PoolSpec::default()).unwrap();
    let client = emu
        .create_client(&pool, ClientSpec::default().name("load".into()))
        .unwrap();
    for i in 0..USERS {
        let user = UserSpec::default()
            .username(format!("user{i}"))
            .password(Some(PW.into()));
        emu.create_user(&pool, user).unwrap();
    }
    let retry = {
        let mut v = cognito_wire::RetryPolicy::default();
        v.max_attempts = 1;
        v
    };
    let wire = cognito_wire::Client::builder()
        .endpoint_url(emu.url())
        .env(|_| None)
        .transport(
            cognito_wire::HyperTransport::with_config({
                let mut config = cognito_wire::HyperConfig::default();
                config.request_timeout = Duration::from_secs(60);
                // 1,000 sign-ins in flight share at most this many keep-alive connections.
                config.max_in_flight = Some(IN_FLIGHT);
                config
            })
            .unwrap(),
        )
        .retry_policy(retry)
        .build()
        .unwrap();
    let auth = Arc::new(
        CognitoAuth::builder(&pool, &client.client_id)
            .wire_client(wire)
            .build()
            .unwrap(),
    );
    // Warm up (the pool's signing key is generated on first use).
    auth.sign_in("user0", PW).await.unwrap();

    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let auth = auth.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                let ok = match auth.sign_in(&format!("user{}", i % USERS), PW).await {
                    Ok(SignInOutcome::SignedIn(_)) => true,
                    Ok(SignInOutcome::NeedsInput(p)) => {
                        eprintln!("sign-in {i}: unexpected question {:?}", p.question());
                        false
                    }
                    Ok(other) => {
                        eprintln!("sign-in {i}: unexpected outcome {other:?}");
                        false
                    }
                    Err(e) => {
                        eprintln!("sign-in {i}: {e}");
                        false
                    }
                };
                (ok, t.elapsed())
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    let mut errors = 0;
    for t in tasks {
        let (ok, d) = t.await.unwrap();
        if !ok {
            errors += 1;
        }
        latencies.push(d);
    }
    let total = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{n} concurrent SRP sign-ins over at most {IN_FLIGHT} keep-alive connections: {errors} errors; p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {:.1} s total, {:.0} sign-ins/s",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3,
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64()
    );
    emu.shutdown().await;
    if errors > 0 {
        std::process::exit(1);
    }
}
