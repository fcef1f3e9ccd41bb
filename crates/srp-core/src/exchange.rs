//! The shared steps of an exchange: x, u, and the session key from S.

use crate::group::{self, Element};
use crate::inputs::{PublicValue, Salt, check_identity};
use crate::secret::{PremasterSecret, SecretBytes, SessionKey};
use crate::{SrpError, hash, pad};
use crypto_bigint::U256;

/// The private exponent x = H(salt | H(identity ":" password)), derived from a password (or a
/// device password) and reused at every login: always handled in constant time.
#[derive(Clone, Debug)]
pub struct PasswordExponent(pub(crate) SecretBytes<32>);

impl PasswordExponent {
    /// x for a user: identity = pool name + `USER_ID_FOR_SRP`.
    ///
    /// ```
    /// use srp_core::{PasswordExponent, Password, Salt};
    /// let salt = Salt::from_hex("f90f48f03c28dc866d91b62c99a0ea47")?;
    /// let x = PasswordExponent::for_user("us-east-1_Zz9Yy8", "alice", &Password::new("Passw0rd!"), &salt)?;
    /// assert_eq!(format!("{x:?}"), "PasswordExponent([redacted])");
    /// # Ok::<(), srp_core::SrpError>(())
    /// ```
    pub fn for_user(
        pool_id: &str,
        user_id_for_srp: &str,
        password: &crate::Password,
        salt: &Salt,
    ) -> Result<Self, SrpError> {
        let pool = crate::pool_name(pool_id)?;
        check_identity("USER_ID_FOR_SRP", user_id_for_srp)?;
        check_identity("password", password.expose())?;
        Ok(Self::derive(pool, user_id_for_srp, password.expose(), salt))
    }

    /// x for a remembered device: identity = device group key + device key.
    pub fn for_device(
        device_group_key: &str,
        device_key: &str,
        device_password: &crate::DevicePassword,
        salt: &Salt,
    ) -> Result<Self, SrpError> {
        check_identity("DEVICE_GROUP_KEY", device_group_key)?;
        check_identity("DEVICE_KEY", device_key)?;
        check_identity("device password", device_password.expose())?;
        Ok(Self::derive(
            device_group_key,
            device_key,
            device_password.expose(),
            salt,
        ))
    }

    fn derive(first: &str, second: &str, password: &str, salt: &Salt) -> Self {
        let inner = hash::sha256_parts(&[
            first.as_bytes(),
            second.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        PasswordExponent(SecretBytes(hash::sha256_parts(&[
            salt.padded_bytes(),
            &inner,
        ])))
    }

    /// x as unpadded lowercase hex, for known-answer tests. Never log it.
    pub fn expose_hex(&self) -> String {
        pad::bytes_to_unpadded_hex(&self.0.0)
    }

    /// The verifier v = g^x.
    pub(crate) fn verifier(&self) -> Element {
        crate::fixed_base::pow_g_256(&self.0.0)
    }

    pub(crate) fn as_uint(&self) -> U256 {
        U256::from_be_slice(&self.0.0)
    }
}

/// The outcome of an exchange, on either side: u, S and the session key.
#[derive(Debug)]
pub struct KeyDerivation {
    u: [u8; 32],
    premaster: PremasterSecret,
    key: SessionKey,
}

impl KeyDerivation {
    /// u = H(pad(A) | pad(B)) as unpadded lowercase hex.
    pub fn u_hex(&self) -> String {
        pad::bytes_to_unpadded_hex(&self.u)
    }

    /// The premaster secret S.
    pub fn premaster(&self) -> &PremasterSecret {
        &self.premaster
    }

    /// The 16-byte session key both sides agree on.
    pub fn session_key(&self) -> &SessionKey {
        &self.key
    }
}

/// u = H(pad(A) | pad(B)); zero is refused.
pub(crate) fn scrambler(a: &PublicValue, b: &PublicValue) -> Result<[u8; 32], SrpError> {
    let u = hash::sha256_parts(&[&a.padded_bytes(), &b.padded_bytes()]);
    if u.iter().all(|byte| *byte == 0) {
        return Err(SrpError::ZeroScrambler);
    }
    Ok(u)
}

/// key = HKDF(ikm = pad(S), salt = pad(u), "Caldera Derived Key")[..16].
pub(crate) fn finish(u: [u8; 32], s: &Element) -> KeyDerivation {
    let premaster = PremasterSecret(pad::padded_bytes(&s.retrieve()));
    let salt = pad::padded_from_be(&u);
    let key = SessionKey(hash::cognito_hkdf(&premaster.0, &salt));
    KeyDerivation { u, premaster, key }
}

/// Whether an element is zero; re-exported for the roles.
pub(crate) fn is_zero(e: &Element) -> bool {
    group::is_zero(e)
}
