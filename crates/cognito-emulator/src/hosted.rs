//! The browser side of a pool's domain: `/oauth2/authorize`, the managed login pages (`/login`
//! with its MFA, new-password and TOTP set-up steps, `/signup` + `/confirm`, `/forgotPassword`
//! + `/confirmForgotPassword`) and `/logout`.
//!
//! - The authorize request is checked on every page: the client, its `CallbackURLs` (exact
//!   match; a bad client or redirect URI is an error page, never a redirect), its OAuth flows
//!   and scopes, PKCE (`S256` only, as Cognito). Its query travels from page to page.
//! - A sign-in runs the same state machine as the API ([`crate::auth`]) with
//!   [`crate::state::Flow::hosted`] set: it ends in an authorization code (single use, 5
//!   minutes, stored with the scopes, `nonce`, PKCE challenge and redirect URI; exchanged by
//!   [`crate::oauth_token`]) and a signed-in browser session (the `cognito` cookie, 1 hour).
//! - The sign-in page also starts a passkey sign-in (`passkey=1` and a username:
//!   [`auth::hosted_passkey_sign_in`], `USER_AUTH` with `WEB_AUTHN`) when the pool has a relying
//!   party; its step page hands the request options to the emulator's script
//!   ([`pages::PASSKEY_JS`]), which posts the authenticator's answer back as `credential`.
//! - Every form carries `_csrf`, which must equal the `XSRF-TOKEN` cookie the page set (double
//!   submit; both compared in constant time). Pages escape what they echo
//!   ([`crate::hosted_pages`]).

use crate::auth::{self, Outcome, Params};
use crate::error::ApiError;
use crate::hosted_pages::{self as pages, Frame, Step};
use crate::inner::Inner;
use crate::state::{Client, Pool};
use crate::txn::{Ctx, State};
use cognito_wire::vocab::{ChallengeParams as _, Key, USER_ATTRIBUTE_PREFIX};
use cognito_wire::{ChallengeNameType as C, OAuthFlowType, SensitiveString};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How long an authorization code is valid (Cognito: 5 minutes).
const CODE_TTL: i64 = 300;
/// How long a browser stays signed in to the managed login (Cognito: 1 hour).
const LOGIN_TTL: i64 = 3600;
const LOGIN_COOKIE: &str = "cognito";
const CSRF_COOKIE: &str = "XSRF-TOKEN";

/// A grant of the OAuth 2.0 side, as stored (`oauth_grants`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Grant {
    /// An authorization code.
    Code(CodeGrant),
    /// A browser signed in to the managed login.
    Login {
        pool_id: String,
        username: String,
        #[serde(default)]
        auth_time: i64,
    },
}

/// What an authorization code stands for.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CodeGrant {
    pub pool_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub username: String,
    pub auth_time: i64,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    #[serde(default)]
    pub resource: Option<String>,
}

/// A request to the pages.
pub(crate) struct PageRequest<'a> {
    pub domain: &'a str,
    /// The domain's base path: `/_domain/<domain>`, or empty when reached by `Host`.
    pub base: &'a str,
    pub path: &'a str,
    pub post: bool,
    pub query: &'a str,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
}

/// What the pages answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub html: String,
    pub cookies: Vec<String>,
}

impl Reply {
    fn page(status: u16, html: String) -> Reply {
        Reply {
            status,
            location: None,
            html,
            cookies: Vec::new(),
        }
    }

    fn redirect(to: String) -> Reply {
        Reply {
            status: 302,
            location: Some(to),
            html: String::new(),
            cookies: Vec::new(),
        }
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply::page(status, pages::error(message))
    }
}

/// The pages of a domain; `None` for a path that is not one.
pub(crate) fn route(inner: &Arc<Inner>, req: &PageRequest<'_>) -> Option<Reply> {
    let page = match (req.post, req.path) {
        (false, "/oauth2/authorize") => authorize(inner, req, false),
        (false, "/login") => authorize(inner, req, true),
        (true, "/login") => with_form(inner, req, login),
        (false, "/signup") => show(inner, req, |f, pool, _| {
            Ok(pages::sign_up(
                f,
                &[],
                &required(pool),
                email_username(pool),
            ))
        }),
        (true, "/signup") => with_form(inner, req, sign_up),
        (true, "/confirm") => with_form(inner, req, confirm),
        (false, "/forgotPassword") => show(inner, req, |f, _, _| Ok(pages::forgot(f))),
        (true, "/forgotPassword") => with_form(inner, req, forgot),
        (true, "/confirmForgotPassword") => with_form(inner, req, confirm_forgot),
        (false, "/logout") => logout(inner, req),
        _ => return None,
    };
    Some(page)
}

