//! Passkeys: registering, listing and deleting them through the [`Session`] (the software
//! authenticator for tests and scripts is in `software_authenticator`).

use crate::{Error, Session, WebAuthnAuthenticator};
use cognito_wire::{WebAuthnCredentialDescription, op};
use serde_json::Value;

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
