//! The engine API FourA's own tools call today: `POST /api/single/`, `/api/proxy/`,
//! `/api/browser/` and `/api/auto`, authenticated with `X-API-Key` (foura-api.md §3–§6).
//!
//! Each engine has a request builder named after it ([`SingleRequest`], [`ProxyRequest`],
//! [`BrowserRequest`], [`AutoRequest`]) and a response type ([`SingleResponse`], …). Setters
//! never fail; the client checks the whole request before sending and refuses it with
//! [`ErrorKind::InvalidRequest`] naming the wire field. Unset fields are not sent.
//!
//! # The failure model
//!
//! - **FourA could not deliver**: the engine ran, but the target timed out, no proxy matched,
//!   or `validate` rejected every attempt. FourA answers `200` with an `error`; this is
//!   [`ErrorKind::EngineFailed`], keeping the target status, `code`, `details`,
//!   `attemptReport` and the echoed request.
//! - **The target answered non-2xx**: that is a *success* — the response's `status` is the
//!   target's (e.g. `403` from a site that blocks you). It is never confused with FourA's own
//!   `403`.
//! - **FourA refused the call**: a transport status (`400`, `401`, `429`, `503`, …), or a plan
//!   limit ([`ErrorKind::PlanLimit`], whatever the status).
//!
//! Every response and every error carries [`Meta`]: the request id, the credits used
//! (`X-FourA-Credits`, sent on failures too, though only successes are billed) and the exit class.

mod auto;
mod browser;
mod proxy;
mod public;
mod single;

use std::borrow::Cow;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use auto::{AutoLadder, AutoRequest, AutoResponse, AutoSession, Rung};
pub use browser::{BrowserRequest, BrowserResponse, Cookie};
pub use proxy::{ProxyRequest, ProxyResponse};
pub use public::{
    ProfileCatalogue, ServiceStatus, StatusService, service_status, service_status_at,
};
pub use single::{SingleRequest, SingleResponse};

use crate::call::{Api, CallOptions, Reply, decode_error};
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::meta::Meta;
pub(crate) use crate::wire::{Fields, check_method, lenient_number};

/// The longest server-side timeout FourA documents for `timeout_ms` (single, proxy, browser).
pub(crate) const MAX_TIMEOUT_MS: u64 = 120_000;

/// Which exit class a proxied request may use (`exitClass`, foura-api.md §3.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExitClass {
    /// Standard exits only: never escalate to a premium exit.
    Standard,
    /// Premium exits allowed when the standard pool cannot deliver (needs a plan with them).
    Premium,
}

impl ExitClass {
    fn as_str(self) -> &'static str {
        match self {
            ExitClass::Standard => "standard",
            ExitClass::Premium => "premium",
        }
    }
}

/// Rules that decide whether a response counts as a success (`validate`, foura-api.md §3.3.2),
/// for single, proxy (per attempt) and auto (per rung).
///
/// ```
/// use foura::Validate;
///
/// let rules = Validate::new()
///     .status_accept([200, 403])
///     .data_accept("Add to cart")
///     .data_fail("captcha")
///     .header_accept("content-type", "html");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validate {
    status_accept: Vec<u16>,
    status_fail: Vec<u16>,
    headers_accept: Vec<(String, String)>,
    headers_fail: Vec<(String, String)>,
    data_accept: Vec<String>,
    data_fail: Vec<String>,
}

impl Validate {
    /// No rules yet.
    pub fn new() -> Self {
        Validate::default()
    }

    /// `status.accept`: target statuses that count as success (added to any already set).
    pub fn status_accept(mut self, codes: impl IntoIterator<Item = u16>) -> Self {
        self.status_accept.extend(codes);
        self
    }

    /// `status.fail`: target statuses that count as failure.
    pub fn status_fail(mut self, codes: impl IntoIterator<Item = u16>) -> Self {
        self.status_fail.extend(codes);
        self
    }

