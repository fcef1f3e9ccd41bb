//! `cargo xtask bench-srp`: srp-core against pycognito's SRP math, OpenSSL's `BN_mod_exp` and
//! GMP's `mpz_powm`, measured in the same run; `cargo xtask bench`: every benchmark of the
//! project side by side with its reference (see `all.rs`). See docs/benchmarks.md.
//!
//! Build it optimized: `cargo run --release -p xtask -- bench-srp` (or `-- bench`).
// serde_json::Value's `[]` never panics (a missing key reads as Null).
#![allow(clippy::indexing_slicing)]

mod all;
mod jwt;
mod node;
mod procs;
mod python;
mod rust_side;
mod scale;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Seconds per call, by operation name.
pub(crate) type Timings = BTreeMap<String, f64>;

/// The rows of the table, in order: (operation key, description).
const ROWS: &[(&str, &str)] = &[
    ("A/generate", "A = g^a, fresh 128-byte a"),
    ("A/from_private_bytes", "A = g^a, given a"),
    ("password_claim", "password claim (parsed challenge)"),
    ("device_claim", "device claim (parsed challenge)"),
    ("generate_device_secret", "device verifier (ConfirmDevice)"),
    ("full_login", "full client login (USER_SRP_AUTH)"),
    ("server/B+verify", "server: B + verify claim"),
];

/// Client libraries srp-core is compared with (how many times faster srp-core is): (key, header).
const PEERS: &[(&str, &str)] = &[
    ("pycognito", "pycognito"),
    ("js", "amazon-cognito-identity-js"),
];

/// Reference columns measured by the Python script: (JSON key, header).
const REFERENCES: &[(&str, &str)] = &[
    ("openssl", "OpenSSL BN_mod_exp"),
    ("openssl_ct", "OpenSSL consttime"),
    ("gmp", "GMP powm"),
    ("gmp_sec", "GMP powm_sec"),
];

#[derive(Debug)]
struct Options {
    rounds: u32,
    samples: u32,
    sample_ms: u64,
    python: bool,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        rounds: 2,
        samples: 30,
        sample_ms: 25,
        python: true,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--samples" => {
                opts.samples = u32::try_from(value("--samples")?.max(1)).unwrap_or(u32::MAX);
            }
            "--rounds" => {
                opts.rounds = u32::try_from(value("--rounds")?.max(1)).unwrap_or(u32::MAX);
            }
            "--sample-ms" => opts.sample_ms = value("--sample-ms")?.max(1),
            "--no-python" => opts.python = false,
            other => {
                return Err(format!(
                    "bench-srp: unknown option {other}\n\noptions:\n  --rounds R       alternate \
                     srp-core and the references R times (default 2)\n  --samples N      samples \
                     per operation and round (default 30; the fastest is kept)\n  --sample-ms MS   \
                     length of one sample (default 25)\n  --no-python      srp-core only"
                ));
            }
        }
    }
    Ok(opts)
}

/// The workspace root (xtask lives in `<root>/xtask`).
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// What the SRP comparison measured.
struct SrpResults {
    rust: Timings,
    /// Per column key (see [`PEERS`] and [`REFERENCES`]): its timings, when measured.
    columns: Vec<(&'static str, Option<Timings>)>,
    /// The Python script's `meta` object.
    meta: Value,
    /// The node script's `meta` object.
    js_meta: Value,
    notes: Vec<String>,
}

fn read_vectors(root: &Path) -> Result<(PathBuf, Value), String> {
    let vectors_path = root.join("crates/srp-core/tests/data/srp-vectors.json");
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(&vectors_path)
            .map_err(|e| format!("reading {}: {e}", vectors_path.display()))?,
    )
    .map_err(|e| format!("parsing {}: {e}", vectors_path.display()))?;
    Ok((vectors_path, vectors))
}

