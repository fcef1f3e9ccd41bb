//! Where randomness comes from: an argument, never a global.

use crate::SrpError;

/// A source of cryptographically secure random bytes.
///
/// Every `ring::rand::SecureRandom` (such as `ring::rand::SystemRandom`) is one. `ring`'s trait
/// is sealed, so this one exists to let callers plug in their own: a deterministic source for
/// tests and reproducible runs, or another CSPRNG.
///
/// ```
/// use srp_core::{ClientEphemeral, RandomSource, SrpError};
///
/// /// Deterministic bytes for a test (never for production).
/// struct Counter(std::cell::Cell<u8>);
/// impl RandomSource for Counter {
///     fn fill_random(&self, dest: &mut [u8]) -> Result<(), SrpError> {
///         for b in dest { self.0.set(self.0.get().wrapping_add(1)); *b = self.0.get(); }
///         Ok(())
///     }
/// }
/// let a1 = ClientEphemeral::generate(&Counter(0.into()))?.public().to_hex();
/// let a2 = ClientEphemeral::generate(&Counter(0.into()))?.public().to_hex();
/// assert_eq!(a1, a2);
/// // ring's system RNG works as is.
/// ClientEphemeral::generate(&ring::rand::SystemRandom::new())?;
/// # Ok::<(), SrpError>(())
/// ```
pub trait RandomSource {
    /// Fills `dest` with random bytes.
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), SrpError>;
}

impl<T: ring::rand::SecureRandom + ?Sized> RandomSource for T {
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), SrpError> {
        self.fill(dest).map_err(|_| SrpError::Rng)
    }
}
