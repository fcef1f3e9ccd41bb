//! Cognito's hex conventions: the reference clients' `pad_hex` and unpadded wire hex.
//!
//! A positive integer is hashed in its "padded" big-endian form: minimal bytes, plus one leading
//! zero byte when the top bit is set (so that the value reads as positive in two's complement).
//! Hex strings from the wire may have odd length; they are padded with a leading `0` nibble.

use crate::SrpError;
use crypto_bigint::U3072;

/// The padded big-endian bytes of an integer: minimal length, plus `00` when the top bit is set.
/// Zero pads to one zero byte, as `pad_hex(0) == "00"`.
pub(crate) fn padded_bytes(value: &U3072) -> Vec<u8> {
    let full = value.to_be_bytes();
    padded_from_be(full.as_ref())
}

/// Padded form of big-endian bytes (which may carry leading zeros).
pub(crate) fn padded_from_be(bytes: &[u8]) -> Vec<u8> {
    let significant = crate::group::strip_leading_zeros(bytes);
    let mut out = Vec::with_capacity(significant.len() + 1);
    match significant.first() {
        None => out.push(0),
        Some(top) if top & 0x80 != 0 => out.push(0),
        Some(_) => {}
    }
    out.extend_from_slice(significant);
    out
}

/// The padded bytes of a hex string taken as a string, exactly as the reference clients pad
/// strings: an odd length gets a leading `0`; an even length whose first digit is 8-f gets `00`;
/// leading zero digits are kept.
pub(crate) fn padded_hex_string_bytes(
    field: &'static str,
    hex: &str,
    max_len: usize,
) -> Result<Vec<u8>, SrpError> {
    let bytes = hex_to_bytes(field, hex, max_len)?;
    let high_first_digit = hex.len().is_multiple_of(2)
        && hex
            .as_bytes()
            .first()
            .is_some_and(|c| matches!(c, b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'));
    if high_first_digit {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        out.push(0);
        out.extend_from_slice(&bytes);
        return Ok(out);
    }
    Ok(bytes)
}

/// Decodes hex of any length (odd length reads as if it had a leading `0`).
pub(crate) fn hex_to_bytes(
    field: &'static str,
    hex: &str,
    max_len: usize,
) -> Result<Vec<u8>, SrpError> {
    if hex.is_empty() {
        return Err(SrpError::Empty { field });
    }
    if hex.len() > max_len {
        return Err(SrpError::TooLong {
            field,
            len: hex.len(),
            max: max_len,
        });
    }
    let decoded = if hex.len() % 2 == 1 {
        let mut even = String::with_capacity(hex.len() + 1);
        even.push('0');
        even.push_str(hex);
        hex::decode(even)
    } else {
        hex::decode(hex)
    };
    decoded.map_err(|_| SrpError::InvalidHex { field })
}

/// Lowercase hex of an integer without leading zeros (`"%x"`): how Cognito sends SRP_A/SRP_B.
pub(crate) fn to_hex(value: &U3072) -> String {
    bytes_to_unpadded_hex(value.to_be_bytes().as_ref())
}

/// Lowercase hex of big-endian bytes, without leading zero digits (`"0"` for zero).
pub(crate) fn bytes_to_unpadded_hex(bytes: &[u8]) -> String {
    let full = hex::encode(bytes);
    let trimmed = full.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}
