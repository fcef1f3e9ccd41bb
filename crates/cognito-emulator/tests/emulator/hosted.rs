//! The managed login pages and the code flow over HTTP, played by a small cookie-keeping
//! browser: authorize → sign-in (with MFA, new password) → code → tokens (PKCE, nonce,
//! at_hash, scopes) → refresh → userInfo → revoke → logout; sign-up and forgot password
//! through the pages; the refusals (redirect URI, CSRF, code reuse, PKCE).

use crate::common::*;
use bytes::Bytes;
use cognito_emulator::{MfaConfig, OutboxKind, PoolSpec, UserMfaSpec, UserSpec};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const DOMAIN: &str = "/_domain/web-login";
const CALLBACK: &str = "http://localhost:8765/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
    headers: http::HeaderMap,
}

/// A browser: keeps cookies, follows nothing by itself.
struct Browser<'e> {
    env: &'e Env,
    cookies: BTreeMap<String, String>,
}

impl<'e> Browser<'e> {
    fn new(env: &'e Env) -> Self {
        Browser {
            env,
            cookies: BTreeMap::new(),
        }
    }

    async fn send(&mut self, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> Page {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.env.emu.url())
        };
        let mut req = http::Request::builder().method(method).uri(url);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", c.join("; "));
        }
        let body = match form {
            Some(f) => {
                req = req.header("content-type", "application/x-www-form-urlencoded");
                let mut s = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in f {
                    s.append_pair(k, v);
                }
                s.finish()
            }
            None => String::new(),
        };
        let resp = self
            .env
            .http
            .request(req.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        for c in resp.headers().get_all("set-cookie") {
            let kv = c.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() || c.to_str().unwrap().contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let location = headers
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = String::from_utf8(
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
        .unwrap();
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None).await
    }

    /// Posts a page's form (`form_id`), its hidden fields kept, `fields` filled in.
    async fn submit(&mut self, page: &Page, form_id: &str, fields: &[(&str, &str)]) -> Page {
        let (action, hidden) = form_of(&page.body, form_id);
        let mut all: Vec<(&str, &str)> = hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        all.extend_from_slice(fields);
        self.send("POST", &action, Some(&all)).await
    }
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The attribute `name` of the first tag in `s`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[at..].find('"')?;
    Some(unescape(&tag[at..at + end]))
}

/// A form's action and hidden inputs.
fn form_of(html: &str, id: &str) -> (String, Vec<(String, String)>) {
    let start = html
        .find(&format!("<form id=\"{id}\""))
        .unwrap_or_else(|| panic!("no form {id} in {html}"));
    let end = start + html[start..].find("</form>").unwrap();
    let form = &html[start..end];
    let action = attr(form, "action").unwrap();
    let hidden = form
        .split('<')
        .filter(|t| t.starts_with("input type=\"hidden\""))
        .map(|t| (attr(t, "name").unwrap(), attr(t, "value").unwrap()))
        .collect();
    (action, hidden)
}

fn query_of(url: &str) -> BTreeMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A domain and a code-flow app client on the env's pool; (client id, secret).
async fn web_client(env: &Env, secret: bool) -> (String, Option<String>) {
    env.admin(
        "CreateUserPoolDomain",
        json!({"UserPoolId": env.pool, "Domain": "web-login"}),
    )
    .await
    .unwrap();
    let c = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": env.pool, "ClientName": "spa", "GenerateSecret": secret,
                   "AllowedOAuthFlowsUserPoolClient": true,
                   "AllowedOAuthFlows": ["code"],
                   "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
                   "CallbackURLs": [CALLBACK],
                   "LogoutURLs": ["http://localhost:8765/bye"],
                   "SupportedIdentityProviders": ["COGNITO"]}),
        )
        .await
        .unwrap();
    let c = &c["UserPoolClient"];
    (
        c["ClientId"].as_str().unwrap().to_owned(),
        c["ClientSecret"].as_str().map(str::to_owned),
    )
}

fn authorize_path(client_id: &str, scope: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("state", "st-123")
        .append_pair("nonce", "n-456")
        .append_pair("scope", scope)
        .append_pair("code_challenge", CHALLENGE)
        .append_pair("code_challenge_method", "S256");
    format!("{DOMAIN}/oauth2/authorize?{}", q.finish())
}

