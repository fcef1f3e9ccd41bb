//! App client secret rotation: `AddUserPoolClientSecret`, `ListUserPoolClientSecrets`,
//! `DeleteUserPoolClientSecret`, and the secrets a `SECRET_HASH` / `ClientSecret` may be made
//! with (any active one).
//!
//! A client keeps its first secret in `Client::secret` alone until a rotation begins; then
//! `Client::secrets` holds every active secret (at most two, oldest first) and `Client::secret`
//! mirrors the oldest, so code that only asks "has this client a secret" is unchanged.

use crate::error::{ApiError, invalid, not_found};
use crate::state::{Client, Pool, client_not_found};
use crate::txn::Ctx;
use cognito_wire::*;
use serde::{Deserialize, Serialize};

/// Active secrets a client may have at once.
pub(crate) const MAX_SECRETS: usize = 2;

/// One active client secret.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct ClientSecret {
    /// `<client id>--<epoch create time>`, as Cognito forms it.
    pub id: String,
    pub value: String,
    pub created: i64,
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecret")
            .field("id", &self.id)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

/// Whether `given` is one of the client's active secrets (compared in constant time); a client
/// without a secret matches nothing.
pub(crate) fn matches(client: &Client, given: &str) -> bool {
    active(client).any(|s| crate::inner::ct_eq(s.as_bytes(), given.as_bytes()))
}

/// Every secret a `SECRET_HASH` or a `ClientSecret` of this client may be made with.
pub(crate) fn active(client: &Client) -> impl Iterator<Item = &str> {
    let rotated = !client.secrets.is_empty();
    client
        .secrets
        .iter()
        .map(|s| s.value.as_str())
        .chain(client.secret.as_deref().filter(|_| !rotated))
}

/// The client's secrets as descriptors (the first secret materialized with its creation date).
fn descriptors(client: &Client) -> Vec<ClientSecret> {
    if !client.secrets.is_empty() {
        return client.secrets.clone();
    }
    client
        .secret
        .iter()
        .map(|v| ClientSecret {
            id: format!("{}--{}", client.id, client.created),
            value: v.clone(),
            created: client.created,
        })
        .collect()
}

fn descriptor(s: &ClientSecret, with_value: bool) -> ClientSecretDescriptorType {
    ClientSecretDescriptorType::builder()
        .client_secret_create_date(EpochSeconds::from_secs(s.created))
        .client_secret_id(s.id.clone())
        .set_client_secret_value(with_value.then(|| s.value.clone().into()))
        .build()
}

fn client_mut<'a>(pool: &'a mut Pool, id: &str) -> Result<&'a mut Client, ApiError> {
    pool.clients.get_mut(id).ok_or_else(|| client_not_found(id))
}

pub(crate) fn add_user_pool_client_secret(
    inner: &Ctx,
    r: AddUserPoolClientSecretRequest,
) -> Result<AddUserPoolClientSecretResponse, ApiError> {
    let given = r.client_secret.as_ref().map(|s| s.expose().to_owned());
    if let Some(s) = &given
        && !(24..=64).contains(&s.len())
    {
        return Err(invalid(
            "1 validation error detected: Value at 'clientSecret' failed to satisfy constraint: Member must have length between 24 and 64",
        ));
    }
    if let Some(s) = &given
        && !s
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '+')
    {
        return Err(invalid(
            "1 validation error detected: Value at 'clientSecret' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+",
        ));
    }
    let mut st = inner.lock();
    let now = inner.now();
    let generated = inner.rng.lower_alnum(51);
    let client = client_mut(st.pool_mut(&r.user_pool_id)?, r.client_id.expose())?;
    if client.secret.is_none() {
        return Err(invalid(format!(
            "Client {} is not a confidential client: it has no secret to rotate.",
            client.id
        )));
    }
    let mut secrets = descriptors(client);
    if secrets.len() >= MAX_SECRETS {
        return Err(ApiError::new(
            "LimitExceededException",
            format!(
                "Client {} already has {MAX_SECRETS} client secrets; delete one before adding another.",
                client.id
            ),
        ));
    }
    let mut created = now;
    while secrets
        .iter()
        .any(|s| s.id == format!("{}--{created}", client.id))
    {
        created += 1;
    }
    let secret = ClientSecret {
        id: format!("{}--{created}", client.id),
        value: given.clone().unwrap_or(generated),
        created,
    };
    secrets.push(secret.clone());
    client.secret = secrets.first().map(|s| s.value.clone());
    client.secrets = secrets;
    client.modified = now;
    Ok({
        let mut v = AddUserPoolClientSecretResponse::default();
        v.// The value only when Cognito made it.
        client_secret_descriptor = Some(descriptor(&secret, given.is_none()));
        v
    })
}

pub(crate) fn list_user_pool_client_secrets(
    inner: &Ctx,
    r: ListUserPoolClientSecretsRequest,
) -> Result<ListUserPoolClientSecretsResponse, ApiError> {
    let st = inner.lock();
    let pool = st.pool(&r.user_pool_id)?;
    let client = pool
        .clients
        .get(r.client_id.expose())
        .ok_or_else(|| client_not_found(r.client_id.expose()))?;
    // Never the values; at most two secrets, so one page.
    Ok(ListUserPoolClientSecretsResponse::builder()
        .set_client_secrets(Some(
            descriptors(client)
                .iter()
                .map(|s| descriptor(s, false))
                .collect(),
        ))
        .build())
}

pub(crate) fn delete_user_pool_client_secret(
    inner: &Ctx,
    r: DeleteUserPoolClientSecretRequest,
) -> Result<DeleteUserPoolClientSecretResponse, ApiError> {
    let mut st = inner.lock();
    let now = inner.now();
    let client = client_mut(st.pool_mut(&r.user_pool_id)?, r.client_id.expose())?;
    let mut secrets = descriptors(client);
    if !secrets.iter().any(|s| s.id == r.client_secret_id) {
        return Err(not_found(format!(
            "Client secret {} does not exist.",
            r.client_secret_id
        )));
    }
    if secrets.len() == 1 {
        return Err(invalid(
            "Cannot delete the only client secret of an app client.",
        ));
    }
    secrets.retain(|s| s.id != r.client_secret_id);
    client.secret = secrets.first().map(|s| s.value.clone());
    client.secrets = secrets;
    client.modified = now;
    Ok(DeleteUserPoolClientSecretResponse::default())
}
