//! [`ClientBuilder`]: the setters that fill a client's one `Settings`, and the check that
//! turns them into a [`Client`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::client::Client;
use crate::defaults::BASE_URL_ENV;
use crate::error::{Error, ErrorKind};
use crate::key::ApiKey;
use crate::settings::{Attempt, ProxyChoice, Settings, USER_AGENT, normalize_base_url};

impl Client {
    /// A client for the key in `FOURA_API_KEY` (or, when that is unset, in the file
    /// `FOURA_API_KEY_FILE` names: [`ApiKey::from_env`]) and, when `FOURA_API_BASE` is set and
    /// not empty, that base URL.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`] when neither variable is set, both are, or the key is
    /// malformed or its file unusable; [`ErrorKind::InvalidConfig`] when `FOURA_API_BASE` is
    /// not a usable base URL.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A builder for a client with non-default settings, starting from the defaults.
    ///
    /// It reads nothing from the environment: neither the key nor `FOURA_API_BASE` (the base
    /// URL stays `https://eu.api.foura.ai` until [`ClientBuilder::base_url`] sets another).
    /// To start from the environment — the key from `FOURA_API_KEY` or `FOURA_API_KEY_FILE`,
    /// and `FOURA_API_BASE` when set — use [`ClientBuilder::from_env`] and add settings to it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let client = foura::Client::builder()
    ///     .api_key(foura::ApiKey::new("fk_live_a1b2c3d4e5f6")?)
    ///     .timeout(Duration::from_secs(60))
    ///     .user_agent_suffix("price-watch/2.1")
    ///     .build()?;
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
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
    /// Checked by [`build`](ClientBuilder::build), then kept by the client.
    settings: Settings,
}

