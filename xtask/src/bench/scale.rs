//! `cargo xtask bench emulator-scale`: how the emulator holds up as its state grows (issue 13).
//!
//! For each size (1k, 10k, 100k and 1M stored users by default):
//!
//! 1. the state database is built in-process with the embedded API's bulk path,
//!    `Emulator::create_users` (one transaction per batch of 50,000; SRP verifiers computed on
//!    every core first). Up to 100,000 users have a password; above that the rest are
//!    password-less (imported, waiting for a reset), which spares an SRP verifier each;
//! 2. the release CLI serves it (`pycognito emulator --port 0 --state FILE`): the start time
//!    (spawn to URL line), its RSS after start and its peak RSS at the end;
//! 3. `SignUp` (new users, sequential) and full SRP sign-ins (`InitiateAuth` +
//!    `RespondToAuthChallenge`, sequential, srp-core's client math) over HTTP: p50 and p99;
//! 4. the state size (database and write-ahead log).
//!
//! Then, on the smallest size: sign-ins served per second with the emulator pinned to one CPU
//! and to two (`taskset`), by concurrent clients in this process; and the same SRP sign-in loop
//! against MiniStack (PyPI `ministack`, in a venv under the target directory) when it can be
//! installed and answers SRP.
// serde_json::Value's `[]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

use bytes::Bytes;
use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec, UserSpec};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const POOL: &str = "us-east-1_scale";
const CLIENT: &str = "scaleclient";
const PASSWORD: &str = "Scale-Passw0rd!";
/// Users created per `create_users` call.
const BATCH: usize = 50_000;
/// Users with a password at most (beyond: password-less).
const WITH_PASSWORD: usize = 100_000;

const USAGE: &str = "cargo xtask bench emulator-scale [options]\n\noptions:\n  --sizes A,B,..   \
    stored users per run (default 1000,10000,100000,1000000)\n  --ops N          SignUp calls and \
    sign-ins per size (default 200)\n  --seconds S      length of each throughput run (default 5)\n  \
    --clients K      concurrent clients in the throughput runs (default 4)\n  --cli PATH       the \
    pycognito binary (default: cargo build --release -p pycognito-rs)\n  --no-ministack    skip \
    MiniStack\n  --quick          --sizes 1000,10000 --ops 50 --seconds 2";

#[derive(Debug)]
struct Opts {
    sizes: Vec<usize>,
    ops: usize,
    seconds: f64,
    clients: usize,
    cli: Option<PathBuf>,
    ministack: bool,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        sizes: vec![1_000, 10_000, 100_000, 1_000_000],
        ops: 200,
        seconds: 5.0,
        clients: 4,
        cli: None,
        ministack: true,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut next = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--sizes" => {
                o.sizes = next()?
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .parse::<usize>()
                            .map_err(|e| format!("--sizes: {e}"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--ops" => o.ops = next()?.parse().map_err(|e| format!("--ops: {e}"))?,
            "--seconds" => o.seconds = next()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--clients" => o.clients = next()?.parse().map_err(|e| format!("--clients: {e}"))?,
            "--cli" => o.cli = Some(PathBuf::from(next()?)),
            "--no-ministack" => o.ministack = false,
            "--quick" => {
                o.sizes = vec![1_000, 10_000];
                o.ops = 50;
                o.seconds = 2.0;
            }
            other => return Err(format!("emulator-scale: unknown option {other}\n\n{USAGE}")),
        }
    }
    if o.sizes.is_empty() || o.ops == 0 || o.clients == 0 || o.seconds <= 0.0 {
        return Err(format!("emulator-scale: empty run\n\n{USAGE}"));
    }
    o.sizes.sort_unstable();
    Ok(o)
}

/// Randomness for the client's SRP ephemerals: the kernel's.
struct Urandom;

impl srp_core::RandomSource for Urandom {
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), srp_core::SrpError> {
        use std::io::Read;
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(dest))
            .map_err(|_| srp_core::SrpError::Rng)
    }
}

type Http = HyperClient<HttpConnector, Full<Bytes>>;

fn http() -> Http {
    HyperClient::builder(TokioExecutor::new()).build_http()
}

