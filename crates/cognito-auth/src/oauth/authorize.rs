//! The browser side of the authorization code flow: PKCE (RFC 7636, S256 only), the authorize
//! URL with `state` and `nonce` ([`AuthorizeRequest`]), and Cognito's logout URL (which is not
//! OIDC's: it takes `client_id` and `logout_uri`).

use super::{OAuthDomain, OAuthError};
use base64::Engine;
use cognito_wire::SensitiveString;
use srp_core::RandomSource;
use subtle::ConstantTimeEq;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` random bytes, base64url without padding.
fn random_token(rng: &dyn RandomSource, n: usize) -> Result<String, OAuthError> {
    let mut bytes = vec![0u8; n];
    rng.fill_random(&mut bytes)
        .map_err(|e| OAuthError::Config(format!("no randomness for the authorize request: {e}")))?;
    Ok(B64URL.encode(bytes))
}

/// A PKCE pair (RFC 7636): the secret verifier, kept by the client until the code exchange, and
/// its S256 challenge, sent in the authorize URL.
///
/// ```
/// use cognito_auth::oauth::Pkce;
/// // RFC 7636, appendix B.
/// let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
/// assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// ```
#[derive(Clone, Debug)]
pub struct Pkce {
    verifier: SensitiveString,
    challenge: String,
}

impl Pkce {
    /// A new pair: 32 random bytes (a 43-character verifier).
    pub fn new(rng: &dyn RandomSource) -> Result<Self, OAuthError> {
        Self::from_verifier(&random_token(rng, 32)?)
    }

    /// The pair of a given verifier: 43 to 128 characters of `[A-Za-z0-9-._~]`.
    pub fn from_verifier(verifier: &str) -> Result<Self, OAuthError> {
        let ok = (43..=128).contains(&verifier.len())
            && verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if !ok {
            return Err(OAuthError::Config(
                "a PKCE verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.1)"
                    .into(),
            ));
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        Ok(Pkce {
            verifier: SensitiveString::from(verifier),
            challenge: B64URL.encode(digest.as_ref()),
        })
    }

    /// The verifier (for the code exchange).
    pub fn verifier(&self) -> &SensitiveString {
        &self.verifier
    }

    /// The S256 challenge.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// An authorization request: what goes into the authorize URL, and what the client keeps to
/// check the answer (`state`, `nonce`, the PKCE verifier).
///
/// ```
/// use cognito_auth::oauth::{AuthorizeRequest, OAuthDomain};
/// let domain = OAuthDomain::prefix("my-app", "us-east-1").unwrap();
/// let rng = ring::rand::SystemRandom::new();
/// let req = AuthorizeRequest::new(&domain, "client-id", "http://127.0.0.1:8765/callback", &rng)
///     .unwrap()
///     .scopes(["openid", "email"]);
/// let url = req.url();
/// assert!(url.starts_with("https://my-app.auth.us-east-1.amazoncognito.com/oauth2/authorize?"));
/// assert!(url.contains("code_challenge_method=S256"));
/// assert!(url.contains("scope=openid+email"));
/// assert!(req.state_matches(req.state()));
/// assert!(!req.state_matches("forged"));
/// ```
#[derive(Clone)]
pub struct AuthorizeRequest {
    domain: OAuthDomain,
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: String,
    nonce: String,
    pkce: Pkce,
    extra: Vec<(&'static str, String)>,
}

/// `state` and `nonce` are redacted: they are what a forged redirect or a replayed id token
/// would need (the PKCE verifier is a `SensitiveString`, redacted too).
impl std::fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("state", &"[redacted]")
            .field("nonce", &"[redacted]")
            .field("pkce", &self.pkce)
            .field("extra", &self.extra)
            .finish()
    }
}

impl AuthorizeRequest {
    /// A request for the app client `client_id`, answered at `redirect_uri` (one of the client's
    /// `CallbackURLs`, exactly), with a fresh `state`, `nonce` and PKCE pair.
    pub fn new(
        domain: &OAuthDomain,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
        rng: &dyn RandomSource,
    ) -> Result<Self, OAuthError> {
        Ok(AuthorizeRequest {
            domain: domain.clone(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes: Vec::new(),
            state: random_token(rng, 24)?,
            nonce: random_token(rng, 24)?,
            pkce: Pkce::new(rng)?,
            extra: Vec::new(),
        })
    }

    /// The scopes to ask for (`openid` for an id token; none: the client's allowed scopes).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Goes straight to this identity provider (`identity_provider`, e.g. `Google` or a SAML
    /// provider's name) instead of the managed login page.
    pub fn identity_provider(mut self, name: impl Into<String>) -> Self {
        self.extra.push(("identity_provider", name.into()));
        self
    }

    /// Picks the identity provider by one of its identifiers (`idp_identifier`, e.g. an email
    /// domain).
    pub fn idp_identifier(mut self, id: impl Into<String>) -> Self {
        self.extra.push(("idp_identifier", id.into()));
        self
    }

    /// The managed login pages' language (`lang`, e.g. `fr`).
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.extra.push(("lang", lang.into()));
        self
    }

