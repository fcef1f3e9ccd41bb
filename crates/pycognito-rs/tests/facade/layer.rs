//! The bearer layer over a hyper client, against a local hyper server that checks the header.

use crate::{Env, PASSWORD};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use pycognito::{BearerAuthLayer, TokenKind};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::{Layer, ServiceExt};

/// A server on 127.0.0.1 that records the `authorization` and `x-id-token` headers and answers
/// 401 without a bearer token.
async fn header_server() -> (String, Arc<Mutex<Vec<(Option<String>, Option<String>)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let record = record.clone();
                    async move {
                        let h =
                            |n: &str| req.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
                        let auth = h("authorization");
                        let status = match &auth {
                            Some(a) if a.starts_with("Bearer ") => 200,
                            _ => 401,
                        };
                        record.lock().unwrap().push((auth, h("x-id-token")));
                        let resp = hyper::Response::builder()
                            .status(status)
                            .body(Full::new(Bytes::from_static(b"ok")))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn bearer_layer_adds_and_refreshes_the_token() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let first = c.access_token().unwrap().expose().to_owned();
    let provider = c.session().unwrap().clone();

    let (url, seen) = header_server().await;
    let http = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let svc = BearerAuthLayer::new(provider.clone()).layer(http.clone());

    let get = || {
        http::Request::get(format!("{url}/api"))
            .body(Empty::<Bytes>::new())
            .unwrap()
    };
    for _ in 0..2 {
        let resp = svc.clone().oneshot(get()).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"ok");
    }
    assert_eq!(provider.refresh_count(), 0);

    // Without the layer: 401.
    let resp = http.clone().oneshot(get()).await.unwrap();
    assert_eq!(resp.status(), 401);

    // 56 minutes later the token expires within the provider's 5-minute margin: refreshed.
    env.advance(Duration::from_secs(56 * 60));
    let resp = svc.clone().oneshot(get()).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(provider.refresh_count(), 1);

    // The id token in a custom header, without a prefix.
    let id_svc = BearerAuthLayer::new(provider.clone())
        .token(TokenKind::Id)
        .header(http::HeaderName::from_static("x-id-token"))
        .prefix("")
        .layer(http.clone());
    let resp = id_svc.oneshot(get()).await.unwrap();
    assert_eq!(resp.status(), 401);

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 5);
    let bearer = |i: usize| seen[i].0.clone().unwrap();
    assert_eq!(bearer(0), format!("Bearer {first}"));
    assert_eq!(bearer(1), format!("Bearer {first}"));
    assert_eq!(seen[2], (None, None));
    assert_ne!(
        bearer(3),
        format!("Bearer {first}"),
        "a refreshed token is used"
    );
    let refreshed = provider.access_token().await.unwrap();
    assert_eq!(bearer(3), format!("Bearer {}", refreshed.expose()));
    // One session: the facade sees the refresh the layer did (no stale copy of the tokens).
    assert_eq!(c.access_token().unwrap().expose(), refreshed.expose());
    let id = provider.id_token().await.unwrap();
    assert_eq!(seen[4], (None, Some(id.expose().to_owned())));
}

#[tokio::test]
async fn bearer_layer_reports_a_dead_session() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let provider = c.session().unwrap().clone();
    c.logout().await.unwrap(); // revokes the refresh token
    env.advance(Duration::from_secs(2 * 3600));
    let (url, _seen) = header_server().await;
    let http = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let svc = BearerAuthLayer::new(provider).layer(http);
    let req = http::Request::get(format!("{url}/api"))
        .body(Empty::<Bytes>::new())
        .unwrap();
    match svc.oneshot(req).await {
        Err(pycognito::BearerAuthError::Token(e)) => {
            assert_eq!(e.next_action(), pycognito::NextAction::SignInAgain, "{e}")
        }
        other => panic!(
            "expected a token error, got {:?}",
            other.map(|r| r.status())
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_from_the_code_flow_goes_through_the_layer() {
    use cognito_auth::CognitoAuth;
    use cognito_auth::oauth::{AuthorizationCode, OAuthDomain};
    use cognito_wire::{OAuthFlowType, op};
    const CALLBACK: &str = "http://localhost:8765/callback";
    let env = Env::default().await;
    env.user("alice");
    let clock = env.clock.clone();
    let admin = cognito_admin::AdminClient::builder()
        .endpoint_url(env.emu.url())
        .region("us-east-1")
        .pool_id(&env.pool_id)
        .credentials(cognito_admin::static_credentials("test", "test", None))
        .clock(move || cognito_emulator::Clock::now(clock.0.as_ref()))
        .build()
        .unwrap();
    let d = cognito_wire::CreateUserPoolDomainRequest::builder()
        .user_pool_id(&env.pool_id)
        .domain("layer-web")
        .build()
        .unwrap();
    admin.call::<op::CreateUserPoolDomain>(&d).await.unwrap();
    let c = cognito_wire::CreateUserPoolClientRequest::builder()
        .user_pool_id(&env.pool_id)
        .client_name("layer-spa")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(vec![OAuthFlowType::Code])
        .allowed_o_auth_scopes(vec!["openid".to_owned()])
        .callback_ur_ls(vec![CALLBACK.to_owned()])
        .supported_identity_providers(vec!["COGNITO".to_owned()])
        .build()
        .unwrap();
    let made = admin.call::<op::CreateUserPoolClient>(&c).await.unwrap();
    let client_id = made.user_pool_client.unwrap().client_id.unwrap();
    let domain = OAuthDomain::from_url(&format!("{}/_domain/layer-web", env.emu.url())).unwrap();
    let auth = CognitoAuth::builder(&env.pool_id, client_id.expose())
        .endpoint_url(env.emu.url())
        .clock(Arc::new(env.clock.clone()))
        .build()
        .unwrap();
    let request = auth
        .authorize_request(&domain, CALLBACK)
        .unwrap()
        .scopes(["openid"]);
    let redirect = pycognito_tests::managed_login::ManagedLoginBrowser::new()
        .sign_in(&request.url(), "alice", PASSWORD)
        .await;
    let code = AuthorizationCode::from_redirect(&redirect, &request).unwrap();
    let session = auth.sign_in_with_code(&request, code).await.unwrap();

    // The layer sends the session's access token; the domain's userInfo endpoint accepts it.
    let http = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let svc = BearerAuthLayer::new(session).layer(http);
    let req = http::Request::get(domain.user_info_endpoint())
        .body(Empty::new())
        .unwrap();
    let resp = svc.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let info: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(info["username"], "alice");
}
