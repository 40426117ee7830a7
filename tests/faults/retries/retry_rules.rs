//! Which faults are retried, which are not, and the waits FourA asks for.

use super::*;

/// Makes an engine call with `retries` retries, which must deliver after `expected`
/// attempts; returns what the attempt hook was told.
#[track_caller]
fn engine_call_delivers_after(server: &MockServer, retries: u32, expected: u32) -> Vec<Attempt> {
    let (client, log) = engines(server, retries);
    let page = fetch(&client).unwrap();
    assert_attempts(server, page.meta(), expected);
    attempts(&log)
}

#[test]
fn rate_limit_429_with_nested_retry_after_is_retried_on_task_creation() {
    let server = MockServer::start();
    server.push_faults(2, tasks_429(0.0));
    let (client, _) = tasks(&server, 2);
    let task = submit(&client).unwrap();
    assert_attempts(&server, task.meta(), 3);
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
    let seen = engine_call_delivers_after(&server, 2, 3);
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
    assert_attempts(&server, page.meta(), 2);
    let seen = attempts(&log);
    assert_eq!(seen[0].error, Some(ErrorKind::AtCapacity));
    assert_eq!(seen[0].wait, Some(Duration::from_secs(2)));
}

#[test]
fn at_capacity_503_fault_is_retried() {
    let server = MockServer::start();
    server.push_faults(2, at_capacity(Some(0.0)));
    engine_call_delivers_after(&server, 2, 3);
}

#[test]
fn backend_unavailable_503_is_retried() {
    let server = MockServer::start();
    server.refuse_next(2, None, Refusal::BackendUnavailable);
    let seen = engine_call_delivers_after(&server, 2, 3);
    assert_eq!(seen[0].status, Some(503));
    assert_eq!(seen[0].error, Some(ErrorKind::ServerError));
}

