//! The third-party peers: pycognito (+ boto3) and amazon-cognito-identity-js, as scripts that
//! print one `RESULT {"flow", "status", "detail"}` line per flow.

use super::oauth::OAUTH_FLOWS;
use super::report::{FLOWS, Outcome, PeerRun};
use super::{Dirs, emulator, under_ci};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Longest a whole script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(600);

/// Runs a command to completion; `Err` says what went wrong (not found, or status and output).
fn run(cmd: &mut Command) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    match cmd.output() {
        Err(e) => Err(format!("{shown}: {e}")),
        Ok(out) if !out.status.success() => Err(format!(
            "{shown} exited with {}: {}",
            out.status,
            last_lines(&out.stderr, 5)
        )),
        Ok(out) => Ok(out),
    }
}

fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines
        .get(lines.len().saturating_sub(n)..)
        .unwrap_or_default()
        .join(" / ")
}

fn installed(marker: &Path, content: &str) -> bool {
    std::fs::read_to_string(marker).is_ok_and(|m| m == content)
}

/// The venv's Python (`<target>/tmp/interop-venv`, the cargo test's too), created and filled
/// from the pinned `requirements.txt` when missing or stale; `COGNITO_INTEROP_PYTHON` overrides.
fn python_env(dirs: &Dirs) -> Result<PathBuf, String> {
    if let Ok(python) = std::env::var("COGNITO_INTEROP_PYTHON") {
        return Ok(PathBuf::from(python));
    }
    venv(
        dirs,
        &dirs.interop().join("requirements.txt"),
        "interop-venv",
    )
}

/// The Python of the venv `<target>/tmp/<name>`, created and filled from the pinned
/// requirements file `reqs_path` when missing or when that file changed.
pub(crate) fn venv(dirs: &Dirs, reqs_path: &Path, name: &str) -> Result<PathBuf, String> {
    let reqs = std::fs::read_to_string(reqs_path).map_err(|e| e.to_string())?;
    let venv = dirs.target.join("tmp").join(name);
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
        .arg(reqs_path))?;
    std::fs::write(&marker, &reqs).map_err(|e| e.to_string())?;
    Ok(python)
}

/// `interop/js` with `node_modules` installed by `npm ci` when the lockfile changed.
fn node_env(dirs: &Dirs) -> Result<PathBuf, String> {
    let dir = dirs.interop().join("js");
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

/// A peer that cannot be installed: skipped, which the report counts as a failure under CI.
pub(crate) fn unavailable(why: String) -> PeerRun {
    if under_ci() {
        PeerRun::Broken(format!(
            "cannot be installed and CI=true forbids skipping: {why}"
        ))
    } else {
        PeerRun::Skipped(format!("{why} (set CI=true to make this a failure)"))
    }
}

/// Parses the `RESULT` lines of a script's stdout.
pub(crate) fn parse_results(stdout: &str) -> Result<BTreeMap<String, Outcome>, String> {
    let mut out = BTreeMap::new();
    for line in stdout.lines() {
        let Some(json) = line.strip_prefix("RESULT ") else {
            continue;
        };
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("bad RESULT line {json:?}: {e}"))?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default();
        let flow = field("flow");
        if flow.is_empty() {
            return Err(format!("RESULT line without a flow: {json}"));
        }
        out.insert(
            flow.to_owned(),
            Outcome::from_status(field("status"), field("detail")),
        );
    }
    Ok(out)
}

/// Runs a script (blocking, with a timeout) and turns its output into per-flow outcomes; flows
/// it did not report (of `flows`: the script's own) fail with the exit status and the end of its
/// stderr.
pub(crate) async fn script(mut cmd: Command, flows: &[&str]) -> PeerRun {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = format!("{cmd:?}");
    let joined = tokio::task::spawn_blocking(move || -> Result<Output, String> {
        let mut child = cmd.spawn().map_err(|e| format!("{shown}: {e}"))?;
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if started.elapsed() > SCRIPT_TIMEOUT => {
                    let _ = child.kill();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(format!("{shown}: {e}")),
            }
        }
        child
            .wait_with_output()
            .map_err(|e| format!("{shown}: {e}"))
    })
    .await;
    let out = match joined {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return PeerRun::Broken(e),
        Err(e) => return PeerRun::Broken(format!("script task: {e}")),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut results = match parse_results(&stdout) {
        Ok(r) => r,
        Err(e) => return PeerRun::Broken(e),
    };
    if !out.status.success() {
        let why = format!(
            "the script exited with {} before reporting this flow: {}",
            out.status,
            last_lines(&out.stderr, 3)
        );
        for id in flows {
            results
                .entry((*id).to_owned())
                .or_insert_with(|| Outcome::Fail(why.clone()));
        }
    }
    PeerRun::Ran(results)
}

