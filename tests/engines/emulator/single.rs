//! The single engine.

use super::*;

#[test]
fn single_success_has_the_documented_shape_and_headers() {
    let reply = post_fresh(SINGLE, &get(&json!("https://example.com/page?q=1")));
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
    let reply = post_fresh(SINGLE, &get(&json!("https://failed.test/")));
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
