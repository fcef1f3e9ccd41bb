//! `cargo xtask bench`: every benchmark of the project next to its reference, in one run, into
//! one report (printed, and written to `<target>/bench-report.md`). See docs/benchmarks.md.
//!
//! - SRP client math: srp-core vs pycognito, amazon-cognito-identity-js, OpenSSL and GMP
//!   (the `bench-srp` comparison plus a node column);
//! - cold one-shot CLI login: the release `pycognito login` vs `python login_bench.py once`
//!   (pycognito's `Cognito.authenticate`), each a fresh process against the same emulator;
//! - sustained sign-ins per client CPU-second: a Rust `CognitoAuth` loop vs a pycognito loop;
//! - JWT verification (`jwt.rs`, alone: `cargo xtask bench jwt`): cognito-jwt's `verify_sync`
//!   vs ring's bare RSA verification and vs aws-jwt-verify on Node; an axum service with and
//!   without `CognitoJwtLayer`;
//! - emulator sign-ins served per second (several concurrent Rust clients);
//! - peak RSS of one login: the CLI vs the pycognito script.
//!
//! Everything runs against one standalone emulator (`pycognito emulator --port 0 --seed`,
//! in memory) on 127.0.0.1.
// serde_json::Value's `[]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

use super::procs::{self, CLIENT, EmulatorProcess, LoopResult, PASSWORD, POOL};
use super::{Options, Table, node, python};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug)]
struct AllOptions {
    srp: Options,
    node: bool,
    cold_runs: u32,
    rss_runs: u32,
    seconds: f64,
    clients: usize,
    cli: Option<PathBuf>,
}

const USAGE: &str = "cargo xtask bench [options]\n\noptions:\n  --rounds R        alternate the \
    sides R times in the SRP, JWT and sign-in loop comparisons (default 2)\n  --samples N       \
    samples per SRP/JWT operation and round (default 30)\n  --sample-ms MS    length of one such \
    sample (default 25)\n  --cold-runs N     one-shot logins per side (default 20)\n  \
    --rss-runs N      max-RSS runs per side (default 3)\n  --seconds S       length of one \
    sign-in loop (default 5)\n  --clients K       concurrent clients for the emulator's \
    throughput (default 4)\n  --cli PATH        the pycognito binary (default: cargo build \
    --release -p pycognito-rs)\n  --no-python       skip every Python peer\n  --no-node         \
    skip amazon-cognito-identity-js\n  --quick           --rounds 1 --samples 5 --cold-runs 5 \
    --rss-runs 1 --seconds 2";

fn parse(args: &[String]) -> Result<AllOptions, String> {
    let mut o = AllOptions {
        srp: Options {
            rounds: 2,
            samples: 30,
            sample_ms: 25,
            python: true,
        },
        node: true,
        cold_runs: 20,
        rss_runs: 3,
        seconds: 5.0,
        clients: 4,
        cli: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<f64, String> {
            it.next()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| format!("{name} needs a positive number\n\n{USAGE}"))
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // positive, small
        match arg.as_str() {
            "--rounds" => o.srp.rounds = value(arg)?.max(1.0) as u32,
            "--samples" => o.srp.samples = value(arg)?.max(1.0) as u32,
            "--sample-ms" => o.srp.sample_ms = value(arg)?.max(1.0) as u64,
            "--cold-runs" => o.cold_runs = value(arg)?.max(1.0) as u32,
            "--rss-runs" => o.rss_runs = value(arg)?.max(1.0) as u32,
            "--seconds" => o.seconds = value(arg)?,
            "--clients" => o.clients = value(arg)?.max(1.0) as usize,
            "--cli" => {
                o.cli = Some(PathBuf::from(
                    it.next()
                        .ok_or_else(|| format!("--cli needs a path\n\n{USAGE}"))?,
                ));
            }
            "--no-python" => o.srp.python = false,
            "--no-node" => o.node = false,
            "--quick" => {
                o.srp.rounds = 1;
                o.srp.samples = 5;
                o.cold_runs = 5;
                o.rss_runs = 1;
                o.seconds = 2.0;
            }
            other => return Err(format!("bench: unknown option {other}\n\n{USAGE}")),
        }
    }
    Ok(o)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The release `pycognito` binary: `--cli`, else `cargo build --release -p pycognito-rs`.
pub(super) fn build_cli(root: &Path, given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    eprintln!("bench: cargo build --release -p pycognito-rs --bin pycognito");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "pycognito-rs",
            "--bin",
            "pycognito",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("running cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build -p pycognito-rs failed: {status}"));
    }
    let bin = super::target_dir(root).join("release").join("pycognito");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!("{} was not built", bin.display()))
    }
}

