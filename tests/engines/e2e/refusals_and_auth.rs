//! Refusals, account state and auth.

use super::*;

#[test]
fn a_rate_limit_exposes_service_wait_current_and_limits() {
    let (server, client) = refusing(Some(Engine::Single), Refusal::RateLimited);
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::RateLimited, Some(429))
    );
    let limit = err.rate_limit().expect("the rate-limit figures");
    assert_eq!(limit.service.as_deref(), Some("single"));
    assert_eq!(limit.concurrency, Some(12));
    assert_eq!(limit.rpm, Some(3000));
    assert_eq!(limit.max_concurrency, Some(500));
    assert_eq!(limit.max_rpm, Some(3000));
    assert_eq!(err.plan_limit(), None);
    assert_eq!(err.credits(), None);
    assert!(is_request_id(err.request_id().unwrap()));
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), 1);
    assert_one_engine_call(&server, "/api/single/");
    assert_eq!(server.pending_refusals(), 0);

    // Unscoped refusals name whichever engine took them.
    server.refuse_next(3, None, Refusal::RateLimited);
    let services = [
        client.proxy(&proxy_get(PAGE)).unwrap_err(),
        client.browser(&BrowserRequest::new(PAGE)).unwrap_err(),
        client.auto(&AutoRequest::new(PAGE)).unwrap_err(),
    ]
    .map(|e| {
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        e.rate_limit().unwrap().service.unwrap()
    });
    assert_eq!(services, ["proxy", "browser", "auto"]);

    // The refusal was used up: the next call goes through.
    assert_eq!(
        client.single(&SingleRequest::get(PAGE)).unwrap().status,
        200
    );
    assert_eq!(server.request_count(), 5);
}

#[test]
fn at_capacity_is_its_own_kind_with_its_wait_and_figures() {
    let (server, client) = refusing(Some(Engine::Browser), Refusal::AtCapacity);
    let err = client.browser(&BrowserRequest::new(PAGE)).unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::AtCapacity, Some(503))
    );
    assert_eq!(err.message(), Some("Service at capacity"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    let limit = err.rate_limit().unwrap();
    assert_eq!(limit.service.as_deref(), Some("browser"));
    assert_eq!(limit.concurrency, Some(6));
    assert_eq!(limit.max_concurrency, Some(5));
    assert!(err.is_retryable());
    assert_eq!(err.credits(), None);
    assert!(err.request_id().is_some());
    assert_one_engine_call(&server, "/api/browser/");
}

#[test]
fn a_disabled_service_is_service_disabled_not_at_capacity() {
    let (server, client) = start();
    server.set_service_enabled(Engine::Proxy, false);
    for _ in 0..2 {
        let err = client.proxy(&proxy_get(PAGE)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ServiceDisabled);
        assert_ne!(err.kind(), ErrorKind::AtCapacity);
        assert_eq!(err.status(), Some(503));
        assert_eq!(err.message(), Some("Service disabled"));
        // The body carries `current`, which is what fools FourA's own client.
        assert_eq!(
            err.body().unwrap()["current"],
            json!({"concurrency": 0, "rpm": 0})
        );
        // Maintenance: the 60 s wait does not fit the 10 s deadline, so the call returns at
        // once with the wait set.
        assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
        assert_eq!(err.attempts(), 1);
        assert!(err.is_retryable());
        assert!(err.hint().unwrap().contains("maintenance"), "{err}");
        assert!(err.hint().unwrap().contains("wait 60s"), "{err}");
    }
    // Other engines are unaffected, and switching it back on works.
    assert_eq!(
        client.single(&SingleRequest::get(PAGE)).unwrap().status,
        200
    );
    server.set_service_enabled(Engine::Proxy, true);
    assert_eq!(client.proxy(&proxy_get(PAGE)).unwrap().status, 200);
    assert_eq!(server.request_count(), 4);

    // The queued refusal has the same body and the same meaning.
    server.refuse_next(1, Some(Engine::Auto), Refusal::ServiceDisabled);
    let err = client.auto(&AutoRequest::new(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled);
    assert_eq!(err.rate_limit().unwrap().service.as_deref(), Some("auto"));
    assert_eq!(server.request_count(), 5);
}

#[test]
fn an_unreachable_backend_is_a_server_error() {
    let (server, client) = refusing(None, Refusal::BackendUnavailable);
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::ServerError, Some(503))
    );
    assert_eq!(err.message(), Some("Backend service unavailable"));
    assert_eq!(err.body().unwrap()["backend_status"], 503);
    assert!(err.is_retryable());
    assert_eq!(err.credits(), None);
    assert!(err.request_id().is_some());
    assert_eq!(server.request_count(), 1);
}

