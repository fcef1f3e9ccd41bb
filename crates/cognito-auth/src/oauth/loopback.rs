//! [`LoopbackReceiver`]: the redirect of the authorization code flow received by a native app or
//! CLI on the loopback interface (RFC 8252 section 7.3): one listener on 127.0.0.1, the answer's
//! `state` checked, a small page for the browser, then closed.

use super::{AuthorizeRequest, OAuthError, OAuthErrorCode};
use bytes::Bytes;
use cognito_wire::SensitiveString;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// The path the redirect comes to.
const CALLBACK_PATH: &str = "/callback";

/// What the browser brought back: the code to exchange (with the request's PKCE verifier), from
/// a redirect whose `state` was checked against the request's. Only two ways make one: the
/// [`LoopbackReceiver`], and [`AuthorizationCode::from_redirect`] for an application that
/// receives the redirect itself; both check the `state`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthorizationCode {
    /// The authorization code (single use, minutes).
    pub code: SensitiveString,
}

impl AuthorizationCode {
    /// Reads the query of a redirect to `request`'s `redirect_uri` (the part after `?`, or the
    /// whole redirect URL): its `code` when its `state` is the request's (compared in constant
    /// time), else [`OAuthError::StateMismatch`]; the authorization server's `error` as
    /// [`OAuthError::Refused`].
    ///
    /// ```
    /// use cognito_auth::oauth::{AuthorizationCode, AuthorizeRequest, OAuthDomain, OAuthError};
    /// let domain = OAuthDomain::custom("auth.example.com").unwrap();
    /// let rng = ring::rand::SystemRandom::new();
    /// let req = AuthorizeRequest::new(&domain, "cid", "https://app.example.com/cb", &rng).unwrap();
    /// let url = format!("https://app.example.com/cb?code=abc&state={}", req.state());
    /// assert_eq!(AuthorizationCode::from_redirect(&url, &req).unwrap().code.len(), 3);
    /// assert!(matches!(
    ///     AuthorizationCode::from_redirect("code=abc&state=forged", &req),
    ///     Err(OAuthError::StateMismatch)
    /// ));
    /// ```
    pub fn from_redirect(redirect: &str, request: &AuthorizeRequest) -> Result<Self, OAuthError> {
        let query = match redirect.split_once('?') {
            Some((_, q)) => q,
            None => redirect,
        };
        // A fragment is not part of the query.
        let query = query.split('#').next().unwrap_or_default();
        read_redirect(query, request).unwrap_or(Err(OAuthError::StateMismatch))
    }
}

/// A listener on 127.0.0.1 for one authorization redirect.
///
/// Cognito matches redirect URIs exactly and allows plain HTTP only for `localhost`, so the app
/// client lists `http://localhost:<port>/callback` in its `CallbackURLs`, and the receiver binds
/// that port ([`LoopbackReceiver::bind_port`]); [`LoopbackReceiver::bind`] takes any free port
/// (for servers that allow any loopback port, as RFC 8252 asks).
#[derive(Debug)]
pub struct LoopbackReceiver {
    listener: TcpListener,
    port: u16,
}

/// The answer the redirect carried.
type Outcome = Result<AuthorizationCode, OAuthError>;

impl LoopbackReceiver {
    /// Binds a free port on 127.0.0.1.
    pub async fn bind() -> Result<Self, OAuthError> {
        Self::bind_port(0).await
    }

    /// Binds `port` on 127.0.0.1.
    pub async fn bind_port(port: u16) -> Result<Self, OAuthError> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            OAuthError::Config(format!(
                "cannot listen on 127.0.0.1:{port} for the sign-in redirect: {e}"
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| OAuthError::Config(format!("the redirect listener has no address: {e}")))?
            .port();
        Ok(LoopbackReceiver { listener, port })
    }

    /// The redirect URI to register and to send: `http://localhost:<port>/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits for the redirect of `request` and returns its code, or the error the authorization
    /// server sent (`error`, `error_description`). A redirect whose `state` is not the request's
    /// (compared in constant time) is answered 400 and ignored, as are other paths (such as
    /// `/favicon.ico`, 404): the wait goes on. Put a timeout around it (`tokio::time::timeout`).
    pub async fn receive(self, request: &AuthorizeRequest) -> Outcome {
        loop {
            let (stream, _) =
                self.listener.accept().await.map_err(|e| {
                    OAuthError::Config(format!("the redirect listener failed: {e}"))
                })?;
            let answer: Arc<Mutex<Option<Outcome>>> = Arc::new(Mutex::new(None));
            let slot = answer.clone();
            let state = request.clone();
            let service = hyper::service::service_fn(
                move |req: http::Request<hyper::body::Incoming>| {
                    let slot = slot.clone();
                    let state = state.clone();
                    async move {
                        let response = if req.uri().path() == CALLBACK_PATH {
                            match read_redirect(req.uri().query().unwrap_or_default(), &state) {
                                // Not this sign-in's redirect (forged or stale): refused, and the wait goes on, so a
                                // stray request cannot end the sign-in.
                                None => page_response(
                                    400,
                                    "This is not the redirect of the sign-in in progress.",
                                ),
                                Some(outcome) => {
                                    let page = match &outcome {
                                        Ok(_) => {
                                            "Signed in. You can close this window and go back to the application."
                                        }
                                        Err(_) => {
                                            "The sign-in did not complete. Go back to the application to see why."
                                        }
                                    };
                                    if let Ok(mut s) = slot.lock() {
                                        *s = Some(outcome);
                                    }
                                    page_response(200, page)
                                }
                            }
                        } else {
                            page_response(404, "Not found.")
                        };
                        Ok::<_, std::convert::Infallible>(response)
                    }
                },
            );
            // One request per connection: the browser's redirect.
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            let outcome = answer.lock().ok().and_then(|mut s| s.take());
            if let Some(outcome) = outcome {
                return outcome;
            }
        }
    }
}

fn page_response(status: u16, text: &str) -> http::Response<Full<Bytes>> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in</title></head><body><p>{text}</p></body></html>"
    );
    let mut r = http::Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}

/// Reads a redirect's query: `code` and `state`, or `error` (RFC 6749 section 4.1.2); `None`
/// when its `state` is not the request's.
fn read_redirect(query: &str, request: &AuthorizeRequest) -> Option<Outcome> {
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    if !state.as_deref().is_some_and(|s| request.state_matches(s)) {
        return None;
    }
    if let Some(e) = error {
        return Some(Err(OAuthError::Refused {
            code: OAuthErrorCode::parse(&e),
            description,
            status: 400,
        }));
    }
    Some(match code {
        Some(c) if !c.is_empty() => Ok(AuthorizationCode {
            code: SensitiveString::from(c),
        }),
        _ => Err(OAuthError::BadResponse {
            status: 200,
            detail: "the redirect carried neither a code nor an error".into(),
        }),
    })
}
