//! What both ceremonies read: the client data JSON, the authenticator data, and the credential's
//! COSE public key (signatures checked with ring).

use super::errors;
use crate::error::{ApiError, invalid};
use base64::Engine;
use coset::{CborSerializable, CoseKey, Label, iana};
use ring::signature::{self, UnparsedPublicKey};
use serde::Deserialize;

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// User present.
pub(crate) const FLAG_UP: u8 = 0x01;
/// User verified.
pub(crate) const FLAG_UV: u8 = 0x04;
/// Attested credential data included.
pub(crate) const FLAG_AT: u8 = 0x40;

pub(crate) fn b64url(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// Base64url, with or without padding (browsers send it without).
pub(crate) fn from_b64url(s: &str) -> Option<Vec<u8>> {
    B64URL.decode(s.trim_end_matches('=')).ok()
}

/// A base64url member of a JSON object, decoded.
pub(crate) fn b64_member(v: &serde_json::Value, name: &str) -> Result<Vec<u8>, ApiError> {
    v.get(name)
        .and_then(serde_json::Value::as_str)
        .and_then(from_b64url)
        .ok_or_else(|| invalid(format!("Credential {name} is missing or not base64url")))
}

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    typ: String,
    challenge: String,
    origin: String,
}

/// Checks `clientDataJSON`: the ceremony's type, the challenge the server issued (else
/// `WebAuthnChallengeNotFoundException`) and an origin of the relying party (else
/// `WebAuthnOriginNotAllowedException`).
pub(crate) fn check_client_data(
    raw: &[u8],
    ceremony: &str,
    challenge: &str,
    rp_id: &str,
) -> Result<(), ApiError> {
    let cd: ClientData = serde_json::from_slice(raw)
        .map_err(|_| invalid("Credential clientDataJSON is not valid JSON"))?;
    if cd.typ != ceremony {
        return Err(invalid(format!(
            "Credential clientDataJSON type must be {ceremony}"
        )));
    }
    let given = from_b64url(&cd.challenge).unwrap_or_default();
    let issued = from_b64url(challenge).unwrap_or_default();
    if issued.is_empty() || !crate::inner::ct_eq(&given, &issued) {
        return Err(errors::challenge_not_found());
    }
    if !origin_allowed(&cd.origin, rp_id) {
        return Err(errors::origin_not_allowed());
    }
    Ok(())
}

/// An origin of the relying party: `https://` on the RP id or a subdomain of it, or `http://` on
/// `localhost` (WebAuthn's secure contexts); nothing but scheme, host and port.
pub(crate) fn origin_allowed(origin: &str, rp_id: &str) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    if url.origin().ascii_serialization() != origin.trim_end_matches('/') {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let local = host == "localhost" || host.ends_with(".localhost");
    let secure = url.scheme() == "https" || (url.scheme() == "http" && local);
    let in_rp = host.eq_ignore_ascii_case(rp_id)
        || host
            .to_ascii_lowercase()
            .ends_with(&format!(".{}", rp_id.to_ascii_lowercase()));
    secure && in_rp
}

/// Authenticator data (WebAuthn § 6.1).
pub(crate) struct AuthData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub sign_count: u32,
    /// The attested credential: id and COSE public key (registration).
    pub attested: Option<(Vec<u8>, Vec<u8>)>,
}

