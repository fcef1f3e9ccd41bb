//! One error for the command line: a single line on stderr that says what went wrong and what to
//! do, and an exit code that follows the next action ([`cognito_auth::NextAction`]).
//!
//! The exit codes are defined here and only here ([`exit_code`]); docs/cli.md has the table.

use cognito_auth::NextAction;

/// What kind of failure, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The command line itself is wrong (a missing option, options that do not go together).
    Usage,
    /// Cognito, the network, a file or the user's input: what to do next.
    Action(NextAction),
}

/// The exit code of the process for a failure of this class.
///
/// | code | when |
/// |---|---|
/// | 0 | success |
/// | 1 | [`NextAction::Report`]: unexpected, a bug (or anything not classified) |
/// | 2 | usage error (clap's, and options that do not go together) |
/// | 3 | [`NextAction::FixInput`] |
/// | 4 | [`NextAction::SignInAgain`] |
/// | 5 | [`NextAction::ConfirmSignUp`] |
/// | 6 | [`NextAction::ResetPassword`] |
/// | 7 | [`NextAction::RequestNewCode`] |
/// | 8 | [`NextAction::FixConfiguration`] |
/// | 75 | [`NextAction::RetryLater`] (`EX_TEMPFAIL`) |
pub fn exit_code(class: Class) -> u8 {
    match class {
        Class::Usage => 2,
        Class::Action(action) => match action {
            NextAction::Report => 1,
            NextAction::FixInput => 3,
            NextAction::SignInAgain => 4,
            NextAction::ConfirmSignUp => 5,
            NextAction::ResetPassword => 6,
            NextAction::RequestNewCode => 7,
            NextAction::FixConfiguration => 8,
            NextAction::RetryLater => 75,
            _ => 1,
        },
    }
}

/// What to do, for the end of an error line: the next action's phrase, with the command that
/// does it where there is one.
fn advice(action: NextAction) -> String {
    let command = match action {
        NextAction::SignInAgain => " (`pycognito login`)",
        NextAction::ConfirmSignUp => " (`pycognito confirm`)",
        NextAction::ResetPassword => " (`pycognito forgot-password`)",
        _ => "",
    };
    format!("{}{command}", action.describe())
}

/// A failure to report as one line (no secrets: built from error displays that never carry
/// them).
#[derive(Debug)]
pub struct CliError {
    message: String,
    class: Class,
    /// What to do, when the message does not already say it.
    advice: Option<String>,
}

impl CliError {
    /// A failure with a next action; the line ends with what to do.
    pub fn new(action: NextAction, message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            class: Class::Action(action),
            advice: Some(advice(action)),
        }
    }

    /// A failure whose message already says what to do.
    pub fn said(action: NextAction, message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            class: Class::Action(action),
            advice: None,
        }
    }

    /// A usage problem (the message says which option is missing or wrong).
    pub fn usage(msg: impl Into<String>) -> Self {
        CliError {
            message: msg.into(),
            class: Class::Usage,
            advice: None,
        }
    }

    /// An unexpected failure, from anything displayable.
    pub fn from_display(e: impl std::fmt::Display) -> Self {
        CliError::new(NextAction::Report, e.to_string())
    }

    /// The process exit code ([`exit_code`]).
    pub fn exit_code(&self) -> u8 {
        exit_code(self.class)
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // One line, whatever the messages underneath.
        let message = self.message.replace('\n', " ");
        match &self.advice {
            Some(advice) => write!(f, "{}; {advice}", message.trim_end_matches(['.', ' '])),
            None => f.write_str(&message),
        }
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::from_display(e)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::from_display(e)
    }
}

impl From<cognito_auth::DeviceStoreError> for CliError {
    fn from(e: cognito_auth::DeviceStoreError) -> Self {
        CliError::new(NextAction::FixConfiguration, e.to_string())
    }
}

impl From<cognito_auth::SessionStoreError> for CliError {
    fn from(e: cognito_auth::SessionStoreError) -> Self {
        match e {
            // The store's message says to sign in again (which replaces the file).
            e @ cognito_auth::SessionStoreError::Unreadable { .. } => {
                CliError::said(NextAction::SignInAgain, e.to_string())
            }
            e => CliError::new(NextAction::FixConfiguration, e.to_string()),
        }
    }
}

impl From<cognito_auth::jwt::JwtError> for CliError {
    fn from(e: cognito_auth::jwt::JwtError) -> Self {
        use cognito_auth::jwt::JwtError;
        let action = match &e {
            JwtError::Expired { .. } => NextAction::SignInAgain,
            JwtError::JwksFetch(_) => NextAction::FixConfiguration,
            _ => NextAction::FixInput,
        };
        CliError::new(action, e.to_string())
    }
}

