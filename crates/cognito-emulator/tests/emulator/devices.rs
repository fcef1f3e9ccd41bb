use crate::common::*;
use cognito_emulator::*;
use serde_json::{Value, json};
use srp_core::{ClientEphemeral, DevicePassword, VerifierChallenge};

struct Remembered {
    key: String,
    group: String,
    password: DevicePassword,
}

async fn remember(env: &Env, login: &Value) -> Remembered {
    let t = tokens(login);
    let meta = &t["NewDeviceMetadata"];
    let key = meta["DeviceKey"].as_str().unwrap().to_owned();
    let group = meta["DeviceGroupKey"].as_str().unwrap().to_owned();
    assert_eq!(
        claims(t["AccessToken"].as_str().unwrap())["device_key"],
        key.as_str()
    );
    let secret =
        srp_core::generate_device_secret(&group, &key, &ring::rand::SystemRandom::new()).unwrap();
    let r = env
        .call(
            "ConfirmDevice",
            json!({"AccessToken": t["AccessToken"], "DeviceKey": key, "DeviceName": "laptop",
                   "DeviceSecretVerifierConfig": {"PasswordVerifier": secret.config.password_verifier,
                                                  "Salt": secret.config.salt}}),
        )
        .await
        .unwrap();
    let opt_in = r["UserConfirmationNecessary"].as_bool().unwrap();
    if opt_in {
        env.call(
            "UpdateDeviceStatus",
            json!({"AccessToken": t["AccessToken"], "DeviceKey": key, "DeviceRememberedStatus": "remembered"}),
        )
        .await
        .unwrap();
    }
    Remembered {
        key,
        group,
        password: secret.password,
    }
}

/// SRP with DEVICE_KEY up to the DEVICE_SRP_AUTH challenge.
async fn to_device_challenge(env: &Env, user: &str, device: &Remembered) -> Value {
    let r = env
        .srp_login_device(user, "Passw0rd!", Some(&device.key))
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "DEVICE_SRP_AUTH", "{r}");
    r
}

async fn device_srp(
    env: &Env,
    user: &str,
    device: &Remembered,
    session: &Value,
    with_hash: bool,
) -> (ClientEphemeral, R) {
    let eph = ClientEphemeral::generate(&ring::rand::SystemRandom::new()).unwrap();
    let mut resp =
        json!({"USERNAME": user, "SRP_A": eph.public().to_hex(), "DEVICE_KEY": device.key});
    if with_hash && let Some(h) = env.hash(user) {
        resp["SECRET_HASH"] = json!(h);
    }
    let r = env.respond("DEVICE_SRP_AUTH", resp, Some(session)).await;
    (eph, r)
}

async fn device_verifier(
    env: &Env,
    user: &str,
    device: &Remembered,
    password: &DevicePassword,
    eph: &ClientEphemeral,
    ch: &Value,
) -> R {
    let p = &ch["ChallengeParameters"];
    let vc = VerifierChallenge::parse(
        p["SALT"].as_str().unwrap(),
        p["SRP_B"].as_str().unwrap(),
        p["SECRET_BLOCK"].as_str().unwrap(),
    )
    .unwrap();
    let claim = eph
        .device_claim(&device.group, &device.key, password, &vc, &timestamp(env))
        .unwrap();
    let mut resp = json!({"USERNAME": user, "DEVICE_KEY": device.key, "PASSWORD_CLAIM_SIGNATURE": claim.signature,
           "PASSWORD_CLAIM_SECRET_BLOCK": claim.secret_block, "TIMESTAMP": claim.timestamp});
    if let Some(h) = env.hash(user) {
        resp["SECRET_HASH"] = json!(h);
    }
    env.respond("DEVICE_PASSWORD_VERIFIER", resp, Some(&ch["Session"]))
        .await
}

fn device_pool(tracking: DeviceTracking) -> PoolSpec {
    PoolSpec::named("devices")
        .device_tracking(tracking)
        .mfa(MfaConfig::Optional)
}

