//! The body an engine fetched: text, parsed JSON or bytes.

use std::borrow::Cow;

use serde_json::Value;

/// A response body as FourA returns it: text, a JSON value (when FourA parsed a JSON page),
/// or bytes (a Node `Buffer`, from `returnBuffer`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Content {
    /// No body.
    Empty,
    /// The body as text.
    Text(String),
    /// A JSON body FourA parsed (`tryJsonData`, or a JSON page in the browser).
    Json(Value),
    /// Raw bytes (`{"type":"Buffer","data":[…]}` on the wire).
    Bytes(Vec<u8>),
}

impl Content {
    pub(crate) fn from_wire(value: Option<Value>) -> Content {
        match value {
            None | Some(Value::Null) => Content::Empty,
            Some(Value::String(s)) => Content::Text(s),
            Some(Value::Object(map))
                if map.get("type").and_then(Value::as_str) == Some("Buffer") =>
            {
                let bytes: Option<Vec<u8>> =
                    map.get("data").and_then(Value::as_array).and_then(|items| {
                        items
                            .iter()
                            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                            .collect()
                    });
                match bytes {
                    Some(bytes) => Content::Bytes(bytes),
                    None => Content::Json(Value::Object(map)),
                }
            }
            Some(other) => Content::Json(other),
        }
    }

    /// The body as text: the text, or bytes that are valid UTF-8. `None` for a JSON value
    /// (see [`Content::json`]) or bytes that are not UTF-8.
    pub fn text(&self) -> Option<&str> {
        match self {
            Content::Text(s) => Some(s),
            Content::Bytes(b) => std::str::from_utf8(b).ok(),
            Content::Empty => Some(""),
            Content::Json(_) => None,
        }
    }

    /// The body as bytes (a JSON value is serialised).
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        match self {
            Content::Text(s) => Cow::Borrowed(s.as_bytes()),
            Content::Bytes(b) => Cow::Borrowed(b),
            Content::Empty => Cow::Borrowed(&[]),
            Content::Json(v) => Cow::Owned(v.to_string().into_bytes()),
        }
    }

    /// The body as JSON: the value FourA parsed, or text that parses as JSON.
    pub fn json(&self) -> Option<Cow<'_, Value>> {
        match self {
            Content::Json(v) => Some(Cow::Borrowed(v)),
            Content::Text(s) => serde_json::from_str(s).ok().map(Cow::Owned),
            Content::Bytes(b) => serde_json::from_slice(b).ok().map(Cow::Owned),
            Content::Empty => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_shapes() {
        assert_eq!(Content::from_wire(Some(json!("hi"))).text(), Some("hi"));
        let buffer = Content::from_wire(Some(json!({"type": "Buffer", "data": [104, 105]})));
        assert_eq!(buffer, Content::Bytes(b"hi".to_vec()));
        assert_eq!(buffer.text(), Some("hi"));
        let not_bytes = Content::from_wire(Some(json!({"type": "Buffer", "data": [300]})));
        assert!(matches!(not_bytes, Content::Json(_)));
        let parsed = Content::from_wire(Some(json!({"users": [], "next": null})));
        assert_eq!(parsed.text(), None);
        assert_eq!(parsed.json().unwrap()["next"], Value::Null);
        assert_eq!(&*parsed.bytes(), br#"{"next":null,"users":[]}"#);
        assert_eq!(Content::from_wire(None), Content::Empty);
    }
}
