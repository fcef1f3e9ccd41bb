//! Our own client, in process: `cognito-auth`'s `CognitoAuth` (and `cognito-admin` for the admin
//! operations) against the emulator over HTTP on 127.0.0.1, every flow.

use super::check::{Check, Ctx, ensure, totp, unix_now};
use cognito_auth::jwt::{CognitoJwtVerifier, TokenUse};
use cognito_auth::{
    Answer, CodeKind, CognitoAuth, DevicePolicy, FirstFactor, Flow, MemoryDeviceStore,
    MfaPreference, MfaSetting, PendingSignIn, Question, Session, SignInOutcome, unverified_claims,
};
use cognito_emulator::{
    AppClient, ClientSpec, DeviceTracking, Emulator, MfaConfig, PoolSpec, UserMfaSpec, UserSpec,
};
use cognito_wire::ChallengeNameType;
use std::collections::BTreeMap;
use std::sync::Arc;

const PW: &str = "Passw0rd!";

/// A pool, a client and a `CognitoAuth` for it.
struct Fx {
    pool: String,
    client: AppClient,
    auth: CognitoAuth,
}

fn fixture(emu: &Emulator, pool: PoolSpec, client: ClientSpec) -> Result<Fx, String> {
    let pool = emu.create_pool(pool).ctx("create pool")?;
    let client = emu.create_client(&pool, client).ctx("create client")?;
    let auth = auth_for(emu, &pool, &client, |b| b)?;
    Ok(Fx { pool, client, auth })
}

fn auth_for(
    emu: &Emulator,
    pool: &str,
    client: &AppClient,
    f: impl FnOnce(cognito_auth::CognitoAuthBuilder) -> cognito_auth::CognitoAuthBuilder,
) -> Result<CognitoAuth, String> {
    let mut b = CognitoAuth::builder(pool, &client.client_id).endpoint_url(emu.url());
    if let Some(secret) = &client.client_secret {
        b = b.client_secret(secret.as_str());
    }
    f(b).build().ctx("build CognitoAuth")
}

fn user(name: &str) -> UserSpec {
    UserSpec::new(name, PW).attribute("email", format!("{name}@example.com"))
}

fn signed_in(o: SignInOutcome) -> Result<Session, String> {
    match o {
        SignInOutcome::SignedIn(s) => Ok(s),
        SignInOutcome::NeedsInput(p) => Err(format!("unexpected question {:?}", p.question())),
        other => Err(format!("an outcome this check does not know: {other:?}")),
    }
}

fn asked(o: SignInOutcome) -> Result<Box<PendingSignIn>, String> {
    match o {
        SignInOutcome::NeedsInput(p) => Ok(p),
        other => Err(format!("expected a question, got {other:?}")),
    }
}

fn claim(token: &str, name: &str) -> Result<String, String> {
    let claims = unverified_claims(token).ctx("token claims")?;
    claims
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ctx(name)
}

