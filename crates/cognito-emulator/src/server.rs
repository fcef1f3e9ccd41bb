//! The HTTP server: hyper 1 on 127.0.0.1, keep-alive, one blocking task per request.

use crate::error::ApiError;
use crate::faults::Fault;
use crate::inner::Inner;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

const MAX_BODY: usize = 1 << 20;

fn json_response(status: u16, body: Vec<u8>, content_type: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}

fn error_response(e: &ApiError, request_id: &str) -> Response<Full<Bytes>> {
    let mut r = json_response(e.status, e.body(), "application/x-amz-json-1.1");
    if let Ok(v) = HeaderValue::from_str(&e.code) {
        r.headers_mut().insert("x-amzn-errortype", v);
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-requestid", v);
    }
    r
}

/// Handles one request (blocking: runs on the blocking pool).
pub(crate) fn route(
    inner: &Arc<Inner>,
    parts: &http::request::Parts,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let path = parts.uri.path();
    let request_id = inner.rng.uuid();
    if let Some((domain, sub)) = crate::oauth_token::domain_target(parts) {
        return domain_route(inner, parts, &domain, sub, body);
    }
    if parts.method == Method::GET {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let result: Result<serde_json::Value, ApiError> = match segments.as_slice() {
            ["_emulator", "outbox"] => {
                let query = parts.uri.query().unwrap_or("");
                let want = |k: &str| {
                    query.split('&').find_map(|kv| {
                        kv.split_once('=')
                            .filter(|(a, _)| *a == k)
                            .map(|(_, v)| v.to_owned())
                    })
                };
                let (pool, user) = (want("pool_id"), want("username"));
                crate::txn::read(inner, |st| st.outbox(pool.as_deref(), user.as_deref()))
                    .and_then(|msgs| serde_json::to_value(msgs).map_err(crate::error::internal))
            }
            ["_emulator", "health"] => Ok(serde_json::json!({"status": "ok"})),
            ["_emulator", "stats"] => {
                serde_json::to_value(inner.faults.stats()).map_err(crate::error::internal)
            }
            ["_emulator", "faults"] => {
                Ok(serde_json::json!({"faults": inner.faults.get().to_string()}))
            }
            // Served from memory (the newest committed snapshot), without a transaction: a pool's
            // key and issuer never change once set. The signing key is made at the first need
            // (here or at a sign-in): only then a transaction, which writes it.
            [pool_id, ".well-known", "jwks.json"] => match inner.store.cached().and_then(|s| {
                s.pools
                    .get(*pool_id)?
                    .key
                    .as_ref()
                    .map(crate::tokens::jwks_of)
            }) {
                Some(jwks) => Ok(jwks),
                None => crate::txn::transact(inner, |ctx| {
                    let mut st = ctx.lock();
                    match st.pools.get_mut(*pool_id) {
                        Some(pool) => crate::tokens::jwks(ctx, pool),
                        None => Err(crate::state::pool_not_found(pool_id)),
                    }
                }),
            },
            [pool_id, ".well-known", "openid-configuration"] => {
                match inner.store.cached().and_then(|s| {
                    s.pools
                        .get(*pool_id)
                        .map(|p| crate::tokens::openid_configuration(inner, p))
                }) {
                    Some(doc) => Ok(doc),
                    None => crate::txn::read(inner, |st| {
                        st.pool(pool_id)
                            .map(|p| crate::tokens::openid_configuration(inner, p))
                    }),
                }
            }
            _ => Err(ApiError::new(
                "ResourceNotFoundException",
                format!("No route for GET {path}"),
            )
            .with_status(StatusCode::NOT_FOUND)),
        };
        return match result {
            Ok(v) => json_response(
                200,
                serde_json::to_vec(&v).unwrap_or_default(),
                "application/json",
            ),
            Err(e) => error_response(&e, &request_id),
        };
    }
    if parts.method == Method::POST && path == "/_emulator/faults" {
        // The fault mode of a running (standalone) emulator: the body is a `--faults` spec.
        let set = std::str::from_utf8(body)
            .map_err(|e| e.to_string())
            .and_then(|spec| spec.parse::<crate::Faults>());
        return match set {
            Ok(faults) => {
                let spec = faults.to_string();
                inner.faults.set(faults);
                json_response(
                    200,
                    serde_json::to_vec(&serde_json::json!({"faults": spec})).unwrap_or_default(),
                    "application/json",
                )
            }
            Err(message) => error_response(
                &ApiError::new("InvalidParameterException", message),
                &request_id,
            ),
        };
    }
    if parts.method != Method::POST {
        return error_response(
            &ApiError::new(
                "UnknownOperationException",
                format!("{} is not supported", parts.method),
            )
            .with_status(StatusCode::METHOD_NOT_ALLOWED),
            &request_id,
        );
    }
    match api(inner, parts, body) {
        Ok(out) => {
            let mut r = json_response(200, out, "application/x-amz-json-1.1");
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                r.headers_mut().insert("x-amzn-requestid", v);
            }
            r
        }
        Err(e) => {
            tracing::debug!(code = %e.code, message = %e.message, "request failed");
            error_response(&e, &request_id)
        }
    }
}

