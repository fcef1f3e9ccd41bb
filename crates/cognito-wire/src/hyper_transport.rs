//! [`HyperTransport`]: the default [`Transport`]: hyper 1, hyper-util's pooled legacy client
//! (HTTP/1.1 keep-alive, connection reuse) and hyper-rustls (https) or plain http.
//!
//! # Proxies
//!
//! By default ([`ProxyConfig::FromEnv`]) the transport honours the proxy variables the way curl
//! and the AWS CLI do, read once when the transport is built ([`ProxySettings::from_env`]):
//!
//! - `HTTPS_PROXY` / `https_proxy`: proxy for `https://` endpoints. The transport opens a
//!   `CONNECT host:port` tunnel through the proxy and runs TLS with the endpoint through it
//!   (the proxy sees neither the request nor the tokens);
//! - `HTTP_PROXY` / `http_proxy`: proxy for `http://` endpoints (local emulators, test
//!   servers). The request goes to the proxy in absolute form (`POST http://host:port/`);
//! - `ALL_PROXY` / `all_proxy`: the proxy for whichever of the two is not set;
//! - `NO_PROXY` / `no_proxy`: comma-separated hosts that bypass the proxy: a domain matches
//!   itself and its subdomains (`example.com` and `.example.com` both match `a.example.com`),
//!   IP addresses and CIDR blocks (`10.0.0.0/8`) match addresses, `*` matches everything.
//!
//! The upper-case name wins when both are set. As in curl and hyper-util, no proxy variable is
//! honoured when `REQUEST_METHOD` is set (CGI, where `HTTP_PROXY` can come from a request
//! header: "httpoxy").
//!
//! Proxy URLs:
//!
//! - `http://[user:password@]host[:port]` (the port defaults to 80; a URL without scheme means
//!   `http://`): `user:password` (percent-decoded) is sent as `Proxy-Authorization: Basic` to
//!   the proxy, on the `CONNECT` request for https endpoints, on each request for http ones;
//! - `socks5h://[user:password@]host[:port]` and `socks5://…` (the port defaults to 1080): a
//!   SOCKS5 tunnel for either scheme (user/password authentication, RFC 1929); with
//!   `socks5h` the proxy resolves the endpoint's name, with `socks5` the client does.
//!
//! TLS to the proxy itself (`https://` proxy URLs) and SOCKS4 are not supported: building the
//! transport fails rather than silently connecting directly, as it does for a URL that does
//! not parse. Credentials never appear in `Debug` output, errors or logs.
//!
//! [`ProxyConfig::Disabled`] connects directly whatever the environment says;
//! [`ProxyConfig::Explicit`] uses the given [`ProxySettings`] and ignores the environment:
//!
//! ```
//! use cognito_wire::{HyperConfig, HyperTransport, ProxyConfig, ProxySettings};
//!
//! let settings = ProxySettings::new()
//!     .https_proxy("http://user:secret@proxy.corp.example:3128")
//!     .no_proxy("localhost,127.0.0.1,.internal.example");
//! let config = HyperConfig::default().with_proxy(ProxyConfig::Explicit(settings));
//! assert!(!format!("{config:?}").contains("secret"));
//! let transport = HyperTransport::with_config(config).unwrap();
//! # drop(transport);
//! ```
//!
//! The matching and the `CONNECT` and SOCKS5 handshakes are hyper-util's
//! ([`hyper_util::client::proxy::matcher::Matcher`],
//! [`hyper_util::client::legacy::connect::proxy::Tunnel`] and
//! [`hyper_util::client::legacy::connect::proxy::SocksV5`]).
//!
//! # Extra root certificates
//!
//! [`HyperConfig::add_root_certificate`] trusts a CA (DER) on top of [`RootCerts`], for
//! TLS-inspecting corporate proxies or private endpoints.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::error::{BoxError, TransportError};
use crate::transport::{BoxFuture, Transport};

/// Which root certificates to trust for https.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootCerts {
    /// Mozilla's roots compiled in (`webpki-roots`).
    #[default]
    WebPki,
    /// The operating system's store (`rustls-native-certs`).
    Native,
}

