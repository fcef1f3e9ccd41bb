//! The authorization code flow's second half, on the driver: the code exchange into the one
//! [`Session`] (RFC 6749 4.1.3 with PKCE; the id token's `nonce`, `at_hash` and `aud` checked,
//! OpenID Connect Core 3.1.3.7), refresh through the token endpoint for sessions that came from
//! it, `userInfo`, revocation (RFC 7009), and the API's token exchange `GetDerivedToken`
//! (RFC 8693).

use super::{AuthorizationCode, AuthorizeRequest, IdTokenClaim, OAuthDomain, OAuthError, endpoint};
use crate::{AuthError, CognitoAuth, Error, Session, SessionState, TokenSet, unverified_claims};
use base64::Engine;
use bytes::Bytes;
use cognito_wire::{IssuedTokenTypeIdentifierType, SensitiveString, TokenTypeIdentifierType, op};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

/// What the pool's `userInfo` endpoint says about the user of an access token (it needs the
/// `openid` scope). Cognito sends `email_verified` and `phone_number_verified` as the strings
/// `"true"` / `"false"`; they are read as booleans here. Every claim as sent is in
/// [`claims`](Self::claims) (custom attributes, `identities`, ...).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user's `sub` (stable id).
    pub sub: String,
    /// The user's name in the pool (`username`).
    pub username: String,
    /// `email`, when the client may read it.
    pub email: Option<String>,
    /// `email_verified`.
    pub email_verified: Option<bool>,
    /// `phone_number`, when the client may read it.
    pub phone_number: Option<String>,
    /// `phone_number_verified`.
    pub phone_number_verified: Option<bool>,
    /// Every claim as sent, the ones above included.
    pub claims: Map<String, Value>,
}

impl UserInfo {
    /// A claim's value when it is a string (`"custom:team"`, `"given_name"`, ...).
    pub fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// Reads a `userInfo` answer's JSON object.
    fn from_claims(claims: Map<String, Value>) -> Result<Self, OAuthError> {
        let bad = |detail: String| OAuthError::BadResponse {
            status: 200,
            detail,
        };
        let string = |name: &str| -> Result<Option<String>, OAuthError> {
            match claims.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(format!("`{name}` is not a string"))),
            }
        };
        // Cognito: "true" / "false"; OIDC: true / false.
        let boolean = |name: &str| -> Result<Option<bool>, OAuthError> {
            match claims.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
                Some(other) => Err(bad(format!("`{name}` is {other}, not a boolean"))),
            }
        };
        let sub = string("sub")?.ok_or_else(|| bad("no `sub`".into()))?;
        Ok(UserInfo {
            username: string("username")?.unwrap_or_else(|| sub.clone()),
            sub,
            email: string("email")?,
            email_verified: boolean("email_verified")?,
            phone_number: string("phone_number")?,
            phone_number_verified: boolean("phone_number_verified")?,
            claims,
        })
    }
}

/// A token exchange (RFC 8693) through the API's `GetDerivedToken`: a token the caller holds
/// (the subject) for a new token scoped and bound to a downstream service. The app client needs
/// `ALLOW_TOKEN_EXCHANGE_IMPERSONATION` (or `ALLOW_TOKEN_EXCHANGE_DELEGATION` with an actor).
/// Sent by [`CognitoAuth::get_derived_token`].
///
/// ```
/// use cognito_auth::oauth::TokenExchange;
/// let exchange = TokenExchange::access_token("eyJ...")
///     .scope("https://orders.example.com/read")
///     .resource("https://orders.example.com");
/// assert!(!format!("{exchange:?}").contains("eyJ"));
/// ```
#[derive(Clone, Debug)]
pub struct TokenExchange {
    subject: SensitiveString,
    subject_type: TokenTypeIdentifierType,
    subject_provider: Option<String>,
    actor: Option<(SensitiveString, TokenTypeIdentifierType)>,
    scopes: Vec<String>,
    audiences: Vec<String>,
    resources: Vec<String>,
    requested: Option<IssuedTokenTypeIdentifierType>,
}

impl TokenExchange {
    fn new(subject: SensitiveString, subject_type: TokenTypeIdentifierType) -> Self {
        TokenExchange {
            subject,
            subject_type,
            subject_provider: None,
            actor: None,
            scopes: Vec::new(),
            audiences: Vec::new(),
            resources: Vec::new(),
            requested: None,
        }
    }

