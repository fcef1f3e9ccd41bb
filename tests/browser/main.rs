//! Real browser tests: headless Chromium, driven through WebDriver (fantoccini + chromedriver),
//! against the emulator on 127.0.0.1. Where chromium or chromedriver is missing, every test prints
//! `SKIPPED browser tests: <why>` and passes; under `CI=true` that is a failure (`.ci/run`
//! installs Debian's `chromium` and `chromium-driver`).
//!
//! The tests take turns (one Chromium at a time: the CI machine has two cores).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod driver;

use cognito_auth::oauth::{AuthorizeRequest, LoopbackReceiver, OAuthDomain};
use driver::{Browser, StartError};
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// A browser for one test (after the previous test's has gone), or `None` when the test is
/// skipped (see `driver::skip`).
async fn browser() -> Option<(Browser, MutexGuard<'static, ()>)> {
    let turn = ONE_AT_A_TIME.lock().await;
    match Browser::start().await {
        Ok(b) => Some((b, turn)),
        Err(StartError::Missing(why)) => {
            driver::skip(&why);
            None
        }
        Err(StartError::Broken(why)) => panic!("the browser does not start: {why}"),
    }
}

/// The harness itself: chromedriver starts, Chromium follows a redirect to the RFC 8252
/// loopback receiver (`http://localhost:<port>/callback`), which takes the code, and a name
/// outside loopback does not resolve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_delivers_a_redirect_to_the_loopback_receiver() {
    let Some((b, _turn)) = browser().await else {
        return;
    };
    let rng = ring::rand::SystemRandom::new();
    let domain = OAuthDomain::prefix("my-app", "us-east-1").unwrap();
    let receiver = LoopbackReceiver::bind().await.unwrap();
    let redirect = receiver.redirect_uri();
    let req = AuthorizeRequest::new(&domain, "cid", &redirect, &rng).unwrap();
    let state = req.state().to_owned();
    let waiting = tokio::spawn(async move { receiver.receive(&req).await });

    b.client
        .goto(&format!("{redirect}?code=from-the-browser&state={state}"))
        .await
        .unwrap();
    let code = tokio::time::timeout(Duration::from_secs(15), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(code.code.expose(), "from-the-browser");

    // Nothing but loopback: a public name does not resolve in this browser.
    let _ = b.client.goto("http://example.com/").await;
    let source = b.client.source().await.unwrap_or_default();
    assert!(
        !source.contains("Example Domain") && source.contains("ERR_"),
        "the browser reached outside loopback: {source}"
    );
    b.quit().await;
}
