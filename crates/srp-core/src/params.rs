//! The constants of Cognito's SRP group, shared by the crate and its build script.
//!
//! This file is also compiled into `build.rs` (through `#[path]`), which derives the
//! fixed-base tables for `g` from it; keep it free of dependencies.

/// N: the 3072-bit MODP group of RFC 5054 (appendix A), as Cognito and its reference clients use it.
pub const N_HEX: &str = concat!(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74",
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437",
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed",
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05",
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb",
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b",
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718",
    "3995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33",
    "a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7",
    "abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864",
    "d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e2",
    "08e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff",
);

/// The generator g.
pub const G: u64 = 2;

/// Byte length of N (and of every group element in big-endian form).
pub const N_BYTES: usize = 384;

/// Shape of a Lim-Lee fixed-base comb: exponents of `bits` bits are split into `rows` rows,
/// each row into `cols` columns. The table holds `cols * 2^rows` group elements.
#[derive(Clone, Copy, Debug)]
pub struct CombShape {
    /// Exponent size in bits.
    pub bits: usize,
    /// Rows (h): the lookup index has this many bits.
    pub rows: usize,
    /// Columns (v): table blocks, one per column offset.
    pub cols: usize,
}

impl CombShape {
    /// Bits per row (a = ceil(bits / rows)).
    pub const fn row_len(&self) -> usize {
        self.bits.div_ceil(self.rows)
    }

    /// Bits per column within a row (b = ceil(a / cols)): the number of squarings.
    pub const fn col_len(&self) -> usize {
        self.row_len().div_ceil(self.cols)
    }

    /// Entries per column block.
    pub const fn block_len(&self) -> usize {
        1 << self.rows
    }

    /// Entries in the whole table.
    pub const fn entries(&self) -> usize {
        self.cols * self.block_len()
    }
}

/// The comb for the 1024-bit private ephemerals (a, like the reference clients).
pub const COMB_1024: CombShape = CombShape {
    bits: 1024,
    rows: 6,
    cols: 4,
};

/// The comb for 256-bit exponents (x, derived from a SHA-256 digest, and the server's b).
pub const COMB_256: CombShape = CombShape {
    bits: 256,
    rows: 4,
    cols: 4,
};
