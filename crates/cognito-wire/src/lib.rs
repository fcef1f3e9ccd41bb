#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod challenge;
pub mod client;
pub mod endpoint;
pub mod error;
#[cfg(feature = "hyper-transport")]
pub mod hyper_transport;
pub mod model;
pub mod operation;
pub mod pool_id;
pub mod protocol;
pub mod retry;
pub mod sensitive;
pub mod transport;
pub mod types;
pub mod vocab;

pub use client::{BuildError, CallOptions, Client, ClientBuilder};
pub use endpoint::{Endpoint, EndpointError, EndpointParams};
#[cfg(feature = "hyper-transport")]
pub use hyper_transport::{HyperConfig, HyperTransport, ProxyConfig, ProxySettings, RootCerts};
pub use retry::{RetryDecision, RetryPolicy};
pub use transport::{BoxFuture, Signer, SigningContext, Sleep, TokioSleep, Transport};

pub use error::{
    BoxError, ConstructionError, Error, ErrorClass, MissingField, ReachedServer, ResponseError,
    ResponseErrorKind, ServiceError, ServiceErrorKind, TimeoutPhase, TransportError,
};
pub use model::enums::*;
pub use model::operations as op;
pub use model::operations::OPERATIONS;
pub use model::shapes::*;
pub use operation::{Operation, OperationInfo, operation_info};
pub use pool_id::{PoolId, PoolIdError, PoolIdErrorKind};
pub use sensitive::SensitiveString;
pub use types::{Document, Empty, EpochSeconds};

/// The `X-Amz-Target` prefix of every operation.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService";
