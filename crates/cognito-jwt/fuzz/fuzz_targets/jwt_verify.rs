//! cognito-jwt's parsing and verification never panic, whatever the token, the JWKS and the
//! verifier configuration (built without the `fetch` feature: no HTTP client).
//!
//! Input layout: byte 0 flags, bytes 1..9 `now` (i64 LE unix seconds), then `\n`-separated
//! sections: pool id (a `,` adds a second pool, any client, any token use, with a replica
//! region), client id, token, and the JWKS document (the rest, newlines included).
//! Missing sections are empty. Flags: bits 0-1 token use (id, access, any, any), bit 2 verify
//! through the async path with a fetcher serving the JWKS (else `add_jwks` + `verify_sync`),
//! bit 3 any client id, bit 4 require group `admins`, bit 5 require scope
//! `aws.cognito.signin.user.admin`, bit 6 a one-minute leeway, bit 7 a JWKS TTL of one hour.
//!
//! A custom check reads the claims into a type of its own; a token that verifies goes through
//! the `Claims` accessors and `deserialize_into`, an error through its RFC 6750 answer
//! (`AuthRejection`). Seeds (real emulator-signed tokens with their JWKS) are in
//! `seeds/jwt_verify/`.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use cognito_jwt::{
    AuthRejection, BoxFuture, CognitoJwtVerifier, JwksFetchError, JwksFetcher, PoolConfig,
    TokenUse,
};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;

/// Custom claims of any JSON type, as a pre token generation trigger may add them.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Custom {
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default, rename = "custom:tier")]
    tier: Option<u32>,
    #[serde(default)]
    extra: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Serves the fuzzed JWKS for every URI.
struct Fixed(Bytes);

impl JwksFetcher for Fixed {
    fn fetch<'a>(&'a self, _uri: &'a str) -> BoxFuture<'a, Result<Bytes, JwksFetchError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

/// Polls a future that never waits on IO (the fetcher answers at once) to completion.
fn block_on<F: Future>(f: F) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..64 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return Some(v);
        }
    }
    None
}

fuzz_target!(|data: &[u8]| {
    let (flags, rest) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    let (now, rest) = match rest.split_first_chunk::<8>() {
        Some((n, r)) => (i64::from_le_bytes(*n), r),
        None => (1_700_000_000, rest),
    };
    let mut parts = rest.splitn(4, |b| *b == b'\n');
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (pool_id, client_id, token) = (next(), next(), next());
    let jwks = Bytes::copy_from_slice(parts.next().unwrap_or_default());

    let Ok(now) = OffsetDateTime::from_unix_timestamp(now) else {
        return;
    };
    let token_use = match flags & 3 {
        0 => TokenUse::Id,
        1 => TokenUse::Access,
        _ => TokenUse::Any,
    };
    let (pool_id, second) = match pool_id.split_once(',') {
        Some((first, second)) => (first.to_owned(), Some(second.to_owned())),
        None => (pool_id, None),
    };
    let mut builder = CognitoJwtVerifier::builder(pool_id)
        .token_use(token_use)
        .fetcher(Arc::new(Fixed(jwks.clone())))
        .check(|claims| {
            claims
                .deserialize_into::<Custom>()
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
    if let Some(second) = second {
        builder = builder.pool(
            PoolConfig::new(second)
                .any_client_id()
                .token_use(TokenUse::Any)
                .replica_region("us-west-2"),
        );
    }
    builder = if flags & 8 != 0 {
        builder.any_client_id()
    } else {
        builder.client_id(client_id)
    };
    if flags & 16 != 0 {
        builder = builder.groups(["admins"]);
    }
    if flags & 32 != 0 {
        builder = builder.scopes(["aws.cognito.signin.user.admin"]);
    }
    if flags & 64 != 0 {
        builder = builder.leeway(Duration::from_secs(60));
    }
    if flags & 128 != 0 {
        builder = builder.jwks_ttl(Some(Duration::from_secs(3600)));
    }
    let Ok(verifier) = builder.build() else {
        return;
    };
    let result = if flags & 4 != 0 {
        match block_on(verifier.verify(&token, now)) {
            Some(r) => r,
            None => return,
        }
    } else {
        let _ = verifier.add_jwks(&jwks);
        verifier.verify_sync(&token, now)
    };
    match result {
        Ok(claims) => {
            let _ = claims.user_name();
            let _ = claims.scopes().count();
            let _ = claims.in_group("admins");
            let _ = claims.raw().len();
            let _ = claims.get("sub");
            let _ = claims.payload_json().len();
            let _ = format!("{claims:?}");
            let _ = claims.deserialize_into::<serde_json::Value>();
        }
        Err(e) => {
            let _ = e.to_string();
            let rejection = AuthRejection::from(e);
            let _ = rejection.status();
            let _ = rejection.www_authenticate();
        }
    }
});
