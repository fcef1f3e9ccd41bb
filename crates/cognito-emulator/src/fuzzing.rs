//! Fuzzing entry point (feature `fuzzing`, not part of the public API): requests dispatched
//! through the emulator's request handling without sockets, against an in-memory emulator with
//! a seeded RNG, a manual clock and a pre-provisioned pool, so that fuzzed bodies reach the
//! operations rather than stopping at "pool not found".
//!
//! [`Harness::new`] builds the template once (pool [`POOL_ID`], a public and a confidential
//! client, users with and without MFA, tokens for `alice`); every [`Harness::run`] starts from a
//! copy of that state, so runs are independent and reproducible.

use crate::config::{EmulatorConfig, IssuerMode, ManualClock};
use crate::error::ApiError;
use crate::inner::Inner;
use crate::spec::{ClientSpec, DeviceTracking, MfaConfig, PoolSpec, UserMfaSpec, UserSpec};
use crate::store::{Store, TempFile};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use bytes::Bytes;
use cognito_wire::vocab::Key;
use http_body_util::Full;
use hyper::body::Body;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, UNIX_EPOCH};

/// The pre-provisioned pool.
pub const POOL_ID: &str = "us-east-1_FuzzPool1";
/// A public app client of [`POOL_ID`] allowing every flow.
pub const PUBLIC_CLIENT: &str = "fuzzpublicclient";
/// A confidential app client of [`POOL_ID`] (secret [`CLIENT_SECRET`]).
pub const CONFIDENTIAL_CLIENT: &str = "fuzzconfidentialclient";
/// The secret of [`CONFIDENTIAL_CLIENT`].
pub const CLIENT_SECRET: &str = "fuzzclientsecret0123456789";
/// The password of every pre-provisioned user (`carol`'s is temporary).
pub const PASSWORD: &str = "Passw0rd!";
/// The pool's domain (its OAuth 2.0 endpoints and pages at `/_domain/fuzz-domain/...`).
pub const DOMAIN: &str = "fuzz-domain";
/// The clients' callback (and logout) URL.
pub const CALLBACK: &str = "http://localhost:8765/callback";
/// The base32 TOTP secret of `bob`.
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
/// The emulator clock (unix seconds) of every run.
pub const NOW: u64 = 1_750_000_000;
/// The RNG seed of every run.
pub const SEED: u64 = 0x00F0_2200;
/// Requests per input beyond which the rest is ignored.
pub const MAX_REQUESTS: usize = 8;
/// Separator of the requests of one input.
pub const SEPARATOR: &[u8] = b"\n=====\n";

/// A response: status and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// HTTP status.
    pub status: u16,
    /// `x-amzn-errortype`, if any.
    pub error_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// The template state and the tokens issued to `alice` in it.
#[derive(Debug)]
pub struct Harness {
    /// The template database, copied for every run.
    template: TempFile,
    /// `alice`'s access token.
    pub access_token: String,
    /// `alice`'s id token.
    pub id_token: String,
    /// `alice`'s refresh token.
    pub refresh_token: String,
    /// The JWKS of [`POOL_ID`] (as served at `/<pool>/.well-known/jwks.json`).
    pub jwks: Vec<u8>,
}

fn config() -> EmulatorConfig {
    EmulatorConfig {
        clock: Some(Arc::new(ManualClock::at_unix(NOW))),
        rng_seed: Some(SEED),
        issuer: IssuerMode::Aws,
        ..EmulatorConfig::default()
    }
}

fn body_bytes(mut body: Full<Bytes>) -> Vec<u8> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
        if let Ok(data) = frame.into_data() {
            out.extend_from_slice(&data);
        }
    }
    out
}

fn user(name: &str) -> UserSpec {
    UserSpec::new(name, PASSWORD).attribute("email", format!("{name}@example.com"))
}

/// The hidden `session` field of a managed login page.
fn html_session(body: &[u8]) -> Option<String> {
    let html = std::str::from_utf8(body).ok()?;
    let marker = "name=\"session\" value=\"";
    let at = html.find(marker)? + marker.len();
    let rest = html.get(at..)?;
    Some(rest.get(..rest.find('"')?)?.to_owned())
}

