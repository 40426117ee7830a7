//! `POST /api/browser/`: a full browser session (foura-api.md §3.7).

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::{Content, Fields, MAX_TIMEOUT_MS, ResponseHeaders, check_ms};
use crate::call::CallOptions;
use crate::client::Client;
use crate::error::Error;
use crate::meta::Meta;

/// FourA's default page-load `timeout_ms` for the browser: 30 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A browser cookie: what [`BrowserRequest::cookie`] sets, and what the browser and auto
/// engines return (Chrome DevTools cookie objects; unknown keys kept in `extra`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Cookie {
    /// The cookie's name.
    #[serde(default)]
    pub name: String,
    /// The cookie's value.
    #[serde(default)]
    pub value: String,
    /// The domain; when unset on a request, the cookie is scoped to the URL's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Expiry as Unix seconds; `-1` for a session cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<f64>,
    /// `httpOnly`.
    #[serde(default, rename = "httpOnly", skip_serializing_if = "Option::is_none")]
    pub http_only: Option<bool>,
    /// `secure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure: Option<bool>,
    /// `sameSite`: `Lax`, `Strict`, `None`.
    #[serde(default, rename = "sameSite", skip_serializing_if = "Option::is_none")]
    pub same_site: Option<String>,
    /// Every other key, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for Cookie {
    /// Reads a cookie tolerantly, as [`BrowserResponse`] does (e.g. one saved earlier).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        Cookie::from_wire(Value::deserialize(d)?)
            .ok_or_else(|| D::Error::custom("expected a cookie object"))
    }
}

impl Cookie {
    /// Reads a cookie as FourA sends it, keeping every field of an unexpected type in
    /// `extra` rather than dropping the cookie (the shape is open, foura-api.md §6.11).
    pub(crate) fn from_wire(value: Value) -> Option<Cookie> {
        let Value::Object(map) = value else {
            return None;
        };
        let mut f = Fields(map);
        Some(Cookie {
            name: f.string("name").unwrap_or_default(),
            value: f.string("value").unwrap_or_default(),
            domain: f.string("domain"),
            path: f.string("path"),
            expires: f.number("expires"),
            http_only: f.boolean("httpOnly"),
            secure: f.boolean("secure"),
            same_site: f.string("sameSite"),
            extra: f.0,
        })
    }

    /// Reads a list of cookies; `null` or another shape is no cookies.
    pub(crate) fn list_from_wire(value: Option<Value>) -> Vec<Cookie> {
        match value {
            Some(Value::Array(items)) => items.into_iter().filter_map(Cookie::from_wire).collect(),
            _ => Vec::new(),
        }
    }

    /// A cookie with a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Cookie {
            name: name.into(),
            value: value.into(),
            ..Cookie::default()
        }
    }

    /// Sets the domain.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
}

/// A request for the browser engine: one page in a real browser.
///
/// ```
/// use foura::{BrowserRequest, Cookie};
///
/// let request = BrowserRequest::new("https://example.com/cart")
///     .header("Referer", "https://example.com/")
///     .cookie(Cookie::new("session", "abc"))
///     .check_text("Add to cart");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserRequest {
    url: String,
    headers: Vec<(String, String)>,
    cookies: Vec<Cookie>,
    user_agent: Option<String>,
    proxy: Option<String>,
    timeout: Option<Duration>,
    check_status: Option<u16>,
    check_text: Option<String>,
    unblocker: bool,
    options: CallOptions,
}

impl BrowserRequest {
    /// Opens `url` (absolute `http(s)`; `{ts}` allowed).
    pub fn new(url: impl Into<String>) -> Self {
        BrowserRequest {
            url: url.into(),
            headers: Vec::new(),
            cookies: Vec::new(),
            user_agent: None,
            proxy: None,
            timeout: None,
            check_status: None,
            check_text: None,
            unblocker: true,
            options: CallOptions::default(),
        }
    }

    crate::macros::call_option_setters!();

    /// Adds a header (`headers`, sent as a JSON object: setting a name again, in any letter
    /// case, replaces it).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// Adds a cookie set before navigation (`cookies`; only name, value and domain are sent).
    pub fn cookie(mut self, cookie: Cookie) -> Self {
        self.cookies.push(cookie);
        self
    }

