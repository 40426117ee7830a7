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
use foura::{ApiKey, Attempt, Client, Error, ErrorKind, SingleRequest, TaskType};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Fixtures

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
    let client = Client::builder()
        .api_key(ApiKey::new(key).unwrap())
        .base_url(base)
        .proxy(None)
        .timeout(timeout)
        .max_retries(retries)
        .on_attempt(move |a| sink.lock().unwrap().push(a.clone()))
        .build()
        .unwrap();
    (client, log)
}

/// An engine-API client ([`MockServer::ENGINE_KEY`]), 10 s timeout.
fn engines(server: &MockServer, retries: u32) -> (Client, AttemptLog) {
    client(
        server,
        MockServer::ENGINE_KEY,
        Duration::from_secs(10),
        retries,
    )
}

/// A tasks-API client ([`MockServer::TEST_KEY`]), 10 s timeout.
fn tasks(server: &MockServer, retries: u32) -> (Client, AttemptLog) {
    client(
        server,
        MockServer::TEST_KEY,
        Duration::from_secs(10),
        retries,
    )
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

/// The tasks API's nested 429 (foura-api.md §2.4) asking for `wait` seconds.
fn tasks_429(wait: f64) -> Fault {
    Fault::json(
        429,
        &json!({"error": {"code": "RATE_LIMIT_EXCEEDED",
            "message": "Rate limit exceeded. Retry after a moment.", "status": 429,
            "retryAfter": wait}}),
    )
}

/// The engine gateway's flat 429 (foura-api.md §3.9) asking for `wait` seconds.
fn engine_429(wait: f64) -> Fault {
    Fault::json(
        429,
        &json!({"error": "Rate limit exceeded", "status": 429, "service": "single",
            "retryAfter": wait, "current": {"concurrency": 12, "rpm": 3000},
            "limits": {"maxConcurrency": 500, "maxRpm": 3000}}),
    )
}

/// The gateway's "Service at capacity" 503 (foura-api.md §3.9), with `retryAfter` when given.
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

/// Asserts `took` is at most `bound`, naming what was measured.
#[track_caller]
fn within(took: Duration, bound: Duration, what: &str) {
    assert!(took <= bound, "{what} took {took:?}, more than {bound:?}");
}

// ---------------------------------------------------------------------------------------------
// Retryable faults recover within the budget

#[test]
fn rate_limit_429_with_nested_retry_after_is_retried_on_task_creation() {
    let server = MockServer::start();
    server.push_faults(2, tasks_429(0.0));
    let (client, _) = tasks(&server, 2);
    let task = submit(&client).unwrap();
    assert_eq!(task.meta().attempts, 3);
    assert_eq!(server.request_count(), 3);
    assert_eq!(
        server.tasks().len(),
        1,
        "one task, created by the third request"
    );
}

#[test]
fn rate_limit_429_with_a_flat_engine_body_is_retried() {
    let server = MockServer::start();
    server.push_faults(2, engine_429(0.0));
    let (client, log) = engines(&server, 2);
    let page = fetch(&client).unwrap();
    assert_eq!(page.meta().attempts, 3);
    assert_eq!(server.request_count(), 3);
    let seen = attempts(&log);
    assert_eq!(seen[0].error, Some(ErrorKind::RateLimited));
    assert_eq!(
        seen[0].wait,
        Some(foura::MIN_RETRY_WAIT),
        "the body's retryAfter: 0 is the wait, raised to the floor"
    );
}

#[test]
fn at_capacity_503_refusal_is_retried_after_its_wait() {
    // Refusal::AtCapacity asks for `retryAfter: 2`.
    let server = MockServer::start();
    server.refuse_next(1, Some(Engine::Single), Refusal::AtCapacity);
    let (client, log) = engines(&server, 2);
    let started = Instant::now();
    let page = fetch(&client).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1900));
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(server.request_count(), 2);
    let seen = attempts(&log);
    assert_eq!(seen[0].error, Some(ErrorKind::AtCapacity));
    assert_eq!(seen[0].wait, Some(Duration::from_secs(2)));
}

