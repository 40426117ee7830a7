//! A FourA emulator on loopback, for testing code that uses this crate without a key or a
//! network (feature `mock`).
//!
//! [`MockServer::start`] runs a real HTTP/1.1 server with keep-alive on `127.0.0.1`, on a port
//! of its own, in background threads; dropping the server stops it. It behaves like both of
//! FourA's APIs as documented — the tasks API (Bearer keys, nested errors, completed tasks kept
//! for listing) and the engine API (`X-API-Key`, flat errors, a deterministic virtual web) —
//! sends `X-Foura-Request-Id` on every response, and records every request it receives, so
//! tests can assert on the wire as well as on results. Scripted [`Fault`]s make the next
//! requests fail in the ways real networks and servers do; [`Refusal`]s and the account
//! switches make the engine API say no the ways FourA's gateway does.
//!
//! ```
//! use foura::mock::{Fault, MockServer};
//! use foura::{ErrorKind, TaskType};
//!
//! let server = MockServer::start();
//! let client = server.client(); // a Client for server.url() with MockServer::TEST_KEY
//!
//! let task = client.submit("https://example.com", TaskType::Single)?;
//! assert_eq!(task.status, foura::TaskStatus::Completed);
//! assert_eq!(server.last_request().unwrap().path, "/api/v1/tasks");
//!
//! server.push_fault(Fault::status(429, r#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Retry after 30 seconds.","status":429,"retryAfter":30}}"#));
//! let err = client.submit("https://example.com", TaskType::Single).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::RateLimited);
//! # Ok::<(), foura::Error>(())
//! ```
//!
//! The emulator reads requests with its own parser and JSON values — never this crate's
//! request or response types — so a serialisation bug in the client is caught, not mirrored.
//! It is stricter than FourA is known to be: it refuses unknown fields, so a client that
//! sends anything undocumented fails its tests.
//!
//! # Routes
//!
//! | Route | Auth | Answers |
//! |---|---|---|
//! | `POST`, `GET /api/v1/tasks` | `Authorization: Bearer <key>` | the tasks API (foura-api.md §2) |
//! | `POST /api/single/` | `X-API-Key: <key>` | one HTTP fetch (§3.4) |
//! | `POST /api/proxy/` | `X-API-Key` | the fetch through rotating exits (§3.5) |
//! | `POST /api/browser/` | `X-API-Key` | a browser session (§3.7) |
//! | `POST /api/auto`, `POST /api/auto/` | `X-API-Key` | the engine ladder (§3.6); both spellings |
//! | `GET /api/profiles` | none | the browser-profile catalogue (§3.3.3) |
//! | `GET /api/v1/status` | none | the updates portal's status API, all operational (§3.12) |
//!
//! Anything else is `404`; a known path with the wrong method is `405` with `Allow`.
//!
//! # The engine API
//!
//! **Keys.** [`MockServer::ENGINE_KEY`] and [`MockServer::TEST_KEY`] (every active key) work;
//! the key goes in `X-API-Key`, exactly. No header (a Bearer header does not count) is
//! `401 {"error":"Missing API key. Include X-API-Key header."}`; an unknown or disabled key, or
//! one with whitespace inside it, is `401 {"error":"Invalid API key"}`. Spaces and tabs around a
//! header value are not part of it in HTTP (RFC 9110 §5.5), so no server can see those.
//!
//! **Requests.** Bodies must be `Content-Type: application/json` objects with only the
//! documented fields, of the documented types and within the documented ranges (`timeout_ms`
//! 0–120000, auto's 5000–180000; `maxTries` 1–90; proxy `timeout_ms` 1–120000;
//! `followRedirects` 0–20; `dns_cache_timeout_sec` 0–240; `exitCountries` non-empty, each
//! `^[A-Z]{2}$`; `exitClass` `standard`/`premium`; headers as `[name, value]` pairs, or a map
//! of strings on browser; `url` an absolute `http(s)` URL). Anything else is
//! `400 {"error":"Invalid request body format","detail":"…"}`, where `detail` (the emulator's
//! own) says what was wrong. A target whose host is a private, loopback or reserved IP literal
//! (or `localhost`) is `400 {"error":"Target <ip> resolves to a private/reserved IP"}`. Every
//! `{ts}` in `url` becomes the current Unix time before anything else looks at it.
//!
//! **Answers.** Successes and engine failures are transport `200` (failures with an `error`
//! string, §4.2), `Content-Type: application/json`, with `X-FourA-Credits` — single `2`, proxy
//! `4`, browser `5`, auto the sum of its rungs (`meta.credits`) — and `X-FourA-Exit-Class` when
//! an exit class applies (proxy or auto asked for one, or single or browser replayed a premium
//! exit id: the emulator's premium ids start with `P`, its standard ones never do). Gateway
//! answers (`4xx`, refusals) carry no credits. Body shapes:
//!
//! - single: `status`, `headers` (one object per redirect hop with `result`, §3.3.4; every
//!   ordinary page sets two cookies, so `set-cookie` is a list), `data`, `total_time` (a number
//!   in seconds), `defense` on a bot check; `returnBuffer` gives `data` as
//!   `{"type":"Buffer","data":[…]}`, `tryJsonData` a parsed value when the body is JSON.
//! - proxy: the same from the winning attempt, but `total_time` is a numeric **string**
//!   (`"0.341"`, §6.9), plus `proxy` (a six-character base36 id), `total` (seconds),
//!   `exitCountry` (the first of `exitCountries`) and `exitClass` when asked for.
//!   `ignoreProxies` is honoured. Rotation stops at `maxTries` or when the attempts have used
//!   up `timeout_ms`; a failed rotation is `{"error":"Download maxTry limit reached","request":…,
//!   "total":…,"attemptReport":{…}}` with the request echoed (`{ts}` resolved, `timeout_ms` and
//!   `maxTries` filled in).
//! - browser: `status`, `userAgent`, flat `headers`, `cookies` (CDP objects: the request's
//!   `cookies` for that host, then the page's), `body` (an object for a JSON page). A
//!   `checkStatus` or `checkText` mismatch is `{"error":…,"status":<actual>}`.
//! - auto: `status`, `headers`, `data` (no `total_time`), `meta` {`rung`, `solved`,
//!   `attempts`, `credits`, `exitClass`?}, `session` {`proxy`?, `cookies`, `userAgent`} unless
//!   `returnSession:false`, `exitClass` when asked for. The ladder is proxy → browser with
//!   `forceProxy` (the default), probe → proxy → browser → browser through a proxy without it;
//!   a rung delivers when its answer passes `validate`, or, without `validate`, when it is not a
//!   bot check. The browser rung's `headers` is the browser's flat object (§6.11), and the
//!   probe has no `session.proxy`. When no rung delivers: `{"error":…,"status":<last target
//!   status>,"attempts":n,"meta":{"rung":"fail",…}}`.
//!
//! `validate` (§3.3.2) is applied by single (a broken rule adds `error` to the envelope), proxy
//! (the attempt fails and is counted in `attemptReport`) and auto (the rung fails): all
//! `status.accept` / none of `status.fail`; one `headers.accept` pair / no `headers.fail` pair,
//! as case-insensitive substrings on any hop; every `data.accept` / no `data.fail` substring,
//! case-sensitive. Without `validate`, any target status is delivered as a success.
//!
//! Profile selection (§3.3.3) on single and proxy checks `profile`/`browser`/`os`/`version`
//! against the catalogue; no match, or `unblocker:false`, is the documented `status: 0` error.
//!
//! # The virtual web
//!
//! Engines fetch from a deterministic virtual web instead of the internet, so every documented
//! shape can be asked for by URL. Special hosts use the reserved `.test` and `.invalid` TLDs.
//!
//! | URL | The target | single | proxy | browser | auto |
//! |---|---|---|---|---|---|
//! | any other `http(s)` URL | `200`, a small HTML page naming the URL, the method and the engine; two cookies | success | success, first exit | success | success on the first rung |
//! | path `/status/<code>` (200–599) | answers `<code>` | success with that `status`, no `error` | the same | the same | the same |
//! | path `/json` | `200`, a JSON document | `data` a string, or an object with `tryJsonData` | the same | `body` an object | `data` a string (an object on the browser rung) |
//! | path `/redirect` | `301` to `/redirected`, then `200` | two hops with `followRedirects` ≥ 1, else the `301` alone | the same | the final page | two hops (auto follows 5 by default) |
//! | host `timeout.test` | never answers | `{"status":0,"headers":[],"data":"","total_time":0,"error":"Operation timed out after <timeout_ms> milliseconds with 0 bytes received"}` | every attempt `noResponse`, each using the inner `timeout_ms` (15000) of the overall budget | `{"error":"Navigation timeout of <timeout_ms> ms exceeded","status":0}` (30000) | fails, `status: 0` |
//! | host `*.invalid` | does not resolve | `{"status":0,"headers":[],"data":"","total_time":null,"error":"Couldn't resolve host name"}` | every attempt `noResponse` | `{"error":"net::ERR_NAME_NOT_RESOLVED at <url>","status":0}` | fails, `status: 0` |
//! | host `failed.test` | breaks the connection | `{"error":"Download failed","status":0}` | every attempt `other` | `{"error":"net::ERR_CONNECTION_RESET at <url>","status":0}` | fails, `status: 0` |
//! | host `blocked.test` | `403` challenge page (`server: cloudflare`, "captcha") | success, `status: 403`, `defense: {"solved":false,"vendor":"cloudflare"}` | every attempt `defense` → `Download maxTry limit reached` | success, `status: 403`, the challenge page | fails after every rung, `status: 403` |
//! | host `challenge.test` | like `blocked.test`, but a browser with `unblocker` (default) solves it | as `blocked.test` | as `blocked.test` | `200`, the real page | delivered by the browser rung, `solved: true` |
//! | host `nested.test` | an ordinary site | success | success **nested**: `{"data":{"status","headers","data"},"total_time","proxy",…,"total"}` | success | success |
//! | host `cached.test` | an ordinary site | success | success | success | `rung: "cache"`, 1 attempt, 2 credits |
//! | proxy `exitCountries` containing `"ZZ"` | — | — | `{"error":"No eligible proxy matches the requested exit countries","request":…,"total":0,"code":"no_eligible_proxy","details":{"exitCountries":[…]}}` | — | — |
//!
//! # Account state
//!
//! [`MockServer::refuse_next`] queues [`Refusal`]s (rate limit, capacity, disabled service,
//! backend down, plan limits) for the next engine calls; [`MockServer::set_service_enabled`]
//! switches an engine off; [`MockServer::set_premium_allowed`] takes premium exits off the
//! plan. A [`Fault`] still overrides everything, on every path.
//!
//! # Faults and load
//!
//! [`Fault`]s script the network and server failures a client must survive: any status and
//! body, malformed JSON, a delay, a stall, a body withheld, dribbled or cut off mid-answer,
//! oversized headers, a redirect, a dropped connection. [`MockServer::push_fault`] queues them
//! for the next requests; [`MockServer::random_faults`] injects them at random (seeded, so a
//! failure can be replayed) for load tests. [`MockServer::fault_counts`] tells which faults
//! answered how many requests, and [`MockServer::in_flight`] /
//! [`MockServer::peak_in_flight`] how many requests were being handled at once.

