//! Cognito's sign-in protections over HTTP: the temporary lockout after failed attempts, simulated
//! answers for unknown users (PreventUserExistenceErrors), no passwordless first factor when MFA
//! is required, and sign-in by alias only once the alias is verified.

use crate::common::*;
use cognito_emulator::*;
use serde_json::{Value, json};

const WRONG: (&str, &str) = ("NotAuthorizedException", "Incorrect username or password.");
const LOCKED: (&str, &str) = ("NotAuthorizedException", "Password attempts exceeded");

fn err(r: &R) -> (&str, &str) {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => (e.code.as_str(), e.message.as_str()),
    }
}

fn signed_in(r: &R) {
    match r {
        Ok(v) => assert!(
            v["AuthenticationResult"]["AccessToken"].is_string(),
            "no tokens: {v}"
        ),
        Err(e) => panic!("sign-in failed: {e:?}"),
    }
}

async fn alice_env(client: ClientSpec) -> Env {
    let pool = PoolSpec::named("p").alias_attributes(vec!["email".into()]);
    let env = env_with(pool, client).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", "Passw0rd!").attribute("email", "alice@example.com"),
        )
        .unwrap();
    env
}

impl Env {
    async fn user_auth(&self, params: Value) -> R {
        self.call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_AUTH", "ClientId": self.cid(), "AuthParameters": params}),
        )
        .await
    }

    async fn admin_password_login(&self, username: &str, password: &str) -> R {
        self.admin(
            "AdminInitiateAuth",
            json!({"UserPoolId": self.pool, "ClientId": self.cid(), "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": username, "PASSWORD": password}}),
        )
        .await
    }
}

// Cognito: five failed attempts are allowed; then temporary lockouts of 1 s doubling up to about
// 15 minutes; attempts during a lockout are refused ("Password attempts exceeded") and ignored.
#[tokio::test]
async fn wrong_passwords_lock_out_then_the_lockout_expires_and_doubles() {
    let env = alice_env(ClientSpec::public("c")).await;
    for _ in 0..6 {
        assert_eq!(err(&env.password_login("alice", "wrong-1A!").await), WRONG);
    }
    // The 6th failure started a 1 s lockout: the right password is refused, and not counted.
    for _ in 0..3 {
        assert_eq!(err(&env.password_login("alice", "Passw0rd!").await), LOCKED);
    }
    env.advance(1);
    // The 7th failure locks for 2 s.
    assert_eq!(err(&env.password_login("alice", "wrong-1A!").await), WRONG);
    env.advance(1);
    assert_eq!(err(&env.password_login("alice", "Passw0rd!").await), LOCKED);
    env.advance(1);
    signed_in(&env.password_login("alice", "Passw0rd!").await);
    // A proven password resets the count: five free failures again.
    for _ in 0..5 {
        assert_eq!(err(&env.password_login("alice", "wrong-1A!").await), WRONG);
    }
    signed_in(&env.password_login("alice", "Passw0rd!").await);
}

#[tokio::test]
async fn the_lockout_reaches_about_fifteen_minutes_and_a_quiet_period_resets_it() {
    let env = alice_env(ClientSpec::public("c")).await;
    // Failures 6..=16 lock for 1, 2, ..., 512, then 900 s.
    for n in 1..=16u32 {
        assert_eq!(err(&env.password_login("alice", "wrong-1A!").await), WRONG);
        if (6..16).contains(&n) {
            env.advance(1 << (n - 6));
        }
    }
    env.advance(899);
    assert_eq!(err(&env.password_login("alice", "Passw0rd!").await), LOCKED);
    env.advance(1);
    // 15 minutes without an attempt: the count is forgotten, five free failures again.
    for _ in 0..5 {
        assert_eq!(err(&env.password_login("alice", "wrong-1A!").await), WRONG);
    }
    signed_in(&env.password_login("alice", "Passw0rd!").await);
}