#[test]
fn at_capacity_503_fault_is_retried() {
    let server = MockServer::start();
    server.push_faults(2, at_capacity(Some(0.0)));
    let (client, _) = engines(&server, 2);
    let page = fetch(&client).unwrap();
    assert_eq!(page.meta().attempts, 3);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn backend_unavailable_503_is_retried() {
    let server = MockServer::start();
    server.refuse_next(2, None, Refusal::BackendUnavailable);
    let (client, log) = engines(&server, 2);
    let page = fetch(&client).unwrap();
    assert_eq!(page.meta().attempts, 3);
    assert_eq!(server.request_count(), 3);
    let seen = attempts(&log);
    assert_eq!(seen[0].status, Some(503));
    assert_eq!(seen[0].error, Some(ErrorKind::ServerError));
}

#[test]
fn server_errors_500_502_504_on_an_engine_call_are_retried() {
    for status in [500, 502, 504] {
        let server = MockServer::start();
        server.push_fault(
            Fault::status(status, "<html><body>upstream trouble</body></html>")
                .header("Content-Type", "text/html"),
        );
        let (client, log) = engines(&server, 2);
        let page = fetch(&client).unwrap();
        assert_eq!(page.meta().attempts, 2, "{status}");
        assert_eq!(server.request_count(), 2, "{status}");
        let seen = attempts(&log);
        assert_eq!(seen[0].status, Some(status));
        assert_eq!(seen[0].error, Some(ErrorKind::ServerError));
        assert!(
            seen[0].wait.unwrap() <= foura::BACKOFF_BASE,
            "{:?}",
            seen[0].wait
        );
    }
}

#[test]
fn a_dropped_connection_on_an_engine_call_is_retried() {
    let server = MockServer::start();
    server.push_fault(Fault::drop_connection());
    let (client, log) = engines(&server, 2);
    let page = fetch(&client).unwrap();
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(server.request_count(), 2);
    assert_eq!(attempts(&log)[0].error, Some(ErrorKind::Connection));
}

#[test]
fn a_reset_mid_body_on_an_engine_call_is_retried() {
    // Engine calls are billed only on success (foura-api.md §3.10), so even a failure after
    // the request arrived is safe to retry.
    let server = MockServer::start();
    let body = json!({"status": 200, "headers": [], "data": "x".repeat(500), "total_time": 0.1})
        .to_string();
    server.push_fault(Fault::reset_mid_body(200, body, 100));
    let (client, log) = engines(&server, 2);
    let page = fetch(&client).unwrap();
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(server.request_count(), 2);
    assert_eq!(attempts(&log)[0].error, Some(ErrorKind::Connection));
}

#[test]
fn retries_stop_at_the_budget_and_the_error_counts_them() {
    let server = MockServer::start();
    server.push_faults(10, at_capacity(Some(0.0)));
    let (client, _) = engines(&server, 3);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AtCapacity);
    assert_eq!(err.attempts(), 4);
    assert_eq!(server.request_count(), 4);
    assert_eq!(server.pending_faults(), 6);
}

// ---------------------------------------------------------------------------------------------
// Non-retryable faults make exactly one request

#[test]
fn client_errors_400_401_403_404_are_not_retried() {
    let cases = [
        (400, ErrorKind::InvalidRequest),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
    ];
    for (status, kind) in cases {
        let server = MockServer::start();
        server.push_fault(Fault::json(status, &json!({"error": "no"})));
        let (client, _) = engines(&server, 5);
        let err = fetch(&client).unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.attempts(), 1, "{status}");
        assert_eq!(server.request_count(), 1, "engine call, {status}");

        let nested = json!({"error": {"code": "X", "message": "no", "status": status}});
        server.push_fault(Fault::json(status, &nested));
        let (client, _) = tasks(&server, 5);
        let err = submit(&client).unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.attempts(), 1);
        assert!(!err.maybe_created(), "FourA said no: {status}");
        assert_eq!(server.request_count(), 2, "task creation, {status}");
    }
}

