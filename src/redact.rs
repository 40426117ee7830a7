//! Every way the key is removed from what a server sends back: raw bytes before they are
//! parsed, texts, JSON values and source errors (what `Error::scrub` applies to every part
//! of an error). A server (or a proxy
//! in front of it) may echo the request's headers, key included.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

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

/// The first 4 KiB of `body` as text, with `secret` removed, so that a snippet cut from it
/// holds no fragment of the key.
pub(crate) fn head_text(body: &[u8], secret: Option<&str>) -> String {
    let head = &body[..body.len().min(4096 + secret.map_or(0, str::len))];
    String::from_utf8_lossy(&redact(head, secret)).into_owned()
}

/// Replaces `secret` in `s`.
pub(crate) fn clean(s: &mut String, secret: &str) {
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

/// A boxed source error, as `Error` keeps it.
pub(crate) type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Replaces `secret` in a source error's chain: when its text (its Display or Debug,
/// anywhere in the chain) holds the key, the source becomes that text with the key removed.
pub(crate) fn scrub_source(source: &mut Option<Source>, secret: &str) {
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
}
