//! Processes of `cargo xtask bench`: the emulator (`pycognito emulator`), one-shot logins, the
//! sign-in loops, and the two internal modes xtask re-executes itself in (a Rust sign-in loop and
//! a max-RSS wrapper), so that every client under test is its own process with its own
//! `getrusage`.

use cognito_auth::CognitoAuth;
use cognito_auth::jwt::{CognitoJwtVerifier, HttpJwksFetcher, JwksFetcher as _, TokenUse};
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The seeded pool: every client signs in to it.
pub(crate) const POOL: &str = "us-east-1_bench";
/// Its public app client (no secret, SRP and password flows allowed).
pub(crate) const CLIENT: &str = "benchclient";
/// Every seeded user's password (a local benchmark's, on 127.0.0.1 only).
pub(crate) const PASSWORD: &str = "Bench-Passw0rd!";

/// Internal mode: the Rust client's sign-in loop.
pub(crate) const SIGNIN_LOOP: &str = "--internal-signin-loop";
/// Internal mode: run a command, print its max RSS.
pub(crate) const MAX_RSS: &str = "--internal-max-rss";

/// User and system CPU seconds of this process (all threads) or of its waited-for children.
fn cpu_seconds(who: UsageWho) -> Result<f64, String> {
    let usage = getrusage(who).map_err(|e| format!("getrusage: {e}"))?;
    let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    #[allow(clippy::cast_precision_loss)] // microseconds of a benchmark: far below 2^52
    Ok(micros as f64 / 1e6)
}

/// The seed file: one pool, one public client, `alice` and `user0..users`.
pub(crate) fn write_seed(path: &Path, users: usize) -> Result<(), String> {
    let mut list = vec![json!({"username": "alice", "password": PASSWORD})];
    list.extend((0..users).map(|i| json!({"username": format!("user{i}"), "password": PASSWORD})));
    let seed = json!({"pools": [{
        "name": "bench",
        "id": POOL,
        "clients": [{"name": "bench", "client_id": CLIENT}],
        "users": list,
    }]});
    std::fs::write(path, seed.to_string()).map_err(|e| format!("{}: {e}", path.display()))
}

/// A standalone emulator (`pycognito emulator --port 0 --seed FILE`, in memory), killed on drop.
#[derive(Debug)]
pub(crate) struct EmulatorProcess {
    child: Child,
    // Kept open: the emulator's stdout is a pipe to us.
    _stdout: BufReader<ChildStdout>,
    pub(crate) url: String,
}

impl EmulatorProcess {
    pub(crate) fn start(cli: &Path, seed: &Path) -> Result<Self, String> {
        let mut child = Command::new(cli)
            .args(["emulator", "--port", "0", "--seed"])
            .arg(seed)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {} emulator: {e}", cli.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            return Err("the emulator's stdout is not a pipe".to_owned());
        };
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let url = line.trim().trim_end_matches('/').to_owned();
        let emu = EmulatorProcess {
            child,
            _stdout: stdout,
            url,
        };
        match read {
            Ok(_) if emu.url.starts_with("http://127.0.0.1:") => Ok(emu),
            Ok(_) => Err(format!("the emulator printed {:?}, not its URL", emu.url)),
            Err(e) => Err(format!("reading the emulator's URL: {e}")),
        }
    }

    /// CPU seconds the emulator has used so far (utime + stime from /proc, 1/100 s ticks).
    pub(crate) fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the parenthesized command name: state is field 3, utime 14, stime 15.
        let rest = stat.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let utime: f64 = fields.next()?.parse().ok()?;
        let stime: f64 = fields.next()?.parse().ok()?;
        // USER_HZ is 100 on every Linux configuration /proc reports in.
        Some((utime + stime) / 100.0)
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `cmd` with `stdin_line` on its stdin, waits, and fails with its stderr if it failed.
/// Returns its stdout and the wall time from spawn to exit.
pub(crate) fn run_with_stdin(
    cmd: &mut Command,
    stdin_line: &str,
) -> Result<(String, Duration), String> {
    let shown = format!("{:?}", cmd.get_program());
    let t0 = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {shown}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(format!("{stdin_line}\n").as_bytes())
            .map_err(|e| format!("writing to {shown}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("waiting for {shown}: {e}"))?;
    let elapsed = t0.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{shown} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), elapsed))
}

/// This xtask binary, to re-execute in an internal mode.
pub(crate) fn self_exe() -> Result<PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("locating the xtask binary: {e}"))
}

/// Max RSS in KiB of one run of `cmd` (through the internal wrapper).
/// The wrapped command keeps its environment changes (the wrapper's child inherits them).
pub(crate) fn max_rss_kib(cmd: &Command, stdin_line: &str) -> Result<u64, String> {
    let mut wrapper = Command::new(self_exe()?);
    wrapper
        .args(["bench", MAX_RSS])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => wrapper.env(key, v),
            None => wrapper.env_remove(key),
        };
    }
    let (out, _) = run_with_stdin(&mut wrapper, stdin_line)?;
    out.trim()
        .parse()
        .map_err(|_| format!("the max-RSS wrapper printed {out:?}"))
}

