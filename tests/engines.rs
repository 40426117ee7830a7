//! The engine API over loopback: wire bodies, auth, the failure model, and tolerant decoding.

use std::time::Duration;

use foura::mock::{Fault, MockServer};
use foura::{
    ApiKey, AutoRequest, BrowserRequest, Client, Content, Cookie, ErrorKind, ExitClass,
    ProxyRequest, Rung, SingleRequest, Validate,
};
use serde_json::{Value, json};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .timeout(Duration::from_secs(10))
        .max_retries(0) // one answer, one mapping: retries are tests/faults.rs's subject
        .build()
        .unwrap()
}

fn sent(server: &MockServer) -> Value {
    server.last_request().unwrap().body_json().unwrap()
}

const PAGE: &str = r#"{"status":200,"headers":[{"result":{"version":"HTTP/2","code":200,"reason":""},"content-type":"text/html"}],"data":"<html>ok</html>","total_time":0.034}"#;

// ---- requests on the wire ----

#[test]
fn single_sends_x_api_key_and_the_minimal_body_with_explicit_unblocker() {
    let server = MockServer::start();
    server.push_fault(Fault::status(200, PAGE));
    client(&server)
        .single(&SingleRequest::get("https://example.com/"))
        .unwrap();
    let r = server.last_request().unwrap();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/single/")
    );
    assert_eq!(r.header("x-api-key"), Some(MockServer::ENGINE_KEY));
    assert_eq!(
        r.header("authorization"),
        None,
        "engines never get the Bearer header"
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        sent(&server),
        json!({"method": "GET", "url": "https://example.com/", "unblocker": true})
    );
}

#[test]
fn single_sends_every_field_under_its_documented_name() {
    let server = MockServer::start();
    server.push_fault(Fault::status(200, PAGE));
    let request = SingleRequest::new("POST", "https://example.com/api?t={ts}")
        .header("Accept", "application/json")
        .header("Cookie", "a=1")
        .header("Cookie", "b=2")
        .unblocker(true)
        .browser("Firefox")
        .os("Windows")
        .version("147")
        .profile("firefox-147-windows")
        .json_body(json!({"q": 1}))
        .proxy("4DZ3VE")
        .timeout(Duration::from_secs(20))
        .connect_timeout(Duration::from_secs(5))
        .accept_timeout(Duration::from_millis(2500))
        .server_response_timeout(Duration::from_secs(10))
        .dns_cache_timeout(Duration::from_secs(60))
        .follow_redirects(3)
        .try_json_data(true)
        .return_buffer(false)
        .validate(
            Validate::new()
                .status_accept([200, 403])
                .status_fail([503])
                .header_accept("content-type", "json")
                .header_fail("server", "cloudflare")
                .data_accept("Add to cart")
                .data_fail("captcha"),
        );
    client(&server).single(&request).unwrap();
    assert_eq!(
        sent(&server),
        json!({
            "method": "POST", "url": "https://example.com/api?t={ts}",
            "headers": [["Accept", "application/json"], ["Cookie", "a=1"], ["Cookie", "b=2"]],
            "unblocker": true, "browser": "Firefox", "os": "Windows", "version": "147",
            "profile": "firefox-147-windows", "data": {"q": 1}, "proxy": "4DZ3VE",
            "timeout_ms": 20000, "connect_timeout_ms": 5000, "accept_timeout_ms": 2500,
            "server_response_timeout_ms": 10000, "dns_cache_timeout_sec": 60,
            "followRedirects": 3, "tryJsonData": true, "returnBuffer": false,
            "validate": {
                "status": {"accept": [200, 403], "fail": [503]},
                "headers": {"accept": {"content-type": "json"}, "fail": {"server": "cloudflare"}},
                "data": {"accept": ["Add to cart"], "fail": ["captcha"]}
            }
        })
    );
}

#[test]
fn unblocker_false_is_sent_too() {
    let server = MockServer::start();
    server.push_fault(Fault::status(200, PAGE));
    client(&server)
        .single(&SingleRequest::get("https://example.com/").unblocker(false))
        .unwrap();
    assert_eq!(sent(&server)["unblocker"], false);
}

#[test]
fn proxy_wraps_the_inner_request_and_normalises_countries() {
    let server = MockServer::start();
    server.push_fault(Fault::status(200, PAGE));
    let request = ProxyRequest::new(
        SingleRequest::get("https://example.com/").timeout(Duration::from_secs(10)),
    )
    .max_tries(25)
    .timeout(Duration::from_secs(90))
    .exit_countries([" de", "FR", "De"])
    .ignore_proxies(["A1B2C3"])
    .exit_class(ExitClass::Premium);
    client(&server).proxy(&request).unwrap();
    assert_eq!(server.last_request().unwrap().path, "/api/proxy/");
    assert_eq!(
        sent(&server),
        json!({
            "request": {"method": "GET", "url": "https://example.com/", "unblocker": true, "timeout_ms": 10000},
            "maxTries": 25, "timeout_ms": 90000, "exitCountries": ["DE", "FR"],
            "ignoreProxies": ["A1B2C3"], "exitClass": "premium"
        })
    );
}

