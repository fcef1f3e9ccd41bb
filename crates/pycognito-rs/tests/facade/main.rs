//! Integration tests of the `pycognito` library against the embedded emulator over HTTP on
//! 127.0.0.1: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod account;
mod admin;
mod auth;
mod blocking;
mod layer;

use cognito_emulator::{AppClient, ClientSpec, Emulator, EmulatorConfig, ManualClock, PoolSpec};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

pub const PASSWORD: &str = "Passw0rd!";

/// The emulator's manual clock, read by the client too.
#[derive(Debug, Clone)]
pub struct SharedClock(pub Arc<ManualClock>);

impl cognito_auth::Clock for SharedClock {
    fn now(&self) -> OffsetDateTime {
        let t = cognito_emulator::Clock::now(self.0.as_ref());
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        OffsetDateTime::from_unix_timestamp_nanos(d.as_nanos() as i128).unwrap()
    }
}

/// An emulator with one pool and one app client, and a clock shared with the clients.
#[allow(missing_debug_implementations)]
pub struct Env {
    pub emu: Emulator,
    pub clock: SharedClock,
    pub pool_id: String,
    pub client: AppClient,
}

impl Env {
    pub async fn start(pool: PoolSpec, client: ClientSpec) -> Env {
        let clock = Arc::new(ManualClock::new(SystemTime::now()));
        let config = EmulatorConfig::default().clock(Some(clock.clone()));
        let emu = Emulator::start(config).await.expect("emulator starts");
        let pool_id = emu.create_pool(pool).unwrap();
        let client = emu.create_client(&pool_id, client).unwrap();
        Env {
            emu,
            clock: SharedClock(clock),
            pool_id,
            client,
        }
    }

    pub async fn default() -> Env {
        Env::start(PoolSpec::named("facade"), ClientSpec::confidential("app")).await
    }

    /// A `Cognito` builder for this pool and client, at the emulator, with the shared clock and
    /// the admin credentials the emulator accepts.
    pub fn builder(&self, username: &str) -> pycognito::CognitoBuilder {
        let mut b = pycognito::Cognito::builder(&self.pool_id, &self.client.client_id)
            .endpoint_url(self.emu.url())
            .username(username)
            .clock(Arc::new(self.clock.clone()))
            .admin_credentials("test", "test");
        if let Some(secret) = &self.client.client_secret {
            b = b.client_secret(secret.as_str());
        }
        b
    }

    pub fn cognito(&self, username: &str) -> pycognito::Cognito {
        self.builder(username).build().unwrap()
    }

    pub fn user(&self, name: &str) {
        self.emu
            .create_user(
                &self.pool_id,
                cognito_emulator::UserSpec::new(name, PASSWORD)
                    .attribute("email", format!("{name}@example.com")),
            )
            .unwrap();
    }

    pub fn advance(&self, by: Duration) {
        assert!(self.emu.advance_clock(by));
    }

    pub fn now_unix(&self) -> i64 {
        cognito_auth::Clock::now(&self.clock).unix_timestamp()
    }
}

/// RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) for a base32 secret at a Unix time.
pub fn totp(secret_b32: &str, unix: i64) -> String {
    pycognito_tests::totp(secret_b32, unix)
}

#[test]
fn totp_matches_rfc6238() {
    assert_eq!(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59), "287082");
}
