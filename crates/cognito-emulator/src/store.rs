//! The storage layer: one SQLite database in WAL mode, the source of truth for everything the
//! emulator knows.
//!
//! Layout (inspect it with `sqlite3 FILE .schema`):
//!
//! - `meta`: the schema version, the state version (bumped by every commit that changes a pool
//!   or the globals) and `globals` (sign-in lockouts, the simulation secret, risk configurations:
//!   one JSON document);
//! - `pools`: one JSON document per pool (spec, clients, groups, signing key, identity
//!   providers): small, read whole;
//! - `users`: one row per user, its record as JSON, with the columns the lookups need indexed
//!   (lower-case username, `sub`, lower-case email, phone number, lower-case preferred username);
//! - `refresh_tokens`, `revoked_origins`, `outbox`, `sessions` (challenge sessions, so a sign-in
//!   in progress survives a restart), `auth_events`, `oauth_grants` (the managed login's
//!   authorization codes and signed-in browser sessions, [`crate::hosted`]): one row per record,
//!   with the expiry the pruning uses.
//!
//! Every request runs in one transaction ([`crate::inner::Ctx`]); it is acknowledged only after
//! its commit. Pools and globals are cached in memory, keyed by the state version read inside
//! the transaction, so a request never sees a cache older than its snapshot.

