//! The emulated engine API (Generation B, foura-api.md §3–§4): `POST /api/single/`,
//! `/api/proxy/`, `/api/browser/` and `/api/auto` (with or without the trailing slash) behind
//! `X-API-Key`, plus the public `GET /api/profiles` and `GET /api/v1/status`.
//!
//! Requests are read as `serde_json::Value` against the documented wire names only; answers come
//! from the virtual web in [`super::web`]. Errors are FourA's flat `{"error": …}` bodies (§4.1),
//! engine failures are transport 200 with an `error` string (§4.2), and every engine answer that
//! reached the "backend" carries `X-FourA-Credits` (§3.8).

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::http::RawRequest;
use super::web::{self, Fetch, Fetched, Page, Target, UrlError};
use super::{Answer, Engine, KeyState, Refusal, Shared, State};

pub(crate) const SINGLE_PATH: &str = "/api/single/";
pub(crate) const PROXY_PATH: &str = "/api/proxy/";
pub(crate) const BROWSER_PATH: &str = "/api/browser/";
/// The path FourA's own MCP client calls (§3.6).
pub(crate) const AUTO_PATH: &str = "/api/auto";
/// The path the docs and the benchmark call (§3.6); the emulator takes both.
pub(crate) const AUTO_SLASH_PATH: &str = "/api/auto/";
pub(crate) const PROFILES_PATH: &str = "/api/profiles";
/// The updates portal's status API (§3.12), served here for convenience.
pub(crate) const STATUS_PATH: &str = "/api/v1/status";

/// Credits per call, as observed on 2026-10-01 (§3.10). Auto bills the sum of its rungs.
const SINGLE_CREDITS: u64 = 2;
const PROXY_CREDITS: u64 = 4;
const BROWSER_CREDITS: u64 = 5;

/// The user agent the emulated browser presents by default.
const DEFAULT_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/147.0.0.0 Safari/537.36";

