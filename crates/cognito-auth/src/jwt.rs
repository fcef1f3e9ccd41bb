//! Verification of Cognito JWTs: the [`cognito-jwt`](cognito_jwt) crate, re-exported whole so
//! that `cognito_auth::jwt::...` paths keep working. A backend that only verifies tokens
//! depends on `cognito-jwt` alone, without the sign-in machinery.

pub use cognito_jwt::*;
