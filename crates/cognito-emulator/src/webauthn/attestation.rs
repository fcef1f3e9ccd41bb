//! CompleteWebAuthnRegistration's check of a `RegistrationResponseJSON`: client data, the
//! attestation object (`none`, or `packed` self-attestation), the authenticator data and the new
//! credential's public key.

use super::data::{self, AuthData, FLAG_UP, FLAG_UV, PublicKey};
use super::errors;
use crate::error::{ApiError, invalid};
use ciborium::Value;

/// A credential that passed registration.
pub(crate) struct Registered {
    pub credential_id: Vec<u8>,
    pub public_key: Vec<u8>,
    pub sign_count: u32,
}

fn map_get<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
}

pub(crate) fn verify(
    credential: &serde_json::Value,
    challenge: &str,
    rp_id: &str,
    uv_required: bool,
) -> Result<Registered, ApiError> {
    if credential.get("type").and_then(serde_json::Value::as_str) != Some("public-key") {
        return Err(invalid("Credential type must be public-key"));
    }
    let raw_id =
        data::b64_member(credential, "rawId").or_else(|_| data::b64_member(credential, "id"))?;
    let response = credential
        .get("response")
        .ok_or_else(|| invalid("Credential response is missing"))?;
    let client_data = data::b64_member(response, "clientDataJSON")?;
    let attestation = data::b64_member(response, "attestationObject")?;
    data::check_client_data(&client_data, "webauthn.create", challenge, rp_id)?;

    let bad = || invalid("Credential attestationObject is malformed");
    let object: Value = ciborium::from_reader(attestation.as_slice()).map_err(|_| bad())?;
    let object = object.as_map().ok_or_else(bad)?;
    let fmt = map_get(object, "fmt")
        .and_then(Value::as_text)
        .ok_or_else(bad)?;
    let statement = map_get(object, "attStmt")
        .and_then(Value::as_map)
        .ok_or_else(bad)?;
    let auth_raw = map_get(object, "authData")
        .and_then(Value::as_bytes)
        .ok_or_else(bad)?;
    let auth = AuthData::parse(auth_raw)?;
    auth.check_rp(rp_id)?;
    if auth.flags & FLAG_UP == 0 {
        return Err(invalid("The authenticator did not test user presence"));
    }
    if uv_required && auth.flags & FLAG_UV == 0 {
        return Err(errors::user_verification_required());
    }
    let (credential_id, public_key) = auth
        .attested
        .as_ref()
        .ok_or_else(|| invalid("Credential authenticator data has no attested credential"))?;
    if *credential_id != raw_id {
        return Err(invalid(
            "Credential id does not match the authenticator data",
        ));
    }
    let key = PublicKey::from_cose(public_key)?;

    match fmt {
        "none" if statement.is_empty() => {}
        "none" => return Err(bad()),
        "packed" => {
            if map_get(statement, "x5c").is_some() {
                // Full (certificate) attestation: the emulator verifies self-attestation only.
                return Err(errors::not_supported());
            }
            let alg = map_get(statement, "alg")
                .and_then(Value::as_integer)
                .and_then(|i| i64::try_from(i).ok())
                .ok_or_else(bad)?;
            let sig = map_get(statement, "sig")
                .and_then(Value::as_bytes)
                .ok_or_else(bad)?;
            if alg != key.alg().cose() {
                return Err(invalid(
                    "Packed attestation alg differs from the credential's",
                ));
            }
            if !key.verify(&data::signed_data(auth_raw, &client_data), sig) {
                return Err(invalid("The attestation signature is invalid"));
            }
        }
        _ => return Err(errors::not_supported()),
    }
    Ok(Registered {
        credential_id: credential_id.clone(),
        public_key: public_key.clone(),
        sign_count: auth.sign_count,
    })
}