// ---------------------------------------------------------------------------------------------
// The authorize request.

/// An authorize request that passed the checks.
struct Authorize {
    pool_id: String,
    client: Client,
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    resource: Option<String>,
}

/// Why an authorize request is refused: an error page (the client or the redirect URI cannot
/// be trusted) or an error sent to the redirect URI.
enum Refusal {
    Page(String),
    Redirect(String),
}

fn query_map(query: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("the parameter {k} is given more than once"));
        }
    }
    Ok(out)
}

/// `uri` with parameters added to its query.
fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let mut enc = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        enc.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", enc.finish())
}

fn pool_of<'a>(st: &'a State, domain: &str) -> Result<&'a Pool, ApiError> {
    crate::oauth_config::owner(st.pools.values(), domain).ok_or_else(|| {
        ApiError::new(
            "ResourceNotFoundException",
            format!("No user pool has the domain {domain}."),
        )
    })
}

fn check_authorize(pool: &Pool, q: &BTreeMap<String, String>) -> Result<Authorize, Refusal> {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id")
        .ok_or_else(|| Refusal::Page("client_id is required (invalid_request)".into()))?;
    let client = pool.clients.get(client_id).cloned().ok_or_else(|| {
        Refusal::Page(format!(
            "There is no app client {client_id} (invalid_client)"
        ))
    })?;
    let s = crate::oauth_token::settings(&client);
    let redirect_uri = get("redirect_uri")
        .ok_or_else(|| Refusal::Page("redirect_uri is required (invalid_request)".into()))?;
    if !s.callback_ur_ls.iter().flatten().any(|u| u == redirect_uri) {
        return Err(Refusal::Page(
            "redirect_mismatch: the redirect_uri is not one of the app client's CallbackURLs"
                .into(),
        ));
    }
    let state = get("state").map(str::to_owned);
    let fail = |error: &str, description: &str| {
        let mut p = vec![("error", error), ("error_description", description)];
        if let Some(s) = &state {
            p.push(("state", s));
        }
        Refusal::Redirect(with_params(redirect_uri, &p))
    };
    match get("response_type") {
        Some("code") => {}
        None => return Err(fail("invalid_request", "response_type is required")),
        Some(_) => {
            return Err(fail(
                "unsupported_response_type",
                "the emulator's managed login serves response_type=code",
            ));
        }
    }
    let code_flow = s.allowed_o_auth_flows_user_pool_client == Some(true)
        && s.allowed_o_auth_flows
            .iter()
            .flatten()
            .any(|f| *f == OAuthFlowType::Code);
    if !code_flow {
        return Err(fail(
            "unauthorized_client",
            "the app client may not use the code flow (AllowedOAuthFlows)",
        ));
    }
    if let Some(idp) = get("identity_provider") {
        let supported = s
            .supported_identity_providers
            .iter()
            .flatten()
            .any(|p| p == idp);
        if !supported {
            return Err(fail(
                "unauthorized_client",
                "the identity_provider is not among the app client's SupportedIdentityProviders",
            ));
        }
        if idp != "COGNITO" {
            return Err(fail(
                "invalid_request",
                "the emulator signs in the user pool's own users only (identity_provider=COGNITO)",
            ));
        }
    }
    let allowed = s.allowed_o_auth_scopes.unwrap_or_default();
    let scopes: Vec<String> = match get("scope") {
        Some(asked) => {
            let asked: Vec<String> = asked
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(bad) = asked.iter().find(|a| !allowed.contains(a)) {
                return Err(fail(
                    "invalid_scope",
                    &format!("the scope {bad} is not allowed for this app client"),
                ));
            }
            asked
        }
        None => allowed,
    };
    let code_challenge = get("code_challenge").map(str::to_owned);
    match (get("code_challenge_method"), &code_challenge) {
        (Some("S256"), Some(c)) if pkce_shaped(c) => {}
        (_, Some(_)) => {
            return Err(fail(
                "invalid_request",
                "code_challenge needs code_challenge_method=S256 and 43 base64url characters",
            ));
        }
        (Some(_), None) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method without code_challenge",
            ));
        }
        (None, None) => {}
    }
    let resource = get("resource").map(str::to_owned);
    if let Some(r) = &resource
        && !pool.resource_servers.contains_key(r)
    {
        return Err(fail(
            "invalid_target",
            &format!("the resource {r} is not a resource server of this user pool"),
        ));
    }
    Ok(Authorize {
        resource,
        pool_id: pool.id.clone(),
        client,
        redirect_uri: redirect_uri.to_owned(),
        state,
        scopes,
        nonce: get("nonce").map(str::to_owned),
        code_challenge,
    })
}

