//! The single engine, and the proxy engine that rotates a single request through its exits.

use super::*;

#[test]
fn single_success_has_the_documented_shape_and_headers() {
    let server = MockServer::start();
    let reply = post(
        &server,
        SINGLE,
        &get(&json!("https://example.com/page?q=1")),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.credits(), Some("2"));
    assert!(reply.header("x-foura-request-id").is_some());
    assert!(reply.header("x-foura-exit-class").is_none());
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert!(json.get("error").is_none());
    assert!(json["total_time"].is_f64(), "{json}");
    let hops = hops_of(&json, 1);
    assert_eq!(
        hops[0]["result"],
        json!({"version": "HTTP/2", "code": 200, "reason": ""})
    );
    assert_eq!(hops[0]["content-type"], "text/html; charset=utf-8");
    let cookies = hops[0]["set-cookie"].as_array().unwrap();
    assert_eq!(cookies.len(), 2);
    assert!(cookies[0].as_str().unwrap().starts_with("session="));
    let data = json["data"].as_str().unwrap();
    assert!(data.contains("https://example.com/page?q=1"), "{data}");
    assert_eq!(hops[0]["content-length"], data.len().to_string());
    assert!(data.contains("single engine"), "{data}");
}

#[test]
fn single_is_deterministic() {
    let server = MockServer::start();
    let body = get(&json!("https://example.com/a"));
    assert_eq!(ok(&server, SINGLE, &body), ok(&server, SINGLE, &body));
}

#[test]
fn plain_http_targets_answer_over_http_1_1_with_a_reason_phrase() {
    let server = MockServer::start();
    let json = ok(&server, SINGLE, &get(&json!("http://example.com/")));
    assert_eq!(
        json["headers"][0]["result"],
        json!({"version": "HTTP/1.1", "code": 200, "reason": "OK"})
    );
}

#[test]
fn a_status_path_is_a_success_carrying_the_targets_status() {
    let server = MockServer::start();
    for code in [201, 404, 418, 500, 503] {
        let reply = post(
            &server,
            SINGLE,
            &get(&json!(format!("http://example.com/status/{code}"))),
        );
        assert_eq!(reply.status, 200);
        assert_eq!(reply.credits(), Some("2"));
        let json = reply.json();
        assert_eq!(json["status"], code);
        assert!(json.get("error").is_none(), "{json}");
        assert_eq!(json["headers"][0]["result"]["code"], code);
    }
}

#[test]
fn a_redirect_is_one_hop_unless_followed() {
    let server = MockServer::start();
    let body = get(&json!("https://example.com/redirect"));
    let json = ok(&server, SINGLE, &body);
    assert_eq!(json["status"], 301);
    let hops = hops_of(&json, 1);
    assert_eq!(hops[0]["location"], "https://example.com/redirected");
    assert_eq!(json["data"], "");

    let mut body = get(&json!("http://example.com/redirect"));
    body["followRedirects"] = json!(3);
    let json = ok(&server, SINGLE, &body);
    assert_eq!(json["status"], 200);
    let hops = hops_of(&json, 2);
    assert_eq!(
        hops[0]["result"],
        json!({"version": "HTTP/1.1", "code": 301, "reason": "Moved Permanently"})
    );
    assert_eq!(hops[0]["location"], "http://example.com/redirected");
    assert_eq!(hops[1]["result"]["code"], 200);
    assert!(hops[1]["set-cookie"].is_array());
    assert!(
        json["data"]
            .as_str()
            .unwrap()
            .contains("http://example.com/redirected")
    );

    body["followRedirects"] = json!(0);
    assert_eq!(ok(&server, SINGLE, &body)["status"], 301);
}

#[test]
fn try_json_data_parses_a_json_body() {
    let server = MockServer::start();
    let mut body = get(&json!("https://api.example.com/json"));
    let raw = ok(&server, SINGLE, &body);
    let text = raw["data"].as_str().expect("a string without tryJsonData");
    assert!(text.starts_with('{'));
    assert_eq!(
        raw["headers"][0]["content-type"],
        "application/json; charset=utf-8"
    );

    body["tryJsonData"] = json!(true);
    let parsed = ok(&server, SINGLE, &body);
    assert_eq!(parsed["data"]["ok"], true);
    assert_eq!(parsed["data"]["url"], "https://api.example.com/json");
    assert_eq!(parsed["data"]["items"], json!([1, 2, 3]));

    // An HTML page stays a string.
    body["url"] = json!("https://example.com/");
    assert!(ok(&server, SINGLE, &body)["data"].is_string());
}

