//! The `WEB_AUTHN` answer: an `AuthenticationResponseJSON` checked against the session's
//! challenge and one of the user's credentials.

use super::StoredCredential;
use super::data::{self, AuthData, FLAG_UP, FLAG_UV, PublicKey};
use super::errors;
use crate::error::{ApiError, invalid};

/// A verified assertion: which credential, and its new signature counter.
pub(crate) struct Asserted {
    pub index: usize,
    pub sign_count: u32,
}

pub(crate) fn verify(
    credential: &serde_json::Value,
    challenge: &str,
    rp_id: &str,
    uv_required: bool,
    user_handle: &str,
    credentials: &[StoredCredential],
) -> Result<Asserted, ApiError> {
    if credential.get("type").and_then(serde_json::Value::as_str) != Some("public-key") {
        return Err(invalid("Credential type must be public-key"));
    }
    let raw_id =
        data::b64_member(credential, "rawId").or_else(|_| data::b64_member(credential, "id"))?;
    let response = credential
        .get("response")
        .ok_or_else(|| invalid("Credential response is missing"))?;
    let client_data = data::b64_member(response, "clientDataJSON")?;
    let auth_raw = data::b64_member(response, "authenticatorData")?;
    let sig = data::b64_member(response, "signature")?;
    data::check_client_data(&client_data, "webauthn.get", challenge, rp_id)?;

    // A credential the user does not have (never registered, or deleted).
    let (index, stored) = credentials
        .iter()
        .enumerate()
        .find(|(_, c)| data::from_b64url(&c.credential_id).as_deref() == Some(raw_id.as_slice()))
        .ok_or_else(errors::unknown_credential)?;
    if let Some(handle) = response
        .get("userHandle")
        .and_then(serde_json::Value::as_str)
        .filter(|h| !h.is_empty())
        && data::from_b64url(handle) != data::from_b64url(user_handle)
    {
        return Err(errors::unknown_credential());
    }
    let auth = AuthData::parse(&auth_raw)?;
    auth.check_rp(rp_id)?;
    if auth.flags & FLAG_UP == 0 {
        return Err(errors::failed(
            "The authenticator did not test user presence.",
        ));
    }
    if uv_required && auth.flags & FLAG_UV == 0 {
        return Err(errors::failed("User verification is required."));
    }
    let cose = data::from_b64url(&stored.public_key).unwrap_or_default();
    let key = PublicKey::from_cose(&cose)?;
    if !key.verify(&data::signed_data(&auth_raw, &client_data), &sig) {
        return Err(errors::failed("Invalid passkey signature."));
    }
    // WebAuthn § 7.2 step 21: a counter that does not grow means a cloned authenticator (both
    // zero: the authenticator keeps no counter).
    if (auth.sign_count != 0 || stored.sign_count != 0) && auth.sign_count <= stored.sign_count {
        return Err(errors::failed(
            "The passkey's signature counter went backwards.",
        ));
    }
    Ok(Asserted {
        index,
        sign_count: auth.sign_count,
    })
}
