//! Reading a request from FourA's own JSON: strict field access on a JSON object, so that a
//! wrong type or an unknown field (a typo) is refused naming the field instead of dropped.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::engines::ExitClass;
use crate::error::Error;

/// Parses `json` for a request type's `from_json_str`.
pub(crate) fn parse(json: &str) -> Result<Value, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::invalid_request("body", format_args!("is not JSON: {e}")))
}

/// One JSON object of a request, read field by field; [`JsonObject::finish`] refuses the
/// fields nobody read.
pub(crate) struct JsonObject<'a> {
    map: &'a Map<String, Value>,
    /// The path of this object's fields, e.g. `request.` or `validate.status.`.
    prefix: String,
    read: Vec<&'a str>,
}

impl<'a> JsonObject<'a> {
    /// The object at `value`; `path` names it in errors (`body` for a whole request).
    pub(crate) fn new(value: &'a Value, path: &str, prefix: String) -> Result<Self, Error> {
        match value {
            Value::Object(map) => Ok(JsonObject {
                map,
                prefix,
                read: Vec::new(),
            }),
            _ => Err(Error::invalid_request(path, "must be a JSON object")),
        }
    }

    /// The full name of field `name`, as errors give it.
    pub(crate) fn field(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Field `name` whatever its type; `None` when absent.
    pub(crate) fn any(&mut self, name: &str) -> Option<&'a Value> {
        let (key, value) = self.map.get_key_value(name)?;
        self.read.push(key);
        Some(value)
    }

    fn typed<T>(
        &mut self,
        name: &str,
        what: &str,
        convert: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, Error> {
        match self.any(name) {
            None => Ok(None),
            Some(v) => convert(v)
                .map(Some)
                .ok_or_else(|| Error::invalid_request(&self.field(name), what)),
        }
    }

    /// A field that must be present.
    pub(crate) fn required<T>(&self, name: &str, value: Option<T>) -> Result<T, Error> {
        value.ok_or_else(|| Error::invalid_request(&self.field(name), "is required"))
    }

    pub(crate) fn string(&mut self, name: &str) -> Result<Option<&'a str>, Error> {
        self.typed(name, "must be a string", Value::as_str)
    }

    pub(crate) fn boolean(&mut self, name: &str) -> Result<Option<bool>, Error> {
        self.typed(name, "must be true or false", Value::as_bool)
    }

    /// A whole number of at least 0.
    pub(crate) fn whole(&mut self, name: &str) -> Result<Option<u64>, Error> {
        self.typed(name, "must be a whole number", Value::as_u64)
    }

    /// A whole number that must fit `T`; `range` is the problem given when it does not (the
    /// builder's own message for the field's range).
    pub(crate) fn small<T: TryFrom<u64>>(
        &mut self,
        name: &str,
        range: &str,
    ) -> Result<Option<T>, Error> {
        match self.whole(name)? {
            None => Ok(None),
            Some(n) => T::try_from(n)
                .map(Some)
                .map_err(|_| Error::invalid_request(&self.field(name), range)),
        }
    }

    /// Whole milliseconds (`…_ms`, a task's `timeout`).
    pub(crate) fn millis(&mut self, name: &str) -> Result<Option<Duration>, Error> {
        self.typed(
            name,
            "must be a whole number of milliseconds",
            Value::as_u64,
        )
        .map(|ms| ms.map(Duration::from_millis))
    }

    /// Whole seconds (`dns_cache_timeout_sec`).
    pub(crate) fn seconds(&mut self, name: &str) -> Result<Option<Duration>, Error> {
        self.typed(name, "must be a whole number of seconds", Value::as_u64)
            .map(|s| s.map(Duration::from_secs))
    }

    /// `exitClass`: `standard` or `premium`.
    pub(crate) fn exit_class(&mut self, name: &str) -> Result<Option<ExitClass>, Error> {
        self.typed(name, "must be standard or premium", |v| {
            match v.as_str()? {
                "standard" => Some(ExitClass::Standard),
                "premium" => Some(ExitClass::Premium),
                _ => None,
            }
        })
    }

    /// An array whose every item `convert` accepts; an item it refuses is named `name[i]`.
    pub(crate) fn list<T>(
        &mut self,
        name: &str,
        what: &str,
        mut convert: impl FnMut(&'a Value) -> Option<T>,
    ) -> Result<Option<Vec<T>>, Error> {
        let Some(items) = self.typed(name, "must be an array", Value::as_array)? else {
            return Ok(None);
        };
        let field = self.field(name);
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                convert(item).ok_or_else(|| Error::invalid_request(&format!("{field}[{i}]"), what))
            })
            .collect::<Result<Vec<T>, Error>>()
            .map(Some)
    }

    /// An array of strings.
    pub(crate) fn strings(&mut self, name: &str) -> Result<Option<Vec<&'a str>>, Error> {
        self.list(name, "must be a string", Value::as_str)
    }

    /// `[name, value]` string pairs (the engines' `headers`).
    pub(crate) fn pairs(&mut self, name: &str) -> Result<Option<Vec<(&'a str, &'a str)>>, Error> {
        self.list(
            name,
            "must be a [name, value] pair of strings",
            |item| match item.as_array().map(Vec::as_slice) {
                Some([n, v]) => Some((n.as_str()?, v.as_str()?)),
                _ => None,
            },
        )
    }

    /// An object of string values (the browser's and the tasks' `headers`), in the order the
    /// `Value` keeps its keys.
    pub(crate) fn string_map(
        &mut self,
        name: &str,
    ) -> Result<Option<Vec<(&'a str, &'a str)>>, Error> {
        let Some(map) = self.typed(name, "must be an object", Value::as_object)? else {
            return Ok(None);
        };
        let field = self.field(name);
        map.iter()
            .map(|(k, v)| {
                v.as_str().map(|v| (k.as_str(), v)).ok_or_else(|| {
                    Error::invalid_request(&format!("{field}.{k}"), "must be a string")
                })
            })
            .collect::<Result<Vec<_>, Error>>()
            .map(Some)
    }

    /// A nested object, whose fields are named `name.field`.
    pub(crate) fn object(&mut self, name: &str) -> Result<Option<JsonObject<'a>>, Error> {
        let field = self.field(name);
        match self.any(name) {
            None => Ok(None),
            Some(v) => JsonObject::new(v, &field, format!("{field}.")).map(Some),
        }
    }

    /// Refuses the first field that was not read: a typo must not be silently dropped.
    pub(crate) fn finish(self) -> Result<(), Error> {
        match self.map.keys().find(|k| !self.read.contains(&k.as_str())) {
            None => Ok(()),
            Some(unknown) => Err(Error::invalid_request(
                &self.field(&crate::error::sanitize(unknown, 60)),
                "is not a field of this request",
            )),
        }
    }
}

/// Passes the optional fields of a request's JSON object to the request's setters, one row a
/// field, in order: `reader(args) => setter` reads with [`JsonObject`]'s `reader` and, when the
/// field is there, sets it with `setter`.
macro_rules! read_into {
    ($obj:ident, $r:ident, { $($reader:ident($($arg:expr),+) => $setter:ident),* $(,)? }) => {
        $(
            if let Some(v) = $obj.$reader($($arg),+)? {
                $r = $r.$setter(v);
            }
        )*
    };
}
pub(crate) use read_into;
