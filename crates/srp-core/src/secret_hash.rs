//! `SECRET_HASH`, required on every call of an app client that has a secret.

use crate::SecretHash;
use base64::Engine;

/// base64(HMAC-SHA256(key = client secret, message = username + client id)).
///
/// `username` must be the name Cognito knows the user by in that step: the sign-in name for
/// `InitiateAuth`, `USER_ID_FOR_SRP` / the challenge's `USERNAME` for challenge responses, the
/// token's `username` claim for refreshes.
///
/// ```
/// let h = srp_core::secret_hash("alice", "8q7fg629iq9ynxai4yyjehzs6l",
///     "iyn21nalcui08qs00f4egqsh3xua1rnb52l8wyw2td1skd2gj2l");
/// assert_eq!(h.expose(), "D1yRaEdkFIN7xR6w9lymPwfDgUBp728mMarxbtwBNuo=");
/// ```
pub fn secret_hash(username: &str, client_id: &str, client_secret: &str) -> SecretHash {
    let mac = crate::hash::hmac_sha256(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    );
    SecretHash::new(base64::engine::general_purpose::STANDARD.encode(mac))
}
