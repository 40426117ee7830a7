//! The client: what every verb shares. Each verb (in `tasks.rs`, `engines/`) describes its
//! request as a [`Call`] and hands it to [`retry::run`], the funnel.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::call::{Call, Line, Reply, decode_error};
use crate::error::Error;
use crate::key::ApiKey;
use crate::meta::Meta;
use crate::retry;
use crate::settings::{Hook, ProxyChoice, Settings, normalize_base_url};

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
///   an [`ErrorKind::UnexpectedRedirect`](crate::ErrorKind::UnexpectedRedirect)), and a
///   plain-`http://` base URL is refused unless its host is loopback, so the key never
///   crosses a network in cleartext.
/// - Every call ends: the connect timeout and the whole-call timeout are finite by default.
/// - Response bodies are read with a limit
///   ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
/// - Every failure is an [`Error`] with the status, FourA's message and its request id.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Who hears of this handle's attempts besides the settings' hook: a batch's throttle.
    watcher: Option<Hook>,
}

struct Inner {
    /// `None` only for the internal keyless client of the public endpoints.
    key: Option<ApiKey>,
    agent: ureq::Agent,
    /// Checked, with the base URL normalised.
    settings: Settings,
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
        let agent = settings.agent(None);
        Client::assemble(Some(key), settings, agent)
    }

    /// A client without a key, for the public endpoints (status API, profile catalogue).
    pub(crate) fn keyless(base_url: &str) -> Result<Client, Error> {
        let mut settings = Settings {
            base_url: normalize_base_url(base_url)?,
            ..Settings::default()
        };
        if settings.base_url.starts_with("http://") {
            settings.proxy = ProxyChoice::None;
        }
        let agent = settings.agent(None);
        Ok(Client::assemble(None, settings, agent))
    }

    /// A client from checked `settings` and the agent built from them.
    pub(crate) fn assemble(key: Option<ApiKey>, settings: Settings, agent: ureq::Agent) -> Client {
        Client {
            inner: Arc::new(Inner {
                key,
                agent,
                settings,
            }),
            watcher: None,
        }
    }

    /// The same client with another key: the same settings and the same connection pool,
    /// for rotating a key without reconnecting.
    ///
    /// `self` is untouched: it keeps its key until it (and every clone of it) is dropped,
    /// and then that key is wiped. Connections in the pool are shared, so the new client's
    /// first call reuses an idle connection to FourA instead of opening one.
    ///
    /// ```no_run
    /// use foura::{ApiKey, Client};
    ///
    /// let client = Client::from_env()?;
    /// // … a new key was generated in the Dashboard …
    /// let client = client.with_key(ApiKey::from_file("/run/secrets/foura")?);
    /// // The old client is dropped here, and its key wiped.
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn with_key(&self, key: ApiKey) -> Client {
        let inner = &*self.inner;
        // A clone of a ureq `Agent` shares its connection pool.
        Client::assemble(Some(key), inner.settings.clone(), inner.agent.clone())
    }

    /// A handle on the same client whose attempts `watcher` hears of too, as well as the
    /// settings' hook (a batch's throttle hears of attempts the client retries by itself).
    pub(crate) fn watched_by(&self, watcher: Hook) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            watcher: Some(watcher),
        }
    }

    /// The base URL requests go to, normalised (e.g. `https://eu.api.foura.ai`).
    pub fn base_url(&self) -> &str {
        &self.inner.settings.base_url
    }

    /// The `User-Agent` this client sends, e.g. `foura-rust/0.1.0 my-tool/1.0`.
    pub fn user_agent(&self) -> &str {
        &self.inner.settings.user_agent
    }

    /// The longest wait the client sleeps before a retry
    /// ([`ClientBuilder::max_retry_wait`](crate::ClientBuilder::max_retry_wait)).
    pub fn max_retry_wait(&self) -> Duration {
        self.inner.settings.max_retry_wait
    }

    /// The path the auto engine is called at (default
    /// [`defaults::DEFAULT_AUTO_PATH`](crate::defaults::DEFAULT_AUTO_PATH)).
    pub fn auto_path(&self) -> &str {
        &self.inner.settings.auto_path
    }

    /// What the funnel needs of this client.
    pub(crate) fn line(&self) -> Line<'_> {
        Line {
            settings: &self.inner.settings,
            agent: &self.inner.agent,
            key: self.inner.key.as_ref(),
            watcher: self.watcher.as_ref(),
        }
    }

    /// Sends `call` through the funnel and decodes a success body as `T`.
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

    /// Sends `call` through the funnel ([`retry::run`]) and reads a success with `decode`.
    pub(crate) fn call<T>(
        &self,
        call: &Call<'_>,
        decode: impl Fn(Reply) -> Result<T, Error>,
    ) -> Result<T, Error> {
        retry::run(self.line(), call, decode)
    }

    /// The key, for removing it from what servers send back.
    pub(crate) fn secret(&self) -> Option<&str> {
        self.inner.key.as_ref().map(ApiKey::expose_secret)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut d = f.debug_struct("Client");
        d.field("base_url", &inner.settings.base_url)
            .field("api_key", &inner.key);
        inner.settings.debug_fields(&mut d);
        d.finish()
    }
}
