//! The flows, the per-flow outcomes and the flow × peer report (console and markdown).

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Every flow of the interop run: a stable id (used by the peer scripts' JSON results) and a title.
pub(crate) const FLOWS: &[(&str, &str)] = &[
    ("srp", "USER_SRP_AUTH sign-in"),
    ("password", "USER_PASSWORD_AUTH sign-in"),
    ("secret_hash", "App client with a secret (SECRET_HASH)"),
    ("refresh", "Token refresh (REFRESH_TOKEN_AUTH)"),
    ("new_password", "NEW_PASSWORD_REQUIRED"),
    (
        "totp",
        "TOTP set-up (associate / verify) and SOFTWARE_TOKEN_MFA sign-in",
    ),
    ("sms_mfa", "SMS_MFA sign-in"),
    ("email_mfa", "EMAIL_OTP MFA sign-in"),
    (
        "device",
        "Device remembered, DEVICE_SRP_AUTH sign-in, refresh with DEVICE_KEY",
    ),
    ("custom_auth", "CUSTOM_AUTH"),
    ("user_auth", "USER_AUTH (choice-based sign-in)"),
    ("sign_up", "Sign-up and confirmation"),
    (
        "forgot_password",
        "Forgot password / confirm forgot password",
    ),
    ("change_password", "Change password"),
    ("attributes", "Update and verify attributes"),
    ("global_sign_out", "Global sign-out"),
    ("revoke", "Token revocation (RevokeToken)"),
    (
        "verify_jwt",
        "Token verification against the emulator's JWKS",
    ),
    ("admin", "Admin operations (SigV4)"),
    (
        "oauth_code_pkce",
        "OAuth 2.0 authorization code + PKCE through the managed login form",
    ),
    (
        "client_credentials",
        "OAuth 2.0 client_credentials (machine to machine)",
    ),
];

/// The outcome of one flow for one peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Every check of the flow passed.
    Pass,
    /// The peer's own implementation is wrong (the note says how); the emulator rejects it the
    /// way Cognito does, and the corrected flow, built from the peer's own primitives, passes.
    PeerBug(String),
    /// A check failed, with the reason.
    Fail(String),
    /// The peer's API has no way to run this flow.
    Unsupported(String),
    /// Outside what the peer is (authlib and the oauth2 crate, OAuth 2.0 clients, for the Cognito API flows).
    NotApplicable,
}

impl Outcome {
    /// From a script's `status` / `detail` pair.
    pub(crate) fn from_status(status: &str, detail: &str) -> Outcome {
        match status {
            "pass" => Outcome::Pass,
            "peer-bug" => Outcome::PeerBug(detail.to_owned()),
            "unsupported" => Outcome::Unsupported(detail.to_owned()),
            "fail" => Outcome::Fail(detail.to_owned()),
            other => Outcome::Fail(format!("unknown status {other:?}: {detail}")),
        }
    }

    fn cell(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::PeerBug(_) => "pass (peer bug)",
            Outcome::Fail(_) => "**FAIL**",
            Outcome::Unsupported(_) => "unsupported",
            Outcome::NotApplicable => "-",
        }
    }

    fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Pass | Outcome::NotApplicable => None,
            Outcome::PeerBug(d) | Outcome::Fail(d) | Outcome::Unsupported(d) => Some(d),
        }
    }
}

/// What one peer did: per-flow outcomes, or why it could not run at all.
#[derive(Debug)]
pub(crate) enum PeerRun {
    /// The peer ran; flows it did not report are failures.
    Ran(BTreeMap<String, Outcome>),
    /// The peer could not be installed or started (a failure under `CI=true`).
    Skipped(String),
    /// The peer could not run for a reason that is a failure everywhere.
    Broken(String),
}

/// One peer's row of results.
#[derive(Debug)]
pub(crate) struct PeerReport {
    /// Display name (`pycognito 2024.5.1 + boto3`).
    pub name: String,
    /// What happened.
    pub run: PeerRun,
}

impl PeerReport {
    /// The outcome of a flow (a flow a running peer did not report is a failure).
    fn outcome(&self, flow: &str) -> Result<Outcome, String> {
        match &self.run {
            PeerRun::Ran(m) => Ok(m.get(flow).cloned().unwrap_or_else(|| {
                Outcome::Fail("no result reported (the peer stopped before this flow)".to_owned())
            })),
            PeerRun::Skipped(why) => Err(format!("skipped: {why}")),
            PeerRun::Broken(why) => Err(format!("FAIL: {why}")),
        }
    }
}

/// The whole report.
#[derive(Debug)]
pub(crate) struct Report {
    /// Peers in column order.
    pub peers: Vec<PeerReport>,
    /// Whether skipping a peer is a failure (`CI=true`).
    pub strict: bool,
}

