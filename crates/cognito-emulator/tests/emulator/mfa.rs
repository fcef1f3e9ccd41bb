use crate::common::*;
use cognito_emulator::*;
use serde_json::json;

fn totp_now(env: &Env, secret: &str) -> String {
    // Independent RFC 6238 computation for the test.
    let key = base32(secret);
    let step = (unix(env.emu.now()) / 30) as u64;
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let mac = ring::hmac::sign(&k, &step.to_be_bytes());
    let m = mac.as_ref();
    let o = (m[19] & 0xf) as usize;
    let v = u32::from_be_bytes([m[o] & 0x7f, m[o + 1], m[o + 2], m[o + 3]]);
    format!("{:06}", v % 1_000_000)
}

fn base32(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut out) = (0u32, 0, Vec::new());
    for c in s.bytes() {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

#[tokio::test]
async fn totp_setup_and_software_token_mfa() {
    let env = env_with(
        PoolSpec::named("p").mfa(MfaConfig::Optional),
        ClientSpec::public("c"),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let access = tokens(&t)["AccessToken"].clone();
    let assoc = env
        .call("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await
        .unwrap();
    let secret = assoc["SecretCode"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    let e = env
        .call(
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": "000000"}),
        )
        .await;
    if totp_now(&env, &secret) != "000000" {
        assert_eq!(e.unwrap_err().code, "EnableSoftwareTokenMFAException");
    }
    let v = env
        .call(
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": totp_now(&env, &secret)}),
        )
        .await
        .unwrap();
    assert_eq!(v["Status"], "SUCCESS");
    env.call(
        "SetUserMFAPreference",
        json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await
    .unwrap();
    let u = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(u["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");

    env.advance(60);
    let ch = env.srp_login("alice", "Passw0rd!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let session = ch["Session"].clone();
    // A wrong code can be retried on the same session.
    let bad = env
        .respond(
            "SOFTWARE_TOKEN_MFA",
            json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": "12345x"}),
            Some(&session),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, "CodeMismatchException");
    let code = env.emu.totp_code(&env.pool, "alice").unwrap();
    assert_eq!(code, totp_now(&env, &secret));
    let ok = env
        .respond(
            "SOFTWARE_TOKEN_MFA",
            json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}),
            Some(&session),
        )
        .await
        .unwrap();
    assert!(tokens(&ok)["AccessToken"].is_string());
    // The same code cannot be used twice.
    let ch = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let e = env
        .respond(
            "SOFTWARE_TOKEN_MFA",
            json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code}),
            Some(&ch["Session"]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ExpiredCodeException");
    // The next step's code works.
    env.advance(30);
    let ch = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let ok = env
        .respond(
            "SOFTWARE_TOKEN_MFA",
            json!({"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": env.emu.totp_code(&env.pool, "alice").unwrap()}),
            Some(&ch["Session"]),
        )
        .await;
    assert_eq!(code_of(&ok), "OK");
}

fn code_of(r: &R) -> &str {
    crate::common::code(r)
}

#[tokio::test]
async fn sms_mfa_via_outbox_and_select_mfa_type() {
    let env = env_with(
        PoolSpec::named("p").mfa(MfaConfig::On),
        ClientSpec::confidential("c"),
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
    assert_eq!(
        ch["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"],
        "+*******0100"
    );
    let code = env.emu.latest_code(&env.pool, "alice").unwrap();
    let msg = env.emu.outbox().pop().unwrap();
    assert_eq!(msg.medium, Medium::Sms);
    assert_eq!(msg.kind, OutboxKind::Mfa);
    // The outbox endpoint shows the same message.
    let http = env
        .get(&format!("/_emulator/outbox?pool_id={}", env.pool))
        .await;
    assert_eq!(http.as_array().unwrap().last().unwrap()["code"], code);
    let ok = env
        .respond(
            "SMS_MFA",
            json!({"USERNAME": "alice", "SMS_MFA_CODE": code, "SECRET_HASH": env.hash("alice")}),
            Some(&ch["Session"]),
        )
        .await
        .unwrap();
    assert!(tokens(&ok)["AccessToken"].is_string());

    // Two methods and no preference: SELECT_MFA_TYPE.
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("bob", "Passw0rd!")
                .attribute("phone_number", "+15555550101")
                .mfa(
                    UserMfaSpec::default()
                        .sms(true)
                        .totp_secret(Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into())),
                ),
        )
        .unwrap();
    let ch = env.srp_login("bob", "Passw0rd!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "SELECT_MFA_TYPE");
    let next = env
        .respond(
            "SELECT_MFA_TYPE",
            json!({"USERNAME": "bob", "ANSWER": "SOFTWARE_TOKEN_MFA", "SECRET_HASH": env.hash("bob")}),
            Some(&ch["Session"]),
        )
        .await
        .unwrap();
    assert_eq!(next["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let ok = env
        .respond(
            "SOFTWARE_TOKEN_MFA",
            json!({"USERNAME": "bob", "SOFTWARE_TOKEN_MFA_CODE": totp_now(&env, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
                   "SECRET_HASH": env.hash("bob")}),
            Some(&next["Session"]),
        )
        .await;
    assert_eq!(code_of(&ok), "OK");
}

#[tokio::test]
async fn a_preferred_mfa_method_is_one_cognito_names() {
    let env = env_with(
        PoolSpec::named("p").mfa(MfaConfig::Optional),
        ClientSpec::confidential("c"),
    )
    .await;
    let err = env
        .emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", "Passw0rd!")
                .mfa(UserMfaSpec::default().preferred(Some("sms".into()))),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("Invalid preferred MFA sms"),
        "{err}"
    );
    // A preferred method the user has is the one asked for (of two).
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("bob", "Passw0rd!")
                .attribute("phone_number", "+15555550101")
                .mfa(
                    UserMfaSpec::default()
                        .sms(true)
                        .totp_secret(Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()))
                        .preferred(Some("SMS_MFA".into())),
                ),
        )
        .unwrap();
    let ch = env.srp_login("bob", "Passw0rd!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "SMS_MFA");
}

#[tokio::test]
async fn mfa_setup_with_session() {
    let env = env_with(
        PoolSpec::named("p").mfa(MfaConfig::On),
        ClientSpec::public("c"),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let ch = env.srp_login("alice", "Passw0rd!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "MFA_SETUP");
    let assoc = env
        .call("AssociateSoftwareToken", json!({"Session": ch["Session"]}))
        .await
        .unwrap();
    let secret = assoc["SecretCode"].as_str().unwrap().to_owned();
    let v = env
        .call(
            "VerifySoftwareToken",
            json!({"Session": assoc["Session"], "UserCode": totp_now(&env, &secret)}),
        )
        .await
        .unwrap();
    let done = env
        .respond(
            "MFA_SETUP",
            json!({"USERNAME": "alice"}),
            Some(&v["Session"]),
        )
        .await
        .unwrap();
    assert!(tokens(&done)["AccessToken"].is_string());
    env.advance(30);
    let ch = env.srp_login("alice", "Passw0rd!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "SOFTWARE_TOKEN_MFA");
}

#[tokio::test]
async fn email_otp_user_auth_and_custom_auth() {
    let env = env(false).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", "Passw0rd!").attribute("email", "alice@example.com"),
        )
        .unwrap();
    // USER_AUTH without a preference: SELECT_CHALLENGE.
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_AUTH", "ClientId": env.cid(), "AuthParameters": {"USERNAME": "alice"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "SELECT_CHALLENGE");
    assert!(
        r["AvailableChallenges"]
            .as_array()
            .unwrap()
            .contains(&json!("EMAIL_OTP"))
    );
    let otp = env
        .respond(
            "SELECT_CHALLENGE",
            json!({"USERNAME": "alice", "ANSWER": "EMAIL_OTP"}),
            Some(&r["Session"]),
        )
        .await
        .unwrap();
    assert_eq!(otp["ChallengeName"], "EMAIL_OTP");
    let code = env.emu.latest_code(&env.pool, "alice").unwrap();
    let ok = env
        .respond(
            "EMAIL_OTP",
            json!({"USERNAME": "alice", "EMAIL_OTP_CODE": code}),
            Some(&otp["Session"]),
        )
        .await;
    assert_eq!(code_of(&ok), "OK");
    // USER_AUTH with PREFERRED_CHALLENGE=PASSWORD.
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!"}}),
        )
        .await;
    assert_eq!(code_of(&r), "OK");
    // CUSTOM_AUTH: the built-in challenge sends a code.
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "CUSTOM_AUTH", "ClientId": env.cid(), "AuthParameters": {"USERNAME": "alice"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "CUSTOM_CHALLENGE");
    let code = env.emu.latest_code(&env.pool, "alice").unwrap();
    let ok = env
        .respond(
            "CUSTOM_CHALLENGE",
            json!({"USERNAME": "alice", "ANSWER": code}),
            Some(&r["Session"]),
        )
        .await;
    assert_eq!(code_of(&ok), "OK");
}

#[tokio::test]
async fn sign_up_confirm_forgot_and_attributes() {
    let env = env(true).await;
    let r = env
        .call(
            "SignUp",
            json!({"ClientId": env.cid(), "Username": "zoe", "Password": "Passw0rd!",
                   "SecretHash": env.hash("zoe"),
                   "UserAttributes": [{"Name": "email", "Value": "zoe@example.com"}]}),
        )
        .await
        .unwrap();
    assert_eq!(r["UserConfirmed"], false);
    assert_eq!(r["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert_eq!(
        code_of(&env.password_login("zoe", "Passw0rd!").await),
        "UserNotConfirmedException"
    );
    let e = env
        .call(
            "ConfirmSignUp",
            json!({"ClientId": env.cid(), "Username": "zoe", "ConfirmationCode": "000000", "SecretHash": env.hash("zoe")}),
        )
        .await;
    let code = env.emu.latest_code(&env.pool, "zoe").unwrap();
    if code != "000000" {
        assert_eq!(e.unwrap_err().code, "CodeMismatchException");
    }
    env.call(
        "ConfirmSignUp",
        json!({"ClientId": env.cid(), "Username": "zoe", "ConfirmationCode": code, "SecretHash": env.hash("zoe")}),
    )
    .await
    .unwrap();
    let t = env.password_login("zoe", "Passw0rd!").await.unwrap();
    let access = tokens(&t)["AccessToken"].clone();
    env.call(
        "ForgotPassword",
        json!({"ClientId": env.cid(), "Username": "zoe", "SecretHash": env.hash("zoe")}),
    )
    .await
    .unwrap();
    let code = env.emu.latest_code(&env.pool, "zoe").unwrap();
    env.call(
        "ConfirmForgotPassword",
        json!({"ClientId": env.cid(), "Username": "zoe", "SecretHash": env.hash("zoe"),
               "ConfirmationCode": code, "Password": "An0ther-pass"}),
    )
    .await
    .unwrap();
    assert_eq!(
        code_of(&env.password_login("zoe", "An0ther-pass").await),
        "OK"
    );
    let e = env
        .call(
            "ChangePassword",
            json!({"AccessToken": access, "PreviousPassword": "wrong", "ProposedPassword": "Th1rd-pass"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    env.call(
        "ChangePassword",
        json!({"AccessToken": access, "PreviousPassword": "An0ther-pass", "ProposedPassword": "Th1rd-pass"}),
    )
    .await
    .unwrap();
    let r = env
        .call(
            "UpdateUserAttributes",
            json!({"AccessToken": access, "UserAttributes": [{"Name": "email", "Value": "z2@example.com"}]}),
        )
        .await
        .unwrap();
    assert_eq!(r["CodeDeliveryDetailsList"][0]["AttributeName"], "email");
    let code = env.emu.latest_code(&env.pool, "zoe").unwrap();
    env.call(
        "VerifyUserAttribute",
        json!({"AccessToken": access, "AttributeName": "email", "Code": code}),
    )
    .await
    .unwrap();
    let u = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    let attrs = u["UserAttributes"].as_array().unwrap();
    assert!(attrs.contains(&json!({"Name": "email", "Value": "z2@example.com"})));
    assert!(attrs.contains(&json!({"Name": "email_verified", "Value": "true"})));
}
