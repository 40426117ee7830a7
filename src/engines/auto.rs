//! `POST /api/auto`: smart fetch, climbing the engine ladder until `validate` passes
//! (<https://foura.ai/docs/guides/smart-fetch>, `fouradata/mcp` `src/tools/auto.ts`).

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use super::engine_post;
use super::validate::WireValidate;
use super::{
    Content, Cookie, ExitClass, Fields, RequestData, ResponseHeaders, Validate, check_headers,
    check_method, check_ms, check_proxy_ids, millis,
};
use crate::call::{Call, CallOptions};
use crate::client::Client;
use crate::error::Error;
use crate::meta::Meta;

/// FourA's default budget for an auto call: 120 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A request for the auto engine. Without [`Validate::data_accept`] auto cannot tell a real
/// page from a challenge page served with `200`, so set one.
///
/// ```
/// use foura::{AutoRequest, Validate};
///
/// let request = AutoRequest::new("https://example.com/product/42")
///     .validate(Validate::new().data_accept("Add to cart"))
///     .return_session(true);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AutoRequest {
    url: String,
    method: Option<String>,
    headers: Vec<(String, String)>,
    data: Option<RequestData>,
    validate: Option<Validate>,
    return_session: Option<bool>,
    force_proxy: Option<bool>,
    timeout: Option<Duration>,
    ignore_proxies: Vec<String>,
    follow_redirects: Option<u8>,
    exit_class: Option<ExitClass>,
    options: CallOptions,
}

impl AutoRequest {
    /// Fetches `url` (absolute `http(s)`; `{ts}` allowed).
    pub fn new(url: impl Into<String>) -> Self {
        AutoRequest {
            url: url.into(),
            method: None,
            headers: Vec::new(),
            data: None,
            validate: None,
            return_session: None,
            force_proxy: None,
            timeout: None,
            ignore_proxies: Vec::new(),
            follow_redirects: None,
            exit_class: None,
            options: CallOptions::default(),
        }
    }

    crate::macros::call_option_setters!();

    /// `method`: FourA's default is `GET`.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Adds a header sent to the target (`[name, value]` pairs in this order).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    crate::macros::setters! {
        /// `data`: a request body sent to the target as-is.
        body(body: impl Into<String>) => data = Some(RequestData::Text(body.into()));

        /// `data`: a JSON request body.
        json_body(body: Value) => data = Some(RequestData::Json(body));

        /// `validate`: what counts as the real page, checked on every rung.
        validate(rules: Validate) => validate = Some(rules);

        /// `returnSession`: return the winning proxy, cookies and User-Agent.
        /// FourA's default: `true`.
        return_session(on: bool) => return_session = Some(on);

        /// `forceProxy`: skip the direct-egress rungs. FourA's default: `true`.
        force_proxy(on: bool) => force_proxy = Some(on);

        /// `timeout_ms`: the total budget shared across rungs, 5 000–180 000 ms.
        /// FourA's default: 120 000 ms.
        timeout(timeout: Duration) => timeout = Some(timeout);
    }

    crate::macros::ignore_proxies_setter! {
        /// `ignoreProxies`: exits (proxy ids or URLs) no rung may use.
    }

    crate::macros::setters! {
        /// `followRedirects`: hops to follow on the HTTP rungs, 0–20. FourA's default: 5.
        follow_redirects(hops: u8) => follow_redirects = Some(hops);

        /// `exitClass`: allow (`Premium`) or forbid (`Standard`) premium exits.
        exit_class(class: ExitClass) => exit_class = Some(class);
    }

    /// The request as [`Client::auto`] sends it (and [`Client::preview`] shows it),
    /// checked first.
    pub(crate) fn to_call<'c>(&self, client: &'c Client) -> Result<Call<'c>, Error> {
        self.check()?;
        engine_post(
            client.auto_path(),
            self.to_wire(),
            self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            self.options,
        )
    }

    fn check(&self) -> Result<(), Error> {
        crate::wire::check_target_url("url", &self.url)?;
        if let Some(method) = &self.method {
            check_method(method)?;
        }
        check_headers("headers", &self.headers)?;
        if let Some(rules) = &self.validate {
            rules.check("validate")?;
        }
        if let Some(t) = self.timeout {
            check_ms("timeout_ms", t, 5_000, 180_000)?;
        }
        check_proxy_ids("ignoreProxies", &self.ignore_proxies)?;
        if self.follow_redirects.is_some_and(|h| h > 20) {
            return Err(Error::invalid_request(
                "followRedirects",
                "must be between 0 and 20",
            ));
        }
        Ok(())
    }

    fn to_wire(&self) -> WireAuto<'_> {
        WireAuto {
            data: self.data.as_ref(),
            exit_class: self.exit_class,
            follow_redirects: self.follow_redirects,
            force_proxy: self.force_proxy,
            headers: &self.headers,
            ignore_proxies: &self.ignore_proxies,
            method: self.method.as_deref(),
            return_session: self.return_session,
            timeout_ms: self.timeout.map(millis),
            url: &self.url,
            validate: Validate::wire_field(&self.validate),
        }
    }
}

