//! Refusals: rate limits, capacity, disabled services, plan limits and the queue of
//! scripted refusals.

use super::*;

#[test]
fn rate_limited_has_the_documented_body_per_engine() {
    let server = MockServer::start();
    for (path, service) in [
        (SINGLE, "single"),
        (PROXY, "proxy"),
        (BROWSER, "browser"),
        (AUTO, "auto"),
    ] {
        server.refuse_next(1, None, Refusal::RateLimited);
        let reply = post_minimal(&server, path);
        assert_refused(
            &reply,
            429,
            &json!({"error": "Rate limit exceeded", "status": 429, "service": service, "retryAfter": 5,
                   "current": {"concurrency": 12, "rpm": 3000},
                   "limits": {"maxConcurrency": 500, "maxRpm": 3000}}),
        );
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert!(reply.header("x-foura-request-id").is_some());
        assert!(reply.header("x-foura-limit").is_none());
        assert!(reply.header("retry-after").is_none());
    }
    assert_minimal_status(&server, SINGLE, 200);
}

/// A refusal queued for an engine (any, for `None`), the path posted and the 503 body FourA
/// documents for it.
fn queued_refusals() -> [(&'static str, Option<Engine>, Refusal, &'static str, Value); 2] {
    [
        (
            "at capacity",
            Some(Engine::Browser),
            Refusal::AtCapacity,
            BROWSER,
            json!({"error": "Service at capacity", "status": 503, "service": "browser", "retryAfter": 2,
                   "current": {"concurrency": 6, "rpm": 30}, "limits": {"maxConcurrency": 5, "maxRpm": 60}}),
        ),
        (
            "backend unavailable",
            None,
            Refusal::BackendUnavailable,
            SINGLE,
            json!({"error": "Backend service unavailable", "backend_status": 503,
                   "detail": "<html><body>Service Unavailable</body></html>"}),
        ),
    ]
}

#[test]
fn a_queued_503_refusal_has_the_documented_body() {
    for (case, engine, refusal, path, body) in queued_refusals() {
        let server = MockServer::start();
        server.refuse_next(1, engine, refusal);
        let reply = post_minimal(&server, path);
        assert_eq!(reply.status, 503, "{case}");
        assert_eq!(reply.json(), body, "{case}");
        assert!(reply.credits().is_none(), "{case}");
    }
}

#[test]
fn a_disabled_service_refuses_every_call_until_enabled() {
    let server = MockServer::start();
    server.set_service_enabled(Engine::Proxy, false);
    for _ in 0..2 {
        let reply = post_minimal(&server, PROXY);
        assert_refused(
            &reply,
            503,
            &json!({"error": "Service disabled", "status": 503, "service": "proxy", "retryAfter": 60,
                   "current": {"concurrency": 0, "rpm": 0}, "limits": {"maxConcurrency": 0, "maxRpm": 0}}),
        );
    }
    assert_minimal_status(&server, SINGLE, 200);
    // A bad key is still a 401 first.
    let reply = post_minimal_with_key(&server, PROXY, "pk_live_nope");
    assert_eq!(reply.status, 401);
    server.set_service_enabled(Engine::Proxy, true);
    assert_minimal_status(&server, PROXY, 200);
}

#[test]
fn a_queued_service_disabled_refusal_has_the_same_body() {
    let server = MockServer::start();
    server.refuse_next(1, Some(Engine::Auto), Refusal::ServiceDisabled);
    let reply = post(&server, "/api/auto/", &minimal(AUTO, "https://example.com"));
    assert_eq!(reply.status, 503);
    let json = reply.json();
    assert_eq!(json["error"], "Service disabled");
    assert_eq!(json["service"], "auto");
    assert_eq!(json["current"], json!({"concurrency": 0, "rpm": 0}));
}

#[test]
fn exhausted_credits_have_the_documented_body_and_headers() {
    let server = MockServer::start();
    for code in ["plan_limit_credits", "credits"] {
        server.refuse_next(1, None, Refusal::PlanLimit(code.into()));
        let reply = post_minimal(&server, PROXY);
        assert_eq!(reply.status, 429);
        assert_eq!(
            reply.json(),
            json!({"error": "Monthly credits exhausted", "reason": "plan_limit_credits",
                   "retry_after_seconds": 3600, "resets_at": "2026-10-01T00:00:00.000Z"})
        );
        assert_eq!(reply.header("x-foura-limit"), Some("plan_limit_credits"));
        assert_eq!(reply.header("retry-after"), Some("3600"));
        assert!(reply.credits().is_none());
    }
}

