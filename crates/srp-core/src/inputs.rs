//! Parsed challenge inputs: parse, don't validate. A value of these types has passed every check,
//! so the math never sees an unchecked one.

use crate::group::{self, Element};
use crate::{SrpError, pad};
use base64::Engine;
use crypto_bigint::U3072;

/// Longest hex string accepted for a salt (Cognito's are 16 bytes).
const MAX_SALT_HEX: usize = 512;
/// Longest base64 secret block accepted (Cognito's are about 1.4 KB).
const MAX_SECRET_BLOCK_B64: usize = 16 * 1024;
/// Longest identity string accepted (usernames, device keys, pool names, passwords).
pub(crate) const MAX_IDENTITY: usize = 4096;

/// A salt as sent in `SALT`, already padded the way the reference clients pad it.
#[derive(Clone, PartialEq, Eq)]
pub struct Salt(pub(crate) Vec<u8>);

impl Salt {
    /// Parses Cognito's `SALT` hex (any length parity, any case).
    ///
    /// ```
    /// let salt = srp_core::Salt::from_hex("f90f48f03c28dc866d91b62c99a0ea47")?;
    /// assert_eq!(salt.padded_bytes().len(), 17); // top bit set: a 00 byte goes in front
    /// assert!(srp_core::Salt::from_hex("xyz").is_err());
    /// # Ok::<(), srp_core::SrpError>(())
    /// ```
    pub fn from_hex(hex: &str) -> Result<Self, SrpError> {
        pad::padded_hex_string_bytes("SALT", hex, MAX_SALT_HEX).map(Salt)
    }

    /// A salt from raw bytes read as an unsigned integer (how device salts are built).
    pub fn from_integer_bytes(bytes: &[u8]) -> Result<Self, SrpError> {
        if bytes.is_empty() {
            return Err(SrpError::Empty { field: "SALT" });
        }
        if bytes.len() > MAX_SALT_HEX / 2 {
            return Err(SrpError::TooLong {
                field: "SALT",
                len: bytes.len(),
                max: MAX_SALT_HEX / 2,
            });
        }
        Ok(Salt(pad::padded_from_be(bytes)))
    }

    /// The bytes that enter x = H(salt | H(identity)).
    pub fn padded_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The salt as unpadded lowercase hex (how a server sends it).
    pub fn to_hex(&self) -> String {
        pad::bytes_to_unpadded_hex(&self.0)
    }
}

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Salt({})", self.to_hex())
    }
}

/// A public ephemeral value (`SRP_A` or `SRP_B`) that is not zero modulo N.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicValue {
    pub(crate) value: U3072,
    pub(crate) element: Element,
}

impl PublicValue {
    /// Parses `SRP_B` from a server; rejects B mod N == 0.
    ///
    /// ```
    /// assert!(srp_core::PublicValue::server_b("0").is_err());
    /// assert!(srp_core::PublicValue::server_b(srp_core::n_hex()).is_err()); // N mod N == 0
    /// assert!(srp_core::PublicValue::server_b("abc123").is_ok());
    /// ```
    pub fn server_b(hex: &str) -> Result<Self, SrpError> {
        Self::parse("SRP_B", hex)
    }

    /// Parses `SRP_A` from a client; rejects A mod N == 0.
    pub fn client_a(hex: &str) -> Result<Self, SrpError> {
        Self::parse("SRP_A", hex)
    }

    fn parse(field: &'static str, hex: &str) -> Result<Self, SrpError> {
        let value = group::parse_hex_integer(field, hex)?;
        let element = group::element(&value);
        if group::is_zero(&element) {
            return Err(SrpError::ZeroModN { field });
        }
        Ok(PublicValue { value, element })
    }

    pub(crate) fn from_element(element: Element) -> Self {
        PublicValue {
            value: element.retrieve(),
            element,
        }
    }

