//! One error type for everything that can go wrong, with a `kind()` to match on.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::meta::Meta;

/// What kind of failure an [`Error`] is. Match on it with [`Error::kind`].
///
/// The enum is `#[non_exhaustive]`: new kinds may be added in minor releases, so keep a `_`
/// arm. Kinds split into three groups:
///
/// - **Refused before sending** (no request left the machine; `status()` is `None`):
///   [`InvalidKey`](Self::InvalidKey), [`InvalidRequest`](Self::InvalidRequest),
///   [`InvalidConfig`](Self::InvalidConfig).
/// - **FourA answered with an error status** (`status()` is `Some`): [`Unauthorized`](Self::Unauthorized),
///   [`Forbidden`](Self::Forbidden), [`NotFound`](Self::NotFound),
///   [`RateLimited`](Self::RateLimited), [`ServerError`](Self::ServerError),
///   [`Api`](Self::Api), [`UnexpectedRedirect`](Self::UnexpectedRedirect),
///   [`InvalidRequest`](Self::InvalidRequest) for a `400`/`422`, and from the engine API
///   [`PlanLimit`](Self::PlanLimit), [`AtCapacity`](Self::AtCapacity) and
///   [`ServiceDisabled`](Self::ServiceDisabled).
/// - **FourA ran the request but could not deliver** (transport `2xx`, body `error`):
///   [`EngineFailed`](Self::EngineFailed).
/// - **The exchange itself failed**: [`Timeout`](Self::Timeout), [`Connection`](Self::Connection),
///   [`Decode`](Self::Decode), [`BodyTooLarge`](Self::BodyTooLarge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API key is missing, empty, or malformed (whitespace inside, control characters).
    InvalidKey,
    /// The request is invalid: refused by this crate before sending (the message names the
    /// field), or by FourA with `400`/`422` (then `status()` is set).
    InvalidRequest,
    /// The client's configuration is invalid (base URL, proxy, user agent, …).
    InvalidConfig,
    /// `401`: the key is missing or invalid, often because of whitespace around it.
    Unauthorized,
    /// `403`: the key is disabled or expired.
    Forbidden,
    /// `404`: the endpoint does not exist at this base URL.
    NotFound,
    /// `429`: too many requests; see [`Error::retry_after`].
    RateLimited,
    /// `5xx`: FourA (or a gateway in front of it) failed.
    ServerError,
    /// Any other non-success status.
    Api,
    /// A `3xx`. Redirects are never followed, so the key never reaches another host.
    UnexpectedRedirect,
    /// The call did not finish within its timeout.
    Timeout,
    /// No connection could be made, or it broke (DNS, refused, reset, TLS, proxy).
    Connection,
    /// FourA's answer could not be understood (not JSON, or not the documented shape).
    Decode,
    /// The response body is larger than the configured limit.
    BodyTooLarge,
    /// An engine ran but could not deliver: FourA answered 2xx with an `error` (the target
    /// timed out, no proxy matched, `validate` rejected every attempt, …). The target's status,
    /// FourA's `code`, `details`, `attemptReport` and the echoed `request` are kept.
    EngineFailed,
    /// Your plan's limit refused the call (`plan_limit_*`, whatever the HTTP status); see
    /// [`Error::plan_limit`]. Waiting helps only when [`Error::retry_after`] is set; another
    /// engine will not help.
    PlanLimit,
    /// `503`: too many requests of yours are in flight (FourA's concurrency cap).
    AtCapacity,
    /// `503`: the engine is disabled for your account (plan or maintenance).
    ServiceDisabled,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidKey => "invalid API key",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::InvalidConfig => "invalid client configuration",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::ServerError => "FourA server error",
            ErrorKind::Api => "FourA API error",
            ErrorKind::UnexpectedRedirect => "unexpected redirect",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Connection => "connection failed",
            ErrorKind::Decode => "unreadable response",
            ErrorKind::BodyTooLarge => "response too large",
            ErrorKind::EngineFailed => "FourA could not deliver the page",
            ErrorKind::PlanLimit => "plan limit reached",
            ErrorKind::AtCapacity => "at capacity",
            ErrorKind::ServiceDisabled => "service disabled",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Which of FourA's APIs a call went to; it decides the error hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// `/api/v1/tasks`, `Authorization: Bearer` (the founding document's API).
    Tasks,
    /// `/api/{single,proxy,browser,auto}`, `X-API-Key` (the engine API).
    Engine,
    /// Keyless endpoints: the profile catalogue and the status API.
    Public,
}

