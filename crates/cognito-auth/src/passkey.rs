//! Passkeys: registering, listing and deleting them through the [`Session`], and
//! [`SoftwareAuthenticator`], a passkey authenticator in software for tests and scripted use.

use crate::{Error, Session, WebAuthnAuthenticator};
use base64::Engine;
use cognito_wire::{BoxFuture, WebAuthnCredentialDescription, op};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

impl Session {
    /// `StartWebAuthnRegistration`: the `CredentialCreationOptions` (WebAuthn's
    /// `PublicKeyCredentialCreationOptionsJSON`) to hand to an authenticator; its answer goes to
    /// [`complete_passkey_registration`](Self::complete_passkey_registration).
    pub async fn start_passkey_registration(&self) -> Result<Value, Error> {
        let req = cognito_wire::StartWebAuthnRegistrationRequest::builder()
            .access_token(self.access_token().await?)
            .build()?;
        let resp = self
            .auth()
            .wire()
            .call::<op::StartWebAuthnRegistration>(&req)
            .await?;
        Ok(resp.credential_creation_options)
    }

    /// `CompleteWebAuthnRegistration` with an authenticator's `RegistrationResponseJSON`.
    pub async fn complete_passkey_registration(&self, credential: Value) -> Result<(), Error> {
        let req = cognito_wire::CompleteWebAuthnRegistrationRequest::builder()
            .access_token(self.access_token().await?)
            .credential(credential)
            .build()?;
        self.auth()
            .wire()
            .call::<op::CompleteWebAuthnRegistration>(&req)
            .await?;
        Ok(())
    }

    /// Registers a passkey with `authenticator`: start, create the credential, complete.
    pub async fn register_passkey(
        &self,
        authenticator: &dyn WebAuthnAuthenticator,
    ) -> Result<(), Error> {
        let options = self.start_passkey_registration().await?;
        let credential = authenticator
            .create_credential(&options)
            .await
            .map_err(Error::WebAuthn)?;
        self.complete_passkey_registration(credential).await
    }

    /// `ListWebAuthnCredentials`, every page.
    pub async fn list_passkeys(&self) -> Result<Vec<WebAuthnCredentialDescription>, Error> {
        let access_token = self.access_token().await?;
        let mut out = Vec::new();
        let mut next = None;
        loop {
            let req = cognito_wire::ListWebAuthnCredentialsRequest::builder()
                .access_token(access_token.clone())
                .set_next_token(next)
                .build()?;
            let resp = self
                .auth()
                .wire()
                .call::<op::ListWebAuthnCredentials>(&req)
                .await?;
            out.extend(resp.credentials);
            match resp.next_token {
                Some(t) if !t.is_empty() => next = Some(t),
                _ => return Ok(out),
            }
        }
    }

    /// `DeleteWebAuthnCredential`.
    pub async fn delete_passkey(&self, credential_id: &str) -> Result<(), Error> {
        let req = cognito_wire::DeleteWebAuthnCredentialRequest::builder()
            .access_token(self.access_token().await?)
            .credential_id(credential_id)
            .build()?;
        self.auth()
            .wire()
            .call::<op::DeleteWebAuthnCredential>(&req)
            .await?;
        Ok(())
    }
}

/// One credential of a [`SoftwareAuthenticator`]. The private key is zeroized on drop.
#[derive(Clone, Serialize, Deserialize)]
struct SoftwareCredential {
    /// base64url.
    id: String,
    rp_id: String,
    /// base64url.
    user_handle: String,
    /// The P-256 private key, PKCS#8, base64url.
    private_key: String,
    sign_count: u32,
}

impl Drop for SoftwareCredential {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.private_key);
    }
}

#[derive(Default, Serialize, Deserialize)]
struct Keyring {
    credentials: Vec<SoftwareCredential>,
}

/// A passkey authenticator in software: ES256 keys (ring) kept in memory, or in a file through
/// [`to_json`](Self::to_json) / [`from_json`](Self::from_json) (write it with
/// [`write_private_file`](crate::write_private_file): it holds private keys).
///
/// **For tests and scripted use only**: it is not a hardware or platform authenticator — its
/// keys are as safe as the memory and file that hold them, user presence and verification are
/// claimed, not tested, and it does no check of the origin against the relying party (the relying
/// party does). For a real authenticator, implement [`WebAuthnAuthenticator`] over the platform's
/// or the security key's API (CTAP2). Clones share the credentials (and their signature counters).
///
/// ```
/// use cognito_auth::SoftwareAuthenticator;
/// let authenticator = SoftwareAuthenticator::builder("https://auth.example.com").build();
/// assert!(authenticator.credential_ids().is_empty());
/// ```
#[derive(Clone)]
pub struct SoftwareAuthenticator {
    origin: String,
    user_verification: bool,
    packed: bool,
    keys: Arc<Mutex<Keyring>>,
}

impl std::fmt::Debug for SoftwareAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareAuthenticator")
            .field("origin", &self.origin)
            .field("user_verification", &self.user_verification)
            .field("credentials", &"[redacted]")
            .finish()
    }
}