/// Where [`HyperTransport`] gets its proxy settings (see the [module docs](self#proxies)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyConfig {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their lower-case forms), read
    /// once when the transport is built ([`ProxySettings::from_env`]). The default.
    #[default]
    FromEnv,
    /// No proxy: always connect directly.
    Disabled,
    /// These settings; the environment is not read.
    Explicit(ProxySettings),
}

/// Proxy URLs and the bypass list. Build with [`ProxySettings::new`] and the builder methods, or
/// read the environment with [`ProxySettings::from_env`]. `Debug` hides proxy credentials.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxySettings {
    http: Option<String>,
    https: Option<String>,
    no_proxy: String,
}

impl ProxySettings {
    /// No proxy for any endpoint.
    pub fn new() -> Self {
        Self::default()
    }

    /// From the process environment, with curl's rules (see the [module docs](self#proxies)).
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// From variables looked up through `var` instead of the process environment (same rules as
    /// [`ProxySettings::from_env`]; for tests and for callers with their own configuration).
    ///
    /// ```
    /// use cognito_wire::ProxySettings;
    ///
    /// let vars = |name: &str| match name {
    ///     "https_proxy" => Some("http://proxy.example:3128".to_string()),
    ///     "NO_PROXY" => Some("localhost".to_string()),
    ///     _ => None,
    /// };
    /// let expected = ProxySettings::new()
    ///     .https_proxy("http://proxy.example:3128")
    ///     .no_proxy("localhost");
    /// assert_eq!(ProxySettings::from_vars(vars), expected);
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        // Same lookup as hyper-util's `Matcher::from_env` (which reads only the real process
        // environment, hence this copy): upper case first, empty means unset, nothing in CGI.
        let first = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|name| var(name).filter(|v| !v.is_empty()))
        };
        if var("REQUEST_METHOD").is_some() {
            return Self::new();
        }
        let all = first(["ALL_PROXY", "all_proxy"]);
        Self {
            http: first(["HTTP_PROXY", "http_proxy"]).or_else(|| all.clone()),
            https: first(["HTTPS_PROXY", "https_proxy"]).or(all),
            no_proxy: first(["NO_PROXY", "no_proxy"]).unwrap_or_default(),
        }
    }

    /// The proxy for `http://` endpoints (`http://[user:password@]host[:port]`, or `socks5h://` /
    /// `socks5://`).
    pub fn http_proxy(mut self, url: impl Into<String>) -> Self {
        self.http = Some(url.into()).filter(|u| !u.is_empty());
        self
    }

    /// The proxy for `https://` endpoints, reached with `CONNECT`
    /// (`http://[user:password@]host[:port]`), or a SOCKS5 one (`socks5h://`, `socks5://`).
    pub fn https_proxy(mut self, url: impl Into<String>) -> Self {
        self.https = Some(url.into()).filter(|u| !u.is_empty());
        self
    }

    /// The same proxy for both schemes (like `ALL_PROXY`, but replacing both settings).
    pub fn all_proxy(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.http_proxy(url.clone()).https_proxy(url)
    }

    /// Hosts that bypass the proxy, in `NO_PROXY` syntax (comma-separated domains, IP addresses,
    /// CIDR blocks, `*`). Replaces the previous list.
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = list.into();
        self
    }

    /// Whether no proxy is set, for either scheme.
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The bypass list as given.
    pub fn no_proxy_list(&self) -> &str {
        &self.no_proxy
    }

    /// Checks the URLs and builds hyper-util's matcher (`None`: nothing is proxied).
    fn matcher(&self) -> Result<Option<Matcher>, BoxError> {
        if self.is_empty() {
            return Ok(None);
        }
        for (name, url) in [("http", &self.http), ("https", &self.https)] {
            if let Some(url) = url {
                check_proxy_url(name, url)?;
            }
        }
        // hyper-util's matcher applies a `*` entry to host names only, not to IP addresses
        // (`http://127.0.0.1/` would still be proxied); curl's `*` matches every host.
        if self.no_proxy.split(',').any(|entry| entry.trim() == "*") {
            return Ok(None);
        }
        let mut builder = Matcher::builder().no(self.no_proxy.as_str());
        if let Some(url) = &self.http {
            builder = builder.http(url.as_str());
        }
        if let Some(url) = &self.https {
            builder = builder.https(url.as_str());
        }
        Ok(Some(builder.build()))
    }
}

