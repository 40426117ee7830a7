//! FourA's declared limits, a disabled service and a refused key, as a batch meets them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use foura::mock::{Engine, MockServer, Refusal};
use foura::{ErrorKind, SingleRequest, StopReason};

use super::support::builder_for;
use super::{client, counted, task};

fn singles(n: usize) -> impl Iterator<Item = SingleRequest> {
    (0..n).map(|i| SingleRequest::get(format!("https://example.com/{i}")))
}

/// Runs 24 single requests at concurrency 16 against `server`, and checks that the batch
/// took `declared` as its ceiling instead of halving below it.
fn adopts(server: &MockServer, declared: usize) {
    server.set_answer_delay(Duration::from_millis(100));
    let c = builder_for(server, MockServer::ENGINE_KEY)
        .max_retries(5)
        .build()
        .unwrap();
    let seen = Mutex::new(Vec::new());
    let batch = c
        .batch(singles(24))
        .concurrency(16)
        .on_progress(|p| seen.lock().unwrap().push(p.concurrency))
        .run();
    assert!(
        batch.results.iter().all(Result::is_ok),
        "{:?}",
        batch.results
    );
    let s = &batch.summary;
    assert_eq!(s.declared_concurrency, Some(declared), "{s:?}");
    assert_eq!(s.lowest_concurrency, declared, "adopted, not halved: {s:?}");
    let seen = seen.into_inner().unwrap();
    assert!(seen.iter().all(|&c| c <= declared), "{seen:?}");
    assert!(s.retries > 0, "the first burst was refused: {s:?}");
}

#[test]
fn a_declared_engine_concurrency_is_adopted() {
    let server = MockServer::start();
    server.limit_concurrency(4, Some(Engine::Single), Duration::from_millis(50));
    adopts(&server, 4);
}

#[test]
fn a_declared_global_concurrency_is_adopted() {
    let server = MockServer::start();
    server.limit_concurrency(3, None, Duration::from_millis(50));
    adopts(&server, 3);
}

#[test]
fn a_disabled_service_pauses_every_start() {
    let server = MockServer::start();
    // FourA's maintenance answer asks for 60 s; the batch waits what the client allows.
    server.refuse_next(1, Some(Engine::Single), Refusal::ServiceDisabled);
    let c = builder_for(&server, MockServer::ENGINE_KEY)
        .max_retry_wait(Duration::from_millis(300))
        .build()
        .unwrap();
    let batch = c.batch(singles(4)).concurrency(1).run();
    let s = &batch.summary;
    assert_eq!(s.done, 4);
    assert_eq!(s.failures, vec![(ErrorKind::ServiceDisabled, 1)], "{s:?}");
    assert_eq!(s.pauses, 1, "{s:?}");
    assert!(s.paused > Duration::ZERO);
    assert_eq!(s.lowest_concurrency, 1);
    assert_eq!(s.stopped, None);
}

#[test]
fn a_wrong_engine_key_stops_the_batch_within_one_request_per_slot() {
    let server = MockServer::start();
    let c = client(&server, "pk_live_wrong0000000000000000000000", 0);
    let pulled = AtomicUsize::new(0);
    let inputs = counted(&pulled, singles(50).filter(|_| true));
    let batch = c.batch(inputs).concurrency(4).run();
    let s = &batch.summary;
    assert_eq!(s.stopped, Some(StopReason::KeyRefused), "{s:?}");
    assert!(s.started <= 4, "{s:?}");
    assert!(server.request_count() <= 4, "{}", server.request_count());
    assert_eq!(s.not_started_from, Some(s.started));
    assert_eq!(pulled.load(Ordering::SeqCst), s.started);
    assert_eq!(s.failures, vec![(ErrorKind::Unauthorized, s.started)]);
    assert!(s.to_string().contains("the API key was refused"), "{s}");
}

#[test]
fn a_disabled_tasks_key_stops_the_batch() {
    let server = MockServer::start();
    let c = client(&server, MockServer::DISABLED_KEY, 0);
    let batch = c.batch((0..50).map(task)).concurrency(2).run();
    let s = &batch.summary;
    assert_eq!(s.stopped, Some(StopReason::KeyRefused), "{s:?}");
    assert!(server.request_count() <= 2);
    assert_eq!(s.not_started, Some(50 - s.started));
    assert!(
        batch
            .results
            .iter()
            .all(|r| r.as_ref().is_err_and(|e| e.kind() == ErrorKind::Forbidden))
    );
}
