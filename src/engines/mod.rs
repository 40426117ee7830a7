//! The engine API FourA's own tools call today: `POST /api/single/`, `/api/proxy/`,
//! `/api/browser/` and `/api/auto`, authenticated with `X-API-Key` (<https://foura.ai/docs/api/endpoints>, and the
//! request schemas in `fouradata/mcp` `src/tools/{single,proxy,browser,auto}.ts`).
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
mod content;
mod inspect;
mod proxy;
mod public;
mod response_headers;
mod single;
mod validate;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

pub use auto::{AutoLadder, AutoRequest, AutoResponse, AutoSession, Rung};
pub use browser::{BrowserRequest, BrowserResponse, Cookie};
pub use content::Content;
pub use inspect::{
    AnonymityLevel, Confidence, Inspection, ProxyChain, ProxyDetection, ProxyType, inspect,
    inspect_at,
};
pub use proxy::{ProxyRequest, ProxyResponse};
pub use public::{
    ProfileCatalogue, ServiceStatus, StatusService, service_status, service_status_at,
};
pub use response_headers::{Hop, ResponseHeaders, StatusLine};
pub use single::{SingleRequest, SingleResponse};
pub use validate::Validate;

use crate::call::{Api, Call, CallOptions, Reply, decode_error};
use crate::client::Client;
use crate::error::{Error, ErrorKind, sanitize};
use crate::meta::Meta;
use crate::redact::head_text;
pub(crate) use crate::wire::{Fields, check_method, lenient_number};

/// The longest server-side timeout FourA documents for `timeout_ms` (single, proxy, browser).
pub(crate) const MAX_TIMEOUT_MS: u64 = 120_000;

/// Which exit class a proxied request may use (`exitClass`; `fouradata/mcp` `src/tools/proxy.ts`
/// and `src/tools/auto.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExitClass {
    /// Standard exits only: never escalate to a premium exit.
    Standard,
    /// Premium exits allowed when the standard pool cannot deliver (needs a plan with them).
    Premium,
}

/// The request parts shared by single's and proxy's inner request and by auto: checks on
/// request headers (`[name, value]` pairs, https://foura.ai/docs/api/endpoints).
pub(crate) fn check_headers(field: &str, headers: &[(String, String)]) -> Result<(), Error> {
    headers
        .iter()
        .try_for_each(|(n, v)| crate::wire::check_header(field, n, v))
}

/// `(name, value)` pairs sent as a JSON object (the browser's `headers`, `validate`'s header
/// rules): keys sorted, and a repeated name keeps its last value, as these objects have
/// always been sent.
pub(crate) struct SortedObject<'a>(pub(crate) &'a [(String, String)]);

impl Serialize for SortedObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sorted: BTreeMap<&str, &str> = self
            .0
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        sorted.serialize(s)
    }
}

impl SortedObject<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A duration as the whole milliseconds sent in a `…_ms` field.
pub(crate) fn millis(t: Duration) -> u64 {
    t.as_millis() as u64
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

/// A request body for the target (`data`): text sent as-is, or JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum RequestData {
    Text(String),
    Json(Value),
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
    ids.iter()
        .try_for_each(|id| crate::wire::check_header_text(field, id))
}

/// An engine call: `body` POSTed as JSON to the engine at `path`, with `X-API-Key`.
pub(crate) fn engine_post(
    path: &str,
    body: impl Serialize,
    server_timeout: Duration,
    options: CallOptions,
) -> Result<Call<'_>, Error> {
    let bytes = serde_json::to_vec(&body).map_err(|e| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("could not encode the request: {e}"),
        )
    })?;
    // Engine calls are billed only on success (https://foura.ai/docs/api/outcomes): safe to
    // retry, so not `creates_task`.
    Ok(Api::ENGINES
        .post(path, bytes)
        .server_timeout(Some(server_timeout))
        .options(options))
}

impl Client {
    /// The engine funnel: sends an engine call ([`engine_post`]), and turns a 2xx answer
    /// carrying an `error` into [`ErrorKind::EngineFailed`] (as `fouradata/mcp`
    /// `src/tools/single.ts` reads it).
    pub(crate) fn engine_call<R>(
        &self,
        engine: &str,
        call: &Call<'_>,
        response: fn(Fields, Meta) -> R,
    ) -> Result<R, Error> {
        let what = call.describe();
        self.call(call, |reply| {
            decode_engine_reply(engine, &what, reply, self.secret())
        })
        .map(|(fields, meta)| response(fields, meta))
    }
}

/// The engine funnel's decoding step: a 2xx answer becomes its fields, or
/// [`ErrorKind::EngineFailed`] when it carries an `error` (as `fouradata/mcp` reads it), or
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
    // An engine answer reports its fetch's `status` (nested under `data` in some proxy
    // answers); a 2xx without one, and without an `error`, is not an engine answer at all.
    let nested_status = map
        .get("data")
        .and_then(Value::as_object)
        .is_some_and(|d| d.contains_key("status"));
    if !map.contains_key("status") && !nested_status {
        let snippet = sanitize(&head_text(&reply.body, secret), 120);
        let err = Error::new(
            ErrorKind::Decode,
            format!(
                "the {engine} engine answered without a `status` or an `error`, so not with \
                 an engine answer: \"{snippet}\""
            ),
        );
        return Err(err
            .with_status(reply.status)
            .with_sent(true)
            .with_meta(reply.meta));
    }
    Ok((Fields(map), reply.meta))
}
