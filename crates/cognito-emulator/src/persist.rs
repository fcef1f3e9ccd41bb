//! Durability: the whole state as JSON, written atomically (tmp file, fsync, rename, fsync of the
//! directory), so a crash at any moment leaves either the old or the new file.

use crate::state::State;
use std::io::Write;
use std::path::Path;

/// Writes the state file atomically.
pub(crate) fn save(path: &Path, st: &State) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(st).map_err(std::io::Error::other)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.json".to_owned());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
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

/// Loads a state file; a missing file is an empty state.
pub(crate) fn load(path: &Path) -> Result<State, String> {
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
