//! How FourA's error answers map to `foura::Error`: kind, status, message, code, request id,
//! wait, and the documented fix.

use std::time::Duration;

use foura::mock::{Fault, MockServer};
use foura::{Client, ErrorKind};
use serde_json::json;

use crate::support::{
    builder_at, builder_for, server_with, single_example, submit_example, tasks_builder,
};

fn client_with_key(server: &MockServer, key: &str) -> Client {
    builder_for(server, key).max_retries(0).build().unwrap()
}

/// One attempt per call: these tests pin how one answer maps to an error (retries are
/// the `retries` module's subject).
fn single_shot(server: &MockServer) -> Client {
    client_with_key(server, MockServer::TEST_KEY)
}

#[test]
fn unknown_key_is_401_with_the_seeds_fixes() {
    let server = MockServer::start();
    let err = submit_example(&client_with_key(&server, "fk_live_not_a_real_key_0000")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("UNAUTHORIZED"));
    assert_eq!(err.message(), Some("Invalid or missing API key."));
    assert!(err.request_id().is_some());
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("401"), "{text}");
    assert!(text.contains("Authorization header format"), "{text}");
    assert!(text.contains("trim whitespace from the key"), "{text}");
    assert!(text.contains(err.request_id().unwrap()), "{text}");
}

#[test]
fn disabled_key_is_403_with_the_seeds_fix() {
    let server = MockServer::start();
    let err = submit_example(&client_with_key(&server, MockServer::DISABLED_KEY)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.message(), Some("API key disabled or expired."));
    let text = err.to_string();
    assert!(text.contains("disabled or expired"), "{text}");
    assert!(text.contains("generate a new key"), "{text}");
    assert!(text.contains("Dashboard"), "{text}");
}

#[test]
fn whitespace_around_key_is_trimmed_so_the_server_accepts_it() {
    let server = MockServer::start();
    let padded = format!("  {}\n", MockServer::TEST_KEY);
    let task = submit_example(&client_with_key(&server, &padded)).unwrap();
    assert_eq!(task.status, foura::TaskStatus::Completed);
    assert_eq!(
        server.last_request().unwrap().header("authorization"),
        Some(format!("Bearer {}", MockServer::TEST_KEY).as_str())
    );
}

#[test]
fn rate_limit_429_reads_the_nested_retry_after() {
    let server = server_with(Fault::json(
        429,
        &json!({"error": {"code": "RATE_LIMIT_EXCEEDED",
            "message": "Rate limit exceeded. Retry after 30 seconds.", "status": 429, "retryAfter": 30}}),
    ));
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.code(), Some("RATE_LIMIT_EXCEEDED"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(err.is_retryable());
    assert!(err.request_id().is_some());
    assert!(err.to_string().contains("wait 30s"), "{err}");
}

#[test]
fn server_error_with_an_html_page_keeps_status_and_a_short_snippet() {
    let server = MockServer::start();
    let page = format!(
        "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>\
         <h1>Internal Server Error</h1><p>{}</p></body></html>",
        "The server encountered an error. ".repeat(400)
    );
    server.push_fault(Fault::status(500, page).header("Content-Type", "text/html"));
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.message(), None);
    assert!(err.is_retryable());
    assert!(err.request_id().is_some());
    let text = err.to_string();
    assert!(text.contains("Internal Server Error"), "{text}");
    assert!(
        text.len() < 500,
        "the whole page must not be quoted: {} bytes",
        text.len()
    );
    assert!(!text.contains('<'), "{text}");
    assert!(text.contains("retry after a short delay"), "{text}");
}

#[test]
fn a_plain_text_502_is_a_server_error_quoting_the_text() {
    let server = server_with(
        Fault::status(502, "upstream connect error").header("Content-Type", "text/plain"),
    );
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(err.status(), Some(502));
    assert!(err.to_string().contains("upstream connect error"), "{err}");
}

