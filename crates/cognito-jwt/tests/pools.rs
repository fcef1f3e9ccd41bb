#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Several pools and clients in one verifier, replica-region issuers, resource audiences of
//! access tokens, the custom check, typed custom claims, and offline keys (a JWKS value, a
//! file, per pool). No network: keys are loaded, never fetched.

mod common;

use std::sync::Arc;

use cognito_jwt::{BuildError, CognitoJwtVerifier, JwtError, PoolConfig, TokenUse};
use common::*;
use serde::Deserialize;
use serde_json::json;

fn two_pools() -> CognitoJwtVerifier {
    let v = CognitoJwtVerifier::builder(POOL)
        .client_ids([CLIENT, "mobile"])
        .token_use(TokenUse::Access)
        .pool(
            PoolConfig::new(POOL_B)
                .client_id("partner")
                .token_use(TokenUse::Id),
        )
        .fetcher(Arc::new(Offline))
        .build()
        .unwrap();
    assert_eq!(v.add_jwks_for_pool(POOL, &jwks_a()).unwrap(), 1);
    assert_eq!(
        v.add_jwks_for_pool(POOL_B, &jwks_of(&[jwk(&keys().b, "kb")]))
            .unwrap(),
        1
    );
    v
}

fn pool_b_id_token() -> serde_json::Value {
    with(
        with(id_claims(), "iss", json!(iss_b())),
        "aud",
        json!("partner"),
    )
}

#[test]
fn several_pools_each_with_its_clients_token_use_and_keys() {
    let v = two_pools();
    assert_eq!(v.pool_ids().collect::<Vec<_>>(), [POOL, POOL_B]);
    assert_eq!(v.issuers().count(), 4);

    // Pool A: access tokens of either client.
    v.verify_sync(&mint(&access_claims()), now()).unwrap();
    let mobile = with(access_claims(), "client_id", json!("mobile"));
    v.verify_sync(&mint(&mobile), now()).unwrap();
    // Pool B: id tokens of its partner client, signed by its own key.
    let b = mint_with(&keys().b, &header("kb"), &pool_b_id_token());
    let claims = v.verify_sync(&b, now()).unwrap();
    assert_eq!(claims.iss, iss_b());
    assert_eq!(claims.aud, ["partner"]);

    // Each pool keeps its own rules: no access tokens from B, no id tokens from A ...
    let b_access = with(
        with(access_claims(), "iss", json!(iss_b())),
        "client_id",
        json!("partner"),
    );
    assert!(matches!(
        v.verify_sync(&mint_with(&keys().b, &header("kb"), &b_access), now()),
        Err(JwtError::TokenUseMismatch {
            expected: TokenUse::Id
        })
    ));
    assert!(matches!(
        v.verify_sync(&mint(&id_claims()), now()),
        Err(JwtError::TokenUseMismatch {
            expected: TokenUse::Access
        })
    ));
    // ... its own clients (A's client is not B's) ...
    let b_wrong_client = with(pool_b_id_token(), "aud", json!(CLIENT));
    assert!(matches!(
        v.verify_sync(&mint_with(&keys().b, &header("kb"), &b_wrong_client), now()),
        Err(JwtError::AudienceMismatch)
    ));
    // ... and its own keys: B's iss signed with A's key, A's iss with B's key.
    assert!(matches!(
        v.verify_sync(&mint(&pool_b_id_token()), now()),
        Err(JwtError::KidNotFound)
    ));
    assert!(matches!(
        v.verify_sync(
            &mint_with(&keys().b, &header("kb"), &access_claims()),
            now()
        ),
        Err(JwtError::KidNotFound)
    ));
    assert!(matches!(
        v.add_jwks_for_pool("eu-west-1_Nope", &jwks_a()),
        Err(JwtError::UnknownPool)
    ));
}

