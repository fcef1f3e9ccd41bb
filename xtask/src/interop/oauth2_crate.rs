//! The `oauth2` crate (5.x, a Rust OAuth 2.0 client nobody here wrote) as a peer of the two
//! OAuth 2.0 rows, against the pool `oauth.rs` provisions. Its endpoints come from the pool's
//! OpenID discovery document; its requests go through xtask's hyper client (loopback only), so
//! the crate is built without an HTTP client feature.
//!
//! - Authorization code + PKCE: the crate builds the authorize URL (state, S256 challenge, a
//!   nonce as an extra parameter); `oauth::form_sign_in` plays the browser on the managed login
//!   form; the crate redeems the code from the 302's `Location` with the verifier. cognito-jwt
//!   verifies both tokens (signature against the pool's JWKS, issuer, client id, token use); the
//!   id token's `nonce` and `at_hash` are checked; the used code is `invalid_grant`.
//! - `client_credentials`: HTTP Basic and `client_secret_post`; cognito-jwt verifies the access
//!   token (scope included); a wrong secret is `invalid_client`.

use super::check::{Check, Ctx, ensure};
use super::oauth::{self, OAuthFixture};
use super::report::{FLOWS, Outcome, PeerRun};
use super::{FLOW_TIMEOUT, emulator};
use cognito_auth::jwt::{Claims, CognitoJwtVerifier, PoolConfig, TokenUse};
use cognito_emulator::Emulator;
use oauth2::basic::{
    BasicClient, BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use std::collections::BTreeMap;

/// The `id_token` member of the token endpoint's answer, which oauth2's basic token response
/// (RFC 6749's fields only) does not read.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
struct IdTokenField {
    id_token: String,
}

impl oauth2::ExtraTokenFields for IdTokenField {}

/// oauth2's client with the OpenID Connect token answer.
type OidcClient = oauth2::Client<
    BasicErrorResponse,
    StandardTokenResponse<IdTokenField, BasicTokenType>,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
>;

type TokenError = RequestTokenError<std::io::Error, BasicErrorResponse>;

/// The peer: the two OAuth rows; the Cognito API rows are not an OAuth client's business.
pub(crate) async fn run() -> PeerRun {
    let emu = match emulator().await {
        Ok(e) => e,
        Err(e) => return PeerRun::Broken(e),
    };
    let mut out = BTreeMap::new();
    for (id, _) in FLOWS {
        let flow = match *id {
            "oauth_code_pkce" => code_flow(&emu).await,
            "client_credentials" => client_credentials(&emu).await,
            _ => {
                out.insert((*id).to_owned(), Outcome::NotApplicable);
                continue;
            }
        };
        out.insert(
            (*id).to_owned(),
            match flow {
                Ok(()) => Outcome::Pass,
                Err(why) => Outcome::Fail(why),
            },
        );
    }
    emu.shutdown().await;
    PeerRun::Ran(out)
}

/// oauth2's HTTP client: one request through xtask's hyper client, to loopback only.
async fn send(
    http: oauth::Http,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, std::io::Error> {
    let other = |what: String| std::io::Error::other(what);
    let uri = request.uri().to_string();
    if !matches!(request.uri().host(), Some("127.0.0.1" | "localhost")) {
        return Err(other(format!("only loopback is contacted: {uri}")));
    }
    let (parts, body) = request.into_parts();
    let request =
        http::Request::from_parts(parts, http_body_util::Full::new(bytes::Bytes::from(body)));
    let answer = tokio::time::timeout(std::time::Duration::from_secs(15), http.request(request))
        .await
        .map_err(|_| other(format!("{uri}: timed out")))?
        .map_err(|e| other(format!("{uri}: {e}")))?;
    let (parts, body) = answer.into_parts();
    let body = http_body_util::BodyExt::collect(body)
        .await
        .map_err(|e| other(format!("{uri}: body: {e}")))?
        .to_bytes();
    Ok(http::Response::from_parts(parts, body.to_vec()))
}

/// What went wrong with a token request, with the server's error or the transport's cause.
fn describe(e: &TokenError) -> String {
    match e {
        RequestTokenError::ServerResponse(r) => format!("the server refused: {r}"),
        RequestTokenError::Request(e) => format!("request failed: {e}"),
        RequestTokenError::Parse(e, body) => {
            format!("unreadable answer ({e}): {}", String::from_utf8_lossy(body))
        }
        RequestTokenError::Other(s) => s.clone(),
    }
}

/// Whether a token request was refused with `code`.
fn refused_with<T>(answer: &Result<T, TokenError>, code: &BasicErrorResponseType) -> bool {
    matches!(answer, Err(RequestTokenError::ServerResponse(r)) if r.error() == code)
}

/// The pool's OpenID discovery document (issuer checked).
async fn discovery(emu: &Emulator, f: &OAuthFixture) -> Result<serde_json::Value, String> {
    let issuer = issuer(emu, f);
    let (status, body) = oauth::get(&format!("{issuer}/.well-known/openid-configuration")).await?;
    ensure(
        status == 200,
        format!("discovery answered {status}: {body}"),
    )?;
    let doc: serde_json::Value = serde_json::from_str(&body).ctx("discovery JSON")?;
    ensure(
        endpoint(&doc, "issuer")? == issuer,
        format!("discovery issuer {:?} is {issuer}", doc.get("issuer")),
    )?;
    Ok(doc)
}

fn issuer(emu: &Emulator, f: &OAuthFixture) -> String {
    format!("{}/{}", emu.url(), f.pool_id)
}

fn endpoint(doc: &serde_json::Value, key: &str) -> Result<String, String> {
    doc.get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ctx(&format!("discovery {key}"))
}

/// Verifies `token` with cognito-jwt: signature against the pool's JWKS, issuer, client id
/// (`aud` of an id token, `client_id` of an access token), token use, expiry and, unless empty,
/// `scopes` (one of them).
async fn verify(
    emu: &Emulator,
    f: &OAuthFixture,
    client_id: &str,
    token_use: TokenUse,
    scopes: &[String],
    token: &str,
) -> Result<Claims, String> {
    let mut config = PoolConfig::new(&f.pool_id)
        .issuer(issuer(emu, f))
        .client_id(client_id)
        .token_use(token_use);
    if !scopes.is_empty() {
        config = config.scopes(scopes.iter().cloned());
    }
    CognitoJwtVerifier::builder_for(config)
        .build()
        .ctx("verifier")?
        .verify(token, time::OffsetDateTime::now_utc())
        .await
        .ctx(&format!("verify the {token_use:?} token"))
}

/// base64url (no padding) of the left half of SHA-256 of the access token: the id token's
/// `at_hash` for RS256 (OpenID Connect Core 3.1.3.6).
fn at_hash(access_token: &str) -> String {
    use base64::Engine as _;
    let digest = ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes());
    let half = digest.as_ref().get(..16).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(half)
}

/// The authorization code flow with PKCE, S256, state and nonce.
async fn code_flow(emu: &Emulator) -> Check {
    let run = async {
        let f = oauth::provision(emu).await?;
        let doc = discovery(emu, &f).await?;
        let http = oauth::http();
        let client_http = move |r| send(http.clone(), r);
        let client = OidcClient::new(ClientId::new(f.code_client_id.clone()))
            .set_auth_uri(AuthUrl::new(endpoint(&doc, "authorization_endpoint")?).ctx("AuthUrl")?)
            .set_token_uri(TokenUrl::new(endpoint(&doc, "token_endpoint")?).ctx("TokenUrl")?)
            .set_redirect_uri(RedirectUrl::new(oauth::REDIRECT_URI.to_owned()).ctx("RedirectUrl")?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random().secret().clone();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scope(Scope::new("openid".to_owned()))
            .add_scope(Scope::new("email".to_owned()))
            .add_extra_param("nonce", &nonce)
            .set_pkce_challenge(challenge)
            .url();
        let location = oauth::form_sign_in(url.as_str(), oauth::USER, oauth::PW).await?;
        ensure(
            location.starts_with(oauth::REDIRECT_URI),
            format!("redirected to the redirect URI: {location}"),
        )?;
        let query: BTreeMap<String, String> = url::Url::parse(&location)
            .ctx("the redirect")?
            .query_pairs()
            .into_owned()
            .collect();
        ensure(
            query.get("state") == Some(state.secret()),
            format!("the redirect's state is oauth2's: {location}"),
        )?;
        let code = query
            .get("code")
            .cloned()
            .ctx(&format!("code in {location}"))?;
        let again_verifier = PkceCodeVerifier::new(verifier.secret().clone());
        let answer = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .set_pkce_verifier(verifier)
            .request_async(&client_http)
            .await
            .map_err(|e| format!("redeeming the code: {}", describe(&e)))?;
        ensure(
            *answer.token_type() == BasicTokenType::Bearer,
            format!("token_type {:?}", answer.token_type()),
        )?;
        ensure(answer.refresh_token().is_some(), "a refresh token")?;
        let access = answer.access_token().secret();
        let id_token = &answer.extra_fields().id_token;
        let id = verify(emu, &f, &f.code_client_id, TokenUse::Id, &[], id_token).await?;
        ensure(
            id.get("nonce").and_then(|v| v.as_str()) == Some(nonce.as_str()),
            format!("id token nonce {:?}", id.get("nonce")),
        )?;
        let expected = at_hash(access);
        ensure(
            id.get("at_hash").and_then(|v| v.as_str()) == Some(expected.as_str()),
            format!("id token at_hash {:?} is {expected}", id.get("at_hash")),
        )?;
        ensure(
            id.cognito_username.as_deref() == Some(oauth::USER),
            format!("id token cognito:username {:?}", id.cognito_username),
        )?;
        let claims = verify(
            emu,
            &f,
            &f.code_client_id,
            TokenUse::Access,
            &["openid".to_owned(), "email".to_owned()],
            access,
        )
        .await?;
        ensure(
            claims.username.as_deref() == Some(oauth::USER),
            format!("access token username {:?}", claims.username),
        )?;
        ensure(
            claims.scopes().any(|s| s == "openid") && claims.scopes().any(|s| s == "email"),
            format!("access token scope {:?} has openid and email", claims.scope),
        )?;
        // A code is single use, even with its own verifier.
        let again = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(again_verifier)
            .request_async(&client_http)
            .await;
        ensure(
            refused_with(&again, &BasicErrorResponseType::InvalidGrant),
            format!(
                "a used code is invalid_grant: {}",
                again
                    .as_ref()
                    .map_or_else(describe, |_| "tokens".to_owned())
            ),
        )
    };
    timed(run).await
}

/// `client_credentials` with HTTP Basic, then `client_secret_post`.
async fn client_credentials(emu: &Emulator) -> Check {
    let run = async {
        let f = oauth::provision(emu).await?;
        let doc = discovery(emu, &f).await?;
        let token_url = TokenUrl::new(endpoint(&doc, "token_endpoint")?).ctx("TokenUrl")?;
        let http = oauth::http();
        let client_http = move |r| send(http.clone(), r);
        let read = format!("{}/read", oauth::ORDERS);
        for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
            let answer = BasicClient::new(ClientId::new(f.m2m_client_id.clone()))
                .set_client_secret(ClientSecret::new(f.m2m_secret.clone()))
                .set_token_uri(token_url.clone())
                .set_auth_type(auth.clone())
                .exchange_client_credentials()
                .add_scope(Scope::new(read.clone()))
                .request_async(&client_http)
                .await
                .map_err(|e| format!("client_credentials ({auth:?}): {}", describe(&e)))?;
            ensure(
                answer.expires_in().is_some_and(|d| d.as_secs() > 0),
                format!("expires_in {:?}", answer.expires_in()),
            )?;
            let claims = verify(
                emu,
                &f,
                &f.m2m_client_id,
                TokenUse::Access,
                std::slice::from_ref(&read),
                answer.access_token().secret(),
            )
            .await?;
            ensure(claims.sub == f.m2m_client_id, "sub is the client id")?;
        }
        let wrong = BasicClient::new(ClientId::new(f.m2m_client_id.clone()))
            .set_client_secret(ClientSecret::new("not-the-secret".to_owned()))
            .set_token_uri(token_url)
            .exchange_client_credentials()
            .request_async(&client_http)
            .await;
        ensure(
            refused_with(&wrong, &BasicErrorResponseType::InvalidClient),
            format!(
                "a wrong secret is invalid_client: {}",
                wrong
                    .as_ref()
                    .map_or_else(describe, |_| "a token".to_owned())
            ),
        )
    };
    timed(run).await
}

async fn timed(run: impl std::future::Future<Output = Check>) -> Check {
    tokio::time::timeout(FLOW_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| Err(format!("timed out after {FLOW_TIMEOUT:?}")))
}
