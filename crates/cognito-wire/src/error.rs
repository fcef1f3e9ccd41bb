//! Errors, split by when they happened (smithy-rs style):
//!
//! | variant | when | reached the server? |
//! |---|---|---|
//! | [`Error::Construction`] | building, serializing or signing the request | no |
//! | [`Error::Dispatch`] | sending: connect failure, IO error | no (connect) or maybe |
//! | [`Error::Timeout`] | connect or request timeout | no (connect) or maybe |
//! | [`Error::Response`] | an answer came back but cannot be decoded (raw bytes kept) | yes |
//! | [`Error::Service`] | Cognito answered with a (typed) exception | yes |
//!
//! [`Error::class`] sorts every error into [`ErrorClass`] for the retry policy and for callers.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;

pub use crate::model::errors::ServiceErrorKind;

/// A boxed error, as transports and signers return them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Whether a failed request may have been seen (and acted on) by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReachedServer {
    /// Certainly not: the connection was never established (or nothing was sent).
    No,
    /// Possibly: the request may have been written before the failure.
    Maybe,
    /// Yes: the server answered.
    Yes,
}

impl std::fmt::Display for ReachedServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::No => "the request did not reach the server",
            Self::Maybe => "the request may have reached the server",
            Self::Yes => "the server answered",
        })
    }
}

/// How retry logic and callers should treat an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The server refused the request without processing it because of rate limits.
    Throttling,
    /// A passing failure: 5xx, IO, connect failure, timeout.
    Transient,
    /// Anything else: the request (or the response) is wrong; resending it will not help.
    Client,
}

/// Error returned by a [`Transport`](crate::Transport).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection could not be established; nothing was sent.
    #[error("could not connect: {0}")]
    Connect(#[source] BoxError),
    /// Connecting took longer than the connect timeout; nothing was sent.
    #[error("connecting timed out after {0:?}")]
    ConnectTimeout(Duration),
    /// No complete response within the request timeout; the request may have been sent.
    #[error("no complete response within {0:?}")]
    RequestTimeout(Duration),
    /// An IO or protocol error after the connection was established.
    #[error("I/O error while the request was in flight: {0}")]
    Io(#[source] BoxError),
    /// The response body exceeded the transport's limit.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
        /// HTTP status of the response.
        status: StatusCode,
    },
    /// The transport rejected the request before sending it (bad URI, unsupported scheme, ...).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl TransportError {
    /// Whether the request may have reached the server.
    pub fn reached_server(&self) -> ReachedServer {
        match self {
            Self::Connect(_) | Self::ConnectTimeout(_) | Self::InvalidRequest(_) => {
                ReachedServer::No
            }
            Self::RequestTimeout(_) | Self::Io(_) => ReachedServer::Maybe,
            Self::BodyTooLarge { .. } => ReachedServer::Yes,
        }
    }
}

/// What went wrong while building a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConstructionError {
    /// The input could not be serialized.
    #[error("cannot serialize the input: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The endpoint is not a usable URL.
    #[error("invalid endpoint: {0}")]
    Endpoint(String),
    /// The HTTP request could not be assembled.
    #[error("cannot build the HTTP request: {0}")]
    Http(#[source] http::Error),
    /// The operation needs SigV4 and the client has no [`Signer`](crate::Signer).
    #[error("the operation requires SigV4 signing and no signer is configured")]
    MissingSigner,
    /// The signer failed (credentials unavailable, ...).
    #[error("signing failed: {0}")]
    Signing(#[source] BoxError),
}

/// Which timeout fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection (nothing was sent).
    Connect,
    /// Waiting for the complete response (the request may have been sent).
    Request,
}

