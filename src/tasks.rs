//! The tasks API of FourA's founding document: `POST` and `GET /api/v1/tasks` with
//! `Authorization: Bearer <key>` (<https://foura.ai/docs/api/endpoints>).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::call::{Api, CallOptions};
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::meta::Meta;
use crate::wire::{Fields, lenient_number};

const TASKS_PATH: &str = "/api/v1/tasks";

/// How FourA fetches a task's page.
///
/// On the wire these are the strings `single`, `browser` and `proxy`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskType {
    /// One fast HTTP request with a browser's fingerprint (curl-impersonate).
    Single,
    /// A headless Chrome session (Puppeteer); the only type that honours `wait_for`.
    Browser,
    /// Rotating proxies with automatic retry.
    Proxy,
    /// A type this crate does not know yet, sent and received as its wire string.
    Other(String),
}

impl TaskType {
    /// The wire string: `single`, `browser`, `proxy`, or the `Other` value.
    pub fn as_str(&self) -> &str {
        match self {
            TaskType::Single => "single",
            TaskType::Browser => "browser",
            TaskType::Proxy => "proxy",
            TaskType::Other(s) => s,
        }
    }

    fn from_wire(s: &str) -> TaskType {
        match s {
            "single" => TaskType::Single,
            "browser" => TaskType::Browser,
            "proxy" => TaskType::Proxy,
            other => TaskType::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TaskType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(TaskType::from_wire(&s))
    }
}

/// A task's state.
///
/// FourA documents only `completed` (its example answers the create call with a finished
/// task); the other states are the ones a task API has, and anything else is kept in
/// [`TaskStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskStatus {
    /// `completed`: the page was fetched; `content` holds it.
    Completed,
    /// `pending`: accepted, not started.
    Pending,
    /// `running`: being fetched.
    Running,
    /// `failed`: FourA could not fetch the page.
    Failed,
    /// Any other status string, kept as sent.
    Other(String),
}