fn code_kind(p: &PendingSignIn) -> Option<CodeKind> {
    match p.question() {
        Question::Code { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// Runs one flow; `None` for a flow this peer does not know.
pub(crate) async fn flow(emu: &Emulator, id: &str) -> Option<Check> {
    Some(match id {
        "srp" => srp(emu).await,
        "password" => password(emu).await,
        "secret_hash" => secret_hash(emu).await,
        "refresh" => refresh(emu).await,
        "new_password" => new_password(emu).await,
        "totp" => totp_flow(emu).await,
        "sms_mfa" => sms_mfa(emu).await,
        "email_mfa" => email_mfa(emu).await,
        "device" => device(emu).await,
        "custom_auth" => custom_auth(emu).await,
        "user_auth" => user_auth(emu).await,
        "sign_up" => sign_up(emu).await,
        "forgot_password" => forgot_password(emu).await,
        "change_password" => change_password(emu).await,
        "attributes" => attributes(emu).await,
        "global_sign_out" => global_sign_out(emu).await,
        "revoke" => revoke(emu).await,
        "verify_jwt" => verify_jwt(emu).await,
        "admin" => admin(emu).await,
        _ => return None,
    })
}

async fn srp(emu: &Emulator) -> Check {
    let fx = fixture(emu, PoolSpec::named("srp"), ClientSpec::public("rust"))?;
    emu.create_user(&fx.pool, user("alice"))
        .ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("alice", PW).await.ctx("sign-in")?)?;
    ensure(
        claim(s.tokens().access_token.expose(), "username")? == "alice",
        "access token username",
    )?;
    let err = fx.auth.sign_in("alice", "Wrong-Passw0rd!").await.err();
    ensure(
        err.as_ref().and_then(|e| e.service_code()) == Some("NotAuthorizedException"),
        format!("wrong password refused with NotAuthorizedException: {err:?}"),
    )
}

async fn password(emu: &Emulator) -> Check {
    let fx = fixture(emu, PoolSpec::named("pw"), ClientSpec::public("rust"))?;
    emu.create_user(&fx.pool, user("bob")).ctx("create user")?;
    let cfg = fx.auth.config("bob").password(PW).flow(Flow::UserPassword);
    let s = signed_in(fx.auth.sign_in_with(cfg).await.ctx("sign-in")?)?;
    ensure(s.tokens().refresh_token.is_some(), "a refresh token")?;
    ensure(
        claim(s.tokens().id_token.expose(), "email")? == "bob@example.com",
        "id token email",
    )
}

async fn secret_hash(emu: &Emulator) -> Check {
    let pool = PoolSpec::named("secret").alias_attributes(vec!["email".into()]);
    let fx = fixture(emu, pool, ClientSpec::confidential("rust"))?;
    emu.create_user(&fx.pool, user("carol"))
        .ctx("create user")?;
    // By alias: SECRET_HASH over the email at InitiateAuth, over USER_ID_FOR_SRP afterwards.
    let s = signed_in(
        fx.auth
            .sign_in("carol@example.com", PW)
            .await
            .ctx("SRP sign-in by alias")?,
    )?;
    ensure(s.username() == "carol", "Cognito's username from the alias")?;
    let cfg = fx
        .auth
        .config("carol")
        .password(PW)
        .flow(Flow::UserPassword);
    signed_in(fx.auth.sign_in_with(cfg).await.ctx("USER_PASSWORD_AUTH")?)?;
    let mut wrong: AppClient = fx.client.clone();
    wrong.client_secret = Some("not-the-secret".to_owned());
    let bad = auth_for(emu, &fx.pool, &wrong, |b| b)?;
    let err = bad.sign_in("carol", PW).await.err();
    ensure(
        err.as_ref().and_then(|e| e.service_code()) == Some("NotAuthorizedException"),
        format!("a wrong client secret is refused: {err:?}"),
    )
}

async fn refresh(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("refresh"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("dan")).ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("dan", PW).await.ctx("sign-in")?)?;
    let before = s.tokens();
    let t = s.refresh().await.ctx("refresh")?;
    ensure(
        t.access_token.expose() != before.access_token.expose(),
        "a new access token",
    )?;
    ensure(
        claim(t.access_token.expose(), "username")? == "dan",
        "refreshed token's username",
    )
}

async fn new_password(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("newpw"),
        ClientSpec::confidential("rust"),
    )?;
    let u = user("erin")
        .password(None)
        .temporary_password(Some("Temp0rary!".into()));
    emu.create_user(&fx.pool, u).ctx("create user")?;
    let p = asked(fx.auth.sign_in("erin", "Temp0rary!").await.ctx("sign-in")?)?;
    ensure(
        matches!(p.question(), Question::NewPassword { .. }),
        format!("NEW_PASSWORD_REQUIRED asked: {:?}", p.question()),
    )?;
    let answer = Answer::NewPassword {
        password: srp_core::Password::new("N3w-Passw0rd!"),
        attributes: BTreeMap::new(),
    };
    signed_in(p.answer(answer).await.ctx("answer NEW_PASSWORD_REQUIRED")?)?;
    signed_in(
        fx.auth
            .sign_in("erin", "N3w-Passw0rd!")
            .await
            .ctx("sign-in with the new password")?,
    )?;
    Ok(())
}