/// Clears what could redirect a client elsewhere or change what it does.
fn clean_env(cmd: &mut Command) -> &mut Command {
    for var in [
        "RUST_LOG",
        "PYCOGNITO_POOL_ID",
        "PYCOGNITO_CLIENT_ID",
        "PYCOGNITO_CLIENT_SECRET",
        "PYCOGNITO_SESSION_FILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "COGNITO_JWKS",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => values.get(n / 2).copied(),
        _ => Some((values.get(n / 2 - 1)? + values.get(n / 2)?) / 2.0),
    }
}

fn min(values: &[f64]) -> Option<f64> {
    values.iter().copied().min_by(f64::total_cmp)
}

/// One row of the summary table.
struct Row {
    what: String,
    ours: String,
    reference: String,
    ratio: String,
    target: String,
    verdict: String,
}

impl Row {
    fn new(what: &str, ours: String, reference: String, ratio: String) -> Self {
        Row {
            what: what.to_owned(),
            ours,
            reference,
            ratio,
            target: "-".to_owned(),
            verdict: "-".to_owned(),
        }
    }

    fn skipped(what: &str, why: &str) -> Self {
        Row::new(what, format!("skipped: {why}"), "-".into(), "-".into())
    }

    fn target(mut self, target: &str, met: Option<bool>) -> Self {
        target.clone_into(&mut self.target);
        self.verdict = match met {
            Some(true) => "met".to_owned(),
            Some(false) => "**MISSED**".to_owned(),
            None => "not measured".to_owned(),
        };
        self
    }
}

fn ms(secs: f64) -> String {
    if secs < 1e-3 {
        format!("{:.1} µs", secs * 1e6)
    } else {
        format!("{:.2} ms", secs * 1e3)
    }
}

fn times(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.1}×")
    } else {
        format!("{r:.2}×")
    }
}

/// Everything measured, for the report.
struct Report {
    rows: Vec<Row>,
    srp_table: Option<String>,
    details: Vec<String>,
    notes: Vec<String>,
}

