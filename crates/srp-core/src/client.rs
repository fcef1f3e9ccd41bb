//! The client role: the ephemeral (a, A) and the claims of `PASSWORD_VERIFIER` and
//! `DEVICE_PASSWORD_VERIFIER`.

use crate::RandomSource;
use crate::exchange::{self, KeyDerivation, PasswordExponent};
use crate::group::{self, Element};
use crate::inputs::{PublicValue, Salt, SecretBlock};
use crate::secret::SecretBytes;
use crate::{DevicePassword, Password, SrpError, claim, fixed_base};
use crypto_bigint::Uint;
use zeroize::Zeroize;

/// Bytes of the private ephemeral a: 128, like the reference clients.
pub const PRIVATE_EPHEMERAL_BYTES: usize = 128;

/// Limbs of the exponent a + u*x (a: 1024 bits, u*x: 512 bits; the sum fits in 1088).
const EXP_LIMBS: usize = crypto_bigint::nlimbs(1088);
/// Bytes of that exponent.
const EXP_BYTES: usize = 1088 / 8;
/// Exponent bound for S: a + u*x < 2^1024 + 2^512 < 2^1025. Public, so it may show in timing.
const EXP_BITS: u32 = 1025;

/// A client's ephemeral for one sign-in attempt: private a and public A = g^a.
///
/// Use a fresh one for every `InitiateAuth` (its `SRP_A`) and every `DEVICE_SRP_AUTH`.
///
/// ```
/// use srp_core::ClientEphemeral;
/// let rng = ring::rand::SystemRandom::new();
/// let eph = ClientEphemeral::generate(&rng)?;
/// let srp_a = eph.public().to_hex(); // the SRP_A auth parameter
/// assert!(srp_a.len() > 700 && srp_a.chars().all(|c| c.is_ascii_hexdigit()));
/// # Ok::<(), srp_core::SrpError>(())
/// ```
#[derive(Debug)]
pub struct ClientEphemeral {
    a: SecretBytes<PRIVATE_EPHEMERAL_BYTES>,
    public: PublicValue,
}

impl ClientEphemeral {
    /// Draws a from `rng` (128 bytes) and computes A.
    pub fn generate(rng: &dyn RandomSource) -> Result<Self, SrpError> {
        let mut a = SecretBytes([0u8; PRIVATE_EPHEMERAL_BYTES]);
        // A zero draw is redrawn; a source that keeps returning zeros is broken.
        for _ in 0..4 {
            rng.fill_random(&mut a.0)?;
            if a.0.iter().any(|b| *b != 0) {
                return Self::from_private(a);
            }
        }
        Err(SrpError::Rng)
    }

    /// Uses a given private value (big-endian, at most 128 bytes): for known-answer tests and
    /// deterministic runs. Zero is refused.
    pub fn from_private_bytes(a: &[u8]) -> Result<Self, SrpError> {
        let field = "a";
        if a.len() > PRIVATE_EPHEMERAL_BYTES {
            return Err(SrpError::TooLong {
                field,
                len: a.len(),
                max: PRIVATE_EPHEMERAL_BYTES,
            });
        }
        if a.iter().all(|b| *b == 0) {
            return Err(SrpError::Empty { field });
        }
        Self::from_private(SecretBytes(group::left_pad::<PRIVATE_EPHEMERAL_BYTES>(a)))
    }

    fn from_private(a: SecretBytes<PRIVATE_EPHEMERAL_BYTES>) -> Result<Self, SrpError> {
        let big_a = fixed_base::pow_g_1024(&a.0);
        // g^a is never 0 mod N for a prime N; the check keeps the invariant local.
        if exchange::is_zero(&big_a) {
            return Err(SrpError::ZeroModN { field: "SRP_A" });
        }
        Ok(ClientEphemeral {
            a,
            public: PublicValue::from_element(big_a),
        })
    }

    /// A, to send as `SRP_A`.
    pub fn public(&self) -> &PublicValue {
        &self.public
    }

