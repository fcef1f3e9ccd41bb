//! [`SoftwareAuthenticator`]: a passkey authenticator in software, for tests and scripted use.
//!
//! The authenticator itself — key generation, authenticator data, signature counters, the
//! signatures — is 1Password's `passkey-authenticator` (CTAP2, keys from `passkey-crypto`'s
//! RustCrypto backend, pure Rust). This module plays the browser's part around it: it reads the
//! relying party's options (WebAuthn's JSON, parsed by `passkey-types`), writes the client data,
//! asks the authenticator, and answers in WebAuthn's JSON (`RegistrationResponseJSON`,
//! `AuthenticationResponseJSON`). Unlike a browser, it does not check the origin against the
//! relying party: the relying party's own checks are what the tests exercise.

use crate::WebAuthnAuthenticator;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL_NOPAD;
use cognito_wire::BoxFuture;
use passkey_authenticator::{
    Authenticator, CredentialStore, DiscoverabilitySupport, StoreInfo, UiHint, UserCheck,
    UserValidationMethod,
};
use passkey_crypto::rust_crypto::{RustCryptoBackend, RustCryptoSecretKey};
use passkey_crypto::{Pkcs8, SecretKeyT, iana};
use passkey_types::Passkey;
use passkey_types::ctap2::{
    Aaguid, Ctap2Error, StatusCode, get_assertion, make_credential,
    make_credential::{PublicKeyCredentialRpEntity, PublicKeyCredentialUserEntity},
};
use passkey_types::webauthn::{
    PublicKeyCredentialCreationOptions, PublicKeyCredentialDescriptor,
    PublicKeyCredentialRequestOptions,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};
use zeroize::Zeroizing;

/// Why a [`SoftwareAuthenticator`]'s credentials could not be read or written
/// ([`from_json`](SoftwareAuthenticator::from_json), [`to_json`](SoftwareAuthenticator::to_json)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsFileError {
    /// The bytes are not the JSON that `to_json` writes.
    #[error(
        "not a software authenticator's credentials file ({0}): give the file that `to_json` \
         (or `pycognito passkey register`) wrote"
    )]
    NotACredentialsFile(String),
    /// One credential in the file is unreadable (nothing of the file was loaded).
    #[error(
        "credential {id} is unreadable ({reason}): the file is damaged; register a new passkey"
    )]
    BadCredential {
        /// The credential's id, as the file spells it.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A credential in memory could not be written out (not an ES256 key).
    #[error("credential {id} cannot be written out ({reason})")]
    Unwritable {
        /// The credential's id (base64url).
        id: String,
        /// Why.
        reason: String,
    },
    /// A thread panicked while it held the authenticator's keyring.
    #[error("the authenticator's keyring is poisoned (a thread panicked while using it)")]
    Poisoned,
}

/// One credential as [`SoftwareAuthenticator::to_json`] writes it. The private key is zeroized
/// on drop.
#[derive(Serialize, Deserialize)]
struct StoredCredential {
    /// base64url.
    id: String,
    rp_id: String,
    /// base64url.
    user_handle: String,
    /// The P-256 private key, PKCS#8, base64url.
    private_key: String,
    sign_count: u32,
}

impl Drop for StoredCredential {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.private_key);
    }
}

#[derive(Default, Serialize, Deserialize)]
struct StoredKeyring {
    credentials: Vec<StoredCredential>,
}

impl StoredCredential {
    fn from_passkey(p: &Passkey) -> Result<Self, CredentialsFileError> {
        let id = b64(&p.credential_id);
        let unwritable = |reason: String| CredentialsFileError::Unwritable {
            id: id.clone(),
            reason,
        };
        let key = RustCryptoSecretKey::from_cose_key(&p.key)
            .map_err(|e| unwritable(format!("its key is not ES256: {e:?}")))?;
        let pkcs8 = Zeroizing::new(
            key.to_pkcs8()
                .map_err(|e| unwritable(format!("its key does not encode as PKCS#8: {e}")))?,
        );
        Ok(Self {
            id: id.clone(),
            rp_id: p.rp_id.clone(),
            user_handle: p.user_handle.as_deref().map(|h| b64(h)).unwrap_or_default(),
            private_key: BASE64URL_NOPAD.encode(&pkcs8),
            sign_count: p.counter.unwrap_or(0),
        })
    }

    fn to_passkey(&self) -> Result<Passkey, CredentialsFileError> {
        let bad = |reason: String| CredentialsFileError::BadCredential {
            id: self.id.clone(),
            reason,
        };
        let der = Zeroizing::new(unb64(&self.private_key, "private_key").map_err(bad)?);
        let key = RustCryptoSecretKey::from_pkcs8(&der)
            .map_err(|e| bad(format!("its private key is not an ES256 PKCS#8 key: {e}")))?;
        Ok(Passkey {
            key: key.to_cose_key(),
            credential_id: unb64(&self.id, "id").map_err(bad)?.into(),
            rp_id: self.rp_id.clone(),
            user_handle: Some(unb64(&self.user_handle, "user_handle").map_err(bad)?.into()),
            username: None,
            user_display_name: None,
            counter: Some(self.sign_count),
            extensions: Default::default(),
        })
    }
}

