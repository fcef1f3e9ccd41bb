//! One end-to-end test binary; each module covers one capability. Every test starts the emulator
//! on 127.0.0.1 and talks to it over real HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod auth;
mod faults;
#[path = "../support/hosted.rs"]
mod hosted;
mod oauth;
mod oauth_code;
mod passkeys;
mod session;
mod triggers;
