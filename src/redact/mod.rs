//! Every way the key is removed from what a server sends back: raw bytes before they are
//! parsed, texts, JSON values, response metadata and source errors (what `Error::scrub`
//! applies to every part of an error). A server (or a proxy in front of it) may echo the
//! request's headers, key included, and not always verbatim: the key is also found written
//! with JSON `\u00XX` escapes or `%XX` percent-encoding (any mix, either hex case), and as
//! base64 in either alphabet, padded or not, alone, after `Bearer ` or inside any longer
//! encoded text; and any run of [`FRAGMENT`] of its characters, in any letter case, so a key
//! cut short or stripped of its prefix leaks no fragment. A key split across two fields into
//! shorter pieces is beyond recognising.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::meta::Meta;

mod search;

use search::FRAGMENT;
pub(crate) use search::Redaction;

/// `bytes` with every form of `secret` replaced by `<redacted>`.
pub(crate) fn redact<'a>(bytes: &'a [u8], secret: Option<&str>) -> Cow<'a, [u8]> {
    let Some(secret) = secret.map(str::as_bytes).filter(|s| !s.is_empty()) else {
        return Cow::Borrowed(bytes);
    };
    // No form of the key, and no fragment worth removing, is shorter than this: a shorter
    // text (an exit class) holds none, and the forms need not be built for it.
    if bytes.len() < secret.len().min(FRAGMENT) {
        return Cow::Borrowed(bytes);
    }
    Redaction::new(secret).apply(bytes)
}

/// Whether `text` holds any form of `secret`.
pub(crate) fn contains(text: &str, secret: &str) -> bool {
    matches!(redact(text.as_bytes(), Some(secret)), Cow::Owned(_))
}

/// The first 4 KiB of `body` as text, with `secret` removed, so that a snippet cut from it
/// holds no fragment of the key.
pub(crate) fn head_text(body: &[u8], secret: Option<&str>) -> String {
    // Room for the longest spelling of a key that straddles the 4 KiB mark.
    let room = secret.map_or(0, |s| s.len() * 6 + 16);
    let head = &body[..body.len().min(4096 + room)];
    String::from_utf8_lossy(&redact(head, secret)).into_owned()
}

/// Replaces every form of `secret` in `s`, wiping the text it replaces.
pub(crate) fn clean(s: &mut String, secret: &str) {
    if s.len() < secret.len().min(FRAGMENT) {
        return;
    }
    clean_with(s, &Redaction::new(secret.as_bytes()));
}

/// [`clean`] with a prepared [`Redaction`].
pub(crate) fn clean_with(s: &mut String, redaction: &Redaction) {
    let redacted = match redaction.apply(s.as_bytes()) {
        Cow::Borrowed(_) => return,
        // Every form of the key is ASCII, and so is its replacement: still UTF-8.
        Cow::Owned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
    };
    drop(Zeroizing::new(std::mem::replace(s, redacted)));
}

/// Replaces `secret` everywhere in a JSON value: strings, and object keys too.
pub(crate) fn scrub_value(v: &mut Value, secret: &str) {
    match v {
        Value::String(s) => clean(s, secret),
        Value::Array(items) => items.iter_mut().for_each(|i| scrub_value(i, secret)),
        Value::Object(map) => {
            if map.keys().any(|k| contains(k, secret)) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(mut k, v)| {
                        clean(&mut k, secret);
                        (k, v)
                    })
                    .collect();
            }
            map.values_mut().for_each(|i| scrub_value(i, secret));
        }
        _ => {}
    }
}

/// Replaces `secret` in every text of a call's metadata, whatever the answer's status.
pub(crate) fn scrub_meta(meta: &mut Meta, secret: &str) {
    scrub_meta_with(meta, &Redaction::new(secret.as_bytes()));
}

/// [`scrub_meta`] with the key's prepared [`Redaction`].
pub(crate) fn scrub_meta_with(meta: &mut Meta, redaction: &Redaction) {
    let texts = [
        meta.request_id.as_mut(),
        meta.exit_class.as_mut(),
        meta.limit.as_mut(),
    ];
    for text in texts.into_iter().flatten() {
        clean_with(text, redaction);
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
        let (shown, debug) = (
            Zeroizing::new(s.to_string()),
            Zeroizing::new(format!("{s:?}")),
        );
        leaks |= contains(&shown, secret) || contains(&debug, secret);
        next = s.source();
    }
    if leaks {
        if let Some(s) = source.take() {
            let mut text = s.to_string();
            clean(&mut text, secret);
            *source = Some(Box::new(Scrubbed(text)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::search::REDACTED;
    use super::*;

    const KEY: &str = "fk_live_a1b2c3d4e5f6";

    fn redacted(text: &str) -> String {
        String::from_utf8(redact(text.as_bytes(), Some(KEY)).into_owned()).unwrap()
    }

    #[test]
    fn escaped_and_percent_encoded_keys_are_found() {
        assert_eq!(redacted(&format!("a {KEY} b")), "a <redacted> b");
        assert_eq!(redacted("fk%5Flive%5fa1b2c3d4e5f6!"), "<redacted>!");
        assert_eq!(redacted("\\u0066k_live_a1b2\\u00633d4e5f6"), "<redacted>");
        // The key less its last character is a fragment of it, and goes too.
        assert_eq!(redacted("fk_live_a1b2c3d4e5f"), "<redacted>");
    }

    #[test]
    fn base64_cores_cover_every_alignment() {
        // base64("Bearer fk_live_a1b2c3d4e5f6") and base64("fk_live_a1b2c3d4e5f6").
        for encoded in [
            "QmVhcmVyIGZrX2xpdmVfYTFiMmMzZDRlNWY2",
            "ZmtfbGl2ZV9hMWIyYzNkNGU1ZjY=",
        ] {
            let out = redacted(encoded);
            // What is left is the encoded `Bearer ` and at most a character at either edge.
            assert!(out.replace(REDACTED, "").len() <= 12, "{encoded} -> {out}");
        }
    }

    #[test]
    fn an_empty_secret_redacts_nothing() {
        let r = Redaction::new(b"");
        assert_eq!(
            r.apply(b"fk_live_abc %41 \\u0041"),
            &b"fk_live_abc %41 \\u0041"[..]
        );
        let mut s = String::from("any text at all");
        clean(&mut s, "");
        assert_eq!(s, "any text at all");
    }
}
