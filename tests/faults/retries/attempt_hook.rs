//! The attempt hook.

use super::*;

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