#[test]
fn spent_bandwidth_is_named_only_by_the_header() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::PlanLimit("plan_limit_bandwidth".into()));
    let reply = post_minimal(&server, SINGLE);
    assert_eq!(reply.status, 429);
    assert_eq!(reply.json(), json!({"error": "Bandwidth allowance spent"}));
    assert_eq!(reply.header("x-foura-limit"), Some("plan_limit_bandwidth"));
    assert!(reply.header("retry-after").is_none());
}

#[test]
fn other_plan_limits_carry_their_code() {
    let server = MockServer::start();
    for (code, status, wait) in [
        ("plan_limit_feature", 403, None),
        ("plan_limit_browser_daily", 429, Some("3600")),
        ("plan_limit_rate", 429, Some("60")),
        ("plan_limit_concurrency", 429, Some("5")),
        ("plan_limit_something_new", 429, None),
    ] {
        server.refuse_next(1, None, Refusal::PlanLimit(code.into()));
        let reply = post_minimal(&server, BROWSER);
        assert_eq!(reply.status, status, "{code}");
        assert_eq!(reply.header("x-foura-limit"), Some(code));
        assert_eq!(reply.json()["reason"], code);
        assert_eq!(reply.header("retry-after"), wait, "{code}");
        assert!(reply.json()["error"].is_string());
    }
}

#[test]
fn premium_exits_off_the_plan_are_refused_with_403() {
    let server = MockServer::start();
    server.set_premium_allowed(false);
    let premium_body = json!({"error": "Premium exits (the exitClass parameter) are not included in your plan (Free).",
                              "reason": "plan_limit_premium", "documentation": "https://foura.ai/prices"});
    for path in [PROXY, AUTO] {
        let mut body = minimal(path, "https://example.com");
        body["exitClass"] = json!("premium");
        let reply = post(&server, path, &body);
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(reply.json(), premium_body);
        assert_eq!(reply.header("x-foura-limit"), Some("plan_limit_premium"));
        assert!(reply.header("retry-after").is_none());
        assert!(reply.credits().is_none());

        body["exitClass"] = json!("standard");
        assert_eq!(post(&server, path, &body).status, 200, "{path}");
        assert_eq!(post_minimal(&server, path).status, 200);
    }
    // A malformed body is still a 400 first.
    assert_invalid(&server, PROXY, &json!({"exitClass": "premium"}));
    server.set_premium_allowed(true);
    let mut body = minimal(PROXY, "https://example.com");
    body["exitClass"] = json!("premium");
    assert_eq!(post(&server, PROXY, &body).status, 200);

    server.refuse_next(1, None, Refusal::PlanLimit("premium".into()));
    let reply = post_minimal(&server, SINGLE);
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json(), premium_body);
}

#[test]
fn refusals_are_scoped_counted_and_taken_in_order() {
    let server = MockServer::start();
    server.refuse_next(2, Some(Engine::Proxy), Refusal::AtCapacity);
    server.refuse_next(1, None, Refusal::RateLimited);
    assert_eq!(server.pending_refusals(), 3);

    // Single skips the proxy-scoped ones and takes the unscoped one.
    assert_minimal_status(&server, SINGLE, 429);
    assert_minimal_status(&server, SINGLE, 200);
    assert_eq!(server.pending_refusals(), 2);
    for _ in 0..2 {
        assert_minimal_status(&server, PROXY, 503);
    }
    assert_minimal_status(&server, PROXY, 200);
    assert_eq!(server.pending_refusals(), 0);
}

#[test]
fn refusals_are_not_taken_by_bad_keys_the_tasks_api_or_public_endpoints() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::RateLimited);
    assert_eq!(
        post_with_key(
            &server,
            SINGLE,
            "pk_live_x",
            &minimal(SINGLE, "https://e.com")
        )
        .status,
        401
    );
    assert_eq!(send(&server, "GET", "/api/profiles", &[], b"").status, 200);
    assert_eq!(send(&server, "GET", "/api/v1/status", &[], b"").status, 200);
    let bearer = format!("Bearer {}", MockServer::TEST_KEY);
    assert_eq!(
        send(
            &server,
            "GET",
            "/api/v1/tasks",
            &[("Authorization", &bearer)],
            b""
        )
        .status,
        200
    );
    assert_eq!(server.pending_refusals(), 1);
    // It answers before the body is read.
    let reply = post_bytes(&server, SINGLE, b"{broken");
    assert_eq!(reply.status, 429);
    assert_eq!(server.pending_refusals(), 0);
}
