//! Sign-in, challenges, refresh, verification and sign-out.

use crate::{Env, PASSWORD, totp};
use cognito_emulator::{ClientSpec, MfaConfig, PoolSpec, UserMfaSpec, UserSpec};
use pycognito::{AuthStep, CodeKind, NextAction, PycognitoError};
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::test]
async fn authenticate_with_srp_and_verify_tokens() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    assert_eq!(c.authenticate(PASSWORD).await.unwrap(), AuthStep::Done);
    assert!(c.access_token().is_some());
    assert!(c.refresh_token().is_some());
    assert_eq!(c.token_type().as_deref(), Some("Bearer"));
    c.verify_tokens().await.unwrap();
    assert_eq!(
        c.access_claims().unwrap().username.as_deref(),
        Some("alice")
    );
    assert_eq!(
        c.id_claims().unwrap().email.as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(
        c.user_pool_url(),
        format!("{}/{}", env.emu.url(), env.pool_id)
    );
}

#[tokio::test]
async fn user_password_flow_and_public_client() {
    let env = Env::start(PoolSpec::named("p"), ClientSpec::public("web")).await;
    env.user("pat");
    let mut c = env.cognito("pat");
    assert!(
        c.authenticate_user_password(PASSWORD)
            .await
            .unwrap()
            .is_done()
    );
    assert!(c.authenticate(PASSWORD).await.unwrap().is_done());
}

#[tokio::test]
async fn wrong_password_asks_the_user() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    let err = c.authenticate("Wrong-passw0rd").await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"));
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    assert!(c.tokens().is_none());
}

#[tokio::test]
async fn unconfirmed_user_must_confirm_sign_up() {
    let env = Env::default().await;
    let mut c = env.cognito("nobody");
    c.set_base_attributes([("email", "newbie@example.com")]);
    let resp = c.register("newbie", PASSWORD, None).await.unwrap();
    assert!(!resp.user_confirmed);
    assert_eq!(c.username(), Some("newbie"));
    let err = c.authenticate(PASSWORD).await.unwrap_err();
    assert!(err.is("UserNotConfirmedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::ConfirmSignUp);
}

#[tokio::test]
async fn no_username_and_not_signed_in() {
    let env = Env::default().await;
    let mut c = pycognito::Cognito::builder(&env.pool_id, &env.client.client_id)
        .endpoint_url(env.emu.url())
        .build()
        .unwrap();
    assert!(matches!(
        c.authenticate(PASSWORD).await,
        Err(PycognitoError::NoUsername)
    ));
    let err = c.get_user(None).await.unwrap_err();
    assert!(matches!(err, PycognitoError::NotSignedIn));
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    let err = c.respond_to_sms_mfa_challenge("123456").await.unwrap_err();
    assert!(matches!(err, PycognitoError::NoPendingChallenge));
}

fn mfa_pool() -> PoolSpec {
    PoolSpec::named("mfa").mfa(MfaConfig::Optional)
}

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[tokio::test]
async fn software_token_mfa_challenge() {
    let env = Env::start(mfa_pool(), ClientSpec::confidential("app")).await;
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::new("tina", PASSWORD).mfa(
                UserMfaSpec::default()
                    .totp_secret(Some(SECRET.to_owned()))
                    .preferred(Some("SOFTWARE_TOKEN_MFA".to_owned())),
            ),
        )
        .unwrap();
    let mut c = env.cognito("tina");
    let step = c.authenticate(PASSWORD).await.unwrap();
    assert!(
        matches!(
            step,
            AuthStep::NeedsMfa {
                kind: CodeKind::SoftwareTokenMfa,
                ..
            }
        ),
        "{step:?}"
    );
    assert_eq!(c.pending_challenge(), Some(step));
    // The wrong responder is refused and the challenge stays.
    let err = c.respond_to_sms_mfa_challenge("000000").await.unwrap_err();
    assert!(
        matches!(err, PycognitoError::WrongChallenge { .. }),
        "{err}"
    );
    assert_eq!(err.next_action(), NextAction::FixInput);
    let code = totp(SECRET, env.now_unix());
    let step = c
        .respond_to_software_token_mfa_challenge(&code)
        .await
        .unwrap();
    assert_eq!(step, AuthStep::Done);
    assert!(c.pending_challenge().is_none());
    assert!(c.access_token().is_some());
}

#[tokio::test]
async fn wrong_totp_code_means_sign_in_again() {
    let env = Env::start(mfa_pool(), ClientSpec::confidential("app")).await;
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::new("tina", PASSWORD).mfa(
                UserMfaSpec::default()
                    .totp_secret(Some(SECRET.to_owned()))
                    .preferred(Some("SOFTWARE_TOKEN_MFA".to_owned())),
            ),
        )
        .unwrap();
    let mut c = env.cognito("tina");
    c.authenticate(PASSWORD).await.unwrap();
    let right = totp(SECRET, env.now_unix());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let err = c
        .respond_to_software_token_mfa_challenge(wrong)
        .await
        .unwrap_err();
    assert!(err.is("CodeMismatchException"), "{err}");
    // The challenge stays open: ask the user again and answer on the same sign-in.
    assert_eq!(err.next_action(), NextAction::FixInput);
    assert!(
        c.respond_to_software_token_mfa_challenge(&right)
            .await
            .unwrap()
            .is_done()
    );
}