    /// Exchanges an access token of the pool.
    pub fn access_token(token: impl Into<SensitiveString>) -> Self {
        Self::new(token.into(), TokenTypeIdentifierType::AccessToken)
    }

    /// Exchanges an id token of the pool.
    pub fn id_token(token: impl Into<SensitiveString>) -> Self {
        Self::new(token.into(), TokenTypeIdentifierType::IdToken)
    }

    /// Exchanges a SAML 2.0 assertion of the pool's identity provider `provider`.
    pub fn saml2(assertion: impl Into<SensitiveString>, provider: impl Into<String>) -> Self {
        let mut e = Self::new(assertion.into(), TokenTypeIdentifierType::Saml2);
        e.subject_provider = Some(provider.into());
        e
    }

    /// The subject token came from this third-party provider of the pool (not Cognito).
    pub fn subject_provider(mut self, provider: impl Into<String>) -> Self {
        self.subject_provider = Some(provider.into());
        self
    }

    /// An access token of the intermediary service acting for the user (delegation: the issued
    /// token carries an `act` claim).
    pub fn actor_access_token(mut self, token: impl Into<SensitiveString>) -> Self {
        self.actor = Some((token.into(), TokenTypeIdentifierType::AccessToken));
        self
    }

    /// An id token of the intermediary service acting for the user (delegation).
    pub fn actor_id_token(mut self, token: impl Into<SensitiveString>) -> Self {
        self.actor = Some((token.into(), TokenTypeIdentifierType::IdToken));
        self
    }

    /// Asks for this scope (the issued token has the intersection of these, the subject's and
    /// the client's; none: the subject's).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// The logical name of the target service (not with [`resource`](Self::resource)).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// A resource server of the pool where the token is to be used (not with
    /// [`audience`](Self::audience)).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// The kind of token to issue (default: Cognito's choice, an access token).
    pub fn requested_token_type(mut self, kind: IssuedTokenTypeIdentifierType) -> Self {
        self.requested = Some(kind);
        self
    }
}

/// A token issued by a token exchange ([`CognitoAuth::get_derived_token`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DerivedToken {
    /// The issued token (a JWT of the pool; the downstream service verifies it).
    pub token: SensitiveString,
    /// Which kind it is.
    pub issued_token_type: IssuedTokenTypeIdentifierType,
    /// When it expires (`ExpiresIn` after the request), when Cognito said.
    pub expires_at: Option<OffsetDateTime>,
    /// The scopes granted.
    pub scopes: Vec<String>,
}

/// base64url (no padding) of the left half of SHA-256 of the access token's ASCII: the
/// `at_hash` of an RS256 id token (OpenID Connect Core 3.1.3.6).
pub(crate) fn at_hash(access_token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes());
    let half = digest.as_ref().get(..16).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(half)
}

/// Checks that an id token belongs to this sign-in: `aud` is the app client, `nonce` is the
/// request's (when one was sent: then it must be there), `at_hash` is the access token's (when
/// the id token has one). The id token came straight from the token endpoint over TLS, so its
/// claims are read without verifying the signature (OpenID Connect Core 3.1.3.7, item 6).
/// Returns the id token's claims.
pub(crate) fn check_id_token(
    tokens: &TokenSet,
    nonce: Option<&str>,
    client_id: &str,
) -> Result<Map<String, Value>, OAuthError> {
    let claims = unverified_claims(tokens.id_token.expose()).ok_or(OAuthError::BadResponse {
        status: 200,
        detail: "the id_token is not a JWT".into(),
    })?;
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(all)) => all.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !aud_ok {
        return Err(OAuthError::IdTokenMismatch(IdTokenClaim::Audience));
    }
    if let Some(expected) = nonce {
        let got = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
        if !bool::from(got.as_bytes().ct_eq(expected.as_bytes())) || got.is_empty() {
            return Err(OAuthError::IdTokenMismatch(IdTokenClaim::Nonce));
        }
    }
    if let Some(got) = claims.get("at_hash") {
        let expected = at_hash(tokens.access_token.expose());
        let same = got
            .as_str()
            .is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes())));
        if !same {
            return Err(OAuthError::IdTokenMismatch(IdTokenClaim::AtHash));
        }
    }
    Ok(claims)
}

