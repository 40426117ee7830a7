//! The emulator's own fault machinery.

use super::*;

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
    let server = MockServer::start();
    server.push_fault(Fault::stall());
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
