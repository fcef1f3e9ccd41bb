//! The emulator over real HTTP on 127.0.0.1, with srp-core's client role for the SRP math.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod admin;
mod common;
mod concurrency;
mod coverage;
mod devices;
mod hosted;
mod interop;
mod mfa;
mod oauth_config;
mod oauth_token;
mod passkeys;
mod persist;
mod protections_account;
mod protections_signin;
mod srp;
mod standalone;
mod tokens;
mod triggers;
mod wire;