mod engines;
mod http;
mod tasks;
mod web;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{ApiKey, Client};

/// A request the emulator received.
#[derive(Clone)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target, e.g. `/api/v1/tasks` (with any query string).
    pub path: String,
    /// Headers in the order they arrived, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// A header's value by name, ignoring letter case (the first, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Debug for ReceivedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials are shown redacted, so a failing test's output does not print a key.
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let secret =
                    n.eq_ignore_ascii_case("authorization") || n.eq_ignore_ascii_case("x-api-key");
                (n.as_str(), if secret { "<redacted>" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("ReceivedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("body", &self.body_text())
            .finish()
    }
}

/// A scripted misbehaviour for the next request the emulator receives.
///
/// Queue faults with [`MockServer::push_fault`]; each applies to one request, in order, on
/// any path, after the request has been read and recorded. Requests with no fault queued get
/// the emulator's normal answer, or — after [`MockServer::random_faults`] — a fault drawn at
/// random some of the time.
///
/// ```
/// use std::time::Duration;
/// use foura::mock::Fault;
///
/// let html_500 = Fault::status(500, "<html><body>Internal Server Error</body></html>")
///     .header("Content-Type", "text/html");
/// let slow = Fault::delay(Duration::from_millis(200));
/// let hang = Fault::stall();
/// let away = Fault::redirect(307, "http://127.0.0.1:9/elsewhere");
/// let reset = Fault::drop_connection();
/// let trickle = Fault::dribble(200, r#"{"id":"task_1"}"#, Duration::from_secs(1));
/// let cut = Fault::reset_mid_body(200, r#"{"id":"task_1","status":"completed"}"#, 10);
/// let bloated = Fault::oversized_headers(64 << 10);
/// let broken = Fault::malformed_json();
/// assert_eq!(cut.to_string(), "reset_mid_body 200 after 10 bytes");
/// ```
///
/// # Faults that hold a connection
///
/// [`Fault::stall`] and [`Fault::withhold_body`] keep the connection open without finishing
/// the answer until the client closes it (the emulator notices within about 25 ms) or the
/// server is dropped; [`Fault::dribble`] and [`Fault::delay`] last as long as they were told
/// to. A client with no timeout would wait on them forever, so pair them with a client
/// timeout: every [`Client`] has a finite one (45 s by default), and
/// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout) sets a shorter one. Faults drawn
/// by [`MockServer::random_faults`] are cut off after [`MockServer::RANDOM_HOLD_LIMIT`] in
/// any case.
#[derive(Debug, Clone)]
pub struct Fault {
    action: Action,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
enum Action {
    Respond {
        status: u16,
        body: Vec<u8>,
    },
    Delay(Duration),
    Stall,
    WithholdBody {
        status: u16,
        promised: usize,
        sent: Vec<u8>,
    },
    Drop,
    Dribble {
        status: u16,
        body: Vec<u8>,
        interval: Duration,
    },
    ResetMidBody {
        status: u16,
        body: Vec<u8>,
        sent: usize,
    },
    OversizedHeaders(usize),
}

/// The largest header block [`Fault::oversized_headers`] sends, so that no argument can make
/// the emulator exhaust memory.
const MAX_OVERSIZED_HEADERS: usize = 16 << 20;
/// The size of each padding header [`Fault::oversized_headers`] sends: few enough headers
/// that the size, not their number, is what a client trips on.
const PADDING_HEADER_BYTES: usize = 8 << 10;

impl Fault {
    fn new(action: Action) -> Fault {
        Fault {
            action,
            headers: Vec::new(),
        }
    }

    /// Answer with `status` and `body` (sent as `application/json` unless a `Content-Type`
    /// header is added). The response still carries an `X-Foura-Request-Id`.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Fault {
        Fault::new(Action::Respond {
            status,
            body: body.into(),
        })
    }

    /// Answer with `status` and a JSON body.
    pub fn json(status: u16, body: &Value) -> Fault {
        Fault::status(status, body.to_string())
    }

    /// Answer `200` with JSON cut short, `{"id": "task_1", "status": `, under a correct
    /// `Content-Length`: the exchange is sound, the document is not.
    pub fn malformed_json() -> Fault {
        Fault::status(200, r#"{"id": "task_1", "status": "#)
    }

    /// Wait `delay`, then answer normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault::new(Action::Delay(delay))
    }

    /// Read the request and never answer, holding the connection open until the client
    /// closes it or the server is dropped: what a hung server looks like. See
    /// [Faults that hold a connection](Fault#faults-that-hold-a-connection).
    pub fn stall() -> Fault {
        Fault::new(Action::Stall)
    }

    /// Send the status line and headers promising a body of `promised` bytes, then send only
    /// `sent` and hold the connection open until the client closes it or the server is
    /// dropped: a server that stalls mid-answer.
    pub fn withhold_body(status: u16, promised: usize, sent: impl Into<Vec<u8>>) -> Fault {
        Fault::new(Action::WithholdBody {
            status,
            promised,
            sent: sent.into(),
        })
    }

    /// Send the status line and headers (`Content-Length` for all of `body`, `Content-Type:
    /// application/json` unless a header sets another) at once, then `body` one byte per
    /// `interval`, the first byte after one `interval`: a server that is alive but too slow.
    /// The answer is complete in the end, and the connection stays usable; a client that
    /// gives up earlier ends the fault at the emulator's next write.
    pub fn dribble(status: u16, body: impl Into<Vec<u8>>, interval: Duration) -> Fault {
        Fault::new(Action::Dribble {
            status,
            body: body.into(),
            interval,
        })
    }

    /// Send the status line and headers promising all of `body` (`Content-Length`,
    /// `Content-Type: application/json` unless a header sets another), then only its first
    /// `sent_bytes` bytes, then close the connection: a server or proxy that dies mid-answer.
    /// With `sent_bytes` at least the body's length the answer is whole before the close.
    ///
    /// This is also what a *truncated* body looks like on the wire: without an `SO_LINGER`
    /// reset (which the standard library cannot send) a close mid-body and a truncation are
    /// the same FIN after too few bytes, so there is no separate `truncate` fault.
    pub fn reset_mid_body(status: u16, body: impl Into<Vec<u8>>, sent_bytes: usize) -> Fault {
        Fault::new(Action::ResetMidBody {
            status,
            body: body.into(),
            sent: sent_bytes,
        })
    }

    /// Answer normally, but with padding headers (`X-Foura-Padding-<n>`, 8 KiB each) that
    /// together exceed `bytes` (up to 16 MiB): ureq refuses response heads over 64 KiB by
    /// default, so `Fault::oversized_headers(64 << 10)` trips it.
    pub fn oversized_headers(bytes: usize) -> Fault {
        Fault::new(Action::OversizedHeaders(bytes))
    }

    /// Answer with a redirect to `location` (`status` is 301, 302, 303, 307 or 308).
    pub fn redirect(status: u16, location: &str) -> Fault {
        Fault::status(status, Vec::new()).header("Location", location)
    }

    /// Close the connection without answering.
    pub fn drop_connection() -> Fault {
        Fault::new(Action::Drop)
    }

    /// Adds a response header (for every fault that sends a head: [`Fault::status`],
    /// [`Fault::json`], [`Fault::malformed_json`], [`Fault::redirect`],
    /// [`Fault::withhold_body`], [`Fault::dribble`], [`Fault::reset_mid_body`],
    /// [`Fault::oversized_headers`] and [`Fault::delay`]).
    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A short name for the fault, the key of [`MockServer::fault_counts`]: `status 503`,
/// `delay 200ms`, `stall`, `withhold_body 200`, `dribble 200 every 1s`,
/// `reset_mid_body 200 after 10 bytes`, `drop_connection`, `oversized_headers 65536`.
impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Action::Respond { status, .. } => write!(f, "status {status}"),
            Action::Delay(d) => write!(f, "delay {d:?}"),
            Action::Stall => f.write_str("stall"),
            Action::WithholdBody { status, .. } => write!(f, "withhold_body {status}"),
            Action::Drop => f.write_str("drop_connection"),
            Action::Dribble {
                status, interval, ..
            } => write!(f, "dribble {status} every {interval:?}"),
            Action::ResetMidBody { status, sent, .. } => {
                write!(f, "reset_mid_body {status} after {sent} bytes")
            }
            Action::OversizedHeaders(bytes) => write!(f, "oversized_headers {bytes}"),
        }
    }
}

