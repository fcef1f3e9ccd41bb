//! `cargo xtask interop`: every sign-in and account flow, run by seven peers against the emulator
//! on 127.0.0.1, and a flow × peer report.
//!
//! Peers:
//! - our client in process (`cognito-auth`'s `CognitoAuth`, `cognito-admin` for admin calls);
//! - our pycognito-compatible facade, `pycognito::Cognito` (crates/pycognito-rs), in process;
//! - our CLI, the `pycognito` binary (built next to the xtask with `cargo build -p pycognito-rs`,
//!   a no-op when fresh; `--cli-bin PATH` uses a given binary, which CI does to reuse the test
//!   build's);
//! - pycognito 2024.5.1 + boto3 (`crates/cognito-emulator/interop/pycognito_interop.py`, in a
//!   venv under `<target>/tmp/interop-venv`, shared with the `interop` cargo test);
//! - amazon-cognito-identity-js 6.3.21 (`crates/cognito-emulator/interop/js/interop.mjs`, after
//!   `npm ci` from the committed lockfile);
//! - authlib 1.9.10 (`crates/cognito-emulator/interop/authlib/authlib_interop.py`, in a venv under
//!   `<target>/tmp/authlib-venv` from the pinned `authlib/requirements.txt`): the OAuth 2.0 rows
//!   only (`oauth.rs` provisions the pool's domain, resource server and clients);
//! - the `oauth2` crate 5.x (`oauth2_crate.rs`, in process, its requests through xtask's hyper
//!   client): the OAuth 2.0 rows only, against the same provisioning.
//!
//! Each peer gets its own embedded emulator (real clock). The report is printed and written to
//! `<target>/interop-report.md`. The command fails when any flow a peer supports fails, and when
//! a peer cannot be installed under `CI=true` (otherwise that peer is reported as skipped).

mod check;
mod cli;
mod facade;
mod oauth;
mod oauth2_crate;
mod report;
mod rust_client;
mod scripts;

use report::{FLOWS, Outcome, PeerReport, PeerRun, Report};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// Longest a single in-process or CLI flow may take.
const FLOW_TIMEOUT: Duration = Duration::from_secs(120);

const PEERS: &[&str] = &[
    "rust",
    "facade",
    "cli",
    "pycognito",
    "js",
    "authlib",
    "oauth2",
];

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let mut only: Vec<String> = Vec::new();
    let mut cli_bin: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--peer" => {
                let p = it.next().ok_or("--peer needs a value")?;
                if !PEERS.contains(&p.as_str()) {
                    return Err(format!("unknown peer {p:?} (one of {})", PEERS.join(", ")));
                }
                only.push(p.clone());
            }
            "--cli-bin" => {
                cli_bin = Some(PathBuf::from(it.next().ok_or("--cli-bin needs a path")?));
            }
            other => {
                return Err(format!(
                    "usage: cargo xtask interop [--peer {}]... [--cli-bin PATH]\n\
                     unknown argument {other:?}",
                    PEERS.join("|")
                ));
            }
        }
    }
    let mut dirs = Dirs::find()?;
    dirs.cli_bin = cli_bin;
    let strict = under_ci();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let mut peers = Vec::new();
    for peer in PEERS {
        if !only.is_empty() && !only.iter().any(|o| o == peer) {
            continue;
        }
        eprintln!("interop: running {peer}");
        let report = runtime.block_on(run_peer(peer, &dirs));
        peers.push(report);
    }
    let report = Report { peers, strict };
    print!("{}", report.text());
    let header = format!(
        "# Interop report\n\nEvery flow against the cognito-emulator on 127.0.0.1, by peer \
         (`cargo xtask interop`{}; CI={strict}).\n",
        if only.is_empty() {
            String::new()
        } else {
            format!(" --peer {}", only.join(" --peer "))
        }
    );
    let path = dirs.target.join("interop-report.md");
    std::fs::write(&path, report.markdown(&header))
        .map_err(|e| format!("write {}: {e}", path.display()))?;
    println!("report: {}", path.display());
    let failures = report.failures();
    if failures.is_empty() {
        return Ok(());
    }
    let mut msg = format!("interop: {} failure(s)", failures.len());
    for (peer, flow, why) in failures {
        msg.push_str(&format!("\n  {peer} / {flow}: {why}"));
    }
    Err(msg)
}

/// Whether `CI` says this is a CI run (a peer that cannot be installed is then a failure).
pub(crate) fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Where things are.
#[derive(Clone, Debug)]
pub(crate) struct Dirs {
    /// The workspace root.
    pub root: PathBuf,
    /// The cargo target directory.
    pub target: PathBuf,
    /// The directory of the running xtask binary (`<target>/debug`): where `pycognito` is built.
    pub profile: PathBuf,
    /// A `pycognito` binary to use as it is (`--cli-bin`), instead of building one.
    pub cli_bin: Option<PathBuf>,
}

