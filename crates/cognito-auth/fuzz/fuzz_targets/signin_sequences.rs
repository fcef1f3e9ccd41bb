//! Arbitrary response sequences (and answers) fed to the sign-in state machine: it must never
//! panic, whatever the server sends.
#![no_main]

use cognito_auth::{Answer, DeviceCredentials, Flow, Response, SignIn, SignInConfig};
use libfuzzer_sys::fuzz_target;

struct Fixed;
impl srp_core::RandomSource for Fixed {
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), srp_core::SrpError> {
        dest.iter_mut().enumerate().for_each(|(i, b)| *b = (i as u8) | 1);
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
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
    for (i, chunk) in rest.split(|b| *b == 0xff).enumerate() {
        let Some((&kind, body)) = chunk.split_first() else { continue };
        let response = match kind % 8 {
            0 => serde_json::from_slice(body).ok().map(Response::InitiateAuth),
            1 => serde_json::from_slice(body).ok().map(Response::RespondToAuthChallenge),
            2 => serde_json::from_slice(body).ok().map(Response::AdminInitiateAuth),
            3 => serde_json::from_slice(body).ok().map(Response::AdminRespondToAuthChallenge),
            4 => serde_json::from_slice(body).ok().map(Response::AssociateSoftwareToken),
            5 => serde_json::from_slice(body).ok().map(Response::VerifySoftwareToken),
            _ => None,
        };
        match response {
            Some(r) => {
                let _ = signin.handle_response(r, now, &Fixed);
            }
            None => {
                let text = String::from_utf8_lossy(body).into_owned();
                let answer = match i % 4 {
                    0 => Answer::Code(text.into()),
                    1 => Answer::SetUpTotp,
                    2 => Answer::Custom(text.into()),
                    _ => Answer::SetUpEmail(text),
                };
                let _ = signin.answer(answer, &Fixed);
            }
        }
    }
});
