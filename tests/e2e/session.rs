//! The session handle end to end: persistence in a file store across "processes" (new clients
//! on the same file), refresh after expiry on the emulator's clock, rotation; the answers
//! Cognito lets the user correct (asked again, saying why); the next action of each error;
//! admin sign-in through the same driver.

use cognito_admin::{AdminClient, static_credentials};
use cognito_auth::*;
use cognito_emulator::{ClientSpec, MfaConfig, PoolSpec, UserMfaSpec, UserSpec};
use pycognito_tests::Env;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const PW: &str = "Corr3ct-Horse!";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn user(name: &str) -> UserSpec {
    UserSpec::new(name, PW).attribute("email", format!("{name}@example.com"))
}

fn secret_client() -> ClientSpec {
    ClientSpec::confidential("app")
}

fn signed_in(outcome: SignInOutcome) -> Session {
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

/// A fresh directory for one test's files, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("e2e-session-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn file(&self) -> PathBuf {
        // A directory that does not exist yet: the store creates it.
        self.0.join("state").join("session.json")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stored_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("the session file exists"))
        .expect("the session file is JSON")
}

fn stored_refresh_token(store: &dyn SessionStore) -> Option<String> {
    store
        .load()
        .unwrap()
        .and_then(|s| s.tokens.refresh_token)
        .map(|t| t.expose().to_owned())
}

fn stored_access_token(store: &dyn SessionStore) -> Option<String> {
    store
        .load()
        .unwrap()
        .map(|s| s.tokens.access_token.expose().to_owned())
}

#[cfg(unix)]
fn assert_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the session file holds tokens");
}

#[cfg(not(unix))]
fn assert_private(_: &Path) {}

// ---- (a) persistence ----

#[tokio::test]
async fn a_file_store_keeps_the_session_and_its_refreshes_across_processes() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("sara")).unwrap();
    let dir = TempDir::new("file");
    let path = dir.file();
    let file_store = || Arc::new(FileSessionStore::new(&path));
    let auth = env
        .auth_builder()
        .session_store(file_store())
        .build()
        .unwrap();
    let session = signed_in(auth.sign_in("sara", PW).await.unwrap());

    assert_private(&path);
    let json = stored_json(&path);
    assert_eq!(json["version"], 1, "{json}");
    assert_eq!(json["version"], SESSION_STATE_VERSION);
    assert_eq!(json["pool_id"], env.pool_id.as_str());
    assert_eq!(json["client_id"], env.client.client_id.as_str());
    assert_eq!(json["username"], "sara");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(env.client.client_secret.as_deref().unwrap()),
        "the app client's secret is not part of the session"
    );
    assert!(!text.contains(PW), "the password is not kept");
    let signed_in_with = session.tokens();
    drop(session);

    // The next "process": a new client on the same file, after the tokens expired.
    env.advance(Duration::from_secs(2 * 3600));
    let auth = env
        .auth_builder()
        .session_store(file_store())
        .build()
        .unwrap();
    let restored = auth
        .restore()
        .await
        .unwrap()
        .expect("the file keeps the session");
    assert_eq!(restored.username(), "sara");
    assert_eq!(
        restored.tokens().access_token.expose(),
        signed_in_with.access_token.expose(),
        "restored as kept"
    );
    assert!(restored.expires_at() < auth.now(), "expired meanwhile");
    env.emu.reset_stats();
    let token = restored.access_token().await.unwrap();
    assert_ne!(token.expose(), signed_in_with.access_token.expose());
    assert_eq!(restored.refresh_count(), 1);
    assert_eq!(env.emu.stats().get("InitiateAuth").received, 1);
    assert!(restored.expires_at() > auth.now());
    assert_eq!(
        stored_access_token(&FileSessionStore::new(&path)).as_deref(),
        Some(token.expose()),
        "the refreshed tokens are in the file"
    );
    assert_private(&path);
    assert_eq!(restored.get_user().await.unwrap().username.expose(), "sara");
    // Fresh now: no second refresh.
    restored.access_token().await.unwrap();
    assert_eq!(restored.refresh_count(), 1);

    // Another app client of the pool does not take this session.
    let other = env
        .emu
        .create_client(&env.pool_id, ClientSpec::public("other"))
        .unwrap();
    let foreign = CognitoAuth::builder(&env.pool_id, &other.client_id)
        .endpoint_url(env.emu.url())
        .session_store(file_store())
        .build()
        .unwrap();
    let err = foreign.restore().await.unwrap_err();
    assert_eq!(err.next_action(), NextAction::FixConfiguration, "{err}");

    // Sign-out forgets it.
    restored.sign_out().await.unwrap();
    assert!(!path.exists(), "sign-out removes the file");
    assert!(auth.restore().await.unwrap().is_none());
}

