//! The client, its builder, and the one funnel every request goes through.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::http::{HeaderValue, Uri};

use crate::error::{Error, ErrorKind, Service, sanitize};
use crate::key::ApiKey;
use crate::meta::Meta;

/// FourA's documented API host (the founding document's `https://eu.api.foura.ai`).
pub const DEFAULT_BASE_URL: &str = "https://eu.api.foura.ai";
/// The environment variable [`Client::from_env`] reads an alternative base URL from.
pub const BASE_URL_ENV: &str = "FOURA_API_BASE";
/// Default connect timeout: DNS, TCP, proxy and TLS handshake together.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// FourA's own default for a task's server-side work (foura-api.md §2.2: `timeout` 30 000 ms).
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(30);
/// What the client waits beyond a request's server-side timeout for the answer to arrive.
pub const TIMEOUT_MARGIN: Duration = Duration::from_secs(15);
/// Default cap on a response body: 64 MiB (pages with inline screenshots pass ureq's 10 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 << 20;
/// How much of an error response's body is read: enough for any JSON error, not a whole page.
const MAX_ERROR_BODY_BYTES: u64 = 64 << 10;

/// A blocking FourA client.
///
/// `Client` is cheap to clone, `Send` and `Sync`: clones share one key, one configuration and
/// one connection pool, so build it once and hand clones to threads. Every call blocks the
/// calling thread until FourA answers or the call's timeout passes; no async runtime is
/// involved.
///
/// ```no_run
/// use foura::{Client, TaskType};
///
/// let client = Client::from_env()?; // FOURA_API_KEY (and FOURA_API_BASE, if set)
/// let task = client.submit("https://example.com", TaskType::Single)?;
/// println!("{} {} {:?}", task.id, task.status, task.status_code);
/// # Ok::<(), foura::Error>(())
/// ```
///
/// # What the client guarantees
///
/// - The key goes only to the configured base URL: redirects are never followed (a `3xx` is
///   an [`ErrorKind::UnexpectedRedirect`]), and a plain-`http://` base URL is refused unless
///   its host is loopback, so the key never crosses a network in cleartext.
/// - Every call ends: the connect timeout and the whole-call timeout are finite by default.
/// - Response bodies are read with a limit ([`ClientBuilder::max_response_bytes`]).
/// - Every failure is an [`Error`] with the status, FourA's message and its request id.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` only for the internal keyless client of the public endpoints.
    key: Option<ApiKey>,
    agent: ureq::Agent,
    /// Scheme, authority and any path prefix, without `/api…` and without a trailing slash.
    root: String,
    /// A whole-call timeout set by the user; `None` means "the request's own timeout + margin".
    timeout: Option<Duration>,
    connect_timeout: Duration,
    max_response_bytes: u64,
    user_agent: String,
    proxy: ProxyChoice,
    /// Path of the auto engine below the base URL.
    auto_path: String,
}

/// The auto engine's default path: FourA's own client calls `/api/auto` without a slash
/// (its gateway registers exactly that), while its docs write `/api/auto/` (foura-api.md §3.6).
pub const DEFAULT_AUTO_PATH: &str = "/api/auto";

/// Where the client's HTTP proxy comes from.
#[derive(Clone, PartialEq, Eq)]
enum ProxyChoice {
    /// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and lower-case forms), honouring `NO_PROXY`.
    Environment,
    None,
    Url(String),
}

impl Client {
    /// A client with the default settings for `key`.
    ///
    /// ```no_run
    /// let client = foura::Client::new(foura::ApiKey::new("fk_live_a1b2c3d4e5f6")?);
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn new(key: ApiKey) -> Client {
        let settings = Settings::default();
        let root = normalize_base_url(DEFAULT_BASE_URL).expect("the default base URL is valid");
        let agent = settings.agent(None);
        Client::assemble(Some(key), root, settings, agent)
    }

    /// A client without a key, for the public endpoints (status API, profile catalogue).
    pub(crate) fn keyless(base_url: &str) -> Result<Client, Error> {
        let root = normalize_base_url(base_url)?;
        let settings = Settings::default();
        let agent = settings.agent(None);
        Ok(Client::assemble(None, root, settings, agent))
    }