#[tokio::test]
async fn sms_mfa_challenge() {
    let env = Env::start(mfa_pool(), ClientSpec::confidential("app")).await;
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::new("sam", PASSWORD)
                .attribute("phone_number", "+15555550100")
                .mfa(
                    UserMfaSpec::default()
                        .sms(true)
                        .preferred(Some("SMS_MFA".to_owned())),
                ),
        )
        .unwrap();
    let mut c = env.cognito("sam");
    let step = c.authenticate(PASSWORD).await.unwrap();
    assert!(
        matches!(
            step,
            AuthStep::NeedsMfa {
                kind: CodeKind::SmsMfa,
                ..
            }
        ),
        "{step:?}"
    );
    let code = env.emu.latest_code(&env.pool_id, "sam").unwrap();
    assert!(
        c.respond_to_sms_mfa_challenge(&code)
            .await
            .unwrap()
            .is_done()
    );
}

#[tokio::test]
async fn totp_set_up_then_challenge() {
    let env = Env::start(mfa_pool(), ClientSpec::confidential("app")).await;
    env.user("olga");
    let mut c = env.cognito("olga");
    assert!(c.authenticate(PASSWORD).await.unwrap().is_done());
    let secret = c.associate_software_token().await.unwrap();
    let code = totp(secret.expose(), env.now_unix());
    assert!(c.verify_software_token(&code, Some("phone")).await.unwrap());
    c.set_user_mfa_preference(false, true, Some(pycognito::MfaMethod::SoftwareToken))
        .await
        .unwrap();
    let user = c.get_user(None).await.unwrap();
    assert_eq!(
        user.metadata.preferred_mfa_setting.as_deref(),
        Some("SOFTWARE_TOKEN_MFA")
    );
    env.advance(Duration::from_secs(30)); // a fresh TOTP step: codes are single use
    let step = c.authenticate(PASSWORD).await.unwrap();
    assert!(
        matches!(
            step,
            AuthStep::NeedsMfa {
                kind: CodeKind::SoftwareTokenMfa,
                ..
            }
        ),
        "{step:?}"
    );
    let code = totp(secret.expose(), env.now_unix());
    assert!(
        c.respond_to_software_token_mfa_challenge(&code)
            .await
            .unwrap()
            .is_done()
    );
}

#[tokio::test]
async fn new_password_required() {
    let env = Env::default().await;
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::default()
                .username("nina".to_owned())
                .temporary_password(Some("Temp-passw0rd".to_owned())),
        )
        .unwrap();
    let mut c = env.cognito("nina");
    let step = c.authenticate("Temp-passw0rd").await.unwrap();
    assert!(
        matches!(step, AuthStep::NeedsNewPassword { .. }),
        "{step:?}"
    );
    // A new password that breaks the policy: refused with the policy's message, and the same
    // challenge waits for another one.
    let err = c
        .respond_to_new_password_challenge("short", BTreeMap::new())
        .await
        .unwrap_err();
    assert!(err.is("InvalidPasswordException"), "{err}");
    assert!(
        matches!(
            &err,
            PycognitoError::Rejected {
                rejection: pycognito::Rejection::PasswordRefused { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.next_action(), NextAction::FixInput);
    assert!(
        matches!(
            c.pending_challenge(),
            Some(AuthStep::NeedsNewPassword { .. })
        ),
        "the challenge still waits"
    );
    let step = c
        .respond_to_new_password_challenge("New-passw0rd1", BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(step, AuthStep::Done);
    let mut again = env.cognito("nina");
    assert!(again.authenticate("New-passw0rd1").await.unwrap().is_done());
}

#[tokio::test]
async fn new_password_challenge_helper() {
    let env = Env::default().await;
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::default()
                .username("ned".to_owned())
                .temporary_password(Some("Temp-passw0rd".to_owned())),
        )
        .unwrap();
    let mut c = env.cognito("ned");
    let step = c
        .new_password_challenge("Temp-passw0rd", "New-passw0rd1")
        .await
        .unwrap();
    assert_eq!(step, AuthStep::Done);
    assert!(c.access_token().is_some());
}

#[tokio::test]
async fn check_token_and_renew() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let first = c.access_token().unwrap().expose().to_owned();
    assert!(!c.check_token(false).await.unwrap());
    env.advance(Duration::from_secs(2 * 3600));
    assert!(c.check_token(false).await.unwrap());
    assert_eq!(c.access_token().unwrap().expose(), first);
    assert!(c.check_token(true).await.unwrap());
    assert_ne!(c.access_token().unwrap().expose(), first);
    assert!(!c.check_token(false).await.unwrap());
    c.verify_tokens().await.unwrap();
    c.renew_access_token().await.unwrap();
}

#[tokio::test]
async fn verify_tokens_rejects_expired_tokens() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    env.advance(Duration::from_secs(2 * 3600));
    let err = c.verify_tokens().await.unwrap_err();
    assert!(matches!(err, PycognitoError::Jwt(_)), "{err}");
}