#[tokio::test]
async fn a_session_file_of_another_version_is_reported_and_left_alone() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("tom")).unwrap();
    let dir = TempDir::new("version");
    let path = dir.file();
    let auth = env
        .auth_builder()
        .session_store(Arc::new(FileSessionStore::new(&path)))
        .build()
        .unwrap();
    signed_in(auth.sign_in("tom", PW).await.unwrap());
    let mut json = stored_json(&path);
    json["version"] = serde_json::json!(2);
    let written = serde_json::to_vec(&json).unwrap();
    std::fs::write(&path, &written).unwrap();
    let err = auth.restore().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::SessionStore(SessionStoreError::Unreadable { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("version 2"), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        written,
        "the unreadable file is left untouched"
    );
}

#[tokio::test]
async fn with_rotation_the_file_keeps_the_rotated_token_and_the_old_one_is_refused() {
    let client = secret_client().refresh_token_rotation(Some(10));
    let env = Env::start(PoolSpec::default(), client).await;
    env.emu.create_user(&env.pool_id, user("uma")).unwrap();
    let dir = TempDir::new("rotation");
    let path = dir.file();
    let process = || {
        env.auth_builder()
            .refresh_mode(RefreshMode::Rotation)
            .session_store(Arc::new(FileSessionStore::new(&path)))
            .build()
            .unwrap()
    };
    let first = signed_in(process().sign_in("uma", PW).await.unwrap());
    let before_rotation = first.state();
    let original = before_rotation.tokens.refresh_token.clone().unwrap();
    drop(first);

    // Process A: restores after expiry; its refresh rotates the token, and the file has the
    // new one at once.
    env.advance(Duration::from_secs(2 * 3600));
    let a = process().restore().await.unwrap().unwrap();
    a.access_token().await.unwrap();
    assert_eq!(a.refresh_count(), 1);
    let rotated = a.tokens().refresh_token.unwrap();
    assert_ne!(rotated.expose(), original.expose(), "rotated");
    let file = FileSessionStore::new(&path);
    assert_eq!(
        stored_refresh_token(&file).as_deref(),
        Some(rotated.expose()),
        "the rotated token is in the file"
    );
    assert_private(&path);
    assert_eq!(stored_json(&path)["version"], 1);
    drop(a);

    // Process B: restores from the file (the rotated token) and refreshes again, well after
    // the grace period of the original token.
    env.advance(Duration::from_secs(60));
    let b = process().restore().await.unwrap().unwrap();
    let again = b.refresh().await.unwrap();
    let rotated_twice = again.refresh_token.unwrap();
    assert_ne!(rotated_twice.expose(), rotated.expose());
    assert_eq!(
        stored_refresh_token(&file).as_deref(),
        Some(rotated_twice.expose())
    );
    assert_eq!(b.get_user().await.unwrap().username.expose(), "uma");

    // The original token, rotated away, is refused (a client without a store, so that the
    // file is not touched).
    let stale = env
        .auth_builder()
        .refresh_mode(RefreshMode::Rotation)
        .build()
        .unwrap()
        .session(before_rotation);
    let err = stale.refresh().await.unwrap_err();
    assert_eq!(
        err.service_code(),
        Some("RefreshTokenReuseException"),
        "{err}"
    );
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    assert_eq!(
        stored_refresh_token(&file).as_deref(),
        Some(rotated_twice.expose()),
        "a failed refresh elsewhere loses nothing stored"
    );
}

// ---- (b) answers Cognito lets the user correct ----

