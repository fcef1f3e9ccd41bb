//! Headless Chromium under chromedriver, for the browser tests.
//!
//! `Browser::start` finds `chromium` and `chromedriver` (`CHROME_BIN` / `CHROMEDRIVER` override
//! the `PATH` search), starts chromedriver on a free 127.0.0.1 port in a process group of its
//! own, and opens a WebDriver session (fantoccini) on a headless Chromium with a fresh profile.
//! Dropping the `Browser` kills that process group (chromedriver and the Chromium it started)
//! and removes the profile.
//!
//! The browser reaches only loopback: every host name but `localhost` resolves to nothing
//! (`--host-resolver-rules`), every non-loopback request goes to a proxy on a closed loopback
//! port (`--proxy-server`), and Chromium's own background traffic (component updates, metrics,
//! safe browsing, translation, sync) is switched off.

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `CI` says this is a CI run (then a missing browser is a failure, not a skip).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// What a test does when the browser cannot run here: fails under `CI=true`, otherwise prints
/// `SKIPPED browser tests: <why>` on the process's stderr (the harness would swallow
/// `eprintln!` of a passing test) and lets the test pass.
pub fn skip(why: &str) {
    assert!(
        !under_ci(),
        "browser tests cannot run and CI=true forbids skipping them: {why}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED browser tests: {why} (install Debian's chromium and chromium-driver; \
         set CI=true to make this a failure)"
    );
}

/// The first of `names` found as an executable file on `PATH`, or the path in `var`.
fn find(var: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(var) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{var}={} is not a file", p.display()))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    Err(format!("no {} on PATH (or set {var})", names.join(" / ")))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A port nobody listens on right now (bound, read, released).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// chromedriver's process group; killed (chromedriver and its Chromium) when dropped.
struct Driver {
    child: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (process_group(0) below): Chromium and its helpers,
        // started by chromedriver, are in it too.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A WebDriver session on headless Chromium.
pub struct Browser {
    pub client: Client,
    // Dropped after `client`: the process group dies with the `Browser`.
    _driver: Driver,
}

/// Why the browser could not start: missing here (a skip outside CI) or broken (a failure).
#[derive(Debug)]
pub enum StartError {
    Missing(String),
    Broken(String),
}

impl Browser {
    /// chromedriver on a free 127.0.0.1 port and a headless Chromium session.
    pub async fn start() -> Result<Browser, StartError> {
        let chromium = find(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        )
        .map_err(StartError::Missing)?;
        let chromedriver = find("CHROMEDRIVER", &["chromedriver"]).map_err(StartError::Missing)?;
        let port = free_port();
        let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-{port}"));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let log = profile.join("chromedriver.log");
        use std::os::unix::process::CommandExt as _;
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| StartError::Broken(format!("{}: {e}", chromedriver.display())))?;
        let driver = Driver {
            child,
            profile: profile.clone(),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                return Err(StartError::Broken(format!(
                    "chromedriver did not listen on {addr} within 20 s: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let args = [
            "--headless=new".to_owned(),
            // Root in a container: Chromium's sandbox needs user namespaces it may not have.
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1024,900".to_owned(),
            format!("--user-data-dir={}", profile.join("profile").display()),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--password-store=basic".to_owned(),
            // Loopback only.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
                .to_owned(),
            "--proxy-server=http://127.0.0.1:9".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-domain-reliability".to_owned(),
            "--disable-client-side-phishing-detection".to_owned(),
            "--disable-sync".to_owned(),
            "--metrics-recording-only".to_owned(),
            "--no-pings".to_owned(),
            "--safebrowsing-disable-auto-update".to_owned(),
            "--disable-features=Translate,OptimizationHints,MediaRouter,\
             AutofillServerCommunication,CertificateTransparencyComponentUpdater"
                .to_owned(),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({
                "binary": chromium.display().to_string(),
                "args": args,
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://{addr}"))
            .await
            .map_err(|e| {
                StartError::Broken(format!(
                    "WebDriver session on {}: {e}; chromedriver log: {}",
                    chromium.display(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                ))
            })?;
        Ok(Browser {
            client,
            _driver: driver,
        })
    }

    /// Ends the session (Chromium exits); the drop then stops chromedriver.
    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
    }

    /// Types `text` into the element with this CSS selector (cleared first).
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.element(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Clicks the element with this CSS selector.
    pub async fn click(&self, css: &str) {
        self.element(css).await.click().await.unwrap();
    }

    /// The element with this CSS selector, waited for up to 10 s.
    pub async fn element(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no element {css}: {e}\n{}", self.page().await),
        }
    }

    /// The text of the element with this CSS selector, if there is one.
    pub async fn text_of(&self, css: &str) -> Option<String> {
        let e = self.client.find(Locator::Css(css)).await.ok()?;
        e.text().await.ok()
    }

    /// The current URL and page source, for failure messages.
    pub async fn page(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let source = self.client.source().await.unwrap_or_default();
        format!("at {url}:\n{source}")
    }

    /// Waits until the current URL satisfies `pred` (up to 15 s); returns it.
    pub async fn wait_for_url(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Ok(u) = self.client.current_url().await
                && pred(u.as_str())
            {
                return u.to_string();
            }
            if started.elapsed() > Duration::from_secs(15) {
                panic!("waited 15 s for {what}; {}", self.page().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
