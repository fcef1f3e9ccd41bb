//! Tidy: `docs/ARCHITECTURE.md`'s invariants, checked on the sources themselves.
//!
//! - `srp_core_does_no_io`: no IO crate (async runtime, HTTP, TLS, sockets) among srp-core's
//!   normal dependencies, direct or not, and no `std::fs` / `std::net` / `std::process` in it;
//! - `cognito_vocabulary_is_typed`: no challenge name, auth-parameter, challenge-parameter or
//!   challenge-response key as a string literal in library code outside
//!   `crates/cognito-wire/src/vocab.rs` (and the generated model);
//! - `secrets_are_exposed_in_few_places`: `.expose()`, `.into_exposed()` and `.as_str()` of a
//!   secret-named value only where [`EXPOSE_ALLOWED`] says;
//! - `no_unwrap_or_expect_in_library_code`: no `.unwrap()` / `.expect(..)` in library code;
//! - `public_types_can_grow`: every `pub struct` / `pub enum` of a published crate's public API
//!   (as `api/<crate>.txt` lists it) is `#[non_exhaustive]`, has a private field, or is on
//!   [`MAY_NOT_GROW`] with the reason.
//!
//! "Library code" is `crates/*/src/**/*.rs` except binaries (`src/main.rs`, `src/bin/`), without
//! `#[cfg(test)]` / `#[test]` items and without attributes (doc comments). Tests, examples,
//! benches, fuzz targets and xtask may speak the wire in the raw: they check it.
//!
//! The allow-lists count occurrences per file: a file may not go above its count (a new use
//! fails), and an entry whose file no longer has any must be removed. Shrink them as the code
//! migrates.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;

// ---------------------------------------------------------------------------------------------
// Allow-lists. Each entry: (file, how many, why). Keep the reason true; shrink the counts.

/// Files whose library code still spells Cognito's vocabulary as string literals.
const VOCABULARY_ALLOWED: &[(&str, usize, &str)] = &[
    (
        "crates/srp-core/src/client.rs",
        1,
        "error messages name the field as Cognito does; srp-core is pure math and does not depend on cognito-wire",
    ),
    (
        "crates/srp-core/src/exchange.rs",
        2,
        "error messages name the field as Cognito does; srp-core is pure math and does not depend on cognito-wire",
    ),
    (
        "crates/srp-core/src/inputs.rs",
        6,
        "error messages name the field as Cognito does; srp-core is pure math and does not depend on cognito-wire",
    ),
    (
        "crates/srp-core/src/server.rs",
        1,
        "error messages name the field as Cognito does; srp-core is pure math and does not depend on cognito-wire",
    ),
];

