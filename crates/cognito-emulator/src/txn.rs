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
//! - when another request committed a conflicting write first (SQLite's `BUSY`), the request is
//!   rolled back and run again from the start, on a fresh snapshot; from the second attempt on it
//!   takes the write lock when it begins, so it cannot conflict again.

use crate::coverage::Extras;
use crate::error::{ApiError, internal};
use crate::events::AuthEvent;
use crate::inner::Inner;
use crate::lockout::FailureTable;
use crate::spec::OutboxMessage;
use crate::state::{Globals, Pool, RefreshRecord, Session, User, client_not_found, pool_not_found};
use crate::store::{Conn, Snapshot};
use rusqlite::{OptionalExtension, params};
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
        }
    }

    /// Marks what the request changed as kept even if it answers an error: a wrong code counted
    /// against its code, a failed sign-in counted toward the lockout, a challenge session used
    /// up, a sign-in event. Without it, a request that answers an error is rolled back.
    pub fn keep(&self) {
        self.keep.set(true);
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

    fn write(&self, sql: &str, p: impl rusqlite::Params) -> Result<usize, ApiError> {
        self.wrote.set(true);
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        stmt.execute(p).map_err(|e| self.fail(e))
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
        p: impl rusqlite::Params,
    ) -> Result<Option<T>, ApiError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        stmt.query_row(p, |r| r.get(0))
            .optional()
            .map_err(|e| self.fail(e))
    }

    fn docs(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<String>, ApiError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(p, |r| r.get::<_, String>(0))
            .map_err(|e| self.fail(e))?;
        rows.map(|r| r.map_err(|e| self.fail(e))).collect()
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
        self.one::<String>(
            "SELECT doc FROM users WHERE pool = ?1 AND username = ?2",
            params![pool_id, username],
        )?
        .map(|d| self.decode(&d))
        .transpose()
    }

    /// A user's internal username from a sign-in name: the username (exact, then
    /// case-insensitive), an email / phone number used as username or alias, or the `sub`.
    pub fn find_user(&self, pool_id: &str, name: &str) -> Result<Option<String>, ApiError> {
        let Some(pool) = self.pools.get(pool_id) else {
            return Ok(None);
        };
        if let Some(u) = self.one::<String>(
            "SELECT username FROM users WHERE pool = ?1 AND username = ?2",
            params![pool_id, name],
        )? {
            return Ok(Some(u));
        }
        let lc = name.to_ascii_lowercase();
        // The column's index, named: without statistics SQLite's planner prefers the primary
        // key (pool, username), a scan of the whole pool.
        if let Some(u) = self
            .one::<Option<String>>(
                "SELECT min(username) FROM users INDEXED BY users_username_lc WHERE pool = ?1 AND username_lc = ?2",
                params![pool_id, lc],
            )?
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
            .one::<Option<String>>(
                "SELECT min(username) FROM users INDEXED BY users_sub WHERE pool = ?1 AND sub = ?2",
                params![pool_id, name],
            )?
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
        let Some(doc) = self.one::<String>(
            "SELECT doc FROM users WHERE pool = ?1 AND username = ?2",
            params![pool_id, username],
        )?
        else {
            return Ok(None);
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
                    &format!(
                        "SELECT min(username) FROM users INDEXED BY {index} WHERE pool = ?1 AND {col} = ?2 AND username != ?3"
                    ),
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
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT token, doc FROM refresh_tokens WHERE pool = ?1 AND username = ?2 ORDER BY token",
            )
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map(params![pool_id, username], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.fail(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (t, d) = row.map_err(|e| self.fail(e))?;
            out.push((t, self.decode(&d)?));
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

/// A user being changed: written back to the transaction when dropped, if it changed. A failed
/// write dooms the request (it is rolled back and answered with an internal error).
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
                let _ = self.st.put_user(&self.pool_id, &self.user);
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
}

/// How many times a request is run before a conflict is answered as an error.
const ATTEMPTS: u32 = 6;

/// Runs `f` as one transaction (again on a conflict); returns its answer once committed.
pub(crate) fn transact<T>(
    inner: &Arc<Inner>,
    f: impl Fn(&Ctx) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    for attempt in 0..ATTEMPTS {
        let state = crate::store::begin(&inner.store, attempt >= 1)?;
        let ctx = Ctx {
            inner: inner.clone(),
            state: RefCell::new(state),
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