/// `cargo xtask bench`, and the internal modes the run re-executes xtask in.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some(procs::SIGNIN_LOOP) => return procs::signin_loop_mode(args.get(1..).unwrap_or(&[])),
        Some(procs::MAX_RSS) => return procs::max_rss_mode(args.get(1..).unwrap_or(&[])),
        Some("jwt") => return super::jwt::main(args.get(1..).unwrap_or(&[])),
        Some("emulator-scale") => return super::scale::main(args.get(1..).unwrap_or(&[])),
        _ => {}
    }
    let opts = parse(args)?;
    if cfg!(debug_assertions) {
        eprintln!(
            "bench: WARNING: xtask was built without optimizations; the Rust side's figures are \
             only meaningful with `cargo run --release -p xtask -- bench`"
        );
    }
    let root = super::workspace_root();
    let target = super::target_dir(&root);
    let work = target.join("bench-tmp");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let started = std::time::SystemTime::now();
    let mut loads = vec![("start".to_owned(), load_average())];
    let mut notes = Vec::new();

    let cli = build_cli(&root, opts.cli.as_deref())?;
    let python_env = opts.srp.python.then(|| {
        let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        python::prepare(
            &target.join("bench-venv"),
            &system_python,
            Some(&root.join("crates/cognito-emulator/interop/requirements.txt")),
        )
    });
    if let Some(env) = &python_env {
        notes.extend(env.notes.iter().cloned());
    }
    // The sign-in comparisons need pycognito itself (not only a Python).
    let pycognito_python = python_env.as_ref().and_then(|env| {
        let ok = Command::new(&env.python)
            .args(["-c", "import pycognito, boto3"])
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| env.python.clone())
    });
    let py_skip = if !opts.srp.python {
        "--no-python".to_owned()
    } else if pycognito_python.is_none() {
        "pycognito could not be installed (see notes)".to_owned()
    } else {
        String::new()
    };
    let node_env = if opts.node {
        match node::prepare(&root, &target.join("bench-js")) {
            Ok(env) => Some(env),
            Err(why) => {
                notes.push(format!("amazon-cognito-identity-js skipped: {why}"));
                None
            }
        }
    } else {
        None
    };

    // 1. SRP client math.
    loads.push(("SRP".to_owned(), load_average()));
    let srp = super::measure_srp(&opts.srp, &root, python_env.as_ref(), node_env.as_ref())?;
    notes.extend(srp.notes.iter().cloned());
    let mut rows = Vec::new();
    let login = srp.rust.get("full_login").copied();
    let column = |key: &str| {
        srp.columns
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, t)| t.as_ref())
            .and_then(|t| t.get("full_login"))
            .copied()
    };
    // (column, name, whether srp-core is expected to be the faster one, target: (text, test of
    // the ratio "reference time / srp-core time")).
    type Target = Option<(&'static str, fn(f64) -> bool)>;
    let srp_rows: [(&str, &str, bool, Target); 4] = [
        (
            "pycognito",
            "pycognito 2024.5.1",
            true,
            Some(("≥ 9× faster", |r| r >= 9.0)),
        ),
        ("js", "amazon-cognito-identity-js", true, None),
        (
            "openssl",
            "OpenSSL BN_mod_exp",
            false,
            Some(("within 1.3×", |r| 1.0 / r <= 1.3)),
        ),
        (
            "openssl_ct",
            "OpenSSL BN_mod_exp_mont_consttime",
            false,
            None,
        ),
    ];
    for (key, name, faster, target) in srp_rows {
        let what = "SRP client math, full login (srp-core)";
        let row = match (login, column(key)) {
            (Some(o), Some(t)) => Row::new(
                what,
                ms(o),
                format!("{name}: {}", ms(t)),
                if faster || o < t {
                    format!("{} faster", times(t / o))
                } else {
                    format!("{} slower", times(o / t))
                },
            ),
            _ => Row::new(
                what,
                login.map_or("-".to_owned(), ms),
                format!("{name}: skipped (see notes)"),
                "-".into(),
            ),
        };
        rows.push(match target {
            Some((text, met)) => {
                let ratio = login.zip(column(key)).map(|(o, t)| t / o);
                row.target(text, ratio.map(met))
            }
            None => row,
        });
    }
    let srp_table = Table {
        rust: &srp.rust,
        columns: srp.columns.clone(),
    }
    .markdown();

    // The emulator every other comparison signs in to.
    let seed = work.join("seed.json");
    procs::write_seed(&seed, opts.clients.max(1))?;
    let emu = EmulatorProcess::start(&cli, &seed)?;
    eprintln!("bench: emulator at {}", emu.url);
    let mut details = Vec::new();

    // 2. JWT verification (cognito-jwt vs ring and aws-jwt-verify) and the axum layer; the
    // same rows as `cargo xtask bench jwt`.
    loads.push(("JWT".to_owned(), load_average()));
    let jwt_node = target.join("bench-jwt-js");
    match super::jwt::measure(
        &opts.srp,
        opts.node.then_some(jwt_node.as_path()),
        &root,
        8,
        opts.seconds.min(3.0),
    ) {
        Ok(figures) => {
            for [what, ours, reference, ratio, target, met] in super::jwt::rows(&figures) {
                let met = match met.as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                };
                rows.push(Row::new(&what, ours, reference, ratio).target(&target, met));
            }
        }
        Err(e) => rows.push(Row::skipped("JWT verification", &e)),
    }

    // 3. Cold one-shot login.
    let logins = Logins {
        cli: &cli,
        python: pycognito_python.as_deref(),
        root: &root,
        url: &emu.url,
        work: &work,
    };
    loads.push(("cold login".to_owned(), load_average()));
    let cold = cold_logins(&opts, &logins);
    match cold {
        Ok((mut cli_t, mut py_t)) => {
            let (cli_min, cli_med) = (min(&cli_t), median(&mut cli_t));
            let (py_min, py_med) = (min(&py_t), median(&mut py_t));
            details.push(format!(
                "Cold one-shot login, {} runs per side: `pycognito login` median {} (min {}); \
                 pycognito script median {} (min {}).",
                cli_t.len(),
                cli_med.map_or("-".into(), ms),
                cli_min.map_or("-".into(), ms),
                py_med.map_or("-".into(), ms),
                py_min.map_or("-".into(), ms),
            ));
            rows.push(match (cli_med, py_med) {
                (Some(c), Some(p)) => Row::new(
                    "Cold one-shot login (median wall time, fresh process)",
                    format!("`pycognito login`: {}", ms(c)),
                    format!("pycognito script: {}", ms(p)),
                    format!("{} faster", times(p / c)),
                )
                .target("≥ 25× faster", Some(p / c >= 25.0)),
                (Some(c), None) => Row::new(
                    "Cold one-shot login (median wall time, fresh process)",
                    format!("`pycognito login`: {}", ms(c)),
                    format!("skipped: {py_skip}"),
                    "-".into(),
                )
                .target("≥ 25× faster", None),
                _ => Row::skipped("Cold one-shot login", "no run succeeded"),
            });
        }
        Err(e) => rows.push(Row::skipped("Cold one-shot login", &e)),
    }

    // 4. Peak memory.
    loads.push(("RSS".to_owned(), load_average()));
    match peak_rss(&opts, &logins) {
        Ok((ours, theirs)) => {
            #[allow(clippy::cast_precision_loss)] // KiB
            let mib = |kib: u64| kib as f64 / 1024.0;
            rows.push(Row::new(
                "Peak memory of one login (max RSS)",
                format!("`pycognito login`: {:.1} MiB", mib(ours)),
                theirs.map_or(format!("skipped: {py_skip}"), |t| {
                    format!("pycognito script: {:.1} MiB", mib(t))
                }),
                theirs.map_or("-".to_owned(), |t| {
                    format!("{} smaller", times(mib(t) / mib(ours).max(1e-9)))
                }),
            ));
        }
        Err(e) => rows.push(Row::skipped("Peak memory of one login", &e)),
    }

    // 5. Sustained sign-ins.
    loads.push(("sustained".to_owned(), load_average()));
    match sustained(&opts, pycognito_python.as_deref(), &root, &emu.url) {
        Ok((ours, theirs)) => {
            details.push(format!(
                "Sustained loop, best of {} rounds of {} s: Rust {} sign-ins in {:.2} CPU-s / \
                 {:.2} s wall{}.",
                opts.srp.rounds,
                opts.seconds,
                ours.signins,
                ours.cpu_s,
                ours.wall_s,
                theirs.map_or(String::new(), |t| format!(
                    "; pycognito {} sign-ins in {:.2} CPU-s / {:.2} s wall",
                    t.signins, t.cpu_s, t.wall_s
                ))
            ));
            let what = "Sustained sign-ins per client CPU-second (SRP + token verification)";
            let ratio = theirs.map(|t| ours.per_cpu_second() / t.per_cpu_second());
            rows.push(
                Row::new(
                    what,
                    format!("Rust `CognitoAuth`: {:.1}/s", ours.per_cpu_second()),
                    theirs.map_or(format!("skipped: {py_skip}"), |t| {
                        format!("pycognito: {:.1}/s", t.per_cpu_second())
                    }),
                    ratio.map_or("-".to_owned(), |r| format!("{} faster", times(r))),
                )
                .target("≥ 8×", ratio.map(|r| r >= 8.0)),
            );
            rows.push(Row::new(
                "Sustained sign-ins per wall-clock second (one client, emulator on the same machine)",
                format!("Rust `CognitoAuth`: {:.1}/s", ours.per_wall_second()),
                theirs.map_or(format!("skipped: {py_skip}"), |t| {
                    format!("pycognito: {:.1}/s", t.per_wall_second())
                }),
                theirs.map_or("-".to_owned(), |t| {
                    format!(
                        "{} faster",
                        times(ours.per_wall_second() / t.per_wall_second())
                    )
                }),
            ));
        }
        Err(e) => rows.push(Row::skipped("Sustained sign-ins", &e)),
    }

    // 6. Emulator throughput.
    loads.push(("emulator".to_owned(), load_average()));
    match served(&opts, &emu) {
        Ok((rate, cpu_per_signin, total)) => {
            let server_math = srp.rust.get("server/B+verify").copied();
            details.push(format!(
                "Emulator: {} concurrent Rust clients (one process each), {} sign-ins served \
                 (best of {} rounds of {} s).",
                opts.clients, total, opts.srp.rounds, opts.seconds
            ));
            rows.push(Row::new(
                &format!(
                    "Emulator: full SRP sign-ins served per second ({} concurrent clients)",
                    opts.clients
                ),
                format!(
                    "{rate:.1}/s; emulator CPU {} per sign-in",
                    cpu_per_signin.map_or("-".to_owned(), ms)
                ),
                server_math.map_or("-".to_owned(), |s| {
                    format!("srp-core server math (B + verify): {}", ms(s))
                }),
                match (cpu_per_signin, server_math) {
                    (Some(c), Some(s)) => format!("{} the SRP math", times(c / s)),
                    _ => "-".to_owned(),
                },
            ));
        }
        Err(e) => rows.push(Row::skipped("Emulator sign-ins served", &e)),
    }
    drop(emu);
    loads.push(("end".to_owned(), load_average()));

    let mut machine =
        super::machine_line(&loads.first().map(|(_, l)| l.clone()).unwrap_or_default());
    let _ = write!(
        machine,
        "; load average at each phase: {}",
        loads
            .iter()
            .map(|(phase, l)| format!("{phase} {l}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    details.insert(0, machine);
    details.insert(1, super::versions_line(&srp.meta));
    if node_env.is_some() {
        details.insert(
            2,
            format!(
                "amazon-cognito-identity-js {} on node {}.",
                srp.js_meta["library"].as_str().unwrap_or("-"),
                srp.js_meta["node"].as_str().unwrap_or("-")
            ),
        );
    }
    if let Ok(since) = started.elapsed() {
        details.push(format!("The whole run took {:.0} s.", since.as_secs_f64()));
    }
    let report = Report {
        rows,
        srp_table: Some(srp_table),
        details,
        notes,
    };
    let text = report.markdown();
    println!("\n{text}");
    let path = target.join("bench-report.md");
    std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("bench: report written to {}", path.display());
    Ok(())
}

impl Report {
    fn markdown(&self) -> String {
        let mut out = String::from(
            "## cargo xtask bench\n\n| benchmark | pycognito-rs | reference | ratio | target | verdict |\n\
             |---|---:|---:|---:|---|---|\n",
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                r.what, r.ours, r.reference, r.ratio, r.target, r.verdict
            );
        }
        if let Some(t) = &self.srp_table {
            out.push_str("\nSRP client math, per operation (fastest per-call time):\n\n");
            out.push_str(t);
        }
        out.push('\n');
        for d in &self.details {
            let _ = writeln!(out, "- {d}");
        }
        for n in &self.notes {
            let _ = writeln!(out, "- Note: {n}");
        }
        out
    }
}

fn cli_login(cli: &Path, url: &str, work: &Path) -> Command {
    let mut cmd = Command::new(cli);
    clean_env(&mut cmd)
        .args([
            "login",
            "-u",
            "alice",
            "--password-stdin",
            "--pool-id",
            POOL,
        ])
        .args([
            "--client-id",
            CLIENT,
            "--endpoint-url",
            url,
            "--session-file",
        ])
        .arg(work.join("session.json"));
    cmd
}

fn py_login(python: &Path, root: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(python);
    clean_env(&mut cmd)
        .arg(root.join("xtask/py/login_bench.py"))
        .args(args.first())
        .args([url, POOL, CLIENT])
        .args(args.get(1..).unwrap_or(&[]));
    cmd
}

/// The two one-shot logins compared: the `pycognito` binary and the pycognito script (when
/// it could be installed), against the emulator at `url`.
struct Logins<'a> {
    cli: &'a Path,
    python: Option<&'a Path>,
    root: &'a Path,
    url: &'a str,
    work: &'a Path,
}

