//! Auth, routes, public endpoints, scripted faults and the request log.

use super::*;

/// FourA's 401 with the error it names.
#[track_caller]
fn assert_unauthorized(reply: &Reply, error: &str, context: &str) {
    assert_eq!(reply.status, 401, "{context}");
    assert_eq!(reply.json(), json!({ "error": error }), "{context}");
}

/// FourA's 401 for a call without a usable `X-API-Key`.
#[track_caller]
fn assert_missing_key(reply: &Reply, context: &str) {
    assert_unauthorized(reply, "Missing API key. Include X-API-Key header.", context);
}

/// FourA's 401 for a key it does not accept.
#[track_caller]
fn assert_invalid_key(reply: &Reply, context: &str) {
    assert_unauthorized(reply, "Invalid API key", context);
}

/// Posts the smallest single-engine body with `X-API-Key: key`.
fn single_with_key(server: &MockServer, key: &str) -> Reply {
    post_minimal_with_key(server, SINGLE, key)
}

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
        assert_missing_key(&reply, path);
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
        assert_missing_key(&reply, key);
    }
}

#[test]
fn an_empty_x_api_key_counts_as_missing() {
    let server = MockServer::start();
    assert_missing_key(&single_with_key(&server, ""), "empty");
}

#[test]
fn an_unknown_key_is_401_invalid() {
    let server = MockServer::start();
    for path in ENGINES {
        let reply = post_minimal_with_key(&server, path, "pk_live_invalid_xxx_zzz");
        assert_invalid_key(&reply, path);
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
        assert_invalid_key(&single_with_key(&server, &padded), &format!("{padded:?}"));
    }
}

#[test]
fn a_disabled_key_is_401_invalid_on_the_engines() {
    let server = MockServer::start();
    let reply = single_with_key(&server, MockServer::DISABLED_KEY);
    assert_invalid_key(&reply, "disabled");

    server.disable_key(MockServer::ENGINE_KEY);
    let reply = post_minimal(&server, AUTO);
    assert_invalid_key(&reply, "disabled later");
    server.add_key(MockServer::ENGINE_KEY);
    assert_minimal_status(&server, AUTO, 200);
}

