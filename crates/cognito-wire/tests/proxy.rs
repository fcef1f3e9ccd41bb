//! The default transport through a forwarding proxy, all on 127.0.0.1: a stand-in for Cognito
//! (plain http or TLS with an `rcgen` certificate) and a small proxy written here that forwards
//! absolute-form requests and tunnels `CONNECT`, recording what it saw. The proxy resolves every
//! host name to 127.0.0.1, so endpoints can use names (`cognito-idp.test`) the client itself
//! never resolves: a call that works proves it went through the proxy, and no traffic leaves
//! the machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cognito_wire::*;
use http_body_util::{BodyExt as _, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{
    AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _,
};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = r#"{"Username":"alice","UserAttributes":[]}"#;

// ---------------------------------------------------------------------------------------------
// The Cognito stand-in.

/// A request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    uri: String,
    headers: http::HeaderMap,
}

struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// Answers every request with [`USER`]; with `tls`, over TLS with that certificate and key.
async fn start_server(tls: Option<Arc<rustls::ServerConfig>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (s, tls) = (s.clone(), tls.clone());
            tokio::spawn(async move {
                match tls {
                    Some(cfg) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
                        if let Ok(stream) = acceptor.accept(stream).await {
                            serve(stream, s).await;
                        }
                    }
                    None => serve(stream, s).await,
                }
            });
        }
    });
    Server { addr, seen }
}

async fn serve<S>(stream: S, seen: Arc<Mutex<Vec<Seen>>>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(Seen {
                uri: req.uri().to_string(),
                headers: req.headers().clone(),
            });
            let _ = req.into_body().collect().await;
            let mut resp = http::Response::new(Full::new(Bytes::from_static(USER.as_bytes())));
            resp.headers_mut().insert(
                http::header::CONTENT_TYPE,
                "application/x-amz-json-1.1".parse().unwrap(),
            );
            Ok::<_, std::convert::Infallible>(resp)
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// A self-signed certificate for `name` and the server's TLS settings.
fn tls_for(name: &str) -> (Vec<u8>, Arc<rustls::ServerConfig>) {
    let key = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
    let cert_der = key.cert.der().clone();
    let key_der =
        rustls::pki_types::PrivateKeyDer::try_from(key.signing_key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert_der.clone()], key_der)
        .unwrap();
    (cert_der.to_vec(), Arc::new(config))
}

// ---------------------------------------------------------------------------------------------
// The proxy.

/// The head of a request as the proxy saw it: `METHOD target` and the headers.
#[derive(Clone, Debug)]
struct ProxySaw {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl ProxySaw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Proxy {
    addr: SocketAddr,
    saw: Arc<Mutex<Vec<ProxySaw>>>,
}

impl Proxy {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn saw(&self) -> Vec<ProxySaw> {
        self.saw.lock().unwrap().clone()
    }
}

/// A forwarding proxy. With `require`, requests without `Proxy-Authorization: <require>` get 407.
async fn start_proxy(require: Option<&str>) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let saw = Arc::new(Mutex::new(Vec::new()));
    let (s, require) = (saw.clone(), require.map(str::to_string));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (s, require) = (s.clone(), require.clone());
            tokio::spawn(async move {
                let _ = proxy_connection(stream, s, require).await;
            });
        }
    });
    Proxy { addr, saw }
}

/// Reads a message head (start line and headers) up to the blank line.
async fn read_head<R: AsyncRead + Unpin>(
    r: &mut tokio::io::BufReader<R>,
) -> std::io::Result<Option<(String, Vec<(String, String)>)>> {
    let mut start = String::new();
    if r.read_line(&mut start).await? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').unwrap();
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(Some((start.trim_end().to_string(), headers)))
}

fn content_length(headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap())
}

/// Every host is 127.0.0.1 here (nothing leaves the machine); only the port is used.
async fn upstream(authority: &str) -> std::io::Result<TcpStream> {
    let port: u16 = authority.rsplit_once(':').unwrap().1.parse().unwrap();
    TcpStream::connect(("127.0.0.1", port)).await
}