impl ClientBuilder {
    /// A builder with the key from `FOURA_API_KEY` (or, when that is unset, from the file
    /// `FOURA_API_KEY_FILE` names: [`ApiKey::from_env`]) and, when `FOURA_API_BASE` is set and
    /// not empty, that base URL — to add settings of your own on top.
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
    /// [`ErrorKind::InvalidKey`] when neither `FOURA_API_KEY` nor `FOURA_API_KEY_FILE` is
    /// set, both are, or the key is malformed or its file unusable.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        let mut builder = Client::builder().api_key(ApiKey::from_env()?);
        if let Ok(base) = std::env::var(BASE_URL_ENV) {
            if !base.trim().is_empty() {
                builder = builder.base_url(base.trim());
            }
        }
        Ok(builder)
    }

    crate::macros::setters! {
        /// The API key (required).
        api_key(key: ApiKey) => key = Some(key);

        /// Where FourA's API is. Default: `https://eu.api.foura.ai`.
        ///
        /// The forms `https://eu.api.foura.ai`, `https://eu.api.foura.ai/api` and
        /// `https://eu.api.foura.ai/api/v1` (with or without a trailing `/`) all mean the same
        /// host. `http://` is accepted only for loopback hosts (`127.0.0.0/8`, `::1`,
        /// `localhost` and names under `.localhost`, which resolve to loopback without asking a
        /// resolver), e.g. the built-in emulator; anything else must be `https://`. A port must be
        /// 1–65535.
        base_url(url: impl AsRef<str>) => settings.base_url = url.as_ref().to_owned();

        /// The whole-call timeout: connecting, sending, FourA's work and reading the answer.
        ///
        /// Default: the request's own server-side timeout plus 15 s — 45 s for a task with
        /// FourA's default 30 s timeout, 30 s for a task sent with `.timeout(15 s)`. Setting it
        /// here overrides that for every call.
        timeout(timeout: Duration) => settings.timeout = Some(timeout);

        /// The connect timeout: DNS, TCP, proxy and TLS handshake. Default: 10 s.
        connect_timeout(timeout: Duration) => settings.connect_timeout = timeout;

        /// The largest response body accepted, in bytes. Default: 64 MiB (`64 << 20`).
        /// A larger body fails with [`ErrorKind::BodyTooLarge`].
        max_response_bytes(bytes: u64) => settings.max_response_bytes = bytes;
    }

    /// Text appended to the `User-Agent`, e.g. `my-tool/1.0` gives
    /// `foura-rust/<version> my-tool/1.0`. Default: none.
    pub fn user_agent_suffix(mut self, suffix: impl AsRef<str>) -> Self {
        self.settings.user_agent = match suffix.as_ref().trim() {
            "" => USER_AGENT.to_owned(),
            suffix => format!("{USER_AGENT} {suffix}"),
        };
        self
    }

    /// The HTTP proxy: `None` for a direct connection, `Some("http://host:port")` for a
    /// proxy (`socks5://` is not supported). Default: the standard environment variables
    /// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and their lower-case forms), honouring
    /// `NO_PROXY`.
    pub fn proxy(mut self, proxy: Option<&str>) -> Self {
        self.settings.proxy = match proxy {
            Some(url) => ProxyChoice::Url(url.to_owned()),
            None => ProxyChoice::None,
        };
        self
    }

    crate::macros::setters! {
        /// The path of the auto engine below the base URL. Default: `/api/auto`, as FourA's own
        /// client calls it; FourA's docs write `/api/auto/`, which this setting allows.
        auto_path(path: impl AsRef<str>) => settings.auto_path = path.as_ref().to_owned();

        /// How many times a failed call is retried. Default: 2; `0` turns retries off.
        ///
        /// Retried: `429` rate limits, `503` at capacity or backend unavailable, `500`, `502`,
        /// `504`, and connections that fail or break. Never: `400`, `401`, `403`, `404`, plan
        /// limits, "service disabled", invalid input, redirects. Task creation is retried only
        /// when FourA cannot have acted (a connect failure, `429`, `503`): see
        /// [`Error::maybe_created`]. Waits are exponential (500 ms doubling, capped at 30 s, with
        /// full jitter) unless FourA asks for one, and every attempt and wait fits inside the
        /// call's one timeout.
        max_retries(retries: u32) => settings.max_retries = retries;

        /// The longest wait the client sleeps before a retry. Default: 60 s. When FourA asks for
        /// a longer one (e.g. `Retry-After: 3600` on exhausted credits), the error returns at
        /// once with [`Error::retry_after`] set, so no caller sleeps an hour unawares.
        max_retry_wait(wait: Duration) => settings.max_retry_wait = wait;

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
        on_attempt(hook: impl Fn(&Attempt) + Send + Sync + 'static) =>
            settings.hook = Some(Arc::new(hook));

        /// How many idle connections to FourA the client keeps for reuse. Default: 16 (ureq's
        /// own default of 3 would open and close sockets under a batch of 8). Keep it at least
        /// the concurrency of the batches you run.
        pool_size(connections: usize) => settings.pool_size = connections;
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
        let mut settings = self.settings;
        settings.base_url = normalize_base_url(&settings.base_url)?;
        for (zero, setting) in [
            (settings.timeout.is_some_and(|t| t.is_zero()), "timeout"),
            (settings.connect_timeout.is_zero(), "connect_timeout"),
            (settings.max_response_bytes == 0, "max_response_bytes"),
        ] {
            if zero {
                return Err(Error::invalid_config(setting, "must be more than zero"));
            }
        }
        if settings
            .user_agent
            .chars()
            .any(|c| !(c == ' ' || c.is_ascii_graphic()))
        {
            return Err(Error::invalid_config(
                "user_agent_suffix",
                "may hold only printable ASCII characters",
            ));
        }
        let path = settings.auto_path.trim();
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
        // Over plain http the key is cleartext: it may go to the loopback host and nowhere
        // else, so a proxy from the environment is not used and an explicit one is refused.
        let mut proxy = None;
        if settings.base_url.starts_with("http://") {
            if matches!(settings.proxy, ProxyChoice::Url(_)) {
                return Err(Error::invalid_config(
                    "proxy",
                    "cannot be used with a plain http:// base URL: the proxy would see the key in cleartext",
                ));
            }
            settings.proxy = ProxyChoice::None;
        } else if let ProxyChoice::Url(url) = &settings.proxy {
            proxy = Some(ureq::Proxy::new(url).map_err(|e| {
                // The URL may hold credentials, so it is not repeated in the error.
                Error::invalid_config("proxy", "is not a usable proxy URL (http://host:port)")
                    .with_source(e)
            })?);
        }
        let agent = settings.agent(proxy);
        Ok(Client::assemble(Some(key), settings, agent))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ClientBuilder");
        d.field("api_key", &self.key)
            .field("base_url", &self.settings.base_url);
        self.settings.debug_fields(&mut d);
        d.finish()
    }
}
