//! A pool with a domain and a code-flow app client, made through the signed admin API against
//! the emulator, for the tests of the managed login pages (tests/browser and the `oauth2` crate's
//! code flow in tests/e2e/oauth.rs): the code exchange over plain HTTP, the tokens verified by
//! cognito-jwt, and codes read from the emulator's outbox over HTTP. (The form sign-in without a
//! browser is `pycognito_tests::managed_login`.)
#![allow(dead_code)] // each test binary uses part of it

use cognito_admin::{AdminClient, static_credentials};
use cognito_auth::jwt::{Claims, CognitoJwtVerifier, PoolConfig, TokenUse};
use cognito_auth::oauth::OAuthDomain;
use cognito_emulator::{ClientSpec, PoolSpec};
use cognito_wire::{OAuthFlowType, op};
use pycognito_tests::Env;

pub const DOMAIN: &str = "web-login";
pub const PW: &str = "Passw0rd!";

/// The emulator, its pool's domain and a public code-flow client.
pub struct Hosted {
    pub env: Env,
    pub admin: AdminClient,
    pub domain: OAuthDomain,
    pub client_id: String,
    pub redirect_uri: String,
    pub http: reqwest::Client,
}

/// The signed admin client of the emulator (test/test, the shared clock).
pub fn admin(env: &Env) -> AdminClient {
    let clock = env.clock.clone();
    AdminClient::builder()
        .endpoint_url(env.emu.url())
        .region("us-east-1")
        .pool_id(&env.pool_id)
        .credentials(static_credentials("test", "test", None))
        .clock(move || cognito_emulator::Clock::now(clock.0.as_ref()))
        .build()
        .unwrap()
}

impl Hosted {
    /// An emulator with `pool`, a domain, and a public client for the code flow with PKCE that
    /// may redirect to `redirect_uri` (scopes openid, email, profile and
    /// aws.cognito.signin.user.admin, which the user-side API needs). `env.client` is a second,
    /// API-only client (for setting up a user through the API).
    pub async fn start(pool: PoolSpec, redirect_uri: &str) -> Hosted {
        let env = Env::start(pool, ClientSpec::public("api")).await;
        let admin = admin(&env);
        let req = cognito_wire::CreateUserPoolDomainRequest::builder()
            .user_pool_id(&env.pool_id)
            .domain(DOMAIN)
            .build()
            .unwrap();
        admin.call::<op::CreateUserPoolDomain>(&req).await.unwrap();
        let req = cognito_wire::CreateUserPoolClientRequest::builder()
            .user_pool_id(&env.pool_id)
            .client_name("web")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(vec![OAuthFlowType::Code])
            .allowed_o_auth_scopes(vec![
                "openid".to_owned(),
                "email".to_owned(),
                "profile".to_owned(),
                "aws.cognito.signin.user.admin".to_owned(),
            ])
            .callback_ur_ls(vec![redirect_uri.to_owned()])
            .supported_identity_providers(vec!["COGNITO".to_owned()])
            .build()
            .unwrap();
        let client_id = admin
            .call::<op::CreateUserPoolClient>(&req)
            .await
            .unwrap()
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap()
            .expose()
            .to_owned();
        let domain = OAuthDomain::from_url(&format!("{}/_domain/{DOMAIN}", env.emu.url())).unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        Hosted {
            env,
            admin,
            domain,
            client_id,
            redirect_uri: redirect_uri.to_owned(),
            http,
        }
    }

    /// Redeems a code at the token endpoint (public client: no secret; PKCE's verifier).
    pub async fn exchange(&self, code: &str, verifier: &str) -> serde_json::Value {
        let answer = self
            .http
            .post(self.domain.token_endpoint())
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.redirect_uri),
                ("client_id", &self.client_id),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let body: serde_json::Value =
            serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        assert!(status.is_success(), "token endpoint: {status} {body}");
        body
    }

    fn verifier(&self, token_use: TokenUse) -> CognitoJwtVerifier {
        CognitoJwtVerifier::builder_for(
            PoolConfig::new(&self.env.pool_id)
                .issuer(format!("{}/{}", self.env.emu.url(), self.env.pool_id))
                .client_id(&self.client_id)
                .token_use(token_use),
        )
        .build()
        .unwrap()
    }

    /// Verifies the id and access tokens of a token answer with cognito-jwt (signature against
    /// the pool's JWKS, iss, aud / client_id, token_use, expiry) and the id token's `nonce`;
    /// returns (id claims, access claims).
    pub async fn verify(&self, tokens: &serde_json::Value, nonce: &str) -> (Claims, Claims) {
        let now = cognito_auth::Clock::now(&self.env.clock);
        let id = self
            .verifier(TokenUse::Id)
            .verify(tokens["id_token"].as_str().unwrap(), now)
            .await
            .unwrap();
        assert_eq!(id.get("nonce").and_then(|v| v.as_str()), Some(nonce));
        let access = self
            .verifier(TokenUse::Access)
            .verify(tokens["access_token"].as_str().unwrap(), now)
            .await
            .unwrap();
        assert!(access.scopes().any(|s| s == "openid"), "{:?}", access.scope);
        (id, access)
    }

    /// The code of the latest message to `username`, from `GET /_emulator/outbox`.
    pub async fn outbox_code(&self, username: &str) -> String {
        let msgs = self
            .http
            .get(format!("{}/_emulator/outbox", self.env.emu.url()))
            .query(&[
                ("pool_id", self.env.pool_id.as_str()),
                ("username", username),
            ])
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let msgs: serde_json::Value = serde_json::from_slice(&msgs).unwrap();
        let last = msgs.as_array().and_then(|m| m.last()).cloned();
        last.and_then(|m| m["code"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no message to {username} in the outbox: {msgs}"))
    }
}
