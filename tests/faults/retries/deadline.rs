//! The deadline holds: a call with timeout T returns within T + 1 s.

use super::*;

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
