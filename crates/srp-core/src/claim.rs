//! The claim signatures of `PASSWORD_VERIFIER` and `DEVICE_PASSWORD_VERIFIER`.

use crate::SessionKey;
use crate::inputs::SecretBlock;
use base64::Engine;
use subtle::ConstantTimeEq;

/// base64(HMAC-SHA256(key, first | second | secret block | timestamp)).
///
/// For a user, `first` is the pool name and `second` the `USER_ID_FOR_SRP`; for a device, the
/// device group key and the device key.
pub(crate) fn signature(
    key: &SessionKey,
    first: &str,
    second: &str,
    block: &SecretBlock,
    timestamp: &str,
) -> String {
    let mac = mac(key, first, second, block, timestamp);
    base64::engine::general_purpose::STANDARD.encode(mac)
}

fn mac(
    key: &SessionKey,
    first: &str,
    second: &str,
    block: &SecretBlock,
    timestamp: &str,
) -> [u8; 32] {
    crate::hash::hmac_sha256(
        key.expose(),
        &[
            first.as_bytes(),
            second.as_bytes(),
            block.as_bytes(),
            timestamp.as_bytes(),
        ],
    )
}

/// Checks a claim's signature in constant time. A signature that is not base64 of 32 bytes is
/// simply wrong.
pub(crate) fn verify(
    key: &SessionKey,
    first: &str,
    second: &str,
    block: &SecretBlock,
    timestamp: &str,
    signature_b64: &str,
) -> bool {
    let expected = mac(key, first, second, block, timestamp);
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature_b64.as_bytes())
    else {
        return false;
    };
    given.len() == expected.len() && bool::from(given.as_slice().ct_eq(&expected))
}
