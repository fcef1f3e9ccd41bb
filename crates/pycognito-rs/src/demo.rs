//! `pycognito demo`: the whole journey against an embedded emulator on loopback, step by step.
//!
//! Sign-up and confirmation (code from the outbox), SRP sign-in, TOTP set-up, an MFA sign-in that
//! confirms a device, a device sign-in that skips MFA, token verification against the JWKS,
//! the session refreshing itself at its margin, an admin group round trip (SigV4), and global
//! sign-out. The emulator runs on a manual clock shared with the client, so TOTP steps do not
//! wait for the next 30-second window.

use crate::cli::rfc3339;
use cognito_auth::jwt::{CognitoJwtVerifier, TokenUse};
use cognito_auth::{
    Answer, CodeKind, CognitoAuth, DevicePolicy, MfaPreference, MfaSetting, Question, Session,
    SignInOutcome,
};
use cognito_emulator::{
    ClientSpec, DeviceTracking, Emulator, EmulatorConfig, ManualClock, MfaConfig, PoolSpec,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

const USERNAME: &str = "demo-user";
const EMAIL: &str = "demo-user@example.com";
const PASSWORD: &str = "Corr3ct-Horse-Battery!";

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A step failed.
    #[error("step {step:?} failed: {reason}")]
    Step {
        /// The step.
        step: &'static str,
        /// What went wrong.
        reason: String,
    },
}

fn fail(step: &'static str, reason: impl std::fmt::Display) -> DemoError {
    DemoError::Step {
        step,
        reason: reason.to_string(),
    }
}

/// The emulator's manual clock, as the client's clock.
#[derive(Debug)]
struct SharedClock(Arc<ManualClock>);

impl cognito_auth::Clock for SharedClock {
    fn now(&self) -> OffsetDateTime {
        system_to_offset(cognito_emulator::Clock::now(self.0.as_ref()))
    }
}

fn system_to_offset(t: SystemTime) -> OffsetDateTime {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or_default())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

struct Report {
    started: Instant,
    steps: usize,
}

