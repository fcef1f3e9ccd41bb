//! The sign-in state machine, step by step, with a fixed clock and deterministic ephemerals.
//! The server side of SRP is srp-core's server role, so every claim the machine produces is
//! really verified.
#![allow(clippy::field_reassign_with_default)] // responses are built field by field, as a server would
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_auth::*;
use cognito_wire::{
    AssociateSoftwareTokenResponse, AuthenticationResultType, ChallengeNameType,
    InitiateAuthResponse, NewDeviceMetadataType, RespondToAuthChallengeResponse, SensitiveString,
    VerifySoftwareTokenResponse, VerifySoftwareTokenResponseType,
};
use srp_core::{
    DevicePassword, Password, PublicValue, RandomSource, SecretBlock, ServerEphemeral, SrpError,
    Verifier,
};
use std::cell::Cell;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::macros::datetime;

const POOL: &str = "us-east-1_TestPool";
const CLIENT: &str = "client-abc";
const SECRET: &str = "client-secret-xyz";
const INTERNAL: &str = "9f3e1c2a-internal-id";
const NOW: OffsetDateTime = datetime!(2026-11-21 09:05:03 UTC);
const TS: &str = "Sat Nov 21 09:05:03 UTC 2026";

/// Deterministic bytes (a counter): the same run gives the same ephemerals.
struct Counter(Cell<u8>);
impl RandomSource for Counter {
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), SrpError> {
        for b in dest {
            self.0.set(self.0.get().wrapping_add(1));
            *b = self.0.get() | 1;
        }
        Ok(())
    }
}
fn rng() -> Counter {
    Counter(Cell::new(0))
}

fn params(req: &Request) -> BTreeMap<String, String> {
    let map = match req {
        Request::InitiateAuth(r) => r.auth_parameters.clone(),
        Request::RespondToAuthChallenge(r) => r.challenge_responses.clone(),
        Request::AdminInitiateAuth(r) => r.auth_parameters.clone(),
        Request::AdminRespondToAuthChallenge(r) => r.challenge_responses.clone(),
        other => panic!("no parameters in {other:?}"),
    };
    map.unwrap()
        .into_iter()
        .map(|(k, v)| (k, v.expose().to_owned()))
        .collect()
}

fn session_of(req: &Request) -> Option<String> {
    match req {
        Request::RespondToAuthChallenge(r) => r.session.as_ref().map(|s| s.expose().to_owned()),
        Request::AssociateSoftwareToken(r) => r.session.as_ref().map(|s| s.expose().to_owned()),
        Request::VerifySoftwareToken(r) => r.session.as_ref().map(|s| s.expose().to_owned()),
        _ => None,
    }
}

fn send(step: Step) -> Request {
    match step {
        Step::Send(r) => r,
        other => panic!("expected Send, got {other:?}"),
    }
}

fn question(step: Step) -> Question {
    match step {
        Step::NeedsInput(q) => q,
        other => panic!("expected NeedsInput, got {other:?}"),
    }
}

fn jwt(claims: serde_json::Value) -> String {
    use base64::Engine;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        e.encode(br#"{"alg":"RS256","kid":"k"}"#),
        e.encode(claims.to_string())
    )
}

fn tokens(new_device: bool) -> AuthenticationResultType {
    let mut r = AuthenticationResultType::default();
    r.access_token =
        Some(jwt(serde_json::json!({"username": INTERNAL, "token_use": "access"})).into());
    r.id_token = Some(jwt(serde_json::json!({"token_use": "id"})).into());
    r.refresh_token = Some("refresh".into());
    r.expires_in = Some(3600);
    r.token_type = Some("Bearer".into());
    if new_device {
        let mut m = NewDeviceMetadataType::default();
        m.device_key = Some("us-east-1_new-device".into());
        m.device_group_key = Some("-newgroup".into());
        r.new_device_metadata = Some(m);
    }
    r
}

