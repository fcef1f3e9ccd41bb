//! The state database: restarts, kill -9, the import of a JSON state file of the earlier format,
//! a second emulator on the same state, failed writes, pruning.

use crate::common::*;
use base64::Engine;
use cognito_emulator::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cognito-emulator-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every byte the database keeps (the file and its write-ahead log).
fn database_bytes(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).unwrap();
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(PathBuf::from(wal)) {
        all.extend(w);
    }
    all
}

/// A read-only look at a database with the sqlite3 library, as the sqlite3 shell would.
fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Shuts an emulator down and starts another one with `config`, for the same pool and client.
async fn restart(env: Env, config: EmulatorConfig) -> Env {
    let Env {
        emu,
        http,
        pool,
        client,
    } = env;
    emu.shutdown().await;
    Env {
        emu: Emulator::start(config).await.unwrap(),
        http,
        pool,
        client,
    }
}

#[tokio::test]
async fn state_survives_restart_with_keys_and_verifiers() {
    let dir = temp_dir("restart");
    let file = dir.join("state.json");
    let config = || EmulatorConfig::deterministic(T0, 3).state_file(Some(file.clone()));
    let env = env_config(PoolSpec::named("p"), ClientSpec::public("c"), config()).await;
    assert_eq!(env.emu.database_path().as_deref(), Some(file.as_path()));
    env.user("alice", "Passw0rd!");
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let refresh = tokens(&t)["RefreshToken"].clone();
    let access = tokens(&t)["AccessToken"].clone();
    let bytes = database_bytes(&file);
    assert!(
        !bytes.windows(9).any(|w| w == b"Passw0rd!"),
        "passwords are never stored"
    );
    assert_eq!(count(&file, "SELECT count(*) FROM users"), 1);
    let http = env.http.clone();
    let (pool, client) = (env.pool.clone(), env.client.clone());
    env.emu.shutdown().await;

    let emu = Emulator::start(config()).await.unwrap();
    let env2 = Env {
        emu,
        http,
        pool,
        client,
    };
    assert_eq!(
        crate::common::code(&env2.srp_login("alice", "Passw0rd!").await),
        "OK"
    );
    // The same pool key: the old access token is still valid.
    let u = env2
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(u["Username"], "alice");
    let r = env2
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env2.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert_eq!(crate::common::code(&r), "OK");
    env2.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_sign_in_in_progress_survives_a_restart() {
    let dir = temp_dir("midsignin");
    let file = dir.join("state.db");
    let config = || EmulatorConfig::deterministic(T0, 5).state_file(Some(file.clone()));
    let env = env_config(PoolSpec::named("p"), ClientSpec::public("c"), config()).await;
    env.user("alice", "Passw0rd!");
    // PASSWORD_VERIFIER issued by the first process...
    let (eph, r) = env.srp_start("alice", None).await;
    let challenge = r.unwrap();
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    let ts = timestamp(&env);
    let responses = env.claim(&eph, &challenge, "Passw0rd!", &ts);
    let url = env.emu.url();
    let http = env.http.clone();
    let (pool, client) = (env.pool.clone(), env.client.clone());
    env.emu.shutdown().await;
    // ... answered to the second (the same B, from the stored b and verifier).
    let emu = Emulator::start(config()).await.unwrap();
    assert_ne!(emu.url(), "", "{url}");
    let env2 = Env {
        emu,
        http,
        pool,
        client,
    };
    let t = env2
        .respond("PASSWORD_VERIFIER", responses.clone(), None)
        .await
        .unwrap();
    assert!(tokens(&t)["AccessToken"].is_string());
    // Single use, across restarts too.
    let again = env2.respond("PASSWORD_VERIFIER", responses, None).await;
    assert_eq!(crate::common::code(&again), "NotAuthorizedException");
    env2.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Child side of the kill -9 test: creates users as fast as it can, forever, and appends the
/// name of each acknowledged one to a file.
#[tokio::test]
#[ignore = "run by kill_9_at_any_moment_loses_no_acknowledged_write"]
async fn child_writer() {
    let (Ok(path), Ok(acked)) = (
        std::env::var("COGNITO_EMULATOR_KILL_STATE"),
        std::env::var("COGNITO_EMULATOR_KILL_ACKED"),
    ) else {
        return;
    };
    use std::io::Write;
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(acked)
        .unwrap();
    let emu = Emulator::start(EmulatorConfig::default().state_file(Some(PathBuf::from(path))))
        .await
        .unwrap();
    let pool =
        match emu.create_pool(PoolSpec::named("kill").id(Some("us-east-1_KillNine1".to_owned()))) {
            Ok(p) => p,
            Err(_) => "us-east-1_KillNine1".to_owned(),
        };
    let prefix = std::process::id();
    let mut i = 0u64;
    loop {
        let name = format!("user{prefix}-{i}");
        emu.create_user(&pool, UserSpec::new(name.clone(), "Passw0rd!"))
            .unwrap();
        // Acknowledged: the commit returned. The line reaches the kernel before the next write.
        writeln!(log, "{name}").unwrap();
        i += 1;
    }
}

#[tokio::test]
async fn kill_9_at_any_moment_loses_no_acknowledged_write() {
    let dir = temp_dir("kill9");
    let file = dir.join("state.db");
    let acked = dir.join("acked.txt");
    let exe = std::env::current_exe().unwrap();
    let mut last = 0usize;
    for round in 0..6u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "persist::child_writer",
                "--ignored",
                "--nocapture",
            ])
            .env("COGNITO_EMULATOR_KILL_STATE", &file)
            .env("COGNITO_EMULATOR_KILL_ACKED", &acked)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it write for a while, at a different moment each round.
        std::thread::sleep(Duration::from_millis(400 + round * 137));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let emu = Emulator::start(EmulatorConfig::default().state_file(Some(file.clone())))
            .await
            .expect("the database opens after kill -9");
        emu.shutdown().await;
        let names: Vec<String> = std::fs::read_to_string(&acked)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        let c = rusqlite::Connection::open(&file).unwrap();
        for name in &names {
            let n: i64 = c
                .query_row(
                    "SELECT count(*) FROM users WHERE username = ?1",
                    [name],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "acknowledged user {name} lost (round {round})");
        }
        assert!(names.len() > last, "round {round} wrote nothing");
        last = names.len();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A JSON state file of the earlier format, written as that emulator wrote it: one pool with a
/// public client, a user `alice` (password `Passw0rd!`), an outbox message.
fn legacy_state(pool_id: &str) -> serde_json::Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let salt = srp_core::Salt::from_integer_bytes(&[7u8; 16]).unwrap();
    let v = srp_core::Verifier::for_user(
        pool_id,
        "alice",
        &srp_core::Password::new("Passw0rd!"),
        salt,
    )
    .unwrap();
    let spec = PoolSpec::named("legacy").id(Some(pool_id.to_owned()));
    let client = ClientSpec::public("web").client_id(Some("legacyclient".to_owned()));
    json!({
        "pools": {
            pool_id: {
                "id": pool_id,
                "spec": spec,
                "created": T0, "modified": T0,
                "key": null,
                "clients": {"legacyclient": {
                    "id": "legacyclient", "secret": null, "spec": client,
                    "created": T0, "modified": T0
                }},
                "users": {"alice": {
                    "username": "alice",
                    "sub": "6c0a1c66-0000-4000-8000-000000000001",
                    "attributes": {"email": "alice@example.com", "email_verified": "true",
                                   "sub": "6c0a1c66-0000-4000-8000-000000000001"},
                    "status": "CONFIRMED", "enabled": true,
                    "created": T0, "modified": T0,
                    "verifier": {"salt": b64.encode(v.salt().padded_bytes()),
                                 "verifier": b64.encode(v.verifier_bytes())},
                    "mfa": {"sms": false, "totp": false, "email": false, "preferred": null,
                            "totp_secret": null, "pending_totp_secret": null,
                            "last_totp_step": null},
                    "codes": {}, "devices": {}, "device_group_key": "-legacyGK1",
                    "groups": [], "tokens_valid_after": 0
                }},
                "groups": {},
                "refresh_tokens": {},
                "revoked_origins": [],
                "identity_providers": {},
                "extra": null
            }
        },
        "outbox": [{
            "pool_id": pool_id, "username": "alice", "destination": "alice@example.com",
            "medium": "EMAIL", "kind": "SignUp", "code": "123456",
            "message": "Your confirmation code is 123456", "at": T0
        }],
        "signin_failures": {},
        "simulation_secret": "",
        "extras": {"auth_events": {}, "risk": {}}
    })
}