#[test]
fn exhausted_credits_are_a_plan_limit_with_a_wait_and_a_reset_time() {
    let server = MockServer::start();
    server.refuse_next(
        1,
        Some(Engine::Proxy),
        Refusal::PlanLimit("plan_limit_credits".into()),
    );
    let err = client(&server).proxy(&proxy_get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit, "not a plain rate limit");
    assert_eq!(err.plan_limit(), Some("credits"));
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.resets_at(), Some("2026-10-01T00:00:00.000Z"));
    assert_eq!(err.meta().limit.as_deref(), Some("plan_limit_credits"));
    assert_eq!(err.message(), Some("Monthly credits exhausted"));
    assert!(!err.is_retryable());
    assert!(err.hint().unwrap().contains("credits"), "{err}");
    assert_eq!(err.credits(), None);
    assert_one_engine_call(&server, "/api/proxy/");
}

#[test]
fn spent_bandwidth_is_a_plan_limit_named_by_the_header_alone() {
    let (server, client) = refusing(None, Refusal::PlanLimit("plan_limit_bandwidth".into()));
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.plan_limit(), Some("bandwidth"));
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.meta().limit.as_deref(), Some("plan_limit_bandwidth"));
    assert_eq!(err.message(), Some("Bandwidth allowance spent"));
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.resets_at(), None);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_premium_exit_class_on_a_plan_without_premium_is_plan_limit_premium_403() {
    let (server, client) = start();
    server.set_premium_allowed(false);

    let err = client
        .proxy(&proxy_get(PAGE).exit_class(ExitClass::Premium))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit, "not a generic Forbidden");
    assert_eq!(err.plan_limit(), Some("premium"));
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.retry_after(), None, "waiting does not clear it");
    assert_eq!(err.meta().limit.as_deref(), Some("plan_limit_premium"));
    assert_eq!(
        err.body().unwrap()["documentation"],
        "https://foura.ai/prices"
    );
    assert_eq!(sent(&server)["exitClass"], "premium");

    let err = client
        .auto(&AutoRequest::new(PAGE).exit_class(ExitClass::Premium))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.plan_limit(), Some("premium"));
    assert_eq!(err.status(), Some(403));

    // Standard exits stay on the plan.
    let page = client
        .proxy(&proxy_get(PAGE).exit_class(ExitClass::Standard))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("standard"));
    assert_eq!(server.request_count(), 3);

    // The same refusal, queued for an engine with no exit class.
    server.refuse_next(
        1,
        Some(Engine::Browser),
        Refusal::PlanLimit("premium".into()),
    );
    let err = client.browser(&BrowserRequest::new(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.plan_limit(), Some("premium"));
    assert_eq!(err.status(), Some(403));
    assert_eq!(server.request_count(), 4);
}

#[test]
fn a_backend_outage_is_retried_and_the_retry_delivers() {
    let (server, client) = refusing_once(Some(Engine::Single), Refusal::BackendUnavailable);
    let page = client.single(&SingleRequest::get(PAGE)).unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(page.meta().credits, Some(2.0));
    assert_eq!(server.request_count(), 2);
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[1].body, "the same request again");
    for r in &requests {
        assert_engine_call(r, "/api/single/");
    }
}

#[test]
fn plan_limits_disabled_services_and_bad_keys_are_never_retried() {
    let server = MockServer::start();
    let client = builder(&server).max_retries(3).build().unwrap();

    server.refuse_next(1, None, Refusal::PlanLimit("plan_limit_credits".into()));
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    server.set_service_enabled(Engine::Single, false);
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 2);
    server.set_service_enabled(Engine::Single, true);

    let stranger = builder(&server)
        .api_key(ApiKey::new("pk_live_unknown00000000000000000").unwrap())
        .max_retries(3)
        .build()
        .unwrap();
    let err = stranger.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn every_plan_limit_is_a_plan_limit_whatever_its_status() {
    let (server, client) = start();
    for (code, name, status, wait) in [
        ("plan_limit_feature", "feature", 403, None),
        ("plan_limit_browser_daily", "browser_daily", 429, Some(3600)),
        ("plan_limit_rate", "rate", 429, Some(60)),
        ("plan_limit_concurrency", "concurrency", 429, Some(5)),
        ("plan_limit_something_new", "something_new", 429, None),
    ] {
        server.refuse_next(1, Some(Engine::Browser), Refusal::PlanLimit(code.into()));
        let err = client.browser(&BrowserRequest::new(PAGE)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PlanLimit, "{code}: {err}");
        assert_eq!(err.plan_limit(), Some(name), "{code}");
        assert_eq!(err.status(), Some(status), "{code}");
        assert_eq!(err.retry_after(), wait.map(Duration::from_secs), "{code}");
        assert_eq!(err.meta().limit.as_deref(), Some(code));
        assert!(!err.is_retryable(), "{code}");
    }
    assert_eq!(server.request_count(), 5);
}

