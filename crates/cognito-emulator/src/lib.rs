#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod admin;
mod auth;
mod config;
mod coverage;
mod dispatch;
mod error;
mod events;
mod faults;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod hosted;
mod hosted_pages;
mod import;
mod inner;
mod lockout;
mod oauth_config;
mod oauth_token;
mod ops;
mod persist;
mod pools;
mod rng;
mod schema;
mod secrets;
mod server;
mod sigv4;
mod simulate;
mod spec;
mod spec_setters;
mod standalone;
mod state;
mod store;
mod token_exchange;
mod tokens;
mod totp;
mod triggers;
mod txn;
mod webauthn;

pub use config::{Clock, EmulatorConfig, IssuerMode, ManualClock, SystemClock};
pub use dispatch::IMPLEMENTED;
pub use error::{ApiError, EmulatorError};
pub use faults::{FaultStats, Faults, OperationStats};
pub use spec::{
    AppClient, ClientSpec, DEFAULT_AUTH_FLOWS, DeviceTracking, GroupSpec, Medium, MfaConfig,
    OutboxKind, OutboxMessage, PoolSpec, Seed, SeedPool, UserMfaSpec, UserSpec,
};
pub use standalone::{StandaloneOptions, serve_standalone, start_standalone};
pub use totp::totp_code;
pub use triggers::TriggerHandler;

