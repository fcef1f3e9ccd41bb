//! The JWT part of `cargo xtask bench` (alone: `cargo xtask bench jwt`). One access token,
//! issued by an in-process emulator with AWS-form issuers, and its JWKS, for every side:
//!
//! - `cognito-jwt`'s `verify_sync` with the key cached, against ring's bare RSA PKCS#1 v1.5
//!   SHA-256 verification of the same signature with the same key (target: within 1.15×);
//! - aws-jwt-verify on Node (`verifySync` after `cacheJwks`, installed with `npm ci` from
//!   `xtask/js/jwt/package-lock.json`), one thread against one thread (target: ≥ 3× faster);
//! - an axum service answering `GET /hello` with and without `CognitoJwtLayer`, loaded over
//!   keep-alive HTTP/1.1 connections on 127.0.0.1 by clients in the same process: requests per
//!   second and process CPU time per request; the difference is what the layer adds.
//!
//! Each figure is the best of the rounds, the sides alternating within a round.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Extension;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use bytes::Bytes;
use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, IssuerMode, PoolSpec, UserSpec};
use cognito_jwt::{Claims, CognitoJwtLayer, CognitoJwtVerifier, TokenUse};
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike as _;
use serde_json::{Value, json};
use srp_core::ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

use super::{Options, rust_side};

const PASSWORD: &str = "Bench-Passw0rd!";

/// Seconds per verification (or per request), each side.
#[derive(Debug)]
pub(crate) struct Figures {
    /// `verify_sync`, cached key.
    pub(crate) ours: f64,
    /// ring's RSA verification alone.
    pub(crate) ring: f64,
    /// aws-jwt-verify's `verifySync`, or why it was skipped.
    pub(crate) node: Result<f64, String>,
    /// The axum service with and without the layer.
    pub(crate) axum: Result<Service, String>,
}

/// The axum comparison.
#[derive(Debug)]
pub(crate) struct Service {
    /// Requests per second without / with the layer.
    pub(crate) plain_rps: f64,
    pub(crate) guarded_rps: f64,
    /// Process CPU seconds per request (server and clients) without / with the layer.
    pub(crate) plain_cpu: f64,
    pub(crate) guarded_cpu: f64,
    /// Concurrent connections and seconds per run.
    pub(crate) connections: usize,
    pub(crate) seconds: f64,
}

/// The token, its JWKS and who issued it.
struct Fixture {
    token: String,
    jwks: Vec<u8>,
    pool: String,
    client: String,
}

type HttpClient<B> = Client<HttpConnector, B>;

async fn fixture() -> Result<(Emulator, Fixture), String> {
    let config = EmulatorConfig::default().issuer(IssuerMode::Aws);
    let emu = Emulator::start(config)
        .await
        .map_err(|e| format!("emulator: {e}"))?;
    let pool = emu
        .create_pool(PoolSpec::named("jwt-bench"))
        .map_err(|e| format!("pool: {e}"))?;
    let client = emu
        .create_client(&pool, ClientSpec::public("bench"))
        .map_err(|e| format!("client: {e}"))?
        .client_id;
    emu.create_user(&pool, UserSpec::new("alice", PASSWORD))
        .map_err(|e| format!("user: {e}"))?;
    let http: HttpClient<Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
                      "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD}});
    let request = http::Request::post(format!("{}/", emu.url()))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| e.to_string())?;
    let answer = read(http.request(request).await.map_err(|e| e.to_string())?).await?;
    let answer: Value = serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
    let token = answer["AuthenticationResult"]["AccessToken"]
        .as_str()
        .ok_or_else(|| format!("sign-in: {answer}"))?
        .to_owned();
    let request = http::Request::get(format!("{}/{pool}/.well-known/jwks.json", emu.url()))
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let jwks = read(http.request(request).await.map_err(|e| e.to_string())?).await?;
    Ok((
        emu,
        Fixture {
            token,
            jwks: jwks.to_vec(),
            pool,
            client,
        },
    ))
}

async fn read(response: http::Response<hyper::body::Incoming>) -> Result<Bytes, String> {
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)))
    }
}

fn verifier(fx: &Fixture) -> Result<CognitoJwtVerifier, String> {
    let verifier = CognitoJwtVerifier::builder(&fx.pool)
        .client_id(&fx.client)
        .token_use(TokenUse::Access)
        .build()
        .map_err(|e| format!("verifier: {e}"))?;
    verifier
        .add_jwks(&fx.jwks)
        .map_err(|e| format!("add_jwks: {e}"))?;
    Ok(verifier)
}