/// The engine a path names, if any.
pub(crate) fn engine_for(path: &str) -> Option<Engine> {
    match path {
        SINGLE_PATH => Some(Engine::Single),
        PROXY_PATH => Some(Engine::Proxy),
        BROWSER_PATH => Some(Engine::Browser),
        AUTO_PATH | AUTO_SLASH_PATH => Some(Engine::Auto),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway: method, auth, account refusals

/// Answers one engine call.
pub(crate) fn handle(shared: &Shared, engine: Engine, request: &RawRequest) -> Answer {
    if request.method != "POST" {
        return method_not_allowed("POST");
    }
    let premium_allowed = {
        let mut state = shared.lock();
        if let Err(answer) = authenticate(&state, request) {
            return answer;
        }
        if let Some(refusal) = take_refusal(&mut state, engine) {
            return refuse(engine, &refusal);
        }
        state.premium_allowed
    };
    let json_type = request.header("content-type").is_some_and(|v| {
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if !json_type {
        return bad_request("Content-Type must be application/json".into());
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
        return bad_request("the body must be a JSON object".into());
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let reply = match engine {
        Engine::Single => single(&body, now),
        Engine::Proxy => proxy(&body, now, premium_allowed),
        Engine::Browser => browser(&body, now),
        Engine::Auto => auto(&body, now, premium_allowed),
    };
    match reply {
        Ok(reply) => {
            let mut answer = Answer::json(200, &Value::Object(reply.body));
            answer
                .headers
                .push(("X-FourA-Credits".into(), reply.credits.to_string()));
            if let Some(class) = reply.exit_class {
                answer
                    .headers
                    .push(("X-FourA-Exit-Class".into(), class.into()));
            }
            answer
        }
        Err(answer) => answer,
    }
}

/// §4.1: `X-API-Key` only, exact; any active key works (tasks keys too). `Authorization` is
/// not looked at, so a Bearer-only request is "missing" a key.
fn authenticate(state: &State, request: &RawRequest) -> Result<(), Answer> {
    let key = request.header("x-api-key").unwrap_or("");
    if key.is_empty() {
        return Err(flat(401, "Missing API key. Include X-API-Key header."));
    }
    // HTTP already strips spaces and tabs around a field value (RFC 9110 §5.5); any other
    // whitespace that survives is part of the key as sent, and no key contains whitespace.
    if key.chars().any(char::is_whitespace) {
        return Err(flat(401, "Invalid API key"));
    }
    match state.keys.get(key) {
        Some(KeyState::Active) => Ok(()),
        Some(KeyState::Disabled) | None => Err(flat(401, "Invalid API key")),
    }
}

/// A disabled service, else the first queued refusal scoped to this engine (or to any).
fn take_refusal(state: &mut State, engine: Engine) -> Option<Refusal> {
    if state.disabled_services.contains(&engine) {
        return Some(Refusal::ServiceDisabled);
    }
    let at = state
        .refusals
        .iter()
        .position(|(scope, _)| scope.is_none_or(|s| s == engine))?;
    state.refusals.remove(at).map(|(_, refusal)| refusal)
}

/// The exact bodies and headers of §3.9, §4.1 and §4.3.
fn refuse(engine: Engine, refusal: &Refusal) -> Answer {
    let service = engine.as_str();
    match refusal {
        Refusal::RateLimited => Answer::json(
            429,
            &json!({
                "error": "Rate limit exceeded", "status": 429, "service": service, "retryAfter": 5,
                "current": { "concurrency": 12, "rpm": 3000 },
                "limits": { "maxConcurrency": 500, "maxRpm": 3000 },
            }),
        ),
        Refusal::AtCapacity => Answer::json(
            503,
            &json!({
                "error": "Service at capacity", "status": 503, "service": service, "retryAfter": 2,
                "current": { "concurrency": 6, "rpm": 30 },
                "limits": { "maxConcurrency": 5, "maxRpm": 60 },
            }),
        ),
        Refusal::ServiceDisabled => Answer::json(
            503,
            &json!({
                "error": "Service disabled", "status": 503, "service": service, "retryAfter": 60,
                "current": { "concurrency": 0, "rpm": 0 },
                "limits": { "maxConcurrency": 0, "maxRpm": 0 },
            }),
        ),
        Refusal::BackendUnavailable => Answer::json(
            503,
            &json!({
                "error": "Backend service unavailable",
                "backend_status": 503,
                "detail": "<html><body>Service Unavailable</body></html>",
            }),
        ),
        Refusal::PlanLimit(code) => plan_limit(code),
    }
}

/// A plan-limit refusal (§4.3) by its code, with or without the `plan_limit_` prefix.
fn plan_limit(code: &str) -> Answer {
    let short = code.strip_prefix("plan_limit_").unwrap_or(code);
    let reason = format!("plan_limit_{short}");
    // Only credits, bandwidth and premium are documented; the rest follow the same pattern:
    // 403 when waiting cannot clear it, 429 with a wait when it can.
    let (status, body, wait): (u16, Value, Option<u64>) = match short {
        "credits" => (
            429,
            json!({
                "error": "Monthly credits exhausted", "reason": reason,
                "retry_after_seconds": 3600, "resets_at": "2026-10-01T00:00:00.000Z",
            }),
            Some(3600),
        ),
        // Documented with no `reason`: only the header names it.
        "bandwidth" => (429, json!({ "error": "Bandwidth allowance spent" }), None),
        "premium" => return premium_refusal(),
        "feature" => (
            403,
            json!({
                "error": "This endpoint is not included in your plan (Free).",
                "reason": reason, "documentation": "https://foura.ai/prices",
            }),
            None,
        ),
        "browser_daily" => (
            429,
            json!({
                "error": "Daily browser allowance spent", "reason": reason,
                "retry_after_seconds": 3600, "resets_at": "2026-10-01T00:00:00.000Z",
            }),
            Some(3600),
        ),
        "rate" => (
            429,
            json!({ "error": "Plan rate limit reached", "reason": reason, "retry_after_seconds": 60 }),
            Some(60),
        ),
        "concurrency" => (
            429,
            json!({
                "error": "Plan concurrency limit reached", "reason": reason,
                "retry_after_seconds": 5,
            }),
            Some(5),
        ),
        _ => (
            429,
            json!({ "error": "Plan limit reached", "reason": reason }),
            None,
        ),
    };
    let mut answer = Answer::json(status, &body);
    answer.headers.push(("X-FourA-Limit".into(), reason));
    if let Some(secs) = wait {
        answer
            .headers
            .push(("Retry-After".into(), secs.to_string()));
    }
    answer
}

/// §4.1: `exitClass` asked for on a plan without premium exits.
fn premium_refusal() -> Answer {
    let mut answer = Answer::json(
        403,
        &json!({
            "error": "Premium exits (the exitClass parameter) are not included in your plan (Free).",
            "reason": "plan_limit_premium",
            "documentation": "https://foura.ai/prices",
        }),
    );
    answer
        .headers
        .push(("X-FourA-Limit".into(), "plan_limit_premium".into()));
    answer
}

fn flat(status: u16, error: &str) -> Answer {
    Answer::json(status, &json!({ "error": error }))
}

/// §4.1's 400, with what was wrong in a separate `detail` field.
fn bad_request(detail: String) -> Answer {
    Answer::json(
        400,
        &json!({ "error": "Invalid request body format", "detail": detail }),
    )
}

fn method_not_allowed(allow: &str) -> Answer {
    let mut answer = flat(405, &format!("Method not allowed; use {allow}"));
    answer.headers.push(("Allow".into(), allow.into()));
    answer
}

/// §3.2: refused before leaving FourA.
fn ssrf(ip: IpAddr) -> Answer {
    flat(
        400,
        &format!("Target {ip} resolves to a private/reserved IP"),
    )
}

// ---------------------------------------------------------------------------------------------
// Public endpoints

/// A browser profile in the public catalogue (§3.3.3). Newest first within each browser.
struct Profile {
    id: &'static str,
    browser: &'static str,
    os: &'static str,
    version: &'static str,
}

const fn profile(
    id: &'static str,
    browser: &'static str,
    os: &'static str,
    version: &'static str,
) -> Profile {
    Profile {
        id,
        browser,
        os,
        version,
    }
}

const DEFAULT_PROFILE: &str = "chrome-147-windows";

const PROFILES: [Profile; 10] = [
    profile("chrome-147-windows", "Chrome", "Windows 10", "147"),
    profile("chrome-147-macos", "Chrome", "macOS Tahoe 26.0", "147"),
    profile("chrome-146-windows", "Chrome", "Windows 10", "146"),
    profile("chrome-146-android", "Chrome", "Android 15", "146"),
    profile("edge-147-windows", "Edge", "Windows 11", "147"),
    profile("safari-18.4-macos", "Safari", "macOS Tahoe 26.0", "18.4"),
    profile("safari-18.4-ios", "Safari", "iOS 18.4", "18.4"),
    profile("firefox-140-windows", "Firefox", "Windows 10", "140"),
    profile("firefox-140-macos", "Firefox", "macOS Tahoe 26.0", "140"),
    profile("tor-14.5-windows", "Tor", "Windows 10", "14.5"),
];

/// `GET /api/profiles`: public, no key.
pub(crate) fn profiles(request: &RawRequest) -> Answer {
    if request.method != "GET" {
        return method_not_allowed("GET");
    }
    let list: Vec<Value> = PROFILES
        .iter()
        .map(|p| json!({ "id": p.id, "browser": p.browser, "os": p.os, "version": p.version }))
        .collect();
    Answer::json(
        200,
        &json!({ "default": DEFAULT_PROFILE, "profiles": list }),
    )
}

/// `GET /api/v1/status`: public, no key; the §3.12 shape, all operational.
pub(crate) fn status(request: &RawRequest) -> Answer {
    if request.method != "GET" {
        return method_not_allowed("GET");
    }
    let now = SystemTime::now();
    let days = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    let date = |d: i64| {
        let (y, m, day) = crate::time::civil_from_days(d);
        format!("{y:04}-{m:02}-{day:02}")
    };
    let daily: Vec<Value> = (0..7)
        .rev()
        .map(|back| {
            json!({
                "date": date(days - back), "status": "operational",
                "major_outage_minutes": 0, "partial_outage_minutes": 0,
                "degraded_minutes": 0, "internal_degraded_minutes": 0,
            })
        })
        .collect();
    Answer::json(
        200,
        &json!({
            "overall": "operational",
            "services": [{
                "slug": "api", "name": "API",
                "description": "The FourA web-data API (emulated)",
                "status": "operational", "daily": daily,
            }],
            "active_incidents": [],
            "recent_incidents": [{
                "id": "inc_mock_0001", "service_slug": "api", "service_name": "API",
                "impact": "minor",
                "started_at": format!("{}T09:00:00Z", date(days - 2)),
                "resolved_at": format!("{}T09:25:00Z", date(days - 2)),
            }],
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// Request validation (§3.3–§3.7)

/// An engine's 200 answer.
struct Reply {
    body: Map<String, Value>,
    credits: u64,
    exit_class: Option<&'static str>,
}

type Checked<T> = Result<T, String>;

/// One JSON object being checked, with the path prefix used in `detail` messages.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'static str,
}

impl<'a> Fields<'a> {
    /// Refuses unknown fields: the emulator is stricter than FourA is known to be (§6.19).
    fn new(map: &'a Map<String, Value>, prefix: &'static str, known: &[&str]) -> Checked<Self> {
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("unknown field '{prefix}{unknown}'"));
        }
        Ok(Fields { map, prefix })
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    fn fail<T>(&self, key: &str, what: &str) -> Checked<T> {
        Err(format!("'{}{key}' must be {what}", self.prefix))
    }

    fn string(&self, key: &str) -> Checked<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => self.fail(key, "a string"),
        }
    }

    fn required_string(&self, key: &str) -> Checked<&'a str> {
        match self.string(key)? {
            Some(s) => Ok(s),
            None => Err(format!("'{}{key}' is required", self.prefix)),
        }
    }

    fn boolean(&self, key: &str) -> Checked<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => self.fail(key, "a boolean"),
        }
    }

    fn integer(&self, key: &str, min: u64, max: u64) -> Checked<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => self.fail(key, &format!("an integer from {min} to {max}")),
            },
        }
    }

    fn strings(&self, key: &str) -> Checked<Option<Vec<&'a str>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                match items.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
                    Some(strings) => Ok(Some(strings)),
                    None => self.fail(key, "an array of strings"),
                }
            }
            Some(_) => self.fail(key, "an array of strings"),
        }
    }

    /// `exitClass` (§3.3.7).
    fn exit_class(&self) -> Checked<Option<&'static str>> {
        match self.string("exitClass")? {
            None => Ok(None),
            Some("standard") => Ok(Some("standard")),
            Some("premium") => Ok(Some("premium")),
            Some(_) => self.fail("exitClass", "\"standard\" or \"premium\""),
        }
    }

    /// The target URL: `{ts}` replaced, absolute http(s). A private address is kept aside and
    /// answered after the rest of the body has been checked.
    fn url(&self, now: u64) -> Checked<Result<Target, IpAddr>> {
        let url = web::resolve_ts(self.required_string("url")?, now);
        match web::parse(&url) {
            Ok(target) => Ok(Ok(target)),
            Err(UrlError::Private(ip)) => Ok(Err(ip)),
            Err(UrlError::Invalid(why)) => Err(format!("'{}url': {why}", self.prefix)),
        }
    }

    /// An HTTP method: any non-empty token (the MCP passes verbs such as `PROPFIND` through).
    fn method(&self, key: &str) -> Checked<Option<&'a str>> {
        let Some(m) = self.string(key)? else {
            return Ok(None);
        };
        let token = !m.is_empty()
            && m.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if token {
            Ok(Some(m))
        } else {
            self.fail(key, "an HTTP method")
        }
    }

    /// §3.3.1: `[[name, value], …]`, each a string, no line breaks.
    fn header_pairs(&self) -> Checked<Vec<(&'a str, &'a str)>> {
        let Some(v) = self.get("headers") else {
            return Ok(Vec::new());
        };
        let what = "an array of [name, value] string pairs";
        let Value::Array(items) = v else {
            return self.fail("headers", what);
        };
        let mut pairs = Vec::with_capacity(items.len());
        for item in items {
            match item.as_array().map(Vec::as_slice) {
                Some([Value::String(n), Value::String(v)]) if header_ok(n, v) => {
                    pairs.push((n.as_str(), v.as_str()));
                }
                _ => return self.fail("headers", what),
            }
        }
        Ok(pairs)
    }

    /// The request body to send on: a string, or an object serialised as JSON.
    fn data(&self) -> Checked<()> {
        match self.get("data") {
            None | Some(Value::String(_) | Value::Object(_)) => Ok(()),
            Some(_) => self.fail("data", "a string or an object"),
        }
    }
}