#[tokio::test]
async fn a_json_state_file_is_imported_and_left_untouched() {
    let dir = temp_dir("import");
    let file = dir.join("state.json");
    let pool_id = "us-east-1_Legacy001";
    let text = serde_json::to_vec_pretty(&legacy_state(pool_id)).unwrap();
    std::fs::write(&file, &text).unwrap();
    let config = || EmulatorConfig::deterministic(T0, 9).state_file(Some(file.clone()));
    let emu = Emulator::start(config()).await.unwrap();
    let db = dir.join("state.json.sqlite");
    assert_eq!(emu.database_path().as_deref(), Some(db.as_path()));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        text,
        "the JSON file is kept as it was"
    );
    assert_eq!(emu.latest_code(pool_id, "alice").as_deref(), Some("123456"));
    let env = Env {
        emu,
        http: hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http(),
        pool: pool_id.to_owned(),
        client: AppClient::new("legacyclient".to_owned(), None),
    };
    assert_eq!(
        crate::common::code(&env.srp_login("alice", "Passw0rd!").await),
        "OK"
    );
    env.user("bob", "Passw0rd!");
    // The next start opens the database (no second import): bob is there.
    let env = restart(env, config()).await;
    assert_eq!(
        crate::common::code(&env.srp_login("bob", "Passw0rd!").await),
        "OK"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM users"), 2);
    env.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_second_emulator_on_the_same_state_is_refused() {
    let dir = temp_dir("second");
    let file = dir.join("state.db");
    let config = || EmulatorConfig::default().state_file(Some(file.clone()));
    let first = Emulator::start(config()).await.unwrap();
    let e = Emulator::start(config()).await.unwrap_err().to_string();
    assert!(e.contains("in use by another emulator"), "{e}");
    first.shutdown().await;
    // Free again once the first one is gone.
    let again = Emulator::start(config()).await.unwrap();
    again.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_state_file_in_a_missing_directory_fails_at_start() {
    let dir = temp_dir("missingdir");
    let file = dir.join("no").join("such").join("state.db");
    let e = Emulator::start(EmulatorConfig::default().state_file(Some(file.clone())))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not exist"), "{e}");
    assert!(!file.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_failed_write_changes_nothing() {
    let dir = temp_dir("failedwrite");
    let file = dir.join("state.db");
    let config = EmulatorConfig::deterministic(T0, 11).state_file(Some(file.clone()));
    let env = env_config(
        PoolSpec::named("p").auto_verified_attributes(vec!["email".to_owned()]),
        ClientSpec::public("c"),
        config,
    )
    .await;
    // SignUp writes the user, then the outbox message with the code: make the second write
    // fail (another connection, as the sqlite3 shell would).
    let side = rusqlite::Connection::open(&file).unwrap();
    side.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
    )
    .unwrap();
    let sign_up = json!({"ClientId": env.cid(), "Username": "carol", "Password": "Passw0rd!",
                         "UserAttributes": [{"Name": "email", "Value": "carol@example.com"}]});
    let r = env.call("SignUp", sign_up.clone()).await;
    let e = r.unwrap_err();
    assert_eq!(e.status, 500, "{}", e.message);
    assert_eq!(count(&file, "SELECT count(*) FROM users"), 0, "rolled back");
    side.execute_batch("DROP TRIGGER refuse;").unwrap();
    // The name is free: the first attempt left nothing behind.
    let r = env.call("SignUp", sign_up).await.unwrap();
    assert_eq!(r["UserConfirmed"], false);
    assert_eq!(count(&file, "SELECT count(*) FROM outbox"), 1);
    env.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn expired_sessions_tokens_and_messages_are_pruned() {
    let dir = temp_dir("prune");
    let file = dir.join("state.db");
    let config = EmulatorConfig::deterministic(T0, 13).state_file(Some(file.clone()));
    let env = env_config(
        PoolSpec::named("p").auto_verified_attributes(vec!["email".to_owned()]),
        ClientSpec::public("c"),
        config,
    )
    .await;
    env.user("alice", "Passw0rd!");
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let refresh = tokens(&t)["RefreshToken"].clone();
    // An abandoned sign-in, a revoked sign-in, a sign-up code.
    let _ = env.srp_start("alice", None).await.0;
    env.call(
        "GlobalSignOut",
        json!({"AccessToken": tokens(&t)["AccessToken"]}),
    )
    .await
    .unwrap();
    env.call(
        "SignUp",
        json!({"ClientId": env.cid(), "Username": "dave", "Password": "Passw0rd!",
               "UserAttributes": [{"Name": "email", "Value": "dave@example.com"}]}),
    )
    .await
    .unwrap();
    assert_eq!(count(&file, "SELECT count(*) FROM sessions"), 1);
    assert_eq!(count(&file, "SELECT count(*) FROM refresh_tokens"), 1);
    assert_eq!(count(&file, "SELECT count(*) FROM revoked_origins"), 1);
    assert_eq!(count(&file, "SELECT count(*) FROM outbox"), 1);

    // Past the session's 3 minutes: the next write prunes the session only.
    env.advance(600);
    env.user("erin", "Passw0rd!");
    assert_eq!(count(&file, "SELECT count(*) FROM sessions"), 0);
    assert_eq!(count(&file, "SELECT count(*) FROM refresh_tokens"), 1);
    assert_eq!(count(&file, "SELECT count(*) FROM outbox"), 1);

    // Past the refresh token's 30 days and the outbox's 7 days: all gone.
    env.advance(31 * 24 * 3600);
    env.user("frank", "Passw0rd!");
    assert_eq!(count(&file, "SELECT count(*) FROM refresh_tokens"), 0);
    assert_eq!(count(&file, "SELECT count(*) FROM revoked_origins"), 0);
    assert_eq!(count(&file, "SELECT count(*) FROM outbox"), 0);
    // A pruned token is refused as an unknown one.
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert_eq!(crate::common::code(&r), "NotAuthorizedException");
    assert_eq!(count(&file, "SELECT count(*) FROM users"), 4);
    env.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bulk_creation_is_one_transaction() {
    let env = env(false).await;
    let specs = |names: &[&str]| {
        names
            .iter()
            .map(|n| UserSpec::new(*n, "Passw0rd!").attribute("email", format!("{n}@example.com")))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        env.emu
            .create_users(&env.pool, specs(&["ann", "ben", "cid"]))
            .unwrap(),
        3
    );
    // Their verifiers were computed ahead, for the right names: they sign in.
    for n in ["ann", "ben", "cid"] {
        assert_eq!(
            crate::common::code(&env.srp_login(n, "Passw0rd!").await),
            "OK"
        );
    }
    // One refused (ann exists) and none is created.
    let e = env
        .emu
        .create_users(&env.pool, specs(&["dan", "ann"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("exists"), "{e}");
    let r = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": env.pool, "Username": "dan"}),
        )
        .await;
    assert_eq!(crate::common::code(&r), "UserNotFoundException");
    env.emu.shutdown().await;
}
