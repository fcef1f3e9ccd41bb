//! `cargo xtask public-api [--check]`: the public API of every published crate, rendered by the
//! `public-api` crate from rustdoc's JSON output, one item per line, into `api/<crate>.txt`.
//!
//! The xtask test `public_api_matches_snapshots` renders it again and fails with the lines added
//! and removed when a crate's API changed and its snapshot was not re-blessed. Re-bless with
//! `cargo xtask public-api` and commit `api/`, so that the change is visible in review.
//!
//! rustdoc's JSON output is unstable: `RUSTC_BOOTSTRAP=1` enables it on the stable toolchain,
//! and the pinned `public-api` version reads exactly one JSON format version (see
//! [`FORMAT_HELP`]). The documentation is built with default features, `--no-deps`, in a target
//! directory of its own (`<target>/public-api`), so that it neither waits for nor disturbs other
//! builds.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::codegen::workspace_root;

/// What to do when rustdoc's JSON format and the pinned `public-api` disagree.
pub const FORMAT_HELP: &str = "rustdoc's JSON format version may differ from the one the \
    pinned `public-api` crate reads (xtask/Cargo.toml): pin the public-api release whose \
    rustdoc-types matches this toolchain's rustdoc (its FORMAT_VERSION), then re-bless \
    (docs/build.md, \"Public API snapshots\")";

/// The directory of the snapshots: `api/` at the workspace root.
pub fn snapshot_dir(root: &Path) -> PathBuf {
    root.join("api")
}

/// A published library crate of the workspace.
#[derive(Debug, Clone)]
pub struct Crate {
    /// Package name (`cognito-wire`).
    pub package: String,
    /// Library target name (`cognito_wire`): the JSON file's name.
    pub lib: String,
}

/// `cargo metadata` of the workspace (no dependencies).
fn metadata(root: &Path) -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .current_dir(root)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

/// Every workspace member that is published (no `publish = false`) and has a library target,
/// sorted by package name.
pub fn published_crates(meta: &Value) -> Vec<Crate> {
    let mut crates: Vec<Crate> = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["publish"].as_array().is_none_or(|r| !r.is_empty()))
        .filter_map(|p| {
            let lib = p["targets"].as_array()?.iter().find(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "lib"))
            })?;
            Some(Crate {
                package: p["name"].as_str()?.to_string(),
                lib: lib["name"].as_str()?.replace('-', "_"),
            })
        })
        .collect();
    crates.sort_by(|a, b| a.package.cmp(&b.package));
    crates
}