    /// A client for the key in `FOURA_API_KEY` and, when `FOURA_API_BASE` is set and not
    /// empty, that base URL.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`] when `FOURA_API_KEY` is missing or malformed;
    /// [`ErrorKind::InvalidConfig`] when `FOURA_API_BASE` is not a usable base URL.
    pub fn from_env() -> Result<Client, Error> {
        let mut builder = Client::builder().api_key(ApiKey::from_env()?);
        if let Ok(base) = std::env::var(BASE_URL_ENV) {
            if !base.trim().is_empty() {
                builder = builder.base_url(base.trim());
            }
        }
        builder.build()
    }

    /// A builder for a client with non-default settings.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let client = foura::Client::builder()
    ///     .api_key(foura::ApiKey::from_env()?)
    ///     .timeout(Duration::from_secs(60))
    ///     .user_agent_suffix("price-watch/2.1")
    ///     .build()?;
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to, normalised (e.g. `https://eu.api.foura.ai`).
    pub fn base_url(&self) -> &str {
        &self.inner.root
    }

    /// The `User-Agent` this client sends, e.g. `foura-rust/0.1.0 my-tool/1.0`.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// The path the auto engine is called at (default [`DEFAULT_AUTO_PATH`]).
    pub fn auto_path(&self) -> &str {
        &self.inner.auto_path
    }

    fn assemble(
        key: Option<ApiKey>,
        root: String,
        settings: Settings,
        agent: ureq::Agent,
    ) -> Client {
        Client {
            inner: Arc::new(Inner {
                key,
                agent,
                root,
                timeout: settings.timeout,
                connect_timeout: settings.connect_timeout,
                max_response_bytes: settings.max_response_bytes,
                user_agent: settings.user_agent,
                proxy: settings.proxy,
                auto_path: settings.auto_path,
            }),
        }
    }

    /// The whole-call timeout for a request whose server-side work may take `server_timeout`.
    fn call_timeout(&self, server_timeout: Option<Duration>) -> Duration {
        self.inner
            .timeout
            .unwrap_or_else(|| server_timeout.unwrap_or(DEFAULT_TASK_TIMEOUT) + TIMEOUT_MARGIN)
    }

