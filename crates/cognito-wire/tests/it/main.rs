//! Integration tests of cognito-wire (one binary, one module per concern).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod challenges;
mod client;
mod endpoints;
mod errors;
mod fuzzish;
mod models;
mod retry;
mod server;
