//! `validate`: the rules a fetched page must pass, as single, proxy and auto apply them.

use serde_json::Value;

use super::Checked;
use crate::mock::web::Page;

/// The rules of `validate` (`fouradata/mcp` `src/tools/single.ts`).
#[derive(Default)]
pub(super) struct Rules {
    status_accept: Vec<u64>,
    status_fail: Vec<u64>,
    headers_accept: Vec<(String, String)>,
    headers_fail: Vec<(String, String)>,
    data_accept: Vec<String>,
    data_fail: Vec<String>,
}

/// Which `validate` rule turned a response down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rejected {
    Status,
    Headers,
    Data,
}

impl Rejected {
    pub(super) fn message(self, status: u16) -> String {
        match self {
            Rejected::Status => format!("Response status {status} rejected by validate.status"),
            Rejected::Headers => "Response headers rejected by validate.headers".into(),
            Rejected::Data => "Response body rejected by validate.data".into(),
        }
    }
}

impl Rules {
    pub(super) fn parse(v: &Value, prefix: &'static str) -> Checked<Rules> {
        let bad = |what: &str| Err(format!("'{prefix}validate{what}' is malformed"));
        let Value::Object(map) = v else {
            return bad("");
        };
        let mut out = Rules::default();
        for (section, rules) in map {
            let Value::Object(rules) = rules else {
                return bad(&format!(".{section}"));
            };
            for (kind, list) in rules {
                if kind != "accept" && kind != "fail" {
                    return Err(format!("unknown field '{prefix}validate.{section}.{kind}'"));
                }
                let accept = kind == "accept";
                let ok = match section.as_str() {
                    "status" => list
                        .as_array()
                        .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<_>>>())
                        .map(|codes| {
                            *either(accept, &mut out.status_accept, &mut out.status_fail) = codes
                        }),
                    "headers" => list
                        .as_object()
                        .and_then(|m| {
                            m.iter()
                                .map(|(k, v)| {
                                    Some((k.to_ascii_lowercase(), v.as_str()?.to_ascii_lowercase()))
                                })
                                .collect::<Option<Vec<_>>>()
                        })
                        .map(|pairs| {
                            *either(accept, &mut out.headers_accept, &mut out.headers_fail) = pairs
                        }),
                    "data" => list
                        .as_array()
                        .and_then(|a| {
                            a.iter()
                                .map(|s| s.as_str().map(str::to_owned))
                                .collect::<Option<Vec<_>>>()
                        })
                        .map(|subs| {
                            *either(accept, &mut out.data_accept, &mut out.data_fail) = subs
                        }),
                    _ => return Err(format!("unknown field '{prefix}validate.{section}'")),
                };
                if ok.is_none() {
                    return bad(&format!(".{section}.{kind}"));
                }
            }
        }
        Ok(out)
    }

    /// The first rule the page breaks: status, then headers, then data. `data.accept` needs
    /// every substring (case-sensitive); `headers.accept` needs one pair on any hop
    /// (<https://foura.ai/docs/api/outcomes>, `fouradata/mcp` `src/tools/single.ts`).
    pub(super) fn check(&self, page: &Page) -> Option<Rejected> {
        let status = u64::from(page.status);
        if (!self.status_accept.is_empty() && !self.status_accept.contains(&status))
            || self.status_fail.contains(&status)
        {
            return Some(Rejected::Status);
        }
        let matches = |pairs: &[(String, String)]| {
            pairs.iter().any(|(name, value)| {
                page.hops.iter().filter_map(Value::as_object).any(|hop| {
                    hop.iter().any(|(n, v)| {
                        n != "result"
                            && n.to_ascii_lowercase().contains(name.as_str())
                            && header_values(v)
                                .iter()
                                .any(|s| s.to_ascii_lowercase().contains(value.as_str()))
                    })
                })
            })
        };
        if (!self.headers_accept.is_empty() && !matches(&self.headers_accept))
            || matches(&self.headers_fail)
        {
            return Some(Rejected::Headers);
        }
        let text = page.text();
        if !self.data_accept.iter().all(|s| text.contains(s.as_str()))
            || self.data_fail.iter().any(|s| text.contains(s.as_str()))
        {
            return Some(Rejected::Data);
        }
        None
    }
}

fn header_values(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The `accept` list of a rule section, or its `fail` list.
fn either<'a, T>(accept: bool, accept_list: &'a mut T, fail_list: &'a mut T) -> &'a mut T {
    if accept { accept_list } else { fail_list }
}
