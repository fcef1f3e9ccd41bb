//! Our pycognito-compatible facade, in process: `pycognito::Cognito` (crates/pycognito-rs),
//! flow by flow, the way a pycognito user would call it.

use super::check::{Check, Ctx, ensure, totp};
use cognito_auth::{CodeKind, DevicePolicy, MemoryDeviceStore, unverified_claims};
use cognito_emulator::{
    AppClient, ClientSpec, DeviceTracking, Emulator, MfaConfig, PoolSpec, UserMfaSpec, UserSpec,
};
use pycognito::{AuthStep, Cognito, CognitoBuilder, MfaMethod};
use std::collections::BTreeMap;
use std::sync::Arc;

const PW: &str = "Passw0rd!";

/// Runs one flow: `Some(Ok)` / `Some(Err)`, or `None` with why the facade cannot express it.
pub(crate) async fn flow(emu: &Emulator, id: &str) -> Result<Check, &'static str> {
    Ok(match id {
        "srp" => srp(emu).await,
        "password" => password(emu).await,
        "secret_hash" => secret_hash(emu).await,
        "refresh" => refresh(emu).await,
        "new_password" => new_password(emu).await,
        "totp" => totp_flow(emu).await,
        "sms_mfa" => otp_mfa(emu, false).await,
        "email_mfa" => otp_mfa(emu, true).await,
        "device" => device(emu).await,
        "custom_auth" => {
            return Err(
                "the facade mirrors pycognito's API, which starts no CUSTOM_AUTH \
                        (CognitoAuth, in the first column, does)",
            );
        }
        "user_auth" => {
            return Err(
                "the facade mirrors pycognito's API, which starts no USER_AUTH \
                        (CognitoAuth, in the first column, does)",
            );
        }
        "sign_up" => sign_up(emu).await,
        "forgot_password" => forgot_password(emu).await,
        "change_password" => change_password(emu).await,
        "attributes" => attributes(emu).await,
        "global_sign_out" => sign_out(emu, false).await,
        "revoke" => sign_out(emu, true).await,
        "verify_jwt" => verify_jwt(emu).await,
        "admin" => admin(emu).await,
        _ => return Err("unknown flow"),
    })
}

struct Fx {
    url: String,
    pool: String,
    client: AppClient,
}

impl Fx {
    fn new(emu: &Emulator, pool: PoolSpec, client: ClientSpec) -> Result<Fx, String> {
        let pool = emu.create_pool(pool).ctx("create pool")?;
        let client = emu.create_client(&pool, client).ctx("create client")?;
        Ok(Fx {
            url: emu.url(),
            pool,
            client,
        })
    }

    fn builder(&self, username: &str) -> CognitoBuilder {
        let mut b = Cognito::builder(&self.pool, &self.client.client_id)
            .username(username)
            .endpoint_url(&self.url)
            .admin_credentials("test", "test");
        if let Some(s) = &self.client.client_secret {
            b = b.client_secret(s.as_str());
        }
        b
    }

    fn cognito(&self, username: &str) -> Result<Cognito, String> {
        self.builder(username).build().ctx("build Cognito")
    }

    /// A signed-in `Cognito` (no question asked).
    async fn signed_in(&self, username: &str, password: &str) -> Result<Cognito, String> {
        let mut c = self.cognito(username)?;
        let step = c.authenticate(password).await.ctx("authenticate")?;
        ensure(
            step.is_done(),
            format!("signed in without a question: {step:?}"),
        )?;
        Ok(c)
    }
}

fn user(name: &str) -> UserSpec {
    UserSpec::new(name, PW).attribute("email", format!("{name}@example.com"))
}

fn access_claim(c: &Cognito, name: &str) -> Result<String, String> {
    let token = c.access_token().ctx("access token")?;
    unverified_claims(token.expose())
        .ctx("claims")?
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ctx(name)
}

