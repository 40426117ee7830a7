//! The browser and auto engines.

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

#[test]
fn auto_success_has_the_documented_shape() {
    let server = MockServer::start();
    let reply = post(&server, AUTO, &json!({"url": "https://example.com/"}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("4"));
    assert!(reply.header("x-foura-exit-class").is_none());
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert!(json["headers"][0]["result"].is_object());
    assert!(json["data"].as_str().unwrap().contains("auto engine"));
    assert!(json.get("total_time").is_none());
    assert_eq!(
        json["meta"],
        json!({"rung": "proxy", "solved": false, "attempts": 1, "credits": 4})
    );
    let session = &json["session"];
    assert!(is_base36_id(session["proxy"].as_str().unwrap()));
    assert!(
        session["userAgent"]
            .as_str()
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
    let cookies = session["cookies"].as_array().unwrap();
    assert_eq!(cookies.len(), 2);
    assert_eq!(cookies[0]["domain"], "example.com");
    assert!(json.get("exitClass").is_none());
}

#[test]
fn auto_without_force_proxy_delivers_from_the_probe() {
    let server = MockServer::start();
    let reply = post(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "forceProxy": false}),
    );
    assert_eq!(reply.credits(), Some("2"));
    let json = reply.json();
    assert_eq!(json["meta"]["rung"], "probe");
    assert_eq!(json["meta"]["credits"], 2);
    assert!(
        json["session"].get("proxy").is_none(),
        "direct egress: {json}"
    );
}

#[test]
fn auto_return_session_false_omits_the_session() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "returnSession": false}),
    );
    assert!(json.get("session").is_none());
    assert!(json["meta"].is_object());
}

#[test]
fn auto_session_user_agent_follows_the_request_headers() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "headers": [["User-Agent", "MyBot/2.0"]]}),
    );
    assert_eq!(json["session"]["userAgent"], "MyBot/2.0");
}

#[test]
fn auto_reports_the_exit_class_in_the_header_only() {
    let server = MockServer::start();
    for class in ["premium", "standard"] {
        let reply = post(
            &server,
            AUTO,
            &json!({"url": "https://example.com/", "exitClass": class}),
        );
        assert_eq!(reply.header("x-foura-exit-class"), Some(class));
        let json = reply.json();
        assert!(json.get("exitClass").is_none(), "{json}");
        assert!(json["meta"].get("exitClass").is_none(), "{json}");
        assert_eq!(
            json["session"]["proxy"].as_str().unwrap().starts_with('P'),
            class == "premium"
        );
    }
}

#[test]
fn auto_climbs_to_the_browser_rung_for_a_challenge() {
    let server = MockServer::start();
    let reply = post(&server, AUTO, &json!({"url": "https://challenge.test/"}));
    assert_eq!(reply.credits(), Some("9"));
    let json = reply.json();
    assert_eq!(
        json["meta"],
        json!({"rung": "browser", "solved": true, "attempts": 2, "credits": 9})
    );
    assert_eq!(json["status"], 200);
    assert!(
        json["headers"].is_object(),
        "the browser rung's flat headers"
    );
    assert!(json["session"]["proxy"].is_string());

    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://challenge.test/", "forceProxy": false}),
    );
    assert_eq!(json["meta"]["attempts"], 3);
    assert_eq!(json["meta"]["credits"], 11);
    assert!(json["session"].get("proxy").is_none());
}

#[test]
fn auto_failure_has_attempts_and_a_fail_rung() {
    let server = MockServer::start();
    let reply = post(
        &server,
        AUTO,
        &json!({"url": "https://blocked.test/", "forceProxy": false}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("16"));
    let json = reply.json();
    assert!(json["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(json["status"], 403);
    assert_eq!(json["attempts"], 4);
    assert_eq!(
        json["meta"],
        json!({"rung": "fail", "solved": false, "attempts": 4, "credits": 16})
    );
    assert!(json.get("session").is_none());
    assert!(json.get("data").is_none());

    let reply = post(
        &server,
        AUTO,
        &json!({"url": "https://timeout.test/", "exitClass": "standard"}),
    );
    // The class is reported only on success.
    assert_eq!(reply.header("x-foura-exit-class"), None);
    let json = reply.json();
    assert_eq!(json["status"], 0);
    assert_eq!(json["meta"]["rung"], "fail");
    assert!(json["meta"].get("exitClass").is_none(), "{json}");
    assert_eq!(
        reply.credits().unwrap(),
        json["meta"]["credits"].to_string()
    );
}

#[test]
fn auto_checks_every_rung_against_validate() {
    let server = MockServer::start();
    let json = post(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "validate": {"data": {"accept": ["Add to cart"]}}}),
    )
    .json();
    assert_eq!(json["meta"]["rung"], "fail");
    assert_eq!(json["status"], 200);
    // Accepting the 403 makes the bot check a deliverable page.
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://blocked.test/", "validate": {"status": {"accept": [403]}}}),
    );
    assert_eq!(json["status"], 403);
    assert_eq!(json["meta"]["rung"], "proxy");
}

#[test]
fn auto_target_statuses_are_delivered_without_error() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/status/502"}),
    );
    assert_eq!(json["status"], 502);
}

#[test]
fn auto_reuses_a_saved_session_for_cached_test() {
    let server = MockServer::start();
    let reply = post(&server, AUTO, &json!({"url": "https://cached.test/"}));
    assert_eq!(reply.credits(), Some("2"));
    assert_eq!(
        reply.json()["meta"],
        json!({"rung": "cache", "solved": false, "attempts": 1, "credits": 2})
    );
}

#[test]
fn auto_follows_five_redirects_by_default() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/redirect"}),
    );
    assert_eq!(json["headers"].as_array().unwrap().len(), 2);
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/redirect", "followRedirects": 0}),
    );
    assert_eq!(json["status"], 301);
}
