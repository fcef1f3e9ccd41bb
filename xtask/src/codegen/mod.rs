//! `cargo xtask codegen [--check] [--semver|--no-semver]`: generates `cognito-wire`'s models from the botocore model
//! in `../shared/cognito-idp/service-2.json`.
//!
//! Outputs (all checked in): `crates/cognito-wire/src/model/{shapes,enums,operations,errors}.rs`
//! and `crates/cognito-wire/tests/fixtures/samples.json`. `--check` regenerates in memory and
//! fails on any difference; the unit test below does the same on `cargo test --workspace`.
//! `--semver` makes every generated struct `#[non_exhaustive]` without a positional `new`;
//! `--no-semver` gates both behind `--cfg cognito_wire_semver` (see [`Semver`]); without either
//! flag, [`DEFAULT_SEMVER`] decides.

mod docs;
mod emit;
mod model;
mod names;
mod samples;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use emit::Semver;
use model::Model;

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The directory of the carried botocore model files (`service-2.json`, paginators, endpoint
/// rules, partitions and `BOTOCORE_VERSION`).
pub fn model_dir(root: &Path) -> PathBuf {
    root.join("crates").join("cognito-wire").join("model")
}

/// Where the service model lives: `crates/cognito-wire/model/service-2.json`.
pub fn model_path(root: &Path) -> PathBuf {
    model_dir(root).join("service-2.json")
}

/// Runs rustfmt (with the workspace's rustfmt.toml) over `source`.
fn rustfmt(root: &Path, source: &str) -> Result<String, String> {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_string());
    let mut child = Command::new(rustfmt)
        .arg("--edition")
        .arg("2024")
        .arg("--config-path")
        .arg(root.join("rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let input = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt writer thread panicked".to_string())?
        .map_err(|e| format!("rustfmt stdin: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt output: {e}"))
}

/// The semver mode of the checked-in code (and of `cargo xtask codegen` without a flag).
///
/// To make the generated structs `#[non_exhaustive]` and drop their positional `new` for good,
/// change this to [`Semver::On`] and run `cargo xtask codegen` (see docs/build.md).
pub const DEFAULT_SEMVER: Semver = Semver::On;

/// Generates every output file: `(path relative to the workspace root, contents)`.
pub fn generate(root: &Path, semver: Semver) -> Result<Vec<(PathBuf, String)>, String> {
    let path = model_path(root);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let model = Model::parse(&text)?;
    let dir = Path::new("crates/cognito-wire/src/model");
    let mut files = Vec::new();
    for (name, source) in [
        ("shapes.rs", emit::shapes(&model, semver)?),
        ("enums.rs", emit::enums(&model)?),
        ("operations.rs", emit::operations(&model)?),
        ("errors.rs", emit::errors(&model)?),
    ] {
        files.push((dir.join(name), rustfmt(root, &source)?));
    }
    files.push((
        PathBuf::from("crates/cognito-wire/tests/fixtures/samples.json"),
        samples::fixture(&model)?,
    ));
    Ok(files)
}

/// Files whose checked-in contents differ from what the generator produces now.
pub fn stale_files(root: &Path, semver: Semver) -> Result<Vec<PathBuf>, String> {
    let mut stale = Vec::new();
    for (rel, contents) in generate(root, semver)? {
        let current = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
        if current != contents {
            stale.push(rel);
        }
    }
    Ok(stale)
}

/// The `codegen` subcommand.
pub fn run(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let mut check = false;
    let mut semver = DEFAULT_SEMVER;
    for a in args {
        match a.as_str() {
            "--check" => check = true,
            "--semver" => semver = Semver::On,
            "--no-semver" => semver = Semver::Gated,
            other => {
                return Err(format!(
                    "codegen: unknown argument {other} (expected --check, --semver, --no-semver)"
                ));
            }
        }
    }
    if check {
        let stale = stale_files(&root, semver)?;
        if stale.is_empty() {
            println!("codegen: generated files are up to date");
            return Ok(());
        }
        let list: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "codegen: stale generated files (run `cargo xtask codegen`): {}",
            list.join(", ")
        ));
    }
    for (rel, contents) in generate(&root, semver)? {
        let path = root.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", rel.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in generated code matches what the generator produces from the model.
    #[test]
    fn generated_code_is_up_to_date() {
        let root = workspace_root();
        let stale = stale_files(&root, DEFAULT_SEMVER).unwrap();
        assert!(
            stale.is_empty(),
            "stale generated files, run `cargo xtask codegen`: {stale:?}"
        );
    }

    /// `--semver`: every generated struct is `#[non_exhaustive]` (builders are closed by their
    /// private fields), no positional `new` is left, nothing is gated on the cfg any more; the
    /// default (gated) output gates exactly those.
    #[test]
    fn semver_mode_makes_every_shape_non_exhaustive_without_new() {
        let root = workspace_root();
        let text = std::fs::read_to_string(model_path(&root)).unwrap();
        let model = Model::parse(&text).unwrap();
        let on = emit::shapes(&model, Semver::On).unwrap();
        let gated = emit::shapes(&model, Semver::Gated).unwrap();
        let lines: Vec<&str> = on.lines().collect();
        let mut shapes = 0;
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("pub struct ") && !line.contains("Builder {") {
                shapes += 1;
                assert_eq!(lines[i - 1], "#[non_exhaustive]", "{line}");
            }
        }
        assert_eq!(
            shapes,
            model
                .shapes
                .values()
                .filter(|s| matches!(s.kind, model::Kind::Structure { .. }))
                .count()
        );
        assert!(!on.contains("pub fn new("));
        assert!(!on.contains(emit::SEMVER_CFG));
        assert_eq!(
            gated
                .matches("#[cfg_attr(cognito_wire_semver, non_exhaustive)]")
                .count(),
            shapes
        );
        assert_eq!(
            gated.matches("#[cfg(not(cognito_wire_semver))]").count(),
            gated.matches("pub fn new(").count()
        );
    }

    #[test]
    fn model_counts() {
        let root = workspace_root();
        let text = std::fs::read_to_string(model_path(&root)).unwrap();
        let model = Model::parse(&text).unwrap();
        assert_eq!(model.ops.len(), 153);
        // 34 `authtype: none`, GetClientToken and GetDerivedToken (client-authenticated).
        assert_eq!(model.ops.values().filter(|o| o.unsigned).count(), 36);
    }
}
