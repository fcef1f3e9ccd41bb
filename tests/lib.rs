//! Shared helpers for the end-to-end test binary in `e2e/`: an emulator on loopback with a
//! manual clock shared with the client, and an RFC 6238 code generator for TOTP set-up.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod managed_login;

use cognito_auth::{CognitoAuth, CognitoAuthBuilder};
use cognito_emulator::{AppClient, ClientSpec, Emulator, EmulatorConfig, ManualClock, PoolSpec};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

/// The emulator's manual clock, seen by the client too.
#[derive(Debug, Clone)]
pub struct SharedClock(pub Arc<ManualClock>);

impl cognito_auth::Clock for SharedClock {
    fn now(&self) -> OffsetDateTime {
        let t = cognito_emulator::Clock::now(self.0.as_ref());
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        OffsetDateTime::from_unix_timestamp_nanos(d.as_nanos() as i128).unwrap()
    }
}

/// An emulator with one pool and one app client.
#[allow(missing_debug_implementations)] // holds the running server
pub struct Env {
    pub emu: Emulator,
    pub clock: SharedClock,
    pub pool_id: String,
    pub client: AppClient,
}

impl Env {
    /// Starts an emulator (manual clock at the real now) with a pool and a client.
    pub async fn start(pool: PoolSpec, client: ClientSpec) -> Env {
        let clock = Arc::new(ManualClock::new(SystemTime::now()));
        let config = EmulatorConfig::default().clock(Some(clock.clone()));
        let emu = Emulator::start(config)
            .await
            .expect("emulator starts on 127.0.0.1");
        let pool_id = emu.create_pool(pool).unwrap();
        let client = emu.create_client(&pool_id, client).unwrap();
        Env {
            emu,
            clock: SharedClock(clock),
            pool_id,
            client,
        }
    }

    /// A client builder pointed at the emulator, with the shared clock and the client's secret.
    pub fn auth_builder(&self) -> CognitoAuthBuilder {
        let mut b = CognitoAuth::builder(&self.pool_id, &self.client.client_id)
            .endpoint_url(self.emu.url())
            .clock(Arc::new(self.clock.clone()));
        if let Some(secret) = &self.client.client_secret {
            b = b.client_secret(secret.as_str());
        }
        b
    }

    /// Moves both clocks forward.
    pub fn advance(&self, by: Duration) {
        assert!(
            self.emu.advance_clock(by),
            "the emulator has a manual clock"
        );
    }

    /// The current TOTP code for a base32 secret at the shared clock's time.
    pub fn totp_now(&self, secret_b32: &str) -> String {
        let now = cognito_auth::Clock::now(&self.clock).unix_timestamp();
        totp(secret_b32, now)
    }
}

/// RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) for a base32 secret at a Unix time.
pub fn totp(secret_b32: &str, unix: i64) -> String {
    cognito_emulator::totp_code(secret_b32, unix).expect("a base32 TOTP secret")
}

#[cfg(test)]
mod tests {
    #[test]
    fn totp_matches_rfc6238_sha1_vectors() {
        // RFC 6238 appendix B: secret "12345678901234567890" (base32 below), 8 digits there;
        // the last 6 digits are the 6-digit code.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(super::totp(secret, 59), "287082");
        assert_eq!(super::totp(secret, 1111111109), "081804");
        assert_eq!(super::totp(secret, 20000000000), "353130");
    }
}

/// The README's code blocks, compiled (and, where they are not `no_run`, run) by `cargo test`
/// as doctests of this crate, so the README's example works when pasted.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct Readme;

/// docs/getting-started.md's code blocks, compiled by `cargo test` like the README's.
#[cfg(doctest)]
#[doc = include_str!("../docs/getting-started.md")]
pub struct GettingStarted;

/// docs/oauth.md's code blocks, compiled by `cargo test` like the README's.
#[cfg(doctest)]
#[doc = include_str!("../docs/oauth.md")]
pub struct OAuthGuide;

/// docs/passkeys.md's code blocks, compiled by `cargo test` like the README's.
#[cfg(doctest)]
#[doc = include_str!("../docs/passkeys.md")]
pub struct PasskeysGuide;