impl TaskStatus {
    /// The wire string, e.g. `completed`.
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Completed => "completed",
            TaskStatus::Pending => "pending",
            TaskStatus::Running => "running",
            TaskStatus::Failed => "failed",
            TaskStatus::Other(s) => s,
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TaskStatus {
    fn from_wire(s: &str) -> TaskStatus {
        match s {
            "completed" => TaskStatus::Completed,
            "pending" => TaskStatus::Pending,
            "running" => TaskStatus::Running,
            "failed" => TaskStatus::Failed,
            _ => TaskStatus::Other(s.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(TaskStatus::from_wire(&s))
    }
}

/// A request to create a task: the URL, the [`TaskType`], and FourA's optional `options`.
///
/// Setters never fail; [`Client::create_task`] checks the whole request before anything is
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
    timeout: Option<Duration>,
    proxy_country: Option<String>,
    javascript: Option<bool>,
    headers: Vec<(String, String)>,
    options: CallOptions,
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

    /// `options.waitFor`: a CSS selector the browser waits for. Only for [`TaskType::Browser`].
    pub fn wait_for(mut self, selector: impl Into<String>) -> Self {
        self.wait_for = Some(selector.into());
        self
    }

    /// `options.timeout`: how long FourA may work on the task, sent in milliseconds.
    /// FourA's default: 30 000 ms. The client's own wait grows with it (timeout + 15 s)
    /// unless [`ClientBuilder::timeout`](crate::ClientBuilder::timeout) was set.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `options.proxyCountry`: a two-letter country code, sent upper-cased (`de` → `DE`).
    pub fn proxy_country(mut self, country: impl Into<String>) -> Self {
        self.proxy_country = Some(country.into());
        self
    }

    /// `options.javascript`: render JavaScript (for the `single` type). FourA's default: `false`.
    pub fn javascript(mut self, enabled: bool) -> Self {
        self.javascript = Some(enabled);
        self
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

    /// Checks the request as [`Client::create_task`] does before sending it.
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
    fn to_wire(&self) -> Result<Vec<u8>, Error> {
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

/// A FourA task, as `POST /api/v1/tasks` and `GET /api/v1/tasks` return it.
///
/// Only `id` and `status` are required. Every other field may be missing or `null` (it is then
/// `None` or empty) or of an unexpected type (then it is `None` too, and the value is kept in
/// [`Task::extra`], with every field this crate does not model). Numbers sent as strings, and
/// names sent as numbers, are accepted.
///
/// ```
/// let task: foura::Task = serde_json::from_str(r#"{
///     "id": "task_a1b2c3d4", "status": "completed", "url": "https://example.com/products",
///     "type": "browser", "statusCode": 200, "content": "<html>...</html>",
///     "headers": {"content-type": "text/html"},
///     "timing": {"total": 2340, "dns": 45, "connect": 120, "ttfb": 890},
///     "createdAt": "2026-03-31T10:15:00Z", "region": "eu"
/// }"#)?;
/// assert_eq!(task.status, foura::TaskStatus::Completed);
/// assert_eq!(task.status_code, Some(200));
/// assert_eq!(task.header("Content-Type"), Some("text/html"));
/// assert_eq!(task.timing.as_ref().and_then(|t| t.total), Some(2340.0));
/// assert_eq!(task.extra["region"], "eu");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Task {
    /// The task id, e.g. `task_a1b2c3d4`.
    pub id: String,
    /// The task's state.
    pub status: TaskStatus,
    /// `url`: the target URL.
    pub url: Option<String>,
    /// `type`: how the page was fetched.
    pub task_type: Option<TaskType>,
    /// `statusCode`: the target site's HTTP status (not FourA's).
    pub status_code: Option<u16>,
    /// `content`: the page. A non-string value is kept as its JSON text.
    pub content: Option<String>,
    /// `headers`: the target's response headers, as sent (list values joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// `timing`: how long the fetch took, in milliseconds.
    pub timing: Option<Timing>,
    /// `createdAt`: when the task was created, as FourA's RFC 3339 string.
    pub created_at: Option<String>,
    /// Every field of the answer this crate does not model — or models, but received in a
    /// shape it could not read — as sent.
    pub extra: Map<String, Value>,
    meta: Meta,
}

impl<'de> Deserialize<'de> for Task {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let Value::Object(map) = Value::deserialize(d)? else {
            return Err(D::Error::custom("expected a task object"));
        };
        let mut f = Fields(map);
        let id = f
            .string("id")
            .ok_or_else(|| D::Error::custom("the task has no `id`"))?;
        let status = f
            .string("status")
            .map(|s| TaskStatus::from_wire(&s))
            .ok_or_else(|| D::Error::custom("the task has no `status`"))?;
        Ok(Task {
            id,
            status,
            url: f.string("url"),
            task_type: f.string("type").map(|t| TaskType::from_wire(&t)),
            status_code: f.take_as("statusCode", |v| {
                lenient_number(&v)
                    .filter(|n| n.fract() == 0.0 && (0.0..=65_535.0).contains(n))
                    .map(|n| n as u16)
                    .ok_or(v)
            }),
            content: f.take_as("content", |v| {
                Ok::<_, Value>(match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
            }),
            headers: f
                .take_as("headers", |v| header_map(&v).ok_or(v))
                .unwrap_or_default(),
            timing: f.object("timing").map(|t| Timing::from_fields(Fields(t))),
            created_at: f.take_as("createdAt", |v| match v {
                Value::String(s) => Ok(s),
                other => Err(other),
            }),
            extra: f.0,
            meta: Meta::default(),
        })
    }
}

impl Task {
    /// FourA's `X-Foura-Request-Id` for the call that returned this task, when sent.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id.as_deref()
    }

    /// All response metadata of the call that returned this task.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// A target response header by name, ignoring letter case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `timing`: phases of the fetch in milliseconds (<https://foura.ai/docs/api/endpoints>).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Timing {
    /// The whole fetch.
    pub total: Option<f64>,
    /// DNS resolution.
    pub dns: Option<f64>,
    /// TCP (and TLS) connect.
    pub connect: Option<f64>,
    /// Time to first byte.
    pub ttfb: Option<f64>,
    /// Any other phase FourA reports (and any phase not sent as a number).
    pub extra: Map<String, Value>,
}

impl Timing {
    fn from_fields(mut f: Fields) -> Timing {
        Timing {
            total: f.number("total"),
            dns: f.number("dns"),
            connect: f.number("connect"),
            ttfb: f.number("ttfb"),
            extra: f.0,
        }
    }
}

impl<'de> Deserialize<'de> for Timing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Object(map) => Timing::from_fields(Fields(map)),
            _ => Timing::default(),
        })
    }
}

