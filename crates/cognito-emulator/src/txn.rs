//! One request's transaction: [`State`], the records a request reads and writes, and [`Ctx`],
//! the handle operations receive (the shared [`Inner`] plus the request's state).
//!
//! Invariants:
//! - a request runs inside one SQLite transaction, begun before its first read; every row it
//!   writes goes into that transaction, pools and globals at its end;
//! - its answer leaves only after the commit; when the commit (or any write before it) fails,
//!   the transaction is rolled back and the answer is an internal error: nothing of the request
//!   remains;
//! - a request that answers an error is rolled back too, unless it marked what it did as kept
//!   ([`State::keep`]: a wrong code counted, a failed sign-in counted toward the lockout, a
//!   challenge session used up);
//! - a request reads on its snapshot without any lock (WAL: readers never wait for the writer) and
//!   takes SQLite's write lock at its first write, which comes after its SRP and RSA math. When
//!   another request committed since its snapshot began (SQLite refuses the upgrade: `BUSY`), the
//!   request's reads so far are replayed under the write lock on the newest snapshot
//!   ([`State::revalidate`]): when every one gives the same rows (and pools and globals are at the
//!   same version), what the request computed stands and its writes go ahead, without redoing its
//!   math; otherwise (a real conflict) it is rolled back and run again from the start, on a fresh
//!   snapshot; its last attempts take the write lock when they begin, so they cannot conflict.

use crate::coverage::Extras;
use crate::error::{ApiError, internal};
use crate::events::AuthEvent;
use crate::inner::Inner;
use crate::lockout::FailureTable;
use crate::spec::OutboxMessage;
use crate::state::{Globals, Pool, RefreshRecord, Session, User, client_not_found, pool_not_found};
use crate::store::{Conn, Snapshot};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{ToSql, params};
use std::cell::{Cell, RefCell, RefMut};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Outbox messages are kept this long (seconds of emulator time; a sign-up code lives 24 hours).
pub(crate) const OUTBOX_KEEP_SECS: i64 = 7 * 24 * 3600;
/// Pruning of expired rows runs at most this often (seconds of emulator time), inside a
/// request that writes anyway.
pub(crate) const PRUNE_EVERY_SECS: i64 = 60;
/// A revoked token origin is remembered this long: longer than any access or id token lives.
pub(crate) const REVOKED_KEEP_SECS: i64 = 24 * 3600 + 3600;

/// The records one request works on: pools and globals (copied from the snapshot the
/// transaction sees), and the database rows through the open transaction.
#[derive(Debug)]
pub(crate) struct State {
    pub pools: BTreeMap<String, Pool>,
    pub signin_failures: FailureTable,
    pub simulation_secret: String,
    pub extras: Extras,
    conn: Conn,
    base: Arc<Snapshot>,
    /// Outbox messages to append to the outbox log once committed.
    logged: RefCell<Vec<OutboxMessage>>,
    /// Sessions taken (single use): deleted at the commit, so that a sign-in takes the write
    /// lock only after its SRP and RSA math ([`State::take_session`]).
    taken: RefCell<std::collections::BTreeSet<String>>,
    /// A row was written (the transaction holds the write lock).
    wrote: Cell<bool>,
    /// Commit even if the request answers an error ([`State::keep`]).
    keep: Cell<bool>,
    /// Another request's commit conflicted with this one: run it again.
    busy: Cell<bool>,
    /// A database error: the transaction must not commit.
    failed: RefCell<Option<String>>,
    /// The reads done before the first write, to replay on a newer snapshot.
    reads: RefCell<ReadLog>,
    /// Users changed through [`UserMut`], not yet written: written before the request's next
    /// write or any read that could see them other than by username (so a sign-in that updates
    /// its user's devices takes the write lock after signing its tokens, not before).
    pending: RefCell<BTreeMap<(String, String), User>>,
}

/// Row data kept for replay at most (bytes, about); beyond, a conflict re-runs the request.
const READ_LOG_MAX: usize = 1 << 20;

/// One read of a request: its query, parameters and the rows it gave.
#[derive(Debug)]
struct Read {
    sql: String,
    params: Vec<Value>,
    first_only: bool,
    rows: Vec<Vec<Value>>,
}

/// The reads a request did before it took the write lock ([`State::revalidate`]).
#[derive(Debug, Default)]
struct ReadLog {
    reads: Vec<Read>,
    bytes: usize,
    /// Too much to keep (or a parameter that cannot be kept): no replay.
    overflow: bool,
}

fn value_size(v: &Value) -> usize {
    16 + match v {
        Value::Text(t) => t.len(),
        Value::Blob(b) => b.len(),
        _ => 0,
    }
}

/// A parameter as an owned value (to bind again at a replay).
fn owned_param(p: &dyn ToSql) -> Option<Value> {
    match p.to_sql().ok()? {
        ToSqlOutput::Borrowed(v) => Some(Value::from(v)),
        ToSqlOutput::Owned(v) => Some(v),
        _ => None,
    }
}

/// The database columns of a user derived from its record (the lookups' indexes).
pub(crate) fn user_columns(u: &User) -> (String, Option<String>, Option<String>, Option<String>) {
    let lc = |a: &str| u.attr(a).map(str::to_ascii_lowercase);
    (
        u.username.to_ascii_lowercase(),
        lc("email"),
        lc("phone_number"),
        lc("preferred_username"),
    )
}

/// The indexed column holding an alias attribute (lower case), and its index.
fn alias_column(attr: &str) -> Option<(&'static str, &'static str)> {
    match attr {
        "email" => Some(("email_lc", "users_email")),
        "phone_number" => Some(("phone", "users_phone")),
        "preferred_username" => Some(("preferred_lc", "users_preferred")),
        _ => None,
    }
}

