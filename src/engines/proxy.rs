//! `POST /api/proxy/`: the single request through rotating proxies, with retry
//! (`fouradata/mcp` `src/tools/proxy.ts`).

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use super::engine_post;
use super::single::WireSingle;
use super::{
    Content, ExitClass, Fields, MAX_TIMEOUT_MS, ResponseHeaders, SingleRequest, check_ms,
    check_proxy_ids, millis,
};
use crate::call::{Call, CallOptions};
use crate::client::Client;
use crate::error::Error;
use crate::meta::Meta;

/// FourA's default overall `timeout_ms` for a proxy rotation: 45 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(45);

/// A request for the proxy engine: a [`SingleRequest`] tried through rotating exits.
///
/// ```
/// use foura::{ProxyRequest, SingleRequest, Validate};
///
/// let request = ProxyRequest::new(
///     SingleRequest::get("https://example.com/").validate(Validate::new().data_accept("Add to cart")),
/// )
/// .max_tries(25)
/// .exit_countries(["DE", "fr"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyRequest {
    request: SingleRequest,
    max_tries: Option<u32>,
    timeout: Option<Duration>,
    ignore_proxies: Vec<String>,
    exit_countries: Option<Vec<String>>,
    exit_class: Option<ExitClass>,
    options: CallOptions,
}

impl ProxyRequest {
    /// Rotates exits for `request` (its `timeout` applies to each attempt).
    pub fn new(request: SingleRequest) -> Self {
        ProxyRequest {
            request,
            max_tries: None,
            timeout: None,
            ignore_proxies: Vec::new(),
            exit_countries: None,
            exit_class: None,
            options: CallOptions::default(),
        }
    }

    crate::macros::call_option_setters!();

    crate::macros::setters! {
        /// `maxTries`: exits to try, 1–90. FourA's default: 5; protected sites often need
        /// 25–30.
        max_tries(tries: u32) => max_tries = Some(tries);

        /// `timeout_ms`: the whole rotation, all attempts together. FourA's default: 45 000 ms;
        /// at most 120 000 ms. A short one can end the rotation before `max_tries`.
        timeout(timeout: Duration) => timeout = Some(timeout);
    }

    crate::macros::ignore_proxies_setter! {
        /// `ignoreProxies`: exits (proxy ids or URLs) not to use.
    }

    /// `exitCountries`: two-letter country codes the exit must be in (trimmed, upper-cased
    /// and de-duplicated before sending). A strict allow-list: FourA never falls back to
    /// another country, and answers `no_eligible_proxy` when none matches.
    pub fn exit_countries<I, S>(mut self, countries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let list = self.exit_countries.get_or_insert_with(Vec::new);
        for country in countries {
            let code = country.as_ref().trim().to_ascii_uppercase();
            if !list.contains(&code) {
                list.push(code);
            }
        }
        self
    }

    /// `exitClass`: allow (`Premium`) or forbid (`Standard`) premium exits.
    pub fn exit_class(mut self, class: ExitClass) -> Self {
        self.exit_class = Some(class);
        self
    }

