//! Typed challenge parameters ("parse, don't validate").
//!
//! Cognito returns a challenge as a name plus a flat `ChallengeParameters` string map. For the
//! challenges this stack handles, [`Challenge::parse`] turns the map into a typed value; a
//! missing required parameter is a [`ChallengeError`] naming the challenge and the parameter.
//! The raw map stays available in [`ParsedChallenge::raw`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use cognito_wire::challenge::{Challenge, ChallengeError};
//! use cognito_wire::ChallengeNameType;
//!
//! let mut raw = BTreeMap::new();
//! raw.insert("MFAS_CAN_SETUP".to_string(), r#"["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]"#.to_string());
//! let Challenge::MfaSetup(p) = Challenge::parse(&ChallengeNameType::MfaSetup, &raw).unwrap() else { panic!() };
//! assert_eq!(p.mfas_can_setup, vec![ChallengeNameType::SoftwareTokenMfa, ChallengeNameType::EmailOtp]);
//!
//! let err = Challenge::parse(&ChallengeNameType::PasswordVerifier, &raw).unwrap_err();
//! assert_eq!(err, ChallengeError::MissingParameter { challenge: "PASSWORD_VERIFIER", parameter: "SALT" });
//! ```

use std::collections::BTreeMap;

use crate::model::enums::{ChallengeNameType, DeliveryMediumType};
use crate::vocab::{Key, USER_ATTRIBUTE_PREFIX};

/// A challenge parameter is missing or malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// A required parameter is absent.
    #[error("challenge {challenge}: missing parameter {parameter}")]
    MissingParameter {
        /// Challenge name.
        challenge: &'static str,
        /// Parameter name.
        parameter: &'static str,
    },
    /// A parameter is present but cannot be parsed.
    #[error("challenge {challenge}: invalid parameter {parameter}: {reason}")]
    InvalidParameter {
        /// Challenge name.
        challenge: &'static str,
        /// Parameter name.
        parameter: &'static str,
        /// Why.
        reason: String,
    },
}

/// `PASSWORD_VERIFIER`: the server's SRP values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordVerifierParams {
    /// `SALT` (hex).
    pub salt: String,
    /// `SRP_B` (hex).
    pub srp_b: String,
    /// `SECRET_BLOCK` (base64, opaque, echoed back).
    pub secret_block: String,
    /// `USER_ID_FOR_SRP`: the user name to use in the SRP math.
    pub user_id_for_srp: String,
    /// `USERNAME`, when sent.
    pub username: Option<String>,
}

/// `DEVICE_SRP_AUTH`: the server asks for device SRP (answer with `DEVICE_KEY` and `SRP_A`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceSrpAuthParams {
    /// `USERNAME`, when sent.
    pub username: Option<String>,
}

/// `DEVICE_PASSWORD_VERIFIER`: the server's SRP values for the device.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DevicePasswordVerifierParams {
    /// `SALT` (hex).
    pub salt: String,
    /// `SRP_B` (hex).
    pub srp_b: String,
    /// `SECRET_BLOCK` (base64, opaque, echoed back).
    pub secret_block: String,
    /// `USERNAME`, when sent.
    pub username: Option<String>,
    /// `DEVICE_KEY`, when sent.
    pub device_key: Option<String>,
}

/// `NEW_PASSWORD_REQUIRED`: set a new password (and the required attributes).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewPasswordRequiredParams {
    /// `userAttributes` (a JSON object): the user's current attributes. Non-string values are
    /// kept as their JSON text.
    pub user_attributes: BTreeMap<String, String>,
    /// `requiredAttributes` (a JSON array), with the `userAttributes.` prefix removed.
    pub required_attributes: Vec<String>,
}

/// `SMS_MFA`, `EMAIL_OTP`, `SMS_OTP` (and `EMAIL_MFA`): where the code went.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeDeliveryParams {
    /// `CODE_DELIVERY_DELIVERY_MEDIUM`.
    pub delivery_medium: DeliveryMediumType,
    /// `CODE_DELIVERY_DESTINATION` (masked, e.g. `+*******1234`).
    pub destination: String,
}

/// `SOFTWARE_TOKEN_MFA`: enter a TOTP code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SoftwareTokenMfaParams {
    /// `FRIENDLY_DEVICE_NAME`, when sent.
    pub friendly_device_name: Option<String>,
}

