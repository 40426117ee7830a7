//! What the emulator refuses as an invalid body, and what it accepts at the edges.

use super::*;

#[test]
fn the_body_must_be_a_json_object_sent_as_json() {
    let server = MockServer::start();
    let key = ("X-API-Key", MockServer::ENGINE_KEY);
    let json_type = ("Content-Type", "application/json");
    let valid = minimal(SINGLE, "https://example.com").to_string();
    for (headers, body) in [
        (vec![key], valid.as_str()),
        (vec![key, ("Content-Type", "text/plain")], valid.as_str()),
        (vec![key, json_type], "{not json"),
        (vec![key, json_type], "[1,2]"),
        (vec![key, json_type], "\"x\""),
        (vec![key, json_type], ""),
    ] {
        let reply = send(&server, "POST", SINGLE, &headers, body.as_bytes());
        assert_eq!(reply.status, 400, "{headers:?} {body}");
        assert_eq!(reply.json()["error"], "Invalid request body format");
    }
    let reply = send(
        &server,
        "POST",
        SINGLE,
        &[key, ("Content-Type", "application/json; charset=utf-8")],
        valid.as_bytes(),
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn required_fields_are_required() {
    let server = MockServer::start();
    #[rustfmt::skip]
    let refused = [
        (SINGLE, json!({"url": "https://example.com"})),
        (SINGLE, json!({"method": "GET"})),
        (SINGLE, json!({"method": "", "url": "https://example.com"})),
        (SINGLE, json!({"method": "G ET", "url": "https://example.com"})),
        (PROXY, json!({"maxTries": 5})),
        (PROXY, json!({"request": "https://example.com"})),
        (PROXY, json!({"request": {"url": "https://example.com"}})),
        (BROWSER, json!({})),
        (AUTO, json!({"method": "GET"})),
    ];
    for (path, body) in refused {
        assert_invalid(&server, path, &body);
    }
    // Any token is a method.
    ok(
        &server,
        SINGLE,
        &json!({"method": "PROPFIND", "url": "https://example.com"}),
    );
}

#[test]
fn unknown_fields_are_refused_everywhere() {
    let server = MockServer::start();
    for (path, mut body) in [
        (SINGLE, minimal(SINGLE, "https://example.com")),
        (PROXY, minimal(PROXY, "https://example.com")),
        (BROWSER, minimal(BROWSER, "https://example.com")),
        (AUTO, minimal(AUTO, "https://example.com")),
    ] {
        body["offload_large"] = json!(true);
        assert_invalid(&server, path, &body);
    }
    // Fields of other engines are unknown too.
    #[rustfmt::skip]
    let refused = [
        (BROWSER, json!({"url": "https://example.com", "method": "GET"})),
        (BROWSER, json!({"url": "https://example.com", "waitFor": "#x"})),
        (AUTO, json!({"url": "https://example.com", "maxTries": 3})),
        (AUTO, json!({"url": "https://example.com", "profile": "chrome-147-windows"})),
    ];
    for (path, body) in refused {
        assert_invalid(&server, path, &body);
    }
    // Proxy's inner request has no `proxy`.
    assert_invalid(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com", "proxy": "4DZ3VE"}}),
    );
    // null is not "absent".
    assert_invalid(
        &server,
        SINGLE,
        &json!({"method": "GET", "url": "https://example.com", "timeout_ms": null}),
    );
}

#[test]
fn single_numeric_ranges_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    for (field, max) in [
        ("timeout_ms", 120_000),
        ("connect_timeout_ms", 120_000),
        ("accept_timeout_ms", 120_000),
        ("server_response_timeout_ms", 120_000),
        ("dns_cache_timeout_sec", 240),
        ("followRedirects", 20),
    ] {
        for good in [0, max] {
            let mut body = minimal(SINGLE, "https://example.com");
            body[field] = json!(good);
            ok(&server, SINGLE, &body);
        }
        for bad in [
            json!(max + 1),
            json!(-1),
            json!(1.5),
            json!("10"),
            json!(true),
        ] {
            let mut body = minimal(SINGLE, "https://example.com");
            body[field] = bad.clone();
            assert_invalid(&server, SINGLE, &body);
        }
    }
}

#[test]
fn single_field_types_are_enforced() {
    let server = MockServer::start();
    for (field, bad) in [
        ("unblocker", json!("true")),
        ("tryJsonData", json!(1)),
        ("returnBuffer", json!("yes")),
        ("profile", json!(147)),
        ("browser", json!(["Chrome"])),
        ("data", json!([1, 2])),
        ("data", json!(42)),
        ("proxy", json!("not a proxy")),
        ("proxy", json!("ftp://host:21")),
        ("proxy", json!("http://host:notaport")),
        ("validate", json!([])),
    ] {
        let mut body = minimal(SINGLE, "https://example.com");
        body[field] = bad;
        assert_invalid(&server, SINGLE, &body);
    }
    for data in [json!("a=1&b=2"), json!({"a": 1})] {
        let mut body = json!({"method": "POST", "url": "https://example.com"});
        body["data"] = data;
        ok(&server, SINGLE, &body);
    }
}

#[test]
fn request_headers_must_be_string_pairs_except_on_browser() {
    let server = MockServer::start();
    let good = json!([
        ["Accept", "application/json"],
        ["Cookie", "a=1; b=2"],
        ["Cookie", "c=3"]
    ]);
    for path in [SINGLE, AUTO, PROXY] {
        ok(&server, path, &with_headers(path, &good));
    }
    for bad in [
        json!({"Accept": "text/html"}),
        json!([["Accept"]]),
        json!([["Accept", "a", "b"]]),
        json!([["Accept", 1]]),
        json!(["Accept: text/html"]),
        json!([["", "x"]]),
        json!([["X-Evil", "a\r\nInjected: 1"]]),
        json!("Accept: text/html"),
    ] {
        for path in [SINGLE, AUTO, PROXY] {
            assert_invalid(&server, path, &with_headers(path, &bad));
        }
    }

    let referer = json!({"Referer": "https://google.com/"});
    ok(&server, BROWSER, &with_headers(BROWSER, &referer));
    for bad in [
        json!([["Referer", "https://google.com/"]]),
        json!({"X-Count": 1}),
        json!("Referer: x"),
    ] {
        assert_invalid(&server, BROWSER, &with_headers(BROWSER, &bad));
    }
}

/// The smallest body for `path` with `headers` as its `headers` (the inner request's, on the
/// proxy engine).
fn with_headers(path: &str, headers: &Value) -> Value {
    let mut body = minimal(path, "https://example.com");
    let target = if path == PROXY {
        &mut body["request"]
    } else {
        &mut body
    };
    target["headers"] = headers.clone();
    body
}

#[test]
fn urls_must_be_absolute_http_or_https() {
    let server = MockServer::start();
    for bad in [
        "example.com",
        "/relative",
        "ftp://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "https:///path",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "https://example.com:port/",
        "https://[::1/",
        "https://2130706433/",
        "https://0x7f.0.0.1/",
        "",
    ] {
        for path in [SINGLE, PROXY, BROWSER, AUTO] {
            assert_invalid(&server, path, &minimal(path, bad));
        }
    }
    for good in [
        "HTTPS://Example.COM",
        "https://example.com:8443/a/b?c=d#e",
        "http://user:pass@example.com/",
        "https://1.1.1.1/",
        "https://[2606:4700:4700::1111]/",
    ] {
        ok(&server, SINGLE, &minimal(SINGLE, good));
    }
    assert_invalid(&server, SINGLE, &json!({"method": "GET", "url": 42}));
}

#[test]
fn private_and_reserved_targets_are_refused_with_the_ssrf_body() {
    let server = MockServer::start();
    for (url, ip) in [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://127.8.9.10:8080/x", "127.8.9.10"),
        ("https://10.1.2.3/", "10.1.2.3"),
        ("https://172.16.0.1/", "172.16.0.1"),
        ("https://192.168.1.1/", "192.168.1.1"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254",
        ),
        ("https://100.64.0.1/", "100.64.0.1"),
        ("https://0.0.0.0/", "0.0.0.0"),
        ("https://198.18.0.1/", "198.18.0.1"),
        ("https://224.0.0.1/", "224.0.0.1"),
        ("https://255.255.255.255/", "255.255.255.255"),
        ("https://[::1]/", "::1"),
        ("https://[::]/", "::"),
        ("https://[fd00::1]/", "fd00::1"),
        ("https://[fe80::1]/", "fe80::1"),
        ("https://[2001:db8::1]/", "2001:db8::1"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("https://[::127.0.0.1]/", "::7f00:1"),
        ("https://[64:ff9b::10.0.0.1]/", "64:ff9b::a00:1"),
        ("https://[ff02::1]/", "ff02::1"),
        ("http://localhost:8080/", "127.0.0.1"),
        ("http://api.localhost/", "127.0.0.1"),
    ] {
        for path in [SINGLE, PROXY, BROWSER, AUTO] {
            let reply = post(&server, path, &minimal(path, url));
            assert_eq!(reply.status, 400, "{path} {url}");
            assert_eq!(
                reply.json(),
                json!({"error": format!("Target {ip} resolves to a private/reserved IP")}),
                "{path} {url}"
            );
            assert!(reply.credits().is_none());
        }
    }
    // Just outside the ranges.
    for url in [
        "https://[64:ff9b::808:808]/",
        "https://[2001:4860::8888]/",
        "https://172.32.0.1/",
        "https://100.128.0.1/",
        "https://192.169.0.1/",
        "https://8.8.8.8/",
    ] {
        ok(&server, SINGLE, &minimal(SINGLE, url));
    }
}

#[test]
fn a_format_error_is_reported_before_the_ssrf_check() {
    let server = MockServer::start();
    let mut body = minimal(SINGLE, "http://127.0.0.1/");
    body["timeout_ms"] = json!(999_999);
    assert_invalid(&server, SINGLE, &body);
}

#[test]
fn proxy_ranges_and_types_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    let with = |field: &str, value: Value| {
        let mut body = minimal(PROXY, "https://example.com");
        body[field] = value;
        body
    };
    for good in [json!(1), json!(90)] {
        ok(&server, PROXY, &with("maxTries", good));
    }
    for bad in [json!(0), json!(91), json!(-5), json!(2.5), json!("5")] {
        assert_invalid(&server, PROXY, &with("maxTries", bad));
    }
    for good in [json!(1), json!(120_000)] {
        assert_eq!(post(&server, PROXY, &with("timeout_ms", good)).status, 200);
    }
    for bad in [json!(0), json!(120_001), json!(-1)] {
        assert_invalid(&server, PROXY, &with("timeout_ms", bad));
    }
    for good in [json!(["CZ"]), json!(["DE", "US", "DE"])] {
        ok(&server, PROXY, &with("exitCountries", good));
    }
    for bad in [
        json!([]),
        json!(["cz"]),
        json!(["CZE"]),
        json!(["C"]),
        json!(["C1"]),
        json!("CZ"),
        json!([1]),
    ] {
        assert_invalid(&server, PROXY, &with("exitCountries", bad));
    }
    for good in ["standard", "premium"] {
        ok(&server, PROXY, &with("exitClass", json!(good)));
    }
    for bad in [json!("gold"), json!("Premium"), json!(true)] {
        assert_invalid(&server, PROXY, &with("exitClass", bad));
    }
    ok(
        &server,
        PROXY,
        &with("ignoreProxies", json!(["4DZ3VE", "http://1.2.3.4:8080"])),
    );
    assert_invalid(&server, PROXY, &with("ignoreProxies", json!("4DZ3VE")));
    assert_invalid(&server, PROXY, &with("ignoreProxies", json!([42])));
    // The inner request is checked like single's, with its own prefix in the detail.
    let reply = post(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com", "timeout_ms": 120_001}}),
    );
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("request.timeout_ms")
    );
}