impl Report {
    fn ok(&mut self, name: &str, began: Instant, detail: impl std::fmt::Display) {
        self.steps += 1;
        println!(
            "  {:>2}. ok  {:<48} {:>8.1} ms  {detail}",
            self.steps,
            name,
            began.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// The demo's authenticator app: the current RFC 6238 code for a base32 secret.
fn totp(secret_b32: &str, unix: i64) -> Option<String> {
    cognito_emulator::totp_code(secret_b32, unix)
}

/// Runs the journey; `Ok` only if every step did what it should.
pub async fn run() -> Result<(), DemoError> {
    let mut report = Report {
        started: Instant::now(),
        steps: 0,
    };
    println!("pycognito demo: the whole journey against an embedded Cognito emulator\n");

    // 1. Emulator and provisioning.
    let t = Instant::now();
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let config = EmulatorConfig::default().clock(Some(clock.clone()));
    let emu = Emulator::start(config)
        .await
        .map_err(|e| fail("start emulator", e))?;
    let pool_spec = PoolSpec::default()
        .name("demo".into())
        .mfa(MfaConfig::Optional)
        .software_token_mfa(true)
        .device_tracking(DeviceTracking::Always)
        .auto_verified_attributes(vec!["email".into()]);
    let pool_id = emu
        .create_pool(pool_spec)
        .map_err(|e| fail("create pool", e))?;
    let client_spec = ClientSpec::default()
        .name("demo-app".into())
        .generate_secret(true);
    let app = emu
        .create_client(&pool_id, client_spec)
        .map_err(|e| fail("create app client", e))?;
    report.ok(
        "emulator on loopback, pool + app client (with secret)",
        t,
        emu.url(),
    );

    let advance = |secs: u64| emu.advance_clock(Duration::from_secs(secs));
    let now = || system_to_offset(cognito_emulator::Clock::now(clock.as_ref()));
    // Two clients of the same app: one that never remembers devices (the first sign-ins), and
    // one that confirms and remembers the device offered at its first sign-in.
    let client = |policy: DevicePolicy| {
        let mut builder = CognitoAuth::builder(&pool_id, &app.client_id)
            .endpoint_url(emu.url())
            .clock(Arc::new(SharedClock(clock.clone())))
            .device_policy(policy)
            .device_name("demo-laptop");
        if let Some(secret) = &app.client_secret {
            builder = builder.client_secret(secret.as_str());
        }
        builder.build().map_err(|e| fail("client", e))
    };
    let auth = client(DevicePolicy::Never)?;
    let remembering = client(DevicePolicy::Remember)?;

    // 2. Sign-up and confirmation.
    let t = Instant::now();
    let attrs = BTreeMap::from([("email".to_string(), EMAIL.to_string())]);
    let signed_up = auth
        .sign_up(USERNAME, PASSWORD, &attrs)
        .await
        .map_err(|e| fail("sign-up", e))?;
    if signed_up.user_confirmed {
        return Err(fail("sign-up", "the user was confirmed without a code"));
    }
    let code = emu
        .latest_code(&pool_id, USERNAME)
        .ok_or_else(|| fail("sign-up", "no code in the outbox"))?;
    auth.confirm_sign_up(USERNAME, &code)
        .await
        .map_err(|e| fail("confirm sign-up", e))?;
    report.ok(
        "SignUp + ConfirmSignUp (code from the outbox)",
        t,
        format!("code {code}"),
    );

    // 3. SRP sign-in.
    let t = Instant::now();
    let first = signed_in(auth.sign_in(USERNAME, PASSWORD).await, "SRP sign-in")?;
    report.ok(
        "USER_SRP_AUTH -> PASSWORD_VERIFIER",
        t,
        format!("tokens until {}", rfc3339(first.expires_at())),
    );
    let wrong = auth.sign_in(USERNAME, "not-the-password").await;
    match wrong {
        Err(e) if e.service_code() == Some("NotAuthorizedException") => {}
        other => {
            return Err(fail(
                "wrong password",
                format!("expected NotAuthorizedException, got {other:?}"),
            ));
        }
    }

    // 4. TOTP set-up.
    let t = Instant::now();
    let secret = first
        .associate_software_token()
        .await
        .map_err(|e| fail("TOTP set-up", e))?;
    let code = totp(secret.expose(), now().unix_timestamp())
        .ok_or_else(|| fail("TOTP set-up", "bad secret"))?;
    first
        .verify_software_token(&code.into(), Some("demo phone"))
        .await
        .map_err(|e| fail("TOTP set-up", e))?;
    let pref = MfaPreference::default().totp(MfaSetting::enabled(true));
    first
        .set_mfa_preference(pref)
        .await
        .map_err(|e| fail("MFA preference", e))?;
    report.ok(
        "AssociateSoftwareToken + VerifySoftwareToken + preference",
        t,
        "TOTP is the preferred MFA",
    );

    // 5. MFA sign-in: TOTP asked; the new device is confirmed and remembered.
    advance(30);
    let t = Instant::now();
    let pending = match remembering
        .sign_in(USERNAME, PASSWORD)
        .await
        .map_err(|e| fail("MFA sign-in", e))?
    {
        SignInOutcome::NeedsInput(p) => p,
        _ => return Err(fail("MFA sign-in", "signed in without MFA")),
    };
    if !matches!(
        pending.question(),
        Question::Code {
            kind: CodeKind::SoftwareTokenMfa,
            ..
        }
    ) {
        return Err(fail(
            "MFA sign-in",
            format!("unexpected question {:?}", pending.question()),
        ));
    }
    let code = totp(secret.expose(), now().unix_timestamp())
        .ok_or_else(|| fail("MFA sign-in", "bad secret"))?;
    let mfa = signed_in(
        pending.answer(Answer::Code(code.as_str().into())).await,
        "MFA sign-in",
    )?;
    let device = mfa
        .device()
        .ok_or_else(|| fail("device confirmation", "no device was confirmed"))?;
    report.ok(
        "SOFTWARE_TOKEN_MFA sign-in + ConfirmDevice",
        t,
        format!("device {}", device.device_key),
    );

    // 6. Device sign-in: DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER, no MFA.
    advance(30);
    let t = Instant::now();
    let via_device = signed_in(
        remembering.sign_in(USERNAME, PASSWORD).await,
        "device sign-in",
    )?;
    if via_device.device().map(|d| d.device_key) != Some(device.device_key.clone()) {
        return Err(fail("device sign-in", "the remembered device was not used"));
    }
    report.ok(
        "remembered device: DEVICE_SRP_AUTH, MFA skipped",
        t,
        "no code asked",
    );

    // 7. Token verification against the JWKS.
    let t = Instant::now();
    let issuer = format!("{}/{pool_id}", emu.url());
    let verifier = CognitoJwtVerifier::builder(&pool_id)
        .client_id(&app.client_id)
        .token_use(TokenUse::Access)
        .issuer(issuer.clone())
        .jwks_uri(format!("{issuer}/.well-known/jwks.json"))
        .build()
        .map_err(|e| fail("JWT verifier", e))?;
    let access = via_device.tokens().access_token;
    let claims = verifier
        .verify(access.expose(), now())
        .await
        .map_err(|e| fail("verify access token", e))?;
    let tampered = format!("{}x", access.expose());
    if verifier.verify(&tampered, now()).await.is_ok() {
        return Err(fail("verify access token", "a tampered token verified"));
    }
    report.ok(
        "RS256 access token verified against the JWKS",
        t,
        format!("sub {}", claims.sub),
    );

    // 8. The session refreshes by itself when its tokens expire within its margin (5 minutes):
    // REFRESH_TOKEN_AUTH with DEVICE_KEY.
    let expires = via_device.expires_at();
    let until_margin = (expires - now() - time::Duration::minutes(4)).whole_seconds();
    advance(u64::try_from(until_margin).unwrap_or_default());
    let t = Instant::now();
    let fresh = via_device
        .access_token()
        .await
        .map_err(|e| fail("refresh", e))?;
    if fresh.expose() == access.expose() || via_device.refresh_count() != 1 {
        return Err(fail("refresh", "the session did not refresh its tokens"));
    }
    report.ok(
        "Session refresh at its margin (with DEVICE_KEY)",
        t,
        format!("new tokens until {}", rfc3339(via_device.expires_at())),
    );

    // 9. Admin group round trip (SigV4 with the emulator's test credentials).
    let t = Instant::now();
    let sigv4_clock = clock.clone();
    let admin = cognito_admin::AdminClient::builder()
        .pool_id(&pool_id)
        .region("us-east-1")
        .endpoint_url(emu.url())
        .credentials(cognito_admin::static_credentials("test", "test", None))
        .clock(move || cognito_emulator::Clock::now(sigv4_clock.as_ref()))
        .build()
        .map_err(|e| fail("admin client", e))?;
    admin
        .create_group(cognito_admin::GroupSpec::new("demo-admins"))
        .await
        .map_err(|e| fail("CreateGroup", e))?;
    admin
        .add_user_to_group(USERNAME, "demo-admins")
        .await
        .map_err(|e| fail("AdminAddUserToGroup", e))?;
    let groups = admin
        .list_groups_for_user_all(USERNAME)
        .await
        .map_err(|e| fail("AdminListGroupsForUser", e))?;
    if !groups
        .iter()
        .any(|g| g.group_name.as_deref() == Some("demo-admins"))
    {
        return Err(fail("admin groups", "the user is not in the group"));
    }
    let with_groups = via_device
        .refresh()
        .await
        .map_err(|e| fail("refresh after group change", e))?;
    let claims = verifier
        .verify(with_groups.access_token.expose(), now())
        .await
        .map_err(|e| fail("verify", e))?;
    if !claims.groups.iter().any(|g| g == "demo-admins") {
        return Err(fail(
            "admin groups",
            "the new token does not carry cognito:groups",
        ));
    }
    admin
        .remove_user_from_group(USERNAME, "demo-admins")
        .await
        .map_err(|e| fail("AdminRemoveUserFromGroup", e))?;
    admin
        .delete_group("demo-admins")
        .await
        .map_err(|e| fail("DeleteGroup", e))?;
    report.ok(
        "admin: CreateGroup/AddUser/ListGroups/Remove/Delete",
        t,
        "token carried cognito:groups",
    );

    // 10. Global sign-out: the refresh token stops working.
    let t = Instant::now();
    via_device
        .sign_out()
        .await
        .map_err(|e| fail("GlobalSignOut", e))?;
    match via_device.refresh().await {
        Err(e) if e.service_code() == Some("NotAuthorizedException") => {}
        other => {
            return Err(fail(
                "sign-out",
                format!("refresh still worked: {:?}", other.map(|_| ())),
            ));
        }
    }
    report.ok(
        "GlobalSignOut: refresh now refused",
        t,
        "NotAuthorizedException",
    );

    emu.shutdown().await;
    println!(
        "\nall {} steps passed in {:.0} ms",
        report.steps,
        report.started.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

fn signed_in(
    outcome: Result<SignInOutcome, cognito_auth::Error>,
    step: &'static str,
) -> Result<Session, DemoError> {
    match outcome.map_err(|e| fail(step, e))? {
        SignInOutcome::SignedIn(s) => Ok(s),
        SignInOutcome::NeedsInput(p) => Err(fail(
            step,
            format!("unexpected question {:?}", p.question()),
        )),
        _ => Err(fail(step, "an outcome this demo does not know")),
    }
}
