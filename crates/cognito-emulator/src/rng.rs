//! Randomness: ChaCha20, seeded from the configuration (deterministic mode) or from the OS.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use ring::rand::SecureRandom;
use std::sync::Mutex;

/// The emulator's RNG.
#[derive(Debug)]
pub(crate) struct Rng(Mutex<ChaCha20Rng>);

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

impl Rng {
    pub(crate) fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => ChaCha20Rng::seed_from_u64(s),
            None => {
                let mut seed = [0u8; 32];
                if ring::rand::SystemRandom::new().fill(&mut seed).is_err() {
                    // The OS RNG is unavailable: fall back to the time (still unpredictable
                    // enough for a local test server).
                    let t = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0);
                    seed[..16].copy_from_slice(&t.to_le_bytes());
                }
                ChaCha20Rng::from_seed(seed)
            }
        };
        Rng(Mutex::new(rng))
    }

    pub(crate) fn fill(&self, out: &mut [u8]) {
        match self.0.lock() {
            Ok(mut r) => r.fill_bytes(out),
            Err(poisoned) => poisoned.into_inner().fill_bytes(out),
        }
    }

    pub(crate) fn bytes(&self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.fill(&mut v);
        v
    }

    pub(crate) fn seed32(&self) -> [u8; 32] {
        let mut s = [0u8; 32];
        self.fill(&mut s);
        s
    }

    fn pick(&self, alphabet: &[u8], n: usize) -> String {
        self.bytes(n)
            .iter()
            .map(|b| {
                let i = usize::from(*b) % alphabet.len();
                char::from(alphabet.get(i).copied().unwrap_or(b'a'))
            })
            .collect()
    }

    pub(crate) fn alnum(&self, n: usize) -> String {
        self.pick(ALNUM, n)
    }

    pub(crate) fn lower_alnum(&self, n: usize) -> String {
        self.pick(LOWER_ALNUM, n)
    }

    pub(crate) fn digits(&self, n: usize) -> String {
        self.pick(b"0123456789", n)
    }

    /// A random (version 4) UUID.
    pub(crate) fn uuid(&self) -> String {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        uuid_v4(b)
    }

    /// An opaque token (base64url of `n` random bytes).
    pub(crate) fn token(&self, n: usize) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.bytes(n))
    }
}

/// 16 bytes as a version 4 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`), its version and
/// variant bits set.
pub(crate) fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        h.get(0..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..32).unwrap_or_default()
    )
}