/// One of FourA's four engines, for scoping [`Refusal`]s and switching services off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Engine {
    /// `POST /api/single/`.
    Single,
    /// `POST /api/proxy/`.
    Proxy,
    /// `POST /api/browser/`.
    Browser,
    /// `POST /api/auto` (and `/api/auto/`).
    Auto,
}

impl Engine {
    /// The name in a refusal's `service` field: `single`, `proxy`, `browser` or `auto`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Single => "single",
            Engine::Proxy => "proxy",
            Engine::Browser => "browser",
            Engine::Auto => "auto",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account-level "no" the emulated gateway gives an engine call, with FourA's exact body
/// and headers (foura-api.md §3.9, §4.1, §4.3).
///
/// Queue them with [`MockServer::refuse_next`]. A refusal is given after the key is checked and
/// before the body is read, so it answers even a malformed request; the call never reaches the
/// "backend" and carries no `X-FourA-Credits`. For any other body, use a [`Fault`].
///
/// ```
/// use foura::mock::{Engine, MockServer, Refusal};
///
/// let server = MockServer::start();
/// server.refuse_next(1, Some(Engine::Proxy), Refusal::AtCapacity);
/// server.refuse_next(2, None, Refusal::PlanLimit("plan_limit_credits".into()));
/// assert_eq!(server.pending_refusals(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `429 {"error":"Rate limit exceeded","status":429,"service":"<engine>","retryAfter":5,
    /// "current":{"concurrency":12,"rpm":3000},"limits":{"maxConcurrency":500,"maxRpm":3000}}`.
    /// No `Retry-After` header (none is documented for it).
    RateLimited,
    /// `503 {"error":"Service at capacity","status":503,"service":"<engine>","retryAfter":2,
    /// "current":{"concurrency":6,"rpm":30},"limits":{"maxConcurrency":5,"maxRpm":60}}`.
    AtCapacity,
    /// `503 {"error":"Service disabled","status":503,"service":"<engine>","retryAfter":60,
    /// "current":{"concurrency":0,"rpm":0},"limits":{"maxConcurrency":0,"maxRpm":0}}` — note
    /// that it carries `current` too. [`MockServer::set_service_enabled`] gives it to every call.
    ServiceDisabled,
    /// `503 {"error":"Backend service unavailable","backend_status":503,
    /// "detail":"<html><body>Service Unavailable</body></html>"}`.
    BackendUnavailable,
    /// A plan limit, named by its `X-FourA-Limit` code (`"plan_limit_credits"`; the bare
    /// `"credits"` works too). Every one carries `X-FourA-Limit`. Documented shapes:
    ///
    /// - `plan_limit_credits`: `429 {"error":"Monthly credits exhausted","reason":"plan_limit_credits",
    ///   "retry_after_seconds":3600,"resets_at":"2026-10-01T00:00:00.000Z"}` and `Retry-After: 3600`;
    /// - `plan_limit_bandwidth`: `429 {"error":"Bandwidth allowance spent"}`, no `reason`: only
    ///   the header names it;
    /// - `plan_limit_premium`: `403 {"error":"Premium exits (the exitClass parameter) are not
    ///   included in your plan (Free).","reason":"plan_limit_premium","documentation":"https://foura.ai/prices"}`.
    ///
    /// Undocumented, made up in the same pattern: `plan_limit_feature` (403, no wait),
    /// `plan_limit_browser_daily` (429, 3600 s), `plan_limit_rate` (429, 60 s),
    /// `plan_limit_concurrency` (429, 5 s) — the waits in `retry_after_seconds` and
    /// `Retry-After` — and any other code (429 `{"error":"Plan limit reached","reason":…}`).
    PlanLimit(String),
}