impl std::fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySettings")
            .field("http", &self.http.as_deref().map(redact_userinfo))
            .field("https", &self.https.as_deref().map(redact_userinfo))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// `url` with any `user:password@` replaced by `***@`.
fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}***{}{tail}", &authority[at..]),
        None => url.to_string(),
    }
}

/// Refuses what the transport cannot do rather than letting hyper-util's matcher drop it
/// (which would connect directly, past the proxy).
fn check_proxy_url(name: &str, url: &str) -> Result<(), BoxError> {
    let shown = redact_userinfo(url);
    let probe = http::Uri::from_static("http://probe.invalid/");
    let intercept = Matcher::builder().http(url).build().intercept(&probe);
    match intercept {
        Some(i) if matches!(i.uri().scheme_str(), Some("http" | "socks5" | "socks5h")) => Ok(()),
        Some(i) => Err(format!(
            "{name} proxy {shown}: unsupported scheme {} (http://, socks5:// and socks5h:// are)",
            i.uri().scheme_str().unwrap_or("")
        )
        .into()),
        None => Err(format!("{name} proxy {shown}: not a valid proxy URL").into()),
    }
}

/// Settings of [`HyperTransport`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HyperConfig {
    /// Timeout for establishing a TCP connection (to the proxy, when there is one).
    pub connect_timeout: Duration,
    /// Timeout for the whole exchange (connect, send, complete response body).
    pub request_timeout: Duration,
    /// Largest response body accepted.
    pub max_body_bytes: usize,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Duration,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// Trusted roots.
    pub roots: RootCerts,
    /// At most this many requests in flight at once through this transport (`None`: no limit).
    /// The pool opens a connection for every concurrent request; a limit makes a burst of
    /// concurrent calls queue on the client and reuse keep-alive connections instead of opening
    /// hundreds of them. Waiting for a slot does not count against `request_timeout` (nothing
    /// has been sent yet).
    pub max_in_flight: Option<usize>,
    /// Proxy settings (default: from the environment, when the transport is built).
    pub proxy: ProxyConfig,
    /// CA certificates (DER) trusted on top of `roots`; see
    /// [`HyperConfig::add_root_certificate`].
    pub extra_root_certificates: Vec<Vec<u8>>,
}

impl Default for HyperConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(3100),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 4 * 1024 * 1024,
            pool_idle_timeout: Duration::from_secs(90),
            pool_max_idle_per_host: 16,
            roots: RootCerts::WebPki,
            max_in_flight: None,
            proxy: ProxyConfig::FromEnv,
            extra_root_certificates: Vec::new(),
        }
    }
}

impl std::fmt::Debug for HyperConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperConfig")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("roots", &self.roots)
            .field("max_in_flight", &self.max_in_flight)
            .field("proxy", &self.proxy)
            .field(
                "extra_root_certificates",
                &format_args!("[{} certificate(s)]", self.extra_root_certificates.len()),
            )
            .finish()
    }
}

impl HyperConfig {
    /// With `proxy` as the proxy setting.
    pub fn with_proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// Also trusts the CA certificate `der` (DER-encoded X.509) for https, on top of
    /// [`HyperConfig::roots`]: a corporate CA, a TLS-inspecting proxy's CA, a private endpoint's
    /// CA. Building the transport fails if it does not parse.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_root_certificates.push(der.into());
        self
    }
}

