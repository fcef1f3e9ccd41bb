//! Typed challenge parameters.

use std::collections::BTreeMap;

use cognito_wire::challenge::*;
use cognito_wire::*;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse(name: &str, pairs: &[(&str, &str)]) -> Result<Challenge, ChallengeError> {
    Challenge::parse(&ChallengeNameType::from(name), &map(pairs))
}

#[test]
fn password_verifier() {
    let c = parse(
        "PASSWORD_VERIFIER",
        &[
            ("SALT", "a1"),
            ("SRP_B", "b2"),
            ("SECRET_BLOCK", "c3"),
            ("USERNAME", "alice"),
            ("USER_ID_FOR_SRP", "uuid"),
        ],
    )
    .unwrap();
    let Challenge::PasswordVerifier(p) = &c else {
        panic!("{c:?}")
    };
    assert_eq!(
        (
            p.salt.as_str(),
            p.srp_b.as_str(),
            p.secret_block.as_str(),
            p.user_id_for_srp.as_str(),
            p.username.as_deref()
        ),
        ("a1", "b2", "c3", "uuid", Some("alice"))
    );
    assert_eq!(c.name(), ChallengeNameType::PasswordVerifier);
    for missing in ["SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP"] {
        let mut pairs = vec![
            ("SALT", "a"),
            ("SRP_B", "b"),
            ("SECRET_BLOCK", "c"),
            ("USER_ID_FOR_SRP", "u"),
        ];
        pairs.retain(|(k, _)| *k != missing);
        let err = parse("PASSWORD_VERIFIER", &pairs).unwrap_err();
        assert_eq!(
            err,
            ChallengeError::MissingParameter {
                challenge: "PASSWORD_VERIFIER",
                parameter: missing
            }
        );
        assert_eq!(
            err.to_string(),
            format!("challenge PASSWORD_VERIFIER: missing parameter {missing}")
        );
    }
}

#[test]
fn device_challenges() {
    let Challenge::DeviceSrpAuth(p) = parse("DEVICE_SRP_AUTH", &[("USERNAME", "alice")]).unwrap()
    else {
        panic!("DEVICE_SRP_AUTH")
    };
    assert_eq!(p.username.as_deref(), Some("alice"));
    let c = parse(
        "DEVICE_PASSWORD_VERIFIER",
        &[
            ("SALT", "s"),
            ("SRP_B", "b"),
            ("SECRET_BLOCK", "x"),
            ("DEVICE_KEY", "us-east-1_d"),
        ],
    )
    .unwrap();
    let Challenge::DevicePasswordVerifier(p) = c else {
        panic!()
    };
    assert_eq!(p.device_key.as_deref(), Some("us-east-1_d"));
    assert!(matches!(
        parse("DEVICE_PASSWORD_VERIFIER", &[("SALT", "s")]),
        Err(ChallengeError::MissingParameter {
            challenge: "DEVICE_PASSWORD_VERIFIER",
            parameter: "SRP_B"
        })
    ));
}

#[test]
fn new_password_required() {
    let c = parse(
        "NEW_PASSWORD_REQUIRED",
        &[
            (
                "userAttributes",
                r#"{"email":"a@example.com","email_verified":"true","custom:n":3}"#,
            ),
            (
                "requiredAttributes",
                r#"["userAttributes.name","phone_number"]"#,
            ),
            ("USER_ID_FOR_SRP", "alice"),
        ],
    )
    .unwrap();
    let Challenge::NewPasswordRequired(p) = c else {
        panic!()
    };
    assert_eq!(p.user_attributes["email"], "a@example.com");
    assert_eq!(p.user_attributes["custom:n"], "3");
    assert_eq!(
        p.required_attributes,
        vec!["name".to_string(), "phone_number".to_string()]
    );
    let err = parse(
        "NEW_PASSWORD_REQUIRED",
        &[("userAttributes", "{"), ("requiredAttributes", "[]")],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ChallengeError::InvalidParameter {
            parameter: "userAttributes",
            ..
        }
    ));
    let err = parse("NEW_PASSWORD_REQUIRED", &[("userAttributes", "{}")]).unwrap_err();
    assert_eq!(
        err,
        ChallengeError::MissingParameter {
            challenge: "NEW_PASSWORD_REQUIRED",
            parameter: "requiredAttributes"
        }
    );
}

