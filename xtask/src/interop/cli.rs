//! Our CLI, the `pycognito` binary, against the emulator: scripted (passwords on stdin, `--json`
//! out) where the CLI allows it, and in a pseudo-terminal (unix) for the answers that only a
//! prompt takes (SMS / email codes sent during the command, the TOTP set-up code).

use super::check::{Check, Ctx, ensure, totp};
use super::report::{FLOWS, Outcome, PeerRun};
use super::{Dirs, emulator};
use cognito_auth::unverified_claims;
use cognito_emulator::{
    ClientSpec, DeviceTracking, Emulator, MfaConfig, PoolSpec, UserMfaSpec, UserSpec,
};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PW: &str = "Passw0rd!";
/// Longest one CLI invocation may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds `pycognito` next to the xtask (a no-op when it is fresh) and returns its path, or the
/// `--cli-bin` binary as it is.
fn build(dirs: &Dirs) -> Result<PathBuf, String> {
    if let Some(bin) = &dirs.cli_bin {
        ensure(bin.exists(), format!("--cli-bin {} exists", bin.display()))?;
        return Ok(bin.clone());
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&dirs.root)
        .args([
            "build",
            "--quiet",
            "--locked",
            "-p",
            "pycognito-rs",
            "--bin",
            "pycognito",
        ])
        .env("CARGO_TARGET_DIR", &dirs.target);
    if dirs.profile.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    let status = cmd.status().map_err(|e| format!("cargo build: {e}"))?;
    ensure(
        status.success(),
        format!("cargo build -p pycognito-rs: {status}"),
    )?;
    let bin = dirs
        .profile
        .join(format!("pycognito{}", std::env::consts::EXE_SUFFIX));
    ensure(bin.exists(), format!("{} exists", bin.display()))?;
    Ok(bin)
}

pub(crate) async fn run(dirs: &Dirs) -> PeerRun {
    let d = dirs.clone();
    let bin = match tokio::task::spawn_blocking(move || build(&d)).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return PeerRun::Broken(e),
        Err(e) => return PeerRun::Broken(e.to_string()),
    };
    let emu = match emulator().await {
        Ok(e) => Arc::new(e),
        Err(e) => return PeerRun::Broken(e),
    };
    let work = dirs.target.join("tmp").join("interop-cli");
    let _ = std::fs::remove_dir_all(&work);
    let shared = emu.clone();
    let results = tokio::task::spawn_blocking(move || {
        let mut out = BTreeMap::new();
        for (id, _) in FLOWS {
            let dir = work.join(id);
            let outcome = match std::fs::create_dir_all(&dir) {
                Err(e) => Outcome::Fail(format!("{}: {e}", dir.display())),
                Ok(()) => flow(&shared, &bin, &dir, id),
            };
            out.insert((*id).to_owned(), outcome);
        }
        out
    })
    .await;
    if let Ok(emu) = Arc::try_unwrap(emu) {
        emu.shutdown().await;
    }
    match results {
        Ok(r) => PeerRun::Ran(r),
        Err(e) => PeerRun::Broken(format!("CLI flows: {e}")),
    }
}