    /// Unpadded lowercase hex, as it goes on the wire.
    pub fn to_hex(&self) -> String {
        pad::to_hex(&self.value)
    }

    /// The padded bytes that are hashed into u.
    pub(crate) fn padded_bytes(&self) -> Vec<u8> {
        pad::padded_bytes(&self.value)
    }
}

impl std::fmt::Debug for PublicValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = self.to_hex();
        write!(f, "PublicValue({}…)", hex.get(..16).unwrap_or(&hex))
    }
}

/// The opaque `SECRET_BLOCK` a server sends with `PASSWORD_VERIFIER` / `DEVICE_PASSWORD_VERIFIER`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBlock {
    bytes: Vec<u8>,
    base64: String,
}

impl SecretBlock {
    /// Decodes standard base64 (with padding), as Cognito sends it.
    pub fn from_base64(b64: &str) -> Result<Self, SrpError> {
        let field = "SECRET_BLOCK";
        if b64.is_empty() {
            return Err(SrpError::Empty { field });
        }
        if b64.len() > MAX_SECRET_BLOCK_B64 {
            return Err(SrpError::TooLong {
                field,
                len: b64.len(),
                max: MAX_SECRET_BLOCK_B64,
            });
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| SrpError::InvalidBase64 { field })?;
        Ok(SecretBlock {
            bytes,
            base64: b64.to_owned(),
        })
    }

    /// A block from raw bytes (servers create them).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let base64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        SecretBlock { bytes, base64 }
    }

    /// The decoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The base64 form, to echo back as `PASSWORD_CLAIM_SECRET_BLOCK`.
    pub fn as_base64(&self) -> &str {
        &self.base64
    }
}

impl std::fmt::Debug for SecretBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBlock({} bytes)", self.bytes.len())
    }
}

/// Checks an identity component (username, pool name, device key, password) for length.
pub(crate) fn check_identity(field: &'static str, value: &str) -> Result<(), SrpError> {
    if value.is_empty() {
        return Err(SrpError::Empty { field });
    }
    if value.len() > MAX_IDENTITY {
        return Err(SrpError::TooLong {
            field,
            len: value.len(),
            max: MAX_IDENTITY,
        });
    }
    Ok(())
}

/// The pool name: the part of a user pool id after `_` (`us-east-1_AbC` -> `AbC`).
///
/// The id is checked with the rules of `cognito_wire::PoolId` (kept in step by a test of
/// cognito-auth, which sees both crates): 1 to 55 characters, `<region>_<name>` split at the
/// first `_`, the region lowercase ASCII letters, digits and `-` (starting with a letter,
/// ending with a letter or digit, with at least one `-`), the name ASCII letters and digits.
///
/// ```
/// assert_eq!(srp_core::pool_name("eu-west-2_Q1w2E3r4")?, "Q1w2E3r4");
/// assert!(srp_core::pool_name("no-underscore").is_err());
/// assert!(srp_core::pool_name("EU_x").is_err());
/// assert!(srp_core::pool_name("eu-west-2_Q1w2/E3r4").is_err());
/// # Ok::<(), srp_core::SrpError>(())
/// ```
pub fn pool_name(pool_id: &str) -> Result<&str, SrpError> {
    let region_ok = |r: &str| {
        let b = r.as_bytes();
        b.first().is_some_and(u8::is_ascii_lowercase)
            && b.last()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && b.contains(&b'-')
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    };
    let name_ok = |n: &str| !n.is_empty() && n.bytes().all(|c| c.is_ascii_alphanumeric());
    match pool_id.split_once('_') {
        Some((region, name))
            if pool_id.chars().count() <= MAX_POOL_ID && region_ok(region) && name_ok(name) =>
        {
            Ok(name)
        }
        _ => Err(SrpError::InvalidPoolId(pool_id.chars().take(80).collect())),
    }
}

/// Longest user pool id (the API's `UserPoolIdType`: 1 to 55 characters).
const MAX_POOL_ID: usize = 55;
