//! The managed login pages as HTML: plain server-rendered forms, no inline script, no external
//! asset; the one script, [`PASSKEY_JS`], is the emulator's own (`<base>/passkey.js`, allowed by
//! the pages' `script-src 'self'`) and runs on the passkey step only. Everything a page echoes
//! (names, messages, the authorize query, attribute names, the passkey request options) goes
//! through [`escape`].

use cognito_wire::ChallengeNameType as C;
use std::fmt::Write as _;

/// HTML-escapes text for an element's content or a quoted attribute value.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// What every form of a page carries: where it posts, the anti-forgery token, and the
/// messages to show.
pub(crate) struct Frame<'a> {
    /// The domain's base path (`/_domain/<domain>`, or empty when reached by `Host`).
    pub base: &'a str,
    /// The authorize request's query, carried from page to page.
    pub query: &'a str,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
}

impl Frame<'_> {
    fn url(&self, path: &str) -> String {
        if self.query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{}", self.base, self.query)
        }
    }

    fn open_form(&self, id: &str, path: &str) -> String {
        format!(
            "<form id=\"{id}\" method=\"post\" action=\"{}\">\n<input type=\"hidden\" name=\"_csrf\" value=\"{}\">\n",
            escape(&self.url(path)),
            escape(self.csrf)
        )
    }

    fn page(&self, title: &str, body: &str) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
            escape(title),
            escape(title)
        );
        if let Some(e) = self.error {
            let _ = writeln!(out, "<p id=\"error\" class=\"error\">{}</p>", escape(e));
        }
        if let Some(n) = self.notice {
            let _ = writeln!(out, "<p id=\"notice\" class=\"notice\">{}</p>", escape(n));
        }
        out.push_str(body);
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f2f3f3;margin:0}\
main{max-width:22rem;margin:3rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;\
box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}\
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:.5rem}\
button{margin-top:1rem;width:100%;padding:.6rem;background:#0972d3;color:#fff;border:0;border-radius:4px}\
.error{color:#b0281a}.notice{color:#1d6b32}code{word-break:break-all}p.links{font-size:.9rem}";

fn field(label: &str, name: &str, kind: &str, value: &str, autocomplete: &str) -> String {
    format!(
        "<label for=\"{name}\">{}</label>\n<input id=\"{name}\" type=\"{kind}\" name=\"{name}\" value=\"{}\" autocomplete=\"{autocomplete}\" required>\n",
        escape(label),
        escape(value)
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
        escape(value)
    )
}

const SUBMIT: &str = "<button type=\"submit\">";

/// The sign-in page; with `passkey`, a second form that starts a passkey sign-in
/// (`passkey=1`, the username only).
pub(crate) fn sign_in(f: &Frame<'_>, username: &str, sign_up: bool, passkey: bool) -> String {
    let mut body = f.open_form("signin", "/login");
    body.push_str(&field("Username", "username", "text", username, "username"));
    body.push_str(&field(
        "Password",
        "password",
        "password",
        "",
        "current-password",
    ));
    let _ = writeln!(body, "{SUBMIT}Sign in</button>\n</form>");
    if passkey {
        body.push_str(&f.open_form("passkey", "/login"));
        body.push_str(&hidden("passkey", "1"));
        let _ = writeln!(
            body,
            "<label for=\"passkey-username\">Username</label>\n<input id=\"passkey-username\" type=\"text\" name=\"username\" value=\"{}\" autocomplete=\"username webauthn\" required>",
            escape(username)
        );
        let _ = writeln!(
            body,
            "<button id=\"passkey-start\" type=\"submit\">Sign in with a passkey</button>\n</form>"
        );
    }
    let _ = writeln!(
        body,
        "<p class=\"links\"><a id=\"forgot-link\" href=\"{}\">Forgot your password?</a></p>",
        escape(&f.url("/forgotPassword"))
    );
    if sign_up {
        let _ = writeln!(
            body,
            "<p class=\"links\">Need an account? <a id=\"signup-link\" href=\"{}\">Sign up</a></p>",
            escape(&f.url("/signup"))
        );
    }
    f.page("Sign in", &body)
}

/// A step of a sign-in in progress: what the form asks for.
pub(crate) enum Step<'a> {
    /// A code: TOTP, SMS, email, or a custom challenge's answer; `hint` says where it went.
    Code { challenge: &'a C, hint: String },
    /// Which MFA to use.
    SelectMfa { options: Vec<C> },
    /// A new password (and the required attributes the user lacks).
    NewPassword { required: Vec<String> },
    /// TOTP set-up: the secret to enter in an authenticator app, then its code.
    TotpSetup { secret: &'a str, uri: String },
    /// A passkey: the `CREDENTIAL_REQUEST_OPTIONS` (JSON) for [`PASSKEY_JS`], which posts the
    /// authenticator's `AuthenticationResponseJSON` back as `credential`.
    Passkey { options: String },
}

/// The page of a sign-in step, posted back to `/login` with the challenge session.
pub(crate) fn step(f: &Frame<'_>, username: &str, session: &str, step: &Step<'_>) -> String {
    let mut body = f.open_form("challenge", "/login");
    body.push_str(&hidden("username", username));
    body.push_str(&hidden("session", session));
    let title = match step {
        Step::Code { challenge, hint } => {
            body.push_str(&hidden("challenge", challenge.as_str()));
            let _ = writeln!(body, "<p id=\"hint\">{}</p>", escape(hint));
            body.push_str(&field("Code", "code", "text", "", "one-time-code"));
            let _ = writeln!(body, "{SUBMIT}Sign in</button>");
            "Enter your code"
        }
        Step::SelectMfa { options } => {
            body.push_str(&hidden("challenge", C::SelectMfaType.as_str()));
            body.push_str("<p>Choose how to receive your sign-in code.</p>\n");
            for o in options {
                let label = match o {
                    C::SoftwareTokenMfa => "Authenticator app",
                    C::SmsMfa => "Text message (SMS)",
                    C::EmailOtp => "Email",
                    other => other.as_str(),
                };
                let _ = writeln!(
                    body,
                    "<button type=\"submit\" name=\"mfa\" value=\"{}\">{}</button>",
                    escape(o.as_str()),
                    escape(label)
                );
            }
            "Choose an MFA method"
        }
        Step::NewPassword { required } => {
            body.push_str(&hidden("challenge", C::NewPasswordRequired.as_str()));
            body.push_str("<p>You must set a new password to continue.</p>\n");
            body.push_str(&field(
                "New password",
                "new_password",
                "password",
                "",
                "new-password",
            ));
            for a in required {
                body.push_str(&field(a, &format!("attr_{a}"), "text", "", "off"));
            }
            let _ = writeln!(body, "{SUBMIT}Change password</button>");
            "Change your password"
        }
        Step::TotpSetup { secret, uri } => {
            body.push_str(&hidden("challenge", C::MfaSetup.as_str()));
            body.push_str(&hidden("secret", secret));
            let _ = writeln!(
                body,
                "<p>Add this key to your authenticator app:</p>\n<p><code id=\"totp-secret\">{}</code></p>\n<p><a id=\"totp-uri\" href=\"{}\">Open in an authenticator app</a></p>",
                escape(secret),
                escape(uri)
            );
            body.push_str(&field("Code", "code", "text", "", "one-time-code"));
            let _ = writeln!(body, "{SUBMIT}Verify</button>");
            "Set up multi-factor authentication"
        }
        Step::Passkey { options } => {
            body.push_str(&hidden("challenge", C::WebAuthn.as_str()));
            body.push_str("<input type=\"hidden\" name=\"credential\" value=\"\">\n");
            let _ = writeln!(
                body,
                "<div id=\"passkey-options\" data-options=\"{}\" hidden></div>",
                escape(options)
            );
            body.push_str("<p id=\"hint\">Use your passkey to sign in.</p>\n");
            let _ = writeln!(
                body,
                "<button id=\"passkey-retry\" type=\"submit\">Use my passkey</button>"
            );
            let _ = writeln!(
                body,
                "<script src=\"{}\"></script>",
                escape(&format!("{}/passkey.js", f.base))
            );
            "Sign in with a passkey"
        }
    };
    body.push_str("</form>\n");
    f.page(title, &body)
}

/// The sign-up page: username, password, email and the pool's other required attributes.
pub(crate) fn sign_up(
    f: &Frame<'_>,
    values: &[(String, String)],
    required: &[String],
    email_username: bool,
) -> String {
    let value = |k: &str| {
        values
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let mut body = f.open_form("signup", "/signup");
    let label = if email_username { "Email" } else { "Username" };
    body.push_str(&field(
        label,
        "username",
        "text",
        value("username"),
        "username",
    ));
    if !email_username {
        body.push_str(&format!(
            "<label for=\"email\">Email</label>\n<input id=\"email\" type=\"email\" name=\"email\" value=\"{}\" autocomplete=\"email\">\n",
            escape(value("email"))
        ));
    }
    for a in required.iter().filter(|a| a.as_str() != "email") {
        let name = format!("attr_{a}");
        body.push_str(&field(a, &name, "text", value(&name), "off"));
    }
    body.push_str(&field(
        "Password",
        "password",
        "password",
        "",
        "new-password",
    ));
    let _ = writeln!(body, "{SUBMIT}Sign up</button>\n</form>");
    let _ = writeln!(
        body,
        "<p class=\"links\">Have an account? <a id=\"signin-link\" href=\"{}\">Sign in</a></p>",
        escape(&f.url("/login"))
    );
    f.page("Sign up", &body)
}

/// Confirming a sign-up with the code that was sent.
pub(crate) fn confirm(f: &Frame<'_>, username: &str, hint: &str) -> String {
    let mut body = f.open_form("confirm", "/confirm");
    body.push_str(&hidden("username", username));
    let _ = writeln!(body, "<p id=\"hint\">{}</p>", escape(hint));
    body.push_str(&field(
        "Verification code",
        "code",
        "text",
        "",
        "one-time-code",
    ));
    let _ = writeln!(body, "{SUBMIT}Confirm account</button>\n</form>");
    f.page("Confirm your account", &body)
}

/// Asking for a password reset code.
pub(crate) fn forgot(f: &Frame<'_>) -> String {
    let mut body = f.open_form("forgot", "/forgotPassword");
    body.push_str(&field("Username", "username", "text", "", "username"));
    let _ = writeln!(body, "{SUBMIT}Reset my password</button>\n</form>");
    f.page("Forgot your password?", &body)
}

/// Setting a new password with the code that was sent.
pub(crate) fn confirm_forgot(f: &Frame<'_>, username: &str, hint: &str) -> String {
    let mut body = f.open_form("reset", "/confirmForgotPassword");
    body.push_str(&hidden("username", username));
    let _ = writeln!(body, "<p id=\"hint\">{}</p>", escape(hint));
    body.push_str(&field("Code", "code", "text", "", "one-time-code"));
    body.push_str(&field(
        "New password",
        "password",
        "password",
        "",
        "new-password",
    ));
    let _ = writeln!(body, "{SUBMIT}Change password</button>\n</form>");
    f.page("Reset your password", &body)
}

/// An error page that links nowhere (a bad client or redirect URI must not become a redirect).
pub(crate) fn error(message: &str) -> String {
    let f = Frame {
        base: "",
        query: "",
        csrf: "",
        error: Some(message),
        notice: None,
    };
    f.page("An error was encountered with the requested page", "")
}

/// The passkey step's script (`GET <base>/passkey.js`): reads the request options from
/// `#passkey-options`, calls `navigator.credentials.get` (base64url members to `ArrayBuffer`s),
/// and submits the step's form with the answer as WebAuthn's `AuthenticationResponseJSON` in
/// `credential`; a refusal or an error shows in `#error`, and the button tries again.
pub(crate) const PASSKEY_JS: &str = include_str!("hosted_passkey.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_echoed_is_escaped() {
        let f = Frame {
            base: "/_domain/d",
            query: "client_id=a&state=\"><script>",
            csrf: "c\"",
            error: Some("<b>bad</b>"),
            notice: None,
        };
        let page = sign_in(&f, "\"><img src=x onerror=alert(1)>", true, true);
        assert!(!page.contains("<script>"));
        assert!(!page.contains("<img"));
        assert!(!page.contains("<b>"));
        assert!(page.contains("&lt;b&gt;bad&lt;/b&gt;"));
        assert!(page.contains("state=&quot;&gt;&lt;script&gt;"));
        assert!(page.contains("value=\"c&quot;\""));
    }

    #[test]
    fn the_passkey_step_escapes_its_options() {
        let f = Frame {
            base: "/_domain/d",
            query: "",
            csrf: "c",
            error: None,
            notice: None,
        };
        let step = Step::Passkey {
            options: r#"{"rpId":"\"><script>alert(1)</script>"}"#.into(),
        };
        let page = super::step(&f, "u", "s", &step);
        assert!(!page.contains("<script>alert"));
        assert!(page.contains("data-options=\"{&quot;rpId&quot;:&quot;\\&quot;&gt;&lt;script&gt;"));
        assert!(page.contains("<script src=\"/_domain/d/passkey.js\"></script>"));
    }
}