use crate::error::{ApiError, internal};
use crate::state::{Globals, Pool};
use crate::txn::State;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The schema this build writes (`meta.schema`).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pools(id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users(
    pool TEXT NOT NULL,
    username TEXT NOT NULL,
    username_lc TEXT NOT NULL,
    sub TEXT NOT NULL,
    email_lc TEXT,
    phone TEXT,
    preferred_lc TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY(pool, username)
);
CREATE INDEX IF NOT EXISTS users_username_lc ON users(pool, username_lc);
CREATE INDEX IF NOT EXISTS users_sub ON users(pool, sub);
CREATE INDEX IF NOT EXISTS users_email ON users(pool, email_lc) WHERE email_lc IS NOT NULL;
CREATE INDEX IF NOT EXISTS users_phone ON users(pool, phone) WHERE phone IS NOT NULL;
CREATE INDEX IF NOT EXISTS users_preferred ON users(pool, preferred_lc) WHERE preferred_lc IS NOT NULL;
CREATE TABLE IF NOT EXISTS refresh_tokens(
    token TEXT PRIMARY KEY,
    pool TEXT NOT NULL,
    username TEXT NOT NULL,
    expires INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens(pool, username);
CREATE INDEX IF NOT EXISTS refresh_tokens_expires ON refresh_tokens(expires);
CREATE TABLE IF NOT EXISTS revoked_origins(
    pool TEXT NOT NULL,
    origin_jti TEXT NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY(pool, origin_jti)
);
CREATE TABLE IF NOT EXISTS outbox(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pool TEXT NOT NULL,
    username TEXT NOT NULL,
    at INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_user ON outbox(pool, username);
CREATE INDEX IF NOT EXISTS outbox_at ON outbox(at);
CREATE TABLE IF NOT EXISTS sessions(
    id TEXT PRIMARY KEY,
    pool TEXT NOT NULL,
    expires INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires);
CREATE TABLE IF NOT EXISTS oauth_grants(
    id TEXT PRIMARY KEY,
    pool TEXT NOT NULL,
    expires INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS oauth_grants_expires ON oauth_grants(expires);
CREATE TABLE IF NOT EXISTS auth_events(
    pool TEXT NOT NULL,
    sub TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY(pool, sub)
);
";

/// How a connection waits for another one's write lock (SQLite's busy handler; `tries` counts
/// the waits so far): 50 µs at a time for the first 200 tries, then 1 ms at a time, about 10 s in
/// all, after which the request fails. SQLite's own `busy_timeout` sleeps 1, 2, 5, 10, 15, 20,
/// 25... ms: a sign-in that met another one's commit (well under a millisecond) slept
/// milliseconds, which bounded sign-ins per second whatever the CPUs.
fn busy_wait(tries: i32) -> bool {
    match tries {
        0..200 => std::thread::sleep(std::time::Duration::from_micros(50)),
        200..10_200 => std::thread::sleep(std::time::Duration::from_millis(1)),
        _ => return false,
    }
    true
}

/// What a state path holds.
#[derive(Debug, PartialEq, Eq)]
enum FileKind {
    Missing,
    Sqlite,
    Json,
}

fn file_kind(path: &Path) -> Result<FileKind, String> {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::Missing),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(head.get_mut(n..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    let head = head.get(..n).unwrap_or_default();
    if head.is_empty() {
        return Ok(FileKind::Missing);
    }
    if head == b"SQLite format 3\0" {
        return Ok(FileKind::Sqlite);
    }
    if head
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
    {
        return Ok(FileKind::Json);
    }
    Err(format!(
        "{} is neither an emulator database (SQLite) nor a JSON state file; choose another --state path",
        path.display()
    ))
}

/// Where a temporary database lives (an emulator without a state file): removed with the store.
#[derive(Debug)]
pub(crate) struct TempFile(PathBuf);

impl TempFile {
    /// A new name in the temporary directory (nothing is created).
    pub fn new() -> TempFile {
        TempFile(std::env::temp_dir().join(format!(
            "cognito-emulator-{}-{}.db",
            std::process::id(),
            crate::rng::Rng::new(None).lower_alnum(12)
        )))
    }

    #[cfg(feature = "fuzzing")]
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

/// Pools and globals as of one state version, with their JSON (to tell what a request changed).
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub version: i64,
    pub pools: BTreeMap<String, Pool>,
    pub pool_json: BTreeMap<String, String>,
    pub globals: Globals,
    pub globals_json: String,
}

/// The database: its path, a pool of connections, the lock that keeps other emulators out, and
/// the cache of pools and globals.
#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    durable: bool,
    idle: Mutex<Vec<Connection>>,
    cache: Mutex<Arc<Snapshot>>,
    /// The pools' signing keys, parsed once (by key id): parsing validates the RSA key.
    key_pairs: Mutex<BTreeMap<String, Arc<ring::signature::RsaKeyPair>>>,
    /// Emulator time (unix seconds) of the last pruning.
    pub last_prune: Mutex<i64>,
    /// Held (an exclusive lock on `<path>.lock`) for the store's life.
    _lock: std::fs::File,
    _temp: Option<TempFile>,
}

/// A connection checked out of the store's pool; returned when dropped.
#[derive(Debug)]
pub(crate) struct Conn {
    conn: Option<Connection>,
    store: Arc<Store>,
}

impl std::ops::Deref for Conn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Present from checkout until drop.
        #[allow(clippy::unwrap_used)]
        self.conn.as_ref().unwrap()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            // A connection left inside a transaction (a panic) is not reused.
            if c.is_autocommit()
                && let Ok(mut idle) = self.store.idle.lock()
                && idle.len() < 64
            {
                idle.push(c);
            }
        }
    }
}

/// What [`Store::open`] did, for the start-up message.
#[derive(Debug, Default)]
pub(crate) struct Opened {
    /// The JSON state file imported into the database, if one was.
    pub imported_from: Option<PathBuf>,
    /// The database file (for an emulator with a state path).
    pub database: Option<PathBuf>,
}

fn db_err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
}