impl Report {
    /// Failures: `(peer, flow title, reason)`; skipped peers count only when strict.
    pub(crate) fn failures(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for p in &self.peers {
            match &p.run {
                PeerRun::Skipped(why) if self.strict => {
                    out.push((
                        p.name.clone(),
                        "(all)".to_owned(),
                        format!("skipped: {why}"),
                    ));
                }
                PeerRun::Skipped(_) => {}
                PeerRun::Broken(why) => {
                    out.push((p.name.clone(), "(all)".to_owned(), why.clone()));
                }
                PeerRun::Ran(_) => {
                    for (id, title) in FLOWS {
                        if let Ok(Outcome::Fail(why)) = p.outcome(id) {
                            out.push((p.name.clone(), (*title).to_owned(), why));
                        }
                    }
                    if let PeerRun::Ran(m) = &p.run {
                        for (id, o) in m {
                            if !FLOWS.iter().any(|(f, _)| f == id) {
                                out.push((
                                    p.name.clone(),
                                    id.clone(),
                                    format!("unknown flow id reported: {o:?}"),
                                ));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Plain text for the console: one line per flow and peer.
    pub(crate) fn text(&self) -> String {
        let mut s = String::new();
        for p in &self.peers {
            let _ = writeln!(s, "== {}", p.name);
            match &p.run {
                PeerRun::Skipped(why) => {
                    let _ = writeln!(s, "   skipped: {why}");
                    continue;
                }
                PeerRun::Broken(why) => {
                    let _ = writeln!(s, "   FAIL: {why}");
                    continue;
                }
                PeerRun::Ran(_) => {}
            }
            for (id, title) in FLOWS {
                if let Ok(o) = p.outcome(id) {
                    if o == Outcome::NotApplicable {
                        continue;
                    }
                    let label = match &o {
                        Outcome::Pass => "pass",
                        Outcome::PeerBug(_) => "pass (peer bug)",
                        Outcome::Fail(_) => "FAIL",
                        Outcome::Unsupported(_) => "unsupported",
                        Outcome::NotApplicable => "-",
                    };
                    match o.detail() {
                        Some(d) => {
                            let _ = writeln!(s, "   {label:<16} {title}: {d}");
                        }
                        None => {
                            let _ = writeln!(s, "   {label:<16} {title}");
                        }
                    }
                }
            }
        }
        s
    }

    /// The markdown report: the flow × peer table, then every note.
    pub(crate) fn markdown(&self, header: &str) -> String {
        let mut s = String::new();
        s.push_str(header);
        s.push_str("\n| flow |");
        for p in &self.peers {
            let _ = write!(s, " {} |", p.name);
        }
        s.push_str("\n|---|");
        for _ in &self.peers {
            s.push_str("---|");
        }
        s.push('\n');
        let mut notes: Vec<String> = Vec::new();
        for (id, title) in FLOWS {
            let _ = write!(s, "| {title} |");
            for p in &self.peers {
                match p.outcome(id) {
                    Ok(o) => match o.detail() {
                        Some(d) => {
                            notes.push(format!("{} — {title}: {d}", p.name));
                            let _ = write!(s, " {} [{}] |", o.cell(), notes.len());
                        }
                        None => {
                            let _ = write!(s, " {} |", o.cell());
                        }
                    },
                    Err(why) => {
                        let _ = write!(s, " {} |", why.split(':').next().unwrap_or("skipped"));
                    }
                }
            }
            s.push('\n');
        }
        let mut whole = Vec::new();
        for p in &self.peers {
            match &p.run {
                PeerRun::Skipped(why) => whole.push(format!("{}: skipped: {why}", p.name)),
                PeerRun::Broken(why) => whole.push(format!("{}: FAIL: {why}", p.name)),
                PeerRun::Ran(_) => {}
            }
        }
        if !whole.is_empty() {
            s.push_str("\nPeers that did not run:\n\n");
            for w in whole {
                let _ = writeln!(s, "- {}", escape(&w));
            }
        }
        if !notes.is_empty() {
            s.push_str("\nNotes:\n\n");
            for (i, n) in notes.iter().enumerate() {
                let _ = writeln!(s, "{}. {}", i + 1, escape(n));
            }
        }
        s
    }
}

/// Keeps a one-line note from breaking the markdown list.
fn escape(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn report(strict: bool) -> Report {
        let mut ran = BTreeMap::new();
        for (id, _) in FLOWS {
            ran.insert((*id).to_owned(), Outcome::Pass);
        }
        ran.insert(
            "custom_auth".to_owned(),
            Outcome::Unsupported("no API".to_owned()),
        );
        ran.remove("admin");
        Report {
            peers: vec![
                PeerReport {
                    name: "a".to_owned(),
                    run: PeerRun::Ran(ran),
                },
                PeerReport {
                    name: "b".to_owned(),
                    run: PeerRun::Skipped("no node".to_owned()),
                },
            ],
            strict,
        }
    }

    #[test]
    fn a_missing_flow_fails_and_a_skipped_peer_fails_only_when_strict() {
        let lax = report(false).failures();
        assert_eq!(lax.len(), 1, "{lax:?}");
        assert_eq!(lax[0].1, "Admin operations (SigV4)");
        let strict = report(true).failures();
        assert_eq!(strict.len(), 2, "{strict:?}");
        assert!(strict[1].2.contains("no node"));
    }

    #[test]
    fn markdown_has_a_row_per_flow_and_numbered_notes() {
        let md = report(false).markdown("# r\n");
        assert_eq!(
            md.lines().filter(|l| l.starts_with("| ")).count(),
            FLOWS.len() + 1
        );
        assert!(
            md.contains("| CUSTOM_AUTH | unsupported [1] | skipped |"),
            "{md}"
        );
        assert!(md.contains("1. a — CUSTOM_AUTH: no API"), "{md}");
        assert!(md.contains("**FAIL** [2]"), "{md}");
        assert!(md.contains("- b: skipped: no node"), "{md}");
    }

    #[test]
    fn script_statuses() {
        assert_eq!(Outcome::from_status("pass", ""), Outcome::Pass);
        assert!(matches!(
            Outcome::from_status("weird", "x"),
            Outcome::Fail(_)
        ));
    }
}