    /// `headers.accept`: passes when a response header's name contains `name` and its value
    /// contains `value` (both case-insensitive), on any redirect hop.
    pub fn header_accept(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers_accept.push((name.into(), value.into()));
        self
    }

    /// `headers.fail`: fails when a response header matches (as in `header_accept`).
    pub fn header_fail(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers_fail.push((name.into(), value.into()));
        self
    }

    /// `data.accept`: a substring the body must contain (case-sensitive). Use a marker unique
    /// to the real page, so a challenge page served with `200` is not taken for it.
    pub fn data_accept(mut self, text: impl Into<String>) -> Self {
        self.data_accept.push(text.into());
        self
    }

    /// `data.fail`: a substring the body must not contain (case-sensitive), e.g. `captcha`.
    pub fn data_fail(mut self, text: impl Into<String>) -> Self {
        self.data_fail.push(text.into());
        self
    }

    fn is_empty(&self) -> bool {
        *self == Validate::default()
    }

    fn check(&self, field: &str) -> Result<(), Error> {
        for code in self.status_accept.iter().chain(&self.status_fail) {
            if !(100..=599).contains(code) {
                return Err(Error::invalid_request(
                    field,
                    format_args!("has status {code}, not an HTTP status (100–599)"),
                ));
            }
        }
        let empty_pair = self
            .headers_accept
            .iter()
            .chain(&self.headers_fail)
            .any(|(n, _)| n.is_empty());
        if empty_pair {
            return Err(Error::invalid_request(
                field,
                "has a header rule with an empty name",
            ));
        }
        if self
            .data_accept
            .iter()
            .chain(&self.data_fail)
            .any(String::is_empty)
        {
            return Err(Error::invalid_request(field, "has an empty data rule"));
        }
        Ok(())
    }

    fn to_wire(&self) -> Value {
        let mut out = Map::new();
        let pair = |accept: Value, fail: Value, accept_empty: bool, fail_empty: bool| {
            let mut m = Map::new();
            if !accept_empty {
                m.insert("accept".into(), accept);
            }
            if !fail_empty {
                m.insert("fail".into(), fail);
            }
            m
        };
        let headers = |rules: &[(String, String)]| {
            Value::Object(
                rules
                    .iter()
                    .map(|(n, v)| (n.clone(), Value::from(v.as_str())))
                    .collect(),
            )
        };
        let status = pair(
            json!(self.status_accept),
            json!(self.status_fail),
            self.status_accept.is_empty(),
            self.status_fail.is_empty(),
        );
        let hdrs = pair(
            headers(&self.headers_accept),
            headers(&self.headers_fail),
            self.headers_accept.is_empty(),
            self.headers_fail.is_empty(),
        );
        let data = pair(
            json!(self.data_accept),
            json!(self.data_fail),
            self.data_accept.is_empty(),
            self.data_fail.is_empty(),
        );
        for (name, m) in [("status", status), ("headers", hdrs), ("data", data)] {
            if !m.is_empty() {
                out.insert(name.into(), Value::Object(m));
            }
        }
        Value::Object(out)
    }
}

/// A response body as FourA returns it: text, a JSON value (when FourA parsed a JSON page),
/// or bytes (a Node `Buffer`, from `returnBuffer`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Content {
    /// No body.
    Empty,
    /// The body as text.
    Text(String),
    /// A JSON body FourA parsed (`tryJsonData`, or a JSON page in the browser).
    Json(Value),
    /// Raw bytes (`{"type":"Buffer","data":[…]}` on the wire).
    Bytes(Vec<u8>),
}

impl Content {
    pub(crate) fn from_wire(value: Option<Value>) -> Content {
        match value {
            None | Some(Value::Null) => Content::Empty,
            Some(Value::String(s)) => Content::Text(s),
            Some(Value::Object(map))
                if map.get("type").and_then(Value::as_str) == Some("Buffer") =>
            {
                let bytes: Option<Vec<u8>> =
                    map.get("data").and_then(Value::as_array).and_then(|items| {
                        items
                            .iter()
                            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                            .collect()
                    });
                match bytes {
                    Some(bytes) => Content::Bytes(bytes),
                    None => Content::Json(Value::Object(map)),
                }
            }
            Some(other) => Content::Json(other),
        }
    }

