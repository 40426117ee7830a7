//! What happens on the wire: redirects, cleartext, timeouts, body limits, broken connections.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use foura::mock::{Fault, MockServer};
use foura::{ApiKey, Client, ErrorKind, TaskRequest, TaskType};

use crate::support::{builder_at, server_with, single_example, submit_example, tasks_builder};

fn key() -> ApiKey {
    ApiKey::new(MockServer::TEST_KEY).unwrap()
}

fn client_with(server: &MockServer, timeout: Duration) -> Client {
    tasks_builder(server).timeout(timeout).build().unwrap()
}

#[test]
fn a_redirect_is_not_followed_and_its_target_receives_nothing() {
    let server = MockServer::start();
    let elsewhere = MockServer::start();
    for status in [301, 302, 303, 307, 308] {
        server.push_fault(Fault::redirect(
            status,
            &format!("{}/api/v1/tasks", elsewhere.url()),
        ));
        let err = submit_example(&server.client()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedRedirect, "{status}");
        assert_eq!(err.status(), Some(status));
        assert!(
            err.to_string().contains(&elsewhere.url()),
            "the location is named: {err}"
        );
    }
    assert_eq!(
        elsewhere.request_count(),
        0,
        "the key must never reach another host"
    );
    assert_eq!(elsewhere.connections_accepted(), 0);
}

#[test]
fn plain_http_to_a_non_loopback_host_is_refused_before_connecting() {
    for base in [
        "http://eu.api.foura.ai",
        "http://10.1.2.3:8080",
        "http://example.com/api/v1",
    ] {
        let err = Client::builder()
            .api_key(key())
            .base_url(base)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{base}");
        assert!(err.to_string().contains("https://"), "{err}");
    }
    // Loopback in every spelling is fine.
    for base in ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"] {
        assert!(
            Client::builder()
                .api_key(key())
                .base_url(base)
                .build()
                .is_ok(),
            "{base}"
        );
    }
}

#[test]
fn a_base_url_port_outside_1_to_65535_is_refused_and_nothing_is_sent() {
    let server = MockServer::start();
    let port = server.addr().port();
    // A port that does not fit 16 bits would otherwise be read as no port at all, and the
    // key sent to port 80 (443 for https://).
    for base in [
        format!("http://127.0.0.1:{}", u32::from(port) + 65_536),
        "http://127.0.0.1:99999".to_owned(),
        "http://localhost:65536".to_owned(),
        "https://eu.api.foura.ai:70000/api/v1".to_owned(),
        "http://127.0.0.1:0".to_owned(),
        "http://127.0.0.1:".to_owned(),
        "https://eu.api.foura.ai:/api".to_owned(),
        format!("http://127.0.0.1:+{port}"),
    ] {
        let err = builder_at(&base, MockServer::TEST_KEY)
            .build()
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{base}");
        assert!(err.to_string().contains("base_url"), "{base}: {err}");
        assert!(err.to_string().contains("port"), "{base}: {err}");
    }
    for base in [
        "http://127.0.0.1:1",
        "http://127.0.0.1:65535",
        "https://eu.api.foura.ai:443",
    ] {
        assert!(
            builder_at(base, MockServer::TEST_KEY).build().is_ok(),
            "{base}"
        );
    }
    assert_eq!(server.request_count(), 0);
}

#[test]
fn a_stalled_server_hits_the_timeout_on_time() {
    let server = server_with(Fault::stall());
    let client = client_with(&server, Duration::from_millis(800));
    let started = Instant::now();
    let err = submit_example(&client).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.is_retryable());
    assert!(
        took >= Duration::from_millis(700),
        "gave up early: {took:?}"
    );
    assert!(took < Duration::from_millis(2800), "overshot: {took:?}");
    assert!(err.to_string().contains("timeout"), "{err}");
}

