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

const DOMAIN: &str = "interop-oauth";
const ORDERS: &str = "https://orders.example.com";
/// Never visited: the code is read from the redirect's `Location`.
const REDIRECT_URI: &str = "http://localhost/callback";
const USER: &str = "olivia";
const PW: &str = "Passw0rd!";

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
        .domain(DOMAIN)
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
        domain_url: format!("{}/_domain/{DOMAIN}", emu.url()),
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