fn challenge(
    name: ChallengeNameType,
    params: &[(&str, &str)],
    session: Option<&str>,
) -> RespondToAuthChallengeResponse {
    let mut r = RespondToAuthChallengeResponse::default();
    r.challenge_name = Some(name);
    r.challenge_parameters = Some(
        params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    r.session = session.map(SensitiveString::from);
    r
}

fn initiate_challenge(
    name: ChallengeNameType,
    params: &[(&str, &str)],
    session: Option<&str>,
) -> Response {
    let c = challenge(name, params, session);
    let mut r = InitiateAuthResponse::default();
    r.challenge_name = c.challenge_name.clone();
    r.challenge_parameters = c.challenge_parameters.clone();
    r.session = c.session.clone();
    Response::InitiateAuth(r)
}

fn respond_tokens(new_device: bool) -> Response {
    let mut r = RespondToAuthChallengeResponse::default();
    r.authentication_result = Some(tokens(new_device));
    Response::RespondToAuthChallenge(r)
}

/// The server half of a verifier round: B for the request's A, and a check of the claim.
struct SrpServer {
    verifier: Verifier,
    ephemeral: ServerEphemeral,
    block: SecretBlock,
}

impl SrpServer {
    fn user(password: &str) -> Self {
        let sys = ring::rand::SystemRandom::new();
        let verifier =
            Verifier::generate_for_user(POOL, INTERNAL, &Password::new(password), &sys).unwrap();
        Self::with(verifier)
    }

    fn with(verifier: Verifier) -> Self {
        let sys = ring::rand::SystemRandom::new();
        let ephemeral = ServerEphemeral::generate(&verifier, &sys).unwrap();
        SrpServer {
            verifier,
            ephemeral,
            block: SecretBlock::from_bytes(b"server-secret-block".to_vec()),
        }
    }

    fn verifier_params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SALT", self.verifier.salt().to_hex()),
            ("SRP_B", self.ephemeral.public().to_hex()),
            ("SECRET_BLOCK", self.block.as_base64().to_owned()),
            ("USERNAME", INTERNAL.to_owned()),
            ("USER_ID_FOR_SRP", INTERNAL.to_owned()),
        ]
    }

    fn password_verifier(&self) -> Response {
        let p = self.verifier_params();
        let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        initiate_challenge(ChallengeNameType::PasswordVerifier, &p, None)
    }

    fn accepts_user_claim(&self, a_hex: &str, sent: &BTreeMap<String, String>) -> bool {
        let a = PublicValue::client_a(a_hex).unwrap();
        self.ephemeral
            .verify_password_claim(
                &a,
                POOL,
                INTERNAL,
                &self.block,
                &sent["TIMESTAMP"],
                &sent["PASSWORD_CLAIM_SIGNATURE"],
            )
            .unwrap()
    }
}

fn secret_hash(username: &str) -> String {
    srp_core::secret_hash(username, CLIENT, SECRET)
        .expose()
        .to_owned()
}

fn config() -> SignInConfig {
    SignInConfig::new(POOL, CLIENT, "alice@example.com")
        .password("Passw0rd!")
        .client_secret(SECRET)
}

fn device() -> (DeviceCredentials, Verifier) {
    let sys = ring::rand::SystemRandom::new();
    let secret = srp_core::generate_device_secret("-grp", "us-east-1_dev-1", &sys).unwrap();
    let verifier = Verifier::from_device_config(&secret.config).unwrap();
    let creds = DeviceCredentials {
        device_key: "us-east-1_dev-1".into(),
        device_group_key: "-grp".into(),
        device_password: secret.password,
    };
    (creds, verifier)
}

#[test]
fn user_srp_with_secret_hash_and_the_right_usernames() {
    let r = rng();
    let server = SrpServer::user("Passw0rd!");
    let mut s = SignIn::new(config());
    let init = send(s.start(&r).unwrap());
    let p = params(&init);
    assert_eq!(p["USERNAME"], "alice@example.com");
    assert_eq!(
        p["SECRET_HASH"],
        secret_hash("alice@example.com"),
        "InitiateAuth hashes the sign-in name"
    );
    let a_hex = p["SRP_A"].clone();
    assert!(!p.contains_key("DEVICE_KEY"));

    let resp = send(
        s.handle_response(server.password_verifier(), NOW, &r)
            .unwrap(),
    );
    let p = params(&resp);
    assert_eq!(
        p["USERNAME"], INTERNAL,
        "challenge responses use USER_ID_FOR_SRP"
    );
    assert_eq!(p["SECRET_HASH"], secret_hash(INTERNAL), "and hash it");
    assert_eq!(p["TIMESTAMP"], TS);
    assert_eq!(p["PASSWORD_CLAIM_SECRET_BLOCK"], server.block.as_base64());
    assert!(
        server.accepts_user_claim(&a_hex, &p),
        "the server verifies the claim"
    );

    let Step::Done(done) = s.handle_response(respond_tokens(false), NOW, &r).unwrap() else {
        panic!()
    };
    assert_eq!(done.username, INTERNAL);
    assert_eq!(done.tokens.expires_at, NOW + time::Duration::hours(1));
    assert_eq!(
        done.tokens.refresh_token.as_ref().unwrap().expose(),
        "refresh"
    );
    assert!(done.new_device.is_none() && done.device_used.is_none());
    assert!(s.is_finished());
}

#[test]
fn a_wrong_password_yields_a_claim_the_server_refuses() {
    let r = rng();
    let server = SrpServer::user("the-real-one");
    let mut s = SignIn::new(config());
    let a_hex = params(&send(s.start(&r).unwrap()))["SRP_A"].clone();
    let p = params(&send(
        s.handle_response(server.password_verifier(), NOW, &r)
            .unwrap(),
    ));
    assert!(!server.accepts_user_claim(&a_hex, &p));
}

#[test]
fn same_inputs_same_requests() {
    let run = || {
        let r = rng();
        let mut s = SignIn::new(config());
        params(&send(s.start(&r).unwrap()))["SRP_A"].clone()
    };
    assert_eq!(
        run(),
        run(),
        "ephemerals come only from the RandomSource argument"
    );
}