/// An S256 challenge: BASE64URL(SHA-256), 43 characters.
fn pkce_shaped(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The authorize request of a page: parsed and checked against the pool of the domain.
fn request_of(st: &State, req: &PageRequest<'_>) -> Result<Authorize, Reply> {
    let q = query_map(req.query).map_err(|m| Reply::error(400, &m))?;
    let pool = pool_of(st, req.domain).map_err(|e| Reply::error(404, &e.message))?;
    check_authorize(pool, &q).map_err(|r| match r {
        Refusal::Page(m) => Reply::error(400, &m),
        Refusal::Redirect(to) => Reply::redirect(to),
    })
}

// ---------------------------------------------------------------------------------------------
// Cookies and the anti-forgery token.

fn cookie<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn set_cookie(req: &PageRequest<'_>, name: &str, value: &str, max_age: Option<i64>) -> String {
    let path = if req.base.is_empty() {
        "/".to_owned()
    } else {
        format!("{}/", req.base)
    };
    let age = max_age.map_or(String::new(), |a| format!("; Max-Age={a}"));
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax{age}")
}

/// The page's anti-forgery token: the browser's, or a new one (set as a cookie).
fn csrf_token(inner: &Inner, req: &PageRequest<'_>, reply_cookies: &mut Vec<String>) -> String {
    match cookie(req.headers, CSRF_COOKIE).filter(|t| t.len() >= 32 && t.len() <= 128) {
        Some(t) => t.to_owned(),
        None => {
            let t = inner.rng.token(32);
            reply_cookies.push(set_cookie(req, CSRF_COOKIE, &t, None));
            t
        }
    }
}

/// A form post's fields, once its `_csrf` matched the cookie.
fn form_of(req: &PageRequest<'_>) -> Result<BTreeMap<String, String>, Reply> {
    let mut form = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(req.body) {
        form.insert(k.to_string(), v.to_string());
    }
    let sent = form.get("_csrf").map(String::as_str).unwrap_or_default();
    let kept = cookie(req.headers, CSRF_COOKIE).unwrap_or_default();
    if sent.is_empty() || !crate::inner::ct_eq(sent.as_bytes(), kept.as_bytes()) {
        return Err(Reply::error(
            403,
            "The form's anti-forgery token does not match this browser's: reload the page and try again.",
        ));
    }
    Ok(form)
}

// ---------------------------------------------------------------------------------------------
// The pages.

/// What a page handler is given.
struct Page<'r, 'a> {
    inner: &'r Arc<Inner>,
    req: &'r PageRequest<'a>,
    csrf: String,
    cookies: Vec<String>,
}

impl Page<'_, '_> {
    fn frame<'f>(&'f self, error: Option<&'f str>, notice: Option<&'f str>) -> Frame<'f> {
        Frame {
            base: self.req.base,
            query: self.req.query,
            csrf: &self.csrf,
            error,
            notice,
        }
    }

    fn reply(self, status: u16, html: String) -> Reply {
        Reply {
            status,
            location: None,
            html,
            cookies: self.cookies,
        }
    }
}