/// Files that may expose secrets, and how often.
const EXPOSE_ALLOWED: &[(&str, usize, &str)] = &[
    (
        "crates/cognito-admin/src/attributes.rs",
        1,
        "attribute values as a plain map (pycognito's cognito_to_dict)",
    ),
    (
        "crates/cognito-emulator/src/hosted.rs",
        10,
        "the managed login pages are Cognito's own: they pass the form's codes and passwords to the sign-in state machine, compute SECRET_HASH with the client's secret, and show the TOTP set-up secret to the user",
    ),
    (
        "crates/cognito-emulator/src/hosted_pages.rs",
        1,
        "the challenge name NEW_PASSWORD_REQUIRED as a form value (no secret: the name has the word)",
    ),
    (
        "crates/cognito-emulator/src/oauth_token.rs",
        5,
        "GetClientToken looks the app client up by its id and compares its secret (constant time); the token endpoint writes the tokens it issues on the wire",
    ),
    (
        "crates/cognito-emulator/src/token_exchange.rs",
        4,
        "GetDerivedToken looks the app client up by its id, compares its secret (constant time) and verifies the subject and actor tokens",
    ),
    (
        "crates/pycognito-rs/src/cli/m2m.rs",
        1,
        "`pycognito token` prints the M2M access token (its output) and keeps it in its 0600 cache file",
    ),
    (
        "crates/cognito-auth/src/oauth/endpoint.rs",
        1,
        "the app client's secret goes on the wire in the OAuth endpoints' HTTP Basic authorization (RFC 6749 2.3.1)",
    ),
    (
        "crates/cognito-auth/src/oauth/code.rs",
        7,
        "the code flow sends the code, PKCE verifier and refresh token in token-endpoint forms and the access token as Bearer, hashes the access token for at_hash and reads the id token's claims",
    ),
    (
        "crates/cognito-auth/src/account.rs",
        2,
        "the driver hashes, signs and sends secrets (SRP, SECRET_HASH, tokens on the wire)",
    ),
    (
        "crates/cognito-auth/src/client.rs",
        2,
        "the driver hashes, signs and sends secrets (SRP, SECRET_HASH, tokens on the wire)",
    ),
    (
        "crates/cognito-auth/src/signin/config.rs",
        1,
        "the driver hashes, signs and sends secrets (SRP, SECRET_HASH, tokens on the wire)",
    ),
    (
        "crates/cognito-auth/src/signin/mod.rs",
        6,
        "the driver hashes, signs and sends secrets (SRP, SECRET_HASH, tokens on the wire)",
    ),
    (
        "crates/cognito-auth/src/signin/question.rs",
        1,
        "the driver hashes, signs and sends secrets (SRP, SECRET_HASH, tokens on the wire)",
    ),
    (
        "crates/cognito-auth/src/tokens.rs",
        2,
        "the driver hashes, signs and sends secrets (SRP, SECRET_HASH, tokens on the wire)",
    ),
    (
        "crates/cognito-emulator/src/admin.rs",
        12,
        "the emulator is the server: it compares, hashes and stores what clients send",
    ),
    (
        "crates/cognito-emulator/src/auth.rs",
        1,
        "the emulator is the server: it compares, hashes and stores what clients send",
    ),
    (
        "crates/cognito-emulator/src/coverage.rs",
        5,
        "the emulator is the server: it compares, hashes and stores what clients send",
    ),
    (
        "crates/cognito-emulator/src/events.rs",
        2,
        "the emulator is the server: it compares, hashes and stores what clients send",
    ),
    (
        "crates/cognito-emulator/src/ops.rs",
        43,
        "the emulator is the server: it compares, hashes and stores what clients send",
    ),
    (
        "crates/cognito-emulator/src/pools.rs",
        5,
        "the emulator is the server: it compares, hashes and stores what clients send",
    ),
    (
        "crates/cognito-emulator/src/secrets.rs",
        5,
        "the emulator is the server: it compares, hashes and stores what clients send",
    ),
    (
        "crates/cognito-wire/src/vocab.rs",
        1,
        "the vocabulary reads parameter values it parses",
    ),
    (
        "crates/pycognito-rs/src/cli/admin.rs",
        3,
        "the CLI prints tokens and secrets the user asked for, and hands answers on",
    ),
    (
        "crates/pycognito-rs/src/cli/user.rs",
        21,
        "the CLI prints tokens and secrets the user asked for, and hands answers on",
    ),
    (
        "crates/pycognito-rs/src/demo.rs",
        8,
        "the demo shows tokens and TOTP secrets to the user",
    ),
    (
        "crates/pycognito-rs/src/facade/account.rs",
        3,
        "the pycognito facade returns plain strings where pycognito does",
    ),
    (
        "crates/pycognito-rs/src/facade/admin.rs",
        2,
        "the pycognito facade returns plain strings where pycognito does",
    ),
    (
        "crates/pycognito-rs/src/facade/auth.rs",
        2,
        "the pycognito facade returns plain strings where pycognito does",
    ),
    (
        "crates/pycognito-rs/src/facade/mod.rs",
        1,
        "the pycognito facade returns plain strings where pycognito does",
    ),
    (
        "crates/pycognito-rs/src/facade/objects.rs",
        1,
        "the pycognito facade returns plain strings where pycognito does",
    ),
    (
        "crates/pycognito-rs/src/middleware.rs",
        1,
        "the bearer middleware reads the token it verifies",
    ),
    (
        "crates/srp-core/src/claim.rs",
        1,
        "the SRP math hashes the password / device secret bytes",
    ),
    (
        "crates/srp-core/src/exchange.rs",
        4,
        "the SRP math hashes the password / device secret bytes",
    ),
];

/// Library files that still call `.unwrap()` / `.expect(..)`, and how often.
const UNWRAP_ALLOWED: &[(&str, usize, &str)] = &[
    (
        "crates/cognito-emulator/src/store.rs",
        1,
        "to fix: the emulator's store (rewrite in progress)",
    ),
    (
        "crates/pycognito-rs/src/facade/auth.rs",
        5,
        "false positive: the facade's own `expect(question, name)` method, not Option/Result::expect",
    ),
];