/// Why a response could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseErrorKind {
    /// The body is not the JSON the operation returns (or not JSON at all).
    #[error("undecodable body: {0}")]
    Json(#[source] serde_json::Error),
    /// An error response without an error code (neither `x-amzn-ErrorType` nor `__type`/`code`).
    #[error("error response without an error code")]
    MissingErrorCode,
    /// The body exceeded the size limit.
    #[error("body larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// A response that came back but could not be decoded. Keeps the raw body (which may hold
/// secrets: `Debug` shows only its length).
#[derive(thiserror::Error)]
#[error("{operation}: cannot decode the HTTP {status} response: {kind}")]
#[non_exhaustive]
pub struct ResponseError {
    /// Operation name.
    pub operation: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// `x-amzn-RequestId`, when present.
    pub request_id: Option<String>,
    /// What failed.
    #[source]
    pub kind: ResponseErrorKind,
    /// The raw body (empty when it was too large to keep).
    pub raw: Bytes,
}

impl std::fmt::Debug for ResponseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("kind", &self.kind)
            .field("raw", &format_args!("<{} bytes>", self.raw.len()))
            .finish()
    }
}

/// Cognito answered with an exception.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{operation}: {} ({}){}", kind.code(), kind.message().unwrap_or("no message"), fmt_context(*status, request_id.as_deref()))]
#[non_exhaustive]
pub struct ServiceError {
    /// Operation name.
    pub operation: &'static str,
    /// The typed exception.
    pub kind: ServiceErrorKind,
    /// HTTP status.
    pub status: StatusCode,
    /// `x-amzn-RequestId`, when present.
    pub request_id: Option<String>,
}

fn fmt_context(status: StatusCode, request_id: Option<&str>) -> String {
    match request_id {
        Some(id) => format!(" [HTTP {}, request id {id}]", status.as_u16()),
        None => format!(" [HTTP {}]", status.as_u16()),
    }
}

fn fmt_url(url: Option<&str>) -> String {
    url.map(|u| format!(" to {u}")).unwrap_or_default()
}

/// Error codes the AWS SDKs' standard retry mode treats as throttling.
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes the AWS SDKs' standard retry mode treats as transient.
pub const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalErrorException",
];

impl ServiceError {
    /// Classification: throttling codes, then transient codes / model faults / 5xx, else client.
    pub fn class(&self) -> ErrorClass {
        let code = self.kind.code();
        if THROTTLING_CODES.contains(&code) || self.status == StatusCode::TOO_MANY_REQUESTS {
            ErrorClass::Throttling
        } else if TRANSIENT_CODES.contains(&code)
            || self.kind.is_fault()
            || self.status.is_server_error()
        {
            ErrorClass::Transient
        } else {
            ErrorClass::Client
        }
    }
}

/// Every error a [`Client`](crate::Client) call can return.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Building, serializing or signing the request failed; nothing was sent.
    #[error("{operation}: cannot build the request: {source}")]
    Construction {
        /// Operation name.
        operation: &'static str,
        /// What failed.
        #[source]
        source: ConstructionError,
    },
    /// Sending failed (connect or IO error).
    #[error("{operation}: sending{} failed ({}): {source}", fmt_url(url.as_deref()), source.reached_server())]
    Dispatch {
        /// Operation name.
        operation: &'static str,
        /// The transport's error.
        #[source]
        source: TransportError,
        /// The URL the request was sent to, when known ([`Client`](crate::Client) calls set it).
        url: Option<String>,
    },
    /// A connect or request timeout fired.
    #[error("{operation}: {phase:?} timeout{} after {after:?}", fmt_url(url.as_deref()))]
    Timeout {
        /// Operation name.
        operation: &'static str,
        /// Which timeout.
        phase: TimeoutPhase,
        /// The configured duration.
        after: Duration,
        /// The URL the request was sent to, when known ([`Client`](crate::Client) calls set it).
        url: Option<String>,
    },
    /// The response could not be decoded.
    #[error(transparent)]
    Response(Box<ResponseError>),
    /// Cognito answered with an exception.
    #[error(transparent)]
    Service(Box<ServiceError>),
}

