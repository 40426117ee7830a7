//! Methods several public types share, written once.

/// The per-call overrides every request builder has (`call_timeout`, `max_retries`), for a
/// struct with an `options: CallOptions` field.
macro_rules! call_option_setters {
    () => {
        /// This call's whole-call timeout on the client side, overriding the client's (not
        /// sent; a request's `timeout` is FourA's own). Every attempt and retry wait fits
        /// inside it.
        pub fn call_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// This call's retries, overriding
        /// [`ClientBuilder::max_retries`](crate::ClientBuilder::max_retries) (not sent).
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.options.max_retries = Some(retries);
            self
        }
    };
}
pub(crate) use call_option_setters;

/// The body and metadata accessors every engine response has, for a struct with
/// `content: Content` and `meta: Meta` fields.
macro_rules! response_accessors {
    () => {
        /// The body as text, when it is text (see [`Content::text`](crate::Content::text)).
        pub fn text(&self) -> Option<&str> {
            self.content.text()
        }

        /// The body as bytes (a JSON body is serialised).
        pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
            self.content.bytes()
        }

        /// The body as JSON: the value FourA parsed, or text that parses as JSON.
        pub fn json(&self) -> Option<std::borrow::Cow<'_, serde_json::Value>> {
            self.content.json()
        }

        /// The body as FourA sent it.
        pub fn content(&self) -> &crate::Content {
            &self.content
        }

        /// Request id, credits and exit class of the call (from the response headers).
        pub fn meta(&self) -> &crate::Meta {
            &self.meta
        }
    };
}
pub(crate) use response_accessors;

/// `from_fields` and the body and metadata accessors of an engine response whose answer is
/// flat: the fields every such answer has (`status`, `headers`, the body under `body = …`,
/// `exitClass` falling back to the header's, the rest as `extra`) and the engine's own, each
/// read from the answer's fields `f`.
macro_rules! engine_response {
    ($name:ident, body = $body:literal, |$f:ident| { $($field:ident: $read:expr),* $(,)? }) => {
        impl $name {
            pub(crate) fn from_fields(mut $f: crate::wire::Fields, meta: crate::meta::Meta) -> Self {
                $name {
                    status: $f.status(),
                    headers: crate::engines::ResponseHeaders::from_wire($f.take("headers")),
                    content: crate::engines::Content::from_wire($f.take($body)),
                    $($field: $read,)*
                    exit_class: $f.string("exitClass").or_else(|| meta.exit_class.clone()),
                    extra: $f.0,
                    meta,
                }
            }

            crate::macros::response_accessors!();
        }
    };
}
pub(crate) use engine_response;

/// The JSON methods every request type shares, for a type with `from_json` and `to_json`:
/// `from_json_str` and `id`, given the API label and the path hashed into the id. With
/// `to_json` (and any further doc lines for it), also `to_json` itself, for a type whose
/// `to_wire` is its serialisable body.
macro_rules! request_json {
    ($api:expr, $path:expr, to_json $(#[$doc:meta])*) => {
        /// The JSON body this request sends, defaults included: what
        /// [`from_json`](Self::from_json) reads back.
        $(#[$doc])*
        pub fn to_json(&self) -> serde_json::Value {
            // Cannot fail: every key is a string and every number finite.
            serde_json::to_value(self.to_wire()).unwrap_or(serde_json::Value::Null)
        }

        crate::macros::request_json!($api, $path);
    };
    ($api:expr, $path:expr) => {
        /// Builds the request from a JSON string in FourA's wire format, as
        /// [`from_json`](Self::from_json) does.
        ///
        /// # Errors
        ///
        /// As [`from_json`](Self::from_json); text that is not JSON is
        /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming `body`.
        pub fn from_json_str(json: &str) -> Result<Self, crate::Error> {
            Self::from_json(&crate::from_json::parse(json)?)
        }

        /// The request's stable id, from its API, its path and the body it sends
        /// ([`to_json`](Self::to_json)); see [`RequestId`](crate::RequestId) for the algorithm.
        pub fn id(&self) -> crate::RequestId {
            crate::RequestId::of($api, $path, &self.to_json())
        }
    };
}
pub(crate) use request_json;

/// Builder setters that each set one field and return the builder, written as a table: per
/// setter its doc comment, its signature and the assignment it makes, e.g.
/// `/// doc` then `profile(id: impl Into<String>) => profile = Some(id.into());` (the field may
/// be a path, `settings.timeout`). Each becomes
/// `pub fn profile(mut self, id: impl Into<String>) -> Self`.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) => $($field:ident).+ = $value:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $arg: $ty) -> Self {
                self.$($field).+ = $value;
                self
            }
        )*
    };
}
pub(crate) use setters;

/// `ignore_proxies`, for a request with an `ignore_proxies: Vec<String>` field: the doc comment
/// says what the exits are kept from.
macro_rules! ignore_proxies_setter {
    ($(#[$doc:meta])*) => {
        $(#[$doc])*
        pub fn ignore_proxies<I, S>(mut self, ids: I) -> Self
        where
            I: IntoIterator<Item = S>,
            S: Into<String>,
        {
            self.ignore_proxies.extend(ids.into_iter().map(Into::into));
            self
        }
    };
}
pub(crate) use ignore_proxies_setter;

/// `Display` for a type whose text is what one of its methods returns (a fixed name).
macro_rules! display_as {
    ($ty:ty, $method:ident) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.$method())
            }
        }
    };
}
pub(crate) use display_as;