#[tokio::test]
async fn confirm_device_and_device_srp() {
    let env = env_with(
        device_pool(DeviceTracking::Always),
        ClientSpec::confidential("c"),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let login = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let device = remember(&env, &login).await;
    let listed = env
        .call(
            "ListDevices",
            json!({"AccessToken": tokens(&login)["AccessToken"]}),
        )
        .await
        .unwrap();
    assert_eq!(listed["Devices"][0]["DeviceKey"], device.key.as_str());

    // The whole device flow.
    let ch = to_device_challenge(&env, "alice", &device).await;
    let (eph, r) = device_srp(&env, "alice", &device, &ch["Session"], true).await;
    let dch = r.unwrap();
    assert_eq!(dch["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
    let done = device_verifier(&env, "alice", &device, &device.password, &eph, &dch)
        .await
        .unwrap();
    let t = tokens(&done);
    assert!(t.get("NewDeviceMetadata").is_none());
    assert_eq!(
        claims(t["AccessToken"].as_str().unwrap())["device_key"],
        device.key.as_str()
    );

    // Wrong device password.
    let ch = to_device_challenge(&env, "alice", &device).await;
    let (eph, r) = device_srp(&env, "alice", &device, &ch["Session"], true).await;
    let e = device_verifier(
        &env,
        "alice",
        &device,
        &DevicePassword::new("wrong"),
        &eph,
        &r.unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");

    // pycognito's bugs: no Session, no SECRET_HASH on DEVICE_SRP_AUTH.
    let ch = to_device_challenge(&env, "alice", &device).await;
    let (_, r) = device_srp(&env, "alice", &device, &Value::Null, true).await;
    let e = r.unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    assert_eq!(e.message, "Missing required parameter Session");
    let _ = ch;
    let ch = to_device_challenge(&env, "alice", &device).await;
    let (_, r) = device_srp(&env, "alice", &device, &ch["Session"], false).await;
    let e = r.unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    assert!(e.message.contains("SECRET_HASH was not received"));
}

#[tokio::test]
async fn refresh_needs_the_device_key() {
    let env = env_with(
        device_pool(DeviceTracking::Always),
        ClientSpec::confidential("c"),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let login = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let device = remember(&env, &login).await;
    let refresh = tokens(&login)["RefreshToken"].clone();
    // pycognito's bug: no DEVICE_KEY on refresh.
    let e = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh, "SECRET_HASH": env.hash("alice")}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    assert_eq!(e.message, "Invalid Refresh Token");
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh, "SECRET_HASH": env.hash("alice"),
                                      "DEVICE_KEY": device.key}}),
        )
        .await
        .unwrap();
    assert_eq!(
        claims(tokens(&r)["AccessToken"].as_str().unwrap())["device_key"],
        device.key.as_str()
    );
}

#[tokio::test]
async fn remembered_device_skips_mfa() {
    let env = env_with(
        device_pool(DeviceTracking::UserOptIn),
        ClientSpec::public("c"),
    )
    .await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", "Passw0rd!")
                .attribute("phone_number", "+15555550100")
                .mfa(UserMfaSpec::default().sms(true)),
        )
        .unwrap();
    let ch = env.srp_login("alice", "Passw0rd!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "SMS_MFA");
    let code = env.emu.latest_code(&env.pool, "alice").unwrap();
    let login = env
        .respond(
            "SMS_MFA",
            json!({"USERNAME": "alice", "SMS_MFA_CODE": code}),
            Some(&ch["Session"]),
        )
        .await
        .unwrap();
    let device = remember(&env, &login).await;
    let sent_before = env.emu.outbox().len();
    let ch = to_device_challenge(&env, "alice", &device).await;
    let (eph, r) = device_srp(&env, "alice", &device, &ch["Session"], true).await;
    let done = device_verifier(&env, "alice", &device, &device.password, &eph, &r.unwrap())
        .await
        .unwrap();
    assert!(tokens(&done)["AccessToken"].is_string(), "{done}");
    assert_eq!(
        env.emu.outbox().len(),
        sent_before,
        "no SMS for a remembered device"
    );

    // Not remembered any more: MFA again after the device proof.
    env.call(
        "UpdateDeviceStatus",
        json!({"AccessToken": tokens(&done)["AccessToken"], "DeviceKey": device.key,
               "DeviceRememberedStatus": "not_remembered"}),
    )
    .await
    .unwrap();
    let ch = to_device_challenge(&env, "alice", &device).await;
    let (eph, r) = device_srp(&env, "alice", &device, &ch["Session"], true).await;
    let next = device_verifier(&env, "alice", &device, &device.password, &eph, &r.unwrap())
        .await
        .unwrap();
    assert_eq!(next["ChallengeName"], "SMS_MFA");
}

