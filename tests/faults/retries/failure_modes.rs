//! Deadlines, broken answers, the attempt hook, the emulator's fault machinery and concurrency.

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

#[test]
fn a_body_cut_short_by_a_closed_connection_is_a_connection_error() {
    // A reset 20 bytes in, and a truncation one byte short of the promised length, look the
    // same on the wire: a FIN before Content-Length is reached.
    let body = task_json();
    let short = body.len() - 1;
    for sent in [20, short] {
        let server = server_with(Fault::reset_mid_body(200, body.clone(), sent));
        let (client, _) = engines(&server, 0);
        let err = client.list_tasks().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{sent} bytes: {err}");
        assert_eq!(server.request_count(), 1);
    }
}

#[test]
fn a_body_over_max_response_bytes_is_body_too_large_and_not_retried() {
    let server = MockServer::start();
    let big = json!({"status": 200, "headers": [], "data": "a".repeat(50_000), "total_time": 0.1});
    server.push_fault(Fault::json(200, &big));
    let client = engines_builder(&server)
        .timeout(Duration::from_secs(10))
        .max_retries(5)
        .max_response_bytes(10_000)
        .build()
        .unwrap();
    let err = fetch(&client).unwrap_err();
    assert_not_retried(&server, &err, ErrorKind::BodyTooLarge);
}

#[test]
fn malformed_json_is_a_decode_error() {
    let server = server_with(Fault::malformed_json());
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_not_retried(&server, &err, ErrorKind::Decode);

    // On task creation FourA answered 2xx: it acted, so the task may exist.
    server.push_fault(Fault::malformed_json());
    let (client, _) = tasks(&server, 5);
    let err = submit(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.maybe_created());
    assert_eq!(server.request_count(), 2);
}

#[test]
fn html_with_status_200_is_a_decode_error_quoting_the_page() {
    let server = server_with(
        Fault::status(200, "<html><body>Please enable cookies</body></html>")
            .header("Content-Type", "text/html"),
    );
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("Please enable cookies"), "{err}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn oversized_headers_are_a_decode_error() {
    let server = server_with(Fault::oversized_headers(64 << 10));
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("oversized headers"), "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    // Under the limit, the same padding is read and ignored.
    server.push_fault(Fault::oversized_headers(16 << 10));
    fetch(&client).unwrap();
}

#[test]
fn the_attempt_hook_is_told_every_attempt_and_never_the_key() {
    let server = server_with(engine_429(0.0));
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

#[test]
fn in_flight_counts_the_requests_being_handled_at_once() {
    let server = MockServer::start();
    server.push_faults(4, Fault::delay(Duration::from_millis(800)));
    let (client, _) = engines(&server, 0);
    let start = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                fetch(&client).map(|_| ())
            })
        })
        .collect();
    // While the four are delayed, all four are in flight.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.in_flight() < 4 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.in_flight(), 4);
    for t in threads {
        t.join().unwrap().unwrap();
    }
    assert_eq!(
        server.in_flight(),
        0,
        "answered requests are no longer in flight"
    );
    assert_eq!(server.peak_in_flight(), 4);
    server.reset_peak_in_flight();
    assert_eq!(server.peak_in_flight(), 0);
    fetch(&client).unwrap();
    assert_eq!(server.peak_in_flight(), 1);
}

#[test]
fn a_stalled_request_leaves_flight_when_its_client_gives_up() {
    let server = server_with(Fault::stall());
    let (client, _) = client(
        &server,
        MockServer::ENGINE_KEY,
        Duration::from_millis(500),
        0,
    );
    assert_eq!(fetch(&client).unwrap_err().kind(), ErrorKind::Timeout);
    let deadline = Instant::now() + Duration::from_secs(3);
    while server.in_flight() > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.in_flight(), 0);
    assert_eq!(server.fault_counts()["stall"], 1);
}

#[test]
fn random_faults_are_the_same_for_the_same_seed() {
    let run = |seed: u64| {
        let server = MockServer::start();
        server.random_faults(
            seed,
            40,
            vec![
                Fault::status(400, "{}"),
                Fault::status(404, "{}"),
                Fault::malformed_json(),
            ],
        );
        let (client, _) = engines(&server, 0);
        let outcomes: Vec<Option<ErrorKind>> = (0..40)
            .map(|_| fetch(&client).err().map(|e| e.kind()))
            .collect();
        assert_eq!(
            server.request_count(),
            40,
            "non-retryable faults: one request each"
        );
        let faulted: usize = server.fault_counts().values().sum();
        assert_eq!(faulted, outcomes.iter().filter(|o| o.is_some()).count());
        server.stop_random_faults();
        fetch(&client).unwrap();
        outcomes
    };
    let first = run(42);
    assert_eq!(first, run(42));
    let failures = first.iter().filter(|o| o.is_some()).count();
    assert!((4..=30).contains(&failures), "40 % of 40 calls: {failures}");
}

#[test]
fn random_faults_leave_queued_faults_first() {
    let server = MockServer::start();
    server.random_faults(9, 100, vec![Fault::status(404, "{}")]);
    server.push_fault(Fault::status(400, "{}"));
    let (client, _) = engines(&server, 0);
    assert_eq!(
        fetch(&client).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(fetch(&client).unwrap_err().kind(), ErrorKind::NotFound);
    let counts = server.fault_counts();
    assert_eq!((counts["status 400"], counts["status 404"]), (1, 1));
    // Nonsense settings draw nothing rather than fail.
    server.random_faults(9, 100, Vec::new());
    fetch(&client).unwrap();
    server.random_faults(9, 0, vec![Fault::status(404, "{}")]);
    fetch(&client).unwrap();
    server.random_faults(9, 255, vec![Fault::status(404, "{}")]);
    assert_eq!(fetch(&client).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(server.request_count(), 5);
}

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
    let (client, _) = client(&server, MockServer::ENGINE_KEY, TIMEOUT, 2);
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
