//! pycognito-rs: the Rust successor of the Python library pycognito.
//!
//! This crate will own: the `Cognito` facade with a method for every pycognito method, one
//! umbrella error that says what to do next, a blocking API, a `tower` layer adding bearer tokens,
//! and the `pycognito` command-line tool.