/// Public structs and enums that are neither `#[non_exhaustive]` nor closed by a private field:
/// `("crate::Type", why)`, or `("crate::*", why)` for a crate's generated model (`src/model/`).
const MAY_NOT_GROW: &[(&str, &str)] = &[
    (
        "cognito-wire::*",
        "generated: the shapes are #[non_exhaustive] (cargo xtask codegen's default, docs/build.md); the operation types op::X are unit markers",
    ),
    (
        "cognito-auth::DeviceCredentials",
        "Cognito's three device values (key, group key, password), a closed record: callers that keep devices themselves construct it",
    ),
    (
        "cognito-auth::DeviceKeyRef",
        "the device store's key (pool, app client, sign-in name), a closed record implementations of DeviceStore construct",
    ),
    (
        "cognito-auth::MfaSetting",
        "Cognito's two MFA flags (enabled, preferred), the shape of its *MfaSettingsType",
    ),
    (
        "cognito-auth::SystemClock",
        "a unit marker type: it has nothing to grow",
    ),
    (
        "cognito-emulator::SystemClock",
        "a unit marker type: it has nothing to grow",
    ),
    (
        "cognito-wire::Empty",
        "the empty answer `{}`, by definition",
    ),
    (
        "cognito-wire::EpochSeconds",
        "the wire's timestamp number; its one field is the value",
    ),
    (
        "cognito-wire::SigningContext",
        "what the client tells a Signer about one call (operation, SigV4 signing name, region): the SigV4 inputs, fixed by the protocol; Signer tests build it",
    ),
    (
        "cognito-wire::TokioSleep",
        "a unit marker type: it has nothing to grow",
    ),
    (
        "srp-core::DeviceVerifierConfig",
        "Cognito's DeviceSecretVerifierConfig pair (verifier, salt): a closed record the emulator builds from the request",
    ),
];

// ---------------------------------------------------------------------------------------------
// The vocabulary (Cognito's docs: InitiateAuth / AdminInitiateAuth AuthParameters,
// ChallengeParameters, RespondToAuthChallenge ChallengeResponses, ChallengeNameType).

/// Auth-parameter, challenge-parameter and challenge-response keys. (`EMAIL` is left out: it is
/// also a delivery medium and a `UsernameAttributes` value.)
const KEYS: &[&str] = &[
    "USERNAME",
    "PASSWORD",
    "SECRET_HASH",
    "SRP_A",
    "SRP_B",
    "SALT",
    "SECRET_BLOCK",
    "USER_ID_FOR_SRP",
    "PASSWORD_CLAIM_SECRET_BLOCK",
    "PASSWORD_CLAIM_SIGNATURE",
    "TIMESTAMP",
    "DEVICE_KEY",
    "REFRESH_TOKEN",
    "NEW_PASSWORD",
    "SMS_MFA_CODE",
    "SOFTWARE_TOKEN_MFA_CODE",
    "EMAIL_OTP_CODE",
    "SMS_OTP_CODE",
    "ANSWER",
    "CHALLENGE_NAME",
    "PREFERRED_CHALLENGE",
    "CREDENTIAL",
    "CREDENTIAL_REQUEST_OPTIONS",
    "CODE_DELIVERY_DESTINATION",
    "CODE_DELIVERY_DELIVERY_MEDIUM",
    "MFAS_CAN_SETUP",
    "MFAS_CAN_CHOOSE",
    "AVAILABLE_CHALLENGES",
    "userAttributes",
    "requiredAttributes",
    "FRIENDLY_DEVICE_NAME",
];

/// Challenge names (`ChallengeNameType`).
const CHALLENGE_NAMES: &[&str] = &[
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "ADMIN_NO_SRP_AUTH",
    "NEW_PASSWORD_REQUIRED",
    "SMS_OTP",
    "PASSWORD",
    "WEB_AUTHN",
    "PASSWORD_SRP",
];

/// The vocabulary module and the generated model: the only places that spell the vocabulary.
const VOCABULARY_HOMES: &[&str] = &[
    "crates/cognito-wire/src/vocab.rs",
    "crates/cognito-wire/src/model/",
];

