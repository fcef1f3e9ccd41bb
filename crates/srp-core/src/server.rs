//! The server role, as Cognito plays it (used by the emulator): verifiers, B, and the check of a
//! client's claim.

use crate::RandomSource;
use crate::exchange::{self, KeyDerivation, PasswordExponent};
use crate::group::{self, Element};
use crate::inputs::{PublicValue, Salt, SecretBlock};
use crate::secret::SecretBytes;
use crate::{DeviceVerifierConfig, Password, SrpError, claim, fixed_base, pad};
use base64::Engine;
use crypto_bigint::U256;

/// Bytes of the server's private ephemeral b (256 bits: a 128-bit security level).
pub const SERVER_PRIVATE_BYTES: usize = 32;

/// Bytes of the random salt a server draws for a new password verifier.
pub const SALT_BYTES: usize = 16;

/// What a server stores instead of a password: the salt and v = g^x.
///
/// ```
/// use srp_core::{Password, Verifier};
/// let rng = ring::rand::SystemRandom::new();
/// let v = Verifier::generate_for_user("us-east-1_AbC", "alice", &Password::new("pw"), &rng)?;
/// assert!(format!("{v:?}").contains("[redacted]"));
/// # Ok::<(), srp_core::SrpError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    salt: Salt,
    v: Element,
}

impl Verifier {
    /// The verifier of a user's password with the given salt.
    pub fn for_user(
        pool_id: &str,
        username: &str,
        password: &Password,
        salt: Salt,
    ) -> Result<Self, SrpError> {
        let x = PasswordExponent::for_user(pool_id, username, password, &salt)?;
        Ok(Verifier {
            v: x.verifier(),
            salt,
        })
    }

    /// A verifier with a fresh random 16-byte salt.
    pub fn generate_for_user(
        pool_id: &str,
        username: &str,
        password: &Password,
        rng: &dyn RandomSource,
    ) -> Result<Self, SrpError> {
        let mut salt = [0u8; SALT_BYTES];
        rng.fill_random(&mut salt)?;
        Self::for_user(
            pool_id,
            username,
            password,
            Salt::from_integer_bytes(&salt)?,
        )
    }

    /// The verifier a client sent in `ConfirmDevice`'s `DeviceSecretVerifierConfig`.
    pub fn from_device_config(config: &DeviceVerifierConfig) -> Result<Self, SrpError> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let salt = b64
            .decode(&config.salt)
            .map_err(|_| SrpError::InvalidBase64 { field: "Salt" })?;
        let verifier =
            b64.decode(&config.password_verifier)
                .map_err(|_| SrpError::InvalidBase64 {
                    field: "PasswordVerifier",
                })?;
        Self::from_parts(&salt, &verifier)
    }

    /// Rebuilds a stored verifier from its salt (padded bytes) and v (big-endian bytes).
    pub fn from_parts(salt_bytes: &[u8], verifier_be: &[u8]) -> Result<Self, SrpError> {
        if salt_bytes.is_empty() {
            return Err(SrpError::Empty { field: "Salt" });
        }
        if salt_bytes.len() > SALT_BYTES * 16 {
            return Err(SrpError::TooLong {
                field: "Salt",
                len: salt_bytes.len(),
                max: SALT_BYTES * 16,
            });
        }
        let salt = Salt(salt_bytes.to_vec());
        let value = group::integer_from_be("PasswordVerifier", verifier_be)?;
        let v = group::element(&value);
        if group::is_zero(&v) {
            return Err(SrpError::ZeroModN {
                field: "PasswordVerifier",
            });
        }
        Ok(Verifier { salt, v })
    }

    /// The salt, to send as `SALT` (use [`Salt::to_hex`]).
    pub fn salt(&self) -> &Salt {
        &self.salt
    }

    /// v as padded big-endian bytes, for storage.
    pub fn verifier_bytes(&self) -> Vec<u8> {
        pad::padded_bytes(&self.v.retrieve())
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("salt", &self.salt)
            .field("v", &"[redacted]")
            .finish()
    }
}