impl Logins<'_> {
    fn cli(&self) -> Command {
        cli_login(self.cli, self.url, self.work)
    }

    fn python(&self) -> Option<Command> {
        self.python
            .map(|py| py_login(py, self.root, self.url, &["once", "alice"]))
    }
}

/// Wall times of one-shot logins, alternating the side that goes first.
fn cold_logins(opts: &AllOptions, logins: &Logins<'_>) -> Result<(Vec<f64>, Vec<f64>), String> {
    let wall =
        |mut cmd: Command| procs::run_with_stdin(&mut cmd, PASSWORD).map(|(_, t)| t.as_secs_f64());
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    // One untimed run of each first (page cache, the emulator's first sign-in).
    wall(logins.cli())?;
    if let Some(py) = logins.python() {
        wall(py)?;
    }
    for i in 0..opts.cold_runs {
        eprintln!("bench: cold login {}/{}", i + 1, opts.cold_runs);
        let cli_first = i % 2 == 0;
        if cli_first {
            ours.push(wall(logins.cli())?);
        }
        if let Some(py) = logins.python() {
            theirs.push(wall(py)?);
        }
        if !cli_first {
            ours.push(wall(logins.cli())?);
        }
    }
    Ok((ours, theirs))
}

/// The largest max RSS (KiB) over the runs of each side.
fn peak_rss(opts: &AllOptions, logins: &Logins<'_>) -> Result<(u64, Option<u64>), String> {
    let (mut ours, mut theirs) = (0, None);
    for _ in 0..opts.rss_runs {
        ours = ours.max(procs::max_rss_kib(&logins.cli(), PASSWORD)?);
        if let Some(py) = logins.python() {
            let kib = procs::max_rss_kib(&py, PASSWORD)?;
            theirs = Some(theirs.unwrap_or(0).max(kib));
        }
    }
    Ok((ours, theirs))
}