/// The target directory (`CARGO_TARGET_DIR`, else `<root>/target`).
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// srp-core against the peers and references; rounds alternate the sides.
fn measure_srp(
    opts: &Options,
    root: &Path,
    python_env: Option<&python::Env>,
    node_env: Option<&node::Env>,
) -> Result<SrpResults, String> {
    let (vectors_path, vectors) = read_vectors(root)?;
    let sample = Duration::from_millis(opts.sample_ms);
    let mut notes = Vec::new();
    // Rounds alternate the sides so that a burst of load elsewhere on the machine does not
    // hit only one of them; every figure is the fastest seen in any round.
    let mut rust = Timings::new();
    let mut columns: BTreeMap<&str, Timings> = BTreeMap::new();
    let mut meta = Value::Null;
    let mut js_meta = Value::Null;
    for round in 1..=opts.rounds {
        eprintln!("bench: SRP round {round}/{}: srp-core", opts.rounds);
        merge_min(
            &mut rust,
            rust_side::measure(&vectors, opts.samples, sample)?,
        );
        if let Some(env) = python_env {
            eprintln!(
                "bench: SRP round {round}/{}: pycognito and references ({})",
                opts.rounds,
                env.python.display()
            );
            match python::run(
                env,
                &root.join("xtask/py/srp_bench.py"),
                &vectors_path,
                opts.samples,
                opts.sample_ms,
            ) {
                Ok(py) => {
                    for key in
                        std::iter::once("pycognito").chain(REFERENCES.iter().map(|(k, _)| *k))
                    {
                        if let Some(t) = timings(&py[key]) {
                            merge_min(columns.entry(key).or_default(), t);
                        }
                    }
                    if round == 1
                        && let Some(errors) = py["errors"].as_object()
                    {
                        for (what, err) in errors {
                            notes.push(format!("{what} skipped: {}", err.as_str().unwrap_or("?")));
                        }
                    }
                    meta = py["meta"].clone();
                }
                Err(e) => notes.push(format!("round {round}: reference script failed: {e}")),
            }
        }
        if let Some(env) = node_env {
            eprintln!(
                "bench: SRP round {round}/{}: amazon-cognito-identity-js",
                opts.rounds
            );
            match node::run_srp(env, &vectors_path, opts.samples, opts.sample_ms) {
                Ok(js) => {
                    if let Some(t) = timings(&js["js"]) {
                        merge_min(columns.entry("js").or_default(), t);
                    }
                    js_meta = js["meta"].clone();
                }
                Err(e) => notes.push(format!(
                    "round {round}: amazon-cognito-identity-js script failed: {e}"
                )),
            }
        }
    }
    let keys = PEERS.iter().chain(REFERENCES).map(|(k, _)| *k);
    let columns = keys
        .filter(|k| *k != "js" || node_env.is_some())
        .map(|key| (key, columns.remove(key)))
        .collect();
    Ok(SrpResults {
        rust,
        columns,
        meta,
        js_meta,
        notes,
    })
}

fn machine_line(load_before: &str) -> String {
    format!(
        "Machine: {}, {} logical CPUs; load average before: {}",
        cpu_model(),
        std::thread::available_parallelism().map_or(0, usize::from),
        load_before
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}

fn versions_line(meta: &Value) -> String {
    let rustc = command_line("rustc", &["--version"]).unwrap_or_default();
    format!(
        "srp-core: {rustc} ({}); pycognito {} on Python {}; {}; gmpy2 {} ({})",
        if cfg!(debug_assertions) {
            "UNOPTIMIZED build"
        } else {
            "release build"
        },
        meta["pycognito"].as_str().unwrap_or("-"),
        meta["python"].as_str().unwrap_or("-"),
        meta["openssl"].as_str().unwrap_or("OpenSSL -"),
        meta["gmpy2"].as_str().unwrap_or("-"),
        meta["gmp"].as_str().unwrap_or("GMP -"),
    )
}

/// Runs the comparison and prints the tables.
pub(crate) fn srp(args: &[String]) -> Result<(), String> {
    let opts = parse_options(args)?;
    let root = workspace_root();
    if cfg!(debug_assertions) {
        eprintln!(
            "bench-srp: WARNING: xtask was built without optimizations; srp-core's timings are \
             only meaningful with `cargo run --release -p xtask -- bench-srp`"
        );
    }
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let python_env = opts.python.then(|| {
        let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        python::prepare(&target_dir(&root).join("bench-venv"), &system_python, None)
    });
    let mut res = measure_srp(&opts, &root, python_env.as_ref(), None)?;
    if let Some(env) = &python_env {
        res.notes.splice(0..0, env.notes.iter().cloned());
    }
    let table = Table {
        rust: &res.rust,
        columns: std::mem::take(&mut res.columns),
    };

    println!();
    println!("{}", table.text());
    println!("Markdown:\n");
    println!("{}", table.markdown());
    println!();
    println!("{}", machine_line(&load_before));
    println!("{}", versions_line(&res.meta));
    println!(
        "Each figure: fastest per-call time over {} rounds x {} samples of ~{} ms.",
        opts.rounds, opts.samples, opts.sample_ms
    );
    for line in table.targets() {
        println!("{line}");
    }
    for note in res.notes {
        println!("Note: {note}");
    }
    Ok(())
}

fn merge_min(into: &mut Timings, from: Timings) {
    for (k, t) in from {
        let slot = into.entry(k).or_insert(t);
        *slot = slot.min(t);
    }
}

fn timings(v: &Value) -> Option<Timings> {
    let map = v.as_object()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| v.as_f64().map(|t| (k.clone(), t)))
            .collect(),
    )
}