/// Measures everything; `node_dir` is where aws-jwt-verify gets installed (`None`: skipped).
pub(crate) fn measure(
    opts: &Options,
    node_dir: Option<&Path>,
    root: &Path,
    connections: usize,
    seconds: f64,
) -> Result<Figures, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio: {e}"))?;
    let (emu, fx) = rt.block_on(fixture())?;
    let verifier = verifier(&fx)?;
    let (ours, ring) = verification(opts, &fx, &verifier)?;
    let node = match node_dir {
        Some(dir) => node(opts, root, dir, &fx),
        None => Err("--no-node".to_owned()),
    };
    let axum = rt.block_on(service(opts, &fx, verifier, connections, seconds));
    drop(emu);
    Ok(Figures {
        ours,
        ring,
        node,
        axum,
    })
}

/// `verify_sync` and ring's raw verification of the same token: the fastest per-call time of
/// each, alternating over the rounds.
fn verification(
    opts: &Options,
    fx: &Fixture,
    verifier: &CognitoJwtVerifier,
) -> Result<(f64, f64), String> {
    let token = fx.token.as_str();
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the access token is not a JWS".to_owned());
    };
    let decode = |s: &str| B64.decode(s).map_err(|e| format!("base64: {e}"));
    let header: Value = serde_json::from_slice(&decode(header_b64)?).map_err(|e| e.to_string())?;
    let jwks: Value = serde_json::from_slice(&fx.jwks).map_err(|e| e.to_string())?;
    let key = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == header["kid"]))
        .ok_or("the token's kid is not in the JWKS")?;
    let components = RsaPublicKeyComponents {
        n: decode(key["n"].as_str().ok_or("no n")?)?,
        e: decode(key["e"].as_str().ok_or("no e")?)?,
    };
    let signing_input = format!("{header_b64}.{payload}");
    let signature = decode(sig)?;
    let now = time::OffsetDateTime::now_utc();
    components
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &signature,
        )
        .map_err(|_| "ring rejects the emulator's signature")?;
    verifier
        .verify_sync(token, now)
        .map_err(|e| format!("verify_sync: {e}"))?;
    let sample = Duration::from_millis(opts.sample_ms);
    let (mut ours, mut ring) = (f64::INFINITY, f64::INFINITY);
    for round in 1..=opts.rounds {
        eprintln!("bench: JWT verification round {round}/{}", opts.rounds);
        let raw = || {
            components.verify(
                &RSA_PKCS1_2048_8192_SHA256,
                black_box(signing_input.as_bytes()),
                black_box(&signature),
            )
        };
        let full = || verifier.verify_sync(black_box(token), now);
        if round % 2 == 1 {
            ring = ring.min(rust_side::best_of(opts.samples, sample, raw));
            ours = ours.min(rust_side::best_of(opts.samples, sample, full));
        } else {
            ours = ours.min(rust_side::best_of(opts.samples, sample, full));
            ring = ring.min(rust_side::best_of(opts.samples, sample, raw));
        }
    }
    Ok((ours, ring))
}

fn run_quiet(cmd: &mut Command) -> Result<Vec<u8>, String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{shown}: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "{shown} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// aws-jwt-verify's `verifySync` on the same token: `npm ci` into `dir` from the committed
/// lockfile (again only when it changed), then `xtask/js/jwt/jwt_bench.cjs`.
fn node(opts: &Options, root: &Path, dir: &Path, fx: &Fixture) -> Result<f64, String> {
    let source = root.join("xtask/js/jwt");
    let lock = std::fs::read_to_string(source.join("package-lock.json"))
        .map_err(|e| format!("reading xtask/js/jwt/package-lock.json: {e}"))?;
    run_quiet(Command::new("node").arg("--version")).map_err(|e| format!("no node: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let marker = dir.join("node_modules").join(".bench-lock.json");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(lock.as_str()) {
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), dir.join(file))
                .map_err(|e| format!("copying {file}: {e}"))?;
        }
        eprintln!("bench: npm ci in {}", dir.display());
        run_quiet(
            Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" })
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(dir),
        )?;
        std::fs::write(&marker, &lock).map_err(|e| format!("{}: {e}", marker.display()))?;
    }
    std::fs::copy(source.join("jwt_bench.cjs"), dir.join("jwt_bench.cjs"))
        .map_err(|e| format!("copying jwt_bench.cjs: {e}"))?;
    let jwks: Value = serde_json::from_slice(&fx.jwks).map_err(|e| e.to_string())?;
    let input = dir.join("input.json");
    let doc = json!({"token": fx.token, "jwks": jwks, "pool_id": fx.pool, "client_id": fx.client});
    std::fs::write(&input, doc.to_string()).map_err(|e| format!("{}: {e}", input.display()))?;
    let mut best = f64::INFINITY;
    for round in 1..=opts.rounds {
        eprintln!("bench: aws-jwt-verify round {round}/{}", opts.rounds);
        let out = run_quiet(
            Command::new("node")
                .arg(dir.join("jwt_bench.cjs"))
                .arg("--input")
                .arg(&input)
                .args(["--samples", &opts.samples.to_string()])
                .args(["--sample-ms", &opts.sample_ms.to_string()])
                .current_dir(dir),
        )?;
        let result: Value = serde_json::from_slice(&out).map_err(|e| format!("node: {e}"))?;
        best = best.min(result["per_call"].as_f64().ok_or("node: no per_call")?);
    }
    Ok(best)
}

