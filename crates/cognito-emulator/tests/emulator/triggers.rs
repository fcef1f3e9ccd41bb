//! Lambda triggers, with handlers written as users write them:
//!
//! - Python handlers (`def lambda_handler(event, context)`) reading the events through AWS
//!   Lambda Powertools' Cognito event classes (`interop/triggers/*.py`, Powertools pinned in
//!   `interop/triggers/requirements.txt`, installed on first use into
//!   `<target>/tmp/triggers-venv`), run as local commands by `interop/triggers/run_handler.py`.
//!   Powertools is a model of the events nobody here wrote: a field it reads that the emulator
//!   does not send fails the handler. Without Python or the network the tests print why and
//!   are skipped, except with `CI=true`, where that is a failure.
//! - A Rust handler over HTTP speaking Lambda's `Invoke` API (always run).
use crate::common::*;
use bytes::Bytes;
use cognito_emulator::*;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const HANDLERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/interop/triggers");

pub(crate) fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn unavailable(why: &str) {
    assert!(
        !under_ci(),
        "the Python trigger handlers cannot run and CI=true forbids skipping them: {why}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED Python trigger test (set CI=true to make this a failure): {why}"
    );
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    match cmd.output() {
        Err(e) => Err(format!("{shown}: {e}")),
        Ok(out) if !out.status.success() => Err(format!(
            "{shown} exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )),
        Ok(_) => Ok(()),
    }
}

/// The venv's Python with the pinned Powertools, created when missing or stale (one test at a
/// time builds it).
fn python() -> Result<PathBuf, String> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Ok(p) = std::env::var("COGNITO_TRIGGERS_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let reqs_path = Path::new(HANDLERS).join("requirements.txt");
    let reqs = std::fs::read_to_string(&reqs_path).map_err(|e| e.to_string())?;
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("triggers-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join("triggers-requirements.txt");
    if python.exists() && std::fs::read_to_string(&marker).is_ok_and(|m| m == reqs) {
        return Ok(python);
    }
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--quiet",
            "--retries",
            "2",
            "--timeout",
            "30",
            "-r",
        ])
        .arg(&reqs_path))?;
    std::fs::write(&marker, &reqs).map_err(|e| e.to_string())?;
    Ok(python)
}

async fn py() -> Option<PathBuf> {
    match tokio::task::spawn_blocking(python).await.unwrap() {
        Ok(p) => Some(p),
        Err(why) => {
            unavailable(&why);
            None
        }
    }
}

/// A Python handler as a command: `run_handler.py FILE FUNCTION LOG`.
fn handler(python: &Path, file: &str, function: &str, log: &Path) -> TriggerHandler {
    TriggerHandler::command(
        python.to_string_lossy(),
        [
            format!("{HANDLERS}/run_handler.py"),
            format!("{HANDLERS}/{file}"),
            function.to_owned(),
            log.to_string_lossy().into_owned(),
        ],
    )
}

/// The events a handler received (its log).
fn events(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn log_file(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trigger-logs");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

fn config() -> EmulatorConfig {
    EmulatorConfig::deterministic(T0, 7)
}

async fn sign_up(env: &Env, username: &str, email: &str) -> R {
    env.call(
        "SignUp",
        json!({
            "ClientId": env.cid(),
            "Username": username,
            "Password": "Passw0rd!",
            "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "name", "Value": "Ann"}],
            "ValidationData": [{"Name": "invite", "Value": "X1"}],
            "ClientMetadata": {"campaign": "spring"},
        }),
    )
    .await
}

async fn status(env: &Env, username: &str) -> Option<String> {
    env.admin(
        "AdminGetUser",
        json!({"UserPoolId": env.pool, "Username": username}),
    )
    .await
    .ok()
    .map(|u| u["UserStatus"].as_str().unwrap().to_owned())
}

fn base_fields(e: &Value, env: &Env, source: &str, user: &str) {
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], source);
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["userPoolId"], env.pool.as_str());
    assert_eq!(e["userName"], user);
    assert_eq!(e["callerContext"]["clientId"], env.cid());
    assert!(e["callerContext"]["awsSdkVersion"].is_string());
}

