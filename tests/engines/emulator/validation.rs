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

/// One field of one engine: the values it delivers a page with, the values it answers at all
/// (a 200 that may carry the engine's `error`), and the values refused as a format error.
struct FieldRange {
    path: &'static str,
    field: &'static str,
    delivers: Vec<Value>,
    answers: Vec<Value>,
    refuses: Vec<Value>,
}

fn field_range(
    path: &'static str,
    field: &'static str,
    delivers: Vec<Value>,
    refuses: Vec<Value>,
) -> FieldRange {
    FieldRange {
        path,
        field,
        delivers,
        answers: vec![],
        refuses,
    }
}

fn field_ranges() -> Vec<FieldRange> {
    let cookie_shapes = vec![
        json!({"name": "a", "value": "1"}),
        json!([{"name": "a"}]),
        json!([{"value": "1"}]),
        json!([{"name": "", "value": "1"}]),
        json!([{"name": "a", "value": 1}]),
        json!([{"name": "a", "value": "1", "domain": 5}]),
        json!(["a=1"]),
    ];
    vec![
        field_range(
            PROXY,
            "maxTries",
            vec![json!(1), json!(90)],
            vec![json!(0), json!(91), json!(-5), json!(2.5), json!("5")],
        ),
        FieldRange {
            path: PROXY,
            field: "timeout_ms",
            delivers: vec![],
            answers: vec![json!(1), json!(120_000)],
            refuses: vec![json!(0), json!(120_001), json!(-1)],
        },
        field_range(
            PROXY,
            "exitCountries",
            vec![json!(["CZ"]), json!(["DE", "US", "DE"])],
            vec![
                json!([]),
                json!(["cz"]),
                json!(["CZE"]),
                json!(["C"]),
                json!(["C1"]),
                json!("CZ"),
                json!([1]),
            ],
        ),
        field_range(
            PROXY,
            "exitClass",
            vec![json!("standard"), json!("premium")],
            vec![json!("gold"), json!("Premium"), json!(true)],
        ),
        field_range(
            PROXY,
            "ignoreProxies",
            vec![json!(["4DZ3VE", "http://1.2.3.4:8080"])],
            vec![json!("4DZ3VE"), json!([42])],
        ),
        field_range(
            AUTO,
            "timeout_ms",
            vec![json!(5_000), json!(120_000), json!(180_000)],
            vec![json!(4_999), json!(180_001), json!(0), json!("60000")],
        ),
        field_range(
            AUTO,
            "followRedirects",
            vec![json!(0), json!(20)],
            vec![json!(21)],
        ),
        field_range(
            AUTO,
            "returnSession",
            vec![json!(false)],
            vec![json!("false")],
        ),
        field_range(AUTO, "forceProxy", vec![json!(false)], vec![json!("false")]),
        field_range(AUTO, "exitClass", vec![], vec![json!("fast")]),
        field_range(AUTO, "method", vec![], vec![json!(1)]),
        field_range(AUTO, "data", vec![], vec![json!(true)]),
        field_range(AUTO, "ignoreProxies", vec![], vec![json!({"a": 1})]),
        field_range(
            BROWSER,
            "timeout_ms",
            vec![json!(0), json!(120_000)],
            vec![json!(120_001), json!(-1), json!("30000")],
        ),
        field_range(
            BROWSER,
            "checkStatus",
            vec![],
            vec![json!("200"), json!(99)],
        ),
        field_range(BROWSER, "checkText", vec![], vec![json!(["a"])]),
        field_range(BROWSER, "userAgent", vec![], vec![json!(1)]),
        field_range(BROWSER, "unblocker", vec![], vec![json!("no")]),
        field_range(BROWSER, "proxy", vec![], vec![json!("nope nope")]),
        field_range(BROWSER, "cookies", vec![], cookie_shapes),
    ]
}

#[test]
fn proxy_auto_and_browser_fields_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    for range in field_ranges() {
        let with = |value: &Value| {
            let mut body = minimal(range.path, "https://example.com");
            body[range.field] = value.clone();
            body
        };
        for value in &range.delivers {
            ok(&server, range.path, &with(value));
        }
        for value in &range.answers {
            let status = post(&server, range.path, &with(value)).status;
            assert_eq!(status, 200, "{} {} {value}", range.path, range.field);
        }
        for value in &range.refuses {
            assert_invalid(&server, range.path, &with(value));
        }
    }
}

#[test]
fn proxy_checks_its_inner_request_like_single_with_its_own_prefix() {
    let server = MockServer::start();
    let inner = json!({"method": "GET", "url": "https://example.com", "timeout_ms": 120_001});
    let reply = post(&server, PROXY, &json!({ "request": inner }));
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("request.timeout_ms")
    );
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