fn flow(emu: &Emulator, bin: &Path, dir: &Path, id: &str) -> Outcome {
    let r = match id {
        "srp" => srp(emu, bin, dir),
        "password" => password(emu, bin, dir),
        "secret_hash" => secret_hash(emu, bin, dir),
        "refresh" => refresh(emu, bin, dir),
        "new_password" => new_password(emu, bin, dir),
        "totp" => tty::totp_flow(emu, bin, dir),
        "sms_mfa" => tty::otp_mfa(emu, bin, dir, false),
        "email_mfa" => tty::otp_mfa(emu, bin, dir, true),
        "device" => device(emu, bin, dir),
        "custom_auth" => {
            return Outcome::Unsupported(
                "`login` has no CUSTOM_AUTH option (it only answers a CUSTOM_CHALLENGE that \
                 Cognito asks during its SRP sign-in)"
                    .to_owned(),
            );
        }
        "user_auth" => {
            return Outcome::Unsupported("`login` has no USER_AUTH option".to_owned());
        }
        "attributes" => attributes(emu, bin, dir),
        "sign_up" => sign_up(emu, bin, dir),
        "forgot_password" => forgot_password(emu, bin, dir),
        "change_password" => change_password(emu, bin, dir),
        "global_sign_out" => sign_out(emu, bin, dir, "logout"),
        "revoke" => sign_out(emu, bin, dir, "revoke"),
        "verify_jwt" => verify_jwt(emu, bin, dir),
        "admin" => admin(emu, bin, dir),
        "client_credentials" => client_credentials(emu, bin, dir),
        "oauth_code_pkce" => super::oauth::cli_code_flow(emu, |args, f, client_id| {
            Cli {
                bin,
                url: emu.url(),
                pool: f.pool_id.clone(),
                client_id: client_id.to_owned(),
                secret: None,
                dir,
            }
            .command(args)
        }),
        other => return Outcome::Unsupported(format!("unknown flow {other}")),
    };
    match r {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}

/// The CLI bound to one pool and client, with its own session file and device store.
struct Cli<'a> {
    bin: &'a Path,
    url: String,
    pool: String,
    client_id: String,
    secret: Option<String>,
    dir: &'a Path,
}

impl Cli<'_> {
    fn new<'a>(
        emu: &Emulator,
        bin: &'a Path,
        dir: &'a Path,
        pool: PoolSpec,
        client: ClientSpec,
    ) -> Result<Cli<'a>, String> {
        let pool = emu.create_pool(pool).ctx("create pool")?;
        let client = emu.create_client(&pool, client).ctx("create client")?;
        Ok(Cli {
            bin,
            url: emu.url(),
            pool,
            client_id: client.client_id,
            secret: client.client_secret,
            dir,
        })
    }

    fn session_file(&self) -> PathBuf {
        self.dir.join("session.json")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.bin);
        cmd.args(args)
            .arg("--endpoint-url")
            .arg(&self.url)
            .arg("--session-file")
            .arg(self.session_file())
            .env("PYCOGNITO_POOL_ID", &self.pool)
            .env("PYCOGNITO_CLIENT_ID", &self.client_id)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_REGION")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
            .env_remove("RUST_LOG");
        match &self.secret {
            Some(s) => cmd.env("PYCOGNITO_CLIENT_SECRET", s),
            None => cmd.env_remove("PYCOGNITO_CLIENT_SECRET"),
        };
        cmd
    }

    /// Runs a command with `stdin`; `Ok(stdout)` on success, `Err` with its stderr otherwise.
    fn ok(&self, args: &[&str], stdin: &str) -> Result<String, String> {
        let out = self.output(self.command(args), stdin)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "`pycognito {}` exited with {}: {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Runs a command that must fail; returns its stderr.
    fn fails(&self, args: &[&str], stdin: &str) -> Result<String, String> {
        let out = self.output(self.command(args), stdin)?;
        ensure(
            !out.status.success(),
            format!("`pycognito {}` fails", args.join(" ")),
        )?;
        Ok(String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn output(&self, mut cmd: Command, stdin: &str) -> Result<Output, String> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().ctx("spawn pycognito")?;
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).ctx("write stdin")?;
        }
        let started = Instant::now();
        loop {
            match child.try_wait().ctx("wait")? {
                Some(_) => break,
                None if started.elapsed() > CALL_TIMEOUT => {
                    let _ = child.kill();
                    return Err(format!("pycognito timed out after {CALL_TIMEOUT:?}"));
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        child.wait_with_output().ctx("output")
    }

    /// `login --json` with the password on stdin; the printed session.
    fn login(&self, user: &str, password: &str, extra: &[&str]) -> Result<Json, String> {
        let mut args = vec!["login", "-u", user, "--password-stdin", "--json"];
        args.extend_from_slice(extra);
        json(&self.ok(&args, &format!("{password}\n"))?)
    }
}

type Json = serde_json::Value;

fn json(s: &str) -> Result<Json, String> {
    serde_json::from_str(s.trim()).map_err(|e| format!("CLI output is not JSON ({e}): {s}"))
}

fn field(v: &Json, name: &str) -> Result<String, String> {
    v.get(name)
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ctx(name)
}

fn token_claim(token: &str, name: &str) -> Result<String, String> {
    unverified_claims(token)
        .ctx("claims")?
        .get(name)
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ctx(name)
}

fn user(name: &str) -> UserSpec {
    UserSpec::new(name, PW).attribute("email", format!("{name}@example.com"))
}

fn srp(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("srp"),
        ClientSpec::public("cli"),
    )?;
    emu.create_user(&cli.pool, user("alice"))
        .ctx("create user")?;
    let s = cli.login("alice", PW, &[])?;
    ensure(field(&s, "username")? == "alice", "username")?;
    ensure(
        token_claim(&field(&s, "access_token")?, "username")? == "alice",
        "access token",
    )?;
    let err = cli.fails(
        &["login", "-u", "alice", "--password-stdin"],
        "Wrong-Passw0rd!\n",
    )?;
    ensure(
        err.contains("NotAuthorizedException"),
        format!("wrong password: {err}"),
    )
}

fn password(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("pw"),
        ClientSpec::public("cli"),
    )?;
    emu.create_user(&cli.pool, user("bob")).ctx("create user")?;
    let s = cli.login("bob", PW, &["--plain-password"])?;
    ensure(
        token_claim(&field(&s, "id_token")?, "email")? == "bob@example.com",
        "id token email",
    )
}

