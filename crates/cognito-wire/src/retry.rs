//! The retry policy: AWS SDK "standard" mode, with decisions as data.
//!
//! - at most [`RetryPolicy::max_attempts`] attempts (3);
//! - retries throttling and transient errors only;
//! - exponential backoff with full jitter: `jitter * min(max_backoff, base * 2^(attempt-1))`,
//!   base 100 ms (500 ms for throttling, as the AWS SDKs' standard mode), capped at 20 s;
//! - never replays a one-shot call (any operation not marked replay-safe, e.g. `InitiateAuth`,
//!   `RespondToAuthChallenge`) after it may have reached the server, unless the caller opts in.
//!   A connect failure (never reached the server) and throttling (refused unprocessed) are safe
//!   to retry for any operation;
//! - a retry quota (token bucket: 500 tokens, 5 per retry, 10 per retry after a timeout, given
//!   back on success) stops retry storms.
//!
//! ```
//! use cognito_wire::retry::{FailedAttempt, RetryDecision, RetryPolicy, StopReason};
//! use cognito_wire::{ErrorClass, ReachedServer};
//! use std::time::Duration;
//!
//! let policy = RetryPolicy::standard();
//! let server_error = FailedAttempt::new(ErrorClass::Transient, ReachedServer::Yes, false);
//! // A one-shot operation is not replayed after a 5xx ...
//! assert_eq!(policy.decide(1, &server_error, false, 0.5), RetryDecision::Stop(StopReason::NotReplayable));
//! // ... a read-only one is, after 0.5 * 100 ms.
//! assert_eq!(policy.decide(1, &server_error, true, 0.5), RetryDecision::Retry { delay: Duration::from_millis(50) });
//! ```

use std::sync::Mutex;
use std::time::Duration;

use crate::error::{ErrorClass, ReachedServer};

/// Retry settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Maximum number of attempts, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Base delay for transient errors.
    pub base_delay: Duration,
    /// Base delay for throttling errors.
    pub throttling_base_delay: Duration,
    /// Cap of the exponential backoff.
    pub max_backoff: Duration,
    /// Replay one-shot operations after they may have reached the server (off by default).
    pub replay_one_shot: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// Standard mode: 3 attempts, 100 ms / 500 ms base, 20 s cap, no one-shot replays.
    pub const fn standard() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            throttling_base_delay: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            replay_one_shot: false,
        }
    }

    /// No retries at all.
    pub const fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Backoff before attempt `attempt + 1`, given `jitter` in `[0, 1]` (clamped; NaN is 0).
    pub fn backoff(&self, attempt: u32, class: ErrorClass, jitter: f64) -> Duration {
        let base = match class {
            ErrorClass::Throttling => self.throttling_base_delay,
            _ => self.base_delay,
        };
        let exp = attempt.saturating_sub(1).min(31);
        let ceiling = base.saturating_mul(1u32 << exp).min(self.max_backoff);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        ceiling.mul_f64(jitter)
    }

    /// Decides what to do after attempt number `attempt` (1-based) failed. `replay_safe` is the
    /// operation's table entry. Pure: the same inputs always give the same decision.
    pub fn decide(
        &self,
        attempt: u32,
        failure: &FailedAttempt,
        replay_safe: bool,
        jitter: f64,
    ) -> RetryDecision {
        if failure.class == ErrorClass::Client {
            return RetryDecision::Stop(StopReason::NotRetryable);
        }
        if attempt >= self.max_attempts {
            return RetryDecision::Stop(StopReason::MaxAttempts);
        }
        let may_have_been_processed =
            failure.class != ErrorClass::Throttling && failure.reached != ReachedServer::No;
        if may_have_been_processed && !replay_safe && !self.replay_one_shot {
            return RetryDecision::Stop(StopReason::NotReplayable);
        }
        RetryDecision::Retry {
            delay: self.backoff(attempt, failure.class, jitter),
        }
    }
}

/// What the policy needs to know about a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailedAttempt {
    /// The error's class.
    pub class: ErrorClass,
    /// Whether the request may have reached the server.
    pub reached: ReachedServer,
    /// The failure was a timeout (retries cost more quota).
    pub timeout: bool,
}

impl FailedAttempt {
    /// A failure of this class, that did or did not (or may have) reach the server, and was or
    /// was not a timeout.
    pub fn new(class: ErrorClass, reached: ReachedServer, timeout: bool) -> Self {
        FailedAttempt {
            class,
            reached,
            timeout,
        }
    }

    /// From a client error.
    pub fn from_error(e: &crate::Error) -> Self {
        Self {
            class: e.class(),
            reached: e.reached_server(),
            timeout: matches!(e, crate::Error::Timeout { .. }),
        }
    }
}

/// The decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Sleep `delay`, then send again.
    Retry {
        /// How long to wait.
        delay: Duration,
    },
    /// Return the error.
    Stop(StopReason),
}

/// Why no retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The error is not throttling or transient.
    NotRetryable,
    /// The attempt budget is spent.
    MaxAttempts,
    /// A one-shot operation may have reached the server.
    NotReplayable,
    /// The retry quota is exhausted.
    QuotaExhausted,
}

/// The standard mode's retry quota (a token bucket shared by the calls of one client).
#[derive(Debug)]
pub struct RetryQuota {
    tokens: Mutex<u32>,
    capacity: u32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        Self::new(Self::INITIAL)
    }
}

impl RetryQuota {
    /// Initial and maximum tokens.
    pub const INITIAL: u32 = 500;
    /// Cost of a retry.
    pub const RETRY_COST: u32 = 5;
    /// Cost of a retry after a timeout.
    pub const TIMEOUT_RETRY_COST: u32 = 10;

    /// A bucket with `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Mutex::new(capacity),
            capacity,
        }
    }

    /// Takes the cost of retrying after `failure`; `None` when the bucket is too low.
    pub fn try_acquire(&self, failure: &FailedAttempt) -> Option<u32> {
        let cost = if failure.timeout {
            Self::TIMEOUT_RETRY_COST
        } else {
            Self::RETRY_COST
        };
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *tokens < cost {
            return None;
        }
        *tokens -= cost;
        Some(cost)
    }

    /// Gives tokens back after a successful attempt (`amount` is what the retries cost, or 1 when
    /// the first attempt succeeded).
    pub fn release(&self, amount: u32) {
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *tokens = tokens.saturating_add(amount).min(self.capacity);
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        *self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
