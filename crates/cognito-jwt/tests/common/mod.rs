//! Keys, tokens and verifiers shared by the test binaries: RS256 tokens minted with the `rsa`
//! crate (an implementation independent of the ring code under test), from seeded keys.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use cognito_jwt::{
    BoxFuture, CognitoJwtVerifier, JwksFetchError, JwksFetcher, PoolConfig, TokenUse,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::sha2::{Digest, Sha256};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub const POOL: &str = "eu-west-1_TestPool1";
pub const POOL_B: &str = "us-east-1_OtherPool2";
pub const CLIENT: &str = "client-abc";
pub const T0: i64 = 1_700_000_000;

pub fn iss() -> String {
    format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}")
}
pub fn iss_b() -> String {
    format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL_B}")
}
pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0 + secs).unwrap()
}
pub fn now() -> OffsetDateTime {
    at(0)
}

pub struct Keys {
    pub a: RsaPrivateKey,
    pub b: RsaPrivateKey,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x00F0_4663);
        Keys {
            a: RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            b: RsaPrivateKey::new(&mut rng, 2048).unwrap(),
        }
    })
}

pub fn jwk(key: &RsaPrivateKey, kid: &str) -> Value {
    json!({
        "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
        "n": B64.encode(key.n().to_bytes_be()),
        "e": B64.encode(key.e().to_bytes_be()),
    })
}

pub fn jwks_of(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).unwrap()
}

/// Key A as `k1`.
pub fn jwks_a() -> Vec<u8> {
    jwks_of(&[jwk(&keys().a, "k1")])
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    B64.encode(bytes)
}

pub fn b64json(v: &Value) -> String {
    b64(serde_json::to_vec(v).unwrap())
}

/// The RS256 signature bytes of `input`.
pub fn sign_raw(key: &RsaPrivateKey, input: &[u8]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input))
        .unwrap()
}

/// A token from header and payload JSON texts (duplicate keys and odd JSON survive).
pub fn mint_text(key: &RsaPrivateKey, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = sign_raw(key, input.as_bytes());
    format!("{input}.{}", b64(sig))
}

pub fn mint_with(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
    mint_text(key, &header.to_string(), &claims.to_string())
}

pub fn header(kid: &str) -> Value {
    json!({ "kid": kid, "alg": "RS256" })
}

/// Signed with key A as `k1`.
pub fn mint(claims: &Value) -> String {
    mint_with(&keys().a, &header("k1"), claims)
}

pub fn access_claims() -> Value {
    json!({
        "sub": "0b5c6f8e-user", "iss": iss(), "token_use": "access", "client_id": CLIENT,
        "scope": "aws.cognito.signin.user.admin orders/read", "username": "alice",
        "cognito:groups": ["admin", "dev"], "auth_time": T0 - 10, "iat": T0 - 10,
        "exp": T0 + 3590, "jti": "jti-1", "origin_jti": "origin-1", "event_id": "ev-1",
    })
}

pub fn id_claims() -> Value {
    json!({
        "sub": "0b5c6f8e-user", "iss": iss(), "token_use": "id", "aud": CLIENT,
        "cognito:username": "alice", "email": "alice@example.com", "email_verified": true,
        "auth_time": T0 - 10, "iat": T0 - 10, "exp": T0 + 3590, "jti": "jti-2",
    })
}

pub fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

pub fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

/// A fetcher that never leaves the process: every fetch is a 404 (tests must not reach AWS).
#[derive(Debug)]
pub struct Offline;

impl JwksFetcher for Offline {
    fn fetch<'a>(&'a self, _uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>> {
        Box::pin(async { Err(JwksFetchError::Status { status: 404 }) })
    }
}

/// A verifier of `POOL` for `token_use`, key A (`k1`) loaded, fetches answered 404.
pub fn loaded(token_use: TokenUse) -> CognitoJwtVerifier {
    let v = CognitoJwtVerifier::builder_for(
        PoolConfig::new(POOL).client_id(CLIENT).token_use(token_use),
    )
    .fetcher(Arc::new(Offline))
    .build()
    .unwrap();
    assert_eq!(v.add_jwks(&jwks_a()).unwrap(), 1);
    v
}