#[test]
fn software_token_mfa_forwards_the_session() {
    let r = rng();
    let server = SrpServer::user("Passw0rd!");
    let mut s = SignIn::new(config());
    send(s.start(&r).unwrap());
    send(
        s.handle_response(server.password_verifier(), NOW, &r)
            .unwrap(),
    );
    let mfa = challenge(ChallengeNameType::SoftwareTokenMfa, &[], Some("sess-1"));
    let q = question(
        s.handle_response(Response::RespondToAuthChallenge(mfa), NOW, &r)
            .unwrap(),
    );
    assert!(matches!(
        q,
        Question::Code {
            kind: CodeKind::SoftwareTokenMfa,
            ..
        }
    ));
    let req = send(s.answer(Answer::Code("123456".into()), &r).unwrap());
    let p = params(&req);
    assert_eq!(p["SOFTWARE_TOKEN_MFA_CODE"], "123456");
    assert_eq!(p["USERNAME"], INTERNAL);
    assert_eq!(p["SECRET_HASH"], secret_hash(INTERNAL));
    assert_eq!(session_of(&req).as_deref(), Some("sess-1"));
    assert!(matches!(
        s.handle_response(respond_tokens(false), NOW, &r).unwrap(),
        Step::Done(_)
    ));
}

#[test]
fn sms_mfa_reports_the_destination() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    let p = params(&send(s.start(&r).unwrap()));
    assert_eq!(p["PASSWORD"], "Passw0rd!");
    assert!(!p.contains_key("SRP_A"));
    let sms = initiate_challenge(
        ChallengeNameType::SmsMfa,
        &[
            ("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS"),
            ("CODE_DELIVERY_DESTINATION", "+*******1234"),
            ("USERNAME", INTERNAL),
        ],
        Some("sess"),
    );
    let q = question(s.handle_response(sms, NOW, &r).unwrap());
    let Question::Code {
        kind: CodeKind::SmsMfa,
        destination,
        ..
    } = q
    else {
        panic!("{q:?}")
    };
    assert_eq!(destination.as_deref(), Some("+*******1234"));
    let p = params(&send(s.answer(Answer::Code("999".into()), &r).unwrap()));
    assert_eq!(p["SMS_MFA_CODE"], "999");
    assert_eq!(p["USERNAME"], INTERNAL, "the challenge's USERNAME is used");
}

#[test]
fn device_srp_forwards_session_secret_hash_and_a_fresh_ephemeral() {
    let r = rng();
    let (creds, device_verifier) = device();
    let server = SrpServer::user("Passw0rd!");
    let mut s = SignIn::new(config().device(Some(creds.clone())));
    let init = params(&send(s.start(&r).unwrap()));
    assert_eq!(init["DEVICE_KEY"], "us-east-1_dev-1");
    let pv = params(&send(
        s.handle_response(server.password_verifier(), NOW, &r)
            .unwrap(),
    ));
    assert_eq!(pv["DEVICE_KEY"], "us-east-1_dev-1");

    let dsa = challenge(
        ChallengeNameType::DeviceSrpAuth,
        &[("USERNAME", INTERNAL)],
        Some("sess-device-1"),
    );
    let req = send(
        s.handle_response(Response::RespondToAuthChallenge(dsa), NOW, &r)
            .unwrap(),
    );
    let p = params(&req);
    assert_eq!(
        session_of(&req).as_deref(),
        Some("sess-device-1"),
        "Session forwarded"
    );
    assert_eq!(
        p["SECRET_HASH"],
        secret_hash(INTERNAL),
        "SECRET_HASH included"
    );
    assert_eq!(p["DEVICE_KEY"], "us-east-1_dev-1");
    assert_ne!(p["SRP_A"], init["SRP_A"], "a fresh SRP ephemeral");
    let device_a = p["SRP_A"].clone();

    let dserver = SrpServer::with(device_verifier);
    let dpv = challenge(
        ChallengeNameType::DevicePasswordVerifier,
        &[
            ("SALT", &dserver.verifier.salt().to_hex()),
            ("SRP_B", &dserver.ephemeral.public().to_hex()),
            ("SECRET_BLOCK", dserver.block.as_base64()),
            ("USERNAME", INTERNAL),
            ("DEVICE_KEY", "us-east-1_dev-1"),
        ],
        Some("sess-device-2"),
    );
    let req = send(
        s.handle_response(Response::RespondToAuthChallenge(dpv), NOW, &r)
            .unwrap(),
    );
    let p = params(&req);
    assert_eq!(session_of(&req).as_deref(), Some("sess-device-2"));
    assert_eq!(p["SECRET_HASH"], secret_hash(INTERNAL));
    let a = PublicValue::client_a(&device_a).unwrap();
    assert!(
        dserver
            .ephemeral
            .verify_device_claim(
                &a,
                "-grp",
                "us-east-1_dev-1",
                &dserver.block,
                &p["TIMESTAMP"],
                &p["PASSWORD_CLAIM_SIGNATURE"]
            )
            .unwrap()
    );
    let Step::Done(done) = s.handle_response(respond_tokens(false), NOW, &r).unwrap() else {
        panic!()
    };
    assert_eq!(
        done.device_used.as_ref().map(|d| d.device_key.as_str()),
        Some("us-east-1_dev-1")
    );
}