#[test]
fn auto_ranges_and_types_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    let with = |field: &str, value: Value| {
        let mut body = minimal(AUTO, "https://example.com");
        body[field] = value;
        body
    };
    for good in [5_000, 120_000, 180_000] {
        ok(&server, AUTO, &with("timeout_ms", json!(good)));
    }
    for bad in [json!(4_999), json!(180_001), json!(0), json!("60000")] {
        assert_invalid(&server, AUTO, &with("timeout_ms", bad));
    }
    for good in [0, 20] {
        ok(&server, AUTO, &with("followRedirects", json!(good)));
    }
    assert_invalid(&server, AUTO, &with("followRedirects", json!(21)));
    for field in ["returnSession", "forceProxy"] {
        ok(&server, AUTO, &with(field, json!(false)));
        assert_invalid(&server, AUTO, &with(field, json!("false")));
    }
    assert_invalid(&server, AUTO, &with("exitClass", json!("fast")));
    assert_invalid(&server, AUTO, &with("method", json!(1)));
    assert_invalid(&server, AUTO, &with("data", json!(true)));
    assert_invalid(&server, AUTO, &with("ignoreProxies", json!({"a": 1})));
}

#[test]
fn browser_ranges_and_types_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    let with = |field: &str, value: Value| {
        let mut body = minimal(BROWSER, "https://example.com");
        body[field] = value;
        body
    };
    for good in [0, 120_000] {
        ok(&server, BROWSER, &with("timeout_ms", json!(good)));
    }
    for bad in [json!(120_001), json!(-1), json!("30000")] {
        assert_invalid(&server, BROWSER, &with("timeout_ms", bad));
    }
    assert_invalid(&server, BROWSER, &with("checkStatus", json!("200")));
    assert_invalid(&server, BROWSER, &with("checkStatus", json!(99)));
    assert_invalid(&server, BROWSER, &with("checkText", json!(["a"])));
    assert_invalid(&server, BROWSER, &with("userAgent", json!(1)));
    assert_invalid(&server, BROWSER, &with("unblocker", json!("no")));
    assert_invalid(&server, BROWSER, &with("proxy", json!("nope nope")));
    for bad in [
        json!({"name": "a", "value": "1"}),
        json!([{"name": "a"}]),
        json!([{"value": "1"}]),
        json!([{"name": "", "value": "1"}]),
        json!([{"name": "a", "value": 1}]),
        json!([{"name": "a", "value": "1", "domain": 5}]),
        json!(["a=1"]),
    ] {
        assert_invalid(&server, BROWSER, &with("cookies", bad));
    }
}

