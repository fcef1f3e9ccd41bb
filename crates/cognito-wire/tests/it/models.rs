//! Serde round trips of every operation against the generated fixtures, and hand-checked JSON
//! for the core auth operations.

use std::sync::OnceLock;

use cognito_wire::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn samples() -> &'static Value {
    static SAMPLES: OnceLock<Value> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let text = include_str!("../fixtures/samples.json");
        serde_json::from_str(text).unwrap()
    })
}

/// JSON -> T -> JSON must give back the same JSON; Debug must not show sensitive samples.
fn roundtrip<T: Serialize + DeserializeOwned + std::fmt::Debug + PartialEq>(shape: &str) {
    for kind in ["full", "minimal"] {
        let sample = samples()[kind]
            .get(shape)
            .unwrap_or_else(|| panic!("no {kind} sample for {shape}"));
        let value: T = serde_json::from_value(sample.clone())
            .unwrap_or_else(|e| panic!("{kind} {shape}: decode failed: {e}"));
        let back = serde_json::to_value(&value).unwrap();
        assert_eq!(&back, sample, "{kind} {shape}: round trip changed the JSON");
        let again: T = serde_json::from_value(back).unwrap();
        assert_eq!(again, value);
        let debug = format!("{value:?}");
        assert!(
            !debug.contains("SECRET-"),
            "{kind} {shape}: Debug leaks a secret: {debug}"
        );
    }
}

#[test]
fn every_operation_round_trips() {
    let mut count = 0;
    macro_rules! check {
        ($(($name:ident, $op:path)),* $(,)?) => {$(
            let info = <$op as Operation>::INFO;
            assert_eq!(info.name, stringify!($name));
            roundtrip::<<$op as Operation>::Input>(info.input_shape);
            if let Some(out) = info.output_shape {
                roundtrip::<<$op as Operation>::Output>(out);
            } else {
                let empty: <$op as Operation>::Output = serde_json::from_str("{}").unwrap();
                assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
            }
            count += 1;
        )*};
    }
    for_each_operation!(check);
    assert_eq!(count, 153);
}

#[test]
fn operation_table() {
    assert_eq!(OPERATIONS.len(), 153);
    // 34 marked `authtype: none` by the model, GetClientToken (IAM does not authorize it) and
    // GetDerivedToken (IAM or the app client's id and secret: sent unsigned by this crate).
    assert_eq!(OPERATIONS.iter().filter(|o| !o.signed).count(), 36);
    const { assert!(!cognito_wire::op::GetClientToken::INFO.signed) };
    const { assert!(!cognito_wire::op::GetDerivedToken::INFO.signed) };
    for w in OPERATIONS.windows(2) {
        assert!(w[0].name < w[1].name, "table sorted by name");
    }
    for o in OPERATIONS {
        assert_eq!(
            o.target,
            format!("AWSCognitoIdentityProviderService.{}", o.name)
        );
        assert_eq!(operation_info(o.name), Some(o));
        assert_eq!(operation_info(o.target), Some(o));
    }
    for public in [
        "InitiateAuth",
        "RespondToAuthChallenge",
        "SignUp",
        "ConfirmSignUp",
        "ConfirmDevice",
        "GetUser",
        "ForgotPassword",
        "RevokeToken",
    ] {
        assert!(
            !operation_info(public).unwrap().signed,
            "{public} is public"
        );
    }
    for signed in [
        "AdminInitiateAuth",
        "AdminGetUser",
        "CreateUserPool",
        "ListUsers",
    ] {
        assert!(operation_info(signed).unwrap().signed, "{signed} is signed");
    }
    for safe in [
        "GetUser",
        "ListUsers",
        "DescribeUserPool",
        "AdminGetUser",
        "GetDevice",
    ] {
        assert!(
            operation_info(safe).unwrap().replay_safe,
            "{safe} replay-safe"
        );
    }
    for one_shot in [
        "InitiateAuth",
        "RespondToAuthChallenge",
        "ConfirmDevice",
        "SignUp",
        "GetTokensFromRefreshToken",
        "GetUserAttributeVerificationCode",
        "AdminCreateUser",
    ] {
        assert!(
            !operation_info(one_shot).unwrap().replay_safe,
            "{one_shot} is one-shot"
        );
    }
}

