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
//!
//! Every structure `X` has a builder, `X::builder()`: one setter per member, named as the field
//! and taking `impl Into<T>` (optional members also have `set_m(Option<T>)`), then `build()`,
//! which returns `Result<X, MissingField>` when `X` has required members (the
//! [`MissingField`](crate::MissingField) names the first one not set) and `X` otherwise. Build
//! shapes this way rather than with struct literals: the shapes will become `#[non_exhaustive]`.
//! Builders of sensitive shapes print nothing in `Debug`; other builders print their members,
//! whose secrets are [`SensitiveString`](crate::SensitiveString)s and print `[redacted]`.
//!
//! ```
//! use cognito_wire::{AdminGetUserRequest, AttributeType, MissingField, UpdateUserAttributesRequest};
//!
//! let request = AdminGetUserRequest::builder()
//!     .user_pool_id("eu-west-1_AbCdEfGhI")
//!     .username("alice")
//!     .build()?;
//! assert_eq!(request.username.expose(), "alice");
//! assert!(!format!("{:?}", AdminGetUserRequest::builder().username("alice")).contains("alice"));
//!
//! let email = AttributeType::builder().name("email").value("a@example.com").build()?;
//! let update = UpdateUserAttributesRequest::builder()
//!     .user_attributes(vec![email])
//!     .build();
//! assert_eq!(
//!     update.unwrap_err().to_string(),
//!     "UpdateUserAttributesRequest needs AccessToken (its `access_token` member)"
//! );
//! # Ok::<(), MissingField>(())
//! ```

pub mod enums;
pub mod errors;
pub mod operations;
pub mod shapes;

pub use enums::*;
pub use shapes::*;