fn header_ok(name: &str, value: &str) -> bool {
    !name.is_empty() && !name.contains([':', '\r', '\n', ' ']) && !value.contains(['\r', '\n'])
}

/// A base36 exit id as handed out by `/proxy/` (§3.3.6).
fn is_proxy_id(p: &str) -> bool {
    (1..=16).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The emulator's premium exits have ids starting with `P` (standard ones never do).
fn is_premium_id(p: &str) -> bool {
    is_proxy_id(p) && p.starts_with('P')
}

/// `proxy`: a base36 id, or `http(s)://[user:pass@]host:port` / `socks5://host:port`.
fn proxy_value_ok(p: &str) -> bool {
    if is_proxy_id(p) {
        return true;
    }
    let Some((scheme, rest)) = p.split_once("://") else {
        return false;
    };
    let scheme_ok = ["http", "https", "socks4", "socks5", "socks5h"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let Some((host, port)) = host_port.rsplit_once(':') else {
        return false;
    };
    scheme_ok
        && !host.is_empty()
        && !host.contains(['/', '?', '#', '@'])
        && !host.chars().any(|c| c.is_whitespace() || c.is_control())
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// `validate` (§3.3.2).
#[derive(Default)]
struct Validate {
    status_accept: Vec<u64>,
    status_fail: Vec<u64>,
    headers_accept: Vec<(String, String)>,
    headers_fail: Vec<(String, String)>,
    data_accept: Vec<String>,
    data_fail: Vec<String>,
}

/// Which `validate` rule turned a response down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejected {
    Status,
    Headers,
    Data,
}

impl Rejected {
    fn message(self, status: u16) -> String {
        match self {
            Rejected::Status => format!("Response status {status} rejected by validate.status"),
            Rejected::Headers => "Response headers rejected by validate.headers".into(),
            Rejected::Data => "Response body rejected by validate.data".into(),
        }
    }
}

impl Validate {
    fn parse(v: &Value, prefix: &'static str) -> Checked<Validate> {
        let bad = |what: &str| Err(format!("'{prefix}validate{what}' is malformed"));
        let Value::Object(map) = v else {
            return bad("");
        };
        let mut out = Validate::default();
        for (section, rules) in map {
            let Value::Object(rules) = rules else {
                return bad(&format!(".{section}"));
            };
            for (kind, list) in rules {
                if kind != "accept" && kind != "fail" {
                    return Err(format!("unknown field '{prefix}validate.{section}.{kind}'"));
                }
                let accept = kind == "accept";
                let ok = match section.as_str() {
                    "status" => list
                        .as_array()
                        .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<_>>>())
                        .map(|codes| {
                            if accept {
                                out.status_accept = codes;
                            } else {
                                out.status_fail = codes;
                            }
                        }),
                    "headers" => list
                        .as_object()
                        .and_then(|m| {
                            m.iter()
                                .map(|(k, v)| {
                                    Some((k.to_ascii_lowercase(), v.as_str()?.to_ascii_lowercase()))
                                })
                                .collect::<Option<Vec<_>>>()
                        })
                        .map(|pairs| {
                            if accept {
                                out.headers_accept = pairs;
                            } else {
                                out.headers_fail = pairs;
                            }
                        }),
                    "data" => list
                        .as_array()
                        .and_then(|a| {
                            a.iter()
                                .map(|s| s.as_str().map(str::to_owned))
                                .collect::<Option<Vec<_>>>()
                        })
                        .map(|subs| {
                            if accept {
                                out.data_accept = subs;
                            } else {
                                out.data_fail = subs;
                            }
                        }),
                    _ => return Err(format!("unknown field '{prefix}validate.{section}'")),
                };
                if ok.is_none() {
                    return bad(&format!(".{section}.{kind}"));
                }
            }
        }
        Ok(out)
    }

    /// The first rule the page breaks: status, then headers, then data. `data.accept` needs
    /// every substring (case-sensitive); `headers.accept` needs one pair on any hop (§3.3.2).
    fn check(&self, page: &Page) -> Option<Rejected> {
        let status = u64::from(page.status);
        if (!self.status_accept.is_empty() && !self.status_accept.contains(&status))
            || self.status_fail.contains(&status)
        {
            return Some(Rejected::Status);
        }
        let matches = |pairs: &[(String, String)]| {
            pairs.iter().any(|(name, value)| {
                page.hops.iter().filter_map(Value::as_object).any(|hop| {
                    hop.iter().any(|(n, v)| {
                        n != "result"
                            && n.to_ascii_lowercase().contains(name.as_str())
                            && header_values(v)
                                .iter()
                                .any(|s| s.to_ascii_lowercase().contains(value.as_str()))
                    })
                })
            })
        };
        if (!self.headers_accept.is_empty() && !matches(&self.headers_accept))
            || matches(&self.headers_fail)
        {
            return Some(Rejected::Headers);
        }
        let text = page.text();
        if !self.data_accept.iter().all(|s| text.contains(s.as_str()))
            || self.data_fail.iter().any(|s| text.contains(s.as_str()))
        {
            return Some(Rejected::Data);
        }
        None
    }
}

fn header_values(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The request fields single takes, and proxy's inner `request` (without `proxy`).
const HTTP_FIELDS: [&str; 19] = [
    "method",
    "url",
    "headers",
    "unblocker",
    "profile",
    "browser",
    "os",
    "version",
    "data",
    "proxy",
    "timeout_ms",
    "connect_timeout_ms",
    "accept_timeout_ms",
    "server_response_timeout_ms",
    "dns_cache_timeout_sec",
    "followRedirects",
    "tryJsonData",
    "returnBuffer",
    "validate",
];

/// A checked single request (or proxy's inner request).
struct HttpSpec<'a> {
    method: &'a str,
    target: Result<Target, IpAddr>,
    unblocker: Option<bool>,
    profile: Option<&'a str>,
    browser: Option<&'a str>,
    os: Option<&'a str>,
    version: Option<&'a str>,
    proxy: Option<&'a str>,
    timeout_ms: u64,
    follow: u64,
    try_json: bool,
    return_buffer: bool,
    validate: Option<Validate>,
}

impl<'a> HttpSpec<'a> {
    fn parse(map: &'a Map<String, Value>, prefix: &'static str, now: u64) -> Checked<Self> {
        let f = Fields::new(map, prefix, &HTTP_FIELDS)?;
        // Proxy's inner request has no `proxy` (§3.5): the rotation picks the exit.
        if !prefix.is_empty() && map.contains_key("proxy") {
            return Err(format!("unknown field '{prefix}proxy'"));
        }
        let method = f
            .method("method")?
            .ok_or_else(|| format!("'{prefix}method' is required"))?;
        let target = f.url(now)?;
        f.header_pairs()?;
        f.data()?;
        let proxy = f.string("proxy")?;
        if proxy.is_some_and(|p| !proxy_value_ok(p)) {
            return f.fail(
                "proxy",
                "a proxy URL (scheme://host:port) or a base36 exit id",
            );
        }
        // Timeouts: the documented 0–120000 ms for all three stages (§3.4).
        let timeout_ms = f.integer("timeout_ms", 0, 120_000)?.unwrap_or(15_000);
        f.integer("connect_timeout_ms", 0, 120_000)?;
        f.integer("accept_timeout_ms", 0, 120_000)?;
        f.integer("server_response_timeout_ms", 0, 120_000)?;
        f.integer("dns_cache_timeout_sec", 0, 240)?;
        let validate = match f.get("validate") {
            None => None,
            Some(v) => Some(Validate::parse(v, prefix)?),
        };
        Ok(HttpSpec {
            method,
            target,
            unblocker: f.boolean("unblocker")?,
            profile: f.string("profile")?,
            browser: f.string("browser")?,
            os: f.string("os")?,
            version: f.string("version")?,
            proxy,
            timeout_ms,
            follow: f.integer("followRedirects", 0, 20)?.unwrap_or(0),
            try_json: f.boolean("tryJsonData")?.unwrap_or(false),
            return_buffer: f.boolean("returnBuffer")?.unwrap_or(false),
            validate,
        })
    }

    /// §3.3.3: the catalogue entry asked for, `None` for the default, or the error text FourA
    /// answers with (transport 200, `status: 0`).
    fn select_profile(&self) -> Result<Option<&'static Profile>, String> {
        let asked = self.profile.is_some()
            || self.browser.is_some()
            || self.os.is_some()
            || self.version.is_some();
        if !asked {
            return Ok(None);
        }
        if self.unblocker == Some(false) {
            return Err("browser profile selection requires unblocker:true".into());
        }
        if let Some(id) = self.profile {
            return PROFILES
                .iter()
                .find(|p| p.id == id)
                .map(Some)
                .ok_or_else(|| {
                    let ids: Vec<&str> = PROFILES.iter().map(|p| p.id).collect();
                    format!(
                        "no profile matches profile={id}; available: {}",
                        ids.join(", ")
                    )
                });
        }
        let os_matches = |label: &str, asked: &str| {
            label == asked
                || label
                    .strip_prefix(asked)
                    .is_some_and(|rest| rest.starts_with(' '))
        };
        let found = PROFILES.iter().find(|p| {
            self.browser.is_none_or(|b| p.browser == b)
                && self.os.is_none_or(|o| os_matches(p.os, o))
                && self.version.is_none_or(|v| p.version == v)
        });
        found.map(Some).ok_or_else(|| {
            let mut labels: Vec<&str> = Vec::new();
            for p in PROFILES
                .iter()
                .filter(|p| self.browser.is_none_or(|b| p.browser == b))
            {
                if !labels.contains(&p.os) {
                    labels.push(p.os);
                }
            }
            format!(
                "no profile matches browser={} os={} version={}; available for that browser: {}",
                self.browser.unwrap_or("*"),
                self.os.unwrap_or("*"),
                self.version.unwrap_or("*"),
                if labels.is_empty() {
                    "none".to_owned()
                } else {
                    labels.join(", ")
                }
            )
        })
    }

    fn fetch(&self, target: &Target, engine: &str) -> Fetched {
        web::fetch(
            target,
            &Fetch {
                method: self.method,
                follow: self.follow,
                solver: false,
                engine,
            },
        )
    }

    /// `data` as asked: Buffer-JSON, parsed JSON, or text (§3.4).
    fn data(&self, page: &Page) -> Value {
        if self.return_buffer {
            return json!({ "type": "Buffer", "data": page.body });
        }
        if self.try_json {
            if let Ok(parsed) = serde_json::from_slice::<Value>(&page.body) {
                return parsed;
            }
        }
        Value::String(page.text())
    }

    /// The effective timeout a timed-out attempt reports.
    fn timeout(&self) -> u64 {
        if self.timeout_ms == 0 {
            15_000
        } else {
            self.timeout_ms
        }
    }
}

