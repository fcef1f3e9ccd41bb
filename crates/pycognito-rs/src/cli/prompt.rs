//! Reading secrets and answers: from stdin in scripts, from hidden prompts at a terminal.

use super::CliError;
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
        return Err(CliError(format!("expected the {what} on standard input")));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A secret: from stdin when `from_stdin`, else a hidden prompt at a terminal.
pub fn secret(what: &str, from_stdin: bool) -> Result<String, CliError> {
    if from_stdin {
        return stdin_line(what);
    }
    if !interactive() {
        return Err(CliError(format!(
            "no {what}: standard input is not a terminal (use the --...-stdin option)"
        )));
    }
    rpassword::prompt_password(format!("{what}: ")).map_err(CliError::from)
}

/// A visible answer at a terminal.
pub fn ask(what: &str) -> Result<String, CliError> {
    if !interactive() {
        return Err(CliError(format!(
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
