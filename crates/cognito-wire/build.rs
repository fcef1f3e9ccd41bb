//! Declares the `cognito_wire_semver` cfg: the generated shapes are `#[non_exhaustive]` and lose
//! their positional `new` under `RUSTFLAGS='--cfg cognito_wire_semver'`, a preview of the
//! semver-safe API (see docs/build.md, "Generated code").

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(cognito_wire_semver)");
}