#[test]
fn new_device_metadata_is_reported() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let mut resp = InitiateAuthResponse::default();
    resp.authentication_result = Some(tokens(true));
    let Step::Done(done) = s
        .handle_response(Response::InitiateAuth(resp), NOW, &r)
        .unwrap()
    else {
        panic!()
    };
    let new = done.new_device.expect("a new device");
    assert_eq!(
        (new.device_key.as_str(), new.device_group_key.as_str()),
        ("us-east-1_new-device", "-newgroup")
    );
}

#[test]
fn new_password_required_sends_attributes_and_keeps_the_new_password() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::NewPasswordRequired,
        &[
            ("userAttributes", r#"{"email":"a@b.c"}"#),
            ("requiredAttributes", r#"["userAttributes.name"]"#),
            ("USER_ID_FOR_SRP", INTERNAL),
        ],
        Some("np"),
    );
    let q = question(s.handle_response(c, NOW, &r).unwrap());
    let Question::NewPassword {
        required_attributes,
        user_attributes,
    } = q
    else {
        panic!()
    };
    assert_eq!(required_attributes, vec!["name".to_string()]);
    assert_eq!(user_attributes["email"], "a@b.c");
    let attrs = BTreeMap::from([("name".to_string(), "Alice".to_string())]);
    let answer = Answer::NewPassword {
        password: Password::new("N3w-pass!"),
        attributes: attrs,
    };
    let req = send(s.answer(answer, &r).unwrap());
    let p = params(&req);
    assert_eq!(p["NEW_PASSWORD"], "N3w-pass!");
    assert_eq!(p["userAttributes.name"], "Alice");
    assert_eq!(session_of(&req).as_deref(), Some("np"));
    assert_eq!(s.config().password.as_ref().unwrap().expose(), "N3w-pass!");
}

#[test]
fn mfa_setup_goes_through_associate_and_verify() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::MfaSetup,
        &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#)],
        Some("s1"),
    );
    let Question::SetUpMfa { options } = question(s.handle_response(c, NOW, &r).unwrap()) else {
        panic!()
    };
    assert_eq!(options, vec![ChallengeNameType::SoftwareTokenMfa]);
    let req = send(s.answer(Answer::SetUpTotp, &r).unwrap());
    assert!(matches!(req, Request::AssociateSoftwareToken(_)));
    assert_eq!(session_of(&req).as_deref(), Some("s1"));
    let mut assoc = AssociateSoftwareTokenResponse::default();
    assoc.secret_code = Some("JBSWY3DPEHPK3PXP".into());
    assoc.session = Some("s2".into());
    let q = question(
        s.handle_response(Response::AssociateSoftwareToken(assoc), NOW, &r)
            .unwrap(),
    );
    let uri = q.otpauth_uri("My App", "alice").unwrap();
    assert_eq!(
        uri,
        "otpauth://totp/My%20App:alice?secret=JBSWY3DPEHPK3PXP&issuer=My%20App"
    );
    let answer = Answer::TotpSetupCode {
        code: "123456".into(),
        friendly_device_name: Some("phone".into()),
    };
    let req = send(s.answer(answer, &r).unwrap());
    let Request::VerifySoftwareToken(v) = &req else {
        panic!()
    };
    assert_eq!(v.user_code.expose(), "123456");
    assert_eq!(session_of(&req).as_deref(), Some("s2"));
    let mut ok = VerifySoftwareTokenResponse::default();
    ok.status = Some(VerifySoftwareTokenResponseType::Success);
    ok.session = Some("s3".into());
    let req = send(
        s.handle_response(Response::VerifySoftwareToken(ok), NOW, &r)
            .unwrap(),
    );
    let Request::RespondToAuthChallenge(resp) = &req else {
        panic!()
    };
    assert_eq!(resp.challenge_name, ChallengeNameType::MfaSetup);
    assert_eq!(session_of(&req).as_deref(), Some("s3"));
}

#[test]
fn a_failed_totp_verification_is_an_error() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::MfaSetup,
        &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#)],
        Some("s1"),
    );
    question(s.handle_response(c, NOW, &r).unwrap());
    send(s.answer(Answer::SetUpTotp, &r).unwrap());
    let mut assoc = AssociateSoftwareTokenResponse::default();
    assoc.secret_code = Some("X".into());
    question(
        s.handle_response(Response::AssociateSoftwareToken(assoc), NOW, &r)
            .unwrap(),
    );
    send(s.answer(Answer::Code("000000".into()), &r).unwrap());
    let mut bad = VerifySoftwareTokenResponse::default();
    bad.status = Some(VerifySoftwareTokenResponseType::Error);
    assert_eq!(
        s.handle_response(Response::VerifySoftwareToken(bad), NOW, &r)
            .unwrap_err(),
        AuthError::SoftwareTokenNotVerified
    );
}

