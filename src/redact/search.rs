//! The search for the key in a text: its whole forms ([`needles`]: verbatim, escaped or
//! base64-encoded) and its fragments (any run of [`FRAGMENT`] of its characters), built once
//! per key as a [`Redaction`], with a quick check that passes almost every text on untouched.

use std::borrow::Cow;

use zeroize::Zeroizing;

/// What the key is replaced with.
pub(crate) const REDACTED: &str = "<redacted>";

/// The forms of `secret` searched for: the key itself, and the part of its base64 encoding
/// that does not depend on what surrounds it, for each of base64's three alignments and both
/// alphabets (RFC 4648 §4 and §5). Each is also matched when written with escapes.
pub(crate) fn needles(secret: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
    const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if secret.is_empty() {
        // Nothing to search for (and no first byte to index the forms by).
        return Vec::new();
    }
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

/// The byte a form of the key starts with at the start of `hay`, when that byte is written
/// as `%XX` or as a JSON `\u00XX` escape.
fn escaped_first(hay: &[u8]) -> Option<u8> {
    match hay {
        [b'%', h1, h2, ..] => hex(&[*h1, *h2]),
        [b'\\', b'u', h @ ..] if h.len() >= 4 => hex(&h[..4]),
        _ => None,
    }
}

/// Where in `bytes` the next form of the key starts at or after `from`, and its length.
fn find(bytes: &[u8], from: usize, r: &Redaction) -> Option<(usize, usize)> {
    let from = from.min(bytes.len());
    bytes[from..]
        .iter()
        .enumerate()
        .filter(|&(_, &b)| r.class[usize::from(b)] & START != 0)
        .find_map(|(offset, _)| {
            let at = from + offset;
            r.form_at(&bytes[at..]).map(|len| (at, len))
        })
}

/// How many characters of the key in a row count as a leak when a server echoes only part
/// of it (a message cut short, a trimmed prefix): any run this long is removed.
pub(crate) const FRAGMENT: usize = 10;

/// Everything redaction searches for, built once for a key: its whole forms ([`needles`])
/// and its fragments — every run of [`FRAGMENT`] characters of it, in any letter case.
pub(crate) struct Redaction {
    needles: Vec<Zeroizing<Vec<u8>>>,
    /// The key in lower case, for checking a fragment candidate.
    lower: Zeroizing<Vec<u8>>,
    /// The fragment length: [`FRAGMENT`], or the whole key when it is shorter.
    n: usize,
    /// A bit per value of the fragments' hashes (low 16 bits): most windows of a text are
    /// turned away by one look-up.
    seen: Zeroizing<Vec<u64>>,
    /// Per byte value: [`KEY`] when the key holds it (in either case), [`START`] when a whole
    /// form can start with it (written as itself, or as the `%` or `\` of an escape), [`FORM`]
    /// when a whole form can hold it.
    class: [u8; 256],
    /// The length of the shortest whole form (none is shorter than the key).
    shortest: usize,
    /// Per byte value, a bit per form of [`needles`](Self::needles) that starts with it: a
    /// candidate start is tried against those forms alone.
    first: [u8; 256],
}

/// [`Redaction::class`]: the key holds this byte.
const KEY: u8 = 1;
/// [`Redaction::class`]: a whole form can start here.
const START: u8 = 2;
/// [`Redaction::class`]: a whole form can hold this byte: a byte of one of the forms, or of
/// an escape (`%`, `\`, `u`, a hex digit).
const FORM: u8 = 4;

/// The fragment hash's base.
const BASE: u64 = 0x0100_0000_01b3;

impl Redaction {
    pub(crate) fn new(secret: &[u8]) -> Redaction {
        let lower = Zeroizing::new(secret.to_ascii_lowercase());
        let n = FRAGMENT.min(lower.len()).max(1);
        let mut seen = Zeroizing::new(vec![0u64; 1 << 10]);
        for window in lower.windows(n) {
            let h = hash(window);
            seen[(h as usize >> 6) & 1023] |= 1 << (h & 63);
        }
        let mut class = [0u8; 256];
        for &b in lower.iter() {
            class[usize::from(b)] |= KEY;
            class[usize::from(b.to_ascii_uppercase())] |= KEY;
        }
        class[usize::from(b'%')] |= START;
        class[usize::from(b'\\')] |= START;
        for &b in b"%\\u0123456789abcdefABCDEF" {
            class[usize::from(b)] |= FORM;
        }
        let needles = needles(secret);
        // At most seven forms: the key, and two alphabets for each of three alignments.
        debug_assert!(needles.len() <= 8);
        let mut first = [0u8; 256];
        for (i, needle) in needles.iter().enumerate() {
            class[usize::from(needle[0])] |= START;
            first[usize::from(needle[0])] |= 1 << i;
            for &b in needle.iter() {
                class[usize::from(b)] |= FORM;
            }
        }
        Redaction {
            shortest: needles.iter().map(|n| n.len()).min().unwrap_or(1).max(1),
            needles,
            lower,
            n,
            seen,
            class,
            first,
        }
    }

    /// How many bytes at the start of `hay` spell a whole form of the key, trying only the
    /// forms that can start with its first byte (as itself or escaped), in their order.
    fn form_at(&self, hay: &[u8]) -> Option<usize> {
        let b = *hay.first()?;
        let mut forms = self.first[usize::from(b)];
        if let Some(e) = escaped_first(hay) {
            forms |= self.first[usize::from(e)];
        }
        self.needles
            .iter()
            .enumerate()
            .filter(|&(i, _)| forms & (1 << i) != 0)
            .find_map(|(_, needle)| spelled(hay, needle))
    }

    /// Whether the `n` bytes of `window` (each a byte of the key, in any case) are a run of
    /// the key's characters.
    fn is_fragment(&self, window: &[u8]) -> bool {
        let h = window.iter().fold(0u64, |h, &b| {
            h.wrapping_mul(BASE)
                .wrapping_add(u64::from(b.to_ascii_lowercase()))
        });
        self.seen[(h as usize >> 6) & 1023] & (1 << (h & 63)) != 0
            && self
                .lower
                .windows(self.n)
                .any(|w| w.eq_ignore_ascii_case(window))
    }

    /// Whether some `n` bytes in a row of `run` are a run of the key's characters (any case),
    /// with the windows' hashes rolled forward a byte at a time.
    fn holds_fragment(&self, run: &[u8]) -> bool {
        let n = self.n;
        // BASE to the power n: what the byte leaving the window weighs in the hash.
        let out = (0..n).fold(1u64, |p, _| p.wrapping_mul(BASE));
        let mut h = 0u64;
        for (i, &b) in run.iter().enumerate() {
            h = h
                .wrapping_mul(BASE)
                .wrapping_add(u64::from(b.to_ascii_lowercase()));
            if i >= n {
                h = h.wrapping_sub(u64::from(run[i - n].to_ascii_lowercase()).wrapping_mul(out));
            }
            if i + 1 >= n
                && self.seen[(h as usize >> 6) & 1023] & (1 << (h & 63)) != 0
                && self
                    .lower
                    .windows(n)
                    .any(|w| w.eq_ignore_ascii_case(&run[i + 1 - n..=i]))
            {
                return true;
            }
        }
        false
    }

    /// Whether `bytes` may hold a form or a fragment of the key: `false` means it holds none,
    /// which is what almost every answer is, and it is then passed on as it is. A fragment
    /// lies in a run of at least `n` bytes of the key, and a whole form in a run of at least
    /// `shortest` bytes a form can hold ([`runs`]); only such runs are looked at closer, for
    /// what [`fragments`](Self::fragments) and [`find`] look for.
    fn suspect(&self, bytes: &[u8]) -> bool {
        let n = self.n;
        runs(bytes, n, &self.class, KEY, |run| self.holds_fragment(run))
            || runs(bytes, self.shortest, &self.class, FORM, |run| {
                (0..run.len()).any(|at| {
                    self.class[usize::from(run[at])] & START != 0
                        && self.form_at(&run[at..]).is_some()
                })
            })
    }

    /// `bytes` with every form and every fragment of the key replaced by `<redacted>`.
    pub(crate) fn apply<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.suspect(bytes) {
            return Cow::Borrowed(bytes);
        }
        let whole = redact_forms(bytes, self);
        match self.fragments(&whole) {
            Some(clean) => Cow::Owned(clean),
            None => whole,
        }
    }

    /// `bytes` with every run of `n` characters of the key (any case) replaced, or `None`
    /// when there is none. Only runs of bytes that occur in the key (any case) can hold a
    /// fragment, so everything else is passed over at one look-up a byte.
    fn fragments(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let n = self.n;
        let mut hits: Vec<(usize, usize)> = Vec::new();
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if self.class[usize::from(b)] & KEY == 0 {
                run = 0;
                continue;
            }
            run += 1;
            if run < n {
                continue;
            }
            let start = i + 1 - n;
            if self.is_fragment(&bytes[start..=i]) {
                match hits.last_mut() {
                    Some((_, end)) if *end >= start => *end = i + 1,
                    _ => hits.push((start, i + 1)),
                }
            }
        }
        if hits.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut done = 0;
        for (start, end) in hits {
            out.extend_from_slice(&bytes[done..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            done = end;
        }
        out.extend_from_slice(&bytes[done..]);
        Some(out)
    }
}

/// Whether `hit` holds for a maximal run of at least `m` bytes of `bytes` whose class (in
/// `class`) has the bit `bit`, trying each such run until one does.
///
/// Runs are found without looking at every byte: the last byte of a possible run is looked
/// at first, and when it is not of the class no run of `m` can take in any byte before it,
/// so the search jumps `m` bytes ahead.
fn runs(
    bytes: &[u8],
    m: usize,
    class: &[u8; 256],
    bit: u8,
    mut hit: impl FnMut(&[u8]) -> bool,
) -> bool {
    let of = |i: usize| class[usize::from(bytes[i])] & bit != 0;
    // Every byte before `start` is dealt with, and the byte before it is not of the class.
    let mut start = 0;
    while start + m <= bytes.len() {
        let last = start + m - 1;
        if !of(last) {
            start = last + 1;
            continue;
        }
        // The run that ends at `last` begins at `from`.
        let mut from = last;
        while from > start && of(from - 1) {
            from -= 1;
        }
        if from > start {
            start = from;
            continue;
        }
        let mut end = last + 1;
        while end < bytes.len() && of(end) {
            end += 1;
        }
        if hit(&bytes[start..end]) {
            return true;
        }
        start = end + 1;
    }
    false
}

/// The polynomial hash of `window` (already in lower case), as `fragments` computes it.
fn hash(window: &[u8]) -> u64 {
    window.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(b))
    })
}

