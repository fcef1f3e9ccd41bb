//! A local Cognito User Pools server.
//!
//! This crate will own: an HTTP server on loopback speaking the Cognito JSON 1.1 protocol that
//! verifies SRP and device proofs, TOTP codes, SigV4 signatures, secret hashes and sessions like
//! Cognito does; JWKS and OpenID configuration endpoints; an outbox for codes; durable state.