#[test]
fn browser_sends_headers_as_an_object() {
    let server = MockServer::start();
    server.push_fault(Fault::status(
        200,
        r#"{"status":200,"headers":{},"body":"<html></html>"}"#,
    ));
    let request = BrowserRequest::new("https://example.com/")
        .header("Referer", "https://google.com/")
        .cookie(Cookie::new("session", "abc").domain("example.com"))
        .user_agent("Mozilla/5.0 test")
        .proxy("4DZ3VE")
        .timeout(Duration::from_secs(40))
        .check_status(200)
        .check_text("Add to cart");
    client(&server).browser(&request).unwrap();
    assert_eq!(server.last_request().unwrap().path, "/api/browser/");
    assert_eq!(
        sent(&server),
        json!({
            "url": "https://example.com/", "headers": {"Referer": "https://google.com/"},
            "cookies": [{"name": "session", "value": "abc", "domain": "example.com"}],
            "userAgent": "Mozilla/5.0 test", "proxy": "4DZ3VE", "timeout_ms": 40000,
            "checkStatus": 200, "checkText": "Add to cart", "unblocker": true
        })
    );
}

#[test]
fn auto_goes_to_api_auto_by_default_and_to_a_configured_path() {
    let server = MockServer::start();
    let body = r#"{"status":200,"headers":[],"data":"ok","meta":{"rung":"probe","solved":false,"attempts":1,"credits":2}}"#;
    server.push_fault(Fault::status(200, body));
    let request = AutoRequest::new("https://example.com/")
        .validate(Validate::new().data_accept("Add to cart"))
        .return_session(false)
        .force_proxy(false)
        .timeout(Duration::from_secs(60))
        .follow_redirects(0)
        .method("GET")
        .header("Accept", "text/html")
        .exit_class(ExitClass::Standard);
    client(&server).auto(&request).unwrap();
    assert_eq!(server.last_request().unwrap().path, "/api/auto");
    assert_eq!(
        sent(&server),
        json!({
            "url": "https://example.com/", "method": "GET", "headers": [["Accept", "text/html"]],
            "validate": {"data": {"accept": ["Add to cart"]}}, "returnSession": false,
            "forceProxy": false, "timeout_ms": 60000, "followRedirects": 0, "exitClass": "standard"
        })
    );

    let slash = Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(format!("{}/api", server.url()))
        .auto_path("/api/auto/")
        .proxy(None)
        .build()
        .unwrap();
    server.push_fault(Fault::status(200, body));
    slash
        .auto(&AutoRequest::new("https://example.com/"))
        .unwrap();
    assert_eq!(server.last_request().unwrap().path, "/api/auto/");
}

