//! cognito-auth's driver against the emulator: every flow, devices, refresh, self-service.

use cognito_auth::*;
use cognito_emulator::{ClientSpec, DeviceTracking, MfaConfig, PoolSpec, UserMfaSpec, UserSpec};
use pycognito_tests::Env;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const PW: &str = "Corr3ct-Horse!";

fn user(name: &str) -> UserSpec {
    UserSpec::default()
        .username(name.into())
        .password(Some(PW.into()))
        .attributes(BTreeMap::from([
            ("email".to_string(), format!("{name}@example.com")),
            ("email_verified".to_string(), "true".to_string()),
        ]))
}

fn secret_client() -> ClientSpec {
    ClientSpec::default()
        .name("app".into())
        .generate_secret(true)
}

async fn signed_in(outcome: SignInOutcome) -> Session {
    match outcome {
        SignInOutcome::SignedIn(s) => s,
        SignInOutcome::NeedsInput(p) => panic!("unexpected question {:?}", p.question()),
        other => panic!("an outcome this test does not know: {other:?}"),
    }
}

fn pending(outcome: SignInOutcome) -> Box<PendingSignIn> {
    match outcome {
        SignInOutcome::NeedsInput(p) => p,
        other => panic!("expected a question, got {other:?}"),
    }
}

#[tokio::test]
async fn srp_sign_in_with_client_secret_and_email_alias() {
    let pool = PoolSpec::default().alias_attributes(vec!["email".into()]);
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("alice")).unwrap();
    let auth = env.auth_builder().build().unwrap();

    // By alias: USERNAME is the email, USER_ID_FOR_SRP the real username; SECRET_HASH must use
    // each in its place.
    let session = signed_in(auth.sign_in("alice@example.com", PW).await.unwrap()).await;
    assert_eq!(session.username(), "alice");
    assert_eq!(session.sign_in_name(), "alice@example.com");
    let claims = unverified_claims(session.tokens().access_token.expose()).unwrap();
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["client_id"], env.client.client_id.as_str());

    let err = auth.sign_in("alice", "wrong-password").await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    let err = auth.sign_in("nobody", PW).await.unwrap_err();
    assert!(
        matches!(
            err.service_code(),
            Some("UserNotFoundException" | "NotAuthorizedException")
        ),
        "{err}"
    );

    let me = session.get_user().await.unwrap();
    assert_eq!(me.username.expose(), "alice");
}

#[tokio::test]
async fn user_password_auth_flow() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("bob")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let cfg = auth.config("bob").password(PW).flow(Flow::UserPassword);
    let session = signed_in(auth.sign_in_with(cfg).await.unwrap()).await;
    assert!(session.tokens().refresh_token.is_some());
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
    user(name).mfa(
        UserMfaSpec::default()
            .totp_secret(Some(secret.into()))
            .preferred(Some("SOFTWARE_TOKEN_MFA".into())),
    )
}

const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[tokio::test]
async fn totp_mfa_after_password_and_code_reuse_refused() {
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true);
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

    // The same code again is refused (not reusable): the question comes back, saying why.
    let p = pending(auth.sign_in("carol", PW).await.unwrap());
    let reused = pending(p.answer(Answer::Code(code.as_str().into())).await.unwrap());
    assert_eq!(reused.rejection(), Some(&Rejection::CodeAlreadyUsed));
    assert_eq!(
        reused.rejected().and_then(|e| e.service_code()),
        Some("ExpiredCodeException")
    );
    // A wrong code does not end the sign-in either: the same question comes back with the
    // reason, and the next (right) code on the same challenge session signs in.
    let p = pending(auth.sign_in("carol", PW).await.unwrap());
    assert!(p.rejected().is_none());
    assert!(p.rejection().is_none());
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let again = pending(p.answer(Answer::Code(wrong.into())).await.unwrap());
    assert_eq!(again.rejection(), Some(&Rejection::WrongCode));
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
    let pool = PoolSpec::default()
        .mfa(MfaConfig::On)
        .software_token_mfa(true);
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
        assert_eq!(p.rejection(), Some(&Rejection::WrongCode));
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
    assert_eq!(err.next_action(), NextAction::SignInAgain);
}

