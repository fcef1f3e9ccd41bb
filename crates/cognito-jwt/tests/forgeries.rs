#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The negative suite: forged, malformed and out-of-policy tokens, each refused with its own
//! typed error. Every case runs against a verifier holding the genuine key (`k1`, key A) at a
//! fixed time; key B is the attacker's.

mod common;

use cognito_jwt::{CognitoJwtVerifier, JwtError, Segment, TokenUse};
use common::*;
use serde_json::json;

/// Which verifier a case runs against.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Access,
    Id,
}

struct Case {
    name: &'static str,
    kind: Kind,
    token: String,
    expect: fn(&JwtError) -> bool,
}

macro_rules! case {
    ($cases:ident, $name:literal, $kind:ident, $token:expr, $pat:pat) => {
        $cases.push(Case {
            name: $name,
            kind: Kind::$kind,
            token: $token,
            expect: |e| matches!(e, $pat),
        })
    };
}

/// A token whose payload is signed with key A and whose header is `header_text`.
fn with_header(header_text: &str) -> String {
    mint_text(&keys().a, header_text, &access_claims().to_string())
}

/// A token with this payload text, signed with key A as `k1`.
fn with_payload(payload_text: &str) -> String {
    mint_text(&keys().a, r#"{"kid":"k1","alg":"RS256"}"#, payload_text)
}

fn parts(token: &str) -> (String, String, String) {
    let mut it = token.split('.');
    (
        it.next().unwrap().to_owned(),
        it.next().unwrap().to_owned(),
        it.next().unwrap().to_owned(),
    )
}

/// Sets the unused low bits of the last base64url character (non-canonical encoding).
fn non_canonical(segment: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = segment.as_bytes().to_vec();
    let last = bytes.last_mut().unwrap();
    let index = ALPHABET.iter().position(|c| c == last).unwrap();
    *last = ALPHABET[index | 1];
    String::from_utf8(bytes).unwrap()
}

fn cases() -> Vec<Case> {
    let k = keys();
    let good = mint(&access_claims());
    let (h, p, s) = parts(&good);
    let claims = access_claims;
    let mut c = Vec::new();

    // alg: none and its spellings, HMAC keyed with the public key, every other algorithm.
    let unsigned = |alg: &str, sig: &str| {
        format!(
            "{}.{}.{sig}",
            b64json(&json!({"alg": alg, "kid": "k1"})),
            b64json(&claims())
        )
    };
    case!(
        c,
        "alg none, no signature",
        Access,
        unsigned("none", ""),
        JwtError::UnsupportedAlg { .. }
    );
    case!(
        c,
        "alg none with a signature",
        Access,
        unsigned("none", &s),
        JwtError::UnsupportedAlg { .. }
    );
    case!(
        c,
        "alg None",
        Access,
        unsigned("None", ""),
        JwtError::UnsupportedAlg { .. }
    );
    case!(
        c,
        "alg NONE",
        Access,
        unsigned("NONE", ""),
        JwtError::UnsupportedAlg { .. }
    );
    case!(
        c,
        "alg nOnE",
        Access,
        unsigned("nOnE", ""),
        JwtError::UnsupportedAlg { .. }
    );
    let hs256 = {
        use ring::hmac;
        let public_key = serde_json::to_vec(&jwk(&k.a, "k1")).unwrap();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &public_key);
        let input = format!(
            "{}.{}",
            b64json(&json!({"alg": "HS256", "kid": "k1"})),
            b64json(&claims())
        );
        let tag = hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", b64(tag.as_ref()))
    };
    case!(
        c,
        "HS256 keyed with the RSA public key",
        Access,
        hs256,
        JwtError::UnsupportedAlg { .. }
    );
    for alg in [
        "HS384", "HS512", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
        "rs256", "RS256 ", "",
    ] {
        c.push(Case {
            name: "another alg",
            kind: Kind::Access,
            token: with_header(&json!({"alg": alg, "kid": "k1"}).to_string()),
            expect: |e| matches!(e, JwtError::UnsupportedAlg { .. }),
        });
    }
    case!(
        c,
        "no alg",
        Access,
        with_header(r#"{"kid":"k1"}"#),
        JwtError::MissingAlg
    );
    case!(
        c,
        "alg null",
        Access,
        with_header(r#"{"alg":null,"kid":"k1"}"#),
        JwtError::MissingAlg
    );
    case!(
        c,
        "alg a number",
        Access,
        with_header(r#"{"alg":256,"kid":"k1"}"#),
        JwtError::Json(Segment::Header)
    );
    case!(
        c,
        "alg an array",
        Access,
        with_header(r#"{"alg":["RS256"],"kid":"k1"}"#),
        JwtError::Json(Segment::Header)
    );
    case!(
        c,
        "duplicate alg (RS256 then none)",
        Access,
        with_header(r#"{"alg":"RS256","alg":"none","kid":"k1"}"#),
        JwtError::Json(Segment::Header)
    );
    case!(
        c,
        "duplicate kid",
        Access,
        with_header(r#"{"alg":"RS256","kid":"k9","kid":"k1"}"#),
        JwtError::Json(Segment::Header)
    );

    // kid.
    case!(
        c,
        "unknown kid",
        Access,
        mint_with(&k.a, &header("k9"), &claims()),
        JwtError::KidNotFound
    );
    case!(
        c,
        "no kid",
        Access,
        with_header(r#"{"alg":"RS256"}"#),
        JwtError::MissingKid
    );
    case!(
        c,
        "kid null",
        Access,
        with_header(r#"{"alg":"RS256","kid":null}"#),
        JwtError::MissingKid
    );
    case!(
        c,
        "kid a number",
        Access,
        with_header(r#"{"alg":"RS256","kid":1}"#),
        JwtError::Json(Segment::Header)
    );
    case!(
        c,
        "kid empty",
        Access,
        with_header(r#"{"alg":"RS256","kid":""}"#),
        JwtError::KidNotFound
    );
    case!(
        c,
        "kid a path",
        Access,
        with_header(r#"{"alg":"RS256","kid":"../../k1"}"#),
        JwtError::KidNotFound
    );
    case!(
        c,
        "kid with a NUL",
        Access,
        with_header(r#"{"alg":"RS256","kid":"k1\u0000"}"#),
        JwtError::KidNotFound
    );
    case!(
        c,
        "kid of 700 characters",
        Access,
        with_header(&json!({"alg": "RS256", "kid": "k".repeat(700)}).to_string()),
        JwtError::KidNotFound
    );
    case!(
        c,
        "kid k1 with different case",
        Access,
        with_header(r#"{"alg":"RS256","kid":"K1"}"#),
        JwtError::KidNotFound
    );

    // Keys offered by the token itself are never used: signed by the attacker's key B.
    let evil = |extra: serde_json::Value, kid: &str| {
        let mut h = json!({"alg": "RS256", "kid": kid});
        for (key, value) in extra.as_object().unwrap() {
            h[key] = value.clone();
        }
        mint_with(&k.b, &h, &claims())
    };
    case!(
        c,
        "embedded jwk (attacker's key), kid k1",
        Access,
        evil(json!({"jwk": jwk(&k.b, "k1")}), "k1"),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "embedded jwk, its own kid",
        Access,
        evil(json!({"jwk": jwk(&k.b, "evil")}), "evil"),
        JwtError::KidNotFound
    );
    case!(
        c,
        "jku to the attacker's JWKS",
        Access,
        evil(json!({"jku": "https://evil.example/jwks.json"}), "k1"),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "x5u to the attacker's certificate",
        Access,
        evil(json!({"x5u": "https://evil.example/cert.pem"}), "k1"),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "x5c with the attacker's chain",
        Access,
        evil(
            json!({"x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]}),
            "k1"
        ),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "crit [exp]",
        Access,
        with_header(r#"{"alg":"RS256","kid":"k1","crit":["exp"]}"#),
        JwtError::UnsupportedCritical
    );
    case!(
        c,
        "crit []",
        Access,
        with_header(r#"{"alg":"RS256","kid":"k1","crit":[]}"#),
        JwtError::UnsupportedCritical
    );
    case!(
        c,
        "header an array",
        Access,
        with_header(r#"["RS256","k1"]"#),
        JwtError::NotJsonObject(Segment::Header)
    );
    case!(
        c,
        "header a string",
        Access,
        with_header(r#""RS256""#),
        JwtError::NotJsonObject(Segment::Header)
    );
    case!(
        c,
        "header of 2 KiB",
        Access,
        with_header(&json!({"alg": "RS256", "kid": "k1", "pad": "x".repeat(2048)}).to_string()),
        JwtError::HeaderTooLarge
    );

    // Time.
    case!(
        c,
        "expired",
        Access,
        mint(&with(claims(), "exp", json!(T0 - 1))),
        JwtError::Expired { .. }
    );
    case!(
        c,
        "exp == now",
        Access,
        mint(&with(claims(), "exp", json!(T0))),
        JwtError::Expired { .. }
    );
    case!(
        c,
        "expired long ago",
        Access,
        mint(&with(claims(), "exp", json!(0))),
        JwtError::Expired { .. }
    );
    case!(
        c,
        "no exp",
        Access,
        mint(&without(claims(), "exp")),
        JwtError::MissingClaim { claim: "exp" }
    );
    case!(
        c,
        "exp null",
        Access,
        mint(&with(claims(), "exp", json!(null))),
        JwtError::MissingClaim { claim: "exp" }
    );
    case!(
        c,
        "exp a string",
        Access,
        mint(&with(claims(), "exp", json!("9999999999"))),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "exp a boolean",
        Access,
        mint(&with(claims(), "exp", json!(true))),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "exp 1e300",
        Access,
        mint(&with(claims(), "exp", json!(1e300))),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "exp beyond year 9999",
        Access,
        mint(&with(claims(), "exp", json!(i64::MAX / 2))),
        JwtError::InvalidClaim { claim: "exp" } | JwtError::Expired { .. }
    );
    case!(
        c,
        "nbf in the future",
        Access,
        mint(&with(claims(), "nbf", json!(T0 + 60))),
        JwtError::NotYetValid { .. }
    );
    case!(
        c,
        "iat in the future",
        Access,
        mint(&with(claims(), "iat", json!(T0 + 600))),
        JwtError::IssuedInFuture { .. }
    );
    case!(
        c,
        "no iat",
        Access,
        mint(&without(claims(), "iat")),
        JwtError::MissingClaim { claim: "iat" }
    );
    case!(
        c,
        "iat a string",
        Access,
        mint(&with(claims(), "iat", json!("now"))),
        JwtError::Json(Segment::Payload)
    );

    // Issuer.
    case!(
        c,
        "wrong iss",
        Access,
        mint(&with(
            claims(),
            "iss",
            json!("https://evil.example/eu-west-1_TestPool1")
        )),
        JwtError::IssuerMismatch
    );
    case!(
        c,
        "iss of another pool",
        Access,
        mint(&with(claims(), "iss", json!(iss_b()))),
        JwtError::IssuerMismatch
    );
    case!(
        c,
        "iss over http",
        Access,
        mint(&with(
            claims(),
            "iss",
            json!(iss().replacen("https", "http", 1))
        )),
        JwtError::IssuerMismatch
    );
    case!(
        c,
        "iss with a trailing slash",
        Access,
        mint(&with(claims(), "iss", json!(format!("{}/", iss())))),
        JwtError::IssuerMismatch
    );
    case!(
        c,
        "iss an array",
        Access,
        mint(&with(claims(), "iss", json!([iss()]))),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "no iss",
        Access,
        mint(&without(claims(), "iss")),
        JwtError::MissingClaim { claim: "iss" }
    );

    // Client, audience, token_use.
    case!(
        c,
        "wrong client_id",
        Access,
        mint(&with(claims(), "client_id", json!("other-client"))),
        JwtError::ClientIdMismatch
    );
    case!(
        c,
        "no client_id",
        Access,
        mint(&without(claims(), "client_id")),
        JwtError::MissingClaim { claim: "client_id" }
    );
    case!(
        c,
        "client_id an array",
        Access,
        mint(&with(claims(), "client_id", json!([CLIENT]))),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "wrong aud (id token)",
        Id,
        mint(&with(id_claims(), "aud", json!("other-client"))),
        JwtError::AudienceMismatch
    );
    case!(
        c,
        "aud array without the client (id token)",
        Id,
        mint(&with(id_claims(), "aud", json!(["a", "b"]))),
        JwtError::AudienceMismatch
    );
    case!(
        c,
        "no aud (id token)",
        Id,
        mint(&without(id_claims(), "aud")),
        JwtError::MissingClaim { claim: "aud" }
    );
    case!(
        c,
        "id token to an access verifier",
        Access,
        mint(&id_claims()),
        JwtError::TokenUseMismatch {
            expected: TokenUse::Access
        }
    );
    case!(
        c,
        "access token to an id verifier",
        Id,
        mint(&claims()),
        JwtError::TokenUseMismatch {
            expected: TokenUse::Id
        }
    );
    case!(
        c,
        "token_use refresh",
        Access,
        mint(&with(claims(), "token_use", json!("refresh"))),
        JwtError::TokenUseMismatch { .. }
    );
    case!(
        c,
        "no token_use",
        Access,
        mint(&without(claims(), "token_use")),
        JwtError::MissingClaim { claim: "token_use" }
    );
    case!(
        c,
        "no sub",
        Access,
        mint(&without(claims(), "sub")),
        JwtError::MissingClaim { claim: "sub" }
    );

    // Duplicate claims: the second would win in a lenient parser.
    let text = claims().to_string();
    let dup = |extra: &str| format!("{},{extra}}}", &text[..text.len() - 1]);
    case!(
        c,
        "duplicate exp",
        Access,
        with_payload(&dup(r#""exp":99999999999"#)),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "duplicate iss",
        Access,
        with_payload(&dup(r#""iss":"https://evil.example""#)),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "duplicate token_use",
        Access,
        with_payload(&dup(r#""token_use":"id""#)),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "duplicate client_id",
        Access,
        with_payload(&dup(r#""client_id":"other""#)),
        JwtError::Json(Segment::Payload)
    );
    case!(
        c,
        "payload an array",
        Access,
        with_payload("[1,2,3]"),
        JwtError::NotJsonObject(Segment::Payload)
    );
    case!(
        c,
        "payload not JSON",
        Access,
        with_payload("not json"),
        JwtError::NotJsonObject(Segment::Payload)
    );
    case!(
        c,
        "payload truncated JSON",
        Access,
        with_payload(&text[..text.len() - 1]),
        JwtError::Json(Segment::Payload)
    );

    // Structure and encoding.
    case!(
        c,
        "empty string",
        Access,
        String::new(),
        JwtError::SegmentCount { found: 1 }
    );
    case!(
        c,
        "one segment",
        Access,
        h.clone(),
        JwtError::SegmentCount { found: 1 }
    );
    case!(
        c,
        "two segments",
        Access,
        format!("{h}.{p}"),
        JwtError::SegmentCount { found: 2 }
    );
    case!(
        c,
        "four segments",
        Access,
        format!("{good}.{s}"),
        JwtError::SegmentCount { found: 4 }
    );
    case!(
        c,
        "five segments (JWE shape)",
        Access,
        format!("{h}.{p}.{s}.{s}.{s}"),
        JwtError::SegmentCount { found: 5 }
    );
    case!(
        c,
        "empty header",
        Access,
        format!(".{p}.{s}"),
        JwtError::EmptySegment(Segment::Header)
    );
    case!(
        c,
        "empty payload",
        Access,
        format!("{h}..{s}"),
        JwtError::EmptySegment(Segment::Payload)
    );
    case!(
        c,
        "empty signature",
        Access,
        format!("{h}.{p}."),
        JwtError::EmptySegment(Segment::Signature)
    );
    case!(
        c,
        "padded header",
        Access,
        format!("{h}=.{p}.{s}"),
        JwtError::Base64(Segment::Header)
    );
    case!(
        c,
        "standard-alphabet header",
        Access,
        format!("{}.{p}.{s}", h.replace('_', "/").replace('-', "+") + "+"),
        JwtError::Base64(Segment::Header)
    );
    case!(
        c,
        "bad base64 payload",
        Access,
        format!("{h}.{p}!.{s}"),
        JwtError::Base64(Segment::Payload)
    );
    case!(
        c,
        "bad base64 signature",
        Access,
        format!("{h}.{p}.{s}*"),
        JwtError::Base64(Segment::Signature)
    );
    case!(
        c,
        "non-canonical signature encoding",
        Access,
        format!("{h}.{p}.{}", non_canonical(&s)),
        JwtError::Base64(Segment::Signature)
    );
    case!(
        c,
        "100 KB token",
        Access,
        format!("{h}.{}.{s}", "A".repeat(100 * 1024)),
        JwtError::TooLarge { .. }
    );

    // Signatures.
    let mut flipped = cognito_jwt_test_decode(&s);
    flipped[100] ^= 1;
    case!(
        c,
        "flipped signature bit",
        Access,
        format!("{h}.{p}.{}", b64(&flipped)),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "signed by another key, kid k1",
        Access,
        mint_with(&k.b, &header("k1"), &claims()),
        JwtError::InvalidSignature
    );
    let sig = cognito_jwt_test_decode(&s);
    case!(
        c,
        "truncated signature",
        Access,
        format!("{h}.{p}.{}", b64(&sig[..255])),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "zero signature",
        Access,
        format!("{h}.{p}.{}", b64([0u8; 256])),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "signature of 2 KiB",
        Access,
        format!("{h}.{p}.{}", b64([7u8; 2048])),
        JwtError::InvalidSignature
    );
    let tampered = b64json(&with(claims(), "username", json!("mallory")));
    case!(
        c,
        "payload changed after signing",
        Access,
        format!("{h}.{tampered}.{s}"),
        JwtError::InvalidSignature
    );
    let other = mint(&with(claims(), "jti", json!("jti-other")));
    case!(
        c,
        "signature of another token",
        Access,
        format!("{h}.{p}.{}", parts(&other).2),
        JwtError::InvalidSignature
    );
    case!(
        c,
        "signature over the payload alone",
        Access,
        format!("{h}.{p}.{}", b64(sign_raw(&k.a, p.as_bytes()))),
        JwtError::InvalidSignature
    );
    let rs512 = {
        use rsa::sha2::{Digest, Sha512};
        let input = format!("{h}.{p}");
        k.a.sign(
            rsa::Pkcs1v15Sign::new::<Sha512>(),
            &Sha512::digest(input.as_bytes()),
        )
        .unwrap()
    };
    case!(
        c,
        "SHA-512 signature under alg RS256",
        Access,
        format!("{h}.{p}.{}", b64(rs512)),
        JwtError::InvalidSignature
    );
    c
}

fn cognito_jwt_test_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

#[test]
fn every_forgery_is_refused_with_its_error() {
    let access = loaded(TokenUse::Access);
    let id = loaded(TokenUse::Id);
    // The genuine token passes: the cases differ from it in one thing each.
    access.verify_sync(&mint(&access_claims()), now()).unwrap();
    id.verify_sync(&mint(&id_claims()), now()).unwrap();

    let cases = cases();
    assert!(cases.len() >= 67, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let verifier: &CognitoJwtVerifier = match case.kind {
            Kind::Access => &access,
            Kind::Id => &id,
        };
        match verifier.verify_sync(&case.token, now()) {
            Ok(_) => failures.push(format!("{}: ACCEPTED", case.name)),
            Err(e) if (case.expect)(&e) => {
                if case.token.len() > 8 {
                    assert!(
                        !e.to_string().contains(&case.token),
                        "{}: message has the token",
                        case.name
                    );
                }
            }
            Err(e) => failures.push(format!("{}: {e:?}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("{} forgeries refused, each with its error", cases.len());
}

#[tokio::test]
async fn the_async_path_refuses_them_too() {
    // verify (async) shares the checks; the key is loaded, so nothing is fetched except for
    // the unknown-kid cases, whose fetch fails (the test fetcher answers 404).
    let access = loaded(TokenUse::Access);
    let id = loaded(TokenUse::Id);
    for case in cases() {
        let verifier = match case.kind {
            Kind::Access => &access,
            Kind::Id => &id,
        };
        let result = verifier.verify(&case.token, now()).await;
        assert!(result.is_err(), "{}: accepted", case.name);
    }
}