/// The error type of every fallible function in this crate.
///
/// It carries what a person needs to act: the [`kind`](Error::kind), the HTTP
/// [`status`](Error::status), the server's [`message`](Error::message) and
/// [`code`](Error::code), FourA's [`request_id`](Error::request_id), how long to wait
/// ([`retry_after`](Error::retry_after)), and — in its `Display` — a hint taken from FourA's
/// documentation. It never contains the API key: the request funnel removes the key from any
/// text a server sends back before an error is built.
///
/// ```no_run
/// use foura::{Client, ErrorKind, TaskType};
///
/// let client = Client::from_env()?;
/// match client.submit("https://example.com", TaskType::Single) {
///     Ok(task) => println!("{} {:?}", task.id, task.status),
///     Err(e) if e.kind() == ErrorKind::RateLimited => {
///         eprintln!("slow down; FourA asks for {:?}", e.retry_after());
///     }
///     Err(e) => eprintln!("{e}"),
/// }
/// # Ok::<(), foura::Error>(())
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    /// What this crate says happened (always present).
    detail: String,
    status: Option<u16>,
    message: Option<String>,
    code: Option<String>,
    retry_after: Option<Duration>,
    meta: Meta,
    /// The full `plan_limit_*` code of a plan refusal.
    plan_limit: Option<String>,
    body: Option<Value>,
    hint: Option<String>,
    /// Whether the request may have reached the server (false: refused locally, or the
    /// connection failed before anything was sent).
    sent: bool,
    /// Attempts made, retries included (0 when refused before sending).
    attempts: u32,
    /// A task-creating call failed in a way that leaves its outcome unknown.
    maybe_created: bool,
    /// A failure that retrying cannot fix (e.g. a TLS certificate error).
    permanent: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, detail: String) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                detail,
                status: None,
                message: None,
                code: None,
                retry_after: None,
                meta: Meta::default(),
                plan_limit: None,
                body: None,
                hint: None,
                sent: false,
                attempts: 0,
                maybe_created: false,
                permanent: false,
                source: None,
            }),
        }
    }

    pub(crate) fn invalid_request(field: &str, problem: impl fmt::Display) -> Self {
        Error::new(ErrorKind::InvalidRequest, format!("`{field}` {problem}"))
    }

    pub(crate) fn invalid_config(setting: &str, problem: impl fmt::Display) -> Self {
        Error::new(ErrorKind::InvalidConfig, format!("`{setting}` {problem}"))
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.inner.hint = Some(hint.into());
        self
    }

    pub(crate) fn with_meta(mut self, meta: Meta) -> Self {
        if self.inner.retry_after.is_none() {
            self.inner.retry_after = meta.retry_after;
        }
        self.inner.meta = meta;
        self
    }

    /// This crate's own description, without the hint.
    pub(crate) fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// Records the HTTP status of the answer the error came from.
    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Marks whether the request may have reached the server.
    pub(crate) fn with_sent(mut self, sent: bool) -> Self {
        self.inner.sent = sent;
        self
    }

    /// Marks a failure retrying cannot fix.
    pub(crate) fn permanent(mut self) -> Self {
        self.inner.permanent = true;
        self
    }

    /// Whether the request may have reached the server.
    pub(crate) fn sent(&self) -> bool {
        self.inner.sent
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.inner.attempts = attempts;
    }

    pub(crate) fn set_retry_after(&mut self, wait: Duration) {
        self.inner.retry_after = Some(wait);
    }

    /// Marks a task-creating call whose outcome is unknown, and says so in the message.
    pub(crate) fn mark_maybe_created(&mut self) {
        self.inner.maybe_created = true;
        self.inner.detail.push_str(
            "; the task may have been created anyway (check list_tasks before submitting again)",
        );
    }

    /// Builds the error for a non-success HTTP answer from FourA.
    pub(crate) fn from_response(
        service: Service,
        status: u16,
        location: Option<&str>,
        meta: Meta,
        body: &[u8],
    ) -> Self {
        let parsed = ErrorBody::parse(body);
        // A plan refusal is named by the body's `reason` or, when the body changes shape, by
        // the `X-FourA-Limit` header alone (foura-api.md §4.3); it wins over the status.
        let is_plan = |r: &String| r.starts_with("plan_limit_");
        let plan_limit = parsed
            .reason
            .clone()
            .filter(is_plan)
            .or_else(|| meta.limit.clone().filter(is_plan));
        let kind = match status {
            _ if plan_limit.is_some() => ErrorKind::PlanLimit,
            300..=399 => ErrorKind::UnexpectedRedirect,
            400 | 422 => ErrorKind::InvalidRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            // "Service disabled" carries `current` too, so the text is checked first: FourA's
            // own client checks `current` first and mislabels it (foura-api.md §4.1).
            503 if parsed
                .message
                .as_deref()
                .is_some_and(|m| m.to_ascii_lowercase().contains("disabled")) =>
            {
                ErrorKind::ServiceDisabled
            }
            503 if parsed
                .json
                .as_ref()
                .is_some_and(|j| j.get("current").is_some()) =>
            {
                ErrorKind::AtCapacity
            }
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::Api,
        };
        let mut detail = format!("FourA answered {}", status_line(status));
        if kind == ErrorKind::UnexpectedRedirect {
            match location {
                Some(to) => detail.push_str(&format!(" redirecting to {}", sanitize(to, 200))),
                None => detail.push_str(" (a redirect without a Location)"),
            }
        }
        if parsed.message.is_none() {
            if let Some(snippet) = &parsed.snippet {
                detail.push_str(&format!(" with a non-JSON body: \"{snippet}\""));
            }
        }
        let mut err = Error::new(kind, detail).with_meta(meta).with_sent(true);
        err.inner.status = Some(status);
        err.inner.plan_limit = plan_limit;
        err.inner.message = parsed.message;
        err.inner.code = parsed.code;
        err.inner.body = parsed.json;
        // The body's own wait (documented on 429) wins over a generic Retry-After header.
        if parsed.retry_after.is_some() {
            err.inner.retry_after = parsed.retry_after;
        }
        if let Some(hint) = hint_for(service, &err) {
            err = err.with_hint(hint);
        }
        err
    }

    /// Builds the error for an engine answer that is 2xx but carries an `error` (§4.2):
    /// `body` is the whole answer, kept so that `code`, `details`, `attemptReport` and the
    /// echoed `request` stay readable.
    pub(crate) fn engine_failed(
        engine: &str,
        status: u16,
        meta: Meta,
        mut body: Value,
        secret: Option<&str>,
    ) -> Self {
        // The key goes before the message is cut short, so no fragment of it survives.
        if let Some(secret) = secret.filter(|s| !s.is_empty()) {
            scrub_value(&mut body, secret);
        }
        let message = body
            .get("error")
            .and_then(Value::as_str)
            .map(|m| sanitize(m, 500));
        let target = body.get("status").and_then(Value::as_u64);
        let detail = match target {
            Some(t) => format!("the {engine} engine reported a failure (target status {t})"),
            None => format!("the {engine} engine reported a failure"),
        };
        let mut err = Error::new(ErrorKind::EngineFailed, detail)
            .with_meta(meta)
            .with_sent(true);
        err.inner.status = Some(status);
        err.inner.message = message;
        err.inner.code = body
            .get("code")
            .and_then(Value::as_str)
            .map(|c| sanitize(c, 100));
        err.inner.body = Some(body);
        if let Some(hint) = hint_for(Service::Engine, &err) {
            err = err.with_hint(hint);
        }
        err
    }

    /// Removes every occurrence of `secret` from the text this error carries. The funnel calls
    /// it with the key, in case a server or a proxy echoed the request's headers back.
    pub(crate) fn scrub(mut self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let clean = |s: &mut String| {
            if s.contains(secret) {
                *s = s.replace(secret, "<redacted>");
            }
        };
        let inner = &mut *self.inner;
        clean(&mut inner.detail);
        inner.message.as_mut().map(clean);
        inner.code.as_mut().map(clean);
        inner.hint.as_mut().map(clean);
        inner.meta.request_id.as_mut().map(clean);
        inner.meta.exit_class.as_mut().map(clean);
        inner.meta.limit.as_mut().map(clean);
        inner.plan_limit.as_mut().map(clean);
        if let Some(body) = inner.body.as_mut() {
            scrub_value(body, secret);
        }
        // A source (a JSON error quoting the answer, say) may hold the key too: anywhere in
        // its chain, and in its Debug as well as its Display.
        let mut leaks = false;
        let mut next = inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static));
        while let Some(source) = next {
            leaks |= source.to_string().contains(secret) || format!("{source:?}").contains(secret);
            next = source.source();
        }
        if leaks {
            if let Some(source) = inner.source.take() {
                let text = source.to_string().replace(secret, "<redacted>");
                inner.source = Some(Box::new(Scrubbed(text)));
            }
        }
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status FourA answered with, if the failure came from an HTTP answer.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The server's own message, e.g. `Invalid or missing API key.`, if it sent one.
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The server's machine-readable code, e.g. `INVALID_PARAMS` or `RATE_LIMIT_EXCEEDED`.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// FourA's `X-Foura-Request-Id` for the failed call, when it sent one. Quote it when you
    /// contact FourA's support; the Dashboard's Activity Log lists calls by it.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.meta.request_id.as_deref()
    }

    /// How long to wait before trying again: what FourA asked for — the body's `retryAfter`
    /// or `retry_after_seconds` (seconds), else the `Retry-After` header (seconds or an
    /// HTTP-date) — or, when FourA asked nothing and a retry did not fit in the call's
    /// deadline, the backoff the client would have waited.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether trying the same call again later may succeed: rate limits, server errors,
    /// timeouts and broken connections. Invalid input, refused keys, `404`s and redirects
    /// will fail the same way again.
    pub fn is_retryable(&self) -> bool {
        !self.inner.permanent
            && matches!(
                self.inner.kind,
                ErrorKind::RateLimited
                    | ErrorKind::AtCapacity
                    | ErrorKind::ServerError
                    | ErrorKind::Timeout
                    | ErrorKind::Connection
            )
    }

    /// How many attempts the call made, retries included; `0` when it was refused before
    /// anything was sent.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether a task-creating call (`POST /api/v1/tasks`) failed after the request was sent,
    /// in a way that leaves its outcome unknown: a timeout waiting for the answer, a connection
    /// broken mid-exchange, a `500`/`502`/`504`, or a `2xx` whose body could not be read. Such
    /// failures are never retried, since a retry could create the task twice; check
    /// [`Client::list_tasks`](crate::Client::list_tasks) before submitting again. Always
    /// `false` for other calls, and when FourA cannot have acted (`4xx`, `503`, connect failures).
    pub fn maybe_created(&self) -> bool {
        self.inner.maybe_created
    }

    /// The name of the plan limit that refused the call, e.g. `credits`, `premium`,
    /// `bandwidth` (the part after `plan_limit_`), for [`ErrorKind::PlanLimit`].
    pub fn plan_limit(&self) -> Option<&str> {
        self.inner
            .plan_limit
            .as_deref()
            .map(|p| p.strip_prefix("plan_limit_").unwrap_or(p))
    }

    /// When a plan limit resets (`resets_at`, FourA's ISO 8601 string), when FourA says.
    pub fn resets_at(&self) -> Option<&str> {
        self.body_field("resets_at").and_then(Value::as_str)
    }

    /// Credits FourA reports the failed call used (`X-FourA-Credits`; failures are not billed).
    pub fn credits(&self) -> Option<f64> {
        self.inner.meta.credits
    }

    /// For [`ErrorKind::EngineFailed`]: the target site's status as FourA reported it
    /// (`0` = the target never answered).
    pub fn target_status(&self) -> Option<u16> {
        self.body_field("status")
            .filter(|_| self.inner.kind == ErrorKind::EngineFailed)
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
    }

    /// For [`ErrorKind::EngineFailed`]: FourA's `details` object (e.g. the `exitCountries`
    /// that matched no proxy).
    pub fn details(&self) -> Option<&Value> {
        self.body_field("details")
    }

    /// For a failed proxy rotation: FourA's `attemptReport` (counts per failure cause,
    /// `vendors`, `profilesTried`, `summary`).
    pub fn attempt_report(&self) -> Option<&Value> {
        self.body_field("attemptReport")
    }

    /// For [`ErrorKind::EngineFailed`] on the proxy engine: the `request` FourA echoes back,
    /// with its defaults filled in.
    pub fn echoed_request(&self) -> Option<&Value> {
        self.body_field("request")
    }

    /// The rate-limit or capacity figures FourA sent with a `429` or `503` (§3.9).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        let body = self.inner.body.as_ref()?;
        let current = body.get("current");
        let limits = body.get("limits");
        let number = |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_u64);
        let info = RateLimit {
            service: body
                .get("service")
                .and_then(Value::as_str)
                .map(str::to_owned),
            concurrency: number(current, "concurrency"),
            rpm: number(current, "rpm"),
            max_concurrency: number(limits, "maxConcurrency"),
            max_rpm: number(limits, "maxRpm"),
        };
        (info != RateLimit::default()).then_some(info)
    }

    fn body_field(&self, name: &str) -> Option<&Value> {
        self.inner.body.as_ref()?.get(name)
    }

    /// All response metadata of the failed call (request id, credits, …).
    pub fn meta(&self) -> &Meta {
        &self.inner.meta
    }

    /// The error response's JSON body, when it was JSON (with the key removed from it).
    pub fn body(&self) -> Option<&Value> {
        self.inner.body.as_ref()
    }

    /// What to do about it, from FourA's documentation, when there is advice to give.
    pub fn hint(&self) -> Option<&str> {
        self.inner.hint.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        write!(f, "{}: {}", inner.kind, inner.detail)?;
        if let Some(message) = &inner.message {
            write!(f, ": {message}")?;
        }
        let mut extras = Vec::new();
        if let Some(code) = &inner.code {
            extras.push(format!("code {code}"));
        }
        if let Some(id) = &inner.meta.request_id {
            extras.push(format!("request id {id}"));
        }
        if !extras.is_empty() {
            write!(f, " ({})", extras.join(", "))?;
        }
        if let Some(hint) = &inner.hint {
            write!(f, ". Fix: {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &inner.kind).field("detail", &inner.detail);
        if let Some(status) = inner.status {
            d.field("status", &status);
        }
        if let Some(message) = &inner.message {
            d.field("message", message);
        }
        if let Some(code) = &inner.code {
            d.field("code", code);
        }
        if let Some(id) = &inner.meta.request_id {
            d.field("request_id", id);
        }
        if let Some(wait) = &inner.retry_after {
            d.field("retry_after", wait);
        }
        if inner.attempts > 0 {
            d.field("attempts", &inner.attempts);
        }
        if inner.maybe_created {
            d.field("maybe_created", &true);
        }
        if let Some(hint) = &inner.hint {
            d.field("hint", hint);
        }
        if let Some(source) = &inner.source {
            d.field("source", &source.to_string());
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// The advice FourA's documentation gives for each failure (seed "Common Authentication Errors",
/// foura-api.md §2.4, §3.9, §4).
fn hint_for(service: Service, err: &Error) -> Option<String> {
    let wait = err.inner.retry_after;
    Some(match (err.inner.kind, service) {
        (ErrorKind::Unauthorized, Service::Tasks) => "check the Authorization header format \
            (`Authorization: Bearer <key>`) and trim whitespace from the key; \
            FOURA_API_KEY must hold the whole key"
            .to_owned(),
        (ErrorKind::Unauthorized, _) => "check the X-API-Key header: use the whole key \
            (pk_live_…) from the FourA Dashboard, without whitespace, and check it is active"
            .to_owned(),
        (ErrorKind::Forbidden, Service::Tasks) => "the API key is disabled or expired: generate \
            a new key in the FourA Dashboard (Settings → API Access) and build a new Client with it"
            .to_owned(),
        (ErrorKind::Forbidden, _) => "FourA refused this call for your key: check the key \
            and its permissions in the FourA Dashboard"
            .to_owned(),
        (ErrorKind::PlanLimit, _) => {
            let name = err.plan_limit().unwrap_or("a");
            match (wait, err.resets_at()) {
                (Some(w), Some(at)) => format!(
                    "your plan's {name} limit is reached; it resets in {}s (at {at}): wait or \
                     change the plan (another engine will not help)",
                    w.as_secs()
                ),
                (Some(w), None) => format!(
                    "your plan's {name} limit is reached; wait {}s or change the plan \
                     (another engine will not help)",
                    w.as_secs()
                ),
                _ => format!(
                    "your plan does not allow this ({name}): change the plan or drop the option; \
                     retrying will not help"
                ),
            }
        }
        (ErrorKind::RateLimited, _) => match wait {
            Some(w) => format!("wait {}s before retrying", w.as_secs()),
            None => "slow down and retry with backoff".to_owned(),
        },
        (ErrorKind::AtCapacity, _) => match wait {
            Some(w) => format!(
                "too many of your requests are in flight: wait {}s and send fewer at once",
                w.as_secs()
            ),
            None => "too many of your requests are in flight: send fewer at once".to_owned(),
        },
        (ErrorKind::ServiceDisabled, _) => "this engine is disabled for your account (plan or \
            maintenance): check the FourA Dashboard and foura::service_status()"
            .to_owned(),
        (ErrorKind::ServerError, _) => "retry after a short delay".to_owned(),
        (ErrorKind::NotFound, Service::Tasks) => "check the base URL: the tasks API lives at \
            https://eu.api.foura.ai/api/v1"
            .to_owned(),
        (ErrorKind::NotFound, _) => "check the base URL: the engine API lives at \
            https://eu.api.foura.ai/api"
            .to_owned(),
        (ErrorKind::UnexpectedRedirect, _) => "redirects are never followed so that the key \
            cannot reach another host; set the base URL to where FourA's API really is"
            .to_owned(),
        (ErrorKind::EngineFailed, _) if err.code() == Some("no_eligible_proxy") => {
            "no exit matches the requested countries: keep the country scope and retry later"
                .to_owned()
        }
        (ErrorKind::EngineFailed, _) if err.attempt_report().is_some() => {
            "every attempt failed; Error::attempt_report() says why (raise max_tries for \
             protected sites, or relax validate)"
                .to_owned()
        }
        _ => return None,
    })
}

fn status_line(status: u16) -> String {
    let reason = match status {
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    if reason.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status} {reason}")
    }
}

/// A source error whose text held the key, kept as that text with the key removed.
#[derive(Debug)]
struct Scrubbed(String);

impl fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Scrubbed {}

/// FourA's rate-limit figures from a `429` or `503` body (foura-api.md §3.9), read with
/// [`Error::rate_limit`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Which limit: `single`, `proxy`, `browser`, or `api` for the account-wide one.
    pub service: Option<String>,
    /// Requests in flight when refused (`current.concurrency`).
    pub concurrency: Option<u64>,
    /// Requests in the last minute (`current.rpm`).
    pub rpm: Option<u64>,
    /// The concurrency cap (`limits.maxConcurrency`).
    pub max_concurrency: Option<u64>,
    /// The per-minute cap (`limits.maxRpm`).
    pub max_rpm: Option<u64>,
}

/// The useful parts of an error body, in either of FourA's shapes (foura-api.md §2.4, §4.1):
/// nested `{"error":{"code","message","status","retryAfter"}}` or flat `{"error":"…", …}`.
#[derive(Debug, Default)]
struct ErrorBody {
    message: Option<String>,
    reason: Option<String>,
    code: Option<String>,
    retry_after: Option<Duration>,
    json: Option<Value>,
    snippet: Option<String>,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> Self {
        let Ok(json) = serde_json::from_slice::<Value>(body) else {
            let text = String::from_utf8_lossy(body);
            let snippet = sanitize(&strip_tags(&text), 160);
            return ErrorBody {
                snippet: (!snippet.is_empty()).then_some(snippet),
                ..ErrorBody::default()
            };
        };
        let mut parsed = ErrorBody::default();
        if let Value::Object(top) = &json {
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(|s| sanitize(s, 500));
            match top.get("error") {
                Some(Value::Object(nested)) => {
                    parsed.message = text(nested.get("message"));
                    parsed.code = text(nested.get("code"));
                    parsed.retry_after = seconds(nested.get("retryAfter"));
                }
                Some(Value::String(s)) => parsed.message = Some(sanitize(s, 500)),
                _ => {}
            }
            parsed.message = parsed.message.or_else(|| text(top.get("message")));
            parsed.code = parsed.code.or_else(|| text(top.get("code")));
            parsed.reason = text(top.get("reason"));
            parsed.retry_after = parsed
                .retry_after
                .or_else(|| seconds(top.get("retryAfter")))
                .or_else(|| seconds(top.get("retry_after_seconds")));
        }
        parsed.json = Some(json);
        parsed
    }
}

/// A wait in seconds given as a JSON number or numeric string.
pub(crate) fn seconds(v: Option<&Value>) -> Option<Duration> {
    let secs = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    // A wait too long to represent is still a wait: cap it (at about 30 years) rather than
    // drop it, or a client would retry at once what FourA asked to leave alone.
    (secs >= 0.0 && !secs.is_nan()).then(|| Duration::from_secs_f64(secs.min(1e9)))
}

/// Drops `<…>` tags so an HTML error page reads as its text.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4096));
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Collapses whitespace, drops control characters and cuts to `max` characters.
pub(crate) fn sanitize(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

fn scrub_value(v: &mut Value, secret: &str) {
    match v {
        Value::String(s) if s.contains(secret) => *s = s.replace(secret, "<redacted>"),
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_value(i, secret)),
        Value::Object(map) => {
            // Object keys may quote it too.
            if map.keys().any(|k| k.contains(secret)) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (k.replace(secret, "<redacted>"), v))
                    .collect();
            }
            map.values_mut().for_each(|i| scrub_value(i, secret));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            request_id: Some("req-1".into()),
            ..Meta::default()
        }
    }

    #[test]
    fn nested_body_is_read() {
        let body = br#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Retry after 30 seconds.","status":429,"retryAfter":30}}"#;
        let e = Error::from_response(Service::Tasks, 429, None, meta(), body);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.code(), Some("RATE_LIMIT_EXCEEDED"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(e.request_id(), Some("req-1"));
        assert!(e.is_retryable());
        assert_eq!(
            e.to_string(),
            "rate limited: FourA answered HTTP 429 Too Many Requests: Rate limit exceeded. \
             Retry after 30 seconds. (code RATE_LIMIT_EXCEEDED, request id req-1). \
             Fix: wait 30s before retrying"
        );
    }

    #[test]
    fn flat_body_is_read() {
        let body = br#"{"error":"Invalid API key"}"#;
        let e = Error::from_response(Service::Tasks, 401, None, Meta::default(), body);
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert_eq!(e.message(), Some("Invalid API key"));
        assert!(e.to_string().contains("trim whitespace from the key"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn html_becomes_a_short_snippet() {
        let page = format!(
            "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
            "x ".repeat(5000)
        );
        let e = Error::from_response(Service::Tasks, 502, None, Meta::default(), page.as_bytes());
        assert_eq!(e.kind(), ErrorKind::ServerError);
        assert_eq!(e.message(), None);
        let text = e.to_string();
        assert!(text.contains("502 Bad Gateway"), "{text}");
        assert!(text.len() < 400, "{}", text.len());
        assert!(!text.contains('<'), "{text}");
    }

    #[test]
    fn scrub_removes_the_secret_everywhere() {
        let body = br#"{"error":{"message":"bad key fk_live_SECRET","code":"X"},"echo":["fk_live_SECRET"]}"#;
        let e = Error::from_response(Service::Tasks, 401, None, Meta::default(), body)
            .scrub("fk_live_SECRET");
        let all = format!("{e} {e:?} {}", e.body().unwrap());
        assert!(!all.contains("SECRET"), "{all}");
    }

    #[test]
    fn scrub_reaches_the_source_chain() {
        let inner = std::io::Error::other("upstream said: Bearer fk_live_SECRET");
        let e = Error::new(ErrorKind::Decode, "the answer is odd".into())
            .with_source(std::io::Error::other(inner))
            .scrub("fk_live_SECRET");
        let mut text = format!("{e} {e:?}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text += &format!(" {s} {s:?}");
            source = s.source();
        }
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }

    #[test]
    fn sanitize_cuts_and_cleans() {
        assert_eq!(sanitize("  a\n\tb\u{0}c  ", 10), "a b c");
        assert_eq!(sanitize("abcdef", 3), "abc…");
    }
}
