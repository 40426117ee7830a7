//! `validate`: the rules that decide whether an engine's response counts as a success.

use serde::Serialize;

use super::SortedObject;
use crate::error::Error;

/// Rules that decide whether a response counts as a success (`validate`), for single, proxy
/// (per attempt) and auto (per rung). The shape is `fouradata/mcp`'s `src/tools/single.ts`;
/// what success means for billing is <https://foura.ai/docs/api/outcomes>.
///
/// ```
/// use foura::Validate;
///
/// let rules = Validate::new()
///     .status_accept([200, 403])
///     .data_accept("Add to cart")
///     .data_fail("captcha")
///     .header_accept("content-type", "html");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validate {
    status_accept: Vec<u16>,
    status_fail: Vec<u16>,
    headers_accept: Vec<(String, String)>,
    headers_fail: Vec<(String, String)>,
    data_accept: Vec<String>,
    data_fail: Vec<String>,
}

impl Validate {
    /// No rules yet.
    pub fn new() -> Self {
        Validate::default()
    }

    /// `status.accept`: target statuses that count as success (added to any already set).
    pub fn status_accept(mut self, codes: impl IntoIterator<Item = u16>) -> Self {
        self.status_accept.extend(codes);
        self
    }

    /// `status.fail`: target statuses that count as failure.
    pub fn status_fail(mut self, codes: impl IntoIterator<Item = u16>) -> Self {
        self.status_fail.extend(codes);
        self
    }

    /// `headers.accept`: passes when a response header's name contains `name` and its value
    /// contains `value` (both case-insensitive), on any redirect hop.
    pub fn header_accept(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers_accept.push((name.into(), value.into()));
        self
    }

    /// `headers.fail`: fails when a response header matches (as in `header_accept`).
    pub fn header_fail(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers_fail.push((name.into(), value.into()));
        self
    }

    /// `data.accept`: a substring the body must contain (case-sensitive). Use a marker unique
    /// to the real page, so a challenge page served with `200` is not taken for it.
    pub fn data_accept(mut self, text: impl Into<String>) -> Self {
        self.data_accept.push(text.into());
        self
    }

    /// `data.fail`: a substring the body must not contain (case-sensitive), e.g. `captcha`.
    pub fn data_fail(mut self, text: impl Into<String>) -> Self {
        self.data_fail.push(text.into());
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        *self == Validate::default()
    }

    pub(crate) fn check(&self, field: &str) -> Result<(), Error> {
        for code in self.status_accept.iter().chain(&self.status_fail) {
            if !(100..=599).contains(code) {
                return Err(Error::invalid_request(
                    field,
                    format_args!("has status {code}, not an HTTP status (100–599)"),
                ));
            }
        }
        let empty_pair = self
            .headers_accept
            .iter()
            .chain(&self.headers_fail)
            .any(|(n, _)| n.is_empty());
        if empty_pair {
            return Err(Error::invalid_request(
                field,
                "has a header rule with an empty name",
            ));
        }
        if self
            .data_accept
            .iter()
            .chain(&self.data_fail)
            .any(String::is_empty)
        {
            return Err(Error::invalid_request(field, "has an empty data rule"));
        }
        Ok(())
    }

    /// The `validate` field of a request that may have rules: none, or only empty ones, send
    /// nothing.
    pub(crate) fn wire_field(rules: &Option<Validate>) -> Option<WireValidate<'_>> {
        rules
            .as_ref()
            .filter(|r| !r.is_empty())
            .map(Validate::to_wire)
    }

    /// The `validate` object sent: only the rules that were set.
    pub(crate) fn to_wire(&self) -> WireValidate<'_> {
        WireValidate {
            data: Rules::of(&self.data_accept[..], &self.data_fail[..]),
            headers: Rules::of(
                SortedObject(&self.headers_accept),
                SortedObject(&self.headers_fail),
            ),
            status: Rules::of(&self.status_accept[..], &self.status_fail[..]),
        }
    }
}

/// The `validate` object on the wire. Fields are in the order of their wire names, the order
/// the body has always been sent in.
#[derive(Serialize)]
pub(crate) struct WireValidate<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Rules<&'a [String]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<Rules<SortedObject<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Rules<&'a [u16]>>,
}

/// One `accept`/`fail` pair of rules; `None` when neither is set.
#[derive(Serialize)]
struct Rules<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    accept: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fail: Option<T>,
}

impl<T: IsEmpty> Rules<T> {
    fn of(accept: T, fail: T) -> Option<Self> {
        let (accept, fail) = (
            (!accept.is_empty()).then_some(accept),
            (!fail.is_empty()).then_some(fail),
        );
        (accept.is_some() || fail.is_some()).then_some(Rules { accept, fail })
    }
}

trait IsEmpty {
    fn is_empty(&self) -> bool;
}

impl<T> IsEmpty for &[T] {
    fn is_empty(&self) -> bool {
        <[T]>::is_empty(self)
    }
}

impl IsEmpty for SortedObject<'_> {
    fn is_empty(&self) -> bool {
        SortedObject::is_empty(self)
    }
}

/// Reading `validate` from FourA's JSON.
impl Validate {
    /// The rules of a `validate` object (`{"status":{"accept":[…],"fail":[…]},"headers":…,
    /// "data":…}`), through the setters; fields named from `obj`'s path.
    pub(crate) fn from_json_object(
        mut obj: crate::from_json::JsonObject<'_>,
    ) -> Result<Validate, Error> {
        let mut rules = Validate::new();
        if let Some(mut status) = obj.object("status")? {
            let code = |v: &serde_json::Value| v.as_u64().and_then(|n| u16::try_from(n).ok());
            let what = "must be an HTTP status (100–599)";
            if let Some(codes) = status.list("accept", what, code)? {
                rules = rules.status_accept(codes);
            }
            if let Some(codes) = status.list("fail", what, code)? {
                rules = rules.status_fail(codes);
            }
            status.finish()?;
        }
        if let Some(mut headers) = obj.object("headers")? {
            for (name, value) in headers.string_map("accept")?.unwrap_or_default() {
                rules = rules.header_accept(name, value);
            }
            for (name, value) in headers.string_map("fail")?.unwrap_or_default() {
                rules = rules.header_fail(name, value);
            }
            headers.finish()?;
        }
        if let Some(mut data) = obj.object("data")? {
            for text in data.strings("accept")?.unwrap_or_default() {
                rules = rules.data_accept(text);
            }
            for text in data.strings("fail")?.unwrap_or_default() {
                rules = rules.data_fail(text);
            }
            data.finish()?;
        }
        obj.finish()?;
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validate_wire_omits_empty_parts() {
        assert_eq!(
            serde_json::to_value(Validate::new().to_wire()).unwrap(),
            json!({})
        );
        let v = Validate::new()
            .status_accept([200, 403])
            .data_accept("Add to cart")
            .header_fail("server", "cloudflare");
        assert_eq!(
            serde_json::to_value(v.to_wire()).unwrap(),
            json!({"status": {"accept": [200, 403]}, "headers": {"fail": {"server": "cloudflare"}}, "data": {"accept": ["Add to cart"]}})
        );
        assert!(Validate::new().status_fail([42]).check("validate").is_err());
        assert!(Validate::new().data_accept("").check("validate").is_err());
    }
}
