//! Routes and public endpoints.

use super::*;

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
    ok(
        &server,
        "/api/single/?trace=1",
        &minimal(SINGLE, "https://example.com"),
    );
}

#[test]
fn unknown_paths_are_404() {
    let server = MockServer::start();
    for path in [
        "/api/single",
        "/api/proxy",
        "/api/browser",
        "/api/v2/single/",
        "/api/auto//",
        "/",
    ] {
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