#[test]
fn return_buffer_sends_the_body_as_node_buffer_json() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/json"));
    let text = ok(&server, SINGLE, &body)["data"]
        .as_str()
        .unwrap()
        .to_owned();
    body["returnBuffer"] = json!(true);
    body["tryJsonData"] = json!(true);
    let json = ok(&server, SINGLE, &body);
    assert_eq!(json["data"]["type"], "Buffer");
    let bytes: Vec<u8> = json["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    assert_eq!(bytes, text.as_bytes());
}

#[test]
fn head_requests_get_no_body() {
    let server = MockServer::start();
    let head = json!({"method": "HEAD", "url": "https://example.com/"});
    let json = ok(&server, SINGLE, &head);
    assert_eq!(json["status"], 200);
    assert_eq!(json["data"], "");
}

#[test]
fn the_ts_placeholder_becomes_the_unix_time() {
    let server = MockServer::start();
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let json = ok(
        &server,
        SINGLE,
        &get(&json!("https://example.com/?cb={ts}")),
    );
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let data = json["data"].as_str().unwrap();
    assert!(!data.contains("{ts}"), "{data}");
    let ts: u64 = data
        .split("?cb=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    assert!((before..=after).contains(&ts), "{ts}");
    // What the client sent is recorded as sent.
    assert!(server.last_request().unwrap().body_text().contains("{ts}"));
}

#[test]
fn single_timeout_has_the_documented_body() {
    let server = MockServer::start();
    let reply = post(&server, SINGLE, &get(&json!("https://timeout.test/")));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.credits(),
        Some("2"),
        "credits are reported on a failure too"
    );
    assert_eq!(
        reply.json(),
        json!({"status": 0, "headers": [], "data": "", "total_time": 0,
               "error": "Operation timed out after 15000 milliseconds with 0 bytes received"})
    );
    let mut body = get(&json!("https://timeout.test/"));
    body["timeout_ms"] = json!(5000);
    assert_eq!(
        post(&server, SINGLE, &body).json()["error"],
        "Operation timed out after 5000 milliseconds with 0 bytes received"
    );
}

#[test]
fn single_unresolvable_host_has_the_documented_body() {
    let server = MockServer::start();
    for url in ["https://nowhere.invalid/", "http://a.b.invalid/x"] {
        let reply = post(&server, SINGLE, &get(&json!(url)));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.credits(), Some("2"));
        assert_eq!(
            reply.json(),
            json!({"status": 0, "headers": [], "data": "", "total_time": null,
                   "error": "Couldn't resolve host name"})
        );
    }
}

#[test]
fn single_broken_download_has_the_documented_body() {
    let server = MockServer::start();
    let reply = post(&server, SINGLE, &get(&json!("https://failed.test/")));
    assert_eq!(
        reply.json(),
        json!({"error": "Download failed", "status": 0})
    );
}

#[test]
fn single_on_a_bot_check_is_a_403_success_with_defense() {
    let server = MockServer::start();
    let json = ok(&server, SINGLE, &get(&json!("https://blocked.test/")));
    assert_eq!(json["status"], 403);
    assert_eq!(
        json["defense"],
        json!({"solved": false, "vendor": "cloudflare"})
    );
    assert_eq!(json["headers"][0]["server"], "cloudflare");
    assert!(json["data"].as_str().unwrap().contains("Just a moment"));
    // Ordinary pages have no defense.
    assert!(
        ok(&server, SINGLE, &get(&json!("https://example.com/")))
            .get("defense")
            .is_none()
    );
}

#[test]
fn validate_status_rules_decide_single() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/status/404"));
    body["validate"] = json!({"status": {"accept": [200]}});
    let reply = post(&server, SINGLE, &body);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("2"));
    let json = reply.json();
    assert_eq!(json["status"], 404);
    assert_eq!(
        json["error"],
        "Response status 404 rejected by validate.status"
    );
    assert!(json["headers"].is_array());

    body["validate"] = json!({"status": {"accept": [200, 404]}});
    assert_eq!(ok(&server, SINGLE, &body)["status"], 404);

    body["url"] = json!("https://example.com/status/503");
    body["validate"] = json!({"status": {"fail": [503]}});
    assert!(post(&server, SINGLE, &body).json()["error"].is_string());
}

