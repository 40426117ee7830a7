//! What FourA's gateway says about the account and the key, as its docs read now:
//! maintenance (<https://foura.ai/docs/api/rate-limits>), a key's own rate limit, and keys that
//! are refused (<https://foura.ai/docs/dashboard/api-keys>).

use foura::mock::Fault;

use super::*;
use crate::support::server_with;

#[test]
fn maintenance_is_service_disabled_in_either_shape() {
    let server = MockServer::start();
    let client = client(&server);
    server.refuse_next(1, None, Refusal::ServiceDisabled);
    server.refuse_next(1, None, Refusal::Maintenance { retry_after: 60 });
    let full = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    let short = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    for err in [&full, &short] {
        assert_eq!(err.kind(), ErrorKind::ServiceDisabled, "{err}");
        assert_eq!(err.status(), Some(503));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
        assert!(err.is_retryable());
        assert!(err.to_string().contains("maintenance"), "{err}");
        assert!(!err.to_string().contains("your account"), "{err}");
    }
    // The fixture's shape carries `current` (and is still not "at capacity"); the docs' has none.
    assert_eq!(
        full.rate_limit().unwrap().service.as_deref(),
        Some("single")
    );
    assert_eq!(short.rate_limit(), None);
    assert_eq!(server.request_count(), 2);
}

/// A maintenance answer (FourA's 503 `Service disabled`), the client that meets it, and what
/// that client ends with: the page after `Some(attempts)`, or `ServiceDisabled` with the wait
/// it names for `None`.
struct MaintenanceCase {
    case: &'static str,
    server: fn() -> MockServer,
    client: fn(&MockServer) -> Client,
    delivered_after: Option<u32>,
    wait: Option<Duration>,
}

/// A fresh emulator whose next answer is maintenance asking for `retry_after` seconds.
fn maintenance(retry_after: u64) -> MockServer {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::Maintenance { retry_after });
    server
}

const MAINTENANCE_CASES: [MaintenanceCase; 3] = [
    MaintenanceCase {
        case: "retried when its wait fits",
        server: || maintenance(0),
        client: |server| builder(server).max_retries(1).build().unwrap(),
        delivered_after: Some(2),
        wait: None,
    },
    MaintenanceCase {
        // The crate's defaults: a 60 s wait does not fit a single call's deadline.
        case: "returned at once with the default settings",
        server: || maintenance(60),
        client: |server| engines_builder(server).build().unwrap(),
        delivered_after: None,
        wait: Some(Duration::from_secs(60)),
    },
    MaintenanceCase {
        case: "not retried without a wait",
        server: || server_with(Fault::json(503, &json!({"error": "Service disabled"}))),
        client: |server| builder(server).max_retries(3).build().unwrap(),
        delivered_after: None,
        wait: None,
    },
];

#[test]
fn maintenance_is_retried_only_when_it_names_a_wait_that_fits() {
    for case in &MAINTENANCE_CASES {
        let server = (case.server)();
        let client = (case.client)(&server);
        let name = case.case;
        let attempts = match client.single(&SingleRequest::get(PAGE)) {
            Ok(page) => {
                assert!(case.delivered_after.is_some(), "{name}: delivered");
                assert_eq!(page.status, 200, "{name}");
                page.meta().attempts
            }
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::ServiceDisabled, "{name}: {err}");
                assert_eq!(err.retry_after(), case.wait, "{name}");
                assert_eq!(err.attempts(), 1, "{name}");
                assert_eq!(case.delivered_after, None, "{name}: failed with {err}");
                1
            }
        };
        assert_eq!(attempts, case.delivered_after.unwrap_or(1), "{name}");
        assert_eq!(server.request_count(), attempts as usize, "{name}");
    }
}

#[test]
fn a_keys_own_rate_limit_is_read_from_the_status_and_the_wait() {
    let (server, keyed) = refusing(None, Refusal::KeyRateLimited);
    let err = keyed.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(err.rate_limit(), None);
    assert_eq!(err.message(), None);
    assert!(err.is_retryable());
    assert_one_engine_call(&server, "/api/single/");

    // Any other body: the status and `retryAfter` decide, nothing else is guessed at.
    let server = server_with(Fault::json(
        429,
        &json!({"message": "key quota", "retryAfter": 2, "window": "1m"}),
    ));
    let err = client(&server)
        .single(&SingleRequest::get(PAGE))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(err.rate_limit(), None);
    let server =
        server_with(Fault::status(429, "Too Many Requests").header("Content-Type", "text/plain"));
    let err = client(&server)
        .single(&SingleRequest::get(PAGE))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(err.rate_limit(), None);
}

#[test]
fn a_keys_own_rate_limit_is_retried_after_its_wait() {
    let (server, client) = refusing_once(None, Refusal::KeyRateLimited);
    let page = client.single(&SingleRequest::get(PAGE)).unwrap();
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn every_401_is_final_whatever_its_text() {
    for body in [
        json!({"error": "Invalid API key"}),
        json!({"error": "API key expired", "retryAfter": 1}),
        json!({"error": "Request from an IP address that is not allowed"}),
        json!({"error": "Service at capacity", "current": {"concurrency": 1}}),
    ] {
        let server = server_with(Fault::json(401, &body).header("Retry-After", "1"));
        let client = builder(&server).max_retries(3).build().unwrap();
        let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
        assert!(!err.is_retryable(), "{err}");
        assert_eq!(err.attempts(), 1, "{err}");
        assert_eq!(server.request_count(), 1, "{err}");
        let hint = err.hint().unwrap();
        for cause in [
            "X-API-Key",
            "trim whitespace",
            "expired",
            "IP allow-list",
            "regenerated",
            "stops working at once",
            "deactivated",
        ] {
            assert!(hint.contains(cause), "{cause}: {hint}");
        }
        // The engine key in use is a pk_live_ key: no talk of the other API.
        assert!(!hint.contains("tasks-API key"), "{hint}");
    }
}

#[test]
fn a_tasks_key_refused_by_an_engine_names_the_tasks_api() {
    let server = MockServer::start();
    let client = client_with_key(&server, "fk_live_unknown00000000000000000");
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
    let hint = err.hint().unwrap();
    assert!(hint.contains("fk_live_ key is a tasks-API key"), "{hint}");
    assert!(hint.contains("Client::submit"), "{hint}");
    assert!(hint.contains("pk_live_"), "{hint}");
    // The general advice still follows, without telling an fk_live_ holder to use pk_live_.
    assert!(hint.contains("trim whitespace"), "{hint}");
    assert!(!hint.contains("whole key (pk_live"), "{hint}");
    assert!(!err.to_string().contains("unknown0000"), "{err}");
}