#[tokio::test]
async fn sms_mfa_with_the_code_from_the_outbox() {
    let pool = PoolSpec::default().mfa(MfaConfig::On).sms_mfa(true);
    let env = Env::start(pool, secret_client()).await;
    let mut u = user("dave");
    u.attributes
        .insert("phone_number".into(), "+15555550100".into());
    u.attributes
        .insert("phone_number_verified".into(), "true".into());
    u.mfa = UserMfaSpec::default()
        .sms(true)
        .preferred(Some("SMS_MFA".into()));
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
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true)
        .device_tracking(DeviceTracking::Always);
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
        .device()
        .expect("a new device was confirmed and remembered");
    assert!(
        first.new_device().is_none(),
        "remembered at once: nothing left to decide"
    );
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
    let listed = first.list_devices().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|d| d.device_key.as_deref() == Some(device.device_key.as_str()))
    );

    // Second sign-in: device SRP, no MFA question.
    env.advance(Duration::from_secs(31));
    let second = signed_in(auth.sign_in("erin", PW).await.unwrap()).await;
    assert_eq!(
        second.device().map(|d| d.device_key),
        Some(device.device_key.clone())
    );
    let claims = unverified_claims(second.tokens().access_token.expose()).unwrap();
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
        let claims = unverified_claims(by_choice.tokens().access_token.expose()).unwrap();
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
    let before = second.tokens();
    let refreshed = second.refresh().await.unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        before.access_token.expose()
    );
    assert_eq!(
        refreshed.refresh_token.as_ref().map(|t| t.expose()),
        before.refresh_token.as_ref().map(|t| t.expose())
    );
    let claims = unverified_claims(refreshed.access_token.expose()).unwrap();
    assert_eq!(
        claims.get("device_key").and_then(|v| v.as_str()),
        Some(device.device_key.as_str())
    );
    assert_eq!(second.refresh_count(), 1);
}

#[tokio::test]
async fn a_forgotten_device_is_purged_and_the_sign_in_retried_without_it() {
    let pool = PoolSpec::default().device_tracking(DeviceTracking::Always);
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
    let old = first.device().unwrap();
    // Forget it on the server only, with a bare ForgetDevice (Session::forget_device would drop
    // it from the store too): the local store still has it, as another process's store would.
    let forget = cognito_wire::ForgetDeviceRequest::builder()
        .access_token(first.access_token().await.unwrap())
        .device_key(old.device_key.clone())
        .build()
        .unwrap();
    auth.wire()
        .call::<cognito_wire::op::ForgetDevice>(&forget)
        .await
        .unwrap();
    env.emu.reset_stats();
    let second = signed_in(auth.sign_in("frank", PW).await.unwrap()).await;
    assert_eq!(
        env.emu.stats().get("InitiateAuth").received,
        2,
        "signed in again once, without the device"
    );
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
    assert_eq!(
        second.device().map(|d| d.device_key),
        Some(stored.device_key)
    );
}

#[tokio::test]
async fn rotation_replaces_the_refresh_token_and_reuse_is_refused() {
    let client = secret_client().refresh_token_rotation(Some(10));
    let env = Env::start(PoolSpec::default(), client).await;
    env.emu.create_user(&env.pool_id, user("gina")).unwrap();
    let auth = env
        .auth_builder()
        .refresh_mode(RefreshMode::Rotation)
        .build()
        .unwrap();
    let session = signed_in(auth.sign_in("gina", PW).await.unwrap()).await;
    let old = session.tokens().refresh_token.unwrap();
    let rotated = session.refresh().await.unwrap();
    let new = rotated.refresh_token.clone().unwrap();
    assert_ne!(
        old.expose(),
        new.expose(),
        "rotation issues a new refresh token"
    );
    assert_eq!(
        session
            .tokens()
            .refresh_token
            .map(|t| t.expose().to_owned()),
        Some(new.expose().to_owned()),
        "the session keeps the rotated token"
    );
    // After the grace period the old one is refused with RefreshTokenReuseException: a session
    // that still holds it (a copy taken before the rotation) cannot refresh.
    env.advance(Duration::from_secs(60));
    let mut stale = session.state();
    stale.tokens.refresh_token = Some(old);
    let err = auth.session(stale).refresh().await.unwrap_err();
    assert_eq!(
        err.service_code(),
        Some("RefreshTokenReuseException"),
        "{err}"
    );
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    // The session itself refreshes with the rotated token, and rotates again.
    let again = session.refresh().await.unwrap();
    assert_ne!(
        again.refresh_token.unwrap().expose(),
        new.expose(),
        "each refresh rotates"
    );
}

