//! One request, whichever API and engine it goes to: built from FourA's wire JSON (a batch's
//! JSON line, or the body `fetch`'s flags describe), sent, and its answer read back.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use foura::{
    AutoRequest, AutoResponse, BatchItem, BrowserRequest, BrowserResponse, Client, Error, Meta,
    ProxyRequest, ProxyResponse, SingleRequest, SingleResponse, Task, TaskRequest, TaskType,
};
use serde_json::{Map, Value, json};

use crate::args::{Api, EngineName};
use crate::compat;

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
    /// The request's stable id (see [`compat::request_id`]).
    pub id: u64,
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

/// The id written in the output: 16 hex digits.
pub fn id_text(id: u64) -> String {
    format!("{id:016x}")
}

/// Builds a request from FourA's wire body for `engine` (an `"engine"` field in `body`
/// overrides it). `timeout` fills `timeout_ms` when the body has none.
///
/// The mapping from wire names to the library's builders is the CLI's for now; the
/// library's own wire-JSON constructors (`SingleRequest::from_json(&Value)` and one per
/// request type) replace it.
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
    if let Some(t) = timeout {
        body.entry("timeout_ms")
            .or_insert_with(|| Value::from(t.as_millis() as u64));
    }
    let url = match body.get("url") {
        Some(Value::String(url)) => url.clone(),
        Some(_) => return Err("\"url\" must be a string".to_owned()),
        None => return Err("the request has no \"url\"".to_owned()),
    };
    let path = match api {
        Api::Tasks => format!("/api/v1/tasks {}", engine.as_str()),
        Api::Engines => format!("/api/{}/", engine.as_str()),
    };
    let id = compat::request_id(api.as_str(), &path, &Value::Object(body.clone()));
    let mut fields = Fields(body);
    fields.0.remove("url");
    let request = match (api, engine) {
        (Api::Tasks, EngineName::Auto) => {
            return Err(
                "the tasks API has no auto engine; use --api engines (a pk_live_ key) \
                 or another --engine"
                    .to_owned(),
            );
        }
        (Api::Tasks, engine) => Request::Task(task(&url, engine, &mut fields)?),
        (Api::Engines, EngineName::Single) => Request::Single(single(&url, &mut fields)?),
        (Api::Engines, EngineName::Proxy) => {
            let max_tries = fields.u64("maxTries")?;
            let countries = fields.strings("exitCountries")?;
            let outer_timeout = fields.millis("timeout_ms")?;
            let mut request = ProxyRequest::new(single(&url, &mut fields)?);
            if let Some(n) = max_tries {
                request = request.max_tries(n as u32);
            }
            if let Some(countries) = countries {
                request = request.exit_countries(countries);
            }
            if let Some(t) = outer_timeout {
                request = request.timeout(t);
            }
            Request::Proxy(request)
        }
        (Api::Engines, EngineName::Browser) => Request::Browser(browser(&url, &mut fields)?),
        (Api::Engines, EngineName::Auto) => Request::Auto(auto(&url, &mut fields)?),
    };
    fields.finish()?;
    Ok(Job { id, url, request })
}

fn task(url: &str, engine: EngineName, f: &mut Fields) -> Result<TaskRequest, String> {
    let task_type = match engine {
        EngineName::Browser => TaskType::Browser,
        EngineName::Proxy => TaskType::Proxy,
        _ => TaskType::Single,
    };
    let mut request = TaskRequest::new(url, task_type);
    for (name, value) in f.headers("headers")? {
        request = request.header(name, value);
    }
    if let Some(t) = f.millis("timeout_ms")? {
        request = request.timeout(t);
    }
    if let Some(selector) = f.string("waitFor")? {
        request = request.wait_for(selector);
    }
    let country = match f.strings("exitCountries")? {
        Some(countries) if countries.len() > 1 => {
            return Err("the tasks API takes one country".to_owned());
        }
        Some(countries) => countries.into_iter().next(),
        None => f.string("proxyCountry")?,
    };
    if let Some(country) = country {
        request = request.proxy_country(country);
    }
    if let Some(on) = f.bool("javascript")? {
        request = request.javascript(on);
    }
    request.validate().map_err(|e| e.to_string())?;
    Ok(request)
}