fn secret_hash(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let pool = PoolSpec::named("secret").alias_attributes(vec!["email".into()]);
    let mut cli = Cli::new(emu, bin, dir, pool, ClientSpec::confidential("cli"))?;
    emu.create_user(&cli.pool, user("carol"))
        .ctx("create user")?;
    let s = cli.login("carol@example.com", PW, &[])?;
    ensure(field(&s, "username")? == "carol", "Cognito's username")?;
    cli.login("carol", PW, &["--plain-password"])?;
    cli.ok(&["refresh"], "")?;
    cli.secret = Some("not-the-secret".to_owned());
    let err = cli.fails(
        &["login", "-u", "carol", "--password-stdin"],
        &format!("{PW}\n"),
    )?;
    ensure(
        err.contains("NotAuthorizedException"),
        format!("a wrong client secret: {err}"),
    )
}

fn refresh(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("refresh"),
        ClientSpec::confidential("cli"),
    )?;
    emu.create_user(&cli.pool, user("dan")).ctx("create user")?;
    let s = cli.login("dan", PW, &[])?;
    let r = json(&cli.ok(&["refresh", "--json"], "")?)?;
    ensure(
        field(&r, "access_token")? != field(&s, "access_token")?,
        "a new access token",
    )
}

fn new_password(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("newpw"),
        ClientSpec::confidential("cli"),
    )?;
    let u = user("erin")
        .password(None)
        .temporary_password(Some("Temp0rary!".into()));
    emu.create_user(&cli.pool, u).ctx("create user")?;
    cli.ok(
        &[
            "login",
            "-u",
            "erin",
            "--password-stdin",
            "--new-password-stdin",
        ],
        "Temp0rary!\nN3w-Passw0rd!\n",
    )?;
    cli.login("erin", "N3w-Passw0rd!", &[])?;
    Ok(())
}

