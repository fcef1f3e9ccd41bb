use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use cognito_emulator::*;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use srp_core::{ClientEphemeral, Password, PublicValue, VerifierChallenge};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 2026-11-21 09:05:03 UTC.
pub const T0: u64 = 1_795_251_903;

#[derive(Debug, Clone, PartialEq)]
pub struct Err {
    pub status: u16,
    pub code: String,
    pub message: String,
}

pub type R = Result<Value, Err>;

pub struct Env {
    pub emu: Emulator,
    pub http: HyperClient<HttpConnector, Full<Bytes>>,
    pub pool: String,
    pub client: AppClient,
}

pub async fn env_with(pool: PoolSpec, client: ClientSpec) -> Env {
    env_config(pool, client, EmulatorConfig::deterministic(T0, 7)).await
}

pub async fn env_config(pool: PoolSpec, client: ClientSpec, config: EmulatorConfig) -> Env {
    let emu = Emulator::start(config).await.unwrap();
    let pool = emu.create_pool(pool).unwrap();
    let client = emu.create_client(&pool, client).unwrap();
    let http = HyperClient::builder(TokioExecutor::new()).build_http();
    Env {
        emu,
        http,
        pool,
        client,
    }
}

pub async fn env(secret: bool) -> Env {
    let client = if secret {
        ClientSpec::confidential("web")
    } else {
        ClientSpec::public("web")
    };
    env_with(PoolSpec::named("test"), client).await
}

pub fn timestamp(env: &Env) -> String {
    srp_core::format_timestamp(time::OffsetDateTime::from(env.emu.now())).unwrap()
}

impl Env {
    pub fn cid(&self) -> &str {
        &self.client.client_id
    }

    pub fn hash(&self, username: &str) -> Option<String> {
        self.client.client_secret.as_ref().map(|s| {
            srp_core::secret_hash(username, &self.client.client_id, s)
                .expose()
                .to_owned()
        })
    }

    pub fn user(&self, name: &str, password: &str) {
        self.emu
            .create_user(&self.pool, UserSpec::new(name, password))
            .unwrap();
    }

    async fn send(&self, req: http::Request<Full<Bytes>>) -> R {
        let resp = self.http.request(req).await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status == 200 {
            Ok(v)
        } else {
            Err(Err {
                status,
                code: v["__type"].as_str().unwrap_or_default().to_owned(),
                message: v["message"].as_str().unwrap_or_default().to_owned(),
            })
        }
    }

    fn request(&self, op: &str, body: &Value) -> http::Request<Full<Bytes>> {
        let body = serde_json::to_vec(body).unwrap();
        http::Request::post(format!("{}/", self.emu.url()))
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    }

    /// An unsigned call.
    pub async fn call(&self, op: &str, body: Value) -> R {
        self.send(self.request(op, &body)).await
    }

    /// A call signed with test/test at the emulator's time.
    pub async fn admin(&self, op: &str, body: Value) -> R {
        self.admin_as(op, body, "test", "test", self.emu.now())
            .await
    }

