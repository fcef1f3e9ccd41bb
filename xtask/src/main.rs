//! `cargo xtask <command>`: project automation that is not `cargo build` or `cargo test`.

mod bench;
mod codegen;
mod interop;
mod public_api;
mod update_model;

use std::process::ExitCode;

/// A command: name, entry point, one-line help.
type Entry = (
    &'static str,
    fn(&[String]) -> Result<(), String>,
    &'static str,
);

const COMMANDS: &[Entry] = &[
    (
        "codegen",
        codegen::run,
        "[--check] [--semver]   generate crates/cognito-wire/src/model from crates/cognito-wire/model \
         (--check: fail on diff; --semver: non_exhaustive structs without positional new)",
    ),
    (
        "public-api",
        public_api::run,
        "[--check]   render every published crate's public API into api/<crate>.txt (re-bless; \
         --check: fail on a difference)",
    ),
    (
        "update-model",
        update_model::run,
        "[VERSION]   download botocore (newest, or VERSION) from PyPI, replace the carried model, \
         regenerate and print the operations and shapes added and removed",
    ),
    (
        "bench-srp",
        bench::srp,
        "srp-core vs pycognito, OpenSSL and GMP (use `cargo run --release -p xtask -- bench-srp`)",
    ),
    (
        "bench",
        bench::all,
        "every benchmark side by side with its reference, into one report (see docs/benchmarks.md)",
    ),
    (
        "interop",
        interop::run,
        "every flow with pycognito, amazon-cognito-identity-js, our client and CLI; a pass report",
    ),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map(String::as_str).unwrap_or_default();
    match COMMANDS.iter().find(|(n, _, _)| *n == name) {
        Some((_, run, _)) => match run(args.get(1..).unwrap_or_default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        None => {
            eprintln!("usage: cargo xtask <command>\n\ncommands:");
            for (name, _, help) in COMMANDS {
                eprintln!("  {name:<10} {help}");
            }
            ExitCode::from(2)
        }
    }
}
