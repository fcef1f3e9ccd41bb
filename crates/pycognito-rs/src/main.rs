//! The `pycognito` command-line tool: sign-in (SRP, MFA, devices), tokens, the user's account,
//! users and groups administration, the local emulator, and a one-command demo.

use clap::Parser;
use std::process::ExitCode;

mod cli;
mod demo;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
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
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pycognito: {e}");
            ExitCode::FAILURE
        }
    }
}