/// The default transport. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct HyperTransport {
    client: LegacyClient<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    config: HyperConfig,
    proxy: ProxySettings,
    matcher: Option<Arc<Matcher>>,
    in_flight: Option<std::sync::Arc<tokio::sync::Semaphore>>,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("config", &self.config)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// With [`HyperConfig::default`] (proxies from the environment).
    pub fn new() -> Result<Self, BoxError> {
        Self::with_config(HyperConfig::default())
    }

    /// With explicit settings. Fails when the native root store cannot be loaded, an extra root
    /// certificate does not parse, or a proxy URL is invalid or of an unsupported kind.
    pub fn with_config(config: HyperConfig) -> Result<Self, BoxError> {
        let proxy = match &config.proxy {
            ProxyConfig::FromEnv => ProxySettings::from_env(),
            ProxyConfig::Disabled => ProxySettings::new(),
            ProxyConfig::Explicit(settings) => settings.clone(),
        };
        let matcher = proxy.matcher()?.map(Arc::new);
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        let connector = ProxyConnector {
            http,
            matcher: matcher.clone(),
        };
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(&config)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = LegacyClient::builder(TokioExecutor::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .build(https);
        let in_flight = config
            .max_in_flight
            .map(|n| std::sync::Arc::new(tokio::sync::Semaphore::new(n.max(1))));
        Ok(Self {
            client,
            config,
            proxy,
            matcher,
            in_flight,
        })
    }

    /// The settings.
    pub fn config(&self) -> &HyperConfig {
        &self.config
    }

    /// The proxy settings in use, as resolved when the transport was built: what the environment
    /// said for [`ProxyConfig::FromEnv`], empty for [`ProxyConfig::Disabled`].
    pub fn proxy_settings(&self) -> &ProxySettings {
        &self.proxy
    }

    fn classify(&self, e: hyper_util::client::legacy::Error) -> TransportError {
        if e.is_connect() {
            if has_timed_out(&e) {
                return TransportError::ConnectTimeout(self.config.connect_timeout);
            }
            return TransportError::Connect(Box::new(e));
        }
        TransportError::Io(Box::new(e))
    }

    async fn exchange(
        &self,
        mut req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        // An http:// request through a proxy carries the proxy's credentials itself (an https
        // one has them on the CONNECT request, see `ProxyConnector`).
        if req.uri().scheme() == Some(&http::uri::Scheme::HTTP)
            && let Some(auth) = self
                .matcher
                .as_ref()
                .and_then(|m| m.intercept(req.uri()))
                .and_then(|i| i.basic_auth().cloned())
        {
            req.headers_mut()
                .insert(http::header::PROXY_AUTHORIZATION, auth);
        }
        let response = self
            .client
            .request(req.map(Full::new))
            .await
            .map_err(|e| self.classify(e))?;
        let (parts, body) = response.into_parts();
        let limit = self.config.max_body_bytes;
        let too_large = TransportError::BodyTooLarge {
            limit,
            status: parts.status,
        };
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large);
        }
        let collected = Limited::new(body, limit).collect().await.map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                TransportError::BodyTooLarge {
                    limit,
                    status: parts.status,
                }
            } else {
                TransportError::Io(e)
            }
        })?;
        Ok(http::Response::from_parts(parts, collected.to_bytes()))
    }
}

fn has_timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        cur = err.source();
    }
    false
}

impl Transport for HyperTransport {
    fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let timeout = self.config.request_timeout;
        Box::pin(async move {
            let _slot = match &self.in_flight {
                Some(limit) => Some(limit.clone().acquire_owned().await.map_err(|e| {
                    TransportError::InvalidRequest(format!("transport closed: {e}"))
                })?),
                None => None,
            };
            match tokio::time::timeout(timeout, self.exchange(req)).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::RequestTimeout(timeout)),
            }
        })
    }
}