/// Crates that do IO: none may be among srp-core's normal dependencies.
const IO_CRATES: &[&str] = &[
    "tokio",
    "tokio-util",
    "tokio-rustls",
    "mio",
    "async-std",
    "async-io",
    "smol",
    "futures-io",
    "hyper",
    "hyper-util",
    "hyper-rustls",
    "h2",
    "http",
    "http-body",
    "reqwest",
    "ureq",
    "isahc",
    "surf",
    "curl",
    "tower",
    "axum",
    "rustls",
    "native-tls",
    "openssl",
    "socket2",
    "tungstenite",
];

/// Receivers whose `.as_str()` reads a secret (the name of the value or field it is called on
/// contains one of these).
const SECRET_NAMES: &[&str] = &[
    "password", "secret", "token", "session", "verifier", "answer",
];

// ---------------------------------------------------------------------------------------------
// Sources.

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap().to_path_buf()
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `crates/<crate>/src/**/*.rs` of every crate, without binaries.
fn library_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let crates = std::fs::read_dir(root().join("crates")).unwrap();
    for c in crates.flatten() {
        rs_files(&c.path().join("src"), &mut files);
    }
    files.retain(|f| {
        let r = rel(f);
        !r.ends_with("/src/main.rs") && !r.contains("/src/bin/")
    });
    files.sort();
    files
}

/// Is this item compiled only for tests (`#[cfg(test)]`, `#[test]`, `#[tokio::test]`)?
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path().to_token_stream().to_string().replace(' ', "");
        if path == "test" || path.ends_with("::test") {
            return true;
        }
        if path == "cfg" {
            let args = a.meta.to_token_stream().to_string().replace(' ', "");
            return args.contains("test") && !args.contains("not(test)");
        }
        false
    })
}

/// The token streams of a file's non-test items (nested modules and impl blocks entered, so
/// that their test-only parts are left out).
fn library_tokens(items: &[syn::Item], out: &mut Vec<TokenStream>) {
    for item in items {
        match item {
            syn::Item::Mod(m) if is_test(&m.attrs) => {}
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    library_tokens(inner, out);
                }
            }
            syn::Item::Impl(i) if is_test(&i.attrs) => {}
            syn::Item::Impl(i) => {
                for ii in &i.items {
                    let attrs = match ii {
                        syn::ImplItem::Fn(f) => &f.attrs,
                        syn::ImplItem::Const(c) => &c.attrs,
                        syn::ImplItem::Type(t) => &t.attrs,
                        syn::ImplItem::Macro(m) => &m.attrs,
                        _ => continue,
                    };
                    if !is_test(attrs) {
                        out.push(ii.to_token_stream());
                    }
                }
            }
            syn::Item::Fn(f) if is_test(&f.attrs) => {}
            other => {
                let attrs: &[syn::Attribute] = match other {
                    syn::Item::Const(x) => &x.attrs,
                    syn::Item::Static(x) => &x.attrs,
                    syn::Item::Struct(x) => &x.attrs,
                    syn::Item::Enum(x) => &x.attrs,
                    syn::Item::Use(x) => &x.attrs,
                    syn::Item::Macro(x) => &x.attrs,
                    syn::Item::Trait(x) => &x.attrs,
                    syn::Item::Type(x) => &x.attrs,
                    syn::Item::Fn(x) => &x.attrs,
                    _ => &[],
                };
                if !is_test(attrs) {
                    out.push(other.to_token_stream());
                }
            }
        }
    }
}

/// What a file's library code contains, token by token (macro bodies included; attributes,
/// hence doc comments, left out).
#[derive(Default)]
struct Scan {
    /// String literals: (line, value).
    strings: Vec<(usize, String)>,
    /// Method calls `.name(`: (line, name, the nearest identifier before the dot).
    calls: Vec<(usize, String, String)>,
    /// Paths `std::x`: (line, x).
    std_paths: Vec<(usize, String)>,
}

