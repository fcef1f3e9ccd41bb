#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! cognito-admin tests: the signer, the pager over a scripted transport, and every operation
//! against the embedded emulator with SigV4 verification on.

mod emulator;
mod pagination;
mod signer;
