//! OAuth 2.0 end to end: machine-to-machine tokens from the emulator's token endpoint through
//! `cognito_auth::oauth::ClientCredentials` (cache, renewal on the emulator's clock, one fetch
//! in flight, typed errors), verified by cognito-jwt as a backend would.

/// The signed admin client (also used by oauth_code.rs).
pub(crate) use super::hosted::admin;
use cognito_auth::jwt::{CognitoJwtVerifier, PoolConfig, TokenUse};
use cognito_auth::oauth::{ClientCredentials, OAuthDomain, OAuthError, OAuthErrorCode};
use cognito_auth::{Clock, NextAction};
use cognito_emulator::{ClientSpec, PoolSpec};
use cognito_wire::{OAuthFlowType, op};
use pycognito_tests::Env;
use std::sync::Arc;
use std::time::Duration;

const ORDERS: &str = "https://orders.example.com";

struct M2m {
    env: Env,
    domain: OAuthDomain,
    client_id: String,
    secret: String,
}

async fn m2m() -> M2m {
    let env = Env::start(PoolSpec::named("m2m"), ClientSpec::public("unused")).await;
    let admin = admin(&env);
    let domain_req = cognito_wire::CreateUserPoolDomainRequest::builder()
        .user_pool_id(&env.pool_id)
        .domain("orders-m2m")
        .build()
        .unwrap();
    admin
        .call::<op::CreateUserPoolDomain>(&domain_req)
        .await
        .unwrap();
    let scope = |n: &str| {
        cognito_wire::ResourceServerScopeType::builder()
            .scope_name(n)
            .scope_description(n)
            .build()
            .unwrap()
    };
    let rs = cognito_wire::CreateResourceServerRequest::builder()
        .user_pool_id(&env.pool_id)
        .identifier(ORDERS)
        .name("Orders")
        .scopes(vec![scope("read"), scope("write")])
        .build()
        .unwrap();
    admin.call::<op::CreateResourceServer>(&rs).await.unwrap();
    let client = cognito_wire::CreateUserPoolClientRequest::builder()
        .user_pool_id(&env.pool_id)
        .client_name("worker")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(vec![OAuthFlowType::ClientCredentials])
        .allowed_o_auth_scopes(vec![format!("{ORDERS}/read"), format!("{ORDERS}/write")])
        .build()
        .unwrap();
    let made = admin
        .call::<op::CreateUserPoolClient>(&client)
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let domain = OAuthDomain::from_url(&format!("{}/_domain/orders-m2m", env.emu.url())).unwrap();
    M2m {
        client_id: made.client_id.unwrap().expose().to_owned(),
        secret: made.client_secret.unwrap().expose().to_owned(),
        env,
        domain,
    }
}

