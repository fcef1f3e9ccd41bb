//! SigV4 verification of admin (IAM-authorized) operations: parse the `Authorization` header,
//! re-sign the request with the `aws-sigv4` crate using the configured secret, compare in
//! constant time, and check the date window.

use crate::error::ApiError;
use crate::inner::Inner;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SessionTokenMode, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use http::HeaderMap;
use std::time::{Duration, UNIX_EPOCH};

fn missing_token() -> ApiError {
    ApiError::new(
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
    .with_status(http::StatusCode::FORBIDDEN)
}

fn incomplete(msg: &str) -> ApiError {
    ApiError::new("IncompleteSignatureException", msg)
}

fn bad_signature() -> ApiError {
    ApiError::new(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
}

struct Parsed<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse(auth: &str) -> Option<Parsed<'_>> {
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let mut scope = credential?.split('/');
    let parsed = Parsed {
        access_key: scope.next()?,
        date: scope.next()?,
        region: scope.next()?,
        service: scope.next()?,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    };
    if scope.next()? != "aws4_request" || scope.next().is_some() {
        return None;
    }
    Some(parsed)
}

/// Headers that must be among `SignedHeaders` (lowercase name, name in the error message).
const REQUIRED_SIGNED: [(&str, &str); 3] = [
    ("host", "Host"),
    ("x-amz-date", "X-Amz-Date"),
    ("x-amz-target", "X-Amz-Target"),
];

fn parse_amz_date(s: &str) -> Option<std::time::SystemTime> {
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let t = time::PrimitiveDateTime::parse(s, fmt).ok()?.assume_utc();
    let secs = u64::try_from(t.unix_timestamp()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Verifies the SigV4 signature of a request.
pub(crate) fn verify(
    inner: &Inner,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let Some(auth) = headers.get(http::header::AUTHORIZATION) else {
        return Err(missing_token());
    };
    let auth = auth
        .to_str()
        .map_err(|_| incomplete("Authorization header is not ASCII"))?;
    let parsed = parse(auth).ok_or_else(|| {
        incomplete(
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
        )
    })?;
    // Every AWS SDK signs these; a signature that leaves one out would let a captured request
    // be replayed with another `X-Amz-Target` (another operation) or against another host.
    for (name, shown) in REQUIRED_SIGNED {
        if !parsed.signed_headers.contains(&name) {
            return Err(ApiError::new(
                "InvalidSignatureException",
                format!("'{shown}' must be a 'SignedHeader' in the AWS Authorization."),
            ));
        }
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let amz_date = header("x-amz-date").ok_or_else(|| {
        incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let at = parse_amz_date(amz_date).ok_or_else(|| incomplete("Invalid X-Amz-Date"))?;
    if !amz_date.starts_with(parsed.date) {
        return Err(bad_signature());
    }
    let secret = inner
        .config
        .credentials
        .iter()
        .find(|(id, _)| id == parsed.access_key)
        .map(|(_, s)| s.clone())
        .ok_or_else(|| {
            ApiError::new(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        })?;
    if parsed.service != "cognito-idp" {
        return Err(bad_signature());
    }
    let now = inner.now_system();
    let skew = match now.duration_since(at) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    if skew > inner.config.sigv4_window {
        return Err(ApiError::new(
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier or later than the allowed window (15 minutes)."
            ),
        ));
    }
    let token = header("x-amz-security-token").map(str::to_owned);
    let token_signed = parsed.signed_headers.contains(&"x-amz-security-token");
    let identity: Identity = Credentials::new(
        parsed.access_key,
        secret,
        token.clone(),
        None,
        "cognito-emulator",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.excluded_headers = Some(Vec::new());
    if !token_signed {
        settings.session_token_mode = SessionTokenMode::Exclude;
    }
    let params = SigningParams::builder()
        .identity(&identity)
        .region(parsed.region)
        .name("cognito-idp")
        .time(at)
        .settings(settings)
        .build()
        .map_err(|_| bad_signature())?;
    let mut signed: Vec<(&str, &str)> = Vec::new();
    for name in &parsed.signed_headers {
        if *name == "x-amz-date" || *name == "x-amz-security-token" {
            continue;
        }
        match header(name) {
            Some(v) => signed.push((name, v)),
            None => return Err(bad_signature()),
        }
    }
    let request = SignableRequest::new(
        method,
        path_and_query,
        signed.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|_| bad_signature())?;
    let out = sign(request, &params.into()).map_err(|_| bad_signature())?;
    let expected = out.signature();
    if !crate::inner::ct_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        return Err(bad_signature());
    }
    Ok(())
}