    pub async fn admin_as(
        &self,
        op: &str,
        body: Value,
        akid: &str,
        secret: &str,
        at: SystemTime,
    ) -> R {
        let raw = serde_json::to_vec(&body).unwrap();
        let host = self.emu.url().trim_start_matches("http://").to_owned();
        let mut req = http::Request::post(format!("{}/", self.emu.url()))
            .header("host", host)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body(Full::new(Bytes::from(raw.clone())))
            .unwrap();
        let identity: Identity = Credentials::new(akid, secret, None, None, "test").into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("cognito-idp")
            .time(at)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let signable = SignableRequest::new(
            "POST",
            req.uri().to_string(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&raw),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let (hs, _) = instructions.into_parts();
        for h in hs {
            req.headers_mut()
                .insert(h.name(), http::HeaderValue::from_str(h.value()).unwrap());
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str) -> Value {
        let req = http::Request::get(format!("{}{path}", self.emu.url()))
            .body(Full::new(Bytes::new()))
            .unwrap();
        self.send(req).await.unwrap()
    }

    /// InitiateAuth(USER_SRP_AUTH); returns the ephemeral and the response.
    pub async fn srp_start(
        &self,
        username: &str,
        device_key: Option<&str>,
    ) -> (ClientEphemeral, R) {
        let rng = ring::rand::SystemRandom::new();
        let eph = ClientEphemeral::generate(&rng).unwrap();
        let mut params = json!({"USERNAME": username, "SRP_A": eph.public().to_hex()});
        if let Some(h) = self.hash(username) {
            params["SECRET_HASH"] = json!(h);
        }
        if let Some(d) = device_key {
            params["DEVICE_KEY"] = json!(d);
        }
        let r = self
            .call(
                "InitiateAuth",
                json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": self.cid(), "AuthParameters": params}),
            )
            .await;
        (eph, r)
    }

    /// The PASSWORD_VERIFIER challenge responses for a password.
    pub fn claim(
        &self,
        eph: &ClientEphemeral,
        challenge: &Value,
        password: &str,
        ts: &str,
    ) -> Value {
        let p = &challenge["ChallengeParameters"];
        let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
        let vc = VerifierChallenge::parse(
            p["SALT"].as_str().unwrap(),
            p["SRP_B"].as_str().unwrap(),
            p["SECRET_BLOCK"].as_str().unwrap(),
        )
        .unwrap();
        let claim = eph
            .password_claim(&self.pool, user_id, &Password::new(password), &vc, ts)
            .unwrap();
        let mut r = json!({
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SIGNATURE": claim.signature,
            "PASSWORD_CLAIM_SECRET_BLOCK": claim.secret_block,
            "TIMESTAMP": claim.timestamp,
        });
        if let Some(h) = self.hash(user_id) {
            r["SECRET_HASH"] = json!(h);
        }
        r
    }

    pub async fn respond(&self, name: &str, responses: Value, session: Option<&Value>) -> R {
        let mut body =
            json!({"ChallengeName": name, "ClientId": self.cid(), "ChallengeResponses": responses});
        if let Some(s) = session.and_then(Value::as_str) {
            body["Session"] = json!(s);
        }
        self.call("RespondToAuthChallenge", body).await
    }

    /// A whole SRP sign-in; returns the response after PASSWORD_VERIFIER.
    pub async fn srp_login(&self, username: &str, password: &str) -> R {
        self.srp_login_device(username, password, None).await
    }

    pub async fn srp_login_device(
        &self,
        username: &str,
        password: &str,
        device: Option<&str>,
    ) -> R {
        let (eph, r) = self.srp_start(username, device).await;
        let challenge = r?;
        assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
        let ts = timestamp(self);
        let responses = self.claim(&eph, &challenge, password, &ts);
        self.respond("PASSWORD_VERIFIER", responses, None).await
    }

    pub async fn password_login(&self, username: &str, password: &str) -> R {
        let mut params = json!({"USERNAME": username, "PASSWORD": password});
        if let Some(h) = self.hash(username) {
            params["SECRET_HASH"] = json!(h);
        }
        self.call(
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.cid(), "AuthParameters": params}),
        )
        .await
    }

    pub fn advance(&self, secs: u64) {
        assert!(self.emu.advance_clock(Duration::from_secs(secs)));
    }
}

pub fn code(r: &R) -> &str {
    match r {
        Ok(_) => "OK",
        Err(e) => &e.code,
    }
}

pub fn tokens(v: &Value) -> &Value {
    &v["AuthenticationResult"]
}

/// Decodes a JWT's payload (no verification).
pub fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

#[allow(dead_code)]
pub fn a_value(eph: &ClientEphemeral) -> PublicValue {
    PublicValue::client_a(&eph.public().to_hex()).unwrap()
}

#[allow(dead_code)]
pub fn arc<T>(t: T) -> Arc<T> {
    Arc::new(t)
}
