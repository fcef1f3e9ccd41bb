//! Remembered devices: the `DeviceSecretVerifierConfig` a client sends with `ConfirmDevice`.

use crate::RandomSource;
use crate::exchange::PasswordExponent;
use crate::inputs::Salt;
use crate::{DevicePassword, SrpError, pad};
use base64::Engine;
use zeroize::Zeroize;

/// Random bytes behind a device password (base64-encoded, as the reference clients do).
pub const DEVICE_PASSWORD_BYTES: usize = 40;

/// `DeviceSecretVerifierConfig`: base64 of the padded verifier g^x and of the padded salt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceVerifierConfig {
    /// `PasswordVerifier`.
    pub password_verifier: String,
    /// `Salt`.
    pub salt: String,
}

/// A new device's secret: the password to keep (with the device key) and the config to send.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewDeviceSecret {
    /// Keep it, with the device key and group key, to sign in as the device later.
    pub password: DevicePassword,
    /// Send it as `DeviceSecretVerifierConfig` in `ConfirmDevice`.
    pub config: DeviceVerifierConfig,
}

/// The verifier config for a device password and a salt: x = H(salt | H(group key + device key
/// + ":" + password)), verifier = g^x.
///
/// ```
/// use srp_core::{DevicePassword, Salt, device_verifier_config};
/// let salt = Salt::from_integer_bytes(&[0x73; 16])?;
/// let cfg = device_verifier_config("-abc", "us-east-1_dev", &DevicePassword::new("pw"), &salt)?;
/// assert_eq!(cfg.salt, "c3Nzc3Nzc3Nzc3Nzc3Nzcw==");
/// # Ok::<(), srp_core::SrpError>(())
/// ```
pub fn device_verifier_config(
    device_group_key: &str,
    device_key: &str,
    password: &DevicePassword,
    salt: &Salt,
) -> Result<DeviceVerifierConfig, SrpError> {
    let x = PasswordExponent::for_device(device_group_key, device_key, password, salt)?;
    let verifier = pad::padded_bytes(&x.verifier().retrieve());
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(DeviceVerifierConfig {
        password_verifier: b64.encode(verifier),
        salt: b64.encode(salt.padded_bytes()),
    })
}

/// A fresh device password (40 random bytes, base64) and salt (16 random bytes read as an integer,
/// padded), and the verifier config for them, exactly as the reference clients build them.
pub fn generate_device_secret(
    device_group_key: &str,
    device_key: &str,
    rng: &dyn RandomSource,
) -> Result<NewDeviceSecret, SrpError> {
    let mut raw = [0u8; DEVICE_PASSWORD_BYTES];
    rng.fill_random(&mut raw)?;
    let password = DevicePassword::new(base64::engine::general_purpose::STANDARD.encode(raw));
    raw.zeroize();
    let mut salt = [0u8; crate::server::SALT_BYTES];
    rng.fill_random(&mut salt)?;
    let config = device_verifier_config(
        device_group_key,
        device_key,
        &password,
        &Salt::from_integer_bytes(&salt)?,
    )?;
    Ok(NewDeviceSecret { password, config })
}
