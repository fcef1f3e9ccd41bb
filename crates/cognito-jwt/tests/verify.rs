#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! JWT verification: negative cases (each with its own error variant), positive cases for both
//! token kinds and issuer forms, key rotation with the penalty box, single-flight fetching,
//! TTL, the hyper fetcher against a loopback server, and a no-panic property test.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use bytes::Bytes;
use cognito_jwt::BoxFuture;
use cognito_jwt::{
    BuildError, CognitoJwtVerifier, HttpJwksFetcher, JwksFetchError, JwksFetcher, JwtError,
    Segment, TokenUse,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::sha2::{Digest, Sha256, Sha512};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{Value, json};
use time::OffsetDateTime;

const POOL: &str = "eu-west-1_TestPool1";
const CLIENT: &str = "client-abc";
const T0: i64 = 1_700_000_000;

fn iss() -> String {
    format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}")
}
fn iss_updated() -> String {
    format!("https://issuer-cognito-idp.eu-west-1.amazonaws.com/{POOL}")
}
fn jwks_uri() -> String {
    format!("{}/.well-known/jwks.json", iss())
}
fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(T0 + secs).unwrap()
}
fn now() -> OffsetDateTime {
    at(0)
}

// ---------------------------------------------------------------------------------------------
// Keys and token minting (RS256 = RSASSA-PKCS1-v1_5 with SHA-256), generated once per binary.

struct Keys {
    a: RsaPrivateKey,
    b: RsaPrivateKey,
    c: RsaPrivateKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x5EED_2048);
        Keys {
            a: RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            b: RsaPrivateKey::new(&mut rng, 2048).unwrap(),
            c: RsaPrivateKey::new(&mut rng, 2048).unwrap(),
        }
    })
}

fn jwk(key: &RsaPrivateKey, kid: &str) -> Value {
    json!({
        "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
        "n": B64.encode(key.n().to_bytes_be()),
        "e": B64.encode(key.e().to_bytes_be()),
    })
}

fn jwks_of(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).unwrap()
}

fn jwks_a() -> Vec<u8> {
    jwks_of(&[jwk(&keys().a, "k1")])
}

fn b64json(v: &Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap())
}

fn sign_input(key: &RsaPrivateKey, input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    let sig = key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap();
    B64.encode(sig)
}

fn mint_with(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64json(header), b64json(claims));
    let sig = sign_input(key, &input);
    format!("{input}.{sig}")
}

fn header(kid: &str) -> Value {
    json!({ "kid": kid, "alg": "RS256" })
}

fn mint(claims: &Value) -> String {
    mint_with(&keys().a, &header("k1"), claims)
}

fn access_claims() -> Value {
    json!({
        "sub": "0b5c6f8e-user", "iss": iss(), "token_use": "access", "client_id": CLIENT,
        "scope": "aws.cognito.signin.user.admin orders/read", "username": "alice",
        "cognito:groups": ["admin", "dev"], "auth_time": T0 - 10, "iat": T0 - 10,
        "exp": T0 + 3590, "jti": "jti-1", "origin_jti": "origin-1", "event_id": "ev-1",
        "device_key": "eu-west-1_dev", "version": 2,
    })
}

