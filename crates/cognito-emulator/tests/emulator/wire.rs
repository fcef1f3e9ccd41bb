//! Request bodies as other clients write them.

use crate::common::*;
use serde_json::json;

/// amazon-cognito-identity-js refreshes with `"DEVICE_KEY": null` when the user has no device
/// (found by `cargo xtask interop`); Cognito reads a null as absent.
#[tokio::test]
async fn null_map_values_and_members_count_as_absent() {
    let env = env(false).await;
    env.user("alice", "Passw0rd!");
    let t = env.password_login("alice", "Passw0rd!").await.unwrap();
    let refresh = tokens(&t)["RefreshToken"].as_str().unwrap().to_owned();
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh, "DEVICE_KEY": null},
                   "ClientMetadata": null, "UserContextData": null}),
        )
        .await
        .unwrap();
    assert!(tokens(&r)["AccessToken"].is_string());

    // A required member given as null is still missing; a malformed body is still malformed.
    let e = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": null,
                   "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException", "{e:?}");
    let e = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": 7}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException", "{e:?}");
}