#[test]
fn plan_limits_are_not_retried_whether_named_by_body_or_header() {
    // `credits` names itself in the body (`reason`) and asks for an hour; `bandwidth` is
    // named only by `X-FourA-Limit`.
    for (limit, name) in [
        ("plan_limit_credits", "credits"),
        ("plan_limit_bandwidth", "bandwidth"),
    ] {
        let server = MockServer::start();
        server.refuse_next(1, None, Refusal::PlanLimit(limit.into()));
        let (client, _) = engines(&server, 5);
        let started = Instant::now();
        let err = fetch(&client).unwrap_err();
        within(started.elapsed(), Duration::from_secs(1), limit);
        assert_eq!(err.kind(), ErrorKind::PlanLimit, "{err}");
        assert_eq!(err.plan_limit(), Some(name));
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.request_count(), 1, "{limit}");
    }
    // A header-only limit on a 429 that looks like a plain rate limit is still a plan limit.
    let server = MockServer::start();
    server.push_fault(
        Fault::json(
            429,
            &json!({"error": "Rate limit exceeded", "retryAfter": 0}),
        )
        .header("X-FourA-Limit", "plan_limit_concurrency"),
    );
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit, "{err}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn service_disabled_503_is_not_retried() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::ServiceDisabled);
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_redirect_is_not_retried() {
    let server = MockServer::start();
    server.push_fault(Fault::redirect(302, "http://127.0.0.1:9/elsewhere"));
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedRedirect);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Task creation: never retried when FourA may have acted

#[test]
fn server_errors_on_task_creation_are_not_retried_and_may_have_created_it() {
    for status in [500, 502, 504] {
        let server = MockServer::start();
        server.push_fault(Fault::status(status, "upstream trouble"));
        let (client, _) = tasks(&server, 5);
        let err = submit(&client).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ServerError, "{status}");
        assert_eq!(server.request_count(), 1, "{status}");
        assert_eq!(err.attempts(), 1);
        assert!(err.maybe_created(), "{status}");
        assert!(err.to_string().contains("may have been created"), "{err}");
    }
}

#[test]
fn a_drop_after_task_creation_was_sent_is_not_retried() {
    let server = MockServer::start();
    server.push_fault(Fault::drop_connection());
    let (client, _) = tasks(&server, 5);
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(server.request_count(), 1);
    assert!(err.maybe_created());
}

#[test]
fn a_timeout_waiting_for_task_creation_is_not_retried() {
    let server = MockServer::start();
    server.push_fault(Fault::stall());
    let (client, _) = client(&server, MockServer::TEST_KEY, Duration::from_secs(1), 5);
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(server.request_count(), 1);
    assert_eq!(err.attempts(), 1);
    assert!(err.maybe_created());
}

#[test]
fn a_reset_mid_body_on_task_creation_is_not_retried() {
    let server = MockServer::start();
    server.push_fault(Fault::reset_mid_body(200, task_json(), 20));
    let (client, _) = tasks(&server, 5);
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(server.request_count(), 1);
    assert!(err.maybe_created());
}

#[test]
fn rate_limit_and_capacity_on_task_creation_are_retried() {
    let server = MockServer::start();
    server.push_fault(tasks_429(0.0));
    server.push_fault(at_capacity(Some(0.0)));
    let (client, _) = tasks(&server, 2);
    let task = submit(&client).unwrap();
    assert_eq!(task.meta().attempts, 3);
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.tasks().len(), 1);

    // And when they outlast the budget, FourA said no every time: nothing was created.
    server.clear_requests();
    server.push_faults(3, at_capacity(Some(0.0)));
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AtCapacity);
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.request_count(), 3);
    assert!(!err.maybe_created());
    server.push_faults(3, tasks_429(0.0));
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert!(!err.maybe_created());
    assert_eq!(server.request_count(), 6);
}

#[test]
fn a_refused_connection_on_task_creation_is_retried() {
    // Bind, then drop, a listener: nothing listens on the port.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (client, log) = client_for(
        &format!("http://127.0.0.1:{port}"),
        MockServer::TEST_KEY,
        Duration::from_secs(10),
        2,
    );
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(!err.maybe_created(), "nothing was sent");
    assert_eq!(err.attempts(), 3);
    let seen = attempts(&log);
    assert_eq!(
        seen.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(seen.iter().all(|a| a.error == Some(ErrorKind::Connection)));
}