fn verifier(f: &M2m, scopes: &[&str]) -> CognitoJwtVerifier {
    CognitoJwtVerifier::builder_for(
        PoolConfig::new(&f.env.pool_id)
            .issuer(format!("{}/{}", f.env.emu.url(), f.env.pool_id))
            .client_id(&f.client_id)
            .token_use(TokenUse::Access)
            .scopes(scopes.iter().copied()),
    )
    .build()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_tokens_are_cached_renewed_and_verified() {
    let f = m2m().await;
    let m2m = ClientCredentials::builder(&f.domain, &f.client_id, f.secret.as_str())
        .scope(format!("{ORDERS}/read"))
        .clock(Arc::new(f.env.clock.clone()))
        .build()
        .unwrap();

    // Ten callers at once on a cold cache: one request, one token for all.
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let m = m2m.clone();
            tokio::spawn(async move { m.access_token().await.unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().access_token.expose().to_owned());
    }
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "one fetch in flight"
    );
    let first = tokens[0].clone();

    // A backend verifies it, scope included; a verifier wanting another scope refuses it.
    let now = f.env.clock.now();
    let claims = verifier(&f, &[&format!("{ORDERS}/read")])
        .verify(&first, now)
        .await
        .unwrap();
    assert_eq!(claims.sub, f.client_id);
    assert!(
        verifier(&f, &[&format!("{ORDERS}/write")])
            .verify(&first, now)
            .await
            .is_err()
    );

    // Cached while more than the margin (5 minutes) is left; renewed after.
    f.env.advance(Duration::from_secs(50 * 60));
    let cached = m2m.access_token().await.unwrap();
    assert_eq!(cached.access_token.expose(), first);
    f.env.advance(Duration::from_secs(6 * 60));
    let renewed = m2m.access_token().await.unwrap();
    assert_ne!(renewed.access_token.expose(), first);
    assert!(renewed.expires_at > f.env.clock.now() + time::Duration::minutes(59));

    // A resource: the token's aud, which a verifier of that audience accepts.
    let with_aud = ClientCredentials::builder(&f.domain, &f.client_id, f.secret.as_str())
        .resource(ORDERS)
        .clock(Arc::new(f.env.clock.clone()))
        .build()
        .unwrap()
        .access_token()
        .await
        .unwrap();
    let audience = CognitoJwtVerifier::builder_for(
        PoolConfig::new(&f.env.pool_id)
            .issuer(format!("{}/{}", f.env.emu.url(), f.env.pool_id))
            .client_id(&f.client_id)
            .token_use(TokenUse::Access)
            .audiences([ORDERS]),
    )
    .build()
    .unwrap();
    audience
        .verify(with_aud.access_token.expose(), f.env.clock.now())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_errors_are_typed_with_their_next_action() {
    let f = m2m().await;
    let refused = |r: Result<_, OAuthError>| match r {
        Err(OAuthError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let wrong_secret = ClientCredentials::builder(&f.domain, &f.client_id, "not-the-secret")
        .build()
        .unwrap();
    let e = wrong_secret.access_token().await.unwrap_err();
    assert_eq!(e.next_action(), NextAction::FixConfiguration);
    assert_eq!(refused(Err(e)), OAuthErrorCode::InvalidClient);

    let bad_scope = ClientCredentials::builder(&f.domain, &f.client_id, f.secret.as_str())
        .scope("openid")
        .build()
        .unwrap();
    assert_eq!(
        refused(bad_scope.access_token().await),
        OAuthErrorCode::InvalidScope
    );

    let bad_resource = ClientCredentials::builder(&f.domain, &f.client_id, f.secret.as_str())
        .resource("https://elsewhere.example.com")
        .build()
        .unwrap();
    assert_eq!(
        refused(bad_resource.access_token().await),
        OAuthErrorCode::InvalidTarget
    );

    // Nothing listening: a transport error, to retry later.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let nowhere = OAuthDomain::from_url(&format!("http://{closed}/_domain/x")).unwrap();
    let e = ClientCredentials::builder(&nowhere, &f.client_id, f.secret.as_str())
        .build()
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert!(matches!(e, OAuthError::Transport(_)), "{e:?}");
    assert_eq!(e.next_action(), NextAction::RetryLater);

    // Configuration mistakes are caught before any request.
    assert!(matches!(
        ClientCredentials::builder(&f.domain, &f.client_id, "")
            .build()
            .unwrap_err(),
        OAuthError::Config(_)
    ));
    assert!(
        ClientCredentials::builder(&f.domain, &f.client_id, "s")
            .scope("two scopes")
            .build()
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_client_token_through_the_api_without_aws_credentials() {
    let f = m2m().await;
    let admin = admin(&f.env);
    let req = cognito_wire::CreateUserPoolClientRequest::builder()
        .user_pool_id(&f.env.pool_id)
        .client_name("api-worker")
        .generate_secret(true)
        .explicit_auth_flows(vec![cognito_wire::ExplicitAuthFlowsType::from(
            "ALLOW_CLIENT_TOKEN_AUTH",
        )])
        .allowed_o_auth_scopes(vec![format!("{ORDERS}/read"), format!("{ORDERS}/write")])
        .build()
        .unwrap();
    let made = admin
        .call::<op::CreateUserPoolClient>(&req)
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = made.client_id.unwrap().expose().to_owned();
    // No AWS credentials: the app client's secret authorizes the call.
    let auth = cognito_auth::CognitoAuth::builder(&f.env.pool_id, &id)
        .endpoint_url(f.env.emu.url())
        .client_secret(made.client_secret.unwrap())
        .clock(Arc::new(f.env.clock.clone()))
        .build()
        .unwrap();
    let token = auth
        .get_client_token(&[format!("{ORDERS}/write")])
        .await
        .unwrap();
    assert!(token.expires_at > f.env.clock.now() + time::Duration::minutes(59));
    let claims = CognitoJwtVerifier::builder_for(
        PoolConfig::new(&f.env.pool_id)
            .issuer(format!("{}/{}", f.env.emu.url(), f.env.pool_id))
            .client_id(&id)
            .token_use(TokenUse::Access)
            .scopes([format!("{ORDERS}/write")]),
    )
    .build()
    .unwrap()
    .verify(token.access_token.expose(), f.env.clock.now())
    .await
    .unwrap();
    assert_eq!(claims.sub, id);

    // A scope the client may not have: a service error with its next action.
    let e = auth
        .get_client_token(&["openid".to_owned()])
        .await
        .unwrap_err();
    assert_eq!(e.service_code(), Some("InvalidParameterException"));
    assert_eq!(e.next_action(), NextAction::FixInput);
}

/// The `oauth2` crate (a client nobody here wrote) gets a client_credentials token from the
/// emulator's token endpoint, found through the pool's OIDC discovery document; cognito-jwt
/// verifies it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth2_crate_gets_client_credentials_tokens() {
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
    let f = m2m().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let discovery = http
        .get(format!(
            "{}/{}/.well-known/openid-configuration",
            f.env.emu.url(),
            f.env.pool_id
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let discovery: serde_json::Value = serde_json::from_slice(&discovery).unwrap();
    let token_url = discovery["token_endpoint"].as_str().unwrap().to_owned();
    assert_eq!(token_url, f.domain.token_endpoint());
    let client = BasicClient::new(ClientId::new(f.client_id.clone()))
        .set_client_secret(ClientSecret::new(f.secret.clone()))
        .set_token_uri(TokenUrl::new(token_url).unwrap());
    let answer = client
        .exchange_client_credentials()
        .add_scope(Scope::new(format!("{ORDERS}/read")))
        .request_async(&http)
        .await
        .unwrap();
    assert!(answer.expires_in().unwrap() > Duration::from_secs(3500));
    verifier(&f, &[&format!("{ORDERS}/read")])
        .verify(answer.access_token().secret(), f.env.clock.now())
        .await
        .unwrap();

    // A wrong secret: oauth2 reads the RFC 6749 error.
    let wrong = BasicClient::new(ClientId::new(f.client_id.clone()))
        .set_client_secret(ClientSecret::new("wrong".into()))
        .set_token_uri(TokenUrl::new(f.domain.token_endpoint()).unwrap());
    match wrong
        .exchange_client_credentials()
        .request_async(&http)
        .await
    {
        Err(oauth2::RequestTokenError::ServerResponse(e)) => {
            assert_eq!(
                e.error(),
                &oauth2::basic::BasicErrorResponseType::InvalidClient
            );
        }
        other => panic!("expected invalid_client, got {other:?}"),
    }
}

/// The loopback receiver (RFC 8252) over real HTTP: other paths and a redirect with another
/// `state` are refused without ending the wait; the right redirect gives the code; an error
/// redirect gives the typed error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loopback_receiver_takes_only_its_own_redirect() {
    use cognito_auth::oauth::{AuthorizeRequest, LoopbackReceiver};
    let http = reqwest::Client::new();
    let domain = OAuthDomain::prefix("my-app", "us-east-1").unwrap();
    let rng = ring::rand::SystemRandom::new();

    let receiver = LoopbackReceiver::bind().await.unwrap();
    let redirect = receiver.redirect_uri();
    assert!(redirect.starts_with("http://localhost:") && redirect.ends_with("/callback"));
    let base = redirect.replace("localhost", "127.0.0.1");
    let req = AuthorizeRequest::new(&domain, "cid", &redirect, &rng).unwrap();
    let state = req.state().to_owned();
    let waiting = tokio::spawn(async move { receiver.receive(&req).await });
    let get = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    let origin = base.trim_end_matches("/callback").to_owned();
    assert_eq!(get(format!("{origin}/favicon.ico")).await, 404);
    assert_eq!(get(format!("{base}?code=stolen&state=forged")).await, 400);
    assert!(
        !waiting.is_finished(),
        "a forged redirect does not end the wait"
    );
    assert_eq!(
        get(format!("{base}?code=the-code&state={state}")).await,
        200
    );
    let code = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(code.code.expose(), "the-code");

    let receiver = LoopbackReceiver::bind().await.unwrap();
    let redirect = receiver.redirect_uri();
    let base = redirect.replace("localhost", "127.0.0.1");
    let req = AuthorizeRequest::new(&domain, "cid", &redirect, &rng).unwrap();
    let state = req.state().to_owned();
    let waiting = tokio::spawn(async move { receiver.receive(&req).await });
    assert_eq!(
        get(format!(
            "{base}?error=access_denied&error_description=User+cancelled&state={state}"
        ))
        .await,
        200
    );
    match waiting.await.unwrap() {
        Err(OAuthError::Refused {
            code, description, ..
        }) => {
            assert_eq!(code, OAuthErrorCode::AccessDenied);
            assert_eq!(description.as_deref(), Some("User cancelled"));
        }
        other => panic!("expected the server's error, got {other:?}"),
    }
}

/// The id token beside the standard fields: what an OpenID Connect client reads from the token
/// endpoint's answer (oauth2's basic client keeps only RFC 6749's fields).
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
struct IdToken {
    id_token: String,
}

impl oauth2::ExtraTokenFields for IdToken {}

/// The `oauth2` crate (a client nobody here wrote) runs the authorization code flow with PKCE
/// (S256) against the emulator, its endpoints from the pool's OIDC discovery: the sign-in is the
/// managed login form posted over HTTP (hidden `_csrf` input and cookie kept), the code comes back
/// in the 302's `Location` with oauth2's CSRF state, oauth2 redeems it with the PKCE verifier, and
/// cognito-jwt verifies the id token (nonce, aud) and the access token. A used code and a wrong
/// verifier are `invalid_grant`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth2_crate_runs_the_code_flow_with_pkce() {
    use oauth2::basic::{
        BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
        BasicTokenIntrospectionResponse, BasicTokenType,
    };
    use oauth2::{
        AuthUrl, AuthorizationCode, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl,
        RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
        TokenUrl,
    };
    type OidcClient = oauth2::Client<
        BasicErrorResponse,
        StandardTokenResponse<IdToken, BasicTokenType>,
        BasicTokenIntrospectionResponse,
        StandardRevocableToken,
        BasicRevocationErrorResponse,
    >;
    use pycognito_tests::managed_login::ManagedLoginBrowser;
    const REDIRECT: &str = "http://localhost:8976/callback";
    let h = super::hosted::Hosted::start(PoolSpec::named("code"), REDIRECT).await;
    h.env
        .emu
        .create_user(
            &h.env.pool_id,
            cognito_emulator::UserSpec::new("olga", super::hosted::PW)
                .attribute("email", "olga@example.com")
                .attribute("email_verified", "true"),
        )
        .unwrap();
    let discovery = h
        .http
        .get(format!(
            "{}/{}/.well-known/openid-configuration",
            h.env.emu.url(),
            h.env.pool_id
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let discovery: serde_json::Value = serde_json::from_slice(&discovery).unwrap();
    let endpoint = |k: &str| discovery[k].as_str().unwrap().to_owned();
    let client = OidcClient::new(ClientId::new(h.client_id.clone()))
        .set_auth_uri(AuthUrl::new(endpoint("authorization_endpoint")).unwrap())
        .set_token_uri(TokenUrl::new(endpoint("token_endpoint")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.to_owned()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = CsrfToken::new_random().secret().clone();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_extra_param("nonce", &nonce)
        .set_pkce_challenge(challenge)
        .url();
    let location = ManagedLoginBrowser::new()
        .sign_in(url.as_str(), "olga", super::hosted::PW)
        .await;
    let location = reqwest::Url::parse(&location).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query.get("state"), Some(state.secret()));
    let code = query["code"].clone();

    let answer = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&h.http)
        .await
        .unwrap();
    let tokens = serde_json::json!({
        "id_token": answer.extra_fields().id_token,
        "access_token": answer.access_token().secret(),
    });
    let (id, access) = h.verify(&tokens, &nonce).await;
    assert_eq!(id.cognito_username.as_deref(), Some("olga"));
    assert_eq!(id.aud, vec![h.client_id.clone()]);
    assert_eq!(access.username.as_deref(), Some("olga"));
    assert!(answer.refresh_token().is_some());
    assert!(answer.expires_in().unwrap() > Duration::from_secs(3500));

    // A code is single use.
    let again = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new("x".repeat(43)))
        .request_async(&h.http)
        .await;
    match again {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(e.error(), &BasicErrorResponseType::InvalidGrant);
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }

    // A fresh code with the wrong verifier: invalid_grant (PKCE is checked).
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .set_pkce_challenge(challenge)
        .url();
    let location = ManagedLoginBrowser::new()
        .sign_in(url.as_str(), "olga", super::hosted::PW)
        .await;
    let code = reqwest::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let wrong = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new("y".repeat(43)))
        .request_async(&h.http)
        .await;
    match wrong {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(e.error(), &BasicErrorResponseType::InvalidGrant);
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}
