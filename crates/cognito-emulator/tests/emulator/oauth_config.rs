//! A pool's OAuth 2.0 configuration over the signed admin API (issue 16, point 3): domains,
//! resource servers with custom scopes, and app clients' OAuth settings enforced.

use crate::common::*;
use serde_json::{Value, json};

async fn new_pool(env: &Env, name: &str) -> String {
    let p = env
        .admin("CreateUserPool", json!({"PoolName": name}))
        .await
        .unwrap();
    p["UserPool"]["Id"].as_str().unwrap().to_owned()
}

fn err(r: R) -> (String, String) {
    let e = r.unwrap_err();
    (e.code, e.message)
}

#[tokio::test]
async fn domains_are_unique_described_updated_and_block_pool_deletion() {
    let env = env(false).await;
    let pool = new_pool(&env, "domains").await;
    let other = new_pool(&env, "other").await;

    // An unknown domain is described as empty (how callers check that a prefix is free).
    let free = env
        .admin("DescribeUserPoolDomain", json!({"Domain": "my-app"}))
        .await
        .unwrap();
    assert_eq!(free["DomainDescription"], json!({}));

    // Prefix rules: shape and reserved words.
    for bad in ["My-App", "-app", "app-", "a.b", "my-cognito-app", ""] {
        let (code, msg) = err(env
            .admin(
                "CreateUserPoolDomain",
                json!({"UserPoolId": pool, "Domain": bad}),
            )
            .await);
        assert_eq!(code, "InvalidParameterException", "{bad}: {msg}");
    }

    let made = env
        .admin(
            "CreateUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": "my-app", "ManagedLoginVersion": 2}),
        )
        .await
        .unwrap();
    assert_eq!(made["ManagedLoginVersion"], 2);
    assert!(made.get("CloudFrontDomain").is_none(), "{made}");

    // One prefix domain per pool; a domain belongs to one pool.
    let (code, _) = err(env
        .admin(
            "CreateUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": "my-app-two"}),
        )
        .await);
    assert_eq!(code, "InvalidParameterException");
    let (code, msg) = err(env
        .admin(
            "CreateUserPoolDomain",
            json!({"UserPoolId": other, "Domain": "my-app"}),
        )
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert!(msg.contains("already associated"), "{msg}");

    // A custom domain beside it needs a certificate ARN, and gets a CloudFront target.
    let (code, _) = err(env
        .admin(
            "CreateUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": "auth.example.com",
                   "CustomDomainConfig": {"CertificateArn": "not-an-arn"}}),
        )
        .await);
    assert_eq!(code, "InvalidParameterException");
    let custom = env
        .admin(
            "CreateUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": "auth.example.com",
                   "CustomDomainConfig": {"CertificateArn":
                       "arn:aws:acm:us-east-1:000000000000:certificate/abc"}}),
        )
        .await
        .unwrap();
    let cloudfront = custom["CloudFrontDomain"].as_str().unwrap().to_owned();
    assert!(cloudfront.ends_with(".cloudfront.net"), "{cloudfront}");

    let d = env
        .admin("DescribeUserPoolDomain", json!({"Domain": "my-app"}))
        .await
        .unwrap();
    let d = &d["DomainDescription"];
    assert_eq!(d["UserPoolId"], pool.as_str());
    assert_eq!(d["Domain"], "my-app");
    assert_eq!(d["Status"], "ACTIVE");
    assert_eq!(d["ManagedLoginVersion"], 2);
    let described = env
        .admin("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(described["UserPool"]["Domain"], "my-app");
    assert_eq!(described["UserPool"]["CustomDomain"], "auth.example.com");

    // Update: the managed login version; a prefix domain has no certificate to change.
    env.admin(
        "UpdateUserPoolDomain",
        json!({"UserPoolId": pool, "Domain": "my-app", "ManagedLoginVersion": 1}),
    )
    .await
    .unwrap();
    let (code, _) = err(env
        .admin(
            "UpdateUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": "my-app",
                   "CustomDomainConfig": {"CertificateArn": "arn:aws:acm:x"}}),
        )
        .await);
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = err(env
        .admin(
            "UpdateUserPoolDomain",
            json!({"UserPoolId": other, "Domain": "my-app", "ManagedLoginVersion": 2}),
        )
        .await);
    assert_eq!(code, "InvalidParameterException");

    // A pool with a domain cannot be deleted; without, it can.
    let (code, msg) = err(env
        .admin("DeleteUserPool", json!({"UserPoolId": pool}))
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert!(msg.contains("domain"), "{msg}");
    for domain in ["my-app", "auth.example.com"] {
        env.admin(
            "DeleteUserPoolDomain",
            json!({"UserPoolId": pool, "Domain": domain}),
        )
        .await
        .unwrap();
    }
    let gone = env
        .admin("DescribeUserPoolDomain", json!({"Domain": "my-app"}))
        .await
        .unwrap();
    assert_eq!(gone["DomainDescription"], json!({}));
    env.admin("DeleteUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
}

fn scope(name: &str) -> Value {
    json!({"ScopeName": name, "ScopeDescription": format!("{name} access")})
}

#[tokio::test]
async fn resource_servers_hold_custom_scopes() {
    let env = env(false).await;
    let pool = new_pool(&env, "resources").await;
    let made = env
        .admin(
            "CreateResourceServer",
            json!({"UserPoolId": pool, "Identifier": "https://api.example.com",
                   "Name": "API", "Scopes": [scope("read"), scope("write")]}),
        )
        .await
        .unwrap();
    assert_eq!(
        made["ResourceServer"]["Identifier"],
        "https://api.example.com"
    );
    assert_eq!(made["ResourceServer"]["Scopes"][1]["ScopeName"], "write");

    // Duplicates, bad scope names, bad identifiers.
    let dup = json!({"UserPoolId": pool, "Identifier": "https://api.example.com", "Name": "x"});
    assert_eq!(
        err(env.admin("CreateResourceServer", dup).await).0,
        "InvalidParameterException"
    );
    for bad_scope in ["a/b", "has space", ""] {
        let r = env
            .admin(
                "CreateResourceServer",
                json!({"UserPoolId": pool, "Identifier": "svc", "Name": "svc",
                       "Scopes": [scope(bad_scope)]}),
            )
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "{bad_scope}");
    }
    let twice = env
        .admin(
            "CreateResourceServer",
            json!({"UserPoolId": pool, "Identifier": "svc", "Name": "svc",
                   "Scopes": [scope("a"), scope("a")]}),
        )
        .await;
    assert_eq!(err(twice).0, "InvalidParameterException");
    let bad_id = env
        .admin(
            "CreateResourceServer",
            json!({"UserPoolId": pool, "Identifier": "a\\b", "Name": "svc"}),
        )
        .await;
    assert_eq!(err(bad_id).0, "InvalidParameterException");

    // List with pagination.
    for i in 0..3 {
        env.admin(
            "CreateResourceServer",
            json!({"UserPoolId": pool, "Identifier": format!("svc{i}"), "Name": "svc"}),
        )
        .await
        .unwrap();
    }
    let page = env
        .admin(
            "ListResourceServers",
            json!({"UserPoolId": pool, "MaxResults": 3}),
        )
        .await
        .unwrap();
    assert_eq!(page["ResourceServers"].as_array().unwrap().len(), 3);
    let next = page["NextToken"].as_str().unwrap();
    let rest = env
        .admin(
            "ListResourceServers",
            json!({"UserPoolId": pool, "MaxResults": 3, "NextToken": next}),
        )
        .await
        .unwrap();
    assert_eq!(rest["ResourceServers"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
    let (code, _) = err(env
        .admin(
            "ListResourceServers",
            json!({"UserPoolId": pool, "MaxResults": 51}),
        )
        .await);
    assert_eq!(code, "InvalidParameterException");

    // Update states the whole server; describe shows it; delete removes it.
    env.admin(
        "UpdateResourceServer",
        json!({"UserPoolId": pool, "Identifier": "https://api.example.com",
               "Name": "API v2", "Scopes": [scope("read")]}),
    )
    .await
    .unwrap();
    let d = env
        .admin(
            "DescribeResourceServer",
            json!({"UserPoolId": pool, "Identifier": "https://api.example.com"}),
        )
        .await
        .unwrap();
    assert_eq!(d["ResourceServer"]["Name"], "API v2");
    assert_eq!(d["ResourceServer"]["Scopes"].as_array().unwrap().len(), 1);
    env.admin(
        "DeleteResourceServer",
        json!({"UserPoolId": pool, "Identifier": "https://api.example.com"}),
    )
    .await
    .unwrap();
    let (code, _) = err(env
        .admin(
            "DescribeResourceServer",
            json!({"UserPoolId": pool, "Identifier": "https://api.example.com"}),
        )
        .await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn app_clients_oauth_settings_are_enforced() {
    let env = env(false).await;
    let pool = new_pool(&env, "oauth-clients").await;
    env.admin(
        "CreateResourceServer",
        json!({"UserPoolId": pool, "Identifier": "orders", "Name": "Orders",
               "Scopes": [scope("read")]}),
    )
    .await
    .unwrap();
    let client = |extra: Value| {
        let mut body = json!({"UserPoolId": pool, "ClientName": "web"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let code_flow = json!({
        "AllowedOAuthFlowsUserPoolClient": true,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "orders/read"],
        "CallbackURLs": ["https://app.example.com/cb", "http://localhost:8080/cb"],
        "LogoutURLs": ["https://app.example.com/bye"],
        "DefaultRedirectURI": "https://app.example.com/cb",
        "SupportedIdentityProviders": ["COGNITO"],
    });
    let web = env
        .admin("CreateUserPoolClient", client(code_flow.clone()))
        .await
        .unwrap();
    let web = &web["UserPoolClient"];
    assert_eq!(web["AllowedOAuthFlows"], json!(["code"]));
    assert_eq!(web["CallbackURLs"][1], "http://localhost:8080/cb");
    let web_id = web["ClientId"].as_str().unwrap().to_owned();

    // Each rule, with the error Cognito answers.
    let refused: &[(Value, &str)] = &[
        (
            json!({"AllowedOAuthScopes": ["orders/write"]}),
            "ScopeDoesNotExistException",
        ),
        (
            json!({"AllowedOAuthScopes": ["nope"]}),
            "ScopeDoesNotExistException",
        ),
        (
            json!({"AllowedOAuthFlows": ["code", "client_credentials"]}),
            "InvalidOAuthFlowException",
        ),
        (
            json!({"AllowedOAuthFlows": ["password"]}),
            "InvalidOAuthFlowException",
        ),
        (
            json!({"CallbackURLs": ["http://app.example.com/cb"], "DefaultRedirectURI": null}),
            "InvalidParameterException",
        ),
        (
            json!({"CallbackURLs": ["https://app.example.com/cb#frag"], "DefaultRedirectURI": null}),
            "InvalidParameterException",
        ),
        (
            json!({"CallbackURLs": ["/relative"], "DefaultRedirectURI": null}),
            "InvalidParameterException",
        ),
        (
            json!({"CallbackURLs": [], "DefaultRedirectURI": null}),
            "InvalidParameterException",
        ),
        (
            json!({"DefaultRedirectURI": "https://elsewhere.example.com/"}),
            "InvalidParameterException",
        ),
        (
            json!({"LogoutURLs": ["javascript:alert(1)"]}),
            "InvalidParameterException",
        ),
        (
            json!({"SupportedIdentityProviders": ["Google"]}),
            "InvalidParameterException",
        ),
        (
            json!({"AllowedOAuthScopes": []}),
            "InvalidOAuthFlowException",
        ),
    ];
    for (change, want) in refused {
        let mut body = code_flow.clone();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        let (code, msg) = err(env.admin("CreateUserPoolClient", client(body)).await);
        assert_eq!(code, *want, "{change}: {msg}");
    }

    // client_credentials: a secret, custom scopes only.
    let m2m = json!({"AllowedOAuthFlowsUserPoolClient": true,
                     "AllowedOAuthFlows": ["client_credentials"],
                     "AllowedOAuthScopes": ["orders/read"]});
    let (code, msg) = err(env.admin("CreateUserPoolClient", client(m2m.clone())).await);
    assert_eq!(code, "InvalidOAuthFlowException", "{msg}");
    assert!(msg.contains("client secret"), "{msg}");
    let mut with_openid = m2m.clone();
    with_openid["GenerateSecret"] = json!(true);
    with_openid["AllowedOAuthScopes"] = json!(["openid", "orders/read"]);
    let (code, _) = err(env.admin("CreateUserPoolClient", client(with_openid)).await);
    assert_eq!(code, "InvalidOAuthFlowException");
    let mut ok = m2m;
    ok["GenerateSecret"] = json!(true);
    env.admin("CreateUserPoolClient", client(ok)).await.unwrap();

    // Update: the request is the whole client, checked as a creation is (callers start from
    // DescribeUserPoolClient); what it leaves out goes back to its default, as in Cognito.
    let update = |changes: Value| {
        let mut body = code_flow.clone();
        body["UserPoolId"] = json!(pool);
        body["ClientId"] = json!(web_id);
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let (code, _) = err(env
        .admin(
            "UpdateUserPoolClient",
            update(json!({"AllowedOAuthScopes": ["orders/write"]})),
        )
        .await);
    assert_eq!(code, "ScopeDoesNotExistException");
    let updated = env
        .admin(
            "UpdateUserPoolClient",
            update(json!({"AllowedOAuthScopes": ["openid"], "AccessTokenValidity": 2})),
        )
        .await
        .unwrap();
    assert_eq!(
        updated["UserPoolClient"]["AllowedOAuthScopes"],
        json!(["openid"])
    );
    assert_eq!(
        updated["UserPoolClient"]["CallbackURLs"][0],
        "https://app.example.com/cb"
    );
    assert_eq!(updated["UserPoolClient"]["ClientName"], "web");
    let described = env
        .admin(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": web_id}),
        )
        .await
        .unwrap();
    assert_eq!(
        described["UserPoolClient"]["AllowedOAuthScopes"],
        json!(["openid"])
    );
    assert_eq!(
        described["UserPoolClient"]["AccessTokenValidity"],
        json!(7200),
        "two hours, in the seconds the emulator reports"
    );

    // A request without the OAuth settings (or the token validity) resets them: no OAuth
    // flows, no callback URLs, the pool's default validity; the name stays when absent.
    let bare = env
        .admin(
            "UpdateUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": web_id}),
        )
        .await
        .unwrap();
    let bare = &bare["UserPoolClient"];
    assert_eq!(bare["ClientName"], "web");
    for key in [
        "AllowedOAuthFlows",
        "AllowedOAuthScopes",
        "CallbackURLs",
        "LogoutURLs",
    ] {
        assert!(
            bare[key].is_null() || bare[key] == json!([]),
            "{key} reset: {bare}"
        );
    }
    assert_ne!(bare["AllowedOAuthFlowsUserPoolClient"], json!(true));
    assert_ne!(bare["AccessTokenValidity"], json!(7200));
    // The code flow is no longer the client's.
    let described = env
        .admin(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": web_id}),
        )
        .await
        .unwrap();
    assert!(described["UserPoolClient"]["CallbackURLs"].is_null());
}
