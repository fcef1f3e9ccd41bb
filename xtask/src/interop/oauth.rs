//! The OAuth 2.0 rows: a pool with a domain, a resource server, a public code-flow client and a
//! confidential machine-to-machine client, made through the signed admin API; authlib (Python,
//! `crates/cognito-emulator/interop/authlib/`) runs both rows against it, our client runs
//! `client_credentials` through `cognito_auth::oauth::ClientCredentials`.

use super::check::{Check, Ctx, ensure};
use super::report::{FLOWS, Outcome, PeerRun};
use super::scripts::{script, unavailable, venv};
use super::{Dirs, emulator};
use cognito_admin::{AdminClient, static_credentials};
use cognito_emulator::{Emulator, PoolSpec, UserSpec};
use cognito_wire::{OAuthFlowType, op};
use std::process::Command;

/// The flows of the OAuth 2.0 rows (ids of `report::FLOWS`).
pub(crate) const OAUTH_FLOWS: &[&str] = &["oauth_code_pkce", "client_credentials"];

/// Domains are unique per emulator, and a peer's flows share one: each pool gets its own.
static DOMAINS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
pub(crate) const ORDERS: &str = "https://orders.example.com";
/// Never visited: the code is read from the redirect's `Location`.
pub(crate) const REDIRECT_URI: &str = "http://localhost/callback";
pub(crate) const USER: &str = "olivia";
pub(crate) const PW: &str = "Passw0rd!";

/// What the OAuth rows run against.
pub(crate) struct OAuthFixture {
    pub pool_id: String,
    pub domain_url: String,
    pub code_client_id: String,
    pub m2m_client_id: String,
    pub m2m_secret: String,
}

impl OAuthFixture {
    /// The authlib script's configuration.
    fn config(&self, emu: &Emulator) -> serde_json::Value {
        let issuer = format!("{}/{}", emu.url(), self.pool_id);
        serde_json::json!({
            "discovery": format!("{issuer}/.well-known/openid-configuration"),
            "issuer": issuer,
            "code": {
                "client_id": self.code_client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "openid email",
                "username": USER,
                "password": PW,
            },
            "m2m": {
                "client_id": self.m2m_client_id,
                "client_secret": self.m2m_secret,
                "scope": format!("{ORDERS}/read"),
            },
        })
    }
}

