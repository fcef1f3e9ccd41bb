#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! End to end: an axum service guarded by `CognitoJwtLayer` and the `Verified` extractor, on
//! 127.0.0.1, called over HTTP with tokens the emulator issued (USER_PASSWORD_AUTH over HTTP):
//! valid, none, expired (issued under the emulator's manual clock two hours ago), of another
//! pool, of another client, an id token where an access token is expected, without the required
//! scope or group, and still accepted after the user signed out everywhere (a JWT cannot know it
//! was revoked).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Extension, FromRef};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, ManualClock, PoolSpec, UserSpec};
use cognito_jwt::{
    Claims, CognitoJwtLayer, CognitoJwtVerifier, JwtError, PoolConfig, TokenUse, Verified,
};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::{Value, json};

const PW: &str = "Correct-Horse-9";

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn post_json(c: &HttpClient, url: &str, target: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::post(format!("{url}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{target}"),
        )
        .body(Full::new(Bytes::from(serde_json::to_vec(&body).unwrap())))
        .unwrap();
    let resp = c.request(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

struct Tokens {
    access: String,
    id: String,
}

async fn sign_in(c: &HttpClient, emu: &Emulator, client_id: &str, user: &str) -> Tokens {
    let (status, body) = post_json(
        c,
        &emu.url(),
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
               "AuthParameters": {"USERNAME": user, "PASSWORD": PW}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result = &body["AuthenticationResult"];
    Tokens {
        access: result["AccessToken"].as_str().unwrap().to_owned(),
        id: result["IdToken"].as_str().unwrap().to_owned(),
    }
}

/// The claims of one's own the layer reads into a type (`claims_as`).
#[derive(Clone, Debug, Deserialize)]
struct Typed {
    username: String,
    auth_time: i64,
    scope: String,
}

#[derive(Clone)]
struct AdminState(CognitoJwtVerifier);

impl FromRef<AdminState> for CognitoJwtVerifier {
    fn from_ref(s: &AdminState) -> Self {
        s.0.clone()
    }
}

struct Fixture {
    emu: Emulator,
    clock: Arc<ManualClock>,
    http: HttpClient,
    service: String,
    pool: String,
    web: String,
    other_client: String,
    other_pool_client: String,
}

fn pool_config(emu: &Emulator, pool: &str, client_id: &str) -> PoolConfig {
    PoolConfig::new(pool)
        .issuer(format!("{}/{pool}", emu.url()))
        .client_id(client_id)
        .token_use(TokenUse::Access)
}

async fn fixture() -> Fixture {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let config = EmulatorConfig::default().clock(Some(clock.clone()));
    let emu = Emulator::start(config).await.unwrap();
    let pool = emu.create_pool(PoolSpec::named("api")).unwrap();
    let web = emu
        .create_client(&pool, ClientSpec::public("web"))
        .unwrap()
        .client_id;
    let other_client = emu
        .create_client(&pool, ClientSpec::public("other"))
        .unwrap()
        .client_id;
    let other_pool = emu.create_pool(PoolSpec::named("elsewhere")).unwrap();
    let other_pool_client = emu
        .create_client(&other_pool, ClientSpec::public("web"))
        .unwrap()
        .client_id;
    for user in ["alice", "bob"] {
        emu.create_user(&pool, UserSpec::new(user, PW)).unwrap();
        emu.create_user(&other_pool, UserSpec::new(user, PW))
            .unwrap();
    }
    emu.add_to_group(&pool, "alice", "admin").unwrap();

    let users = CognitoJwtVerifier::builder_for(pool_config(&emu, &pool, &web))
        .build()
        .unwrap();
    let scoped =
        CognitoJwtVerifier::builder_for(pool_config(&emu, &pool, &web).scopes(["orders/read"]))
            .build()
            .unwrap();
    let admins = CognitoJwtVerifier::builder_for(pool_config(&emu, &pool, &web).groups(["admin"]))
        .build()
        .unwrap();

    let app = Router::new()
        .route(
            "/me",
            get(
                |Extension(claims): Extension<Claims>, Extension(typed): Extension<Typed>| async move {
                    Json(json!({"sub": claims.sub, "username": typed.username,
                                "auth_time": typed.auth_time, "scope": typed.scope}))
                },
            ),
        )
        .layer(CognitoJwtLayer::new(users).claims_as::<Typed>())
        .merge(
            Router::new()
                .route("/orders", get(|| async { "orders" }))
                .layer(CognitoJwtLayer::new(scoped)),
        )
        .merge(
            Router::new()
                .route(
                    "/admin",
                    get(|v: Verified| async move {
                        v.claims.user_name().unwrap_or_default().to_owned()
                    }),
                )
                .with_state(AdminState(admins)),
        )
        .route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let service = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Fixture {
        emu,
        clock,
        http: client(),
        service,
        pool,
        web,
        other_client,
        other_pool_client,
    }
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    body: String,
}

async fn get_with(fx: &Fixture, path: &str, token: Option<&str>) -> Answer {
    let mut req = Request::get(format!("{}{path}", fx.service));
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let resp = fx
        .http
        .request(req.body(Full::new(Bytes::new())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        challenge,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn assert_invalid_token(a: &Answer, mentions: &str) {
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.body);
    let challenge = a.challenge.as_deref().unwrap();
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );
    assert!(challenge.contains(mentions), "{challenge} lacks {mentions}");
    assert!(a.body.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layer_and_the_extractor_against_emulator_tokens() {
    let fx = fixture().await;
    let alice = sign_in(&fx.http, &fx.emu, &fx.web, "alice").await;
    let bob = sign_in(&fx.http, &fx.emu, &fx.web, "bob").await;

    // Valid: the handler sees the claims and the typed claims the layer put in the extensions.
    let a = get_with(&fx, "/me", Some(&alice.access)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let body: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(body["username"], "alice");
    assert_eq!(body["scope"], "aws.cognito.signin.user.admin");
    assert!(body["auth_time"].as_i64().unwrap() > 1_700_000_000);
    assert!(!body["sub"].as_str().unwrap().is_empty());

    // No token, another scheme: 401 with a bare challenge (RFC 6750 3.1).
    for a in [
        get_with(&fx, "/me", None).await,
        get_with(&fx, "/admin", None).await,
    ] {
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.challenge.as_deref(), Some("Bearer"));
    }
    let basic = fx
        .http
        .request(
            Request::get(format!("{}/me", fx.service))
                .header("authorization", "Basic YWxpY2U6cHc=")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);

    // The unguarded route is untouched.
    assert_eq!(get_with(&fx, "/health", None).await.status, StatusCode::OK);

    // Garbage and a forged signature.
    assert_invalid_token(&get_with(&fx, "/me", Some("not.a.jwt")).await, "base64url");
    let forged = format!("{}AAAA", &alice.access[..alice.access.len() - 4]);
    assert_invalid_token(&get_with(&fx, "/me", Some(&forged)).await, "signature");

    // An id token where access tokens are expected.
    assert_invalid_token(&get_with(&fx, "/me", Some(&alice.id)).await, "token_use");

    // Another app client of the same pool.
    let other = sign_in(&fx.http, &fx.emu, &fx.other_client, "alice").await;
    assert_invalid_token(
        &get_with(&fx, "/me", Some(&other.access)).await,
        "client_id",
    );

    // Another pool.
    let elsewhere = sign_in(&fx.http, &fx.emu, &fx.other_pool_client, "alice").await;
    assert_invalid_token(&get_with(&fx, "/me", Some(&elsewhere.access)).await, "iss");

    // Expired: issued under the emulator's clock two hours ago (tokens live one hour).
    fx.clock
        .set(SystemTime::now() - Duration::from_secs(2 * 3600));
    let old = sign_in(&fx.http, &fx.emu, &fx.web, "alice").await;
    fx.clock.set(SystemTime::now());
    assert_invalid_token(&get_with(&fx, "/me", Some(&old.access)).await, "expired");

    // A valid token without the required scope: 403 insufficient_scope.
    let a = get_with(&fx, "/orders", Some(&alice.access)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(
        a.challenge
            .as_deref()
            .unwrap()
            .starts_with("Bearer error=\"insufficient_scope\""),
        "{:?}",
        a.challenge
    );

    // The extractor: alice is in the admin group, bob is not.
    let a = get_with(&fx, "/admin", Some(&alice.access)).await;
    assert_eq!((a.status, a.body.as_str()), (StatusCode::OK, "alice"));
    let a = get_with(&fx, "/admin", Some(&bob.access)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.challenge.unwrap().contains("insufficient_scope"));
    assert_invalid_token(&get_with(&fx, "/admin", Some(&forged)).await, "signature");

    // Revocation: after a global sign-out Cognito refuses the access token, but a JWT carries
    // no revocation state: the verifier (like any JWT verifier) still accepts it until `exp`.
    let (status, body) = post_json(
        &fx.http,
        &fx.emu.url(),
        "GlobalSignOut",
        json!({"AccessToken": alice.access}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = post_json(
        &fx.http,
        &fx.emu.url(),
        "GetUser",
        json!({"AccessToken": alice.access}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "Cognito knows it was revoked"
    );
    assert_eq!(
        get_with(&fx, "/me", Some(&alice.access)).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_pools_and_clients_in_one_verifier_with_emulator_tokens() {
    let fx = fixture().await;
    let verifier = CognitoJwtVerifier::builder_for(
        pool_config(&fx.emu, &fx.pool, &fx.web).token_use(TokenUse::Any),
    )
    .pool(
        PoolConfig::new(fx.emu.create_pool(PoolSpec::named("unused")).unwrap())
            .any_client_id()
            .token_use(TokenUse::Id),
    )
    .build()
    .unwrap();
    let alice = sign_in(&fx.http, &fx.emu, &fx.web, "alice").await;
    let other = sign_in(&fx.http, &fx.emu, &fx.other_client, "alice").await;
    let now = time::OffsetDateTime::now_utc();
    let claims = verifier.verify(&alice.access, now).await.unwrap();
    assert_eq!(claims.token_use, TokenUse::Access);
    let claims = verifier.verify(&alice.id, now).await.unwrap();
    assert_eq!(claims.token_use, TokenUse::Id);
    assert!(matches!(
        verifier.verify(&other.access, now).await,
        Err(JwtError::ClientIdMismatch)
    ));
    // The second client added to the first pool: both are accepted now.
    let both = CognitoJwtVerifier::builder_for(
        pool_config(&fx.emu, &fx.pool, &fx.web)
            .client_ids([fx.web.clone(), fx.other_client.clone()]),
    )
    .build()
    .unwrap();
    both.verify(&other.access, now).await.unwrap();
    both.verify(&alice.access, now).await.unwrap();
    // hydrate, then verify without IO.
    both.hydrate(now).await.unwrap();
    both.verify_sync(&alice.access, now).unwrap();
}
