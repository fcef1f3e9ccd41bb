//! `cargo xtask update-model [VERSION]`: refreshes the botocore model that the repository carries
//! in `crates/cognito-wire/model/`, regenerates `cognito-wire`'s models from it, and prints the
//! operations and shapes that were added and removed.
//!
//! pip downloads the botocore wheel from PyPI (`xtask/py/update_model.py` extracts the
//! `cognito-idp` files and `partitions.json` from it), so pip's index settings apply. Nothing is
//! replaced when the download or the extraction fails: the files are extracted into a temporary
//! directory first and each one is parsed as JSON before it is moved into place.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::codegen;

/// Operation and shape names of a botocore service model.
struct Names {
    operations: BTreeSet<String>,
    shapes: BTreeSet<String>,
}

impl Names {
    fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let keys = |field: &str| -> BTreeSet<String> {
            json.get(field)
                .and_then(serde_json::Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        Ok(Self {
            operations: keys("operations"),
            shapes: keys("shapes"),
        })
    }
}

/// Lines describing what `new` adds to and removes from `old`, one per name.
fn changes(kind: &str, old: &BTreeSet<String>, new: &BTreeSet<String>) -> Vec<String> {
    let added = new.difference(old).map(|n| format!("  + {kind} {n}"));
    let removed = old.difference(new).map(|n| format!("  - {kind} {n}"));
    added.chain(removed).collect()
}

/// The `update-model` subcommand.
pub fn run(args: &[String]) -> Result<(), String> {
    let root = codegen::workspace_root();
    let dir = codegen::model_dir(&root);
    let before = Names::read(&codegen::model_path(&root))?;
    let old_version = std::fs::read_to_string(dir.join("BOTOCORE_VERSION")).unwrap_or_default();

    let staging = root.join("target").join("update-model");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let mut cmd = Command::new(&python);
    cmd.arg(root.join("xtask/py/update_model.py")).arg(&staging);
    if let Some(version) = args.first() {
        cmd.arg(version);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {python} (Python 3 with pip is needed): {e}"))?;
    if !status.success() {
        return Err(format!(
            "downloading botocore failed ({status}); the carried model is unchanged"
        ));
    }
    let entries = std::fs::read_dir(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", staging.display()))?;
        let target = dir.join(entry.file_name());
        std::fs::copy(entry.path(), &target)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    let new_version = std::fs::read_to_string(dir.join("BOTOCORE_VERSION")).unwrap_or_default();
    let after = Names::read(&codegen::model_path(&root))?;

    codegen::run(&[])?;

    println!(
        "botocore {} -> {}: {} operations, {} shapes",
        old_version.trim(),
        new_version.trim(),
        after.operations.len(),
        after.shapes.len()
    );
    let mut lines = changes("operation", &before.operations, &after.operations);
    lines.extend(changes("shape", &before.shapes, &after.shapes));
    if lines.is_empty() {
        println!("no operation or shape was added or removed");
    }
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_lists_added_then_removed() {
        let old: BTreeSet<String> = ["A", "B"].iter().map(|s| s.to_string()).collect();
        let new: BTreeSet<String> = ["B", "C"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            changes("operation", &old, &new),
            vec!["  + operation C", "  - operation A"]
        );
    }

    /// The carried model is the one its version file names, and parses.
    #[test]
    fn carried_model_has_a_version() {
        let root = codegen::workspace_root();
        let dir = codegen::model_dir(&root);
        let version = std::fs::read_to_string(dir.join("BOTOCORE_VERSION")).unwrap();
        assert!(version.trim().starts_with("1."), "{version}");
        let names = Names::read(&codegen::model_path(&root)).unwrap();
        assert!(names.operations.contains("InitiateAuth"));
    }
}
