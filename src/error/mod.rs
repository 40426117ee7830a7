//! One error type for everything that can go wrong, with a `kind()` to match on: the type
//! and its accessors here; its kinds in `kind.rs`, the reading of FourA's error bodies in
//! `body.rs`, the advice from FourA's docs in `hint.rs`.

mod body;
mod hint;
mod kind;

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::meta::Meta;
use crate::redact::{self, Source};

pub use body::RateLimit;
pub(crate) use body::sanitize;
pub use kind::ErrorKind;
pub(crate) use kind::Service;

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
    source: Option<Source>,
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

    /// Adds `more` to the error's own description.
    pub(crate) fn push_detail(&mut self, more: &str) {
        self.inner.detail.push_str(more);
    }

    /// Marks a task-creating call whose outcome is unknown, and says so in the message.
    pub(crate) fn mark_maybe_created(&mut self) {
        self.inner.maybe_created = true;
        self.inner.detail.push_str(
            "; the task may have been created anyway (check list_tasks before submitting again)",
        );
    }

    /// Removes every occurrence of `secret` from the text this error carries. The funnel calls
    /// it with the key, in case a server or a proxy echoed the request's headers back.
    pub(crate) fn scrub(mut self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let inner = &mut *self.inner;
        let texts = [
            Some(&mut inner.detail),
            inner.message.as_mut(),
            inner.code.as_mut(),
            inner.hint.as_mut(),
            inner.plan_limit.as_mut(),
        ];
        for text in texts.into_iter().flatten() {
            redact::clean(text, secret);
        }
        redact::scrub_meta(&mut inner.meta, secret);
        if let Some(body) = inner.body.as_mut() {
            redact::scrub_value(body, secret);
        }
        // A source (a JSON error quoting the answer, say) may hold the key too.
        redact::scrub_source(&mut inner.source, secret);
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

    /// Whether trying the same call again later may succeed: rate limits, capacity,
    /// maintenance, server errors, timeouts and broken connections. Invalid input, refused
    /// keys (every `401`), `404`s and redirects will fail the same way again.
    pub fn is_retryable(&self) -> bool {
        !self.inner.permanent
            && matches!(
                self.inner.kind,
                ErrorKind::RateLimited
                    | ErrorKind::AtCapacity
                    | ErrorKind::ServiceDisabled
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

    /// Credits of work FourA reports the failed call did (`X-FourA-Credits`): work used, not
    /// money billed — failures are not billed. See [`Meta::credits`].
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

    /// The rate-limit or capacity figures FourA sent with a `429` or `503`
    /// (<https://foura.ai/docs/api/rate-limits>); `None` when the body has none, as with a
    /// key's own rate limit (its body is undocumented) or the short "Service disabled" body.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_the_secret_everywhere() {
        let body = br#"{"error":{"message":"bad key fk_live_SECRET","code":"X"},"echo":["fk_live_SECRET"]}"#;
        let e = Error::from_response(Service::Tasks, 401, None, Meta::default(), body, None)
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
}