    /// The funnel, decoding step: sends `call` and decodes a success body as JSON.
    pub(crate) fn call_json<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
    ) -> Result<(T, Meta), Error> {
        let reply = self.call(call)?;
        match serde_json::from_slice::<T>(&reply.body) {
            Ok(value) => Ok((value, reply.meta)),
            Err(e) => Err(self.scrub(decode_error(call, &reply, e))),
        }
    }

    /// The funnel: every request to FourA goes through here. It adds the credentials, sends
    /// with the call's timeout, reads the body with a limit, and turns anything but a 2xx
    /// into an [`Error`] from which the key has been scrubbed.
    pub(crate) fn call(&self, call: &Call<'_>) -> Result<Reply, Error> {
        self.exchange(call).map_err(|e| self.scrub(e))
    }

    /// Removes the key from an error's text (a server may echo request headers back).
    pub(crate) fn scrub(&self, err: Error) -> Error {
        match &self.inner.key {
            Some(key) => err.scrub(key.expose_secret()),
            None => err,
        }
    }

    /// The key, or the error a keyed call without one gets.
    fn key(&self) -> Result<&ApiKey, Error> {
        self.inner.key.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidKey,
                "this call needs an API key".to_owned(),
            )
        })
    }

    fn exchange(&self, call: &Call<'_>) -> Result<Reply, Error> {
        let inner = &*self.inner;
        let url = format!("{}{}", inner.root, call.path);
        let timeout = self.call_timeout(call.server_timeout);
        let what = Exchange {
            call,
            url: &url,
            timeout,
            limit: inner.max_response_bytes,
        };

        // The header value is built in a wiped buffer; `HeaderValue` then holds the one copy
        // this crate cannot wipe (see `ApiKey`'s docs).
        let invalid = |_| {
            Error::new(
                ErrorKind::InvalidKey,
                "the API key is not a valid header value".into(),
            )
        };
        let auth = match call.auth {
            Auth::Bearer => {
                let bearer = self.key()?.bearer();
                let mut value = HeaderValue::from_str(&bearer).map_err(invalid)?;
                value.set_sensitive(true);
                Some(("authorization", value))
            }
            Auth::ApiKey => {
                let secret = self.key()?.expose_secret();
                let mut value = HeaderValue::from_str(secret).map_err(invalid)?;
                value.set_sensitive(true);
                Some(("x-api-key", value))
            }
            Auth::None => None,
        };

        let sent = match call.method {
            Method::Get => {
                let mut request = inner.agent.get(&url).header("accept", "application/json");
                if let Some((name, value)) = auth {
                    request = request.header(name, value);
                }
                request
                    .config()
                    .timeout_global(Some(timeout))
                    .build()
                    .call()
            }
            Method::Post => {
                let mut request = inner
                    .agent
                    .post(&url)
                    .header("accept", "application/json")
                    .header("content-type", "application/json");
                if let Some((name, value)) = auth {
                    request = request.header(name, value);
                }
                let body = call.body.as_deref().unwrap_or(b"{}");
                request
                    .config()
                    .timeout_global(Some(timeout))
                    .build()
                    .send(body)
            }
        };
        let mut response = sent.map_err(|e| what.transport_error(e))?;

        let status = response.status().as_u16();
        let headers = response.headers();
        let meta = Meta::from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())));
        if (200..300).contains(&status) {
            let body = response
                .body_mut()
                .with_config()
                .limit(inner.max_response_bytes)
                .read_to_vec()
                .map_err(|e| what.transport_error(e).with_meta(meta.clone()))?;
            return Ok(Reply { status, meta, body });
        }
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // An error body is read only as far as a JSON error could reach; if it is cut, the
        // status alone still makes a useful error.
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ERROR_BODY_BYTES)
            .read_to_vec()
            .unwrap_or_default();
        Err(Error::from_response(
            call.service,
            status,
            location.as_deref(),
            meta,
            &body,
        ))
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.root)
            .field("api_key", &inner.key)
            .field("timeout", &TimeoutSetting(inner.timeout))
            .field("connect_timeout", &inner.connect_timeout)
            .field("max_response_bytes", &inner.max_response_bytes)
            .field("user_agent", &inner.user_agent)
            .field("proxy", &inner.proxy)
            .field("auto_path", &inner.auto_path)
            .finish()
    }
}

struct TimeoutSetting(Option<Duration>);

impl fmt::Debug for TimeoutSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(t) => write!(f, "{t:?}"),
            None => write!(f, "request timeout + {TIMEOUT_MARGIN:?}"),
        }
    }
}

impl fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A proxy URL may carry credentials of its own: show only that one is set.
        f.write_str(match self {
            ProxyChoice::Environment => "from environment",
            ProxyChoice::None => "none",
            ProxyChoice::Url(_) => "explicit",
        })
    }
}

/// Settings for a [`Client`]; every setter documents its default.
///
/// ```no_run
/// use std::time::Duration;
/// use foura::{ApiKey, Client};
///
/// let client = Client::builder()
///     .api_key(ApiKey::new("fk_live_a1b2c3d4e5f6")?)
///     .base_url("https://eu.api.foura.ai")
///     .timeout(Duration::from_secs(45))
///     .connect_timeout(Duration::from_secs(10))
///     .max_response_bytes(64 << 20)
///     .user_agent_suffix("my-tool/1.0")
///     .proxy(None)
///     .build()?;
/// # Ok::<(), foura::Error>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    key: Option<ApiKey>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_response_bytes: Option<u64>,
    user_agent_suffix: Option<String>,
    proxy: Option<ProxyChoice>,
    auto_path: Option<String>,
}