/// A page that shows a form: the authorize request checked, the anti-forgery token set.
fn show(
    inner: &Arc<Inner>,
    req: &PageRequest<'_>,
    render: impl Fn(&Frame<'_>, &Pool, &Authorize) -> Result<String, Reply>,
) -> Reply {
    let mut cookies = Vec::new();
    let csrf = csrf_token(inner, req, &mut cookies);
    let out = crate::txn::read(inner, |st| {
        Ok(request_of(st, req).and_then(|az| {
            let pool = st
                .pool(&az.pool_id)
                .map_err(|e| Reply::error(404, &e.message))?;
            let f = Frame {
                base: req.base,
                query: req.query,
                csrf: &csrf,
                error: None,
                notice: None,
            };
            render(&f, pool, &az)
        }))
    });
    match out {
        Ok(Ok(html)) => Reply {
            status: 200,
            location: None,
            html,
            cookies,
        },
        Ok(Err(reply)) => reply,
        Err(e) => Reply::error(500, &e.message),
    }
}

/// A form post: the anti-forgery token checked, then `handle`.
fn with_form(
    inner: &Arc<Inner>,
    req: &PageRequest<'_>,
    handle: fn(Page<'_, '_>, &BTreeMap<String, String>) -> Reply,
) -> Reply {
    let form = match form_of(req) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut cookies = Vec::new();
    let csrf = csrf_token(inner, req, &mut cookies);
    handle(
        Page {
            inner,
            req,
            csrf,
            cookies,
        },
        &form,
    )
}

/// `GET /oauth2/authorize` (to the sign-in page) and `GET /login` (the sign-in page); both
/// go straight back to the client with a code when the browser is signed in.
fn authorize(inner: &Arc<Inner>, req: &PageRequest<'_>, login_page: bool) -> Reply {
    let login = cookie(req.headers, LOGIN_COOKIE).map(str::to_owned);
    let out = crate::txn::transact(inner, |ctx| {
        let st = ctx.lock();
        let az = match request_of(&st, req) {
            Ok(az) => az,
            Err(reply) => return Ok(Err(reply)),
        };
        if let Some(id) = &login
            && let Some(Grant::Login {
                pool_id,
                username,
                auth_time,
            }) = st.grant(id, ctx.now())?
            && pool_id == az.pool_id
            && st.get_user(&pool_id, &username).is_some_and(|u| u.enabled)
        {
            drop(st);
            // The browser session's sign-in time carries over (`auth_time`).
            let location = issue_code(ctx, &az, &username, Some(auth_time))?;
            return Ok(Ok(Some(location)));
        }
        Ok(Ok(None))
    });
    match out {
        Ok(Err(reply)) => reply,
        Ok(Ok(Some(location))) => Reply::redirect(location),
        Ok(Ok(None)) if !login_page => Reply::redirect(format!("{}/login?{}", req.base, req.query)),
        Ok(Ok(None)) => show(inner, req, |f, pool, _| {
            Ok(pages::sign_in(
                f,
                "",
                !pool.spec.admin_create_user_only,
                crate::webauthn::enabled(pool),
            ))
        }),
        Err(e) => Reply::error(500, &e.message),
    }
}

/// Stores an authorization code (and, for a new sign-in, the browser session); returns the
/// client's redirect with the code, and the session's id when one was made.
fn issue_code(
    ctx: &Ctx,
    az: &Authorize,
    username: &str,
    auth_time: Option<i64>,
) -> Result<String, ApiError> {
    let now = ctx.now();
    let code = ctx.rng.uuid();
    let st = ctx.lock();
    st.put_grant(
        &code,
        &az.pool_id,
        now.saturating_add(CODE_TTL),
        &Grant::Code(CodeGrant {
            pool_id: az.pool_id.clone(),
            client_id: az.client.id.clone(),
            redirect_uri: az.redirect_uri.clone(),
            username: username.to_owned(),
            auth_time: auth_time.unwrap_or(now),
            scopes: az.scopes.clone(),
            nonce: az.nonce.clone(),
            code_challenge: az.code_challenge.clone(),
            resource: az.resource.clone(),
        }),
    )?;
    let mut p = vec![("code", code.as_str())];
    if let Some(s) = &az.state {
        p.push(("state", s));
    }
    Ok(with_params(&az.redirect_uri, &p))
}

/// What a sign-in step came to.
enum Next {
    /// Signed in: the redirect with the code, and the browser session to set.
    Done { location: String, login: String },
    /// Another step.
    Step {
        username: String,
        session: String,
        challenge: C,
        params: BTreeMap<String, String>,
        totp_secret: Option<String>,
    },
}

/// `SECRET_HASH` for the pages' calls of an app client with a secret (the pages are Cognito's
/// own: they hold the client's secret).
fn secret_hash(client: &Client, username: &str) -> Option<SensitiveString> {
    let secret = crate::secrets::active(client).next()?;
    let h = srp_core::secret_hash(username, &client.id, secret);
    Some(SensitiveString::from(h.expose().to_owned()))
}

fn field<'f>(form: &'f BTreeMap<String, String>, k: &str) -> &'f str {
    form.get(k).map(String::as_str).unwrap_or_default()
}

