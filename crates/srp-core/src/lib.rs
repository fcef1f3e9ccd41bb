//! Cognito's SRP-6a dialect, byte for byte, in constant time.
//!
//! Amazon Cognito User Pools sign users (`USER_SRP_AUTH` → `PASSWORD_VERIFIER`) and remembered
//! devices (`DEVICE_SRP_AUTH` → `DEVICE_PASSWORD_VERIFIER`) in with a variant of SRP-6a over the
//! 3072-bit group of RFC 5054 with SHA-256, HKDF and an HMAC "claim". This crate computes it
//! exactly as the reference clients (amazon-cognito-identity-js, pycognito) do, for both roles:
//!
//! - client: [`ClientEphemeral`] (a, `SRP_A`), [`ClientEphemeral::password_claim`],
//!   [`ClientEphemeral::device_claim`], and [`generate_device_secret`] for `ConfirmDevice`;
//! - server: [`Verifier`] (salt and v, never the password), [`ServerEphemeral`] (b, `SRP_B`) and the
//!   constant-time check of a claim;
//! - helpers: [`secret_hash`] (`SECRET_HASH`), [`format_timestamp`] / [`parse_timestamp`].
//!
//! It is pure: no IO, no clock, no global RNG. Time comes in as a formatted string or a
//! [`time::OffsetDateTime`], randomness through a [`ring::rand::SecureRandom`] argument (or as
//! explicit private values for tests). Secrets (password, a, x, S, key, device password) are types
//! that are zeroized on drop and print `[redacted]`. Exponentiations with secret exponents are
//! constant time, on crypto-bigint's Montgomery arithmetic: S through a fixed-window
//! exponentiation with a dedicated squaring, g^a and g^x through fixed-base comb tables
//! precomputed at build time with constant-time lookups.
//!
//! # A whole exchange
//!
//! ```
//! use srp_core::*;
//! let rng = ring::rand::SystemRandom::new();
//! let pool_id = "us-east-1_AbCdEf";
//!
//! // Sign-up, on the server: store a verifier, not the password.
//! let verifier = Verifier::generate_for_user(pool_id, "alice", &Password::new("Passw0rd!"), &rng)?;
//!
//! // InitiateAuth(USER_SRP_AUTH, SRP_A) -> PASSWORD_VERIFIER(SALT, SRP_B, SECRET_BLOCK).
//! let client = ClientEphemeral::generate(&rng)?;
//! let server = ServerEphemeral::generate(&verifier, &rng)?;
//! let block = SecretBlock::from_bytes(b"opaque server state".to_vec());
//! let challenge = VerifierChallenge::parse(
//!     &verifier.salt().to_hex(),
//!     &server.public().to_hex(),
//!     block.as_base64(),
//! )?;
//!
//! // RespondToAuthChallenge(PASSWORD_CLAIM_SIGNATURE, ...).
//! let timestamp = format_timestamp(time::macros::datetime!(2026-11-21 09:05:03 UTC))?;
//! let claim = client.password_claim(pool_id, "alice", &Password::new("Passw0rd!"), &challenge, &timestamp)?;
//!
//! // The server checks the claim.
//! let a = PublicValue::client_a(&client.public().to_hex())?;
//! assert!(server.verify_password_claim(&a, pool_id, "alice", &block, &claim.timestamp, &claim.signature)?);
//! # Ok::<(), SrpError>(())
//! ```
#![forbid(unsafe_code)]

mod claim;
mod client;
mod device;
mod error;
mod exchange;
mod fixed_base;
mod group;
mod hash;
mod inputs;
mod montgomery;
mod pad;
mod params;
mod random;
mod secret;
mod secret_hash;
mod server;
mod timestamp;

pub use client::{Claim, ClientEphemeral, PRIVATE_EPHEMERAL_BYTES, VerifierChallenge};
pub use device::{
    DEVICE_PASSWORD_BYTES, DeviceVerifierConfig, NewDeviceSecret, device_verifier_config,
    generate_device_secret,
};
pub use error::SrpError;
pub use exchange::{KeyDerivation, PasswordExponent};
pub use group::{k_hex, n_hex};
pub use inputs::{PublicValue, Salt, SecretBlock, pool_name};
pub use random::RandomSource;
pub use secret::{DevicePassword, Password, PremasterSecret, SecretHash, SessionKey};
pub use secret_hash::secret_hash;
pub use server::{SALT_BYTES, SERVER_PRIVATE_BYTES, ServerEphemeral, Verifier};
pub use timestamp::{format_timestamp, parse_timestamp};

pub use ring;
pub use time;
