//! cognito-auth's driver against the emulator: every flow, devices, refresh, self-service.

use cognito_auth::*;
use cognito_emulator::{ClientSpec, DeviceTracking, MfaConfig, PoolSpec, UserMfaSpec, UserSpec};
use pycognito_tests::Env;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const PW: &str = "Corr3ct-Horse!";

fn user(name: &str) -> UserSpec {
    UserSpec {
        username: name.into(),
        password: Some(PW.into()),
        attributes: BTreeMap::from([
            ("email".to_string(), format!("{name}@example.com")),
            ("email_verified".to_string(), "true".to_string()),
        ]),
        ..UserSpec::default()
    }
}

fn secret_client() -> ClientSpec {
    ClientSpec {
        name: "app".into(),
        generate_secret: true,
        ..ClientSpec::default()
    }
}

async fn signed_in(outcome: SignInOutcome) -> Session {
    match outcome {
        SignInOutcome::SignedIn(s) => *s,
        SignInOutcome::NeedsInput(p) => panic!("unexpected question {:?}", p.question()),
    }
}

fn pending(outcome: SignInOutcome) -> Box<PendingSignIn> {
    match outcome {
        SignInOutcome::NeedsInput(p) => p,
        SignInOutcome::SignedIn(_) => panic!("signed in without the expected question"),
    }
}

#[tokio::test]
async fn srp_sign_in_with_client_secret_and_email_alias() {
    let pool = PoolSpec {
        alias_attributes: vec!["email".into()],
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("alice")).unwrap();
    let auth = env.auth_builder().build().unwrap();

    // By alias: USERNAME is the email, USER_ID_FOR_SRP the real username; SECRET_HASH must use
    // each in its place.
    let session = signed_in(auth.sign_in("alice@example.com", PW).await.unwrap()).await;
    assert_eq!(session.username, "alice");
    assert_eq!(session.sign_in_name, "alice@example.com");
    let claims = unverified_claims(session.tokens.access_token.expose()).unwrap();
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["client_id"], env.client.client_id.as_str());

    let err = auth.sign_in("alice", "wrong-password").await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
    let err = auth.sign_in("nobody", PW).await.unwrap_err();
    assert!(
        matches!(
            err.service_code(),
            Some("UserNotFoundException" | "NotAuthorizedException")
        ),
        "{err}"
    );

    let me = auth.get_user(&session.tokens.access_token).await.unwrap();
    assert_eq!(me.username.expose(), "alice");
}

#[tokio::test]
async fn user_password_auth_flow() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("bob")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let cfg = auth.config("bob").password(PW).flow(Flow::UserPassword);
    let session = signed_in(auth.sign_in_with(cfg).await.unwrap()).await;
    assert!(session.tokens.refresh_token.is_some());
}

/// A deterministic random source whose clones share one state: (next byte, bytes handed out).
#[derive(Debug, Default, Clone)]
struct CountingRng(Arc<std::sync::Mutex<(u8, usize)>>);

impl srp_core::RandomSource for CountingRng {
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), srp_core::SrpError> {
        let mut state = self.0.lock().unwrap();
        for b in dest.iter_mut() {
            state.0 = state.0.wrapping_mul(31).wrapping_add(7);
            *b = state.0;
        }
        state.1 += dest.len();
        Ok(())
    }
}

/// A source that always fails.
#[derive(Debug)]
struct BrokenRng;

impl srp_core::RandomSource for BrokenRng {
    fn fill_random(&self, _: &mut [u8]) -> Result<(), srp_core::SrpError> {
        Err(srp_core::SrpError::Rng)
    }
}

/// The driver draws its randomness from the injected source (as it reads the injected clock):
/// an SRP sign-in with a deterministic source succeeds and drew from it; a failing source fails
/// the sign-in before anything is sent.
#[tokio::test]
async fn the_driver_draws_from_the_injected_rng() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("rita")).unwrap();
    let rng = CountingRng::default();
    let auth = env.auth_builder().rng(rng.clone()).build().unwrap();
    signed_in(auth.sign_in("rita", PW).await.unwrap()).await;
    assert!(
        rng.0.lock().unwrap().1 >= 128,
        "the SRP ephemeral came from the injected source"
    );

    env.emu.reset_stats();
    let broken = env.auth_builder().rng(BrokenRng).build().unwrap();
    assert!(broken.sign_in("rita", PW).await.is_err());
    assert_eq!(
        env.emu.stats().total_received(),
        0,
        "nothing was sent without randomness"
    );
}

