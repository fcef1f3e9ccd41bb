//! The client against the emulator's fault mode (added latency, dropped connections before and
//! after processing, 5xx, throttling): retries stay within the policy, one-shot steps are never
//! replayed, tokens and the device store survive every failure, and the emulator's state file
//! survives `kill -9` under concurrent load.

use cognito_auth::*;
use cognito_emulator::{
    ClientSpec, DeviceTracking, Faults, PoolSpec, Seed, SeedPool, StandaloneOptions, UserSpec,
};
use cognito_wire::{ErrorClass, HyperConfig, HyperTransport, ReachedServer, RetryPolicy};
use pycognito_tests::Env;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const PW: &str = "Corr3ct-Horse!";
const MAX_ATTEMPTS: u32 = 4;

fn user(name: &str) -> UserSpec {
    UserSpec::default()
        .username(name.into())
        .password(Some(PW.into()))
        .attributes(BTreeMap::from([(
            "email".to_string(),
            format!("{name}@example.com"),
        )]))
}

fn secret_client() -> ClientSpec {
    ClientSpec::default()
        .name("app".into())
        .generate_secret(true)
}

/// Small delays so the tests stay fast; more attempts than standard so retries show.
fn fast_policy() -> RetryPolicy {
    let mut policy = RetryPolicy::standard();
    policy.max_attempts = MAX_ATTEMPTS;
    policy.base_delay = Duration::from_millis(1);
    policy.throttling_base_delay = Duration::from_millis(2);
    policy.max_backoff = Duration::from_millis(20);
    policy.replay_one_shot = false;
    policy
}

fn wire(env: &Env, transport: Option<HyperTransport>) -> cognito_wire::Client {
    let mut b = cognito_wire::Client::builder()
        .pool_id(&env.pool_id)
        .endpoint_url(env.emu.url())
        .env(|_| None)
        .retry_policy(fast_policy());
    if let Some(t) = transport {
        b = b.transport(t);
    }
    b.build().unwrap()
}

fn auth_with(
    env: &Env,
    build: impl FnOnce(CognitoAuthBuilder) -> CognitoAuthBuilder,
) -> CognitoAuth {
    build(env.auth_builder().wire_client(wire(env, None)))
        .build()
        .unwrap()
}

fn signed_in(outcome: SignInOutcome) -> Session {
    match outcome {
        SignInOutcome::SignedIn(s) => s,
        SignInOutcome::NeedsInput(p) => panic!("unexpected question {:?}", p.question()),
        other => panic!("unexpected outcome {other:?}"),
    }
}

fn wire_error(e: &Error) -> &cognito_wire::Error {
    match e {
        Error::Wire(w) => w,
        other => panic!("expected a wire error, got {other:?}"),
    }
}

/// Runs one client call and checks, with the emulator's counters, that each operation it used
/// was attempted at most `MAX_ATTEMPTS` times, and that on success every attempt but the last
/// of each operation was a fault (a retry only follows a failure). Returns the result and the
/// attempts per operation.
async fn bounded<T>(
    env: &Env,
    ops: &[&str],
    call: impl std::future::Future<Output = Result<T, Error>>,
) -> (Result<T, Error>, Vec<u64>) {
    let before = env.emu.stats();
    let result = call.await;
    let after = env.emu.stats();
    let mut attempts = Vec::new();
    for op in ops {
        let (b, a) = (before.get(op), after.get(op));
        let n = a.received - b.received;
        let faults = a.faults() - b.faults();
        assert!(n <= u64::from(MAX_ATTEMPTS), "{op}: {n} attempts");
        if result.is_ok() {
            assert!(n >= 1, "{op} was called");
            assert_eq!(faults, n - 1, "{op}: only failed attempts are retried");
        }
        attempts.push(n);
    }
    (result, attempts)
}