fn device(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let pool = PoolSpec::named("device")
        .mfa(MfaConfig::On)
        .device_tracking(DeviceTracking::UserOptIn);
    let cli = Cli::new(emu, bin, dir, pool, ClientSpec::confidential("cli"))?;
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let u = user("ida").mfa(
        UserMfaSpec::default()
            .totp_secret(Some(secret.into()))
            .preferred(Some("SOFTWARE_TOKEN_MFA".into())),
    );
    emu.create_user(&cli.pool, u).ctx("create user")?;
    let store = dir.join("devices.json");
    let store = store.to_str().ctx("device store path")?;
    let code = totp(secret, 0)?;
    let first = cli.login(
        "ida",
        PW,
        &[
            "--mfa-code",
            &code,
            "--device-store",
            store,
            "--remember-device",
        ],
    )?;
    let key = field(&first, "device_key")?;
    let listed = cli.ok(&["devices", "list"], "")?;
    ensure(listed.contains(&key), format!("`devices list` shows {key}"))?;
    // No --mfa-code: an MFA question would fail without a terminal.
    let second = cli.login("ida", PW, &["--device-store", store])?;
    ensure(
        field(&second, "device_key")? == key,
        "the stored device was used",
    )?;
    ensure(
        token_claim(&field(&second, "access_token")?, "device_key")? == key,
        "the access token carries the device key",
    )?;
    let r = json(&cli.ok(&["refresh", "--json"], "")?)?;
    ensure(
        token_claim(&field(&r, "access_token")?, "device_key")? == key,
        "refresh with DEVICE_KEY",
    )
}

fn sign_up(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("signup"),
        ClientSpec::confidential("cli"),
    )?;
    cli.ok(
        &[
            "signup",
            "-u",
            "lee",
            "--password-stdin",
            "-a",
            "email=lee@example.com",
        ],
        &format!("{PW}\n"),
    )?;
    let err = cli.fails(
        &["login", "-u", "lee", "--password-stdin"],
        &format!("{PW}\n"),
    )?;
    ensure(
        err.contains("UserNotConfirmedException"),
        format!("sign-in before confirmation: {err}"),
    )?;
    let code = emu.latest_code(&cli.pool, "lee").ctx("confirmation code")?;
    cli.ok(&["confirm", "-u", "lee", "--code", &code], "")?;
    cli.login("lee", PW, &[])?;
    Ok(())
}

fn forgot_password(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("forgot"),
        ClientSpec::confidential("cli"),
    )?;
    emu.create_user(&cli.pool, user("max")).ctx("create user")?;
    cli.ok(&["forgot-password", "-u", "max"], "")?;
    let code = emu.latest_code(&cli.pool, "max").ctx("reset code")?;
    cli.ok(
        &[
            "forgot-password",
            "-u",
            "max",
            "--code",
            &code,
            "--new-password-stdin",
        ],
        "Res3t-Passw0rd!\n",
    )?;
    cli.login("max", "Res3t-Passw0rd!", &[])?;
    cli.fails(
        &["login", "-u", "max", "--password-stdin"],
        &format!("{PW}\n"),
    )?;
    Ok(())
}

/// `attributes update` (a changed email gets a code), `attributes verify` with the code from the
/// outbox (a wrong one first: exit code 3), `attributes delete`; `whoami --json` shows each step.
fn attributes(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("attributes"),
        ClientSpec::confidential("cli"),
    )?;
    emu.create_user(&cli.pool, user("ada")).ctx("create user")?;
    cli.login("ada", PW, &[])?;
    let out = cli.ok(
        &["attributes", "update", "email=ada2@example.com", "name=Ada"],
        "",
    )?;
    ensure(
        out.contains("verification code for email"),
        format!("a code for the new email: {out}"),
    )?;
    let code = emu.latest_code(&cli.pool, "ada").ctx("verification code")?;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let out = cli.output(
        cli.command(&["attributes", "verify", "email", "--code", wrong]),
        "",
    )?;
    ensure(
        out.status.code() == Some(3),
        format!("a wrong code exits with 3 (FixInput): {}", out.status),
    )?;
    cli.ok(&["attributes", "verify", "email", "--code", &code], "")?;
    let who = json(&cli.ok(&["whoami", "--json"], "")?)?;
    let attrs = who.get("attributes").ctx("attributes")?;
    ensure(
        attrs.get("email").and_then(Json::as_str) == Some("ada2@example.com")
            && attrs.get("email_verified").and_then(Json::as_str) == Some("true")
            && attrs.get("name").and_then(Json::as_str) == Some("Ada"),
        format!("updated and verified: {who}"),
    )?;
    cli.ok(&["attributes", "delete", "name"], "")?;
    let who = json(&cli.ok(&["whoami", "--json"], "")?)?;
    ensure(
        who.get("attributes").and_then(|a| a.get("name")).is_none(),
        format!("name deleted: {who}"),
    )
}

