//! The `pycognito` command-line tool.
//!
//! Today it has one subcommand, `demo`, which runs a complete Cognito SRP exchange between
//! srp-core's client and server roles (user sign-in, device confirmation, device sign-in, a wrong
//! password) and reports each step. The full CLI (login, tokens, devices, admin, emulator) grows
//! on top of the other crates.

use std::process::ExitCode;

mod demo;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => match demo::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("pycognito demo: {e}");
                ExitCode::FAILURE
            }
        },
        Some("--version" | "-V") => {
            println!("pycognito {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "usage: pycognito demo\n\n  demo    run an SRP sign-in journey and report every step"
            );
            ExitCode::from(2)
        }
    }
}
