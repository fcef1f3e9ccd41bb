//! The retry policy as a pure function.

use std::time::Duration;

use cognito_wire::retry::*;
use cognito_wire::{ErrorClass, ReachedServer};

fn failure(class: ErrorClass, reached: ReachedServer) -> FailedAttempt {
    FailedAttempt::new(class, reached, false)
}

#[test]
fn decisions() {
    let p = RetryPolicy::standard();
    let retry = |ms| RetryDecision::Retry {
        delay: Duration::from_millis(ms),
    };
    use ErrorClass::*;
    use ReachedServer::*;
    // Client errors never.
    assert_eq!(
        p.decide(1, &failure(Client, Yes), true, 1.0),
        RetryDecision::Stop(StopReason::NotRetryable)
    );
    // Throttling: any operation.
    assert_eq!(
        p.decide(1, &failure(Throttling, Yes), false, 1.0),
        retry(500)
    );
    assert_eq!(
        p.decide(2, &failure(Throttling, Yes), false, 1.0),
        retry(1000)
    );
    // Attempt budget.
    assert_eq!(
        p.decide(3, &failure(Throttling, Yes), true, 1.0),
        RetryDecision::Stop(StopReason::MaxAttempts)
    );
    // Connect failure: any operation.
    assert_eq!(p.decide(1, &failure(Transient, No), false, 1.0), retry(100));
    // May have reached the server: only replay-safe operations (or opt-in).
    assert_eq!(
        p.decide(1, &failure(Transient, Maybe), false, 1.0),
        RetryDecision::Stop(StopReason::NotReplayable)
    );
    assert_eq!(
        p.decide(1, &failure(Transient, Yes), false, 1.0),
        RetryDecision::Stop(StopReason::NotReplayable)
    );
    assert_eq!(
        p.decide(2, &failure(Transient, Maybe), true, 1.0),
        retry(200)
    );
    let opt_in = {
        let mut v = p;
        v.replay_one_shot = true;
        v
    };
    assert_eq!(
        opt_in.decide(1, &failure(Transient, Yes), false, 0.0),
        retry(0)
    );
    // Disabled.
    assert_eq!(
        RetryPolicy::disabled().decide(1, &failure(Transient, No), true, 1.0),
        RetryDecision::Stop(StopReason::MaxAttempts)
    );
}

#[test]
fn backoff_is_capped_full_jitter() {
    let p = {
        let mut v = RetryPolicy::standard();
        v.max_attempts = 100;
        v
    };
    assert_eq!(
        p.backoff(1, ErrorClass::Transient, 0.5),
        Duration::from_millis(50)
    );
    assert_eq!(
        p.backoff(30, ErrorClass::Transient, 1.0),
        Duration::from_secs(20)
    );
    assert_eq!(
        p.backoff(u32::MAX, ErrorClass::Throttling, 1.0),
        Duration::from_secs(20)
    );
    assert_eq!(
        p.backoff(3, ErrorClass::Transient, f64::NAN),
        Duration::ZERO
    );
    assert_eq!(
        p.backoff(3, ErrorClass::Transient, 7.0),
        Duration::from_millis(400)
    );
}

#[test]
fn quota() {
    let q = RetryQuota::new(12);
    let f = failure(ErrorClass::Transient, ReachedServer::No);
    let t = {
        let mut v = f;
        v.timeout = true;
        v
    };
    assert_eq!(q.try_acquire(&f), Some(5));
    assert_eq!(q.try_acquire(&t), None);
    assert_eq!(q.try_acquire(&f), Some(5));
    assert_eq!(q.available(), 2);
    q.release(100);
    assert_eq!(q.available(), 12);
}

proptest::proptest! {
    #[test]
    fn backoff_never_exceeds_cap(attempt in 0u32..u32::MAX, jitter in proptest::num::f64::ANY) {
        let p = RetryPolicy::standard();
        proptest::prop_assert!(p.backoff(attempt, ErrorClass::Throttling, jitter) <= p.max_backoff);
    }
}