impl AuthData {
    pub(crate) fn parse(raw: &[u8]) -> Result<AuthData, ApiError> {
        let bad = || invalid("Credential authenticator data is malformed");
        let (head, rest) = raw.split_at_checked(37).ok_or_else(bad)?;
        let (hash, tail) = head.split_at_checked(32).ok_or_else(bad)?;
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(hash);
        let (&flags, count) = tail.split_first().ok_or_else(bad)?;
        let sign_count = u32::from_be_bytes(count.try_into().map_err(|_| bad())?);
        let attested = if flags & FLAG_AT != 0 {
            let (_aaguid, rest) = rest.split_at_checked(16).ok_or_else(bad)?;
            let (len, rest) = rest.split_at_checked(2).ok_or_else(bad)?;
            let len = usize::from(u16::from_be_bytes(len.try_into().map_err(|_| bad())?));
            let (id, rest) = rest.split_at_checked(len).ok_or_else(bad)?;
            // The COSE key is one CBOR item; extensions may follow it.
            let mut cursor = std::io::Cursor::new(rest);
            let _: ciborium::Value = ciborium::from_reader(&mut cursor).map_err(|_| bad())?;
            let used = usize::try_from(cursor.position()).map_err(|_| bad())?;
            let key = rest.get(..used).ok_or_else(bad)?;
            Some((id.to_vec(), key.to_vec()))
        } else {
            None
        };
        Ok(AuthData {
            rp_id_hash,
            flags,
            sign_count,
            attested,
        })
    }

    /// The RP id hash is the relying party's (else `WebAuthnRelyingPartyMismatchException`).
    pub(crate) fn check_rp(&self, rp_id: &str) -> Result<(), ApiError> {
        if crate::inner::ct_eq(&self.rp_id_hash, &sha256(rp_id.as_bytes())) {
            Ok(())
        } else {
            Err(errors::relying_party_mismatch())
        }
    }
}

/// The COSE algorithms the emulator verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Es256,
    Rs256,
}

impl Alg {
    pub(crate) fn cose(self) -> i64 {
        match self {
            Alg::Es256 => iana::Algorithm::ES256 as i64,
            Alg::Rs256 => iana::Algorithm::RS256 as i64,
        }
    }
}

fn param(key: &CoseKey, label: i64) -> Option<&ciborium::Value> {
    key.params
        .iter()
        .find(|(l, _)| *l == Label::Int(label))
        .map(|(_, v)| v)
}

fn bytes_param(key: &CoseKey, label: i64) -> Option<&[u8]> {
    param(key, label)
        .and_then(|v| v.as_bytes())
        .map(Vec::as_slice)
}

/// A credential public key the emulator can verify with: ES256 on P-256, or RS256.
pub(crate) enum PublicKey {
    Es256(Vec<u8>),
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

impl PublicKey {
    /// Parses a COSE key; anything but ES256 (P-256) and RS256 is
    /// `WebAuthnCredentialNotSupportedException`.
    pub(crate) fn from_cose(cose: &[u8]) -> Result<PublicKey, ApiError> {
        let key = CoseKey::from_slice(cose).map_err(|_| errors::not_supported())?;
        let alg = match &key.alg {
            Some(coset::Algorithm::Assigned(iana::Algorithm::ES256)) => Alg::Es256,
            Some(coset::Algorithm::Assigned(iana::Algorithm::RS256)) => Alg::Rs256,
            _ => return Err(errors::not_supported()),
        };
        match (alg, &key.kty) {
            (Alg::Es256, coset::KeyType::Assigned(iana::KeyType::EC2)) => {
                let crv = param(&key, iana::Ec2KeyParameter::Crv as i64)
                    .and_then(|v| v.as_integer())
                    .and_then(|i| i64::try_from(i).ok());
                let x = bytes_param(&key, iana::Ec2KeyParameter::X as i64);
                let y = bytes_param(&key, iana::Ec2KeyParameter::Y as i64);
                match (crv, x, y) {
                    (Some(c), Some(x), Some(y))
                        if c == iana::EllipticCurve::P_256 as i64
                            && x.len() == 32
                            && y.len() == 32 =>
                    {
                        let mut point = Vec::with_capacity(65);
                        point.push(0x04);
                        point.extend_from_slice(x);
                        point.extend_from_slice(y);
                        Ok(PublicKey::Es256(point))
                    }
                    _ => Err(errors::not_supported()),
                }
            }
            (Alg::Rs256, coset::KeyType::Assigned(iana::KeyType::RSA)) => {
                let n = bytes_param(&key, iana::RsaKeyParameter::N as i64);
                let e = bytes_param(&key, iana::RsaKeyParameter::E as i64);
                match (n, e) {
                    (Some(n), Some(e)) => Ok(PublicKey::Rs256 {
                        n: n.to_vec(),
                        e: e.to_vec(),
                    }),
                    _ => Err(errors::not_supported()),
                }
            }
            _ => Err(errors::not_supported()),
        }
    }