/// A session store that counts its saves.
#[derive(Debug, Default)]
struct CountingStore {
    kept: MemorySessionStore,
    saves: std::sync::atomic::AtomicUsize,
}

impl SessionStore for CountingStore {
    fn load(&self) -> Result<Option<SessionState>, SessionStoreError> {
        self.kept.load()
    }

    fn save(&self, state: &SessionState) -> Result<(), SessionStoreError> {
        self.saves.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.kept.save(state)
    }

    fn clear(&self) -> Result<(), SessionStoreError> {
        self.kept.clear()
    }
}

#[tokio::test]
async fn a_hundred_concurrent_callers_share_one_refresh() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("hank")).unwrap();
    let store = Arc::new(CountingStore::default());
    let auth = env
        .auth_builder()
        .session_store(store.clone())
        .build()
        .unwrap();
    let session = signed_in(auth.sign_in("hank", PW).await.unwrap()).await;
    let signed_in_with = session.tokens().access_token;
    let saves = || store.saves.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(saves(), 1, "the sign-in saved the session");
    assert_eq!(
        session.access_token().await.unwrap().expose(),
        signed_in_with.expose(),
        "fresh: no refresh"
    );
    assert_eq!(session.refresh_count(), 0);
    env.emu.reset_stats();
    env.advance(Duration::from_secs(3600 - 60)); // inside the 5-minute margin
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.access_token().await.map(|t| t.expose().to_owned()) })
        })
        .collect();
    let mut tokens = std::collections::BTreeSet::new();
    for t in tasks {
        tokens.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(tokens.len(), 1, "everyone got the same refreshed token");
    assert!(!tokens.contains(signed_in_with.expose()));
    assert_eq!(session.refresh_count(), 1, "one refresh for 100 callers");
    assert_eq!(
        env.emu.stats().get("InitiateAuth").received,
        1,
        "one REFRESH_TOKEN_AUTH reached Cognito"
    );
    assert_eq!(saves(), 2, "the refreshed session was saved once");
    assert_eq!(
        store
            .load()
            .unwrap()
            .map(|s| s.tokens.access_token.expose().to_owned()),
        tokens.into_iter().next(),
        "the store holds the refreshed tokens"
    );
}

#[tokio::test]
async fn a_session_signs_in_again_when_its_refresh_token_is_revoked() {
    let client = secret_client().enable_token_revocation(true);
    let env = Env::start(PoolSpec::default(), client).await;
    env.emu.create_user(&env.pool_id, user("ivy")).unwrap();
    let store = Arc::new(MemorySessionStore::default());
    let auth = env
        .auth_builder()
        .session_store(store.clone())
        .build()
        .unwrap();
    let session = signed_in(auth.sign_in("ivy", PW).await.unwrap()).await;
    let revoked = session.tokens().refresh_token.unwrap();
    session.revoke().await.unwrap();
    assert!(
        store.load().unwrap().is_none(),
        "revocation forgets the stored session"
    );
    // Without a password source, a refresh with the revoked token fails.
    let err = session.refresh().await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    // With one, the session signs in again.
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    session.reauthenticate_with(Arc::new(
        move || -> cognito_wire::BoxFuture<'static, Option<srp_core::Password>> {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { Some(srp_core::Password::new(PW)) })
        },
    ));
    let renewed = session.refresh().await.unwrap();
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    let renewed_refresh = renewed.refresh_token.unwrap();
    assert_ne!(renewed_refresh.expose(), revoked.expose());
    assert_eq!(session.refresh_count(), 1);
    assert_eq!(session.get_user().await.unwrap().username.expose(), "ivy");
    assert_eq!(
        store
            .load()
            .unwrap()
            .and_then(|s| s.tokens.refresh_token)
            .map(|t| t.expose().to_owned()),
        Some(renewed_refresh.expose().to_owned()),
        "the new sign-in is saved"
    );
}

