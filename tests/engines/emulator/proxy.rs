//! The proxy engine, which rotates a single request through its exits.

use super::*;

#[test]
fn proxy_success_has_the_documented_shape_with_a_string_total_time() {
    let reply = post_fresh(PROXY, &minimal(PROXY, "https://example.com/"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("4"));
    assert!(reply.header("x-foura-exit-class").is_none());
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert_eq!(json["headers"][0]["result"]["code"], 200);
    assert!(json["headers"][0]["set-cookie"].is_array());
    assert!(json["data"].as_str().unwrap().contains("proxy engine"));
    assert_eq!(json["total_time"], "0.341");
    assert!(is_base36_id(json["proxy"].as_str().unwrap()), "{json}");
    assert!(!json["proxy"].as_str().unwrap().starts_with('P'));
    assert!(json["total"].as_f64().unwrap() > 0.341);
    for absent in [
        "exitCountry",
        "exitClass",
        "error",
        "attemptReport",
        "profile",
    ] {
        assert!(json.get(absent).is_none(), "{absent}: {json}");
    }
}

#[test]
fn proxy_reports_the_exit_country_and_class_it_was_asked_for() {
    let server = MockServer::start();
    let mut body = minimal(PROXY, "https://example.com/");
    body["exitCountries"] = json!(["CZ", "DE"]);
    body["exitClass"] = json!("premium");
    let reply = post(&server, PROXY, &body);
    assert_eq!(reply.header("x-foura-exit-class"), Some("premium"));
    let json = reply.json();
    assert_eq!(json["exitCountry"], "CZ");
    assert_eq!(json["exitClass"], "premium");
    let id = json["proxy"].as_str().unwrap();
    assert!(is_base36_id(id) && id.starts_with('P'), "{id}");

    body["exitClass"] = json!("standard");
    let reply = post(&server, PROXY, &body);
    assert_eq!(reply.header("x-foura-exit-class"), Some("standard"));
    assert_eq!(reply.json()["exitClass"], "standard");
    assert!(!reply.json()["proxy"].as_str().unwrap().starts_with('P'));
}

#[test]
fn proxy_ids_replay_into_single_and_browser() {
    let server = MockServer::start();
    let mut body = minimal(PROXY, "https://example.com/");
    body["exitClass"] = json!("premium");
    let id = ok(&server, PROXY, &body)["proxy"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut single = get(&json!("https://example.com/"));
    single["proxy"] = json!(id);
    assert_eq!(
        post(&server, SINGLE, &single).header("x-foura-exit-class"),
        Some("premium")
    );
    let reply = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "proxy": id}),
    );
    assert_eq!(reply.header("x-foura-exit-class"), Some("premium"));
    assert!(reply.json().get("exitClass").is_none());
}

#[test]
fn proxy_skips_ignored_exits() {
    let server = MockServer::start();
    let first = ok(&server, PROXY, &minimal(PROXY, "https://example.com/"))["proxy"].clone();
    assert_eq!(
        ok(&server, PROXY, &minimal(PROXY, "https://example.com/"))["proxy"],
        first
    );
    let mut body = minimal(PROXY, "https://example.com/");
    body["ignoreProxies"] = json!([first, "UNKNOWN1"]);
    let second = ok(&server, PROXY, &body)["proxy"].clone();
    assert_ne!(second, first);
    assert!(is_base36_id(second.as_str().unwrap()));
}

#[test]
fn nested_test_gives_the_nested_proxy_shape() {
    let server = MockServer::start();
    let mut body = minimal(PROXY, "https://nested.test/json");
    body["exitCountries"] = json!(["FR"]);
    let json = ok(&server, PROXY, &body);
    assert!(json.get("status").is_none(), "{json}");
    assert!(json.get("headers").is_none(), "{json}");
    let inner = &json["data"];
    assert_eq!(inner["status"], 200);
    assert!(inner["headers"].is_array());
    assert!(inner["data"].as_str().unwrap().contains("nested.test"));
    assert_eq!(json["total_time"], "0.341");
    assert!(json["proxy"].is_string());
    assert_eq!(json["exitCountry"], "FR");
    assert!(json["total"].is_number());
    // Single sees an ordinary site.
    assert_eq!(
        ok(&server, SINGLE, &get(&json!("https://nested.test/")))["status"],
        200
    );
}

#[test]
fn proxy_against_a_bot_check_fails_with_an_attempt_report() {
    let reply = post_fresh(PROXY, &minimal(PROXY, "https://blocked.test/"));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.credits(),
        Some("4"),
        "credits are reported on a failure too"
    );
    let json = reply.json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    assert_eq!(
        json["request"],
        json!({"timeout_ms": 45000, "maxTries": 5, "request": {"method": "GET", "url": "https://blocked.test/"}})
    );
    assert!(json["total"].as_f64().unwrap() > 0.0);
    for absent in ["status", "headers", "data", "proxy", "code"] {
        assert!(json.get(absent).is_none(), "{absent}: {json}");
    }
    let report = &json["attemptReport"];
    assert_eq!(report["total"], 5);
    assert_eq!(report["defense"], 5);
    assert_eq!(report["noResponse"], 0);
    assert_eq!(report["contentRejected"], 0);
    assert_eq!(report["statusRejected"], 0);
    assert_eq!(report["other"], 0);
    assert_eq!(report["vendors"], json!(["cloudflare"]));
    assert_eq!(report["profilesTried"], json!(["default"]));
    assert!(
        report["summary"]
            .as_str()
            .unwrap()
            .starts_with("5 attempt(s): ")
    );
}

