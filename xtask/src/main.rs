//! `cargo xtask <command>`: project automation that is not `cargo build` or `cargo test`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        _ => {
            eprintln!("usage: cargo xtask <command>\n\ncommands: (none yet)");
            ExitCode::from(2)
        }
    }
}