#[test]
fn a_server_that_withholds_the_body_hits_the_timeout_on_time() {
    let server = server_with(Fault::withhold_body(200, 10_000, r#"{"id":"task_1","sta"#));
    let client = client_with(&server, Duration::from_millis(800));
    let started = Instant::now();
    let err = submit_example(&client).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(took < Duration::from_millis(2800), "overshot: {took:?}");
}

#[test]
fn a_per_call_timeout_bounds_the_call() {
    // The client allows 10 s; this one call allows 600 ms against a server that never answers.
    let server = MockServer::start();
    server.push_faults(5, Fault::stall());
    let client = client_with(&server, Duration::from_secs(10));
    let request = TaskRequest::new("https://example.com", TaskType::Single)
        .call_timeout(Duration::from_millis(600));
    let started = Instant::now();
    let err = client.create_task(&request).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_millis(2500),
        "{took:?}"
    );
    let err = client
        .single(
            &foura::SingleRequest::get("https://example.com/")
                .call_timeout(Duration::from_millis(600)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn a_delay_inside_the_timeout_succeeds() {
    let server = server_with(Fault::delay(Duration::from_millis(200)));
    let task = submit_example(&client_with(&server, Duration::from_secs(5))).unwrap();
    assert_eq!(task.status, foura::TaskStatus::Completed);
}

#[test]
fn a_body_over_max_response_bytes_is_body_too_large_and_one_under_is_read_whole() {
    let server = MockServer::start();
    let big = format!(
        r#"{{"id":"task_1","status":"completed","content":"{}"}}"#,
        "a".repeat(100_000)
    );
    server.push_fault(Fault::status(200, big.clone()));
    let small = tasks_builder(&server)
        .max_response_bytes(10_000)
        .build()
        .unwrap();
    let err = submit_example(&small).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BodyTooLarge, "{err}");
    assert!(err.to_string().contains("10000"), "{err}");
    assert!(err.to_string().contains("max_response_bytes"), "{err}");

    // The same body under a limit that fits is read whole.
    server.push_fault(Fault::status(200, big));
    let task = submit_example(&server.client()).unwrap();
    assert_eq!(task.content.unwrap().len(), 100_000);
}

#[test]
fn a_dropped_connection_is_a_connection_error() {
    let server = server_with(Fault::drop_connection());
    let err = submit_example(&server.client()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Connection),
        "unexpected kind {:?}: {err}",
        err.kind()
    );
    assert!(err.is_retryable());
    // The next call gets a fresh connection and works.
    submit_example(&server.client()).unwrap();
}

#[test]
fn a_refused_connection_is_a_connection_error() {
    // Bind then drop a listener, so the port is (almost certainly) closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = builder_at(format!("http://127.0.0.1:{port}"), MockServer::TEST_KEY)
        .build()
        .unwrap();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the transport error is the source"
    );
}

#[test]
fn builder_refuses_bad_settings() {
    let cases: Vec<(foura::ClientBuilder, &str)> = vec![
        (
            Client::builder().api_key(key()).timeout(Duration::ZERO),
            "timeout",
        ),
        (
            Client::builder()
                .api_key(key())
                .connect_timeout(Duration::ZERO),
            "connect_timeout",
        ),
        (
            Client::builder().api_key(key()).max_response_bytes(0),
            "max_response_bytes",
        ),
        (
            Client::builder().api_key(key()).user_agent_suffix("a\nb"),
            "user_agent_suffix",
        ),
        (
            Client::builder()
                .api_key(key())
                .proxy(Some("not a proxy ://")),
            "proxy",
        ),
        (
            Client::builder().api_key(key()).base_url("eu.api.foura.ai"),
            "base_url",
        ),
    ];
    for (builder, setting) in cases {
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{setting}: {err}");
        assert!(err.to_string().contains(setting), "{err}");
    }
    let err = Client::builder().build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
}

#[test]
fn base_url_forms_all_reach_the_same_endpoint() {
    let server = MockServer::start();
    for suffix in ["", "/", "/api", "/api/", "/api/v1", "/api/v1/"] {
        let client = builder_at(format!("{}{suffix}", server.url()), MockServer::TEST_KEY)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), server.url());
        submit_example(&client).unwrap();
        assert_eq!(
            server.last_request().unwrap().path,
            "/api/v1/tasks",
            "{suffix}"
        );
    }
}

/// A TCP server that accepts and then does `behave` with each connection.
fn tcp_server(behave: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || behave(stream));
        }
    });
    format!("https://{addr}")
}

/// Answers the TLS handshake with plain HTTP.
fn answer_tls_with_plain_http(mut s: TcpStream) {
    let mut buf = [0u8; 1024];
    let _ = s.read(&mut buf);
    let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
}

/// Accepts TCP and never answers the TLS handshake.
fn never_answer_tls(mut s: TcpStream) {
    let mut buf = [0u8; 1024];
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.read(&mut buf);
    std::thread::sleep(Duration::from_secs(5));
}