/// One unsigned Cognito call; the status and the JSON body.
async fn call(http: &Http, url: &str, op: &str, body: &Value) -> Result<(u16, Value), String> {
    let req = http::Request::post(format!("{url}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        // Gateways that route by the signature's scope (MiniStack) find cognito-idp here; the
        // emulator ignores it on unsigned operations.
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-target, Signature=00",
        )
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| e.to_string())?;
    let resp = http.request(req).await.map_err(|e| format!("{op}: {e}"))?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{op}: {e}"))?
        .to_bytes();
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

async fn ok(http: &Http, url: &str, op: &str, body: &Value) -> Result<Value, String> {
    match call(http, url, op, body).await? {
        (200, v) => Ok(v),
        (s, v) => Err(format!("{op}: HTTP {s}: {v}")),
    }
}

/// A full SRP sign-in: `InitiateAuth(USER_SRP_AUTH)`, then `PASSWORD_VERIFIER`; tokens expected.
async fn srp_sign_in(
    http: &Http,
    url: &str,
    pool: &str,
    client: &str,
    user: &str,
) -> Result<(), String> {
    let eph = srp_core::ClientEphemeral::generate(&Urandom).map_err(|e| e.to_string())?;
    let c = ok(
        http,
        url,
        "InitiateAuth",
        &json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": client,
                "AuthParameters": {"USERNAME": user, "SRP_A": eph.public().to_hex()}}),
    )
    .await?;
    let p = &c["ChallengeParameters"];
    let field = |k: &str| p[k].as_str().ok_or_else(|| format!("no {k} in {c}"));
    let user_id = field("USER_ID_FOR_SRP")?;
    let vc =
        srp_core::VerifierChallenge::parse(field("SALT")?, field("SRP_B")?, field("SECRET_BLOCK")?)
            .map_err(|e| e.to_string())?;
    let ts =
        srp_core::format_timestamp(time::OffsetDateTime::now_utc()).map_err(|e| e.to_string())?;
    let claim = eph
        .password_claim(pool, user_id, &srp_core::Password::new(PASSWORD), &vc, &ts)
        .map_err(|e| e.to_string())?;
    let t = ok(
        http,
        url,
        "RespondToAuthChallenge",
        &json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client,
                "ChallengeResponses": {"USERNAME": user_id,
                    "PASSWORD_CLAIM_SIGNATURE": claim.signature,
                    "PASSWORD_CLAIM_SECRET_BLOCK": claim.secret_block,
                    "TIMESTAMP": claim.timestamp}}),
    )
    .await?;
    if t["AuthenticationResult"]["AccessToken"].is_string() {
        Ok(())
    } else {
        Err(format!("no tokens: {t}"))
    }
}

/// A sign-in with `USER_PASSWORD_AUTH`: one request, tokens expected. The server does the SRP
/// math of the password check (it recomputes the verifier from the stored salt) and signs the
/// tokens; the client does none, so the server's throughput shows without the client's math
/// sharing its CPUs.
async fn password_sign_in(http: &Http, url: &str, client: &str, user: &str) -> Result<(), String> {
    let t = ok(
        http,
        url,
        "InitiateAuth",
        &json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
                "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}}),
    )
    .await?;
    if t["AuthenticationResult"]["AccessToken"].is_string() {
        Ok(())
    } else {
        Err(format!("no tokens: {t}"))
    }
}

/// The sign-in of a throughput run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// `USER_SRP_AUTH` + `PASSWORD_VERIFIER`, the client's SRP math in this process.
    Srp,
    /// `USER_PASSWORD_AUTH`: no client math.
    Password,
}

impl Flow {
    fn name(self) -> &'static str {
        match self {
            Flow::Srp => "SRP (USER_SRP_AUTH + PASSWORD_VERIFIER)",
            Flow::Password => "USER_PASSWORD_AUTH",
        }
    }
}

/// The state database of `size` users at `path` (in-process, the bulk path); seconds taken.
fn build_state(path: &Path, size: usize) -> Result<f64, String> {
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let emu = Emulator::start(EmulatorConfig::default().state_file(Some(path.to_path_buf())))
            .await
            .map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        emu.create_pool(PoolSpec::named("scale").id(Some(POOL.to_owned())))
            .map_err(|e| e.to_string())?;
        emu.create_client(
            POOL,
            ClientSpec::public("scale").client_id(Some(CLIENT.to_owned())),
        )
        .map_err(|e| e.to_string())?;
        let mut next = 0usize;
        while next < size {
            let end = (next + BATCH).min(size);
            let specs: Vec<UserSpec> = (next..end)
                .map(|i| {
                    let name = format!("user{i}");
                    let mut spec = if i < WITH_PASSWORD {
                        UserSpec::new(name.clone(), PASSWORD)
                    } else {
                        UserSpec::default().username(name.clone())
                    };
                    spec = spec.attribute("email", format!("{name}@example.com"));
                    spec
                })
                .collect();
            emu.create_users(POOL, specs).map_err(|e| e.to_string())?;
            next = end;
            eprintln!("emulator-scale: {next} / {size} users");
        }
        let took = t0.elapsed().as_secs_f64();
        emu.shutdown().await;
        Ok(took)
    })
}

