//! The emulated engine API (<https://foura.ai/docs/api/endpoints>): `POST /api/single/`,
//! `/api/proxy/`, `/api/browser/` and `/api/auto` (with or without the trailing slash) behind
//! `X-API-Key`. Each engine has its module; this one routes a call through the gateway
//! ([`super::accounts`]) to its engine and turns the engine's reply into an answer.
//!
//! Requests are read as `serde_json::Value` against the documented wire names only; answers come
//! from the virtual web in [`super::web`]. Errors are FourA's flat `{"error": …}` bodies and
//! engine failures are transport 200 with an `error` string (<https://foura.ai/docs/api/errors>),
//! and every engine answer that reached the "backend" carries `X-FourA-Credits`
//! (<https://foura.ai/docs/api/response-headers>).

mod auto;
mod browser;
mod fields;
mod proxy;
mod single;
mod validate;

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::Engine;
use super::accounts::{authenticate, refuse, take_refusal};
use super::http::{Answer, RawRequest};
use super::limits::Admitted;
use super::server::Shared;
use super::web::{Page, Target};

pub(crate) const SINGLE_PATH: &str = "/api/single/";
pub(crate) const PROXY_PATH: &str = "/api/proxy/";
pub(crate) const BROWSER_PATH: &str = "/api/browser/";
/// The path FourA's own MCP client calls (`fouradata/mcp` `src/tools/auto.ts`).
pub(crate) const AUTO_PATH: &str = "/api/auto";
/// The path the docs and the benchmark call (<https://foura.ai/docs/guides/smart-fetch>,
/// `fouradata/web-scraping-benchmark` `benchmark.mjs`); the emulator takes both.
pub(crate) const AUTO_SLASH_PATH: &str = "/api/auto/";

/// Credits per call, as observed on 2026-10-01 (`fouradata/web-scraping-benchmark`
/// `runs/2026-10-01/records.json`). Auto bills the sum of its rungs.
pub(super) const SINGLE_CREDITS: u64 = 2;
pub(super) const PROXY_CREDITS: u64 = 4;
pub(super) const BROWSER_CREDITS: u64 = 5;

/// The user agent the emulated browser presents by default.
pub(super) const DEFAULT_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
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

/// Answers one engine call.
pub(crate) fn handle(shared: &Shared, engine: Engine, request: &RawRequest) -> Answer {
    if request.method != "POST" {
        return method_not_allowed("POST");
    }
    let (premium_allowed, delay) = {
        let mut state = shared.lock();
        if let Err(answer) = authenticate(&state, request) {
            return answer;
        }
        if let Some(refusal) = take_refusal(&mut state, engine) {
            return refuse(engine, &refusal);
        }
        let delay = match state.admit(engine) {
            Ok(delay) => delay,
            Err(answer) => return answer,
        };
        (state.premium_allowed, delay)
    };
    let _admitted = Admitted::new(shared, engine);
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    if !request.is_json() {
        return bad_request("Content-Type must be application/json".into());
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
        return bad_request("the body must be a JSON object".into());
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let reply = match engine {
        Engine::Single => single::answer(&body, now),
        Engine::Proxy => proxy::answer(&body, now, premium_allowed),
        Engine::Browser => browser::answer(&body, now),
        Engine::Auto => auto::answer(&body, now, premium_allowed),
    };
    match reply {
        Ok(reply) => {
            // The class is reported in the header on every engine, and only on success
            // (`fouradata/mcp` `src/upstream.ts`).
            let delivered = !reply.body.get("error").is_some_and(Value::is_string);
            let mut answer = Answer::json(200, &Value::Object(reply.body));
            answer
                .headers
                .push(("X-FourA-Credits".into(), reply.credits.to_string()));
            if let Some(class) = reply.exit_class.filter(|_| delivered) {
                answer
                    .headers
                    .push(("X-FourA-Exit-Class".into(), class.into()));
            }
            answer
        }
        Err(answer) => answer,
    }
}

pub(crate) fn flat(status: u16, error: &str) -> Answer {
    Answer::json(status, &json!({ "error": error }))
}

/// The 400 of <https://foura.ai/docs/api/errors>, with what was wrong in a separate `detail` field.
pub(super) fn bad_request(detail: String) -> Answer {
    Answer::json(
        400,
        &json!({ "error": "Invalid request body format", "detail": detail }),
    )
}

pub(crate) fn method_not_allowed(allow: &str) -> Answer {
    let mut answer = flat(405, &format!("Method not allowed; use {allow}"));
    answer.headers.push(("Allow".into(), allow.into()));
    answer
}

/// Refused before leaving FourA (<https://foura.ai/docs/api/endpoints>).
pub(super) fn ssrf(ip: IpAddr) -> Answer {
    flat(
        400,
        &format!("Target {ip} resolves to a private/reserved IP"),
    )
}

/// An engine's 200 answer.
pub(super) struct Reply {
    pub(super) body: Map<String, Value>,
    pub(super) credits: u64,
    pub(super) exit_class: Option<&'static str>,
}

impl Reply {
    /// A reply served from an exit of `exit_class`, if any: named in the header only (the
    /// body's `exitClass` is documented on `/proxy` alone, `fouradata/mcp` `src/tools/proxy.ts`).
    fn tagged(body: Map<String, Value>, credits: u64, exit_class: Option<&'static str>) -> Reply {
        Reply {
            body,
            credits,
            exit_class,
        }
    }
}

pub(super) type Checked<T> = Result<T, String>;

pub(super) fn target_or_ssrf(target: Result<Target, IpAddr>) -> Result<Target, Answer> {
    target.map_err(ssrf)
}

pub(super) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The bot check an answer met (`defense`, `fouradata/mcp` `src/tools/single.ts`).
pub(super) fn defense(page: &Page) -> Option<Value> {
    page.defense
        .map(|vendor| json!({ "solved": false, "vendor": vendor }))
}

/// Milliseconds as FourA's float seconds.
pub(super) fn seconds(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}
