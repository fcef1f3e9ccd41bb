//! Reading secrets and answers: from stdin in scripts, from hidden prompts at a terminal.

use super::CliError;
use cognito_auth::NextAction;
use srp_core::Password;
use std::io::{BufRead, IsTerminal};

/// Whether a person can be asked (stdin is a terminal).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// One line of stdin, without its newline.
pub fn stdin_line(what: &str) -> Result<String, CliError> {
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line)?;
    if n == 0 {
        return Err(CliError::said(
            NextAction::FixInput,
            format!("expected the {what} on standard input"),
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A secret: from stdin when `from_stdin`, else a hidden prompt at a terminal.
pub fn secret(what: &str, from_stdin: bool) -> Result<Password, CliError> {
    if from_stdin {
        return stdin_line(what).map(Password::from);
    }
    if !interactive() {
        return Err(CliError::usage(format!(
            "no {what}: standard input is not a terminal (use the --...-stdin option)"
        )));
    }
    Ok(Password::from(rpassword::prompt_password(format!(
        "{what}: "
    ))?))
}

/// How many times a mistyped new password is asked again before giving up.
const NEW_PASSWORD_ATTEMPTS: usize = 3;

/// A new password: from stdin when `from_stdin` (read once), else a hidden prompt at a terminal
/// asked twice, asking again when the two differ.
pub fn new_secret(what: &str, from_stdin: bool) -> Result<Password, CliError> {
    if from_stdin || !interactive() {
        return secret(what, from_stdin);
    }
    for _ in 0..NEW_PASSWORD_ATTEMPTS {
        let first = Password::from(rpassword::prompt_password(format!("{what}: "))?);
        let again = Password::from(rpassword::prompt_password(format!("{what} (again): "))?);
        if first == again {
            return Ok(first);
        }
        eprintln!("The two entries differ; try again.");
    }
    Err(CliError::new(
        NextAction::FixInput,
        format!(
            "the {} entries differed {NEW_PASSWORD_ATTEMPTS} times",
            what.to_lowercase()
        ),
    ))
}

/// A visible answer: at a terminal, a prompt; otherwise the next line of standard input (a
/// script can compute it from what was printed before, e.g. a TOTP code from the secret).
pub fn ask_or_stdin(what: &str) -> Result<String, CliError> {
    if interactive() {
        return ask(what);
    }
    Ok(stdin_line(&what.to_lowercase())?.trim().to_owned())
}

/// A visible answer at a terminal.
pub fn ask(what: &str) -> Result<String, CliError> {
    if !interactive() {
        return Err(CliError::usage(format!(
            "{what} needed, and standard input is not a terminal"
        )));
    }
    eprint!("{what}: ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// A QR code of `text` for a terminal (two rows of modules per line).
pub fn qr(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build(),
    )
}