/// A standalone emulator process on a state file (optionally pinned to CPUs), killed on drop.
struct Served {
    child: Child,
    _stdout: BufReader<std::process::ChildStdout>,
    url: String,
    start_s: f64,
}

impl Served {
    fn start(cli: &Path, state: &Path, cpus: Option<&str>) -> Result<Self, String> {
        let mut cmd = match cpus {
            Some(c) => {
                let mut cmd = Command::new("taskset");
                cmd.args(["-c", c]).arg(cli);
                cmd
            }
            None => Command::new(cli),
        };
        let t0 = Instant::now();
        let mut child = cmd
            .args(["emulator", "--port", "0", "--state"])
            .arg(state)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the emulator: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .map_err(|e| format!("reading the URL: {e}"))?;
        let start_s = t0.elapsed().as_secs_f64();
        let url = line.trim().trim_end_matches('/').to_owned();
        if !url.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            return Err(format!("the emulator printed {url:?}, not its URL"));
        }
        Ok(Served {
            child,
            _stdout: stdout,
            url,
            start_s,
        })
    }

    /// A `/proc/PID/status` field in KiB (`VmRSS`, `VmHWM`).
    fn kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    }

    fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let utime: f64 = fields.next()?.parse().ok()?;
        let stime: f64 = fields.next()?.parse().ok()?;
        Some((utime + stime) / 100.0)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn p50_p99(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (percentile(&v, 0.50), percentile(&v, 0.99))
}