#[tokio::test]
async fn srp_proofs_and_every_password_flow_share_the_lockout() {
    let env = alice_env(ClientSpec::public("c")).await;
    // Wrong SRP proofs (PASSWORD_VERIFIER), admin passwords and USER_AUTH passwords all count.
    for _ in 0..2 {
        assert_eq!(err(&env.srp_login("alice", "wrong-1A!").await), WRONG);
    }
    for _ in 0..2 {
        assert_eq!(
            err(&env.admin_password_login("alice", "wrong-1A!").await),
            WRONG
        );
    }
    let user_auth_wrong =
        json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "wrong-1A!"});
    assert_eq!(err(&env.user_auth(user_auth_wrong.clone()).await), WRONG);
    // A challenge opened before the lockout, answered during it, is refused.
    let (eph, open) = env.srp_start("alice", None).await;
    let open = open.unwrap();
    assert_eq!(err(&env.user_auth(user_auth_wrong).await), WRONG);
    let ts = timestamp(&env);
    let right = env.claim(&eph, &open, "Passw0rd!", &ts);
    assert_eq!(
        err(&env.respond("PASSWORD_VERIFIER", right, None).await),
        LOCKED
    );
    // Every flow is refused during the lockout, even with the right password.
    let (_, r) = env.srp_start("alice", None).await;
    assert_eq!(err(&r), LOCKED);
    assert_eq!(
        err(&env.admin_password_login("alice", "Passw0rd!").await),
        LOCKED
    );
    let r = env
        .user_auth(json!({"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!"}))
        .await;
    assert_eq!(err(&r), LOCKED);
    // By alias too: the lockout is the user's.
    assert_eq!(
        err(&env.password_login("alice@example.com", "Passw0rd!").await),
        LOCKED
    );
    env.advance(1);
    signed_in(&env.srp_login("alice", "Passw0rd!").await);
}