#[test]
fn flat_error_bodies_are_read_too() {
    let server = server_with(Fault::json(
        400,
        &json!({"error": "Invalid request body format"}),
    ));
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.message(), Some("Invalid request body format"));
    assert_eq!(err.body().unwrap()["error"], "Invalid request body format");
}

#[test]
fn server_side_validation_is_invalid_request_with_its_code() {
    let server = server_with(Fault::json(
        400,
        &json!({"error": {"code": "INVALID_PARAMS",
            "message": "Field 'url' is required and must be a valid HTTP(S) URL.", "status": 400}}),
    ));
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some("INVALID_PARAMS"));
    assert!(err.to_string().contains("Field 'url'"), "{err}");
}

#[test]
fn wrong_base_path_is_not_found() {
    let server = MockServer::start();
    let client = builder_at(format!("{}/v2", server.url()), MockServer::TEST_KEY)
        .build()
        .unwrap();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.status(), Some(404));
    assert_eq!(server.last_request().unwrap().path, "/v2/api/v1/tasks");
    assert!(err.to_string().contains("base URL"), "{err}");
}

#[test]
fn other_statuses_are_api_errors() {
    let server = server_with(Fault::json(
        409,
        &json!({"error": {"code": "CONFLICT", "message": "Duplicate."}}),
    ));
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("CONFLICT"));
}

#[test]
fn error_without_body_still_has_status_and_request_id() {
    let server = server_with(Fault::status(503, ""));
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(err.status(), Some(503));
    assert!(err.request_id().is_some());
    assert!(err.to_string().contains("503"), "{err}");
}

#[test]
fn errors_are_std_errors_that_cross_threads() {
    fn assert_traits<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    let server = server_with(Fault::status(500, "boom"));
    let err = submit_example(&single_shot(&server)).unwrap_err();
    assert_traits(&err);
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    let handle = std::thread::spawn(move || boxed.to_string());
    assert!(handle.join().unwrap().contains("500"));
}

/// A `Retry-After` header on an error answer: the status and error sent with it, and the
/// kind and wait the client reads from it.
struct RetryAfterCase {
    case: &'static str,
    status: u16,
    error: &'static str,
    header: &'static str,
    kind: ErrorKind,
    wait: Option<Duration>,
}

const RETRY_AFTER_CASES: [RetryAfterCase; 4] = [
    RetryAfterCase {
        case: "delta-seconds",
        status: 429,
        error: "Too many",
        header: "7",
        kind: ErrorKind::RateLimited,
        wait: Some(Duration::from_secs(7)),
    },
    RetryAfterCase {
        case: "an HTTP-date in the past means now",
        status: 503,
        error: "busy",
        header: "Wed, 21 Oct 2015 07:28:00 GMT",
        kind: ErrorKind::ServerError,
        wait: Some(Duration::ZERO),
    },
    RetryAfterCase {
        case: "absurd delta-seconds are capped",
        status: 429,
        error: "slow down",
        header: "18446744073709551615",
        kind: ErrorKind::RateLimited,
        wait: Some(Duration::from_secs(1_000_000_000)),
    },
    RetryAfterCase {
        case: "a year no server means is no wait",
        status: 429,
        error: "slow down",
        header: "Sun, 06 Nov 300000000000 08:49:37 GMT",
        kind: ErrorKind::RateLimited,
        wait: None,
    },
];

#[test]
fn retry_after_header_is_read_as_seconds_or_a_date_and_absurd_values_neither_panic_nor_hang() {
    let server = MockServer::start();
    let client = single_shot(&server);
    for case in &RETRY_AFTER_CASES {
        let answer = Fault::json(case.status, &json!({ "error": case.error }));
        server.push_fault(answer.header("Retry-After", case.header));
        let err = submit_example(&client).unwrap_err();
        let name = case.case;
        assert_eq!(err.kind(), case.kind, "{name}");
        assert_eq!(err.retry_after(), case.wait, "{name}");
        assert_eq!(err.message(), Some(case.error), "{name}");
    }
}

