//! Auth.

use super::*;

#[test]
fn a_call_without_x_api_key_is_401_missing() {
    let server = MockServer::start();
    for path in ENGINES {
        let reply = send(
            &server,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            minimal(path, "https://example.com").to_string().as_bytes(),
        );
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(
            reply.json(),
            json!({"error": "Missing API key. Include X-API-Key header."})
        );
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert!(reply.header("x-foura-request-id").is_some());
        assert!(reply.credits().is_none());
    }
}

#[test]
fn a_bearer_header_does_not_authenticate_the_engines() {
    let server = MockServer::start();
    for key in [MockServer::ENGINE_KEY, MockServer::TEST_KEY] {
        let bearer = format!("Bearer {key}");
        let reply = send(
            &server,
            "POST",
            SINGLE,
            &[
                ("Authorization", &bearer),
                ("Content-Type", "application/json"),
            ],
            minimal(SINGLE, "https://example.com")
                .to_string()
                .as_bytes(),
        );
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.json()["error"],
            "Missing API key. Include X-API-Key header."
        );
    }
}

#[test]
fn an_empty_x_api_key_counts_as_missing() {
    let server = MockServer::start();
    let reply = post_with_key(&server, SINGLE, "", &minimal(SINGLE, "https://example.com"));
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json()["error"],
        "Missing API key. Include X-API-Key header."
    );
}

#[test]
fn an_unknown_key_is_401_invalid() {
    let server = MockServer::start();
    for path in ENGINES {
        let reply = post_with_key(
            &server,
            path,
            "pk_live_invalid_xxx_zzz",
            &minimal(path, "https://example.com"),
        );
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(reply.json(), json!({"error": "Invalid API key"}));
    }
}

#[test]
fn whitespace_inside_the_key_value_is_401_invalid() {
    let server = MockServer::start();
    // Spaces and tabs around a field value are not part of it in HTTP; whitespace that
    // survives the parser is part of the key as sent.
    for padded in [
        format!("{}\u{a0}", MockServer::ENGINE_KEY),
        format!("\u{a0}{}", MockServer::ENGINE_KEY),
        format!("{} x", MockServer::ENGINE_KEY),
        format!("{}\u{b}", MockServer::ENGINE_KEY),
    ] {
        let reply = post_with_key(
            &server,
            SINGLE,
            &padded,
            &minimal(SINGLE, "https://example.com"),
        );
        assert_eq!(reply.status, 401, "{padded:?}");
        assert_eq!(reply.json(), json!({"error": "Invalid API key"}));
    }
}

#[test]
fn a_disabled_key_is_401_invalid_on_the_engines() {
    let server = MockServer::start();
    let reply = post_with_key(
        &server,
        SINGLE,
        MockServer::DISABLED_KEY,
        &minimal(SINGLE, "https://example.com"),
    );
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({"error": "Invalid API key"}));

    server.disable_key(MockServer::ENGINE_KEY);
    let reply = post(&server, AUTO, &minimal(AUTO, "https://example.com"));
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({"error": "Invalid API key"}));
    server.add_key(MockServer::ENGINE_KEY);
    assert_eq!(
        post(&server, AUTO, &minimal(AUTO, "https://example.com")).status,
        200
    );
}

#[test]
fn every_active_key_works_on_both_apis() {
    let server = MockServer::start();
    for key in [MockServer::ENGINE_KEY, MockServer::TEST_KEY] {
        for path in ENGINES {
            let reply = post_with_key(&server, path, key, &minimal(path, "https://example.com"));
            assert_eq!(reply.status, 200, "{key} {path}");
        }
    }
    let bearer = format!("Bearer {}", MockServer::ENGINE_KEY);
    let reply = send(
        &server,
        "POST",
        "/api/v1/tasks",
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        br#"{"url":"https://example.com","type":"single"}"#,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["status"], "completed");
    server.add_key("pk_live_added_later_000000000000");
    let reply = post_with_key(
        &server,
        SINGLE,
        "pk_live_added_later_000000000000",
        &minimal(SINGLE, "https://example.com"),
    );
    assert_eq!(reply.status, 200);
}