impl Store {
    /// Opens (creating it if needed) the database of a state path; without one, a temporary
    /// database removed when the store is dropped. A JSON state file of the previous format is
    /// imported into `<path>.sqlite` (the JSON file is left as it is).
    pub fn open(state: Option<&Path>) -> Result<(Store, Opened), String> {
        let (path, durable, temp, legacy) = match state {
            Some(p) => {
                let dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                if !dir.is_dir() {
                    return Err(format!(
                        "the directory of the state file {} does not exist ({}); create it or choose another --state path",
                        p.display(),
                        dir.display()
                    ));
                }
                match file_kind(p)? {
                    FileKind::Missing | FileKind::Sqlite => (p.to_path_buf(), true, None, None),
                    FileKind::Json => {
                        let mut db = p.to_path_buf().into_os_string();
                        db.push(".sqlite");
                        let db = PathBuf::from(db);
                        let legacy = match file_kind(&db)? {
                            FileKind::Missing => Some(p.to_path_buf()),
                            FileKind::Sqlite => None,
                            FileKind::Json => {
                                return Err(format!(
                                    "{} holds JSON; move it away to import {}",
                                    db.display(),
                                    p.display()
                                ));
                            }
                        };
                        (db, true, None, legacy)
                    }
                }
            }
            None => {
                let t = TempFile::new();
                (t.0.clone(), false, Some(t), None)
            }
        };
        Self::open_at(path, durable, temp, legacy)
    }

    /// A temporary database that starts as a copy of the database `from` (the fuzzing harness:
    /// every run from the same template).
    #[cfg(feature = "fuzzing")]
    pub fn open_copy(from: &Path) -> Result<Store, String> {
        let t = TempFile::new();
        std::fs::copy(from, &t.0).map_err(|e| db_err(from, e))?;
        Self::open_at(t.0.clone(), false, Some(t), None).map(|(s, _)| s)
    }

    /// Writes a consistent copy of the database to `to` (`VACUUM INTO`).
    #[cfg(feature = "fuzzing")]
    pub fn copy_to(&self, to: &Path) -> Result<(), String> {
        let conn = self.connect()?;
        conn.execute("VACUUM INTO ?1", [to.to_string_lossy()])
            .map(|_| ())
            .map_err(|e| db_err(to, e))
    }