#[test]
fn invalid_engine_requests_send_nothing_and_name_the_field() {
    let server = MockServer::start();
    let c = client(&server);
    let single = |r: SingleRequest| c.single(&r).unwrap_err();
    let cases = vec![
        (single(SingleRequest::get("example.com")), "url"),
        (single(SingleRequest::new("", "https://e.com")), "method"),
        (
            single(SingleRequest::get("https://e.com").timeout(Duration::from_millis(120_001))),
            "timeout_ms",
        ),
        (
            single(SingleRequest::get("https://e.com").timeout(Duration::ZERO)),
            "timeout_ms",
        ),
        (
            single(SingleRequest::get("https://e.com").connect_timeout(Duration::from_secs(121))),
            "connect_timeout_ms",
        ),
        (
            single(SingleRequest::get("https://e.com").follow_redirects(21)),
            "followRedirects",
        ),
        (
            single(SingleRequest::get("https://e.com").dns_cache_timeout(Duration::from_secs(241))),
            "dns_cache_timeout_sec",
        ),
        (
            single(
                SingleRequest::get("https://e.com")
                    .browser("Safari")
                    .unblocker(false),
            ),
            "unblocker",
        ),
        (
            single(
                SingleRequest::get("https://e.com").validate(Validate::new().status_accept([42])),
            ),
            "validate",
        ),
        (
            single(SingleRequest::get("https://e.com").header("Bad Header", "x")),
            "headers",
        ),
        (
            c.proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")).max_tries(0))
                .unwrap_err(),
            "maxTries",
        ),
        (
            c.proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")).max_tries(91))
                .unwrap_err(),
            "maxTries",
        ),
        (
            c.proxy(
                &ProxyRequest::new(SingleRequest::get("https://e.com")).exit_countries(["DEU"]),
            )
            .unwrap_err(),
            "exitCountries",
        ),
        (
            c.proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")).exit_countries([""]))
                .unwrap_err(),
            "exitCountries",
        ),
        (
            c.proxy(
                &ProxyRequest::new(SingleRequest::get("https://e.com"))
                    .exit_countries(Vec::<String>::new()),
            )
            .unwrap_err(),
            "exitCountries",
        ),
        (
            c.proxy(&ProxyRequest::new(
                SingleRequest::get("https://e.com").proxy("4DZ3VE"),
            ))
            .unwrap_err(),
            "request.proxy",
        ),
        (
            c.proxy(&ProxyRequest::new(SingleRequest::get("ftp://e.com")))
                .unwrap_err(),
            "request.url",
        ),
        (
            c.proxy(
                &ProxyRequest::new(SingleRequest::get("https://e.com"))
                    .timeout(Duration::from_secs(121)),
            )
            .unwrap_err(),
            "timeout_ms",
        ),
        (
            c.auto(&AutoRequest::new("https://e.com").timeout(Duration::from_millis(4_999)))
                .unwrap_err(),
            "timeout_ms",
        ),
        (
            c.auto(&AutoRequest::new("https://e.com").timeout(Duration::from_millis(180_001)))
                .unwrap_err(),
            "timeout_ms",
        ),
        (
            c.auto(&AutoRequest::new("https://e.com").follow_redirects(21))
                .unwrap_err(),
            "followRedirects",
        ),
        (
            c.browser(&BrowserRequest::new("https://e.com").timeout(Duration::from_secs(121)))
                .unwrap_err(),
            "timeout_ms",
        ),
        (
            c.browser(&BrowserRequest::new("https://e.com").check_status(42))
                .unwrap_err(),
            "checkStatus",
        ),
        (
            c.browser(&BrowserRequest::new("https://e.com").cookie(Cookie::new("", "v")))
                .unwrap_err(),
            "cookies",
        ),
    ];
    for (err, field) in cases {
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{field}: {err}");
        assert!(
            err.to_string().contains(&format!("`{field}`")),
            "{err} should name {field}"
        );
    }
    // The documented boundaries themselves are accepted.
    for fault in 0..6 {
        let _ = fault;
        server.push_fault(Fault::status(200, PAGE));
    }
    c.single(
        &SingleRequest::get("https://e.com")
            .timeout(Duration::from_millis(120_000))
            .follow_redirects(20),
    )
    .unwrap();
    c.proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")).max_tries(1))
        .unwrap();
    c.proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")).max_tries(90))
        .unwrap();
    c.auto(&AutoRequest::new("https://e.com").timeout(Duration::from_millis(5_000)))
        .unwrap();
    c.auto(&AutoRequest::new("https://e.com").timeout(Duration::from_millis(180_000)))
        .unwrap();
    assert_eq!(
        server.request_count(),
        5,
        "only the valid requests reached the server"
    );
}

// ---- responses: tolerant decoding (foura-api.md §6) ----

#[test]
fn total_time_as_number_string_or_null() {
    let server = MockServer::start();
    let c = client(&server);
    for (total_time, expected) in [
        (json!(0.034), Some(0.034)),
        (json!("0.341"), Some(0.341)),
        (Value::Null, None),
    ] {
        server.push_fault(Fault::json(
            200,
            &json!({"status": 200, "headers": [], "data": "x", "total_time": total_time}),
        ));
        assert_eq!(
            c.single(&SingleRequest::get("https://e.com"))
                .unwrap()
                .total_time,
            expected
        );
    }
}

#[test]
fn proxy_results_flat_or_nested_under_data() {
    let server = MockServer::start();
    let c = client(&server);
    let flat = json!({"status": 200, "headers": [{"result": {"code": 200}, "content-type": "application/json"}],
        "data": "{\"origin\":\"185.220.101.5\"}", "total_time": "0.341", "proxy": "4DZ3VE", "exitCountry": "CZ", "total": 0.621});
    let nested = json!({"data": {"status": 200, "headers": [{"result": {"code": 200}, "content-type": "application/json"}],
        "data": "{\"origin\":\"185.220.101.5\"}", "total_time": 0.341}, "proxy": "4DZ3VE", "exitCountry": "CZ", "total": 0.621});
    for body in [flat, nested] {
        server.push_fault(Fault::json(200, &body));
        let page = c
            .proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")).exit_countries(["CZ"]))
            .unwrap();
        assert_eq!(page.status, 200, "{body}");
        assert_eq!(page.text(), Some("{\"origin\":\"185.220.101.5\"}"));
        assert_eq!(page.json().unwrap()["origin"], "185.220.101.5");
        assert_eq!(page.headers.get("Content-Type"), Some("application/json"));
        assert_eq!(page.total_time, Some(0.341));
        assert_eq!(page.total, Some(0.621));
        assert_eq!(page.proxy.as_deref(), Some("4DZ3VE"));
        assert_eq!(page.exit_country.as_deref(), Some("CZ"));
        assert!(page.extra.is_empty(), "{:?}", page.extra);
    }
}

