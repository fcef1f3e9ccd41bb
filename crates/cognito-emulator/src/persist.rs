//! The outbox log: every message appended as one JSON line, after its request committed.

use std::io::Write;
use std::path::Path;

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