#[tokio::test]
async fn sign_ins_refreshes_and_reads_complete_within_the_retry_budget_under_faults() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("tess")).unwrap();
    let auth = auth_with(&env, |b| b);

    // Throttling on every operation: refused unprocessed, so even one-shot steps are retried.
    env.emu
        .set_faults(Faults::none().throttle(0.35).seed(11))
        .unwrap();
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..12 {
        let (r, attempts) = bounded(
            &env,
            &["InitiateAuth", "RespondToAuthChallenge"],
            auth.sign_in("tess", PW),
        )
        .await;
        let session = match r {
            Ok(outcome) => signed_in(outcome),
            Err(e) => {
                // Only a throttled attempt budget ends a sign-in here.
                assert_eq!(wire_error(&e).class(), ErrorClass::Throttling, "{e}");
                assert!(attempts.contains(&u64::from(MAX_ATTEMPTS)), "{attempts:?}");
                failed += 1;
                continue;
            }
        };
        let (r, _) = bounded(&env, &["InitiateAuth"], session.refresh()).await;
        match r {
            Ok(tokens) => assert!(tokens.refresh_token.is_some()),
            Err(e) => {
                assert_eq!(wire_error(&e).class(), ErrorClass::Throttling, "{e}");
                failed += 1;
            }
        }
        let (r, _) = bounded(&env, &["GetUser"], session.get_user()).await;
        match r {
            Ok(me) => assert_eq!(me.username.expose(), "tess"),
            Err(e) => {
                assert_eq!(wire_error(&e).class(), ErrorClass::Throttling, "{e}");
                failed += 1;
            }
        }
        ok += 1;
    }
    let stats = env.emu.stats();
    assert!(stats.get("InitiateAuth").throttled > 0, "{stats:?}");
    assert!(ok >= 9, "{ok} sign-ins completed, {failed} calls failed");

    // 5xx and connections dropped before processing on read-only operations: replay-safe,
    // so retried like throttling.
    env.emu.set_faults(Faults::none()).unwrap();
    let session = signed_in(auth.sign_in("tess", PW).await.unwrap());
    env.emu
        .set_faults(
            Faults::none()
                .throttle(0.1)
                .error_500(0.15)
                .error_503(0.15)
                .drop_before(0.15)
                .only(["GetUser", "ListDevices"])
                .seed(12),
        )
        .unwrap();
    let mut ok = 0;
    for _ in 0..15 {
        let (r, _) = bounded(&env, &["GetUser"], session.get_user()).await;
        if r.is_ok() {
            ok += 1;
        } else if let Err(e) = r {
            assert_ne!(wire_error(&e).class(), ErrorClass::Client, "{e}");
        }
        let (r, _) = bounded(&env, &["ListDevices"], session.list_devices()).await;
        if let Err(e) = r {
            assert_ne!(wire_error(&e).class(), ErrorClass::Client, "{e}");
        }
    }
    let s = env.emu.stats().get("GetUser");
    assert!(
        s.error_500 > 0 && s.error_503 > 0 && s.dropped_before > 0,
        "{s:?}"
    );
    assert!(ok >= 12, "{ok} of 15 reads completed");
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_one_shot_step_is_never_replayed_and_the_error_says_so() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("uma")).unwrap();
    let auth = auth_with(&env, |b| b);

    let cases = [
        // The SRP claim is processed (the session is used up), the answer is lost.
        (Faults::none().drop_after(1.0), "RespondToAuthChallenge"),
        (Faults::none().drop_after(1.0), "InitiateAuth"),
        // Closed before processing: the client cannot tell it from the case above.
        (Faults::none().drop_before(1.0), "InitiateAuth"),
        (Faults::none().error_500(1.0), "RespondToAuthChallenge"),
        (Faults::none().error_503(1.0), "InitiateAuth"),
    ];
    for (faults, op) in cases {
        env.emu.set_faults(faults.clone().only([op])).unwrap();
        env.emu.reset_stats();
        let err = auth.sign_in("uma", PW).await.unwrap_err();
        let s = env.emu.stats().get(op);
        assert_eq!(
            s.received, 1,
            "{op} under {faults:?} was sent once, not replayed"
        );
        assert_eq!(
            s.processed,
            u64::from(faults.drop_after > 0.0),
            "{op} under {faults:?}"
        );
        // Typed: a transient failure that may have reached the server (so not resent).
        let w = wire_error(&err);
        assert_eq!(w.class(), ErrorClass::Transient, "{err}");
        assert_ne!(w.reached_server(), ReachedServer::No, "{err}");
        let message = err.to_string();
        assert!(message.starts_with(op), "{message}");
        if faults.drop_after > 0.0 || faults.drop_before > 0.0 {
            assert!(
                matches!(w, cognito_wire::Error::Dispatch { .. }),
                "a dropped connection is a dispatch error: {w:?}"
            );
            assert!(message.contains("may have reached the server"), "{message}");
        } else {
            assert!(w.service_error().is_some(), "{w:?}");
        }
        // A new sign-in (a fresh InitiateAuth, not a replay) works once the faults stop.
        env.emu.set_faults(Faults::none()).unwrap();
        signed_in(auth.sign_in("uma", PW).await.unwrap());
    }

    // A request timeout on a one-shot step: one attempt, a timeout error (the request may have
    // been processed). On a read-only operation the timeout is retried up to the budget.
    let transport = HyperTransport::with_config({
        let mut v = HyperConfig::default();
        v.request_timeout = Duration::from_millis(150);
        v
    })
    .unwrap();
    let slow = env
        .auth_builder()
        .wire_client(wire(&env, Some(transport)))
        .build()
        .unwrap();
    let session = signed_in(slow.sign_in("uma", PW).await.unwrap());
    env.emu
        .set_faults(
            Faults::none()
                .latency(Duration::from_millis(400), Duration::ZERO)
                .only(["InitiateAuth", "GetUser"]),
        )
        .unwrap();
    env.emu.reset_stats();
    let err = slow.sign_in("uma", PW).await.unwrap_err();
    assert!(
        matches!(wire_error(&err), cognito_wire::Error::Timeout { .. }),
        "{err:?}"
    );
    let err = slow.session(session.state()).get_user().await.unwrap_err();
    assert!(matches!(
        wire_error(&err),
        cognito_wire::Error::Timeout { .. }
    ));
    tokio::time::sleep(Duration::from_millis(450)).await; // let the slow requests land
    let s = env.emu.stats();
    assert_eq!(s.get("InitiateAuth").received, 1);
    assert_eq!(s.get("GetUser").received, u64::from(MAX_ATTEMPTS));
    assert_eq!(s.get("GetUser").delayed, u64::from(MAX_ATTEMPTS));
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_tokens_and_they_still_work() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("vic")).unwrap();
    let auth = auth_with(&env, |b| b);
    let session = signed_in(auth.sign_in("vic", PW).await.unwrap());
    let provider = session.clone();

    // Throttled twice, then through: three attempts of the one refresh.
    env.emu
        .set_faults(
            Faults::none()
                .throttle(1.0)
                .max_faults(2)
                .only(["InitiateAuth"]),
        )
        .unwrap();
    env.emu.reset_stats();
    provider.refresh().await.unwrap();
    assert_eq!(env.emu.stats().get("InitiateAuth").received, 3);
    let kept = provider.state();

    for faults in [
        Faults::none().drop_after(1.0),
        Faults::none().drop_before(1.0),
        Faults::none().error_500(1.0),
        Faults::none().throttle(1.0),
    ] {
        env.emu
            .set_faults(faults.clone().only(["InitiateAuth"]))
            .unwrap();
        env.emu.reset_stats();
        let err = provider.refresh().await.unwrap_err();
        assert_ne!(wire_error(&err).class(), ErrorClass::Client, "{err}");
        let expected = if faults.throttle > 0.0 {
            MAX_ATTEMPTS
        } else {
            1
        };
        assert_eq!(
            env.emu.stats().get("InitiateAuth").received,
            u64::from(expected),
            "{faults:?}"
        );
        env.emu.set_faults(Faults::none()).unwrap();
        // The session still holds the same, usable tokens.
        let now = provider.state();
        assert_eq!(
            now.tokens.access_token.expose(),
            kept.tokens.access_token.expose()
        );
        assert_eq!(
            now.tokens.refresh_token.as_ref().map(|t| t.expose()),
            kept.tokens.refresh_token.as_ref().map(|t| t.expose())
        );
        assert_eq!(provider.get_user().await.unwrap().username.expose(), "vic");
    }
    // And the refresh token still refreshes.
    let refreshed = provider.refresh().await.unwrap();
    assert_ne!(
        refreshed.access_token.expose(),
        kept.tokens.access_token.expose()
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_lost_rotation_answer_keeps_the_old_refresh_token_usable_within_the_grace_period() {
    let client = secret_client().refresh_token_rotation(Some(30));
    let env = Env::start(PoolSpec::default(), client).await;
    env.emu.create_user(&env.pool_id, user("wes")).unwrap();
    let auth = auth_with(&env, |b| b.refresh_mode(RefreshMode::Rotation));
    let session = signed_in(auth.sign_in("wes", PW).await.unwrap());
    let old_refresh = session.tokens().refresh_token.unwrap();
    let provider = session.clone();

    env.emu
        .set_faults(
            Faults::none()
                .drop_after(1.0)
                .only(["GetTokensFromRefreshToken"]),
        )
        .unwrap();
    env.emu.reset_stats();
    provider.refresh().await.unwrap_err();
    let s = env.emu.stats().get("GetTokensFromRefreshToken");
    assert_eq!(
        (s.received, s.processed),
        (1, 1),
        "rotated once, not replayed"
    );
    env.emu.set_faults(Faults::none()).unwrap();

    // The emulator rotated, the client kept the old token: within the grace period it still
    // works and gives a new one.
    let kept = provider.state();
    assert_eq!(
        kept.tokens.refresh_token.as_ref().map(|t| t.expose()),
        Some(old_refresh.expose())
    );
    let renewed = provider.refresh().await.unwrap();
    let new_refresh = renewed.refresh_token.clone().unwrap();
    assert_ne!(new_refresh.expose(), old_refresh.expose());
    provider.get_user().await.unwrap();
    env.emu.shutdown().await;
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pycognito-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

#[tokio::test]
async fn device_confirmation_and_device_sign_in_failures_never_touch_the_device_store() {
    let pool = PoolSpec::default().device_tracking(DeviceTracking::Always);
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("xena")).unwrap();
    let dir = temp_dir("devices");
    let file = dir.join("devices.json");
    let store = Arc::new(FileDeviceStore::new(&file));
    let auth = auth_with(&env, |b| {
        b.device_store(store.clone())
            .device_policy(DevicePolicy::Remember)
    });
    let key = DeviceKeyRef {
        pool_id: env.pool_id.clone(),
        client_id: env.client.client_id.clone(),
        username: "xena".into(),
    };

    // ConfirmDevice processed but its answer lost: not resent, and the sign-in keeps its
    // tokens; the device is reported unconfirmed and nothing is stored.
    env.emu
        .set_faults(Faults::none().drop_after(1.0).only(["ConfirmDevice"]))
        .unwrap();
    env.emu.reset_stats();
    let session = signed_in(auth.sign_in("xena", PW).await.unwrap());
    assert_eq!(env.emu.stats().get("ConfirmDevice").received, 1);
    assert!(session.device().is_none());
    assert!(session.new_device().is_some());
    assert_eq!(
        read(&file),
        None,
        "nothing stored for an unconfirmed device"
    );
    session.get_user().await.unwrap();
    session.refresh().await.unwrap();

    // An explicit ConfirmDevice whose answer is lost: a typed error after one attempt.
    env.emu.reset_stats();
    let err = session.confirm_new_device(true).await.unwrap_err();
    assert_eq!(env.emu.stats().get("ConfirmDevice").received, 1);
    assert_eq!(wire_error(&err).reached_server(), ReachedServer::Maybe);

    // ConfirmDevice goes through, UpdateDeviceStatus fails: the confirmed device is kept.
    env.emu
        .set_faults(Faults::none().error_500(1.0).only(["UpdateDeviceStatus"]))
        .unwrap();
    let session = signed_in(auth.sign_in("xena", PW).await.unwrap());
    let device = session.device().expect("confirmed and kept");
    assert_eq!(
        store.get(&key).unwrap().map(|d| d.device_key),
        Some(device.device_key.clone())
    );
    let stored = read(&file).unwrap();

    // Device sign-ins failing in every way: the store is never rewritten or purged.
    for faults in [
        Faults::none().error_500(1.0),
        Faults::none().error_503(1.0),
        Faults::none().drop_after(1.0),
        Faults::none().drop_before(1.0),
        Faults::none().throttle(1.0),
    ] {
        env.emu
            .set_faults(faults.clone().only(["RespondToAuthChallenge"]))
            .unwrap();
        env.emu.reset_stats();
        let err = auth.sign_in("xena", PW).await.unwrap_err();
        assert_ne!(wire_error(&err).class(), ErrorClass::Client, "{err}");
        let expected = if faults.throttle > 0.0 {
            MAX_ATTEMPTS
        } else {
            1
        };
        assert_eq!(
            env.emu.stats().get("RespondToAuthChallenge").received,
            u64::from(expected),
            "{faults:?}"
        );
        assert_eq!(
            read(&file).as_ref(),
            Some(&stored),
            "{faults:?}: store untouched"
        );
    }
    // Faults at some rate across the whole device sign-in, then none: the same device signs in.
    env.emu
        .set_faults(Faults::none().throttle(0.3).error_500(0.1).seed(5))
        .unwrap();
    for _ in 0..6 {
        let _ = auth.sign_in("xena", PW).await;
        assert_eq!(read(&file).as_ref(), Some(&stored));
    }
    env.emu.set_faults(Faults::none()).unwrap();
    let again = signed_in(auth.sign_in("xena", PW).await.unwrap());
    assert_eq!(
        again.device().map(|d| d.device_key),
        Some(device.device_key.clone()),
        "device SRP with the stored device"
    );
    assert_eq!(read(&file), Some(stored));
    env.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_emulator_state_is_consistent_after_drops_before_and_after_processing() {
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("yuri")).unwrap();
    let auth = auth_with(&env, |b| b);
    let session = signed_in(auth.sign_in("yuri", PW).await.unwrap());
    const NEW: &str = "N3w-Passw0rd!x";

    // Dropped before processing: nothing changed.
    env.emu
        .set_faults(Faults::none().drop_before(1.0).only(["ChangePassword"]))
        .unwrap();
    env.emu.reset_stats();
    session.change_password(PW, NEW).await.unwrap_err();
    let s = env.emu.stats().get("ChangePassword");
    assert_eq!((s.received, s.processed), (1, 0));
    env.emu.set_faults(Faults::none()).unwrap();
    signed_in(auth.sign_in("yuri", PW).await.unwrap());
    assert_eq!(
        auth.sign_in("yuri", NEW).await.unwrap_err().service_code(),
        Some("NotAuthorizedException")
    );

    // Dropped after processing: applied exactly once.
    env.emu
        .set_faults(Faults::none().drop_after(1.0).only(["ChangePassword"]))
        .unwrap();
    env.emu.reset_stats();
    session.change_password(PW, NEW).await.unwrap_err();
    let s = env.emu.stats().get("ChangePassword");
    assert_eq!((s.received, s.processed), (1, 1));
    env.emu.set_faults(Faults::none()).unwrap();
    signed_in(auth.sign_in("yuri", NEW).await.unwrap());
    assert_eq!(
        auth.sign_in("yuri", PW).await.unwrap_err().service_code(),
        Some("NotAuthorizedException")
    );

    // The counters are served over HTTP too.
    let stats = env.emu.stats();
    assert!(stats.total_received() >= 2);
    env.emu.shutdown().await;
}

// ---- kill -9 under load -------------------------------------------------------------------

const KILL_POOL: &str = "us-east-1_KillNine";
const KILL_CLIENT: &str = "killnineclient";

/// Child side of `emulator_state_survives_kill_9_under_load`: the standalone server
/// (`serve_standalone`, what `pycognito emulator` runs) on a state file and a seed.
#[tokio::test]
#[ignore = "run as a child process by emulator_state_survives_kill_9_under_load"]
async fn standalone_child() {
    let Ok(state) = std::env::var("PYCOGNITO_FAULTS_CHILD_STATE") else {
        return;
    };
    let seed = std::env::var("PYCOGNITO_FAULTS_CHILD_SEED").ok();
    cognito_emulator::serve_standalone(
        StandaloneOptions::default()
            .port(0)
            .state_file(Some(state.into()))
            .seed_file(seed.map(PathBuf::from)),
    )
    .await
    .unwrap();
}

struct Child {
    process: std::process::Child,
    url: String,
}

fn spawn_child(state: &Path, seed: &Path) -> Child {
    use std::io::BufRead;
    let mut process = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "faults::standalone_child",
            "--ignored",
            "--nocapture",
        ])
        .env("PYCOGNITO_FAULTS_CHILD_STATE", state)
        .env("PYCOGNITO_FAULTS_CHILD_SEED", seed)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = process.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("http://127.0.0.1:") => break line,
            Some(Ok(_)) => continue,
            other => {
                let _ = process.kill();
                panic!("the child emulator did not print its URL: {other:?}")
            }
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Child { process, url }
}

