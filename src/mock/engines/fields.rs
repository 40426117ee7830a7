//! Checking request bodies field by field: types, ranges, URLs, methods, header pairs and
//! proxy values, with `detail` messages that name the field.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::Checked;
use crate::mock::web::{self, Target, UrlError};

/// One JSON object being checked, with the path prefix used in `detail` messages.
pub(super) struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: &'static str,
}

impl<'a> Fields<'a> {
    /// Refuses unknown fields: the emulator is stricter than FourA is known to be: `fouradata/mcp`
    /// strips its own fields before sending, so FourA may refuse unknown ones.
    pub(super) fn new(
        map: &'a Map<String, Value>,
        prefix: &'static str,
        known: &[&str],
    ) -> Checked<Self> {
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("unknown field '{prefix}{unknown}'"));
        }
        Ok(Fields { map, prefix })
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub(super) fn fail<T>(&self, key: &str, what: &str) -> Checked<T> {
        Err(format!("'{}{key}' must be {what}", self.prefix))
    }

    pub(super) fn string(&self, key: &str) -> Checked<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => self.fail(key, "a string"),
        }
    }

    pub(super) fn required_string(&self, key: &str) -> Checked<&'a str> {
        match self.string(key)? {
            Some(s) => Ok(s),
            None => Err(format!("'{}{key}' is required", self.prefix)),
        }
    }

    pub(super) fn boolean(&self, key: &str) -> Checked<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => self.fail(key, "a boolean"),
        }
    }

    pub(super) fn integer(&self, key: &str, min: u64, max: u64) -> Checked<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => self.fail(key, &format!("an integer from {min} to {max}")),
            },
        }
    }

    pub(super) fn strings(&self, key: &str) -> Checked<Option<Vec<&'a str>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                match items.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
                    Some(strings) => Ok(Some(strings)),
                    None => self.fail(key, "an array of strings"),
                }
            }
            Some(_) => self.fail(key, "an array of strings"),
        }
    }

    /// `exitClass` (`fouradata/mcp` `src/tools/proxy.ts`).
    pub(super) fn exit_class(&self) -> Checked<Option<&'static str>> {
        match self.string("exitClass")? {
            None => Ok(None),
            Some("standard") => Ok(Some("standard")),
            Some("premium") => Ok(Some("premium")),
            Some(_) => self.fail("exitClass", "\"standard\" or \"premium\""),
        }
    }

    /// The target URL: `{ts}` replaced, absolute http(s). A private address is kept aside and
    /// answered after the rest of the body has been checked.
    pub(super) fn url(&self, now: u64) -> Checked<Result<Target, IpAddr>> {
        let url = web::resolve_ts(self.required_string("url")?, now);
        match web::parse(&url) {
            Ok(target) => Ok(Ok(target)),
            Err(UrlError::Private(ip)) => Ok(Err(ip)),
            Err(UrlError::Invalid(why)) => Err(format!("'{}url': {why}", self.prefix)),
        }
    }

    /// An HTTP method: any non-empty token (the MCP passes verbs such as `PROPFIND` through).
    pub(super) fn method(&self, key: &str) -> Checked<Option<&'a str>> {
        let Some(m) = self.string(key)? else {
            return Ok(None);
        };
        let token = !m.is_empty()
            && m.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if token {
            Ok(Some(m))
        } else {
            self.fail(key, "an HTTP method")
        }
    }

    /// `[[name, value], …]` (<https://foura.ai/docs/api/endpoints>), each a string, no line breaks.
    pub(super) fn header_pairs(&self) -> Checked<Vec<(&'a str, &'a str)>> {
        let Some(v) = self.get("headers") else {
            return Ok(Vec::new());
        };
        let what = "an array of [name, value] string pairs";
        let Value::Array(items) = v else {
            return self.fail("headers", what);
        };
        let mut pairs = Vec::with_capacity(items.len());
        for item in items {
            match item.as_array().map(Vec::as_slice) {
                Some([Value::String(n), Value::String(v)]) if header_ok(n, v) => {
                    pairs.push((n.as_str(), v.as_str()));
                }
                _ => return self.fail("headers", what),
            }
        }
        Ok(pairs)
    }

    /// The request body to send on: a string, or an object serialised as JSON.
    pub(super) fn data(&self) -> Checked<()> {
        match self.get("data") {
            None | Some(Value::String(_) | Value::Object(_)) => Ok(()),
            Some(_) => self.fail("data", "a string or an object"),
        }
    }
}

pub(super) fn header_ok(name: &str, value: &str) -> bool {
    !name.is_empty() && !name.contains([':', '\r', '\n', ' ']) && !value.contains(['\r', '\n'])
}

/// A base36 exit id as handed out by `/proxy/` (`fouradata/mcp` `src/tools/proxy.ts`).
fn is_proxy_id(p: &str) -> bool {
    (1..=16).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The emulator's premium exits have ids starting with `P` (standard ones never do).
pub(super) fn is_premium_id(p: &str) -> bool {
    is_proxy_id(p) && p.starts_with('P')
}

/// `proxy`: a base36 id, or `http(s)://[user:pass@]host:port` / `socks5://host:port`.
pub(super) fn proxy_value_ok(p: &str) -> bool {
    if is_proxy_id(p) {
        return true;
    }
    let Some((scheme, rest)) = p.split_once("://") else {
        return false;
    };
    let scheme_ok = ["http", "https", "socks4", "socks5", "socks5h"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s));
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let Some((host, port)) = host_port.rsplit_once(':') else {
        return false;
    };
    scheme_ok
        && !host.is_empty()
        && !host.contains(['/', '?', '#', '@'])
        && !host.chars().any(|c| c.is_whitespace() || c.is_control())
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}
