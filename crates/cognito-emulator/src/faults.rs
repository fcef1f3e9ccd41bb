//! Fault injection: added latency, dropped connections, 5xx answers and throttling at given
//! rates, drawn from a seeded RNG; and the per-operation request counters tests read.
//!
//! A request is matched when the fault configuration applies to its operation (every
//! `X-Amz-Target` operation, or only [`Faults::operations`]). A matched request first waits
//! [`Faults::latency`] plus a uniform draw in `[0, jitter]`, then gets at most one fault: one
//! uniform draw in `[0, 1)` falls into the bands `throttle`, `error_500`, `error_503`,
//! `drop_before`, `drop_after` (in this order), or past them (no fault). Only `drop_after` lets
//! the request be processed (and its changes persisted) before the connection is closed without
//! an answer; every other fault leaves the state untouched.

use crate::error::ApiError;
use crate::rng::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

/// The fault mode of an emulator: what to inject, how often, into which operations.
///
/// Rates are probabilities per matched request, each in `[0, 1]`, summing to at most 1. The
/// default injects nothing.
///
/// ```
/// use cognito_emulator::Faults;
/// use std::time::Duration;
/// let f = Faults::default()
///     .throttle(0.2)
///     .error_500(0.1)
///     .drop_after(0.05)
///     .latency(Duration::from_millis(2), Duration::from_millis(1))
///     .only(["InitiateAuth", "RespondToAuthChallenge"])
///     .seed(7);
/// assert!(f.validate().is_ok());
/// assert!(f.applies_to("InitiateAuth") && !f.applies_to("GetUser"));
/// // The same thing as the standalone server's `--faults` flag:
/// let parsed: Faults =
///     "throttle=0.2,500=0.1,drop-after=0.05,latency=2ms,jitter=1ms,ops=InitiateAuth+RespondToAuthChallenge,seed=7"
///         .parse()
///         .unwrap();
/// assert_eq!(parsed, f);
/// assert!(Faults::default().throttle(0.7).error_503(0.7).validate().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Faults {
    /// Fixed delay added before a matched request is handled.
    pub latency: Duration,
    /// Extra delay, uniform in `[0, jitter]`, added to `latency`.
    pub jitter: Duration,
    /// Rate of `TooManyRequestsException` (HTTP 400, "Rate exceeded"), refused unprocessed, as
    /// Cognito throttles.
    pub throttle: f64,
    /// Rate of `InternalErrorException` (HTTP 500), answered without processing.
    pub error_500: f64,
    /// Rate of `ServiceUnavailableException` (HTTP 503), answered without processing.
    pub error_503: f64,
    /// Rate of connections closed without an answer *before* the request is processed.
    pub drop_before: f64,
    /// Rate of connections closed without an answer *after* the request was processed (and its
    /// changes persisted): the response is lost, so resending would replay the request.
    pub drop_after: f64,
    /// Operation names (`InitiateAuth`, ...) the faults apply to; empty: every operation.
    /// Latency applies to the same set.
    pub operations: BTreeSet<String>,
    /// Seed of the fault RNG; when `None`, the emulator's
    /// [`rng_seed`](crate::EmulatorConfig::rng_seed) (random when that is `None` too).
    pub seed: Option<u64>,
    /// Stop injecting after this many faults (latency goes on); `None`: no limit.
    pub max_faults: Option<u64>,
}

impl Faults {
    /// No faults (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// Sets the throttling rate.
    pub fn throttle(mut self, rate: f64) -> Self {
        self.throttle = rate;
        self
    }

    /// Sets the rate of HTTP 500 `InternalErrorException`.
    pub fn error_500(mut self, rate: f64) -> Self {
        self.error_500 = rate;
        self
    }

    /// Sets the rate of HTTP 503 `ServiceUnavailableException`.
    pub fn error_503(mut self, rate: f64) -> Self {
        self.error_503 = rate;
        self
    }

    /// Sets the rate of connections dropped before processing.
    pub fn drop_before(mut self, rate: f64) -> Self {
        self.drop_before = rate;
        self
    }

    /// Sets the rate of connections dropped after processing (response lost).
    pub fn drop_after(mut self, rate: f64) -> Self {
        self.drop_after = rate;
        self
    }

    /// Sets the added latency: `fixed` plus uniform `[0, jitter]`.
    pub fn latency(mut self, fixed: Duration, jitter: Duration) -> Self {
        self.latency = fixed;
        self.jitter = jitter;
        self
    }

    /// Limits the faults (and the latency) to these operations.
    pub fn only<I, S>(mut self, operations: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.operations = operations.into_iter().map(Into::into).collect();
        self
    }

