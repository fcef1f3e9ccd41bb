//! Running a handler: an HTTP endpoint speaking Lambda's `Invoke` API, or a local command (the
//! event on stdin, the answer on stdout). Both within a time limit; no state lock is involved
//! here (the caller holds none of the emulator's locks, see [`super`]).

use super::TriggerHandler;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why an invocation gave no usable answer.
#[derive(Debug)]
pub(crate) enum InvokeError {
    /// The function ran and failed (it raised, or the command exited with a failure): its
    /// message (Lambda's `errorMessage`).
    Function(String),
    /// No answer within the time limit.
    Timeout,
    /// The function could not be invoked: Lambda's error type (`ResourceNotFoundException`,
    /// `ServiceException`, ...).
    Service(String),
}

/// Runs `handler` with `event`; the answer's bytes.
pub(crate) fn run(
    handler: &TriggerHandler,
    function: &str,
    event: &[u8],
    limit: Duration,
) -> Result<Vec<u8>, InvokeError> {
    match handler {
        TriggerHandler::Http { url } => http(url, function, event, limit),
        TriggerHandler::Command { program, args } => command(program, args, event, limit),
    }
}

/// The message of a Lambda error document (`{"errorMessage": ..., "errorType": ...}`), else
/// the text itself (trimmed, its last line).
fn error_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(m) = v.get("errorMessage").and_then(|m| m.as_str())
    {
        return m.to_owned();
    }
    let text = String::from_utf8_lossy(body);
    text.trim()
        .lines()
        .last()
        .unwrap_or("Unhandled")
        .trim()
        .to_owned()
}

/// The invocation URL: `url` itself when it already ends in `/invocations`, else Lambda's
/// `POST {url}/2015-03-31/functions/{function}/invocations`.
pub(crate) fn invocation_url(url: &str, function: &str) -> String {
    let base = url.trim_end_matches('/');
    if base.ends_with("/invocations") {
        base.to_owned()
    } else {
        format!("{base}/2015-03-31/functions/{function}/invocations")
    }
}

fn http(url: &str, function: &str, event: &[u8], limit: Duration) -> Result<Vec<u8>, InvokeError> {
    let target = invocation_url(url, function);
    let parsed = url::Url::parse(&target).map_err(|_| service("InvalidParameterValueException"))?;
    if parsed.scheme() != "http" {
        // Local runners speak plain HTTP; TLS is not offered.
        return Err(service("InvalidParameterValueException"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| service("InvalidParameterValueException"))?
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let path = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    let authority = match parsed.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let body = Bytes::copy_from_slice(event);
    // A runtime of its own: the caller is a blocking request task (or no runtime at all).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| service("ServiceException"))?;
    rt.block_on(async move {
        let exchange = async {
            let stream = tokio::net::TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|_| service("ServiceException"))?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|_| service("ServiceException"))?;
            tokio::spawn(conn);
            let req = http::Request::post(path)
                .header(http::header::HOST, authority)
                .header(http::header::CONTENT_TYPE, "application/json")
                .header("x-amz-invocation-type", "RequestResponse")
                .body(Full::new(body))
                .map_err(|_| service("ServiceException"))?;
            let resp = sender
                .send_request(req)
                .await
                .map_err(|_| service("ServiceException"))?;
            let status = resp.status();
            let function_error = resp.headers().contains_key("x-amz-function-error");
            let error_type = resp
                .headers()
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(':').next().unwrap_or(v).to_owned());
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|_| service("ServiceException"))?
                .to_bytes();
            if !status.is_success() {
                let kind = error_type
                    .or_else(|| {
                        serde_json::from_slice::<serde_json::Value>(&bytes)
                            .ok()
                            .and_then(|v| v.get("Type").and_then(|t| t.as_str()).map(str::to_owned))
                    })
                    .unwrap_or_else(|| {
                        if status == http::StatusCode::NOT_FOUND {
                            "ResourceNotFoundException".to_owned()
                        } else {
                            "ServiceException".to_owned()
                        }
                    });
                return Err(InvokeError::Service(kind));
            }
            if function_error {
                return Err(InvokeError::Function(error_message(&bytes)));
            }
            Ok(bytes.to_vec())
        };
        match tokio::time::timeout(limit, exchange).await {
            Ok(r) => r,
            Err(_) => Err(InvokeError::Timeout),
        }
    })
}

fn service(kind: &str) -> InvokeError {
    InvokeError::Service(kind.to_owned())
}

fn command(
    program: &str,
    args: &[String],
    event: &[u8],
    limit: Duration,
) -> Result<Vec<u8>, InvokeError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|_| service("ResourceNotFoundException"))?;
    let stdin = child.stdin.take();
    let input = event.to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(mut s) = stdin {
            let _ = s.write_all(&input);
        }
    });
    // The pipes are read on threads that hand their bytes over a channel: a grandchild that
    // keeps a pipe open cannot hold the request past the time limit.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            let _ = tx.send(buf);
        });
        rx
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(InvokeError::Timeout);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(service("ServiceException"));
            }
        }
    };
    let _ = writer.join();
    let left = || deadline.saturating_duration_since(Instant::now());
    let stdout = out.recv_timeout(left()).map_err(|_| InvokeError::Timeout)?;
    let stderr = err.recv_timeout(left()).unwrap_or_default();
    if status.success() {
        Ok(stdout)
    } else if !stdout.iter().all(u8::is_ascii_whitespace) {
        Err(InvokeError::Function(error_message(&stdout)))
    } else {
        Err(InvokeError::Function(error_message(&stderr)))
    }
}