async fn srp(emu: &Emulator) -> Check {
    let fx = Fx::new(emu, PoolSpec::named("srp"), ClientSpec::public("facade"))?;
    emu.create_user(&fx.pool, user("alice"))
        .ctx("create user")?;
    let c = fx.signed_in("alice", PW).await?;
    ensure(access_claim(&c, "username")? == "alice", "access token")?;
    let err = fx
        .cognito("alice")?
        .authenticate("Wrong-Passw0rd!")
        .await
        .err();
    ensure(
        format!("{err:?}").contains("NotAuthorizedException"),
        format!("wrong password refused: {err:?}"),
    )
}

async fn password(emu: &Emulator) -> Check {
    let fx = Fx::new(emu, PoolSpec::named("pw"), ClientSpec::public("facade"))?;
    emu.create_user(&fx.pool, user("bob")).ctx("create user")?;
    let mut c = fx.cognito("bob")?;
    let step = c
        .authenticate_user_password(PW)
        .await
        .ctx("authenticate_user_password")?;
    ensure(step.is_done(), format!("signed in: {step:?}"))?;
    ensure(access_claim(&c, "username")? == "bob", "access token")
}

async fn secret_hash(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("secret"),
        ClientSpec::confidential("facade"),
    )?;
    emu.create_user(&fx.pool, user("carol"))
        .ctx("create user")?;
    fx.signed_in("carol", PW).await?;
    let mut wrong = fx
        .builder("carol")
        .client_secret("not-the-secret")
        .build()
        .ctx("build")?;
    let err = wrong.authenticate(PW).await.err();
    ensure(
        format!("{err:?}").contains("NotAuthorizedException"),
        format!("a wrong client secret is refused: {err:?}"),
    )
}

async fn refresh(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("refresh"),
        ClientSpec::confidential("facade"),
    )?;
    emu.create_user(&fx.pool, user("dan")).ctx("create user")?;
    let mut c = fx.signed_in("dan", PW).await?;
    let before = c.access_token().ctx("access")?.expose().to_owned();
    c.renew_access_token().await.ctx("renew_access_token")?;
    ensure(
        c.access_token().ctx("access")?.expose() != before,
        "a new access token",
    )
}

async fn new_password(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("newpw"),
        ClientSpec::confidential("facade"),
    )?;
    let u = user("erin")
        .password(None)
        .temporary_password(Some("Temp0rary!".into()));
    emu.create_user(&fx.pool, u).ctx("create user")?;
    let mut c = fx.cognito("erin")?;
    let step = c.authenticate("Temp0rary!").await.ctx("authenticate")?;
    ensure(
        matches!(step, AuthStep::NeedsNewPassword { .. }),
        format!("NEW_PASSWORD_REQUIRED: {step:?}"),
    )?;
    let step = c
        .respond_to_new_password_challenge("N3w-Passw0rd!", BTreeMap::new())
        .await
        .ctx("respond_to_new_password_challenge")?;
    ensure(step.is_done(), "signed in with the new password")?;
    fx.signed_in("erin", "N3w-Passw0rd!").await?;
    Ok(())
}

async fn totp_flow(emu: &Emulator) -> Check {
    let pool = PoolSpec::named("totp").mfa(MfaConfig::Optional);
    let fx = Fx::new(emu, pool, ClientSpec::confidential("facade"))?;
    emu.create_user(&fx.pool, user("fay")).ctx("create user")?;
    let c = fx.signed_in("fay", PW).await?;
    let secret = c
        .associate_software_token()
        .await
        .ctx("associate_software_token")?;
    let ok = c
        .verify_software_token(&totp(secret.expose(), 0)?, Some("interop"))
        .await
        .ctx("verify_software_token")?;
    ensure(ok, "verify_software_token")?;
    c.set_user_mfa_preference(false, true, Some(MfaMethod::SoftwareToken))
        .await
        .ctx("set_user_mfa_preference")?;
    let mut c = fx.cognito("fay")?;
    let step = c.authenticate(PW).await.ctx("authenticate")?;
    ensure(
        matches!(
            step,
            AuthStep::NeedsMfa {
                kind: CodeKind::SoftwareTokenMfa,
                ..
            }
        ),
        format!("SOFTWARE_TOKEN_MFA asked: {step:?}"),
    )?;
    let step = c
        .respond_to_software_token_mfa_challenge(&totp(secret.expose(), 1)?)
        .await
        .ctx("respond_to_software_token_mfa_challenge")?;
    ensure(step.is_done(), "signed in with the TOTP code")
}

