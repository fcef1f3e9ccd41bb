//! The user's commands: login, tokens, profile, devices, MFA, registration, passwords.

use super::context;
use super::{CliError, Global, prompt};
use cognito_auth::{
    Answer, CodeKind, DevicePolicy, Flow, MfaPreference, MfaSetting, NextAction, Question, Session,
    SessionState, SessionStore, SignInOutcome,
};
use cognito_wire::{ChallengeNameType, SensitiveString};
use srp_core::Password;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `pycognito login`.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The username (or email / phone alias).
    #[arg(long, short, required_unless_present = "browser")]
    pub username: Option<String>,
    /// Sign in through the pool's managed login in the browser (OAuth 2.0 authorization code
    /// with PKCE; the redirect comes back to http://localhost:<port>/callback, which the app
    /// client must list in its callback URLs).
    #[arg(long, conflicts_with_all = ["username", "password_stdin", "mfa_code",
        "new_password_stdin", "plain_password", "device_store", "remember_device", "passkey"])]
    pub browser: bool,
    /// With --browser: the pool's domain, a prefix (`my-app`, with --region or --pool-id), a
    /// custom domain (`auth.example.com`) or a URL (the emulator's
    /// `http://127.0.0.1:9229/_domain/my-app`).
    // No `requires = "browser"`: a PYCOGNITO_DOMAIN set for other commands must not break this one.
    #[arg(long, env = "PYCOGNITO_DOMAIN")]
    pub domain: Option<String>,
    /// With --browser: a scope to ask for (repeat for several; `openid` is needed). None: every
    /// scope the app client is allowed.
    #[arg(long = "scope", requires = "browser")]
    pub scopes: Vec<String>,
    /// With --browser: do not start the browser; print the sign-in URL as the first line of
    /// standard output instead.
    #[arg(long, requires = "browser")]
    pub no_open: bool,
    /// With --browser: the loopback port of the redirect (default: a free one; Cognito matches
    /// callback URLs exactly, so give the port of the registered http://localhost:<port>/callback).
    #[arg(long, requires = "browser")]
    pub port: Option<u16>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// The MFA code, when one will be asked (SMS, TOTP or email).
    #[arg(long)]
    pub mfa_code: Option<SensitiveString>,
    /// Read a new password (NEW_PASSWORD_REQUIRED) from the next line of standard input.
    #[arg(long)]
    pub new_password_stdin: bool,
    /// Use USER_PASSWORD_AUTH instead of SRP.
    #[arg(long)]
    pub plain_password: bool,
    /// Keep remembered devices in this file (and use the stored one).
    #[arg(long)]
    pub device_store: Option<PathBuf>,
    /// Confirm and remember a new device offered by Cognito (needs --device-store).
    #[arg(long)]
    pub remember_device: bool,
    /// Sign in with a passkey (USER_AUTH, WEB_AUTHN) from the software authenticator's
    /// --passkey-file, instead of a password.
    #[arg(long)]
    pub passkey: bool,
    /// The software authenticator (with --passkey).
    #[command(flatten)]
    pub authenticator: super::passkey::AuthenticatorArgs,
}

