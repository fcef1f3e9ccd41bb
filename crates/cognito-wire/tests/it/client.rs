//! The client and the hyper transport against a local server on 127.0.0.1.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cognito_wire::transport::{BoxFuture, Sleep};
use cognito_wire::*;

use crate::server::{Reply, start};

/// Records requested sleeps and returns at once.
#[derive(Clone, Default)]
struct NoSleep(Arc<Mutex<Vec<Duration>>>);

impl Sleep for NoSleep {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        self.0.lock().unwrap().push(d);
        Box::pin(async {})
    }
}

/// Counts the requests handed to the inner transport.
struct Counting<T> {
    inner: T,
    sends: Arc<AtomicUsize>,
}

impl<T: Transport> Transport for Counting<T> {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        self.sends.fetch_add(1, Ordering::SeqCst);
        self.inner.send(req)
    }
}

fn config() -> HyperConfig {
    let mut config = HyperConfig::default();
    config.connect_timeout = Duration::from_millis(300);
    config.request_timeout = Duration::from_secs(5);
    config
}

fn client(url: &str, cfg: HyperConfig, sleep: NoSleep) -> Client {
    Client::builder()
        .endpoint_url(url)
        .env(|_| None)
        .transport(HyperTransport::with_config(cfg).unwrap())
        .sleep(sleep)
        .jitter(|| 0.5)
        .build()
        .unwrap()
}