impl ClientBuilder {
    /// The API key (required).
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Where FourA's API is. Default: `https://eu.api.foura.ai`.
    ///
    /// The forms `https://eu.api.foura.ai`, `https://eu.api.foura.ai/api` and
    /// `https://eu.api.foura.ai/api/v1` (with or without a trailing `/`) all mean the same
    /// host. `http://` is accepted only for loopback hosts (`127.0.0.0/8`, `::1`,
    /// `localhost`), e.g. the built-in emulator; anything else must be `https://`.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    /// The whole-call timeout: connecting, sending, FourA's work and reading the answer.
    ///
    /// Default: the request's own server-side timeout plus 15 s — 45 s for a task with
    /// FourA's default 30 s timeout, 30 s for a task sent with `.timeout(15 s)`. Setting it
    /// here overrides that for every call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The connect timeout: DNS, TCP, proxy and TLS handshake. Default: 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The largest response body accepted, in bytes. Default: 64 MiB (`64 << 20`).
    /// A larger body fails with [`ErrorKind::BodyTooLarge`].
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// Text appended to the `User-Agent`, e.g. `my-tool/1.0` gives
    /// `foura-rust/<version> my-tool/1.0`. Default: none.
    pub fn user_agent_suffix(mut self, suffix: impl AsRef<str>) -> Self {
        self.user_agent_suffix = Some(suffix.as_ref().to_owned());
        self
    }

    /// The HTTP proxy: `None` for a direct connection, `Some("http://host:port")` for a
    /// proxy (`socks5://` is not supported). Default: the standard environment variables
    /// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and their lower-case forms), honouring
    /// `NO_PROXY`.
    pub fn proxy(mut self, proxy: Option<&str>) -> Self {
        self.proxy = Some(match proxy {
            Some(url) => ProxyChoice::Url(url.to_owned()),
            None => ProxyChoice::None,
        });
        self
    }

    /// The path of the auto engine below the base URL. Default: `/api/auto`, as FourA's own
    /// client calls it; FourA's docs write `/api/auto/`, which this setting allows.
    pub fn auto_path(mut self, path: impl AsRef<str>) -> Self {
        self.auto_path = Some(path.as_ref().to_owned());
        self
    }

    /// Checks the settings and builds the client. Nothing is sent.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`] without a key; [`ErrorKind::InvalidConfig`] naming the
    /// setting for a bad base URL (including plain `http://` to a non-loopback host), a zero
    /// timeout or body limit, a user-agent suffix with control characters, or a bad proxy URL.
    pub fn build(self) -> Result<Client, Error> {
        let key = self.key.ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidKey,
                "no API key was given to ClientBuilder::api_key".to_owned(),
            )
        })?;
        let root = normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let mut settings = Settings::default();
        if let Some(t) = self.timeout {
            if t.is_zero() {
                return Err(Error::invalid_config("timeout", "must be more than zero"));
            }
            settings.timeout = Some(t);
        }
        if let Some(t) = self.connect_timeout {
            if t.is_zero() {
                return Err(Error::invalid_config(
                    "connect_timeout",
                    "must be more than zero",
                ));
            }
            settings.connect_timeout = t;
        }
        if let Some(n) = self.max_response_bytes {
            if n == 0 {
                return Err(Error::invalid_config(
                    "max_response_bytes",
                    "must be more than zero",
                ));
            }
            settings.max_response_bytes = n;
        }
        if let Some(suffix) = self.user_agent_suffix {
            let suffix = suffix.trim();
            if suffix.chars().any(|c| !(c == ' ' || c.is_ascii_graphic())) {
                return Err(Error::invalid_config(
                    "user_agent_suffix",
                    "may hold only printable ASCII characters",
                ));
            }
            if !suffix.is_empty() {
                settings.user_agent = format!("{} {suffix}", settings.user_agent);
            }
        }
        if let Some(path) = self.auto_path {
            let path = path.trim();
            if !path.starts_with('/')
                || path.contains(['?', '#'])
                || path.chars().any(|c| !c.is_ascii_graphic())
            {
                return Err(Error::invalid_config(
                    "auto_path",
                    "must be a path starting with / (e.g. /api/auto or /api/auto/)",
                ));
            }
            settings.auto_path = path.to_owned();
        }
        let mut proxy = None;
        if let Some(choice) = self.proxy {
            if let ProxyChoice::Url(url) = &choice {
                proxy = Some(ureq::Proxy::new(url).map_err(|e| {
                    // The URL may hold credentials, so it is not repeated in the error.
                    Error::invalid_config("proxy", "is not a usable proxy URL (http://host:port)")
                        .with_source(e)
                })?);
            }
            settings.proxy = choice;
        }
        let agent = settings.agent(proxy);
        Ok(Client::assemble(Some(key), root, settings, agent))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.key)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("proxy", &self.proxy)
            .field("auto_path", &self.auto_path)
            .finish()
    }
}

