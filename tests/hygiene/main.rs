//! Secret hygiene: a whole journey (client, emulator, admin API and CLI) with every log at TRACE,
//! then a search of everything logged and printed for the secrets that went through it.
//! Its own test binary, because the capturing subscriber is process-wide.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_auth::{Answer, DevicePolicy, MfaPreference, MfaSetting, Session, SignInOutcome};
use cognito_emulator::{ClientSpec, DeviceTracking, EmulatorConfig, MfaConfig, PoolSpec};
use pycognito_tests::Env;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Everything any thread logs.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

/// The default transport, keeping every secret the emulator answers with: challenge `Session`s,
/// tokens, TOTP secrets (whatever the journey's own values do not show, e.g. the `Session` of a
/// pending MFA question).
struct Recorder {
    inner: cognito_wire::HyperTransport,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl cognito_wire::Transport for Recorder {
    fn send(
        &self,
        req: http::Request<bytes::Bytes>,
    ) -> cognito_wire::BoxFuture<
        '_,
        Result<http::Response<bytes::Bytes>, cognito_wire::error::TransportError>,
    > {
        Box::pin(async move {
            let resp = self.inner.send(req).await?;
            if let Ok(body) = serde_json::from_slice::<serde_json::Value>(resp.body()) {
                let mut seen = self.seen.lock().unwrap();
                for key in ["Session", "SecretCode"] {
                    if let Some(v) = body[key].as_str() {
                        seen.push((key.to_owned(), v.to_owned()));
                    }
                }
                for key in ["AccessToken", "IdToken", "RefreshToken"] {
                    if let Some(v) = body["AuthenticationResult"][key].as_str() {
                        seen.push((key.to_owned(), v.to_owned()));
                    }
                }
            }
            Ok(resp)
        })
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The secrets seen during the journey, each checked against the logs and outputs.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        assert!(
            value.len() >= 8,
            "{what} is too short to search for meaningfully"
        );
        self.0.push((what.to_owned(), value.to_owned()));
    }

    fn add_session(&mut self, s: &Session) {
        let tokens = s.tokens();
        self.add("access token", tokens.access_token.expose());
        self.add("id token", tokens.id_token.expose());
        if let Some(r) = &tokens.refresh_token {
            self.add("refresh token", r.expose());
        }
        if let Some(d) = &s.device() {
            self.add("device password", d.device_password.expose());
        }
    }

    fn assert_absent(&self, place: &str, text: &str) {
        for (what, value) in &self.0 {
            assert!(!text.contains(value.as_str()), "{what} found in {place}");
            // Also the JWT signature part alone, which could be logged separately.
            if let Some(sig) = value.rsplit('.').next().filter(|s| s.len() > 40) {
                assert!(!text.contains(sig), "{what} signature found in {place}");
            }
        }
    }
}

const PW: &str = "Hygiene-Passw0rd!";
const NEW_PW: &str = "Hygiene-N3w-Passw0rd!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_debug_or_cli_output() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .init();
    tracing::info!("capture works");

