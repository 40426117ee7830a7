//! Accounts and keys: the engines a refusal can be scoped to, the account-level refusals, the
//! key states, and the engine gateway's key check and refusals.

use serde_json::{Value, json};

use super::engines::flat;
use super::http::{Answer, RawRequest};
use super::server::State;
#[cfg(doc)]
use super::{Fault, MockServer};

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

crate::macros::display_as!(Engine, as_str);

/// An account-level "no" the emulated gateway gives an engine call, with FourA's exact body
/// and headers (<https://foura.ai/docs/api/rate-limits>, <https://foura.ai/docs/api/errors>, and
/// the plan limits of `fouradata/mcp` `src/upstream.ts`).
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
    /// "current":{"concurrency":0,"rpm":0},"limits":{"maxConcurrency":0,"maxRpm":0}}`, the
    /// shape of `fouradata/mcp`'s fixture — note that it carries `current` too. It means the
    /// service is offline for maintenance. [`MockServer::set_service_enabled`] gives it to
    /// every call. For the shorter shape of <https://foura.ai/docs/api/rate-limits>, see
    /// [`Refusal::Maintenance`].
    ServiceDisabled,
    /// `503 {"error":"Service disabled","status":503,"retryAfter":<retry_after>}`, maintenance
    /// as <https://foura.ai/docs/api/rate-limits> shows it: no `service`, `current` or
    /// `limits`. `retry_after` is in seconds (FourA's example: 60; `0` makes a quick retry).
    Maintenance {
        /// The body's `retryAfter`, in seconds.
        retry_after: u64,
    },
    /// `429` with `Retry-After: 1` and an empty body: the key's own rate limit, set in the
    /// Dashboard (<https://foura.ai/docs/dashboard/api-keys>), whose answer FourA does not
    /// document — a client can rely only on the status and the wait.
    KeyRateLimited,
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

/// <https://foura.ai/docs/api/errors>: `X-API-Key` only, exact; any active key works (tasks keys too). `Authorization` is
/// not looked at, so a Bearer-only request is "missing" a key.
pub(crate) fn authenticate(state: &State, request: &RawRequest) -> Result<(), Answer> {
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
pub(crate) fn take_refusal(state: &mut State, engine: Engine) -> Option<Refusal> {
    if state.disabled_services.contains(&engine) {
        return Some(Refusal::ServiceDisabled);
    }
    let at = state
        .refusals
        .iter()
        .position(|(scope, _)| scope.is_none_or(|s| s == engine))?;
    state.refusals.remove(at).map(|(_, refusal)| refusal)
}

/// The exact bodies and headers of <https://foura.ai/docs/api/rate-limits>,
/// <https://foura.ai/docs/api/errors> and `fouradata/mcp` `src/upstream.ts`.
pub(crate) fn refuse(engine: Engine, refusal: &Refusal) -> Answer {
    let service = engine.as_str();
    match refusal {
        Refusal::RateLimited => limited(
            429,
            "Rate limit exceeded",
            service,
            5,
            [12, 3000],
            [500, 3000],
        ),
        Refusal::AtCapacity => limited(503, "Service at capacity", service, 2, [6, 30], [5, 60]),
        Refusal::ServiceDisabled => limited(503, "Service disabled", service, 60, [0, 0], [0, 0]),
        Refusal::Maintenance { retry_after } => Answer::json(
            503,
            &json!({ "error": "Service disabled", "status": 503, "retryAfter": retry_after }),
        ),
        Refusal::KeyRateLimited => Answer {
            status: 429,
            headers: vec![("Retry-After".into(), "1".into())],
            body: Vec::new(),
        },
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

/// A rate-limit body: the `current` and `limits` pairs are `[concurrency, rpm]`.
fn limited(
    status: u16,
    error: &str,
    service: &str,
    retry_after: u64,
    current: [u64; 2],
    limits: [u64; 2],
) -> Answer {
    Answer::json(
        status,
        &json!({
            "error": error, "status": status, "service": service, "retryAfter": retry_after,
            "current": { "concurrency": current[0], "rpm": current[1] },
            "limits": { "maxConcurrency": limits[0], "maxRpm": limits[1] },
        }),
    )
}

/// A plan-limit refusal (`fouradata/mcp` `src/upstream.ts`) by its code, with or without the `plan_limit_` prefix.
fn plan_limit(code: &str) -> Answer {
    let short = code.strip_prefix("plan_limit_").unwrap_or(code);
    let reason = format!("plan_limit_{short}");
    // Only credits, bandwidth and premium are documented; the rest follow the same pattern:
    // 403 when waiting cannot clear it, 429 with a wait when it can.
    // The usual body: the message, the code, and the wait (and when the allowance resets)
    // where waiting clears it.
    let refusal = |error: &str, wait: Option<u64>, resets: bool| {
        let mut body = json!({ "error": error, "reason": reason });
        if let Some(secs) = wait {
            body["retry_after_seconds"] = json!(secs);
        }
        if resets {
            body["resets_at"] = json!("2026-10-01T00:00:00.000Z");
        }
        body
    };
    let (status, body) = match short {
        "credits" => (429, refusal("Monthly credits exhausted", Some(3600), true)),
        // Documented with no `reason`: only the header names it.
        "bandwidth" => (429, json!({ "error": "Bandwidth allowance spent" })),
        "premium" => return premium_refusal(),
        "feature" => (
            403,
            json!({
                "error": "This endpoint is not included in your plan (Free).",
                "reason": reason, "documentation": "https://foura.ai/prices",
            }),
        ),
        "browser_daily" => (
            429,
            refusal("Daily browser allowance spent", Some(3600), true),
        ),
        "rate" => (429, refusal("Plan rate limit reached", Some(60), false)),
        "concurrency" => (
            429,
            refusal("Plan concurrency limit reached", Some(5), false),
        ),
        _ => (429, refusal("Plan limit reached", None, false)),
    };
    let wait = body.get("retry_after_seconds").and_then(Value::as_u64);
    let mut answer = Answer::json(status, &body);
    answer.headers.push(("X-FourA-Limit".into(), reason));
    if let Some(secs) = wait {
        answer
            .headers
            .push(("Retry-After".into(), secs.to_string()));
    }
    answer
}

/// `exitClass` asked for on a plan without premium exits (`fouradata/mcp` `src/upstream.ts`).
pub(crate) fn premium_refusal() -> Answer {
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
