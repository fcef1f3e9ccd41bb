//! The `pycognito` admin commands signed with a profile of the shared credentials file
//! (`AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`) when `AWS_ACCESS_KEY_ID` is
//! not set, against the emulator on 127.0.0.1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cognito_emulator::{Emulator, EmulatorConfig, PoolSpec};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// An emulator on its own runtime, a pool and a scratch directory.
struct Env {
    rt: tokio::runtime::Runtime,
    emu: Option<Emulator>,
    url: String,
    pool_id: String,
    dir: PathBuf,
}

impl Env {
    fn start(name: &str) -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emu = rt
            .block_on(Emulator::start(EmulatorConfig::default()))
            .unwrap();
        let pool_id = emu.create_pool(PoolSpec::named("profiles")).unwrap();
        let dir =
            std::env::temp_dir().join(format!("pycognito-profile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = emu.url();
        Env {
            rt,
            emu: Some(emu),
            url,
            pool_id,
            dir,
        }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs `pycognito` with only the profile settings of the AWS environment.
    fn run(&self, args: &[&str], profile: &str, credentials: &Path, config: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_pycognito"))
            .args(args)
            .args(["--endpoint-url", &self.url, "--pool-id", &self.pool_id])
            .env("AWS_PROFILE", profile)
            .env("AWS_SHARED_CREDENTIALS_FILE", credentials)
            .env("AWS_CONFIG_FILE", config)
            .env("HOME", &self.dir)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("AWS_DEFAULT_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
            .stdin(Stdio::null())
            .output()
            .unwrap()
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

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A failure with exactly one line on stderr, returned.
fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{out:?}");
    stderr
}

#[test]
fn admin_commands_sign_with_the_profile() {
    let env = Env::start("ok");
    let credentials = env.file(
        "credentials",
        "[default]\naws_access_key_id = other\naws_secret_access_key = other\n\n\
         [demo]\naws_access_key_id = test\naws_secret_access_key = test\n",
    );
    let no_config = env.dir.join("no-such-config");
    ok(&env.run(
        &["admin", "groups", "create", "ops"],
        "demo",
        &credentials,
        &no_config,
    ));
    let list = ok(&env.run(
        &["admin", "groups", "list"],
        "demo",
        &credentials,
        &no_config,
    ));
    assert_eq!(list.trim(), "ops");

    // The region from the config file's profile.
    let config = env.file("config", "[profile demo]\nregion = us-east-1\n");
    let list = ok(&env.run(&["admin", "groups", "list"], "demo", &credentials, &config));
    assert_eq!(list.trim(), "ops");
}

#[test]
fn a_wrong_profile_secret_or_a_missing_profile_fails_in_one_line() {
    let env = Env::start("wrong");
    let credentials = env.file(
        "credentials",
        "[demo]\naws_access_key_id = test\naws_secret_access_key = wrong\n",
    );
    let no_config = env.dir.join("no-such-config");
    let stderr = failed(&env.run(
        &["admin", "groups", "create", "ops"],
        "demo",
        &credentials,
        &no_config,
    ));
    assert!(stderr.contains("signature"), "{stderr}");
    assert!(!stderr.contains("wrong"), "{stderr}");

    failed(&env.run(
        &["admin", "groups", "list"],
        "missing",
        &credentials,
        &no_config,
    ));
}