async fn proxy_connection(
    stream: TcpStream,
    saw: Arc<Mutex<Vec<ProxySaw>>>,
    require: Option<String>,
) -> std::io::Result<()> {
    let mut client = tokio::io::BufReader::new(stream);
    while let Some((start, headers)) = read_head(&mut client).await? {
        let mut parts = start.split(' ');
        let (method, target) = (parts.next().unwrap(), parts.next().unwrap());
        let seen = ProxySaw {
            method: method.to_string(),
            target: target.to_string(),
            headers: headers.clone(),
        };
        saw.lock().unwrap().push(seen.clone());
        if let Some(require) = &require
            && seen.header("proxy-authorization") != Some(require.as_str())
        {
            client
                .get_mut()
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await?;
            return Ok(());
        }
        if method == "CONNECT" {
            let mut up = upstream(target).await?;
            client
                .get_mut()
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?;
            tokio::io::copy_bidirectional(&mut client, &mut up).await?;
            return Ok(());
        }
        // Absolute form: forward in origin form without the proxy's own headers, relay the
        // response, then read the next request (keep-alive).
        let uri: http::Uri = target.parse().unwrap();
        assert!(uri.scheme().is_some(), "not absolute form: {target}");
        let mut up = tokio::io::BufReader::new(upstream(uri.authority().unwrap().as_str()).await?);
        let mut head = format!("{method} {} HTTP/1.1\r\n", uri.path());
        for (k, v) in &headers {
            if !k.to_ascii_lowercase().starts_with("proxy-") {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str("\r\n");
        let mut body = vec![0; content_length(&headers)];
        client.read_exact(&mut body).await?;
        up.get_mut().write_all(head.as_bytes()).await?;
        up.get_mut().write_all(&body).await?;
        let (status, resp_headers) = read_head(&mut up).await?.unwrap();
        let mut resp_body = vec![0; content_length(&resp_headers)];
        up.read_exact(&mut resp_body).await?;
        let mut resp = format!("{status}\r\n");
        for (k, v) in &resp_headers {
            resp.push_str(&format!("{k}: {v}\r\n"));
        }
        resp.push_str("\r\n");
        client.get_mut().write_all(resp.as_bytes()).await?;
        client.get_mut().write_all(&resp_body).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A SOCKS5 proxy (RFC 1928, with RFC 1929 user/password), CONNECT only.

/// What the SOCKS5 proxy was asked: the target as sent (a name or an IP), the credentials.
#[derive(Clone, Debug, PartialEq)]
struct SocksSaw {
    host: String,
    port: u16,
    auth: Option<(String, String)>,
}

struct Socks {
    addr: SocketAddr,
    saw: Arc<Mutex<Vec<SocksSaw>>>,
}

async fn start_socks(require: Option<(&str, &str)>) -> Socks {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let saw = Arc::new(Mutex::new(Vec::new()));
    let s = saw.clone();
    let require = require.map(|(u, p)| (u.to_string(), p.to_string()));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (s, require) = (s.clone(), require.clone());
            tokio::spawn(async move {
                let _ = socks_connection(stream, s, require).await;
            });
        }
    });
    Socks { addr, saw }
}

async fn read_bytes(s: &mut TcpStream, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn socks_connection(
    mut s: TcpStream,
    saw: Arc<Mutex<Vec<SocksSaw>>>,
    require: Option<(String, String)>,
) -> std::io::Result<()> {
    let head = read_bytes(&mut s, 2).await?;
    assert_eq!(head[0], 5, "SOCKS version");
    let methods = read_bytes(&mut s, head[1].into()).await?;
    let mut auth = None;
    if let Some(require) = require {
        if !methods.contains(&2) {
            return s.write_all(&[5, 0xff]).await;
        }
        s.write_all(&[5, 2]).await?;
        let v = read_bytes(&mut s, 2).await?;
        let user = String::from_utf8(read_bytes(&mut s, v[1].into()).await?).unwrap();
        let len = read_bytes(&mut s, 1).await?[0];
        let pass = String::from_utf8(read_bytes(&mut s, len.into()).await?).unwrap();
        let ok = (user.clone(), pass.clone()) == require;
        s.write_all(&[1, if ok { 0 } else { 1 }]).await?;
        if !ok {
            return Ok(());
        }
        auth = Some((user, pass));
    } else {
        s.write_all(&[5, 0]).await?;
    }
    let req = read_bytes(&mut s, 4).await?;
    assert_eq!(req[1], 1, "CONNECT");
    let host = match req[3] {
        1 => {
            let a: [u8; 4] = read_bytes(&mut s, 4).await?.try_into().unwrap();
            std::net::Ipv4Addr::from(a).to_string()
        }
        3 => {
            let len = read_bytes(&mut s, 1).await?[0];
            String::from_utf8(read_bytes(&mut s, len.into()).await?).unwrap()
        }
        4 => {
            let a: [u8; 16] = read_bytes(&mut s, 16).await?.try_into().unwrap();
            std::net::Ipv6Addr::from(a).to_string()
        }
        t => panic!("address type {t}"),
    };
    let port = u16::from_be_bytes(read_bytes(&mut s, 2).await?.try_into().unwrap());
    saw.lock().unwrap().push(SocksSaw { host, port, auth });
    // Every host is 127.0.0.1 here.
    let mut up = TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut s, &mut up).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The client side.

fn config(proxy: ProxyConfig) -> HyperConfig {
    let mut config = HyperConfig::default();
    config.connect_timeout = Duration::from_secs(2);
    config.request_timeout = Duration::from_secs(10);
    config.with_proxy(proxy)
}

fn client(url: &str, transport: HyperTransport) -> Client {
    Client::builder()
        .endpoint_url(url)
        .env(|_| None)
        .transport(transport)
        .build()
        .unwrap()
}

async fn get_user(c: &Client) -> Result<GetUserResponse, Error> {
    c.call::<op::GetUser>(
        &GetUserRequest::builder()
            .access_token("tok")
            .build()
            .unwrap(),
    )
    .await
}

/// `Basic base64(user:pass)`.
fn basic(user_pass: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_pass)
    )
}