#[test]
fn buffer_bodies_and_parsed_json_bodies() {
    let server = MockServer::start();
    let c = client(&server);
    server.push_fault(Fault::json(200, &json!({"status": 200, "headers": [], "data": {"type": "Buffer", "data": [137, 80, 78, 71]}})));
    let page = c
        .single(&SingleRequest::get("https://e.com/logo.png").return_buffer(true))
        .unwrap();
    assert_eq!(&*page.bytes(), &[137, 80, 78, 71]);
    assert_eq!(page.text(), None, "not UTF-8");
    assert!(matches!(page.content(), Content::Bytes(_)));

    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "headers": [], "data": {"users": [1, 2], "next": null}}),
    ));
    let page = c
        .single(&SingleRequest::get("https://e.com/api").try_json_data(true))
        .unwrap();
    assert_eq!(page.json().unwrap()["users"], json!([1, 2]));

    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "headers": {}, "body": {"result": "ok", "count": 42}}),
    ));
    let page = c
        .browser(&BrowserRequest::new("https://e.com/api"))
        .unwrap();
    assert_eq!(page.json().unwrap()["count"], 42);
}

#[test]
fn header_shapes_per_hop_flat_or_string() {
    let server = MockServer::start();
    let c = client(&server);
    server.push_fault(Fault::json(200, &json!({"status": 200, "data": "", "headers": [
        {"result": {"version": "HTTP/1.1", "code": 301, "reason": "Moved Permanently"}, "location": "https://e.com/final", "content-length": "0"},
        {"result": {"version": "HTTP/2", "code": 200, "reason": ""}, "content-type": "text/html", "set-cookie": ["a=1; Path=/", "b=2; Path=/"]}
    ]})));
    let page = c
        .single(&SingleRequest::get("https://e.com").follow_redirects(5))
        .unwrap();
    assert_eq!(page.headers.hops.len(), 2);
    assert_eq!(
        page.headers.hops[0].get("Location"),
        Some("https://e.com/final")
    );
    assert_eq!(
        page.headers
            .final_hop()
            .unwrap()
            .get_all("set-cookie")
            .count(),
        2
    );

    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "data": "", "headers": "HTTP/1.1 200 OK"}),
    ));
    let page = c.single(&SingleRequest::get("https://e.com")).unwrap();
    assert_eq!(page.headers.raw.as_deref(), Some("HTTP/1.1 200 OK"));

    server.push_fault(Fault::json(200, &json!({"status": 200, "body": "<html/>", "userAgent": "UA",
        "headers": {"content-type": "text/html", "set-cookie": ["a=1", "b=2"]},
        "cookies": [{"name": "a", "value": "1", "domain": "e.com", "path": "/", "expires": -1, "size": 2, "httpOnly": false, "secure": false, "session": true, "sameSite": "Lax"}]})));
    let page = c.browser(&BrowserRequest::new("https://e.com")).unwrap();
    assert_eq!(page.headers.get("Content-Type"), Some("text/html"));
    assert_eq!(page.cookies[0].name, "a");
    assert_eq!(page.cookies[0].same_site.as_deref(), Some("Lax"));
    assert_eq!(page.cookies[0].extra["size"], 2);
    assert_eq!(page.user_agent.as_deref(), Some("UA"));
}

