//! Small wire types shared by the generated models: timestamps, blobs, documents, empty outputs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A free-form JSON document (the model's `document` shapes).
pub type Document = serde_json::Value;

/// The output of the operations the model gives no output shape (Cognito answers `{}`, or an
/// empty body).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A timestamp as awsJson1.1 sends it: seconds since the Unix epoch, possibly fractional.
///
/// Kept as `f64` because that is what the wire carries (`1.7e9`, `1700000000.123`). Whole
/// seconds serialize as an integer, others as a float.
///
/// ```
/// use cognito_wire::EpochSeconds;
/// let t: EpochSeconds = serde_json::from_str("1700000000.5").unwrap();
/// assert_eq!(t.as_secs_f64(), 1_700_000_000.5);
/// assert_eq!(serde_json::to_string(&EpochSeconds::from_secs(3)).unwrap(), "3");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct EpochSeconds(pub f64);

impl EpochSeconds {
    /// From whole seconds.
    pub fn from_secs(secs: i64) -> Self {
        // i64 -> f64 loses precision only beyond 2^53 s, far outside any real timestamp.
        Self(secs as f64)
    }

    /// Seconds since the epoch.
    pub fn as_secs_f64(self) -> f64 {
        self.0
    }

    /// As a `SystemTime`; `None` when negative, not finite or out of range.
    pub fn to_system_time(self) -> Option<SystemTime> {
        let d = Duration::try_from_secs_f64(self.0).ok()?;
        UNIX_EPOCH.checked_add(d)
    }

    /// From a `SystemTime` (times before the epoch become negative seconds).
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Self(d.as_secs_f64()),
            Err(e) => Self(-e.duration().as_secs_f64()),
        }
    }
}

impl Serialize for EpochSeconds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        // 2^53: every integer below is exact in f64.
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for EpochSeconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = EpochSeconds;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("epoch seconds (a number)")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<EpochSeconds, E> {
                Ok(EpochSeconds(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<EpochSeconds, E> {
                Ok(EpochSeconds(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<EpochSeconds, E> {
                Ok(EpochSeconds(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EpochSeconds, E> {
                v.trim().parse::<f64>().map(EpochSeconds).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Serde helpers for blobs: standard base64 with padding, as awsJson1.1 sends them.
pub mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes bytes as a base64 string.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    /// Deserializes a base64 string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)
    }

    /// The same for `Option<Vec<u8>>`.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serializes `Some(bytes)` as base64 (`None` is skipped by the field attribute).
        pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(b) => super::serialize(b, s),
                None => s.serialize_none(),
            }
        }

        /// Deserializes an optional base64 string (`null` is `None`).
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] Vec<u8>);
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
}