#[test]
fn select_mfa_type_and_select_challenge() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::SelectMfaType,
        &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#)],
        Some("x"),
    );
    let Question::ChooseMfa { options } = question(s.handle_response(c, NOW, &r).unwrap()) else {
        panic!()
    };
    assert_eq!(options.len(), 2);
    let choice = Answer::Choose(ChallengeNameType::SoftwareTokenMfa);
    let p = params(&send(s.answer(choice, &r).unwrap()));
    assert_eq!(p["ANSWER"], "SOFTWARE_TOKEN_MFA");

    // USER_AUTH: choose PASSWORD_SRP, then the usual verifier.
    let server = SrpServer::user("Passw0rd!");
    let mut s = SignIn::new(config().flow(Flow::UserAuth { preferred: None }));
    let p = params(&send(s.start(&r).unwrap()));
    assert!(!p.contains_key("PREFERRED_CHALLENGE") && !p.contains_key("SRP_A"));
    let mut resp = InitiateAuthResponse::default();
    resp.challenge_name = Some(ChallengeNameType::SelectChallenge);
    resp.available_challenges = Some(vec![
        ChallengeNameType::PasswordSrp,
        ChallengeNameType::EmailOtp,
    ]);
    resp.session = Some("sel".into());
    let step = s
        .handle_response(Response::InitiateAuth(resp), NOW, &r)
        .unwrap();
    let Question::ChooseFirstFactor { options } = question(step) else {
        panic!()
    };
    assert_eq!(
        options,
        vec![ChallengeNameType::PasswordSrp, ChallengeNameType::EmailOtp]
    );
    let req = send(
        s.answer(Answer::FirstFactor(FirstFactor::PasswordSrp), &r)
            .unwrap(),
    );
    let p = params(&req);
    assert_eq!(p["ANSWER"], "PASSWORD_SRP");
    let a_hex = p["SRP_A"].clone();
    let pv = server.verifier_params();
    let pv: Vec<(&str, &str)> = pv.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let c = challenge(ChallengeNameType::PasswordVerifier, &pv, Some("sel2"));
    let p = params(&send(
        s.handle_response(Response::RespondToAuthChallenge(c), NOW, &r)
            .unwrap(),
    ));
    assert!(server.accepts_user_claim(&a_hex, &p));
}

#[test]
fn user_auth_with_preferred_password() {
    let r = rng();
    let flow = Flow::UserAuth {
        preferred: Some(FirstFactor::Password),
    };
    let mut s = SignIn::new(config().flow(flow));
    let p = params(&send(s.start(&r).unwrap()));
    assert_eq!(p["PREFERRED_CHALLENGE"], "PASSWORD");
    assert_eq!(p["PASSWORD"], "Passw0rd!");
}

#[test]
fn custom_auth_with_srp_and_a_custom_answer() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::Custom { srp: true }));
    let p = params(&send(s.start(&r).unwrap()));
    assert_eq!(p["CHALLENGE_NAME"], "SRP_A");
    assert!(p.contains_key("SRP_A"));
    let c = initiate_challenge(
        ChallengeNameType::CustomChallenge,
        &[("question", "2+2"), ("USERNAME", INTERNAL)],
        Some("c"),
    );
    let Question::Custom { parameters } = question(s.handle_response(c, NOW, &r).unwrap()) else {
        panic!()
    };
    assert_eq!(parameters["question"], "2+2");
    let p = params(&send(s.answer(Answer::Custom("4".into()), &r).unwrap()));
    assert_eq!(p["ANSWER"], "4");
}

#[test]
fn admin_flows_use_admin_operations() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::AdminUserPassword));
    let req = send(s.start(&r).unwrap());
    let Request::AdminInitiateAuth(a) = &req else {
        panic!("{req:?}")
    };
    assert_eq!(a.user_pool_id, POOL);
    assert_eq!(
        a.auth_flow,
        cognito_wire::AuthFlowType::AdminUserPasswordAuth
    );
    let mut resp = cognito_wire::AdminInitiateAuthResponse::default();
    resp.challenge_name = Some(ChallengeNameType::SoftwareTokenMfa);
    resp.session = Some("adm".into());
    question(
        s.handle_response(Response::AdminInitiateAuth(resp), NOW, &r)
            .unwrap(),
    );
    let req = send(s.answer(Answer::Code("1".into()), &r).unwrap());
    assert!(matches!(req, Request::AdminRespondToAuthChallenge(_)));
}

#[test]
fn an_unexpected_challenge_is_named_and_sticks() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let server = SrpServer::user("x");
    let err = s
        .handle_response(server.password_verifier(), NOW, &r)
        .unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::UnexpectedChallenge {
                got: ChallengeNameType::PasswordVerifier,
                ..
            }
        ),
        "{err}"
    );
    // Every later call returns the same error.
    assert_eq!(
        s.handle_response(respond_tokens(false), NOW, &r)
            .unwrap_err(),
        err
    );
    assert_eq!(s.answer(Answer::SetUpTotp, &r).unwrap_err(), err);
    assert_eq!(s.start(&r).unwrap_err(), err);
}