impl Error {
    /// Classification for retry logic and callers.
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Construction { .. } => ErrorClass::Client,
            Self::Dispatch { .. } | Self::Timeout { .. } => ErrorClass::Transient,
            Self::Response(r) => {
                if r.status == StatusCode::TOO_MANY_REQUESTS {
                    ErrorClass::Throttling
                } else if r.status.is_server_error() {
                    ErrorClass::Transient
                } else {
                    ErrorClass::Client
                }
            }
            Self::Service(s) => s.class(),
        }
    }

    /// Whether the request may have reached the server.
    pub fn reached_server(&self) -> ReachedServer {
        match self {
            Self::Construction { .. } => ReachedServer::No,
            Self::Dispatch { source, .. } => source.reached_server(),
            Self::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            } => ReachedServer::No,
            Self::Timeout {
                phase: TimeoutPhase::Request,
                ..
            } => ReachedServer::Maybe,
            Self::Response(_) | Self::Service(_) => ReachedServer::Yes,
        }
    }

    /// The typed service exception, when Cognito answered with one.
    pub fn service_error(&self) -> Option<&ServiceErrorKind> {
        match self {
            Self::Service(s) => Some(&s.kind),
            _ => None,
        }
    }

    /// Maps a transport failure to the matching variant.
    pub fn from_transport(operation: &'static str, e: TransportError) -> Self {
        match e {
            TransportError::ConnectTimeout(after) => Self::Timeout {
                operation,
                phase: TimeoutPhase::Connect,
                after,
                url: None,
            },
            TransportError::RequestTimeout(after) => Self::Timeout {
                operation,
                phase: TimeoutPhase::Request,
                after,
                url: None,
            },
            TransportError::BodyTooLarge { limit, status } => {
                Self::Response(Box::new(ResponseError {
                    operation,
                    status,
                    request_id: None,
                    kind: ResponseErrorKind::TooLarge { limit },
                    raw: Bytes::new(),
                }))
            }
            other => Self::Dispatch {
                operation,
                source: other,
                url: None,
            },
        }
    }
}

/// Decodes an exception body leniently: a body that does not match the shape gives the default
/// (the caller then fills in the message). Used by the generated
/// [`ServiceErrorKind::from_parts`].
pub fn decode_exception<T: DeserializeOwned + Default>(body: Option<&serde_json::Value>) -> T {
    body.and_then(|v| T::deserialize(v).ok())
        .unwrap_or_default()
}

/// A generated shape's builder was asked to [`build`](crate::ConfirmDeviceRequestBuilder::build)
/// before one of the shape's required members was set.
///
/// ```
/// use cognito_wire::ConfirmDeviceRequest;
/// let e = ConfirmDeviceRequest::builder()
///     .device_key("eu-west-1_device")
///     .build()
///     .unwrap_err();
/// assert_eq!(e.shape(), "ConfirmDeviceRequest");
/// assert_eq!(e.member(), "AccessToken");
/// assert_eq!(
///     e.to_string(),
///     "ConfirmDeviceRequest needs AccessToken (its `access_token` member)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MissingField {
    shape: &'static str,
    member: &'static str,
    field: &'static str,
}

impl MissingField {
    /// Used by the generated builders.
    pub(crate) const fn new(
        shape: &'static str,
        member: &'static str,
        field: &'static str,
    ) -> Self {
        Self {
            shape,
            member,
            field,
        }
    }

    /// The shape's name in the model, e.g. `ConfirmDeviceRequest`.
    pub fn shape(&self) -> &'static str {
        self.shape
    }

    /// The missing member's name in the model (its JSON key), e.g. `AccessToken`.
    pub fn member(&self) -> &'static str {
        self.member
    }

    /// The missing member's Rust field (and setter) name, e.g. `access_token`.
    pub fn field(&self) -> &'static str {
        self.field
    }
}

impl std::fmt::Display for MissingField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} needs {} (its `{}` member)",
            self.shape, self.member, self.field
        )
    }
}

impl std::error::Error for MissingField {}