fn change_password(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("change"),
        ClientSpec::confidential("cli"),
    )?;
    emu.create_user(&cli.pool, user("ned")).ctx("create user")?;
    cli.login("ned", PW, &[])?;
    cli.ok(
        &["change-password", "--passwords-stdin"],
        &format!("{PW}\nChang3d-Passw0rd!\n"),
    )?;
    cli.login("ned", "Chang3d-Passw0rd!", &[])?;
    cli.fails(
        &["login", "-u", "ned", "--password-stdin"],
        &format!("{PW}\n"),
    )?;
    Ok(())
}

/// `logout` (GlobalSignOut) or `revoke` (RevokeToken): afterwards the old session's refresh
/// token and access token are refused.
fn sign_out(emu: &Emulator, bin: &Path, dir: &Path, command: &str) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named(command),
        ClientSpec::confidential("cli"),
    )?;
    emu.create_user(&cli.pool, user("pia")).ctx("create user")?;
    cli.login("pia", PW, &[])?;
    let kept = std::fs::read(cli.session_file()).ctx("read the session file")?;
    cli.ok(&[command], "")?;
    ensure(!cli.session_file().exists(), "the session file is deleted")?;
    std::fs::write(cli.session_file(), kept).ctx("restore the old session")?;
    let err = cli.fails(&["refresh"], "")?;
    ensure(
        err.contains("NotAuthorizedException"),
        format!("refresh with the old refresh token: {err}"),
    )?;
    let err = cli.fails(&["whoami"], "")?;
    ensure(
        err.contains("NotAuthorizedException"),
        format!("GetUser with the old access token: {err}"),
    )
}

fn verify_jwt(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("jwt"),
        ClientSpec::public("cli"),
    )?;
    emu.create_user(&cli.pool, user("ray")).ctx("create user")?;
    let s = cli.login("ray", PW, &[])?;
    let claims = json(&cli.ok(&["verify", "--json", "--token-use", "access"], "")?)?;
    ensure(
        field(&claims, "username")? == "ray",
        "verified access token",
    )?;
    let id = field(&s, "id_token")?;
    let out = cli.ok(&["verify", &id, "--token-use", "id"], "")?;
    ensure(
        out.starts_with("valid"),
        format!("verified id token: {out}"),
    )?;
    cli.fails(&["verify", &id, "--token-use", "access"], "")?;
    let access = field(&s, "access_token")?;
    let forged = format!(
        "{}AAAA",
        access.get(..access.len().saturating_sub(4)).unwrap_or("")
    );
    cli.fails(&["verify", &forged], "")?;
    Ok(())
}

