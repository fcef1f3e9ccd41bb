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
    start_with(pool, EmulatorConfig::default())
}

/// An emulator on a manual clock (TOTP steps advance when the test says).
fn start_on_manual_clock(pool: PoolSpec) -> (tokio::runtime::Runtime, Emulator, String, String) {
    let clock = std::sync::Arc::new(cognito_emulator::ManualClock::new(
        std::time::SystemTime::now(),
    ));
    start_with(pool, EmulatorConfig::default().clock(Some(clock)))
}

fn start_with(
    pool: PoolSpec,
    config: EmulatorConfig,
) -> (tokio::runtime::Runtime, Emulator, String, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(Emulator::start(config)).unwrap();
    let pool_id = emu.create_pool(pool).unwrap();
    let client = emu
        .create_client(&pool_id, ClientSpec::default().name("tty".into()))
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
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true);
    let (_rt, emu, pool_id, client_id) = start(pool);
    let mut user = UserSpec::default()
        .username("tia".into())
        .password(Some(PW.into()));
    user.mfa = UserMfaSpec::default()
        .totp_secret(Some(TOTP_SECRET.into()))
        .preferred(Some("SOFTWARE_TOKEN_MFA".into()));
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
    let pool = PoolSpec::default()
        .mfa(MfaConfig::On)
        .software_token_mfa(true);
    let (_rt, emu, pool_id, client_id) = start(pool);
    let user = UserSpec::default()
        .username("uma".into())
        .password(Some(PW.into()));
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

/// The current TOTP code of `secret` on the emulator's clock.
fn totp_now(emu: &Emulator, secret: &str) -> String {
    let now = emu
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    pycognito_tests::totp(secret, now)
}

/// A user with TOTP MFA on a pool where it is optional.
fn totp_user(emu: &Emulator, pool_id: &str, name: &str) {
    let mut user = UserSpec::default()
        .username(name.into())
        .password(Some(PW.into()));
    user.mfa = UserMfaSpec::default()
        .totp_secret(Some(TOTP_SECRET.into()))
        .preferred(Some("SOFTWARE_TOKEN_MFA".into()));
    emu.create_user(pool_id, user).unwrap();
}

fn totp_pool(mfa: MfaConfig) -> PoolSpec {
    PoolSpec::default().mfa(mfa).software_token_mfa(true)
}

#[test]
fn a_wrong_mfa_code_is_asked_again() {
    let (_rt, emu, pool_id, client_id) = start(totp_pool(MfaConfig::Optional));
    totp_user(&emu, &pool_id, "wade");
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "wade"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("Authenticator code:").unwrap();
    let right = totp_now(&emu, TOTP_SECRET);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    p.send_line(wrong).unwrap();
    p.exp_string("the code is wrong; enter it again").unwrap();
    p.exp_string("Authenticator code:").unwrap();
    p.send_line(&right).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("signed in as wade"), "{rest}");
}

#[test]
fn a_used_totp_code_is_refused_and_the_next_one_asked() {
    let (_rt, emu, pool_id, client_id) = start_on_manual_clock(totp_pool(MfaConfig::Optional));
    totp_user(&emu, &pool_id, "xavi");
    // A first sign-in uses the current code (from a script).
    let code = totp_now(&emu, TOTP_SECRET);
    let mut cmd = pycognito(
        &emu,
        &pool_id,
        &client_id,
        &[
            "login",
            "-u",
            "xavi",
            "--password-stdin",
            "--mfa-code",
            &code,
        ],
    );
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PW}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // The same code again at a terminal: already used; the next code is asked for.
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "xavi"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("Authenticator code:").unwrap();
    p.send_line(&code).unwrap();
    p.exp_string("already used; wait for the authenticator's next code")
        .unwrap();
    p.exp_string("Authenticator code:").unwrap();
    emu.advance_clock(std::time::Duration::from_secs(30));
    let next = totp_now(&emu, TOTP_SECRET);
    assert_ne!(next, code);
    p.send_line(&next).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("signed in as xavi"), "{rest}");
}

#[test]
fn a_refused_new_password_is_asked_again_with_the_policy() {
    let (_rt, emu, pool_id, client_id) = start(PoolSpec::default());
    let user = UserSpec::default()
        .username("yara".into())
        .temporary_password(Some("Temp-Passw0rd1!".into()));
    emu.create_user(&pool_id, user).unwrap();
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "yara"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line("Temp-Passw0rd1!").unwrap();
    p.exp_string("New password:").unwrap();
    p.send_line("short").unwrap();
    p.exp_string("New password (again):").unwrap();
    p.send_line("short").unwrap();
    // Cognito's policy message, then the question again.
    p.exp_string("the new password was refused (Password did not conform with policy")
        .unwrap();
    p.exp_string("choose another").unwrap();
    p.exp_string("New password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("New password (again):").unwrap();
    p.send_line(PW).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("signed in as yara"), "{rest}");
    assert!(!rest.contains(PW), "the password is not echoed: {rest}");
}

#[test]
fn a_wrong_totp_set_up_code_is_asked_again_with_the_same_secret() {
    let (_rt, emu, pool_id, client_id) = start(totp_pool(MfaConfig::On));
    let user = UserSpec::default()
        .username("zack".into())
        .password(Some(PW.into()));
    emu.create_user(&pool_id, user).unwrap();
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "zack"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    let (_, secret_line) = p.exp_regex(r"authenticator app: [A-Z2-7]+").unwrap();
    let secret = secret_line.rsplit(' ').next().unwrap().to_owned();
    p.exp_string("Code from the app:").unwrap();
    let right = totp_now(&emu, &secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    p.send_line(wrong).unwrap();
    p.exp_string("does not match the new authenticator entry")
        .unwrap();
    // The same secret: its code now works.
    let again = p.exp_string("Code from the app:").unwrap();
    assert!(
        !again.contains("authenticator app:"),
        "not a new secret: {again}"
    );
    p.send_line(&totp_now(&emu, &secret)).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("signed in as zack"), "{rest}");
}

#[test]
fn mfa_setup_totp_asks_a_wrong_code_again() {
    let (_rt, emu, pool_id, client_id) = start(totp_pool(MfaConfig::Optional));
    let user = UserSpec::default()
        .username("abel".into())
        .password(Some(PW.into()));
    emu.create_user(&pool_id, user).unwrap();
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["login", "-u", "abel"]),
        Some(30_000),
    )
    .unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(PW).unwrap();
    p.exp_string("signed in as abel").unwrap();
    p.exp_eof().unwrap();
    let mut p = spawn_command(
        pycognito(&emu, &pool_id, &client_id, &["mfa", "setup-totp"]),
        Some(30_000),
    )
    .unwrap();
    let (_, secret_line) = p.exp_regex(r"authenticator app: [A-Z2-7]+").unwrap();
    let secret = secret_line.rsplit(' ').next().unwrap().to_owned();
    p.exp_string("Code from the app:").unwrap();
    let right = totp_now(&emu, &secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    p.send_line(wrong).unwrap();
    p.exp_string("does not match the new authenticator entry")
        .unwrap();
    p.exp_string("Code from the app:").unwrap();
    p.send_line(&right).unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("TOTP MFA enabled"), "{rest}");
}