/// Whether a key the emulator knows may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyState {
    Active,
    Disabled,
}

/// The emulator's state, behind one lock.
pub(crate) struct State {
    pub(crate) keys: HashMap<String, KeyState>,
    faults: VecDeque<Fault>,
    requests: Vec<ReceivedRequest>,
    /// Tasks created, with the key that created them.
    pub(crate) tasks: Vec<(String, Value)>,
    pub(crate) next_task: u64,
    /// Refusals queued for engine calls, each scoped to one engine or (`None`) to any.
    pub(crate) refusals: VecDeque<(Option<Engine>, Refusal)>,
    /// Engines answering `503 Service disabled`.
    pub(crate) disabled_services: Vec<Engine>,
    /// Whether the plan includes premium exits (`exitClass: "premium"`).
    pub(crate) premium_allowed: bool,
    /// Faults drawn for requests with none queued, after [`MockServer::random_faults`].
    random: Option<RandomFaults>,
    /// How many requests each fault answered, by the fault's `Display` name.
    fault_counts: BTreeMap<String, usize>,
}

/// The state of [`MockServer::random_faults`].
struct RandomFaults {
    rng: SplitMix64,
    percent: u8,
    faults: Vec<Fault>,
}

impl RandomFaults {
    /// The fault for the next request without a queued one, if the dice say so.
    fn draw(&mut self) -> Option<Fault> {
        if self.faults.is_empty() || self.percent == 0 {
            return None;
        }
        if self.rng.next() % 100 >= u64::from(self.percent.min(100)) {
            return None;
        }
        let pick = self.rng.next() % self.faults.len() as u64;
        self.faults.get(usize::try_from(pick).ok()?).cloned()
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed PRNG, so that a seed gives
/// the same faults in the same request order without a dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

struct Shared {
    state: Mutex<State>,
    shutdown: AtomicBool,
    accepted: AtomicUsize,
    /// Requests read whose answer has not been sent yet (or whose fault has not ended).
    in_flight: AtomicUsize,
    /// The most requests in flight at once since the start or the last reset.
    peak_in_flight: AtomicUsize,
    request_ids: AtomicU64,
    /// Clones of open connections by number, shut down when the server stops.
    open: Mutex<HashMap<usize, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not take the emulator down with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Waits up to `d` on a connection whose answer is being held back, and says why the
    /// wait ended: early when the client closes the connection or the server stops, so a
    /// held request stops counting as in flight once nobody waits for it.
    fn hold(&self, reader: &mut BufReader<TcpStream>, d: Duration) -> Held {
        let started = Instant::now();
        let held = loop {
            if self.stopping() {
                break Held::Gone;
            }
            let left = d.saturating_sub(started.elapsed());
            if left.is_zero() {
                break Held::Elapsed;
            }
            let poll = left.min(HOLD_POLL).max(Duration::from_millis(1));
            if reader.get_ref().set_read_timeout(Some(poll)).is_err() {
                thread::sleep(poll);
                continue;
            }
            // `fill_buf` keeps what it reads, so bytes a client sends early (a pipelined
            // request) are still there for the next `read_request`.
            match reader.fill_buf() {
                Ok([]) => break Held::Gone,
                Ok(_) => thread::sleep(poll),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => break Held::Gone,
            }
        };
        // The next request on a kept-alive connection is awaited without a timeout.
        let _ = reader.get_ref().set_read_timeout(None);
        held
    }
}

/// How often a held connection checks whether its client is still there.
const HOLD_POLL: Duration = Duration::from_millis(25);

/// Why [`Shared::hold`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// The whole wait passed.
    Elapsed,
    /// The client closed the connection, or the server is stopping.
    Gone,
}

/// Counts one request as in flight from when it was read until [`InFlight::end`] (called as
/// its answer's last bytes are handed to the socket) or, at the latest, until dropped.
struct InFlight<'a> {
    shared: &'a Shared,
    ended: bool,
}

