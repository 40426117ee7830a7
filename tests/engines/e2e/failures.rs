//! What the virtual web makes fail, engine by engine: each a typed error carrying FourA's own
//! status, the engine's message and the credits charged.

use super::*;

/// One request the virtual web makes fail, and how FourA reports it.
struct FailureCase {
    case: &'static str,
    call: Call,
    kind: ErrorKind,
    /// FourA's own status: an engine failure is still a 200 from FourA.
    status: u16,
    target_status: Option<u16>,
    credits: Option<f64>,
    message: &'static str,
}

fn failure_cases() -> Vec<FailureCase> {
    let single = |url: &str| Call::Single(SingleRequest::get(url));
    vec![
        FailureCase {
            case: "a target that never answers, on single",
            call: Call::Single(
                SingleRequest::get("https://timeout.test/").timeout(Duration::from_secs(5)),
            ),
            kind: ErrorKind::EngineFailed,
            status: 200,
            target_status: Some(0),
            credits: Some(2.0),
            message: "Operation timed out after 5000 milliseconds with 0 bytes received",
        },
        FailureCase {
            case: "a broken download, on single",
            call: single("https://failed.test/"),
            kind: ErrorKind::EngineFailed,
            status: 200,
            target_status: Some(0),
            credits: Some(2.0),
            message: "Download failed",
        },
        FailureCase {
            case: "an unresolvable host, on single",
            call: single("https://nowhere.invalid/"),
            kind: ErrorKind::EngineFailed,
            status: 200,
            target_status: Some(0),
            credits: Some(2.0),
            message: "Couldn't resolve host name",
        },
        FailureCase {
            case: "an unresolvable host, on browser",
            call: Call::Browser(BrowserRequest::new("https://nowhere.invalid/")),
            kind: ErrorKind::EngineFailed,
            status: 200,
            target_status: Some(0),
            credits: Some(5.0),
            message: "net::ERR_NAME_NOT_RESOLVED at https://nowhere.invalid/",
        },
        FailureCase {
            case: "a private target, refused by FourA before the backend (no credits)",
            call: single("http://10.0.0.1/admin"),
            kind: ErrorKind::InvalidRequest,
            status: 400,
            target_status: None,
            credits: None,
            message: "Target 10.0.0.1 resolves to a private/reserved IP",
        },
    ]
}

#[test]
fn what_the_virtual_web_makes_fail_is_a_typed_error_with_foura_s_status_message_and_credits() {
    for case in failure_cases() {
        let (server, client) = start();
        let err = case.call.fail(&client);
        let name = case.case;
        assert_eq!(err.kind(), case.kind, "{name}: {err}");
        assert_eq!(err.status(), Some(case.status), "{name}");
        assert_eq!(err.target_status(), case.target_status, "{name}");
        assert_eq!(err.credits(), case.credits, "{name}: credits");
        assert_eq!(err.message(), Some(case.message), "{name}");
        let id = err.request_id().expect("X-Foura-Request-Id");
        assert!(is_request_id(id), "{name}: {id}");
        assert!(!err.is_retryable(), "{name}");
        assert_one_engine_call(&server, case.call.path());
    }
}

#[test]
fn a_single_timeout_is_sent_as_timeout_ms() {
    let (server, client) = start();
    let request = SingleRequest::get("https://timeout.test/").timeout(Duration::from_secs(5));
    client.single(&request).unwrap_err();
    assert_eq!(sent(&server)["timeout_ms"], 5000);
}

/// A field of an attempt report and the count it must hold.
type ReportCount = (&'static str, u64);

/// A `/proxy` rotation the virtual web defeats: the URL, the report's counts and the words its
/// summary must hold.
const ROTATION_CASES: [(&str, &[ReportCount], &str); 2] = [
    (
        "https://blocked.test/",
        &[("total", 5), ("defense", 5)],
        "5 attempt(s): ",
    ),
    // 15 s per attempt inside a 45 s rotation: three exits, none answering.
    (
        "https://timeout.test/",
        &[("total", 3), ("noResponse", 3)],
        "timeout_ms ran out",
    ),
];

#[test]
fn a_defeated_proxy_rotation_is_engine_failed_with_an_attempt_report() {
    for (url, counts, summary) in ROTATION_CASES {
        let (server, client) = start();
        let err = client.proxy(&proxy_get(url)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::EngineFailed, "{url}");
        assert_eq!(err.credits(), Some(4.0), "{url}");
        let report = err.attempt_report().expect("attemptReport");
        for (field, count) in counts {
            assert_eq!(report[field], *count, "{url}: {report}");
        }
        let text = report["summary"].as_str().unwrap();
        assert!(text.contains(summary), "{url}: {report}");
        assert_one_engine_call(&server, "/api/proxy/");
    }
}
