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
#[path = "../support/hosted.rs"]
mod hosted;
mod passkey;

use cognito_auth::oauth::{AuthorizationCode, AuthorizeRequest, LoopbackReceiver, OAuthDomain};
use cognito_auth::{MfaPreference, MfaSetting, SignInOutcome};
use cognito_emulator::{MfaConfig, PoolSpec, UserSpec};
use cognito_wire::op;
use driver::{Browser, StartError};
use hosted::{Hosted, PW};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard};
use tokio::task::JoinHandle;

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

/// A code-flow request on the loopback receiver, its browser URL, and the wait for the redirect.
struct Login {
    url: String,
    verifier: String,
    nonce: String,
    waiting: JoinHandle<Result<AuthorizationCode, cognito_auth::oauth::OAuthError>>,
}

async fn login(h: &Hosted, receiver: LoopbackReceiver) -> Login {
    let rng = ring::rand::SystemRandom::new();
    let req = AuthorizeRequest::new(&h.domain, &h.client_id, &h.redirect_uri, &rng)
        .unwrap()
        .scopes(["openid", "email", "profile"]);
    let url = req.url();
    let verifier = req.pkce().verifier().expose().to_owned();
    let nonce = req.nonce().to_owned();
    let waiting = tokio::spawn(async move { receiver.receive(&req).await });
    Login {
        url,
        verifier,
        nonce,
        waiting,
    }
}

impl Login {
    /// The code the loopback receiver got.
    async fn code(self, b: &Browser) -> String {
        match tokio::time::timeout(Duration::from_secs(20), self.waiting).await {
            Ok(got) => got.unwrap().unwrap().code.expose().to_owned(),
            Err(_) => panic!("no redirect to the loopback receiver; {}", b.page().await),
        }
    }
}

/// The sign-in form, filled and submitted the way a user does.
async fn sign_in_form(b: &Browser, username: &str, password: &str) {
    b.fill("#signin input[name=username]", username).await;
    b.fill("#signin input[name=password]", password).await;
    b.click("#signin button[type=submit]").await;
}