#[tokio::test]
async fn logout_signs_out_everywhere() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let t = c.tokens().unwrap().clone();
    c.logout().await.unwrap();
    assert!(c.tokens().is_none());
    // The same tokens, kept elsewhere, no longer refresh: sign in again.
    let mut kept = env
        .builder("alice")
        .tokens(
            t.id_token.expose(),
            t.access_token.expose(),
            t.refresh_token,
        )
        .build()
        .unwrap();
    let err = kept.renew_access_token().await.unwrap_err();
    assert!(err.is("NotAuthorizedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    let err = kept.get_user(None).await.unwrap_err();
    assert_eq!(err.next_action(), NextAction::SignInAgain, "{err}");
}

#[tokio::test]
async fn tokens_from_elsewhere() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let t = c.tokens().unwrap().clone();
    let mut kept = env
        .builder("alice")
        .tokens(
            t.id_token.expose(),
            t.access_token.expose(),
            t.refresh_token,
        )
        .build()
        .unwrap();
    assert_eq!(
        kept.expires_at().unwrap().unix_timestamp(),
        t.expires_at.unix_timestamp()
    );
    kept.verify_tokens().await.unwrap();
    kept.renew_access_token().await.unwrap();
    assert_eq!(kept.get_user(None).await.unwrap().username, "alice");
}

#[tokio::test]
async fn email_can_be_the_preferred_mfa_method() {
    let pool = mfa_pool().email_mfa(true);
    let env = Env::start(pool, ClientSpec::confidential("app")).await;
    env.user("ema");
    let mut c = env.cognito("ema");
    assert!(c.authenticate(PASSWORD).await.unwrap().is_done());
    // Preferring a method that the flags leave disabled is refused before any call.
    let refused = c
        .set_user_mfa_preference(false, false, Some(pycognito::MfaMethod::Sms))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, pycognito::PycognitoError::InvalidArgument(_)),
        "{refused:?}"
    );
    c.set_user_mfa_preference(false, false, Some(pycognito::MfaMethod::Email))
        .await
        .unwrap();
    let user = c.get_user(None).await.unwrap();
    assert_eq!(
        user.metadata.preferred_mfa_setting.as_deref(),
        Some("EMAIL_OTP")
    );
    let step = c.authenticate(PASSWORD).await.unwrap();
    assert!(
        matches!(
            step,
            AuthStep::NeedsMfa {
                kind: CodeKind::EmailOtp,
                ..
            }
        ),
        "{step:?}"
    );
    let code = env.emu.latest_code(&env.pool_id, "ema").unwrap();
    assert!(
        c.respond_to_email_otp_challenge(&code)
            .await
            .unwrap()
            .is_done()
    );
}

#[tokio::test]
async fn the_session_store_keeps_the_user_between_runs() {
    let env = Env::default().await;
    env.user("alice");
    let dir = std::env::temp_dir().join(format!("facade-store-{}", std::process::id()));
    let path = dir.join("session.json");
    let store = || -> std::sync::Arc<dyn pycognito::SessionStore> {
        std::sync::Arc::new(pycognito::FileSessionStore::new(&path))
    };
    let mut c = env.builder("alice").session_store(store()).build().unwrap();
    c.authenticate(PASSWORD).await.unwrap();
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(stored.contains("\"version\": 1"), "{stored}");
    // A later run: no password, the stored session; expired meanwhile, it refreshes on use.
    env.advance(Duration::from_secs(2 * 3600));
    let mut later = env.builder("").session_store(store()).build().unwrap();
    assert!(later.restore_session().await.unwrap());
    assert_eq!(later.username(), Some("alice"));
    assert_eq!(later.get_user(None).await.unwrap().username, "alice");
    assert_eq!(later.session().unwrap().refresh_count(), 1);
    // Signing out forgets it.
    later.logout().await.unwrap();
    assert!(!path.exists());
    let mut third = env.builder("").session_store(store()).build().unwrap();
    assert!(!third.restore_session().await.unwrap());
    std::fs::remove_dir_all(dir).ok();
}
