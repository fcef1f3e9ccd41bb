//! Configuration: port, state file, credentials, issuer, session lifetime, clock, RNG seed and
//! fault mode.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of time. The emulator reads every instant (token times, session expiry, TOTP, SRP
/// timestamps, SigV4 dates) from it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> SystemTime;
    /// Moves a manual clock forward; returns `false` for clocks that cannot be moved.
    fn advance(&self, by: Duration) -> bool {
        let _ = by;
        false
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to (deterministic tests).
///
/// ```
/// use cognito_emulator::{Clock, ManualClock};
/// use std::time::Duration;
/// let c = ManualClock::at_unix(1_700_000_000);
/// c.advance(Duration::from_secs(5));
/// assert_eq!(c.now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_700_000_005);
/// ```
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    /// A clock showing this instant.
    pub fn new(at: SystemTime) -> Self {
        ManualClock(Mutex::new(at))
    }

    /// A clock showing these Unix seconds.
    pub fn at_unix(secs: u64) -> Self {
        Self::new(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// Sets the time.
    pub fn set(&self, at: SystemTime) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.0.lock().map(|t| *t).unwrap_or(UNIX_EPOCH)
    }
    fn advance(&self, by: Duration) -> bool {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
        true
    }
}

/// Which issuer (`iss`) the tokens carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerMode {
    /// `<emulator url>/<pool id>`: where the emulator serves the JWKS, so clients that derive the
    /// issuer from their endpoint (as pycognito does) verify the tokens.
    #[default]
    EmulatorUrl,
    /// `https://cognito-idp.<region>.<DNS suffix>/<pool id>`, as AWS (the DNS suffix of the
    /// region's partition: `amazonaws.com`, `amazonaws.com.cn`, ...; `cognito_wire::PoolId`).
    Aws,
}

/// How to run an emulator.
///
/// ```
/// let c = cognito_emulator::EmulatorConfig::default();
/// assert_eq!(c.port, 0);
/// assert_eq!(c.credentials, vec![("test".to_string(), "test".to_string())]);
/// assert_eq!(c.session_ttl, std::time::Duration::from_secs(180));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Persist every change to this file (and load it at start).
    pub state_file: Option<PathBuf>,
    /// Access keys (id, secret) whose SigV4 signatures are accepted on admin operations.
    pub credentials: Vec<(String, String)>,
    /// The issuer of tokens.
    pub issuer: IssuerMode,
    /// How long a challenge session lives (Cognito: 3 minutes).
    pub session_ttl: Duration,
    /// How far an SRP `TIMESTAMP` may be from the emulator clock (either way).
    pub timestamp_window: Duration,
    /// How far a SigV4 `X-Amz-Date` may be from the emulator clock (AWS: 15 minutes).
    pub sigv4_window: Duration,
    /// The clock; the system clock when `None`.
    pub clock: Option<Arc<dyn Clock>>,
    /// Seed of the RNG (ids, keys, codes, SRP); random when `None`.
    pub rng_seed: Option<u64>,
    /// Append every outbox message to this file (JSON lines).
    pub outbox_log: Option<PathBuf>,
    /// Require SigV4 on admin operations (turn off only to experiment).
    pub require_sigv4: bool,
    /// Fault injection (latency, dropped connections, 5xx, throttling); none by default.
    /// Changeable on a running emulator with [`Emulator::set_faults`](crate::Emulator::set_faults).
    pub faults: crate::Faults,
    /// How long a client may take to send a request's headers; also how long a keep-alive
    /// connection may stay idle between requests (the timer starts as soon as the connection
    /// waits for a request). The connection is closed after it. Default 30 seconds.
    pub header_read_timeout: Duration,
    /// At most this many connections are served at once; further ones wait (in the listen
    /// backlog) until one closes. Default 512.
    pub max_connections: usize,
    /// Local handlers of the Lambda functions that pools' triggers name, by key: a function
    /// ARN, a pool id (every function of that pool) or `*` (every function); see
    /// [`crate::TriggerHandler`] and [`EmulatorConfig::trigger`]. An ARN without a handler
    /// fails as Cognito fails when it cannot invoke a function. Changeable on a running
    /// emulator with [`Emulator::set_trigger`](crate::Emulator::set_trigger).
    pub triggers: std::collections::BTreeMap<String, crate::TriggerHandler>,
    /// How long a trigger's handler may take (Cognito: 5 seconds).
    pub trigger_timeout: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            state_file: None,
            credentials: vec![("test".to_owned(), "test".to_owned())],
            issuer: IssuerMode::EmulatorUrl,
            session_ttl: Duration::from_secs(180),
            timestamp_window: Duration::from_secs(300),
            sigv4_window: Duration::from_secs(900),
            clock: None,
            rng_seed: None,
            outbox_log: None,
            require_sigv4: true,
            faults: crate::Faults::default(),
            header_read_timeout: Duration::from_secs(30),
            max_connections: 512,
            triggers: std::collections::BTreeMap::new(),
            trigger_timeout: crate::triggers::DEFAULT_TIMEOUT,
        }
    }
}

impl EmulatorConfig {
    /// Deterministic mode: a manual clock at `unix_secs` and a seeded RNG.
    pub fn deterministic(unix_secs: u64, seed: u64) -> Self {
        EmulatorConfig {
            clock: Some(Arc::new(ManualClock::at_unix(unix_secs))),
            rng_seed: Some(seed),
            ..EmulatorConfig::default()
        }
    }
}
