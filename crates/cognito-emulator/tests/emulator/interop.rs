//! Clients no one here wrote, against an emulator on 127.0.0.1:
//!
//! - pycognito 2024.5.1 and boto3 (`interop/pycognito_interop.py`), in a venv created on first use
//!   under `<target>/tmp/interop-venv` from the pinned `interop/requirements.txt` (reinstalled
//!   only when that file changes);
//! - amazon-cognito-identity-js 6.x (`interop/js/interop.mjs`, emulator seeded from
//!   `interop/js/seed.json`), installed with `npm ci` from the committed lockfile into
//!   `interop/js/node_modules` (reinstalled only when the lockfile changes).
//!
//! Both scripts run every flow their library supports and print one `RESULT` line per flow;
//! `cargo xtask interop` runs the same scripts and reports them flow by flow.
//!
//! When the toolchain is missing or the install fails (no network), the test prints why and is
//! skipped, except with `CI=true`, where that is a failure. `COGNITO_INTEROP_PYTHON` may name a
//! Python that already has the requirements (no venv is built then).
use cognito_emulator::*;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const INTEROP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/interop");

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A client library that cannot be installed: skipped locally, a failure under `CI=true`.
fn unavailable(what: &str, why: &str) {
    assert!(
        !under_ci(),
        "{what} interop cannot run and CI=true forbids skipping it: {why}"
    );
    // Written to the process's stderr directly: the test harness captures `eprintln!` of a
    // passing test, and a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {what} interop test (set CI=true to make this a failure): {why}"
    );
}

/// Runs a command; `Err` says what went wrong (not found, or exit status and output).
fn run(cmd: &mut Command) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    match cmd.output() {
        Err(e) => Err(format!("{shown}: {e}")),
        Ok(out) if !out.status.success() => Err(format!(
            "{shown} exited with {}\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        Ok(out) => Ok(out),
    }
}

/// Whether `marker` holds exactly `content` (the install it records is current).
fn installed(marker: &Path, content: &str) -> bool {
    std::fs::read_to_string(marker).is_ok_and(|m| m == content)
}

/// The venv's Python, creating the venv and installing the requirements when needed.
fn python_env() -> Result<PathBuf, String> {
    if let Ok(python) = std::env::var("COGNITO_INTEROP_PYTHON") {
        return Ok(PathBuf::from(python));
    }
    let reqs_path = Path::new(INTEROP).join("requirements.txt");
    let reqs = std::fs::read_to_string(&reqs_path).map_err(|e| e.to_string())?;
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    let marker = venv.join("interop-requirements.txt");
    if python.exists() && installed(&marker, &reqs) {
        return Ok(python);
    }
    let base = if cfg!(windows) { "python" } else { "python3" };
    run(Command::new(base)
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--quiet",
            "--retries",
            "2",
            "--timeout",
            "30",
            "-r",
        ])
        .arg(&reqs_path))?;
    std::fs::write(&marker, &reqs).map_err(|e| e.to_string())?;
    Ok(python)
}

/// `interop/js` with `node_modules` installed by `npm ci` when the lockfile changed.
pub(crate) fn node_env() -> Result<PathBuf, String> {
    let dir = Path::new(INTEROP).join("js");
    let lock = std::fs::read_to_string(dir.join("package-lock.json")).map_err(|e| e.to_string())?;
    run(Command::new("node").arg("--version"))?;
    let marker = dir.join("node_modules").join(".interop-lock.json");
    if installed(&marker, &lock) {
        return Ok(dir);
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    run(Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir))?;
    std::fs::write(&marker, &lock).map_err(|e| e.to_string())?;
    Ok(dir)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// Runs a client script to completion and asserts it reported success.
pub(crate) async fn script(mut cmd: Command, done: &'static str) {
    let out = blocking(move || cmd.output().unwrap()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains(done),
        "status {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
}

#[tokio::test]
async fn pycognito_and_boto3() {
    let python = match blocking(python_env).await {
        Ok(p) => p,
        Err(why) => return unavailable("pycognito", &why),
    };
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(Path::new(INTEROP).join("pycognito_interop.py"))
        .arg(emu.url())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("COGNITO_JWKS")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_CONFIG_FILE");
    script(cmd, "all pycognito interop checks passed").await;
    emu.shutdown().await;
}

#[tokio::test]
async fn amazon_cognito_identity_js() {
    let dir = match blocking(node_env).await {
        Ok(d) => d,
        Err(why) => return unavailable("amazon-cognito-identity-js", &why),
    };
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    // The library has no admin API: the pools, public clients and users come from the seed the
    // script reads too (`cargo xtask interop` runs the same script the same way).
    let seed_path = dir.join("seed.json");
    let seed: Seed = serde_json::from_str(&std::fs::read_to_string(&seed_path).unwrap()).unwrap();
    emu.seed(&seed).unwrap();
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("interop.mjs"))
        .arg(emu.url())
        .arg(&seed_path);
    script(cmd, "all amazon-cognito-identity-js interop checks passed").await;
    // One SMS for the device user (the first sign-in); the second went through the remembered
    // device.
    let sms: Vec<_> = emu
        .outbox()
        .into_iter()
        .filter(|m| m.username == "jane" && m.kind == OutboxKind::Mfa)
        .collect();
    assert_eq!(sms.len(), 1, "{sms:?}");
    emu.shutdown().await;
}
