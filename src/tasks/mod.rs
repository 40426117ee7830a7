//! The tasks API of FourA's founding document: `POST` and `GET /api/v1/tasks` with
//! `Authorization: Bearer <key>` (<https://foura.ai/docs/api/endpoints>).

mod request;
mod task;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::call::{Api, Call};
use crate::client::Client;
use crate::error::Error;
use crate::meta::Meta;

pub use request::TaskRequest;
use task::TaskList;
pub use task::{Task, Timing};

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

    pub(super) fn from_wire(s: &str) -> TaskType {
        match s {
            "single" => TaskType::Single,
            "browser" => TaskType::Browser,
            "proxy" => TaskType::Proxy,
            other => TaskType::Other(other.to_owned()),
        }
    }
}

crate::macros::display_as!(TaskType, as_str);

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

crate::macros::display_as!(TaskStatus, as_str);

impl TaskStatus {
    pub(super) fn from_wire(s: &str) -> TaskStatus {
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
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) and nothing is sent. The call waits for the task's own
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
    /// Any [`ErrorKind`](crate::ErrorKind): see [`Error`]. Status errors carry FourA's message, code and
    /// request id.
    pub fn create_task(&self, request: &TaskRequest) -> Result<Task, Error> {
        let (mut task, meta): (Task, Meta) = self.call_json(&request.to_call()?)?;
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
    /// As [`Client::create_task`]; [`ErrorKind::Decode`](crate::ErrorKind::Decode) when the answer holds no list.
    pub fn list_tasks(&self) -> Result<Vec<Task>, Error> {
        let (envelope, meta): (TaskList, Meta) = self.call_json(&Api::TASKS.get(TASKS_PATH))?;
        let mut tasks = envelope.0;
        for task in &mut tasks {
            task.meta = meta.clone();
        }
        Ok(tasks)
    }
}

impl TaskRequest {
    /// The request as [`Client::create_task`] sends it (and [`Client::preview`] shows it),
    /// checked first.
    pub(crate) fn to_call(&self) -> Result<Call<'static>, Error> {
        self.validate()?;
        Ok(Api::TASKS
            .post(TASKS_PATH, self.to_wire()?)
            .server_timeout(self.timeout)
            .creates_task()
            .options(self.options))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::error::ErrorKind;

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