fn fmt_time(secs: f64) -> String {
    format!("{:.3} ms", secs * 1e3)
}

fn fmt_ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.1}x")
    } else {
        format!("{r:.2}x")
    }
}

struct Table<'a> {
    rust: &'a Timings,
    columns: Vec<(&'static str, Option<Timings>)>,
}

impl Table<'_> {
    fn header(&self) -> Vec<String> {
        let mut h = vec!["operation".to_owned(), "srp-core".to_owned()];
        for (key, _) in &self.columns {
            if let Some((_, name)) = PEERS.iter().find(|(k, _)| k == key) {
                h.push((*name).to_owned());
                h.push(format!("{name} / srp-core"));
            } else {
                let name = REFERENCES
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(*key, |(_, n)| *n);
                h.push(name.to_owned());
                h.push(format!(
                    "srp-core / {}",
                    name.split(' ').next().unwrap_or(name)
                ));
            }
        }
        h
    }

    fn rows(&self) -> Vec<Vec<String>> {
        ROWS.iter()
            .map(|(key, label)| {
                let ours = self.rust.get(*key).copied();
                let mut row = vec![(*label).to_owned(), ours.map_or("-".to_owned(), fmt_time)];
                for (col, times) in &self.columns {
                    let theirs = times.as_ref().and_then(|t| t.get(*key)).copied();
                    match (ours, theirs) {
                        (Some(o), Some(t)) => {
                            row.push(fmt_time(t));
                            // Peers: how many times faster srp-core is; the C references:
                            // how many times slower srp-core is.
                            let peer = PEERS.iter().any(|(k, _)| k == col);
                            row.push(fmt_ratio(if peer { t / o } else { o / t }));
                        }
                        (_, Some(t)) => {
                            row.push(fmt_time(t));
                            row.push("-".to_owned());
                        }
                        _ => {
                            row.push("-".to_owned());
                            row.push("-".to_owned());
                        }
                    }
                }
                row
            })
            .collect()
    }

    fn text(&self) -> String {
        let header = self.header();
        let rows = self.rows();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                std::iter::once(&header)
                    .chain(rows.iter())
                    .filter_map(|r| r.get(i))
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| -> String {
            cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (c, w))| {
                    if i == 0 {
                        format!("{c:<w$}")
                    } else {
                        format!("{c:>w$}")
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        let mut out = line(&header);
        out.push('\n');
        out.push_str(
            &"-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)),
        );
        for r in &rows {
            out.push('\n');
            out.push_str(&line(r));
        }
        out
    }

    fn markdown(&self) -> String {
        let header = self.header();
        let mut out = format!("| {} |\n", header.join(" | "));
        out.push_str(&format!(
            "|{}|\n",
            header
                .iter()
                .enumerate()
                .map(|(i, _)| if i == 0 { "---" } else { "---:" })
                .collect::<Vec<_>>()
                .join("|")
        ));
        for r in self.rows() {
            out.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        out
    }

    /// The targets for the full client login, stated against the measured numbers.
    fn targets(&self) -> Vec<String> {
        let Some(ours) = self.rust.get("full_login").copied() else {
            return Vec::new();
        };
        let get = |col: &str| {
            self.columns
                .iter()
                .find(|(k, _)| *k == col)
                .and_then(|(_, t)| t.as_ref())
                .and_then(|t| t.get("full_login"))
                .copied()
        };
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        let mut out = Vec::new();
        match get("pycognito") {
            Some(py) => out.push(format!(
                "Target 1, full client login >= 9x faster than pycognito: {:.1}x ({})",
                py / ours,
                verdict(py / ours >= 9.0)
            )),
            None => out.push("Target 1 (vs pycognito): not measured".to_owned()),
        }
        match get("openssl") {
            Some(ossl) => out.push(format!(
                "Target 2, full client login within 1.3x of OpenSSL's BN_mod_exp login: {:.2}x ({})",
                ours / ossl,
                verdict(ours / ossl <= 1.3)
            )),
            None => out.push("Target 2 (vs OpenSSL): not measured".to_owned()),
        }
        out
    }
}

/// `cargo xtask bench`: every comparison in one run, one report (see `all.rs`).
pub(crate) fn all(args: &[String]) -> Result<(), String> {
    all::run(args)
}