// ---------------------------------------------------------------------------------------------
// Waits FourA asks for are honoured

#[test]
fn retry_after_header_of_one_second_is_honoured() {
    let server = MockServer::start();
    server.push_fault(
        Fault::json(429, &json!({"error": "Rate limit exceeded"})).header("Retry-After", "1"),
    );
    let (client, log) = engines(&server, 2);
    let started = Instant::now();
    fetch(&client).unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "retried after {took:?}");
    within(took, Duration::from_secs(5), "a 1 s wait");
    assert_eq!(server.request_count(), 2);
    assert_eq!(attempts(&log)[0].wait, Some(Duration::from_secs(1)));
}

#[test]
fn body_retry_after_of_one_second_is_honoured() {
    let server = MockServer::start();
    server.push_fault(tasks_429(1.0));
    let (client, log) = tasks(&server, 2);
    let started = Instant::now();
    submit(&client).unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "retried after {took:?}");
    within(took, Duration::from_secs(5), "a 1 s wait");
    assert_eq!(server.request_count(), 2);
    assert_eq!(attempts(&log)[0].wait, Some(Duration::from_secs(1)));
}

#[test]
fn a_retry_after_longer_than_max_retry_wait_returns_at_once() {
    let server = MockServer::start();
    server.push_fault(
        Fault::json(429, &json!({"error": "Rate limit exceeded"})).header("Retry-After", "30"),
    );
    let client = Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .timeout(Duration::from_secs(120))
        .max_retries(5)
        .max_retry_wait(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = fetch(&client).unwrap_err();
    within(
        started.elapsed(),
        Duration::from_secs(1),
        "giving up on a 30 s wait",
    );
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_wait_that_would_overshoot_the_deadline_is_not_started() {
    let server = MockServer::start();
    server.push_fault(engine_429(5.0));
    let (client, log) = client(&server, MockServer::ENGINE_KEY, Duration::from_secs(2), 5);
    let started = Instant::now();
    let err = fetch(&client).unwrap_err();
    within(
        started.elapsed(),
        Duration::from_secs(1),
        "giving up on a 5 s wait in 2 s",
    );
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
    assert_eq!(attempts(&log)[0].wait, None, "no wait was started");
}

// ---------------------------------------------------------------------------------------------
// The deadline holds: a call with timeout T returns within T + 1 s

const T: Duration = Duration::from_secs(2);

/// Runs an engine call with timeout [`T`] and many retries, and checks it ends on time.
fn deadline_call(server: &MockServer) -> Error {
    let (client, _) = client(server, MockServer::ENGINE_KEY, T, 1_000_000);
    let started = Instant::now();
    let err = fetch(&client).unwrap_err();
    within(
        started.elapsed(),
        T + Duration::from_secs(1),
        "a call with a 2 s timeout",
    );
    // Every attempt counted reached the emulator: no retry starts without time left for it.
    assert_eq!(
        err.attempts() as usize,
        server.request_count(),
        "attempts vs requests: {err}"
    );
    err
}

#[test]
fn the_deadline_holds_against_a_stalled_server() {
    let server = MockServer::start();
    server.push_faults(100, Fault::stall());
    let started = Instant::now();
    let err = deadline_call(&server);
    assert!(started.elapsed() >= T - Duration::from_millis(100));
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn the_deadline_holds_against_a_withheld_body() {
    let server = MockServer::start();
    server.push_faults(
        100,
        Fault::withhold_body(200, 10_000, r#"{"status":200,"headers":[],"da"#),
    );
    let err = deadline_call(&server);
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn the_deadline_holds_against_a_server_dribbling_one_byte_a_second() {
    let server = MockServer::start();
    let body = json!({"status": 200, "headers": [], "data": "slow", "total_time": 0.1});
    server.push_faults(
        100,
        Fault::dribble(200, body.to_string(), Duration::from_secs(1)),
    );
    let err = deadline_call(&server);
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn the_deadline_holds_against_503_forever_with_backoff() {
    let server = MockServer::start();
    server.push_faults(1000, at_capacity(None));
    let err = deadline_call(&server);
    assert!(server.request_count() >= 2, "retried within the deadline");
    // The call ends with FourA's last answer, not a timeout of an attempt never made.
    assert_eq!(err.kind(), ErrorKind::AtCapacity, "{err}");
    assert_eq!(err.status(), Some(503));
}

#[test]
fn the_deadline_holds_against_503_forever_asking_for_no_wait() {
    // `retryAfter: 0` makes the client retry after only its 100 ms floor, so the fault must
    // outlast many retries: random faults at 100 % answer every request.
    let server = MockServer::start();
    server.random_faults(1, 100, vec![at_capacity(Some(0.0))]);
    let err = deadline_call(&server);
    assert!(server.request_count() >= 2);
    // A requested wait of 0 still pauses MIN_RETRY_WAIT (100 ms): no tight loop.
    assert!(
        server.request_count() <= 25,
        "{} requests in 2 s",
        server.request_count()
    );
    assert_eq!(err.kind(), ErrorKind::AtCapacity, "{err}");
}

// ---------------------------------------------------------------------------------------------
// Broken answers give the right kind of error

#[test]
fn a_body_cut_short_by_a_closed_connection_is_a_connection_error() {
    // A reset 20 bytes in, and a truncation one byte short of the promised length, look the
    // same on the wire: a FIN before Content-Length is reached.
    let body = task_json();
    let short = body.len() - 1;
    for sent in [20, short] {
        let server = MockServer::start();
        server.push_fault(Fault::reset_mid_body(200, body.clone(), sent));
        let (client, _) = engines(&server, 0);
        let err = client.list_tasks().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{sent} bytes: {err}");
        assert_eq!(server.request_count(), 1);
    }
}

#[test]
fn a_body_over_max_response_bytes_is_body_too_large_and_not_retried() {
    let server = MockServer::start();
    let big = json!({"status": 200, "headers": [], "data": "a".repeat(50_000), "total_time": 0.1});
    server.push_fault(Fault::json(200, &big));
    let client = Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .timeout(Duration::from_secs(10))
        .max_retries(5)
        .max_response_bytes(10_000)
        .build()
        .unwrap();
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BodyTooLarge, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn malformed_json_is_a_decode_error() {
    let server = MockServer::start();
    server.push_fault(Fault::malformed_json());
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    // On task creation FourA answered 2xx: it acted, so the task may exist.
    server.push_fault(Fault::malformed_json());
    let (client, _) = tasks(&server, 5);
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.maybe_created());
    assert_eq!(server.request_count(), 2);
}

#[test]
fn html_with_status_200_is_a_decode_error_quoting_the_page() {
    let server = MockServer::start();
    server.push_fault(
        Fault::status(200, "<html><body>Please enable cookies</body></html>")
            .header("Content-Type", "text/html"),
    );
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("Please enable cookies"), "{err}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn oversized_headers_are_a_decode_error() {
    let server = MockServer::start();
    server.push_fault(Fault::oversized_headers(64 << 10));
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("oversized headers"), "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    // Under the limit, the same padding is read and ignored.
    server.push_fault(Fault::oversized_headers(16 << 10));
    fetch(&client).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The attempt hook

#[test]
fn the_attempt_hook_is_told_every_attempt_and_never_the_key() {
    let server = MockServer::start();
    server.push_fault(engine_429(0.0));
    server.push_fault(Fault::status(502, "bad gateway"));
    let (client, log) = engines(&server, 3);
    let page = fetch(&client).unwrap();
    assert_eq!(page.meta().attempts, 3);
    let seen = attempts(&log);
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(
        seen.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        seen.iter().map(|a| a.status).collect::<Vec<_>>(),
        [Some(429), Some(502), Some(200)]
    );
    assert_eq!(
        seen.iter().map(|a| a.error).collect::<Vec<_>>(),
        [
            Some(ErrorKind::RateLimited),
            Some(ErrorKind::ServerError),
            None
        ]
    );
    assert_eq!(seen[0].wait, Some(foura::MIN_RETRY_WAIT));
    assert!(
        seen[1]
            .wait
            .is_some_and(|w| w >= foura::MIN_RETRY_WAIT && w <= 2 * foura::BACKOFF_BASE)
    );
    assert_eq!(seen[2].wait, None, "no wait after the last attempt");
    let mut ids: Vec<&str> = seen
        .iter()
        .map(|a| a.request_id.as_deref().expect("the emulator sends one"))
        .collect();
    assert_eq!(ids.last().copied(), page.meta().request_id.as_deref());
    ids.dedup();
    assert_eq!(ids.len(), 3, "one id per attempt");
    for a in &seen {
        assert_eq!((a.method, a.path.as_str()), ("POST", "/api/single/"));
        let shown = format!("{a:?}");
        assert!(!shown.contains(MockServer::ENGINE_KEY), "{shown}");
        assert!(!shown.contains("mock0a1b2c3d4e5f6a7b8c9d"), "{shown}");
    }
    assert!(seen.windows(2).all(|w| w[0].elapsed <= w[1].elapsed));
}

#[test]
fn the_attempt_hook_is_told_the_last_failure_too() {
    let server = MockServer::start();
    server.push_faults(2, Fault::status(500, "boom"));
    let (client, log) = engines(&server, 1);
    let err = fetch(&client).unwrap_err();
    let seen = attempts(&log);
    assert_eq!(seen.len(), 2);
    assert!(seen[0].wait.is_some());
    assert_eq!(seen[1].wait, None);
    assert_eq!(seen[1].error, Some(ErrorKind::ServerError));
    assert_eq!(seen[1].request_id.as_deref(), err.request_id());
    assert_eq!(server.request_count(), 2);
}

// ---------------------------------------------------------------------------------------------
// The emulator's own fault machinery

#[test]
fn in_flight_counts_the_requests_being_handled_at_once() {
    let server = MockServer::start();
    server.push_faults(4, Fault::delay(Duration::from_millis(800)));
    let (client, _) = engines(&server, 0);
    let start = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                fetch(&client).map(|_| ())
            })
        })
        .collect();
    // While the four are delayed, all four are in flight.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.in_flight() < 4 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.in_flight(), 4);
    for t in threads {
        t.join().unwrap().unwrap();
    }
    assert_eq!(
        server.in_flight(),
        0,
        "answered requests are no longer in flight"
    );
    assert_eq!(server.peak_in_flight(), 4);
    server.reset_peak_in_flight();
    assert_eq!(server.peak_in_flight(), 0);
    fetch(&client).unwrap();
    assert_eq!(server.peak_in_flight(), 1);
}

#[test]
fn a_stalled_request_leaves_flight_when_its_client_gives_up() {
    let server = MockServer::start();
    server.push_fault(Fault::stall());
    let (client, _) = client(
        &server,
        MockServer::ENGINE_KEY,
        Duration::from_millis(500),
        0,
    );
    assert_eq!(fetch(&client).unwrap_err().kind(), ErrorKind::Timeout);
    let deadline = Instant::now() + Duration::from_secs(3);
    while server.in_flight() > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.in_flight(), 0);
    assert_eq!(server.fault_counts()["stall"], 1);
}

#[test]
fn random_faults_are_the_same_for_the_same_seed() {
    let run = |seed: u64| {
        let server = MockServer::start();
        server.random_faults(
            seed,
            40,
            vec![
                Fault::status(400, "{}"),
                Fault::status(404, "{}"),
                Fault::malformed_json(),
            ],
        );
        let (client, _) = engines(&server, 0);
        let outcomes: Vec<Option<ErrorKind>> = (0..40)
            .map(|_| fetch(&client).err().map(|e| e.kind()))
            .collect();
        assert_eq!(
            server.request_count(),
            40,
            "non-retryable faults: one request each"
        );
        let faulted: usize = server.fault_counts().values().sum();
        assert_eq!(faulted, outcomes.iter().filter(|o| o.is_some()).count());
        server.stop_random_faults();
        fetch(&client).unwrap();
        outcomes
    };
    let first = run(42);
    assert_eq!(first, run(42));
    let failures = first.iter().filter(|o| o.is_some()).count();
    assert!((4..=30).contains(&failures), "40 % of 40 calls: {failures}");
}

#[test]
fn random_faults_leave_queued_faults_first() {
    let server = MockServer::start();
    server.random_faults(9, 100, vec![Fault::status(404, "{}")]);
    server.push_fault(Fault::status(400, "{}"));
    let (client, _) = engines(&server, 0);
    assert_eq!(
        fetch(&client).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(fetch(&client).unwrap_err().kind(), ErrorKind::NotFound);
    let counts = server.fault_counts();
    assert_eq!((counts["status 400"], counts["status 404"]), (1, 1));
    // Nonsense settings draw nothing rather than fail.
    server.random_faults(9, 100, Vec::new());
    fetch(&client).unwrap();
    server.random_faults(9, 0, vec![Fault::status(404, "{}")]);
    fetch(&client).unwrap();
    server.random_faults(9, 255, vec![Fault::status(404, "{}")]);
    assert_eq!(fetch(&client).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(server.request_count(), 5);
}

// ---------------------------------------------------------------------------------------------
// Concurrency

#[test]
fn sixteen_threads_sharing_a_client_under_random_faults_all_finish() {
    const THREADS: usize = 16;
    const CALLS: usize = 25;
    let server = MockServer::start();
    server.random_faults(
        0x00F0_0A5E_ED00,
        30,
        vec![
            // Retryable.
            engine_429(0.0),
            tasks_429(0.0),
            at_capacity(Some(0.0)),
            at_capacity(None),
            Fault::status(500, "boom"),
            Fault::status(502, "bad gateway"),
            Fault::status(504, "gateway timeout"),
            Fault::drop_connection(),
            Fault::reset_mid_body(200, task_json(), 10),
            Fault::delay(Duration::from_millis(50)),
            // Not retryable.
            Fault::status(400, r#"{"error":"Invalid request body format"}"#),
            Fault::status(403, r#"{"error":"Forbidden"}"#),
            Fault::status(404, r#"{"error":"Not found"}"#),
            Fault::json(503, &json!({"error": "Service disabled", "current": {}})),
            Fault::redirect(307, "http://127.0.0.1:9/"),
            Fault::malformed_json(),
            Fault::oversized_headers(64 << 10),
        ],
    );
    // ENGINE_KEY works on both APIs, so one client makes both kinds of call.
    let (client, _) = client(&server, MockServer::ENGINE_KEY, Duration::from_secs(10), 2);
    let (done, finished) = mpsc::channel();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = client.clone();
            let done = done.clone();
            thread::spawn(move || {
                let mut attempts = 0usize;
                let mut failures = Vec::new();
                for i in 0..CALLS {
                    let outcome = if (t + i) % 2 == 0 {
                        fetch(&client).map(|r| r.meta().attempts)
                    } else {
                        submit(&client).map(|task| task.meta().attempts)
                    };
                    match outcome {
                        Ok(n) => attempts += n as usize,
                        Err(e) => {
                            assert!(e.attempts() >= 1, "{e}");
                            attempts += e.attempts() as usize;
                            failures.push(e.kind());
                        }
                    }
                }
                done.send((attempts, failures)).unwrap();
            })
        })
        .collect();
    drop(done);

    let bound = Instant::now() + Duration::from_secs(45);
    let mut total_attempts = 0;
    let mut failures = Vec::new();
    for _ in 0..THREADS {
        let left = bound.saturating_duration_since(Instant::now());
        let (attempts, kinds) = finished
            .recv_timeout(left)
            .expect("every thread finishes, without a panic, within 45 s");
        total_attempts += attempts;
        failures.extend(kinds);
    }
    for t in threads {
        t.join().expect("no thread panicked");
    }
    assert_eq!(
        server.request_count(),
        total_attempts,
        "every attempt reached the emulator"
    );
    let faulted: usize = server.fault_counts().values().sum();
    assert!(
        faulted > 0 && faulted < total_attempts,
        "{faulted} of {total_attempts}"
    );
    assert!(
        !failures.is_empty(),
        "non-retryable faults reach the caller"
    );
    assert!(
        failures.iter().all(|k| !matches!(k, ErrorKind::Timeout)),
        "no call ran out of time: {failures:?}"
    );
    assert!(server.peak_in_flight() >= 2, "calls ran concurrently");
    assert_eq!(server.in_flight(), 0);
}
