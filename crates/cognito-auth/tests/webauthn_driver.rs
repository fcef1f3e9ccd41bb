//! The driver hands WEB_AUTHN challenges to a caller-supplied authenticator. The server side is a
//! scripted Transport (no network at all) that plays Cognito's WEB_AUTHN exchange; what is under
//! test is the driver's hand-off, not Cognito (tests/e2e/passkeys.rs signs in against the
//! emulator, which verifies passkeys).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use cognito_auth::{CognitoAuth, FirstFactor, Flow, SignInOutcome, WebAuthnAuthenticator};
use cognito_wire::transport::{BoxFuture, Transport};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
struct Passkey {
    seen: Mutex<Vec<serde_json::Value>>,
}

impl WebAuthnAuthenticator for Passkey {
    fn get_assertion<'a>(
        &'a self,
        options: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<serde_json::Value, String>> {
        self.seen.lock().unwrap().push(options.clone());
        Box::pin(async { Ok(serde_json::json!({"id": "cred-1", "type": "public-key"})) })
    }
}

/// Answers InitiateAuth with WEB_AUTHN, and RespondToAuthChallenge with tokens when the
/// CREDENTIAL is the authenticator's assertion.
#[derive(Debug, Default)]
struct ScriptedCognito {
    bodies: Mutex<Vec<serde_json::Value>>,
}

impl Transport for ScriptedCognito {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, cognito_wire::TransportError>> {
        let target = req.headers()["x-amz-target"].to_str().unwrap().to_owned();
        let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
        self.bodies.lock().unwrap().push(body.clone());
        let reply = if target.ends_with(".InitiateAuth") {
            serde_json::json!({
                "ChallengeName": "WEB_AUTHN",
                "Session": "s1",
                "ChallengeParameters": {"USERNAME": "u-1", "CREDENTIAL_REQUEST_OPTIONS": "{\"challenge\":\"c\",\"rpId\":\"example.com\"}"}
            })
        } else {
            let credential: serde_json::Value =
                serde_json::from_str(body["ChallengeResponses"]["CREDENTIAL"].as_str().unwrap())
                    .unwrap();
            assert_eq!(credential["id"], "cred-1");
            assert_eq!(body["Session"], "s1");
            serde_json::json!({"AuthenticationResult": {"AccessToken": "a.b.c", "IdToken": "d.e.f", "ExpiresIn": 3600, "TokenType": "Bearer"}})
        };
        Box::pin(async move { Ok(http::Response::new(Bytes::from(reply.to_string()))) })
    }
}

#[tokio::test]
async fn the_authenticator_answers_web_authn() {
    let cognito = Arc::new(ScriptedCognito::default());
    let wire = cognito_wire::Client::builder()
        .endpoint_url("http://127.0.0.1:9")
        .env(|_| None)
        .shared_transport(cognito.clone())
        .build()
        .unwrap();
    let passkey = Arc::new(Passkey::default());
    let auth = CognitoAuth::builder("us-east-1_Pk", "client")
        .wire_client(wire)
        .webauthn_authenticator(passkey.clone())
        .build()
        .unwrap();
    let cfg = auth.config("alice").flow(Flow::UserAuth {
        preferred: Some(FirstFactor::WebAuthn),
    });
    let SignInOutcome::SignedIn(session) = auth.sign_in_with(cfg).await.unwrap() else {
        panic!("not signed in")
    };
    assert_eq!(session.tokens().access_token.expose(), "a.b.c");
    assert_eq!(passkey.seen.lock().unwrap()[0]["rpId"], "example.com");
    assert_eq!(cognito.bodies.lock().unwrap().len(), 2);
}