fn target_or_ssrf(target: Result<Target, IpAddr>) -> Result<Target, Answer> {
    target.map_err(ssrf)
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// §3.3.5: the bot check an answer met.
fn defense(page: &Page) -> Option<Value> {
    page.defense
        .map(|vendor| json!({ "solved": false, "vendor": vendor }))
}

// ---------------------------------------------------------------------------------------------
// POST /api/single/ (§3.4)

fn single(body: &Map<String, Value>, now: u64) -> Result<Reply, Answer> {
    let spec = HttpSpec::parse(body, "", now).map_err(bad_request)?;
    let target = target_or_ssrf(spec.target.clone())?;
    // A premium exit id replayed through `proxy` serves the call from a premium exit (§3.4).
    let exit_class = spec.proxy.filter(|p| is_premium_id(p)).map(|_| "premium");
    let mut out = match spec.select_profile() {
        Err(message) => object(json!({
            "status": 0, "headers": [], "data": "", "total_time": null, "error": message,
        })),
        Ok(_) => match spec.fetch(&target, "single") {
            Fetched::Timeout => object(json!({
                "status": 0, "headers": [], "data": "", "total_time": 0,
                "error": format!(
                    "Operation timed out after {} milliseconds with 0 bytes received",
                    spec.timeout()
                ),
            })),
            Fetched::Unresolved => object(json!({
                "status": 0, "headers": [], "data": "", "total_time": null,
                "error": "Couldn't resolve host name",
            })),
            Fetched::Failed => object(json!({ "error": "Download failed", "status": 0 })),
            Fetched::Page(page) => {
                let mut out = object(json!({
                    "status": page.status,
                    "headers": page.hops,
                    "data": spec.data(&page),
                    "total_time": seconds(34 * page.hops.len() as u64),
                }));
                if let Some(d) = defense(&page) {
                    out.insert("defense".into(), d);
                }
                if let Some(rejected) = spec.validate.as_ref().and_then(|v| v.check(&page)) {
                    out.insert("error".into(), rejected.message(page.status).into());
                }
                out
            }
        },
    };
    if let Some(class) = exit_class {
        out.insert("exitClass".into(), class.into());
    }
    Ok(Reply {
        body: out,
        credits: SINGLE_CREDITS,
        exit_class,
    })
}

/// Milliseconds as FourA's float seconds.
fn seconds(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

// ---------------------------------------------------------------------------------------------
// POST /api/proxy/ (§3.5)

const PROXY_FIELDS: [&str; 6] = [
    "request",
    "maxTries",
    "timeout_ms",
    "ignoreProxies",
    "exitCountries",
    "exitClass",
];

/// Time the rotation spends choosing exits before the first attempt, in ms.
const SELECTION_MS: u64 = 280;
/// How long an answering attempt takes, in ms (sent as `total_time`).
const ATTEMPT_MS: u64 = 341;

/// How the failed attempts of a rotation went (`attemptReport`, §3.5).
#[derive(Default)]
struct Report {
    total: u64,
    no_response: u64,
    defense: u64,
    content_rejected: u64,
    status_rejected: u64,
    other: u64,
    /// Whether the overall `timeout_ms` ended the rotation before `maxTries`.
    out_of_time: bool,
}

impl Report {
    fn to_json(&self) -> Value {
        let mut parts = Vec::new();
        if self.no_response > 0 {
            parts.push(format!("{} exit(s) did not answer", self.no_response));
        }
        if self.defense > 0 {
            parts.push(format!(
                "{} met a bot defense ({})",
                self.defense,
                web::VENDOR
            ));
        }
        if self.content_rejected > 0 {
            parts.push(format!(
                "{} returned HTTP 200 with no defense present and were rejected only by your validate.data",
                self.content_rejected
            ));
        }
        if self.status_rejected > 0 {
            parts.push(format!(
                "{} were rejected by your validate.status",
                self.status_rejected
            ));
        }
        if self.other > 0 {
            parts.push(format!("{} failed otherwise", self.other));
        }
        if self.out_of_time {
            parts.push("the overall timeout_ms ran out".to_owned());
        }
        let vendors: Vec<&str> = if self.defense > 0 {
            vec![web::VENDOR]
        } else {
            Vec::new()
        };
        json!({
            "total": self.total,
            "noResponse": self.no_response,
            "defense": self.defense,
            "contentRejected": self.content_rejected,
            "statusRejected": self.status_rejected,
            "other": self.other,
            "vendors": vendors,
            "profilesTried": ["default"],
            "summary": format!("{} attempt(s): {}", self.total, parts.join("; ")),
        })
    }
}

/// Hands out the emulator's deterministic exits for one host, skipping `ignoreProxies`.
struct Exits<'a> {
    seed: String,
    next: u64,
    premium: bool,
    ignore: &'a [&'a str],
}

