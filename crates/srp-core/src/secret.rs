//! Secret values as types: zeroized on drop, `[redacted]` in `Debug`, compared in constant time.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Zeroize, ZeroizeOnDrop)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret string.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Keep the borrow short and never log it.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(value: &String) -> Self {
                Self(value.clone())
            }
        }

        impl PartialEq for $name {
            /// Constant time in the contents (the lengths may leak).
            fn eq(&self, other: &Self) -> bool {
                self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
            }
        }

        impl Eq for $name {}
    };
}

secret_string!(
    /// A user's password.
    ///
    /// ```
    /// let p = srp_core::Password::new("hunter2");
    /// assert_eq!(format!("{p:?}"), "Password([redacted])");
    /// assert_eq!(p.expose(), "hunter2");
    /// ```
    Password
);

secret_string!(
    /// A remembered device's random password (base64 of 40 random bytes), created at
    /// `ConfirmDevice` time and kept by the client with the device key.
    ///
    /// ```
    /// let p = srp_core::DevicePassword::new("c2VjcmV0");
    /// assert_eq!(format!("{p:?}"), "DevicePassword([redacted])");
    /// ```
    DevicePassword
);

secret_string!(
    /// A `SECRET_HASH` value: base64(HMAC-SHA256(client secret, username + client id)).
    ///
    /// ```
    /// let h = srp_core::secret_hash("alice", "client", "secret");
    /// assert_eq!(format!("{h:?}"), "SecretHash([redacted])");
    /// ```
    SecretHash
);

/// Secret bytes of fixed length: private ephemerals, x, session keys.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct SecretBytes<const LEN: usize>(pub(crate) [u8; LEN]);

impl<const LEN: usize> std::fmt::Debug for SecretBytes<LEN> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The 16-byte key both sides derive from the SRP exchange (HKDF of S and u).
///
/// ```
/// # let key = srp_core::SessionKey::from_bytes([7; 16]);
/// assert_eq!(format!("{key:?}"), "SessionKey([redacted])");
/// assert!(key == srp_core::SessionKey::from_bytes([7; 16])); // constant-time comparison
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKey(pub(crate) [u8; 16]);

impl SessionKey {
    /// Wraps raw key bytes (for tests and for interop with other SRP implementations).
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The key bytes. Never log them.
    pub fn expose(&self) -> &[u8; 16] {
        &self.0
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

impl PartialEq for SessionKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SessionKey {}

/// The premaster secret S, in its padded big-endian form (the HKDF input).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PremasterSecret(pub(crate) Vec<u8>);

impl PremasterSecret {
    /// S as unpadded lowercase hex, for known-answer tests against the reference clients.
    pub fn expose_hex(&self) -> String {
        crate::pad::bytes_to_unpadded_hex(&self.0)
    }
}

impl std::fmt::Debug for PremasterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PremasterSecret([redacted])")
    }
}