fn admin(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    let cli = Cli::new(
        emu,
        bin,
        dir,
        PoolSpec::named("admin"),
        ClientSpec::confidential("cli"),
    )?;
    cli.ok(
        &[
            "admin",
            "users",
            "create",
            "sam",
            "--temporary-password-stdin",
            "-a",
            "email=sam@example.com",
            "--suppress",
        ],
        "Temp0rary!\n",
    )?;
    cli.ok(
        &["admin", "users", "set-password", "sam", "--permanent"],
        &format!("{PW}\n"),
    )?;
    let listed = cli.ok(
        &["admin", "users", "list", "--filter", "email^=sam", "--json"],
        "",
    )?;
    let first = json(listed.lines().next().unwrap_or_default())?;
    ensure(
        field(&first, "username")? == "sam" && field(&first, "status")? == "CONFIRMED",
        format!("admin users list: {listed}"),
    )?;
    cli.ok(
        &[
            "admin",
            "groups",
            "create",
            "admins",
            "--description",
            "Admins",
        ],
        "",
    )?;
    cli.ok(&["admin", "users", "add-group", "sam", "admins"], "")?;
    let groups = cli.ok(&["admin", "groups", "list"], "")?;
    ensure(groups.lines().any(|l| l == "admins"), "admin groups list")?;
    let s = cli.login("sam", PW, &[])?;
    let claims = unverified_claims(&field(&s, "access_token")?).ctx("claims")?;
    ensure(
        claims.get("cognito:groups") == Some(&serde_json::json!(["admins"])),
        "cognito:groups claim",
    )?;
    cli.ok(&["admin", "users", "disable", "sam"], "")?;
    let err = cli.fails(
        &["login", "-u", "sam", "--password-stdin"],
        &format!("{PW}\n"),
    )?;
    ensure(err.contains("disabled"), format!("disabled user: {err}"))?;
    cli.ok(&["admin", "users", "enable", "sam"], "")?;
    cli.ok(&["admin", "users", "remove-group", "sam", "admins"], "")?;
    let mut bad = cli.command(&["admin", "groups", "list"]);
    bad.env("AWS_SECRET_ACCESS_KEY", "wrong");
    let out = cli.output(bad, "")?;
    let err = String::from_utf8_lossy(&out.stderr);
    ensure(
        !out.status.success() && err.contains("InvalidSignatureException"),
        format!("a wrong secret key: {err}"),
    )?;
    cli.ok(&["admin", "users", "delete", "sam"], "")?;
    cli.ok(&["admin", "groups", "delete", "admins"], "")?;
    Ok(())
}

/// The flows whose answers only a terminal prompt takes.
#[cfg(unix)]
mod tty {
    use super::*;
    use rexpect::session::{PtySession, spawn_command};

    fn spawn(cli: &Cli<'_>, args: &[&str]) -> Result<PtySession, String> {
        let ms = u64::try_from(CALL_TIMEOUT.as_millis()).unwrap_or(60_000);
        spawn_command(cli.command(args), Some(ms)).ctx("spawn pycognito in a pty")
    }

    /// TOTP set-up with `mfa setup-totp` (the secret is shown, the code prompted), then a
    /// scripted sign-in with `--mfa-code`.
    pub(super) fn totp_flow(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
        let pool = PoolSpec::named("totp").mfa(MfaConfig::Optional);
        let cli = Cli::new(emu, bin, dir, pool, ClientSpec::confidential("cli"))?;
        emu.create_user(&cli.pool, user("fay")).ctx("create user")?;
        cli.login("fay", PW, &[])?;
        let mut p = spawn(&cli, &["mfa", "setup-totp"])?;
        p.exp_string("Add this secret to your authenticator app: ")
            .ctx("the secret is shown")?;
        let secret = p.read_line().ctx("secret")?.trim().to_owned();
        p.exp_string("Code from the app:").ctx("code prompt")?;
        p.send_line(&totp(&secret, 0)?).ctx("send code")?;
        let rest = p.exp_eof().ctx("mfa setup-totp ends")?;
        ensure(
            rest.contains("TOTP MFA enabled"),
            format!("mfa setup-totp succeeded: {rest}"),
        )?;
        // Sign-in now asks for the TOTP code.
        let err = cli.fails(
            &["login", "-u", "fay", "--password-stdin"],
            &format!("{PW}\n"),
        )?;
        ensure(
            err.contains("Authenticator code"),
            format!("SOFTWARE_TOKEN_MFA asked: {err}"),
        )?;
        cli.login("fay", PW, &["--mfa-code", &totp(&secret, 1)?])?;
        Ok(())
    }

