//! The SigV4-signed administrative API of Cognito User Pools.
//!
//! This crate will own: signing through the `aws-sigv4` crate plugged into `cognito-wire`'s
//! `Signer` hook, credential providers, and typed, paginated admin operations for users, groups,
//! pools, app clients and identity providers.