fn scan_stream(ts: TokenStream, scan: &mut Scan, last_ident: &mut String) {
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            // `#[...]` and `#![...]`: attributes, doc comments among them.
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let mut j = i + 1;
                if matches!(tokens.get(j), Some(TokenTree::Punct(q)) if q.as_char() == '!') {
                    j += 1;
                }
                if matches!(tokens.get(j), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket)
                {
                    i = j + 1;
                    continue;
                }
            }
            TokenTree::Punct(p) if p.as_char() == '.' => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(g))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                    && g.delimiter() == Delimiter::Parenthesis
                {
                    scan.calls.push((
                        name.span().start().line,
                        name.to_string(),
                        last_ident.clone(),
                    ));
                }
            }
            TokenTree::Ident(id) => {
                let s = id.to_string();
                if s == "std"
                    && let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) =
                        (tokens.get(i + 1), tokens.get(i + 2))
                    && a.as_char() == ':'
                    && b.as_char() == ':'
                {
                    match tokens.get(i + 3) {
                        Some(TokenTree::Ident(x)) => {
                            scan.std_paths.push((x.span().start().line, x.to_string()));
                        }
                        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                            for t in g.stream() {
                                if let TokenTree::Ident(x) = t {
                                    scan.std_paths.push((x.span().start().line, x.to_string()));
                                }
                            }
                        }
                        _ => {}
                    }
                }
                *last_ident = s;
            }
            TokenTree::Literal(lit) => {
                if let syn::Lit::Str(s) = syn::Lit::new(lit.clone()) {
                    scan.strings.push((lit.span().start().line, s.value()));
                }
            }
            TokenTree::Group(g) => {
                let mut inner_last = last_ident.clone();
                scan_stream(g.stream(), scan, &mut inner_last);
            }
            TokenTree::Punct(_) => {}
        }
        i += 1;
    }
}

/// Every library file, scanned once (the tests run in parallel and share it).
fn library_scans() -> &'static [(PathBuf, Scan)] {
    static SCANS: std::sync::OnceLock<Vec<(PathBuf, Scan)>> = std::sync::OnceLock::new();
    SCANS.get_or_init(|| {
        library_files()
            .into_iter()
            .map(|f| {
                let scan = scan_file(&f);
                (f, scan)
            })
            .collect()
    })
}

/// Parses and scans a library file.
fn scan_file(path: &Path) -> Scan {
    let text = std::fs::read_to_string(path).unwrap();
    let file =
        syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: does not parse: {e}", rel(path)));
    let mut streams = Vec::new();
    library_tokens(&file.items, &mut streams);
    let mut scan = Scan::default();
    for ts in streams {
        let mut last = String::new();
        scan_stream(ts, &mut scan, &mut last);
    }
    scan
}

/// Checks per-file findings against an allow-list; returns the failure report.
fn ratchet(
    what: &str,
    todo: &str,
    findings: &BTreeMap<String, Vec<(usize, String)>>,
    allowed: &[(&str, usize, &str)],
) -> Vec<String> {
    let allowed: HashMap<&str, usize> = allowed.iter().map(|(f, n, _)| (*f, *n)).collect();
    let mut failures = Vec::new();
    for (file, hits) in findings {
        let limit = allowed.get(file.as_str()).copied().unwrap_or(0);
        if hits.len() > limit {
            let mut msg = format!("{file}: {} {what} (allowed: {limit}); {todo}", hits.len());
            for (line, detail) in hits {
                msg.push_str(&format!("\n    {file}:{line}: {detail}"));
            }
            failures.push(msg);
        } else if hits.len() < limit {
            eprintln!(
                "note: {file} has {} {what}, its allowance is {limit}: lower the allowance",
                hits.len()
            );
        }
    }
    if std::env::var_os("TIDY_SUGGEST").is_some() {
        for (file, hits) in findings {
            eprintln!("SUGGEST {what}\t{file}\t{}", hits.len());
        }
    }
    for (file, _) in allowed {
        if !findings.contains_key(file) {
            failures.push(format!(
                "{file}: on the allow-list for {what} but has none any more: remove its entry"
            ));
        }
    }
    failures
}

fn fail_if_any(failures: Vec<String>) {
    if !failures.is_empty() {
        panic!("\n{}\n", failures.join("\n"));
    }
}

// ---------------------------------------------------------------------------------------------
// (a) srp-core does no IO.

