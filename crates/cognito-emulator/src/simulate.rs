//! Simulated answers for sign-in names that designate no user, when the app client prevents user
//! existence errors (`PreventUserExistenceErrors`).
//!
//! Cognito's developer guide (managing user existence error responses): for `USER_SRP_AUTH`,
//! "When a user isn't found, Amazon Cognito returns a simulated response in the first step as
//! described in RFC 5054. Amazon Cognito returns the same 'salt' and internal user id in UUID
//! format for the same user name and user pool combination"; the proof then fails with the
//! generic `NotAuthorizedException`. Here the salt, the user id and the (unknowable) password
//! behind the simulated verifier are HMAC-SHA256 of a secret drawn once and kept in the state,
//! the pool id and the lowercased name: stable across requests and restarts, unpredictable
//! without the secret.

use crate::error::{ApiError, internal};
use crate::txn::Ctx;
use crate::txn::State;
use cognito_wire::ChallengeNameType;
use srp_core::{Password, Salt, Verifier};

/// The simulation secret, drawn on first use.
pub(crate) fn secret(inner: &Ctx, st: &mut State) -> Vec<u8> {
    if st.simulation_secret.is_empty() {
        st.simulation_secret = hex::encode(inner.rng.bytes(32));
        // Drawn once for good, whatever the answer of the request that needed it.
        st.keep();
    }
    st.simulation_secret.as_bytes().to_vec()
}

fn mac(secret: &[u8], label: &str, pool_id: &str, name: &str) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let mut ctx = ring::hmac::Context::with_key(&key);
    for part in [label, pool_id, &name.to_lowercase()] {
        ctx.update(part.as_bytes());
        ctx.update(&[0]);
    }
    ctx.sign().as_ref().to_vec()
}

/// The simulated internal user id of `name`: a version 4 UUID, the same for the same pool and
/// name.
pub(crate) fn user_id(secret: &[u8], pool_id: &str, name: &str) -> String {
    let mut b = [0u8; 16];
    for (out, x) in b.iter_mut().zip(mac(secret, "user-id", pool_id, name)) {
        *out = x;
    }
    crate::rng::uuid_v4(b)
}

/// The simulated user id and SRP verifier of `name` (salt and verifier stable per pool and name;
/// no one knows the password).
pub(crate) fn verifier(
    secret: &[u8],
    pool_id: &str,
    name: &str,
) -> Result<(String, Verifier), ApiError> {
    let id = user_id(secret, pool_id, name);
    let salt_bytes: Vec<u8> = mac(secret, "salt", pool_id, name)
        .into_iter()
        .take(srp_core::SALT_BYTES)
        .collect();
    let salt = Salt::from_integer_bytes(&salt_bytes).map_err(internal)?;
    let password = hex::encode(mac(secret, "password", pool_id, name));
    let v = Verifier::for_user(pool_id, &id, &Password::new(password), salt).map_err(internal)?;
    Ok((id, v))
}

/// The one-time-password first factor `USER_AUTH` offers a simulated sign-in (when the pool
/// allows passwordless sign-in): SMS for a phone number, else email, like a user who has one.
pub(crate) fn otp_factor(name: &str) -> ChallengeNameType {
    if crate::inner::is_phone_format(name) {
        ChallengeNameType::SmsOtp
    } else {
        ChallengeNameType::EmailOtp
    }
}

/// The masked destination shown for a simulated one-time password (nothing is sent): the name
/// itself when it is an email address or a phone number.
pub(crate) fn otp_destination(name: &str) -> String {
    if crate::inner::is_email_format(name) || crate::inner::is_phone_format(name) {
        crate::inner::mask(name)
    } else {
        crate::inner::mask(&format!("{name}@example.com"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_per_pool_and_name_and_unlike_elsewhere() -> Result<(), ApiError> {
        let s = b"secret";
        let (id, v) = verifier(s, "us-east-1_A", "Nobody")?;
        let (id2, v2) = verifier(s, "us-east-1_A", "nobody")?;
        assert_eq!((id.clone(), v.salt().to_hex()), (id2, v2.salt().to_hex()));
        let (id3, v3) = verifier(s, "us-east-1_B", "nobody")?;
        assert_ne!(id, id3);
        assert_ne!(v.salt().to_hex(), v3.salt().to_hex());
        let (id4, _) = verifier(b"other", "us-east-1_A", "nobody")?;
        assert_ne!(id, id4);
        assert_eq!(id.len(), 36);
        assert_eq!(id.chars().nth(14), Some('4'));
        Ok(())
    }
}