/// The validated settings a client is made of.
struct Settings {
    timeout: Option<Duration>,
    connect_timeout: Duration,
    max_response_bytes: u64,
    user_agent: String,
    proxy: ProxyChoice,
    auto_path: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: concat!("foura-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            proxy: ProxyChoice::Environment,
            auto_path: DEFAULT_AUTO_PATH.to_owned(),
        }
    }
}

impl Settings {
    /// The one ureq agent. Every default of ureq that would make the client unsafe is set
    /// here (anchors.md §1): statuses are ours to read, redirects are never followed, and
    /// no timeout is infinite.
    fn agent(&self, explicit_proxy: Option<ureq::Proxy>) -> ureq::Agent {
        let proxy = match self.proxy {
            ProxyChoice::Environment => ureq::Proxy::try_from_env(),
            ProxyChoice::None => None,
            ProxyChoice::Url(_) => explicit_proxy,
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(
                self.timeout
                    .unwrap_or(DEFAULT_TASK_TIMEOUT + TIMEOUT_MARGIN),
            ))
            .user_agent(self.user_agent.as_str())
            .proxy(proxy);
        #[cfg(feature = "native-tls")]
        let config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        );
        config.build().new_agent()
    }
}

/// Checks a base URL and reduces it to scheme, authority and path prefix, without `/api`,
/// `/api/v1` or a trailing slash.
fn normalize_base_url(raw: &str) -> Result<String, Error> {
    let raw = raw.trim();
    let bad = |problem: &str| Error::invalid_config("base_url", problem);
    let uri: Uri = raw
        .parse()
        .map_err(|_| bad("is not a valid URL (expected e.g. https://eu.api.foura.ai)"))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| bad("must start with https:// (or http:// for a loopback emulator)"))?
        .to_ascii_lowercase();
    let authority = uri.authority().ok_or_else(|| bad("has no host"))?.as_str();
    if authority.contains('@') {
        return Err(bad("must not contain credentials (user:password@)"));
    }
    if uri.query().is_some() {
        return Err(bad("must not contain a query string"));
    }
    let host = uri.host().unwrap_or_default();
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(bad(
                "uses plain http:// to a host that is not loopback; the API key would cross \
                 the network in cleartext, so use https://",
            ));
        }
        _ => return Err(bad("must start with https://")),
    }
    let mut path = uri.path().trim_end_matches('/');
    for suffix in ["/api/v1", "/api"] {
        if let Some(prefix) = path.strip_suffix(suffix) {
            path = prefix;
            break;
        }
    }
    Ok(format!(
        "{scheme}://{}{path}",
        authority.to_ascii_lowercase()
    ))
}

/// Loopback hosts: `localhost`, `127.0.0.0/8` and `::1` (bracketed or not).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        })
}

/// One request, as the endpoint modules describe it to the funnel.
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// Path below the base URL, starting with `/`.
    pub(crate) path: &'a str,
    pub(crate) auth: Auth,
    pub(crate) body: Option<Vec<u8>>,
    /// The request's own server-side timeout (its default when unset), which the call
    /// timeout grows with; `None` for calls with no server-side work.
    pub(crate) server_timeout: Option<Duration>,
    pub(crate) service: Service,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Which credential header a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// `Authorization: Bearer <key>` (the tasks API).
    Bearer,
    /// `X-API-Key: <key>` (the engine API).
    ApiKey,
    /// No credentials (the public endpoints).
    None,
}

/// A 2xx answer.
pub(crate) struct Reply {
    #[allow(dead_code)]
    pub(crate) status: u16,
    pub(crate) meta: Meta,
    pub(crate) body: Vec<u8>,
}

/// The context transport errors are described in.
struct Exchange<'a, 'c> {
    call: &'a Call<'c>,
    url: &'a str,
    timeout: Duration,
    limit: u64,
}

