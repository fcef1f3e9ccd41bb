//! The authorization code flow end to end over HTTP: the emulator's managed login played by an
//! HTTP client (`pycognito_tests::managed_login`), the code exchanged with PKCE into the one
//! `Session` (stored, refreshed through the domain's token endpoint, usable on the API),
//! `userInfo`, revocation, the id token checks (`nonce`, `at_hash`, `state`) and the API's
//! token exchange `GetDerivedToken`.

use super::oauth::admin;
use bytes::Bytes;
use cognito_auth::oauth::{
    AuthorizationCode, AuthorizeRequest, IdTokenClaim, OAuthDomain, OAuthError, OAuthErrorCode,
    TokenExchange,
};
use cognito_auth::{CognitoAuth, Error, MemorySessionStore, NextAction, Session, SessionStore};
use cognito_emulator::{ClientSpec, PoolSpec, UserSpec};
use cognito_wire::{
    ExplicitAuthFlowsType, IssuedTokenTypeIdentifierType, OAuthFlowType, Transport, TransportError,
    op,
};
use pycognito_tests::Env;
use pycognito_tests::managed_login::ManagedLoginBrowser;
use std::sync::Arc;
use std::time::Duration;

const CALLBACK: &str = "http://localhost:8765/callback";
const PW: &str = "Passw0rd!";
const SCOPES: [&str; 3] = ["openid", "email", "aws.cognito.signin.user.admin"];

struct Web {
    env: Env,
    domain: OAuthDomain,
}

/// A pool with a domain and the user alice.
async fn web() -> Web {
    let env = Env::start(PoolSpec::named("web"), ClientSpec::public("unused")).await;
    let req = cognito_wire::CreateUserPoolDomainRequest::builder()
        .user_pool_id(&env.pool_id)
        .domain("web-code")
        .build()
        .unwrap();
    admin(&env)
        .call::<op::CreateUserPoolDomain>(&req)
        .await
        .unwrap();
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::new("alice", PW)
                .attribute("email", "alice@example.com")
                .attribute("email_verified", "true"),
        )
        .unwrap();
    let domain = OAuthDomain::from_url(&format!("{}/_domain/web-code", env.emu.url())).unwrap();
    Web { env, domain }
}

/// A code-flow app client; (id, secret).
async fn code_client(
    w: &Web,
    name: &str,
    secret: bool,
    flows: &[&str],
) -> (String, Option<String>) {
    code_client_with(w, name, secret, flows, false).await
}