#[test]
fn device_challenges_without_a_device_are_refused() {
    let r = rng();
    let mut s = SignIn::new(config());
    send(s.start(&r).unwrap());
    let c = initiate_challenge(ChallengeNameType::DeviceSrpAuth, &[], Some("d"));
    assert!(matches!(
        s.handle_response(c, NOW, &r).unwrap_err(),
        AuthError::UnexpectedChallenge {
            got: ChallengeNameType::DeviceSrpAuth,
            ..
        }
    ));
    let mut s = SignIn::new(config().device(Some(device().0)));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::DevicePasswordVerifier,
        &[("SALT", "ab"), ("SRP_B", "cd"), ("SECRET_BLOCK", "AAAA")],
        Some("d"),
    );
    assert!(
        matches!(
            s.handle_response(c, NOW, &r).unwrap_err(),
            AuthError::UnexpectedChallenge { .. }
        ),
        "not before DEVICE_SRP_AUTH"
    );
}

#[test]
fn unknown_challenges_and_wrong_responses_are_structured_errors() {
    let r = rng();
    let mut s = SignIn::new(config());
    send(s.start(&r).unwrap());
    let c = initiate_challenge(ChallengeNameType::Unknown("BRAND_NEW".into()), &[], None);
    let err = s.handle_response(c, NOW, &r).unwrap_err();
    assert!(
        matches!(&err, AuthError::UnexpectedChallenge { got: ChallengeNameType::Unknown(n), .. } if n == "BRAND_NEW")
    );

    let mut s = SignIn::new(config());
    send(s.start(&r).unwrap());
    let err = s
        .handle_response(respond_tokens(false), NOW, &r)
        .unwrap_err();
    assert_eq!(
        err,
        AuthError::UnexpectedResponse {
            expected: "InitiateAuth",
            got: "RespondToAuthChallenge"
        }
    );

    let mut s = SignIn::new(config());
    send(s.start(&r).unwrap());
    let empty = Response::InitiateAuth(InitiateAuthResponse::default());
    let err = s.handle_response(empty, NOW, &r).unwrap_err();
    assert_eq!(
        err,
        AuthError::EmptyResponse {
            operation: "InitiateAuth"
        }
    );

    let mut s = SignIn::new(config());
    send(s.start(&r).unwrap());
    let c = initiate_challenge(ChallengeNameType::PasswordVerifier, &[("SALT", "ab")], None);
    assert!(matches!(
        s.handle_response(c, NOW, &r).unwrap_err(),
        AuthError::Challenge(_)
    ));

    let mut s = SignIn::new(config());
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::PasswordVerifier,
        &[
            ("SALT", "ab"),
            ("SRP_B", "0"),
            ("SECRET_BLOCK", "AAAA"),
            ("USER_ID_FOR_SRP", "u"),
        ],
        None,
    );
    assert_eq!(
        s.handle_response(c, NOW, &r).unwrap_err(),
        AuthError::Srp(SrpError::ZeroModN { field: "SRP_B" })
    );
}

#[test]
fn answers_and_calls_out_of_place_are_errors() {
    let r = rng();
    let mut s = SignIn::new(config());
    assert!(matches!(
        s.answer(Answer::SetUpTotp, &r).unwrap_err(),
        AuthError::WrongState { call: "answer", .. }
    ));
    let mut s = SignIn::new(config());
    assert!(matches!(
        s.handle_response(respond_tokens(false), NOW, &r)
            .unwrap_err(),
        AuthError::WrongState { .. }
    ));
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(ChallengeNameType::SoftwareTokenMfa, &[], Some("m"));
    question(s.handle_response(c, NOW, &r).unwrap());
    let err = s.answer(Answer::SetUpTotp, &r).unwrap_err();
    assert_eq!(
        err,
        AuthError::UnexpectedAnswer {
            question: "Code",
            got: "SetUpTotp"
        }
    );
    let mut s = SignIn::new(SignInConfig::new(POOL, CLIENT, "bob"));
    assert_eq!(s.start(&r).unwrap_err(), AuthError::PasswordRequired);
}

#[test]
fn secrets_stay_out_of_debug() {
    let r = rng();
    let (creds, _) = device();
    let mut s = SignIn::new(config().device(Some(creds.clone())));
    let step = s.start(&r).unwrap();
    let dbg = format!("{s:?} {step:?} {creds:?}");
    let hash = secret_hash("alice@example.com");
    for secret in [
        "Passw0rd!",
        SECRET,
        creds.device_password.expose(),
        hash.as_str(),
    ] {
        assert!(!dbg.contains(secret), "{secret} leaked");
    }
}

mod fuzzish {
    use super::*;
    use proptest::prelude::*;

    fn any_name() -> impl Strategy<Value = ChallengeNameType> {
        prop::sample::select(ChallengeNameType::VALUES.to_vec()).prop_map(ChallengeNameType::from)
    }

