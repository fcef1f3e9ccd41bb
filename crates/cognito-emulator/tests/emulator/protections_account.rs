//! Protections of the account operations (issue 13 point 1, account half) and of the HTTP
//! server (point 2): bounded and expiring codes, verified flags, app client attribute
//! permissions, prevented user existence errors, alias usernames, SigV4 signed headers, HTTP
//! timeouts and limits, and the `/_emulator/*` endpoints' refusal of browsers.

use crate::common::*;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use cognito_emulator::*;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PW: &str = "Passw0rd!";
const NEW_PW: &str = "N3w-Passw0rd!";
const WRONG: &str = "000000";

async fn alice_env(client: ClientSpec) -> Env {
    let env = env_with(PoolSpec::named("test"), client).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", PW).attribute("email", "alice@example.com"),
        )
        .unwrap();
    env
}

/// A code that differs from `right`.
fn wrong(right: &str) -> &'static str {
    if right == WRONG { "111111" } else { WRONG }
}

fn outbox_len(env: &Env) -> usize {
    env.emu.outbox().len()
}

// ---- (a) codes: bounded wrong tries, validity ----

// Cognito answers CodeMismatchException for a wrong code and, after too many, LimitExceededException
// "Attempt limit exceeded, please try after some time."; the emulator kills the code after 5 wrong
// tries (a new one must be requested).
#[tokio::test]
async fn forgot_password_code_dies_after_five_wrong_tries_attempt_limit_exceeded() {
    let env = alice_env(ClientSpec::public("web")).await;
    env.call(
        "ForgotPassword",
        json!({"ClientId": env.cid(), "Username": "alice"}),
    )
    .await
    .unwrap();
    let right = env.emu.latest_code(&env.pool, "alice").unwrap();
    let confirm = |code: String| {
        env.call(
            "ConfirmForgotPassword",
            json!({"ClientId": env.cid(), "Username": "alice", "ConfirmationCode": code, "Password": NEW_PW}),
        )
    };
    for _ in 0..5 {
        let e = confirm(wrong(&right).to_owned()).await.unwrap_err();
        assert_eq!(e.code, "CodeMismatchException");
        assert_eq!(
            e.message,
            "Invalid verification code provided, please try again."
        );
    }
    // The scenario: many more guesses, then the right code: still refused.
    for _ in 0..195 {
        let e = confirm(wrong(&right).to_owned()).await.unwrap_err();
        assert_eq!(e.code, "LimitExceededException");
    }
    let e = confirm(right.clone()).await.unwrap_err();
    assert_eq!(e.code, "LimitExceededException");
    assert_eq!(
        e.message,
        "Attempt limit exceeded, please try after some time."
    );
    assert_eq!(
        code(&env.password_login("alice", NEW_PW).await),
        "NotAuthorizedException"
    );
    // A new code starts a new budget.
    env.call(
        "ForgotPassword",
        json!({"ClientId": env.cid(), "Username": "alice"}),
    )
    .await
    .unwrap();
    let fresh = env.emu.latest_code(&env.pool, "alice").unwrap();
    let e = confirm(wrong(&fresh).to_owned()).await.unwrap_err();
    assert_eq!(e.code, "CodeMismatchException");
    confirm(fresh).await.unwrap();
    env.password_login("alice", NEW_PW).await.unwrap();
}