/// Builds a [`SoftwareAuthenticator`].
#[derive(Debug, Clone)]
pub struct SoftwareAuthenticatorBuilder {
    origin: String,
    user_verification: bool,
    packed: bool,
}

impl SoftwareAuthenticatorBuilder {
    /// Whether it reports user verification (UV) in what it signs (default: yes).
    pub fn user_verification(mut self, verified: bool) -> Self {
        self.user_verification = verified;
        self
    }

    /// Attestation `packed` (self-attestation, signed with the new key) instead of `none`.
    pub fn packed_attestation(mut self, packed: bool) -> Self {
        self.packed = packed;
        self
    }

    /// The authenticator, with no credentials.
    pub fn build(self) -> SoftwareAuthenticator {
        SoftwareAuthenticator {
            origin: self.origin,
            user_verification: self.user_verification,
            packed: self.packed,
            keys: Arc::default(),
        }
    }
}

fn b64(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

fn unb64(s: &str) -> Result<Vec<u8>, String> {
    B64URL
        .decode(s.trim_end_matches('='))
        .map_err(|_| format!("not base64url: {s}"))
}

fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

fn cbor(value: &ciborium::Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Result<&'a str, String> {
    let mut at = v;
    for p in path {
        at = at
            .get(p)
            .ok_or_else(|| format!("options lack {}", path.join(".")))?;
    }
    at.as_str()
        .ok_or_else(|| format!("options' {} is not a string", path.join(".")))
}

impl SoftwareAuthenticator {
    /// A builder for an authenticator that signs for `origin` (what a browser would put in the
    /// client data: `https://` and the relying party's domain, or `http://localhost:<port>`).
    pub fn builder(origin: impl Into<String>) -> SoftwareAuthenticatorBuilder {
        SoftwareAuthenticatorBuilder {
            origin: origin.into(),
            user_verification: true,
            packed: false,
        }
    }

    /// The ids (base64url) of its credentials.
    pub fn credential_ids(&self) -> Vec<String> {
        self.keyring()
            .map(|k| k.credentials.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default()
    }

    /// Sets a credential's signature counter (what a cloned authenticator would hold); whether
    /// it has that credential.
    pub fn set_sign_count(&self, credential_id: &str, count: u32) -> bool {
        let Ok(mut keys) = self.keyring() else {
            return false;
        };
        match keys.credentials.iter_mut().find(|c| c.id == credential_id) {
            Some(c) => {
                c.sign_count = count;
                true
            }
            None => false,
        }
    }

    /// Its credentials, private keys included, as JSON (keep it private: mode 0600).
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, String> {
        let keys = self.keyring()?;
        serde_json::to_vec(&*keys)
            .map(Zeroizing::new)
            .map_err(|e| e.to_string())
    }

    /// Adds the credentials of [`to_json`](Self::to_json)'s output.
    pub fn from_json(&self, bytes: &[u8]) -> Result<(), String> {
        let loaded: Keyring = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        self.keyring()?.credentials.extend(loaded.credentials);
        Ok(())
    }

    fn keyring(&self) -> Result<std::sync::MutexGuard<'_, Keyring>, String> {
        self.keys
            .lock()
            .map_err(|_| "the authenticator's keyring is poisoned".to_owned())
    }

    fn flags(&self, attested: bool) -> u8 {
        let mut flags = 0x01; // UP
        if self.user_verification {
            flags |= 0x04;
        }
        if attested {
            flags |= 0x40;
        }
        flags
    }

    fn client_data(&self, ceremony: &str, challenge: &str) -> Vec<u8> {
        json!({
            "type": ceremony,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    fn create(&self, options: &Value) -> Result<Value, String> {
        let rp_id = text(options, &["rp", "id"])?;
        let challenge = text(options, &["challenge"])?;
        let user_handle = text(options, &["user", "id"])?;
        let es256 = options
            .get("pubKeyCredParams")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|p| p.get("alg") == Some(&json!(-7))));
        if !es256 {
            return Err("the relying party does not accept ES256".into());
        }
        let held = self.credential_ids();
        let excluded = options
            .get("excludeCredentials")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                a.iter().any(|d| {
                    d.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|id| held.iter().any(|h| h == id))
                })
            });
        if excluded {
            return Err("this authenticator already holds a credential for the user".into());
        }
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| "key generation failed".to_owned())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| "key generation failed".to_owned())?;
        let point = pair.public_key().as_ref();
        let (x, y) = match (point.get(1..33), point.get(33..65)) {
            (Some(x), Some(y)) => (x, y),
            _ => return Err("unexpected public key encoding".into()),
        };
        let mut id = [0u8; 32];
        ring::rand::SecureRandom::fill(&rng, &mut id).map_err(|_| "no randomness".to_owned())?;
        use ciborium::Value as C;
        let cose_key = cbor(&C::Map(vec![
            (C::from(1), C::from(2)),  // kty: EC2
            (C::from(3), C::from(-7)), // alg: ES256
            (C::from(-1), C::from(1)), // crv: P-256
            (C::from(-2), C::Bytes(x.to_vec())),
            (C::from(-3), C::Bytes(y.to_vec())),
        ]))?;
        let mut auth_data = sha256(rp_id.as_bytes());
        auth_data.push(self.flags(true));
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        auth_data.extend_from_slice(&32u16.to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key);
        let client_data = self.client_data("webauthn.create", challenge);
        let (fmt, statement) = if self.packed {
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&sha256(&client_data));
            let sig = pair
                .sign(&rng, &signed)
                .map_err(|_| "signing failed".to_owned())?;
            (
                "packed",
                C::Map(vec![
                    (C::from("alg"), C::from(-7)),
                    (C::from("sig"), C::Bytes(sig.as_ref().to_vec())),
                ]),
            )
        } else {
            ("none", C::Map(Vec::new()))
        };
        let attestation = cbor(&C::Map(vec![
            (C::from("fmt"), C::from(fmt)),
            (C::from("attStmt"), statement),
            (C::from("authData"), C::Bytes(auth_data)),
        ]))?;
        let id = b64(&id);
        self.keyring()?.credentials.push(SoftwareCredential {
            id: id.clone(),
            rp_id: rp_id.to_owned(),
            user_handle: user_handle.to_owned(),
            private_key: b64(pkcs8.as_ref()),
            sign_count: 0,
        });
        Ok(json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }))
    }

    fn assert(&self, options: &Value) -> Result<Value, String> {
        let rp_id = text(options, &["rpId"])?;
        let challenge = text(options, &["challenge"])?;
        let allowed: Vec<&str> = options
            .get("allowCredentials")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|d| d.get("id")?.as_str()).collect())
            .unwrap_or_default();
        let mut keys = self.keyring()?;
        let cred = keys
            .credentials
            .iter_mut()
            .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id.as_str())))
            .ok_or_else(|| format!("no passkey for {rp_id}"))?;
        cred.sign_count = cred.sign_count.saturating_add(1);
        let mut auth_data = sha256(rp_id.as_bytes());
        auth_data.push(self.flags(false));
        auth_data.extend_from_slice(&cred.sign_count.to_be_bytes());
        let client_data = self.client_data("webauthn.get", challenge);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&sha256(&client_data));
        let rng = SystemRandom::new();
        let pkcs8 = Zeroizing::new(unb64(&cred.private_key)?);
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng)
            .map_err(|_| "the stored private key is unreadable".to_owned())?;
        let sig = pair
            .sign(&rng, &signed)
            .map_err(|_| "signing failed".to_owned())?;
        Ok(json!({
            "id": cred.id,
            "rawId": cred.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(sig.as_ref()),
                "userHandle": cred.user_handle,
            },
            "clientExtensionResults": {},
        }))
    }
}