#[test]
fn at_capacity_is_retried_after_the_wait_foura_asks_for() {
    let (server, client) = refusing_once(Some(Engine::Proxy), Refusal::AtCapacity);
    let started = std::time::Instant::now();
    let page = client.proxy(&proxy_get(PAGE)).unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2),
        "retryAfter 2 s: {waited:?}"
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_wait_longer_than_max_retry_wait_returns_at_once() {
    let server = MockServer::start();
    let client = builder(&server)
        .max_retries(3)
        .max_retry_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    server.refuse_next(1, None, Refusal::RateLimited);
    let started = std::time::Instant::now();
    let err = client.auto(&AutoRequest::new(PAGE)).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn every_engine_sends_x_api_key_and_never_authorization() {
    let (server, client) = start();
    client.single(&SingleRequest::get(PAGE)).unwrap();
    client.proxy(&proxy_get(PAGE)).unwrap();
    client.browser(&BrowserRequest::new(PAGE)).unwrap();
    client.auto(&AutoRequest::new(PAGE)).unwrap();
    let requests = server.requests();
    let paths = ["/api/single/", "/api/proxy/", "/api/browser/", "/api/auto"];
    assert_eq!(requests.len(), paths.len());
    for (r, path) in requests.iter().zip(paths) {
        assert_engine_call(r, path);
        assert!(
            !r.path.contains("pk_live_"),
            "the key never goes in the URL"
        );
        assert!(
            !r.body_text().contains(MockServer::ENGINE_KEY),
            "nor in the body"
        );
    }
}

#[test]
fn an_unknown_key_is_unauthorized_with_a_hint_about_x_api_key() {
    let server = MockServer::start();
    let unknown = "pk_live_unknown00000000000000000";
    let client = client_with_key(&server, unknown);
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Unauthorized, Some(401))
    );
    assert_eq!(err.message(), Some("Invalid API key"));
    assert!(err.hint().unwrap().contains("X-API-Key"), "{err}");
    assert!(err.to_string().contains("X-API-Key"), "{err}");
    assert!(!err.to_string().contains(unknown), "{err}");
    assert!(err.request_id().is_some());
    assert_eq!(err.credits(), None);

    assert_eq!(server.request_count(), 1);
    let r = last(&server);
    assert_eq!(r.header("x-api-key"), Some(unknown));
    assert_eq!(r.header("authorization"), None);
}

#[test]
fn a_disabled_key_is_unauthorized_on_the_engines() {
    let server = MockServer::start();
    let client = client_with_key(&server, MockServer::DISABLED_KEY);
    let err = client.auto(&AutoRequest::new(PAGE)).unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Unauthorized, Some(401))
    );
    assert_eq!(err.message(), Some("Invalid API key"));
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        last(&server).header("x-api-key"),
        Some(MockServer::DISABLED_KEY)
    );
}

#[test]
fn the_profile_catalogue_is_fetched_without_a_key() {
    let server = MockServer::start();
    let catalogue = client(&server).profiles().unwrap();
    assert_eq!(catalogue.default.as_deref(), Some("chrome-147-windows"));
    let profiles = catalogue.extra["profiles"]
        .as_array()
        .expect("kept as sent");
    assert!(profiles.iter().any(|p| p["id"] == "chrome-147-windows"));

    assert_one_keyless_get(&server, "/api/profiles");
}

#[test]
fn the_service_status_is_fetched_without_a_key() {
    let server = MockServer::start();
    let status = foura::service_status_at(&server.url()).unwrap();
    assert_eq!(status.overall, "operational");
    assert_eq!(status.services.len(), 1);
    let api = &status.services[0];
    assert_eq!(api.slug, "api");
    assert_eq!(api.name, "API");
    assert_eq!(api.status, "operational");
    assert!(!api.daily.is_empty());
    assert!(status.active_incidents.is_empty());
    assert_eq!(status.recent_incidents[0]["service_slug"], "api");

    assert_one_keyless_get(&server, "/api/v1/status");
}