/// pycognito 2024.5.1 and boto3: the script provisions its own pools with boto3 (SigV4).
pub(crate) async fn python(dirs: &Dirs) -> PeerRun {
    let d = dirs.clone();
    let python = match tokio::task::spawn_blocking(move || python_env(&d)).await {
        Ok(Ok(p)) => p,
        Ok(Err(why)) => return unavailable(why),
        Err(e) => return PeerRun::Broken(e.to_string()),
    };
    let emu = match emulator().await {
        Ok(e) => e,
        Err(e) => return PeerRun::Broken(e),
    };
    let mut cmd = Command::new(python);
    cmd.arg(dirs.interop().join("pycognito_interop.py"))
        .arg(emu.url())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("COGNITO_JWKS")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_CONFIG_FILE");
    let run = script(cmd, &api_flows()).await;
    emu.shutdown().await;
    without_oauth(
        run,
        "pycognito has no OAuth 2.0 client (it signs in through the Cognito API only)",
    )
}

/// The flows of the Cognito API (every flow but the OAuth 2.0 rows), which the API-only peers run.
fn api_flows() -> Vec<&'static str> {
    FLOWS
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !OAUTH_FLOWS.contains(id))
        .collect()
}

/// A peer without an OAuth 2.0 client: the OAuth rows are unsupported, with the reason.
fn without_oauth(run: PeerRun, why: &str) -> PeerRun {
    match run {
        PeerRun::Ran(mut results) => {
            for id in OAUTH_FLOWS {
                results
                    .entry((*id).to_owned())
                    .or_insert_with(|| Outcome::Unsupported(why.to_owned()));
            }
            PeerRun::Ran(results)
        }
        other => other,
    }
}

/// amazon-cognito-identity-js: no admin API, so the emulator is seeded from `js/seed.json`
/// (fixed pool and client ids the script reads too).
pub(crate) async fn js(dirs: &Dirs) -> PeerRun {
    let d = dirs.clone();
    let dir = match tokio::task::spawn_blocking(move || node_env(&d)).await {
        Ok(Ok(p)) => p,
        Ok(Err(why)) => return unavailable(why),
        Err(e) => return PeerRun::Broken(e.to_string()),
    };
    let seed_path = dir.join("seed.json");
    let seed: cognito_emulator::Seed = match std::fs::read_to_string(&seed_path)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => return PeerRun::Broken(format!("{}: {e}", seed_path.display())),
    };
    let emu = match emulator().await {
        Ok(e) => e,
        Err(e) => return PeerRun::Broken(e),
    };
    if let Err(e) = emu.seed(&seed) {
        emu.shutdown().await;
        return PeerRun::Broken(format!("seed: {e}"));
    }
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("interop.mjs"))
        .arg(emu.url())
        .arg(&seed_path);
    let run = script(cmd, &api_flows()).await;
    emu.shutdown().await;
    without_oauth(
        run,
        "amazon-cognito-identity-js has no OAuth 2.0 flows (Amplify's hosted UI support does)",
    )
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[test]
    fn result_lines_are_parsed_and_other_lines_ignored() {
        let out = "ok: something\nRESULT {\"flow\":\"srp\",\"status\":\"pass\"}\n\
                   RESULT {\"flow\":\"email_mfa\",\"status\":\"unsupported\",\"detail\":\"no API\"}\n";
        let r = parse_results(out).unwrap();
        assert_eq!(r["srp"], Outcome::Pass);
        assert_eq!(r["email_mfa"], Outcome::Unsupported("no API".to_owned()));
        assert!(parse_results("RESULT {bad").is_err());
        assert!(parse_results("RESULT {\"status\":\"pass\"}").is_err());
    }
}
