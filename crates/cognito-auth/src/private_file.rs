//! Files that hold secrets (device credentials, saved sessions): written atomically, readable by
//! the owner only, and updated under an inter-process lock.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (a temporary file in the same directory, synced, then
/// renamed over `path`), created with mode 0600 on Unix. Missing parent directories are created.
/// A crash leaves either the old file or the new one, never a mix.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("private-doc-{}", std::process::id()));
/// let path = dir.join("secret.json");
/// cognito_auth::write_private_file(&path, b"{}")?;
/// assert_eq!(std::fs::read(&path)?, b"{}");
/// # #[cfg(unix)] {
/// use std::os::unix::fs::PermissionsExt;
/// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
/// # }
/// # std::fs::remove_dir_all(dir).ok();
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = sibling(path, &format!("tmp-{}", std::process::id()));
    let mut file = private_options().truncate(true).open(&tmp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Some(dir) = dir
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// An exclusive inter-process lock on `<path>.lock` (created 0600 next to `path`), held until
/// the returned file is dropped. Every writer of `path` takes it around its read-modify-write so
/// that two processes cannot lose each other's updates.
pub(crate) fn lock_exclusive(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = private_options().open(sibling(path, "lock"))?;
    file.lock()?;
    Ok(file)
}

/// `path` with `.suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn private_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}
