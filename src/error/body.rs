//! Reading FourA's error answers: a non-2xx answer's body in either of its shapes, and an
//! engine's 2xx answer that carries an `error`.

use std::time::Duration;

use serde_json::Value;

use super::hint::hint_for;
use super::{Error, ErrorKind, Service};
use crate::meta::Meta;
use crate::redact::{clean, scrub_value};
use crate::time::MAX_RETRY_AFTER_SECS;

impl Error {
    /// Builds the error for a non-success HTTP answer from FourA.
    pub(crate) fn from_response(
        service: Service,
        status: u16,
        location: Option<&str>,
        meta: Meta,
        body: &[u8],
        secret: Option<&str>,
    ) -> Self {
        let parsed = ErrorBody::parse(body, secret.filter(|s| !s.is_empty()));
        // A plan refusal is named by the body's `reason` or, when the body changes shape, by
        // the `X-FourA-Limit` header alone (`fouradata/mcp` `src/upstream.ts`); it wins over the
        // status.
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
            // own client checks `current` first and mislabels it (`fouradata/mcp` `src/tools/single.ts`,
            // `deriveCode`).
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

    /// Builds the error for an engine answer that is 2xx but carries an `error`
    /// (<https://foura.ai/docs/api/outcomes>):
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
}

/// `HTTP 429 Too Many Requests`: the status with its reason phrase, when it has one.
fn status_line(status: u16) -> String {
    match ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("HTTP {status} {reason}"),
        None => format!("HTTP {status}"),
    }
}

/// FourA's rate-limit figures from a `429` or `503` body
/// (<https://foura.ai/docs/api/rate-limits>), read with
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

/// The useful parts of an error body, in either of FourA's shapes
/// (<https://foura.ai/docs/api/errors>):
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
    /// Reads `body`, removing `secret` from every decoded text before anything is cut short:
    /// escapes decode only here, so a key the raw bytes did not show cannot survive as a
    /// fragment cut at a field's limit.
    fn parse(body: &[u8], secret: Option<&str>) -> Self {
        let Ok(mut json) = serde_json::from_slice::<Value>(body) else {
            let mut text = strip_tags(&String::from_utf8_lossy(body));
            if let Some(secret) = secret {
                clean(&mut text, secret);
            }
            let snippet = sanitize(&text, 160);
            return ErrorBody {
                snippet: (!snippet.is_empty()).then_some(snippet),
                ..ErrorBody::default()
            };
        };
        if let Some(secret) = secret {
            scrub_value(&mut json, secret);
        }
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
fn seconds(v: Option<&Value>) -> Option<Duration> {
    let secs = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    // A wait too long to represent is still a wait: capped, as a `Retry-After` header is.
    let cap = MAX_RETRY_AFTER_SECS as f64;
    (secs >= 0.0 && !secs.is_nan()).then(|| Duration::from_secs_f64(secs.min(cap)))
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
        let e = Error::from_response(Service::Tasks, 429, None, meta(), body, None);
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
        let e = Error::from_response(Service::Tasks, 401, None, Meta::default(), body, None);
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
        let e = Error::from_response(
            Service::Tasks,
            502,
            None,
            Meta::default(),
            page.as_bytes(),
            None,
        );
        assert_eq!(e.kind(), ErrorKind::ServerError);
        assert_eq!(e.message(), None);
        let text = e.to_string();
        assert!(text.contains("502 Bad Gateway"), "{text}");
        assert!(text.len() < 400, "{}", text.len());
        assert!(!text.contains('<'), "{text}");
    }

    #[test]
    fn sanitize_cuts_and_cleans() {
        assert_eq!(sanitize("  a\n\tb\u{0}c  ", 10), "a b c");
        assert_eq!(sanitize("abcdef", 3), "abc…");
    }
}
