//! Import of a JSON state file of the earlier format (the whole state as one JSON document)
//! into a new database, in one transaction.

use crate::coverage::Extras;
use crate::events::AuthEvent;
use crate::spec::OutboxMessage;
use crate::state::{Globals, Pool, RefreshRecord, User};
use rusqlite::{Connection, params};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Deserialize)]
struct LegacyPool {
    #[serde(flatten)]
    pool: Pool,
    #[serde(default)]
    users: BTreeMap<String, User>,
    #[serde(default)]
    refresh_tokens: BTreeMap<String, RefreshRecord>,
    #[serde(default)]
    revoked_origins: BTreeSet<String>,
}

#[derive(Deserialize, Default)]
struct LegacyExtras {
    #[serde(default)]
    auth_events: BTreeMap<String, Vec<AuthEvent>>,
    #[serde(flatten)]
    extras: Extras,
}

#[derive(Deserialize)]
struct LegacyState {
    #[serde(default)]
    pools: BTreeMap<String, LegacyPool>,
    #[serde(default)]
    outbox: Vec<OutboxMessage>,
    #[serde(default)]
    signin_failures: crate::lockout::FailureTable,
    #[serde(default)]
    simulation_secret: String,
    #[serde(default)]
    extras: LegacyExtras,
}

/// Imports the JSON state file `json` into the (new, empty) database behind `conn`.
pub(crate) fn import_json(conn: &Connection, json: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("importing {}: {e}", json.display());
    let bytes = std::fs::read(json).map_err(|e| err(&e))?;
    let legacy: LegacyState = serde_json::from_slice(&bytes).map_err(|e| err(&e))?;
    conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| err(&e))?;
    let out = (|| -> Result<(), String> {
        let sql = |e: rusqlite::Error| err(&e);
        let enc = |v: &dyn erased::Json| v.json().map_err(|e| err(&e));
        // Revoked origins are kept as long as any token they could have signed lives.
        let now = legacy
            .outbox
            .iter()
            .map(|m| m.at)
            .chain(legacy.pools.values().flat_map(|p| {
                p.refresh_tokens
                    .values()
                    .map(|r| r.issued)
                    .chain(p.users.values().map(|u| u.modified))
            }))
            .max()
            .unwrap_or(0);
        for (id, lp) in &legacy.pools {
            conn.execute(
                "INSERT INTO pools(id, doc) VALUES (?1, ?2)",
                params![id, enc(&lp.pool)?],
            )
            .map_err(sql)?;
            for u in lp.users.values() {
                let (lc, email, phone, preferred) = crate::txn::user_columns(u);
                conn.execute(
                    "INSERT INTO users(pool, username, username_lc, sub, email_lc, phone, preferred_lc, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![id, u.username, lc, u.sub, email, phone, preferred, enc(u)?],
                )
                .map_err(sql)?;
            }
            for (token, r) in &lp.refresh_tokens {
                conn.execute(
                    "INSERT INTO refresh_tokens(token, pool, username, expires, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![token, id, r.username, r.expires, enc(r)?],
                )
                .map_err(sql)?;
            }
            for origin in &lp.revoked_origins {
                conn.execute(
                    "INSERT INTO revoked_origins(pool, origin_jti, expires) VALUES (?1, ?2, ?3)",
                    params![
                        id,
                        origin,
                        now.saturating_add(crate::txn::REVOKED_KEEP_SECS)
                    ],
                )
                .map_err(sql)?;
            }
        }
        for m in &legacy.outbox {
            conn.execute(
                "INSERT INTO outbox(pool, username, at, doc) VALUES (?1, ?2, ?3, ?4)",
                params![m.pool_id, m.username, m.at, enc(m)?],
            )
            .map_err(sql)?;
        }
        for (key, events) in &legacy.extras.auth_events {
            if let Some((pool, sub)) = key.split_once('/') {
                conn.execute(
                    "INSERT INTO auth_events(pool, sub, doc) VALUES (?1, ?2, ?3)",
                    params![pool, sub, enc(events)?],
                )
                .map_err(sql)?;
            }
        }
        let globals = Globals {
            signin_failures: legacy.signin_failures.clone(),
            simulation_secret: legacy.simulation_secret.clone(),
            extras: legacy.extras.extras.clone(),
        };
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('globals', ?1)",
            params![enc(&globals)?],
        )
        .map_err(sql)?;
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'version'", [])
            .map_err(sql)?;
        Ok(())
    })();
    match out {
        Ok(()) => conn.execute_batch("COMMIT").map_err(|e| err(&e)),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// JSON encoding behind a trait object (the closure above encodes records of several types).
mod erased {
    pub(super) trait Json {
        fn json(&self) -> Result<String, serde_json::Error>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> Result<String, serde_json::Error> {
            serde_json::to_string(self)
        }
    }
}