/// `POST /login`: the password, or the answer to a step.
fn login(page: Page<'_, '_>, form: &BTreeMap<String, String>) -> Reply {
    let username = field(form, "username");
    let challenge = form
        .get("challenge")
        .map(|c| C::from(c.as_str()))
        .filter(|c| !matches!(c, C::Unknown(_)));
    let passkey = challenge.is_none() && field(form, "passkey") == "1";
    let out = crate::txn::transact(page.inner, |ctx| {
        let az = match request_of(&ctx.lock(), page.req) {
            Ok(az) => az,
            Err(reply) => return Ok(Err(reply)),
        };
        let outcome = match &challenge {
            None if passkey => {
                auth::hosted_passkey_sign_in(ctx, &az.pool_id, &az.client.id, username.trim())
            }
            None => auth::hosted_sign_in(
                ctx,
                &az.pool_id,
                &az.client.id,
                username,
                field(form, "password"),
            ),
            Some(c) => answer(ctx, &az, c, form),
        };
        // Recorded like the API's sign-ins (AdminListUserAuthEvents).
        let mut asked = Params::new();
        asked.insert(
            Key::Username.as_str().to_owned(),
            SensitiveString::from(username.to_owned()),
        );
        let step = match &challenge {
            None if passkey => crate::events::Step::Initiate(&cognito_wire::AuthFlowType::UserAuth),
            None => crate::events::Step::Initiate(&cognito_wire::AuthFlowType::UserPasswordAuth),
            Some(c) => crate::events::Step::Respond(c),
        };
        crate::events::record_sign_in(
            ctx,
            Some(&az.pool_id),
            &az.client.id,
            step,
            &asked,
            None,
            &outcome,
        );
        Ok(Ok(after_step(ctx, &az, outcome?)?))
    });
    let frame_error = |page: Page<'_, '_>, e: &str, step: Option<&C>| -> Reply {
        // A passkey step's session is used up by its answer: back to the sign-in page.
        let html = match step.filter(|c| **c != C::WebAuthn) {
            // A wrong code or password for the step: the step again, same session.
            Some(c) => pages::step(
                &page.frame(Some(e), None),
                username,
                field(form, "session"),
                &step_of(c, &BTreeMap::new(), form),
            ),
            None => {
                let passkey = passkeys_enabled(&page);
                pages::sign_in(&page.frame(Some(e), None), username, true, passkey)
            }
        };
        page.reply(400, html)
    };
    match out {
        Ok(Err(reply)) => reply,
        Ok(Ok(Next::Done { location, login })) => {
            let mut cookies = page.cookies.clone();
            cookies.push(set_cookie(page.req, LOGIN_COOKIE, &login, Some(LOGIN_TTL)));
            Reply {
                status: 302,
                location: Some(location),
                html: String::new(),
                cookies,
            }
        }
        Ok(Ok(Next::Step {
            username,
            session,
            challenge,
            params,
            totp_secret,
        })) => {
            let mut form = BTreeMap::new();
            if let Some(s) = totp_secret {
                form.insert("secret".to_owned(), s);
            }
            form.insert("username".to_owned(), username.clone());
            let step = step_of(&challenge, &params, &form);
            let html = pages::step(&page.frame(None, None), &username, &session, &step);
            page.reply(200, html)
        }
        // The session is gone (used, expired, or not a page's): start again.
        Err(e) if e.code == "NotAuthorizedException" && challenge.is_some() && is_session(&e) => {
            frame_error(
                page,
                "Your sign-in session has expired: sign in again.",
                None,
            )
        }
        Err(e)
            if matches!(
                e.code.as_str(),
                "CodeMismatchException"
                    | "ExpiredCodeException"
                    | "InvalidPasswordException"
                    | "EnableSoftwareTokenMFAException"
                    | "InvalidParameterException"
            ) =>
        {
            let message = e.message.clone();
            frame_error(page, &message, challenge.as_ref())
        }
        Err(e) if e.status >= 500 => Reply::error(500, &e.message),
        Err(e) => {
            let message = e.message.clone();
            frame_error(page, &message, None)
        }
    }
}

fn is_session(e: &ApiError) -> bool {
    e.message.to_ascii_lowercase().contains("session")
}

/// The answer to a step, through the same state machine as `RespondToAuthChallenge`.
fn answer(
    ctx: &Ctx,
    az: &Authorize,
    challenge: &C,
    form: &BTreeMap<String, String>,
) -> Result<Outcome, ApiError> {
    let username = field(form, "username");
    let mut session = field(form, "session").to_owned();
    let mut responses = Params::new();
    let mut put = |k: &str, v: &str| {
        responses.insert(k.to_owned(), SensitiveString::from(v.to_owned()));
    };
    put(Key::Username.as_str(), username);
    if let Some(h) = secret_hash(&az.client, username) {
        put(Key::SecretHash.as_str(), h.expose());
    }
    let code = field(form, "code").trim();
    match challenge {
        C::SmsMfa => put(Key::SmsMfaCode.as_str(), code),
        C::SoftwareTokenMfa => put(Key::SoftwareTokenMfaCode.as_str(), code),
        C::EmailOtp => put(Key::EmailOtpCode.as_str(), code),
        C::CustomChallenge => put(Key::Answer.as_str(), code),
        C::SelectMfaType => put(Key::Answer.as_str(), field(form, "mfa")),
        C::WebAuthn => put(Key::Credential.as_str(), field(form, "credential")),
        C::NewPasswordRequired => {
            put(Key::NewPassword.as_str(), field(form, "new_password"));
            for (k, v) in form {
                if let Some(a) = k.strip_prefix("attr_")
                    && !v.is_empty()
                {
                    put(&format!("{USER_ATTRIBUTE_PREFIX}{a}"), v);
                }
            }
        }
        C::MfaSetup => {
            let verified = crate::ops::verify_software_token(
                ctx,
                cognito_wire::VerifySoftwareTokenRequest::builder()
                    .session(session.clone())
                    .user_code(code.to_owned())
                    .build()?,
            )?;
            session = verified
                .session
                .map(|s| s.expose().to_owned())
                .unwrap_or_default();
        }
        other => {
            return Err(crate::error::invalid(format!(
                "the managed login cannot answer {}",
                other.as_str()
            )));
        }
    }
    auth::respond(
        ctx,
        Some(&az.pool_id),
        &az.client.id,
        challenge,
        &responses,
        Some(&session),
    )
}

