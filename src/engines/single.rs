//! `POST /api/single/`: one HTTP request with a browser-like wire fingerprint
//! (<https://foura.ai/docs/api/endpoints>, `fouradata/mcp` `src/tools/single.ts`).

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use super::engine_post;
use super::validate::WireValidate;
use super::{
    Content, MAX_TIMEOUT_MS, RequestData, ResponseHeaders, Validate, check_headers, check_method,
    check_ms, millis,
};
use crate::call::{Call, CallOptions};
use crate::client::Client;
use crate::error::Error;
use crate::meta::Meta;

/// FourA's default `timeout_ms` for single (and for each proxy attempt): 15 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A request for the single engine, and the inner request of [`ProxyRequest`](crate::ProxyRequest).
///
/// `unblocker` is **always sent**, `true` unless you set it: FourA's docs say its default is
/// `false`, FourA's own client says the API has always defaulted to `true`, so the crate says
/// what it means instead of relying on either. Browser-profile selection (`profile`,
/// `browser`, `os`, `version`) needs it on.
///
/// ```
/// use std::time::Duration;
/// use foura::{SingleRequest, Validate};
///
/// let request = SingleRequest::get("https://example.com/products?t={ts}")
///     .header("Accept", "text/html")
///     .timeout(Duration::from_secs(15))
///     .follow_redirects(5)
///     .validate(Validate::new().data_accept("Add to cart"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SingleRequest {
    pub(crate) method: String,
    pub(crate) url: String,
    headers: Vec<(String, String)>,
    unblocker: bool,
    profile: Option<String>,
    browser: Option<String>,
    os: Option<String>,
    version: Option<String>,
    data: Option<RequestData>,
    pub(crate) proxy: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    accept_timeout: Option<Duration>,
    server_response_timeout: Option<Duration>,
    dns_cache_timeout: Option<Duration>,
    follow_redirects: Option<u8>,
    try_json_data: Option<bool>,
    return_buffer: Option<bool>,
    validate: Option<Validate>,
    options: CallOptions,
}

impl SingleRequest {
    /// A `GET` of `url` (absolute `http(s)`; `{ts}` is replaced by FourA with a timestamp).
    pub fn get(url: impl Into<String>) -> Self {
        SingleRequest::new("GET", url)
    }