impl Exits<'_> {
    fn next_id(&mut self) -> String {
        // `ignore` can rule out at most ignore.len() candidates, so this many tries find one
        // (bar a hash collision, when the last candidate is used anyway).
        let mut id = String::new();
        for _ in 0..=self.ignore.len() {
            id = exit_id(&self.seed, self.next, self.premium);
            self.next += 1;
            if !self.ignore.contains(&id.as_str()) {
                break;
            }
        }
        id
    }
}

/// A six-character base36 exit id; premium ids start with `P`, standard ones never do.
fn exit_id(seed: &str, n: u64, premium: bool) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut h = web::fnv1a(format!("{seed}#{n}").as_bytes());
    let mut id: Vec<u8> = (0..6)
        .map(|_| {
            let d = DIGITS[(h % 36) as usize];
            h /= 36;
            d
        })
        .collect();
    if premium {
        id[0] = b'P';
    } else if id[0] == b'P' {
        id[0] = b'Q';
    }
    String::from_utf8_lossy(&id).into_owned()
}

fn proxy(body: &Map<String, Value>, now: u64, premium_allowed: bool) -> Result<Reply, Answer> {
    let f = Fields::new(body, "", &PROXY_FIELDS).map_err(bad_request)?;
    let Some(Value::Object(inner)) = f.get("request") else {
        return Err(bad_request(
            "'request' is required and must be an object".into(),
        ));
    };
    let spec = HttpSpec::parse(inner, "request.", now).map_err(bad_request)?;
    let max_tries = f
        .integer("maxTries", 1, 90)
        .map_err(bad_request)?
        .unwrap_or(5);
    let overall_ms = f
        .integer("timeout_ms", 1, 120_000)
        .map_err(bad_request)?
        .unwrap_or(45_000);
    let ignore = f
        .strings("ignoreProxies")
        .map_err(bad_request)?
        .unwrap_or_default();
    let countries = f.strings("exitCountries").map_err(bad_request)?;
    if let Some(countries) = &countries {
        let ok = !countries.is_empty()
            && countries
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
        if !ok {
            return Err(bad_request(
                "'exitCountries' must be a non-empty array of two-letter uppercase codes".into(),
            ));
        }
    }
    let exit_class = f.exit_class().map_err(bad_request)?;
    let target = target_or_ssrf(spec.target.clone())?;
    if exit_class == Some("premium") && !premium_allowed {
        return Err(premium_refusal());
    }

    // The request as sent, `{ts}` resolved and the rotation's defaults filled in.
    let mut echo = body.clone();
    if let Some(Value::Object(inner)) = echo.get_mut("request") {
        inner.insert("url".into(), target.url.clone().into());
    }
    let reply = |out: Map<String, Value>| Reply {
        body: out,
        credits: PROXY_CREDITS,
        exit_class,
    };

    // No exit matches the country scope: the emulator has none for "ZZ" (§3.5).
    if let Some(countries) = countries.as_ref().filter(|c| c.contains(&"ZZ")) {
        return Ok(reply(object(json!({
            "error": "No eligible proxy matches the requested exit countries",
            "request": echo,
            "total": 0,
            "code": "no_eligible_proxy",
            "details": { "exitCountries": countries },
        }))));
    }
    echo.entry("timeout_ms").or_insert(json!(overall_ms));
    echo.entry("maxTries").or_insert(json!(max_tries));
    if let Err(message) = spec.select_profile() {
        return Ok(reply(object(json!({
            "error": message, "request": echo, "total": 0,
        }))));
    }

    let mut exits = Exits {
        seed: target.host.clone(),
        next: 0,
        premium: exit_class == Some("premium"),
        ignore: &ignore,
    };
    let mut elapsed = SELECTION_MS;
    let mut report = Report::default();
    while report.total < max_tries && elapsed < overall_ms {
        report.total += 1;
        let exit = exits.next_id();
        let remaining = overall_ms - elapsed;
        let page = match spec.fetch(&target, "proxy") {
            Fetched::Timeout => {
                report.no_response += 1;
                elapsed += spec.timeout().min(remaining);
                continue;
            }
            Fetched::Unresolved => {
                report.no_response += 1;
                elapsed += 12;
                continue;
            }
            Fetched::Failed => {
                report.other += 1;
                elapsed += 120;
                continue;
            }
            Fetched::Page(page) => page,
        };
        elapsed += ATTEMPT_MS;
        // With `validate` the rules decide; without it, a bot check fails the attempt.
        let rejected = match &spec.validate {
            Some(v) => v.check(&page),
            None => page.defense.map(|_| Rejected::Data),
        };
        match rejected {
            Some(_) if page.defense.is_some() => report.defense += 1,
            Some(Rejected::Status) => report.status_rejected += 1,
            Some(Rejected::Data) if page.status == 200 => report.content_rejected += 1,
            Some(_) => report.other += 1,
            None => {
                return Ok(reply(proxy_success(
                    &spec,
                    &page,
                    &target,
                    exit,
                    countries.as_deref(),
                    exit_class,
                    elapsed,
                )));
            }
        }
    }
    report.out_of_time = report.total < max_tries;
    Ok(reply(object(json!({
        "error": "Download maxTry limit reached",
        "request": echo,
        "total": seconds(elapsed),
        "attemptReport": report.to_json(),
    }))))
}