#[tokio::test]
async fn http_endpoint_goes_through_http_proxy_in_absolute_form() {
    let server = start_server(None).await;
    let proxy = start_proxy(None).await;
    let settings = ProxySettings::new().http_proxy(proxy.url());
    let transport = HyperTransport::with_config(config(ProxyConfig::Explicit(settings))).unwrap();
    // A name only the proxy can resolve.
    let url = format!("http://cognito-idp.test:{}/", server.addr.port());
    let c = client(&url, transport);
    for _ in 0..2 {
        assert_eq!(get_user(&c).await.unwrap().username.expose(), "alice");
    }

    let saw = proxy.saw();
    assert_eq!(saw.len(), 2, "{saw:?}");
    for s in &saw {
        assert_eq!(s.method, "POST");
        assert_eq!(s.target, url, "absolute form");
        assert_eq!(s.header("host"), Some(&url[7..url.len() - 1]));
        assert_eq!(s.header("proxy-authorization"), None);
        assert_eq!(
            s.header("x-amz-target"),
            Some("AWSCognitoIdentityProviderService.GetUser")
        );
    }
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].uri, "/");
}

#[tokio::test]
async fn no_proxy_bypasses_the_proxy() {
    let server = start_server(None).await;
    let proxy = start_proxy(None).await;
    let url = format!("http://127.0.0.1:{}/", server.addr.port());
    for no_proxy in [
        "127.0.0.1",
        "localhost, 127.0.0.0/8",
        "*",
        "other.test,127.0.0.1:1,127.0.0.1",
    ] {
        let settings = ProxySettings::new()
            .all_proxy(proxy.url())
            .no_proxy(no_proxy);
        let transport =
            HyperTransport::with_config(config(ProxyConfig::Explicit(settings))).unwrap();
        let out = get_user(&client(&url, transport)).await.unwrap();
        assert_eq!(out.username.expose(), "alice", "NO_PROXY={no_proxy}");
    }
    assert!(proxy.saw().is_empty(), "{:?}", proxy.saw());
    assert_eq!(server.seen.lock().unwrap().len(), 4);

    // A list that does not name the host does not bypass.
    let settings = ProxySettings::new()
        .http_proxy(proxy.url())
        .no_proxy("example.test,10.0.0.0/8");
    let transport = HyperTransport::with_config(config(ProxyConfig::Explicit(settings))).unwrap();
    get_user(&client(&url, transport)).await.unwrap();
    assert_eq!(proxy.saw().len(), 1);

    // Disabled ignores any setting.
    let transport = HyperTransport::with_config(config(ProxyConfig::Disabled)).unwrap();
    assert!(transport.proxy_settings().is_empty());
    get_user(&client(&url, transport)).await.unwrap();
    assert_eq!(proxy.saw().len(), 1);
}

#[tokio::test]
async fn http_proxy_credentials_are_sent_as_basic_auth_and_never_shown() {
    let server = start_server(None).await;
    // user "alice@corp", password "s3cr:t" (percent-encoded in the URL).
    let auth = basic("alice@corp:s3cr:t");
    let proxy = start_proxy(Some(&auth)).await;
    let proxy_url = format!("http://alice%40corp:s3cr%3At@{}", proxy.addr);
    let settings = ProxySettings::new().http_proxy(proxy_url);
    let cfg = config(ProxyConfig::Explicit(settings));
    let transport = HyperTransport::with_config(cfg.clone()).unwrap();
    for shown in [format!("{cfg:?}"), format!("{transport:?}")] {
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(!shown.contains("alice"), "{shown}");
        assert!(shown.contains(&format!("***@{}", proxy.addr)), "{shown}");
    }
    let url = format!("http://cognito-idp.test:{}/", server.addr.port());
    let out = get_user(&client(&url, transport)).await.unwrap();
    assert_eq!(out.username.expose(), "alice");
    let saw = proxy.saw();
    assert_eq!(saw.len(), 1);
    assert_eq!(saw[0].header("proxy-authorization"), Some(auth.as_str()));
    let seen = server.seen.lock().unwrap();
    assert!(
        seen[0].headers.get("proxy-authorization").is_none(),
        "the proxy consumes its credentials"
    );
}