    /// A resource server to bind the access token to (`resource`, RFC 8707: its `aud`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.extra.push(("resource", resource.into()));
        self
    }

    /// The URL to open in the browser.
    pub fn url(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", &self.state)
            .append_pair("nonce", &self.nonce)
            .append_pair("code_challenge", self.pkce.challenge())
            .append_pair("code_challenge_method", "S256");
        if !self.scopes.is_empty() {
            q.append_pair("scope", &self.scopes.join(" "));
        }
        for (k, v) in &self.extra {
            q.append_pair(k, v);
        }
        format!("{}?{}", self.domain.authorize_endpoint(), q.finish())
    }

    /// The `state` sent (the answer must carry it back).
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Whether an answer's `state` is the one sent (constant time).
    pub fn state_matches(&self, state: &str) -> bool {
        self.state.as_bytes().ct_eq(state.as_bytes()).into()
    }

    /// The `nonce` sent (the id token must carry it).
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The PKCE pair (its verifier goes with the code exchange).
    pub fn pkce(&self) -> &Pkce {
        &self.pkce
    }

    /// The redirect URI (the code exchange repeats it).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The domain the request goes to (the code exchange goes to its token endpoint).
    pub fn domain(&self) -> &OAuthDomain {
        &self.domain
    }

    /// The app client the request is for.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The scopes asked for (empty: the client's allowed scopes).
    pub fn requested_scopes(&self) -> &[String] {
        &self.scopes
    }
}

/// Cognito's logout URL: `<domain>/logout?client_id=...&logout_uri=...` (not OIDC's
/// `end_session_endpoint`: Cognito wants the client id and one of the client's `LogoutURLs`).
///
/// ```
/// use cognito_auth::oauth::{OAuthDomain, logout_url};
/// let d = OAuthDomain::custom("auth.example.com").unwrap();
/// assert_eq!(
///     logout_url(&d, "abc", "https://app.example.com/bye"),
///     "https://auth.example.com/logout?client_id=abc&logout_uri=https%3A%2F%2Fapp.example.com%2Fbye"
/// );
/// ```
pub fn logout_url(domain: &OAuthDomain, client_id: &str, logout_uri: &str) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("logout_uri", logout_uri)
        .finish();
    format!("{}/logout?{q}", domain.base_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_are_checked_and_fresh_pairs_differ() {
        for bad in ["short", &"a".repeat(129), &format!("{}!", "a".repeat(43))] {
            assert!(Pkce::from_verifier(bad).is_err(), "{bad}");
        }
        let rng = ring::rand::SystemRandom::new();
        let a = Pkce::new(&rng).unwrap();
        let b = Pkce::new(&rng).unwrap();
        assert_eq!(a.verifier().len(), 43);
        assert_ne!(a.challenge(), b.challenge());
        let again = Pkce::from_verifier(a.verifier().expose()).unwrap();
        assert_eq!(again.challenge(), a.challenge());
    }

    #[test]
    fn the_url_carries_every_parameter_encoded() {
        let domain = OAuthDomain::from_url("http://127.0.0.1:9229/_domain/my-app").unwrap();
        let rng = ring::rand::SystemRandom::new();
        let req = AuthorizeRequest::new(&domain, "cid", "http://127.0.0.1:5000/cb?x=1", &rng)
            .unwrap()
            .scopes(["openid", "orders/read"])
            .identity_provider("Google")
            .lang("fr")
            .resource("https://orders.example.com");
        let url = req.url();
        let (base, query) = url.split_once('?').unwrap();
        assert_eq!(
            base,
            "http://127.0.0.1:9229/_domain/my-app/oauth2/authorize"
        );
        let params: std::collections::BTreeMap<String, String> =
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
        assert_eq!(params["redirect_uri"], "http://127.0.0.1:5000/cb?x=1");
        assert_eq!(params["scope"], "openid orders/read");
        assert_eq!(params["state"], req.state());
        assert_eq!(params["nonce"], req.nonce());
        assert_eq!(params["code_challenge"], req.pkce().challenge());
        assert_eq!(params["identity_provider"], "Google");
        assert_eq!(params["lang"], "fr");
        assert_eq!(params["resource"], "https://orders.example.com");
        assert_eq!(req.state().len(), 32);
        let other = AuthorizeRequest::new(&domain, "cid", "http://x/cb", &rng).unwrap();
        assert_ne!(other.state(), req.state());
        assert_ne!(other.nonce(), req.nonce());
        let debug = format!("{req:?}");
        for secret in [req.state(), req.nonce(), req.pkce().verifier().expose()] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("http://127.0.0.1:5000/cb?x=1"), "{debug}");
    }
}