/// `MFA_SETUP`: the user must set up MFA first.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MfaSetupParams {
    /// `MFAS_CAN_SETUP` (a JSON array): the MFA types that can be set up.
    pub mfas_can_setup: Vec<ChallengeNameType>,
}

/// `SELECT_MFA_TYPE`: choose among MFA types.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelectMfaTypeParams {
    /// `MFAS_CAN_CHOOSE` (a JSON array).
    pub mfas_can_choose: Vec<ChallengeNameType>,
}

/// `SELECT_CHALLENGE` (choice-based sign-in): choose the first factor.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelectChallengeParams {
    /// `AVAILABLE_CHALLENGES` (a JSON array), or the response's `AvailableChallenges` (see
    /// [`ParsedChallenge::from_initiate_auth`]); empty when neither was sent.
    pub available_challenges: Vec<ChallengeNameType>,
}

/// `WEB_AUTHN`: sign with a passkey.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebAuthnParams {
    /// `CREDENTIAL_REQUEST_OPTIONS`: the `PublicKeyCredentialRequestOptions` JSON.
    pub credential_request_options: serde_json::Value,
}

/// `CUSTOM_CHALLENGE`: whatever the define/create-challenge Lambdas put in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomChallengeParams {
    /// `USERNAME`, when sent.
    pub username: Option<String>,
    /// Every parameter (including `USERNAME`).
    pub parameters: BTreeMap<String, String>,
}

/// A typed challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Challenge {
    /// `PASSWORD_VERIFIER`.
    PasswordVerifier(PasswordVerifierParams),
    /// `DEVICE_SRP_AUTH`.
    DeviceSrpAuth(DeviceSrpAuthParams),
    /// `DEVICE_PASSWORD_VERIFIER`.
    DevicePasswordVerifier(DevicePasswordVerifierParams),
    /// `NEW_PASSWORD_REQUIRED`.
    NewPasswordRequired(NewPasswordRequiredParams),
    /// `SMS_MFA`.
    SmsMfa(CodeDeliveryParams),
    /// `EMAIL_OTP` (also the `EMAIL_MFA` spelling some documents use).
    EmailOtp(CodeDeliveryParams),
    /// `SMS_OTP`.
    SmsOtp(CodeDeliveryParams),
    /// `SOFTWARE_TOKEN_MFA`.
    SoftwareTokenMfa(SoftwareTokenMfaParams),
    /// `MFA_SETUP`.
    MfaSetup(MfaSetupParams),
    /// `SELECT_MFA_TYPE`.
    SelectMfaType(SelectMfaTypeParams),
    /// `SELECT_CHALLENGE`.
    SelectChallenge(SelectChallengeParams),
    /// `WEB_AUTHN`.
    WebAuthn(WebAuthnParams),
    /// `CUSTOM_CHALLENGE`.
    CustomChallenge(CustomChallengeParams),
    /// A challenge this module does not type (e.g. `PASSWORD`, `PASSWORD_SRP`,
    /// `ADMIN_NO_SRP_AUTH` or a new one): see the raw map.
    Other(ChallengeNameType),
}

struct Params<'a> {
    challenge: &'static str,
    raw: &'a BTreeMap<String, String>,
}

impl Params<'_> {
    fn required(&self, parameter: Key) -> Result<String, ChallengeError> {
        self.raw
            .get(parameter.as_str())
            .cloned()
            .ok_or(ChallengeError::MissingParameter {
                challenge: self.challenge,
                parameter: parameter.as_str(),
            })
    }

    fn optional(&self, parameter: Key) -> Option<String> {
        self.raw.get(parameter.as_str()).cloned()
    }

    fn invalid(&self, parameter: Key, reason: impl ToString) -> ChallengeError {
        ChallengeError::InvalidParameter {
            challenge: self.challenge,
            parameter: parameter.as_str(),
            reason: reason.to_string(),
        }
    }

    fn json(&self, parameter: Key) -> Result<serde_json::Value, ChallengeError> {
        let text = self.required(parameter)?;
        serde_json::from_str(&text).map_err(|e| self.invalid(parameter, e))
    }

    fn name_list(&self, parameter: Key) -> Result<Vec<ChallengeNameType>, ChallengeError> {
        let list: Vec<String> = serde_json::from_value(self.json(parameter)?)
            .map_err(|e| self.invalid(parameter, e))?;
        Ok(list.into_iter().map(ChallengeNameType::from).collect())
    }

    fn code_delivery(&self) -> Result<CodeDeliveryParams, ChallengeError> {
        Ok(CodeDeliveryParams {
            delivery_medium: DeliveryMediumType::from(
                self.required(Key::CodeDeliveryDeliveryMedium)?,
            ),
            destination: self.required(Key::CodeDeliveryDestination)?,
        })
    }
}

