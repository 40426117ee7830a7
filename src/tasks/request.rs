//! [`TaskRequest`]: what a task is created from, and its JSON body.

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::TaskType;
use crate::call::CallOptions;
use crate::error::{Error, ErrorKind};

/// A request to create a task: the URL, the [`TaskType`], and FourA's optional `options`.
///
/// Setters never fail; [`Client::create_task`](crate::Client::create_task) checks the whole request before anything is
/// sent (see [`TaskRequest::validate`]). Options left unset are not sent, and `options` is
/// omitted entirely when none is set, so the simplest request is exactly the founding
/// document's `{"url":"https://example.com","type":"single"}`.
///
/// ```
/// use std::time::Duration;
/// use foura::{TaskRequest, TaskType};
///
/// let request = TaskRequest::new("https://example.com/products", TaskType::Browser)
///     .wait_for(".product-list")
///     .timeout(Duration::from_millis(15_000))
///     .proxy_country("de")
///     .javascript(true)
///     .header("Accept", "text/html");
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    url: String,
    task_type: TaskType,
    wait_for: Option<String>,
    pub(super) timeout: Option<Duration>,
    proxy_country: Option<String>,
    javascript: Option<bool>,
    headers: Vec<(String, String)>,
    pub(super) options: CallOptions,
}

impl TaskRequest {
    /// A request for `url` (an absolute `http://` or `https://` URL) fetched as `task_type`.
    pub fn new(url: impl Into<String>, task_type: TaskType) -> Self {
        TaskRequest {
            url: url.into(),
            task_type,
            wait_for: None,
            timeout: None,
            proxy_country: None,
            javascript: None,
            headers: Vec::new(),
            options: CallOptions::default(),
        }
    }

    crate::macros::setters! {
        /// `options.waitFor`: a CSS selector the browser waits for. Only for [`TaskType::Browser`].
        wait_for(selector: impl Into<String>) => wait_for = Some(selector.into());

        /// `options.timeout`: how long FourA may work on the task, sent in milliseconds.
        /// FourA's default: 30 000 ms. The client's own wait grows with it (timeout + 15 s)
        /// unless [`ClientBuilder::timeout`](crate::ClientBuilder::timeout) was set.
        timeout(timeout: Duration) => timeout = Some(timeout);

        /// `options.proxyCountry`: a two-letter country code, sent upper-cased (`de` → `DE`).
        proxy_country(country: impl Into<String>) => proxy_country = Some(country.into());

        /// `options.javascript`: render JavaScript (for the `single` type).
        /// FourA's default: `false`.
        javascript(enabled: bool) => javascript = Some(enabled);
    }

    /// Adds a header to `options.headers` (sent as a JSON object). Setting a name again,
    /// in any letter case, replaces the earlier value.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    crate::macros::call_option_setters!();

    /// The target URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The task type.
    pub fn task_type(&self) -> &TaskType {
        &self.task_type
    }

    /// Checks the request as [`Client::create_task`](crate::Client::create_task) does before sending it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`], naming the field: `url` not an absolute `http(s)` URL;
    /// `type` empty; `waitFor` set for a type other than browser, or empty; `timeout` under
    /// one millisecond; `proxyCountry` not two ASCII letters; a header name that is not an
    /// HTTP token or a value with control characters.
    pub fn validate(&self) -> Result<(), Error> {
        crate::wire::check_target_url("url", &self.url)?;
        if let TaskType::Other(t) = &self.task_type {
            if t.is_empty()
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(Error::invalid_request(
                    "type",
                    "must be single, browser or proxy",
                ));
            }
        }
        if let Some(selector) = &self.wait_for {
            if self.task_type != TaskType::Browser {
                return Err(Error::invalid_request(
                    "waitFor",
                    format_args!("applies only to browser tasks, not {}", self.task_type),
                ));
            }
            if selector.trim().is_empty() {
                return Err(Error::invalid_request(
                    "waitFor",
                    "must be a CSS selector, not empty",
                ));
            }
        }
        if let Some(t) = self.timeout {
            if t.as_millis() == 0 {
                return Err(Error::invalid_request("timeout", "must be at least 1 ms"));
            }
            if t.as_millis() > u128::from(u32::MAX) {
                return Err(Error::invalid_request("timeout", "is too large"));
            }
        }
        if let Some(country) = &self.proxy_country {
            let c = country.trim();
            if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return Err(Error::invalid_request(
                    "proxyCountry",
                    "must be a two-letter country code such as DE",
                ));
            }
        }
        for (name, value) in &self.headers {
            crate::wire::check_header("headers", name, value)?;
        }
        Ok(())
    }

    /// The JSON body sent to `POST /api/v1/tasks`.
    pub(super) fn to_wire(&self) -> Result<Vec<u8>, Error> {
        let options = WireOptions {
            wait_for: self.wait_for.as_deref(),
            timeout: self.timeout.map(|t| t.as_millis() as u64),
            proxy_country: self
                .proxy_country
                .as_deref()
                .map(|c| c.trim().to_ascii_uppercase()),
            javascript: self.javascript,
            headers: (!self.headers.is_empty()).then_some(HeaderObject(&self.headers)),
        };
        let wire = WireTask {
            url: &self.url,
            task_type: self.task_type.as_str(),
            options: (!options.is_empty()).then_some(options),
        };
        serde_json::to_vec(&wire).map_err(|e| {
            Error::new(
                ErrorKind::InvalidRequest,
                format!("could not encode the task: {e}"),
            )
        })
    }
}

