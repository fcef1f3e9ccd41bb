//! Standalone mode as `pycognito emulator --port 0 --state F --seed S --outbox-log L` runs it
//! ([`start_standalone`] is what [`serve_standalone`] serves until Ctrl-C).
use crate::common::*;
use cognito_emulator::*;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const POOL: &str = "us-east-1_standalone";
const CLIENT: &str = "standaloneclient";
const SECRET: &str = "standalone-client-secret";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cognito-emulator-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn seed() -> Value {
    json!({"pools": [{
        "name": "standalone", "id": POOL,
        "clients": [{"name": "web", "client_id": CLIENT, "client_secret": SECRET}],
        "groups": [{"name": "admins", "description": "Administrators", "precedence": 1}],
        "users": [{"username": "alice", "password": "Passw0rd!",
                   "attributes": {"email": "alice@example.com"}, "groups": ["admins"]}]
    }]})
}

async fn start(opts: &StandaloneOptions) -> Env {
    let emu = start_standalone(opts).await.unwrap();
    assert!(emu.url().starts_with("http://127.0.0.1:"));
    Env {
        emu,
        http: HyperClient::builder(TokioExecutor::new()).build_http(),
        pool: POOL.to_owned(),
        client: AppClient::new(CLIENT.to_owned(), Some(SECRET.to_owned())),
    }
}

