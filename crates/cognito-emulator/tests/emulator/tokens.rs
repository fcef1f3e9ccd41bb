use crate::common::*;
use base64::Engine;
use cognito_emulator::*;
use serde_json::json;

pub fn verify_rs256(jwt: &str, jwks: &serde_json::Value) -> bool {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = jwt.split('.');
    let (h, p, s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let header: serde_json::Value = serde_json::from_slice(&b64.decode(h).unwrap()).unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap();
    assert_eq!(header["alg"], "RS256");
    let n = b64.decode(key["n"].as_str().unwrap()).unwrap();
    let e = b64.decode(key["e"].as_str().unwrap()).unwrap();
    let public = ring::signature::RsaPublicKeyComponents { n: &n, e: &e };
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{h}.{p}").as_bytes(),
            &b64.decode(s).unwrap(),
        )
        .is_ok()
}

#[tokio::test]
async fn jwks_verifies_tokens_and_claims_are_cognito_shaped() {
    let env = env(false).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", "Passw0rd!").attribute("email", "alice@example.com"),
        )
        .unwrap();
    env.emu.add_to_group(&env.pool, "alice", "admins").unwrap();
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let t = tokens(&t);
    let jwks = env
        .get(&format!("/{}/.well-known/jwks.json", env.pool))
        .await;
    let access = t["AccessToken"].as_str().unwrap();
    let id = t["IdToken"].as_str().unwrap();
    assert!(verify_rs256(access, &jwks));
    assert!(verify_rs256(id, &jwks));
    // A tampered token does not verify.
    let mut bad = access.to_owned();
    bad.insert(bad.find('.').unwrap() + 3, 'x');
    assert!(!verify_rs256(&bad, &jwks));

    let iss = format!("{}/{}", env.emu.url(), env.pool);
    let a = claims(access);
    assert_eq!(a["iss"], iss);
    assert_eq!(a["token_use"], "access");
    assert_eq!(a["client_id"], env.cid());
    assert_eq!(a["username"], "alice");
    assert_eq!(a["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(a["cognito:groups"], json!(["admins"]));
    assert_eq!(a["iat"].as_i64().unwrap(), T0 as i64);
    assert_eq!(a["exp"].as_i64().unwrap(), T0 as i64 + 3600);
    let i = claims(id);
    assert_eq!(i["aud"], env.cid());
    assert_eq!(i["token_use"], "id");
    assert_eq!(i["cognito:username"], "alice");
    assert_eq!(i["email"], "alice@example.com");
    assert_eq!(i["email_verified"], true);
    assert_eq!(i["sub"], a["sub"]);
    assert_eq!(i["origin_jti"], a["origin_jti"]);
    assert_eq!(i["event_id"], a["event_id"]);
    assert_ne!(i["jti"], a["jti"]);
    assert_eq!(i["auth_time"], a["auth_time"]);

    let oidc = env
        .get(&format!("/{}/.well-known/openid-configuration", env.pool))
        .await;
    assert_eq!(oidc["issuer"], iss);
    assert_eq!(oidc["jwks_uri"], format!("{iss}/.well-known/jwks.json"));
    // Only what is served: no hosted-UI OAuth endpoints (the emulator has no domain).
    for unserved in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
    ] {
        assert!(oidc.get(unserved).is_none(), "{unserved} listed: {oidc}");
    }
    let jwks = env
        .get(&format!("/{}/.well-known/jwks.json", env.pool))
        .await;
    assert!(jwks["keys"][0]["kid"].is_string(), "{jwks}");
}

#[tokio::test]
async fn aws_issuer_option() {
    let config = EmulatorConfig::deterministic(T0, 1).issuer(IssuerMode::Aws);
    let env = env_config(PoolSpec::named("p"), ClientSpec::public("c"), config).await;
    env.user("alice", "Passw0rd!");
    let t = env.password_login("alice", "Passw0rd!").await.unwrap();
    let a = claims(tokens(&t)["AccessToken"].as_str().unwrap());
    assert_eq!(
        a["iss"],
        format!("https://cognito-idp.us-east-1.amazonaws.com/{}", env.pool)
    );
}

