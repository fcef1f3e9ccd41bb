//! The questions a sign-in asks its caller, and the answers it takes.

use cognito_wire::vocab::Key;
use cognito_wire::{ChallengeNameType, DeliveryMediumType, SensitiveString};
use std::collections::BTreeMap;

use super::FirstFactor;

/// Which kind of one-time code is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeKind {
    /// `SMS_MFA`: a code sent by SMS as a second factor.
    SmsMfa,
    /// `SOFTWARE_TOKEN_MFA`: a TOTP code from an authenticator app.
    SoftwareTokenMfa,
    /// `EMAIL_OTP`: a code sent by email (second factor, or first factor in `USER_AUTH`).
    EmailOtp,
    /// `SMS_OTP`: a code sent by SMS as a first factor (`USER_AUTH`).
    SmsOtp,
}

impl CodeKind {
    pub(crate) fn challenge(self) -> ChallengeNameType {
        match self {
            CodeKind::SmsMfa => ChallengeNameType::SmsMfa,
            CodeKind::SoftwareTokenMfa => ChallengeNameType::SoftwareTokenMfa,
            CodeKind::EmailOtp => ChallengeNameType::EmailOtp,
            CodeKind::SmsOtp => ChallengeNameType::SmsOtp,
        }
    }

    pub(crate) fn response_key(self) -> Key {
        match self {
            CodeKind::SmsMfa => Key::SmsMfaCode,
            CodeKind::SoftwareTokenMfa => Key::SoftwareTokenMfaCode,
            CodeKind::EmailOtp => Key::EmailOtpCode,
            CodeKind::SmsOtp => Key::SmsOtpCode,
        }
    }
}

/// A typed question for the caller (a person at a prompt, or a program).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Question {
    /// Enter a one-time code; answer with [`Answer::Code`].
    Code {
        /// Which code.
        kind: CodeKind,
        /// Where it was sent (masked), for SMS and email.
        destination: Option<String>,
        /// How it was sent.
        medium: Option<DeliveryMediumType>,
    },
    /// Choose a new password (and give the required attributes); answer with
    /// [`Answer::NewPassword`].
    NewPassword {
        /// The user's current attributes.
        user_attributes: BTreeMap<String, String>,
        /// Attributes that must be given with the new password.
        required_attributes: Vec<String>,
    },
    /// MFA must be set up first; answer with [`Answer::SetUpTotp`] or [`Answer::SetUpEmail`].
    SetUpMfa {
        /// What can be set up.
        options: Vec<ChallengeNameType>,
    },
    /// Add this TOTP secret to an authenticator app, then answer with [`Answer::Code`] (or
    /// [`Answer::TotpSetupCode`] to name the device).
    TotpSecret {
        /// The base32 secret (show it as text or as the QR code of `otpauth_uri`).
        secret: SensitiveString,
    },
    /// Choose the MFA type; answer with [`Answer::Choose`].
    ChooseMfa {
        /// The choices.
        options: Vec<ChallengeNameType>,
    },
    /// Choose the first factor (`USER_AUTH`); answer with [`Answer::FirstFactor`].
    ChooseFirstFactor {
        /// The choices.
        options: Vec<ChallengeNameType>,
    },
    /// A custom challenge; answer with [`Answer::Custom`].
    Custom {
        /// The challenge parameters.
        parameters: BTreeMap<String, String>,
    },
    /// Sign with a passkey: hand `credential_request_options` to an authenticator and answer with
    /// [`Answer::WebAuthnCredential`].
    WebAuthn {
        /// `PublicKeyCredentialRequestOptions` JSON.
        credential_request_options: serde_json::Value,
    },
}

impl Question {
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Question::Code { .. } => "Code",
            Question::NewPassword { .. } => "NewPassword",
            Question::SetUpMfa { .. } => "SetUpMfa",
            Question::TotpSecret { .. } => "TotpSecret",
            Question::ChooseMfa { .. } => "ChooseMfa",
            Question::ChooseFirstFactor { .. } => "ChooseFirstFactor",
            Question::Custom { .. } => "Custom",
            Question::WebAuthn { .. } => "WebAuthn",
        }
    }

    /// The `otpauth://` URI for a [`Question::TotpSecret`] (for a QR code), given the label to
    /// show in the app.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Option<String> {
        let Question::TotpSecret { secret } = self else {
            return None;
        };
        Some(format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}",
            percent(issuer),
            percent(account),
            secret.expose(),
            percent(issuer)
        ))
    }
}

fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An answer to a [`Question`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Answer {
    /// A one-time code (MFA, OTP, or the first TOTP code while setting up).
    Code(SensitiveString),
    /// The first TOTP code while setting up, with a name for the authenticator.
    TotpSetupCode {
        /// The code.
        code: SensitiveString,
        /// `FriendlyDeviceName`.
        friendly_device_name: Option<String>,
    },
    /// A new password and attribute values.
    NewPassword {
        /// The new password.
        password: srp_core::Password,
        /// Attribute values (names without the `userAttributes.` prefix).
        attributes: BTreeMap<String, String>,
    },
    /// Set up TOTP (answer to [`Question::SetUpMfa`]).
    SetUpTotp,
    /// Set up email MFA with this address (answer to [`Question::SetUpMfa`]).
    SetUpEmail(String),
    /// The chosen MFA type.
    Choose(ChallengeNameType),
    /// The chosen first factor.
    FirstFactor(FirstFactor),
    /// The answer to a custom challenge.
    Custom(SensitiveString),
    /// A WebAuthn assertion (`PublicKeyCredential` JSON).
    WebAuthnCredential(serde_json::Value),
}

impl Answer {
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Answer::Code(_) => "Code",
            Answer::TotpSetupCode { .. } => "TotpSetupCode",
            Answer::NewPassword { .. } => "NewPassword",
            Answer::SetUpTotp => "SetUpTotp",
            Answer::SetUpEmail(_) => "SetUpEmail",
            Answer::Choose(_) => "Choose",
            Answer::FirstFactor(_) => "FirstFactor",
            Answer::Custom(_) => "Custom",
            Answer::WebAuthnCredential(_) => "WebAuthnCredential",
        }
    }
}