    let pool = PoolSpec::default()
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true)
        .device_tracking(DeviceTracking::Always);
    let client = ClientSpec::default()
        .name("hygiene".into())
        .generate_secret(true);
    let env = Env::start(pool, client).await;
    let mut secrets = Secrets::default();
    let client_secret = env.client.client_secret.clone().unwrap();
    secrets.add("client secret", &client_secret);
    secrets.add("password", PW);
    secrets.add("new password", NEW_PW);
    for name in ["hygiene-user", "hygiene-user@example.com"] {
        let h = srp_core::secret_hash(name, &env.client.client_id, &client_secret);
        secrets.add("secret hash", h.expose());
    }

    // Sign-up, confirmation, SRP sign-in, TOTP, MFA sign-in with a new device, device sign-in,
    // refresh, password change, admin calls, revocation.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recording = || {
        cognito_wire::Client::builder()
            .pool_id(env.pool_id.clone())
            .endpoint_url(env.emu.url())
            .transport(Recorder {
                inner: cognito_wire::HyperTransport::new().unwrap(),
                seen: seen.clone(),
            })
            .build()
            .unwrap()
    };
    let auth = env
        .auth_builder()
        .wire_client(recording())
        .device_policy(DevicePolicy::Remember)
        .build()
        .unwrap();
    let attrs = BTreeMap::from([("email".to_string(), "hygiene-user@example.com".to_string())]);
    auth.sign_up("hygiene-user", PW, &attrs).await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "hygiene-user").unwrap();
    auth.confirm_sign_up("hygiene-user", &code).await.unwrap();
    let plain = env.auth_builder().wire_client(recording()).build().unwrap();
    let first = plain
        .sign_in("hygiene-user", PW)
        .await
        .unwrap()
        .session()
        .unwrap();
    secrets.add_session(&first);
    let totp_secret = first.associate_software_token().await.unwrap();
    secrets.add("TOTP secret", totp_secret.expose());
    let code = env.totp_now(totp_secret.expose());
    first
        .verify_software_token(&code.as_str().into(), None)
        .await
        .unwrap();
    let pref = MfaPreference::default().totp(MfaSetting::enabled(true));
    first.set_mfa_preference(pref).await.unwrap();
    env.advance(Duration::from_secs(30));
    let SignInOutcome::NeedsInput(pending) = auth.sign_in("hygiene-user", PW).await.unwrap() else {
        panic!("MFA expected")
    };
    let code = env.totp_now(totp_secret.expose());
    let mfa = pending
        .answer(Answer::Code(code.as_str().into()))
        .await
        .unwrap()
        .session()
        .unwrap();
    secrets.add_session(&mfa);
    // A question left pending (its Session only in the recorder's list), and a wrong code.
    env.advance(Duration::from_secs(30));
    let SignInOutcome::NeedsInput(pending) = plain.sign_in("hygiene-user", PW).await.unwrap()
    else {
        panic!("MFA expected without the device")
    };
    let pending_debug = format!("{pending:?}");
    let right = env.totp_now(totp_secret.expose());
    let wrong_code = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let SignInOutcome::NeedsInput(retry) = pending
        .answer(Answer::Code(wrong_code.into()))
        .await
        .unwrap()
    else {
        panic!("a wrong code asks again")
    };
    assert!(retry.rejected().is_some());
    let pending_debug = format!("{pending_debug}{retry:?}");
    let device = auth
        .sign_in("hygiene-user", PW)
        .await
        .unwrap()
        .session()
        .unwrap();
    secrets.add_session(&device);
    let refreshed = device.refresh().await.unwrap();
    secrets.add("refreshed access token", refreshed.access_token.expose());
    device.change_password(PW, NEW_PW).await.unwrap();
    let wrong = plain
        .sign_in("hygiene-user", "Wrong-Passw0rd-1")
        .await
        .unwrap_err();
    secrets.add("wrong password", "Wrong-Passw0rd-1");

    let admin_secret = "hygiene-admin-secret-key";
    secrets.add("AWS secret key", admin_secret);
    let admin = cognito_admin::AdminClient::builder()
        .pool_id(&env.pool_id)
        .region("us-east-1")
        .endpoint_url(env.emu.url())
        .credentials(cognito_admin::static_credentials("test", "test", None))
        .build()
        .unwrap();
    admin
        .list_users_all(cognito_admin::UserQuery::new())
        .await
        .unwrap();
    let bad_admin = cognito_admin::AdminClient::builder()
        .pool_id(&env.pool_id)
        .region("us-east-1")
        .endpoint_url(env.emu.url())
        .credentials(cognito_admin::static_credentials(
            "test",
            admin_secret,
            None,
        ))
        .build()
        .unwrap();
    assert!(
        bad_admin
            .list_users_all(cognito_admin::UserQuery::new())
            .await
            .is_err()
    );
    device.revoke().await.unwrap();

    // Everything the emulator answered with that is secret.
    {
        let seen = seen.lock().unwrap();
        let sessions = seen.iter().filter(|(k, _)| k == "Session").count();
        assert!(
            sessions >= 3,
            "the recorder saw the challenge sessions: {sessions}"
        );
        for (what, value) in seen.iter() {
            secrets.add(what, value);
        }
    }

    // Debug of every secret-bearing value, and error displays.
    let debug = format!(
        "{first:?}{mfa:?}{device:?}{refreshed:?}{auth:?}{admin:?}{bad_admin:?}{wrong:?}{wrong}{totp_secret:?}{pending_debug}{:?}",
        auth.config("hygiene-user")
            .password(PW)
            .client_secret(client_secret.as_str())
    );
    secrets.assert_absent("Debug output", &debug);

    // The CLI with RUST_LOG=trace: stdout (without --json) and stderr.
    let dir = std::env::temp_dir().join(format!("pycognito-hygiene-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The binary sits beside this test's deps directory: target/<profile>/pycognito
    // (cargo test --workspace builds it before running any test).
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("pycognito");
    let bin = std::env::var_os("PYCOGNITO_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or(bin);
    let mut cli_output = String::new();
    if bin.exists() {
        env.advance(Duration::from_secs(30));
        let code = env.totp_now(totp_secret.expose());
        let login = [
            "login",
            "-u",
            "hygiene-user",
            "--password-stdin",
            "--mfa-code",
            code.as_str(),
        ];
        for args in [&login[..], &["whoami"], &["refresh"], &["logout"]] {
            let mut child = std::process::Command::new(&bin)
                .args(args)
                .args([
                    "--endpoint-url",
                    &env.emu.url(),
                    "--pool-id",
                    &env.pool_id,
                    "--client-id",
                    &env.client.client_id,
                ])
                .arg("--session-file")
                .arg(dir.join("session.json"))
                .env("PYCOGNITO_CLIENT_SECRET", &client_secret)
                .env("RUST_LOG", "trace")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{NEW_PW}\n").as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "pycognito {args:?}: {text}");
            cli_output.push_str(&text);
        }
        assert!(
            cli_output.contains("TRACE") || cli_output.contains("DEBUG"),
            "the CLI logged at trace level"
        );
        // The session file holds tokens (mode 0600); what matters is that nothing printed them.
        let stored: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("session.json")).unwrap_or_else(|_| b"{}".to_vec()),
        )
        .unwrap_or_default();
        if let Some(t) = stored["tokens"]["access_token"].as_str() {
            secrets.add("CLI access token", t);
        }
        secrets.assert_absent("CLI output", &cli_output);
    } else {
        println!(
            "skipping the CLI half: build the pycognito binary first (cargo build -p pycognito-rs)"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("capture works") && logs.lines().count() > 20,
        "the capture saw the journey"
    );
    secrets.assert_absent("TRACE logs", &logs);
    let _ = EmulatorConfig::default();
}