    /// The body as text: the text, or bytes that are valid UTF-8. `None` for a JSON value
    /// (see [`Content::json`]) or bytes that are not UTF-8.
    pub fn text(&self) -> Option<&str> {
        match self {
            Content::Text(s) => Some(s),
            Content::Bytes(b) => std::str::from_utf8(b).ok(),
            Content::Empty => Some(""),
            Content::Json(_) => None,
        }
    }

    /// The body as bytes (a JSON value is serialised).
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        match self {
            Content::Text(s) => Cow::Borrowed(s.as_bytes()),
            Content::Bytes(b) => Cow::Borrowed(b),
            Content::Empty => Cow::Borrowed(&[]),
            Content::Json(v) => Cow::Owned(v.to_string().into_bytes()),
        }
    }

    /// The body as JSON: the value FourA parsed, or text that parses as JSON.
    pub fn json(&self) -> Option<Cow<'_, Value>> {
        match self {
            Content::Json(v) => Some(Cow::Borrowed(v)),
            Content::Text(s) => serde_json::from_str(s).ok().map(Cow::Owned),
            Content::Bytes(b) => serde_json::from_slice(b).ok().map(Cow::Owned),
            Content::Empty => None,
        }
    }
}

/// The status line of one response in a redirect chain (`result`, foura-api.md §3.3.4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusLine {
    /// e.g. `HTTP/2`.
    pub version: Option<String>,
    /// e.g. `301`.
    pub code: Option<u16>,
    /// e.g. `Moved Permanently` (empty on HTTP/2).
    pub reason: Option<String>,
}

/// One response of a redirect chain: its status line and its headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hop {
    /// The status line; `None` when FourA sent none (e.g. on a network failure).
    pub result: Option<StatusLine>,
    /// Headers as sent, each with all its values (`set-cookie` may have several).
    pub headers: Vec<(String, Vec<String>)>,
}

impl Hop {
    /// The first value of a header, ignoring name case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .find_map(|(_, values)| values.first().map(String::as_str))
    }

    /// Every value of a header, ignoring name case.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, values)| values.iter().map(String::as_str))
    }
}

/// The target's response headers, in whichever shape FourA sent them: one [`Hop`] per
/// response of the redirect chain (single, proxy, auto), one hop without a status line (the
/// browser's flat object), or a raw string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseHeaders {
    /// Each response of the redirect chain; the last is the final response.
    pub hops: Vec<Hop>,
    /// The headers as a raw string, when FourA sent them that way.
    pub raw: Option<String>,
}

impl ResponseHeaders {
    pub(crate) fn from_wire(value: Option<Value>) -> ResponseHeaders {
        match value {
            Some(Value::Array(items)) => ResponseHeaders {
                hops: items
                    .into_iter()
                    .filter_map(|item| match item {
                        Value::Object(map) => Some(hop_from(map)),
                        _ => None,
                    })
                    .collect(),
                raw: None,
            },
            Some(Value::Object(map)) => ResponseHeaders {
                hops: vec![hop_from(map)],
                raw: None,
            },
            Some(Value::String(s)) => ResponseHeaders {
                hops: Vec::new(),
                raw: Some(s),
            },
            _ => ResponseHeaders::default(),
        }
    }

    /// The final response's headers.
    pub fn final_hop(&self) -> Option<&Hop> {
        self.hops.last()
    }

    /// The first value of a header of the final response, ignoring name case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.final_hop()?.get(name)
    }
}

