//! JWT verification throughput against the floor: ring's raw RSA PKCS#1 v1.5 SHA-256 verification
//! of the same signature with the same key, measured in the same run.
//! `cargo bench -p cognito-auth --bench jwt`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use cognito_jwt::{CognitoJwtVerifier, TokenUse};
use criterion::{Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::sha2::{Digest, Sha256};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use std::hint::black_box;

const POOL: &str = "us-east-1_Bench";
const CLIENT: &str = "bench-client";

fn bench(c: &mut Criterion) {
    let key = RsaPrivateKey::new(&mut ChaCha20Rng::seed_from_u64(7), 2048).unwrap();
    let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
    let iss = format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // An access token shaped like Cognito's.
    let header = serde_json::json!({"kid": "k1", "alg": "RS256"});
    let claims = serde_json::json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "iss": iss, "client_id": CLIENT,
        "origin_jti": "11111111-2222-3333-4444-555555555555", "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": now,
        "exp": now + 3600, "iat": now, "jti": "abcdefab-cdef-abcd-efab-cdefabcdefab", "username": "alice"
    });
    let input = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(&header).unwrap()),
        B64.encode(serde_json::to_vec(&claims).unwrap())
    );
    let sig = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(input.as_bytes()),
        )
        .unwrap();
    let token = format!("{input}.{}", B64.encode(&sig));
    let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
        "n": B64.encode(&n), "e": B64.encode(&e)}]});

    let verifier = CognitoJwtVerifier::builder(POOL)
        .client_id(CLIENT)
        .token_use(TokenUse::Access)
        .build()
        .unwrap();
    verifier
        .add_jwks(&serde_json::to_vec(&jwks).unwrap())
        .unwrap();
    let at = time::OffsetDateTime::now_utc();
    verifier.verify_sync(&token, at).unwrap();

    let ring_key = ring::signature::RsaPublicKeyComponents {
        n: n.clone(),
        e: e.clone(),
    };
    ring_key
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &sig,
        )
        .unwrap();

    let mut g = c.benchmark_group("jwt");
    g.bench_function("ring RSA verify (floor)", |b| {
        b.iter(|| {
            ring_key
                .verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    black_box(input.as_bytes()),
                    black_box(&sig),
                )
                .unwrap()
        })
    });
    g.bench_function("CognitoJwtVerifier::verify_sync (access token)", |b| {
        b.iter(|| verifier.verify_sync(black_box(&token), at).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
