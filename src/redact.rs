//! Every way the key is removed from what a server sends back: raw bytes before they are
//! parsed, texts, JSON values, response metadata and source errors (what `Error::scrub`
//! applies to every part of an error). A server (or a proxy in front of it) may echo the
//! request's headers, key included, and not always verbatim: the key is also found written
//! with JSON `\u00XX` escapes or `%XX` percent-encoding (any mix, either hex case), and as
//! base64 in either alphabet, padded or not, alone, after `Bearer ` or inside any longer
//! encoded text. A key split across two fields is beyond recognising.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::meta::Meta;

/// What the key is replaced with.
const REDACTED: &str = "<redacted>";

/// The forms of `secret` searched for: the key itself, and the part of its base64 encoding
/// that does not depend on what surrounds it, for each of base64's three alignments and both
/// alphabets (RFC 4648 §4 and §5). Each is also matched when written with escapes.
pub(crate) fn needles(secret: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = vec![Zeroizing::new(secret.to_vec())];
    for lead in 0..3usize {
        let mut shifted = Zeroizing::new(vec![0u8; lead]);
        shifted.extend_from_slice(secret);
        // The characters made of the key's bits alone: after the `lead` bytes before it,
        // before the bits of whatever follows it.
        let first = (lead * 8).div_ceil(6);
        let end = shifted.len() * 8 / 6;
        if end <= first + 8 {
            continue;
        }
        let core: Zeroizing<Vec<u8>> = Zeroizing::new(
            (first..end)
                .map(|i| {
                    let (at, shift) = (i * 6 / 8, i * 6 % 8);
                    let high = u16::from(shifted[at]) << 8;
                    let pair = high | u16::from(shifted.get(at + 1).copied().unwrap_or(0));
                    STANDARD[usize::from((pair >> (10 - shift)) & 63)]
                })
                .collect(),
        );
        let url_safe: Zeroizing<Vec<u8>> = Zeroizing::new(
            core.iter()
                .map(|&c| match c {
                    b'+' => b'-',
                    b'/' => b'_',
                    c => c,
                })
                .collect(),
        );
        if url_safe != core {
            out.push(url_safe);
        }
        out.push(core);
    }
    out
}

/// The value of the hex digits in `hex`, if they all are hex digits.
fn hex(hex: &[u8]) -> Option<u8> {
    let mut value = 0u32;
    for &h in hex {
        value = value * 16 + char::from(h).to_digit(16)?;
    }
    u8::try_from(value).ok()
}

/// How many bytes of `hay`, from its start, spell `needle`, each byte written as itself, as
/// `%XX` or as a JSON `\u00XX` escape.
fn spelled(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let mut at = 0;
    for &want in needle {
        let rest = hay.get(at..)?;
        at += match rest {
            [b, ..] if *b == want => 1,
            [b'%', h1, h2, ..] if hex(&[*h1, *h2]) == Some(want) => 3,
            [b'\\', b'u', h @ ..] if h.len() >= 4 && hex(&h[..4]) == Some(want) => 6,
            _ => return None,
        };
    }
    Some(at)
}

/// Where in `bytes` the next form of the key starts at or after `from`, and its length.
fn find(bytes: &[u8], from: usize, needles: &[Zeroizing<Vec<u8>>]) -> Option<(usize, usize)> {
    // The bytes a form of the key can start with, as a table: a page of megabytes is
    // scanned at one look-up a byte, and only a candidate start is tried against each form.
    let mut starts = [false; 256];
    starts[usize::from(b'%')] = true;
    starts[usize::from(b'\\')] = true;
    for needle in needles {
        starts[usize::from(needle[0])] = true;
    }
    let from = from.min(bytes.len());
    bytes[from..]
        .iter()
        .enumerate()
        .filter(|&(_, &b)| starts[usize::from(b)])
        .find_map(|(offset, _)| {
            let at = from + offset;
            needles
                .iter()
                .find_map(|n| spelled(&bytes[at..], n))
                .map(|len| (at, len))
        })
}

/// `bytes` with every form of `secret` replaced by `<redacted>`.
pub(crate) fn redact<'a>(bytes: &'a [u8], secret: Option<&str>) -> Cow<'a, [u8]> {
    let Some(secret) = secret.map(str::as_bytes).filter(|s| !s.is_empty()) else {
        return Cow::Borrowed(bytes);
    };
    // No form of the key is shorter than the key itself (a base64 core is kept only when it
    // is at least as long), so a shorter text — a request id, an exit class — holds none,
    // and the forms need not be built for it.
    if bytes.len() < secret.len() {
        return Cow::Borrowed(bytes);
    }
    redact_forms(bytes, &needles(secret))
}

/// `bytes` with every one of `needles` (the forms of a key, [`needles`]) replaced by
/// `<redacted>`: for a caller that keeps the forms of its key.
pub(crate) fn redact_forms<'a>(bytes: &'a [u8], needles: &[Zeroizing<Vec<u8>>]) -> Cow<'a, [u8]> {
    let Some(mut next) = find(bytes, 0, needles) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut done = 0;
    loop {
        let (at, len) = next;
        out.extend_from_slice(&bytes[done..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        done = at + len;
        match find(bytes, done, needles) {
            Some(found) => next = found,
            None => break,
        }
    }
    out.extend_from_slice(&bytes[done..]);
    Cow::Owned(out)
}

/// Whether `text` holds any form of `secret`.
pub(crate) fn contains(text: &str, secret: &str) -> bool {
    !secret.is_empty()
        && text.len() >= secret.len()
        && find(text.as_bytes(), 0, &needles(secret.as_bytes())).is_some()
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
    let redacted = match redact(s.as_bytes(), Some(secret)) {
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
    let texts = [
        meta.request_id.as_mut(),
        meta.exit_class.as_mut(),
        meta.limit.as_mut(),
    ];
    for text in texts.into_iter().flatten() {
        clean(text, secret);
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
        assert_eq!(redacted("fk_live_a1b2c3d4e5f"), "fk_live_a1b2c3d4e5f");
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
    fn no_form_of_a_key_is_shorter_than_the_key() {
        // What lets `redact` pass over texts shorter than the key without building forms.
        for n in 1..200 {
            let key = "k".repeat(n);
            for needle in needles(key.as_bytes()) {
                assert!(needle.len() >= n, "key of {n}: a form of {}", needle.len());
            }
        }
    }
}