fn hop_from(mut map: Map<String, Value>) -> Hop {
    let result = match map.remove("result") {
        Some(Value::Object(r)) => Some(StatusLine {
            version: r.get("version").and_then(Value::as_str).map(str::to_owned),
            code: r
                .get("code")
                .and_then(lenient_number)
                .and_then(|c| u16::try_from(c as u64).ok()),
            reason: r.get("reason").and_then(Value::as_str).map(str::to_owned),
        }),
        _ => None,
    };
    let headers = map
        .into_iter()
        .map(|(name, value)| {
            let values = match value {
                Value::String(s) => vec![s],
                Value::Array(items) => items
                    .into_iter()
                    .map(|i| match i {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect(),
                Value::Null => Vec::new(),
                other => vec![other.to_string()],
            };
            (name, values)
        })
        .collect();
    Hop { result, headers }
}

/// The request parts shared by single's and proxy's inner request and by auto: checks on
/// request headers (`[name, value]` pairs, foura-api.md §3.3.1).
pub(crate) fn check_headers(field: &str, headers: &[(String, String)]) -> Result<(), Error> {
    headers
        .iter()
        .try_for_each(|(n, v)| crate::wire::check_header(field, n, v))
}

pub(crate) fn headers_as_pairs(headers: &[(String, String)]) -> Value {
    Value::Array(headers.iter().map(|(n, v)| json!([n, v])).collect())
}

/// Checks a millisecond timeout against FourA's documented range.
pub(crate) fn check_ms(field: &str, t: Duration, min: u64, max: u64) -> Result<u64, Error> {
    let ms = u64::try_from(t.as_millis()).unwrap_or(u64::MAX);
    if ms < min || ms > max {
        return Err(Error::invalid_request(
            field,
            format_args!("must be between {min} and {max} ms, not {ms} ms"),
        ));
    }
    Ok(ms)
}

/// A request body for the target: text sent as-is, or JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RequestData {
    Text(String),
    Json(Value),
}

impl RequestData {
    pub(crate) fn to_wire(&self) -> Value {
        match self {
            RequestData::Text(s) => Value::from(s.as_str()),
            RequestData::Json(v) => v.clone(),
        }
    }
}

/// Checks base36-or-URL proxy ids in `ignoreProxies`.
pub(crate) fn check_proxy_ids(field: &str, ids: &[String]) -> Result<(), Error> {
    if ids
        .iter()
        .any(|id| id.trim().is_empty() || id.chars().any(char::is_whitespace))
    {
        return Err(Error::invalid_request(
            field,
            "has an empty id or one with whitespace",
        ));
    }
    Ok(())
}

impl Client {
    /// The engine funnel: POSTs `body` to an engine with `X-API-Key`, and turns a 2xx answer
    /// carrying an `error` into [`ErrorKind::EngineFailed`] (foura-api.md §4.2).
    pub(crate) fn engine_call(
        &self,
        engine: &str,
        path: &str,
        body: Value,
        server_timeout: Duration,
        options: CallOptions,
    ) -> Result<(Fields, Meta), Error> {
        let bytes = serde_json::to_vec(&body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("could not encode the request: {e}"),
            )
        })?;
        // Engine calls are billed only on success (https://foura.ai/docs/api/outcomes): safe
        // to retry, so not `creates_task`.
        let call = Api::ENGINES
            .post(path, bytes)
            .server_timeout(Some(server_timeout))
            .options(options);
        let what = call.describe();
        self.call(&call, |reply| {
            decode_engine_reply(engine, &what, reply, self.secret())
        })
    }
}

