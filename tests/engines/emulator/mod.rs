//! The emulator's engine API, tested over raw loopback HTTP/1.1 written by hand: auth, each
//! engine's success shape, the virtual web's failure shapes, validation, refusals and headers.
//! No `foura::Client` here — these tests pin the witness the client is tested against.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use foura::mock::{Engine, Fault, MockServer, Refusal};
use serde_json::{Value, json};

use crate::support::is_base36_id;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn credits(&self) -> Option<&str> {
        self.header("x-foura-credits")
    }
}

/// Sends one request with `Connection: close` and reads the whole answer.
fn send(
    server: &MockServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.addr()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse(&raw)
}

fn parse(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    let reply = Reply {
        status,
        headers,
        body,
    };
    let len: usize = reply.header("content-length").unwrap().parse().unwrap();
    assert_eq!(len, reply.body.len(), "Content-Length matches the body");
    reply
}

/// POSTs a JSON body to an engine with `key`.
fn post_with_key(server: &MockServer, path: &str, key: &str, body: &Value) -> Reply {
    send(
        server,
        "POST",
        path,
        &[("X-API-Key", key), ("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// POSTs raw bytes, sent as JSON, to an engine with [`MockServer::ENGINE_KEY`].
fn post_bytes(server: &MockServer, path: &str, body: &[u8]) -> Reply {
    send(
        server,
        "POST",
        path,
        &[
            ("X-API-Key", MockServer::ENGINE_KEY),
            ("Content-Type", "application/json"),
        ],
        body,
    )
}

/// POSTs a JSON body to an engine with [`MockServer::ENGINE_KEY`].
fn post(server: &MockServer, path: &str, body: &Value) -> Reply {
    post_with_key(server, path, MockServer::ENGINE_KEY, body)
}

/// POSTs a JSON body to an engine of a fresh emulator, for a test that needs only that answer.
fn post_fresh(path: &str, body: &Value) -> Reply {
    post(&MockServer::start(), path, body)
}

/// POSTs and expects a 200 with no `error`; returns the body.
fn ok(server: &MockServer, path: &str, body: &Value) -> Value {
    let reply = post(server, path, body);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    assert!(json.get("error").is_none(), "{json}");
    json
}

/// POSTs and expects a 400 `Invalid request body format`.
fn assert_invalid(server: &MockServer, path: &str, body: &Value) {
    let reply = post(server, path, body);
    assert_eq!(reply.status, 400, "{path} {body}");
    let json = reply.json();
    assert_eq!(json["error"], "Invalid request body format", "{body}");
    assert!(json["detail"].is_string(), "{json}");
    assert!(reply.credits().is_none());
}

/// POSTs the smallest valid body for `path` (a GET of `https://example.com`).
fn post_minimal(server: &MockServer, path: &str) -> Reply {
    post(server, path, &minimal(path, "https://example.com"))
}

/// As [`post_minimal`], with `X-API-Key: key`.
fn post_minimal_with_key(server: &MockServer, path: &str, key: &str) -> Reply {
    post_with_key(server, path, key, &minimal(path, "https://example.com"))
}

/// The emulator answers the smallest valid request to `path` with `status`.
#[track_caller]
fn assert_minimal_status(server: &MockServer, path: &str, status: u16) {
    assert_eq!(post_minimal(server, path).status, status, "{path}");
}

/// A refusal: `status`, exactly `body`, and no credits charged.
#[track_caller]
fn assert_refused(reply: &Reply, status: u16, body: &Value) {
    assert_eq!(reply.status, status);
    assert_eq!(&reply.json(), body);
    assert!(reply.credits().is_none());
}

/// The header hops of an engine answer, which must number `count`.
#[track_caller]
fn hops_of(json: &Value, count: usize) -> &[Value] {
    let hops = json["headers"]
        .as_array()
        .expect("headers as an array of hops");
    assert_eq!(hops.len(), count, "{json}");
    hops
}

/// The single engine's body for a GET of the URL in `json`.
fn get(json: &Value) -> Value {
    json!({ "method": "GET", "url": json })
}

const SINGLE: &str = "/api/single/";
const PROXY: &str = "/api/proxy/";
const BROWSER: &str = "/api/browser/";
const AUTO: &str = "/api/auto";
const ENGINES: [&str; 5] = [SINGLE, PROXY, BROWSER, AUTO, "/api/auto/"];

/// The smallest valid body for each engine path.
fn minimal(path: &str, url: &str) -> Value {
    match path {
        SINGLE => get(&json!(url)),
        PROXY => json!({ "request": { "method": "GET", "url": url } }),
        _ => json!({ "url": url }),
    }
}

mod access;
mod browser_and_auto;
mod inspect;
mod proxy;
mod refusals;
mod single;
mod validation;
