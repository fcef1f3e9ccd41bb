//! Operations beyond sign-in and users (issue 13 point 6): custom attributes, auth factors,
//! sign-in events, risk configuration, tags, client secret rotation.

use crate::common::*;
use serde_json::{Value, json};

/// A pool and an app client made through the admin API; (pool id, client id).
async fn api_pool(env: &Env, body: Value) -> (String, String) {
    let p = env.admin("CreateUserPool", body).await.unwrap();
    let pool = p["UserPool"]["Id"].as_str().unwrap().to_owned();
    let c = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "app",
                   "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await
        .unwrap();
    let client = c["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
    (pool, client)
}

async fn login(env: &Env, client: &str, user: &str, password: &str) -> R {
    env.call(
        "InitiateAuth",
        json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
               "AuthParameters": {"USERNAME": user, "PASSWORD": password}}),
    )
    .await
}

fn attr<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list.as_array().unwrap().iter().find(|a| a["Name"] == name)
}

#[tokio::test]
async fn custom_attributes_are_declared_checked_described_and_in_id_tokens() {
    let env = env(false).await;
    let (pool, client) = api_pool(
        &env,
        json!({"PoolName": "schema", "Schema": [
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": true,
             "StringAttributeConstraints": {"MaxLength": "10"}},
            {"Name": "email", "AttributeDataType": "String", "Required": true}]}),
    )
    .await;
    // SignUp: declared yes, undeclared no.
    let e = env
        .call(
            "SignUp",
            json!({"ClientId": client, "Username": "bob", "Password": "Passw0rd!",
                   "UserAttributes": [{"Name": "email", "Value": "bob@example.com"},
                                      {"Name": "custom:nope", "Value": "x"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    assert_eq!(
        e.message,
        "Attributes did not conform to the schema: Type for attribute {custom:nope} could not be determined"
    );
    env.call(
        "SignUp",
        json!({"ClientId": client, "Username": "bob", "Password": "Passw0rd!",
               "UserAttributes": [{"Name": "email", "Value": "bob@example.com"},
                                  {"Name": "custom:tenant", "Value": "acme"}]}),
    )
    .await
    .unwrap();
    // AddCustomAttributes: a new one; a duplicate; an unknown pool; too many.
    env.admin(
        "AddCustomAttributes",
        json!({"UserPoolId": pool, "CustomAttributes": [
            {"Name": "level", "AttributeDataType": "Number", "Mutable": true},
            {"Name": "badge", "AttributeDataType": "String", "Mutable": false}]}),
    )
    .await
    .unwrap();
    let e = env
        .admin(
            "AddCustomAttributes",
            json!({"UserPoolId": pool, "CustomAttributes": [{"Name": "tenant"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    assert_eq!(
        e.message,
        "Existing attribute already has name custom:tenant."
    );
    let e = env
        .admin(
            "AddCustomAttributes",
            json!({"UserPoolId": "us-east-1_nothere", "CustomAttributes": [{"Name": "x"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let batch = |from: usize| -> Value {
        (from..from + 25)
            .map(|i| json!({"Name": format!("a{i}")}))
            .collect()
    };
    env.admin(
        "AddCustomAttributes",
        json!({"UserPoolId": pool, "CustomAttributes": batch(0)}),
    )
    .await
    .unwrap();
    let e = env
        .admin(
            "AddCustomAttributes",
            json!({"UserPoolId": pool, "CustomAttributes": batch(25)}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException", "{e:?}");
    // DescribeUserPool: standard and custom attributes.
    let d = env
        .admin("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    let schema = &d["UserPool"]["SchemaAttributes"];
    assert_eq!(attr(schema, "email").unwrap()["Required"], true);
    assert_eq!(attr(schema, "sub").unwrap()["Mutable"], false);
    let tenant = attr(schema, "custom:tenant").unwrap();
    assert_eq!(tenant["AttributeDataType"], "String");
    assert_eq!(tenant["StringAttributeConstraints"]["MaxLength"], "10");
    assert_eq!(
        attr(schema, "custom:level").unwrap()["AttributeDataType"],
        "Number"
    );
    assert!(attr(schema, "custom:a0").is_some());
    assert!(attr(schema, "custom:a25").is_none());
    // AdminCreateUser and AdminUpdateUserAttributes.
    env.admin(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "carol", "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": "carol@example.com"},
                                  {"Name": "custom:tenant", "Value": "acme"},
                                  {"Name": "custom:level", "Value": "3"},
                                  {"Name": "custom:badge", "Value": "gold"}]}),
    )
    .await
    .unwrap();
    let e = env
        .admin(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": "dave", "MessageAction": "SUPPRESS",
                   "UserAttributes": [{"Name": "email", "Value": "d@example.com"},
                                      {"Name": "custom:nope", "Value": "1"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let update = |name: &str, value: &str| {
        json!({"UserPoolId": pool, "Username": "carol",
               "UserAttributes": [{"Name": name, "Value": value}]})
    };
    let e = env
        .admin("AdminUpdateUserAttributes", update("custom:nope", "1"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "InvalidParameterException",
            "Attribute does not exist in the schema."
        )
    );
    for (name, value) in [
        ("custom:level", "high"),
        ("custom:tenant", "much-too-long"),
        ("custom:badge", "silver"),
    ] {
        let e = env
            .admin("AdminUpdateUserAttributes", update(name, value))
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidParameterException", "{name}");
    }
    env.admin("AdminUpdateUserAttributes", update("custom:level", "4"))
        .await
        .unwrap();
    // The id token carries them; UpdateUserAttributes checks them too.
    env.admin(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "carol", "Password": "Passw0rd!", "Permanent": true}),
    )
    .await
    .unwrap();
    let t = login(&env, &client, "carol", "Passw0rd!").await.unwrap();
    let id = claims(tokens(&t)["IdToken"].as_str().unwrap());
    assert_eq!(id["custom:tenant"], "acme");
    assert_eq!(id["custom:level"], "4");
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    let e = env
        .call(
            "UpdateUserAttributes",
            json!({"AccessToken": access,
                   "UserAttributes": [{"Name": "custom:nope", "Value": "1"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.message, "Attribute does not exist in the schema.");
    env.call(
        "UpdateUserAttributes",
        json!({"AccessToken": access,
               "UserAttributes": [{"Name": "custom:tenant", "Value": "other"}]}),
    )
    .await
    .unwrap();
    // A pool of the embedded API declares none and accepts any, as before.
    env.emu
        .create_user(
            &env.pool,
            cognito_emulator::UserSpec::new("eve", "Passw0rd!").attribute("custom:any", "1"),
        )
        .unwrap();
}

#[tokio::test]
async fn user_auth_factors_admin_and_self() {
    let env = env(false).await;
    env.emu
        .create_user(
            &env.pool,
            cognito_emulator::UserSpec::new("alice", "Passw0rd!")
                .attribute("email", "alice@example.com"),
        )
        .unwrap();
    let f = env
        .admin(
            "AdminGetUserAuthFactors",
            json!({"UserPoolId": env.pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(f["Username"], "alice");
    assert_eq!(
        f["ConfiguredUserAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP"])
    );
    assert!(f.get("UserMFASettingList").is_none());
    env.admin(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": env.pool, "Username": "alice",
               "EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await
    .unwrap();
    let t = env.password_login("alice", "Passw0rd!").await.unwrap();
    let access = tokens(&t)["AccessToken"].as_str().unwrap();
    let f = env
        .call("GetUserAuthFactors", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(f["Username"], "alice");
    assert_eq!(
        f["ConfiguredUserAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP"])
    );
    assert_eq!(f["UserMFASettingList"], json!(["EMAIL_OTP"]));
    assert_eq!(f["PreferredMfaSetting"], "EMAIL_OTP");
    let e = env
        .admin(
            "AdminGetUserAuthFactors",
            json!({"UserPoolId": env.pool, "Username": "nobody"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "UserNotFoundException");
    let e = env
        .call("GetUserAuthFactors", json!({"AccessToken": "not.a.token"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
}

#[tokio::test]
async fn sign_in_events_are_listed_paginated_capped_and_take_feedback() {
    let env = env(true).await;
    env.user("alice", "Passw0rd!");
    env.password_login("alice", "wrong").await.unwrap_err();
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    let list = |extra: Value| {
        let mut body = json!({"UserPoolId": env.pool, "Username": "alice"});
        if let (Some(b), Some(x)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(x.clone());
        }
        env.admin("AdminListUserAuthEvents", body)
    };
    let all = list(json!({})).await.unwrap();
    let events = all["AuthEvents"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert!(all.get("NextToken").is_none());
    // Newest first.
    let pass = &events[0];
    assert_eq!(pass["EventType"], "SignIn");
    assert_eq!(pass["EventResponse"], "Pass");
    assert_eq!(
        pass["ChallengeResponses"],
        json!([{"ChallengeName": "Password", "ChallengeResponse": "Success"}])
    );
    assert_eq!(pass["EventRisk"]["RiskDecision"], "NoRisk");
    assert_eq!(pass["EventContextData"]["IpAddress"], "127.0.0.1");
    assert_eq!(
        pass["CreationDate"].as_f64().unwrap() as i64,
        unix(env.emu.now())
    );
    let fail = &events[1];
    assert_eq!(fail["EventResponse"], "Fail");
    assert_eq!(
        fail["ChallengeResponses"],
        json!([{"ChallengeName": "Password", "ChallengeResponse": "Failure"}])
    );
    // One per page.
    let p1 = list(json!({"MaxResults": 1})).await.unwrap();
    assert_eq!(p1["AuthEvents"][0]["EventId"], pass["EventId"]);
    let next = p1["NextToken"].as_str().unwrap();
    let p2 = list(json!({"MaxResults": 1, "NextToken": next}))
        .await
        .unwrap();
    assert_eq!(p2["AuthEvents"][0]["EventId"], fail["EventId"]);
    assert!(p2.get("NextToken").is_none());
    let e = list(json!({"MaxResults": 61})).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    // Feedback.
    env.admin(
        "AdminUpdateAuthEventFeedback",
        json!({"UserPoolId": env.pool, "Username": "alice",
               "EventId": fail["EventId"], "FeedbackValue": "Invalid"}),
    )
    .await
    .unwrap();
    let all = list(json!({})).await.unwrap();
    assert_eq!(
        all["AuthEvents"][1]["EventFeedback"]["FeedbackValue"],
        "Invalid"
    );
    assert_eq!(all["AuthEvents"][1]["EventFeedback"]["Provider"], "Admin");
    let e = env
        .admin(
            "AdminUpdateAuthEventFeedback",
            json!({"UserPoolId": env.pool, "Username": "alice",
                   "EventId": "no-such-event", "FeedbackValue": "Valid"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let e = env
        .admin(
            "AdminListUserAuthEvents",
            json!({"UserPoolId": env.pool, "Username": "nobody"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "UserNotFoundException");
    // The last 100 are kept (refused attempts during the lockout count as failures too).
    for _ in 0..105 {
        env.password_login("alice", "wrong").await.unwrap_err();
    }
    let p1 = list(json!({})).await.unwrap();
    assert_eq!(p1["AuthEvents"].as_array().unwrap().len(), 60);
    let next = p1["NextToken"].as_str().unwrap();
    let p2 = list(json!({"NextToken": next})).await.unwrap();
    assert_eq!(p2["AuthEvents"].as_array().unwrap().len(), 40);
    assert!(p2.get("NextToken").is_none());
}

#[tokio::test]
async fn risk_configuration_per_pool_and_client() {
    let env = env(false).await;
    let d = env
        .admin("DescribeRiskConfiguration", json!({"UserPoolId": env.pool}))
        .await
        .unwrap();
    assert_eq!(d["RiskConfiguration"], json!({"UserPoolId": env.pool}));
    let s = env
        .admin(
            "SetRiskConfiguration",
            json!({"UserPoolId": env.pool,
                   "CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "BLOCK"}},
                   "RiskExceptionConfiguration": {"BlockedIPRangeList": ["10.0.0.0/8"]}}),
        )
        .await
        .unwrap();
    assert_eq!(
        s["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"]["Actions"]["EventAction"],
        "BLOCK"
    );
    env.admin(
        "SetRiskConfiguration",
        json!({"UserPoolId": env.pool, "ClientId": env.cid(),
               "AccountTakeoverRiskConfiguration": {"Actions": {
                   "HighAction": {"Notify": false, "EventAction": "MFA_REQUIRED"}}}}),
    )
    .await
    .unwrap();
    let pool_level = env
        .admin("DescribeRiskConfiguration", json!({"UserPoolId": env.pool}))
        .await
        .unwrap();
    let rc = &pool_level["RiskConfiguration"];
    assert_eq!(
        rc["RiskExceptionConfiguration"]["BlockedIPRangeList"],
        json!(["10.0.0.0/8"])
    );
    assert!(rc.get("AccountTakeoverRiskConfiguration").is_none());
    assert!(rc.get("LastModifiedDate").is_some());
    let client_level = env
        .admin(
            "DescribeRiskConfiguration",
            json!({"UserPoolId": env.pool, "ClientId": env.cid()}),
        )
        .await
        .unwrap();
    let rc = &client_level["RiskConfiguration"];
    assert_eq!(rc["ClientId"], env.cid());
    assert_eq!(
        rc["AccountTakeoverRiskConfiguration"]["Actions"]["HighAction"]["EventAction"],
        "MFA_REQUIRED"
    );
    let e = env
        .admin(
            "DescribeRiskConfiguration",
            json!({"UserPoolId": env.pool, "ClientId": "nosuchclient"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let e = env
        .admin(
            "SetRiskConfiguration",
            json!({"UserPoolId": "us-east-1_nothere"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[tokio::test]
async fn tags_on_the_pool_arn() {
    let env = env(false).await;
    let p = env
        .admin(
            "CreateUserPool",
            json!({"PoolName": "tagged", "UserPoolTags": {"team": "a"}}),
        )
        .await
        .unwrap();
    let pool = p["UserPool"]["Id"].as_str().unwrap();
    let arn = p["UserPool"]["Arn"].as_str().unwrap().to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool}")
    );
    let list = || env.admin("ListTagsForResource", json!({"ResourceArn": arn}));
    assert_eq!(list().await.unwrap()["Tags"], json!({"team": "a"}));
    env.admin(
        "TagResource",
        json!({"ResourceArn": arn, "Tags": {"env": "dev", "team": "b"}}),
    )
    .await
    .unwrap();
    assert_eq!(
        list().await.unwrap()["Tags"],
        json!({"env": "dev", "team": "b"})
    );
    env.admin(
        "UntagResource",
        json!({"ResourceArn": arn, "TagKeys": ["team", "absent"]}),
    )
    .await
    .unwrap();
    assert_eq!(list().await.unwrap()["Tags"], json!({"env": "dev"}));
    let d = env
        .admin("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(d["UserPool"]["UserPoolTags"], json!({"env": "dev"}));
    let missing = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_nothere";
    let e = env
        .admin(
            "TagResource",
            json!({"ResourceArn": missing, "Tags": {"a": "b"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let e = env
        .admin(
            "TagResource",
            json!({"ResourceArn": arn, "Tags": {"aws:x": "b"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let many: serde_json::Map<String, Value> =
        (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    let e = env
        .admin("TagResource", json!({"ResourceArn": arn, "Tags": many}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    // Signed, like every admin operation.
    let e = env
        .call("ListTagsForResource", json!({"ResourceArn": arn}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "MissingAuthenticationTokenException");
}

#[tokio::test]
async fn client_secret_rotation_keeps_both_secrets_working() {
    let mut env = env(true).await;
    env.user("alice", "Passw0rd!");
    let old = env.client.client_secret.clone().unwrap();
    let ids = |v: &Value| -> Vec<String> {
        v["ClientSecrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["ClientSecretId"].as_str().unwrap().to_owned())
            .collect()
    };
    let body = json!({"UserPoolId": env.pool, "ClientId": env.cid()});
    let listed = env
        .admin("ListUserPoolClientSecrets", body.clone())
        .await
        .unwrap();
    let first = ids(&listed);
    assert_eq!(first.len(), 1);
    assert!(first[0].starts_with(&format!("{}--", env.cid())));
    assert!(
        listed["ClientSecrets"][0]
            .get("ClientSecretValue")
            .is_none()
    );
    assert!(listed["ClientSecrets"][0]["ClientSecretCreateDate"].is_number());
    // SECRET_HASH with the old secret.
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    // A second (generated) secret: its value comes back once.
    env.advance(5);
    let added = env
        .admin("AddUserPoolClientSecret", body.clone())
        .await
        .unwrap();
    let new = added["ClientSecretDescriptor"]["ClientSecretValue"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_id = added["ClientSecretDescriptor"]["ClientSecretId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    let listed = env
        .admin("ListUserPoolClientSecrets", body.clone())
        .await
        .unwrap();
    assert_eq!(ids(&listed), vec![first[0].clone(), new_id.clone()]);
    // A third is over the limit.
    let e = env
        .admin("AddUserPoolClientSecret", body.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code, "LimitExceededException");
    // Both work: SRP and password sign-ins, and ClientSecret of GetTokensFromRefreshToken.
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    env.password_login("alice", "Passw0rd!").await.unwrap();
    env.client.client_secret = Some(new.clone());
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let refresh = tokens(&t)["RefreshToken"].as_str().unwrap().to_owned();
    env.password_login("alice", "Passw0rd!").await.unwrap();
    for secret in [&old, &new] {
        env.call(
            "GetTokensFromRefreshToken",
            json!({"RefreshToken": refresh, "ClientId": env.cid(), "ClientSecret": secret}),
        )
        .await
        .unwrap();
    }
    // Delete the old one: only the new one works.
    env.admin(
        "DeleteUserPoolClientSecret",
        json!({"UserPoolId": env.pool, "ClientId": env.cid(), "ClientSecretId": first[0]}),
    )
    .await
    .unwrap();
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    env.password_login("alice", "Passw0rd!").await.unwrap();
    let e = env
        .call(
            "GetTokensFromRefreshToken",
            json!({"RefreshToken": refresh, "ClientId": env.cid(), "ClientSecret": old}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    env.client.client_secret = Some(old.clone());
    let e = env.password_login("alice", "Passw0rd!").await.unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    assert!(
        e.message.starts_with("Unable to verify secret hash"),
        "{e:?}"
    );
    let (_, r) = env.srp_start("alice", None).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    // DescribeUserPoolClient shows the remaining secret; it cannot be deleted; a deleted id is
    // gone; a secret given by the caller is not echoed.
    let d = env
        .admin("DescribeUserPoolClient", body.clone())
        .await
        .unwrap();
    assert_eq!(d["UserPoolClient"]["ClientSecret"], json!(new));
    let e = env
        .admin(
            "DeleteUserPoolClientSecret",
            json!({"UserPoolId": env.pool, "ClientId": env.cid(), "ClientSecretId": new_id}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let e = env
        .admin(
            "DeleteUserPoolClientSecret",
            json!({"UserPoolId": env.pool, "ClientId": env.cid(), "ClientSecretId": first[0]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let chosen = "my_own_secret_value_0123456789";
    let added = env
        .admin(
            "AddUserPoolClientSecret",
            json!({"UserPoolId": env.pool, "ClientId": env.cid(), "ClientSecret": chosen}),
        )
        .await
        .unwrap();
    assert!(
        added["ClientSecretDescriptor"]
            .get("ClientSecretValue")
            .is_none()
    );
    env.client.client_secret = Some(chosen.to_owned());
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    let e = env
        .admin(
            "AddUserPoolClientSecret",
            json!({"UserPoolId": env.pool, "ClientId": env.cid(), "ClientSecret": "short"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    // A public client has no secret to rotate; an unknown client is not found.
    let public = env
        .emu
        .create_client(&env.pool, cognito_emulator::ClientSpec::public("pub"))
        .unwrap();
    let e = env
        .admin(
            "AddUserPoolClientSecret",
            json!({"UserPoolId": env.pool, "ClientId": public.client_id}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    let e = env
        .admin(
            "ListUserPoolClientSecrets",
            json!({"UserPoolId": env.pool, "ClientId": "nosuchclient"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[tokio::test]
async fn rotated_secrets_events_schema_risk_and_tags_survive_a_restart() {
    let dir =
        std::env::temp_dir().join(format!("cognito-emulator-coverage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let config =
        || cognito_emulator::EmulatorConfig::deterministic(T0, 5).state_file(Some(file.clone()));
    let mut env = env_config(
        cognito_emulator::PoolSpec::named("p"),
        cognito_emulator::ClientSpec::confidential("c"),
        config(),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let body = json!({"UserPoolId": env.pool, "ClientId": env.cid()});
    let added = env
        .admin("AddUserPoolClientSecret", body.clone())
        .await
        .unwrap();
    let new = added["ClientSecretDescriptor"]["ClientSecretValue"]
        .as_str()
        .unwrap()
        .to_owned();
    env.admin(
        "AddCustomAttributes",
        json!({"UserPoolId": env.pool, "CustomAttributes": [{"Name": "tenant"}]}),
    )
    .await
    .unwrap();
    env.admin(
        "SetRiskConfiguration",
        json!({"UserPoolId": env.pool, "ClientId": env.cid(),
               "CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "NO_ACTION"}}}),
    )
    .await
    .unwrap();
    let d = env
        .admin("DescribeUserPool", json!({"UserPoolId": env.pool}))
        .await
        .unwrap();
    let arn = d["UserPool"]["Arn"].as_str().unwrap().to_owned();
    env.admin(
        "TagResource",
        json!({"ResourceArn": arn, "Tags": {"k": "v"}}),
    )
    .await
    .unwrap();
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    env.emu.shutdown().await;

    let emu = cognito_emulator::Emulator::start(config()).await.unwrap();
    env.emu = emu;
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    env.client.client_secret = Some(new);
    env.srp_login("alice", "Passw0rd!").await.unwrap();
    let listed = env.admin("ListUserPoolClientSecrets", body).await.unwrap();
    assert_eq!(listed["ClientSecrets"].as_array().unwrap().len(), 2);
    let events = env
        .admin(
            "AdminListUserAuthEvents",
            json!({"UserPoolId": env.pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    assert_eq!(events["AuthEvents"].as_array().unwrap().len(), 3);
    let e = env
        .admin(
            "AdminUpdateUserAttributes",
            json!({"UserPoolId": env.pool, "Username": "alice",
                   "UserAttributes": [{"Name": "custom:other", "Value": "1"}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.message, "Attribute does not exist in the schema.");
    let rc = env
        .admin(
            "DescribeRiskConfiguration",
            json!({"UserPoolId": env.pool, "ClientId": env.cid()}),
        )
        .await
        .unwrap();
    assert_eq!(rc["RiskConfiguration"]["ClientId"], env.cid());
    let tags = env
        .admin("ListTagsForResource", json!({"ResourceArn": arn}))
        .await
        .unwrap();
    assert_eq!(tags["Tags"], json!({"k": "v"}));
    env.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
