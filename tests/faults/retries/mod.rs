//! The fault-injection suite: what the client does when the network or FourA misbehaves, over
//! loopback against the emulator. Every test checks what the emulator saw (how many requests)
//! as well as what the client returned. Timings are bounds with generous tolerance, never
//! exact: the suite runs its tests in parallel on small machines.

use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use foura::mock::{Engine, Fault, MockServer, Refusal};
use foura::{Attempt, Client, Error, ErrorKind, Meta, SingleRequest, TaskType};

use crate::support::{builder_at, engines_builder, server_with};
use serde_json::json;

const PAGE: &str = "https://example.com/";

/// What the attempt hook was told, in order.
type AttemptLog = Arc<Mutex<Vec<Attempt>>>;

/// A client for `server` with `key`, an explicit timeout and retry budget, and a hook that
/// records every attempt.
fn client(server: &MockServer, key: &str, timeout: Duration, retries: u32) -> (Client, AttemptLog) {
    client_for(&server.url(), key, timeout, retries)
}

fn client_for(base: &str, key: &str, timeout: Duration, retries: u32) -> (Client, AttemptLog) {
    let log = AttemptLog::default();
    let sink = Arc::clone(&log);
    let client = builder_at(base, key)
        .timeout(timeout)
        .max_retries(retries)
        .on_attempt(move |a| sink.lock().unwrap().push(a.clone()))
        .build()
        .unwrap();
    (client, log)
}

/// The timeout of a call that is not about deadlines.
const TIMEOUT: Duration = Duration::from_secs(10);

/// An engine-API client ([`MockServer::ENGINE_KEY`]) with [`TIMEOUT`].
fn engines(server: &MockServer, retries: u32) -> (Client, AttemptLog) {
    client(server, MockServer::ENGINE_KEY, TIMEOUT, retries)
}

/// A tasks-API client ([`MockServer::TEST_KEY`]) with [`TIMEOUT`].
fn tasks(server: &MockServer, retries: u32) -> (Client, AttemptLog) {
    client(server, MockServer::TEST_KEY, TIMEOUT, retries)
}

fn fetch(client: &Client) -> Result<foura::SingleResponse, Error> {
    client.single(&SingleRequest::get(PAGE))
}

/// Creates a task that asks FourA for at most 2 s of work: a retry of it needs only that
/// much of the call's 10 s left (a task retry must leave room for the task's own timeout).
fn submit(client: &Client) -> Result<foura::Task, Error> {
    client.create_task(
        &foura::TaskRequest::new(PAGE, TaskType::Single).timeout(Duration::from_secs(2)),
    )
}

fn attempts(log: &AttemptLog) -> Vec<Attempt> {
    log.lock().unwrap().clone()
}

/// The tasks API's nested 429 (https://foura.ai/docs/api/errors) asking for `wait` seconds.
fn tasks_429(wait: f64) -> Fault {
    Fault::json(
        429,
        &json!({"error": {"code": "RATE_LIMIT_EXCEEDED",
            "message": "Rate limit exceeded. Retry after a moment.", "status": 429,
            "retryAfter": wait}}),
    )
}

/// The engine gateway's flat 429 (https://foura.ai/docs/api/rate-limits) asking for `wait` seconds.
fn engine_429(wait: f64) -> Fault {
    Fault::json(
        429,
        &json!({"error": "Rate limit exceeded", "status": 429, "service": "single",
            "retryAfter": wait, "current": {"concurrency": 12, "rpm": 3000},
            "limits": {"maxConcurrency": 500, "maxRpm": 3000}}),
    )
}

/// The gateway's "Service at capacity" 503 (https://foura.ai/docs/api/rate-limits), with `retryAfter` when given.
fn at_capacity(wait: Option<f64>) -> Fault {
    let mut body = json!({"error": "Service at capacity", "status": 503, "service": "single",
        "current": {"concurrency": 6, "rpm": 30},
        "limits": {"maxConcurrency": 5, "maxRpm": 60}});
    if let Some(wait) = wait {
        body["retryAfter"] = json!(wait);
    }
    Fault::json(503, &body)
}

/// A completed task, as FourA answers `POST /api/v1/tasks`.
fn task_json() -> String {
    json!({"id": "task_1", "status": "completed", "url": PAGE, "type": "single",
        "content": "<html>hello</html>"})
    .to_string()
}

/// A call that took `attempts` attempts, each of which reached the emulator.
#[track_caller]
fn assert_attempts(server: &MockServer, meta: &Meta, attempts: u32) {
    assert_eq!(meta.attempts, attempts);
    assert_eq!(server.request_count(), attempts as usize);
}

/// A failure of `kind` returned after its first attempt, the only request the emulator saw.
#[track_caller]
fn assert_not_retried(server: &MockServer, err: &Error, kind: ErrorKind) {
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!(err.attempts(), 1, "{err}");
    assert_eq!(server.request_count(), 1, "{err}");
}

/// Runs `call` and says how long it took.
fn timed<T>(call: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = call();
    (out, started.elapsed())
}

/// Asserts `took` is at most `bound`, naming what was measured.
#[track_caller]
fn within(took: Duration, bound: Duration, what: &str) {
    assert!(took <= bound, "{what} took {took:?}, more than {bound:?}");
}

mod failure_modes;
mod retry_rules;
