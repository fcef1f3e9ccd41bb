//! Durability: the whole state as JSON, written atomically (tmp file, fsync, rename, fsync of the
//! directory), so a crash at any moment leaves either the old or the new file.

use crate::state::State;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state file's directory and the prefix of its temporary files (`.<name>.tmp-`, then the
/// writer's process id).
fn tmp_prefix(path: &Path) -> (PathBuf, String) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.json".to_owned());
    (dir, format!(".{name}.tmp-"))
}

/// Writes the state file atomically.
pub(crate) fn save(path: &Path, st: &State) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(st).map_err(std::io::Error::other)?;
    let (dir, prefix) = tmp_prefix(path);
    let tmp = dir.join(format!("{prefix}{}", std::process::id()));
    {
        // The state holds the pools' private signing keys, SRP verifiers and TOTP secrets:
        // readable by its owner only.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(&dir) {
        // Directory fsync makes the rename durable; not supported everywhere.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes the temporary files that writers killed mid-write left beside the state file (a
/// `kill -9` between the write and the rename). Only files of processes that no longer run are
/// removed, which Linux tells through `/proc`; elsewhere they are left alone. Best effort.
pub(crate) fn remove_stale_tmp_files(path: &Path) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let (dir, prefix) = tmp_prefix(path);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Loads a state file; a missing file is an empty state. Leftover temporary files of dead
/// writers are removed first.
pub(crate) fn load(path: &Path) -> Result<State, String> {
    remove_stale_tmp_files(path);
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Appends one JSON line to a log file (best effort).
pub(crate) fn append_line<T: serde::Serialize>(path: &Path, value: &T) {
    let Ok(mut line) = serde_json::to_vec(value) else {
        return;
    };
    line.push(b'\n');
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = f.write_all(&line);
    }
}