/// The engine funnel's decoding step: a 2xx answer becomes its fields, or
/// [`ErrorKind::EngineFailed`] when it carries an `error` (foura-api.md §4.2), or
/// [`ErrorKind::Decode`] when it is not a JSON object.
pub(crate) fn decode_engine_reply(
    engine: &str,
    what: &str,
    reply: Reply,
    secret: Option<&str>,
) -> Result<(Fields, Meta), Error> {
    let value: Value = match serde_json::from_slice(&reply.body) {
        Ok(v) => v,
        Err(e) => return Err(decode_error(what, &reply, e, secret)),
    };
    let Value::Object(map) = value else {
        let err = Error::new(
            ErrorKind::Decode,
            format!("the {engine} engine answered with JSON that is not an object"),
        );
        return Err(err
            .with_status(reply.status)
            .with_sent(true)
            .with_meta(reply.meta));
    };
    let failed = map
        .get("error")
        .and_then(Value::as_str)
        .is_some_and(|e| !e.trim().is_empty());
    if failed {
        return Err(Error::engine_failed(
            engine,
            reply.status,
            reply.meta,
            Value::Object(map),
            secret,
        ));
    }
    Ok((Fields(map), reply.meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_shapes() {
        assert_eq!(Content::from_wire(Some(json!("hi"))).text(), Some("hi"));
        let buffer = Content::from_wire(Some(json!({"type": "Buffer", "data": [104, 105]})));
        assert_eq!(buffer, Content::Bytes(b"hi".to_vec()));
        assert_eq!(buffer.text(), Some("hi"));
        let not_bytes = Content::from_wire(Some(json!({"type": "Buffer", "data": [300]})));
        assert!(matches!(not_bytes, Content::Json(_)));
        let parsed = Content::from_wire(Some(json!({"users": [], "next": null})));
        assert_eq!(parsed.text(), None);
        assert_eq!(parsed.json().unwrap()["next"], Value::Null);
        assert_eq!(&*parsed.bytes(), br#"{"next":null,"users":[]}"#);
        assert_eq!(Content::from_wire(None), Content::Empty);
    }

    #[test]
    fn header_shapes() {
        let hops = ResponseHeaders::from_wire(Some(json!([
            {"result": {"version": "HTTP/1.1", "code": 301, "reason": "Moved Permanently"}, "location": "https://e.com/f"},
            {"result": {"version": "HTTP/2", "code": "200", "reason": ""}, "Content-Type": "text/html", "set-cookie": ["a=1", "b=2"]}
        ])));
        assert_eq!(hops.hops.len(), 2);
        assert_eq!(hops.hops[0].result.as_ref().unwrap().code, Some(301));
        assert_eq!(
            hops.final_hop().unwrap().result.as_ref().unwrap().code,
            Some(200)
        );
        assert_eq!(hops.get("content-type"), Some("text/html"));
        assert_eq!(
            hops.final_hop()
                .unwrap()
                .get_all("Set-Cookie")
                .collect::<Vec<_>>(),
            ["a=1", "b=2"]
        );

        let flat =
            ResponseHeaders::from_wire(Some(json!({"content-type": "text/html", "x": ["1", 2]})));
        assert_eq!(flat.hops.len(), 1);
        assert!(flat.hops[0].result.is_none());
        assert_eq!(
            flat.final_hop().unwrap().get_all("x").collect::<Vec<_>>(),
            ["1", "2"]
        );

        let raw = ResponseHeaders::from_wire(Some(json!("HTTP/1.1 200 OK\r\nA: b")));
        assert_eq!(raw.raw.as_deref(), Some("HTTP/1.1 200 OK\r\nA: b"));
        assert_eq!(raw.get("a"), None);

        let failed = ResponseHeaders::from_wire(Some(json!([{"result": []}])));
        assert_eq!(failed.hops[0].result, None);
    }

    #[test]
    fn validate_wire_omits_empty_parts() {
        assert_eq!(Validate::new().to_wire(), json!({}));
        let v = Validate::new()
            .status_accept([200, 403])
            .data_accept("Add to cart")
            .header_fail("server", "cloudflare");
        assert_eq!(
            v.to_wire(),
            json!({"status": {"accept": [200, 403]}, "headers": {"fail": {"server": "cloudflare"}}, "data": {"accept": ["Add to cart"]}})
        );
        assert!(Validate::new().status_fail([42]).check("validate").is_err());
        assert!(Validate::new().data_accept("").check("validate").is_err());
    }
}
