//! The exit class comes from `X-FourA-Exit-Class` on every engine (`fouradata/mcp`
//! `src/upstream.ts`); the body names it on `/proxy` alone, and a failure names none.

use super::*;

/// The emulator's premium exit ids start with `P`.
const PREMIUM_EXIT: &str = "P1B2C3";

/// Each engine asked for an exit of a known class, the class, and whether the body names it
/// too (`exitClass`) or the header alone does.
fn exit_cases() -> [(Call, &'static str, bool); 4] {
    [
        (
            Call::Single(SingleRequest::get(PAGE).proxy(PREMIUM_EXIT)),
            "premium",
            false,
        ),
        (
            Call::Proxy(proxy_get(PAGE).exit_class(ExitClass::Premium)),
            "premium",
            true,
        ),
        (
            Call::Browser(BrowserRequest::new(PAGE).proxy(PREMIUM_EXIT)),
            "premium",
            false,
        ),
        (
            Call::Auto(AutoRequest::new(PAGE).exit_class(ExitClass::Standard)),
            "standard",
            true,
        ),
    ]
}

/// Sends `call`, giving the class its meta read from the header and the class its body names.
fn exit_classes(client: &Client, call: &Call) -> (Option<String>, Option<String>) {
    let in_extra =
        |extra: &serde_json::Map<String, Value>| extra.get("exitClass").map(Value::to_string);
    let classes = match call {
        Call::Single(r) => client
            .single(r)
            .map(|p| (p.meta().clone(), in_extra(&p.extra))),
        Call::Browser(r) => client
            .browser(r)
            .map(|p| (p.meta().clone(), in_extra(&p.extra))),
        Call::Proxy(r) => client
            .proxy(r)
            .map(|p| (p.meta().clone(), p.exit_class.clone())),
        Call::Auto(r) => client
            .auto(r)
            .map(|p| (p.meta().clone(), p.exit_class.clone())),
    };
    let (meta, body) = classes.unwrap();
    (meta.exit_class, body)
}

#[test]
fn every_engine_reads_the_exit_class_from_the_header_and_proxy_and_auto_from_the_body_too() {
    for (call, class, in_body) in exit_cases() {
        let (server, client) = start();
        let engine = call.path();
        let (meta, body) = exit_classes(&client, &call);
        assert_eq!(meta.as_deref(), Some(class), "{engine}");
        assert_eq!(body.as_deref(), in_body.then_some(class), "{engine}");
        assert_one_engine_call(&server, engine);
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