fn kill_9(mut child: Child) {
    child.process.kill().unwrap(); // SIGKILL on Unix
    child.process.wait().unwrap();
}

fn kill_seed() -> Seed {
    let pool = PoolSpec::named("kill").id(Some(KILL_POOL.into()));
    let client = ClientSpec::public("kill").client_id(Some(KILL_CLIENT.into()));
    let mut users = vec![user("reader")];
    users.extend((0..2).map(|i| user(&format!("changer{i}"))));
    Seed::default().pools(vec![
        SeedPool::default()
            .pool(pool)
            .clients(vec![client])
            .users(users)
            .groups(vec![]),
    ])
}

fn kill_auth(url: &str) -> CognitoAuth {
    let wire = cognito_wire::Client::builder()
        .pool_id(KILL_POOL)
        .endpoint_url(url)
        .env(|_| None)
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    CognitoAuth::builder(KILL_POOL, KILL_CLIENT)
        .wire_client(wire)
        .build()
        .unwrap()
}

fn kill_admin(url: &str) -> cognito_admin::AdminClient {
    cognito_admin::AdminClient::builder()
        .pool_id(KILL_POOL)
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(cognito_admin::static_credentials("test", "test", None))
        .retry_policy(fast_policy())
        .build()
        .unwrap()
}