    /// A request with any method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, `OPTIONS`, …).
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        SingleRequest {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            unblocker: true,
            profile: None,
            browser: None,
            os: None,
            version: None,
            data: None,
            proxy: None,
            timeout: None,
            connect_timeout: None,
            accept_timeout: None,
            server_response_timeout: None,
            dns_cache_timeout: None,
            follow_redirects: None,
            try_json_data: None,
            return_buffer: None,
            validate: None,
            options: CallOptions::default(),
        }
    }

    crate::macros::call_option_setters!();

    /// Adds a header sent to the target (`headers`, `[name, value]` pairs in this order;
    /// a name may repeat).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    crate::macros::setters! {
        /// `unblocker`: send a full browser header set (User-Agent, Sec-Ch-Ua, Sec-Fetch-*, …).
        /// Default here: `true`, always sent.
        unblocker(on: bool) => unblocker = on;

        /// `profile`: an exact browser-profile id from [`Client::profiles`].
        profile(id: impl Into<String>) => profile = Some(id.into());

        /// `browser`: `Chrome`, `Edge`, `Safari`, `Firefox` or `Tor`.
        browser(browser: impl Into<String>) => browser = Some(browser.into());

        /// `os`: `Windows`, `macOS`, `Android`, `iOS`, or an exact catalogue label.
        os(os: impl Into<String>) => os = Some(os.into());

        /// `version`: a browser version as listed in the catalogue, e.g. `147`.
        version(version: impl Into<String>) => version = Some(version.into());

        /// `data`: a request body sent to the target as-is.
        body(body: impl Into<String>) => data = Some(RequestData::Text(body.into()));

        /// `data`: a JSON request body (FourA serialises it for the target).
        json_body(body: Value) => data = Some(RequestData::Json(body));

        /// `proxy`: `http://host:port`, `socks5://host:port`, or a proxy id returned by the
        /// proxy engine (to reuse that exit). Not available inside a
        /// [`ProxyRequest`](crate::ProxyRequest).
        proxy(proxy: impl Into<String>) => proxy = Some(proxy.into());

        /// `timeout_ms`: the whole request at FourA (per attempt on the proxy engine).
        /// FourA's default: 15 000 ms; at most 120 000 ms.
        timeout(timeout: Duration) => timeout = Some(timeout);

        /// `connect_timeout_ms`: TCP/TLS connect to the target. FourA's default: 5 000 ms.
        connect_timeout(timeout: Duration) => connect_timeout = Some(timeout);

        /// `accept_timeout_ms`: time to the target's first response byte after sending.
        accept_timeout(timeout: Duration) => accept_timeout = Some(timeout);

        /// `server_response_timeout_ms`: time for the target's full response.
        server_response_timeout(timeout: Duration) => server_response_timeout = Some(timeout);

        /// `dns_cache_timeout_sec`: how long FourA caches the target's DNS answer (0–240 s).
        dns_cache_timeout(ttl: Duration) => dns_cache_timeout = Some(ttl);

        /// `followRedirects`: redirect hops to follow (0–20). FourA's default: none followed.
        follow_redirects(hops: u8) => follow_redirects = Some(hops);

        /// `tryJsonData`: parse a JSON body, so [`SingleResponse::json`] needs no second parse.
        try_json_data(on: bool) => try_json_data = Some(on);

        /// `returnBuffer`: return the body as bytes (for binary targets).
        return_buffer(on: bool) => return_buffer = Some(on);

        /// `validate`: what counts as success (see [`Validate`]).
        validate(rules: Validate) => validate = Some(rules);
    }

    /// The server-side time this request may take.
    pub(crate) fn server_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The request as [`Client::single`] sends it (and [`Client::preview`] shows it),
    /// checked first.
    pub(crate) fn to_call(&self) -> Result<Call<'static>, Error> {
        self.check("")?;
        engine_post(
            "/api/single/",
            self.to_wire(),
            self.server_timeout(),
            self.options,
        )
    }

    /// Checks every field; `prefix` names the inner request of a proxy call (`request.`).
    pub(crate) fn check(&self, prefix: &str) -> Result<(), Error> {
        let field = |name: &str| format!("{prefix}{name}");
        check_method(&self.method).map_err(|_| {
            Error::invalid_request(
                &field("method"),
                "must be an HTTP method such as GET or POST",
            )
        })?;
        crate::wire::check_target_url(&field("url"), &self.url)?;
        check_headers(&field("headers"), &self.headers)?;
        let profile_set = self.profile.is_some()
            || self.browser.is_some()
            || self.os.is_some()
            || self.version.is_some();
        if profile_set && !self.unblocker {
            return Err(Error::invalid_request(
                &field("unblocker"),
                "must be true for browser-profile selection (profile, browser, os, version)",
            ));
        }
        for (name, value) in [
            ("profile", &self.profile),
            ("browser", &self.browser),
            ("os", &self.os),
            ("version", &self.version),
            ("proxy", &self.proxy),
        ] {
            if let Some(value) = value {
                if value.trim().is_empty() {
                    return Err(Error::invalid_request(&field(name), "must not be empty"));
                }
                crate::wire::check_header_text(&field(name), value)?;
            }
        }
        if let Some(t) = self.timeout {
            check_ms(&field("timeout_ms"), t, 1, MAX_TIMEOUT_MS)?;
        }
        for (name, t) in [
            ("connect_timeout_ms", self.connect_timeout),
            ("accept_timeout_ms", self.accept_timeout),
            ("server_response_timeout_ms", self.server_response_timeout),
        ] {
            if let Some(t) = t {
                check_ms(&field(name), t, 0, MAX_TIMEOUT_MS)?;
            }
        }
        if let Some(ttl) = self.dns_cache_timeout {
            if ttl.as_secs() > 240 || ttl.subsec_nanos() != 0 {
                return Err(Error::invalid_request(
                    &field("dns_cache_timeout_sec"),
                    "must be whole seconds between 0 and 240",
                ));
            }
        }
        if self.follow_redirects.is_some_and(|h| h > 20) {
            return Err(Error::invalid_request(
                &field("followRedirects"),
                "must be between 0 and 20",
            ));
        }
        if let Some(rules) = &self.validate {
            rules.check(&field("validate"))?;
        }
        Ok(())
    }

    /// The JSON object sent (as the whole body, or as proxy's inner `request`).
    pub(crate) fn to_wire(&self) -> WireSingle<'_> {
        WireSingle {
            accept_timeout_ms: self.accept_timeout.map(millis),
            browser: trimmed(&self.browser),
            connect_timeout_ms: self.connect_timeout.map(millis),
            data: self.data.as_ref(),
            dns_cache_timeout_sec: self.dns_cache_timeout.map(|t| t.as_secs()),
            follow_redirects: self.follow_redirects,
            headers: &self.headers,
            method: &self.method,
            os: trimmed(&self.os),
            profile: trimmed(&self.profile),
            proxy: trimmed(&self.proxy),
            return_buffer: self.return_buffer,
            server_response_timeout_ms: self.server_response_timeout.map(millis),
            timeout_ms: self.timeout.map(millis),
            try_json_data: self.try_json_data,
            unblocker: self.unblocker,
            url: &self.url,
            validate: Validate::wire_field(&self.validate),
            version: trimmed(&self.version),
        }
    }
}

