//! The exit class comes from `X-FourA-Exit-Class` on every engine (`fouradata/mcp`
//! `src/upstream.ts`); the body names it on `/proxy` alone, and a failure names none.

use super::*;

/// The emulator's premium exit ids start with `P`.
const PREMIUM_EXIT: &str = "P1B2C3";

#[test]
fn single_reads_the_exit_class_from_the_header() {
    let (server, client) = start();
    let page = client
        .single(&SingleRequest::get(PAGE).proxy(PREMIUM_EXIT))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert!(!page.extra.contains_key("exitClass"));
    assert_one_engine_call(&server, "/api/single/");
}

#[test]
fn proxy_reads_the_exit_class_from_the_header_and_the_body() {
    let (server, client) = start();
    let page = client
        .proxy(&proxy_get(PAGE).exit_class(ExitClass::Premium))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_one_engine_call(&server, "/api/proxy/");
}

#[test]
fn browser_reads_the_exit_class_from_the_header() {
    let (server, client) = start();
    let page = client
        .browser(&BrowserRequest::new(PAGE).proxy(PREMIUM_EXIT))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert!(!page.extra.contains_key("exitClass"));
    assert_one_engine_call(&server, "/api/browser/");
}

#[test]
fn auto_reads_the_exit_class_from_the_header() {
    let (server, client) = start();
    let page = client
        .auto(&AutoRequest::new(PAGE).exit_class(ExitClass::Standard))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("standard"));
    assert_eq!(page.exit_class.as_deref(), Some("standard"));
    assert_one_engine_call(&server, "/api/auto");
}

#[test]
fn a_failure_names_no_exit_class_and_that_is_normal() {
    let (_server, client) = start();
    let err = client
        .auto(&AutoRequest::new("https://timeout.test/").exit_class(ExitClass::Standard))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed, "{err}");
    assert_eq!(err.meta().exit_class, None);
    let err = client
        .proxy(&proxy_get("https://blocked.test/").exit_class(ExitClass::Premium))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed, "{err}");
    assert_eq!(err.meta().exit_class, None);
}