/// A request to a pool's domain: its OAuth 2.0 endpoints ([`crate::oauth_token`]) and the
/// managed login pages ([`crate::hosted`]).
fn domain_route(
    inner: &Arc<Inner>,
    parts: &http::request::Parts,
    domain: &str,
    path: &str,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let full = parts.uri.path();
    let base = full
        .get(..full.len().saturating_sub(path.len()))
        .unwrap_or_default();
    let method = parts.method.clone();
    let answer = match (method.clone(), path) {
        (Method::POST, "/oauth2/token") => {
            crate::oauth_token::token(inner, domain, &parts.headers, body)
        }
        (Method::POST, "/oauth2/revoke") => {
            crate::oauth_token::revoke(inner, domain, &parts.headers, body)
        }
        (Method::GET | Method::POST, "/oauth2/userInfo") => {
            crate::oauth_token::user_info(inner, domain, &parts.headers)
        }
        (_, "/oauth2/token" | "/oauth2/revoke") => {
            let mut r = json_response(
                405,
                serde_json::to_vec(&serde_json::json!({"error": "invalid_request",
                    "error_description": format!("{path} takes POST")}))
                .unwrap_or_default(),
                "application/json",
            );
            r.headers_mut()
                .insert(http::header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
        (Method::GET, "/passkey.js") => return script_response(crate::hosted_pages::PASSKEY_JS),
        _ => {
            let req = crate::hosted::PageRequest {
                domain,
                base,
                path,
                post: method == Method::POST,
                query: parts.uri.query().unwrap_or_default(),
                headers: &parts.headers,
                body,
            };
            if let Some(reply) = crate::hosted::route(inner, &req) {
                return page_response(reply);
            }
            return json_response(
                404,
                serde_json::to_vec(&serde_json::json!({"error": "not_found",
                    "error_description": format!("no endpoint {path} on the domain {domain}")}))
                .unwrap_or_default(),
                "application/json",
            );
        }
    };
    let mut r = match answer {
        Ok(Ok(v)) => json_response(
            200,
            serde_json::to_vec(&v).unwrap_or_default(),
            "application/json",
        ),
        Ok(Err(e)) => {
            let mut r = json_response(
                e.status,
                serde_json::to_vec(&e.body()).unwrap_or_default(),
                "application/json",
            );
            if e.basic_challenge {
                r.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"cognito\""),
                );
            } else if e.error == "invalid_token" || e.error == "insufficient_scope" {
                // RFC 6750 section 3.
                if let Ok(v) = HeaderValue::from_str(&format!("Bearer error=\"{}\"", e.error)) {
                    r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
                }
            }
            r
        }
        Err(e) => json_response(
            500,
            serde_json::to_vec(&serde_json::json!({"error": "server_error",
                "error_description": e.message}))
            .unwrap_or_default(),
            "application/json",
        ),
    };
    // RFC 6749 section 5.1: token answers are not cached.
    r.headers_mut().insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    r.headers_mut()
        .insert(http::header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// The managed login's script (its passkey step): same-origin, the only script the pages load.
fn script_response(js: &'static str) -> Response<Full<Bytes>> {
    let mut r = json_response(
        200,
        js.as_bytes().to_vec(),
        "text/javascript; charset=utf-8",
    );
    let h = r.headers_mut();
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    h.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// A managed login page or redirect: no caching, no framing, no script but the emulator's own
/// (`script-src 'self'`: the passkey step's `passkey.js`; nothing inline).
fn page_response(reply: crate::hosted::Reply) -> Response<Full<Bytes>> {
    let mut r = json_response(
        reply.status,
        reply.html.into_bytes(),
        "text/html; charset=utf-8",
    );
    let h = r.headers_mut();
    if let Some(to) = reply.location
        && let Ok(v) = HeaderValue::from_str(&to)
    {
        h.insert(http::header::LOCATION, v);
    }
    for c in reply.cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(http::header::SET_COOKIE, v);
        }
    }
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    h.insert(
        http::header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    );
    h.insert(
        http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        http::header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

fn api(inner: &Arc<Inner>, parts: &http::request::Parts, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::new("UnknownOperationException", "Missing X-Amz-Target header"))?;
    let op = target
        .strip_prefix(cognito_wire::TARGET_PREFIX)
        .and_then(|r| r.strip_prefix('.'))
        .ok_or_else(|| {
            ApiError::new(
                "UnknownOperationException",
                format!("Unknown target {target}"),
            )
        })?;
    let info = cognito_wire::operation_info(op).ok_or_else(|| {
        ApiError::new(
            "UnknownOperationException",
            format!("Operation {op} is not a Cognito User Pools operation"),
        )
    })?;
    // GetDerivedToken takes IAM credentials or the app client's id and secret (cognito-wire
    // generates it unsigned: CLIENT_AUTHENTICATED in the codegen): a call with an
    // `Authorization` header is verified as signed; without one, the client's credentials in
    // the body authenticate it.
    let signed = info.signed
        || (info.name == "GetDerivedToken"
            && parts.headers.contains_key(http::header::AUTHORIZATION));
    if signed && inner.config.require_sigv4 {
        let pq = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        crate::sigv4::verify(inner, parts.method.as_str(), pq, &parts.headers, body)?;
    }
    // One transaction, committed whatever the answer (a refused request may change state too:
    // a wrong code counts against the code's attempt budget) before the answer leaves.
    crate::txn::transact(inner, |ctx| crate::dispatch::call(ctx, info.name, body))
}

/// The service's error: the connection is closed without an answer (fault mode).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the fault mode")
    }
}