/// Reads a token endpoint's token answer (code or refresh grant) received after `asked`. The id
/// token is required (the code flow into a session needs the `openid` scope); a refresh answer
/// without one keeps `previous_id_token`.
pub(crate) fn token_set(
    json: &Map<String, Value>,
    asked: OffsetDateTime,
    previous_id_token: Option<&SensitiveString>,
) -> Result<TokenSet, OAuthError> {
    let bad = |detail: String| OAuthError::BadResponse {
        status: 200,
        detail,
    };
    let text = |name: &str| {
        json.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let access = text("access_token").ok_or_else(|| bad("no access_token".into()))?;
    let id = match (text("id_token"), previous_id_token) {
        (Some(id), _) => SensitiveString::from(id),
        (None, Some(previous)) => previous.clone(),
        (None, None) => {
            return Err(OAuthError::Config(
                "the token endpoint sent no id_token: a session from the code flow needs the \
                 `openid` scope (ask for it, and allow it on the app client)"
                    .into(),
            ));
        }
    };
    let token_type = text("token_type");
    if !token_type.is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
        return Err(bad(format!("token_type {token_type:?}, not Bearer")));
    }
    let mut b = TokenSet::builder()
        .access_token(access)
        .id_token(id)
        .refresh_token(text("refresh_token").map(SensitiveString::from))
        .token_type("Bearer");
    if let Some(seconds) = json.get("expires_in").and_then(Value::as_i64) {
        if seconds <= 0 {
            return Err(bad(format!("expires_in {seconds}")));
        }
        b = b.expires_at(asked + Duration::seconds(seconds));
    }
    b.build()
        .map_err(|e| bad(format!("the tokens cannot be used: {e}")))
}

impl CognitoAuth {
    /// A new authorization request of this app client on `domain`, answered at `redirect_uri`
    /// (one of the client's `CallbackURLs`, exactly; [`LoopbackReceiver::redirect_uri`](super::LoopbackReceiver::redirect_uri)
    /// for a native app or CLI), with `state`, `nonce` and the PKCE pair drawn from the client's
    /// random source. Add scopes with [`AuthorizeRequest::scopes`] (`openid` is needed for a
    /// session), open [`AuthorizeRequest::url`] in the browser, then exchange the code with
    /// [`sign_in_with_code`](Self::sign_in_with_code).
    pub fn authorize_request(
        &self,
        domain: &OAuthDomain,
        redirect_uri: impl Into<String>,
    ) -> Result<AuthorizeRequest, Error> {
        Ok(AuthorizeRequest::new(
            domain,
            self.client_id(),
            redirect_uri,
            self.inner.rng.as_ref(),
        )?)
    }

    /// The authorization code flow's exchange (RFC 6749 4.1.3, PKCE): the code the redirect of
    /// `request` brought back becomes a [`Session`], like every other sign-in's: saved to the
    /// session store, refreshed (through the domain's token endpoint), usable by the bearer
    /// middleware.
    ///
    /// Sends `grant_type=authorization_code` with the code, the request's `redirect_uri` and PKCE
    /// verifier and the client id to the request's domain (HTTP Basic client authentication
    /// when this client has a secret). The id token must name this app client in `aud`, carry
    /// the request's `nonce` and, when it has one, the access token's `at_hash`; otherwise
    /// [`OAuthError::IdTokenMismatch`] and no session. The code's `state` was checked when the
    /// [`AuthorizationCode`] was made.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use cognito_auth::CognitoAuth;
    /// use cognito_auth::oauth::{LoopbackReceiver, OAuthDomain};
    /// let auth = CognitoAuth::builder("us-east-1_AbC", "client-id").build()?;
    /// let domain = OAuthDomain::prefix("my-app", "us-east-1")?;
    /// let receiver = LoopbackReceiver::bind_port(8765).await?;
    /// let request = auth
    ///     .authorize_request(&domain, receiver.redirect_uri())?
    ///     .scopes(["openid", "email"]);
    /// println!("open {}", request.url());
    /// let code = receiver.receive(&request).await?;
    /// let session = auth.sign_in_with_code(&request, code).await?;
    /// println!("signed in as {}", session.username());
    /// # Ok(()) }
    /// ```
    pub async fn sign_in_with_code(
        &self,
        request: &AuthorizeRequest,
        code: AuthorizationCode,
    ) -> Result<Session, Error> {
        if request.client_id() != self.client_id() {
            return Err(Error::Config(format!(
                "the authorize request is for app client {}, this client is {}",
                request.client_id(),
                self.client_id()
            )));
        }
        let domain = request.domain();
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code.code.expose())
            .append_pair("redirect_uri", request.redirect_uri())
            .append_pair("code_verifier", request.pkce().verifier().expose())
            .append_pair("client_id", self.client_id())
            .finish();
        let asked = self.now();
        let json = self.post_token_form(domain, form).await?;
        let tokens = token_set(&json, asked, None)?;
        let claims = check_id_token(&tokens, Some(request.nonce()), self.client_id())?;
        let name = tokens
            .username()
            .or_else(|| {
                claims
                    .get("cognito:username")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| claims.get("sub").and_then(Value::as_str).map(str::to_owned))
            .ok_or(AuthError::MissingToken("the tokens' username"))?;
        let mut state = SessionState::new(self.pool_id(), self.client_id(), name, tokens);
        state.oauth_domain = Some(domain.base_url().to_owned());
        Ok(self.session(state))
    }

