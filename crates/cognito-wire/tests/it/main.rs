//! Integration tests of cognito-wire (one binary, one module per concern).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod models;