impl std::error::Error for Dropped {}

/// The operation name of an API request (counters and fault matching): the `X-Amz-Target`
/// without its prefix, the raw target when it has another prefix, `-` without one.
fn operation_name(headers: &http::HeaderMap) -> String {
    match headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        Some(t) => t
            .strip_prefix(cognito_wire::TARGET_PREFIX)
            .and_then(|r| r.strip_prefix('.'))
            .unwrap_or(t)
            .to_owned(),
        None => "-".to_owned(),
    }
}

/// Whether a `Host` (or `:authority`) names the loopback interface: `127.0.0.1`, `localhost` or
/// `[::1]`, with or without a port.
fn loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && !port.contains(']') => {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            name
        }
        _ => host,
    };
    name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost") || name == "[::1]"
}

/// Why a request to the emulator's own endpoints (`/_emulator/...`: outbox codes, fault mode) is
/// refused, if it is: sent by a browser (an `Origin` header; a POST with a content type a page
/// may send cross-origin without a preflight) or through a name other than the loopback one
/// (DNS rebinding: a page's own host name resolved to 127.0.0.1).
fn emulator_endpoint_refusal(parts: &http::request::Parts) -> Option<String> {
    if parts.headers.contains_key(http::header::ORIGIN) {
        return Some("Browser requests (with an Origin header) are refused".to_owned());
    }
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(h) if loopback_host(&h) => {}
        Some(h) => {
            return Some(format!(
                "Host {h} is not a loopback name (127.0.0.1, localhost, [::1])"
            ));
        }
        None => return Some("A Host header is required".to_owned()),
    }
    if parts.method == Method::POST
        && let Some(ct) = parts.headers.get(http::header::CONTENT_TYPE)
    {
        let essence = ct
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ]
        .contains(&essence.as_str())
        {
            return Some(format!(
                "Content type {essence} is refused (a browser form could send it); send none or another type"
            ));
        }
    }
    None
}

