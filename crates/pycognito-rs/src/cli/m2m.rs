//! `pycognito token --client-credentials`: a machine-to-machine access token of the app client
//! (OAuth 2.0 `client_credentials` on the pool's domain), cached in a 0600 file beside the
//! session until 5 minutes before it expires.

use super::Global;
use super::context::session_path;
use super::error::CliError;
use cognito_auth::NextAction;
use cognito_auth::oauth::{ClientCredentials, OAuthDomain, OAuthError};
use cognito_wire::SensitiveString;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

/// `pycognito token`.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The client_credentials grant (the only one `token` has): an access token of the app
    /// client itself, with `--client-id` and `--client-secret` (or `PYCOGNITO_CLIENT_SECRET`).
    #[arg(long, required = true)]
    pub client_credentials: bool,
    /// The pool's domain: a prefix (`my-app`, with `--region`), a custom domain
    /// (`auth.example.com`) or a base URL (the emulator's `http://127.0.0.1:9229/_domain/my-app`).
    #[arg(long, env = "PYCOGNITO_DOMAIN")]
    pub domain: String,
    /// A scope to ask for (`<resource server>/<scope>`; repeat for several). None: every scope
    /// the app client is allowed.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// The resource (RFC 8707): a resource server identifier, the token's `aud`.
    #[arg(long)]
    pub resource: Option<String>,
    /// Fetch a new token even if a cached one is still good.
    #[arg(long)]
    pub no_cache: bool,
}

/// The domain from `--domain`: a URL, a custom domain (has a dot) or a prefix.
pub(super) fn domain_of(g: &Global, raw: &str) -> Result<OAuthDomain, CliError> {
    let fix = |e: OAuthError| CliError::new(NextAction::FixConfiguration, e.to_string());
    if raw.starts_with("http://") || raw.starts_with("https://") {
        return OAuthDomain::from_url(raw).map_err(fix);
    }
    if raw.contains('.') {
        return OAuthDomain::custom(raw).map_err(fix);
    }
    let region = g
        .region
        .clone()
        .or_else(|| {
            g.pool_id
                .as_deref()
                .and_then(|p| cognito_wire::PoolId::parse(p).ok())
                .map(|p| p.region().to_owned())
        })
        .ok_or_else(|| {
            CliError::usage(format!(
                "--domain {raw} is a prefix domain: give its region with --region (or --pool-id)"
            ))
        })?;
    OAuthDomain::prefix(raw, &region).map_err(fix)
}

/// The cache file of one (domain, client, scopes, resource).
fn cache_path(g: &Global, key: &str) -> PathBuf {
    // DefaultHasher may change between Rust releases: a changed name is a cache miss, no harm.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    session_path(g).with_file_name(format!("m2m-{:016x}.json", h.finish()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cached {
    access_token: String,
    /// Unix seconds.
    expires_at: i64,
}

/// `pycognito token --client-credentials`: prints the access token (with `--json`: the token,
/// its expiry and scopes).
pub async fn token(g: &Global, a: TokenArgs) -> Result<(), CliError> {
    let client_id = g
        .client_id
        .clone()
        .ok_or_else(|| CliError::usage("--client-id (or PYCOGNITO_CLIENT_ID) is required"))?;
    let secret: SensitiveString = g.client_secret.clone().ok_or_else(|| {
        CliError::usage(
            "the client_credentials grant needs the app client's secret: set PYCOGNITO_CLIENT_SECRET (or --client-secret)",
        )
    })?;
    let domain = domain_of(g, &a.domain)?;
    let key = format!(
        "{}\n{client_id}\n{}\n{}",
        domain.token_endpoint(),
        a.scopes.join(" "),
        a.resource.as_deref().unwrap_or_default()
    );
    let path = cache_path(g, &key);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let cached = std::fs::read(&path)
        .ok()
        .and_then(|raw| serde_json::from_slice::<Cached>(&raw).ok())
        .filter(|c| !a.no_cache && c.expires_at - 300 > now);
    let (token, expires_at) = match cached {
        Some(c) => (c.access_token, c.expires_at),
        None => {
            let mut b =
                ClientCredentials::builder(&domain, client_id, secret).scopes(a.scopes.clone());
            if let Some(r) = &a.resource {
                b = b.resource(r.clone());
            }
            let t = b
                .build()
                .map_err(|e| CliError::new(e.next_action(), e.to_string()))?
                .access_token()
                .await
                .map_err(|e| CliError::new(e.next_action(), e.to_string()))?;
            let fresh = Cached {
                access_token: t.access_token.expose().to_owned(),
                expires_at: t.expires_at.unix_timestamp(),
            };
            // A cache that cannot be written costs a fetch next time, nothing more.
            if let Ok(raw) = serde_json::to_vec(&fresh)
                && let Err(e) = cognito_auth::write_private_file(&path, &raw)
            {
                eprintln!("note: the token was not cached ({}: {e})", path.display());
            }
            (fresh.access_token, fresh.expires_at)
        }
    };
    if g.json {
        println!(
            "{}",
            serde_json::json!({
                "access_token": token,
                "expires_at": expires_at,
                "scopes": a.scopes,
            })
        );
    } else {
        println!("{token}");
    }
    Ok(())
}