/// Waits for a non-empty `#error` (a page that said no); returns its text.
async fn error_shown(b: &Browser) -> String {
    let started = Instant::now();
    loop {
        if let Some(t) = b.text_of("#error").await
            && !t.trim().is_empty()
        {
            return t;
        }
        if started.elapsed() > Duration::from_secs(15) {
            panic!("no error shown; {}", b.page().await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A user with TOTP set up through the API (sign-in, AssociateSoftwareToken,
/// VerifySoftwareToken, SetUserMFAPreference); returns the secret.
async fn totp_user(h: &Hosted, username: &str) -> String {
    h.env
        .emu
        .create_user(
            &h.env.pool_id,
            UserSpec::new(username, PW).attribute("email", format!("{username}@example.com")),
        )
        .unwrap();
    let auth = h.env.auth_builder().build().unwrap();
    let SignInOutcome::SignedIn(s) = auth.sign_in(username, PW).await.unwrap() else {
        panic!("signed in without MFA (the pool's MFA is optional until the user has a method)");
    };
    let secret = s.associate_software_token().await.unwrap();
    let code = h.env.totp_now(secret.expose());
    s.verify_software_token(&code.as_str().into(), Some("phone"))
        .await
        .unwrap();
    s.set_mfa_preference(MfaPreference::default().totp(MfaSetting::enabled(true)))
        .await
        .unwrap();
    secret.expose().to_owned()
}

/// MFA required for every user of the pool (TOTP on), through SetUserPoolMfaConfig.
async fn mfa_on(h: &Hosted) {
    let req = cognito_wire::SetUserPoolMfaConfigRequest::builder()
        .user_pool_id(&h.env.pool_id)
        .mfa_configuration(cognito_wire::UserPoolMfaType::On)
        .software_token_mfa_configuration(
            cognito_wire::SoftwareTokenMfaConfigType::builder()
                .enabled(true)
                .build(),
        )
        .build()
        .unwrap();
    h.admin
        .call::<op::SetUserPoolMfaConfig>(&req)
        .await
        .unwrap();
}

/// Sign-in through the managed login pages with TOTP MFA (MFA on for the pool, TOTP set up
/// through the API): a wrong code is shown as an error on the page, the right one redirects to
/// the loopback receiver; the code is redeemed with PKCE and the tokens verified by cognito-jwt
/// (nonce included). The sign-in page's screenshot goes to the target directory, and to
/// docs/images/managed-login-signin.png with `BLESS_SCREENSHOTS=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_totp_mfa_through_the_managed_login_pages() {
    let Some((b, _turn)) = browser().await else {
        return;
    };
    let receiver = LoopbackReceiver::bind().await.unwrap();
    let h = Hosted::start(
        PoolSpec::named("web").mfa(MfaConfig::Optional),
        &receiver.redirect_uri(),
    )
    .await;
    let secret = totp_user(&h, "alice").await;
    mfa_on(&h).await;
    let l = login(&h, receiver).await;

    b.client.goto(&l.url).await.unwrap();
    b.element("#signin").await;
    screenshot(&b).await;
    sign_in_form(&b, "alice", PW).await;

    // The code page; the set-up code's 30-second step is spent, so the clock moves on.
    h.env.advance(Duration::from_secs(30));
    let code = h.env.totp_now(&secret);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    b.fill("input[name=code]", wrong).await;
    b.click("button[type=submit]").await;
    let said = error_shown(&b).await;
    assert!(!said.is_empty());
    b.fill("input[name=code]", &code).await;
    b.click("button[type=submit]").await;

    let (verifier, nonce) = (l.verifier.clone(), l.nonce.clone());
    let code = l.code(&b).await;
    let tokens = h.exchange(&code, &verifier).await;
    let (id, access) = h.verify(&tokens, &nonce).await;
    assert_eq!(id.cognito_username.as_deref(), Some("alice"));
    assert_eq!(access.username.as_deref(), Some("alice"));
    assert_eq!(id.email.as_deref(), Some("alice@example.com"));
    b.quit().await;
}

/// Saves the current page (the sign-in page) as a PNG.
async fn screenshot(b: &Browser) {
    let png = b.client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 2000);
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("managed-login-signin.png");
    std::fs::write(&tmp, &png).unwrap();
    if std::env::var_os("BLESS_SCREENSHOTS").is_some() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs/images/managed-login-signin.png");
        std::fs::create_dir_all(docs.parent().unwrap()).unwrap();
        std::fs::write(&docs, &png).unwrap();
    }
}

/// Sign-up through the pages: the sign-in page's link, the sign-up form, the confirmation
/// code from the emulator's outbox (`/_emulator/outbox`), then the sign-in (when the pages ask
/// for it) and the redirect; the tokens name the new user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_and_confirm_through_the_managed_login_pages() {
    let Some((b, _turn)) = browser().await else {
        return;
    };
    let receiver = LoopbackReceiver::bind().await.unwrap();
    let h = Hosted::start(PoolSpec::named("signup"), &receiver.redirect_uri()).await;
    let l = login(&h, receiver).await;

    b.client.goto(&l.url).await.unwrap();
    b.click("#signup-link").await;
    b.wait_for_url("the sign-up page", |u| u.contains("/signup"))
        .await;
    b.fill("input[name=username]", "sam").await;
    b.fill("input[name=password]", PW).await;
    b.fill("input[name=email]", "sam@example.com").await;
    b.click("button[type=submit]").await;

    b.element("input[name=code]").await;
    let code = h.outbox_code("sam").await;
    b.fill("input[name=code]", &code).await;
    b.click("button[type=submit]").await;
    // Back to the sign-in page, or straight to the redirect.
    finish_sign_in(&b, &l, "sam", PW).await;

    let (verifier, nonce) = (l.verifier.clone(), l.nonce.clone());
    let code = l.code(&b).await;
    let tokens = h.exchange(&code, &verifier).await;
    let (id, _) = h.verify(&tokens, &nonce).await;
    assert_eq!(id.cognito_username.as_deref(), Some("sam"));
    assert_eq!(id.email.as_deref(), Some("sam@example.com"));
    assert_eq!(id.get("email_verified"), Some(&serde_json::json!(true)));
    b.quit().await;
}

/// Waits for either the redirect (the receiver has the code) or the sign-in form, which it
/// then fills in.
async fn finish_sign_in(b: &Browser, l: &Login, username: &str, password: &str) {
    let started = Instant::now();
    loop {
        if l.waiting.is_finished() {
            return;
        }
        if b.client
            .find(fantoccini::Locator::Css("#signin"))
            .await
            .is_ok()
        {
            sign_in_form(b, username, password).await;
            return;
        }
        if started.elapsed() > Duration::from_secs(15) {
            panic!(
                "neither the redirect nor the sign-in page; {}",
                b.page().await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Forgot password through the pages: the sign-in page's link, the username, the code from the
/// outbox and a new password; then the sign-in with the new password reaches the redirect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_through_the_managed_login_pages() {
    let Some((b, _turn)) = browser().await else {
        return;
    };
    let receiver = LoopbackReceiver::bind().await.unwrap();
    let h = Hosted::start(PoolSpec::named("forgot"), &receiver.redirect_uri()).await;
    h.env
        .emu
        .create_user(
            &h.env.pool_id,
            UserSpec::new("fred", PW)
                .attribute("email", "fred@example.com")
                .attribute("email_verified", "true"),
        )
        .unwrap();
    let l = login(&h, receiver).await;
    let new_pw = "N3w-Passw0rd!";

    b.client.goto(&l.url).await.unwrap();
    b.click("#forgot-link").await;
    b.wait_for_url("the forgot-password page", |u| {
        u.contains("/forgotPassword")
    })
    .await;
    b.fill("input[name=username]", "fred").await;
    b.click("button[type=submit]").await;

    b.element("input[name=code]").await;
    let code = h.outbox_code("fred").await;
    b.fill("input[name=code]", &code).await;
    b.fill("input[name=password]", new_pw).await;
    b.click("button[type=submit]").await;

    b.element("#signin").await;
    finish_sign_in(&b, &l, "fred", new_pw).await;
    let (verifier, nonce) = (l.verifier.clone(), l.nonce.clone());
    let code = l.code(&b).await;
    let tokens = h.exchange(&code, &verifier).await;
    let (id, _) = h.verify(&tokens, &nonce).await;
    assert_eq!(id.cognito_username.as_deref(), Some("fred"));
    b.quit().await;
}

/// The `pycognito` binary beside this test's deps directory (`cargo test --workspace` builds
/// it), or `PYCOGNITO_BIN`; `Err` says why it cannot be used.
fn cli_bin() -> Result<std::path::PathBuf, String> {
    let bin = match std::env::var_os("PYCOGNITO_BIN") {
        Some(b) => std::path::PathBuf::from(b),
        None => std::env::current_exe()
            .unwrap()
            .parent()
            .and_then(|deps| deps.parent())
            .unwrap()
            .join("pycognito"),
    };
    let help = std::process::Command::new(&bin)
        .args(["login", "--help"])
        .output()
        .map_err(|e| {
            format!(
                "no pycognito binary at {} ({e}): cargo build -p pycognito-rs",
                bin.display()
            )
        })?;
    if !String::from_utf8_lossy(&help.stdout).contains("--browser") {
        return Err(format!(
            "{} has no `login --browser` (an older build): cargo build -p pycognito-rs",
            bin.display()
        ));
    }
    Ok(bin)
}

/// A child process killed (if still running) when dropped.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `pycognito login --browser --no-open` completed by Chromium: the CLI prints the authorize
/// URL, the browser signs in on the managed login pages with TOTP MFA, the redirect reaches the
/// CLI's loopback receiver (`--port`, registered as the client's callback URL), and the CLI
/// exchanges the code and keeps the session; its tokens verify with cognito-jwt and `whoami`
/// reads the kept session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_login_browser_completed_by_chromium_with_totp_mfa() {
    use std::io::BufRead as _;
    let bin = match cli_bin() {
        Ok(b) => b,
        Err(why) => return driver::skip(&why),
    };
    let Some((b, _turn)) = browser().await else {
        return;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let redirect = format!("http://localhost:{port}/callback");
    let h = Hosted::start(PoolSpec::named("cli").mfa(MfaConfig::Optional), &redirect).await;
    let secret = totp_user(&h, "carol").await;
    mfa_on(&h).await;

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-browser-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let session_file = dir.join("session.json");
    let cli = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&bin);
        cmd.args(args)
            .args(["--endpoint-url", &h.env.emu.url()])
            .args(["--pool-id", &h.env.pool_id])
            .args(["--client-id", &h.client_id])
            .arg("--session-file")
            .arg(&session_file)
            .env_remove("PYCOGNITO_CLIENT_SECRET")
            .env_remove("PYCOGNITO_DOMAIN")
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    };
    let domain_url = h.domain.base_url().to_owned();
    let port_arg = port.to_string();
    let mut child = Killed(
        cli(&[
            "login",
            "--browser",
            "--no-open",
            "--port",
            &port_arg,
            "--domain",
            &domain_url,
            "--scope",
            "openid",
            "--scope",
            "email",
            // What the user-side API (whoami's GetUser) needs from an access token.
            "--scope",
            "aws.cognito.signin.user.admin",
            "--json",
        ])
        .spawn()
        .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (url, mut lines) = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        (first, lines)
    })
    .await
    .unwrap();
    assert!(
        url.starts_with(&format!("{domain_url}/oauth2/authorize?")),
        "the CLI's first line is the authorize URL: {url:?}"
    );

    b.client.goto(&url).await.unwrap();
    sign_in_form(&b, "carol", PW).await;
    h.env.advance(Duration::from_secs(30));
    b.fill("input[name=code]", &h.env.totp_now(&secret)).await;
    b.click("button[type=submit]").await;

    // The CLI gets the redirect, exchanges the code and prints the session (--json).
    let rest = tokio::task::spawn_blocking(move || {
        let out: Vec<String> = lines.by_ref().map_while(Result::ok).collect();
        let status = child.0.wait().unwrap();
        let mut err = String::new();
        if let Some(mut e) = child.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        (status, out.join("\n"), err)
    });
    let (status, out, err) = match tokio::time::timeout(Duration::from_secs(30), rest).await {
        Ok(r) => r.unwrap(),
        Err(_) => panic!("the CLI did not finish; {}", b.page().await),
    };
    assert!(
        status.success(),
        "pycognito login --browser: {status}\n{out}\n{err}"
    );
    let session: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(session["username"], "carol");
    let now = cognito_auth::Clock::now(&h.env.clock);
    let verifier = |token_use| {
        cognito_auth::jwt::CognitoJwtVerifier::builder_for(
            cognito_auth::jwt::PoolConfig::new(&h.env.pool_id)
                .issuer(format!("{}/{}", h.env.emu.url(), h.env.pool_id))
                .client_id(&h.client_id)
                .token_use(token_use),
        )
        .build()
        .unwrap()
    };
    let id = verifier(cognito_auth::jwt::TokenUse::Id)
        .verify(session["id_token"].as_str().unwrap(), now)
        .await
        .unwrap();
    assert_eq!(id.cognito_username.as_deref(), Some("carol"));
    verifier(cognito_auth::jwt::TokenUse::Access)
        .verify(session["access_token"].as_str().unwrap(), now)
        .await
        .unwrap();

    // The session is kept like an SRP login's.
    let mut whoami = cli(&["whoami"]);
    let whoami = tokio::task::spawn_blocking(move || whoami.output().unwrap())
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&whoami.stdout);
    assert!(
        whoami.status.success() && said.contains("carol"),
        "whoami: {said} {}",
        String::from_utf8_lossy(&whoami.stderr)
    );
    b.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