async fn handle(
    inner: Arc<Inner>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    if parts.uri.path().starts_with("/_emulator/")
        && let Some(why) = emulator_endpoint_refusal(&parts)
    {
        tracing::debug!(path = %parts.uri.path(), reason = %why, "emulator endpoint refused");
        return Ok(error_response(
            &ApiError::new("AccessDeniedException", why).with_status(StatusCode::FORBIDDEN),
            "",
        ));
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(error_response(
                &ApiError::new(
                    "SerializationException",
                    "Request body too large or unreadable",
                )
                .with_status(StatusCode::PAYLOAD_TOO_LARGE),
                "",
            ));
        }
    };
    // API calls only: the emulator's own endpoints (`/_emulator/...`) are never faulted, so the
    // fault mode can always be turned off.
    let operation = (parts.method == Method::POST && !parts.uri.path().starts_with("/_emulator/"))
        .then(|| operation_name(&parts.headers));
    let mut fault = Fault::None;
    if let Some(op) = &operation {
        let (delay, f) = inner.faults.decide(op);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        fault = f;
        if let Some(e) = fault.error() {
            tracing::debug!(operation = %op, code = %e.code, "fault mode: error answer");
            let request_id = inner.rng.uuid();
            return Ok(error_response(&e, &request_id));
        }
        if fault == Fault::DropBefore {
            tracing::debug!(operation = %op, "fault mode: connection dropped before processing");
            return Err(Dropped);
        }
    }
    let worker = inner.clone();
    let resp = tokio::task::spawn_blocking(move || route(&worker, &parts, &body))
        .await
        .unwrap_or_else(|e| error_response(&crate::error::internal(e), ""));
    if let Some(op) = &operation {
        inner.faults.processed(op);
        if fault == Fault::DropAfter {
            tracing::debug!(operation = %op, "fault mode: connection dropped after processing");
            return Err(Dropped);
        }
    }
    Ok(resp)
}

/// How long to wait after an accept error that is not about one connection (out of file
/// descriptors, memory, buffers): the listener stays readable, so retrying at once would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Whether an accept error concerns only the connection being accepted (retry at once).
fn per_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    )
}

/// Serves one accepted connection; the permit (one of `max_connections`) is held until it ends.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    inner: Arc<Inner>,
    permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let header_read_timeout = inner.config.header_read_timeout;
    let service = hyper::service::service_fn(move |req| handle(inner.clone(), req));
    // HTTP/1.1 only, as Cognito's clients speak it to a plain-HTTP endpoint (no h2c): one
    // protocol whose limits below hold for every connection. The timer starts whenever the
    // connection waits for a request head: a client that sends half a header, or a keep-alive
    // connection left idle, is closed after the timeout.
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    drop(permit);
}

/// Accepts connections until `shutdown` turns true: at most `max_connections` at once (the
/// others wait in the listen backlog), with a back-off on accept errors.
pub(crate) async fn serve(
    listener: TcpListener,
    inner: Arc<Inner>,
    mut shutdown: watch::Receiver<bool>,
) {
    let limit = Arc::new(Semaphore::new(inner.config.max_connections.max(1)));
    let mut conns = JoinSet::new();
    let mut permit: Option<OwnedSemaphorePermit> = None;
    loop {
        let Some(held) = permit.take() else {
            tokio::select! {
                p = limit.clone().acquire_owned() => match p {
                    Ok(p) => permit = Some(p),
                    Err(_) => break,
                },
                _ = shutdown.changed() => break,
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
            continue;
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    conns.spawn(serve_connection(stream, inner.clone(), held));
                }
                Err(e) => {
                    permit = Some(held);
                    if !per_connection_error(&e) {
                        tracing::warn!(error = %e, "accept failed; backing off");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => permit = Some(held),
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}
