//! Passkeys over HTTP: cognito-auth's software authenticator registers credentials and signs in
//! with them; every refusal is built by tampering with what it really produced.

use crate::common::*;
use base64::Engine;
use cognito_auth::{SoftwareAuthenticator, WebAuthnAuthenticator};
use cognito_emulator::*;
use serde_json::{Value, json};

const ORIGIN: &str = "http://localhost:3000";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn authenticator() -> SoftwareAuthenticator {
    SoftwareAuthenticator::builder(ORIGIN).build()
}

/// A pool whose relying party is `localhost` (user verification as `uv`), with alice in it.
async fn passkey_env(uv: &str) -> Env {
    let env = env_with(PoolSpec::named("p"), ClientSpec::public("c")).await;
    env.user("alice", "Passw0rd!");
    set_webauthn(
        &env,
        json!({"RelyingPartyId": "localhost", "UserVerification": uv}),
    )
    .await;
    env
}

async fn set_webauthn(env: &Env, config: Value) {
    env.admin(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": env.pool, "WebAuthnConfiguration": config}),
    )
    .await
    .unwrap();
}

async fn access(env: &Env) -> Value {
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    tokens(&t)["AccessToken"].clone()
}

async fn start(env: &Env, access: &Value) -> Value {
    env.call("StartWebAuthnRegistration", json!({"AccessToken": access}))
        .await
        .unwrap()["CredentialCreationOptions"]
        .clone()
}

async fn complete(env: &Env, access: &Value, credential: &Value) -> R {
    env.call(
        "CompleteWebAuthnRegistration",
        json!({"AccessToken": access, "Credential": credential}),
    )
    .await
}

async fn register(env: &Env, access: &Value, a: &SoftwareAuthenticator) {
    let options = start(env, access).await;
    let credential = a.create_credential(&options).await.unwrap();
    complete(env, access, &credential).await.unwrap();
}