async fn totp_flow(emu: &Emulator) -> Check {
    let pool = PoolSpec::named("totp").mfa(MfaConfig::Optional);
    let fx = fixture(emu, pool, ClientSpec::confidential("rust"))?;
    emu.create_user(&fx.pool, user("fay")).ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("fay", PW).await.ctx("sign-in")?)?;
    let secret = s
        .associate_software_token()
        .await
        .ctx("AssociateSoftwareToken")?;
    s.verify_software_token(&totp(secret.expose(), 0)?.into(), Some("interop"))
        .await
        .ctx("VerifySoftwareToken SUCCESS")?;
    let pref = MfaPreference::default().totp(MfaSetting::enabled(true));
    s.set_mfa_preference(pref)
        .await
        .ctx("SetUserMFAPreference")?;
    let p = asked(fx.auth.sign_in("fay", PW).await.ctx("MFA sign-in")?)?;
    ensure(
        code_kind(&p) == Some(CodeKind::SoftwareTokenMfa),
        format!("SOFTWARE_TOKEN_MFA asked: {:?}", p.question()),
    )?;
    let code = totp(secret.expose(), 1)?;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    // A wrong code keeps the challenge open: the same question again, with the rejection.
    let again = asked(
        p.answer(Answer::Code(wrong.into()))
            .await
            .ctx("answer a wrong code")?,
    )?;
    ensure(
        again.rejected().and_then(|e| e.service_code()) == Some("CodeMismatchException"),
        format!("a wrong code is refused: {:?}", again.rejected()),
    )?;
    signed_in(
        again
            .answer(Answer::Code(code.as_str().into()))
            .await
            .ctx("answer SOFTWARE_TOKEN_MFA")?,
    )?;
    Ok(())
}

fn sms_user(name: &str) -> UserSpec {
    user(name).attribute("phone_number", "+15555550100").mfa(
        UserMfaSpec::default()
            .sms(true)
            .preferred(Some("SMS_MFA".into())),
    )
}

async fn sms_mfa(emu: &Emulator) -> Check {
    let pool = PoolSpec::named("sms").mfa(MfaConfig::On);
    let fx = fixture(emu, pool, ClientSpec::confidential("rust"))?;
    emu.create_user(&fx.pool, sms_user("gus"))
        .ctx("create user")?;
    let p = asked(fx.auth.sign_in("gus", PW).await.ctx("sign-in")?)?;
    let Question::Code {
        kind: CodeKind::SmsMfa,
        destination,
        ..
    } = p.question()
    else {
        return Err(format!("SMS_MFA asked: {:?}", p.question()));
    };
    ensure(
        destination.as_deref().is_some_and(|d| d.ends_with("0100")),
        format!("masked destination {destination:?}"),
    )?;
    let code = emu
        .latest_code(&fx.pool, "gus")
        .ctx("SMS code in the outbox")?;
    signed_in(
        p.answer(Answer::Code(code.as_str().into()))
            .await
            .ctx("answer SMS_MFA")?,
    )?;
    Ok(())
}

