//! The Python side of `bench-srp` and `bench`: a venv with pycognito (and gmpy2), then
//! `xtask/py/srp_bench.py`; `bench` also pins boto3 and the rest from the interop requirements.

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

fn pip_install(python: &Path, spec: &[&str]) -> bool {
    eprintln!("bench: pip install {}", spec.join(" "));
    Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .args(spec)
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `check` runs, after installing `spec` if it did not at first.
fn ensure(python: &Path, check: &str, spec: &str) -> bool {
    has_module(python, check) || (pip_install(python, &[spec]) && has_module(python, check))
}

/// Creates (or reuses) the venv and installs pycognito and gmpy2 into it; with `requirements`
/// (a pinned requirements file), installs it first, again only when it changed since the last
/// install. Never fails: whatever is missing is reported in `notes` and its column is skipped.
pub(crate) fn prepare(venv: &Path, system_python: &str, requirements: Option<&Path>) -> Env {
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
    if let Some(reqs) = requirements {
        let marker = venv.join("bench-requirements.txt");
        let wanted = std::fs::read_to_string(reqs).unwrap_or_default();
        let current = std::fs::read_to_string(&marker).unwrap_or_default();
        if wanted.is_empty() || wanted != current {
            let mut spec = vec!["-r"];
            let shown = reqs.to_string_lossy();
            spec.push(&shown);
            if pip_install(&python, &spec) {
                let _ = std::fs::write(&marker, &wanted);
            } else {
                notes.push(format!(
                    "`pip install -r {}` failed: the pycognito sign-in rows may be skipped",
                    reqs.display()
                ));
            }
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
