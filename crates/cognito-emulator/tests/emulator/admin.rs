use crate::common::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn sigv4_signed_ok_wrong_secret_unsigned_and_stale() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    let body = json!({"UserPoolId": env.pool, "Username": "alice"});
    let u = env.admin("AdminGetUser", body.clone()).await.unwrap();
    assert_eq!(u["Username"], "alice");
    assert_eq!(u["UserStatus"], "CONFIRMED");
    let e = env
        .admin_as("AdminGetUser", body.clone(), "test", "wrong", env.emu.now())
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidSignatureException");
    let e = env
        .admin_as(
            "AdminGetUser",
            body.clone(),
            "AKIDUNKNOWN",
            "test",
            env.emu.now(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "UnrecognizedClientException");
    assert_eq!(
        e.message,
        "The security token included in the request is invalid."
    );
    let e = env.call("AdminGetUser", body.clone()).await.unwrap_err();
    assert_eq!(e.code, "MissingAuthenticationTokenException");
    let old = env.emu.now() - Duration::from_secs(20 * 60);
    let e = env
        .admin_as("AdminGetUser", body, "test", "test", old)
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidSignatureException");
    assert!(e.message.contains("Signature expired"));
}

#[tokio::test]
async fn pools_clients_users_via_admin_api() {
    let env = env(false).await;
    let p = env
        .admin(
            "CreateUserPool",
            json!({"PoolName": "made", "MfaConfiguration": "OFF", "AutoVerifiedAttributes": ["email"],
                   "Policies": {"PasswordPolicy": {"MinimumLength": 6}}}),
        )
        .await
        .unwrap();
    let pool = p["UserPool"]["Id"].as_str().unwrap().to_owned();
    assert!(pool.starts_with("us-east-1_"));
    let c = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "app", "GenerateSecret": true,
                   "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await
        .unwrap();
    let client = &c["UserPoolClient"];
    assert_eq!(client["ClientSecret"].as_str().unwrap().len(), 51);
    let d = env
        .admin(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": client["ClientId"]}),
        )
        .await
        .unwrap();
    assert_eq!(d["UserPoolClient"]["ClientName"], "app");
    let list = env
        .admin(
            "ListUserPoolClients",
            json!({"UserPoolId": pool, "MaxResults": 10}),
        )
        .await
        .unwrap();
    assert_eq!(list["UserPoolClients"].as_array().unwrap().len(), 1);
    let created = env
        .admin(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": "bob", "TemporaryPassword": "temp12",
                   "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}]}),
        )
        .await
        .unwrap();
    assert_eq!(created["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(env.emu.latest_code(&pool, "bob").unwrap(), "temp12");
    let e = env
        .admin(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": "bob"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "UsernameExistsException");
    env.admin(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "bob", "Password": "perm12", "Permanent": true}),
    )
    .await
    .unwrap();
    env.admin(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "bob"}),
    )
    .await
    .unwrap();
    let u = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "bob"}),
        )
        .await
        .unwrap();
    assert_eq!(u["Enabled"], false);
    assert_eq!(u["UserStatus"], "CONFIRMED");
    env.admin(
        "AdminDeleteUser",
        json!({"UserPoolId": pool, "Username": "bob"}),
    )
    .await
    .unwrap();
    let e = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "bob"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "UserNotFoundException");
    let e = env
        .admin(
            "DescribeUserPool",
            json!({"UserPoolId": "us-east-1_nothere"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    env.admin("DeleteUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
}

#[tokio::test]
async fn list_users_filter_and_pagination() {
    let env = env(false).await;
    for i in 0..7 {
        env.emu
            .create_user(
                &env.pool,
                cognito_emulator::UserSpec::new(format!("user{i}"), "Passw0rd!").attribute(
                    "email",
                    format!("u{i}@{}.com", if i % 2 == 0 { "even" } else { "odd" }),
                ),
            )
            .unwrap();
    }
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"UserPoolId": env.pool, "Limit": 3});
        if let Some(t) = &token {
            body["PaginationToken"] = json!(t);
        }
        let page = env.admin("ListUsers", body).await.unwrap();
        let users = page["Users"].as_array().unwrap();
        assert!(users.len() <= 3);
        names.extend(
            users
                .iter()
                .map(|u| u["Username"].as_str().unwrap().to_owned()),
        );
        match page["PaginationToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(names.len(), 7);
    let odd = env
        .admin(
            "ListUsers",
            json!({"UserPoolId": env.pool, "Filter": "email ^= \"u1@odd\""}),
        )
        .await
        .unwrap();
    assert_eq!(odd["Users"].as_array().unwrap().len(), 1);
    let exact = env
        .admin(
            "ListUsers",
            json!({"UserPoolId": env.pool, "Filter": "username = \"user4\""}),
        )
        .await
        .unwrap();
    assert_eq!(exact["Users"][0]["Username"], "user4");
    let status = env
        .admin(
            "ListUsers",
            json!({"UserPoolId": env.pool, "Filter": "cognito:user_status = \"CONFIRMED\""}),
        )
        .await
        .unwrap();
    assert_eq!(status["Users"].as_array().unwrap().len(), 7);
    let e = env
        .admin(
            "ListUsers",
            json!({"UserPoolId": env.pool, "Filter": "bogus = \"x\""}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let e = env
        .admin("ListUsers", json!({"UserPoolId": env.pool, "Limit": 61}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
}

#[tokio::test]
async fn groups() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    env.admin(
        "CreateGroup",
        json!({"UserPoolId": env.pool, "GroupName": "admins", "Precedence": 1}),
    )
    .await
    .unwrap();
    let e = env
        .admin(
            "CreateGroup",
            json!({"UserPoolId": env.pool, "GroupName": "admins"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "GroupExistsException");
    env.admin(
        "AdminAddUserToGroup",
        json!({"UserPoolId": env.pool, "GroupName": "admins", "Username": "alice"}),
    )
    .await
    .unwrap();
    let g = env
        .admin(
            "AdminListGroupsForUser",
            json!({"UserPoolId": env.pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(g["Groups"][0]["GroupName"], "admins");
    let u = env
        .admin(
            "ListUsersInGroup",
            json!({"UserPoolId": env.pool, "GroupName": "admins"}),
        )
        .await
        .unwrap();
    assert_eq!(u["Users"][0]["Username"], "alice");
    let t = env.password_login("alice", "Passw0rd!").await.unwrap();
    let a = claims(tokens(&t)["AccessToken"].as_str().unwrap());
    assert_eq!(a["cognito:groups"], json!(["admins"]));
    env.admin(
        "DeleteGroup",
        json!({"UserPoolId": env.pool, "GroupName": "admins"}),
    )
    .await
    .unwrap();
    let e = env
        .admin(
            "GetGroup",
            json!({"UserPoolId": env.pool, "GroupName": "admins"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[tokio::test]
async fn admin_initiate_auth_password() {
    let env = env(true).await;
    env.user("alice", "Passw0rd!");
    let r = env
        .admin(
            "AdminInitiateAuth",
            json!({"UserPoolId": env.pool, "ClientId": env.cid(), "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!", "SECRET_HASH": env.hash("alice")}}),
        )
        .await
        .unwrap();
    assert!(tokens(&r)["IdToken"].is_string());
    let e = env
        .call(
            "InitiateAuth",
            json!({"ClientId": env.cid(), "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!", "SECRET_HASH": env.hash("alice")}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
}

#[tokio::test]
async fn user_pool_mfa_config_get_set_and_effect_on_sign_in() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    let got = env
        .admin("GetUserPoolMfaConfig", json!({"UserPoolId": env.pool}))
        .await
        .unwrap();
    assert_eq!(got["MfaConfiguration"], "OFF");

    // ON with software tokens only: SMS and email MFA off, sign-in must set up a TOTP.
    let set = env
        .admin(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": env.pool, "MfaConfiguration": "ON",
                   "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
        )
        .await
        .unwrap();
    assert_eq!(set["MfaConfiguration"], "ON");
    let got = env
        .admin("GetUserPoolMfaConfig", json!({"UserPoolId": env.pool}))
        .await
        .unwrap();
    assert_eq!(got["MfaConfiguration"], "ON");
    assert_eq!(got["SoftwareTokenMfaConfiguration"]["Enabled"], true);
    assert!(got.get("SmsMfaConfiguration").is_none(), "{got}");
    assert!(got.get("EmailMfaConfiguration").is_none(), "{got}");
    let pool = env
        .admin("DescribeUserPool", json!({"UserPoolId": env.pool}))
        .await
        .unwrap();
    assert_eq!(pool["UserPool"]["MfaConfiguration"], "ON");
    let ch = env.srp_login("alice", "Passw0rd!").await.unwrap();
    assert_eq!(ch["ChallengeName"], "MFA_SETUP");

    // SMS with its message; MfaConfiguration left out keeps ON.
    let set = env
        .admin(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": env.pool,
                   "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Code {####}",
                       "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sns"}},
                   "SoftwareTokenMfaConfiguration": {"Enabled": false}}),
        )
        .await
        .unwrap();
    assert_eq!(set["MfaConfiguration"], "ON");
    assert_eq!(
        set["SmsMfaConfiguration"]["SmsAuthenticationMessage"],
        "Code {####}"
    );
    assert_eq!(
        set["SmsMfaConfiguration"]["SmsConfiguration"]["SnsCallerArn"],
        "arn:aws:iam::000000000000:role/sns"
    );
    assert_eq!(set["SoftwareTokenMfaConfiguration"]["Enabled"], false);

    // ON / OPTIONAL need a method; OFF does not.
    let e = env
        .admin(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": env.pool, "MfaConfiguration": "OPTIONAL"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    env.admin(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": env.pool, "MfaConfiguration": "OFF"}),
    )
    .await
    .unwrap();
    let login = env.srp_login("alice", "Passw0rd!").await.unwrap();
    assert!(tokens(&login)["AccessToken"].is_string(), "{login}");
    let e = env
        .admin(
            "GetUserPoolMfaConfig",
            json!({"UserPoolId": "us-east-1_missing"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[tokio::test]
async fn list_users_filter_escapes() {
    let env = env(false).await;
    env.emu
        .create_user(
            &env.pool,
            cognito_emulator::UserSpec::new("q1", "Passw0rd!").attribute("name", r#"a "b" \ c=d"#),
        )
        .unwrap();
    env.user("q2", "Passw0rd!");
    for (filter, want) in [
        (r#"name = "a \"b\" \\ c=d""#, vec!["q1"]),
        (r#"name ^= "a \"b""#, vec!["q1"]),
        (r#"name ^= "a \"b\" \\ c=""#, vec!["q1"]),
        (r#"username = "q2""#, vec!["q2"]),
    ] {
        let r = env
            .admin(
                "ListUsers",
                json!({"UserPoolId": env.pool, "Filter": filter}),
            )
            .await
            .unwrap();
        let names: Vec<&str> = r["Users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["Username"].as_str().unwrap())
            .collect();
        assert_eq!(names, want, "{filter}");
    }
    let e = env
        .admin(
            "ListUsers",
            json!({"UserPoolId": env.pool, "Filter": r#"name = "unterminated"#}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
}

/// One raw HTTP/1.1 request on a fresh connection; the whole answer (empty when the server
/// closed the connection without one).
async fn raw_http(url: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Request targets on which aws-sigv4 1.3 panics when it signs them without a Host header (seen
/// while fuzzing): the server verifies the signature of each over its Host header and URI path,
/// refuses it with InvalidSignatureException on a connection that answers, and goes on serving.
#[tokio::test]
async fn odd_request_targets_of_signed_calls_are_refused_not_panicked_on() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    let addr = env.emu.url().trim_start_matches("http://").to_owned();
    let amz_date = time::OffsetDateTime::from(env.emu.now())
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap();
    let body = json!({"UserPoolId": env.pool, "Username": "alice"}).to_string();
    for target in ["//x", "/?x=%zz", "*", "/%"] {
        let request = format!(
            "POST {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
             content-type: application/x-amz-json-1.1\r\n\
             x-amz-target: AWSCognitoIdentityProviderService.AdminGetUser\r\n\
             x-amz-date: {amz_date}\r\n\
             authorization: AWS4-HMAC-SHA256 Credential=test/{}/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-target, Signature={}\r\n\
             content-length: {}\r\n\r\n{body}",
            &amz_date[..8],
            "0".repeat(64),
            body.len()
        );
        let answer = raw_http(&env.emu.url(), &request).await;
        assert!(
            answer.starts_with("HTTP/1.1 400") && answer.contains("InvalidSignatureException"),
            "{target}: {answer:?}"
        );
    }
    let u = env
        .admin(
            "AdminGetUser",
            json!({"UserPoolId": env.pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(u["Username"], "alice");
}