/// `pycognito login`: signs in, answering every question from options or prompts. When Cognito
/// refuses an answer but lets the user retry (a wrong or already used code, a new password the
/// policy refuses, a wrong TOTP set-up code), the same question comes back with its
/// [`Rejection`](cognito_auth::Rejection): at a terminal it is shown and the question asked
/// again; in a script the command stops with the rejection's exit code. The session is saved
/// by the client's session store.
pub async fn login(g: &Global, a: LoginArgs) -> Result<(), CliError> {
    if a.browser {
        return super::browser::login(g, &a).await;
    }
    let username = a
        .username
        .clone()
        .ok_or_else(|| CliError::usage("--username is required (or --browser)"))?;
    if a.remember_device && a.device_store.is_none() {
        return Err(CliError::usage(
            "--remember-device needs --device-store PATH",
        ));
    }
    let policy = if a.remember_device {
        DevicePolicy::Remember
    } else {
        DevicePolicy::Never
    };
    let software = if a.passkey {
        Some(a.authenticator.load()?)
    } else {
        None
    };
    let authenticator = software.as_ref().map(|(s, _)| {
        let a: std::sync::Arc<dyn cognito_auth::WebAuthnAuthenticator> =
            std::sync::Arc::new(s.clone());
        a
    });
    let auth = context::client_with(g, None, a.device_store.as_deref(), policy, authenticator)?;
    let config = if a.passkey {
        auth.config(&username).flow(Flow::UserAuth {
            preferred: Some(cognito_auth::FirstFactor::WebAuthn),
        })
    } else {
        let password = prompt::secret("Password", a.password_stdin)?;
        let flow = if a.plain_password {
            Flow::UserPassword
        } else {
            Flow::UserSrp
        };
        auth.config(&username).password(password).flow(flow)
    };
    let outcome = auth.sign_in_with(config).await;
    // The authenticator's counter moved (whether or not the pool accepted the assertion).
    if let Some((s, path)) = &software {
        super::passkey::save(s, path)?;
    }
    let mut outcome = outcome?;
    let mut mfa_code = a.mfa_code.clone();
    // Values of required attributes, kept when a refused new password is asked again.
    let mut attributes: Option<BTreeMap<String, String>> = None;
    let session = loop {
        let pending = match outcome {
            SignInOutcome::SignedIn(s) => break s,
            SignInOutcome::NeedsInput(p) => p,
            _ => {
                return Err(CliError::from_display(
                    "the sign-in ended in a way this version of pycognito does not know",
                ));
            }
        };
        if let Some(rejection) = pending.rejection() {
            // Cognito refused the answer and asks again on the same sign-in.
            let action = pending
                .rejected()
                .map_or(NextAction::FixInput, cognito_auth::Error::next_action);
            if !prompt::interactive() {
                let cause = pending
                    .rejected()
                    .map(|e| format!("{e}: "))
                    .unwrap_or_default();
                return Err(CliError::said(action, format!("{cause}{rejection}")));
            }
            eprintln!("{rejection}");
        }
        let answer = match pending.question() {
            Question::Code {
                kind, destination, ..
            } => {
                let code = match mfa_code.take() {
                    Some(c) => c,
                    None => {
                        let label = match (kind, destination) {
                            (CodeKind::SoftwareTokenMfa, _) => "Authenticator code".to_owned(),
                            (_, Some(d)) => format!("Code sent to {d}"),
                            _ => "Code".to_owned(),
                        };
                        prompt::ask(&label)?.into()
                    }
                };
                Answer::Code(code)
            }
            Question::NewPassword {
                required_attributes,
                ..
            } => {
                let new = prompt::new_secret("New password", a.new_password_stdin)?;
                let attrs = match attributes.take() {
                    Some(given) => given,
                    None => {
                        let mut attrs = BTreeMap::new();
                        for name in required_attributes {
                            attrs.insert(
                                name.clone(),
                                prompt::ask(&format!("Value for required attribute {name}"))?,
                            );
                        }
                        attrs
                    }
                };
                attributes = Some(attrs.clone());
                Answer::NewPassword {
                    password: new,
                    attributes: attrs,
                }
            }
            Question::SetUpMfa { options } => {
                if options.contains(&ChallengeNameType::SoftwareTokenMfa) {
                    Answer::SetUpTotp
                } else if options.contains(&ChallengeNameType::EmailOtp) {
                    Answer::SetUpEmail(prompt::ask("Email address for MFA codes")?)
                } else {
                    return Err(CliError::new(
                        NextAction::FixConfiguration,
                        format!(
                            "MFA set-up required with options {options:?}, none supported here"
                        ),
                    ));
                }
            }
            q @ Question::TotpSecret { secret } => {
                // Asked again after a wrong code: the same secret, already shown.
                if pending.rejection().is_none() {
                    eprintln!(
                        "Add this secret to your authenticator app: {}",
                        secret.expose()
                    );
                    if let Some(uri) = q.otpauth_uri("pycognito", &username)
                        && let Some(code) = prompt::qr(&uri)
                    {
                        eprintln!("{code}");
                    }
                }
                let code = match mfa_code.take() {
                    Some(c) => c,
                    None => prompt::ask("Code from the app")?.into(),
                };
                Answer::TotpSetupCode {
                    code,
                    friendly_device_name: Some("pycognito".into()),
                }
            }
            Question::ChooseMfa { options } => {
                let names: Vec<&str> = options.iter().map(ChallengeNameType::as_str).collect();
                let pick = if mfa_code.is_some() || !prompt::interactive() {
                    names.first().map(|s| (*s).to_owned()).unwrap_or_default()
                } else {
                    prompt::ask(&format!("MFA type ({})", names.join(", ")))?
                };
                Answer::Choose(ChallengeNameType::from(pick.as_str()))
            }
            Question::ChooseFirstFactor { .. } if a.passkey => {
                return Err(CliError::new(
                    NextAction::FixConfiguration,
                    "the pool offers no passkey sign-in for this user (no passkey registered?)",
                ));
            }
            Question::ChooseFirstFactor { .. } => {
                Answer::FirstFactor(cognito_auth::FirstFactor::PasswordSrp)
            }
            Question::Custom { parameters } => {
                Answer::Custom(prompt::ask(&format!("Custom challenge {parameters:?}"))?.into())
            }
            other => {
                return Err(CliError::new(
                    NextAction::FixConfiguration,
                    format!("cannot answer {other:?} from the command line"),
                ));
            }
        };
        outcome = pending.answer(answer).await?;
    };
    confirm_saved(g, &session)?;
    print_session(g, &session.state(), "signed in")
}