/// Static name of a challenge for error messages.
fn static_name(name: &ChallengeNameType) -> &'static str {
    ChallengeNameType::VALUES
        .iter()
        .copied()
        .find(|v| *v == name.as_str())
        .unwrap_or("unknown challenge")
}

impl Challenge {
    /// Types the parameters of challenge `name`.
    pub fn parse(
        name: &ChallengeNameType,
        raw: &BTreeMap<String, String>,
    ) -> Result<Challenge, ChallengeError> {
        use ChallengeNameType as N;
        let p = Params {
            challenge: static_name(name),
            raw,
        };
        Ok(match name {
            N::PasswordVerifier => Challenge::PasswordVerifier(PasswordVerifierParams {
                salt: p.required(Key::Salt)?,
                srp_b: p.required(Key::SrpB)?,
                secret_block: p.required(Key::SecretBlock)?,
                user_id_for_srp: p.required(Key::UserIdForSrp)?,
                username: p.optional(Key::Username),
            }),
            N::DeviceSrpAuth => Challenge::DeviceSrpAuth(DeviceSrpAuthParams {
                username: p.optional(Key::Username),
            }),
            N::DevicePasswordVerifier => {
                Challenge::DevicePasswordVerifier(DevicePasswordVerifierParams {
                    salt: p.required(Key::Salt)?,
                    srp_b: p.required(Key::SrpB)?,
                    secret_block: p.required(Key::SecretBlock)?,
                    username: p.optional(Key::Username),
                    device_key: p.optional(Key::DeviceKey),
                })
            }
            N::NewPasswordRequired => {
                let attrs = p.json(Key::UserAttributes)?;
                let serde_json::Value::Object(obj) = attrs else {
                    return Err(p.invalid(Key::UserAttributes, "not a JSON object"));
                };
                let user_attributes = obj
                    .into_iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect();
                let required: Vec<String> =
                    serde_json::from_value(p.json(Key::RequiredAttributes)?)
                        .map_err(|e| p.invalid(Key::RequiredAttributes, e))?;
                let required_attributes = required
                    .into_iter()
                    .map(|a| {
                        a.strip_prefix(USER_ATTRIBUTE_PREFIX)
                            .map(str::to_string)
                            .unwrap_or(a)
                    })
                    .collect();
                Challenge::NewPasswordRequired(NewPasswordRequiredParams {
                    user_attributes,
                    required_attributes,
                })
            }
            N::SmsMfa => Challenge::SmsMfa(p.code_delivery()?),
            N::EmailOtp => Challenge::EmailOtp(p.code_delivery()?),
            N::SmsOtp => Challenge::SmsOtp(p.code_delivery()?),
            N::SoftwareTokenMfa => Challenge::SoftwareTokenMfa(SoftwareTokenMfaParams {
                friendly_device_name: p.optional(Key::FriendlyDeviceName),
            }),
            N::MfaSetup => Challenge::MfaSetup(MfaSetupParams {
                mfas_can_setup: p.name_list(Key::MfasCanSetup)?,
            }),
            N::SelectMfaType => Challenge::SelectMfaType(SelectMfaTypeParams {
                mfas_can_choose: p.name_list(Key::MfasCanChoose)?,
            }),
            N::SelectChallenge => {
                let available_challenges = if raw.contains_key(Key::AvailableChallenges.as_str()) {
                    p.name_list(Key::AvailableChallenges)?
                } else {
                    Vec::new()
                };
                Challenge::SelectChallenge(SelectChallengeParams {
                    available_challenges,
                })
            }
            N::WebAuthn => Challenge::WebAuthn(WebAuthnParams {
                credential_request_options: p.json(Key::CredentialRequestOptions)?,
            }),
            N::CustomChallenge => Challenge::CustomChallenge(CustomChallengeParams {
                username: p.optional(Key::Username),
                parameters: raw.clone(),
            }),
            N::Unknown(s) if s == "EMAIL_MFA" => Challenge::EmailOtp(p.code_delivery()?),
            other => Challenge::Other(other.clone()),
        })
    }