fn log_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn seed_state_file_outbox_log_and_restart() {
    let dir = temp_dir("standalone");
    let seed_file = dir.join("seed.json");
    std::fs::write(&seed_file, serde_json::to_vec_pretty(&seed()).unwrap()).unwrap();
    let opts = StandaloneOptions::default()
        .port(0)
        .state_file(Some(dir.join("state.json")))
        .seed_file(Some(seed_file))
        .outbox_log(Some(dir.join("outbox.jsonl")));

    // Seeded pool, confidential client, user and group: SRP sign-in (srp-core client role).
    let env = start(&opts).await;
    let login = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let id = claims(tokens(&login)["IdToken"].as_str().unwrap());
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["cognito:groups"], json!(["admins"]));
    assert_eq!(id["aud"], CLIENT);
    assert!(dir.join("state.json").exists(), "state file written");

    // ForgotPassword: a line in the outbox log, whose code resets the password.
    assert!(log_lines(&dir.join("outbox.jsonl")).is_empty());
    env.call(
        "ForgotPassword",
        json!({"ClientId": CLIENT, "Username": "alice", "SecretHash": env.hash("alice")}),
    )
    .await
    .unwrap();
    let lines = log_lines(&dir.join("outbox.jsonl"));
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["kind"], "ForgotPassword");
    assert_eq!(line["pool_id"], POOL);
    assert_eq!(line["username"], "alice");
    assert_eq!(line["destination"], "alice@example.com");
    let code = line["code"].as_str().unwrap().to_owned();
    env.call(
        "ConfirmForgotPassword",
        json!({"ClientId": CLIENT, "Username": "alice", "SecretHash": env.hash("alice"),
               "ConfirmationCode": code, "Password": "N3wPassw0rd!"}),
    )
    .await
    .unwrap();
    env.emu.shutdown().await;

    // Restart with the same state file (and seed): the user is kept with the password changed
    // after seeding, not re-seeded.
    let env = start(&opts).await;
    assert_eq!(
        crate::common::code(&env.srp_login("alice", "Passw0rd!").await),
        "NotAuthorizedException"
    );
    let login = env.srp_login("alice", "N3wPassw0rd!").await.unwrap();
    assert!(tokens(&login)["AccessToken"].is_string(), "{login}");
    let pools = env
        .admin("ListUserPools", json!({"MaxResults": 10}))
        .await
        .unwrap();
    assert_eq!(pools["UserPools"].as_array().unwrap().len(), 1, "{pools}");
    env.emu.shutdown().await;

    // A broken seed file is an error, not a silent empty emulator.
    std::fs::write(dir.join("bad.json"), "{not json").unwrap();
    let bad = StandaloneOptions::default().seed_file(Some(dir.join("bad.json")));
    assert!(matches!(
        start_standalone(&bad).await,
        Err(EmulatorError::State(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A seed pool without an id gets a random one; a restart on the same state file recognizes it
/// by name instead of provisioning a second copy.
#[tokio::test]
async fn seed_pools_without_an_id_are_not_duplicated_on_restart() {
    let dir = temp_dir("standalone-noid");
    let seed_file = dir.join("seed.json");
    let seed = json!({"pools": [{"name": "no-id", "clients": [{"name": "web"}],
                                 "users": [{"username": "bob", "password": "Passw0rd!"}]}]});
    std::fs::write(&seed_file, serde_json::to_vec(&seed).unwrap()).unwrap();
    let opts = StandaloneOptions::default()
        .port(0)
        .state_file(Some(dir.join("state.json")))
        .seed_file(Some(seed_file));
    let pool_ids = |pools: Value| -> Vec<String> {
        let mut ids: Vec<String> = pools["UserPools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["Id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let env = start(&opts).await;
    let body = json!({"MaxResults": 10});
    let first = pool_ids(env.admin("ListUserPools", body.clone()).await.unwrap());
    assert_eq!(first.len(), 1, "{first:?}");
    env.emu.shutdown().await;
    let env = start(&opts).await;
    let again = pool_ids(env.admin("ListUserPools", body).await.unwrap());
    assert_eq!(again, first, "the restart kept the one seeded pool");
    env.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// POSTs a text body to an emulator endpoint; (status, JSON answer).
async fn post_text(env: &Env, path: &str, body: &str) -> (u16, Value) {
    use http_body_util::BodyExt;
    let req = http::Request::post(format!("{}{path}", env.emu.url()))
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_owned(),
        )))
        .unwrap();
    let resp = env.http.request(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn fault_mode_over_http_for_a_running_standalone_server() {
    let opts =
        StandaloneOptions::default().faults("throttle=1,ops=GetUser,seed=3".parse().unwrap());
    let emu = start_standalone(&opts).await.unwrap();
    let env = Env {
        emu,
        http: HyperClient::builder(TokioExecutor::new()).build_http(),
        pool: String::new(),
        client: AppClient::new(String::new(), None),
    };
    assert_eq!(
        env.get("/_emulator/faults").await["faults"],
        "throttle=1,ops=GetUser,seed=3"
    );
    let r = env.call("GetUser", json!({"AccessToken": "x"})).await;
    assert_eq!(code(&r), "TooManyRequestsException");
    // Other operations pass through.
    let r = env.call("ListUserPools", json!({"MaxResults": 1})).await;
    assert_ne!(code(&r), "TooManyRequestsException");

    // An invalid spec is refused and changes nothing; a valid one replaces the mode; the
    // emulator's own endpoints are never faulted, so the mode can always be turned off.
    let (status, v) = post_text(&env, "/_emulator/faults", "throttle=2").await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("InvalidParameterException"))
    );
    let (status, v) = post_text(&env, "/_emulator/faults", "throttle=1").await;
    assert_eq!((status, v["faults"].as_str()), (200, Some("throttle=1")));
    let r = env.call("ListUserPools", json!({"MaxResults": 1})).await;
    assert_eq!(code(&r), "TooManyRequestsException");
    let (status, _) = post_text(&env, "/_emulator/faults", "").await;
    assert_eq!(status, 200);
    let r = env.call("GetUser", json!({"AccessToken": "x"})).await;
    assert_eq!(code(&r), "NotAuthorizedException");

    let stats = env.get("/_emulator/stats").await;
    assert_eq!(stats["operations"]["GetUser"]["received"], 2);
    assert_eq!(stats["operations"]["GetUser"]["throttled"], 1);
    assert_eq!(stats["operations"]["GetUser"]["processed"], 1);
    assert_eq!(stats["operations"]["ListUserPools"]["throttled"], 1);
    assert!(stats["operations"].get("-").is_none(), "{stats}");
    env.emu.shutdown().await;
}