#[tokio::test]
async fn new_password_required_then_signed_in() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    let u = user("jill")
        .password(None)
        .temporary_password(Some("Temp-Pass1!".into()));
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
    let pool = PoolSpec::default()
        .mfa(MfaConfig::On)
        .software_token_mfa(true);
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
    let pool = PoolSpec::default()
        .auto_verified_attributes(vec!["email".into()])
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true);
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

    session.change_password(PW, "An0ther-Pass!").await.unwrap();
    signed_in(auth.sign_in("lee", "An0ther-Pass!").await.unwrap()).await;

    auth.forgot_password("lee").await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "lee").unwrap();
    auth.confirm_forgot_password("lee", &code, "Th1rd-Pass!")
        .await
        .unwrap();
    let session = signed_in(auth.sign_in("lee", "Th1rd-Pass!").await.unwrap()).await;

    let update = BTreeMap::from([("name".to_string(), "Lee".to_string())]);
    session.update_user_attributes(&update).await.unwrap();
    let name = |me: &cognito_wire::GetUserResponse| {
        me.user_attributes
            .iter()
            .find(|a| a.name == "name")
            .and_then(|a| a.value.as_ref())
            .map(|v| v.expose().to_owned())
    };
    let me = session.get_user().await.unwrap();
    assert_eq!(name(&me), Some("Lee".to_string()));
    session.delete_user_attributes(&["name"]).await.unwrap();
    assert_eq!(name(&session.get_user().await.unwrap()), None);

    session
        .get_user_attribute_verification_code("email")
        .await
        .unwrap();
    let code = env.emu.latest_code(&env.pool_id, "lee").unwrap();
    session.verify_user_attribute("email", &code).await.unwrap();

    // TOTP as a signed-in user (a wrong first code is refused, the secret stays), then the MFA
    // preference.
    let secret = session.associate_software_token().await.unwrap();
    let right = env.totp_now(secret.expose());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let err = session
        .verify_software_token(&wrong.into(), Some("phone"))
        .await
        .unwrap_err();
    assert_eq!(err.next_action(), NextAction::FixInput, "{err}");
    session
        .verify_software_token(&right.as_str().into(), Some("phone"))
        .await
        .unwrap();
    session
        .set_mfa_preference(MfaPreference::default().totp(MfaSetting::enabled(true)))
        .await
        .unwrap();

    // Global sign-out: the refresh token stops working.
    session.sign_out().await.unwrap();
    let err = session.refresh().await.unwrap_err();
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
    session.delete_user().await.unwrap();
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
            SignInOutcome::SignedIn(s) => return s,
            SignInOutcome::NeedsInput(p) => p,
            other => panic!("an outcome this test does not know: {other:?}"),
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
    let pool = PoolSpec::default().device_tracking(DeviceTracking::Always);
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("olga")).unwrap();
    let auth = env
        .auth_builder()
        .device_policy(DevicePolicy::Never)
        .build()
        .unwrap();
    let session = signed_in(auth.sign_in("olga", PW).await.unwrap()).await;
    assert!(session.device().is_none());
    assert!(session.new_device().is_some(), "the offered device is kept");
    // The refresh token is bound to the offered device: the refresh sends its key.
    session.refresh().await.unwrap();
    assert_eq!(session.refresh_count(), 1);
}

#[cfg(unix)]
#[tokio::test]
async fn the_emulator_state_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("emu-state-mode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let config = cognito_emulator::EmulatorConfig::default().state_file(Some(file.clone()));
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