fn proxy_success(
    spec: &HttpSpec<'_>,
    page: &Page,
    target: &Target,
    exit: String,
    countries: Option<&[&str]>,
    exit_class: Option<&str>,
    elapsed: u64,
) -> Map<String, Value> {
    let mut fetched = object(json!({
        "status": page.status,
        "headers": page.hops,
        "data": spec.data(page),
    }));
    if let Some(d) = defense(page) {
        fetched.insert("defense".into(), d);
    }
    // §6.9: the proxy engine sends `total_time` as a numeric string.
    let total_time = Value::String(format!("{:.3}", ATTEMPT_MS as f64 / 1000.0));
    let mut out = if target.host == web::NESTED_HOST {
        // §3.5: the shape the benchmark unwraps, the fetch nested under `data`.
        object(json!({ "data": fetched, "total_time": total_time }))
    } else {
        fetched.insert("total_time".into(), total_time);
        fetched
    };
    out.insert("proxy".into(), exit.into());
    if let Some(first) = countries.and_then(|c| c.first()) {
        out.insert("exitCountry".into(), (*first).into());
    }
    if let Some(class) = exit_class {
        out.insert("exitClass".into(), class.into());
    }
    out.insert("total".into(), seconds(elapsed));
    out
}

// ---------------------------------------------------------------------------------------------
// POST /api/browser/ (§3.7)