#[test]
fn validate_data_rules_decide_single() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/shop"));
    body["validate"] = json!({"data": {"accept": ["example.com/shop", "single engine"]}});
    ok(&server, SINGLE, &body);

    body["validate"] = json!({"data": {"accept": ["Add to cart"]}});
    let json = post(&server, SINGLE, &body).json();
    assert_eq!(json["error"], "Response body rejected by validate.data");
    assert_eq!(json["status"], 200);

    body["validate"] = json!({"data": {"accept": ["EXAMPLE.COM/SHOP"]}});
    assert!(
        post(&server, SINGLE, &body).json()["error"].is_string(),
        "case-sensitive"
    );

    body["url"] = json!("https://blocked.test/");
    body["validate"] = json!({"data": {"fail": ["captcha"]}});
    assert!(post(&server, SINGLE, &body).json()["error"].is_string());
}

#[test]
fn validate_header_rules_decide_single() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/json"));
    body["validate"] = json!({"headers": {"accept": {"Content-Type": "JSON"}}});
    ok(&server, SINGLE, &body);

    body["validate"] = json!({"headers": {"accept": {"content-type": "xml"}}});
    assert_eq!(
        post(&server, SINGLE, &body).json()["error"],
        "Response headers rejected by validate.headers"
    );

    body["url"] = json!("https://blocked.test/");
    body["validate"] = json!({"headers": {"fail": {"server": "cloudflare"}}});
    assert!(post(&server, SINGLE, &body).json()["error"].is_string());
}

#[test]
fn profile_selection_follows_the_catalogue() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/"));
    body["unblocker"] = json!(true);
    body["profile"] = json!("safari-18.4-ios");
    ok(&server, SINGLE, &body);

    let mut body = get(&json!("https://example.com/"));
    body["browser"] = json!("Firefox");
    body["os"] = json!("macOS");
    ok(&server, SINGLE, &body);

    let mut body = get(&json!("https://example.com/"));
    body["unblocker"] = json!(true);
    body["browser"] = json!("Safari");
    body["os"] = json!("Windows 10");
    let reply = post(&server, SINGLE, &body);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"status": 0, "headers": [], "data": "", "total_time": null,
               "error": "no profile matches browser=Safari os=Windows 10 version=*; available for that browser: macOS Tahoe 26.0, iOS 18.4"})
    );

    body["unblocker"] = json!(false);
    body["os"] = json!("macOS");
    assert_eq!(
        post(&server, SINGLE, &body).json()["error"],
        "browser profile selection requires unblocker:true"
    );

    let mut body = get(&json!("https://example.com/"));
    body["profile"] = json!("netscape-4");
    let error = post(&server, SINGLE, &body).json()["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.starts_with("no profile matches profile=netscape-4"),
        "{error}"
    );
}

#[test]
fn replaying_a_premium_exit_through_single_reports_the_exit_class() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/"));
    body["proxy"] = json!("P1B2C3");
    let reply = post(&server, SINGLE, &body);
    assert_eq!(reply.header("x-foura-exit-class"), Some("premium"));
    // The body names the class on proxy alone.
    assert!(reply.json().get("exitClass").is_none());

    for proxy in [
        "4DZ3VE",
        "http://user:pass@10.0.0.1:8080",
        "socks5://proxy.example:1080",
    ] {
        body["proxy"] = json!(proxy);
        let reply = post(&server, SINGLE, &body);
        assert_eq!(reply.status, 200, "{proxy}");
        assert!(reply.header("x-foura-exit-class").is_none());
        assert!(reply.json().get("exitClass").is_none());
    }
}

#[test]
fn proxy_success_has_the_documented_shape_with_a_string_total_time() {
    let server = MockServer::start();
    let reply = post(&server, PROXY, &minimal(PROXY, "https://example.com/"));
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
    let server = MockServer::start();
    let reply = post(&server, PROXY, &minimal(PROXY, "https://blocked.test/"));
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
    let server = MockServer::start();
    let body = json!({
        "request": {"method": "GET", "url": "https://example.com/",
                    "validate": {"data": {"accept": ["Add to cart"]}}},
        "maxTries": 25,
    });
    let json = post(&server, PROXY, &body).json();
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
    let server = MockServer::start();
    let body = minimal(PROXY, "https://blocked.test/?t={ts}");
    let json = post(&server, PROXY, &body).json();
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