fn file_size(p: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", p.display()));
    [p.to_path_buf(), wal]
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

#[derive(Debug)]
struct Row {
    size: usize,
    seed_s: f64,
    start_s: f64,
    rss_start_kib: u64,
    rss_peak_kib: u64,
    state_bytes: u64,
    signup: (f64, f64),
    signin: (f64, f64),
}

async fn measure_ops(
    url: &str,
    ops: usize,
    size: usize,
) -> Result<((f64, f64), (f64, f64)), String> {
    let http = http();
    let mut signup = Vec::with_capacity(ops);
    for i in 0..ops {
        let name = format!("new{size}x{i}");
        let body = json!({"ClientId": CLIENT, "Username": name, "Password": PASSWORD,
                          "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]});
        let t0 = Instant::now();
        ok(&http, url, "SignUp", &body).await?;
        signup.push(t0.elapsed().as_secs_f64());
    }
    let with_password = size.clamp(1, WITH_PASSWORD);
    let mut signin = Vec::with_capacity(ops);
    for i in 0..ops {
        // Users spread over the whole range of those with a password.
        let user = format!("user{}", (i * 7919) % with_password);
        let t0 = Instant::now();
        srp_sign_in(&http, url, POOL, CLIENT, &user).await?;
        signin.push(t0.elapsed().as_secs_f64());
    }
    Ok((p50_p99(signup), p50_p99(signin)))
}

/// Concurrent sign-ins for `seconds`: sign-ins per second.
async fn throughput(
    url: &str,
    pool: &str,
    client: &str,
    users: &[String],
    opts: &Opts,
    flow: Flow,
) -> Result<f64, String> {
    let (clients, seconds) = (opts.clients, opts.seconds);
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for k in 0..clients {
        let (url, pool, client) = (url.to_owned(), pool.to_owned(), client.to_owned());
        let user = users
            .get(k % users.len().max(1))
            .cloned()
            .unwrap_or_default();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let http = http();
            while Instant::now() < deadline {
                match flow {
                    Flow::Srp => srp_sign_in(&http, &url, &pool, &client, &user).await?,
                    Flow::Password => password_sign_in(&http, &url, &client, &user).await?,
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    let t0 = Instant::now();
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(done.load(Ordering::Relaxed) as f64 / t0.elapsed().as_secs_f64().max(seconds))
}

/// MiniStack in a venv under `work`: started on a free port; its URL. Err says why not.
fn start_ministack(work: &Path) -> Result<(Child, String), String> {
    let venv = work.join("ministack-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let system = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let ok = Command::new(&system)
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("`{system} -m venv` failed"));
        }
    }
    let bin = venv.join("bin").join("ministack");
    if !bin.exists() {
        eprintln!("emulator-scale: pip install ministack");
        let ok = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "ministack",
            ])
            .status()
            .is_ok_and(|s| s.success());
        if !ok || !bin.exists() {
            return Err("`pip install ministack` failed".to_owned());
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let child = Command::new(&bin)
        .env("GATEWAY_PORT", port.to_string())
        .env("MINISTACK_HOST", "127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting ministack: {e}"))?;
    let url = format!("http://127.0.0.1:{port}");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t0.elapsed() > Duration::from_secs(30) {
            return Err("ministack did not listen within 30 s".to_owned());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((child, url))
}

/// Provisions a pool, a client and `n` users on MiniStack, then the sign-in loops; sign-ins/s
/// per flow.
async fn ministack_throughput(url: &str, opts: &Opts) -> Result<Vec<(Flow, f64)>, String> {
    let http = http();
    let pool = ok(&http, url, "CreateUserPool", &json!({"PoolName": "scale"})).await?;
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .ok_or_else(|| format!("CreateUserPool: {pool}"))?
        .to_owned();
    let client = ok(
        &http,
        url,
        "CreateUserPoolClient",
        &json!({"UserPoolId": pool_id, "ClientName": "scale",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                                      "ALLOW_REFRESH_TOKEN_AUTH"]}),
    )
    .await?;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .ok_or_else(|| format!("CreateUserPoolClient: {client}"))?
        .to_owned();
    let mut users = Vec::new();
    for k in 0..opts.clients {
        let name = format!("user{k}");
        ok(
            &http,
            url,
            "AdminCreateUser",
            &json!({"UserPoolId": pool_id, "Username": name, "MessageAction": "SUPPRESS"}),
        )
        .await?;
        ok(
            &http,
            url,
            "AdminSetUserPassword",
            &json!({"UserPoolId": pool_id, "Username": name, "Password": PASSWORD,
                    "Permanent": true}),
        )
        .await?;
        users.push(name);
    }
    srp_sign_in(&http, url, &pool_id, &client_id, &users[0])
        .await
        .map_err(|e| format!("SRP sign-in: {e}"))?;
    let mut out = Vec::new();
    for flow in [Flow::Srp, Flow::Password] {
        let rate = throughput(url, &pool_id, &client_id, &users, opts, flow)
            .await
            .map_err(|e| format!("{}: {e}", flow.name()))?;
        out.push((flow, rate));
    }
    Ok(out)
}

/// `cargo xtask bench emulator-scale`.
pub(crate) fn main(args: &[String]) -> Result<(), String> {
    let opts = parse(args)?;
    if cfg!(debug_assertions) {
        eprintln!(
            "emulator-scale: WARNING: xtask was built without optimizations (the embedded \
             seeding runs in it); use `cargo run --release -p xtask -- bench emulator-scale`"
        );
    }
    let root = super::workspace_root();
    let target = super::target_dir(&root);
    let work = target.join("bench-tmp").join("emulator-scale");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let cli = super::all::build_cli(&root, opts.cli.as_deref())?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for &size in &opts.sizes {
        let state = work.join(format!("state-{size}.db"));
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", state.display()));
        }
        eprintln!("emulator-scale: seeding {size} users");
        let seed_s = build_state(&state, size)?;
        let served = Served::start(&cli, &state, None)?;
        let rss_start_kib = served.kib("VmRSS").unwrap_or(0);
        let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        let (signup, signin) = rt.block_on(measure_ops(&served.url, opts.ops, size))?;
        let rss_peak_kib = served.kib("VmHWM").unwrap_or(0);
        let start_s = served.start_s;
        drop(served);
        rows.push(Row {
            size,
            seed_s,
            start_s,
            rss_start_kib,
            rss_peak_kib,
            state_bytes: file_size(&state),
            signup,
            signin,
        });
        eprintln!("emulator-scale: {:?}", rows.last());
    }

    // Sign-ins served per second, the emulator on one CPU, then two.
    let smallest = opts.sizes.first().copied().unwrap_or(1_000);
    let state = work.join(format!("state-{smallest}.db"));
    let users: Vec<String> = (0..opts.clients).map(|k| format!("user{k}")).collect();
    let mut per_cpus = Vec::new();
    for flow in [Flow::Srp, Flow::Password] {
        for cpus in ["0", "0,1"] {
            let served = Served::start(&cli, &state, Some(cpus))?;
            let cpu0 = served.cpu_seconds().unwrap_or(0.0);
            let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            let rate = rt.block_on(throughput(&served.url, POOL, CLIENT, &users, &opts, flow))?;
            let cpu = served.cpu_seconds().unwrap_or(0.0) - cpu0;
            per_cpus.push((flow, cpus, rate, cpu / (rate * opts.seconds).max(1.0)));
        }
    }
    let ministack = if opts.ministack {
        match start_ministack(&work) {
            Ok((mut child, url)) => {
                let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
                let r = rt.block_on(ministack_throughput(&url, &opts));
                let _ = child.kill();
                let _ = child.wait();
                r
            }
            Err(e) => Err(e),
        }
    } else {
        Err("skipped (--no-ministack)".to_owned())
    };
    if let Err(e) = &ministack {
        notes.push(format!("MiniStack: {e}"));
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "emulator-scale: {} SignUp calls and {} SRP sign-ins per size, sequential, over HTTP on 127.0.0.1\n",
        opts.ops, opts.ops
    );
    let _ = writeln!(
        out,
        "| stored users | seeding (bulk) | start | RSS after start | peak RSS | state size | SignUp p50 / p99 | sign-in p50 / p99 |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|");
    #[allow(clippy::cast_precision_loss)]
    for r in &rows {
        let _ = writeln!(
            out,
            "| {} | {:.1} s | {:.1} ms | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.2} / {:.2} ms | {:.2} / {:.2} ms |",
            r.size,
            r.seed_s,
            r.start_s * 1e3,
            r.rss_start_kib as f64 / 1024.0,
            r.rss_peak_kib as f64 / 1024.0,
            r.state_bytes as f64 / 1_048_576.0,
            r.signup.0 * 1e3,
            r.signup.1 * 1e3,
            r.signin.0 * 1e3,
            r.signin.1 * 1e3,
        );
    }
    if let Some(first) = rows.first() {
        for r in rows.iter().skip(1) {
            let _ = writeln!(
                out,
                "\nSignUp p50 at {} users / at {} users: {:.2}x (target: at most 1.5x from 1k to 100k)",
                r.size,
                first.size,
                r.signup.0 / first.signup.0
            );
        }
    }
    let _ = writeln!(
        out,
        "\nSign-ins served per second ({} concurrent clients in this process, {} s per run, {} stored users; the emulator pinned with taskset, the clients not):\n",
        opts.clients, opts.seconds, smallest
    );
    let _ = writeln!(
        out,
        "| server | flow | sign-ins/s | server CPU-ms per sign-in |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|");
    for (flow, cpus, rate, cpu) in &per_cpus {
        let _ = writeln!(
            out,
            "| emulator, taskset -c {cpus} | {} | {rate:.1} | {:.2} |",
            flow.name(),
            cpu * 1e3
        );
    }
    match &ministack {
        Ok(rates) => {
            for (flow, rate) in rates {
                let _ = writeln!(
                    out,
                    "| MiniStack (PyPI ministack) | {} | {rate:.1} | - |",
                    flow.name()
                );
            }
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "| MiniStack (PyPI ministack) | - | not measured: {e} | - |"
            );
        }
    }
    for flow in [Flow::Srp, Flow::Password] {
        let rate = |c: &str| {
            per_cpus
                .iter()
                .find(|(f, cpus, _, _)| *f == flow && *cpus == c)
                .map_or(f64::NAN, |(_, _, r, _)| *r)
        };
        let _ = writeln!(
            out,
            "\n{}: 2 CPUs / 1 CPU = {:.2}x",
            flow.name(),
            rate("0,1") / rate("0")
        );
    }
    for n in &notes {
        let _ = writeln!(out, "\nnote: {n}");
    }
    print!("{out}");
    let report = target.join("bench-emulator-scale.md");
    std::fs::write(&report, &out).map_err(|e| format!("{}: {e}", report.display()))?;
    eprintln!("emulator-scale: report written to {}", report.display());
    Ok(())
}
