//! The `pycognito` command line: arguments, the shared context, and one module per area.

mod admin;
mod browser;
mod context;
mod error;
mod m2m;
mod passkey;
mod prompt;
mod user;

pub use error::CliError;

/// A time as RFC 3339 in UTC with whole seconds (`2026-12-02T01:57:21Z`): the one format in which
/// the CLI and the demo print times.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

use clap::{Parser, Subcommand};
use cognito_wire::SensitiveString;
use std::path::PathBuf;

/// What `pycognito --help` says first.
const ABOUT: &str = "Amazon Cognito user pools from the command line: sign in, keep and verify \
tokens, manage your account, administer users and groups, run a local Cognito emulator";

/// The rest of `pycognito --help`: the main commands and a first session to try.
const LONG_ABOUT: &str = "Amazon Cognito user pools from the command line: sign in, keep and \
verify tokens, manage your account, administer users and groups, run a local Cognito emulator.

Main commands: `login` (SRP, MFA, remembered devices) keeps a session that `whoami`, `refresh`, \
`verify` and `logout` use; `signup`, `forgot-password`, `change-password`, `mfa` and \
`attributes` manage the account; `admin` administers users and groups (AWS credentials); \
`emulator` serves a local Cognito; `demo` runs the whole journey.

Try it locally (from the repository):
  pycognito emulator --seed examples/emulator-seed.json
  echo 'Passw0rd!' | pycognito login -u alice --password-stdin \\
      --pool-id us-east-1_demo --client-id webclient --endpoint-url http://127.0.0.1:9229";

/// The `pycognito` command line.
#[derive(Debug, Parser)]
#[command(
    name = "pycognito",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts, before or after its name.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// User pool id (`us-east-1_AbC`).
    #[arg(long, global = true, env = "PYCOGNITO_POOL_ID")]
    pub pool_id: Option<String>,
    /// App client id.
    #[arg(long, global = true, env = "PYCOGNITO_CLIENT_ID")]
    pub client_id: Option<String>,
    /// App client secret (prefer the environment variable to keep it out of `ps`). A secret
    /// type: `Debug` of the options shows it redacted.
    #[arg(
        long,
        global = true,
        env = "PYCOGNITO_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<SensitiveString>,
    /// AWS region (default: from the pool id).
    #[arg(long, global = true, env = "AWS_REGION")]
    pub region: Option<String>,
    /// Endpoint URL (e.g. the local emulator); `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` and
    /// `AWS_ENDPOINT_URL` are honoured too.
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
    /// Where `login` keeps the session (tokens, device) for later commands.
    #[arg(long, global = true, env = "PYCOGNITO_SESSION_FILE")]
    pub session_file: Option<PathBuf>,
    /// The app client rotates refresh tokens: refresh with GetTokensFromRefreshToken (the new
    /// refresh token replaces the kept one) instead of REFRESH_TOKEN_AUTH.
    #[arg(long, global = true, env = "PYCOGNITO_TOKEN_ROTATION")]
    pub token_rotation: bool,
    /// Print results as JSON (tokens included).
    #[arg(long, global = true)]
    pub json: bool,
    /// Show tokens in the human-readable output.
    #[arg(long, global = true)]
    pub show_tokens: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in (SRP by default, or --browser: the managed login) and keep the session.
    Login(user::LoginArgs),
    /// Refresh the kept session's tokens.
    Refresh,
    /// Verify a token against the pool's JWKS.
    Verify(user::VerifyArgs),
    /// Show the signed-in user (GetUser).
    Whoami,
    /// Sign out everywhere (GlobalSignOut) and forget the kept session; with --browser, print
    /// Cognito's logout URL for the managed login instead.
    Logout(user::LogoutArgs),
    /// Revoke the kept refresh token (RevokeToken) and forget the session.
    Revoke,
    /// Remembered devices of the signed-in user.
    #[command(subcommand)]
    Devices(user::DevicesCommand),
    /// MFA settings of the signed-in user.
    #[command(subcommand)]
    Mfa(user::MfaCommand),
    /// Passkeys of the signed-in user: register (with the software authenticator), list,
    /// delete.
    #[command(subcommand)]
    Passkey(passkey::PasskeyCommand),
    /// The signed-in user's attributes: update, delete, verify.
    #[command(subcommand)]
    Attributes(user::AttributesCommand),
    /// Register a new user (SignUp).
    Signup(user::SignupArgs),
    /// Confirm a registration with the code that was sent (ConfirmSignUp).
    Confirm(user::ConfirmArgs),
    /// Send a password-reset code, or set the new password with `--code`.
    ForgotPassword(user::ForgotArgs),
    /// Change the signed-in user's password.
    ChangePassword(user::ChangePasswordArgs),
    /// A machine-to-machine access token of the app client (OAuth 2.0 client_credentials on the
    /// pool's domain), cached until 5 minutes before it expires.
    Token(m2m::TokenArgs),
    /// Administer users and groups (SigV4: needs AWS credentials).
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Serve the local Cognito emulator.
    Emulator(EmulatorArgs),
    /// Run the whole journey against an embedded emulator and report each step.
    Demo,
}

