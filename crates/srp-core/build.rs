#![allow(clippy::expect_used, clippy::indexing_slicing)]
//! Precomputes the fixed-base comb tables for g (see `src/fixed_base.rs`) so that no login pays
//! for building them. The tables are a pure function of N and g; `fixed_base`'s tests rebuild
//! them at run time and compare.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U3072};
use std::io::Write;

#[path = "src/params.rs"]
#[allow(dead_code)]
mod params;

fn main() {
    println!("cargo::rerun-if-changed=src/params.rs");
    println!("cargo::rerun-if-changed=build.rs");
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    let n = U3072::from_be_hex(params::N_HEX);
    let modulus = Odd::new(n).expect("N is odd");
    let monty = FixedMontyParams::new_vartime(modulus);
    for (name, shape) in [
        ("comb_1024.bin", params::COMB_1024),
        ("comb_256.bin", params::COMB_256),
    ] {
        let table = build(&shape, &monty);
        let path = std::path::Path::new(&out).join(name);
        let mut file = std::fs::File::create(path).expect("create table file in OUT_DIR");
        for entry in table {
            let bytes = entry.as_montgomery().to_be_bytes();
            file.write_all(bytes.as_ref()).expect("write table file");
        }
    }
}

/// Entry [j][s] = product over the set bits i of s of g^(2^(i*a + j*b)), in Montgomery form.
fn build(shape: &params::CombShape, monty: &FixedMontyParams<48>) -> Vec<FixedMontyForm<48>> {
    let (a, b) = (shape.row_len(), shape.col_len());
    let g = FixedMontyForm::new(&U3072::from_u64(params::G), monty);
    // powers[e] = g^(2^e) for every exponent position a comb base needs.
    let top = (shape.rows - 1) * a + (shape.cols - 1) * b;
    let mut powers = Vec::with_capacity(top + 1);
    let mut p = g;
    for _ in 0..=top {
        powers.push(p);
        p = p.square();
    }
    let one = FixedMontyForm::one(monty);
    let mut table = Vec::with_capacity(shape.entries());
    for j in 0..shape.cols {
        let start = table.len();
        table.push(one);
        for s in 1..shape.block_len() {
            let low = s.trailing_zeros() as usize;
            let rest = table[start + (s & (s - 1))];
            table.push(rest.mul(&powers[low * a + j * b]));
        }
    }
    table
}