#[test]
fn srp_core_does_no_io() {
    // The host's graph only (`--filter-platform`): cargo has downloaded what the host builds,
    // and a fresh machine has no other platform's crates (`--offline` would fail on them).
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = std::process::Command::new(cargo)
        .current_dir(root())
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", host])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let start = names
        .iter()
        .find(|(_, n)| **n == "srp-core")
        .map(|(id, _)| *id)
        .expect("srp-core is a workspace member");
    // Every package reachable from srp-core over normal (not dev, not build) edges.
    let mut via: HashMap<&str, &str> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(id) = queue.pop_front() {
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            let pkg = dep["pkg"].as_str().unwrap();
            if normal && pkg != start && !via.contains_key(pkg) {
                via.insert(pkg, id);
                queue.push_back(pkg);
            }
        }
    }
    let mut failures = Vec::new();
    for (pkg, parent) in &via {
        let name = names[pkg];
        if IO_CRATES.contains(&name) {
            failures.push(format!(
                "srp-core depends on {name} (through {}): srp-core is the pure SRP math and does \
                 no IO (docs/ARCHITECTURE.md); move the IO to cognito-auth",
                names[parent]
            ));
        }
    }
    let mut files = Vec::new();
    rs_files(&root().join("crates/srp-core/src"), &mut files);
    files.sort();
    for f in files {
        for (line, module) in scan_file(&f).std_paths {
            if matches!(module.as_str(), "fs" | "net" | "process" | "env") {
                failures.push(format!(
                    "{}:{line}: std::{module} in srp-core: srp-core does no IO; take the data \
                     as an argument instead",
                    rel(&f)
                ));
            }
        }
    }
    fail_if_any(failures);
}

// ---------------------------------------------------------------------------------------------
// (b) The vocabulary is typed.

#[test]
fn cognito_vocabulary_is_typed() {
    let words: BTreeSet<&str> = KEYS.iter().chain(CHALLENGE_NAMES).copied().collect();
    let mut findings: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (f, scan) in library_scans() {
        let r = rel(f);
        if VOCABULARY_HOMES.iter().any(|h| r.starts_with(h)) {
            continue;
        }
        for (line, s) in &scan.strings {
            if words.contains(s.as_str()) || s.starts_with("userAttributes.") {
                findings
                    .entry(r.clone())
                    .or_default()
                    .push((*line, format!("\"{s}\"")));
            }
        }
    }
    fail_if_any(ratchet(
        "string literals of Cognito's vocabulary",
        "use cognito_wire::vocab (Key, Params, ChallengeParams) or ChallengeNameType instead",
        &findings,
        VOCABULARY_ALLOWED,
    ));
}

#[test]
fn the_vocabulary_module_knows_every_key() {
    let vocab = std::fs::read_to_string(root().join("crates/cognito-wire/src/vocab.rs")).unwrap();
    let missing: Vec<&str> = KEYS
        .iter()
        .filter(|k| !vocab.contains(&format!("\"{k}\"")))
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "crates/cognito-wire/src/vocab.rs does not spell {missing:?}: add them to its Key, or \
         take them off this test's KEYS if Cognito dropped them"
    );
}

// ---------------------------------------------------------------------------------------------
// (c) Secrets are exposed in few places.

#[test]
fn secrets_are_exposed_in_few_places() {
    let mut findings: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (f, scan) in library_scans() {
        let r = rel(f);
        for (line, name, receiver) in &scan.calls {
            let receiver_lc = receiver.to_lowercase();
            let hit = match name.as_str() {
                "expose" | "into_exposed" => true,
                "as_str" => SECRET_NAMES.iter().any(|s| receiver_lc.contains(s)),
                _ => false,
            };
            if hit {
                findings
                    .entry(r.clone())
                    .or_default()
                    .push((*line, format!("{receiver}.{name}()")));
            }
        }
    }
    fail_if_any(ratchet(
        "reads of a secret's value",
        "hand the SensitiveString (or the secret type) on instead of its text, or, where the text \
         must leave (a hash, the wire, a prompt), add the file to EXPOSE_ALLOWED with the reason",
        &findings,
        EXPOSE_ALLOWED,
    ));
}

// ---------------------------------------------------------------------------------------------
// (d) No unwrap/expect in library code.

#[test]
fn no_unwrap_or_expect_in_library_code() {
    let mut findings: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (f, scan) in library_scans() {
        let r = rel(f);
        for (line, name, receiver) in &scan.calls {
            if name == "unwrap" || name == "expect" {
                findings
                    .entry(r.clone())
                    .or_default()
                    .push((*line, format!("{receiver}.{name}(..)")));
            }
        }
    }
    fail_if_any(ratchet(
        "calls of .unwrap() / .expect(..) in library code",
        "return a typed error (bad input must never panic), or use a total alternative \
         (unwrap_or, let-else, ...)",
        &findings,
        UNWRAP_ALLOWED,
    ));
}