/// USER_AUTH preferring WEB_AUTHN: the session and the request options.
async fn begin(env: &Env) -> (Value, Value) {
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "WEB_AUTHN", "{r}");
    let options: Value = serde_json::from_str(
        r["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    (r["Session"].clone(), options)
}

async fn answer(env: &Env, session: &Value, credential: &Value) -> R {
    env.respond(
        "WEB_AUTHN",
        json!({"USERNAME": "alice", "CREDENTIAL": credential.to_string()}),
        Some(session),
    )
    .await
}

/// Edits a base64url member of the credential's `response`.
fn tamper(credential: &mut Value, member: &str, f: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = B64
        .decode(credential["response"][member].as_str().unwrap())
        .unwrap();
    f(&mut bytes);
    credential["response"][member] = json!(B64.encode(bytes));
}

#[tokio::test]
async fn register_list_sign_in_and_delete() {
    let env = passkey_env("required").await;
    let access = access(&env).await;
    let options = start(&env, &access).await;
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(options["excludeCredentials"], json!([]));
    let a = authenticator();
    let credential = a.create_credential(&options).await.unwrap();
    complete(&env, &access, &credential).await.unwrap();

    // Registered: listed, excluded from the next registration, offered at sign-in.
    let list = env
        .call("ListWebAuthnCredentials", json!({"AccessToken": access}))
        .await
        .unwrap();
    let id = a.credential_ids()[0].clone();
    assert_eq!(list["Credentials"][0]["CredentialId"], id);
    assert_eq!(list["Credentials"][0]["RelyingPartyId"], "localhost");
    assert_eq!(
        list["Credentials"][0]["AuthenticatorTransports"],
        json!(["internal"])
    );
    let again = start(&env, &access).await;
    assert_eq!(again["excludeCredentials"][0]["id"], id);
    assert!(a.create_credential(&again).await.is_err(), "excluded");

    let (session, request) = begin(&env).await;
    assert_eq!(request["rpId"], "localhost");
    assert_eq!(request["userVerification"], "required");
    assert_eq!(request["allowCredentials"][0]["id"], id);
    let assertion = a.get_assertion(&request).await.unwrap();
    let t = answer(&env, &session, &assertion).await.unwrap();
    assert!(tokens(&t)["AccessToken"].is_string());

    // SELECT_CHALLENGE offers it, and answering with it works.
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_AUTH", "ClientId": env.cid(), "AuthParameters": {"USERNAME": "alice"}}),
        )
        .await
        .unwrap();
    assert!(
        r["AvailableChallenges"]
            .as_array()
            .unwrap()
            .contains(&json!("WEB_AUTHN"))
    );
    let r = env
        .respond(
            "SELECT_CHALLENGE",
            json!({"USERNAME": "alice", "ANSWER": "WEB_AUTHN"}),
            Some(&r["Session"]),
        )
        .await
        .unwrap();
    assert_eq!(r["ChallengeName"], "WEB_AUTHN");
    let request: Value = serde_json::from_str(
        r["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let assertion = a.get_assertion(&request).await.unwrap();
    answer(&env, &r["Session"], &assertion).await.unwrap();

    // GetUserAuthFactors lists it; deleted, it is gone.
    let f = env
        .call("GetUserAuthFactors", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert!(
        f["ConfiguredUserAuthFactors"]
            .as_array()
            .unwrap()
            .contains(&json!("WEB_AUTHN"))
    );
    env.call(
        "DeleteWebAuthnCredential",
        json!({"AccessToken": access, "CredentialId": id}),
    )
    .await
    .unwrap();
    let e = env
        .call(
            "DeleteWebAuthnCredential",
            json!({"AccessToken": access, "CredentialId": id}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let list = env
        .call("ListWebAuthnCredentials", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(list["Credentials"], json!([]));
}

#[tokio::test]
async fn packed_self_attestation_is_verified() {
    let env = passkey_env("preferred").await;
    let access = access(&env).await;
    let a = SoftwareAuthenticator::builder(ORIGIN)
        .packed_attestation(true)
        .build();
    let options = start(&env, &access).await;
    let mut credential = a.create_credential(&options).await.unwrap();
    let good = credential.clone();
    // The attestation signature covers the client data: another client data breaks it.
    tamper(&mut credential, "clientDataJSON", |b| {
        let mut cd: Value = serde_json::from_slice(b).unwrap();
        cd["crossOrigin"] = json!(true);
        *b = serde_json::to_vec(&cd).unwrap();
    });
    let e = complete(&env, &access, &credential).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
    complete(&env, &access, &good).await.unwrap();
    let (session, request) = begin(&env).await;
    let assertion = a.get_assertion(&request).await.unwrap();
    answer(&env, &session, &assertion).await.unwrap();
}

#[tokio::test]
async fn list_is_paginated() {
    let env = passkey_env("preferred").await;
    let access = access(&env).await;
    for _ in 0..3 {
        register(&env, &access, &authenticator()).await;
    }
    let p1 = env
        .call(
            "ListWebAuthnCredentials",
            json!({"AccessToken": access, "MaxResults": 2}),
        )
        .await
        .unwrap();
    assert_eq!(p1["Credentials"].as_array().unwrap().len(), 2);
    let p2 = env
        .call(
            "ListWebAuthnCredentials",
            json!({"AccessToken": access, "MaxResults": 2, "NextToken": p1["NextToken"]}),
        )
        .await
        .unwrap();
    assert_eq!(p2["Credentials"].as_array().unwrap().len(), 1);
    assert!(p2.get("NextToken").is_none());
    let e = env
        .call(
            "ListWebAuthnCredentials",
            json!({"AccessToken": access, "NextToken": "bogus"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterException");
}

#[tokio::test]
async fn pool_configuration_is_honoured() {
    let env = env_with(PoolSpec::named("p"), ClientSpec::public("c")).await;
    env.user("alice", "Passw0rd!");
    let access = access(&env).await;
    // No relying party id and no domain.
    let e = env
        .call("StartWebAuthnRegistration", json!({"AccessToken": access}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "WebAuthnConfigurationMissingException");
    set_webauthn(
        &env,
        json!({"RelyingPartyId": "localhost", "UserVerification": "required"}),
    )
    .await;
    let got = env
        .admin("GetUserPoolMfaConfig", json!({"UserPoolId": env.pool}))
        .await
        .unwrap();
    assert_eq!(got["WebAuthnConfiguration"]["RelyingPartyId"], "localhost");
    assert_eq!(got["WebAuthnConfiguration"]["UserVerification"], "required");
    // Passkeys not among the pool's allowed first factors.
    env.admin(
        "UpdateUserPool",
        json!({"UserPoolId": env.pool, "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}}}),
    )
    .await
    .unwrap();
    let e = env
        .call("StartWebAuthnRegistration", json!({"AccessToken": access}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "WebAuthnNotEnabledException");
}

#[tokio::test]
async fn registration_refusals() {
    let env = passkey_env("required").await;
    let access = access(&env).await;

    // Another origin.
    let options = start(&env, &access).await;
    let evil = SoftwareAuthenticator::builder("https://evil.example").build();
    let c = evil.create_credential(&options).await.unwrap();
    assert_eq!(
        complete(&env, &access, &c).await.unwrap_err().code,
        "WebAuthnOriginNotAllowedException"
    );

    // Another relying party id.
    let mut options = start(&env, &access).await;
    options["rp"]["id"] = json!("evil.example");
    let c = authenticator().create_credential(&options).await.unwrap();
    assert_eq!(
        complete(&env, &access, &c).await.unwrap_err().code,
        "WebAuthnRelyingPartyMismatchException"
    );

    // A challenge the server did not issue.
    let mut options = start(&env, &access).await;
    options["challenge"] = json!(B64.encode([7u8; 32]));
    let c = authenticator().create_credential(&options).await.unwrap();
    assert_eq!(
        complete(&env, &access, &c).await.unwrap_err().code,
        "WebAuthnChallengeNotFoundException"
    );

    // User verification required, not done.
    let options = start(&env, &access).await;
    let no_uv = SoftwareAuthenticator::builder(ORIGIN)
        .user_verification(false)
        .build();
    let c = no_uv.create_credential(&options).await.unwrap();
    assert_eq!(
        complete(&env, &access, &c).await.unwrap_err().code,
        "WebAuthnCredentialNotSupportedException"
    );

    // A good one, then replayed: the challenge was used up.
    let options = start(&env, &access).await;
    let c = authenticator().create_credential(&options).await.unwrap();
    complete(&env, &access, &c).await.unwrap();
    assert_eq!(
        complete(&env, &access, &c).await.unwrap_err().code,
        "WebAuthnChallengeNotFoundException"
    );

    // Registration by another app client than the one that started it.
    let other = env
        .emu
        .create_client(&env.pool, ClientSpec::public("other"))
        .unwrap();
    let _ = start(&env, &access).await;
    let t = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": other.client_id,
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}}),
        )
        .await
        .unwrap();
    let options = start(&env, &access).await;
    let c = authenticator().create_credential(&options).await.unwrap();
    let e = complete(&env, &tokens(&t)["AccessToken"], &c)
        .await
        .unwrap_err();
    assert_eq!(e.code, "WebAuthnClientMismatchException");
}

#[tokio::test]
async fn sign_in_refusals() {
    let env = passkey_env("preferred").await;
    let access = access(&env).await;
    let a = authenticator();
    register(&env, &access, &a).await;
    let id = a.credential_ids()[0].clone();

    // Another origin (the same key, in an authenticator that signs for another site).
    let evil = SoftwareAuthenticator::builder("https://evil.example").build();
    evil.from_json(&a.to_json().unwrap()).unwrap();
    let (s, request) = begin(&env).await;
    let c = evil.get_assertion(&request).await.unwrap();
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "WebAuthnOriginNotAllowedException"
    );

    // Another relying party's id hash in the authenticator data.
    let (s, request) = begin(&env).await;
    let mut c = a.get_assertion(&request).await.unwrap();
    tamper(&mut c, "authenticatorData", |b| {
        b[..32].copy_from_slice(&[9u8; 32])
    });
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "WebAuthnRelyingPartyMismatchException"
    );

    // A foreign challenge (signed properly).
    let (s, mut request) = begin(&env).await;
    request["challenge"] = json!(B64.encode([1u8; 32]));
    let c = a.get_assertion(&request).await.unwrap();
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "WebAuthnChallengeNotFoundException"
    );

    // Replayed: the session (and its challenge) is single use; in another session the
    // challenge is not that session's.
    let (s, request) = begin(&env).await;
    let c = a.get_assertion(&request).await.unwrap();
    answer(&env, &s, &c).await.unwrap();
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "NotAuthorizedException"
    );
    let (s2, _) = begin(&env).await;
    assert_eq!(
        answer(&env, &s2, &c).await.unwrap_err().code,
        "WebAuthnChallengeNotFoundException"
    );

    // A bad signature.
    let (s, request) = begin(&env).await;
    let mut c = a.get_assertion(&request).await.unwrap();
    tamper(&mut c, "signature", |b| {
        let last = b.len() - 1;
        b[last] ^= 1;
    });
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "NotAuthorizedException"
    );

    // A counter that goes backwards (a cloned authenticator).
    assert!(a.set_sign_count(&id, 0));
    let (s, request) = begin(&env).await;
    let c = a.get_assertion(&request).await.unwrap();
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "NotAuthorizedException"
    );
    assert!(a.set_sign_count(&id, 100));

    // User verification required by the pool, not done by the authenticator.
    set_webauthn(
        &env,
        json!({"RelyingPartyId": "localhost", "UserVerification": "required"}),
    )
    .await;
    let no_uv = SoftwareAuthenticator::builder(ORIGIN)
        .user_verification(false)
        .build();
    no_uv.from_json(&a.to_json().unwrap()).unwrap();
    let (s, request) = begin(&env).await;
    assert_eq!(request["userVerification"], "required");
    let c = no_uv.get_assertion(&request).await.unwrap();
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "NotAuthorizedException"
    );
    // With verification it still works (the counter moved on).
    let (s, request) = begin(&env).await;
    let c = a.get_assertion(&request).await.unwrap();
    answer(&env, &s, &c).await.unwrap();

    // A credential deleted between the challenge and the answer.
    let (s, request) = begin(&env).await;
    env.call(
        "DeleteWebAuthnCredential",
        json!({"AccessToken": access, "CredentialId": id}),
    )
    .await
    .unwrap();
    let c = a.get_assertion(&request).await.unwrap();
    assert_eq!(
        answer(&env, &s, &c).await.unwrap_err().code,
        "NotAuthorizedException"
    );
}

#[tokio::test]
async fn passkeys_survive_a_restart() {
    let dir =
        std::env::temp_dir().join(format!("cognito-emulator-passkeys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.db");
    let config = || EmulatorConfig::deterministic(T0, 5).state_file(Some(file.clone()));
    let env = env_config(PoolSpec::named("p"), ClientSpec::public("c"), config()).await;
    env.user("alice", "Passw0rd!");
    set_webauthn(&env, json!({"RelyingPartyId": "localhost"})).await;
    let access = access(&env).await;
    let a = authenticator();
    register(&env, &access, &a).await;
    let Env {
        emu,
        http,
        pool,
        client,
    } = env;
    emu.shutdown().await;
    let env = Env {
        emu: Emulator::start(config()).await.unwrap(),
        http,
        pool,
        client,
    };
    let (s, request) = begin(&env).await;
    let c = a.get_assertion(&request).await.unwrap();
    answer(&env, &s, &c).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// An RS256 authenticator written out by hand (the software authenticator only does ES256):
/// `packed` self-attestation at registration, then an assertion.
mod rs256 {
    use super::*;
    use ciborium::Value as C;
    use rand_chacha::rand_core::SeedableRng;
    use rsa::traits::PublicKeyParts;

    fn sha256(b: &[u8]) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, b)
            .as_ref()
            .to_vec()
    }

    fn cbor(v: &C) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).unwrap();
        out
    }

    fn sign(key: &rsa::RsaPrivateKey, auth_data: &[u8], client_data: &[u8]) -> Vec<u8> {
        // PKCS #1 v1.5 with SHA-256's DigestInfo prefix.
        let scheme = rsa::Pkcs1v15Sign {
            hash_len: Some(32),
            prefix: Box::new([
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ]),
        };
        let mut signed = auth_data.to_vec();
        signed.extend(sha256(client_data));
        key.sign(scheme, &sha256(&signed)).unwrap()
    }

    fn client_data(kind: &str, challenge: &str) -> Vec<u8> {
        json!({"type": kind, "challenge": challenge, "origin": ORIGIN})
            .to_string()
            .into_bytes()
    }

    #[tokio::test]
    async fn an_rs256_passkey_registers_and_signs_in() {
        let env = passkey_env("preferred").await;
        let access = access(&env).await;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let key = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
        let cose = cbor(&C::Map(vec![
            (C::from(1), C::from(3)),
            (C::from(3), C::from(-257)),
            (C::from(-1), C::Bytes(key.n().to_bytes_be())),
            (C::from(-2), C::Bytes(key.e().to_bytes_be())),
        ]));
        let id = [5u8; 16];
        let options = start(&env, &access).await;
        let mut auth_data = sha256(b"localhost");
        auth_data.push(0x45); // UP, UV, AT
        auth_data.extend(0u32.to_be_bytes());
        auth_data.extend([0u8; 16]);
        auth_data.extend(16u16.to_be_bytes());
        auth_data.extend(id);
        auth_data.extend(&cose);
        let cd = client_data("webauthn.create", options["challenge"].as_str().unwrap());
        let attestation = cbor(&C::Map(vec![
            (C::from("fmt"), C::from("packed")),
            (
                C::from("attStmt"),
                C::Map(vec![
                    (C::from("alg"), C::from(-257)),
                    (C::from("sig"), C::Bytes(sign(&key, &auth_data, &cd))),
                ]),
            ),
            (C::from("authData"), C::Bytes(auth_data)),
        ]));
        let credential = json!({
            "id": B64.encode(id), "rawId": B64.encode(id), "type": "public-key",
            "response": {"clientDataJSON": B64.encode(&cd), "attestationObject": B64.encode(attestation)},
        });
        complete(&env, &access, &credential).await.unwrap();

        let (s, request) = begin(&env).await;
        let mut auth_data = sha256(b"localhost");
        auth_data.push(0x05);
        auth_data.extend(1u32.to_be_bytes());
        let cd = client_data("webauthn.get", request["challenge"].as_str().unwrap());
        let assertion = json!({
            "id": B64.encode(id), "rawId": B64.encode(id), "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&cd),
                "authenticatorData": B64.encode(&auth_data),
                "signature": B64.encode(sign(&key, &auth_data, &cd)),
            },
        });
        answer(&env, &s, &assertion).await.unwrap();
    }
}

#[tokio::test]
async fn a_disabled_user_does_not_sign_in_with_a_passkey() {
    let env = passkey_env("preferred").await;
    let access = access(&env).await;
    let a = authenticator();
    register(&env, &access, &a).await;
    let (s, request) = begin(&env).await;
    env.admin(
        "AdminDisableUser",
        json!({"UserPoolId": env.pool, "Username": "alice"}),
    )
    .await
    .unwrap();
    let c = a.get_assertion(&request).await.unwrap();
    let e = answer(&env, &s, &c).await.unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    assert_eq!(e.message, "User is disabled.");
}