    /// Seeds the fault RNG.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Stops injecting after `n` faults.
    pub fn max_faults(mut self, n: u64) -> Self {
        self.max_faults = Some(n);
        self
    }

    /// Whether anything (latency or a fault) is configured.
    pub fn is_active(&self) -> bool {
        !self.latency.is_zero() || !self.jitter.is_zero() || self.total_rate() > 0.0
    }

    /// Whether the faults apply to this operation.
    pub fn applies_to(&self, operation: &str) -> bool {
        self.operations.is_empty() || self.operations.contains(operation)
    }

    fn total_rate(&self) -> f64 {
        self.throttle + self.error_500 + self.error_503 + self.drop_before + self.drop_after
    }

    /// Checks the rates (each in `[0, 1]`, not NaN, sum at most 1) and the operation names
    /// (Cognito User Pools operations).
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("throttle", self.throttle),
            ("500", self.error_500),
            ("503", self.error_503),
            ("drop-before", self.drop_before),
            ("drop-after", self.drop_after),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("fault rate {name}={rate} is not in [0, 1]"));
            }
        }
        if self.total_rate() > 1.0 + 1e-9 {
            return Err(format!(
                "fault rates add up to {} (more than 1)",
                self.total_rate()
            ));
        }
        if let Some(op) = self
            .operations
            .iter()
            .find(|op| cognito_wire::operation_info(op).is_none())
        {
            return Err(format!(
                "{op} is not a Cognito User Pools operation (faults apply to operation names such as InitiateAuth)"
            ));
        }
        Ok(())
    }
}

fn parse_duration(key: &str, v: &str) -> Result<Duration, String> {
    let bad = || format!("{key}={v}: expected a duration such as 5ms, 1s or 250us");
    let (num, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (v.get(..i).ok_or_else(bad)?, v.get(i..).ok_or_else(bad)?),
        None => (v, "ms"),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    match unit {
        "us" => Ok(Duration::from_micros(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        _ => Err(bad()),
    }
}

fn parse_rate(key: &str, v: &str) -> Result<f64, String> {
    v.parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| format!("{key}={v}: expected a rate in [0, 1]"))
}

impl std::str::FromStr for Faults {
    type Err = String;

    /// Parses `key=value` pairs separated by commas: `latency` and `jitter` (durations: `5ms`,
    /// `1s`, `250us`; a bare number is milliseconds), `throttle`, `500`, `503`, `drop-before`,
    /// `drop-after` (rates in `[0, 1]`), `ops` (operation names joined by `+`), `seed` and
    /// `max` (integers). An empty string is no faults.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut f = Faults::default();
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair}: expected key=value"))?;
            let (k, v) = (k.trim(), v.trim());
            match k {
                "latency" => f.latency = parse_duration(k, v)?,
                "jitter" => f.jitter = parse_duration(k, v)?,
                "throttle" => f.throttle = parse_rate(k, v)?,
                "500" => f.error_500 = parse_rate(k, v)?,
                "503" => f.error_503 = parse_rate(k, v)?,
                "drop-before" => f.drop_before = parse_rate(k, v)?,
                "drop-after" => f.drop_after = parse_rate(k, v)?,
                "ops" => {
                    f.operations = v
                        .split('+')
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "seed" => {
                    f.seed = Some(v.parse().map_err(|_| format!("seed={v}: not an integer"))?)
                }
                "max" => {
                    f.max_faults = Some(v.parse().map_err(|_| format!("max={v}: not an integer"))?);
                }
                _ => {
                    return Err(format!(
                        "unknown fault setting {k} (latency, jitter, throttle, 500, 503, drop-before, drop-after, ops, seed, max)"
                    ));
                }
            }
        }
        f.validate()?;
        Ok(f)
    }
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_micros().is_multiple_of(1000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}us", d.as_micros())
    }
}

impl std::fmt::Display for Faults {
    /// The `--faults` spec (what [`FromStr`](std::str::FromStr) parses back), settings at their
    /// default left out; empty for no faults.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.latency.is_zero() {
            parts.push(format!("latency={}", fmt_duration(self.latency)));
        }
        if !self.jitter.is_zero() {
            parts.push(format!("jitter={}", fmt_duration(self.jitter)));
        }
        for (key, rate) in [
            ("throttle", self.throttle),
            ("500", self.error_500),
            ("503", self.error_503),
            ("drop-before", self.drop_before),
            ("drop-after", self.drop_after),
        ] {
            if rate != 0.0 {
                parts.push(format!("{key}={rate}"));
            }
        }
        if !self.operations.is_empty() {
            let ops: Vec<&str> = self.operations.iter().map(String::as_str).collect();
            parts.push(format!("ops={}", ops.join("+")));
        }
        if let Some(seed) = self.seed {
            parts.push(format!("seed={seed}"));
        }
        if let Some(max) = self.max_faults {
            parts.push(format!("max={max}"));
        }
        f.write_str(&parts.join(","))
    }
}