#[tokio::test]
async fn triggers_pre_sign_up_auto_confirms_refuses_and_passes_metadata() {
    let Some(python) = py().await else { return };
    let log = log_file("pre-sign-up");
    let cfg = config().trigger(
        arn("pre-sign-up"),
        handler(&python, "pre_sign_up.py", "lambda_handler", &log),
    );
    let pool = PoolSpec::named("t").lambda_trigger("PreSignUp", arn("pre-sign-up"));
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;

    // Auto-confirmed: no code sent, the email verified, sign-in at once.
    let r = sign_up(&env, "ann", "ann@trusted.example").await.unwrap();
    assert_eq!(r["UserConfirmed"], true);
    assert!(r.get("CodeDeliveryDetails").is_none());
    assert!(env.emu.outbox().is_empty());
    assert_eq!(status(&env, "ann").await.as_deref(), Some("CONFIRMED"));
    let u = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": env.pool, "Username": "ann"}),
        )
        .await
        .unwrap();
    assert!(
        u["UserAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "email_verified", "Value": "true"}))
    );
    assert_eq!(code(&env.srp_login("ann", "Passw0rd!").await), "OK");

    // Not for this domain: the usual confirmation.
    let r = sign_up(&env, "bob", "bob@example.com").await.unwrap();
    assert_eq!(r["UserConfirmed"], false);
    assert_eq!(status(&env, "bob").await.as_deref(), Some("UNCONFIRMED"));

    // Refused: the function's message, and no user.
    let e = sign_up(&env, "eve", "eve@blocked.example")
        .await
        .unwrap_err();
    assert_eq!(e.code, "UserLambdaValidationException");
    assert_eq!(
        e.message,
        "PreSignUp failed with error This email domain is not allowed."
    );
    assert_eq!(status(&env, "eve").await, None);

    // AdminCreateUser: PreSignUp_AdminCreateUser without an app client; verification applies,
    // the user still has to set a password.
    let admin_create = |name: &'static str, email: &'static str| {
        env.admin(
            "AdminCreateUser",
            json!({"UserPoolId": env.pool, "Username": name, "MessageAction": "SUPPRESS",
                   "UserAttributes": [{"Name": "email", "Value": email}]}),
        )
    };
    let u = admin_create("carl", "carl@trusted.example").await.unwrap();
    assert_eq!(u["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert!(
        u["User"]["Attributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "email_verified", "Value": "true"}))
    );
    let e = admin_create("mallory", "m@blocked.example")
        .await
        .unwrap_err();
    assert_eq!(e.code, "UserLambdaValidationException");
    assert_eq!(status(&env, "mallory").await, None);

    let seen = events(&log);
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[3]["triggerSource"], "PreSignUp_AdminCreateUser");
    assert_eq!(
        seen[3]["callerContext"]["clientId"],
        "CLIENT_ID_NOT_APPLICABLE"
    );
    let e = &seen[0];
    base_fields(e, &env, "PreSignUp_SignUp", "ann");
    assert_eq!(
        e["request"]["userAttributes"]["email"],
        "ann@trusted.example"
    );
    assert_eq!(e["request"]["validationData"], json!({"invite": "X1"}));
    assert_eq!(
        e["request"]["clientMetadata"],
        json!({"campaign": "spring"})
    );
    assert_eq!(
        e["response"],
        json!({"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false})
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn triggers_post_confirmation_failure_undoes_the_confirmation() {
    let Some(python) = py().await else { return };
    let log = log_file("post-confirmation");
    let cfg = config().trigger(
        arn("post-confirmation"),
        handler(&python, "post_confirmation.py", "lambda_handler", &log),
    );
    let pool = PoolSpec::named("t").lambda_trigger("PostConfirmation", arn("post-confirmation"));
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    for name in ["ann", "failbob"] {
        sign_up(&env, name, &format!("{name}@example.com"))
            .await
            .unwrap();
    }
    let confirm = |name: &'static str| {
        let code = env.emu.latest_code(&env.pool, name).unwrap();
        env.call(
            "ConfirmSignUp",
            json!({"ClientId": env.cid(), "Username": name, "ConfirmationCode": code}),
        )
    };
    confirm("ann").await.unwrap();
    assert_eq!(status(&env, "ann").await.as_deref(), Some("CONFIRMED"));
    let e = confirm("failbob").await.unwrap_err();
    assert_eq!(e.code, "UserLambdaValidationException");
    assert_eq!(
        e.message,
        "PostConfirmation failed with error Could not create the profile."
    );
    // Nothing half-applied: still unconfirmed, the code not spent.
    assert_eq!(
        status(&env, "failbob").await.as_deref(),
        Some("UNCONFIRMED")
    );
    assert_eq!(
        confirm("failbob").await.unwrap_err().code,
        "UserLambdaValidationException"
    );

    // ConfirmForgotPassword: its own source; a failure keeps the old password.
    for name in ["ann2", "failbob2"] {
        env.emu
            .create_user(
                &env.pool,
                UserSpec::new(name, "Passw0rd!").attribute("email", format!("{name}@example.com")),
            )
            .unwrap();
        env.call(
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": name}),
        )
        .await
        .unwrap();
    }
    let reset = |name: &'static str| {
        let code = env.emu.latest_code(&env.pool, name).unwrap();
        env.call(
            "ConfirmForgotPassword",
            json!({"ClientId": env.cid(), "Username": name, "ConfirmationCode": code, "Password": "N3w-Passw0rd!"}),
        )
    };
    reset("ann2").await.unwrap();
    assert_eq!(
        reset("failbob2").await.unwrap_err().code,
        "UserLambdaValidationException"
    );
    assert_eq!(code(&env.srp_login("failbob2", "Passw0rd!").await), "OK");
    assert_eq!(code(&env.srp_login("ann2", "N3w-Passw0rd!").await), "OK");
    // AdminConfirmSignUp: no app client.
    sign_up(&env, "carl", "carl@example.com").await.unwrap();
    env.admin(
        "AdminConfirmSignUp",
        json!({"UserPoolId": env.pool, "Username": "carl"}),
    )
    .await
    .unwrap();

    let seen = events(&log);
    let e = &seen[0];
    base_fields(e, &env, "PostConfirmation_ConfirmSignUp", "ann");
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert_eq!(e["request"]["userAttributes"]["email_verified"], "true");
    let sources: Vec<(&str, &str)> = seen
        .iter()
        .map(|e| {
            (
                e["triggerSource"].as_str().unwrap(),
                e["callerContext"]["clientId"].as_str().unwrap(),
            )
        })
        .collect();
    let cid = env.cid();
    assert_eq!(
        sources,
        [
            ("PostConfirmation_ConfirmSignUp", cid),
            ("PostConfirmation_ConfirmSignUp", cid),
            ("PostConfirmation_ConfirmSignUp", cid),
            ("PostConfirmation_ConfirmForgotPassword", cid),
            ("PostConfirmation_ConfirmForgotPassword", cid),
            ("PostConfirmation_ConfirmSignUp", "CLIENT_ID_NOT_APPLICABLE"),
        ]
    );
    env.emu.shutdown().await;
}

fn custom_auth_pool(python: &Path, log: &Path) -> (PoolSpec, EmulatorConfig) {
    let mut cfg = config();
    for (name, f) in [
        ("define", "define"),
        ("create", "create"),
        ("verify", "verify"),
    ] {
        cfg = cfg.trigger(arn(name), handler(python, "custom_auth.py", f, log));
    }
    let pool = PoolSpec::named("t")
        .lambda_trigger("DefineAuthChallenge", arn("define"))
        .lambda_trigger("CreateAuthChallenge", arn("create"))
        .lambda_trigger("VerifyAuthChallengeResponse", arn("verify"));
    (pool, cfg)
}

async fn answer(env: &Env, challenge: &Value, text: &str) -> R {
    env.respond(
        "CUSTOM_CHALLENGE",
        json!({"USERNAME": "ann", "ANSWER": text}),
        Some(&challenge["Session"]),
    )
    .await
}

#[tokio::test]
async fn triggers_custom_auth_srp_first_then_the_functions_question() {
    let Some(python) = py().await else { return };
    let log = log_file("custom-auth");
    let (pool, cfg) = custom_auth_pool(&python, &log);
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    env.user("ann", "Passw0rd!");

    // SRP_A, PASSWORD_VERIFIER, then the question.
    let rng = ring::rand::SystemRandom::new();
    let eph = srp_core::ClientEphemeral::generate(&rng).unwrap();
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": env.cid(), "AuthParameters": {
                "USERNAME": "ann", "SRP_A": eph.public().to_hex(), "CHALLENGE_NAME": "SRP_A"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "PASSWORD_VERIFIER");
    let ts = timestamp(&env);
    let responses = env.claim(&eph, &r, "Passw0rd!", &ts);
    let c = env
        .respond("PASSWORD_VERIFIER", responses, None)
        .await
        .unwrap();
    assert_eq!(c["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(c["ChallengeParameters"]["question"], "Favourite colour?");
    assert_eq!(c["ChallengeParameters"]["USERNAME"], "ann");
    let c = answer(&env, &c, "red").await.unwrap();
    assert_eq!(c["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(c["ChallengeParameters"]["try"], "2");
    let done = answer(&env, &c, "blue").await.unwrap();
    assert!(tokens(&done)["AccessToken"].is_string());

    let seen = events(&log);
    let sources: Vec<&str> = seen
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "DefineAuthChallenge_Authentication",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication",
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication",
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
        ]
    );
    assert_eq!(
        seen[0]["request"]["session"],
        json!([{"challengeName": "SRP_A", "challengeResult": true}])
    );
    assert_eq!(
        seen.last().unwrap()["request"]["session"],
        json!([
            {"challengeName": "SRP_A", "challengeResult": true},
            {"challengeName": "PASSWORD_VERIFIER", "challengeResult": true},
            {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "COLOR_QUESTION"},
            {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "COLOR_QUESTION"},
        ])
    );
    assert_eq!(
        seen[3]["request"]["privateChallengeParameters"],
        json!({"answer": "blue"})
    );
    assert_eq!(seen[3]["request"]["challengeAnswer"], "red");

    // Without SRP: the question at once; three wrong answers fail the sign-in.
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": env.cid(), "AuthParameters": {"USERNAME": "ann"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "CUSTOM_CHALLENGE");
    let r = answer(&env, &r, "red").await.unwrap();
    let r = answer(&env, &r, "green").await.unwrap();
    let e = answer(&env, &r, "pink").await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );

    // A name that designates no user (PreventUserExistenceErrors): the functions are asked with
    // `userNotFound`; the question looks the same, and the right answer still fails.
    let before = events(&log).len();
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": env.cid(), "AuthParameters": {"USERNAME": "ghost"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(r["ChallengeParameters"]["question"], "Favourite colour?");
    let e = env
        .respond(
            "CUSTOM_CHALLENGE",
            json!({"USERNAME": "ghost", "ANSWER": "blue"}),
            Some(&r["Session"]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    let seen = events(&log);
    let ghost = &seen[before..];
    assert_eq!(ghost.len(), 4, "define, create, verify, define");
    for e in ghost {
        assert_eq!(e["userName"], "ghost");
        assert_eq!(e["request"]["userNotFound"], true);
        assert_eq!(e["request"]["userAttributes"], json!({}));
    }
    env.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_custom_auth_with_amazon_cognito_identity_js() {
    let Some(python) = py().await else { return };
    let node = tokio::task::spawn_blocking(crate::interop::node_env)
        .await
        .unwrap();
    let dir = match node {
        Ok(d) => d,
        Err(why) => return unavailable(&why),
    };
    let log = log_file("custom-auth-js");
    let (pool, _) = custom_auth_pool(&python, &log);
    let (_, cfg) = custom_auth_pool(&python, &log);
    // The system clock: the library signs SRP with the real time.
    let cfg = cfg.clock(None).rng_seed(None);
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    env.user("ann", "Passw0rd!");
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("../triggers/custom_auth.mjs"))
        .args([env.emu.url(), env.pool.clone(), env.cid().to_owned()])
        .args(["ann", "Passw0rd!"]);
    crate::interop::script(cmd, "all custom auth trigger checks passed").await;
    env.emu.shutdown().await;
}

#[tokio::test]
async fn triggers_pre_token_generation_v2_and_v1_change_the_claims() {
    let Some(python) = py().await else { return };
    let log = log_file("pre-token");
    let cfg = config()
        .trigger(
            arn("pre-token-v2"),
            handler(&python, "pre_token.py", "v2", &log),
        )
        .trigger(
            arn("pre-token-v1"),
            handler(&python, "pre_token.py", "v1", &log),
        );
    let pool = PoolSpec::named("t")
        .lambda_trigger("PreTokenGeneration", arn("pre-token-v2"))
        .pre_token_generation_version(Some("V2_0".to_owned()));
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("ann", "Passw0rd!").attribute("email", "ann@example.com"),
        )
        .unwrap();
    env.emu.add_to_group(&env.pool, "ann", "admins").unwrap();
    let r = env.srp_login("ann", "Passw0rd!").await.unwrap();
    let access = claims(tokens(&r)["AccessToken"].as_str().unwrap());
    let id = claims(tokens(&r)["IdToken"].as_str().unwrap());
    assert_eq!(access["tenants"], json!(["t1", "t2"]));
    assert_eq!(access["plan"], "gold");
    assert_eq!(
        access["scope"],
        "aws.cognito.signin.user.admin reports/read"
    );
    assert_eq!(access["cognito:groups"], json!(["admins", "from-trigger"]));
    assert_eq!(id["cognito:groups"], json!(["admins", "from-trigger"]));
    assert_eq!(id["department"], "research");
    assert!(id.get("email").is_none());
    assert_eq!(id["sub"], access["sub"]);

    // A refresh runs it again, as TokenGeneration_RefreshTokens.
    let refresh = tokens(&r)["RefreshToken"].as_str().unwrap();
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(), "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await
        .unwrap();
    let access = claims(tokens(&r)["AccessToken"].as_str().unwrap());
    assert_eq!(access["tenants"], json!(["t1", "t2"]));
    let seen = events(&log);
    assert_eq!(seen[0]["version"], "2");
    assert_eq!(seen[0]["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(
        seen[0]["request"]["groupConfiguration"]["groupsToOverride"],
        json!(["admins"])
    );
    assert_eq!(
        seen[0]["request"]["scopes"],
        json!(["aws.cognito.signin.user.admin"])
    );
    assert_eq!(seen[1]["triggerSource"], "TokenGeneration_RefreshTokens");

    // V1: the id token only.
    let pool = PoolSpec::named("t1").lambda_trigger("PreTokenGeneration", arn("pre-token-v1"));
    let id1 = env.emu.create_pool(pool).unwrap();
    let app = env
        .emu
        .create_client(&id1, ClientSpec::public("w"))
        .unwrap();
    env.emu
        .create_user(
            &id1,
            UserSpec::new("ann", "Passw0rd!").attribute("email", "ann@example.com"),
        )
        .unwrap();
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": app.client_id, "AuthParameters": {"USERNAME": "ann", "PASSWORD": "Passw0rd!"}}),
        )
        .await
        .unwrap();
    let id = claims(tokens(&r)["IdToken"].as_str().unwrap());
    let access = claims(tokens(&r)["AccessToken"].as_str().unwrap());
    assert_eq!(id["department"], "research");
    assert!(id.get("email").is_none());
    assert!(access.get("department").is_none());
    assert_eq!(events(&log).last().unwrap()["version"], "1");
    env.emu.shutdown().await;
}

#[tokio::test]
async fn triggers_user_migration_moves_a_user_at_sign_in_and_forgot_password() {
    let Some(python) = py().await else { return };
    let log = log_file("user-migration");
    let cfg = config().trigger(
        arn("migrate"),
        handler(&python, "user_migration.py", "lambda_handler", &log),
    );
    let pool = PoolSpec::named("t").lambda_trigger("UserMigration", arn("migrate"));
    let client = ClientSpec::public("web").prevent_user_existence_errors(false);
    let env = env_config(pool, client, cfg).await;

    let r = env
        .password_login("legacy", "Legacy-Passw0rd")
        .await
        .unwrap();
    assert!(tokens(&r)["AccessToken"].is_string());
    assert_eq!(status(&env, "legacy").await.as_deref(), Some("CONFIRMED"));
    let id = claims(tokens(&r)["IdToken"].as_str().unwrap());
    assert_eq!(id["email"], "legacy@example.com");
    assert_eq!(id["custom:legacy_id"], "L-42");
    // Moved with its password: SRP works from now on, and the function is not asked again.
    assert_eq!(
        code(&env.srp_login("legacy", "Legacy-Passw0rd").await),
        "OK"
    );

    let e = env.password_login("nobody", "x").await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "UserNotFoundException",
            "UserMigration failed with error Bad username."
        )
    );

    // Forgot password: moved, must reset, gets the code.
    let r = env
        .call(
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": "legacy-reset"}),
        )
        .await
        .unwrap();
    assert_eq!(r["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert_eq!(
        status(&env, "legacy-reset").await.as_deref(),
        Some("RESET_REQUIRED")
    );
    assert!(env.emu.latest_code(&env.pool, "legacy-reset").is_some());

    let seen = events(&log);
    assert_eq!(seen.len(), 3);
    base_fields(&seen[0], &env, "UserMigration_Authentication", "legacy");
    assert_eq!(seen[0]["request"]["password"], "Legacy-Passw0rd");
    assert_eq!(seen[2]["triggerSource"], "UserMigration_ForgotPassword");
    assert!(seen[2]["request"].get("password").is_none());
    env.emu.shutdown().await;
}

#[tokio::test]
async fn triggers_custom_message_text_is_what_the_outbox_shows() {
    let Some(python) = py().await else { return };
    let log = log_file("custom-message");
    let cfg = config().trigger(
        arn("message"),
        handler(&python, "custom_message.py", "lambda_handler", &log),
    );
    let pool = PoolSpec::named("t").lambda_trigger("CustomMessage", arn("message"));
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    sign_up(&env, "ann", "ann@example.com").await.unwrap();
    let m = env.emu.outbox().pop().unwrap();
    assert_eq!(
        m.message,
        format!("Hello Ann, your Example code is {}.", m.code)
    );
    // Resent: its own source; the function leaves it the default text.
    env.call(
        "ResendConfirmationCode",
        json!({"ClientId": env.cid(), "Username": "ann"}),
    )
    .await
    .unwrap();
    let m = env.emu.outbox().pop().unwrap();
    assert_eq!(m.message, format!("Your confirmation code is {}", m.code));
    env.call(
        "ConfirmSignUp",
        json!({"ClientId": env.cid(), "Username": "ann", "ConfirmationCode": m.code}),
    )
    .await
    .unwrap();
    env.call(
        "ForgotPassword",
        json!({"ClientId": env.cid(), "Username": "ann"}),
    )
    .await
    .unwrap();
    let m = env.emu.outbox().pop().unwrap();
    assert_eq!(m.message, format!("Reset code for Ann: {}", m.code));
    let seen = events(&log);
    let e = &seen[0];
    base_fields(e, &env, "CustomMessage_SignUp", "ann");
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["userAttributes"]["name"], "Ann");
    let sources: Vec<&str> = seen
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "CustomMessage_SignUp",
            "CustomMessage_ResendCode",
            "CustomMessage_ForgotPassword"
        ]
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn triggers_failures_are_answered_as_cognito_answers_them_and_change_nothing() {
    let Some(python) = py().await else { return };
    let log = log_file("misbehaving");
    let cfg = config()
        .trigger_timeout(Duration::from_millis(1500))
        .trigger(
            arn("raises"),
            handler(&python, "misbehaving.py", "raises", &log),
        )
        .trigger(
            arn("sleeps"),
            handler(&python, "misbehaving.py", "sleeps", &log),
        )
        .trigger(
            arn("wrong-type"),
            handler(&python, "misbehaving.py", "wrong_type", &log),
        )
        .trigger(
            arn("not-json"),
            handler(&python, "misbehaving.py", "not_json", &log),
        );
    let env = env_config(PoolSpec::named("t"), ClientSpec::public("web"), cfg).await;
    let cases = [
        (
            "raises",
            "UserLambdaValidationException",
            "PreSignUp failed with error Access denied by policy.",
        ),
        (
            "sleeps",
            "UnexpectedLambdaException",
            "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
        ),
        (
            "wrong-type",
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output",
        ),
        (
            "not-json",
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output",
        ),
        (
            "unmapped",
            "UnexpectedLambdaException",
            "PreSignUp invocation failed due to error ResourceNotFoundException.",
        ),
    ];
    for (i, (function, code, message)) in cases.into_iter().enumerate() {
        let pool = PoolSpec::named(format!("p{i}")).lambda_trigger("PreSignUp", arn(function));
        let pool_id = env.emu.create_pool(pool).unwrap();
        let app = env
            .emu
            .create_client(&pool_id, ClientSpec::public("w"))
            .unwrap();
        let e = env
            .call(
                "SignUp",
                json!({"ClientId": app.client_id, "Username": "ann", "Password": "Passw0rd!",
                       "UserAttributes": [{"Name": "email", "Value": "ann@example.com"}]}),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (code, message),
            "{function}"
        );
        let users = env
            .admin("ListUsers", json!({"UserPoolId": pool_id}))
            .await
            .unwrap();
        assert_eq!(users["Users"], json!([]), "{function}: nothing created");
    }
    assert!(env.emu.outbox().is_empty());
    env.emu.shutdown().await;
}

pub(crate) type Reply = Result<Value, String>;

/// A Rust handler over HTTP: Lambda's `Invoke` API on 127.0.0.1, `f(function name, event)`
/// giving the answer or a function error. Returns its URL and the function names it was asked
/// for.
pub(crate) async fn rust_handler(
    f: impl Fn(&str, Value) -> Reply + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let f = Arc::new(f);
    let seen = calls.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let f = f.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let f = f.clone();
                        let seen = seen.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let name = path
                                .strip_prefix("/2015-03-31/functions/")
                                .and_then(|p| p.strip_suffix("/invocations"))
                                .unwrap_or_default()
                                .to_owned();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            seen.lock().unwrap().push(name.clone());
                            let event: Value = serde_json::from_slice(&body).unwrap();
                            let resp = match f(&name, event) {
                                Ok(v) => http::Response::new(Full::new(Bytes::from(v.to_string()))),
                                Err(m) => http::Response::builder()
                                    .header("X-Amz-Function-Error", "Unhandled")
                                    .body(Full::new(Bytes::from(
                                        json!({"errorMessage": m, "errorType": "Error"})
                                            .to_string(),
                                    )))
                                    .unwrap(),
                            };
                            Ok::<_, std::convert::Infallible>(resp)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_rust_handler_over_http_pre_and_post_authentication_and_tokens() {
    let (url, calls) = rust_handler(|name, mut event| match name {
        "pre-auth" if event["userName"] == "blocked" => Err("User is blocked".to_owned()),
        "pre-auth" | "post-auth" => Ok(event),
        "pre-token" => {
            event["response"]["claimsOverrideDetails"] =
                json!({"claimsToAddOrOverride": {"tier": "pro"}});
            Ok(event)
        }
        _ => Err(format!("no function {name}")),
    })
    .await;
    let pool = PoolSpec::named("t")
        .lambda_trigger("PreAuthentication", arn("pre-auth"))
        .lambda_trigger("PostAuthentication", arn("post-auth"))
        .lambda_trigger("PreTokenGeneration", arn("pre-token"));
    // Every function of the pool on one runner, keyed by the pool id (set once the id is known).
    let env = env_config(pool, ClientSpec::public("web"), config()).await;
    env.emu
        .set_trigger(env.pool.clone(), Some(TriggerHandler::http(&url)));
    env.user("ann", "Passw0rd!");
    env.user("blocked", "Passw0rd!");
    let r = env.srp_login("ann", "Passw0rd!").await.unwrap();
    assert_eq!(
        claims(tokens(&r)["IdToken"].as_str().unwrap())["tier"],
        "pro"
    );
    assert_eq!(
        *calls.lock().unwrap(),
        ["pre-auth", "post-auth", "pre-token"]
    );
    let (_, r) = env.srp_start("blocked", None).await;
    let e = r.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "UserLambdaValidationException",
            "PreAuthentication failed with error User is blocked."
        )
    );
    // Unmapped again: Cognito's failure to invoke.
    env.emu.set_trigger(env.pool.clone(), None);
    let e = env.srp_login("ann", "Passw0rd!").await.unwrap_err();
    assert_eq!(e.code, "UnexpectedLambdaException");
    env.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_seed_file_maps_handlers_and_describe_user_pool_shows_them() {
    let (url, calls) = rust_handler(|_, event| Ok(event)).await;
    let seed: Seed = serde_json::from_value(json!({
        "pools": [{"name": "s", "id": "us-east-1_seeded", "lambda_config": {"PostAuthentication": arn("post-auth")},
                   "clients": [{"name": "web", "client_id": "webclient"}],
                   "users": [{"username": "ann", "password": "Passw0rd!"}]}],
        "triggers": {"*": {"url": url}}
    }))
    .unwrap();
    let env = env(false).await;
    env.emu.seed(&seed).unwrap();
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "webclient", "AuthParameters": {"USERNAME": "ann", "PASSWORD": "Passw0rd!"}}),
        )
        .await
        .unwrap();
    assert!(tokens(&r)["AccessToken"].is_string());
    assert_eq!(*calls.lock().unwrap(), ["post-auth"]);
    let d = env
        .admin(
            "DescribeUserPool",
            json!({"UserPoolId": "us-east-1_seeded"}),
        )
        .await
        .unwrap();
    assert_eq!(
        d["UserPool"]["LambdaConfig"],
        json!({"PostAuthentication": arn("post-auth")})
    );
    env.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_pre_token_generation_v3_for_machine_to_machine_tokens_from_create_user_pool() {
    let sources = Arc::new(Mutex::new(Vec::new()));
    let seen = sources.clone();
    let (url, _) = rust_handler(move |_, mut event| {
        seen.lock().unwrap().push((
            event["triggerSource"].as_str().unwrap().to_owned(),
            event["version"].as_str().unwrap().to_owned(),
            event["request"]["scopes"].clone(),
        ));
        event["response"]["claimsAndScopeOverrideDetails"] = json!({"accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": "acme", "client_id": "forged"},
            "scopesToSuppress": ["https://orders.example.com/write"]}});
        Ok(event)
    })
    .await;
    let env = env_config(
        PoolSpec::named("t"),
        ClientSpec::public("web"),
        config().trigger("*", TriggerHandler::http(&url)),
    )
    .await;
    // The trigger given as Cognito's API takes it: PreTokenGenerationConfig, V3_0.
    let p = env
        .admin(
            "CreateUserPool",
            json!({"PoolName": "m2m", "LambdaConfig": {"PreTokenGenerationConfig": {
                "LambdaArn": arn("tokens"), "LambdaVersion": "V3_0"}}}),
        )
        .await
        .unwrap();
    let pool = p["UserPool"]["Id"].as_str().unwrap().to_owned();
    env.admin(
        "CreateResourceServer",
        json!({"UserPoolId": pool, "Identifier": "https://orders.example.com", "Name": "Orders",
               "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"},
                          {"ScopeName": "write", "ScopeDescription": "write"}]}),
    )
    .await
    .unwrap();
    let c = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "worker", "GenerateSecret": true,
                   "ExplicitAuthFlows": ["ALLOW_CLIENT_TOKEN_AUTH"],
                   "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["client_credentials"],
                   "AllowedOAuthScopes": ["https://orders.example.com/read",
                                          "https://orders.example.com/write"]}),
        )
        .await
        .unwrap();
    let c = &c["UserPoolClient"];
    let r = env
        .call(
            "GetClientToken",
            json!({"ClientId": c["ClientId"], "Secret": c["ClientSecret"]}),
        )
        .await
        .unwrap();
    let access = claims(
        r["ClientAuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(access["tenant"], "acme");
    assert_eq!(
        access["client_id"], c["ClientId"],
        "a reserved claim is kept"
    );
    assert_eq!(access["scope"], "https://orders.example.com/read");
    assert_eq!(
        *sources.lock().unwrap(),
        [(
            "TokenGeneration_ClientCredentials".to_owned(),
            "3".to_owned(),
            json!([
                "https://orders.example.com/read",
                "https://orders.example.com/write"
            ])
        )]
    );
    env.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_http_handler_errors_and_timeouts() {
    let (url, _) = rust_handler(|name, event| match name {
        "slow" => {
            std::thread::sleep(Duration::from_millis(1500));
            Ok(event)
        }
        // Lambda's error document without `X-Amz-Function-Error` (some local runners).
        "error-document" => Ok(json!({"errorMessage": "Quota exceeded", "errorType": "Error"})),
        _ => Err("Nope".to_owned()),
    })
    .await;
    let cfg = config()
        .trigger_timeout(Duration::from_millis(300))
        .trigger("*", TriggerHandler::http(&url));
    let pool = PoolSpec::named("t").lambda_trigger("PreAuthentication", arn("slow"));
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    env.user("ann", "Passw0rd!");
    let e = env.password_login("ann", "Passw0rd!").await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "UnexpectedLambdaException",
            "PreAuthentication invocation failed due to error Socket timeout while invoking Lambda function."
        )
    );
    let pool = PoolSpec::named("u").lambda_trigger("PostAuthentication", arn("failing"));
    let id = env.emu.create_pool(pool).unwrap();
    let app = env.emu.create_client(&id, ClientSpec::public("w")).unwrap();
    env.emu
        .create_user(&id, UserSpec::new("ann", "Passw0rd!"))
        .unwrap();
    let e = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": app.client_id, "AuthParameters": {"USERNAME": "ann", "PASSWORD": "Passw0rd!"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "UserLambdaValidationException",
            "PostAuthentication failed with error Nope."
        )
    );
    let pool = PoolSpec::named("v").lambda_trigger("PreAuthentication", arn("error-document"));
    let id = env.emu.create_pool(pool).unwrap();
    let app = env.emu.create_client(&id, ClientSpec::public("w")).unwrap();
    env.emu
        .create_user(&id, UserSpec::new("ann", "Passw0rd!"))
        .unwrap();
    let e = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": app.client_id, "AuthParameters": {"USERNAME": "ann", "PASSWORD": "Passw0rd!"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "PreAuthentication failed with error Quota exceeded."
    );
    // Nobody listening: Lambda's service failure.
    env.emu
        .set_trigger("*", Some(TriggerHandler::http("http://127.0.0.1:9")));
    let e = env.password_login("ann", "Passw0rd!").await.unwrap_err();
    assert_eq!(
        e.message,
        "PreAuthentication invocation failed due to error ServiceException."
    );
    env.emu.shutdown().await;
}

