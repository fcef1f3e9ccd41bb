//! The `pycognito` binary driven in scriptable mode (stdin not a terminal) against the emulator
//! on 127.0.0.1: every command's exit code, output, and that secrets stay out of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_emulator::{
    AppClient, ClientSpec, DeviceTracking, Emulator, EmulatorConfig, MfaConfig, PoolSpec,
    UserMfaSpec, UserSpec,
};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const PW: &str = "Corr3ct-Horse!";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// An emulator on its own runtime, a pool and a confidential client.
struct Env {
    rt: tokio::runtime::Runtime,
    emu: Option<Emulator>,
    url: String,
    pool_id: String,
    client: AppClient,
    dir: PathBuf,
}

impl Env {
    fn start(name: &str, pool: PoolSpec) -> Env {
        let spec = ClientSpec::default()
            .name("cli".into())
            .generate_secret(true);
        Env::start_with(name, pool, spec, EmulatorConfig::default())
    }

    /// An emulator with this configuration, a pool and an app client.
    fn start_with(name: &str, pool: PoolSpec, spec: ClientSpec, config: EmulatorConfig) -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emu = rt.block_on(Emulator::start(config)).unwrap();
        let pool_id = emu.create_pool(pool).unwrap();
        let client = emu.create_client(&pool_id, spec).unwrap();
        let dir = std::env::temp_dir().join(format!("pycognito-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = emu.url();
        Env {
            rt,
            emu: Some(emu),
            url,
            pool_id,
            client,
            dir,
        }
    }

    fn emu(&self) -> &Emulator {
        self.emu.as_ref().unwrap()
    }

    fn user(&self, name: &str, mfa: Option<&str>) {
        let mut spec = UserSpec::default()
            .username(name.into())
            .password(Some(PW.into()));
        spec.attributes
            .insert("email".into(), format!("{name}@example.com"));
        if let Some(secret) = mfa {
            spec.mfa = UserMfaSpec::default()
                .totp_secret(Some(secret.into()))
                .preferred(Some("SOFTWARE_TOKEN_MFA".into()));
        }
        self.emu().create_user(&self.pool_id, spec).unwrap();
    }

    /// `pycognito` with the pool, client and session options after the subcommand's arguments
    /// (they are global), `--endpoint-url` when `endpoint` is set, the client secret and the
    /// emulator's admin keys in the environment, and piped standard streams.
    fn command(&self, args: &[&str], endpoint: bool) -> Command {
        let session = self.dir.join("session.json");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
        cmd.args(args);
        if endpoint {
            cmd.args(["--endpoint-url", &self.url]);
        }
        cmd.args([
            "--pool-id",
            &self.pool_id,
            "--client-id",
            &self.client.client_id,
        ])
        .arg("--session-file")
        .arg(&session)
        .env(
            "PYCOGNITO_CLIENT_SECRET",
            self.client.client_secret.as_deref().unwrap(),
        )
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        cmd
    }

    /// Runs `pycognito` (see [`Env::command`], with `--endpoint-url`) with `stdin` piped in.
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        output(self.command(args, true), stdin)
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        let (stdout, stderr) = texts(&out);
        assert!(
            out.status.success(),
            "pycognito {args:?} failed: {stderr}\n{stdout}"
        );
        stdout
    }

    fn fails(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        let (stdout, stderr) = texts(&out);
        assert!(
            !out.status.success(),
            "pycognito {args:?} should fail: {stdout}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one line on stderr: {stderr}"
        );
        stderr
    }

