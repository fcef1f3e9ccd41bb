#![doc = include_str!("../README.md")]
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