fn cpu_seconds() -> Result<f64, String> {
    let usage = getrusage(UsageWho::RUSAGE_SELF).map_err(|e| format!("getrusage: {e}"))?;
    let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    #[allow(clippy::cast_precision_loss)] // microseconds of a benchmark: far below 2^52
    Ok(micros as f64 / 1e6)
}

/// Serves `app` on 127.0.0.1 and loads it with `connections` keep-alive clients for `seconds`:
/// (requests per second, process CPU seconds per request).
async fn load(
    app: Router,
    token: &str,
    connections: usize,
    seconds: f64,
) -> Result<(f64, f64), String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}/hello",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http: HttpClient<Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = || {
        http::Request::get(&url)
            .header("authorization", format!("Bearer {token}"))
            .body(Empty::new())
            .map_err(|e| e.to_string())
    };
    // Warm up (connections, the first verification), and check the answer.
    for _ in 0..connections.max(1) * 4 {
        let body = read(http.request(request()?).await.map_err(|e| e.to_string())?).await?;
        if body.as_ref() != b"hello alice" && body.as_ref() != b"hello" {
            return Err(format!("unexpected answer {body:?}"));
        }
    }
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let cpu0 = cpu_seconds()?;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (http, done, stop) = (http.clone(), Arc::clone(&done), Arc::clone(&stop));
        let (url, bearer) = (url.clone(), format!("Bearer {token}"));
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let req = http::Request::get(&url)
                    .header("authorization", &bearer)
                    .body(Empty::new())
                    .map_err(|e| e.to_string())?;
                match http.request(req).await {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.into_body().collect().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(resp) => return Err(format!("HTTP {}", resp.status())),
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok::<(), String>(())
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds()? - cpu0;
    server.abort();
    #[allow(clippy::cast_precision_loss)] // request counts of a benchmark: far below 2^52
    let n = done.load(Ordering::Relaxed).max(1) as f64;
    Ok((n / wall, cpu / n))
}

async fn service(
    opts: &Options,
    fx: &Fixture,
    verifier: CognitoJwtVerifier,
    connections: usize,
    seconds: f64,
) -> Result<Service, String> {
    let plain = || Router::new().route("/hello", get(|| async { "hello" }));
    let guarded = || {
        Router::new()
            .route(
                "/hello",
                get(|Extension(claims): Extension<Claims>| async move {
                    format!("hello {}", claims.user_name().unwrap_or_default())
                }),
            )
            .layer(CognitoJwtLayer::new(verifier.clone()))
    };
    let mut best = Service {
        plain_rps: 0.0,
        guarded_rps: 0.0,
        plain_cpu: f64::INFINITY,
        guarded_cpu: f64::INFINITY,
        connections,
        seconds,
    };
    for round in 1..=opts.rounds {
        eprintln!("bench: axum service round {round}/{}", opts.rounds);
        for guard in if round % 2 == 1 {
            [false, true]
        } else {
            [true, false]
        } {
            let app = if guard { guarded() } else { plain() };
            let (rps, cpu) = load(app, &fx.token, connections, seconds).await?;
            if guard {
                best.guarded_rps = best.guarded_rps.max(rps);
                best.guarded_cpu = best.guarded_cpu.min(cpu);
            } else {
                best.plain_rps = best.plain_rps.max(rps);
                best.plain_cpu = best.plain_cpu.min(cpu);
            }
        }
    }
    Ok(best)
}

fn us(secs: f64) -> String {
    format!("{:.1} µs", secs * 1e6)
}