impl Harness {
    /// Provisions the template: pool [`POOL_ID`] (MFA optional, devices opt-in, domain
    /// [`DOMAIN`] with the code flow to [`CALLBACK`]), clients
    /// [`PUBLIC_CLIENT`] and [`CONFIDENTIAL_CLIENT`], users `alice` (group `admins`), `bob`
    /// (TOTP MFA), `carol` (temporary password), `dave` (SMS MFA), `erin` (email MFA), and
    /// signs `alice` in once (which also creates the pool's signing key).
    pub fn new() -> Result<Self, ApiError> {
        let (store, _) = Store::open(None).map_err(crate::error::internal)?;
        let inner = Arc::new(Inner::new(config(), store));
        crate::txn::transact(&inner, |ctx| {
            let mut st = ctx.lock();
            let st = &mut *st;
            crate::inner::create_pool(
                ctx,
                st,
                PoolSpec {
                    id: Some(POOL_ID.to_owned()),
                    mfa: MfaConfig::Optional,
                    device_tracking: DeviceTracking::UserOptIn,
                    ..PoolSpec::named("fuzz")
                },
                serde_json::Value::Null,
            )?;
            let flows = [
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_USER_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ]
            .map(str::to_owned)
            .to_vec();
            let public = ClientSpec {
                client_id: Some(PUBLIC_CLIENT.to_owned()),
                explicit_auth_flows: flows.clone(),
                ..ClientSpec::public("public")
            };
            let confidential = ClientSpec {
                client_id: Some(CONFIDENTIAL_CLIENT.to_owned()),
                client_secret: Some(CLIENT_SECRET.to_owned()),
                explicit_auth_flows: flows,
                ..ClientSpec::confidential("confidential")
            };
            // Both clients may use the code flow of the pool's domain ([`DOMAIN`]).
            let oauth = serde_json::json!({
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "aws.cognito.signin.user.admin"],
                "CallbackURLs": [CALLBACK],
                "LogoutURLs": [CALLBACK],
                "SupportedIdentityProviders": ["COGNITO"],
            });
            for c in [public, confidential] {
                crate::inner::create_client(ctx, st, POOL_ID, c, oauth.clone())?;
            }
            let mut users = vec![
                UserSpec {
                    groups: vec!["admins".to_owned()],
                    ..user("alice")
                },
                UserSpec {
                    mfa: UserMfaSpec {
                        totp_secret: Some(TOTP_SECRET.to_owned()),
                        preferred: Some(crate::state::MfaKind::SoftwareToken.name()),
                        ..UserMfaSpec::default()
                    },
                    ..user("bob")
                },
                UserSpec {
                    password: None,
                    temporary_password: Some(PASSWORD.to_owned()),
                    ..user("carol")
                },
                UserSpec {
                    mfa: UserMfaSpec {
                        sms: true,
                        ..UserMfaSpec::default()
                    },
                    ..user("dave").attribute("phone_number", "+15550100")
                },
                UserSpec {
                    mfa: UserMfaSpec {
                        email: true,
                        ..UserMfaSpec::default()
                    },
                    ..user("erin")
                },
            ];
            for u in users.drain(..) {
                crate::provision_user(ctx, st, POOL_ID, u)?;
            }
            Ok(())
        })?;
        crate::txn::transact(&inner, |ctx| {
            crate::oauth_config::create_user_pool_domain(
                ctx,
                cognito_wire::CreateUserPoolDomainRequest::builder()
                    .domain(DOMAIN)
                    .user_pool_id(POOL_ID)
                    .build()?,
            )
        })?;
        let mut h = Harness {
            template: TempFile::new(),
            access_token: String::new(),
            id_token: String::new(),
            refresh_token: String::new(),
            jwks: Vec::new(),
        };
        let signin = serde_json::json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": PUBLIC_CLIENT,
            "AuthParameters": {
                (Key::Username.to_string()): "alice",
                (Key::Password.to_string()): PASSWORD,
            },
        });
        let out = h.dispatch(
            &inner,
            "POST",
            "/",
            &[(
                "x-amz-target",
                "AWSCognitoIdentityProviderService.InitiateAuth",
            )],
            signin.to_string().as_bytes(),
        );
        let v: serde_json::Value =
            serde_json::from_slice(&out.body).map_err(crate::error::internal)?;
        let token = |name: &str| {
            v.pointer(&format!("/AuthenticationResult/{name}"))
                .and_then(|t| t.as_str())
                .map(str::to_owned)
                .ok_or_else(|| crate::error::internal(format!("no {name} in {v}")))
        };
        h.access_token = token("AccessToken")?;
        h.id_token = token("IdToken")?;
        h.refresh_token = token("RefreshToken")?;
        let jwks = h.dispatch(
            &inner,
            "GET",
            &format!("/{POOL_ID}/.well-known/jwks.json"),
            &[],
            b"",
        );
        h.jwks = jwks.body;
        inner
            .store
            .copy_to(h.template.path())
            .map_err(crate::error::internal)?;
        Ok(h)
    }

    /// One request through the emulator's router.
    fn dispatch(
        &self,
        inner: &Arc<Inner>,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Outcome {
        let mut req = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let Ok(req) = req.body(()) else {
            return Outcome {
                status: 0,
                error_type: None,
                body: Vec::new(),
            };
        };
        let (parts, ()) = req.into_parts();
        let resp = crate::server::route(inner, &parts, body);
        let status = resp.status().as_u16();
        let error_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Outcome {
            status,
            error_type,
            body: body_bytes(resp.into_body()),
        }
    }

    /// Runs the requests of `input` (at most [`MAX_REQUESTS`], separated by [`SEPARATOR`])
    /// against a fresh copy of the template, returning each outcome (`status` 0 when the
    /// request line or a header is not valid HTTP).
    ///
    /// Each request is `METHOD PATH\n`, header lines `name: value`, an empty line and the
    /// body. In headers and body these placeholders are replaced: `$POOL`, `$CLIENT`,
    /// `$CCLIENT` (confidential), `$SECRET_HASH` (of `alice` for the confidential client),
    /// `$ACCESS`, `$ID`, `$REFRESH` (`alice`'s tokens, the access token replaced by a newer one
    /// when a response carries one), `$SESSION` (of the previous response: its `Session`, or a
    /// managed login page's hidden `session` field), `$CODE` (the latest
    /// code in the outbox), `$TOTP` (`bob`'s current code). A header `x-fuzz-sign` makes the
    /// harness add a valid SigV4 signature (credentials `test`/`test`) for the final request.
    pub fn run(&self, input: &[u8]) -> Vec<Outcome> {
        let Ok(store) = Store::open_copy(self.template.path()) else {
            return Vec::new();
        };
        let inner = Arc::new(Inner::new(config(), store));
        let mut vars = Vars {
            access: self.access_token.clone(),
            session: String::new(),
        };
        let mut outcomes = Vec::new();
        for raw in split(input, SEPARATOR).take(MAX_REQUESTS) {
            let out = self.one(&inner, &vars, raw);
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.body) {
                if let Some(s) = v.get("Session").and_then(|s| s.as_str()) {
                    vars.session = s.to_owned();
                }
                if let Some(t) = v
                    .pointer("/AuthenticationResult/AccessToken")
                    .and_then(|t| t.as_str())
                {
                    vars.access = t.to_owned();
                }
            } else if let Some(s) = html_session(&out.body) {
                vars.session = s;
            }
            outcomes.push(out);
        }
        outcomes
    }

    fn one(&self, inner: &Arc<Inner>, vars: &Vars, raw: &[u8]) -> Outcome {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().unwrap_or_default();
        let (method, path) = request_line.split_once(' ').unwrap_or((request_line, "/"));
        let subst = |s: &str| self.substitute(inner, vars, s);
        let path = subst(path);
        let body = subst(body);
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut sign_it = false;
        for line in lines {
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            if k.eq_ignore_ascii_case("x-fuzz-sign") {
                sign_it = true;
            } else {
                headers.push((k.trim().to_owned(), subst(v.trim())));
            }
        }
        if sign_it {
            sigv4_sign(method, &path, &mut headers, body.as_bytes());
        }
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.dispatch(inner, method, &path, &refs, body.as_bytes())
    }

    fn substitute(&self, inner: &Arc<Inner>, vars: &Vars, s: &str) -> String {
        if !s.contains('$') {
            return s.to_owned();
        }
        let mut out = s
            .replace("$POOL", POOL_ID)
            .replace("$CCLIENT", CONFIDENTIAL_CLIENT)
            .replace("$CLIENT", PUBLIC_CLIENT)
            .replace("$ACCESS", &vars.access)
            .replace("$ID", &self.id_token)
            .replace("$REFRESH", &self.refresh_token)
            .replace("$SESSION", &vars.session);
        if out.contains("$SECRET_HASH") {
            out = out.replace("$SECRET_HASH", &secret_hash("alice"));
        }
        if out.contains("$CODE") {
            let code = crate::txn::read(inner, |st| st.outbox(None, None))
                .ok()
                .and_then(|o| o.last().map(|m| m.code.clone()))
                .unwrap_or_default();
            out = out.replace("$CODE", &code);
        }
        if out.contains("$TOTP") {
            let now = i64::try_from(NOW).unwrap_or_default();
            let code = crate::totp::totp_code(TOTP_SECRET, now).unwrap_or_default();
            out = out.replace("$TOTP", &code);
        }
        out
    }
}

