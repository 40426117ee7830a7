//! Task creation: never retried when FourA may have acted.

use super::*;

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