fn changed_password(n: u32) -> String {
    if n == 0 {
        PW.to_owned()
    } else {
        format!("Changed-{n}-Pw!")
    }
}

/// What the load acknowledged (a 200 came back) and what was in flight when it stopped.
#[derive(Default, Debug)]
struct Acked {
    signed_up: Vec<String>,
    admin_created: Vec<String>,
    /// Per password changer (by index): (password of the last acknowledged change, password in
    /// flight when the load stopped).
    passwords: BTreeMap<usize, (u32, Option<u32>)>,
    sign_ins: u64,
}

/// Acknowledged writes so far, by kind (sign-ups, admin creates, password changes, sign-ins).
type Progress = Arc<[std::sync::atomic::AtomicUsize; 4]>;

fn bump(progress: &Progress, kind: usize) {
    if let Some(c) = progress.get(kind) {
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn load(url: String, round: u32, passwords: Vec<u32>, progress: Progress) -> Acked {
    let auth = kill_auth(&url);
    let admin = kill_admin(&url);
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..2 {
        let auth = auth.clone();
        let progress = progress.clone();
        tasks.spawn(async move {
            let mut acked = Acked::default();
            for i in 0.. {
                let name = format!("su{round}x{w}x{i}");
                let attrs = BTreeMap::from([("email".to_string(), format!("{name}@example.com"))]);
                if auth.sign_up(&name, PW, &attrs).await.is_err() {
                    break;
                }
                acked.signed_up.push(name);
                bump(&progress, 0);
            }
            acked
        });
    }
    {
        let admin = admin.clone();
        let progress = progress.clone();
        tasks.spawn(async move {
            let mut acked = Acked::default();
            for i in 0.. {
                let name = format!("ac{round}x{i}");
                let new = cognito_admin::NewUser::new(name.as_str())
                    .temporary_password(PW)
                    .suppress_message();
                if let Err(e) = admin.create_user(new).await {
                    eprintln!("admin create stopped: {e}");
                    break;
                }
                acked.admin_created.push(name);
                bump(&progress, 1);
            }
            acked
        });
    }
    for (c, start) in passwords.into_iter().enumerate() {
        let auth = auth.clone();
        let progress = progress.clone();
        tasks.spawn(async move {
            let mut acked = Acked::default();
            let name = format!("changer{c}");
            let Ok(outcome) = auth.sign_in(&name, &changed_password(start)).await else {
                acked.passwords.insert(c, (start, None));
                return acked;
            };
            let session = signed_in(outcome);
            let mut n = start;
            loop {
                let next = n + 1;
                if session
                    .change_password(changed_password(n), changed_password(next))
                    .await
                    .is_err()
                {
                    acked.passwords.insert(c, (n, Some(next)));
                    break;
                }
                n = next;
                bump(&progress, 2);
            }
            acked
        });
    }
    for _ in 0..2 {
        let auth = auth.clone();
        let progress = progress.clone();
        tasks.spawn(async move {
            let mut acked = Acked::default();
            loop {
                match auth.sign_in("reader", PW).await {
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!("sign-ins stopped: {e}");
                        break;
                    }
                }
                acked.sign_ins += 1;
                bump(&progress, 3);
            }
            acked
        });
    }
    let mut all = Acked::default();
    while let Some(r) = tasks.join_next().await {
        let a = r.unwrap();
        all.signed_up.extend(a.signed_up);
        all.admin_created.extend(a.admin_created);
        all.passwords.extend(a.passwords);
        all.sign_ins += a.sign_ins;
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_state_survives_kill_9_under_load() {
    let dir = temp_dir("kill9");
    let state = dir.join("state.json");
    let seed = dir.join("seed.json");
    std::fs::write(&seed, serde_json::to_vec(&kill_seed()).unwrap()).unwrap();

    let mut child = spawn_child(&state, &seed);
    let mut passwords = vec![0u32; 2];
    let mut previous: Vec<String> = Vec::new();
    for round in 0..3u32 {
        // Concurrent writes and sign-ins, then kill -9 in the middle of them.
        let progress: Progress = Arc::default();
        let run = tokio::spawn(load(
            child.url.clone(),
            round,
            passwords.clone(),
            progress.clone(),
        ));
        // Kill once every kind of write is under way (however slow the machine), at a different
        // moment each round.
        let started = std::time::Instant::now();
        while progress
            .iter()
            .zip([3, 2, 2, 1])
            .any(|(done, want)| done.load(std::sync::atomic::Ordering::SeqCst) < want)
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the load did not start: acknowledged so far (sign-ups, admin creates, password \
                 changes, sign-ins): {:?}",
                progress
                    .iter()
                    .map(|c| c.load(std::sync::atomic::Ordering::SeqCst))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(100 + 150 * u64::from(round))).await;
        kill_9(child);
        let acked = tokio::time::timeout(Duration::from_secs(30), run)
            .await
            .expect("the load stops once the emulator is gone")
            .unwrap();
        eprintln!(
            "round {round}: killed after {} sign-ups, {} admin creates, {:?} password changes, {} sign-ins acknowledged",
            acked.signed_up.len(),
            acked.admin_created.len(),
            acked.passwords,
            acked.sign_ins
        );
        assert!(
            !acked.signed_up.is_empty() && !acked.admin_created.is_empty() && acked.sign_ins > 0,
            "round {round}: the load ran: {acked:?}"
        );

        // Restart on the same state file: it loads, and every acknowledged write is there.
        child = spawn_child(&state, &seed);
        let admin = kill_admin(&child.url);
        for name in previous
            .iter()
            .chain(&acked.signed_up)
            .chain(&acked.admin_created)
        {
            admin
                .get_user(name.as_str())
                .await
                .unwrap_or_else(|e| panic!("round {round}: acknowledged user {name} lost: {e}"));
        }
        previous.extend(acked.signed_up);
        previous.extend(acked.admin_created);
        let auth = kill_auth(&child.url);
        passwords.clear();
        for (c, (last, in_flight)) in &acked.passwords {
            let name = format!("changer{c}");
            // The last acknowledged password, or the one in flight if it was applied before
            // the kill (applied but unacknowledged is allowed; acknowledged but lost is not).
            let now = if auth.sign_in(&name, &changed_password(*last)).await.is_ok() {
                *last
            } else {
                let next =
                    in_flight.unwrap_or_else(|| panic!("round {round}: {name} lost its password"));
                auth.sign_in(&name, &changed_password(next))
                    .await
                    .unwrap_or_else(|e| {
                        panic!("round {round}: {name}: neither password works: {e}")
                    });
                next
            };
            passwords.push(now);
        }
        assert_eq!(passwords.len(), 2);
    }
    kill_9(child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_one_shot_call_is_replayed_only_when_the_caller_opts_in() {
    use cognito_wire::{AttributeType, CallOptions, UpdateUserAttributesRequest, op};
    let env = Env::start(PoolSpec::default(), secret_client()).await;
    env.emu.create_user(&env.pool_id, user("zoe")).unwrap();
    let auth = auth_with(&env, |b| b);
    let session = signed_in(auth.sign_in("zoe", PW).await.unwrap());
    let nickname = AttributeType::builder()
        .name("nickname")
        .value("z")
        .build()
        .unwrap();
    let req = UpdateUserAttributesRequest::builder()
        .access_token(session.tokens().access_token)
        .user_attributes(vec![nickname])
        .build()
        .unwrap();
    let lose_one = || {
        Faults::none()
            .drop_after(1.0)
            .max_faults(1)
            .only(["UpdateUserAttributes"])
    };

    // Default: the lost answer is an error after one attempt.
    env.emu.set_faults(lose_one()).unwrap();
    env.emu.reset_stats();
    let err = auth
        .wire()
        .call::<op::UpdateUserAttributes>(&req)
        .await
        .unwrap_err();
    assert_eq!(err.reached_server(), ReachedServer::Maybe);
    assert_eq!(env.emu.stats().get("UpdateUserAttributes").received, 1);

    // Opted in (the caller knows setting the same value twice is harmless): resent, and the
    // second answer arrives.
    env.emu.set_faults(lose_one()).unwrap();
    env.emu.reset_stats();
    auth.wire()
        .call_with::<op::UpdateUserAttributes>(&req, {
            let mut v = CallOptions::default();
            v.replay_one_shot = true;
            v
        })
        .await
        .unwrap();
    let s = env.emu.stats().get("UpdateUserAttributes");
    assert_eq!((s.received, s.processed, s.dropped_after), (2, 2, 1));
    env.emu.shutdown().await;
}

/// A device store on a full disk: reads find nothing, every write fails.
#[derive(Debug)]
struct FullDisk;

impl DeviceStore for FullDisk {
    fn get(&self, _: &DeviceKeyRef) -> Result<Option<DeviceCredentials>, DeviceStoreError> {
        Ok(None)
    }
    fn put(&self, _: &DeviceKeyRef, _: &DeviceCredentials) -> Result<(), DeviceStoreError> {
        Err(DeviceStoreError::Io {
            path: PathBuf::from("devices.json"),
            source: std::io::Error::other("no space left on device"),
        })
    }
    fn remove(&self, _: &DeviceKeyRef) -> Result<(), DeviceStoreError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_device_store_that_cannot_write_does_not_cost_the_sign_in_its_tokens() {
    let pool = PoolSpec::default().device_tracking(DeviceTracking::Always);
    let env = Env::start(pool, secret_client()).await;
    env.emu.create_user(&env.pool_id, user("abe")).unwrap();
    let auth = auth_with(&env, |b| {
        b.device_store(Arc::new(FullDisk))
            .device_policy(DevicePolicy::Remember)
    });
    env.emu.reset_stats();
    let session = signed_in(auth.sign_in("abe", PW).await.unwrap());
    let device = session.device().expect("confirmed, handed to the caller");
    assert_eq!(
        session.new_device().as_ref().map(|d| d.device_key.as_str()),
        Some(device.device_key.as_str()),
        "reported as not remembered"
    );
    let s = env.emu.stats();
    assert_eq!(s.get("ConfirmDevice").received, 1);
    assert_eq!(
        s.get("UpdateDeviceStatus").received,
        0,
        "not marked remembered"
    );
    session.get_user().await.unwrap();
    session.refresh().await.unwrap();
    // The caller can sign in with the device it was given.
    let cfg = auth.config("abe").password(PW).device(Some(device.clone()));
    let again = signed_in(auth.sign_in_with(cfg).await.unwrap());
    assert_eq!(
        again.device().map(|d| d.device_key),
        Some(device.device_key)
    );
    env.emu.shutdown().await;
}
