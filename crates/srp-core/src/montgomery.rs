//! Constant-time Montgomery squaring and fixed-window exponentiation in the 3072-bit group.
//!
//! crypto-bigint's `FixedMontyForm::square` runs the same interleaved loop as a multiplication
//! (2n² word products for n limbs), and its `pow` uses 4-bit windows. A secret-exponent
//! exponentiation is mostly squarings, so this module squares with crypto-bigint's Karatsuba
//! [`Uint::widening_square`] and reduces the wide square with a Montgomery reduction
//! ([`reduce`], n² word products in two interleaved rows so the carry chains overlap), and
//! exponentiates with 5-bit windows. Multiplications stay crypto-bigint's.
//!
//! Constant time: every loop bound, index and window position depends only on public sizes; the
//! final subtraction is a masked select; table entries are fetched by reading all of them and
//! keeping one through a masked select. The tests check every function against crypto-bigint's.

use crate::group::{Element, LIMBS, MONTY};
use crypto_bigint::{Choice, CtAssign, CtSelect, Limb, U3072, Uint, WideWord, Word};
use std::sync::LazyLock;
use zeroize::Zeroize;

// `reduce` handles the rows in pairs.
const _: () = assert!(LIMBS.is_multiple_of(2) && LIMBS >= 2);

/// Bits per window of [`pow`].
const WINDOW: u32 = 5;
/// Entries of the window table.
const TABLE: usize = 1 << WINDOW;

/// N as words (least significant first) and -N^-1 mod 2^Word::BITS.
static MODULUS: LazyLock<([Word; LIMBS], Word)> = LazyLock::new(|| {
    let n = *MONTY.modulus().as_ref().as_words();
    (n, MONTY.mod_neg_inv().0)
});

/// `hi * B + lo` as (low word, high word) of a double word.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)] // splitting a double word into its halves
fn split(v: WideWord) -> (Word, Word) {
    (v as Word, (v >> Word::BITS) as Word)
}

/// a * b + c + d, which always fits in a double word.
#[inline(always)]
fn mac(a: Word, b: Word, c: Word, d: Word) -> (Word, Word) {
    split(WideWord::from(a) * WideWord::from(b) + WideWord::from(c) + WideWord::from(d))
}

/// Montgomery reduction: t * R^-1 mod N for t = lo + hi * R < N * R (R = 2^3072), fully reduced.
///
/// Two rows (two multiples of N) are added per pass so their carry chains interleave.
fn reduce(lo: &U3072, hi: &U3072) -> U3072 {
    let (n, n_inv) = &*MODULUS;
    let mut t = [0 as Word; 2 * LIMBS];
    {
        let (t_lo, t_hi) = t.split_at_mut(LIMBS);
        t_lo.copy_from_slice(lo.as_words());
        t_hi.copy_from_slice(hi.as_words());
    }
    let (n0, n1, n_last) = match (n.first(), n.get(1), n.last()) {
        (Some(a), Some(b), Some(c)) => (*a, *b, *c),
        _ => return U3072::ZERO, // LIMBS >= 2: unreachable
    };
    let mut meta: Word = 0; // carry out of the top of the running sum (0 or 1)
    let mut row = 0;
    while row + 1 < LIMBS {
        // window[j] is t[row + j]; rows `row` and `row + 1` add m0 * N and m1 * N * B.
        let Some(window) = t.get_mut(row..row + LIMBS + 2) else {
            break;
        };
        let (w0, w1) = (window.first().copied(), window.get(1).copied());
        let (Some(w0), Some(w1)) = (w0, w1) else {
            break;
        };
        let m0 = w0.wrapping_mul(*n_inv);
        let (_, c0) = mac(m0, n0, w0, 0);
        let (w1, mut c0) = mac(m0, n1, w1, c0);
        let m1 = w1.wrapping_mul(*n_inv);
        let (_, mut c1) = mac(m1, n0, w1, 0);
        let (body, top) = window.split_at_mut(LIMBS);
        for (tj, (nj, nj_1)) in body
            .iter_mut()
            .skip(2)
            .zip(n.iter().skip(2).zip(n.iter().skip(1)))
        {
            let (l0, h0) = mac(m0, *nj, *tj, c0);
            c0 = h0;
            let (l1, h1) = mac(m1, *nj_1, l0, c1);
            c1 = h1;
            *tj = l1;
        }
        if let [t_a, t_b] = top {
            // Column row + LIMBS: the end of row 0's carry, the previous meta carry, and the
            // last word of row 1; column row + LIMBS + 1 takes what is left.
            let (s, s_carry) =
                split(WideWord::from(*t_a) + WideWord::from(c0) + WideWord::from(meta));
            let (l1, h1) = mac(m1, n_last, s, c1);
            *t_a = l1;
            let (s2, s2_carry) =
                split(WideWord::from(*t_b) + WideWord::from(h1) + WideWord::from(s_carry));
            *t_b = s2;
            meta = s2_carry;
        }
        row += 2;
    }
    let mut upper = [0 as Word; LIMBS];
    if let Some(src) = t.get(LIMBS..) {
        upper.copy_from_slice(src);
    }
    t.zeroize();
    let upper = U3072::from_words(upper);
    // upper + meta * R < 2N: subtract N once when meta is set or upper >= N.
    let (diff, borrow) = upper.borrowing_sub(MONTY.modulus().as_ref(), Limb::ZERO);
    let take_diff = Limb(meta).lsb_to_choice().or(borrow.is_zero());
    upper.ct_select(&diff, take_diff)
}

