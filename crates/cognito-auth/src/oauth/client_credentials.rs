//! [`ClientCredentials`]: machine-to-machine access tokens (RFC 6749 section 4.4) from a pool's
//! token endpoint, cached and renewed before they expire, one fetch in flight.

use super::{OAuthDomain, OAuthError, endpoint};
use crate::{Clock, SystemClock};
use cognito_wire::{HyperTransport, SensitiveString, Transport};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// An access token of the app client itself.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientToken {
    /// The access token (a JWT; verify it with `cognito-jwt` on the receiving side).
    pub access_token: SensitiveString,
    /// When it expires (`expires_in` after it was issued).
    pub expires_at: OffsetDateTime,
    /// The scopes asked for (empty: the client's allowed scopes, as the endpoint chose).
    pub scopes: Vec<String>,
}

impl ClientToken {
    pub(crate) fn new(
        access_token: SensitiveString,
        expires_at: OffsetDateTime,
        scopes: Vec<String>,
    ) -> Self {
        ClientToken {
            access_token,
            expires_at,
            scopes,
        }
    }
}

struct Inner {
    transport: Arc<dyn Transport>,
    token_url: String,
    client_id: String,
    client_secret: SensitiveString,
    scopes: Vec<String>,
    resource: Option<String>,
    margin: Duration,
    clock: Arc<dyn Clock>,
    /// The cached token; the lock is held across a fetch (the single flight).
    cache: tokio::sync::Mutex<Option<ClientToken>>,
}

/// Machine-to-machine tokens of an app client with a secret and the `client_credentials` flow.
/// Cheap to clone (one shared cache).
///
/// ```no_run
/// # async fn run() -> Result<(), cognito_auth::oauth::OAuthError> {
/// use cognito_auth::oauth::{ClientCredentials, OAuthDomain};
/// let domain = OAuthDomain::prefix("my-app", "us-east-1")?;
/// let m2m = ClientCredentials::builder(&domain, "client-id", "client-secret")
///     .scope("https://orders.example.com/read")
///     .build()?;
/// let token = m2m.access_token().await?; // cached until 5 minutes before it expires
/// # let _ = token;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.inner.token_url)
            .field("client_id", &self.inner.client_id)
            .field("scopes", &self.inner.scopes)
            .field("resource", &self.inner.resource)
            .finish_non_exhaustive()
    }
}

/// Builds a [`ClientCredentials`].
pub struct ClientCredentialsBuilder {
    token_url: String,
    client_id: String,
    client_secret: SensitiveString,
    scopes: Vec<String>,
    resource: Option<String>,
    margin: Duration,
    clock: Arc<dyn Clock>,
    transport: Option<Arc<dyn Transport>>,
}

impl std::fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ClientCredentialsBuilder {
    /// Asks for this scope (`<resource server>/<scope>`); none: every scope the app client is
    /// allowed.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Asks for these scopes.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The resource (RFC 8707): a resource server's identifier, which becomes the token's `aud`.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Renew this long before expiry (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP transport (default: a new `HyperTransport`).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Builds it; fails on a scope with a space or an empty client id or secret.
    pub fn build(self) -> Result<ClientCredentials, OAuthError> {
        if self.client_id.is_empty() || self.client_secret.is_empty() {
            return Err(OAuthError::Config(
                "the client_credentials grant needs the app client's id and secret".into(),
            ));
        }
        if let Some(s) = self.scopes.iter().find(|s| s.is_empty() || s.contains(' ')) {
            return Err(OAuthError::Config(format!(
                "{s:?} is not a scope (one scope per call of `scope`, without spaces)"
            )));
        }
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(HyperTransport::new().map_err(|e| {
                OAuthError::Config(format!("the HTTP client could not be set up: {e}"))
            })?),
        };
        Ok(ClientCredentials {
            inner: Arc::new(Inner {
                transport,
                token_url: self.token_url,
                client_id: self.client_id,
                client_secret: self.client_secret,
                scopes: self.scopes,
                resource: self.resource,
                margin: self.margin,
                clock: self.clock,
                cache: tokio::sync::Mutex::new(None),
            }),
        })
    }
}