use inner::Inner;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// A running emulator. Dropping it without [`Emulator::shutdown`] leaves the server running until
/// the runtime stops.
#[derive(Debug)]
pub struct Emulator {
    inner: Arc<Inner>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Loads the state file (if any), binds 127.0.0.1:`port` and starts serving.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
        config.faults.validate().map_err(EmulatorError::Config)?;
        let state_file = config.state_file.clone();
        let (store, opened) =
            tokio::task::spawn_blocking(move || store::Store::open(state_file.as_deref()))
                .await
                .map_err(|e| EmulatorError::State(e.to_string()))?
                .map_err(EmulatorError::State)?;
        if let (Some(json), Some(db)) = (&opened.imported_from, &opened.database) {
            tracing::warn!(
                json = %json.display(),
                database = %db.display(),
                "imported the JSON state file into a new database (the JSON file is left as it was; later changes go to the database)"
            );
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner::new(config, store));
        if let Ok(mut url) = inner.base_url.lock() {
            *url = format!("http://{addr}");
        }
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, inner.clone(), rx));
        Ok(Emulator {
            inner,
            addr,
            stop,
            task,
        })
    }

    /// The base URL, `http://127.0.0.1:PORT` (the endpoint to give clients).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Runs `f` as one transaction (committed before this returns).
    fn with_state<T>(
        &self,
        f: impl Fn(&Inner, &mut txn::State) -> Result<T, ApiError>,
    ) -> Result<T, EmulatorError> {
        Ok(txn::transact(&self.inner, |ctx| f(ctx, &mut ctx.lock()))?)
    }

    /// The database file of an emulator with a state file: the state path itself, or
    /// `<path>.sqlite` when the path holds a JSON state file of the earlier format (imported
    /// into it at the first start). `None` for an emulator without a state file (its temporary
    /// database is removed when the emulator is dropped).
    pub fn database_path(&self) -> Option<std::path::PathBuf> {
        self.inner
            .config
            .state_file
            .as_ref()
            .map(|_| self.inner.store.path().to_path_buf())
    }

    /// Creates a user pool; returns its id (`us-east-1_XXXXXXXXX`, or `spec.id`).
    pub fn create_pool(&self, spec: PoolSpec) -> Result<String, EmulatorError> {
        self.with_state(|inner, st| {
            inner::create_pool(inner, st, spec.clone(), serde_json::Value::Null)
        })
    }

    /// Creates an app client in a pool.
    pub fn create_client(
        &self,
        pool_id: &str,
        spec: ClientSpec,
    ) -> Result<AppClient, EmulatorError> {
        self.with_state(|inner, st| {
            let c =
                inner::create_client(inner, st, pool_id, spec.clone(), serde_json::Value::Null)?;
            Ok(AppClient {
                client_id: c.id,
                client_secret: c.secret,
            })
        })
    }

    /// Creates a user (no password policy check: tests may use any password). Its `email` /
    /// `phone_number` count as verified unless the spec says otherwise.
    pub fn create_user(&self, pool_id: &str, spec: UserSpec) -> Result<(), EmulatorError> {
        self.with_state(|inner, st| provision_user(inner, st, pool_id, spec.clone()).map(|_| ()))
    }

    /// Creates many users in one transaction (the bulk path of seeding: a million users take
    /// one commit, not a million). The SRP verifiers of their passwords are computed first, on
    /// every core, outside the transaction. As [`Emulator::create_user`] otherwise; if one user
    /// is refused, none is created. Returns how many were created.
    pub fn create_users(
        &self,
        pool_id: &str,
        specs: Vec<UserSpec>,
    ) -> Result<usize, EmulatorError> {
        let verifiers = precompute_verifiers(&self.inner, pool_id, &specs)?;
        let n = specs.len();
        self.with_state(|inner, st| {
            for (spec, v) in specs.iter().zip(&verifiers) {
                provision_user_with(inner, st, pool_id, spec.clone(), v.clone())?;
            }
            Ok(n)
        })
    }

    /// Adds a user to a group, creating the group if needed.
    pub fn add_to_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> Result<(), EmulatorError> {
        self.with_state(|inner, st| inner::add_to_group(inner, st, pool_id, username, group, true))
    }

    /// Provisions every pool, client, user and group of a seed (see [`Seed`]).
    pub fn seed(&self, seed: &Seed) -> Result<Vec<String>, EmulatorError> {
        for (key, handler) in &seed.triggers {
            self.set_trigger(key.clone(), Some(handler.clone()));
        }
        self.with_state(|inner, st| apply_seed(inner, st, seed))
    }

    /// Every message "sent" so far.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        txn::read(&self.inner, |st| st.outbox(None, None)).unwrap_or_default()
    }

    /// The code of the latest message sent to a user (by username, alias or sub).
    pub fn latest_code(&self, pool_id: &str, username: &str) -> Option<String> {
        txn::read(&self.inner, |st| {
            let name = st
                .find_user(pool_id, username)?
                .unwrap_or_else(|| username.to_owned());
            Ok(st.latest_message(pool_id, &name)?.map(|m| m.code))
        })
        .ok()
        .flatten()
    }

    /// The current TOTP code of a user with a verified software token.
    pub fn totp_code(&self, pool_id: &str, username: &str) -> Option<String> {
        let user = txn::read(&self.inner, |st| st.find_user_record(pool_id, username))
            .ok()
            .flatten()?;
        let secret = totp::base32_decode(user.mfa.totp_secret.as_deref()?)?;
        Some(totp::code_at(&secret, totp::step(self.inner.now())))
    }

    /// Moves a manual clock forward (no effect with the system clock; returns whether it moved).
    pub fn advance_clock(&self, by: std::time::Duration) -> bool {
        self.inner.clock.advance(by)
    }

    /// The emulator's notion of now.
    pub fn now(&self) -> std::time::SystemTime {
        self.inner.now_system()
    }

    /// Replaces the fault mode of the running emulator (see [`Faults`]): the fault RNG is
    /// re-seeded and the `max_faults` budget restarts. `Faults::none()` turns faults off.
    pub fn set_faults(&self, faults: Faults) -> Result<(), EmulatorError> {
        faults.validate().map_err(EmulatorError::Config)?;
        self.inner.faults.set(faults);
        Ok(())
    }

    /// Maps `key` (a function ARN, a pool id for every function of that pool, or `*`) to a
    /// local handler of Lambda functions, or removes the mapping (`None`); see
    /// [`TriggerHandler`]. Takes effect for the next request.
    pub fn set_trigger(&self, key: impl Into<String>, handler: Option<TriggerHandler>) {
        self.inner.trigger_handlers.set(key.into(), handler);
    }

    /// The fault mode in force.
    pub fn faults(&self) -> Faults {
        self.inner.faults.get()
    }

    /// Requests received, processed and faulted, per operation (also served as JSON at
    /// `GET /_emulator/stats`).
    pub fn stats(&self) -> FaultStats {
        self.inner.faults.stats()
    }

    /// Sets every counter of [`Emulator::stats`] back to zero.
    pub fn reset_stats(&self) {
        self.inner.faults.reset_stats();
    }

    /// Stops accepting connections and closes the open ones.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// The verifiers of the users' passwords (for the usernames the specs give), computed on every
