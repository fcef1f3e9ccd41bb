//! The interactive `login` in a pseudo-terminal: hidden password prompt, MFA code prompt, TOTP
//! set-up with the secret and a QR code shown, against the emulator on 127.0.0.1.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_emulator::{
    ClientSpec, Emulator, EmulatorConfig, MfaConfig, PoolSpec, UserMfaSpec, UserSpec,
};
use rexpect::session::spawn_command;
use std::process::Command;

const PW: &str = "Corr3ct-Horse!";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn start(pool: PoolSpec) -> (tokio::runtime::Runtime, Emulator, String, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt
        .block_on(Emulator::start(EmulatorConfig::default()))
        .unwrap();
    let pool_id = emu.create_pool(pool).unwrap();
    let client = emu
        .create_client(
            &pool_id,
            ClientSpec {
                name: "tty".into(),
                ..ClientSpec::default()
            },
        )
        .unwrap();
    (rt, emu, pool_id, client.client_id)
}

fn pycognito(emu: &Emulator, pool_id: &str, client_id: &str, args: &[&str]) -> Command {
    let session = std::env::temp_dir().join(format!(
        "pycognito-tty-{}-{pool_id}.json",
        std::process::id()
    ));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
    cmd.args(args)
        .args([
            "--endpoint-url",
            &emu.url(),
            "--pool-id",
            pool_id,
            "--client-id",
            client_id,
        ])
        .arg("--session-file")
        .arg(session)
        .env_remove("PYCOGNITO_CLIENT_SECRET");
    cmd
}

#[test]
fn password_and_mfa_prompts_in_a_terminal() {
    let pool = PoolSpec {
        mfa: MfaConfig::Optional,
        software_token_mfa: true,
        ..PoolSpec::default()
    };
    let (_rt, emu, pool_id, client_id) = start(pool);
    let mut user = UserSpec {
        username: "tia".into(),
        password: Some(PW.into()),
        ..UserSpec::default()
    };
    user.mfa = UserMfaSpec {
        totp_secret: Some(TOTP_SECRET.into()),
        preferred: Some("SOFTWARE_TOKEN_MFA".into()),
        ..Default::default()
    };
    emu.create_user(&pool_id, user).unwrap();

    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "tia"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("Authenticator code:").unwrap();
    let now = emu
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    p.send_line(&pycognito_tests::totp(TOTP_SECRET, now))
        .unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("signed in as tia"), "{rest}");
    assert!(!rest.contains(PW), "the password is not echoed: {rest}");
}

#[test]
fn totp_set_up_shows_the_secret_and_a_qr_code() {
    let pool = PoolSpec {
        mfa: MfaConfig::On,
        software_token_mfa: true,
        ..PoolSpec::default()
    };
    let (_rt, emu, pool_id, client_id) = start(pool);
    let user = UserSpec {
        username: "uma".into(),
        password: Some(PW.into()),
        ..UserSpec::default()
    };
    emu.create_user(&pool_id, user).unwrap();

    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "uma"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    let (_, secret_line) = p.exp_regex(r"authenticator app: [A-Z2-7]+").unwrap();
    let secret = secret_line.rsplit(' ').next().unwrap().to_owned();
    // The QR code (block characters; rexpect reads bytes as Latin-1, so count its lines).
    let qr = p.exp_string("Code from the app:").unwrap();
    assert!(
        qr.lines().filter(|l| l.trim().len() > 20).count() >= 10,
        "a QR code: {qr:?}"
    );
    let now = emu
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    p.send_line(&pycognito_tests::totp(&secret, now)).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("signed in as uma"), "{rest}");
}

#[test]
fn a_new_password_is_asked_twice_and_a_mismatch_again() {
    let (_rt, emu, pool_id, client_id) = start(PoolSpec::default());
    let mut p = spawn_command(
        pycognito(
            &emu,
            &pool_id,
            &client_id,
            &["signup", "-u", "vera", "-a", "email=vera@example.com"],
        ),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("Password (again):").unwrap();
    p.send_line("Not-the-same-1!").unwrap();
    p.exp_string("differ; try again").unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("Password (again):").unwrap();
    p.send_line(PW).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("vera registered"), "{rest}");
    assert!(!rest.contains(PW), "the password is not echoed: {rest}");

    // change-password: the current password once, the new one twice.
    let code = emu.latest_code(&pool_id, "vera").unwrap();
    let out = pycognito(
        &emu,
        &pool_id,
        &client_id,
        &["confirm", "-u", "vera", "--code", &code],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "vera"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("signed in as vera").unwrap();
    p.exp_eof().unwrap();
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["change-password"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Current password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("New password:").unwrap();
    p.send_line("Second-Passw0rd!").unwrap();
    p.exp_string("New password (again):").unwrap();
    p.send_line("Second-Passw0rd!").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("password changed"), "{rest}");
}