#[test]
fn proxy_content_rejections_are_counted_as_documented() {
    let body = json!({
        "request": {"method": "GET", "url": "https://example.com/",
                    "validate": {"data": {"accept": ["Add to cart"]}}},
        "maxTries": 25,
    });
    let json = post_fresh(PROXY, &body).json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    assert_eq!(json["request"]["maxTries"], 25);
    assert_eq!(json["request"]["timeout_ms"], 45000);
    let report = &json["attemptReport"];
    assert_eq!(report["total"], 25);
    assert_eq!(report["contentRejected"], 25);
    assert_eq!(report["vendors"], json!([]));
    assert_eq!(
        report["summary"],
        "25 attempt(s): 25 returned HTTP 200 with no defense present and were rejected only by your validate.data"
    );
}

#[test]
fn proxy_status_rejections_are_counted() {
    let server = MockServer::start();
    let body = json!({
        "request": {"method": "GET", "url": "https://example.com/status/503",
                    "validate": {"status": {"fail": [503]}}},
        "maxTries": 3,
    });
    let report = post(&server, PROXY, &body).json()["attemptReport"].clone();
    assert_eq!(report["total"], 3);
    assert_eq!(report["statusRejected"], 3);
    // Without validate the target's 503 is delivered.
    let json = ok(
        &server,
        PROXY,
        &minimal(PROXY, "https://example.com/status/503"),
    );
    assert_eq!(json["status"], 503);
}

#[test]
fn proxy_rotation_ends_when_the_overall_timeout_is_spent() {
    let server = MockServer::start();
    let json = post(&server, PROXY, &minimal(PROXY, "https://timeout.test/")).json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    let report = &json["attemptReport"];
    // 45 s overall, 15 s per attempt: three attempts, not five.
    assert_eq!(report["total"], 3);
    assert_eq!(report["noResponse"], 3);
    assert_eq!(
        report["summary"],
        "3 attempt(s): 3 exit(s) did not answer; the overall timeout_ms ran out"
    );
    assert_eq!(json["total"].as_f64(), Some(45.0));

    let mut body = minimal(PROXY, "https://example.com/");
    body["timeout_ms"] = json!(1);
    let json = post(&server, PROXY, &body).json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    assert_eq!(json["attemptReport"]["total"], 0);

    let json = post(&server, PROXY, &minimal(PROXY, "https://gone.invalid/")).json();
    assert_eq!(json["attemptReport"]["noResponse"], 5);
    let json = post(&server, PROXY, &minimal(PROXY, "https://failed.test/")).json();
    assert_eq!(json["attemptReport"]["other"], 5);
}

#[test]
fn proxy_with_no_eligible_exit_has_the_documented_body() {
    let server = MockServer::start();
    let body =
        json!({"exitCountries": ["ZZ"], "request": {"method": "GET", "url": "https://1.1.1.1/"}});
    let reply = post(&server, PROXY, &body);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"error": "No eligible proxy matches the requested exit countries",
               "request": {"exitCountries": ["ZZ"], "request": {"method": "GET", "url": "https://1.1.1.1/"}},
               "total": 0, "code": "no_eligible_proxy", "details": {"exitCountries": ["ZZ"]}})
    );
    let mut body = body;
    body["exitCountries"] = json!(["DE", "ZZ"]);
    let reply = post(&server, PROXY, &body);
    assert_eq!(
        reply.json()["code"],
        "no_eligible_proxy",
        "one unknown country is enough"
    );
}

#[test]
fn proxy_echo_resolves_the_ts_placeholder() {
    let body = minimal(PROXY, "https://blocked.test/?t={ts}");
    let json = post_fresh(PROXY, &body).json();
    let url = json["request"]["request"]["url"].as_str().unwrap();
    assert!(!url.contains("{ts}"), "{url}");
    assert!(url.starts_with("https://blocked.test/?t=1"), "{url}");
}

#[test]
fn proxy_inner_request_options_apply() {
    let server = MockServer::start();
    let json = ok(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com/json", "tryJsonData": true}}),
    );
    assert_eq!(json["data"]["ok"], true);
    let json = ok(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com/redirect", "followRedirects": 2}}),
    );
    assert_eq!(json["headers"].as_array().unwrap().len(), 2);
    let json = post(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com/", "unblocker": false, "browser": "Edge"}}),
    )
    .json();
    assert_eq!(
        json["error"],
        "browser profile selection requires unblocker:true"
    );
}