#[tokio::test]
async fn a_new_password_the_policy_refuses_is_asked_again_with_the_policy_message() {
    let pool = PoolSpec::default().password_min_length(10);
    let env = Env::start(pool, secret_client()).await;
    let u = user("vera")
        .password(None)
        .temporary_password(Some("Temp-Pass1!".into()));
    env.emu.create_user(&env.pool_id, u).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let p = pending(auth.sign_in("vera", "Temp-Pass1!").await.unwrap());
    assert!(
        matches!(p.question(), Question::NewPassword { .. }),
        "{:?}",
        p.question()
    );
    assert!(p.rejection().is_none());
    let new_password = |pw: &str| Answer::NewPassword {
        password: srp_core::Password::new(pw),
        attributes: BTreeMap::new(),
    };
    let again = pending(p.answer(new_password("Sh0rt!")).await.unwrap());
    assert!(
        matches!(again.question(), Question::NewPassword { .. }),
        "{:?}",
        again.question()
    );
    let Some(Rejection::PasswordRefused { message }) = again.rejection() else {
        panic!("{:?}", again.rejection())
    };
    assert!(
        message.contains("Password did not conform with policy")
            && message.contains("not long enough"),
        "the policy's message for the user: {message}"
    );
    assert_eq!(
        again.rejected().and_then(|e| e.service_code()),
        Some("InvalidPasswordException")
    );
    let session = signed_in(
        again
            .answer(new_password("L0nger-Passw0rd!"))
            .await
            .unwrap(),
    );
    assert_eq!(session.username(), "vera");
    // The accepted password is the user's password now; the refused one never was.
    signed_in(auth.sign_in("vera", "L0nger-Passw0rd!").await.unwrap());
    let err = auth.sign_in("vera", "Sh0rt!").await.unwrap_err();
    assert_eq!(err.next_action(), NextAction::SignInAgain, "{err}");
}

#[tokio::test]
async fn a_wrong_totp_set_up_code_is_asked_again_with_the_same_secret() {
    let pool = PoolSpec::default()
        .mfa(MfaConfig::On)
        .software_token_mfa(true);
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("wade")).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let p = pending(auth.sign_in("wade", PW).await.unwrap());
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
    let right = env.totp_now(&secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let again = pending(p.answer(Answer::Code(wrong.into())).await.unwrap());
    assert_eq!(again.rejection(), Some(&Rejection::WrongSetupCode));
    let Question::TotpSecret { secret: same } = again.question() else {
        panic!("{:?}", again.question())
    };
    assert_eq!(same.expose(), secret, "the secret stays the same");
    let session = signed_in(
        again
            .answer(Answer::TotpSetupCode {
                code: right.as_str().into(),
                friendly_device_name: Some("phone".into()),
            })
            .await
            .unwrap(),
    );
    assert_eq!(session.username(), "wade");
    // The secret set up is the one asked for: the next sign-in takes its codes.
    env.advance(Duration::from_secs(30));
    let p = pending(auth.sign_in("wade", PW).await.unwrap());
    signed_in(
        p.answer(Answer::Code(env.totp_now(&secret).as_str().into()))
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn a_totp_code_already_used_is_refused_and_the_next_code_signs_in() {
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true);
    let env = Env::start(pool, secret_client()).await;
    let u = user("xena").mfa(
        UserMfaSpec::default()
            .totp_secret(Some(TOTP_SECRET.into()))
            .preferred(Some("SOFTWARE_TOKEN_MFA".into())),
    );
    env.emu.create_user(&env.pool_id, u).unwrap();
    let auth = env.auth_builder().build().unwrap();
    let code = env.totp_now(TOTP_SECRET);
    let p = pending(auth.sign_in("xena", PW).await.unwrap());
    signed_in(p.answer(Answer::Code(code.as_str().into())).await.unwrap());

    // The same code at the next sign-in, within the same 30 seconds.
    let p = pending(auth.sign_in("xena", PW).await.unwrap());
    let again = pending(p.answer(Answer::Code(code.as_str().into())).await.unwrap());
    assert_eq!(again.rejection(), Some(&Rejection::CodeAlreadyUsed));
    assert!(
        again
            .rejection()
            .is_some_and(|r| r.to_string().contains("next code")),
        "the user is told to wait for the next code"
    );
    assert!(matches!(
        again.question(),
        Question::Code {
            kind: CodeKind::SoftwareTokenMfa,
            ..
        }
    ));
    // The authenticator's next code, on the same challenge.
    env.advance(Duration::from_secs(30));
    let next = env.totp_now(TOTP_SECRET);
    assert_ne!(next, code);
    let session = signed_in(
        again
            .answer(Answer::Code(next.as_str().into()))
            .await
            .unwrap(),
    );
    assert_eq!(session.username(), "xena");
}

// ---- (c) the next action of each error ----

#[tokio::test]
async fn errors_carry_their_next_action() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("yves")).unwrap();
    let auth = env.auth_builder().build().unwrap();

    // A wrong password: sign in again.
    let err = auth.sign_in("yves", "Wr0ng-Passw0rd!").await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::SignInAgain);

    // Not confirmed: confirm the sign-up; a wrong confirmation code: fix the input.
    let attrs = BTreeMap::from([("email".to_owned(), "zoe@example.com".to_owned())]);
    auth.sign_up("zoe", PW, &attrs).await.unwrap();
    let err = auth.sign_in("zoe", PW).await.unwrap_err();
    assert_eq!(
        err.service_code(),
        Some("UserNotConfirmedException"),
        "{err}"
    );
    assert_eq!(err.next_action(), NextAction::ConfirmSignUp);
    let code = env.emu.latest_code(&env.pool_id, "zoe").unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = auth.confirm_sign_up("zoe", wrong).await.unwrap_err();
    assert_eq!(err.service_code(), Some("CodeMismatchException"), "{err}");
    assert_eq!(err.next_action(), NextAction::FixInput);
    auth.confirm_sign_up("zoe", &code).await.unwrap();
    signed_in(auth.sign_in("zoe", PW).await.unwrap());

    // Reset by an administrator: reset the password; after "forgot password", sign-in works.
    let admin = admin_client(&env);
    admin.reset_user_password("yves", None).await.unwrap();
    let err = auth.sign_in("yves", PW).await.unwrap_err();
    assert_eq!(
        err.service_code(),
        Some("PasswordResetRequiredException"),
        "{err}"
    );
    assert_eq!(err.next_action(), NextAction::ResetPassword);
    auth.forgot_password("yves").await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "yves").unwrap();
    auth.confirm_forgot_password("yves", &code, "Res3t-Passw0rd!")
        .await
        .unwrap();
    signed_in(auth.sign_in("yves", "Res3t-Passw0rd!").await.unwrap());

    // An app client the pool does not have: fix the configuration.
    let unknown = CognitoAuth::builder(&env.pool_id, "no-such-client-id")
        .endpoint_url(env.emu.url())
        .build()
        .unwrap();
    let err = unknown.sign_in("yves", PW).await.unwrap_err();
    assert_eq!(
        err.service_code(),
        Some("ResourceNotFoundException"),
        "{err}"
    );
    assert_eq!(err.next_action(), NextAction::FixConfiguration);
}

