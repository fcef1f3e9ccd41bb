//! An axum service guarded by Cognito tokens.
//!
//! ```text
//! COGNITO_POOL_ID=eu-west-1_AbCdEf123 COGNITO_CLIENT_ID=4o7dqc1n5kq1t6ph2a2m4bl3s \
//!   cargo run -p cognito-jwt --features axum --example axum_service
//! curl -H "Authorization: Bearer $ACCESS_TOKEN" http://127.0.0.1:3000/me
//! ```
//!
//! `COGNITO_ISSUER` replaces Cognito's issuers (a local emulator's
//! `http://127.0.0.1:PORT/<pool id>`); `LISTEN` the address (default 127.0.0.1:3000).
//!
//! - `GET /health`: no token needed;
//! - `GET /me`: behind [`CognitoJwtLayer`]: any valid access token of the client; the handler
//!   reads the claims the layer put in the extensions;
//! - `GET /admin`: the [`Verified`] extractor with a verifier that also requires the `admin`
//!   group (403 `insufficient_scope` without it), reading `custom:tenant` into a type.

use std::error::Error;

use axum::extract::{Extension, FromRef};
use axum::routing::get;
use axum::{Json, Router};
use cognito_jwt::{Claims, CognitoJwtLayer, CognitoJwtVerifier, PoolConfig, TokenUse, Verified};
use serde::Deserialize;
use serde_json::{Value, json};

/// The claims of one's own, read from the token.
#[derive(Debug, Deserialize)]
struct Custom {
    #[serde(rename = "custom:tenant")]
    tenant: Option<String>,
}

/// The state: the verifier the `Verified` extractor uses.
#[derive(Clone)]
struct AdminState {
    admins: CognitoJwtVerifier,
}

impl FromRef<AdminState> for CognitoJwtVerifier {
    fn from_ref(state: &AdminState) -> Self {
        state.admins.clone()
    }
}

async fn me(Extension(claims): Extension<Claims>) -> Json<Value> {
    Json(json!({
        "sub": claims.sub,
        "username": claims.user_name(),
        "scopes": claims.scopes().collect::<Vec<_>>(),
        "groups": claims.groups,
    }))
}

async fn admin(Verified { claims, custom, .. }: Verified<Custom>) -> Json<Value> {
    Json(json!({ "admin": claims.user_name(), "tenant": custom.tenant }))
}

fn pool(pool_id: &str, client_id: &str, issuer: Option<&str>) -> PoolConfig {
    let config = PoolConfig::new(pool_id)
        .client_id(client_id)
        .token_use(TokenUse::Access);
    match issuer {
        Some(issuer) => config.issuer(issuer),
        None => config,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let pool_id = std::env::var("COGNITO_POOL_ID").map_err(|_| "set COGNITO_POOL_ID")?;
    let client_id = std::env::var("COGNITO_CLIENT_ID").map_err(|_| "set COGNITO_CLIENT_ID")?;
    let issuer = std::env::var("COGNITO_ISSUER").ok();
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());

    let users =
        CognitoJwtVerifier::builder_for(pool(&pool_id, &client_id, issuer.as_deref())).build()?;
    let admins = CognitoJwtVerifier::builder_for(
        pool(&pool_id, &client_id, issuer.as_deref()).groups(["admin"]),
    )
    .build()?;

    let app = Router::new()
        .route("/me", get(me))
        .layer(CognitoJwtLayer::new(users))
        .merge(
            Router::new()
                .route("/admin", get(admin))
                .with_state(AdminState { admins }),
        )
        .route("/health", get(|| async { "ok" }));

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