const BROWSER_FIELDS: [&str; 9] = [
    "url",
    "headers",
    "cookies",
    "userAgent",
    "proxy",
    "timeout_ms",
    "checkStatus",
    "checkText",
    "unblocker",
];

fn browser(body: &Map<String, Value>, now: u64) -> Result<Reply, Answer> {
    let f = Fields::new(body, "", &BROWSER_FIELDS).map_err(bad_request)?;
    let target = f.url(now).map_err(bad_request)?;
    // Browser headers are a map, not pairs (§3.3.1).
    match f.get("headers") {
        None => {}
        Some(Value::Object(map))
            if map
                .iter()
                .all(|(n, v)| v.as_str().is_some_and(|v| header_ok(n, v))) => {}
        Some(_) => {
            return Err(bad_request(
                "'headers' must be an object of string values".into(),
            ));
        }
    }
    let cookies = browser_cookies(f.get("cookies")).map_err(bad_request)?;
    let user_agent = f.string("userAgent").map_err(bad_request)?;
    let proxy = f.string("proxy").map_err(bad_request)?;
    if proxy.is_some_and(|p| !proxy_value_ok(p)) {
        return Err(bad_request(
            "'proxy' must be a proxy URL (scheme://host:port) or a base36 exit id".into(),
        ));
    }
    let timeout_ms = f
        .integer("timeout_ms", 0, 120_000)
        .map_err(bad_request)?
        .unwrap_or(30_000);
    let check_status = f.integer("checkStatus", 100, 599).map_err(bad_request)?;
    let check_text = f.string("checkText").map_err(bad_request)?;
    let unblocker = f.boolean("unblocker").map_err(bad_request)?.unwrap_or(true);
    let target = target_or_ssrf(target)?;

    let exit_class = proxy.filter(|p| is_premium_id(p)).map(|_| "premium");
    let fetched = web::fetch(
        &target,
        &Fetch {
            method: "GET",
            follow: 20,
            solver: unblocker,
            engine: "browser",
        },
    );
    let mut out = match fetched {
        Fetched::Timeout => object(json!({
            "error": format!(
                "Navigation timeout of {} ms exceeded",
                if timeout_ms == 0 { 30_000 } else { timeout_ms }
            ),
            "status": 0,
        })),
        Fetched::Unresolved => object(json!({
            "error": format!("net::ERR_NAME_NOT_RESOLVED at {}", target.url),
            "status": 0,
        })),
        Fetched::Failed => object(json!({
            "error": format!("net::ERR_CONNECTION_RESET at {}", target.url),
            "status": 0,
        })),
        Fetched::Page(page) => {
            let text = page.text();
            if let Some(want) = check_status.filter(|&s| s != u64::from(page.status)) {
                object(json!({
                    "error": format!("checkStatus failed: expected {want}, got {}", page.status),
                    "status": page.status,
                }))
            } else if let Some(want) = check_text.filter(|t| !text.contains(t)) {
                object(json!({
                    "error": format!("checkText failed: \"{want}\" not found on the page"),
                    "status": page.status,
                }))
            } else {
                let body = if page.json {
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                } else {
                    Value::String(text)
                };
                let host = web_host(&page.url).unwrap_or_else(|| target.host.clone());
                let mut jar = cookies
                    .iter()
                    .filter(|(_, _, domain)| domain_matches(domain.unwrap_or(&host), &host))
                    .map(|(n, v, d)| cdp_cookie(n, v, d.unwrap_or(&host), target.https, false))
                    .collect::<Vec<_>>();
                jar.extend(
                    page.cookies()
                        .iter()
                        .map(|(n, v, http_only)| cdp_cookie(n, v, &host, target.https, *http_only)),
                );
                object(json!({
                    "status": page.status,
                    "userAgent": user_agent.unwrap_or(DEFAULT_UA),
                    "headers": page.flat_headers(),
                    "cookies": jar,
                    "body": body,
                }))
            }
        }
    };
    if let Some(class) = exit_class {
        out.insert("exitClass".into(), class.into());
    }
    Ok(Reply {
        body: out,
        credits: BROWSER_CREDITS,
        exit_class,
    })
}

/// `cookies`: `[{name, value, domain?}, …]`. Other keys (a CDP cookie replayed from an auto
/// session, §3.11) are allowed and ignored.
fn browser_cookies(v: Option<&Value>) -> Checked<Vec<(&str, &str, Option<&str>)>> {
    let what = || "'cookies' must be an array of {name, value, domain?} objects".to_owned();
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let items = v.as_array().ok_or_else(what)?;
    items
        .iter()
        .map(|c| {
            let name = c
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty());
            let value = c.get("value").and_then(Value::as_str);
            let domain = match c.get("domain") {
                None => Ok(None),
                Some(Value::String(d)) => Ok(Some(d.as_str())),
                Some(_) => Err(what()),
            };
            match (c.is_object(), name, value, domain) {
                (true, Some(n), Some(v), Ok(d)) => Ok((n, v, d)),
                _ => Err(what()),
            }
        })
        .collect()
}

fn web_host(url: &str) -> Option<String> {
    web::parse(url).ok().map(|t| t.host)
}

fn domain_matches(domain: &str, host: &str) -> bool {
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    host == domain
        || host
            .strip_suffix(domain.as_str())
            .is_some_and(|rest| rest.ends_with('.'))
}