    /// The request as [`Client::proxy`] sends it (and [`Client::preview`] shows it),
    /// checked first.
    pub(crate) fn to_call(&self) -> Result<Call<'static>, Error> {
        self.check()?;
        engine_post(
            "/api/proxy/",
            self.to_wire(),
            self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            self.options,
        )
    }

    fn check(&self) -> Result<(), Error> {
        self.request.check("request.")?;
        if self.request.proxy.is_some() {
            return Err(Error::invalid_request(
                "request.proxy",
                "is not available on the proxy engine (it picks the exits); use ignore_proxies",
            ));
        }
        if let Some(tries) = self.max_tries {
            if !(1..=90).contains(&tries) {
                return Err(Error::invalid_request(
                    "maxTries",
                    "must be between 1 and 90",
                ));
            }
        }
        if let Some(t) = self.timeout {
            check_ms("timeout_ms", t, 1, MAX_TIMEOUT_MS)?;
        }
        check_proxy_ids("ignoreProxies", &self.ignore_proxies)?;
        if let Some(countries) = &self.exit_countries {
            if countries.is_empty() {
                return Err(Error::invalid_request(
                    "exitCountries",
                    "must name at least one country",
                ));
            }
            if let Some(bad) = countries
                .iter()
                .find(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
            {
                return Err(Error::invalid_request(
                    "exitCountries",
                    format_args!(
                        "must be two-letter country codes such as DE, not {:?}",
                        crate::error::sanitize(bad, 20)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn to_wire(&self) -> WireProxy<'_> {
        WireProxy {
            exit_class: self.exit_class,
            exit_countries: self.exit_countries.as_deref(),
            ignore_proxies: &self.ignore_proxies,
            max_tries: self.max_tries,
            request: self.request.to_wire(),
            timeout_ms: self.timeout.map(millis),
        }
    }
}

/// The proxy engine's body, in `fouradata/mcp` `src/tools/proxy.ts`'s wire names. Fields are
/// in the order of their wire names, the order the body has always been sent in.
#[derive(Serialize)]
struct WireProxy<'a> {
    #[serde(rename = "exitClass", skip_serializing_if = "Option::is_none")]
    exit_class: Option<ExitClass>,
    #[serde(rename = "exitCountries", skip_serializing_if = "Option::is_none")]
    exit_countries: Option<&'a [String]>,
    #[serde(rename = "ignoreProxies", skip_serializing_if = "<[_]>::is_empty")]
    ignore_proxies: &'a [String],
    #[serde(rename = "maxTries", skip_serializing_if = "Option::is_none")]
    max_tries: Option<u32>,
    request: WireSingle<'a>,
    /// The whole rotation, all attempts together.
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
}

/// What the proxy engine fetched, through which exit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProxyResponse {
    /// The target's HTTP status from the winning attempt.
    pub status: u16,
    /// The target's response headers, one hop per redirect.
    pub headers: ResponseHeaders,
    /// `total_time`: the winning attempt's duration, in seconds.
    pub total_time: Option<f64>,
    /// `total`: the whole rotation, selection and retries included, in seconds.
    pub total: Option<f64>,
    /// `proxy`: the winning exit's id; pass it to a [`SingleRequest::proxy`] to reuse it.
    pub proxy: Option<String>,
    /// `exitCountry`: the exit's country, when the request named `exitCountries`.
    pub exit_country: Option<String>,
    /// `profile`: the browser family rotation switched to, when it did.
    pub profile: Option<String>,
    /// `exitClass`: which class of exit served.
    pub exit_class: Option<String>,
    /// `defense`: present when the target ran a bot check.
    pub defense: Option<Map<String, Value>>,
    /// Every field this crate does not model, as sent.
    pub extra: Map<String, Value>,
    content: Content,
    meta: Meta,
}

impl ProxyResponse {
    pub(crate) fn from_fields(mut f: Fields, meta: Meta) -> Self {
        // Some answers nest the fetch under `data` (as `fouradata/web-scraping-benchmark`
        // `benchmark.mjs` unwraps them), others are flat (`fouradata/mcp`'s fixtures).
        // A flat answer has its own `status`; only without one is `data` the nested fetch
        // (a JSON page with a `status` key of its own stays the page).
        let nested = match f.0.get("data") {
            Some(Value::Object(inner))
                if inner.contains_key("status") && !f.0.contains_key("status") =>
            {
                f.object("data")
            }
            _ => None,
        };
        // The fetch's fields come from the nested object when there is one (some nested
        // answers keep `total_time` outside it: those move in), else from the answer itself;
        // either way through the same tolerant accessors as single's.
        let mut fetch = nested.map(|inner| {
            let mut inner = Fields(inner);
            for key in ["status", "headers", "data", "total_time", "defense"] {
                if !inner.0.contains_key(key) {
                    if let Some(value) = f.0.remove(key) {
                        inner.0.insert(key.to_owned(), value);
                    }
                }
            }
            inner
        });
        let source = match fetch.as_mut() {
            Some(inner) => inner,
            None => &mut f,
        };
        let status = source.status();
        let headers = ResponseHeaders::from_wire(source.take("headers"));
        let content = Content::from_wire(source.take("data"));
        let total_time = source.number("total_time");
        let defense = source.object("defense");
        // Anything else the nested fetch carried is kept too.
        for (k, v) in fetch.map(|n| n.0).unwrap_or_default() {
            f.0.entry(k).or_insert(v);
        }
        ProxyResponse {
            status,
            headers,
            content,
            total_time,
            defense,
            total: f.number("total"),
            proxy: f.string("proxy"),
            exit_country: f.string("exitCountry"),
            profile: f.string("profile"),
            exit_class: f.string("exitClass").or_else(|| meta.exit_class.clone()),
            extra: f.0,
            meta,
        }
    }

    crate::macros::response_accessors!();
}

impl Client {
    /// Fetches a page through rotating proxies: `POST /api/proxy/` with `X-API-Key`.
    ///
    /// The call waits for the rotation's `timeout_ms` (FourA's default 45 s) plus 15 s,
    /// unless the client has a timeout of its own.
    ///
    /// ```no_run
    /// use foura::{Client, ProxyRequest, SingleRequest};
    ///
    /// let client = Client::from_env()?;
    /// let page = client.proxy(&ProxyRequest::new(SingleRequest::get("https://example.com/")).max_tries(25).exit_countries(["DE", "fr"]))?;
    /// println!("{} via {:?} in {:?}", page.status, page.proxy, page.exit_country);
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::single`]. A rotation that fails on every exit is
    /// [`ErrorKind::EngineFailed`](crate::ErrorKind::EngineFailed) with
    /// [`Error::attempt_report`]; no exit in the countries asked for is code
    /// `no_eligible_proxy`.
    pub fn proxy(&self, request: &ProxyRequest) -> Result<ProxyResponse, Error> {
        self.engine_call("proxy", &request.to_call()?, ProxyResponse::from_fields)
    }
}

/// Requests from FourA's JSON, their JSON, and their id.
impl ProxyRequest {
    /// Builds a request from a proxy-engine body in FourA's wire format — exactly what
    /// [`to_json`](Self::to_json) gives and `POST /api/proxy/` takes, e.g.
    /// `{"request":{"method":"GET","url":"https://example.com/"},"maxTries":25,"exitCountries":["DE"]}`
    /// — through the setters, so it is checked as [`Client::proxy`] checks a request. The
    /// inner `request` is read as [`SingleRequest::from_json`] reads a body, its fields named
    /// `request.…`.
    ///
    /// ```
    /// use foura::ProxyRequest;
    ///
    /// let request = ProxyRequest::from_json_str(
    ///     r#"{"request":{"method":"GET","url":"https://example.com/"},"maxTries":25}"#,
    /// )?;
    /// assert_eq!(request.to_json()["maxTries"], 25);
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming the field: a
    /// field this request does not have, a field of the wrong type, a missing `request` or
    /// `request.url`, or any value [`Client::proxy`] would refuse.
    pub fn from_json(value: &Value) -> Result<ProxyRequest, Error> {
        let mut obj = crate::from_json::JsonObject::new(value, "body", String::new())?;
        let inner = obj.object("request")?;
        let inner = obj.required("request", inner)?;
        let mut r = ProxyRequest::new(SingleRequest::from_json_object(inner)?);
        crate::from_json::read_into!(obj, r, {
            small("maxTries", "must be between 1 and 90") => max_tries,
            millis("timeout_ms") => timeout,
            strings("ignoreProxies") => ignore_proxies,
            strings("exitCountries") => exit_countries,
            exit_class("exitClass") => exit_class,
        });
        obj.finish()?;
        r.check()?;
        Ok(r)
    }

    crate::macros::request_json!(crate::request_id::ENGINES_API, "/api/proxy/", to_json);
}
