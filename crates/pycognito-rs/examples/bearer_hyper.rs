//! A hyper client whose requests carry the signed-in user's access token, refreshed when it is
//! about to expire: pycognito's `RequestsSrpAuth`, as a `tower` layer.
//!
//! Self-contained: starts the embedded emulator (the Cognito side) and a small API server on
//! 127.0.0.1 that greets whoever sends a bearer token.
//!
//! ```text
//! cargo run -p pycognito-rs --example bearer_hyper
//! ```

use bytes::Bytes;
use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec, UserSpec};
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use pycognito::{AuthStep, BearerAuthLayer, Cognito};
use tower::{Layer, ServiceExt};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // Cognito: a pool, an app client and a user.
    let emu = Emulator::start(EmulatorConfig::default()).await?;
    let pool = emu.create_pool(PoolSpec::named("example"))?;
    let client = emu.create_client(&pool, ClientSpec::public("app"))?;
    emu.create_user(&pool, UserSpec::new("alice", "Passw0rd!"))?;

    // The API: answers 401 without a bearer token.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let svc = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let bearer = req
                        .headers()
                        .get(http::header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        .map(|t| t.len());
                    let (status, text) = match bearer {
                        Some(len) => (200, format!("hello, holder of a {len}-byte token")),
                        None => (401, "who are you?".to_owned()),
                    };
                    hyper::Response::builder()
                        .status(status)
                        .body(Full::new(Bytes::from(text)))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });

    // Sign in (SRP), then wrap a hyper client with the layer.
    let mut cognito = Cognito::builder(&pool, &client.client_id)
        .endpoint_url(emu.url())
        .username("alice")
        .build()?;
    if cognito.authenticate("Passw0rd!").await? != AuthStep::Done {
        return Err("unexpected challenge".into());
    }
    let provider = cognito.session().ok_or("not signed in")?.clone();
    let http = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let client = BearerAuthLayer::new(provider).layer(http);

    let req = http::Request::get(format!("{api}/me")).body(Empty::new())?;
    let resp = client.oneshot(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    println!("{status}: {}", String::from_utf8_lossy(&body));
    emu.shutdown().await;
    Ok(())
}
