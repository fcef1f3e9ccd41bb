//! `pycognito passkey register|list|delete`, and the software authenticator that
//! `pycognito login --passkey` signs with.
//!
//! The authenticator here is cognito-auth's [`SoftwareAuthenticator`]: its keys live in a file
//! (mode 0600) for tests and scripted use. It is not a hardware authenticator; a program that
//! signs in with one implements [`cognito_auth::WebAuthnAuthenticator`] over the platform's API.

use super::context;
use super::{CliError, Global};
use cognito_auth::{NextAction, SoftwareAuthenticator};
use std::path::{Path, PathBuf};

/// Where the software authenticator keeps its credentials, and the origin it signs for.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthenticatorArgs {
    /// The software authenticator's credentials file: private keys, written with mode 0600
    /// (created by `passkey register`). For tests and scripts, not a hardware authenticator.
    #[arg(long, env = "PYCOGNITO_PASSKEY_FILE")]
    pub passkey_file: Option<PathBuf>,
    /// The origin the software authenticator signs for: `https://` and the pool's relying party
    /// id (or a subdomain of it); `http://localhost:<port>` when the relying party is
    /// `localhost`.
    #[arg(long, env = "PYCOGNITO_PASSKEY_ORIGIN")]
    pub origin: Option<String>,
}

impl AuthenticatorArgs {
    /// The software authenticator with the file's credentials (none when the file does not
    /// exist yet), and the file.
    pub(crate) fn load(&self) -> Result<(SoftwareAuthenticator, PathBuf), CliError> {
        let path = self
            .passkey_file
            .clone()
            .ok_or_else(|| CliError::usage("missing --passkey-file (or PYCOGNITO_PASSKEY_FILE)"))?;
        let origin = self
            .origin
            .clone()
            .ok_or_else(|| CliError::usage("missing --origin (or PYCOGNITO_PASSKEY_ORIGIN)"))?;
        let authenticator = SoftwareAuthenticator::builder(origin).build();
        match std::fs::read(&path) {
            Ok(bytes) => authenticator.from_json(&bytes).map_err(|e| {
                CliError::new(
                    NextAction::FixConfiguration,
                    format!("{}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        Ok((authenticator, path))
    }
}

/// Writes the authenticator's credentials (their counters move at every use) with mode 0600.
pub(crate) fn save(authenticator: &SoftwareAuthenticator, path: &Path) -> Result<(), CliError> {
    let json = authenticator
        .to_json()
        .map_err(|e| CliError::new(NextAction::Report, e.to_string()))?;
    cognito_auth::write_private_file(path, &json)?;
    Ok(())
}

/// `pycognito passkey ...`: the signed-in user's passkeys.
#[derive(Debug, clap::Subcommand)]
pub enum PasskeyCommand {
    /// Register a passkey with the software authenticator (StartWebAuthnRegistration, then
    /// CompleteWebAuthnRegistration); its key goes to --passkey-file.
    Register(AuthenticatorArgs),
    /// List the user's passkeys (ListWebAuthnCredentials): id, relying party, creation time.
    List,
    /// Delete a passkey (DeleteWebAuthnCredential).
    Delete {
        /// The credential id (as `list` prints it).
        credential_id: String,
    },
}

/// `pycognito passkey`.
pub async fn passkey(g: &Global, c: PasskeyCommand) -> Result<(), CliError> {
    let session = context::signed_in(g, None).await?;
    match c {
        PasskeyCommand::Register(a) => {
            let (authenticator, path) = a.load()?;
            let before = authenticator.credential_ids();
            session.register_passkey(&authenticator).await?;
            save(&authenticator, &path)?;
            for id in authenticator.credential_ids() {
                if !before.contains(&id) {
                    println!("registered {id}");
                }
            }
        }
        PasskeyCommand::List => {
            for p in session.list_passkeys().await? {
                let created = p
                    .created_at
                    .to_system_time()
                    .map(|t| super::rfc3339(t.into()))
                    .unwrap_or_default();
                println!("{}\t{}\t{created}", p.credential_id, p.relying_party_id);
            }
        }
        PasskeyCommand::Delete { credential_id } => {
            session.delete_passkey(&credential_id).await?;
            println!("deleted {credential_id}");
        }
    }
    Ok(())
}