/// A code-flow app client, with refresh-token rotation (no grace period) when `rotation`.
async fn code_client_with(
    w: &Web,
    name: &str,
    secret: bool,
    flows: &[&str],
    rotation: bool,
) -> (String, Option<String>) {
    let mut b = cognito_wire::CreateUserPoolClientRequest::builder()
        .user_pool_id(&w.env.pool_id)
        .client_name(name)
        .generate_secret(secret)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(vec![OAuthFlowType::Code])
        .allowed_o_auth_scopes(SCOPES.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
        .callback_ur_ls(vec![CALLBACK.to_owned()])
        .supported_identity_providers(vec!["COGNITO".to_owned()]);
    if rotation {
        b = b.refresh_token_rotation(
            cognito_wire::RefreshTokenRotationType::builder()
                .feature(cognito_wire::FeatureType::Enabled)
                .retry_grace_period_seconds(0)
                .build()
                .unwrap(),
        );
    }
    if !flows.is_empty() {
        b = b.explicit_auth_flows(
            flows
                .iter()
                .map(|f| ExplicitAuthFlowsType::from(*f))
                .collect::<Vec<_>>(),
        );
    }
    let made = admin(&w.env)
        .call::<op::CreateUserPoolClient>(&b.build().unwrap())
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    (
        made.client_id.unwrap().expose().to_owned(),
        made.client_secret.map(|s| s.expose().to_owned()),
    )
}

fn auth(w: &Web, id: &str, secret: Option<&str>) -> cognito_auth::CognitoAuthBuilder {
    let mut b = CognitoAuth::builder(&w.env.pool_id, id)
        .endpoint_url(w.env.emu.url())
        .clock(Arc::new(w.env.clock.clone()));
    if let Some(s) = secret {
        b = b.client_secret(s);
    }
    b
}

/// Signs alice in through the managed login for `req`; the code its redirect carries.
async fn browser_code(req: &AuthorizeRequest, url: &str) -> AuthorizationCode {
    let redirect = ManagedLoginBrowser::new().sign_in(url, "alice", PW).await;
    assert!(redirect.starts_with(CALLBACK), "{redirect}");
    AuthorizationCode::from_redirect(&redirect, req).unwrap()
}

async fn signed_in(auth: &CognitoAuth, w: &Web) -> Session {
    let req = auth
        .authorize_request(&w.domain, CALLBACK)
        .unwrap()
        .scopes(SCOPES);
    let code = browser_code(&req, &req.url()).await;
    auth.sign_in_with_code(&req, code).await.unwrap()
}

fn refused_code(e: &Error) -> Option<&OAuthErrorCode> {
    match e {
        Error::OAuth(OAuthError::Refused { code, .. }) => Some(code),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_and_pkce_give_a_stored_session_that_refreshes_at_the_token_endpoint() {
    let w = web().await;
    // A client with a secret: the exchange and refreshes authenticate with HTTP Basic.
    let (id, secret) = code_client(&w, "spa", true, &[]).await;
    let store = Arc::new(MemorySessionStore::default());
    let auth = auth(&w, &id, secret.as_deref())
        .session_store(store.clone())
        .build()
        .unwrap();
    let session = signed_in(&auth, &w).await;
    assert_eq!(session.username(), "alice");
    assert_eq!(session.oauth_domain(), Some(w.domain.clone()));
    let kept = store.load().unwrap().expect("the session is stored");
    assert_eq!(kept.oauth_domain.as_deref(), Some(w.domain.base_url()));
    assert!(kept.tokens.refresh_token.is_some());

    // The same handle as an SRP sign-in's: the API's user operations work with its token
    // (the aws.cognito.signin.user.admin scope was granted).
    assert_eq!(session.get_user().await.unwrap().username.expose(), "alice");

    // userInfo, with Cognito's string booleans read as bool.
    let info = session.user_info().await.unwrap();
    assert_eq!(info.username, "alice");
    assert_eq!(info.email.as_deref(), Some("alice@example.com"));
    assert_eq!(info.email_verified, Some(true));
    assert!(!info.sub.is_empty());
    let bad = auth
        .user_info(&w.domain, &"not-a-token".into())
        .await
        .unwrap_err();
    assert_eq!(refused_code(&bad), Some(&OAuthErrorCode::InvalidToken));

    // Refresh through the token endpoint: forced, then by expiry on the emulator's clock.
    let before = session.tokens();
    let after = session.refresh().await.unwrap();
    assert_ne!(after.access_token, before.access_token);
    assert_eq!(after.refresh_token, before.refresh_token, "not rotated");
    w.env.advance(Duration::from_secs(3600));
    let token = session.access_token().await.unwrap();
    assert_ne!(token, after.access_token);
    assert_eq!(session.refresh_count(), 2);
    assert_eq!(store.load().unwrap().unwrap().tokens.access_token, token);

    // The next run restores it from the store, still bound to the domain.
    let again = auth.restore().await.unwrap().unwrap();
    assert_eq!(again.oauth_domain(), Some(w.domain.clone()));
    assert_eq!(again.user_info().await.unwrap().sub, info.sub);

    // A session of the API's sign-in has no domain: userInfo says where to go instead.
    let srp = w.env.auth_builder().build().unwrap();
    let api_session = srp.sign_in("alice", PW).await.unwrap().session().unwrap();
    assert_eq!(api_session.oauth_domain(), None);
    let e = api_session.user_info().await.unwrap_err();
    assert_eq!(e.next_action(), NextAction::FixConfiguration, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_replaces_the_kept_one_at_once() {
    let w = web().await;
    let (id, _) = code_client_with(&w, "rotating", false, &[], true).await;
    let store = Arc::new(MemorySessionStore::default());
    let auth = auth(&w, &id, None)
        .session_store(store.clone())
        .build()
        .unwrap();
    let session = signed_in(&auth, &w).await;
    let first = session.tokens().refresh_token.unwrap();
    let second = session.refresh().await.unwrap().refresh_token.unwrap();
    assert_ne!(second, first, "the token endpoint rotated it");
    let kept = store.load().unwrap().unwrap();
    assert_eq!(
        kept.tokens.refresh_token.as_ref(),
        Some(&second),
        "stored at once"
    );
    // The old one is spent once the grace period (0 s; the emulator counts whole seconds) is
    // over: a handle still holding it has to sign in again.
    w.env.advance(Duration::from_secs(1));
    let mut stale = session.state();
    stale.tokens.refresh_token = Some(first);
    let e = auth.session(stale).refresh().await.unwrap_err();
    assert_eq!(refused_code(&e), Some(&OAuthErrorCode::InvalidGrant), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_sessions_cannot_refresh() {
    let w = web().await;
    let (id, _) = code_client(&w, "spa", false, &[]).await;
    let store = Arc::new(MemorySessionStore::default());
    let auth = auth(&w, &id, None)
        .session_store(store.clone())
        .build()
        .unwrap();
    let session = signed_in(&auth, &w).await;
    let copy = session.state();
    session.revoke().await.unwrap(); // at /oauth2/revoke
    assert!(store.load().unwrap().is_none(), "the store forgets it");
    // Another handle on the same (revoked) refresh token.
    let stale = auth.session(copy);
    let e = stale.refresh().await.unwrap_err();
    assert_eq!(refused_code(&e), Some(&OAuthErrorCode::InvalidGrant), "{e}");
    assert_eq!(e.next_action(), NextAction::SignInAgain);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_refused_for_another_state_another_nonce_or_a_second_use() {
    let w = web().await;
    let (id, _) = code_client(&w, "spa", false, &[]).await;
    let auth = auth(&w, &id, None).build().unwrap();

    // The browser is sent somewhere with another nonce (someone else's request): the id
    // token carries that nonce, and the exchange refuses the tokens.
    let req = auth
        .authorize_request(&w.domain, CALLBACK)
        .unwrap()
        .scopes(SCOPES);
    let url = req
        .url()
        .replace(&format!("nonce={}", req.nonce()), "nonce=someone-elses");
    assert_ne!(url, req.url());
    let code = browser_code(&req, &url).await;
    match auth.sign_in_with_code(&req, code).await {
        Err(Error::OAuth(e @ OAuthError::IdTokenMismatch(IdTokenClaim::Nonce))) => {
            assert_eq!(e.next_action(), NextAction::SignInAgain);
        }
        other => panic!("{other:?}"),
    }

    // The redirect of another request (another state) gives no code at all.
    let other = auth.authorize_request(&w.domain, CALLBACK).unwrap();
    let redirect = ManagedLoginBrowser::new()
        .sign_in(&req.url(), "alice", PW)
        .await;
    assert!(matches!(
        AuthorizationCode::from_redirect(&redirect, &other),
        Err(OAuthError::StateMismatch)
    ));

    // A code works once.
    let code = AuthorizationCode::from_redirect(&redirect, &req).unwrap();
    auth.sign_in_with_code(&req, code.clone()).await.unwrap();
    let e = auth.sign_in_with_code(&req, code).await.unwrap_err();
    assert_eq!(refused_code(&e), Some(&OAuthErrorCode::InvalidGrant));
}

/// Passes requests to the emulator, and puts `replacement` in place of the access token of
/// the token endpoint's answers (a token that is not the one the id token's at_hash names).
struct SwapAccessToken {
    inner: cognito_wire::HyperTransport,
    replacement: String,
}

impl Transport for SwapAccessToken {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> cognito_wire::BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let token_call = req.uri().path().ends_with("/oauth2/token");
            let resp = self.inner.send(req).await?;
            if !token_call {
                return Ok(resp);
            }
            let (parts, body) = resp.into_parts();
            let mut json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            json["access_token"] = self.replacement.clone().into();
            Ok(http::Response::from_parts(
                parts,
                Bytes::from(json.to_string()),
            ))
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_the_id_tokens_at_hash_does_not_name_is_refused() {
    let w = web().await;
    let (id, _) = code_client(&w, "spa", false, &[]).await;
    // A real access token of alice, from an earlier sign-in: a well-formed token, but not the
    // one issued with the id token.
    let earlier = signed_in(&auth(&w, &id, None).build().unwrap(), &w)
        .await
        .tokens()
        .access_token
        .expose()
        .to_owned();
    let swapping = Arc::new(SwapAccessToken {
        inner: cognito_wire::HyperTransport::new().unwrap(),
        replacement: earlier,
    });
    let auth = auth(&w, &id, None)
        .http_transport(swapping)
        .build()
        .unwrap();
    let req = auth
        .authorize_request(&w.domain, CALLBACK)
        .unwrap()
        .scopes(SCOPES);
    let code = browser_code(&req, &req.url()).await;
    match auth.sign_in_with_code(&req, code).await {
        Err(Error::OAuth(OAuthError::IdTokenMismatch(IdTokenClaim::AtHash))) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_derived_token_exchanges_a_users_token_for_a_narrower_one() {
    let w = web().await;
    let (web_id, _) = code_client(&w, "spa", false, &[]).await;
    let (x_id, x_secret) = code_client(
        &w,
        "exchanger",
        true,
        &[
            "ALLOW_TOKEN_EXCHANGE_IMPERSONATION",
            "ALLOW_TOKEN_EXCHANGE_DELEGATION",
        ],
    )
    .await;
    let web_auth = auth(&w, &web_id, None).build().unwrap();
    let session = signed_in(&web_auth, &w).await;
    let subject = session.access_token().await.unwrap();

    // No AWS credentials: the exchanging client authenticates with its id and secret.
    let exchanger = auth(&w, &x_id, x_secret.as_deref()).build().unwrap();
    let derived = exchanger
        .get_derived_token(
            &TokenExchange::access_token(subject.clone())
                .scope("email")
                .scope("profile")
                .audience("orders-service"),
        )
        .await
        .unwrap();
    assert_eq!(
        derived.issued_token_type,
        IssuedTokenTypeIdentifierType::AccessToken
    );
    assert_eq!(derived.scopes, vec!["email".to_owned()]);
    assert!(derived.expires_at.is_some());
    let claims = cognito_auth::unverified_claims(derived.token.expose()).unwrap();
    let user = cognito_auth::unverified_claims(subject.expose()).unwrap();
    assert_eq!(claims["sub"], user["sub"]);
    assert_eq!(claims["aud"], serde_json::json!(["orders-service"]));
    assert!(claims.get("act").is_none());

    // Delegation: the actor is named in `act`.
    let delegated = exchanger
        .get_derived_token(
            &TokenExchange::access_token(subject.clone())
                .actor_id_token(session.id_token().await.unwrap()),
        )
        .await
        .unwrap();
    let claims = cognito_auth::unverified_claims(delegated.token.expose()).unwrap();
    assert!(claims.get("act").is_some());

    // A client without the exchange flow is refused, typed, with its next action.
    let e = web_auth
        .get_derived_token(&TokenExchange::access_token(subject.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.service_code(), Some("OperationNotEnabledException"));
    // Audiences and resources together cannot work: refused before sending.
    let e = exchanger
        .get_derived_token(
            &TokenExchange::access_token(subject)
                .audience("a")
                .resource("https://orders.example.com"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.next_action(), NextAction::FixConfiguration);
}
