//! `POST /api/browser/`: a full browser session (`fouradata/mcp` `src/tools/browser.ts`).

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::engine_post;
use super::{Content, Fields, MAX_TIMEOUT_MS, ResponseHeaders, SortedObject, check_ms, millis};
use crate::call::{Call, CallOptions};
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
    /// `extra` rather than dropping the cookie (the shape is open: `fouradata/mcp`
    /// `src/tools/auto.ts` does not fix it).
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

    crate::macros::setters! {
        /// `userAgent`: override the browser's User-Agent.
        user_agent(user_agent: impl Into<String>) => user_agent = Some(user_agent.into());

        /// `proxy`: `http://user:pass@host:port`, `socks5://host:port`, or a proxy id from the
        /// proxy engine. Without it the session leaves from one fixed address.
        proxy(proxy: impl Into<String>) => proxy = Some(proxy.into());

        /// `timeout_ms`: the page load. FourA's default: 30 000 ms; at most 120 000 ms.
        timeout(timeout: Duration) => timeout = Some(timeout);

        /// `checkStatus`: the status the page must have; another one fails the call.
        check_status(status: u16) => check_status = Some(status);

        /// `checkText`: text the rendered page must contain after navigation (it does not wait
        /// for it to appear); missing, it fails the call.
        check_text(text: impl Into<String>) => check_text = Some(text.into());

        /// `unblocker`: solve supported anti-bot challenges. FourA's default, and this crate's:
        /// `true`, always sent.
        unblocker(on: bool) => unblocker = on;
    }

    /// The request as [`Client::browser`] sends it (and [`Client::preview`] shows it),
    /// checked first.
    pub(crate) fn to_call(&self) -> Result<Call<'static>, Error> {
        self.check()?;
        engine_post(
            "/api/browser/",
            self.to_wire(),
            self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            self.options,
        )
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
        for (i, c) in self.cookies.iter().enumerate() {
            for (part, value) in [
                ("name", Some(&c.name)),
                ("value", Some(&c.value)),
                ("domain", c.domain.as_ref()),
                ("path", c.path.as_ref()),
            ] {
                if let Some(value) = value {
                    crate::wire::check_header_text(&format!("cookies[{i}].{part}"), value)?;
                }
            }
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
        for (name, value) in [("userAgent", &self.user_agent), ("proxy", &self.proxy)] {
            if let Some(value) = value {
                crate::wire::check_header_text(name, value)?;
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

    fn to_wire(&self) -> WireBrowser<'_> {
        WireBrowser {
            check_status: self.check_status,
            check_text: self.check_text.as_deref(),
            cookies: self.cookies.iter().map(WireCookie::from).collect(),
            headers: SortedObject(&self.headers),
            proxy: self.proxy.as_deref(),
            timeout_ms: self.timeout.map(millis),
            unblocker: self.unblocker,
            url: &self.url,
            user_agent: self.user_agent.as_deref(),
        }
    }
}

/// The browser engine's body, in `fouradata/mcp` `src/tools/browser.ts`'s wire names. Fields
/// are in the order of their wire names, the order the body has always been sent in.
#[derive(Serialize)]
struct WireBrowser<'a> {
    #[serde(rename = "checkStatus", skip_serializing_if = "Option::is_none")]
    check_status: Option<u16>,
    #[serde(rename = "checkText", skip_serializing_if = "Option::is_none")]
    check_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<WireCookie<'a>>,
    /// A JSON object, not `[name, value]` pairs as on the other engines.
    #[serde(skip_serializing_if = "SortedObject::is_empty")]
    headers: SortedObject<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
    unblocker: bool,
    url: &'a str,
    #[serde(rename = "userAgent", skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
}

/// A request cookie as sent: only its name, value and domain.
#[derive(Serialize)]
struct WireCookie<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<&'a str>,
    name: &'a str,
    value: &'a str,
}

impl<'a> From<&'a Cookie> for WireCookie<'a> {
    fn from(c: &'a Cookie) -> Self {
        WireCookie {
            domain: c.domain.as_deref(),
            name: &c.name,
            value: &c.value,
        }
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

// The browser names the body `body`, not `data`.
crate::macros::engine_response!(BrowserResponse, body = "body", |f| {
    cookies: Cookie::list_from_wire(f.take("cookies")),
    user_agent: f.string("userAgent"),
});

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
        self.engine_call("browser", &request.to_call()?, BrowserResponse::from_fields)
    }
}

/// Requests from FourA's JSON, their JSON, and their id.
impl BrowserRequest {
    /// Builds a request from a browser-engine body in FourA's wire format — exactly what
    /// [`to_json`](Self::to_json) gives and `POST /api/browser/` takes, e.g.
    /// `{"url":"https://example.com/","headers":{"Referer":"https://example.com/"},"cookies":[{"name":"s","value":"1"}],"checkText":"Add to cart"}`
    /// — through the setters, so it is checked as [`Client::browser`] checks a request.
    /// `unblocker` defaults to `true`, as with [`BrowserRequest::new`]; a cookie has `name`,
    /// `value` and an optional `domain`, the fields sent.
    ///
    /// ```
    /// use foura::BrowserRequest;
    ///
    /// let request = BrowserRequest::from_json_str(r#"{"url":"https://example.com/","checkStatus":200}"#)?;
    /// assert_eq!(request, BrowserRequest::new("https://example.com/").check_status(200));
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming the field: a
    /// field this request (or a cookie) does not have, a field of the wrong type, a missing
    /// `url`, or any value [`Client::browser`] would refuse.
    pub fn from_json(value: &Value) -> Result<BrowserRequest, Error> {
        let mut obj = crate::from_json::JsonObject::new(value, "body", String::new())?;
        let url = obj.string("url")?;
        let mut r = BrowserRequest::new(obj.required("url", url)?);
        for (name, value) in obj.string_map("headers")?.unwrap_or_default() {
            r = r.header(name, value);
        }
        let cookies = obj.list("cookies", "must be a cookie object", Some)?;
        for (i, cookie) in cookies.unwrap_or_default().into_iter().enumerate() {
            let path = format!("cookies[{i}]");
            let mut c = crate::from_json::JsonObject::new(cookie, &path, format!("{path}."))?;
            let name = c.string("name")?;
            let value = c.string("value")?;
            let mut cookie = Cookie::new(c.required("name", name)?, c.required("value", value)?);
            if let Some(domain) = c.string("domain")? {
                cookie = cookie.domain(domain);
            }
            c.finish()?;
            r = r.cookie(cookie);
        }
        crate::from_json::read_into!(obj, r, {
            string("userAgent") => user_agent,
            string("proxy") => proxy,
            millis("timeout_ms") => timeout,
            small("checkStatus", "must be an HTTP status (100–599)") => check_status,
            string("checkText") => check_text,
            boolean("unblocker") => unblocker,
        });
        obj.finish()?;
        r.check()?;
        Ok(r)
    }

    crate::macros::request_json!(crate::request_id::ENGINES_API, "/api/browser/", to_json);
}