#[test]
fn server_errors_500_502_504_on_an_engine_call_are_retried() {
    for status in [500, 502, 504] {
        let server = server_with(
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
    let server = server_with(Fault::drop_connection());
    let seen = engine_call_delivers_after(&server, 2, 2);
    assert_eq!(seen[0].error, Some(ErrorKind::Connection));
}

#[test]
fn a_reset_mid_body_on_an_engine_call_is_retried() {
    // Engine calls are billed only on success (https://foura.ai/docs/api/outcomes), so even a failure after
    // the request arrived is safe to retry.
    let server = MockServer::start();
    let body = json!({"status": 200, "headers": [], "data": "x".repeat(500), "total_time": 0.1})
        .to_string();
    server.push_fault(Fault::reset_mid_body(200, body, 100));
    let seen = engine_call_delivers_after(&server, 2, 2);
    assert_eq!(seen[0].error, Some(ErrorKind::Connection));
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

#[test]
fn client_errors_400_401_403_404_are_not_retried() {
    let cases = [
        (400, ErrorKind::InvalidRequest),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
    ];
    for (status, kind) in cases {
        let server = server_with(Fault::json(status, &json!({"error": "no"})));
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
        let (err, took) = timed(|| fetch(&client).unwrap_err());
        within(took, Duration::from_secs(1), limit);
        assert_eq!(err.kind(), ErrorKind::PlanLimit, "{err}");
        assert_eq!(err.plan_limit(), Some(name));
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.request_count(), 1, "{limit}");
    }
    // A header-only limit on a 429 that looks like a plain rate limit is still a plan limit.
    let server = server_with(
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
fn service_disabled_503_is_not_retried_when_its_wait_does_not_fit() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::ServiceDisabled);
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_not_retried(&server, &err, ErrorKind::ServiceDisabled);
}

#[test]
fn a_redirect_is_not_retried() {
    let server = server_with(Fault::redirect(302, "http://127.0.0.1:9/elsewhere"));
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_not_retried(&server, &err, ErrorKind::UnexpectedRedirect);
}

#[test]
fn server_errors_on_task_creation_are_not_retried_and_may_have_created_it() {
    for status in [500, 502, 504] {
        let server = server_with(Fault::status(status, "upstream trouble"));
        let (client, _) = tasks(&server, 5);
        let err = submit(&client).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ServerError, "{status}");
        assert_eq!(server.request_count(), 1, "{status}");
        assert_eq!(err.attempts(), 1);
        assert!(err.maybe_created(), "{status}");
        assert!(err.to_string().contains("may have been created"), "{err}");
    }
}

/// A task creation that fails as `kind` after one request, which FourA may have acted on.
#[track_caller]
fn task_creation_may_have_happened(server: &MockServer, client: &Client, kind: ErrorKind) -> Error {
    let err = submit(client).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!(server.request_count(), 1);
    assert!(err.maybe_created());
    err
}

#[test]
fn a_drop_after_task_creation_was_sent_is_not_retried() {
    let server = server_with(Fault::drop_connection());
    let (client, _) = tasks(&server, 5);
    task_creation_may_have_happened(&server, &client, ErrorKind::Connection);
}

#[test]
fn a_timeout_waiting_for_task_creation_is_not_retried() {
    let server = server_with(Fault::stall());
    let (client, _) = client(&server, MockServer::TEST_KEY, Duration::from_secs(1), 5);
    let err = task_creation_may_have_happened(&server, &client, ErrorKind::Timeout);
    assert_eq!(err.attempts(), 1);
}

#[test]
fn a_reset_mid_body_on_task_creation_is_not_retried() {
    let server = server_with(Fault::reset_mid_body(200, task_json(), 20));
    let (client, _) = tasks(&server, 5);
    task_creation_may_have_happened(&server, &client, ErrorKind::Connection);
}

#[test]
fn rate_limit_and_capacity_on_task_creation_are_retried() {
    let server = server_with(tasks_429(0.0));
    server.push_fault(at_capacity(Some(0.0)));
    let (client, _) = tasks(&server, 2);
    let task = submit(&client).unwrap();
    assert_attempts(&server, task.meta(), 3);
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
        TIMEOUT,
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

/// One retry, after the 1 s wait FourA asked for.
#[track_caller]
fn assert_retried_after_one_second(server: &MockServer, log: &AttemptLog, took: Duration) {
    assert!(took >= Duration::from_millis(900), "retried after {took:?}");
    within(took, Duration::from_secs(5), "a 1 s wait");
    assert_eq!(server.request_count(), 2);
    assert_eq!(attempts(log)[0].wait, Some(Duration::from_secs(1)));
}

/// A rate limit returned at once, without waiting the `wait` it asked for.
#[track_caller]
fn assert_returned_at_once(
    server: &MockServer,
    (err, took): (Error, Duration),
    wait: u64,
    what: &str,
) {
    within(took, Duration::from_secs(1), what);
    assert_not_retried(server, &err, ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(wait)));
}

#[test]
fn retry_after_header_of_one_second_is_honoured() {
    let server = server_with(
        Fault::json(429, &json!({"error": "Rate limit exceeded"})).header("Retry-After", "1"),
    );
    let (client, log) = engines(&server, 2);
    let took = timed(|| fetch(&client).unwrap()).1;
    assert_retried_after_one_second(&server, &log, took);
}

#[test]
fn body_retry_after_of_one_second_is_honoured() {
    let server = server_with(tasks_429(1.0));
    let (client, log) = tasks(&server, 2);
    let (task, took) = timed(|| submit(&client));
    task.unwrap();
    assert_retried_after_one_second(&server, &log, took);
}

#[test]
fn a_retry_after_longer_than_max_retry_wait_returns_at_once() {
    let server = server_with(
        Fault::json(429, &json!({"error": "Rate limit exceeded"})).header("Retry-After", "30"),
    );
    let client = engines_builder(&server)
        .timeout(Duration::from_secs(120))
        .max_retries(5)
        .max_retry_wait(Duration::from_secs(5))
        .build()
        .unwrap();
    let failed = timed(|| fetch(&client).unwrap_err());
    assert_returned_at_once(&server, failed, 30, "giving up on a 30 s wait");
}

#[test]
fn a_wait_that_would_overshoot_the_deadline_is_not_started() {
    let server = server_with(engine_429(5.0));
    let (client, log) = client(&server, MockServer::ENGINE_KEY, Duration::from_secs(2), 5);
    let failed = timed(|| fetch(&client).unwrap_err());
    assert_returned_at_once(&server, failed, 5, "giving up on a 5 s wait in 2 s");
    assert_eq!(attempts(&log)[0].wait, None, "no wait was started");
}