    /// The challenge's wire name.
    pub fn name(&self) -> ChallengeNameType {
        use ChallengeNameType as N;
        match self {
            Challenge::PasswordVerifier(_) => N::PasswordVerifier,
            Challenge::DeviceSrpAuth(_) => N::DeviceSrpAuth,
            Challenge::DevicePasswordVerifier(_) => N::DevicePasswordVerifier,
            Challenge::NewPasswordRequired(_) => N::NewPasswordRequired,
            Challenge::SmsMfa(_) => N::SmsMfa,
            Challenge::EmailOtp(_) => N::EmailOtp,
            Challenge::SmsOtp(_) => N::SmsOtp,
            Challenge::SoftwareTokenMfa(_) => N::SoftwareTokenMfa,
            Challenge::MfaSetup(_) => N::MfaSetup,
            Challenge::SelectMfaType(_) => N::SelectMfaType,
            Challenge::SelectChallenge(_) => N::SelectChallenge,
            Challenge::WebAuthn(_) => N::WebAuthn,
            Challenge::CustomChallenge(_) => N::CustomChallenge,
            Challenge::Other(n) => n.clone(),
        }
    }
}

/// A typed challenge together with its raw parameters and session.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ParsedChallenge {
    /// The typed parameters.
    pub challenge: Challenge,
    /// The raw `ChallengeParameters` map.
    pub raw: BTreeMap<String, String>,
    /// The `Session` to send back.
    pub session: Option<crate::SensitiveString>,
}

impl ParsedChallenge {
    /// Types a challenge from its parts.
    pub fn new(
        name: &ChallengeNameType,
        raw: BTreeMap<String, String>,
        session: Option<crate::SensitiveString>,
    ) -> Result<Self, ChallengeError> {
        Ok(Self {
            challenge: Challenge::parse(name, &raw)?,
            raw,
            session,
        })
    }

    /// The challenge of an `InitiateAuth` response (`None` when it carries tokens instead).
    /// Fills `SELECT_CHALLENGE`'s choices from `AvailableChallenges` when the parameters lack
    /// them.
    pub fn from_initiate_auth(
        resp: &crate::InitiateAuthResponse,
    ) -> Result<Option<Self>, ChallengeError> {
        Self::from_response_parts(
            resp.challenge_name.as_ref(),
            resp.challenge_parameters.as_ref(),
            resp.session.as_ref(),
            resp.available_challenges.as_deref(),
        )
    }

    /// The challenge of a `RespondToAuthChallenge` response (`None` when it carries tokens).
    pub fn from_respond_to_auth_challenge(
        resp: &crate::RespondToAuthChallengeResponse,
    ) -> Result<Option<Self>, ChallengeError> {
        Self::from_response_parts(
            resp.challenge_name.as_ref(),
            resp.challenge_parameters.as_ref(),
            resp.session.as_ref(),
            resp.available_challenges.as_deref(),
        )
    }

    /// The challenge from the members every auth response has (also used for the `Admin*`
    /// variants).
    pub fn from_response_parts(
        name: Option<&ChallengeNameType>,
        parameters: Option<&BTreeMap<String, String>>,
        session: Option<&crate::SensitiveString>,
        available_challenges: Option<&[ChallengeNameType]>,
    ) -> Result<Option<Self>, ChallengeError> {
        let Some(name) = name else { return Ok(None) };
        let raw = parameters.cloned().unwrap_or_default();
        let mut parsed = Self::new(name, raw, session.cloned())?;
        if let (Challenge::SelectChallenge(p), Some(avail)) =
            (&mut parsed.challenge, available_challenges)
            && p.available_challenges.is_empty()
        {
            p.available_challenges = avail.to_vec();
        }
        Ok(Some(parsed))
    }
}