#[tokio::test]
async fn https_endpoint_goes_through_a_connect_tunnel() {
    let name = "cognito-idp.test";
    let (ca, tls) = tls_for(name);
    let server = start_server(Some(tls)).await;
    let auth = basic("bob:hunter2");
    let proxy = start_proxy(Some(&auth)).await;
    let settings = ProxySettings::new()
        .https_proxy(format!("http://bob:hunter2@{}", proxy.addr))
        .no_proxy("localhost");
    let cfg = config(ProxyConfig::Explicit(settings)).add_root_certificate(ca);
    let transport = HyperTransport::with_config(cfg).unwrap();
    let authority = format!("{name}:{}", server.addr.port());
    let c = client(&format!("https://{authority}/"), transport);
    for _ in 0..2 {
        assert_eq!(get_user(&c).await.unwrap().username.expose(), "alice");
    }

    // One tunnel (the second call reuses the pooled TLS connection through it).
    let saw = proxy.saw();
    assert_eq!(saw.len(), 1, "{saw:?}");
    assert_eq!(saw[0].method, "CONNECT");
    assert_eq!(saw[0].target, authority);
    assert_eq!(saw[0].header("proxy-authorization"), Some(auth.as_str()));
    // Inside the tunnel: TLS with the endpoint (certificate checked against the added root),
    // origin-form requests, no proxy credentials.
    let seen = server.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].uri, "/");
    assert_eq!(seen[0].headers["host"], authority.as_str());
    assert!(seen[0].headers.get("proxy-authorization").is_none());
}

#[tokio::test]
async fn https_without_the_extra_root_fails_the_certificate_check() {
    let name = "cognito-idp.test";
    let (_ca, tls) = tls_for(name);
    let server = start_server(Some(tls)).await;
    let proxy = start_proxy(None).await;
    let settings = ProxySettings::new().https_proxy(proxy.url());
    let transport = HyperTransport::with_config(config(ProxyConfig::Explicit(settings))).unwrap();
    let req = http::Request::post(format!("https://{name}:{}/", server.addr.port()))
        .body(Bytes::new())
        .unwrap();
    let err = transport.send(req).await.unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    assert_eq!(proxy.saw().len(), 1, "the tunnel was opened");
    assert!(server.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn connect_refused_by_the_proxy_is_a_connect_error() {
    let (ca, tls) = tls_for("cognito-idp.test");
    let server = start_server(Some(tls)).await;
    let proxy = start_proxy(Some(&basic("bob:right"))).await;
    let settings = ProxySettings::new().https_proxy(format!("http://bob:wrong@{}", proxy.addr));
    let cfg = config(ProxyConfig::Explicit(settings)).add_root_certificate(ca);
    let transport = HyperTransport::with_config(cfg).unwrap();
    let req = http::Request::post(format!("https://cognito-idp.test:{}/", server.addr.port()))
        .body(Bytes::new())
        .unwrap();
    let err = transport.send(req).await.unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("wrong"));
    assert_eq!(err.reached_server(), ReachedServer::No);
    assert!(server.seen.lock().unwrap().is_empty());
}

#[test]
fn unsupported_or_invalid_proxy_urls_fail_the_build_without_showing_credentials() {
    for url in [
        "https://u:pw@proxy.test:443",
        "socks4://u:pw@proxy.test:1080",
        "http://u:pw@[::1",
    ] {
        let settings = ProxySettings::new().https_proxy(url);
        let err = HyperTransport::with_config(config(ProxyConfig::Explicit(settings))).unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains("pw"), "{shown}");
        assert!(shown.contains("https proxy"), "{shown}");
    }
}