/// A sign-in's outcome as the next page: a code for the client, or another step.
fn after_step(ctx: &Ctx, az: &Authorize, outcome: Outcome) -> Result<Next, ApiError> {
    match outcome {
        Outcome::SignedIn {
            username,
            auth_time,
        } => {
            let location = issue_code(ctx, az, &username, Some(auth_time))?;
            let login = ctx.rng.token(32);
            ctx.lock().put_grant(
                &login,
                &az.pool_id,
                ctx.now().saturating_add(LOGIN_TTL),
                &Grant::Login {
                    pool_id: az.pool_id.clone(),
                    username,
                    auth_time,
                },
            )?;
            Ok(Next::Done { location, login })
        }
        Outcome::Challenge {
            name,
            params,
            session,
            ..
        } => {
            let session = session.ok_or_else(crate::error::invalid_session)?;
            let username = params
                .param(Key::Username)
                .or_else(|| params.param(Key::UserIdForSrp))
                .unwrap_or_default()
                .to_owned();
            if name == C::MfaSetup {
                // The pages set up TOTP (the MFA a user can set up alone).
                let assoc = crate::ops::associate_software_token(
                    ctx,
                    cognito_wire::AssociateSoftwareTokenRequest::builder()
                        .session(session)
                        .build(),
                )?;
                return Ok(Next::Step {
                    username,
                    session: assoc
                        .session
                        .map(|s| s.expose().to_owned())
                        .unwrap_or_default(),
                    challenge: name,
                    params,
                    totp_secret: assoc.secret_code.map(|s| s.expose().to_owned()),
                });
            }
            Ok(Next::Step {
                username,
                session,
                challenge: name,
                params,
                totp_secret: None,
            })
        }
        // A session the API started, answered on the pages.
        Outcome::Tokens(_) => Err(crate::error::invalid_session()),
    }
}

