//! Non-retryable faults make exactly one request.

use super::*;

#[test]
fn client_errors_400_401_403_404_are_not_retried() {
    let cases = [
        (400, ErrorKind::InvalidRequest),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
    ];
    for (status, kind) in cases {
        let server = MockServer::start();
        server.push_fault(Fault::json(status, &json!({"error": "no"})));
        let (client, _) = engines(&server, 5);
        let err = fetch(&client).unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.attempts(), 1, "{status}");
        assert_eq!(server.request_count(), 1, "engine call, {status}");

        let nested = json!({"error": {"code": "X", "message": "no", "status": status}});
        server.push_fault(Fault::json(status, &nested));
        let (client, _) = tasks(&server, 5);
        let err = submit(&client).unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.attempts(), 1);
        assert!(!err.maybe_created(), "FourA said no: {status}");
        assert_eq!(server.request_count(), 2, "task creation, {status}");
    }
}

#[test]
fn plan_limits_are_not_retried_whether_named_by_body_or_header() {
    // `credits` names itself in the body (`reason`) and asks for an hour; `bandwidth` is
    // named only by `X-FourA-Limit`.
    for (limit, name) in [
        ("plan_limit_credits", "credits"),
        ("plan_limit_bandwidth", "bandwidth"),
    ] {
        let server = MockServer::start();
        server.refuse_next(1, None, Refusal::PlanLimit(limit.into()));
        let (client, _) = engines(&server, 5);
        let started = Instant::now();
        let err = fetch(&client).unwrap_err();
        within(started.elapsed(), Duration::from_secs(1), limit);
        assert_eq!(err.kind(), ErrorKind::PlanLimit, "{err}");
        assert_eq!(err.plan_limit(), Some(name));
        assert_eq!(err.attempts(), 1);
        assert_eq!(server.request_count(), 1, "{limit}");
    }
    // A header-only limit on a 429 that looks like a plain rate limit is still a plan limit.
    let server = MockServer::start();
    server.push_fault(
        Fault::json(
            429,
            &json!({"error": "Rate limit exceeded", "retryAfter": 0}),
        )
        .header("X-FourA-Limit", "plan_limit_concurrency"),
    );
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit, "{err}");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn service_disabled_503_is_not_retried() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::ServiceDisabled);
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled, "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_redirect_is_not_retried() {
    let server = MockServer::start();
    server.push_fault(Fault::redirect(302, "http://127.0.0.1:9/elsewhere"));
    let (client, _) = engines(&server, 5);
    let err = fetch(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedRedirect);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}