/// `bytes` with every whole form of the key (the forms of [`needles`]) replaced by
/// `<redacted>`.
fn redact_forms<'a>(bytes: &'a [u8], r: &Redaction) -> Cow<'a, [u8]> {
    let Some(mut next) = find(bytes, 0, r) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut done = 0;
    loop {
        let (at, len) = next;
        out.extend_from_slice(&bytes[done..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        done = at + len;
        match find(bytes, done, r) {
            Some(found) => next = found,
            None => break,
        }
    }
    out.extend_from_slice(&bytes[done..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_quick_check_misses_nothing_the_full_search_finds() {
        // `apply` passes a text on unchanged when `suspect` finds nothing; the full search
        // (whole forms, then fragments) must then find nothing either.
        let key = b"fk_live_a1B2c3d4e5f6g7h8";
        let r = Redaction::new(key);
        let forms: Vec<Vec<u8>> = needles(key).into_iter().map(|n| n.to_vec()).collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let alphabet = b"abcdefkliv_0123456789ABCDEFGH%\\u\" {}:/+=-";
        let mut suspected = 0;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..next(6) {
                match next(5) {
                    // Noise made of the key's own characters and escape starts.
                    0 | 1 => (0..next(40)).for_each(|_| text.push(alphabet[next(alphabet.len())])),
                    // A form, some of its bytes escaped.
                    2 => {
                        let form = &forms[next(forms.len())];
                        let cut = next(form.len()) + 1;
                        for &b in &form[..cut] {
                            match next(4) {
                                0 => text.extend_from_slice(format!("%{b:02X}").as_bytes()),
                                1 => text.extend_from_slice(format!("\\u{:04x}", b).as_bytes()),
                                _ => text.push(b),
                            }
                        }
                    }
                    // A run of the key, any length, in a mixed case.
                    _ => {
                        let from = next(key.len());
                        let to = from + next(key.len() - from) + 1;
                        for &b in &key[from..to] {
                            text.push(if next(2) == 0 {
                                b.to_ascii_uppercase()
                            } else {
                                b
                            });
                        }
                    }
                }
            }
            let full = match r.fragments(&redact_forms(&text, &r)) {
                Some(clean) => clean,
                None => redact_forms(&text, &r).into_owned(),
            };
            if r.suspect(&text) {
                suspected += 1;
            } else {
                assert_eq!(full, text, "{}", String::from_utf8_lossy(&text));
            }
            assert_eq!(
                r.apply(&text),
                &full[..],
                "{}",
                String::from_utf8_lossy(&text)
            );
        }
        // The cases are not all clean ones.
        assert!(suspected > 1_000, "{suspected}");
    }

    #[test]
    fn fragments_are_found_anywhere_in_any_case() {
        let key = b"fk_live_0123456789abcdefghij";
        let r = Redaction::new(key);
        let long = "x".repeat(5000);
        for text in [
            format!("{long}6789ABCDEF{long}"),
            "56789abcdefghi".to_owned(),
            format!("{long}fk_live_0123456789abcdefghi"),
            format!("ab{}", "0123456789abcdefghij".to_ascii_uppercase()),
        ] {
            let out = String::from_utf8(r.apply(text.as_bytes()).into_owned()).unwrap();
            assert!(out.contains(REDACTED), "{text}");
            let lower = out.to_ascii_lowercase();
            for w in key.windows(FRAGMENT) {
                assert!(!lower.contains(std::str::from_utf8(w).unwrap()), "{out}");
            }
        }
        // Nine characters in a row, or the public prefix alone, are left as they are.
        for text in ["012345678", "fk_live_", "a fk_live_ key"] {
            assert_eq!(r.apply(text.as_bytes()), text.as_bytes(), "{text}");
        }
    }
}
