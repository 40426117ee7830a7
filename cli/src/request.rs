//! One request, whichever API and engine it goes to: built from `fetch`'s flags, a batch's
//! URL line, or a batch's JSON line (FourA's wire body, read by the library's `from_json`),
//! then sent or previewed, and its answer read back.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use foura::{
    AutoRequest, AutoResponse, BatchItem, BrowserRequest, BrowserResponse, Client, Error, Meta,
    Preview, ProxyRequest, ProxyResponse, RequestId, SingleRequest, SingleResponse, Task,
    TaskRequest, TaskType,
};
use serde_json::{Map, Value, json};

use crate::args::{Api, EngineName};

/// A request ready to send.
#[derive(Debug)]
pub enum Request {
    Task(TaskRequest),
    Single(SingleRequest),
    Proxy(ProxyRequest),
    Browser(BrowserRequest),
    Auto(AutoRequest),
}

/// A request with what the output says about it.
#[derive(Debug)]
pub struct Job {
    /// The library's stable id of the request (`RequestId`).
    pub id: RequestId,
    pub url: String,
    pub request: Request,
}

/// What a successful request returned.
#[derive(Debug)]
pub enum Reply {
    Task(Task),
    Single(SingleResponse),
    Proxy(ProxyResponse),
    Browser(BrowserResponse),
    Auto(AutoResponse),
}

/// What `fetch`'s flags (or a batch's URL line) ask for besides the URL.
#[derive(Debug, Default)]
pub struct Options {
    pub headers: Vec<(String, String)>,
    pub countries: Vec<String>,
    pub wait_for: Option<String>,
    pub timeout: Option<Duration>,
}

const NO_AUTO: &str = "the tasks API has no auto engine; use --api engines (a pk_live_ key) \
                       or another --engine";

fn task_type(engine: EngineName) -> TaskType {
    match engine {
        EngineName::Browser => TaskType::Browser,
        EngineName::Proxy => TaskType::Proxy,
        _ => TaskType::Single,
    }
}

impl Job {
    fn new(url: String, request: Request) -> Job {
        let id = match &request {
            Request::Task(r) => r.id(),
            Request::Single(r) => r.id(),
            Request::Proxy(r) => r.id(),
            Request::Browser(r) => r.id(),
            Request::Auto(r) => r.id(),
        };
        Job { id, url, request }
    }

    /// The request for `url` with the library's builders.
    pub fn from_options(
        api: Api,
        engine: EngineName,
        url: &str,
        o: &Options,
    ) -> Result<Job, String> {
        let engines_only =
            |what: &str| format!("{what} needs the tasks API (an fk_live_ key, or --api tasks)");
        let countries_need = "--country needs --engine proxy on the engine API";
        let request = match (api, engine) {
            (Api::Tasks, EngineName::Auto) => return Err(NO_AUTO.to_owned()),
            (Api::Tasks, engine) => {
                let mut r = TaskRequest::new(url, task_type(engine));
                for (name, value) in &o.headers {
                    r = r.header(name, value);
                }
                if let Some(t) = o.timeout {
                    r = r.timeout(t);
                }
                if let Some(selector) = &o.wait_for {
                    r = r.wait_for(selector);
                }
                match o.countries.as_slice() {
                    [] => {}
                    [country] => r = r.proxy_country(country),
                    _ => return Err("the tasks API takes one --country".to_owned()),
                }
                Request::Task(r)
            }
            (Api::Engines, _) if o.wait_for.is_some() => return Err(engines_only("--wait-for")),
            (Api::Engines, EngineName::Proxy) => {
                let mut inner = SingleRequest::get(url);
                for (name, value) in &o.headers {
                    inner = inner.header(name, value);
                }
                let mut r = ProxyRequest::new(inner);
                if !o.countries.is_empty() {
                    r = r.exit_countries(o.countries.clone());
                }
                if let Some(t) = o.timeout {
                    r = r.timeout(t);
                }
                Request::Proxy(r)
            }
            (Api::Engines, _) if !o.countries.is_empty() => return Err(countries_need.to_owned()),
            (Api::Engines, EngineName::Single) => {
                let mut r = SingleRequest::get(url);
                for (name, value) in &o.headers {
                    r = r.header(name, value);
                }
                if let Some(t) = o.timeout {
                    r = r.timeout(t);
                }
                Request::Single(r)
            }
            (Api::Engines, EngineName::Browser) => {
                let mut r = BrowserRequest::new(url);
                for (name, value) in &o.headers {
                    r = r.header(name, value);
                }
                if let Some(t) = o.timeout {
                    r = r.timeout(t);
                }
                Request::Browser(r)
            }
            (Api::Engines, EngineName::Auto) => {
                let mut r = AutoRequest::new(url);
                for (name, value) in &o.headers {
                    r = r.header(name, value);
                }
                if let Some(t) = o.timeout {
                    r = r.timeout(t);
                }
                Request::Auto(r)
            }
        };
        Ok(Job::new(url.to_owned(), request))
    }

