//! `pycognito login --browser` and `pycognito logout --browser`: the authorization code flow
//! with PKCE through the pool's managed login in the system browser, its redirect received on
//! the loopback interface (RFC 8252), the code exchanged by [`CognitoAuth::sign_in_with_code`]
//! into the same session an SRP login keeps; and Cognito's logout URL.
//!
//! [`CognitoAuth::sign_in_with_code`]: cognito_auth::CognitoAuth::sign_in_with_code

use super::user::{self, LoginArgs, LogoutArgs};
use super::{CliError, Global, context, m2m};
use cognito_auth::oauth::{LoopbackReceiver, OAuthDomain, logout_url};
use cognito_auth::{DevicePolicy, NextAction, SessionStore};
use std::io::Write;
use std::time::Duration;

/// How long the sign-in in the browser may take.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// The domain: `--domain` (a prefix, a custom domain or a URL), else the kept session's.
fn domain(g: &Global, given: Option<&str>) -> Result<OAuthDomain, CliError> {
    if let Some(raw) = given {
        return m2m::domain_of(g, raw);
    }
    context::kept_state(g)
        .ok()
        .flatten()
        .and_then(|s| s.oauth_domain)
        .and_then(|d| OAuthDomain::from_url(&d).ok())
        .ok_or_else(|| {
            CliError::usage(
                "--browser needs the pool's domain: --domain (a prefix with --region, a custom \
                 domain, or a URL), or PYCOGNITO_DOMAIN",
            )
        })
}

/// `pycognito login --browser`: opens the managed login (or, with `--no-open`, prints its URL
/// as the first line of standard output), waits for the redirect on 127.0.0.1, exchanges the
/// code and keeps the session like an SRP login.
pub async fn login(g: &Global, a: &LoginArgs) -> Result<(), CliError> {
    let domain = domain(g, a.domain.as_deref())?;
    let auth = context::client(g, None, None, DevicePolicy::Never)?;
    let receiver = match a.port {
        Some(port) => LoopbackReceiver::bind_port(port).await,
        None => LoopbackReceiver::bind().await,
    }
    .map_err(cognito_auth::Error::from)?;
    let mut request = auth.authorize_request(&domain, receiver.redirect_uri())?;
    if !a.scopes.is_empty() {
        request = request.scopes(a.scopes.clone());
    }
    let url = request.url();
    if a.no_open {
        // One line, alone, so that a script (or a test) can read it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{url}")?;
        out.flush()?;
    } else {
        eprintln!("Opening the sign-in page in your browser. If it does not open, visit:\n{url}");
        if let Err(e) = open_in_browser(&url) {
            eprintln!("(the browser could not be started: {e})");
        }
    }
    eprintln!(
        "Waiting for the sign-in to come back to {} ...",
        receiver.redirect_uri()
    );
    let code = tokio::time::timeout(SIGN_IN_TIMEOUT, receiver.receive(&request))
        .await
        .map_err(|_| {
            CliError::said(
                NextAction::SignInAgain,
                format!(
                    "no sign-in came back within {} minutes",
                    SIGN_IN_TIMEOUT.as_secs() / 60
                ),
            )
        })?
        .map_err(cognito_auth::Error::from)?;
    let session = auth.sign_in_with_code(&request, code).await?;
    user::confirm_saved(g, &session)?;
    user::print_session(g, &session.state(), "signed in")
}

/// `pycognito logout --browser --logout-uri URI`: prints Cognito's logout URL (open it to end
/// the managed login's own session) and forgets the kept session.
pub fn logout(g: &Global, a: &LogoutArgs) -> Result<(), CliError> {
    let logout_uri = a
        .logout_uri
        .as_deref()
        .ok_or_else(|| CliError::usage("logout --browser needs --logout-uri URI"))?;
    let kept = context::kept_state(g).ok().flatten();
    let domain = domain(g, a.domain.as_deref())?;
    let client_id = context::client_id(g, kept.as_ref())?;
    println!("{}", logout_url(&domain, &client_id, logout_uri));
    context::session_store(g).clear()?;
    if !g.json {
        eprintln!(
            "the kept session is forgotten; open the URL above to sign out of the managed login too"
        );
    }
    Ok(())
}

/// Opens `url` in the system's browser (no shell: the URL is one argument).
fn open_in_browser(url: &str) -> std::io::Result<()> {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let mut child = cmd
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    // Reaped in the background: the opener may outlive the sign-in.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}