// Cognito (PreventUserExistenceErrors ENABLED): USER_SRP_AUTH for an unknown user returns a
// simulated PASSWORD_VERIFIER with the same salt and user id (a UUID) for the same name and pool,
// then fails the proof with the generic NotAuthorizedException.
#[tokio::test]
async fn unknown_users_get_a_simulated_srp_challenge_and_the_wrong_password_error() {
    let env = alice_env(ClientSpec::confidential("c")).await;
    let (eph, first) = env.srp_start("nobody", None).await;
    let first = first.unwrap();
    let (_, real) = env.srp_start("alice", None).await;
    let real = real.unwrap();
    assert_eq!(first["ChallengeName"], real["ChallengeName"]);
    let keys = |v: &Value| -> Vec<String> {
        v["ChallengeParameters"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(&first), keys(&real));
    let p = &first["ChallengeParameters"];
    let id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(p["USERNAME"], p["USER_ID_FOR_SRP"]);
    assert!(p["SRP_B"].as_str().unwrap().len() > 500);
    // The same salt and user id again (a repeat reveals nothing), a fresh B.
    let (_, again) = env.srp_start("nobody", None).await;
    let q = &again.unwrap()["ChallengeParameters"];
    assert_eq!(
        (&p["SALT"], &p["USER_ID_FOR_SRP"]),
        (&q["SALT"], &q["USER_ID_FOR_SRP"])
    );
    assert_ne!(p["SRP_B"], q["SRP_B"]);
    let (_, other) = env.srp_start("somebody-else", None).await;
    assert_ne!(p["SALT"], other.unwrap()["ChallengeParameters"]["SALT"]);
    // The proof fails exactly like a wrong password.
    let ts = timestamp(&env);
    let proof = env.claim(&eph, &first, "Passw0rd!", &ts);
    let unknown = env.respond("PASSWORD_VERIFIER", proof, None).await;
    let wrong = env.srp_login("alice", "wrong-1A!").await;
    assert_eq!(err(&unknown), WRONG);
    assert_eq!(err(&unknown), err(&wrong));
}

#[tokio::test]
async fn unknown_users_fail_like_wrong_passwords_in_every_flow() {
    let env = alice_env(ClientSpec::public("c")).await;
    for name in ["nobody", "alice"] {
        assert_eq!(err(&env.password_login(name, "wrong-1A!").await), WRONG);
        assert_eq!(
            err(&env.admin_password_login(name, "wrong-1A!").await),
            WRONG
        );
        let r = env
            .user_auth(json!({"USERNAME": name, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "wrong-1A!"}))
            .await;
        assert_eq!(err(&r), WRONG);
    }
    // USER_AUTH without a preference: the SELECT_CHALLENGE of a user with an email, whose
    // answers fail: a one-time password that nothing matches, or the wrong-password error.
    let real = env.user_auth(json!({"USERNAME": "alice"})).await.unwrap();
    let r = env.user_auth(json!({"USERNAME": "nobody"})).await.unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(r["AvailableChallenges"], real["AvailableChallenges"]);
    let mut otps = Vec::new();
    for (name, sel) in [("alice", &real), ("nobody", &r)] {
        let otp = env
            .respond(
                "SELECT_CHALLENGE",
                json!({"USERNAME": name, "ANSWER": "EMAIL_OTP"}),
                Some(&sel["Session"]),
            )
            .await
            .unwrap();
        assert_eq!(otp["ChallengeName"], "EMAIL_OTP");
        let wrong_code = env
            .respond(
                "EMAIL_OTP",
                json!({"USERNAME": name, "EMAIL_OTP_CODE": "00000000"}),
                Some(&otp["Session"]),
            )
            .await;
        otps.push((
            otp,
            err(&wrong_code).0.to_owned(),
            err(&wrong_code).1.to_owned(),
        ));
    }
    let keys = |v: &Value| -> Vec<String> {
        v["ChallengeParameters"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(&otps[0].0), keys(&otps[1].0));
    assert_eq!(
        otps[1].0["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    assert_eq!(otps[0].1, "CodeMismatchException");
    assert_eq!((&otps[0].1, &otps[0].2), (&otps[1].1, &otps[1].2));
    let r = env.user_auth(json!({"USERNAME": "nobody"})).await.unwrap();
    let r = env
        .respond(
            "SELECT_CHALLENGE",
            json!({"USERNAME": "nobody", "ANSWER": "PASSWORD", "PASSWORD": "Passw0rd!"}),
            Some(&r["Session"]),
        )
        .await;
    assert_eq!(err(&r), WRONG);
    // PASSWORD_SRP as the first factor: the simulated verifier.
    let (eph, r) = {
        let rng = ring::rand::SystemRandom::new();
        let eph = srp_core::ClientEphemeral::generate(&rng).unwrap();
        let r = env
            .user_auth(
                json!({"USERNAME": "nobody", "PREFERRED_CHALLENGE": "PASSWORD_SRP",
                              "SRP_A": eph.public().to_hex()}),
            )
            .await;
        (eph, r.unwrap())
    };
    assert_eq!(r["ChallengeName"], "PASSWORD_VERIFIER");
    let ts = timestamp(&env);
    let proof = env.claim(&eph, &r, "Passw0rd!", &ts);
    assert_eq!(
        err(&env.respond("PASSWORD_VERIFIER", proof, None).await),
        WRONG
    );
    // CUSTOM_AUTH: the generic failure.
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": env.cid(), "AuthParameters": {"USERNAME": "nobody"}}),
        )
        .await;
    assert_eq!(err(&r), WRONG);
    // Unknown names lock out like users: five failures so far, the sixth locks.
    assert_eq!(err(&env.password_login("nobody", "Passw0rd!").await), WRONG);
    assert_eq!(
        err(&env.password_login("nobody", "Passw0rd!").await),
        LOCKED
    );
    let (_, r) = env.srp_start("nobody", None).await;
    assert_eq!(err(&r), LOCKED);
}

#[tokio::test]
async fn without_prevent_user_existence_errors_unknown_users_are_not_found() {
    let env = alice_env(ClientSpec::public("c").prevent_user_existence_errors(false)).await;
    let not_found = ("UserNotFoundException", "User does not exist.");
    assert_eq!(
        err(&env.password_login("nobody", "Passw0rd!").await),
        not_found
    );
    let (_, r) = env.srp_start("nobody", None).await;
    assert_eq!(err(&r), not_found);
    assert_eq!(err(&env.password_login("alice", "wrong-1A!").await), WRONG);
}

// Cognito: passwordless first factors (email / SMS one-time passwords) are not available when the
// pool requires MFA.
#[tokio::test]
async fn an_mfa_required_pool_offers_no_one_time_password_first_factor() {
    let env = env_with(
        PoolSpec::named("p").mfa(MfaConfig::On),
        ClientSpec::public("c"),
    )
    .await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("bob", "Passw0rd!")
                .attribute("email", "bob@example.com")
                .attribute("phone_number", "+15555550100")
                .mfa(
                    UserMfaSpec::default()
                        .totp_secret(Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()))
                        .preferred(Some("SOFTWARE_TOKEN_MFA".into())),
                ),
        )
        .unwrap();
    let r = env.user_auth(json!({"USERNAME": "bob"})).await.unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        r["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    let unknown = env.user_auth(json!({"USERNAME": "nobody"})).await.unwrap();
    assert_eq!(unknown["AvailableChallenges"], r["AvailableChallenges"]);
    // Answering with a one-time password anyway is refused, whichever way it is asked.
    let refused = env
        .respond(
            "SELECT_CHALLENGE",
            json!({"USERNAME": "bob", "ANSWER": "EMAIL_OTP"}),
            Some(&r["Session"]),
        )
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    let r = env.user_auth(json!({"USERNAME": "bob"})).await.unwrap();
    let refused = env
        .respond("SMS_OTP", json!({"USERNAME": "bob"}), Some(&r["Session"]))
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    // A preferred EMAIL_OTP is not honoured: the choice comes back without it, nothing is sent.
    let r = env
        .user_auth(json!({"USERNAME": "bob", "PREFERRED_CHALLENGE": "EMAIL_OTP"}))
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        r["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
    assert!(env.emu.outbox().is_empty());
    // The password still leads to the TOTP challenge.
    let r = env
        .user_auth(
            json!({"USERNAME": "bob", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!"}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SOFTWARE_TOKEN_MFA");
}

// Cognito: an email / phone alias signs in only once it is verified.
#[tokio::test]
async fn only_verified_aliases_sign_in() {
    for prevent in [true, false] {
        let env = env_with(
            PoolSpec::named("p").alias_attributes(vec!["email".into(), "phone_number".into()]),
            ClientSpec::public("c").prevent_user_existence_errors(prevent),
        )
        .await;
        env.emu
            .create_user(
                &env.pool,
                UserSpec::new("carol", "Passw0rd!")
                    .attribute("email", "carol@example.com")
                    .attribute("email_verified", "false")
                    .attribute("phone_number", "+15555550101")
                    .attribute("phone_number_verified", "false"),
            )
            .unwrap();
        env.emu
            .create_user(
                &env.pool,
                UserSpec::new("dave", "Passw0rd!")
                    .attribute("email", "dave@example.com")
                    .attribute("phone_number", "+15555550102"),
            )
            .unwrap();
        let unknown = if prevent {
            WRONG
        } else {
            ("UserNotFoundException", "User does not exist.")
        };
        for alias in ["carol@example.com", "+15555550101"] {
            assert_eq!(err(&env.password_login(alias, "Passw0rd!").await), unknown);
        }
        if prevent {
            // The unverified alias gets the simulated challenge of an unknown name.
            let (_, r) = env.srp_start("carol@example.com", None).await;
            let id = r.unwrap()["ChallengeParameters"]["USER_ID_FOR_SRP"].clone();
            assert_ne!(id, "carol");
            assert_eq!(
                err(&env.srp_login("carol@example.com", "Passw0rd!").await),
                WRONG
            );
        }
        signed_in(&env.password_login("carol", "Passw0rd!").await);
        signed_in(&env.password_login("dave@example.com", "Passw0rd!").await);
        signed_in(&env.password_login("+15555550102", "Passw0rd!").await);
        signed_in(&env.srp_login("DAVE@example.com", "Passw0rd!").await);
    }
}

#[tokio::test]
async fn lockouts_and_simulated_salts_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "cognito-emulator-signin-protections-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let config = || EmulatorConfig::deterministic(T0, 5).state_file(Some(file.clone()));
    let env = env_config(PoolSpec::named("p"), ClientSpec::public("c"), config()).await;
    env.user("alice", "Passw0rd!");
    for _ in 0..6 {
        assert_eq!(err(&env.password_login("alice", "wrong-1A!").await), WRONG);
    }
    let (_, r) = env.srp_start("nobody", None).await;
    let salt = r.unwrap()["ChallengeParameters"]["SALT"].clone();
    let (pool, client, http) = (env.pool.clone(), env.client.clone(), env.http.clone());
    env.emu.shutdown().await;

    let emu = Emulator::start(config()).await.unwrap();
    let env = Env {
        emu,
        http,
        pool,
        client,
    };
    assert_eq!(err(&env.password_login("alice", "Passw0rd!").await), LOCKED);
    let (_, r) = env.srp_start("nobody", None).await;
    assert_eq!(r.unwrap()["ChallengeParameters"]["SALT"], salt);
    env.advance(1);
    signed_in(&env.password_login("alice", "Passw0rd!").await);
    env.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