    /// Runs a command that must fail with this exit code; its one line of stderr.
    fn exits(&self, code: i32, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        let (stdout, stderr) = texts(&out);
        assert_eq!(
            out.status.code(),
            Some(code),
            "pycognito {args:?}: {stderr}\n{stdout}"
        );
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one line on stderr: {stderr}"
        );
        assert!(stderr.starts_with("pycognito: "), "{stderr}");
        stderr
    }

    fn totp_now(&self) -> String {
        let now = self
            .emu()
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        pycognito_tests::totp(TOTP_SECRET, now)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(emu) = self.emu.take() {
            self.rt.block_on(emu.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a command with `stdin` written to its standard input.
fn output(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn texts(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn login_whoami_refresh_verify_logout() {
    let env = Env::start("basic", PoolSpec::default());
    env.user("alice", None);
    let out = env.ok(
        &["login", "-u", "alice", "--password-stdin"],
        &format!("{PW}\n"),
    );
    assert!(out.contains("signed in as alice"), "{out}");
    assert!(
        !out.contains(PW) && !out.contains("eyJ"),
        "no password or token without --json: {out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.dir.join("session.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the session file is private");
    }
    assert!(env.ok(&["whoami"], "").starts_with("alice"));
    assert!(env.ok(&["refresh"], "").contains("refreshed as alice"));
    let out = env.ok(&["verify", "--token-use", "access"], "");
    assert!(out.contains("valid"), "{out}");
    let err = env.fails(&["verify", "not.a.token"], "");
    assert!(err.starts_with("pycognito: "), "{err}");

    let json = env.ok(
        &["login", "-u", "alice", "--password-stdin", "--json"],
        &format!("{PW}\n"),
    );
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["username"], "alice");
    assert!(v["access_token"].as_str().unwrap().starts_with("eyJ"));

    // The session file is the session store's versioned form.
    assert_eq!(read_session(&env)["version"], 1);

    env.ok(&["logout"], "");
    assert!(
        !env.dir.join("session.json").exists(),
        "the store forgot it"
    );
    let err = env.exits(4, &["whoami"], "");
    assert!(
        err.contains("no session at ") && err.contains("run `pycognito login` first"),
        "{err}"
    );
}

#[test]
fn bad_input_is_one_clear_line() {
    let env = Env::start("errors", PoolSpec::default());
    env.user("bob", None);
    let err = env.exits(
        4,
        &["login", "-u", "bob", "--password-stdin"],
        "wrong-password\n",
    );
    assert!(err.contains("Incorrect username or password"), "{err}");
    assert!(err.contains("sign in again"), "says what to do: {err}");
    assert!(!err.contains("wrong-password"));
    let err = env.exits(2, &["login", "-u", "bob"], "");
    assert!(
        err.contains("not a terminal"),
        "no prompt without a terminal: {err}"
    );
    let err = env.exits(3, &["login", "-u", "bob", "--password-stdin"], "");
    assert!(err.contains("standard input"), "{err}");
    let err = env.exits(
        2,
        &[
            "login",
            "-u",
            "bob",
            "--remember-device",
            "--password-stdin",
        ],
        "x\n",
    );
    assert!(err.contains("--device-store"), "{err}");
}

#[test]
fn mfa_code_and_a_remembered_device() {
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true)
        .device_tracking(DeviceTracking::Always);
    let env = Env::start("mfa", pool);
    env.user("carol", Some(TOTP_SECRET));
    let store = env.dir.join("devices.json");
    let store = store.to_str().unwrap();
    // Without a code and without a terminal, the MFA question is a clear error.
    let err = env.exits(
        2,
        &["login", "-u", "carol", "--password-stdin"],
        &format!("{PW}\n"),
    );
    assert!(err.contains("Authenticator code"), "{err}");
    let code = env.totp_now();
    // A wrong code in a script: Cognito's error and the rejection, with FixInput's exit code.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = env.exits(
        3,
        &[
            "login",
            "-u",
            "carol",
            "--password-stdin",
            "--mfa-code",
            wrong,
        ],
        &format!("{PW}\n"),
    );
    assert!(
        err.contains("CodeMismatchException") && err.contains("the code is wrong"),
        "{err}"
    );
    assert!(!err.contains(wrong), "the code is not echoed: {err}");
    let out = env.ok(
        &[
            "login",
            "-u",
            "carol",
            "--password-stdin",
            "--mfa-code",
            &code,
            "--device-store",
            store,
            "--remember-device",
        ],
        &format!("{PW}\n"),
    );
    assert!(out.contains("device: "), "a device was confirmed: {out}");
    // The stored device skips MFA: no code needed.
    let out = env.ok(
        &[
            "login",
            "-u",
            "carol",
            "--password-stdin",
            "--device-store",
            store,
        ],
        &format!("{PW}\n"),
    );
    assert!(out.contains("signed in as carol"), "{out}");
    let listed = env.ok(&["devices", "list"], "");
    assert_eq!(listed.lines().count(), 1, "{listed}");
}

#[test]
fn signup_confirm_and_passwords() {
    let env = Env::start("account", PoolSpec::default());
    let out = env.ok(
        &[
            "signup",
            "-u",
            "dave",
            "--password-stdin",
            "-a",
            "email=dave@example.com",
        ],
        &format!("{PW}\n"),
    );
    assert!(out.contains("confirmation code was sent"), "{out}");
    let code = env.emu().latest_code(&env.pool_id, "dave").unwrap();
    env.ok(&["confirm", "-u", "dave", "--code", &code], "");
    env.ok(
        &["login", "-u", "dave", "--password-stdin"],
        &format!("{PW}\n"),
    );
    env.ok(
        &["change-password", "--passwords-stdin"],
        &format!("{PW}\nSecond-Passw0rd!\n"),
    );
    env.ok(&["forgot-password", "-u", "dave"], "");
    let code = env.emu().latest_code(&env.pool_id, "dave").unwrap();
    env.ok(
        &[
            "forgot-password",
            "-u",
            "dave",
            "--code",
            &code,
            "--new-password-stdin",
        ],
        "Third-Passw0rd!\n",
    );
    env.ok(
        &["login", "-u", "dave", "--password-stdin"],
        "Third-Passw0rd!\n",
    );
    env.ok(&["revoke"], "");
}

#[test]
fn admin_users_and_groups_with_sigv4() {
    let env = Env::start("admin", PoolSpec::default());
    env.user("erin", None);
    let out = env.ok(
        &[
            "admin",
            "users",
            "create",
            "frank",
            "-a",
            "email=frank@example.com",
            "--suppress",
        ],
        "",
    );
    assert!(out.starts_with("frank"), "{out}");
    let all = env.ok(&["admin", "users", "list"], "");
    assert_eq!(all.lines().count(), 2, "{all}");
    let some = env.ok(&["admin", "users", "list", "--filter", "email^=frank"], "");
    assert!(
        some.starts_with("frank") && some.lines().count() == 1,
        "{some}"
    );
    env.ok(
        &[
            "admin",
            "groups",
            "create",
            "ops",
            "--description",
            "operators",
        ],
        "",
    );
    env.ok(&["admin", "users", "add-group", "erin", "ops"], "");
    assert_eq!(env.ok(&["admin", "groups", "list"], "").trim(), "ops");
    env.ok(&["admin", "users", "remove-group", "erin", "ops"], "");
    env.ok(&["admin", "groups", "delete", "ops"], "");
    env.ok(&["admin", "users", "disable", "frank"], "");
    env.ok(&["admin", "users", "enable", "frank"], "");
    env.ok(
        &["admin", "users", "set-password", "frank", "--permanent"],
        "Fr4nk-Passw0rd!\n",
    );
    env.ok(
        &["login", "-u", "frank", "--password-stdin"],
        "Fr4nk-Passw0rd!\n",
    );
    env.ok(&["admin", "users", "delete", "frank"], "");

    // A wrong secret key is refused by the emulator's SigV4 check.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
    let out = cmd
        .args([
            "admin",
            "users",
            "list",
            "--endpoint-url",
            &env.url,
            "--pool-id",
            &env.pool_id,
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "wrong")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("signature"),
        "{:?}",
        out
    );
}

/// Sends one raw HTTP/1.1 request to 127.0.0.1 and returns the whole answer as text.
fn raw_http(addr: &str, request: &str) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn emulator_fault_mode_flag() {
    use std::io::BufRead;
    // A bad specification is refused with one line on stderr.
    let out = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .args(["emulator", "--port", "0", "--faults", "throttle=2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("throttle=2"), "{stderr}");

    // Throttling every GetUser: the answer is Cognito's TooManyRequestsException, and the
    // counters (GET /_emulator/stats) show it.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .args([
            "emulator",
            "--port",
            "0",
            "--faults",
            "throttle=1,ops=GetUser,seed=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().strip_prefix("http://").unwrap().to_owned();
    let body = r#"{"AccessToken":"x"}"#;
    let answer = raw_http(
        &addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.GetUser\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    let stats = raw_http(
        &addr,
        &format!("GET /_emulator/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.contains("TooManyRequestsException"), "{answer}");
    assert!(stats.contains(r#""throttled":1"#), "{stats}");
}

fn read_session(env: &Env) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(env.dir.join("session.json")).unwrap()).unwrap()
}

#[test]
fn a_stale_session_is_refreshed_through_the_store() {
    let env = Env::start("stale", PoolSpec::default());
    env.user("sam", None);
    env.ok(
        &["login", "-u", "sam", "--password-stdin"],
        &format!("{PW}\n"),
    );
    // Age the kept session: its access token "expired" an hour ago as far as the CLI knows.
    let mut session = read_session(&env);
    assert_eq!(session["version"], 1, "{session}");
    let old_access = session["tokens"]["access_token"].clone();
    let refresh_token = session["tokens"]["refresh_token"].clone();
    session["tokens"]["expires_at"] = serde_json::json!(1_700_000_000);
    std::fs::write(
        env.dir.join("session.json"),
        serde_json::to_vec(&session).unwrap(),
    )
    .unwrap();
    assert!(env.ok(&["whoami"], "").starts_with("sam"));
    let session = read_session(&env);
    assert_ne!(
        session["tokens"]["access_token"], old_access,
        "whoami refreshed the tokens first and the store kept the new ones"
    );
    assert!(session["tokens"]["expires_at"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(
        session["tokens"]["refresh_token"], refresh_token,
        "without rotation the refresh token is kept"
    );
    // A fresh session is used as it is (no refresh).
    assert!(env.ok(&["whoami"], "").starts_with("sam"));
    assert_eq!(read_session(&env)["tokens"], session["tokens"]);
    // `refresh` forces one; times print as RFC 3339.
    let out = env.ok(&["refresh"], "");
    assert!(
        out.contains("refreshed as sam; tokens valid until 20") && out.contains('T'),
        "{out}"
    );
    assert_ne!(
        read_session(&env)["tokens"]["access_token"],
        session["tokens"]["access_token"]
    );
}

#[test]
fn a_rotated_refresh_token_is_kept_by_the_store() {
    // Access tokens valid for a minute, less than the session's refresh margin (5 minutes):
    // every command refreshes first. Rotation with no grace period: a refresh token works once.
    let clock = std::sync::Arc::new(cognito_emulator::ManualClock::new(
        std::time::SystemTime::now(),
    ));
    let config = EmulatorConfig::default().clock(Some(clock));
    let spec = ClientSpec::default()
        .name("rotating".into())
        .generate_secret(true)
        .refresh_token_rotation(Some(0))
        .access_token_validity_secs(Some(60));
    let env = Env::start_with("rotation", PoolSpec::default(), spec, config);
    env.user("rita", None);
    env.ok(
        &[
            "login",
            "-u",
            "rita",
            "--password-stdin",
            "--token-rotation",
        ],
        &format!("{PW}\n"),
    );
    let first = read_session(&env);
    let first_refresh = first["tokens"]["refresh_token"].clone();
    assert!(first_refresh.is_string(), "{first}");
    env.emu().advance_clock(std::time::Duration::from_secs(5));
    assert!(
        env.ok(&["whoami", "--token-rotation"], "")
            .starts_with("rita")
    );
    let second = read_session(&env);
    assert_ne!(
        second["tokens"]["refresh_token"], first_refresh,
        "GetTokensFromRefreshToken rotated the refresh token and the store kept the new one"
    );
    assert_ne!(
        second["tokens"]["access_token"],
        first["tokens"]["access_token"]
    );
    // The kept (rotated) token works for the next command ...
    env.emu().advance_clock(std::time::Duration::from_secs(5));
    assert!(
        env.ok(&["whoami", "--token-rotation"], "")
            .starts_with("rita")
    );
    let third = read_session(&env);
    assert_ne!(
        third["tokens"]["refresh_token"],
        second["tokens"]["refresh_token"]
    );
    // ... while the retired one is refused: a session file that had lost the rotation could
    // not go on. The error says to sign in again, with its exit code.
    std::fs::write(
        env.dir.join("session.json"),
        serde_json::to_vec(&first).unwrap(),
    )
    .unwrap();
    env.emu().advance_clock(std::time::Duration::from_secs(5));
    let err = env.exits(4, &["whoami", "--token-rotation"], "");
    assert!(err.contains("RefreshTokenReuseException"), "{err}");
    assert!(err.contains("sign in again (`pycognito login`)"), "{err}");
}

#[test]
fn exit_codes_follow_the_next_action() {
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true);
    let env = Env::start("exit-codes", pool);
    env.user("xena", None);
    let mut unconfirmed = UserSpec::new("yann", PW);
    unconfirmed.status = Some("UNCONFIRMED".into());
    env.emu().create_user(&env.pool_id, unconfirmed).unwrap();
    let mut reset = UserSpec::new("zoe", PW);
    reset.status = Some("RESET_REQUIRED".into());
    env.emu().create_user(&env.pool_id, reset).unwrap();
    fn login(name: &str) -> [&str; 4] {
        ["login", "-u", name, "--password-stdin"]
    }

    // SignInAgain (4): no session, an unreadable or old-format session file, a wrong password.
    let err = env.exits(4, &["whoami"], "");
    assert!(err.contains("run `pycognito login` first"), "{err}");
    let path = env.dir.join("session.json");
    std::fs::write(&path, b"not json").unwrap();
    let err = env.exits(4, &["whoami"], "");
    assert!(
        err.contains("cannot be read") && err.contains("sign in again"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"not json", "left untouched");
    std::fs::write(&path, br#"{"pool_id":"p","client_id":"c","username":"u"}"#).unwrap();
    let err = env.exits(4, &["refresh"], "");
    assert!(err.contains("older release"), "{err}");
    std::fs::remove_file(&path).unwrap();
    env.exits(4, &login("xena"), "Wr0ng-Passw0rd!\n");

    // ConfirmSignUp (5) and ResetPassword (6), with the command to run.
    let err = env.exits(5, &login("yann"), &format!("{PW}\n"));
    assert!(err.contains("UserNotConfirmedException"), "{err}");
    assert!(err.contains("`pycognito confirm`"), "{err}");
    let err = env.exits(6, &login("zoe"), &format!("{PW}\n"));
    assert!(err.contains("`pycognito forgot-password`"), "{err}");

    // FixInput (3): a wrong verification code, a wrong TOTP code from --code.
    env.ok(&login("xena"), &format!("{PW}\n"));
    env.ok(&["attributes", "update", "email=xena2@example.com"], "");
    let err = env.exits(
        3,
        &["attributes", "verify", "email", "--code", "000000x"],
        "",
    );
    assert!(err.contains("correct the input"), "{err}");
    env.ok(&["mfa", "setup-totp", "--associate"], "");
    let err = env.exits(
        3,
        &["mfa", "setup-totp", "--verify", "--code", "000000"],
        "",
    );
    assert!(err.contains("correct the input and try again"), "{err}");

    // FixConfiguration (8): an app client the pool does not have.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
    cmd.args(login("xena"))
        .args(["--endpoint-url", &env.url, "--pool-id", &env.pool_id])
        .args(["--client-id", "no-such-client"])
        .arg("--session-file")
        .arg(env.dir.join("other-session.json"))
        .env_remove("PYCOGNITO_CLIENT_SECRET")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER");
    let out = output(cmd, &format!("{PW}\n"));
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(stderr.contains("check the configuration"), "{stderr}");

    // Usage (2): a missing option, ours or clap's.
    let out = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .args(["signup", "-u", "someone", "--password-stdin"])
        .env_remove("PYCOGNITO_POOL_ID")
        .env_remove("PYCOGNITO_CLIENT_ID")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pool-id"));
    let out = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .args(["login"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn verify_picks_the_token_and_the_issuer() {
    let env = Env::start("verify", PoolSpec::default());
    env.user("vic", None);
    env.ok(
        &["login", "-u", "vic", "--password-stdin"],
        &format!("{PW}\n"),
    );
    // --token-use id without a token checks the kept id token (not the access token).
    let out = env.ok(&["verify", "--token-use", "id"], "");
    assert!(out.contains("valid Id token"), "{out}");
    // An explicit issuer (trailing slash tolerated) is what the token must carry.
    let issuer = format!("{}/{}/", env.url, env.pool_id);
    let out = env.ok(&["verify", "--issuer", &issuer], "");
    assert!(out.contains("valid Access token"), "{out}");
    let other = format!("{}/us-east-1_Other", env.url);
    env.fails(&["verify", "--issuer", &other], "");
}

#[test]
fn forgetting_the_kept_device_drops_it_everywhere() {
    let pool = PoolSpec::default().device_tracking(DeviceTracking::Always);
    let env = Env::start("forget", pool);
    env.user("dora", None);
    let store = env.dir.join("devices.json");
    let store = store.to_str().unwrap();
    let login = [
        "login",
        "-u",
        "dora",
        "--password-stdin",
        "--device-store",
        store,
        "--remember-device",
    ];
    env.ok(&login, &format!("{PW}\n"));
    let key = read_session(&env)["device"]["device_key"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&["devices", "forget", &key, "--device-store", store], "");
    assert!(
        read_session(&env)["device"].is_null(),
        "dropped from the session"
    );
    let stored = std::fs::read_to_string(store).unwrap();
    assert!(!stored.contains(&key), "dropped from the store: {stored}");
    // The next login with the store confirms a new device (no stale key is sent).
    env.ok(&login, &format!("{PW}\n"));
    let new_key = read_session(&env)["device"]["device_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_key, key);
}

#[test]
fn admin_groups_list_as_json() {
    let env = Env::start("groups-json", PoolSpec::default());
    env.ok(
        &[
            "admin",
            "groups",
            "create",
            "ops",
            "--description",
            "Operators",
        ],
        "",
    );
    let out = env.ok(&["admin", "groups", "list", "--json"], "");
    let line: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(line["name"], "ops");
    assert_eq!(line["description"], "Operators");
}

#[test]
fn attributes_update_verify_and_delete() {
    let env = Env::start("attributes", PoolSpec::default());
    env.user("erin", None);
    env.ok(
        &["login", "-u", "erin", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let out = env.ok(
        &[
            "attributes",
            "update",
            "email=erin2@example.com",
            "name=Erin",
        ],
        "",
    );
    assert!(out.contains("verification code for email"), "{out}");
    let code = env.emu().latest_code(&env.pool_id, "erin").unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let err = env.fails(&["attributes", "verify", "email", "--code", wrong], "");
    assert!(err.contains("code"), "{err}");
    env.ok(&["attributes", "verify", "email", "--code", &code], "");
    let who: serde_json::Value = serde_json::from_str(&env.ok(&["whoami", "--json"], "")).unwrap();
    assert_eq!(who["attributes"]["email"], "erin2@example.com", "{who}");
    assert_eq!(who["attributes"]["email_verified"], "true", "{who}");
    assert_eq!(who["attributes"]["name"], "Erin", "{who}");

    env.ok(&["attributes", "delete", "name"], "");
    let who: serde_json::Value = serde_json::from_str(&env.ok(&["whoami", "--json"], "")).unwrap();
    assert!(who["attributes"].get("name").is_none(), "{who}");
    let err = env.fails(&["attributes", "delete", "sub"], "");
    assert!(err.contains("sub"), "{err}");

    let out = env.ok(&["attributes", "send-code", "email"], "");
    assert!(out.contains("was sent to"), "{out}");
    let again = env.emu().latest_code(&env.pool_id, "erin").unwrap();
    env.ok(&["attributes", "verify", "email", "--code", &again], "");
}

/// The seed file shipped in the repository (`examples/emulator-seed.json`).
fn repo_seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/emulator-seed.json")
}

/// A closed port on 127.0.0.1 (bound, then released).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Reads `child`'s stdout lines up to (and including) the first that starts with `last`, within
/// 30 seconds.
fn stdout_until(child: &mut std::process::Child, last: &str) -> Vec<String> {
    use std::io::BufRead;
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("no line starting with {last:?} ({e}): {lines:?}"));
        let done = line.starts_with(last);
        lines.push(line);
        if done {
            return lines;
        }
    }
}

#[test]
fn the_repository_seed_file_and_what_the_emulator_prints() {
    let seed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_seed()).unwrap()).unwrap();
    let pool = &seed["pools"][0];
    let pool_id = pool["id"].as_str().unwrap();
    let user = &pool["users"][0];
    let (username, password) = (
        user["username"].as_str().unwrap(),
        user["password"].as_str().unwrap(),
    );
    let public = pool["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c.get("client_secret").is_none())
        .unwrap();
    let client_id = public["client_id"].as_str().unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .args(["emulator", "--port", "0", "--seed"])
        .arg(repo_seed())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = stdout_until(&mut child, "try:");
    let url = lines[0].clone();
    assert!(url.starts_with("http://127.0.0.1:"), "{lines:?}");
    let printed = lines.join("\n");
    // Every pool, app client (id, name, whether it has a secret) and user of the seed.
    assert!(
        printed.contains(&format!("pool {pool_id} (demo)")),
        "{printed}"
    );
    assert!(
        printed.contains("app client webclient (web, no secret)"),
        "{printed}"
    );
    assert!(
        printed.contains("app client backendclient (backend, with a secret)"),
        "{printed}"
    );
    for u in pool["users"].as_array().unwrap() {
        let name = u["username"].as_str().unwrap();
        assert!(printed.contains(&format!("user {name} (")), "{printed}");
    }
    assert!(
        printed.contains("user carol (FORCE_CHANGE_PASSWORD)"),
        "{printed}"
    );
    assert!(
        printed.contains("user bob (CONFIRMED, TOTP MFA)"),
        "{printed}"
    );
    assert!(
        printed.contains("AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"),
        "{printed}"
    );
    // Never a client secret, never a password.
    assert!(
        !printed.contains("backend-secret") && !printed.contains(password),
        "{printed}"
    );

    // Sign in with a user of the seed file, as the printed `try:` line says.
    let dir = std::env::temp_dir().join(format!("pycognito-cli-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
    cmd.args(["login", "-u", username, "--password-stdin"])
        .args(["--pool-id", pool_id, "--client-id", client_id])
        .args(["--endpoint-url", &url])
        .arg("--session-file")
        .arg(dir.join("session.json"))
        .env_remove("PYCOGNITO_CLIENT_SECRET")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER");
    let out = output(cmd, &format!("{password}\n"));
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(&format!("signed in as {username}")),
        "{stdout}"
    );
}

#[test]
fn verify_resolves_the_endpoint_and_says_both_issuers() {
    let env = Env::start("verify-endpoint", PoolSpec::default());
    env.user("wes", None);
    env.ok(
        &["login", "-u", "wes", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let issuer = format!("{}/{}", env.url, env.pool_id);
    let jwks = format!("{issuer}/.well-known/jwks.json");
    // The endpoint from the environment, as every other command takes it (no --endpoint-url).
    for var in [
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
        "AWS_ENDPOINT_URL",
    ] {
        let mut cmd = env.command(&["verify", "--token-use", "access"], false);
        cmd.env(var, &env.url);
        let out = output(cmd, "");
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{var}: {stderr}");
        assert!(stdout.contains("valid Access token"), "{stdout}");
    }
    // A wrong --issuer: both the expected and the found issuer are named.
    let wrong = format!("{}/us-east-1_Other", env.url);
    let err = env.fails(&["verify", "--issuer", &wrong], "");
    assert!(
        err.contains(&wrong) && err.contains(&format!("issuer is {issuer},")),
        "{err}"
    );
    // --jwks-uri is separate from the issuer and from the endpoint: with the endpoint on a
    // closed port, the keys still come from --jwks-uri ...
    let closed = closed_port_url();
    let mut cmd = env.command(&["verify", "--issuer", &issuer, "--jwks-uri", &jwks], false);
    cmd.env("AWS_ENDPOINT_URL", &closed);
    let out = output(cmd, "");
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("valid Access token"), "{stdout}");
    // ... and without it, from the (closed) endpoint, which fails, naming the address.
    let mut cmd = env.command(&["verify", "--issuer", &issuer], false);
    cmd.env("AWS_ENDPOINT_URL", &closed);
    let out = output(cmd, "");
    let (_, stderr) = texts(&out);
    assert!(!out.status.success(), "the JWKS comes from the endpoint");
    assert!(
        stderr.contains(&format!(
            "from {closed}/{}/.well-known/jwks.json",
            env.pool_id
        )),
        "{stderr}"
    );
}

#[test]
fn mfa_setup_totp_in_two_scripted_steps() {
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true);
    let env = Env::start("totp-steps", pool);
    env.user("tom", None);
    env.ok(
        &["login", "-u", "tom", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let out = env.ok(&["mfa", "setup-totp", "--associate"], "");
    let mut lines = out.lines();
    let secret = lines.next().unwrap().to_owned();
    let uri = lines.next().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/pycognito:tom?secret=") && uri.contains(&secret),
        "{out}"
    );
    let code = pycognito_tests::totp(
        &secret,
        env.emu()
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let out = env.ok(&["mfa", "setup-totp", "--verify", "--code", &code], "");
    assert!(out.contains("TOTP MFA enabled"), "{out}");
    // Sign-in now asks for the TOTP code.
    let err = env.fails(
        &["login", "-u", "tom", "--password-stdin"],
        &format!("{PW}\n"),
    );
    assert!(err.contains("Authenticator code"), "{err}");
    // --associate with --json.
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["mfa", "setup-totp", "--associate", "--json"], "")).unwrap();
    let secret = json["secret"].as_str().unwrap();
    assert!(
        json["otpauth_uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("secret={secret}&issuer=pycognito")),
        "{json}"
    );
}

#[test]
fn mfa_setup_totp_reads_the_code_from_stdin() {
    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true);
    let env = Env::start("totp-stdin", pool);
    env.user("tina", None);
    env.ok(
        &["login", "-u", "tina", "--password-stdin"],
        &format!("{PW}\n"),
    );
    // A script reads the secret from stdout, computes the code and writes it to stdin.
    let mut child = env.command(&["mfa", "setup-totp"], true).spawn().unwrap();
    let lines = stdout_until(&mut child, "otpauth://");
    let secret = lines[0].clone();
    let now = env
        .emu()
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", pycognito_tests::totp(&secret, now)).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = env.fails(
        &["login", "-u", "tina", "--password-stdin"],
        &format!("{PW}\n"),
    );
    assert!(err.contains("Authenticator code"), "TOTP is on: {err}");
}

#[test]
fn connection_errors_name_the_url() {
    let env = Env::start("closed", PoolSpec::default());
    let closed = closed_port_url();
    let mut cmd = env.command(
        &[
            "login",
            "-u",
            "nobody",
            "--password-stdin",
            "--endpoint-url",
            &closed,
        ],
        false,
    );
    cmd.env_remove("AWS_ENDPOINT_URL");
    let out = output(cmd, &format!("{PW}\n"));
    let (_, stderr) = texts(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("cannot connect to {closed}/")),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert_eq!(out.status.code(), Some(75), "RetryLater is EX_TEMPFAIL");
    // The same for admin commands, with the endpoint from the environment.
    let mut cmd = env.command(&["admin", "users", "list"], false);
    cmd.env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", &closed);
    let out = output(cmd, "");
    let (_, stderr) = texts(&out);
    assert!(
        stderr.contains(&format!("cannot connect to {closed}/")),
        "{stderr}"
    );
}

#[test]
fn missing_admin_credentials_say_what_to_set() {
    let env = Env::start("no-credentials", PoolSpec::default());
    let mut cmd = env.command(&["admin", "users", "list"], true);
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env("HOME", &env.dir)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            env.dir.join("no-credentials"),
        )
        .env("AWS_CONFIG_FILE", env.dir.join("no-config"));
    let out = output(cmd, "");
    let (_, stderr) = texts(&out);
    assert!(!out.status.success());
    for needle in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn times_print_as_rfc3339_whole_seconds() {
    let env = Env::start("times", PoolSpec::default());
    env.user("tim", None);
    let out = env.ok(
        &["login", "-u", "tim", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let until = out
        .lines()
        .next()
        .unwrap()
        .split("tokens valid until ")
        .nth(1)
        .unwrap();
    // 2026-12-03T08:08:04Z
    let b = until.as_bytes();
    assert_eq!(b.len(), 20, "{until}");
    assert!(
        b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':',
        "{until}"
    );
    assert!(until.ends_with('Z') && !until.contains('.'), "{until}");
}

#[test]
fn help_describes_the_cli() {
    let out = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let first = help.lines().next().unwrap();
    assert!(
        first.starts_with("Amazon Cognito user pools from the command line: sign in"),
        "{first}"
    );
    assert!(!help.contains("successor"), "not the library's description");
    for command in ["login", "verify", "admin", "emulator"] {
        assert!(help.contains(command), "{command}: {help}");
    }
}

#[test]
fn admin_create_user_reads_the_temporary_password_from_stdin() {
    let env = Env::start("temporary", PoolSpec::default());
    env.ok(
        &[
            "admin",
            "users",
            "create",
            "tara",
            "--temporary-password-stdin",
            "--suppress",
        ],
        "Temp-Passw0rd1!\n",
    );
    // A new password the policy refuses, in a script: the policy's message, FixInput's code.
    let login = [
        "login",
        "-u",
        "tara",
        "--password-stdin",
        "--new-password-stdin",
    ];
    let err = env.exits(3, &login, "Temp-Passw0rd1!\nshort\n");
    assert!(
        err.contains("the new password was refused (Password did not conform with policy")
            && err.contains("choose another"),
        "{err}"
    );
    let out = env.ok(&login, &format!("Temp-Passw0rd1!\n{PW}\n"));
    assert!(out.contains("signed in as tara"), "{out}");
}

/// A domain, a resource server and an M2M app client made through the signed admin API;
/// (client id, secret).
fn m2m_client(env: &Env) -> (String, String) {
    use cognito_wire::{OAuthFlowType, op};
    let admin = cognito_admin::AdminClient::builder()
        .endpoint_url(&env.url)
        .region("us-east-1")
        .pool_id(&env.pool_id)
        .credentials(cognito_admin::static_credentials("test", "test", None))
        .build()
        .unwrap();
    env.rt.block_on(async {
        let d = cognito_wire::CreateUserPoolDomainRequest::builder()
            .user_pool_id(&env.pool_id)
            .domain("cli-m2m")
            .build()
            .unwrap();
        admin.call::<op::CreateUserPoolDomain>(&d).await.unwrap();
        let scope = cognito_wire::ResourceServerScopeType::builder()
            .scope_name("read")
            .scope_description("read")
            .build()
            .unwrap();
        let rs = cognito_wire::CreateResourceServerRequest::builder()
            .user_pool_id(&env.pool_id)
            .identifier("orders")
            .name("Orders")
            .scopes(vec![scope])
            .build()
            .unwrap();
        admin.call::<op::CreateResourceServer>(&rs).await.unwrap();
        let c = cognito_wire::CreateUserPoolClientRequest::builder()
            .user_pool_id(&env.pool_id)
            .client_name("worker")
            .generate_secret(true)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(vec![OAuthFlowType::ClientCredentials])
            .allowed_o_auth_scopes(vec!["orders/read".to_owned()])
            .build()
            .unwrap();
        let made = admin
            .call::<op::CreateUserPoolClient>(&c)
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        (
            made.client_id.unwrap().expose().to_owned(),
            made.client_secret.unwrap().expose().to_owned(),
        )
    })
}

#[test]
fn token_client_credentials_is_cached_and_says_what_to_fix() {
    let env = Env::start("m2m", PoolSpec::named("m2m"));
    let (id, secret) = m2m_client(&env);
    let domain = format!("{}/_domain/cli-m2m", env.url);
    let token = |secret: &str, extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
        cmd.args([
            "token",
            "--client-credentials",
            "--domain",
            &domain,
            "--client-id",
            &id,
        ])
        .args(extra)
        .arg("--session-file")
        .arg(env.dir.join("session.json"))
        .env("PYCOGNITO_CLIENT_SECRET", secret)
        .env_remove("PYCOGNITO_DOMAIN");
        output(cmd, "")
    };
    let ok = |out: Output| {
        let (stdout, stderr) = texts(&out);
        assert!(out.status.success(), "{stderr}");
        stdout.trim().to_owned()
    };
    let first = ok(token(&secret, &["--scope", "orders/read"]));
    assert_eq!(first.split('.').count(), 3, "a JWT: {first}");
    let claims = cognito_auth::unverified_claims(&first).unwrap();
    assert_eq!(claims["scope"], "orders/read");
    assert_eq!(claims["client_id"], id.as_str());
    // Cached: the same token; --no-cache: a new one; --json: with its expiry.
    assert_eq!(ok(token(&secret, &["--scope", "orders/read"])), first);
    let fresh = ok(token(&secret, &["--scope", "orders/read", "--no-cache"]));
    assert_ne!(fresh, first);
    let json: serde_json::Value =
        serde_json::from_str(&ok(token(&secret, &["--scope", "orders/read", "--json"]))).unwrap();
    assert_eq!(json["access_token"], fresh.as_str());
    assert!(json["expires_at"].as_i64().unwrap() > 0);
    // The cache file is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let cached: Vec<_> = std::fs::read_dir(&env.dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("m2m-"))
            .collect();
        assert_eq!(cached.len(), 1);
        let mode = cached[0].metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A wrong secret: fix the configuration (exit 8), one line; a scope the client may not
    // have: the same; no secret at all: a usage error (2).
    let out = token("wrong", &["--no-cache"]);
    assert_eq!(out.status.code(), Some(8), "{}", texts(&out).1);
    assert!(
        texts(&out).1.contains("invalid_client"),
        "{}",
        texts(&out).1
    );
    let out = token(&secret, &["--scope", "orders/write"]);
    assert_eq!(out.status.code(), Some(8), "{}", texts(&out).1);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
    cmd.args([
        "token",
        "--client-credentials",
        "--domain",
        &domain,
        "--client-id",
        &id,
    ])
    .env_remove("PYCOGNITO_CLIENT_SECRET");
    let out = output(cmd, "");
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
}

#[test]
fn emulator_trigger_flag_runs_a_local_command() {
    // A malformed mapping is refused with one line on stderr.
    let out = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .args(["emulator", "--port", "0", "--trigger", "no-handler-here"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("KEY=HANDLER"),
        "{out:?}"
    );

    // A pre sign-up function as a shell script: it auto-confirms everyone.
    let dir = std::env::temp_dir().join(format!("pycognito-cli-trigger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("confirm.sh");
    std::fs::write(
        &script,
        "sed 's/\"autoConfirmUser\":false/\"autoConfirmUser\":true/'\n",
    )
    .unwrap();
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:confirm";
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        serde_json::json!({"pools": [{"name": "t", "id": "us-east-1_trig",
            "lambda_config": {"PreSignUp": arn},
            "clients": [{"name": "web", "client_id": "trigwebclient"}]}]})
        .to_string(),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pycognito"))
        .args(["emulator", "--port", "0", "--seed"])
        .arg(&seed)
        .arg("--trigger")
        .arg(format!("{arn}=sh {}", script.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = stdout_until(&mut child, "admin keys:");
    let addr = lines[0].trim().strip_prefix("http://").unwrap().to_owned();
    // What runs each trigger is printed with the pool.
    let printed = lines.join("\n");
    assert!(
        printed.contains(&format!(
            "  trigger PreSignUp {arn} -> sh {}",
            script.display()
        )),
        "{printed}"
    );
    let body = r#"{"ClientId":"trigwebclient","Username":"ann","Password":"Passw0rd!"}"#;
    let answer = raw_http(
        &addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(answer.contains(r#""UserConfirmed":true"#), "{answer}");
}

/// A domain `cli-web` and an app client with a secret for the code flow, calling back to
/// `callback`; (client id, secret).
fn code_flow_client(env: &Env, callback: &str, logout: &str) -> (String, String) {
    use cognito_wire::{OAuthFlowType, op};
    let admin = cognito_admin::AdminClient::builder()
        .endpoint_url(&env.url)
        .region("us-east-1")
        .pool_id(&env.pool_id)
        .credentials(cognito_admin::static_credentials("test", "test", None))
        .build()
        .unwrap();
    env.rt.block_on(async {
        let d = cognito_wire::CreateUserPoolDomainRequest::builder()
            .user_pool_id(&env.pool_id)
            .domain("cli-web")
            .build()
            .unwrap();
        admin.call::<op::CreateUserPoolDomain>(&d).await.unwrap();
        let scopes = ["openid", "email", "aws.cognito.signin.user.admin"];
        let c = cognito_wire::CreateUserPoolClientRequest::builder()
            .user_pool_id(&env.pool_id)
            .client_name("cli-browser")
            .generate_secret(true)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(vec![OAuthFlowType::Code])
            .allowed_o_auth_scopes(scopes.map(str::to_owned).to_vec())
            .callback_ur_ls(vec![callback.to_owned()])
            .logout_ur_ls(vec![logout.to_owned()])
            .supported_identity_providers(vec!["COGNITO".to_owned()])
            .build()
            .unwrap();
        let made = admin
            .call::<op::CreateUserPoolClient>(&c)
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        (
            made.client_id.unwrap().expose().to_owned(),
            made.client_secret.unwrap().expose().to_owned(),
        )
    })
}

#[test]
fn login_browser_no_open_is_a_real_code_flow_without_a_browser() {
    use pycognito_tests::managed_login::ManagedLoginBrowser;
    use std::io::{BufRead, BufReader, Read};
    let env = Env::start("browser", PoolSpec::named("browser"));
    env.user("alice", None);
    // A port for the loopback redirect, registered exactly as Cognito requires.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let callback = format!("http://localhost:{port}/callback");
    let bye = format!("http://localhost:{port}/bye");
    let (id, secret) = code_flow_client(&env, &callback, &bye);
    let domain = format!("{}/_domain/cli-web", env.url);
    let session_file = env.dir.join("session.json");
    let cli = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pycognito"));
        cmd.args(args)
            .args(["--endpoint-url", &env.url, "--pool-id", &env.pool_id])
            .args(["--client-id", &id])
            .arg("--session-file")
            .arg(&session_file)
            .env("PYCOGNITO_CLIENT_SECRET", &secret)
            .env_remove("PYCOGNITO_DOMAIN")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER");
        cmd
    };

    let mut login = cli(&[
        "login",
        "--browser",
        "--no-open",
        "--domain",
        &domain,
        "--port",
        &port,
        "--scope",
        "openid",
        "--scope",
        "email",
        "--scope",
        "aws.cognito.signin.user.admin",
    ]);
    let mut child = login
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim().to_owned();
    assert!(
        url.starts_with(&format!("{domain}/oauth2/authorize?")),
        "the first line is the authorize URL: {url}"
    );
    assert!(url.contains("code_challenge_method=S256"), "{url}");

    // The browser's part, over HTTP: authorize -> /login (cookie + _csrf) -> POST -> 302 to
    // the CLI's loopback, which answers the page that says the sign-in is done.
    let mut browser = ManagedLoginBrowser::new();
    let landed = env.rt.block_on(async {
        let redirect = browser.sign_in(&url, "alice", PW).await;
        assert!(redirect.starts_with(&callback), "{redirect}");
        browser.send("GET", &redirect, None).await
    });
    assert_eq!(landed.status, 200, "{}", landed.body);
    assert!(landed.body.contains("Signed in"), "{}", landed.body);

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(rest.contains("signed in as alice"), "{rest}");
    assert!(!rest.contains(&secret) && !stderr.contains(&secret));

    // Kept like an SRP login's session, bound to the domain; the other commands use it.
    let kept = read_session(&env);
    assert_eq!(kept["username"], "alice");
    assert_eq!(kept["oauth_domain"], domain.as_str());
    let whoami = output(cli(&["whoami"]), "");
    assert!(whoami.status.success(), "{}", texts(&whoami).1);
    assert!(
        texts(&whoami).0.starts_with("alice"),
        "{}",
        texts(&whoami).0
    );
    let before = kept["tokens"]["access_token"].clone();
    let refreshed = output(cli(&["refresh"]), "");
    assert!(refreshed.status.success(), "{}", texts(&refreshed).1);
    assert_ne!(read_session(&env)["tokens"]["access_token"], before);

    // logout --browser: Cognito's logout URL (the domain comes from the kept session), and
    // the session is forgotten.
    let out = output(cli(&["logout", "--browser", "--logout-uri", &bye]), "");
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let line = stdout.trim();
    assert!(
        line.starts_with(&format!("{domain}/logout?client_id={id}&logout_uri=")),
        "{line}"
    );
    assert!(!session_file.exists(), "the session is forgotten");
    // Without the URI it is a usage error.
    let out = output(cli(&["logout", "--browser"]), "");
    assert_eq!(out.status.code(), Some(2), "{}", texts(&out).1);
    // PYCOGNITO_DOMAIN (set for `token` or `login --browser`) does not change the plain
    // commands: here, no session (4), not a usage error.
    let mut plain = cli(&["logout"]);
    plain.env("PYCOGNITO_DOMAIN", &domain);
    let out = output(plain, "");
    assert_eq!(out.status.code(), Some(4), "{}", texts(&out).1);
}

/// `passkey register|list|delete` and `login --passkey`, with the software authenticator's
/// credentials in a private file; the pool's relying party is `localhost`.
#[test]
fn passkey_register_list_login_and_delete() {
    let env = Env::start("passkey", PoolSpec::default());
    env.user("alice", None);
    let admin = cognito_admin::AdminClient::builder()
        .endpoint_url(&env.url)
        .region("us-east-1")
        .pool_id(&env.pool_id)
        .credentials(cognito_admin::static_credentials("test", "test", None))
        .build()
        .unwrap();
    env.rt.block_on(async {
        let config = cognito_wire::WebAuthnConfigurationType::builder()
            .relying_party_id("localhost")
            .build();
        let req = cognito_wire::SetUserPoolMfaConfigRequest::builder()
            .user_pool_id(&env.pool_id)
            .web_authn_configuration(config)
            .build()
            .unwrap();
        admin.set_user_pool_mfa_config(&req).await.unwrap();
    });
    let file = env.dir.join("passkeys.json");
    let file = file.to_str().unwrap();
    let software = ["--passkey-file", file, "--origin", "http://localhost:8080"];
    env.ok(
        &["login", "-u", "alice", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let out = env.ok(&[&["passkey", "register"][..], &software[..]].concat(), "");
    let id = out
        .trim()
        .strip_prefix("registered ")
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the passkey file is private");
    }
    let out = env.ok(&["passkey", "list"], "");
    assert!(out.starts_with(&format!("{id}\tlocalhost\t")), "{out}");

    env.ok(&["logout"], "");
    let login = [&["login", "-u", "alice", "--passkey"][..], &software[..]].concat();
    let out = env.ok(&login, "");
    assert!(out.contains("signed in as alice"), "{out}");
    // Signed in again the next time (the counter kept in the file moved on).
    env.ok(&login, "");

    let out = env.ok(&["passkey", "delete", &id], "");
    assert!(out.contains("deleted"), "{out}");
    let err = env.fails(&login, "");
    assert!(err.contains("no passkey"), "{err}");

    // A damaged file is refused with what to do, and left as it was.
    let damaged = br#"{"credentials": [{"id": "AA"}]}"#;
    std::fs::write(file, damaged).unwrap();
    let err = env.fails(&login, "");
    assert!(
        err.contains("not a software authenticator's credentials file"),
        "{err}"
    );
    assert_eq!(std::fs::read(file).unwrap(), damaged);
}