fn totp_user(name: &str, secret: &str) -> UserSpec {
    UserSpec {
        mfa: UserMfaSpec {
            totp_secret: Some(secret.into()),
            preferred: Some("SOFTWARE_TOKEN_MFA".into()),
            ..Default::default()
        },
        ..user(name)
    }
}

const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[tokio::test]
async fn totp_mfa_after_password_and_code_reuse_refused() {
    let pool = PoolSpec {
        mfa: MfaConfig::Optional,
        software_token_mfa: true,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    env.emu
        .create_user(&env.pool_id, totp_user("carol", TOTP_SECRET))
        .unwrap();
    let auth = env.auth_builder().build().unwrap();

    let p = pending(auth.sign_in("carol", PW).await.unwrap());
    assert!(matches!(
        p.question(),
        Question::Code {
            kind: CodeKind::SoftwareTokenMfa,
            ..
        }
    ));
    let code = env.totp_now(TOTP_SECRET);
    signed_in(p.answer(Answer::Code(code.as_str().into())).await.unwrap()).await;

    // The same code again is refused (not reusable), and a wrong code too.
    let p = pending(auth.sign_in("carol", PW).await.unwrap());
    let err = p
        .answer(Answer::Code(code.as_str().into()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.service_code(),
            Some("CodeMismatchException" | "ExpiredCodeException")
        ),
        "{err}"
    );
    // A wrong code does not end the sign-in: the same question comes back with the reason, and
    // the next (right) code on the same challenge session signs in.
    let p = pending(auth.sign_in("carol", PW).await.unwrap());
    assert!(p.rejected().is_none());
    let again = pending(p.answer(Answer::Code("000000".into())).await.unwrap());
    assert_eq!(
        again.rejected().and_then(|e| e.service_code()),
        Some("CodeMismatchException")
    );
    assert!(matches!(
        again.question(),
        Question::Code {
            kind: CodeKind::SoftwareTokenMfa,
            ..
        }
    ));
    env.advance(std::time::Duration::from_secs(30)); // a fresh TOTP step
    let code = env.totp_now(TOTP_SECRET);
    signed_in(
        again
            .answer(Answer::Code(code.as_str().into()))
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test]
async fn three_wrong_codes_end_the_sign_in() {
    let pool = PoolSpec {
        mfa: MfaConfig::On,
        software_token_mfa: true,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    env.emu
        .create_user(&env.pool_id, totp_user("cleo", TOTP_SECRET))
        .unwrap();
    let auth = env.auth_builder().build().unwrap();
    let right = env.totp_now(TOTP_SECRET);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let mut p = pending(auth.sign_in("cleo", PW).await.unwrap());
    for _ in 0..3 {
        p = pending(p.answer(Answer::Code(wrong.into())).await.unwrap());
        assert_eq!(
            p.rejected().and_then(|e| e.service_code()),
            Some("CodeMismatchException")
        );
    }
    // Cognito allows three tries per challenge session: the fourth answer, even right, finds
    // the session gone.
    let err = p
        .answer(Answer::Code(right.as_str().into()))
        .await
        .unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
}

#[tokio::test]
async fn sms_mfa_with_the_code_from_the_outbox() {
    let pool = PoolSpec {
        mfa: MfaConfig::On,
        sms_mfa: true,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    let mut u = user("dave");
    u.attributes
        .insert("phone_number".into(), "+15555550100".into());
    u.attributes
        .insert("phone_number_verified".into(), "true".into());
    u.mfa = UserMfaSpec {
        sms: true,
        preferred: Some("SMS_MFA".into()),
        ..Default::default()
    };
    env.emu.create_user(&env.pool_id, u).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let p = pending(auth.sign_in("dave", PW).await.unwrap());
    let Question::Code {
        kind: CodeKind::SmsMfa,
        destination,
        ..
    } = p.question()
    else {
        panic!("{:?}", p.question())
    };
    assert!(
        destination.as_deref().is_some_and(|d| d.ends_with("0100")),
        "{destination:?}"
    );
    let code = env
        .emu
        .latest_code(&env.pool_id, "dave")
        .expect("an SMS code in the outbox");
    signed_in(p.answer(Answer::Code(code.as_str().into())).await.unwrap()).await;
}

#[tokio::test]
async fn remembered_device_skips_mfa_and_refreshes_with_device_key() {
    let pool = PoolSpec {
        mfa: MfaConfig::Optional,
        software_token_mfa: true,
        device_tracking: DeviceTracking::Always,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    env.emu
        .create_user(&env.pool_id, totp_user("erin", TOTP_SECRET))
        .unwrap();
    let store = Arc::new(MemoryDeviceStore::default());
    let auth = env
        .auth_builder()
        .device_store(store.clone())
        .device_policy(DevicePolicy::Remember)
        .build()
        .unwrap();

    let p = pending(auth.sign_in("erin", PW).await.unwrap());
    let first = signed_in(
        p.answer(Answer::Code(env.totp_now(TOTP_SECRET).as_str().into()))
            .await
            .unwrap(),
    )
    .await;
    let device = first
        .device
        .clone()
        .expect("a new device was confirmed and remembered");
    let key = DeviceKeyRef {
        pool_id: env.pool_id.clone(),
        client_id: env.client.client_id.clone(),
        username: "erin".into(),
    };
    assert_eq!(
        store
            .get(&key)
            .unwrap()
            .as_ref()
            .map(|d| d.device_key.clone()),
        Some(device.device_key.clone())
    );
    let listed = auth.list_devices(&first.tokens.access_token).await.unwrap();
    assert!(
        listed
            .iter()
            .any(|d| d.device_key.as_deref() == Some(device.device_key.as_str()))
    );

    // Second sign-in: device SRP, no MFA question.
    env.advance(Duration::from_secs(31));
    let second = signed_in(auth.sign_in("erin", PW).await.unwrap()).await;
    assert_eq!(
        second.device.as_ref().map(|d| d.device_key.as_str()),
        Some(device.device_key.as_str())
    );
    let claims = unverified_claims(second.tokens.access_token.expose()).unwrap();
    assert_eq!(
        claims.get("device_key").and_then(|v| v.as_str()),
        Some(device.device_key.as_str())
    );

    // Choice-based sign-in (USER_AUTH) names the device in InitiateAuth too: device SRP, no
    // MFA question, with either password first factor.
    for first in [FirstFactor::PasswordSrp, FirstFactor::Password] {
        env.advance(Duration::from_secs(31));
        env.emu.reset_stats();
        let cfg = auth.config("erin").password(PW).flow(Flow::UserAuth {
            preferred: Some(first),
        });
        let by_choice = signed_in(auth.sign_in_with(cfg).await.unwrap()).await;
        let claims = unverified_claims(by_choice.tokens.access_token.expose()).unwrap();
        assert_eq!(
            claims.get("device_key").and_then(|v| v.as_str()),
            Some(device.device_key.as_str()),
            "{first:?}"
        );
        // InitiateAuth, the first factor's answer (SRP only), then DEVICE_SRP_AUTH and
        // DEVICE_PASSWORD_VERIFIER.
        let expected = if first == FirstFactor::PasswordSrp {
            3
        } else {
            2
        };
        assert_eq!(
            env.emu.stats().get("RespondToAuthChallenge").received,
            expected,
            "{first:?}"
        );
    }

    // Refresh with DEVICE_KEY and the token's username in SECRET_HASH.
    env.advance(Duration::from_secs(120));
    let refreshed = auth.refresh(&second).await.unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        second.tokens.access_token.expose()
    );
    assert_eq!(
        refreshed.refresh_token.as_ref().map(|t| t.expose()),
        second.tokens.refresh_token.as_ref().map(|t| t.expose())
    );
}

#[tokio::test]
async fn a_forgotten_device_is_purged_and_the_sign_in_retried_without_it() {
    let pool = PoolSpec {
        device_tracking: DeviceTracking::Always,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("frank")).unwrap();
    let store = Arc::new(MemoryDeviceStore::default());
    let auth = env
        .auth_builder()
        .device_store(store.clone())
        .device_policy(DevicePolicy::Remember)
        .build()
        .unwrap();
    let first = signed_in(auth.sign_in("frank", PW).await.unwrap()).await;
    let old = first.device.clone().unwrap();
    // Forget it on the server only (the local store still has it).
    auth.forget_device(&first.tokens.access_token, &old.device_key, None)
        .await
        .unwrap();
    let second = signed_in(auth.sign_in("frank", PW).await.unwrap()).await;
    let key = DeviceKeyRef {
        pool_id: env.pool_id.clone(),
        client_id: env.client.client_id.clone(),
        username: "frank".into(),
    };
    let stored = store.get(&key).unwrap().unwrap();
    assert_ne!(
        stored.device_key, old.device_key,
        "the stale device was purged and a new one confirmed"
    );
    assert_eq!(second.device.map(|d| d.device_key), Some(stored.device_key));
}

#[tokio::test]
async fn rotation_replaces_the_refresh_token_and_reuse_is_refused() {
    let client = ClientSpec {
        refresh_token_rotation: Some(10),
        ..secret_client()
    };
    let env = Env::start(PoolSpec::default(), client).await;
    env.emu.create_user(&env.pool_id, user("gina")).unwrap();
    let auth = env
        .auth_builder()
        .refresh_mode(RefreshMode::Rotation)
        .build()
        .unwrap();
    let session = signed_in(auth.sign_in("gina", PW).await.unwrap()).await;
    let rotated = auth.refresh(&session).await.unwrap();
    let old = session.tokens.refresh_token.clone().unwrap();
    let new = rotated.refresh_token.clone().unwrap();
    assert_ne!(
        old.expose(),
        new.expose(),
        "rotation issues a new refresh token"
    );
    // After the grace period the old one is refused with RefreshTokenReuseException.
    env.advance(Duration::from_secs(60));
    let err = auth.refresh(&session).await.unwrap_err();
    assert_eq!(
        err.service_code(),
        Some("RefreshTokenReuseException"),
        "{err}"
    );
    let again = Session {
        tokens: rotated,
        ..session
    };
    auth.refresh(&again).await.unwrap();
}

#[tokio::test]
async fn a_hundred_concurrent_callers_share_one_refresh() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("hank")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let session = signed_in(auth.sign_in("hank", PW).await.unwrap()).await;
    let persisted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = persisted.clone();
    let provider = Arc::new(
        TokenProvider::new(auth.clone(), session.clone()).on_refresh(Arc::new(
            move |_s: &Session| {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            },
        )),
    );
    assert_eq!(
        provider.access_token().await.unwrap().expose(),
        session.tokens.access_token.expose(),
        "fresh: no refresh"
    );
    env.advance(Duration::from_secs(3600 - 60)); // inside the 5-minute margin
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let p = provider.clone();
            tokio::spawn(async move { p.access_token().await.map(|t| t.expose().to_owned()) })
        })
        .collect();
    let mut tokens = std::collections::BTreeSet::new();
    for t in tasks {
        tokens.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(tokens.len(), 1, "everyone got the same refreshed token");
    assert!(!tokens.contains(session.tokens.access_token.expose()));
    assert_eq!(provider.refresh_count(), 1, "one refresh for 100 callers");
    assert_eq!(
        persisted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the persist hook ran once"
    );
}

#[tokio::test]
async fn provider_signs_in_again_when_the_refresh_token_is_revoked() {
    let client = ClientSpec {
        enable_token_revocation: true,
        ..secret_client()
    };
    let env = Env::start(PoolSpec::default(), client).await;
    env.emu.create_user(&env.pool_id, user("ivy")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let session = signed_in(auth.sign_in("ivy", PW).await.unwrap()).await;
    auth.revoke_token(session.tokens.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    let err = auth.refresh(&session).await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
    let provider =
        TokenProvider::new(auth.clone(), session.clone()).reauthenticate_with(Arc::new(|| {
            Box::pin(async { Some(srp_core::Password::new(PW)) })
        }));
    let renewed = provider.force_refresh().await.unwrap();
    assert_ne!(
        renewed.tokens.refresh_token.as_ref().unwrap().expose(),
        session.tokens.refresh_token.as_ref().unwrap().expose()
    );
}

#[tokio::test]
async fn new_password_required_then_signed_in() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    let u = UserSpec {
        password: None,
        temporary_password: Some("Temp-Pass1!".into()),
        ..user("jill")
    };
    env.emu.create_user(&env.pool_id, u).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let p = pending(auth.sign_in("jill", "Temp-Pass1!").await.unwrap());
    assert!(
        matches!(p.question(), Question::NewPassword { .. }),
        "{:?}",
        p.question()
    );
    let answer = Answer::NewPassword {
        password: srp_core::Password::new("N3w-Passw0rd!"),
        attributes: BTreeMap::new(),
    };
    signed_in(p.answer(answer).await.unwrap()).await;
    signed_in(auth.sign_in("jill", "N3w-Passw0rd!").await.unwrap()).await;
}

#[tokio::test]
async fn mfa_setup_during_sign_in() {
    let pool = PoolSpec {
        mfa: MfaConfig::On,
        software_token_mfa: true,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("kim")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let p = pending(auth.sign_in("kim", PW).await.unwrap());
    assert!(
        matches!(p.question(), Question::SetUpMfa { .. }),
        "{:?}",
        p.question()
    );
    let p = pending(p.answer(Answer::SetUpTotp).await.unwrap());
    let Question::TotpSecret { secret } = p.question() else {
        panic!("{:?}", p.question())
    };
    let secret = secret.expose().to_owned();
    let code = env.totp_now(&secret);
    signed_in(p.answer(Answer::Code(code.as_str().into())).await.unwrap()).await;
    // From now on, TOTP is asked at sign-in.
    env.advance(Duration::from_secs(31));
    let p = pending(auth.sign_in("kim", PW).await.unwrap());
    assert!(matches!(
        p.question(),
        Question::Code {
            kind: CodeKind::SoftwareTokenMfa,
            ..
        }
    ));
    signed_in(
        p.answer(Answer::Code(env.totp_now(&secret).as_str().into()))
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test]
async fn self_service_account_journey() {
    let pool = PoolSpec {
        auto_verified_attributes: vec!["email".into()],
        mfa: MfaConfig::Optional,
        software_token_mfa: true,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    let auth = env.auth_builder().build().unwrap();
    let attrs = BTreeMap::from([("email".to_string(), "lee@example.com".to_string())]);
    let resp = auth.sign_up("lee", PW, &attrs).await.unwrap();
    assert!(!resp.user_confirmed);
    let err = auth.sign_in("lee", PW).await.unwrap_err();
    assert_eq!(
        err.service_code(),
        Some("UserNotConfirmedException"),
        "{err}"
    );
    auth.resend_confirmation_code("lee").await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "lee").unwrap();
    let err = auth.confirm_sign_up("lee", "000000").await.unwrap_err();
    assert_eq!(err.service_code(), Some("CodeMismatchException"), "{err}");
    auth.confirm_sign_up("lee", &code).await.unwrap();
    let session = signed_in(auth.sign_in("lee", PW).await.unwrap()).await;
    let token = session.tokens.access_token.clone();

    auth.change_password(&token, PW, "An0ther-Pass!")
        .await
        .unwrap();
    signed_in(auth.sign_in("lee", "An0ther-Pass!").await.unwrap()).await;

    auth.forgot_password("lee").await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "lee").unwrap();
    auth.confirm_forgot_password("lee", &code, "Th1rd-Pass!")
        .await
        .unwrap();
    let session = signed_in(auth.sign_in("lee", "Th1rd-Pass!").await.unwrap()).await;
    let token = session.tokens.access_token.clone();

    let update = BTreeMap::from([("name".to_string(), "Lee".to_string())]);
    auth.update_user_attributes(&token, &update).await.unwrap();
    let me = auth.get_user(&token).await.unwrap();
    let name = me
        .user_attributes
        .iter()
        .find(|a| a.name == "name")
        .and_then(|a| a.value.clone());
    assert_eq!(name.map(|v| v.expose().to_owned()), Some("Lee".to_string()));
    auth.delete_user_attributes(&token, &["name"])
        .await
        .unwrap();

    auth.get_user_attribute_verification_code(&token, "email")
        .await
        .unwrap();
    let code = env.emu.latest_code(&env.pool_id, "lee").unwrap();
    auth.verify_user_attribute(&token, "email", &code)
        .await
        .unwrap();

    // TOTP as a signed-in user, then the MFA preference.
    let secret = auth.associate_software_token(&token).await.unwrap();
    assert!(
        auth.verify_software_token(&token, &env.totp_now(secret.expose()), Some("phone"))
            .await
            .unwrap()
    );
    auth.set_mfa_preference(
        &token,
        MfaPreference {
            totp: Some(MfaSetting::enabled(true)),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // Global sign-out: the refresh token stops working.
    auth.global_sign_out(&token).await.unwrap();
    let err = auth.refresh(&session).await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");

    let session = pending(auth.sign_in("lee", "Th1rd-Pass!").await.unwrap());
    env.advance(Duration::from_secs(31));
    let session = signed_in(
        session
            .answer(Answer::Code(env.totp_now(secret.expose()).as_str().into()))
            .await
            .unwrap(),
    )
    .await;
    auth.delete_user(&session.tokens.access_token)
        .await
        .unwrap();
    let err = auth.sign_in("lee", "Th1rd-Pass!").await.unwrap_err();
    assert!(
        matches!(
            err.service_code(),
            Some("UserNotFoundException" | "NotAuthorizedException")
        ),
        "{err}"
    );
}

async fn answer_custom_until_signed_in(
    env: &Env,
    mut outcome: SignInOutcome,
    user: &str,
) -> Session {
    for _ in 0..4 {
        let p = match outcome {
            SignInOutcome::SignedIn(s) => return *s,
            SignInOutcome::NeedsInput(p) => p,
        };
        let Question::Custom { parameters } = p.question() else {
            panic!("{:?}", p.question())
        };
        assert!(
            parameters.contains_key("CODE_DELIVERY_DESTINATION"),
            "{parameters:?}"
        );
        let code = env
            .emu
            .latest_code(&env.pool_id, user)
            .expect("the custom challenge's code");
        outcome = p
            .answer(Answer::Custom(code.as_str().into()))
            .await
            .unwrap();
    }
    panic!("too many custom challenges")
}

#[tokio::test]
async fn custom_auth_with_and_without_srp() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("mona")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let cfg = auth.config("mona").flow(Flow::Custom { srp: false });
    let outcome = auth.sign_in_with(cfg).await.unwrap();
    answer_custom_until_signed_in(&env, outcome, "mona").await;

    // With SRP_A first: the password is proven by SRP, then the custom challenge.
    let cfg = auth
        .config("mona")
        .password(PW)
        .flow(Flow::Custom { srp: true });
    let outcome = auth.sign_in_with(cfg).await.unwrap();
    answer_custom_until_signed_in(&env, outcome, "mona").await;

    // A wrong answer is refused.
    let cfg = auth.config("mona").flow(Flow::Custom { srp: false });
    let p = pending(auth.sign_in_with(cfg).await.unwrap());
    let err = p
        .answer(Answer::Custom("not-the-code".into()))
        .await
        .unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
}

#[tokio::test]
async fn user_auth_choice_based_sign_in() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("nina")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let with = |first: Option<FirstFactor>| {
        auth.config("nina")
            .password(PW)
            .flow(Flow::UserAuth { preferred: first })
    };

    signed_in(
        auth.sign_in_with(with(Some(FirstFactor::Password)))
            .await
            .unwrap(),
    )
    .await;
    signed_in(
        auth.sign_in_with(with(Some(FirstFactor::PasswordSrp)))
            .await
            .unwrap(),
    )
    .await;

    // Passwordless: EMAIL_OTP with the code from the outbox.
    let p = pending(
        auth.sign_in_with(with(Some(FirstFactor::EmailOtp)))
            .await
            .unwrap(),
    );
    assert!(
        matches!(
            p.question(),
            Question::Code {
                kind: CodeKind::EmailOtp,
                ..
            }
        ),
        "{:?}",
        p.question()
    );
    let code = env.emu.latest_code(&env.pool_id, "nina").unwrap();
    signed_in(p.answer(Answer::Code(code.as_str().into())).await.unwrap()).await;

    // No preference: SELECT_CHALLENGE, then the chosen factor.
    let p = pending(auth.sign_in_with(with(None)).await.unwrap());
    let Question::ChooseFirstFactor { options } = p.question() else {
        panic!("{:?}", p.question())
    };
    assert!(
        options.contains(&cognito_wire::ChallengeNameType::PasswordSrp),
        "{options:?}"
    );
    signed_in(
        p.answer(Answer::FirstFactor(FirstFactor::PasswordSrp))
            .await
            .unwrap(),
    )
    .await;
    let p = pending(auth.sign_in_with(with(None)).await.unwrap());
    signed_in(
        p.answer(Answer::FirstFactor(FirstFactor::Password))
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test]
async fn refresh_with_device_tracking_when_the_device_is_not_remembered() {
    let pool = PoolSpec {
        device_tracking: DeviceTracking::Always,
        ..PoolSpec::default()
    };
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("olga")).unwrap();
    let auth = env
        .auth_builder()
        .device_policy(DevicePolicy::Never)
        .build()
        .unwrap();
    let session = signed_in(auth.sign_in("olga", PW).await.unwrap()).await;
    assert!(session.device.is_none());
    assert!(session.new_device.is_some(), "the offered device is kept");
    // The refresh token is bound to the offered device: the refresh sends its key.
    auth.refresh(&session).await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_emulator_state_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("emu-state-mode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let config = cognito_emulator::EmulatorConfig {
        state_file: Some(file.clone()),
        ..Default::default()
    };
    let emu = cognito_emulator::Emulator::start(config).await.unwrap();
    emu.create_pool(PoolSpec::default()).unwrap();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the state holds private keys and verifiers"
    );
    emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
