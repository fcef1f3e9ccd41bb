//! The `pycognito` command-line tool: sign-in (SRP, MFA, devices), tokens, the user's account,
//! users and groups administration, the local emulator, and a one-command demo.

use clap::Parser;
use std::process::ExitCode;

mod cli;
mod demo;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // Diagnostics on stderr when RUST_LOG asks for them (e.g. RUST_LOG=debug); secrets are never
    // logged by any crate of the stack, whatever the level.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pycognito: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The exit code follows what to do next (cli/error.rs has the table; docs/cli.md too).
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pycognito: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
