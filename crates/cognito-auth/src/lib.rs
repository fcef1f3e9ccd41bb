//! Sign-in to Cognito User Pools.
//!
//! This crate will own: the sans-IO sign-in state machine (USER_SRP_AUTH, USER_PASSWORD_AUTH,
//! CUSTOM_AUTH, USER_AUTH, device SRP), its async driver over `cognito-wire`'s transport, token
//! sets and refresh, remembered devices, MFA, JWT verification with JWKS caching, and the
//! self-service operations a signed-in user performs.
