//! The browser and auto engines.

use super::*;

#[test]
fn browser_success_has_the_documented_shape() {
    let reply = post_fresh(
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
fn auto_success_has_the_documented_shape() {
    let reply = post_fresh(AUTO, &json!({"url": "https://example.com/"}));
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
fn auto_failure_has_attempts_and_a_fail_rung() {
    let reply = post_fresh(
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

    let reply = post_fresh(
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

/// What one field of an engine's answer must hold, found by JSON pointer.
enum Field {
    Is(&'static str, Value),
    Contains(&'static str, &'static str),
    Absent(&'static str),
    Object(&'static str),
    Text(&'static str),
    Hops(usize),
}

use Field::{Absent, Contains, Hops, Is, Object, Text};

/// One request to an engine and what its answer holds.
struct Answer {
    case: &'static str,
    path: &'static str,
    body: Value,
    /// Whether the page is delivered (no `error`) or the engine failed (an `error` string).
    delivered: bool,
    /// `X-FourA-Credits`, where the case pins it.
    credits: Option<&'static str>,
    fields: Vec<Field>,
}

fn answers() -> Vec<Answer> {
    let url = |url: &str| json!({ "url": url });
    vec![
        Answer {
            case: "browser presents the User-Agent asked for",
            path: BROWSER,
            body: json!({"url": "https://example.com/", "userAgent": "MyBot/1.0"}),
            delivered: true,
            credits: None,
            fields: vec![Is("/userAgent", json!("MyBot/1.0"))],
        },
        Answer {
            case: "browser parses a JSON page into body",
            path: BROWSER,
            body: url("https://example.com/json"),
            delivered: true,
            credits: None,
            fields: vec![
                Is("/body/ok", json!(true)),
                Is("/body/engine", json!("browser")),
            ],
        },
        Answer {
            case: "browser follows redirects natively",
            path: BROWSER,
            body: url("https://example.com/redirect"),
            delivered: true,
            credits: None,
            fields: vec![Is("/status", json!(200)), Contains("/body", "/redirected")],
        },
        Answer {
            case: "browser: a target that never answers is a navigation timeout, charged",
            path: BROWSER,
            body: url("https://timeout.test/"),
            delivered: false,
            credits: Some("5"),
            fields: vec![Is(
                "",
                json!({"error": "Navigation timeout of 30000 ms exceeded", "status": 0}),
            )],
        },
        Answer {
            case: "browser: the navigation timeout names timeout_ms",
            path: BROWSER,
            body: json!({"url": "https://timeout.test/", "timeout_ms": 10000}),
            delivered: false,
            credits: None,
            fields: vec![Is(
                "/error",
                json!("Navigation timeout of 10000 ms exceeded"),
            )],
        },
        Answer {
            case: "browser: an unresolvable host is Chrome's net error",
            path: BROWSER,
            body: url("https://x.invalid/"),
            delivered: false,
            credits: None,
            fields: vec![
                Is("/status", json!(0)),
                Is(
                    "/error",
                    json!("net::ERR_NAME_NOT_RESOLVED at https://x.invalid/"),
                ),
            ],
        },
        Answer {
            case: "browser: a broken download has status 0",
            path: BROWSER,
            body: url("https://failed.test/"),
            delivered: false,
            credits: None,
            fields: vec![Is("/status", json!(0))],
        },
        Answer {
            case: "browser: checkStatus and checkText that hold deliver the page",
            path: BROWSER,
            body: json!({"url": "https://example.com/", "checkStatus": 200, "checkText": "<h1>"}),
            delivered: true,
            credits: None,
            fields: vec![],
        },
        Answer {
            case: "browser: a checkStatus mismatch fails, charged, naming the status",
            path: BROWSER,
            body: json!({"url": "https://example.com/status/404", "checkStatus": 200}),
            delivered: false,
            credits: Some("5"),
            fields: vec![Is("/status", json!(404)), Contains("/error", "404")],
        },
        Answer {
            case: "browser: a checkText mismatch fails, naming the text",
            path: BROWSER,
            body: json!({"url": "https://example.com/", "checkText": "Add to cart"}),
            delivered: false,
            credits: None,
            fields: vec![Is("/status", json!(200)), Contains("/error", "Add to cart")],
        },
        Answer {
            case: "browser: without checks, a 404 is a page like any other",
            path: BROWSER,
            body: url("https://example.com/status/404"),
            delivered: true,
            credits: None,
            fields: vec![Is("/status", json!(404))],
        },
        Answer {
            case: "browser solves a challenge with unblocker (the default)",
            path: BROWSER,
            body: url("https://challenge.test/"),
            delivered: true,
            credits: None,
            fields: vec![
                Is("/status", json!(200)),
                Contains("/body", "challenge.test"),
            ],
        },
        Answer {
            case: "browser without unblocker delivers the challenge page",
            path: BROWSER,
            body: json!({"url": "https://challenge.test/", "unblocker": false}),
            delivered: true,
            credits: None,
            fields: vec![
                Is("/status", json!(403)),
                Contains("/body", "Just a moment"),
            ],
        },
        Answer {
            case: "browser cannot solve a bot check",
            path: BROWSER,
            body: url("https://blocked.test/"),
            delivered: true,
            credits: None,
            fields: vec![Is("/status", json!(403))],
        },
        Answer {
            case: "auto without forceProxy delivers from the probe, on direct egress",
            path: AUTO,
            body: json!({"url": "https://example.com/", "forceProxy": false}),
            delivered: true,
            credits: Some("2"),
            fields: vec![
                Is("/meta/rung", json!("probe")),
                Is("/meta/credits", json!(2)),
                Absent("/session/proxy"),
            ],
        },
        Answer {
            case: "auto with returnSession false omits the session",
            path: AUTO,
            body: json!({"url": "https://example.com/", "returnSession": false}),
            delivered: true,
            credits: None,
            fields: vec![Absent("/session"), Object("/meta")],
        },
        Answer {
            case: "auto's session User-Agent follows the request headers",
            path: AUTO,
            body: json!({"url": "https://example.com/", "headers": [["User-Agent", "MyBot/2.0"]]}),
            delivered: true,
            credits: None,
            fields: vec![Is("/session/userAgent", json!("MyBot/2.0"))],
        },
        Answer {
            case: "auto climbs to the browser rung for a challenge, with its flat headers",
            path: AUTO,
            body: url("https://challenge.test/"),
            delivered: true,
            credits: Some("9"),
            fields: vec![
                Is(
                    "/meta",
                    json!({"rung": "browser", "solved": true, "attempts": 2, "credits": 9}),
                ),
                Is("/status", json!(200)),
                Object("/headers"),
                Text("/session/proxy"),
            ],
        },
        Answer {
            case: "auto without forceProxy climbs from the probe to the browser rung",
            path: AUTO,
            body: json!({"url": "https://challenge.test/", "forceProxy": false}),
            delivered: true,
            credits: None,
            fields: vec![
                Is("/meta/attempts", json!(3)),
                Is("/meta/credits", json!(11)),
                Absent("/session/proxy"),
            ],
        },
        Answer {
            case: "auto checks every rung against validate and fails",
            path: AUTO,
            body: json!({"url": "https://example.com/", "validate": {"data": {"accept": ["Add to cart"]}}}),
            delivered: false,
            credits: None,
            fields: vec![Is("/meta/rung", json!("fail")), Is("/status", json!(200))],
        },
        Answer {
            case: "auto with validate accepting 403 delivers the bot check",
            path: AUTO,
            body: json!({"url": "https://blocked.test/", "validate": {"status": {"accept": [403]}}}),
            delivered: true,
            credits: None,
            fields: vec![Is("/status", json!(403)), Is("/meta/rung", json!("proxy"))],
        },
        Answer {
            case: "auto delivers a target's 502 without error",
            path: AUTO,
            body: url("https://example.com/status/502"),
            delivered: true,
            credits: None,
            fields: vec![Is("/status", json!(502))],
        },
        Answer {
            case: "auto reuses a saved session for cached.test",
            path: AUTO,
            body: url("https://cached.test/"),
            delivered: true,
            credits: Some("2"),
            fields: vec![Is(
                "/meta",
                json!({"rung": "cache", "solved": false, "attempts": 1, "credits": 2}),
            )],
        },
        Answer {
            case: "auto follows five redirects by default",
            path: AUTO,
            body: url("https://example.com/redirect"),
            delivered: true,
            credits: None,
            fields: vec![Hops(2)],
        },
        Answer {
            case: "auto with followRedirects 0 delivers the 301",
            path: AUTO,
            body: json!({"url": "https://example.com/redirect", "followRedirects": 0}),
            delivered: true,
            credits: None,
            fields: vec![Is("/status", json!(301))],
        },
    ]
}

#[test]
fn browser_and_auto_answer_each_page_of_the_virtual_web_as_documented() {
    for answer in answers() {
        let case = answer.case;
        let reply = post_fresh(answer.path, &answer.body);
        assert_eq!(reply.status, 200, "{case}: engine answers are FourA 200s");
        let json = reply.json();
        assert_eq!(
            json["error"].is_string(),
            !answer.delivered,
            "{case}: {json}"
        );
        if answer.delivered {
            assert!(json.get("error").is_none(), "{case}: {json}");
        }
        if let Some(credits) = answer.credits {
            assert_eq!(reply.credits(), Some(credits), "{case}");
        }
        for field in &answer.fields {
            assert_field(&json, field, case);
        }
    }
}

#[track_caller]
fn assert_field(json: &Value, field: &Field, case: &str) {
    let at = |pointer: &str| json.pointer(pointer);
    match field {
        Is(pointer, value) => assert_eq!(at(pointer), Some(value), "{case}: {pointer}"),
        Contains(pointer, text) => {
            let found = at(pointer).and_then(Value::as_str).unwrap_or_default();
            assert!(found.contains(text), "{case}: {pointer} {json}");
        }
        Absent(pointer) => assert_eq!(at(pointer), None, "{case}: {json}"),
        Object(pointer) => assert!(at(pointer).is_some_and(Value::is_object), "{case}: {json}"),
        Text(pointer) => assert!(at(pointer).is_some_and(Value::is_string), "{case}: {json}"),
        Hops(count) => {
            hops_of(json, *count);
        }
    }
}