#[test]
fn auto_meta_session_and_open_values() {
    let server = MockServer::start();
    server.push_fault(
        Fault::json(200, &json!({"status": 200, "headers": [], "data": "<html>Add to cart</html>",
            "meta": {"rung": "quantum", "solved": true, "attempts": 3, "credits": 17, "exitClass": "premium", "trace": "x"},
            "session": {"proxy": "4DZ3VE", "cookies": [{"name": "c", "value": "v"}], "userAgent": "Mozilla/5.0"},
            "exitClass": "premium", "experimental": 1}))
        .header("X-FourA-Credits", "17")
        .header("X-FourA-Exit-Class", "premium"),
    );
    let page = client(&server)
        .auto(&AutoRequest::new("https://e.com"))
        .unwrap();
    assert_eq!(page.ladder.rung, Some(Rung::Other("quantum".into())));
    assert_eq!(page.ladder.solved, Some(true));
    assert_eq!(page.ladder.attempts, Some(3));
    assert_eq!(page.ladder.credits, Some(17.0));
    assert_eq!(page.ladder.extra["trace"], "x");
    let session = page.session.as_ref().unwrap();
    assert_eq!(session.proxy.as_deref(), Some("4DZ3VE"));
    assert_eq!(session.cookies[0].value, "v");
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(page.extra["experimental"], 1);
    assert_eq!(page.meta().credits, Some(17.0));
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert!(page.meta().request_id.is_some());
}

// ---- the failure model (foura-api.md §4) ----

#[test]
fn a_targets_own_403_is_a_success_not_foura_refusing() {
    let server = MockServer::start();
    server.push_fault(
        Fault::json(
            200,
            &json!({"status": 403, "headers": [], "data": "Forbidden by site", "total_time": 0.1}),
        )
        .header("X-FourA-Credits", "2"),
    );
    let page = client(&server)
        .single(&SingleRequest::get("https://e.com"))
        .unwrap();
    assert_eq!(page.status, 403);
    assert_eq!(page.text(), Some("Forbidden by site"));
    assert_eq!(page.meta().credits, Some(2.0));
}

#[test]
fn engine_failures_keep_target_status_code_details_and_credits() {
    let server = MockServer::start();
    let c = client(&server);
    server.push_fault(
        Fault::json(
            200,
            &json!({"status": 0, "headers": [], "data": "", "total_time": 0,
            "error": "Operation timed out after 15000 milliseconds with 0 bytes received"}),
        )
        .header("X-FourA-Credits", "2"),
    );
    let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(0));
    assert_eq!(err.status(), Some(200));
    assert_eq!(
        err.credits(),
        Some(2.0),
        "credits are reported on a failure too"
    );
    assert!(err.request_id().is_some());
    assert!(err.to_string().contains("Operation timed out"), "{err}");

    server.push_fault(Fault::json(200, &json!({"error": "No eligible proxy matches the requested exit countries",
        "request": {"exitCountries": ["ZZ"], "request": {"method": "GET", "url": "https://1.1.1.1/"}},
        "total": 0, "code": "no_eligible_proxy", "details": {"exitCountries": ["ZZ"]}})));
    let err = c
        .proxy(&ProxyRequest::new(SingleRequest::get("https://1.1.1.1/")).exit_countries(["ZZ"]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.code(), Some("no_eligible_proxy"));
    assert_eq!(err.details().unwrap()["exitCountries"], json!(["ZZ"]));
    assert_eq!(
        err.echoed_request().unwrap()["exitCountries"],
        json!(["ZZ"])
    );
    assert!(err.to_string().contains("retry later"), "{err}");

    server.push_fault(Fault::json(200, &json!({"error": "Download maxTry limit reached",
        "request": {"timeout_ms": 45000, "maxTries": 5, "request": {"method": "GET", "url": "https://e.com"}}, "total": 8.234,
        "attemptReport": {"total": 25, "noResponse": 0, "defense": 0, "contentRejected": 25, "statusRejected": 0, "other": 0,
            "vendors": [], "profilesTried": ["default"], "summary": "25 attempt(s): 25 returned HTTP 200 with no defense present and were rejected only by your validate.data"}})));
    let err = c
        .proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")))
        .unwrap_err();
    assert_eq!(err.attempt_report().unwrap()["contentRejected"], 25);
    assert_eq!(err.echoed_request().unwrap()["maxTries"], 5);

    server.push_fault(Fault::json(
        200,
        &json!({"error": "Navigation timeout of 30000 ms exceeded", "status": 0}),
    ));
    let err = c
        .browser(&BrowserRequest::new("https://e.com"))
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.target_status()),
        (ErrorKind::EngineFailed, Some(0))
    );

    server.push_fault(Fault::json(
        200,
        &json!({"error": "budget spent", "status": 502, "attempts": 16, "meta": {"rung": "fail"}}),
    ));
    let err = c.auto(&AutoRequest::new("https://e.com")).unwrap_err();
    assert_eq!(
        (err.kind(), err.target_status()),
        (ErrorKind::EngineFailed, Some(502))
    );
    assert_eq!(err.body().unwrap()["attempts"], 16);

    // An empty `error` is not a failure.
    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "headers": [], "data": "ok", "error": ""}),
    ));
    assert_eq!(
        c.single(&SingleRequest::get("https://e.com"))
            .unwrap()
            .text(),
        Some("ok")
    );
}