fn trimmed(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim)
}

/// The single engine's body (and proxy's inner `request`), in `fouradata/mcp`
/// `src/tools/single.ts`'s wire names. Fields are in the order of their wire names, the order
/// the body has always been sent in.
#[derive(Serialize)]
pub(crate) struct WireSingle<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    accept_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    browser: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connect_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a RequestData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns_cache_timeout_sec: Option<u64>,
    #[serde(rename = "followRedirects", skip_serializing_if = "Option::is_none")]
    follow_redirects: Option<u8>,
    /// `[name, value]` pairs, in the order set.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    headers: &'a [(String, String)],
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    os: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy: Option<&'a str>,
    #[serde(rename = "returnBuffer", skip_serializing_if = "Option::is_none")]
    return_buffer: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_response_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
    #[serde(rename = "tryJsonData", skip_serializing_if = "Option::is_none")]
    try_json_data: Option<bool>,
    unblocker: bool,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    validate: Option<WireValidate<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
}

/// What the single engine fetched.
///
/// `status` is the **target's** status: a `403` here is the site refusing you, delivered
/// successfully, not FourA refusing the call (that would be an [`Error`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SingleResponse {
    /// The target's HTTP status (`0` = no response).
    pub status: u16,
    /// The target's response headers, one hop per redirect.
    pub headers: ResponseHeaders,
    /// `total_time`: how long the request took, in seconds.
    pub total_time: Option<f64>,
    /// `defense`: present when the target ran a bot check (`solved: false` means the body
    /// may be a challenge page).
    pub defense: Option<Map<String, Value>>,
    /// `exitClass`, when a premium exit served the request.
    pub exit_class: Option<String>,
    /// Every field this crate does not model, as sent.
    pub extra: Map<String, Value>,
    content: Content,
    meta: Meta,
}

crate::macros::engine_response!(SingleResponse, body = "data", |f| {
    total_time: f.number("total_time"),
    defense: f.object("defense"),
});

