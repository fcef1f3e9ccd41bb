//! A reqwest client whose requests carry the signed-in user's access token, refreshed when it is
//! about to expire: pycognito's `RequestsSrpAuth`, as a `tower` layer over `reqwest::Client`.
//!
//! Self-contained: starts the embedded emulator (the Cognito side) and a small API server on
//! 127.0.0.1 that answers 200 only to the user's current access token. Exits with an error unless
//! the server saw it.
//!
//! ```text
//! cargo run -p pycognito-rs --example bearer_reqwest
//! ```

use bytes::Bytes;
use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec, UserSpec};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use pycognito::{AuthStep, BearerAuthLayer, Cognito};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower::{Layer, ServiceExt};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // Cognito: a pool, an app client and a user.
    let emu = Emulator::start(EmulatorConfig::default()).await?;
    let pool = emu.create_pool(PoolSpec::named("example"))?;
    let client = emu.create_client(&pool, ClientSpec::public("app"))?;
    emu.create_user(&pool, UserSpec::new("alice", "Passw0rd!"))?;

    // Sign in (SRP).
    let mut cognito = Cognito::builder(&pool, &client.client_id)
        .endpoint_url(emu.url())
        .username("alice")
        .build()?;
    if cognito.authenticate("Passw0rd!").await? != AuthStep::Done {
        return Err("unexpected challenge".into());
    }
    let provider = cognito.session().ok_or("not signed in")?.clone();

    // The API: 401 without a bearer token, 403 with another token than the user's.
    let expected = format!("Bearer {}", provider.access_token().await?.expose());
    let seen = Arc::new(AtomicBool::new(false));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = format!("http://{}", listener.local_addr()?);
    let server_seen = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let expected = expected.clone();
            let seen = server_seen.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let header = req
                            .headers()
                            .get(http::header::AUTHORIZATION)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        let (status, text) = match header {
                            Some(h) if h == expected => {
                                seen.store(true, Ordering::SeqCst);
                                (200, "hello, alice")
                            }
                            Some(_) => (403, "not alice's token"),
                            None => (401, "who are you?"),
                        };
                        async move {
                            hyper::Response::builder()
                                .status(status)
                                .body(Full::new(Bytes::from(text)))
                        }
                    },
                );
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });

    // reqwest as a `tower::Service<http::Request<String>>`: convert, execute. Then the layer.
    let http = reqwest::Client::builder().no_proxy().build()?;
    let reqwest_service = tower::service_fn(move |req: http::Request<String>| {
        let http = http.clone();
        async move { http.execute(reqwest::Request::try_from(req)?).await }
    });
    let client = BearerAuthLayer::new(provider).layer(reqwest_service);

    let req = http::Request::get(format!("{api}/me")).body(String::new())?;
    let resp = client.oneshot(req).await?;
    let status = resp.status();
    let body = resp.text().await?;
    println!("{status}: {body}");
    emu.shutdown().await;
    if status != reqwest::StatusCode::OK || !seen.load(Ordering::SeqCst) {
        return Err(format!("the API did not get alice's access token ({status})").into());
    }
    Ok(())
}
