//! Validation at the edge.

use super::*;

#[test]
fn invalid_engine_requests_are_refused_before_anything_is_sent() {
    let (server, client) = start();
    let single = |r: SingleRequest| client.single(&r).unwrap_err();
    let proxy = |r: ProxyRequest| client.proxy(&r).unwrap_err();
    let browser = |r: BrowserRequest| client.browser(&r).unwrap_err();
    let auto = |r: AutoRequest| client.auto(&r).unwrap_err();
    let cases: Vec<(&str, foura::Error)> = vec![
        (
            "`timeout_ms`",
            single(SingleRequest::get(PAGE).timeout(Duration::from_millis(120_001))),
        ),
        (
            "`followRedirects`",
            single(SingleRequest::get(PAGE).follow_redirects(21)),
        ),
        ("`url`", single(SingleRequest::get("ftp://example.com/"))),
        ("`method`", single(SingleRequest::new("GE T", PAGE))),
        (
            "`unblocker`",
            single(SingleRequest::get(PAGE).browser("Firefox").unblocker(false)),
        ),
        (
            "`validate`",
            single(SingleRequest::get(PAGE).validate(Validate::new().status_accept([42]))),
        ),
        ("`maxTries`", proxy(proxy_get(PAGE).max_tries(0))),
        ("`maxTries`", proxy(proxy_get(PAGE).max_tries(91))),
        (
            "`exitCountries`",
            proxy(proxy_get(PAGE).exit_countries(["DEU"])),
        ),
        (
            "`request.timeout_ms`",
            client
                .proxy(&ProxyRequest::new(
                    SingleRequest::get(PAGE).timeout(Duration::from_secs(121)),
                ))
                .unwrap_err(),
        ),
        (
            "`request.proxy`",
            proxy(ProxyRequest::new(SingleRequest::get(PAGE).proxy("4DZ3VE"))),
        ),
        (
            "`timeout_ms`",
            browser(BrowserRequest::new(PAGE).timeout(Duration::from_secs(121))),
        ),
        (
            "`checkStatus`",
            browser(BrowserRequest::new(PAGE).check_status(42)),
        ),
        (
            "`timeout_ms`",
            auto(AutoRequest::new(PAGE).timeout(Duration::from_millis(4_999))),
        ),
        (
            "`timeout_ms`",
            auto(AutoRequest::new(PAGE).timeout(Duration::from_millis(180_001))),
        ),
        (
            "`followRedirects`",
            auto(AutoRequest::new(PAGE).follow_redirects(21)),
        ),
    ];
    for (field, err) in &cases {
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{field}: {err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert_eq!(err.status(), None, "{field}: {err}");
        assert_eq!(err.attempts(), 0, "{field}: {err}");
    }
    assert_eq!(server.request_count(), 0, "nothing was sent");

    // The documented limits themselves are accepted and sent.
    client
        .single(
            &SingleRequest::get(PAGE)
                .timeout(Duration::from_millis(120_000))
                .follow_redirects(20),
        )
        .unwrap();
    assert_eq!(sent(&server)["timeout_ms"], 120_000);
    assert_eq!(sent(&server)["followRedirects"], 20);
    client
        .auto(&AutoRequest::new(PAGE).timeout(Duration::from_millis(5_000)))
        .unwrap();
    assert_eq!(sent(&server)["timeout_ms"], 5_000);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn cr_lf_and_nul_in_fields_that_become_headers_are_refused_naming_the_field() {
    let (server, client) = start();
    let cookie = |name: &str, value: &str| Cookie::new(name, value);
    for bad in ["UA\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b"] {
        let cases: Vec<(&str, foura::Error)> = vec![
            (
                "`userAgent`",
                client
                    .browser(&BrowserRequest::new(PAGE).user_agent(bad))
                    .unwrap_err(),
            ),
            (
                "`proxy`",
                client
                    .browser(&BrowserRequest::new(PAGE).proxy(format!("http://p:1{bad}")))
                    .unwrap_err(),
            ),
            (
                "`cookies[0].name`",
                client
                    .browser(&BrowserRequest::new(PAGE).cookie(cookie(bad, "v")))
                    .unwrap_err(),
            ),
            (
                "`cookies[1].value`",
                client
                    .browser(
                        &BrowserRequest::new(PAGE)
                            .cookie(cookie("ok", "v"))
                            .cookie(cookie("n", bad)),
                    )
                    .unwrap_err(),
            ),
            (
                "`cookies[0].domain`",
                client
                    .browser(&BrowserRequest::new(PAGE).cookie(cookie("n", "v").domain(bad)))
                    .unwrap_err(),
            ),
            (
                "`cookies[0].path`",
                client
                    .browser(&BrowserRequest::new(PAGE).cookie({
                        let mut c = cookie("n", "v");
                        c.path = Some(bad.to_owned());
                        c
                    }))
                    .unwrap_err(),
            ),
            (
                "`profile`",
                client
                    .single(&SingleRequest::get(PAGE).profile(format!("chrome{bad}")))
                    .unwrap_err(),
            ),
            (
                "`proxy`",
                client
                    .single(&SingleRequest::get(PAGE).proxy(format!("http://p:1{bad}")))
                    .unwrap_err(),
            ),
            (
                "`browser`",
                client
                    .single(&SingleRequest::get(PAGE).browser(format!("Chrome{bad}")))
                    .unwrap_err(),
            ),
            (
                "`request.profile`",
                client
                    .proxy(&ProxyRequest::new(
                        SingleRequest::get(PAGE).profile(format!("chrome{bad}")),
                    ))
                    .unwrap_err(),
            ),
            (
                "`headers`",
                client
                    .single(&SingleRequest::get(PAGE).header("Accept", bad))
                    .unwrap_err(),
            ),
            (
                "`headers`",
                client
                    .auto(&AutoRequest::new(PAGE).header("Accept", bad))
                    .unwrap_err(),
            ),
        ];
        for (field, err) in &cases {
            assert_eq!(
                err.kind(),
                ErrorKind::InvalidRequest,
                "{field} {bad:?}: {err}"
            );
            assert!(err.to_string().contains(field), "{field} {bad:?}: {err}");
            assert_eq!(err.attempts(), 0, "{field}: {err}");
        }
    }
    assert_eq!(server.request_count(), 0, "nothing was sent");
    // A tab is allowed in a header value, as HTTP allows it.
    client
        .browser(&BrowserRequest::new(PAGE).user_agent("Mozilla/5.0\t(X11)"))
        .unwrap();
}
