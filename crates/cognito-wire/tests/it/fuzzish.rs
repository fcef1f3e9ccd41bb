//! Random bytes through every decoder the fuzz target calls: never a panic.

use bytes::Bytes;
use cognito_wire::protocol::{decode_parts, parse_error};
use cognito_wire::*;
use http::{HeaderMap, StatusCode};
use proptest::prelude::*;

fn decode_all(status: u16, header: Option<&str>, body: &[u8]) {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut headers = HeaderMap::new();
    if let Some(h) = header.and_then(|h| h.parse().ok()) {
        headers.insert("x-amzn-errortype", h);
    }
    let body = Bytes::copy_from_slice(body);
    let _ = parse_error("Fuzz", status, &headers, &body);
    let _ = decode_parts::<InitiateAuthResponse>("Fuzz", status, &headers, &body);
    let _ = decode_parts::<GetUserResponse>("Fuzz", status, &headers, &body);
    let _ = decode_parts::<DescribeUserPoolResponse>("Fuzz", status, &headers, &body);
    let _ = decode_parts::<Empty>("Fuzz", status, &headers, &body);
    if let Ok(map) = serde_json::from_slice::<std::collections::BTreeMap<String, String>>(&body) {
        let _ = cognito_wire::challenge::Challenge::parse(
            &ChallengeNameType::from("PASSWORD_VERIFIER"),
            &map,
        );
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(status in 100u16..600, header in proptest::option::of(".{0,40}"), body in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(status, header.as_deref(), &body);
    }

    #[test]
    fn json_like_bodies_never_panic(status in 100u16..600, s in r#"\{("(__type|code|message|Username|ChallengeName|AuthenticationResult)":("[a-zA-Z#:.]{0,20}"|[0-9]{1,3}|null|\{\}|\[\]),?){0,5}\}?"#) {
        decode_all(status, None, s.as_bytes());
    }
}