async fn otp_mfa(emu: &Emulator, email: bool) -> Check {
    let pool = PoolSpec::named(if email { "email" } else { "sms" }).mfa(MfaConfig::Optional);
    let fx = Fx::new(emu, pool, ClientSpec::confidential("facade"))?;
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
    emu.create_user(&fx.pool, u).ctx("create user")?;
    let mut c = fx.cognito("gus")?;
    let step = c.authenticate(PW).await.ctx("authenticate")?;
    let want = if email {
        CodeKind::EmailOtp
    } else {
        CodeKind::SmsMfa
    };
    ensure(
        matches!(step, AuthStep::NeedsMfa { kind, .. } if kind == want),
        format!("{want:?} asked: {step:?}"),
    )?;
    let code = emu.latest_code(&fx.pool, "gus").ctx("code in the outbox")?;
    let step = if email {
        c.respond_to_email_otp_challenge(&code).await
    } else {
        c.respond_to_sms_mfa_challenge(&code).await
    }
    .ctx("respond with the code")?;
    ensure(step.is_done(), "signed in with the code")
}

async fn device(emu: &Emulator) -> Check {
    let pool = PoolSpec::named("device")
        .mfa(MfaConfig::On)
        .device_tracking(DeviceTracking::UserOptIn);
    let fx = Fx::new(emu, pool, ClientSpec::confidential("facade"))?;
    let u = user("ida").attribute("phone_number", "+15555550100").mfa(
        UserMfaSpec::default()
            .sms(true)
            .preferred(Some("SMS_MFA".into())),
    );
    emu.create_user(&fx.pool, u).ctx("create user")?;
    let store = Arc::new(MemoryDeviceStore::default());
    let build = || {
        fx.builder("ida")
            .device_store(store.clone())
            .device_policy(DevicePolicy::Remember)
            .build()
            .ctx("build")
    };
    let mut c = build()?;
    let step = c.authenticate(PW).await.ctx("authenticate")?;
    ensure(
        matches!(step, AuthStep::NeedsMfa { .. }),
        format!("SMS_MFA asked: {step:?}"),
    )?;
    let code = emu.latest_code(&fx.pool, "ida").ctx("SMS code")?;
    c.respond_to_sms_mfa_challenge(&code)
        .await
        .ctx("respond_to_sms_mfa_challenge")?;
    let key = c
        .session()
        .and_then(|s| s.device())
        .map(|d| d.device_key)
        .ctx("a remembered device")?;
    let mut again = build()?;
    let step = again.authenticate(PW).await.ctx("authenticate again")?;
    ensure(step.is_done(), format!("no MFA with the device: {step:?}"))?;
    ensure(
        access_claim(&again, "device_key")? == key,
        "the access token carries the device key",
    )?;
    again
        .renew_access_token()
        .await
        .ctx("renew_access_token with DEVICE_KEY")?;
    ensure(
        access_claim(&again, "device_key")? == key,
        "refreshed token carries the device key",
    )
}