/// The auto engine's body, in `fouradata/mcp` `src/tools/auto.ts`'s wire names. Fields are in
/// the order of their wire names, the order the body has always been sent in.
#[derive(Serialize)]
struct WireAuto<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a RequestData>,
    #[serde(rename = "exitClass", skip_serializing_if = "Option::is_none")]
    exit_class: Option<ExitClass>,
    #[serde(rename = "followRedirects", skip_serializing_if = "Option::is_none")]
    follow_redirects: Option<u8>,
    #[serde(rename = "forceProxy", skip_serializing_if = "Option::is_none")]
    force_proxy: Option<bool>,
    /// `[name, value]` pairs, in the order set.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    headers: &'a [(String, String)],
    #[serde(rename = "ignoreProxies", skip_serializing_if = "<[_]>::is_empty")]
    ignore_proxies: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
    #[serde(rename = "returnSession", skip_serializing_if = "Option::is_none")]
    return_session: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    validate: Option<WireValidate<'a>>,
}

/// The rung of the engine ladder that delivered (`meta.rung`). The set is open.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rung {
    /// The cheap direct probe.
    Probe,
    /// Single through a rotated proxy.
    Proxy,
    /// A browser (with JS and a challenge solver).
    Browser,
    /// A saved session for this host was reused.
    Cache,
    /// Nothing delivered.
    Fail,
    /// A rung this crate does not know, as sent.
    Other(String),
}

impl Rung {
    fn from_wire(s: String) -> Rung {
        match s.as_str() {
            "probe" => Rung::Probe,
            "proxy" => Rung::Proxy,
            "browser" => Rung::Browser,
            "cache" => Rung::Cache,
            "fail" => Rung::Fail,
            _ => Rung::Other(s),
        }
    }
}

/// How the ladder ran (the body's `meta` object; an open object, unknown keys in `extra`).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct AutoLadder {
    /// The rung that delivered.
    pub rung: Option<Rung>,
    /// Whether a defense was actively solved.
    pub solved: Option<bool>,
    /// Attempts made across rungs.
    pub attempts: Option<u64>,
    /// Credits used across attempts (only successful sub-calls are billed).
    pub credits: Option<f64>,
    /// Which exit class served.
    pub exit_class: Option<String>,
    /// Every other key, as sent.
    pub extra: Map<String, Value>,
}

/// The winning session (`session`), to reuse with the single or browser engine.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct AutoSession {
    /// The exit's proxy id.
    pub proxy: Option<String>,
    /// The session's cookies.
    pub cookies: Vec<Cookie>,
    /// The User-Agent presented.
    pub user_agent: Option<String>,
    /// Every other key, as sent.
    pub extra: Map<String, Value>,
}

/// What the auto engine delivered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AutoResponse {
    /// The target's status from the delivering rung (a non-2xx one passed your `validate`).
    pub status: u16,
    /// The target's response headers.
    pub headers: ResponseHeaders,
    /// How the ladder ran.
    pub ladder: AutoLadder,
    /// The winning session, unless `returnSession` was `false`.
    pub session: Option<AutoSession>,
    /// `exitClass`, when the request named one.
    pub exit_class: Option<String>,
    /// Every field this crate does not model, as sent.
    pub extra: Map<String, Value>,
    content: Content,
    meta: Meta,
}