impl Client {
    /// Fetches one page with the single engine: `POST /api/single/` with `X-API-Key`.
    ///
    /// The call waits for the request's `timeout_ms` (FourA's default 15 s) plus 15 s,
    /// unless the client has a timeout of its own.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use foura::{Client, SingleRequest};
    ///
    /// let client = Client::from_env()?;
    /// let page = client.single(
    ///     &SingleRequest::get("https://example.com/").header("Accept", "text/html").timeout(Duration::from_secs(15)),
    /// )?;
    /// println!("{} {:?} credits={:?}", page.status, page.text().map(str::len), page.meta().credits);
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) before sending;
    /// [`ErrorKind::EngineFailed`](crate::ErrorKind::EngineFailed) when FourA could not
    /// deliver; any other [`ErrorKind`](crate::ErrorKind) FourA's answer maps to.
    pub fn single(&self, request: &SingleRequest) -> Result<SingleResponse, Error> {
        self.engine_call("single", &request.to_call()?, SingleResponse::from_fields)
    }
}

/// Requests from FourA's JSON, their JSON, and their id.
impl SingleRequest {
    /// Builds a request from a single-engine body in FourA's wire format — exactly what
    /// [`to_json`](Self::to_json) gives and `POST /api/single/` takes, e.g.
    /// `{"method":"GET","url":"https://example.com/","headers":[["Accept","text/html"]],"timeout_ms":15000}`
    /// — through the setters, so it is checked as [`Client::single`] checks a request.
    /// `method` defaults to `GET` and `unblocker` to `true`, as with [`SingleRequest::new`].
    ///
    /// ```
    /// use foura::SingleRequest;
    ///
    /// let request = SingleRequest::from_json_str(
    ///     r#"{"method":"GET","url":"https://example.com/","headers":[["Accept","text/html"]],"timeout_ms":15000}"#,
    /// )?;
    /// assert_eq!(request, SingleRequest::get("https://example.com/").header("Accept", "text/html").timeout(std::time::Duration::from_secs(15)));
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming the field: a
    /// field this request does not have (a typo is refused, not dropped), a field of the wrong
    /// type, a missing `url`, or any value [`Client::single`] would refuse.
    pub fn from_json(value: &Value) -> Result<SingleRequest, Error> {
        let request = SingleRequest::from_json_object(crate::from_json::JsonObject::new(
            value,
            "body",
            String::new(),
        )?)?;
        request.check("")?;
        Ok(request)
    }

    /// The request's fields from `obj` (the whole body, or proxy's `request`), unchecked.
    pub(crate) fn from_json_object(
        mut obj: crate::from_json::JsonObject<'_>,
    ) -> Result<SingleRequest, Error> {
        let url = obj.string("url")?;
        let url = obj.required("url", url)?;
        let mut r = SingleRequest::new(obj.string("method")?.unwrap_or("GET"), url);
        for (name, value) in obj.pairs("headers")?.unwrap_or_default() {
            r = r.header(name, value);
        }
        crate::from_json::read_into!(obj, r, {
            boolean("unblocker") => unblocker,
            string("profile") => profile,
            string("browser") => browser,
            string("os") => os,
            string("version") => version,
        });
        r = match obj.any("data") {
            Some(Value::String(text)) => r.body(text.as_str()),
            Some(json) => r.json_body(json.clone()),
            None => r,
        };
        crate::from_json::read_into!(obj, r, {
            string("proxy") => proxy,
            millis("timeout_ms") => timeout,
            millis("connect_timeout_ms") => connect_timeout,
            millis("accept_timeout_ms") => accept_timeout,
            millis("server_response_timeout_ms") => server_response_timeout,
            seconds("dns_cache_timeout_sec") => dns_cache_timeout,
            small("followRedirects", "must be between 0 and 20") => follow_redirects,
            boolean("tryJsonData") => try_json_data,
            boolean("returnBuffer") => return_buffer,
        });
        if let Some(rules) = obj.object("validate")? {
            r = r.validate(Validate::from_json_object(rules)?);
        }
        obj.finish()?;
        Ok(r)
    }

    crate::macros::request_json!(
        crate::request_id::ENGINES_API,
        "/api/single/",
        to_json
        ///
        /// It is also the `request` object of a proxy call.
    );
}