fn best(a: Option<LoopResult>, b: LoopResult) -> LoopResult {
    match a {
        Some(a) if a.per_cpu_second() >= b.per_cpu_second() => a,
        _ => b,
    }
}

/// The Rust loop and the pycognito loop, alternating; the best round of each (by sign-ins per
/// CPU-second).
fn sustained(
    opts: &AllOptions,
    python: Option<&Path>,
    root: &Path,
    url: &str,
) -> Result<(LoopResult, Option<LoopResult>), String> {
    let seconds = opts.seconds.to_string();
    let (mut ours, mut theirs) = (None, None);
    for round in 1..=opts.srp.rounds {
        eprintln!(
            "bench: sustained sign-ins, round {round}/{}",
            opts.srp.rounds
        );
        let rust = |ours: &mut Option<LoopResult>| -> Result<(), String> {
            let (out, _) = procs::run_with_stdin(
                &mut procs::rust_loop_command(url, "user0", opts.seconds)?,
                PASSWORD,
            )?;
            *ours = Some(best(*ours, LoopResult::parse(&out)?));
            Ok(())
        };
        if round % 2 == 1 {
            rust(&mut ours)?;
        }
        if let Some(py) = python {
            let (out, _) = procs::run_with_stdin(
                &mut py_login(py, root, url, &["loop", "user0", &seconds]),
                PASSWORD,
            )?;
            theirs = Some(best(theirs, LoopResult::parse(&out)?));
        }
        if round % 2 == 0 {
            rust(&mut ours)?;
        }
    }
    Ok((ours.ok_or("no Rust loop ran")?, theirs))
}