impl AutoLadder {
    fn from_fields(mut m: Fields) -> Self {
        AutoLadder {
            rung: m.string("rung").map(Rung::from_wire),
            solved: m.boolean("solved"),
            attempts: m.number("attempts").filter(|n| *n >= 0.0).map(|n| n as u64),
            credits: m.number("credits"),
            exit_class: m.string("exitClass"),
            extra: m.0,
        }
    }
}

impl AutoSession {
    fn from_fields(mut s: Fields) -> Self {
        AutoSession {
            proxy: s.string("proxy"),
            cookies: Cookie::list_from_wire(s.take("cookies")),
            user_agent: s.string("userAgent"),
            extra: s.0,
        }
    }
}

crate::macros::engine_response!(AutoResponse, body = "data", |f| {
    ladder: f.object("meta").map(|m| AutoLadder::from_fields(Fields(m))).unwrap_or_default(),
    session: f.object("session").map(|s| AutoSession::from_fields(Fields(s))),
});

impl Client {
    /// Fetches a page with the cheapest engine that delivers it: `POST /api/auto` (see
    /// [`ClientBuilder::auto_path`](crate::ClientBuilder::auto_path)) with `X-API-Key`.
    ///
    /// The call waits for the request's `timeout_ms` (FourA's default 120 s) plus 15 s,
    /// unless the client has a timeout of its own.
    ///
    /// ```no_run
    /// use foura::{AutoRequest, Client, Validate};
    ///
    /// let client = Client::from_env()?;
    /// let page = client.auto(&AutoRequest::new("https://example.com/").validate(Validate::new().data_accept("Add to cart")))?;
    /// println!("{} on rung {:?}", page.status, page.ladder.rung);
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::single`]; a budget spent without a valid page is
    /// [`ErrorKind::EngineFailed`](crate::ErrorKind::EngineFailed).
    pub fn auto(&self, request: &AutoRequest) -> Result<AutoResponse, Error> {
        self.engine_call("auto", &request.to_call(self)?, AutoResponse::from_fields)
    }
}

/// Requests from FourA's JSON, their JSON, and their id.
impl AutoRequest {
    /// Builds a request from an auto-engine body in FourA's wire format — exactly what
    /// [`to_json`](Self::to_json) gives and `POST /api/auto` takes, e.g.
    /// `{"url":"https://example.com/","validate":{"data":{"accept":["Add to cart"]}},"returnSession":false}`
    /// — through the setters, so it is checked as [`Client::auto`] checks a request.
    ///
    /// ```
    /// use foura::{AutoRequest, Validate};
    ///
    /// let request = AutoRequest::from_json_str(
    ///     r#"{"url":"https://example.com/","validate":{"data":{"accept":["Add to cart"]}}}"#,
    /// )?;
    /// assert_eq!(request, AutoRequest::new("https://example.com/").validate(Validate::new().data_accept("Add to cart")));
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming the field: a
    /// field this request does not have, a field of the wrong type, a missing `url`, or any
    /// value [`Client::auto`] would refuse.
    pub fn from_json(value: &Value) -> Result<AutoRequest, Error> {
        let mut obj = crate::from_json::JsonObject::new(value, "body", String::new())?;
        let url = obj.string("url")?;
        let mut r = AutoRequest::new(obj.required("url", url)?);
        if let Some(method) = obj.string("method")? {
            r = r.method(method);
        }
        for (name, value) in obj.pairs("headers")?.unwrap_or_default() {
            r = r.header(name, value);
        }
        r = match obj.any("data") {
            Some(Value::String(text)) => r.body(text.as_str()),
            Some(json) => r.json_body(json.clone()),
            None => r,
        };
        if let Some(rules) = obj.object("validate")? {
            r = r.validate(Validate::from_json_object(rules)?);
        }
        crate::from_json::read_into!(obj, r, {
            boolean("returnSession") => return_session,
            boolean("forceProxy") => force_proxy,
            millis("timeout_ms") => timeout,
            strings("ignoreProxies") => ignore_proxies,
            small("followRedirects", "must be between 0 and 20") => follow_redirects,
            exit_class("exitClass") => exit_class,
        });
        obj.finish()?;
        r.check()?;
        Ok(r)
    }

    crate::macros::request_json!(
        crate::request_id::ENGINES_API,
        crate::defaults::DEFAULT_AUTO_PATH,
        to_json
    );
}