    /// SMS_MFA or EMAIL_OTP: the code is sent during `login` and typed at its prompt.
    pub(super) fn otp_mfa(emu: &Emulator, bin: &Path, dir: &Path, email: bool) -> Check {
        let pool = PoolSpec::named(if email { "email" } else { "sms" }).mfa(MfaConfig::Optional);
        let cli = Cli::new(emu, bin, dir, pool, ClientSpec::confidential("cli"))?;
        let mfa = if email {
            UserMfaSpec::default()
                .email(true)
                .preferred(Some("EMAIL_OTP".into()))
        } else {
            UserMfaSpec::default()
                .sms(true)
                .preferred(Some("SMS_MFA".into()))
        };
        let u = user("gus")
            .attribute("phone_number", "+15555550100")
            .mfa(mfa);
        emu.create_user(&cli.pool, u).ctx("create user")?;
        let mut p = spawn(&cli, &["login", "-u", "gus"])?;
        p.exp_string("Password:").ctx("password prompt")?;
        p.send_line(PW).ctx("send password")?;
        p.exp_string("Code sent to").ctx("code prompt")?;
        let code = emu
            .latest_code(&cli.pool, "gus")
            .ctx("code in the outbox")?;
        p.send_line(&code).ctx("send code")?;
        let rest = p.exp_eof().ctx("login ends")?;
        ensure(
            rest.contains("signed in as gus"),
            format!("signed in: {rest}"),
        )?;
        ensure(!rest.contains(PW), "the password is not echoed")
    }
}

#[cfg(not(unix))]
mod tty {
    use super::*;

    const WHY: &str = "needs a pseudo-terminal (answers typed at a prompt); unix only";

    pub(super) fn totp_flow(_: &Emulator, _: &Path, _: &Path) -> Check {
        Err(WHY.to_owned())
    }

    pub(super) fn otp_mfa(_: &Emulator, _: &Path, _: &Path, _: bool) -> Check {
        Err(WHY.to_owned())
    }
}

/// `token --client-credentials` against the OAuth pool (`oauth::provision`): the token alone on
/// stdout, verified by cognito-jwt; cached in a file beside the session (the same token twice).
fn client_credentials(emu: &Emulator, bin: &Path, dir: &Path) -> Check {
    use cognito_auth::jwt::{CognitoJwtVerifier, PoolConfig, TokenUse};
    let rt = tokio::runtime::Handle::current();
    let f = rt.block_on(super::oauth::provision(emu))?;
    let cli = Cli {
        bin,
        url: emu.url(),
        pool: f.pool_id.clone(),
        client_id: f.m2m_client_id.clone(),
        secret: Some(f.m2m_secret.clone()),
        dir,
    };
    let scope = "https://orders.example.com/read";
    let args = [
        "token",
        "--client-credentials",
        "--domain",
        &f.domain_url,
        "--scope",
        scope,
    ];
    let token = cli.ok(&args, "")?.trim().to_owned();
    let again = cli.ok(&args, "")?.trim().to_owned();
    ensure(token == again, "the token is cached")?;
    let verifier = CognitoJwtVerifier::builder_for(
        PoolConfig::new(&f.pool_id)
            .issuer(format!("{}/{}", emu.url(), f.pool_id))
            .client_id(&f.m2m_client_id)
            .token_use(TokenUse::Access)
            .scopes([scope]),
    )
    .build()
    .ctx("verifier")?;
    rt.block_on(verifier.verify(&token, time::OffsetDateTime::now_utc()))
        .ctx("verify the token")?;
    Ok(())
}
