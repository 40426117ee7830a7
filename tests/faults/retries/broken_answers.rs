//! Broken answers give the right kind of error.

use super::*;

#[test]
fn a_body_cut_short_by_a_closed_connection_is_a_connection_error() {
    // A reset 20 bytes in, and a truncation one byte short of the promised length, look the
    // same on the wire: a FIN before Content-Length is reached.
    let body = task_json();
    let short = body.len() - 1;
    for sent in [20, short] {
        let server = MockServer::start();
        server.push_fault(Fault::reset_mid_body(200, body.clone(), sent));
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
    let client = Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .timeout(Duration::from_secs(10))
        .max_retries(5)
        .max_response_bytes(10_000)
        .build()
        .unwrap();
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BodyTooLarge, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn malformed_json_is_a_decode_error() {
    let server = MockServer::start();
    server.push_fault(Fault::malformed_json());
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

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
    let server = MockServer::start();
    server.push_fault(
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
    let server = MockServer::start();
    server.push_fault(Fault::oversized_headers(64 << 10));
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