/// A cookie as Chrome DevTools Protocol reports it (§3.7).
fn cdp_cookie(name: &str, value: &str, domain: &str, https: bool, http_only: bool) -> Value {
    json!({
        "name": name,
        "value": value,
        "domain": domain,
        "path": "/",
        "expires": -1,
        "size": name.len() + value.len(),
        "httpOnly": http_only,
        "secure": https,
        "session": true,
        "sameSite": "Lax",
        "priority": "Medium",
        "sameParty": false,
        "sourceScheme": if https { "Secure" } else { "NonSecure" },
        "sourcePort": if https { 443 } else { 80 },
    })
}

// ---------------------------------------------------------------------------------------------
// POST /api/auto (§3.6)

const AUTO_FIELDS: [&str; 11] = [
    "url",
    "method",
    "headers",
    "data",
    "validate",
    "returnSession",
    "forceProxy",
    "timeout_ms",
    "ignoreProxies",
    "followRedirects",
    "exitClass",
];

/// One rung of the ladder (§3.6) and what it costs.
struct Rung {
    name: &'static str,
    browser: bool,
    proxied: bool,
    credits: u64,
}

const PROBE: Rung = Rung {
    name: "probe",
    browser: false,
    proxied: false,
    credits: SINGLE_CREDITS,
};
const PROXY_RUNG: Rung = Rung {
    name: "proxy",
    browser: false,
    proxied: true,
    credits: PROXY_CREDITS,
};
const BROWSER_DIRECT: Rung = Rung {
    name: "browser",
    browser: true,
    proxied: false,
    credits: BROWSER_CREDITS,
};
const BROWSER_PROXIED: Rung = Rung {
    name: "browser",
    browser: true,
    proxied: true,
    credits: BROWSER_CREDITS,
};
/// A saved session reused (`cached.test`).
const CACHE: Rung = Rung {
    name: "cache",
    browser: false,
    proxied: true,
    credits: SINGLE_CREDITS,
};

fn auto(body: &Map<String, Value>, now: u64, premium_allowed: bool) -> Result<Reply, Answer> {
    let f = Fields::new(body, "", &AUTO_FIELDS).map_err(bad_request)?;
    let target = f.url(now).map_err(bad_request)?;
    let method = f.method("method").map_err(bad_request)?.unwrap_or("GET");
    let headers = f.header_pairs().map_err(bad_request)?;
    f.data().map_err(bad_request)?;
    let validate = match f.get("validate") {
        None => None,
        Some(v) => Some(Validate::parse(v, "").map_err(bad_request)?),
    };
    let return_session = f
        .boolean("returnSession")
        .map_err(bad_request)?
        .unwrap_or(true);
    let force_proxy = f
        .boolean("forceProxy")
        .map_err(bad_request)?
        .unwrap_or(true);
    f.integer("timeout_ms", 5_000, 180_000)
        .map_err(bad_request)?;
    let ignore = f
        .strings("ignoreProxies")
        .map_err(bad_request)?
        .unwrap_or_default();
    let follow = f
        .integer("followRedirects", 0, 20)
        .map_err(bad_request)?
        .unwrap_or(5);
    let exit_class = f.exit_class().map_err(bad_request)?;
    let target = target_or_ssrf(target)?;
    if exit_class == Some("premium") && !premium_allowed {
        return Err(premium_refusal());
    }

    let ladder: &[Rung] = if target.host == web::CACHED_HOST {
        &[CACHE]
    } else if force_proxy {
        // `forceProxy` skips the direct-egress rungs.
        &[PROXY_RUNG, BROWSER_PROXIED]
    } else {
        &[PROBE, PROXY_RUNG, BROWSER_DIRECT, BROWSER_PROXIED]
    };
    let mut exits = Exits {
        seed: target.host.clone(),
        next: 0,
        premium: exit_class == Some("premium"),
        ignore: &ignore,
    };
    let user_agent = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
        .map_or(DEFAULT_UA, |(_, v)| v);
    let mut attempts = 0;
    let mut credits = 0;
    let mut last_status = 0;
    for rung in ladder {
        attempts += 1;
        credits += rung.credits;
        let exit = rung.proxied.then(|| exits.next_id());
        let fetched = web::fetch(
            &target,
            &Fetch {
                method,
                follow: if rung.browser { 20 } else { follow },
                solver: rung.browser,
                engine: "auto",
            },
        );
        let Fetched::Page(page) = fetched else {
            continue;
        };
        last_status = page.status;
        let passes = match &validate {
            Some(v) => v.check(&page).is_none(),
            None => page.defense.is_none(),
        };
        if !passes {
            continue;
        }
        let mut meta = object(json!({
            "rung": rung.name, "solved": page.solved, "attempts": attempts, "credits": credits,
        }));
        let mut out = object(json!({
            "status": page.status,
            // The browser rung answers with the browser's flat header object (§6.11).
            "headers": if rung.browser { page.flat_headers() } else { json!(page.hops) },
            "data": if rung.browser && page.json {
                serde_json::from_slice(&page.body).unwrap_or_else(|_| Value::String(page.text()))
            } else {
                Value::String(page.text())
            },
        }));
        if let Some(class) = exit_class {
            meta.insert("exitClass".into(), class.into());
        }
        out.insert("meta".into(), Value::Object(meta));
        if return_session {
            let host = web_host(&page.url).unwrap_or_else(|| target.host.clone());
            let cookies: Vec<Value> = page
                .cookies()
                .iter()
                .map(|(n, v, http_only)| cdp_cookie(n, v, &host, target.https, *http_only))
                .collect();
            let mut session = object(json!({ "cookies": cookies, "userAgent": user_agent }));
            if let Some(exit) = exit {
                session.insert("proxy".into(), exit.into());
            }
            out.insert("session".into(), Value::Object(session));
        }
        if let Some(class) = exit_class {
            out.insert("exitClass".into(), class.into());
        }
        return Ok(Reply {
            body: out,
            credits,
            exit_class,
        });
    }
    let mut meta = object(json!({
        "rung": "fail", "solved": false, "attempts": attempts, "credits": credits,
    }));
    if let Some(class) = exit_class {
        meta.insert("exitClass".into(), class.into());
    }
    Ok(Reply {
        body: object(json!({
            "error": "Content could not be delivered within the budget: every rung failed",
            "status": last_status,
            "attempts": attempts,
            "meta": meta,
        })),
        credits,
        exit_class,
    })
}