impl From<cognito_auth::Error> for CliError {
    fn from(e: cognito_auth::Error) -> Self {
        match e {
            cognito_auth::Error::SessionStore(s) => s.into(),
            cognito_auth::Error::Wire(w) => CliError::from_wire(&w, NextAction::for_wire_error(&w)),
            e => CliError::new(e.next_action(), e.to_string()),
        }
    }
}

impl From<cognito_admin::AdminError> for CliError {
    fn from(e: cognito_admin::AdminError) -> Self {
        let action = e.next_action();
        match &e {
            cognito_admin::AdminError::Wire(w) => CliError::from_wire(w, action),
            cognito_admin::AdminError::Credentials(c) => CliError::said(
                action,
                format!(
                    "no AWS credentials ({}): {CREDENTIALS_HINT}",
                    c.to_string().replace('\n', " ")
                ),
            ),
            _ => CliError::new(action, e.to_string()),
        }
    }
}

/// What to do when the admin commands find no AWS credentials.
pub const CREDENTIALS_HINT: &str = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
     AWS_PROFILE to a profile of ~/.aws/credentials; the local emulator (`pycognito emulator`) \
     accepts AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test";

impl CliError {
    /// A wire error, with the endpoint named when the connection failed and what to set when
    /// no credentials could be loaded for signing.
    fn from_wire(e: &cognito_wire::Error, action: NextAction) -> Self {
        use cognito_wire::{ConstructionError, Error, TransportError};
        match e {
            Error::Dispatch {
                operation,
                source: source @ TransportError::Connect(_),
                url,
            } => {
                let url = url.as_deref().unwrap_or("the endpoint");
                CliError::said(
                    action,
                    format!(
                        "cannot connect to {url} ({operation}): {}; is the endpoint right \
                         (--endpoint-url, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, \
                         AWS_ENDPOINT_URL)? else try again later",
                        root_cause(source)
                    ),
                )
            }
            Error::Timeout {
                operation,
                phase: cognito_wire::TimeoutPhase::Connect,
                after,
                url,
            } => CliError::said(
                action,
                format!(
                    "cannot connect to {} within {after:?} ({operation}); is the endpoint right \
                     (--endpoint-url, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, \
                     AWS_ENDPOINT_URL)? else try again later",
                    url.as_deref().unwrap_or("the endpoint")
                ),
            ),
            Error::Construction {
                operation,
                source: ConstructionError::Signing(s),
            } if is_missing_credentials(s.as_ref()) => CliError::said(
                NextAction::FixConfiguration,
                format!(
                    "{operation}: no AWS credentials ({}): {CREDENTIALS_HINT}",
                    s.to_string().replace('\n', " ")
                ),
            ),
            _ => CliError::new(action, e.to_string()),
        }
    }
}

/// Whether a signing failure is the credentials provider's (none found, unreadable profile).
fn is_missing_credentials(e: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        e.downcast_ref::<cognito_admin::SignError>(),
        Some(cognito_admin::SignError::Credentials(_))
    )
}

/// The innermost cause of an error (e.g. `Connection refused (os error 111)`), on one line.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_next_action_has_its_own_exit_code() {
        let actions = [
            NextAction::Report,
            NextAction::FixInput,
            NextAction::SignInAgain,
            NextAction::ConfirmSignUp,
            NextAction::ResetPassword,
            NextAction::RequestNewCode,
            NextAction::FixConfiguration,
            NextAction::RetryLater,
        ];
        let mut codes: Vec<u8> = actions
            .iter()
            .map(|a| exit_code(Class::Action(*a)))
            .collect();
        codes.push(exit_code(Class::Usage));
        assert_eq!(codes, [1, 3, 4, 5, 6, 7, 8, 75, 2]);
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 9, "distinct codes");
    }

    #[test]
    fn the_line_ends_with_what_to_do() {
        let e = CliError::new(NextAction::SignInAgain, "GetUser: NotAuthorizedException.");
        assert_eq!(
            e.to_string(),
            "GetUser: NotAuthorizedException; sign in again (`pycognito login`)"
        );
        assert_eq!(e.exit_code(), 4);
        let e = CliError::said(NextAction::FixInput, "wrong\ncode: enter it again");
        assert_eq!(e.to_string(), "wrong code: enter it again");
        assert_eq!(CliError::usage("missing --pool-id").exit_code(), 2);
    }
}