#[test]
fn enums_keep_unknown_values() {
    let v: ChallengeNameType = serde_json::from_str("\"PASSWORD_VERIFIER\"").unwrap();
    assert_eq!(v, ChallengeNameType::PasswordVerifier);
    let u: ChallengeNameType = serde_json::from_str("\"BRAND_NEW\"").unwrap();
    assert_eq!(u, ChallengeNameType::Unknown("BRAND_NEW".into()));
    assert_eq!(serde_json::to_string(&u).unwrap(), "\"BRAND_NEW\"");
    assert_eq!(
        UserStatusType::from("UNKNOWN"),
        UserStatusType::UnknownValue
    );
    assert_eq!(DeliveryMediumType::from("EMAIL").as_str(), "EMAIL");
    assert_eq!(AuthFlowType::UserSrpAuth.to_string(), "USER_SRP_AUTH");
    assert!(ChallengeNameType::VALUES.contains(&"WEB_AUTHN"));
}

#[test]
fn initiate_auth_exact_json() {
    let wire = json!({
        "AuthFlow": "USER_SRP_AUTH",
        "ClientId": "3n4b5urk1ft4fl3mg5e62d9ado",
        "AuthParameters": {"USERNAME": "alice", "SRP_A": "0a1b", "SECRET_HASH": "c2VjcmV0"},
        "ClientMetadata": {"k": "v"}
    });
    let req: InitiateAuthRequest = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(req.auth_flow, AuthFlowType::UserSrpAuth);
    assert_eq!(req.client_id.expose(), "3n4b5urk1ft4fl3mg5e62d9ado");
    let params = req.auth_parameters.as_ref().unwrap();
    assert_eq!(params["USERNAME"].expose(), "alice");
    assert_eq!(serde_json::to_value(&req).unwrap(), wire);
    let debug = format!("{req:?}");
    assert!(
        !debug.contains("alice") && !debug.contains("c2VjcmV0") && debug.contains("[redacted]")
    );

    let resp = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": "abc", "SRP_B": "def", "SECRET_BLOCK": "ghi",
            "USERNAME": "alice", "USER_ID_FOR_SRP": "alice"
        },
        "Session": "s".repeat(40),
        "SomethingNew": {"ignored": true}
    });
    let out: InitiateAuthResponse = serde_json::from_value(resp).unwrap();
    assert_eq!(
        out.challenge_name,
        Some(ChallengeNameType::PasswordVerifier)
    );
    assert_eq!(out.challenge_parameters.as_ref().unwrap()["SRP_B"], "def");
    assert!(out.authentication_result.is_none());

    let done = json!({
        "AuthenticationResult": {
            "AccessToken": "eyJ.a.b", "ExpiresIn": 3600, "IdToken": "eyJ.c.d",
            "RefreshToken": "eyJ.e.f", "TokenType": "Bearer",
            "NewDeviceMetadata": {"DeviceKey": "us-east-1_k", "DeviceGroupKey": "-g"}
        },
        "ChallengeParameters": {}
    });
    let out: InitiateAuthResponse = serde_json::from_value(done.clone()).unwrap();
    let r = out.authentication_result.as_ref().unwrap();
    assert_eq!(r.access_token.as_ref().unwrap().expose(), "eyJ.a.b");
    assert_eq!(r.expires_in, Some(3600));
    assert_eq!(
        r.new_device_metadata
            .as_ref()
            .unwrap()
            .device_key
            .as_deref(),
        Some("us-east-1_k")
    );
    assert_eq!(serde_json::to_value(&out).unwrap(), done);
    assert!(!format!("{out:?}").contains("eyJ"));
}

#[test]
fn respond_to_auth_challenge_exact_json() {
    let wire = json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ClientId": "client",
        "ChallengeResponses": {
            "USERNAME": "alice",
            "PASSWORD_CLAIM_SECRET_BLOCK": "blk",
            "PASSWORD_CLAIM_SIGNATURE": "sig",
            "TIMESTAMP": "Tue Nov 21 10:00:00 UTC 2023"
        },
        "Session": "sess"
    });
    let req: RespondToAuthChallengeRequest = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(req.challenge_name, ChallengeNameType::PasswordVerifier);
    assert_eq!(req.session.as_ref().unwrap().expose(), "sess");
    assert_eq!(serde_json::to_value(&req).unwrap(), wire);
    assert!(!format!("{req:?}").contains("sig"));
}