#[test]
fn transport_statuses_map_as_documented() {
    let server = MockServer::start();
    let c = client(&server);
    let cases = [
        (
            400,
            json!({"error": "Invalid request body format"}),
            ErrorKind::InvalidRequest,
        ),
        (
            400,
            json!({"error": "Target 10.0.0.1 resolves to a private/reserved IP"}),
            ErrorKind::InvalidRequest,
        ),
        (
            401,
            json!({"error": "Missing API key. Include X-API-Key header."}),
            ErrorKind::Unauthorized,
        ),
        (
            401,
            json!({"error": "Invalid API key"}),
            ErrorKind::Unauthorized,
        ),
        (403, json!({"error": "Forbidden"}), ErrorKind::Forbidden),
        (404, json!({}), ErrorKind::NotFound),
        (500, json!({}), ErrorKind::ServerError),
        (502, json!({}), ErrorKind::ServerError),
        (
            503,
            json!({"error": "Backend service unavailable", "backend_status": 503, "detail": "<html><body>Service Unavailable</body></html>"}),
            ErrorKind::ServerError,
        ),
    ];
    for (status, body, kind) in cases {
        server.push_fault(Fault::json(status, &body));
        let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
        assert_eq!(err.kind(), kind, "{status} {body}");
        assert_eq!(err.status(), Some(status));
        assert!(err.request_id().is_some());
    }
    server.push_fault(Fault::json(401, &json!({"error": "Invalid API key"})));
    let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
    assert!(
        err.to_string().contains("X-API-Key"),
        "engine 401 hints at the engine header: {err}"
    );
}

#[test]
fn rate_limit_429_exposes_service_wait_current_and_limits() {
    let server = MockServer::start();
    server.push_fault(Fault::json(429, &json!({"error": "Rate limit exceeded", "status": 429, "service": "single", "retryAfter": 5,
        "current": {"concurrency": 12, "rpm": 3000}, "limits": {"maxConcurrency": 500, "maxRpm": 3000}})));
    let err = client(&server)
        .single(&SingleRequest::get("https://e.com"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    let rl = err.rate_limit().unwrap();
    assert_eq!(rl.service.as_deref(), Some("single"));
    assert_eq!(
        (rl.concurrency, rl.rpm, rl.max_concurrency, rl.max_rpm),
        (Some(12), Some(3000), Some(500), Some(3000))
    );
    assert!(err.is_retryable());
}

#[test]
fn service_disabled_503_is_not_mistaken_for_capacity() {
    let server = MockServer::start();
    let c = client(&server);
    let limits = json!({"maxConcurrency": 5, "maxRpm": 60});
    server.push_fault(Fault::json(
        503,
        &json!({"error": "Service disabled", "status": 503, "service": "single", "retryAfter": 60,
        "current": {"concurrency": 0, "rpm": 0}, "limits": limits}),
    ));
    let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled, "{err}");
    assert!(!err.is_retryable());

    server.push_fault(Fault::json(
        503,
        &json!({"error": "Service at capacity", "status": 503, "service": "single", "retryAfter": 2,
        "current": {"concurrency": 6, "rpm": 30}, "limits": limits}),
    ));
    let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AtCapacity, "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(err.rate_limit().unwrap().max_concurrency, Some(5));
    assert!(err.is_retryable());
}

#[test]
fn plan_limits_by_body_or_by_header_alone() {
    let server = MockServer::start();
    let c = client(&server);
    server.push_fault(
        Fault::json(
            429,
            &json!({"error": "Monthly credits exhausted", "reason": "plan_limit_credits",
            "retry_after_seconds": 3600, "resets_at": "2026-10-01T00:00:00.000Z"}),
        )
        .header("X-FourA-Limit", "plan_limit_credits")
        .header("Retry-After", "3600"),
    );
    let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.plan_limit(), Some("credits"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.resets_at(), Some("2026-10-01T00:00:00.000Z"));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("resets"), "{err}");

    server.push_fault(Fault::json(403, &json!({"error": "Premium exits (the exitClass parameter) are not included in your plan (Free).",
        "reason": "plan_limit_premium", "documentation": "https://foura.ai/prices"})).header("X-FourA-Limit", "plan_limit_premium"));
    let err = c
        .proxy(
            &ProxyRequest::new(SingleRequest::get("https://e.com")).exit_class(ExitClass::Premium),
        )
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.plan_limit(), err.status()),
        (ErrorKind::PlanLimit, Some("premium"), Some(403))
    );
    assert_eq!(err.retry_after(), None);
    assert!(err.to_string().contains("retrying will not help"), "{err}");

    server.push_fault(
        Fault::json(429, &json!({"error": "Bandwidth allowance spent"}))
            .header("x-foura-limit", "plan_limit_bandwidth"),
    );
    let err = c.auto(&AutoRequest::new("https://e.com")).unwrap_err();
    assert_eq!(
        (err.kind(), err.plan_limit()),
        (ErrorKind::PlanLimit, Some("bandwidth"))
    );
    assert_eq!(err.meta().limit.as_deref(), Some("plan_limit_bandwidth"));
}

