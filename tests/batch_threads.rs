//! A batch starts worker threads only as there is work for them. Alone in its binary, so the
//! threads counted are this batch's.

use foura::SingleRequest;
use foura::mock::MockServer;

/// Threads of this process named like the batch's workers (`/proc/self/task/*/comm`).
fn batch_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .filter(|name| name.starts_with("foura-batch"))
        .count()
}

#[test]
fn three_inputs_at_concurrency_10000_start_at_most_three_threads() {
    let server = MockServer::start();
    let client = server.engine_client_builder().build().unwrap();
    // An input that does not know its length, like lines of a file.
    let inputs = (0..3)
        .map(|i| SingleRequest::get(format!("https://example.com/{i}")))
        .filter(|_| true);
    let mut most = 0;
    let batch = client
        .batch(inputs)
        .concurrency(10_000)
        .on_progress(|_| most = most.max(batch_threads()))
        .run();
    assert!(batch.results.iter().all(Result::is_ok));
    assert!(most <= 3, "{most} worker threads for 3 inputs");
    assert!(server.peak_in_flight() <= 3);
}
