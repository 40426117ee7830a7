//! Requests on the wire: bodies, field names and the checks made before sending.

use super::*;

#[test]
fn single_sends_x_api_key_and_the_minimal_body_with_explicit_unblocker() {
    let server = server_with(Fault::status(200, PAGE));
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
    let server = server_with(Fault::status(200, PAGE));
    let request = with_connection_settings(
        SingleRequest::new("POST", "https://example.com/api?t={ts}")
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
            .timeout(Duration::from_secs(20)),
    )
    // A non-zero value, so that the seconds-to-milliseconds conversion shows.
    .server_response_timeout(Duration::from_secs(10))
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
            "followRedirects": 5, "tryJsonData": true, "returnBuffer": false,
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
    let server = server_with(Fault::status(200, PAGE));
    client(&server)
        .single(&SingleRequest::get("https://example.com/").unblocker(false))
        .unwrap();
    assert_eq!(sent(&server)["unblocker"], false);
}

#[test]
fn proxy_wraps_the_inner_request_and_normalises_countries() {
    let server = server_with(Fault::status(200, PAGE));
    let request = ProxyRequest::new(
        SingleRequest::get("https://example.com/").timeout(Duration::from_secs(10)),
    )
    .max_tries(25)
    .timeout(Duration::from_secs(90))
    .exit_countries([" de", "FR", "De"])
    .ignore_proxies(["A1B2C3"])
    .exit_class(ExitClass::Premium);
    client(&server).proxy(&request).unwrap();
    assert_sent(
        &server,
        "/api/proxy/",
        json!({
            "request": {"method": "GET", "url": "https://example.com/", "unblocker": true, "timeout_ms": 10000},
            "maxTries": 25, "timeout_ms": 90000, "exitCountries": ["DE", "FR"],
            "ignoreProxies": ["A1B2C3"], "exitClass": "premium"
        }),
    );
}

#[test]
fn browser_sends_headers_as_an_object() {
    let server = server_with(Fault::status(
        200,
        r#"{"status":200,"headers":{},"body":"<html></html>"}"#,
    ));
    client(&server).browser(&full_browser()).unwrap();
    assert_sent(
        &server,
        "/api/browser/",
        json!({
            "url": "https://example.com/cart", "headers": {"Referer": "https://example.com/"},
            "cookies": [{"name": "session", "value": "abc", "domain": ".example.com"}],
            "userAgent": "Mozilla/5.0", "proxy": "socks5://h:1080", "timeout_ms": 30000,
            "checkStatus": 200, "checkText": "Add to cart", "unblocker": false
        }),
    );
}

#[test]
fn auto_goes_to_api_auto_by_default_and_to_a_configured_path() {
    let server = MockServer::start();
    let body = r#"{"status":200,"headers":[],"data":"ok","meta":{"rung":"probe","solved":false,"attempts":1,"credits":2}}"#;
    server.push_fault(Fault::status(200, body));
    let request = AutoRequest::new("https://example.com/")
        .exit_class(ExitClass::Standard)
        .validate(Validate::new().data_accept("Add to cart"))
        .return_session(false)
        .force_proxy(false)
        .timeout(Duration::from_secs(60))
        .follow_redirects(0)
        .method("GET")
        .header("Accept", "text/html");
    client(&server).auto(&request).unwrap();
    assert_sent(
        &server,
        "/api/auto",
        json!({
            "url": "https://example.com/", "method": "GET", "headers": [["Accept", "text/html"]],
            "validate": {"data": {"accept": ["Add to cart"]}}, "returnSession": false,
            "forceProxy": false, "timeout_ms": 60000, "followRedirects": 0, "exitClass": "standard"
        }),
    );

    let slash = builder_at(format!("{}/api", server.url()), MockServer::ENGINE_KEY)
        .auto_path("/api/auto/")
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
    let (server, c) = start();
    let get = || SingleRequest::get("https://e.com");
    let single = |r: SingleRequest| c.single(&r).unwrap_err();
    let proxy = |r: ProxyRequest| c.proxy(&r).unwrap_err();
    let browser = |r: BrowserRequest| c.browser(&r).unwrap_err();
    let auto = |r: AutoRequest| c.auto(&r).unwrap_err();
    let cases = vec![
        (single(SingleRequest::get("example.com")), "url"),
        (single(SingleRequest::new("", "https://e.com")), "method"),
        (
            single(get().timeout(Duration::from_millis(120_001))),
            "timeout_ms",
        ),
        (single(get().timeout(Duration::ZERO)), "timeout_ms"),
        (
            single(get().connect_timeout(Duration::from_secs(121))),
            "connect_timeout_ms",
        ),
        (single(get().follow_redirects(21)), "followRedirects"),
        (
            single(get().dns_cache_timeout(Duration::from_secs(241))),
            "dns_cache_timeout_sec",
        ),
        (
            single(get().browser("Safari").unblocker(false)),
            "unblocker",
        ),
        (
            single(get().validate(Validate::new().status_accept([42]))),
            "validate",
        ),
        (single(get().header("Bad Header", "x")), "headers"),
        (proxy(ProxyRequest::new(get()).max_tries(0)), "maxTries"),
        (proxy(ProxyRequest::new(get()).max_tries(91)), "maxTries"),
        (
            proxy(ProxyRequest::new(get()).exit_countries(["DEU"])),
            "exitCountries",
        ),
        (
            proxy(ProxyRequest::new(get()).exit_countries([""])),
            "exitCountries",
        ),
        (
            proxy(ProxyRequest::new(get()).exit_countries(Vec::<String>::new())),
            "exitCountries",
        ),
        (
            proxy(ProxyRequest::new(get().proxy("4DZ3VE"))),
            "request.proxy",
        ),
        (
            proxy(ProxyRequest::new(SingleRequest::get("ftp://e.com"))),
            "request.url",
        ),
        (
            proxy(ProxyRequest::new(get()).timeout(Duration::from_secs(121))),
            "timeout_ms",
        ),
        (
            auto(AutoRequest::new("https://e.com").timeout(Duration::from_millis(4_999))),
            "timeout_ms",
        ),
        (
            auto(AutoRequest::new("https://e.com").timeout(Duration::from_millis(180_001))),
            "timeout_ms",
        ),
        (
            auto(AutoRequest::new("https://e.com").follow_redirects(21)),
            "followRedirects",
        ),
        (
            browser(BrowserRequest::new("https://e.com").timeout(Duration::from_secs(121))),
            "timeout_ms",
        ),
        (
            browser(BrowserRequest::new("https://e.com").check_status(42)),
            "checkStatus",
        ),
        (
            browser(BrowserRequest::new("https://e.com").cookie(Cookie::new("", "v"))),
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
        &get()
            .timeout(Duration::from_millis(120_000))
            .follow_redirects(20),
    )
    .unwrap();
    c.proxy(&ProxyRequest::new(get()).max_tries(1)).unwrap();
    c.proxy(&ProxyRequest::new(get()).max_tries(90)).unwrap();
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
