//! Cognito's sign-in vocabulary, typed: the keys of `AuthParameters`, `ChallengeParameters` and
//! `ChallengeResponses`, and the maps built from them.
//!
//! Challenge names are the generated [`ChallengeNameType`](crate::ChallengeNameType) and flows
//! the generated [`AuthFlowType`](crate::AuthFlowType); this module holds the rest, so that the
//! client (which builds auth parameters and challenge responses and parses challenge parameters)
//! and the emulator (which does the opposite) spell every key through the same code. No other
//! module of the workspace writes these keys as string literals (a tidy test checks).
//!
//! ```
//! use cognito_wire::vocab::{Key, Params};
//!
//! let mut params = Params::new();
//! params.put(Key::Username, "alice");
//! params.put_secret(Key::SecretHash, "c2VjcmV0".into());
//! params.put_user_attribute("name", "Alice");
//! let map = params.into_map();
//! assert_eq!(map["USERNAME"].expose(), "alice");
//! assert_eq!(map["userAttributes.name"].expose(), "Alice");
//!
//! let read = Params::from_map(map);
//! assert_eq!(read.get(Key::Username), Some("alice"));
//! assert_eq!(read.user_attributes().collect::<Vec<_>>(), vec![("name", "Alice")]);
//! assert_eq!(Key::parse("SRP_A"), Some(Key::SrpA));
//! ```

use std::collections::BTreeMap;

use crate::sensitive::SensitiveString;