    fn open_at(
        path: PathBuf,
        durable: bool,
        temp: Option<TempFile>,
        legacy: Option<PathBuf>,
    ) -> Result<(Store, Opened), String> {
        let mut opened = Opened::default();
        let lock = Self::lock(&path)?;
        {
            // The state holds the pools' private signing keys, SRP verifiers and TOTP secrets:
            // readable by its owner only (SQLite gives its -wal and -shm files the same mode).
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            options.open(&path).map_err(|e| db_err(&path, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
            }
        }
        let store = Store {
            path: path.clone(),
            durable,
            idle: Mutex::new(Vec::new()),
            cache: Mutex::new(Arc::new(Snapshot {
                version: -1,
                ..Snapshot::default()
            })),
            key_pairs: Mutex::new(BTreeMap::new()),
            last_prune: Mutex::new(i64::MIN),
            _lock: lock,
            _temp: temp,
        };
        let conn = store.connect()?;
        conn.execute_batch(SCHEMA).map_err(|e| db_err(&path, e))?;
        let schema: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| db_err(&path, e))?;
        match schema.as_deref().map(str::parse::<i64>) {
            None => {
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema', ?1), ('version', '0')",
                    params![SCHEMA_VERSION.to_string()],
                )
                .map_err(|e| db_err(&path, e))?;
            }
            Some(Ok(SCHEMA_VERSION)) => {}
            Some(v) => {
                return Err(format!(
                    "{}: database schema {v:?} is not the one this emulator writes ({SCHEMA_VERSION}); use a matching emulator or another --state path",
                    path.display()
                ));
            }
        }
        if let Some(json) = legacy {
            crate::import::import_json(&conn, &json).inspect_err(|_| {
                // Nothing half-imported stays behind: the next start tries again.
                drop(std::fs::remove_file(&path));
            })?;
            opened.imported_from = Some(json);
        }
        if durable {
            opened.database = Some(path);
        }
        store.checkin(conn);
        Ok((store, opened))
    }

    /// Takes the exclusive lock of a database (`<path>.lock`): a second emulator on the same
    /// state is refused.
    fn lock(path: &Path) -> Result<std::fs::File, String> {
        let mut p = path.to_path_buf().into_os_string();
        p.push(".lock");
        let p = PathBuf::from(p);
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .map_err(|e| db_err(&p, e))?;
        match f.try_lock() {
            Ok(()) => Ok(f),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "{} is in use by another emulator (it holds {}); stop it or choose another --state path",
                path.display(),
                p.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(db_err(&p, e)),
        }
    }

    fn connect(&self) -> Result<Connection, String> {
        let path = &self.path;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_err(path, e))?;
        conn.busy_handler(Some(busy_wait))
            .map_err(|e| db_err(path, e))?;
        // WAL: readers never wait for the writer. FULL: a commit is on disk when it returns
        // (durable state file); a temporary database need not survive a crash.
        let sync = if self.durable { "FULL" } else { "OFF" };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA foreign_keys = OFF;"
        ))
        .map_err(|e| db_err(path, e))?;
        Ok(conn)
    }

    fn checkin(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    /// A connection from the pool (a new one when none is idle).
    pub fn checkout(self: &Arc<Self>) -> Result<Conn, ApiError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => self.connect().map_err(internal)?,
        };
        Ok(Conn {
            conn: Some(conn),
            store: self.clone(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Pools and globals as of `version`, from the cache or (when it is older) the database,
    /// read through `conn` inside the caller's transaction.
    pub fn snapshot(&self, conn: &Connection, version: i64) -> Result<Arc<Snapshot>, ApiError> {
        if let Ok(c) = self.cache.lock()
            && c.version == version
        {
            return Ok(c.clone());
        }
        let mut snap = Snapshot {
            version,
            ..Snapshot::default()
        };
        let mut stmt = conn
            .prepare("SELECT id, doc FROM pools")
            .map_err(internal)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(internal)?;
        for row in rows {
            let (id, doc) = row.map_err(internal)?;
            let pool: Pool = serde_json::from_str(&doc).map_err(internal)?;
            snap.pools.insert(id.clone(), pool);
            snap.pool_json.insert(id, doc);
        }
        let globals: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'globals'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(internal)?;
        if let Some(g) = globals {
            snap.globals = serde_json::from_str(&g).map_err(internal)?;
            snap.globals_json = g;
        } else {
            snap.globals_json = serde_json::to_string(&snap.globals).map_err(internal)?;
        }
        let snap = Arc::new(snap);
        self.install(snap.clone());
        Ok(snap)
    }

    /// The newest snapshot this process has committed or read: what the endpoints that read
    /// only immutable pool data (JWKS, OpenID discovery) serve from memory, without a
    /// transaction. Installed after each commit and before its answer leaves, so a request sees
    /// at least every change already answered. Version -1 (no pools) until the first request.
    pub fn cached(&self) -> Option<Arc<Snapshot>> {
        self.cache.lock().ok().map(|c| c.clone())
    }

    /// A signing key parsed before, by key id.
    pub fn key_pair(&self, kid: &str) -> Option<Arc<ring::signature::RsaKeyPair>> {
        self.key_pairs.lock().ok()?.get(kid).cloned()
    }

    /// Keeps a parsed signing key (parsed outside the lock).
    pub fn remember_key_pair(&self, kid: &str, pair: Arc<ring::signature::RsaKeyPair>) {
        if let Ok(mut k) = self.key_pairs.lock() {
            k.insert(kid.to_owned(), pair);
        }
    }

    /// Makes a snapshot the cached one, unless the cache already holds a newer one.
    pub fn install(&self, snap: Arc<Snapshot>) {
        if let Ok(mut c) = self.cache.lock()
            && c.version < snap.version
        {
            *c = snap;
        }
    }
}

/// Begins a transaction on `conn` and builds the request's [`State`] from the snapshot it sees.
/// `immediate` takes the write lock at once (a retry after a conflict).
pub(crate) fn begin(store: &Arc<Store>, immediate: bool) -> Result<State, ApiError> {
    let conn = store.checkout()?;
    conn.execute_batch(if immediate {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN DEFERRED"
    })
    .map_err(crate::txn::db_error)?;
    let version: i64 = conn
        .query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| {
            r.get::<_, String>(0)
        })
        .map_err(crate::txn::db_error)?
        .parse()
        .map_err(internal)?;
    let snap = store.snapshot(&conn, version)?;
    Ok(State::new(conn, snap))
}