async fn email_mfa(emu: &Emulator) -> Check {
    let pool = PoolSpec::named("email").mfa(MfaConfig::Optional);
    let fx = fixture(emu, pool, ClientSpec::confidential("rust"))?;
    let u = user("hal").mfa(
        UserMfaSpec::default()
            .email(true)
            .preferred(Some("EMAIL_OTP".into())),
    );
    emu.create_user(&fx.pool, u).ctx("create user")?;
    let p = asked(fx.auth.sign_in("hal", PW).await.ctx("sign-in")?)?;
    ensure(
        code_kind(&p) == Some(CodeKind::EmailOtp),
        format!("EMAIL_OTP asked: {:?}", p.question()),
    )?;
    let code = emu
        .latest_code(&fx.pool, "hal")
        .ctx("email code in the outbox")?;
    signed_in(
        p.answer(Answer::Code(code.as_str().into()))
            .await
            .ctx("answer EMAIL_OTP")?,
    )?;
    Ok(())
}

async fn device(emu: &Emulator) -> Check {
    let pool = PoolSpec::named("device")
        .mfa(MfaConfig::On)
        .device_tracking(DeviceTracking::UserOptIn);
    let pool = emu.create_pool(pool).ctx("create pool")?;
    let client = emu
        .create_client(&pool, ClientSpec::confidential("rust"))
        .ctx("create client")?;
    emu.create_user(&pool, sms_user("ida")).ctx("create user")?;
    let store = Arc::new(MemoryDeviceStore::default());
    let auth = auth_for(emu, &pool, &client, |b| {
        b.device_store(store.clone())
            .device_policy(DevicePolicy::Remember)
    })?;
    let p = asked(auth.sign_in("ida", PW).await.ctx("first sign-in")?)?;
    let code = emu.latest_code(&pool, "ida").ctx("SMS code")?;
    let first = signed_in(
        p.answer(Answer::Code(code.as_str().into()))
            .await
            .ctx("answer SMS_MFA")?,
    )?;
    let dev = first.device().ctx("a confirmed, remembered device")?;
    let listed = first.list_devices().await.ctx("ListDevices")?;
    ensure(
        listed
            .iter()
            .any(|d| d.device_key.as_deref() == Some(dev.device_key.as_str())),
        "ListDevices has the device",
    )?;
    let second = signed_in(
        auth.sign_in("ida", PW)
            .await
            .ctx("second sign-in (device SRP, no MFA)")?,
    )?;
    ensure(
        claim(second.tokens().access_token.expose(), "device_key")? == dev.device_key,
        "the access token carries the device key",
    )?;
    let t = second.refresh().await.ctx("refresh with DEVICE_KEY")?;
    ensure(
        claim(t.access_token.expose(), "device_key")? == dev.device_key,
        "refreshed token carries the device key",
    )
}

async fn custom_auth(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("custom"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("jo")).ctx("create user")?;
    for srp in [false, true] {
        let mut cfg = fx.auth.config("jo").flow(Flow::Custom { srp });
        if srp {
            cfg = cfg.password(PW);
        }
        let mut outcome = fx.auth.sign_in_with(cfg).await.ctx("CUSTOM_AUTH")?;
        let mut rounds = 0;
        while let SignInOutcome::NeedsInput(p) = outcome {
            rounds += 1;
            ensure(rounds <= 3, "at most three custom challenges before tokens")?;
            ensure(
                matches!(p.question(), Question::Custom { .. }),
                format!("CUSTOM_CHALLENGE asked: {:?}", p.question()),
            )?;
            let code = emu.latest_code(&fx.pool, "jo").ctx("challenge code")?;
            outcome = p
                .answer(Answer::Custom(code.as_str().into()))
                .await
                .ctx("answer CUSTOM_CHALLENGE")?;
        }
        ensure(
            rounds >= 1,
            format!("a custom challenge was asked (srp: {srp})"),
        )?;
    }
    Ok(())
}

