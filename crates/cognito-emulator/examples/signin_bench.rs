//! Sign-ins per second served by an in-memory emulator over loopback HTTP (keep-alive).
//!
//! `cargo run --release -p cognito-emulator --example signin_bench -- [seconds] [concurrency]`
//!
//! Measures two flows: `USER_PASSWORD_AUTH` (one request; the server recomputes the verifier)
//! and the full `USER_SRP_AUTH` → `PASSWORD_VERIFIER` exchange (two requests; the client's SRP
//! math runs in the same process and shares the CPU with the server).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec, UserSpec};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn call(http: &Http, url: &str, op: &str, body: Value) -> Value {
    let req = http::Request::post(url)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(Full::new(Bytes::from(serde_json::to_vec(&body).unwrap())))
        .unwrap();
    let resp = http.request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap()
}

async fn srp(http: &Http, url: &str, pool: &str, client: &str, user: &str) {
    let rng = ring::rand::SystemRandom::new();
    let eph = srp_core::ClientEphemeral::generate(&rng).unwrap();
    let ch = call(
        http,
        url,
        "InitiateAuth",
        json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client,
               "AuthParameters": {"USERNAME": user, "SRP_A": eph.public().to_hex()}}),
    )
    .await;
    let p = &ch["ChallengeParameters"];
    let vc = srp_core::VerifierChallenge::parse(
        p["SALT"].as_str().unwrap(),
        p["SRP_B"].as_str().unwrap(),
        p["SECRET_BLOCK"].as_str().unwrap(),
    )
    .unwrap();
    let ts = srp_core::format_timestamp(srp_core::time::OffsetDateTime::now_utc()).unwrap();
    let claim = eph
        .password_claim(pool, user, &srp_core::Password::new("Passw0rd!"), &vc, &ts)
        .unwrap();
    let done = call(
        http,
        url,
        "RespondToAuthChallenge",
        json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client,
               "ChallengeResponses": {"USERNAME": user, "PASSWORD_CLAIM_SIGNATURE": claim.signature,
                                      "PASSWORD_CLAIM_SECRET_BLOCK": claim.secret_block, "TIMESTAMP": ts}}),
    )
    .await;
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

async fn password(http: &Http, url: &str, client: &str, user: &str) {
    let done = call(
        http,
        url,
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
               "AuthParameters": {"USERNAME": user, "PASSWORD": "Passw0rd!"}}),
    )
    .await;
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

async fn run(
    flow: &'static str,
    secs: u64,
    conc: usize,
    emu: &Emulator,
    pool: &str,
    client: &str,
) -> f64 {
    let url = format!("{}/", emu.url());
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for i in 0..conc {
        let (url, pool, client, count) = (
            url.clone(),
            pool.to_owned(),
            client.to_owned(),
            count.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let http: Http = Client::builder(TokioExecutor::new()).build_http();
            let user = format!("user{i}");
            while Instant::now() < deadline {
                match flow {
                    "srp" => srp(&http, &url, &pool, &client, &user).await,
                    _ => password(&http, &url, &client, &user).await,
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let start = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let conc: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(8);
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let pool = emu.create_pool(PoolSpec::named("bench")).unwrap();
    let client = emu
        .create_client(&pool, ClientSpec::public("bench"))
        .unwrap();
    for i in 0..conc {
        emu.create_user(&pool, UserSpec::new(format!("user{i}"), "Passw0rd!"))
            .unwrap();
    }
    // Warm up (generates the pool's RSA key).
    let _ = run("password", 1, 1, &emu, &pool, &client.client_id).await;
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!("cpus: {cpus}, concurrency: {conc}, {secs} s per flow");
    let p = run("password", secs, conc, &emu, &pool, &client.client_id).await;
    println!("USER_PASSWORD_AUTH sign-ins/s: {p:.0}");
    let s = run("srp", secs, conc, &emu, &pool, &client.client_id).await;
    println!("USER_SRP_AUTH sign-ins/s (client math in-process): {s:.0}");
    emu.shutdown().await;
}
