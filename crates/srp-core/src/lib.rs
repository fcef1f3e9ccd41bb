//! Cognito's SRP-6a dialect (work in progress).