    /// `userAgent`: override the browser's User-Agent.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// `proxy`: `http://user:pass@host:port`, `socks5://host:port`, or a proxy id from the
    /// proxy engine. Without it the session leaves from one fixed address.
    pub fn proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(proxy.into());
        self
    }

    /// `timeout_ms`: the page load. FourA's default: 30 000 ms; at most 120 000 ms.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `checkStatus`: the status the page must have; another one fails the call.
    pub fn check_status(mut self, status: u16) -> Self {
        self.check_status = Some(status);
        self
    }

    /// `checkText`: text the rendered page must contain after navigation (it does not wait
    /// for it to appear); missing, it fails the call.
    pub fn check_text(mut self, text: impl Into<String>) -> Self {
        self.check_text = Some(text.into());
        self
    }

    /// `unblocker`: solve supported anti-bot challenges. FourA's default, and this crate's:
    /// `true`, always sent.
    pub fn unblocker(mut self, on: bool) -> Self {
        self.unblocker = on;
        self
    }

    fn check(&self) -> Result<(), Error> {
        crate::wire::check_target_url("url", &self.url)?;
        super::check_headers("headers", &self.headers)?;
        if self.cookies.iter().any(|c| c.name.is_empty()) {
            return Err(Error::invalid_request(
                "cookies",
                "has a cookie without a name",
            ));
        }
        for (name, value) in [
            ("userAgent", &self.user_agent),
            ("proxy", &self.proxy),
            ("checkText", &self.check_text),
        ] {
            if value.as_deref().is_some_and(|v| v.is_empty()) {
                return Err(Error::invalid_request(name, "must not be empty"));
            }
        }
        if let Some(t) = self.timeout {
            check_ms("timeout_ms", t, 1, MAX_TIMEOUT_MS)?;
        }
        if self.check_status.is_some_and(|s| !(100..=599).contains(&s)) {
            return Err(Error::invalid_request(
                "checkStatus",
                "must be an HTTP status (100–599)",
            ));
        }
        Ok(())
    }

    fn to_wire(&self) -> Value {
        let mut m = Map::new();
        m.insert("url".into(), Value::from(self.url.as_str()));
        if !self.headers.is_empty() {
            let headers = self
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), Value::from(v.as_str())));
            m.insert("headers".into(), Value::Object(headers.collect()));
        }
        if !self.cookies.is_empty() {
            let cookies = self.cookies.iter().map(|c| {
                let mut o = Map::new();
                o.insert("name".into(), Value::from(c.name.as_str()));
                o.insert("value".into(), Value::from(c.value.as_str()));
                if let Some(d) = &c.domain {
                    o.insert("domain".into(), Value::from(d.as_str()));
                }
                Value::Object(o)
            });
            m.insert("cookies".into(), Value::Array(cookies.collect()));
        }
        if let Some(ua) = &self.user_agent {
            m.insert("userAgent".into(), Value::from(ua.as_str()));
        }
        if let Some(p) = &self.proxy {
            m.insert("proxy".into(), Value::from(p.as_str()));
        }
        if let Some(t) = self.timeout {
            m.insert("timeout_ms".into(), Value::from(t.as_millis() as u64));
        }
        if let Some(s) = self.check_status {
            m.insert("checkStatus".into(), Value::from(s));
        }
        if let Some(t) = &self.check_text {
            m.insert("checkText".into(), Value::from(t.as_str()));
        }
        m.insert("unblocker".into(), Value::Bool(self.unblocker));
        Value::Object(m)
    }
}

/// What the browser rendered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BrowserResponse {
    /// The target's HTTP status (`0` = navigation failed before any response).
    pub status: u16,
    /// The final response's headers (the browser sends one flat set: one hop, no status line).
    pub headers: ResponseHeaders,
    /// The cookies the session ended with.
    pub cookies: Vec<Cookie>,
    /// `userAgent`: the User-Agent the session presented.
    pub user_agent: Option<String>,
    /// `exitClass`, when a premium exit served the session.
    pub exit_class: Option<String>,
    /// Every field this crate does not model, as sent.
    pub extra: Map<String, Value>,
    content: Content,
    meta: Meta,
}

impl BrowserResponse {
    pub(crate) fn from_fields(mut f: Fields, meta: Meta) -> Self {
        let cookies = Cookie::list_from_wire(f.take("cookies"));
        BrowserResponse {
            status: f.status(),
            headers: ResponseHeaders::from_wire(f.take("headers")),
            // The browser names the body `body`, not `data`.
            content: Content::from_wire(f.take("body")),
            cookies,
            user_agent: f.string("userAgent"),
            exit_class: f.string("exitClass").or_else(|| meta.exit_class.clone()),
            extra: f.0,
            meta,
        }
    }

    crate::macros::response_accessors!();
}

impl Client {
    /// Renders a page in a real browser: `POST /api/browser/` with `X-API-Key`. The slowest
    /// and most expensive engine.
    ///
    /// The call waits for the page load's `timeout_ms` (FourA's default 30 s) plus 15 s,
    /// unless the client has a timeout of its own.
    ///
    /// ```no_run
    /// use foura::{BrowserRequest, Client};
    ///
    /// let client = Client::from_env()?;
    /// let page = client.browser(&BrowserRequest::new("https://example.com/").check_text("Add to cart"))?;
    /// println!("{} {} cookies", page.status, page.cookies.len());
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::single`]; a `checkText`/`checkStatus` mismatch or a navigation timeout is
    /// [`ErrorKind::EngineFailed`](crate::ErrorKind::EngineFailed).
    pub fn browser(&self, request: &BrowserRequest) -> Result<BrowserResponse, Error> {
        request.check()?;
        let timeout = request.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let (fields, meta) = self.engine_call(
            "browser",
            "/api/browser/",
            request.to_wire(),
            timeout,
            request.options,
        )?;
        Ok(BrowserResponse::from_fields(fields, meta))
    }
}