/// Checks that the session store kept the new session (the handle saves it, but a failed save
/// leaves only a log line): the session file must hold it, else the save is done again here to
/// report why it fails.
pub(super) fn confirm_saved(g: &Global, session: &Session) -> Result<(), CliError> {
    let store = context::session_store(g);
    let state = session.state();
    if store.load().ok().flatten().as_ref() != Some(&state) {
        store.save(&state)?;
    }
    Ok(())
}

pub(super) fn print_session(g: &Global, s: &SessionState, what: &str) -> Result<(), CliError> {
    if g.json {
        let out = serde_json::json!({
            "username": s.username,
            "expires_at": s.tokens.expires_at.unix_timestamp(),
            "access_token": s.tokens.access_token.expose(),
            "id_token": s.tokens.id_token.expose(),
            "refresh_token": s.tokens.refresh_token.as_ref().map(SensitiveString::expose),
            "device_key": s.device.as_ref().map(|d| d.device_key.as_str()),
        });
        println!("{out}");
        return Ok(());
    }
    let until = super::rfc3339(s.tokens.expires_at);
    println!("{what} as {}; tokens valid until {until}", s.username);
    if let Some(d) = &s.device {
        println!("device: {}", d.device_key);
    }
    if g.show_tokens {
        println!("access token: {}", s.tokens.access_token.expose());
        println!("id token: {}", s.tokens.id_token.expose());
        if let Some(r) = &s.tokens.refresh_token {
            println!("refresh token: {}", r.expose());
        }
    }
    Ok(())
}

/// `pycognito refresh`: a refresh of the kept session, saved by its store.
pub async fn refresh(g: &Global) -> Result<(), CliError> {
    let session = context::signed_in(g, None).await?;
    session.refresh().await?;
    print_session(g, &session.state(), "refreshed")
}

/// `pycognito verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The token (default: the kept session's id token with `--token-use id`, else its access
    /// token).
    pub token: Option<SensitiveString>,
    /// Which token use to require.
    #[arg(long, value_parser = ["access", "id", "any"], default_value = "any")]
    pub token_use: String,
    /// The issuer (`iss`) to accept (default: `<endpoint>/<pool id>` when an endpoint is set, as
    /// the emulator issues, else Cognito's for the pool).
    #[arg(long)]
    pub issuer: Option<String>,
    /// Where to fetch the signing keys (default: `<endpoint>/<pool id>/.well-known/jwks.json`,
    /// the endpoint being `--endpoint-url`, the `AWS_ENDPOINT_URL*` variables, else Cognito's).
    #[arg(long)]
    pub jwks_uri: Option<String>,
}