#[test]
fn metadata_headers_are_read_case_insensitively_on_success_and_failure() {
    let server = MockServer::start();
    let c = client(&server);
    server.push_fault(
        Fault::status(200, PAGE)
            .header("x-foura-credits", "2")
            .header("X-FOURA-EXIT-CLASS", "standard"),
    );
    let page = c.single(&SingleRequest::get("https://e.com")).unwrap();
    assert_eq!(page.meta().credits, Some(2.0));
    assert_eq!(page.meta().exit_class.as_deref(), Some("standard"));
    assert_eq!(page.exit_class.as_deref(), Some("standard"));

    server.push_fault(Fault::json(500, &json!({"error": "boom"})).header("X-FourA-Credits", "4"));
    let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
    assert_eq!(err.credits(), Some(4.0));
}

#[test]
fn engine_answers_that_are_not_objects_are_decode_errors() {
    let server = MockServer::start();
    let c = client(&server);
    for body in ["[1,2]", "<html>gateway</html>", ""] {
        server.push_fault(Fault::status(200, body));
        let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}: {err}");
        assert!(err.request_id().is_some());
    }
}

#[test]
fn public_endpoints_send_no_key() {
    let server = MockServer::start();
    server.push_fault(Fault::json(
        200,
        &json!({"default": "chrome-147-windows", "profiles": [{"id": "chrome-147-windows"}]}),
    ));
    let catalogue = client(&server).profiles().unwrap();
    assert_eq!(catalogue.default.as_deref(), Some("chrome-147-windows"));
    assert!(catalogue.extra.contains_key("profiles"));
    let r = server.last_request().unwrap();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/api/profiles")
    );
    assert_eq!(r.header("x-api-key"), None);
    assert_eq!(r.header("authorization"), None);

    server.push_fault(Fault::json(200, &json!({"overall": "degraded", "services": [{"slug": "api", "name": "API", "status": "degraded",
        "daily": [{"date": "2026-05-19", "status": "operational"}]}], "active_incidents": [{"id": "i1"}], "recent_incidents": []})));
    let status = foura::service_status_at(&server.url()).unwrap();
    assert_eq!(status.overall, "degraded");
    assert_eq!(status.services[0].slug, "api");
    assert_eq!(status.active_incidents.len(), 1);
    let r = server.last_request().unwrap();
    assert_eq!(r.path, "/api/v1/status");
    assert_eq!(r.header("x-api-key"), None);
    assert!(
        foura::service_status_at("http://example.com").is_err(),
        "same base URL rules"
    );
}

#[test]
fn the_plan_limit_header_wins_over_another_body_reason() {
    let server = MockServer::start();
    server.push_fault(
        Fault::json(429, &json!({"error": "Quota", "reason": "quota"}))
            .header("X-FourA-Limit", "plan_limit_credits"),
    );
    let err = client(&server)
        .single(&SingleRequest::get("https://e.com"))
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.plan_limit()),
        (ErrorKind::PlanLimit, Some("credits"))
    );
}

#[test]
fn a_flat_proxy_answer_whose_json_page_has_a_status_key_stays_flat() {
    let server = MockServer::start();
    server.push_fault(Fault::json(200, &json!({"status": 200, "headers": [], "data": {"status": "ok", "items": [1, 2]}, "proxy": "4DZ3VE"})));
    let page = client(&server)
        .proxy(&ProxyRequest::new(
            SingleRequest::get("https://e.com/api").try_json_data(true),
        ))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.json().unwrap()["status"], "ok");
    assert_eq!(page.json().unwrap()["items"], json!([1, 2]));
    assert!(page.extra.is_empty(), "{:?}", page.extra);
}

