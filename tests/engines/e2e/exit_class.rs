//! The exit class comes from `X-FourA-Exit-Class` on every engine (`fouradata/mcp`
//! `src/upstream.ts`); the body names it on `/proxy` alone, and a failure names none.

use super::*;

/// The emulator's premium exit ids start with `P`.
const PREMIUM_EXIT: &str = "P1B2C3";

/// One engine call that succeeds on an exit of a known class.
struct ExitCase {
    engine: &'static str,
    path: &'static str,
    class: &'static str,
    /// Whether the body names the class too (`exitClass`), or the header alone does.
    in_body: bool,
    /// The call, giving the class its meta read from the header and the class its body names.
    call: fn(&Client) -> (Option<String>, Option<String>),
}

const EXIT_CASES: [ExitCase; 4] = [
    ExitCase {
        engine: "single",
        path: "/api/single/",
        class: "premium",
        in_body: false,
        call: |client| {
            let page = client
                .single(&SingleRequest::get(PAGE).proxy(PREMIUM_EXIT))
                .unwrap();
            (page.meta().exit_class.clone(), body_class(&page.extra))
        },
    },
    ExitCase {
        engine: "proxy",
        path: "/api/proxy/",
        class: "premium",
        in_body: true,
        call: |client| {
            let page = client
                .proxy(&proxy_get(PAGE).exit_class(ExitClass::Premium))
                .unwrap();
            (page.meta().exit_class.clone(), page.exit_class.clone())
        },
    },
    ExitCase {
        engine: "browser",
        path: "/api/browser/",
        class: "premium",
        in_body: false,
        call: |client| {
            let page = client
                .browser(&BrowserRequest::new(PAGE).proxy(PREMIUM_EXIT))
                .unwrap();
            (page.meta().exit_class.clone(), body_class(&page.extra))
        },
    },
    ExitCase {
        engine: "auto",
        path: "/api/auto",
        class: "standard",
        in_body: true,
        call: |client| {
            let page = client
                .auto(&AutoRequest::new(PAGE).exit_class(ExitClass::Standard))
                .unwrap();
            (page.meta().exit_class.clone(), page.exit_class.clone())
        },
    },
];

/// An `exitClass` field kept among a page's unknown fields, as its JSON text.
fn body_class(extra: &serde_json::Map<String, Value>) -> Option<String> {
    extra.get("exitClass").map(Value::to_string)
}

#[test]
fn every_engine_reads_the_exit_class_from_the_header_and_proxy_and_auto_from_the_body_too() {
    for case in &EXIT_CASES {
        let (server, client) = start();
        let (meta, body) = (case.call)(&client);
        assert_eq!(meta.as_deref(), Some(case.class), "{}", case.engine);
        let expected_body = case.in_body.then_some(case.class);
        assert_eq!(body.as_deref(), expected_body, "{}", case.engine);
        assert_one_engine_call(&server, case.path);
    }
}

#[test]
fn a_failure_names_no_exit_class_and_that_is_normal() {
    let (_server, client) = start();
    let failures = [
        client
            .auto(&AutoRequest::new("https://timeout.test/").exit_class(ExitClass::Standard))
            .unwrap_err(),
        client
            .proxy(&proxy_get("https://blocked.test/").exit_class(ExitClass::Premium))
            .unwrap_err(),
    ];
    for err in failures {
        assert_eq!(err.kind(), ErrorKind::EngineFailed, "{err}");
        assert_eq!(err.meta().exit_class, None);
    }
}