#[test]
fn bad_extra_root_certificate_fails_the_build() {
    let cfg = config(ProxyConfig::Disabled).add_root_certificate(b"not DER".to_vec());
    let err = HyperTransport::with_config(cfg).unwrap_err();
    assert!(err.to_string().contains("extra root certificate"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// The default (`ProxyConfig::FromEnv`) with real environment variables, without mutating this
// process's environment: the test runs this binary again with the variables set, and only
// there does `env_child` do anything.

const CHILD: &str = "COGNITO_WIRE_PROXY_TEST_CHILD";

#[tokio::test]
async fn env_child() {
    let Ok(url) = std::env::var(CHILD) else {
        return;
    };
    let transport = HyperTransport::new().unwrap();
    assert!(!transport.proxy_settings().is_empty());
    let c = client(&url, transport);
    assert_eq!(get_user(&c).await.unwrap().username.expose(), "alice");
}

#[tokio::test]
async fn default_transport_reads_the_proxy_environment() {
    let server = start_server(None).await;
    let proxy = start_proxy(None).await;
    let run = |url: String, vars: Vec<(&'static str, String)>| {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args(["env_child", "--exact", "--test-threads=1"]);
        for name in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "REQUEST_METHOD",
        ] {
            cmd.env_remove(name);
        }
        cmd.env(CHILD, url).envs(vars);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
    };
    // Lower case, as many shells set it; a name only the proxy resolves.
    let url = format!("http://cognito-idp.test:{}/", server.addr.port());
    let out = run(url.clone(), vec![("http_proxy", proxy.url())])
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let saw = proxy.saw();
    assert_eq!(saw.len(), 1, "{saw:?}");
    assert_eq!(saw[0].target, url);
    assert_eq!(server.seen.lock().unwrap().len(), 1);

    // ALL_PROXY, with this host in NO_PROXY: direct, the proxy sees nothing new.
    let url = format!("http://127.0.0.1:{}/", server.addr.port());
    let vars = vec![
        ("ALL_PROXY", proxy.url()),
        ("NO_PROXY", "example.test, 127.0.0.1".to_string()),
    ];
    let out = run(url, vars).await.unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(proxy.saw().len(), 1);
    assert_eq!(server.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn socks5h_tunnels_https_and_leaves_the_name_to_the_proxy() {
    let name = "cognito-idp.test";
    let (ca, tls) = tls_for(name);
    let server = start_server(Some(tls)).await;
    let socks = start_socks(Some(("carol", "pa:ss"))).await;
    let settings =
        ProxySettings::new().all_proxy(format!("socks5h://carol:pa%3Ass@{}", socks.addr));
    let cfg = config(ProxyConfig::Explicit(settings)).add_root_certificate(ca);
    assert!(!format!("{cfg:?}").contains("pa%3Ass"));
    let transport = HyperTransport::with_config(cfg).unwrap();
    let c = client(
        &format!("https://{name}:{}/", server.addr.port()),
        transport,
    );
    for _ in 0..2 {
        assert_eq!(get_user(&c).await.unwrap().username.expose(), "alice");
    }
    let saw = socks.saw.lock().unwrap().clone();
    let auth = Some(("carol".to_string(), "pa:ss".to_string()));
    assert_eq!(
        saw,
        [SocksSaw {
            host: name.to_string(),
            port: server.addr.port(),
            auth
        }]
    );
    assert_eq!(server.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn socks5_resolves_the_name_locally_and_sends_origin_form() {
    let server = start_server(None).await;
    let socks = start_socks(None).await;
    let settings = ProxySettings::new().all_proxy(format!("socks5://{}", socks.addr));
    let transport = HyperTransport::with_config(config(ProxyConfig::Explicit(settings))).unwrap();
    let c = client(
        &format!("http://localhost:{}/", server.addr.port()),
        transport,
    );
    assert_eq!(get_user(&c).await.unwrap().username.expose(), "alice");
    let saw = socks.saw.lock().unwrap().clone();
    assert_eq!(saw.len(), 1);
    assert!(saw[0].host.parse::<std::net::IpAddr>().is_ok(), "{saw:?}");
    assert_eq!(saw[0].port, server.addr.port());
    assert_eq!(server.seen.lock().unwrap()[0].uri, "/");
}

#[tokio::test]
async fn socks5_refusing_the_credentials_is_a_connect_error() {
    let server = start_server(None).await;
    let socks = start_socks(Some(("carol", "right"))).await;
    let settings = ProxySettings::new().http_proxy(format!("socks5h://carol:wrong@{}", socks.addr));
    let transport = HyperTransport::with_config(config(ProxyConfig::Explicit(settings))).unwrap();
    let req = http::Request::post(format!("http://cognito-idp.test:{}/", server.addr.port()))
        .body(Bytes::new())
        .unwrap();
    let err = transport.send(req).await.unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("wrong"), "{err:?}");
    assert!(server.seen.lock().unwrap().is_empty());
}