/// Response headers as a name → value map (list values joined with `, `).
fn header_map(v: &Value) -> Option<BTreeMap<String, String>> {
    let map = v.as_object()?;
    Some(
        map.iter()
            .filter_map(|(name, value)| {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Value::Null => return None,
                    other => other.to_string(),
                };
                Some((name.clone(), text))
            })
            .collect(),
    )
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Client {
    /// Creates a task for `url` with no options: `POST /api/v1/tasks` with exactly
    /// `{"url": url, "type": task_type}`, as in FourA's founding document.
    ///
    /// ```no_run
    /// use foura::{Client, TaskType};
    ///
    /// let client = Client::from_env()?;
    /// let task = client.submit("https://example.com", TaskType::Single)?;
    /// println!("{}: {}", task.id, task.content.as_deref().unwrap_or(""));
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::create_task`].
    pub fn submit(&self, url: &str, task_type: TaskType) -> Result<Task, Error> {
        self.create_task(&TaskRequest::new(url, task_type))
    }

    /// Creates a task: `POST /api/v1/tasks` with `Authorization: Bearer <key>`.
    ///
    /// The request is checked first ([`TaskRequest::validate`]); an invalid one returns
    /// [`ErrorKind::InvalidRequest`] and nothing is sent. The call waits for the task's own
    /// timeout (FourA's default 30 s) plus 15 s, unless the client has a timeout of its own.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use foura::{Client, TaskRequest, TaskType};
    ///
    /// let client = Client::from_env()?;
    /// let task = client.create_task(
    ///     &TaskRequest::new("https://example.com/products", TaskType::Browser)
    ///         .wait_for(".product-list")
    ///         .timeout(Duration::from_millis(15_000)),
    /// )?;
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Any [`ErrorKind`]: see [`Error`]. Status errors carry FourA's message, code and
    /// request id.
    pub fn create_task(&self, request: &TaskRequest) -> Result<Task, Error> {
        request.validate()?;
        let call = Api::TASKS
            .post(TASKS_PATH, request.to_wire()?)
            .server_timeout(request.timeout)
            .creates_task()
            .options(request.options);
        let (mut task, meta): (Task, Meta) = self.call_json(&call)?;
        task.meta = meta;
        Ok(task)
    }

    /// Lists tasks: `GET /api/v1/tasks`.
    ///
    /// FourA documents only this endpoint's heading, not its answer, so the list is read
    /// from a bare JSON array or from an object holding it under `tasks`, `data` or `items`.
    /// Pagination, if FourA has any, is not documented and not followed.
    ///
    /// ```no_run
    /// for task in foura::Client::from_env()?.list_tasks()? {
    ///     println!("{} {}", task.id, task.status);
    /// }
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::create_task`]; [`ErrorKind::Decode`] when the answer holds no list.
    pub fn list_tasks(&self) -> Result<Vec<Task>, Error> {
        let (envelope, meta): (TaskList, Meta) = self.call_json(&Api::TASKS.get(TASKS_PATH))?;
        let mut tasks = envelope.0;
        for task in &mut tasks {
            task.meta = meta.clone();
        }
        Ok(tasks)
    }
}

/// The list answer: a bare array, or an object with the array under `tasks`, `data` or `items`.
struct TaskList(Vec<Task>);

impl<'de> Deserialize<'de> for TaskList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let list = match Value::deserialize(d)? {
            Value::Array(items) => items,
            Value::Object(mut map) => ["tasks", "data", "items"]
                .iter()
                .find_map(|k| match map.remove(*k) {
                    Some(Value::Array(items)) => Some(items),
                    _ => None,
                })
                .ok_or_else(|| {
                    D::Error::custom("expected a list of tasks under `tasks`, `data` or `items`")
                })?,
            other => {
                return Err(D::Error::custom(format_args!(
                    "expected a list of tasks, found {}",
                    kind_of(&other)
                )));
            }
        };
        list.into_iter()
            .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
            .collect::<Result<_, _>>()
            .map(TaskList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(r: &TaskRequest) -> String {
        String::from_utf8(r.to_wire().unwrap()).unwrap()
    }

    #[test]
    fn simplest_body_is_the_seed_example() {
        let r = TaskRequest::new("https://example.com", TaskType::Single);
        assert_eq!(wire(&r), r#"{"url":"https://example.com","type":"single"}"#);
    }

    #[test]
    fn options_use_documented_names() {
        let r = TaskRequest::new("https://example.com/products", TaskType::Browser)
            .wait_for(".product-list")
            .timeout(Duration::from_millis(15_000))
            .proxy_country("de")
            .javascript(true)
            .header("Accept", "text/html")
            .header("accept", "application/json");
        assert_eq!(
            wire(&r),
            r#"{"url":"https://example.com/products","type":"browser","options":{"waitFor":".product-list","timeout":15000,"proxyCountry":"DE","javascript":true,"headers":{"accept":"application/json"}}}"#
        );
    }

    #[test]
    fn validation_names_the_field() {
        let cases = [
            (TaskRequest::new("example.com", TaskType::Single), "`url`"),
            (
                TaskRequest::new("ftp://example.com", TaskType::Single),
                "`url`",
            ),
            (TaskRequest::new("https://", TaskType::Single), "`url`"),
            (
                TaskRequest::new("https://exa mple.com", TaskType::Single),
                "`url`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Single).wait_for("#x"),
                "`waitFor`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Browser).wait_for(" "),
                "`waitFor`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Single).timeout(Duration::ZERO),
                "`timeout`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Single).proxy_country("deu"),
                "`proxyCountry`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Single).proxy_country("d1"),
                "`proxyCountry`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Single).header("Bad Name", "x"),
                "`headers`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Single).header("X", "a\r\nb"),
                "`headers`",
            ),
            (
                TaskRequest::new("https://example.com", TaskType::Other(String::new())),
                "`type`",
            ),
        ];
        for (request, field) in cases {
            let err = request.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest);
            assert!(err.to_string().contains(field), "{err} should name {field}");
        }
    }

    #[test]
    fn tasks_decode_leniently() {
        let t: Task = serde_json::from_str(
            r#"{"id":42,"status":"queued","statusCode":"404","content":{"a":1},"timing":{"total":"12.5","dns":null},"headers":{"set-cookie":["a=1","b=2"],"x":null}}"#,
        )
        .unwrap();
        assert_eq!(t.id, "42");
        assert_eq!(t.status, TaskStatus::Other("queued".into()));
        assert_eq!(t.status_code, Some(404));
        assert_eq!(t.content.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(t.timing.as_ref().unwrap().total, Some(12.5));
        assert_eq!(t.header("Set-Cookie"), Some("a=1, b=2"));
        assert!(t.extra.is_empty());
    }
}