    fn device_creds() -> DeviceCredentials {
        DeviceCredentials {
            device_key: "k".into(),
            device_group_key: "g".into(),
            device_password: DevicePassword::new("p"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Arbitrary response sequences never panic.
        #[test]
        fn arbitrary_sequences_never_panic(
            seq in prop::collection::vec(
                (any_name(), prop::collection::btree_map("[A-Z_]{1,12}", "\\PC{0,20}", 0..6), any::<bool>(), 0u8..3),
                1..6,
            )
        ) {
            let r = rng();
            let mut s = SignIn::new(config().device(Some(device_creds())));
            let _ = s.start(&r);
            for (name, params, tokens_now, answer_kind) in seq {
                let mut resp = RespondToAuthChallengeResponse::default();
                if tokens_now {
                    resp.authentication_result = Some(tokens(false));
                }
                resp.challenge_name = Some(name);
                resp.challenge_parameters = Some(params);
                let _ = s.handle_response(Response::RespondToAuthChallenge(resp), NOW, &r);
                let answer = match answer_kind {
                    0 => Answer::Code("1".into()),
                    1 => Answer::SetUpTotp,
                    _ => Answer::Custom("x".into()),
                };
                let _ = s.answer(answer, &r);
            }
        }
    }
}

#[test]
fn webauthn_question_and_credential_answer() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserAuth {
        preferred: Some(FirstFactor::WebAuthn),
    }));
    let p = params(&send(s.start(&r).unwrap()));
    assert_eq!(p["PREFERRED_CHALLENGE"], "WEB_AUTHN");
    let options = r#"{"challenge":"abc","rpId":"example.com","allowCredentials":[]}"#;
    let c = initiate_challenge(
        ChallengeNameType::WebAuthn,
        &[
            ("CREDENTIAL_REQUEST_OPTIONS", options),
            ("USERNAME", INTERNAL),
        ],
        Some("wa"),
    );
    let Question::WebAuthn {
        credential_request_options,
    } = question(s.handle_response(c, NOW, &r).unwrap())
    else {
        panic!()
    };
    assert_eq!(credential_request_options["rpId"], "example.com");
    let assertion =
        serde_json::json!({"id": "cred", "type": "public-key", "response": {"signature": "sig"}});
    let req = send(
        s.answer(Answer::WebAuthnCredential(assertion.clone()), &r)
            .unwrap(),
    );
    let p = params(&req);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&p["CREDENTIAL"]).unwrap(),
        assertion
    );
    assert_eq!(p["USERNAME"], INTERNAL);
    assert_eq!(session_of(&req).as_deref(), Some("wa"));
}

// ---- Cognito's errors as inputs of the machine (SignIn::handle_error) ----

fn service_error(code: &str, message: &str) -> cognito_wire::ServiceErrorKind {
    cognito_wire::ServiceErrorKind::from_parts(code, None, Some(message.to_owned()))
}

/// A USER_PASSWORD_AUTH sign-in waiting for the answer to a SOFTWARE_TOKEN_MFA challenge
/// (session `sess-1`), and the request that answered it with `code`.
fn totp_challenge_answered(s: &mut SignIn, r: &Counter, code: &str) -> Request {
    send(s.start(r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::SoftwareTokenMfa,
        &[("USERNAME", INTERNAL)],
        Some("sess-1"),
    );
    question(s.handle_response(c, NOW, r).unwrap());
    send(s.answer(Answer::Code(code.into()), r).unwrap())
}

#[test]
fn a_wrong_or_already_used_totp_code_asks_again_on_the_same_session() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    totp_challenge_answered(&mut s, &r, "000000");
    assert!(s.rejection().is_none());
    let step = s
        .handle_error(&service_error("CodeMismatchException", "Invalid code"), &r)
        .unwrap();
    assert!(matches!(
        question(step),
        Question::Code {
            kind: CodeKind::SoftwareTokenMfa,
            ..
        }
    ));
    assert_eq!(s.rejection(), Some(&Rejection::WrongCode));
    assert!(!s.is_finished());
    let req = send(s.answer(Answer::Code("123456".into()), &r).unwrap());
    assert!(s.rejection().is_none(), "answered: the rejection is spent");
    assert_eq!(session_of(&req).as_deref(), Some("sess-1"));
    assert_eq!(params(&req)["SOFTWARE_TOKEN_MFA_CODE"], "123456");

    let step = s
        .handle_error(
            &service_error(
                "ExpiredCodeException",
                "Your software token has already been used once.",
            ),
            &r,
        )
        .unwrap();
    question(step);
    assert_eq!(s.rejection(), Some(&Rejection::CodeAlreadyUsed));
    let req = send(s.answer(Answer::Code("654321".into()), &r).unwrap());
    assert_eq!(session_of(&req).as_deref(), Some("sess-1"));
    assert!(matches!(
        s.handle_response(respond_tokens(false), NOW, &r).unwrap(),
        Step::Done(_)
    ));
}

#[test]
fn an_expired_sms_code_or_an_expired_session_ends_the_sign_in() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::SmsMfa,
        &[
            ("CODE_DELIVERY_DESTINATION", "+*******0100"),
            ("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS"),
        ],
        Some("sms"),
    );
    question(s.handle_response(c, NOW, &r).unwrap());
    send(s.answer(Answer::Code("123456".into()), &r).unwrap());
    // Only a TOTP code can be "already used": an expired SMS code needs a new sign-in.
    assert!(
        s.handle_error(&service_error("ExpiredCodeException", "expired"), &r)
            .is_none()
    );
    assert!(s.is_finished());

    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    totp_challenge_answered(&mut s, &r, "123456");
    assert!(
        s.handle_error(
            &service_error("NotAuthorizedException", "Invalid session for the user."),
            &r
        )
        .is_none()
    );
    assert!(s.is_finished());
}