fn single(url: &str, f: &mut Fields) -> Result<SingleRequest, String> {
    let method = f.string("method")?.unwrap_or_else(|| "GET".to_owned());
    let mut request = SingleRequest::new(method, url);
    for (name, value) in f.headers("headers")? {
        request = request.header(name, value);
    }
    if let Some(t) = f.millis("timeout_ms")? {
        request = request.timeout(t);
    }
    if let Some(hops) = f.u64("followRedirects")? {
        request = request.follow_redirects(hops.min(255) as u8);
    }
    if let Some(proxy) = f.string("proxy")? {
        request = request.proxy(proxy);
    }
    for (name, set) in [
        (
            "profile",
            SingleRequest::profile as fn(SingleRequest, String) -> SingleRequest,
        ),
        ("browser", SingleRequest::browser),
        ("os", SingleRequest::os),
        ("version", SingleRequest::version),
    ] {
        if let Some(value) = f.string(name)? {
            request = set(request, value);
        }
    }
    if let Some(on) = f.bool("unblocker")? {
        request = request.unblocker(on);
    }
    if let Some(on) = f.bool("tryJsonData")? {
        request = request.try_json_data(on);
    }
    if let Some(on) = f.bool("returnBuffer")? {
        request = request.return_buffer(on);
    }
    match f.0.remove("data") {
        None => {}
        Some(Value::String(text)) => request = request.body(text),
        Some(value) => request = request.json_body(value),
    }
    Ok(request)
}

fn browser(url: &str, f: &mut Fields) -> Result<BrowserRequest, String> {
    let mut request = BrowserRequest::new(url);
    for (name, value) in f.headers("headers")? {
        request = request.header(name, value);
    }
    if let Some(t) = f.millis("timeout_ms")? {
        request = request.timeout(t);
    }
    if let Some(agent) = f.string("userAgent")? {
        request = request.user_agent(agent);
    }
    if let Some(proxy) = f.string("proxy")? {
        request = request.proxy(proxy);
    }
    if let Some(status) = f.u64("checkStatus")? {
        request = request.check_status(status.min(999) as u16);
    }
    if let Some(text) = f.string("checkText")? {
        request = request.check_text(text);
    }
    if let Some(on) = f.bool("unblocker")? {
        request = request.unblocker(on);
    }
    Ok(request)
}

fn auto(url: &str, f: &mut Fields) -> Result<AutoRequest, String> {
    let mut request = AutoRequest::new(url);
    if let Some(method) = f.string("method")? {
        request = request.method(method);
    }
    for (name, value) in f.headers("headers")? {
        request = request.header(name, value);
    }
    if let Some(t) = f.millis("timeout_ms")? {
        request = request.timeout(t);
    }
    if let Some(hops) = f.u64("followRedirects")? {
        request = request.follow_redirects(hops.min(255) as u8);
    }
    if let Some(on) = f.bool("forceProxy")? {
        request = request.force_proxy(on);
    }
    if let Some(on) = f.bool("returnSession")? {
        request = request.return_session(on);
    }
    match f.0.remove("data") {
        None => {}
        Some(Value::String(text)) => request = request.body(text),
        Some(value) => request = request.json_body(value),
    }
    Ok(request)
}

/// The fields of a wire body not read yet; each reader removes what it reads.
struct Fields(Map<String, Value>);

impl Fields {
    fn string(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("\"{name}\" must be a string")),
        }
    }

    fn bool(&mut self, name: &str) -> Result<Option<bool>, String> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(format!("\"{name}\" must be true or false")),
        }
    }

    fn u64(&mut self, name: &str) -> Result<Option<u64>, String> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("\"{name}\" must be a whole number")),
        }
    }

    fn millis(&mut self, name: &str) -> Result<Option<Duration>, String> {
        Ok(self.u64(name)?.map(Duration::from_millis))
    }

    fn strings(&mut self, name: &str) -> Result<Option<Vec<String>>, String> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(format!("\"{name}\" must be a list of strings")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(format!("\"{name}\" must be a list of strings")),
        }
    }

    /// Headers as `[name, value]` pairs or as an object of strings.
    fn headers(&mut self, name: &str) -> Result<Vec<(String, String)>, String> {
        let bad = || format!("\"{name}\" must be [name, value] pairs or an object of strings");
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(pairs)) => pairs
                .into_iter()
                .map(|pair| match pair {
                    Value::Array(mut nv) if nv.len() == 2 => match (nv.remove(0), nv.remove(0)) {
                        (Value::String(n), Value::String(v)) => Ok((n, v)),
                        _ => Err(bad()),
                    },
                    _ => Err(bad()),
                })
                .collect(),
            Some(Value::Object(map)) => map
                .into_iter()
                .map(|(n, v)| match v {
                    Value::String(v) => Ok((n, v)),
                    _ => Err(bad()),
                })
                .collect(),
            Some(_) => Err(bad()),
        }
    }

    /// Refuses any field left over: an unknown field is a typo, not something to drop.
    fn finish(self) -> Result<(), String> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(name) => Err(format!("unknown field \"{name}\" for this engine")),
        }
    }
}

impl BatchItem for Job {
    type Output = (Reply, Duration);

    fn send(&self, client: &Client) -> Result<(Reply, Duration), Error> {
        let started = Instant::now();
        let reply = match &self.request {
            Request::Task(r) => Reply::Task(client.create_task(r)?),
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

fn merge(out: &mut Value, extra: &Map<String, Value>) {
    if let Value::Object(map) = out {
        for (k, v) in extra {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}
