//! Reads never wait for a writer: with another connection holding the database's write lock
//! (a write transaction left open), the read-only endpoints and operations still answer.

use crate::common::*;
use cognito_emulator::*;
use serde_json::json;

#[tokio::test]
async fn reads_are_answered_while_another_connection_holds_the_write_lock() {
    let dir = std::env::temp_dir().join(format!(
        "cognito-emulator-concurrency-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = EmulatorConfig::deterministic(T0, 11).state_file(Some(dir.join("state.db")));
    let env = env_config(PoolSpec::named("p"), ClientSpec::public("c"), config).await;
    env.user("alice", "Passw0rd!x");
    let signed_in = env.srp_login("alice", "Passw0rd!x").await.unwrap();
    let access = tokens(&signed_in)["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another connection takes the write lock and writes, without committing: a writer that
    // waited for it would wait until the end of this test (or fail after the busy timeout).
    let db = env.emu.database_path().unwrap();
    let writer = rusqlite::Connection::open(&db).unwrap();
    writer
        .execute_batch(
            "BEGIN IMMEDIATE; \
             INSERT INTO sessions(id, pool, expires, doc) VALUES ('held', 'p', 0, '{}');",
        )
        .unwrap();
    assert!(!writer.is_autocommit());

    // JWKS and OpenID discovery (served from memory).
    let jwks = env
        .get(&format!("/{}/.well-known/jwks.json", env.pool))
        .await;
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    let oidc = env
        .get(&format!("/{}/.well-known/openid-configuration", env.pool))
        .await;
    assert!(oidc["issuer"].as_str().unwrap().ends_with(&env.pool));
    // GetUser: a read transaction of its own on the database (WAL: its snapshot does not wait).
    let me = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(me["Username"], "alice");
    // The admin reads too.
    let admin = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": env.pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(admin["UserStatus"], "CONFIRMED");
    // The uncommitted write is not seen.
    assert!(env.emu.outbox().is_empty());

    writer.execute_batch("ROLLBACK").unwrap();
    // Writes go on once the lock is released.
    env.call(
        "UpdateUserAttributes",
        json!({"AccessToken": access, "UserAttributes": [{"Name": "name", "Value": "Alice"}]}),
    )
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
