//! The node side of `bench`: amazon-cognito-identity-js installed with `npm ci` from the interop
//! lockfile into `<target>/bench-js`, then `xtask/js/srp_bench.cjs` run from there.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the library is installed (the script is copied next to its `node_modules`).
#[derive(Debug)]
pub(crate) struct Env {
    pub(crate) dir: PathBuf,
}

fn run_quiet(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{shown}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{shown} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `npm ci` into `dir` from the interop lockfile (again only when the lockfile changed), and the
/// benchmark script copied there. `Err` says why the column has to be skipped.
pub(crate) fn prepare(root: &Path, dir: &Path) -> Result<Env, String> {
    let source = root.join("crates/cognito-emulator/interop/js");
    let lock = std::fs::read_to_string(source.join("package-lock.json"))
        .map_err(|e| format!("reading the interop lockfile: {e}"))?;
    run_quiet(Command::new("node").arg("--version")).map_err(|e| format!("no node: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let marker = dir.join("node_modules").join(".bench-lock.json");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(lock.as_str()) {
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), dir.join(file))
                .map_err(|e| format!("copying {file}: {e}"))?;
        }
        eprintln!("bench: npm ci in {}", dir.display());
        let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
        run_quiet(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(dir),
        )?;
        std::fs::write(&marker, &lock).map_err(|e| format!("{}: {e}", marker.display()))?;
    }
    std::fs::copy(
        root.join("xtask/js/srp_bench.cjs"),
        dir.join("srp_bench.cjs"),
    )
    .map_err(|e| format!("copying srp_bench.cjs: {e}"))?;
    Ok(Env {
        dir: dir.to_path_buf(),
    })
}

/// Runs the SRP script; its progress goes to stderr, its JSON result comes back.
pub(crate) fn run_srp(
    env: &Env,
    vectors: &Path,
    samples: u32,
    sample_ms: u64,
) -> Result<Value, String> {
    let output = Command::new("node")
        .arg(env.dir.join("srp_bench.cjs"))
        .arg("--vectors")
        .arg(vectors)
        .args(["--samples", &samples.to_string()])
        .args(["--sample-ms", &sample_ms.to_string()])
        .current_dir(&env.dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running node: {e}"))?;
    if !output.status.success() {
        return Err(format!("srp_bench.cjs failed: {}", output.status));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("srp_bench.cjs printed no JSON result: {e}"))
}