async fn sign_up(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("signup"),
        ClientSpec::confidential("facade"),
    )?;
    let mut c = fx.cognito("lee")?;
    c.set_base_attributes([("email", "lee@example.com")]);
    let r = c.register("lee", PW, None).await.ctx("register")?;
    ensure(!r.user_confirmed, "not confirmed yet")?;
    let code = emu.latest_code(&fx.pool, "lee").ctx("confirmation code")?;
    c.confirm_sign_up(&code, None)
        .await
        .ctx("confirm_sign_up")?;
    fx.signed_in("lee", PW).await?;
    Ok(())
}

async fn forgot_password(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("forgot"),
        ClientSpec::confidential("facade"),
    )?;
    emu.create_user(&fx.pool, user("max")).ctx("create user")?;
    let c = fx.cognito("max")?;
    c.initiate_forgot_password()
        .await
        .ctx("initiate_forgot_password")?;
    let code = emu.latest_code(&fx.pool, "max").ctx("reset code")?;
    c.confirm_forgot_password(&code, "Res3t-Passw0rd!")
        .await
        .ctx("confirm_forgot_password")?;
    fx.signed_in("max", "Res3t-Passw0rd!").await?;
    ensure(
        fx.signed_in("max", PW).await.is_err(),
        "the old password is refused",
    )
}

async fn change_password(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("change"),
        ClientSpec::confidential("facade"),
    )?;
    emu.create_user(&fx.pool, user("ned")).ctx("create user")?;
    let mut c = fx.signed_in("ned", PW).await?;
    c.change_password(PW, "Chang3d-Passw0rd!")
        .await
        .ctx("change_password")?;
    fx.signed_in("ned", "Chang3d-Passw0rd!").await?;
    ensure(
        fx.signed_in("ned", PW).await.is_err(),
        "the old password is refused",
    )
}

async fn attributes(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("attrs"),
        ClientSpec::confidential("facade"),
    )?;
    emu.create_user(&fx.pool, user("ola")).ctx("create user")?;
    let mut c = fx.signed_in("ola", PW).await?;
    let attrs = BTreeMap::from([
        ("name".to_owned(), "Ola".to_owned()),
        ("email".to_owned(), "ola@example.org".to_owned()),
    ]);
    c.update_profile(&attrs, None).await.ctx("update_profile")?;
    let me = c.get_user(None).await.ctx("get_user")?;
    ensure(
        me.get("name") == Some("Ola") && me.email_verified == Some(false),
        "updated; a changed email is unverified",
    )?;
    let code = emu.latest_code(&fx.pool, "ola").ctx("verification code")?;
    c.validate_verification(&code, "email")
        .await
        .ctx("validate_verification")?;
    c.send_verification("email")
        .await
        .ctx("send_verification")?;
    let me = c.get_user(None).await.ctx("get_user")?;
    ensure(me.email_verified == Some(true), "email verified")
}

async fn sign_out(emu: &Emulator, revoke: bool) -> Check {
    let name = if revoke { "revoke" } else { "gso" };
    let fx = Fx::new(
        emu,
        PoolSpec::named(name),
        ClientSpec::confidential("facade"),
    )?;
    emu.create_user(&fx.pool, user("pia")).ctx("create user")?;
    let mut c = fx.signed_in("pia", PW).await?;
    let id = c.id_token().ctx("id token")?.expose().to_owned();
    let access = c.access_token().ctx("access token")?.expose().to_owned();
    let refresh = c.refresh_token().ctx("refresh token")?.expose().to_owned();
    if revoke {
        c.revoke_token().await.ctx("revoke_token")?;
    } else {
        c.logout().await.ctx("logout")?;
    }
    let mut old = fx
        .builder("pia")
        .tokens(id, access, Some(refresh.into()))
        .build()
        .ctx("build with the old tokens")?;
    let err = old.renew_access_token().await.err();
    ensure(
        format!("{err:?}").contains("NotAuthorizedException"),
        format!("the old refresh token is refused: {err:?}"),
    )?;
    let err = old.get_user(None).await.err();
    ensure(
        format!("{err:?}").contains("NotAuthorizedException"),
        format!("the old access token is refused: {err:?}"),
    )
}