#[test]
fn a_tls_failure_is_permanent_and_not_retried() {
    // An https base pointing at a server that answers the TLS handshake with plain HTTP.
    let base = tcp_server(answer_tls_with_plain_http);
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = std::sync::Arc::clone(&attempts);
    let client = builder_at(&base, MockServer::TEST_KEY)
        .on_attempt(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let err = single_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(
        attempts.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "not retried"
    );
}

#[test]
fn a_connect_that_runs_out_of_time_sent_nothing_so_no_task_may_exist() {
    // Accepts TCP, never answers the TLS handshake: the call's 1 s ends during connect.
    let base = tcp_server(never_answer_tls);
    let client = builder_at(&base, MockServer::TEST_KEY)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(!err.maybe_created(), "nothing was sent: {err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_lying_content_length_does_not_abort_the_process() {
    let server = server_with(Fault::withhold_body(200, 1 << 40, "{"));
    let client = tasks_builder(&server)
        .timeout(Duration::from_millis(800))
        .max_response_bytes(1 << 40)
        .max_retries(0)
        .build()
        .unwrap();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[test]
fn absurd_timeouts_and_waits_do_not_overflow() {
    let server = MockServer::start();
    let client = tasks_builder(&server)
        .timeout(Duration::MAX)
        .max_retry_wait(Duration::MAX)
        .build()
        .unwrap();
    submit_example(&client).unwrap();
    let request =
        TaskRequest::new("https://example.com", TaskType::Single).call_timeout(Duration::MAX);
    client.create_task(&request).unwrap();
    let err = client
        .create_task(
            &TaskRequest::new("https://example.com", TaskType::Single).call_timeout(Duration::ZERO),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("call_timeout"), "{err}");
    let err = client
        .single(&foura::SingleRequest::get("https://example.com/").call_timeout(Duration::ZERO))
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidRequest,
        "the same rule for every request"
    );
}

#[test]
fn a_connect_to_a_named_host_that_runs_out_of_time_sent_nothing() {
    let base = tcp_server(never_answer_tls);
    // The same server by name: resolving takes time of its own before connecting starts.
    let base = base.replace("127.0.0.1", "localhost");
    let client = builder_at(&base, MockServer::TEST_KEY)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    for _ in 0..3 {
        let err = submit_example(&client).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(!err.maybe_created(), "nothing was sent: {err:?}");
    }
}

#[test]
fn a_tls_failure_on_task_creation_created_nothing() {
    let base = tcp_server(answer_tls_with_plain_http);
    let client = builder_at(&base, MockServer::TEST_KEY).build().unwrap();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.attempts(), 1);
    assert!(!err.maybe_created(), "{err:?}");
}

#[test]
fn creations_spaced_past_the_servers_idle_close_never_end_maybe_created() {
    // A server (or load balancer) that closes idle connections without `Connection: close`:
    // the close has arrived before each next creation, and the pool's check before reuse
    // sees it, so no creation is sent on a dead connection.
    let server = MockServer::start();
    server.close_idle_after(Duration::from_millis(50));
    let client = tasks_builder(&server).max_retries(0).build().unwrap();
    for n in 0..8 {
        if n > 0 {
            std::thread::sleep(Duration::from_millis(150));
        }
        let task = submit_example(&client);
        assert!(task.is_ok(), "creation {n}: {:?}", task.unwrap_err());
    }
    assert_eq!(server.tasks().len(), 8);
    assert_eq!(
        server.connections_accepted(),
        8,
        "each creation found its connection closed and opened a new one"
    );
}

#[test]
fn a_task_creation_never_reuses_a_connection_idle_for_the_creation_limit() {
    let server = MockServer::start();
    let client = tasks_builder(&server).max_retries(0).build().unwrap();
    submit_example(&client).unwrap();
    std::thread::sleep(foura::defaults::CREATION_MAX_IDLE + Duration::from_millis(100));
    submit_example(&client).unwrap();
    assert_eq!(
        server.connections_accepted(),
        2,
        "a connection idle that long may be closing: the creation opened a fresh one"
    );
    // Other calls, which are safe to retry, keep reusing it.
    client.list_tasks().unwrap();
    std::thread::sleep(foura::defaults::CREATION_MAX_IDLE + Duration::from_millis(100));
    client.list_tasks().unwrap();
    assert_eq!(server.connections_accepted(), 2);
}

#[test]
fn the_emulator_closes_idle_connections_without_connection_close() {
    let server = MockServer::start();
    server.close_idle_after(Duration::from_millis(50));
    let mut conn = TcpStream::connect(server.addr()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(conn, "GET /api/profiles HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    // The answer, then the close: read_to_end returns once the server has closed.
    conn.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}
