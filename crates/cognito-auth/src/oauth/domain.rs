//! [`OAuthDomain`]: where a pool's OAuth 2.0 endpoints are.

use super::OAuthError;

/// The base URL of a user pool's domain, where its OAuth 2.0 endpoints live
/// (`https://<prefix>.auth.<region>.amazoncognito.com`, a custom domain, or the emulator's
/// `http://127.0.0.1:PORT/_domain/<domain>`).
///
/// ```
/// use cognito_auth::oauth::OAuthDomain;
/// let d = OAuthDomain::prefix("my-app", "eu-west-1").unwrap();
/// assert_eq!(d.token_endpoint(), "https://my-app.auth.eu-west-1.amazoncognito.com/oauth2/token");
/// let custom = OAuthDomain::custom("auth.example.com").unwrap();
/// assert_eq!(custom.base_url(), "https://auth.example.com");
/// let local = OAuthDomain::from_url("http://127.0.0.1:9229/_domain/my-app/").unwrap();
/// assert_eq!(local.token_endpoint(), "http://127.0.0.1:9229/_domain/my-app/oauth2/token");
/// assert_eq!(local.user_info_endpoint(), "http://127.0.0.1:9229/_domain/my-app/oauth2/userInfo");
/// assert_eq!(local.revocation_endpoint(), "http://127.0.0.1:9229/_domain/my-app/oauth2/revoke");
/// assert!(OAuthDomain::from_url("ftp://example.com").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OAuthDomain {
    base: String,
}

fn host_ok(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

impl OAuthDomain {
    /// A Cognito prefix domain: `https://<prefix>.auth.<region>.amazoncognito.com`.
    pub fn prefix(prefix: &str, region: &str) -> Result<Self, OAuthError> {
        if !host_ok(prefix) || prefix.contains('.') || !host_ok(region) {
            return Err(OAuthError::Config(format!(
                "{prefix:?} in {region:?} is not a domain prefix and region (give e.g. \"my-app\" and \"us-east-1\")"
            )));
        }
        Ok(OAuthDomain {
            base: format!("https://{prefix}.auth.{region}.amazoncognito.com"),
        })
    }

    /// A custom domain: `https://<host>`.
    pub fn custom(host: &str) -> Result<Self, OAuthError> {
        if !host_ok(host) || !host.contains('.') {
            return Err(OAuthError::Config(format!(
                "{host:?} is not a host name (give e.g. \"auth.example.com\")"
            )));
        }
        Ok(OAuthDomain {
            base: format!("https://{host}"),
        })
    }

    /// Any base URL (http or https, with a host; a path prefix is kept): the emulator's
    /// `http://127.0.0.1:PORT/_domain/<domain>`, or a proxy in front of Cognito.
    pub fn from_url(url: &str) -> Result<Self, OAuthError> {
        let bad = |why: &str| OAuthError::Config(format!("{url:?} is not a domain URL: {why}"));
        let uri: http::Uri = url.parse().map_err(|_| bad("it does not parse"))?;
        match uri.scheme_str() {
            Some("https" | "http") => {}
            _ => return Err(bad("the scheme must be https (or http on loopback)")),
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if uri.query().is_some() {
            return Err(bad("it may not have a query"));
        }
        Ok(OAuthDomain {
            base: url.trim_end_matches('/').to_owned(),
        })
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `<base>/oauth2/token`.
    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/token", self.base)
    }

    /// `<base>/oauth2/authorize`.
    pub fn authorize_endpoint(&self) -> String {
        format!("{}/oauth2/authorize", self.base)
    }

    /// `<base>/oauth2/userInfo` (OIDC's userinfo endpoint, Cognito's spelling).
    pub fn user_info_endpoint(&self) -> String {
        format!("{}/oauth2/userInfo", self.base)
    }

    /// `<base>/oauth2/revoke` (RFC 7009).
    pub fn revocation_endpoint(&self) -> String {
        format!("{}/oauth2/revoke", self.base)
    }
}