// ---------------------------------------------------------------------------------------------
// (e) Public types can grow.

/// A struct or enum definition found in a crate's sources.
struct Definition {
    file: String,
    line: usize,
    non_exhaustive: bool,
    /// A struct with a field that is not `pub` (it cannot be built or matched field by field
    /// outside its crate, so it can grow).
    closed: bool,
}

fn definitions(crate_dir: &Path) -> HashMap<String, Vec<Definition>> {
    fn walk(items: &[syn::Item], file: &str, out: &mut HashMap<String, Vec<Definition>>) {
        for item in items {
            let (ident, attrs, closed) = match item {
                syn::Item::Mod(m) if !is_test(&m.attrs) => {
                    if let Some((_, inner)) = &m.content {
                        walk(inner, file, out);
                    }
                    continue;
                }
                syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                    let closed = s
                        .fields
                        .iter()
                        .any(|f| !matches!(f.vis, syn::Visibility::Public(_)));
                    (&s.ident, &s.attrs, closed)
                }
                syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                    (&e.ident, &e.attrs, false)
                }
                _ => continue,
            };
            if is_test(attrs) {
                continue;
            }
            let non_exhaustive = attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
            out.entry(ident.to_string()).or_default().push(Definition {
                file: file.to_string(),
                line: ident.span().start().line,
                non_exhaustive,
                closed,
            });
        }
    }
    let mut files = Vec::new();
    rs_files(&crate_dir.join("src"), &mut files);
    files.sort();
    let mut out = HashMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let Ok(file) = syn::parse_file(&text) else {
            continue;
        };
        walk(&file.items, &rel(&f), &mut out);
    }
    out
}

#[test]
fn public_types_can_grow() {
    let api_dir = root().join("api");
    let mut snapshots: Vec<PathBuf> = std::fs::read_dir(&api_dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run `cargo xtask public-api`)", api_dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    snapshots.sort();
    let listed: HashMap<&str, &str> = MAY_NOT_GROW.iter().copied().collect();
    let mut used = BTreeSet::new();
    let mut failures = Vec::new();
    for snapshot in snapshots {
        let package = snapshot.file_stem().unwrap().to_string_lossy().into_owned();
        let crate_dir = root().join("crates").join(&package);
        if !crate_dir.is_dir() {
            continue;
        }
        let defs = definitions(&crate_dir);
        // Type names the public API reaches, from the snapshot's `pub struct` / `pub enum` lines.
        let mut reached = BTreeSet::new();
        for line in std::fs::read_to_string(&snapshot).unwrap().lines() {
            let rest = line.trim_start_matches("#[non_exhaustive] ");
            let Some(path) = rest
                .strip_prefix("pub struct ")
                .or_else(|| rest.strip_prefix("pub enum "))
            else {
                continue;
            };
            let path = path.split(['<', '(', ' ']).next().unwrap_or(path);
            if let Some(name) = path.rsplit("::").next() {
                reached.insert(name.to_string());
            }
        }
        for name in reached {
            let Some(found) = defs.get(&name) else {
                continue;
            };
            for d in found {
                if d.non_exhaustive || d.closed {
                    continue;
                }
                let key = format!("{package}::{name}");
                let wildcard = format!("{package}::*");
                if listed.contains_key(key.as_str()) {
                    used.insert(key);
                    continue;
                }
                if listed.contains_key(wildcard.as_str()) && d.file.contains("/src/model/") {
                    used.insert(wildcard);
                    continue;
                }
                if std::env::var_os("TIDY_SUGGEST").is_some() {
                    eprintln!("SUGGEST grow\t{key}\t{}:{}", d.file, d.line);
                }
                failures.push(format!(
                    "{}:{}: pub {name} of {package}'s public API is not #[non_exhaustive]: mark \
                     it #[non_exhaustive] (and give it a constructor or builder), or add \
                     (\"{key}\", \"<why it never grows>\") to MAY_NOT_GROW in tests/tidy/main.rs",
                    d.file, d.line
                ));
            }
        }
    }
    for (key, _) in MAY_NOT_GROW {
        if !used.contains(*key) {
            failures.push(format!(
                "MAY_NOT_GROW lists {key}, which is #[non_exhaustive] now or no longer public: \
                 remove its entry"
            ));
        }
    }
    fail_if_any(failures);
}