/// `pycognito emulator`.
#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks one).
    #[arg(long, default_value_t = 9229)]
    pub port: u16,
    /// Persist every change to this file (and load it at start).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Provision pools, clients, users and groups from this JSON file.
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Append the outbox (codes "sent" by SMS/email) to this file as JSON lines.
    #[arg(long)]
    pub outbox_log: Option<PathBuf>,
    /// Fault mode, comma-separated `key=value`: latency=5ms, jitter=2ms, throttle=0.1, 500=0.05,
    /// 503=0.05, drop-before=0.05, drop-after=0.05, ops=InitiateAuth+GetUser, seed=7, max=10.
    #[arg(long, value_name = "SPEC", value_parser = parse_faults)]
    pub faults: Option<cognito_emulator::Faults>,
    /// Run a Lambda trigger's function locally: KEY=HANDLER, KEY a function ARN, a pool id (every
    /// function of the pool) or `*`; HANDLER `http://HOST:PORT` (Lambda's Invoke API, e.g. the
    /// runtime interface emulator) or a command line (event JSON on stdin, answer on stdout).
    /// Repeatable.
    #[arg(long, value_name = "KEY=HANDLER", value_parser = parse_trigger)]
    pub trigger: Vec<(String, cognito_emulator::TriggerHandler)>,
}

fn parse_faults(spec: &str) -> Result<cognito_emulator::Faults, String> {
    spec.parse()
}

fn parse_trigger(spec: &str) -> Result<(String, cognito_emulator::TriggerHandler), String> {
    // An ARN has colons, not `=`: the first `=` ends the key.
    let (key, handler) = spec
        .split_once('=')
        .ok_or_else(|| "expected KEY=HANDLER".to_owned())?;
    let handler = cognito_emulator::TriggerHandler::parse(handler)
        .ok_or_else(|| "the handler is empty".to_owned())?;
    if key.is_empty() {
        return Err("the key is empty (a function ARN, a pool id or *)".to_owned());
    }
    Ok((key.to_owned(), handler))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let g = cli.global;
    match cli.command {
        Command::Login(a) => user::login(&g, a).await,
        Command::Refresh => user::refresh(&g).await,
        Command::Verify(a) => user::verify(&g, a).await,
        Command::Whoami => user::whoami(&g).await,
        Command::Logout(a) => user::logout(&g, a).await,
        Command::Revoke => user::revoke(&g).await,
        Command::Devices(c) => user::devices(&g, c).await,
        Command::Mfa(c) => user::mfa(&g, c).await,
        Command::Passkey(c) => passkey::passkey(&g, c).await,
        Command::Attributes(c) => user::attributes(&g, c).await,
        Command::Signup(a) => user::signup(&g, a).await,
        Command::Confirm(a) => user::confirm(&g, a).await,
        Command::ForgotPassword(a) => user::forgot_password(&g, a).await,
        Command::ChangePassword(a) => user::change_password(&g, a).await,
        Command::Token(a) => m2m::token(&g, a).await,
        Command::Admin(c) => admin::run(&g, c).await,
        Command::Emulator(a) => {
            let opts = cognito_emulator::StandaloneOptions::default()
                .port(a.port)
                .state_file(a.state)
                .seed_file(a.seed)
                .outbox_log(a.outbox_log)
                .faults(a.faults.unwrap_or_default())
                .triggers(a.trigger.into_iter().collect());
            cognito_emulator::serve_standalone(opts).await.map_err(|e| {
                CliError::new(cognito_auth::NextAction::FixConfiguration, e.to_string())
            })
        }
        Command::Demo => crate::demo::run().await.map_err(CliError::from_display),
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_options_shows_no_secret() {
        let cli = Cli::try_parse_from([
            "pycognito",
            "login",
            "-u",
            "alice",
            "--mfa-code",
            "918273",
            "--client-secret",
            "s3cr3t-client-value",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{cli:?}");
        assert!(!debug.contains("s3cr3t-client-value"), "{debug}");
        assert!(!debug.contains("918273"), "{debug}");
        assert!(debug.contains("alice"), "{debug}");
        let cli = Cli::try_parse_from(["pycognito", "verify", "eyJhbGciOi.secret-token.sig"])
            .unwrap_or_else(|e| panic!("{e}"));
        let debug = format!("{cli:?}");
        assert!(!debug.contains("secret-token"), "{debug}");
    }

    #[test]
    fn no_option_takes_a_password() {
        // Every argument of every command, by name: none is a password (they come from stdin
        // or a prompt, never from `ps`).
        fn walk(cmd: &clap::Command, found: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str().to_owned();
                let takes_value = arg.get_action().takes_values();
                if takes_value && id.contains("password") {
                    found.push(format!("{} --{id}", cmd.get_name()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, found);
            }
        }
        let mut found = Vec::new();
        walk(&<Cli as clap::CommandFactory>::command(), &mut found);
        assert!(found.is_empty(), "options taking a password: {found:?}");
    }
}