async fn token(env: &Env, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, Value) {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        s.append_pair(k, v);
    }
    let mut req = http::Request::post(format!("{}{DOMAIN}/oauth2/token", env.emu.url()))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        use base64::Engine;
        req = req.header(
            "authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
            ),
        );
    }
    let resp = env
        .http
        .request(req.body(Full::new(Bytes::from(s.finish()))).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let raw = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&raw).unwrap_or(Value::Null))
}

/// The code exchange of the public client, with the right redirect URI and verifier.
async fn redeem(env: &Env, cid: &str, code: &str) -> (u16, Value) {
    token(
        env,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", cid),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
        None,
    )
    .await
}

async fn bearer(env: &Env, path: &str, token: &str) -> (u16, Value, http::HeaderMap) {
    let req = http::Request::get(format!("{}{DOMAIN}{path}", env.emu.url()))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = env.http.request(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let raw = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&raw).unwrap_or(Value::Null),
        headers,
    )
}

/// Signs in through the pages (password only); the callback URL with the code.
async fn sign_in(b: &mut Browser<'_>, client_id: &str, user: &str, password: &str) -> String {
    let a = b
        .get(&authorize_path(client_id, "openid email profile"))
        .await;
    assert_eq!(a.status, 302, "{}", a.body);
    let login = b.get(a.location.as_deref().unwrap()).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let done = b
        .submit(
            &login,
            "signin",
            &[("username", user), ("password", password)],
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    done.location.unwrap()
}

#[tokio::test]
async fn code_flow_with_pkce_gives_verifiable_tokens_refresh_userinfo_revoke_logout() {
    let env = env(false).await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("alice", "Passw0rd!")
                .attribute("email", "alice@example.com")
                .attribute("email_verified", "true"),
        )
        .unwrap();
    let (cid, _) = web_client(&env, false).await;
    let mut b = Browser::new(&env);

    // authorize → /login with the same query.
    let a = b
        .get(&authorize_path(
            &cid,
            "openid email aws.cognito.signin.user.admin",
        ))
        .await;
    assert_eq!(a.status, 302);
    let to_login = a.location.unwrap();
    assert!(
        to_login.starts_with(&format!("{DOMAIN}/login?")),
        "{to_login}"
    );
    let login = b.get(&to_login).await;
    assert_eq!(login.status, 200);
    assert!(
        login.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        login.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(b.cookies.contains_key("XSRF-TOKEN"));

    // A wrong password: the page again, with Cognito's message.
    let wrong = b
        .submit(
            &login,
            "signin",
            &[("username", "alice"), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("id=\"error\""), "{}", wrong.body);
    assert!(
        wrong.body.contains("Incorrect username or password."),
        "{}",
        wrong.body
    );

    let done = b
        .submit(
            &login,
            "signin",
            &[("username", "alice"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    let callback = done.location.unwrap();
    assert!(callback.starts_with(CALLBACK), "{callback}");
    let q = query_of(&callback);
    assert_eq!(q["state"], "st-123");
    let code = q["code"].clone();
    assert!(b.cookies.contains_key("cognito"));

    // A wrong verifier uses the code up.
    let (status, body) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &cid),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", &"x".repeat(43)),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (_, body) = redeem(&env, &cid, &code).await;
    assert_eq!(
        body["error"], "invalid_grant",
        "the code is single use: {body}"
    );

    // Signed in already: authorize goes straight back with a new code.
    let again = b
        .get(&authorize_path(
            &cid,
            "openid email aws.cognito.signin.user.admin",
        ))
        .await;
    assert_eq!(again.status, 302);
    let callback = again.location.unwrap();
    assert!(callback.starts_with(CALLBACK), "{callback}");
    let code = query_of(&callback)["code"].clone();

    // Another redirect_uri than the authorize request's: refused.
    let (_, body) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &cid),
            ("code", &code),
            ("redirect_uri", "http://localhost:8765/other"),
            ("code_verifier", VERIFIER),
        ],
        None,
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    let code = query_of(
        &b.get(&authorize_path(
            &cid,
            "openid email aws.cognito.signin.user.admin",
        ))
        .await
        .location
        .unwrap(),
    )["code"]
        .clone();
    let (status, t) = redeem(&env, &cid, &code).await;
    assert_eq!(status, 200, "{t}");
    let jwks = env
        .get(&format!("/{}/.well-known/jwks.json", env.pool))
        .await;
    let access = t["access_token"].as_str().unwrap();
    let id = t["id_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();
    assert!(crate::tokens::verify_rs256(access, &jwks));
    assert!(crate::tokens::verify_rs256(id, &jwks));
    let ac = claims(access);
    assert_eq!(ac["scope"], "openid email aws.cognito.signin.user.admin");
    assert_eq!(ac["client_id"], cid.as_str());
    assert_eq!(ac["username"], "alice");
    assert_eq!(ac["version"], 2);
    let ic = claims(id);
    assert_eq!(ic["nonce"], "n-456");
    assert_eq!(ic["aud"], cid.as_str());
    assert_eq!(ic["email"], "alice@example.com");
    {
        use base64::Engine;
        let d = ring::digest::digest(&ring::digest::SHA256, access.as_bytes());
        let want = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&d.as_ref()[..16]);
        assert_eq!(ic["at_hash"], want.as_str());
    }
    // With Cognito's scope, the token calls the user-side API.
    let me = env
        .call("GetUser", json!({"AccessToken": access}))
        .await
        .unwrap();
    assert_eq!(me["Username"], "alice");

    // userInfo: sub, username, email (the email scope), booleans as strings.
    let (status, info, _) = bearer(&env, "/oauth2/userInfo", access).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["username"], "alice");
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["email_verified"], "true");
    assert_eq!(info["sub"], ac["sub"]);
    let (status, _, headers) = bearer(&env, "/oauth2/userInfo", "not-a-token").await;
    assert_eq!(status, 401);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );

    // Refresh through the token endpoint: the scopes stay; no nonce on the new id token.
    let (status, r) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &cid),
            ("refresh_token", refresh),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert!(r.get("refresh_token").is_none());
    let rc = claims(r["access_token"].as_str().unwrap());
    assert_eq!(rc["scope"], "openid email aws.cognito.signin.user.admin");
    assert!(
        claims(r["id_token"].as_str().unwrap())
            .get("nonce")
            .is_none()
    );

    // Revoke, then the refresh token is refused.
    let revoke = http::Request::post(format!("{}{DOMAIN}/oauth2/revoke", env.emu.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(format!(
            "token={refresh}&client_id={cid}"
        ))))
        .unwrap();
    let resp = env.http.request(revoke).await.unwrap();
    assert_eq!(resp.status(), 200);
    let (_, r) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &cid),
            ("refresh_token", refresh),
        ],
        None,
    )
    .await;
    assert_eq!(r["error"], "invalid_grant", "{r}");

    // Logout: only to a listed logout_uri; then authorize asks to sign in again.
    let bad = b
        .get(&format!(
            "{DOMAIN}/logout?client_id={cid}&logout_uri=https%3A%2F%2Fevil.example"
        ))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.location.is_none());
    let out = b
        .get(&format!(
            "{DOMAIN}/logout?client_id={cid}&logout_uri=http%3A%2F%2Flocalhost%3A8765%2Fbye"
        ))
        .await;
    assert_eq!(out.status, 302);
    assert_eq!(out.location.as_deref(), Some("http://localhost:8765/bye"));
    assert!(!b.cookies.contains_key("cognito"));
    let a = b.get(&authorize_path(&cid, "openid")).await;
    assert!(a.location.unwrap().contains("/login?"));

    // The pages' sign-ins are recorded like the API's: the wrong password, then the pass.
    let ev = env
        .admin(
            "AdminListUserAuthEvents",
            json!({"UserPoolId": env.pool, "Username": "alice"}),
        )
        .await
        .unwrap();
    let responses: Vec<&str> = ev["AuthEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["EventResponse"].as_str().unwrap())
        .collect();
    assert_eq!(responses, ["Pass", "Fail"], "{ev}");

    // Discovery lists the endpoints.
    let d = env
        .get(&format!("/{}/.well-known/openid-configuration", env.pool))
        .await;
    assert!(
        d["authorization_endpoint"]
            .as_str()
            .unwrap()
            .ends_with("/_domain/web-login/oauth2/authorize")
    );
    assert!(
        d["userinfo_endpoint"]
            .as_str()
            .unwrap()
            .ends_with("/oauth2/userInfo")
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
}

#[tokio::test]
async fn authorize_refuses_without_redirecting_where_it_cannot_trust() {
    let env = env(false).await;
    let (cid, _) = web_client(&env, false).await;
    let mut b = Browser::new(&env);
    // An unknown redirect URI: an error page, no redirect (no open redirect).
    let p = b
        .get(&format!(
            "{DOMAIN}/oauth2/authorize?response_type=code&client_id={cid}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
        ))
        .await;
    assert_eq!(p.status, 400);
    assert!(p.location.is_none());
    assert!(p.body.contains("redirect_mismatch"));
    // An unknown client: the same.
    let p = b
        .get(&format!(
            "{DOMAIN}/oauth2/authorize?response_type=code&client_id=nope&redirect_uri={CALLBACK}"
        ))
        .await;
    assert_eq!(p.status, 400);
    assert!(p.location.is_none());
    // Once the redirect URI is trusted, errors go back to it, with the state.
    let p = b
        .get(&format!(
            "{DOMAIN}/oauth2/authorize?response_type=code&client_id={cid}&redirect_uri={CALLBACK}&scope=phone&state=s1"
        ))
        .await;
    let q = query_of(p.location.as_deref().unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("invalid_scope", "s1")
    );
    let p = b
        .get(&format!(
            "{DOMAIN}/oauth2/authorize?response_type=code&client_id={cid}&redirect_uri={CALLBACK}&code_challenge=abc&code_challenge_method=plain"
        ))
        .await;
    assert_eq!(
        query_of(p.location.as_deref().unwrap())["error"],
        "invalid_request"
    );
    let p = b
        .get(&format!(
            "{DOMAIN}/oauth2/authorize?response_type=token&client_id={cid}&redirect_uri={CALLBACK}"
        ))
        .await;
    assert_eq!(
        query_of(p.location.as_deref().unwrap())["error"],
        "unsupported_response_type"
    );

    // A form posted without this browser's anti-forgery token: refused.
    env.user("bob", "Passw0rd!");
    let login = b.get(&authorize_path(&cid, "openid")).await;
    let login = b.get(login.location.as_deref().unwrap()).await;
    let (action, _) = form_of(&login.body, "signin");
    let forged = b
        .send(
            "POST",
            &action,
            Some(&[
                ("username", "bob"),
                ("password", "Passw0rd!"),
                ("_csrf", "x".repeat(43).as_str()),
            ]),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.location.is_none());

    // What a page echoes is escaped.
    let p = b
        .submit(
            &login,
            "signin",
            &[("username", "<script>alert(1)</script>"), ("password", "x")],
        )
        .await;
    assert!(!p.body.contains("<script>alert"), "{}", p.body);
    assert!(p.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn totp_mfa_and_new_password_steps_through_the_pages() {
    let env = env_with(
        PoolSpec::named("p").mfa(MfaConfig::On),
        cognito_emulator::ClientSpec::public("web"),
    )
    .await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("carol", "Passw0rd!").mfa(
                UserMfaSpec::default().totp_secret(Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into())),
            ),
        )
        .unwrap();
    let (cid, secret) = web_client(&env, true).await;
    let secret = secret.unwrap();
    let mut b = Browser::new(&env);
    let a = b.get(&authorize_path(&cid, "openid")).await;
    let login = b.get(a.location.as_deref().unwrap()).await;
    let mfa = b
        .submit(
            &login,
            "signin",
            &[("username", "carol"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(mfa.status, 200, "{}", mfa.body);
    assert!(mfa.body.contains("authenticator app"), "{}", mfa.body);
    let wrong = b.submit(&mfa, "challenge", &[("code", "000000")]).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("id=\"error\""));
    let now = unix(env.emu.now());
    let code = cognito_emulator::totp_code("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", now).unwrap();
    let done = b.submit(&wrong, "challenge", &[("code", &code)]).await;
    assert_eq!(done.status, 302, "{}", done.body);
    let code = query_of(done.location.as_deref().unwrap())["code"].clone();
    // A client with a secret authenticates at the token endpoint.
    let (status, body) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
        Some((&cid, "wrong")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let code = query_of(
        &b.get(&authorize_path(&cid, "openid"))
            .await
            .location
            .unwrap(),
    )["code"]
        .clone();
    let (status, body) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ],
        Some((&cid, &secret)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["username"],
        "carol"
    );

    // An admin-created user: new password, then TOTP set-up (MFA is on and none is set up).
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("dave", "Temp0rary!").status(Some("FORCE_CHANGE_PASSWORD".into())),
        )
        .unwrap();
    let mut b = Browser::new(&env);
    let a = b.get(&authorize_path(&cid, "openid")).await;
    let login = b.get(a.location.as_deref().unwrap()).await;
    let np = b
        .submit(
            &login,
            "signin",
            &[("username", "dave"), ("password", "Temp0rary!")],
        )
        .await;
    assert!(np.body.contains("name=\"new_password\""), "{}", np.body);
    let setup = b
        .submit(&np, "challenge", &[("new_password", "Brand-n3w!")])
        .await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    let start = setup.body.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
    let secret_b32 = &setup.body[start..start + setup.body[start..].find('<').unwrap()];
    let code = cognito_emulator::totp_code(secret_b32, unix(env.emu.now())).unwrap();
    let done = b.submit(&setup, "challenge", &[("code", &code)]).await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert!(done.location.unwrap().starts_with(CALLBACK));
}

#[tokio::test]
async fn sign_up_and_forgot_password_complete_through_the_pages() {
    let env = env_with(
        PoolSpec::named("p"),
        cognito_emulator::ClientSpec::public("web"),
    )
    .await;
    let (cid, _) = web_client(&env, false).await;
    let mut b = Browser::new(&env);
    let a = b.get(&authorize_path(&cid, "openid")).await;
    let login = b.get(a.location.as_deref().unwrap()).await;
    assert!(login.body.contains("id=\"signup-link\""));
    let (href, _) = {
        let at = login.body.find("id=\"signup-link\"").unwrap();
        let tag_start = login.body[..at].rfind('<').unwrap();
        (attr(&login.body[tag_start..], "href").unwrap(), ())
    };
    let signup = b.get(&href).await;
    assert_eq!(signup.status, 200, "{}", signup.body);
    let weak = b
        .submit(
            &signup,
            "signup",
            &[
                ("username", "erin"),
                ("email", "erin@example.com"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(weak.status, 400);
    assert!(
        weak.body.contains("Password did not conform"),
        "{}",
        weak.body
    );
    let confirm = b
        .submit(
            &weak,
            "signup",
            &[
                ("username", "erin"),
                ("email", "erin@example.com"),
                ("password", "Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let code = env
        .emu
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m.username == "erin" && m.kind == OutboxKind::SignUp)
        .unwrap()
        .code;
    let signin = b.submit(&confirm, "confirm", &[("code", &code)]).await;
    assert_eq!(signin.status, 200, "{}", signin.body);
    assert!(signin.body.contains("id=\"notice\""));
    let done = b
        .submit(
            &signin,
            "signin",
            &[("username", "erin"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);

    // Forgot password.
    let mut b = Browser::new(&env);
    let a = b.get(&authorize_path(&cid, "openid")).await;
    let login_url = a.location.unwrap();
    let forgot = b
        .get(&login_url.replace("/login?", "/forgotPassword?"))
        .await;
    assert_eq!(forgot.status, 200);
    let reset = b.submit(&forgot, "forgot", &[("username", "erin")]).await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let code = env
        .emu
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m.username == "erin" && m.kind == OutboxKind::ForgotPassword)
        .unwrap()
        .code;
    let signin = b
        .submit(
            &reset,
            "reset",
            &[("code", &code), ("password", "N3w-passw0rd!")],
        )
        .await;
    assert_eq!(signin.status, 200, "{}", signin.body);
    let done = b
        .submit(
            &signin,
            "signin",
            &[("username", "erin"), ("password", "N3w-passw0rd!")],
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
}

#[tokio::test]
async fn get_derived_token_narrows_scopes_and_names_the_actor() {
    let env = env(false).await;
    env.user("frank", "Passw0rd!");
    let (cid, _) = web_client(&env, false).await;
    let c = env
        .admin(
            "CreateUserPoolClient",
            json!({"UserPoolId": env.pool, "ClientName": "exchanger", "GenerateSecret": true,
                   "ExplicitAuthFlows": ["ALLOW_TOKEN_EXCHANGE_IMPERSONATION", "ALLOW_TOKEN_EXCHANGE_DELEGATION"],
                   "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
                   "CallbackURLs": [CALLBACK],
                   "AllowedOAuthScopes": ["openid", "email"]}),
        )
        .await
        .unwrap();
    let xid = c["UserPoolClient"]["ClientId"].as_str().unwrap().to_owned();
    let xsecret = c["UserPoolClient"]["ClientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut b = Browser::new(&env);
    let callback = sign_in(&mut b, &cid, "frank", "Passw0rd!").await;
    let code = query_of(&callback)["code"].clone();
    let (_, t) = redeem(&env, &cid, &code).await;
    let subject = t["access_token"].as_str().unwrap();

    // Unsigned, client-authenticated; the scopes narrowed to the subject's ∩ the client's ∩ asked.
    let d = env
        .call(
            "GetDerivedToken",
            json!({"ClientId": xid, "ClientSecret": xsecret, "SubjectToken": subject,
                   "SubjectTokenType": "ACCESS_TOKEN", "Scopes": ["email", "profile"],
                   "Audiences": ["orders-service"]}),
        )
        .await
        .unwrap();
    assert_eq!(d["IssuedTokenType"], "ACCESS_TOKEN");
    assert_eq!(d["TokenType"], "Bearer");
    assert_eq!(d["Scopes"], json!(["email"]));
    let jwks = env
        .get(&format!("/{}/.well-known/jwks.json", env.pool))
        .await;
    let issued = d["IssuedToken"].as_str().unwrap();
    assert!(crate::tokens::verify_rs256(issued, &jwks));
    let c = claims(issued);
    assert_eq!(c["sub"], claims(subject)["sub"]);
    assert_eq!(c["aud"], json!(["orders-service"]));
    assert_eq!(c["client_id"], xid.as_str());
    assert!(c.get("act").is_none());
    // With an actor token: delegation, `act`.
    let actor = t["id_token"].as_str().unwrap();
    let d = env
        .call(
            "GetDerivedToken",
            json!({"ClientId": xid, "ClientSecret": xsecret, "SubjectToken": subject,
                   "SubjectTokenType": "ACCESS_TOKEN", "ActorToken": actor, "ActorTokenType": "ID_TOKEN"}),
        )
        .await
        .unwrap();
    assert_eq!(
        claims(d["IssuedToken"].as_str().unwrap())["act"]["sub"],
        c["sub"]
    );
    // Refusals: wrong secret, a client without the flow, a forged subject.
    let e = env
        .call(
            "GetDerivedToken",
            json!({"ClientId": xid, "ClientSecret": "nope", "SubjectToken": subject, "SubjectTokenType": "ACCESS_TOKEN"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
    let e = env
        .call(
            "GetDerivedToken",
            json!({"ClientId": cid, "SubjectToken": subject, "SubjectTokenType": "ACCESS_TOKEN"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "OperationNotEnabledException");
    let mut forged = subject.to_owned();
    forged.push('x');
    let e = env
        .call(
            "GetDerivedToken",
            json!({"ClientId": xid, "ClientSecret": xsecret, "SubjectToken": forged, "SubjectTokenType": "ACCESS_TOKEN"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "NotAuthorizedException");
}

#[tokio::test]
async fn email_mfa_code_from_the_outbox_and_a_resource_as_audience() {
    let env = env_with(
        PoolSpec::named("p").mfa(MfaConfig::On).email_mfa(true),
        cognito_emulator::ClientSpec::public("web"),
    )
    .await;
    env.emu
        .create_user(
            &env.pool,
            UserSpec::new("gina", "Passw0rd!")
                .attribute("email", "gina@example.com")
                .attribute("email_verified", "true")
                .mfa(UserMfaSpec::default().email(true)),
        )
        .unwrap();
    env.admin(
        "CreateResourceServer",
        json!({"UserPoolId": env.pool, "Identifier": "https://api.example.com", "Name": "API"}),
    )
    .await
    .unwrap();
    let (cid, _) = web_client(&env, false).await;
    let mut b = Browser::new(&env);
    let a = b
        .get(&format!(
            "{}&resource=https%3A%2F%2Fapi.example.com",
            authorize_path(&cid, "openid")
        ))
        .await;
    let login = b.get(a.location.as_deref().unwrap()).await;
    let mfa = b
        .submit(
            &login,
            "signin",
            &[("username", "gina"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(mfa.status, 200, "{}", mfa.body);
    assert!(mfa.body.contains("We sent a code to"), "{}", mfa.body);
    let code = env
        .emu
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m.username == "gina" && m.kind == OutboxKind::Mfa)
        .unwrap()
        .code;
    let done = b.submit(&mfa, "challenge", &[("code", &code)]).await;
    assert_eq!(done.status, 302, "{}", done.body);
    let code = query_of(done.location.as_deref().unwrap())["code"].clone();
    let (status, t) = redeem(&env, &cid, &code).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["aud"],
        "https://api.example.com"
    );
    // An unknown resource goes back to the client as invalid_target.
    let a = b
        .get(&format!(
            "{}&resource=https%3A%2F%2Fnope.example.com",
            authorize_path(&cid, "openid")
        ))
        .await;
    assert_eq!(
        query_of(a.location.as_deref().unwrap())["error"],
        "invalid_target"
    );
}

#[tokio::test]
async fn get_derived_token_verifies_a_signature_when_one_is_sent() {
    // cognito-wire generates GetDerivedToken unsigned (the app client's id and secret
    // authenticate it); a call that is signed anyway is verified like any signed call.
    let env = env(false).await;
    let body = json!({"ClientId": "nope", "SubjectToken": "x", "SubjectTokenType": "ACCESS_TOKEN"});
    let e = env
        .admin_as(
            "GetDerivedToken",
            body.clone(),
            "test",
            "wrong-secret",
            env.emu.now(),
        )
        .await
        .unwrap_err();
    assert_ne!(
        e.code, "ResourceNotFoundException",
        "the signature is checked first"
    );
    // Signed right, or not signed: the request reaches the operation (an unknown client here).
    for e in [
        env.admin("GetDerivedToken", body.clone())
            .await
            .unwrap_err(),
        env.call("GetDerivedToken", body).await.unwrap_err(),
    ] {
        assert_eq!(e.code, "ResourceNotFoundException", "{e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_run_for_the_pages_sign_up_and_the_code_exchange() {
    use crate::triggers::{arn, rust_handler};
    use cognito_emulator::TriggerHandler;
    let (url, calls) = rust_handler(|name, mut event| match name {
        "pre-sign-up" => {
            event["response"]["autoConfirmUser"] = json!(true);
            Ok(event)
        }
        "pre-token" if event["userName"] == "refused" => Err("no tokens today".to_owned()),
        "pre-token" => {
            assert_eq!(event["triggerSource"], "TokenGeneration_HostedAuth");
            event["response"]["claimsOverrideDetails"] =
                json!({"claimsToAddOrOverride": {"tier": "gold"}});
            Ok(event)
        }
        "pre-auth" | "post-auth" => Ok(event),
        _ => Err(format!("no function {name}")),
    })
    .await;
    let pool = PoolSpec::named("p")
        .lambda_trigger("PreSignUp", arn("pre-sign-up"))
        .lambda_trigger("PreAuthentication", arn("pre-auth"))
        .lambda_trigger("PostAuthentication", arn("post-auth"))
        .lambda_trigger("PreTokenGeneration", arn("pre-token"));
    let env = env_with(pool, cognito_emulator::ClientSpec::public("web")).await;
    env.emu
        .set_trigger(env.pool.clone(), Some(TriggerHandler::http(&url)));
    let (cid, _) = web_client(&env, false).await;
    let mut b = Browser::new(&env);
    let a = b.get(&authorize_path(&cid, "openid")).await;
    let signup = b
        .get(&a.location.unwrap().replace("/login?", "/signup?"))
        .await;
    // Auto-confirmed by the function: straight to the sign-in page, no code to enter.
    let signin = b
        .submit(
            &signup,
            "signup",
            &[
                ("username", "hana"),
                ("email", "hana@example.com"),
                ("password", "Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(signin.status, 200, "{}", signin.body);
    assert!(
        signin.body.contains("<form id=\"signin\""),
        "{}",
        signin.body
    );
    let done = b
        .submit(
            &signin,
            "signin",
            &[("username", "hana"), ("password", "Passw0rd!")],
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    let code = query_of(done.location.as_deref().unwrap())["code"].clone();
    let (status, t) = redeem(&env, &cid, &code).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(claims(t["id_token"].as_str().unwrap())["tier"], "gold");
    assert_eq!(
        *calls.lock().unwrap(),
        ["pre-sign-up", "pre-auth", "post-auth", "pre-token"]
    );

    // A function that refuses: the exchange is an OAuth error, and the code is used up.
    env.user("refused", "Passw0rd!");
    let mut b = Browser::new(&env);
    let callback = sign_in(&mut b, &cid, "refused", "Passw0rd!").await;
    let code = query_of(&callback)["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", cid.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = token(&env, &form, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("no tokens today")
    );
    let (_, body) = token(&env, &form, None).await;
    assert_eq!(body["error"], "invalid_grant");
    env.emu.shutdown().await;
}

/// The attribute `name` of the element with id `id`.
fn attr_of(html: &str, id: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open = html[..start].rfind('<')?;
    let end = start + html[start..].find('>')?;
    attr(&html[open..end], name)
}

#[tokio::test]
async fn passkey_sign_in_through_the_pages() {
    use cognito_auth::{SoftwareAuthenticator, WebAuthnAuthenticator};
    let env = env_with(
        cognito_emulator::PoolSpec::named("p"),
        cognito_emulator::ClientSpec::public("c"),
    )
    .await;
    env.user("alice", "Passw0rd!");
    env.user("bob", "Passw0rd!");
    let (cid, _) = web_client(&env, false).await;
    env.admin(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": env.pool,
               "WebAuthnConfiguration": {"RelyingPartyId": "localhost"}}),
    )
    .await
    .unwrap();
    // alice registers a passkey through the API.
    let key = SoftwareAuthenticator::builder("http://localhost:8765").build();
    let t = env.srp_login("alice", "Passw0rd!").await.unwrap();
    let access = tokens(&t)["AccessToken"].clone();
    let options = env
        .call("StartWebAuthnRegistration", json!({"AccessToken": access}))
        .await
        .unwrap()["CredentialCreationOptions"]
        .clone();
    let credential = key.create_credential(&options).await.unwrap();
    env.call(
        "CompleteWebAuthnRegistration",
        json!({"AccessToken": access, "Credential": credential}),
    )
    .await
    .unwrap();

    // The script the step page loads: same origin, allowed by the pages' policy.
    let mut b = Browser::new(&env);
    let js = b.get(&format!("{DOMAIN}/passkey.js")).await;
    assert_eq!(js.status, 200);
    assert!(
        js.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.body.contains("navigator.credentials.get"));

    let a = b.get(&authorize_path(&cid, "openid email")).await;
    let login = b.get(a.location.as_deref().unwrap()).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    // The emulator's own scripts only: nothing inline.
    let script_src: Vec<&str> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| d.starts_with("script-src"))
        .collect();
    assert_eq!(script_src, ["script-src 'self'"], "{csp}");
    assert!(login.body.contains("Sign in with a passkey"));

    // Without the anti-forgery token: refused.
    let (action, _) = form_of(&login.body, "passkey");
    let forged = b
        .send(
            "POST",
            &action,
            Some(&[("passkey", "1"), ("username", "alice")]),
        )
        .await;
    assert_eq!(forged.status, 403);

    // bob has no passkey: the sign-in page with the error.
    let none = b.submit(&login, "passkey", &[("username", "bob")]).await;
    assert_eq!(none.status, 400, "{}", none.body);
    assert!(none.body.contains("id=\"error\""), "{}", none.body);

    // alice: the step page carries the request options (escaped) and loads the script.
    let step = b.submit(&login, "passkey", &[("username", "alice")]).await;
    assert_eq!(step.status, 200, "{}", step.body);
    assert!(
        step.body
            .contains("<script src=\"/_domain/web-login/passkey.js\"></script>"),
        "{}",
        step.body
    );
    assert!(!step.body.contains("<script>"));
    let options: Value =
        serde_json::from_str(&attr_of(&step.body, "passkey-options", "data-options").unwrap())
            .unwrap();
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(
        options["allowCredentials"][0]["id"].as_str(),
        key.credential_ids().first().map(String::as_str)
    );

    // A forged signature: back to the sign-in page, with the error (the session is used up).
    let mut forged = key.get_assertion(&options).await.unwrap();
    forged["response"]["signature"] = json!("AAAA");
    let refused = b
        .submit(&step, "challenge", &[("credential", &forged.to_string())])
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("id=\"error\""), "{}", refused.body);
    assert!(refused.body.contains("id=\"signin\""), "{}", refused.body);

    // The real answer: the code, and tokens for alice.
    let step = b.submit(&login, "passkey", &[("username", "alice")]).await;
    let options: Value =
        serde_json::from_str(&attr_of(&step.body, "passkey-options", "data-options").unwrap())
            .unwrap();
    let assertion = key.get_assertion(&options).await.unwrap();
    let done = b
        .submit(
            &step,
            "challenge",
            &[("credential", &assertion.to_string())],
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    let back = query_of(done.location.as_deref().unwrap());
    assert_eq!(back["state"], "st-123");
    let (status, t) = redeem(&env, &cid, &back["code"]).await;
    assert_eq!(status, 200, "{t}");
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["nonce"], "n-456");
    // The answer's session is used up.
    let again = b
        .submit(
            &step,
            "challenge",
            &[("credential", &assertion.to_string())],
        )
        .await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains("id=\"error\""));
}
