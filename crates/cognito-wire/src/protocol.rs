//! The awsJson1.1 protocol, without IO: building requests and decoding responses and errors.
//!
//! These functions are pure (bytes in, values out), never panic on any input and are what the
//! fuzz target exercises.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST, HeaderMap, HeaderValue, USER_AGENT};
use http::{Method, Request, Response, StatusCode, Uri};

use crate::error::{
    ConstructionError, Error, ResponseError, ResponseErrorKind, ServiceError, ServiceErrorKind,
};
use crate::operation::Operation;

/// `Content-Type` of every request and response.
pub const CONTENT_TYPE_JSON: &str = "application/x-amz-json-1.1";
/// Header naming the operation.
pub const X_AMZ_TARGET: &str = "x-amz-target";
/// Header that may carry the error code.
pub const X_AMZN_ERROR_TYPE: &str = "x-amzn-errortype";
/// Header carrying the request id.
pub const X_AMZN_REQUEST_ID: &str = "x-amzn-requestid";
/// `User-Agent` sent by default.
pub const DEFAULT_USER_AGENT: &str = concat!("cognito-wire/", env!("CARGO_PKG_VERSION"));

/// Serializes `input` into an unsigned `POST /` request for operation `O` at `endpoint`, with
/// `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target` and `Host` set.
///
/// ```
/// use cognito_wire::{op, protocol, AuthFlowType, InitiateAuthRequest};
/// let input = InitiateAuthRequest::builder()
///     .auth_flow(AuthFlowType::UserSrpAuth)
///     .client_id("client")
///     .build()
///     .unwrap();
/// let endpoint = "https://cognito-idp.us-east-1.amazonaws.com/".parse().unwrap();
/// let req = protocol::build_request::<op::InitiateAuth>(&endpoint, &input).unwrap();
/// assert_eq!(req.headers()["x-amz-target"], "AWSCognitoIdentityProviderService.InitiateAuth");
/// assert_eq!(req.body().as_ref(), br#"{"AuthFlow":"USER_SRP_AUTH","ClientId":"client"}"#);
/// ```
pub fn build_request<O: Operation>(
    endpoint: &Uri,
    input: &O::Input,
) -> Result<Request<Bytes>, ConstructionError> {
    let body = serde_json::to_vec(input).map_err(ConstructionError::Serialize)?;
    let authority = endpoint
        .authority()
        .ok_or_else(|| ConstructionError::Endpoint(format!("{endpoint} has no host")))?;
    let host = HeaderValue::from_str(authority.as_str())
        .map_err(|e| ConstructionError::Endpoint(e.to_string()))?;
    Request::builder()
        .method(Method::POST)
        .uri(endpoint.clone())
        .header(HOST, host)
        .header(CONTENT_TYPE, CONTENT_TYPE_JSON)
        .header(X_AMZ_TARGET, O::INFO.target)
        .header(USER_AGENT, DEFAULT_USER_AGENT)
        .body(Bytes::from(body))
        .map_err(ConstructionError::Http)
}

/// Cuts an error code to its shape name: drop everything from the first `:`, then keep what
/// follows the first `#`.
///
/// ```
/// use cognito_wire::protocol::sanitize_error_code;
/// assert_eq!(sanitize_error_code("com.amazonaws.cognito#NotAuthorizedException"), "NotAuthorizedException");
/// assert_eq!(sanitize_error_code("NotAuthorizedException:http://internal/"), "NotAuthorizedException");
/// assert_eq!(sanitize_error_code(" UserNotFoundException "), "UserNotFoundException");
/// ```
pub fn sanitize_error_code(raw: &str) -> &str {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    let after_hash = match before_colon.split_once('#') {
        Some((_, rest)) => rest,
        None => before_colon,
    };
    after_hash.trim()
}

/// The request id header of a response, when present.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(X_AMZN_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn body_is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// Decodes a response for operation `O`: the typed output for 2xx, the typed error otherwise.
/// An empty 2xx body decodes as `{}`.
pub fn decode_response<O: Operation>(response: &Response<Bytes>) -> Result<O::Output, Error> {
    decode_parts::<O::Output>(
        O::NAME,
        response.status(),
        response.headers(),
        response.body(),
    )
}

/// [`decode_response`] on parts, for any output type. Never panics.
pub fn decode_parts<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, Error> {
    if status.is_success() {
        let bytes: &[u8] = if body_is_blank(body) { b"{}" } else { body };
        return serde_json::from_slice(bytes).map_err(|e| {
            Error::Response(Box::new(ResponseError {
                operation,
                status,
                request_id: request_id(headers),
                kind: ResponseErrorKind::Json(e),
                raw: body.clone(),
            }))
        });
    }
    Err(match parse_error(operation, status, headers, body) {
        Ok(service) => Error::Service(Box::new(service)),
        Err(response) => Error::Response(Box::new(response)),
    })
}

/// Parses an error response. The code comes from the `x-amzn-ErrorType` header, else the body's
/// `code`, else its `__type` (each cut by [`sanitize_error_code`]); the HTTP status is not used
/// to pick the error. The message is the body's `message`, `Message` or `errorMessage`.
///
/// Fails (keeping the raw body) when no code can be found.
pub fn parse_error(
    operation: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<ServiceError, ResponseError> {
    let request_id = request_id(headers);
    let json: Option<serde_json::Value> = if body_is_blank(body) {
        None
    } else {
        serde_json::from_slice(body).ok()
    };
    let obj = json.as_ref().and_then(serde_json::Value::as_object);
    let field = |k: &str| {
        obj.and_then(|o| o.get(k))
            .and_then(serde_json::Value::as_str)
    };
    let header_code = headers
        .get(X_AMZN_ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(sanitize_error_code)
        .filter(|c| !c.is_empty());
    let code = header_code.or_else(|| {
        field("code")
            .or_else(|| field("__type"))
            .map(sanitize_error_code)
            .filter(|c| !c.is_empty())
    });
    let Some(code) = code else {
        let kind = match serde_json::from_slice::<serde_json::Value>(body) {
            Err(e) if !body_is_blank(body) => ResponseErrorKind::Json(e),
            _ => ResponseErrorKind::MissingErrorCode,
        };
        return Err(ResponseError {
            operation,
            status,
            request_id,
            kind,
            raw: body.clone(),
        });
    };
    let message = field("message")
        .or_else(|| field("Message"))
        .or_else(|| field("errorMessage"))
        .map(str::to_string);
    Ok(ServiceError {
        operation,
        kind: ServiceErrorKind::from_parts(code, json.as_ref(), message),
        status,
        request_id,
    })
}