/// The page of a step.
fn step_of<'a>(
    challenge: &'a C,
    params: &BTreeMap<String, String>,
    form: &'a BTreeMap<String, String>,
) -> Step<'a> {
    match challenge {
        C::SelectMfaType => {
            let options: Vec<String> = params
                .param(Key::MfasCanChoose)
                .and_then(|v| serde_json::from_str(v).ok())
                .unwrap_or_default();
            Step::SelectMfa {
                options: options.iter().map(|o| C::from(o.as_str())).collect(),
            }
        }
        C::NewPasswordRequired => {
            let mut required: Vec<String> = params
                .param(Key::RequiredAttributes)
                .and_then(|v| serde_json::from_str::<Vec<String>>(v).ok())
                .unwrap_or_default()
                .into_iter()
                .map(|a| {
                    a.strip_prefix(USER_ATTRIBUTE_PREFIX)
                        .map_or(a.clone(), str::to_owned)
                })
                .collect();
            if required.is_empty() {
                required = form
                    .keys()
                    .filter_map(|k| k.strip_prefix("attr_").map(str::to_owned))
                    .collect();
            }
            Step::NewPassword { required }
        }
        C::WebAuthn => Step::Passkey {
            options: params
                .param(Key::CredentialRequestOptions)
                .unwrap_or("{}")
                .to_owned(),
        },
        C::MfaSetup => {
            let secret = field(form, "secret");
            let name = field(form, "username");
            Step::TotpSetup {
                secret,
                uri: with_params(
                    &format!("otpauth://totp/{}", name),
                    &[("secret", secret), ("issuer", "Cognito emulator")],
                ),
            }
        }
        c => {
            let hint = match (c, params.param(Key::CodeDeliveryDestination)) {
                (C::SoftwareTokenMfa, _) => "Enter the code from your authenticator app.".into(),
                (_, Some(to)) => format!("We sent a code to {to}."),
                _ => "Enter the code you received.".into(),
            };
            Step::Code { challenge: c, hint }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-up and forgot password.

fn required(pool: &Pool) -> Vec<String> {
    pool.spec.required_attributes.clone()
}

fn email_username(pool: &Pool) -> bool {
    pool.spec.username_attributes.iter().any(|a| a == "email")
}

/// Runs a page's API call in one transaction against the authorize request's pool and client.
fn call<T>(
    page: &Page<'_, '_>,
    f: impl Fn(&Ctx, &Authorize) -> Result<T, ApiError>,
) -> Result<Result<T, ApiError>, Reply> {
    let out = crate::txn::transact(page.inner, |ctx| {
        let az = match request_of(&ctx.lock(), page.req) {
            Ok(az) => az,
            Err(reply) => return Ok(Err(reply)),
        };
        Ok(Ok(f(ctx, &az)))
    });
    match out {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(reply)) => Err(reply),
        Err(e) => Err(Reply::error(500, &e.message)),
    }
}

/// The pool of the page's domain (for rendering).
fn pool_snapshot<T>(page: &Page<'_, '_>, f: impl FnOnce(&Pool) -> T) -> Option<T> {
    crate::txn::read(page.inner, |st| {
        Ok(pool_of(st, page.req.domain).ok().map(f))
    })
    .ok()
    .flatten()
}

/// Whether the pool of the page's domain offers passkey sign-in.
fn passkeys_enabled(page: &Page<'_, '_>) -> bool {
    pool_snapshot(page, crate::webauthn::enabled).unwrap_or(false)
}

fn delivery_hint(d: Option<&cognito_wire::CodeDeliveryDetailsType>) -> String {
    match d.and_then(|d| d.destination.as_deref()) {
        Some(to) => format!("We sent a code to {to}."),
        None => "Enter the code we sent you.".into(),
    }
}

/// `POST /signup`.
fn sign_up(page: Page<'_, '_>, form: &BTreeMap<String, String>) -> Reply {
    let username = field(form, "username").trim().to_owned();
    let mut attributes = Vec::new();
    if !field(form, "email").is_empty() {
        attributes.push(("email".to_owned(), field(form, "email").to_owned()));
    }
    for (k, v) in form {
        if let Some(a) = k.strip_prefix("attr_")
            && !v.is_empty()
        {
            attributes.push((a.to_owned(), v.clone()));
        }
    }
    let out = call(&page, |ctx, az| {
        let attrs: Vec<cognito_wire::AttributeType> = attributes
            .iter()
            .map(|(n, v)| {
                cognito_wire::AttributeType::builder()
                    .name(n.clone())
                    .value(v.clone())
                    .build()
            })
            .collect::<Result<_, _>>()?;
        crate::ops::sign_up(
            ctx,
            cognito_wire::SignUpRequest::builder()
                .client_id(az.client.id.clone())
                .username(username.clone())
                .password(field(form, "password").to_owned())
                .user_attributes(attrs)
                .set_secret_hash(secret_hash(&az.client, &username))
                .build()?,
        )
    });
    match out {
        Err(reply) => reply,
        // Confirmed already (a pre sign-up trigger's autoConfirmUser): on to the sign-in page.
        Ok(Ok(r)) if r.user_confirmed => {
            let passkey = passkeys_enabled(&page);
            let html = pages::sign_in(
                &page.frame(None, Some("Your account is ready: sign in.")),
                &username,
                true,
                passkey,
            );
            page.reply(200, html)
        }
        Ok(Ok(r)) => {
            let hint = delivery_hint(r.code_delivery_details.as_ref());
            let html = pages::confirm(&page.frame(None, None), &username, &hint);
            page.reply(200, html)
        }
        Ok(Err(e)) => {
            let values: Vec<(String, String)> = form
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "password" | "_csrf"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let (required, by_email) =
                pool_snapshot(&page, |p| (required(p), email_username(p))).unwrap_or_default();
            let html = pages::sign_up(
                &page.frame(Some(&e.message), None),
                &values,
                &required,
                by_email,
            );
            page.reply(400, html)
        }
    }
}

/// `POST /confirm`: the sign-up's code; then the sign-in page.
fn confirm(page: Page<'_, '_>, form: &BTreeMap<String, String>) -> Reply {
    let username = field(form, "username").to_owned();
    let out = call(&page, |ctx, az| {
        crate::ops::confirm_sign_up(
            ctx,
            cognito_wire::ConfirmSignUpRequest::builder()
                .client_id(az.client.id.clone())
                .username(username.clone())
                .confirmation_code(field(form, "code").trim().to_owned())
                .set_secret_hash(secret_hash(&az.client, &username))
                .build()?,
        )
    });
    match out {
        Err(reply) => reply,
        Ok(Ok(_)) => {
            let passkey = passkeys_enabled(&page);
            let html = pages::sign_in(
                &page.frame(None, Some("Your account is confirmed: sign in.")),
                &username,
                true,
                passkey,
            );
            page.reply(200, html)
        }
        Ok(Err(e)) => {
            let html = pages::confirm(
                &page.frame(Some(&e.message), None),
                &username,
                "Enter the code we sent you.",
            );
            page.reply(400, html)
        }
    }
}

/// `POST /forgotPassword`: sends the code; then the page to set a new password.
fn forgot(page: Page<'_, '_>, form: &BTreeMap<String, String>) -> Reply {
    let username = field(form, "username").trim().to_owned();
    let out = call(&page, |ctx, az| {
        crate::ops::forgot_password(
            ctx,
            cognito_wire::ForgotPasswordRequest::builder()
                .client_id(az.client.id.clone())
                .username(username.clone())
                .set_secret_hash(secret_hash(&az.client, &username))
                .build()?,
        )
    });
    match out {
        Err(reply) => reply,
        Ok(Ok(r)) => {
            let hint = delivery_hint(r.code_delivery_details.as_ref());
            let html = pages::confirm_forgot(&page.frame(None, None), &username, &hint);
            page.reply(200, html)
        }
        Ok(Err(e)) => {
            let html = pages::forgot(&page.frame(Some(&e.message), None));
            page.reply(400, html)
        }
    }
}

/// `POST /confirmForgotPassword`: the code and the new password; then the sign-in page.
fn confirm_forgot(page: Page<'_, '_>, form: &BTreeMap<String, String>) -> Reply {
    let username = field(form, "username").to_owned();
    let out = call(&page, |ctx, az| {
        crate::ops::confirm_forgot_password(
            ctx,
            cognito_wire::ConfirmForgotPasswordRequest::builder()
                .client_id(az.client.id.clone())
                .username(username.clone())
                .confirmation_code(field(form, "code").trim().to_owned())
                .password(field(form, "password").to_owned())
                .set_secret_hash(secret_hash(&az.client, &username))
                .build()?,
        )
    });
    match out {
        Err(reply) => reply,
        Ok(Ok(_)) => {
            let passkey = passkeys_enabled(&page);
            let html = pages::sign_in(
                &page.frame(None, Some("Your password is changed: sign in.")),
                &username,
                true,
                passkey,
            );
            page.reply(200, html)
        }
        Ok(Err(e)) => {
            let html = pages::confirm_forgot(
                &page.frame(Some(&e.message), None),
                &username,
                "Enter the code we sent you.",
            );
            page.reply(400, html)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Logout.

/// `GET /logout`: ends the browser's session, then redirects to `logout_uri` (one of the
/// client's `LogoutURLs`, exactly), or, with `redirect_uri` and `response_type`, to the sign-in
/// page of that authorize request.
fn logout(inner: &Arc<Inner>, req: &PageRequest<'_>) -> Reply {
    let q = match query_map(req.query) {
        Ok(q) => q,
        Err(m) => return Reply::error(400, &m),
    };
    let login = cookie(req.headers, LOGIN_COOKIE).map(str::to_owned);
    let out = crate::txn::transact(inner, |ctx| {
        let st = ctx.lock();
        let pool = match pool_of(&st, req.domain) {
            Ok(p) => p,
            Err(e) => return Ok(Err(Reply::error(404, &e.message))),
        };
        let client_id = q.get("client_id").map(String::as_str).unwrap_or_default();
        let Some(client) = pool.clients.get(client_id) else {
            return Ok(Err(Reply::error(
                400,
                "client_id is required and must be an app client of the user pool",
            )));
        };
        let target = match q.get("logout_uri") {
            Some(uri) => {
                let s = crate::oauth_token::settings(client);
                if !s.logout_ur_ls.iter().flatten().any(|u| u == uri) {
                    return Ok(Err(Reply::error(
                        400,
                        "the logout_uri is not one of the app client's LogoutURLs",
                    )));
                }
                uri.clone()
            }
            None if q.contains_key("redirect_uri") => {
                if let Err(r) = check_authorize(pool, &q) {
                    return Ok(Err(match r {
                        Refusal::Page(m) => Reply::error(400, &m),
                        Refusal::Redirect(to) => Reply::redirect(to),
                    }));
                }
                format!("{}/login?{}", req.base, req.query)
            }
            None => {
                return Ok(Err(Reply::error(
                    400,
                    "logout needs logout_uri (one of the client's LogoutURLs), or redirect_uri and response_type",
                )));
            }
        };
        if let Some(id) = &login {
            st.delete_grant(id)?;
        }
        Ok(Ok(target))
    });
    match out {
        Ok(Ok(to)) => {
            let mut r = Reply::redirect(to);
            r.cookies.push(set_cookie(req, LOGIN_COOKIE, "", Some(0)));
            r
        }
        Ok(Err(reply)) => reply,
        Err(e) => Reply::error(500, &e.message),
    }
}