// ---- (d) admin sign-in through the same driver ----

/// An admin client on the emulator, signing with the emulator's clock.
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

#[tokio::test]
async fn an_admin_sign_in_yields_a_session_that_refreshes_and_persists() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("adam")).unwrap();
    let dir = TempDir::new("admin");
    let path = dir.file();
    let admin = admin_client(&env);
    let process = || {
        admin
            .auth(&env.client.client_id)
            .client_secret(env.client.client_secret.clone().unwrap())
            .clock(Arc::new(env.clock.clone()))
            .session_store(Arc::new(FileSessionStore::new(&path)))
            .build()
            .unwrap()
    };
    let auth = process();
    env.emu.reset_stats();
    let config = auth
        .config("adam")
        .password(PW)
        .flow(Flow::AdminUserPassword);
    let session = signed_in(auth.sign_in_with(config).await.unwrap());
    assert_eq!(env.emu.stats().get("AdminInitiateAuth").received, 1);
    assert_eq!(env.emu.stats().get("InitiateAuth").received, 0);
    assert_eq!(session.username(), "adam");
    assert_eq!(session.get_user().await.unwrap().username.expose(), "adam");
    assert_private(&path);
    assert_eq!(stored_json(&path)["username"], "adam");
    let kept = session.tokens();
    drop(session);

    // Another process restores it after expiry and refreshes it like any other session.
    env.advance(Duration::from_secs(2 * 3600));
    let restored = process()
        .restore()
        .await
        .unwrap()
        .expect("kept in the file");
    let token = restored.access_token().await.unwrap();
    assert_ne!(token.expose(), kept.access_token.expose());
    assert_eq!(restored.refresh_count(), 1);
    assert_eq!(
        stored_access_token(&FileSessionStore::new(&path)).as_deref(),
        Some(token.expose())
    );
    assert_eq!(restored.get_user().await.unwrap().username.expose(), "adam");

    // A wrong password through the admin flow is the same error, with the same next action.
    let auth = process();
    let config = auth
        .config("adam")
        .password("Wr0ng-Passw0rd!")
        .flow(Flow::AdminUserPassword);
    let err = auth.sign_in_with(config).await.unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::SignInAgain);
}