/// One unsigned API call over a plain socket (from inside a handler: blocking).
fn raw_call(addr: &str, op: &str, body: &Value) -> String {
    use std::io::Read;
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_a_request_run_again_after_a_conflict_does_not_invoke_twice() {
    // The pre sign-up function changes the pool while SignUp waits for it (it creates a group,
    // through the API): SignUp's snapshot is then stale, its commit conflicts and it runs again
    // from the start. The second run sends the same event: the function is not invoked again.
    let target: Arc<Mutex<Option<(String, String)>>> = Arc::new(Mutex::new(None));
    let t = target.clone();
    let (url, calls) = rust_handler(move |_, event| {
        let (addr, pool) = t.lock().unwrap().clone().unwrap();
        // Blocking this worker: its other tasks move to another thread meanwhile.
        let answer = tokio::task::block_in_place(|| {
            raw_call(
                &addr,
                "CreateGroup",
                &json!({"UserPoolId": pool, "GroupName": "made-by-the-trigger"}),
            )
        });
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        Ok(event)
    })
    .await;
    let cfg = config()
        .require_sigv4(false)
        .trigger("*", TriggerHandler::http(&url));
    let pool = PoolSpec::named("t").lambda_trigger("PreSignUp", arn("pre-sign-up"));
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    *target.lock().unwrap() = Some((env.emu.addr().to_string(), env.pool.clone()));
    let r = sign_up(&env, "ann", "ann@example.com").await.unwrap();
    assert_eq!(r["UserConfirmed"], false);
    assert_eq!(*calls.lock().unwrap(), ["pre-sign-up"]);
    assert_eq!(status(&env, "ann").await.as_deref(), Some("UNCONFIRMED"));
    let g = env
        .admin(
            "GetGroup",
            json!({"UserPoolId": env.pool, "GroupName": "made-by-the-trigger"}),
        )
        .await
        .unwrap();
    assert_eq!(g["Group"]["GroupName"], "made-by-the-trigger");
    env.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_run_before_the_write_lock_after_a_new_password() {
    // The new password is written after pre token generation: while the function runs, another
    // request (its own API call) can write. Its source names the challenge answered.
    let target: Arc<Mutex<Option<(String, String)>>> = Arc::new(Mutex::new(None));
    let sources = Arc::new(Mutex::new(Vec::new()));
    let (t, seen) = (target.clone(), sources.clone());
    let (url, _) = rust_handler(move |_, event| {
        let n = {
            let mut seen = seen.lock().unwrap();
            seen.push(event["triggerSource"].as_str().unwrap().to_owned());
            seen.len()
        };
        let (addr, pool) = t.lock().unwrap().clone().unwrap();
        let answer = tokio::task::block_in_place(|| {
            raw_call(
                &addr,
                "CreateGroup",
                &json!({"UserPoolId": pool, "GroupName": format!("during-the-trigger-{n}")}),
            )
        });
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        Ok(event)
    })
    .await;
    let cfg = config()
        .require_sigv4(false)
        .trigger("*", TriggerHandler::http(&url));
    let pool = PoolSpec::named("t").lambda_trigger("PreTokenGeneration", arn("tokens"));
    let env = env_config(pool, ClientSpec::public("web"), cfg).await;
    *target.lock().unwrap() = Some((env.emu.addr().to_string(), env.pool.clone()));
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("ann", "x")
                .temporary_password(Some("Temp0rary!".to_owned()))
                .password(None),
        )
        .unwrap();
    let r = env.password_login("ann", "Temp0rary!").await.unwrap();
    assert_eq!(r["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let done = env
        .respond(
            "NEW_PASSWORD_REQUIRED",
            json!({"USERNAME": "ann", "NEW_PASSWORD": "N3w-Passw0rd!"}),
            Some(&r["Session"]),
        )
        .await
        .unwrap();
    assert!(tokens(&done)["AccessToken"].is_string());
    assert_eq!(
        *sources.lock().unwrap(),
        ["TokenGeneration_NewPasswordChallenge"]
    );
    assert_eq!(status(&env, "ann").await.as_deref(), Some("CONFIRMED"));
    assert_eq!(code(&env.srp_login("ann", "N3w-Passw0rd!").await), "OK");
    assert_eq!(
        *sources.lock().unwrap(),
        [
            "TokenGeneration_NewPasswordChallenge",
            "TokenGeneration_Authentication"
        ]
    );
    env.emu.shutdown().await;
}