/// The table rows of the figures: (what, ours, reference, ratio, target, met).
pub(crate) fn rows(f: &Figures) -> Vec<[String; 6]> {
    let mut rows = Vec::new();
    let ratio = f.ours / f.ring;
    rows.push([
        "JWT verification, `cognito-jwt` `verify_sync` (cached key, emulator access token)"
            .to_owned(),
        format!("{} ({:.0}/s)", us(f.ours), 1.0 / f.ours),
        format!(
            "ring RSA verify alone: {} ({:.0}/s)",
            us(f.ring),
            1.0 / f.ring
        ),
        format!("{ratio:.2}× the time"),
        "within 1.15×".to_owned(),
        if ratio <= 1.15 { "yes" } else { "no" }.to_owned(),
    ]);
    match &f.node {
        Ok(node) => {
            let speedup = node / f.ours;
            rows.push([
                "JWT verification vs aws-jwt-verify (Node `verifySync`, cached JWKS, one core each)"
                    .to_owned(),
                format!("{} ({:.0}/s)", us(f.ours), 1.0 / f.ours),
                format!("aws-jwt-verify: {} ({:.0}/s)", us(*node), 1.0 / node),
                format!("{speedup:.2}× faster"),
                "≥ 3×".to_owned(),
                if speedup >= 3.0 { "yes" } else { "no" }.to_owned(),
            ]);
        }
        Err(why) => rows.push([
            "JWT verification vs aws-jwt-verify".to_owned(),
            "skipped".to_owned(),
            why.clone(),
            String::new(),
            "≥ 3×".to_owned(),
            "-".to_owned(),
        ]),
    }
    match &f.axum {
        Ok(s) => rows.push([
            format!(
                "axum `GET /hello` with `CognitoJwtLayer` vs without ({} connections, {} s runs, clients in-process)",
                s.connections, s.seconds
            ),
            format!("{:.0} req/s, {} CPU/req", s.guarded_rps, us(s.guarded_cpu)),
            format!("without: {:.0} req/s, {} CPU/req", s.plain_rps, us(s.plain_cpu)),
            format!(
                "+{} CPU per request; {:.2}× the requests/s",
                us(s.guarded_cpu - s.plain_cpu),
                s.guarded_rps / s.plain_rps
            ),
            "(measured)".to_owned(),
            "-".to_owned(),
        ]),
        Err(why) => rows.push([
            "axum service with / without the layer".to_owned(),
            "skipped".to_owned(),
            why.clone(),
            String::new(),
            String::new(),
            "-".to_owned(),
        ]),
    }
    rows
}

const USAGE: &str = "cargo xtask bench jwt [options]\n\noptions:\n  --rounds R        \
    alternate the sides R times (default 2)\n  --samples N       samples per verification and \
    round (default 30)\n  --sample-ms MS    length of one sample (default 25)\n  --seconds S       \
    length of one axum load run (default 3)\n  --connections K   concurrent keep-alive \
    connections (default 8)\n  --no-node         skip aws-jwt-verify\n  --quick           \
    --rounds 1 --samples 5 --seconds 1";

/// `cargo xtask bench jwt`: the JWT rows alone, printed as a markdown table.
pub(crate) fn main(args: &[String]) -> Result<(), String> {
    let mut opts = Options {
        rounds: 2,
        samples: 30,
        sample_ms: 25,
        python: false,
    };
    let (mut seconds, mut connections, mut with_node) = (3.0, 8, true);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<f64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number\n\n{USAGE}"))
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        match arg.as_str() {
            "--rounds" => opts.rounds = value("--rounds")?.max(1.0) as u32,
            "--samples" => opts.samples = value("--samples")?.max(1.0) as u32,
            "--sample-ms" => opts.sample_ms = value("--sample-ms")?.max(1.0) as u64,
            "--seconds" => seconds = value("--seconds")?.max(0.2),
            "--connections" => connections = value("--connections")?.max(1.0) as usize,
            "--no-node" => with_node = false,
            "--quick" => {
                opts.rounds = 1;
                opts.samples = 5;
                seconds = 1.0;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    if cfg!(debug_assertions) {
        eprintln!(
            "bench: WARNING: xtask was built without optimizations; the Rust side's figures are \
             only meaningful with `cargo run --release -p xtask -- bench jwt`"
        );
    }
    let root = super::workspace_root();
    let node_dir = super::target_dir(&root).join("bench-jwt-js");
    let figures = measure(
        &opts,
        with_node.then_some(node_dir.as_path()),
        &root,
        connections,
        seconds,
    )?;
    let mut out = String::from(
        "| what | ours | reference | ratio | target | met |\n|---|---|---|---|---|---|\n",
    );
    for row in rows(&figures) {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    println!("{out}");
    Ok(())
}