/// The trust store: `roots` plus the extra certificates, with ring and rustls' safe defaults
/// (what hyper-rustls' `with_provider_and_*_roots` build, which take no extra roots).
fn tls_config(config: &HyperConfig) -> Result<rustls::ClientConfig, BoxError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    match config.roots {
        RootCerts::WebPki => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        RootCerts::Native => {
            let loaded = rustls_native_certs::load_native_certs();
            let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
            if added == 0 {
                return Err(format!(
                    "no valid native root CA certificates found ({ignored} invalid, errors: {:?})",
                    loaded.errors
                )
                .into());
            }
        }
    }
    for (i, der) in config.extra_root_certificates.iter().enumerate() {
        roots
            .add(rustls::pki_types::CertificateDer::from(der.clone()))
            .map_err(|e| format!("extra root certificate #{i}: {e}"))?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The TCP connector under TLS: straight to the destination, to the proxy (for an `http://`
/// destination; the stream is marked proxied so the client sends absolute-form requests),
/// through a `CONNECT` tunnel (for an `https://` destination; TLS then runs end to end), or
/// through a SOCKS5 tunnel (either scheme).
#[derive(Clone)]
struct ProxyConnector {
    http: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    async fn connect(
        mut http: HttpConnector,
        intercept: Option<Intercept>,
        dst: http::Uri,
    ) -> Result<ProxyStream, BoxError> {
        use tower_service::Service as _;

        let Some(intercept) = intercept else {
            let io = http.call(dst).await?;
            return Ok(ProxyStream { io, proxied: false });
        };
        tracing::debug!(proxy = %intercept.uri(), "connecting through proxy");
        match intercept.uri().scheme_str() {
            Some("socks5h") => Self::socks5(http, &intercept, dst).await,
            Some("socks5") => {
                // curl's socks5:// resolves the name locally (socks5h:// leaves it to the proxy).
                // hyper-util's `local_dns` would resolve with a blocking call, hence tokio's.
                let host = dst.host().unwrap_or_default();
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let addr = tokio::net::lookup_host((host, port_or_default(&dst)))
                    .await?
                    .next()
                    .ok_or_else(|| format!("{host}: no address"))?;
                let dst = http::Uri::try_from(format!(
                    "{}://{addr}/",
                    dst.scheme_str().unwrap_or("https")
                ))?;
                Self::socks5(http, &intercept, dst).await
            }
            _ if dst.scheme() == Some(&http::uri::Scheme::HTTP) => {
                let io = http.call(intercept.uri().clone()).await?;
                Ok(ProxyStream { io, proxied: true })
            }
            _ => {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), http);
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                std::future::poll_fn(|cx| tunnel.poll_ready(cx)).await?;
                let io = tunnel.call(dst).await?;
                Ok(ProxyStream { io, proxied: false })
            }
        }
    }

    /// A SOCKS5 tunnel to `dst` (hyper-util's `SocksV5`); requests then go in origin form.
    async fn socks5(
        mut http: HttpConnector,
        intercept: &Intercept,
        dst: http::Uri,
    ) -> Result<ProxyStream, BoxError> {
        use hyper_util::client::legacy::connect::proxy::SocksV5;
        use tower_service::Service as _;

        // curl's default SOCKS port (the matcher leaves a missing port missing).
        let mut proxy = intercept.uri().clone();
        if proxy.port().is_none() {
            let host = proxy.host().unwrap_or_default();
            proxy = http::Uri::try_from(format!("socks5h://{host}:1080/"))?;
        }
        // Connect here rather than through `SocksV5`: its error does not chain the TCP
        // connector's, so a connect timeout would no longer be recognizable.
        let tcp = http.call(proxy.clone()).await?;
        let mut socks = SocksV5::new(proxy, Connected1(Some(tcp))).local_dns(false);
        if let Some((user, pass)) = intercept.raw_auth() {
            socks = socks.with_auth(user.to_string(), pass.to_string());
        }
        // `SocksV5` assumes port 443 when the URI has none.
        let port = port_or_default(&dst);
        let host = dst.host().unwrap_or_default();
        let scheme = dst.scheme_str().unwrap_or("https");
        let dst = http::Uri::try_from(format!("{scheme}://{host}:{port}/"))?;
        let io = socks.call(dst).await?;
        Ok(ProxyStream { io, proxied: false })
    }
}

/// Hands one established connection to a connector wrapper (hyper-util's `SocksV5`).
struct Connected1(Option<TokioIo<tokio::net::TcpStream>>);

impl tower_service::Service<http::Uri> for Connected1 {
    type Response = TokioIo<tokio::net::TcpStream>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, std::io::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), std::io::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _dst: http::Uri) -> Self::Future {
        std::future::ready(
            self.0
                .take()
                .ok_or_else(|| std::io::Error::other("connection already used")),
        )
    }
}

/// The URI's port, or its scheme's default.
fn port_or_default(uri: &http::Uri) -> u16 {
    uri.port_u16()
        .unwrap_or(if uri.scheme() == Some(&http::uri::Scheme::HTTP) {
            80
        } else {
            443
        })
}

impl tower_service::Service<http::Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<ProxyStream, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // `HttpConnector` is always ready; each call works on its own clone.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let intercept = self.matcher.as_ref().and_then(|m| m.intercept(&dst));
        Box::pin(Self::connect(self.http.clone(), intercept, dst))
    }
}

/// A TCP stream that knows whether it leads to a forwarding proxy.
#[derive(Debug)]
struct ProxyStream {
    io: TokioIo<tokio::net::TcpStream>,
    proxied: bool,
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.proxied)
    }
}