/// Internal mode `--internal-max-rss PROGRAM ARGS...`: runs the program (stdin inherited, output
/// discarded) and prints the max RSS of it, in KiB, from `getrusage(RUSAGE_CHILDREN)` (the wrapper
/// has no other child).
pub(crate) fn max_rss_mode(args: &[String]) -> Result<(), String> {
    let (program, rest) = args
        .split_first()
        .ok_or("--internal-max-rss PROGRAM ARGS...")?;
    let status = Command::new(program)
        .args(rest)
        .stdin(Stdio::inherit())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("running {program}: {e}"))?;
    if !status.success() {
        return Err(format!("{program} exited with {status}"));
    }
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
    println!("{}", usage.max_rss());
    Ok(())
}

/// One sign-in loop's result.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoopResult {
    pub(crate) signins: u64,
    /// The client process's own CPU (user + system) during the timed loop.
    pub(crate) cpu_s: f64,
    pub(crate) wall_s: f64,
}

impl LoopResult {
    pub(crate) fn parse(out: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(out.trim())
            .map_err(|e| format!("a sign-in loop printed {out:?}: {e}"))?;
        let num = |k: &str| {
            v.get(k)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("a sign-in loop's result lacks {k}: {out}"))
        };
        Ok(LoopResult {
            signins: v
                .get("signins")
                .and_then(Value::as_u64)
                .ok_or("no signins")?,
            cpu_s: num("cpu_s")?,
            wall_s: num("wall_s")?,
        })
    }

    #[allow(clippy::cast_precision_loss)] // sign-in counts are small
    pub(crate) fn per_cpu_second(&self) -> f64 {
        self.signins as f64 / self.cpu_s.max(1e-9)
    }

    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn per_wall_second(&self) -> f64 {
        self.signins as f64 / self.wall_s.max(1e-9)
    }
}

/// The command of a Rust sign-in loop (internal mode) for `user` over `seconds`.
pub(crate) fn rust_loop_command(url: &str, user: &str, seconds: f64) -> Result<Command, String> {
    let mut cmd = Command::new(self_exe()?);
    cmd.args(["bench", SIGNIN_LOOP, url, POOL, CLIENT, user])
        .arg(seconds.to_string())
        .env_remove("RUST_LOG");
    Ok(cmd)
}

/// A `CognitoAuth` for the emulator at `url` and a JWT verifier of its tokens, loaded with the
/// pool's JWKS (fetched once; its bytes are returned too).
pub(crate) async fn emulator_client(
    url: &str,
    pool: &str,
    client: &str,
    token_use: TokenUse,
) -> Result<(CognitoAuth, CognitoJwtVerifier, Vec<u8>), String> {
    let auth = CognitoAuth::builder(pool, client)
        .endpoint_url(url)
        .build()
        .map_err(|e| format!("CognitoAuth: {e}"))?;
    let issuer = format!("{url}/{pool}");
    let jwks_uri = format!("{issuer}/.well-known/jwks.json");
    let jwks = HttpJwksFetcher::new()
        .map_err(|e| format!("JWKS fetcher: {e}"))?
        .fetch(&jwks_uri)
        .await
        .map_err(|e| format!("fetching the JWKS: {e}"))?;
    let verifier = CognitoJwtVerifier::builder(pool)
        .client_id(client)
        .token_use(token_use)
        .jwks_uri(jwks_uri)
        .issuer(issuer)
        .build()
        .map_err(|e| format!("CognitoJwtVerifier: {e}"))?;
    verifier
        .add_jwks(&jwks)
        .map_err(|e| format!("the pool's JWKS: {e}"))?;
    Ok((auth, verifier, jwks.to_vec()))
}

/// Internal mode `--internal-signin-loop URL POOL CLIENT USER SECONDS` (password on stdin): one
/// `CognitoAuth` and one JWT verifier on a single-threaded runtime; a warm-up sign-in, then full
/// SRP sign-ins, each followed by verification of its access and id tokens (as pycognito's
/// `authenticate` does), for SECONDS. Prints the count, this process's CPU seconds and the wall
/// time as JSON.
pub(crate) fn signin_loop_mode(args: &[String]) -> Result<(), String> {
    let [url, pool, client, user, seconds] = args else {
        return Err(format!("{SIGNIN_LOOP} URL POOL CLIENT USER SECONDS"));
    };
    if !url.starts_with("http://127.0.0.1:") {
        return Err(format!("refusing a non-local endpoint: {url}"));
    }
    let seconds: f64 = seconds.parse().map_err(|_| "SECONDS is not a number")?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| format!("reading the password: {e}"))?;
    let password = password.trim_end_matches('\n');
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio: {e}"))?;
    let result = rt.block_on(async {
        let (auth, verifier, _) = emulator_client(url, pool, client, TokenUse::Any).await?;
        let once = || async {
            let session = auth
                .sign_in(user, password)
                .await
                .map_err(|e| format!("sign-in: {e}"))?
                .session()
                .ok_or("the sign-in asked a question")?;
            let now = time::OffsetDateTime::now_utc();
            let tokens = session.tokens();
            for token in [&tokens.access_token, &tokens.id_token] {
                verifier
                    .verify_sync(token.expose(), now)
                    .map_err(|e| format!("token verification: {e}"))?;
            }
            Ok::<_, String>(())
        };
        once().await?;
        let (c0, t0) = (cpu_seconds(UsageWho::RUSAGE_SELF)?, Instant::now());
        let mut n: u64 = 0;
        while t0.elapsed().as_secs_f64() < seconds {
            once().await?;
            n += 1;
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds(UsageWho::RUSAGE_SELF)? - c0;
        Ok::<_, String>(json!({"signins": n, "cpu_s": cpu, "wall_s": wall}))
    })?;
    println!("{result}");
    Ok(())
}
