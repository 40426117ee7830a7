//! What FourA says about a call in its response headers, kept on every result and every error.

use std::time::Duration;

/// What is known about a call beyond its body: the headers FourA sends (<https://foura.ai/docs/api/response-headers>,
/// `fouradata/mcp` `src/upstream.ts`; read case-insensitively) and the number of attempts the client made.
///
/// Every header field is optional: older gateways, proxies that strip headers, and requests
/// that died before reaching FourA's backend send none of them.
///
/// ```
/// # fn demo(task: &foura::Task) {
/// if let Some(id) = task.meta().request_id.as_deref() {
///     eprintln!("FourA request id: {id} (look it up in the Dashboard's Activity Log)");
/// }
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Meta {
    /// `X-Foura-Request-Id`: the id FourA's Dashboard Activity Log lists the call under.
    pub request_id: Option<String>,
    /// `X-FourA-Credits`: the work the call did, in credits (a decimal number) — work used,
    /// not money billed. It is sent on failures too, which are not billed, and for auto it is
    /// the sum of every rung tried, while only successful sub-calls are billed: the billed
    /// figure is not available from the API at all (<https://foura.ai/docs/api/response-headers>,
    /// <https://foura.ai/docs/api/outcomes>).
    pub credits: Option<f64>,
    /// `X-FourA-Exit-Class`: `standard` or `premium`, read from the header on every engine
    /// when FourA reports one (only on success; its absence on a failure is normal). The body's
    /// `exitClass` is documented on `/proxy` alone (`fouradata/mcp` `src/upstream.ts`).
    pub exit_class: Option<String>,
    /// `X-FourA-Limit`: the `plan_limit_*` code of a plan refusal.
    pub limit: Option<String>,
    /// `Retry-After`, as delta-seconds or an HTTP-date, converted to a wait from now.
    pub retry_after: Option<Duration>,
    /// How many attempts the call took, retries included (set by the client).
    pub attempts: u32,
}

/// Longest header value kept; anything longer is not metadata FourA documents.
const MAX_VALUE: usize = 256;

impl Meta {
    /// Reads the documented headers from any `(name, value)` list, ignoring name case.
    pub(crate) fn from_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Self {
        let mut meta = Meta::default();
        for (name, value) in headers {
            let Ok(value) = std::str::from_utf8(value) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() || value.len() > MAX_VALUE {
                continue;
            }
            if name.eq_ignore_ascii_case("x-foura-request-id") {
                meta.request_id = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("x-foura-credits") {
                // Work is never negative: a negative figure would turn a credit budget off.
                meta.credits = value
                    .parse::<f64>()
                    .ok()
                    .filter(|c| c.is_finite() && *c >= 0.0);
            } else if name.eq_ignore_ascii_case("x-foura-exit-class") {
                meta.exit_class = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("x-foura-limit") {
                meta.limit = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("retry-after") {
                meta.retry_after = crate::time::parse_retry_after(value);
            }
        }
        meta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_case_insensitive() {
        let headers: [(&str, &[u8]); 5] = [
            ("X-FOURA-REQUEST-ID", b"abc"),
            ("x-foura-credits", b" 2.5 "),
            ("X-FourA-Exit-Class", b"premium"),
            ("x-FOURA-limit", b"plan_limit_credits"),
            ("Retry-After", b"3600"),
        ];
        let meta = Meta::from_headers(headers);
        assert_eq!(meta.request_id.as_deref(), Some("abc"));
        assert_eq!(meta.credits, Some(2.5));
        assert_eq!(meta.exit_class.as_deref(), Some("premium"));
        assert_eq!(meta.limit.as_deref(), Some("plan_limit_credits"));
        assert_eq!(meta.retry_after, Some(Duration::from_secs(3600)));
    }

    #[test]
    fn junk_values_are_ignored() {
        let headers: [(&str, &[u8]); 3] = [
            ("x-foura-credits", b"NaN"),
            ("x-foura-request-id", b"\xff\xfe"),
            ("retry-after", b"later"),
        ];
        assert_eq!(Meta::from_headers(headers), Meta::default());
    }
}