impl WebAuthnAuthenticator for SoftwareAuthenticator {
    fn get_assertion<'a>(
        &'a self,
        credential_request_options: &'a Value,
    ) -> BoxFuture<'a, Result<Value, String>> {
        let out = self.assert(credential_request_options);
        Box::pin(async move { out })
    }

    fn create_credential<'a>(
        &'a self,
        credential_creation_options: &'a Value,
    ) -> BoxFuture<'a, Result<Value, String>> {
        let out = self.create(credential_creation_options);
        Box::pin(async move { out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration_options() -> Value {
        json!({
            "challenge": "AAAA",
            "rp": {"id": "example.com", "name": "example.com"},
            "user": {"id": "dXNlcg", "name": "u", "displayName": "u"},
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        })
    }

    #[test]
    fn keys_round_trip_through_json_and_never_show_in_debug() {
        let a = SoftwareAuthenticator::builder("https://example.com").build();
        let created = a.create(&registration_options());
        assert!(created.is_ok(), "{created:?}");
        let json = a.to_json().unwrap_or_default();
        let keys: Value = serde_json::from_slice(&json).unwrap_or_default();
        let private = keys["credentials"][0]["private_key"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(!private.is_empty());
        assert!(!format!("{a:?}").contains(&private), "redacted in Debug");

        let b = SoftwareAuthenticator::builder("https://example.com").build();
        assert!(b.from_json(&json).is_ok());
        assert_eq!(a.credential_ids(), b.credential_ids());
        let options = json!({"challenge": "AAAA", "rpId": "example.com"});
        assert!(b.assert(&options).is_ok());
        // Another relying party's options find no credential.
        assert!(
            b.assert(&json!({"challenge": "AAAA", "rpId": "other.example"}))
                .is_err()
        );
        // An excluded credential is not created twice.
        let mut again = registration_options();
        again["excludeCredentials"] = json!([{"type": "public-key", "id": a.credential_ids()[0]}]);
        assert!(a.create(&again).is_err());
    }

    #[test]
    fn bad_options_are_errors_not_panics() {
        let a = SoftwareAuthenticator::builder("https://example.com").build();
        for bad in [
            json!(null),
            json!({}),
            json!({"rp": {"id": 3}}),
            json!([1, 2]),
        ] {
            assert!(a.create(&bad).is_err());
            assert!(a.assert(&bad).is_err());
        }
        assert!(a.from_json(b"not json").is_err());
    }
}