#[test]
fn validate_objects_are_checked() {
    let server = MockServer::start();
    for bad in [
        json!({"body": {"accept": ["x"]}}),
        json!({"status": {"accept": ["200"]}}),
        json!({"status": {"maybe": [200]}}),
        json!({"status": [200]}),
        json!({"headers": {"accept": [["content-type", "json"]]}}),
        json!({"headers": {"accept": {"content-type": 1}}}),
        json!({"data": {"accept": "Add to cart"}}),
        json!({"data": {"fail": [1]}}),
    ] {
        let mut body = minimal(SINGLE, "https://example.com");
        body["validate"] = bad.clone();
        assert_invalid(&server, SINGLE, &body);
        let mut body = minimal(AUTO, "https://example.com");
        body["validate"] = bad;
        assert_invalid(&server, AUTO, &body);
    }
    let mut body = minimal(SINGLE, "https://example.com");
    body["validate"] = json!({
        "status": {"accept": [200, 403], "fail": [503]},
        "headers": {"accept": {"content-type": "html"}, "fail": {"server": "cloudflare"}},
        "data": {"accept": ["example.com"], "fail": ["captcha"]},
    });
    ok(&server, SINGLE, &body);
}

#[test]
fn hostile_bodies_get_an_answer_and_leave_the_server_up() {
    let server = MockServer::start();
    let deep = "[".repeat(100_000);
    let huge = format!(
        "{{\"method\":\"GET\",\"url\":\"https://example.com/{}\"}}",
        "a".repeat(20_000)
    );
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        huge.into_bytes(),
        b"{\"method\":\"GET\",\"url\":\"https://example.com\",\"timeout_ms\":1e400}".to_vec(),
        b"{\"method\":\"GET\",\"url\":\"https://example.com\",\"followRedirects\":18446744073709551616}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        b"{\"url\":\"https://\xe2\x82\xac.example/\",\"method\":\"GET\"}".to_vec(),
        b"{\"url\":\"https://example.com/{ts}{ts}{ts}\",\"method\":\"GET\",\"validate\":{\"data\":{\"accept\":[\"\"]}}}".to_vec(),
    ];
    for path in [SINGLE, PROXY, BROWSER, AUTO] {
        for body in &bodies {
            let reply = post_bytes(&server, path, body);
            assert!(
                reply.status == 200 || reply.status == 400,
                "{path} {}",
                reply.status
            );
        }
    }
    ok(&server, SINGLE, &minimal(SINGLE, "https://example.com"));
}
