//! Only Cognito's "Device does not exist." purges a stored device; another missing resource (an
//! unknown app client) leaves it alone. The server is a scripted Transport (no network).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use cognito_auth::{CognitoAuth, DeviceCredentials, DeviceKeyRef, DeviceStore, MemoryDeviceStore};
use cognito_wire::transport::{BoxFuture, Transport};
use std::sync::Arc;

#[derive(Debug)]
struct NotFound(&'static str);

impl Transport for NotFound {
    fn send(
        &self,
        _req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, cognito_wire::TransportError>> {
        let body = serde_json::json!({"__type": "ResourceNotFoundException", "message": self.0})
            .to_string();
        Box::pin(async move {
            let mut resp = http::Response::new(Bytes::from(body));
            *resp.status_mut() = http::StatusCode::BAD_REQUEST;
            Ok(resp)
        })
    }
}

async fn sign_in_against(
    message: &'static str,
) -> (cognito_auth::Error, Option<DeviceCredentials>) {
    let wire = cognito_wire::Client::builder()
        .endpoint_url("http://127.0.0.1:9")
        .env(|_| None)
        .transport(NotFound(message))
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
    (err, store.get(&key).unwrap())
}

#[tokio::test]
async fn an_unknown_app_client_does_not_purge_the_device() {
    let (err, kept) = sign_in_against("User pool client c does not exist.").await;
    assert_eq!(err.service_code(), Some("ResourceNotFoundException"));
    assert!(
        kept.is_some(),
        "the stored device survives an unrelated not-found error"
    );
}

#[tokio::test]
async fn a_vanished_device_is_purged() {
    // Both attempts (with the device, then without) meet the scripted error; the device is gone.
    let (err, kept) = sign_in_against("Device does not exist.").await;
    assert_eq!(err.service_code(), Some("ResourceNotFoundException"));
    assert!(kept.is_none(), "the stored device was purged");
}
