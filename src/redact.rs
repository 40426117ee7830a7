//! Every way the key is removed from what a server sends back: raw bytes before they are
//! parsed, and every text, JSON value and source an [`Error`] carries. A server (or a proxy
//! in front of it) may echo the request's headers, key included.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use crate::error::{Error, sanitize};

/// What the key is replaced with.
const REDACTED: &str = "<redacted>";

/// `bytes` with every occurrence of `secret` replaced by `<redacted>`.
pub(crate) fn redact<'a>(bytes: &'a [u8], secret: Option<&str>) -> Cow<'a, [u8]> {
    let Some(secret) = secret.map(str::as_bytes).filter(|s| !s.is_empty()) else {
        return Cow::Borrowed(bytes);
    };
    if !bytes.windows(secret.len()).any(|w| w == secret) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(secret) {
            out.extend_from_slice(REDACTED.as_bytes());
            rest = &rest[secret.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    Cow::Owned(out)
}

/// The start of `body` as clean text of at most `max` characters, with `secret` removed
/// before it is cut short (so no fragment of it survives the cut).
pub(crate) fn snippet(body: &[u8], secret: Option<&str>, max: usize) -> String {
    let head = &body[..body.len().min(4096 + secret.map_or(0, str::len))];
    sanitize(&String::from_utf8_lossy(&redact(head, secret)), max)
}

/// Replaces `secret` in `s`.
fn clean(s: &mut String, secret: &str) {
    if s.contains(secret) {
        *s = s.replace(secret, REDACTED);
    }
}

/// Replaces `secret` everywhere in a JSON value: strings, and object keys too.
pub(crate) fn scrub_value(v: &mut Value, secret: &str) {
    match v {
        Value::String(s) => clean(s, secret),
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_value(i, secret)),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains(secret)) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (k.replace(secret, REDACTED), v))
                    .collect();
            }
            map.values_mut().for_each(|i| scrub_value(i, secret));
        }
        _ => {}
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

/// A boxed source error, as [`Error`] keeps it.
pub(crate) type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

impl Error {
    /// Removes every occurrence of `secret` from the text this error carries. The funnel calls
    /// it with the key, in case a server or a proxy echoed the request's headers back.
    pub(crate) fn scrub(mut self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let (texts, body, source) = self.parts_mut();
        for text in texts {
            clean(text, secret);
        }
        if let Some(body) = body {
            scrub_value(body, secret);
        }
        // A source (a JSON error quoting the answer, say) may hold the key too: anywhere in
        // its chain, and in its Debug as well as its Display.
        let mut leaks = false;
        let mut next = source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static));
        while let Some(s) = next {
            leaks |= s.to_string().contains(secret) || format!("{s:?}").contains(secret);
            next = s.source();
        }
        if leaks {
            if let Some(s) = source.take() {
                *source = Some(Box::new(Scrubbed(s.to_string().replace(secret, REDACTED))));
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Service};
    use crate::meta::Meta;

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
}
