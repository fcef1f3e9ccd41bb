//! Cognito's temporary lockout after failed sign-in attempts.
//!
//! Cognito's developer guide (user pool authentication flow): "We allow five failed sign-in
//! attempts. After that we start temporary lockouts with exponentially increasing times starting
//! at 1 second and doubling after each failed attempt up to about 15 minutes. Attempts during a
//! temporary lockout period are ignored. [...] Waiting about 15 minutes without any attempts will
//! also reset the temporary lockout." A refused attempt is `NotAuthorizedException` "Password
//! attempts exceeded"; a proven password resets the count.
//!
//! Failures are counted per pool and per key: `user:<username>` for a user, `name:<name>` for a
//! sign-in name that designates no user (so that, with `PreventUserExistenceErrors`, an unknown
//! name locks out like a real one).

use crate::error::{ApiError, not_authorized};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Failed attempts allowed before the first lockout.
pub(crate) const FREE_FAILURES: u32 = 5;
/// The longest lockout, and the quiet time after which the count is forgotten (seconds).
pub(crate) const MAX_LOCKOUT_SECS: i64 = 900;

/// Failed sign-ins, per pool id, then per key.
pub(crate) type FailureTable = BTreeMap<String, BTreeMap<String, Failures>>;

/// One key's failed attempts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Failures {
    /// Failures counted since the last reset.
    pub count: u32,
    /// When the last counted failure happened (unix seconds).
    pub last: i64,
    /// Attempts before this instant are refused (unix seconds).
    pub locked_until: i64,
}

impl Failures {
    /// Whether an attempt at `now` falls in a lockout.
    pub fn locked(&self, now: i64) -> bool {
        now < self.locked_until
    }

    /// Whether the quiet period has passed since the last failure (the count is forgotten).
    fn forgotten(&self, now: i64) -> bool {
        !self.locked(now) && now >= self.last.saturating_add(MAX_LOCKOUT_SECS)
    }

    /// Counts a failure at `now` and starts the lockout it earns.
    pub fn fail(&mut self, now: i64) {
        if self.forgotten(now) {
            *self = Failures::default();
        }
        self.count = self.count.saturating_add(1);
        self.last = now;
        if let Some(over) = self.count.checked_sub(FREE_FAILURES + 1) {
            self.locked_until = now.saturating_add(lockout_secs(over));
        }
    }
}

/// The lockout after the `over`-th failure beyond the free ones (0-based): 1 s, doubling, capped.
fn lockout_secs(over: u32) -> i64 {
    if over >= 10 {
        MAX_LOCKOUT_SECS
    } else {
        (1i64 << over).min(MAX_LOCKOUT_SECS)
    }
}

/// Cognito's answer to an attempt during a lockout.
pub(crate) fn attempts_exceeded() -> ApiError {
    not_authorized("Password attempts exceeded")
}

/// The lockout key of a user (internal username).
pub(crate) fn user_key(username: &str) -> String {
    format!("user:{username}")
}

/// The lockout key of a sign-in name that designates no user.
pub(crate) fn name_key(name: &str) -> String {
    format!("name:{}", name.to_lowercase())
}

/// Refuses an attempt during a lockout (the attempt is not counted).
pub(crate) fn check(
    table: &FailureTable,
    pool_id: &str,
    key: &str,
    now: i64,
) -> Result<(), ApiError> {
    match table.get(pool_id).and_then(|t| t.get(key)) {
        Some(f) if f.locked(now) => Err(attempts_exceeded()),
        _ => Ok(()),
    }
}

/// Counts a failed attempt.
pub(crate) fn fail(table: &mut FailureTable, pool_id: &str, key: &str, now: i64) {
    let pool = table.entry(pool_id.to_owned()).or_default();
    // Keep the table small: forget quiet keys now and then.
    if pool.len() > 10_000 {
        pool.retain(|_, f| !f.forgotten(now));
    }
    pool.entry(key.to_owned()).or_default().fail(now);
}

/// A proven password: the count starts over.
pub(crate) fn succeed(table: &mut FailureTable, pool_id: &str, key: &str) {
    if let Some(pool) = table.get_mut(pool_id) {
        pool.remove(key);
        if pool.is_empty() {
            table.remove(pool_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail_n(f: &mut Failures, n: u32, now: i64) {
        for _ in 0..n {
            f.fail(now);
        }
    }

    #[test]
    fn five_failures_are_free() {
        let mut f = Failures::default();
        fail_n(&mut f, 5, 1000);
        assert!(!f.locked(1000));
        assert_eq!(f.count, 5);
    }

    #[test]
    fn the_sixth_failure_locks_for_one_second_then_doubles() {
        let mut f = Failures::default();
        fail_n(&mut f, 6, 1000);
        assert!(f.locked(1000));
        assert!(!f.locked(1001));
        f.fail(1001);
        assert_eq!(f.locked_until, 1003);
        f.fail(1003);
        assert_eq!(f.locked_until, 1007);
        f.fail(1007);
        assert_eq!(f.locked_until, 1015);
    }

    #[test]
    fn lockouts_stop_growing_at_about_fifteen_minutes() {
        assert_eq!(lockout_secs(0), 1);
        assert_eq!(lockout_secs(9), 512);
        assert_eq!(lockout_secs(10), 900);
        assert_eq!(lockout_secs(u32::MAX), 900);
        // Each failure as soon as the previous lockout ends.
        let mut f = Failures::default();
        fail_n(&mut f, 5, 0);
        let mut lockouts = Vec::new();
        for _ in 0..11 {
            let now = f.locked_until.max(f.last);
            f.fail(now);
            lockouts.push(f.locked_until - now);
        }
        assert_eq!(lockouts, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
        // The 15-minute lockout is also 15 minutes without an attempt: the count is forgotten.
        f.fail(f.locked_until);
        assert_eq!(f.count, 1);
    }

    #[test]
    fn a_quiet_period_forgets_the_count() {
        let mut f = Failures::default();
        fail_n(&mut f, 5, 1000);
        f.fail(1000 + MAX_LOCKOUT_SECS);
        assert_eq!(f.count, 1);
        assert!(!f.locked(1000 + MAX_LOCKOUT_SECS));
    }

    #[test]
    fn table_checks_fails_and_resets_per_pool_and_key() {
        let mut t = FailureTable::new();
        let alice = user_key("alice");
        for _ in 0..6 {
            fail(&mut t, "p1", &alice, 50);
        }
        assert_eq!(check(&t, "p1", &alice, 50), Err(attempts_exceeded()));
        assert!(check(&t, "p2", &alice, 50).is_ok());
        assert!(check(&t, "p1", &user_key("bob"), 50).is_ok());
        assert!(check(&t, "p1", &alice, 51).is_ok());
        succeed(&mut t, "p1", &alice);
        assert!(t.is_empty());
        assert_eq!(name_key("Nobody@Example.com"), "name:nobody@example.com");
        assert_eq!(
            attempts_exceeded().to_string(),
            "NotAuthorizedException: Password attempts exceeded"
        );
    }
}
