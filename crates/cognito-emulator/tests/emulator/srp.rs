use crate::common::*;
use cognito_emulator::*;
use serde_json::json;

#[tokio::test]
async fn srp_login_right_and_wrong_password() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    let ok = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let t = tokens(&ok);
    assert_eq!(t["TokenType"], "Bearer");
    assert!(t["RefreshToken"].is_string());
    let wrong = env.srp_login("alice", "nope").await.unwrap_err();
    assert_eq!(wrong.code, "NotAuthorizedException");
    assert_eq!(wrong.message, "Incorrect username or password.");
    // An unknown user gets a simulated challenge (PreventUserExistenceErrors), then the proof
    // fails like a wrong password.
    let unknown = env.srp_login("bob", "Passw0rd!").await.unwrap_err();
    assert_eq!(unknown, wrong);
}

#[tokio::test]
async fn password_verifier_parameters_like_cognito() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    let (_, r) = env.srp_start("alice", None).await;
    let r = r.unwrap();
    let p = &r["ChallengeParameters"];
    assert_eq!(p["USER_ID_FOR_SRP"], "alice");
    assert_eq!(p["USERNAME"], "alice");
    for k in ["SALT", "SRP_B", "SECRET_BLOCK"] {
        assert!(p[k].as_str().unwrap().len() > 10, "{k}");
    }
    assert!(r.get("Session").is_none());
}

#[tokio::test]
async fn secret_hash_required_and_checked() {
    let env = env(true).await;
    env.user("alice", "Passw0rd!");
    assert_eq!(code(&env.srp_login("alice", "Passw0rd!").await), "OK");
    // Missing on InitiateAuth.
    let e = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    assert!(
        e.message.contains("SECRET_HASH was not received"),
        "{}",
        e.message
    );
    // Hash over the wrong username on the challenge step.
    let (eph, r) = env.srp_start("alice", None).await;
    let ch = r.unwrap();
    let mut resp = env.claim(&eph, &ch, "Passw0rd!", &timestamp(&env));
    resp["SECRET_HASH"] = json!(env.hash("mallory").unwrap());
    let e = env
        .respond("PASSWORD_VERIFIER", resp, None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    assert_eq!(
        e.message,
        format!("Unable to verify secret hash for client {}", env.cid())
    );
    // Missing on the challenge step.
    let (eph, r) = env.srp_start("alice", None).await;
    let ch = r.unwrap();
    let mut resp = env.claim(&eph, &ch, "Passw0rd!", &timestamp(&env));
    resp.as_object_mut().unwrap().remove("SECRET_HASH");
    let e = env
        .respond("PASSWORD_VERIFIER", resp, None)
        .await
        .unwrap_err();
    assert!(e.message.contains("SECRET_HASH was not received"));
}

#[tokio::test]
async fn session_is_single_use_and_expires() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    let (eph, r) = env.srp_start("alice", None).await;
    let ch = r.unwrap();
    let resp = env.claim(&eph, &ch, "Passw0rd!", &timestamp(&env));
    assert_eq!(
        code(&env.respond("PASSWORD_VERIFIER", resp.clone(), None).await),
        "OK"
    );
    let replay = env
        .respond("PASSWORD_VERIFIER", resp, None)
        .await
        .unwrap_err();
    assert_eq!(replay.code, "NotAuthorizedException");
    // A wrong answer consumes it too.
    let (eph, r) = env.srp_start("alice", None).await;
    let ch = r.unwrap();
    let bad = env.claim(&eph, &ch, "wrong", &timestamp(&env));
    assert!(env.respond("PASSWORD_VERIFIER", bad, None).await.is_err());
    let good = env.claim(&eph, &ch, "Passw0rd!", &timestamp(&env));
    assert!(env.respond("PASSWORD_VERIFIER", good, None).await.is_err());
    // Expiry after 3 minutes.
    let (eph, r) = env.srp_start("alice", None).await;
    let ch = r.unwrap();
    env.advance(181);
    let late = env.claim(&eph, &ch, "Passw0rd!", &timestamp(&env));
    let e = env
        .respond("PASSWORD_VERIFIER", late, None)
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "Invalid session for the user, session is expired."
    );
}

