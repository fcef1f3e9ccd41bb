//! The HTTP side shared by the domain's endpoints (token, revoke, userInfo): a form POST with
//! RFC 6749 client authentication, and the reading of an answer into JSON or a typed
//! [`OAuthError`]. One copy, used by [`ClientCredentials`](super::ClientCredentials) and the
//! code flow.

use super::{OAuthError, OAuthErrorCode};
use base64::Engine;
use bytes::Bytes;
use cognito_wire::{SensitiveString, Transport};
use std::sync::Arc;

/// Largest answer read.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// `Basic <base64(urlencode(id):urlencode(secret))>` (RFC 6749 section 2.3.1).
pub(crate) fn basic_authorization(client_id: &str, secret: &SensitiveString) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", enc(client_id), enc(secret.expose()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// An answer: its status and body (at most [`MAX_BODY`] bytes).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    /// `WWW-Authenticate` (RFC 6750: a resource's refusal of a bearer token).
    pub(crate) challenge: Option<String>,
}

/// POSTs a form to `url`, with HTTP Basic client authentication when there is a secret.
pub(crate) async fn post_form(
    transport: &Arc<dyn Transport>,
    url: &str,
    form: String,
    basic: Option<(&str, &SensitiveString)>,
) -> Result<Answer, OAuthError> {
    let mut req = http::Request::post(url)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json");
    if let Some((id, secret)) = basic {
        req = req.header(http::header::AUTHORIZATION, basic_authorization(id, secret));
    }
    let req = req
        .body(Bytes::from(form))
        .map_err(|e| OAuthError::Config(format!("OAuth endpoint {url}: {e}")))?;
    send(transport, req).await
}

/// Sends a request and reads the answer, refusing one larger than [`MAX_BODY`].
pub(crate) async fn send(
    transport: &Arc<dyn Transport>,
    req: http::Request<Bytes>,
) -> Result<Answer, OAuthError> {
    let resp = transport
        .send(req)
        .await
        .map_err(|e| OAuthError::Transport(Arc::new(e)))?;
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get(http::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.into_body();
    if body.len() > MAX_BODY {
        return Err(OAuthError::BadResponse {
            status,
            detail: format!("{} bytes (at most {MAX_BODY})", body.len()),
        });
    }
    Ok(Answer {
        status,
        body,
        challenge,
    })
}

/// The error of a non-200 answer: RFC 6749's `{"error", "error_description"}`, else
/// [`OAuthError::BadResponse`].
pub(crate) fn refusal(status: u16, raw: &[u8]) -> OAuthError {
    let bad = |detail: String| OAuthError::BadResponse { status, detail };
    let json: serde_json::Value = match serde_json::from_slice(raw) {
        Ok(j) => j,
        Err(e) => return bad(format!("not JSON ({e})")),
    };
    let Some(code) = json.get("error").and_then(serde_json::Value::as_str) else {
        return bad("no `error` member".into());
    };
    OAuthError::Refused {
        code: OAuthErrorCode::parse(code),
        description: json
            .get("error_description")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        status,
    }
}

/// A 200 answer's JSON object, or the typed refusal.
pub(crate) fn json_object(
    answer: &Answer,
) -> Result<serde_json::Map<String, serde_json::Value>, OAuthError> {
    if answer.status != 200 {
        let refused = refusal(answer.status, &answer.body);
        // A bearer refusal may say it only in its challenge (RFC 6750 3: `error="..."`).
        if let (OAuthError::BadResponse { .. }, Some(code)) = (
            &refused,
            answer.challenge.as_deref().and_then(challenge_error),
        ) {
            return Err(OAuthError::Refused {
                code: OAuthErrorCode::parse(code),
                description: None,
                status: answer.status,
            });
        }
        return Err(refused);
    }
    match serde_json::from_slice(&answer.body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(OAuthError::BadResponse {
            status: 200,
            detail: "not a JSON object".into(),
        }),
        Err(e) => Err(OAuthError::BadResponse {
            status: 200,
            detail: format!("not JSON ({e})"),
        }),
    }
}

/// The `error` parameter of a `Bearer` challenge.
fn challenge_error(challenge: &str) -> Option<&str> {
    let (scheme, rest) = challenge.trim_start().split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    rest.split(',').find_map(|param| {
        let (k, v) = param.split_once('=')?;
        (k.trim() == "error").then(|| v.trim().trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_authentication_is_form_encoded_then_base64() {
        // RFC 6749 2.3.1: the id and secret are form-encoded before Basic.
        let h = basic_authorization("a b", &SensitiveString::from("x:y"));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(h.trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(decoded, b"a+b:x%3Ay");
    }

    #[test]
    fn refusals_are_typed_and_other_answers_are_bad_responses() {
        let e = refusal(
            400,
            br#"{"error":"invalid_grant","error_description":"used"}"#,
        );
        assert!(matches!(
            e,
            OAuthError::Refused { code: OAuthErrorCode::InvalidGrant, ref description, status: 400 }
                if description.as_deref() == Some("used")
        ));
        assert_eq!(e.next_action(), crate::NextAction::SignInAgain);
        assert!(matches!(
            refusal(502, b"<html>"),
            OAuthError::BadResponse { status: 502, .. }
        ));
        let ok = Answer {
            status: 200,
            body: Bytes::from_static(b"[1]"),
            challenge: None,
        };
        let bearer = Answer {
            status: 401,
            body: Bytes::new(),
            challenge: Some(r#"Bearer realm="x", error="invalid_token""#.into()),
        };
        assert!(matches!(
            json_object(&bearer),
            Err(OAuthError::Refused {
                code: OAuthErrorCode::InvalidToken,
                status: 401,
                ..
            })
        ));
        assert!(matches!(
            json_object(&ok),
            Err(OAuthError::BadResponse { .. })
        ));
    }
}
