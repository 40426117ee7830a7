//! The emulated tasks API: `POST` and `GET /api/v1/tasks` with Bearer keys, answering with the
//! documented shapes (<https://foura.ai/docs/api/endpoints>) and nested error bodies
//! (<https://foura.ai/docs/api/errors>).

use serde_json::{Map, Value, json};

use super::accounts::KeyState;
use super::http::Answer;
use super::http::RawRequest;
use super::server::State;

pub(crate) const PATH: &str = "/api/v1/tasks";

const TYPES: [&str; 3] = ["single", "browser", "proxy"];
const OPTIONS: [&str; 5] = [
    "waitFor",
    "timeout",
    "proxyCountry",
    "javascript",
    "headers",
];

/// A nested Generation-A error body.
fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer::json(
        status,
        &json!({ "error": { "code": code, "message": message, "status": status } }),
    )
}

fn invalid(message: &str) -> Answer {
    error(400, "INVALID_PARAMS", message)
}

pub(crate) fn not_found(request: &RawRequest) -> Answer {
    error(
        404,
        "NOT_FOUND",
        &format!("No route for {} {}.", request.method, request.target),
    )
}

pub(crate) fn handle(state: &mut State, request: &RawRequest) -> Answer {
    let key = match authenticate(state, request) {
        Ok(key) => key,
        Err(answer) => return answer,
    };
    match request.method.as_str() {
        "POST" => create(state, request, key),
        "GET" => list(state, &key),
        _ => error(
            405,
            "METHOD_NOT_ALLOWED",
            "Use GET or POST on /api/v1/tasks.",
        ),
    }
}

/// The seed's rules: `Authorization: Bearer <key>`; a missing, unknown or whitespace-padded key
/// is 401; a disabled key is 403.
fn authenticate(state: &State, request: &RawRequest) -> Result<String, Answer> {
    let unauthorized = || error(401, "UNAUTHORIZED", "Invalid or missing API key.");
    let header = request.header("authorization").ok_or_else(unauthorized)?;
    let token = header.strip_prefix("Bearer ").ok_or_else(unauthorized)?;
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err(unauthorized());
    }
    match state.keys.get(token) {
        Some(KeyState::Active) => Ok(token.to_owned()),
        Some(KeyState::Disabled) => Err(error(403, "FORBIDDEN", "API key disabled or expired.")),
        None => Err(unauthorized()),
    }
}

fn is_http_url(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !r.contains(char::is_whitespace)
    })
}

fn create(state: &mut State, request: &RawRequest, key: String) -> Answer {
    if !request.is_json() {
        return invalid("Content-Type must be application/json.");
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&request.body) else {
        return invalid("Request body must be a JSON object.");
    };
    if let Some(unknown) = body
        .keys()
        .find(|k| !["url", "type", "options"].contains(&k.as_str()))
    {
        return invalid(&format!("Unknown field '{unknown}'."));
    }
    let url = body.get("url").cloned().unwrap_or(Value::Null);
    if !is_http_url(&url) {
        return invalid("Field 'url' is required and must be a valid HTTP(S) URL.");
    }
    let task_type = match body.get("type").and_then(Value::as_str) {
        Some(t) if TYPES.contains(&t) => t.to_owned(),
        _ => return invalid("Field 'type' must be one of: single, browser, proxy."),
    };
    let options = match body.get("options") {
        None => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(_) => return invalid("Field 'options' must be an object."),
    };
    if let Err(answer) = check_options(&options, &task_type) {
        return answer;
    }

    let number = state.next_task;
    state.next_task += 1;
    let url = url.as_str().unwrap_or_default().to_owned();
    let task = json!({
        "id": format!("task_{number:08x}"),
        "status": "completed",
        "url": url,
        "type": task_type,
        "statusCode": 200,
        "content": page(&url, &task_type),
        "headers": { "content-type": "text/html; charset=utf-8" },
        "timing": {
            "total": 120 + url.len() as u64,
            "dns": 4,
            "connect": 18,
            "ttfb": 60 + url.len() as u64 / 2
        },
        "createdAt": crate::time::rfc3339(std::time::SystemTime::now()),
    });
    state.tasks.push((key, task.clone()));
    Answer::json(200, &task)
}

fn check_options(options: &Map<String, Value>, task_type: &str) -> Result<(), Answer> {
    if let Some(unknown) = options.keys().find(|k| !OPTIONS.contains(&k.as_str())) {
        return Err(invalid(&format!("Unknown option '{unknown}'.")));
    }
    if let Some(wait_for) = options.get("waitFor") {
        if task_type != "browser" {
            return Err(invalid(
                "Option 'waitFor' is only available for the browser type.",
            ));
        }
        if wait_for.as_str().is_none_or(|s| s.trim().is_empty()) {
            return Err(invalid("Option 'waitFor' must be a CSS selector."));
        }
    }
    if let Some(timeout) = options.get("timeout") {
        if timeout.as_u64().is_none_or(|t| t == 0) {
            return Err(invalid(
                "Option 'timeout' must be a positive number of milliseconds.",
            ));
        }
    }
    if let Some(country) = options.get("proxyCountry") {
        let ok = country
            .as_str()
            .is_some_and(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()));
        if !ok {
            return Err(invalid(
                "Option 'proxyCountry' must be a two-letter country code.",
            ));
        }
    }
    if let Some(js) = options.get("javascript") {
        if !js.is_boolean() {
            return Err(invalid("Option 'javascript' must be a boolean."));
        }
    }
    if let Some(headers) = options.get("headers") {
        let ok = headers
            .as_object()
            .is_some_and(|h| h.values().all(Value::is_string));
        if !ok {
            return Err(invalid("Option 'headers' must be an object of strings."));
        }
    }
    Ok(())
}

fn list(state: &State, key: &str) -> Answer {
    let tasks: Vec<Value> = state
        .tasks
        .iter()
        .filter(|(owner, _)| owner == key)
        .map(|(_, task)| task.clone())
        .collect();
    Answer::json(200, &json!({ "tasks": tasks }))
}

/// The deterministic page the emulator "fetched" for `url`.
fn page(url: &str, task_type: &str) -> String {
    let url = escape(url);
    format!(
        "<!doctype html><html><head><title>FourA emulator: {url}</title></head>\
         <body><h1>{url}</h1><p>Fetched by the FourA emulator as a {task_type} task.</p></body></html>"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
