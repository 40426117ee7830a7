//! The client, its builder, and the one funnel every request goes through.

use std::fmt;
use std::io::Read;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    retry: RetryPolicy,
    hook: Option<Hook>,
}

/// The attempt hook's type.
type Hook = Arc<dyn Fn(&Attempt) + Send + Sync + 'static>;

/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default longest wait the client sleeps between attempts (longer requests fail at once).
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
/// Backoff before the first retry (doubling each time, with full jitter).
pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// The longest backoff between attempts.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// The shortest pause between attempts, even when FourA asks for none.
pub const MIN_RETRY_WAIT: Duration = Duration::from_millis(100);
/// The least time left before the deadline for a retry to be worth starting.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
struct RetryPolicy {
    max_retries: u32,
    max_wait: Duration,
}

/// What the attempt hook ([`ClientBuilder::on_attempt`]) is told after each attempt. It never
/// holds the key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Attempt {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path called, e.g. `/api/v1/tasks`.
    pub path: String,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// The HTTP status FourA answered with, if it answered.
    pub status: Option<u16>,
    /// What went wrong, if the attempt failed.
    pub error: Option<ErrorKind>,
    /// The wait before the next attempt, when there will be one.
    pub wait: Option<Duration>,
    /// FourA's request id, when it sent one.
    pub request_id: Option<String>,
    /// Time since the call started.
    pub elapsed: Duration,
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
        let mut settings = Settings::default();
        if root.starts_with("http://") {
            settings.proxy = ProxyChoice::None;
        }
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
        ClientBuilder::from_env()?.build()
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

    /// The longest wait the client sleeps before a retry ([`ClientBuilder::max_retry_wait`]).
    pub fn max_retry_wait(&self) -> Duration {
        self.inner.retry.max_wait
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
                retry: settings.retry,
                hook: settings.hook,
            }),
        }
    }

    /// The whole-call timeout for a request whose server-side work may take `server_timeout`.
    fn call_timeout(&self, server_timeout: Option<Duration>) -> Duration {
        self.inner.timeout.unwrap_or_else(|| {
            server_timeout
                .unwrap_or(DEFAULT_TASK_TIMEOUT)
                .saturating_add(TIMEOUT_MARGIN)
        })
    }

    /// The funnel for JSON answers: sends `call` and decodes a success body as `T`.
    pub(crate) fn call_json<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
    ) -> Result<(T, Meta), Error> {
        self.call(call, |reply| {
            match serde_json::from_slice::<T>(&reply.body) {
                Ok(value) => Ok((value, reply.meta)),
                Err(e) => Err(decode_error(&call.describe(), &reply, e, self.secret())),
            }
        })
    }

    /// The funnel: every request to FourA goes through here. Each attempt adds the
    /// credentials, sends with what is left of the call's one deadline, reads the body with a
    /// limit, turns anything but a 2xx into an [`Error`], and decodes the answer with
    /// `decode`; failures are scrubbed of the key, and retried while the rules and the
    /// deadline allow (README "Retries and the deadline").
    pub(crate) fn call<T>(
        &self,
        call: &Call<'_>,
        decode: impl Fn(Reply) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if call.options.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid_request(
                "call_timeout",
                "must be more than zero",
            ));
        }
        let started = Instant::now();
        let budget = call
            .options
            .timeout
            .unwrap_or_else(|| self.call_timeout(call.server_timeout))
            .min(FOREVER);
        let deadline = later(started, budget);
        let max_retries = call
            .options
            .max_retries
            .unwrap_or(self.inner.retry.max_retries);
        // Time a retry needs left after its wait. A retried task creation must have room
        // for FourA's whole work (the task's timeout): one cut short by the deadline could
        // only end ambiguous, turning a clean refusal into "maybe created". With the default
        // 45 s budget and 30 s task timeout, waits up to 15 s are retried; a longer one
        // returns at once with retry_after() set.
        let reserve = if call.creates_task {
            call.server_timeout
                .unwrap_or(DEFAULT_TASK_TIMEOUT)
                .max(MIN_ATTEMPT_TIME)
        } else {
            MIN_ATTEMPT_TIME
        };
        let mut attempt = 0;
        let mut previous: Option<Error> = None;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if let Some(err) = previous.take() {
                // The wait ran (nearly) to the deadline: FourA's last answer is the truer
                // error than a timeout of an attempt that could not be made.
                if remaining < reserve {
                    return Err(self.give_up(call, err, attempt - 1, None));
                }
            }
            let outcome = self
                .exchange(call, remaining, budget)
                .and_then(|mut reply| {
                    reply.meta.attempts = attempt;
                    let status = reply.status;
                    let request_id = reply.meta.request_id.clone();
                    decode(reply).map(|value| (value, status, request_id))
                });
            match outcome {
                Ok((value, status, request_id)) => {
                    self.report(call, attempt, started, Ok((status, request_id)), None);
                    return Ok(value);
                }
                Err(err) => {
                    let err = self.scrub(err);
                    match self.decide(call, &err, attempt, max_retries, deadline, reserve) {
                        Decision::Retry(wait) => {
                            self.report(call, attempt, started, Err(&err), Some(wait));
                            std::thread::sleep(wait);
                            previous = Some(err);
                        }
                        Decision::GiveUp(hint) => {
                            self.report(call, attempt, started, Err(&err), None);
                            return Err(self.give_up(call, err, attempt, hint));
                        }
                    }
                }
            }
        }
    }

    /// The error a call ends with: its attempt count, the wait it would have needed, and
    /// whether a task it was creating may exist anyway.
    fn give_up(
        &self,
        call: &Call<'_>,
        mut err: Error,
        attempts: u32,
        hint: Option<Duration>,
    ) -> Error {
        if let (Some(hint), None) = (hint, err.retry_after()) {
            err.set_retry_after(hint);
        }
        err.set_attempts(attempts);
        if call.creates_task && outcome_unknown(&err) {
            err.mark_maybe_created();
        }
        err
    }

    /// Whether to try again after `err`, and after how long.
    fn decide(
        &self,
        call: &Call<'_>,
        err: &Error,
        attempt: u32,
        max_retries: u32,
        deadline: Instant,
        reserve: Duration,
    ) -> Decision {
        if attempt > max_retries || !worth_retrying(err, call.creates_task) {
            return Decision::GiveUp(None);
        }
        let max_wait = self.inner.retry.max_wait;
        let floor = MIN_RETRY_WAIT.min(max_wait);
        let wait = match err.retry_after() {
            // A wait the server asks for is honoured, but never slept when it is longer than
            // the caller allows: the error returns at once with retry_after() set.
            Some(asked) if asked > max_wait => return Decision::GiveUp(None),
            // `retryAfter: 0` would make a tight loop: keep a small pause.
            Some(asked) => asked.max(floor),
            None => backoff(attempt).max(floor).min(max_wait),
        };
        // A retry is worth starting only with time left for an attempt after the wait.
        if later(Instant::now(), wait.saturating_add(reserve)) >= deadline {
            return Decision::GiveUp(Some(wait));
        }
        Decision::Retry(wait)
    }

    fn report(
        &self,
        call: &Call<'_>,
        attempt: u32,
        started: Instant,
        outcome: Result<(u16, Option<String>), &Error>,
        wait: Option<Duration>,
    ) {
        let watched = watched();
        if self.inner.hook.is_none() && !watched {
            return;
        }
        let (status, error, request_id) = match outcome {
            Ok((status, request_id)) => (Some(status), None, request_id),
            Err(e) => (
                e.status(),
                Some(e.kind()),
                e.request_id().map(str::to_owned),
            ),
        };
        let report = Attempt {
            method: call.method.as_str(),
            path: call.path.to_owned(),
            attempt,
            status,
            error,
            wait,
            request_id,
            elapsed: started.elapsed(),
        };
        if let Some(hook) = &self.inner.hook {
            hook(&report);
        }
        if watched {
            notify(&report);
        }
    }

    /// The key, for removing it from what servers send back.
    pub(crate) fn secret(&self) -> Option<&str> {
        self.inner.key.as_ref().map(ApiKey::expose_secret)
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

    /// One attempt, with `remaining` of the call's `budget` left.
    fn exchange(
        &self,
        call: &Call<'_>,
        remaining: Duration,
        budget: Duration,
    ) -> Result<Reply, Error> {
        let inner = &*self.inner;
        let url = format!("{}{}", inner.root, call.path);
        let what = Exchange {
            call,
            url: &url,
            budget,
            limit: inner.max_response_bytes,
        };
        if remaining.is_zero() {
            return Err(what.out_of_time());
        }
        // Resolving and connecting each end within half of the attempt's time, so together
        // they end before it: a connection that runs out of time says so (nothing was sent)
        // instead of ending as an overall timeout, which would leave a task's fate unknown.
        let connect = inner
            .connect_timeout
            .min(remaining.saturating_sub(Duration::from_millis(2)) / 2);

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
                    .timeout_global(Some(remaining))
                    .timeout_resolve(Some(connect))
                    .timeout_connect(Some(connect))
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
                    .timeout_global(Some(remaining))
                    .timeout_resolve(Some(connect))
                    .timeout_connect(Some(connect))
                    .build()
                    .send(body)
            }
        };
        let mut response = sent.map_err(|e| {
            let reached = may_have_reached_server(&e);
            what.transport_error(e).with_sent(reached)
        })?;

        let status = response.status().as_u16();
        let headers = response.headers();
        let meta = Meta::from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())));
        if (200..300).contains(&status) {
            // Sized from Content-Length up front: a doubling Vec would hold two copies of a
            // large page while it grows.
            let limit = inner.max_response_bytes;
            // A claimed length that cannot be reserved (a lying server) is not an abort:
            // the read then grows the buffer as bytes really arrive, up to the limit.
            let expected = response.body().content_length().unwrap_or(0).min(limit);
            let mut body = Vec::new();
            let _ = body.try_reserve_exact(usize::try_from(expected).unwrap_or(0));
            let read = response
                .body_mut()
                .with_config()
                .limit(limit)
                .reader()
                .read_to_end(&mut body);
            if let Err(e) = read {
                let e = ureq::Error::from(e);
                return Err(what.transport_error(e).with_meta(meta).with_sent(true));
            }
            return Ok(Reply { status, meta, body });
        }
        // The key is removed from what the server said before anything is parsed or cut
        // short, so not even a fragment of it can end up in the error.
        let secret = self.secret();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| String::from_utf8_lossy(&redact(l.as_bytes(), secret)).into_owned());
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
            &redact(&body, secret),
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
            .field("max_retries", &inner.retry.max_retries)
            .field("max_retry_wait", &inner.retry.max_wait)
            .field("on_attempt", &inner.hook.as_ref().map(|_| "set"))
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
    max_retries: Option<u32>,
    max_retry_wait: Option<Duration>,
    hook: Option<Hook>,
    pool_size: Option<usize>,
}