/// core. `None` for a user without a password or in a pool whose usernames are generated.
fn precompute_verifiers(
    inner: &Arc<Inner>,
    pool_id: &str,
    specs: &[UserSpec],
) -> Result<Vec<Option<state::StoredVerifier>>, ApiError> {
    let generated = txn::read(inner, |st| {
        Ok(!st.pool(pool_id)?.spec.username_attributes.is_empty())
    })?;
    if generated {
        return Ok(vec![None; specs.len()]);
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = specs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|spec| {
                            match spec
                                .password
                                .as_deref()
                                .or(spec.temporary_password.as_deref())
                            {
                                Some(p) => {
                                    inner.make_verifier(pool_id, &spec.username, p).map(Some)
                                }
                                None => Ok(None),
                            }
                        })
                        .collect::<Result<Vec<_>, ApiError>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(specs.len());
        for h in handles {
            out.extend(
                h.join()
                    .map_err(|_| error::internal("a verifier thread panicked"))??,
            );
        }
        Ok(out)
    })
}

/// A user from the embedded API or a seed: verified contact attributes unless stated.
fn provision_user(
    inner: &Inner,
    st: &mut txn::State,
    pool_id: &str,
    spec: UserSpec,
) -> Result<String, ApiError> {
    provision_user_with(inner, st, pool_id, spec, None)
}

/// [`provision_user`] with a precomputed verifier ([`precompute_verifiers`]).
fn provision_user_with(
    inner: &Inner,
    st: &mut txn::State,
    pool_id: &str,
    mut spec: UserSpec,
    verifier: Option<state::StoredVerifier>,
) -> Result<String, ApiError> {
    for a in ["email", "phone_number"] {
        if spec.attributes.contains_key(a) {
            spec.attributes
                .entry(format!("{a}_verified"))
                .or_insert_with(|| "true".to_owned());
        }
    }
    if let Some(pool) = st.pools.get(pool_id)
        && !pool.spec.username_attributes.is_empty()
    {
        let a = if spec.username.contains('@') {
            "email_verified"
        } else {
            "phone_number_verified"
        };
        spec.attributes
            .entry(a.to_owned())
            .or_insert_with(|| "true".to_owned());
    }
    inner::create_user_with(inner, st, pool_id, &spec, false, verifier)
}

pub(crate) fn apply_seed(
    inner: &Inner,
    st: &mut txn::State,
    seed: &Seed,
) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::new();
    for sp in &seed.pools {
        let id = inner::create_pool(inner, st, sp.pool.clone(), serde_json::Value::Null)?;
        for c in &sp.clients {
            inner::create_client(inner, st, &id, c.clone(), serde_json::Value::Null)?;
        }
        for g in &sp.groups {
            let now = inner.now();
            st.pool_mut(&id)?.groups.insert(
                g.name.clone(),
                state::Group {
                    name: g.name.clone(),
                    description: g.description.clone(),
                    precedence: g.precedence,
                    role_arn: None,
                    created: now,
                    modified: now,
                },
            );
        }
        for u in &sp.users {
            provision_user(inner, st, &id, u.clone())?;
        }
        ids.push(id);
    }
    Ok(ids)
}