struct Vars {
    access: String,
    session: String,
}

fn split<'a>(input: &'a [u8], sep: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    let mut rest = Some(input);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.windows(sep.len()).position(|w| w == sep) {
            Some(i) => {
                rest = r.get(i + sep.len()..);
                r.get(..i)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `SECRET_HASH` of `username` for [`CONFIDENTIAL_CLIENT`].
pub fn secret_hash(username: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, CLIENT_SECRET.as_bytes());
    let tag = ring::hmac::sign(&key, format!("{username}{CONFIDENTIAL_CLIENT}").as_bytes());
    crate::inner::B64.encode(tag.as_ref())
}

/// Adds `host`, `x-amz-date` and a valid SigV4 `authorization` (credentials `test`/`test`,
/// region us-east-1, the harness clock) to `headers`.
///
/// It signs the request target the server verifies: the URI's path and query, `/` when it has
/// none (authority form). Signing the raw fuzzed target instead made aws-sigv4 1.3 panic on an
/// authority-form target such as `AWSCognitoIdentityProviderService.DescribeUserPool` (an
/// `expect` in aws-smithy-http's query writer), which the server never hands it.
fn sigv4_sign(method: &str, path: &str, headers: &mut Vec<(String, String)>, body: &[u8]) {
    let Ok(uri) = path.parse::<http::Uri>() else {
        return;
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        headers.push(("host".to_owned(), "127.0.0.1".to_owned()));
    }
    let identity: Identity = Credentials::new("test", "test", None, None, "fuzz").into();
    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(Vec::new());
    let Ok(params) = SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("cognito-idp")
        .time(UNIX_EPOCH + Duration::from_secs(NOW))
        .settings(settings)
        .build()
    else {
        return;
    };
    let lower: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let Ok(request) = SignableRequest::new(
        method,
        path,
        lower.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    ) else {
        return;
    };
    let Ok(out) = sign(request, &params.into()) else {
        return;
    };
    let (instructions, _) = out.into_parts();
    for (k, v) in instructions.headers() {
        headers.push((k.to_owned(), v.to_owned()));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// The fuzzer's first crash (2026-12-02): a signed request whose target is authority-form.
    /// The harness signs what the server verifies, so this runs, and reaches the operations.
    #[test]
    fn a_signed_request_with_an_authority_form_target() {
        let h = Harness::new().unwrap();
        let out = h.run(
            b"POST /\nx-amz-target: AWSCognitoIdentityProviderService.ListUserPools\nx-fuzz-sign: 1\n\n\
              {\"MaxResults\": 10}\n=====\n\
              POS\xff\xff\xff\xff\xff\xff\xff\xffz-target: AWSCognitoIdentityProviderService.DescribeUserPool\n\
              x-amz-target: AWSCognitoIdentityProviderService.DescribeUserPool\nx-fuzz-sign: 1\n\n\
              {\"UserPoolId\": \"$POOL\"}\n=====\n\
              POST AWSCognitoIdentityProviderService.DescribeUserPool\n\
              x-amz-target: AWSCognitoIdentityProviderService.DescribeUserPool\nx-fuzz-sign: 1\n\n\
              {\"UserPoolId\": \"$POOL\"}",
        );
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].status, 200);
        assert!(out.iter().all(|o| o.status < 500), "{out:?}");
        assert_eq!(
            out[2].status,
            200,
            "{:?}",
            String::from_utf8_lossy(&out[2].body)
        );
    }

    #[test]
    fn harness_reaches_the_operations() {
        let h = Harness::new().unwrap();
        let out = h.run(
            b"POST /\nx-amz-target: AWSCognitoIdentityProviderService.GetUser\n\n{\"AccessToken\":\"$ACCESS\"}\
              \n=====\nPOST /\nx-amz-target: AWSCognitoIdentityProviderService.AdminGetUser\nx-fuzz-sign: 1\n\n\
              {\"UserPoolId\":\"$POOL\",\"Username\":\"bob\"}\
              \n=====\nPOST /\nx-amz-target: AWSCognitoIdentityProviderService.AdminGetUser\n\n\
              {\"UserPoolId\":\"$POOL\",\"Username\":\"bob\"}",
        );
        assert_eq!(
            out[0].status,
            200,
            "{:?}",
            String::from_utf8_lossy(&out[0].body)
        );
        assert_eq!(
            out[1].status,
            200,
            "{:?}",
            String::from_utf8_lossy(&out[1].body)
        );
        assert_eq!(out[2].status, 403);
        // Runs are independent: the same input gives the same outcome.
        assert_eq!(
            h.run(b"GET /_emulator/outbox\n\n"),
            h.run(b"GET /_emulator/outbox\n\n")
        );
    }

    /// Every seed of the fuzz target runs without a 5xx (statuses printed with `--nocapture`).
    #[test]
    fn seeds_run() {
        let h = Harness::new().unwrap();
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/emulator_request");
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            let out = h.run(&std::fs::read(&path).unwrap());
            let summary: Vec<String> = out
                .iter()
                .map(|o| format!("{} {}", o.status, o.error_type.as_deref().unwrap_or("")))
                .collect();
            println!(
                "{}: {summary:?}",
                path.file_name().unwrap().to_string_lossy()
            );
            assert!(out.iter().all(|o| o.status < 500), "{path:?}");
        }
    }

    /// Writes the seed corpus of the `jwt_verify` fuzz target of cognito-auth (real tokens
    /// signed by the emulator, with their JWKS): `JWT_SEEDS_DIR=<dir> cargo test -p
    /// cognito-emulator --features fuzzing --lib write_jwt_seeds -- --ignored`.
    #[test]
    #[ignore = "writes files; run by hand"]
    fn write_jwt_seeds() {
        let dir = std::path::PathBuf::from(std::env::var("JWT_SEEDS_DIR").unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        let h = Harness::new().unwrap();
        let now = i64::try_from(NOW).unwrap();
        let mut tampered = h.access_token.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        let cases: [(&str, u8, i64, &str); 12] = [
            ("id_sync", 0, now + 60, &h.id_token),
            ("access_sync", 1, now + 60, &h.access_token),
            ("any_async", 2 | 4, now + 60, &h.access_token),
            ("id_async_any_client", 4 | 8, now + 60, &h.id_token),
            ("access_groups", 1 | 16, now + 60, &h.access_token),
            ("access_scopes", 1 | 32, now + 60, &h.access_token),
            ("id_leeway_ttl", 64 | 128 | 4, now + 3600, &h.id_token),
            ("access_expired", 1, now + 7200, &h.access_token),
            ("id_before_iat", 0, now - 600, &h.id_token),
            ("access_as_id", 0, now + 60, &h.access_token),
            ("tampered", 1, now + 60, &tampered),
            ("refresh", 2, now + 60, &h.refresh_token),
        ];
        for (name, flags, at, token) in cases {
            let mut data = vec![flags];
            data.extend_from_slice(&at.to_le_bytes());
            data.extend_from_slice(format!("{POOL_ID}\n{PUBLIC_CLIENT}\n{token}\n").as_bytes());
            data.extend_from_slice(&h.jwks);
            std::fs::write(dir.join(name), data).unwrap();
        }
    }

    #[test]
    fn harness_follows_a_challenge() {
        let h = Harness::new().unwrap();
        let out = h.run(
            b"POST /\nx-amz-target: AWSCognitoIdentityProviderService.InitiateAuth\n\n\
              {\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"$CLIENT\",\"AuthParameters\":{\"USERNAME\":\"bob\",\"PASSWORD\":\"Passw0rd!\"}}\
              \n=====\nPOST /\nx-amz-target: AWSCognitoIdentityProviderService.RespondToAuthChallenge\n\n\
              {\"ChallengeName\":\"SOFTWARE_TOKEN_MFA\",\"ClientId\":\"$CLIENT\",\"Session\":\"$SESSION\",\
              \"ChallengeResponses\":{\"USERNAME\":\"bob\",\"SOFTWARE_TOKEN_MFA_CODE\":\"$TOTP\"}}",
        );
        assert_eq!(
            out[0].status,
            200,
            "{:?}",
            String::from_utf8_lossy(&out[0].body)
        );
        assert_eq!(
            out[1].status,
            200,
            "{:?}",
            String::from_utf8_lossy(&out[1].body)
        );
        assert!(String::from_utf8_lossy(&out[1].body).contains("AccessToken"));
    }
}
