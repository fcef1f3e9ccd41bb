//! The SigV4 signer: published known-answer vectors, agreement with aws-sigv4 used directly,
//! headers, session tokens, redaction, credential caching and refresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, future};
use bytes::Bytes;
use cognito_admin::{EnvCredentials, SigV4Signer, SignError, static_credentials};
use cognito_wire::{AdminGetUserRequest, Signer, SigningContext, op, protocol};

/// 2015-08-30T12:36:00Z, the time of the AWS SigV4 test suite.
fn suite_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

const SUITE_KEY: &str = "AKIDEXAMPLE";
const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

fn suite_ctx() -> SigningContext {
    SigningContext {
        operation: "Test",
        signing_name: "service",
        region: Some("us-east-1".into()),
    }
}

fn post_vanilla() -> http::Request<Bytes> {
    http::Request::builder()
        .method("POST")
        .uri("https://example.amazonaws.com/")
        .header("host", "example.amazonaws.com")
        .body(Bytes::new())
        .unwrap()
}

fn header<'a>(req: &'a http::Request<Bytes>, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name}"))
        .to_str()
        .unwrap()
}

/// aws-signing-test-suite/v4/post-vanilla.
#[tokio::test]
async fn known_answer_post_vanilla() {
    let signer = SigV4Signer::builder(static_credentials(SUITE_KEY, SUITE_SECRET, None))
        .fixed_time(suite_time())
        .build();
    let signed = signer.sign(post_vanilla(), &suite_ctx()).await.unwrap();
    assert_eq!(header(&signed, "x-amz-date"), "20150830T123600Z");
    assert_eq!(
        header(&signed, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
    );
    assert!(signed.headers().get("x-amz-security-token").is_none());
}

/// aws-signing-test-suite/v4/post-sts-header-before: the session token is signed.
#[tokio::test]
async fn known_answer_session_token_signed() {
    let creds = static_credentials(SUITE_KEY, SUITE_SECRET, Some(SUITE_TOKEN.into()));
    let signer = SigV4Signer::builder(creds).fixed_time(suite_time()).build();
    let signed = signer.sign(post_vanilla(), &suite_ctx()).await.unwrap();
    assert_eq!(header(&signed, "x-amz-security-token"), SUITE_TOKEN);
    assert_eq!(
        header(&signed, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date;x-amz-security-token, \
         Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"
    );
}

fn cognito_request() -> http::Request<Bytes> {
    let endpoint = "https://cognito-idp.eu-west-1.amazonaws.com/"
        .parse()
        .unwrap();
    protocol::build_request::<op::AdminGetUser>(
        &endpoint,
        &AdminGetUserRequest::builder()
            .user_pool_id("eu-west-1_Pool")
            .username("alice")
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn cognito_ctx() -> SigningContext {
    SigningContext {
        operation: "AdminGetUser",
        signing_name: "cognito-idp",
        region: Some("eu-west-1".into()),
    }
}

/// A real Cognito request: the signature is aws-sigv4's, the right headers are signed.
#[tokio::test]
async fn cognito_request_matches_aws_sigv4_directly() {
    let creds = static_credentials("AKID", "SECRET", Some("TOKEN".into()));
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let signer = SigV4Signer::builder(creds.clone()).fixed_time(at).build();
    let signed = signer
        .sign(cognito_request(), &cognito_ctx())
        .await
        .unwrap();

    let auth = header(&signed, "authorization").to_owned();
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKID/20231114/eu-west-1/cognito-idp/aws4_request, "
        ),
        "{auth}"
    );
    assert!(
        auth.contains(
            "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"
        ),
        "{auth}"
    );
    assert_eq!(header(&signed, "x-amz-date"), "20231114T221320Z");
    assert_eq!(header(&signed, "x-amz-security-token"), "TOKEN");
    assert!(
        signed.headers().get("user-agent").is_some(),
        "user-agent kept, unsigned"
    );

    // The same request signed by aws-sigv4 directly.
    let unsigned = cognito_request();
    let identity = creds.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("eu-west-1")
        .name("cognito-idp")
        .time(at)
        .settings(aws_sigv4::http_request::SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let headers: Vec<(&str, &str)> = unsigned
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap()))
        .collect();
    let signable = aws_sigv4::http_request::SignableRequest::new(
        "POST",
        unsigned.uri().to_string(),
        headers.into_iter(),
        aws_sigv4::http_request::SignableBody::Bytes(unsigned.body()),
    )
    .unwrap();
    let (_, signature) = aws_sigv4::http_request::sign(signable, &params)
        .unwrap()
        .into_parts();
    assert!(
        auth.ends_with(&format!("Signature={signature}")),
        "{auth} vs {signature}"
    );

    // Signing again (a retry) replaces, never duplicates, the signature headers.
    let again = signer.sign(signed, &cognito_ctx()).await.unwrap();
    assert_eq!(again.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(again.headers().get_all("x-amz-date").iter().count(), 1);
    assert_eq!(header(&again, "authorization"), auth);
}

#[tokio::test]
async fn region_falls_back_to_the_signer_and_is_required() {
    let ctx = SigningContext {
        region: None,
        ..cognito_ctx()
    };
    let signer = SigV4Signer::builder(static_credentials("AKID", "S", None))
        .region("ap-south-1")
        .build();
    let signed = signer.sign(cognito_request(), &ctx).await.unwrap();
    assert!(header(&signed, "authorization").contains("/ap-south-1/cognito-idp/"));

    let signer = SigV4Signer::new(static_credentials("AKID", "S", None));
    let err = signer.sign(cognito_request(), &ctx).await.unwrap_err();
    assert!(matches!(
        err.downcast_ref::<SignError>(),
        Some(SignError::MissingRegion)
    ));
}

#[test]
fn debug_never_shows_secrets() {
    let creds = static_credentials("AKID", "TOPSECRET", Some("SESSIONTOKEN".into()));
    let builder = SigV4Signer::builder(creds);
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains("TOPSECRET") && !shown.contains("SESSIONTOKEN"),
        "{shown}"
    );
    let signer = builder.build();
    let shown = format!("{signer:?}");
    assert!(
        !shown.contains("TOPSECRET") && !shown.contains("SESSIONTOKEN"),
        "{shown}"
    );
    let admin = cognito_admin::AdminClient::builder()
        .pool_id("us-east-1_Pool")
        .credentials(static_credentials(
            "AKID",
            "TOPSECRET",
            Some("SESSIONTOKEN".into()),
        ))
        .endpoint_url("http://127.0.0.1:1")
        .build()
        .unwrap();
    let shown = format!("{admin:?}");
    assert!(
        !shown.contains("TOPSECRET") && !shown.contains("SESSIONTOKEN"),
        "{shown}"
    );
}

/// Hands out credentials that expire `ttl` after the (manual) clock's now, counting calls.
#[derive(Debug)]
struct Expiring {
    now: Arc<AtomicU64>,
    ttl: Duration,
    calls: Arc<AtomicUsize>,
}

impl ProvideCredentials for Expiring {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let now = UNIX_EPOCH + Duration::from_secs(self.now.load(Ordering::SeqCst));
        future::ProvideCredentials::ready(Ok(Credentials::new(
            format!("AKID{n}"),
            "secret",
            Some(format!("token{n}")),
            Some(now + self.ttl),
            "test",
        )))
    }
}

