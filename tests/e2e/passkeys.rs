//! Passkeys through the session handle: a signed-in user registers a passkey with the software
//! authenticator, lists and deletes it; a new client signs in with it (`USER_AUTH`, `WEB_AUTHN`
//! answered by the authenticator the client was built with); the authenticator's credentials
//! kept in a private file sign in from another "process"; a refusal keeps Cognito's code.

use cognito_admin::{AdminClient, static_credentials};
use cognito_auth::*;
use cognito_emulator::{ClientSpec, PoolSpec, UserSpec};
use cognito_wire::{SetUserPoolMfaConfigRequest, UserVerificationType, WebAuthnConfigurationType};
use pycognito_tests::Env;
use std::sync::Arc;

const PW: &str = "Corr3ct-Horse!";
const ORIGIN: &str = "http://localhost:8080";

fn admin_client(env: &Env) -> AdminClient {
    let clock = env.clock.0.clone();
    AdminClient::builder()
        .endpoint_url(env.emu.url())
        .region("us-east-1")
        .pool_id(&env.pool_id)
        .credentials(static_credentials("test", "test", None))
        .clock(move || cognito_emulator::Clock::now(clock.as_ref()))
        .build()
        .unwrap()
}

/// A pool whose relying party is `localhost`, requiring user verification, with pia in it.
async fn passkey_env() -> Env {
    let env = Env::start(PoolSpec::default(), ClientSpec::confidential("app")).await;
    env.emu
        .create_user(&env.pool_id, UserSpec::new("pia", PW))
        .unwrap();
    let config = WebAuthnConfigurationType::builder()
        .relying_party_id("localhost")
        .user_verification(UserVerificationType::Required)
        .build();
    let req = SetUserPoolMfaConfigRequest::builder()
        .user_pool_id(&env.pool_id)
        .web_authn_configuration(config)
        .build()
        .unwrap();
    admin_client(&env)
        .set_user_pool_mfa_config(&req)
        .await
        .unwrap();
    env
}

fn passkey_flow(auth: &CognitoAuth) -> SignInConfig {
    auth.config("pia").flow(Flow::UserAuth {
        preferred: Some(FirstFactor::WebAuthn),
    })
}

fn signed_in(outcome: SignInOutcome) -> Session {
    match outcome {
        SignInOutcome::SignedIn(s) => s,
        SignInOutcome::NeedsInput(p) => panic!("unexpected question {:?}", p.question()),
        other => panic!("an outcome this test does not know: {other:?}"),
    }
}

#[tokio::test]
async fn register_sign_in_list_and_delete_through_the_session() {
    let env = passkey_env().await;
    let authenticator = Arc::new(SoftwareAuthenticator::builder(ORIGIN).build());
    let auth = env.auth_builder().build().unwrap();
    let session = signed_in(auth.sign_in("pia", PW).await.unwrap());
    session
        .register_passkey(authenticator.as_ref())
        .await
        .unwrap();
    let listed = session.list_passkeys().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].credential_id, authenticator.credential_ids()[0]);
    assert_eq!(listed[0].relying_party_id, "localhost");

    // A client with the authenticator signs in with the passkey, no password.
    let with_passkey = env
        .auth_builder()
        .webauthn_authenticator(authenticator.clone())
        .build()
        .unwrap();
    let by_passkey = signed_in(
        with_passkey
            .sign_in_with(passkey_flow(&with_passkey))
            .await
            .unwrap(),
    );
    assert_eq!(by_passkey.username(), "pia");

    // Its credentials in a private file: another "process" signs in with them.
    let dir = std::env::temp_dir().join(format!("e2e-passkeys-{}", std::process::id()));
    let file = dir.join("passkeys.json");
    write_private_file(&file, &authenticator.to_json().unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let loaded = SoftwareAuthenticator::builder(ORIGIN).build();
    loaded.from_json(&std::fs::read(&file).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let other = env
        .auth_builder()
        .webauthn_authenticator(Arc::new(loaded))
        .build()
        .unwrap();
    signed_in(other.sign_in_with(passkey_flow(&other)).await.unwrap());

    // Deleted, the passkey no longer signs in: USER_AUTH does not offer it.
    session
        .delete_passkey(&listed[0].credential_id)
        .await
        .unwrap();
    assert!(session.list_passkeys().await.unwrap().is_empty());
    let outcome = with_passkey
        .sign_in_with(passkey_flow(&with_passkey))
        .await
        .unwrap();
    assert!(
        matches!(outcome, SignInOutcome::NeedsInput(_)),
        "a choice of first factor without WEB_AUTHN"
    );
}

#[tokio::test]
async fn a_refused_passkey_keeps_cognitos_error() {
    let env = passkey_env().await;
    let auth = env.auth_builder().build().unwrap();
    let session = signed_in(auth.sign_in("pia", PW).await.unwrap());
    // The pool requires user verification; this authenticator does not verify the user.
    let no_uv = SoftwareAuthenticator::builder(ORIGIN)
        .user_verification(false)
        .build();
    let e = session.register_passkey(&no_uv).await.unwrap_err();
    assert_eq!(
        e.service_code(),
        Some("WebAuthnCredentialNotSupportedException")
    );
    // Another site's origin.
    let evil = SoftwareAuthenticator::builder("https://evil.example").build();
    let e = session.register_passkey(&evil).await.unwrap_err();
    assert_eq!(e.service_code(), Some("WebAuthnOriginNotAllowedException"));
    // An authenticator that cannot register.
    #[derive(Debug)]
    struct SignOnly;
    impl WebAuthnAuthenticator for SignOnly {
        fn get_assertion<'a>(
            &'a self,
            _: &'a serde_json::Value,
        ) -> cognito_wire::BoxFuture<'a, Result<serde_json::Value, String>> {
            Box::pin(async { Err("no".to_owned()) })
        }
    }
    let e = session.register_passkey(&SignOnly).await.unwrap_err();
    assert!(matches!(e, Error::WebAuthn(_)), "{e:?}");
}