async fn user_auth(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("userauth"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("kai")).ctx("create user")?;
    let with = |first: Option<FirstFactor>| {
        fx.auth
            .config("kai")
            .password(PW)
            .flow(Flow::UserAuth { preferred: first })
    };
    for first in [FirstFactor::Password, FirstFactor::PasswordSrp] {
        signed_in(
            fx.auth
                .sign_in_with(with(Some(first)))
                .await
                .ctx("USER_AUTH with a preferred password factor")?,
        )?;
    }
    let p = asked(
        fx.auth
            .sign_in_with(with(Some(FirstFactor::EmailOtp)))
            .await
            .ctx("USER_AUTH EMAIL_OTP")?,
    )?;
    ensure(
        code_kind(&p) == Some(CodeKind::EmailOtp),
        "EMAIL_OTP first factor asked",
    )?;
    let code = emu.latest_code(&fx.pool, "kai").ctx("email code")?;
    signed_in(
        p.answer(Answer::Code(code.as_str().into()))
            .await
            .ctx("answer EMAIL_OTP")?,
    )?;
    let p = asked(fx.auth.sign_in_with(with(None)).await.ctx("USER_AUTH")?)?;
    let Question::ChooseFirstFactor { options } = p.question() else {
        return Err(format!("SELECT_CHALLENGE asked: {:?}", p.question()));
    };
    ensure(
        options.contains(&ChallengeNameType::PasswordSrp),
        format!("PASSWORD_SRP offered: {options:?}"),
    )?;
    signed_in(
        p.answer(Answer::FirstFactor(FirstFactor::PasswordSrp))
            .await
            .ctx("choose PASSWORD_SRP")?,
    )?;
    Ok(())
}

async fn sign_up(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("signup"),
        ClientSpec::confidential("rust"),
    )?;
    let attrs = BTreeMap::from([("email".to_owned(), "lee@example.com".to_owned())]);
    let r = fx.auth.sign_up("lee", PW, &attrs).await.ctx("SignUp")?;
    ensure(!r.user_confirmed, "not confirmed yet")?;
    let err = fx.auth.sign_in("lee", PW).await.err();
    ensure(
        err.as_ref().and_then(|e| e.service_code()) == Some("UserNotConfirmedException"),
        format!("sign-in before confirmation: {err:?}"),
    )?;
    let code = emu.latest_code(&fx.pool, "lee").ctx("confirmation code")?;
    fx.auth
        .confirm_sign_up("lee", &code)
        .await
        .ctx("ConfirmSignUp")?;
    signed_in(fx.auth.sign_in("lee", PW).await.ctx("sign-in")?)?;
    Ok(())
}

async fn forgot_password(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("forgot"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("max")).ctx("create user")?;
    fx.auth.forgot_password("max").await.ctx("ForgotPassword")?;
    let code = emu.latest_code(&fx.pool, "max").ctx("reset code")?;
    fx.auth
        .confirm_forgot_password("max", &code, "Res3t-Passw0rd!")
        .await
        .ctx("ConfirmForgotPassword")?;
    signed_in(
        fx.auth
            .sign_in("max", "Res3t-Passw0rd!")
            .await
            .ctx("sign-in with the new password")?,
    )?;
    ensure(
        fx.auth.sign_in("max", PW).await.is_err(),
        "the old password is refused",
    )
}

async fn change_password(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("change"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("ned")).ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("ned", PW).await.ctx("sign-in")?)?;
    s.change_password(PW, "Chang3d-Passw0rd!")
        .await
        .ctx("ChangePassword")?;
    signed_in(
        fx.auth
            .sign_in("ned", "Chang3d-Passw0rd!")
            .await
            .ctx("sign-in with the new password")?,
    )?;
    ensure(
        fx.auth.sign_in("ned", PW).await.is_err(),
        "the old password is refused",
    )
}

fn attribute(resp: &cognito_wire::GetUserResponse, name: &str) -> Option<String> {
    resp.user_attributes
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.value.as_ref())
        .map(|v| v.expose().to_owned())
}