    pub(crate) fn alg(&self) -> Alg {
        match self {
            PublicKey::Es256(_) => Alg::Es256,
            PublicKey::Rs256 { .. } => Alg::Rs256,
        }
    }

    /// Whether `sig` is this key's signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match self {
            PublicKey::Es256(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, point)
                    .verify(message, sig)
                    .is_ok()
            }
            PublicKey::Rs256 { n, e } => signature::RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
        }
    }
}

/// What both ceremonies sign: authenticator data, then the SHA-256 of the client data JSON.
pub(crate) fn signed_data(auth_data: &[u8], client_data: &[u8]) -> Vec<u8> {
    let mut m = auth_data.to_vec();
    m.extend_from_slice(&sha256(client_data));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Authenticator data with an attested ES256 credential (a made-up point: parsing only).
    fn attested() -> Vec<u8> {
        let mut key = Vec::new();
        let cose = ciborium::Value::Map(vec![
            (1.into(), 2.into()),
            (3.into(), (-7).into()),
            ((-1).into(), 1.into()),
            ((-2).into(), ciborium::Value::Bytes(vec![1; 32])),
            ((-3).into(), ciborium::Value::Bytes(vec![2; 32])),
        ]);
        ciborium::into_writer(&cose, &mut key).unwrap_or_default();
        let mut d = sha256(b"localhost").to_vec();
        d.push(FLAG_UP | FLAG_AT);
        d.extend(7u32.to_be_bytes());
        d.extend([0u8; 16]);
        d.extend(4u16.to_be_bytes());
        d.extend([9u8; 4]);
        d.extend(key);
        d
    }

    #[test]
    fn authenticator_data_is_parsed_and_every_truncation_refused() {
        let raw = attested();
        let parsed = AuthData::parse(&raw);
        let Ok(d) = parsed else {
            panic!("the attested data parses")
        };
        assert_eq!(d.sign_count, 7);
        assert!(d.check_rp("localhost").is_ok());
        assert!(d.check_rp("example.com").is_err());
        let (id, key) = d.attested.unwrap_or_default();
        assert_eq!(id, vec![9u8; 4]);
        assert!(PublicKey::from_cose(&key).is_ok());
        for n in 0..raw.len() {
            // Never a panic; too short for its own lengths is an error.
            let _ = AuthData::parse(raw.get(..n).unwrap_or_default());
        }
        assert!(AuthData::parse(raw.get(..36).unwrap_or_default()).is_err());
    }

    #[test]
    fn mutated_inputs_are_errors_not_panics() {
        let raw = attested();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut m = raw.clone();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let i = usize::try_from(state % m.len() as u64).unwrap_or(0);
                if let Some(b) = m.get_mut(i) {
                    *b = (state >> 32) as u8;
                }
            }
            if let Ok(d) = AuthData::parse(&m)
                && let Some((_, key)) = d.attested
            {
                let _ = PublicKey::from_cose(&key);
            }
            let _ = PublicKey::from_cose(&m);
            let _ = check_client_data(&m, "webauthn.get", "AAAA", "localhost");
        }
    }

    #[test]
    fn origins_of_the_relying_party() {
        assert!(origin_allowed("https://example.com", "example.com"));
        assert!(origin_allowed("https://login.example.com", "example.com"));
        assert!(origin_allowed("http://localhost:3000", "localhost"));
        assert!(!origin_allowed("http://example.com", "example.com"));
        assert!(!origin_allowed("https://evilexample.com", "example.com"));
        assert!(!origin_allowed("https://example.com/path", "example.com"));
        assert!(!origin_allowed(
            "https://example.com.evil.net",
            "example.com"
        ));
        assert!(!origin_allowed("not a url", "example.com"));
    }
}
