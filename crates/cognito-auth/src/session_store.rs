//! Where a signed-in [`Session`](crate::Session) is kept between runs: the [`SessionStore`]
//! trait, a memory store and an atomic 0600 file store. The stored form is [`SessionState`],
//! versioned serde JSON.

use crate::SessionState;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why a session store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionStoreError {
    /// Reading or writing the file failed.
    #[error("session file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file is not a session this version can read (it is left untouched).
    #[error("session file {path} cannot be read ({reason}): sign in again to replace it")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Keeps one signed-in session. The [`Session`](crate::Session) handle saves its state after
/// every sign-in and refresh (so a rotated refresh token is never lost) and clears it on sign-out.
/// Implementations must be safe to share between tasks.
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// The kept session, if any.
    fn load(&self) -> Result<Option<SessionState>, SessionStoreError>;
    /// Keeps this session (replacing the previous one).
    fn save(&self, state: &SessionState) -> Result<(), SessionStoreError>;
    /// Forgets the kept session.
    fn clear(&self) -> Result<(), SessionStoreError>;
}

/// A session kept in memory for the life of the process.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    state: Mutex<Option<SessionState>>,
}

impl MemorySessionStore {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<SessionState>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SessionStore for MemorySessionStore {
    fn load(&self) -> Result<Option<SessionState>, SessionStoreError> {
        Ok(self.slot().clone())
    }

    fn save(&self, state: &SessionState) -> Result<(), SessionStoreError> {
        *self.slot() = Some(state.clone());
        Ok(())
    }

    fn clear(&self) -> Result<(), SessionStoreError> {
        *self.slot() = None;
        Ok(())
    }
}

/// A session kept in a JSON file readable by its owner only (mode 0600), replaced atomically
/// (a crash leaves the old session or the new one, never a mix). A file that cannot be read is
/// reported and left untouched.
///
/// ```
/// use cognito_auth::{FileSessionStore, SessionStore};
/// let dir = std::env::temp_dir().join(format!("session-store-doc-{}", std::process::id()));
/// let store = FileSessionStore::new(dir.join("session.json"));
/// assert!(store.load()?.is_none());
/// # std::fs::remove_dir_all(dir).ok();
/// # Ok::<(), cognito_auth::SessionStoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileSessionStore {
    path: PathBuf,
}

impl FileSessionStore {
    /// A store at this path (created on the first save, with its directories).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSessionStore { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> SessionStoreError {
        SessionStoreError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

impl SessionStore for FileSessionStore {
    fn load(&self) -> Result<Option<SessionState>, SessionStoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        SessionState::from_json(&bytes)
            .map(Some)
            .map_err(|reason| SessionStoreError::Unreadable {
                path: self.path.clone(),
                reason,
            })
    }

    fn save(&self, state: &SessionState) -> Result<(), SessionStoreError> {
        let bytes = state.to_json();
        crate::write_private_file(&self.path, &bytes).map_err(|e| self.io(e))
    }

    fn clear(&self) -> Result<(), SessionStoreError> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.io(e)),
            _ => Ok(()),
        }
    }
}
