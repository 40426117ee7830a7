//! What both APIs share on the wire: checks of what is sent, and tolerant reading of what
//! comes back.

use serde_json::{Map, Value};

use crate::error::Error;

/// Whether `s` is an HTTP token (RFC 9110 §5.6.2): a valid method or header name.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// Checks that a target URL is an absolute `http(s)` URL with a host.
pub(crate) fn check_target_url(field: &str, url: &str) -> Result<(), Error> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err(Error::invalid_request(
            field,
            "must be an absolute URL starting with http:// or https://",
        ));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(Error::invalid_request(field, "has no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_request(
            field,
            "contains whitespace or control characters (percent-encode them)",
        ));
    }
    Ok(())
}

/// Checks a request header: the name an HTTP token, the value free of control characters.
pub(crate) fn check_header(field: &str, name: &str, value: &str) -> Result<(), Error> {
    if !is_token(name) {
        return Err(Error::invalid_request(
            field,
            format_args!(
                "has a header name that is not an HTTP token: {:?}",
                crate::error::sanitize(name, 40)
            ),
        ));
    }
    if !is_header_text(value) {
        return Err(Error::invalid_request(
            field,
            format_args!("header {name} has a value with control characters"),
        ));
    }
    Ok(())
}

/// Checks a string FourA turns into a header, a cookie or another header-like value
/// (`userAgent`, a cookie's parts, `profile`, `proxy`, …): the same rule as a header value,
/// so a CR, LF or NUL cannot start a header of its own.
pub(crate) fn check_header_text(field: &str, value: &str) -> Result<(), Error> {
    if !is_header_text(value) {
        return Err(Error::invalid_request(
            field,
            "contains control characters (CR, LF, NUL, …), which a header value cannot hold",
        ));
    }
    Ok(())
}

/// Whether `value` may be sent in a header: no control character but tab (RFC 9110 §5.5).
fn is_header_text(value: &str) -> bool {
    !value.chars().any(|c| c.is_control() && c != '\t')
}

/// Checks the HTTP method of a target request.
pub(crate) fn check_method(method: &str) -> Result<(), Error> {
    if !is_token(method) {
        return Err(Error::invalid_request(
            "method",
            "must be an HTTP method such as GET or POST",
        ));
    }
    Ok(())
}

/// A number sent as a number or a numeric string (`total_time`, `fouradata/mcp` `src/tools/single.ts`).
pub(crate) fn lenient_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

/// Field access on a decoded answer, taking each field out so the rest is `extra`.
pub(crate) struct Fields(pub(crate) Map<String, Value>);

impl Fields {
    /// Takes a field whatever its shape (for fields every shape of which is decoded).
    pub(crate) fn take(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    /// Takes a field when `convert` accepts it — given the value, it returns what it made of
    /// it or hands the value back — and otherwise leaves it, for `extra`. Values are moved,
    /// never copied: a 20 MB page is not held twice. `null` is taken as absent.
    pub(crate) fn take_as<T>(
        &mut self,
        name: &str,
        convert: impl FnOnce(Value) -> Result<T, Value>,
    ) -> Option<T> {
        let value = self.0.remove(name)?;
        if value.is_null() {
            return None;
        }
        match convert(value) {
            Ok(converted) => Some(converted),
            Err(value) => {
                self.0.insert(name.to_owned(), value);
                None
            }
        }
    }

    /// The target status (a number or numeric string); `0` (no response) when absent.
    pub(crate) fn status(&mut self) -> u16 {
        self.take_as("status", |v| {
            lenient_number(&v)
                .filter(|n| n.fract() == 0.0 && (0.0..=999.0).contains(n))
                .map(|n| n as u16)
                .ok_or(v)
        })
        .unwrap_or(0)
    }

    pub(crate) fn number(&mut self, name: &str) -> Option<f64> {
        self.take_as(name, |v| lenient_number(&v).ok_or(v))
    }

    pub(crate) fn boolean(&mut self, name: &str) -> Option<bool> {
        self.take_as(name, |v| v.as_bool().ok_or(v))
    }

    pub(crate) fn string(&mut self, name: &str) -> Option<String> {
        self.take_as(name, |v| match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(other),
        })
    }

    pub(crate) fn object(&mut self, name: &str) -> Option<Map<String, Value>> {
        self.take_as(name, |v| match v {
            Value::Object(m) => Ok(m),
            other => Err(other),
        })
    }

    pub(crate) fn list(&mut self, name: &str) -> Option<Vec<Value>> {
        self.take_as(name, |v| match v {
            Value::Array(items) => Ok(items),
            other => Err(other),
        })
    }
}