#[test]
fn confirm_device_exact_json() {
    let wire = json!({
        "AccessToken": "tok",
        "DeviceKey": "us-east-1_dev",
        "DeviceName": "laptop",
        "DeviceSecretVerifierConfig": {"PasswordVerifier": "pv", "Salt": "salt"}
    });
    let req: ConfirmDeviceRequest = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(req.device_key, "us-east-1_dev");
    let cfg = req.device_secret_verifier_config.as_ref().unwrap();
    assert_eq!(cfg.password_verifier.as_deref(), Some("pv"));
    assert_eq!(serde_json::to_value(&req).unwrap(), wire);
    let out: ConfirmDeviceResponse =
        serde_json::from_value(json!({"UserConfirmationNecessary": true})).unwrap();
    assert_eq!(out.user_confirmation_necessary, Some(true));
}

#[test]
fn get_user_exact_json() {
    let wire = json!({
        "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}, {"Name": "sub", "Value": "1-2"}],
        "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}],
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]
    });
    let out: GetUserResponse = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(out.username.expose(), "alice");
    assert_eq!(out.user_attributes[0].name, "email");
    assert_eq!(
        out.user_attributes[0].value.as_ref().unwrap().expose(),
        "a@example.com"
    );
    assert_eq!(
        out.mfa_options.as_ref().unwrap()[0].delivery_medium,
        Some(DeliveryMediumType::Sms)
    );
    assert_eq!(serde_json::to_value(&out).unwrap(), wire);
    let req = GetUserRequest::builder()
        .access_token("tok")
        .build()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"AccessToken": "tok"})
    );
}

#[test]
fn sign_up_exact_json() {
    let wire = json!({
        "ClientId": "client",
        "SecretHash": "hash",
        "Username": "alice",
        "Password": "P@ssw0rd!",
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}],
        "ValidationData": []
    });
    let req: SignUpRequest = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(req.password.as_ref().unwrap().expose(), "P@ssw0rd!");
    assert_eq!(serde_json::to_value(&req).unwrap(), wire);
    assert!(!format!("{req:?}").contains("P@ss"));
    let out: SignUpResponse = serde_json::from_value(json!({
        "UserConfirmed": false,
        "UserSub": "1234-5678",
        "CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    }))
    .unwrap();
    assert!(!out.user_confirmed);
    assert_eq!(
        out.code_delivery_details.unwrap().delivery_medium,
        Some(DeliveryMediumType::Email)
    );
}

#[test]
fn missing_required_member_is_an_error_not_a_panic() {
    let r = serde_json::from_value::<InitiateAuthRequest>(json!({"ClientId": "c"}));
    assert!(r.unwrap_err().to_string().contains("AuthFlow"));
    let r = serde_json::from_value::<GetUserResponse>(json!({"Username": 5}));
    assert!(r.is_err());
}

#[test]
fn timestamps_and_blobs() {
    let d: DeviceType = serde_json::from_value(json!({
        "DeviceKey": "k",
        "DeviceCreateDate": 1.7000000005e9,
        "DeviceLastModifiedDate": 1700000000
    }))
    .unwrap();
    assert_eq!(d.device_create_date, Some(EpochSeconds(1_700_000_000.5)));
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["DeviceLastModifiedDate"], json!(1700000000));
    assert_eq!(v["DeviceCreateDate"], json!(1700000000.5));

    let ui: SetUICustomizationRequest =
        serde_json::from_value(json!({"UserPoolId": "p", "ImageFile": "aGVsbG8="})).unwrap();
    assert_eq!(ui.image_file.as_deref(), Some(&b"hello"[..]));
    assert!(
        serde_json::from_value::<SetUICustomizationRequest>(
            json!({"UserPoolId": "p", "ImageFile": "!!"})
        )
        .is_err()
    );
}