fn access_key(req: &http::Request<Bytes>) -> String {
    let auth = header(req, "authorization");
    let cred = auth.split("Credential=").nth(1).unwrap();
    cred.split('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn expiring_credentials_are_refreshed_through_the_provider() {
    let now = Arc::new(AtomicU64::new(1_700_000_000));
    let calls = Arc::new(AtomicUsize::new(0));
    let provider = Expiring {
        now: now.clone(),
        ttl: Duration::from_secs(15 * 60),
        calls: calls.clone(),
    };
    let clock = now.clone();
    let signer = SigV4Signer::builder(provider)
        .clock(move || UNIX_EPOCH + Duration::from_secs(clock.load(Ordering::SeqCst)))
        .refresh_buffer(Duration::from_secs(5 * 60))
        .build();
    let ctx = cognito_ctx();

    let r = signer.sign(cognito_request(), &ctx).await.unwrap();
    assert_eq!(access_key(&r), "AKID1");
    assert_eq!(header(&r, "x-amz-security-token"), "token1");
    // Still 10 minutes to expiry: cached.
    now.fetch_add(5 * 60, Ordering::SeqCst);
    let r = signer.sign(cognito_request(), &ctx).await.unwrap();
    assert_eq!(access_key(&r), "AKID1");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Within the refresh buffer: fetched again.
    now.fetch_add(6 * 60, Ordering::SeqCst);
    let r = signer.sign(cognito_request(), &ctx).await.unwrap();
    assert_eq!(access_key(&r), "AKID2");
    assert_eq!(header(&r, "x-amz-security-token"), "token2");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn already_expired_credentials_are_refused() {
    let creds = Credentials::new(
        "AKID",
        "secret",
        None,
        Some(UNIX_EPOCH + Duration::from_secs(10)),
        "test",
    );
    let signer = SigV4Signer::builder(creds)
        .fixed_time(UNIX_EPOCH + Duration::from_secs(20))
        .build();
    let err = signer
        .sign(cognito_request(), &cognito_ctx())
        .await
        .unwrap_err();
    assert!(matches!(
        err.downcast_ref::<SignError>(),
        Some(SignError::Expired { .. })
    ));
}

#[tokio::test]
async fn environment_credentials() {
    let env = EnvCredentials::with_env(|k| match k {
        "AWS_ACCESS_KEY_ID" => Some("AKIDENV".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("secret".into()),
        "AWS_SESSION_TOKEN" => Some("envtoken".into()),
        _ => None,
    });
    let signer = SigV4Signer::new(env);
    let r = signer
        .sign(cognito_request(), &cognito_ctx())
        .await
        .unwrap();
    assert_eq!(access_key(&r), "AKIDENV");
    assert_eq!(header(&r, "x-amz-security-token"), "envtoken");

    let missing = SigV4Signer::new(EnvCredentials::with_env(|k| {
        (k == "AWS_ACCESS_KEY_ID").then(|| "AKID".to_owned())
    }));
    let err = missing
        .sign(cognito_request(), &cognito_ctx())
        .await
        .unwrap_err();
    assert!(matches!(
        err.downcast_ref::<SignError>(),
        Some(SignError::Credentials(_))
    ));
    let blank = EnvCredentials::with_env(|_| Some("  ".into()));
    assert!(blank.load().is_err());
}
