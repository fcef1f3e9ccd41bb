//! Constant-time g^e through precomputed Lim-Lee comb tables.
//!
//! g^e for a secret e would cost one squaring per exponent bit with a general exponentiation.
//! A comb trades that for a table: with `rows` = h and `cols` = v (see [`CombShape`]), g^e costs
//! ceil(bits/h/v) squarings and ceil(bits/h) multiplications, each multiplication by an entry
//! fetched with a constant-time scan of 2^h entries (every entry is read, the wanted one kept by a
//! masked select), so neither the memory access pattern nor the timing depends on e.
//!
//! The tables are a pure function of N and g: `build.rs` computes them at build time (so that a
//! one-shot CLI login does not pay for them) and this module's tests recompute them.

use crate::group::{Element, LIMBS, MONTY};
use crate::params::{COMB_256, COMB_1024, CombShape, N_BYTES};
use crypto_bigint::{Choice, CtAssign, U3072, Uint};
use std::sync::LazyLock;

/// A comb table: Montgomery-form entries, `cols` blocks of `2^rows` entries.
struct Comb {
    shape: CombShape,
    entries: Vec<U3072>,
}

static COMB_A: LazyLock<Comb> = LazyLock::new(|| {
    Comb::from_bytes(
        COMB_1024,
        include_bytes!(concat!(env!("OUT_DIR"), "/comb_1024.bin")),
    )
});

static COMB_X: LazyLock<Comb> = LazyLock::new(|| {
    Comb::from_bytes(
        COMB_256,
        include_bytes!(concat!(env!("OUT_DIR"), "/comb_256.bin")),
    )
});

impl Comb {
    fn from_bytes(shape: CombShape, bytes: &[u8]) -> Self {
        let entries: Vec<U3072> = bytes
            .chunks_exact(N_BYTES)
            .map(U3072::from_be_slice)
            .collect();
        debug_assert_eq!(entries.len(), shape.entries());
        Comb { shape, entries }
    }

    /// g^e for the `shape.bits` low bits of `exponent` (big-endian bytes).
    fn pow(&self, exponent_be: &[u8]) -> Element {
        let shape = self.shape;
        let (a, b, block) = (shape.row_len(), shape.col_len(), shape.block_len());
        let mut acc = Element::one(&MONTY);
        for k in (0..b).rev() {
            acc = crate::montgomery::square(&acc);
            for j in 0..shape.cols {
                let col = j * b + k;
                if col >= a {
                    continue; // positions past the row length are always zero: public structure
                }
                let mut index = 0u32;
                for i in 0..shape.rows {
                    index |= bit(exponent_be, i * a + col) << i;
                }
                let blk = self
                    .entries
                    .get(j * block..(j + 1) * block)
                    .unwrap_or_default();
                acc = acc.mul(&lookup(blk, index));
            }
        }
        acc
    }
}

/// Bit `position` (0 = least significant) of a big-endian byte string, as 0 or 1, without
/// branching on its value. Positions beyond the string read as 0 (the position is public).
fn bit(be: &[u8], position: usize) -> u32 {
    let byte_from_end = position / 8;
    match be
        .len()
        .checked_sub(1 + byte_from_end)
        .and_then(|i| be.get(i))
    {
        Some(byte) => u32::from((byte >> (position % 8)) & 1),
        None => 0,
    }
}

/// Reads every entry and keeps entry `index` through a masked select.
fn lookup(block: &[U3072], index: u32) -> Element {
    let mut out = Uint::<LIMBS>::ZERO;
    for (i, entry) in (0u32..).zip(block) {
        out.ct_assign(entry, Choice::from_u32_eq(i, index));
    }
    Element::from_montgomery(out, &MONTY)
}

/// g^e for a 1024-bit exponent given as big-endian bytes (at most 128 significant bytes).
pub(crate) fn pow_g_1024(exponent_be: &[u8]) -> Element {
    COMB_A.pow(exponent_be)
}

/// g^e for a 256-bit exponent given as big-endian bytes (at most 32 significant bytes).
pub(crate) fn pow_g_256(exponent_be: &[u8]) -> Element {
    COMB_X.pow(exponent_be)
}

/// g^e through crypto-bigint's general constant-time exponentiation (reference for tests).
#[cfg(test)]
fn pow_g_general(exponent_be: &[u8]) -> Element {
    let e = U3072::from_be_slice(&crate::group::left_pad::<N_BYTES>(exponent_be));
    crate::group::element(&U3072::from_u64(crate::params::G)).pow(&e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rebuilds a table from scratch (the same definition as build.rs) and compares.
    fn rebuild(shape: CombShape) -> Vec<U3072> {
        let (a, b) = (shape.row_len(), shape.col_len());
        let mut out = Vec::new();
        for j in 0..shape.cols {
            for s in 0..shape.block_len() {
                let mut e = vec![0u8; N_BYTES];
                for i in 0..shape.rows {
                    if s >> i & 1 == 1 {
                        let pos = i * a + j * b;
                        e[N_BYTES - 1 - pos / 8] |= 1 << (pos % 8);
                    }
                }
                out.push(*pow_g_general(&e).as_montgomery());
            }
        }
        out
    }

    #[test]
    fn build_time_tables_match_a_runtime_rebuild() {
        assert_eq!(COMB_X.entries, rebuild(COMB_256));
        assert_eq!(COMB_A.entries, rebuild(COMB_1024));
    }

    #[test]
    fn edge_exponents() {
        for e in [vec![0u8; 128], vec![0xff; 128], vec![1], vec![]] {
            assert_eq!(pow_g_1024(&e).retrieve(), pow_g_general(&e).retrieve());
        }
        for e in [vec![0u8; 32], vec![0xff; 32], vec![2]] {
            assert_eq!(pow_g_256(&e).retrieve(), pow_g_general(&e).retrieve());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn comb_1024_agrees_with_general_pow(e in proptest::collection::vec(any::<u8>(), 128)) {
            prop_assert_eq!(pow_g_1024(&e).retrieve(), pow_g_general(&e).retrieve());
        }

        #[test]
        fn comb_256_agrees_with_general_pow(e in proptest::collection::vec(any::<u8>(), 32)) {
            prop_assert_eq!(pow_g_256(&e).retrieve(), pow_g_general(&e).retrieve());
        }
    }
}
