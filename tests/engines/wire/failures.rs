//! The failure model: how each kind of FourA answer maps to `foura::Error`.

use super::*;

#[test]
fn a_targets_own_403_is_a_success_not_foura_refusing() {
    let server = server_with(
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
    let (server, c) = start();
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

/// FourA's flat refusal body, `{"error": message}`.
fn refusal(message: &str) -> Value {
    json!({ "error": message })
}

#[test]
fn transport_statuses_map_as_documented() {
    let (server, c) = start();
    let cases = [
        (
            400,
            refusal("Invalid request body format"),
            ErrorKind::InvalidRequest,
        ),
        (
            400,
            refusal("Target 10.0.0.1 resolves to a private/reserved IP"),
            ErrorKind::InvalidRequest,
        ),
        (
            401,
            refusal("Missing API key. Include X-API-Key header."),
            ErrorKind::Unauthorized,
        ),
        (401, refusal("Invalid API key"), ErrorKind::Unauthorized),
        (403, refusal("Forbidden"), ErrorKind::Forbidden),
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
    let server = server_with(Fault::json(
        429,
        &json!({"error": "Rate limit exceeded", "status": 429, "service": "single", "retryAfter": 5,
        "current": {"concurrency": 12, "rpm": 3000}, "limits": {"maxConcurrency": 500, "maxRpm": 3000}}),
    ));
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
    let (server, c) = start();
    let limits = json!({"maxConcurrency": 5, "maxRpm": 60});
    let refused = |body: Value| {
        server.push_fault(Fault::json(503, &body));
        c.single(&SingleRequest::get("https://e.com")).unwrap_err()
    };
    let err = refused(
        json!({"error": "Service disabled", "status": 503, "service": "single", "retryAfter": 60,
        "current": {"concurrency": 0, "rpm": 0}, "limits": limits}),
    );
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled, "{err}");
    // Maintenance: worth trying again after FourA's wait.
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));

    let err = refused(
        json!({"error": "Service at capacity", "status": 503, "service": "single", "retryAfter": 2,
        "current": {"concurrency": 6, "rpm": 30}, "limits": limits}),
    );
    assert_eq!(err.kind(), ErrorKind::AtCapacity, "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(err.rate_limit().unwrap().max_concurrency, Some(5));
    assert!(err.is_retryable());
}

#[test]
fn plan_limits_by_body_or_by_header_alone() {
    let (server, c) = start();
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
    let (server, c) = start();
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
    let (server, c) = start();
    for body in ["[1,2]", "<html>gateway</html>", ""] {
        server.push_fault(Fault::status(200, body));
        let err = c.single(&SingleRequest::get("https://e.com")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}: {err}");
        assert!(err.request_id().is_some());
    }
}

#[test]
fn public_endpoints_send_no_key() {
    let server = server_with(Fault::json(
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
    let server = server_with(
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
    let server = server_with(Fault::json(
        200,
        &json!({"status": 200, "headers": [], "data": {"status": "ok", "items": [1, 2]}, "proxy": "4DZ3VE"}),
    ));
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
    let (server, c) = start();
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

    // `overall` is what makes a status answer (without it the answer is a decode error);
    // every other field may come oddly typed.
    server.push_fault(Fault::json(200, &json!({"overall": "operational", "services": [{"slug": "api", "daily": null}, 7], "active_incidents": null})));
    let status = foura::service_status_at(&server.url()).unwrap();
    assert_eq!(status.overall, "operational");
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
    let c = engines_builder(&server)
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
    let (server, c) = start();
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
    let server = server_with(Fault::json(
        200,
        &json!({"id": "task_1", "status": "completed",
        "timing": "fast", "createdAt": 1_700_000_000, "type": 3, "statusCode": "n/a", "headers": ["a"]}),
    ));
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