// Same rule for ConfirmSignUp: ResendConfirmationCode issues a new code.
#[tokio::test]
async fn sign_up_code_dies_after_five_wrong_tries_and_resend_gives_a_new_one() {
    let env = env(false).await;
    env.call(
        "SignUp",
        json!({"ClientId": env.cid(), "Username": "bob", "Password": PW,
               "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}]}),
    )
    .await
    .unwrap();
    let right = env.emu.latest_code(&env.pool, "bob").unwrap();
    let confirm = |c: String| {
        env.call(
            "ConfirmSignUp",
            json!({"ClientId": env.cid(), "Username": "bob", "ConfirmationCode": c}),
        )
    };
    for _ in 0..5 {
        assert_eq!(
            code(&confirm(wrong(&right).to_owned()).await),
            "CodeMismatchException"
        );
    }
    assert_eq!(code(&confirm(right).await), "LimitExceededException");
    env.call(
        "ResendConfirmationCode",
        json!({"ClientId": env.cid(), "Username": "bob"}),
    )
    .await
    .unwrap();
    let fresh = env.emu.latest_code(&env.pool, "bob").unwrap();
    confirm(fresh).await.unwrap();
    env.password_login("bob", PW).await.unwrap();
}

// Same rule for VerifyUserAttribute.
#[tokio::test]
async fn attribute_verification_code_dies_after_five_wrong_tries() {
    let env = alice_env(ClientSpec::public("web")).await;
    let t = env.password_login("alice", PW).await.unwrap();
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    env.call(
        "GetUserAttributeVerificationCode",
        json!({"AccessToken": access, "AttributeName": "email"}),
    )
    .await
    .unwrap();
    let right = env.emu.latest_code(&env.pool, "alice").unwrap();
    let verify = |c: String| {
        env.call(
            "VerifyUserAttribute",
            json!({"AccessToken": access, "AttributeName": "email", "Code": c}),
        )
    };
    for _ in 0..5 {
        assert_eq!(
            code(&verify(wrong(&right).to_owned()).await),
            "CodeMismatchException"
        );
    }
    assert_eq!(code(&verify(right).await), "LimitExceededException");
}

// Cognito: "The password reset code is valid for one hour"; ExpiredCodeException after.
#[tokio::test]
async fn forgot_password_code_is_valid_one_hour() {
    let env = alice_env(ClientSpec::public("web")).await;
    let forgot = || {
        env.call(
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": "alice"}),
        )
    };
    let confirm = |c: String| {
        env.call(
            "ConfirmForgotPassword",
            json!({"ClientId": env.cid(), "Username": "alice", "ConfirmationCode": c, "Password": NEW_PW}),
        )
    };
    forgot().await.unwrap();
    let c = env.emu.latest_code(&env.pool, "alice").unwrap();
    env.advance(3601);
    let e = confirm(c).await.unwrap_err();
    assert_eq!(e.code, "ExpiredCodeException");
    assert_eq!(
        e.message,
        "Invalid code provided, please request a code again."
    );
    forgot().await.unwrap();
    let c = env.emu.latest_code(&env.pool, "alice").unwrap();
    env.advance(3590);
    confirm(c).await.unwrap();
}

// Sign-up confirmation codes are valid 24 hours.
#[tokio::test]
async fn sign_up_code_is_valid_24_hours() {
    let env = env(false).await;
    for (name, wait, expect) in [
        ("early", 24 * 3600 - 60, "OK"),
        ("late", 24 * 3600 + 1, "ExpiredCodeException"),
    ] {
        env.call(
            "SignUp",
            json!({"ClientId": env.cid(), "Username": name, "Password": PW,
                   "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}]}),
        )
        .await
        .unwrap();
        let c = env.emu.latest_code(&env.pool, name).unwrap();
        env.advance(wait);
        let r = env
            .call(
                "ConfirmSignUp",
                json!({"ClientId": env.cid(), "Username": name, "ConfirmationCode": c}),
            )
            .await;
        assert_eq!(code(&r), expect, "{name}");
    }
}

// Attribute verification codes are valid 24 hours.
#[tokio::test]
async fn attribute_verification_code_is_valid_24_hours() {
    let env = alice_env(ClientSpec::public("web")).await;
    let access = |t: &Value| tokens(t)["AccessToken"].as_str().unwrap().to_owned();
    let t = env.password_login("alice", PW).await.unwrap();
    env.call(
        "GetUserAttributeVerificationCode",
        json!({"AccessToken": access(&t), "AttributeName": "email"}),
    )
    .await
    .unwrap();
    let c = env.emu.latest_code(&env.pool, "alice").unwrap();
    env.advance(24 * 3600 + 1);
    let t = env.password_login("alice", PW).await.unwrap();
    let r = env
        .call(
            "VerifyUserAttribute",
            json!({"AccessToken": access(&t), "AttributeName": "email", "Code": c}),
        )
        .await;
    assert_eq!(code(&r), "ExpiredCodeException");
}

// ---- (b) verified flags and the client's attribute permissions ----

// Cognito: email_verified / phone_number_verified change only through a code
// (VerifyUserAttribute, confirmation) or an admin (AdminUpdateUserAttributes); a client writing
// them is NotAuthorizedException "A client attempted to write unauthorized attribute".
#[tokio::test]
async fn a_user_cannot_mark_an_address_verified() {
    let env = alice_env(ClientSpec::public("web")).await;
    let t = env.password_login("alice", PW).await.unwrap();
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    for attrs in [
        json!([{"Name": "email", "Value": "victim@example.org"}, {"Name": "email_verified", "Value": "true"}]),
        json!([{"Name": "email_verified", "Value": "true"}]),
        json!([{"Name": "phone_number_verified", "Value": "true"}]),
    ] {
        let e = env
            .call(
                "UpdateUserAttributes",
                json!({"AccessToken": access, "UserAttributes": attrs}),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "NotAuthorizedException");
        assert_eq!(
            e.message,
            "A client attempted to write unauthorized attribute"
        );
    }
    // Changing the address is allowed, but the new one is unverified until its code comes back.
    env.call(
        "UpdateUserAttributes",
        json!({"AccessToken": access, "UserAttributes": [{"Name": "email", "Value": "victim@example.org"}]}),
    )
    .await
    .unwrap();
    let t = env.password_login("alice", PW).await.unwrap();
    let id = claims(tokens(&t)["IdToken"].as_str().unwrap());
    assert_eq!(id["email"], "victim@example.org");
    assert_eq!(id["email_verified"], false);
    // SignUp cannot claim a verified address either.
    let e = env
        .call(
            "SignUp",
            json!({"ClientId": env.cid(), "Username": "mallory", "Password": PW,
                   "UserAttributes": [{"Name": "email", "Value": "m@example.com"},
                                      {"Name": "email_verified", "Value": "true"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    // An admin may.
    env.admin(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": env.pool, "Username": "alice",
               "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
    )
    .await
    .unwrap();
}

// Without auto-verification of email, a changed address is still not verified.
#[tokio::test]
async fn a_changed_address_is_unverified_even_without_auto_verification() {
    let pool = PoolSpec::named("test").auto_verified_attributes(Vec::new());
    let env = env_with(pool, ClientSpec::public("web")).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", PW).attribute("email", "alice@example.com"),
        )
        .unwrap();
    let t = env.password_login("alice", PW).await.unwrap();
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    let before = outbox_len(&env);
    env.call(
        "UpdateUserAttributes",
        json!({"AccessToken": access, "UserAttributes": [{"Name": "email", "Value": "other@example.org"}]}),
    )
    .await
    .unwrap();
    assert_eq!(
        outbox_len(&env),
        before,
        "no code without auto-verification"
    );
    let me = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert!(
        me["UserAttributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"Name": "email_verified", "Value": "false"})),
        "{me}"
    );
}

// Cognito, AttributesRequireVerificationBeforeUpdate: "Amazon Cognito doesn't change the value of
// the attribute until your user responds to the verification message and confirms the new value."
#[tokio::test]
async fn a_change_that_requires_verification_waits_for_its_code() {
    let env = env(false).await;
    let created = env
        .admin(
            "CreateUserPool",
            json!({"PoolName": "keep", "AutoVerifiedAttributes": ["email"],
                   "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}}),
        )
        .await
        .unwrap();
    let pool = created["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = env
        .emu
        .create_client(&pool, ClientSpec::public("web"))
        .unwrap();
    env.emu
        .create_user(
            &pool,
            UserSpec::new("alice", PW).attribute("email", "alice@example.com"),
        )
        .unwrap();
    let login = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client.client_id,
                       "AuthParameters": {"USERNAME": "alice", "PASSWORD": PW}});
    let t = env.call("InitiateAuth", login).await.unwrap();
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    let r = env
        .call(
            "UpdateUserAttributes",
            json!({"AccessToken": access, "UserAttributes": [{"Name": "email", "Value": "new@example.org"}]}),
        )
        .await
        .unwrap();
    assert_eq!(
        r["CodeDeliveryDetailsList"][0]["Destination"], "n***@e***",
        "{r}"
    );
    let sent = env.emu.outbox().pop().unwrap();
    assert_eq!(sent.destination, "new@example.org");
    let attrs = |me: &Value| me["UserAttributes"].as_array().unwrap().clone();
    let me = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert!(attrs(&me).contains(&json!({"Name": "email", "Value": "alice@example.com"})));
    assert!(attrs(&me).contains(&json!({"Name": "email_verified", "Value": "true"})));
    env.call(
        "VerifyUserAttribute",
        json!({"AccessToken": access, "AttributeName": "email", "Code": sent.code}),
    )
    .await
    .unwrap();
    let me = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert!(attrs(&me).contains(&json!({"Name": "email", "Value": "new@example.org"})));
    assert!(attrs(&me).contains(&json!({"Name": "email_verified", "Value": "true"})));
}

// App clients' ReadAttributes / WriteAttributes: GetUser and the id token carry only readable
// attributes; SignUp / UpdateUserAttributes refuse unwritable ones.
#[tokio::test]
async fn client_read_and_write_attributes_are_enforced() {
    let client = ClientSpec::public("narrow")
        .read_attributes(Some(vec!["email".into(), "email_verified".into()]))
        .write_attributes(Some(vec!["email".into(), "given_name".into()]));
    let env = alice_env(client).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("carol", PW)
                .attribute("email", "carol@example.com")
                .attribute("family_name", "C"),
        )
        .unwrap();
    let t = env.password_login("carol", PW).await.unwrap();
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    let me = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    let mut names: Vec<&str> = me["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["email", "email_verified", "sub"]);
    // The id token carries only readable attributes too.
    let id = claims(tokens(&t)["IdToken"].as_str().unwrap());
    assert_eq!(id["email"], "carol@example.com");
    assert!(id.get("family_name").is_none(), "{id}");
    let e = env
        .call(
            "UpdateUserAttributes",
            json!({"AccessToken": access, "UserAttributes": [{"Name": "family_name", "Value": "D"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    assert_eq!(
        e.message,
        "A client attempted to write unauthorized attribute"
    );
    env.call(
        "UpdateUserAttributes",
        json!({"AccessToken": access, "UserAttributes": [{"Name": "given_name", "Value": "Caro"}]}),
    )
    .await
    .unwrap();
    let e = env
        .call(
            "SignUp",
            json!({"ClientId": env.cid(), "Username": "dan", "Password": PW,
                   "UserAttributes": [{"Name": "family_name", "Value": "D"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    // CreateUserPoolClient stores them; DescribeUserPoolClient echoes them.
    let created = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": env.pool, "ClientName": "api",
                   "ReadAttributes": ["email"], "WriteAttributes": ["name"]}),
        )
        .await
        .unwrap();
    let id = created["UserPoolClient"]["ClientId"].as_str().unwrap();
    let d = env
        .admin(
            "DescribeUserPoolClient",
            json!({"UserPoolId": env.pool, "ClientId": id}),
        )
        .await
        .unwrap();
    assert_eq!(d["UserPoolClient"]["ReadAttributes"], json!(["email"]));
    assert_eq!(d["UserPoolClient"]["WriteAttributes"], json!(["name"]));
    let e = env
        .call(
            "SignUp",
            json!({"ClientId": id, "Username": "erin", "Password": PW,
                   "UserAttributes": [{"Name": "email", "Value": "erin@example.com"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
}

// ---- (c) PreventUserExistenceErrors in the account operations ----

// Cognito, ENABLED: ForgotPassword and ResendConfirmationCode answer a simulated
// CodeDeliveryDetails for a user who doesn't exist (nothing is sent); ConfirmForgotPassword and
// ConfirmSignUp answer CodeMismatchException.
#[tokio::test]
async fn prevented_user_existence_errors_in_account_operations() {
    let env = alice_env(ClientSpec::public("web")).await;
    let before = outbox_len(&env);
    let r = env
        .call(
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": "nobody"}),
        )
        .await
        .unwrap();
    let d = &r["CodeDeliveryDetails"];
    assert_eq!(d["DeliveryMedium"], "EMAIL");
    assert_eq!(d["AttributeName"], "email");
    let dest = d["Destination"].as_str().unwrap();
    assert!(dest.starts_with("n***@") && dest.ends_with("***"), "{dest}");
    // Stable for a name, like a real address.
    let again = env
        .call(
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": "nobody"}),
        )
        .await
        .unwrap();
    assert_eq!(again, r);
    // Shaped like the name given: an email address or a phone number.
    let r = env
        .call(
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": "+15550001234"}),
        )
        .await
        .unwrap();
    assert_eq!(r["CodeDeliveryDetails"]["DeliveryMedium"], "SMS");
    assert_eq!(r["CodeDeliveryDetails"]["Destination"], "+*******1234");
    let r = env
        .call(
            "ResendConfirmationCode",
            json!({"ClientId": env.cid(), "Username": "ghost@example.com"}),
        )
        .await
        .unwrap();
    assert_eq!(r["CodeDeliveryDetails"]["Destination"], "g***@e***");
    assert_eq!(outbox_len(&env), before, "nothing is sent");
    let e = env
        .call(
            "ConfirmForgotPassword",
            json!({"ClientId": env.cid(), "Username": "nobody", "ConfirmationCode": "123456", "Password": NEW_PW}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "CodeMismatchException");
    let e = env
        .call(
            "ConfirmSignUp",
            json!({"ClientId": env.cid(), "Username": "nobody", "ConfirmationCode": "123456"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "CodeMismatchException");
    // A disabled user looks the same.
    env.admin(
        "AdminDisableUser",
        json!({"UserPoolId": env.pool, "Username": "alice"}),
    )
    .await
    .unwrap();
    let r = env
        .call(
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(r["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert_eq!(outbox_len(&env), before);
    let e = env
        .call(
            "ConfirmForgotPassword",
            json!({"ClientId": env.cid(), "Username": "alice", "ConfirmationCode": "123456", "Password": NEW_PW}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "CodeMismatchException");
}

// LEGACY: UserNotFoundException, as before.
#[tokio::test]
async fn legacy_clients_get_user_not_found() {
    let client = ClientSpec::public("legacy").prevent_user_existence_errors(false);
    let env = alice_env(client).await;
    for (op, body) in [
        (
            "ForgotPassword",
            json!({"ClientId": env.cid(), "Username": "nobody"}),
        ),
        (
            "ResendConfirmationCode",
            json!({"ClientId": env.cid(), "Username": "nobody"}),
        ),
        (
            "ConfirmForgotPassword",
            json!({"ClientId": env.cid(), "Username": "nobody", "ConfirmationCode": "123456", "Password": NEW_PW}),
        ),
        (
            "ConfirmSignUp",
            json!({"ClientId": env.cid(), "Username": "nobody", "ConfirmationCode": "123456"}),
        ),
    ] {
        let e = env.call(op, body).await.unwrap_err();
        assert_eq!(e.code, "UserNotFoundException", "{op}");
    }
}

// ---- (d) usernames in alias pools ----

// Cognito: in a pool with an email alias, "Username cannot be of email format, since user pool
// is configured for email alias."
#[tokio::test]
async fn alias_pools_refuse_email_shaped_usernames() {
    let pool =
        PoolSpec::named("alias").alias_attributes(vec!["email".into(), "phone_number".into()]);
    let env = env_with(pool, ClientSpec::public("web")).await;
    let e = env
        .call(
            "SignUp",
            json!({"ClientId": env.cid(), "Username": "eve@example.com", "Password": PW,
                   "UserAttributes": [{"Name": "email", "Value": "eve@example.com"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    assert_eq!(
        e.message,
        "Username cannot be of email format, since user pool is configured for email alias."
    );
    let e = env
        .call(
            "SignUp",
            json!({"ClientId": env.cid(), "Username": "+15550001111", "Password": PW}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    env.call(
        "SignUp",
        json!({"ClientId": env.cid(), "Username": "eve", "Password": PW,
               "UserAttributes": [{"Name": "email", "Value": "eve@example.com"}]}),
    )
    .await
    .unwrap();
}

// ---- (e) SigV4: the signature must cover Host, X-Amz-Date and X-Amz-Target ----

/// A ListUsers request signed with test/test; `signed_target` says whether X-Amz-Target is
/// among the signed headers.
fn signed_request(
    env: &Env,
    op: &str,
    body: &Value,
    signed_target: bool,
) -> http::Request<Full<Bytes>> {
    let raw = serde_json::to_vec(body).unwrap();
    let host = env.emu.url().trim_start_matches("http://").to_owned();
    let target = format!("AWSCognitoIdentityProviderService.{op}");
    let mut to_sign = vec![
        ("host".to_owned(), host.clone()),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
    ];
    if signed_target {
        to_sign.push(("x-amz-target".to_owned(), target.clone()));
    }
    let identity: Identity = Credentials::new("test", "test", None, None, "test").into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("cognito-idp")
        .time(env.emu.now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let uri = format!("{}/", env.emu.url());
    let signable = SignableRequest::new(
        "POST",
        uri.clone(),
        to_sign.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&raw),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut req = http::Request::post(uri)
        .header("host", host)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target)
        .body(Full::new(Bytes::from(raw)))
        .unwrap();
    let (hs, _) = instructions.into_parts();
    for h in hs {
        req.headers_mut()
            .insert(h.name(), http::HeaderValue::from_str(h.value()).unwrap());
    }
    req
}

async fn send(env: &Env, req: http::Request<Full<Bytes>>) -> (u16, Value) {
    let resp = env.http.request(req).await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Replaces a request's X-Amz-Target (the signature and everything else kept).
fn retarget(mut req: http::Request<Full<Bytes>>, op: &str) -> http::Request<Full<Bytes>> {
    req.headers_mut().insert(
        "x-amz-target",
        http::HeaderValue::from_str(&format!("AWSCognitoIdentityProviderService.{op}")).unwrap(),
    );
    req
}

#[tokio::test]
async fn sigv4_must_sign_x_amz_target_and_a_captured_request_cannot_be_retargeted() {
    let env = alice_env(ClientSpec::public("web")).await;
    let body = json!({"UserPoolId": env.pool, "Username": "alice"});
    // Properly signed: accepted.
    let (status, v) = send(&env, signed_request(&env, "AdminGetUser", &body, true)).await;
    assert_eq!(status, 200, "{v}");
    // The same captured request re-targeted to another operation: the signature fails.
    let req = retarget(
        signed_request(&env, "AdminGetUser", &body, true),
        "AdminDeleteUser",
    );
    let (status, v) = send(&env, req).await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "InvalidSignatureException", "{v}");
    // A signature that leaves X-Amz-Target out is refused outright, so re-targeting it is useless.
    let (status, v) = send(&env, signed_request(&env, "AdminGetUser", &body, false)).await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "InvalidSignatureException", "{v}");
    assert_eq!(
        v["message"],
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
    );
    let req = retarget(
        signed_request(&env, "AdminGetUser", &body, false),
        "AdminDeleteUser",
    );
    let (_, v) = send(&env, req).await;
    assert_eq!(v["__type"], "InvalidSignatureException", "{v}");
    // alice is still there.
    env.admin("AdminGetUser", body).await.unwrap();
}

// ---- (f) HTTP hardening ----

async fn hardened_env(header_read_timeout: Duration, max_connections: usize) -> Env {
    let config = EmulatorConfig::deterministic(T0, 7)
        .header_read_timeout(header_read_timeout)
        .max_connections(max_connections);
    env_config(PoolSpec::named("test"), ClientSpec::public("web"), config).await
}

/// Reads until the server closes the connection (or `limit` passes: panics); returns what came.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .ok();
    out
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_disconnected() {
    let env = hardened_env(Duration::from_millis(200), 64).await;
    let mut s = TcpStream::connect(env.emu.addr()).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Tar")
        .await
        .unwrap();
    let t = Instant::now();
    read_until_closed(&mut s, Duration::from_secs(5)).await;
    let waited = t.elapsed();
    assert!(waited >= Duration::from_millis(150), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let env = hardened_env(Duration::from_millis(200), 64).await;
    let mut s = TcpStream::connect(env.emu.addr()).await.unwrap();
    s.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let t = Instant::now();
    let got = read_until_closed(&mut s, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let env = hardened_env(Duration::from_secs(10), 2).await;
    let a = TcpStream::connect(env.emu.addr()).await.unwrap();
    let _b = TcpStream::connect(env.emu.addr()).await.unwrap();
    // Give the server the time to accept both.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut c = TcpStream::connect(env.emu.addr()).await.unwrap();
    c.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(300), c.read(&mut buf)).await;
    assert!(early.is_err(), "served beyond the limit");
    drop(a);
    let got = read_until_closed(&mut c, Duration::from_secs(5)).await;
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
}

async fn raw(env: &Env, request: &str) -> String {
    let mut s = TcpStream::connect(env.emu.addr()).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&read_until_closed(&mut s, Duration::from_secs(5)).await).into_owned()
}

#[tokio::test]
async fn emulator_endpoints_refuse_browsers_and_foreign_hosts() {
    let env = hardened_env(Duration::from_secs(5), 64).await;
    let port = env.emu.addr().port();
    let post = |extra: &str| {
        format!(
            "POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Content-Length: 10\r\nConnection: close\r\n\r\nthrottle=1"
        )
    };
    // A cross-origin page's POST (Origin, or a form's content type): 403, nothing changes.
    for extra in [
        "Origin: http://evil.example\r\n",
        "Content-Type: text/plain\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "Content-Type: multipart/form-data; boundary=x\r\n",
    ] {
        let r = raw(&env, &post(extra)).await;
        assert!(r.starts_with("HTTP/1.1 403"), "{extra}: {r}");
        assert!(r.contains("AccessDeniedException"), "{r}");
    }
    assert_eq!(env.emu.faults(), Faults::none());
    // DNS rebinding: a page's host name resolved to 127.0.0.1.
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "127.0.0.1.evil.example",
    ] {
        let r = raw(
            &env,
            &format!("GET /_emulator/outbox HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(r.starts_with("HTTP/1.1 403"), "{host}: {r}");
    }
    // Loopback names, and tools (no Origin, no form content type) are served.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "localhost".to_owned(),
        format!("[::1]:{port}"),
    ] {
        let r = raw(
            &env,
            &format!("GET /_emulator/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(r.starts_with("HTTP/1.1 200"), "{host}: {r}");
    }
    let r = raw(&env, &post("Content-Type: application/octet-stream\r\n")).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let r = raw(&env, &post("")).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    // The API itself is not concerned (AWS SDKs in browsers send an Origin).
    let r = raw(
        &env,
        &format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://app.example\r\nX-Amz-Target: AWSCognitoIdentityProviderService.ForgotPassword\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        ),
    )
    .await;
    assert!(!r.starts_with("HTTP/1.1 403"), "{r}");
}