/// amazon-cognito-identity-js names the device in the PASSWORD_VERIFIER answer, not in
/// InitiateAuth (it reads its cached key once it knows USER_ID_FOR_SRP).
#[tokio::test]
async fn device_key_in_password_verifier_answer() {
    let env = env_with(
        device_pool(DeviceTracking::Always),
        ClientSpec::confidential("c"),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let login = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let device = remember(&env, &login).await;
    let (eph, r) = env.srp_start("alice", None).await;
    let challenge = r.unwrap();
    let mut responses = env.claim(&eph, &challenge, "Passw0rd!", &timestamp(&env));
    responses["DEVICE_KEY"] = json!(device.key);
    let ch = env
        .respond("PASSWORD_VERIFIER", responses, None)
        .await
        .unwrap();
    assert_eq!(ch["ChallengeName"], "DEVICE_SRP_AUTH", "{ch}");
    let (eph, r) = device_srp(&env, "alice", &device, &ch["Session"], true).await;
    let done = device_verifier(&env, "alice", &device, &device.password, &eph, &r.unwrap())
        .await
        .unwrap();
    assert_eq!(
        claims(tokens(&done)["AccessToken"].as_str().unwrap())["device_key"],
        device.key.as_str()
    );
}

/// alice signed in once on a device-tracking pool, with that device confirmed and remembered.
async fn alice_with_a_device() -> (Env, Value, Remembered) {
    let env = env_with(
        device_pool(DeviceTracking::Always),
        ClientSpec::confidential("c"),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let login = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let device = remember(&env, &login).await;
    (env, login, device)
}

/// A forgotten device's key named in InitiateAuth: Cognito answers "Device does not exist."
/// (the client must drop the key and sign in again).
#[tokio::test]
async fn a_forgotten_device_key_in_initiate_auth_is_refused() {
    let (env, login, device) = alice_with_a_device().await;
    env.call(
        "ForgetDevice",
        json!({"AccessToken": tokens(&login)["AccessToken"], "DeviceKey": device.key}),
    )
    .await
    .unwrap();
    let e = env
        .srp_login_device("alice", "Passw0rd!", Some(&device.key))
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(e.message, "Device does not exist.");
    // Without the key the same user signs in as from a new device.
    let again = env.srp_login("alice", "Passw0rd!").await.unwrap();
    assert!(tokens(&again)["NewDeviceMetadata"]["DeviceKey"].is_string());
}

/// A forgotten device's key named in the PASSWORD_VERIFIER answer (amazon-cognito-identity-js'
/// way): refused with "Device does not exist.", and the challenge stays open so the client can
/// answer it again without the key.
#[tokio::test]
async fn a_forgotten_device_key_in_password_verifier_keeps_the_challenge_open() {
    let (env, _login, device) = alice_with_a_device().await;
    env.admin(
        "AdminForgetDevice",
        json!({"UserPoolId": env.pool, "Username": "alice", "DeviceKey": device.key}),
    )
    .await
    .unwrap();
    let (eph, r) = env.srp_start("alice", None).await;
    let challenge = r.unwrap();
    let mut responses = env.claim(&eph, &challenge, "Passw0rd!", &timestamp(&env));
    responses["DEVICE_KEY"] = json!(device.key);
    let e = env
        .respond("PASSWORD_VERIFIER", responses.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    assert_eq!(e.message, "Device does not exist.");
    responses.as_object_mut().unwrap().remove("DEVICE_KEY");
    let done = env
        .respond("PASSWORD_VERIFIER", responses, None)
        .await
        .unwrap();
    assert!(tokens(&done)["AccessToken"].is_string(), "{done}");
}