    /// The whole key derivation against a server's B, given x:
    /// S = (B - k*g^x)^(a + u*x) mod N, then the session key.
    pub fn derive_key(
        &self,
        x: &PasswordExponent,
        server_b: &PublicValue,
    ) -> Result<KeyDerivation, SrpError> {
        let u = exchange::scrambler(&self.public, server_b)?;
        let kgx = group::K.mul(&x.verifier());
        let base: Element = server_b.element.sub(&kgx);

        let mut a = Uint::<EXP_LIMBS>::from_be_slice(&group::left_pad::<EXP_BYTES>(&self.a.0));
        let mut x_wide = x.as_uint().resize::<EXP_LIMBS>();
        let u_wide = crypto_bigint::U256::from_be_slice(&u).resize::<EXP_LIMBS>();
        let mut exponent = a.wrapping_add(&u_wide.wrapping_mul(&x_wide));
        let s = crate::montgomery::pow(&base, &exponent, EXP_BITS);
        a.zeroize();
        x_wide.zeroize();
        exponent.zeroize();
        Ok(exchange::finish(u, &s))
    }

    /// Answers `PASSWORD_VERIFIER`: the `PASSWORD_CLAIM_SIGNATURE` for a user.
    ///
    /// `user_id_for_srp` is the challenge's `USER_ID_FOR_SRP`; `timestamp` the exact string sent
    /// as `TIMESTAMP` (see [`crate::format_timestamp`]).
    pub fn password_claim(
        &self,
        pool_id: &str,
        user_id_for_srp: &str,
        password: &Password,
        challenge: &VerifierChallenge,
        timestamp: &str,
    ) -> Result<Claim, SrpError> {
        let x = PasswordExponent::for_user(pool_id, user_id_for_srp, password, &challenge.salt)?;
        let keys = self.derive_key(&x, &challenge.server_b)?;
        let pool = crate::pool_name(pool_id)?;
        let signature = claim::signature(
            keys.session_key(),
            pool,
            user_id_for_srp,
            &challenge.secret_block,
            timestamp,
        );
        Ok(Claim::new(signature, challenge, timestamp))
    }

    /// Answers `DEVICE_PASSWORD_VERIFIER`: the claim for a remembered device.
    pub fn device_claim(
        &self,
        device_group_key: &str,
        device_key: &str,
        device_password: &DevicePassword,
        challenge: &VerifierChallenge,
        timestamp: &str,
    ) -> Result<Claim, SrpError> {
        let x = PasswordExponent::for_device(
            device_group_key,
            device_key,
            device_password,
            &challenge.salt,
        )?;
        let keys = self.derive_key(&x, &challenge.server_b)?;
        let signature = claim::signature(
            keys.session_key(),
            device_group_key,
            device_key,
            &challenge.secret_block,
            timestamp,
        );
        Ok(Claim::new(signature, challenge, timestamp))
    }
}

/// The parsed parameters of a `PASSWORD_VERIFIER` or `DEVICE_PASSWORD_VERIFIER` challenge.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifierChallenge {
    /// `SALT`.
    pub salt: Salt,
    /// `SRP_B`, known to be nonzero modulo N.
    pub server_b: PublicValue,
    /// `SECRET_BLOCK`.
    pub secret_block: SecretBlock,
}

impl VerifierChallenge {
    /// Parses the three SRP parameters of a verifier challenge.
    ///
    /// ```
    /// use srp_core::{SrpError, VerifierChallenge};
    /// let err = VerifierChallenge::parse("ab", "0", "AAAA").unwrap_err();
    /// assert_eq!(err, SrpError::ZeroModN { field: "SRP_B" });
    /// ```
    pub fn parse(
        salt_hex: &str,
        srp_b_hex: &str,
        secret_block_b64: &str,
    ) -> Result<Self, SrpError> {
        Ok(VerifierChallenge {
            salt: Salt::from_hex(salt_hex)?,
            server_b: PublicValue::server_b(srp_b_hex)?,
            secret_block: SecretBlock::from_base64(secret_block_b64)?,
        })
    }
}

/// What a client sends back for a verifier challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claim {
    /// `PASSWORD_CLAIM_SIGNATURE` (base64).
    pub signature: String,
    /// `PASSWORD_CLAIM_SECRET_BLOCK`: the challenge's `SECRET_BLOCK`, echoed.
    pub secret_block: String,
    /// `TIMESTAMP`: the string that was signed.
    pub timestamp: String,
}

impl Claim {
    fn new(signature: String, challenge: &VerifierChallenge, timestamp: &str) -> Self {
        Claim {
            signature,
            secret_block: challenge.secret_block.as_base64().to_owned(),
            timestamp: timestamp.to_owned(),
        }
    }
}