/// `pycognito verify`: checks signature (JWKS), issuer, expiry, token use and client id.
pub async fn verify(g: &Global, a: VerifyArgs) -> Result<(), CliError> {
    use cognito_auth::jwt::{CognitoJwtVerifier, JwtError, TokenUse};
    use cognito_wire::endpoint;
    // The kept token as it is (no refresh: this checks what is kept).
    let stored = match &a.token {
        Some(_) => context::kept_state(g).ok().flatten(),
        None => context::kept_state(g)?,
    };
    let token = match a.token {
        Some(t) => t,
        None => stored
            .as_ref()
            .map(|s| match a.token_use.as_str() {
                "id" => s.tokens.id_token.clone(),
                _ => s.tokens.access_token.clone(),
            })
            .ok_or_else(|| {
                CliError::said(
                    NextAction::SignInAgain,
                    "give a token, or run `pycognito login` first",
                )
            })?,
    };
    let token = token.expose();
    let pool = context::pool_id(g, stored.as_ref())?;
    let mut b = CognitoJwtVerifier::builder(pool.clone());
    b = match context::client_id(g, stored.as_ref()) {
        Ok(c) => b.client_id(c),
        Err(_) => b.any_client_id(),
    };
    b = b.token_use(match a.token_use.as_str() {
        "access" => TokenUse::Access,
        "id" => TokenUse::Id,
        _ => TokenUse::Any,
    });
    // The endpoint as every other command resolves it: --endpoint-url, else
    // AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER / AWS_ENDPOINT_URL, else Cognito's for the
    // pool's region.
    let custom = g
        .endpoint_url
        .clone()
        .or_else(|| endpoint::endpoint_url_from_env(endpoint::process_env));
    let config_error =
        |e: &dyn std::fmt::Display| CliError::new(NextAction::FixConfiguration, e.to_string());
    let mut params =
        cognito_wire::EndpointParams::for_pool_id(&pool).map_err(|e| config_error(&e))?;
    params.endpoint_url = custom.clone();
    let resolved = endpoint::resolve(&params, endpoint::process_env)
        .map_err(|e| config_error(&e))?
        .url
        .to_string();
    let pool_url = format!("{}/{pool}", resolved.trim_end_matches('/'));
    let issuer = a
        .issuer
        .clone()
        .or_else(|| custom.is_some().then(|| pool_url.clone()));
    if let Some(issuer) = &issuer {
        b = b.issuer(issuer.trim_end_matches('/'));
    }
    // Without an explicit issuer or endpoint, the verifier's defaults (both Cognito issuer
    // forms, each with its JWKS) apply; otherwise the keys come from the endpoint.
    let jwks = a.jwks_uri.clone().or_else(|| {
        issuer
            .is_some()
            .then(|| format!("{pool_url}/.well-known/jwks.json"))
    });
    if let Some(jwks) = jwks {
        b = b.jwks_uri(jwks);
    }
    let verifier = b.build().map_err(|e| config_error(&e))?;
    let claims = match verifier
        .verify(token, time::OffsetDateTime::now_utc())
        .await
    {
        Ok(c) => c,
        Err(JwtError::IssuerMismatch) => {
            let found = token_issuer(token).unwrap_or_else(|| "(none)".to_owned());
            let expected: Vec<&str> = verifier.issuers().collect();
            return Err(CliError::said(
                NextAction::FixConfiguration,
                format!(
                    "the token's issuer is {found}, expected {} (set --issuer, or the endpoint \
                     that issued it with --endpoint-url)",
                    expected.join(" or ")
                ),
            ));
        }
        Err(JwtError::JwksFetch(e)) => {
            // The key set fetched is the token's issuer's (or the one --jwks-uri names).
            let uris: Vec<&str> = verifier.jwks_uris().collect();
            let uri = match (uris.as_slice(), token_issuer(token)) {
                ([one], _) => (*one).to_owned(),
                (all, Some(iss)) => all
                    .iter()
                    .find(|u| u.starts_with(&format!("{iss}/")))
                    .map_or_else(|| all.join(" or "), |u| (*u).to_owned()),
                (all, None) => all.join(" or "),
            };
            let reason = match &e {
                cognito_auth::jwt::JwksFetchError::Transport(t) => {
                    super::error::root_cause(t.as_ref())
                }
                other => other.to_string(),
            };
            return Err(CliError::said(
                NextAction::FixConfiguration,
                format!(
                    "cannot fetch the signing keys (JWKS) from {uri}: {reason} (set --jwks-uri, \
                     or the endpoint with --endpoint-url)"
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if g.json {
        println!("{}", serde_json::to_string(claims.raw())?);
    } else {
        println!("valid {:?} token for {}", claims.token_use, claims.sub);
    }
    Ok(())
}

/// The `iss` a token claims (unverified: only to say which issuer it names).
fn token_issuer(token: &str) -> Option<String> {
    cognito_auth::unverified_claims(token).and_then(|c| {
        c.get("iss")
            .and_then(|v| v.as_str())
            .map(|s| s.replace('\n', " "))
    })
}

/// `pycognito whoami`.
pub async fn whoami(g: &Global) -> Result<(), CliError> {
    let session = context::signed_in(g, None).await?;
    let user = session.get_user().await?;
    let attrs: BTreeMap<String, String> = user
        .user_attributes
        .iter()
        .map(|a| {
            (
                a.name.clone(),
                a.value
                    .as_ref()
                    .map(|v| v.expose().to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    if g.json {
        println!(
            "{}",
            serde_json::json!({ "username": user.username.expose(), "attributes": attrs })
        );
    } else {
        println!("{}", user.username.expose());
        for (k, v) in attrs {
            println!("  {k} = {v}");
        }
    }
    Ok(())
}

/// `pycognito logout`.
#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// Sign out of the managed login (the browser's session): print Cognito's logout URL to
    /// open, and forget the kept session (no GlobalSignOut).
    #[arg(long, requires = "logout_uri")]
    pub browser: bool,
    /// With --browser: where Cognito sends the browser after signing out (one of the app
    /// client's sign-out URLs, exactly).
    #[arg(long, requires = "browser")]
    pub logout_uri: Option<String>,
    /// With --browser: the pool's domain (default: the kept session's, when it came from
    /// `login --browser`).
    // No `requires = "browser"`: a PYCOGNITO_DOMAIN set for other commands must not break this one.
    #[arg(long, env = "PYCOGNITO_DOMAIN")]
    pub domain: Option<String>,
}

/// `pycognito logout`: GlobalSignOut; the store forgets the session. With `--browser`:
/// Cognito's logout URL, and the kept session forgotten.
pub async fn logout(g: &Global, a: LogoutArgs) -> Result<(), CliError> {
    if a.browser {
        return super::browser::logout(g, &a);
    }
    context::signed_in(g, None).await?.sign_out().await?;
    println!("signed out");
    Ok(())
}

/// `pycognito revoke`: RevokeToken; the store forgets the session.
pub async fn revoke(g: &Global) -> Result<(), CliError> {
    context::signed_in(g, None).await?.revoke().await?;
    println!("refresh token revoked");
    Ok(())
}

/// `pycognito devices ...`.
#[derive(Debug, clap::Subcommand)]
pub enum DevicesCommand {
    /// List the user's devices.
    List,
    /// Forget a device (and drop it from the kept session and from `--device-store`).
    Forget {
        /// The device key.
        device_key: String,
        /// The device store used at login, to drop the device from too.
        #[arg(long)]
        device_store: Option<PathBuf>,
    },
    /// Mark a device remembered.
    Remember {
        /// The device key.
        device_key: String,
    },
}

/// `pycognito devices`.
pub async fn devices(g: &Global, c: DevicesCommand) -> Result<(), CliError> {
    match c {
        DevicesCommand::List => {
            let session = context::signed_in(g, None).await?;
            for d in session.list_devices().await? {
                let name = d
                    .device_attributes
                    .unwrap_or_default()
                    .into_iter()
                    .find(|a| a.name == "device_name")
                    .and_then(|a| a.value.map(|v| v.expose().to_owned()))
                    .unwrap_or_default();
                println!("{}\t{name}", d.device_key.unwrap_or_default());
            }
        }
        DevicesCommand::Forget {
            device_key,
            device_store,
        } => {
            // The session drops the device from itself (saved) and from the device store, when
            // it is this user's device there.
            let session = context::signed_in(g, device_store.as_deref()).await?;
            session.forget_device(&device_key).await?;
            println!("forgot {device_key}");
        }
        DevicesCommand::Remember { device_key } => {
            let session = context::signed_in(g, None).await?;
            session.update_device_status(&device_key, true).await?;
            println!("remembered {device_key}");
        }
    }
    Ok(())
}

/// `pycognito mfa ...`.
#[derive(Debug, clap::Subcommand)]
pub enum MfaCommand {
    /// Add a TOTP authenticator and make it the preferred MFA. At a terminal, the secret and a
    /// QR code are shown and the first code is asked. In a script (stdin not a terminal), the
    /// secret and its otpauth:// URI are printed on stdout, then the code is read from the next
    /// line of stdin; or run it in two steps, `--associate` then `--verify`.
    SetupTotp {
        /// The first code from the app (else prompted at a terminal, or read from stdin).
        #[arg(long, conflicts_with = "associate")]
        code: Option<SensitiveString>,
        /// Only create the secret: print it and its otpauth:// URI on stdout (two lines; with
        /// `--json`, `{"secret", "otpauth_uri"}`) and stop. Finish with `--verify`.
        #[arg(long, conflicts_with = "verify")]
        associate: bool,
        /// Only finish a set-up started with `--associate`: verify the code and enable TOTP.
        #[arg(long)]
        verify: bool,
    },
    /// Set MFA preferences.
    Prefs {
        /// Enable TOTP (`on`/`off`).
        #[arg(long)]
        totp: Option<Toggle>,
        /// Enable SMS.
        #[arg(long)]
        sms: Option<Toggle>,
        /// Enable email.
        #[arg(long)]
        email: Option<Toggle>,
        /// The preferred method.
        #[arg(long, value_parser = ["totp", "sms", "email"])]
        preferred: Option<String>,
    },
}

/// On or off.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Toggle {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// `pycognito mfa`.
pub async fn mfa(g: &Global, c: MfaCommand) -> Result<(), CliError> {
    let session = context::signed_in(g, None).await?;
    match c {
        MfaCommand::SetupTotp {
            code,
            associate,
            verify,
        } => {
            if !verify {
                let secret = session.associate_software_token().await?;
                let uri = Question::TotpSecret {
                    secret: secret.clone(),
                }
                .otpauth_uri("pycognito", &session.username())
                .unwrap_or_default();
                if associate && g.json {
                    println!(
                        "{}",
                        serde_json::json!({ "secret": secret.expose(), "otpauth_uri": uri })
                    );
                } else if associate || !prompt::interactive() {
                    // For a script: the secret, then the URI, one per line on stdout.
                    println!("{}", secret.expose());
                    println!("{uri}");
                    use std::io::Write;
                    std::io::stdout().flush()?;
                } else {
                    eprintln!(
                        "Add this secret to your authenticator app: {}",
                        secret.expose()
                    );
                    if let Some(qr) = prompt::qr(&uri) {
                        eprintln!("{qr}");
                    }
                }
                if associate {
                    return Ok(());
                }
            }
            verify_totp(&session, code).await?;
            session
                .set_mfa_preference(MfaPreference::default().totp(MfaSetting::enabled(true)))
                .await?;
            println!("TOTP MFA enabled and preferred");
        }
        MfaCommand::Prefs {
            totp,
            sms,
            email,
            preferred,
        } => {
            let pick = |t: Option<Toggle>, name: &str| {
                t.map(|t| MfaSetting {
                    enabled: matches!(t, Toggle::On),
                    preferred: preferred.as_deref() == Some(name),
                })
            };
            let mut pref = MfaPreference::default();
            pref.totp = pick(totp, "totp");
            pref.sms = pick(sms, "sms");
            pref.email = pick(email, "email");
            session.set_mfa_preference(pref).await?;
            println!("MFA preferences updated");
        }
    }
    Ok(())
}

/// `VerifySoftwareToken` with the first code: `code`, else a prompt at a terminal, else a line
/// of stdin. A wrong code ([`NextAction::FixInput`]) is asked again at a terminal (the secret
/// stays the same); from stdin or `--code` it ends the command with that exit code.
async fn verify_totp(session: &Session, mut code: Option<SensitiveString>) -> Result<(), CliError> {
    loop {
        let given = match code.take() {
            Some(c) => c,
            None => SensitiveString::from(prompt::ask_or_stdin("Code from the app")?),
        };
        match session
            .verify_software_token(&given, Some("pycognito"))
            .await
        {
            Ok(()) => return Ok(()),
            Err(e) if e.next_action() == NextAction::FixInput && prompt::interactive() => {
                eprintln!(
                    "the code does not match the new authenticator entry ({}); enter the \
                     current code",
                    e.service_code().unwrap_or("refused")
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `pycognito signup`.
#[derive(Debug, clap::Args)]
pub struct SignupArgs {
    /// The username.
    #[arg(long, short)]
    pub username: String,
    /// Read the password from standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// An attribute, `name=value` (repeatable).
    #[arg(long = "attribute", short = 'a', value_parser = parse_kv)]
    pub attributes: Vec<(String, String)>,
}

/// `pycognito attributes ...`.
#[derive(Debug, clap::Subcommand)]
pub enum AttributesCommand {
    /// Set attributes (UpdateUserAttributes); a changed email or phone number gets a code.
    Update {
        /// `name=value` (repeatable).
        #[arg(value_parser = parse_kv, required = true)]
        attributes: Vec<(String, String)>,
    },
    /// Delete attributes (DeleteUserAttributes).
    Delete {
        /// Attribute names.
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Send a verification code for an attribute (GetUserAttributeVerificationCode).
    SendCode {
        /// `email` or `phone_number`.
        name: String,
    },
    /// Verify an attribute with the code it received (VerifyUserAttribute).
    Verify {
        /// `email` or `phone_number`.
        name: String,
        /// The code that was sent.
        #[arg(long)]
        code: SensitiveString,
    },
}

/// `pycognito attributes`.
pub async fn attributes(g: &Global, c: AttributesCommand) -> Result<(), CliError> {
    let session = context::signed_in(g, None).await?;
    match c {
        AttributesCommand::Update { attributes } => {
            let attrs: BTreeMap<String, String> = attributes.into_iter().collect();
            let resp = session.update_user_attributes(&attrs).await?;
            println!("attributes updated");
            for d in resp.code_delivery_details_list.unwrap_or_default() {
                println!(
                    "a verification code for {} was sent to {}",
                    d.attribute_name.unwrap_or_default(),
                    d.destination.unwrap_or_default()
                );
            }
        }
        AttributesCommand::Delete { names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            session.delete_user_attributes(&names).await?;
            println!("attributes deleted");
        }
        AttributesCommand::SendCode { name } => {
            let resp = session.get_user_attribute_verification_code(&name).await?;
            let to = resp
                .code_delivery_details
                .and_then(|d| d.destination)
                .unwrap_or_else(|| "the user".to_owned());
            println!("a verification code for {name} was sent to {to}");
        }
        AttributesCommand::Verify { name, code } => {
            session.verify_user_attribute(&name, code.expose()).await?;
            println!("{name} verified");
        }
    }
    Ok(())
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not name=value"))
}

/// Whether Cognito refused a new password for its policy (at a terminal, it is asked again).
fn password_refused(e: &cognito_auth::Error) -> bool {
    matches!(
        e.service_code(),
        Some("InvalidPasswordException" | "PasswordHistoryPolicyViolationException")
    )
}

/// Runs `op` with a new password (read by [`prompt::new_secret`]); at a terminal, a password the
/// policy refuses is reported with Cognito's message and asked again.
async fn with_new_password<T, F, Fut>(what: &str, from_stdin: bool, op: F) -> Result<T, CliError>
where
    F: Fn(Password) -> Fut,
    Fut: std::future::Future<Output = Result<T, cognito_auth::Error>>,
{
    loop {
        let password = prompt::new_secret(what, from_stdin)?;
        match op(password).await {
            Ok(done) => return Ok(done),
            Err(e) if password_refused(&e) && !from_stdin && prompt::interactive() => {
                let message = e
                    .service_error()
                    .and_then(|k| k.message())
                    .unwrap_or("it does not meet the password policy")
                    .to_owned();
                eprintln!("the new password was refused ({message}); choose another");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `pycognito signup`.
pub async fn signup(g: &Global, a: SignupArgs) -> Result<(), CliError> {
    let auth = context::auth(g)?;
    let attrs: BTreeMap<String, String> = a.attributes.into_iter().collect();
    let resp = with_new_password("Password", a.password_stdin, |password| {
        let (auth, attrs, username) = (&auth, &attrs, a.username.as_str());
        async move { auth.sign_up(username, password.expose(), attrs).await }
    })
    .await?;
    if resp.user_confirmed {
        println!("{} registered and confirmed", a.username);
    } else {
        let to = resp
            .code_delivery_details
            .and_then(|d| d.destination)
            .unwrap_or_else(|| "the user".to_owned());
        println!(
            "{} registered; a confirmation code was sent to {to}",
            a.username
        );
    }
    Ok(())
}

/// `pycognito confirm`.
#[derive(Debug, clap::Args)]
pub struct ConfirmArgs {
    /// The username.
    #[arg(long, short)]
    pub username: String,
    /// The code that was sent.
    #[arg(long)]
    pub code: SensitiveString,
}

/// `pycognito confirm`.
pub async fn confirm(g: &Global, a: ConfirmArgs) -> Result<(), CliError> {
    let auth = context::auth(g)?;
    auth.confirm_sign_up(&a.username, a.code.expose()).await?;
    println!("{} confirmed", a.username);
    Ok(())
}

/// `pycognito forgot-password`.
#[derive(Debug, clap::Args)]
pub struct ForgotArgs {
    /// The username.
    #[arg(long, short)]
    pub username: String,
    /// The code received: sets the new password (read from stdin with --new-password-stdin).
    #[arg(long)]
    pub code: Option<SensitiveString>,
    /// Read the new password from standard input.
    #[arg(long)]
    pub new_password_stdin: bool,
}

/// `pycognito forgot-password`.
pub async fn forgot_password(g: &Global, a: ForgotArgs) -> Result<(), CliError> {
    let auth = context::auth(g)?;
    match &a.code {
        None => {
            auth.forgot_password(&a.username).await?;
            println!("a reset code was sent for {}", a.username);
        }
        Some(code) => {
            with_new_password("New password", a.new_password_stdin, |new| {
                let (auth, username) = (&auth, a.username.as_str());
                async move {
                    auth.confirm_forgot_password(username, code.expose(), new.expose())
                        .await
                }
            })
            .await?;
            println!("password reset for {}", a.username);
        }
    }
    Ok(())
}

/// `pycognito change-password`.
#[derive(Debug, clap::Args)]
pub struct ChangePasswordArgs {
    /// Read the current then the new password from standard input (two lines).
    #[arg(long)]
    pub passwords_stdin: bool,
}

/// `pycognito change-password`.
pub async fn change_password(g: &Global, a: ChangePasswordArgs) -> Result<(), CliError> {
    let session = context::signed_in(g, None).await?;
    let old = prompt::secret("Current password", a.passwords_stdin)?;
    with_new_password("New password", a.passwords_stdin, |new| {
        let (session, old) = (&session, old.clone());
        async move { session.change_password(old, new).await }
    })
    .await?;
    println!("password changed");
    Ok(())
}
