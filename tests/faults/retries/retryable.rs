//! Retryable faults recover within the budget.

use super::*;

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
