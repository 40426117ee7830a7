//! Concurrency.

use super::*;

#[test]
fn sixteen_threads_sharing_a_client_under_random_faults_all_finish() {
    const THREADS: usize = 16;
    const CALLS: usize = 25;
    let server = MockServer::start();
    server.random_faults(
        0x00F0_0A5E_ED00,
        30,
        vec![
            // Retryable.
            engine_429(0.0),
            tasks_429(0.0),
            at_capacity(Some(0.0)),
            at_capacity(None),
            Fault::status(500, "boom"),
            Fault::status(502, "bad gateway"),
            Fault::status(504, "gateway timeout"),
            Fault::drop_connection(),
            Fault::reset_mid_body(200, task_json(), 10),
            Fault::delay(Duration::from_millis(50)),
            // Not retryable.
            Fault::status(400, r#"{"error":"Invalid request body format"}"#),
            Fault::status(403, r#"{"error":"Forbidden"}"#),
            Fault::status(404, r#"{"error":"Not found"}"#),
            Fault::json(503, &json!({"error": "Service disabled", "current": {}})),
            Fault::redirect(307, "http://127.0.0.1:9/"),
            Fault::malformed_json(),
            Fault::oversized_headers(64 << 10),
        ],
    );
    // ENGINE_KEY works on both APIs, so one client makes both kinds of call.
    let (client, _) = client(&server, MockServer::ENGINE_KEY, Duration::from_secs(10), 2);
    let (done, finished) = mpsc::channel();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = client.clone();
            let done = done.clone();
            thread::spawn(move || {
                let mut attempts = 0usize;
                let mut failures = Vec::new();
                for i in 0..CALLS {
                    let outcome = if (t + i) % 2 == 0 {
                        fetch(&client).map(|r| r.meta().attempts)
                    } else {
                        submit(&client).map(|task| task.meta().attempts)
                    };
                    match outcome {
                        Ok(n) => attempts += n as usize,
                        Err(e) => {
                            assert!(e.attempts() >= 1, "{e}");
                            attempts += e.attempts() as usize;
                            failures.push(e.kind());
                        }
                    }
                }
                done.send((attempts, failures)).unwrap();
            })
        })
        .collect();
    drop(done);

    let bound = Instant::now() + Duration::from_secs(45);
    let mut total_attempts = 0;
    let mut failures = Vec::new();
    for _ in 0..THREADS {
        let left = bound.saturating_duration_since(Instant::now());
        let (attempts, kinds) = finished
            .recv_timeout(left)
            .expect("every thread finishes, without a panic, within 45 s");
        total_attempts += attempts;
        failures.extend(kinds);
    }
    for t in threads {
        t.join().expect("no thread panicked");
    }
    assert_eq!(
        server.request_count(),
        total_attempts,
        "every attempt reached the emulator"
    );
    let faulted: usize = server.fault_counts().values().sum();
    assert!(
        faulted > 0 && faulted < total_attempts,
        "{faulted} of {total_attempts}"
    );
    assert!(
        !failures.is_empty(),
        "non-retryable faults reach the caller"
    );
    assert!(
        failures.iter().all(|k| !matches!(k, ErrorKind::Timeout)),
        "no call ran out of time: {failures:?}"
    );
    assert!(server.peak_in_flight() >= 2, "calls ran concurrently");
    assert_eq!(server.in_flight(), 0);
}