#[test]
fn oddly_typed_fields_are_kept_not_dropped() {
    let server = MockServer::start();
    let c = client(&server);
    server.push_fault(Fault::json(200, &json!({"status": 200, "headers": {}, "body": "x",
        "cookies": [{"name": "n", "value": 42, "expires": "Thu, 01 Jan 2027 00:00:00 GMT", "secure": "yes"}, "not a cookie"],
        "userAgent": ["odd"]})));
    let page = c.browser(&BrowserRequest::new("https://e.com")).unwrap();
    assert_eq!(page.cookies.len(), 1);
    let cookie = &page.cookies[0];
    assert_eq!((cookie.name.as_str(), cookie.value.as_str()), ("n", "42"));
    assert_eq!(cookie.expires, None);
    assert_eq!(cookie.extra["expires"], "Thu, 01 Jan 2027 00:00:00 GMT");
    assert_eq!(cookie.extra["secure"], "yes");
    assert_eq!(page.user_agent, None);
    assert_eq!(page.extra["userAgent"], json!(["odd"]));

    server.push_fault(Fault::json(
        200,
        &json!({"status": "n/a", "headers": [], "data": "x", "exitClass": {"x": 1}}),
    ));
    let page = c.single(&SingleRequest::get("https://e.com")).unwrap();
    assert_eq!(page.status, 0);
    assert_eq!(page.extra["status"], "n/a");
    assert_eq!(page.extra["exitClass"], json!({"x": 1}));

    server.push_fault(Fault::json(
        200,
        &json!({"default": {"id": "chrome"}, "profiles": null}),
    ));
    let catalogue = c.profiles().unwrap();
    assert_eq!(catalogue.default, None);
    assert_eq!(catalogue.extra["default"]["id"], "chrome");

    server.push_fault(Fault::json(200, &json!({"overall": null, "services": [{"slug": "api", "daily": null}, 7], "active_incidents": null})));
    let status = foura::service_status_at(&server.url()).unwrap();
    assert_eq!(status.overall, "");
    assert_eq!(status.services.len(), 1);
    assert!(status.services[0].daily.is_empty());
    assert!(status.active_incidents.is_empty());
}

#[test]
fn the_attempt_hook_sees_an_engine_failure_as_a_failure() {
    use std::sync::{Arc, Mutex};
    let server = MockServer::start();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let c = Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .on_attempt(move |a| log.lock().unwrap().push((a.status, a.error)))
        .build()
        .unwrap();
    server.push_fault(Fault::json(
        200,
        &json!({"status": 0, "error": "Download failed"}),
    ));
    assert_eq!(
        c.single(&SingleRequest::get("https://e.com"))
            .unwrap_err()
            .kind(),
        ErrorKind::EngineFailed
    );
    server.push_fault(Fault::status(200, "<html>not json</html>"));
    assert_eq!(
        c.single(&SingleRequest::get("https://e.com"))
            .unwrap_err()
            .kind(),
        ErrorKind::Decode
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (Some(200), Some(ErrorKind::EngineFailed)),
            (Some(200), Some(ErrorKind::Decode))
        ]
    );
}

#[test]
fn null_fields_are_absent_not_extra() {
    let server = MockServer::start();
    let c = client(&server);
    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "headers": [], "data": "x",
        "total_time": null, "exitClass": null, "defense": null}),
    ));
    let page = c.single(&SingleRequest::get("https://e.com")).unwrap();
    assert_eq!((page.total_time, page.exit_class.as_deref()), (None, None));
    assert!(page.extra.is_empty(), "{:?}", page.extra);
    server.push_fault(Fault::json(
        200,
        &json!({"status": "n/a", "headers": [], "data": "x",
        "total_time": "fast", "defense": "yes", "proxy": null, "total": null}),
    ));
    let page = c
        .proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")))
        .unwrap();
    assert_eq!(page.status, 0);
    assert_eq!(page.extra["status"], "n/a", "kept, like single keeps it");
    assert_eq!(page.extra["total_time"], "fast");
    assert_eq!(page.extra["defense"], "yes");
    assert!(!page.extra.contains_key("proxy") && !page.extra.contains_key("total"));
}

#[test]
fn tasks_with_odd_field_types_still_decode() {
    let server = MockServer::start();
    server.push_fault(Fault::json(200, &json!({"id": "task_1", "status": "completed",
        "timing": "fast", "createdAt": 1_700_000_000, "type": 3, "statusCode": "n/a", "headers": ["a"]})));
    let task = server
        .client()
        .submit("https://e.com", foura::TaskType::Single)
        .unwrap();
    assert_eq!(task.status, foura::TaskStatus::Completed);
    for field in ["timing", "createdAt", "statusCode", "headers"] {
        assert!(
            task.extra.contains_key(field),
            "{field} kept in extra: {:?}",
            task.extra
        );
    }
    assert_eq!(
        (task.timing, task.created_at, task.status_code),
        (None, None, None)
    );
    // A number where a name was expected is read as its text.
    assert_eq!(task.task_type, Some(foura::TaskType::Other("3".into())));
}
