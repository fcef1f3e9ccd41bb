//! `cargo xtask <command>`: project automation that is not `cargo build` or `cargo test`.

mod bench;
mod codegen;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => match codegen::run(args.get(1..).unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Some("bench-srp") => match bench::srp(args.get(1..).unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\ncommands:\n  codegen [--check]   generate \
                 crates/cognito-wire/src/model from ../shared/cognito-idp (--check: fail on diff)\n  \
                 bench-srp           srp-core vs pycognito, OpenSSL and GMP (use \
                 `cargo run --release -p xtask -- bench-srp`)"
            );
            ExitCode::from(2)
        }
    }
}