fn id_claims() -> Value {
    json!({
        "sub": "0b5c6f8e-user", "iss": iss(), "token_use": "id", "aud": CLIENT,
        "cognito:username": "alice", "email": "alice@example.com", "email_verified": true,
        "custom:tenant": "t-42", "auth_time": T0 - 10, "iat": T0 - 10, "exp": T0 + 3590,
        "jti": "jti-2", "origin_jti": "origin-1", "event_id": "ev-1",
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

// ---------------------------------------------------------------------------------------------
// A counting test fetcher (the seam, not the thing under test).

#[derive(Default)]
struct TestFetcher {
    /// `Ok(body)` or `Err(status)`.
    reply: Mutex<Option<Result<Vec<u8>, u16>>>,
    count: AtomicUsize,
    uris: Mutex<Vec<String>>,
    delay: Option<Duration>,
}

impl TestFetcher {
    fn serving(body: Vec<u8>) -> Arc<Self> {
        Arc::new(Self {
            reply: Mutex::new(Some(Ok(body))),
            ..Self::default()
        })
    }
    fn slow(body: Vec<u8>, delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            reply: Mutex::new(Some(Ok(body))),
            delay: Some(delay),
            ..Self::default()
        })
    }
    fn set(&self, reply: Result<Vec<u8>, u16>) {
        *self.reply.lock().unwrap() = Some(reply);
    }
    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl JwksFetcher for TestFetcher {
    fn fetch<'a>(&'a self, uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>> {
        Box::pin(async move {
            self.count.fetch_add(1, Ordering::SeqCst);
            self.uris.lock().unwrap().push(uri.to_owned());
            if let Some(d) = self.delay {
                tokio::time::sleep(d).await;
            }
            match self.reply.lock().unwrap().clone() {
                Some(Ok(body)) => Ok(Bytes::from(body)),
                Some(Err(status)) => Err(JwksFetchError::Status { status }),
                None => Err(JwksFetchError::Status { status: 404 }),
            }
        })
    }
}

fn builder(fetcher: Arc<TestFetcher>) -> cognito_jwt::CognitoJwtVerifierBuilder {
    CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .fetcher(fetcher)
}

/// A verifier for `token_use` with key A (`k1`) pre-loaded; fetches would serve the same.
fn loaded(token_use: TokenUse) -> CognitoJwtVerifier {
    let v = builder(TestFetcher::serving(jwks_a()))
        .token_use(token_use)
        .build()
        .unwrap();
    assert_eq!(v.add_jwks(&jwks_a()).unwrap(), 1);
    v
}

fn reject(token: &str) -> JwtError {
    reject_with(&loaded(TokenUse::Access), token)
}

fn reject_with(v: &CognitoJwtVerifier, token: &str) -> JwtError {
    let err = v
        .verify_sync(token, now())
        .expect_err("token must be rejected");
    let msg = err.to_string();
    assert!(
        token.len() < 8 || !msg.contains(token),
        "error message must not contain the token"
    );
    err
}

// ---------------------------------------------------------------------------------------------
// Positive cases.

#[test]
fn valid_access_token() {
    let v = loaded(TokenUse::Access);
    let c = v.verify_sync(&mint(&access_claims()), now()).unwrap();
    assert_eq!(c.sub, "0b5c6f8e-user");
    assert_eq!(c.iss, iss());
    assert_eq!(c.token_use, TokenUse::Access);
    assert_eq!(c.client_id.as_deref(), Some(CLIENT));
    assert_eq!(c.username.as_deref(), Some("alice"));
    assert_eq!(c.user_name(), Some("alice"));
    assert_eq!(
        c.scopes().collect::<Vec<_>>(),
        ["aws.cognito.signin.user.admin", "orders/read"]
    );
    assert_eq!(c.groups, ["admin", "dev"]);
    assert!(c.in_group("dev"));
    assert_eq!(c.exp, at(3590));
    assert_eq!(c.iat, at(-10));
    assert_eq!(c.auth_time, Some(at(-10)));
    assert_eq!(c.nbf, None);
    assert_eq!(c.jti.as_deref(), Some("jti-1"));
    assert_eq!(c.origin_jti.as_deref(), Some("origin-1"));
    assert_eq!(c.event_id.as_deref(), Some("ev-1"));
    assert_eq!(c.device_key.as_deref(), Some("eu-west-1_dev"));
    assert_eq!(c.get("version"), Some(&json!(2)));
    assert_eq!(c.raw().len(), access_claims().as_object().unwrap().len());
}

#[test]
fn valid_id_token() {
    let v = loaded(TokenUse::Id);
    let c = v.verify_sync(&mint(&id_claims()), now()).unwrap();
    assert_eq!(c.token_use, TokenUse::Id);
    assert_eq!(c.aud, [CLIENT]);
    assert_eq!(c.cognito_username.as_deref(), Some("alice"));
    assert_eq!(c.user_name(), Some("alice"));
    assert_eq!(c.email.as_deref(), Some("alice@example.com"));
    assert_eq!(c.get("email_verified"), Some(&json!(true)));
    assert_eq!(c.get("custom:tenant"), Some(&json!("t-42")));
    let parsed: Value = serde_json::from_slice(c.payload_json()).unwrap();
    assert_eq!(parsed, id_claims());
}

#[test]
fn any_token_use_accepts_both_kinds() {
    let v = loaded(TokenUse::Any);
    assert!(v.verify_sync(&mint(&id_claims()), now()).is_ok());
    assert!(v.verify_sync(&mint(&access_claims()), now()).is_ok());
}

#[test]
fn several_client_ids_and_aud_array() {
    let v = CognitoJwtVerifier::builder(POOL)
        .client_ids(["other", CLIENT])
        .token_use(TokenUse::Any)
        .fetcher(TestFetcher::serving(jwks_a()))
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    assert!(v.verify_sync(&mint(&access_claims()), now()).is_ok());
    let id = with(id_claims(), "aud", json!(["x", CLIENT]));
    assert_eq!(v.verify_sync(&mint(&id), now()).unwrap().aud, ["x", CLIENT]);
}

#[test]
fn any_client_id_skips_the_check() {
    let v = CognitoJwtVerifier::builder(POOL)
        .any_client_id()
        .token_use(TokenUse::Access)
        .fetcher(TestFetcher::serving(jwks_a()))
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    let claims = with(access_claims(), "client_id", json!("whoever"));
    assert!(v.verify_sync(&mint(&claims), now()).is_ok());
}

#[test]
fn leeway_accepts_slightly_expired_and_early_tokens() {
    let claims = with(access_claims(), "exp", json!(T0 - 5));
    assert!(matches!(reject(&mint(&claims)), JwtError::Expired { exp } if exp == at(-5)));
    let v = builder(TestFetcher::serving(jwks_a()))
        .token_use(TokenUse::Access)
        .leeway(Duration::from_secs(10))
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    assert!(v.verify_sync(&mint(&claims), now()).is_ok());
    // exp + leeway is the first rejected instant.
    assert!(v.verify_sync(&mint(&claims), at(4)).is_ok());
    assert!(matches!(
        v.verify_sync(&mint(&claims), at(5)),
        Err(JwtError::Expired { .. })
    ));
    let early = with(access_claims(), "nbf", json!(T0 + 8));
    assert!(v.verify_sync(&mint(&early), now()).is_ok());
    // Fractional NumericDates are accepted (truncated).
    let frac = with(access_claims(), "exp", json!((T0 + 100) as f64 + 0.5));
    assert_eq!(v.verify_sync(&mint(&frac), now()).unwrap().exp, at(100));
}

#[test]
fn small_future_iat_is_tolerated() {
    let claims = with(access_claims(), "iat", json!(T0 + 30));
    assert!(
        loaded(TokenUse::Access)
            .verify_sync(&mint(&claims), now())
            .is_ok()
    );
}

#[test]
fn group_and_scope_checks_pass() {
    let v = builder(TestFetcher::serving(jwks_a()))
        .token_use(TokenUse::Access)
        .groups(["nobody", "dev"])
        .scopes(["orders/write", "orders/read"])
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    assert!(v.verify_sync(&mint(&access_claims()), now()).is_ok());
}

#[tokio::test]
async fn updated_issuer_format_uses_its_own_jwks() {
    let fetcher = TestFetcher::serving(jwks_a());
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    assert_eq!(
        v.jwks_uris().collect::<Vec<_>>(),
        [
            jwks_uri(),
            format!("{}/.well-known/jwks.json", iss_updated())
        ]
    );
    let claims = with(access_claims(), "iss", json!(iss_updated()));
    let c = v.verify(&mint(&claims), now()).await.unwrap();
    assert_eq!(c.iss, iss_updated());
    assert_eq!(
        *fetcher.uris.lock().unwrap(),
        [format!("{}/.well-known/jwks.json", iss_updated())]
    );
    // The original form fetches its own JWKS.
    v.verify(&mint(&access_claims()), now()).await.unwrap();
    assert_eq!(fetcher.count(), 2);
    assert_eq!(fetcher.uris.lock().unwrap()[1], jwks_uri());
}

#[tokio::test]
async fn custom_issuer_like_the_local_emulator() {
    let fetcher = TestFetcher::serving(jwks_a());
    let issuer = format!("http://127.0.0.1:9229/{POOL}");
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .issuer(format!("{issuer}/"))
        .build()
        .unwrap();
    assert_eq!(v.issuers().collect::<Vec<_>>(), [issuer.as_str()]);
    let claims = with(access_claims(), "iss", json!(issuer));
    v.verify(&mint(&claims), now()).await.unwrap();
    assert_eq!(
        *fetcher.uris.lock().unwrap(),
        [format!("{issuer}/.well-known/jwks.json")]
    );
    // The Cognito issuers are no longer accepted.
    assert!(matches!(
        v.verify(&mint(&access_claims()), now()).await,
        Err(JwtError::IssuerMismatch)
    ));
}

#[tokio::test]
async fn configured_jwks_uri_is_shared_by_all_issuers() {
    let fetcher = TestFetcher::serving(jwks_a());
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .jwks_uri("http://127.0.0.1:1/keys")
        .build()
        .unwrap();
    v.hydrate(now()).await.unwrap();
    let updated = with(access_claims(), "iss", json!(iss_updated()));
    v.verify_sync(&mint(&updated), now()).unwrap();
    v.verify_sync(&mint(&access_claims()), now()).unwrap();
    assert_eq!(*fetcher.uris.lock().unwrap(), ["http://127.0.0.1:1/keys"]);
}

#[tokio::test]
async fn hydrate_then_verify_sync() {
    let fetcher = TestFetcher::serving(jwks_a());
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    assert!(matches!(
        v.verify_sync(&mint(&access_claims()), now()),
        Err(JwtError::JwksNotLoaded)
    ));
    v.hydrate(now()).await.unwrap();
    assert_eq!(fetcher.count(), 2, "one JWKS per issuer form");
    for _ in 0..10 {
        v.verify_sync(&mint(&access_claims()), now()).unwrap();
    }
    // Clones share the cache.
    let clone = v.clone();
    clone.verify(&mint(&access_claims()), now()).await.unwrap();
    assert_eq!(fetcher.count(), 2);
}

#[tokio::test]
async fn key_rotation_penalty_box_and_refetch() {
    let fetcher = TestFetcher::serving(jwks_a());
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .penalty_box(Duration::from_secs(10))
        .build()
        .unwrap();
    // First use fetches.
    v.verify(&mint(&access_claims()), now()).await.unwrap();
    assert_eq!(fetcher.count(), 1);
    // Cached afterwards.
    v.verify(&mint(&access_claims()), at(1)).await.unwrap();
    assert_eq!(fetcher.count(), 1);

    // Rotation: the pool now signs with k2, published next to k1.
    fetcher.set(Ok(jwks_of(&[jwk(&keys().a, "k1"), jwk(&keys().b, "k2")])));
    let rotated = mint_with(&keys().b, &header("k2"), &access_claims());
    // Within the penalty window of the first fetch: rejected without fetching.
    assert!(matches!(
        v.verify(&rotated, at(5)).await,
        Err(JwtError::KidNotFound)
    ));
    assert_eq!(fetcher.count(), 1);
    // After the window: the unknown kid triggers a refetch that picks k2 up.
    let c = v.verify(&rotated, at(11)).await.unwrap();
    assert_eq!(c.sub, "0b5c6f8e-user");
    assert_eq!(fetcher.count(), 2);
    // Both keys verify synchronously now, without fetching.
    v.verify_sync(&rotated, at(12)).unwrap();
    v.verify_sync(&mint(&access_claims()), at(12)).unwrap();

    // Another rotation right after: the penalty box holds (no second fetch in the window).
    fetcher.set(Ok(jwks_of(&[jwk(&keys().b, "k2"), jwk(&keys().c, "k3")])));
    let third = mint_with(&keys().c, &header("k3"), &access_claims());
    assert!(matches!(
        v.verify(&third, at(15)).await,
        Err(JwtError::KidNotFound)
    ));
    assert_eq!(fetcher.count(), 2);
    // After the window it refetches; k1 was removed from the JWKS and is gone too.
    v.verify(&third, at(22)).await.unwrap();
    assert_eq!(fetcher.count(), 3);
    assert!(matches!(
        v.verify_sync(&mint(&access_claims()), at(23)),
        Err(JwtError::KidNotFound)
    ));
}

#[tokio::test]
async fn unknown_kid_after_refetch_is_kid_not_found_and_boxed() {
    let fetcher = TestFetcher::serving(jwks_a());
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    let stranger = mint_with(&keys().b, &header("nope"), &access_claims());
    assert!(matches!(
        v.verify(&stranger, now()).await,
        Err(JwtError::KidNotFound)
    ));
    assert_eq!(fetcher.count(), 1);
    for s in 1..10 {
        assert!(matches!(
            v.verify(&stranger, at(s)).await,
            Err(JwtError::KidNotFound)
        ));
    }
    assert_eq!(fetcher.count(), 1, "penalty box: no refetch within 10 s");
    // Known kids are unaffected by the penalty box.
    v.verify(&mint(&access_claims()), at(3)).await.unwrap();
    assert!(v.verify(&stranger, at(10)).await.is_err());
    assert_eq!(fetcher.count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unknown_kid_single_flight() {
    let fetcher = TestFetcher::slow(
        jwks_of(&[jwk(&keys().a, "k1"), jwk(&keys().b, "k2")]),
        Duration::from_millis(100),
    );
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    let rotated = Arc::new(mint_with(&keys().b, &header("k2"), &access_claims()));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (v, t) = (v.clone(), rotated.clone());
        tasks.spawn(async move { v.verify(&t, now()).await });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(fetcher.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_use_single_flight() {
    let fetcher = TestFetcher::slow(jwks_a(), Duration::from_millis(100));
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    let token = Arc::new(mint(&access_claims()));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (v, t) = (v.clone(), token.clone());
        tasks.spawn(async move { v.verify(&t, now()).await });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(fetcher.count(), 1);
}

#[tokio::test]
async fn ttl_refetches_stale_keys() {
    let fetcher = TestFetcher::serving(jwks_a());
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .jwks_ttl(Some(Duration::from_secs(60)))
        .build()
        .unwrap();
    v.verify(&mint(&access_claims()), now()).await.unwrap();
    v.verify(&mint(&access_claims()), at(59)).await.unwrap();
    assert_eq!(fetcher.count(), 1);
    // Stale: the sync path refuses, the async path refetches.
    assert!(matches!(
        v.verify_sync(&mint(&access_claims()), at(60)),
        Err(JwtError::JwksExpired)
    ));
    v.verify(&mint(&access_claims()), at(60)).await.unwrap();
    assert_eq!(fetcher.count(), 2);
    v.verify_sync(&mint(&access_claims()), at(61)).unwrap();
}

#[tokio::test]
async fn failed_fetch_is_penalized_then_retried() {
    let fetcher = TestFetcher::serving(jwks_a());
    fetcher.set(Err(503));
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    let token = mint(&access_claims());
    assert!(matches!(
        v.verify(&token, now()).await,
        Err(JwtError::JwksFetch(JwksFetchError::Status { status: 503 }))
    ));
    // Within the window: the same error, no new request.
    assert!(matches!(
        v.verify(&token, at(3)).await,
        Err(JwtError::JwksFetch(JwksFetchError::Status { status: 503 }))
    ));
    assert_eq!(fetcher.count(), 1);
    fetcher.set(Ok(jwks_a()));
    v.verify(&token, at(10)).await.unwrap();
    assert_eq!(fetcher.count(), 2);
}

#[test]
fn verifier_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_sync<T: Send + Sync + Clone>() {}
    assert_sync::<CognitoJwtVerifier>();
    let v = loaded(TokenUse::Access);
    let token = mint(&access_claims());
    let fut = v.verify(&token, now());
    assert_send(&fut);
    let hydrate = v.hydrate(now());
    assert_send(&hydrate);
}

// ---------------------------------------------------------------------------------------------
// Builder errors.

#[test]
fn builder_requires_explicit_choices() {
    let f = TestFetcher::serving(jwks_a());
    let r = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .fetcher(f.clone())
        .build();
    assert!(matches!(r, Err(BuildError::MissingTokenUse)));
    let r = CognitoJwtVerifier::builder(POOL)
        .token_use(TokenUse::Id)
        .fetcher(f.clone())
        .build();
    assert!(matches!(r, Err(BuildError::MissingClientId)));
    for bad in [
        "",
        "nounderscore",
        "_abc",
        "eu-west-1_",
        "eu-west-1_a/b",
        "EU_x",
    ] {
        let r = CognitoJwtVerifier::builder(bad)
            .any_client_id()
            .token_use(TokenUse::Id)
            .fetcher(f.clone())
            .build();
        assert!(matches!(r, Err(BuildError::InvalidPoolId(_))), "{bad}");
    }
    let r = CognitoJwtVerifier::builder(POOL)
        .any_client_id()
        .token_use(TokenUse::Id)
        .issuers(Vec::<String>::new())
        .fetcher(f)
        .build();
    assert!(matches!(r, Err(BuildError::EmptyIssuer)));
}

#[test]
fn china_regions_use_their_domain() {
    let v = CognitoJwtVerifier::builder("cn-north-1_Abc")
        .any_client_id()
        .token_use(TokenUse::Id)
        .fetcher(TestFetcher::serving(jwks_a()))
        .build()
        .unwrap();
    assert_eq!(
        v.issuers().next(),
        Some("https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Abc")
    );
}

#[test]
fn every_partition_uses_its_dns_suffix() {
    for (pool, suffix) in [
        ("us-east-1_Abc", "amazonaws.com"),
        ("cn-northwest-1_Abc", "amazonaws.com.cn"),
        ("us-gov-west-1_Abc", "amazonaws.com"),
        ("us-iso-east-1_Abc", "c2s.ic.gov"),
        ("us-isob-east-1_Abc", "sc2s.sgov.gov"),
        ("eu-isoe-west-1_Abc", "cloud.adc-e.uk"),
        ("eusc-de-east-1_Abc", "amazonaws.eu"),
    ] {
        let v = CognitoJwtVerifier::builder(pool)
            .any_client_id()
            .token_use(TokenUse::Id)
            .fetcher(TestFetcher::serving(jwks_a()))
            .build()
            .unwrap();
        let region = pool.split_once('_').unwrap().0;
        let issuers: Vec<&str> = v.issuers().collect();
        assert_eq!(
            issuers,
            [
                format!("https://cognito-idp.{region}.{suffix}/{pool}"),
                format!("https://issuer-cognito-idp.{region}.{suffix}/{pool}"),
            ],
            "{pool}"
        );
        let jwks: Vec<&str> = v.jwks_uris().collect();
        assert_eq!(
            jwks,
            [
                format!("https://cognito-idp.{region}.{suffix}/{pool}/.well-known/jwks.json"),
                format!(
                    "https://issuer-cognito-idp.{region}.{suffix}/{pool}/.well-known/jwks.json"
                ),
            ],
            "{pool}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Negative cases: each rejected with its own variant.

#[test]
fn reject_alg_none() {
    let input = format!(
        "{}.{}",
        b64json(&json!({"alg": "none", "kid": "k1"})),
        b64json(&access_claims())
    );
    for token in [format!("{input}."), format!("{input}.AAAA")] {
        assert!(matches!(reject(&token), JwtError::UnsupportedAlg { alg } if alg == "none"));
    }
}

#[test]
fn reject_hs256_signed_with_the_public_key() {
    // The classic confusion attack: HMAC keyed with the RSA public key (as JWK JSON and as
    // the raw modulus), which a naive verifier would accept.
    let h = json!({"alg": "HS256", "kid": "k1"});
    let input = format!("{}.{}", b64json(&h), b64json(&access_claims()));
    let secrets = [
        serde_json::to_vec(&jwk(&keys().a, "k1")).unwrap(),
        keys().a.n().to_bytes_be(),
    ];
    for secret in secrets {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
        let tag = ring::hmac::sign(&key, input.as_bytes());
        let token = format!("{input}.{}", B64.encode(tag.as_ref()));
        assert!(matches!(reject(&token), JwtError::UnsupportedAlg { alg } if alg == "HS256"));
    }
}

#[test]
fn reject_rs512() {
    let h = json!({"alg": "RS512", "kid": "k1"});
    let input = format!("{}.{}", b64json(&h), b64json(&access_claims()));
    let digest = Sha512::digest(input.as_bytes());
    let sig = keys()
        .a
        .sign(Pkcs1v15Sign::new::<Sha512>(), &digest)
        .unwrap();
    let token = format!("{input}.{}", B64.encode(sig));
    assert!(matches!(reject(&token), JwtError::UnsupportedAlg { alg } if alg == "RS512"));
}

#[test]
fn reject_other_algs_and_truncate_them() {
    for alg in ["ES256", "PS256", "rs256", "RS256 "] {
        let t = mint_with(
            &keys().a,
            &json!({"alg": alg, "kid": "k1"}),
            &access_claims(),
        );
        assert!(matches!(reject(&t), JwtError::UnsupportedAlg { alg: a } if a == alg));
    }
    let long = "X".repeat(200);
    let t = mint_with(
        &keys().a,
        &json!({"alg": long, "kid": "k1"}),
        &access_claims(),
    );
    assert!(matches!(reject(&t), JwtError::UnsupportedAlg { alg } if alg.len() == 16));
}

#[test]
fn reject_missing_alg() {
    let t = mint_with(&keys().a, &json!({"kid": "k1"}), &access_claims());
    assert!(matches!(reject(&t), JwtError::MissingAlg));
}

#[test]
fn reject_missing_kid() {
    let t = mint_with(&keys().a, &json!({"alg": "RS256"}), &access_claims());
    assert!(matches!(reject(&t), JwtError::MissingKid));
}

#[test]
fn reject_critical_header() {
    let h = json!({"alg": "RS256", "kid": "k1", "crit": ["exp"]});
    assert!(matches!(
        reject(&mint_with(&keys().a, &h, &access_claims())),
        JwtError::UnsupportedCritical
    ));
}

#[test]
fn reject_unknown_kid_sync() {
    let t = mint_with(&keys().a, &header("k9"), &access_claims());
    assert!(matches!(reject(&t), JwtError::KidNotFound));
}

#[tokio::test]
async fn reject_unknown_kid_after_fetch() {
    let fetcher = TestFetcher::serving(jwks_a());
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    let t = mint_with(&keys().a, &header("k9"), &access_claims());
    assert!(matches!(
        v.verify(&t, now()).await,
        Err(JwtError::KidNotFound)
    ));
    assert_eq!(fetcher.count(), 1);
}

#[test]
fn reject_flipped_signature_byte() {
    let token = mint(&access_claims());
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut raw = B64.decode(sig).unwrap();
    raw[100] ^= 0x01;
    let t = format!("{input}.{}", B64.encode(&raw));
    assert!(matches!(reject(&t), JwtError::InvalidSignature));
    // A truncated and an oversized signature.
    let t = format!("{input}.{}", B64.encode(&raw[..255]));
    assert!(matches!(reject(&t), JwtError::InvalidSignature));
    let t = format!("{input}.{}", B64.encode(vec![7u8; 2000]));
    assert!(matches!(reject(&t), JwtError::InvalidSignature));
}

#[test]
fn reject_tampered_payload() {
    let token = mint(&access_claims());
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = b64json(&with(access_claims(), "username", json!("mallory")));
    assert!(matches!(
        reject(&parts.join(".")),
        JwtError::InvalidSignature
    ));
}

#[test]
fn reject_signature_by_another_key_with_the_same_kid() {
    let t = mint_with(&keys().c, &header("k1"), &access_claims());
    assert!(matches!(reject(&t), JwtError::InvalidSignature));
}

#[test]
fn reject_wrong_iss() {
    let c = with(
        access_claims(),
        "iss",
        json!("https://evil.example.com/eu-west-1_TestPool1"),
    );
    assert!(matches!(reject(&mint(&c)), JwtError::IssuerMismatch));
    let c = with(access_claims(), "iss", json!(format!("{}/", iss())));
    assert!(matches!(reject(&mint(&c)), JwtError::IssuerMismatch));
}

#[test]
fn reject_iss_of_another_pool() {
    let c = with(
        access_claims(),
        "iss",
        json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool"),
    );
    assert!(matches!(reject(&mint(&c)), JwtError::IssuerMismatch));
}

#[test]
fn reject_missing_iss() {
    let c = without(access_claims(), "iss");
    assert!(matches!(
        reject(&mint(&c)),
        JwtError::MissingClaim { claim: "iss" }
    ));
}

#[test]
fn reject_wrong_aud_on_id_token() {
    let v = loaded(TokenUse::Id);
    let c = with(id_claims(), "aud", json!("another-client"));
    assert!(matches!(
        reject_with(&v, &mint(&c)),
        JwtError::AudienceMismatch
    ));
    let c = without(id_claims(), "aud");
    assert!(matches!(
        reject_with(&v, &mint(&c)),
        JwtError::MissingClaim { claim: "aud" }
    ));
}

#[test]
fn reject_wrong_client_id_on_access_token() {
    let c = with(access_claims(), "client_id", json!("another-client"));
    assert!(matches!(reject(&mint(&c)), JwtError::ClientIdMismatch));
    // An access token's aud (if any) does not stand in for client_id.
    let c = with(without(access_claims(), "client_id"), "aud", json!(CLIENT));
    assert!(matches!(
        reject(&mint(&c)),
        JwtError::MissingClaim { claim: "client_id" }
    ));
}

#[test]
fn reject_access_token_when_id_expected() {
    let v = loaded(TokenUse::Id);
    assert!(matches!(
        reject_with(&v, &mint(&access_claims())),
        JwtError::TokenUseMismatch {
            expected: TokenUse::Id
        }
    ));
}

#[test]
fn reject_id_token_when_access_expected() {
    assert!(matches!(
        reject(&mint(&id_claims())),
        JwtError::TokenUseMismatch {
            expected: TokenUse::Access
        }
    ));
}

#[test]
fn reject_missing_or_unknown_token_use() {
    let c = without(access_claims(), "token_use");
    assert!(matches!(
        reject(&mint(&c)),
        JwtError::MissingClaim { claim: "token_use" }
    ));
    let v = loaded(TokenUse::Any);
    let c = with(access_claims(), "token_use", json!("refresh"));
    assert!(matches!(
        reject_with(&v, &mint(&c)),
        JwtError::TokenUseMismatch {
            expected: TokenUse::Any
        }
    ));
}

#[test]
fn reject_expired() {
    let c = with(access_claims(), "exp", json!(T0 - 1));
    assert!(matches!(reject(&mint(&c)), JwtError::Expired { exp } if exp == at(-1)));
    // exp == now is already expired.
    let c = with(access_claims(), "exp", json!(T0));
    assert!(matches!(reject(&mint(&c)), JwtError::Expired { .. }));
}

#[test]
fn reject_missing_exp_and_iat() {
    assert!(matches!(
        reject(&mint(&without(access_claims(), "exp"))),
        JwtError::MissingClaim { claim: "exp" }
    ));
    assert!(matches!(
        reject(&mint(&without(access_claims(), "iat"))),
        JwtError::MissingClaim { claim: "iat" }
    ));
    assert!(matches!(
        reject(&mint(&without(access_claims(), "sub"))),
        JwtError::MissingClaim { claim: "sub" }
    ));
}

#[test]
fn reject_not_yet_valid() {
    let c = with(access_claims(), "nbf", json!(T0 + 60));
    assert!(matches!(reject(&mint(&c)), JwtError::NotYetValid { nbf } if nbf == at(60)));
}

#[test]
fn reject_issued_in_the_future() {
    let c = with(access_claims(), "iat", json!(T0 + 3600));
    assert!(matches!(reject(&mint(&c)), JwtError::IssuedInFuture { iat } if iat == at(3600)));
}

#[test]
fn reject_out_of_range_timestamp() {
    let c = with(access_claims(), "exp", json!(i64::MAX / 2));
    assert!(matches!(
        reject(&mint(&c)),
        JwtError::InvalidClaim { claim: "exp" }
    ));
}

#[test]
fn reject_two_segments() {
    let token = mint(&access_claims());
    let (input, _) = token.rsplit_once('.').unwrap();
    assert!(matches!(reject(input), JwtError::SegmentCount { found: 2 }));
}

#[test]
fn reject_four_segments() {
    let token = format!("{}.AAAA", mint(&access_claims()));
    assert!(matches!(
        reject(&token),
        JwtError::SegmentCount { found: 4 }
    ));
    assert!(matches!(reject(""), JwtError::SegmentCount { found: 1 }));
}

#[test]
fn reject_empty_segments() {
    let token = mint(&access_claims());
    let parts: Vec<&str> = token.split('.').collect();
    assert!(matches!(
        reject(".."),
        JwtError::EmptySegment(Segment::Header)
    ));
    assert!(matches!(
        reject(&format!(".{}.{}", parts[1], parts[2])),
        JwtError::EmptySegment(Segment::Header)
    ));
    assert!(matches!(
        reject(&format!("{}..{}", parts[0], parts[2])),
        JwtError::EmptySegment(Segment::Payload)
    ));
    assert!(matches!(
        reject(&format!("{}.{}.", parts[0], parts[1])),
        JwtError::EmptySegment(Segment::Signature)
    ));
}

#[test]
fn reject_bad_base64_header() {
    let token = mint(&access_claims());
    let parts: Vec<&str> = token.split('.').collect();
    for bad in ["e!J", "eyJ=", "eyJ+", "A"] {
        let t = format!("{bad}.{}.{}", parts[1], parts[2]);
        assert!(
            matches!(reject(&t), JwtError::Base64(Segment::Header)),
            "{bad}"
        );
    }
    // Padded base64url is not accepted either.
    let padded = format!("{}==", B64.encode(br#"{"alg":"RS256","kid":"k1"}"#));
    let t = format!("{padded}.{}.{}", parts[1], parts[2]);
    assert!(matches!(reject(&t), JwtError::Base64(Segment::Header)));
}

#[test]
fn reject_bad_base64_payload() {
    let token = mint(&access_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let t = format!("{}.{}*.{}", parts[0], parts[1], parts[2]);
    assert!(matches!(reject(&t), JwtError::Base64(Segment::Payload)));
}

#[test]
fn reject_bad_base64_signature() {
    let token = mint(&access_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let t = format!("{}.{}.{}/", parts[0], parts[1], parts[2]);
    assert!(matches!(reject(&t), JwtError::Base64(Segment::Signature)));
    // Non-canonical trailing bits.
    let t = format!("{}.{}.AB", parts[0], parts[1]);
    assert!(matches!(reject(&t), JwtError::Base64(Segment::Signature)));
}

#[test]
fn reject_header_not_json() {
    let token = mint(&access_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let t = format!("{}.{}.{}", B64.encode("hello"), parts[1], parts[2]);
    assert!(matches!(
        reject(&t),
        JwtError::NotJsonObject(Segment::Header)
    ));
    let t = format!(
        "{}.{}.{}",
        B64.encode(r#"{"alg":"RS256","#),
        parts[1],
        parts[2]
    );
    assert!(matches!(reject(&t), JwtError::Json(Segment::Header)));
    // A duplicated alg is ambiguous: rejected.
    let dup = B64.encode(r#"{"alg":"none","alg":"RS256","kid":"k1"}"#);
    let t = format!("{dup}.{}.{}", parts[1], parts[2]);
    assert!(matches!(reject(&t), JwtError::Json(Segment::Header)));
}

#[test]
fn reject_header_too_large() {
    let h = json!({"alg": "RS256", "kid": "k1", "pad": "x".repeat(2000)});
    let t = mint_with(&keys().a, &h, &access_claims());
    assert!(matches!(reject(&t), JwtError::HeaderTooLarge));
}

#[test]
fn reject_payload_not_json() {
    let h = b64json(&header("k1"));
    for (payload, expect_object_error) in [("not json", true), (r#"{"sub": "x""#, false)] {
        let input = format!("{h}.{}", B64.encode(payload));
        let t = format!("{input}.{}", sign_input(&keys().a, &input));
        let err = reject(&t);
        if expect_object_error {
            assert!(matches!(err, JwtError::NotJsonObject(Segment::Payload)));
        } else {
            assert!(matches!(err, JwtError::Json(Segment::Payload)));
        }
    }
}

#[test]
fn reject_payload_json_array() {
    let t = mint(&json!([access_claims()]));
    assert!(matches!(
        reject(&t),
        JwtError::NotJsonObject(Segment::Payload)
    ));
}

#[test]
fn reject_claims_of_the_wrong_type_or_duplicated() {
    let t = mint(&with(access_claims(), "exp", json!("tomorrow")));
    assert!(matches!(reject(&t), JwtError::Json(Segment::Payload)));
    let t = mint(&with(access_claims(), "cognito:groups", json!("admin")));
    assert!(matches!(reject(&t), JwtError::Json(Segment::Payload)));
    // Two `client_id` members: a parser taking the first and one taking the last disagree.
    let h = b64json(&header("k1"));
    let body = serde_json::to_string(&access_claims()).unwrap();
    let dup = body.replacen('{', r#"{"client_id":"evil","#, 1);
    let input = format!("{h}.{}", B64.encode(dup));
    let t = format!("{input}.{}", sign_input(&keys().a, &input));
    assert!(matches!(reject(&t), JwtError::Json(Segment::Payload)));
}

#[test]
fn reject_oversized_token() {
    let c = with(access_claims(), "pad", json!("x".repeat(20_000)));
    let t = mint(&c);
    assert!(matches!(reject(&t), JwtError::TooLarge { len, max: 16384 } if len == t.len()));
    // Checked before anything else: even garbage of that size is TooLarge.
    assert!(matches!(
        reject(&"a".repeat(16 * 1024 + 1)),
        JwtError::TooLarge { .. }
    ));
}

#[test]
fn reject_group_not_allowed() {
    let v = builder(TestFetcher::serving(jwks_a()))
        .token_use(TokenUse::Access)
        .groups(["finance"])
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    assert!(matches!(
        reject_with(&v, &mint(&access_claims())),
        JwtError::GroupNotAllowed
    ));
    let c = without(access_claims(), "cognito:groups");
    assert!(matches!(
        reject_with(&v, &mint(&c)),
        JwtError::GroupNotAllowed
    ));
}

#[test]
fn reject_scope_missing() {
    let v = builder(TestFetcher::serving(jwks_a()))
        .token_use(TokenUse::Access)
        .scopes(["orders/write"])
        .build()
        .unwrap();
    v.add_jwks(&jwks_a()).unwrap();
    assert!(matches!(
        reject_with(&v, &mint(&access_claims())),
        JwtError::ScopeMissing
    ));
    // A scope is a whole word, not a substring.
    let c = with(access_claims(), "scope", json!("orders/writer"));
    assert!(matches!(reject_with(&v, &mint(&c)), JwtError::ScopeMissing));
}

#[test]
fn reject_jwk_that_is_not_an_rsa_signing_key() {
    let ec = json!({"kty": "EC", "kid": "k1", "crv": "P-256", "x": "AAAA", "y": "AAAA"});
    let mut enc = jwk(&keys().a, "k1");
    enc["use"] = json!("enc");
    let mut rs512 = jwk(&keys().a, "k1");
    rs512["alg"] = json!("RS512");
    let mut short = jwk(&keys().a, "k1");
    short["n"] = json!(B64.encode(&keys().a.n().to_bytes_be()[..128]));
    let mut no_e = jwk(&keys().a, "k1");
    no_e.as_object_mut().unwrap().remove("e");
    let mut even_e = jwk(&keys().a, "k1");
    even_e["e"] = json!("AQAA");
    for (bad, reason) in [
        (ec, "kty is not RSA"),
        (enc, "use is not sig"),
        (rs512, "alg is not RS256"),
        (short, "modulus is not 2048 to 8192 bits"),
        (no_e, "no exponent (e)"),
        (even_e, "exponent is not an odd number from 3 to 2^32-1"),
    ] {
        let v = builder(TestFetcher::serving(jwks_a()))
            .token_use(TokenUse::Access)
            .build()
            .unwrap();
        assert_eq!(v.add_jwks(&jwks_of(&[bad])).unwrap(), 0);
        let err = reject_with(&v, &mint(&access_claims()));
        assert!(
            matches!(err, JwtError::JwkInvalid { reason: r } if r == reason),
            "{err:?}"
        );
    }
}

#[test]
fn jwk_without_use_and_alg_and_with_padding_is_accepted() {
    let mut minimal = jwk(&keys().a, "k1");
    let obj = minimal.as_object_mut().unwrap();
    obj.remove("use");
    obj.remove("alg");
    obj["n"] = json!(format!(
        "{}=",
        B64.encode([&[0u8][..], &keys().a.n().to_bytes_be()].concat())
    ));
    let v = builder(TestFetcher::serving(jwks_a()))
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    assert_eq!(v.add_jwks(&jwks_of(&[minimal])).unwrap(), 1);
    v.verify_sync(&mint(&access_claims()), now()).unwrap();
}

#[test]
fn reject_invalid_jwks_documents() {
    let v = loaded(TokenUse::Access);
    for doc in [
        &b"garbage"[..],
        b"[]",
        b"{}",
        b"{\"keys\": {}}",
        b"{\"keys\": [{\"kty\": 1}]}",
        b"{\"keys\": [",
    ] {
        assert!(
            matches!(v.add_jwks(doc), Err(JwtError::JwksInvalid { .. })),
            "{}",
            String::from_utf8_lossy(doc)
        );
    }
    // The previous keys survive a rejected document.
    v.verify_sync(&mint(&access_claims()), now()).unwrap();
}

#[tokio::test]
async fn reject_when_the_jwks_fetch_fails() {
    let fetcher = TestFetcher::serving(jwks_a());
    fetcher.set(Err(500));
    let v = builder(fetcher.clone())
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    assert!(matches!(
        v.verify(&mint(&access_claims()), now()).await,
        Err(JwtError::JwksFetch(JwksFetchError::Status { status: 500 }))
    ));
    fetcher.set(Ok(b"<html>garbage</html>".to_vec()));
    assert!(matches!(
        v.verify(&mint(&access_claims()), at(20)).await,
        Err(JwtError::JwksInvalid { .. })
    ));
    assert!(matches!(
        v.hydrate(at(40)).await,
        Err(JwtError::JwksInvalid { .. })
    ));
}

#[test]
fn reject_verify_sync_before_hydration() {
    let v = builder(TestFetcher::serving(jwks_a()))
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    assert!(matches!(
        reject_with(&v, &mint(&access_claims())),
        JwtError::JwksNotLoaded
    ));
}

#[test]
fn claims_are_judged_only_after_the_signature() {
    // An expired token with a bad signature is a signature failure, not an expiry.
    let c = with(access_claims(), "exp", json!(T0 - 100));
    let t = mint_with(&keys().c, &header("k1"), &c);
    assert!(matches!(reject(&t), JwtError::InvalidSignature));
}

// ---------------------------------------------------------------------------------------------
// The default hyper fetcher against a loopback server.

struct JwksServer {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    reply: Arc<Mutex<(u16, Vec<u8>)>>,
}

async fn jwks_server(status: u16, body: Vec<u8>) -> JwksServer {
    use http_body_util::Full;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let reply = Arc::new(Mutex::new((status, body)));
    let (h, r) = (hits.clone(), reply.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (h, r) = (h.clone(), r.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let (h, r) = (h.clone(), r.clone());
                    async move {
                        h.fetch_add(1, Ordering::SeqCst);
                        let (status, body) = r.lock().unwrap().clone();
                        let body = if req.uri().path() == format!("/{POOL}/.well-known/jwks.json") {
                            body
                        } else {
                            b"not found".to_vec()
                        };
                        let mut resp = http::Response::new(Full::new(Bytes::from(body)));
                        *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    JwksServer { addr, hits, reply }
}

#[tokio::test]
async fn hyper_fetcher_against_a_loopback_server() {
    let server = jwks_server(200, jwks_a()).await;
    let issuer = format!("http://{}/{POOL}", server.addr);
    // The default fetcher (no .fetcher(..)).
    let v = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .token_use(TokenUse::Access)
        .issuer(issuer.clone())
        .build()
        .unwrap();
    let claims = with(access_claims(), "iss", json!(issuer));
    let c = v.verify(&mint(&claims), now()).await.unwrap();
    assert_eq!(c.iss, issuer);
    v.verify(&mint(&claims), at(1)).await.unwrap();
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);

    // Rotation through HTTP.
    *server.reply.lock().unwrap() = (200, jwks_of(&[jwk(&keys().b, "k2")]));
    let rotated = mint_with(&keys().b, &header("k2"), &claims);
    v.verify(&rotated, at(30)).await.unwrap();
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);

    // Server errors and garbage.
    *server.reply.lock().unwrap() = (500, b"oops".to_vec());
    let third = mint_with(&keys().c, &header("k3"), &claims);
    assert!(matches!(
        v.verify(&third, at(60)).await,
        Err(JwtError::JwksFetch(JwksFetchError::Status { status: 500 }))
    ));
    *server.reply.lock().unwrap() = (200, b"garbage".to_vec());
    assert!(matches!(
        v.verify(&third, at(90)).await,
        Err(JwtError::JwksInvalid { .. })
    ));
    assert_eq!(server.hits.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn hyper_fetcher_caps_the_body_and_reports_connect_failures() {
    let server = jwks_server(200, vec![b' '; 100_000]).await;
    let fetcher = HttpJwksFetcher::new().unwrap();
    let uri = format!("http://{}/{POOL}/.well-known/jwks.json", server.addr);
    assert!(matches!(
        fetcher.fetch(&uri).await,
        Err(JwksFetchError::TooLarge { limit: 65536 })
    ));
    // Nothing listens on this port (bound then dropped).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let uri = format!("http://127.0.0.1:{port}/x");
    assert!(matches!(
        fetcher.fetch(&uri).await,
        Err(JwksFetchError::Transport(_))
    ));
    assert!(matches!(
        fetcher.fetch("not a uri").await,
        Err(JwksFetchError::InvalidUri)
    ));
}

// ---------------------------------------------------------------------------------------------
// No panics on arbitrary input.

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn verifier() -> &'static CognitoJwtVerifier {
        static V: OnceLock<CognitoJwtVerifier> = OnceLock::new();
        V.get_or_init(|| loaded(TokenUse::Any))
    }

    fn valid_token() -> &'static str {
        static T: OnceLock<String> = OnceLock::new();
        T.get_or_init(|| mint(&access_claims()))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_strings(s in ".{0,300}") {
            let _ = verifier().verify_sync(&s, now());
        }

        #[test]
        fn arbitrary_dotted_base64(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,200}", c in "[A-Za-z0-9_-]{0,400}") {
            let _ = verifier().verify_sync(&format!("{a}.{b}.{c}"), now());
        }

        #[test]
        fn arbitrary_json_segments(h in proptest::collection::vec(any::<u8>(), 0..64), p in proptest::collection::vec(any::<u8>(), 0..256)) {
            let t = format!("{}.{}.{}", B64.encode(&h), B64.encode(&p), B64.encode([1u8; 256]));
            let _ = verifier().verify_sync(&t, now());
        }

        #[test]
        fn mutated_valid_token(pos in 0usize..2000, byte in any::<u8>()) {
            let mut t = valid_token().as_bytes().to_vec();
            let i = pos % t.len();
            prop_assume!(t[i] != byte);
            t[i] = byte;
            if let Ok(s) = std::str::from_utf8(&t) {
                prop_assert!(verifier().verify_sync(s, now()).is_err());
            }
        }

        #[test]
        fn arbitrary_jwks(doc in proptest::collection::vec(any::<u8>(), 0..512)) {
            let v = builder(TestFetcher::serving(jwks_a())).token_use(TokenUse::Any).build().unwrap();
            let _ = v.add_jwks(&doc);
        }
    }
}