#[tokio::test]
async fn aws_issuer_uses_the_partitions_dns_suffix() {
    for (region, suffix) in [
        ("cn-north-1", "amazonaws.com.cn"),
        ("us-gov-west-1", "amazonaws.com"),
        ("us-iso-east-1", "c2s.ic.gov"),
    ] {
        let config = EmulatorConfig::deterministic(T0, 1).issuer(IssuerMode::Aws);
        let pool = PoolSpec::named("p").region(region.to_owned());
        let env = env_config(pool, ClientSpec::public("c"), config).await;
        assert!(env.pool.starts_with(&format!("{region}_")), "{}", env.pool);
        env.user("alice", "Passw0rd!");
        let t = env.password_login("alice", "Passw0rd!").await.unwrap();
        let a = claims(tokens(&t)["AccessToken"].as_str().unwrap());
        assert_eq!(
            a["iss"],
            format!("https://cognito-idp.{region}.{suffix}/{}", env.pool)
        );
    }
}

#[tokio::test]
async fn refresh_get_user_sign_out_and_revoke() {
    let env = env(true).await;
    env.user("alice", "Passw0rd!");
    let t = env.password_login("alice", "Passw0rd!").await.unwrap();
    let refresh = tokens(&t)["RefreshToken"].as_str().unwrap().to_owned();
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    let r = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh, "SECRET_HASH": env.hash("alice")}}),
        )
        .await
        .unwrap();
    assert!(tokens(&r)["AccessToken"].is_string());
    assert!(tokens(&r).get("RefreshToken").is_none());
    let u = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(u["Username"], "alice");
    // Expired access token.
    env.advance(3601);
    let e = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap_err();
    assert_eq!(e.message, "Access Token has expired");
    let new_access = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh, "SECRET_HASH": env.hash("alice")}}),
        )
        .await
        .unwrap();
    let new_access = tokens(&new_access)["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    env.call("GlobalSignOut", json!({"AccessToken": new_access}))
        .await
        .unwrap();
    let e = env
        .call("GetUser", json!({"AccessToken": new_access}))
        .await
        .unwrap_err();
    assert_eq!(e.message, "Access Token has been revoked");
    let e = env
        .call(
            "InitiateAuth",
            json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": env.cid(),
                   "AuthParameters": {"REFRESH_TOKEN": refresh, "SECRET_HASH": env.hash("alice")}}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.message, "Refresh Token has been revoked");

    // RevokeToken revokes the refresh token and its access tokens.
    let t = env.password_login("alice", "Passw0rd!").await.unwrap();
    let refresh = tokens(&t)["RefreshToken"].as_str().unwrap().to_owned();
    let access = tokens(&t)["AccessToken"].as_str().unwrap().to_owned();
    let e = env
        .call(
            "RevokeToken",
            json!({"ClientId": env.cid(), "Token": refresh}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    env.call(
        "RevokeToken",
        json!({"ClientId": env.cid(), "Token": refresh, "ClientSecret": env.client.client_secret}),
    )
    .await
    .unwrap();
    assert!(
        env.call("GetUser", json!({"AccessToken": access}))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn refresh_rotation_and_reuse() {
    let env = env_with(
        PoolSpec::named("p"),
        ClientSpec::public("c").refresh_token_rotation(Some(10)),
    )
    .await;
    env.user("alice", "Passw0rd!");
    let t = env.password_login("alice", "Passw0rd!").await.unwrap();
    let r1 = tokens(&t)["RefreshToken"].as_str().unwrap().to_owned();
    let g = env
        .call(
            "GetTokensFromRefreshToken",
            json!({"ClientId": env.cid(), "RefreshToken": r1}),
        )
        .await
        .unwrap();
    let r2 = tokens(&g)["RefreshToken"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    // Within the grace period the old one still works.
    env.advance(5);
    assert!(
        env.call(
            "GetTokensFromRefreshToken",
            json!({"ClientId": env.cid(), "RefreshToken": r1})
        )
        .await
        .is_ok()
    );
    env.advance(10);
    let e = env
        .call(
            "GetTokensFromRefreshToken",
            json!({"ClientId": env.cid(), "RefreshToken": r1}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "RefreshTokenReuseException");
    assert!(
        env.call(
            "GetTokensFromRefreshToken",
            json!({"ClientId": env.cid(), "RefreshToken": r2})
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn fixed_pool_ids_are_checked_like_cognito_wire_pool_ids() {
    let emu = Emulator::start(EmulatorConfig::deterministic(T0, 1))
        .await
        .unwrap();
    let with_id = |id: &str| PoolSpec::named("p").id(Some(id.to_owned()));
    assert_eq!(
        emu.create_pool(with_id("eu-west-1_Fixed1")).unwrap(),
        "eu-west-1_Fixed1"
    );
    for bad in ["EU_x", "eu-west-1_", "eu-west-1_a-b", "nounderscore"] {
        let err = emu.create_pool(with_id(bad)).unwrap_err().to_string();
        assert!(
            err.contains("failed to satisfy constraint") && err.contains(bad),
            "{bad}: {err}"
        );
    }
}