#[tokio::test]
async fn timestamp_format_and_window() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    for (ts, expected) in [
        ("2026-11-21T09:05:03Z", "InvalidParameterException"),
        ("Sat Nov 21 09:15:03 UTC 2026", "NotAuthorizedException"), // 10 minutes ahead
        ("Sat Nov 21 08:55:03 UTC 2026", "NotAuthorizedException"), // 10 minutes behind
        ("Mon Nov 21 09:05:03 UTC 2026", "NotAuthorizedException"), // wrong weekday
        ("Sat Nov 21 09:08:03 UTC 2026", "OK"),                     // 3 minutes ahead
    ] {
        let (eph, r) = env.srp_start("alice", None).await;
        let ch = r.unwrap();
        let resp = env.claim(&eph, &ch, "Passw0rd!", ts);
        let r = env.respond("PASSWORD_VERIFIER", resp, None).await;
        assert_eq!(code(&r), expected, "{ts}: {r:?}");
    }
}

#[tokio::test]
async fn user_password_auth_and_status_checks() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    assert_eq!(code(&env.password_login("alice", "Passw0rd!").await), "OK");
    assert_eq!(
        code(&env.password_login("alice", "x").await),
        "NotAuthorizedException"
    );
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("carol", "Passw0rd!").status(Some("UNCONFIRMED".into())),
        )
        .unwrap();
    assert_eq!(
        code(&env.password_login("carol", "Passw0rd!").await),
        "UserNotConfirmedException"
    );
    assert_eq!(
        code(&env.srp_login("carol", "Passw0rd!").await),
        "UserNotConfirmedException"
    );
    env.emu
        .create_user(&env.pool, UserSpec::new("dave", "Passw0rd!").enabled(false))
        .unwrap();
    let e = env.srp_login("dave", "Passw0rd!").await.unwrap_err();
    assert_eq!(e.message, "User is disabled.");
}

#[tokio::test]
async fn flows_can_be_disabled_per_client() {
    let env = env_with(
        PoolSpec::named("p"),
        ClientSpec::public("c").explicit_auth_flows(vec!["ALLOW_USER_SRP_AUTH".into()]),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let e = env.password_login("alice", "Passw0rd!").await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    assert_eq!(
        e.message,
        "USER_PASSWORD_AUTH flow not enabled for this client"
    );
}

#[tokio::test]
async fn new_password_required() {
    let env = env_with(
        PoolSpec::named("p").required_attributes(vec!["name".into()]),
        ClientSpec::confidential("c"),
    )
    .await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::default()
                .username("alice".into())
                .temporary_password(Some("Temp0rary!".into())),
        )
        .unwrap();
    let ch = env.srp_login("alice", "Temp0rary!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let required: Vec<String> = serde_json::from_str(
        ch["ChallengeParameters"]["requiredAttributes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(required, vec!["userAttributes.name".to_string()]);
    let session = ch["Session"].clone();
    // Policy is enforced.
    let e = env
        .respond(
            "NEW_PASSWORD_REQUIRED",
            json!({"USERNAME": "alice", "NEW_PASSWORD": "short", "userAttributes.name": "A",
                   "SECRET_HASH": env.hash("alice")}),
            Some(&session),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidPasswordException");
    let ch = env.srp_login("alice", "Temp0rary!").await.unwrap();
    let done = env
        .respond(
            "NEW_PASSWORD_REQUIRED",
            json!({"USERNAME": "alice", "NEW_PASSWORD": "N3w-Password", "userAttributes.name": "Alice",
                   "SECRET_HASH": env.hash("alice")}),
            Some(&ch["Session"]),
        )
        .await
        .unwrap();
    assert!(tokens(&done)["AccessToken"].is_string());
    assert_eq!(code(&env.srp_login("alice", "N3w-Password").await), "OK");
    assert_eq!(
        code(&env.srp_login("alice", "Temp0rary!").await),
        "NotAuthorizedException"
    );
}

#[tokio::test]
async fn unimplemented_and_unknown_operations() {
    let env = env(false).await;
    let e = env
        .call("UpdateAuthEventFeedback", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "UnsupportedOperationException");
    assert!(e.message.contains("UpdateAuthEventFeedback"));
    let e = env.call("NoSuchThing", json!({})).await.unwrap_err();
    assert_eq!(e.code, "UnknownOperationException");
    let e = env
        .call("InitiateAuth", json!({"AuthFlow": "USER_SRP_AUTH"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let e = env.call("InitiateAuth", json!("{")).await.unwrap_err();
    assert!(!e.code.is_empty());
}
