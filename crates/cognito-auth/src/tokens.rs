//! Token sets and what can be read from a token without verifying it.

use crate::AuthError;
use base64::Engine;
use cognito_wire::{AuthenticationResultType, SensitiveString};
use time::{Duration, OffsetDateTime};

/// The tokens of a signed-in user, with their expiry.
///
/// ```
/// # use cognito_auth::TokenSet;
/// # use cognito_wire::SensitiveString;
/// let now = time::OffsetDateTime::UNIX_EPOCH;
/// let t = TokenSet::builder()
///     .access_token("a.b.c")
///     .id_token("d.e.f")
///     .expires_at(now + time::Duration::hours(1))
///     .build()?;
/// assert!(!t.expires_within(now, time::Duration::minutes(5)));
/// assert!(t.expires_within(now + time::Duration::minutes(56), time::Duration::minutes(5)));
/// assert!(!format!("{t:?}").contains("a.b.c"));
/// # Ok::<(), cognito_auth::AuthError>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct TokenSet {
    /// The access token (for Cognito's user operations and resource servers).
    pub access_token: SensitiveString,
    /// The id token (identity claims).
    pub id_token: SensitiveString,
    /// The refresh token (absent after a refresh that does not rotate it: the old one stays valid).
    pub refresh_token: Option<SensitiveString>,
    /// `Bearer`.
    pub token_type: String,
    /// When the access and id tokens expire.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// Builds a [`TokenSet`] from tokens obtained elsewhere (named setters: an access token cannot
/// be passed for an id token by position).
#[derive(Debug, Default, Clone)]
pub struct TokenSetBuilder {
    access_token: Option<SensitiveString>,
    id_token: Option<SensitiveString>,
    refresh_token: Option<SensitiveString>,
    token_type: Option<String>,
    expires_at: Option<OffsetDateTime>,
}

impl TokenSetBuilder {
    /// The access token (required).
    pub fn access_token(mut self, token: impl Into<SensitiveString>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// The id token (required).
    pub fn id_token(mut self, token: impl Into<SensitiveString>) -> Self {
        self.id_token = Some(token.into());
        self
    }

    /// The refresh token, if any.
    pub fn refresh_token(mut self, token: Option<SensitiveString>) -> Self {
        self.refresh_token = token;
        self
    }

    /// The token type (default `Bearer`).
    pub fn token_type(mut self, token_type: impl Into<String>) -> Self {
        self.token_type = Some(token_type.into());
        self
    }

    /// When the access and id tokens expire (default: the access token's `exp` claim, read
    /// without verification).
    pub fn expires_at(mut self, at: OffsetDateTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// The token set; an error names a missing token or an expiry that cannot be known.
    pub fn build(self) -> Result<TokenSet, AuthError> {
        let access_token = self
            .access_token
            .ok_or(AuthError::MissingToken("AccessToken"))?;
        let id_token = self.id_token.ok_or(AuthError::MissingToken("IdToken"))?;
        let expires_at = match self.expires_at {
            Some(at) => at,
            None => unverified_claims(access_token.expose())
                .and_then(|c| c.get("exp").and_then(serde_json::Value::as_i64))
                .and_then(|exp| OffsetDateTime::from_unix_timestamp(exp).ok())
                .ok_or(AuthError::MissingToken("the access token's exp claim"))?,
        };
        Ok(TokenSet {
            access_token,
            id_token,
            refresh_token: self.refresh_token,
            token_type: self.token_type.unwrap_or_else(|| "Bearer".to_owned()),
            expires_at,
        })
    }
}

impl TokenSet {
    /// A builder for tokens obtained elsewhere.
    pub fn builder() -> TokenSetBuilder {
        TokenSetBuilder::default()
    }

    /// Reads an `AuthenticationResult` received at `now`.
    pub fn from_result(
        result: &AuthenticationResultType,
        now: OffsetDateTime,
    ) -> Result<Self, AuthError> {
        let access_token = result
            .access_token
            .clone()
            .ok_or(AuthError::MissingToken("AccessToken"))?;
        let id_token = result
            .id_token
            .clone()
            .ok_or(AuthError::MissingToken("IdToken"))?;
        let expires_in = result.expires_in.unwrap_or(3600).max(0);
        Ok(TokenSet {
            access_token,
            id_token,
            refresh_token: result.refresh_token.clone(),
            token_type: result
                .token_type
                .clone()
                .unwrap_or_else(|| "Bearer".to_owned()),
            expires_at: now + Duration::seconds(i64::from(expires_in)),
        })
    }

    /// Whether the tokens expire within `margin` of `now` (or already have).
    pub fn expires_within(&self, now: OffsetDateTime, margin: Duration) -> bool {
        self.expires_at - margin <= now
    }

    /// Takes the tokens of a refresh: new access and id tokens; the refresh token is replaced
    /// only when the server sent a new one.
    pub fn merge_refresh(&mut self, refreshed: TokenSet) {
        let keep = self.refresh_token.take();
        *self = TokenSet {
            refresh_token: refreshed.refresh_token.clone().or(keep),
            ..refreshed
        };
    }

    /// The `username` claim of the access token (read, not verified): the name Cognito wants in
    /// `SECRET_HASH` for refreshes.
    pub fn username(&self) -> Option<String> {
        let claims = unverified_claims(self.access_token.expose())?;
        claims
            .get("username")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }
}

/// The payload of a JWT, decoded but NOT verified (for reading the username or expiry of a token
/// this client received over TLS; never for authorization decisions: verify tokens for that).
pub fn unverified_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    if token.len() > 64 * 1024 {
        return None;
    }
    let mut parts = token.split('.');
    let (_, payload) = (parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}