#[test]
fn both_issuer_formats_and_replica_regions() {
    let v = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .token_use(TokenUse::Access)
        .replica_region("us-west-2")
        .replica_region("cn-north-1")
        .fetcher(Arc::new(Offline))
        .build()
        .unwrap();
    let issuers: Vec<_> = v.issuers().collect();
    assert_eq!(
        issuers,
        [
            format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
            format!("https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
            format!("https://cognito-idp.us-west-2.amazonaws.com/{POOL}"),
            format!("https://issuer-cognito-idp.us-west-2.amazonaws.com/{POOL}"),
            format!("https://cognito-idp.cn-north-1.amazonaws.com.cn/{POOL}"),
            format!("https://issuer-cognito-idp.cn-north-1.amazonaws.com.cn/{POOL}"),
        ]
    );
    // One key set per issuer, each at its issuer's JWKS URL.
    assert_eq!(v.jwks_uris().count(), 6);
    assert!(v.jwks_uris().all(|u| u.ends_with("/.well-known/jwks.json")));
    v.add_jwks(&jwks_a()).unwrap();
    for iss in &issuers {
        let token = mint(&with(access_claims(), "iss", json!(iss)));
        assert_eq!(v.verify_sync(&token, now()).unwrap().iss, *iss);
    }
    let token = mint(&with(
        access_claims(),
        "iss",
        json!(format!(
            "https://issuer-cognito-idp.ap-south-1.amazonaws.com/{POOL}"
        )),
    ));
    assert!(matches!(
        v.verify_sync(&token, now()),
        Err(JwtError::IssuerMismatch)
    ));

    for bad in ["US-WEST-2", "", "west", "us-west-2_x"] {
        let r = CognitoJwtVerifier::builder(POOL)
            .any_client_id()
            .token_use(TokenUse::Any)
            .replica_region(bad)
            .build();
        assert!(matches!(r, Err(BuildError::InvalidRegion { .. })), "{bad}");
    }
    let r = CognitoJwtVerifier::builder(POOL)
        .any_client_id()
        .token_use(TokenUse::Any)
        .pool(
            PoolConfig::new(POOL)
                .any_client_id()
                .token_use(TokenUse::Id),
        )
        .build();
    assert!(matches!(r, Err(BuildError::DuplicateIssuer { .. })));
    let r = CognitoJwtVerifier::builder("eu-west-1")
        .any_client_id()
        .token_use(TokenUse::Id)
        .build();
    let err = r.unwrap_err();
    assert!(matches!(err, BuildError::InvalidPoolId(_)));
    assert!(err.to_string().contains("expected <region>_<id>"), "{err}");
}

#[test]
fn access_tokens_of_a_resource_are_checked_by_aud() {
    let v = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .token_use(TokenUse::Any)
        .audiences(["https://api.example.com/orders"])
        .fetcher(Arc::new(Offline))
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    let with_aud = |aud: serde_json::Value| mint(&with(access_claims(), "aud", aud));
    v.verify_sync(&with_aud(json!("https://api.example.com/orders")), now())
        .unwrap();
    v.verify_sync(
        &with_aud(json!(["x", "https://api.example.com/orders"])),
        now(),
    )
    .unwrap();
    assert!(matches!(
        v.verify_sync(&with_aud(json!("https://api.example.com/billing")), now()),
        Err(JwtError::AudienceMismatch)
    ));
    assert!(matches!(
        v.verify_sync(&mint(&access_claims()), now()),
        Err(JwtError::MissingClaim { claim: "aud" })
    ));
    // The client is still checked, and id tokens keep their client audience.
    let other = with(
        with(
            access_claims(),
            "aud",
            json!("https://api.example.com/orders"),
        ),
        "client_id",
        json!("other"),
    );
    assert!(matches!(
        v.verify_sync(&mint(&other), now()),
        Err(JwtError::ClientIdMismatch)
    ));
    v.verify_sync(&mint(&id_claims()), now()).unwrap();
}

#[derive(Debug, Deserialize, PartialEq)]
struct Entitlement {
    product: String,
    seats: u32,
}

/// What a pre token generation trigger (V2/V3) may add: arrays, numbers, objects.
#[derive(Debug, Deserialize)]
struct Custom {
    #[serde(rename = "custom:tenant")]
    tenant: String,
    tier: u8,
    regions: Vec<String>,
    entitlements: Vec<Entitlement>,
    #[serde(default)]
    beta: bool,
}

#[test]
fn claims_of_any_json_type_into_a_type_of_ones_own_and_a_custom_check() {
    let v = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .token_use(TokenUse::Access)
        .check(|claims| {
            let custom: Custom = claims.deserialize_into().map_err(|e| e.to_string())?;
            if custom.tier >= 2 {
                Ok(())
            } else {
                Err(format!("tier {} is below 2", custom.tier))
            }
        })
        .fetcher(Arc::new(Offline))
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    let claims = json!({
        "custom:tenant": "acme", "tier": 3, "regions": ["eu", "us"],
        "entitlements": [{"product": "orders", "seats": 5}, {"product": "billing", "seats": 1}],
    });
    let mut full = access_claims();
    for (k, val) in claims.as_object().unwrap() {
        full[k] = val.clone();
    }
    let verified = v.verify_sync(&mint(&full), now()).unwrap();
    let custom: Custom = verified.deserialize_into().unwrap();
    assert_eq!(custom.tenant, "acme");
    assert_eq!(custom.regions, ["eu", "us"]);
    assert_eq!(
        custom.entitlements[0],
        Entitlement {
            product: "orders".into(),
            seats: 5
        }
    );
    assert!(!custom.beta);
    assert_eq!(verified.get("tier"), Some(&json!(3)));

    // The custom check refuses a low tier, with its own message.
    let low = with(full.clone(), "tier", json!(1));
    match v.verify_sync(&mint(&low), now()) {
        Err(JwtError::CheckFailed { reason }) => assert_eq!(reason, "tier 1 is below 2"),
        other => panic!("{other:?}"),
    }
    // A claim of another JSON type is a typed error naming it.
    let wrong = with(full, "regions", json!("eu"));
    match v.verify_sync(&mint(&wrong), now()) {
        Err(JwtError::CheckFailed { reason }) => {
            assert!(reason.contains("expected a sequence"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let plain = loaded(TokenUse::Access)
        .verify_sync(&mint(&access_claims()), now())
        .unwrap();
    assert!(matches!(
        plain.deserialize_into::<Custom>(),
        Err(JwtError::ClaimsType { message }) if message.contains("custom:tenant")
    ));
}

#[test]
fn offline_keys_from_a_file() {
    let dir = std::env::temp_dir().join(format!("cognito-jwt-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("jwks.json");
    std::fs::write(&file, jwks_a()).unwrap();
    let v = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .token_use(TokenUse::Access)
        .fetcher(Arc::new(Offline))
        .build()
        .unwrap();
    assert!(matches!(
        v.verify_sync(&mint(&access_claims()), now()),
        Err(JwtError::JwksNotLoaded)
    ));
    assert_eq!(v.add_jwks_file(&file).unwrap(), 1);
    v.verify_sync(&mint(&access_claims()), now()).unwrap();
    match v.add_jwks_file(dir.join("missing.json")) {
        Err(e @ JwtError::JwksFile { .. }) => {
            assert!(e.to_string().contains("missing.json"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(&file, b"{\"keys\": 1}").unwrap();
    assert!(matches!(
        v.add_jwks_file(&file),
        Err(JwtError::JwksInvalid { .. })
    ));
    // The keys loaded before stay.
    v.verify_sync(&mint(&access_claims()), now()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without the `fetch` feature there is no HTTP client: `verify` of a token whose keys are
/// not loaded says how to load them.
#[cfg(not(feature = "fetch"))]
#[tokio::test]
async fn without_the_fetch_feature_keys_are_loaded_not_fetched() {
    let v = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    let err = v.verify(&mint(&access_claims()), now()).await.unwrap_err();
    assert!(matches!(
        err,
        JwtError::JwksFetch(cognito_jwt::JwksFetchError::NoFetcher)
    ));
    assert!(err.to_string().contains("add_jwks"), "{err}");
    v.add_jwks(&jwks_a()).unwrap();
    v.verify(&mint(&access_claims()), now()).await.unwrap();
}
