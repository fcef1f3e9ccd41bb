//! A `ResourceNotFoundException` answered to `InitiateAuth` never purges a stored device,
//! whatever its message: before the sign-in got past `InitiateAuth` the missing resource may be
//! the app client or the pool, not the device, and the driver never reads messages. (A device
//! Cognito forgot is purged when the error comes once the sign-in is under way: tested end to
//! end against the emulator in `tests/e2e/auth.rs`,
//! `a_forgotten_device_is_purged_and_the_sign_in_retried_without_it`.) The server here is a
//! scripted Transport (no network).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use cognito_auth::{
    CognitoAuth, DeviceCredentials, DeviceKeyRef, DeviceStore, MemoryDeviceStore, NextAction,
};
use cognito_wire::transport::{BoxFuture, Transport};
use std::sync::{Arc, Mutex};

/// Answers every request with `ResourceNotFoundException` and this message, and records the
/// operations it was sent.
#[derive(Debug)]
struct NotFound {
    message: &'static str,
    seen: Mutex<Vec<String>>,
}

impl Transport for NotFound {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, cognito_wire::TransportError>> {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
        let device_key = body["AuthParameters"]["DEVICE_KEY"]
            .as_str()
            .map(str::to_owned);
        self.seen
            .lock()
            .unwrap()
            .push(format!("{target} device={device_key:?}"));
        let body =
            serde_json::json!({"__type": "ResourceNotFoundException", "message": self.message})
                .to_string();
        Box::pin(async move {
            let mut resp = http::Response::new(Bytes::from(body));
            *resp.status_mut() = http::StatusCode::BAD_REQUEST;
            Ok(resp)
        })
    }
}

/// Signs in with a stored device against a server that answers `InitiateAuth` with
/// `ResourceNotFoundException` and `message`: the error, the device left in the store, and the
/// requests sent.
async fn sign_in_against(
    message: &'static str,
) -> (cognito_auth::Error, Option<DeviceCredentials>, Vec<String>) {
    let server = Arc::new(NotFound {
        message,
        seen: Mutex::new(Vec::new()),
    });
    let wire = cognito_wire::Client::builder()
        .endpoint_url("http://127.0.0.1:9")
        .env(|_| None)
        .shared_transport(server.clone())
        .build()
        .unwrap();
    let store = Arc::new(MemoryDeviceStore::default());
    let key = DeviceKeyRef {
        pool_id: "us-east-1_P".into(),
        client_id: "c".into(),
        username: "alice".into(),
    };
    let device = DeviceCredentials {
        device_key: "us-east-1_dev".into(),
        device_group_key: "-g".into(),
        device_password: "pw".into(),
    };
    store.put(&key, &device).unwrap();
    let auth = CognitoAuth::builder("us-east-1_P", "c")
        .wire_client(wire)
        .device_store(store.clone())
        .build()
        .unwrap();
    let err = auth.sign_in("alice", "Passw0rd!").await.unwrap_err();
    let seen = server.seen.lock().unwrap().clone();
    (err, store.get(&key).unwrap(), seen)
}

#[tokio::test]
async fn an_unknown_app_client_at_initiate_auth_does_not_purge_the_device() {
    let (err, kept, seen) = sign_in_against("User pool client c does not exist.").await;
    assert_eq!(err.service_code(), Some("ResourceNotFoundException"));
    assert_eq!(err.next_action(), NextAction::FixConfiguration);
    assert!(
        kept.is_some(),
        "the stored device survives an unrelated not-found error"
    );
    assert_eq!(
        seen,
        [r#"AWSCognitoIdentityProviderService.InitiateAuth device=Some("us-east-1_dev")"#],
        "one InitiateAuth, not retried without the device"
    );
}

#[tokio::test]
async fn a_device_message_at_initiate_auth_does_not_purge_the_device_either() {
    // Even Cognito's "Device does not exist." does not purge a device when it answers
    // InitiateAuth: the driver classifies by where the error comes and its code, never by
    // its message.
    let (err, kept, seen) = sign_in_against("Device does not exist.").await;
    assert_eq!(err.service_code(), Some("ResourceNotFoundException"));
    assert_eq!(err.next_action(), NextAction::FixConfiguration);
    assert!(kept.is_some(), "the stored device is kept");
    assert_eq!(
        seen.len(),
        1,
        "one InitiateAuth, not retried without the device: {seen:?}"
    );
}