/// Builds rustdoc JSON for `crates` in one `cargo doc` run; returns the JSON directory.
fn rustdoc_json(root: &Path, meta: &Value, crates: &[Crate]) -> Result<PathBuf, String> {
    let target = meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["doc", "--no-deps", "--lib", "--locked", "--quiet"])
        .arg("--target-dir")
        .arg(&target)
        .env("RUSTC_BOOTSTRAP", "1")
        .env(
            "RUSTDOCFLAGS",
            "-Z unstable-options --output-format json --cap-lints allow",
        )
        // Test harnesses pass these down; they must not change what is documented.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR");
    for c in crates {
        cmd.args(["-p", &c.package]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run cargo doc: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo doc (rustdoc JSON) failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(target.join("doc"))
}

/// The rendered public API of every published crate: package name -> text (one item per line,
/// sorted, ending with a newline).
pub fn render(root: &Path) -> Result<BTreeMap<String, String>, String> {
    let meta = metadata(root)?;
    let crates = published_crates(&meta);
    if crates.is_empty() {
        return Err("no published library crate in the workspace".to_string());
    }
    let dir = rustdoc_json(root, &meta, &crates)?;
    let mut out = BTreeMap::new();
    for c in &crates {
        let json = dir.join(format!("{}.json", c.lib));
        let api = public_api::Builder::from_rustdoc_json(&json)
            .omit_blanket_impls(true)
            .build()
            .map_err(|e| {
                format!(
                    "{}: cannot read {}: {e}\nif the toolchain changed, {FORMAT_HELP}",
                    c.package,
                    json.display()
                )
            })?;
        out.insert(c.package.clone(), condense(&api));
    }
    Ok(out)
}

/// The API as text, one item per line, in `public-api`'s order, without what adds nothing:
/// the methods of trait impls (the `impl Trait for Type` line already fixes them; associated
/// types and constants stay) and repeated lines (an item re-exported under several paths is
/// listed once per path, and only its own `pub struct|enum|...` line differs).
fn condense(api: &public_api::PublicApi) -> String {
    let trait_impls: HashSet<_> = api
        .items()
        .filter(|i| {
            let t = i.to_string();
            t.starts_with("impl") && t.contains(" for ")
        })
        .map(|i| i.id())
        .collect();
    let mut seen = HashSet::new();
    let mut text = String::new();
    for item in api.items() {
        let line = item.to_string();
        let trait_method = line.starts_with("pub fn ")
            && item.parent_id().is_some_and(|p| trait_impls.contains(&p));
        if trait_method || !seen.insert(line.clone()) {
            continue;
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The differences between the snapshots in `api/` and `rendered`, as a readable report
/// (`None`: identical).
pub fn compare(root: &Path, rendered: &BTreeMap<String, String>) -> Option<String> {
    let dir = snapshot_dir(root);
    let mut report = String::new();
    for (package, now) in rendered {
        let path = dir.join(format!("{package}.txt"));
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        if before == *now {
            continue;
        }
        let old: BTreeSet<&str> = before.lines().collect();
        let new: BTreeSet<&str> = now.lines().collect();
        report.push_str(&format!("\n{package} (api/{package}.txt):\n"));
        if before.is_empty() {
            report.push_str("  no snapshot yet\n");
        }
        for line in now.lines().filter(|l| !old.contains(l)) {
            report.push_str(&format!("  + {line}\n"));
        }
        for line in before.lines().filter(|l| !new.contains(l)) {
            report.push_str(&format!("  - {line}\n"));
        }
    }
    let known: BTreeSet<String> = rendered.keys().map(|p| format!("{p}.txt")).collect();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".txt") && !known.contains(&name) {
                report.push_str(&format!(
                    "\napi/{name}: no published crate of that name any more (delete it)\n"
                ));
            }
        }
    }
    (!report.is_empty()).then_some(report)
}

/// Writes every snapshot (and removes those of crates no longer published).
fn bless(root: &Path, rendered: &BTreeMap<String, String>) -> Result<(), String> {
    let dir = snapshot_dir(root);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (package, text) in rendered {
        let path = dir.join(format!("{package}.txt"));
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote api/{package}.txt ({} items)", text.lines().count());
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let package = name.trim_end_matches(".txt");
            if name.ends_with(".txt") && !rendered.contains_key(package) {
                std::fs::remove_file(e.path()).map_err(|err| format!("{name}: {err}"))?;
                println!("removed api/{name}");
            }
        }
    }
    Ok(())
}

/// The `public-api` subcommand: re-bless (default) or `--check`.
pub fn run(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        other => {
            return Err(format!(
                "public-api: unexpected arguments {other:?} (expected nothing or --check)"
            ));
        }
    };
    let rendered = render(&root)?;
    if check {
        return match compare(&root, &rendered) {
            None => {
                println!("public-api: every snapshot is up to date");
                Ok(())
            }
            Some(report) => Err(format!(
                "public-api: the public API changed; if intended, run `cargo xtask public-api` \
                 and commit api/:{report}"
            )),
        };
    }
    bless(&root, &rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed snapshots in `api/` match the crates' public API.
    #[test]
    fn public_api_matches_snapshots() {
        let root = workspace_root();
        let rendered = render(&root).unwrap();
        if let Some(report) = compare(&root, &rendered) {
            panic!(
                "the public API changed without its snapshot: if the change is intended, run \
                 `cargo xtask public-api` and commit api/ (lines added +, removed -):{report}"
            );
        }
    }

    #[test]
    fn published_crates_are_the_libraries() {
        let meta = metadata(&workspace_root()).unwrap();
        let names: Vec<String> = published_crates(&meta)
            .into_iter()
            .map(|c| c.package)
            .collect();
        for expected in ["srp-core", "cognito-wire", "cognito-auth", "pycognito-rs"] {
            assert!(names.iter().any(|n| n == expected), "{names:?}");
        }
        assert!(!names.iter().any(|n| n == "xtask" || n == "pycognito-tests"));
    }
}