async fn attributes(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("attrs"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("ola")).ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("ola", PW).await.ctx("sign-in")?)?;
    let update = BTreeMap::from([
        ("name".to_owned(), "Ola".to_owned()),
        ("email".to_owned(), "ola@example.org".to_owned()),
    ]);
    s.update_user_attributes(&update)
        .await
        .ctx("UpdateUserAttributes")?;
    let me = s.get_user().await.ctx("GetUser")?;
    ensure(
        attribute(&me, "name").as_deref() == Some("Ola"),
        "name updated",
    )?;
    ensure(
        attribute(&me, "email_verified").as_deref() == Some("false"),
        "a changed email is unverified",
    )?;
    let code = emu.latest_code(&fx.pool, "ola").ctx("verification code")?;
    s.verify_user_attribute("email", &code)
        .await
        .ctx("VerifyUserAttribute")?;
    s.get_user_attribute_verification_code("email")
        .await
        .ctx("GetUserAttributeVerificationCode")?;
    let me = s.get_user().await.ctx("GetUser")?;
    ensure(
        attribute(&me, "email").as_deref() == Some("ola@example.org")
            && attribute(&me, "email_verified").as_deref() == Some("true"),
        "email changed and verified",
    )
}

async fn global_sign_out(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("gso"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("pia")).ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("pia", PW).await.ctx("sign-in")?)?;
    s.sign_out().await.ctx("GlobalSignOut")?;
    let err = s.refresh().await.err();
    ensure(
        err.as_ref().and_then(|e| e.service_code()) == Some("NotAuthorizedException"),
        format!("refresh after sign-out refused: {err:?}"),
    )?;
    let err = s.get_user().await.err();
    ensure(
        err.as_ref().and_then(|e| e.service_code()) == Some("NotAuthorizedException"),
        format!("access token revoked: {err:?}"),
    )
}

async fn revoke(emu: &Emulator) -> Check {
    let fx = fixture(
        emu,
        PoolSpec::named("revoke"),
        ClientSpec::confidential("rust"),
    )?;
    emu.create_user(&fx.pool, user("quin")).ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("quin", PW).await.ctx("sign-in")?)?;
    ensure(s.tokens().refresh_token.is_some(), "a refresh token")?;
    s.revoke().await.ctx("RevokeToken")?;
    let err = s.refresh().await.err();
    ensure(
        err.as_ref().and_then(|e| e.service_code()) == Some("NotAuthorizedException"),
        format!("refresh after revocation refused: {err:?}"),
    )?;
    let err = s.get_user().await.err();
    ensure(
        err.as_ref().and_then(|e| e.service_code()) == Some("NotAuthorizedException"),
        format!("the access token of the revoked refresh token is refused: {err:?}"),
    )
}

async fn verify_jwt(emu: &Emulator) -> Check {
    let fx = fixture(emu, PoolSpec::named("jwt"), ClientSpec::public("rust"))?;
    emu.create_user(&fx.pool, user("ray")).ctx("create user")?;
    let s = signed_in(fx.auth.sign_in("ray", PW).await.ctx("sign-in")?)?;
    let tokens = s.tokens();
    let issuer = format!("{}/{}", emu.url(), fx.pool);
    let verifier = |use_: TokenUse| {
        CognitoJwtVerifier::builder(&fx.pool)
            .client_id(&fx.client.client_id)
            .token_use(use_)
            .issuer(&issuer)
            .jwks_uri(format!("{issuer}/.well-known/jwks.json"))
            .build()
            .ctx("build verifier")
    };
    let now = time::OffsetDateTime::now_utc();
    let access = verifier(TokenUse::Access)?;
    let claims = access
        .verify(tokens.access_token.expose(), now)
        .await
        .ctx("verify the access token")?;
    ensure(claims.user_name() == Some("ray"), "verified username")?;
    verifier(TokenUse::Id)?
        .verify(tokens.id_token.expose(), now)
        .await
        .ctx("verify the id token")?;
    let token = tokens.access_token.expose();
    let forged = format!(
        "{}AAAA",
        token.get(..token.len().saturating_sub(4)).unwrap_or("")
    );
    ensure(
        access.verify(&forged, now).await.is_err(),
        "a forged signature is refused",
    )?;
    ensure(
        access.verify(tokens.id_token.expose(), now).await.is_err(),
        "an id token is refused as an access token",
    )?;
    let later = time::OffsetDateTime::from_unix_timestamp(unix_now() + 7200).ctx("time")?;
    ensure(
        access.verify(token, later).await.is_err(),
        "an expired token is refused",
    )
}