/// x² in Montgomery form.
pub(crate) fn square(x: &Element) -> Element {
    let (lo, hi) = x.as_montgomery().widening_square();
    Element::from_montgomery(reduce(&lo, &hi), &MONTY)
}

/// Bit `position` of `words` (least significant word first) as 0 or 1; positions past the end
/// read as 0. The position is public; the bit's value is not branched on.
fn bit<const L: usize>(words: &[Word; L], position: u32) -> u32 {
    let word = (position / Word::BITS) as usize;
    words
        .get(word)
        .map_or(0, |w| u32::from(((w >> (position % Word::BITS)) & 1) == 1))
}

/// base^exponent for the low `bits` bits of `exponent`, in constant time for a given `bits`.
pub(crate) fn pow<const L: usize>(base: &Element, exponent: &Uint<L>, bits: u32) -> Element {
    let entry = |m: &U3072| Element::from_montgomery(*m, &MONTY);
    // table[i] = base^i; even powers by squaring, odd ones by one multiplication.
    let mut table = [*Element::one(&MONTY).as_montgomery(); TABLE];
    for i in 1..TABLE {
        let next = match (i % 2, table.get(i / 2), table.get(i - 1)) {
            (0, Some(half), _) => square(&entry(half)),
            (_, _, Some(prev)) => entry(prev).mul(base),
            _ => continue,
        };
        if let Some(slot) = table.get_mut(i) {
            *slot = *next.as_montgomery();
        }
    }
    let bits = bits.min(Uint::<L>::BITS);
    let words = exponent.as_words();
    let windows = bits.div_ceil(WINDOW);
    let mut acc = Element::one(&MONTY);
    for w in (0..windows).rev() {
        if w + 1 < windows {
            for _ in 0..WINDOW {
                acc = square(&acc);
            }
        }
        let mut index = 0u32;
        for k in 0..WINDOW {
            let position = w * WINDOW + k;
            if position < bits {
                index |= bit(words, position) << k;
            }
        }
        let factor = entry(&lookup(&table, index));
        acc = if w + 1 == windows {
            factor
        } else {
            acc.mul(&factor)
        };
    }
    table.zeroize();
    acc
}

/// Reads every entry and keeps entry `index` through a masked select.
fn lookup(table: &[U3072; TABLE], index: u32) -> U3072 {
    let mut out = U3072::ZERO;
    for (i, entry) in (0u32..).zip(table) {
        out.ct_assign(entry, Choice::from_u32_eq(i, index));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn element_from(bytes: &[u8]) -> Element {
        crate::group::element(&U3072::from_be_slice(&crate::group::left_pad::<384>(bytes)))
    }

    fn n_minus(k: u64) -> Element {
        crate::group::element(&crate::group::N.wrapping_sub(&U3072::from_u64(k)))
    }

    #[test]
    fn square_matches_crypto_bigint_at_the_edges() {
        for x in [
            Element::zero(&MONTY),
            Element::one(&MONTY),
            n_minus(1),
            n_minus(2),
            element_from(&[0xff; 384]),
            element_from(&[2]),
        ] {
            assert_eq!(square(&x).retrieve(), x.square().retrieve());
        }
    }

    #[test]
    fn pow_matches_crypto_bigint_at_the_edges() {
        type E = Uint<17>;
        for base in [
            Element::zero(&MONTY),
            Element::one(&MONTY),
            n_minus(1),
            element_from(&[3]),
        ] {
            for (exponent, bits) in [
                (E::ZERO, 1025),
                (E::ONE, 1),
                (E::MAX, 1025),
                (E::MAX, 1088),
                (E::MAX, 5),
                (E::MAX, 6),
                (E::from_u64(0b10110), 5),
            ] {
                assert_eq!(
                    pow(&base, &exponent, bits).retrieve(),
                    base.pow_bounded_exp(&exponent, bits).retrieve(),
                    "bits {bits}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn square_matches_crypto_bigint(x in proptest::collection::vec(any::<u8>(), 384)) {
            let x = element_from(&x);
            prop_assert_eq!(square(&x).retrieve(), x.square().retrieve());
        }

        #[test]
        fn pow_matches_crypto_bigint(
            base in proptest::collection::vec(any::<u8>(), 384),
            exponent in proptest::collection::vec(any::<u8>(), 136),
            bits in 1u32..=1088,
        ) {
            let base = element_from(&base);
            let exponent = Uint::<17>::from_be_slice(&exponent);
            prop_assert_eq!(
                pow(&base, &exponent, bits).retrieve(),
                base.pow_bounded_exp(&exponent, bits).retrieve()
            );
        }
    }
}