#[derive(Serialize)]
struct WireTask<'a> {
    url: &'a str,
    #[serde(rename = "type")]
    task_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<WireOptions<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireOptions<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    wait_for: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy_country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    javascript: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<HeaderObject<'a>>,
}

impl WireOptions<'_> {
    fn is_empty(&self) -> bool {
        self.wait_for.is_none()
            && self.timeout.is_none()
            && self.proxy_country.is_none()
            && self.javascript.is_none()
            && self.headers.is_none()
    }
}

/// Headers as a JSON object, in the order they were set.
struct HeaderObject<'a>(&'a [(String, String)]);

impl Serialize for HeaderObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// Requests from FourA's JSON, their JSON, and their id.
impl TaskRequest {
    /// Builds a request from a task body in FourA's wire format — exactly what
    /// [`to_json`](Self::to_json) gives and `POST /api/v1/tasks` takes, e.g.
    /// `{"url":"https://example.com/","type":"browser","options":{"waitFor":".list","timeout":15000}}`
    /// — through the setters, then checked by [`validate`](Self::validate).
    /// `options.headers` is applied in the order the [`Value`](serde_json::Value) keeps its
    /// keys (by name, unless serde_json's `preserve_order` feature is on).
    ///
    /// ```
    /// use foura::{TaskRequest, TaskType};
    ///
    /// let request = TaskRequest::from_json_str(r#"{"url":"https://example.com/","type":"single"}"#)?;
    /// assert_eq!(request, TaskRequest::new("https://example.com/", TaskType::Single));
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] naming the field: a field a task does not have (a typo
    /// is refused, not dropped), a field of the wrong type, a missing `url` or `type`, or
    /// anything [`validate`](Self::validate) refuses.
    pub fn from_json(value: &serde_json::Value) -> Result<TaskRequest, Error> {
        let mut obj = crate::from_json::JsonObject::new(value, "body", String::new())?;
        let url = obj.string("url")?;
        let url = obj.required("url", url)?;
        let task_type = obj.string("type")?;
        let task_type = TaskType::from_wire(obj.required("type", task_type)?);
        let mut r = TaskRequest::new(url, task_type);
        if let Some(mut options) = obj.object("options")? {
            if let Some(selector) = options.string("waitFor")? {
                r = r.wait_for(selector);
            }
            if let Some(t) = options.millis("timeout")? {
                r = r.timeout(t);
            }
            if let Some(country) = options.string("proxyCountry")? {
                r = r.proxy_country(country);
            }
            if let Some(on) = options.boolean("javascript")? {
                r = r.javascript(on);
            }
            for (name, value) in options.string_map("headers")?.unwrap_or_default() {
                r = r.header(name, value);
            }
            options.finish()?;
        }
        obj.finish()?;
        r.validate()?;
        Ok(r)
    }

    /// The JSON body this request sends to `POST /api/v1/tasks`: what
    /// [`from_json`](Self::from_json) reads back.
    pub fn to_json(&self) -> serde_json::Value {
        // Cannot fail: the body is JSON this crate wrote.
        self.to_wire()
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    crate::macros::request_json!(crate::request_id::TASKS_API, super::TASKS_PATH);
}
