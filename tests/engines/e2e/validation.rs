//! Validation at the edge.

use super::*;

#[test]
fn invalid_engine_requests_are_refused_before_anything_is_sent() {
    let (server, client) = start();
    let cases: Vec<(&str, foura::Error)> = vec![
        (
            "`timeout_ms`",
            client
                .single(&SingleRequest::get(PAGE).timeout(Duration::from_millis(120_001)))
                .unwrap_err(),
        ),
        (
            "`followRedirects`",
            client
                .single(&SingleRequest::get(PAGE).follow_redirects(21))
                .unwrap_err(),
        ),
        (
            "`url`",
            client
                .single(&SingleRequest::get("ftp://example.com/"))
                .unwrap_err(),
        ),
        (
            "`method`",
            client
                .single(&SingleRequest::new("GE T", PAGE))
                .unwrap_err(),
        ),
        (
            "`unblocker`",
            client
                .single(&SingleRequest::get(PAGE).browser("Firefox").unblocker(false))
                .unwrap_err(),
        ),
        (
            "`validate`",
            client
                .single(&SingleRequest::get(PAGE).validate(Validate::new().status_accept([42])))
                .unwrap_err(),
        ),
        (
            "`maxTries`",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).max_tries(0))
                .unwrap_err(),
        ),
        (
            "`maxTries`",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).max_tries(91))
                .unwrap_err(),
        ),
        (
            "`exitCountries`",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).exit_countries(["DEU"]))
                .unwrap_err(),
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
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE).proxy("4DZ3VE")))
                .unwrap_err(),
        ),
        (
            "`timeout_ms`",
            client
                .browser(&BrowserRequest::new(PAGE).timeout(Duration::from_secs(121)))
                .unwrap_err(),
        ),
        (
            "`checkStatus`",
            client
                .browser(&BrowserRequest::new(PAGE).check_status(42))
                .unwrap_err(),
        ),
        (
            "`timeout_ms`",
            client
                .auto(&AutoRequest::new(PAGE).timeout(Duration::from_millis(4_999)))
                .unwrap_err(),
        ),
        (
            "`timeout_ms`",
            client
                .auto(&AutoRequest::new(PAGE).timeout(Duration::from_millis(180_001)))
                .unwrap_err(),
        ),
        (
            "`followRedirects`",
            client
                .auto(&AutoRequest::new(PAGE).follow_redirects(21))
                .unwrap_err(),
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