#[test]
fn code_delivery_challenges() {
    let pairs = [
        ("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS"),
        ("CODE_DELIVERY_DESTINATION", "+*******1234"),
    ];
    let expected = |p: &CodeDeliveryParams| {
        assert_eq!(p.delivery_medium, DeliveryMediumType::Sms);
        assert_eq!(p.destination, "+*******1234");
    };
    let Challenge::SmsMfa(p) = parse("SMS_MFA", &pairs).unwrap() else {
        panic!("SMS_MFA")
    };
    expected(&p);
    let Challenge::SmsOtp(p) = parse("SMS_OTP", &pairs).unwrap() else {
        panic!("SMS_OTP")
    };
    expected(&p);
    assert!(matches!(
        parse("EMAIL_OTP", &pairs).unwrap(),
        Challenge::EmailOtp(_)
    ));
    assert_eq!(
        parse("SMS_MFA", &pairs[..1]).unwrap_err(),
        ChallengeError::MissingParameter {
            challenge: "SMS_MFA",
            parameter: "CODE_DELIVERY_DESTINATION"
        }
    );
    let Challenge::SoftwareTokenMfa(p) =
        parse("SOFTWARE_TOKEN_MFA", &[("FRIENDLY_DEVICE_NAME", "phone")]).unwrap()
    else {
        panic!("SOFTWARE_TOKEN_MFA")
    };
    assert_eq!(p.friendly_device_name.as_deref(), Some("phone"));
}

#[test]
fn choices() {
    let c = parse(
        "SELECT_MFA_TYPE",
        &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#)],
    )
    .unwrap();
    let Challenge::SelectMfaType(p) = &c else {
        panic!("{c:?}")
    };
    assert_eq!(
        p.mfas_can_choose,
        vec![
            ChallengeNameType::SmsMfa,
            ChallengeNameType::SoftwareTokenMfa
        ]
    );
    assert!(matches!(
        parse("MFA_SETUP", &[("MFAS_CAN_SETUP", "SMS_MFA")]),
        Err(ChallengeError::InvalidParameter {
            parameter: "MFAS_CAN_SETUP",
            ..
        })
    ));
    let c = parse(
        "SELECT_CHALLENGE",
        &[(
            "AVAILABLE_CHALLENGES",
            r#"["PASSWORD_SRP","WEB_AUTHN","NEW_ONE"]"#,
        )],
    )
    .unwrap();
    let Challenge::SelectChallenge(p) = c else {
        panic!()
    };
    assert_eq!(
        p.available_challenges[2],
        ChallengeNameType::Unknown("NEW_ONE".into())
    );

    // From the response's AvailableChallenges when the parameter is absent.
    let resp: InitiateAuthResponse = serde_json::from_value(serde_json::json!({
        "ChallengeName": "SELECT_CHALLENGE",
        "ChallengeParameters": {},
        "AvailableChallenges": ["PASSWORD", "EMAIL_OTP"],
        "Session": "sess"
    }))
    .unwrap();
    let parsed = ParsedChallenge::from_initiate_auth(&resp).unwrap().unwrap();
    let Challenge::SelectChallenge(p) = &parsed.challenge else {
        panic!("{:?}", parsed.challenge)
    };
    assert_eq!(
        p.available_challenges,
        vec![ChallengeNameType::Password, ChallengeNameType::EmailOtp]
    );
    assert_eq!(parsed.session.unwrap().expose(), "sess");
}

#[test]
fn web_authn_custom_and_other() {
    let c = parse(
        "WEB_AUTHN",
        &[(
            "CREDENTIAL_REQUEST_OPTIONS",
            r#"{"challenge":"abc","rpId":"example.com"}"#,
        )],
    )
    .unwrap();
    let Challenge::WebAuthn(p) = c else { panic!() };
    assert_eq!(p.credential_request_options["rpId"], "example.com");
    assert_eq!(
        parse("WEB_AUTHN", &[]).unwrap_err(),
        ChallengeError::MissingParameter {
            challenge: "WEB_AUTHN",
            parameter: "CREDENTIAL_REQUEST_OPTIONS"
        }
    );
    let c = parse(
        "CUSTOM_CHALLENGE",
        &[("USERNAME", "alice"), ("question", "2+2?")],
    )
    .unwrap();
    let Challenge::CustomChallenge(p) = c else {
        panic!()
    };
    assert_eq!(p.parameters["question"], "2+2?");
    assert_eq!(
        parse("PASSWORD_SRP", &[]).unwrap(),
        Challenge::Other(ChallengeNameType::PasswordSrp)
    );
    assert_eq!(
        parse("FUTURE_THING", &[]).unwrap(),
        Challenge::Other(ChallengeNameType::Unknown("FUTURE_THING".into()))
    );
}

#[test]
fn raw_map_is_kept_and_tokens_mean_no_challenge() {
    let resp: RespondToAuthChallengeResponse = serde_json::from_value(serde_json::json!({
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "ChallengeParameters": {"EXTRA": "x"},
        "Session": "s"
    }))
    .unwrap();
    let parsed = ParsedChallenge::from_respond_to_auth_challenge(&resp)
        .unwrap()
        .unwrap();
    assert_eq!(parsed.raw["EXTRA"], "x");
    let done: RespondToAuthChallengeResponse = serde_json::from_value(serde_json::json!({
        "AuthenticationResult": {"AccessToken": "a"}
    }))
    .unwrap();
    assert!(
        ParsedChallenge::from_respond_to_auth_challenge(&done)
            .unwrap()
            .is_none()
    );
}
