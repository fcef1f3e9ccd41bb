//! Error parsing (pure): code from `__type`, `code` or `x-amzn-ErrorType`, cut at `:` and `#`.

use bytes::Bytes;
use cognito_wire::protocol::{decode_parts, parse_error};
use cognito_wire::*;
use http::{HeaderMap, StatusCode};

fn parse(status: u16, headers: &[(&str, &str)], body: &str) -> Result<ServiceError, ResponseError> {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    parse_error(
        "Op",
        StatusCode::from_u16(status).unwrap(),
        &h,
        &Bytes::copy_from_slice(body.as_bytes()),
    )
}

#[test]
fn namespace_prefixed_type() {
    let e = parse(
        400,
        &[],
        r#"{"__type":"com.amazonaws.cognito.identity.idp.model#NotAuthorizedException","message":"Incorrect username or password."}"#,
    )
    .unwrap();
    let ServiceErrorKind::NotAuthorizedException(inner) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(
        inner.message.as_deref(),
        Some("Incorrect username or password.")
    );
    assert_eq!(e.kind.code(), "NotAuthorizedException");
    assert_eq!(e.class(), ErrorClass::Client);
}

#[test]
fn colon_suffix_and_capitalized_message() {
    let e = parse(
        400,
        &[],
        r#"{"__type":"UserNotFoundException:http://internal.amazon.com/coral/","Message":"User does not exist."}"#,
    )
    .unwrap();
    assert!(matches!(e.kind, ServiceErrorKind::UserNotFoundException(_)));
    assert_eq!(e.kind.message(), Some("User does not exist."));
}

#[test]
fn header_wins_and_is_cut_the_same_way() {
    let e = parse(
        400,
        &[
            ("x-amzn-ErrorType", "CodeMismatchException:http://internal/"),
            ("x-amzn-RequestId", "r-9"),
        ],
        r#"{"message":"Invalid code"}"#,
    )
    .unwrap();
    assert!(matches!(e.kind, ServiceErrorKind::CodeMismatchException(_)));
    assert_eq!(e.kind.message(), Some("Invalid code"));
    assert_eq!(e.request_id.as_deref(), Some("r-9"));
    // Header with a non-JSON body still gives the typed error.
    let e = parse(
        429,
        &[("x-amzn-errortype", "aws#TooManyRequestsException")],
        "<html/>",
    )
    .unwrap();
    assert!(matches!(
        e.kind,
        ServiceErrorKind::TooManyRequestsException(_)
    ));
    assert_eq!(e.class(), ErrorClass::Throttling);
}

#[test]
fn status_does_not_pick_the_error() {
    // A 200-ish status code of an error path is irrelevant: the code decides.
    let e = parse(500, &[], r#"{"__type":"UsernameExistsException"}"#).unwrap();
    assert!(matches!(
        e.kind,
        ServiceErrorKind::UsernameExistsException(_)
    ));
}

#[test]
fn typed_extra_fields_and_unknown_codes() {
    let e = parse(
        400,
        &[],
        r#"{"__type":"InvalidParameterException","message":"bad","reasonCode":"INVALID_PARAMETER_VALUE"}"#,
    )
    .unwrap();
    let ServiceErrorKind::InvalidParameterException(p) = &e.kind else {
        panic!()
    };
    assert!(p.reason_code.is_some());
    let e = parse(400, &[], r#"{"__type":"BrandNewException","message":"m"}"#).unwrap();
    assert_eq!(
        e.kind,
        ServiceErrorKind::Unknown {
            code: "BrandNewException".into(),
            message: Some("m".into())
        }
    );
}

#[test]
fn non_json_truncated_and_codeless_bodies_keep_raw_bytes() {
    let r = parse(502, &[], "<html>Bad Gateway</html>").unwrap_err();
    assert!(matches!(r.kind, ResponseErrorKind::Json(_)));
    assert_eq!(&r.raw[..], b"<html>Bad Gateway</html>");
    let r = parse(400, &[], r#"{"__type":"NotAuth"#).unwrap_err();
    assert!(matches!(r.kind, ResponseErrorKind::Json(_)));
    let r = parse(400, &[], r#"{"message":"no code"}"#).unwrap_err();
    assert!(matches!(r.kind, ResponseErrorKind::MissingErrorCode));
    let r = parse(500, &[], "").unwrap_err();
    assert!(matches!(r.kind, ResponseErrorKind::MissingErrorCode));
}

#[test]
fn classification() {
    let class = |body: &str, status: u16| parse(status, &[], body).unwrap().class();
    assert_eq!(
        class(r#"{"__type":"TooManyRequestsException"}"#, 400),
        ErrorClass::Throttling
    );
    assert_eq!(
        class(r#"{"__type":"LimitExceededException"}"#, 400),
        ErrorClass::Throttling
    );
    assert_eq!(
        class(r#"{"__type":"InternalErrorException"}"#, 500),
        ErrorClass::Transient
    );
    assert_eq!(
        class(r#"{"__type":"Whatever"}"#, 503),
        ErrorClass::Transient
    );
    assert_eq!(
        class(r#"{"__type":"UserNotConfirmedException"}"#, 400),
        ErrorClass::Client
    );
}

#[test]
fn empty_success_body_is_an_empty_object() {
    let out: Result<Empty, Error> = decode_parts(
        "DeleteUser",
        StatusCode::OK,
        &HeaderMap::new(),
        &Bytes::new(),
    );
    assert_eq!(out.unwrap(), Empty {});
}

#[test]
fn every_modeled_code_maps_to_its_variant() {
    for code in ServiceErrorKind::CODES {
        let body = format!(r#"{{"__type":"com.amazonaws#{code}","message":"m"}}"#);
        let e = parse(400, &[], &body).unwrap();
        assert_eq!(e.kind.code(), *code);
        assert!(
            !matches!(e.kind, ServiceErrorKind::Unknown { .. }),
            "{code}"
        );
        assert_eq!(e.kind.message(), Some("m"));
    }
    assert_eq!(ServiceErrorKind::CODES.len(), 60);
}
