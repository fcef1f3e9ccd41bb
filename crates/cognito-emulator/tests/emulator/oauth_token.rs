//! The token endpoint of a pool's domain (`POST /oauth2/token`), client_credentials grant,
//! over HTTP: RFC 6749's client authentication and errors, scopes, RFC 8707's resource.

use crate::common::*;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Value,
}

async fn post(
    env: &Env,
    url_path: &str,
    host: Option<&str>,
    auth: Option<&str>,
    content_type: &str,
    form: &str,
) -> Answer {
    let mut req = http::Request::post(format!("{}{url_path}", env.emu.url()))
        .header("content-type", content_type);
    if let Some(h) = host {
        req = req.header("host", h);
    }
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let req = req.body(Full::new(Bytes::from(form.to_owned()))).unwrap();
    let resp = env.http.request(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let raw = resp.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

fn basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

const FORM: &str = "application/x-www-form-urlencoded";

/// A pool with a domain, a resource server and an M2M client; (pool, client id, secret).
async fn m2m(env: &Env) -> (String, String, String) {
    let p = env
        .admin("CreateUserPool", json!({"PoolName": "m2m"}))
        .await
        .unwrap();
    let pool = p["UserPool"]["Id"].as_str().unwrap().to_owned();
    env.admin(
        "CreateUserPoolDomain",
        json!({"UserPoolId": pool, "Domain": "m2m-test"}),
    )
    .await
    .unwrap();
    env.admin(
        "CreateResourceServer",
        json!({"UserPoolId": pool, "Identifier": "https://orders.example.com", "Name": "Orders",
               "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"},
                          {"ScopeName": "write", "ScopeDescription": "write"}]}),
    )
    .await
    .unwrap();
    let c = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "worker", "GenerateSecret": true,
                   "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["client_credentials"],
                   "AllowedOAuthScopes": ["https://orders.example.com/read",
                                          "https://orders.example.com/write"]}),
        )
        .await
        .unwrap();
    let c = &c["UserPoolClient"];
    (
        pool,
        c["ClientId"].as_str().unwrap().to_owned(),
        c["ClientSecret"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn client_credentials_issue_verifiable_scoped_tokens() {
    let env = env(false).await;
    let (pool, id, secret) = m2m(&env).await;
    let path = "/_domain/m2m-test/oauth2/token";

    // HTTP Basic, one scope asked for.
    let a = post(
        &env,
        path,
        None,
        Some(&basic(&id, &secret)),
        FORM,
        "grant_type=client_credentials&scope=https%3A%2F%2Forders.example.com%2Fread",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3600);
    assert_eq!(a.headers["cache-control"], "no-store");
    let token = a.body["access_token"].as_str().unwrap();
    let jwks = env.get(&format!("/{pool}/.well-known/jwks.json")).await;
    assert!(crate::tokens::verify_rs256(token, &jwks));
    let c = claims(token);
    assert_eq!(c["sub"], id.as_str());
    assert_eq!(c["client_id"], id.as_str());
    assert_eq!(c["token_use"], "access");
    assert_eq!(c["scope"], "https://orders.example.com/read");
    assert_eq!(c["version"], 2);
    assert!(c.get("aud").is_none() && c.get("username").is_none(), "{c}");
    assert!(c["iss"].as_str().unwrap().ends_with(&pool));
    // It is no user's token: the user-side API refuses it.
    let e = env
        .call("GetUser", json!({"AccessToken": token}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException", "{}", e.message);
    assert_eq!(e.message, "Access Token does not have required scopes");

    // Credentials in the body; no scope: every allowed scope; a resource: aud.
    let body = format!(
        "grant_type=client_credentials&client_id={id}&client_secret={}&resource=https%3A%2F%2Forders.example.com",
        secret
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    let a = post(&env, path, None, None, FORM, &body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let c = claims(a.body["access_token"].as_str().unwrap());
    assert_eq!(
        c["scope"],
        "https://orders.example.com/read https://orders.example.com/write"
    );
    assert_eq!(c["aud"], "https://orders.example.com");

    // Discovery names the endpoints, the grants and the custom scopes.
    let doc = env
        .get(&format!("/{pool}/.well-known/openid-configuration"))
        .await;
    assert_eq!(
        doc["token_endpoint"],
        format!("{}{path}", env.emu.url()).as_str()
    );
    assert_eq!(
        doc["grant_types_supported"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert!(
        doc["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("https://orders.example.com/write"))
    );
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{}/_domain/m2m-test/oauth2/authorize", env.emu.url()).as_str()
    );

    // The Host of a prefix domain reaches the same endpoint.
    let a = post(
        &env,
        "/oauth2/token",
        Some("m2m-test.auth.us-east-1.amazoncognito.com"),
        Some(&basic(&id, &secret)),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);

    // An API call with a non-loopback Host (a proxy, a container name) is still an API call.
    let api = env
        .admin("DescribeUserPool", json!({"UserPoolId": pool}))
        .await
        .unwrap();
    assert_eq!(api["UserPool"]["Domain"], "m2m-test");
}

#[tokio::test]
async fn token_endpoint_errors_are_rfc_6749s() {
    let env = env(false).await;
    let (pool, id, secret) = m2m(&env).await;
    let path = "/_domain/m2m-test/oauth2/token";
    let good = basic(&id, &secret);
    let cases: Vec<(Option<String>, &str, &str, u16, &str)> = vec![
        // wrong secret, unknown client, no credentials: 401 invalid_client
        (
            Some(basic(&id, "wrong")),
            FORM,
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        (
            Some(basic("nobody", &secret)),
            FORM,
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        (
            Some("Basic !!!".into()),
            FORM,
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        (
            None,
            FORM,
            "grant_type=client_credentials",
            401,
            "invalid_client",
        ),
        // not a form, no grant_type, a repeated parameter, both kinds of client authentication
        (
            Some(good.clone()),
            "application/json",
            "{}",
            400,
            "invalid_request",
        ),
        (Some(good.clone()), FORM, "scope=x", 400, "invalid_request"),
        (
            Some(good.clone()),
            FORM,
            "grant_type=client_credentials&grant_type=client_credentials",
            400,
            "invalid_request",
        ),
        (
            Some(good.clone()),
            FORM,
            "grant_type=client_credentials&client_secret=x",
            400,
            "invalid_request",
        ),
        // grants
        (
            Some(good.clone()),
            FORM,
            "grant_type=password&username=a&password=b",
            400,
            "unsupported_grant_type",
        ),
        // a scope the client may not have, a resource the pool does not have
        (
            Some(good.clone()),
            FORM,
            "grant_type=client_credentials&scope=openid",
            400,
            "invalid_scope",
        ),
        (
            Some(good.clone()),
            FORM,
            "grant_type=client_credentials&resource=https%3A%2F%2Fother",
            400,
            "invalid_target",
        ),
    ];
    for (auth, ct, form, status, error) in cases {
        let a = post(&env, path, None, auth.as_deref(), ct, form).await;
        assert_eq!(
            (a.status, a.body["error"].as_str()),
            (status, Some(error)),
            "{form}: {}",
            a.body
        );
        assert!(a.body["error_description"].is_string());
        if status == 401 {
            assert!(a.headers.contains_key("www-authenticate"), "{form}");
        }
    }

    // A client without the client_credentials flow: unauthorized_client.
    let web = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "plain", "GenerateSecret": true}),
        )
        .await
        .unwrap();
    let web = &web["UserPoolClient"];
    let a = post(
        &env,
        path,
        None,
        Some(&basic(
            web["ClientId"].as_str().unwrap(),
            web["ClientSecret"].as_str().unwrap(),
        )),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );

    // An unknown domain, a GET on the token endpoint, an unknown path on a domain.
    let a = post(
        &env,
        "/_domain/nope/oauth2/token",
        None,
        Some(&good),
        FORM,
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(a.status, 404);
    let req = http::Request::get(format!("{}{path}", env.emu.url()))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = env.http.request(req).await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let a = post(&env, "/_domain/m2m-test/nothing", None, None, FORM, "").await;
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn get_client_token_issues_the_same_tokens_through_the_api() {
    let env = env(false).await;
    let (pool, _, _) = m2m(&env).await;
    let create = |flows: Value, secret: bool| {
        json!({"UserPoolId": pool, "ClientName": "api-m2m", "GenerateSecret": secret,
               "ExplicitAuthFlows": flows,
               "AllowedOAuthScopes": ["https://orders.example.com/read"]})
    };
    // ALLOW_CLIENT_TOKEN_AUTH: the only flow, with a secret.
    let mixed = env
        .admin(
            "CreateUserPoolClient",
            create(
                json!(["ALLOW_CLIENT_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]),
                true,
            ),
        )
        .await;
    assert_eq!(mixed.unwrap_err().code, "InvalidParameterException");
    let public = env
        .admin(
            "CreateUserPoolClient",
            create(json!(["ALLOW_CLIENT_TOKEN_AUTH"]), false),
        )
        .await;
    assert_eq!(public.unwrap_err().code, "InvalidParameterException");
    let c = env
        .admin(
            "CreateUserPoolClient",
            create(json!(["ALLOW_CLIENT_TOKEN_AUTH"]), true),
        )
        .await
        .unwrap();
    let id = c["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
    let secret = c["UserPoolClient"]["ClientSecret"]
        .as_str()
        .unwrap()
        .to_owned();

    let got = env
        .call("GetClientToken", json!({"ClientId": id, "Secret": secret}))
        .await
        .unwrap();
    let result = &got["ClientAuthenticationResult"];
    assert_eq!(result["TokenType"], "Bearer");
    assert_eq!(result["ExpiresIn"], 3600);
    let token = result["AccessToken"].as_str().unwrap();
    let jwks = env.get(&format!("/{pool}/.well-known/jwks.json")).await;
    assert!(crate::tokens::verify_rs256(token, &jwks));
    let c = claims(token);
    assert_eq!(c["sub"], id.as_str());
    assert_eq!(c["scope"], "https://orders.example.com/read");

    let refused = [
        (
            json!({"ClientId": id, "Secret": "wrong"}),
            "NotAuthorizedException",
        ),
        (
            json!({"ClientId": id, "Secret": secret, "Scopes": ["https://orders.example.com/write"]}),
            "InvalidParameterException",
        ),
        (
            json!({"ClientId": "nope", "Secret": "x"}),
            "ResourceNotFoundException",
        ),
    ];
    for (body, want) in refused {
        let e = env.call("GetClientToken", body.clone()).await.unwrap_err();
        assert_eq!(e.code, want, "{body}: {}", e.message);
    }
    // A client without the flow (the token endpoint's M2M client): not enabled.
    let (_, m2m_id, m2m_secret) = {
        let c = env
            .admin(
                "CreateUserPoolClient",
                json!({"UserPoolId": pool, "ClientName": "plain", "GenerateSecret": true}),
            )
            .await
            .unwrap();
        let c = &c["UserPoolClient"];
        (
            (),
            c["ClientId"].as_str().unwrap().to_owned(),
            c["ClientSecret"].as_str().unwrap().to_owned(),
        )
    };
    let e = env
        .call(
            "GetClientToken",
            json!({"ClientId": m2m_id, "Secret": m2m_secret}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "OperationNotEnabledException");
}
