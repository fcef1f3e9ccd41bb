use crate::common::*;
use cognito_emulator::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cognito-emulator-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn state_survives_restart_with_keys_and_verifiers() {
    let dir = temp_dir("restart");
    let file = dir.join("state.json");
    let config = || EmulatorConfig {
        state_file: Some(file.clone()),
        ..EmulatorConfig::deterministic(T0, 3)
    };
    let env = env_config(PoolSpec::named("p"), ClientSpec::public("c"), config()).await;
    env.user("alice", "Passw0rd!");
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let refresh = tokens(&t)["RefreshToken"].clone();
    let access = tokens(&t)["AccessToken"].clone();
    let (pool, client) = (env.pool.clone(), env.client.clone());
    env.emu.shutdown().await;

    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("Passw0rd!"), "passwords are never stored");

    let emu = Emulator::start(config()).await.unwrap();
    let env2 = Env {
        emu,
        http: env.http.clone(),
        pool,
        client,
    };
    assert_eq!(
        crate::common::code(&env2.srp_login("alice", "Passw0rd!").await),
        "OK"
    );
    // The same pool key: the old access token is still valid.
    let u = env2
        .call("GetUser", serde_json::json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(u["Username"], "alice");
    let r = env2
        .call(
            "InitiateAuth",
            serde_json::json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env2.cid(),
                               "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert_eq!(crate::common::code(&r), "OK");
    env2.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Child side of the kill -9 test: writes to the state file as fast as it can, forever.
#[tokio::test]
#[ignore = "run by kill_9_at_any_moment_leaves_a_loadable_file"]
async fn child_writer() {
    let Ok(path) = std::env::var("COGNITO_EMULATOR_KILL_STATE") else {
        return;
    };
    let emu = Emulator::start(EmulatorConfig {
        state_file: Some(PathBuf::from(path)),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let pool = emu.create_pool(PoolSpec::named("kill")).unwrap();
    let mut i = 0u64;
    loop {
        emu.create_user(&pool, UserSpec::new(format!("user{i}"), "Passw0rd!"))
            .unwrap();
        i += 1;
    }
}

#[tokio::test]
async fn kill_9_at_any_moment_leaves_a_loadable_file() {
    let dir = temp_dir("kill9");
    let file = dir.join("state.json");
    let exe = std::env::current_exe().unwrap();
    // Leftovers: one of a writer that is gone (removed at the next start), one of a process
    // that still runs (pid 1: kept, it could be mid-write).
    let gone = {
        let mut c = Command::new(&exe)
            .arg("--list")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    std::fs::write(dir.join(format!(".state.json.tmp-{gone}")), b"{partial").unwrap();
    std::fs::write(dir.join(".state.json.tmp-1"), b"{partial").unwrap();
    let mut last_users = 0usize;
    for round in 0..6u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "persist::child_writer",
                "--ignored",
                "--nocapture",
            ])
            .env("COGNITO_EMULATOR_KILL_STATE", &file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it write for a while, at a different moment each round.
        std::thread::sleep(Duration::from_millis(300 + round * 137));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let emu = Emulator::start(EmulatorConfig {
            state_file: Some(file.clone()),
            ..EmulatorConfig::default()
        })
        .await
        .expect("the state file loads after kill -9");
        let users = emu.outbox().len().max(
            std::fs::read_to_string(&file)
                .map(|t| t.matches("\"username\":").count())
                .unwrap_or(0),
        );
        assert!(users >= last_users, "no data lost that was already durable");
        #[cfg(target_os = "linux")]
        {
            let left: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".state.json.tmp-"))
                .collect();
            assert_eq!(
                left,
                [".state.json.tmp-1"],
                "a dead writer's temporary file is left, or a live one's removed"
            );
        }
        last_users = users;
        emu.shutdown().await;
    }
    assert!(last_users > 0, "the child wrote something");
    let _ = std::fs::remove_dir_all(&dir);
}
