//! [`SensitiveString`]: the type of every member the model marks `sensitive`.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A string that must not leak: passwords, tokens, sessions, secret hashes, codes, usernames and
/// client ids (the model marks all of these `sensitive`).
///
/// - serializes exactly like a `String` (serde-transparent);
/// - `Debug` prints `[redacted]`; there is deliberately no `Display`;
/// - the buffer is zeroized on drop;
/// - `==` runs in constant time for equal lengths (lengths are not secret).
///
/// ```
/// use cognito_wire::SensitiveString;
/// let p = SensitiveString::from("hunter2");
/// assert_eq!(format!("{p:?}"), "[redacted]");
/// assert_eq!(p.expose(), "hunter2");
/// assert_eq!(serde_json::to_string(&p).unwrap(), "\"hunter2\"");
/// ```
#[derive(Clone, Default, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
pub struct SensitiveString(String);

impl SensitiveString {
    /// Wraps a string.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value. Named so that every use is easy to find in review.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Is the string empty?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Moves the value out; the returned `String` is no longer zeroized on drop.
    pub fn into_exposed(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

impl std::fmt::Debug for SensitiveString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for SensitiveString {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SensitiveString {}

impl From<String> for SensitiveString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SensitiveString {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl From<&String> for SensitiveString {
    fn from(value: &String) -> Self {
        Self(value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_and_compares() {
        let a = SensitiveString::from("secret");
        assert_eq!(format!("{a:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(a.clone())), "Some([redacted])");
        assert_eq!(a, SensitiveString::from("secret".to_string()));
        assert_ne!(a, SensitiveString::from("secreT"));
        assert_ne!(a, SensitiveString::from("secret2"));
        let back: SensitiveString = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.expose(), "x");
        assert_eq!(a.clone().into_exposed(), "secret");
    }
}