/// A user's record by internal username (the primary key).
const USER_BY_NAME: &str = "SELECT doc FROM users WHERE pool = ?1 AND username = ?2";
/// A user's internal username, exact (the primary key).
const USERNAME_BY_NAME: &str = "SELECT username FROM users WHERE pool = ?1 AND username = ?2";
// The lookups below name their index: without statistics SQLite's planner prefers the primary
// key (pool, username), a scan of the whole pool per lookup (`user_lookups_use_an_index`).
/// A user's internal username, case-insensitive.
const USERNAME_BY_LC: &str = "SELECT min(username) FROM users INDEXED BY users_username_lc WHERE pool = ?1 AND username_lc = ?2";
/// A user's internal username by `sub`.
const USERNAME_BY_SUB: &str =
    "SELECT min(username) FROM users INDEXED BY users_sub WHERE pool = ?1 AND sub = ?2";

/// The first user (by username) other than `?3` with an alias attribute's value.
fn username_by_alias(col: &str, index: &str) -> String {
    format!(
        "SELECT min(username) FROM users INDEXED BY {index} WHERE pool = ?1 AND {col} = ?2 AND username != ?3"
    )
}

pub(crate) fn db_error(e: rusqlite::Error) -> ApiError {
    internal(format!("state database: {e}"))
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl State {
    pub(crate) fn new(conn: Conn, base: Arc<Snapshot>) -> State {
        State {
            pools: base.pools.clone(),
            signin_failures: base.globals.signin_failures.clone(),
            simulation_secret: base.globals.simulation_secret.clone(),
            extras: base.globals.extras.clone(),
            conn,
            base,
            logged: RefCell::new(Vec::new()),
            taken: RefCell::new(std::collections::BTreeSet::new()),
            wrote: Cell::new(false),
            keep: Cell::new(false),
            busy: Cell::new(false),
            failed: RefCell::new(None),
            reads: RefCell::new(ReadLog::default()),
            pending: RefCell::new(BTreeMap::new()),
        }
    }

    /// Marks what the request changed as kept even if it answers an error: a wrong code counted
    /// against its code, a failed sign-in counted toward the lockout, a challenge session used
    /// up, a sign-in event. Without it, a request that answers an error is rolled back.
    pub fn keep(&self) {
        self.keep.set(true);
    }

    /// Undoes [`State::keep`]: a trigger failed after a step that would have been kept, and
    /// nothing of the request may remain.
    pub fn unkeep(&self) {
        self.keep.set(false);
    }

    /// Records a database error (the request will not commit) and turns it into an answer.
    fn fail(&self, e: rusqlite::Error) -> ApiError {
        if is_busy(&e) {
            self.busy.set(true);
        }
        let mut f = self.failed.borrow_mut();
        if f.is_none() {
            *f = Some(e.to_string());
        }
        db_error(e)
    }

    fn write(&self, sql: &str, p: &[&dyn ToSql]) -> Result<usize, ApiError> {
        // After a failed write the transaction may be gone (a failed revalidation): nothing more
        // is written, so nothing can land outside it.
        if self.failed.borrow().is_some() {
            return Err(internal("a write failed; the request changed nothing"));
        }
        self.flush()?;
        let first = !self.wrote.replace(true);
        let out = {
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
            stmt.execute(p)
        };
        match out {
            Ok(n) => Ok(n),
            // The first write upgrades the snapshot to the write lock; SQLite refuses when
            // another request committed since the snapshot began.
            Err(e) if first && is_busy(&e) => {
                if self.revalidate() {
                    let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
                    stmt.execute(p).map_err(|e| self.fail(e))
                } else {
                    Err(self.fail(e))
                }
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Moves the transaction to the newest snapshot under the write lock, keeping what the
    /// request computed: true when every read it did before gives the same rows there (and the
    /// pools and globals are at the same version). Otherwise the request must run again.
    fn revalidate(&self) -> bool {
        let log = self.reads.borrow();
        if log.overflow
            || self
                .conn
                .execute_batch("ROLLBACK; BEGIN IMMEDIATE")
                .is_err()
        {
            return false;
        }
        let version = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| {
                r.get::<_, String>(0)
            })
            .ok()
            .and_then(|v| v.parse::<i64>().ok());
        if version != Some(self.base.version) {
            return false;
        }
        log.reads.iter().all(|read| {
            self.rows(
                &read.sql,
                rusqlite::params_from_iter(&read.params),
                read.first_only,
            )
            .is_ok_and(|rows| rows == read.rows)
        })
    }

    /// The rows of a query (the first only when `first_only`), each column as a value.
    fn rows(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        first_only: bool,
    ) -> Result<Vec<Vec<Value>>, rusqlite::Error> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(p)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(r.get::<_, Value>(i)?);
            }
            out.push(row);
            if first_only {
                break;
            }
        }
        Ok(out)
    }

    /// Writes the users changed through [`UserMut`] so far.
    fn flush(&self) -> Result<(), ApiError> {
        if self.pending.borrow().is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        for ((pool_id, _), user) in &pending {
            self.put_user(pool_id, user)?;
        }
        Ok(())
    }

    /// Runs a read (after writing the pending users, which it could see) and, until the request
    /// holds the write lock, logs it for [`State::revalidate`].
    fn read(
        &self,
        sql: &str,
        p: &[&dyn ToSql],
        first_only: bool,
    ) -> Result<Vec<Vec<Value>>, ApiError> {
        self.flush()?;
        self.read_unflushed(sql, p, first_only)
    }

    /// [`State::read`] without writing the pending users: for the lookups they cannot change
    /// (by username, lower-case username or `sub`, all immutable; a pending user is read from
    /// memory).
    fn read_unflushed(
        &self,
        sql: &str,
        p: &[&dyn ToSql],
        first_only: bool,
    ) -> Result<Vec<Vec<Value>>, ApiError> {
        let rows = self.rows(sql, p, first_only).map_err(|e| self.fail(e))?;
        if !self.wrote.get() {
            let mut log = self.reads.borrow_mut();
            if !log.overflow {
                let params: Option<Vec<Value>> = p.iter().map(|v| owned_param(*v)).collect();
                let size: usize = rows.iter().flatten().map(value_size).sum::<usize>()
                    + sql.len()
                    + params.iter().flatten().map(value_size).sum::<usize>();
                log.bytes = log.bytes.saturating_add(size);
                match params {
                    Some(params) if log.bytes <= READ_LOG_MAX => log.reads.push(Read {
                        sql: sql.to_owned(),
                        params,
                        first_only,
                        rows: rows.clone(),
                    }),
                    _ => {
                        log.overflow = true;
                        log.reads = Vec::new();
                    }
                }
            }
        }
        Ok(rows)
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, doc: &str) -> Result<T, ApiError> {
        serde_json::from_str(doc).map_err(internal)
    }

    fn encode<T: serde::Serialize>(&self, v: &T) -> Result<String, ApiError> {
        serde_json::to_string(v).map_err(internal)
    }

    /// The first column of the first row of a query, if any.
    fn one<T: rusqlite::types::FromSql>(
        &self,
        sql: &str,
        p: &[&dyn ToSql],
    ) -> Result<Option<T>, ApiError> {
        self.flush()?;
        self.one_unflushed(sql, p)
    }

    /// [`State::one`] through [`State::read_unflushed`].
    fn one_unflushed<T: rusqlite::types::FromSql>(
        &self,
        sql: &str,
        p: &[&dyn ToSql],
    ) -> Result<Option<T>, ApiError> {
        let rows = self.read_unflushed(sql, p, true)?;
        rows.first()
            .and_then(|r| r.first())
            .map(|v| T::column_result(ValueRef::from(v)).map_err(internal))
            .transpose()
    }

    /// The first column of every row of a query, as text.
    fn docs(&self, sql: &str, p: &[&dyn ToSql]) -> Result<Vec<String>, ApiError> {
        self.read(sql, p, false)?
            .iter()
            .map(|r| match r.first() {
                Some(Value::Text(t)) => Ok(t.clone()),
                other => Err(internal(format!("state database: not text: {other:?}"))),
            })
            .collect()
    }

    // ---- pools ----

    pub fn pool(&self, id: &str) -> Result<&Pool, ApiError> {
        self.pools.get(id).ok_or_else(|| pool_not_found(id))
    }

    pub fn pool_mut(&mut self, id: &str) -> Result<&mut Pool, ApiError> {
        self.pools.get_mut(id).ok_or_else(|| pool_not_found(id))
    }

    /// The pool of an app client.
    pub fn pool_of_client(&self, client_id: &str) -> Result<String, ApiError> {
        self.pools
            .values()
            .find(|p| p.clients.contains_key(client_id))
            .map(|p| p.id.clone())
            .ok_or_else(|| client_not_found(client_id))
    }

    // ---- users ----

    /// The user with this internal username.
    pub fn user(&self, pool_id: &str, username: &str) -> Result<Option<User>, ApiError> {
        if let Some(u) = self
            .pending
            .borrow()
            .get(&(pool_id.to_owned(), username.to_owned()))
        {
            return Ok(Some(u.clone()));
        }
        self.one_unflushed::<String>(USER_BY_NAME, params![pool_id, username])?
            .map(|d| self.decode(&d))
            .transpose()
    }

    /// A user's internal username from a sign-in name: the username (exact, then
    /// case-insensitive), an email / phone number used as username or alias, or the `sub`.
    pub fn find_user(&self, pool_id: &str, name: &str) -> Result<Option<String>, ApiError> {
        let Some(pool) = self.pools.get(pool_id) else {
            return Ok(None);
        };
        if let Some(u) = self.one_unflushed::<String>(USERNAME_BY_NAME, params![pool_id, name])? {
            return Ok(Some(u));
        }
        let lc = name.to_ascii_lowercase();
        if let Some(u) = self
            .one_unflushed::<Option<String>>(USERNAME_BY_LC, params![pool_id, lc])?
            .flatten()
        {
            return Ok(Some(u));
        }
        let attrs: Vec<&String> = pool
            .spec
            .username_attributes
            .iter()
            .chain(pool.spec.alias_attributes.iter())
            .collect();
        for attr in attrs {
            if let Some(u) = self.user_with_attr(pool_id, attr, name, None)? {
                return Ok(Some(u));
            }
        }
        Ok(self
            .one_unflushed::<Option<String>>(USERNAME_BY_SUB, params![pool_id, name])?
            .flatten())
    }

    /// [`State::user`], a database error counting as "no user" (it has already doomed the
    /// request: it will be rolled back and answered with an internal error).
    pub fn get_user(&self, pool_id: &str, username: &str) -> Option<User> {
        self.user(pool_id, username).ok().flatten()
    }

    /// [`State::find_user`], a database error counting as "no user" (see [`State::get_user`]).
    pub fn lookup_user(&self, pool_id: &str, name: &str) -> Option<String> {
        self.find_user(pool_id, name).ok().flatten()
    }

    /// The user a sign-in name designates, to change: written back when the guard is dropped
    /// (if it changed).
    pub fn user_mut(&self, pool_id: &str, name: &str) -> Result<Option<UserMut<'_>>, ApiError> {
        match self.find_user(pool_id, name)? {
            Some(u) => self.user_exact_mut(pool_id, &u),
            None => Ok(None),
        }
    }

    /// The user with this internal username, to change ([`State::user_mut`]).
    pub fn user_exact_mut(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Option<UserMut<'_>>, ApiError> {
        let pending = self
            .pending
            .borrow()
            .get(&(pool_id.to_owned(), username.to_owned()))
            .map(|u| self.encode(u))
            .transpose()?;
        let doc = match pending {
            Some(doc) => doc,
            None => {
                let Some(doc) =
                    self.one_unflushed::<String>(USER_BY_NAME, params![pool_id, username])?
                else {
                    return Ok(None);
                };
                doc
            }
        };
        Ok(Some(UserMut {
            user: self.decode(&doc)?,
            before: doc,
            st: self,
            pool_id: pool_id.to_owned(),
        }))
    }

    /// The user a sign-in name designates ([`State::find_user`]).
    pub fn find_user_record(&self, pool_id: &str, name: &str) -> Result<Option<User>, ApiError> {
        match self.find_user(pool_id, name)? {
            Some(u) => self.user(pool_id, &u),
            None => Ok(None),
        }
    }

    /// The (first, by username) user other than `except` whose attribute `attr` equals `value`
    /// (ASCII case-insensitive).
    pub fn user_with_attr(
        &self,
        pool_id: &str,
        attr: &str,
        value: &str,
        except: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let except = except.unwrap_or("");
        match alias_column(attr) {
            Some((col, index)) => Ok(self
                .one::<Option<String>>(
                    &username_by_alias(col, index),
                    params![pool_id, value.to_ascii_lowercase(), except],
                )?
                .flatten()),
            None => {
                // Not an alias attribute: no index; a scan (never on a sign-in path).
                let mut found = None;
                self.for_each_user(pool_id, |u| {
                    if found.is_none()
                        && u.username != except
                        && u.attr(attr).is_some_and(|v| v.eq_ignore_ascii_case(value))
                    {
                        found = Some(u.username.clone());
                    }
                    Ok(())
                })?;
                Ok(found)
            }
        }
    }

    /// Inserts or replaces a user.
    pub fn put_user(&self, pool_id: &str, u: &User) -> Result<(), ApiError> {
        let (lc, email, phone, preferred) = user_columns(u);
        let doc = self.encode(u)?;
        self.write(
            "INSERT OR REPLACE INTO users(pool, username, username_lc, sub, email_lc, phone, preferred_lc, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![pool_id, u.username, lc, u.sub, email, phone, preferred, doc],
        )
        .map(|_| ())
    }

    /// [`State::put_user`], written later as a changed [`UserMut`] is (before the request's next
    /// write or a read that could see it, at the latest at the commit): a sign-in that changes
    /// its user takes the write lock after its triggers, not before.
    pub fn put_user_later(&self, pool_id: &str, u: &User) {
        self.pending
            .borrow_mut()
            .insert((pool_id.to_owned(), u.username.clone()), u.clone());
    }

    /// Deletes a user (its refresh tokens and sign-in events too).
    pub fn delete_user(&self, pool_id: &str, username: &str) -> Result<(), ApiError> {
        if let Some(sub) = self.one::<String>(
            "SELECT sub FROM users WHERE pool = ?1 AND username = ?2",
            params![pool_id, username],
        )? {
            self.write(
                "DELETE FROM auth_events WHERE pool = ?1 AND sub = ?2",
                params![pool_id, sub],
            )?;
        }
        self.write(
            "DELETE FROM users WHERE pool = ?1 AND username = ?2",
            params![pool_id, username],
        )?;
        self.write(
            "DELETE FROM refresh_tokens WHERE pool = ?1 AND username = ?2",
            params![pool_id, username],
        )?;
        Ok(())
    }

    /// Up to `limit` users, by username, after `after`.
    pub fn users_after(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<User>, ApiError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let docs = match after {
            Some(a) => self.docs(
                "SELECT doc FROM users WHERE pool = ?1 AND username > ?2 ORDER BY username LIMIT ?3",
                params![pool_id, a, limit],
            )?,
            None => self.docs(
                "SELECT doc FROM users WHERE pool = ?1 ORDER BY username LIMIT ?2",
                params![pool_id, limit],
            )?,
        };
        docs.iter().map(|d| self.decode(d)).collect()
    }

    /// Calls `f` with every user of a pool, by username (in pages: memory stays bounded).
    pub fn for_each_user(
        &self,
        pool_id: &str,
        mut f: impl FnMut(&User) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let mut after: Option<String> = None;
        loop {
            let page = self.users_after(pool_id, after.as_deref(), 500)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.username.clone());
            for u in &page {
                f(u)?;
            }
        }
    }

    /// How many users a pool has.
    pub fn user_count(&self, pool_id: &str) -> Result<usize, ApiError> {
        let n = self
            .one::<i64>(
                "SELECT count(*) FROM users WHERE pool = ?1",
                params![pool_id],
            )?
            .unwrap_or(0);
        Ok(usize::try_from(n).unwrap_or(0))
    }

    // ---- refresh tokens and revoked origins ----

    pub fn refresh_token(
        &self,
        pool_id: &str,
        token: &str,
    ) -> Result<Option<RefreshRecord>, ApiError> {
        self.one::<String>(
            "SELECT doc FROM refresh_tokens WHERE token = ?1 AND pool = ?2",
            params![token, pool_id],
        )?
        .map(|d| self.decode(&d))
        .transpose()
    }

    pub fn put_refresh_token(
        &self,
        pool_id: &str,
        token: &str,
        rec: &RefreshRecord,
    ) -> Result<(), ApiError> {
        let doc = self.encode(rec)?;
        self.write(
            "INSERT OR REPLACE INTO refresh_tokens(token, pool, username, expires, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token, pool_id, rec.username, rec.expires, doc],
        )
        .map(|_| ())
    }

    /// A user's refresh tokens (token, record).
    pub fn refresh_tokens_of(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Vec<(String, RefreshRecord)>, ApiError> {
        let rows = self.read(
            "SELECT token, doc FROM refresh_tokens WHERE pool = ?1 AND username = ?2 ORDER BY token",
            params![pool_id, username],
            false,
        )?;
        let mut out = Vec::new();
        for row in rows {
            match row.as_slice() {
                [Value::Text(t), Value::Text(d)] => out.push((t.clone(), self.decode(d)?)),
                other => {
                    return Err(internal(format!(
                        "state database: refresh token row {other:?}"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Revokes the access and id tokens of a sign-in (by `origin_jti`).
    pub fn revoke_origin(&self, pool_id: &str, origin: &str, now: i64) -> Result<(), ApiError> {
        self.write(
            "INSERT OR REPLACE INTO revoked_origins(pool, origin_jti, expires) VALUES (?1, ?2, ?3)",
            params![pool_id, origin, now.saturating_add(REVOKED_KEEP_SECS)],
        )
        .map(|_| ())
    }

    pub fn origin_revoked(&self, pool_id: &str, origin: &str) -> Result<bool, ApiError> {
        Ok(self
            .one::<i64>(
                "SELECT 1 FROM revoked_origins WHERE pool = ?1 AND origin_jti = ?2",
                params![pool_id, origin],
            )?
            .is_some())
    }

    // ---- outbox ----

    /// Adds a message to the outbox (and, after the commit, to the outbox log).
    pub fn push_outbox(&self, msg: OutboxMessage) -> Result<(), ApiError> {
        let doc = self.encode(&msg)?;
        self.write(
            "INSERT INTO outbox(pool, username, at, doc) VALUES (?1, ?2, ?3, ?4)",
            params![msg.pool_id, msg.username, msg.at, doc],
        )?;
        self.logged.borrow_mut().push(msg);
        Ok(())
    }

    /// Outbox messages, oldest first, optionally of one pool and / or user.
    pub fn outbox(
        &self,
        pool_id: Option<&str>,
        username: Option<&str>,
    ) -> Result<Vec<OutboxMessage>, ApiError> {
        let docs = self.docs(
            "SELECT doc FROM outbox WHERE (?1 IS NULL OR pool = ?1) AND (?2 IS NULL OR username = ?2) ORDER BY seq",
            params![pool_id, username],
        )?;
        docs.iter().map(|d| self.decode(d)).collect()
    }

    /// The latest outbox message of a user.
    pub fn latest_message(
        &self,
        pool_id: &str,
        username: &str,
    ) -> Result<Option<OutboxMessage>, ApiError> {
        self.one::<String>(
            "SELECT doc FROM outbox WHERE pool = ?1 AND username = ?2 ORDER BY seq DESC LIMIT 1",
            params![pool_id, username],
        )?
        .map(|d| self.decode(&d))
        .transpose()
    }

    // ---- challenge sessions ----

    pub fn put_session(&self, id: &str, s: &Session) -> Result<(), ApiError> {
        self.taken.borrow_mut().remove(id);
        let doc = self.encode(s)?;
        self.write(
            "INSERT OR REPLACE INTO sessions(id, pool, expires, doc) VALUES (?1, ?2, ?3, ?4)",
            params![id, s.pool_id, s.expires, doc],
        )
        .map(|_| ())
    }

    pub fn session(&self, id: &str) -> Result<Option<Session>, ApiError> {
        if self.taken.borrow().contains(id) {
            return Ok(None);
        }
        self.one::<String>("SELECT doc FROM sessions WHERE id = ?1", params![id])?
            .map(|d| self.decode(&d))
            .transpose()
    }

    /// Removes and returns a session (single use). The row is deleted at the commit: two
    /// requests racing for one session both read it, but only the first commit wins; the other
    /// conflicts, runs again and finds it gone.
    pub fn take_session(&self, id: &str) -> Result<Option<Session>, ApiError> {
        let s = self.session(id)?;
        if s.is_some() {
            self.taken.borrow_mut().insert(id.to_owned());
            // Used up, whatever the answer.
            self.keep();
        }
        Ok(s)
    }

    /// Changes a stored session, if it exists.
    pub fn update_session(&self, id: &str, f: impl FnOnce(&mut Session)) -> Result<(), ApiError> {
        if let Some(mut s) = self.session(id)? {
            f(&mut s);
            self.put_session(id, &s)?;
        }
        Ok(())
    }

    // ---- the managed login's codes and browser sessions ----

    /// Stores a grant of the OAuth 2.0 side under `id` until `expires`.
    pub fn put_grant<T: serde::Serialize>(
        &self,
        id: &str,
        pool_id: &str,
        expires: i64,
        doc: &T,
    ) -> Result<(), ApiError> {
        let doc = self.encode(doc)?;
        self.write(
            "INSERT OR REPLACE INTO oauth_grants(id, pool, expires, doc) VALUES (?1, ?2, ?3, ?4)",
            params![id, pool_id, expires, doc],
        )
        .map(|_| ())
    }

    /// A grant that has not expired, if it exists.
    pub fn grant<T: serde::de::DeserializeOwned>(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<T>, ApiError> {
        self.one::<String>(
            "SELECT doc FROM oauth_grants WHERE id = ?1 AND expires > ?2",
            params![id, now],
        )?
        .map(|d| self.decode(&d))
        .transpose()
    }

    /// Removes a grant (an authorization code is single use; a signed-out browser session).
    /// Two requests racing for one code both read it; the second one's delete conflicts at
    /// its commit, and its re-run finds the code gone.
    pub fn delete_grant(&self, id: &str) -> Result<(), ApiError> {
        self.write("DELETE FROM oauth_grants WHERE id = ?1", params![id])
            .map(|_| ())
    }

    // ---- sign-in events ----

    pub fn auth_events(&self, pool_id: &str, sub: &str) -> Result<Vec<AuthEvent>, ApiError> {
        self.one::<String>(
            "SELECT doc FROM auth_events WHERE pool = ?1 AND sub = ?2",
            params![pool_id, sub],
        )?
        .map(|d| self.decode(&d))
        .transpose()
        .map(Option::unwrap_or_default)
    }

    pub fn put_auth_events(
        &self,
        pool_id: &str,
        sub: &str,
        events: &[AuthEvent],
    ) -> Result<(), ApiError> {
        let doc = self.encode(&events)?;
        self.write(
            "INSERT OR REPLACE INTO auth_events(pool, sub, doc) VALUES (?1, ?2, ?3)",
            params![pool_id, sub, doc],
        )
        .map(|_| ())
    }

    // ---- commit ----

    /// Removes the rows of a deleted pool.
    fn delete_pool_rows(&self, pool_id: &str) -> Result<(), ApiError> {
        for table in [
            "users",
            "refresh_tokens",
            "revoked_origins",
            "sessions",
            "auth_events",
            "oauth_grants",
        ] {
            self.write(
                &format!("DELETE FROM {table} WHERE pool = ?1"),
                params![pool_id],
            )?;
        }
        self.write("DELETE FROM pools WHERE id = ?1", params![pool_id])?;
        Ok(())
    }

    /// Deletes expired sessions, refresh tokens, revoked origins and old outbox messages.
    fn prune(&self, now: i64) -> Result<(), ApiError> {
        self.write("DELETE FROM sessions WHERE expires <= ?1", params![now])?;
        self.write("DELETE FROM oauth_grants WHERE expires <= ?1", params![now])?;
        self.write(
            "DELETE FROM refresh_tokens WHERE expires <= ?1",
            params![now],
        )?;
        self.write(
            "DELETE FROM revoked_origins WHERE expires <= ?1",
            params![now],
        )?;
        self.write(
            "DELETE FROM outbox WHERE at <= ?1",
            params![now.saturating_sub(OUTBOX_KEEP_SECS)],
        )?;
        Ok(())
    }

    /// Writes the pools and globals the request changed and commits. Returns the new snapshot
    /// to cache (when pools or globals changed) and the messages for the outbox log.
    fn commit(
        self,
        prune_at: Option<i64>,
    ) -> Result<(Option<Arc<Snapshot>>, Vec<OutboxMessage>), Finish> {
        let state = self;
        let out = (|| -> Result<Option<Snapshot>, ApiError> {
            state.flush()?;
            for id in state.taken.borrow().iter() {
                state.write("DELETE FROM sessions WHERE id = ?1", params![id])?;
            }
            if let Some(now) = prune_at
                && state.wrote.get()
            {
                state.prune(now)?;
            }
            let mut pool_json = BTreeMap::new();
            let mut changed = false;
            for (id, pool) in &state.pools {
                let json = state.encode(pool)?;
                if state.base.pool_json.get(id) != Some(&json) {
                    state.write(
                        "INSERT OR REPLACE INTO pools(id, doc) VALUES (?1, ?2)",
                        params![id, json],
                    )?;
                    changed = true;
                }
                pool_json.insert(id.clone(), json);
            }
            for id in state.base.pools.keys() {
                if !state.pools.contains_key(id) {
                    state.delete_pool_rows(id)?;
                    changed = true;
                }
            }
            let globals = Globals {
                signin_failures: state.signin_failures.clone(),
                simulation_secret: state.simulation_secret.clone(),
                extras: state.extras.clone(),
            };
            let globals_json = state.encode(&globals)?;
            if globals_json != state.base.globals_json {
                state.write(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('globals', ?1)",
                    params![globals_json],
                )?;
                changed = true;
            }
            if !changed {
                return Ok(None);
            }
            let version = state.base.version + 1;
            state.write(
                "UPDATE meta SET value = ?1 WHERE key = 'version'",
                params![version.to_string()],
            )?;
            Ok(Some(Snapshot {
                version,
                pools: state.pools.clone(),
                pool_json,
                globals,
                globals_json,
            }))
        })();
        let rollback = |state: &State| {
            let _ = state.conn.execute_batch("ROLLBACK");
        };
        let snapshot = match out {
            Ok(s) => s,
            Err(e) => {
                rollback(&state);
                return Err(state.finish_error(e));
            }
        };
        if state.failed.borrow().is_some() {
            rollback(&state);
            let e = internal("a write failed; the request changed nothing");
            return Err(state.finish_error(e));
        }
        if let Err(e) = state.conn.execute_batch("COMMIT") {
            let busy = is_busy(&e);
            rollback(&state);
            return Err(if busy {
                Finish::Conflict
            } else {
                Finish::Failed(db_error(e))
            });
        }
        Ok((snapshot.map(Arc::new), state.logged.take()))
    }

    fn finish_error(&self, e: ApiError) -> Finish {
        if self.busy.get() {
            Finish::Conflict
        } else {
            Finish::Failed(e)
        }
    }

    /// Ends a read-only look (the embedded API's queries): nothing to write.
    fn rollback(self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}

/// A user being changed: when dropped, if it changed, it becomes pending ([`State::user`] reads
/// it from memory) and is written to the transaction before the request's next write or a read
/// that could see it, at the latest at the commit. A failed write dooms the request (it is
/// rolled back and answered with an internal error).
#[derive(Debug)]
pub(crate) struct UserMut<'a> {
    st: &'a State,
    pool_id: String,
    user: User,
    before: String,
}

impl std::ops::Deref for UserMut<'_> {
    type Target = User;
    fn deref(&self) -> &User {
        &self.user
    }
}

impl std::ops::DerefMut for UserMut<'_> {
    fn deref_mut(&mut self) -> &mut User {
        &mut self.user
    }
}

impl Drop for UserMut<'_> {
    fn drop(&mut self) {
        match serde_json::to_string(&self.user) {
            Ok(now) if now == self.before => {}
            Ok(_) => {
                // Written before the request's next write (or a read that could see it), at the
                // latest at the commit.
                self.st.pending.borrow_mut().insert(
                    (self.pool_id.clone(), self.user.username.clone()),
                    self.user.clone(),
                );
            }
            Err(e) => {
                let mut f = self.st.failed.borrow_mut();
                if f.is_none() {
                    *f = Some(e.to_string());
                }
            }
        }
    }
}

/// Why a transaction did not commit.
#[derive(Debug)]
enum Finish {
    /// Another request's write came first: run the request again.
    Conflict,
    /// Nothing was written; answer this.
    Failed(ApiError),
}

/// What an operation receives: the shared core (through `Deref`) and the request's state.
#[derive(Debug)]
pub(crate) struct Ctx {
    inner: Arc<Inner>,
    state: RefCell<State>,
    /// The request's triggers: kept across its attempts (answers are not asked for twice).
    triggers: std::rc::Rc<crate::triggers::Scope>,
}

impl std::ops::Deref for Ctx {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl Ctx {
    /// The request's state. Borrowed for one step at a time, never across another `lock`.
    pub fn lock(&self) -> RefMut<'_, State> {
        self.state.borrow_mut()
    }

    /// The request's trigger context ([`crate::triggers`]).
    pub fn triggers(&self) -> &crate::triggers::Scope {
        &self.triggers
    }

    /// Puts a message in the outbox, with the text of the pool's custom message function when
    /// it has one.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &self,
        st: &mut State,
        pool_id: &str,
        username: &str,
        destination: &str,
        medium: crate::spec::Medium,
        kind: crate::spec::OutboxKind,
        code: &str,
    ) -> Result<(), ApiError> {
        let custom = crate::triggers::message_for(self, st, pool_id, username, medium, kind, code)?;
        self.inner.send_message(
            st,
            pool_id,
            username,
            destination,
            medium,
            kind,
            code,
            custom,
        );
        Ok(())
    }
}

/// How many times a request is run before a conflict is answered as an error.
const ATTEMPTS: u32 = 6;

/// Runs `f` as one transaction (again on a conflict); returns its answer once committed.
pub(crate) fn transact<T>(
    inner: &Arc<Inner>,
    f: impl Fn(&Ctx) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let triggers = std::rc::Rc::new(crate::triggers::Scope::default());
    for attempt in 0..ATTEMPTS {
        // A re-run after a real conflict (its reads changed) reads a fresh snapshot; the last
        // attempts take the write lock at once, so they cannot conflict again.
        let state = crate::store::begin(&inner.store, attempt + 2 >= ATTEMPTS)?;
        let ctx = Ctx {
            inner: inner.clone(),
            state: RefCell::new(state),
            triggers: triggers.clone(),
        };
        let out = f(&ctx);
        if out.is_err() && !ctx.state.borrow().keep.get() {
            // An error answer that keeps nothing: nothing of the request remains. When the error
            // is the database's "busy" (a write met another request's commit: SQLite refuses to
            // upgrade a deferred transaction whose snapshot is stale), the request runs again,
            // taking the write lock at once.
            let busy = ctx.state.borrow().busy.get();
            ctx.state.into_inner().rollback();
            if busy {
                continue;
            }
            return out;
        }
        let now = inner.now();
        let prune_at = {
            let mut last = inner
                .store
                .last_prune
                .lock()
                .map_err(|_| internal("prune clock poisoned"))?;
            if now.saturating_sub(*last) >= PRUNE_EVERY_SECS || now < *last {
                *last = now;
                Some(now)
            } else {
                None
            }
        };
        match ctx.state.into_inner().commit(prune_at) {
            Ok((snapshot, logged)) => {
                if let Some(s) = snapshot {
                    inner.store.install(s);
                }
                if let Some(path) = &inner.config.outbox_log {
                    for m in &logged {
                        crate::persist::append_line(path, m);
                    }
                }
                return out;
            }
            Err(Finish::Conflict) => {
                if let (Some(_), Ok(mut last)) = (prune_at, inner.store.last_prune.lock()) {
                    *last = i64::MIN;
                }
                continue;
            }
            Err(Finish::Failed(e)) => {
                if let (Some(_), Ok(mut last)) = (prune_at, inner.store.last_prune.lock()) {
                    *last = i64::MIN;
                }
                tracing::warn!(error = %e.message, "request rolled back");
                return Err(e);
            }
        }
    }
    Err(internal(
        "the request conflicted with others too many times; nothing was changed",
    ))
}

/// Reads through a transaction that writes nothing (the embedded API's queries).
pub(crate) fn read<T>(
    inner: &Arc<Inner>,
    f: impl FnOnce(&State) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let state = crate::store::begin(&inner.store, false)?;
    let out = f(&state);
    state.rollback();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, begin};

    fn store() -> Arc<Store> {
        Arc::new(Store::open(None).unwrap().0)
    }

    fn put(st: &State, id: &str, doc: &str) -> Result<usize, ApiError> {
        st.write(
            "INSERT OR REPLACE INTO sessions(id, pool, expires, doc) VALUES (?1, 'p', 9, ?2)",
            params![id, doc],
        )
    }

    fn get(st: &State, id: &str) -> Option<String> {
        st.one("SELECT doc FROM sessions WHERE id = ?1", params![id])
            .unwrap()
    }

    fn committed(store: &Arc<Store>, id: &str) -> Option<String> {
        let st = begin(store, false).unwrap();
        let v = get(&st, id);
        st.rollback();
        v
    }

    /// A request whose snapshot went stale before its first write (another request committed
    /// meanwhile) keeps what it computed when its reads are unchanged: it is not re-run.
    #[test]
    fn a_stale_snapshot_with_unchanged_reads_commits_without_a_rerun() {
        let store = store();
        let seed = begin(&store, false).unwrap();
        put(&seed, "a", "a0").unwrap();
        put(&seed, "b", "b0").unwrap();
        seed.commit(None).unwrap();

        let slow = begin(&store, false).unwrap();
        assert_eq!(get(&slow, "a").as_deref(), Some("a0"));
        let other = begin(&store, false).unwrap();
        put(&other, "b", "b1").unwrap();
        other.commit(None).unwrap();
        // SQLite refuses to upgrade the stale snapshot; the replay of "a" finds it unchanged.
        put(&slow, "a", "a1").unwrap();
        assert!(!slow.busy.get());
        slow.commit(None).unwrap();
        assert_eq!(committed(&store, "a").as_deref(), Some("a1"));
        assert_eq!(committed(&store, "b").as_deref(), Some("b1"));
    }

    /// When a row the request read changed, its first write reports a conflict (the request
    /// runs again) and nothing of it is committed.
    #[test]
    fn a_stale_snapshot_with_a_changed_read_is_a_conflict() {
        let store = store();
        let seed = begin(&store, false).unwrap();
        put(&seed, "a", "a0").unwrap();
        seed.commit(None).unwrap();

        let slow = begin(&store, false).unwrap();
        assert_eq!(get(&slow, "a").as_deref(), Some("a0"));
        assert_eq!(get(&slow, "c"), None);
        let other = begin(&store, false).unwrap();
        put(&other, "c", "c1").unwrap();
        other.commit(None).unwrap();
        assert!(put(&slow, "a", "a1").is_err());
        assert!(slow.busy.get());
        // Nothing more is written, even outside a transaction.
        assert!(put(&slow, "d", "d1").is_err());
        assert!(matches!(slow.commit(None), Err(Finish::Conflict)));
        assert_eq!(committed(&store, "a").as_deref(), Some("a0"));
        assert_eq!(committed(&store, "d"), None);
    }

    fn user(name: &str) -> User {
        serde_json::from_value(serde_json::json!({
            "username": name, "sub": format!("sub-{name}"), "attributes": {},
            "status": "CONFIRMED", "enabled": true, "created": 0, "modified": 0,
            "verifier": null,
            "mfa": serde_json::to_value(crate::state::UserMfa::default()).unwrap(),
            "codes": {}, "devices": {}, "device_group_key": "-g", "groups": [],
            "tokens_valid_after": 0
        }))
        .unwrap()
    }

    /// A user changed through `UserMut` is not written when the guard drops (that would take
    /// the write lock, before a sign-in's token signing) but at the request's next write; the
    /// request reads it from memory meanwhile.
    #[test]
    fn a_changed_user_is_written_at_the_next_write_not_when_dropped() {
        let store = store();
        let seed = begin(&store, false).unwrap();
        seed.put_user("p", &user("alice")).unwrap();
        seed.commit(None).unwrap();

        let st = begin(&store, false).unwrap();
        {
            let mut u = st.user_exact_mut("p", "alice").unwrap().unwrap();
            u.enabled = false;
        }
        assert!(!st.wrote.get());
        // No write lock held: another request commits meanwhile.
        let other = begin(&store, false).unwrap();
        put(&other, "x", "x1").unwrap();
        other.commit(None).unwrap();
        assert!(!st.user("p", "alice").unwrap().unwrap().enabled);
        // The next write writes the user first (its reads replayed, unchanged).
        put(&st, "y", "y1").unwrap();
        assert!(st.pending.borrow().is_empty());
        st.commit(None).unwrap();
        let check = begin(&store, false).unwrap();
        assert!(!check.user("p", "alice").unwrap().unwrap().enabled);
        check.rollback();
    }

    /// The user lookups of every request (sign-up's uniqueness checks, sign-in's name
    /// resolution) use an index, never a scan of the pool: a scan made bulk seeding quadratic
    /// (10,000 users: 44 s instead of under 1 s).
    #[test]
    fn user_lookups_use_an_index() {
        let store = store();
        let conn = store.checkout().unwrap();
        // Each lookup and the column its index must reach (an index on the pool alone is a scan
        // of the pool: what the planner chose without INDEXED BY).
        let mut lookups = vec![
            (USER_BY_NAME.to_owned(), "username"),
            (USERNAME_BY_NAME.to_owned(), "username"),
            (USERNAME_BY_LC.to_owned(), "username_lc"),
            (USERNAME_BY_SUB.to_owned(), "sub"),
        ];
        for attr in ["email", "phone_number", "preferred_username"] {
            let (col, index) = alias_column(attr).unwrap();
            lookups.push((username_by_alias(col, index), col));
        }
        for (sql, col) in lookups {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(
                    params!["p", "x", "y"]
                        .get(..sql.matches('?').count())
                        .unwrap(),
                    |r| r.get::<_, String>(3),
                )
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.len() == 1
                    && plan
                        .iter()
                        .all(|step| step.starts_with("SEARCH users USING")
                            && step.contains(&format!("{col}=?"))),
                "{sql}: {plan:?}"
            );
        }
    }
}