/// Requests and injected faults for one operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct OperationStats {
    /// Requests received (every attempt, faulted or not).
    pub received: u64,
    /// Requests processed by the operation's handler (answered, or dropped after processing).
    pub processed: u64,
    /// Requests that waited for added latency.
    pub delayed: u64,
    /// `TooManyRequestsException` answers injected.
    pub throttled: u64,
    /// HTTP 500 answers injected.
    pub error_500: u64,
    /// HTTP 503 answers injected.
    pub error_503: u64,
    /// Connections dropped before processing.
    pub dropped_before: u64,
    /// Connections dropped after processing (response lost).
    pub dropped_after: u64,
}

impl OperationStats {
    /// Every fault injected (latency not counted).
    pub fn faults(&self) -> u64 {
        self.throttled + self.error_500 + self.error_503 + self.dropped_before + self.dropped_after
    }
}

/// Per-operation counters since start (or the last [`Emulator::reset_stats`](crate::Emulator::reset_stats)),
/// keyed by operation name (`InitiateAuth`, ...). Requests without a known operation are counted
/// under their raw `X-Amz-Target` (or `-` without one).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FaultStats {
    /// Counters per operation.
    pub operations: BTreeMap<String, OperationStats>,
}

impl FaultStats {
    /// The counters of one operation (zeros when it was never called).
    pub fn get(&self, operation: &str) -> OperationStats {
        self.operations.get(operation).copied().unwrap_or_default()
    }

    /// Requests received, all operations.
    pub fn total_received(&self) -> u64 {
        self.operations.values().map(|s| s.received).sum()
    }

    /// Faults injected, all operations.
    pub fn total_faults(&self) -> u64 {
        self.operations.values().map(OperationStats::faults).sum()
    }
}

/// What to do with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    Throttle,
    Error500,
    Error503,
    DropBefore,
    DropAfter,
}

impl Fault {
    /// The answer of an error fault.
    pub(crate) fn error(self) -> Option<ApiError> {
        match self {
            Fault::Throttle => Some(ApiError::new("TooManyRequestsException", "Rate exceeded")),
            Fault::Error500 => Some(
                ApiError::new(
                    "InternalErrorException",
                    "Internal error (injected by the emulator's fault mode)",
                )
                .with_status(http::StatusCode::INTERNAL_SERVER_ERROR),
            ),
            Fault::Error503 => Some(
                ApiError::new(
                    "ServiceUnavailableException",
                    "Service unavailable (injected by the emulator's fault mode)",
                )
                .with_status(http::StatusCode::SERVICE_UNAVAILABLE),
            ),
            Fault::None | Fault::DropBefore | Fault::DropAfter => None,
        }
    }
}

/// The emulator's fault state: configuration, RNG, counters.
#[derive(Debug)]
pub(crate) struct FaultState {
    inner: Mutex<FaultInner>,
    default_seed: Option<u64>,
}

#[derive(Debug)]
struct FaultInner {
    faults: Faults,
    rng: Rng,
    injected: u64,
    stats: FaultStats,
}