impl<'a> InFlight<'a> {
    fn start(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight {
            shared,
            ended: false,
        }
    }

    fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

/// A FourA emulator on `127.0.0.1`, stopped when dropped. See the [module docs](self).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl MockServer {
    /// A tasks-API key (`fk_live_…`) the emulator accepts. Like every active key, it works on
    /// the engine API too.
    pub const TEST_KEY: &'static str = "fk_live_mock0a1b2c3d4e5f6a7b8c9d";
    /// An engine-API key (`pk_live_…`) the emulator accepts, active from the start. Like every
    /// active key, it works on the tasks API too.
    pub const ENGINE_KEY: &'static str = "pk_live_mock0a1b2c3d4e5f6a7b8c9d";
    /// A key the emulator knows but has disabled: the tasks API answers `403 Forbidden`, the
    /// engine API `401 {"error":"Invalid API key"}`.
    pub const DISABLED_KEY: &'static str = "fk_live_mockdisabled0000000000";

    /// Starts an emulator on a free loopback port.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound; use [`MockServer::try_start`] to handle that.
    pub fn start() -> MockServer {
        MockServer::try_start().expect("the FourA emulator could not bind a loopback port")
    }

    /// Starts an emulator on a free loopback port, or says why it could not.
    ///
    /// # Errors
    ///
    /// The I/O error from binding `127.0.0.1:0` or spawning the accept thread.
    pub fn try_start() -> io::Result<MockServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut keys = HashMap::new();
        keys.insert(MockServer::TEST_KEY.to_owned(), KeyState::Active);
        keys.insert(MockServer::ENGINE_KEY.to_owned(), KeyState::Active);
        keys.insert(MockServer::DISABLED_KEY.to_owned(), KeyState::Disabled);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys,
                faults: VecDeque::new(),
                requests: Vec::new(),
                tasks: Vec::new(),
                next_task: 1,
                refusals: VecDeque::new(),
                disabled_services: Vec::new(),
                premium_allowed: true,
                random: None,
                fault_counts: BTreeMap::new(),
            }),
            shutdown: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
            request_ids: AtomicU64::new(1),
            open: Mutex::new(HashMap::new()),
            workers: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("foura-mock-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(MockServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The base URL to give [`ClientBuilder::base_url`](crate::ClientBuilder::base_url),
    /// e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A [`Client`] for this emulator with [`MockServer::TEST_KEY`], no proxy, and a 10 s
    /// timeout.
    pub fn client(&self) -> Client {
        Client::builder()
            .api_key(ApiKey::new(MockServer::TEST_KEY).expect("the test key is valid"))
            .base_url(self.url())
            .proxy(None)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("the emulator's URL is a valid loopback base URL")
    }

    /// Makes `key` valid (or valid again).
    pub fn add_key(&self, key: &str) {
        self.shared
            .lock()
            .keys
            .insert(key.to_owned(), KeyState::Active);
    }

    /// Makes `key` known but disabled: the tasks API answers `403 Forbidden`, the engine API
    /// `401 {"error":"Invalid API key"}`.
    pub fn disable_key(&self, key: &str) {
        self.shared
            .lock()
            .keys
            .insert(key.to_owned(), KeyState::Disabled);
    }

    /// Queues a fault for the next request that has none.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// Queues the same fault for the next `n` requests.
    pub fn push_faults(&self, n: usize, fault: Fault) {
        let mut state = self.shared.lock();
        state.faults.extend(std::iter::repeat_n(fault, n));
    }

    /// How many queued faults have not been used yet.
    pub fn pending_faults(&self) -> usize {
        self.shared.lock().faults.len()
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().requests.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<ReceivedRequest> {
        self.shared.lock().requests.last().cloned()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// How many TCP connections the emulator has accepted (pool reuse shows as few).
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// How many requests are being handled right now: read, but their answer not yet sent
    /// (or their fault not yet ended).
    ///
    /// A request stops counting as the last bytes of its answer are handed to the socket,
    /// so once a client has its answer the request is no longer counted. A request whose
    /// answer is held back ([`Fault::stall`], [`Fault::withhold_body`], [`Fault::delay`],
    /// [`Fault::dribble`]) counts until the fault ends, the server stops or the client closes
    /// the connection — which the emulator notices within about 25 ms, so a test that checks
    /// `in_flight() == 0` right after a client timed out should poll briefly.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests that were in flight at once (see [`MockServer::in_flight`]) since
    /// the server started or [`MockServer::reset_peak_in_flight`] was called.
    ///
    /// ```
    /// use foura::mock::MockServer;
    ///
    /// let server = MockServer::start();
    /// server.client().submit("https://example.com", foura::TaskType::Single)?;
    /// assert_eq!(server.peak_in_flight(), 1);
    /// server.reset_peak_in_flight();
    /// assert_eq!(server.peak_in_flight(), 0);
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn peak_in_flight(&self) -> usize {
        self.shared.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Starts a new peak: [`MockServer::peak_in_flight`] becomes what is in flight now.
    pub fn reset_peak_in_flight(&self) {
        self.shared
            .peak_in_flight
            .store(self.in_flight(), Ordering::SeqCst);
    }

    /// The longest a fault drawn by [`MockServer::random_faults`] may hold a request: a
    /// [`Fault::stall`], [`Fault::withhold_body`] or [`Fault::dribble`] drawn at random closes
    /// the connection after this long, and a [`Fault::delay`] answers after at most this long.
    pub const RANDOM_HOLD_LIMIT: Duration = Duration::from_secs(10);

    /// From now on, each request with no queued fault gets, with probability
    /// `percent`/100 (`percent` over 100 counts as 100), a fault picked uniformly from
    /// `faults`; the others get the normal answer. Queued faults ([`MockServer::push_fault`])
    /// still come first. Calling it again starts over with the new seed and faults.
    ///
    /// The draws come from a PRNG seeded with `seed`, made in the order requests are
    /// recorded: the same seed and the same request order give the same faults (with many
    /// client threads the order, and so the faults each call meets, varies from run to run).
    /// An empty `faults` or a `percent` of 0 draws nothing.
    ///
    /// A fault that holds a request ([`Fault::stall`], [`Fault::withhold_body`],
    /// [`Fault::dribble`], a long [`Fault::delay`]) is cut off after
    /// [`MockServer::RANDOM_HOLD_LIMIT`], so random faults cannot hang a test forever even
    /// for a client with no timeout. To see such a fault as the client's own
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) rather than a closed connection, give
    /// the client a shorter timeout (e.g. `ClientBuilder::timeout(Duration::from_secs(2))`),
    /// and join test threads with a bound above it.
    ///
    /// ```
    /// use foura::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start();
    /// server.random_faults(7, 100, vec![Fault::status(502, "bad gateway")]);
    /// let client = server.client();
    /// assert!(client.submit("https://example.com", foura::TaskType::Single).is_err());
    /// server.stop_random_faults();
    /// assert!(client.submit("https://example.com", foura::TaskType::Single).is_ok());
    /// assert_eq!(server.fault_counts()["status 502"], 1);
    /// ```
    pub fn random_faults(&self, seed: u64, percent: u8, faults: Vec<Fault>) {
        self.shared.lock().random = Some(RandomFaults {
            rng: SplitMix64(seed),
            percent,
            faults,
        });
    }

    /// Stops [`MockServer::random_faults`]: requests with no queued fault get the normal
    /// answer again.
    pub fn stop_random_faults(&self) {
        self.shared.lock().random = None;
    }

    /// How many requests each fault has answered since the server started, queued and random
    /// ones alike, keyed by the fault's [`Display`](Fault#impl-Display-for-Fault) name
    /// (`"status 503"`, `"drop_connection"`, …). Every request, faulted or not, is also in
    /// [`MockServer::requests`].
    pub fn fault_counts(&self) -> BTreeMap<String, usize> {
        self.shared.lock().fault_counts.clone()
    }

    /// Queues `refusal` for the next `n` engine calls to `engine` (`None`: to any engine).
    ///
    /// A call takes the first queued refusal whose scope matches, after its key has been
    /// accepted and before its body is read; calls with a bad key, to the tasks API or to the
    /// public endpoints take none. Refusals are independent of [`Fault`]s, and a queued fault
    /// answers first.
    pub fn refuse_next(&self, n: usize, engine: Option<Engine>, refusal: Refusal) {
        let mut state = self.shared.lock();
        state
            .refusals
            .extend(std::iter::repeat_n((engine, refusal), n));
    }

    /// How many queued refusals have not been given yet.
    pub fn pending_refusals(&self) -> usize {
        self.shared.lock().refusals.len()
    }

    /// Switches an engine off for the account (`false`): until switched on again, every
    /// authenticated call to it gets [`Refusal::ServiceDisabled`]'s `503`. All are on at start.
    pub fn set_service_enabled(&self, engine: Engine, enabled: bool) {
        let mut state = self.shared.lock();
        state.disabled_services.retain(|&e| e != engine);
        if !enabled {
            state.disabled_services.push(engine);
        }
    }

    /// Whether the plan includes premium exits (default `true`). When `false`, a proxy or auto
    /// call with `"exitClass": "premium"` is refused with `403`, `reason: "plan_limit_premium"`
    /// and `X-FourA-Limit: plan_limit_premium` (foura-api.md §3.3.7, §4.1), after its body
    /// has been validated.
    pub fn set_premium_allowed(&self, allowed: bool) {
        self.shared.lock().premium_allowed = allowed;
    }

    /// The tasks created so far, as the JSON the emulator answered with.
    pub fn tasks(&self) -> Vec<Value> {
        self.shared
            .lock()
            .tasks
            .iter()
            .map(|(_, t)| t.clone())
            .collect()
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url())
            .finish()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the acceptor with a connection of our own, then unblock every open connection.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for (_, stream) in self
            .shared
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers: Vec<_> = self
            .shared
            .workers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        for worker in workers {
            let _ = worker.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = stream else { continue };
        let number = shared.accepted.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            shared
                .open
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(number, clone);
        }
        let conn_shared = Arc::clone(&shared);
        let worker = thread::Builder::new()
            .name("foura-mock-conn".into())
            .spawn(move || {
                serve_connection(stream, &conn_shared);
                conn_shared
                    .open
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&number);
            });
        if let Ok(worker) = worker {
            let mut workers = shared.workers.lock().unwrap_or_else(|p| p.into_inner());
            workers.retain(|w| !w.is_finished());
            workers.push(worker);
        }
    }
}

