//! The Python side of `bench-srp`: a venv with pycognito (and gmpy2), then `xtask/py/srp_bench.py`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The pycognito release the vectors were computed with.
pub(crate) const PYCOGNITO: &str = "pycognito==2024.5.1";

/// Which Python to run the script with, and what could not be installed.
#[derive(Debug)]
pub(crate) struct Env {
    pub(crate) python: PathBuf,
    pub(crate) notes: Vec<String>,
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn has_module(python: &Path, check: &str) -> bool {
    succeeds(Command::new(python).args(["-c", check]))
}

fn pip_install(python: &Path, spec: &str) -> bool {
    eprintln!("bench-srp: pip install {spec}");
    Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            spec,
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `check` runs, after installing `spec` if it did not at first.
fn ensure(python: &Path, check: &str, spec: &str) -> bool {
    has_module(python, check) || (pip_install(python, spec) && has_module(python, check))
}

/// Creates (or reuses) the venv and installs pycognito and gmpy2 into it. Never fails: whatever
/// is missing is reported in `notes` and its column is skipped.
pub(crate) fn prepare(venv: &Path, system_python: &str) -> Env {
    let mut notes = Vec::new();
    let python = venv.join("bin").join("python");
    if !python.exists() {
        eprintln!("bench-srp: creating {}", venv.display());
        if !succeeds(Command::new(system_python).args(["-m", "venv"]).arg(venv)) {
            notes.push(format!(
                "could not create a venv with `{system_python} -m venv {}`: pycognito and GMP \
                 columns skipped; OpenSSL measured with {system_python}",
                venv.display()
            ));
            return Env {
                python: PathBuf::from(system_python),
                notes,
            };
        }
    }
    let pycognito_ok = "import importlib.metadata as m, pycognito; \
                        assert m.version('pycognito') == '2024.5.1'";
    if !ensure(&python, pycognito_ok, PYCOGNITO) {
        notes.push(format!(
            "`pip install {PYCOGNITO}` failed: pycognito column skipped"
        ));
    }
    if !ensure(&python, "import gmpy2", "gmpy2") {
        notes.push("`pip install gmpy2` failed: GMP columns skipped".to_owned());
    }
    Env { python, notes }
}

/// Runs the script; its progress goes to stderr, its JSON result comes back.
pub(crate) fn run(
    env: &Env,
    script: &Path,
    vectors: &Path,
    samples: u32,
    sample_ms: u64,
) -> Result<Value, String> {
    let output = Command::new(&env.python)
        .arg(script)
        .arg("--vectors")
        .arg(vectors)
        .args(["--samples", &samples.to_string()])
        .args(["--sample-ms", &sample_ms.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running {}: {e}", env.python.display()))?;
    if !output.status.success() {
        return Err(format!("{} failed: {}", script.display(), output.status));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{} printed no JSON result: {e}", script.display()))
}
