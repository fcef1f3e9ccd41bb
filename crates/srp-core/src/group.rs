//! The group: N, g, k, Montgomery parameters, and conversions of group elements.

use crate::params::{G, N_BYTES, N_HEX};
use crate::{SrpError, pad};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U3072};
use std::sync::LazyLock;

/// Limbs of a 3072-bit integer.
pub(crate) const LIMBS: usize = U3072::LIMBS;

/// An element of the group, in Montgomery form.
pub(crate) type Element = FixedMontyForm<LIMBS>;

/// N as an integer.
pub(crate) static N: LazyLock<U3072> = LazyLock::new(|| U3072::from_be_hex(N_HEX));

/// Montgomery parameters for N.
pub(crate) static MONTY: LazyLock<FixedMontyParams<LIMBS>> =
    LazyLock::new(|| FixedMontyParams::new_vartime(Odd::<U3072>::from_be_hex(N_HEX)));

/// k = H(pad(N) | pad(g)), in Montgomery form.
pub(crate) static K: LazyLock<Element> = LazyLock::new(|| {
    let mut input = pad::padded_bytes(&N);
    input.extend(pad::padded_bytes(&U3072::from_u64(G)));
    let digest = crate::hash::sha256(&input);
    Element::new(&U3072::from_be_slice(&left_pad::<N_BYTES>(&digest)), &MONTY)
});

/// k as lowercase hex (exposed for tests and for checking against the reference clients).
pub fn k_hex() -> String {
    pad::to_hex(&K.retrieve())
}

/// N as lowercase hex.
pub fn n_hex() -> &'static str {
    N_HEX
}

/// Parses an unpadded (possibly odd-length) hex integer that must fit in 3072 bits.
pub(crate) fn parse_hex_integer(field: &'static str, hex: &str) -> Result<U3072, SrpError> {
    integer_from_be(field, &pad::hex_to_bytes(field, hex, 2 * N_BYTES + 64)?)
}

/// An integer from big-endian bytes (leading zeros allowed) that must fit in 3072 bits.
pub(crate) fn integer_from_be(field: &'static str, bytes: &[u8]) -> Result<U3072, SrpError> {
    let significant = strip_leading_zeros(bytes);
    if significant.len() > N_BYTES {
        return Err(SrpError::TooLong {
            field,
            len: significant.len(),
            max: N_BYTES,
        });
    }
    Ok(U3072::from_be_slice(&left_pad::<N_BYTES>(significant)))
}

/// Converts an integer below 2^3072 into the group (reducing it modulo N).
pub(crate) fn element(value: &U3072) -> Element {
    Element::new(value, &MONTY)
}

/// Whether an element is zero (constant time).
pub(crate) fn is_zero(value: &Element) -> bool {
    value.retrieve().is_zero().to_bool()
}

/// Right-aligns `bytes` in a buffer of `LEN` bytes (callers guarantee `bytes.len() <= LEN`;
/// longer input keeps its last `LEN` bytes).
pub(crate) fn left_pad<const LEN: usize>(bytes: &[u8]) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    let take = bytes.len().min(LEN);
    let (_, dst) = out.split_at_mut(LEN - take);
    let (_, src) = bytes.split_at(bytes.len() - take);
    dst.copy_from_slice(src);
    out
}

/// The bytes after any leading zero bytes.
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}
