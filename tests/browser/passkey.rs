//! Passkey sign-in on the managed login pages, answered by Chromium's WebDriver virtual
//! authenticator (the WebAuthn extension commands of WebDriver, sent through fantoccini's raw
//! command support).
//!
//! The passkey is registered with the emulator through the API by cognito-auth's
//! `SoftwareAuthenticator`; its exported credential (PKCS#8 private key, id, user handle,
//! counter) is then injected into the virtual authenticator, so the browser signs with the same
//! key. The pages are loaded from `http://localhost:<port>` (not 127.0.0.1): WebAuthn needs a
//! secure context, which `localhost` is, and the pool's relying party id is `localhost`.

use crate::driver::Browser;
use crate::hosted::{Hosted, PW};
use crate::{browser, error_shown, login};
use cognito_auth::SignInOutcome;
use cognito_auth::SoftwareAuthenticator;
use cognito_auth::oauth::LoopbackReceiver;
use cognito_emulator::{PoolSpec, UserSpec};
use cognito_wire::op;
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{Value, json};

/// A WebDriver extension command of the session (`POST /session/{id}/<path>`).
#[derive(Debug)]
struct Extension {
    path: String,
    body: Value,
}

impl WebDriverCompatibleCommand for Extension {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Adds a virtual authenticator to the browser (CTAP2, internal, resident keys, user
/// verification that succeeds); its id.
async fn virtual_authenticator(b: &Browser) -> String {
    let got = b
        .client
        .issue_cmd(Extension {
            path: "webauthn/authenticator".into(),
            body: json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserVerified": true,
            }),
        })
        .await
        .unwrap();
    got.as_str()
        .map(str::to_owned)
        .or_else(|| got["authenticatorId"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no authenticator id in {got}"))
}

/// Injects the software authenticator's credentials (its `to_json` export) into a virtual
/// authenticator.
async fn inject(b: &Browser, authenticator_id: &str, software: &SoftwareAuthenticator) {
    let exported: Value = serde_json::from_slice(&software.to_json().unwrap()).unwrap();
    let credentials = exported["credentials"].as_array().unwrap();
    assert!(!credentials.is_empty());
    for c in credentials {
        b.client
            .issue_cmd(Extension {
                path: format!("webauthn/authenticator/{authenticator_id}/credential"),
                body: json!({
                    "credentialId": c["id"],
                    "isResidentCredential": true,
                    "rpId": c["rp_id"],
                    "privateKey": c["private_key"],
                    "userHandle": c["user_handle"],
                    "signCount": c["sign_count"],
                }),
            })
            .await
            .unwrap();
    }
}

/// The emulator's pages as the browser must load them: on `localhost`, a secure context.
fn on_localhost(url: &str) -> String {
    url.replacen("://127.0.0.1:", "://localhost:", 1)
}

/// A pool whose relying party is `localhost`, and `username` with a passkey registered through
/// the API by a software authenticator (returned).
async fn passkey_user(h: &Hosted, username: &str) -> SoftwareAuthenticator {
    let config = cognito_wire::WebAuthnConfigurationType::builder()
        .relying_party_id("localhost")
        .build();
    let req = cognito_wire::SetUserPoolMfaConfigRequest::builder()
        .user_pool_id(&h.env.pool_id)
        .web_authn_configuration(config)
        .build()
        .unwrap();
    h.admin
        .call::<op::SetUserPoolMfaConfig>(&req)
        .await
        .unwrap();
    h.env
        .emu
        .create_user(
            &h.env.pool_id,
            UserSpec::new(username, PW).attribute("email", format!("{username}@example.com")),
        )
        .unwrap();
    let software = SoftwareAuthenticator::builder(on_localhost(&h.env.emu.url())).build();
    let auth = h.env.auth_builder().build().unwrap();
    let SignInOutcome::SignedIn(s) = auth.sign_in(username, PW).await.unwrap() else {
        panic!("signed in without MFA");
    };
    s.register_passkey(&software).await.unwrap();
    software
}

/// Passkey sign-in on the pages: the sign-in page's passkey form (username only), the step page
/// whose script asks `navigator.credentials.get`, Chromium's virtual authenticator (holding the
/// registered key) answers, the form posts the assertion, and the redirect brings the code to
/// the loopback receiver; the tokens verify with cognito-jwt and name the user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_sign_in_with_the_webdriver_virtual_authenticator() {
    let Some((b, _turn)) = browser().await else {
        return;
    };
    let receiver = LoopbackReceiver::bind().await.unwrap();
    let h = Hosted::start(PoolSpec::named("passkey"), &receiver.redirect_uri()).await;
    let software = passkey_user(&h, "pat").await;
    let id = virtual_authenticator(&b).await;
    inject(&b, &id, &software).await;
    let l = login(&h, receiver).await;

    b.client.goto(&on_localhost(&l.url)).await.unwrap();
    b.fill("#passkey input[name=username]", "pat").await;
    b.click("#passkey-start").await;

    let (verifier, nonce) = (l.verifier.clone(), l.nonce.clone());
    let code = l.code(&b).await;
    let tokens = h.exchange(&code, &verifier).await;
    let (id, access) = h.verify(&tokens, &nonce).await;
    assert_eq!(id.cognito_username.as_deref(), Some("pat"));
    assert_eq!(access.username.as_deref(), Some("pat"));
    b.quit().await;
}

/// A virtual authenticator without the user's credential: the browser refuses the request and
/// the step page shows `#error` (no redirect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkey_sign_in_without_the_credential_shows_an_error() {
    let Some((b, _turn)) = browser().await else {
        return;
    };
    let receiver = LoopbackReceiver::bind().await.unwrap();
    let h = Hosted::start(PoolSpec::named("nokey"), &receiver.redirect_uri()).await;
    let _software = passkey_user(&h, "quinn").await;
    virtual_authenticator(&b).await;
    let l = login(&h, receiver).await;

    b.client.goto(&on_localhost(&l.url)).await.unwrap();
    b.fill("#passkey input[name=username]", "quinn").await;
    b.click("#passkey-start").await;
    let said = error_shown(&b).await;
    assert!(said.contains("did not complete"), "{said}");
    assert!(!l.waiting.is_finished());
    b.quit().await;
}