/// What the router decided to send.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(status: u16, body: &Value) -> Answer {
        Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while !shared.stopping() {
        let request = match http::read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let _ = http::write_response(&mut writer, 400, &[], b"malformed request", true);
                return;
            }
            Err(_) => return,
        };
        let mut in_flight = InFlight::start(shared);
        if shared.stopping() {
            return;
        }
        let close = request.wants_close();
        let request_id = format!(
            "00000000-0000-4000-8000-{:012x}",
            shared.request_ids.fetch_add(1, Ordering::SeqCst)
        );
        // Queued faults first; then, in random mode, a drawn one, whose holds are bounded.
        let fault = {
            let mut state = shared.lock();
            state.requests.push(ReceivedRequest {
                method: request.method.clone(),
                path: request.target.clone(),
                headers: request.headers.clone(),
                body: request.body.clone(),
            });
            let fault = match state.faults.pop_front() {
                Some(fault) => Some((fault, Duration::MAX)),
                None => state
                    .random
                    .as_mut()
                    .and_then(RandomFaults::draw)
                    .map(|fault| (fault, MockServer::RANDOM_HOLD_LIMIT)),
            };
            if let Some((fault, _)) = &fault {
                *state.fault_counts.entry(fault.to_string()).or_default() += 1;
            }
            fault
        };
        let mut extra = vec![("X-Foura-Request-Id".to_owned(), request_id)];
        let answer = match fault {
            None => route(shared, &request),
            Some((Fault { action, headers }, limit)) => {
                extra.extend(headers);
                let default_json = |extra: &mut Vec<(String, String)>| {
                    if !extra
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    {
                        extra.push(("Content-Type".into(), "application/json".into()));
                    }
                };
                match action {
                    Action::Respond { status, body } => {
                        default_json(&mut extra);
                        Answer {
                            status,
                            headers: Vec::new(),
                            body,
                        }
                    }
                    Action::Delay(d) => {
                        if shared.hold(&mut reader, d.min(limit)) == Held::Gone {
                            return;
                        }
                        route(shared, &request)
                    }
                    Action::Stall => {
                        shared.hold(&mut reader, limit);
                        return;
                    }
                    Action::WithholdBody {
                        status,
                        promised,
                        sent,
                    } => {
                        let mut bytes = http::head(status, &extra, promised, false);
                        bytes.extend_from_slice(&sent);
                        if writer
                            .write_all(&bytes)
                            .and_then(|()| writer.flush())
                            .is_ok()
                        {
                            shared.hold(&mut reader, limit);
                        }
                        return;
                    }
                    Action::Drop => {
                        in_flight.end();
                        let _ = writer.shutdown(Shutdown::Both);
                        return;
                    }
                    Action::Dribble {
                        status,
                        body,
                        interval,
                    } => {
                        default_json(&mut extra);
                        let started = Instant::now();
                        let head = http::head(status, &extra, body.len(), close);
                        if writer
                            .write_all(&head)
                            .and_then(|()| writer.flush())
                            .is_err()
                        {
                            return;
                        }
                        for (i, byte) in body.iter().enumerate() {
                            let left = limit.saturating_sub(started.elapsed());
                            if shared.hold(&mut reader, interval.min(left)) == Held::Gone
                                || started.elapsed() >= limit
                            {
                                return;
                            }
                            if i + 1 == body.len() {
                                in_flight.end();
                            }
                            if writer
                                .write_all(&[*byte])
                                .and_then(|()| writer.flush())
                                .is_err()
                            {
                                return;
                            }
                        }
                        in_flight.end();
                        if close {
                            return;
                        }
                        continue;
                    }
                    Action::ResetMidBody { status, body, sent } => {
                        default_json(&mut extra);
                        let mut bytes = http::head(status, &extra, body.len(), false);
                        bytes.extend_from_slice(&body[..sent.min(body.len())]);
                        in_flight.end();
                        let _ = writer.write_all(&bytes).and_then(|()| writer.flush());
                        let _ = writer.shutdown(Shutdown::Both);
                        return;
                    }
                    Action::OversizedHeaders(bytes) => {
                        let bytes = bytes.min(MAX_OVERSIZED_HEADERS);
                        let padding = "a".repeat(PADDING_HEADER_BYTES);
                        for n in 0..=bytes / PADDING_HEADER_BYTES {
                            extra.push((format!("X-Foura-Padding-{n}"), padding.clone()));
                        }
                        route(shared, &request)
                    }
                }
            }
        };
        extra.extend(answer.headers);
        in_flight.end();
        if http::write_response(&mut writer, answer.status, &extra, &answer.body, close).is_err()
            || close
        {
            return;
        }
    }
}

/// The emulator's normal answer to a request.
fn route(shared: &Shared, request: &http::RawRequest) -> Answer {
    let path = request.target.split('?').next().unwrap_or("");
    match path {
        tasks::PATH => tasks::handle(&mut shared.lock(), request),
        engines::PROFILES_PATH => engines::profiles(request),
        engines::STATUS_PATH => engines::status(request),
        _ => match engines::engine_for(path) {
            Some(engine) => engines::handle(shared, engine, request),
            None => tasks::not_found(request),
        },
    }
}
