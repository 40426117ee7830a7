//! Browser.

use super::*;

#[test]
fn browser_success_has_the_documented_shape() {
    let server = MockServer::start();
    let reply = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "cookies": [
            {"name": "consent", "value": "yes"},
            {"name": "other", "value": "site", "domain": "other.example"},
            {"name": "wide", "value": "1", "domain": ".example.com", "path": "/", "secure": true},
        ]}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("5"));
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert!(
        json["userAgent"]
            .as_str()
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
    let headers = json["headers"].as_object().expect("a flat object");
    assert!(headers.get("result").is_none());
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["set-cookie"].is_array());
    assert!(json["body"].as_str().unwrap().contains("browser engine"));
    assert!(json.get("data").is_none());
    let cookies = json["cookies"].as_array().unwrap();
    let names: Vec<&str> = cookies
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["consent", "wide", "session", "theme"]);
    let consent = &cookies[0];
    assert_eq!(consent["value"], "yes");
    assert_eq!(consent["domain"], "example.com");
    assert_eq!(consent["expires"], -1);
    assert_eq!(consent["sameSite"], "Lax");
    for key in ["path", "size", "httpOnly", "secure", "session"] {
        assert!(consent.get(key).is_some(), "{key}");
    }
    assert_eq!(cookies[2]["httpOnly"], true);
}

#[test]
fn browser_presents_the_user_agent_asked_for() {
    let server = MockServer::start();
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "userAgent": "MyBot/1.0"}),
    );
    assert_eq!(json["userAgent"], "MyBot/1.0");
}

#[test]
fn browser_parses_a_json_page_into_body() {
    let server = MockServer::start();
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/json"}),
    );
    assert_eq!(json["body"]["ok"], true);
    assert_eq!(json["body"]["engine"], "browser");
}

#[test]
fn browser_follows_redirects_natively() {
    let server = MockServer::start();
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/redirect"}),
    );
    assert_eq!(json["status"], 200);
    assert!(json["body"].as_str().unwrap().contains("/redirected"));
}

#[test]
fn browser_failures_have_the_documented_bodies() {
    let server = MockServer::start();
    let reply = post(&server, BROWSER, &json!({"url": "https://timeout.test/"}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("5"));
    assert_eq!(
        reply.json(),
        json!({"error": "Navigation timeout of 30000 ms exceeded", "status": 0})
    );
    assert_eq!(
        post(
            &server,
            BROWSER,
            &json!({"url": "https://timeout.test/", "timeout_ms": 10000})
        )
        .json()["error"],
        "Navigation timeout of 10000 ms exceeded"
    );
    let json = post(&server, BROWSER, &json!({"url": "https://x.invalid/"})).json();
    assert_eq!(json["status"], 0);
    assert_eq!(
        json["error"],
        "net::ERR_NAME_NOT_RESOLVED at https://x.invalid/"
    );
    let json = post(&server, BROWSER, &json!({"url": "https://failed.test/"})).json();
    assert_eq!(json["status"], 0);
    assert!(json["error"].is_string());
}

#[test]
fn browser_check_status_and_check_text() {
    let server = MockServer::start();
    ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "checkStatus": 200, "checkText": "<h1>"}),
    );
    let reply = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/status/404", "checkStatus": 200}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("5"));
    let json = reply.json();
    assert_eq!(json["status"], 404);
    assert!(json["error"].as_str().unwrap().contains("404"), "{json}");
    let json = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "checkText": "Add to cart"}),
    )
    .json();
    assert_eq!(json["status"], 200);
    assert!(
        json["error"].as_str().unwrap().contains("Add to cart"),
        "{json}"
    );
    // Without checks, a 404 is a page like any other.
    assert_eq!(
        ok(
            &server,
            BROWSER,
            &json!({"url": "https://example.com/status/404"})
        )["status"],
        404
    );
}

#[test]
fn browser_solves_a_challenge_only_with_unblocker() {
    let server = MockServer::start();
    let json = ok(&server, BROWSER, &json!({"url": "https://challenge.test/"}));
    assert_eq!(json["status"], 200);
    assert!(json["body"].as_str().unwrap().contains("challenge.test"));
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://challenge.test/", "unblocker": false}),
    );
    assert_eq!(json["status"], 403);
    assert!(json["body"].as_str().unwrap().contains("Just a moment"));
    assert_eq!(
        ok(&server, BROWSER, &json!({"url": "https://blocked.test/"}))["status"],
        403
    );
}
