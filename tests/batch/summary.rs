//! What a batch's summary reports, and how it reads.

use std::time::Duration;

use foura::ErrorKind;
use foura::SingleRequest;
use foura::mock::{Fault, MockServer};
use serde_json::json;

use super::support::builder_for;

#[test]
fn the_summary_counts_attempts_retries_failures_and_latency() {
    let server = MockServer::start();
    // The first input is retried after a 502, then refused with a 400.
    server.push_fault(Fault::status(502, "bad gateway"));
    server.push_fault(Fault::json(
        400,
        &json!({"error": "Invalid request body format"}),
    ));
    let c = builder_for(&server, MockServer::ENGINE_KEY)
        .max_retry_wait(Duration::from_millis(50))
        .build()
        .unwrap();
    let inputs = (0..5).map(|i| SingleRequest::get(format!("https://example.com/{i}")));
    let s = c.batch(inputs).concurrency(1).run().summary;
    assert_eq!((s.done, s.failed, s.started), (5, 1, 5));
    assert_eq!(s.not_started, Some(0));
    assert_eq!((s.attempts, s.retries), (6, 1), "{s:?}");
    assert_eq!(s.failures, vec![(ErrorKind::InvalidRequest, 1)]);
    assert_eq!(s.latency.count, 4);
    let (p50, p95, max) = (
        s.latency.p50.unwrap(),
        s.latency.p95.unwrap(),
        s.latency.max.unwrap(),
    );
    assert!(p50 <= p95 && p95 <= max, "{:?}", s.latency);
    assert!(s.credits > 0.0);
    assert_eq!((s.pauses, s.stopped), (0, None));
    let text = s.to_string();
    for part in [
        "5 inputs",
        "4 ok, 1 failed (1 invalid request)",
        "6 attempts (1 retry)",
        "p50",
        "credits used",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
}