impl Exchange<'_, '_> {
    fn transport_error(&self, e: ureq::Error) -> Error {
        let what = format!("{} {}", self.call.method.as_str(), self.call.path);
        let (kind, detail) = match &e {
            ureq::Error::Timeout(_) => (
                ErrorKind::Timeout,
                format!("no complete answer to {what} within {:?}", self.timeout),
            ),
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                (
                    ErrorKind::Timeout,
                    format!("no complete answer to {what} within {:?}", self.timeout),
                )
            }
            ureq::Error::BodyExceedsLimit(_) => (
                ErrorKind::BodyTooLarge,
                format!(
                    "the answer to {what} is larger than the {} byte limit",
                    self.limit
                ),
            ),
            ureq::Error::LargeResponseHeader(..) => (
                ErrorKind::Decode,
                format!("the answer to {what} has oversized headers"),
            ),
            ureq::Error::Protocol(_) => (
                ErrorKind::Decode,
                format!("the answer to {what} is not valid HTTP/1.1"),
            ),
            ureq::Error::HostNotFound => (
                ErrorKind::Connection,
                format!("could not resolve the host for {what}"),
            ),
            ureq::Error::RequireHttpsOnly(_) | ureq::Error::BadUri(_) => (
                ErrorKind::InvalidConfig,
                format!("the URL for {what} was refused"),
            ),
            _ => (
                ErrorKind::Connection,
                format!(
                    "could not complete {} {}: {e}",
                    self.call.method.as_str(),
                    self.url
                ),
            ),
        };
        let err = Error::new(kind, detail);
        match kind {
            ErrorKind::Timeout => err.with_hint(
                "raise ClientBuilder::timeout, or the request's own timeout (the call waits \
                 for it plus 15 s)",
            ),
            ErrorKind::BodyTooLarge => err.with_hint("raise ClientBuilder::max_response_bytes"),
            _ => err,
        }
        .with_source(e)
    }
}

pub(crate) fn decode_error(call: &Call<'_>, reply: &Reply, e: serde_json::Error) -> Error {
    let what = format!("{} {}", call.method.as_str(), call.path);
    let detail = if serde_json::from_slice::<serde_json::Value>(&reply.body).is_ok() {
        format!("the answer to {what} is JSON but not the documented shape: {e}")
    } else {
        let text = String::from_utf8_lossy(&reply.body[..reply.body.len().min(4096)]).into_owned();
        let snippet = sanitize(&text, 120);
        if snippet.is_empty() {
            format!("the answer to {what} is empty, not JSON")
        } else {
            format!("the answer to {what} is not JSON: \"{snippet}\"")
        }
    };
    Error::new(ErrorKind::Decode, detail)
        .with_meta(reply.meta.clone())
        .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_timeout_grows_with_the_requests_own_timeout() {
        let key = || ApiKey::new("fk_live_0123456789abcdef").unwrap();
        let client = Client::new(key());
        assert_eq!(client.call_timeout(None), Duration::from_secs(45));
        assert_eq!(
            client.call_timeout(Some(Duration::from_secs(15))),
            Duration::from_secs(30)
        );
        assert_eq!(
            client.call_timeout(Some(Duration::from_secs(120))),
            Duration::from_secs(135)
        );
        let fixed = Client::builder()
            .api_key(key())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        assert_eq!(
            fixed.call_timeout(Some(Duration::from_secs(120))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn base_url_forms_normalise_to_one_root() {
        for form in [
            "https://eu.api.foura.ai",
            "https://eu.api.foura.ai/",
            "https://eu.api.foura.ai/api",
            "https://eu.api.foura.ai/api/",
            "https://eu.api.foura.ai/api/v1",
            " https://EU.api.foura.ai/api/v1/ ",
        ] {
            assert_eq!(
                normalize_base_url(form).unwrap(),
                "https://eu.api.foura.ai",
                "{form}"
            );
        }
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/gw/api").unwrap(),
            "http://127.0.0.1:8080/gw"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:1",
            "http://127.9.9.9",
            "http://localhost:80",
            "http://[::1]:9",
        ] {
            assert!(normalize_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://eu.api.foura.ai",
            "http://10.0.0.1",
            "http://192.168.1.1:80",
            "ftp://eu.api.foura.ai",
            "eu.api.foura.ai",
            "https://user:pw@eu.api.foura.ai",
            "https://eu.api.foura.ai/?x=1",
            "",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{bad}");
            assert!(e.to_string().contains("base_url"), "{e}");
        }
    }
}