macro_rules! keys {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, )*) => {
        /// A key of `AuthParameters`, `ChallengeParameters` or `ChallengeResponses`, as Cognito
        /// spells it ([`Key::as_str`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Key {
            $( $(#[$doc])* $variant, )*
        }

        impl Key {
            /// Every key, in declaration order.
            pub const ALL: &'static [Key] = &[$(Key::$variant),*];

            /// The key as it appears on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Key::$variant => $wire, )*
                }
            }

            /// The key for a wire name (exact spelling), if it is one of Cognito's.
            pub fn parse(name: &str) -> Option<Key> {
                match name {
                    $( $wire => Some(Key::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

keys! {
    /// `USERNAME`: the sign-in name (auth parameters), the user's name (challenge parameters and
    /// responses).
    Username = "USERNAME",
    /// `SECRET_HASH`: HMAC of the user name and client id keyed with the client secret.
    SecretHash = "SECRET_HASH",
    /// `PASSWORD`: the password (`USER_PASSWORD_AUTH`, `ADMIN_USER_PASSWORD_AUTH`, the
    /// `PASSWORD` first factor).
    Password = "PASSWORD",
    /// `SRP_A`: the client's SRP public value (user and device SRP); also the value of
    /// `CHALLENGE_NAME` when custom auth starts with SRP.
    SrpA = "SRP_A",
    /// `SRP_B`: the server's SRP public value.
    SrpB = "SRP_B",
    /// `SALT`: the SRP salt (hex).
    Salt = "SALT",
    /// `SECRET_BLOCK`: the server's opaque block, echoed back in the claim.
    SecretBlock = "SECRET_BLOCK",
    /// `USER_ID_FOR_SRP`: the name used in the SRP math.
    UserIdForSrp = "USER_ID_FOR_SRP",
    /// `PASSWORD_CLAIM_SECRET_BLOCK`: the secret block, echoed.
    PasswordClaimSecretBlock = "PASSWORD_CLAIM_SECRET_BLOCK",
    /// `PASSWORD_CLAIM_SIGNATURE`: the SRP claim's HMAC.
    PasswordClaimSignature = "PASSWORD_CLAIM_SIGNATURE",
    /// `TIMESTAMP`: the claim's timestamp (`Sat Nov 21 09:05:03 UTC 2026`).
    Timestamp = "TIMESTAMP",
    /// `DEVICE_KEY`: a remembered device's key.
    DeviceKey = "DEVICE_KEY",
    /// `REFRESH_TOKEN`: the refresh token (`REFRESH_TOKEN_AUTH`).
    RefreshToken = "REFRESH_TOKEN",
    /// `NEW_PASSWORD`: the answer to `NEW_PASSWORD_REQUIRED`.
    NewPassword = "NEW_PASSWORD",
    /// `SMS_MFA_CODE`: the answer to `SMS_MFA`.
    SmsMfaCode = "SMS_MFA_CODE",
    /// `SOFTWARE_TOKEN_MFA_CODE`: the answer to `SOFTWARE_TOKEN_MFA`.
    SoftwareTokenMfaCode = "SOFTWARE_TOKEN_MFA_CODE",
    /// `EMAIL_OTP_CODE`: the answer to `EMAIL_OTP`.
    EmailOtpCode = "EMAIL_OTP_CODE",
    /// `SMS_OTP_CODE`: the answer to `SMS_OTP`.
    SmsOtpCode = "SMS_OTP_CODE",
    /// `ANSWER`: the answer to `SELECT_MFA_TYPE`, `SELECT_CHALLENGE` and `CUSTOM_CHALLENGE`.
    Answer = "ANSWER",
    /// `CHALLENGE_NAME`: custom auth's first auth parameter (`SRP_A` to start with SRP).
    ChallengeName = "CHALLENGE_NAME",
    /// `PREFERRED_CHALLENGE`: `USER_AUTH`'s preferred first factor.
    PreferredChallenge = "PREFERRED_CHALLENGE",
    /// `EMAIL`: the address to set up email MFA with (`MFA_SETUP`).
    Email = "EMAIL",
    /// `CREDENTIAL`: a WebAuthn assertion (`WEB_AUTHN`).
    Credential = "CREDENTIAL",
    /// `CREDENTIAL_REQUEST_OPTIONS`: the WebAuthn request options (`WEB_AUTHN`).
    CredentialRequestOptions = "CREDENTIAL_REQUEST_OPTIONS",
    /// `CODE_DELIVERY_DESTINATION`: where a code went (masked).
    CodeDeliveryDestination = "CODE_DELIVERY_DESTINATION",
    /// `CODE_DELIVERY_DELIVERY_MEDIUM`: how a code went (`SMS`, `EMAIL`).
    CodeDeliveryDeliveryMedium = "CODE_DELIVERY_DELIVERY_MEDIUM",
    /// `MFAS_CAN_SETUP`: the MFA kinds `MFA_SETUP` offers (a JSON list of challenge names).
    MfasCanSetup = "MFAS_CAN_SETUP",
    /// `MFAS_CAN_CHOOSE`: the MFA kinds `SELECT_MFA_TYPE` offers (a JSON list).
    MfasCanChoose = "MFAS_CAN_CHOOSE",
    /// `AVAILABLE_CHALLENGES`: the first factors `SELECT_CHALLENGE` offers (a JSON list).
    AvailableChallenges = "AVAILABLE_CHALLENGES",
    /// `userAttributes`: the user's attributes in `NEW_PASSWORD_REQUIRED` (a JSON object).
    UserAttributes = "userAttributes",
    /// `requiredAttributes`: attributes `NEW_PASSWORD_REQUIRED` needs (a JSON list).
    RequiredAttributes = "requiredAttributes",
    /// `FRIENDLY_DEVICE_NAME`: an authenticator's name (`MFA_SETUP`).
    FriendlyDeviceName = "FRIENDLY_DEVICE_NAME",
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The prefix of a user attribute in a `NEW_PASSWORD_REQUIRED` response
/// (`userAttributes.name`) and in `requiredAttributes`.
pub const USER_ATTRIBUTE_PREFIX: &str = "userAttributes.";

/// An `AuthParameters` / `ChallengeResponses` map with typed keys; every value is kept as a
/// [`SensitiveString`] (passwords, codes and claims are secrets; the rest costs nothing extra).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, SensitiveString>);

impl Params {
    /// An empty map.
    pub fn new() -> Self {
        Params::default()
    }

    /// The map received on the wire.
    pub fn from_map(map: BTreeMap<String, SensitiveString>) -> Self {
        Params(map)
    }

    /// The map to send.
    pub fn into_map(self) -> BTreeMap<String, SensitiveString> {
        self.0
    }

    /// Sets a key to a value that is not secret.
    pub fn put(&mut self, key: Key, value: &str) {
        self.0
            .insert(key.as_str().to_owned(), SensitiveString::from(value));
    }

    /// Sets a key to a secret value.
    pub fn put_secret(&mut self, key: Key, value: SensitiveString) {
        self.0.insert(key.as_str().to_owned(), value);
    }

    /// Sets `userAttributes.<name>`.
    pub fn put_user_attribute(&mut self, name: &str, value: &str) {
        self.0.insert(
            format!("{USER_ATTRIBUTE_PREFIX}{name}"),
            SensitiveString::from(value),
        );
    }

    /// A key's value (secrets included: read it only where it is used).
    pub fn get(&self, key: Key) -> Option<&str> {
        self.0.get(key.as_str()).map(SensitiveString::expose)
    }

    /// A key's value kept secret.
    pub fn get_secret(&self, key: Key) -> Option<&SensitiveString> {
        self.0.get(key.as_str())
    }

    /// Whether the key is present.
    pub fn contains(&self, key: Key) -> bool {
        self.0.contains_key(key.as_str())
    }

    /// The `userAttributes.<name>` entries, as `(name, value)`.
    pub fn user_attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().filter_map(|(k, v)| {
            k.strip_prefix(USER_ATTRIBUTE_PREFIX)
                .map(|name| (name, v.expose()))
        })
    }

    /// Keys present that are neither one of Cognito's [`Key`]s nor a user attribute (for
    /// servers that refuse unknown parameters).
    pub fn unknown_keys(&self) -> impl Iterator<Item = &str> {
        self.0
            .keys()
            .map(String::as_str)
            .filter(|k| Key::parse(k).is_none() && !k.starts_with(USER_ATTRIBUTE_PREFIX))
    }
}

/// Reads typed keys from a `ChallengeParameters` map (plain strings: nothing in it is secret).
pub trait ChallengeParams {
    /// The value of a key.
    fn param(&self, key: Key) -> Option<&str>;
}

impl ChallengeParams for BTreeMap<String, String> {
    fn param(&self, key: Key) -> Option<&str> {
        self.get(key.as_str()).map(String::as_str)
    }
}

/// Builds a `ChallengeParameters` map with typed keys.
pub fn challenge_params<'a>(
    entries: impl IntoIterator<Item = (Key, &'a str)>,
) -> BTreeMap<String, String> {
    entries
        .into_iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses_back() {
        for key in Key::ALL {
            assert_eq!(Key::parse(key.as_str()), Some(*key));
        }
        assert_eq!(Key::parse("username"), None);
    }

    #[test]
    fn unknown_keys_are_listed() {
        let mut map = BTreeMap::new();
        map.insert("USERNAME".to_owned(), SensitiveString::from("a"));
        map.insert("userAttributes.x".to_owned(), SensitiveString::from("b"));
        map.insert("BOGUS".to_owned(), SensitiveString::from("c"));
        let params = Params::from_map(map);
        assert_eq!(params.unknown_keys().collect::<Vec<_>>(), vec!["BOGUS"]);
    }
}
