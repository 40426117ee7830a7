//! Waits FourA asks for are honoured.

use super::*;

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