#[test]
fn every_active_key_works_on_both_apis() {
    let server = MockServer::start();
    for key in [MockServer::ENGINE_KEY, MockServer::TEST_KEY] {
        for path in ENGINES {
            let reply = post_minimal_with_key(&server, path, key);
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
    let reply = post_minimal_with_key(&server, SINGLE, "pk_live_added_later_000000000000");
    assert_eq!(reply.status, 200);
}

#[test]
fn auto_answers_with_and_without_the_trailing_slash() {
    let server = MockServer::start();
    let a = ok(&server, "/api/auto", &json!({"url": "https://example.com"}));
    let b = ok(
        &server,
        "/api/auto/",
        &json!({"url": "https://example.com"}),
    );
    assert_eq!(a["meta"], b["meta"]);
    assert_eq!(a["data"], b["data"]);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/auto", "/api/auto/"]);
}

#[test]
fn a_query_string_does_not_change_the_route() {
    let server = MockServer::start();
    let body = minimal(SINGLE, "https://example.com");
    ok(&server, "/api/single/?trace=1", &body);
}

#[test]
fn unknown_paths_are_404() {
    let server = MockServer::start();
    // Each engine path without its trailing slash, and paths FourA does not serve at all.
    let unslashed = [SINGLE, PROXY, BROWSER].map(|path| path.trim_end_matches('/'));
    for path in unslashed
        .into_iter()
        .chain(["/api/v2/single/", "/api/auto//", "/"])
    {
        let reply = post(&server, path, &minimal(SINGLE, "https://example.com"));
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.header("x-foura-request-id").is_some());
    }
}

#[test]
fn the_wrong_method_is_405_with_allow() {
    let server = MockServer::start();
    let key = [("X-API-Key", MockServer::ENGINE_KEY)];
    for path in ENGINES {
        let reply = send(&server, "GET", path, &key, b"");
        assert_eq!(reply.status, 405, "{path}");
        assert_eq!(reply.header("allow"), Some("POST"));
        assert!(reply.json()["error"].is_string());
    }
    for path in ["/api/profiles", "/api/v1/status"] {
        let reply = send(&server, "POST", path, &[], b"{}");
        assert_eq!(reply.status, 405, "{path}");
        assert_eq!(reply.header("allow"), Some("GET"));
    }
}

#[test]
fn the_profile_catalogue_is_public_and_names_its_default() {
    let server = MockServer::start();
    let reply = send(&server, "GET", "/api/profiles", &[], b"");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.header("x-foura-request-id").is_some());
    assert!(reply.credits().is_none());
    let json = reply.json();
    assert_eq!(json["default"], "chrome-147-windows");
    let profiles = json["profiles"].as_array().unwrap();
    assert!(profiles.len() >= 5);
    assert!(profiles.iter().any(|p| p["id"] == json["default"]));
    for p in profiles {
        for field in ["id", "browser", "os", "version"] {
            assert!(p[field].is_string(), "{p}");
        }
    }
    for browser in ["Chrome", "Edge", "Safari", "Firefox", "Tor"] {
        assert!(
            profiles.iter().any(|p| p["browser"] == browser),
            "{browser}"
        );
    }
    // A key does no harm, and a bad one is not even looked at.
    let reply = send(
        &server,
        "GET",
        "/api/profiles",
        &[("X-API-Key", "nonsense")],
        b"",
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn the_status_api_is_public_and_operational() {
    let server = MockServer::start();
    let reply = send(&server, "GET", "/api/v1/status", &[], b"");
    assert_eq!(reply.status, 200);
    let json = reply.json();
    assert_eq!(json["overall"], "operational");
    let services = json["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    let api = &services[0];
    assert_eq!(api["slug"], "api");
    assert_eq!(api["name"], "API");
    assert_eq!(api["status"], "operational");
    assert!(api["description"].is_string());
    let daily = api["daily"].as_array().unwrap();
    assert!(!daily.is_empty());
    for day in daily {
        assert_eq!(day["date"].as_str().unwrap().len(), 10, "{day}");
        assert_eq!(day["status"], "operational");
        for minutes in [
            "major_outage_minutes",
            "partial_outage_minutes",
            "degraded_minutes",
            "internal_degraded_minutes",
        ] {
            assert_eq!(day[minutes], 0);
        }
    }
    assert_eq!(json["active_incidents"], json!([]));
    let incident = &json["recent_incidents"][0];
    assert_eq!(incident["service_slug"], "api");
    assert_eq!(incident["impact"], "minor");
    assert!(incident["resolved_at"].is_string());
}

#[test]
fn a_queued_fault_answers_before_a_refusal() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::RateLimited);
    server.push_fault(
        Fault::status(502, "<html>Bad Gateway</html>").header("Content-Type", "text/html"),
    );
    let reply = post_minimal(&server, SINGLE);
    assert_eq!(reply.status, 502);
    assert_eq!(reply.body, b"<html>Bad Gateway</html>");
    assert!(reply.header("x-foura-request-id").is_some());
    assert_eq!(server.pending_refusals(), 1);
    assert_minimal_status(&server, SINGLE, 429);
}

#[test]
fn faults_still_work_on_every_path() {
    let server = MockServer::start();
    let others = ["/api/profiles", "/api/v1/status", "/nowhere"];
    for path in ENGINES.into_iter().chain(others) {
        server.push_fault(
            Fault::json(200, &json!({"scripted": path})).header("X-FourA-Credits", "7"),
        );
        let reply = send(&server, "GET", path, &[], b"");
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.json(), json!({"scripted": path}));
        assert_eq!(reply.credits(), Some("7"));
    }
}

#[test]
fn every_engine_response_has_a_distinct_request_id() {
    let server = MockServer::start();
    let mut ids = Vec::new();
    for reply in [
        post_minimal(&server, SINGLE),
        post(&server, SINGLE, &minimal(SINGLE, "https://timeout.test")),
        post(&server, SINGLE, &json!({})),
        post(&server, SINGLE, &minimal(SINGLE, "http://10.0.0.1")),
        post_minimal_with_key(&server, SINGLE, "bad"),
        send(&server, "GET", "/api/profiles", &[], b""),
    ] {
        let id = reply.header("x-foura-request-id").unwrap().to_owned();
        assert_eq!(id.len(), 36, "{id}");
        ids.push(id);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn the_request_log_records_engine_calls_as_sent() {
    let server = MockServer::start();
    let body = json!({"url": "https://example.com/?t={ts}"});
    ok(&server, AUTO, &body);
    let r = server.last_request().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/api/auto");
    assert_eq!(r.header("x-api-key"), Some(MockServer::ENGINE_KEY));
    assert_eq!(r.body_json(), Some(body));
    assert!(
        !format!("{r:?}").contains(MockServer::ENGINE_KEY),
        "the key is redacted"
    );
}