async fn verify_jwt(emu: &Emulator) -> Check {
    let fx = Fx::new(emu, PoolSpec::named("jwt"), ClientSpec::public("facade"))?;
    emu.create_user(&fx.pool, user("ray")).ctx("create user")?;
    let c = fx.signed_in("ray", PW).await?;
    let id = c.id_token().ctx("id token")?.expose().to_owned();
    let access = c.access_token().ctx("access token")?.expose().to_owned();
    let mut given = fx
        .builder("ray")
        .tokens(id.clone(), access.clone(), None)
        .build()
        .ctx("build")?;
    given.verify_tokens().await.ctx("verify_tokens")?;
    ensure(
        given
            .access_claims()
            .and_then(|a| a.get("username"))
            .and_then(|v| v.as_str())
            == Some("ray"),
        "verified access claims",
    )?;
    let forged = format!(
        "{}AAAA",
        access.get(..access.len().saturating_sub(4)).unwrap_or("")
    );
    let mut bad = fx
        .builder("ray")
        .tokens(id.clone(), forged, None)
        .build()
        .ctx("build")?;
    ensure(
        bad.verify_tokens().await.is_err(),
        "a forged signature is refused",
    )?;
    let mut swapped = fx
        .builder("ray")
        .tokens(access, id, None)
        .build()
        .ctx("build")?;
    ensure(
        swapped.verify_tokens().await.is_err(),
        "swapped token uses are refused",
    )
}

async fn admin(emu: &Emulator) -> Check {
    let fx = Fx::new(
        emu,
        PoolSpec::named("admin"),
        ClientSpec::confidential("facade"),
    )?;
    let mut c = fx.cognito("sam")?;
    let attrs = BTreeMap::from([("email".to_owned(), "sam@example.com".to_owned())]);
    c.admin_create_user("sam", Some("Temp0rary!"), &attrs, None)
        .await
        .ctx("admin_create_user")?;
    let u = c.admin_get_user(None).await.ctx("admin_get_user")?;
    ensure(
        u.metadata.user_status.as_deref() == Some("FORCE_CHANGE_PASSWORD"),
        format!("admin_get_user status: {:?}", u.metadata.user_status),
    )?;
    c.admin()
        .set_user_password("sam", PW, true)
        .await
        .ctx("AdminSetUserPassword")?;
    c.admin()
        .create_group(cognito_admin::GroupSpec::new("admins").description("Admins"))
        .await
        .ctx("CreateGroup")?;
    c.admin_add_user_to_group("sam", "admins")
        .await
        .ctx("admin_add_user_to_group")?;
    let groups = c
        .admin_list_groups_for_user("sam")
        .await
        .ctx("admin_list_groups_for_user")?;
    ensure(groups == ["admins"], format!("groups: {groups:?}"))?;
    let g = c.get_group("admins").await.ctx("get_group")?;
    ensure(g.description.as_deref() == Some("Admins"), "get_group")?;
    let users = c.get_users(None).await.ctx("get_users")?;
    ensure(
        users.iter().any(|u| u.username == "sam"),
        "get_users lists sam",
    )?;
    c.admin_disable_user("sam")
        .await
        .ctx("admin_disable_user")?;
    ensure(
        fx.signed_in("sam", PW).await.is_err(),
        "a disabled user cannot sign in",
    )?;
    c.admin_enable_user("sam").await.ctx("admin_enable_user")?;
    let step = c.admin_authenticate(PW).await.ctx("admin_authenticate")?;
    ensure(step.is_done(), "ADMIN_USER_PASSWORD_AUTH")?;
    c.admin_remove_user_from_group("sam", "admins")
        .await
        .ctx("admin_remove_user_from_group")?;
    c.admin_delete_user().await.ctx("admin_delete_user")?;
    ensure(
        c.admin_get_user(None).await.is_err(),
        "the deleted user is gone",
    )
}