    /// The request a JSON line describes: FourA's wire body for the engine (the tasks API's
    /// body, `{"url":…,"type":…,"options":{…}}`, for `api` tasks), read by the library's
    /// `from_json`. An `"engine"` field picks the engine and is removed first; for the tasks
    /// API it fills `"type"` when the body has none. `timeout` fills the body's timeout
    /// (`timeout_ms`, or the task's `options.timeout`) when it has none.
    pub fn from_wire(
        api: Api,
        engine: EngineName,
        mut body: Map<String, Value>,
        timeout: Option<Duration>,
    ) -> Result<Job, String> {
        let engine = match body.remove("engine") {
            None => engine,
            Some(Value::String(name)) => EngineName::parse(&name).ok_or_else(|| {
                format!("\"engine\" must be single, proxy, browser or auto, not \"{name}\"")
            })?,
            Some(_) => return Err("\"engine\" must be a string".to_owned()),
        };
        let millis = timeout.map(|t| Value::from(u64::try_from(t.as_millis()).unwrap_or(u64::MAX)));
        let url = |body: &Map<String, Value>, inner: Option<&str>| {
            let holder = match inner {
                Some(name) => body.get(name).and_then(Value::as_object),
                None => Some(body),
            };
            holder
                .and_then(|h| h.get("url"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let (url, request) = match (api, engine) {
            (Api::Tasks, EngineName::Auto) => return Err(NO_AUTO.to_owned()),
            (Api::Tasks, engine) => {
                body.entry("type")
                    .or_insert_with(|| Value::from(task_type(engine).as_str()));
                if let Some(ms) = millis {
                    let options = body.entry("options").or_insert_with(|| json!({}));
                    if let Some(options) = options.as_object_mut() {
                        options.entry("timeout").or_insert(ms);
                    }
                }
                let body = Value::Object(body);
                let request = TaskRequest::from_json(&body).map(Request::Task);
                (url(body.as_object().expect("an object"), None), request)
            }
            (Api::Engines, engine) => {
                if let Some(ms) = millis {
                    body.entry("timeout_ms").or_insert(ms);
                }
                let inner = (engine == EngineName::Proxy).then_some("request");
                let url = url(&body, inner);
                let body = Value::Object(body);
                let request = match engine {
                    EngineName::Single => SingleRequest::from_json(&body).map(Request::Single),
                    EngineName::Proxy => ProxyRequest::from_json(&body).map(Request::Proxy),
                    EngineName::Browser => BrowserRequest::from_json(&body).map(Request::Browser),
                    EngineName::Auto => AutoRequest::from_json(&body).map(Request::Auto),
                };
                (url, request)
            }
        };
        let request = request.map_err(|e| e.to_string())?;
        Ok(Job::new(url, request))
    }

    /// The request as it would go on the wire, sending nothing.
    pub fn preview(&self, client: &Client) -> Result<Preview, Error> {
        match &self.request {
            Request::Task(r) => client.preview(r),
            Request::Single(r) => client.preview(r),
            Request::Proxy(r) => client.preview(r),
            Request::Browser(r) => client.preview(r),
            Request::Auto(r) => client.preview(r),
        }
    }
}

impl BatchItem for Job {
    type Output = (Reply, Duration);

    fn send(&self, client: &Client) -> Result<(Reply, Duration), Error> {
        let started = Instant::now();
        let reply = match &self.request {
            // A task that is not `completed` has no page: EngineFailed, naming its status.
            Request::Task(r) => Reply::Task(client.create_task(r)?.require_completed()?),
            Request::Single(r) => Reply::Single(client.single(r)?),
            Request::Proxy(r) => Reply::Proxy(client.proxy(r)?),
            Request::Browser(r) => Reply::Browser(client.browser(r)?),
            Request::Auto(r) => Reply::Auto(client.auto(r)?),
        };
        Ok((reply, started.elapsed()))
    }

    fn meta(output: &(Reply, Duration)) -> &Meta {
        output.0.meta()
    }

    fn request_id(&self) -> Option<RequestId> {
        Some(self.id)
    }
}

impl Reply {
    pub fn meta(&self) -> &Meta {
        match self {
            Reply::Task(r) => r.meta(),
            Reply::Single(r) => r.meta(),
            Reply::Proxy(r) => r.meta(),
            Reply::Browser(r) => r.meta(),
            Reply::Auto(r) => r.meta(),
        }
    }

    /// The target's status.
    pub fn status(&self) -> Option<u16> {
        match self {
            Reply::Task(r) => r.status_code,
            Reply::Single(r) => Some(r.status),
            Reply::Proxy(r) => Some(r.status),
            Reply::Browser(r) => Some(r.status),
            Reply::Auto(r) => Some(r.status),
        }
    }

    /// The page, as FourA delivered it.
    pub fn page(&self) -> Cow<'_, [u8]> {
        match self {
            Reply::Task(r) => Cow::Borrowed(r.content.as_deref().unwrap_or("").as_bytes()),
            Reply::Single(r) => r.bytes(),
            Reply::Proxy(r) => r.bytes(),
            Reply::Browser(r) => r.bytes(),
            Reply::Auto(r) => r.bytes(),
        }
    }

    /// The response as JSON, for `fetch --json`.
    pub fn to_json(&self) -> Value {
        let meta = self.meta();
        let mut out = match self {
            Reply::Task(t) => {
                let mut out = json!({
                    "id": t.id,
                    "status": t.status.as_str(),
                    "url": t.url,
                    "type": t.task_type.as_ref().map(TaskType::as_str),
                    "statusCode": t.status_code,
                    "content": t.content,
                    "headers": t.headers,
                    "createdAt": t.created_at,
                });
                if let Some(timing) = &t.timing {
                    out["timing"] = json!({
                        "total": timing.total, "dns": timing.dns,
                        "connect": timing.connect, "ttfb": timing.ttfb,
                    });
                }
                merge(&mut out, &t.extra);
                out
            }
            Reply::Single(r) => engine_json(
                r.status,
                &r.headers,
                &String::from_utf8_lossy(&r.bytes()),
                &r.extra,
            ),
            Reply::Proxy(r) => {
                let mut out = engine_json(
                    r.status,
                    &r.headers,
                    &String::from_utf8_lossy(&r.bytes()),
                    &r.extra,
                );
                out["proxy"] = json!(r.proxy);
                out["exitCountry"] = json!(r.exit_country);
                out
            }
            Reply::Browser(r) => engine_json(
                r.status,
                &r.headers,
                &String::from_utf8_lossy(&r.bytes()),
                &r.extra,
            ),
            Reply::Auto(r) => engine_json(
                r.status,
                &r.headers,
                &String::from_utf8_lossy(&r.bytes()),
                &r.extra,
            ),
        };
        out["meta"] = json!({
            "request_id": meta.request_id,
            "credits": meta.credits,
            "exit_class": meta.exit_class,
            "attempts": meta.attempts,
        });
        out
    }
}

fn engine_json(
    status: u16,
    headers: &foura::ResponseHeaders,
    content: &str,
    extra: &Map<String, Value>,
) -> Value {
    let hops: Vec<Value> = headers
        .hops
        .iter()
        .map(|hop| {
            Value::Array(
                hop.headers
                    .iter()
                    .flat_map(|(n, values)| values.iter().map(move |v| json!([n, v])))
                    .collect(),
            )
        })
        .collect();
    let mut out = json!({ "status": status, "headers": hops, "content": content });
    merge(&mut out, extra);
    out
}

/// Adds `extra`'s fields to the object `out` where it has none of that name.
pub fn merge(out: &mut Value, extra: &Map<String, Value>) {
    if let Value::Object(map) = out {
        for (k, v) in extra {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}