    /// Refreshes a session that came from the token endpoint (`grant_type=refresh_token` on its
    /// domain). Only [`Session`] calls it, through [`CognitoAuth::refresh_tokens`].
    pub(crate) async fn refresh_at_domain(
        &self,
        domain: &str,
        state: &SessionState,
    ) -> Result<TokenSet, Error> {
        let domain = OAuthDomain::from_url(domain)?;
        let refresh = state
            .tokens
            .refresh_token
            .as_ref()
            .ok_or(Error::NoRefreshToken)?;
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh.expose())
            .append_pair("client_id", self.client_id())
            .finish();
        let asked = self.now();
        let json = self.post_token_form(&domain, form).await?;
        let fresh = json.contains_key("id_token");
        let tokens = token_set(&json, asked, Some(&state.tokens.id_token))?;
        if fresh {
            check_id_token(&tokens, None, self.client_id())?;
        }
        Ok(tokens)
    }

    /// POSTs a form to the domain's token endpoint with this client's authentication; the
    /// answer's JSON object or the typed refusal.
    async fn post_token_form(
        &self,
        domain: &OAuthDomain,
        form: String,
    ) -> Result<Map<String, Value>, Error> {
        let transport = self.http_transport()?;
        let basic = self
            .inner
            .client_secret
            .as_ref()
            .map(|s| (self.client_id(), s));
        let answer = endpoint::post_form(&transport, &domain.token_endpoint(), form, basic).await?;
        Ok(endpoint::json_object(&answer)?)
    }

    /// `GET /oauth2/userInfo` on `domain` with `access_token` as `Bearer` (the token needs the
    /// `openid` scope). A refused token is [`OAuthError::Refused`] with
    /// [`OAuthErrorCode::InvalidToken`](super::OAuthErrorCode::InvalidToken). A [`Session`]
    /// from the code flow has [`Session::user_info`], which sends a fresh token.
    pub async fn user_info(
        &self,
        domain: &OAuthDomain,
        access_token: &SensitiveString,
    ) -> Result<UserInfo, Error> {
        let url = domain.user_info_endpoint();
        let req = http::Request::get(&url)
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", access_token.expose()),
            )
            .body(Bytes::new())
            .map_err(|e| OAuthError::Config(format!("userInfo endpoint {url}: {e}")))?;
        let answer = endpoint::send(&self.http_transport()?, req).await?;
        Ok(UserInfo::from_claims(endpoint::json_object(&answer)?)?)
    }

    /// Revokes a refresh token at the domain's revocation endpoint (RFC 7009: `token` and the
    /// client's authentication): the tokens issued from it stop working. A [`Session`] from the
    /// code flow does this in [`Session::revoke`].
    pub async fn revoke_at(
        &self,
        domain: &OAuthDomain,
        refresh_token: &SensitiveString,
    ) -> Result<(), Error> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", refresh_token.expose())
            .append_pair("client_id", self.client_id())
            .finish();
        let basic = self
            .inner
            .client_secret
            .as_ref()
            .map(|s| (self.client_id(), s));
        let answer = endpoint::post_form(
            &self.http_transport()?,
            &domain.revocation_endpoint(),
            form,
            basic,
        )
        .await?;
        if answer.status == 200 {
            Ok(())
        } else {
            Err(endpoint::refusal(answer.status, &answer.body).into())
        }
    }

    /// `GetDerivedToken`: a token exchange (RFC 8693) through the API, authenticated by this app
    /// client's id and secret, never with AWS credentials (the API reference allows either; the
    /// generated operation is unsigned, like `GetClientToken`). The counterpart of
    /// [`get_client_token`](Self::get_client_token) for a user's token; Cognito's errors
    /// (`NotAuthorizedException` for a client without the exchange flow, ...) come back as
    /// [`Error::Wire`] with their next action.
    pub async fn get_derived_token(&self, exchange: &TokenExchange) -> Result<DerivedToken, Error> {
        if !exchange.audiences.is_empty() && !exchange.resources.is_empty() {
            return Err(Error::Config(
                "a token exchange names audiences or resources, not both".into(),
            ));
        }
        let mut req = cognito_wire::GetDerivedTokenRequest::builder()
            .client_id(self.client_id())
            .subject_token(exchange.subject.clone())
            .subject_token_type(exchange.subject_type.clone())
            .build()?;
        req.client_secret = self.inner.client_secret.clone();
        req.subject_token_provider_name = exchange.subject_provider.clone();
        if let Some((token, kind)) = &exchange.actor {
            req.actor_token = Some(token.clone());
            req.actor_token_type = Some(kind.clone());
        }
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        req.scopes = list(&exchange.scopes);
        req.audiences = list(&exchange.audiences);
        req.resources = list(&exchange.resources);
        req.requested_token_type = exchange.requested.clone();
        let asked = self.now();
        let out = self.wire().call::<op::GetDerivedToken>(&req).await?;
        Ok(DerivedToken {
            token: out.issued_token,
            issued_token_type: out.issued_token_type,
            expires_at: out
                .expires_in
                .map(|s| asked + Duration::seconds(i64::from(s))),
            scopes: out.scopes.unwrap_or_default(),
        })
    }
}