fn unb64(s: &str, field: &str) -> Result<Vec<u8>, String> {
    BASE64URL_NOPAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| format!("its {field} is not base64url"))
}

fn b64(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// The authenticator's credential store: the keyring's passkeys, found by relying party and
/// (when the relying party lists them) by id.
struct Keyring(Vec<Passkey>);

#[async_trait::async_trait]
impl CredentialStore for Keyring {
    type PasskeyItem = Passkey;

    async fn find_credentials(
        &self,
        ids: Option<&[PublicKeyCredentialDescriptor]>,
        rp_id: &str,
        _user_handle: Option<&[u8]>,
    ) -> Result<Vec<Passkey>, StatusCode> {
        let found: Vec<Passkey> = self
            .0
            .iter()
            .filter(|p| p.rp_id == rp_id)
            .filter(|p| ids.is_none_or(|ids| ids.iter().any(|d| *d.id == *p.credential_id)))
            .cloned()
            .collect();
        if found.is_empty() {
            Err(Ctap2Error::NoCredentials.into())
        } else {
            Ok(found)
        }
    }

    async fn save_credential(
        &mut self,
        cred: Passkey,
        _user: PublicKeyCredentialUserEntity,
        _rp: PublicKeyCredentialRpEntity,
        _options: make_credential::Options,
    ) -> Result<(), StatusCode> {
        self.0.push(cred);
        Ok(())
    }

    async fn update_credential(&mut self, cred: &Passkey) -> Result<(), StatusCode> {
        match self
            .0
            .iter_mut()
            .find(|p| p.credential_id == cred.credential_id)
        {
            Some(p) => {
                *p = cred.clone();
                Ok(())
            }
            None => Err(Ctap2Error::NoCredentials.into()),
        }
    }

    async fn get_info(&self) -> StoreInfo {
        StoreInfo {
            discoverability: DiscoverabilitySupport::ForcedDiscoverable,
        }
    }
}

/// The "user": always present, verified or not as configured (claimed, not tested); refuses to
/// register a second credential where the relying party excludes one the keyring holds.
struct ScriptedUser {
    verified: bool,
}

#[async_trait::async_trait]
impl UserValidationMethod for ScriptedUser {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        hint: UiHint<'a, Passkey>,
        _presence: bool,
        _verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        // The user, told that the authenticator already holds a credential the relying party
        // excludes, does not go on (the authenticator itself would create another one).
        if let UiHint::InformExcludedCredentialFound(_) = hint {
            return Err(Ctap2Error::CredentialExcluded);
        }
        Ok(UserCheck {
            presence: true,
            verification: self.verified,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        self.verified.then_some(true)
    }
}

type Ctap2Authenticator = Authenticator<Keyring, ScriptedUser, RustCryptoBackend>;

/// A passkey authenticator in software: 1Password's `passkey-authenticator` (ES256 keys from the
/// RustCrypto backend) behind WebAuthn's JSON, its keys in memory, or in a file through
/// [`to_json`](Self::to_json) / [`from_json`](Self::from_json) (write it with
/// [`write_private_file`](crate::write_private_file): it holds private keys).
///
/// **For tests and scripted use only**: it is not a hardware or platform authenticator — its
/// keys are as safe as the memory and file that hold them, user presence and verification are
/// claimed, not tested, and it does no check of the origin against the relying party (the relying
/// party does). For a real authenticator, implement [`WebAuthnAuthenticator`] over the platform's
/// or the security key's API (CTAP2). Clones share the credentials (and their signature counters).
///
/// Behind the `software-authenticator` feature (the `pycognito` CLI turns it on).
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
    keys: Arc<Mutex<Vec<Passkey>>>,
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
            .map(|k| k.iter().map(|p| b64(&p.credential_id)).collect())
            .unwrap_or_default()
    }

    /// Sets a credential's signature counter (what a cloned authenticator would hold); whether
    /// it has that credential.
    pub fn set_sign_count(&self, credential_id: &str, count: u32) -> bool {
        let Ok(mut keys) = self.keyring() else {
            return false;
        };
        match keys
            .iter_mut()
            .find(|p| b64(&p.credential_id) == credential_id)
        {
            Some(p) => {
                p.counter = Some(count);
                true
            }
            None => false,
        }
    }

    /// Its credentials, private keys included (PKCS#8), as JSON (keep it private: mode 0600).
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, CredentialsFileError> {
        let keyring = StoredKeyring {
            credentials: self
                .keys
                .lock()
                .map_err(|_| CredentialsFileError::Poisoned)?
                .iter()
                .map(StoredCredential::from_passkey)
                .collect::<Result<_, _>>()?,
        };
        serde_json::to_vec(&keyring)
            .map(Zeroizing::new)
            .map_err(|e| CredentialsFileError::NotACredentialsFile(e.to_string()))
    }

    /// Adds the credentials of [`to_json`](Self::to_json)'s output; nothing is added when any
    /// of them is unreadable.
    pub fn from_json(&self, bytes: &[u8]) -> Result<(), CredentialsFileError> {
        let loaded: StoredKeyring = serde_json::from_slice(bytes)
            .map_err(|e| CredentialsFileError::NotACredentialsFile(e.to_string()))?;
        let passkeys = loaded
            .credentials
            .iter()
            .map(StoredCredential::to_passkey)
            .collect::<Result<Vec<_>, _>>()?;
        self.keys
            .lock()
            .map_err(|_| CredentialsFileError::Poisoned)?
            .extend(passkeys);
        Ok(())
    }

    fn keyring(&self) -> Result<MutexGuard<'_, Vec<Passkey>>, String> {
        self.keys
            .lock()
            .map_err(|_| CredentialsFileError::Poisoned.to_string())
    }

    /// A CTAP2 authenticator over a copy of the keyring (no lock is held while it works).
    fn ctap2(&self) -> Result<Ctap2Authenticator, String> {
        let keys = self.keyring()?.clone();
        let mut authenticator = Authenticator::new(
            Aaguid::new_empty(),
            Keyring(keys),
            ScriptedUser {
                verified: self.user_verification,
            },
            RustCryptoBackend,
        );
        authenticator.set_make_credentials_with_signature_counter(true);
        authenticator
            .set_algorithms(&[iana::Algorithm::ES256])
            .map_err(|e| format!("the authenticator refused ES256: {e:?}"))?;
        Ok(authenticator)
    }

    /// Writes back what `authenticator` created or counted.
    fn keep(&self, authenticator: &Ctap2Authenticator) -> Result<(), String> {
        let mut keys = self.keyring()?;
        for p in &authenticator.store().0 {
            match keys.iter_mut().find(|k| k.credential_id == p.credential_id) {
                Some(k) => k.counter = p.counter,
                None => keys.push(p.clone()),
            }
        }
        Ok(())
    }

    fn client_data(&self, ceremony: &str, challenge: &[u8]) -> Vec<u8> {
        json!({
            "type": ceremony,
            "challenge": b64(challenge),
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    async fn create(&self, options: &Value) -> Result<Value, String> {
        let options = PublicKeyCredentialCreationOptions::deserialize(options)
            .map_err(|e| format!("not WebAuthn credential creation options: {e}"))?;
        let rp_id = options
            .rp
            .id
            .clone()
            .ok_or("the creation options name no relying party id (rp.id)")?;
        let client_data = self.client_data("webauthn.create", &options.challenge);
        let client_data_hash = sha256(&client_data);
        let mut authenticator = self.ctap2()?;
        let created = authenticator
            .make_credential(make_credential::Request {
                client_data_hash: client_data_hash.clone().into(),
                rp: PublicKeyCredentialRpEntity {
                    id: rp_id,
                    name: Some(options.rp.name),
                },
                user: options.user,
                pub_key_cred_params: options.pub_key_cred_params,
                exclude_list: options.exclude_credentials,
                extensions: None,
                options: make_credential::Options {
                    rk: true,
                    up: true,
                    uv: self.user_verification,
                },
                pin_auth: None,
                pin_protocol: None,
            })
            .await
            .map_err(|status| match status {
                StatusCode::Known(Ctap2Error::CredentialExcluded) => {
                    "this authenticator already holds a credential for the user".to_owned()
                }
                StatusCode::Known(Ctap2Error::UnsupportedAlgorithm) => {
                    "the relying party does not accept ES256".to_owned()
                }
                other => format!("the authenticator refused to create a credential: {other:?}"),
            })?;
        let id = created
            .auth_data
            .attested_credential_data
            .as_ref()
            .map(|d| d.credential_id().to_vec())
            .ok_or("the authenticator's answer has no attested credential")?;
        let auth_data = created.auth_data.to_vec();
        let attestation = if self.packed {
            let passkey = authenticator
                .store()
                .0
                .iter()
                .find(|p| *p.credential_id == *id)
                .ok_or("the new credential is not in the keyring")?;
            let mut key = RustCryptoSecretKey::from_cose_key(&passkey.key)
                .map_err(|e| format!("the new key is unreadable: {e:?}"))?;
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&client_data_hash);
            packed_attestation(&auth_data, key.sign(&signed))?
        } else {
            created.as_webauthn_bytes().to_vec()
        };
        self.keep(&authenticator)?;
        let id = b64(&id);
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

    async fn assert(&self, options: &Value) -> Result<Value, String> {
        let options = PublicKeyCredentialRequestOptions::deserialize(options)
            .map_err(|e| format!("not WebAuthn credential request options: {e}"))?;
        let rp_id = options
            .rp_id
            .clone()
            .ok_or("the request options name no relying party id (rpId)")?;
        let client_data = self.client_data("webauthn.get", &options.challenge);
        let mut authenticator = self.ctap2()?;
        let asserted = authenticator
            .get_assertion(get_assertion::Request {
                rp_id: rp_id.clone(),
                client_data_hash: sha256(&client_data).into(),
                allow_list: options.allow_credentials.filter(|l| !l.is_empty()),
                extensions: None,
                options: get_assertion::Options {
                    up: true,
                    uv: self.user_verification,
                },
                pin_auth: None,
                pin_protocol: None,
            })
            .await
            .map_err(|status| match status {
                StatusCode::Known(Ctap2Error::NoCredentials) => format!("no passkey for {rp_id}"),
                other => format!("the authenticator refused to sign: {other:?}"),
            })?;
        self.keep(&authenticator)?;
        let id = asserted
            .credential
            .as_ref()
            .map(|c| b64(&c.id))
            .ok_or("the authenticator's answer names no credential")?;
        Ok(json!({
            "id": id,
            "rawId": id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&asserted.auth_data.to_vec()),
                "signature": b64(&asserted.signature),
                "userHandle": asserted.user.as_ref().map(|u| b64(&u.id)),
            },
            "clientExtensionResults": {},
        }))
    }
}

