//! The one settings struct: filled by [`ClientBuilder`](crate::ClientBuilder), kept by
//! [`Client`](crate::Client), read by the funnel; and the attempt hook's [`Attempt`].

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::Uri;

use crate::defaults::{
    DEFAULT_AUTO_PATH, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_WAIT, DEFAULT_POOL_SIZE, DEFAULT_TASK_TIMEOUT,
    POOL_IDLE_AGE, TIMEOUT_MARGIN,
};
use crate::error::{Error, ErrorKind, RateLimit};

/// What the attempt hook ([`ClientBuilder::on_attempt`](crate::ClientBuilder::on_attempt)) is
/// told after each attempt. It never holds the key.
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
    /// The limits FourA declared with a `429` or `503`
    /// (<https://foura.ai/docs/api/rate-limits>), as [`Error::rate_limit`] reads them.
    pub rate_limit: Option<RateLimit>,
}

/// A function told about every attempt: the user's hook, or a batch's throttle.
pub(crate) type Hook = Arc<dyn Fn(&Attempt) + Send + Sync + 'static>;

/// Where the client's HTTP proxy comes from.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum ProxyChoice {
    /// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and lower-case forms), honouring `NO_PROXY`.
    Environment,
    None,
    Url(String),
}

/// A client's settings, written once: the builder's setters fill it, `build` checks it, the
/// client keeps it.
#[derive(Clone)]
pub(crate) struct Settings {
    /// As given until `build`; then scheme, authority and any path prefix, without `/api…`
    /// and without a trailing slash.
    pub(crate) base_url: String,
    /// A whole-call timeout set by the user; `None` means "the request's own timeout + margin".
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_response_bytes: u64,
    pub(crate) user_agent: String,
    pub(crate) proxy: ProxyChoice,
    /// Path of the auto engine below the base URL.
    pub(crate) auto_path: String,
    pub(crate) max_retries: u32,
    pub(crate) max_retry_wait: Duration,
    pub(crate) hook: Option<Hook>,
    pub(crate) pool_size: usize,
}

/// The `User-Agent` every client starts from.
pub(crate) const USER_AGENT: &str = concat!("foura-rust/", env!("CARGO_PKG_VERSION"));

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: USER_AGENT.to_owned(),
            proxy: ProxyChoice::Environment,
            auto_path: DEFAULT_AUTO_PATH.to_owned(),
            max_retries: DEFAULT_MAX_RETRIES,
            max_retry_wait: DEFAULT_MAX_RETRY_WAIT,
            hook: None,
            pool_size: DEFAULT_POOL_SIZE,
        }
    }
}

impl Settings {
    /// The whole-call timeout for a request whose server-side work may take `server_timeout`.
    pub(crate) fn call_timeout(&self, server_timeout: Option<Duration>) -> Duration {
        self.timeout.unwrap_or_else(|| {
            server_timeout
                .unwrap_or(DEFAULT_TASK_TIMEOUT)
                .saturating_add(TIMEOUT_MARGIN)
        })
    }

    /// The one ureq agent. Every default of ureq that would make the client unsafe is set
    /// here: statuses are ours to read, redirects are never followed, and no timeout is
    /// infinite (ureq's `Config` docs, <https://docs.rs/ureq/3/ureq/config/struct.Config.html>).
    pub(crate) fn agent(&self, explicit_proxy: Option<ureq::Proxy>) -> ureq::Agent {
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
            .max_idle_age(POOL_IDLE_AGE)
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

    /// The fields every `Debug` of a client or builder shows, in one order.
    pub(crate) fn debug_fields(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("timeout", &TimeoutSetting(self.timeout))
            .field("connect_timeout", &self.connect_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent", &self.user_agent)
            .field("proxy", &self.proxy)
            .field("auto_path", &self.auto_path)
            .field("max_retries", &self.max_retries)
            .field("max_retry_wait", &self.max_retry_wait)
            .field("pool_size", &self.pool_size)
            .field("on_attempt", &self.hook.as_ref().map(|_| "set"));
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

/// Checks a base URL and reduces it to scheme, authority and path prefix, without `/api`,
/// `/api/v1` or a trailing slash.
pub(crate) fn normalize_base_url(raw: &str) -> Result<String, Error> {
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
    // A port that does not fit 16 bits reads as no port at all (`Uri::port_u16` is `None`),
    // which would send the request, key included, to port 80 or 443.
    let after_host = authority.rsplit(']').next().unwrap_or_default();
    if let Some((_, port)) = after_host.rsplit_once(':') {
        // Digits only: `parse` would also take `+80`.
        let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || !port.parse::<u16>().is_ok_and(|p| p >= 1) {
            return Err(bad("has a port that is not a number from 1 to 65535"));
        }
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

/// Loopback hosts: `127.0.0.0/8`, `::1` (bracketed or not), and the names that
/// [`crate::resolve`] answers with loopback addresses itself.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    crate::resolve::is_localhost_name(host)
        || host.parse::<IpAddr>().is_ok_and(|ip| match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_timeout_grows_with_the_requests_own_timeout() {
        let settings = Settings::default();
        assert_eq!(settings.call_timeout(None), Duration::from_secs(45));
        assert_eq!(
            settings.call_timeout(Some(Duration::from_secs(15))),
            Duration::from_secs(30)
        );
        assert_eq!(
            settings.call_timeout(Some(Duration::from_secs(120))),
            Duration::from_secs(135)
        );
        let fixed = Settings {
            timeout: Some(Duration::from_secs(5)),
            ..Settings::default()
        };
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