impl ClientBuilder {
    /// A builder with the key from `FOURA_API_KEY` and, when `FOURA_API_BASE` is set and not
    /// empty, that base URL — to add settings of your own on top.
    ///
    /// ```no_run
    /// let client = foura::ClientBuilder::from_env()?
    ///     .user_agent_suffix("price-watch/2.1")
    ///     .build()?;
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`] when `FOURA_API_KEY` is missing or malformed.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        let mut builder = Client::builder().api_key(ApiKey::from_env()?);
        if let Ok(base) = std::env::var(BASE_URL_ENV) {
            if !base.trim().is_empty() {
                builder = builder.base_url(base.trim());
            }
        }
        Ok(builder)
    }

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

    /// How many times a failed call is retried. Default: 2; `0` turns retries off.
    ///
    /// Retried: `429` rate limits, `503` at capacity or backend unavailable, `500`, `502`,
    /// `504`, and connections that fail or break. Never: `400`, `401`, `403`, `404`, plan
    /// limits, "service disabled", invalid input, redirects. Task creation is retried only
    /// when FourA cannot have acted (a connect failure, `429`, `503`): see
    /// [`Error::maybe_created`]. Waits are exponential (500 ms doubling, capped at 30 s, with
    /// full jitter) unless FourA asks for one, and every attempt and wait fits inside the
    /// call's one timeout.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// The longest wait the client sleeps before a retry. Default: 60 s. When FourA asks for
    /// a longer one (e.g. `Retry-After: 3600` on exhausted credits), the error returns at
    /// once with [`Error::retry_after`] set, so no caller sleeps an hour unawares.
    pub fn max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = Some(wait);
        self
    }

    /// A function called after every attempt with what happened ([`Attempt`]: method,
    /// path, status or error kind, attempt number, the wait chosen, request id). It never
    /// sees the key. Default: none. Wire it to `eprintln!`, the `log` crate, metrics, …
    ///
    /// ```no_run
    /// let client = foura::Client::builder()
    ///     .api_key(foura::ApiKey::from_env()?)
    ///     .on_attempt(|a| eprintln!("{} {} #{} -> {:?} {:?} wait {:?}", a.method, a.path, a.attempt, a.status, a.error, a.wait))
    ///     .build()?;
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn on_attempt(mut self, hook: impl Fn(&Attempt) + Send + Sync + 'static) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// How many idle connections to FourA the client keeps for reuse. Default: 16 (ureq's
    /// own default of 3 would open and close sockets under a batch of 8). Keep it at least
    /// the concurrency of the batches you run.
    pub fn pool_size(mut self, connections: usize) -> Self {
        self.pool_size = Some(connections);
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
        if let Some(retries) = self.max_retries {
            settings.retry.max_retries = retries;
        }
        if let Some(wait) = self.max_retry_wait {
            settings.retry.max_wait = wait;
        }
        settings.hook = self.hook;
        if let Some(n) = self.pool_size {
            settings.pool_size = n;
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
        // Over plain http the key is cleartext: it may go to the loopback host and nowhere
        // else, so a proxy from the environment is not used and an explicit one is refused.
        let cleartext = root.starts_with("http://");
        if cleartext && matches!(self.proxy, Some(ProxyChoice::Url(_))) {
            return Err(Error::invalid_config(
                "proxy",
                "cannot be used with a plain http:// base URL: the proxy would see the key in cleartext",
            ));
        }
        if cleartext {
            settings.proxy = ProxyChoice::None;
        }
        if let Some(choice) = self.proxy.filter(|_| !cleartext) {
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
            .field("max_retries", &self.max_retries)
            .field("max_retry_wait", &self.max_retry_wait)
            .field("pool_size", &self.pool_size)
            .field("on_attempt", &self.hook.as_ref().map(|_| "set"))
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
    retry: RetryPolicy,
    hook: Option<Hook>,
    pool_size: usize,
}

/// Default number of idle connections kept for reuse.
pub const DEFAULT_POOL_SIZE: usize = 16;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: concat!("foura-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            proxy: ProxyChoice::Environment,
            auto_path: DEFAULT_AUTO_PATH.to_owned(),
            retry: RetryPolicy {
                max_retries: DEFAULT_MAX_RETRIES,
                max_wait: DEFAULT_MAX_RETRY_WAIT,
            },
            hook: None,
            pool_size: DEFAULT_POOL_SIZE,
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
            // Each request sets its own overall timeout from its call's deadline.
            .timeout_connect(Some(self.connect_timeout))
            .user_agent(self.user_agent.as_str())
            .max_idle_connections_per_host(self.pool_size)
            .max_idle_connections(self.pool_size.max(10))
            .proxy(proxy);
        #[cfg(feature = "native-tls")]
        let config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        );
        ureq::Agent::with_parts(
            config.build(),
            ureq::unversioned::transport::DefaultConnector::new(),
            crate::resolve::QuickResolver::default(),
        )
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
    /// Whether the call creates something, so that an ambiguous failure must not be retried.
    pub(crate) creates_task: bool,
    /// Per-call overrides of the client's timeout and retries.
    pub(crate) options: CallOptions,
}

impl Call<'_> {
    /// `POST /api/v1/tasks`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

/// Per-call overrides of the client's settings, set on the request builders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
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
    pub(crate) status: u16,
    pub(crate) meta: Meta,
    pub(crate) body: Vec<u8>,
}

/// The context transport errors are described in.
struct Exchange<'a, 'c> {
    call: &'a Call<'c>,
    url: &'a str,
    /// The whole call's time, for messages.
    budget: Duration,
    limit: u64,
}

/// The longest span the client computes with: longer timeouts and waits (a `Retry-After` of
/// 2^64 seconds, `Duration::MAX`) are treated as this long, so no instant overflows.
const FOREVER: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `t + d`, with `d` capped at [`FOREVER`].
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    t.checked_add(d.min(FOREVER)).unwrap_or(t)
}

/// An observer of this thread's attempts, installed by a batch worker (the batch hears about
/// throttling even on attempts the client retries by itself).
pub(crate) type Observer = Arc<dyn Fn(&Attempt) + Send + Sync>;

thread_local! {
    static OBSERVER: std::cell::RefCell<Option<Observer>> = const { std::cell::RefCell::new(None) };
}

/// Keeps an [`Observer`] installed on this thread until dropped.
pub(crate) struct Watch;

impl Watch {
    pub(crate) fn install(observer: Observer) -> Watch {
        OBSERVER.with(|o| *o.borrow_mut() = Some(observer));
        Watch
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        OBSERVER.with(|o| *o.borrow_mut() = None);
    }
}

fn watched() -> bool {
    OBSERVER.with(|o| o.borrow().is_some())
}

fn notify(attempt: &Attempt) {
    let observer = OBSERVER.with(|o| o.borrow().clone());
    if let Some(observer) = observer {
        observer(attempt);
    }
}

/// `bytes` with every occurrence of `secret` replaced by `<redacted>`.
pub(crate) fn redact<'a>(bytes: &'a [u8], secret: Option<&str>) -> std::borrow::Cow<'a, [u8]> {
    let Some(secret) = secret.map(str::as_bytes).filter(|s| !s.is_empty()) else {
        return std::borrow::Cow::Borrowed(bytes);
    };
    if !bytes.windows(secret.len()).any(|w| w == secret) {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(secret) {
            out.extend_from_slice(b"<redacted>");
            rest = &rest[secret.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether the funnel tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Retry(Duration),
    /// Give up; with the wait that would have been needed, when time ran out for it.
    GiveUp(Option<Duration>),
}

/// The retry rules (README "Retries"). Retried: 429 (plan limits are another kind), 503 at
/// capacity or backend unavailable ("service disabled" is another kind), 500, 502, 504, and
/// connections that failed or broke. A call that creates a task is retried only when FourA
/// cannot have acted: a connect failure, 429, 503.
fn worth_retrying(err: &Error, creates_task: bool) -> bool {
    if !err.is_retryable() {
        return false;
    }
    match err.kind() {
        ErrorKind::RateLimited | ErrorKind::AtCapacity => true,
        ErrorKind::ServerError => match err.status() {
            Some(503) => true,
            Some(500 | 502 | 504) => !creates_task,
            _ => false,
        },
        ErrorKind::Connection | ErrorKind::Timeout => !err.sent() || !creates_task,
        _ => false,
    }
}

/// Whether a failed task creation may still have created the task: FourA may have acted on
/// it, and did not say no.
fn outcome_unknown(err: &Error) -> bool {
    match err.kind() {
        ErrorKind::Connection
        | ErrorKind::Timeout
        | ErrorKind::BodyTooLarge
        | ErrorKind::Decode => err.sent(),
        ErrorKind::ServerError => err.status() != Some(503),
        _ => false,
    }
}

/// Exponential backoff with full jitter: a random wait up to `base · 2^(attempt-1)`, capped.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    ceiling.mul_f64(random_fraction())
}

/// A number in `[0, 1)` from the standard library's per-process random hash keys: enough
/// to spread retries, with no dependency.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether `e` is a TLS failure: a certificate or handshake that will fail the same way
/// again, before any request was sent. rustls failures reach us as I/O errors of kind
/// InvalidData; ureq's TLS variants cover the rest.
fn is_tls_failure(e: &ureq::Error) -> bool {
    let variant = format!("{e:?}");
    ["Tls", "Rustls", "NativeTls", "Pem", "Der"]
        .iter()
        .any(|v| variant.starts_with(v))
        || matches!(e, ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData)
}

/// Whether a request that failed with `e` before any answer may have reached the server.
/// Only failures to resolve, connect or shake hands are sure not to have.
fn may_have_reached_server(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as Io;
    if is_tls_failure(e) {
        return false;
    }
    match e {
        ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => false,
        ureq::Error::Io(io) => {
            !matches!(
                io.kind(),
                Io::ConnectionRefused
                    | Io::AddrNotAvailable
                    | Io::NetworkUnreachable
                    | Io::HostUnreachable
                    | Io::NotConnected
            ) && !io.to_string().contains("failed to lookup address")
        }
        _ => true,
    }
}

impl Exchange<'_, '_> {
    /// The error for an attempt with no time left to make.
    fn out_of_time(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "no complete answer to {} {} within {:?}",
                self.call.method.as_str(),
                self.call.path,
                self.budget
            ),
        )
    }

    fn transport_error(&self, e: ureq::Error) -> Error {
        let what = format!("{} {}", self.call.method.as_str(), self.call.path);
        let (kind, detail) = match &e {
            ureq::Error::Timeout(_) => (
                ErrorKind::Timeout,
                format!("no complete answer to {what} within {:?}", self.budget),
            ),
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                (
                    ErrorKind::Timeout,
                    format!("no complete answer to {what} within {:?}", self.budget),
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
        let tls = is_tls_failure(&e);
        let err = if tls {
            Error::new(kind, detail).permanent()
        } else {
            Error::new(kind, detail)
        };
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

/// The error for a 2xx answer that could not be decoded; `secret` is removed from the
/// quoted snippet before it is cut short.
pub(crate) fn decode_error(
    what: &str,
    reply: &Reply,
    e: serde_json::Error,
    secret: Option<&str>,
) -> Error {
    let detail = if serde_json::from_slice::<serde_json::Value>(&reply.body).is_ok() {
        format!("the answer to {what} is JSON but not the documented shape: {e}")
    } else {
        let head = &reply.body[..reply.body.len().min(4096 + secret.map_or(0, str::len))];
        let text = String::from_utf8_lossy(&redact(head, secret)).into_owned();
        let snippet = sanitize(&text, 120);
        if snippet.is_empty() {
            format!("the answer to {what} is empty, not JSON")
        } else {
            format!("the answer to {what} is not JSON: \"{snippet}\"")
        }
    };
    // FourA answered (2xx), so it acted: a task it was asked to create may exist.
    Error::new(ErrorKind::Decode, detail)
        .with_meta(reply.meta.clone())
        .with_status(reply.status)
        .with_sent(true)
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