impl Read for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    /// The proxy URI a destination goes through (`None`: direct).
    fn route(settings: &ProxySettings, dst: &str) -> Option<String> {
        let matcher = settings.matcher().unwrap()?;
        let uri: http::Uri = dst.parse().unwrap();
        matcher.intercept(&uri).map(|i| i.uri().to_string())
    }

    #[test]
    fn environment_lookup_follows_curl() {
        let s = ProxySettings::from_vars(vars(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
            ("http_proxy", "http://plain:2"),
            ("no_proxy", "internal.example"),
        ]));
        assert_eq!(
            s,
            ProxySettings::new()
                .https_proxy("http://upper:1")
                .http_proxy("http://plain:2")
                .no_proxy("internal.example")
        );
        // ALL_PROXY fills what is not set; empty values count as unset.
        let s = ProxySettings::from_vars(vars(&[
            ("ALL_PROXY", "http://all:3"),
            ("HTTP_PROXY", ""),
            ("http_proxy", "http://plain:2"),
        ]));
        assert_eq!(
            s,
            ProxySettings::new()
                .http_proxy("http://plain:2")
                .https_proxy("http://all:3")
        );
        // CGI: nothing (HTTP_PROXY may come from a request's `Proxy:` header).
        let s = ProxySettings::from_vars(vars(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://evil:1"),
        ]));
        assert!(s.is_empty());
        assert!(ProxySettings::from_vars(|_| None).is_empty());
    }

    #[test]
    fn no_proxy_rules() {
        let s = ProxySettings::new()
            .all_proxy("proxy.corp:8080")
            .no_proxy(" .internal.example, example.org,10.0.0.0/8,::1 ");
        let via = Some("http://proxy.corp:8080/".to_string());
        assert_eq!(
            route(&s, "https://cognito-idp.eu-west-1.amazonaws.com/"),
            via
        );
        assert_eq!(route(&s, "http://a.internal.example/"), None);
        assert_eq!(route(&s, "http://internal.example/"), None);
        assert_eq!(route(&s, "https://example.org/"), None);
        assert_eq!(route(&s, "https://api.example.org/"), None);
        assert_eq!(route(&s, "https://notexample.org/"), via);
        assert_eq!(route(&s, "http://10.1.2.3:9229/"), None);
        assert_eq!(route(&s, "http://11.1.2.3/"), via);
        assert_eq!(route(&s, "http://[::1]:9229/"), None);
        for star in ["*", "a.example, * "] {
            let s = ProxySettings::new().all_proxy("http://p:1").no_proxy(star);
            assert_eq!(route(&s, "https://example.com/"), None);
            assert_eq!(route(&s, "http://127.0.0.1/"), None);
        }
        // Only the scheme that has a proxy is proxied.
        let s = ProxySettings::new().https_proxy("http://p:1");
        assert_eq!(route(&s, "http://example.com/"), None);
        assert_eq!(
            route(&s, "https://example.com/"),
            Some("http://p:1/".to_string())
        );
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact_userinfo("http://u:p@proxy:1/x"),
            "http://***@proxy:1/x"
        );
        assert_eq!(redact_userinfo("u:p@proxy:1"), "***@proxy:1");
        assert_eq!(redact_userinfo("http://a@b:c@proxy"), "http://***@proxy");
        assert_eq!(redact_userinfo("http://proxy:1/a@b"), "http://proxy:1/a@b");
        let s = ProxySettings::new()
            .http_proxy("http://user:pa55@proxy:1")
            .https_proxy("http://user:pa55@proxy:2");
        let shown = format!(
            "{:?}",
            HyperConfig::default().with_proxy(ProxyConfig::Explicit(s))
        );
        assert!(
            !shown.contains("pa55") && !shown.contains("user"),
            "{shown}"
        );
        assert!(shown.contains("http://***@proxy:2"), "{shown}");
    }

    #[test]
    fn only_http_and_socks5_proxies_are_accepted() {
        for good in [
            "http://proxy:3128",
            "proxy:3128",
            "socks5h://u:p@proxy:1080",
            "socks5://proxy",
        ] {
            check_proxy_url("https", good).unwrap();
        }
        for bad in [
            "https://proxy",
            "socks4://proxy:1080",
            "http://",
            "ftp://proxy",
        ] {
            let err = check_proxy_url("https", bad).unwrap_err().to_string();
            assert!(err.starts_with("https proxy "), "{err}");
        }
    }
}