impl Session {
    /// The domain this session came from (the code flow), whose token endpoint refreshes it;
    /// `None` for sessions from the API's sign-in.
    pub fn oauth_domain(&self) -> Option<OAuthDomain> {
        self.state()
            .oauth_domain
            .and_then(|d| OAuthDomain::from_url(&d).ok())
    }

    /// What the domain's `userInfo` endpoint says about this user, with a fresh access token.
    /// Only for a session from the code flow with the `openid` scope (another session has no
    /// domain: use [`get_user`](Self::get_user), or [`CognitoAuth::user_info`] with the domain).
    pub async fn user_info(&self) -> Result<UserInfo, Error> {
        let domain = self.oauth_domain().ok_or_else(|| {
            Error::Config(
                "this session did not come from a pool domain: userInfo needs one \
                 (CognitoAuth::user_info takes it)"
                    .into(),
            )
        })?;
        let token = self.access_token().await?;
        self.auth().user_info(&domain, &token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &Value) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            b64(br#"{"alg":"RS256"}"#),
            b64(claims.to_string().as_bytes())
        )
    }

    fn answer(access: &str, id: &Value) -> Map<String, Value> {
        let v = serde_json::json!({
            "access_token": access,
            "id_token": jwt(id),
            "refresh_token": "r",
            "token_type": "Bearer",
            "expires_in": 3600,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn at_hash_is_the_left_half_of_sha256_base64url() {
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 | b00361a3 ...
        let left = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23,
        ];
        assert_eq!(
            at_hash("abc"),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(left)
        );
        assert_eq!(at_hash("abc").len(), 22);
    }

    #[test]
    fn the_id_token_must_carry_the_nonce_the_audience_and_the_at_hash() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let access = jwt(&serde_json::json!({"username": "alice", "exp": 10}));
        let good = serde_json::json!({"aud": "cid", "nonce": "n1", "at_hash": at_hash(&access)});
        let tokens = token_set(&answer(&access, &good), at, None).unwrap();
        assert_eq!(tokens.expires_at, at + Duration::hours(1));
        assert_eq!(tokens.refresh_token.as_ref().map(|r| r.len()), Some(1));
        check_id_token(&tokens, Some("n1"), "cid").unwrap();
        // Without a nonce asked (a refresh), a present at_hash is still checked.
        check_id_token(&tokens, None, "cid").unwrap();

        let refused = |id: Value, nonce: Option<&str>| {
            let t = token_set(&answer(&access, &id), at, None).unwrap();
            match check_id_token(&t, nonce, "cid") {
                Err(OAuthError::IdTokenMismatch(claim)) => claim,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(refused(good.clone(), Some("n2")), IdTokenClaim::Nonce);
        assert_eq!(
            refused(serde_json::json!({"aud": "cid"}), Some("n1")),
            IdTokenClaim::Nonce
        );
        assert_eq!(
            refused(
                serde_json::json!({"aud": "other", "nonce": "n1"}),
                Some("n1")
            ),
            IdTokenClaim::Audience
        );
        assert_eq!(
            refused(
                serde_json::json!({"aud": "cid", "nonce": "n1", "at_hash": at_hash("another")}),
                Some("n1")
            ),
            IdTokenClaim::AtHash
        );
        assert_eq!(
            OAuthError::IdTokenMismatch(IdTokenClaim::AtHash).next_action(),
            crate::NextAction::SignInAgain
        );
        // An array audience naming the client is fine.
        let t = token_set(
            &answer(&access, &serde_json::json!({"aud": ["x", "cid"]})),
            at,
            None,
        )
        .unwrap();
        check_id_token(&t, None, "cid").unwrap();
    }

    #[test]
    fn token_answers_need_an_id_token_unless_refreshing() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let mut json = answer("a.b.c", &serde_json::json!({}));
        json.remove("id_token");
        assert!(matches!(
            token_set(&json, at, None),
            Err(OAuthError::Config(_))
        ));
        let kept = SensitiveString::from("old.id.token");
        let t = token_set(&json, at, Some(&kept)).unwrap();
        assert_eq!(t.id_token, kept);
        json.insert("token_type".into(), Value::from("mac"));
        assert!(matches!(
            token_set(&json, at, Some(&kept)),
            Err(OAuthError::BadResponse { .. })
        ));
    }

    #[test]
    fn user_info_reads_cognito_string_booleans() {
        let claims = serde_json::json!({
            "sub": "s-1", "username": "alice", "email": "a@example.com",
            "email_verified": "true", "phone_number_verified": "false",
            "custom:team": "blue"
        });
        let Value::Object(map) = claims else {
            panic!("an object")
        };
        let u = UserInfo::from_claims(map.clone()).unwrap();
        assert_eq!(u.sub, "s-1");
        assert_eq!(u.username, "alice");
        assert_eq!(u.email.as_deref(), Some("a@example.com"));
        assert_eq!(u.email_verified, Some(true));
        assert_eq!(u.phone_number_verified, Some(false));
        assert_eq!(u.phone_number, None);
        assert_eq!(u.claim("custom:team"), Some("blue"));
        let mut bad = map.clone();
        bad.insert("email_verified".into(), Value::from("yes"));
        assert!(UserInfo::from_claims(bad).is_err());
        let mut nosub = map;
        nosub.remove("sub");
        assert!(UserInfo::from_claims(nosub).is_err());
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            any::<String>().prop_map(Value::from),
            prop::sample::select(vec!["true", "false", "Bearer", "a.b.c", ""])
                .prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            Just(Value::Null),
            Just(serde_json::json!(["x", 1])),
        ]
    }

    proptest::proptest! {
        /// Whatever the endpoints answer and whatever a redirect carries, the readers return a
        /// value or a typed error: no panic.
        #[test]
        fn the_readers_of_network_input_never_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            text in ".{0,120}",
            status in 100u16..600,
            members in proptest::collection::btree_map(
                proptest::sample::select(vec![
                    "access_token", "id_token", "refresh_token", "token_type", "expires_in",
                    "sub", "username", "email", "email_verified", "phone_number",
                    "phone_number_verified", "error", "error_description",
                ]),
                json_value(),
                0..10,
            ),
        ) {
            let answer = endpoint::Answer {
                status,
                body: Bytes::from(bytes.clone()),
                challenge: Some(text.clone()),
            };
            let _ = endpoint::json_object(&answer);
            let _ = endpoint::refusal(status, &bytes);
            let map: Map<String, Value> =
                members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let body = Bytes::from(Value::Object(map.clone()).to_string());
            let _ = endpoint::json_object(&endpoint::Answer { status, body, challenge: None });
            let previous = SensitiveString::from("old.id.token");
            for kept in [None, Some(&previous)] {
                if let Ok(tokens) = token_set(&map, OffsetDateTime::UNIX_EPOCH, kept) {
                    let _ = check_id_token(&tokens, Some(&text), &text);
                }
            }
            let _ = UserInfo::from_claims(map);
            let domain = OAuthDomain::custom("auth.example.com").unwrap();
            let rng = ring::rand::SystemRandom::new();
            let req = AuthorizeRequest::new(&domain, "cid", "https://app.example.com/cb", &rng)
                .unwrap();
            proptest::prop_assert!(AuthorizationCode::from_redirect(&text, &req).is_err());
            let forged = TokenSet::builder()
                .access_token(text.clone())
                .id_token(text.clone())
                .expires_at(OffsetDateTime::UNIX_EPOCH)
                .build()
                .unwrap();
            let _ = check_id_token(&forged, Some(&text), "cid");
        }
    }
}
