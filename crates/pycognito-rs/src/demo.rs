//! `pycognito demo`: a whole SRP journey between srp-core's client and server roles.

use srp_core::{
    ClientEphemeral, Password, PublicValue, SecretBlock, ServerEphemeral, SrpError, Verifier,
    VerifierChallenge, format_timestamp, generate_device_secret,
};
use std::time::Instant;

const POOL_ID: &str = "us-east-1_DemoPool1";
const USERNAME: &str = "demo-user";
const PASSWORD: &str = "Corr3ct-Horse!";

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The SRP math refused an input.
    #[error(transparent)]
    Srp(#[from] SrpError),
    /// A step did not end as it should.
    #[error("step {step:?} did not do what it should: {what}")]
    Step {
        step: &'static str,
        what: &'static str,
    },
}

struct Report {
    started: Instant,
    steps: usize,
}

impl Report {
    fn step<T>(
        &mut self,
        name: &str,
        f: impl FnOnce() -> Result<(T, String), DemoError>,
    ) -> Result<T, DemoError> {
        let t = Instant::now();
        let (value, detail) = f()?;
        self.steps += 1;
        println!(
            "  ok  {:<44} {:>8.2} ms  {detail}",
            name,
            t.elapsed().as_secs_f64() * 1e3
        );
        Ok(value)
    }
}

/// Runs the journey; `Ok` only if every step did what it should.
pub fn run() -> Result<(), DemoError> {
    let rng = srp_core::ring::rand::SystemRandom::new();
    let mut report = Report {
        started: Instant::now(),
        steps: 0,
    };
    println!("pycognito demo: Cognito SRP between srp-core's client and server roles\n");

    let verifier = report.step("sign-up: server stores salt + verifier", || {
        let v = Verifier::generate_for_user(POOL_ID, USERNAME, &Password::new(PASSWORD), &rng)?;
        let detail = format!("salt {}", v.salt().to_hex());
        Ok((v, detail))
    })?;

    let timestamp = format_timestamp(time::OffsetDateTime::now_utc())?;
    let signed_in = |password: &str| -> Result<bool, DemoError> {
        let client = ClientEphemeral::generate(&rng)?;
        let server = ServerEphemeral::generate(&verifier, &rng)?;
        let block = SecretBlock::from_bytes(b"demo secret block".to_vec());
        let challenge = VerifierChallenge::parse(
            &verifier.salt().to_hex(),
            &server.public().to_hex(),
            block.as_base64(),
        )?;
        let claim = client.password_claim(
            POOL_ID,
            USERNAME,
            &Password::new(password),
            &challenge,
            &timestamp,
        )?;
        let a = PublicValue::client_a(&client.public().to_hex())?;
        Ok(server.verify_password_claim(
            &a,
            POOL_ID,
            USERNAME,
            &block,
            &claim.timestamp,
            &claim.signature,
        )?)
    };

    report.step(
        "USER_SRP_AUTH -> PASSWORD_VERIFIER, right password",
        || match signed_in(PASSWORD)? {
            true => Ok(((), "claim verified by the server".to_owned())),
            false => Err(DemoError::Step {
                step: "sign-in",
                what: "the right password was refused",
            }),
        },
    )?;
    report.step(
        "USER_SRP_AUTH -> PASSWORD_VERIFIER, wrong password",
        || match signed_in("wrong")? {
            false => Ok(((), "claim refused by the server".to_owned())),
            true => Err(DemoError::Step {
                step: "wrong password",
                what: "a wrong password was accepted",
            }),
        },
    )?;

    let (group, device) = ("-demoGroup", "us-east-1_00000000-demo-device");
    let new_device = report.step("ConfirmDevice: device verifier config", || {
        let d = generate_device_secret(group, device, &rng)?;
        Ok((d, "random device password + salt, verifier g^x".to_owned()))
    })?;
    report.step("DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER", || {
        let dv = Verifier::from_device_config(&new_device.config)?;
        let client = ClientEphemeral::generate(&rng)?;
        let server = ServerEphemeral::generate(&dv, &rng)?;
        let block = SecretBlock::from_bytes(b"device block".to_vec());
        let challenge = VerifierChallenge::parse(
            &dv.salt().to_hex(),
            &server.public().to_hex(),
            block.as_base64(),
        )?;
        let claim =
            client.device_claim(group, device, &new_device.password, &challenge, &timestamp)?;
        let a = PublicValue::client_a(&client.public().to_hex())?;
        match server.verify_device_claim(
            &a,
            group,
            device,
            &block,
            &claim.timestamp,
            &claim.signature,
        )? {
            true => Ok(((), "device claim verified".to_owned())),
            false => Err(DemoError::Step {
                step: "device sign-in",
                what: "the device claim was refused",
            }),
        }
    })?;

    println!(
        "\nall {} steps passed in {:.1} ms",
        report.steps,
        report.started.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
