//! `cargo xtask interop` (being written this session).

pub(crate) fn run(_args: &[String]) -> Result<(), String> {
    Err("cargo xtask interop: not implemented yet".to_owned())
}