const USER: &str =
    r#"{"Username":"alice","UserAttributes":[{"Name":"email","Value":"a@example.com"}]}"#;

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = start(|_, _| Reply::json(200, USER)).await;
    let c = client(&server.url(), config(), NoSleep::default());
    for _ in 0..5 {
        let out = c
            .call::<op::GetUser>(
                &GetUserRequest::builder()
                    .access_token("tok")
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(out.username.expose(), "alice");
    }
    assert_eq!(server.requests(), 5);
    assert_eq!(
        server.connections(),
        1,
        "sequential calls share one pooled connection"
    );
    let seen = server.seen.lock().unwrap();
    let first = &seen[0];
    assert_eq!(first.headers["content-type"], "application/x-amz-json-1.1");
    assert_eq!(
        first.headers["x-amz-target"],
        "AWSCognitoIdentityProviderService.GetUser"
    );
    assert!(
        first.headers.get("authorization").is_none(),
        "public operations go unsigned"
    );
    assert_eq!(&first.body[..], br#"{"AccessToken":"tok"}"#);
}

#[tokio::test]
async fn throttling_is_retried_even_for_one_shot_operations() {
    let server = start(|n, _| {
        if n < 2 {
            Reply::json(
                400,
                r#"{"__type":"TooManyRequestsException","message":"slow down"}"#,
            )
        } else {
            Reply::json(
                200,
                r#"{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{},"Session":"s"}"#,
            )
        }
    })
    .await;
    let sleep = NoSleep::default();
    let c = client(&server.url(), config(), sleep.clone());
    let req = InitiateAuthRequest::builder()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id("client")
        .build()
        .unwrap();
    let out = c.call::<op::InitiateAuth>(&req).await.unwrap();
    assert_eq!(
        out.challenge_name,
        Some(ChallengeNameType::PasswordVerifier)
    );
    assert_eq!(server.requests(), 3);
    // Full jitter 0.5 of 500 ms * 2^(n-1).
    assert_eq!(
        *sleep.0.lock().unwrap(),
        vec![Duration::from_millis(250), Duration::from_millis(500)]
    );
}

#[tokio::test]
async fn server_errors_are_retried_with_bounded_attempts_for_read_only_operations() {
    let server = start(|_, _| {
        Reply::json(
            500,
            r#"{"__type":"InternalErrorException","message":"boom"}"#,
        )
    })
    .await;
    let c = client(&server.url(), config(), NoSleep::default());
    let err = c
        .call::<op::GetUser>(
            &GetUserRequest::builder()
                .access_token("tok")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(server.requests(), 3, "standard mode: 3 attempts");
    assert_eq!(err.class(), ErrorClass::Transient);
    let Error::Service(s) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(s.status.as_u16(), 500);
    assert!(matches!(
        s.kind,
        ServiceErrorKind::InternalErrorException(_)
    ));
}

#[tokio::test]
async fn one_shot_operation_is_not_replayed_after_a_5xx() {
    let server = start(|_, _| Reply::json(503, r#"{"__type":"InternalErrorException"}"#)).await;
    let c = client(&server.url(), config(), NoSleep::default());
    let req = RespondToAuthChallengeRequest::builder()
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .client_id("client")
        .build()
        .unwrap();
    let err = c
        .call::<op::RespondToAuthChallenge>(&req)
        .await
        .unwrap_err();
    assert_eq!(
        server.requests(),
        1,
        "RespondToAuthChallenge must not be replayed"
    );
    assert_eq!(err.reached_server(), ReachedServer::Yes);

    // ... unless the caller opts in.
    let err = c
        .call_with::<op::RespondToAuthChallenge>(&req, {
            let mut v = CallOptions::default();
            v.replay_one_shot = true;
            v
        })
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient);
    assert_eq!(server.requests(), 4);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = start(|_, _| {
        Reply::json(
            400,
            r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
        )
        .header("x-amzn-requestid", "req-1")
    })
    .await;
    let c = client(&server.url(), config(), NoSleep::default());
    let err = c
        .call::<op::GetUser>(
            &GetUserRequest::builder()
                .access_token("tok")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(server.requests(), 1);
    let Error::Service(s) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(s.request_id.as_deref(), Some("req-1"));
    assert_eq!(s.kind.message(), Some("Incorrect username or password."));
    assert_eq!(err.class(), ErrorClass::Client);
    let text = err.to_string();
    assert!(
        text.contains("NotAuthorizedException") && text.contains("req-1"),
        "{text}"
    );
}

#[tokio::test]
async fn connect_failure_is_retried_for_any_operation() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sends = Arc::new(AtomicUsize::new(0));
    let transport = Counting {
        inner: HyperTransport::with_config(config()).unwrap(),
        sends: sends.clone(),
    };
    let c = Client::builder()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .env(|_| None)
        .transport(transport)
        .sleep(NoSleep::default())
        .build()
        .unwrap();
    let req = InitiateAuthRequest::builder()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id("client")
        .build()
        .unwrap();
    let err = c.call::<op::InitiateAuth>(&req).await.unwrap_err();
    assert_eq!(
        sends.load(Ordering::SeqCst),
        3,
        "never reached the server: safe to retry"
    );
    assert!(matches!(err, Error::Dispatch { .. }), "{err:?}");
    assert_eq!(err.reached_server(), ReachedServer::No);
}

#[tokio::test]
async fn request_timeout_is_typed_and_one_shot_calls_are_not_replayed() {
    let server = start(|_, _| Reply::json(200, USER).delayed(Duration::from_secs(3))).await;
    let cfg = {
        let mut v = config();
        v.request_timeout = Duration::from_millis(200);
        v
    };
    let c = client(&server.url(), cfg, NoSleep::default());
    let req = InitiateAuthRequest::builder()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id("client")
        .build()
        .unwrap();
    let err = c.call::<op::InitiateAuth>(&req).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Request,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.reached_server(), ReachedServer::Maybe);
    assert_eq!(server.requests(), 1);

    // A read-only call is replayed up to the attempt limit.
    let err = c
        .call::<op::GetUser>(&GetUserRequest::builder().access_token("t").build().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    assert_eq!(server.requests(), 4);
}

#[tokio::test]
async fn connect_timeout_is_typed() {
    // A listener with a full accept queue: further SYNs are dropped, so connect hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let t = HyperTransport::with_config({
        let mut v = config();
        v.connect_timeout = Duration::from_millis(200);
        v
    })
    .unwrap();
    let req = http::Request::post(format!("http://{addr}/"))
        .body(Bytes::new())
        .unwrap();
    let started = std::time::Instant::now();
    let err = t.send(req).await.unwrap_err();
    assert!(matches!(err, TransportError::ConnectTimeout(_)), "{err:?}");
    assert_eq!(err.reached_server(), ReachedServer::No);
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[tokio::test]
async fn huge_bodies_are_capped() {
    let server = start(|_, _| {
        let mut r = Reply::json(200, "");
        r.body = Bytes::from(vec![b' '; 2 * 1024 * 1024]);
        r
    })
    .await;
    let cfg = {
        let mut v = config();
        v.max_body_bytes = 64 * 1024;
        v
    };
    let c = client(&server.url(), cfg, NoSleep::default());
    let err = c
        .call::<op::GetUser>(&GetUserRequest::builder().access_token("t").build().unwrap())
        .await
        .unwrap_err();
    let Error::Response(r) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(
        r.kind,
        ResponseErrorKind::TooLarge { limit: 65536 }
    ));
    assert_eq!(server.requests(), 1, "not retried");
}

#[tokio::test]
async fn undecodable_bodies_keep_the_raw_bytes() {
    let server = start(|n, _| match n {
        0 => Reply::json(200, r#"{"Username":"alice","UserAttr"#),
        _ => Reply::json(502, "<html>Bad Gateway</html>").header("content-type", "text/html"),
    })
    .await;
    let c = client(&server.url(), config(), NoSleep::default());
    let err = c
        .call::<op::GetUser>(&GetUserRequest::builder().access_token("t").build().unwrap())
        .await
        .unwrap_err();
    let Error::Response(r) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(r.kind, ResponseErrorKind::Json(_)));
    assert_eq!(&r.raw[..], br#"{"Username":"alice","UserAttr"#);
    assert!(
        !format!("{r:?}").contains("alice"),
        "Debug does not show the raw body"
    );

    // 502 with HTML: a transient response error, retried for a read-only call.
    let err = c
        .call::<op::GetUser>(&GetUserRequest::builder().access_token("t").build().unwrap())
        .await
        .unwrap_err();
    let Error::Response(r) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status.as_u16(), 502);
    assert_eq!(&r.raw[..], b"<html>Bad Gateway</html>");
    assert_eq!(err.class(), ErrorClass::Transient);
    assert_eq!(server.requests(), 4);
}

#[tokio::test]
async fn signed_operations_need_a_signer() {
    let server = start(|_, _| Reply::json(200, r#"{"Username":"bob","Enabled":true}"#)).await;
    let c = client(&server.url(), config(), NoSleep::default());
    let err = c
        .call::<op::AdminGetUser>(
            &AdminGetUserRequest::builder()
                .user_pool_id("us-east-1_x")
                .username("bob")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Construction {
                source: ConstructionError::MissingSigner,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests(), 0);

    struct FakeSigner(Arc<AtomicUsize>);
    impl Signer for FakeSigner {
        fn sign<'a>(
            &'a self,
            mut req: http::Request<Bytes>,
            ctx: &'a SigningContext,
        ) -> BoxFuture<'a, Result<http::Request<Bytes>, BoxError>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let value = format!(
                "FAKE {} {}",
                ctx.signing_name,
                ctx.region.as_deref().unwrap_or("-")
            );
            Box::pin(async move {
                req.headers_mut().insert("authorization", value.parse()?);
                Ok(req)
            })
        }
    }
    let signs = Arc::new(AtomicUsize::new(0));
    let c = Client::builder()
        .endpoint_url(server.url())
        .region("us-east-1")
        .env(|_| None)
        .transport(HyperTransport::with_config(config()).unwrap())
        .signer(FakeSigner(signs.clone()))
        .build()
        .unwrap();
    let out = c
        .call::<op::AdminGetUser>(
            &AdminGetUserRequest::builder()
                .user_pool_id("us-east-1_x")
                .username("bob")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(out.username.expose(), "bob");
    // Public operations are not signed even with a signer.
    c.call::<op::GetUser>(&GetUserRequest::builder().access_token("t").build().unwrap())
        .await
        .unwrap_err();
    assert_eq!(signs.load(Ordering::SeqCst), 1);
    let seen = server.seen.lock().unwrap();
    assert_eq!(
        seen[0].headers["authorization"],
        "FAKE cognito-idp us-east-1"
    );
    assert!(seen[1].headers.get("authorization").is_none());
}

/// A raw HTTP/1.1 server that answers every connection with `response` and closes.
async fn raw_server(response: Vec<u8>) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&response).await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn chunked_huge_bodies_are_capped_while_streaming() {
    let mut resp = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..64 {
        resp.extend_from_slice(b"400\r\n");
        resp.extend_from_slice(&[b' '; 0x400]);
        resp.extend_from_slice(b"\r\n");
    }
    resp.extend_from_slice(b"0\r\n\r\n");
    let addr = raw_server(resp).await;
    let t = HyperTransport::with_config({
        let mut v = config();
        v.max_body_bytes = 4096;
        v
    })
    .unwrap();
    let req = http::Request::post(format!("http://{addr}/"))
        .body(Bytes::new())
        .unwrap();
    let err = t.send(req).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 4096, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn truncated_bodies_on_the_wire_are_io_errors() {
    let addr =
        raw_server(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"Username\":".to_vec()).await;
    let sends = Arc::new(AtomicUsize::new(0));
    let c = Client::builder()
        .endpoint_url(format!("http://{addr}"))
        .env(|_| None)
        .transport(Counting {
            inner: HyperTransport::with_config(config()).unwrap(),
            sends: sends.clone(),
        })
        .sleep(NoSleep::default())
        .build()
        .unwrap();
    let req = InitiateAuthRequest::builder()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id("client")
        .build()
        .unwrap();
    let err = c.call::<op::InitiateAuth>(&req).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Dispatch {
                source: TransportError::Io(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.reached_server(), ReachedServer::Maybe);
    assert_eq!(
        sends.load(Ordering::SeqCst),
        1,
        "one-shot call not replayed"
    );
}

#[tokio::test]
async fn max_in_flight_bounds_connections_under_a_burst() {
    let server = start(|_, _| Reply::json(200, USER).delayed(Duration::from_millis(20))).await;
    let cfg = {
        let mut v = config();
        v.max_in_flight = Some(2);
        v
    };
    let c = client(&server.url(), cfg, NoSleep::default());
    let calls = (0..20).map(|_| {
        let c = c.clone();
        async move {
            c.call::<op::GetUser>(
                &GetUserRequest::builder()
                    .access_token("tok")
                    .build()
                    .unwrap(),
            )
            .await
        }
    });
    for result in futures_util::future::join_all(calls).await {
        assert_eq!(result.unwrap().username.expose(), "alice");
    }
    assert_eq!(server.requests(), 20);
    assert!(
        server.connections() <= 2,
        "20 concurrent calls reused at most 2 keep-alive connections, not {}",
        server.connections()
    );
}