#[test]
fn a_huge_wait_with_retries_on_returns_at_once() {
    let server = MockServer::start();
    // With retries on, a huge wait returns at once instead of sleeping.
    let retrying = tasks_builder(&server).build().unwrap();
    server.push_fault(Fault::json(429, &json!({"error": {"retryAfter": 1e300}})));
    let started = std::time::Instant::now();
    let err = submit_example(&retrying).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::RateLimited, 1));
}

#[test]
fn a_task_retry_without_room_for_the_task_is_not_started() {
    // 2 s for the whole call: a 429 asking for 1.5 s would leave the retried creation 0.5 s,
    // not enough for FourA's work, so the retry could only end ambiguous. It is not started.
    let server = server_with(Fault::json(
        429,
        &json!({"error": {"code": "RATE_LIMIT_EXCEEDED", "retryAfter": 1.5}}),
    ));
    let client = tasks_builder(&server)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = submit_example(&client).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "returned at once"
    );
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::RateLimited, 1));
    assert!(!err.maybe_created(), "a clean 429 created nothing");
    assert_eq!(err.retry_after(), Some(Duration::from_millis(1500)));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn with_default_settings_short_task_waits_are_retried_and_long_ones_returned() {
    let server = MockServer::start();
    let client = server_default_client(&server);
    // FourA's documented example asks for 30 s: with a 45 s call and FourA's 30 s task
    // timeout, a retry after it would be cut short, so the 429 comes back at once.
    server.push_fault(Fault::json(429, &json!({"error": {"code": "RATE_LIMIT_EXCEEDED",
        "message": "Rate limit exceeded. Retry after 30 seconds.", "status": 429, "retryAfter": 30}})));
    let started = std::time::Instant::now();
    let err = submit_example(&client).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::RateLimited, 1));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(!err.maybe_created());
    // A short wait fits: the creation is retried after it and succeeds.
    server.push_fault(Fault::json(
        429,
        &json!({"error": {"code": "RATE_LIMIT_EXCEEDED", "retryAfter": 1}}),
    ));
    let started = std::time::Instant::now();
    let task = submit_example(&client).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(task.meta().attempts, 2);
}

fn server_default_client(server: &MockServer) -> Client {
    tasks_builder(server).build().unwrap()
}

#[test]
fn a_huge_wait_with_a_huge_max_retry_wait_does_not_overflow() {
    let server = MockServer::start();
    let client = tasks_builder(&server)
        .max_retry_wait(Duration::MAX)
        .build()
        .unwrap();
    for header in ["18446744073709551615", "Fri, 01 Jan 2100 00:00:00 GMT"] {
        server
            .push_fault(Fault::json(429, &json!({"error": "wait"})).header("Retry-After", header));
        let err = submit_example(&client).unwrap_err();
        assert_eq!(
            (err.kind(), err.attempts()),
            (ErrorKind::RateLimited, 1),
            "{header}"
        );
        // A future HTTP-date is honoured as the wait until then; delta-seconds past about
        // 30 years are capped there.
        assert!(
            err.retry_after().unwrap() > Duration::from_secs(30 * 365 * 86_400),
            "{header}"
        );
        server
            .push_fault(Fault::json(429, &json!({"error": "wait"})).header("Retry-After", header));
        let err = single_example(&client).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::RateLimited, "{header}");
    }
}

#[test]
fn per_call_retries_override_the_clients() {
    let server = MockServer::start();
    let client = server_default_client(&server); // 2 retries by default
    server.push_faults(
        10,
        Fault::json(
            503,
            &json!({"error": "Service at capacity", "current": {}, "retryAfter": 0}),
        ),
    );
    let request = foura::SingleRequest::get("https://example.com/").max_retries(4);
    let err = client.single(&request).unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::AtCapacity, 5));
    let err = client
        .single(&foura::SingleRequest::get("https://example.com/").max_retries(0))
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 6);
}
