//! The target's response headers, one hop per response of a redirect chain.

use serde_json::{Map, Value};

use super::lenient_number;

/// The status line of one response in a redirect chain (`result`;
/// `fouradata/mcp` `src/tools/single.ts`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusLine {
    /// e.g. `HTTP/2`.
    pub version: Option<String>,
    /// e.g. `301`.
    pub code: Option<u16>,
    /// e.g. `Moved Permanently` (empty on HTTP/2).
    pub reason: Option<String>,
}

/// One response of a redirect chain: its status line and its headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hop {
    /// The status line; `None` when FourA sent none (e.g. on a network failure).
    pub result: Option<StatusLine>,
    /// Headers as sent, each with all its values (`set-cookie` may have several).
    pub headers: Vec<(String, Vec<String>)>,
}

impl Hop {
    /// The first value of a header, ignoring name case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .find_map(|(_, values)| values.first().map(String::as_str))
    }

    /// Every value of a header, ignoring name case.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, values)| values.iter().map(String::as_str))
    }
}

/// The target's response headers, in whichever shape FourA sent them: one [`Hop`] per
/// response of the redirect chain (single, proxy, auto), one hop without a status line (the
/// browser's flat object), or a raw string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseHeaders {
    /// Each response of the redirect chain; the last is the final response.
    pub hops: Vec<Hop>,
    /// The headers as a raw string, when FourA sent them that way.
    pub raw: Option<String>,
}

impl ResponseHeaders {
    pub(crate) fn from_wire(value: Option<Value>) -> ResponseHeaders {
        match value {
            Some(Value::Array(items)) => ResponseHeaders {
                hops: items
                    .into_iter()
                    .filter_map(|item| match item {
                        Value::Object(map) => Some(hop_from(map)),
                        _ => None,
                    })
                    .collect(),
                raw: None,
            },
            Some(Value::Object(map)) => ResponseHeaders {
                hops: vec![hop_from(map)],
                raw: None,
            },
            Some(Value::String(s)) => ResponseHeaders {
                hops: Vec::new(),
                raw: Some(s),
            },
            _ => ResponseHeaders::default(),
        }
    }

    /// The final response's headers.
    pub fn final_hop(&self) -> Option<&Hop> {
        self.hops.last()
    }

    /// The first value of a header of the final response, ignoring name case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.final_hop()?.get(name)
    }
}

fn hop_from(mut map: Map<String, Value>) -> Hop {
    let result = match map.remove("result") {
        Some(Value::Object(r)) => Some(StatusLine {
            version: r.get("version").and_then(Value::as_str).map(str::to_owned),
            code: r
                .get("code")
                .and_then(lenient_number)
                .and_then(|c| u16::try_from(c as u64).ok()),
            reason: r.get("reason").and_then(Value::as_str).map(str::to_owned),
        }),
        _ => None,
    };
    let headers = map
        .into_iter()
        .map(|(name, value)| {
            let values = match value {
                Value::String(s) => vec![s],
                Value::Array(items) => items
                    .into_iter()
                    .map(|i| match i {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect(),
                Value::Null => Vec::new(),
                other => vec![other.to_string()],
            };
            (name, values)
        })
        .collect();
    Hop { result, headers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn header_shapes() {
        let hops = ResponseHeaders::from_wire(Some(json!([
            {"result": {"version": "HTTP/1.1", "code": 301, "reason": "Moved Permanently"}, "location": "https://e.com/f"},
            {"result": {"version": "HTTP/2", "code": "200", "reason": ""}, "Content-Type": "text/html", "set-cookie": ["a=1", "b=2"]}
        ])));
        assert_eq!(hops.hops.len(), 2);
        assert_eq!(hops.hops[0].result.as_ref().unwrap().code, Some(301));
        assert_eq!(
            hops.final_hop().unwrap().result.as_ref().unwrap().code,
            Some(200)
        );
        assert_eq!(hops.get("content-type"), Some("text/html"));
        assert_eq!(
            hops.final_hop()
                .unwrap()
                .get_all("Set-Cookie")
                .collect::<Vec<_>>(),
            ["a=1", "b=2"]
        );

        let flat =
            ResponseHeaders::from_wire(Some(json!({"content-type": "text/html", "x": ["1", 2]})));
        assert_eq!(flat.hops.len(), 1);
        assert!(flat.hops[0].result.is_none());
        assert_eq!(
            flat.final_hop().unwrap().get_all("x").collect::<Vec<_>>(),
            ["1", "2"]
        );

        let raw = ResponseHeaders::from_wire(Some(json!("HTTP/1.1 200 OK\r\nA: b")));
        assert_eq!(raw.raw.as_deref(), Some("HTTP/1.1 200 OK\r\nA: b"));
        assert_eq!(raw.get("a"), None);

        let failed = ResponseHeaders::from_wire(Some(json!([{"result": []}])));
        assert_eq!(failed.hops[0].result, None);
    }
}