/// K concurrent Rust loops (one process each); the best round's sign-ins per wall second, the
/// emulator's CPU per sign-in, and the count.
fn served(opts: &AllOptions, emu: &EmulatorProcess) -> Result<(f64, Option<f64>, u64), String> {
    let mut best_round: Option<(f64, Option<f64>, u64)> = None;
    for round in 1..=opts.srp.rounds {
        eprintln!(
            "bench: emulator throughput, {} clients, round {round}/{}",
            opts.clients, opts.srp.rounds
        );
        let cpu0 = emu.cpu_seconds();
        let handles: Vec<_> = (0..opts.clients)
            .map(|i| {
                let cmd = procs::rust_loop_command(&emu.url, &format!("user{i}"), opts.seconds);
                std::thread::spawn(move || -> Result<LoopResult, String> {
                    let (out, _) = procs::run_with_stdin(&mut cmd?, PASSWORD)?;
                    LoopResult::parse(&out)
                })
            })
            .collect();
        let mut results = Vec::new();
        for h in handles {
            results.push(h.join().map_err(|_| "a client thread panicked")??);
        }
        let cpu = emu.cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
        let total: u64 = results.iter().map(|r| r.signins).sum();
        let wall = results.iter().map(|r| r.wall_s).fold(0.0, f64::max);
        #[allow(clippy::cast_precision_loss)] // counts
        let rate = total as f64 / wall.max(1e-9);
        // Each client also made one untimed warm-up sign-in and one JWKS fetch.
        #[allow(clippy::cast_precision_loss)]
        let per = cpu.map(|c| c / (total as f64 + opts.clients as f64).max(1.0));
        if best_round.is_none_or(|(r, _, _)| rate > r) {
            best_round = Some((rate, per, total));
        }
    }
    best_round.ok_or_else(|| "no round ran".to_owned())
}