/// Provisions the pool through the admin API (SigV4, test/test).
pub(crate) async fn provision(emu: &Emulator) -> Result<OAuthFixture, String> {
    let pool_id = emu
        .create_pool(PoolSpec::named("oauth"))
        .ctx("create pool")?;
    let domain_name = format!(
        "interop-oauth-{}",
        DOMAINS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    emu.create_user(
        &pool_id,
        UserSpec::new(USER, PW)
            .attribute("email", format!("{USER}@example.com"))
            .attribute("email_verified", "true"),
    )
    .ctx("create user")?;
    let admin = AdminClient::builder()
        .endpoint_url(emu.url())
        .region("us-east-1")
        .pool_id(&pool_id)
        .credentials(static_credentials("test", "test", None))
        .build()
        .ctx("AdminClient")?;
    let domain = cognito_wire::CreateUserPoolDomainRequest::builder()
        .user_pool_id(&pool_id)
        .domain(&domain_name)
        .build()
        .ctx("domain request")?;
    admin
        .call::<op::CreateUserPoolDomain>(&domain)
        .await
        .ctx("CreateUserPoolDomain")?;
    let scope = |n: &str| {
        cognito_wire::ResourceServerScopeType::builder()
            .scope_name(n)
            .scope_description(n)
            .build()
    };
    let rs = cognito_wire::CreateResourceServerRequest::builder()
        .user_pool_id(&pool_id)
        .identifier(ORDERS)
        .name("Orders")
        .scopes(vec![
            scope("read").ctx("scope")?,
            scope("write").ctx("scope")?,
        ])
        .build()
        .ctx("resource server request")?;
    admin
        .call::<op::CreateResourceServer>(&rs)
        .await
        .ctx("CreateResourceServer")?;
    let code = cognito_wire::CreateUserPoolClientRequest::builder()
        .user_pool_id(&pool_id)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(vec![OAuthFlowType::Code])
        .allowed_o_auth_scopes(vec!["openid".to_owned(), "email".to_owned()])
        .callback_ur_ls(vec![REDIRECT_URI.to_owned()])
        .supported_identity_providers(vec!["COGNITO".to_owned()])
        .build()
        .ctx("code client request")?;
    let code = admin
        .call::<op::CreateUserPoolClient>(&code)
        .await
        .ctx("CreateUserPoolClient (code)")?
        .user_pool_client
        .and_then(|c| c.client_id)
        .ctx("code client id")?;
    let m2m = cognito_wire::CreateUserPoolClientRequest::builder()
        .user_pool_id(&pool_id)
        .client_name("worker")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(vec![OAuthFlowType::ClientCredentials])
        .allowed_o_auth_scopes(vec![format!("{ORDERS}/read"), format!("{ORDERS}/write")])
        .build()
        .ctx("m2m client request")?;
    let m2m = admin
        .call::<op::CreateUserPoolClient>(&m2m)
        .await
        .ctx("CreateUserPoolClient (m2m)")?
        .user_pool_client
        .ctx("m2m client")?;
    Ok(OAuthFixture {
        domain_url: format!("{}/_domain/{domain_name}", emu.url()),
        code_client_id: code.expose().to_owned(),
        m2m_client_id: m2m.client_id.ctx("m2m client id")?.expose().to_owned(),
        m2m_secret: m2m.client_secret.ctx("m2m secret")?.expose().to_owned(),
        pool_id,
    })
}

/// authlib: the two OAuth rows; the Cognito API rows are not its business.
pub(crate) async fn authlib(dirs: &Dirs) -> PeerRun {
    let d = dirs.clone();
    let python = match tokio::task::spawn_blocking(move || {
        venv(
            &d,
            &d.interop().join("authlib/requirements.txt"),
            "authlib-venv",
        )
    })
    .await
    {
        Ok(Ok(p)) => p,
        Ok(Err(why)) => return unavailable(why),
        Err(e) => return PeerRun::Broken(e.to_string()),
    };
    let emu = match emulator().await {
        Ok(e) => e,
        Err(e) => return PeerRun::Broken(e),
    };
    let fixture = match provision(&emu).await {
        Ok(f) => f,
        Err(e) => {
            emu.shutdown().await;
            return PeerRun::Broken(format!("provisioning the OAuth pool: {e}"));
        }
    };
    let config = dirs.target.join("tmp").join("authlib-interop.json");
    if let Err(e) = std::fs::write(&config, fixture.config(&emu).to_string()) {
        emu.shutdown().await;
        return PeerRun::Broken(format!("{}: {e}", config.display()));
    }
    let mut cmd = Command::new(python);
    cmd.arg(dirs.interop().join("authlib/authlib_interop.py"))
        .arg(&config)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let run = script(cmd, OAUTH_FLOWS).await;
    emu.shutdown().await;
    match run {
        PeerRun::Ran(mut results) => {
            for (id, _) in FLOWS {
                results
                    .entry((*id).to_owned())
                    .or_insert(Outcome::NotApplicable);
            }
            PeerRun::Ran(results)
        }
        other => other,
    }
}

/// Our client's `client_credentials` row: `ClientCredentials` gets, caches and (with cognito-jwt)
/// verifies a token; a wrong secret is `invalid_client`.
pub(crate) async fn rust_client_credentials(emu: &Emulator) -> Check {
    use cognito_auth::jwt::{CognitoJwtVerifier, PoolConfig, TokenUse};
    use cognito_auth::oauth::{ClientCredentials, OAuthDomain, OAuthError, OAuthErrorCode};
    let f = provision(emu).await?;
    let domain = OAuthDomain::from_url(&f.domain_url).ctx("domain")?;
    let m2m = ClientCredentials::builder(&domain, &f.m2m_client_id, f.m2m_secret.as_str())
        .scope(format!("{ORDERS}/read"))
        .build()
        .ctx("ClientCredentials")?;
    let token = m2m.access_token().await.ctx("client_credentials token")?;
    let again = m2m.access_token().await.ctx("cached token")?;
    ensure(
        again.access_token.expose() == token.access_token.expose(),
        "the token is cached",
    )?;
    let claims = CognitoJwtVerifier::builder_for(
        PoolConfig::new(&f.pool_id)
            .issuer(format!("{}/{}", emu.url(), f.pool_id))
            .client_id(&f.m2m_client_id)
            .token_use(TokenUse::Access)
            .scopes([format!("{ORDERS}/read")]),
    )
    .build()
    .ctx("verifier")?
    .verify(token.access_token.expose(), time::OffsetDateTime::now_utc())
    .await
    .ctx("verify the token")?;
    ensure(claims.sub == f.m2m_client_id, "sub is the client id")?;
    let wrong = ClientCredentials::builder(&domain, &f.m2m_client_id, "not-the-secret")
        .build()
        .ctx("ClientCredentials")?
        .access_token()
        .await;
    ensure(
        matches!(
            wrong,
            Err(OAuthError::Refused {
                code: OAuthErrorCode::InvalidClient,
                ..
            })
        ),
        format!("a wrong secret is invalid_client: {wrong:?}"),
    )
}

/// Our client's code-flow row: `CognitoAuth::authorize_request` (PKCE, state, nonce), the
/// managed login form posted over HTTP (`form_sign_in`), `AuthorizationCode::from_redirect`
/// and `sign_in_with_code` into a `Session`, whose id token cognito-jwt verifies.
pub(crate) async fn rust_code_flow(emu: &Emulator) -> Check {
    use cognito_auth::jwt::{CognitoJwtVerifier, PoolConfig, TokenUse};
    use cognito_auth::oauth::{AuthorizationCode, OAuthDomain};
    let f = provision(emu).await?;
    let domain = OAuthDomain::from_url(&f.domain_url).ctx("domain")?;
    let auth = cognito_auth::CognitoAuth::builder(&f.pool_id, &f.code_client_id)
        .endpoint_url(emu.url())
        .build()
        .ctx("CognitoAuth")?;
    let request = auth
        .authorize_request(&domain, REDIRECT_URI)
        .ctx("authorize request")?
        .scopes(["openid", "email"]);
    let location = form_sign_in(&request.url(), USER, PW).await?;
    let code = AuthorizationCode::from_redirect(&location, &request).ctx("the redirect")?;
    let session = auth
        .sign_in_with_code(&request, code)
        .await
        .ctx("sign_in_with_code")?;
    let tokens = session.tokens();
    let claims = CognitoJwtVerifier::builder_for(
        PoolConfig::new(&f.pool_id)
            .issuer(format!("{}/{}", emu.url(), f.pool_id))
            .client_id(&f.code_client_id)
            .token_use(TokenUse::Id),
    )
    .build()
    .ctx("verifier")?
    .verify(tokens.id_token.expose(), time::OffsetDateTime::now_utc())
    .await
    .ctx("verify the id token")?;
    ensure(
        claims.cognito_username.as_deref() == Some(USER),
        format!("id token cognito:username {:?}", claims.cognito_username),
    )
}

/// The CLI's code-flow row: `pycognito login --browser --no-open --port N` prints the authorize
/// URL; the form is posted over HTTP (no browser here: tests/browser drives Chromium), the
/// redirect is delivered to the CLI's loopback receiver, and the CLI keeps the session.
pub(crate) fn cli_code_flow(
    emu: &Emulator,
    cmd: impl Fn(&[&str], &OAuthFixture, &str) -> Command,
) -> Check {
    use std::io::BufRead as _;
    let rt = tokio::runtime::Handle::current();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ctx("a free port")?
        .port();
    let redirect = format!("http://localhost:{port}/callback");
    let f = rt.block_on(provision_with_redirect(emu, &redirect))?;
    let port_arg = port.to_string();
    let mut child = cmd(
        &[
            "login",
            "--browser",
            "--no-open",
            "--port",
            &port_arg,
            "--domain",
            &f.domain_url,
            "--scope",
            "openid",
            "--scope",
            "email",
            "--json",
        ],
        &f,
        &f.code_client_id,
    )
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .ctx("spawn pycognito login --browser")?;
    let result = (|| {
        let stdout = child.stdout.take().ctx("stdout")?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let url = lines.next().ctx("the authorize URL")?.ctx("read stdout")?;
        let location = rt.block_on(form_sign_in(&url, USER, PW))?;
        ensure(
            location.starts_with(&redirect),
            format!("redirected to the CLI's loopback: {location}"),
        )?;
        // The browser's last hop: the redirect, delivered to the CLI.
        let (status, _) = rt.block_on(get(&location))?;
        ensure(
            status == 200,
            format!("the CLI's receiver answered {status}"),
        )?;
        let out: Vec<String> = lines.map_while(Result::ok).collect();
        let status = child.wait().ctx("wait")?;
        ensure(
            status.success(),
            format!("login --browser exited with {status}"),
        )?;
        let session: serde_json::Value =
            serde_json::from_str(out.join("\n").trim()).ctx("the session JSON")?;
        let name = session.get("username").and_then(|u| u.as_str());
        ensure(name == Some(USER), format!("signed in as {name:?}"))
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// `provision`, with the code client's callback URL `redirect` (the CLI's loopback port).
async fn provision_with_redirect(emu: &Emulator, redirect: &str) -> Result<OAuthFixture, String> {
    let mut f = provision(emu).await?;
    let admin = AdminClient::builder()
        .endpoint_url(emu.url())
        .region("us-east-1")
        .pool_id(&f.pool_id)
        .credentials(static_credentials("test", "test", None))
        .build()
        .ctx("AdminClient")?;
    let req = cognito_wire::CreateUserPoolClientRequest::builder()
        .user_pool_id(&f.pool_id)
        .client_name("cli")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(vec![OAuthFlowType::Code])
        .allowed_o_auth_scopes(vec!["openid".to_owned(), "email".to_owned()])
        .callback_ur_ls(vec![redirect.to_owned()])
        .supported_identity_providers(vec!["COGNITO".to_owned()])
        .build()
        .ctx("cli client request")?;
    f.code_client_id = admin
        .call::<op::CreateUserPoolClient>(&req)
        .await
        .ctx("CreateUserPoolClient (cli)")?
        .user_pool_client
        .and_then(|c| c.client_id)
        .ctx("cli client id")?
        .expose()
        .to_owned();
    Ok(f)
}

pub(crate) type Http = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<bytes::Bytes>,
>;

pub(crate) fn http() -> Http {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

/// One request (loopback only): status, `Location` resolved against `url`, `Set-Cookie`
/// name/value pairs and the body.
async fn send(
    http: &Http,
    method: http::Method,
    url: &str,
    cookies: &[(String, String)],
    form: Option<String>,
) -> Result<(u16, Option<String>, Vec<(String, String)>, String), String> {
    let parsed = url::Url::parse(url).ctx("URL")?;
    ensure(
        matches!(parsed.host_str(), Some("127.0.0.1" | "localhost")),
        format!("only loopback is contacted: {url}"),
    )?;
    let cookie = cookies
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut req = http::Request::builder().method(method).uri(url);
    if !cookie.is_empty() {
        req = req.header("cookie", cookie);
    }
    if form.is_some() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let req = req
        .body(http_body_util::Full::new(bytes::Bytes::from(
            form.unwrap_or_default(),
        )))
        .ctx("request")?;
    let answer = tokio::time::timeout(std::time::Duration::from_secs(15), http.request(req))
        .await
        .ctx("timed out")?
        .ctx(url)?;
    let status = answer.status().as_u16();
    let location = match answer.headers().get("location") {
        Some(l) => Some(
            parsed
                .join(l.to_str().ctx("Location")?)
                .ctx("Location")?
                .to_string(),
        ),
        None => None,
    };
    let set: Vec<(String, String)> = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|h| h.to_str().ok())
        .filter_map(|h| h.split(';').next())
        .filter_map(|nv| nv.split_once('='))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = http_body_util::BodyExt::collect(answer.into_body())
        .await
        .ctx("body")?
        .to_bytes();
    Ok((
        status,
        location,
        set,
        String::from_utf8_lossy(&body).into_owned(),
    ))
}

/// A GET without cookies: (status, body).
pub(crate) async fn get(url: &str) -> Result<(u16, String), String> {
    let (status, _, _, body) = send(&http(), http::Method::GET, url, &[], None).await?;
    Ok((status, body))
}

/// The managed login played by an HTTP client: GET the authorize URL and follow it to the
/// sign-in page (cookies kept: the CSRF double submit's `XSRF-TOKEN`), post the sign-in form
/// (`id="signin"`) with its hidden inputs (`_csrf`), username and password; returns the 302's
/// `Location` (the redirect URI with `code` and `state`), not followed.
pub(crate) async fn form_sign_in(url: &str, user: &str, password: &str) -> Result<String, String> {
    let http = http();
    let mut cookies: Vec<(String, String)> = Vec::new();
    let mut at = url.to_owned();
    let mut hops = 0;
    let page = loop {
        let (status, location, set, body) =
            send(&http, http::Method::GET, &at, &cookies, None).await?;
        keep(&mut cookies, set);
        match (status, location) {
            (302 | 303, Some(next)) if hops < 5 => {
                hops += 1;
                at = next;
            }
            (200, _) => break body,
            (status, _) => return Err(format!("GET {at}: {status}: {body}")),
        }
    };
    let (action, mut fields) = signin_form(&page).ctx("the sign-in form (id=\"signin\")")?;
    ensure(
        fields.iter().any(|(n, _)| n == "_csrf"),
        "the sign-in form has a hidden _csrf input",
    )?;
    fields.push(("username".to_owned(), user.to_owned()));
    fields.push(("password".to_owned(), password.to_owned()));
    let action = url::Url::parse(&at)
        .and_then(|u| u.join(&action))
        .ctx("form action")?
        .to_string();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let (status, location, _, page) =
        send(&http, http::Method::POST, &action, &cookies, Some(body)).await?;
    match (status, location) {
        (302 | 303, Some(l)) => Ok(l),
        (status, _) => Err(format!("signing in: {status}: {page}")),
    }
}

fn keep(cookies: &mut Vec<(String, String)>, set: Vec<(String, String)>) {
    for (n, v) in set {
        cookies.retain(|(m, _)| *m != n);
        cookies.push((n, v));
    }
}

/// The value of attribute `name` in the text of one tag, HTML entities decoded.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let rest = tag.get(start..)?;
    let value = rest.get(..rest.find('"')?)?;
    Some(
        value
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The sign-in form's action and hidden inputs.
fn signin_form(page: &str) -> Option<(String, Vec<(String, String)>)> {
    let start = page.find("<form id=\"signin\"")?;
    let form = page.get(start..)?;
    let form = form.get(..form.find("</form>")?)?;
    let open = form.get(..form.find('>')?)?;
    let action = attr(open, "action").unwrap_or_default();
    let hidden = form
        .split("<input")
        .skip(1)
        .filter_map(|rest| rest.get(..rest.find('>')?))
        .filter(|tag| attr(tag, "type").as_deref() == Some("hidden"))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect();
    Some((action, hidden))
}