impl ClientCredentials {
    /// Starts a builder for the app client `client_id` (with its secret) on `domain`.
    pub fn builder(
        domain: &OAuthDomain,
        client_id: impl Into<String>,
        client_secret: impl Into<SensitiveString>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            token_url: domain.token_endpoint(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: Vec::new(),
            resource: None,
            margin: Duration::minutes(5),
            clock: Arc::new(SystemClock),
            transport: None,
        }
    }

    /// A valid token: the cached one while it has more than the refresh margin left, else a new
    /// one. However many callers ask at once, one request is in flight.
    pub async fn access_token(&self) -> Result<ClientToken, OAuthError> {
        let mut cache = self.inner.cache.lock().await;
        if let Some(t) = cache.as_ref()
            && t.expires_at - self.inner.margin > self.inner.clock.now()
        {
            return Ok(t.clone());
        }
        let fresh = self.fetch_now().await?;
        *cache = Some(fresh.clone());
        Ok(fresh)
    }

    /// A new token whatever the cache holds (it replaces the cached one).
    pub async fn renew(&self) -> Result<ClientToken, OAuthError> {
        let mut cache = self.inner.cache.lock().await;
        let fresh = self.fetch_now().await?;
        *cache = Some(fresh.clone());
        Ok(fresh)
    }

    async fn fetch_now(&self) -> Result<ClientToken, OAuthError> {
        let i = &self.inner;
        let body = {
            // (The serializer is not Send: it does not live across the await below.)
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if !i.scopes.is_empty() {
                form.append_pair("scope", &i.scopes.join(" "));
            }
            if let Some(r) = &i.resource {
                form.append_pair("resource", r);
            }
            form.finish()
        };
        let issued = i.clock.now();
        let answer = endpoint::post_form(
            &i.transport,
            &i.token_url,
            body,
            Some((&i.client_id, &i.client_secret)),
        )
        .await?;
        parse_answer(answer.status, &answer.body, issued, &i.scopes)
    }
}

/// Reads a token endpoint's answer: a token on 200, else an OAuth error.
fn parse_answer(
    status: u16,
    raw: &[u8],
    issued: OffsetDateTime,
    scopes: &[String],
) -> Result<ClientToken, OAuthError> {
    let bad = |detail: String| OAuthError::BadResponse { status, detail };
    let json = endpoint::json_object(&endpoint::Answer {
        status,
        body: bytes::Bytes::copy_from_slice(raw),
        challenge: None,
    })?;
    let token = json
        .get("access_token")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no access_token".into()))?;
    let token_type = json.get("token_type").and_then(serde_json::Value::as_str);
    if !token_type.is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
        return Err(bad(format!("token_type {token_type:?}, not Bearer")));
    }
    let expires_in = json
        .get("expires_in")
        .and_then(serde_json::Value::as_i64)
        .filter(|s| *s > 0)
        .ok_or_else(|| bad("no positive expires_in".into()))?;
    Ok(ClientToken {
        access_token: SensitiveString::from(token),
        expires_at: issued + Duration::seconds(expires_in),
        scopes: scopes.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::OAuthErrorCode;

    #[test]
    fn answers_are_read_or_refused_with_their_code() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let ok = parse_answer(
            200,
            br#"{"access_token":"a.b.c","expires_in":3600,"token_type":"Bearer"}"#,
            at,
            &[],
        )
        .unwrap();
        assert_eq!(ok.access_token.expose(), "a.b.c");
        assert_eq!(ok.expires_at, at + Duration::hours(1));
        let refused = parse_answer(401, br#"{"error":"invalid_client"}"#, at, &[]).unwrap_err();
        assert!(matches!(
            refused,
            OAuthError::Refused {
                code: OAuthErrorCode::InvalidClient,
                status: 401,
                ..
            }
        ));
        for bad in [
            &b"<html>"[..],
            br#"{"access_token":"x","expires_in":0,"token_type":"Bearer"}"#,
            br#"{"access_token":"x","expires_in":60,"token_type":"mac"}"#,
            br#"{"expires_in":60,"token_type":"Bearer"}"#,
        ] {
            assert!(matches!(
                parse_answer(200, bad, at, &[]),
                Err(OAuthError::BadResponse { .. })
            ));
        }
        assert!(matches!(
            parse_answer(502, b"<html>", at, &[])
                .unwrap_err()
                .next_action(),
            crate::NextAction::RetryLater
        ));
    }
}
