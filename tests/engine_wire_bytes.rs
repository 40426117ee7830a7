//! The exact bytes each engine request puts on the wire, field order included, for every
//! builder setter: a change to how bodies are serialised must not change one byte. Each golden
//! body also reads back (`from_json`) as a request that sends it byte for byte.

mod support;

use std::time::Duration;

use foura::mock::Fault;
use foura::{
    AutoRequest, BrowserRequest, Client, Cookie, ExitClass, ProxyRequest, SingleRequest, Validate,
};
use serde_json::json;

/// Sends one engine request to the emulator and returns the body it received, byte for byte.
fn wire_bytes(send: impl FnOnce(&Client)) -> String {
    let server = support::server_with(Fault::status(200, r#"{"status":200}"#));
    let client = support::engines_builder(&server)
        .timeout(Duration::from_secs(10))
        .max_retries(0)
        .build()
        .unwrap();
    send(&client);
    assert_eq!(server.request_count(), 1, "the request was not sent");
    server.last_request().unwrap().body_text()
}

fn single(request: SingleRequest) -> String {
    wire_bytes(|c| drop(c.single(&request)))
}

fn proxy(request: ProxyRequest) -> String {
    wire_bytes(|c| drop(c.proxy(&request)))
}

fn browser(request: BrowserRequest) -> String {
    wire_bytes(|c| drop(c.browser(&request)))
}

fn auto(request: AutoRequest) -> String {
    wire_bytes(|c| drop(c.auto(&request)))
}

/// Every kind of `validate` rule, names and values out of order, one header name repeated.
fn every_rule() -> Validate {
    Validate::new()
        .status_accept([403, 200])
        .status_fail([503])
        .status_accept([201])
        .header_accept("x-b", "2")
        .header_accept("content-type", "html")
        .header_accept("x-b", "3")
        .header_fail("server", "cloudflare")
        .data_accept("Add to cart")
        .data_accept("\"quoted\" ü <b>")
        .data_fail("captcha")
}

/// A single request with every setter used.
fn every_single_setter() -> SingleRequest {
    let request = SingleRequest::new("POST", "https://example.com/p?t={ts}")
        .header("Accept", "text/html")
        .header("Cookie", "a=1")
        .header("accept", "*/*")
        .unblocker(true)
        .profile("  chrome_147_windows ")
        .browser(" Chrome")
        .os("Windows ")
        .version("147")
        .body("a=1&b=2")
        .proxy(" http://p.example:8080 ")
        .timeout(Duration::from_micros(15_000_700));
    support::with_connection_settings(request).validate(every_rule())
}

#[test]
fn single_bodies_are_byte_for_byte_unchanged() {
    let cases = [
        (
            single(SingleRequest::get("https://example.com/")),
            r#"{"method":"GET","unblocker":true,"url":"https://example.com/"}"#,
        ),
        (
            single(every_single_setter()),
            r#"{"accept_timeout_ms":2500,"browser":"Chrome","connect_timeout_ms":5000,"data":"a=1&b=2","dns_cache_timeout_sec":60,"followRedirects":5,"headers":[["Accept","text/html"],["Cookie","a=1"],["accept","*/*"]],"method":"POST","os":"Windows","profile":"chrome_147_windows","proxy":"http://p.example:8080","returnBuffer":false,"server_response_timeout_ms":0,"timeout_ms":15000,"tryJsonData":true,"unblocker":true,"url":"https://example.com/p?t={ts}","validate":{"data":{"accept":["Add to cart","\"quoted\" ü <b>"],"fail":["captcha"]},"headers":{"accept":{"content-type":"html","x-b":"3"},"fail":{"server":"cloudflare"}},"status":{"accept":[403,200,201],"fail":[503]}},"version":"147"}"#,
        ),
        (
            single(SingleRequest::get("https://example.com/").unblocker(false)),
            r#"{"method":"GET","unblocker":false,"url":"https://example.com/"}"#,
        ),
        (
            single(
                SingleRequest::new("PUT", "https://example.com/api")
                    .json_body(json!({"z": [1, {"b": null, "a": true}], "a": "ü\n\"x\""})),
            ),
            r#"{"data":{"a":"ü\n\"x\"","z":[1,{"a":true,"b":null}]},"method":"PUT","unblocker":true,"url":"https://example.com/api"}"#,
        ),
        (
            single(SingleRequest::get("https://example.com/").validate(Validate::new())),
            r#"{"method":"GET","unblocker":true,"url":"https://example.com/"}"#,
        ),
        (
            single(
                SingleRequest::get("https://example.com/")
                    .validate(Validate::new().status_fail([500]).data_fail("denied")),
            ),
            r#"{"method":"GET","unblocker":true,"url":"https://example.com/","validate":{"data":{"fail":["denied"]},"status":{"fail":[500]}}}"#,
        ),
        (
            single(
                SingleRequest::get("https://example.com/")
                    .validate(Validate::new().header_fail("b", "1").header_fail("a", "2")),
            ),
            r#"{"method":"GET","unblocker":true,"url":"https://example.com/","validate":{"headers":{"fail":{"a":"2","b":"1"}}}}"#,
        ),
        (
            single(
                SingleRequest::get("https://example.com/")
                    .browser("Firefox")
                    .follow_redirects(0)
                    .dns_cache_timeout(Duration::ZERO),
            ),
            r#"{"browser":"Firefox","dns_cache_timeout_sec":0,"followRedirects":0,"method":"GET","unblocker":true,"url":"https://example.com/"}"#,
        ),
        (
            single(SingleRequest::get("https://example.com/").proxy("k3x9q")),
            r#"{"method":"GET","proxy":"k3x9q","unblocker":true,"url":"https://example.com/"}"#,
        ),
    ];
    check(&cases, |golden| {
        single(SingleRequest::from_json_str(golden).unwrap())
    });
}

#[test]
fn proxy_bodies_are_byte_for_byte_unchanged() {
    let inner = SingleRequest::new("POST", "https://example.com/p").validate(every_rule());
    let cases = [
        (
            proxy(ProxyRequest::new(SingleRequest::get(
                "https://example.com/",
            ))),
            r#"{"request":{"method":"GET","unblocker":true,"url":"https://example.com/"}}"#,
        ),
        (
            proxy(
                ProxyRequest::new(
                    inner
                        .header("Accept", "text/html")
                        .profile(" p1 ")
                        .os("macOS")
                        .json_body(json!({"q": 1}))
                        .timeout(Duration::from_secs(10))
                        .connect_timeout(Duration::from_millis(100))
                        .accept_timeout(Duration::from_millis(200))
                        .server_response_timeout(Duration::from_millis(300))
                        .dns_cache_timeout(Duration::from_secs(240))
                        .follow_redirects(20)
                        .try_json_data(false)
                        .return_buffer(true),
                )
                .max_tries(25)
                .timeout(Duration::from_secs(90))
                .ignore_proxies(["k3x9q", "http://u:p@h:1"])
                .ignore_proxies(["z1"])
                .exit_countries(["de", " fr ", "DE"])
                .exit_countries(["US"])
                .exit_class(ExitClass::Premium),
            ),
            r#"{"exitClass":"premium","exitCountries":["DE","FR","US"],"ignoreProxies":["k3x9q","http://u:p@h:1","z1"],"maxTries":25,"request":{"accept_timeout_ms":200,"connect_timeout_ms":100,"data":{"q":1},"dns_cache_timeout_sec":240,"followRedirects":20,"headers":[["Accept","text/html"]],"method":"POST","os":"macOS","profile":"p1","returnBuffer":true,"server_response_timeout_ms":300,"timeout_ms":10000,"tryJsonData":false,"unblocker":true,"url":"https://example.com/p","validate":{"data":{"accept":["Add to cart","\"quoted\" ü <b>"],"fail":["captcha"]},"headers":{"accept":{"content-type":"html","x-b":"3"},"fail":{"server":"cloudflare"}},"status":{"accept":[403,200,201],"fail":[503]}}},"timeout_ms":90000}"#,
        ),
        (
            proxy(
                ProxyRequest::new(SingleRequest::get("https://example.com/").unblocker(false))
                    .exit_class(ExitClass::Standard)
                    .max_tries(1),
            ),
            r#"{"exitClass":"standard","maxTries":1,"request":{"method":"GET","unblocker":false,"url":"https://example.com/"}}"#,
        ),
    ];
    check(&cases, |golden| {
        proxy(ProxyRequest::from_json_str(golden).unwrap())
    });
}

#[test]
fn browser_bodies_are_byte_for_byte_unchanged() {
    let mut full_cookie = Cookie::new("b", "2").domain(".example.com");
    full_cookie.path = Some("/".into());
    full_cookie.secure = Some(true);
    full_cookie.http_only = Some(false);
    full_cookie.same_site = Some("Lax".into());
    full_cookie.expires = Some(1.5);
    full_cookie.extra.insert("priority".into(), json!("High"));
    let cases = [
        (
            browser(BrowserRequest::new("https://example.com/")),
            r#"{"unblocker":true,"url":"https://example.com/"}"#,
        ),
        (
            browser(
                BrowserRequest::new("https://example.com/cart?t={ts}")
                    .header("Zeta", "z")
                    .header("Referer", "https://a.example/")
                    .header("accept", "*/*")
                    .header("referer", "https://b.example/")
                    .cookie(Cookie::new("session", "abc \"ü\""))
                    .cookie(full_cookie)
                    .user_agent("Mozilla/5.0 (X11)")
                    .proxy("socks5://h:1080")
                    .timeout(Duration::from_millis(30_000))
                    .check_status(200)
                    .check_text("Add to cart")
                    .unblocker(false),
            ),
            r#"{"checkStatus":200,"checkText":"Add to cart","cookies":[{"name":"session","value":"abc \"ü\""},{"domain":".example.com","name":"b","value":"2"}],"headers":{"Zeta":"z","accept":"*/*","referer":"https://b.example/"},"proxy":"socks5://h:1080","timeout_ms":30000,"unblocker":false,"url":"https://example.com/cart?t={ts}","userAgent":"Mozilla/5.0 (X11)"}"#,
        ),
        (
            browser(
                BrowserRequest::new("https://example.com/")
                    .unblocker(true)
                    .check_status(404),
            ),
            r#"{"checkStatus":404,"unblocker":true,"url":"https://example.com/"}"#,
        ),
    ];
    check(&cases, |golden| {
        browser(BrowserRequest::from_json_str(golden).unwrap())
    });
}

#[test]
fn auto_bodies_are_byte_for_byte_unchanged() {
    let cases = [
        (
            auto(AutoRequest::new("https://example.com/")),
            r#"{"url":"https://example.com/"}"#,
        ),
        (
            auto(
                AutoRequest::new("https://example.com/p/42?t={ts}")
                    .method("POST")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("accept", "text/html")
                    .body("a=1")
                    .validate(every_rule())
                    .return_session(false)
                    .force_proxy(true)
                    .timeout(Duration::from_secs(60))
                    .ignore_proxies(["k3x9q"])
                    .follow_redirects(3)
                    .exit_class(ExitClass::Standard),
            ),
            r#"{"data":"a=1","exitClass":"standard","followRedirects":3,"forceProxy":true,"headers":[["Content-Type","application/x-www-form-urlencoded"],["accept","text/html"]],"ignoreProxies":["k3x9q"],"method":"POST","returnSession":false,"timeout_ms":60000,"url":"https://example.com/p/42?t={ts}","validate":{"data":{"accept":["Add to cart","\"quoted\" ü <b>"],"fail":["captcha"]},"headers":{"accept":{"content-type":"html","x-b":"3"},"fail":{"server":"cloudflare"}},"status":{"accept":[403,200,201],"fail":[503]}}}"#,
        ),
        (
            auto(
                AutoRequest::new("https://example.com/")
                    .json_body(json!({"b": 2, "a": [1]}))
                    .validate(Validate::new())
                    .exit_class(ExitClass::Premium),
            ),
            r#"{"data":{"a":[1],"b":2},"exitClass":"premium","url":"https://example.com/"}"#,
        ),
        (
            auto(
                AutoRequest::new("https://example.com/")
                    .validate(Validate::new().data_accept("ok"))
                    .return_session(true)
                    .force_proxy(false),
            ),
            r#"{"forceProxy":false,"returnSession":true,"url":"https://example.com/","validate":{"data":{"accept":["ok"]}}}"#,
        ),
    ];
    check(&cases, |golden| {
        auto(AutoRequest::from_json_str(golden).unwrap())
    });
}

/// Each case sent its golden body, and the request read from that body sends it again.
fn check(cases: &[(String, &str)], resend_golden: impl Fn(&str) -> String) {
    for (i, (sent, golden)) in cases.iter().enumerate() {
        assert_eq!(sent, golden, "case {i}");
        assert_eq!(
            &resend_golden(golden),
            golden,
            "case {i}, read back from its JSON"
        );
    }
}
