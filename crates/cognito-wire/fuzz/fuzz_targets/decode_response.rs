//! Response and error decoding never panic, whatever the status, error header and body.
//!
//! Input layout: byte 0-1 status (mod 500 + 100), byte 2 header length n, then n bytes of
//! `x-amzn-ErrorType`, then the body.
#![no_main]

use bytes::Bytes;
use cognito_wire::protocol::{decode_parts, parse_error};
use cognito_wire::{DescribeUserPoolResponse, Empty, GetUserResponse, InitiateAuthResponse};
use http::{HeaderMap, StatusCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, rest) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) % 500 + 100, rest),
        _ => (400, data),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let (header, body) = match rest.split_first() {
        Some((&n, tail)) if usize::from(n) <= tail.len() => tail.split_at(usize::from(n)),
        _ => (&[][..], rest),
    };
    let mut headers = HeaderMap::new();
    if let Ok(v) = http::HeaderValue::from_bytes(header) {
        headers.insert("x-amzn-errortype", v);
    }
    let body = Bytes::copy_from_slice(body);
    let _ = parse_error("Fuzz", status, &headers, &body);
    let _ = decode_parts::<InitiateAuthResponse>("Fuzz", status, &headers, &body);
    let _ = decode_parts::<GetUserResponse>("Fuzz", status, &headers, &body);
    let _ = decode_parts::<DescribeUserPoolResponse>("Fuzz", status, &headers, &body);
    let _ = decode_parts::<Empty>("Fuzz", status, &headers, &body);
});