impl Dirs {
    fn find() -> Result<Dirs, String> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(PathBuf::from)
            .ok_or("no workspace root")?;
        let exe = std::env::current_exe().map_err(|e| format!("current exe: {e}"))?;
        let profile = exe.parent().map(PathBuf::from).ok_or("no exe directory")?;
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(t) => {
                let t = PathBuf::from(t);
                if t.is_absolute() { t } else { root.join(t) }
            }
            None => profile
                .parent()
                .map(PathBuf::from)
                .ok_or("no target directory")?,
        };
        Ok(Dirs {
            root,
            target,
            profile,
            cli_bin: None,
        })
    }

    /// The interop scripts' directory.
    pub(crate) fn interop(&self) -> PathBuf {
        self.root.join("crates/cognito-emulator/interop")
    }
}

async fn run_peer(peer: &str, dirs: &Dirs) -> PeerReport {
    match peer {
        "rust" => PeerReport {
            name: "cognito-auth (Rust, in process)".to_owned(),
            run: in_process().await,
        },
        "facade" => PeerReport {
            name: "pycognito::Cognito facade (Rust)".to_owned(),
            run: facade_peer().await,
        },
        "cli" => PeerReport {
            name: "`pycognito` CLI".to_owned(),
            run: cli::run(dirs).await,
        },
        "pycognito" => PeerReport {
            name: "pycognito 2024.5.1 + boto3".to_owned(),
            run: scripts::python(dirs).await,
        },
        "js" => PeerReport {
            name: "amazon-cognito-identity-js 6.3.21".to_owned(),
            run: scripts::js(dirs).await,
        },
        "authlib" => PeerReport {
            name: "authlib 1.9.10 (Python, OAuth 2.0)".to_owned(),
            run: oauth::authlib(dirs).await,
        },
        _ => PeerReport {
            name: "oauth2 5.x (Rust crate, OAuth 2.0)".to_owned(),
            run: oauth2_crate::run().await,
        },
    }
}

/// Starts an emulator on 127.0.0.1 (real clock, in memory).
pub(crate) async fn emulator() -> Result<cognito_emulator::Emulator, String> {
    cognito_emulator::Emulator::start(cognito_emulator::EmulatorConfig::default())
        .await
        .map_err(|e| format!("emulator: {e}"))
}

async fn facade_peer() -> PeerRun {
    let emu = match emulator().await {
        Ok(e) => e,
        Err(e) => return PeerRun::Broken(e),
    };
    let mut out = BTreeMap::new();
    for (id, _) in FLOWS {
        if oauth::OAUTH_FLOWS.contains(id) {
            out.insert(
                (*id).to_owned(),
                Outcome::Unsupported(
                    "the facade mirrors pycognito's API, which has no OAuth 2.0 client".to_owned(),
                ),
            );
            continue;
        }
        let outcome = match tokio::time::timeout(FLOW_TIMEOUT, facade::flow(&emu, id)).await {
            Err(_) => Outcome::Fail(format!("timed out after {FLOW_TIMEOUT:?}")),
            Ok(Err(why)) => Outcome::Unsupported(why.to_owned()),
            Ok(Ok(Ok(()))) => Outcome::Pass,
            Ok(Ok(Err(why))) => Outcome::Fail(why),
        };
        out.insert((*id).to_owned(), outcome);
    }
    emu.shutdown().await;
    PeerRun::Ran(out)
}

async fn in_process() -> PeerRun {
    let emu = match emulator().await {
        Ok(e) => e,
        Err(e) => return PeerRun::Broken(e),
    };
    let mut out = BTreeMap::new();
    for (id, _) in FLOWS {
        let run = async {
            match *id {
                "client_credentials" => Some(oauth::rust_client_credentials(&emu).await),
                "oauth_code_pkce" => Some(oauth::rust_code_flow(&emu).await),
                _ => rust_client::flow(&emu, id).await,
            }
        };
        let outcome = match tokio::time::timeout(FLOW_TIMEOUT, run).await {
            Err(_) => Outcome::Fail(format!("timed out after {FLOW_TIMEOUT:?}")),
            Ok(None) => Outcome::Unsupported("no such flow in cognito-auth".to_owned()),
            Ok(Some(Ok(()))) => Outcome::Pass,
            Ok(Some(Err(why))) => Outcome::Fail(why),
        };
        out.insert((*id).to_owned(), outcome);
    }
    emu.shutdown().await;
    PeerRun::Ran(out)
}
