//! [`Task`]: a task as FourA returns it, decoded tolerantly.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::{TaskStatus, TaskType};
use crate::error::{Error, ErrorKind};
use crate::meta::Meta;
use crate::wire::{Fields, lenient_number};

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
    pub(super) meta: Meta,
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

    /// The task if it has `completed`, or else an [`ErrorKind::EngineFailed`] error naming
    /// the task's id, its status and the task's own error message when it carries one (an
    /// `error` field, a string or an object with a `message`, or a `message` field).
    ///
    /// A task that is `failed`, `pending`, `running` or in any other state has no page yet (or
    /// never will): call this before reading [`Task::content`] as the page.
    ///
    /// ```
    /// use foura::{ErrorKind, Task};
    ///
    /// let done: Task = serde_json::from_str(r#"{"id":"task_1","status":"completed","content":"<p>hi</p>"}"#)?;
    /// assert_eq!(done.require_completed().unwrap().content.as_deref(), Some("<p>hi</p>"));
    ///
    /// let failed: Task = serde_json::from_str(r#"{"id":"task_9","status":"failed","error":"Download failed"}"#)?;
    /// let e = failed.require_completed().unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::EngineFailed);
    /// assert!(e.to_string().contains("task_9 is failed: Download failed"), "{e}");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn require_completed(self) -> Result<Task, Error> {
        if self.status == TaskStatus::Completed {
            return Ok(self);
        }
        let mut detail = format!("task {} is {}", self.id, self.status);
        if let Some(message) = self.error_message() {
            detail.push_str(": ");
            detail.push_str(message);
        } else if self.status != TaskStatus::Failed {
            detail.push_str(", not completed: it has no page yet");
        }
        Err(Error::new(ErrorKind::EngineFailed, detail)
            .with_sent(true)
            .with_meta(self.meta))
    }

    /// The task's own error message, when it carries one.
    fn error_message(&self) -> Option<&str> {
        match self.extra.get("error") {
            Some(Value::String(s)) => Some(s),
            Some(Value::Object(e)) => e.get("message").and_then(Value::as_str),
            _ => self.extra.get("message").and_then(Value::as_str),
        }
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

/// The list answer: a bare array, or an object with the array under `tasks`, `data` or `items`.
pub(super) struct TaskList(pub(super) Vec<Task>);

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