/// The server's half of one exchange: private b and public B = k*v + g^b.
#[derive(Debug)]
pub struct ServerEphemeral {
    b: SecretBytes<SERVER_PRIVATE_BYTES>,
    v: Element,
    public: PublicValue,
}

impl ServerEphemeral {
    /// Draws b from `rng` and computes B for this verifier.
    pub fn generate(verifier: &Verifier, rng: &dyn RandomSource) -> Result<Self, SrpError> {
        let mut b = SecretBytes([0u8; SERVER_PRIVATE_BYTES]);
        // A zero draw (or the astronomically unlikely B = 0) is redrawn; a source that keeps
        // producing them is broken.
        for _ in 0..4 {
            rng.fill_random(&mut b.0)?;
            if let Ok(eph) = Self::from_private(verifier, b.clone()) {
                return Ok(eph);
            }
        }
        Err(SrpError::Rng)
    }

    /// Uses a given b (big-endian, at most 32 bytes, not zero): for deterministic tests.
    pub fn from_private_bytes(verifier: &Verifier, b: &[u8]) -> Result<Self, SrpError> {
        if b.len() > SERVER_PRIVATE_BYTES {
            return Err(SrpError::TooLong {
                field: "b",
                len: b.len(),
                max: SERVER_PRIVATE_BYTES,
            });
        }
        Self::from_private(
            verifier,
            SecretBytes(group::left_pad::<SERVER_PRIVATE_BYTES>(b)),
        )
    }

    fn from_private(
        verifier: &Verifier,
        b: SecretBytes<SERVER_PRIVATE_BYTES>,
    ) -> Result<Self, SrpError> {
        if b.0.iter().all(|byte| *byte == 0) {
            return Err(SrpError::Empty { field: "b" });
        }
        let big_b = group::K.mul(&verifier.v).add(&fixed_base::pow_g_256(&b.0));
        if exchange::is_zero(&big_b) {
            return Err(SrpError::ZeroModN { field: "SRP_B" });
        }
        Ok(ServerEphemeral {
            b,
            v: verifier.v,
            public: PublicValue::from_element(big_b),
        })
    }

    /// B, to send as `SRP_B`.
    pub fn public(&self) -> &PublicValue {
        &self.public
    }

    /// S = (A * v^u)^b mod N and the session key. Rejects A mod N == 0 (done by
    /// [`PublicValue::client_a`]) and u == 0.
    pub fn derive_key(&self, client_a: &PublicValue) -> Result<KeyDerivation, SrpError> {
        let u = exchange::scrambler(client_a, &self.public)?;
        // u is public: a variable-time exponentiation leaks nothing secret.
        let v_u = self.v.pow_vartime(&U256::from_be_slice(&u));
        let base = client_a.element.mul(&v_u);
        let b = U256::from_be_slice(&self.b.0);
        let s = crate::montgomery::pow(&base, &b, 256);
        Ok(exchange::finish(u, &s))
    }

    /// Checks a user's `PASSWORD_CLAIM_SIGNATURE` (constant-time comparison).
    #[allow(clippy::too_many_arguments)]
    pub fn verify_password_claim(
        &self,
        client_a: &PublicValue,
        pool_id: &str,
        user_id_for_srp: &str,
        secret_block: &SecretBlock,
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<bool, SrpError> {
        let keys = self.derive_key(client_a)?;
        let pool = crate::pool_name(pool_id)?;
        Ok(claim::verify(
            keys.session_key(),
            pool,
            user_id_for_srp,
            secret_block,
            timestamp,
            signature_b64,
        ))
    }

    /// Checks a device's `PASSWORD_CLAIM_SIGNATURE` (constant-time comparison).
    pub fn verify_device_claim(
        &self,
        client_a: &PublicValue,
        device_group_key: &str,
        device_key: &str,
        secret_block: &SecretBlock,
        timestamp: &str,
        signature_b64: &str,
    ) -> Result<bool, SrpError> {
        let keys = self.derive_key(client_a)?;
        Ok(claim::verify(
            keys.session_key(),
            device_group_key,
            device_key,
            secret_block,
            timestamp,
            signature_b64,
        ))
    }
}
