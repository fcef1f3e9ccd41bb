//! Arbitrary response sequences (and answers) fed to the sign-in state machine: it must never
//! panic, whatever the server sends.
//!
//! Input: byte 0 picks the flow (mod 5: USER_SRP, USER_PASSWORD, CUSTOM with SRP, USER_AUTH,
//! admin SRP) and, with bit 7, a remembered device; the rest is chunks separated by `0xff`,
//! each a kind byte (mod 8: 0 InitiateAuth, 1 RespondToAuthChallenge, 2 AdminInitiateAuth,
//! 3 AdminRespondToAuthChallenge, 4 AssociateSoftwareToken, 5 VerifySoftwareToken response
//! bodies as JSON; 6-7, or a body that does not parse, an answer: see [`answer`]). Seeds:
//! `seeds/signin_sequences/` (written by `seeds/make_signin_seeds.py`).
#![no_main]

use std::collections::BTreeMap;

use cognito_auth::{Answer, DeviceCredentials, FirstFactor, Flow, Response, SignIn, SignInConfig};
use cognito_wire::ChallengeNameType;
use libfuzzer_sys::fuzz_target;

/// An answer: the first byte picks the kind (mod 9), the rest is its text.
fn answer(body: &[u8]) -> Answer {
    let (kind, text) = body.split_first().map_or((0, body), |(k, t)| (*k, t));
    let text = String::from_utf8_lossy(text).into_owned();
    match kind % 9 {
        0 => Answer::Code(text.into()),
        1 => Answer::TotpSetupCode {
            code: text.into(),
            friendly_device_name: Some("fuzz".into()),
        },
        2 => Answer::NewPassword {
            password: text.as_str().into(),
            attributes: BTreeMap::from([("name".to_owned(), "fuzz".to_owned())]),
        },
        3 => Answer::SetUpTotp,
        4 => Answer::SetUpEmail(text),
        5 => Answer::Choose(text.parse().unwrap_or(ChallengeNameType::SoftwareTokenMfa)),
        6 => Answer::FirstFactor(match text.len() % 5 {
            0 => FirstFactor::Password,
            1 => FirstFactor::PasswordSrp,
            2 => FirstFactor::EmailOtp,
            3 => FirstFactor::SmsOtp,
            _ => FirstFactor::WebAuthn,
        }),
        7 => Answer::Custom(text.into()),
        _ => Answer::WebAuthnCredential(serde_json::from_str(&text).unwrap_or_default()),
    }
}

struct Fixed;
impl srp_core::RandomSource for Fixed {
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), srp_core::SrpError> {
        dest.iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = (i as u8) | 1);
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let flow = match selector % 5 {
        0 => Flow::UserSrp,
        1 => Flow::UserPassword,
        2 => Flow::Custom { srp: true },
        3 => Flow::UserAuth { preferred: None },
        _ => Flow::AdminUserSrp,
    };
    let device = (selector & 0x80 != 0).then(|| DeviceCredentials {
        device_key: "us-east-1_dev".into(),
        device_group_key: "-grp".into(),
        device_password: "cGFzcw==".into(),
    });
    let config = SignInConfig::new("us-east-1_Fuzz", "client", "user")
        .password("pw")
        .client_secret("secret")
        .flow(flow)
        .device(device);
    let mut signin = SignIn::new(config);
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let _ = signin.start(&Fixed);
    // Chunks separated by 0xff: each is a response body (JSON) for one of the operations, or
    // an answer.
    for chunk in rest.split(|b| *b == 0xff) {
        let Some((&kind, body)) = chunk.split_first() else {
            continue;
        };
        let response = match kind % 8 {
            0 => serde_json::from_slice(body)
                .ok()
                .map(Response::InitiateAuth),
            1 => serde_json::from_slice(body)
                .ok()
                .map(Response::RespondToAuthChallenge),
            2 => serde_json::from_slice(body)
                .ok()
                .map(Response::AdminInitiateAuth),
            3 => serde_json::from_slice(body)
                .ok()
                .map(Response::AdminRespondToAuthChallenge),
            4 => serde_json::from_slice(body)
                .ok()
                .map(Response::AssociateSoftwareToken),
            5 => serde_json::from_slice(body)
                .ok()
                .map(Response::VerifySoftwareToken),
            _ => None,
        };
        match response {
            Some(r) => {
                let _ = signin.handle_response(r, now, &Fixed);
            }
            None => {
                let _ = signin.answer(answer(body), &Fixed);
            }
        }
    }
});
