//! Generated models (by `cargo xtask codegen` from `crates/cognito-wire/model/service-2.json`).
//!
//! - [`shapes`]: every structure (requests, responses, nested types, exception bodies);
//! - [`enums`]: every string enum, each with `Unknown(String)`;
//! - [`operations`]: one zero-sized [`Operation`](crate::Operation) type per operation and the
//!   [`OPERATIONS`](operations::OPERATIONS) table;
//! - [`errors`]: [`ServiceErrorKind`](errors::ServiceErrorKind), every modeled exception.
//!
//! Conventions: fields are snake case with `#[serde(rename)]` to the model's name; optional
//! members are `Option` and skipped when `None`; unknown JSON fields are ignored; maps are
//! `BTreeMap<String, _>`; timestamps are [`EpochSeconds`](crate::EpochSeconds); blobs are
//! `Vec<u8>` (base64 on the wire); sensitive members are
//! [`SensitiveString`](crate::SensitiveString).

pub mod enums;
pub mod errors;
pub mod operations;
pub mod shapes;

pub use enums::*;
pub use shapes::*;