async fn admin(emu: &Emulator) -> Check {
    use cognito_admin::{AdminClient, Filter, NewUser, UserQuery, static_credentials};
    let fx = fixture(
        emu,
        PoolSpec::named("admin"),
        ClientSpec::confidential("rust"),
    )?;
    let admin = AdminClient::builder()
        .endpoint_url(emu.url())
        .region("us-east-1")
        .pool_id(&fx.pool)
        .credentials(static_credentials("test", "test", None))
        .build()
        .ctx("AdminClient")?;
    admin
        .create_user(
            NewUser::new("sam")
                .temporary_password("Temp0rary!")
                .attribute("email", "sam@example.com")
                .suppress_message(),
        )
        .await
        .ctx("AdminCreateUser")?;
    admin
        .set_user_password("sam", PW, true)
        .await
        .ctx("AdminSetUserPassword")?;
    let users = admin
        .list_users_all(UserQuery::new().filter(Filter::starts_with("email", "sam")))
        .await
        .ctx("ListUsers")?;
    ensure(
        users.len() == 1,
        format!("ListUsers filter: {} users", users.len()),
    )?;
    admin
        .create_group(cognito_admin::GroupSpec::new("admins").description("Admins"))
        .await
        .ctx("CreateGroup")?;
    admin
        .add_user_to_group("sam", "admins")
        .await
        .ctx("AdminAddUserToGroup")?;
    let s = signed_in(fx.auth.sign_in("sam", PW).await.ctx("sign-in")?)?;
    let groups = unverified_claims(s.tokens().access_token.expose()).ctx("claims")?;
    ensure(
        groups.get("cognito:groups") == Some(&serde_json::json!(["admins"])),
        "cognito:groups claim",
    )?;
    admin.disable_user("sam").await.ctx("AdminDisableUser")?;
    ensure(
        fx.auth.sign_in("sam", PW).await.is_err(),
        "a disabled user cannot sign in",
    )?;
    admin.enable_user("sam").await.ctx("AdminEnableUser")?;
    // Admin sign-in: the same driver on the admin client's signing wire client.
    let mut admin_auth = admin.auth(&fx.client.client_id);
    if let Some(secret) = &fx.client.client_secret {
        admin_auth = admin_auth.client_secret(secret.as_str());
    }
    let admin_auth = admin_auth.build().ctx("admin sign-in client")?;
    let cfg = admin_auth
        .config("sam")
        .password(PW)
        .flow(Flow::AdminUserPassword);
    let s = signed_in(
        admin_auth
            .sign_in_with(cfg)
            .await
            .ctx("AdminInitiateAuth")?,
    )?;
    ensure(
        claim(s.tokens().access_token.expose(), "username")? == "sam",
        "ADMIN_USER_PASSWORD_AUTH gets tokens",
    )?;
    let err = AdminClient::builder()
        .endpoint_url(emu.url())
        .region("us-east-1")
        .pool_id(&fx.pool)
        .credentials(static_credentials("test", "wrong", None))
        .build()
        .ctx("AdminClient")?
        .get_user("sam")
        .await
        .err();
    ensure(
        format!("{err:?}").contains("InvalidSignatureException"),
        format!("a wrong secret key is refused: {err:?}"),
    )?;
    admin.delete_user("sam").await.ctx("AdminDeleteUser")?;
    Ok(())
}
