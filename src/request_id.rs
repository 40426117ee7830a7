//! [`RequestId`]: a stable id for a request, derived from exactly what it sends.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use serde_json::Value;

use crate::error::Error;

/// The API label hashed into the id of a task request (`POST /api/v1/tasks`).
pub(crate) const TASKS_API: &str = "tasks";
/// The API label hashed into the id of an engine request (`POST /api/{single,proxy,browser,auto}`).
pub(crate) const ENGINES_API: &str = "engines";

/// FNV-1a 64's offset basis and prime (<http://www.isthe.com/chongo/tech/comp/fnv/>).
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A request's id: the same request gives the same id on any machine, in any process, and in
/// any later version of this crate, so a utility can match results to inputs, resume a run,
/// and split inputs across machines ([`RequestId::in_shard`]).
///
/// The id depends only on what the request sends — its API, its path and its JSON body,
/// defaults the builder fills included (`unblocker`) — never on the client, the key, the base
/// URL or per-call settings such as `call_timeout`. A request built with its builder and the
/// same request read with `from_json` have the same id; requests that send anything different
/// have different ids (up to the odds of a 64-bit hash collision, about 1 in 37 million for a
/// run of a million requests).
///
/// # The algorithm
///
/// The id is the 64-bit FNV-1a hash (offset basis `0xcbf29ce484222325`, prime
/// `0x100000001b3`; each byte is XORed in, then the state is multiplied by the prime modulo
/// 2⁶⁴) of the bytes
///
/// ```text
/// api 0x00 path 0x00 canonical-json(body)
/// ```
///
/// where
///
/// - `api` is `tasks` for a [`TaskRequest`](crate::TaskRequest) and `engines` for the engine
///   requests;
/// - `path` is the endpoint's documented path: `/api/v1/tasks`, `/api/single/`, `/api/proxy/`,
///   `/api/browser/`, `/api/auto` (the last even when a client sends auto requests to another
///   [`auto_path`](crate::ClientBuilder::auto_path));
/// - `body` is the JSON body the request sends (its `to_json`), written canonically: no
///   whitespace; object keys sorted by their UTF-8 bytes; arrays in order; `null`, `true`,
///   `false`; numbers as serde_json writes them (integers in plain decimal, other numbers in
///   the shortest form that reads back the same); strings in double quotes with `"` and `\`
///   escaped as `\"` and `\\`, U+0008, U+0009, U+000A, U+000C and U+000D as `\b`, `\t`, `\n`,
///   `\f` and `\r`, every other character below U+0020 as `\u00xx` (lowercase hex), and every
///   other character as its UTF-8 bytes.
///
/// The id is written as 16 lowercase hexadecimal digits.
///
/// ```
/// use foura::{RequestId, SingleRequest};
///
/// let id = SingleRequest::get("https://example.com/").id();
/// assert_eq!(id.to_string(), "2214c5e7b0567685");
/// assert_eq!(id.to_string().parse::<RequestId>()?, id);
/// # Ok::<(), foura::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(u64);

impl RequestId {
    /// The id of a request sending `body` to `path` of `api` (see the algorithm above).
    pub(crate) fn of(api: &str, path: &str, body: &Value) -> RequestId {
        let mut text = String::with_capacity(api.len() + path.len() + 256);
        text.push_str(api);
        text.push('\0');
        text.push_str(path);
        text.push('\0');
        write_canonical(body, &mut text);
        RequestId(fnv1a_64(text.as_bytes()))
    }

    /// The id with this value (e.g. one stored as a number).
    pub const fn from_u64(value: u64) -> RequestId {
        RequestId(value)
    }

    /// The id as a number.
    pub const fn as_u64(&self) -> u64 {
        self.0
    }

    /// Which of `n` shards the request belongs to, **0-based** (`0..n`): the high bits of the
    /// id scaled to `n`, `(id × n) >> 64` in 128-bit arithmetic, so shards are even and every
    /// machine agrees on them.
    pub fn shard_of(&self, n: NonZeroU32) -> u32 {
        ((u128::from(self.0) * u128::from(n.get())) >> 64) as u32
    }

    /// Whether the request belongs to shard `k` of `n`, **1-based** as in a command line's
    /// `--shard K/N` (`1..=n`): true for exactly one `k` per request. `false` when `k` is `0`
    /// or above `n`.
    ///
    /// ```
    /// use std::num::NonZeroU32;
    /// use foura::SingleRequest;
    ///
    /// let three = NonZeroU32::new(3).unwrap();
    /// let id = SingleRequest::get("https://example.com/").id();
    /// assert_eq!((1..=3).filter(|&k| id.in_shard(k, three)).count(), 1);
    /// ```
    pub fn in_shard(&self, k: u32, n: NonZeroU32) -> bool {
        k >= 1 && k <= n.get() && self.shard_of(n) == k - 1
    }
}

impl fmt::Display for RequestId {
    /// 16 lowercase hexadecimal digits, leading zeros kept.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl FromStr for RequestId {
    type Err = Error;

    /// Reads the 16 hexadecimal digits [`Display`](fmt::Display) writes (either letter case).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming `request id`
    /// for anything else.
    fn from_str(s: &str) -> Result<Self, Error> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid_request(
                "request id",
                "must be 16 hexadecimal digits",
            ));
        }
        u64::from_str_radix(s, 16)
            .map(RequestId)
            .map_err(|_| Error::invalid_request("request id", "must be 16 hexadecimal digits"))
    }
}

fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// Writes `value` as canonical JSON (see [`RequestId`]), whatever order its map keeps keys in.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical(v: &Value) -> String {
        let mut out = String::new();
        write_canonical(v, &mut out);
        out
    }

    #[test]
    fn fnv1a_64_matches_its_published_test_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn canonical_json_sorts_keys_and_escapes_as_serde_json_does() {
        let v = json!({"b": [1, -2, 1.5, null, true], "a": {"z": "\"\\\u{1}\u{8}\t\n\u{c}\r\u{1f} ü/", "y": false}});
        let text = canonical(&v);
        assert_eq!(
            text,
            r#"{"a":{"y":false,"z":"\"\\\u0001\b\t\n\f\r\u001f ü/"},"b":[1,-2,1.5,null,true]}"#
        );
        // Without whitespace and with sorted keys, it is what serde_json writes for a sorted map.
        let sorted: std::collections::BTreeMap<String, Value> =
            serde_json::from_value(v.clone()).unwrap();
        assert_eq!(text, serde_json::to_string(&sorted).unwrap());
    }

    #[test]
    fn display_is_fixed_width_and_parses_back() {
        let id = RequestId::from_u64(0xab);
        assert_eq!(id.to_string(), "00000000000000ab");
        assert_eq!("00000000000000AB".parse::<RequestId>().unwrap(), id);
        for bad in [
            "ab",
            "00000000000000ag",
            "+0000000000000ab",
            "000000000000000ab",
        ] {
            assert!(bad.parse::<RequestId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_cover_every_id_once() {
        let n = NonZeroU32::new(7).unwrap();
        for raw in [0, 1, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
            let id = RequestId::from_u64(raw);
            assert!(id.shard_of(n) < 7);
            assert_eq!((0..=8).filter(|&k| id.in_shard(k, n)).count(), 1);
        }
        assert_eq!(RequestId::from_u64(u64::MAX).shard_of(n), 6);
        assert_eq!(RequestId::from_u64(0).shard_of(n), 0);
    }
}