#[test]
fn a_new_password_the_policy_refuses_is_asked_again_and_forgotten() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::NewPasswordRequired,
        &[
            ("userAttributes", "{}"),
            ("requiredAttributes", "[]"),
            ("USER_ID_FOR_SRP", INTERNAL),
        ],
        Some("np"),
    );
    question(s.handle_response(c, NOW, &r).unwrap());
    let new_password = |pw: &str| Answer::NewPassword {
        password: Password::new(pw),
        attributes: BTreeMap::new(),
    };
    send(s.answer(new_password("short"), &r).unwrap());
    let message = "Password did not conform with policy: Password not long enough";
    let step = s
        .handle_error(&service_error("InvalidPasswordException", message), &r)
        .unwrap();
    assert!(matches!(question(step), Question::NewPassword { .. }));
    assert_eq!(
        s.rejection(),
        Some(&Rejection::PasswordRefused {
            message: message.to_owned()
        })
    );
    assert!(s.rejection().unwrap().to_string().contains(message));
    assert_eq!(
        s.config().password.as_ref().unwrap().expose(),
        "Passw0rd!",
        "the refused password is not kept as the user's"
    );
    let req = send(s.answer(new_password("L0nger-Passw0rd!"), &r).unwrap());
    assert_eq!(params(&req)["NEW_PASSWORD"], "L0nger-Passw0rd!");
    assert_eq!(session_of(&req).as_deref(), Some("np"));
    assert_eq!(
        s.config().password.as_ref().unwrap().expose(),
        "L0nger-Passw0rd!"
    );
}

#[test]
fn a_wrong_totp_set_up_code_asks_again_with_the_same_secret() {
    let r = rng();
    let mut s = SignIn::new(config().flow(Flow::UserPassword));
    send(s.start(&r).unwrap());
    let c = initiate_challenge(
        ChallengeNameType::MfaSetup,
        &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#)],
        Some("s1"),
    );
    question(s.handle_response(c, NOW, &r).unwrap());
    send(s.answer(Answer::SetUpTotp, &r).unwrap());
    let mut assoc = AssociateSoftwareTokenResponse::default();
    assoc.secret_code = Some("JBSWY3DPEHPK3PXP".into());
    assoc.session = Some("s2".into());
    let first = question(
        s.handle_response(Response::AssociateSoftwareToken(assoc), NOW, &r)
            .unwrap(),
    );
    send(s.answer(Answer::Code("000000".into()), &r).unwrap());
    for code in ["EnableSoftwareTokenMFAException", "CodeMismatchException"] {
        let again = question(
            s.handle_error(&service_error(code, "Code mismatch"), &r)
                .unwrap(),
        );
        assert_eq!(again, first, "{code}: the same secret");
        assert_eq!(s.rejection(), Some(&Rejection::WrongSetupCode));
        let req = send(s.answer(Answer::Code("123456".into()), &r).unwrap());
        let Request::VerifySoftwareToken(v) = &req else {
            panic!("{req:?}")
        };
        assert_eq!(v.user_code.expose(), "123456");
        assert_eq!(session_of(&req).as_deref(), Some("s2"));
    }
}

#[test]
fn a_device_cognito_forgot_is_dropped_once_the_sign_in_is_under_way() {
    let r = rng();
    let (creds, _) = device();
    let server = SrpServer::user("Passw0rd!");
    let mut s = SignIn::new(config().device(Some(creds.clone())));
    send(s.start(&r).unwrap());
    // PASSWORD_VERIFIER comes without a session, as Cognito sends it; the device is refused
    // in the answer to its response.
    send(
        s.handle_response(server.password_verifier(), NOW, &r)
            .unwrap(),
    );
    let missing = service_error("ResourceNotFoundException", "Device does not exist.");
    let restart = send(s.handle_error(&missing, &r).unwrap());
    assert!(matches!(restart, Request::InitiateAuth(_)), "{restart:?}");
    assert!(
        !params(&restart).contains_key("DEVICE_KEY"),
        "signed in again without the device"
    );
    assert_eq!(s.take_forgotten_device(), Some(creds));
    assert_eq!(s.take_forgotten_device(), None);
    assert!(s.config().device.is_none());
    // Once: the same error again ends the sign-in.
    let server = SrpServer::user("Passw0rd!");
    send(
        s.handle_response(server.password_verifier(), NOW, &r)
            .unwrap(),
    );
    assert!(s.handle_error(&missing, &r).is_none());
    assert!(s.is_finished());
}

#[test]
fn a_not_found_answer_to_initiate_auth_never_drops_the_device() {
    let r = rng();
    let (creds, _) = device();
    for message in [
        "Device does not exist.",
        "User pool client client-abc does not exist.",
    ] {
        let mut s = SignIn::new(config().device(Some(creds.clone())));
        send(s.start(&r).unwrap());
        let missing = service_error("ResourceNotFoundException", message);
        assert!(s.handle_error(&missing, &r).is_none(), "{message}");
        assert_eq!(s.take_forgotten_device(), None, "{message}");
        assert_eq!(s.config().device.as_ref(), Some(&creds), "{message}");
        assert!(s.is_finished());
    }
}
