//! The pager over a scripted transport: tokens are followed until absent, every item comes once
//! and in order, loops are caught. (This tests the pager, not Cognito: Cognito's behaviour is
//! tested against the emulator.)

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use cognito_admin::{AdminClient, AdminError, UserQuery, static_credentials};
use cognito_wire::transport::{BoxFuture, Transport};
use cognito_wire::{ListUsersRequest, RetryPolicy, TransportError, op};
use futures_util::TryStreamExt as _;

/// Answers each request with the next canned body, recording the requests.
#[derive(Clone, Default)]
struct Scripted {
    pages: Arc<Mutex<VecDeque<(u16, serde_json::Value)>>>,
    seen: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
}

impl Scripted {
    fn new(pages: Vec<serde_json::Value>) -> Self {
        Scripted {
            pages: Arc::new(Mutex::new(pages.into_iter().map(|p| (200, p)).collect())),
            seen: Arc::default(),
        }
    }

    fn requests(&self) -> Vec<(String, serde_json::Value)> {
        self.seen.lock().unwrap().clone()
    }
}

impl Transport for Scripted {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        assert!(
            req.headers()["authorization"]
                .to_str()
                .unwrap()
                .starts_with("AWS4-HMAC-SHA256 "),
            "every page is signed"
        );
        let target = req.headers()["x-amz-target"].to_str().unwrap().to_owned();
        let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
        self.seen.lock().unwrap().push((target, body));
        let (status, page) = self
            .pages
            .lock()
            .unwrap()
            .pop_front()
            .expect("no more scripted pages");
        Box::pin(async move {
            let mut resp = http::Response::new(Bytes::from(serde_json::to_vec(&page).unwrap()));
            *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
            Ok(resp)
        })
    }
}

fn admin(transport: Scripted) -> AdminClient {
    AdminClient::builder()
        .pool_id("us-east-1_Pool")
        .credentials(static_credentials("AKID", "secret", None))
        .endpoint_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::disabled())
        .transport(transport)
        .build()
        .unwrap()
}

fn users(names: &[&str]) -> serde_json::Value {
    names
        .iter()
        .map(|n| serde_json::json!({"Username": n, "Attributes": []}))
        .collect()
}

fn username(u: &cognito_wire::UserType) -> String {
    u.username.as_ref().unwrap().expose().to_owned()
}

#[tokio::test]
async fn follows_pagination_token_until_absent() {
    let t = Scripted::new(vec![
        serde_json::json!({"Users": users(&["a", "b"]), "PaginationToken": "t1"}),
        serde_json::json!({"Users": users(&["c"]), "PaginationToken": "t2"}),
        serde_json::json!({"Users": [], "PaginationToken": "t3"}),
        serde_json::json!({"Users": users(&["d", "e"])}),
    ]);
    let admin = admin(t.clone());
    let all = admin
        .list_users_all(UserQuery::new().page_size(2).attributes(["email"]))
        .await
        .unwrap();
    let names: Vec<_> = all.iter().map(username).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);

    let reqs = t.requests();
    assert_eq!(reqs.len(), 4);
    let tokens: Vec<_> = reqs
        .iter()
        .map(|(target, body)| {
            assert_eq!(target, "AWSCognitoIdentityProviderService.ListUsers");
            assert_eq!(body["Limit"], 2);
            assert_eq!(body["AttributesToGet"], serde_json::json!(["email"]));
            body.get("PaginationToken").cloned()
        })
        .collect();
    assert_eq!(
        tokens,
        [
            None,
            Some("t1".into()),
            Some("t2".into()),
            Some("t3".into())
        ]
    );
}

#[tokio::test]
async fn next_token_operations_and_empty_token_ends() {
    let t = Scripted::new(vec![
        serde_json::json!({"Groups": [{"GroupName": "g1"}], "NextToken": "n1"}),
        serde_json::json!({"Groups": [{"GroupName": "g2"}], "NextToken": ""}),
    ]);
    let admin = admin(t.clone());
    let mut stream = admin.list_groups_stream();
    let mut names = Vec::new();
    while let Some(g) = stream.try_next().await.unwrap() {
        names.push(g.group_name.unwrap());
    }
    assert_eq!(names, ["g1", "g2"]);
    let reqs = t.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].1["NextToken"], "n1");
    assert_eq!(reqs[1].0, "AWSCognitoIdentityProviderService.ListGroups");
}

#[tokio::test]
async fn every_list_operation_pages() {
    let two = |key: &str, token_key: &str, item: serde_json::Value| {
        vec![
            serde_json::json!({ key: [item.clone()], token_key: "x" }),
            serde_json::json!({ key: [item] }),
        ]
    };
    let a = admin(Scripted::new(two(
        "Groups",
        "NextToken",
        serde_json::json!({"GroupName": "g"}),
    )));
    assert_eq!(a.list_groups_for_user_all("u").await.unwrap().len(), 2);
    let a = admin(Scripted::new(two(
        "Users",
        "NextToken",
        serde_json::json!({"Username": "u"}),
    )));
    assert_eq!(a.list_users_in_group_all("g").await.unwrap().len(), 2);
    let a = admin(Scripted::new(two(
        "UserPoolClients",
        "NextToken",
        serde_json::json!({"ClientId": "c", "ClientName": "n"}),
    )));
    assert_eq!(a.list_user_pool_clients_all().await.unwrap().len(), 2);
    let a = admin(Scripted::new(two(
        "Providers",
        "NextToken",
        serde_json::json!({"ProviderName": "p", "ProviderType": "OIDC"}),
    )));
    assert_eq!(a.list_identity_providers_all().await.unwrap().len(), 2);
    let a = admin(Scripted::new(two(
        "Devices",
        "PaginationToken",
        serde_json::json!({"DeviceKey": "us-east-1_d"}),
    )));
    assert_eq!(a.list_devices_all("u").await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_repeated_token_stops_with_an_error() {
    let t = Scripted::new(vec![
        serde_json::json!({"Users": users(&["a"]), "PaginationToken": "same"}),
        serde_json::json!({"Users": users(&["b"]), "PaginationToken": "same"}),
    ]);
    let admin = admin(t.clone());
    let err = admin.list_users_all(UserQuery::new()).await.unwrap_err();
    assert!(
        matches!(
            err,
            AdminError::PaginationLoop {
                operation: "ListUsers"
            }
        ),
        "{err:?}"
    );
    assert_eq!(t.requests().len(), 2);
}

#[tokio::test]
async fn errors_end_the_stream_after_the_good_items() {
    let t = Scripted::new(vec![
        serde_json::json!({"Users": users(&["a"]), "PaginationToken": "t1"}),
    ]);
    t.pages.lock().unwrap().push_back((
        400,
        serde_json::json!({"__type": "InvalidParameterException", "message": "bad token"}),
    ));
    let admin = admin(t);
    let mut items = std::pin::pin!(cognito_admin::paginate::items::<op::ListUsers>(
        admin.wire().clone(),
        ListUsersRequest::builder()
            .user_pool_id("us-east-1_Pool")
            .build()
            .unwrap(),
    ));
    let first = items.try_next().await.unwrap().unwrap();
    assert_eq!(username(&first), "a");
    let err = items.try_next().await.unwrap_err();
    assert_eq!(err.service_code(), Some("InvalidParameterException"));
    assert!(
        items.try_next().await.unwrap().is_none(),
        "nothing after an error"
    );
}