impl FaultState {
    pub(crate) fn new(faults: Faults, default_seed: Option<u64>) -> Self {
        let rng = Rng::new(faults.seed.or(default_seed));
        FaultState {
            inner: Mutex::new(FaultInner {
                faults,
                rng,
                injected: 0,
                stats: FaultStats::default(),
            }),
            default_seed,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the configuration (re-seeds the RNG and restarts the `max_faults` budget).
    pub(crate) fn set(&self, faults: Faults) {
        let mut g = self.lock();
        g.rng = Rng::new(faults.seed.or(self.default_seed));
        g.injected = 0;
        g.faults = faults;
    }

    pub(crate) fn get(&self) -> Faults {
        self.lock().faults.clone()
    }

    pub(crate) fn stats(&self) -> FaultStats {
        self.lock().stats.clone()
    }

    pub(crate) fn reset_stats(&self) {
        self.lock().stats = FaultStats::default();
    }

    /// Counts a received request and decides its delay and fault.
    pub(crate) fn decide(&self, operation: &str) -> (Duration, Fault) {
        let mut g = self.lock();
        let g = &mut *g;
        let stats = g.stats.operations.entry(operation.to_owned()).or_default();
        stats.received += 1;
        let f = &g.faults;
        if !f.is_active() || !f.applies_to(operation) {
            return (Duration::ZERO, Fault::None);
        }
        let mut delay = f.latency;
        if !f.jitter.is_zero() {
            delay += f.jitter.mul_f64(unit(&g.rng));
        }
        if !delay.is_zero() {
            stats.delayed += 1;
        }
        if f.max_faults.is_some_and(|m| g.injected >= m) || f.total_rate() <= 0.0 {
            return (delay, Fault::None);
        }
        let x = unit(&g.rng);
        let mut edge = 0.0;
        let mut fault = Fault::None;
        for (rate, kind) in [
            (f.throttle, Fault::Throttle),
            (f.error_500, Fault::Error500),
            (f.error_503, Fault::Error503),
            (f.drop_before, Fault::DropBefore),
            (f.drop_after, Fault::DropAfter),
        ] {
            edge += rate;
            if rate > 0.0 && x < edge {
                fault = kind;
                break;
            }
        }
        match fault {
            Fault::None => {}
            Fault::Throttle => stats.throttled += 1,
            Fault::Error500 => stats.error_500 += 1,
            Fault::Error503 => stats.error_503 += 1,
            Fault::DropBefore => stats.dropped_before += 1,
            Fault::DropAfter => stats.dropped_after += 1,
        }
        if fault != Fault::None {
            g.injected += 1;
        }
        (delay, fault)
    }

    /// Counts a request its handler processed.
    pub(crate) fn processed(&self, operation: &str) {
        self.lock()
            .stats
            .operations
            .entry(operation.to_owned())
            .or_default()
            .processed += 1;
    }
}

/// A uniform draw in `[0, 1)` (53 random bits).
fn unit(rng: &Rng) -> f64 {
    let mut b = [0u8; 8];
    rng.fill(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_fall_into_their_bands_deterministically() {
        let faults = Faults::default().throttle(0.25).error_500(0.25).seed(1);
        let a = FaultState::new(faults.clone(), None);
        let b = FaultState::new(faults, None);
        let draws: Vec<Fault> = (0..400).map(|_| a.decide("GetUser").1).collect();
        let again: Vec<Fault> = (0..400).map(|_| b.decide("GetUser").1).collect();
        assert_eq!(draws, again, "the same seed gives the same faults");
        let s = a.stats().get("GetUser");
        assert_eq!(s.received, 400);
        assert!((70..=130).contains(&s.throttled), "{s:?}");
        assert!((70..=130).contains(&s.error_500), "{s:?}");
        assert_eq!(s.error_503 + s.dropped_before + s.dropped_after, 0);
    }

    #[test]
    fn operation_filter_and_budget() {
        let st = FaultState::new(
            Faults::default()
                .throttle(1.0)
                .only(["InitiateAuth"])
                .max_faults(2),
            Some(3),
        );
        assert_eq!(st.decide("GetUser").1, Fault::None);
        assert_eq!(st.decide("InitiateAuth").1, Fault::Throttle);
        assert_eq!(st.decide("InitiateAuth").1, Fault::Throttle);
        assert_eq!(st.decide("InitiateAuth").1, Fault::None);
        let stats = st.stats();
        assert_eq!(stats.get("InitiateAuth").received, 3);
        assert_eq!(stats.get("InitiateAuth").throttled, 2);
        assert_eq!(stats.get("GetUser").faults(), 0);
        assert_eq!(stats.total_received(), 4);
    }

    #[test]
    fn parse_rejects_bad_specs() {
        for bad in [
            "throttle=2",
            "throttle=0.6,500=0.6",
            "latency=5parsecs",
            "ops=NoSuchOperation",
            "nonsense=1",
            "throttle",
            "seed=x",
        ] {
            assert!(bad.parse::<Faults>().is_err(), "{bad}");
        }
        assert_eq!("".parse::<Faults>(), Ok(Faults::default()));
        let f: Faults = "latency=3,jitter=250us,503=0.5,drop-before=0.1,max=4"
            .parse()
            .unwrap();
        assert_eq!(f.latency, Duration::from_millis(3));
        assert_eq!(f.jitter, Duration::from_micros(250));
        assert_eq!(f.max_faults, Some(4));
        assert!(f.is_active());
        // Display gives the spec back.
        assert_eq!(
            f.to_string(),
            "latency=3ms,jitter=250us,503=0.5,drop-before=0.1,max=4"
        );
        for spec in [
            "",
            "throttle=0.25,ops=GetUser+InitiateAuth,seed=9",
            "latency=1500us,drop-after=1",
        ] {
            let parsed: Faults = spec.parse().unwrap();
            assert_eq!(parsed.to_string().parse::<Faults>(), Ok(parsed), "{spec}");
        }
    }
}