/// A `packed` self-attestation object: ES256 (`alg` -7) and the signature over the
/// authenticator data and the client data hash, with the credential's own key.
fn packed_attestation(auth_data: &[u8], signature: Vec<u8>) -> Result<Vec<u8>, String> {
    use ciborium::Value as C;
    let object = C::Map(vec![
        (C::from("fmt"), C::from("packed")),
        (
            C::from("attStmt"),
            C::Map(vec![
                (C::from("alg"), C::from(-7)),
                (C::from("sig"), C::Bytes(signature)),
            ]),
        ),
        (C::from("authData"), C::Bytes(auth_data.to_vec())),
    ]);
    let mut out = Vec::new();
    ciborium::into_writer(&object, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

impl WebAuthnAuthenticator for SoftwareAuthenticator {
    fn get_assertion<'a>(
        &'a self,
        credential_request_options: &'a Value,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(self.assert(credential_request_options))
    }

    fn create_credential<'a>(
        &'a self,
        credential_creation_options: &'a Value,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(self.create(credential_creation_options))
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

    #[tokio::test]
    async fn keys_round_trip_through_json_and_never_show_in_debug() {
        let a = SoftwareAuthenticator::builder("https://example.com").build();
        let created = a.create(&registration_options()).await;
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
        let signed = b.assert(&options).await;
        assert!(signed.is_ok(), "{signed:?}");
        // The counter went up in the authenticator that signed, and travels with its export.
        let again: Value = serde_json::from_slice(&b.to_json().unwrap_or_default()).unwrap();
        assert_eq!(again["credentials"][0]["sign_count"], json!(1));
        // Another relying party's options find no credential.
        assert!(
            b.assert(&json!({"challenge": "AAAA", "rpId": "other.example"}))
                .await
                .is_err()
        );
        // An excluded credential is not created twice.
        let mut excluded = registration_options();
        excluded["excludeCredentials"] =
            json!([{"type": "public-key", "id": a.credential_ids()[0]}]);
        assert!(a.create(&excluded).await.is_err());
    }

    #[tokio::test]
    async fn bad_options_are_errors_not_panics() {
        let a = SoftwareAuthenticator::builder("https://example.com").build();
        for bad in [
            json!(null),
            json!({}),
            json!({"rp": {"id": 3}}),
            json!([1, 2]),
        ] {
            assert!(a.create(&bad).await.is_err());
            assert!(a.assert(&bad).await.is_err());
        }
        assert!(matches!(
            a.from_json(b"not json"),
            Err(CredentialsFileError::NotACredentialsFile(_))
        ));
        let no_key = br#"{"credentials":[{"id":"AA","rp_id":"x","user_handle":"AA","private_key":"AAAA","sign_count":0}]}"#;
        assert!(matches!(
            a.from_json(no_key),
            Err(CredentialsFileError::BadCredential { ref id, .. }) if id == "AA"
        ));
        assert!(matches!(
            a.from_json(b"{}"),
            Err(CredentialsFileError::NotACredentialsFile(_))
        ));
        assert!(a.credential_ids().is_empty(), "nothing half-loaded");
    }
}
